#pragma once
/// \file tcpv/tcp/sequence_chart.hpp
/// Traces of a pair of endpoints as message sequence charts (Graphviz DOT), the picture of a
/// counterexample that people draw by hand: a lifeline per endpoint, time flowing down, each
/// segment an arrow from its sender to its receiver.
///
/// Layout. One row per trace step (step 0 is the initial state), four columns: the step
/// number (and the model clock at ticks), lifeline A, the network between them, lifeline B.
/// Rows are `rank=same` groups chained by heavy invisible edges, so the columns stay straight
/// and time flows down. On a lifeline, a step where something happened to that endpoint is a
/// box saying what (the user's call, a timer expiry, the new RFC state); other steps are small
/// points. The wire events come from wire.hpp (the same recovery of sends as the pcap file),
/// so the chart and the pcap of a trace always agree.
/// - delivered: a solid arrow from the sender at its send step to the receiver at its
///   delivery step, labelled `<SEQ=5><ACK=9><CTL=FIN,ACK>`;
/// - lost: a dashed red arrow ending in a red cross in the network column at the step that
///   lost it, labelled "... lost";
/// - expired (older than MSL at a tick): a dotted grey arrow ending in a grey cross, "expired";
/// - still in flight when the trace ends: a dotted arrow to the last row, "in flight";
/// - a copy made by the network (duplication) starts in the network column.
/// Segment arrows do not constrain the layout (`constraint=false`), so an arrow across many
/// rows cannot stretch them; they are straight lines (`splines=line`) and carry their text as
/// `xlabel`, placed after the layout, because an ordinary label is a virtual node that bends
/// an unconstrained edge out of its way. Output is deterministic: ids and order follow the trace.

#include <concepts>
#include <cstddef>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <tcpv/graphviz.hpp>
#include <tcpv/trace.hpp>

#include "wire.hpp"

namespace tcpv::tcp::msc {

/// What the chart is called and how its lifelines are labelled.
struct chart_options {
    std::string title;                     ///< above the chart; empty: none
    std::string names[2] = {"A", "B"};     ///< the endpoints, as the trace prints them
};

/// A segment as the chart labels it: RFC 9293's notation without the ghost incarnation,
/// which no endpoint can see.
inline std::string label(const segment& s) {
    std::string t = to_string(s);
    if (const auto ghost = t.rfind(" #"); ghost != std::string::npos) t.erase(ghost);
    return t;
}

/// What happened to one endpoint in one step: the lines of its lifeline box.
struct note {
    std::vector<std::string> lines;  ///< empty: nothing happened to it
    bool timer = false;              ///< a timer expired (the box is drawn in the timer colour)
};

/// What happened to endpoint `side` in a step (before -> after), one line per fact. Timer expiries are recognised the way `tcp::tick`
/// fires them (endpoint.hpp): the retransmission timer at 1 fires first and alone, else the
/// TIME-WAIT or FIN-WAIT-2 timer at 1; the chart only sees states, so it reads the timers.
inline note notes(const pair_action& a, int side, const tcb& before, const tcb& after) {
    using k = pair_action::kind;
    note n;
    auto& out = n.lines;
    if (a.what == k::call && a.side == side) out.emplace_back(event_name(a.call));
    if (a.what == k::tick) {
        n.timer = true;
        if (before.rtx_timer == 1) {
            out.emplace_back(after.how == ending::gave_up && before.how != ending::gave_up
                                 ? "retransmission timer: retries exhausted"
                                 : "retransmission timeout");
        } else if (before.wait_timer == 1 &&
                   (before.st == state_id::time_wait || before.st == state_id::fin_wait_2)) {
            out.emplace_back(before.st == state_id::time_wait ? "TIME-WAIT timer expires" : "FIN-WAIT-2 timer expires");
        } else {
            n.timer = false;
        }
    }
    if (before.st != after.st) {
        std::string s = "-> " + std::string(rfc_name(after.st));
        if (after.st == state_id::closed && after.how != ending::open) s += " (" + std::string(ending_name(after.how)) + ")";
        out.push_back(std::move(s));
    }
    return n;
}

/// The chart of a sequence of (action, pair state) steps, step 0 being the initial state;
/// `action_of` and `state_of` as for `wire::events` (a model wrapping a pair passes projections).
inline std::string chart(std::size_t count, const std::function<const pair_action&(std::size_t)>& action_of,
                         const std::function<const pair_state&(std::size_t)>& state_of, const chart_options& o = {}) {
    using graphviz::quote;
    const std::vector<wire::event> events = wire::events(count, action_of, state_of);
    const char lane[2] = {'a', 'b'};
    std::ostringstream os;
    os << "digraph msc {\n"
       << "  graph [rankdir=TB, nodesep=0.5, ranksep=0.35, newrank=true, splines=line, forcelabels=true, fontname=\"Helvetica\"";
    if (!o.title.empty()) os << ", labelloc=t, label=" << quote(o.title);
    os << "];\n"
       << "  node [fontname=\"Helvetica\", fontsize=10];\n"
       << "  edge [fontname=\"Helvetica\", fontsize=9];\n";
    // The heads: the endpoint names and their first states; the network column is wide so the
    // arrow labels have room between the lifelines.
    os << "  { rank=same; th [shape=plaintext, label=\"step\", fontcolor=gray40]; ";
    for (int s = 0; s < 2; ++s) {
        if (s == 1) os << "mh [shape=plaintext, label=\"network\", fontcolor=gray40, width=3.2]; ";
        os << lane[s] << "h [shape=box, style=\"filled,bold\", fillcolor=gray92, label="
           << quote(o.names[s] + "\n" + std::string(count ? rfc_name(state_of(0).ep[s].st) : "")) << "]; ";
    }
    os << "}\n  th -> ah -> mh -> bh [style=invis];\n";
    // Which network-column rows end a segment (a cross is drawn there).
    std::vector<int> cross(count, 0);  // 0 none, 1 lost (red), 2 expired only (grey)
    for (const auto& e : events)
        if (e.end == wire::fate::lost) cross[e.end_step] = 1;
        else if (e.end == wire::fate::expired && cross[e.end_step] == 0) cross[e.end_step] = 2;
    unsigned clock = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const std::string n = std::to_string(i);
        const pair_action& a = action_of(i);
        const bool tick = i > 0 && a.what == pair_action::kind::tick;
        if (tick) ++clock;
        os << "  { rank=same; t" << n << " [shape=plaintext, fontcolor=gray40, label="
           << quote(tick ? n + "  tick, t=" + std::to_string(clock) : n) << "]; ";
        for (int s = 0; s < 2; ++s) {
            if (s == 1) {
                os << "m" << n;
                if (cross[i] == 0) os << " [shape=point, width=0.01, style=invis]; ";
                else os << " [shape=plaintext, fontsize=16, label=\"×\", fontcolor=" << (cross[i] == 1 ? "red" : "gray50") << "]; ";
            }
            const note what = i == 0 ? note{} : notes(a, s, state_of(i - 1).ep[s], state_of(i).ep[s]);
            os << lane[s] << n;
            if (what.lines.empty()) {
                os << " [shape=point, width=0.05, color=gray50]; ";
            } else {
                std::string text;
                for (const auto& w : what.lines) text += (text.empty() ? "" : "\n") + w;
                os << " [shape=box, style=rounded, fontsize=9, label=" << quote(text)
                   << (what.timer ? ", color=darkorange3, fontcolor=darkorange3" : "") << "]; ";
            }
        }
        os << "}\n";
        const std::string prev = i == 0 ? "h" : std::to_string(i - 1);
        os << "  t" << n << " -> a" << n << " -> m" << n << " -> b" << n << " [style=invis];\n";
        os << "  t" << prev << " -> t" << n << " [style=invis, weight=100];\n";
        os << "  m" << prev << " -> m" << n << " [style=invis, weight=100];\n";
        for (const char l : lane) os << "  " << l << prev << " -> " << l << n << " [arrowhead=none, color=gray60, weight=100];\n";
    }
    // The segments, in the order they were sent.
    for (std::size_t k = 0; k < events.size(); ++k) {
        const wire::event& e = events[k];
        const int from = e.from & 1;
        const std::string tail = e.duplicate ? "m" + std::to_string(e.step) : lane[from] + std::to_string(e.step);
        std::string head, style, text = label(e.seg);
        if (e.duplicate) text += " (network copy)";
        switch (e.end) {
            case wire::fate::delivered:
                head = lane[1 - from] + std::to_string(e.end_step);
                style = "color=black";
                break;
            case wire::fate::lost:
                head = "m" + std::to_string(e.end_step);
                style = "color=red, fontcolor=red, style=dashed, arrowhead=none";
                text += " lost";
                break;
            case wire::fate::expired:
                head = "m" + std::to_string(e.end_step);
                style = "color=gray50, fontcolor=gray40, style=dotted, arrowhead=none";
                text += " expired";
                break;
            case wire::fate::in_flight:
                head = "m" + std::to_string(count - 1);
                style = "color=gray50, fontcolor=gray40, style=dotted";
                text += " in flight";
                break;
        }
        os << "  " << tail << " -> " << head << " [id=" << quote("seg" + std::to_string(k + 1)) << ", xlabel=" << quote(text)
           << ", " << style << ", constraint=false];\n";
    }
    os << "}\n";
    return os.str();
}

/// The chart of steps that hold a pair directly (`state = pair_state`, `action = pair_action`).
template <class Steps>
std::string chart_of_pair_steps(const Steps& steps, const chart_options& o = {}) {
    return chart(
        steps.size(), [&](std::size_t i) -> const pair_action& { return steps[i].act; },
        [&](std::size_t i) -> const pair_state& { return steps[i].st; }, o);
}

}  // namespace tcpv::tcp::msc

namespace tcpv::tcp::models {

/// The hook of `tcpv check --msc` and `tcpv dot --graph msc` (registry.hpp, found by
/// argument-dependent lookup): a trace of a model whose state and action are a plain pair
/// (`close`) as a message sequence chart.
template <class M>
    requires std::same_as<typename M::state, pair_state> && std::same_as<typename M::action, pair_action>
std::string sequence_chart(const M&, const tcpv::trace<M>& t, const std::string& title) {
    return msc::chart_of_pair_steps(t.steps, {title});
}

}  // namespace tcpv::tcp::models
