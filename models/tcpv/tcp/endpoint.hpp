#pragma once
/// \file tcpv/tcp/endpoint.hpp
/// The reference endpoint: a TCB, the classification of arriving segments (RFC 9293 §3.10.7's
/// checks in order), and one step of the transition table.
///
/// The endpoint is data plus pure functions, so that a model state can hold two of them and
/// the checker can copy and hash them: `step(tcb, event, segment, config)` looks the event up
/// in the table (rfc9293.hpp), applies the row's actions and returns what was sent.

#include <array>
#include <cstdint>
#include <ostream>
#include <string>

#include "rfc9293.hpp"
#include "segment.hpp"

namespace tcpv::tcp {

/// How a connection ended, kept after the TCB is gone (for properties and traces).
enum class ending : std::uint8_t {
    open,         ///< not ended (or never opened)
    graceful,     ///< LAST-ACK's FIN acknowledged, or TIME-WAIT ran out
    reset,        ///< a RST ended it (outside TIME-WAIT)
    assassinated, ///< a RST ended TIME-WAIT early (RFC 1337)
    refused,      ///< RST in SYN-SENT / SYN-RECEIVED after an active open
    gave_up,      ///< retries exhausted, or a user or FIN-WAIT-2 timeout
    aborted,      ///< the user aborted (ABORT, SO_LINGER 0, close with unread data)
};
inline constexpr std::string_view ending_name(ending e) noexcept {
    constexpr std::string_view names[] = {"open", "graceful", "reset", "assassinated", "refused", "gave up", "aborted"};
    return names[static_cast<int>(e)];
}

/// An endpoint's timing and knobs, in ticks (see profile.hpp for real durations).
struct endpoint_config {
    std::uint8_t rto = 1;          ///< initial retransmission timeout
    std::uint8_t max_retries = 2;  ///< retransmissions of a FIN before giving up (R2)
    std::uint8_t syn_retries = 2;     ///< retransmissions of a SYN (Linux tcp_syn_retries)
    std::uint8_t synack_retries = 2;  ///< retransmissions of a SYN+ACK (Linux tcp_synack_retries)
    bool backoff = false;          ///< double the timeout after each retransmission (capped at 15)
    std::uint8_t time_wait = 4;    ///< TIME-WAIT length (2*MSL); 0 = no TIME-WAIT at all
    std::uint8_t fin_wait_2 = 0;   ///< FIN-WAIT-2 limit; 0 = none (the RFC has none)
    std::uint8_t window = 4;       ///< RCV.WND for the acceptability test
    bool rfc1337 = false;          ///< ignore RST in TIME-WAIT
    bool linger_abort = false;     ///< SO_LINGER {on, 0}: CLOSE sends RST
    bool rst_on_unread = false;    ///< CLOSE with unread data sends RST (Linux, RFC SHLD-3)
    bool challenge_ack = true;     ///< RFC 5961 as adopted by RFC 9293 (table rows)
    std::uint8_t iss_step = 4;     ///< how far the ISN clock moves between two connections (modulo 16)
    bool timestamps = false;       ///< RFC 7323 timestamps and PAWS (§5): old timestamps are not acceptable
};

/// The transmission control block, compact (the checker stores many of them).
struct tcb {
    state_id st = state_id::closed;
    seq_t iss = 0, snd_una = 0, snd_nxt = 0, irs = 0, rcv_nxt = 0;
    std::uint8_t rtx_timer = 0;  ///< ticks until the retransmission timer expires; 0 = stopped
    std::uint8_t retries = 0;
    std::uint8_t wait_timer = 0;  ///< TIME-WAIT (or FIN-WAIT-2) timer; 0 = stopped
    bool passive = false;       ///< SYN-RECEIVED comes from a passive OPEN (MUST-11)
    bool fin_sent = false;      ///< our FIN occupies SND.NXT - 1
    bool fin_received = false;  ///< the peer's FIN occupies RCV.NXT - 1
    bool unread_data = false;   ///< data taken that the user has not read
    bool user_closed = false;   ///< the user called CLOSE or SHUTDOWN
    bool gave_up = false;       ///< some connection of this endpoint ended by giving up (sticky)
    ending how = ending::open;
    state_id time_wait_from = state_id::closed;  ///< the state TIME-WAIT was entered from
    std::uint8_t time_wait_acks = 0;             ///< retransmitted FINs acknowledged in TIME-WAIT (capped at 3)
    std::uint8_t incarnation = 0;                ///< ghost: the connection's incarnation
    std::uint8_t ts_clock = 0;                   ///< this endpoint's timestamp clock (1..15; ticks with time)
    std::uint8_t ts_recent = 0;                  ///< TS.Recent: the newest timestamp taken (0 = none)
    bool orphaned = false;                       ///< the user called CLOSE (not only SHUTDOWN): Linux bounds FIN-WAIT-2 then
    std::uint8_t reserved[2] = {};               ///< keeps the size a multiple of 4 (no padding)
    bool operator==(const tcb&) const = default;
};

/// What one step did.
struct step_result {
    std::array<segment, 2> sent{};
    std::uint8_t sent_count = 0;
    const row_data* row = nullptr;  ///< the table row applied (nullptr: no row, nothing happened)
    event_id event = event_id::rcv_no_ack;
    bool error = false;  ///< the user call failed (report<error>)
};

/// Timestamps run 1..15 and wrap; "older" is RFC 7323's modular comparison on that circle.
inline constexpr bool timestamp_older(std::uint8_t a, std::uint8_t b) noexcept {
    const unsigned d = (unsigned(b) + 15u - unsigned(a)) % 15u;  // b - a on the circle 1..15
    return d != 0 && d < 8;
}
/// The next value of a timestamp clock (1..15).
inline constexpr std::uint8_t timestamp_next(std::uint8_t v) noexcept { return std::uint8_t(v % 15u + 1u); }

/// RFC 9293 §3.10.7: which case of the table an arriving segment is, for this TCB.
inline event_id classify(const tcb& t, const segment& s, const endpoint_config& c) {
    const state_id st = t.st;
    if (st == state_id::closed || st == state_id::listen) {  // no sequence variables to check
        if (s.has(RST)) return event_id::rcv_rst;
        if (s.has(ACK)) return event_id::rcv_bad_ack;
        if (s.has(SYN)) return event_id::rcv_syn;
        return event_id::rcv_no_ack;
    }
    if (st == state_id::syn_sent) {  // §3.10.7.3
        const bool ack_ok = s.has(ACK) && seq_lt(t.iss, s.ack) && seq_le(s.ack, t.snd_nxt);
        if (s.has(ACK) && !ack_ok) return s.has(RST) ? event_id::rcv_rst_unacceptable : event_id::rcv_bad_ack;
        if (s.has(RST)) return ack_ok ? event_id::rcv_rst : event_id::rcv_rst_unacceptable;
        if (s.has(SYN)) return ack_ok ? event_id::rcv_syn_ack : event_id::rcv_syn;
        return event_id::rcv_no_ack;
    }
    // §3.10.7.4, first: the sequence number check. A retransmission of the peer's FIN (it ends
    // at RCV.NXT) is let through: see rfc9293.hpp.
    const unsigned len = s.seg_len();
    const bool retransmitted_fin = t.fin_received && s.has(FIN) && !s.has(RST) && seq_add(s.seq, int(len)) == t.rcv_nxt;
    bool acceptable;
    // A SYN is handled whatever its place in the window (fourth check); a RST's text is never
    // queued, so it is validated by the window alone (second check) even when it carries a FIN.
    if (len == 0 || s.has(SYN) || s.has(RST))
        acceptable = seq_in_window(s.seq, t.rcv_nxt, c.window);
    else
        acceptable = s.seq == t.rcv_nxt;  // no out-of-order queue: see rfc9293.hpp
    if (!acceptable && !retransmitted_fin) return s.has(RST) ? event_id::rcv_rst_unacceptable : event_id::rcv_unacceptable;
    // PAWS (RFC 7323 §5.3): a timestamp older than TS.Recent marks an old duplicate.
    if (c.timestamps && s.tsval != 0 && t.ts_recent != 0 && !s.has(RST) && timestamp_older(s.tsval, t.ts_recent))
        return event_id::rcv_unacceptable;
    // second: RST. With RFC 5961 only an exact RCV.NXT match resets; another in-window RST draws
    // a challenge ACK. Without it (RFC 793) any in-window RST resets.
    if (s.has(RST))
        return (s.seq == t.rcv_nxt || !c.challenge_ack) ? event_id::rcv_rst : event_id::rcv_rst_in_window;
    // fourth: SYN.
    if (s.has(SYN)) return s.has(ACK) ? event_id::rcv_syn_ack : event_id::rcv_syn;
    // fifth: ACK.
    if (!s.has(ACK)) return event_id::rcv_no_ack;
    if (st == state_id::syn_received) {
        if (!(seq_lt(t.snd_una, s.ack) && seq_le(s.ack, t.snd_nxt))) return event_id::rcv_bad_ack;
    } else if (seq_lt(t.snd_nxt, s.ack)) {
        return event_id::rcv_bad_ack;
    }
    const bool acks_our_fin = t.fin_sent && s.ack == t.snd_nxt;
    if (s.has(FIN)) return acks_our_fin ? event_id::rcv_fin_ack_of_fin : event_id::rcv_fin;
    if (acks_our_fin) return event_id::rcv_ack_of_fin;  // the ACK moves the state first (fifth), data or not
    if (s.len) return event_id::rcv_data;
    return event_id::rcv_ack;
}

/// Whether a row's guard holds for this TCB and configuration.
inline bool guard_holds(const row_data& r, const tcb& t, const endpoint_config& c) {
    bool v = true;
    switch (r.guard) {
        case guard_id::always: v = true; break;
        case guard_id::passive_open: v = t.passive; break;
        case guard_id::rfc1337: v = c.rfc1337; break;
        case guard_id::linger_abort: v = c.linger_abort; break;
        case guard_id::unread_data: v = c.rst_on_unread && t.unread_data; break;
        case guard_id::challenge_ack: v = c.challenge_ack; break;
        case guard_id::orphaned: v = t.orphaned; break;
    }
    return r.negate ? !v : v;
}

/// The row of table T that applies to `event` in the TCB's state, or nullptr.
template <class T = rfc9293_table>
const row_data* find_row(const tcb& t, event_id event, const endpoint_config& c) {
    const auto& list = T::candidates[std::size_t(t.st) * event_count + std::size_t(event)];
    for (const std::uint8_t i : list) {
        if (i >= T::size) break;
        if (guard_holds(T::rows[i], t, c)) return &T::rows[i];
    }
    return nullptr;
}

namespace detail {

inline void emit(step_result& out, const segment& s) {
    if (out.sent_count < out.sent.size()) out.sent[out.sent_count++] = s;
}

inline segment make(const tcb& t, std::uint8_t flags, seq_t seq, seq_t ack) {
    segment s;
    s.flags = flags;
    s.seq = seq;
    s.ack = (flags & ACK) ? ack : 0;
    s.tsval = t.ts_clock;  // 0 (no option) unless timestamps are on
    s.incarnation = t.incarnation;
    return s;
}

// What the retransmission timer resends in this state.
inline segment retransmission(const tcb& t) {
    // The head of the retransmission queue: a SYN+ACK not yet acknowledged comes before a FIN
    // (CLOSE in SYN-RECEIVED sends the FIN at once, §3.10.4).
    if (t.st != state_id::syn_sent && t.snd_una == t.iss) return make(t, SYN | ACK, t.iss, t.rcv_nxt);
    switch (t.st) {
        case state_id::syn_sent: return make(t, SYN, t.iss, 0);
        case state_id::syn_received: return make(t, SYN | ACK, t.iss, t.rcv_nxt);
        default: return make(t, FIN | ACK, seq_add(t.snd_nxt, -1), t.rcv_nxt);
    }
}

// Deletes the TCB's connection state; what the user did and how it ended stay (for properties).
inline void clear_connection(tcb& t) {
    tcb fresh;
    fresh.iss = t.iss;  // the next connection's ISS (a model chooses it; see incarnations)
    fresh.passive = t.passive;
    fresh.user_closed = t.user_closed;
    fresh.orphaned = t.orphaned;
    fresh.gave_up = t.gave_up;
    fresh.how = t.how;
    fresh.incarnation = t.incarnation;
    fresh.ts_clock = t.ts_clock;  // the host's clock, not the connection's
    t = fresh;
}

// How entering CLOSED (or LISTEN) from `from` through row `r` on `event` ends the connection:
// what the row tells the user first, then what the event says.
inline ending ending_of(state_id from, event_id event, const row_data& r) {
    for (std::uint8_t k = 0; k < r.action_count; ++k) {
        switch (r.actions[k]) {
            case action_id::report_reset: return ending::reset;
            case action_id::report_refused: return ending::refused;
            case action_id::report_timeout: return ending::gave_up;
            case action_id::send_rst: return ending::aborted;
            default: break;
        }
    }
    switch (event) {
        case event_id::rcv_rst:
            if (from == state_id::time_wait) return ending::assassinated;
            if (from == state_id::syn_sent || from == state_id::syn_received) return ending::refused;
            return ending::reset;
        case event_id::retries_exhausted:
        case event_id::user_timeout:
        case event_id::fin_wait_2_timeout: return ending::gave_up;
        case event_id::abort:
        case event_id::close: return ending::aborted;  // CLOSE straight to CLOSED: an abort or SYN-SENT
        default: return ending::graceful;
    }
}

}  // namespace detail

/// One event for endpoint `t`: classify (for segments), find the row, apply it. `seg` is the
/// arriving segment for segment events (ignored otherwise).
template <class T = rfc9293_table>
step_result step(tcb& t, event_id event, const segment& seg, const endpoint_config& c) {
    step_result out;
    out.event = event;
    const row_data* r = find_row<T>(t, event, c);
    out.row = r;
    if (!r) return out;
    const state_id from = t.st;
    for (std::uint8_t k = 0; k < r->action_count; ++k) {
        switch (r->actions[k]) {
            case action_id::send_ack: detail::emit(out, detail::make(t, ACK, t.snd_nxt, t.rcv_nxt)); break;
            case action_id::send_rst_reply: {
                segment rst = seg.has(ACK) ? detail::make(t, RST, seg.ack, 0)
                                           : detail::make(t, RST | ACK, 0, seq_add(seg.seq, int(seg.seg_len())));
                rst.incarnation = seg.incarnation;  // ghost: a reply belongs to the exchange it answers
                detail::emit(out, rst);
                break;
            }
            case action_id::send_rst: detail::emit(out, detail::make(t, RST, t.snd_nxt, 0)); break;
            case action_id::send_syn:
                t.snd_una = t.iss;
                t.snd_nxt = seq_add(t.iss, 1);
                detail::emit(out, detail::make(t, SYN, t.iss, 0));
                break;
            case action_id::send_syn_ack:
                t.snd_una = t.iss;
                t.snd_nxt = seq_add(t.iss, 1);
                detail::emit(out, detail::make(t, SYN | ACK, t.iss, t.rcv_nxt));
                break;
            case action_id::send_fin:
                detail::emit(out, detail::make(t, FIN | ACK, t.snd_nxt, t.rcv_nxt));
                t.snd_nxt = seq_add(t.snd_nxt, 1);
                t.fin_sent = true;
                break;
            case action_id::retransmit:
                detail::emit(out, detail::retransmission(t));
                ++t.retries;
                t.rtx_timer = c.backoff ? std::uint8_t(std::min(15, c.rto << std::min<int>(t.retries, 4))) : c.rto;
                break;
            case action_id::take_syn:
                t.irs = seg.seq;
                t.rcv_nxt = seq_add(seg.seq, 1);
                break;
            case action_id::take_ack:
                if (seq_lt(t.snd_una, seg.ack) && seq_le(seg.ack, t.snd_nxt)) t.snd_una = seg.ack;
                break;
            case action_id::take_fin:
                t.rcv_nxt = seq_add(seg.seq, int(seg.len) + 1);
                t.fin_received = true;
                break;
            case action_id::take_data:
                if (seg.len == 0) break;
                t.rcv_nxt = seq_add(seg.seq, int(seg.len));
                t.unread_data = true;
                break;
            case action_id::ack_data:
                if (seg.len != 0) detail::emit(out, detail::make(t, ACK, t.snd_nxt, t.rcv_nxt));
                break;
            case action_id::arm_retransmission:
                t.rtx_timer = c.rto;
                t.retries = 0;
                break;
            case action_id::stop_retransmission:
                t.rtx_timer = 0;
                t.retries = 0;
                break;
            case action_id::arm_time_wait:
                t.rtx_timer = 0;
                t.retries = 0;
                t.wait_timer = c.time_wait;
                if (from != state_id::time_wait) {
                    t.time_wait_from = from;
                } else if (t.time_wait_acks < 3) {
                    ++t.time_wait_acks;
                }
                break;
            case action_id::arm_fin_wait_2: t.wait_timer = c.fin_wait_2; break;
            case action_id::report_error: out.error = true; break;
            case action_id::remember_passive: t.passive = true; break;
            case action_id::remember_active: t.passive = false; break;
            case action_id::choose_iss: t.iss = seq_add(t.iss, c.iss_step); break;
            case action_id::report_reset:
            case action_id::report_refused:
            case action_id::report_closing:
            case action_id::report_timeout: break;  // reflected in `how` when the TCB closes
        }
    }
    if ((event == event_id::close || event == event_id::shutdown) && !out.error) t.user_closed = true;
    if (event == event_id::close && !out.error) t.orphaned = true;
    const state_id to = r->target(from);
    if (to != from) {
        const bool had_connection = from != state_id::closed;  // CLOSED -> LISTEN ends nothing
        if (had_connection && (to == state_id::closed || to == state_id::listen)) {
            t.how = detail::ending_of(from, event, *r);
            if (t.how == ending::gave_up) t.gave_up = true;
        }
        if (to == state_id::closed) {
            detail::clear_connection(t);
        } else if (to == state_id::listen) {  // back to LISTEN: the half-open connection is gone
            detail::clear_connection(t);
        }
        t.st = to;
        if (to == state_id::time_wait && c.time_wait == 0) {  // "no TIME-WAIT": close at once
            t.how = ending::graceful;
            detail::clear_connection(t);
            t.st = state_id::closed;
        }
    }
    return out;
}

/// A user call.
template <class T = rfc9293_table>
step_result user_call(tcb& t, event_id what, const endpoint_config& c) {
    return step<T>(t, what, segment{}, c);
}

/// An arriving segment.
template <class T = rfc9293_table>
step_result receive(tcb& t, const segment& s, const endpoint_config& c) {
    const event_id e = classify(t, s, c);
    const bool takes_timestamp = c.timestamps && s.tsval != 0 && e != event_id::rcv_unacceptable &&
                                 e != event_id::rcv_rst_unacceptable && e != event_id::rcv_bad_ack;
    step_result r = step<T>(t, e, s, c);
    if (takes_timestamp && t.st != state_id::closed && t.st != state_id::listen &&
        (t.ts_recent == 0 || !timestamp_older(s.tsval, t.ts_recent)))
        t.ts_recent = s.tsval;
    return r;
}

/// One tick of time: timers count down; an expiry is an event of the table.
template <class T = rfc9293_table>
step_result tick(tcb& t, const endpoint_config& c) {
    step_result none;
    if (c.timestamps) t.ts_clock = timestamp_next(t.ts_clock);
    if (t.rtx_timer > 0 && --t.rtx_timer == 0) {
        const std::uint8_t limit = t.st == state_id::syn_sent       ? c.syn_retries
                                   : t.st == state_id::syn_received ? c.synack_retries
                                                                    : c.max_retries;
        const event_id e = t.retries < limit ? event_id::retransmission_timeout : event_id::retries_exhausted;
        return step<T>(t, e, segment{}, c);
    }
    if (t.wait_timer > 0 && --t.wait_timer == 0) {
        if (t.st == state_id::time_wait) return step<T>(t, event_id::time_wait_timeout, segment{}, c);
        if (t.st == state_id::fin_wait_2) return step<T>(t, event_id::fin_wait_2_timeout, segment{}, c);
    }
    return none;
}

/// "FIN-WAIT-1 t=2 r=1 snd=3/4 rcv=7" — state, timers and sequence variables, briefly.
inline std::string to_string(const tcb& t) {
    std::string s(rfc_name(t.st));
    if (t.st == state_id::closed) {
        if (t.how != ending::open) s += " (" + std::string(ending_name(t.how)) + ")";
        return s;
    }
    if (t.rtx_timer) s += " rtx=" + std::to_string(t.rtx_timer) + "/" + std::to_string(t.retries);
    if (t.wait_timer) s += " wait=" + std::to_string(t.wait_timer);
    if (t.st != state_id::listen)
        s += " una=" + std::to_string(t.snd_una) + " nxt=" + std::to_string(t.snd_nxt) +
             " rcv=" + std::to_string(t.rcv_nxt);
    return s;
}

}  // namespace tcpv::tcp
