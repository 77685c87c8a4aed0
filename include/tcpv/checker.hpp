#pragma once
/// \file tcpv/checker.hpp
/// The model checker: a builder that explores a model and decides its properties.
///
/// ```cpp
/// auto result = tcpv::checker(my_model{}).bfs().threads(2).max_seconds(60).run();
/// if (auto t = result.counterexample("mutual-exclusion")) { ... }   // a typed trace
/// tcpv::print(std::cout, result.summary());                           // text report
/// ```
///
/// The properties are the model's own (`properties()`, when it has one) and any added with
/// `check(...)`. Breadth-first search (the default) reports shortest counterexamples for safety
/// properties; the counts, depth and counterexamples are the same for every thread count and
/// every run. Depth-first search is single-threaded and its traces are not shortest. Reaching a
/// limit stops the search with verdict "unknown" for what it could not decide, never a crash.
/// Liveness (eventually, leads_to) is analysed on the whole explored graph after the search;
/// see property.hpp for its semantics and fairness.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "detail/canonical_order.hpp"
#include "detail/liveness.hpp"
#include "detail/search.hpp"
#include "detail/trace_rebuild.hpp"
#include "model.hpp"
#include "property.hpp"
#include "report.hpp"
#include "trace.hpp"

namespace tcpv {

/// Thrown when a model breaks the model contract (for example `next` is not deterministic),
/// or when a check is set up wrongly (two properties with one name). The message says which.
struct model_error : std::logic_error {
    using std::logic_error::logic_error;
};

/// One property's outcome with its typed trace.
template <model M>
struct property_result {
    std::string name;
    property_kind kind = property_kind::always;
    verdict result = verdict::unknown;
    std::optional<tcpv::trace<M>> trace;  ///< counterexample (violated) or example (sometimes, holds)
    std::string note;
};

/// Everything a run found. Holds a copy of the model and the explored states.
template <model M>
struct result {
    using state = typename M::state;
    using store_type = detail::state_store<M>;

    M model;
    search_stats stats;
    std::vector<property_result<M>> properties;
    /// The visited states, numbered in discovery order (within a level, timing decides it when
    /// several threads run; detail/canonical_order.hpp gives the one-thread order).
    std::shared_ptr<const store_type> explored;
    std::uint64_t initial_states = 0;            ///< ids [0, initial_states) are initial

    [[nodiscard]] const property_result<M>* find(std::string_view name) const noexcept {
        for (const auto& p : properties)
            if (p.name == name) return &p;
        return nullptr;
    }
    /// The counterexample of a violated property, or nothing.
    [[nodiscard]] std::optional<trace<M>> counterexample(std::string_view name) const {
        const auto* p = find(name);
        if (!p || p->result != verdict::violated) return std::nullopt;
        return p->trace;
    }
    /// The verdict of a property; throws std::out_of_range for an unknown name.
    [[nodiscard]] verdict verdict_of(std::string_view name) const {
        const auto* p = find(name);
        if (!p) throw std::out_of_range("tcpv: no property named '" + std::string(name) + "'");
        return p->result;
    }
    [[nodiscard]] bool all_hold() const { return summary().overall() == verdict::holds; }

    /// The printed, model-independent form (what `tcpv check` prints and writes as JSON).
    [[nodiscard]] report summary(std::string model_name = {},
                                 std::vector<std::pair<std::string, std::string>> params = {}) const {
        report r;
        r.model = std::move(model_name);
        r.params = std::move(params);
        r.stats = stats;
        for (const auto& p : properties) {
            property_summary s{p.name, p.kind, p.result, std::nullopt, p.note};
            if (p.trace) s.trace = p.trace->text(model);
            r.properties.push_back(std::move(s));
        }
        return r;
    }
};

template <model M>
class basic_checker {
public:
    using state = typename M::state;
    using action = typename M::action;

    explicit basic_checker(M m) : m_(std::move(m)) {
        if constexpr (has_properties<M>) props_ = m_.properties();
    }

    basic_checker& bfs() { opt_.order = search_order::bfs; return *this; }
    basic_checker& dfs() { opt_.order = search_order::dfs; return *this; }
    /// Worker threads for breadth-first search (0 means one per hardware thread).
    basic_checker& threads(unsigned n) {
        opt_.threads = n == 0 ? std::max(1u, std::thread::hardware_concurrency()) : n;
        return *this;
    }
    /// Stop after storing this many distinct states (0: no limit).
    basic_checker& max_states(std::uint64_t n) { opt_.max_states = n; return *this; }
    /// Exact storage: make the visited-state index for `n` states at the start (as SPIN's -w
    /// sizes its hash table for a run) instead of growing it from a few thousand slots. A search
    /// of known size then never stops to grow its index; past `n` states it grows as usual.
    /// Ignored by hash compaction and bitstate, whose tables are sized by their own option.
    basic_checker& expect_states(std::uint64_t n) { opt_.expected_states = n; return *this; }
    /// Stop when the process's resident memory reaches this many bytes (0: no limit).
    basic_checker& max_memory(std::uint64_t bytes) { opt_.max_memory = bytes; return *this; }
    /// Stop after this many seconds of wall time (0: no limit).
    basic_checker& max_seconds(double s) { opt_.max_seconds = s; return *this; }
    /// Hash compaction (as SPIN's -DHC with -w): a fixed table of 2^log2_slots 32-bit
    /// fingerprints instead of the states, and only the newest level's states: 4 bytes per
    /// slot. A new state whose fingerprint is met on its probe path is missed; the report
    /// bounds the probability of that. The search stops when the table is 90% full (limit
    /// "hash-table-full"). Traces are rebuilt by a second, exact search down to the depth of
    /// the violation; liveness needs exact storage and is "unknown". Breadth-first only.
    /// log2_slots 0: exact storage (the default); else 10 to 32.
    basic_checker& hash_compaction(unsigned log2_slots) {
        if (log2_slots != 0 && (log2_slots < 10 || log2_slots > 32))
            throw model_error("tcpv: hash compaction takes 10 to 32 (log2 of the table's slots), not " +
                              std::to_string(log2_slots));
        opt_.hash_compaction = log2_slots;
        return *this;
    }
    /// Bitstate (supertrace, Holzmann; as SPIN's -DBITSTATE with -w): an array of 2^log2_bits
    /// bits instead of the states, `hashes` (k) bits set per state, and only the newest level's
    /// states: 2^log2_bits / 8 bytes. A new state whose k bits are all set already is missed;
    /// the report estimates the expected number of missed states and the probability of any
    /// (state_store.hpp). There is no table to fill: the search never stops for want of room,
    /// it only misses more. Traces are rebuilt by a second, exact search down to the depth of
    /// the violation; liveness needs exact storage and is "unknown". Breadth-first only, and
    /// not together with hash compaction. log2_bits 0: exact storage (the default); else 10 to
    /// 40; hashes 1 to 16.
    basic_checker& bitstate(unsigned log2_bits, unsigned hashes = 3) {
        if (log2_bits != 0 && (log2_bits < 10 || log2_bits > 40))
            throw model_error("tcpv: bitstate takes 10 to 40 (log2 of the array's bits), not " +
                              std::to_string(log2_bits));
        if (hashes < 1 || hashes > 16)
            throw model_error("tcpv: bitstate takes 1 to 16 hashes per state, not " + std::to_string(hashes));
        opt_.bitstate = log2_bits;
        opt_.bitstate_hashes = hashes;
        return *this;
    }
    /// Whether result::explored keeps every visited state (the default). With false the checker
    /// keeps only what the verdicts need, which for a model whose packed state fits 64 bits is
    /// the key index (state_store.hpp): exact, each state once as its key in the index, and
    /// only the records of the levels being read and written, so one memory access per lookup
    /// instead of two and, for most state counts, less memory. Counts, verdicts and traces are
    /// the same: a trace is rebuilt by a second search, down to the depth of the hit, that keeps
    /// the states; result::explored is then that search's store, and otherwise holds no states
    /// worth reading (drawing the state graph needs the default). Ignored for depth-first search, with
    /// hash compaction or bitstate, for models that do not pack into 64 bits, and when a
    /// liveness property needs the graph.
    basic_checker& keep_explored(bool keep) { keep_explored_ = keep; return *this; }
    /// Print a progress line on stderr about once a second during long runs.
    basic_checker& progress(bool on = true) { opt_.progress = on; return *this; }
    /// Adds a property to those of the model.
    basic_checker& check(property<M> p) { props_.push_back(std::move(p)); return *this; }
    /// Checks only these properties (the others are dropped); unknown names throw model_error.
    basic_checker& only(const std::vector<std::string>& names) {
        std::vector<property<M>> kept;
        for (const auto& n : names) {
            auto it = std::find_if(props_.begin(), props_.end(), [&](const auto& p) { return p.name == n; });
            if (it == props_.end()) throw model_error("tcpv: the model has no property named '" + n + "'");
            kept.push_back(*it);
        }
        props_ = std::move(kept);
        return *this;
    }

    [[nodiscard]] const std::vector<property<M>>& properties() const noexcept { return props_; }
    [[nodiscard]] const M& model() const noexcept { return m_; }

    /// Explores the model and decides every property.
    [[nodiscard]] result<M> run() const {
        for (std::size_t i = 0; i < props_.size(); ++i)
            for (std::size_t j = 0; j < i; ++j)
                if (props_[i].name == props_[j].name)
                    throw model_error("tcpv: two properties are named '" + props_[i].name + "'");
        const auto start = std::chrono::steady_clock::now();
        if (opt_.hash_compaction && opt_.order == search_order::dfs)
            throw model_error("tcpv: hash compaction needs breadth-first search");
        if (opt_.bitstate && opt_.order == search_order::dfs)
            throw model_error("tcpv: bitstate needs breadth-first search");
        if (opt_.bitstate && opt_.hash_compaction)
            throw model_error("tcpv: hash compaction and bitstate are two storage modes: choose one");
        const bool inexact = opt_.hash_compaction || opt_.bitstate;
        detail::search_options first = opt_;
        first.key_index = !keep_explored_ && std::none_of(props_.begin(), props_.end(), [](const property<M>& p) {
            return p.kind == property_kind::eventually || p.kind == property_kind::leads_to;
        });
        auto compact = detail::search<M>(m_, props_, first).run();
        // With hash compaction, bitstate or the key index the states are gone: traces come
        // from an exact search that keeps them, down to the deepest first hit (it finds the
        // same levels, or a hit sooner if an inexact search missed a state).
        std::optional<detail::search_outcome<M>> exact_rerun;
        if (inexact || compact.stats.key_index) {
            std::uint64_t deepest = 0;
            bool any = false;
            for (std::size_t i = 0; i < props_.size(); ++i)
                if (compact.hit_depth[i] != detail::search_outcome<M>::no_depth) {
                    any = true;
                    deepest = std::max(deepest, compact.hit_depth[i]);
                }
            if (any) {
                detail::search_options exact = opt_;
                exact.hash_compaction = 0;
                exact.bitstate = 0;
                exact.key_index = false;
                exact.max_depth = deepest;
                exact.progress = false;
                compact.store.reset();  // its tables are not needed any more: free them first
                exact_rerun = detail::search<M>(m_, props_, exact).run();
            }
        }
        const auto& found = exact_rerun ? *exact_rerun : compact;
        result<M> r{m_, compact.stats, {}, found.store, found.initial_count};
        // The trace to the first states that hit property i: rebuilt from the levels
        // (breadth-first) or along the parent links (depth-first).
        auto hit_trace = [&](std::size_t i) {
            if (opt_.order == search_order::dfs) return path_to(*found.store, dfs_path(found.parent, found.first_hit[i]));
            const auto& p = props_[i];
            const auto rebuilt = detail::rebuild_shortest(
                m_, *found.store, found.hit_depth[i],
                [&](detail::state_id, const state& s) {
                    switch (p.kind) {
                        case property_kind::always: return !p.p(s);
                        case property_kind::sometimes: return p.p(s);
                        default: {  // deadlock_free: no successor, and not an intended end
                            bool any = false;
                            m_.next(s, [&](const action&, const state&) { any = true; });
                            return !any && !p.p(s);
                        }
                    }
                },
                found.stats.threads);
            if (rebuilt.ids.empty()) nondeterministic_rebuild(*found.store, rebuilt);
            return path_to(*found.store, rebuilt.ids);
        };
        const bool complete = compact.stats.limit == limit_kind::none;
        const std::string limit_note =
            complete ? std::string() : "the search stopped at " + std::string(to_string(compact.stats.limit));
        const std::string compaction_note =
            opt_.hash_compaction ? "hash compaction: a state may have been missed with probability at most " +
                                       detail::json_number(compact.stats.omission_probability)
            : opt_.bitstate ? "bitstate: a state may have been missed with probability about " +
                                  detail::json_number(compact.stats.omission_probability) + " (an estimate; " +
                                  detail::json_number(compact.stats.expected_omissions) + " missed states expected)"
                            : std::string();
        std::optional<detail::explored_graph> graph;
        std::vector<std::vector<detail::edge_fairness>> fairness(props_.size());
        for (std::size_t i = 0; i < props_.size(); ++i) {
            const auto& p = props_[i];
            property_result<M> pr{p.name, p.kind, verdict::unknown, std::nullopt, {}};
            const bool has_hit = opt_.order == search_order::dfs ? found.first_hit[i] != detail::no_state
                                                                : found.hit_depth[i] != detail::search_outcome<M>::no_depth;
            switch (p.kind) {
                case property_kind::always:
                case property_kind::deadlock_free:
                    if (has_hit) {
                        pr.result = verdict::violated;
                        pr.trace = hit_trace(i);
                        if (p.kind == property_kind::deadlock_free) {
                            pr.trace->end = trace_end::deadlock;
                            pr.note = "deadlock: a reachable state without successor";
                        }
                    } else {
                        pr.result = complete ? verdict::holds : verdict::unknown;
                        pr.note = complete ? compaction_note : limit_note;
                    }
                    break;
                case property_kind::sometimes:
                    if (has_hit) {
                        pr.result = verdict::holds;
                        pr.trace = hit_trace(i);
                    } else if (complete) {
                        pr.result = verdict::violated;
                        pr.note = "no reachable state satisfies it";
                        if (!compaction_note.empty()) pr.note += " (" + compaction_note + ")";
                    } else {
                        pr.note = limit_note;
                    }
                    break;
                case property_kind::eventually:
                case property_kind::leads_to:
                    if (!complete) {
                        pr.note = limit_note + "; liveness needs the whole graph";
                        break;
                    }
                    if (inexact) {
                        pr.note = std::string("liveness needs the whole graph: check it with exact storage (no ") +
                                  (opt_.bitstate ? "bitstate" : "hash compaction") + ")";
                        break;
                    }
                    if (!graph) graph = build_graph(*found.store, found.stats.threads == 1, fairness);
                    if (auto l = find_lasso(found, *graph, p, fairness[i])) {
                        pr.result = verdict::violated;
                        pr.trace = std::move(*l);
                        pr.note = pr.trace->end == trace_end::cycle ? "a reachable cycle that never reaches the goal"
                                                                    : "a path to a deadlock that never reaches the goal";
                        if (pr.trace->end == trace_end::cycle && !p.fairness_assumptions.empty())
                            pr.note += " (fair under the stated assumptions)";
                    } else {
                        pr.result = verdict::holds;
                    }
                    break;
            }
            r.properties.push_back(std::move(pr));
        }
        r.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        r.stats.peak_rss_bytes = detail::peak_rss_bytes();
        return r;
    }

private:
    using store_t = detail::state_store<M>;
    using id_type = detail::state_id;

    [[noreturn]] void nondeterministic(std::string_view where, const state& from) const {
        throw model_error("tcpv: the model is not deterministic: " + std::string(where) +
                          " no longer emits a transition it emitted during the search (from state " +
                          to_text(m_, from) + "); init and next must emit the same pairs every time");
    }

    // A trace could not be rebuilt: init or next emit something else than during the search.
    [[noreturn]] void nondeterministic_rebuild(const store_t& store, const detail::rebuilt_path& r) const {
        if (r.broken_init) nondeterministic("init", store[0]);
        const std::size_t d = r.broken_depth;
        if (d < store.level_count() && store.level_end(d) - store.level_begin(d) == 1)
            nondeterministic("next", store[store.level_begin(d)]);
        throw model_error("tcpv: the model is not deterministic: rebuilding a trace, next no longer emits the "
                          "transitions it emitted during the search from the states at depth " + std::to_string(d) +
                          "; init and next must emit the same pairs every time");
    }

    // The ids from an initial state to `id` along depth-first parent links.
    static std::vector<id_type> dfs_path(const std::vector<id_type>& parent, id_type id) {
        std::vector<id_type> ids;
        for (id_type v = id; v != detail::no_state; v = parent[v]) ids.push_back(v);
        std::reverse(ids.begin(), ids.end());
        return ids;
    }
    // The path to state `id`: the least shortest one (breadth-first) or the tree path (depth-first).
    std::vector<id_type> path_ids(const detail::search_outcome<M>& found, id_type id) const {
        if (opt_.order == search_order::dfs) return dfs_path(found.parent, id);
        const auto& store = *found.store;
        auto rebuilt = detail::rebuild_shortest(
            m_, store, store.depth_of(id), [id](detail::state_id v, const state&) { return v == id; },
            found.stats.threads);
        if (rebuilt.ids.empty()) nondeterministic_rebuild(store, rebuilt);
        return std::move(rebuilt.ids);
    }

    // The trace along `ids` (from an initial state), with actions recovered by calling
    // init/next again (the first emission that produces the next state, as in the search).
    trace<M> path_to(const store_t& store, const std::vector<id_type>& ids) const {
        trace<M> t;
        t.steps.reserve(ids.size());
        // Steps are appended from inside the callbacks: no optional<action> (GCC 12 warns
        // falsely about optional's payload being uninitialized).
        bool found = false;
        const state first = store[ids[0]];
        m_.init([&](const action& a, const state& s) {
            if (!found && s == first) {
                t.steps.push_back({a, s});
                found = true;
            }
        });
        if (!found) nondeterministic("init", first);
        for (std::size_t i = 1; i < ids.size(); ++i) {
            found = false;
            const state want = store[ids[i]];
            const state from = store[ids[i - 1]];
            m_.next(from, [&](const action& a, const state& s) {
                if (!found && s == want) {
                    t.steps.push_back({a, want});
                    found = true;
                }
            });
            if (!found) nondeterministic("next", from);
        }
        return t;
    }

    // The whole explored graph, numbered canonically (canonical_order.hpp: so the lasso found on
    // it is the same for every thread count; a one-thread search's ids, `store_ids_in_order`,
    // are walked as they are), and the fairness keys of every liveness property's assumptions.
    detail::explored_graph build_graph(const store_t& store, bool store_ids_in_order,
                                       std::vector<std::vector<detail::edge_fairness>>& fairness) const {
        detail::explored_graph g;
        g.n = static_cast<std::uint32_t>(store.size());
        g.offset.assign(g.n + 1, 0);
        // Interned action values for the `each` forms: printed text, then == among equal texts.
        std::unordered_map<std::string, std::vector<std::pair<action, std::uint32_t>>> interned;
        std::uint32_t next_key = 1;
        auto key_of = [&](const action& a) {
            auto& bucket = interned[to_text(m_, a)];
            for (const auto& [b, k] : bucket)
                if (b == a) return k;
            bucket.emplace_back(a, next_key);
            return next_key++;
        };
        for (std::size_t i = 0; i < props_.size(); ++i)
            if (is_liveness(props_[i].kind))
                for (const auto& f : props_[i].fairness_assumptions) fairness[i].push_back({f.strength, {}});
        std::uint32_t started = 0;  // offset[0..started] are set
        detail::canonical_numbering c;
        auto add_edge = [&](std::uint32_t from, const state& from_state, const action& a, std::uint32_t to) {
            if (to == detail::no_state) nondeterministic("next", from_state);
            while (started < from) g.offset[++started] = g.target.size();
            g.target.push_back(to);
            for (std::size_t i = 0; i < props_.size(); ++i)
                for (std::size_t j = 0; j < fairness[i].size(); ++j) {
                    const auto& f = props_[i].fairness_assumptions[j];
                    fairness[i][j].key.push_back(!f.in_class(a) ? 0u : f.each_action ? key_of(a) : 1u);
                }
        };
        detail::walk_canonically(m_, store, g.n, store_ids_in_order, c, add_edge);
        while (started < g.n) g.offset[++started] = g.target.size();
        if (c.order.size() < g.n)
            for (std::uint32_t id = 0; id < g.n; ++id)
                if (c.number[id] == detail::no_state)
                    throw model_error("tcpv: the model is not deterministic: init and next no longer reach state " +
                                      to_text(m_, store[id]) + ", which the search reached; init and next must emit "
                                      "the same pairs every time");
        g.store_id = std::move(c.order);
        return g;
    }

    std::optional<trace<M>> find_lasso(const detail::search_outcome<M>& found, const detail::explored_graph& g,
                                       const property<M>& p, const std::vector<detail::edge_fairness>& fair) const {
        const auto& store = *found.store;
        const std::uint64_t initial_count = found.initial_count;
        std::vector<char> goal(g.n);
        const auto& q = p.goal();
        for (std::uint32_t v = 0; v < g.n; ++v) goal[v] = q(store[g.store_id[v]]) ? 1 : 0;
        std::vector<std::uint32_t> triggers;
        if (p.kind == property_kind::eventually) {
            for (std::uint32_t v = 0; v < initial_count; ++v) triggers.push_back(v);
        } else {
            for (std::uint32_t v = 0; v < g.n; ++v)
                if (!goal[v] && p.p(store[g.store_id[v]])) triggers.push_back(v);
        }
        detail::lasso_finder finder(g, goal, fair);
        const auto l = finder.find(triggers);
        if (!l) return std::nullopt;
        trace<M> t = path_to(store, path_ids(found, g.store_id[l->start]));
        const std::size_t offset = t.steps.size() - 1;  // the walk starts at the trace's last step
        for (const std::uint64_t e : l->edges) {
            const auto u = static_cast<std::uint32_t>(
                std::upper_bound(g.offset.begin(), g.offset.end(), e) - g.offset.begin() - 1);
            const std::uint64_t k = e - g.offset[u];
            std::uint64_t seen = 0;
            bool found = false;
            m_.next(store[g.store_id[u]], [&](const action& a, const state& s) {
                if (seen++ == k && s == store[g.store_id[g.target[e]]]) {
                    t.steps.push_back({a, s});
                    found = true;
                }
            });
            if (!found) nondeterministic("next", store[g.store_id[u]]);
        }
        t.end = l->end;
        t.loop_start = offset + l->loop_start;
        return t;
    }

    M m_;
    std::vector<property<M>> props_;
    detail::search_options opt_;
    bool keep_explored_ = true;
};

namespace detail {
// Readable errors for a type that is not a model: one static_assert per requirement.
template <class M>
constexpr bool diagnose_model() {
    if constexpr (!requires { typename M::state; }) {
        static_assert(requires { typename M::state; }, "tcpv: a model needs a nested type `state`");
        return false;
    } else if constexpr (!requires { typename M::action; }) {
        static_assert(requires { typename M::action; }, "tcpv: a model needs a nested type `action`");
        return false;
    } else {
        using S = typename M::state;
        using A = typename M::action;
        static_assert(std::regular<S>, "tcpv: the model's `state` must be regular (copyable, default-constructible, ==)");
        static_assert(hashable<S>, "tcpv: the model's `state` must be hashable: trivially copyable without padding, or with std::hash");
        static_assert(std::copy_constructible<A> && std::equality_comparable<A>,
                      "tcpv: the model's `action` must be copyable and equality-comparable");
        static_assert(printable_by<M, S>, "tcpv: states must be printable: a member print(std::ostream&, const state&) const, or operator<<");
        static_assert(printable_by<M, A>, "tcpv: actions must be printable: a member print(std::ostream&, const action&) const, or operator<<");
        static_assert(requires(const M& m, emitter_archetype<A, S> e) { m.init(e); },
                      "tcpv: a model needs `void init(auto&& emit) const` that calls emit(action, state) for each initial state");
        static_assert(requires(const M& m, const S& s, emitter_archetype<A, S> e) { m.next(s, e); },
                      "tcpv: a model needs `void next(const state&, auto&& emit) const` that calls emit(action, successor)");
        return model<M>;
    }
}
}  // namespace detail

/// Starts a check of model `m` (a copy is kept). A type that is not a `model` gets one
/// readable error naming the missing requirement.
template <class M>
auto checker(M m) {
    if constexpr (detail::diagnose_model<M>())
        return basic_checker<M>(std::move(m));
    else
        return 0;  // unreachable: diagnose_model has already failed a static_assert
}

}  // namespace tcpv
