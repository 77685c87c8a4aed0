#pragma once
/// \file tcpv/cli.hpp
/// The `tcpv` command-line program over a registry of models, reusable by any project that
/// registers its own models (`return tcpv::cli::main(argc, argv, my_registry);`).
///
/// ```
/// tcpv list
/// tcpv check MODEL [--set NAME=VALUE]... [--threads N] [--max-states N] [--max-seconds S]
///                  [--max-memory MIB] [--dfs] [--hash-compact W] [--bitstate W [--bitstate-hashes K]] [--json] [--dot FILE] [--pcap FILE]
///                  [--msc FILE] [--examples] [--quiet]
/// tcpv check --all [options]
/// tcpv sweep MODEL --vary NAME=A..B [--vary NAME2=VALUES] [--set NAME=VALUE]... [options]
/// tcpv replay FILE.json [--model NAME] [--property NAME]
/// tcpv NAME ARGS...      a command registered with registry::add_command (e.g. `tcpv step`)
/// ```
/// The sweep and replay commands live in cli_sweep.hpp and cli_replay.hpp, included at the end
/// of this file. Registered
/// commands are listed at the end of `tcpv --help` and run with the arguments after their name.
/// Exit status: 0 every property holds; 1 a property is violated (the shortest trace is
/// printed); 2 bad usage or input (the message names it and what is allowed); 3 a limit was
/// reached before a verdict.

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "cli_msc.hpp"
#include "registry.hpp"
#include "version.hpp"

namespace tcpv::cli {

inline constexpr int exit_holds = 0;
inline constexpr int exit_violated = 1;
inline constexpr int exit_usage = 2;
inline constexpr int exit_unknown = 3;

/// A usage or input error: printed as "tcpv: <message>", exit status 2.
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

inline constexpr std::string_view help_text =
    R"(tcpv - check TCP connection models

usage:
  tcpv list                      one line per model: name, parameters=defaults, summary
  tcpv check MODEL [options]     explore MODEL and decide its properties
  tcpv check --all [options]     every registered model with its defaults; a verdict table
  tcpv sweep MODEL --vary NAME=VALUES [--vary NAME2=VALUES] [options]
                                 check MODEL once per value (per combination of two --vary);
                                 a table of verdicts and the smallest value for which all hold
  tcpv replay FILE.json [--model NAME] [--property NAME]
                                 replay the traces of a `check --json` report against the
                                 model: exit 0 they are behaviours of it, 1 one is not
  tcpv --version | --help

check options:
  --set NAME=VALUE    set a model parameter (repeatable; see `tcpv list`)
  --threads N         worker threads for breadth-first search (default 1; 0 = all cores)
  --max-states N      stop after N distinct states (verdict "unknown", exit 3)
  --max-seconds S     stop after S seconds
  --max-memory MIB    stop when resident memory reaches MIB mebibytes
  --dfs               depth-first search (traces are then not shortest)
  --hash-compact W    store 32-bit fingerprints in a table of 2^W slots (10..32, as SPIN's -w)
                      instead of the states: 4 * 2^W bytes; the report bounds the probability
                      that a state was missed; the search stops when the table is 90% full;
                      traces come from a second, exact search; liveness is then "unknown"
  --bitstate W        bitstate (supertrace): an array of 2^W bits (10..40) instead of the states,
                      2^W / 8 bytes; K bits per state; the report estimates the probability that
                      a state was missed and how many; traces come from a second, exact search;
                      liveness is then "unknown"; not with --hash-compact
  --bitstate-hashes K bits set per state with --bitstate (1..16, default 3)
  --json              print the report as one JSON object (an array with --all)
  --dot FILE          write the explored state graph (first counterexample in red); FILE.svg
                      is rendered through Graphviz `dot`
  --pcap FILE         write the first counterexample as a packet capture (pcap) for Wireshark;
                      only models that support it (an error lists them); nothing is written
                      when every property holds
  --msc FILE          draw the first counterexample as a message sequence chart (lifelines,
                      segments as arrows, lost ones crossed); FILE.svg is rendered through
                      Graphviz `dot`, other names get DOT text; only models that support it
  --examples          also print the example traces of `sometimes` properties
  --quiet             no progress line on stderr

sweep options:
  --vary NAME=A..B    run every integer value from A to B (A <= B, both allowed for NAME)
  --vary NAME=x,y,z   run the listed values (integers, or choices of an enum parameter)
  --vary NAME=all     run every allowed value of NAME
                      at most two --vary (the cross product) and at most 1000 runs
  --set NAME=VALUE    fix another parameter (not one that is varied)
  --threads N, --max-states N, --max-seconds S, --max-memory MIB
                      as for check; the limits apply to each run
  --json              print one JSON array of the runs' reports (as check --json), nothing else
  --quiet             no progress lines on stderr

exit status: 0 all properties hold, 1 a property is violated, 2 bad usage or input,
             3 a limit was reached before a verdict
             (sweep: 1 if any run has a violation, else 3 if any run hit a limit, else 0)
)";

namespace detail {

inline std::uint64_t parse_count(std::string_view option, std::string_view text, std::uint64_t min, std::uint64_t max) {
    std::uint64_t v = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || text[0] == '-' || text[0] == '+' || ec == std::errc::invalid_argument ||
        ptr != text.data() + text.size())
        throw usage_error(std::string(option) + " needs a whole number from " + std::to_string(min) + " to " +
                          std::to_string(max) + ", not '" + std::string(text) + "'");
    if (ec == std::errc::result_out_of_range || v < min || v > max)
        throw usage_error(std::string(option) + " " + std::string(text) + " is out of range: allowed " +
                          std::to_string(min) + " to " + std::to_string(max));
    return v;
}

inline double parse_seconds(std::string_view option, std::string_view text) {
    double v = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || !(v > 0) || v > 1e9)
        throw usage_error(std::string(option) + " needs a positive number of seconds, not '" + std::string(text) + "'");
    return v;
}

struct check_args {
    std::string model;
    bool all = false;
    std::vector<std::pair<std::string, std::string>> sets;
    run_options run;
    bool json = false;
    bool examples = false;
    std::string dot_file;
    std::string pcap_file;
    std::string msc_file;
};

/// The value after option args[i] (advancing i); an error names the option when there is none.
inline std::string_view option_value(const std::vector<std::string_view>& args, std::size_t& i) {
    if (i + 1 >= args.size()) throw usage_error(std::string(args[i]) + " needs a value");
    return args[++i];
}

/// `NAME=VALUE` of --set (or of another option named `option`), split at the first '='.
inline std::pair<std::string, std::string> parse_assignment(std::string_view option, std::string_view kv,
                                                            std::string_view form = "NAME=VALUE") {
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos || eq == 0)
        throw usage_error(std::string(option) + " needs " + std::string(form) + ", not '" + std::string(kv) + "'");
    return {std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1))};
}

/// The search options that check and sweep share: --threads, --max-states, --max-seconds,
/// --max-memory, --quiet. Returns false when args[i] is none of them.
inline bool parse_search_option(const std::vector<std::string_view>& args, std::size_t& i, run_options& run) {
    const std::string_view arg = args[i];
    if (arg == "--threads") {
        run.threads = static_cast<unsigned>(parse_count(arg, option_value(args, i), 0, 1024));
        if (run.threads == 0) run.threads = std::max(1u, std::thread::hardware_concurrency());
    } else if (arg == "--max-states") {
        run.max_states = parse_count(arg, option_value(args, i), 1, tcpv::detail::max_stored_states);
    } else if (arg == "--max-seconds") {
        run.max_seconds = parse_seconds(arg, option_value(args, i));
    } else if (arg == "--max-memory") {
        run.max_memory = parse_count(arg, option_value(args, i), 1, 1ull << 30) << 20;
    } else if (arg == "--quiet") {
        run.progress = false;
    } else if (arg == "--hash-compact") {
        run.hash_compaction = static_cast<unsigned>(parse_count(arg, option_value(args, i), 10, 32));
    } else if (arg == "--bitstate") {
        run.bitstate = static_cast<unsigned>(parse_count(arg, option_value(args, i), 10, 40));
    } else if (arg == "--bitstate-hashes") {
        run.bitstate_hashes = static_cast<unsigned>(parse_count(arg, option_value(args, i), 1, 16));
        run.bitstate_hashes_given = true;
    } else {
        return false;
    }
    return true;
}

/// The storage options that check and sweep share, given together: refused when they conflict.
inline void check_storage_options(const run_options& run) {
    if (run.hash_compaction && run.bitstate)
        throw usage_error("--hash-compact and --bitstate are two storage modes: give one");
    if (run.bitstate_hashes_given && !run.bitstate) throw usage_error("--bitstate-hashes needs --bitstate W");
}

inline check_args parse_check(const std::vector<std::string_view>& args) {
    check_args a;
    a.run.progress = true;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        if (parse_search_option(args, i, a.run)) {
            continue;
        } else if (arg == "--all") {
            a.all = true;
        } else if (arg == "--set") {
            a.sets.push_back(parse_assignment(arg, option_value(args, i)));
        } else if (arg == "--dfs") {
            a.run.order = search_order::dfs;
        } else if (arg == "--bfs") {
            a.run.order = search_order::bfs;
        } else if (arg == "--json") {
            a.json = true;
        } else if (arg == "--dot") {
            a.dot_file = std::string(option_value(args, i));
            if (a.dot_file.empty()) throw usage_error("--dot needs a file name");
            a.run.want_dot = true;
        } else if (arg == "--pcap") {
            a.pcap_file = std::string(option_value(args, i));
            if (a.pcap_file.empty()) throw usage_error("--pcap needs a file name");
            a.run.want_pcap = true;
        } else if (arg == "--msc") {
            a.msc_file = std::string(option_value(args, i));
            if (a.msc_file.empty()) throw usage_error("--msc needs a file name");
            a.run.want_msc = true;
        } else if (arg == "--examples") {
            a.examples = true;
        } else if (arg.starts_with("-")) {
            throw usage_error("unknown option '" + std::string(arg) + "' for check");
        } else if (a.all) {
            throw usage_error("check takes a model name or --all, not both");
        } else if (a.model.empty()) {
            a.model = std::string(arg);
        } else {
            throw usage_error("unexpected argument '" + std::string(arg) + "': check takes one model (or --all)");
        }
    }
    if (a.all && !a.model.empty()) throw usage_error("check takes a model name or --all, not both");
    if (!a.all && a.model.empty()) throw usage_error("check needs a model name or --all (see `tcpv list`)");
    if (a.all && !a.sets.empty()) throw usage_error("--set applies to one model; --all runs every model with its defaults");
    if (a.all && !a.dot_file.empty()) throw usage_error("--dot applies to one model, not --all");
    if (a.all && !a.pcap_file.empty()) throw usage_error("--pcap applies to one model, not --all");
    if (a.all && !a.msc_file.empty()) throw usage_error("--msc applies to one model, not --all");
    check_storage_options(a.run);
    if (a.run.bitstate && a.run.order == search_order::dfs)
        throw usage_error("--bitstate needs breadth-first search: drop --dfs");
    if (a.run.bitstate && !a.dot_file.empty())
        throw usage_error("--dot draws the explored states, which --bitstate does not keep");
    if (a.run.hash_compaction && a.run.order == search_order::dfs)
        throw usage_error("--hash-compact needs breadth-first search: drop --dfs");
    if (a.run.hash_compaction && !a.dot_file.empty())
        throw usage_error("--dot draws the explored states, which --hash-compact does not keep");
    return a;
}

inline std::string model_names(const registry& reg) {
    std::string s;
    for (const auto& e : reg.entries()) s += (s.empty() ? "" : ", ") + e.name;
    return s.empty() ? "(none registered)" : s;
}

inline const model_entry& find_model(const registry& reg, const std::string& name) {
    const model_entry* e = reg.find(name);
    if (!e) throw usage_error("unknown model '" + name + "'; the models are: " + model_names(reg));
    return *e;
}

inline int list(const registry& reg, std::ostream& out) {
    std::size_t width = 0;
    for (const auto& e : reg.entries()) width = std::max(width, e.name.size());
    for (const auto& e : reg.entries()) {
        out << std::left << std::setw(static_cast<int>(width) + 2) << e.name;
        for (const auto& p : e.params) out << p.name << '=' << p.format(p.default_value) << ' ';
        out << " " << e.summary << '\n';
        for (const auto& p : e.params) out << "    " << p.name << ": " << p.help << " (" << p.allowed() << ")\n";
    }
    return exit_holds;
}

inline int status_of(const report& r) { return r.exit_status(); }

/// The status of several runs: 1 if any is violated, else 3 if any is unknown, else 0.
inline int combined_status(const std::vector<report>& reports) {
    int status = exit_holds;
    for (const auto& r : reports) {
        const int s = status_of(r);
        if (s == exit_violated || (s == exit_unknown && status == exit_holds)) status = s;
    }
    return status;
}

inline int check_one(const registry& reg, const check_args& a, std::ostream& out, std::ostream& err) {
    const model_entry& e = find_model(reg, a.model);
    parameter_values values(e.params);
    for (const auto& [k, v] : a.sets) {
        try {
            values.set(k, v);
        } catch (const std::invalid_argument& x) {
            throw usage_error(std::string(x.what()) + " (model " + e.name + ")");
        }
    }
    if (!a.pcap_file.empty() && !e.supports_pcap) {
        std::string able;
        for (const auto& m : reg.entries())
            if (m.supports_pcap) able += (able.empty() ? "" : ", ") + m.name;
        throw usage_error("--pcap: model '" + e.name + "' cannot write its traces as packets (it defines no " +
                          "pcap_file(model, trace)); the models that can: " + (able.empty() ? "none" : able));
    }
    if (!a.msc_file.empty())
        if (const std::string why = msc::unsupported(reg, e); !why.empty()) throw usage_error(why);
    // Check that the output files can be written before a long run, so nothing is lost after it.
    if (!a.dot_file.empty()) {
        std::ofstream probe(a.dot_file, std::ios::app);
        if (!probe) throw usage_error("cannot write --dot file '" + a.dot_file + "'");
    }
    const bool pcap_existed = !a.pcap_file.empty() && std::filesystem::exists(a.pcap_file);
    if (!a.pcap_file.empty()) {
        std::ofstream probe(a.pcap_file, std::ios::app);
        if (!probe) throw usage_error("cannot write --pcap file '" + a.pcap_file + "'");
    }
    const bool msc_existed = !a.msc_file.empty() && std::filesystem::exists(a.msc_file);
    if (!a.msc_file.empty()) {
        std::ofstream probe(a.msc_file, std::ios::app);
        if (!probe) throw usage_error("cannot write --msc file '" + a.msc_file + "'");
    }
    run_output o = e.run(values, a.run);
    if (a.json)
        out << to_json(o.result) << '\n';
    else
        print(out, o.result, a.examples);
    if (!a.dot_file.empty()) {
        const bool svg = a.dot_file.size() > 4 && a.dot_file.ends_with(".svg");
        if (svg) {
            if (const std::string msg = graphviz::render(o.dot, a.dot_file); !msg.empty()) {
                err << "tcpv: " << msg << '\n';
                std::ofstream(a.dot_file.substr(0, a.dot_file.size() - 4) + ".dot") << o.dot;
                err << "tcpv: wrote the DOT text to " << a.dot_file.substr(0, a.dot_file.size() - 4) << ".dot instead\n";
                return exit_usage;
            }
        } else {
            std::ofstream f(a.dot_file, std::ios::trunc);
            f << o.dot;
            if (!f) throw usage_error("cannot write --dot file '" + a.dot_file + "'");
        }
    }
    if (!a.pcap_file.empty()) {
        if (o.pcap) {
            std::ofstream f(a.pcap_file, std::ios::binary | std::ios::trunc);
            f << *o.pcap;
            if (!f) throw usage_error("cannot write --pcap file '" + a.pcap_file + "'");
        } else {
            // Remove the empty file the probe made, so no file means no counterexample.
            if (!pcap_existed) std::filesystem::remove(a.pcap_file);
            err << "tcpv: --pcap: no property is violated, so there is no counterexample to write to '"
                << a.pcap_file << "'\n";
        }
    }
    if (!a.msc_file.empty()) {
        const msc::outcome w = msc::write(a.msc_file, o.msc, msc_existed);
        if (!w.note.empty()) err << "tcpv: " << w.note << '\n';
        if (!w.error.empty()) {
            err << "tcpv: " << w.error << '\n';
            return exit_usage;
        }
    }
    return status_of(o.result);
}

inline int check_all(const registry& reg, const check_args& a, std::ostream& out) {
    std::vector<report> reports;
    for (const auto& e : reg.entries()) {
        const parameter_values values(e.params);
        reports.push_back(e.run(values, a.run).result);
    }
    const int status = combined_status(reports);
    if (a.json) {
        out << '[';
        for (std::size_t i = 0; i < reports.size(); ++i) out << (i ? "," : "") << to_json(reports[i]);
        out << "]\n";
        return status;
    }
    std::size_t width = 5;
    for (const auto& r : reports) width = std::max(width, r.model.size());
    out << std::left << std::setw(static_cast<int>(width) + 2) << "model" << std::right << std::setw(12) << "states"
        << std::setw(14) << "transitions" << std::setw(7) << "depth" << std::setw(10) << "seconds" << "  "
        << std::left << std::setw(9) << "verdict" << "properties\n";
    for (const auto& r : reports) {
        std::size_t held = 0;
        std::string bad;
        for (const auto& p : r.properties) {
            if (p.result == verdict::holds) ++held;
            else bad += std::string(bad.empty() ? "" : ", ") + p.name + " " + std::string(to_string(p.result));
        }
        std::ostringstream secs;
        secs << std::fixed << std::setprecision(3) << r.stats.seconds;
        out << std::left << std::setw(static_cast<int>(width) + 2) << r.model << std::right << std::setw(12)
            << r.stats.states << std::setw(14) << r.stats.transitions << std::setw(7) << r.stats.depth
            << std::setw(10) << secs.str() << "  " << std::left << std::setw(9) << to_string(r.overall()) << held
            << '/' << r.properties.size() << " hold" << (bad.empty() ? "" : " (" + bad + ")") << '\n';
    }
    for (const auto& r : reports)
        if (r.overall() == verdict::violated) {
            out << '\n';
            print(out, r);
        }
    return status;
}

/// The help text, followed by the registry's further commands, one line each.
inline std::string help(const registry& reg) {
    std::string s(help_text);
    if (reg.commands().empty()) return s;
    s += "\nmore commands:\n";
    for (const auto& c : reg.commands()) {
        std::string line = "  tcpv " + c.name + " ...";
        line += line.size() < 33 ? std::string(33 - line.size(), ' ') : "  ";
        s += line + c.help + '\n';
    }
    return s;
}

/// "list, check, sweep and replay", then the registered commands: what an unknown command is told.
inline std::string command_names(const registry& reg) {
    std::string s = "list, check, sweep and replay";
    if (!reg.commands().empty()) {
        s += "; also ";
        for (std::size_t i = 0; i < reg.commands().size(); ++i) s += (i ? ", " : "") + reg.commands()[i].name;
    }
    return s;
}

/// `tcpv sweep ARGS...` (cli_sweep.hpp).
inline int sweep(const registry& reg, const std::vector<std::string_view>& args, std::ostream& out,
                 std::ostream& err);
/// `tcpv replay ARGS...` (cli_replay.hpp).
inline int replay(const registry& reg, const std::vector<std::string_view>& args, std::ostream& out,
                  std::ostream& err);

}  // namespace detail

/// Runs the program on `args` (without the program name). Never throws: errors become
/// messages on `err` and exit status 2.
inline int run(const registry& reg, const std::vector<std::string_view>& args, std::ostream& out, std::ostream& err) {
    try {
        if (args.empty()) {
            err << detail::help(reg);
            return exit_usage;
        }
        const std::string_view cmd = args[0];
        const std::vector<std::string_view> rest(args.begin() + 1, args.end());
        if (cmd == "--help" || cmd == "-h" || cmd == "help") {
            out << detail::help(reg);
            return exit_holds;
        }
        if (cmd == "--version") {
            out << "tcpv " << version_string << '\n';
            return exit_holds;
        }
        if (cmd == "list") {
            if (!rest.empty()) throw usage_error("list takes no arguments");
            return detail::list(reg, out);
        }
        if (cmd == "check") {
            const auto a = detail::parse_check(rest);
            return a.all ? detail::check_all(reg, a, out) : detail::check_one(reg, a, out, err);
        }
        if (cmd == "sweep") return detail::sweep(reg, rest, out, err);
        if (cmd == "replay") return detail::replay(reg, rest, out, err);
        if (const command_entry* c = reg.find_command(cmd)) return c->run(rest, out, err);
        throw usage_error("unknown command '" + std::string(cmd) + "'; the commands are " + detail::command_names(reg));
    } catch (const usage_error& e) {
        err << "tcpv: " << e.what() << "\n(see `tcpv --help`)\n";
        return exit_usage;
    } catch (const model_error& e) {
        err << "tcpv: model error: " << e.what() << '\n';
        return exit_usage;
    } catch (const std::bad_alloc&) {
        err << "tcpv: out of memory; use --max-memory or --max-states to bound the search\n";
        return exit_unknown;
    } catch (const std::exception& e) {
        err << "tcpv: " << e.what() << '\n';
        return exit_usage;
    }
}

/// `main` of a tcpv program.
inline int main(int argc, char** argv, const registry& reg) {
    std::vector<std::string_view> args;
    for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
    return run(reg, args, std::cout, std::cerr);
}

}  // namespace tcpv::cli

// The sweep and replay commands: define detail::sweep and detail::replay, declared above.
#include "cli_sweep.hpp"
#include "cli_replay.hpp"
