// Port classes, ephemeral ranges, the RFC 6056 / Linux selection algorithms and the capacity
// bound (models/tcpv/tcp/ports.hpp, port_allocation.hpp, capacity.hpp).
#include <doctest/doctest.h>
#include <rapidcheck.h>

#include <tcpv/tcp/capacity.hpp>
#include <tcpv/tcp/port_allocation.hpp>
#include <tcpv/tcp/ports.hpp>
#include <tcpv/testing/doctest_rapidcheck.hpp>

#include <cerrno>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

using namespace tcpv::tcp;

TEST_CASE("ports: RFC 6335 classes at every boundary") {
    CHECK(classify(0) == port_class::system_chooses);
    CHECK(classify(1) == port_class::well_known);
    CHECK(classify(1023) == port_class::well_known);
    CHECK(classify(1024) == port_class::registered);
    CHECK(classify(49151) == port_class::registered);
    CHECK(classify(49152) == port_class::dynamic);
    CHECK(classify(65535) == port_class::dynamic);
    static_assert(classify(80) == port_class::well_known);  // compile time as well
    CHECK(port_number::any().system_chooses());
    CHECK(port_number{443}.cls() == port_class::well_known);
}

TEST_CASE("ports: typed ports from constants compile only in their class; run-time values are checked") {
    constexpr well_known_port http = 80;
    constexpr registered_port alt = 8080;
    constexpr dynamic_port eph = 50000;
    static_assert(http.value() == 80 && alt.value() == 8080 && eph.value() == 50000);
    // (a wrong literal does not compile: tests/compile_fail/port_wrong_class.cpp)
    CHECK(well_known_port::of(22).has_value());
    CHECK_FALSE(well_known_port::of(8080).has_value());
    CHECK_FALSE(dynamic_port::of(70000).has_value());
    CHECK_FALSE(well_known_port::of(0).has_value());
    CHECK(registered_port::checked(5000).value() == 5000);
    CHECK_THROWS_WITH_AS(well_known_port::checked(8080),
                         "port 8080 is registered (1024-49151), not well-known (1-1023)", std::invalid_argument);
    CHECK_THROWS_WITH_AS(dynamic_port::checked(-1), "port -1 is not a port number (0-65535)", std::invalid_argument);
    CHECK_THROWS_WITH_AS(dynamic_port::checked(0), "port 0 is port 0 (the system chooses), not dynamic/private (49152-65535)",
                         std::invalid_argument);
}

TEST_CASE("ports: ephemeral ranges of the profiles (TCP-FACTS 4.1)") {
    CHECK(ephemeral_ranges::linux_default.size() == 28232);
    CHECK(ephemeral_ranges::windows.size() == 16384);
    CHECK(ephemeral_ranges::bsd_classic.low == 1024);
    CHECK(ephemeral_ranges::bsd_classic.high == 5000);
    CHECK(ephemeral_ranges::freebsd.low == 10000);
    CHECK(&ephemeral_ranges::by_name("freebsd") == &ephemeral_ranges::freebsd);
    CHECK_THROWS_AS(ephemeral_ranges::by_name("plan9"), std::invalid_argument);
    CHECK_THROWS_AS(ephemeral_range::checked(5000, 4000), std::invalid_argument);
    CHECK_THROWS_AS(ephemeral_range::checked(0, 10), std::invalid_argument);
    // Linux's two ends have different parity, as ip-sysctl.rst advises (connect/bind split).
    CHECK(ephemeral_ranges::linux_default.low % 2 != ephemeral_ranges::linux_default.high % 2);
}

namespace {

const port_algorithm every_algorithm[] = {port_algorithm::random_start,      port_algorithm::random_pick,
                                          port_algorithm::hash,              port_algorithm::double_hash,
                                          port_algorithm::random_increments, port_algorithm::linux_connect,
                                          port_algorithm::linux_bind};

bool scans_whole_range(port_algorithm a) {
    return a != port_algorithm::random_pick && a != port_algorithm::random_increments;
}

}  // namespace

TEST_CASE("port allocation: never a taken 4-tuple, always inside the range; full scans find every free port") {
    tcpv::testing::check("allocation respects in_use and the range", [] {
        const auto a = *rc::gen::elementOf(std::vector<port_algorithm>(std::begin(every_algorithm), std::end(every_algorithm)));
        const auto low = *rc::gen::inRange<int>(1, 60000);
        const auto size = *rc::gen::inRange<int>(1, 40);
        const ephemeral_range r = ephemeral_range::checked(low, low + size - 1);
        const auto taken = *rc::gen::container<std::set<int>>(rc::gen::inRange<int>(low, low + size));
        const auto seed = *rc::gen::arbitrary<std::uint64_t>();
        port_allocator alloc(a, r, seed);
        const destination to{0x7f000001, 0x7f000002, 80};
        const auto got = alloc.allocate(to, [&](std::uint16_t p) { return taken.count(p) != 0; });
        RC_LOG() << algorithm_name(a) << " range " << r.low << "-" << r.high << " taken " << taken.size();
        if (got.ok()) {
            RC_ASSERT(r.contains(got.port));
            RC_ASSERT(taken.count(got.port) == 0u);
        } else {
            RC_ASSERT(got.error == EADDRNOTAVAIL);
            RC_ASSERT(got.port == 0);
            if (scans_whole_range(a)) RC_ASSERT(taken.size() == r.size());  // gave up only when all are taken
        }
        RC_ASSERT(got.probes <= r.size() * 1u);
    });
}

TEST_CASE("port allocation: a full range is reported as EADDRNOTAVAIL by every algorithm") {
    const ephemeral_range r = ephemeral_range::checked(40000, 40009);
    for (const auto a : every_algorithm) {
        CAPTURE(algorithm_name(a));
        port_allocator alloc(a, r);
        const auto got = alloc.allocate({}, [](std::uint16_t) { return true; });
        CHECK(got.error == EADDRNOTAVAIL);
        CHECK(got.probes == r.size());
    }
}

TEST_CASE("port allocation: Algorithm 3 is sequential per destination; Algorithm 4 isolates destinations") {
    const ephemeral_range r = ephemeral_range::checked(49152, 65535);
    auto none = [](std::uint16_t) { return false; };
    const destination x{1, 2, 80}, y{1, 3, 443};
    port_allocator alg3(port_algorithm::hash, r, 42);
    const auto x1 = alg3.allocate(x, none).port, x2 = alg3.allocate(x, none).port;
    CHECK((x2 - r.low) == (x1 - r.low + 1) % int(r.size()));  // one counter: consecutive ports
    alg3.allocate(y, none);
    const auto x3 = alg3.allocate(x, none).port;
    CHECK((x3 - r.low) == (x2 - r.low + 2) % int(r.size()));  // ... shared with y: the leak RFC 6056 names

    // Algorithm 4: y's connections do not move x's counter (unless G puts them in one slot).
    port_allocator alg4(port_algorithm::double_hash, r, 42, 1024);
    const auto a1 = alg4.allocate(x, none).port;
    for (int i = 0; i < 5; ++i) alg4.allocate(y, none);
    const auto a2 = alg4.allocate(x, none).port;
    CHECK((a2 - r.low) == (a1 - r.low + 1) % int(r.size()));
}

TEST_CASE("port allocation: Linux's parity split: connect() takes low's parity, bind(0) the other") {
    const ephemeral_range& r = ephemeral_ranges::linux_default;  // low 32768 is even
    std::set<std::uint16_t> taken;
    auto in_use = [&](std::uint16_t p) { return taken.count(p) != 0; };
    port_allocator connect(port_algorithm::linux_connect, r, 7);
    port_allocator bind(port_algorithm::linux_bind, r, 7);
    for (int i = 0; i < 200; ++i) {
        const auto c = connect.allocate({1, 2, std::uint16_t(80 + i)}, in_use);
        const auto b = bind.allocate({}, in_use);
        REQUIRE(c.ok());
        REQUIRE(b.ok());
        CHECK(c.port % 2 == r.low % 2);
        CHECK(b.port % 2 != r.low % 2);
        taken.insert(c.port);
        taken.insert(b.port);
    }
    // Once every port of low's parity is taken, connect() falls back to the other parity.
    const ephemeral_range small = ephemeral_range::checked(100, 109);
    std::set<std::uint16_t> evens{100, 102, 104, 106, 108};
    port_allocator c2(port_algorithm::linux_connect, small, 3);
    const auto got = c2.allocate({}, [&](std::uint16_t p) { return evens.count(p) != 0; });
    REQUIRE(got.ok());
    CHECK(got.port % 2 == 1);
    CHECK(got.probes == 6);  // five of low's parity, then the first odd one
}

TEST_CASE("port allocation: names and bad arguments") {
    for (const auto a : every_algorithm) CHECK(port_algorithm_by_name(algorithm_name(a)) == a);
    CHECK_THROWS_AS(port_algorithm_by_name("rfc6056-6"), std::invalid_argument);
    CHECK_THROWS_AS(port_allocator(port_algorithm::double_hash, ephemeral_range{"x", 10, 10, ""}, 1, 0),
                    std::invalid_argument);
    CHECK_THROWS_AS(port_allocator(port_algorithm::hash, ephemeral_range{"empty", 10, 9, ""}), std::invalid_argument);
}

TEST_CASE("capacity: Linux defaults give about 470 connections per second (TCP-FACTS 4.3)") {
    using namespace std::chrono_literals;
    const auto a = capacity(capacity_question::of(port_profiles::linux_6));
    CHECK(a.tuples == 28232);
    CHECK(a.hold == 60s);
    CHECK(a.connections_per_second == doctest::Approx(470.53).epsilon(0.001));
    capacity_question q = capacity_question::of(port_profiles::linux_6);
    q.tw_reuse = true;
    CHECK(capacity(q).hold == 1s);
    CHECK(capacity(q).connections_per_second == doctest::Approx(28232));
    q.tw_reuse = false;
    q.destinations = 4;
    CHECK(capacity(q).connections_per_second == doctest::Approx(4 * 470.53).epsilon(0.001));
    q.ports = 64512;
    q.destinations = 1;
    CHECK(capacity(q).connections_per_second == doctest::Approx(1075.2));
    CHECK(capacity(capacity_question::of(port_profiles::windows)).connections_per_second == doctest::Approx(136.53).epsilon(0.001));
    CHECK_THROWS_AS(capacity(capacity_question{0, 60s}), std::invalid_argument);
    CHECK_THROWS_AS(capacity(capacity_question{10, 0s}), std::invalid_argument);
    CHECK_THROWS_AS(port_profiles::by_name("solaris"), std::invalid_argument);
}
