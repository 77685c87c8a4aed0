#pragma once
/// \file tcpv/detail/json.hpp
/// Minimal JSON helpers: output (reports), and a strict reader for tcpv's own files (reports and
/// traces read back by `tcpv replay`, and tests).

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace tcpv::detail {

/// `s` as a JSON string literal, quotes included. Control characters are escaped as \uXXXX.
inline std::string json_quote(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    out.push_back('"');
    for (const char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
                    out += buf;
                } else {
                    out.push_back(c);
                }
        }
    }
    out.push_back('"');
    return out;
}

/// A double as JSON (finite; shortest form that round-trips well enough for reports).
inline std::string json_number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

}  // namespace tcpv::detail

// ---------------------------------------------------------------------------------------------
// Reading. A small strict JSON reader (RFC 8259) for tcpv's own files: every value knows the line
// and column where it starts, and errors name the line, the column and what was expected, since
// the files are meant to be edited by hand. It never recurses deeper than max_json_depth and
// reads each character once (positions are tracked as it goes, not recomputed), so hostile or
// huge input gets an error or a result in linear time, never a crash or a hang.

#include <stdexcept>
#include <vector>

namespace tcpv::detail {

struct json_member;

/// A JSON value. Numbers are kept as double and as their source text.
struct json_value {
    enum class type { null, boolean, number, string, array, object };
    type kind = type::null;
    bool boolean = false;
    double number = 0;
    std::string text;  ///< string value, or the number's source text
    std::vector<json_value> items;
    std::vector<json_member> members;  ///< in file order; keys are unique
    std::size_t line = 1;              ///< where the value starts (1-based)
    std::size_t column = 1;            ///< where the value starts (1-based, in bytes)

    /// The member named `key` of an object, or nullptr.
    [[nodiscard]] const json_value* get(std::string_view key) const;
};

/// The name of a JSON type as error messages say it ("a string", "an object").
inline constexpr std::string_view json_type_name(json_value::type t) noexcept {
    switch (t) {
        case json_value::type::null: return "null";
        case json_value::type::boolean: return "a boolean";
        case json_value::type::number: return "a number";
        case json_value::type::string: return "a string";
        case json_value::type::array: return "an array";
        case json_value::type::object: return "an object";
    }
    return "?";
}

/// One "key": value of an object. (A struct, not a std::pair: libstdc++'s pair asks whether
/// json_value is default-constructible while json_value is still incomplete, which clang
/// rejects.)
struct json_member {
    std::string key;
    json_value value;
};

inline const json_value* json_value::get(std::string_view key) const {
    for (const auto& [k, v] : members)
        if (k == key) return &v;
    return nullptr;
}

/// A JSON syntax error; what() reads "line L, column C: problem"; `problem` is the bare text,
/// for callers that prefix a file name ("trace.json:L:C: problem").
struct json_error : std::runtime_error {
    std::size_t line, column;
    std::string problem;
    json_error(std::size_t l, std::size_t c, const std::string& what)
        : std::runtime_error("line " + std::to_string(l) + ", column " + std::to_string(c) + ": " + what),
          line(l), column(c), problem(what) {}
};

/// Arrays and objects nested deeper than this are an error (the reader recurses once per level).
inline constexpr int max_json_depth = 200;

class json_reader {
public:
    explicit json_reader(std::string_view text) : s_(text) {}

    /// Parses one value followed only by whitespace.
    json_value parse() {
        space();
        if (i_ >= s_.size()) fail("the document is empty: expected a JSON value");
        json_value v = value(0);
        space();
        if (i_ != s_.size()) fail("unexpected text after the JSON value");
        return v;
    }

private:
    [[noreturn]] void fail(const std::string& what) const { throw json_error(line_, col_, what); }
    [[noreturn]] void fail_here_or_end(const std::string& what) const {
        fail(i_ >= s_.size() ? "unexpected end of the document: " + what : what);
    }
    /// Advances one byte, keeping the line and column current.
    char next() {
        const char c = s_[i_++];
        if (c == '\n') {
            ++line_;
            col_ = 1;
        } else {
            ++col_;
        }
        return c;
    }
    void space() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) next();
    }
    bool eat(char c) {
        space();
        if (i_ < s_.size() && s_[i_] == c) {
            next();
            return true;
        }
        return false;
    }
    bool word(std::string_view w) {
        if (s_.substr(i_, w.size()) != w) return false;
        for (std::size_t k = 0; k < w.size(); ++k) next();
        return true;
    }
    json_value value(int depth) {
        if (depth > max_json_depth) fail("nesting is deeper than " + std::to_string(max_json_depth) + " levels");
        space();
        if (i_ >= s_.size()) fail("unexpected end of the document: expected a value");
        json_value v;
        v.line = line_;
        v.column = col_;
        const char c = s_[i_];
        if (c == '{') {
            next();
            v.kind = json_value::type::object;
            if (eat('}')) return v;
            do {
                space();
                if (i_ >= s_.size() || s_[i_] != '"') fail_here_or_end("expected a string (a member name)");
                const std::size_t kl = line_, kc = col_;
                std::string key = string();
                for (const auto& m : v.members)
                    if (m.key == key) throw json_error(kl, kc, "duplicate member name \"" + key + "\"");
                if (!eat(':')) fail_here_or_end("expected ':' after the member name \"" + key + "\"");
                v.members.push_back(json_member{std::move(key), value(depth + 1)});
            } while (eat(','));
            if (!eat('}')) fail_here_or_end("expected ',' or '}' after a member");
        } else if (c == '[') {
            next();
            v.kind = json_value::type::array;
            if (eat(']')) return v;
            do v.items.push_back(value(depth + 1));
            while (eat(','));
            if (!eat(']')) fail_here_or_end("expected ',' or ']' after an array element");
        } else if (c == '"') {
            v.kind = json_value::type::string;
            v.text = string();
        } else if (word("true")) {
            v.kind = json_value::type::boolean;
            v.boolean = true;
        } else if (word("false")) {
            v.kind = json_value::type::boolean;
        } else if (word("null")) {
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            number(v);
        } else {
            fail(std::string("unexpected character '") + c + "': expected a value");
        }
        return v;
    }
    void number(json_value& v) {
        const std::size_t start = i_;
        if (s_[i_] == '-') next();
        auto digits = [&](const char* what) {
            const std::size_t d = i_;
            while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') next();
            if (i_ == d) fail_here_or_end(std::string("malformed number: expected digits ") + what);
            return i_ - d;
        };
        const bool zero = i_ < s_.size() && s_[i_] == '0';
        if (digits("") > 1 && zero) fail("malformed number: a leading zero");
        if (i_ < s_.size() && s_[i_] == '.') {
            next();
            digits("after '.'");
        }
        if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
            next();
            if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) next();
            digits("in the exponent");
        }
        v.kind = json_value::type::number;
        v.text = std::string(s_.substr(start, i_ - start));
        v.number = std::strtod(v.text.c_str(), nullptr);
    }
    unsigned hex4() {
        if (s_.size() - i_ < 4) fail_here_or_end("a \\u escape needs four hex digits");
        unsigned cp = 0;
        for (int k = 0; k < 4; ++k) {
            const char h = s_[i_];
            cp <<= 4;
            if (h >= '0' && h <= '9') cp |= unsigned(h - '0');
            else if (h >= 'a' && h <= 'f') cp |= unsigned(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') cp |= unsigned(h - 'A' + 10);
            else fail("a \\u escape needs four hex digits");
            next();
        }
        return cp;
    }
    static void utf8(std::string& out, unsigned cp) {
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        } else {
            out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        }
    }
    std::string string() {
        next();  // opening quote
        std::string out;
        while (true) {
            if (i_ >= s_.size()) fail("unexpected end of the document: unterminated string");
            if (static_cast<unsigned char>(s_[i_]) < 0x20) fail("control character in a string (escape it)");
            const char c = next();
            if (c == '"') return out;
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (i_ >= s_.size()) fail("unexpected end of the document: unterminated escape");
            const char e = s_[i_];
            switch (e) {
                case '"': out.push_back('"'); break;
                case '\\': out.push_back('\\'); break;
                case '/': out.push_back('/'); break;
                case 'b': out.push_back('\b'); break;
                case 'f': out.push_back('\f'); break;
                case 'n': out.push_back('\n'); break;
                case 'r': out.push_back('\r'); break;
                case 't': out.push_back('\t'); break;
                case 'u': {
                    next();
                    unsigned cp = hex4();
                    // A high surrogate followed by a low one is one code point; a lone
                    // surrogate is kept as its 3-byte form (tcpv never writes one).
                    if (cp >= 0xd800 && cp < 0xdc00 && s_.substr(i_, 2) == "\\u") {
                        next();
                        next();
                        const unsigned lo = hex4();
                        if (lo >= 0xdc00 && lo < 0xe000) {
                            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                        } else {
                            utf8(out, cp);
                            cp = lo;
                        }
                    }
                    utf8(out, cp);
                    continue;
                }
                default:
                    fail(static_cast<unsigned char>(e) < 0x20 ? std::string("unknown escape")
                                                              : std::string("unknown escape \\") + e);
            }
            next();
        }
    }

    std::string_view s_;
    std::size_t i_ = 0;
    std::size_t line_ = 1, col_ = 1;
};

/// Parses JSON text; throws json_error naming the line and column of the problem.
inline json_value parse_json(std::string_view text) { return json_reader(text).parse(); }

}  // namespace tcpv::detail
