// The `port-reuse` and `server-restart` models (models/tcpv/tcp/models/port_reuse.hpp,
// server_restart.hpp): their properties in the correct and the broken configurations, and the
// capacity formula (capacity.hpp) checked against the port-reuse model on scaled-down ranges.
#include <doctest/doctest.h>

#include <tcpv/checker.hpp>
#include <tcpv/registry.hpp>
#include <tcpv/tcp/capacity.hpp>
#include <tcpv/tcp/models/port_reuse.hpp>
#include <tcpv/tcp/models/server_restart.hpp>
#include <tcpv/tcp/register.hpp>

#include <algorithm>
#include <string>

#include "thread_agreement.hpp"

using tcpv::verdict;
using tcpv::tcp::models::port_reuse;
using tcpv::tcp::models::server_restart;
using tcpv_test::check_both_ways;


TEST_CASE("port-reuse: defaults hold, and exhaustion and piled-up TIME-WAIT are reachable") {
    const port_reuse m;
    const auto r = check_both_ways(m);
    CHECK(r.all_hold());
    CHECK(r.stats.states == 442);
    // EADDRNOTAVAIL needs every port held: 3 ports, 2 open at once, so one in TIME-WAIT.
    const auto* ex = r.find("ports-exhausted");
    REQUIRE(ex->trace);
    CHECK(ex->trace->length() == 6);
}

TEST_CASE("port-reuse: an allocator that checks only live connections collides with TIME-WAIT") {
    port_reuse m;
    m.check = port_reuse::check_mode::live_only;
    const auto r = check_both_ways(m);
    CHECK(r.verdict_of("no-tuple-collision") == verdict::violated);
    const auto text = r.find("no-tuple-collision")->trace->text(m);
    REQUIRE(text.steps.size() == 4);  // init, connect, close, connect onto the TIME-WAIT 4-tuple
    CHECK(text.steps[3].action == "connect() to destination 0 gets port 0");
    CHECK(text.steps[2].state.find(":TW") != std::string::npos);
}

TEST_CASE("port-reuse: an allocator that reuses silently when exhausted is caught") {
    port_reuse m;
    m.exhausted = port_reuse::exhausted_mode::reuse;
    const auto r = check_both_ways(m);
    CHECK(r.verdict_of("exhaustion-reported") == verdict::violated);
    CHECK(r.verdict_of("no-tuple-collision") == verdict::violated);
    CHECK(r.verdict_of("ports-exhausted") == verdict::violated);  // it never says EADDRNOTAVAIL
}

TEST_CASE("port-reuse: tw_reuse takes old enough TIME-WAIT entries over without a collision, only with timestamps") {
    port_reuse m;
    m.tw_reuse = true;
    m.reuse_delay = 1;
    m.ports = 2;
    m.clients = 1;
    m.time_wait = 4;
    auto r = check_both_ways(m);
    CHECK(r.all_hold());
    // Still reachable: both ports closed within one tick, neither old enough to be taken over.
    CHECK(r.find("ports-exhausted")->trace->length() == 5);
    m.timestamps = false;  // tcp_twsk_unique needs a recorded timestamp
    r = check_both_ways(m);
    CHECK(r.verdict_of("no-tuple-collision") == verdict::holds);
}

TEST_CASE("port-reuse: the capacity formula equals the model's verdict on scaled-down ranges") {
    // rate k per tick keeps up forever exactly when k * hold <= ports * destinations, where the
    // hold is TIME-WAIT, or the reuse delay with tw_reuse and timestamps (capacity.hpp).
    int runs = 0, keeps = 0;
    for (int ports = 1; ports <= 4; ++ports)
        for (int destinations = 1; destinations <= 2; ++destinations)
            for (int tw = 1; tw <= 4; ++tw)
                for (int rate = 1; rate <= 3; ++rate)
                    for (int reuse = 0; reuse <= 1; ++reuse) {
                        port_reuse m;
                        m.ports = ports;
                        m.destinations = destinations;
                        m.time_wait = tw;
                        m.rate = rate;
                        m.tw_reuse = reuse == 1;
                        m.reuse_delay = 2;
                        const unsigned hold = unsigned(m.tw_reuse ? std::min(tw, m.reuse_delay) : tw);
                        const bool predicted = tcpv::tcp::keeps_up(unsigned(rate), hold, unsigned(ports), unsigned(destinations));
                        const auto r = tcpv::checker(m).run();
                        CAPTURE(ports);
                        CAPTURE(destinations);
                        CAPTURE(tw);
                        CAPTURE(rate);
                        CAPTURE(reuse);
                        CHECK((r.verdict_of("keeps-up") == verdict::holds) == predicted);
                        CHECK(r.verdict_of("no-tuple-collision") == verdict::holds);
                        CHECK(r.verdict_of("exhaustion-reported") == verdict::holds);
                        ++runs;
                        keeps += predicted;
                    }
    MESSAGE(runs << " configurations, " << keeps << " keep up, " << runs - keeps << " run out of ports");
    CHECK(keeps > 0);
    CHECK(keeps < runs);
}

TEST_CASE("port-reuse: registered with its parameters; bad values are named") {
    tcpv::registry reg;
    tcpv::tcp::register_tcp_models(reg);
    REQUIRE(reg.find("port-reuse") != nullptr);
    port_reuse m;
    m.ports = 7;
    CHECK_THROWS_WITH_AS(m.validate(), "port-reuse: ports = 7 is outside 1..6", std::invalid_argument);
}

TEST_CASE("server-restart: with SO_REUSEADDR the port is bound again during TIME-WAIT; without, bind fails") {
    const server_restart m;
    const auto r = check_both_ways(m);
    CHECK(r.all_hold());
    server_restart off = m;
    off.reuseaddr = false;
    const auto r2 = check_both_ways(off);
    CHECK(r2.verdict_of("restart-binds") == verdict::violated);
    const auto text = r2.find("restart-binds")->trace->text(off);
    CHECK(text.steps.back().action == "bind(): EADDRINUSE");
    CHECK(r2.verdict_of("serves-again") == verdict::holds);  // once TIME-WAIT has run out
    // The client closing first leaves nothing on the server's port... unless the restart itself
    // closes open connections: the trace shows that case.
    server_restart client_closes = off;
    client_closes.server_closes = false;
    const auto r3 = check_both_ways(client_closes);
    CHECK(r3.verdict_of("restart-binds") == verdict::violated);
    const auto t3 = r3.find("restart-binds")->trace->text(client_closes);
    CHECK(t3.steps[t3.steps.size() - 2].action == "server restarts (listener and connections closed)");
}
