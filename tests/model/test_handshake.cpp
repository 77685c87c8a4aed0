// The `handshake` model (models/tcpv/tcp/models/handshake.hpp): the defaults verify every
// property; each broken configuration fails with the counterexample the RFC predicts.
#include <doctest/doctest.h>

#include <tcpv/checker.hpp>
#include <tcpv/tcp/models/handshake.hpp>

#include <cstddef>
#include <string>

#include "thread_agreement.hpp"

using tcpv::tcp::ending;
using tcpv::tcp::pair_action;
using tcpv::tcp::state_id;
using handshake = tcpv::tcp::models::handshake;
using mode = handshake::open_mode;

namespace {

bool has_flag(std::uint32_t packed, std::uint8_t flag) {
    return (tcpv::tcp::channel<4>::segment_of(packed).flags & flag) != 0;
}

using tcpv_test::check_both_ways;

template <class Trace, class Pred>
std::size_t find_step(const Trace& t, std::size_t from, Pred pred) {
    for (std::size_t i = from; i < t.steps.size(); ++i)
        if (pred(i)) return i;
    return t.steps.size();
}

// Appends to `t` the first transition from its last state whose action satisfies `pred`.
template <class Pred>
bool take(const handshake& m, tcpv::trace<handshake>& t, Pred pred) {
    bool found = false;
    const handshake::state from = t.last_state();  // a copy: the callback grows t.steps
    m.next(from, [&](const handshake::action& a, const handshake::state& s) {
        if (!found && pred(a)) {
            t.steps.push_back({a, s});
            found = true;
        }
    });
    return found;
}

bool delivery_on(const handshake::action& a, int channel) {
    return !a.keepalive && a.pair.what == pair_action::kind::deliver && a.pair.side == channel;
}

bool gave_up(const tcpv::tcp::tcb& t) {
    return (t.st == state_id::closed || t.st == state_id::listen) && t.how == ending::gave_up;
}

}  // namespace

TEST_CASE("handshake: the defaults verify every property, and the interesting paths are reachable") {
    const handshake m;
    const auto r = check_both_ways(m);
    CHECK(r.all_hold());
    CHECK(r.verdict_of("both-established") == tcpv::verdict::holds);
    CHECK(r.verdict_of("no-half-open-forever") == tcpv::verdict::holds);
    struct example {
        const char* name;
        std::size_t length;
    };
    // Shortest examples (breadth-first): both OPEN(active) and the two SYNs cross (Fig. 7); OPEN,
    // OPEN(passive), SYN, SYN+ACK, ACK (Fig. 6); OPEN and one tick; a simultaneous open in which
    // A is ESTABLISHED by the SYN+ACK before B's own SYN arrives and draws an ACK; the passive
    // side giving up while the active one is ESTABLISHED.
    for (const example e : {example{"simultaneous-open", 4}, example{"three-way-completes", 5},
                            example{"syn-retransmitted", 2}, example{"old-syn-answered", 5},
                            example{"half-open-reached", 7}}) {
        CAPTURE(e.name);
        const auto* p = r.find(e.name);
        REQUIRE(p != nullptr);
        CHECK(p->result == tcpv::verdict::holds);
        REQUIRE(p->trace.has_value());
        CHECK(p->trace->length() == e.length);
    }
    // The duplicate SYN is B's own SYN of a simultaneous open, reaching A after A took B's ISN
    // from the SYN+ACK: A answers with <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> (RFC 9293 3.10.7.4).
    const auto& old = *r.find("old-syn-answered")->trace;
    const auto& last = old.steps.back();
    CHECK(last.act.pair.what == pair_action::kind::deliver);
    CHECK(has_flag(last.act.pair.segment, tcpv::tcp::SYN));
    CHECK_FALSE(has_flag(last.act.pair.segment, tcpv::tcp::ACK));
    CHECK(old.steps[old.steps.size() - 2].st.pair.ep[1 - last.act.pair.side].st == state_id::established);
}

TEST_CASE("handshake: keep-alives end the half-open connection that survives without them") {
    // Take the half-open state in which the keepalive=off counterexample loops (one side
    // ESTABLISHED, the peer gave up, nothing in flight) and continue it with keep-alives on: the
    // probe <SEQ=SND.NXT-1><ACK=RCV.NXT><CTL=ACK> reaches a peer without a connection, which
    // answers <SEQ=SEG.ACK><CTL=RST> (RFC 9293 3.10.7.1/3.10.7.2); SEQ is RCV.NXT exactly, so
    // the probing side is reset (3.10.7.4 second check) and the two sides agree again.
    handshake off;
    off.keepalive = false;
    const auto cex = tcpv::checker(off).only({"no-half-open-forever"}).run().counterexample("no-half-open-forever");
    REQUIRE(cex.has_value());
    const handshake on;
    tcpv::trace<handshake> t;
    t.steps.assign(cex->steps.begin(), cex->steps.begin() + std::ptrdiff_t(cex->loop_start) + 1);
    REQUIRE(handshake::half_open(t.last_state()));
    const int est = t.last_state().pair.ep[0].st == state_id::established ? 0 : 1;
    REQUIRE(take(on, t, [&](const handshake::action& a) { return a.keepalive && a.pair.side == est; }));
    const auto probe = tcpv::tcp::channel<4>::segment_of(t.last_state().pair.ch[est].slot[0]);
    CHECK(probe.flags == tcpv::tcp::ACK);
    CHECK(probe.seq == tcpv::tcp::seq_add(t.last_state().pair.ep[est].snd_nxt, -1));
    REQUIRE(take(on, t, [&](const handshake::action& a) { return delivery_on(a, est); }));
    const auto rst = tcpv::tcp::channel<4>::segment_of(t.last_state().pair.ch[1 - est].slot[0]);
    CHECK(rst.flags == tcpv::tcp::RST);
    CHECK(rst.seq == t.last_state().pair.ep[est].rcv_nxt);
    REQUIRE(take(on, t, [&](const handshake::action& a) { return delivery_on(a, 1 - est); }));
    CHECK_FALSE(tcpv::validate(on, t).has_value());
    const auto& last = t.last_state();
    CHECK(last.pair.ep[est].st == state_id::closed);
    CHECK(last.pair.ep[est].how == ending::reset);
    CHECK(handshake::agree(last));
    CHECK(handshake::attempt_ended(last));
}

TEST_CASE("handshake: without keep-alives (the RFC's default) a half-open connection survives forever") {
    handshake m;
    m.keepalive = false;
    const auto r = check_both_ways(m);
    for (const char* name : {"both-established", "no-half-open-forever"}) {
        CAPTURE(name);
        const auto t = r.counterexample(name);
        REQUIRE(t.has_value());
        CHECK(t->end == tcpv::trace_end::cycle);
        CHECK(t->length() == 9);
        // The key steps: one side becomes ESTABLISHED, its peer gives up (on a tick: the
        // retries ran out) without becoming ESTABLISHED, and from then on only time passes,
        // with nothing in flight.
        const auto& last = t->last_state();
        const int est = last.pair.ep[0].st == state_id::established ? 0 : 1;
        CHECK(last.pair.ep[est].st == state_id::established);
        CHECK(gave_up(last.pair.ep[1 - est]));
        CHECK(last.pair.ch[0].empty());
        CHECK(last.pair.ch[1].empty());
        const std::size_t give_up = find_step(*t, 1, [&](std::size_t i) { return gave_up(t->steps[i].st.pair.ep[1 - est]); });
        REQUIRE(give_up < t->steps.size());
        CHECK(t->steps[give_up].act.pair.what == pair_action::kind::tick);
        CHECK(t->steps[give_up - 1].st.pair.ep[1 - est].st == state_id::syn_received);
        CHECK(t->loop_start >= give_up);
        for (std::size_t i = t->loop_start + 1; i < t->steps.size(); ++i)
            CHECK(t->steps[i].act.pair.what == pair_action::kind::tick);
    }
    for (const char* name : {"simultaneous-open", "three-way-completes", "syn-retransmitted", "old-syn-answered",
                             "half-open-reached"})
        CHECK(r.verdict_of(name) == tcpv::verdict::holds);
}

TEST_CASE("handshake: three-way only: the passive side returns to LISTEN and the client stays ESTABLISHED") {
    handshake m;
    m.mode = mode::three_way;
    m.keepalive = false;
    const auto r = check_both_ways(m);
    const auto t = r.counterexample("no-half-open-forever");
    REQUIRE(t.has_value());
    CHECK(t->end == tcpv::trace_end::cycle);
    CHECK(t->length() == 10);
    const auto& last = t->last_state();
    CHECK(last.pair.ep[0].st == state_id::established);
    CHECK(last.pair.ep[1].st == state_id::listen);
    CHECK(last.pair.ep[1].how == ending::gave_up);
    // Every SYN+ACK retransmission was lost (or outlived), and so was the client's ACK.
    std::size_t lost_syn_acks = 0;
    for (const auto& s : t->steps)
        if (s.act.pair.what == pair_action::kind::lose && has_flag(s.act.pair.segment, tcpv::tcp::SYN) &&
            has_flag(s.act.pair.segment, tcpv::tcp::ACK))
            ++lost_syn_acks;
    CHECK(lost_syn_acks == 2);
}

TEST_CASE("handshake: each mode reaches only its own kind of open") {
    handshake m;
    m.mode = mode::three_way;
    auto r = check_both_ways(m);
    CHECK(r.verdict_of("both-established") == tcpv::verdict::holds);
    CHECK(r.verdict_of("no-half-open-forever") == tcpv::verdict::holds);
    CHECK(r.verdict_of("three-way-completes") == tcpv::verdict::holds);
    CHECK(r.verdict_of("simultaneous-open") == tcpv::verdict::violated);  // nobody sends a bare SYN to SYN-SENT
    CHECK(r.verdict_of("old-syn-answered") == tcpv::verdict::holds);

    m.mode = mode::simultaneous;
    r = check_both_ways(m);
    CHECK(r.verdict_of("both-established") == tcpv::verdict::holds);
    CHECK(r.verdict_of("no-half-open-forever") == tcpv::verdict::holds);
    CHECK(r.verdict_of("simultaneous-open") == tcpv::verdict::holds);
    CHECK(r.verdict_of("three-way-completes") == tcpv::verdict::violated);  // nobody opens passively
}

TEST_CASE("handshake: a simultaneous open completes through the ACKs of the dropped SYN+ACKs (RFC 9293 A.2)") {
    // From both SYN-RECEIVED (Fig. 7, line 3): each SYN+ACK fails the receiver's sequence check
    // (SEG.SEQ = IRS < RCV.NXT), which drops it and answers <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>;
    // each such ACK is acceptable to the other side and moves it to ESTABLISHED.
    handshake m;
    m.mode = mode::simultaneous;
    const auto r = tcpv::checker(m).only({"simultaneous-open"}).run();
    const auto* p = r.find("simultaneous-open");
    REQUIRE(p != nullptr);
    REQUIRE(p->trace.has_value());
    tcpv::trace<handshake> t = *p->trace;
    for (int side = 0; side < 2; ++side) {
        CAPTURE(side);
        REQUIRE(take(m, t, [&](const handshake::action& a) {
            return delivery_on(a, side) && has_flag(a.pair.segment, tcpv::tcp::SYN) && has_flag(a.pair.segment, tcpv::tcp::ACK);
        }));
        CHECK(t.last_state().pair.ep[1 - side].st == state_id::syn_received);
    }
    for (int side = 0; side < 2; ++side) {
        CAPTURE(side);
        REQUIRE(take(m, t, [&](const handshake::action& a) {
            return delivery_on(a, side) && !has_flag(a.pair.segment, tcpv::tcp::SYN);
        }));
        CHECK(t.last_state().pair.ep[1 - side].st == state_id::established);
    }
    CHECK(handshake::both_established(t.last_state()));
    CHECK_FALSE(tcpv::validate(m, t).has_value());
}

TEST_CASE("handshake: without retransmissions no SYN is resent, and every attempt still ends") {
    handshake m;
    m.retries = 0;
    const auto r = check_both_ways(m);
    CHECK(r.verdict_of("syn-retransmitted") == tcpv::verdict::violated);
    CHECK(r.verdict_of("both-established") == tcpv::verdict::holds);
    CHECK(r.verdict_of("no-half-open-forever") == tcpv::verdict::holds);
}

TEST_CASE("handshake: keep-alives end a half-open connection only if their loss is not forever") {
    // The same leads_to without strong fairness on delivery: every probe (or every RST) may be
    // lost, forever.
    const handshake m;
    auto is_tick = [](const handshake::action& a) { return !a.keepalive && a.pair.what == pair_action::kind::tick; };
    auto is_open = [](const handshake::action& a) {
        return !a.keepalive && a.pair.what == pair_action::kind::call &&
               (a.pair.call == tcpv::tcp::event_id::open_active || a.pair.call == tcpv::tcp::event_id::open_passive);
    };
    auto is_keepalive = [](const handshake::action& a) { return a.keepalive; };
    const auto r = tcpv::checker(m)
                       .only({})
                       .check(tcpv::leads_to("half-open-unfair-loss", handshake::half_open, handshake::agree)
                                  .under(tcpv::weak_fairness("time passes", is_tick),
                                         tcpv::weak_fairness_each("users call OPEN", is_open),
                                         tcpv::weak_fairness_each("keep-alive timers fire", is_keepalive)))
                       .run();
    const auto t = r.counterexample("half-open-unfair-loss");
    REQUIRE(t.has_value());
    CHECK_FALSE(tcpv::validate(m, *t).has_value());
    CHECK(t->end == tcpv::trace_end::cycle);
    bool probes = false, loses = false, delivers = false;
    for (std::size_t i = t->loop_start + 1; i < t->steps.size(); ++i) {
        const auto& a = t->steps[i].act;
        probes = probes || a.keepalive;
        loses = loses || (!a.keepalive && a.pair.what == pair_action::kind::lose);
        delivers = delivers || (!a.keepalive && a.pair.what == pair_action::kind::deliver);
    }
    CHECK(probes);
    CHECK(loses);
    CHECK_FALSE(delivers);
}

TEST_CASE("handshake: a user ABORT whose RST is lost leaves a half-open connection; keep-alives end it") {
    handshake m;
    m.user_abort = true;
    CHECK(check_both_ways(m).all_hold());

    m.keepalive = false;
    const auto r = check_both_ways(m);
    const auto t = r.counterexample("no-half-open-forever");
    REQUIRE(t.has_value());
    CHECK(t->end == tcpv::trace_end::cycle);
    CHECK(t->length() == 8);
    // RFC 9293 3.5.2: one side aborts (its RST is lost), the other stays ESTABLISHED.
    const std::size_t abort = find_step(*t, 1, [&](std::size_t i) {
        const auto& a = t->steps[i].act.pair;
        return a.what == pair_action::kind::call && a.call == tcpv::tcp::event_id::abort;
    });
    REQUIRE(abort < t->steps.size());
    const auto& last = t->last_state();
    const int aborter = t->steps[abort].act.pair.side;
    CHECK(last.pair.ep[aborter].how == ending::aborted);
    CHECK(last.pair.ep[1 - aborter].st == state_id::established);
}

TEST_CASE("handshake: duplication and FIFO channels keep every property") {
    handshake m;
    m.duplication = true;
    CHECK(check_both_ways(m).all_hold());
    m.duplication = false;
    m.reordering = false;
    CHECK(check_both_ways(m).all_hold());
}

TEST_CASE("handshake: parameters outside their ranges are refused with a message") {
    handshake m;
    m.retries = 8;
    CHECK_THROWS_WITH_AS(m.validate(), "handshake: retries = 8 is outside 0..7", std::invalid_argument);
}
