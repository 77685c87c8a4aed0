#pragma once
/// \file lwip_packets.hpp
/// The packets that the lwIP conformance adapter (lwip_adapter.hpp) exchanges with lwIP: the
/// addresses and ports of the one connection, IPv4/TCP encoding of the peer's segments with
/// their checksums (RFC 1071, with the TCP pseudo-header), and decoding of what lwIP sends into
/// `wire_segment`s. Plain bytes with real sequence numbers: no lwIP header is needed here, and
/// mapping to and from the model's abstract numbers is the adapter's job.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>

namespace lwip_conformance {

/// A segment as lwIP sent it, real numbers.
struct wire_segment {
    std::uint8_t flags = 0;  ///< lwIP's TCP_FIN, TCP_SYN, TCP_RST, TCP_ACK bits
    std::uint32_t seq = 0, ack = 0;
    std::uint16_t payload = 0;
};

namespace detail {

inline constexpr std::array<std::uint8_t, 4> local_address{10, 0, 0, 1};
inline constexpr std::array<std::uint8_t, 4> peer_address{10, 0, 0, 2};
inline constexpr std::uint16_t local_port = 80;
inline constexpr std::uint16_t peer_port = 5000;
// The peer's real sequence numbers live around this base (a multiple of 16, so that real and
// abstract values agree modulo 16).
inline constexpr std::uint32_t peer_base = 0x5eed0000u;

inline std::uint16_t read16(const std::uint8_t* p) { return std::uint16_t(p[0] << 8 | p[1]); }
inline std::uint32_t read32(const std::uint8_t* p) {
    return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}
inline void write16(std::uint8_t* p, std::uint32_t v) {
    p[0] = std::uint8_t(v >> 8);
    p[1] = std::uint8_t(v);
}
inline void write32(std::uint8_t* p, std::uint32_t v) {
    write16(p, v >> 16);
    write16(p + 2, v);
}
// The Internet checksum (RFC 1071) of `n` bytes, continuing from `sum`.
inline std::uint32_t add_to_checksum(std::uint32_t sum, const std::uint8_t* p, std::size_t n) {
    for (std::size_t i = 0; i + 1 < n; i += 2) sum += read16(p + i);
    if (n % 2) sum += std::uint32_t(p[n - 1]) << 8;
    return sum;
}
inline std::uint16_t fold_checksum(std::uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffffu) + (sum >> 16);
    return std::uint16_t(~sum & 0xffffu);
}

/// The bytes of a packet from the peer: 20 bytes of IPv4 header, 20 of TCP, at most one of data.
using peer_packet = std::array<std::uint8_t, 41>;

/// Fills `b` (zeroed) with an IPv4/TCP packet from the peer to lwIP: real sequence and
/// acknowledgement numbers, the TCP flag bits (wire bits, as lwIP's TCP_SYN...), one byte of
/// data when `data`, both checksums. Returns the packet's length.
inline std::size_t encode_from_peer(peer_packet& b, std::uint32_t seq, std::uint32_t ack, std::uint8_t flags,
                                    bool data) {
    const std::size_t length = 40 + (data ? 1 : 0);
    b[0] = 0x45;
    write16(&b[2], std::uint32_t(length));
    b[8] = 64;  // TTL
    b[9] = 6;   // TCP
    std::memcpy(&b[12], peer_address.data(), 4);
    std::memcpy(&b[16], local_address.data(), 4);
    write16(&b[10], fold_checksum(add_to_checksum(0, b.data(), 20)));
    std::uint8_t* t = b.data() + 20;
    write16(t, peer_port);
    write16(t + 2, local_port);
    write32(t + 4, seq);
    write32(t + 8, ack);
    t[12] = 5 << 4;
    t[13] = flags;
    write16(t + 14, 8192);  // window
    if (data) t[20] = 'x';
    // The pseudo-header: addresses, protocol, TCP length.
    std::uint32_t sum = add_to_checksum(0, &b[12], 8) + 6 + std::uint32_t(length - 20);
    write16(t + 16, fold_checksum(add_to_checksum(sum, t, length - 20)));
    return length;
}

/// The first bytes of a packet lwIP sent.
using sent_prefix = std::array<std::uint8_t, 128>;

/// The TCP segment in a packet lwIP sent: `buf` holds its first `got` bytes, `total_length` is
/// the whole packet's length (for the payload). Nothing when it is not TCP or is cut short.
inline std::optional<wire_segment> decode_sent(const sent_prefix& buf, std::uint16_t got, std::uint16_t total_length) {
    const unsigned ip_header = (buf[0] & 15u) * 4u;
    if (got < ip_header + 20 || buf[9] != 6) return std::nullopt;  // only TCP is of interest
    const std::uint8_t* tcp = buf.data() + ip_header;
    wire_segment s;
    s.flags = std::uint8_t(tcp[13] & 0x3fu);
    s.seq = read32(tcp + 4);
    s.ack = read32(tcp + 8);
    s.payload = std::uint16_t(total_length - ip_header - (tcp[12] >> 4) * 4u);
    return s;
}

}  // namespace detail

}  // namespace lwip_conformance
