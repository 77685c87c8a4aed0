#pragma once
/// \file tcpv/all_models.hpp
/// Every model that tcpv ships, registered under its name: what `tcpv list` shows and
/// `tcpv check --all` checks. Each family of models registers itself here.

#include <tcpv/bench/register.hpp>
#include <tcpv/registry.hpp>

#if __has_include(<tcpv/classic/register.hpp>)
#include <tcpv/classic/register.hpp>
#define TCPV_HAVE_CLASSIC 1
#endif

namespace tcpv {

/// Adds every shipped model to `r`.
inline void register_all_models(registry& r) {
#ifdef TCPV_HAVE_CLASSIC
    classic::register_classic_models(r);
#endif
    bench::register_bench_models(r);
}

}  // namespace tcpv
