#pragma once
// Test support: a model given as an explicit graph (states are node numbers, edges are
// (action, target) pairs in emission order), and a compact printed form of traces. Shared by
// the unit and property tests so that hand-made expectations read as the graph itself.

#include <tcpv/checker.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace tcpv_test {

struct graph_data {
    struct edge {
        std::string act;
        std::uint32_t to;
    };
    std::vector<std::uint32_t> initial;  // emitted by init in this order (duplicates allowed)
    std::vector<std::vector<edge>> edges;  // edges[v]: emitted by next(v) in this order
};

/// A model whose state is a node number: init emits ("init", v) for each initial node, next
/// emits the node's edges in order.
struct graph_model {
    using state = std::uint32_t;
    using action = std::string;
    std::shared_ptr<const graph_data> g;

    void init(auto&& emit) const {
        for (const std::uint32_t v : g->initial) emit(action("init"), v);
    }
    void next(const state& s, auto&& emit) const {
        for (const auto& e : g->edges.at(s)) emit(e.act, e.to);
    }
};
static_assert(tcpv::model<graph_model>);

/// graph(n, {initial...}, {{from, "action", to}, ...})
inline graph_model graph(std::uint32_t n, std::vector<std::uint32_t> initial,
                         const std::vector<std::tuple<std::uint32_t, std::string, std::uint32_t>>& edges) {
    auto d = std::make_shared<graph_data>();
    d->initial = std::move(initial);
    d->edges.resize(n);
    for (const auto& [from, act, to] : edges) d->edges.at(from).push_back({act, to});
    return graph_model{std::move(d)};
}

/// "init:0 a:1 b:2" (the action and state of every step), then "|cycle@k" or "|deadlock".
inline std::string show(const tcpv::text_trace& t) {
    std::string out;
    for (const auto& s : t.steps) {
        if (!out.empty()) out += ' ';
        out += s.action;
        out += ':';
        out += s.state;
    }
    if (t.end == tcpv::trace_end::cycle) out += " |cycle@" + std::to_string(t.loop_start);
    if (t.end == tcpv::trace_end::deadlock) out += " |deadlock";
    return out;
}

template <tcpv::model M>
std::string show(const M& m, const tcpv::trace<M>& t) {
    return show(t.text(m));
}

/// The trace of property `name` in `r` ("" when it has none).
template <tcpv::model M>
std::string trace_of(const tcpv::result<M>& r, std::string_view name) {
    const auto* p = r.find(name);
    if (!p || !p->trace) return "";
    return show(r.model, *p->trace);
}

}  // namespace tcpv_test
