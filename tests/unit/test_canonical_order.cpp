// The canonical order of explored states (tcpv/detail/canonical_order.hpp): the order in which
// a one-thread breadth-first search numbers them. Drawings and liveness lassos are built in
// this order so that they are the same for every thread count; these cases check the order
// itself against the one-thread search's ids, for two threads, depth-first search and a limit.
#include <doctest/doctest.h>

#include <tcpv/checker.hpp>
#include <tcpv/detail/canonical_order.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "graph_model.hpp"
#include "grid_model.hpp"

using tcpv_test::graph;
using tcpv_test::grid;

namespace {

// The canonical numbering of r's explored states, and every edge the walk reported.
template <class M>
struct walked {
    tcpv::detail::canonical_numbering numbering;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;  // (from, to) canonical numbers
};

template <class M>
walked<M> walk(const tcpv::result<M>& r, std::size_t limit, bool by_id = false) {
    walked<M> w;
    const auto& store = *r.explored;
    tcpv::detail::walk_canonically(r.model, store, limit, by_id, w.numbering,
                                   [&](std::uint32_t from, const typename M::state& from_state,
                                       const typename M::action&, std::uint32_t to) {
                                       // Both ends are numbered when the edge is reported.
                                       REQUIRE(from < w.numbering.order.size());
                                       CHECK(from_state == store[w.numbering.order[from]]);
                                       if (to != tcpv::detail::no_state) CHECK(to < w.numbering.order.size());
                                       w.edges.emplace_back(from, to);
                                   });
    return w;
}

// The states of r, in canonical order.
template <class M>
std::vector<typename M::state> canonical_states(const tcpv::result<M>& r) {
    const auto w = walk(r, r.explored->size());
    REQUIRE(w.numbering.order.size() == r.explored->size());
    std::vector<typename M::state> out;
    for (const auto id : w.numbering.order) {
        CHECK(w.numbering.number[id] == out.size());
        out.push_back((*r.explored)[id]);
    }
    return out;
}

// The states of r by store id.
template <class M>
std::vector<typename M::state> stored_states(const tcpv::result<M>& r) {
    std::vector<typename M::state> out;
    for (std::uint32_t id = 0; id < r.explored->size(); ++id) out.push_back((*r.explored)[id]);
    return out;
}

}  // namespace

TEST_CASE("canonical order: one thread's breadth-first ids, so one thread's drawings are unchanged") {
    // Several initial states, one emitted twice; successors met again on later levels.
    const auto m = graph(7, {3, 1, 3, 0},
                         {{3, "a", 5}, {3, "b", 1}, {1, "c", 6}, {0, "d", 2}, {0, "e", 5}, {6, "f", 4}, {2, "g", 4},
                          {4, "h", 0}, {5, "i", 5}});
    const auto r = tcpv::checker(m).threads(1).run();
    REQUIRE(r.explored->size() == 7);
    CHECK(canonical_states(r) == std::vector<std::uint32_t>{3, 1, 0, 5, 6, 2, 4});
    CHECK(canonical_states(r) == stored_states(r));

    const auto g = tcpv::checker(grid{60}).threads(1).run();
    CHECK(canonical_states(g) == stored_states(g));
    // So the walk by id (what one-thread results use) numbers and reports exactly the same.
    for (const std::size_t limit : {std::size_t{7}, std::size_t{3}}) {
        const auto queue = walk(r, limit), by_id = walk(r, limit, true);
        CHECK(by_id.numbering.order == queue.numbering.order);
        CHECK(by_id.numbering.number == queue.numbering.number);
        CHECK(by_id.edges == queue.edges);
    }
    const auto queue = walk(g, 3600), by_id = walk(g, 3600, true);
    CHECK(by_id.numbering.order == queue.numbering.order);
    CHECK(by_id.edges == queue.edges);
    const auto cut_queue = walk(g, 500), cut_by_id = walk(g, 500, true);
    CHECK(cut_by_id.edges == cut_queue.edges);
}

TEST_CASE("canonical order: the same for two threads, whose ids within a level depend on timing") {
    const grid big{200};  // 40,000 states, levels of up to 200
    const auto one = stored_states(tcpv::checker(big).threads(1).run());
    for (int run = 0; run < 3; ++run) {
        CAPTURE(run);
        const auto r2 = tcpv::checker(big).threads(2).run();
        CHECK(canonical_states(r2) == one);
    }
    // Depth-first ids are depth-first order; the canonical order is still breadth-first.
    const auto d = tcpv::checker(big).dfs().run();
    CHECK(stored_states(d) != one);
    CHECK(canonical_states(d) == one);
}

TEST_CASE("canonical order: a limit numbers and expands only the first states") {
    const auto r = tcpv::checker(grid{30}).threads(2).run();
    const auto all = walk(r, r.explored->size());
    const auto cut = walk(r, 100);
    REQUIRE(cut.numbering.order.size() == 100);
    CHECK(std::equal(cut.numbering.order.begin(), cut.numbering.order.end(), all.numbering.order.begin()));
    std::size_t unnumbered = 0;
    for (std::uint32_t id = 0; id < r.explored->size(); ++id)
        unnumbered += cut.numbering.number[id] == tcpv::detail::no_state ? 1 : 0;
    CHECK(unnumbered == 900 - 100);
    // Only the 100 numbered states are expanded, in order; an edge beyond the cut has no number.
    std::uint32_t last_from = 0, beyond = 0;
    for (const auto& [from, to] : cut.edges) {
        CHECK(from >= last_from);
        last_from = from;
        beyond += to == tcpv::detail::no_state ? 1 : 0;
    }
    CHECK(last_from == 99);
    CHECK(beyond > 0);
    // The same edges as the whole walk's, up to the cut.
    std::size_t k = 0;
    for (const auto& [from, to] : all.edges) {
        if (from >= 100) break;
        REQUIRE(k < cut.edges.size());
        CHECK(cut.edges[k].first == from);
        CHECK(cut.edges[k].second == (to < 100 ? to : tcpv::detail::no_state));
        ++k;
    }
    CHECK(k == cut.edges.size());
}
