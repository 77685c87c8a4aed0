// tcpv's Linux profile held against the real kernel. For each release scenario the reference
// endpoints configured from `profiles::linux_6` predict what happens (profile_predictions.hpp);
// the same scenario runs on loopback inside a private network namespace (scenarios.hpp) and the
// kernel's /proc/net/tcp and counters say what did happen. Each field of the prediction is
// checked against its observation: the settled states after each step, each side's trail of
// states (the kernel's, sampled every millisecond, must lie on the predicted path in order),
// who is in TIME-WAIT, the RSTs sent and why, the peer's ECONNRESET, and the TIME-WAIT and
// FIN-WAIT-2 timers against the profile's durations.
//
// Needs root for the namespace; without it the kernel cases print "SKIPPED ..." and pass (the
// model-only cases still run). Every blocking step is bounded (2 s); nothing waits for TIME_WAIT
// to expire; the program takes about two seconds.
//
// Two cases found disagreements that were fixed in the model (the order of the abort rows, and
// FIN-WAIT-2's limit only for an orphan); they now pass like the others.
//
// [TCP-FACTS x.y] cites a section of the project's fact sheet TCP-FACTS.md.
#include "profile_predictions.hpp"
#include "scenarios.hpp"

#include <doctest/doctest.h>

#include <sys/socket.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

using namespace tcpv::linux_probe;
using namespace std::chrono_literals;
namespace tcp = tcpv::tcp;
namespace predict = tcpv::linux_probe::predict;
using tcp::state_id;

namespace {

const tcp::profile& linux_profile = tcp::profiles::linux_6;

// The kernel's state as the model names it; no entry (gone) is CLOSED.
state_id model_state(const Maybe& s) {
    if (!s) return state_id::closed;
    switch (*s) {
        case TcpState::Established: return state_id::established;
        case TcpState::SynSent: return state_id::syn_sent;
        case TcpState::SynRecv: return state_id::syn_received;
        case TcpState::FinWait1: return state_id::fin_wait_1;
        case TcpState::FinWait2: return state_id::fin_wait_2;
        case TcpState::TimeWait: return state_id::time_wait;
        case TcpState::Close: return state_id::closed;
        case TcpState::CloseWait: return state_id::close_wait;
        case TcpState::LastAck: return state_id::last_ack;
        case TcpState::Listen: return state_id::listen;
        case TcpState::Closing: return state_id::closing;
    }
    return state_id::closed;
}

std::string name(state_id s) { return std::string(tcp::rfc_name(s)); }
std::string name(const Maybe& s) { return name(model_state(s)); }

std::string path(const std::vector<state_id>& t) {
    std::string out;
    for (const state_id s : t) out += (out.empty() ? "" : " -> ") + name(s);
    return out;
}
std::vector<state_id> model_trail(const std::vector<Maybe>& t) {
    std::vector<state_id> out;
    for (const Maybe& s : t)
        if (out.empty() || out.back() != model_state(s)) out.push_back(model_state(s));
    return out;
}

// Whether `seen` appears in `predicted` in order (sampling may miss a brief state, never add one).
bool on_path(const std::vector<state_id>& seen, const std::vector<state_id>& predicted) {
    std::size_t k = 0;
    for (const state_id s : predicted)
        if (k < seen.size() && seen[k] == s) ++k;
    return k == seen.size();
}

// The states after each step, the trails, and who was ever in TIME-WAIT.
void compare_states(const predict::outcome& p, const KernelRun& k) {
    INFO("prediction (Linux profile):\n" << p.trace());
    INFO(k.describe());
    REQUIRE(k.steps().size() == p.steps.size());
    for (std::size_t i = 0; i < p.steps.size(); ++i) {
        const KernelStep& ks = k.steps()[i];
        CAPTURE(ks.what);
        CHECK(ks.settled);
        CHECK(name(ks.client) == name(p.steps[i].a));
        CHECK(name(ks.server) == name(p.steps[i].b));
    }
}

void compare_trails(const predict::outcome& p, const Watch& w, const KernelRun& k) {
    INFO("prediction (Linux profile):\n" << p.trace());
    INFO(k.describe());
    const auto seen_a = model_trail(w.client_trail());
    const auto seen_b = model_trail(w.server_trail());
    CHECK_MESSAGE(on_path(seen_a, p.a.trail), "A: kernel " << path(seen_a) << " vs predicted " << path(p.a.trail));
    CHECK_MESSAGE(on_path(seen_b, p.b.trail), "B: kernel " << path(seen_b) << " vs predicted " << path(p.b.trail));
    CHECK(w.client_ever(TcpState::TimeWait) == p.a.ever(state_id::time_wait));
    CHECK(w.server_ever(TcpState::TimeWait) == p.b.ever(state_id::time_wait));
}

// The RSTs: how many were sent, why, and whether the peer saw ECONNRESET.
void compare_rsts(const predict::outcome& p, const RstCounters& c, int peer_recv_err) {
    INFO("prediction (Linux profile):\n" << p.trace());
    CHECK(c.out_rsts == std::uint64_t(p.a.rsts_sent + p.b.rsts_sent));
    const predict::abort_path seen = c.abort_on_data == 1 && c.abort_on_close == 0   ? predict::abort_path::linger_zero
                                     : c.abort_on_close == 1 && c.abort_on_data == 0 ? predict::abort_path::unread_data
                                     : c.abort_on_close == 0 && c.abort_on_data == 0 ? predict::abort_path::none
                                                                                     : predict::abort_path(99);
    CHECK(std::string(predict::to_string(seen)) == std::string(predict::to_string(p.abort)));
    // The peer's recv(): ECONNRESET exactly when B's connection ended by a RST.
    CHECK((peer_recv_err == ECONNRESET) == (p.b.how == tcp::ending::reset));
    CHECK((p.a.how == tcp::ending::aborted) == (p.abort != predict::abort_path::none));
}

// The real length of a timer the kernel shows: what is left plus what has passed since the
// action that started it (an upper estimate by the settling time, some 100 ms).
std::chrono::milliseconds kernel_timer_length(const KernelStep& s, const TcpEntry& e) {
    return e.timer_remaining() + std::chrono::duration_cast<std::chrono::milliseconds>(s.sampled_at - s.acted_at);
}

std::chrono::milliseconds distance(std::chrono::milliseconds a, std::chrono::milliseconds b) {
    return a > b ? a - b : b - a;
}

// The kernel's TIME_WAIT entry (client side of step `i`) against the profile's TIME-WAIT.
void compare_time_wait(const predict::outcome& p, const KernelStep& s, const TcpEntry& e) {
    INFO(e.describe());
    REQUIRE(e.state == TcpState::TimeWait);
    CHECK(e.timer == TimerKind::TimeWait);
    CHECK(e.inode == 0);
    const auto kernel = kernel_timer_length(s, e);
    // The profile's duration: TCP_TIMEWAIT_LEN, 60 s [TCP-FACTS 2.2].
    CHECK(distance(kernel, linux_profile.time_wait) <= 2s);
    // The model's: TIME-WAIT lasted config.time_wait ticks of the scaled profile, within one
    // tick of the profile's duration (scaling rounds and keeps TIME-WAIT = 2*MSL).
    const auto model = p.tick * p.a.time_wait_ticks;
    CHECK(p.a.time_wait_ticks == p.config_a.time_wait);
    CHECK(distance(model, linux_profile.time_wait) <= p.tick);
    MESSAGE("TIME-WAIT: kernel timer " << kernel.count() << " ms, profile " << linux_profile.time_wait.count()
                                       << " ms, model " << p.a.time_wait_ticks << " ticks x " << p.tick.count()
                                       << " ms = " << model.count() << " ms");
}

std::string summary(const predict::outcome& p, const KernelRun& k) {
    std::string out = "\n  predicted: A " + path(p.a.trail) + "; B " + path(p.b.trail) + "\n  observed:  " +
                      k.describe().substr(0, k.describe().find('\n'));
    for (std::size_t i = 0; i < p.steps.size() && i < k.steps().size(); ++i)
        out += "\n    \"" + p.steps[i].what + "\": predicted (" + name(p.steps[i].a) + ", " + name(p.steps[i].b) +
               "), kernel (" + name(k.steps()[i].client) + ", " + name(k.steps()[i].server) + ")";
    return out;
}

void shutdown_wr(int fd) {
    if (::shutdown(fd, SHUT_WR) != 0) throw_errno("shutdown(SHUT_WR)");
}

int peer_recv_error(int fd) {
    char c;
    const IoResult r = recv_with_timeout(fd, &c, 1);
    return r.n == -1 ? r.err : 0;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The profile's knobs (no kernel needed) and the namespace's defaults
// ---------------------------------------------------------------------------------------------

TEST_CASE("linux profile: the endpoint configuration the predictions use") {
    const tcp::endpoint_config c = predict::linux_config();
    const auto t = predict::linux_timing();
    CHECK(t.broken_orders.empty());
    CHECK_FALSE(c.rfc1337);
    CHECK(c.rst_on_unread);
    CHECK_FALSE(c.linger_abort);
    CHECK(c.time_wait > 0);
    CHECK(c.fin_wait_2 == c.time_wait);  // tcp_fin_timeout = TCP_TIMEWAIT_LEN = 60 s
    MESSAGE("Linux profile scaled: tick " << t.tick.count() << " ms, TIME-WAIT " << int(c.time_wait)
                                          << " ticks, FIN-WAIT-2 " << int(c.fin_wait_2) << " ticks, MSL " << t.msl
                                          << " ticks, RTO " << int(c.rto) << " x " << int(c.max_retries));
}

TEST_CASE("linux profile: knobs match the kernel's defaults in a fresh namespace") {
    ENTER_NETNS_OR_SKIP();
    const auto sysctl = [](const char* n) { return read_sysctl(std::string("net/ipv4/") + n); };
    INFO("tcp_rfc1337=" << sysctl("tcp_rfc1337") << " tcp_fin_timeout=" << sysctl("tcp_fin_timeout")
                        << " tcp_timestamps=" << sysctl("tcp_timestamps") << " tcp_syn_retries="
                        << sysctl("tcp_syn_retries") << " tcp_synack_retries=" << sysctl("tcp_synack_retries")
                        << " tcp_orphan_retries=" << sysctl("tcp_orphan_retries"));
    CHECK((sysctl("tcp_rfc1337") == "1") == linux_profile.rfc1337);
    CHECK(std::chrono::seconds(std::atoi(sysctl("tcp_fin_timeout").c_str())) == linux_profile.fin_wait_2);
    CHECK((sysctl("tcp_timestamps") != "0") == linux_profile.timestamps);
    CHECK(std::atoi(sysctl("tcp_syn_retries").c_str()) == linux_profile.syn_retries);
    CHECK(std::atoi(sysctl("tcp_synack_retries").c_str()) == linux_profile.synack_retries);
    // 0 means 8 for a socket that sent something recently (tcp_orphan_retries(), tcp_timer.c).
    CHECK(sysctl("tcp_orphan_retries") == "0");
    CHECK(linux_profile.fin_retries == 8);
}

// ---------------------------------------------------------------------------------------------
// (a) Active close
// ---------------------------------------------------------------------------------------------

TEST_CASE("linux profile vs kernel: active close (A TIME-WAIT, B CLOSE-WAIT -> LAST-ACK -> CLOSED)") {
    const predict::outcome p = predict::active_close();
    // The prediction on its own.
    CHECK(p.a.trail == std::vector<state_id>{state_id::established, state_id::fin_wait_1, state_id::fin_wait_2,
                                             state_id::time_wait, state_id::closed});
    CHECK(p.b.trail ==
          std::vector<state_id>{state_id::established, state_id::close_wait, state_id::last_ack, state_id::closed});
    CHECK(p.a.how == tcp::ending::graceful);
    CHECK(p.b.how == tcp::ending::graceful);

    ENTER_NETNS_OR_SKIP();
    KernelRun k;
    const KernelStep fw2 = k.step("A: CLOSE", [](Pair& c) { c.client.reset(); });  // a copy: steps() grows
    int server_eof = -1;
    k.step("B: CLOSE", [&](Pair& c) {
        char ch;
        server_eof = static_cast<int>(recv_with_timeout(c.server.get(), &ch, 1).n);  // B reads A's FIN
        c.server.reset();
    });
    compare_states(p, k);
    compare_trails(p, k.watch(), k);
    compare_rsts(p, k.counters(), 0);
    CHECK(server_eof == 0);  // B saw the FIN as end of file: predicted CLOSE-WAIT
    CHECK(p.b.ever(state_id::close_wait));

    // FIN-WAIT-2 after close(): the kernel keeps the orphan for tcp_fin_timeout (a timewait
    // mini-socket, substate FIN_WAIT2) [TCP-FACTS 2.5]; the model arms its FIN-WAIT-2 limit.
    REQUIRE(fw2.client_entry.has_value());
    {
        INFO(fw2.client_entry->describe());
        CHECK((fw2.client_entry->timer != TimerKind::None) == (p.after(0).a_wait_timer > 0));
        const auto kernel = kernel_timer_length(fw2, *fw2.client_entry);
        CHECK(distance(kernel, linux_profile.fin_wait_2) <= 2s);
        CHECK(p.after(0).a_wait_timer == p.config_a.fin_wait_2);
        MESSAGE("FIN-WAIT-2 limit: kernel timer " << kernel.count() << " ms, profile "
                                                  << linux_profile.fin_wait_2.count() << " ms, model "
                                                  << int(p.after(0).a_wait_timer) << " ticks");
    }
    REQUIRE(k.steps().back().client_entry.has_value());
    compare_time_wait(p, k.steps().back(), *k.steps().back().client_entry);
    MESSAGE("active close:" << summary(p, k));
}

// ---------------------------------------------------------------------------------------------
// (b), (c) Abortive closes
// ---------------------------------------------------------------------------------------------

TEST_CASE("linux profile vs kernel: SO_LINGER {1,0} close sends RST, no TIME-WAIT, peer reset") {
    const predict::outcome p = predict::linger_zero_close();
    CHECK(p.abort == predict::abort_path::linger_zero);
    CHECK(p.a.rsts_sent == 1);
    CHECK(p.a.how == tcp::ending::aborted);
    CHECK(p.b.how == tcp::ending::reset);
    CHECK_FALSE(p.a.ever(state_id::time_wait));

    ENTER_NETNS_OR_SKIP();
    KernelRun k;
    k.step("A: CLOSE with SO_LINGER {1,0}", [](Pair& c) {
        const linger lg{1, 0};
        if (::setsockopt(c.client.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg) != 0) throw_errno("SO_LINGER");
        c.client.reset();
    });
    const int err = peer_recv_error(k.pair().server.get());
    compare_states(p, k);
    compare_trails(p, k.watch(), k);
    compare_rsts(p, k.counters(), err);
    MESSAGE("SO_LINGER {1,0}:" << summary(p, k) << "\n    peer recv: " << err_name(err) << "; kernel counters: OutRsts +"
                                << k.counters().out_rsts << ", TCPAbortOnData +" << k.counters().abort_on_data);
}

TEST_CASE("linux profile vs kernel: close with unread data sends RST, no TIME-WAIT, peer reset") {
    const predict::outcome p = predict::unread_data_close();
    CHECK(p.abort == predict::abort_path::unread_data);
    CHECK(p.a.rsts_sent == 1);
    CHECK(p.b.how == tcp::ending::reset);
    CHECK_FALSE(p.a.ever(state_id::time_wait));

    ENTER_NETNS_OR_SKIP();
    KernelRun k;
    k.step("B: sends one byte; A does not read it", [](Pair& c) {
        if (::send(c.server.get(), "x", 1, MSG_NOSIGNAL) != 1) throw_errno("send");
        pollfd pfd{c.client.get(), POLLIN, 0};
        if (::poll(&pfd, 1, 2000) != 1) throw_errno("poll: the byte did not arrive", ETIMEDOUT);
    });
    k.step("A: CLOSE with unread data", [](Pair& c) { c.client.reset(); });
    const int err = peer_recv_error(k.pair().server.get());
    compare_states(p, k);
    compare_trails(p, k.watch(), k);
    compare_rsts(p, k.counters(), err);
    MESSAGE("unread data:" << summary(p, k) << "\n    peer recv: " << err_name(err) << "; kernel counters: OutRsts +"
                            << k.counters().out_rsts << ", TCPAbortOnClose +" << k.counters().abort_on_close);
}

TEST_CASE("linux profile vs kernel: unread data AND SO_LINGER {1,0}: the unread-data abort comes first") {
    // Both abort rows apply. __tcp_close checks unread data first ("Check zero linger _after_
    // checking for unread data", TCPAbortOnClose) [TCP-FACTS 2.6]; the table lists the
    // SO_LINGER row first. Same RST and states; the row (and its citation) differ.
    const predict::outcome p = predict::unread_data_close(/*linger_zero=*/true);
    ENTER_NETNS_OR_SKIP();
    KernelRun k;
    k.step("B: sends one byte; A does not read it", [](Pair& c) {
        if (::send(c.server.get(), "x", 1, MSG_NOSIGNAL) != 1) throw_errno("send");
        pollfd pfd{c.client.get(), POLLIN, 0};
        if (::poll(&pfd, 1, 2000) != 1) throw_errno("poll: the byte did not arrive", ETIMEDOUT);
    });
    k.step("A: CLOSE with unread data and SO_LINGER {1,0}", [](Pair& c) {
        const linger lg{1, 0};
        if (::setsockopt(c.client.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg) != 0) throw_errno("SO_LINGER");
        c.client.reset();
    });
    const int err = peer_recv_error(k.pair().server.get());
    compare_states(p, k);
    compare_trails(p, k.watch(), k);
    compare_rsts(p, k.counters(), err);  // the abort path disagrees
    MESSAGE("unread data + SO_LINGER {1,0}: predicted abort row " << std::string(predict::to_string(p.abort))
                                                                  << "; kernel counters TCPAbortOnClose +"
                                                                  << k.counters().abort_on_close
                                                                  << ", TCPAbortOnData +"
                                                                  << k.counters().abort_on_data);
}

// ---------------------------------------------------------------------------------------------
// (d) Simultaneous close
// ---------------------------------------------------------------------------------------------

TEST_CASE("linux profile: simultaneous close with crossing FINs: both CLOSING, then both TIME-WAIT") {
    // Model only: loopback cannot keep both FINs on the wire while the ACKs wait (each arriving
    // FIN is ACKed at once, and the ACK overtakes a FIN still held in the peer's send queue);
    // that needs a delaying qdisc (netem), which these tests do not assume.
    const predict::outcome p = predict::simultaneous_close(predict::crossing::fins_cross);
    REQUIRE(p.steps.size() == 4);
    CHECK(p.after(1).a == state_id::fin_wait_1);
    CHECK(p.after(1).b == state_id::fin_wait_1);
    CHECK(p.after(2).a == state_id::closing);
    CHECK(p.after(2).b == state_id::closing);
    CHECK(p.after(3).a == state_id::time_wait);
    CHECK(p.after(3).b == state_id::time_wait);
    CHECK(p.a.how == tcp::ending::graceful);
    CHECK(p.b.how == tcp::ending::graceful);
    CHECK(p.a.time_wait_ticks == p.config_a.time_wait);
    CHECK(p.b.time_wait_ticks == p.config_b.time_wait);
}

TEST_CASE("linux profile vs kernel: simultaneous close, A's FIN held behind data: CLOSING, both TIME-WAIT") {
    const predict::outcome p = predict::simultaneous_close(predict::crossing::a_fin_held);
    ENTER_NETNS_OR_SKIP();
    KernelRun k({}, /*server_rcvbuf=*/4096);
    if (fill_until_eagain(k.pair().client.get()) == 0) throw std::runtime_error("nothing sent");
    k.step("A: SHUTDOWN, its FIN held behind data", [](Pair& c) { shutdown_wr(c.client.get()); });
    k.step("B: SHUTDOWN", [](Pair& c) { shutdown_wr(c.server.get()); });
    k.step("B reads: A's FIN arrives", [](Pair& c) {
        std::size_t got = 0;
        if (drain_until_eof(c.server.get(), got).n != 0) throw std::runtime_error("server: no EOF");
    });
    compare_states(p, k);
    compare_trails(p, k.watch(), k);
    compare_rsts(p, k.counters(), 0);
    CHECK(k.watch().client_ever(TcpState::Closing) == p.a.ever(state_id::closing));
    REQUIRE(k.steps().back().client_entry.has_value());
    compare_time_wait(p, k.steps().back(), *k.steps().back().client_entry);
    MESSAGE("simultaneous close, one FIN held:" << summary(p, k));
}

TEST_CASE("linux profile vs kernel: simultaneous close, both FINs held: both FIN-WAIT-1, both TIME-WAIT") {
    const predict::outcome p = predict::simultaneous_close(predict::crossing::both_fins_held);
    ENTER_NETNS_OR_SKIP();
    ConnectOptions o;
    o.rcvbuf = 4096;
    KernelRun k(o, /*server_rcvbuf=*/4096);
    if (fill_until_eagain(k.pair().client.get()) == 0 || fill_until_eagain(k.pair().server.get()) == 0)
        throw std::runtime_error("nothing sent");
    k.step("A: SHUTDOWN, its FIN held behind data", [](Pair& c) { shutdown_wr(c.client.get()); });
    k.step("B: SHUTDOWN, its FIN held behind data", [](Pair& c) { shutdown_wr(c.server.get()); });
    k.step("B reads: A's FIN arrives", [](Pair& c) {
        std::size_t got = 0;
        if (drain_until_eof(c.server.get(), got).n != 0) throw std::runtime_error("server: no EOF");
    });
    k.step("A reads: B's FIN arrives", [](Pair& c) {
        std::size_t got = 0;
        if (drain_until_eof(c.client.get(), got).n != 0) throw std::runtime_error("client: no EOF");
    });
    compare_states(p, k);
    compare_trails(p, k.watch(), k);
    compare_rsts(p, k.counters(), 0);
    CHECK(k.watch().server_ever(TcpState::Closing) == p.b.ever(state_id::closing));
    REQUIRE(k.steps().back().client_entry.has_value());
    compare_time_wait(p, k.steps().back(), *k.steps().back().client_entry);
    MESSAGE("simultaneous close, both FINs held:" << summary(p, k));
}

// ---------------------------------------------------------------------------------------------
// (e) The passive closer
// ---------------------------------------------------------------------------------------------

TEST_CASE("linux profile vs kernel: the passive closer: CLOSE-WAIT, LAST-ACK, never TIME-WAIT") {
    const predict::outcome p = predict::passive_close();
    CHECK_FALSE(p.b.ever(state_id::time_wait));
    CHECK(p.b.ever(state_id::close_wait));
    CHECK(p.b.ever(state_id::last_ack));
    CHECK(p.b.how == tcp::ending::graceful);

    ENTER_NETNS_OR_SKIP();
    ConnectOptions o;
    o.rcvbuf = 4096;  // A does not read: B's FIN waits behind data, LAST-ACK lasts
    KernelRun k(o);
    if (fill_until_eagain(k.pair().server.get()) == 0) throw std::runtime_error("nothing sent");
    k.step("A: SHUTDOWN", [](Pair& c) { shutdown_wr(c.client.get()); });
    k.step("B: CLOSE, its FIN held behind data", [](Pair& c) { c.server.reset(); });
    k.step("A reads: B's FIN arrives", [](Pair& c) {
        std::size_t got = 0;
        if (drain_until_eof(c.client.get(), got).n != 0) throw std::runtime_error("client: no EOF");
    });
    compare_states(p, k);
    compare_trails(p, k.watch(), k);
    compare_rsts(p, k.counters(), 0);
    CHECK(k.watch().server_ever(TcpState::CloseWait) == p.b.ever(state_id::close_wait));
    CHECK(k.watch().server_ever(TcpState::LastAck) == p.b.ever(state_id::last_ack));
    REQUIRE(k.steps().back().client_entry.has_value());
    compare_time_wait(p, k.steps().back(), *k.steps().back().client_entry);
    MESSAGE("passive close:" << summary(p, k));
}

// ---------------------------------------------------------------------------------------------
// FIN-WAIT-2 limit after SHUTDOWN
// ---------------------------------------------------------------------------------------------

TEST_CASE("linux profile vs kernel: the FIN-WAIT-2 limit applies only after close()") {
    // Linux bounds FIN_WAIT2 only for an orphan (tcp_rcv_state_process, TCP_FIN_WAIT1: without
    // SOCK_DEAD it just wakes the user; tcp_fin_timeout starts in __tcp_close when the descriptor
    // is closed) [TCP-FACTS 2.5]. The table arms the FIN-WAIT-2 timer on entering FIN-WAIT-2,
    // after SHUTDOWN as after CLOSE, and a later CLOSE in FIN-WAIT-2 is refused (no restart).
    const predict::outcome p = predict::shutdown_then_close_in_fin_wait_2();
    ENTER_NETNS_OR_SKIP();
    KernelRun k;
    const KernelStep s1 = k.step("A: SHUTDOWN", [](Pair& c) { shutdown_wr(c.client.get()); });
    std::this_thread::sleep_for(200ms);  // the model's timer would be running by now
    const KernelStep s2 = k.step("A: CLOSE", [](Pair& c) { c.client.reset(); });
    compare_states(p, k);
    REQUIRE(s1.client_entry.has_value());
    REQUIRE(s2.client_entry.has_value());
    INFO("after SHUTDOWN: " << s1.client_entry->describe() << "; after close(): " << s2.client_entry->describe());
    const bool kernel_after_shutdown = s1.client_entry->timer != TimerKind::None;
    const bool kernel_after_close = s2.client_entry->timer != TimerKind::None;
    CHECK_FALSE(kernel_after_shutdown);
    CHECK(kernel_after_close);
    CHECK(distance(kernel_timer_length(s2, *s2.client_entry), linux_profile.fin_wait_2) <= 2s);
    // The disagreement: the model's timer runs from SHUTDOWN.
    CHECK(kernel_after_shutdown == (p.after(0).a_wait_timer > 0));
    MESSAGE("FIN-WAIT-2 timer after SHUTDOWN: kernel " << std::string(kernel_after_shutdown ? "armed" : "none")
                                                       << ", model " << int(p.after(0).a_wait_timer)
                                                       << " ticks; after close(): kernel "
                                                       << s2.client_entry->timer_remaining().count()
                                                       << " ms left, model " << int(p.after(1).a_wait_timer)
                                                       << " ticks (" << p.steps[1].what << ")");
}
