#pragma once
/// \file tcpv/tcp/linux/tun_device.hpp
/// A TUN device for the Linux adapter (tun_adapter.hpp): the kernel routes a small IPv4 subnet
/// into it, and the process at the other end plays the peer, writing IPv4/TCP segments (with
/// correct checksums) and reading the kernel's, with a bound on every wait.
///
/// The device is created only inside a private network namespace: `tun_device` refuses the
/// initial namespace and any namespace that holds an interface besides `lo` (a namespace the
/// test did not just create for itself). Linux only; needs CAP_NET_ADMIN in the namespace.

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace tcpv::tcp::linux_tun {

/// Thrown when the device cannot be created or used; the text names the step and the reason.
struct tun_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

namespace detail {
inline std::string errno_text(const std::string& what, int err = errno) {
    return what + ": " + std::strerror(err);
}

// An owned descriptor.
class owned_fd {
public:
    owned_fd() = default;
    explicit owned_fd(int fd) : fd_(fd) {}
    owned_fd(owned_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    owned_fd& operator=(owned_fd&& o) noexcept {
        if (this != &o) {
            reset();
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    ~owned_fd() { reset(); }
    [[nodiscard]] int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    void reset() noexcept {
        if (fd_ >= 0) ::close(std::exchange(fd_, -1));
    }

private:
    int fd_ = -1;
};

// The Internet checksum (RFC 1071) over `data`, continuing from `sum`.
inline std::uint32_t checksum_add(std::uint32_t sum, const std::uint8_t* data, std::size_t len) {
    for (std::size_t i = 0; i + 1 < len; i += 2) sum += std::uint32_t(data[i]) << 8 | data[i + 1];
    if (len % 2) sum += std::uint32_t(data[len - 1]) << 8;
    return sum;
}
inline std::uint16_t checksum_fold(std::uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xffff);
}
inline void put16(std::uint8_t* p, std::uint16_t v) {
    p[0] = std::uint8_t(v >> 8);
    p[1] = std::uint8_t(v);
}
inline void put32(std::uint8_t* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = std::uint8_t(v >> (24 - 8 * i));
}
inline std::uint16_t get16(const std::uint8_t* p) { return std::uint16_t(p[0] << 8 | p[1]); }
inline std::uint32_t get32(const std::uint8_t* p) {
    return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}

// The inode of a namespace link (/proc/.../ns/net), or nothing when it cannot be read.
inline std::optional<ino_t> namespace_inode(const char* path) {
    struct stat st {};
    if (::stat(path, &st) != 0) return std::nullopt;
    return st.st_ino;
}
}  // namespace detail

/// The real TCP header fields the adapter reads and writes (host byte order).
struct wire_segment {
    std::uint32_t src = 0, dst = 0;         ///< IPv4 addresses
    std::uint16_t sport = 0, dport = 0;     ///< ports
    std::uint32_t seq = 0, ack = 0;
    std::uint8_t flags = 0;                 ///< TCP header bits: FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10
    std::uint16_t window = 65535;
    std::uint32_t payload = 0;              ///< payload bytes
    bool has_ts = false;                    ///< an RFC 7323 timestamp option (kind 8) is present
    std::uint32_t tsval = 0, tsecr = 0;     ///< its TSval and TSecr (meaningful when has_ts)

    static constexpr std::uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack_bit = 0x10;

    /// "10.0.0.1:4000 > 10.0.0.2:5000 [S.] seq 123 ack 456 len 0", tcpdump-like.
    [[nodiscard]] std::string text() const {
        auto addr = [](std::uint32_t a) {
            return std::to_string(a >> 24) + "." + std::to_string(a >> 16 & 255) + "." + std::to_string(a >> 8 & 255) +
                   "." + std::to_string(a & 255);
        };
        std::string f;
        if (flags & syn) f += 'S';
        if (flags & fin) f += 'F';
        if (flags & rst) f += 'R';
        if (flags & psh) f += 'P';
        if (flags & ack_bit) f += '.';
        std::string t = addr(src) + ":" + std::to_string(sport) + " > " + addr(dst) + ":" + std::to_string(dport) + " [" +
                        f + "] seq " + std::to_string(seq) + " ack " + std::to_string(ack) + " len " + std::to_string(payload);
        if (has_ts) t += " TS val " + std::to_string(tsval) + " ecr " + std::to_string(tsecr);
        return t;
    }
};

/// The IPv4 packet of `s`: a 20-byte IP header, a TCP header of 20 bytes, or 32 with the
/// timestamp option (NOP, NOP, kind 8 length 10, TSval, TSecr: RFC 7323 Appendix A's layout)
/// when `s.has_ts`, and `s.payload` bytes of 'x', both checksums filled in.
inline std::vector<std::uint8_t> encode(const wire_segment& s) {
    using namespace detail;
    const std::size_t tcp_header = s.has_ts ? 32 : 20;
    const std::size_t total = 20 + tcp_header + s.payload;
    std::vector<std::uint8_t> p(total, 0);
    std::uint8_t* ip = p.data();
    ip[0] = 0x45;  // version 4, header 5 words
    put16(ip + 2, std::uint16_t(total));
    put16(ip + 6, 0x4000);  // don't fragment
    ip[8] = 64;             // TTL
    ip[9] = IPPROTO_TCP;
    put32(ip + 12, s.src);
    put32(ip + 16, s.dst);
    put16(ip + 10, checksum_fold(checksum_add(0, ip, 20)));
    std::uint8_t* tcp = ip + 20;
    put16(tcp, s.sport);
    put16(tcp + 2, s.dport);
    put32(tcp + 4, s.seq);
    put32(tcp + 8, s.ack);
    tcp[12] = std::uint8_t(tcp_header / 4 << 4);  // data offset in 32-bit words
    tcp[13] = s.flags;
    put16(tcp + 14, s.window);
    if (s.has_ts) {
        tcp[20] = 1;  // NOP
        tcp[21] = 1;  // NOP
        tcp[22] = 8;  // kind: timestamps
        tcp[23] = 10;
        put32(tcp + 24, s.tsval);
        put32(tcp + 28, s.tsecr);
    }
    for (std::uint32_t i = 0; i < s.payload; ++i) tcp[tcp_header + i] = 'x';
    // The pseudo-header: source, destination, zero, protocol, TCP length.
    std::uint8_t pseudo[12];
    put32(pseudo, s.src);
    put32(pseudo + 4, s.dst);
    pseudo[8] = 0;
    pseudo[9] = IPPROTO_TCP;
    put16(pseudo + 10, std::uint16_t(tcp_header + s.payload));
    put16(tcp + 16, checksum_fold(checksum_add(checksum_add(0, pseudo, 12), tcp, tcp_header + s.payload)));
    return p;
}

/// The TCP segment in an IPv4 packet, or nothing for anything else (IPv6, ICMP, fragments).
inline std::optional<wire_segment> decode(const std::uint8_t* p, std::size_t len) {
    using namespace detail;
    if (len < 20 || (p[0] >> 4) != 4) return std::nullopt;
    const std::size_t ihl = std::size_t(p[0] & 15) * 4;
    const std::size_t total = get16(p + 2);
    if (p[9] != IPPROTO_TCP || ihl < 20 || total > len || total < ihl + 20) return std::nullopt;
    if ((get16(p + 6) & 0x3fff) != 0) return std::nullopt;  // a fragment
    const std::uint8_t* tcp = p + ihl;
    const std::size_t doff = std::size_t(tcp[12] >> 4) * 4;
    if (doff < 20 || ihl + doff > total) return std::nullopt;
    wire_segment s;
    s.src = get32(p + 12);
    s.dst = get32(p + 16);
    s.sport = get16(tcp);
    s.dport = get16(tcp + 2);
    s.seq = get32(tcp + 4);
    s.ack = get32(tcp + 8);
    s.flags = tcp[13];
    s.window = get16(tcp + 14);
    s.payload = std::uint32_t(total - ihl - doff);
    // The options: the timestamp option's values, if there is one (RFC 9293 §3.1 layout:
    // kind 0 ends the list, kind 1 is one byte, every other kind has a length byte).
    for (std::size_t i = 20; i < doff;) {
        const std::uint8_t kind = tcp[i];
        if (kind == 0) break;
        if (kind == 1) {
            ++i;
            continue;
        }
        if (i + 1 >= doff || tcp[i + 1] < 2 || i + tcp[i + 1] > doff) break;  // malformed: stop
        if (kind == 8 && tcp[i + 1] == 10) {
            s.has_ts = true;
            s.tsval = get32(tcp + i + 2);
            s.tsecr = get32(tcp + i + 6);
        }
        i += tcp[i + 1];
    }
    return s;
}

/// Why a TUN device cannot be used here, or "" when it can: /dev/net/tun must open (the tun
/// module, CAP_NET_ADMIN). Creates nothing.
inline std::string tun_unavailable_reason() {
    const int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        return detail::errno_text("open(/dev/net/tun)", err) +
               (err == ENOENT ? " (no TUN driver in this kernel or container)" : "") +
               (err == EPERM || err == EACCES ? " (needs CAP_NET_ADMIN; run as root)" : "");
    }
    ::close(fd);
    return {};
}

/// A TUN device with an IPv4 address, up, in the calling thread's network namespace.
class tun_device {
public:
    /// Creates `name` with address `local`/`prefix` (host byte order), brings it up and makes
    /// its reads non-blocking. Throws tun_error (naming the failed step) when it cannot, and
    /// refuses a namespace that is the initial one or holds another interface than `lo`.
    tun_device(const std::string& name, std::uint32_t local, int prefix) : name_(name) {
        refuse_shared_namespace();
        fd_ = detail::owned_fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK));
        if (!fd_) throw tun_error(detail::errno_text("open(/dev/net/tun)"));
        ifreq ifr{};
        ifr.ifr_flags = IFF_TUN | IFF_NO_PI;  // raw IP packets, no packet-information prefix
        std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
        if (::ioctl(fd_.get(), TUNSETIFF, &ifr) != 0) throw tun_error(detail::errno_text("ioctl(TUNSETIFF, " + name + ")"));
        // No IPv6 on the device: no router solicitations or MLD reports among the segments.
        if (std::ofstream f("/proc/sys/net/ipv6/conf/" + name + "/disable_ipv6"); f) f << "1\n";
        detail::owned_fd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        if (!s) throw tun_error(detail::errno_text("socket(AF_INET) to configure " + name));
        auto set_addr = [&](unsigned long request, std::uint32_t value, const char* what) {
            ifreq r{};
            std::strncpy(r.ifr_name, name.c_str(), IFNAMSIZ - 1);
            sockaddr_in sin{};
            sin.sin_family = AF_INET;
            sin.sin_addr.s_addr = htonl(value);
            std::memcpy(&r.ifr_addr, &sin, sizeof sin);
            if (::ioctl(s.get(), request, &r) != 0) throw tun_error(detail::errno_text(std::string(what) + " on " + name));
        };
        set_addr(SIOCSIFADDR, local, "ioctl(SIOCSIFADDR)");
        set_addr(SIOCSIFNETMASK, prefix == 0 ? 0u : ~0u << (32 - prefix), "ioctl(SIOCSIFNETMASK)");
        ifreq up{};
        std::strncpy(up.ifr_name, name.c_str(), IFNAMSIZ - 1);
        if (::ioctl(s.get(), SIOCGIFFLAGS, &up) != 0) throw tun_error(detail::errno_text("ioctl(SIOCGIFFLAGS) on " + name));
        up.ifr_flags = static_cast<short>(up.ifr_flags | IFF_UP);
        if (::ioctl(s.get(), SIOCSIFFLAGS, &up) != 0) throw tun_error(detail::errno_text("bringing " + name + " up"));
    }

    [[nodiscard]] const std::string& name() const noexcept { return name_; }

    /// Writes one segment into the device: the kernel receives it as from the peer.
    void write(const wire_segment& s) {
        const auto packet = encode(s);
        const ssize_t n = ::write(fd_.get(), packet.data(), packet.size());
        if (n != static_cast<ssize_t>(packet.size()))
            throw tun_error(detail::errno_text("write to " + name_ + " (" + s.text() + ")"));
    }

    /// The next TCP segment the kernel sent into the device, waiting at most `timeout`;
    /// nothing when none came in time. Packets that are not IPv4/TCP are skipped.
    std::optional<wire_segment> read(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::array<std::uint8_t, 65536> buf{};
        for (;;) {
            const ssize_t n = ::read(fd_.get(), buf.data(), buf.size());
            if (n > 0) {
                if (auto s = decode(buf.data(), static_cast<std::size_t>(n))) return s;
                continue;
            }
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                throw tun_error(detail::errno_text("read from " + name_));
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return std::nullopt;
            pollfd p{fd_.get(), POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) < 0 && errno != EINTR)
                throw tun_error(detail::errno_text("poll on " + name_));
        }
    }

private:
    // The network rule: only a namespace the test created itself. The initial namespace (the
    // one PID 1 is in) and any namespace with more than `lo` are refused.
    void refuse_shared_namespace() const {
        const auto mine = detail::namespace_inode("/proc/thread-self/ns/net");
        const auto init = detail::namespace_inode("/proc/1/ns/net");
        if (mine && init && *mine == *init)
            throw tun_error("refusing to create " + name_ +
                            " in the initial network namespace: enter a private one first (unshare(CLONE_NEWNET))");
        if (struct if_nameindex* list = ::if_nameindex()) {
            std::string others;
            for (struct if_nameindex* i = list; i->if_index != 0; ++i)
                if (std::strcmp(i->if_name, "lo") != 0) others += std::string(others.empty() ? "" : ", ") + i->if_name;
            ::if_freenameindex(list);
            if (!others.empty())
                throw tun_error("refusing to create " + name_ + ": the network namespace already has interfaces (" +
                                others + "); the adapter only works in a fresh private namespace");
        }
    }

    std::string name_;
    detail::owned_fd fd_;
};

}  // namespace tcpv::tcp::linux_tun
