// The doctest <-> RapidCheck bridge: holding properties pass; a failing one yields RapidCheck's
// shrunk counterexample and an RC_PARAMS string that really replays it; check() turns a failure
// into a doctest failure.
#include <tcpv/testing/doctest_rapidcheck.hpp>

#include <algorithm>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

namespace {

// Fails for every vector whose sum reaches 100; RapidCheck shrinks any such vector to one
// summing to exactly 100.
void sum_stays_below_100(const std::vector<int>& values) {
    RC_ASSERT(std::accumulate(values.begin(), values.end(), 0LL) < 100);
}

// The text of the counterexample block ("std::tuple<...>:\n(...)") of a failure report.
std::string counterexample_of(const std::string& report) {
    const auto begin = report.find("std::tuple<");
    REQUIRE(begin != std::string::npos);
    const auto first_line_end = report.find('\n', begin);
    REQUIRE(first_line_end != std::string::npos);
    return report.substr(begin, report.find('\n', first_line_end + 1) - begin);
}

// The value of RC_PARAMS="..." in a failure report.
std::string rc_params_of(const std::string& report) {
    const std::string key = "RC_PARAMS=\"";
    const auto begin = report.find(key);
    REQUIRE(begin != std::string::npos);
    const auto end = report.find('"', begin + key.size());
    REQUIRE(end != std::string::npos);
    return report.substr(begin + key.size(), end - begin - key.size());
}

}  // namespace

TEST_CASE("run_property: a property that holds gives no report") {
    const auto report = tcpv::testing::run_property(
        "reverse twice is the identity", [](const std::vector<int>& v) {
            auto r = v;
            std::reverse(r.begin(), r.end());
            std::reverse(r.begin(), r.end());
            RC_ASSERT(r == v);
        });
    CHECK_FALSE(report.has_value());
}

TEST_CASE("run_property: a failing property reports the shrunk counterexample") {
    const auto report =
        tcpv::testing::run_property("ints stay below 10", [](int x) { RC_ASSERT(x < 10); });
    REQUIRE(report.has_value());
    INFO(*report);
    CHECK(report->find("ints stay below 10") != std::string::npos);
    CHECK(report->find("Falsifiable after") != std::string::npos);
    // Shrinking towards 0 stops at the smallest failing value.
    CHECK(counterexample_of(*report) == "std::tuple<int>:\n(10)");
    CHECK(report->find("RC_ASSERT(x < 10)") != std::string::npos);
    CHECK(report->find("10 < 10") != std::string::npos);
}

TEST_CASE("run_property: the failure report tells how to reproduce it") {
    const auto report = tcpv::testing::run_property("sum stays below 100", &sum_stays_below_100);
    REQUIRE(report.has_value());
    INFO(*report);
    const std::string params = rc_params_of(*report);
    CHECK(params.find("reproduce=") != std::string::npos);
    CHECK(params.find("seed=") != std::string::npos);
    CHECK(report->find("seed of this run: " +
                       std::to_string(rc::detail::configuration().testParams.seed)) !=
          std::string::npos);

    SUBCASE("the printed RC_PARAMS replays exactly the same counterexample") {
        const rc::detail::Configuration replay = rc::detail::configFromString(params);
        REQUIRE(replay.reproduce.count("sum stays below 100") == 1);
        const auto replayed = tcpv::testing::detail::run_property_with(
            "sum stays below 100", &sum_stays_below_100, replay.testParams, replay.reproduce);
        REQUIRE(replayed.has_value());
        CHECK(counterexample_of(*replayed) == counterexample_of(*report));
        CHECK(replayed->find("Falsifiable after 1 tests") != std::string::npos);
    }
}

TEST_CASE("check: a property that holds passes the doctest case") {
    CHECK(tcpv::testing::check("addition commutes", [](int a, int b) {
        RC_ASSERT(static_cast<long>(a) + b == static_cast<long>(b) + a);
    }));
}

// should_fail: this case passes exactly when check() reported a failure to doctest. Its output
// shows what a property failure looks like in a doctest run.
TEST_CASE("check: a failing property fails the doctest case (expected failure, shown below)" *
          doctest::should_fail()) {
    const bool held = tcpv::testing::check("ints stay below 10 (expected to fail)",
                                           [](int x) { RC_ASSERT(x < 10); });
    // A CHECK that passes here would not make the case fail; only check()'s report can.
    CHECK_FALSE(held);
}

TCPV_PROPERTY("TCPV_PROPERTY: sorting is idempotent", (std::vector<int> v)) {
    std::sort(v.begin(), v.end());
    auto again = v;
    std::sort(again.begin(), again.end());
    RC_ASSERT(again == v);
}

TCPV_PROPERTY("TCPV_PROPERTY: a property without parameters", ()) {
    RC_ASSERT(*rc::gen::inRange(0, 10) < 10);
}
