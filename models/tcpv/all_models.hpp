#pragma once
/// \file tcpv/all_models.hpp
/// Every model that tcpv ships, registered under its name: what `tcpv list` shows and
/// `tcpv check --all` checks. Each family of models registers itself here.

#include <tcpv/bench/register.hpp>
#include <tcpv/classic/register.hpp>
#include <tcpv/registry.hpp>
#include <tcpv/tcp/register.hpp>

namespace tcpv {

/// Adds every shipped model to `r`.
inline void register_all_models(registry& r) {
    tcp::register_tcp_models(r);
    bench::register_bench_models(r);
    classic::register_classic_models(r);
}

}  // namespace tcpv
