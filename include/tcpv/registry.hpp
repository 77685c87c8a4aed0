#pragma once
/// \file tcpv/registry.hpp
/// A registry of named models with named integer/enum parameters: what the `tcpv` program
/// lists and checks. A project can build its own `tcpv` with its own models:
///
/// ```cpp
/// tcpv::registry reg;
/// reg.add(tcpv::entry<my_model>("my-model", "what it checks",
///     {tcpv::int_parameter("n", "processes", 3, 1, 8),
///      tcpv::enum_parameter("variant", "which algorithm", "peterson", {"naive", "peterson"})},
///     [](const tcpv::parameter_values& v) { return my_model{int(v["n"]), v["variant"] == 1}; }));
/// return tcpv::cli::main(argc, argv, reg);
/// ```

#include <charconv>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checker.hpp"
#include "graphviz.hpp"
#include "projection.hpp"
#include "report.hpp"

namespace tcpv {

/// A model parameter: an integer in [min, max], or an enum (one of `choices`, held as its index).
struct parameter {
    std::string name;
    std::string help;
    std::int64_t default_value = 0;
    std::int64_t min = 0;
    std::int64_t max = 0;
    std::vector<std::string> choices;  ///< non-empty for an enum parameter

    [[nodiscard]] bool is_enum() const noexcept { return !choices.empty(); }

    /// The printed form of a value (the choice's name for an enum).
    [[nodiscard]] std::string format(std::int64_t v) const {
        if (is_enum() && v >= 0 && static_cast<std::size_t>(v) < choices.size()) return choices[static_cast<std::size_t>(v)];
        return std::to_string(v);
    }

    /// What values are allowed, for error messages and `tcpv list`.
    [[nodiscard]] std::string allowed() const {
        if (!is_enum()) return "an integer from " + std::to_string(min) + " to " + std::to_string(max);
        std::string s = "one of ";
        for (std::size_t i = 0; i < choices.size(); ++i) s += (i ? ", " : "") + choices[i];
        return s;
    }

    /// Parses a value given on the command line; the error names the parameter and what is allowed.
    [[nodiscard]] std::int64_t parse(std::string_view text) const {
        if (is_enum()) {
            for (std::size_t i = 0; i < choices.size(); ++i)
                if (choices[i] == text) return static_cast<std::int64_t>(i);
            throw std::invalid_argument("parameter '" + name + "': '" + std::string(text) + "' is not allowed; " +
                                        allowed());
        }
        std::int64_t v = 0;
        const auto* first = text.data();
        const auto* last = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(first, last, v);
        if (text.empty() || ec == std::errc::invalid_argument || ptr != last)
            throw std::invalid_argument("parameter '" + name + "': '" + std::string(text) + "' is not an integer; " +
                                        allowed());
        if (ec == std::errc::result_out_of_range || v < min || v > max)
            throw std::invalid_argument("parameter '" + name + "': " + std::string(text) + " is out of range; " +
                                        allowed());
        return v;
    }
};

/// An integer parameter.
inline parameter int_parameter(std::string name, std::string help, std::int64_t default_value, std::int64_t min,
                               std::int64_t max) {
    return parameter{std::move(name), std::move(help), default_value, min, max, {}};
}
/// An enum parameter; `default_choice` must be one of `choices`.
inline parameter enum_parameter(std::string name, std::string help, std::string_view default_choice,
                                std::vector<std::string> choices) {
    parameter p{std::move(name), std::move(help), 0, 0, static_cast<std::int64_t>(choices.size()) - 1, std::move(choices)};
    p.default_value = p.parse(default_choice);
    return p;
}

/// The values of a model's parameters (defaults, overridden by `--set`).
class parameter_values {
public:
    parameter_values() = default;
    explicit parameter_values(const std::vector<parameter>& params) : params_(&params) {
        for (const auto& p : params) values_[p.name] = p.default_value;
    }
    /// The value of a parameter; throws std::out_of_range naming it if the model has no such parameter.
    [[nodiscard]] std::int64_t operator[](std::string_view name) const {
        const auto it = values_.find(std::string(name));
        if (it == values_.end()) throw std::out_of_range("no parameter named '" + std::string(name) + "'");
        return it->second;
    }
    /// Sets a parameter from its printed value (`NAME=VALUE` of --set); errors name the problem.
    void set(std::string_view name, std::string_view text) {
        const parameter* p = find(name);
        if (!p) throw std::invalid_argument("unknown parameter '" + std::string(name) + "'; " + known());
        values_[p->name] = p->parse(text);
    }
    /// (name, printed value) in declaration order.
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> printed() const {
        std::vector<std::pair<std::string, std::string>> out;
        if (params_)
            for (const auto& p : *params_) out.emplace_back(p.name, p.format(values_.at(p.name)));
        return out;
    }

private:
    [[nodiscard]] const parameter* find(std::string_view name) const {
        if (params_)
            for (const auto& p : *params_)
                if (p.name == name) return &p;
        return nullptr;
    }
    [[nodiscard]] std::string known() const {
        if (!params_ || params_->empty()) return "this model has no parameters";
        std::string s = "the parameters are ";
        for (std::size_t i = 0; i < params_->size(); ++i) s += (i ? ", " : "") + (*params_)[i].name;
        return s;
    }
    const std::vector<parameter>* params_ = nullptr;
    std::map<std::string, std::int64_t> values_;
};

/// How a registered model is to be run.
struct run_options {
    search_order order = search_order::bfs;
    unsigned threads = 1;
    std::uint64_t max_states = 0;
    std::uint64_t expected_states = 0;   ///< > 0: the index is made for this many states (checker.hpp expect_states)
    std::uint64_t max_memory = 0;
    double max_seconds = 0;
    bool progress = false;
    unsigned hash_compaction = 0;        ///< > 0: log2 slots of a fingerprint table (checker.hpp)
    unsigned bitstate = 0;               ///< > 0: log2 bits of a bitstate array (checker.hpp)
    unsigned bitstate_hashes = 3;        ///< bitstate: bits per state
    bool bitstate_hashes_given = false;  ///< the command line named --bitstate-hashes (refused without --bitstate)
    bool want_dot = false;               ///< also draw the explored graph (first counterexample highlighted)
    std::size_t dot_max_states = 200;
    bool want_pcap = false;              ///< also write the first counterexample as pcap (models that can)
    bool want_msc = false;               ///< also draw the first counterexample as a sequence chart (models that can)
    bool want_projection = false;        ///< also draw the projected graph (models that project their states)
    /// Keep every visited state (checker.hpp keep_explored); without it, and without a graph
    /// to draw, the checker keeps only what the verdicts need.
    bool keep_explored = false;
};

/// A model whose traces can be written as a packet capture (`tcpv check --pcap`): it provides
/// `pcap_file(model, trace)`, found by argument-dependent lookup, returning the file's bytes.
/// The core knows nothing of the packets; a protocol's models bring the encoding (the TCP
/// models: tcpv/tcp/pcap.hpp).
template <class M>
concept writes_pcap = requires(const M& m, const trace<M>& t) {
    { pcap_file(m, t) } -> std::convertible_to<std::string>;
};

/// A model whose traces can be drawn as message sequence charts (`tcpv check --msc`, `tcpv dot
/// --graph msc`): it provides `sequence_chart(model, trace, title)`, found by argument-dependent
/// lookup, returning DOT text. As for pcap, the protocol's models bring the drawing, since only
/// they know which parts of a state are endpoints and which are messages (the TCP models:
/// tcpv/tcp/sequence_chart.hpp).
template <class M>
concept draws_msc = requires(const M& m, const trace<M>& t, const std::string& title) {
    { sequence_chart(m, t, title) } -> std::convertible_to<std::string>;
};

/// What a registered run produced.
struct run_output {
    report result;
    std::string dot;  ///< when want_dot
    std::optional<std::string> pcap;  ///< when want_pcap, the model writes pcap and a property is violated
    std::optional<std::string> msc;   ///< when want_msc, the model draws charts and a property is violated (DOT)
    std::optional<std::string> projection;  ///< when want_projection and the model projects (projection.hpp)
};

/// A registered model: its name, summary, parameters and a type-erased runner.
struct model_entry {
    std::string name;
    std::string summary;
    std::vector<parameter> params;
    std::function<run_output(const parameter_values&, const run_options&)> run;
    /// Replays a printed trace (read back from a JSON report) against the model built from the
    /// values: nothing when it is a behaviour of the model, else the first step that is not
    /// (trace.hpp, `replay`). Empty for entries not made by `entry`: `tcpv replay` says so.
    std::function<std::optional<trace_error>(const parameter_values&, const text_trace&)> replay;
    bool supports_pcap = false;  ///< the model satisfies `writes_pcap` (run honours want_pcap)
    bool supports_msc = false;   ///< the model satisfies `draws_msc` (run honours want_msc)
    bool supports_projection = false;  ///< the model satisfies `projects_states` (run honours want_projection)
};

/// Makes a registry entry for model type M, built from parameter values by `make`.
template <class M, class Make>
model_entry entry(std::string name, std::string summary, std::vector<parameter> params, Make make) {
    model_entry e{std::move(name), std::move(summary), std::move(params), {}, {}, writes_pcap<M>, draws_msc<M>,
                  projects_states<M>};
    e.run = [make, name = e.name](const parameter_values& values, const run_options& o) {
        const M m(make(values));
        auto c = checker(m);
        c.max_states(o.max_states).max_memory(o.max_memory).max_seconds(o.max_seconds).progress(o.progress);
        c.threads(o.threads).expect_states(o.expected_states);
        if (o.order == search_order::dfs) c.dfs();
        c.hash_compaction(o.hash_compaction);
        c.bitstate(o.bitstate, o.bitstate_hashes);
        c.keep_explored(o.want_dot || o.want_projection || o.keep_explored);
        const auto r = c.run();
        run_output out{r.summary(name, values.printed()), {}, std::nullopt, std::nullopt, std::nullopt};
        if (o.want_dot) {
            const trace<M>* hot = nullptr;
            for (const auto& p : r.properties)
                if (p.result == verdict::violated && p.trace) {
                    hot = &*p.trace;
                    break;
                }
            out.dot = graphviz::state_graph(r, hot, {o.dot_max_states, name});
        }
        if constexpr (writes_pcap<M>) {
            if (o.want_pcap)
                for (const auto& p : r.properties)
                    if (p.result == verdict::violated && p.trace) {
                        out.pcap = pcap_file(m, *p.trace);
                        break;
                    }
        }
        if constexpr (projects_states<M>) {
            if (o.want_projection) {
                const trace<M>* hot = nullptr;
                for (const auto& p : r.properties)
                    if (p.result == verdict::violated && p.trace) {
                        hot = &*p.trace;
                        break;
                    }
                out.projection = graphviz::projected_graph(r, hot, {0, name});
            }
        }
        if constexpr (draws_msc<M>) {
            if (o.want_msc)
                for (const auto& p : r.properties)
                    if (p.result == verdict::violated && p.trace) {
                        out.msc = sequence_chart(m, *p.trace,
                                                 name + ": counterexample to " + p.name + " (" +
                                                     std::to_string(p.trace->length()) + " steps)");
                        break;
                    }
        }
        return out;
    };
    e.replay = [make](const parameter_values& values, const text_trace& t) -> std::optional<trace_error> {
        const M m(make(values));
        const replay_result<M> r = replay(m, t);
        if (!r) return r.error;
        // The typed trace is checked once more by the checker's own rule, so replay and
        // validate can never disagree about what a behaviour is.
        return validate(m, *r.ok);
    };
    return e;
}

/// A further subcommand of the `tcpv` program, registered next to the models (a model family
/// adds its own tools, such as `tcpv step`, without the core knowing them).
struct command_entry {
    std::string name;  ///< what follows `tcpv`: `tcpv NAME ARGS...`
    std::string help;  ///< one line for `tcpv --help`: the synopsis after `tcpv `, or what it does
    /// Runs the command on the arguments after its name; writes its output to `out` and its
    /// messages to `err`, and returns the exit status (2 for bad usage, with nothing on `out`).
    std::function<int(const std::vector<std::string_view>& args, std::ostream& out, std::ostream& err)> run;
};

/// The models a `tcpv` program knows, in registration order, and its further commands.
class registry {
public:
    /// The program's own commands, which a registered command may not take.
    static constexpr std::string_view builtin_commands[] = {"list", "check", "sweep", "replay", "help"};
    /// Adds a model; a second model with the same name is an error.
    void add(model_entry e) {
        if (find(e.name)) throw std::invalid_argument("tcpv: two models are registered as '" + e.name + "'");
        entries_.push_back(std::move(e));
    }
    [[nodiscard]] const model_entry* find(std::string_view name) const noexcept {
        for (const auto& e : entries_)
            if (e.name == name) return &e;
        return nullptr;
    }
    [[nodiscard]] const std::vector<model_entry>& entries() const noexcept { return entries_; }

    /// Adds a command (`tcpv NAME ...`); a built-in name, a name starting with '-' or a second
    /// command with the same name is an error.
    void add_command(command_entry c) {
        if (c.name.empty() || c.name.front() == '-' || !c.run)
            throw std::invalid_argument("tcpv: a command needs a name (not an option) and a function");
        for (const std::string_view b : builtin_commands)
            if (c.name == b) throw std::invalid_argument("tcpv: '" + c.name + "' is a built-in command");
        if (find_command(c.name)) throw std::invalid_argument("tcpv: two commands are registered as '" + c.name + "'");
        commands_.push_back(std::move(c));
    }
    [[nodiscard]] const command_entry* find_command(std::string_view name) const noexcept {
        for (const auto& c : commands_)
            if (c.name == name) return &c;
        return nullptr;
    }
    [[nodiscard]] const std::vector<command_entry>& commands() const noexcept { return commands_; }

private:
    std::vector<model_entry> entries_;
    std::vector<command_entry> commands_;
};

}  // namespace tcpv
