// The smallest liveness example: only strong fairness gets the message through.
#include <doctest/doctest.h>

#include <tcpv/classic/retransmit.hpp>

#include "classic_checks.hpp"

using tcpv::verdict;
using tcpv::classic::lossy_link;
using strings = std::vector<std::string>;

TEST_CASE("lossy link: 3 states, 3 transitions (by hand), for every fairness assumption") {
    for (const auto f : {lossy_link::assumption::strong, lossy_link::assumption::weak, lossy_link::assumption::none}) {
        INFO("fairness ", static_cast<int>(f));
        // idle --send--> in-flight --lose--> idle, in-flight --deliver--> delivered.
        const auto r = classic_checks::run_all_ways(lossy_link{f});
        CHECK(r.stats.states == 3);
        CHECK(r.stats.transitions == 3);
        CHECK(r.stats.depth == 2);
        CHECK(r.verdict_of("deadlock-free") == verdict::holds);
    }
}

TEST_CASE("lossy link: strong fairness delivers") {
    const auto r = classic_checks::run_all_ways(lossy_link{});
    CHECK(r.verdict_of("delivered") == verdict::holds);
    CHECK(r.all_hold());
}

TEST_CASE("lossy link: no fairness and weak fairness both admit losing forever, and only by a cycle") {
    for (const auto f : {lossy_link::assumption::weak, lossy_link::assumption::none}) {
        INFO("fairness ", static_cast<int>(f));
        const lossy_link m{f};
        const auto r = classic_checks::run_all_ways(m);
        CHECK(r.verdict_of("delivered") == verdict::violated);
        classic_checks::require_real_lasso(r, m.properties()[0]);
        const auto t = r.counterexample("delivered");
        CHECK(t->end == tcpv::trace_end::cycle);  // never a deadlock: delivered is the only end
        CHECK(t->loop_start == 0);
        CHECK(classic_checks::actions_of(m, *t) == strings{"start", "send", "lose"});
    }
    // The loss cycle is weakly fair (deliver is disabled in idle) but not strongly fair.
    const lossy_link weak{lossy_link::assumption::weak};
    const auto t = tcpv::checker(weak).run().counterexample("delivered");
    REQUIRE(t);
    CHECK(classic_checks::cycle_is_fair(weak, *t, lossy_link{}.properties()[0].fairness_assumptions) == false);
}
