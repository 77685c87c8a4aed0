#pragma once
/// \file tcpv/tcp/table_diagram.hpp
/// THE TABLE (rfc9293.hpp) as a Graphviz state diagram that reads like RFC 9293 Figure 5: the
/// eleven states as nodes in the figure's layout, one edge per (from, to, kind of path) labelled
/// `event / action` (one line per table row), open, close, reset and give-up paths in
/// different colours, and the edges the RFC figure does not draw (FIN-WAIT-1 -> TIME-WAIT on a
/// FIN that acknowledges our FIN, above all) drawn bold and labelled as such.
///
/// The diagram is drawn from the same constexpr rows the endpoint executes, under one
/// endpoint configuration: a row guarded by a profile knob (`when<rfc1337_g>`, ...) is drawn
/// only when the knob is on, and a row it shadows only when it is off, so each profile gets
/// its own diagram. Rows guarded by the connection's history (passive OPEN, orphaned) may or
/// may not apply, so they are drawn with the guard in brackets. Rows that keep the state, and
/// catch-all rows that leave many states alike, are not drawn: the graph label says which.
///
/// ```cpp
/// const std::string dot = tcpv::tcp::table_diagram<tcpv::tcp::rfc9293_table>(
///     tcpv::tcp::table_profile("linux"));
/// ```

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <tcpv/graphviz.hpp>

#include "endpoint.hpp"
#include "profile.hpp"
#include "rfc9293.hpp"
#include "table.hpp"

namespace tcpv::tcp {

/// A configuration to draw the table under: the knobs that select rows, and the name shown.
struct diagram_profile {
    std::string name;       ///< "rfc9293", "linux", ... (shown in the title)
    endpoint_config config;  ///< rfc1337, linger_abort, rst_on_unread, challenge_ack, fin_wait_2
};

/// The configuration of profile `name` (profiles::all: rfc9293, linux, freebsd, windows) as the
/// endpoint models run it; throws std::invalid_argument naming the profiles otherwise.
inline diagram_profile table_profile(std::string_view name) {
    const profile& p = profiles::by_name(name);
    return {std::string(p.name), scale(p).config(p)};
}

/// Which path of the connection an edge belongs to (its colour).
enum class diagram_path : std::uint8_t { open, close, reset, give_up };

namespace diagram_detail {

/// Node names: DOT identifiers (FIN_WAIT_1), labels are the RFC spellings.
inline std::string node_id(state_id s) {
    std::string n(rfc_name(s));
    for (char& c : n)
        if (c == '-') c = '_';
    return n;
}

/// Figure 5's rows of states, top to bottom; the diagram keeps them so that it reads the same.
inline constexpr std::array<std::uint8_t, state_count> figure_rank = {0, 1, 2, 2, 3, 4, 5, 4, 5, 5, 6};

/// The arcs RFC 9293 Figure 5 draws (it omits resets, timeouts and error conditions).
inline constexpr std::array<std::pair<state_id, state_id>, 20> figure_arcs = {{
    {state_id::closed, state_id::listen},
    {state_id::closed, state_id::syn_sent},
    {state_id::listen, state_id::syn_received},
    {state_id::listen, state_id::syn_sent},
    {state_id::listen, state_id::closed},
    {state_id::syn_sent, state_id::closed},
    {state_id::syn_sent, state_id::syn_received},
    {state_id::syn_sent, state_id::established},
    {state_id::syn_received, state_id::listen},  // "rcv RST (note 1)": after a passive OPEN
    {state_id::syn_received, state_id::established},
    {state_id::syn_received, state_id::fin_wait_1},
    {state_id::established, state_id::fin_wait_1},
    {state_id::established, state_id::close_wait},
    {state_id::fin_wait_1, state_id::fin_wait_2},
    {state_id::fin_wait_1, state_id::closing},
    {state_id::fin_wait_2, state_id::time_wait},
    {state_id::closing, state_id::time_wait},
    {state_id::close_wait, state_id::last_ack},
    {state_id::last_ack, state_id::closed},
    {state_id::time_wait, state_id::closed},
}};

inline bool in_figure(state_id from, state_id to) {
    for (const auto& a : figure_arcs)
        if (a.first == from && a.second == to) return true;
    return false;
}

/// Whether a knob guard holds under `c`; nullopt-like -1 for guards on the connection's
/// history, which the table alone cannot decide.
inline int knob_guard(const row_data& r, const endpoint_config& c) {
    bool v = true;
    switch (r.guard) {
        case guard_id::always: return 1;
        case guard_id::passive_open:
        case guard_id::orphaned: return -1;
        case guard_id::rfc1337: v = c.rfc1337; break;
        case guard_id::linger_abort: v = c.linger_abort; break;
        case guard_id::unread_data: return c.rst_on_unread ? -1 : 0;  // and only with unread data
        case guard_id::challenge_ack: v = c.challenge_ack; break;
    }
    return (r.negate ? !v : v) ? 1 : 0;
}

/// Whether the event can happen at all under `c` (a FIN-WAIT-2 timer needs a limit).
inline bool event_possible(event_id e, const endpoint_config& c) {
    if (e == event_id::fin_wait_2_timeout) return c.fin_wait_2 > 0;
    if (e == event_id::time_wait_timeout) return c.time_wait > 0;
    return true;
}

/// Short action names as the RFC figure writes them ("snd SYN,ACK"); actions that only update
/// the TCB are left to `tcpv step --table`. A FIN-WAIT-2 limit is shown where the profile has one.
inline std::string_view short_action(action_id a, const endpoint_config& c) {
    switch (a) {
        case action_id::arm_fin_wait_2: return c.fin_wait_2 > 0 ? "start FIN-WAIT-2 timer" : "";
        case action_id::send_ack: return "snd ACK";
        case action_id::send_rst_reply:
        case action_id::send_rst: return "snd RST";
        case action_id::send_syn: return "snd SYN";
        case action_id::send_syn_ack: return "snd SYN,ACK";
        case action_id::send_fin: return "snd FIN";
        case action_id::retransmit: return "retransmit";
        case action_id::report_reset: return "report reset";
        case action_id::report_refused: return "report refused";
        case action_id::report_timeout: return "report timeout";
        default: return {};
    }
}

inline bool has_action(const row_data& r, action_id a) {
    for (std::size_t i = 0; i < r.action_count; ++i)
        if (r.actions[i] == a) return true;
    return false;
}

/// The path a row belongs to: giving up (timers that end the connection), reset (RST in or
/// out, ABORT, a half-open connection abandoned back to LISTEN), open (towards ESTABLISHED),
/// else close.
inline diagram_path classify(const row_data& r, state_id from, state_id to) {
    const auto ev = [&](event_id e) { return r.has_event(e); };
    if (ev(event_id::retries_exhausted) || ev(event_id::user_timeout) || ev(event_id::fin_wait_2_timeout))
        return diagram_path::give_up;
    if (ev(event_id::rcv_rst) || ev(event_id::abort) || has_action(r, action_id::send_rst) ||
        has_action(r, action_id::send_rst_reply) || has_action(r, action_id::report_reset) ||
        has_action(r, action_id::report_refused))
        return diagram_path::reset;
    if (from == state_id::syn_received && to == state_id::listen) return diagram_path::reset;
    if (to == state_id::listen || to == state_id::syn_sent || to == state_id::syn_received || to == state_id::established)
        return diagram_path::open;
    return diagram_path::close;
}

inline constexpr std::array<std::string_view, 4> path_colour = {"blue3", "darkgreen", "red3", "darkorange3"};
inline constexpr std::array<std::string_view, 4> path_name = {"open", "close", "reset", "give-up"};

/// "[guard] event, event / action, action" for row `r` on the events `events` (a bit mask).
inline std::string edge_line(const row_data& r, std::uint32_t events, const endpoint_config& c) {
    std::string s;
    if (r.guard != guard_id::always) s += std::string("[") + (r.negate ? "not " : "") + std::string(guard_name(r.guard)) + "] ";
    bool first = true;
    for (std::size_t e = 0; e < event_count; ++e)
        if ((events >> e) & 1u) {
            s += (first ? "" : ", ") + std::string(event_name(event_id(e)));
            first = false;
        }
    std::string acts;
    for (std::size_t i = 0; i < r.action_count; ++i) {
        const std::string_view a = short_action(r.actions[i], c);
        if (a.empty() || acts.find(a) != std::string::npos) continue;
        acts += (acts.empty() ? "" : ", ") + std::string(a);
    }
    return s + " / " + (acts.empty() ? "-" : acts);
}

/// A row leaving at least this many states alike is a catch-all: summarised in the label.
inline constexpr std::size_t catch_all_states = 6;
/// So is a row to CLOSED on events that end a connection from anywhere (ABORT, giving up):
/// drawn, they would be a dozen arcs that say one thing.
inline constexpr std::uint32_t catch_all_events = (1u << unsigned(event_id::abort)) |
                                                  (1u << unsigned(event_id::retries_exhausted)) |
                                                  (1u << unsigned(event_id::user_timeout));

/// Edges into CLOSED from the lower half of the figure end at a second CLOSED node at the
/// bottom, as in the RFC figure, instead of crossing the whole diagram upwards.
inline std::string target_id(state_id from, state_id to) {
    if (to == state_id::closed && figure_rank[std::size_t(from)] >= 3) return "CLOSED_end";
    return node_id(to);
}

}  // namespace diagram_detail

/// The table `T` under profile `p` as DOT (see the file comment). Deterministic: states,
/// rows and events are walked in their declared order.
template <class T = rfc9293_table>
std::string table_diagram(const diagram_profile& p) {
    using namespace diagram_detail;
    const endpoint_config& c = p.config;
    // The rows that can apply, per (from state, row): the events they take there. A row is
    // live for (s, e) when no earlier row that surely applies under this profile takes it.
    std::vector<std::vector<std::uint32_t>> live(state_count, std::vector<std::uint32_t>(T::size, 0));
    for (std::size_t s = 0; s < state_count; ++s)
        for (std::size_t e = 0; e < event_count; ++e) {
            if (!event_possible(event_id(e), c)) continue;
            for (std::size_t i = 0; i < T::size; ++i) {
                const row_data& r = T::rows[i];
                if (!r.has_from(state_id(s)) || !r.has_event(event_id(e))) continue;
                const int g = knob_guard(r, c);
                if (g == 0) continue;  // off in this profile: never applies
                live[s][i] |= 1u << e;
                if (g == 1) break;  // applies whenever reached: later rows are shadowed
            }
        }
    // Edges keyed by (from, to, path), each a list of lines (one per row) in table order.
    std::map<std::tuple<std::size_t, std::size_t, diagram_path>, std::vector<std::string>> edges;
    std::size_t kept = 0;
    std::vector<std::string> catch_alls;
    for (std::size_t i = 0; i < T::size; ++i) {
        const row_data& r = T::rows[i];
        if (r.same) {
            for (std::size_t s = 0; s < state_count; ++s) kept += live[s][i] != 0;
            continue;
        }
        std::size_t from_count = 0;
        std::uint32_t all_events = 0;
        for (std::size_t s = 0; s < state_count; ++s)
            if (live[s][i]) {
                ++from_count;
                all_events |= live[s][i];
            }
        if (from_count == 0) continue;
        if (from_count >= catch_all_states || (r.to == state_id::closed && (all_events & ~catch_all_events) == 0)) {
            std::string states;
            for (std::size_t s = 0; s < state_count; ++s)
                if (live[s][i]) states += (states.empty() ? "" : ", ") + std::string(rfc_name(state_id(s)));
            catch_alls.push_back(edge_line(r, all_events, c) + ": " + states + " -> " + std::string(rfc_name(r.to)));
            continue;
        }
        for (std::size_t s = 0; s < state_count; ++s) {
            if (!live[s][i]) continue;
            const state_id to = r.target(state_id(s));
            if (to == state_id(s)) {
                ++kept;
                continue;
            }
            auto& lines = edges[{s, std::size_t(to), classify(r, state_id(s), to)}];
            const std::string line = edge_line(r, live[s][i], c);
            bool dup = false;
            for (const auto& l : lines) dup = dup || l == line;
            if (!dup) lines.push_back(line);
        }
    }
    // Guarded rows this profile leaves out (their knob is off): named in the label.
    std::vector<std::string> off;
    for (std::size_t i = 0; i < T::size; ++i) {
        const row_data& r = T::rows[i];
        if (knob_guard(r, c) != 0) continue;
        const std::string g(guard_name(r.guard));
        bool dup = false;
        for (const auto& o : off) dup = dup || o == g;
        if (!dup) off.push_back(g);
    }

    std::ostringstream os;
    std::string title = "TCP state diagram of the RFC 9293 table, profile " + p.name + "\n";
    title += "blue: open, green: close, red: reset and abort, orange dashed: giving up (timers); bold purple: "
             "absent from RFC 9293 Figure 5\n";
    title += "not drawn: " + std::to_string(kept) +
             " (state, row) pairs that keep the state (drops, ACKs, retransmissions, errors of calls; "
             "`tcpv step --table` lists them)\n";
    for (const auto& ca : catch_alls) title += "not drawn (from many states): " + ca + "\n";
    if (!off.empty()) {
        title += "rows off in this profile:";
        for (std::size_t k = 0; k < off.size(); ++k) title += (k ? ", " : " ") + off[k];
        title += "\n";
    }
    os << "digraph tcp_table {\n"
       << "  graph [rankdir=TB, nodesep=0.5, ranksep=0.7, fontname=\"Helvetica\", fontsize=11, labelloc=b, labeljust=l, "
          "label="
       << graphviz::quote(title) << "];\n"
       << "  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=11, width=1.4];\n"
       << "  edge [fontname=\"Helvetica\", fontsize=8];\n";
    for (std::uint8_t rank = 0; rank <= figure_rank.back(); ++rank) {
        os << "  { rank=same;";
        for (std::size_t s = 0; s < state_count; ++s)
            if (figure_rank[s] == rank)
                os << " " << node_id(state_id(s)) << " [label=" << graphviz::quote(rfc_name(state_id(s)))
                   << (s == 0 ? ", penwidth=2" : "") << "];";
        os << " }\n";
    }
    os << "  CLOSED_end [label=\"CLOSED\", penwidth=2];\n";
    for (const auto& [key, lines] : edges) {
        const auto& [from, to, path] = key;
        const auto f = state_id(from), t = state_id(to);
        const bool novel = (path == diagram_path::open || path == diagram_path::close) && !in_figure(f, t);
        std::string label;
        for (const auto& l : lines) label += (label.empty() ? "" : "\n") + l;
        if (novel) label = "NOT IN RFC FIGURE 5:\n" + label;
        os << "  " << node_id(f) << " -> " << target_id(f, t) << " [id="
           << graphviz::quote(node_id(f) + "__" + node_id(t) + "__" + std::string(path_name[std::size_t(path)]))
           << ", label=" << graphviz::quote(label) << ", color=" << (novel ? "purple" : path_colour[std::size_t(path)])
           << ", fontcolor=" << (novel ? "purple" : path_colour[std::size_t(path)]);
        if (novel) os << ", penwidth=3, style=bold";
        if (path == diagram_path::give_up) os << ", style=dashed";
        // Edges back up the figure would pull the layout apart; the ranks stay the RFC's.
        if (target_id(f, t) != "CLOSED_end" && figure_rank[from] >= figure_rank[to]) os << ", constraint=false";
        os << "];\n";
    }
    os << "}\n";
    return os.str();
}

}  // namespace tcpv::tcp
