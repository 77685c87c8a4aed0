#pragma once
/// \file tcpv/tcp/register.hpp
/// Registers the TCP verification models with the `tcpv` program. Parameters are in ticks.

#include <tcpv/registry.hpp>
#include <tcpv/tcp/models/close.hpp>

namespace tcpv::tcp {

inline void register_tcp_models(registry& r) {
    r.add(entry<models::close>(
        "close",
        "connection release under loss: no reset after a graceful close; both sides reach CLOSED",
        {int_parameter("cap", "segments in flight per direction", 2, 1, 4),
         int_parameter("msl", "maximum segment lifetime, ticks", 2, 1, 15),
         int_parameter("rto", "retransmission timeout, ticks", 1, 1, 15),
         int_parameter("retries", "FIN retransmissions before giving up", 2, 0, 7),
         int_parameter("time_wait", "TIME-WAIT ticks; 0 = none; -1 = 2*msl", -1, -1, 15),
         int_parameter("fin_wait_2", "FIN-WAIT-2 limit in ticks (Linux tcp_fin_timeout); 0 = none, as in the RFC", 8, 0, 15),
         enum_parameter("loss", "the network may lose segments", "on", {"off", "on"}),
         enum_parameter("duplication", "the network may duplicate segments", "off", {"off", "on"}),
         enum_parameter("reordering", "segments may overtake each other", "on", {"off", "on"}),
         enum_parameter("start", "start ESTABLISHED, or open the connection first", "established",
                        {"established", "handshake"}),
         enum_parameter("rfc1337", "ignore RST in TIME-WAIT", "off", {"off", "on"})},
        [](const parameter_values& v) {
            models::close m;
            m.cap = int(v["cap"]);
            m.msl = int(v["msl"]);
            m.rto = int(v["rto"]);
            m.retries = int(v["retries"]);
            m.time_wait = v["time_wait"] < 0 ? 2 * m.msl : int(v["time_wait"]);
            m.fin_wait_2 = int(v["fin_wait_2"]);
            m.loss = v["loss"] == 1;
            m.duplication = v["duplication"] == 1;
            m.reordering = v["reordering"] == 1;
            m.handshake = v["start"] == 1;
            m.rfc1337 = v["rfc1337"] == 1;
            return m;
        }));
}

}  // namespace tcpv::tcp
