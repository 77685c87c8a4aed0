#pragma once
/// \file tcpv/tcp/capacity.hpp
/// How many new connections per second one client can open and actively close towards one
/// destination before its ephemeral ports run out (TCP-FACTS §4.3, "Derived").
///
/// Every connection the client closes first leaves a TIME-WAIT entry that holds its 4-tuple
/// (local address, local port, remote address, remote port) for the TIME-WAIT length. Towards
/// one (remote address, remote port) only the local port varies, so at most `ports` entries
/// exist at once, and the sustained rate is at most
///
///     rate = ports * destinations / hold
///
/// where `hold` is how long a 4-tuple stays unusable: the TIME-WAIT length, or, with Linux's
/// tcp_tw_reuse (and timestamps on both sides), tcp_tw_reuse_delay (1 s), after which connect()
/// may take a TIME-WAIT entry over. Each further destination address or port is a separate
/// 4-tuple space, so `destinations` multiplies. Linux defaults: 28,232 ports / 60 s = 470.5/s.
/// The `port-reuse` model checks this bound on scaled-down ranges (tests/model/test_port_reuse.cpp).

#include <tcpv/tcp/ports.hpp>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tcpv::tcp {

/// What a stack holds a closed 4-tuple for, and where its ports come from.
struct port_profile {
    std::string_view name;
    ephemeral_range range;
    std::chrono::milliseconds time_wait;
    bool has_tw_reuse = false;  ///< the stack can take a TIME-WAIT 4-tuple over early (Linux tcp_tw_reuse)
    std::chrono::milliseconds tw_reuse_delay{0};
    std::string_view sources;
};

namespace port_profiles {
using namespace std::chrono_literals;
inline constexpr port_profile linux_6{"linux", ephemeral_ranges::linux_default, 60s, true, 1000ms,
                                      "ip_local_port_range; TCP_TIMEWAIT_LEN; tcp_tw_reuse, tcp_tw_reuse_delay "
                                      "(ip-sysctl.rst)"};
inline constexpr port_profile windows{"windows", ephemeral_ranges::windows, 120s, false, 0ms,
                                      "KB929851; TcpTimedWaitDelay (TCP-FACTS 2.2, 4.1)"};
inline constexpr port_profile freebsd{"freebsd", ephemeral_ranges::freebsd, 60s, false, 0ms,
                                      "netinet/in.h portrange; 2*net.inet.tcp.msl"};
inline constexpr port_profile bsd_classic{"bsd-classic", ephemeral_ranges::bsd_classic, 60s, false, 0ms,
                                          "4.4BSD IPPORT_USERRESERVED; TCPTV_MSL 30 s"};
inline constexpr port_profile rfc{"rfc9293", ephemeral_ranges::iana_dynamic, 240s, false, 0ms,
                                  "RFC 6335 dynamic range; RFC 9293 2*MSL"};
inline constexpr const port_profile* all[] = {&linux_6, &windows, &freebsd, &bsd_classic, &rfc};

inline const port_profile& by_name(std::string_view name) {
    for (const port_profile* p : all)
        if (p->name == name) return *p;
    throw std::invalid_argument("unknown profile '" + std::string(name) +
                                "'; the profiles are linux, windows, freebsd, bsd-classic, rfc9293");
}
}  // namespace port_profiles

/// The inputs of the capacity bound.
struct capacity_question {
    unsigned ports = 0;                      ///< size of the ephemeral range
    std::chrono::milliseconds time_wait{0};  ///< how long a closed 4-tuple is held
    unsigned destinations = 1;               ///< distinct (remote address, remote port) pairs
    bool tw_reuse = false;                   ///< TIME-WAIT entries may be taken over after `reuse_delay`
    std::chrono::milliseconds reuse_delay{0};

    static capacity_question of(const port_profile& p) { return {p.range.size(), p.time_wait, 1, false, p.tw_reuse_delay}; }
};

/// The answer: the bound and the hold time it comes from.
struct capacity_answer {
    std::chrono::milliseconds hold{0};  ///< how long each 4-tuple is unusable
    double connections_per_second = 0;  ///< the highest sustained rate
    unsigned tuples = 0;                ///< ports * destinations
};

/// The highest sustained rate of new actively-closed connections; throws std::invalid_argument
/// naming a meaningless input (no ports, no destinations, a hold of zero).
inline capacity_answer capacity(const capacity_question& q) {
    if (q.ports == 0) throw std::invalid_argument("capacity: the ephemeral range has no ports");
    if (q.destinations == 0) throw std::invalid_argument("capacity: at least one destination is needed");
    const auto hold = q.tw_reuse && q.reuse_delay < q.time_wait ? q.reuse_delay : q.time_wait;
    if (hold.count() <= 0)
        throw std::invalid_argument("capacity: a TIME-WAIT (or reuse delay) of 0 holds nothing: the rate has no bound");
    capacity_answer a;
    a.hold = hold;
    a.tuples = q.ports * q.destinations;
    a.connections_per_second = double(a.tuples) * 1000.0 / double(hold.count());
    return a;
}

/// The same bound in model ticks: at most `per_tick` connections each tick keep up forever
/// iff per_tick * hold_ticks <= ports * destinations (what the port-reuse model checks).
inline bool keeps_up(unsigned per_tick, unsigned hold_ticks, unsigned ports, unsigned destinations) {
    return per_tick * hold_ticks <= ports * destinations;
}

}  // namespace tcpv::tcp
