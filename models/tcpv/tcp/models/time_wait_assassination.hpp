#pragma once
/// \file tcpv/tcp/models/time_wait_assassination.hpp
/// The `time-wait-assassination` model: RFC 1337's hazard, and RFC 1337's fix (ignore RST in
/// TIME-WAIT), on the reference endpoint (rfc9293.hpp) over the same network as `close`.
///
/// The scenario is RFC 1337 §1–2, Figure 1. A closed actively and sits in TIME-WAIT for incarnation
/// 1 of the connection; B has had its FIN acknowledged and has deleted its TCB (CLOSED). A delayed
/// old duplicate of incarnation 1 now reaches A. Its sequence number lies below A's window, so A
/// answers with an ACK (RFC 9293 §3.10.7.4, first check: unacceptable -> <SEQ=SND.NXT><ACK=RCV.NXT>
/// <CTL=ACK>). B has no connection and answers that ACK with <SEQ=SEG.ACK><CTL=RST> (§3.10.7.1),
/// whose SEQ is exactly A's RCV.NXT. RFC 9293 §3.10.7.4 (second check) closes TIME-WAIT on it:
/// TIME-WAIT is "assassinated" before its 2*MSL have run, while other old duplicates of
/// incarnation 1 may still be in the network and could reach a new incarnation of the 4-tuple.
/// RFC 1337 §3 recommends the simplest fix: ignore RST segments in TIME-WAIT. Linux has it as
/// net.ipv4.tcp_rfc1337, which defaults to 0 (RSTs *do* kill TIME-WAIT; tcp_minisocks.c
/// `tcp_timewait_state_process`). See shared/TCP-FACTS.md §2.1 (why TIME-WAIT exists) and §2.3
/// (RST in TIME-WAIT; Linux tcp_rfc1337). The knob is the table row
/// `time_wait + rcv<rst>, when<rfc1337_g> -> same`.
///
/// The model:
/// - Initial state (built directly, as after RFC 1337 Fig. 1 line 5): A in TIME-WAIT with its
///   timer set to `time_wait` ticks (ISS 0, IRS 8: SND.NXT = 2, RCV.NXT = 10, both FINs taken),
///   B CLOSED (graceful), both channels empty. Time 0 is the moment A entered TIME-WAIT.
/// - `old-duplicate`: the network produces a delayed copy of a segment B sent in incarnation 1
///   and A already took: B's ACK of A's FIN <SEQ=9><ACK=2> (Fig. 1 line 3, delayed) or B's SYN+ACK
///   <SEQ=8><ACK=1>. Both lie below RCV.NXT. At most `injections` of them appear. Such a segment
///   was sent before time 0, so at time `now` it is at least `now` ticks old: it enters the channel
///   B->A with age `now`, and only while `now` <= MSL (after that every segment of incarnation 1
///   sent before the close is gone; network.hpp drops a segment older than MSL).
/// - The network (delivery, loss, reordering, MSL aging) and time (`tick`) as in `close`.
///   B stays CLOSED; A makes no user calls.
/// - Ghost fields (properties and traces only): the clock `now` (saturating at MSL + 1) and
///   sticky bits recording what was seen.
///
/// Properties:
/// - `time-wait-not-assassinated` (always): no endpoint's TIME-WAIT is ended by a RST
///   (tcb.how != ending::assassinated).
/// - `no-early-reuse-after-assassination` (always): A does not leave TIME-WAIT (freeing the
///   4-tuple for a new incarnation) while a segment of incarnation 1 sent before the close may
///   still be alive, that is while `now` <= MSL. With rfc1337 off the assassination breaks it;
///   it also fails, with rfc1337 on, when `time_wait` <= MSL (TIME-WAIT shorter than needed:
///   the `incarnations` model's subject). An assassination after every old segment has drained
///   breaks the first property but not this one.
/// - `sometimes`: `old-duplicate-answered-from-time-wait` (an old duplicate reaches A in
///   TIME-WAIT and A answers it with an ACK), `peer-answers-with-rst` (B, CLOSED, answers that ACK
///   with a RST) and `time-wait-ignores-rst` (a RST at A's RCV.NXT reaches A in TIME-WAIT and A
///   stays: the fix at work; unreachable, hence failing, with rfc1337 off).
///
/// Defaults (rfc1337 = on, time_wait = 2*MSL) verify every property. `--set rfc1337=off` (Linux's
/// default) refutes both `always` properties with the 4-step trace of RFC 1337 Fig. 1: the old
/// duplicate, its delivery to A (A sends an ACK), the ACK's delivery to B (B sends a RST), and
/// the RST's delivery to A (A CLOSED, assassinated).

#include <tcpv/property.hpp>
#include <tcpv/tcp/pair.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tcpv::tcp::models {

/// The state of `time-wait-assassination`: the pair (A = ep[0], B = ep[1]) and the ghosts.
struct time_wait_assassination_state {
    pair_state net;
    std::uint8_t now = 0;       ///< ghost: ticks since A entered TIME-WAIT, saturating at MSL + 1
    std::uint8_t injected = 0;  ///< old duplicates the network has produced so far
    std::uint8_t seen = 0;      ///< ghost: sticky `seen_bit`s
    std::uint8_t reserved = 0;  ///< keeps the state free of padding
    bool operator==(const time_wait_assassination_state&) const = default;
};

/// What the ghost `seen` records.
enum seen_bit : std::uint8_t {
    seen_old_duplicate_answered = 1,  ///< an old duplicate reached A in TIME-WAIT and A answered it
    seen_peer_rst = 2,                ///< B (CLOSED) answered one of A's segments with a RST
    seen_rst_ignored = 4,             ///< a RST at RCV.NXT reached A in TIME-WAIT and A stayed
};

/// A transition: one of the pair's (deliver, lose, tick) or the arrival of an old duplicate.
struct time_wait_assassination_action {
    bool old_duplicate = false;  ///< the network produced the old duplicate `step.segment` on B->A
    pair_action step;            ///< otherwise: the pair's transition
    bool operator==(const time_wait_assassination_action&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const time_wait_assassination_action& a) {
    if (!a.old_duplicate) return os << a.step;
    return os << "old-duplicate B->A " << channel<4>::segment_of(a.step.segment) << " age "
              << channel<4>::age_of(a.step.segment);
}

inline std::ostream& operator<<(std::ostream& os, const time_wait_assassination_state& s) {
    return os << s.net << " now=" << int(s.now);
}

struct time_wait_assassination {
    // Parameters, in ticks (the registry gives ranges and defaults).
    int cap = 2;          ///< segments in flight per direction
    int msl = 2;          ///< maximum segment lifetime
    int time_wait = 4;    ///< TIME-WAIT length (2*MSL); at least 1
    int injections = 1;   ///< old duplicates the network may produce
    bool loss = true;
    bool reordering = true;
    bool rfc1337 = true;  ///< ignore RST in TIME-WAIT (RFC 1337 §3; Linux tcp_rfc1337=1)

    using state = time_wait_assassination_state;
    using action = time_wait_assassination_action;

    static constexpr int a = 0, b = 1;  // endpoint and channel indices
    // Incarnation 1: A's ISS 0 (SYN 0, FIN 1), B's ISS 8 (SYN 8, FIN 9).
    static constexpr seq_t iss_a = 0, iss_b = 8;

    /// The old duplicates: segments B sent in incarnation 1 that A has already taken.
    [[nodiscard]] static std::array<segment, 2> old_duplicates() {
        segment ack_of_fin;  // B's ACK of A's FIN (RFC 1337 Fig. 1 line 3), delayed
        ack_of_fin.flags = ACK;
        ack_of_fin.seq = seq_add(iss_b, 1);
        ack_of_fin.ack = seq_add(iss_a, 2);
        ack_of_fin.incarnation = 1;
        segment syn_ack;  // B's SYN+ACK of the handshake, delayed
        syn_ack.flags = SYN | ACK;
        syn_ack.seq = iss_b;
        syn_ack.ack = seq_add(iss_a, 1);
        syn_ack.incarnation = 1;
        return {ack_of_fin, syn_ack};
    }

    [[nodiscard]] pair_dynamics<> dynamics() const {
        pair_dynamics<> d;
        for (auto& e : d.ep) {
            e.time_wait = std::uint8_t(time_wait);
            e.rfc1337 = rfc1337;
        }
        d.net = network_config{std::uint8_t(cap), std::uint8_t(msl), loss, false, reordering};
        return d;
    }

    void validate() const {
        auto check = [](const char* name, int v, int lo, int hi) { require_in_range("time-wait-assassination", name, v, lo, hi); };
        check("cap", cap, 1, 4);
        check("msl", msl, 1, 14);
        check("time_wait", time_wait, 1, 15);
        check("injections", injections, 0, 3);
    }

    void init(auto&& emit) const {
        validate();
        state s;
        tcb& ta = s.net.ep[a];  // TIME-WAIT after FIN-WAIT-2: both FINs sent and acknowledged
        ta.st = state_id::time_wait;
        ta.iss = iss_a;
        ta.snd_una = ta.snd_nxt = seq_add(iss_a, 2);
        ta.irs = iss_b;
        ta.rcv_nxt = seq_add(iss_b, 2);
        ta.fin_sent = ta.fin_received = ta.user_closed = true;
        ta.wait_timer = std::uint8_t(time_wait);
        ta.time_wait_from = state_id::fin_wait_2;
        ta.incarnation = 1;
        tcb& tb = s.net.ep[b];  // LAST-ACK's FIN acknowledged: the TCB is deleted
        tb.st = state_id::closed;
        tb.iss = iss_b;
        tb.user_closed = true;
        tb.how = ending::graceful;
        tb.incarnation = 1;
        emit(action{}, s);
    }

    /// Puts `seg` into `c` with age `age` (channel::send would give it age 0); false when full.
    static bool put_aged(channel<4>& c, const segment& seg, unsigned age, const network_config& cfg) {
        const std::size_t n = c.size();
        if (n >= channel<4>::max_capacity || n >= cfg.capacity) return false;
        c.slot[n] = seg.pack() | std::uint32_t(age) << channel<4>::age_shift;
        if (cfg.reordering)  // the channel's canonical order: descending, empty slots last
            std::sort(c.slot.begin(), c.slot.end(), std::greater<>{});
        return true;
    }

    /// The ghost bits that a delivery of `packed` on channel `side` from `before` sets.
    [[nodiscard]] std::uint8_t observe(const state& before, int side, std::uint32_t packed) const {
        const auto d = dynamics();
        const segment seg = channel<4>::segment_of(packed);
        const int to = 1 - side;
        tcb copy = before.net.ep[to];
        const step_result r = receive(copy, seg, d.ep[to]);
        std::uint8_t bits = 0;
        if (to == a && before.net.ep[a].st == state_id::time_wait) {
            if (!seg.has(RST) && r.sent_count > 0) bits |= seen_old_duplicate_answered;
            if (r.event == event_id::rcv_rst && copy.st == state_id::time_wait) bits |= seen_rst_ignored;
        }
        if (to == b && before.net.ep[b].st == state_id::closed && r.sent_count > 0 && r.sent[0].has(RST))
            bits |= seen_peer_rst;
        return bits;
    }

    void next(const state& s, auto&& emit) const {
        const auto d = dynamics();
        // An old duplicate of incarnation 1 appears on B->A (it is at least `now` ticks old).
        if (s.injected < injections && s.now <= msl)
            for (const segment& seg : old_duplicates()) {
                state t = s;
                if (!put_aged(t.net.ch[b], seg, s.now, d.net)) break;
                ++t.injected;
                action act;
                act.old_duplicate = true;
                act.step.side = std::uint8_t(b);
                act.step.segment = seg.pack() | std::uint32_t(s.now) << channel<4>::age_shift;
                emit(act, t);
            }
        // Delivery and loss.
        d.network(s.net, [&](const pair_action& pa, const pair_state& n) {
            state t = s;
            t.net = n;
            if (pa.what == pair_action::kind::deliver) t.seen = std::uint8_t(t.seen | observe(s, pa.side, pa.segment));
            emit(action{false, pa}, t);
        });
        // Time passes.
        state t = s;
        t.net = d.tick(s.net);
        t.now = std::uint8_t(std::min(int(s.now) + 1, msl + 1));
        emit(action{false, pair_action{pair_action::kind::tick}}, t);
    }

    std::vector<property<time_wait_assassination>> properties() const {
        const int lifetime = msl;
        return {
            always("time-wait-not-assassinated",
                   [](const state& s) {
                       return s.net.ep[a].how != ending::assassinated && s.net.ep[b].how != ending::assassinated;
                   }),
            always("no-early-reuse-after-assassination",
                   [lifetime](const state& s) { return s.net.ep[a].st != state_id::closed || s.now > lifetime; }),
            sometimes("old-duplicate-answered-from-time-wait",
                      [](const state& s) { return (s.seen & seen_old_duplicate_answered) != 0; }),
            sometimes("peer-answers-with-rst", [](const state& s) { return (s.seen & seen_peer_rst) != 0; }),
            sometimes("time-wait-ignores-rst", [](const state& s) { return (s.seen & seen_rst_ignored) != 0; }),
        };
    }
};

}  // namespace tcpv::tcp::models
