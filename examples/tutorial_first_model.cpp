// The tutorial's model (docs/tutorial.md quotes this file by its `// [snippet NAME]` markers;
// the test test_docs checks that every quoted snippet and the quoted output are current).
//
// A sender's retransmission timer against a network that delays segments. A sends one data
// segment and starts a timer of `rto` ticks; B acknowledges every data segment it receives.
// A segment spends at most `max_delay` ticks in the network (or is lost), so an ACK is back
// at most 2 * max_delay ticks after the data left. If the timer fires while the data or its
// ACK is still on the way, A resends a segment that was never lost: a spurious retransmission.
// The checker finds that `rto` must exceed the largest round trip (rto > 2 * max_delay):
// with max_delay = 1, rto = 3 is correct and rto = 2 is not. The shortest counterexample,
// derived by hand: start (data sent), tick, deliver data (ACK sent), tick (the timer fires
// with the ACK still on the way): 3 steps.
// [snippet includes]
#include <tcpv/checker.hpp>
// [snippet includes]
#include <tcpv/graphviz.hpp>

#include <cstdint>
#include <iostream>
#include <ostream>
#include <vector>

namespace tutorial {

// [snippet model]
struct retransmission {
    int rto = 3;        ///< ticks A waits for the ACK before it resends the data
    int max_delay = 1;  ///< ticks a segment can spend in the network before it arrives
    int retries = 1;    ///< retransmissions A makes before it gives up

    enum class sender : std::uint8_t { waiting, acked, gave_up };
    struct state {
        sender a = sender::waiting;
        std::uint8_t elapsed = 0;  // ticks since A last sent the data
        std::uint8_t resent = 0;   // retransmissions so far
        bool data_in_flight = false, ack_in_flight = false;
        std::uint8_t data_age = 0, ack_age = 0;  // ticks each segment has been in flight
        bool spurious = false;  // A resent while the data or its ACK was still on the way
        bool operator==(const state&) const = default;
    };
    enum class action : std::uint8_t { start, deliver_data, lose_data, deliver_ack, lose_ack, tick };
    // [snippet model]

    // [snippet init]
    void init(auto&& emit) const {
        state s;
        s.data_in_flight = true;  // A has just sent the data and started its timer
        emit(action::start, s);
    }
    // [snippet init]

    // [snippet next]
    void next(const state& s, auto&& emit) const {
        if (s.data_in_flight) {
            state t = s;
            t.data_in_flight = false;
            t.data_age = 0;
            if (!t.ack_in_flight) t.ack_age = 0;
            t.ack_in_flight = true;  // B acknowledges every data segment
            emit(action::deliver_data, t);
            t = s;
            t.data_in_flight = false;
            t.data_age = 0;
            emit(action::lose_data, t);
        }
        if (s.ack_in_flight) {
            state t = s;
            t.ack_in_flight = false;
            t.ack_age = 0;
            if (t.a == sender::waiting) t.a = sender::acked;
            emit(action::deliver_ack, t);
            t = s;
            t.ack_in_flight = false;
            t.ack_age = 0;
            emit(action::lose_ack, t);
        }
        // Time passes only while something is pending, and not past a segment's deadline:
        // a segment that has been in flight for max_delay ticks arrives (or is lost) first.
        const bool pending = s.a == sender::waiting || s.data_in_flight || s.ack_in_flight;
        const bool overdue = (s.data_in_flight && s.data_age == max_delay) ||
                             (s.ack_in_flight && s.ack_age == max_delay);
        if (pending && !overdue) {
            state t = s;
            if (t.data_in_flight) ++t.data_age;
            if (t.ack_in_flight) ++t.ack_age;
            if (t.a == sender::waiting && ++t.elapsed == rto) {  // the timer fires
                if (t.resent == retries) {
                    t.a = sender::gave_up;
                } else {
                    if (t.data_in_flight || t.ack_in_flight) t.spurious = true;
                    if (!t.data_in_flight) t.data_age = 0;
                    t.data_in_flight = true;
                    ++t.resent;
                }
                t.elapsed = 0;
            }
            emit(action::tick, t);
        }
    }
    // [snippet next]

    // [snippet properties]
    std::vector<tcpv::property<retransmission>> properties() const {
        return {
            tcpv::always("no-spurious-retransmission", [](const state& s) { return !s.spurious; }),
            tcpv::sometimes("a-loss-is-repaired",
                            [](const state& s) { return s.resent > 0 && s.a == sender::acked; }),
            tcpv::eventually("sender-finishes", [](const state& s) { return s.a != sender::waiting; }),
        };
    }
    // [snippet properties]

    // [snippet print]
    void print(std::ostream& os, const state& s) const {
        static constexpr const char* names[] = {"waiting", "acked", "gave up"};
        os << "A " << names[int(s.a)] << " (timer " << int(s.elapsed) << '/' << rto << ", resent "
           << int(s.resent) << ')';
        if (s.data_in_flight) os << " DATA->B(age " << int(s.data_age) << ')';
        if (s.ack_in_flight) os << " ACK->A(age " << int(s.ack_age) << ')';
        if (s.spurious) os << " SPURIOUS";
    }
    void print(std::ostream& os, action a) const {
        static constexpr const char* names[] = {"start", "deliver DATA", "lose DATA", "deliver ACK", "lose ACK", "tick"};
        os << names[int(a)];
    }
    // [snippet print]
};

}  // namespace tutorial

int main() {
    int failures = 0;
    auto expect = [&](bool ok, const char* what) {
        if (!ok) {
            std::cerr << "example failed: " << what << '\n';
            ++failures;
        }
    };

    // [snippet check-good]
    const auto good = tcpv::checker(tutorial::retransmission{.rto = 3, .max_delay = 1}).run();
    tcpv::print(std::cout, good.summary("retransmission", {{"rto", "3"}, {"max_delay", "1"}}));
    // [snippet check-good]
    expect(good.all_hold(), "rto=3 > 2*max_delay should satisfy every property");
    expect(good.stats.states == 25 && good.stats.depth == 8, "rto=3: 25 states, depth 8");

    // [snippet check-bad]
    const tutorial::retransmission short_rto{.rto = 2, .max_delay = 1};
    const auto bad = tcpv::checker(short_rto).run();
    tcpv::print(std::cout, bad.summary("retransmission", {{"rto", "2"}, {"max_delay", "1"}}));
    // [snippet check-bad]

    expect(bad.stats.states == 37 && bad.stats.depth == 7, "rto=2: 37 states, depth 7");
    const auto trace = bad.counterexample("no-spurious-retransmission");
    expect(trace.has_value(), "rto=2 should violate no-spurious-retransmission");
    if (trace) {
        expect(trace->length() == 3, "the shortest counterexample has 3 steps");
        expect(!tcpv::validate(short_rto, *trace), "the counterexample replays on the model");
        // [snippet picture]
        const std::string dot = tcpv::graphviz::state_graph(bad, &*trace);  // Graphviz DOT text
        // tcpv::graphviz::render(dot, "retransmission.svg", "svg") would draw it with `dot`.
        // [snippet picture]
        expect(dot.find("color=red") != std::string::npos, "the DOT output highlights the trace");
    }
    expect(bad.verdict_of("a-loss-is-repaired") == tcpv::verdict::holds, "a lost segment can be repaired");
    expect(bad.verdict_of("sender-finishes") == tcpv::verdict::holds, "the sender always finishes");
    return failures == 0 ? 0 : 1;
}
