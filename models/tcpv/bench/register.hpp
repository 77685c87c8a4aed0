#pragma once
/// \file tcpv/bench/register.hpp
/// Registers the benchmark model `teardown` (shared/bench/teardown.md) with the `tcpv` program.

#include <tcpv/bench/teardown.hpp>
#include <tcpv/registry.hpp>

namespace tcpv::bench {

inline void register_bench_models(registry& r) {
    r.add(entry<teardown>(
        "teardown", "the frozen benchmark: lossy connection release (shared/bench/teardown.md)",
        {int_parameter("cap", "most segments in flight per direction", 2, 1, teardown::max_cap),
         int_parameter("msl", "maximum segment lifetime, ticks", 2, 1, 5),
         int_parameter("rto", "retransmission timeout, ticks", 1, 1, 15),
         int_parameter("maxretx", "FIN retransmissions before giving up", 2, 0, 7),
         int_parameter("tw", "TIME_WAIT ticks; 0 = no TIME_WAIT; -1 = 2*msl", -1, -1, 15)},
        [](const parameter_values& v) {
            const int msl = static_cast<int>(v["msl"]);
            const int tw = v["tw"] < 0 ? 2 * msl : static_cast<int>(v["tw"]);
            return teardown{static_cast<int>(v["cap"]), msl, static_cast<int>(v["rto"]),
                            static_cast<int>(v["maxretx"]), tw};
        }));
}

}  // namespace tcpv::bench
