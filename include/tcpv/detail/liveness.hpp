#pragma once
/// \file tcpv/detail/liveness.hpp
/// Liveness on an explored graph: finds a fair lasso (or a deadlock) that avoids a goal.
///
/// Given the graph, the goal states and the trigger states (initial states for `eventually`,
/// p-and-not-q states for `leads_to`), the *pending* region is every state reachable from a
/// trigger through non-goal states. A counterexample exists iff the pending region holds a
/// deadlock (no successor at all) or a fair cycle. Fair cycles are found on strongly connected
/// components (Tarjan), refined for strong fairness by the Emerson-Lei decomposition:
/// - weak: a component in which some action (class) is enabled everywhere and never taken
///   inside has no fair cycle at all (every cycle in it keeps the action enabled);
/// - strong: states where an action enabled somewhere but never taken inside is enabled are
///   removed, and the rest is split into components again;
/// - a component passing both tests has a fair cycle: one through all its states and edges.

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "../property.hpp"
#include "../trace.hpp"

namespace tcpv::detail {

/// The explored graph in compressed rows: the edges of vertex v are offset[v]..offset[v+1]-1,
/// in the order `next` emitted them. Vertices are numbered canonically (canonical_order.hpp);
/// vertex v is the store's state store_id[v].
struct explored_graph {
    std::uint32_t n = 0;
    std::vector<std::uint32_t> store_id;
    std::vector<std::uint64_t> offset;
    std::vector<std::uint32_t> target;
    [[nodiscard]] std::uint64_t begin(std::uint32_t v) const { return offset[v]; }
    [[nodiscard]] std::uint64_t end(std::uint32_t v) const { return offset[v + 1]; }
};

/// One fairness assumption resolved on the graph: key[e] is 0 when edge e's action is outside
/// the class, else the action's class key (1 for a whole class; a distinct key per action
/// value for the `each` forms).
struct edge_fairness {
    fairness_strength strength = fairness_strength::weak;
    std::vector<std::uint32_t> key;
};

/// A counterexample in graph terms: from trigger state `start`, follow `edges`; the walk ends in
/// a deadlock or (cycle) returns to the state at position `loop_start` of the walk.
struct lasso {
    std::uint32_t start = 0;
    std::vector<std::uint64_t> edges;
    trace_end end = trace_end::deadlock;
    std::size_t loop_start = 0;
};

class lasso_finder {
public:
    lasso_finder(const explored_graph& g, const std::vector<char>& goal, const std::vector<edge_fairness>& fair)
        : g_(g), goal_(goal), fair_(fair) {}

    /// The first counterexample in breadth-first order from the triggers, or nothing.
    std::optional<lasso> find(const std::vector<std::uint32_t>& triggers) {
        const std::uint32_t n = g_.n;
        index_.assign(n, unvisited);
        low_.assign(n, 0);
        on_stack_.assign(n, 0);
        pending_.assign(n, 0);
        via_.assign(n, none64);
        std::vector<std::uint32_t> order;
        for (const std::uint32_t t : triggers) {
            if (goal_[t] || pending_[t]) continue;
            pending_[t] = 1;
            order.push_back(t);
        }
        for (std::size_t head = 0; head < order.size(); ++head) {
            const std::uint32_t v = order[head];
            for (std::uint64_t e = g_.begin(v); e < g_.end(v); ++e) {
                const std::uint32_t w = g_.target[e];
                if (goal_[w] || pending_[w]) continue;
                pending_[w] = 1;
                via_[w] = e;
                order.push_back(w);
            }
        }
        if (order.empty()) return std::nullopt;

        // bad_[v]: 0 fine, 1 deadlock, k+2 member of fair set k.
        bad_.assign(n, 0);
        fair_sets_.clear();
        for (const std::uint32_t v : order)
            if (g_.begin(v) == g_.end(v)) bad_[v] = 1;
        in_set_.assign(n, 0);
        token_ = 0;
        std::vector<std::vector<std::uint32_t>> work = components(order, [&](std::uint32_t v) { return pending_[v] != 0; });
        while (!work.empty()) {
            std::vector<std::uint32_t> c = std::move(work.back());
            work.pop_back();
            refine(std::move(c), work);
        }
        for (const std::uint32_t b : order) {
            if (bad_[b] == 0) continue;
            lasso out;
            std::vector<std::uint64_t> prefix;
            std::uint32_t v = b;
            while (via_[v] != none64) {
                prefix.push_back(via_[v]);
                v = source_of(via_[v]);
            }
            out.start = v;
            out.edges.assign(prefix.rbegin(), prefix.rend());
            if (bad_[b] == 1) {
                out.end = trace_end::deadlock;
            } else {
                out.end = trace_end::cycle;
                out.loop_start = out.edges.size();
                const auto cycle = fair_cycle(b, fair_sets_[bad_[b] - 2]);
                out.edges.insert(out.edges.end(), cycle.begin(), cycle.end());
            }
            return out;
        }
        return std::nullopt;
    }

private:
    static constexpr std::uint64_t none64 = ~0ull;

    std::uint32_t source_of(std::uint64_t e) const {
        // offset is non-decreasing: the source is the last v with offset[v] <= e.
        const auto it = std::upper_bound(g_.offset.begin(), g_.offset.end(), e);
        return static_cast<std::uint32_t>((it - g_.offset.begin()) - 1);
    }

    // Nontrivial strongly connected components (size > 1, or a self-loop) of the subgraph of
    // `nodes` where member(v) holds. Iterative Tarjan.
    template <class Member>
    std::vector<std::vector<std::uint32_t>> components(const std::vector<std::uint32_t>& nodes, const Member& member) {
        std::vector<std::vector<std::uint32_t>> out;
        for (const std::uint32_t v : nodes) index_[v] = unvisited;
        std::vector<std::uint32_t> stack;
        struct frame {
            std::uint32_t v;
            std::uint64_t e;
        };
        std::vector<frame> calls;
        std::uint32_t counter = 0;
        for (const std::uint32_t root : nodes) {
            if (index_[root] != unvisited) continue;
            calls.push_back({root, g_.begin(root)});
            index_[root] = low_[root] = counter++;
            stack.push_back(root);
            on_stack_[root] = 1;
            while (!calls.empty()) {
                frame& f = calls.back();
                if (f.e < g_.end(f.v)) {
                    const std::uint32_t w = g_.target[f.e++];
                    if (!member(w)) continue;
                    if (index_[w] == unvisited) {
                        index_[w] = low_[w] = counter++;
                        stack.push_back(w);
                        on_stack_[w] = 1;
                        calls.push_back({w, g_.begin(w)});
                    } else if (on_stack_[w]) {
                        low_[f.v] = std::min(low_[f.v], index_[w]);
                    }
                    continue;
                }
                const std::uint32_t v = f.v;
                calls.pop_back();
                if (!calls.empty()) low_[calls.back().v] = std::min(low_[calls.back().v], low_[v]);
                if (low_[v] != index_[v]) continue;
                std::vector<std::uint32_t> comp;
                std::uint32_t w;
                do {
                    w = stack.back();
                    stack.pop_back();
                    on_stack_[w] = 0;
                    comp.push_back(w);
                } while (w != v);
                bool nontrivial = comp.size() > 1;
                if (!nontrivial)
                    for (std::uint64_t e = g_.begin(v); e < g_.end(v); ++e)
                        if (g_.target[e] == v) nontrivial = true;
                if (nontrivial) {
                    std::sort(comp.begin(), comp.end());
                    out.push_back(std::move(comp));
                }
            }
        }
        return out;
    }

    // Decides whether component c holds a fair cycle; pushes sub-components to `work` when
    // strong fairness removes states.
    void refine(std::vector<std::uint32_t> c, std::vector<std::vector<std::uint32_t>>& work) {
        const std::uint32_t tok = ++token_;
        for (const std::uint32_t v : c) in_set_[v] = tok;
        std::vector<char> removed_mark;
        std::unordered_set<std::uint32_t> removed;
        for (const auto& f : fair_) {
            // enabled[key] = number of states of c where the key is enabled; taken = inside c.
            std::unordered_map<std::uint32_t, std::uint32_t> enabled;
            std::unordered_set<std::uint32_t> taken;
            for (const std::uint32_t v : c) {
                std::unordered_set<std::uint32_t> here;
                for (std::uint64_t e = g_.begin(v); e < g_.end(v); ++e) {
                    const std::uint32_t k = f.key[e];
                    if (k == 0) continue;
                    here.insert(k);
                    if (in_set_[g_.target[e]] == tok) taken.insert(k);
                }
                for (const std::uint32_t k : here) ++enabled[k];
            }
            for (const auto& [k, count] : enabled) {
                if (taken.count(k)) continue;
                if (f.strength == fairness_strength::weak) {
                    if (count == c.size()) return;  // enabled throughout, never taken: no fair cycle
                } else {
                    for (const std::uint32_t v : c)
                        for (std::uint64_t e = g_.begin(v); e < g_.end(v); ++e)
                            if (f.key[e] == k) removed.insert(v);
                }
            }
        }
        if (removed.empty()) {
            const auto set_index = static_cast<std::uint32_t>(fair_sets_.size());
            for (const std::uint32_t v : c)
                if (bad_[v] == 0) bad_[v] = set_index + 2;
            fair_sets_.push_back(std::move(c));
            return;
        }
        std::vector<std::uint32_t> rest;
        for (const std::uint32_t v : c)
            if (!removed.count(v)) rest.push_back(v);
        const std::uint32_t keep = ++token_;
        for (const std::uint32_t v : rest) in_set_[v] = keep;
        for (auto& sub : components(rest, [&](std::uint32_t v) { return in_set_[v] == keep; }))
            work.push_back(std::move(sub));
    }

    // Shortest walk inside `set` (marked with token `tok`) from `from` to a state satisfying
    // `is_goal` (at least one edge when `nonempty`), as edge indices.
    template <class Goal>
    std::vector<std::uint64_t> walk(std::uint32_t from, const Goal& is_goal, std::uint32_t tok, bool nonempty) {
        if (!nonempty && is_goal(from)) return {};
        std::unordered_map<std::uint32_t, std::uint64_t> via;
        std::deque<std::uint32_t> queue{from};
        std::unordered_set<std::uint32_t> seen;
        if (!nonempty) seen.insert(from);
        while (!queue.empty()) {
            const std::uint32_t v = queue.front();
            queue.pop_front();
            for (std::uint64_t e = g_.begin(v); e < g_.end(v); ++e) {
                const std::uint32_t w = g_.target[e];
                if (in_set_[w] != tok || seen.count(w)) continue;
                seen.insert(w);
                via[w] = e;
                if (is_goal(w)) {
                    std::vector<std::uint64_t> path;
                    for (std::uint32_t x = w;;) {
                        const std::uint64_t pe = via.at(x);
                        path.push_back(pe);
                        x = source_of(pe);
                        if (x == from) break;
                    }
                    std::reverse(path.begin(), path.end());
                    return path;
                }
                queue.push_back(w);
            }
        }
        return {};  // unreachable inside a strongly connected set
    }

    // A cycle from b back to b inside the fair set that meets every fairness assumption.
    std::vector<std::uint64_t> fair_cycle(std::uint32_t b, const std::vector<std::uint32_t>& set) {
        const std::uint32_t tok = ++token_;
        for (const std::uint32_t v : set) in_set_[v] = tok;
        std::vector<std::uint64_t> cycle;
        std::uint32_t cur = b;
        auto go_to = [&](std::uint32_t u) {
            const auto p = walk(cur, [&](std::uint32_t x) { return x == u; }, tok, false);
            cycle.insert(cycle.end(), p.begin(), p.end());
            cur = u;
        };
        for (const auto& f : fair_) {
            std::unordered_map<std::uint32_t, std::uint64_t> taken_edge;  // key -> an inside edge
            std::unordered_map<std::uint32_t, std::uint32_t> enabled;
            for (const std::uint32_t v : set) {
                std::unordered_set<std::uint32_t> here;
                for (std::uint64_t e = g_.begin(v); e < g_.end(v); ++e) {
                    const std::uint32_t k = f.key[e];
                    if (k == 0) continue;
                    here.insert(k);
                    if (in_set_[g_.target[e]] == tok) taken_edge.try_emplace(k, e);
                }
                for (const std::uint32_t k : here) ++enabled[k];
            }
            std::vector<std::uint32_t> keys;
            for (const auto& kv : enabled) keys.push_back(kv.first);
            std::sort(keys.begin(), keys.end());
            for (const std::uint32_t k : keys) {
                const auto te = taken_edge.find(k);
                if (te != taken_edge.end()) {  // take an edge of the class
                    go_to(source_of(te->second));
                    cycle.push_back(te->second);
                    cur = g_.target[te->second];
                } else {  // weak only: pass through a state where the class is disabled
                    for (const std::uint32_t v : set) {
                        bool has = false;
                        for (std::uint64_t e = g_.begin(v); e < g_.end(v); ++e) has = has || f.key[e] == k;
                        if (!has) {
                            go_to(v);
                            break;
                        }
                    }
                }
            }
        }
        const auto back = walk(cur, [&](std::uint32_t x) { return x == b; }, tok, cycle.empty());
        cycle.insert(cycle.end(), back.begin(), back.end());
        return cycle;
    }

    static constexpr std::uint32_t unvisited = ~0u;
    const explored_graph& g_;
    const std::vector<char>& goal_;
    const std::vector<edge_fairness>& fair_;
    std::vector<char> pending_;
    std::vector<std::uint64_t> via_;
    std::vector<std::uint32_t> bad_;
    std::vector<std::vector<std::uint32_t>> fair_sets_;
    std::vector<std::uint32_t> in_set_;
    std::uint32_t token_ = 0;
    std::vector<std::uint32_t> index_, low_;
    std::vector<char> on_stack_;
};

}  // namespace tcpv::detail
