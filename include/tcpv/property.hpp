#pragma once
/// \file tcpv/property.hpp
/// Properties as named values: always, sometimes, eventually, leads_to, deadlock_free.
///
/// ```cpp
/// std::vector<tcpv::property<my_model>> properties() const {
///     return {
///         tcpv::always("mutual-exclusion", [](const state& s) { return !(s.crit[0] && s.crit[1]); }),
///         tcpv::sometimes("both-enter", [](const state& s) { return s.entered == 2; }),
///         tcpv::eventually("delivered", [](const state& s) { return s.got; })
///             .under(tcpv::strong_fairness("deliver", [](const action& a) { return a.kind == deliver; })),
///     };
/// }
/// ```
///
/// Semantics, over the paths that start in an initial state:
/// - `always(p)`: p holds in every reachable state. Violated by the shortest path to a state
///   where p fails (breadth-first search finds a shortest one).
/// - `sometimes(p)`: some reachable state satisfies p. *Not* finding one is a failure: it
///   catches a model that is vacuous (the interesting case is unreachable). The example path is
///   reported with the verdict "holds".
/// - `deadlock_free(end)`: every reachable state has a successor, or satisfies `end` (a state
///   where stopping is intended). Violated by the shortest path to a deadlock.
/// - `eventually(q)`: every maximal path (infinite, or ending in a state without successors)
///   reaches a state where q holds. Violated by a *lasso*: a path to a cycle of states none of
///   which satisfies q, or a path to a deadlock none of whose states satisfies q.
/// - `leads_to(p, q)`: on every maximal path, every state where p holds is followed (at it or
///   later) by a state where q holds. Violated by a path to a p-state followed by a lasso as above.
///
/// Liveness is sound and complete on the explored graph: every reported lasso is a real
/// (fair) counterexample, and if no lasso is reported none exists. When a search limit cuts
/// the graph short, liveness verdicts are "unknown", never "holds".
///
/// Fairness. Without a fairness assumption every cycle counts, including a clock ticking
/// forever or a channel losing every message forever. `.under(...)` adds assumptions; a lasso
/// counts only if its cycle is fair under all of them. Each assumption names a class of
/// actions (a predicate on actions):
/// - `weak_fairness(name, cls)`: if some action of the class is enabled in *every* state of the
///   cycle, the cycle must take an action of the class (TLA+'s WF over the class).
/// - `strong_fairness(name, cls)`: if some action of the class is enabled in *some* state of the
///   cycle, the cycle must take an action of the class (TLA+'s SF; use it for lossy channels,
///   where delivery is enabled only now and then).
/// - `weak_fairness_each` / `strong_fairness_each`: the same for every single action of the
///   class on its own (action values compared with ==), like TLA+'s `\A m : WF(Deliver(m))`.
/// "Enabled in a state" means the model's `next` emits that action from the state.

#include <functional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "model.hpp"

namespace tcpv {

/// The kind of a property; its name is what reports print.
enum class property_kind { always, sometimes, eventually, leads_to, deadlock_free };

inline constexpr std::string_view to_string(property_kind k) noexcept {
    switch (k) {
        case property_kind::always: return "always";
        case property_kind::sometimes: return "sometimes";
        case property_kind::eventually: return "eventually";
        case property_kind::leads_to: return "leads_to";
        case property_kind::deadlock_free: return "deadlock_free";
    }
    return "?";
}

/// Safety kinds are decided state by state during the search; the others need the whole graph.
inline constexpr bool is_liveness(property_kind k) noexcept {
    return k == property_kind::eventually || k == property_kind::leads_to;
}

/// How strongly a fairness assumption constrains a cycle (see the file comment).
enum class fairness_strength { weak, strong };

/// One fairness assumption over the actions of model M.
template <class Action>
struct fairness {
    std::string name;
    fairness_strength strength = fairness_strength::weak;
    bool each_action = false;  ///< per action value, rather than the class as a whole
    std::function<bool(const Action&)> in_class;
};

namespace detail {
template <class Pred>
struct fairness_spec {
    std::string name;
    fairness_strength strength;
    bool each_action;
    Pred in_class;
};
}  // namespace detail

/// Weak fairness on a class of actions (see the file comment).
template <class Pred>
auto weak_fairness(std::string name, Pred in_class) {
    return detail::fairness_spec<Pred>{std::move(name), fairness_strength::weak, false, std::move(in_class)};
}
/// Strong fairness on a class of actions (see the file comment).
template <class Pred>
auto strong_fairness(std::string name, Pred in_class) {
    return detail::fairness_spec<Pred>{std::move(name), fairness_strength::strong, false, std::move(in_class)};
}
/// Weak fairness on each action of a class separately.
template <class Pred>
auto weak_fairness_each(std::string name, Pred in_class) {
    return detail::fairness_spec<Pred>{std::move(name), fairness_strength::weak, true, std::move(in_class)};
}
/// Strong fairness on each action of a class separately.
template <class Pred>
auto strong_fairness_each(std::string name, Pred in_class) {
    return detail::fairness_spec<Pred>{std::move(name), fairness_strength::strong, true, std::move(in_class)};
}

/// A named property of model M. Build one with always/sometimes/eventually/leads_to/deadlock_free.
/// (Unconstrained so that a model can name `property<itself>` inside its own definition.)
template <class M>
struct property {
    using state = typename M::state;
    using action = typename M::action;

    std::string name;
    property_kind kind = property_kind::always;
    /// always/sometimes/eventually: the predicate. leads_to: the trigger p.
    /// deadlock_free: the states where stopping is intended.
    std::function<bool(const state&)> p;
    /// leads_to: the goal q (for eventually the goal is `p`).
    std::function<bool(const state&)> q;
    std::vector<fairness<action>> fairness_assumptions;

    /// The goal of a liveness property.
    [[nodiscard]] const std::function<bool(const state&)>& goal() const {
        return kind == property_kind::leads_to ? q : p;
    }
};

namespace detail {

/// What always(...) etc. return before the model type is known: converts to property<M>.
template <class P, class Q, class... Fair>
struct property_spec {
    std::string name;
    property_kind kind;
    P p;
    Q q;
    std::tuple<Fair...> fair;

    /// Adds fairness assumptions to a liveness property (eventually, leads_to).
    template <class... More>
    auto under(fairness_spec<More>... more) && {
        return property_spec<P, Q, Fair..., fairness_spec<More>...>{
            std::move(name), kind, std::move(p), std::move(q),
            std::tuple_cat(std::move(fair), std::make_tuple(std::move(more)...))};
    }

    template <class M>
    operator property<M>() const& {  // NOLINT(google-explicit-constructor): reads as a value
        static_assert(std::is_invocable_r_v<bool, const P&, const typename M::state&>,
                      "tcpv: a property predicate must be callable as bool(const state&)");
        property<M> out;
        out.name = name;
        out.kind = kind;
        out.p = p;
        if constexpr (!std::is_same_v<Q, std::nullptr_t>) out.q = q;
        std::apply(
            [&](const auto&... f) {
                (out.fairness_assumptions.push_back(
                     fairness<typename M::action>{f.name, f.strength, f.each_action, f.in_class}),
                 ...);
            },
            fair);
        return out;
    }
};

}  // namespace detail

/// Safety: `p` holds in every reachable state.
template <class P>
auto always(std::string name, P p) {
    return detail::property_spec<P, std::nullptr_t>{std::move(name), property_kind::always, std::move(p), nullptr, {}};
}
/// Reachability: some reachable state satisfies `p` (not finding one is a failure).
template <class P>
auto sometimes(std::string name, P p) {
    return detail::property_spec<P, std::nullptr_t>{std::move(name), property_kind::sometimes, std::move(p), nullptr, {}};
}
/// Liveness: every maximal path reaches a state satisfying `q`.
template <class Q>
auto eventually(std::string name, Q q) {
    return detail::property_spec<Q, std::nullptr_t>{std::move(name), property_kind::eventually, std::move(q), nullptr, {}};
}
/// Liveness: whenever `p` holds, `q` holds then or later on every maximal path.
template <class P, class Q>
auto leads_to(std::string name, P p, Q q) {
    return detail::property_spec<P, Q>{std::move(name), property_kind::leads_to, std::move(p), std::move(q), {}};
}
/// Safety: no reachable state lacks successors unless `end_ok` says stopping there is intended.
template <class P>
auto deadlock_free(std::string name, P end_ok) {
    return detail::property_spec<P, std::nullptr_t>{std::move(name), property_kind::deadlock_free, std::move(end_ok), nullptr, {}};
}
/// Safety: no reachable state lacks successors.
inline auto deadlock_free(std::string name) {
    return deadlock_free(std::move(name), [](const auto&) { return false; });
}

/// Whether model M declares its own properties (`properties()` returning a range of property<M>).
template <class M>
concept has_properties = requires(const M& m) {
    { m.properties() } -> std::convertible_to<std::vector<property<M>>>;
};

}  // namespace tcpv
