// The two-process mutual-exclusion models: the naive protocol's race, Peterson's algorithm,
// and the fairness its liveness needs.
#include <doctest/doctest.h>

#include <tcpv/classic/mutex.hpp>

#include "classic_checks.hpp"

using tcpv::verdict;
using tcpv::classic::mutex;
using tcpv::classic::mutex_variant;
using strings = std::vector<std::string>;

TEST_CASE("naive mutex: 9 states, 16 transitions, and the 4-step race (all by hand)") {
    // By hand (mutex.hpp): a state is its pair of pcs, all 9 reachable; per process 8 enabled
    // (pc, other pc) pairs, 16 transitions; (2,2) is the farthest state, 2 + 2 steps away.
    const mutex m{mutex_variant::naive};
    const auto r = classic_checks::run_all_ways(m);
    CHECK(r.stats.states == 9);
    CHECK(r.stats.transitions == 16);
    CHECK(r.stats.depth == 4);
    CHECK(r.verdict_of("mutual-exclusion") == verdict::violated);
    CHECK(r.verdict_of("p0-enters") == verdict::holds);
    CHECK(r.verdict_of("p1-enters") == verdict::holds);
    CHECK(r.verdict_of("deadlock-free") == verdict::holds);
    CHECK(r.verdict_of("p0-waiting-enters") == verdict::holds);
    CHECK(r.verdict_of("p1-waiting-enters") == verdict::holds);

    // Both pass the check before either sets its flag.
    const auto race = r.counterexample("mutual-exclusion");
    REQUIRE(race);
    CHECK(race->length() == 4);
    CHECK(race->end == tcpv::trace_end::path);
    CHECK(classic_checks::actions_of(m, *race) == strings{"start", "p0 check", "p1 check", "p0 set", "p1 set"});
    CHECK(tcpv::to_text(m, race->last_state()) == "pc=2,2 flag=1,1");
    // Each process enters alone in 2 steps: check, set.
    CHECK(r.find("p0-enters")->trace->length() == 2);
    CHECK(r.find("p1-enters")->trace->length() == 2);
}

TEST_CASE("Peterson: mutual exclusion, no deadlock, every waiting process enters under weak fairness") {
    // 20 states, 46 transitions, depth 6: tests/model/reference/mutex.py.
    const mutex m{mutex_variant::peterson};
    const auto r = classic_checks::run_all_ways(m);
    CHECK(r.stats.states == 20);
    CHECK(r.stats.transitions == 46);
    CHECK(r.stats.depth == 6);
    for (const auto* name : {"mutual-exclusion", "p0-enters", "p1-enters", "deadlock-free", "p0-waiting-enters",
                             "p1-waiting-enters"}) {
        INFO(name);
        CHECK(r.verdict_of(name) == verdict::holds);
    }
    CHECK(r.all_hold());
    // By hand: want, yield, enter.
    CHECK(classic_checks::actions_of(m, *r.find("p0-enters")->trace) == strings{"start", "p0 want", "p0 yield", "p0 enter"});
    CHECK(r.find("p1-enters")->trace->length() == 3);
    CHECK(mutex{}.variant == mutex_variant::peterson);
}

TEST_CASE("Peterson without fairness: a waiting process may never be scheduled") {
    const mutex m{mutex_variant::peterson};
    const std::vector<tcpv::property<mutex>> props{m.properties()[0], m.waiting_enters(0, false),
                                                   m.waiting_enters(1, false)};
    const auto r = classic_checks::run_all_ways(m, props);
    CHECK(r.stats.states == 20);
    CHECK(r.stats.transitions == 46);
    CHECK(r.verdict_of("mutual-exclusion") == verdict::holds);
    CHECK(r.verdict_of("p0-waiting-enters") == verdict::violated);
    CHECK(r.verdict_of("p1-waiting-enters") == verdict::violated);
    classic_checks::require_real_lasso(r, props[1]);
    classic_checks::require_real_lasso(r, props[2]);
    // By hand: right after p0 sets its flag, p1 thinks forever (a self-loop) and p0 never moves.
    const auto t = r.counterexample("p0-waiting-enters");
    CHECK(t->end == tcpv::trace_end::cycle);
    CHECK(t->loop_start == 1);
    CHECK(classic_checks::actions_of(m, *t) == strings{"start", "p0 want", "p1 think"});
    // The same lasso is not fair once p0's steps are weakly fair: p0 can always yield.
    CHECK_FALSE(classic_checks::cycle_is_fair(m, *t, m.waiting_enters(0, true).fairness_assumptions));
}

TEST_CASE("the naive race is found by the checker's builder with only() as well") {
    const auto r = tcpv::checker(mutex{mutex_variant::naive}).only({"mutual-exclusion"}).run();
    REQUIRE(r.properties.size() == 1);
    CHECK(r.counterexample("mutual-exclusion")->length() == 4);
}
