// Dining philosophers: the ordered protocol is deadlock-free, the naive one deadlocks in n steps.
#include <doctest/doctest.h>

#include <string>

#include <tcpv/classic/philosophers.hpp>

#include "classic_checks.hpp"

using tcpv::verdict;
using tcpv::classic::fork_order;
using tcpv::classic::philosophers;

namespace {
// Appending, not "p" + to_string(i): GCC 12 warns falsely (-Wrestrict) on the latter.
std::string named(int i, const char* what) {
    std::string s = "p";
    s += std::to_string(i);
    s += what;
    return s;
}

struct expected {
    int n;
    fork_order variant;
    std::uint64_t states, transitions, depth;
};
// tests/model/reference/philosophers.py
constexpr expected table[] = {
    {2, fork_order::ordered, 5, 6, 2},      {3, fork_order::ordered, 12, 22, 3},
    {4, fork_order::ordered, 29, 72, 4},    {5, fork_order::ordered, 70, 219, 5},
    {6, fork_order::ordered, 169, 638, 6},  {2, fork_order::naive, 6, 8, 2},
    {3, fork_order::naive, 14, 27, 3},      {4, fork_order::naive, 34, 88, 4},
    {5, fork_order::naive, 82, 265, 5},     {6, fork_order::naive, 198, 768, 6},
};
}  // namespace

TEST_CASE("philosophers: exact counts and verdicts for n = 2..6, both variants") {
    for (const auto& e : table) {
        const philosophers m{e.n, e.variant};
        INFO("n=", e.n, " variant=", e.variant == fork_order::naive ? "naive" : "ordered");
        const auto r = classic_checks::run_all_ways(m);
        CHECK(r.stats.states == e.states);
        CHECK(r.stats.transitions == e.transitions);
        CHECK(r.stats.depth == e.depth);
        CHECK(r.verdict_of("neighbours-never-eat-together") == verdict::holds);
        for (int i = 0; i < e.n; ++i) {
            const auto name = named(i, "-eats");
            INFO(name);
            CHECK(r.verdict_of(name) == verdict::holds);
            CHECK(r.find(name)->trace->length() == 2);  // by hand: take one fork, then the other
        }
        if (e.variant == fork_order::ordered) {
            CHECK(r.verdict_of("deadlock-free") == verdict::holds);
            CHECK(r.all_hold());
            continue;
        }
        // By hand (philosophers.hpp): the only deadlock is everyone holding the left fork.
        CHECK(r.verdict_of("deadlock-free") == verdict::violated);
        const auto t = r.counterexample("deadlock-free");
        REQUIRE(t);
        CHECK(t->end == tcpv::trace_end::deadlock);
        CHECK(t->length() == static_cast<std::size_t>(e.n));
        std::vector<std::string> want{"start"};
        for (int i = 0; i < e.n; ++i) want.push_back(named(i, " take-left"));
        CHECK(classic_checks::actions_of(m, *t) == want);
        CHECK(tcpv::to_text(m, t->last_state()) == std::string(e.n, 'H') + " forks=" + std::string(e.n, 'x'));
    }
}

TEST_CASE("philosophers: the defaults are 3 philosophers, ordered") {
    const philosophers m;
    CHECK(m.n == 3);
    CHECK(m.variant == fork_order::ordered);
}
