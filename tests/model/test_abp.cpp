// The alternating-bit protocol: in-order delivery with the bit, duplicates without it, and
// why its liveness needs strong fairness.
#include <doctest/doctest.h>

#include <tcpv/classic/alternating_bit.hpp>

#include "classic_checks.hpp"

using tcpv::verdict;
using tcpv::classic::alternating_bit;
using strings = std::vector<std::string>;

namespace {
struct expected {
    int cap, msgs, seqbits;
    std::uint64_t states, transitions, depth;
};
// tests/model/reference/abp.py
constexpr expected table[] = {
    {1, 1, 1, 9, 17, 5},      {1, 3, 1, 31, 75, 11},    {2, 1, 1, 20, 67, 8},     {2, 3, 1, 90, 373, 14},
    {2, 4, 1, 125, 526, 17},  {3, 3, 1, 193, 1076, 17}, {4, 8, 1, 1097, 7728, 35}, {1, 3, 0, 58, 123, 12},
    {2, 1, 0, 29, 92, 8},     {2, 3, 0, 158, 569, 14},  {3, 2, 0, 154, 734, 14},
};
}  // namespace

TEST_CASE("abp: exact counts and verdicts") {
    for (const auto& e : table) {
        const alternating_bit m{e.cap, e.msgs, e.seqbits};
        INFO("cap=", e.cap, " msgs=", e.msgs, " seqbits=", e.seqbits);
        const auto r = classic_checks::run_all_ways(m);
        CHECK(r.stats.states == e.states);
        CHECK(r.stats.transitions == e.transitions);
        CHECK(r.stats.depth == e.depth);
        CHECK(r.verdict_of("all-delivered") == verdict::holds);
        // By hand: send, deliver-data, deliver-ack per message, the last one's ack not needed.
        CHECK(r.find("all-delivered")->trace->length() == static_cast<std::size_t>(3 * e.msgs - 1));
        if (e.seqbits == 1) {
            CHECK(r.all_hold());
            continue;
        }
        CHECK(r.verdict_of("in-order-delivery") == verdict::violated);
        // abp.py: with msgs >= 2 some deadlocks are not end states (the sender has finished,
        // the receiver is out of order and waits); with one message the first delivery is
        // always in order, so every path reaches "all delivered" and ends in an end state.
        const verdict stuck = e.msgs >= 2 ? verdict::violated : verdict::holds;
        CHECK(r.verdict_of("deadlock-free") == stuck);
        CHECK(r.verdict_of("eventually-all-delivered") == stuck);
    }
}

TEST_CASE("abp without the bit: a retransmission is delivered twice, 4 steps (by hand)") {
    // A bad delivery needs two sends of message 0 and two deliveries (the first delivery is
    // message 0, the sender moves on only after an ack), so no violation is shorter than 4.
    SUBCASE("cap 1: the retransmission follows the first delivery") {
        const alternating_bit m{1, 3, 0};
        const auto r = classic_checks::run_all_ways(m);
        const auto t = r.counterexample("in-order-delivery");
        REQUIRE(t);
        CHECK(t->end == tcpv::trace_end::path);
        CHECK(classic_checks::actions_of(m, *t) == strings{"start", "send", "deliver-data", "send", "deliver-data"});
        CHECK(t->last_state().misdelivered == 1);
        CHECK(t->last_state().expected == 1);
    }
    SUBCASE("cap 2: both copies are in flight together") {
        const alternating_bit m{2, 3, 0};
        const auto r = classic_checks::run_all_ways(m);
        const auto t = r.counterexample("in-order-delivery");
        REQUIRE(t);
        CHECK(classic_checks::actions_of(m, *t) == strings{"start", "send", "send", "deliver-data", "deliver-data"});
        // abp.py: the shortest path to a deadlock that is not an end state has 9 steps.
        const auto d = r.counterexample("deadlock-free");
        REQUIRE(d);
        CHECK(d->end == tcpv::trace_end::deadlock);
        CHECK(d->length() == 9);
        const auto l = r.counterexample("eventually-all-delivered");
        REQUIRE(l);
        CHECK(l->end == tcpv::trace_end::deadlock);
        classic_checks::require_real_lasso(r, m.properties()[2]);
    }
}

TEST_CASE("abp liveness: weak fairness of delivery is not enough, strong fairness is") {
    const alternating_bit m{};  // the defaults: cap 2, 3 messages, with the bit
    CHECK(m.cap == 2);
    CHECK(m.msgs == 3);
    CHECK(m.seqbits == 1);
    SUBCASE("strong: holds") {
        const std::vector<tcpv::property<alternating_bit>> props{m.eventually_all_delivered(tcpv::fairness_strength::strong)};
        const auto r = classic_checks::run_all_ways(m, props);
        CHECK(r.verdict_of("eventually-all-delivered") == verdict::holds);
    }
    SUBCASE("weak: violated by sending and losing forever") {
        const std::vector<tcpv::property<alternating_bit>> props{m.eventually_all_delivered(tcpv::fairness_strength::weak)};
        const auto r = classic_checks::run_all_ways(m, props);
        CHECK(r.stats.states == 90);
        CHECK(r.verdict_of("eventually-all-delivered") == verdict::violated);
        classic_checks::require_real_lasso(r, props[0]);
        const auto t = r.counterexample("eventually-all-delivered");
        CHECK(t->end == tcpv::trace_end::cycle);
        // The shortest cycle: deliver-data is disabled in the start state, so weak fairness
        // allows sending and losing forever.
        CHECK(t->loop_start == 0);
        CHECK(classic_checks::actions_of(m, *t) == strings{"start", "send", "lose-data 0"});
        // and the same cycle is not strongly fair.
        CHECK_FALSE(classic_checks::cycle_is_fair(
            m, *t, m.eventually_all_delivered(tcpv::fairness_strength::strong).fairness_assumptions));
    }
}
