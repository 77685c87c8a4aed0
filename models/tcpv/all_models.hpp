#pragma once
/// \file tcpv/all_models.hpp
/// Every model that tcpv ships, registered under its name: what `tcpv list` shows and
/// `tcpv check --all` checks. Each family of models registers itself here, with any commands of
/// its own (`tcpv step`, the TCP reference endpoint one step at a time).

#include <tcpv/bench/register.hpp>
#include <tcpv/classic/register.hpp>
#include <tcpv/registry.hpp>
#include <tcpv/tcp/capacity_command.hpp>
#include <tcpv/tcp/register.hpp>
#include <tcpv/tcp/step_command.hpp>

namespace tcpv {

/// Adds every shipped model and command to `r`.
inline void register_all_models(registry& r) {
    tcp::register_tcp_models(r);
    r.add_command({"step",
                   "one step of the reference TCP endpoint, with its RFC section; --table prints "
                   "every row (`tcpv step --help`)",
                   tcp::step_command});
    r.add_command({"capacity",
                   "new actively-closed connections per second before the ephemeral ports run out "
                   "(`tcpv capacity --help`)",
                   tcp::capacity_command});
    bench::register_bench_models(r);
    classic::register_classic_models(r);
}

}  // namespace tcpv
