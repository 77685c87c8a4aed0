// Helpers for tests that observe the real Linux TCP stack on loopback, inside a private network
// namespace that the test program creates for itself.
//
//   enter_private_netns()  unshare(CLONE_NEWNET) + bring `lo` up; false + reason when not permitted
//   Fd                     an owned descriptor (closed by the destructor: every case cleans up)
//   listen_loopback()      a listener on 127.0.0.1 (or ::1) port 0; the port is read back
//   connect_loopback()     connect with a timeout, optionally from a chosen local port
//   accept_with_timeout(), recv_with_timeout(), wait_until()
//
// Every blocking step is bounded (default 2 s), so a test can never hang. The helpers only ever
// use 127.0.0.1 and ::1. Unexpected failures throw std::system_error (doctest reports the text);
// outcomes a test wants to inspect (bind/connect/recv errors) are returned as errno values.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

namespace tcpv::linux_probe {

using namespace std::chrono_literals;

// The bound on every blocking step.
inline constexpr std::chrono::milliseconds default_timeout = 2s;

[[noreturn]] inline void throw_errno(const std::string& what, int err = errno) {
    throw std::system_error(err, std::generic_category(), what);
}

// ---------------------------------------------------------------------------------------------
// The namespace
// ---------------------------------------------------------------------------------------------

// Number of threads of this process (unshare(CLONE_NEWNET) moves only the calling thread).
inline int thread_count() {
    int n = 0;
    if (DIR* d = ::opendir("/proc/self/task")) {
        while (const dirent* e = ::readdir(d))
            if (e->d_name[0] != '.') ++n;
        ::closedir(d);
    }
    return n;
}

// Moves the calling process into a new, empty network namespace and brings its `lo` up.
// Returns false and sets `why_not` when that is not possible (typically: not root; unshare()
// needs CAP_SYS_ADMIN, bringing lo up CAP_NET_ADMIN). Call it while the process is single-threaded; once per process is enough
// (the namespace lives until the process exits; the kernel then destroys it with all its
// sockets, TIME_WAIT entries included).
inline bool enter_private_netns(std::string& why_not) {
    if (const int n = thread_count(); n != 1) {
        why_not = "the process has " + std::to_string(n) +
                  " threads; unshare(CLONE_NEWNET) would move only one of them";
        return false;
    }
    if (::unshare(CLONE_NEWNET) != 0) {
        const int err = errno;
        why_not = std::string("unshare(CLONE_NEWNET) failed: ") + std::strerror(err);
        if (err == EPERM)
            why_not += " (needs root: CAP_SYS_ADMIN; these tests run as root in CI)";
        return false;
    }
    // ioctl(SIOCSIFFLAGS, IFF_UP) on any socket of the new namespace; no `ip` program needed.
    const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        why_not = std::string("socket() in the new namespace failed: ") + std::strerror(errno);
        return false;
    }
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    bool ok = ::ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
    if (ok) {
        ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
        ok = ::ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
    }
    if (ok) ok = ::ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP) != 0;
    if (!ok) {
        const int err = errno;
        why_not = std::string("bringing lo up failed: ") + std::strerror(err) +
                  (err == EPERM ? " (needs CAP_NET_ADMIN)" : "");
    }
    ::close(s);
    return ok;
}

// Reads a sysctl of the current namespace, e.g. "net/ipv4/tcp_tw_reuse"; "" when absent.
inline std::string read_sysctl(const std::string& name) {
    std::ifstream in("/proc/sys/" + name);
    std::string value;
    if (in) std::getline(in, value);
    return value;
}

// ---------------------------------------------------------------------------------------------
// Descriptors and sockets
// ---------------------------------------------------------------------------------------------

class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        if (this != &o) {
            reset();
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    // close() now (the moment of the close is what these tests observe).
    void reset() {
        if (fd_ >= 0) ::close(std::exchange(fd_, -1));
    }

private:
    int fd_ = -1;
};

// A loopback socket address: 127.0.0.1 or ::1.
struct LoopbackAddr {
    sockaddr_storage ss{};
    socklen_t len = 0;
};

inline LoopbackAddr loopback_addr(int family, std::uint16_t port) {
    LoopbackAddr a;
    if (family == AF_INET6) {
        auto* s6 = reinterpret_cast<sockaddr_in6*>(&a.ss);
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        s6->sin6_addr = in6addr_loopback;
        a.len = sizeof(sockaddr_in6);
    } else {
        auto* s4 = reinterpret_cast<sockaddr_in*>(&a.ss);
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.len = sizeof(sockaddr_in);
    }
    return a;
}

inline std::uint16_t local_port(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) throw_errno("getsockname");
    if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
    return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

inline void set_int_option(int fd, int level, int name, int value, const char* what) {
    if (::setsockopt(fd, level, name, &value, sizeof value) != 0) throw_errno(what);
}

inline void set_nonblocking(int fd, bool on) {
    const int fl = ::fcntl(fd, F_GETFL);
    if (fl < 0 || ::fcntl(fd, F_SETFL, on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK)) != 0)
        throw_errno("fcntl(O_NONBLOCK)");
}

inline Fd tcp_socket(int family = AF_INET) {
    Fd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw_errno("socket(SOCK_STREAM)");
    return fd;
}

// Binds to 127.0.0.1:port (or [::1]:port); returns 0 or the errno of bind().
inline int bind_loopback(int fd, int family, std::uint16_t port) {
    const LoopbackAddr a = loopback_addr(family, port);
    return ::bind(fd, reinterpret_cast<const sockaddr*>(&a.ss), a.len) == 0 ? 0 : errno;
}

struct Listener {
    Fd fd;
    std::uint16_t port = 0;
};

// A listener on 127.0.0.1 (or ::1), port 0 (the kernel picks one; it is read back).
// `rcvbuf` > 0 sets SO_RCVBUF before listen(); accepted sockets inherit it.
inline Listener listen_loopback(int family = AF_INET, int rcvbuf = 0) {
    Listener l{tcp_socket(family), 0};
    if (rcvbuf > 0) set_int_option(l.fd.get(), SOL_SOCKET, SO_RCVBUF, rcvbuf, "SO_RCVBUF");
    if (const int err = bind_loopback(l.fd.get(), family, 0); err != 0)
        throw_errno("bind(loopback:0)", err);
    if (::listen(l.fd.get(), 16) != 0) throw_errno("listen");
    l.port = local_port(l.fd.get());
    return l;
}

// Non-blocking connect + poll(POLLOUT) + SO_ERROR. Returns 0 or the errno of the connect
// (ETIMEDOUT when it did not finish in time). The socket is left blocking.
inline int connect_with_timeout(int fd, int family, std::uint16_t port,
                                std::chrono::milliseconds timeout = default_timeout) {
    const LoopbackAddr a = loopback_addr(family, port);
    set_nonblocking(fd, true);
    int err = 0;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&a.ss), a.len) != 0) {
        err = errno;
        if (err == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            const int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
            if (r < 0) throw_errno("poll(connect)");
            if (r == 0) {
                err = ETIMEDOUT;
            } else {
                socklen_t len = sizeof err;
                if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
                    throw_errno("getsockopt(SO_ERROR)");
            }
        }
    }
    set_nonblocking(fd, false);
    return err;
}

struct ConnectOptions {
    int family = AF_INET;
    std::uint16_t local_port = 0;  // 0: let connect() pick an ephemeral port
    bool reuseaddr = false;        // SO_REUSEADDR before bind/connect
    int rcvbuf = 0;                // > 0: SO_RCVBUF before connect
};

// A connected client socket; throws if the connection cannot be made.
inline Fd connect_loopback(std::uint16_t port, const ConnectOptions& o = {}) {
    Fd fd = tcp_socket(o.family);
    if (o.reuseaddr) set_int_option(fd.get(), SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
    if (o.rcvbuf > 0) set_int_option(fd.get(), SOL_SOCKET, SO_RCVBUF, o.rcvbuf, "SO_RCVBUF");
    if (o.local_port != 0)
        if (const int err = bind_loopback(fd.get(), o.family, o.local_port); err != 0)
            throw_errno("bind(loopback:" + std::to_string(o.local_port) + ")", err);
    if (const int err = connect_with_timeout(fd.get(), o.family, port); err != 0)
        throw_errno("connect(loopback:" + std::to_string(port) + ")", err);
    return fd;
}

// poll(POLLIN) + accept(); throws on timeout.
inline Fd accept_with_timeout(int listen_fd, std::chrono::milliseconds timeout = default_timeout) {
    pollfd p{listen_fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (r < 0) throw_errno("poll(accept)");
    if (r == 0) throw_errno("accept: no connection within the timeout", ETIMEDOUT);
    Fd fd(::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
    if (!fd) throw_errno("accept");
    return fd;
}

// A connected pair over loopback: client (connect side) and server (accept side).
struct Pair {
    Listener listener;
    Fd client;
    Fd server;
    std::uint16_t client_port = 0;
};

inline Pair connected_pair(const ConnectOptions& o = {}, int server_rcvbuf = 0) {
    Pair p;
    p.listener = listen_loopback(o.family, server_rcvbuf);
    p.client = connect_loopback(p.listener.port, o);
    p.server = accept_with_timeout(p.listener.fd.get());
    p.client_port = local_port(p.client.get());
    return p;
}

// The outcome of one recv(): n >= 0 bytes (0 = EOF), or n == -1 with err (ETIMEDOUT when
// nothing arrived in time).
struct IoResult {
    long n = -1;
    int err = 0;
};

inline IoResult recv_with_timeout(int fd, void* buf, std::size_t len,
                                  std::chrono::milliseconds timeout = default_timeout) {
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (r < 0) throw_errno("poll(recv)");
    if (r == 0) return {-1, ETIMEDOUT};
    const ssize_t n = ::recv(fd, buf, len, MSG_DONTWAIT);
    if (n < 0) return {-1, errno};
    return {static_cast<long>(n), 0};
}

// Reads until EOF, an error or the timeout (bounded overall). Returns the last recv() outcome
// (n == 0 on EOF) and adds the bytes read to `total`.
inline IoResult drain_until_eof(int fd, std::size_t& total,
                                std::chrono::milliseconds timeout = default_timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[65536];
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) return {-1, ETIMEDOUT};
        const IoResult r = recv_with_timeout(fd, buf, sizeof buf, left);
        if (r.n <= 0) return r;
        total += static_cast<std::size_t>(r.n);
    }
}

// Writes until the socket would block (the peer's receive buffer and our send buffer are
// full). Returns the number of bytes accepted by the kernel. Bounded by `timeout`.
inline std::size_t fill_until_eagain(int fd, std::chrono::milliseconds timeout = default_timeout) {
    static const std::string chunk(16384, 'x');
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t total = 0;
    int idle_rounds = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        const ssize_t n = ::send(fd, chunk.data(), chunk.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            total += static_cast<std::size_t>(n);
            idle_rounds = 0;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) throw_errno("send");
        // Would block: give loopback a moment to move data to the peer, and stop once the
        // pipe stays full.
        if (++idle_rounds >= 5) return total;
        std::this_thread::sleep_for(10ms);
    }
    throw_errno("send: buffers did not fill within the timeout", ETIMEDOUT);
}

// Polls `pred` every millisecond until it holds or the timeout passes.
template <class Pred>
bool wait_until(Pred&& pred, std::chrono::milliseconds timeout = default_timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (pred()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(1ms);
    }
}

}  // namespace tcpv::linux_probe
