#pragma once
/// \file tcpv/trace_json.hpp
/// Reading back the JSON reports of `tcpv check --json` (one object) and of `tcpv check --all
/// --json` or `tcpv sweep --json` (an array of them): the model, its parameters and every
/// property's printed trace, each with the line it starts on, so that `tcpv replay` can replay
/// the traces against the model and point at the line of a step that does not match.
///
/// Only what replay needs is checked (model, params, properties with name, trace, trace_end,
/// loop_start); the figures of the search (states, seconds, ...) are ignored, so a hand-written
/// trace file needs only those members:
///
/// ```json
/// {"model": "mutex", "params": {"variant": "naive"},
///  "properties": [{"name": "mutual-exclusion", "trace_end": "path",
///                  "trace": [{"action": "init", "state": "..."}, ...]}]}
/// ```

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/json.hpp"
#include "trace.hpp"

namespace tcpv {

/// A malformed or inconsistent report: what() reads "line L[, column C]: problem"; `problem` is
/// the bare text, for callers that prefix a file name ("trace.json:L:C: problem").
struct trace_file_error : std::runtime_error {
    std::size_t line, column;  ///< column 0: the problem is the value that starts on `line`
    std::string problem;
    trace_file_error(std::size_t l, std::size_t c, const std::string& what)
        : std::runtime_error("line " + std::to_string(l) + (c ? ", column " + std::to_string(c) : std::string()) +
                             ": " + what),
          line(l), column(c), problem(what) {}
};

/// One property of a recorded run, with its printed trace if the report has one.
struct recorded_property {
    std::string name;
    std::size_t line = 0;                ///< where the property's object starts
    std::optional<text_trace> trace;     ///< none when the report has no (or an empty) trace
    std::vector<std::size_t> step_lines;  ///< where each step's object starts
};

/// One run of a report: the model's registered name, its parameters as printed, its properties.
struct recorded_run {
    std::string model;
    std::size_t line = 0;  ///< where the run's object starts
    std::vector<std::pair<std::string, std::string>> params;  ///< name, printed value
    std::vector<std::size_t> param_lines;
    std::vector<recorded_property> properties;

    [[nodiscard]] const recorded_property* find(std::string_view name) const noexcept {
        for (const auto& p : properties)
            if (p.name == name) return &p;
        return nullptr;
    }
};

namespace detail {

using jtype = json_value::type;

[[noreturn]] inline void bad(const json_value& v, const std::string& what) { throw trace_file_error(v.line, 0, what); }

/// Member `key` of object `v` of type `want`; nullptr when absent and not `required`.
inline const json_value* member(const json_value& v, std::string_view key, jtype want, std::string_view where,
                                bool required = true) {
    const json_value* m = v.get(key);
    if (!m) {
        if (required) bad(v, std::string(where) + " has no \"" + std::string(key) + "\"");
        return nullptr;
    }
    if (m->kind != want)
        bad(*m, std::string(where) + ": \"" + std::string(key) + "\" must be " + std::string(json_type_name(want)) +
                    ", not " + std::string(json_type_name(m->kind)));
    return m;
}

/// A whole number in [0, max] from a JSON number (no fraction, no exponent).
inline std::size_t read_index(const json_value& v, std::string_view what, std::size_t max) {
    const std::string& t = v.text;
    bool digits = !t.empty() && t.size() <= 18;
    for (const char c : t) digits = digits && c >= '0' && c <= '9';
    if (!digits) bad(v, std::string(what) + " must be a whole number, not " + t);
    const std::size_t n = std::stoull(t);
    if (n > max) bad(v, std::string(what) + " " + t + " is out of range: at most " + std::to_string(max));
    return n;
}

inline recorded_property read_property(const json_value& p, const std::string& model) {
    const std::string where = "a property of " + model;
    if (p.kind != jtype::object) bad(p, where + " must be an object, not " + std::string(json_type_name(p.kind)));
    recorded_property out;
    out.line = p.line;
    out.name = member(p, "name", jtype::string, where)->text;
    const std::string prop = "property '" + out.name + "'";
    const json_value* steps = member(p, "trace", jtype::array, prop, false);
    const json_value* end = member(p, "trace_end", jtype::string, prop, false);
    const json_value* loop = member(p, "loop_start", jtype::number, prop, false);
    if (!steps || steps->items.empty()) {
        if (end || loop) bad(end ? *end : *loop, prop + " has \"trace_end\" or \"loop_start\" but no trace");
        return out;
    }
    text_trace t;
    for (std::size_t i = 0; i < steps->items.size(); ++i) {
        const json_value& s = steps->items[i];
        const std::string step = prop + ", step " + std::to_string(i);
        if (s.kind != jtype::object)
            bad(s, step + " must be an object {\"action\", \"state\"}, not " + std::string(json_type_name(s.kind)));
        t.steps.push_back({member(s, "action", jtype::string, step)->text, member(s, "state", jtype::string, step)->text});
        out.step_lines.push_back(s.line);
    }
    const std::string end_kind = end ? end->text : "path";
    if (end_kind == "cycle") {
        t.end = trace_end::cycle;
        if (!loop) bad(*end, prop + " ends in a cycle but has no \"loop_start\"");
        t.loop_start = read_index(*loop, prop + ": loop_start", t.steps.size() - 1);
        if (t.loop_start + 1 >= t.steps.size())
            bad(*loop, prop + ": loop_start " + loop->text + " must come before the last step (" +
                           std::to_string(t.steps.size() - 1) + ")");
    } else if (end_kind == "deadlock" || end_kind == "path") {
        t.end = end_kind == "path" ? trace_end::path : trace_end::deadlock;
        if (loop) bad(*loop, prop + " has \"loop_start\" but its trace ends in a " + end_kind + ", not a cycle");
    } else {
        bad(*end, prop + ": trace_end \"" + end_kind + "\" is none of path, deadlock, cycle");
    }
    out.trace = std::move(t);
    return out;
}

inline recorded_run read_run(const json_value& v) {
    if (v.kind != jtype::object) bad(v, "a report must be an object, not " + std::string(json_type_name(v.kind)));
    recorded_run run;
    run.line = v.line;
    run.model = member(v, "model", jtype::string, "the report")->text;
    if (run.model.empty()) bad(v, "the report's \"model\" is empty: only registered models can be replayed");
    const std::string where = "the report of " + run.model;
    if (const json_value* params = member(v, "params", jtype::object, where, false)) {
        for (const auto& [name, value] : params->members) {
            if (value.kind != jtype::number && value.kind != jtype::string)
                bad(value, where + ": parameter '" + name + "' must be a number or a string, not " +
                               std::string(json_type_name(value.kind)));
            run.params.emplace_back(name, value.text);
            run.param_lines.push_back(value.line);
        }
    }
    for (const auto& p : member(v, "properties", jtype::array, where)->items) {
        recorded_property rp = read_property(p, run.model);
        if (run.find(rp.name)) bad(p, where + ": property '" + rp.name + "' appears twice");
        run.properties.push_back(std::move(rp));
    }
    return run;
}

}  // namespace detail

/// Reads a report (an object) or several (an array of objects); throws trace_file_error naming
/// the line (and for syntax errors the column) and the problem.
inline std::vector<recorded_run> read_recorded_runs(std::string_view text) {
    detail::json_value doc;
    try {
        doc = detail::parse_json(text);
    } catch (const detail::json_error& e) {
        throw trace_file_error(e.line, e.column, e.problem);
    }
    std::vector<recorded_run> runs;
    if (doc.kind == detail::jtype::array) {
        if (doc.items.empty()) detail::bad(doc, "the array holds no report");
        for (const auto& v : doc.items) runs.push_back(detail::read_run(v));
    } else {
        runs.push_back(detail::read_run(doc));
    }
    return runs;
}

}  // namespace tcpv
