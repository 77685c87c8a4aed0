#pragma once
/// \file tcpv/tcp/linux/inet_diag.hpp
/// The kernel's TCP sockets of the current network namespace through sock_diag netlink
/// (NETLINK_SOCK_DIAG, inet_diag_req_v2): the only view of sockets without a descriptor —
/// TIME-WAIT entries, orphans (closed by the user, still closing) and request sockets.
/// `tcp_info_state` reads the state of a socket that has a descriptor (TCP_INFO).

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "../states.hpp"
#include "tun_device.hpp"

namespace tcpv::tcp::linux_tun {

/// The kernel's state numbers (include/net/tcp_states.h). Request sockets are reported as
/// syn_recv by inet_diag, and a TIME-WAIT entry of an orphan in FIN-WAIT-2 as fin_wait2.
enum class kernel_state : std::uint8_t {
    established = 1,
    syn_sent,
    syn_recv,
    fin_wait1,
    fin_wait2,
    time_wait,
    close,
    close_wait,
    last_ack,
    listen,
    closing,
    new_syn_recv,
};

/// The RFC 9293 state of a kernel state.
inline state_id to_rfc_state(kernel_state k) {
    switch (k) {
        case kernel_state::established: return state_id::established;
        case kernel_state::syn_sent: return state_id::syn_sent;
        case kernel_state::syn_recv:
        case kernel_state::new_syn_recv: return state_id::syn_received;
        case kernel_state::fin_wait1: return state_id::fin_wait_1;
        case kernel_state::fin_wait2: return state_id::fin_wait_2;
        case kernel_state::time_wait: return state_id::time_wait;
        case kernel_state::close: return state_id::closed;
        case kernel_state::close_wait: return state_id::close_wait;
        case kernel_state::last_ack: return state_id::last_ack;
        case kernel_state::listen: return state_id::listen;
        case kernel_state::closing: return state_id::closing;
    }
    return state_id::closed;
}

/// One socket as inet_diag lists it (addresses and ports in host byte order).
struct diag_entry {
    kernel_state state = kernel_state::close;
    std::uint32_t src = 0, dst = 0;
    std::uint16_t sport = 0, dport = 0;
};

/// Every IPv4 TCP socket of the namespace, in every state. Bounded: each netlink read waits
/// at most `timeout`. Throws tun_error when netlink fails.
inline std::vector<diag_entry> inet_diag_dump(std::chrono::milliseconds timeout = std::chrono::milliseconds(1000)) {
    detail::owned_fd nl(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
    if (!nl) throw tun_error(detail::errno_text("socket(NETLINK_SOCK_DIAG)"));
    struct {
        nlmsghdr header;
        inet_diag_req_v2 request;
    } req{};
    req.header.nlmsg_len = sizeof req;
    req.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.header.nlmsg_seq = 1;
    req.request.sdiag_family = AF_INET;
    req.request.sdiag_protocol = IPPROTO_TCP;
    req.request.idiag_states = ~0u;  // all states, request sockets and TIME-WAIT included
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(nl.get(), &req, sizeof req, 0, reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) < 0)
        throw tun_error(detail::errno_text("sendto(inet_diag request)"));
    std::vector<diag_entry> out;
    alignas(nlmsghdr) char buf[32768];
    for (;;) {
        pollfd p{nl.get(), POLLIN, 0};
        const int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
        if (r < 0) throw tun_error(detail::errno_text("poll(inet_diag)"));
        if (r == 0) throw tun_error("inet_diag: no answer from the kernel within " + std::to_string(timeout.count()) + " ms");
        const ssize_t n = ::recv(nl.get(), buf, sizeof buf, 0);
        if (n < 0) throw tun_error(detail::errno_text("recv(inet_diag)"));
        int left = static_cast<int>(n);
        for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
            if (h->nlmsg_type == NLMSG_DONE) return out;
            if (h->nlmsg_type == NLMSG_ERROR) {
                const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
                throw tun_error(detail::errno_text("inet_diag dump", -e->error));
            }
            if (h->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) continue;
            const auto* m = static_cast<const inet_diag_msg*>(NLMSG_DATA(h));
            out.push_back({static_cast<kernel_state>(m->idiag_state), ntohl(m->id.idiag_src[0]),
                           ntohl(m->id.idiag_dst[0]), ntohs(m->id.idiag_sport), ntohs(m->id.idiag_dport)});
        }
    }
}

/// The state of the kernel socket local:lport <-> remote:rport (host byte order), or nothing
/// when the kernel has no such socket (it is CLOSED and gone).
inline std::optional<kernel_state> inet_diag_state(std::uint32_t local, std::uint16_t lport, std::uint32_t remote,
                                                   std::uint16_t rport) {
    for (const diag_entry& e : inet_diag_dump())
        if (e.src == local && e.sport == lport && e.dst == remote && e.dport == rport) return e.state;
    return std::nullopt;
}

/// tcpi_state of TCP_INFO for a socket with a descriptor; throws tun_error if it fails.
inline kernel_state tcp_info_state(int fd) {
    tcp_info info{};
    socklen_t len = sizeof info;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) throw tun_error(detail::errno_text("getsockopt(TCP_INFO)"));
    return static_cast<kernel_state>(info.tcpi_state);
}

}  // namespace tcpv::tcp::linux_tun
