#pragma once
/// \file tcpv/tcp/segment.hpp
/// Segments and sequence numbers.
///
/// Sequence numbers live in a small modular space (16 values) with RFC 9293's comparisons
/// (§3.4: "a < b" means b - a, taken modulo the space, lies in the upper half's complement),
/// which is enough for a handful of segments per connection and keeps states small. Each
/// segment also carries a ghost field, the incarnation of the connection that sent it: only
/// properties read it, never an endpoint.

#include <cstdint>
#include <ostream>
#include <string>

namespace tcpv::tcp {

/// Sequence numbers modulo `seq_modulus`.
using seq_t = std::uint8_t;
inline constexpr unsigned seq_modulus = 16;

inline constexpr seq_t seq_add(seq_t a, int d) noexcept {
    return static_cast<seq_t>((int(a) + d + 16 * int(seq_modulus)) % int(seq_modulus));
}
/// a - b in [0, modulus).
inline constexpr unsigned seq_diff(seq_t a, seq_t b) noexcept {
    return (unsigned(a) + seq_modulus - unsigned(b)) % seq_modulus;
}
/// RFC 9293 §3.4 "a < b" modulo the space (Linux `before`).
inline constexpr bool seq_lt(seq_t a, seq_t b) noexcept {
    const unsigned d = seq_diff(b, a);
    return d != 0 && d < seq_modulus / 2;
}
inline constexpr bool seq_le(seq_t a, seq_t b) noexcept { return a == b || seq_lt(a, b); }
/// lo =< x < lo + size, modulo the space.
inline constexpr bool seq_in_window(seq_t x, seq_t lo, unsigned size) noexcept { return seq_diff(x, lo) < size; }

/// Control bits.
enum flag : std::uint8_t { SYN = 1, ACK = 2, FIN = 4, RST = 8 };

/// A TCP segment as the models see it.
struct segment {
    std::uint8_t flags = 0;
    seq_t seq = 0;
    seq_t ack = 0;             ///< meaningful when flags has ACK
    std::uint8_t len = 0;      ///< payload bytes (0 or 1); SYN and FIN are not counted here
    std::uint8_t tsval = 0;    ///< timestamp option value; 0 = no timestamp option
    std::uint8_t incarnation = 0;  ///< ghost: which incarnation of the connection sent it

    [[nodiscard]] constexpr bool has(flag f) const noexcept { return (flags & f) != 0; }
    /// SEG.LEN of RFC 9293: payload plus one for SYN and one for FIN.
    [[nodiscard]] constexpr unsigned seg_len() const noexcept {
        return len + (has(SYN) ? 1u : 0u) + (has(FIN) ? 1u : 0u);
    }
    bool operator==(const segment&) const = default;

    /// 32-bit packed form (flags 4, seq 4, ack 4, len 1, tsval 8, incarnation 3), for channels.
    [[nodiscard]] constexpr std::uint32_t pack() const noexcept {
        return std::uint32_t(flags & 15u) | std::uint32_t(seq & 15u) << 4 | std::uint32_t(ack & 15u) << 8 |
               std::uint32_t(len & 1u) << 12 | std::uint32_t(tsval) << 13 | std::uint32_t(incarnation & 7u) << 21;
    }
    static constexpr segment unpack(std::uint32_t v) noexcept {
        segment s;
        s.flags = std::uint8_t(v & 15u);
        s.seq = seq_t(v >> 4 & 15u);
        s.ack = seq_t(v >> 8 & 15u);
        s.len = std::uint8_t(v >> 12 & 1u);
        s.tsval = std::uint8_t(v >> 13 & 255u);
        s.incarnation = std::uint8_t(v >> 21 & 7u);
        return s;
    }
};
static_assert(seq_modulus <= 16, "segment::pack keeps 4 bits of sequence number");

/// "<SEQ=5><ACK=3><CTL=FIN,ACK>" with the incarnation as "#1" and a timestamp as "TS=2".
inline std::string to_string(const segment& s) {
    std::string out;
    auto add = [&](const char* f) {
        if (!out.empty()) out += ',';
        out += f;
    };
    if (s.has(SYN)) add("SYN");
    if (s.has(FIN)) add("FIN");
    if (s.has(RST)) add("RST");
    if (s.has(ACK)) add("ACK");
    std::string r = "<SEQ=" + std::to_string(s.seq);
    if (s.has(ACK)) r += "><ACK=" + std::to_string(s.ack);
    r += "><CTL=" + out + ">";
    if (s.len) r += "+data";
    if (s.tsval) r += " TS=" + std::to_string(s.tsval);
    r += " #" + std::to_string(s.incarnation);
    return r;
}
inline std::ostream& operator<<(std::ostream& os, const segment& s) { return os << to_string(s); }

}  // namespace tcpv::tcp
