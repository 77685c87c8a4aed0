#pragma once
/// \file tcpv/tcp/linux/tun_adapter.hpp
/// THE LINUX ADAPTER: the kernel's TCP as an implementation under test for the conformance
/// drivers (tcpv/conformance.hpp), segment by segment, through a TUN device.
///
/// The kernel side is a socket on 10.0.0.1 (the TUN device's address); tcpv plays the peer,
/// 10.0.0.2, which exists only as packets written into and read from the device. Inputs:
/// - a user call becomes a socket call: OPEN(active) = connect(), OPEN(passive) = listen()
///   (the connection is accept()ed as soon as it is ready, and the listener then closed: the
///   model's TCB is one connection), CLOSE = close(), SHUTDOWN = shutdown(SHUT_WR),
///   ABORT = SO_LINGER {1, 0} then close(). SEND is not supported (the model's SEND carries no
///   payload);
/// - an arriving segment is written into the device, its abstract numbers mapped to real ones;
/// - a tick lets `tick` of real time pass (the kernel's timers run; see tun_options).
/// The output is what the kernel sent on this connection's ports within a bounded wait; the
/// observation is tcpi_state of TCP_INFO while a descriptor exists, else inet_diag's entry
/// for the 4-tuple (TIME-WAIT, orphans, request sockets), else LISTEN while the listener is
/// open, else CLOSED.
///
/// Numbers. The models count sequence numbers modulo 16 from small ISSs; the adapter maps
/// each side through an anchor: the peer's abstract ISS (peer_environment's 8) is a fixed real
/// number, and the kernel's real ISN, read from the first SYN it sends on a connection, is the
/// reference's ISS (endpoint_config::iss_step after a reset; one more step per new connection).
/// A real value is anchor + the abstract distance in [-8, 8), so a handful of segments per
/// connection map both ways. A RST with real SEQ 0 keeps SEQ 0 (RFC 9293 §3.5.2: a reset
/// answering a segment without ACK has sequence number zero).
///
/// Timestamps (RFC 7323) follow `endpoint_config::timestamps`: on, the namespace keeps Linux's
/// default net.ipv4.tcp_timestamps = 1; off, the adapter writes 0 there (both on every
/// reconfigure). With them on, three mappings:
/// - The kernel's TSval -> abstract. Linux's TSval is a millisecond clock plus a random offset
///   (tcp_clock_ms() + tp->tsoffset, the offset from secure_tcp_ts_off(), keyed by the address
///   pair); the clock is CLOCK_MONOTONIC (tcp_clock_ns() = ktime_get_ns()), the same clock as
///   std::chrono::steady_clock here. The adapter recovers the offset: every segment read at
///   local time R (ms) with TSval V was sent at or before R, so offset >= V - R, and the
///   largest such bound seen on the connection is taken (exact to the read latency, a few ms
///   at most). V - offset is then the moment the kernel sent the segment, and its abstract
///   value is the reference's clock at that moment: 1 + the number of ticks begun by then,
///   modulo 15 on 1..15 (the reference's ts_clock starts at 1 and moves once per tick, at
///   the tick's start). The reference's clock therefore agrees with the kernel's exactly when
///   the kernel stamps its segments with the time it sends them; a segment sent in answer
///   to an input is at least `quiet` (20 ms) away from the next tick's start, and a timer's
///   segment (the 200 ms RTO) lies well inside its tick, so the mapping is deterministic.
///   A segment without the option has tsval 0.
/// - The peer's abstract TSval -> real. The values are unwrapped relative to the newest value
///   sent on the connection (a distance in [-7, 7] on the 1..15 circle, `timestamp_older`'s
///   comparison), and each abstract step is `peer_ts_step` (1000) real units from a fixed
///   base: the real values are monotonic whenever the abstract ones are newer or equal, and
///   an abstract value older than TS.Recent becomes a real value 1000 or more older than the
///   kernel's ts_recent, which its PAWS test (tcp_paws_check: more than TCP_PAWS_WINDOW = 1
///   older) and its exemption for disordered pure ACKs (within the RTO, about 200 units)
///   both treat as old.
/// - TSecr: the newest TSval the kernel sent on the connection, on every peer segment with
///   ACK; 0 on a segment without ACK (RFC 7323 §3.2). Linux checks TSecr on a SYN+ACK in
///   SYN-SENT (tcp_rcv_synsent_state_process: between the SYN's send time and now, else
///   RST; 0 passes), and uses it for RTT samples; elsewhere it is not checked.
/// Negotiation: the peer's segments carry the option when the model's segment has a TSval;
/// the scenarios give every peer segment one when timestamps are on, the SYN included, so
/// the kernel negotiates them (RFC 7323 §3.2: both SYNs must carry the option).
///
/// Preconditions: the calling thread is in a private network namespace that the test created
/// (tun_device refuses any other), as root. reset() gives a fresh connection on fresh ports,
/// so what the previous one left (TIME-WAIT, orphans) never meets the next.

#include <tcpv/tcp/conformance.hpp>
#include <tcpv/tcp/endpoint.hpp>

#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "inet_diag.hpp"
#include "tun_device.hpp"

namespace tcpv::tcp::linux_tun {

using namespace std::chrono_literals;

/// How the adapter drives the kernel.
struct tun_options {
    bool linger_zero = false;     ///< SO_LINGER {1, 0} on the kernel's socket (endpoint_config::linger_abort)
    int backlog = 16;             ///< listen() backlog
    bool accept_connections = true;  ///< accept() the connection once it is ready
    bool keep_listener = false;   ///< keep the listener open after accept() (Linux's SYN-in-TIME-WAIT reopening needs one)
    std::chrono::milliseconds reply_wait = 60ms;  ///< how long to wait for the first segment of an answer
    std::chrono::milliseconds quiet = 20ms;       ///< after a segment, how long until the answer counts as complete
    std::chrono::milliseconds tick = 300ms;       ///< real time per tick (above Linux's 200 ms minimum RTO)
    std::uint32_t peer_ts_step = 1000;            ///< real TSval units per abstract step of the peer's clock
};

/// Writes a sysctl of the current network namespace ("net/ipv4/tcp_rfc1337"); throws tun_error.
inline void set_sysctl(const std::string& name, const std::string& value) {
    std::ofstream f("/proc/sys/" + name);
    if (!(f << value << '\n').flush()) throw tun_error("cannot write /proc/sys/" + name + " = " + value);
}

/// The Linux kernel's TCP through a TUN device (see the file comment).
class tun_adapter {
public:
    using input = conformance::input;
    using output = conformance::output;
    using observation = conformance::observation;

    static constexpr std::uint32_t kernel_address = 0x0a000001;  ///< 10.0.0.1, the TUN device
    static constexpr std::uint32_t peer_address = 0x0a000002;    ///< 10.0.0.2, tcpv's peer

    /// `model`: the reference's configuration (its ISS step and SO_LINGER knob are mirrored);
    /// `peer_iss`: the abstract ISS the peer uses (peer_environment::peer_iss).
    explicit tun_adapter(const endpoint_config& model, tun_options options = {}, seq_t peer_iss = 8)
        : model_(model), options_(options), peer_iss_(peer_iss), device_("tcpv0", kernel_address, 24) {
        set_sysctl("net/ipv4/tcp_timestamps", model_.timestamps ? "1" : "0");
        reset();
    }
    tun_adapter(const tun_adapter&) = delete;  // one device, real sockets: replayed, not copied
    tun_adapter& operator=(const tun_adapter&) = delete;

    /// New settings for the next connections (the device stays); resets.
    void reconfigure(const endpoint_config& model, const tun_options& options) {
        model_ = model;
        options_ = options;
        set_sysctl("net/ipv4/tcp_timestamps", model_.timestamps ? "1" : "0");
        reset();
    }

    /// Why the adapter cannot run here ("" when it can, as far as can be told without a
    /// namespace): the TUN driver must be usable.
    static std::string unavailable_reason() { return tun_unavailable_reason(); }

    /// A fresh connection: sockets of the previous one aborted, new ports on both sides.
    void reset() {
        for (auto* fd : {&connection_, &listener_}) abort_socket(*fd);
        for (auto& fd : others_) abort_socket(fd);
        others_.clear();
        ++connections_;
        kernel_port_ = static_cast<std::uint16_t>(20000 + connections_);
        peer_port_ = static_cast<std::uint16_t>(40000 + connections_);
        peer_real_iss_ = 0x50000000u + connections_ * 0x01000000u;
        kernel_anchor_ = 0x10000000u;  // until the kernel's first SYN says otherwise
        anchor_known_ = false;
        model_iss_ = 0;
        tick_starts_.clear();
        kernel_ts_known_ = false;
        kernel_ts_newest_ = 0;
        peer_ts_known_ = false;
        peer_ts_newest_ = 0;
        peer_ts_newest_unwrapped_ = 0;
        log_.clear();
        while (device_.read(0ms)) {
        }  // what the previous connection's sockets sent on their way out
    }

    output apply(const input& in) {
        switch (in.what) {
            case input::kind::call: call(in.call); return collect(options_.reply_wait, options_.quiet);
            case input::kind::arrival: {
                const wire_segment w = to_wire(in.seg);
                log_ += "  peer   -> " + w.text() + "\n";
                device_.write(w);
                return collect(options_.reply_wait, options_.quiet);
            }
            case input::kind::tick:
                tick_starts_.push_back(now_ms());  // the reference's clock moves at the tick's start
                return collect(options_.tick, 0ms);
        }
        return {};
    }

    [[nodiscard]] observation observe() const {
        if (connection_) return {to_rfc_state(tcp_info_state(connection_.get()))};
        if (const auto k = inet_diag_state(kernel_address, kernel_port_, peer_address, peer_port_)) return {to_rfc_state(*k)};
        return {listener_ ? state_id::listen : state_id::closed};
    }

    /// The kernel's state for this connection as it names it (e.g. "TIME_WAIT (inet_diag)").
    [[nodiscard]] std::string kernel_view() const {
        static constexpr const char* names[] = {"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
                                                "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
                                                "NEW_SYN_RECV"};
        auto name = [](kernel_state k) { return std::size_t(k) < std::size(names) ? names[std::size_t(k)] : "?"; };
        if (connection_) return std::string(name(tcp_info_state(connection_.get()))) + " (TCP_INFO)";
        if (const auto k = inet_diag_state(kernel_address, kernel_port_, peer_address, peer_port_))
            return std::string(name(*k)) + " (inet_diag)";
        return listener_ ? "LISTEN (listener's TCP_INFO)" : "no socket";
    }

    /// Completes handshakes from `count` other peer ports to the listener (outside the model:
    /// they fill its queues). Returns how many the kernel answered with a SYN+ACK.
    int connect_other_peers(int count) {
        int answered = 0;
        for (int i = 0; i < count; ++i) {
            const auto port = static_cast<std::uint16_t>(peer_port_ + 1000 + others_started_++);
            wire_segment syn{peer_address, kernel_address, port, kernel_port_, 0x70000000u, 0, wire_segment::syn};
            device_.write(syn);
            std::optional<wire_segment> reply;
            const auto deadline = std::chrono::steady_clock::now() + options_.reply_wait;
            while ((reply = device_.read(options_.reply_wait)) && reply->dport != port)
                if (std::chrono::steady_clock::now() > deadline) break;
            if (!reply || reply->dport != port || reply->flags != (wire_segment::syn | wire_segment::ack_bit)) continue;
            ++answered;
            device_.write({peer_address, kernel_address, port, kernel_port_, 0x70000001u, reply->seq + 1, wire_segment::ack_bit});
        }
        std::this_thread::sleep_for(options_.quiet);
        return answered;
    }

    /// The listener's accept-queue length and backlog (TCP_INFO tcpi_unacked / tcpi_sacked on a
    /// listener); {-1, -1} without a listener.
    [[nodiscard]] std::pair<int, int> accept_queue() const {
        if (!listener_) return {-1, -1};
        tcp_info info{};
        socklen_t len = sizeof info;
        if (::getsockopt(listener_.get(), IPPROTO_TCP, TCP_INFO, &info, &len) != 0)
            throw tun_error(detail::errno_text("getsockopt(TCP_INFO) on the listener"));
        return {int(info.tcpi_unacked), int(info.tcpi_sacked)};
    }

    /// Every segment since reset(), both directions, in real numbers (for failure messages).
    [[nodiscard]] const std::string& wire_log() const noexcept { return log_; }

private:
    void call(event_id c) {
        switch (c) {
            case event_id::open_active: {
                if (connection_) return;  // "connection already exists"
                if (listener_) {
                    // RFC 9293 §3.10.1 lets OPEN(active) turn LISTEN into SYN-SENT; the sockets
                    // API has no such call: connect() on a listener fails (logged).
                    sockaddr_in to = address(peer_address, peer_port_);
                    if (::connect(listener_.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0)
                        log_ += "  connect() on the listener: " + std::string(std::strerror(errno)) + "\n";
                    return;
                }
                connection_ = bound_socket();
                sockaddr_in to = address(peer_address, peer_port_);
                if (::connect(connection_.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0 && errno != EINPROGRESS)
                    throw tun_error(detail::errno_text("connect(10.0.0.2:" + std::to_string(peer_port_) + ")"));
                return;
            }
            case event_id::open_passive:
                if (connection_ || listener_) return;
                listener_ = bound_socket();
                if (::listen(listener_.get(), options_.backlog) != 0) throw tun_error(detail::errno_text("listen"));
                return;
            case event_id::close:
                if (connection_) connection_.reset();
                else listener_.reset();
                return;
            case event_id::shutdown:
                if (connection_) (void)::shutdown(connection_.get(), SHUT_WR);
                else listener_.reset();
                return;
            case event_id::abort:
                if (connection_) abort_socket(connection_);
                else listener_.reset();
                return;
            default: throw tun_error(std::string("the Linux adapter does not support the call ") + std::string(event_name(c)));
        }
    }

    // A non-blocking TCP socket bound to 10.0.0.1:kernel_port_, with the model's SO_LINGER.
    detail::owned_fd bound_socket() const {
        detail::owned_fd s(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (!s) throw tun_error(detail::errno_text("socket(SOCK_STREAM)"));
        const int one = 1;
        (void)::setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (options_.linger_zero || model_.linger_abort) set_linger_zero(s.get());
        sockaddr_in me = address(kernel_address, kernel_port_);
        if (::bind(s.get(), reinterpret_cast<const sockaddr*>(&me), sizeof me) != 0)
            throw tun_error(detail::errno_text("bind(10.0.0.1:" + std::to_string(kernel_port_) + ")"));
        return s;
    }
    static sockaddr_in address(std::uint32_t a, std::uint16_t port) {
        sockaddr_in s{};
        s.sin_family = AF_INET;
        s.sin_addr.s_addr = htonl(a);
        s.sin_port = htons(port);
        return s;
    }
    static void set_linger_zero(int fd) {
        const linger l{1, 0};
        if (::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l) != 0) throw tun_error(detail::errno_text("SO_LINGER {1,0}"));
    }
    // close() with SO_LINGER {1, 0}: a RST, no orphan left retransmitting into the device.
    static void abort_socket(detail::owned_fd& fd) {
        if (!fd) return;
        const linger l{1, 0};
        (void)::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
        fd.reset();
    }

    // The signed distance a - b in [-8, 8) of the modular space.
    static int distance(seq_t a, seq_t b) { return int(seq_diff(seq_add(a, int(seq_modulus / 2)), b)) - int(seq_modulus / 2); }

    wire_segment to_wire(const segment& s) {
        wire_segment w{peer_address, kernel_address, peer_port_, kernel_port_, 0, 0, 0};
        w.seq = peer_real_iss_ + std::uint32_t(distance(s.seq, peer_iss_));
        if (s.has(ACK)) w.ack = kernel_anchor_ + std::uint32_t(distance(s.ack, model_iss_));
        w.flags = std::uint8_t((s.has(SYN) ? wire_segment::syn : 0) | (s.has(FIN) ? wire_segment::fin : 0) |
                               (s.has(RST) ? wire_segment::rst : 0) | (s.has(ACK) ? wire_segment::ack_bit : 0));
        w.payload = s.len;
        if (s.tsval != 0) {
            w.has_ts = true;
            w.tsval = peer_real_ts(s.tsval);
            w.tsecr = s.has(ACK) && kernel_ts_known_ ? kernel_ts_newest_ : 0;
        }
        return w;
    }

    // The real TSval of the peer's abstract value `v` (1..15), unwrapped relative to the newest
    // value sent on this connection (see the file comment).
    std::uint32_t peer_real_ts(std::uint8_t v) {
        if (!peer_ts_known_) {
            peer_ts_known_ = true;
            peer_ts_newest_ = v;
            peer_ts_newest_unwrapped_ = 0;
        }
        int d = int((unsigned(v) + 15u - unsigned(peer_ts_newest_)) % 15u);  // v - newest on the circle
        if (d > 7) d -= 15;                                                     // in [-7, 7]
        const std::int64_t u = peer_ts_newest_unwrapped_ + d;
        if (u > peer_ts_newest_unwrapped_) {
            peer_ts_newest_unwrapped_ = u;
            peer_ts_newest_ = v;
        }
        // Never 0 in real numbers: Linux reads a ts_recent of 0 as "none" (tcp_paws_check).
        return peer_ts_base + std::uint32_t(u * std::int64_t(options_.peer_ts_step));
    }

    // The abstract value of a TSval the kernel sent, read at local time `read_ms` (see the file
    // comment): the reference's clock when the kernel sent the segment.
    std::uint8_t kernel_abstract_ts(std::uint32_t tsval, std::uint32_t read_ms) {
        const std::uint32_t bound = tsval - read_ms;  // offset >= bound
        if (!kernel_ts_known_ || std::int32_t(bound - kernel_ts_offset_) > 0) kernel_ts_offset_ = bound;
        if (!kernel_ts_known_ || std::int32_t(tsval - kernel_ts_newest_) > 0) kernel_ts_newest_ = tsval;
        kernel_ts_known_ = true;
        const std::uint32_t sent_ms = tsval - kernel_ts_offset_;
        unsigned ticks = 0;
        for (const std::uint32_t start : tick_starts_)
            if (std::int32_t(sent_ms - start) >= 0) ++ticks;
        return std::uint8_t(ticks % 15u + 1u);
    }

    static std::uint32_t now_ms() {
        return std::uint32_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count());
    }

    segment to_model(const wire_segment& w, std::uint32_t read_ms) {
        if ((w.flags & wire_segment::syn) && !(anchor_known_ && w.seq == kernel_anchor_)) {
            // A new connection's ISN (not a retransmission of the anchored SYN): the reference
            // chose its next ISS.
            kernel_anchor_ = w.seq;
            anchor_known_ = true;
            model_iss_ = seq_add(model_iss_, model_.iss_step);
        }
        segment s;
        s.flags = std::uint8_t(((w.flags & wire_segment::syn) ? SYN : 0) | ((w.flags & wire_segment::fin) ? FIN : 0) |
                               ((w.flags & wire_segment::rst) ? RST : 0) | ((w.flags & wire_segment::ack_bit) ? ACK : 0));
        const bool zero_seq_reset = (w.flags & wire_segment::rst) && w.seq == 0;
        s.seq = zero_seq_reset ? 0 : seq_add(model_iss_, int((w.seq - kernel_anchor_) % seq_modulus));
        if (s.has(ACK)) s.ack = seq_add(peer_iss_, int((w.ack - peer_real_iss_) % seq_modulus));
        s.len = w.payload ? 1 : 0;
        if (w.has_ts) s.tsval = kernel_abstract_ts(w.tsval, read_ms);
        return s;
    }

    // What the kernel sends on this connection: segments until `first` has passed without
    // one, then until `quiet` passes without another (quiet 0: everything until `first` is
    // over, for ticks). Segments of other ports are left out. More than two is an error (an
    // output holds two), reported with the segments.
    output collect(std::chrono::milliseconds first, std::chrono::milliseconds quiet) {
        std::vector<std::pair<wire_segment, std::uint32_t>> got;  // with the local time it was read
        const auto first_deadline = std::chrono::steady_clock::now() + first;
        for (;;) {
            const auto now = std::chrono::steady_clock::now();
            const auto to_first = std::chrono::duration_cast<std::chrono::milliseconds>(first_deadline - now);
            const auto wait = got.empty() || quiet.count() == 0 ? to_first : quiet;
            if (wait.count() <= 0) break;
            const auto w = device_.read(wait);
            if (!w) break;
            if (w->sport != kernel_port_ || w->dport != peer_port_) continue;
            log_ += "  kernel -> " + w->text() + "\n";
            got.emplace_back(*w, now_ms());
        }
        accept_if_ready();
        if (got.size() > 2)
            throw tun_error("the kernel sent " + std::to_string(got.size()) +
                            " segments in answer to one input (an output holds 2):\n" + log_);
        output o;
        for (const auto& [w, read_ms] : got) o.sent[o.count++] = to_model(w, read_ms);
        return o;
    }

    // Passive open: take the connection from the accept queue once it is there (the model's
    // TCB becomes the connection), and close the listener unless it is to be kept.
    void accept_if_ready() {
        if (!listener_ || connection_ || !options_.accept_connections) return;
        for (;;) {
            sockaddr_in from{};
            socklen_t len = sizeof from;
            detail::owned_fd c(::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&from), &len, SOCK_CLOEXEC | SOCK_NONBLOCK));
            if (!c) return;
            if (ntohs(from.sin_port) != peer_port_) {
                others_.push_back(std::move(c));
                continue;
            }
            if (options_.linger_zero || model_.linger_abort) set_linger_zero(c.get());
            connection_ = std::move(c);
            if (!options_.keep_listener) listener_.reset();
            return;
        }
    }

    endpoint_config model_;
    tun_options options_;
    seq_t peer_iss_;
    tun_device device_;
    detail::owned_fd connection_, listener_;
    std::vector<detail::owned_fd> others_;  // connect_other_peers()' connections, once accepted
    std::uint32_t connections_ = 0;
    int others_started_ = 0;
    std::uint16_t kernel_port_ = 0, peer_port_ = 0;
    std::uint32_t peer_real_iss_ = 0, kernel_anchor_ = 0;
    bool anchor_known_ = false;
    seq_t model_iss_ = 0;
    static constexpr std::uint32_t peer_ts_base = 0x30000000u;  ///< the real TSval of the peer's first abstract value
    std::vector<std::uint32_t> tick_starts_;  // local ms at each tick's start since reset()
    bool kernel_ts_known_ = false;            // a kernel TSval was seen on this connection
    std::uint32_t kernel_ts_offset_ = 0, kernel_ts_newest_ = 0;
    bool peer_ts_known_ = false;
    std::uint8_t peer_ts_newest_ = 0;  // the newest abstract TSval the peer sent
    std::int64_t peer_ts_newest_unwrapped_ = 0;
    std::string log_;
};
static_assert(tcpv::conformance::adapter<tun_adapter>);

}  // namespace tcpv::tcp::linux_tun
