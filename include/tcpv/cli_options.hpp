#pragma once
/// \file tcpv/cli_options.hpp
/// What every command of the `tcpv` program (cli.hpp) shares: the exit codes, `usage_error`,
/// the option parsers (whole numbers, seconds, `NAME=VALUE`, and the search options of check
/// and sweep: --threads, --max-states, --expect-states, --max-seconds, --max-memory, --quiet, --keep-states,
/// --hash-compact, --bitstate, --bitstate-hashes),
/// looking a model up by name, and combining the exit status of several runs. Part of the
/// program's front end in cli.hpp (whose file comment gives the meaning of each exit status).

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "registry.hpp"

namespace tcpv::cli {

inline constexpr int exit_holds = 0;
inline constexpr int exit_violated = 1;
inline constexpr int exit_usage = 2;
inline constexpr int exit_unknown = 3;

/// A usage or input error: printed as "tcpv: <message>", exit status 2.
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

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

/// The search and storage options that check and sweep share (see the file comment). Returns
/// false when args[i] is none of them.
inline bool parse_search_option(const std::vector<std::string_view>& args, std::size_t& i, run_options& run) {
    const std::string_view arg = args[i];
    if (arg == "--threads") {
        run.threads = static_cast<unsigned>(parse_count(arg, option_value(args, i), 0, 1024));
        if (run.threads == 0) run.threads = std::max(1u, std::thread::hardware_concurrency());
    } else if (arg == "--max-states") {
        run.max_states = parse_count(arg, option_value(args, i), 1, tcpv::detail::max_stored_states);
    } else if (arg == "--expect-states") {
        run.expected_states = parse_count(arg, option_value(args, i), 1, tcpv::detail::max_stored_states);
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
    } else if (arg == "--keep-states") {
        run.keep_explored = true;
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

}  // namespace detail

}  // namespace tcpv::cli
