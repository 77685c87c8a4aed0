// Traces and reports: the text form, the JSON form of issue 2 (checked by parsing it with a
// small strict JSON reader written here, escaping included), tcpv::validate on tampered traces
// and tcpv::replay of action sequences.
#include <doctest/doctest.h>

#include <tcpv/checker.hpp>
#include <tcpv/report.hpp>
#include <tcpv/trace.hpp>

#include <algorithm>
#include <cstdint>
#include <ostream>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "graph_model.hpp"

namespace {

// 0 -> 1 -> ... -> limit; with self_loop every state also steps to itself.
struct counter {
    std::uint64_t limit = 3;
    bool self_loop = false;
    using state = std::uint64_t;
    using action = std::string_view;
    void init(auto&& emit) const { emit(action("start"), state{0}); }
    void next(const state& s, auto&& emit) const {
        if (self_loop) emit(action("stay"), s);
        if (s < limit) emit(action("inc"), s + 1);
    }
};

// Printed forms full of what JSON must escape, through the model's print members.
struct awkward {
    using state = int;
    using action = unsigned;
    static constexpr std::string_view nasty = "say \"hi\"\nback\\slash\ttab\x01\x1f\x7f/end";
    void init(auto&& emit) const { emit(0u, 0); }
    void next(const state& s, auto&& emit) const {
        if (s < 2) emit(static_cast<action>(s + 1), s + 1);
    }
    void print(std::ostream& os, const state& s) const { os << nasty << ' ' << s; }
    void print(std::ostream& os, const action& a) const { os << "act \"" << a << "\"\r"; }
};

// --- a small strict JSON reader (RFC 8259), enough to check the report's shape -------------
struct json {
    enum class kind { null, boolean, number, string, array, object } k = kind::null;
    bool b = false;
    double num = 0;
    std::string str;
    std::vector<json> arr;
    std::vector<std::pair<std::string, json>> obj;  // in document order

    const json* get(std::string_view key) const {
        for (const auto& [name, value] : obj)
            if (name == key) return &value;
        return nullptr;
    }
    const json& operator[](std::string_view key) const {
        const json* v = get(key);
        if (!v) throw std::runtime_error("no key " + std::string(key));
        return *v;
    }
    std::vector<std::string> keys() const {
        std::vector<std::string> out;
        for (const auto& kv : obj) out.push_back(kv.first);
        return out;
    }
};

class json_reader {
public:
    explicit json_reader(std::string_view text) : s_(text) {}
    json document() {
        json v = value();
        space();
        if (i_ != s_.size()) fail("trailing text");
        return v;
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw std::runtime_error("JSON: " + what + " at offset " + std::to_string(i_));
    }
    void space() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
    }
    bool eat(char c) {
        space();
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    void expect(char c) {
        if (!eat(c)) fail(std::string("expected '") + c + "'");
    }
    bool literal(std::string_view w) {
        if (s_.substr(i_, w.size()) != w) return false;
        i_ += w.size();
        return true;
    }
    json value() {
        space();
        if (i_ >= s_.size()) fail("unexpected end");
        json v;
        const char c = s_[i_];
        if (c == '{') {
            ++i_;
            v.k = json::kind::object;
            if (eat('}')) return v;
            do {
                space();
                std::string key = string();
                expect(':');
                v.obj.emplace_back(std::move(key), value());
            } while (eat(','));
            expect('}');
        } else if (c == '[') {
            ++i_;
            v.k = json::kind::array;
            if (eat(']')) return v;
            do v.arr.push_back(value());
            while (eat(','));
            expect(']');
        } else if (c == '"') {
            v.k = json::kind::string;
            v.str = string();
        } else if (literal("true") || literal("false")) {
            v.k = json::kind::boolean;
            v.b = s_[i_ - 1] == 'e' && s_[i_ - 2] == 'u';
        } else if (literal("null")) {
            v.k = json::kind::null;
        } else {
            const std::size_t start = i_;
            if (s_[i_] == '-') ++i_;
            auto digits = [&] {
                const std::size_t d = i_;
                while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
                if (i_ == d) fail("expected a digit");
            };
            if (i_ < s_.size() && s_[i_] == '0') ++i_;
            else digits();
            if (i_ < s_.size() && s_[i_] == '.') {
                ++i_;
                digits();
            }
            if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
                ++i_;
                if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
                digits();
            }
            v.k = json::kind::number;
            v.num = std::stod(std::string(s_.substr(start, i_ - start)));
        }
        return v;
    }
    std::string string() {
        if (i_ >= s_.size() || s_[i_] != '"') fail("expected a string");
        ++i_;
        std::string out;
        for (;;) {
            if (i_ >= s_.size()) fail("unterminated string");
            const char c = s_[i_++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) fail("raw control character in a string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i_ >= s_.size()) fail("unterminated escape");
            switch (const char e = s_[i_++]) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    if (i_ + 4 > s_.size()) fail("short \\u escape");
                    const unsigned cp = static_cast<unsigned>(std::stoul(std::string(s_.substr(i_, 4)), nullptr, 16));
                    i_ += 4;
                    if (cp >= 0x80) fail("this reader decodes \\u escapes below 0x80 only");
                    out += static_cast<char>(cp);
                    break;
                }
                default: fail(std::string("bad escape \\") + e);
            }
        }
    }

    std::string_view s_;
    std::size_t i_ = 0;
};

json parse(const std::string& text) { return json_reader(text).document(); }

std::string printed(const tcpv::text_trace& t) {
    std::ostringstream os;
    tcpv::print(os, t);
    return os.str();
}

}  // namespace

TEST_CASE("the strict JSON reader of this test accepts JSON and rejects non-JSON") {
    const json v = parse(R"( {"a": [1, -2.5e3, true, false, null], "b\n": "x\u0041\"", "c": {}} )");
    CHECK(v.keys() == std::vector<std::string>{"a", "b\n", "c"});
    CHECK(v["a"].arr.size() == 5);
    CHECK(v["a"].arr[1].num == -2500);
    CHECK(v["a"].arr[2].b);
    CHECK_FALSE(v["a"].arr[3].b);
    CHECK(v["b\n"].str == "xA\"");
    for (const char* bad : {"{\"a\":1,}", "[1 2]", "\"raw\nnewline\"", "\"\\x\"", "01", "{} x", "{'a':1}"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(parse(bad), std::runtime_error);
    }
}

TEST_CASE("text: a trace prints as numbered, aligned steps") {
    const auto r = tcpv::checker(counter{}).check(tcpv::always("below-3", [](std::uint64_t s) { return s < 3; })).run();
    const auto t = r.counterexample("below-3");
    REQUIRE(t);
    CHECK(printed(t->text(r.model)) ==
          "   0  start  ->  0\n"
          "   1  inc    ->  1\n"
          "   2  inc    ->  2\n"
          "   3  inc    ->  3\n");

    tcpv::text_trace lasso;
    for (int i = 0; i < 12; ++i) lasso.steps.push_back({i == 0 ? "init" : "a", std::to_string(i % 4)});
    lasso.end = tcpv::trace_end::cycle;
    lasso.loop_start = 3;
    lasso.steps.back().state = "3";
    const std::string text = printed(lasso);
    CHECK(text.starts_with("   0  init  ->  0\n   1  a     ->  1\n"));
    CHECK(text.find("\n   9  a     ->  1\n  10  a     ->  2\n  11  a     ->  3\n") != std::string::npos);
    CHECK(text.ends_with("      (the last state is the state of step 3: steps 4..11 repeat forever)\n"));

    tcpv::text_trace stuck{{{"init", "0"}, {"go", "1"}}, tcpv::trace_end::deadlock, 0};
    CHECK(printed(stuck) == "   0  init  ->  0\n   1  go    ->  1\n      (deadlock: the last state has no successor)\n");
    CHECK(stuck.length() == 1);
    CHECK(tcpv::text_trace{}.length() == 0);
}

TEST_CASE("text: the report lists figures, verdicts, and the counterexamples") {
    const auto r = tcpv::checker(counter{})
                       .check(tcpv::always("below-3", [](std::uint64_t s) { return s < 3; }))
                       .check(tcpv::sometimes("reach-2", [](std::uint64_t s) { return s == 2; }))
                       .run();
    std::ostringstream os;
    tcpv::print(os, r.summary("counter", {{"limit", "3"}}));
    const std::string text = os.str();
    CHECK(text.starts_with("counter (limit=3): 4 states, 3 transitions, depth 3, "));
    CHECK(text.find("\n  violated  always below-3  (trace of 3 steps)") != std::string::npos);
    CHECK(text.find("\n  holds    sometimes reach-2  (trace of 2 steps)") != std::string::npos);
    CHECK(text.find("counterexample to always below-3:\n   0  start  ->  0\n") != std::string::npos);
    CHECK(text.find("example of") == std::string::npos);  // examples only on request
    std::ostringstream with;
    tcpv::print(with, r.summary(), true);
    CHECK(with.str().find("example of sometimes reach-2:\n") != std::string::npos);
}

TEST_CASE("JSON: the report object of issue 2") {
    const auto r = tcpv::checker(counter{})
                       .check(tcpv::always("below-3", [](std::uint64_t s) { return s < 3; }))
                       .check(tcpv::sometimes("reach-2", [](std::uint64_t s) { return s == 2; }))
                       .check(tcpv::always("bounded", [](std::uint64_t s) { return s <= 3; }))
                       .check(tcpv::eventually("top", [](std::uint64_t s) { return s == 3; }))
                       .run();
    const std::string text = tcpv::to_json(r.summary("counter", {{"limit", "3"}, {"variant", "fast"}, {"offset", "-2"}}));
    INFO(text);
    CHECK(text.find('\n') == std::string::npos);  // one line
    const json doc = parse(text);
    REQUIRE(doc.k == json::kind::object);

    // The keys of the issue, in the order it lists them.
    const std::vector<std::string> required = {"model", "params", "states", "transitions", "depth",
                                               "seconds", "peak_rss_bytes", "properties"};
    std::vector<std::string> present;
    for (const auto& k : doc.keys())
        if (std::find(required.begin(), required.end(), k) != required.end()) present.push_back(k);
    CHECK(present == required);

    CHECK(doc["model"].str == "counter");
    REQUIRE(doc["params"].k == json::kind::object);
    CHECK(doc["params"].keys() == std::vector<std::string>{"limit", "variant", "offset"});
    CHECK(doc["params"]["limit"].k == json::kind::number);
    CHECK(doc["params"]["limit"].num == 3);
    CHECK(doc["params"]["variant"].str == "fast");
    CHECK(doc["params"]["offset"].num == -2);
    CHECK(doc["states"].num == 4);
    CHECK(doc["transitions"].num == 3);
    CHECK(doc["depth"].num == 3);
    CHECK(doc["seconds"].k == json::kind::number);
    CHECK(doc["seconds"].num >= 0);
    CHECK(doc["peak_rss_bytes"].k == json::kind::number);
    CHECK(doc["peak_rss_bytes"].num > 0);

    const auto& props = doc["properties"];
    REQUIRE(props.k == json::kind::array);
    REQUIRE(props.arr.size() == 4);
    for (const auto& p : props.arr) {
        REQUIRE(p.k == json::kind::object);
        CHECK(p["name"].k == json::kind::string);
        CHECK(p["kind"].k == json::kind::string);
        CHECK(p["trace"].k == json::kind::array);
        for (const auto& step : p["trace"].arr) {
            CHECK(step.keys() == std::vector<std::string>{"action", "state"});
            CHECK(step["action"].k == json::kind::string);
            CHECK(step["state"].k == json::kind::string);
        }
    }
    const auto& below = props.arr[0];
    CHECK(below["name"].str == "below-3");
    CHECK(below["kind"].str == "always");
    CHECK(below["verdict"].str == "violated");
    REQUIRE(below["trace"].arr.size() == 4);
    CHECK(below["trace"].arr[0]["action"].str == "start");
    CHECK(below["trace"].arr[0]["state"].str == "0");
    CHECK(below["trace"].arr[3]["action"].str == "inc");
    CHECK(below["trace"].arr[3]["state"].str == "3");
    CHECK(props.arr[1]["kind"].str == "sometimes");
    CHECK(props.arr[1]["verdict"].str == "holds");
    CHECK(props.arr[1]["trace"].arr.size() == 3);  // the example
    CHECK(props.arr[2]["verdict"].str == "holds");
    CHECK(props.arr[2]["trace"].arr.empty());
    CHECK(props.arr[3]["kind"].str == "eventually");
    CHECK(props.arr[3]["verdict"].str == "holds");

    // Verdict "unknown" when a limit came first.
    const auto cut = tcpv::checker(counter{100}).max_states(5).check(tcpv::always("x", [](std::uint64_t) { return true; })).run();
    const json c = parse(tcpv::to_json(cut.summary()));
    CHECK(c["model"].str.empty());
    CHECK(c["params"].obj.empty());
    CHECK(c["states"].num == 5);
    CHECK(c["properties"].arr[0]["verdict"].str == "unknown");
    CHECK(c["properties"].arr[0]["trace"].arr.empty());
}

TEST_CASE("JSON: parameter values that are not JSON numbers stay strings") {
    const auto r = tcpv::checker(counter{}).run();
    const std::string text =
        tcpv::to_json(r.summary("m", {{"zeros", "007"}, {"minus", "-"}, {"plus", "+5"}, {"zero", "0"}, {"neg", "-12"}}));
    INFO(text);
    json doc;
    REQUIRE_NOTHROW(doc = parse(text));  // JSON forbids leading zeros: "007" must not be a bare number
    CHECK(doc["params"]["zeros"].str == "007");
    CHECK(doc["params"]["minus"].str == "-");
    CHECK(doc["params"]["plus"].str == "+5");
    CHECK(doc["params"]["zero"].num == 0);
    CHECK(doc["params"]["neg"].num == -12);
}

TEST_CASE("JSON: quotes, backslashes, newlines and control characters are escaped") {
    const awkward m;
    const auto r = tcpv::checker(m).check(tcpv::always("no \"2\"\n", [](int s) { return s < 2; })).run();
    const std::string text = tcpv::to_json(r.summary("model \"a\\b\"", {{"odd\tname", "value \"v\"\n"}}));
    INFO(text);
    for (const char c : text) CHECK(static_cast<unsigned char>(c) >= 0x20);
    CHECK(text.find("\\\"hi\\\"") != std::string::npos);
    CHECK(text.find("\\n") != std::string::npos);
    CHECK(text.find("\\\\slash") != std::string::npos);
    CHECK(text.find("\\t") != std::string::npos);
    CHECK(text.find("\\u0001") != std::string::npos);
    CHECK(text.find("\\u001f") != std::string::npos);
    const json doc = parse(text);
    CHECK(doc["model"].str == "model \"a\\b\"");
    CHECK(doc["params"]["odd\tname"].str == "value \"v\"\n");
    const auto& p = doc["properties"].arr.at(0);
    CHECK(p["name"].str == "no \"2\"\n");
    const auto& steps = p["trace"].arr;
    REQUIRE(steps.size() == 3);
    for (int i = 0; i < 3; ++i) {
        CHECK(steps[i]["state"].str == tcpv::to_text(m, i));
        CHECK(steps[i]["state"].str == std::string(awkward::nasty) + ' ' + std::to_string(i));
        CHECK(steps[i]["action"].str == "act \"" + std::to_string(i) + "\"\r");
    }
}

TEST_CASE("validate: a trace from the checker is valid; a tampered one is rejected at the right step") {
    const counter m{};
    const auto r = tcpv::checker(m).check(tcpv::always("below-3", [](std::uint64_t s) { return s < 3; })).run();
    const auto good = *r.counterexample("below-3");  // start:0 inc:1 inc:2 inc:3
    CHECK_FALSE(tcpv::validate(m, good));

    auto step_of = [&](const tcpv::trace<counter>& t) {
        const auto e = tcpv::validate(m, t);
        return e ? std::make_pair(e->step, e->message) : std::make_pair(std::size_t{999}, std::string());
    };
    {
        auto t = good;
        t.steps[2].st = 7;
        const auto [step, message] = step_of(t);
        CHECK(step == 2);
        CHECK(message.find("step 2") != std::string::npos);
    }
    {
        auto t = good;
        t.steps[1].act = "dec";
        CHECK(step_of(t).first == 1);
    }
    {
        auto t = good;
        t.steps[3].st = 2;  // a legal state, but not a successor of 2
        CHECK(step_of(t).first == 3);
    }
    {
        auto t = good;
        t.steps[0].st = 1;
        CHECK(step_of(t).first == 0);
        t = good;
        t.steps[0].act = "inc";
        CHECK(step_of(t).first == 0);
    }
    {
        auto t = good;
        t.steps.erase(t.steps.begin() + 1);  // a step skipped
        CHECK(step_of(t).first == 1);
    }
    CHECK(step_of(tcpv::trace<counter>{}).first == 0);

    // Endings: a deadlock must have no successor; a cycle must return to loop_start's state.
    auto dead = good;
    dead.end = tcpv::trace_end::deadlock;
    CHECK_FALSE(tcpv::validate(m, dead));  // 3 is the counter's last state
    dead.steps.pop_back();
    CHECK(step_of(dead).first == 2);
    CHECK(step_of(dead).second.find("deadlock") != std::string::npos);

    const counter loop{3, true};
    tcpv::trace<counter> c;
    c.steps = {{"start", 0}, {"inc", 1}, {"stay", 1}};
    c.end = tcpv::trace_end::cycle;
    c.loop_start = 1;
    CHECK_FALSE(tcpv::validate(loop, c));
    c.loop_start = 0;  // state 0 is not where it ends
    CHECK(tcpv::validate(loop, c)->step == 2);
    c.loop_start = 2;  // the loop must have at least one step
    CHECK(tcpv::validate(loop, c)->step == 2);
}

TEST_CASE("replay: rebuilds the states from the actions, or names the step of a disabled action") {
    const counter m{};
    const std::vector<std::string_view> ok = {"start", "inc", "inc"};
    const auto r = tcpv::replay(m, std::span<const std::string_view>(ok));
    REQUIRE(r);
    REQUIRE(r.ok->steps.size() == 3);
    CHECK(r.ok->steps[2].st == 2);
    CHECK(r.ok->steps[2].act == "inc");
    CHECK_FALSE(tcpv::validate(m, *r.ok));

    const std::vector<std::string_view> disabled = {"start", "inc", "dec", "inc"};
    const auto bad = tcpv::replay(m, std::span<const std::string_view>(disabled));
    CHECK_FALSE(bad);
    REQUIRE(bad.error);
    CHECK(bad.error->step == 2);
    CHECK(bad.error->message.find("dec") != std::string::npos);
    CHECK(bad.error->message.find("not enabled") != std::string::npos);

    const std::vector<std::string_view> too_far = {"start", "inc", "inc", "inc", "inc"};
    CHECK(tcpv::replay(m, std::span<const std::string_view>(too_far)).error->step == 4);

    const std::vector<std::string_view> no_init = {"inc"};
    const auto first = tcpv::replay(m, std::span<const std::string_view>(no_init));
    REQUIRE(first.error);
    CHECK(first.error->step == 0);
    CHECK(first.error->message.find("initial") != std::string::npos);
    CHECK(tcpv::replay(m, std::span<const std::string_view>()).error);

    // The first emitted transition with an equal action is taken: 0 -a-> 1 before 0 -a-> 2.
    const auto g = tcpv_test::graph(3, {0}, {{0, "a", 1}, {0, "a", 2}, {1, "b", 2}});
    const std::vector<std::string> acts = {"init", "a", "b"};
    const auto gr = tcpv::replay(g, std::span<const std::string>(acts));
    REQUIRE(gr);
    CHECK(tcpv_test::show(g, *gr.ok) == "init:0 a:1 b:2");
}

TEST_CASE("a counterexample survives a round trip through its actions") {
    const auto g = tcpv_test::graph(5, {0}, {{0, "long", 1}, {0, "short", 4}, {1, "l2", 2}, {2, "l3", 3}, {4, "s2", 3}});
    const auto r = tcpv::checker(g).check(tcpv::always("not-3", [](std::uint32_t s) { return s != 3; })).run();
    const auto t = *r.counterexample("not-3");
    std::vector<std::string> acts;
    for (const auto& s : t.steps) acts.push_back(s.act);
    const auto back = tcpv::replay(g, std::span<const std::string>(acts));
    REQUIRE(back);
    CHECK(tcpv_test::show(g, *back.ok) == tcpv_test::show(g, t));
}
