#pragma once
/// \file tcpv/tcp/pcap.hpp
/// Traces of a pair of endpoints as pcap files, so that a counterexample opens in Wireshark.
///
/// The file is classic libpcap (magic 0xa1b2c3d4, microsecond timestamps, little-endian
/// headers) with link type LINKTYPE_RAW (101): each record is an IPv4 packet carrying a TCP
/// segment, with correct IPv4 header and TCP checksums. One record per copy of a segment put
/// on the wire (wire.hpp), written when it is sent, as a capture next to the sender would see
/// it; so lost segments are in the file too. Classic pcap has no comments, so what became of
/// each copy is written into its IPv4 header instead, where Wireshark shows it:
/// - TTL 64: delivered; TTL 1: lost or expired (never arrived); TTL 32: still in flight when
///   the trace ends. A Wireshark filter `ip.ttl == 1` shows the segments that never arrived.
/// - IP identification: the event's number (1, 2, ...), to match a frame with the trace.
///
/// Mapping of the model to the wire (all configurable in `options`):
/// - endpoint A is 10.0.0.1:49152, endpoint B is 10.0.0.2:49153;
/// - sequence numbers (modulo 16 in the model) become 32-bit numbers by unwrapping each
///   sequence space (A's and B's) separately: the first number seen in a space is
///   `isn_base + value`, each later one is the number congruent to the model's value modulo
///   16 that is nearest (within 8) to the previous number of the same space. So numbers grow
///   across a wrap of the model's space, as they would in a real connection. An ACK field is
///   unwrapped in the peer's space; without the ACK flag it is 0.
/// - time: the model's clock is the number of ticks so far; a tick lasts `tick_us`
///   microseconds (1 s by default) and the k-th segment sent at the same clock value is
///   `k * spacing_us` after it (1 ms by default), from `epoch_us` (the Unix epoch by default).
/// - a one-byte payload ('d') when the segment carries data; the timestamp option (NOP, NOP,
///   TS with TSval = the model's value and TSecr = 0) when the model's TS value is not 0; a
///   fixed window of `window` bytes.

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <tcpv/trace.hpp>

#include "wire.hpp"

namespace tcpv::tcp::pcap {

/// An IPv4 address and a TCP port.
struct address {
    std::array<std::uint8_t, 4> ip{};
    std::uint16_t port = 0;
};

/// How a trace is mapped to packets (see the file comment).
struct options {
    address ep[2] = {{{10, 0, 0, 1}, 49152}, {{10, 0, 0, 2}, 49153}};
    std::uint32_t isn_base = 1000;       ///< 32-bit number of the model's sequence number 0
    std::uint64_t tick_us = 1'000'000;   ///< one tick of the model's clock
    std::uint64_t spacing_us = 1'000;    ///< between segments sent at the same clock value
    std::uint64_t epoch_us = 0;          ///< time of clock 0
    std::uint16_t window = 8192;
};

inline constexpr std::uint32_t linktype_raw = 101;  ///< LINKTYPE_RAW: records start with the IP header
inline constexpr std::uint8_t ttl_delivered = 64;
inline constexpr std::uint8_t ttl_never_arrived = 1;
inline constexpr std::uint8_t ttl_in_flight = 32;

/// The Internet checksum (RFC 1071) of `bytes`, continuing the unfolded 32-bit sum `sum`:
/// the one's-complement of the one's-complement sum of 16-bit big-endian words (an odd last
/// byte is padded with zero). A header whose checksum field holds the result sums to 0.
inline std::uint16_t checksum(std::span<const std::uint8_t> bytes, std::uint32_t sum = 0) noexcept {
    for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) sum += std::uint32_t(bytes[i]) << 8 | bytes[i + 1];
    if (bytes.size() % 2) sum += std::uint32_t(bytes.back()) << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return std::uint16_t(~sum & 0xffff);
}

/// The unfolded sum of the TCP pseudo-header (RFC 9293 §3.1): source and destination
/// addresses, zero, protocol 6, TCP length.
inline std::uint32_t pseudo_header_sum(const address& src, const address& dst, std::size_t tcp_length) noexcept {
    std::uint32_t sum = 0;
    for (const auto* a : {&src.ip, &dst.ip}) sum += std::uint32_t((*a)[0]) << 8 | (*a)[1], sum += std::uint32_t((*a)[2]) << 8 | (*a)[3];
    return sum + 6 + std::uint32_t(tcp_length);
}

namespace detail {
inline void put16(std::vector<std::uint8_t>& b, std::size_t at, std::uint16_t v) {
    b[at] = std::uint8_t(v >> 8);
    b[at + 1] = std::uint8_t(v);
}
inline void put32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) {
    put16(b, at, std::uint16_t(v >> 16));
    put16(b, at + 2, std::uint16_t(v));
}
inline void append_le32(std::string& s, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) s += char((v >> (8 * i)) & 0xff);
}
inline void append_le16(std::string& s, std::uint16_t v) {
    s += char(v & 0xff);
    s += char(v >> 8);
}
}  // namespace detail

/// Turns the model's sequence numbers of one space into 32-bit numbers (see the file comment).
class unwrapper {
public:
    explicit unwrapper(std::uint32_t base = 1000) : base_(base) {}
    std::uint32_t operator()(seq_t v) {
        if (!seen_) {
            seen_ = true;
            offset_ = v;
        } else {
            // The step from the previous value to v, modulo the space, taken in (-modulus/2, modulus/2].
            const std::int64_t m = seq_modulus;
            const seq_t previous = seq_t((offset_ % m + m) % m);
            int d = int(seq_diff(v, previous));
            if (d > int(seq_modulus) / 2) d -= int(seq_modulus);
            offset_ += d;
        }
        return std::uint32_t(std::int64_t(base_) + offset_);  // modulo 2^32, as TCP's numbers are
    }

private:
    std::uint32_t base_;
    std::int64_t offset_ = 0;  // the unwrapped model value: base_ + offset_ is the wire number
    bool seen_ = false;
};

/// The fields of one packet, already mapped to the wire.
struct packet_fields {
    address src, dst;
    std::uint8_t flags = 0;  ///< the model's flags (segment.hpp)
    std::uint32_t seq = 0, ack = 0;
    bool payload = false;
    std::uint32_t tsval = 0;  ///< 0: no timestamp option
    std::uint16_t ip_id = 0;
    std::uint8_t ttl = ttl_delivered;
    std::uint16_t window = 8192;
};

/// An IPv4 packet with its TCP segment (both checksums filled in).
inline std::vector<std::uint8_t> packet(const packet_fields& f) {
    const std::size_t tcp_header = f.tsval ? 32 : 20;
    const std::size_t tcp_length = tcp_header + (f.payload ? 1 : 0);
    std::vector<std::uint8_t> b(20 + tcp_length, 0);
    // IPv4 header: version 4, 5 words, no TOS, don't fragment, protocol TCP.
    b[0] = 0x45;
    detail::put16(b, 2, std::uint16_t(b.size()));
    detail::put16(b, 4, f.ip_id);
    detail::put16(b, 6, 0x4000);
    b[8] = f.ttl;
    b[9] = 6;
    for (int i = 0; i < 4; ++i) b[12 + i] = f.src.ip[i], b[16 + i] = f.dst.ip[i];
    detail::put16(b, 10, checksum(std::span(b).first(20)));
    // TCP header.
    const std::size_t t = 20;
    detail::put16(b, t, f.src.port);
    detail::put16(b, t + 2, f.dst.port);
    detail::put32(b, t + 4, f.seq);
    detail::put32(b, t + 8, (f.flags & ACK) ? f.ack : 0);
    b[t + 12] = std::uint8_t((tcp_header / 4) << 4);
    // Wire bits: FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10 (the model numbers them differently).
    b[t + 13] = std::uint8_t(((f.flags & FIN) ? 0x01 : 0) | ((f.flags & SYN) ? 0x02 : 0) | ((f.flags & RST) ? 0x04 : 0) |
                             ((f.flags & ACK) ? 0x10 : 0));
    detail::put16(b, t + 14, f.window);
    if (f.tsval) {
        b[t + 20] = 1;  // NOP, NOP: align the 10-byte option on 4 bytes, as stacks do
        b[t + 21] = 1;
        b[t + 22] = 8;  // kind: timestamps (RFC 7323)
        b[t + 23] = 10;
        detail::put32(b, t + 24, f.tsval);  // TSecr stays 0: the model has no echo
    }
    if (f.payload) b[t + tcp_header] = 'd';
    const auto tcp = std::span(b).subspan(t);
    detail::put16(b, t + 16, checksum(tcp, pseudo_header_sum(f.src, f.dst, tcp_length)));
    return b;
}

/// The packet fields of wire events, in order (sequence numbers unwrapped across the events).
inline std::vector<packet_fields> fields(const std::vector<wire::event>& events, const options& o = {}) {
    std::vector<packet_fields> out;
    unwrapper space[2] = {unwrapper(o.isn_base), unwrapper(o.isn_base)};
    for (std::size_t i = 0; i < events.size(); ++i) {
        const wire::event& e = events[i];
        packet_fields f;
        f.src = o.ep[e.from & 1];
        f.dst = o.ep[1 - (e.from & 1)];
        f.flags = e.seg.flags;
        f.seq = space[e.from & 1](e.seg.seq);
        if (e.seg.has(ACK)) f.ack = space[1 - (e.from & 1)](e.seg.ack);
        f.payload = e.seg.len != 0;
        f.tsval = e.seg.tsval;
        f.ip_id = std::uint16_t(i + 1);
        f.ttl = e.end == wire::fate::delivered ? ttl_delivered
                : e.end == wire::fate::in_flight ? ttl_in_flight
                                                 : ttl_never_arrived;
        f.window = o.window;
        out.push_back(f);
    }
    return out;
}

/// The bytes of a pcap file holding the packets of `events`.
inline std::string file(const std::vector<wire::event>& events, const options& o = {}) {
    std::string s;
    detail::append_le32(s, 0xa1b2c3d4);  // magic: microsecond timestamps
    detail::append_le16(s, 2);           // version 2.4
    detail::append_le16(s, 4);
    detail::append_le32(s, 0);           // thiszone: UTC
    detail::append_le32(s, 0);           // sigfigs
    detail::append_le32(s, 65535);       // snaplen
    detail::append_le32(s, linktype_raw);
    const auto f = fields(events, o);
    for (std::size_t i = 0; i < events.size(); ++i) {
        const std::uint64_t us = o.epoch_us + events[i].clock * o.tick_us + events[i].order * o.spacing_us;
        const auto p = packet(f[i]);
        detail::append_le32(s, std::uint32_t(us / 1'000'000));
        detail::append_le32(s, std::uint32_t(us % 1'000'000));
        detail::append_le32(s, std::uint32_t(p.size()));
        detail::append_le32(s, std::uint32_t(p.size()));
        s.append(p.begin(), p.end());
    }
    return s;
}

/// Writes `bytes` to `path`; throws std::runtime_error naming the file when it cannot.
inline void write(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
    if (!out) throw std::runtime_error("cannot write pcap file '" + path + "'");
}

}  // namespace tcpv::tcp::pcap

namespace tcpv::tcp::models {

/// The hook of `tcpv check --pcap` (registry.hpp, found by argument-dependent lookup): a trace
/// of any model whose state and action are a plain pair (`close`) as pcap bytes.
template <class M>
    requires std::same_as<typename M::state, pair_state> && std::same_as<typename M::action, pair_action>
std::string pcap_file(const M&, const tcpv::trace<M>& t) {
    return pcap::file(wire::events_of_pair_steps(t.steps));
}

}  // namespace tcpv::tcp::models
