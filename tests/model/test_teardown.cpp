// The frozen benchmark model `teardown` (shared/bench/teardown.md). Every count pinned here was
// computed by tests/model/reference/teardown.py, an independent enumeration written from the
// specification text (run: python3 tests/model/reference/teardown.py CAP MSL RTO MAXRETX TW).
#include <doctest/doctest.h>

#include <tcpv/bench/teardown.hpp>
#include <tcpv/checker.hpp>

namespace {

struct expected {
    int cap, msl, rto, maxretx, tw;
    std::uint64_t states, transitions;
    int violation_depth;  // -1: the property holds
};

// clang-format off
constexpr expected reference[] = {
    {1, 1, 1, 1, 2,    487,   1487, -1},
    {1, 1, 1, 1, 1,    472,   1448,  8},
    {1, 1, 1, 1, 0,    471,   1467,  8},
    {2, 1, 1, 1, 2,   2069,   9621, -1},
    {2, 2, 1, 2, 4,  12410,  70486, -1},   // the "small" benchmark set
    {2, 2, 1, 2, 1,  12129,  70265,  7},
    {2, 2, 1, 2, 0,  12250,  72550,  6},
    {2, 2, 2, 2, 4,  14866,  76412, 10},   // TW = 2*MSL is not enough when RTO*MAXRETX = TW
    {3, 2, 2, 2, 4,  26751, 161995, 10},
    {2, 3, 1, 2, 6,  20972, 123642, -1},
};
// clang-format on

}  // namespace

TEST_CASE("teardown: counts and verdicts agree with the independent reference") {
    for (const auto& e : reference) {
        const tcpv::bench::teardown m{e.cap, e.msl, e.rto, e.maxretx, e.tw};
        CAPTURE(e.cap);
        CAPTURE(e.msl);
        CAPTURE(e.rto);
        CAPTURE(e.maxretx);
        CAPTURE(e.tw);
        for (unsigned threads : {1u, 2u}) {
            const auto r = tcpv::checker(m).threads(threads).run();
            CHECK(r.stats.states == e.states);
            CHECK(r.stats.transitions == e.transitions);
            const auto t = r.counterexample("no-reset-after-graceful-close");
            if (e.violation_depth < 0) {
                CHECK(r.verdict_of("no-reset-after-graceful-close") == tcpv::verdict::holds);
            } else {
                REQUIRE(t.has_value());
                CHECK(t->length() == static_cast<std::size_t>(e.violation_depth));
                CHECK_FALSE(tcpv::validate(m, *t).has_value());
            }
        }
    }
}

TEST_CASE("teardown: the shortest counterexample with no TIME_WAIT ends in a reset of the LAST_ACK side") {
    const tcpv::bench::teardown m{2, 2, 1, 2, 0};
    const auto r = tcpv::checker(m).run();
    const auto t = r.counterexample("no-reset-after-graceful-close");
    REQUIRE(t.has_value());
    const auto& last = t->last_state();
    const bool reset0 = last.ep[0].err == tcpv::bench::teardown::RST;
    const bool reset1 = last.ep[1].err == tcpv::bench::teardown::RST;
    CHECK(reset0 != reset1);
    // The reset comes from a CLOSED endpoint answering a retransmitted FIN.
    CHECK(t->steps.back().act.what == tcpv::bench::teardown::op::deliver);
    CHECK(tcpv::bench::teardown::kind_of(t->steps.back().act.segment) == tcpv::bench::teardown::R);
}

TEST_CASE("teardown: depth-first search finds the same state space") {
    const tcpv::bench::teardown m{2, 2, 1, 2, 4};
    const auto r = tcpv::checker(m).dfs().run();
    CHECK(r.stats.states == 12410);
    CHECK(r.stats.transitions == 70486);
}

TEST_CASE("teardown: parameters outside their ranges are refused with a message") {
    const tcpv::bench::teardown bad{7, 2, 1, 2, 4};
    CHECK_THROWS_WITH_AS(bad.validate(), "teardown: cap = 7 is outside 1..6", std::invalid_argument);
}
