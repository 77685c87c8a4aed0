#pragma once
// Shared checks of the classic-model tests: every run is repeated with 1, 2 and 4 threads and
// with depth-first search, every trace is replayed against the model, and liveness lassos
// are checked for fairness here, independently of the checker's own analysis.

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <tcpv/checker.hpp>
#include <tcpv/trace.hpp>

namespace classic_checks {

template <class M>
std::string text_of(const M& m, const tcpv::trace<M>& t) {
    std::string out;
    for (const auto& s : t.text(m).steps) out += s.action + " -> " + s.state + "\n";
    return out + std::string(tcpv::to_string(t.end)) + " " + std::to_string(t.loop_start);
}

/// The actions of a trace, printed, step 0 (the initial action) included.
template <class M>
std::vector<std::string> actions_of(const M& m, const tcpv::trace<M>& t) {
    std::vector<std::string> out;
    for (const auto& s : t.steps) out.push_back(tcpv::to_text(m, s.act));
    return out;
}

template <class M>
void require_valid_traces(const tcpv::result<M>& r) {
    for (const auto& p : r.properties) {
        if (!p.trace) continue;
        const auto error = tcpv::validate(r.model, *p.trace);
        INFO("property ", p.name, ": ", text_of(r.model, *p.trace));
        CHECK_MESSAGE(!error, (error ? error->message : std::string()));
    }
}

template <class M>
tcpv::result<M> run_once(const M& m, const std::vector<tcpv::property<M>>* only, unsigned threads, bool dfs) {
    auto c = tcpv::checker(m);
    if (only) {
        c.only({});
        for (const auto& p : *only) c.check(p);
    }
    c.threads(threads);
    if (dfs) c.dfs();
    return c.run();
}

/// Checks model `m` (its own properties, or `props` instead when given) with breadth-first
/// search on 1, 2 and 4 threads and with depth-first search. The BFS runs must agree exactly
/// (counts, depth, verdicts, traces); DFS must agree on states, transitions and verdicts;
/// every trace must replay. Returns the one-thread BFS result.
template <class M>
tcpv::result<M> run_all_ways(const M& m, const std::vector<tcpv::property<M>>* props = nullptr) {
    auto base = run_once(m, props, 1, false);
    REQUIRE(base.stats.limit == tcpv::limit_kind::none);
    require_valid_traces(base);
    for (const unsigned threads : {2u, 4u}) {
        INFO("threads ", threads);
        const auto r = run_once(m, props, threads, false);
        CHECK(r.stats.states == base.stats.states);
        CHECK(r.stats.transitions == base.stats.transitions);
        CHECK(r.stats.depth == base.stats.depth);
        REQUIRE(r.properties.size() == base.properties.size());
        for (std::size_t i = 0; i < r.properties.size(); ++i) {
            INFO("property ", r.properties[i].name);
            CHECK(r.properties[i].result == base.properties[i].result);
            CHECK(r.properties[i].trace.has_value() == base.properties[i].trace.has_value());
            if (r.properties[i].trace && base.properties[i].trace)
                CHECK(text_of(m, *r.properties[i].trace) == text_of(m, *base.properties[i].trace));
        }
        require_valid_traces(r);
    }
    const auto d = run_once(m, props, 1, true);
    INFO("depth-first search");
    CHECK(d.stats.states == base.stats.states);
    CHECK(d.stats.transitions == base.stats.transitions);
    REQUIRE(d.properties.size() == base.properties.size());
    for (std::size_t i = 0; i < d.properties.size(); ++i) {
        INFO("property ", d.properties[i].name);
        CHECK(d.properties[i].result == base.properties[i].result);
    }
    require_valid_traces(d);
    return base;
}

template <class M>
tcpv::result<M> run_all_ways(const M& m, const std::vector<tcpv::property<M>>& props) {
    return run_all_ways(m, &props);
}

/// Whether the cycle of lasso `t` is fair under `fair` (re-derived from the model's `next`,
/// not taken from the checker): weak, an action (class) enabled in every cycle state is taken
/// on the cycle; strong, one enabled in some cycle state is taken on the cycle.
template <class M>
bool cycle_is_fair(const M& m, const tcpv::trace<M>& t, const std::vector<tcpv::fairness<typename M::action>>& fair) {
    using action = typename M::action;
    if (t.end != tcpv::trace_end::cycle) return true;
    for (const auto& f : fair) {
        // The "keys": one for the whole class, or each in-class action value on its own.
        std::vector<action> keys;
        std::vector<std::vector<action>> enabled;  // per cycle state: its in-class actions
        for (std::size_t i = t.loop_start; i + 1 < t.steps.size(); ++i) {
            enabled.emplace_back();
            m.next(t.steps[i].st, [&](const action& a, const auto&) {
                if (!f.in_class(a)) return;
                enabled.back().push_back(a);
                bool known = false;
                for (const auto& k : keys) known = known || k == a;
                if (!known) keys.push_back(a);
            });
        }
        auto matches = [&](const action& a, const action& key) { return f.each_action ? a == key : true; };
        const std::size_t groups = f.each_action ? keys.size() : (keys.empty() ? 0 : 1);
        for (std::size_t g = 0; g < groups; ++g) {
            std::size_t states_enabled = 0;
            for (const auto& here : enabled) {
                bool any = false;
                for (const auto& a : here) any = any || matches(a, keys[g]);
                states_enabled += any;
            }
            bool taken = false;
            for (std::size_t i = t.loop_start + 1; i < t.steps.size(); ++i)
                taken = taken || (f.in_class(t.steps[i].act) && matches(t.steps[i].act, keys[g]));
            const bool forced = f.strength == tcpv::fairness_strength::strong ? states_enabled > 0
                                                                               : states_enabled == enabled.size();
            if (forced && !taken) return false;
        }
    }
    return true;
}

/// Checks that the reported counterexample of liveness property `p` is one, independently of
/// the checker: it replays, it is a cycle or a deadlock, it avoids the goal where it must, and
/// its cycle is fair.
template <class M>
void require_real_lasso(const tcpv::result<M>& r, const tcpv::property<M>& p) {
    const auto t = r.counterexample(p.name);
    REQUIRE(t.has_value());
    INFO(text_of(r.model, *t));
    CHECK(!tcpv::validate(r.model, *t));
    CHECK(t->end != tcpv::trace_end::path);
    std::size_t from = 0;  // eventually: the whole path avoids the goal
    if (p.kind == tcpv::property_kind::leads_to) {
        while (from < t->steps.size() && !(p.p(t->steps[from].st) && !p.q(t->steps[from].st))) ++from;
        REQUIRE(from < t->steps.size());
        // A cycle repeats: the goal must also stay away from cycle states before the trigger.
        if (t->end == tcpv::trace_end::cycle) from = std::min(from, t->loop_start);
    }
    for (std::size_t i = from; i < t->steps.size(); ++i) CHECK_FALSE(p.goal()(t->steps[i].st));
    CHECK(cycle_is_fair(r.model, *t, p.fairness_assumptions));
}

}  // namespace classic_checks
