#pragma once
/// \file tcpv/projection.hpp
/// An explored state graph too large to draw, projected onto a small abstraction of its states
/// (for the TCP models: the pair of endpoint states, "FIN-WAIT-1 / CLOSE-WAIT"), with a
/// counterexample's projected path highlighted.
///
/// A model opts in by providing `state_projection(model, state)`, found by argument-dependent
/// lookup and returning the projected label (a string). Nodes are the distinct labels; an edge
/// joins two labels when some explored transition does, labelled with the first such action
/// (in exploration order) and how many transitions it stands for. Transitions that keep the
/// projection (a segment lost, a timer ticking in the same pair of states) are not drawn; the
/// node says how many states it stands for. Output is deterministic: nodes in order of first
/// discovery, edges in exploration order.

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "checker.hpp"
#include "detail/canonical_order.hpp"
#include "graphviz.hpp"

namespace tcpv {

/// A model whose explored graph can be projected (see the file comment).
template <class M>
concept projects_states = requires(const M& m, const typename M::state& s) {
    { state_projection(m, s) } -> std::convertible_to<std::string>;
};

namespace graphviz {

/// The projected graph of `r` as DOT; `highlight` (a trace of the same model) is drawn red.
template <model M>
    requires projects_states<M>
std::string projected_graph(const result<M>& r, const std::type_identity_t<trace<M>>* highlight = nullptr,
                            const graph_options& opt = {}) {
    using state = typename M::state;
    using action = typename M::action;
    const auto& store = *r.explored;
    const std::size_t n = store.size();
    // Nodes in order of first discovery and edges in exploration order, both in the order of
    // a one-thread breadth-first search (detail/canonical_order.hpp): the same for every thread
    // count. A state's node is known when the walk numbers it, before any edge into it.
    std::vector<std::string> labels;          // node index -> label, in order of first discovery
    std::map<std::string, std::size_t> index;  // label -> node index
    std::vector<std::size_t> members, node_of;  // node_of: canonical number -> node index
    node_of.reserve(n);
    struct edge_info {
        std::string first_action;
        std::size_t count = 0;
        std::size_t order = 0;
    };
    std::map<std::pair<std::size_t, std::size_t>, edge_info> edges;
    tcpv::detail::canonical_numbering c;
    auto place = [&](std::uint32_t k) {  // gives every newly numbered state its node
        while (node_of.size() <= k) {
            const std::string l = state_projection(r.model, store[c.order[node_of.size()]]);
            auto [it, fresh] = index.emplace(l, labels.size());
            if (fresh) {
                labels.push_back(l);
                members.push_back(0);
            }
            ++members[it->second];
            node_of.push_back(it->second);
        }
    };
    auto add_edge = [&](std::uint32_t from, const state&, const action& a, std::uint32_t to) {
        if (to == tcpv::detail::no_state) return;
        place(std::max(from, to));
        if (node_of[to] == node_of[from]) return;
        auto [it, fresh] = edges.try_emplace({node_of[from], node_of[to]});
        if (fresh) {
            it->second.first_action = to_text(r.model, a);
            it->second.order = edges.size();
        }
        ++it->second.count;
    };
    tcpv::detail::walk_canonically(r.model, store, n, r.stats.threads == 1, c, add_edge);
    if (!c.order.empty()) place(static_cast<std::uint32_t>(c.order.size() - 1));  // states without edges
    std::set<std::size_t> hot_nodes;
    std::set<std::pair<std::size_t, std::size_t>> hot_edges;
    if (highlight) {
        std::optional<std::size_t> prev;
        for (const auto& step : highlight->steps) {
            const auto id = store.find(step.st);
            if (!id || c.number[*id] == tcpv::detail::no_state) break;
            const std::size_t node = node_of[c.number[*id]];
            hot_nodes.insert(node);
            if (prev && *prev != node) hot_edges.insert({*prev, node});
            prev = node;
        }
    }
    std::vector<std::pair<std::size_t, std::pair<std::size_t, std::size_t>>> ordered;
    for (const auto& [key, e] : edges) ordered.push_back({e.order, key});
    std::sort(ordered.begin(), ordered.end());

    std::ostringstream os;
    os << "digraph tcpv {\n"
       << "  graph [rankdir=TB, fontname=\"Helvetica\", labelloc=t, label="
       << quote((opt.title.empty() ? std::string() : opt.title + "\n") + std::to_string(n) + " states projected onto " +
                std::to_string(labels.size()) + "; transitions inside one projection not drawn")
       << "];\n"
       << "  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n"
       << "  edge [fontname=\"Helvetica\", fontsize=9];\n";
    for (std::size_t i = 0; i < labels.size(); ++i) {
        os << "  p" << i << " [label="
           << quote(labels[i] + "\n(" + std::to_string(members[i]) + (members[i] == 1 ? " state)" : " states)"));
        if (i == 0) os << ", penwidth=2";
        if (hot_nodes.count(i)) os << ", color=red, fontcolor=red, penwidth=2.5";
        os << "];\n";
    }
    for (const auto& [order, key] : ordered) {
        const edge_info& e = edges.at(key);
        std::string label = e.first_action;
        if (e.count > 1) label += "\n(" + std::to_string(e.count) + " transitions)";
        os << "  p" << key.first << " -> p" << key.second << " [label=" << quote(label);
        if (hot_edges.count(key)) os << ", color=red, fontcolor=red, penwidth=2.5";
        os << "];\n";
    }
    os << "}\n";
    return os.str();
}

}  // namespace graphviz
}  // namespace tcpv
