#pragma once
/// \file tcpv/tcp/models/handshake.hpp
/// The `handshake` model: connection establishment (RFC 9293 §3.5) over a lossy network, by
/// three-way handshake and by simultaneous open, and what becomes of a half-open connection.
///
/// Two reference endpoints, A and B, start CLOSED; each user calls OPEN once, in either order
/// (`mode`): A active and B passive (`three-way`), both active (`simultaneous`), or each user
/// chooses active or passive, at least one of them active (`either`: every case in one run).
/// SYNs and SYN+ACKs are retransmitted `retries` times, `rto` ticks apart, then the endpoint
/// gives up (RFC 9293 §3.8.3 R2: an active opener goes CLOSED, a passive one back to LISTEN).
/// The network may lose, reorder and (optionally) duplicate segments, drops what is sent into
/// a full channel (`cap`), and a segment lives at most `msl` ticks. No user calls CLOSE; with
/// `user_abort` one user may call ABORT once, at any moment. Each endpoint opens once: an
/// attempt that ended is not retried.
///
/// Keep-alives (`keepalive`, RFC 9293 §3.8.4, MAY-5). When the connection is idle (an
/// ESTABLISHED endpoint with nothing in flight in either direction: MUST-26's "no data
/// outstanding and nothing received for an interval", the interval being far longer than
/// MSL) the endpoint may send a probe <SEQ=SND.NXT-1><ACK=RCV.NXT><CTL=ACK>. A synchronized
/// peer answers with an ACK (§3.10.7.4, first check: the probe is below RCV.NXT); a peer that
/// has no connection answers the ACK-bearing probe with <SEQ=SEG.ACK><CTL=RST> (§3.10.7.1
/// CLOSED, §3.10.7.2 LISTEN), whose SEQ is exactly RCV.NXT, so the probing side is reset
/// (§3.10.7.4 second check, RFC 5961). The probe is the model's, not the table's: the reference
/// endpoint has no keep-alive timer, and the model builds the probe from the endpoint's TCB.
///
/// Properties (fairness: time passes, each user eventually calls OPEN, an idle connection's
/// keep-alive eventually fires, and every segment that can be delivered again and again is
/// eventually delivered: loss is not forever; strong fairness on each delivery):
/// - `both-established` (eventually): both endpoints are ESTABLISHED at once, or the attempt
///   ended on both sides: each user has called OPEN, neither endpoint holds a connection (each
///   is CLOSED or LISTEN), and one of them ended an attempt (`tcb.how` is not `open`: gave up,
///   refused, reset or aborted). Because the retries are bounded, a path that loses every SYN
///   (or every SYN+ACK) ends in a give-up, which is such an end; the fairness of delivery
///   matters only after that, for the keep-alive exchange below. It fails when a half-open
///   connection survives (see the next property): one side ESTABLISHED, the other not.
/// - `no-half-open-forever` (leads_to): whenever one side is ESTABLISHED and the other is not
///   synchronized (CLOSED, LISTEN or SYN-SENT; RFC 9293 §3.5.2 "half-open"), eventually the two
///   sides agree: both synchronized, or neither (the ESTABLISHED side is CLOSED: no closes
///   happen here, so ESTABLISHED is left only by a RST or an ABORT). SYN-RECEIVED opposite
///   ESTABLISHED is the ordinary last step of a handshake and is not a trigger. The RFC
///   supports it only when the ESTABLISHED side eventually sends something (§3.5.2: the half-
///   open connection is discovered when data is sent and the peer answers with a RST); an idle
///   application sends nothing, so this model's scope is an application that enables keep-alives
///   (`keepalive=on`, the default here). With `keepalive=off` (the RFC's default, MUST-25) the
///   property fails: the ACK that completes the handshake and the peer's SYN+ACK
///   retransmissions are lost (or outlive MSL: it fails with `loss=off` too), the peer gives up
///   (back to LISTEN after a passive open, CLOSED after an active one), and the other side
///   stays ESTABLISHED forever with nothing in flight (a cycle of ticks); `both-established`
///   fails with it. A user ABORT whose RST is lost (`user_abort=on`) leaves the same state.
///   Delivery must be strongly fair per segment (and age): with weak fairness, or none, every
///   probe, or every RST answering one, may be lost forever.
///   Simultaneous open completes as RFC 9293 Appendix A.2 warns: in SYN-RECEIVED the peer's
///   SYN+ACK fails the sequence check (SEG.SEQ = IRS < RCV.NXT) and is dropped with an ACK; it is
///   that ACK which moves the peer to ESTABLISHED (Fig. 7 shows the SYN+ACK doing it).
/// - `sometimes` properties: `simultaneous-open` (both SYN-RECEIVED, RFC 9293 Fig. 7),
///   `three-way-completes` (both ESTABLISHED, one of them from a passive OPEN, Fig. 6),
///   `syn-retransmitted` (an endpoint in SYN-SENT has retransmitted its SYN), `old-syn-answered`
///   (a duplicate or old SYN drew an ACK, §3.10.7.4 first and fourth checks / RFC 5961
///   challenge ACK, or a RST, §3.10.7.1-3), `half-open-reached` (the trigger of
///   `no-half-open-forever` is reachable, so that property is not vacuous).
///   With `mode=three-way` no endpoint sends a bare SYN to a SYN-SENT peer, so
///   `simultaneous-open` fails; with `mode=simultaneous` no endpoint is passive, so
///   `three-way-completes` fails: hence the default `either`.

#include <tcpv/property.hpp>
#include <tcpv/tcp/pair.hpp>

#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tcpv::tcp::models {

struct handshake {
    /// Who opens how.
    enum class open_mode : std::uint8_t {
        three_way,     ///< A active, B passive
        simultaneous,  ///< both active
        either,        ///< each user chooses; at least one active
    };

    // Parameters, in ticks (the registry gives ranges and defaults).
    int cap = 2;      ///< segments in flight per direction
    int msl = 2;      ///< maximum segment lifetime
    int rto = 1;      ///< retransmission timeout
    int retries = 2;  ///< SYN / SYN+ACK retransmissions before giving up
    bool loss = true;
    bool duplication = false;
    bool reordering = true;
    open_mode mode = open_mode::either;
    bool keepalive = true;    ///< idle ESTABLISHED endpoints send keep-alive probes (RFC 9293 §3.8.4)
    bool user_abort = false;  ///< one user may call ABORT once, at any moment

    /// The pair and a ghost flag (properties only; no transition reads it).
    struct state {
        pair_state pair;
        std::uint8_t old_syn_answered = 0;  ///< a duplicate or old SYN drew a RST or an ACK (sticky)
        std::uint8_t reserved[3] = {};      ///< keeps the state free of padding
        bool operator==(const state&) const = default;
    };

    /// A transition of the pair, or a keep-alive probe sent by `pair.side`.
    struct action {
        pair_action pair;
        bool keepalive = false;
        bool operator==(const action&) const = default;
    };

    friend std::ostream& operator<<(std::ostream& os, const state& s) {
        os << s.pair;
        if (s.old_syn_answered) os << " {old SYN answered}";
        return os;
    }
    friend std::ostream& operator<<(std::ostream& os, const action& a) {
        if (a.keepalive) return os << (a.pair.side ? "B" : "A") << ": keep-alive probe";
        return os << a.pair;
    }

    [[nodiscard]] pair_dynamics<> dynamics() const {
        pair_dynamics<> d;
        for (auto& e : d.ep) {
            e.rto = std::uint8_t(rto);
            e.max_retries = e.syn_retries = e.synack_retries = std::uint8_t(retries);
            e.time_wait = std::uint8_t(2 * msl);  // unused: nobody closes
            e.fin_wait_2 = 0;
        }
        d.net = network_config{std::uint8_t(cap), std::uint8_t(msl), loss, duplication, reordering};
        return d;
    }

    void validate() const {
        auto check = [](const char* name, int v, int lo, int hi) { require_in_range("handshake", name, v, lo, hi); };
        check("cap", cap, 1, 4);
        check("msl", msl, 1, 15);
        check("rto", rto, 1, 15);
        check("retries", retries, 0, 7);
    }

    void init(auto&& emit) const {
        validate();
        state s;
        s.pair.ep[0].incarnation = s.pair.ep[1].incarnation = 1;
        s.pair.ep[0].iss = 0;  // the ISN clocks; OPEN advances them (choose_iss)
        s.pair.ep[1].iss = 8;
        emit(action{}, s);
    }

    /// Whether endpoint t's user has called OPEN (a CLOSED endpoint whose attempt ended has).
    static bool opened(const tcb& t) { return !(t.st == state_id::closed && t.how == ending::open); }
    static bool opened_passively(const tcb& t) { return opened(t) && t.passive; }

    /// The keep-alive probe of an ESTABLISHED endpoint: <SEQ=SND.NXT-1><ACK=RCV.NXT><CTL=ACK>.
    /// Made like the endpoint's own segments (tcp::detail::make), so it carries what they carry.
    static segment probe(const tcb& t) { return tcp::detail::make(t, ACK, seq_add(t.snd_nxt, -1), t.rcv_nxt); }

    void next(const state& s, auto&& emit) const {
        const auto d = dynamics();
        auto forward = [&](const pair_action& a, const pair_state& t) {
            state out{t, s.old_syn_answered, {}};
            if (a.what == pair_action::kind::deliver && !out.old_syn_answered &&
                old_syn_answered(s.pair.ep[1 - a.side], channel<4>::segment_of(a.segment), d.ep[1 - a.side]))
                out.old_syn_answered = 1;
            emit(action{a, false}, out);
        };
        // Users: OPEN once each, as the mode allows; at most one ABORT.
        for (int i = 0; i < 2; ++i) {
            const tcb& me = s.pair.ep[i];
            if (opened(me)) continue;
            const bool may_active = mode != open_mode::three_way || i == 0;
            const bool may_passive = (mode == open_mode::three_way && i == 1) ||
                                     (mode == open_mode::either && !opened_passively(s.pair.ep[1 - i]));
            if (may_active) d.call(s.pair, i, event_id::open_active, forward);
            if (may_passive) d.call(s.pair, i, event_id::open_passive, forward);
        }
        if (user_abort && s.pair.ep[0].how != ending::aborted && s.pair.ep[1].how != ending::aborted)
            for (int i = 0; i < 2; ++i)
                if (opened(s.pair.ep[i])) d.call(s.pair, i, event_id::abort, forward);
        // Keep-alive: an idle ESTABLISHED endpoint probes its peer.
        if (keepalive && s.pair.ch[0].empty() && s.pair.ch[1].empty())
            for (int i = 0; i < 2; ++i)
                if (s.pair.ep[i].st == state_id::established) {
                    state t = s;
                    t.pair.ch[i].send(probe(s.pair.ep[i]), d.net);
                    emit(action{pair_action{pair_action::kind::call, std::uint8_t(i), event_id::send, 0}, true}, t);
                }
        d.network(s.pair, forward);
        forward(pair_action{pair_action::kind::tick}, d.tick(s.pair));
    }

    /// Whether delivering `seg` to `receiver` is a duplicate or old SYN answered with a RST or a
    /// bare ACK: the segment carries SYN, the receiver's user has opened (a SYN to a port nobody
    /// opened yet is refused, not old), it stays in its state, and it replies RST or ACK.
    static bool old_syn_answered(const tcb& receiver, const segment& seg, const endpoint_config& c) {
        if (!seg.has(SYN) || !opened(receiver)) return false;
        tcb t = receiver;
        const step_result r = receive(t, seg, c);
        if (t.st != receiver.st) return false;
        for (std::uint8_t k = 0; k < r.sent_count; ++k)
            if (r.sent[k].has(RST) || (r.sent[k].has(ACK) && !r.sent[k].has(SYN))) return true;
        return false;
    }

    /// RFC 9293 §3.5.2: one side ESTABLISHED, the other not synchronized (SYN-RECEIVED excluded:
    /// it is the ordinary last step of the handshake).
    static bool half_open(const state& s) {
        for (int i = 0; i < 2; ++i) {
            const state_id other = s.pair.ep[1 - i].st;
            if (s.pair.ep[i].st == state_id::established &&
                (other == state_id::closed || other == state_id::listen || other == state_id::syn_sent))
                return true;
        }
        return false;
    }
    /// The two sides agree on whether a connection exists.
    static bool agree(const state& s) {
        return is_synchronized(s.pair.ep[0].st) == is_synchronized(s.pair.ep[1].st);
    }
    static bool both_established(const state& s) {
        return s.pair.ep[0].st == state_id::established && s.pair.ep[1].st == state_id::established;
    }
    /// The attempt ended on both sides: both users opened, nobody holds a connection (CLOSED or
    /// LISTEN), and an attempt ended (gave up, refused, reset or aborted).
    static bool attempt_ended(const state& s) {
        for (const auto& t : s.pair.ep)
            if (!opened(t) || (t.st != state_id::closed && t.st != state_id::listen)) return false;
        return s.pair.ep[0].how != ending::open || s.pair.ep[1].how != ending::open;
    }

    std::vector<property<handshake>> properties() const {
        auto is_tick = [](const action& a) { return !a.keepalive && a.pair.what == pair_action::kind::tick; };
        auto is_open = [](const action& a) {
            return !a.keepalive && a.pair.what == pair_action::kind::call &&
                   (a.pair.call == event_id::open_active || a.pair.call == event_id::open_passive);
        };
        auto is_keepalive = [](const action& a) { return a.keepalive; };
        auto is_delivery = [](const action& a) { return !a.keepalive && a.pair.what == pair_action::kind::deliver; };
        auto fair = [&](auto p) {
            return std::move(p).under(weak_fairness("time passes", is_tick),
                                      weak_fairness_each("users call OPEN", is_open),
                                      weak_fairness_each("keep-alive timers fire", is_keepalive),
                                      strong_fairness_each("segments are delivered", is_delivery));
        };
        return {
            fair(eventually("both-established", [](const state& s) { return both_established(s) || attempt_ended(s); })),
            fair(leads_to("no-half-open-forever", [](const state& s) { return half_open(s); },
                          [](const state& s) { return agree(s); })),
            sometimes("simultaneous-open",
                      [](const state& s) {
                          return s.pair.ep[0].st == state_id::syn_received && s.pair.ep[1].st == state_id::syn_received;
                      }),
            sometimes("three-way-completes",
                      [](const state& s) { return both_established(s) && s.pair.ep[0].passive != s.pair.ep[1].passive; }),
            sometimes("syn-retransmitted",
                      [](const state& s) {
                          for (const auto& t : s.pair.ep)
                              if (t.st == state_id::syn_sent && t.retries > 0) return true;
                          return false;
                      }),
            sometimes("old-syn-answered", [](const state& s) { return s.old_syn_answered != 0; }),
            sometimes("half-open-reached", [](const state& s) { return half_open(s); }),
        };
    }
};

}  // namespace tcpv::tcp::models
