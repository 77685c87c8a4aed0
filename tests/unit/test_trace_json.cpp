// Reading JSON reports back and replaying their printed traces against the model
// (tcpv/trace_json.hpp, tcpv::replay of a text_trace, model_entry::replay): round trips through
// the registry, errors that name the line and the step, and a RapidCheck property that feeds
// mutated and truncated reports and asserts an answer (never a crash or a hang).
#include <doctest/doctest.h>

#include <tcpv/classic/register.hpp>
#include <tcpv/testing/doctest_rapidcheck.hpp>
#include <tcpv/trace_json.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace {

tcpv::registry classic_registry() {
    tcpv::registry reg;
    tcpv::classic::register_classic_models(reg);
    return reg;
}

/// The JSON report of a registered model with some parameters set, as `tcpv check --json`.
std::string report_json(const tcpv::registry& reg, const std::string& model,
                        const std::vector<std::pair<std::string, std::string>>& sets) {
    const auto* e = reg.find(model);
    REQUIRE(e);
    tcpv::parameter_values values(e->params);
    for (const auto& [k, v] : sets) values.set(k, v);
    return tcpv::to_json(e->run(values, {}).result);
}

/// Replays every trace of the runs through the registry; the first problem, or "".
std::string replay_all(const tcpv::registry& reg, const std::vector<tcpv::recorded_run>& runs) {
    for (const auto& run : runs) {
        const auto* e = reg.find(run.model);
        if (!e) return "unknown model " + run.model;
        tcpv::parameter_values values(e->params);
        for (const auto& [k, v] : run.params) values.set(k, v);
        for (const auto& p : run.properties)
            if (p.trace)
                if (const auto problem = e->replay(values, *p.trace)) return p.name + ": " + problem->message;
    }
    return "";
}

/// The line and the problem of the error that reading `text` gives ("" and 0 when it reads).
std::pair<std::size_t, std::string> read_error(const std::string& text) {
    try {
        (void)tcpv::read_recorded_runs(text);
    } catch (const tcpv::trace_file_error& e) {
        return {e.line, e.problem};
    }
    return {0, ""};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("the traces of every classic model's report replay against it") {
    const auto reg = classic_registry();
    const std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> runs = {
        {"mutex", {{"variant", "naive"}}},          // a path (safety counterexample)
        {"abp", {{"seqbits", "0"}}},                // a path through lossy channels
        {"philosophers", {{"variant", "naive"}}},   // a deadlock
        {"lossy-link", {{"fairness", "weak"}}},     // a lasso
        {"lossy-link", {{"fairness", "none"}}},
    };
    for (const auto& [model, sets] : runs) {
        CAPTURE(model);
        const auto recorded = tcpv::read_recorded_runs(report_json(reg, model, sets));
        REQUIRE(recorded.size() == 1);
        CHECK(recorded[0].model == model);
        std::size_t traces = 0;
        for (const auto& p : recorded[0].properties) traces += p.trace.has_value();
        CHECK(traces > 0);
        CHECK(replay_all(reg, recorded) == "");
    }
}

TEST_CASE("the typed trace rebuilt from the printed one is the checker's, and validates") {
    using tcpv::classic::lossy_link;
    const lossy_link m{lossy_link::assumption::weak};
    const auto result = tcpv::checker(m).run();
    bool lasso = false;
    for (const auto& p : result.properties) {
        if (!p.trace) continue;
        const tcpv::text_trace printed = p.trace->text(m);
        const auto back = tcpv::replay(m, printed);
        REQUIRE(back);
        CHECK(back.ok->text(m).steps.size() == printed.steps.size());
        CHECK(tcpv::steps_json(back.ok->text(m)) == tcpv::steps_json(printed));
        CHECK(back.ok->end == p.trace->end);
        CHECK_FALSE(tcpv::validate(m, *back.ok).has_value());
        lasso = lasso || p.trace->end == tcpv::trace_end::cycle;
    }
    CHECK(lasso);
}

TEST_CASE("a trace that the model cannot produce: the error names the step and what the model offers") {
    using tcpv::classic::mutex;
    const mutex m{tcpv::classic::mutex_variant::naive};
    const auto result = tcpv::checker(m).run();
    const auto* p = result.find("mutual-exclusion");
    REQUIRE(p);
    REQUIRE(p->trace);
    const tcpv::text_trace good = p->trace->text(m);
    REQUIRE(good.steps.size() >= 3);

    auto state_edited = good;
    state_edited.steps[2].state += " (edited)";
    const auto a = tcpv::replay(m, state_edited);
    REQUIRE_FALSE(a);
    CHECK(a.error->step == 2);
    CHECK(contains(a.error->message, "step 2: action matches but the state differs: expected '"));
    CHECK(contains(a.error->message, "the model gives '" + good.steps[2].state + "'"));

    auto action_edited = good;
    action_edited.steps[2].action = "teleport";
    const auto b = tcpv::replay(m, action_edited);
    REQUIRE_FALSE(b);
    CHECK(contains(b.error->message, "step 2: no successor of the state of step 1 has action 'teleport' (the model offers: '"));
    CHECK(contains(b.error->message, good.steps[2].action));

    auto bad_start = good;
    bad_start.steps[0].state = "nowhere";
    CHECK(contains(tcpv::replay(m, bad_start).error->message, "step 0: the initial action matches but the state differs"));

    auto not_a_deadlock = good;
    not_a_deadlock.end = tcpv::trace_end::deadlock;
    CHECK(contains(tcpv::replay(m, not_a_deadlock).error->message, "ends in a deadlock, but this state has a successor"));

    auto open_loop = good;
    open_loop.end = tcpv::trace_end::cycle;
    open_loop.loop_start = 0;
    CHECK(contains(tcpv::replay(m, open_loop).error->message, "ends in a cycle back to step 0, but this state is not"));
}

TEST_CASE("malformed or inconsistent reports: the error names the line and the problem") {
    struct bad_case {
        std::string text;
        std::size_t line;
        std::string problem;
    };
    const std::string step0 = R"({"action":"init","state":"s"})";
    const std::vector<bad_case> cases = {
        {"", 1, "the document is empty"},
        {"{\"model\":\"mutex\"\n\"params\":{}}", 2, "expected ',' or '}' after a member"},
        {"{\"model\":\"mutex\",\n\"params\":{},\n\"properties\":[", 3, "unexpected end of the document"},
        {"{\"model\":\"mu\\qtex\"}", 1, "unknown escape \\q"},
        {"{\"model\":\"mutex\",\"model\":\"abp\"}", 1, "duplicate member name \"model\""},
        {std::string(300, '[') + std::string(300, ']'), 1, "nesting is deeper than"},
        {"{\"model\":\"mutex\",\n \"properties\":[{\"name\":\"x\",\"trace\":[]}]}", 1, ""},  // no trace: fine
        {"{\"params\":{}}", 1, "the report has no \"model\""},
        {"{\"model\":7}", 1, "\"model\" must be a string, not a number"},
        {"{\"model\":\"m\",\"params\":{\"n\":[1]},\"properties\":[]}", 1, "parameter 'n' must be a number or a string"},
        {"{\"model\":\"m\",\"properties\":[\n{\"name\":\"p\",\"trace\":[" + step0 + ",\n{\"action\":3}]}]}", 3,
         "property 'p', step 1: \"action\" must be a string, not a number"},
        {"{\"model\":\"m\",\"properties\":[\n{\"name\":\"p\",\"trace_end\":\"cycle\",\"trace\":[" + step0 + "]}]}", 2,
         "ends in a cycle but has no \"loop_start\""},
        {"{\"model\":\"m\",\"properties\":[{\"name\":\"p\",\"trace_end\":\"spiral\",\"trace\":[" + step0 + "]}]}", 1,
         "trace_end \"spiral\" is none of path, deadlock, cycle"},
        {"{\"model\":\"m\",\"properties\":[{\"name\":\"p\"},\n{\"name\":\"p\"}]}", 2, "property 'p' appears twice"},
        {"[]", 1, "the array holds no report"},
        {"[{\"model\":\"m\",\"properties\":[]},\n 3]", 2, "a report must be an object, not a number"},
        {"{\"model\":\"m\",\"properties\":[]} x", 1, "unexpected text after the JSON value"},
        {"{\"model\":\"m\",\"x\":01}", 1, "leading zero"},
        {"{\"model\":\"a\tb\"}", 1, "control character in a string"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        const auto [line, problem] = read_error(c.text);
        CHECK(line == (c.problem.empty() ? 0 : c.line));
        CHECK(contains(problem, c.problem));
    }
}

TEST_CASE("the reader keeps columns, decodes escapes and reads a large document in linear time") {
    const auto v = tcpv::detail::parse_json("{\n  \"a\": [1, \"\\u00e9\\ud83d\\ude00\\n\"]\n}");
    const auto* a = v.get("a");
    REQUIRE(a);
    CHECK(a->line == 2);
    CHECK(a->column == 8);
    CHECK(a->items[1].text == "\xc3\xa9\xf0\x9f\x98\x80\n");
    std::string big = "[";
    for (int i = 0; i < 200000; ++i) big += (i ? ",\n" : "") + std::string("{\"action\":\"x\",\"state\":\"y\"}");
    big += "]";
    const auto doc = tcpv::detail::parse_json(big);
    CHECK(doc.items.size() == 200000);
    CHECK(doc.items.back().line == 200000);
}

TEST_CASE("mutated and truncated reports: an answer or an error with a line, never a crash") {
    const auto reg = classic_registry();
    const std::string good = report_json(reg, "mutex", {{"variant", "naive"}});
    // Pretty-print a little (a newline after each comma between values) so that errors land on
    // many lines.
    std::string text;
    bool in_string = false, escaped = false;
    for (const char c : good) {
        text.push_back(c);
        if (in_string) {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
        } else if (c == '"') {
            in_string = true;
        } else if (c == ',') {
            text.push_back('\n');
        }
    }
    const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    REQUIRE(tcpv::read_recorded_runs(text).size() == 1);
    CHECK(tcpv::testing::check("mutated JSON reports are read or rejected with a line", [&] {
        std::string doc = text;
        const auto edits = *rc::gen::inRange(1, 6);
        for (int k = 0; k < edits; ++k) {
            const auto at = static_cast<std::size_t>(*rc::gen::inRange<std::size_t>(0, doc.size() + 1));
            const char c = *rc::gen::elementOf(std::string("{}[]\",:\\u0e1-. atrfn\n\x01"));
            switch (*rc::gen::inRange(0, 4)) {
                case 0: doc.resize(std::min(at, doc.size())); break;          // truncate
                case 1: if (at < doc.size()) doc.erase(at, 1); break;         // delete
                case 2: doc.insert(std::min(at, doc.size()), 1, c); break;     // insert
                default: if (at < doc.size()) doc[at] = c; break;             // replace
            }
        }
        try {
            const auto runs = tcpv::read_recorded_runs(doc);
            // It read: replaying either succeeds or names a problem; parameters or model names
            // that a mutation broke are the registry's errors (std::invalid_argument).
            try {
                (void)replay_all(reg, runs);
            } catch (const std::invalid_argument&) {
            }
        } catch (const tcpv::trace_file_error& e) {
            RC_ASSERT(e.line >= 1);
            RC_ASSERT(e.line <= lines);
            RC_ASSERT(!e.problem.empty());
        }
    }));
}
