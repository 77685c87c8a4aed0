#pragma once
// The smallest model of why TIME_WAIT exists: the side that closed first (A) sent the final
// ACK and waits in TIME_WAIT; the other side (B) waits in LAST_ACK for that ACK and resends
// its FIN when its retransmission timer expires. If the ACK is lost and A has stopped waiting
// by the time the resent FIN arrives, A no longer knows the connection and answers with a
// reset: B's graceful close ends in an error. (RFC 9293 3.6; the real models are in
// models/tcpv/tcp/.)
//
// The lesson the checker teaches here: TIME_WAIT must outlast the peer's whole retransmission
// span (rto * retries), not a single RTO, because a resent FIN can be lost too, and only a FIN
// that arrives restarts TIME_WAIT. TCP gets this by waiting 2*MSL.
//
// Time is discrete: a `tick` is one unit. A segment in flight is delivered or lost before the
// next tick (its lifetime is shorter than one tick), which keeps this example tiny.

#include <tcpv/checker.hpp>

#include <cstdint>
#include <ostream>
#include <vector>

namespace example {

struct lost_final_ack {
    int time_wait = 5;  ///< ticks A stays in TIME_WAIT (restarted by each FIN it receives)
    int rto = 2;        ///< ticks B waits for the ACK before resending its FIN
    int retries = 2;    ///< FIN retransmissions B makes before giving up

    enum class a_state : std::uint8_t { time_wait, closed };
    enum class b_state : std::uint8_t { last_ack, closed, reset, gave_up };
    struct state {
        a_state a = a_state::time_wait;
        b_state b = b_state::last_ack;
        std::uint8_t a_timer = 0, b_timer = 0, b_retries = 0;
        bool ack_in_flight = false, fin_in_flight = false;
        bool operator==(const state&) const = default;
    };
    enum class action : std::uint8_t { start, deliver_ack, lose_ack, deliver_fin, lose_fin, tick };

    void init(auto&& emit) const {
        state s;
        s.a_timer = static_cast<std::uint8_t>(time_wait);
        s.b_timer = static_cast<std::uint8_t>(rto);
        s.ack_in_flight = true;  // A has just sent the final ACK
        emit(action::start, s);
    }

    void next(const state& s, auto&& emit) const {
        if (s.ack_in_flight) {
            state t = s;
            t.ack_in_flight = false;
            if (t.b == b_state::last_ack) t.b = b_state::closed;
            emit(action::deliver_ack, t);
            t = s;
            t.ack_in_flight = false;
            emit(action::lose_ack, t);
        }
        if (s.fin_in_flight) {
            state t = s;
            t.fin_in_flight = false;
            if (t.a == a_state::time_wait) {  // ACK the FIN again and restart the wait
                t.ack_in_flight = true;
                t.a_timer = static_cast<std::uint8_t>(time_wait);
            } else if (t.b == b_state::last_ack) {  // A forgot the connection: RST
                t.b = b_state::reset;
            }
            emit(action::deliver_fin, t);
            t = s;
            t.fin_in_flight = false;
            emit(action::lose_fin, t);
        }
        const bool waiting = s.a == a_state::time_wait || s.b == b_state::last_ack;
        if (!s.ack_in_flight && !s.fin_in_flight && waiting) {
            state t = s;
            if (t.a == a_state::time_wait && --t.a_timer == 0) t.a = a_state::closed;
            if (t.b == b_state::last_ack && --t.b_timer == 0) {
                if (t.b_retries < retries) {
                    t.fin_in_flight = true;
                    t.b_timer = static_cast<std::uint8_t>(rto);
                    ++t.b_retries;
                } else {
                    t.b = b_state::gave_up;
                }
            }
            if (t.a == a_state::closed) t.a_timer = 0;
            if (t.b != b_state::last_ack) t.b_timer = 0;
            emit(action::tick, t);
        }
    }

    std::vector<tcpv::property<lost_final_ack>> properties() const {
        return {
            tcpv::always("no-reset-after-graceful-close", [](const state& s) { return s.b != b_state::reset; }),
            tcpv::sometimes("final-ack-lost-and-recovered",
                            [](const state& s) { return s.b_retries > 0 && s.b == b_state::closed; }),
            tcpv::eventually("both-closed",
                             [](const state& s) { return s.a == a_state::closed && s.b != b_state::last_ack; }),
        };
    }

    void print(std::ostream& os, const state& s) const {
        static constexpr const char* a_names[] = {"TIME_WAIT", "CLOSED"};
        static constexpr const char* b_names[] = {"LAST_ACK", "CLOSED", "RESET", "GAVE_UP"};
        os << "A=" << a_names[int(s.a)] << '(' << int(s.a_timer) << ") B=" << b_names[int(s.b)] << '('
           << int(s.b_timer) << ", retries " << int(s.b_retries) << ')' << (s.ack_in_flight ? " ACK->B" : "")
           << (s.fin_in_flight ? " FIN->A" : "");
    }
    void print(std::ostream& os, action a) const {
        static constexpr const char* names[] = {"start", "deliver ACK", "lose ACK", "deliver FIN", "lose FIN", "tick"};
        os << names[int(a)];
    }
};

}  // namespace example
