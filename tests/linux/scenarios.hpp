// Shared by the kernel test programs (test_linux_close.cpp, test_linux_profile.cpp): entering
// the private namespace once per process, watching the two ends of one loopback connection in
// /proc/net/tcp, and running a scenario as a list of steps whose settled states are recorded.
//
//   netns_unavailable_reason()  unshare once; "" when inside the private namespace
//   ENTER_NETNS_OR_SKIP()       in a doctest case: skip it with a message when there is none
//   Watch                       samples both ends, keeps each end's trail of states
//   KernelRun                   a connected pair + Watch + step(): act, let it settle, record
//
// No doctest here (ENTER_NETNS_OR_SKIP expands in test files only); unexpected failures throw.
#pragma once

#include "netns.hpp"
#include "tcp_table.hpp"

#include <array>
#include <chrono>
#include <cstring>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tcpv::linux_probe {

// unshare() once per process (doctest runs the cases in this one thread). Empty = inside.
inline const std::string& netns_unavailable_reason() {
    static const std::string reason = [] {
        std::string why;
        return enter_private_netns(why) ? std::string() : why;
    }();
    return reason;
}

#define ENTER_NETNS_OR_SKIP()                                                                    \
    do {                                                                                         \
        if (const std::string& why_ = ::tcpv::linux_probe::netns_unavailable_reason();          \
            !why_.empty()) {                                                                     \
            MESSAGE("SKIPPED (cannot create a private network namespace): " << why_);            \
            return;                                                                              \
        }                                                                                        \
    } while (0)

// A state as the table shows it, or gone: no entry (CLOSE sockets are not listed).
using Maybe = std::optional<TcpState>;
inline constexpr Maybe gone = std::nullopt;

inline std::string state_name(const Maybe& s) { return s ? to_string(*s) : "(gone)"; }

inline std::string err_name(int err) { return err == 0 ? std::string("ok") : std::string(std::strerror(err)); }

// Watches the two ends of one loopback connection in the table, recording every state change
// it samples (sampling every millisecond: very brief states can be missed, never invented).
class Watch {
public:
    explicit Watch(Tuple client) : t_{client, client.reversed()} {}

    void sample() {
        const auto table = read_tcp_table();
        sampled_at_ = std::chrono::steady_clock::now();
        for (int i = 0; i < 2; ++i) {
            now_[i] = find_entry(table, t_[i]);
            const Maybe st = now_[i] ? Maybe(now_[i]->state) : gone;
            if (trail_[i].empty() || trail_[i].back() != st) trail_[i].push_back(st);
        }
    }
    // Waits until the client end is in `c` and the server end in `s`.
    bool until(Maybe c, Maybe s, std::chrono::milliseconds timeout = default_timeout) {
        return wait_until(
            [&] {
                sample();
                return state(0) == c && state(1) == s;
            },
            timeout);
    }
    // Samples for `d` and says whether both ends stayed in (c, s) the whole time.
    bool stays(Maybe c, Maybe s, std::chrono::milliseconds d) {
        const auto end = std::chrono::steady_clock::now() + d;
        do {
            sample();
            if (state(0) != c || state(1) != s) return false;
            std::this_thread::sleep_for(1ms);
        } while (std::chrono::steady_clock::now() < end);
        return true;
    }
    // Samples until neither end has changed state for `quiet` (bounded by `timeout`); false
    // when the states were still changing at the timeout.
    bool settle(std::chrono::milliseconds quiet = 100ms, std::chrono::milliseconds timeout = default_timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        sample();
        std::pair<Maybe, Maybe> last{state(0), state(1)};
        auto since = std::chrono::steady_clock::now();
        for (;;) {
            std::this_thread::sleep_for(1ms);
            sample();
            const auto now = std::chrono::steady_clock::now();
            if (std::pair<Maybe, Maybe>{state(0), state(1)} != last) {
                last = {state(0), state(1)};
                since = now;
            } else if (now - since >= quiet) {
                return true;
            }
            if (now >= deadline) return false;
        }
    }
    Maybe client_state() const { return state(0); }
    Maybe server_state() const { return state(1); }
    const std::optional<TcpEntry>& client_entry() const { return now_[0]; }
    const std::optional<TcpEntry>& server_entry() const { return now_[1]; }
    std::chrono::steady_clock::time_point sampled_at() const { return sampled_at_; }
    bool client_ever(Maybe s) const { return ever(0, s); }
    bool server_ever(Maybe s) const { return ever(1, s); }
    const std::vector<Maybe>& client_trail() const { return trail_[0]; }
    const std::vector<Maybe>& server_trail() const { return trail_[1]; }
    std::string trail() const {
        std::string out;
        for (int i = 0; i < 2; ++i) {
            out += i == 0 ? "client " : "; server ";
            out += std::to_string(t_[i].local_port) + ":";
            for (std::size_t k = 0; k < trail_[i].size(); ++k)
                out += (k ? " -> " : " ") + state_name(trail_[i][k]);
        }
        return out;
    }
    std::string table() const { return describe_port(t_[0].remote_port); }

private:
    Maybe state(int i) const { return now_[i] ? Maybe(now_[i]->state) : gone; }
    bool ever(int i, Maybe s) const {
        for (const Maybe& x : trail_[i])
            if (x == s) return true;
        return false;
    }
    std::array<Tuple, 2> t_;
    std::array<std::optional<TcpEntry>, 2> now_{};
    std::array<std::vector<Maybe>, 2> trail_{};
    std::chrono::steady_clock::time_point sampled_at_{};
};

// A TcpExt counter of /proc/net/netstat or a Tcp counter of /proc/net/snmp; throws if absent.
inline std::uint64_t kernel_counter(std::string_view group, std::string_view name) {
    const std::string path = group == "Tcp" ? "/proc/net/snmp" : "/proc/net/netstat";
    const auto v = netstat_counter(group, name, path);
    if (!v) throw TcpTableError(std::string(group) + " counter " + std::string(name) + " missing in " + path);
    return *v;
}

// The RST-related counters of the namespace (per namespace: only this process's sockets).
struct RstCounters {
    std::uint64_t out_rsts = 0;          // Tcp OutRsts: RST segments sent
    std::uint64_t abort_on_data = 0;     // TcpExt TCPAbortOnData: SO_LINGER {1,0} (tcp_disconnect)
    std::uint64_t abort_on_close = 0;    // TcpExt TCPAbortOnClose: close() with unread data

    static RstCounters now() {
        return {kernel_counter("Tcp", "OutRsts"), kernel_counter("TcpExt", "TCPAbortOnData"),
                kernel_counter("TcpExt", "TCPAbortOnClose")};
    }
    RstCounters operator-(const RstCounters& o) const {
        return {out_rsts - o.out_rsts, abort_on_data - o.abort_on_data, abort_on_close - o.abort_on_close};
    }
};

// One step of a kernel scenario: what was done, and the settled states of both ends.
struct KernelStep {
    std::string what;
    Maybe client, server;
    std::optional<TcpEntry> client_entry, server_entry;
    std::chrono::steady_clock::time_point acted_at, sampled_at;
    bool settled = false;
};

// A loopback connection observed step by step: each step runs an action on the pair, waits
// until the table stops changing, and records the states of both ends.
class KernelRun {
public:
    explicit KernelRun(const ConnectOptions& o = {}, int server_rcvbuf = 0)
        : pair_(connected_pair(o, server_rcvbuf)),
          watch_(Tuple{pair_.client_port, pair_.listener.port, o.family}),
          before_(RstCounters::now()) {
        if (!watch_.until(TcpState::Established, TcpState::Established))
            throw std::runtime_error("the connection is not ESTABLISHED on both ends: " + watch_.trail() + "\n" +
                                     watch_.table());
    }

    Pair& pair() { return pair_; }
    Watch& watch() { return watch_; }

    const KernelStep& step(std::string what, const std::function<void(Pair&)>& action) {
        KernelStep s;
        s.what = std::move(what);
        s.acted_at = std::chrono::steady_clock::now();
        action(pair_);
        s.settled = watch_.settle();
        s.client = watch_.client_state();
        s.server = watch_.server_state();
        s.client_entry = watch_.client_entry();
        s.server_entry = watch_.server_entry();
        s.sampled_at = watch_.sampled_at();
        steps_.push_back(std::move(s));
        return steps_.back();
    }

    const std::vector<KernelStep>& steps() const { return steps_; }
    // Counter changes since the connection was made.
    RstCounters counters() const { return RstCounters::now() - before_; }
    std::string describe() const {
        std::string out = "kernel: " + watch_.trail() + "\n";
        for (const KernelStep& s : steps_)
            out += "  after \"" + s.what + "\": client " + state_name(s.client) + ", server " +
                   state_name(s.server) + (s.settled ? "" : " (still changing)") + "\n";
        return out + watch_.table();
    }

private:
    Pair pair_;
    Watch watch_;
    RstCounters before_;
    std::vector<KernelStep> steps_;
};

}  // namespace tcpv::linux_probe
