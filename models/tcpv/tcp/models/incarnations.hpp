#pragma once
/// \file tcpv/tcp/models/incarnations.hpp
/// The `incarnations` model: why TIME-WAIT lasts 2*MSL — old duplicates must drain before a
/// 4-tuple is reused (RFC 9293 §3.4.1, §3.6.1; RFC 1337 §1; TCP-FACTS §2.1 item 2).
///
/// Client A and server B share one 4-tuple. Incarnation 1 starts ESTABLISHED; delayed copies
/// of its data segments (old duplicates) may be injected into the network and live up to MSL
/// ticks. A closes first (active close, TIME-WAIT), B follows and listens again; then A opens
/// incarnation 2 of the same 4-tuple with any initial sequence number (the model lets the ISN
/// be anything: the argument for 2*MSL must not depend on luck). When A may reopen is the knob:
/// - `wait` (RFC 9293): only once TIME-WAIT is over;
/// - `reuseaddr`: at once, taking over the TIME-WAIT entry (Linux: bind() with SO_REUSEADDR
///   on both sockets, then connect() to the same peer; observed in tests/linux);
/// - `linger0`: A closes with SO_LINGER {on, 0}: a RST and no TIME-WAIT at all (TCP-FACTS §2.6);
/// - `tw_reuse`: Linux net.ipv4.tcp_tw_reuse: take over a TIME-WAIT entry only if it recorded a
///   peer timestamp and at least a tick has passed; the new ISS is beyond the old SND.NXT and
///   TS.Recent is inherited, so PAWS rejects the old duplicates (TCP-FACTS §2.5, RFC 6191).
///
/// Property `no-stale-segment-accepted` (always): no segment of an earlier incarnation is
/// accepted by an endpoint of a later one: it passes the sequence and PAWS checks and changes
/// the new connection (its state, sequence variables or timers). `no-stale-data-accepted`
/// narrows that to data taken as data of the new connection. Both hold for `wait` when
/// TIME-WAIT outlasts MSL plus the peer's FIN retransmission span (measured: the smallest safe
/// TIME-WAIT is MSL + RTO*retries + 1 ticks; with the defaults MSL 2, RTO 1, one retry that is
/// 4 = 2*MSL), and for `tw_reuse` with timestamps; they fail for `reuseaddr` and `linger0`, and
/// for `wait` with a shorter TIME-WAIT (old data alone needs only MSL + 1).

#include <tcpv/property.hpp>
#include <tcpv/tcp/pair.hpp>

#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tcpv::tcp::models {

struct incarnations {
    enum class reuse : std::uint8_t { wait, reuseaddr, linger0, tw_reuse };

    int cap = 2;
    int msl = 2;
    int rto = 1;
    int retries = 1;
    int time_wait = 4;
    int injections = 2;  ///< old duplicates of incarnation 1 that may appear
    reuse mode = reuse::wait;
    bool timestamps = false;

    struct state {
        pair_state p;
        std::uint8_t injected = 0;
        bool stale_accepted = false;  ///< ghost: an old segment passed a new incarnation's checks
        bool stale_seen = false;      ///< ghost: an old segment reached a new incarnation (maybe rejected)
        bool reopened = false;        ///< A has opened incarnation 2
        bool stale_data_accepted = false;  ///< ghost: old data was taken as data of a new incarnation
        std::uint8_t reserved[3] = {};     ///< no padding
        bool operator==(const state&) const = default;
    };
    struct action {
        pair_action base;
        enum class extra : std::uint8_t { none, inject, reopen, relisten } what = extra::none;
        std::uint8_t value = 0;  ///< the ISS chosen on reopen
        bool operator==(const action&) const = default;
    };

    void validate() const {
        auto check = [](const char* name, int v, int lo, int hi) { require_in_range("incarnations", name, v, lo, hi); };
        check("cap", cap, 1, 4);
        check("msl", msl, 1, 15);
        check("rto", rto, 1, 15);
        check("retries", retries, 0, 15);
        check("time_wait", time_wait, 0, 15);
        check("injections", injections, 0, 3);
    }

    [[nodiscard]] pair_dynamics<> dynamics() const {
        pair_dynamics<> d;
        for (auto& e : d.ep) {
            e.rto = std::uint8_t(rto);
            e.max_retries = e.syn_retries = e.synack_retries = std::uint8_t(retries);
            e.time_wait = std::uint8_t(time_wait);
            e.fin_wait_2 = std::uint8_t(2 * time_wait + 1);  // bounded, longer than TIME-WAIT
            e.timestamps = timestamps;
        }
        d.ep[0].linger_abort = mode == reuse::linger0;
        d.net = network_config{std::uint8_t(cap), std::uint8_t(msl), true, false, true};
        return d;
    }

    void init(auto&& emit) const {
        validate();
        state s;
        for (int i = 0; i < 2; ++i) {
            tcb& t = s.p.ep[i];
            t.st = state_id::established;
            t.iss = seq_t(i * 8);
            t.snd_una = t.snd_nxt = seq_add(t.iss, 1);
            t.irs = seq_t((1 - i) * 8);
            t.rcv_nxt = seq_add(t.irs, 1);
            t.incarnation = 1;
            t.ts_clock = timestamps ? std::uint8_t(1 + 4 * i) : 0;
            t.ts_recent = timestamps ? std::uint8_t(1 + 4 * (1 - i)) : 0;
        }
        s.p.ep[1].passive = true;
        emit(action{}, s);
    }

    void next(const state& s, auto&& emit) const {
        const auto d = dynamics();
        const tcb& a = s.p.ep[0];
        const tcb& b = s.p.ep[1];
        auto lift = [&](const state& base) {
            return [&, base](const pair_action& pa, const pair_state& ps) {
                state t = base;
                t.p = ps;
                emit(action{pa}, t);
            };
        };
        // An old duplicate of a data segment of incarnation 1, sent by an endpoint still in it.
        for (int i = 0; i < 2; ++i) {
            const tcb& t = s.p.ep[i];
            if (s.injected >= injections || t.incarnation != 1 || t.st != state_id::established) continue;
            segment seg;
            seg.flags = ACK;
            seg.seq = seq_add(t.iss, 1);
            seg.ack = t.rcv_nxt;
            seg.len = 1;
            seg.tsval = t.ts_clock;
            seg.incarnation = 1;
            state n = s;
            ++n.injected;
            n.p.ch[i].send(seg, d.net);
            emit(action{{pair_action::kind::init, std::uint8_t(i)}, action::extra::inject, 0}, n);
        }
        // Users: A closes incarnation 1 first, B closes after A's FIN; B listens again once closed.
        if (a.incarnation == 1 && a.st == state_id::established && !a.user_closed)
            d.call(s.p, 0, event_id::close, lift(s));
        if (b.incarnation == 1 && b.st == state_id::close_wait && !b.user_closed) d.call(s.p, 1, event_id::close, lift(s));
        if (b.st == state_id::closed && b.incarnation == 1) {
            state n = s;
            tcb fresh;
            fresh.iss = b.iss;
            fresh.ts_clock = b.ts_clock;
            fresh.incarnation = 2;
            n.p.ep[1] = fresh;
            const step_result r = user_call(n.p.ep[1], event_id::open_passive, d.ep[1]);
            if (r.row && !r.error) emit(action{{pair_action::kind::call, 1, event_id::open_passive}, action::extra::relisten, 0}, n);
        }
        // A opens incarnation 2 of the same 4-tuple, with any ISS the knob allows.
        if (!s.reopened && may_reopen(a)) {
            for (unsigned iss = 0; iss < seq_modulus; ++iss) {
                const bool takeover = a.st == state_id::time_wait;
                if (takeover && mode == reuse::tw_reuse && iss != seq_add(a.snd_nxt, 4)) continue;
                state n = s;
                tcb fresh;
                fresh.incarnation = 2;
                fresh.ts_clock = a.ts_clock;
                if (takeover && mode == reuse::tw_reuse) fresh.ts_recent = a.ts_recent;  // Linux inherits it
                fresh.iss = seq_add(seq_t(iss), -int(d.ep[0].iss_step));  // OPEN's choose_iss lands on `iss`
                n.p.ep[0] = fresh;
                n.reopened = true;
                const step_result r = user_call(n.p.ep[0], event_id::open_active, d.ep[0]);
                if (!r.row || r.error) continue;
                d.send_all(n.p, 0, r);
                emit(action{{pair_action::kind::call, 0, event_id::open_active}, action::extra::reopen, std::uint8_t(iss)}, n);
            }
        }
        // The network, watching what old segments do to a new incarnation.
        for (int i = 0; i < 2; ++i) {
            s.p.ch[i].for_each_deliverable(d.net, [&](std::size_t k, std::uint32_t v) {
                state n = s;
                n.p.ch[i].remove(k);
                tcb& to = n.p.ep[1 - i];
                const segment seg = channel<4>::segment_of(v);
                const event_id e = classify(to, seg, d.ep[1 - i]);
                const bool was_listening = to.st == state_id::listen;
                const bool stale = seg.incarnation < to.incarnation && to.st != state_id::closed;
                const tcb before = to;
                const step_result r = receive(to, seg, d.ep[1 - i]);
                // Confusion is an old segment that passes the checks AND changes the new
                // connection (a duplicate ACK below SND.UNA passes, and changes nothing).
                if (stale) {
                    n.stale_seen = true;
                    if (accepts(e, before.st) && !(to == before)) {
                        n.stale_accepted = true;
                        if (seg.len != 0) n.stale_data_accepted = true;
                    }
                }
                if (was_listening && to.st == state_id::syn_received) to.incarnation = seg.incarnation;
                d.send_all(n.p, 1 - i, r);
                emit(action{{pair_action::kind::deliver, std::uint8_t(i), event_id::close, v}}, n);
            });
            s.p.ch[i].for_each_distinct([&](std::size_t k, std::uint32_t v) {
                state n = s;
                n.p.ch[i].remove(k);
                emit(action{{pair_action::kind::lose, std::uint8_t(i), event_id::close, v}}, n);
            });
        }
        state n = s;
        n.p = d.tick(s.p);
        emit(action{{pair_action::kind::tick}}, n);
    }

    // When A's user may open the 4-tuple again. After a graceful close that is once TIME-WAIT
    // is over. A connection that ended abortively (gave up, reset) left no TIME-WAIT behind:
    // reusing its 4-tuple at once is what `reuseaddr` and `linger0` stand for; under `wait` and
    // `tw_reuse` the client then moves to another port, which this model does not follow.
    [[nodiscard]] bool may_reopen(const tcb& a) const {
        if (a.incarnation != 1 || !a.user_closed) return false;
        if (a.st == state_id::closed)
            return a.how == ending::graceful || mode == reuse::reuseaddr || mode == reuse::linger0;
        if (a.st != state_id::time_wait) return false;
        switch (mode) {
            case reuse::reuseaddr: return true;
            case reuse::tw_reuse: return timestamps && a.ts_recent != 0 && a.wait_timer < time_wait;
            default: return false;
        }
    }

    // Whether an event means the segment passed the checks and was taken. A listener takes
    // only a SYN (it ignores RST and answers anything else with RST).
    static bool accepts(event_id e, state_id st) {
        if (st == state_id::listen) return e == event_id::rcv_syn;
        switch (e) {
            case event_id::rcv_ack:
            case event_id::rcv_ack_of_fin:
            case event_id::rcv_fin:
            case event_id::rcv_fin_ack_of_fin:
            case event_id::rcv_data:
            case event_id::rcv_rst:
            case event_id::rcv_syn_ack: return true;
            default: return false;
        }
    }

    std::vector<property<incarnations>> properties() const {
        return {
            always("no-stale-segment-accepted", [](const state& s) { return !s.stale_accepted; }),
            always("no-stale-data-accepted", [](const state& s) { return !s.stale_data_accepted; }),
            sometimes("new-incarnation-established",
                      [](const state& s) {
                          return s.p.ep[0].incarnation == 2 && s.p.ep[0].st == state_id::established &&
                                 s.p.ep[1].st == state_id::established;
                      }),
            sometimes("old-duplicate-meets-new-incarnation", [](const state& s) { return s.stale_seen; }),
        };
    }

    void print(std::ostream& os, const state& s) const {
        os << s.p;
        if (s.injected) os << " | old duplicates: " << int(s.injected);
        if (s.stale_accepted) os << " | STALE SEGMENT ACCEPTED";
    }
    void print(std::ostream& os, const action& a) const {
        switch (a.what) {
            case action::extra::inject:
                os << (a.base.side ? "B" : "A") << ": old duplicate of incarnation 1 enters the network";
                return;
            case action::extra::reopen: os << "A: OPEN incarnation 2, ISS=" << int(a.value); return;
            case action::extra::relisten: os << "B: OPEN(passive) for the next incarnation"; return;
            case action::extra::none: os << a.base; return;
        }
    }
};

}  // namespace tcpv::tcp::models
