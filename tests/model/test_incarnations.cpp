// The `incarnations` model (models/tcpv/tcp/models/incarnations.hpp): old duplicates must drain
// before a 4-tuple is reused. TIME-WAIT (and tw_reuse with timestamps) keeps them out of a new
// incarnation; SO_REUSEADDR takeover, SO_LINGER 0 and a short TIME-WAIT let them in.
#include <doctest/doctest.h>

#include <tcpv/checker.hpp>
#include <tcpv/tcp/models/incarnations.hpp>

using tcpv::tcp::models::incarnations;
using reuse = incarnations::reuse;

namespace {

tcpv::result<incarnations> run(const incarnations& m) {
    const auto one = tcpv::checker(m).threads(1).run();
    const auto two = tcpv::checker(m).threads(2).run();
    CHECK(one.stats.states == two.stats.states);
    CHECK(one.stats.transitions == two.stats.transitions);
    for (const auto& p : one.properties) {
        CHECK(p.result == two.find(p.name)->result);
        if (p.trace) CHECK_FALSE(tcpv::validate(m, *p.trace).has_value());
    }
    return one;
}

incarnations with(reuse mode, bool timestamps = false) {
    incarnations m;
    m.mode = mode;
    m.timestamps = timestamps;
    if (timestamps) {  // timestamp clocks multiply the states: one old duplicate, one segment in flight
        m.cap = 1;
        m.injections = 1;
    }
    return m;
}

// The counterexample ends with a segment of incarnation 1 accepted by incarnation 2.
void check_stale_acceptance(const incarnations& m, const tcpv::trace<incarnations>& t) {
    const auto& last = t.steps.back();
    CHECK(last.st.stale_accepted);
    CHECK_FALSE(t.steps[t.steps.size() - 2].st.stale_accepted);
    REQUIRE(last.act.base.what == tcpv::tcp::pair_action::kind::deliver);
    CHECK(tcpv::tcp::channel<4>::segment_of(last.act.base.segment).incarnation == 1);
    bool reopened = false;
    for (const auto& s : t.steps) reopened = reopened || s.act.what == incarnations::action::extra::reopen;
    CHECK(reopened);
    (void)m;
}

}  // namespace

TEST_CASE("incarnations: waiting out TIME-WAIT (2*MSL) keeps every old duplicate out") {
    const auto r = run(with(reuse::wait));
    CHECK(r.all_hold());
    CHECK(r.find("new-incarnation-established")->result == tcpv::verdict::holds);
    // Old segments do reach the new incarnation, and are rejected.
    CHECK(r.find("old-duplicate-meets-new-incarnation")->result == tcpv::verdict::holds);
}

TEST_CASE("incarnations: SO_REUSEADDR takeover of TIME-WAIT lets an old duplicate in") {
    incarnations m = with(reuse::reuseaddr);
    m.cap = 1;  // the smallest configuration that shows it (the defaults take 10 s)
    m.injections = 1;
    const auto r = run(m);
    const auto t = r.counterexample("no-stale-segment-accepted");
    REQUIRE(t.has_value());
    check_stale_acceptance(m, *t);
}

TEST_CASE("incarnations: SO_LINGER 0 leaves no TIME-WAIT, and the old duplicate gets in") {
    const incarnations m = with(reuse::linger0);
    const auto r = run(m);
    const auto t = r.counterexample("no-stale-segment-accepted");
    REQUIRE(t.has_value());
    check_stale_acceptance(m, *t);
    CHECK(r.verdict_of("no-stale-data-accepted") == tcpv::verdict::violated);
    // A's close was abortive: it sent a RST and never entered TIME-WAIT.
    for (const auto& s : t->steps) CHECK(s.st.p.ep[0].st != tcpv::tcp::state_id::time_wait);
}

TEST_CASE("incarnations: any TIME-WAIT shorter than 2*MSL lets an old segment change the new connection") {
    // MSL = 2 ticks, RTO 1, one retry: 1..3 fail, 4 = 2*MSL holds. Old DATA is kept out from
    // MSL + 1 = 3 on; the fourth tick covers the peer's retransmitted FIN, sent a tick after A
    // entered TIME-WAIT, which would otherwise reach a CLOSED A and draw a RST into the new
    // connection (docs/models.md: the smallest safe TIME-WAIT is MSL + RTO*retries + 1).
    for (int tw = 1; tw <= 4; ++tw) {
        CAPTURE(tw);
        incarnations m;
        m.time_wait = tw;
        const auto r = tcpv::checker(m).threads(2).run();
        CHECK((r.verdict_of("no-stale-segment-accepted") == tcpv::verdict::violated) == (tw < 4));
        CHECK((r.verdict_of("no-stale-data-accepted") == tcpv::verdict::violated) == (tw < 3));
        if (const auto t = r.counterexample("no-stale-segment-accepted")) check_stale_acceptance(m, *t);
    }
}

TEST_CASE("incarnations: tw_reuse takes over TIME-WAIT safely when timestamps (PAWS) are on") {
    const auto r = run(with(reuse::tw_reuse, true));
    CHECK(r.verdict_of("no-stale-segment-accepted") == tcpv::verdict::holds);
    CHECK(r.find("new-incarnation-established")->result == tcpv::verdict::holds);
}

TEST_CASE("incarnations: timestamps do not save an SO_REUSEADDR takeover (TS.Recent is not inherited)") {
    const incarnations m = with(reuse::reuseaddr, true);
    const auto r = tcpv::checker(m).threads(2).only({"no-stale-segment-accepted"}).run();
    CHECK(r.verdict_of("no-stale-segment-accepted") == tcpv::verdict::violated);
}

TEST_CASE("incarnations: parameters outside their ranges are refused with a message") {
    incarnations m;
    m.injections = 9;
    CHECK_THROWS_WITH_AS(m.validate(), "incarnations: injections = 9 is outside 0..3", std::invalid_argument);
}
