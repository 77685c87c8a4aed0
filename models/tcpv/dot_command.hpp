#pragma once
/// \file tcpv/dot_command.hpp
/// `tcpv dot`: Graphviz diagrams of the TCP transition table, of a model's explored state graph
/// and of its first counterexample, as DOT text or rendered through `dot` (docs/diagrams.md).
///
/// tcpv dot MODEL --graph table|states|endpoints|trace|msc [--set NAME=VALUE]... [--profile P]
///                [--max-states N] [-o FILE]

#include <charconv>
#include <cstdint>
#include <fstream>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tcpv/graphviz.hpp>
#include <tcpv/registry.hpp>
#include <tcpv/trace_diagram.hpp>
#include <tcpv/tcp/register.hpp>
#include <tcpv/tcp/table_diagram.hpp>

namespace tcpv {

namespace dot_detail {

/// A usage error: exit status 2, the message on stderr, nothing on stdout.
struct bad_input : std::runtime_error {
    using std::runtime_error::runtime_error;
};

inline constexpr std::string_view usage_text =
    R"(usage: tcpv dot MODEL --graph table|states|endpoints|trace|msc [--set NAME=VALUE]... [--profile P]
                [--max-states N] [-o FILE]

  --graph table    the TCP transition table (models/tcpv/tcp/rfc9293.hpp) as a state diagram
                   in the layout of RFC 9293 Figure 5. MODEL is `tcp` or any TCP model (the
                   table is the same for all). --profile rfc9293|linux|freebsd|windows picks
                   the knobs that select guarded rows (default rfc9293); --set overrides one:
                   rfc1337=0|1, linger_abort=0|1, rst_on_unread=0|1, challenge_ack=0|1,
                   fin_wait_2=0..15 (FIN-WAIT-2 limit in ticks, 0 = none).
  --graph states   the explored state graph of MODEL (`tcpv list`), --set as for check; the
                   first counterexample in red. Refused above --max-states states (default 500).
  --graph endpoints  the explored graph of a larger model projected onto the pair of endpoint
                   states ("A: FIN-WAIT-1 / B: CLOSE-WAIT"), the first counterexample's
                   projected path in red (TCP models of two endpoints); --max-states bounds the
                   search (default 1000000).
  --graph trace    MODEL's first counterexample as a path diagram (one box per state, actions
                   on the arrows); --max-states bounds the search (default 1000000).
  --graph msc      MODEL's first counterexample as a message sequence chart: a lifeline per
                   endpoint, each segment an arrow from sender to receiver, lost ones crossed,
                   timer expiries and state changes on the lifelines (models that support it,
                   such as `close`); --max-states as for trace.
  -o FILE          FILE.svg, FILE.png or FILE.pdf: rendered through Graphviz `dot`; any other
                   name (FILE.dot): DOT text. Without -o the DOT text goes to stdout.
Output is deterministic: the same model and options give the same bytes.
exit status: 0 written, 1 nothing to draw (no counterexample) or dot failed, 2 bad usage
)";

/// The parsed command line.
struct request {
    std::string model, graph, profile, output;
    std::vector<std::pair<std::string, std::string>> sets;
    std::uint64_t max_states = 0;  ///< 0: the graph's default
    bool help = false;
};

inline std::uint64_t parse_count(std::string_view option, std::string_view text) {
    std::uint64_t v = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc{} || p != text.data() + text.size() || v == 0 || v > 100'000'000)
        throw bad_input(std::string(option) + " needs a count from 1 to 100000000, not '" + std::string(text) + "'");
    return v;
}

inline request parse(const std::vector<std::string_view>& args) {
    request q;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view a = args[i];
        auto value = [&]() -> std::string_view {
            if (i + 1 >= args.size()) throw bad_input(std::string(a) + " needs a value");
            return args[++i];
        };
        if (a == "--help" || a == "-h") {
            q.help = true;
        } else if (a == "--graph") {
            q.graph = std::string(value());
            if (q.graph != "table" && q.graph != "states" && q.graph != "trace" && q.graph != "msc" &&
                q.graph != "endpoints")
                throw bad_input("unknown graph '" + q.graph + "'; --graph is table, states, endpoints, trace or msc");
        } else if (a == "--set") {
            const std::string_view kv = value();
            const auto eq = kv.find('=');
            if (eq == std::string_view::npos || eq == 0)
                throw bad_input("--set needs NAME=VALUE, not '" + std::string(kv) + "'");
            q.sets.emplace_back(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
        } else if (a == "--profile") {
            q.profile = std::string(value());
        } else if (a == "--max-states") {
            q.max_states = parse_count(a, value());
        } else if (a == "-o" || a == "--output") {
            q.output = std::string(value());
            if (q.output.empty()) throw bad_input("-o needs a file name");
        } else if (a.starts_with("-")) {
            throw bad_input("unknown option '" + std::string(a) +
                            "' for dot; the options are --graph, --set, --profile, --max-states, -o, --help");
        } else if (q.model.empty()) {
            q.model = std::string(a);
        } else {
            throw bad_input("unexpected argument '" + std::string(a) + "': dot draws one model");
        }
    }
    if (q.help) return q;
    if (q.model.empty()) throw bad_input("dot needs a MODEL (`tcpv list`, or `tcp` for --graph table)");
    if (q.graph.empty()) throw bad_input("dot needs --graph table, states, endpoints, trace or msc");
    if (q.graph != "table" && !q.profile.empty())
        throw bad_input("--profile applies to --graph table; a model takes its profile as --set profile=P");
    if (q.graph == "table" && q.max_states != 0) throw bad_input("--max-states applies to --graph states, trace and msc");
    return q;
}

/// The table diagram: MODEL must be `tcp` or a TCP model; knobs from --profile and --set.
inline std::string table_dot(const request& q) {
    registry tcp_models;
    tcp::register_tcp_models(tcp_models);
    if (q.model != "tcp" && !tcp_models.find(q.model))
        throw bad_input("--graph table draws the TCP transition table: MODEL is `tcp` or a TCP model, not '" +
                        q.model + "'");
    tcp::diagram_profile p;
    try {
        p = tcp::table_profile(q.profile.empty() ? "rfc9293" : q.profile);
    } catch (const std::invalid_argument& e) {
        throw bad_input(e.what());
    }
    for (const auto& [name, text] : q.sets) {
        auto flag = [&, &name = name, &text = text](bool& knob) {
            if (text != "0" && text != "1") throw bad_input("--set " + name + " takes 0 or 1, not '" + text + "'");
            knob = text == "1";
        };
        if (name == "rfc1337") flag(p.config.rfc1337);
        else if (name == "linger_abort") flag(p.config.linger_abort);
        else if (name == "rst_on_unread") flag(p.config.rst_on_unread);
        else if (name == "challenge_ack") flag(p.config.challenge_ack);
        else if (name == "fin_wait_2") {
            if (text.size() > 2 || text.empty() || text.find_first_not_of("0123456789") != std::string::npos ||
                std::stoi(text) > 15)
                throw bad_input("--set fin_wait_2 takes ticks from 0 to 15, not '" + text + "'");
            p.config.fin_wait_2 = static_cast<std::uint8_t>(std::stoi(text));
        } else {
            throw bad_input("unknown table knob '" + name +
                            "'; --graph table takes rfc1337, linger_abort, rst_on_unread, challenge_ack, fin_wait_2");
        }
        p.name += ", " + name + "=" + text;
    }
    return tcp::table_diagram<tcp::rfc9293_table>(p);
}

/// A registered model's explored graph or first counterexample. Returns the DOT text, or
/// sets `nothing` to the reason there is nothing to draw.
inline std::string model_dot(const registry& reg, const request& q, std::string& nothing) {
    const model_entry* m = reg.find(q.model);
    if (!m) throw bad_input("unknown model '" + q.model + "'; `tcpv list` shows the models");
    if (q.graph == "msc" && !m->supports_msc) {
        std::string able;
        for (const auto& e : reg.entries())
            if (e.supports_msc) able += (able.empty() ? "" : ", ") + e.name;
        throw bad_input("--graph msc: model '" + q.model + "' cannot draw its traces as sequence charts; the models "
                        "that can: " + (able.empty() ? "none" : able) + " (--graph trace draws any model's)");
    }
    if (q.graph == "endpoints" && !m->supports_projection) {
        std::string able;
        for (const auto& e : reg.entries())
            if (e.supports_projection) able += (able.empty() ? "" : ", ") + e.name;
        throw bad_input("--graph endpoints: model '" + q.model + "' has no projection of its states; the models "
                        "that have one: " + (able.empty() ? "none" : able) + " (--graph states draws small models)");
    }
    parameter_values values(m->params);
    for (const auto& [name, text] : q.sets) {
        try {
            values.set(name, text);
        } catch (const std::invalid_argument& e) {
            throw bad_input(e.what());
        }
    }
    const bool states = q.graph == "states";
    run_options o;
    o.max_states = q.max_states ? q.max_states : states ? 500 : 1'000'000;
    o.want_dot = states;
    o.want_msc = q.graph == "msc";
    o.want_projection = q.graph == "endpoints";
    o.dot_max_states = 0;  // never cut: a graph over the limit is refused instead
    const run_output r = m->run(values, o);
    if (o.want_projection) {
        if (r.result.stats.limit != limit_kind::none)
            throw bad_input("model '" + q.model + "' has more than " + std::to_string(o.max_states) +
                            " states; raise --max-states to project the whole graph");
        return *r.projection;
    }
    if (states) {
        if (r.result.stats.limit != limit_kind::none)
            throw bad_input("model '" + q.model + "' has more than " + std::to_string(o.max_states) +
                            " states; --graph states draws small models only (raise --max-states, or "
                            "use smaller --set values)");
        return r.dot;
    }
    if (o.want_msc) {
        if (r.msc) return *r.msc;
    } else {
        for (const auto& p : r.result.properties)
            if (p.result == verdict::violated && p.trace)
                return graphviz::trace_path(*p.trace, q.model + ": counterexample to " + p.name + " (" +
                                                          std::to_string(p.trace->length()) + " steps)");
    }
    nothing = "no counterexample: ";
    nothing += r.result.stats.limit != limit_kind::none
                   ? "the search stopped at a limit (" + std::string(to_string(r.result.stats.limit)) + ") after " +
                         std::to_string(r.result.stats.states) + " states without finding one"
                   : "every property of '" + q.model + "' holds (" + std::to_string(r.result.stats.states) + " states)";
    return {};
}

}  // namespace dot_detail

/// `tcpv dot ARGS...` over the models of `reg` (see the file comment and `tcpv dot --help`).
inline int dot_command(const registry& reg, const std::vector<std::string_view>& args, std::ostream& out,
                       std::ostream& err) {
    try {
        const dot_detail::request q = dot_detail::parse(args);
        if (q.help) {
            out << dot_detail::usage_text;
            return 0;
        }
        std::string nothing;
        const std::string dot = q.graph == "table" ? dot_detail::table_dot(q) : dot_detail::model_dot(reg, q, nothing);
        if (dot.empty()) {
            err << "tcpv dot: " << nothing << "; nothing written\n";
            return 1;
        }
        if (q.output.empty()) {
            out << dot;
            return 0;
        }
        const auto dot_at = q.output.rfind('.');
        const std::string ext = dot_at == std::string::npos ? "" : q.output.substr(dot_at + 1);
        if (ext == "svg" || ext == "png" || ext == "pdf") {
            if (const std::string msg = graphviz::render(dot, q.output, ext); !msg.empty()) {
                err << "tcpv dot: " << msg << "\n";
                return 1;
            }
            return 0;
        }
        std::ofstream f(q.output, std::ios::trunc | std::ios::binary);
        f << dot;
        if (!f) {
            err << "tcpv dot: cannot write '" << q.output << "'\n";
            return 1;
        }
        return 0;
    } catch (const dot_detail::bad_input& e) {
        err << "tcpv dot: " << e.what() << "\n(see `tcpv dot --help`)\n";
        return 2;
    }
}

}  // namespace tcpv
