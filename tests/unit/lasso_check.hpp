#pragma once
// Test support: an independent check of a reported lasso. It looks only at the trace and at the
// model's `next`: the loop really closes, and the loop is fair under every assumption, with
// "enabled" and "taken" computed from scratch (no use of the checker's liveness code).

#include <tcpv/checker.hpp>

#include <functional>
#include <string>
#include <vector>

namespace tcpv_test {

/// Why the cycle of lasso `t` is not fair under `assumptions` (or that it is no lasso); ""
/// when it is a fair lasso of `m`.
template <tcpv::model M>
std::string lasso_problem(const M& m, const tcpv::trace<M>& t,
                          const std::vector<tcpv::fairness<typename M::action>>& assumptions) {
    using action = typename M::action;
    if (t.end != tcpv::trace_end::cycle) return "not a lasso";
    if (t.steps.size() < 2 || t.loop_start + 1 >= t.steps.size()) return "loop_start out of range";
    if (!(t.steps[t.loop_start].st == t.steps.back().st)) return "the loop does not return to loop_start's state";
    if (const auto e = tcpv::validate(m, t)) return "validate: " + e->message;

    // The states the loop visits, and the actions it takes.
    std::vector<std::vector<action>> enabled;  // per loop state: every action next emits
    for (std::size_t i = t.loop_start; i + 1 < t.steps.size(); ++i) {
        enabled.emplace_back();
        m.next(t.steps[i].st, [&](const action& a, const auto&) { enabled.back().push_back(a); });
    }
    std::vector<action> taken;
    for (std::size_t i = t.loop_start + 1; i < t.steps.size(); ++i) taken.push_back(t.steps[i].act);

    auto contains = [](const std::vector<action>& v, const std::function<bool(const action&)>& pred) {
        for (const auto& a : v)
            if (pred(a)) return true;
        return false;
    };
    for (const auto& f : assumptions) {
        const bool strong = f.strength == tcpv::fairness_strength::strong;
        // The "actions" the assumption speaks of: the whole class, or each value in it.
        std::vector<std::function<bool(const action&)>> groups;
        if (!f.each_action) {
            groups.push_back(f.in_class);
        } else {
            std::vector<action> values;
            for (const auto& here : enabled)
                for (const auto& a : here)
                    if (f.in_class(a) && !contains(values, [&](const action& b) { return b == a; })) values.push_back(a);
            for (const auto& v : values) groups.push_back([v](const action& a) { return a == v; });
        }
        for (std::size_t g = 0; g < groups.size(); ++g) {
            std::size_t enabled_in = 0;
            for (const auto& here : enabled) enabled_in += contains(here, groups[g]) ? 1 : 0;
            const bool applies = strong ? enabled_in > 0 : enabled_in == enabled.size();
            if (applies && !contains(taken, groups[g]))
                return "the loop is unfair under " + std::string(strong ? "strong" : "weak") + " fairness '" +
                       f.name + "'" + (f.each_action ? " (group " + std::to_string(g) + ")" : "");
        }
    }
    return "";
}

}  // namespace tcpv_test
