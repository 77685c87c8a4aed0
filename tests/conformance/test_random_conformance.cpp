// The random conformance suite (RapidCheck) and the one-line registration a stack author uses:
// the reference passes its own suite, and the random suite catches every mutant with a shrunk
// input sequence and the RC_PARAMS line that replays it.
#include <doctest/doctest.h>

#include <tcpv/tcp/testing/conformance_suite.hpp>

#include <chrono>
#include <string>

namespace cf = tcpv::tcp::conformance;

// What a stack author writes (here for the reference itself, which must pass).
TCPV_TCP_CONFORMANCE_SUITE("reference endpoint", cf::reference_endpoint<>, (cf::suite_options{}))

TEST_CASE("random conformance: every mutant is caught, shrunk, with a line that replays it") {
    for (const cf::bug b : cf::all_bugs) {
        CAPTURE(cf::bug_name(b));
        cf::mutant_endpoint<> impl(b);
        const cf::suite_options options{};
        const auto starts = cf::random_starts(options);
        rc::detail::TestParams params = rc::detail::configuration().testParams;
        params.maxSuccess = 3000;
        params.seed = 4242;        // a fixed seed: the figures below are reproducible
        const auto start = std::chrono::steady_clock::now();
        const auto failure = tcpv::testing::run_property(
            std::string("mutant: ") + std::string(cf::bug_name(b)),
            [&] { cf::random_run(impl, options, starts); }, params);
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        REQUIRE(failure.has_value());
        CHECK(failure->find("first disagreement") != std::string::npos);
        CHECK(failure->find("RC_PARAMS=\"") != std::string::npos);
        MESSAGE(cf::bug_name(b), ": caught by the random suite in ", ms, " ms\n", *failure);
    }
}
