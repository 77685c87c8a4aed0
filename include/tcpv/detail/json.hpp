#pragma once
/// \file tcpv/detail/json.hpp
/// Minimal JSON output helpers (tcpv writes JSON; it reads it only in the trace tools).

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
// Reading. A small strict JSON reader for tcpv's own files (reports, traces); errors name the
// line and column and what was expected.

#include <map>
#include <memory>
#include <stdexcept>
#include <variant>
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
    std::vector<json_member> members;  ///< in file order
    std::size_t line = 1;                                     ///< where the value starts

    /// The member named `key` of an object, or nullptr.
    [[nodiscard]] const json_value* get(std::string_view key) const;
};

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

/// A JSON syntax error; what() reads "line L, column C: problem".
struct json_error : std::runtime_error {
    std::size_t line, column;
    json_error(std::size_t l, std::size_t c, const std::string& what)
        : std::runtime_error("line " + std::to_string(l) + ", column " + std::to_string(c) + ": " + what),
          line(l), column(c) {}
};

class json_reader {
public:
    explicit json_reader(std::string_view text) : s_(text) {}

    /// Parses one value followed only by whitespace.
    json_value parse() {
        json_value v = value(0);
        space();
        if (i_ != s_.size()) fail("unexpected text after the JSON value");
        return v;
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        std::size_t line = 1, col = 1;
        for (std::size_t k = 0; k < i_ && k < s_.size(); ++k) {
            if (s_[k] == '\n') {
                ++line;
                col = 1;
            } else {
                ++col;
            }
        }
        throw json_error(line, col, what);
    }
    std::size_t line_now() const {
        std::size_t line = 1;
        for (std::size_t k = 0; k < i_ && k < s_.size(); ++k) line += s_[k] == '\n';
        return line;
    }
    void space() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    }
    bool eat(char c) {
        space();
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    void expect(char c, const char* where) {
        if (!eat(c)) fail(std::string("expected '") + c + "' " + where);
    }
    json_value value(int depth) {
        if (depth > 200) fail("nesting is too deep");
        space();
        if (i_ >= s_.size()) fail("unexpected end of input, expected a value");
        json_value v;
        v.line = line_now();
        const char c = s_[i_];
        if (c == '{') {
            ++i_;
            v.kind = json_value::type::object;
            if (eat('}')) return v;
            do {
                space();
                if (i_ >= s_.size() || s_[i_] != '"') fail("expected a string as object key");
                std::string key = string();
                for (const auto& m : v.members)
                    if (m.key == key) fail("duplicate key \"" + key + "\"");
                expect(':', "after an object key");
                v.members.push_back(json_member{std::move(key), value(depth + 1)});
            } while (eat(','));
            expect('}', "to close an object (or a missing ',')");
        } else if (c == '[') {
            ++i_;
            v.kind = json_value::type::array;
            if (eat(']')) return v;
            do v.items.push_back(value(depth + 1));
            while (eat(','));
            expect(']', "to close an array (or a missing ',')");
        } else if (c == '"') {
            v.kind = json_value::type::string;
            v.text = string();
        } else if (s_.substr(i_, 4) == "true") {
            i_ += 4;
            v.kind = json_value::type::boolean;
            v.boolean = true;
        } else if (s_.substr(i_, 5) == "false") {
            i_ += 5;
            v.kind = json_value::type::boolean;
        } else if (s_.substr(i_, 4) == "null") {
            i_ += 4;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            const std::size_t start = i_;
            if (s_[i_] == '-') ++i_;
            auto digits = [&] {
                const std::size_t d = i_;
                while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
                if (i_ == d) fail("malformed number");
            };
            digits();
            if (i_ < s_.size() && s_[i_] == '.') {
                ++i_;
                digits();
            }
            if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
                ++i_;
                if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
                digits();
            }
            v.kind = json_value::type::number;
            v.text = std::string(s_.substr(start, i_ - start));
            v.number = std::strtod(v.text.c_str(), nullptr);
        } else {
            fail(std::string("unexpected character '") + c + "', expected a value");
        }
        return v;
    }
    std::string string() {
        ++i_;  // opening quote
        std::string out;
        while (true) {
            if (i_ >= s_.size()) fail("unterminated string");
            const char c = s_[i_++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (i_ >= s_.size()) fail("unterminated escape");
            const char e = s_[i_++];
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
                    if (i_ + 4 > s_.size()) fail("short \\u escape");
                    unsigned cp = 0;
                    for (int k = 0; k < 4; ++k) {
                        const char h = s_[i_++];
                        cp <<= 4;
                        if (h >= '0' && h <= '9') cp |= unsigned(h - '0');
                        else if (h >= 'a' && h <= 'f') cp |= unsigned(h - 'a' + 10);
                        else if (h >= 'A' && h <= 'F') cp |= unsigned(h - 'A' + 10);
                        else fail("bad hex digit in \\u escape");
                    }
                    // UTF-8 encode (surrogate pairs are kept as two 3-byte sequences).
                    if (cp < 0x80) {
                        out.push_back(static_cast<char>(cp));
                    } else if (cp < 0x800) {
                        out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
                        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
                    } else {
                        out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
                        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
                        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
                    }
                    break;
                }
                default: fail(std::string("unknown escape \\") + e);
            }
        }
    }

    std::string_view s_;
    std::size_t i_ = 0;
};

/// Parses JSON text; throws json_error naming the line and column of the problem.
inline json_value parse_json(std::string_view text) { return json_reader(text).parse(); }

}  // namespace tcpv::detail
