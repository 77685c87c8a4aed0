#pragma once
/// \file tcpv/tcp/bind_rules.hpp
/// When bind() to a local port succeeds on Linux while other sockets hold that port
/// (TCP-FACTS §2.7): the rule the `server-restart` model uses and the kernel test compares
/// with a real bind() on loopback.
///
/// For one local address and port (Linux inet_csk_bind_conflict, net/ipv4/inet_connection_sock.c;
/// man 7 socket, SO_REUSEADDR):
/// - a listener on the port always conflicts (SO_REUSEPORT is not modelled);
/// - any other holder (a connection accepted on the port, or its TIME-WAIT entry) conflicts
///   unless both the new socket and the holder have SO_REUSEADDR. An accepted connection
///   inherits the flag from its listener, and a TIME-WAIT entry keeps the flag of the socket
///   it replaced, so a restarting server that sets SO_REUSEADDR before bind() rebinds at once;
///   one that does not, waits out the TIME-WAIT entries of the connections it closed first.

#include <cerrno>
#include <span>

namespace tcpv::tcp {

/// A socket that holds the local port.
struct port_holder {
    enum class kind : unsigned char { listener, connection, time_wait } what = kind::connection;
    bool reuse_address = false;  ///< SO_REUSEADDR of the socket (inherited / kept, see above)
};

/// 0 when bind() with `reuse_address` succeeds next to `holders`, else EADDRINUSE.
inline int bind_error(std::span<const port_holder> holders, bool reuse_address) noexcept {
    for (const port_holder& h : holders) {
        if (h.what == port_holder::kind::listener) return EADDRINUSE;
        if (!(reuse_address && h.reuse_address)) return EADDRINUSE;
    }
    return 0;
}

}  // namespace tcpv::tcp
