#pragma once
/// \file tcpv/tcp/models/listen_backlog.hpp
/// The `listen-backlog` model: clients connect to one listener faster than its application
/// accepts them; the listener's two queues (SYN-RECEIVED requests, and completed connections
/// waiting for accept()) fill, and what the listener does then depends on the stack
/// (TCP-FACTS §3). The rules are in listen_queues.hpp; this file is the model around them.
///
/// Each of `clients` clients connects once (SYN, retransmitted `syn_retries` times with
/// a timeout), answers a SYN+ACK with an ACK and, with `client_data`, sends a request that it
/// retransmits `data_retries` times until the server acknowledges it. The listener answers by
/// its profile's rules; its application accepts a completed connection at any time
/// (`accept=sometimes`) or never. The network may lose segments (`loss`) and delivers them in
/// any order; a channel holds at most one copy of each kind of segment (a copy sent while an
/// equal one is in flight adds no behaviour the model needs).
///
/// Timers are events: a running retransmission timer may expire at any moment (see `next`).
///
/// Properties (fairness: running timers expire, each client eventually connects, and a segment that can
/// be delivered again and again eventually is):
/// - `queues-within-bounds` (always): the queues never exceed the profile's bounds (Linux:
///   accept queue <= backlog+1, SYN queue <= backlog; BSD: both together <= 3*backlog/2 + 1;
///   RFC 9293 profile: both together <= max(backlog, 1)), backlog capped by somaxconn.
/// - `no-early-overflow` (always): no SYN or final ACK is dropped as "queue full" while the
///   queue holds fewer than its bound. Broken by `full_test=ge` on Linux (`>=` instead of `>`).
/// - `dropped-syn-not-reset` (always): a SYN dropped for a full queue is not answered with RST
///   (the client retransmits), and neither is a final ACK unless `abort_on_overflow` is on.
///   Broken by `syn_overflow=rst`.
/// - `every-client-resolves` (eventually): every client ends up completed (its connection is
///   in the accept queue or accepted, and it is ESTABLISHED) or knows it failed (timed out or
///   reset). With `client_data=off` it fails on Linux: the final ACK is dropped while the accept
///   queue is full, the SYN+ACK retransmissions run out, the listener forgets the request, and
///   the idle client stays ESTABLISHED forever.
/// - `overflow-window` (sometimes, Linux): a client is ESTABLISHED while the listener dropped its
///   final ACK for a full accept queue, keeping the request (tcp_check_req `listen_overflow`) or,
///   after a SYN cookie, keeping nothing.
/// - `accept-queue-full`, `syn-dropped`, `syn-received-reset` (sometimes): the queue reaches its
///   bound; a SYN is dropped; a request in SYN-RECEIVED is removed by a RST (RFC 9293 §3.10.7.4:
///   back to LISTEN) — the properties above are not vacuous.

#include <tcpv/model.hpp>
#include <tcpv/property.hpp>
#include <tcpv/tcp/models/listen_queues.hpp>

#include <cstdint>
#include <ostream>
#include <vector>

namespace tcpv::tcp::models {

struct listen_backlog : listen_queues::rules {
    int clients = 3;
    int syn_retries = 0;   ///< 1 explores retransmitted SYNs too: 6.3M states instead of 0.5M
    int data_retries = 0;
    bool loss = true;
    bool client_data = true;
    bool accept_sometimes = true;

    using state = listen_queues::state;
    using action = listen_queues::action;
    using client_state = listen_queues::client_state;
    using server_state = listen_queues::server_state;

    void validate() const {
        rules::validate();
        require_in_range("listen-backlog", "clients", clients, 1, listen_queues::max_clients);
        require_in_range("listen-backlog", "syn_retries", syn_retries, 0, 3);
        require_in_range("listen-backlog", "data_retries", data_retries, 0, 3);
    }

    void init(auto&& emit) const {
        validate();
        emit(action{}, state{});
    }

    void next(const state& s, auto&& emit) const {
        namespace seg = listen_queues::seg;
        for (int i = 0; i < clients; ++i) {
            const auto c = std::uint8_t(i);
            if (s.cl[i] == client_state::idle) {
                state t = s;
                t.cl[i] = client_state::syn_sent;
                t.cl_timer[i] = 1;
                listen_queues::send(t.to_server[i], seg::syn);
                emit(action{action::kind::connect, c, 0}, t);
            }
            // Each direction's segment may be delivered (and answered) or, with loss, lost.
            auto channel = [&](auto state::*slots, action::kind deliver, action::kind lose, auto&& receive) {
                const std::uint8_t k = (s.*slots)[i];
                if (!k) return;
                state t = s;
                (t.*slots)[i] = 0;
                receive(t, k);
                emit(action{deliver, c, k}, t);
                if (loss) {
                    state l = s;
                    (l.*slots)[i] = 0;
                    emit(action{lose, c, k}, l);
                }
            };
            channel(&state::to_server, action::kind::to_server, action::kind::lose_to_server,
                    [&](state& t, std::uint8_t k) { server_receives(t, i, k); });
            channel(&state::to_client, action::kind::to_client, action::kind::lose_to_client,
                    [&](state& t, std::uint8_t k) { client_receives(t, i, k); });
        }
        if (accept_sometimes)
            for (int i = 0; i < clients; ++i)
                if (s.sv[i] == server_state::queued) {
                    state t = s;
                    accept(t, i);
                    emit(action{action::kind::accept, std::uint8_t(i), 0}, t);
                }
        // Timers are events, not counters: a running timer may expire at any moment (the network
        // delays segments without bound, so the only order between expiries that a clock would add
        // is among the timers themselves, and no property depends on it). This keeps the state
        // small; the retransmission counts still bound every exchange.
        for (int i = 0; i < clients; ++i) {
            const auto c = std::uint8_t(i);
            if (s.cl_timer[i]) {
                state t = s;
                t.cl_timer[i] = 0;
                client_timeout(t, i);
                emit(action{action::kind::client_timer, c, 0}, t);
            }
            if (s.sv_timer[i]) {
                state t = s;
                t.sv_timer[i] = 0;
                server_timeout(t, i);
                emit(action{action::kind::server_timer, c, 0}, t);
            }
        }
    }

    // --- the client side (an ordinary connect()ing endpoint) -------------------------------
    void client_receives(state& t, int i, std::uint8_t k) const {
        namespace seg = listen_queues::seg;
        auto& cl = t.cl[i];
        const bool synack = k == seg::synack || k == seg::cookie_synack;
        if (synack) {
            if (cl == client_state::syn_sent) {
                cl = client_state::established;
                t.cl_cookie[i] = k == seg::cookie_synack;
                listen_queues::send(t.to_server[i], client_data ? seg::data : seg::ack);  // data carries the ACK
                t.cl_retries[i] = 0;
                t.cl_timer[i] = client_data ? 1 : 0;
            } else if (cl == client_state::established || cl == client_state::done) {
                listen_queues::send(t.to_server[i], seg::ack);  // an old SYN+ACK: below RCV.NXT, answered with an ACK
            } else if (cl == client_state::timed_out || cl == client_state::reset) {
                listen_queues::send(t.to_server[i], seg::rst);  // the socket is gone: CLOSED answers with RST
            }
        } else if (k == seg::client_rst) {
            if (cl == client_state::syn_sent || cl == client_state::established || cl == client_state::done) {
                cl = client_state::reset;
                t.cl_timer[i] = 0;
            }
        } else if (k == seg::data_ack && cl == client_state::established) {
            cl = client_state::done;
            t.cl_timer[i] = 0;
        }
    }

    void client_timeout(state& t, int i) const {
        namespace seg = listen_queues::seg;
        const bool connecting = t.cl[i] == client_state::syn_sent;
        if (t.cl_retries[i] < (connecting ? syn_retries : data_retries)) {
            ++t.cl_retries[i];
            t.cl_timer[i] = 1;
            listen_queues::send(t.to_server[i], connecting ? seg::syn : seg::data);
        } else {
            t.cl[i] = client_state::timed_out;  // ETIMEDOUT; no segment is sent
        }
    }

    // --- properties --------------------------------------------------------------------------
    [[nodiscard]] bool resolved(const state& s, int i) const {
        const auto c = s.cl[i];
        if (c == client_state::timed_out || c == client_state::reset) return true;
        const bool server_has = s.sv[i] == server_state::queued || s.sv[i] == server_state::accepted;
        return server_has && (c == client_state::established || c == client_state::done);
    }

    std::vector<property<listen_backlog>> properties() const {
        using K = action::kind;
        auto fair = [](auto p) {
            return std::move(p).under(
                weak_fairness_each("timers expire",
                                   [](const action& a) { return a.what == K::client_timer || a.what == K::server_timer; }),
                weak_fairness_each("clients connect", [](const action& a) { return a.what == K::connect; }),
                strong_fairness_each("segments are delivered",
                                     [](const action& a) { return a.what == K::to_server || a.what == K::to_client; }));
        };
        std::vector<property<listen_backlog>> ps{
            always("queues-within-bounds", [this](const state& s) { return within_bounds(s); }),
            always("no-early-overflow", [](const state& s) { return s.early_overflow == 0; }),
            always("dropped-syn-not-reset", [this](const state& s) {
                return s.syn_reset == 0 && (abort_on_overflow || s.ack_reset == 0);
            }),
            fair(eventually("every-client-resolves",
                            [this](const state& s) {
                                for (int i = 0; i < clients; ++i)
                                    if (!resolved(s, i)) return false;
                                return true;
                            })),
            sometimes("accept-queue-full", [this](const state& s) { return at_bound(s); }),
            sometimes("syn-dropped", [](const state& s) { return s.syn_dropped != 0; }),
            sometimes("syn-received-reset", [](const state& s) { return s.request_reset != 0; }),
        };
        if (kind == listen_queues::profile_kind::linux_stack)
            ps.push_back(sometimes("overflow-window", [this](const state& s) {
                for (int i = 0; i < clients; ++i)
                    if ((s.cl[i] == client_state::established || s.cl[i] == client_state::done) &&
                        s.sv_acked[i] && (s.sv[i] == server_state::request || s.sv[i] == server_state::none))
                        return true;
                return false;
            }));
        return ps;
    }
};

}  // namespace tcpv::tcp::models
