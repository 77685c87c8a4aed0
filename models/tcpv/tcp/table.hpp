#pragma once
/// \file tcpv/tcp/table.hpp
/// The machinery of a compile-time transition table: rows written as types that read like the
/// RFC, turned into plain constexpr data that the endpoint, the checks and the exporters walk.
///
/// ```cpp
/// // clang-format off
/// //   from          event                   actions...                          to
/// row< fin_wait_1 , rcv<ack_of_fin>       ,                                     fin_wait_2 , cite<"3.10.7.4"> >,
/// row< fin_wait_1 , rcv<fin_ack_of_fin>   , take<fin>, send<ack>, arm<time_wait_timer>, time_wait >,
/// row< time_wait  , rcv<rst>              , when<rfc1337>,                      same       >,
/// // clang-format on
/// ```
/// A row's elements after the event are actions, at most one guard (`when<G>`, `unless<G>`)
/// and at most one citation (`cite<"...">`), in any order; the last element is the target state
/// (`same` stays). For a given state and event the first row whose guard holds applies.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "events.hpp"
#include "states.hpp"

namespace tcpv::tcp {

/// What a row does, in order.
enum class action_id : std::uint8_t {
    send_ack,        ///< <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
    send_rst_reply,  ///< RST answering the segment: <SEQ=SEG.ACK><CTL=RST>, or <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
    send_rst,        ///< our own RST: <SEQ=SND.NXT><CTL=RST> (ABORT)
    send_syn,        ///< <SEQ=ISS><CTL=SYN>; SND.UNA=ISS, SND.NXT=ISS+1
    send_syn_ack,    ///< <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>
    send_fin,        ///< <SEQ=SND.NXT><ACK=RCV.NXT><CTL=FIN,ACK>; SND.NXT+1
    retransmit,      ///< resend the unacknowledged SYN, SYN+ACK or FIN; back off the timer
    take_syn,        ///< IRS=SEG.SEQ, RCV.NXT=SEG.SEQ+1
    take_ack,        ///< SND.UNA=SEG.ACK
    take_fin,        ///< RCV.NXT=SEG.SEQ+1 (the FIN's sequence number)
    take_data,       ///< RCV.NXT advances over the data, which waits unread for the user
    arm_retransmission,  ///< start the retransmission timer (RTO), retries = 0
    stop_retransmission,
    arm_time_wait,   ///< start or restart the 2*MSL timer; stops the other timers
    arm_fin_wait_2,  ///< start the FIN-WAIT-2 limit (an implementation's, not the RFC's)
    report_reset,    ///< tell the user "connection reset"
    report_refused,  ///< tell the user "connection refused"
    report_closing,  ///< tell the user "connection closing" (the peer's FIN)
    report_timeout,  ///< tell the user the connection timed out (retries exhausted, user timeout)
    report_error,    ///< the call fails ("connection does not exist", "already exists", "closing")
    remember_passive,  ///< note that SYN-RECEIVED comes from a passive OPEN (MUST-11)
    remember_active,
    choose_iss,        ///< a new connection's initial sequence number: the ISN clock has advanced
    ack_data,          ///< send <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> if the segment carried data
};
inline constexpr std::size_t action_count = 24;

inline constexpr std::string_view action_name(action_id a) noexcept {
    constexpr std::array<std::string_view, action_count> names = {
        "send ACK", "send RST (reply)", "send RST", "send SYN", "send SYN+ACK", "send FIN",
        "retransmit", "take SYN", "take ACK", "take FIN", "take data",
        "arm retransmission timer", "stop retransmission timer", "arm TIME-WAIT timer (2*MSL)",
        "arm FIN-WAIT-2 timer", "report reset", "report refused", "report closing", "report timeout",
        "report error", "remember passive open", "remember active open", "choose ISS", "ACK the data"};
    return names[static_cast<std::size_t>(a)];
}

/// Conditions a row may depend on: how the connection was opened, and profile knobs.
enum class guard_id : std::uint8_t {
    always,
    passive_open,    ///< SYN-RECEIVED was reached from LISTEN (MUST-11)
    rfc1337,         ///< ignore RST in TIME-WAIT (RFC 1337; Linux net.ipv4.tcp_rfc1337=1)
    linger_abort,    ///< SO_LINGER {on, 0}: CLOSE aborts
    unread_data,     ///< received data the user has not read (Linux: CLOSE then sends RST)
    challenge_ack,   ///< RFC 5961 (RFC 9293 §3.10.7.4): answer in-window SYN/RST with an ACK
    orphaned,        ///< the user called CLOSE, not only SHUTDOWN (Linux: the socket is an orphan)
};
inline constexpr std::size_t guard_count = 7;

inline constexpr std::string_view guard_name(guard_id g) noexcept {
    constexpr std::array<std::string_view, guard_count> names = {"", "passive OPEN", "rfc1337", "SO_LINGER 0",
                                                                 "unread data", "RFC 5961", "closed (orphan)"};
    return names[static_cast<std::size_t>(g)];
}

/// A row as data.
struct row_data {
    std::uint16_t from = 0;   ///< bit per state_id
    std::uint32_t events = 0;  ///< bit per event_id
    guard_id guard = guard_id::always;
    bool negate = false;  ///< `unless<G>`
    std::array<action_id, 6> actions{};
    std::uint8_t action_count = 0;
    bool same = false;  ///< stay in the current state
    state_id to = state_id::closed;
    std::string_view cite;

    [[nodiscard]] constexpr bool has_from(state_id s) const noexcept { return (from >> unsigned(s)) & 1u; }
    [[nodiscard]] constexpr bool has_event(event_id e) const noexcept { return (events >> unsigned(e)) & 1u; }
    [[nodiscard]] constexpr bool unconditional() const noexcept { return guard == guard_id::always; }
    [[nodiscard]] constexpr state_id target(state_id from_state) const noexcept { return same ? from_state : to; }
};

// --- the row language ------------------------------------------------------------------------

template <class What>
struct send;  // send<ack>, send<rst>, send<syn>, send<syn_ack>, send<fin>
struct rst_of_ours {};  // send<rst_of_ours>: our own RST (ABORT), not a reply
template <class What>
struct take;  // take<syn>, take<ack>, take<fin>, take<data>
template <class Timer>
struct arm;  // arm<retransmission_timer>, arm<time_wait_timer>, arm<fin_wait_2_timer>
template <class Timer>
struct stop;  // stop<retransmission_timer>
struct retransmit {};
template <class What>
struct report;  // report<reset>, report<refused>, report<connection_closing>, report<timeout>, report<error>
struct reset {};
struct refused {};
struct connection_closing {};
struct timeout {};
struct error {};
struct remember_passive {};
struct remember_active {};
struct choose_iss {};
struct ack_data {};

/// Guards: `when<passive_open_g>`, `unless<rfc1337_g>`.
template <guard_id G>
struct guard_tag {
    static constexpr guard_id id = G;
};
using passive_open_g = guard_tag<guard_id::passive_open>;
using rfc1337_g = guard_tag<guard_id::rfc1337>;
using linger_abort_g = guard_tag<guard_id::linger_abort>;
using unread_data_g = guard_tag<guard_id::unread_data>;
using challenge_ack_g = guard_tag<guard_id::challenge_ack>;
using orphaned_g = guard_tag<guard_id::orphaned>;
template <class G>
struct when {};
template <class G>
struct unless {};

/// A citation: `cite<"RFC 9293 3.10.7.4">`.
template <std::size_t N>
struct fixed_string {
    char text[N]{};
    constexpr fixed_string(const char (&s)[N]) { std::copy_n(s, N, text); }  // NOLINT: implicit by design
    [[nodiscard]] constexpr std::string_view view() const { return {text, N - 1}; }
};
template <fixed_string S>
struct cite {
    static constexpr std::string_view text = S.view();
};

/// The target "stay in the current state".
struct same {};

namespace detail {

template <class T>
struct action_of;  // maps an action type to its id
template <> struct action_of<send<ack>> { static constexpr action_id id = action_id::send_ack; };
template <> struct action_of<send<rst>> { static constexpr action_id id = action_id::send_rst_reply; };
template <> struct action_of<send<rst_of_ours>> { static constexpr action_id id = action_id::send_rst; };
template <> struct action_of<send<syn>> { static constexpr action_id id = action_id::send_syn; };
template <> struct action_of<send<syn_ack>> { static constexpr action_id id = action_id::send_syn_ack; };
template <> struct action_of<send<fin>> { static constexpr action_id id = action_id::send_fin; };
template <> struct action_of<retransmit> { static constexpr action_id id = action_id::retransmit; };
template <> struct action_of<take<syn>> { static constexpr action_id id = action_id::take_syn; };
template <> struct action_of<take<ack>> { static constexpr action_id id = action_id::take_ack; };
template <> struct action_of<take<fin>> { static constexpr action_id id = action_id::take_fin; };
template <> struct action_of<take<data>> { static constexpr action_id id = action_id::take_data; };
template <> struct action_of<arm<retransmission_timer>> { static constexpr action_id id = action_id::arm_retransmission; };
template <> struct action_of<stop<retransmission_timer>> { static constexpr action_id id = action_id::stop_retransmission; };
template <> struct action_of<arm<time_wait_timer>> { static constexpr action_id id = action_id::arm_time_wait; };
template <> struct action_of<arm<fin_wait_2_timer>> { static constexpr action_id id = action_id::arm_fin_wait_2; };
template <> struct action_of<report<reset>> { static constexpr action_id id = action_id::report_reset; };
template <> struct action_of<report<refused>> { static constexpr action_id id = action_id::report_refused; };
template <> struct action_of<report<connection_closing>> { static constexpr action_id id = action_id::report_closing; };
template <> struct action_of<report<timeout>> { static constexpr action_id id = action_id::report_timeout; };
template <> struct action_of<report<error>> { static constexpr action_id id = action_id::report_error; };
template <> struct action_of<remember_passive> { static constexpr action_id id = action_id::remember_passive; };
template <> struct action_of<remember_active> { static constexpr action_id id = action_id::remember_active; };
template <> struct action_of<choose_iss> { static constexpr action_id id = action_id::choose_iss; };
template <> struct action_of<ack_data> { static constexpr action_id id = action_id::ack_data; };

template <class T> struct is_state : std::false_type {};
template <state_id S> struct is_state<state<S>> : std::true_type {};

template <class From>
constexpr std::uint16_t from_mask() {
    if constexpr (is_state<From>::value) {
        return static_cast<std::uint16_t>(1u << unsigned(From::id));
    } else {
        std::uint16_t m = 0;
        for (const state_id s : From::ids) m = static_cast<std::uint16_t>(m | (1u << unsigned(s)));
        return m;
    }
}
template <class Event>
constexpr std::uint32_t event_mask() {
    if constexpr (requires { Event::id; }) {
        return 1u << unsigned(Event::id);
    } else {
        std::uint32_t m = 0;
        for (const event_id e : Event::ids) m |= 1u << unsigned(e);
        return m;
    }
}

// How each kind of row element changes the row: actions append, guards and citations set.
template <class E>
struct element {
    static_assert(requires { action_of<E>::id; }, "tcpv::tcp::row: an element is not an action, guard or cite");
    static constexpr void add(row_data& r) { r.actions[r.action_count++] = action_of<E>::id; }
};
template <class G>
struct element<when<G>> {
    static constexpr void add(row_data& r) { r.guard = G::id; }
};
template <class G>
struct element<unless<G>> {
    static constexpr void add(row_data& r) {
        r.guard = G::id;
        r.negate = true;
    }
};
template <fixed_string S>
struct element<cite<S>> {
    static constexpr void add(row_data& r) { r.cite = cite<S>::text; }
};

}  // namespace detail

namespace detail {
template <class T>
inline constexpr bool is_target = is_state<T>::value || std::is_same_v<T, same>;
template <class... Es>
inline constexpr std::size_t target_count = (std::size_t{is_target<Es>} + ... + 0);
template <class... Es>
struct last_target {
    using type = void;
};
template <class E, class... Rest>
struct last_target<E, Rest...> {
    using rest = typename last_target<Rest...>::type;
    using type = std::conditional_t<std::is_void_v<rest>, std::conditional_t<is_target<E>, E, void>, rest>;
};
}  // namespace detail

/// One row of a transition table (see the file comment).
template <class From, class Event, class... Elements>
struct row {
    static_assert(detail::target_count<Elements...> == 1,
                  "tcpv::tcp::row: a row names exactly one target state (or same)");
    using target = typename detail::last_target<Elements...>::type;

    static constexpr row_data data = [] {
        row_data r;
        r.from = detail::from_mask<From>();
        r.events = detail::event_mask<Event>();
        auto add = [&]<class E>(E*) {
            if constexpr (!detail::is_target<E>) detail::element<E>::add(r);
        };
        (add(static_cast<Elements*>(nullptr)), ...);
        if constexpr (std::is_same_v<target, same>) {
            r.same = true;
        } else {
            r.to = target::id;
        }
        return r;
    }();
};

/// A transition table: its rows as constexpr data, and the lookup the endpoint uses.
template <class... Rows>
struct table {
    static constexpr std::array<row_data, sizeof...(Rows)> rows = {Rows::data...};
    static constexpr std::size_t size = sizeof...(Rows);

    /// Candidate rows per (state, event), in table order; index `size` ends a list.
    static constexpr std::size_t max_candidates = 6;
    static constexpr auto candidates = [] {
        std::array<std::array<std::uint8_t, max_candidates>, state_count * event_count> c{};
        for (auto& list : c) list.fill(static_cast<std::uint8_t>(size));
        for (std::size_t s = 0; s < state_count; ++s)
            for (std::size_t e = 0; e < event_count; ++e) {
                std::size_t n = 0;
                for (std::size_t i = 0; i < size; ++i) {
                    if (!rows[i].has_from(state_id(s)) || !rows[i].has_event(event_id(e))) continue;
                    if (n < max_candidates) c[s * event_count + e][n] = static_cast<std::uint8_t>(i);
                    ++n;
                    if (rows[i].unconditional()) break;  // later rows can never apply
                }
            }
        return c;
    }();
    static_assert(size < 255, "tcpv::tcp::table: at most 254 rows");
};

// --- checks on a table, for static_assert ----------------------------------------------------

/// Whether (state, event) has a row that applies whatever the guards say.
template <class Table>
constexpr bool handled(state_id s, event_id e) {
    for (const auto& r : Table::rows)
        if (r.has_from(s) && r.has_event(e) && r.unconditional()) return true;
    return false;
}

/// Every state has an unconditional row (maybe an explicit "ignore") for every segment kind and
/// every user call.
template <class Table>
constexpr bool complete() {
    for (std::size_t s = 0; s < state_count; ++s)
        for (std::size_t e = 0; e < event_count; ++e)
            if ((is_segment_arrival(event_id(e)) || is_user_call(event_id(e))) && !handled<Table>(state_id(s), event_id(e)))
                return false;
    return true;
}

/// The first (state, event) pair without an unconditional row, as state * event_count + event,
/// or -1: what a failed completeness check reports.
template <class Table>
constexpr int first_unhandled() {
    for (std::size_t s = 0; s < state_count; ++s)
        for (std::size_t e = 0; e < event_count; ++e)
            if ((is_segment_arrival(event_id(e)) || is_user_call(event_id(e))) && !handled<Table>(state_id(s), event_id(e)))
                return int(s * event_count + e);
    return -1;
}

/// Whether `to` can be reached from `from` through the table's rows (guards ignored).
template <class Table>
constexpr bool reaches(state_id from, state_id to) {
    std::array<bool, state_count> seen{};
    seen[std::size_t(from)] = true;
    for (bool changed = true; changed;) {
        changed = false;
        for (const auto& r : Table::rows)
            for (std::size_t s = 0; s < state_count; ++s) {
                if (!seen[s] || !r.has_from(state_id(s))) continue;
                const auto t = std::size_t(r.target(state_id(s)));
                if (!seen[t]) seen[t] = changed = true;
            }
    }
    return seen[std::size_t(to)];
}

/// Every state reaches CLOSED.
template <class Table>
constexpr bool every_state_reaches_closed() {
    for (std::size_t s = 0; s < state_count; ++s)
        if (!reaches<Table>(state_id(s), state_id::closed)) return false;
    return true;
}

/// No row is dead: each applies to some (state, event) pair not taken by an earlier
/// unconditional row.
template <class Table>
constexpr bool no_dead_rows() {
    for (std::size_t i = 0; i < Table::size; ++i) {
        bool live = false;
        for (std::size_t s = 0; s < state_count && !live; ++s)
            for (std::size_t e = 0; e < event_count && !live; ++e) {
                if (!Table::rows[i].has_from(state_id(s)) || !Table::rows[i].has_event(event_id(e))) continue;
                bool shadowed = false;
                for (std::size_t k = 0; k < i && !shadowed; ++k)
                    shadowed = Table::rows[k].has_from(state_id(s)) && Table::rows[k].has_event(event_id(e)) &&
                               Table::rows[k].unconditional();
                live = !shadowed;
            }
        if (!live) return false;
    }
    return true;
}

}  // namespace tcpv::tcp
