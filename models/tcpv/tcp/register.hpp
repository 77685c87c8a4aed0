#pragma once
/// \file tcpv/tcp/register.hpp
/// Registers the TCP verification models with the `tcpv` program. Parameters are in ticks.

#include <tcpv/registry.hpp>
#include <tcpv/tcp/models/close.hpp>
#include <tcpv/tcp/models/handshake.hpp>
#include <tcpv/tcp/models/incarnations.hpp>
#include <tcpv/tcp/models/listen_backlog.hpp>
#include <tcpv/tcp/models/port_reuse.hpp>
#include <tcpv/tcp/models/server_restart.hpp>
#include <tcpv/tcp/models/time_wait_assassination.hpp>
#include <tcpv/tcp/pcap.hpp>
#include <tcpv/tcp/projection.hpp>
#include <tcpv/tcp/sequence_chart.hpp>
#include <tcpv/tcp/profile.hpp>

namespace tcpv::tcp {

inline void register_tcp_models(registry& r) {
    r.add(entry<models::close>(
        "close",
        "connection release under loss: no reset after a graceful close; both sides reach CLOSED",
        {enum_parameter("profile", "timing and knobs: small ticks, or a real stack scaled to ticks (profile.hpp)",
                        "small", {"small", "rfc9293", "linux", "freebsd", "windows"}),
         int_parameter("cap", "segments in flight per direction", 2, 1, 4),
         int_parameter("msl", "maximum segment lifetime, ticks; -1 = the profile's", -1, -1, 15),
         int_parameter("rto", "retransmission timeout, ticks; -1 = the profile's", -1, -1, 15),
         int_parameter("retries", "retransmissions (of a FIN, SYN or SYN+ACK) before giving up; -1 = the profile's", -1, -1, 15),
         int_parameter("time_wait", "TIME-WAIT ticks; 0 = none; -1 = the profile's (2*MSL)", -1, -1, 15),
         int_parameter("fin_wait_2", "FIN-WAIT-2 limit in ticks, 0 = none (the RFC's); -1 = the profile's", -1, -1, 15),
         enum_parameter("loss", "the network may lose segments", "on", {"off", "on"}),
         enum_parameter("duplication", "the network may duplicate segments", "off", {"off", "on"}),
         enum_parameter("reordering", "segments may overtake each other", "on", {"off", "on"}),
         enum_parameter("start", "start ESTABLISHED, or open the connection first", "established",
                        {"established", "handshake"}),
         enum_parameter("rfc1337", "ignore RST in TIME-WAIT", "profile", {"profile", "off", "on"})},
        [](const parameter_values& v) {
            models::close m;
            if (v["profile"] > 0) {
                const profile& p = *profiles::all[v["profile"] - 1];
                const tick_timing t = scale(p);
                m.msl = t.msl;
                m.rto = t.rto;
                m.retries = t.retries;
                m.time_wait = t.time_wait;
                m.fin_wait_2 = t.fin_wait_2;
                m.rfc1337 = p.rfc1337;
            }
            m.cap = int(v["cap"]);
            if (v["msl"] >= 0) m.msl = int(v["msl"]);
            if (v["rto"] >= 0) m.rto = int(v["rto"]);
            if (v["retries"] >= 0) m.retries = int(v["retries"]);
            if (v["time_wait"] >= 0) m.time_wait = int(v["time_wait"]);
            else if (v["profile"] == 0) m.time_wait = 2 * m.msl;
            if (v["fin_wait_2"] >= 0) m.fin_wait_2 = int(v["fin_wait_2"]);
            m.loss = v["loss"] == 1;
            m.duplication = v["duplication"] == 1;
            m.reordering = v["reordering"] == 1;
            m.handshake = v["start"] == 1;
            if (v["rfc1337"] > 0) m.rfc1337 = v["rfc1337"] == 2;
            return m;
        }));
    r.add(entry<models::incarnations>(
        "incarnations",
        "a 4-tuple reused while old duplicates may live: no stale segment is accepted after 2*MSL",
        {int_parameter("cap", "segments in flight per direction", 2, 1, 4),
         int_parameter("msl", "maximum segment lifetime, ticks", 2, 1, 15),
         int_parameter("rto", "retransmission timeout, ticks", 1, 1, 15),
         int_parameter("retries", "retransmissions (of a FIN, SYN or SYN+ACK) before giving up", 1, 0, 15),
         int_parameter("time_wait", "TIME-WAIT ticks; -1 = 2*msl", -1, -1, 15),
         int_parameter("injections", "old duplicates of incarnation 1 that may appear", 2, 0, 3),
         enum_parameter("reuse", "when A may open the same 4-tuple again", "wait",
                        {"wait", "reuseaddr", "linger0", "tw_reuse"}),
         enum_parameter("timestamps", "RFC 7323 timestamps and PAWS", "off", {"off", "on"})},
        [](const parameter_values& v) {
            models::incarnations m;
            m.cap = int(v["cap"]);
            m.msl = int(v["msl"]);
            m.rto = int(v["rto"]);
            m.retries = int(v["retries"]);
            m.time_wait = v["time_wait"] < 0 ? 2 * m.msl : int(v["time_wait"]);
            m.injections = int(v["injections"]);
            m.mode = static_cast<models::incarnations::reuse>(v["reuse"]);
            m.timestamps = v["timestamps"] == 1;
            return m;
        }));
    r.add(entry<models::time_wait_assassination>(
        "time-wait-assassination",
        "RFC 1337: an old duplicate draws an ACK from TIME-WAIT, the peer's RST ends TIME-WAIT early unless ignored",
        {int_parameter("cap", "segments in flight per direction", 2, 1, 4),
         int_parameter("msl", "maximum segment lifetime, ticks", 2, 1, 7),
         int_parameter("time_wait", "TIME-WAIT ticks; -1 = 2*msl", -1, -1, 15),
         int_parameter("injections", "old duplicates of the closed incarnation the network may produce", 1, 0, 3),
         enum_parameter("loss", "the network may lose segments", "on", {"off", "on"}),
         enum_parameter("reordering", "segments may overtake each other", "on", {"off", "on"}),
         enum_parameter("rfc1337", "ignore RST in TIME-WAIT (RFC 1337 section 3; Linux tcp_rfc1337, default off)", "on",
                        {"off", "on"})},
        [](const parameter_values& v) {
            models::time_wait_assassination m;
            m.cap = int(v["cap"]);
            m.msl = int(v["msl"]);
            m.time_wait = v["time_wait"] < 0 ? 2 * m.msl : int(v["time_wait"]);
            m.injections = int(v["injections"]);
            m.loss = v["loss"] == 1;
            m.reordering = v["reordering"] == 1;
            m.rfc1337 = v["rfc1337"] == 1;
            return m;
        }));
    r.add(entry<models::handshake>(
        "handshake",
        "connection establishment under loss: three-way and simultaneous open; no half-open connection survives",
        {int_parameter("cap", "segments in flight per direction", 2, 1, 4),
         int_parameter("msl", "maximum segment lifetime, ticks", 2, 1, 15),
         int_parameter("rto", "retransmission timeout, ticks", 1, 1, 15),
         int_parameter("retries", "SYN and SYN+ACK retransmissions before giving up", 2, 0, 7),
         enum_parameter("loss", "the network may lose segments", "on", {"off", "on"}),
         enum_parameter("duplication", "the network may duplicate segments", "off", {"off", "on"}),
         enum_parameter("reordering", "segments may overtake each other", "on", {"off", "on"}),
         enum_parameter("mode", "who opens actively: A (three-way), both (simultaneous), or each user chooses",
                        "either", {"three-way", "simultaneous", "either"}),
         enum_parameter("keepalive", "idle ESTABLISHED endpoints send keep-alive probes (RFC 9293 3.8.4)", "on",
                        {"off", "on"}),
         enum_parameter("user_abort", "one user may call ABORT once, at any moment", "off", {"off", "on"})},
        [](const parameter_values& v) {
            models::handshake m;
            m.cap = int(v["cap"]);
            m.msl = int(v["msl"]);
            m.rto = int(v["rto"]);
            m.retries = int(v["retries"]);
            m.loss = v["loss"] == 1;
            m.duplication = v["duplication"] == 1;
            m.reordering = v["reordering"] == 1;
            m.mode = models::handshake::open_mode(v["mode"]);
            m.keepalive = v["keepalive"] == 1;
            m.user_abort = v["user_abort"] == 1;
            return m;
        }));
    r.add(entry<models::port_reuse>(
        "port-reuse",
        "ephemeral ports under piling TIME-WAIT: no 4-tuple collision; exhaustion reported as EADDRNOTAVAIL",
        {int_parameter("ports", "size of the (scaled-down) ephemeral range", 3, 1, 6),
         int_parameter("destinations", "server (address, port) pairs the client connects to", 1, 1, 2),
         int_parameter("time_wait", "TIME-WAIT ticks", 3, 1, 15),
         int_parameter("clients", "rate=0: connections open at once, at most", 2, 1, 4),
         int_parameter("rate", "0: connect and close at any time; k: k connections per tick, each closed at once", 0,
                       0, 4),
         enum_parameter("tw_reuse", "Linux tcp_tw_reuse: connect() may take over an old enough TIME-WAIT entry", "off",
                        {"off", "on"}),
         int_parameter("reuse_delay", "ticks in TIME-WAIT before tw_reuse may take an entry (tcp_tw_reuse_delay)", 1,
                       1, 15),
         enum_parameter("timestamps", "connections use RFC 7323 timestamps (tw_reuse needs them)", "on", {"off", "on"}),
         enum_parameter("check", "what connect() checks: the whole 4-tuple table, or (broken) live connections only",
                        "tuple", {"tuple", "live-only"}),
         enum_parameter("exhausted", "when no port is free: EADDRNOTAVAIL, or (broken) hand out a held port",
                        "error", {"error", "reuse"})},
        [](const parameter_values& v) {
            models::port_reuse m;
            m.ports = int(v["ports"]);
            m.destinations = int(v["destinations"]);
            m.time_wait = int(v["time_wait"]);
            m.clients = int(v["clients"]);
            m.rate = int(v["rate"]);
            m.tw_reuse = v["tw_reuse"] == 1;
            m.reuse_delay = int(v["reuse_delay"]);
            m.timestamps = v["timestamps"] == 1;
            m.check = models::port_reuse::check_mode(v["check"]);
            m.exhausted = models::port_reuse::exhausted_mode(v["exhausted"]);
            return m;
        }));
    r.add(entry<models::server_restart>(
        "server-restart",
        "a restarted server binds its port again at once while its old connections sit in TIME-WAIT (SO_REUSEADDR)",
        {int_parameter("connections", "clients served before and after the restart", 2, 1, 3),
         int_parameter("time_wait", "TIME-WAIT ticks", 2, 1, 15),
         enum_parameter("reuseaddr", "the server sets SO_REUSEADDR before bind()", "on", {"off", "on"}),
         enum_parameter("closer", "who closes a connection first", "server", {"client", "server"})},
        [](const parameter_values& v) {
            models::server_restart m;
            m.connections = int(v["connections"]);
            m.time_wait = int(v["time_wait"]);
            m.reuseaddr = v["reuseaddr"] == 1;
            m.server_closes = v["closer"] == 1;
            return m;
        }));
    r.add(entry<models::listen_backlog>(
        "listen-backlog",
        "clients faster than accept(): the SYN and accept queues stay within the profile's bounds; no client is "
        "left ESTABLISHED and forgotten",
        {enum_parameter("profile", "queue accounting: RFC 9293 (POSIX reading), Linux, or historical BSD", "linux",
                        {"rfc9293", "linux", "bsd"}),
         int_parameter("clients", "clients, each connecting once", 3, 1, models::listen_queues::max_clients),
         int_parameter("backlog", "listen() backlog", 1, 0, 8),
         int_parameter("somaxconn", "Linux net.core.somaxconn: caps the backlog", 4096, 0, 65535),
         enum_parameter("syncookies", "Linux tcp_syncookies (profile: 1 on linux, off elsewhere)", "profile",
                        {"profile", "off", "overflow", "always"}),
         enum_parameter("abort_on_overflow", "Linux tcp_abort_on_overflow: RST a final ACK the full accept queue drops",
                        "off", {"off", "on"}),
         int_parameter("syn_retries", "client SYN retransmissions", 0, 0, 3),
         int_parameter("synack_retries", "listener SYN+ACK retransmissions (tcp_synack_retries)", 1, 0, 3),
         int_parameter("data_retries", "client request retransmissions", 0, 0, 3),
         enum_parameter("loss", "the network may lose segments", "on", {"off", "on"}),
         enum_parameter("client_data", "clients send a request once connected (off: they wait for the server)", "on",
                        {"off", "on"}),
         enum_parameter("accept", "the application accepts a completed connection at any time, or never", "sometimes",
                        {"never", "sometimes"}),
         enum_parameter("full_test", "the queue-full comparison: the profile's, or (broken on linux/bsd) >= , "
                        "(broken on rfc9293) >", "profile", {"profile", "gt", "ge"}),
         enum_parameter("syn_overflow", "a SYN dropped for a full queue: silently, or (broken) answered with RST", "drop",
                        {"drop", "rst"})},
        [](const parameter_values& v) {
            models::listen_backlog m;
            m.kind = models::listen_queues::profile_kind(v["profile"]);
            m.clients = int(v["clients"]);
            m.backlog = int(v["backlog"]);
            m.somaxconn = int(v["somaxconn"]);
            m.syncookies = v["syncookies"] == 0 ? (m.kind == models::listen_queues::profile_kind::linux_stack ? 1 : 0)
                                                : int(v["syncookies"]) - 1;
            m.abort_on_overflow = v["abort_on_overflow"] == 1;
            m.syn_retries = int(v["syn_retries"]);
            m.synack_retries = int(v["synack_retries"]);
            m.data_retries = int(v["data_retries"]);
            m.loss = v["loss"] == 1;
            m.client_data = v["client_data"] == 1;
            m.accept_sometimes = v["accept"] == 1;
            m.test = models::listen_queues::full_test(v["full_test"]);
            m.syn_overflow_rst = v["syn_overflow"] == 1;
            return m;
        }));
}

}  // namespace tcpv::tcp
