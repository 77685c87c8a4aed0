// Ground truth for tcpv's Linux profile: how the real kernel releases a TCP connection, observed
// on loopback inside a private network namespace created by this program (tests/linux/netns.hpp)
// and read back from the namespace's /proc/net/tcp (tests/linux/tcp_table.hpp); the namespace
// entry and the Watch of a connection's two ends are shared with test_linux_profile.cpp
// (tests/linux/scenarios.hpp).
//
// Needs root (CAP_SYS_ADMIN for unshare(CLONE_NEWNET), CAP_NET_ADMIN to bring lo up). Without it every kernel case prints
// "SKIPPED ..." and passes (developer machines); CI runs as root. Only 127.0.0.1 and ::1 are
// used. Every blocking step is bounded (2 s); no case waits for TIME_WAIT to expire (60 s);
// the whole program takes a couple of seconds. Each case closes its descriptors; the TIME_WAIT
// entries it leaves die with the namespace when the process exits.
//
// [TCP-FACTS x.y] cites a section of the project's fact sheet TCP-FACTS.md (RFC / kernel sources).
#include "netns.hpp"
#include "scenarios.hpp"
#include "tcp_table.hpp"

#include <doctest/doctest.h>

#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace tcpv::linux_probe;
using namespace std::chrono_literals;

namespace {

// TCP_TIMEWAIT_LEN = 60 s [TCP-FACTS 2.2]. The entry is read within a second or so of its
// creation; allow a little for a slow CI machine.
constexpr auto timewait_min = 55s;
constexpr auto timewait_max = 60s;

void check_timewait_timer(const TcpEntry& e) {
    INFO(e.describe());
    CHECK(e.state == TcpState::TimeWait);
    CHECK(e.timer == TimerKind::TimeWait);
    CHECK(e.inode == 0);  // no descriptor: a timewait mini-socket
    CHECK(e.timer_remaining() >= timewait_min);
    CHECK(e.timer_remaining() <= timewait_max);
}

std::uint64_t counter(const char* name) {
    const auto v = netstat_counter("TcpExt", name);
    REQUIRE_MESSAGE(v.has_value(), "TcpExt counter " << name << " missing in /proc/net/netstat");
    return *v;
}

void shutdown_wr(int fd) { REQUIRE(::shutdown(fd, SHUT_WR) == 0); }

// The hex the kernel prints for an address (%08X of each in-memory 32-bit word).
std::string kernel_hex(const void* addr, std::size_t len) {
    std::string out;
    for (std::size_t w = 0; w < len / 4; ++w) {
        std::uint32_t word;
        std::memcpy(&word, static_cast<const unsigned char*>(addr) + 4 * w, 4);
        char buf[9];
        std::snprintf(buf, sizeof buf, "%08X", word);
        out += buf;
    }
    return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The table parser (no namespace needed: runs everywhere)
// ---------------------------------------------------------------------------------------------

TEST_CASE("linux: /proc/net/tcp parser reads fields and rejects malformed lines by number") {
    in_addr lo4{};
    lo4.s_addr = htonl(INADDR_LOOPBACK);
    const std::string lo = kernel_hex(&lo4, 4);
    const std::string header =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
        "timeout inode\n";
    const std::string listen_line = "   0: " + lo +
                                    ":1F90 00000000:0000 0A 00000000:00000000 00:00000000 "
                                    "00000000     0        0 4242 1 00000000e6517bf3 100 0 0 10 0  \n";
    const std::string tw_line = "   1: " + lo + ":9C40 " + lo +
                                ":1F90 06 00000000:00000000 03:00001770 00000000     0        0 0 "
                                "3 0000000000000000\n";

    const auto t = parse_tcp_table(header + listen_line + tw_line, AF_INET, "sample");
    REQUIRE(t.size() == 2);
    CHECK(t[0].state == TcpState::Listen);
    CHECK(t[0].local_addr == "127.0.0.1");
    CHECK(t[0].local_port == 8080);
    CHECK(t[0].remote_addr == "0.0.0.0");
    CHECK(t[0].inode == 4242);
    CHECK(t[1].state == TcpState::TimeWait);
    CHECK(t[1].local_port == 40000);
    CHECK(t[1].remote_port == 8080);
    CHECK(t[1].timer == TimerKind::TimeWait);
    CHECK(t[1].timer_ticks == 6000);
    if (::sysconf(_SC_CLK_TCK) == 100) CHECK(t[1].timer_remaining() == 60s);
    REQUIRE(find_entry(t, Tuple{40000, 8080}).has_value());
    CHECK_FALSE(find_entry(t, Tuple{8080, 40000}).has_value());

    const std::string lo6 = kernel_hex(&in6addr_loopback, 16);
    const auto t6 = parse_tcp_table(header + "   0: " + lo6 + ":0050 " + lo6 +
                                        ":D431 01 00000000:00000000 00:00000000 00000000  0 0 7 1 "
                                        "ffff000000000000 20 4 30 10 -1\n",
                                    AF_INET6, "sample6");
    REQUIRE(t6.size() == 1);
    CHECK(t6[0].local_addr == "::1");
    CHECK(t6[0].remote_port == 0xD431);
    CHECK(t6[0].state == TcpState::Established);

    // Strict: each malformed line is an error that names its line.
    const auto error_of = [&](const std::string& text) -> std::string {
        try {
            parse_tcp_table(text, AF_INET, "sample");
        } catch (const TcpTableError& e) {
            return e.what();
        }
        return "";
    };
    std::string bad = tw_line;
    bad.replace(bad.find(" 06 "), 4, " 0C ");  // no such state
    CHECK(error_of(header + listen_line + bad).find("sample line 3: unknown state 0C") == 0);
    CHECK(error_of(header + "   0: " + lo + ":1F9 00000000:0000 0A\n").find("sample line 2") == 0);
    CHECK(error_of(header + listen_line + "garbage\n").find("sample line 3") == 0);
    CHECK(error_of(listen_line).find("sample line 1: expected the header") == 0);
    CHECK(error_of(header + listen_line + "\n" + tw_line).find("sample line 3: empty line") == 0);
    bad = tw_line;
    bad.replace(bad.find("03:00001770"), 11, "03:0000177G");
    CHECK(error_of(header + bad).find("sample line 2: bad tr:tm->when") == 0);
}

// ---------------------------------------------------------------------------------------------
// The kernel, on loopback, in the private namespace
// ---------------------------------------------------------------------------------------------

TEST_CASE("linux: active close: FIN_WAIT2, then TIME_WAIT for about 60 s; passive side CLOSE_WAIT, "
          "then gone") {
    ENTER_NETNS_OR_SKIP();
    Pair p = connected_pair();
    Watch w(Tuple{p.client_port, p.listener.port});
    REQUIRE(w.until(TcpState::Established, TcpState::Established));

    // The client closes first: its FIN is ACKed (FIN_WAIT1 -> FIN_WAIT2), the server is in
    // CLOSE_WAIT [TCP-FACTS 2.1; RFC 9293 §3.6 Fig.12].
    p.client.reset();
    REQUIRE_MESSAGE(w.until(TcpState::FinWait2, TcpState::CloseWait), w.trail() << "\n" << w.table());
    // The client has no descriptor any more: Linux keeps an orphaned FIN_WAIT2 as a timewait
    // mini-socket bounded by tcp_fin_timeout (60 s) [TCP-FACTS 2.5 "FIN_WAIT2 orphans"].
    const TcpEntry fw2 = *w.client_entry();
    MESSAGE("orphaned FIN_WAIT2: " << fw2.describe()
                                   << " (tcp_fin_timeout=" << read_sysctl("net/ipv4/tcp_fin_timeout") << ")");
    CHECK(fw2.timer == TimerKind::TimeWait);
    CHECK(fw2.timer_remaining() > 50s);

    char c;
    const IoResult eof = recv_with_timeout(p.server.get(), &c, 1);
    CHECK(eof.n == 0);  // the server read the FIN as EOF

    // The server closes: LAST_ACK, the client ACKs and enters TIME_WAIT, the server's socket is
    // gone (LAST_ACK lasts one loopback round trip; it is made visible in the next case).
    p.server.reset();
    REQUIRE_MESSAGE(w.until(TcpState::TimeWait, gone), w.trail() << "\n" << w.table());
    check_timewait_timer(*w.client_entry());
    MESSAGE("active close: " << w.trail() << "; TIME_WAIT entry " << w.client_entry()->describe());
    // TIME_WAIT stays; the passive side does not come back.
    CHECK(w.stays(TcpState::TimeWait, gone, 100ms));
    CHECK_FALSE(w.server_ever(TcpState::TimeWait));
}

TEST_CASE("linux: passive side: CLOSE_WAIT, LAST_ACK, gone; it never enters TIME_WAIT") {
    ENTER_NETNS_OR_SKIP();
    // The client (active closer) gets a small receive buffer and does not read, so the server's
    // FIN waits behind unsent data: LAST_ACK becomes observable instead of lasting one RTT.
    ConnectOptions o;
    o.rcvbuf = 4096;
    Pair p = connected_pair(o);
    Watch w(Tuple{p.client_port, p.listener.port});
    const std::size_t sent = fill_until_eagain(p.server.get());
    REQUIRE(sent > 0);

    shutdown_wr(p.client.get());  // active close, the descriptor stays open
    REQUIRE_MESSAGE(w.until(TcpState::FinWait2, TcpState::CloseWait), w.trail() << "\n" << w.table());

    p.server.reset();  // passive close: CLOSE_WAIT -> LAST_ACK [TCP-FACTS 2.1; RFC 9293 Fig.12]
    REQUIRE_MESSAGE(w.until(TcpState::FinWait2, TcpState::LastAck), w.trail() << "\n" << w.table());
    CHECK(w.stays(TcpState::FinWait2, TcpState::LastAck, 50ms));

    // The client reads everything; the server's FIN follows the data: client TIME_WAIT, the
    // server's ACK-of-FIN arrives and the server's socket disappears.
    std::size_t got = 0;
    const IoResult r = drain_until_eof(p.client.get(), got);
    CHECK(r.n == 0);
    CHECK(got == sent);
    REQUIRE_MESSAGE(w.until(TcpState::TimeWait, gone), w.trail() << "\n" << w.table());
    p.client.reset();
    CHECK(w.stays(TcpState::TimeWait, gone, 100ms));
    check_timewait_timer(*w.client_entry());
    // Only the side that closes first enters TIME-WAIT [TCP-FACTS 2.1].
    CHECK_FALSE(w.server_ever(TcpState::TimeWait));
    CHECK(w.server_ever(TcpState::CloseWait));
    CHECK(w.server_ever(TcpState::LastAck));
    MESSAGE("passive close: " << w.trail() << " (" << sent << " bytes drained first)");
}

TEST_CASE("linux: both shutdown(SHUT_WR) before reading: the first closer ends in TIME_WAIT") {
    ENTER_NETNS_OR_SKIP();
    Pair p = connected_pair();
    Watch w(Tuple{p.client_port, p.listener.port});
    shutdown_wr(p.client.get());
    shutdown_wr(p.server.get());
    char c;
    CHECK(recv_with_timeout(p.client.get(), &c, 1).n == 0);
    CHECK(recv_with_timeout(p.server.get(), &c, 1).n == 0);
    p.client.reset();
    p.server.reset();
    // On loopback the client's FIN is normally processed before shutdown() returns, so the
    // server is already in CLOSE_WAIT when it shuts down: not a real simultaneous close. Only
    // this is deterministic: the client, whose FIN went first, ends in TIME_WAIT; the server
    // ends in TIME_WAIT (FINs crossed) or is gone (it was the passive side) [TCP-FACTS 2.1].
    REQUIRE_MESSAGE(wait_until([&] {
                        w.sample();
                        return w.client_state() == TcpState::TimeWait &&
                               (w.server_state() == gone || w.server_state() == TcpState::TimeWait);
                    }),
                    w.trail() << "\n" << w.table());
    CHECK(w.stays(TcpState::TimeWait, w.server_state(), 50ms));
    const std::string verdict = w.server_state() == gone
                                    ? "FINs did not cross; only the client is in TIME_WAIT"
                                    : "FINs crossed; both in TIME_WAIT";
    MESSAGE("shutdown on both, then read: " << w.trail() << "  => " << verdict);
}

TEST_CASE("linux: simultaneous close (FINs cross, forced by a closed window): CLOSING, both TIME_WAIT") {
    ENTER_NETNS_OR_SKIP();
    // The server's small receive buffer fills; the client's FIN queues behind unsent data, so
    // the server's FIN reaches the client while the client is still in FIN_WAIT1.
    Pair p = connected_pair({}, /*server_rcvbuf=*/4096);
    Watch w(Tuple{p.client_port, p.listener.port});
    const std::size_t sent = fill_until_eagain(p.client.get());
    REQUIRE(sent > 0);

    shutdown_wr(p.client.get());  // FIN_WAIT1, FIN not yet transmitted
    REQUIRE_MESSAGE(w.until(TcpState::FinWait1, TcpState::Established), w.trail() << "\n" << w.table());
    CHECK(w.stays(TcpState::FinWait1, TcpState::Established, 50ms));

    shutdown_wr(p.server.get());  // the server's FIN crosses: client FIN_WAIT1 -> CLOSING
    REQUIRE_MESSAGE(w.until(TcpState::Closing, TcpState::FinWait2), w.trail() << "\n" << w.table());

    std::size_t got = 0;
    CHECK(drain_until_eof(p.server.get(), got).n == 0);
    CHECK(got == sent);
    char c;
    CHECK(recv_with_timeout(p.client.get(), &c, 1).n == 0);
    // RFC 9293 Fig.13: both sides of a simultaneous close go through TIME-WAIT [TCP-FACTS 2.1].
    REQUIRE_MESSAGE(w.until(TcpState::TimeWait, TcpState::TimeWait), w.trail() << "\n" << w.table());
    p.client.reset();
    p.server.reset();
    CHECK(w.stays(TcpState::TimeWait, TcpState::TimeWait, 50ms));
    check_timewait_timer(*w.client_entry());
    check_timewait_timer(*w.server_entry());
    MESSAGE("simultaneous close: " << w.trail());
}

TEST_CASE("linux: SO_LINGER {1,0} then close(): RST, peer gets ECONNRESET, no TIME_WAIT") {
    ENTER_NETNS_OR_SKIP();
    Pair p = connected_pair();
    Watch w(Tuple{p.client_port, p.listener.port});
    REQUIRE(w.until(TcpState::Established, TcpState::Established));
    const auto on_data = counter("TCPAbortOnData");
    const auto on_close = counter("TCPAbortOnClose");

    const linger lg{1, 0};
    REQUIRE(::setsockopt(p.client.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0);
    p.client.reset();

    char c;
    const IoResult r = recv_with_timeout(p.server.get(), &c, 1);
    CHECK(r.n == -1);
    CHECK_MESSAGE(r.err == ECONNRESET, "recv error " << err_name(r.err));
    REQUIRE_MESSAGE(w.until(gone, gone), w.trail() << "\n" << w.table());
    p.server.reset();
    CHECK(w.stays(gone, gone, 100ms));
    // __tcp_close -> tcp_disconnect: RST, counted as TCPAbortOnData; no TIME-WAIT [TCP-FACTS 2.6].
    CHECK_FALSE(w.client_ever(TcpState::TimeWait));
    CHECK_FALSE(w.server_ever(TcpState::TimeWait));
    CHECK(counter("TCPAbortOnData") == on_data + 1);
    CHECK(counter("TCPAbortOnClose") == on_close);
    MESSAGE("SO_LINGER{1,0}: " << w.trail() << "; peer recv: " << err_name(r.err));
}

TEST_CASE("linux: close() with unread received data: RST, peer gets ECONNRESET, no TIME_WAIT") {
    ENTER_NETNS_OR_SKIP();
    Pair p = connected_pair();
    Watch w(Tuple{p.client_port, p.listener.port});
    const char msg[] = "unread";
    REQUIRE(::send(p.client.get(), msg, sizeof msg, MSG_NOSIGNAL) == static_cast<ssize_t>(sizeof msg));
    pollfd pfd{p.server.get(), POLLIN, 0};
    REQUIRE(::poll(&pfd, 1, 2000) == 1);  // the data is in the server's receive queue
    const auto on_data = counter("TCPAbortOnData");
    const auto on_close = counter("TCPAbortOnClose");

    p.server.reset();  // no linger, data unread

    char c;
    const IoResult r = recv_with_timeout(p.client.get(), &c, 1);
    CHECK(r.n == -1);
    CHECK_MESSAGE(r.err == ECONNRESET, "recv error " << err_name(r.err));
    REQUIRE_MESSAGE(w.until(gone, gone), w.trail() << "\n" << w.table());
    // The next send fails too (the error was consumed by recv: EPIPE now).
    const ssize_t s = ::send(p.client.get(), msg, 1, MSG_NOSIGNAL);
    const int send_err = errno;
    CHECK(s == -1);
    CHECK((send_err == EPIPE || send_err == ECONNRESET));
    p.client.reset();
    CHECK(w.stays(gone, gone, 100ms));
    // __tcp_close: data_was_unread -> CLOSE + active RST, counted as TCPAbortOnClose; no
    // TIME-WAIT [TCP-FACTS 2.6; RFC 9293 §3.6.1 SHLD-3].
    CHECK_FALSE(w.client_ever(TcpState::TimeWait));
    CHECK_FALSE(w.server_ever(TcpState::TimeWait));
    CHECK(counter("TCPAbortOnClose") == on_close + 1);
    CHECK(counter("TCPAbortOnData") == on_data);
    MESSAGE("close with unread data: " << w.trail() << "; peer recv: " << err_name(r.err)
                                       << ", then send: " << err_name(send_err));
}

namespace {

// A client-side TIME_WAIT entry 127.0.0.1:client_port -> 127.0.0.1:listener.port; the listener
// stays open so that the same 4-tuple can be connected again.
struct ClientTimeWait {
    Listener listener;
    std::uint16_t client_port = 0;
    std::chrono::steady_clock::time_point seen;  // first seen in TIME_WAIT (>= its creation)
};

ClientTimeWait make_client_timewait(bool reuseaddr) {
    ConnectOptions o;
    o.reuseaddr = reuseaddr;
    Pair p = connected_pair(o);
    Watch w(Tuple{p.client_port, p.listener.port});
    shutdown_wr(p.client.get());
    REQUIRE_MESSAGE(w.until(TcpState::FinWait2, TcpState::CloseWait), w.trail() << "\n" << w.table());
    p.server.reset();
    REQUIRE_MESSAGE(w.until(TcpState::TimeWait, gone), w.trail() << "\n" << w.table());
    const auto seen = std::chrono::steady_clock::now();
    p.client.reset();
    REQUIRE(w.stays(TcpState::TimeWait, gone, 10ms));
    return {std::move(p.listener), p.client_port, seen};
}

// A fresh socket bound to 127.0.0.1:port; `err` is 0 or the errno of bind().
struct Bound {
    Fd fd;
    int err = 0;
};

Bound bind_fresh(std::uint16_t port, bool reuseaddr) {
    Bound b{tcp_socket(), 0};
    if (reuseaddr) set_int_option(b.fd.get(), SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
    b.err = bind_loopback(b.fd.get(), AF_INET, port);
    return b;
}

// IP_LOCAL_PORT_RANGE (Linux 6.3, <linux/in.h>): per-socket ephemeral range, hi << 16 | lo.
constexpr int ip_local_port_range_opt = 51;

// connect() with the ephemeral port forced to `port`; 0 or the errno. Accepts on success.
int connect_from_ephemeral(const ClientTimeWait& tw) {
    Fd s = tcp_socket();
    set_int_option(s.get(), IPPROTO_IP, ip_local_port_range_opt,
                   static_cast<int>((static_cast<unsigned>(tw.client_port) << 16) | tw.client_port),
                   "IP_LOCAL_PORT_RANGE");
    const int err = connect_with_timeout(s.get(), AF_INET, tw.listener.port);
    if (err == 0) {
        CHECK(local_port(s.get()) == tw.client_port);
        Fd a = accept_with_timeout(tw.listener.fd.get());
        CHECK(state_of(Tuple{tw.client_port, tw.listener.port}) == TcpState::Established);
    }
    return err;
}

}  // namespace

TEST_CASE("linux: a TIME_WAIT 4-tuple and the reuse of its local port") {
    ENTER_NETNS_OR_SKIP();
    // The namespace's own defaults (a new namespace does not inherit the host's values).
    const std::string tw_reuse = read_sysctl("net/ipv4/tcp_tw_reuse");
    const std::string tw_delay = read_sysctl("net/ipv4/tcp_tw_reuse_delay");
    const std::string timestamps = read_sysctl("net/ipv4/tcp_timestamps");
    static bool reported = false;  // the SUBCASEs re-run this part
    if (!std::exchange(reported, true))
        MESSAGE("namespace defaults: tcp_tw_reuse=" << tw_reuse << " tcp_tw_reuse_delay="
                                                    << (tw_delay.empty() ? "(absent)" : tw_delay)
                                                    << " tcp_timestamps=" << timestamps);
    CHECK(tw_reuse == "2");  // default 2 = loopback only [TCP-FACTS 2.5]

    SUBCASE("bind() onto the port of a TIME_WAIT entry needs SO_REUSEADDR on both sockets") {
        // [TCP-FACTS 2.7] The TIME_WAIT entry keeps the old socket's reuse flag; the bind
        // conflict check (inet_bind_conflict) passes only when both have it.
        ClientTimeWait old_plain = make_client_timewait(false);
        const int a_plain = bind_fresh(old_plain.client_port, false).err;
        const int a_reuse = bind_fresh(old_plain.client_port, true).err;
        ClientTimeWait old_reuse = make_client_timewait(true);
        const int b_plain = bind_fresh(old_reuse.client_port, false).err;
        Bound b = bind_fresh(old_reuse.client_port, true);
        MESSAGE("bind() onto a TIME_WAIT port: old socket without SO_REUSEADDR -> new without: "
                << err_name(a_plain) << ", new with: " << err_name(a_reuse)
                << "; old socket with SO_REUSEADDR -> new without: " << err_name(b_plain)
                << ", new with: " << err_name(b.err));
        CHECK(a_plain == EADDRINUSE);
        CHECK(a_reuse == EADDRINUSE);
        CHECK(b_plain == EADDRINUSE);
        REQUIRE(b.err == 0);

        // That socket now connect()s the very 4-tuple held by TIME_WAIT. Its port was bound
        // explicitly, so tcp_twsk_unique() runs with twp == NULL and takes the TIME_WAIT entry
        // over whenever it recorded a peer timestamp, whatever tcp_tw_reuse says and without
        // tcp_tw_reuse_delay [TCP-FACTS 2.5 "reuse side effects"].
        const int err = connect_with_timeout(b.fd.get(), AF_INET, old_reuse.listener.port);
        MESSAGE("connect() of that socket to the same peer (same 4-tuple as the TIME_WAIT entry, "
                << std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - old_reuse.seen)
                       .count()
                << " ms after it appeared): " << err_name(err));
        if (timestamps != "0") {
            CHECK(err == 0);
            if (err == 0) {
                Fd a = accept_with_timeout(old_reuse.listener.fd.get());
                CHECK(state_of(Tuple{old_reuse.client_port, old_reuse.listener.port}) ==
                      TcpState::Established);
            }
        }
    }

    SUBCASE("connect() whose ephemeral port can only be the TIME_WAIT one: tcp_tw_reuse") {
        // The per-socket ephemeral range is forced onto the TIME_WAIT entry's port: connect()
        // goes through __inet_hash_connect -> tcp_twsk_unique(twp != NULL), which reuses the
        // entry only if tcp_tw_reuse allows it (2: loopback) and tcp_tw_reuse_delay ms have
        // passed since it entered TIME_WAIT [TCP-FACTS 2.5 "tw_reuse scope"].
        ClientTimeWait tw = make_client_timewait(false);
        const int early = connect_from_ephemeral(tw);
        MESSAGE("ephemeral connect() onto the TIME_WAIT 4-tuple at once: " << err_name(early));
        CHECK(early == EADDRNOTAVAIL);  // also EADDRNOTAVAIL with tw_reuse=0
        const int delay_ms = tw_delay.empty() ? 1000 : std::stoi(tw_delay);
        if (delay_ms > 3000) {
            MESSAGE("tcp_tw_reuse_delay too long to wait for here; not checking the late case");
            return;
        }
        std::this_thread::sleep_until(tw.seen + std::chrono::milliseconds(delay_ms) + 100ms);
        const int late = connect_from_ephemeral(tw);
        MESSAGE("... " << delay_ms + 100 << " ms after TIME_WAIT began: " << err_name(late));
        if (tw_reuse == "0" || timestamps == "0")
            CHECK(late == EADDRNOTAVAIL);
        else
            CHECK(late == 0);  // TIME_WAIT entry taken over before its 60 s ran out
    }
}

TEST_CASE("linux: active close over ::1 shows TIME_WAIT in /proc/net/tcp6") {
    ENTER_NETNS_OR_SKIP();
    ConnectOptions o;
    o.family = AF_INET6;
    Pair p;
    try {
        p = connected_pair(o);
    } catch (const std::system_error& e) {
        MESSAGE("SKIPPED (no IPv6 loopback in the namespace): " << e.what());
        return;
    }
    Watch w(Tuple{p.client_port, p.listener.port, AF_INET6});
    REQUIRE(w.until(TcpState::Established, TcpState::Established));
    CHECK(w.client_entry()->local_addr == "::1");
    p.client.reset();
    REQUIRE_MESSAGE(w.until(TcpState::FinWait2, TcpState::CloseWait), w.trail() << "\n" << w.table());
    p.server.reset();
    REQUIRE_MESSAGE(w.until(TcpState::TimeWait, gone), w.trail() << "\n" << w.table());
    check_timewait_timer(*w.client_entry());
    MESSAGE("IPv6 active close: " << w.trail());
}
