#pragma once
/// \file tcpv/tcp/pair.hpp
/// Two reference endpoints joined by a network: the state and the transitions that the TCP
/// verification models share (user calls, delivery, loss, duplication, time).
///
/// Time is discrete: `tick` ages every segment (one older than MSL is gone), then runs the
/// timers of endpoint 0 and then endpoint 1 (an expiry is a table event). Everything else is
/// instantaneous and interleaved freely.

#include <cstdint>
#include <ostream>
#include <string>

#include "endpoint.hpp"
#include "network.hpp"

namespace tcpv::tcp {

/// The shared state: endpoints 0 and 1, and channel i carrying what endpoint i sent.
struct pair_state {
    tcb ep[2];
    channel<4> ch[2];
    bool operator==(const pair_state&) const = default;
};

static_assert(sizeof(tcb) % 4 == 0, "tcb must keep pair_state free of padding");

/// What happened in one transition of a pair.
struct pair_action {
    enum class kind : std::uint8_t { init, call, deliver, lose, duplicate, tick } what = kind::init;
    std::uint8_t side = 0;        ///< the endpoint (call) or the channel (deliver, lose, duplicate)
    event_id call = event_id::close;
    std::uint32_t segment = 0;    ///< packed segment with age (deliver, lose, duplicate)
    bool operator==(const pair_action&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const pair_action& a) {
    using k = pair_action::kind;
    const char* names[] = {"A", "B"};
    switch (a.what) {
        case k::init: return os << "init";
        case k::call: return os << names[a.side] << ": " << event_name(a.call);
        case k::deliver:
            return os << "deliver " << names[a.side] << "->" << names[1 - a.side] << ' '
                      << channel<4>::segment_of(a.segment);
        case k::lose: return os << "lose " << names[a.side] << "->" << names[1 - a.side] << ' ' << channel<4>::segment_of(a.segment);
        case k::duplicate:
            return os << "duplicate " << names[a.side] << "->" << names[1 - a.side] << ' '
                      << channel<4>::segment_of(a.segment);
        case k::tick: return os << "tick";
    }
    return os;
}

inline std::ostream& operator<<(std::ostream& os, const pair_state& s) {
    for (int i = 0; i < 2; ++i) {
        os << (i ? " | B: " : "A: ") << to_string(s.ep[i]) << " [";
        bool first = true;
        for (const std::uint32_t v : s.ch[i].slot) {
            if (!v) break;
            os << (first ? "" : " ") << channel<4>::segment_of(v) << '@' << channel<4>::age_of(v);
            first = false;
        }
        os << ']';
    }
    return os;
}

/// The transitions of a pair, for endpoints configured by `ep` and channels by `net`.
template <class Table = rfc9293_table>
struct pair_dynamics {
    endpoint_config ep[2];
    network_config net;

    void send_all(pair_state& s, int side, const step_result& r) const {
        for (std::uint8_t k = 0; k < r.sent_count; ++k) s.ch[side].send(r.sent[k], net);
    }

    /// A user call by endpoint i; nothing is emitted when the call fails (an error) or no row applies.
    template <class Emit>
    void call(const pair_state& s, int i, event_id what, Emit&& emit) const {
        pair_state t = s;
        const step_result r = tcp::user_call<Table>(t.ep[i], what, ep[i]);
        if (!r.row || r.error) return;
        send_all(t, i, r);
        emit(pair_action{pair_action::kind::call, std::uint8_t(i), what, 0}, t);
    }

    /// Delivery, loss and duplication of what is in flight.
    template <class Emit>
    void network(const pair_state& s, Emit&& emit) const {
        for (int i = 0; i < 2; ++i) {
            s.ch[i].for_each_deliverable(net, [&](std::size_t k, std::uint32_t v) {
                pair_state t = s;
                t.ch[i].remove(k);
                const step_result r = receive<Table>(t.ep[1 - i], channel<4>::segment_of(v), ep[1 - i]);
                send_all(t, 1 - i, r);
                emit(pair_action{pair_action::kind::deliver, std::uint8_t(i), event_id::close, v}, t);
            });
            if (net.loss)
                s.ch[i].for_each_distinct([&](std::size_t k, std::uint32_t v) {
                    pair_state t = s;
                    t.ch[i].remove(k);
                    emit(pair_action{pair_action::kind::lose, std::uint8_t(i), event_id::close, v}, t);
                });
            if (net.duplication)
                s.ch[i].for_each_distinct([&](std::size_t k, std::uint32_t v) {
                    pair_state t = s;
                    if (t.ch[i].duplicate(k, net))
                        emit(pair_action{pair_action::kind::duplicate, std::uint8_t(i), event_id::close, v}, t);
                });
        }
    }

    /// One tick: segments age, then the timers of endpoint 0, then of endpoint 1.
    [[nodiscard]] pair_state tick(const pair_state& s) const {
        pair_state t = s;
        for (auto& c : t.ch) c.age(net);
        for (int i = 0; i < 2; ++i) send_all(t, i, tcp::tick<Table>(t.ep[i], ep[i]));
        return t;
    }
};

}  // namespace tcpv::tcp
