#pragma once
/// \file tcpv/packing.hpp
/// Packed states: an optional, exact, fixed-size encoding of a model's states in as few bits as
/// its parameters allow. The checker stores every distinct state; a state that packs into 7 bytes
/// instead of occupying a 20-byte struct makes the visited set about half as large, and large
/// state spaces fit in memory that would otherwise run out.
///
/// A model opts in with one member, `make_packer()`, returning a packer built once per run from
/// the model's parameters (it may precompute tables); the checker finds it through the
/// `packable` concept:
///
/// ```cpp
/// struct packer {
///     static constexpr std::size_t max_packed_bits = 64;  // for every allowed parameter value
///     std::size_t packed_bits() const;                    // for these parameter values
///     void pack(const state& s, tcpv::bit_writer& w) const;
///     state unpack(tcpv::bit_reader& r) const;            // the exact inverse of pack
/// };
/// packer make_packer() const;
/// ```
///
/// `pack` writes fields with `w.put(value, bits)`; `unpack` reads them back in the same order.
/// The encoding must be exact: `unpack(pack(s)) == s` for every reachable state, and two states
/// are equal exactly when their packings are. The checker verifies the round trip on the first
/// states it stores and reports the state when it fails; `put` throws packing_error when a value
/// does not fit its width, so a parameter range that grew past the encoding is an error, never
/// a silently merged state. Models without a packer are stored as the bytes of their state
/// (byte_hashable states) or as objects. pack runs once per transition and unpack once per
/// expanded state, so both are worth making cheap (tables rather than divisions).
///
/// A packer of at most 64 bits may also generate successors on the packed state itself:
///
/// ```cpp
/// template <class Emit>  // emit(const action&, std::uint64_t successor)
/// void next_packed(std::uint64_t packed, Emit&& emit) const;
/// ```
///
/// `packed` is the word that pack writes (its first field in the low bits). It must emit
/// exactly what `next` emits, packed, in the same order; the checker then expands a state
/// without unpacking it and stores successors without packing them, and unpacks only the new
/// states it checks properties on (`packed_successors`). next stays the definition: traces,
/// depth-first search and the other tools use it, and the checker compares the two on the
/// first states it expands and stops with the first difference.
///
/// Helpers: `bits_for(n)` (the width of a field with n values) and `multiset_codec` (the rank
/// of a multiset, e.g. a channel whose segments may be reordered, in the fewest bits).

#include <array>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace tcpv {

/// A value that does not fit the width it is packed in, or a packing longer than declared.
struct packing_error : std::logic_error {
    using std::logic_error::logic_error;
};

namespace detail {
// Out of line and cold, so that the checks on the hot paths stay a compare and a branch.
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_packing_error(const std::string& what) {
    throw packing_error("tcpv: " + what);
}
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_too_wide(std::uint64_t value, unsigned bits) {
    throw_packing_error("packed value " + std::to_string(value) + " does not fit in " + std::to_string(bits) + " bits");
}
}  // namespace detail

/// The number of bits that hold n distinct values 0..n-1 (0 for n <= 1).
constexpr unsigned bits_for(std::uint64_t n) noexcept { return n <= 1 ? 0u : static_cast<unsigned>(std::bit_width(n - 1)); }

/// Writes fields of given widths into consecutive bits of a zeroed word buffer.
class bit_writer {
public:
    bit_writer(std::uint64_t* words, std::size_t word_count) noexcept : words_(words), capacity_(word_count * 64) {}

    /// Appends the low `bits` bits of `value`; throws packing_error if `value` needs more.
    [[gnu::always_inline]] void put(std::uint64_t value, unsigned bits) {
        if (bits < 64 && (value >> bits) != 0) [[unlikely]]
            detail::throw_too_wide(value, bits);
        if (bits == 0) return;
        if (pos_ + bits > capacity_) [[unlikely]]
            detail::throw_packing_error("pack wrote more than max_packed_bits (" + std::to_string(capacity_) + ")");
        const std::size_t i = pos_ / 64, off = pos_ % 64;
        words_[i] |= value << off;
        if (off + bits > 64 && i + 1 < capacity_ / 64) words_[i + 1] |= value >> (64 - off);
        pos_ += bits;
    }
    [[nodiscard]] std::size_t bits_written() const noexcept { return pos_; }

private:
    std::uint64_t* words_;
    std::size_t capacity_;
    std::size_t pos_ = 0;
};

/// Reads back what a bit_writer wrote, field by field in the same order.
class bit_reader {
public:
    bit_reader(const std::uint64_t* words, std::size_t word_count) noexcept : words_(words), capacity_(word_count * 64) {}

    [[gnu::always_inline]] std::uint64_t get(unsigned bits) {
        if (bits == 0) return 0;
        if (pos_ + bits > capacity_) [[unlikely]]
            detail::throw_packing_error("unpack read past the packed bits");
        const std::size_t i = pos_ / 64, off = pos_ % 64;
        std::uint64_t v = words_[i] >> off;
        // (i + 1 < capacity_ / 64 always holds here; said out loud for GCC's array-bounds check.)
        if (off + bits > 64 && i + 1 < capacity_ / 64) v |= words_[i + 1] << (64 - off);
        pos_ += bits;
        return bits == 64 ? v : v & ((std::uint64_t{1} << bits) - 1);
    }
    [[nodiscard]] std::size_t bits_read() const noexcept { return pos_; }

private:
    const std::uint64_t* words_;
    std::size_t capacity_;
    std::size_t pos_ = 0;
};

/// The packer of model M (what make_packer returns).
template <class M>
using packer_of = std::remove_cvref_t<decltype(std::declval<const M&>().make_packer())>;

/// A model with a packed encoding of its states (see the file comment).
template <class M>
concept packable = requires(const M& m) { m.make_packer(); } &&
                   requires(const packer_of<M>& p, const typename M::state& s, bit_writer& w, bit_reader& r) {
                       { packer_of<M>::max_packed_bits } -> std::convertible_to<std::size_t>;
                       { p.packed_bits() } -> std::convertible_to<std::size_t>;
                       p.pack(s, w);
                       { p.unpack(r) } -> std::same_as<typename M::state>;
                   };

/// A packable model whose packer generates successors on packed states (see the file comment).
template <class M>
concept packed_successors =
    packable<M> && (packer_of<M>::max_packed_bits <= 64) &&
    requires(const packer_of<M>& p, std::uint64_t word) { p.next_packed(word, [](const typename M::action&, std::uint64_t) {}); };

namespace detail {
// Binomial coefficients C(n, k) for n < 96, k <= 16 (the largest, C(95, 16), is below 2^57).
struct binomial_table {
    std::uint64_t c[96][17]{};
    constexpr binomial_table() {
        for (int n = 0; n < 96; ++n) {
            c[n][0] = 1;
            for (int k = 1; k <= 16 && k <= n; ++k) c[n][k] = c[n - 1][k - 1] + c[n - 1][k];
        }
    }
};
inline constexpr binomial_table binomials{};
}  // namespace detail

/// Ranks multisets of exactly `size` elements drawn from the symbols 0..symbols-1, given as a
/// non-increasing sequence, onto 0..count()-1 (the combinatorial number system). A channel of
/// at most `cap` segments whose order does not matter is such a multiset when its empty slots
/// are the symbol 0: C(symbols + size - 1, size) values instead of symbols^size.
class multiset_codec {
public:
    constexpr multiset_codec(unsigned size, unsigned symbols) : size_(size), symbols_(symbols) {
        if (size > 16 || symbols == 0 || symbols + size > 96) [[unlikely]]
            detail::throw_packing_error("multiset_codec supports at most 16 elements and symbols + elements <= 96");
        bits_ = bits_for(count());
    }
    /// The number of distinct multisets.
    [[nodiscard]] constexpr std::uint64_t count() const noexcept {
        return detail::binomials.c[symbols_ + size_ - 1][size_];
    }
    [[nodiscard]] constexpr unsigned bits() const noexcept { return bits_; }

    /// What `symbol` at `position` (0-based) adds to the rank: C(symbol + j - 1, j) with j the
    /// elements from `position` on. Increasing in `symbol`; 0 for symbol 0. A codec that ranks
    /// by table lookups (a model's packer) builds its tables from this.
    [[nodiscard]] constexpr std::uint64_t term(unsigned position, unsigned symbol) const noexcept {
        const unsigned j = size_ - position;
        return detail::binomials.c[symbol + j - 1][j];
    }

    /// The rank of the non-increasing sequence `desc[0..size)`; throws packing_error when the
    /// sequence is not non-increasing or holds a symbol out of range.
    [[nodiscard, gnu::always_inline]] std::uint64_t rank(const std::uint8_t* desc) const {
        std::uint64_t r = 0;
        unsigned prev = symbols_ - 1;
        for (unsigned i = 0; i < size_; ++i) {
            const unsigned x = desc[i];
            if (x > prev) [[unlikely]]
                detail::throw_packing_error("multiset_codec::rank needs a non-increasing sequence of symbols below " +
                                            std::to_string(symbols_));
            if (x == 0) break;  // the rest are 0 too, and a 0 adds nothing
            r += term(i, x);
            prev = x;
        }
        return r;
    }
    /// The inverse of rank.
    void unrank(std::uint64_t r, std::uint8_t* desc) const noexcept {
        unsigned hi = symbols_ - 1;  // the next symbol is at most the previous one
        for (unsigned i = 0; i < size_; ++i) {
            if (r == 0) {  // only 0s are left (C(x + j - 1, j) > 0 for every x > 0)
                for (; i < size_; ++i) desc[i] = 0;
                return;
            }
            // The largest x <= hi whose term fits in r (terms grow with x).
            unsigned lo = 0, top = hi;
            while (lo < top) {
                const unsigned mid = (lo + top + 1) / 2;
                if (term(i, mid) <= r)
                    lo = mid;
                else
                    top = mid - 1;
            }
            desc[i] = static_cast<std::uint8_t>(lo);
            r -= term(i, lo);
            hi = lo;
        }
    }

private:
    unsigned size_, symbols_, bits_ = 0;
};

}  // namespace tcpv
