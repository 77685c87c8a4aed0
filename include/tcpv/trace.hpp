#pragma once
/// \file tcpv/trace.hpp
/// Traces: the path behind a verdict, as typed steps; printing (text, JSON); validation and replay.
///
/// A trace is a sequence of steps (action, state). Step 0 is an initial state with the action
/// `init` emitted for it; step i > 0 is a transition of `next` from step i-1. How the trace
/// ends tells what it shows:
/// - `path`: a finite path (the counterexample of a safety property, or the example of a
///   `sometimes`).
/// - `deadlock`: the last state has no successor (a deadlock, or the end of a maximal finite
///   path that violates a liveness property).
/// - `cycle`: a lasso. The last step returns to the state of step `loop_start`; the steps from
///   `loop_start + 1` to the end repeat forever.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <ostream>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "detail/json.hpp"
#include "model.hpp"

namespace tcpv {

/// How a trace ends (see the file comment).
enum class trace_end { path, deadlock, cycle };

inline constexpr std::string_view to_string(trace_end e) noexcept {
    switch (e) {
        case trace_end::path: return "path";
        case trace_end::deadlock: return "deadlock";
        case trace_end::cycle: return "cycle";
    }
    return "?";
}

/// A trace with actions and states already printed: what reports and renderers of any model
/// share (JSON, text, DOT), and what type-erased front ends such as the `tcpv` program hold.
struct text_trace {
    struct step {
        std::string action;
        std::string state;
    };
    std::vector<step> steps;
    trace_end end = trace_end::path;
    std::size_t loop_start = 0;  ///< meaningful when end == cycle

    /// Number of transitions (steps after the initial state).
    [[nodiscard]] std::size_t length() const noexcept { return steps.empty() ? 0 : steps.size() - 1; }
};

/// Writes a trace as numbered lines: `  3  action  ->  state`, and a closing line that says how
/// it ends ("cycle back to step 2", "deadlock: no successor").
inline void print(std::ostream& os, const text_trace& t) {
    std::size_t width = 0;
    for (const auto& s : t.steps) width = std::max(width, s.action.size());
    width = std::min<std::size_t>(width, 40);
    for (std::size_t i = 0; i < t.steps.size(); ++i) {
        const auto& s = t.steps[i];
        os << (i < 10 ? "   " : i < 100 ? "  " : i < 1000 ? " " : "") << i << "  " << s.action;
        for (std::size_t pad = s.action.size(); pad < width; ++pad) os << ' ';
        os << "  ->  " << s.state << '\n';
    }
    if (t.end == trace_end::cycle)
        os << "      (the last state is the state of step " << t.loop_start << ": steps "
           << t.loop_start + 1 << ".." << t.length() << " repeat forever)\n";
    else if (t.end == trace_end::deadlock)
        os << "      (deadlock: the last state has no successor)\n";
}

/// The trace as a JSON array of {"action","state"} objects.
inline std::string steps_json(const text_trace& t) {
    std::string out = "[";
    for (std::size_t i = 0; i < t.steps.size(); ++i) {
        if (i) out += ',';
        out += "{\"action\":" + detail::json_quote(t.steps[i].action) +
               ",\"state\":" + detail::json_quote(t.steps[i].state) + "}";
    }
    return out + "]";
}

/// A typed trace of model M (see the file comment).
template <model M>
struct trace {
    using state = typename M::state;
    using action = typename M::action;
    struct step {
        action act;
        state st;
    };
    std::vector<step> steps;
    trace_end end = trace_end::path;
    std::size_t loop_start = 0;

    [[nodiscard]] std::size_t length() const noexcept { return steps.empty() ? 0 : steps.size() - 1; }
    [[nodiscard]] const state& last_state() const { return steps.back().st; }

    /// The printed form, using the model's printers.
    [[nodiscard]] text_trace text(const M& m) const {
        text_trace out;
        out.end = end;
        out.loop_start = loop_start;
        out.steps.reserve(steps.size());
        for (const auto& s : steps) out.steps.push_back({to_text(m, s.act), to_text(m, s.st)});
        return out;
    }
};

/// Where and why a trace is not a behaviour of the model.
struct trace_error {
    std::size_t step = 0;
    std::string message;
};

/// Checks that `t` is a behaviour of `m`: step 0 is emitted by `init`, every later step is a
/// transition emitted by `next` from the previous state, and the ending holds (a cycle returns
/// to the state of `loop_start`; a deadlock's last state has no successor). Returns the first
/// problem, or nothing when the trace is valid.
template <model M>
std::optional<trace_error> validate(const M& m, const trace<M>& t) {
    using step_t = typename trace<M>::step;
    if (t.steps.empty()) return trace_error{0, "the trace is empty: it needs at least an initial state"};
    auto emitted = [](const auto& generate, const step_t& want) {
        bool found = false;
        generate([&](const auto& a, const auto& s) {
            if (!found && a == want.act && s == want.st) found = true;
        });
        return found;
    };
    if (!emitted([&](auto&& emit) { m.init(emit); }, t.steps[0]))
        return trace_error{0, "step 0 is not an initial state of the model (init does not emit this action and state)"};
    for (std::size_t i = 1; i < t.steps.size(); ++i) {
        const auto& prev = t.steps[i - 1].st;
        if (!emitted([&](auto&& emit) { m.next(prev, emit); }, t.steps[i]))
            return trace_error{i, "step " + std::to_string(i) + " is not a transition from step " +
                                      std::to_string(i - 1) + " (next does not emit this action and state)"};
    }
    if (t.end == trace_end::cycle) {
        if (t.loop_start >= t.steps.size() - 1)
            return trace_error{t.steps.size() - 1, "cycle: loop_start " + std::to_string(t.loop_start) +
                                                        " must be before the last step"};
        if (!(t.steps[t.loop_start].st == t.steps.back().st))
            return trace_error{t.steps.size() - 1, "cycle: the last state differs from the state of step " +
                                                        std::to_string(t.loop_start)};
    }
    if (t.end == trace_end::deadlock) {
        bool any = false;
        m.next(t.steps.back().st, [&](const auto&, const auto&) { any = true; });
        if (any) return trace_error{t.steps.size() - 1, "deadlock: the last state has a successor"};
    }
    return std::nullopt;
}

/// Result of `replay`: a trace, or the step at which the actions stop being possible.
template <model M>
struct replay_result {
    std::optional<trace<M>> ok;
    std::optional<trace_error> error;
    explicit operator bool() const noexcept { return ok.has_value(); }
};

/// Rebuilds the states of a behaviour from its actions: actions[0] is matched against `init`,
/// each later action against `next` of the state reached so far (the first emitted transition
/// with an equal action is taken). Fails, naming the step, when an action is not enabled.
template <model M>
replay_result<M> replay(const M& m, std::span<const typename M::action> actions) {
    using state = typename M::state;
    replay_result<M> r;
    if (actions.empty()) {
        r.error = trace_error{0, "no actions to replay: the first must be an initial action"};
        return r;
    }
    trace<M> t;
    // A plain state and a flag rather than std::optional<state>: GCC 12 -O2 reports a false
    // -Wmaybe-uninitialized on the optional's payload, which breaks users building with -Werror.
    state cur{};
    bool found = false;
    auto take = [&](const auto& a, const auto& s) {
        if (!found && a == actions[t.steps.size()]) {
            cur = s;
            found = true;
        }
    };
    m.init(take);
    for (std::size_t i = 0;; ++i) {
        if (!found) {
            r.error = trace_error{i, i == 0 ? "action 0 (" + to_text(m, actions[0]) + ") is not an initial action"
                                            : "action " + std::to_string(i) + " (" + to_text(m, actions[i]) +
                                                  ") is not enabled after step " + std::to_string(i - 1)};
            return r;
        }
        t.steps.push_back({actions[i], cur});
        if (i + 1 == actions.size()) break;
        found = false;
        m.next(t.steps.back().st, take);
    }
    r.ok = std::move(t);
    return r;
}

/// Rebuilds the typed trace behind a printed one (a trace read back from a JSON report):
/// step 0 must be an initial (action, state) of `m` that prints as recorded, and every later
/// step a transition from the previous state whose action and state print as recorded; the
/// ending is checked as `validate` does. Printing need not be injective: every typed state that
/// prints as recorded is followed, and the first complete match is returned. An error names the
/// first step that cannot be matched and what the model offers there instead.
template <model M>
replay_result<M> replay(const M& m, const text_trace& t) {
    using action = typename M::action;
    using state = typename M::state;
    struct node {
        action act;
        state st;
        std::size_t parent;
    };
    replay_result<M> r;
    auto fail = [&](std::size_t step, std::string msg) {
        r.error = trace_error{step, "step " + std::to_string(step) + ": " + std::move(msg)};
        return r;
    };
    auto quote = [](const std::string& s) { return "'" + s + "'"; };
    if (t.steps.empty()) return fail(0, "the trace is empty: it needs at least an initial state");
    std::vector<std::vector<node>> levels(t.steps.size());
    // What the model offers instead, for the error message: the printed actions that did not
    // match, and the states reached by a matching action.
    std::vector<std::string> other_actions, other_states;
    auto note = [](std::vector<std::string>& list, std::string s) {
        if (std::find(list.begin(), list.end(), s) == list.end()) list.push_back(std::move(s));
    };
    auto listing = [&](const std::vector<std::string>& list) {
        std::string s;
        for (std::size_t i = 0; i < list.size() && i < 8; ++i) s += (i ? ", " : "") + quote(list[i]);
        if (list.size() > 8) s += " and " + std::to_string(list.size() - 8) + " more";
        return s;
    };
    std::size_t level = 0, parent = 0;
    bool action_matched = false;
    auto take = [&](const action& a, const state& s) {
        const auto& want = t.steps[level];
        if (to_text(m, a) != want.action) {
            note(other_actions, to_text(m, a));
            return;
        }
        action_matched = true;
        if (to_text(m, s) != want.state) {
            note(other_states, to_text(m, s));
            return;
        }
        for (const auto& n : levels[level])
            if (n.st == s) return;  // the same state reached twice: one node is enough
        levels[level].push_back(node{a, s, parent});
    };
    m.init(take);
    if (levels[0].empty()) {
        if (action_matched)
            return fail(0, "the initial action matches but the state differs: expected " + quote(t.steps[0].state) +
                               ", the model gives " + listing(other_states));
        return fail(0, "no initial state of the model has action " + quote(t.steps[0].action) +
                           " (the model's initial actions: " + listing(other_actions) + ")");
    }
    for (level = 1; level < t.steps.size(); ++level) {
        other_actions.clear();
        other_states.clear();
        action_matched = false;
        for (parent = 0; parent < levels[level - 1].size(); ++parent) m.next(levels[level - 1][parent].st, take);
        if (!levels[level].empty()) continue;
        const std::string prev = "the state of step " + std::to_string(level - 1);
        if (action_matched)
            return fail(level, "action matches but the state differs: expected " + quote(t.steps[level].state) +
                                   ", the model gives " + listing(other_states));
        if (other_actions.empty())
            return fail(level, "no successor of " + prev + " has action " + quote(t.steps[level].action) + " (" + prev +
                                   " has no successor)");
        return fail(level, "no successor of " + prev + " has action " + quote(t.steps[level].action) +
                               " (the model offers: " + listing(other_actions) + ")");
    }
    const std::size_t last = t.steps.size() - 1;
    auto ancestor = [&](std::size_t index, std::size_t at) -> const node& {
        for (std::size_t l = last; l > at; --l) index = levels[l][index].parent;
        return levels[at][index];
    };
    std::size_t chosen = 0;
    if (t.end == trace_end::cycle) {
        if (t.loop_start >= last)
            return fail(last, "the cycle goes back to step " + std::to_string(t.loop_start) +
                                  ", which must come before the last step");
        while (chosen < levels[last].size() && !(ancestor(chosen, t.loop_start).st == levels[last][chosen].st))
            ++chosen;
        if (chosen == levels[last].size())
            return fail(last, "the trace ends in a cycle back to step " + std::to_string(t.loop_start) +
                                  ", but this state is not the state of step " + std::to_string(t.loop_start));
    } else if (t.end == trace_end::deadlock) {
        std::string successor;
        for (; chosen < levels[last].size(); ++chosen) {
            successor.clear();
            m.next(levels[last][chosen].st, [&](const action& a, const state&) {
                if (successor.empty()) successor = to_text(m, a);
            });
            if (successor.empty()) break;
        }
        if (chosen == levels[last].size())
            return fail(last, "the trace ends in a deadlock, but this state has a successor (action " +
                                  quote(successor) + ")");
    }
    trace<M> out;
    out.end = t.end;
    out.loop_start = t.loop_start;
    out.steps.reserve(t.steps.size());
    for (std::size_t l = 0; l <= last; ++l) {
        const node& n = ancestor(chosen, l);
        out.steps.push_back({n.act, n.st});
    }
    r.ok = std::move(out);
    return r;
}

}  // namespace tcpv
