// The listen-backlog and server-restart models against the real Linux kernel, on loopback inside
// a private network namespace this program creates (skipped, saying why, where it cannot).
//
// Backlog: for listen(backlog) with backlog 0, 1, 2 and 5, backlog + 3 clients connect one
// after another, each handshake settled before the next SYN, nobody calls accept(). The number
// of clients that reach ESTABLISHED (TCP_INFO on each client), those left in SYN-SENT (their SYN
// was dropped silently: no RST, they would retransmit), and the listener's accept-queue length
// (TCP_INFO on a listener: tcpi_unacked) must equal the Linux profile's prediction,
// listen_queues::rules::connect_one_by_one, computed from the namespace's own somaxconn and
// tcp_syncookies. The rows printed are the table in docs/models.md.
//
// Restart: a server that closed its connections first (TIME-WAIT on its own port) binds that
// port again; bind() succeeds exactly when bind_rules.hpp says (SO_REUSEADDR on the old and the
// new socket), and the server-restart model's verdict agrees.
#include <doctest/doctest.h>

#include <tcpv/checker.hpp>
#include <tcpv/tcp/bind_rules.hpp>
#include <tcpv/tcp/models/listen_queues.hpp>
#include <tcpv/tcp/models/server_restart.hpp>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "scenarios.hpp"

using namespace tcpv::linux_probe;
using namespace std::chrono_literals;
namespace lq = tcpv::tcp::models::listen_queues;

namespace {

tcp_info info_of(int fd) {
    tcp_info ti{};
    socklen_t len = sizeof ti;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0) throw_errno("getsockopt(TCP_INFO)");
    return ti;
}

struct kernel_outcome {
    int established = 0, syn_sent = 0, refused = 0, accept_queue = 0, max_backlog = 0;
};

kernel_outcome run_clients(int backlog, int clients) {
    Listener l{tcp_socket(), 0};
    if (const int err = bind_loopback(l.fd.get(), AF_INET, 0); err != 0) throw_errno("bind", err);
    if (::listen(l.fd.get(), backlog) != 0) throw_errno("listen");
    l.port = local_port(l.fd.get());
    std::vector<Fd> fds;
    kernel_outcome k;
    const auto first_syn = std::chrono::steady_clock::now();
    for (int i = 0; i < clients; ++i) {
        Fd c = tcp_socket();
        set_nonblocking(c.get(), true);
        const LoopbackAddr a = loopback_addr(AF_INET, l.port);
        if (::connect(c.get(), reinterpret_cast<const sockaddr*>(&a.ss), a.len) != 0 && errno != EINPROGRESS)
            throw_errno("connect");
        pollfd p{c.get(), POLLOUT, 0};
        ::poll(&p, 1, 40);  // a loopback handshake takes microseconds; a dropped SYN waits 1 s
        std::this_thread::sleep_for(10ms);  // the final ACK reaches the listener before the next SYN
        fds.push_back(std::move(c));
    }
    // Everything is read before the first SYN retransmission (1 s after the first SYN).
    for (const Fd& c : fds) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(c.get(), SOL_SOCKET, SO_ERROR, &err, &len);
        const tcp_info ti = info_of(c.get());
        if (err == ECONNREFUSED || err == ECONNRESET) ++k.refused;
        else if (ti.tcpi_state == TCP_ESTABLISHED) ++k.established;
        else if (ti.tcpi_state == TCP_SYN_SENT) ++k.syn_sent;
    }
    const tcp_info li = info_of(l.fd.get());
    k.accept_queue = int(li.tcpi_unacked);
    k.max_backlog = int(li.tcpi_sacked);
    const auto took = std::chrono::steady_clock::now() - first_syn;
    REQUIRE_MESSAGE(took < 900ms, "the clients took too long: a SYN retransmission may have interfered");
    return k;
}

}  // namespace

TEST_CASE("linux vs listen-backlog model: ESTABLISHED clients and accept-queue length for backlog 0, 1, 2, 5") {
    ENTER_NETNS_OR_SKIP();
    lq::rules linux_rules;
    linux_rules.kind = lq::profile_kind::linux_stack;
    linux_rules.somaxconn = std::stoi(read_sysctl("net/core/somaxconn"));
    linux_rules.syncookies = std::stoi(read_sysctl("net/ipv4/tcp_syncookies"));
    linux_rules.abort_on_overflow = read_sysctl("net/ipv4/tcp_abort_on_overflow") == "1";
    MESSAGE("namespace: somaxconn=" << linux_rules.somaxconn << " tcp_syncookies=" << linux_rules.syncookies
                                    << " tcp_abort_on_overflow=" << linux_rules.abort_on_overflow);
    std::printf("| backlog | clients | model: ESTABLISHED / SYN-SENT / accept queue | kernel: ESTABLISHED / SYN-SENT / "
                "accept queue | agree |\n|---|---|---|---|---|\n");
    for (const int backlog : {0, 1, 2, 5}) {
        const int clients = backlog + 3;
        linux_rules.backlog = backlog;
        const auto predicted = linux_rules.connect_one_by_one(clients);
        const kernel_outcome k = run_clients(backlog, clients);
        const bool agree = predicted.established == k.established && predicted.syn_sent == k.syn_sent &&
                           predicted.refused == k.refused && predicted.accept_queue == k.accept_queue;
        std::printf("| %d | %d | %d / %d / %d | %d / %d / %d | %s |\n", backlog, clients, predicted.established,
                    predicted.syn_sent, predicted.accept_queue, k.established, k.syn_sent, k.accept_queue,
                    agree ? "yes" : "NO");
        CAPTURE(backlog);
        CHECK(k.max_backlog == linux_rules.effective_backlog());
        CHECK(k.refused == 0);  // a dropped SYN is never answered with RST
        CHECK(predicted.established == k.established);
        CHECK(predicted.syn_sent == k.syn_sent);
        CHECK(predicted.accept_queue == k.accept_queue);
        CHECK(k.accept_queue == backlog + 1);  // the `>` test: backlog + 1 fit
        lq::rules off_by_one = linux_rules;  // the accounting with `>=`: this comparison catches it
        off_by_one.test = lq::full_test::ge;
        CHECK(off_by_one.connect_one_by_one(clients).accept_queue != k.accept_queue);
    }
    std::fflush(stdout);
}

namespace {

// A server on 127.0.0.1:port that accepted one connection and closed it first, so the server's
// side of it is in TIME-WAIT on the server's own port; then the listener is closed (the old
// process exits). Returns the port.
std::uint16_t server_leaves_time_wait(bool reuseaddr) {
    Listener l{tcp_socket(), 0};
    if (reuseaddr) set_int_option(l.fd.get(), SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
    if (const int err = bind_loopback(l.fd.get(), AF_INET, 0); err != 0) throw_errno("bind", err);
    if (::listen(l.fd.get(), 4) != 0) throw_errno("listen");
    l.port = local_port(l.fd.get());
    Fd client = connect_loopback(l.port);
    const std::uint16_t client_port = local_port(client.get());
    Fd served = accept_with_timeout(l.fd.get());
    served.reset();  // the server closes first
    char buf[16];
    (void)recv_with_timeout(client.get(), buf, sizeof buf);  // EOF
    client.reset();
    const Tuple server_side{l.port, client_port};
    REQUIRE_MESSAGE(wait_until([&] { return state_of(server_side) == TcpState::TimeWait; }),
                    "the server's side never reached TIME_WAIT");
    l.fd.reset();
    return l.port;
}

int rebind(std::uint16_t port, bool reuseaddr) {
    Fd s = tcp_socket();
    if (reuseaddr) set_int_option(s.get(), SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
    return bind_loopback(s.get(), AF_INET, port);
}

}  // namespace

TEST_CASE("linux vs server-restart model: rebinding a port held by the server's own TIME-WAIT entries") {
    ENTER_NETNS_OR_SKIP();
    for (const bool old_flag : {false, true})
        for (const bool new_flag : {false, true}) {
            const std::uint16_t port = server_leaves_time_wait(old_flag);
            const int kernel = rebind(port, new_flag);
            const tcpv::tcp::port_holder tw{tcpv::tcp::port_holder::kind::time_wait, old_flag};
            const int predicted = tcpv::tcp::bind_error({&tw, 1}, new_flag);
            MESSAGE("old server SO_REUSEADDR=" << old_flag << ", new server SO_REUSEADDR=" << new_flag
                                               << ": kernel " << err_name(kernel) << ", model " << err_name(predicted));
            CHECK(kernel == predicted);
        }
    // The model: restart-binds holds with SO_REUSEADDR and fails without.
    tcpv::tcp::models::server_restart m;
    CHECK(tcpv::checker(m).run().find("restart-binds")->result == tcpv::verdict::holds);
    m.reuseaddr = false;
    CHECK(tcpv::checker(m).run().find("restart-binds")->result == tcpv::verdict::violated);
}
