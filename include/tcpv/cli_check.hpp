#pragma once
/// \file tcpv/cli_check.hpp
/// `tcpv check MODEL [options]` and `tcpv check --all [options]`: parse the options, run one
/// model with its parameters (or every model with its defaults, as a verdict table), and write
/// the --dot, --pcap and --msc files. Part of the program's front end in cli.hpp; the options
/// are listed in its help text.
///
/// The output files are probed for writing before the run, so a long search is not lost to a
/// bad file name; --pcap and --msc remove the probe's empty file again when there is no
/// counterexample (no file means no counterexample).

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli_msc.hpp"
#include "cli_options.hpp"
#include "graphviz.hpp"
#include "registry.hpp"

namespace tcpv::cli::detail {

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

}  // namespace tcpv::cli::detail
