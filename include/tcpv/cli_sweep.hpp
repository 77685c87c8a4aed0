#pragma once
/// \file tcpv/cli_sweep.hpp
/// `tcpv sweep`: check one model once per value of one parameter (or per combination of two),
/// and print one table of verdicts with a summary that answers the usual question, such as the
/// smallest TIME_WAIT for which every property holds:
///
/// ```
/// tcpv sweep teardown --vary tw=0..5 --set msl=2 --set rto=1 --set maxretx=2
/// tcpv sweep mutex --vary variant=all
/// tcpv sweep teardown --vary msl=1..3 --vary tw=0..8 --json
/// ```
/// Part of the program's front end in cli.hpp, which includes this file; the shared option
/// parsers are in cli_options.hpp. Every argument is checked before the first run starts.

#include "cli_options.hpp"

#include <algorithm>
#include <cstdint>
#include <iomanip>
#include <limits>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tcpv::cli::detail {

inline constexpr std::size_t sweep_max_vary = 2;
inline constexpr std::uint64_t sweep_max_runs = 1000;

struct sweep_args {
    std::string model;
    std::vector<std::pair<std::string, std::string>> sets;
    std::vector<std::pair<std::string, std::string>> varies;  ///< NAME and VALUES as given
    run_options run;
    bool json = false;
};

inline sweep_args parse_sweep(const std::vector<std::string_view>& args) {
    sweep_args a;
    a.run.progress = true;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        if (parse_search_option(args, i, a.run)) {
            continue;
        } else if (arg == "--vary") {
            a.varies.push_back(parse_assignment(arg, option_value(args, i), "NAME=A..B, NAME=x,y,z or NAME=all"));
            if (a.varies.size() > sweep_max_vary)
                throw usage_error("at most " + std::to_string(sweep_max_vary) +
                                  " --vary are allowed (one table over one or two parameters); fix the others "
                                  "with --set");
        } else if (arg == "--set") {
            a.sets.push_back(parse_assignment(arg, option_value(args, i)));
        } else if (arg == "--json") {
            a.json = true;
        } else if (arg.starts_with("-")) {
            throw usage_error("unknown option '" + std::string(arg) +
                              "' for sweep; the options are --vary, --set, --threads, --max-states, --expect-states, "
                              "--max-seconds, --max-memory, --json, --quiet");
        } else if (a.model.empty()) {
            a.model = std::string(arg);
        } else {
            throw usage_error("unexpected argument '" + std::string(arg) + "': sweep takes one model");
        }
    }
    if (a.model.empty()) throw usage_error("sweep needs a model name (see `tcpv list`)");
    check_storage_options(a.run);
    return a;
}

// ---------------------------------------------------------------------------------------------
// Resolving --vary against the model's parameters

/// One varied parameter: a range lo..hi, or a list of values in the order given.
struct sweep_axis {
    const parameter* param = nullptr;
    bool is_range = false;
    std::int64_t lo = 0, hi = 0;
    std::vector<std::int64_t> list;

    /// How many values (saturating, so that a huge range cannot overflow the count).
    [[nodiscard]] std::uint64_t count() const noexcept {
        if (!is_range) return list.size();
        const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
        return span == std::numeric_limits<std::uint64_t>::max() ? span : span + 1;
    }
    /// The values; call only after count() has been bounded.
    [[nodiscard]] std::vector<std::int64_t> values() const {
        if (!is_range) return list;
        std::vector<std::int64_t> v;
        for (std::int64_t x = lo;; ++x) {
            v.push_back(x);
            if (x == hi) break;
        }
        return v;
    }
};

inline std::string parameter_names(const model_entry& e) {
    if (e.params.empty()) return "model " + e.name + " has no parameters";
    std::string s = "the parameters of " + e.name + " are ";
    for (std::size_t i = 0; i < e.params.size(); ++i) s += (i ? ", " : "") + e.params[i].name;
    return s;
}

inline const parameter* find_parameter(const model_entry& e, std::string_view name) {
    for (const auto& p : e.params)
        if (p.name == name) return &p;
    return nullptr;
}

/// `--vary NAME=VALUES` checked against the model: A..B (integers), x,y,z, or all.
inline sweep_axis resolve_vary(const model_entry& e, const std::string& name, const std::string& text) {
    const std::string shown = "--vary " + name + "=" + text;
    sweep_axis axis;
    axis.param = find_parameter(e, name);
    if (!axis.param) throw usage_error(shown + ": unknown parameter '" + name + "'; " + parameter_names(e));
    const parameter& p = *axis.param;
    const std::string forms = p.is_enum() ? "a list x,y,z or all" : "A..B, a list x,y,z or all";
    auto parse = [&](std::string_view value, std::string_view what) {
        try {
            return p.parse(value);
        } catch (const std::invalid_argument& x) {
            throw usage_error(shown + ": " + std::string(what) + x.what());
        }
    };
    if (text.empty()) throw usage_error(shown + ": no values; give " + forms + " (" + name + ": " + p.allowed() + ")");
    if (text == "all") {
        axis.is_range = true;
        axis.lo = p.min;
        axis.hi = p.max;
        return axis;
    }
    if (const auto dots = text.find(".."); dots != std::string::npos) {
        if (p.is_enum())
            throw usage_error(shown + ": '" + name + "' is an enum parameter, so a range A..B does not apply; give " +
                              forms + " (" + p.allowed() + ")");
        axis.is_range = true;
        axis.lo = parse(std::string_view(text).substr(0, dots), "malformed range A..B: ");
        axis.hi = parse(std::string_view(text).substr(dots + 2), "malformed range A..B: ");
        if (axis.hi < axis.lo)
            throw usage_error(shown + ": malformed range A..B: B < A (" + std::to_string(axis.hi) + " < " +
                              std::to_string(axis.lo) + "); give A <= B, both " + p.allowed());
        return axis;
    }
    std::string_view rest = text;
    for (;;) {
        const auto comma = rest.find(',');
        const std::int64_t v = parse(rest.substr(0, comma), "");
        if (std::find(axis.list.begin(), axis.list.end(), v) != axis.list.end())
            throw usage_error(shown + ": the value " + p.format(v) + " is listed twice");
        axis.list.push_back(v);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    return axis;
}

/// Checks every --vary and --set against the model and the run limit; nothing runs before this.
inline std::vector<sweep_axis> plan_sweep(const model_entry& e, const sweep_args& a, parameter_values& base) {
    for (const auto& [k, v] : a.sets) {
        try {
            base.set(k, v);
        } catch (const std::invalid_argument& x) {
            throw usage_error("--set " + k + "=" + v + ": " + x.what() + " (model " + e.name + ")");
        }
    }
    if (a.varies.empty())
        throw usage_error("sweep needs --vary NAME=A..B (or NAME=x,y,z or NAME=all); " + parameter_names(e));
    std::vector<sweep_axis> axes;
    for (const auto& [name, text] : a.varies) {
        for (const auto& earlier : axes)
            if (earlier.param->name == name)
                throw usage_error("parameter '" + name + "' is varied twice; give all its values in one --vary");
        axes.push_back(resolve_vary(e, name, text));
        for (const auto& [k, v] : a.sets)
            if (k == name)
                throw usage_error("parameter '" + name + "' is given both in --vary and in --set (" + name + "=" + v +
                                  "); vary it or set it, not both");
    }
    std::uint64_t runs = 1;
    bool exact = true;  // the product is exact while every factor is below 2^30
    std::string sizes;
    for (const auto& axis : axes) {
        const std::uint64_t n = axis.count();
        exact = exact && n < (1ull << 30);
        runs = exact ? runs * n : std::numeric_limits<std::uint64_t>::max();
        sizes += (sizes.empty() ? "" : " x ") + std::to_string(n) + " values of " + axis.param->name;
    }
    if (runs > sweep_max_runs)
        throw usage_error("too many runs: " + sizes + " = " + (exact ? std::to_string(runs) : "more than " + std::to_string(sweep_max_runs)) +
                          " runs; at most " + std::to_string(sweep_max_runs) + " are allowed; narrow a --vary");
    return axes;
}

// ---------------------------------------------------------------------------------------------
// The runs and the table

struct sweep_run {
    std::vector<std::int64_t> point;  ///< one value per axis
    report result;
};

/// A property's cell: holds, violated(len N) (the counterexample's steps), or unknown.
inline std::string verdict_cell(const property_summary& p) {
    if (p.result == verdict::violated && p.trace) return "violated(len " + std::to_string(p.trace->length()) + ")";
    return std::string(to_string(p.result));
}

/// Prints rows of cells in aligned columns (right-aligned where `right`), two spaces apart.
inline void print_columns(std::ostream& out, const std::vector<std::vector<std::string>>& rows,
                          const std::vector<bool>& right) {
    std::vector<std::size_t> width(right.size(), 0);
    for (const auto& row : rows)
        for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t c = 0; c < row.size(); ++c) {
            const std::string pad(width[c] - row[c].size(), ' ');
            line += (c ? "  " : "") + (right[c] ? pad + row[c] : row[c] + pad);
        }
        line.erase(line.find_last_not_of(' ') + 1);
        out << line << '\n';
    }
}

inline void print_sweep_table(std::ostream& out, const std::vector<sweep_axis>& axes,
                              const std::vector<sweep_run>& runs) {
    std::vector<std::string> props;  // every property in order of first appearance
    bool any_limit = false;
    for (const auto& r : runs) {
        any_limit = any_limit || r.result.stats.limit != limit_kind::none;
        for (const auto& p : r.result.properties)
            if (std::find(props.begin(), props.end(), p.name) == props.end()) props.push_back(p.name);
    }
    std::vector<std::vector<std::string>> rows(1);
    std::vector<bool> right;
    for (const auto& axis : axes) {
        rows[0].push_back(axis.param->name);
        right.push_back(!axis.param->is_enum());
    }
    for (const char* h : {"states", "transitions", "depth", "seconds"}) {
        rows[0].emplace_back(h);
        right.push_back(true);
    }
    if (any_limit) {
        rows[0].emplace_back("stopped by");
        right.push_back(false);
    }
    for (const auto& name : props) {
        rows[0].push_back(name);
        right.push_back(false);
    }
    for (const auto& r : runs) {
        std::vector<std::string> row;
        for (std::size_t i = 0; i < axes.size(); ++i) row.push_back(axes[i].param->format(r.point[i]));
        const auto& s = r.result.stats;
        std::ostringstream secs;
        secs << std::fixed << std::setprecision(3) << s.seconds;
        row.insert(row.end(),
                   {std::to_string(s.states), std::to_string(s.transitions), std::to_string(s.depth), secs.str()});
        if (any_limit) row.emplace_back(s.limit == limit_kind::none ? "-" : std::string(to_string(s.limit)));
        for (const auto& name : props) {
            const property_summary* p = r.result.find(name);
            row.push_back(p ? verdict_cell(*p) : "-");
        }
        rows.push_back(std::move(row));
    }
    print_columns(out, rows, right);
}

// ---------------------------------------------------------------------------------------------
// The summary: for the last varied parameter, within each value of the first (if two)

/// Summary lines about `axis` over the runs `group` (all with the same value of any other axis).
inline std::vector<std::string> summarize_axis(const sweep_axis& axis, std::size_t index,
                                               const std::vector<const sweep_run*>& group) {
    const parameter& p = *axis.param;
    std::vector<std::int64_t> holds, violated, unknown;
    for (const sweep_run* r : group) {
        const std::int64_t v = r->point[index];
        switch (r->result.overall()) {
            case verdict::holds: holds.push_back(v); break;
            case verdict::violated: violated.push_back(v); break;
            case verdict::unknown: unknown.push_back(v); break;
        }
    }
    auto listed = [&](const std::vector<std::int64_t>& vs) {
        std::string s;
        for (const auto v : vs) s += (s.empty() ? "" : ", ") + p.format(v);
        return s;
    };
    std::vector<std::string> lines;
    if (p.is_enum()) {
        lines.push_back(holds.empty() ? "no value of " + p.name + " makes every property hold"
                                      : "every property holds for " + p.name + " = " + listed(holds));
        lines.push_back(violated.empty() ? "no value of " + p.name + " violates a property"
                                         : "some property is violated for " + p.name + " = " + listed(violated));
    } else {
        const std::string limited =
            "none found (a search limit was reached for " + p.name + " = " + listed(unknown) + ")";
        if (holds.empty())
            lines.push_back("smallest " + p.name + " for which every property holds: " +
                            (unknown.empty() ? "none (no value holds)" : limited));
        else
            lines.push_back("smallest " + p.name + " for which every property holds: " +
                            p.format(*std::min_element(holds.begin(), holds.end())) +
                            (violated.empty() && unknown.empty() ? " (every value holds)" : ""));
        if (violated.empty())
            lines.push_back("largest " + p.name + " for which some property is violated: " +
                            (unknown.empty() ? "none (every value holds)" : limited));
        else
            lines.push_back("largest " + p.name + " for which some property is violated: " +
                            p.format(*std::max_element(violated.begin(), violated.end())) +
                            (holds.empty() && unknown.empty() ? " (no value holds)" : ""));
        if (!holds.empty() && !violated.empty()) {
            const auto lo = *std::min_element(holds.begin(), holds.end());
            const auto hi = *std::max_element(violated.begin(), violated.end());
            if (hi > lo)
                lines.push_back("note: not monotone in " + p.name + ": violated at " + p.format(hi) +
                                " although every property holds at " + p.format(lo));
        }
    }
    if (!unknown.empty())
        lines.push_back("unknown (a search limit was reached) for " + p.name + " = " + listed(unknown));
    return lines;
}

inline void print_sweep_summary(std::ostream& out, const std::vector<sweep_axis>& axes,
                                const std::vector<sweep_run>& runs) {
    std::size_t held = 0, violated = 0, unknown = 0;
    for (const auto& r : runs) {
        const verdict v = r.result.overall();
        (v == verdict::holds ? held : v == verdict::violated ? violated : unknown) += 1;
    }
    out << runs.size() << (runs.size() == 1 ? " run" : " runs") << ": every property holds in " << held
        << ", some property is violated in " << violated;
    if (unknown) out << ", a search limit was reached first in " << unknown;
    out << '\n';
    const std::size_t last = axes.size() - 1;
    if (axes.size() == 1) {
        std::vector<const sweep_run*> all;
        for (const auto& r : runs) all.push_back(&r);
        for (const auto& line : summarize_axis(axes[0], 0, all)) out << line << '\n';
        return;
    }
    for (const std::int64_t v : axes[0].values()) {  // runs are grouped by the first axis, in its order
        std::vector<const sweep_run*> group;
        for (const auto& r : runs)
            if (r.point[0] == v) group.push_back(&r);
        const std::string prefix = axes[0].param->name + "=" + axes[0].param->format(v) + ": ";
        for (const auto& line : summarize_axis(axes[last], last, group)) out << prefix << line << '\n';
    }
}

/// `tcpv sweep MODEL --vary ... [options]`.
inline int sweep(const registry& reg, const std::vector<std::string_view>& args, std::ostream& out,
                 std::ostream& err) {
    const sweep_args a = parse_sweep(args);
    const model_entry& e = find_model(reg, a.model);
    parameter_values base(e.params);
    const std::vector<sweep_axis> axes = plan_sweep(e, a, base);

    std::vector<std::vector<std::int64_t>> points;
    for (const auto v0 : axes[0].values()) {
        if (axes.size() == 1) {
            points.push_back({v0});
            continue;
        }
        for (const auto v1 : axes[1].values()) points.push_back({v0, v1});
    }
    std::vector<sweep_run> runs;
    std::vector<report> reports;
    for (std::size_t k = 0; k < points.size(); ++k) {
        parameter_values values = base;
        std::string shown;
        for (std::size_t i = 0; i < axes.size(); ++i) {
            const std::string text = axes[i].param->format(points[k][i]);
            values.set(axes[i].param->name, text);
            shown += (i ? " " : "") + axes[i].param->name + "=" + text;
        }
        if (a.run.progress) err << "tcpv: sweep run " << k + 1 << " of " << points.size() << ": " << shown << std::endl;
        runs.push_back({points[k], e.run(values, a.run).result});
        reports.push_back(runs.back().result);
    }
    if (a.json) {
        out << '[';
        for (std::size_t i = 0; i < reports.size(); ++i) out << (i ? "," : "") << to_json(reports[i]);
        out << "]\n";
    } else {
        std::string fixed, varied;
        for (const auto& axis : axes) varied += (varied.empty() ? "" : " and ") + axis.param->name;
        for (const auto& [k, v] : base.printed()) {
            bool is_varied = false;
            for (const auto& axis : axes) is_varied = is_varied || axis.param->name == k;
            if (!is_varied) fixed += (fixed.empty() ? "" : " ") + k + '=' + v;
        }
        out << "sweep of " << e.name << (fixed.empty() ? "" : " (" + fixed + ")") << ", varying " << varied << '\n';
        print_sweep_table(out, axes, runs);
        out << '\n';
        print_sweep_summary(out, axes, runs);
    }
    return combined_status(reports);
}

}  // namespace tcpv::cli::detail
