#pragma once
/// \file tcpv/tcp/models/server_restart.hpp
/// The `server-restart` model: a server accepts connections on its port, closes them first
/// (so the TIME-WAIT entries are on the server's side, on the server's own port), and is
/// restarted; the new process binds the same port again (TCP-FACTS §2.7; bind_rules.hpp).
///
/// Up to `connections` clients connect while the listener is up. The server closes a
/// connection first (`closer=server`), leaving a TIME-WAIT entry for `time_wait` ticks, or the
/// client does (`closer=client`), in which case the server's side ends through LAST-ACK and
/// holds nothing. A restart closes the listener and every open connection (the process exits:
/// its sockets are closed, the server closing first), then the new process calls bind(), and
/// listen() if bind() succeeded; a failed bind() may be retried after time passes.
/// `reuseaddr` says whether the server sets SO_REUSEADDR before bind() (old and new process).
///
/// Properties:
/// - `restart-binds` (always): the new process's bind() never fails with EADDRINUSE. Holds with
///   `reuseaddr=on`; with `off` it fails while the old connections sit in TIME-WAIT.
/// - `rebound-during-time-wait` (sometimes): the port was bound again while TIME-WAIT entries
///   held it (the option is what made that possible).
/// - `serves-again` (sometimes): a client connected after a restart.

#include <tcpv/model.hpp>
#include <tcpv/property.hpp>
#include <tcpv/tcp/bind_rules.hpp>

#include <array>
#include <cstdint>
#include <ostream>
#include <vector>

namespace tcpv::tcp::models {

struct server_restart {
    static constexpr int max_connections = 3;

    int connections = 2;
    int time_wait = 2;
    bool reuseaddr = true;
    bool server_closes = true;  ///< closer=server

    /// Per connection: 0 not yet, 1 open, 2 done (nothing held), 2 + n: TIME-WAIT, n ticks left.
    struct state {
        std::array<std::uint8_t, max_connections> conn{};
        std::uint8_t listening = 1;     ///< the listener is up
        std::uint8_t restarts = 0;      ///< 0, or 1 after the one restart
        std::uint8_t bind_failed = 0;   ///< ghost: a bind() failed with EADDRINUSE (sticky)
        std::uint8_t rebound_in_tw = 0; ///< ghost: bound while TIME-WAIT entries held the port (sticky)
        std::uint8_t served_after = 0;  ///< ghost: a connection was accepted after the restart (sticky)
        std::uint8_t reserved[2] = {};
        bool operator==(const state&) const = default;
    };

    struct action {
        enum class kind : std::uint8_t { init, connect, close, restart, bind, tick } what = kind::init;
        std::uint8_t which = 0;
        bool failed = false;
        bool operator==(const action&) const = default;
    };

    friend std::ostream& operator<<(std::ostream& os, const state& s) {
        os << (s.listening ? "listening" : "not listening");
        for (int i = 0; i < max_connections; ++i) {
            const int v = s.conn[i];
            if (v == 1) os << " c" << i << ":open";
            if (v > 2) os << " c" << i << ":TIME-WAIT" << v - 2;
        }
        if (s.bind_failed) os << " {bind failed}";
        return os;
    }
    friend std::ostream& operator<<(std::ostream& os, const action& a) {
        switch (a.what) {
            case action::kind::connect: return os << "client " << int(a.which) << " connects";
            case action::kind::close: return os << "connection " << int(a.which) << " closed";
            case action::kind::restart: return os << "server restarts (listener and connections closed)";
            case action::kind::bind: return os << (a.failed ? "bind(): EADDRINUSE" : "bind() and listen()");
            case action::kind::tick: return os << "tick";
            case action::kind::init: return os << "init";
        }
        return os;
    }

    void validate() const {
        require_in_range("server-restart", "connections", connections, 1, max_connections);
        require_in_range("server-restart", "time_wait", time_wait, 1, 15);
    }
    void init(auto&& emit) const {
        validate();
        emit(action{}, state{});
    }

    /// What holds the port now, for bind_error.
    [[nodiscard]] std::vector<port_holder> holders(const state& s) const {
        std::vector<port_holder> h;
        if (s.listening) h.push_back({port_holder::kind::listener, reuseaddr});
        for (int i = 0; i < connections; ++i) {
            if (s.conn[i] == 1) h.push_back({port_holder::kind::connection, reuseaddr});
            if (s.conn[i] > 2) h.push_back({port_holder::kind::time_wait, reuseaddr});
        }
        return h;
    }

    void next(const state& s, auto&& emit) const {
        const auto closed = std::uint8_t(server_closes ? 2 + time_wait : 2);
        for (int i = 0; i < connections; ++i) {
            if (s.conn[i] == 0 && s.listening) {
                state t = s;
                t.conn[i] = 1;
                if (s.restarts) t.served_after = 1;
                emit(action{action::kind::connect, std::uint8_t(i), false}, t);
            }
            if (s.conn[i] == 1) {
                state t = s;
                t.conn[i] = closed;
                emit(action{action::kind::close, std::uint8_t(i), false}, t);
            }
        }
        if (s.listening && s.restarts == 0) {
            state t = s;
            t.listening = 0;
            t.restarts = 1;
            for (int i = 0; i < connections; ++i)
                if (t.conn[i] == 1) t.conn[i] = std::uint8_t(2 + time_wait);  // the exiting process closes first
            emit(action{action::kind::restart, 0, false}, t);
        }
        if (!s.listening && s.restarts) {
            state t = s;
            const auto h = holders(s);
            const bool failed = bind_error(h, reuseaddr) != 0;
            if (failed) t.bind_failed = 1;
            else {
                t.listening = 1;
                if (!h.empty()) t.rebound_in_tw = 1;
            }
            emit(action{action::kind::bind, 0, failed}, t);
        }
        state t = s;
        bool aged = false;
        for (auto& v : t.conn)
            if (v > 2) {
                v = v == 3 ? 2 : std::uint8_t(v - 1);
                aged = true;
            }
        if (aged) emit(action{action::kind::tick}, t);
    }

    std::vector<property<server_restart>> properties() const {
        return {
            always("restart-binds", [](const state& s) { return s.bind_failed == 0; }),
            sometimes("rebound-during-time-wait", [](const state& s) { return s.rebound_in_tw != 0; }),
            sometimes("serves-again", [](const state& s) { return s.served_after != 0; }),
        };
    }
};

}  // namespace tcpv::tcp::models
