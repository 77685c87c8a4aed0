// Profiles (models/tcpv/tcp/profile.hpp): the real durations of each stack, their scaling to
// ticks (the orders that decide the properties are kept), and what the close model concludes
// for a scaled profile.
#include <doctest/doctest.h>

#include <tcpv/checker.hpp>
#include <tcpv/tcp/models/close.hpp>
#include <tcpv/tcp/profile.hpp>

using namespace std::chrono_literals;
namespace tcp = tcpv::tcp;

TEST_CASE("profiles carry the documented durations (TCP-FACTS 1.7, 2.2)") {
    CHECK(tcp::profiles::rfc9293.msl == 120s);
    CHECK(tcp::profiles::rfc9293.time_wait == 2 * tcp::profiles::rfc9293.msl);
    CHECK(tcp::profiles::linux_6.time_wait == 60s);
    CHECK(tcp::profiles::linux_6.fin_wait_2 == 60s);
    CHECK_FALSE(tcp::profiles::linux_6.rfc1337);
    CHECK(tcp::profiles::freebsd.time_wait == 2 * tcp::profiles::freebsd.msl);
    CHECK(tcp::profiles::rfc9293.retransmission_span() == 127s);  // 1+2+...+64 s
    CHECK(&tcp::profiles::by_name("linux") == &tcp::profiles::linux_6);
    CHECK_THROWS_WITH_AS(tcp::profiles::by_name("solaris"),
                         "unknown profile 'solaris'; the profiles are rfc9293, linux, freebsd, windows",
                         std::invalid_argument);
}

TEST_CASE("scaling to ticks keeps every order that matters, for every profile") {
    for (const tcp::profile* p : tcp::profiles::all) {
        CAPTURE(p->name);
        const auto t = tcp::scale(*p);
        CHECK(t.broken_orders.empty());
        CHECK(t.time_wait <= 15);
        CHECK(t.msl <= 15);
        CHECK(t.retries <= 15);
        // The orders themselves, stated again from the real durations.
        auto sign = [](auto a, auto b) { return (a > b) - (a < b); };
        CHECK(sign(t.time_wait, 2 * t.msl) == sign(p->time_wait, 2 * p->msl));
        CHECK(sign(t.time_wait, t.rto * t.retries) == sign(p->time_wait, p->retransmission_span()));
        CHECK(sign(t.msl, t.rto) == sign(p->msl, p->rto));
    }
}

TEST_CASE("scaled Linux: TIME-WAIT (60 s) is shorter than an orphan's FIN retransmissions (8 retries)") {
    const auto t = tcp::scale(tcp::profiles::linux_6);
    CHECK(t.time_wait < t.rto * t.retries);
    tcp::models::close m;
    m.msl = t.msl;
    m.rto = t.rto;
    m.retries = t.retries;
    m.time_wait = t.time_wait;
    m.fin_wait_2 = t.fin_wait_2;
    const auto r = tcpv::checker(m).threads(2).only({"no-reset-after-graceful-close"}).run();
    const auto trace = r.counterexample("no-reset-after-graceful-close");
    REQUIRE(trace.has_value());
    CHECK_FALSE(tcpv::validate(m, *trace).has_value());
}
