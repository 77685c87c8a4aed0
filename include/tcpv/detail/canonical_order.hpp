#pragma once
/// \file tcpv/detail/canonical_order.hpp
/// The explored states in canonical order: the order in which a one-thread breadth-first search
/// numbers them (initial states in the order `init` emits them, then level by level, each
/// state's new successors in the order `next` emits them).
///
/// With several threads the store's ids within a level depend on timing (search.hpp). Whatever
/// is reported from the whole explored graph (the state graph and its projection, a liveness
/// property's lasso) walks the states in this order instead of by id, so that it is the same
/// for every thread count. A one-thread search's ids are already this order (breadth-first) or
/// deterministic (depth-first), and are walked as they are.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "state_store.hpp"

namespace tcpv::detail {

/// Canonical numbers of stored states: `order[c]` is the store id of the c-th state, `number[id]`
/// the canonical number of store id `id` (`no_state` when the walk did not number it).
struct canonical_numbering {
    std::vector<state_id> order;
    std::vector<std::uint32_t> number;
};

/// Walks the stored states of `m` in canonical order and numbers them into `c`. At most `limit`
/// states are numbered, and only numbered states are expanded. For every transition of an
/// expanded state, in walk order, calls `edge(from, from_state, action, to)` with canonical
/// numbers; `to` is `no_state` when the successor is not stored or was not numbered (beyond
/// `limit`). `edge` may read `c`: both ends are numbered when it is called. A stored state
/// that no numbered state reaches (possible only for a model whose init or next changed since
/// the search) is left unnumbered: callers that need every state compare `c.order.size()` with
/// the store's size.
///
/// `ids_in_order`: the search ran on one thread, so its ids are already the same every time
/// (breadth-first, they are the canonical numbers; depth-first, its own order). The walk then
/// goes by id, with the same calls in the same order and no queue: reading a kept store's
/// states in breadth-first order rather than by id made the check of `close` with cap=3
/// (159,828 states, a liveness graph) 20% slower.
template <class M, class Store, class Edge>
void walk_canonically(const M& m, const Store& store, std::size_t limit, bool ids_in_order, canonical_numbering& c,
                      Edge&& edge) {
    using action = typename M::action;
    using state = typename M::state;
    const std::size_t n = store.size();
    if (limit > n) limit = n;
    c.order.clear();
    c.order.reserve(limit);
    c.number.assign(n, no_state);
    if (ids_in_order) {
        for (std::uint32_t id = 0; id < limit; ++id) {
            c.order.push_back(id);
            c.number[id] = id;
        }
        for (std::uint32_t from = 0; from < limit; ++from) {
            const state from_state = store[from];
            m.next(from_state, [&](const action& a, const state& s) {
                const auto id = store.find(s);
                edge(from, from_state, a, id && *id < limit ? *id : no_state);
            });
        }
        return;
    }
    // Numbers a stored state on first sight (while there is room); its number or no_state.
    auto visit = [&](const state& s) -> std::uint32_t {
        const auto id = store.find(s);
        if (!id) return no_state;
        std::uint32_t& k = c.number[*id];
        if (k == no_state && c.order.size() < limit) {
            k = static_cast<std::uint32_t>(c.order.size());
            c.order.push_back(*id);
        }
        return k;
    };
    m.init([&](const action&, const state& s) { visit(s); });
    // The numbered states are the queue: they are expanded in the order they were numbered.
    for (std::uint32_t from = 0; from < c.order.size(); ++from) {
        const state from_state = store[c.order[from]];
        m.next(from_state, [&](const action& a, const state& s) { edge(from, from_state, a, visit(s)); });
    }
}

}  // namespace tcpv::detail
