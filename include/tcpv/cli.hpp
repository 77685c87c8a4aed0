#pragma once
/// \file tcpv/cli.hpp
/// The `tcpv` command-line program over a registry of models, reusable by any project that
/// registers its own models (`return tcpv::cli::main(argc, argv, my_registry);`).
///
/// ```
/// tcpv list
/// tcpv check MODEL [--set NAME=VALUE]... [--threads N] [--max-states N] [--expect-states N] [--max-seconds S]
///                  [--max-memory MIB] [--dfs] [--keep-states] [--hash-compact W] [--bitstate W [--bitstate-hashes K]] [--json] [--dot FILE] [--pcap FILE]
///                  [--msc FILE] [--examples] [--quiet]
/// tcpv check --all [options]
/// tcpv sweep MODEL --vary NAME=A..B [--vary NAME2=VALUES] [--set NAME=VALUE]... [options]
/// tcpv replay FILE.json [--model NAME] [--property NAME]
/// tcpv NAME ARGS...      a command registered with registry::add_command (e.g. `tcpv step`)
/// ```
/// The shared option parsers and exit codes are in cli_options.hpp, the check command in
/// cli_check.hpp (with cli_msc.hpp for --msc), the sweep and replay commands in cli_sweep.hpp
/// and cli_replay.hpp; this file holds the help text, `list`, the dispatch and `main`. Registered
/// commands are listed at the end of `tcpv --help` and run with the arguments after their name.
/// Exit status: 0 every property holds; 1 a property is violated (the shortest trace is
/// printed); 2 bad usage or input (the message names it and what is allowed); 3 a limit was
/// reached before a verdict.

#include <algorithm>
#include <cstddef>
#include <iomanip>
#include <iostream>
#include <new>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "cli_check.hpp"
#include "cli_options.hpp"
#include "cli_replay.hpp"
#include "cli_sweep.hpp"
#include "registry.hpp"
#include "version.hpp"

namespace tcpv::cli {

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
  --expect-states N   make the index for N states at the start, as SPIN's -w sizes its table
                      (exact storage; it grows past N as usual): no growth on the way to N
  --max-seconds S     stop after S seconds
  --max-memory MIB    stop when resident memory reaches MIB mebibytes
  --dfs               depth-first search (traces are then not shortest)
  --keep-states       keep every visited state, numbered, as --dot needs. Without it and --dot, a
                      model whose packed state fits 64 bits is stored in the key index (exact:
                      each state as its key in the hash table, only the newest level's states
                      kept; traces come from a second search that keeps them)
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
  --threads N, --max-states N, --expect-states N, --max-seconds S, --max-memory MIB
                      as for check; the limits apply to each run
  --json              print one JSON array of the runs' reports (as check --json), nothing else
  --quiet             no progress lines on stderr

exit status: 0 all properties hold, 1 a property is violated, 2 bad usage or input,
             3 a limit was reached before a verdict
             (sweep: 1 if any run has a violation, else 3 if any run hit a limit, else 0)
)";

namespace detail {

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
