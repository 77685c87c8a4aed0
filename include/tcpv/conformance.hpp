#pragma once
/// \file tcpv/conformance.hpp
/// Conformance: drive an implementation under test and a reference model with the same inputs,
/// and report the first place where they disagree, as a shortest trace with both sides'
/// outputs. Protocol-agnostic; the TCP adapters are in models/tcpv/tcp/conformance.hpp and
/// docs/conformance.md shows a complete minimal adapter.
///
/// An adapter (for the implementation and for the reference alike) is a type with
///
/// ```cpp
/// using input = ...;        // what the environment does: a user call, a segment, time passing
/// using output = ...;       // what the side did in answer (the segments it sent), ==, <<
/// using observation = ...;  // what can be seen of it (its state), ==, <<
/// void reset();                        // back to the initial condition (a fresh endpoint)
/// output apply(const input&);          // one input, its outputs
/// observation observe() const;         // its observable state now
/// ```
///
/// The reference must also be copyable and have `key()` (a hashable value: the reference's
/// whole state): the differential explorer visits each reference state once, by a shortest
/// input sequence. When the implementation has `key()` too, a state is the pair of both keys,
/// so an implementation whose hidden state (a timer, say) has drifted from the reference's is
/// followed further; without it, two paths to one reference state with equal observations of
/// the implementation are taken as one, and what differs only inside the implementation can
/// be missed (the random suite covers that). The implementation is copied at each state (a
/// snapshot) when it is copyable, and otherwise reset and replayed along the path to each
/// state, so an adapter around a C stack with global state needs no copy. The environment says
/// which inputs are possible: `std::vector<input> inputs(const Reference&) const`.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <variant>

#include "detail/json.hpp"
#include <vector>

namespace tcpv::conformance {

/// What the drivers need from a system (implementation or reference).
template <class A>
concept adapter = requires(A& a, const A& ca, const typename A::input& in, std::ostream& os) {
    typename A::input;
    typename A::output;
    typename A::observation;
    a.reset();
    { a.apply(in) } -> std::convertible_to<typename A::output>;
    { ca.observe() } -> std::convertible_to<typename A::observation>;
    os << in;
    os << std::declval<const typename A::output&>();
    os << std::declval<const typename A::observation&>();
} && std::equality_comparable<typename A::output> && std::equality_comparable<typename A::observation>;

/// A reference model: an adapter that can be copied and names its whole state.
template <class R>
concept reference = adapter<R> && std::copy_constructible<R> && requires(const R& r) {
    { std::hash<std::remove_cvref_t<decltype(r.key())>>{}(r.key()) } -> std::convertible_to<std::size_t>;
};

/// One step of a trace: the input and what each side did and showed after it.
struct step_text {
    std::string input;
    std::string reference_output, implementation_output;
    std::string reference_observation, implementation_observation;
};

/// The first disagreement: the inputs from the initial condition, the last of which made the
/// two sides differ, what each side did at each step, and what differed.
template <class Input>
struct disagreement {
    std::vector<Input> inputs;
    std::vector<step_text> steps;  ///< one per input, printed
    std::string what;  ///< "outputs differ", "observations differ", or the implementation's error

    /// As JSON: {"what", "steps": [{"input", "reference": {"output", "state"},
    /// "implementation": {"output", "state"}}...]}.
    [[nodiscard]] std::string json() const {
        std::string out = "{\"what\":" + tcpv::detail::json_quote(what) + ",\"steps\":[";
        for (std::size_t i = 0; i < steps.size(); ++i) {
            const auto& s = steps[i];
            out += std::string(i ? "," : "") + "{\"input\":" + tcpv::detail::json_quote(s.input) +
                   ",\"reference\":{\"output\":" + tcpv::detail::json_quote(s.reference_output) +
                   ",\"state\":" + tcpv::detail::json_quote(s.reference_observation) +
                   "},\"implementation\":{\"output\":" + tcpv::detail::json_quote(s.implementation_output) +
                   ",\"state\":" + tcpv::detail::json_quote(s.implementation_observation) + "}}";
        }
        return out + "]}";
    }

    /// The trace as a table, one line per step (the last marked "<- differs").
    [[nodiscard]] std::string text() const {
        std::ostringstream os;
        for (std::size_t i = 0; i < steps.size(); ++i) {
            const auto& s = steps[i];
            os << i + 1 << ". " << s.input << "\n     reference:      " << s.reference_output << "  ->  "
               << s.reference_observation << "\n     implementation: " << s.implementation_output << "  ->  "
               << s.implementation_observation << (i + 1 == steps.size() ? "   <- " + what : std::string()) << '\n';
        }
        return os.str();
    }
};

/// Figures of a differential exploration.
struct exploration_stats {
    std::uint64_t states = 0;  ///< distinct states reached (reference, with the implementation's key or observation)
    std::uint64_t steps = 0;   ///< inputs given to both sides (replays not counted)
    std::uint64_t replayed = 0;  ///< inputs given again to replay paths (non-copyable implementations)
    std::size_t depth = 0;     ///< the depth bound
};

/// The outcome: the first disagreement (at the smallest depth, in the environment's input
/// order), or none within the bound.
template <class Input>
struct exploration_result {
    std::optional<disagreement<Input>> found;
    exploration_stats stats;
};

namespace detail {
template <class T>
std::string text_of(const T& v) {
    std::ostringstream os;
    os << v;
    return os.str();
}
}  // namespace detail

/// The two sides after one more input: compares them and appends the step to `trace`.
/// Returns what differs, or an empty string.
template <adapter Impl, adapter Ref>
std::string step_both(Impl& impl, Ref& ref, const typename Ref::input& in, std::vector<step_text>& trace) {
    const auto ref_out = ref.apply(in);
    const auto ref_obs = ref.observe();
    step_text st{detail::text_of(in), detail::text_of(ref_out), "", detail::text_of(ref_obs), ""};
    std::string what;
    try {
        const auto impl_out = impl.apply(in);
        const auto impl_obs = impl.observe();
        st.implementation_output = detail::text_of(impl_out);
        st.implementation_observation = detail::text_of(impl_obs);
        if (!(impl_out == ref_out))
            what = "outputs differ";
        else if (!(impl_obs == ref_obs))
            what = "observations differ";
    } catch (const std::exception& e) {
        what = std::string("the implementation failed: ") + e.what();
    }
    trace.push_back(std::move(st));
    return what;
}

/// Resets both sides and gives them `inputs` in order; the first disagreement, if any.
template <adapter Impl, adapter Ref>
    requires std::same_as<typename Impl::input, typename Ref::input>
std::optional<disagreement<typename Ref::input>> replay(Impl& impl, Ref& ref,
                                                       const std::vector<typename Ref::input>& inputs) {
    impl.reset();
    ref.reset();
    std::vector<step_text> trace;
    for (std::size_t k = 0; k < inputs.size(); ++k) {
        std::string what = step_both(impl, ref, inputs[k], trace);
        if (!what.empty())
            return disagreement<typename Ref::input>{{inputs.begin(), inputs.begin() + static_cast<std::ptrdiff_t>(k) + 1},
                                                     std::move(trace), std::move(what)};
    }
    return std::nullopt;
}

/// Explores the reference breadth-first from its initial condition, to `depth` inputs, giving
/// every input the environment offers to both sides and comparing outputs and observations.
template <adapter Impl, reference Ref, class Env>
    requires std::same_as<typename Impl::input, typename Ref::input> &&
             std::same_as<typename Impl::output, typename Ref::output> &&
             std::same_as<typename Impl::observation, typename Ref::observation> &&
             requires(const Env& env, const Ref& r) {
                 { env.inputs(r) } -> std::convertible_to<std::vector<typename Ref::input>>;
             }
exploration_result<typename Ref::input> explore(Impl& impl, Ref ref, const Env& env, std::size_t depth) {
    using input = typename Ref::input;
    constexpr bool snapshots = std::copyable<Impl>;  // copied and assigned back at each state
    // What identifies a state of the exploration: the reference's key, and the implementation's
    // key when it has one, else its observation (printed).
    using ref_key = std::remove_cvref_t<decltype(ref.key())>;
    auto impl_part = [](const Impl& i) {
        if constexpr (requires { i.key(); })
            return i.key();
        else
            return detail::text_of(i.observe());
    };
    using impl_key = std::remove_cvref_t<decltype(impl_part(impl))>;
    struct state_key {
        ref_key r;
        impl_key i;
        bool operator==(const state_key&) const = default;
    };
    struct state_key_hash {
        std::size_t operator()(const state_key& k) const {
            return std::hash<ref_key>{}(k.r) * 0x9e3779b97f4a7c15ULL ^ std::hash<impl_key>{}(k.i);
        }
    };
    struct node {
        Ref ref;
        // A snapshot, when the implementation can be copied (else nothing: paths are replayed).
        std::conditional_t<snapshots, std::optional<Impl>, std::monostate> impl;
        std::vector<input> path;     // from the initial condition
        std::vector<step_text> trace;
    };
    exploration_result<input> result;
    result.stats.depth = depth;
    ref.reset();
    impl.reset();
    std::deque<node> frontier;
    std::unordered_set<state_key, state_key_hash> seen;
    seen.insert({ref.key(), impl_part(impl)});
    result.stats.states = 1;
    {
        node root{ref, {}, {}, {}};
        if constexpr (snapshots) root.impl.emplace(impl);
        frontier.push_back(std::move(root));
    }
    // The implementation in the condition of `n` (its snapshot, or replayed from reset).
    auto restore = [&](const node& n) -> Impl& {
        if constexpr (snapshots) {
            impl = *n.impl;
        } else {
            impl.reset();
            for (const auto& in : n.path) {
                (void)impl.apply(in);
                ++result.stats.replayed;
            }
        }
        return impl;
    };
    while (!frontier.empty()) {
        node n = std::move(frontier.front());
        frontier.pop_front();
        if (n.path.size() >= depth) continue;
        for (const input& in : env.inputs(n.ref)) {
            Ref r = n.ref;
            Impl& i = restore(n);
            ++result.stats.steps;
            std::vector<step_text> trace = n.trace;
            std::string what = step_both(i, r, in, trace);
            if (!what.empty()) {
                std::vector<input> inputs = n.path;
                inputs.push_back(in);
                result.found = disagreement<input>{std::move(inputs), std::move(trace), std::move(what)};
                return result;
            }
            if (!seen.insert({r.key(), impl_part(i)}).second) continue;
            ++result.stats.states;
            node child{std::move(r), {}, n.path, std::move(trace)};
            child.path.push_back(in);
            if constexpr (snapshots) child.impl.emplace(i);
            frontier.push_back(std::move(child));
        }
    }
    return result;
}

/// The shortest input sequence to each distinct reference state, breadth-first to `depth`
/// (the initial state's is empty): starting points for random runs that would rarely get deep
/// on their own.
template <reference Ref, class Env>
std::vector<std::vector<typename Ref::input>> reference_paths(Ref ref, const Env& env, std::size_t depth,
                                                              std::size_t max_paths = 100000) {
    using input = typename Ref::input;
    using key_t = std::remove_cvref_t<decltype(ref.key())>;
    ref.reset();
    std::vector<std::vector<input>> paths{{}};
    std::deque<std::pair<Ref, std::size_t>> frontier;  // a state and the index of its path
    std::unordered_set<key_t> seen{ref.key()};
    frontier.emplace_back(ref, 0);
    while (!frontier.empty() && paths.size() < max_paths) {
        auto [r, at] = std::move(frontier.front());
        frontier.pop_front();
        if (paths[at].size() >= depth) continue;
        for (const input& in : env.inputs(r)) {
            Ref next = r;
            (void)next.apply(in);
            if (!seen.insert(next.key()).second) continue;
            std::vector<input> p = paths[at];
            p.push_back(in);
            paths.push_back(std::move(p));
            frontier.emplace_back(std::move(next), paths.size() - 1);
            if (paths.size() >= max_paths) break;
        }
    }
    return paths;
}

}  // namespace tcpv::conformance
