#pragma once
/// \file tcpv/report.hpp
/// What a check found, independent of the model's types: statistics, one verdict per property
/// with its printed trace, and the text and JSON forms that the `tcpv` program prints.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/json.hpp"
#include "property.hpp"
#include "trace.hpp"

namespace tcpv {

/// The verdict on one property. `unknown` means a search limit was reached first.
enum class verdict { holds, violated, unknown };

inline constexpr std::string_view to_string(verdict v) noexcept {
    switch (v) {
        case verdict::holds: return "holds";
        case verdict::violated: return "violated";
        case verdict::unknown: return "unknown";
    }
    return "?";
}

/// Which search limit stopped the search before every state was explored.
enum class limit_kind { none, states, memory, time, table };

inline constexpr std::string_view to_string(limit_kind l) noexcept {
    switch (l) {
        case limit_kind::none: return "none";
        case limit_kind::states: return "max-states";
        case limit_kind::memory: return "max-memory";
        case limit_kind::time: return "max-seconds";
        case limit_kind::table: return "hash-table-full";
    }
    return "?";
}

/// The search strategy.
enum class search_order { bfs, dfs };

/// Figures of one search.
struct search_stats {
    std::uint64_t states = 0;          ///< distinct states stored (initial states included)
    std::uint64_t transitions = 0;     ///< (action, successor) pairs emitted by next, duplicates included
    std::uint64_t initial_states = 0;  ///< distinct initial states
    std::uint64_t depth = 0;           ///< BFS: number of levels below the initial states; DFS: deepest path
    double seconds = 0;                ///< wall time of the search and the property analysis
    std::uint64_t peak_rss_bytes = 0;  ///< the process's peak resident memory at the end
    std::uint64_t stored_bytes = 0;    ///< bytes the visited-state storage holds
    /// Breadth-first: how often the index grew, and the wall time the workers spent parked for
    /// it (a run told its size, `expect_states`, grows only past that size).
    std::uint64_t index_growths = 0;
    double growth_seconds = 0;
    unsigned threads = 1;
    search_order order = search_order::bfs;
    limit_kind limit = limit_kind::none;  ///< the limit that stopped the search, if any
    /// Hash compaction: states were stored as 32-bit fingerprints, and the search may have
    /// missed states with at most this probability (exact storage: false, 0).
    bool hash_compaction = false;
    /// Exact storage in the key index: each state as its 64-bit packed key in the index, and
    /// only the newest level's states kept (state_store.hpp).
    bool key_index = false;
    double omission_probability = 0;  ///< hash compaction: an upper bound; bitstate: an estimate
    /// Bitstate: states were stored as k bits in an array of 2^bitstate_bits bits. The search
    /// may have missed states: expected_omissions is the estimated number of new states taken
    /// for seen ones, omission_probability = 1 - e^{-expected_omissions} the estimated
    /// probability of at least one, false_positive_rate the chance for one more new state at
    /// the end (state_store.hpp).
    bool bitstate = false;
    unsigned bitstate_bits = 0, bitstate_hashes = 0;
    double expected_omissions = 0;
    double false_positive_rate = 0;
};

/// One property's outcome. `trace` is the counterexample of a violated property, or the
/// example of a `sometimes` that holds.
struct property_summary {
    std::string name;
    property_kind kind = property_kind::always;
    verdict result = verdict::unknown;
    std::optional<text_trace> trace;
    std::string note;  ///< why a verdict is unknown, or what the counterexample shows
};

/// A whole check, in printed form.
struct report {
    std::string model;                                      ///< registered name, if any
    std::vector<std::pair<std::string, std::string>> params;  ///< name, printed value
    search_stats stats;
    std::vector<property_summary> properties;

    /// violated if any property is violated, else unknown if any is unknown, else holds.
    [[nodiscard]] verdict overall() const noexcept {
        bool unknown = false;
        for (const auto& p : properties) {
            if (p.result == verdict::violated) return verdict::violated;
            if (p.result == verdict::unknown) unknown = true;
        }
        // A search cut short proves nothing about states it did not see, even with no property.
        if (stats.limit != limit_kind::none) unknown = true;
        return unknown ? verdict::unknown : verdict::holds;
    }

    /// The `tcpv` exit status: 0 all hold, 1 a property is violated, 3 a limit came first.
    [[nodiscard]] int exit_status() const noexcept {
        switch (overall()) {
            case verdict::holds: return 0;
            case verdict::violated: return 1;
            case verdict::unknown: return 3;
        }
        return 3;
    }

    [[nodiscard]] const property_summary* find(std::string_view name) const noexcept {
        for (const auto& p : properties)
            if (p.name == name) return &p;
        return nullptr;
    }
};

/// Human-readable report: figures, then one line per property, then the traces of the
/// violated properties (`with_examples` adds the examples of `sometimes` properties).
inline void print(std::ostream& os, const report& r, bool with_examples = false) {
    const auto& s = r.stats;
    os << (r.model.empty() ? std::string("model") : r.model);
    if (!r.params.empty()) {
        os << " (";
        for (std::size_t i = 0; i < r.params.size(); ++i)
            os << (i ? " " : "") << r.params[i].first << '=' << r.params[i].second;
        os << ')';
    }
    os << ": " << s.states << " states, " << s.transitions << " transitions, depth " << s.depth << ", "
       << detail::json_number(s.seconds) << " s, " << detail::json_number(double(s.peak_rss_bytes) / (1 << 20))
       << " MiB peak";
    if (s.limit != limit_kind::none) os << ", stopped by " << to_string(s.limit);
    if (s.hash_compaction)
        os << ", hash compaction (32-bit fingerprints): probability of a missed state at most "
           << detail::json_number(s.omission_probability);
    if (s.bitstate)
        os << ", bitstate (2^" << s.bitstate_bits << " bits, " << s.bitstate_hashes
           << " hashes): probability of a missed state about " << detail::json_number(s.omission_probability)
           << " (expected missed states " << detail::json_number(s.expected_omissions) << ")";
    os << '\n';
    for (const auto& p : r.properties) {
        os << "  " << to_string(p.result) << (p.result == verdict::holds ? "    " : "  ") << to_string(p.kind)
           << ' ' << p.name;
        if (p.trace) os << "  (trace of " << p.trace->length() << " steps)";
        if (!p.note.empty()) os << "  -- " << p.note;
        os << '\n';
    }
    for (const auto& p : r.properties) {
        if (!p.trace) continue;
        if (p.result != verdict::violated && !with_examples) continue;
        os << '\n'
           << (p.result == verdict::violated ? "counterexample to " : "example of ") << to_string(p.kind) << ' '
           << p.name << ":\n";
        print(os, *p.trace);
    }
}

/// The report as one JSON object: {"model","params":{...},"states","transitions","depth",
/// "seconds","peak_rss_bytes","threads","search","limit","index_growths","growth_seconds",
/// ["storage",...],"verdict","properties":[{"name","kind","verdict","trace":[...]}]}.
/// Parameter values are printed as JSON numbers when they are integers, else as strings.
inline std::string to_json(const report& r) {
    auto is_integer = [](const std::string& v) {
        if (v.empty()) return false;
        std::size_t i = (v[0] == '-') ? 1 : 0;
        if (i == v.size()) return false;
        if (v[i] == '0' && i + 1 < v.size()) return false;  // JSON numbers have no leading zeros
        for (; i < v.size(); ++i)
            if (v[i] < '0' || v[i] > '9') return false;
        return true;
    };
    const auto& s = r.stats;
    std::string out = "{\"model\":" + detail::json_quote(r.model) + ",\"params\":{";
    for (std::size_t i = 0; i < r.params.size(); ++i) {
        if (i) out += ',';
        out += detail::json_quote(r.params[i].first) + ':' +
               (is_integer(r.params[i].second) ? r.params[i].second : detail::json_quote(r.params[i].second));
    }
    out += "},\"states\":" + std::to_string(s.states) + ",\"transitions\":" + std::to_string(s.transitions) +
           ",\"depth\":" + std::to_string(s.depth) + ",\"seconds\":" + detail::json_number(s.seconds) +
           ",\"peak_rss_bytes\":" + std::to_string(s.peak_rss_bytes) + ",\"threads\":" + std::to_string(s.threads) +
           ",\"search\":\"" + (s.order == search_order::bfs ? "bfs" : "dfs") + "\",\"limit\":" +
           (s.limit == limit_kind::none ? std::string("null") : detail::json_quote(to_string(s.limit))) +
           ",\"index_growths\":" + std::to_string(s.index_growths) +
           ",\"growth_seconds\":" + detail::json_number(s.growth_seconds) +
           (s.key_index ? std::string(",\"storage\":\"key-index\"") : std::string()) +
           (s.hash_compaction ? ",\"storage\":\"hash-compaction\",\"omission_probability\":" +
                                    detail::json_number(s.omission_probability)
                              : std::string()) +
           (s.bitstate ? ",\"storage\":\"bitstate\",\"bitstate_bits\":" + std::to_string(s.bitstate_bits) +
                             ",\"bitstate_hashes\":" + std::to_string(s.bitstate_hashes) +
                             ",\"omission_probability\":" + detail::json_number(s.omission_probability) +
                             ",\"expected_omissions\":" + detail::json_number(s.expected_omissions) +
                             ",\"false_positive_rate\":" + detail::json_number(s.false_positive_rate)
                       : std::string()) +
           ",\"verdict\":" + detail::json_quote(to_string(r.overall())) + ",\"properties\":[";
    for (std::size_t i = 0; i < r.properties.size(); ++i) {
        const auto& p = r.properties[i];
        if (i) out += ',';
        out += "{\"name\":" + detail::json_quote(p.name) + ",\"kind\":" + detail::json_quote(to_string(p.kind)) +
               ",\"verdict\":" + detail::json_quote(to_string(p.result));
        if (!p.note.empty()) out += ",\"note\":" + detail::json_quote(p.note);
        out += ",\"trace\":" + (p.trace ? steps_json(*p.trace) : std::string("[]"));
        if (p.trace) {
            out += ",\"trace_end\":" + detail::json_quote(to_string(p.trace->end));
            if (p.trace->end == trace_end::cycle) out += ",\"loop_start\":" + std::to_string(p.trace->loop_start);
        }
        out += '}';
    }
    return out + "]}";
}

}  // namespace tcpv
