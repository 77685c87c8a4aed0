#pragma once
/// \file pan_output.hpp
/// Reads the figures that a SPIN verifier (pan, SPIN 6.x) prints at the end of a search, for the
/// benchmark (bench_teardown.cpp) and its test (test_bench_smoke.cpp).
///
/// pan prints its counts with printf("%9.8g"): exact up to 99,999,999, in exponent notation with
/// 8 significant digits above that. A count read from exponent notation is therefore only known
/// to within half a unit of its 8th digit; `count::resolution` says how far off it may be, and
/// `count::matches` compares with that tolerance (0 for the usual exactly printed figures).
///
/// Multi-core modes: with -DNCORE=N the search ends with cpu0 adding every core's figures
/// together and printing one summary; with -DBFS_PAR the summary is also one block of totals.
/// Should a pan print one summary block per core instead, the blocks are added up here
/// (`summary_blocks` tells how many there were).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace tcpv_bench {

struct pan_count {
    double value = 0;
    double resolution = 0;  ///< largest possible distance from the true count (printing precision)
    [[nodiscard]] bool matches(std::uint64_t expected) const {
        return std::fabs(value - static_cast<double>(expected)) <= resolution;
    }
    [[nodiscard]] std::string text() const {
        std::ostringstream os;
        os.precision(resolution == 0 ? 17 : 8);
        os << value;
        return resolution == 0 ? os.str() : "~" + os.str();
    }
};

struct pan_result {
    bool has_summary = false;      ///< the "states, stored" line was found
    int summary_blocks = 0;        ///< how many summaries were added up (see the file comment)
    pan_count stored, matched, transitions;
    std::uint64_t errors = 0;      ///< assertion violations reported (-c0 keeps counting)
    std::uint64_t depth_reached = 0;
    int state_vector_bytes = 0;
    std::optional<double> pan_seconds;  ///< pan's own "elapsed time" (the largest one printed)
    bool depth_too_small = false;       ///< "max search depth too small": states were cut off
    bool incomplete = false;            ///< "Search not completed"
    bool out_of_memory = false;         ///< pan ran out of memory (MEMLIM or the system)
    bool assertion_violated = false;    ///< "assertion violated" was printed
    bool hash_compact = false;          ///< states stored as hash-compact signatures (BFS_PAR)
};

namespace pan_detail {

/// The number that ends just before `pos` in `line` (skipping blanks), as pan printed it.
inline std::optional<pan_count> number_before(std::string_view line, std::size_t pos) {
    std::size_t end = pos;
    while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t')) --end;
    std::size_t begin = end;
    while (begin > 0 && line[begin - 1] != ' ' && line[begin - 1] != '\t') --begin;
    const std::string text(line.substr(begin, end - begin));
    if (text.empty()) return std::nullopt;
    try {
        std::size_t used = 0;
        const double v = std::stod(text, &used);
        if (used != text.size()) return std::nullopt;
        pan_count c{v, 0};
        const auto e = text.find_first_of("eE");
        if (e != std::string::npos) {
            // d.ddddddde+XX: 8 significant digits, so the last one is worth 10^(XX-7).
            const int exponent = std::stoi(text.substr(e + 1));
            const std::size_t dot = text.find('.');
            const int decimals = dot == std::string::npos || dot > e ? 0 : static_cast<int>(e - dot - 1);
            c.resolution = 0.5 * std::pow(10.0, exponent - decimals);
        }
        return c;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

inline void add(pan_count& sum, const pan_count& c) {
    sum.value += c.value;
    sum.resolution += c.resolution;
}

inline std::uint64_t integer_after(std::string_view line, std::string_view key) {
    const auto at = line.find(key);
    if (at == std::string_view::npos) return 0;
    std::uint64_t v = 0;
    for (std::size_t i = at + key.size(); i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i)
        v = v * 10 + static_cast<std::uint64_t>(line[i] - '0');
    return v;
}

}  // namespace pan_detail

/// The figures in pan's standard output (stderr need not be included).
inline pan_result parse_pan_output(std::string_view out) {
    using namespace pan_detail;
    pan_result r;
    std::size_t start = 0;
    while (start < out.size()) {
        std::size_t nl = out.find('\n', start);
        if (nl == std::string_view::npos) nl = out.size();
        const std::string_view line = out.substr(start, nl - start);
        start = nl + 1;

        if (auto p = line.find("states, stored"); p != std::string_view::npos) {
            if (auto c = number_before(line, p)) {
                add(r.stored, *c);
                r.has_summary = true;
                ++r.summary_blocks;
            }
        } else if (auto p = line.find("states, matched"); p != std::string_view::npos) {
            if (auto c = number_before(line, p)) add(r.matched, *c);
        } else if (auto p = line.find("transitions (="); p != std::string_view::npos) {
            if (auto c = number_before(line, p)) add(r.transitions, *c);
        } else if (line.starts_with("State-vector ")) {
            r.state_vector_bytes = static_cast<int>(integer_after(line, "State-vector "));
            r.depth_reached = std::max(r.depth_reached, integer_after(line, "depth reached "));
            r.errors += integer_after(line, "errors: ");
        } else if (auto p = line.find("elapsed time "); p != std::string_view::npos) {
            try {
                const double s = std::stod(std::string(line.substr(p + 13)));
                if (!r.pan_seconds || s > *r.pan_seconds) r.pan_seconds = s;
            } catch (const std::exception&) {
            }
        }
        if (line.find("max search depth too small") != std::string_view::npos) r.depth_too_small = true;
        if (line.find("Search not completed") != std::string_view::npos) r.incomplete = true;
        if (line.find("out of memory") != std::string_view::npos ||
            line.find("reached -DMEMLIM bound") != std::string_view::npos)
            r.out_of_memory = true;
        if (line.find("assertion violated") != std::string_view::npos) r.assertion_violated = true;
        if (line.starts_with("Hash-Compact")) r.hash_compact = true;
    }
    return r;
}

}  // namespace tcpv_bench
