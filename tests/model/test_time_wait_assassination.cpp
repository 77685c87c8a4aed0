// The `time-wait-assassination` model (models/tcpv/tcp/models/time_wait_assassination.hpp):
// RFC 1337's hazard with rfc1337 off (Linux's default), and its fix, ignoring RST in TIME-WAIT.
#include <doctest/doctest.h>

#include <tcpv/checker.hpp>
#include <tcpv/tcp/models/time_wait_assassination.hpp>
#include <tcpv/tcp/register.hpp>

#include <string>
#include <vector>

#include "thread_agreement.hpp"

using tcpv::tcp::ending;
using tcpv::tcp::pair_action;
using tcpv::tcp::state_id;
using twa = tcpv::tcp::models::time_wait_assassination;

namespace {

tcpv::tcp::segment segment_of(std::uint32_t packed) { return tcpv::tcp::channel<4>::segment_of(packed); }

using tcpv_test::check_both_ways;

}  // namespace

TEST_CASE("time-wait-assassination: the initial state is RFC 1337 Fig. 1 after line 5") {
    const twa m;
    std::vector<twa::state> init;
    m.init([&](const twa::action& a, const twa::state& s) {
        CHECK(a == twa::action{});
        init.push_back(s);
    });
    REQUIRE(init.size() == 1);
    const auto& s = init[0];
    CHECK(s.net.ep[0].st == state_id::time_wait);
    CHECK(s.net.ep[0].wait_timer == m.time_wait);
    CHECK(s.net.ep[0].rcv_nxt == 10);
    CHECK(s.net.ep[0].snd_nxt == 2);
    CHECK(s.net.ep[1].st == state_id::closed);
    CHECK(s.net.ep[1].how == ending::graceful);
    CHECK(s.net.ch[0].empty());
    CHECK(s.net.ch[1].empty());
    // Every old duplicate is of incarnation 1 and lies below A's RCV.NXT.
    for (const auto& d : twa::old_duplicates()) {
        CHECK(d.incarnation == 1);
        CHECK(tcpv::tcp::seq_lt(d.seq, s.net.ep[0].rcv_nxt));
        CHECK_FALSE(d.has(tcpv::tcp::RST));
    }
}

TEST_CASE("time-wait-assassination: with rfc1337 on (the default) every property holds") {
    const twa m;
    CHECK(m.rfc1337);
    const auto r = check_both_ways(m);
    CHECK(r.all_hold());
    CHECK(r.stats.states == 52);
    CHECK(r.stats.transitions == 112);
    // The examples: the old duplicate arrives and is answered (2 steps), B answers with a RST
    // (3 steps), and the RST reaches TIME-WAIT and is ignored (4 steps).
    const std::vector<std::pair<const char*, std::size_t>> examples{
        {"old-duplicate-answered-from-time-wait", 2}, {"peer-answers-with-rst", 3}, {"time-wait-ignores-rst", 4}};
    for (const auto& [name, length] : examples) {
        CAPTURE(name);
        const auto* p = r.find(name);
        REQUIRE(p != nullptr);
        CHECK(p->result == tcpv::verdict::holds);
        REQUIRE(p->trace.has_value());
        CHECK(p->trace->length() == length);
    }
    // The fix at work: the RST with SEQ = RCV.NXT arrives, and A is still in TIME-WAIT.
    const auto& ignored = *r.find("time-wait-ignores-rst")->trace;
    CHECK(ignored.steps.back().act.step.what == pair_action::kind::deliver);
    CHECK(segment_of(ignored.steps.back().act.step.segment).has(tcpv::tcp::RST));
    CHECK(segment_of(ignored.steps.back().act.step.segment).seq == ignored.last_state().net.ep[0].rcv_nxt);
    CHECK(ignored.last_state().net.ep[0].st == state_id::time_wait);
}

TEST_CASE("time-wait-assassination: with rfc1337 off (Linux's default) the old duplicate assassinates TIME-WAIT") {
    twa m;
    m.rfc1337 = false;
    const auto r = check_both_ways(m);
    CHECK(r.verdict_of("time-wait-not-assassinated") == tcpv::verdict::violated);
    CHECK(r.verdict_of("no-early-reuse-after-assassination") == tcpv::verdict::violated);
    CHECK(r.verdict_of("old-duplicate-answered-from-time-wait") == tcpv::verdict::holds);
    CHECK(r.verdict_of("peer-answers-with-rst") == tcpv::verdict::holds);
    // No RST at RCV.NXT is ever survived: the fix's example is unreachable.
    CHECK(r.verdict_of("time-wait-ignores-rst") == tcpv::verdict::violated);
    CHECK_FALSE(r.find("time-wait-ignores-rst")->trace.has_value());

    for (const char* name : {"time-wait-not-assassinated", "no-early-reuse-after-assassination"}) {
        CAPTURE(name);
        const auto t = r.counterexample(name);
        REQUIRE(t.has_value());
        REQUIRE(t->length() == 4);
        const auto& st = t->steps;
        // 1: an old duplicate of incarnation 1, below A's window, appears on B->A.
        CHECK(st[1].act.old_duplicate);
        const auto dup = segment_of(st[1].act.step.segment);
        CHECK(dup.incarnation == 1);
        CHECK_FALSE(dup.has(tcpv::tcp::RST));
        CHECK(tcpv::tcp::seq_lt(dup.seq, st[0].st.net.ep[0].rcv_nxt));
        // 2: it is delivered to A in TIME-WAIT, which answers <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
        CHECK_FALSE(st[2].act.old_duplicate);
        CHECK(st[2].act.step.what == pair_action::kind::deliver);
        CHECK(st[2].act.step.side == 1);
        CHECK(segment_of(st[2].act.step.segment) == dup);
        CHECK(st[2].st.net.ep[0].st == state_id::time_wait);
        REQUIRE(st[2].st.net.ch[0].size() == 1);
        const auto ack = segment_of(st[2].st.net.ch[0].slot[0]);
        CHECK(ack.flags == tcpv::tcp::ACK);
        CHECK(ack.seq == 2);
        CHECK(ack.ack == 10);
        // 3: the ACK reaches B, which has no connection and answers <SEQ=SEG.ACK><CTL=RST>.
        CHECK(st[3].act.step.what == pair_action::kind::deliver);
        CHECK(st[3].act.step.side == 0);
        CHECK(segment_of(st[3].act.step.segment) == ack);
        CHECK(st[3].st.net.ep[1].st == state_id::closed);
        REQUIRE(st[3].st.net.ch[1].size() == 1);
        const auto rst = segment_of(st[3].st.net.ch[1].slot[0]);
        CHECK(rst.flags == tcpv::tcp::RST);
        CHECK(rst.seq == 10);  // exactly A's RCV.NXT
        // 4: the RST reaches A: TIME-WAIT ends at once, assassinated, long before 2*MSL, while
        // old duplicates of incarnation 1 may still be in the network.
        CHECK(st[4].act.step.what == pair_action::kind::deliver);
        CHECK(st[4].act.step.side == 1);
        CHECK(segment_of(st[4].act.step.segment) == rst);
        CHECK(t->last_state().net.ep[0].st == state_id::closed);
        CHECK(t->last_state().net.ep[0].how == ending::assassinated);
        CHECK(t->last_state().now == 0);
        // The trace as the program prints it.
        const auto text = t->text(m);
        CHECK(text.steps[1].action == "old-duplicate B->A <SEQ=9><ACK=2><CTL=ACK> #1 age 0");
        CHECK(text.steps[2].action == "deliver B->A <SEQ=9><ACK=2><CTL=ACK> #1");
        CHECK(text.steps[3].action == "deliver A->B <SEQ=2><ACK=10><CTL=ACK> #1");
        CHECK(text.steps[4].action == "deliver B->A <SEQ=10><CTL=RST> #1");
        CHECK(text.steps[4].state == "A: CLOSED (assassinated) [] | B: CLOSED (graceful) [] now=0");
    }
}

TEST_CASE("time-wait-assassination: more old duplicates, a larger network, FIFO: the same verdicts") {
    for (const bool fix : {true, false}) {
        for (const bool reordering : {true, false}) {
            CAPTURE(fix);
            CAPTURE(reordering);
            twa m;
            m.rfc1337 = fix;
            m.reordering = reordering;
            m.injections = 3;
            m.cap = 3;
            m.msl = 3;
            m.time_wait = 6;
            const auto r = check_both_ways(m);
            CHECK(r.verdict_of("time-wait-not-assassinated") == (fix ? tcpv::verdict::holds : tcpv::verdict::violated));
            CHECK(r.verdict_of("no-early-reuse-after-assassination") ==
                  (fix ? tcpv::verdict::holds : tcpv::verdict::violated));
            CHECK(r.verdict_of("time-wait-ignores-rst") == (fix ? tcpv::verdict::holds : tcpv::verdict::violated));
            if (!fix) CHECK(r.counterexample("time-wait-not-assassinated")->length() == 4);
        }
    }
}

namespace {
// The same model with one extra question: can a RST kill TIME-WAIT after every old segment has
// drained (now > MSL)? Then the first property fails but the second, the hazard, does not.
struct late_assassination : twa {
    std::vector<tcpv::property<late_assassination>> properties() const {
        const int lifetime = msl;
        return {tcpv::sometimes("late-assassination", [lifetime](const state& s) {
            return s.net.ep[0].how == ending::assassinated && s.now > lifetime;
        })};
    }
};
}  // namespace

TEST_CASE("time-wait-assassination: an assassination after the old segments drained is not the hazard") {
    late_assassination m;
    m.rfc1337 = false;
    const auto r = check_both_ways(m);
    const auto* p = r.find("late-assassination");
    REQUIRE(p != nullptr);
    CHECK(p->result == tcpv::verdict::holds);
    REQUIRE(p->trace.has_value());
    CHECK(p->trace->last_state().net.ep[0].how == ending::assassinated);
    CHECK(p->trace->last_state().now == m.msl + 1);
}

TEST_CASE("time-wait-assassination: TIME-WAIT of MSL ticks or less frees the tuple too early, fix or not") {
    // B is already CLOSED here, so nothing of incarnation 1 is sent after time 0 except answers:
    // MSL + 1 ticks drain the old duplicates; RFC 9293's 2*MSL also covers the peer's FIN
    // retransmissions (the `close` model).
    auto smallest_safe = [](int msl) {
        for (int tw = 1; tw <= 15; ++tw) {
            twa m;
            m.msl = msl;
            m.time_wait = tw;
            if (tcpv::checker(m).only({"no-early-reuse-after-assassination"}).run().all_hold()) return tw;
        }
        return -1;
    };
    CHECK(smallest_safe(1) == 2);
    CHECK(smallest_safe(2) == 3);
    CHECK(smallest_safe(3) == 4);

    twa m;
    m.time_wait = m.msl;
    const auto r = check_both_ways(m);
    CHECK(r.verdict_of("time-wait-not-assassinated") == tcpv::verdict::holds);
    const auto t = r.counterexample("no-early-reuse-after-assassination");
    REQUIRE(t.has_value());
    CHECK(t->length() == 2);  // two ticks: TIME-WAIT runs out at MSL
    for (std::size_t i = 1; i < t->steps.size(); ++i) CHECK(t->steps[i].act.step.what == pair_action::kind::tick);
    CHECK(t->last_state().net.ep[0].how == ending::graceful);
}

TEST_CASE("time-wait-assassination: through the registry, the defaults hold and rfc1337=off is one --set away") {
    tcpv::registry reg;
    tcpv::tcp::register_tcp_models(reg);
    const auto* e = reg.find("time-wait-assassination");
    REQUIRE(e != nullptr);
    CHECK_FALSE(e->summary.empty());
    for (const unsigned threads : {1u, 2u}) {
        tcpv::run_options o;
        o.threads = threads;
        const auto out = e->run(tcpv::parameter_values(e->params), o);
        CHECK(out.result.overall() == tcpv::verdict::holds);
        CHECK(out.result.exit_status() == 0);
    }
    tcpv::parameter_values off(e->params);
    off.set("rfc1337", "off");
    const auto out = e->run(off, {});
    CHECK(out.result.overall() == tcpv::verdict::violated);
    CHECK(out.result.exit_status() == 1);
    tcpv::parameter_values bad(e->params);
    CHECK_THROWS_AS(bad.set("rfc1337", "maybe"), std::invalid_argument);
}

TEST_CASE("time-wait-assassination: parameters outside their ranges are refused with a message") {
    twa m;
    m.time_wait = 0;
    CHECK_THROWS_WITH_AS(m.validate(), "time-wait-assassination: time_wait = 0 is outside 1..15",
                         std::invalid_argument);
    m.time_wait = 4;
    m.injections = 4;
    CHECK_THROWS_WITH_AS(m.validate(), "time-wait-assassination: injections = 4 is outside 0..3",
                         std::invalid_argument);
}
