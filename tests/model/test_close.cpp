// The `close` model (models/tcpv/tcp/models/close.hpp): the defaults verify every property;
// each broken configuration fails with the counterexample the RFC predicts.
#include <doctest/doctest.h>

#include <tcpv/checker.hpp>
#include <tcpv/tcp/models/close.hpp>

#include <algorithm>
#include <string>

#include "thread_agreement.hpp"

using tcpv::tcp::ending;
using tcpv::tcp::pair_action;
using tcpv::tcp::state_id;
using close_model = tcpv::tcp::models::close;  // not "close": POSIX ::close is in scope

namespace {

bool has_flag(std::uint32_t packed, std::uint8_t flag) {
    return (tcpv::tcp::channel<4>::segment_of(packed).flags & flag) != 0;
}

using tcpv_test::check_both_ways;

}  // namespace

TEST_CASE("close: the defaults verify every property, and the interesting paths are reachable") {
    const close_model m;
    const auto r = check_both_ways(m);
    CHECK(r.all_hold());
    for (const char* name : {"time-wait-reached", "simultaneous-close", "fin-wait-1-to-time-wait",
                             "lost-final-ack-answered-from-time-wait"}) {
        CAPTURE(name);
        const auto* p = r.find(name);
        REQUIRE(p != nullptr);
        CHECK(p->result == tcpv::verdict::holds);
        REQUIRE(p->trace.has_value());
    }
    // FIN-WAIT-1 -> TIME-WAIT needs only: close, the peer closes, its FIN+ACK arrives.
    CHECK(r.find("fin-wait-1-to-time-wait")->trace->length() == 4);
}

TEST_CASE("close: starting from the handshake, every property still holds") {
    close_model m;
    m.handshake = true;
    const auto r = check_both_ways(m);
    CHECK(r.all_hold());
}

TEST_CASE("close: TIME-WAIT shorter than the peer's retransmissions resets a graceful close") {
    close_model m;
    m.time_wait = 1;
    m.reordering = false;  // FIFO: the reset must come from a retransmitted FIN
    const auto r = check_both_ways(m);
    const auto t = r.counterexample("no-reset-after-graceful-close");
    REQUIRE(t.has_value());
    CHECK(t->length() == 9);
    // The key steps, in order: the final ACK is lost, the peer's FIN is retransmitted (on a
    // tick), it is delivered to an endpoint that is already CLOSED, and a RST is delivered back.
    const auto& steps = t->steps;
    auto find_from = [&](std::size_t from, auto pred) {
        for (std::size_t i = from; i < steps.size(); ++i)
            if (pred(steps[i])) return i;
        return steps.size();
    };
    const std::size_t lost_ack = find_from(1, [](const auto& s) {
        return s.act.what == pair_action::kind::lose && has_flag(s.act.segment, tcpv::tcp::ACK) &&
               !has_flag(s.act.segment, tcpv::tcp::FIN);
    });
    REQUIRE(lost_ack < steps.size());
    const std::size_t retransmission = find_from(lost_ack, [&](const auto& s) {
        if (s.act.what != pair_action::kind::tick) return false;
        const auto& prev = steps[&s - steps.data() - 1].st;
        return s.st.ep[0].retries > prev.ep[0].retries || s.st.ep[1].retries > prev.ep[1].retries;
    });
    REQUIRE(retransmission < steps.size());
    const std::size_t fin_to_closed = find_from(retransmission, [&](const auto& s) {
        if (s.act.what != pair_action::kind::deliver || !has_flag(s.act.segment, tcpv::tcp::FIN)) return false;
        const auto& prev = steps[&s - steps.data() - 1].st;
        return prev.ep[1 - s.act.side].st == state_id::closed;
    });
    REQUIRE(fin_to_closed < steps.size());
    const std::size_t rst = find_from(fin_to_closed, [](const auto& s) {
        return s.act.what == pair_action::kind::deliver && has_flag(s.act.segment, tcpv::tcp::RST);
    });
    CHECK(rst == steps.size() - 1);
    const auto& last = t->last_state();
    CHECK((last.ep[0].how == ending::reset) != (last.ep[1].how == ending::reset));
}

TEST_CASE("close: with reordering, a too short TIME-WAIT also lets a delayed ACK draw a RST") {
    close_model m;
    m.time_wait = 1;
    const auto r = check_both_ways(m);
    const auto t = r.counterexample("no-reset-after-graceful-close");
    REQUIRE(t.has_value());
    CHECK(t->length() == 7);
    CHECK(t->steps.back().act.what == pair_action::kind::deliver);
    CHECK(has_flag(t->steps.back().act.segment, tcpv::tcp::RST));
}

TEST_CASE("close: the smallest safe TIME-WAIT grows with the peer's retransmission span") {
    // Found by exhaustive checks (see docs/models.md for the sweep): with MSL = 2 ticks and two
    // retransmissions, RTO 1 needs 3 ticks and RTO 2 needs 6: 2*MSL = 4 is not enough when the
    // peer's retransmissions outlast it.
    auto smallest_safe = [](int rto) {
        for (int tw = 1; tw <= 15; ++tw) {
            close_model m;
            m.rto = rto;
            m.time_wait = tw;
            if (tcpv::checker(m).only({"no-reset-after-graceful-close"}).run().all_hold()) return tw;
        }
        return -1;
    };
    CHECK(smallest_safe(1) == 3);
    CHECK(smallest_safe(2) == 6);
}

TEST_CASE("close: without a FIN-WAIT-2 limit (the RFC has none) a side can wait forever") {
    close_model m;
    m.fin_wait_2 = 0;
    const auto r = check_both_ways(m);
    CHECK(r.verdict_of("no-reset-after-graceful-close") == tcpv::verdict::holds);
    const auto t = r.counterexample("both-closed");
    REQUIRE(t.has_value());
    CHECK(t->end == tcpv::trace_end::cycle);
    const auto& last = t->last_state();
    const bool a_waits = last.ep[0].st == state_id::fin_wait_2 && last.ep[1].gave_up;
    const bool b_waits = last.ep[1].st == state_id::fin_wait_2 && last.ep[0].gave_up;
    CHECK((a_waits || b_waits));
}

TEST_CASE("close: RST in TIME-WAIT is harmless here either way (RFC 1337 knob)") {
    close_model m;
    m.rfc1337 = true;
    CHECK(check_both_ways(m).all_hold());
}

TEST_CASE("close: parameters outside their ranges are refused with a message") {
    close_model m;
    m.cap = 9;
    CHECK_THROWS_WITH_AS(m.validate(), "close: cap = 9 is outside 1..4", std::invalid_argument);
}
