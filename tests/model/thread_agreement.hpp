#pragma once
// Shared by the TCP model tests: run a model on 1 and 2 threads and check that counts, depth,
// verdicts and the traces themselves (every action and state) are identical, and that every
// trace is a behaviour of the model (tcpv::validate).

#include <doctest/doctest.h>

#include <cstddef>

#include <tcpv/checker.hpp>
#include <tcpv/trace.hpp>

namespace tcpv_test {

template <class M>
tcpv::result<M> check_both_ways(const M& m) {
    const auto one = tcpv::checker(m).threads(1).run();
    const auto two = tcpv::checker(m).threads(2).run();
    CHECK(one.stats.states == two.stats.states);
    CHECK(one.stats.transitions == two.stats.transitions);
    CHECK(one.stats.depth == two.stats.depth);
    for (const auto& p : one.properties) {
        CAPTURE(p.name);
        const auto* q = two.find(p.name);
        REQUIRE(q != nullptr);
        CHECK(p.result == q->result);
        CHECK(p.trace.has_value() == q->trace.has_value());
        if (p.trace && q->trace) {
            CHECK(p.trace->length() == q->trace->length());
            const auto a = p.trace->text(m), b = q->trace->text(m);
            REQUIRE(a.steps.size() == b.steps.size());
            for (std::size_t i = 0; i < a.steps.size(); ++i) {
                CHECK(a.steps[i].action == b.steps[i].action);
                CHECK(a.steps[i].state == b.steps[i].state);
            }
            CHECK(a.loop_start == b.loop_start);
        }
        if (p.trace) CHECK_FALSE(tcpv::validate(m, *p.trace).has_value());
        if (q->trace) CHECK_FALSE(tcpv::validate(m, *q->trace).has_value());
    }
    return one;
}

}  // namespace tcpv_test
