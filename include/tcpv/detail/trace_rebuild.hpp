#pragma once
/// \file tcpv/detail/trace_rebuild.hpp
/// Shortest traces without parent links. The store keeps breadth-first levels as contiguous id
/// ranges; that is enough to rebuild, after the search, a shortest path from an initial state
/// to any set of targets at a known depth d:
///   1. backwards: mark the targets in level d; then, for k = d-1 down to 0, mark every state of
///      level k that has a successor marked in level k+1 (every marked state reaches a target
///      in exactly d-k steps);
///   2. forwards: take the first initial state (in `init`'s order) that is marked, then from
///      each state the first successor (in `next`'s order) that is marked in the next level.
/// The result is the least shortest path in emission order, which is the path a sequential
/// breadth-first search finds to the first target it stores. It depends on neither the
/// thread count nor the ids within a level, so reports are identical for every thread count.
/// Cost: one expansion of every state in levels 0..d-1, in parallel, on a violation only.

#include <atomic>
#include <cstdint>
#include <optional>
#include <vector>

#include "search.hpp"
#include "state_store.hpp"

namespace tcpv::detail {

/// A rebuilt path, or where the model broke its determinism contract.
struct rebuilt_path {
    std::vector<state_id> ids;  ///< from an initial state to a target; empty on failure
    /// On failure: the depth whose states no longer lead towards the targets (`init` when
    /// it is 0 and the initial states are not among the marked ones), or no_depth.
    std::size_t broken_depth = no_depth;
    bool broken_init = false;
    static constexpr std::size_t no_depth = ~std::size_t{0};
};

/// The least shortest path from an initial state to a state of level `depth` for which
/// `is_target(id, state)` holds.
template <class M, class IsTarget>
rebuilt_path rebuild_shortest(const M& m, const state_store<M>& store, std::size_t depth,
                                       const IsTarget& is_target, unsigned threads) {
    using state = typename M::state;
    using action = typename M::action;
    rebuilt_path out;
    if (depth >= store.level_count()) return out;
    const std::uint64_t n = store.level_end(store.level_count() - 1);
    std::vector<std::uint64_t> marks((n + 63) / 64, 0);
    auto mark = [&](state_id id) {
        std::atomic_ref<std::uint64_t>(marks[id / 64]).fetch_or(std::uint64_t{1} << (id % 64), std::memory_order_relaxed);
    };
    auto marked = [&](state_id id) { return (marks[id / 64] >> (id % 64)) & 1u; };
    // Marks the states of level k for which `test(id)` holds, in parallel chunks.
    auto mark_level = [&](std::size_t k, const auto& test) {
        const std::uint64_t lo = store.level_begin(k), hi = store.level_end(k);
        std::atomic<bool> any{false};
        constexpr std::uint64_t per = 1024;
        parallel_for(threads, static_cast<std::size_t>((hi - lo + per - 1) / per), [&](std::size_t c, unsigned) {
            const std::uint64_t first = lo + c * per, last = std::min(hi, first + per);
            for (std::uint64_t id = first; id < last; ++id)
                if (test(static_cast<state_id>(id))) {
                    mark(static_cast<state_id>(id));
                    any.store(true, std::memory_order_relaxed);
                }
        });
        return any.load();
    };
    auto in_level = [&](const std::optional<state_id>& id, std::size_t k) {
        return id && *id >= store.level_begin(k) && *id < store.level_end(k);
    };
    if (!mark_level(depth, [&](state_id id) { return is_target(id, store[id]); })) {
        out.broken_depth = depth;
        return out;
    }
    for (std::size_t k = depth; k-- > 0;) {
        const bool any = mark_level(k, [&](state_id id) {
            bool reaches = false;
            m.next(store[id], [&](const action&, const state& t) {
                if (reaches) return;
                const auto j = store.find(t);
                reaches = in_level(j, k + 1) && marked(*j);
            });
            return reaches;
        });
        if (!any) {
            out.broken_depth = k;
            return out;
        }
    }
    std::vector<state_id>& path = out.ids;
    m.init([&](const action&, const state& s) {
        if (!path.empty()) return;
        const auto j = store.find(s);
        if (in_level(j, 0) && marked(*j)) path.push_back(*j);
    });
    if (path.empty()) {
        out.broken_init = true;
        out.broken_depth = 0;
        return out;
    }
    for (std::size_t k = 0; k < depth; ++k) {
        state_id next = no_state;
        m.next(store[path.back()], [&](const action&, const state& t) {
            if (next != no_state) return;
            const auto j = store.find(t);
            if (in_level(j, k + 1) && marked(*j)) next = *j;
        });
        if (next == no_state) {
            out.broken_depth = k;
            path.clear();
            return out;
        }
        path.push_back(next);
    }
    return out;
}

}  // namespace tcpv::detail
