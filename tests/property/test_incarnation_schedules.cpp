// Property-based tests of the `incarnations` and `time-wait-assassination` models' invariants
// at REAL profile durations (fault_schedule.hpp: a discrete-event simulator in milliseconds
// driving two reference endpoints; RapidCheck generates the fault schedules and shrinks failures).
//
// Incarnations: one 4-tuple, up to 20 incarnations. B listens (again, as soon as its connection
// is gone); A opens incarnation k with a random ISS, closes it (active close), B follows; A opens
// k+1 when the incarnations model's `may_reopen` allows (`wait`: TIME-WAIT ran out). Every
// segment carries its incarnation (ghost); the check is the model's: no endpoint of a later
// incarnation accepts a segment of an earlier one (incarnations::accepts on the classified event,
// and the segment changes the new connection).
// Sequence numbers live in the endpoint's 16-value space: an old segment passes a new
// incarnation's window check by chance often, which is fine for a property that must hold by
// TIMING (no old copy is alive when a new incarnation starts) and makes timing failures easy to
// find.
//
// What the tests found:
// - RFC 9293 profile, `wait` (TIME-WAIT 240 s = 2*MSL): the property does NOT hold by timing alone
//   when the network may delay a copy by up to MSL (120 s). TIME-WAIT answers an old duplicate
//   with an ACK without restarting 2*MSL, and the peer (CLOSED or LISTEN) answers that ACK with a
//   RST; each hop may take MSL, so a RST carrying the old incarnation's sequence numbers can arrive
//   up to 3*MSL after TIME-WAIT began, after the new incarnation started; the new incarnation takes
//   it when the old RCV.NXT happens to equal the new one (here 1 in 16). Likewise an old SYN that
//   reaches the server's new listener during the client's TIME-WAIT makes a half-open connection
//   of the old incarnation that outlives TIME-WAIT. Real TCP rejects both by sequence numbers (a
//   2^32 space, an ISN clock, RFC 5961's exact RST match), not by timing. RapidCheck finds such a
//   case and shrinks it (the "finding" case below).
// - With old SYNs about, a half-open connection of an old incarnation and TIME-WAIT can also
//   answer each other's ACKs for ever (an ACK storm; the reference endpoint has no rate limit):
//   the simulator stops such a run as a livelock; the property discards it.
// - It holds, over long runs, when a copy is delayed by at most MSL/2 (a 3-hop chain then ends
//   within 1.5*MSL < 2*MSL), SYNs are not delayed (delivered at once or lost: no old SYN reaches
//   a new listener) and at most 2 consecutive copies of a segment are lost (as in the close
//   tests: the LAST-ACK side cannot outlive TIME-WAIT); then no segment of an earlier incarnation
//   even reaches a later one (100 000 runs). The broken configurations fail under this
//   same restricted network: SO_LINGER {on, 0} (reuse at once after the RST) and a TIME-WAIT
//   (30 s) shorter than MSL, each shrunk to a few events.
// - RFC 1337: with rfc1337 on, TIME-WAIT always lasts its full length; with it off (the RFC
//   9293 table, Linux's default) one old duplicate assassinates it: shrunk to that one event.
#include "fault_schedule.hpp"

#include <algorithm>
#include <optional>
#include <string>

using namespace tcpv_property;
using reuse = tcp::models::incarnations::reuse;

namespace {

timing rfc() { return timing::of(tcp::profiles::rfc9293); }

incarnation_setup setup_of(const timing& t, reuse mode, int max_lost_copies) {
    incarnation_setup s;
    s.side[0] = s.side[1] = t;
    s.msl = t.msl;
    s.max_lost_copies = max_lost_copies;
    s.mode = mode;
    return s;
}

// The network of the "holds" properties (see the file comment).
struct adversary {
    ms max_delay;
    bool prompt_syn;
};
const adversary restricted{60s, true};   // delays <= MSL/2, SYNs not delayed
const adversary unrestricted{120s, false};

constexpr int max_incarnations = 20;

// `storms`: a run that ends in an ACK storm (a livelock: see sim_options::max_events_per_ms) is
// discarded instead of failing the property (the unrestricted network's old SYNs make half-open
// connections of old incarnations that storm with TIME-WAIT; that is not a stale acceptance).
auto incarnation_property(incarnation_setup setup, adversary net, std::optional<incarnation_schedule>* last_failure = nullptr,
                          bool storms = false) {
    return [setup, net, last_failure, storms] {
        const incarnation_schedule s =
            *gen_incarnation_schedule(net.max_delay, 10s, max_incarnations, net.prompt_syn);
        const run_result r = run_incarnations(setup, s);
        if (r.violated) {
            if (last_failure) *last_failure = s;
            RC_LOG() << r.text(80);
            RC_FAIL(r.property + ": " + r.why);
        }
        if (storms && r.livelock) RC_DISCARD("ACK storm");
        if (r.truncated || r.livelock) RC_LOG() << r.text(40);
        RC_ASSERT(!r.truncated);
        RC_ASSERT(!r.livelock);
    };
}

bool contains(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

}  // namespace

// --- incarnations ------------------------------------------------------------------------------

TCPV_PROPERTY("incarnations, RFC 9293 profile, wait: no stale segment accepted (delays <= MSL/2, prompt SYNs, <= 2 lost copies)",
              ()) {
    incarnation_property(setup_of(rfc(), reuse::wait, 2), restricted)();
}

TCPV_PROPERTY("incarnations, RFC 9293 profile with rfc1337, wait: no stale segment accepted over up to 20 incarnations", ()) {
    timing t = rfc();
    t.rfc1337 = true;  // old duplicates cannot end TIME-WAIT early, so runs go on for many incarnations
    incarnation_property(setup_of(t, reuse::wait, 2), restricted)();
}

TEST_CASE("incarnations: the runs are long, and old duplicates reach TIME-WAIT but never a new incarnation") {
    timing t = rfc();
    t.rfc1337 = true;
    const incarnation_setup setup = setup_of(t, reuse::wait, 2);
    int runs = 0, long_runs = 0, most = 0, with_stale = 0, old_in_time_wait = 0;
    auto params = rc::detail::configuration().testParams;
    params.maxSuccess = std::max(params.maxSuccess, 200);
    const auto report = tcpv::testing::detail::run_property_with(
        "incarnations coverage",
        [&] {
            // At full size (up to 20 incarnations, 10 copies per kind), whatever the test's size.
            const incarnation_schedule s =
                *rc::gen::resize(100, gen_incarnation_schedule(restricted.max_delay, 10s, max_incarnations, true));
            bool answered_old = false;
            const run_result r = run_incarnations(setup, s, [&](const simulator&, const step_record& rec) {
                // An old duplicate (below the window) reaching A in TIME-WAIT, answered with an ACK.
                answered_old |= rec.what == step_record::kind::arrival && rec.side == 0 &&
                                rec.before.st == tcp::state_id::time_wait && rec.event == tcp::event_id::rcv_unacceptable;
            });
            RC_ASSERT(!r.violated);
            ++runs;
            long_runs += r.incarnations >= 10;
            most = std::max(most, r.incarnations);
            with_stale += r.stale_seen > 0;
            old_in_time_wait += answered_old;
        },
        params, {});
    CHECK_FALSE(report.has_value());
    MESSAGE(runs << " runs: " << long_runs << " with >= 10 incarnations (at most " << most << "); " << old_in_time_wait
                 << " where TIME-WAIT answered an old duplicate; " << with_stale
                 << " where a segment of an earlier incarnation reached a later one");
    CHECK(long_runs > runs / 5);
    CHECK(most >= max_incarnations - 2);
    CHECK(old_in_time_wait > 0);
    // The timing argument at work: with delays <= MSL/2 nothing of incarnation k is alive when
    // incarnation k+1 starts, so not even a rejected old segment meets a new incarnation.
    CHECK(with_stale == 0);
}

TEST_CASE("incarnations, broken: reuse at once after SO_LINGER {on, 0} fails and shrinks") {
    const auto found = find_short_failure<incarnation_schedule>(
        "incarnations, linger0 (expected to fail)",
        [](std::optional<incarnation_schedule>* last) {
            return incarnation_property(setup_of(rfc(), reuse::linger0, 2), restricted, last);
        },
        20000, 6);
    REQUIRE(found.has_value());
    const std::string& report = found->report;
    MESSAGE(report);
    CHECK(found->schedule.length() <= 6);
    CHECK(contains(report, "(" + std::to_string(found->schedule.length()) + " events)"));
    CHECK(contains(report, "no-stale-segment-accepted"));
    CHECK(contains(report, "A: CLOSE, ESTABLISHED -> CLOSED; sends"));  // the abortive close: a RST, no TIME-WAIT
    CHECK(contains(report, "of incarnation "));
}

TEST_CASE("incarnations, broken: TIME-WAIT (30 s) shorter than MSL fails and shrinks") {
    timing t = rfc();
    t.time_wait = 30s;
    const auto found = find_short_failure<incarnation_schedule>(
        "incarnations, TIME-WAIT 30 s (expected to fail)",
        [&t](std::optional<incarnation_schedule>* last) { return incarnation_property(setup_of(t, reuse::wait, 2), restricted, last); },
        20000, 6);
    REQUIRE(found.has_value());
    const std::string& report = found->report;
    MESSAGE(report);
    CHECK(found->schedule.length() <= 6);
    CHECK(contains(report, "(" + std::to_string(found->schedule.length()) + " events)"));
    CHECK(contains(report, "TIME-WAIT timeout, TIME-WAIT -> CLOSED"));
    CHECK(contains(report, "(incarnation 2"));
}

TEST_CASE("incarnations, RFC 9293 profile, wait, delays up to MSL: old segments outlive TIME-WAIT (finding)") {
    SUBCASE("a 3-hop reply chain: old ACK -> TIME-WAIT's ACK -> the listener's RST, 90 s each") {
        incarnation_schedule s;
        s.plans.assign(2, incarnation_plan{});
        s.fates[0].copies[std::size_t(segment_kind::ack)] = {fate{fate::kind::deliver, 0s}, fate{fate::kind::deliver, 90s}};
        s.fates[1].copies[std::size_t(segment_kind::ack)] = {fate{fate::kind::deliver, 90s}};
        s.fates[1].copies[std::size_t(segment_kind::rst)] = {fate{fate::kind::deliver, 90s}};
        const run_result r = run_incarnations(setup_of(rfc(), reuse::wait, 2), s);
        INFO(s << '\n' << r.text());
        REQUIRE(r.violated);
        const std::string text = r.text();
        CHECK(contains(text, "(old duplicate)") == false);  // nothing injected: the network's own delays
        CHECK(contains(text, "rcv unacceptable segment; sends <SEQ=2><ACK=2><CTL=ACK> #1"));  // TIME-WAIT answers
        CHECK(contains(text, "TIME-WAIT timeout, TIME-WAIT -> CLOSED"));
        CHECK(contains(r.why, "A (incarnation 2"));
        CHECK(contains(r.why, "<CTL=RST> #1 of incarnation 1"));
    }
    SUBCASE("RapidCheck finds a case with the unrestricted network and shrinks it") {
        std::optional<incarnation_schedule> last;
        const auto report = find_failure("incarnations, RFC wait, delays up to MSL (expected to fail)",
                                         incarnation_property(setup_of(rfc(), reuse::wait, 2), unrestricted, &last, true), 50000);
        REQUIRE(report.has_value());
        MESSAGE(*report);
        REQUIRE(last.has_value());
        CHECK(contains(*report, "no-stale-segment-accepted"));
        CHECK(contains(*report, "of incarnation "));
    }
}

TEST_CASE("incarnations, delays up to MSL: an old SYN and an old FIN make a half-open connection that storms with TIME-WAIT (finding)") {
    // Found by RapidCheck (the livelock check) and shrunk to this schedule: A's SYN copy 2 and FIN
    // copy 1 reach B's new listener together, 63-66 s late. B makes a connection of incarnation 1
    // from the SYN and takes the FIN (CLOSE-WAIT); its ACK is unacceptable to A's TIME-WAIT, whose
    // ACK is a "bad ACK" to B, and so on: each answers the other at once, for ever. The endpoint
    // has no rate limit (Linux throttles such answers: tcp_invalid_ratelimit, RFC 5961's challenge
    // ACK limit), so the simulator stops the run as a livelock.
    incarnation_schedule s;
    incarnation_plan p;
    p.hold = 1793ms;
    p.react = 1ms;
    s.plans = {p};
    auto& a = s.fates[0].copies;
    a[std::size_t(segment_kind::syn)] = {fate{fate::kind::drop}, fate{fate::kind::deliver, 2s}, fate{fate::kind::deliver, 65806ms}};
    a[std::size_t(segment_kind::fin)] = {fate{fate::kind::deliver, 1s}, fate{fate::kind::deliver, 63013ms}};
    const run_result r = run_incarnations(setup_of(rfc(), reuse::wait, 2), s);
    INFO(s << '\n' << r.text(30));
    CHECK_FALSE(r.violated);
    REQUIRE(r.livelock);
    const std::string text = r.text();
    CHECK(contains(text, "68.806s  B <- <SEQ=0><CTL=SYN> #1 (sent 3.000s): rcv SYN, LISTEN -> SYN-RECEIVED"));
    CHECK(contains(text, "rcv FIN, SYN-RECEIVED -> CLOSE-WAIT"));
    CHECK(contains(text, "A=TIME-WAIT#1  B=CLOSE-WAIT#1"));
    CHECK(contains(text, "livelock: 2000 events at 68.806s"));
}

// --- RFC 1337 ------------------------------------------------------------------------------------

namespace {

auto assassination_property(timing t, std::optional<assassination_schedule>* last_failure = nullptr) {
    return [t, last_failure] {
        const assassination_schedule s = *gen_assassination_schedule(t.msl);
        const run_result r = run_assassination(t, s);
        if (r.violated) {
            if (last_failure) *last_failure = s;
            RC_LOG() << r.text();
            RC_FAIL(r.property + ": " + r.why);
        }
        if (r.truncated || r.livelock) RC_LOG() << r.text(40);
        RC_ASSERT(!r.truncated);
        RC_ASSERT(!r.livelock);
    };
}

timing with_rfc1337(timing t, bool on) {
    t.rfc1337 = on;
    t.name += on ? " (rfc1337 on)" : " (rfc1337 off)";
    return t;
}

}  // namespace

TCPV_PROPERTY("RFC 1337, RFC 9293 timing with rfc1337 on: TIME-WAIT always lasts its full length", ()) {
    assassination_property(with_rfc1337(rfc(), true))();
}

TCPV_PROPERTY("RFC 1337, Linux timing with tcp_rfc1337=1: TIME-WAIT always lasts its full length", ()) {
    assassination_property(with_rfc1337(timing::of(tcp::profiles::linux_6), true))();
}

TEST_CASE("RFC 1337 with rfc1337 off (RFC 9293's table, Linux's default): one old duplicate assassinates TIME-WAIT") {
    for (const timing& t : {with_rfc1337(rfc(), false), with_rfc1337(timing::of(tcp::profiles::linux_6), false)}) {
        CAPTURE(t.name);
        const auto found = find_short_failure<assassination_schedule>(
            "RFC 1337 hazard, " + t.name + " (expected to fail)",
            [&t](std::optional<assassination_schedule>* last) { return assassination_property(t, last); }, 10000, 1);
        REQUIRE(found.has_value());
        const auto* report = &found->report;
        MESSAGE(*report);
        CHECK(found->schedule.length() == 1);  // one old duplicate, everything else delivered at once
        CHECK(contains(*report, "time-wait-not-assassinated"));
        // RFC 1337 Fig. 1: the old duplicate, A's ACK, B's RST, A CLOSED.
        CHECK(contains(*report, "(old duplicate): rcv unacceptable segment; sends <SEQ=2><ACK=10><CTL=ACK>"));
        CHECK(contains(*report, "rcv bad ACK; sends <SEQ=10><CTL=RST>"));
        CHECK(contains(*report, "A=CLOSED(assassinated)"));
    }
}
