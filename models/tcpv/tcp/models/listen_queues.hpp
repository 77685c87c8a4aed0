#pragma once
/// \file tcpv/tcp/models/listen_queues.hpp
/// A listener's two queues and what it does with an arriving SYN, final ACK or RST, by profile
/// (TCP-FACTS §3): the rules of the `listen-backlog` model (listen_backlog.hpp), kept apart so
/// that the kernel comparison (tests/linux/test_linux_backlog.cpp) predicts with the same code.
///
/// - Linux (net/ipv4/tcp_input.c `tcp_conn_request`, tcp_minisocks.c `tcp_check_req`,
///   include/net/sock.h `sk_acceptq_is_full`, inet_connection_sock.h
///   `inet_csk_reqsk_queue_is_full`): the backlog is capped by somaxconn. A SYN finds the SYN
///   queue full when it holds >= backlog requests: it is answered with a SYN cookie
///   (tcp_syncookies 1, or always with 2) or dropped (0). Then, if the accept queue is full
///   (more than backlog entries: `>`, so backlog+1 fit), the SYN is dropped silently. A final ACK
///   that finds the accept queue full is dropped and the request marked `acked`
///   (tcp_abort_on_overflow 0), or answered with RST and the request removed (1). A request's
///   SYN+ACK is retransmitted with backoff `synack_retries` times, `acked` or not, then the
///   request is dropped silently (`reqsk_timer_handler`). An ACK with no request passes the
///   cookie check if the client took a cookie, and is answered with RST otherwise.
/// - Historical BSD (`sonewconn`, kern/uipc_socket2.c): one limit over both queues; a SYN is
///   refused (dropped) when `qlen + q0len > 3*backlog/2`. The final ACK always completes.
/// - RFC 9293 profile: the RFC sets no limit; this profile takes POSIX listen()'s reading, at
///   most max(backlog, 1) connections pending in both queues together, refusing a SYN silently
///   beyond. A RST in SYN-RECEIVED removes the request (§3.10.7.4: back to LISTEN) — as in the
///   other two profiles.
/// Segments: a channel holds one segment per direction per client; a segment sent while another
/// is in flight in the same direction is lost (as in the other models' `cap`), which only ever
/// delays an exchange that retransmissions then complete.
/// A deliberate simplification everywhere: a SYN to a connection that is already complete
/// draws a challenge ACK which changes nothing for an ESTABLISHED client; it is not modelled.

#include <tcpv/model.hpp>

#include <array>
#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>

namespace tcpv::tcp::models::listen_queues {

inline constexpr int max_clients = 4;

/// Segment kinds (a channel is a set of kinds). To the server: syn, ack, data, rst; to a
/// client: synack, cookie_synack, rst, data_ack.
namespace seg {
inline constexpr std::uint8_t syn = 1, ack = 2, data = 4, rst = 8;
inline constexpr std::uint8_t synack = 1, cookie_synack = 2, data_ack = 8;  // rst = 4 below
inline constexpr std::uint8_t client_rst = 4;
}  // namespace seg

enum class client_state : std::uint8_t { idle, syn_sent, established, done, timed_out, reset };
enum class server_state : std::uint8_t { none, request, queued, accepted };
enum class profile_kind : std::uint8_t { rfc9293, linux_stack, bsd };
enum class full_test : std::uint8_t { profile, gt, ge };

/// Sends `kind` into a one-segment channel: lost when one is already in flight.
inline void send(std::uint8_t& channel, std::uint8_t kind) {
    if (channel == 0) channel = kind;
}

/// The listener and its clients; N clients at most (the model uses max_clients, the kernel
/// comparison more).
template <int N>
struct basic_state {
    std::array<client_state, N> cl{};
    std::array<std::uint8_t, N> cl_retries{}, cl_timer{}, cl_cookie{};  ///< timers: 1 = running
    std::array<server_state, N> sv{};
    std::array<std::uint8_t, N> sv_retries{}, sv_timer{}, sv_acked{};
    /// One segment in flight per direction per client (0 = none); see `send`.
    std::array<std::uint8_t, N> to_server{}, to_client{};
    std::uint8_t early_overflow = 0;  ///< ghost: dropped as "full" below the profile's bound (sticky)
    std::uint8_t syn_reset = 0;       ///< ghost: a SYN dropped for overflow was answered with RST (sticky)
    std::uint8_t ack_reset = 0;       ///< ghost: a final ACK was answered with RST for overflow (sticky)
    std::uint8_t syn_dropped = 0;     ///< ghost: a SYN was dropped for a full queue (sticky)
    std::uint8_t request_reset = 0;   ///< ghost: a RST removed a request in SYN-RECEIVED (sticky)
    std::uint8_t reserved[3] = {};
    bool operator==(const basic_state&) const = default;

    [[nodiscard]] int count(server_state x) const {
        int n = 0;
        for (const auto v : sv) n += v == x;
        return n;
    }
    [[nodiscard]] int accept_queue_length() const { return count(server_state::queued); }
    [[nodiscard]] int syn_queue_length() const { return count(server_state::request); }
};
using state = basic_state<max_clients>;

struct action {
    enum class kind : std::uint8_t {
        init, connect, to_server, to_client, lose_to_server, lose_to_client, accept, client_timer, server_timer
    };
    kind what = kind::init;
    std::uint8_t client = 0, segment = 0;
    bool operator==(const action&) const = default;
};

inline std::string server_segment_name(std::uint8_t k) {
    return k == seg::syn ? "SYN" : k == seg::ack ? "ACK" : k == seg::data ? "data" : "RST";
}
inline std::string client_segment_name(std::uint8_t k) {
    return k == seg::synack ? "SYN+ACK" : k == seg::cookie_synack ? "SYN+ACK(cookie)" : k == seg::data_ack ? "ACK of data" : "RST";
}

inline std::ostream& operator<<(std::ostream& os, const action& a) {
    const int c = a.client;
    switch (a.what) {
        case action::kind::init: return os << "init";
        case action::kind::connect: return os << "client " << c << ": connect() sends SYN";
        case action::kind::to_server: return os << "client " << c << " -> listener: " << server_segment_name(a.segment);
        case action::kind::to_client: return os << "listener -> client " << c << ": " << client_segment_name(a.segment);
        case action::kind::lose_to_server: return os << "lost: client " << c << " -> listener " << server_segment_name(a.segment);
        case action::kind::lose_to_client: return os << "lost: listener -> client " << c << ' ' << client_segment_name(a.segment);
        case action::kind::accept: return os << "accept() returns client " << c << "'s connection";
        case action::kind::client_timer: return os << "client " << c << ": retransmission timeout";
        case action::kind::server_timer: return os << "listener: SYN+ACK timeout for client " << c;
    }
    return os;
}

template <int N>
std::ostream& operator<<(std::ostream& os, const basic_state<N>& s) {
    static constexpr const char* cn[] = {"idle", "SYN-SENT", "ESTABLISHED", "ESTABLISHED(answered)", "timed out", "reset"};
    static constexpr const char* sn[] = {"-", "SYN-RECEIVED", "accept queue", "accepted"};
    os << "accept queue " << s.accept_queue_length() << ", SYN queue " << s.syn_queue_length() << " |";
    for (int i = 0; i < N; ++i) {
        if (s.cl[i] == client_state::idle && s.sv[i] == server_state::none) continue;
        os << " c" << i << ": " << cn[int(s.cl[i])] << (s.cl_cookie[i] ? "(cookie)" : "") << " / " << sn[int(s.sv[i])]
           << (s.sv_acked[i] ? "(ACK dropped)" : "") << ';';
    }
    if (s.early_overflow) os << " {early overflow}";
    if (s.syn_reset) os << " {SYN answered with RST}";
    return os;
}

/// The listener's rules, parameterised by profile.
struct rules {
    profile_kind kind = profile_kind::linux_stack;
    int backlog = 1;          ///< listen()'s argument
    int somaxconn = 4096;     ///< Linux net.core.somaxconn (default 4096 since 5.4)
    int syncookies = 1;       ///< Linux tcp_syncookies: 0 off, 1 on overflow, 2 always
    bool abort_on_overflow = false;
    int synack_retries = 1;
    full_test test = full_test::profile;
    bool syn_overflow_rst = false;  ///< broken: answer a SYN dropped for overflow with RST

    void validate() const {
        require_in_range("listen-backlog", "backlog", backlog, 0, 8);
        require_in_range("listen-backlog", "somaxconn", somaxconn, 0, 65535);
        require_in_range("listen-backlog", "syncookies", syncookies, 0, 2);
        require_in_range("listen-backlog", "synack_retries", synack_retries, 0, 3);
        if (kind != profile_kind::linux_stack && (syncookies != 0 || abort_on_overflow))
            throw std::invalid_argument("listen-backlog: syncookies and abort_on_overflow are Linux knobs; with profile "
                                        "bsd or rfc9293 set syncookies=off and abort_on_overflow=off");
    }

    /// listen()'s backlog after the somaxconn cap.
    [[nodiscard]] int effective_backlog() const { return backlog < somaxconn ? backlog : somaxconn; }
    /// The most connections the profile's documented rule lets wait (see the file comment).
    [[nodiscard]] int accept_bound() const {
        const int b = effective_backlog();
        switch (kind) {
            case profile_kind::linux_stack: return b + 1;
            case profile_kind::bsd: return 3 * b / 2 + 1;
            case profile_kind::rfc9293: return b > 0 ? b : 1;
        }
        return 0;
    }
    /// What the "full" test is measured on: the accept queue (Linux), or both queues.
    template <class S>
    [[nodiscard]] int measured(const S& s) const {
        return kind == profile_kind::linux_stack ? s.accept_queue_length()
                                                 : s.accept_queue_length() + s.syn_queue_length();
    }
    /// The full test as implemented (the knob may break it): Linux `len > b`, BSD
    /// `len > 3b/2`, the RFC profile `len >= max(b, 1)`.
    template <class S>
    [[nodiscard]] bool full(const S& s) const {
        const int n = measured(s), bound = accept_bound();
        const full_test t = test != full_test::profile ? test : kind == profile_kind::rfc9293 ? full_test::ge : full_test::gt;
        const int limit = kind == profile_kind::rfc9293 ? bound : bound - 1;  // `>` limit: bound-1
        return t == full_test::gt ? n > limit : n >= limit;
    }
    template <class S>
    [[nodiscard]] bool within_bounds(const S& s) const {
        if (measured(s) > accept_bound()) return false;
        return kind != profile_kind::linux_stack || s.syn_queue_length() <= effective_backlog();
    }
    template <class S>
    [[nodiscard]] bool at_bound(const S& s) const { return measured(s) >= accept_bound(); }

    /// A drop for "queue full": noted, and checked against the documented bound.
    template <class S>
    void overflow_drop(S& t) const {
        if (measured(t) < accept_bound()) t.early_overflow = 1;
    }

    template <class S>
    void server_receives(S& t, int i, std::uint8_t k) const {
        auto& sv = t.sv[i];
        if (k == seg::rst) {
            if (sv == server_state::request) {
                sv = server_state::none;  // RFC 9293 §3.10.7.4: SYN-RECEIVED from LISTEN goes back to LISTEN
                t.sv_timer[i] = t.sv_acked[i] = t.sv_retries[i] = 0;
                t.request_reset = 1;
            }
            return;
        }
        if (k == seg::syn) {
            if (sv == server_state::request) send(t.to_client[i], seg::synack);  // a retransmitted SYN
            if (sv != server_state::none) return;
            syn_to_listener(t, i);
            return;
        }
        // ACK or data: completes the handshake where it can; data is acknowledged once complete.
        const bool data = k == seg::data;
        if (sv == server_state::queued || sv == server_state::accepted) {
            if (data) send(t.to_client[i], seg::data_ack);
            return;
        }
        if (sv == server_state::request && t.cl_cookie[i]) {
            send(t.to_client[i], seg::client_rst);  // its ACK acknowledges a cookie, not this request's ISN
            return;
        }
        const bool cookie_ok = sv == server_state::none && kind == profile_kind::linux_stack && syncookies > 0 &&
                               t.cl_cookie[i];
        if (sv == server_state::none && !cookie_ok) {
            send(t.to_client[i], seg::client_rst);  // an ACK to LISTEN: RST (RFC 9293 §3.10.7.2)
            return;
        }
        if (kind == profile_kind::linux_stack && full(t)) {  // BSD and RFC check at SYN time only
            overflow_drop(t);
            if (abort_on_overflow && sv == server_state::request) {
                send(t.to_client[i], seg::client_rst);
                t.ack_reset = 1;
                sv = server_state::none;
                t.sv_timer[i] = t.sv_retries[i] = t.sv_acked[i] = 0;
            } else {
                t.sv_acked[i] = 1;  // a request keeps it (tcp_check_req); for a cookie it marks the drop
            }
            return;
        }
        sv = server_state::queued;
        t.sv_timer[i] = t.sv_retries[i] = t.sv_acked[i] = 0;
        if (data) send(t.to_client[i], seg::data_ack);
    }

    template <class S>
    void syn_to_listener(S& t, int i) const {
        bool cookie = false;
        if (kind == profile_kind::linux_stack) {
            if (syncookies == 2 || t.syn_queue_length() >= effective_backlog()) {
                if (syncookies == 0) return drop_syn(t, i, false);  // the SYN queue's own limit
                cookie = true;
            }
            if (full(t)) return drop_syn(t, i, true);
        } else if (full(t)) {
            return drop_syn(t, i, true);
        }
        if (cookie) {
            send(t.to_client[i], seg::cookie_synack);
            return;
        }
        t.sv[i] = server_state::request;
        t.sv_timer[i] = 1;
        t.sv_retries[i] = 0;
        t.sv_acked[i] = 0;
        send(t.to_client[i], seg::synack);
    }

    template <class S>
    void drop_syn(S& t, int i, bool accept_queue) const {
        t.syn_dropped = 1;
        if (accept_queue) overflow_drop(t);
        if (syn_overflow_rst) {
            send(t.to_client[i], seg::client_rst);
            t.syn_reset = 1;
        }
    }

    template <class S>
    void server_timeout(S& t, int i) const {
        if (t.sv[i] != server_state::request) return;
        if (t.sv_retries[i] < synack_retries) {
            ++t.sv_retries[i];
            t.sv_timer[i] = 1;
            send(t.to_client[i], seg::synack);  // retransmitted whether or not the final ACK was dropped
        } else {
            t.sv[i] = server_state::none;  // dropped silently
            t.sv_acked[i] = 0;
        }
    }

    /// accept(): takes completed connection i (which one accept() returns first does not
    /// matter to any property, so the queue's order is not kept).
    template <class S>
    static void accept(S& t, int i) { t.sv[i] = server_state::accepted; }

    /// What `n` clients see when they connect one after another, each handshake finished (or
    /// its SYN dropped) before the next begins, nothing lost, nobody accept()ing and no data
    /// sent: what a test observes on loopback (tests/linux/test_linux_backlog.cpp).
    struct sequential_outcome {
        int established = 0;   ///< clients that reached ESTABLISHED
        int syn_sent = 0;      ///< clients whose SYN got no answer (still SYN-SENT: they retransmit)
        int refused = 0;       ///< clients that got a RST
        int accept_queue = 0;  ///< the listener's accept-queue length
        int syn_queue = 0;     ///< requests in SYN-RECEIVED
    };
    [[nodiscard]] sequential_outcome connect_one_by_one(int n) const {
        constexpr int most = 32;
        if (n < 0 || n > most) throw std::invalid_argument("connect_one_by_one: 0.." + std::to_string(most) + " clients");
        basic_state<most> t;
        for (int i = 0; i < n; ++i) {
            t.cl[i] = client_state::syn_sent;
            server_receives(t, i, seg::syn);
            const std::uint8_t reply = std::exchange(t.to_client[i], std::uint8_t{0});
            if (reply == seg::synack || reply == seg::cookie_synack) {
                t.cl[i] = client_state::established;
                t.cl_cookie[i] = reply == seg::cookie_synack;
                server_receives(t, i, seg::ack);
                if (std::exchange(t.to_client[i], std::uint8_t{0}) == seg::client_rst) t.cl[i] = client_state::reset;
            } else if (reply == seg::client_rst) {
                t.cl[i] = client_state::reset;
            }
        }
        sequential_outcome o;
        for (int i = 0; i < n; ++i) {
            o.established += t.cl[i] == client_state::established;
            o.syn_sent += t.cl[i] == client_state::syn_sent;
            o.refused += t.cl[i] == client_state::reset;
        }
        o.accept_queue = t.accept_queue_length();
        o.syn_queue = t.syn_queue_length();
        return o;
    }
};

}  // namespace tcpv::tcp::models::listen_queues
