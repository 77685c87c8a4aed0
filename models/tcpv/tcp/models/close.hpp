#pragma once
/// \file tcpv/tcp/models/close.hpp
/// The `close` model: reliable connection release under loss (RFC 9293 §3.6).
///
/// Two reference endpoints, A and B, start ESTABLISHED (or CLOSED and LISTEN, and open the
/// connection first); each user calls CLOSE at some moment, so either side may close first, or
/// both at once (simultaneous close). The network may lose, reorder and (optionally) duplicate
/// segments; a segment lives at most MSL ticks.
///
/// Properties:
/// - `no-reset-after-graceful-close` (always): an endpoint whose user closed gracefully is
///   never ended by a RST from its peer, unless the peer gave up. It fails when TIME-WAIT is
///   shorter than the peer's retransmission span: the final ACK is lost, the peer resends its
///   FIN, and the endpoint, already CLOSED, answers with a RST (RFC 9293 §3.6.1; TCP-FACTS §2.1).
/// - `both-closed` (eventually): both endpoints reach CLOSED, assuming each user eventually
///   calls CLOSE and time passes (weak fairness). It fails without a FIN-WAIT-2 limit: if every
///   copy of the peer's FIN is lost, the peer gives up and FIN-WAIT-2 waits forever.
/// - `sometimes` properties that show the interesting paths are reachable.

#include <tcpv/property.hpp>
#include <tcpv/tcp/pair.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace tcpv::tcp::models {

struct close {
    // Parameters, in ticks (the registry gives ranges and defaults).
    int cap = 2;             ///< segments in flight per direction
    int msl = 2;             ///< maximum segment lifetime
    int rto = 1;             ///< retransmission timeout
    int retries = 2;         ///< FIN retransmissions before giving up
    int time_wait = 4;       ///< TIME-WAIT length (2*MSL); 0: none
    int fin_wait_2 = 8;      ///< FIN-WAIT-2 limit (Linux tcp_fin_timeout); 0: none, as in the RFC
    bool loss = true;
    bool duplication = false;
    bool reordering = true;
    bool handshake = false;  ///< start from CLOSED/LISTEN and open the connection first
    bool rfc1337 = false;

    using state = pair_state;
    using action = pair_action;

    [[nodiscard]] pair_dynamics<> dynamics() const {
        pair_dynamics<> d;
        for (auto& e : d.ep) {
            e.rto = std::uint8_t(rto);
            e.max_retries = e.syn_retries = e.synack_retries = std::uint8_t(retries);
            e.time_wait = std::uint8_t(time_wait);
            e.fin_wait_2 = std::uint8_t(fin_wait_2);
            e.rfc1337 = rfc1337;
        }
        d.net = network_config{std::uint8_t(cap), std::uint8_t(msl), loss, duplication, reordering};
        return d;
    }

    void validate() const {
        auto check = [](const char* name, int v, int lo, int hi) { require_in_range("close", name, v, lo, hi); };
        check("cap", cap, 1, 4);
        check("msl", msl, 1, 15);
        check("rto", rto, 1, 15);
        check("retries", retries, 0, 15);
        check("time_wait", time_wait, 0, 15);
        check("fin_wait_2", fin_wait_2, 0, 15);
    }

    void init(auto&& emit) const {
        validate();
        pair_state s;
        s.ep[0].incarnation = s.ep[1].incarnation = 1;
        if (handshake) {
            s.ep[0].iss = 0;  // A opens actively
            s.ep[1].iss = 8;  // B listens
            s.ep[1].st = state_id::listen;
            s.ep[1].passive = true;
        } else {
            for (int i = 0; i < 2; ++i) {
                tcb& t = s.ep[i];
                t.st = state_id::established;
                t.iss = seq_t(i * 8);
                t.snd_una = t.snd_nxt = seq_add(t.iss, 1);
                t.irs = seq_t((1 - i) * 8);
                t.rcv_nxt = seq_add(t.irs, 1);
            }
        }
        emit(pair_action{}, s);
    }

    void next(const state& s, auto&& emit) const {
        const auto d = dynamics();
        if (handshake && s.ep[0].st == state_id::closed && s.ep[0].how == ending::open)
            d.call(s, 0, event_id::open_active, emit);
        for (int i = 0; i < 2; ++i) {
            const state_id st = s.ep[i].st;
            const bool may_close = st == state_id::established || st == state_id::close_wait;
            if (may_close && !s.ep[i].user_closed) d.call(s, i, event_id::close, emit);
        }
        d.network(s, emit);
        emit(pair_action{pair_action::kind::tick}, d.tick(s));
    }

    static bool reset_after_graceful_close(const state& s, int i) {
        return s.ep[i].user_closed && s.ep[i].how == ending::reset && !s.ep[1 - i].gave_up;
    }

    std::vector<property<close>> properties() const {
        auto is_tick = [](const action& a) { return a.what == pair_action::kind::tick; };
        auto is_close = [](const action& a) { return a.what == pair_action::kind::call; };
        return {
            always("no-reset-after-graceful-close",
                   [](const state& s) { return !reset_after_graceful_close(s, 0) && !reset_after_graceful_close(s, 1); }),
            eventually("both-closed",
                       [](const state& s) {
                           // No connection left: each side CLOSED (or back to LISTEN, in handshake mode).
                           for (const auto& t : s.ep)
                               if (t.st != state_id::closed && t.st != state_id::listen) return false;
                           return s.ep[0].how != ending::open;
                       })
                .under(weak_fairness("time passes", is_tick), weak_fairness_each("users call CLOSE", is_close)),
            sometimes("time-wait-reached",
                      [](const state& s) {
                          return s.ep[0].st == state_id::time_wait || s.ep[1].st == state_id::time_wait;
                      }),
            sometimes("simultaneous-close",
                      [](const state& s) { return s.ep[0].st == state_id::closing && s.ep[1].st == state_id::closing; }),
            sometimes("fin-wait-1-to-time-wait",
                      [](const state& s) {
                          for (const auto& t : s.ep)
                              if (t.st == state_id::time_wait && t.time_wait_from == state_id::fin_wait_1) return true;
                          return false;
                      }),
            sometimes("lost-final-ack-answered-from-time-wait",
                      [](const state& s) {
                          for (const auto& t : s.ep)
                              if (t.st == state_id::time_wait && t.time_wait_acks > 0) return true;
                          return false;
                      }),
        };
    }
};

}  // namespace tcpv::tcp::models
