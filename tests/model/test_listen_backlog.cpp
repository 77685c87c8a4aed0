// The `listen-backlog` model (models/tcpv/tcp/models/listen_backlog.hpp, rules in
// listen_queues.hpp): every property in the default (Linux) configuration and in the BSD and
// RFC 9293 profiles, and each broken configuration caught by the property meant to catch it.
#include <doctest/doctest.h>

#include <tcpv/checker.hpp>
#include <tcpv/registry.hpp>
#include <tcpv/tcp/models/listen_backlog.hpp>
#include <tcpv/tcp/register.hpp>

#include <string>

using tcpv::verdict;
using tcpv::tcp::models::listen_backlog;
namespace lq = tcpv::tcp::models::listen_queues;

namespace {
tcpv::result<listen_backlog> check(const listen_backlog& m) { return tcpv::checker(m).threads(2).run(); }
}  // namespace

TEST_CASE("listen-backlog: Linux defaults: every property holds, the overflow window is reachable") {
    const listen_backlog m;
    const auto r = check(m);
    CHECK(r.all_hold());
    CHECK(r.stats.states == 491825);
    // The window: a client ESTABLISHED whose final ACK the full accept queue dropped.
    const auto text = r.find("overflow-window")->trace->text(m);
    CHECK(text.steps.back().state.find("(ACK dropped)") != std::string::npos);
    CHECK(text.steps.back().state.find("accept queue 2") == 0);  // backlog 1: backlog + 1 queued
}

TEST_CASE("listen-backlog: one and two threads agree") {
    listen_backlog m;
    m.clients = 2;
    const auto one = tcpv::checker(m).threads(1).run();
    const auto two = tcpv::checker(m).threads(2).run();
    CHECK(one.stats.states == two.stats.states);
    CHECK(one.stats.transitions == two.stats.transitions);
    for (const auto& p : one.properties) CHECK(p.result == two.find(p.name)->result);
}

TEST_CASE("listen-backlog: the BSD and RFC 9293 profiles hold; their bounds are 3b/2+1 and max(b,1)") {
    for (const auto kind : {lq::profile_kind::bsd, lq::profile_kind::rfc9293}) {
        listen_backlog m;
        m.kind = kind;
        m.syncookies = 0;
        CAPTURE(int(kind));
        const auto r = check(m);
        CHECK(r.all_hold());
        CHECK(r.find("overflow-window") == nullptr);  // a Linux property
    }
    listen_backlog m;
    m.backlog = 4;
    m.kind = lq::profile_kind::bsd;
    CHECK(m.accept_bound() == 7);
    m.kind = lq::profile_kind::rfc9293;
    CHECK(m.accept_bound() == 4);
    m.backlog = 0;
    CHECK(m.accept_bound() == 1);
    m.kind = lq::profile_kind::linux_stack;
    CHECK(m.accept_bound() == 1);  // backlog 0 still admits one
    m.backlog = 8;
    m.somaxconn = 3;
    CHECK(m.effective_backlog() == 3);  // listen() caps the backlog at somaxconn
}

TEST_CASE("listen-backlog: accounting with >= instead of > is caught (Linux and BSD)") {
    for (const auto kind : {lq::profile_kind::linux_stack, lq::profile_kind::bsd}) {
        listen_backlog m;
        m.kind = kind;
        m.syncookies = kind == lq::profile_kind::linux_stack ? 1 : 0;
        m.test = lq::full_test::ge;
        const auto r = check(m);
        CAPTURE(int(kind));
        CHECK(r.verdict_of("no-early-overflow") == verdict::violated);
        CHECK(r.verdict_of("accept-queue-full") == verdict::violated);
    }
}

TEST_CASE("listen-backlog: the RFC profile with > admits one too many") {
    listen_backlog m;
    m.kind = lq::profile_kind::rfc9293;
    m.syncookies = 0;
    m.test = lq::full_test::gt;
    CHECK(check(m).verdict_of("queues-within-bounds") == verdict::violated);
}

TEST_CASE("listen-backlog: a dropped SYN answered with RST is caught; abort_on_overflow's RST is allowed") {
    listen_backlog m;
    m.syn_overflow_rst = true;
    const auto r = check(m);
    CHECK(r.verdict_of("dropped-syn-not-reset") == verdict::violated);
    const auto text = r.find("dropped-syn-not-reset")->trace->text(m);
    CHECK(text.steps.back().state.find("{SYN answered with RST}") != std::string::npos);
    listen_backlog abort;
    abort.abort_on_overflow = true;
    CHECK(check(abort).all_hold());
}

TEST_CASE("listen-backlog: idle clients (no request sent) can be left ESTABLISHED and forgotten") {
    listen_backlog m;
    m.client_data = false;
    m.loss = false;  // without loss only the overflow can do it
    const auto r = check(m);
    CHECK(r.verdict_of("every-client-resolves") == verdict::violated);
    const auto text = r.find("every-client-resolves")->trace->text(m);
    bool dropped = false;
    for (const auto& s : text.steps) dropped = dropped || s.state.find("(ACK dropped)") != std::string::npos;
    CHECK(dropped);  // the final ACK was dropped for a full accept queue on the way
    m.client_data = true;
    CHECK(check(m).verdict_of("every-client-resolves") == verdict::holds);
}

TEST_CASE("listen-backlog: registered; bad parameters are named") {
    tcpv::registry reg;
    tcpv::tcp::register_tcp_models(reg);
    REQUIRE(reg.find("listen-backlog") != nullptr);
    listen_backlog m;
    m.kind = lq::profile_kind::bsd;
    CHECK_THROWS_WITH_AS(m.validate(),
                         "listen-backlog: syncookies and abort_on_overflow are Linux knobs; with profile bsd or rfc9293 "
                         "set syncookies=off and abort_on_overflow=off",
                         std::invalid_argument);
    listen_backlog n;
    n.clients = 5;
    CHECK_THROWS_WITH_AS(n.validate(), "listen-backlog: clients = 5 is outside 1..4", std::invalid_argument);
}

TEST_CASE("listen-backlog: connect_one_by_one, the kernel comparison's prediction") {
    lq::rules r;
    for (const int b : {0, 1, 2, 5}) {
        r.backlog = b;
        const auto o = r.connect_one_by_one(b + 3);
        CHECK(o.established == b + 1);
        CHECK(o.accept_queue == b + 1);
        CHECK(o.syn_sent == 2);
        CHECK(o.refused == 0);
    }
    r.backlog = 0;
    r.syncookies = 0;  // no cookies: with backlog 0 the SYN queue is always full
    CHECK(r.connect_one_by_one(3).established == 0);
    r.syncookies = 1;
    r.syn_overflow_rst = true;
    CHECK(r.connect_one_by_one(3).refused == 2);
}
