#pragma once
// Test helpers for the reference endpoint (models/tcpv/tcp/endpoint.hpp): a TCB in any of the
// eleven states with consistent sequence variables, and the segments a peer (or an old
// duplicate, or an attacker) can send to it, named by where their SEQ and ACK fall.
//
// Numbers used throughout (sequence space modulo 16, RCV.WND = 4):
//   ISS = 3 (ours), IRS = 10 (the peer's).  After the handshake SND.UNA = SND.NXT = 4,
//   RCV.NXT = 11.  Our FIN takes 4 (SND.NXT becomes 5), the peer's FIN takes 11 (RCV.NXT 12).
// The TCB is built directly, not by driving the endpoint, so that a wrong transition cannot
// hide behind a wrong starting point; test_rfc9293_rows.cpp checks that driving the endpoint
// through the usual paths ends in these same TCBs.

#include <cstdint>

#include <tcpv/tcp/endpoint.hpp>

namespace tcpv::tcp::test {

inline constexpr seq_t ISS = 3;          ///< our initial sequence number
inline constexpr seq_t IRS = 10;         ///< the peer's initial sequence number
inline constexpr std::uint8_t WND = 4;   ///< RCV.WND

/// `base + d` modulo the sequence space: at(ISS, 1) is ISS+1.
constexpr seq_t at(seq_t base, int d) noexcept { return seq_add(base, d); }

/// How SYN-RECEIVED was reached (MUST-11): from LISTEN (passive) or from SYN-SENT (active,
/// simultaneous open).
enum class origin : std::uint8_t { passive, active };

/// The default configuration with RCV.WND = WND (the endpoint's defaults otherwise: RTO 1,
/// 2 retries, no backoff, TIME-WAIT 4 ticks, no FIN-WAIT-2 limit, RFC 5961 on).
inline endpoint_config config() {
    endpoint_config c;
    c.window = WND;
    return c;
}

/// A TCB in state `st` with ISS `iss` and IRS `irs`:
/// - CLOSED / LISTEN: no sequence variables; the ISN clock reads `iss - iss_step`, so the next
///   OPEN (or the SYN a listener answers) picks ISS = `iss`. LISTEN comes from a passive OPEN.
/// - SYN-SENT: SYN sent (SND.UNA = ISS, SND.NXT = ISS+1), retransmission timer armed.
/// - SYN-RECEIVED: SYN received (RCV.NXT = IRS+1), SYN,ACK sent, timer armed; `o` says whether
///   it came from LISTEN (passive) or from SYN-SENT (active).
/// - ESTABLISHED: SND.UNA = SND.NXT = ISS+1, RCV.NXT = IRS+1, no timer.
/// - FIN-WAIT-1: our FIN sent, not acked (SND.NXT = ISS+2), timer armed.
/// - FIN-WAIT-2: our FIN acked; the FIN-WAIT-2 limit armed as the configuration says (0: none).
/// - CLOSE-WAIT: the peer's FIN taken (RCV.NXT = IRS+2).
/// - CLOSING: both FINs sent and our FIN not acked; timer armed.
/// - LAST-ACK: the peer's FIN taken, our FIN sent and not acked; timer armed.
/// - TIME-WAIT: both FINs taken and acked, the 2*MSL timer armed (entered from FIN-WAIT-2).
inline tcb make_tcb(state_id st, origin o = origin::passive, const endpoint_config& c = config(),
                    seq_t iss = ISS, seq_t irs = IRS) {
    tcb t;
    t.st = st;
    if (st == state_id::closed || st == state_id::listen) {
        t.iss = at(iss, -int(c.iss_step));
        t.passive = st == state_id::listen;
        return t;
    }
    t.iss = iss;
    t.snd_una = iss;
    t.snd_nxt = at(iss, 1);
    t.passive = st == state_id::syn_received && o == origin::passive;
    if (st == state_id::syn_sent) {
        t.rtx_timer = c.rto;
        return t;
    }
    t.irs = irs;
    t.rcv_nxt = at(irs, 1);
    if (st == state_id::syn_received) {
        t.rtx_timer = c.rto;
        return t;
    }
    t.snd_una = at(iss, 1);  // our SYN is acked in every synchronized state
    const bool our_fin = st == state_id::fin_wait_1 || st == state_id::fin_wait_2 || st == state_id::closing ||
                         st == state_id::last_ack || st == state_id::time_wait;
    const bool our_fin_acked = st == state_id::fin_wait_2 || st == state_id::time_wait;
    const bool their_fin = st == state_id::close_wait || st == state_id::closing || st == state_id::last_ack ||
                           st == state_id::time_wait;
    if (our_fin) {
        t.fin_sent = true;
        t.user_closed = true;
        t.orphaned = true;  // reached through CLOSE (SHUTDOWN leaves it false)
        t.snd_nxt = at(iss, 2);
        if (our_fin_acked)
            t.snd_una = t.snd_nxt;
        else
            t.rtx_timer = c.rto;
    }
    if (their_fin) {
        t.fin_received = true;
        t.rcv_nxt = at(irs, 2);
    }
    if (st == state_id::fin_wait_2) t.wait_timer = c.fin_wait_2;
    if (st == state_id::time_wait) {
        t.wait_timer = c.time_wait;
        t.time_wait_from = state_id::fin_wait_2;
    }
    return t;
}

/// A segment with the given control bits, SEQ, ACK (kept only with the ACK bit, as the endpoint
/// emits them) and payload length (0 or 1).
constexpr segment seg(std::uint8_t flags, seq_t seq, seq_t ack = 0, std::uint8_t len = 0) noexcept {
    segment s;
    s.flags = flags;
    s.seq = seq;
    s.ack = (flags & ACK) ? ack : 0;
    s.len = len;
    return s;
}

// --- segments from the peer, relative to the TCB that receives them --------------------------
//
// "Acks all" means ACK = SND.NXT; when our FIN is out, that acknowledges it.

/// The ACK value that acknowledges everything we sent (our FIN included, when sent).
inline seq_t ack_all(const tcb& t) { return t.snd_nxt; }
/// An acceptable ACK value that does not acknowledge our FIN (SND.NXT - 1 when the FIN is out;
/// otherwise SND.NXT).
inline seq_t ack_not_fin(const tcb& t) { return t.fin_sent ? at(t.snd_nxt, -1) : t.snd_nxt; }

/// <SEQ=RCV.NXT><ACK=a><CTL=flags|ACK>: the peer's next segment, exactly at RCV.NXT.
inline segment at_rcv_nxt(const tcb& t, std::uint8_t flags, seq_t a, std::uint8_t len = 0) {
    return seg(std::uint8_t(flags | ACK), t.rcv_nxt, a, len);
}
/// <SEQ=RCV.NXT><ACK=SND.NXT><CTL=ACK>: acks everything (the ACK of our FIN when it is out).
inline segment ack_of_all(const tcb& t) { return at_rcv_nxt(t, 0, ack_all(t)); }
/// <SEQ=RCV.NXT><ACK=SND.NXT-1><CTL=ACK>: acceptable, but not the ACK of our FIN.
inline segment ack_before_fin(const tcb& t) { return at_rcv_nxt(t, 0, ack_not_fin(t)); }
/// <SEQ=RCV.NXT><ACK=SND.NXT+1><CTL=ACK>: acknowledges something not yet sent.
inline segment ack_of_unsent(const tcb& t, std::uint8_t flags = 0) {
    return at_rcv_nxt(t, flags, at(t.snd_nxt, 1));
}
/// <SEQ=RCV.NXT> without the ACK bit.
inline segment no_ack_seg(const tcb& t, std::uint8_t flags = 0, std::uint8_t len = 0) {
    return seg(flags, t.rcv_nxt, 0, len);
}
/// <SEQ=RCV.NXT><ACK=...><CTL=FIN,ACK>: the peer's FIN, acking our FIN or not.
inline segment fin_seg(const tcb& t, bool acks_our_fin) {
    return at_rcv_nxt(t, FIN, acks_our_fin ? ack_all(t) : ack_not_fin(t));
}
/// The peer's FIN again after we took it: SEQ = RCV.NXT - 1.
inline segment retransmitted_fin(const tcb& t, bool acks_our_fin) {
    return seg(FIN | ACK, at(t.rcv_nxt, -1), acks_our_fin ? ack_all(t) : ack_not_fin(t));
}
/// One byte of data at RCV.NXT, acking what is acceptable and not our FIN.
inline segment data_seg(const tcb& t) { return at_rcv_nxt(t, 0, ack_not_fin(t), 1); }

/// SEQ in the receive window but not RCV.NXT (RCV.NXT + 1).
inline segment in_window(const tcb& t, std::uint8_t flags, std::uint8_t len = 0) {
    return seg(flags, at(t.rcv_nxt, 1), ack_not_fin(t), len);
}
/// SEQ below the window: an old duplicate (RCV.NXT - 2).
inline segment old_duplicate(const tcb& t, std::uint8_t flags = ACK, std::uint8_t len = 0) {
    return seg(flags, at(t.rcv_nxt, -2), ack_not_fin(t), len);
}
/// SEQ just past the window (RCV.NXT + RCV.WND).
inline segment beyond_window(const tcb& t, std::uint8_t flags = ACK, std::uint8_t len = 0,
                             const endpoint_config& c = config()) {
    return seg(flags, at(t.rcv_nxt, c.window), ack_not_fin(t), len);
}

/// RSTs: exactly at RCV.NXT, in the window but not exact, outside the window.
inline segment rst_at_rcv_nxt(const tcb& t) { return seg(RST, t.rcv_nxt); }
inline segment rst_in_window(const tcb& t) { return seg(RST, at(t.rcv_nxt, 1)); }
inline segment rst_outside(const tcb& t, const endpoint_config& c = config()) {
    return seg(RST, at(t.rcv_nxt, c.window));
}

/// <SEQ=seq><CTL=SYN>: a connection request (the peer's, IRS by default).
constexpr segment syn_seg(seq_t seq = IRS) noexcept { return seg(SYN, seq); }
/// <SEQ=IRS><ACK=ISS+1 or ISS><CTL=SYN,ACK>: acking our SYN, or not (ACK = ISS).
inline segment syn_ack_seg(const tcb& t, bool acks_our_syn, seq_t seq = IRS) {
    return seg(SYN | ACK, seq, acks_our_syn ? at(t.iss, 1) : t.iss);
}

// --- what the endpoint is expected to send --------------------------------------------------

/// <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> of the TCB as it is *after* the step.
inline segment ack_reply(const tcb& t) { return seg(ACK, t.snd_nxt, t.rcv_nxt); }
/// The RST that answers `s` (RFC 9293 §3.5.2 / §3.10.7.1): <SEQ=SEG.ACK><CTL=RST> if `s` had
/// ACK, else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
inline segment rst_reply(const segment& s) {
    return s.has(ACK) ? seg(RST, s.ack) : seg(RST | ACK, 0, at(s.seq, int(s.seg_len())));
}

/// The states in an `any_of` list, as an array for loops.
inline constexpr state_id all_states[] = {
    state_id::closed,      state_id::listen,     state_id::syn_sent,   state_id::syn_received,
    state_id::established, state_id::fin_wait_1, state_id::fin_wait_2, state_id::close_wait,
    state_id::closing,     state_id::last_ack,   state_id::time_wait};
inline constexpr state_id synchronized_states[] = {state_id::established, state_id::fin_wait_1,
                                                   state_id::fin_wait_2,  state_id::close_wait,
                                                   state_id::closing,     state_id::last_ack,
                                                   state_id::time_wait};

}  // namespace tcpv::tcp::test
