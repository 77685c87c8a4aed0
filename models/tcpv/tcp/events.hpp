#pragma once
/// \file tcpv/tcp/events.hpp
/// What can happen to an endpoint: user calls, segment arrivals and timer expiries, as types
/// (`call<close>`, `rcv<fin>`, `expire<time_wait_timer>`) and as one run-time `event_id`.
///
/// Segment arrivals are classified before the table is consulted: `classify` (endpoint.hpp)
/// applies RFC 9293's checks in its order (§3.10.7: sequence number, RST, SYN, ACK, FIN) and
/// names the one case that applies, so each table row handles exactly one situation.

#include <array>
#include <cstdint>
#include <string_view>

namespace tcpv::tcp {

/// Run-time identity of an event.
enum class event_id : std::uint8_t {
    // user calls (RFC 9293 §3.10.1-3.10.5)
    open_active,
    open_passive,
    send,
    close,
    shutdown,
    abort,
    // segment arrivals, classified (§3.10.7)
    rcv_syn,               ///< SYN without ACK
    rcv_syn_ack,           ///< SYN+ACK that acknowledges our SYN
    rcv_ack,               ///< acceptable ACK that does not acknowledge our FIN
    rcv_ack_of_fin,        ///< acceptable ACK that acknowledges our FIN
    rcv_fin,               ///< acceptable FIN that does not acknowledge our FIN
    rcv_fin_ack_of_fin,    ///< acceptable FIN whose ACK acknowledges our FIN
    rcv_data,              ///< acceptable segment carrying data, without FIN
    rcv_rst,               ///< RST that passes validation
    rcv_rst_unacceptable,  ///< RST that fails validation (dropped silently)
    rcv_rst_in_window,     ///< RST in the window but not at RCV.NXT (RFC 5961: a challenge ACK)
    rcv_bad_ack,           ///< ACK of something not yet sent (or not acceptable in SYN-RECEIVED/SYN-SENT)
    rcv_unacceptable,      ///< non-RST segment outside the receive window (an old duplicate)
    rcv_no_ack,            ///< synchronized state, in window, no SYN/RST/ACK: dropped (§3.10.7.4 step 5)
    // timer expiries
    retransmission_timeout,  ///< retransmission timer, retries left
    retries_exhausted,       ///< retransmission timer, retry limit reached (R2, §3.8.3)
    time_wait_timeout,       ///< 2*MSL elapsed
    fin_wait_2_timeout,      ///< an implementation's FIN-WAIT-2 limit (Linux tcp_fin_timeout)
    user_timeout,            ///< §3.10.8
};
inline constexpr std::size_t event_count = 26;

inline constexpr std::string_view event_name(event_id e) noexcept {
    constexpr std::array<std::string_view, event_count> names = {
        "OPEN(active)", "OPEN(passive)", "SEND", "CLOSE", "SHUTDOWN", "ABORT",
        "rcv SYN", "rcv SYN+ACK", "rcv ACK", "rcv ACK of our FIN", "rcv FIN", "rcv FIN+ACK of our FIN",
        "rcv data", "rcv RST", "rcv unacceptable RST", "rcv RST in window", "rcv bad ACK", "rcv unacceptable segment",
        "rcv segment without ACK",
        "retransmission timeout", "retries exhausted", "TIME-WAIT timeout", "FIN-WAIT-2 timeout",
        "user timeout"};
    return names[static_cast<std::size_t>(e)];
}

inline constexpr bool is_user_call(event_id e) noexcept { return e <= event_id::abort; }
inline constexpr bool is_segment_arrival(event_id e) noexcept {
    return e >= event_id::rcv_syn && e <= event_id::rcv_no_ack;
}
inline constexpr bool is_timer_expiry(event_id e) noexcept { return e >= event_id::retransmission_timeout; }

/// An event as a type.
template <event_id E>
struct event {
    static constexpr event_id id = E;
};

// User calls: call<close>.
struct open_active : event<event_id::open_active> {};
struct open_passive : event<event_id::open_passive> {};
struct send_call : event<event_id::send> {};
struct close : event<event_id::close> {};
struct shutdown : event<event_id::shutdown> {};
struct abort : event<event_id::abort> {};
template <class Call>
struct call : Call {};

// Segment kinds: rcv<fin>.
struct syn : event<event_id::rcv_syn> {};
struct syn_ack : event<event_id::rcv_syn_ack> {};
struct ack : event<event_id::rcv_ack> {};
struct ack_of_fin : event<event_id::rcv_ack_of_fin> {};
struct fin : event<event_id::rcv_fin> {};
struct fin_ack_of_fin : event<event_id::rcv_fin_ack_of_fin> {};
struct data : event<event_id::rcv_data> {};
struct rst : event<event_id::rcv_rst> {};
struct rst_unacceptable : event<event_id::rcv_rst_unacceptable> {};
struct rst_in_window : event<event_id::rcv_rst_in_window> {};
struct bad_ack : event<event_id::rcv_bad_ack> {};
struct unacceptable : event<event_id::rcv_unacceptable> {};
struct no_ack : event<event_id::rcv_no_ack> {};
template <class Kind>
struct rcv : Kind {};

// Timers: expire<time_wait_timer>.
struct retransmission_timer : event<event_id::retransmission_timeout> {};
struct retries_exhausted : event<event_id::retries_exhausted> {};
struct time_wait_timer : event<event_id::time_wait_timeout> {};
struct fin_wait_2_timer : event<event_id::fin_wait_2_timeout> {};
struct user_timer : event<event_id::user_timeout> {};
template <class Timer>
struct expire : Timer {};

/// Several events in one table row: `any_event<rcv<ack>, rcv<data>>`.
template <class... Events>
struct any_event {
    static constexpr std::array<event_id, sizeof...(Events)> ids = {Events::id...};
};

/// Every segment kind (for rows of states that answer every segment alike, like CLOSED).
using any_segment = any_event<rcv<syn>, rcv<syn_ack>, rcv<ack>, rcv<ack_of_fin>, rcv<fin>, rcv<fin_ack_of_fin>,
                              rcv<data>, rcv<rst>, rcv<rst_unacceptable>, rcv<rst_in_window>, rcv<bad_ack>,
                              rcv<unacceptable>, rcv<no_ack>>;
/// Every segment kind except a RST.
using any_but_rst = any_event<rcv<syn>, rcv<syn_ack>, rcv<ack>, rcv<ack_of_fin>, rcv<fin>, rcv<fin_ack_of_fin>,
                              rcv<data>, rcv<bad_ack>, rcv<unacceptable>, rcv<no_ack>>;

}  // namespace tcpv::tcp
