#pragma once
/// \file tcpv/tcp/profile.hpp
/// Profiles: the real durations and documented deviations of RFC 9293, Linux, FreeBSD and
/// Windows (sources in shared/TCP-FACTS.md), and how a model scales them down to ticks.
///
/// A model checker cannot count 240 one-second ticks per connection and stay small, and it
/// does not need to: what decides the properties is the *order* of a few durations — TIME-WAIT
/// against 2*MSL, TIME-WAIT against the peer's retransmission span (when its last FIN copy can
/// arrive), MSL against RTO. `scale` picks a tick and small tick counts that keep every one of
/// those orders, and says which (if any) it could not keep.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "endpoint.hpp"

namespace tcpv::tcp {

using namespace std::chrono_literals;
using duration = std::chrono::milliseconds;

/// The timing and behaviour of one TCP implementation.
struct profile {
    std::string_view name;
    duration msl;              ///< maximum segment lifetime
    duration time_wait;        ///< TIME-WAIT length
    duration rto;              ///< initial retransmission timeout
    bool backoff = true;       ///< the timeout doubles after each retransmission
    int fin_retries = 0;       ///< FIN retransmissions before giving up
    int syn_retries = 0;       ///< SYN retransmissions (connect)
    int synack_retries = 0;    ///< SYN+ACK retransmissions (listener)
    duration fin_wait_2 = 0ms; ///< FIN-WAIT-2 limit; 0 = none
    bool rfc1337 = false;      ///< ignore RST in TIME-WAIT
    bool rst_on_unread = false;  ///< CLOSE with unread data sends RST
    bool timestamps = false;     ///< RFC 7323 timestamps on by default
    std::string_view sources;    ///< where each value comes from

    /// When the last retransmission of a FIN is sent, counted from the first transmission.
    [[nodiscard]] duration retransmission_span() const {
        duration span = 0ms, rto_now = rto;
        for (int k = 0; k < fin_retries; ++k) {
            span += rto_now;
            if (backoff) rto_now = std::min<duration>(rto_now * 2, 120s);
        }
        return span;
    }
};

namespace profiles {

/// RFC 9293: MSL 2 minutes (§3.4.2), TIME-WAIT 2*MSL (MUST-13, §3.6.1), RTO 1 s with backoff
/// (RFC 6298), R2 at least 100 s (SHLD-11): 7 doublings from 1 s reach 127 s.
inline constexpr profile rfc9293{"rfc9293", 120s, 240s, 1s, true, 7, 7, 7, 0ms, false, false, false,
                                 "R9293 3.4.2 MSL; 3.6.1 MUST-13; 3.8.3 SHLD-11 R2 >= 100 s; RFC 6298 RTO 1 s"};
/// Linux (6.x): TCP_TIMEWAIT_LEN 60 s, TCP_TIMEOUT_INIT 1 s, tcp_orphan_retries 0 = 8,
/// tcp_syn_retries 6, tcp_synack_retries 5, tcp_fin_timeout 60 s, tcp_rfc1337 = 0, RST on close
/// with unread data, timestamps on. Linux has no MSL constant: 30 s makes TIME-WAIT = 2*MSL.
inline constexpr profile linux_6{"linux", 30s, 60s, 1s, true, 8, 6, 5, 60s, false, true, true,
                                 "L include/net/tcp.h TCP_TIMEWAIT_LEN, TCP_TIMEOUT_INIT; ip-sysctl.rst "
                                 "tcp_orphan_retries, tcp_syn_retries, tcp_synack_retries, tcp_fin_timeout, "
                                 "tcp_rfc1337; tcp.c __tcp_close"};
/// FreeBSD: net.inet.tcp.msl 30 s, TIME-WAIT 2*MSL, FIN-WAIT-2 limit 60 s (tcp_finwait2_timeout).
inline constexpr profile freebsd{"freebsd", 30s, 60s, 1s, true, 7, 6, 5, 60s, false, false, true,
                                 "FB tcp_timer.c msl sysctl; tcp_timer.h TCPTV_MSL; tcp_timer_activate(TT_2MSL)"};
/// Windows: TcpTimedWaitDelay 120 s (Server 2003 documented default; current default
/// [UNVERIFIED] in TCP-FACTS §2.2), MSL taken as 60 s.
inline constexpr profile windows{"windows", 60s, 120s, 1s, true, 5, 2, 2, 0ms, false, false, false,
                                 "MS TechNet cc757512 TcpTimedWaitDelay (conflicting; see TCP-FACTS 2.2)"};

inline constexpr const profile* all[] = {&rfc9293, &linux_6, &freebsd, &windows};

/// The profile named `name` (rfc9293, linux, freebsd, windows); throws std::invalid_argument
/// listing the names otherwise.
inline const profile& by_name(std::string_view name) {
    for (const profile* p : all)
        if (p->name == name) return *p;
    throw std::invalid_argument("unknown profile '" + std::string(name) +
                                "'; the profiles are rfc9293, linux, freebsd, windows");
}

}  // namespace profiles

/// A profile scaled to ticks.
struct tick_timing {
    duration tick{};
    int msl = 0, time_wait = 0, rto = 0, retries = 0, fin_wait_2 = 0;
    std::vector<std::string> broken_orders;  ///< orders that could not be kept (empty: all kept)

    /// The endpoint configuration of this timing and the profile's knobs. Backoff is off in
    /// ticks: the span is carried by rto * retries instead (see `scale`).
    [[nodiscard]] endpoint_config config(const profile& p) const {
        endpoint_config c;
        c.rto = std::uint8_t(rto);
        c.max_retries = std::uint8_t(retries);
        c.syn_retries = c.synack_retries = std::uint8_t(retries);  // the FIN span's scaling, kept simple
        c.backoff = false;
        c.time_wait = std::uint8_t(time_wait);
        c.fin_wait_2 = std::uint8_t(fin_wait_2);
        c.rfc1337 = p.rfc1337;
        c.rst_on_unread = p.rst_on_unread;
        c.timestamps = p.timestamps;
        return c;
    }
};

namespace detail {
inline int sign(long long a, long long b) { return (a > b) - (a < b); }
inline int ticks_of(duration d, duration tick) {
    if (d <= 0ms) return 0;
    return int((d.count() + tick.count() / 2) / tick.count());  // nearest, at least 1 below
}
}  // namespace detail

/// Scales profile `p` to at most `max_ticks` ticks per duration, keeping the orders of
/// TIME-WAIT vs 2*MSL, TIME-WAIT vs the retransmission span, MSL vs RTO, and FIN-WAIT-2 vs
/// TIME-WAIT. The span (when the last FIN copy is sent) becomes rto * retries ticks.
inline tick_timing scale(const profile& p, int max_ticks = 15) {
    const duration span = p.retransmission_span();
    const duration longest = std::max({p.time_wait, 2 * p.msl, span, p.fin_wait_2});
    tick_timing t;
    t.tick = duration((longest.count() + max_ticks - 1) / max_ticks);
    if (t.tick < 1ms) t.tick = 1ms;
    t.msl = std::max(1, detail::ticks_of(p.msl, t.tick));
    t.rto = std::max(1, detail::ticks_of(p.rto, t.tick));
    // TIME-WAIT against 2*MSL: equal stays equal, longer stays longer (fit into max_ticks).
    const int want_tw_msl = detail::sign(p.time_wait.count(), 2 * p.msl.count());
    t.time_wait = p.time_wait > 0ms ? std::max(1, detail::ticks_of(p.time_wait, t.tick)) : 0;
    if (p.time_wait > 0ms) {
        if (want_tw_msl == 0) t.time_wait = 2 * t.msl;
        if (want_tw_msl > 0 && t.time_wait <= 2 * t.msl) t.time_wait = 2 * t.msl + 1;
        if (want_tw_msl < 0 && t.time_wait >= 2 * t.msl) t.time_wait = std::max(1, 2 * t.msl - 1);
        while (t.time_wait > max_ticks && t.msl > 1) {
            --t.msl;
            t.time_wait = want_tw_msl == 0 ? 2 * t.msl : want_tw_msl > 0 ? 2 * t.msl + 1 : 2 * t.msl - 1;
        }
    }
    t.fin_wait_2 = p.fin_wait_2 > 0ms ? std::max(1, detail::ticks_of(p.fin_wait_2, t.tick)) : 0;
    if (p.fin_wait_2 > 0ms && p.fin_wait_2 == p.time_wait) t.fin_wait_2 = t.time_wait;
    // The span (when the last FIN copy leaves) is rto * retries ticks, on the same side of
    // TIME-WAIT as the real span.
    const int want_tw_span = detail::sign(p.time_wait.count(), span.count());
    const int span_ticks = std::max(1, detail::ticks_of(span, t.tick));
    t.retries = p.fin_retries == 0 ? 0 : std::max(1, (span_ticks + t.rto / 2) / t.rto);
    for (int guard = 0; guard < 64 && p.fin_retries > 0; ++guard) {
        const int now = detail::sign(t.time_wait, t.rto * t.retries);
        if (now == want_tw_span) break;
        if (now < want_tw_span && t.retries > 1) --t.retries;
        else if (now > want_tw_span) ++t.retries;
        else break;
    }
    const int want_msl_rto = detail::sign(p.msl.count(), p.rto.count());
    auto check = [&](const char* what, int real, int scaled) {
        if (real != scaled) t.broken_orders.emplace_back(what);
    };
    check("TIME-WAIT vs 2*MSL", want_tw_msl, detail::sign(t.time_wait, 2 * t.msl));
    check("TIME-WAIT vs retransmission span", want_tw_span, detail::sign(t.time_wait, t.rto * t.retries));
    check("MSL vs RTO", want_msl_rto, detail::sign(t.msl, t.rto));
    if (p.fin_wait_2 > 0ms)
        check("FIN-WAIT-2 vs TIME-WAIT", detail::sign(p.fin_wait_2.count(), p.time_wait.count()),
              detail::sign(t.fin_wait_2, t.time_wait));
    return t;
}

}  // namespace tcpv::tcp
