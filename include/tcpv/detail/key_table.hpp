#pragma once
/// \file tcpv/detail/key_table.hpp
/// The key index's table (state_store.hpp): open addressing with linear probing over slots
/// that hold a state's key as a bijective hash of it, 0 marking an empty slot.
///
/// A slot is as wide as the key needs, 5 to 8 bytes, and 64 / width slots share one 64-byte
/// cache line (12, 10, 9 or 8; the few bytes left at a line's end are unused), so a slot never
/// straddles two lines. A 56-bit state takes 7 bytes instead of 8: the table is 11% smaller
/// for the same load.
///
/// Concurrency: a slot is read with one 8-byte load and claimed with one 8-byte
/// compare-and-swap at its first byte. Both stay within the slot's cache line, where x86-64
/// makes an access of any alignment atomic (Intel SDM vol. 3A, 9.1.1; AMD APM vol. 2, 7.3.2).
/// The 8 bytes may cover the start of the next slot: a claim that fails because that
/// neighbour changed finds its own slot still empty and tries again. Elsewhere, slots are 8
/// bytes and aligned, with ordinary atomics.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "memory.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define TCPV_PACKED_KEY_SLOTS 1
#else
#define TCPV_PACKED_KEY_SLOTS 0
#endif

namespace tcpv::detail {

// mix_bijective_bits with its shift and mask worked out (key_table keeps them per table).
inline constexpr std::uint64_t mix_bijective_masked(std::uint64_t x, unsigned shift, std::uint64_t mask) noexcept {
    x ^= x >> shift;
    x = (x * 0xff51afd7ed558ccdULL) & mask;
    x ^= x >> shift;
    x = (x * 0xc4ceb9fe1a85ec53ULL) & mask;
    x ^= x >> shift;
    return x;
}
/// A bijection of the words of `bits` bits (33 to 64; the high bits of x must be 0), mixing
/// well: xor-shifts and odd multipliers modulo 2^bits, each invertible. At 64 bits it is the
/// MurmurHash3 finalizer.
inline constexpr std::uint64_t mix_bijective_bits(std::uint64_t x, unsigned bits) noexcept {
    return mix_bijective_masked(x, bits / 2 + 1, bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1);
}

class key_table {
public:
    /// The slot width for keys of `bits` bits.
    static constexpr unsigned width_for(std::size_t bits) noexcept {
#if TCPV_PACKED_KEY_SLOTS
        return std::clamp<unsigned>(static_cast<unsigned>((bits + 7) / 8), 5, 8);
#else
        (void)bits;
        return 8;
#endif
    }

    key_table() = default;
    /// At least `min_slots` empty slots of `width` bytes (width_for).
    key_table(std::size_t min_slots, unsigned width)
        : width_(width), per_line_(64 / width), row_bytes_(per_line_ * width),
          lines_((std::max<std::size_t>(min_slots, 1) + per_line_ - 1) / per_line_),
          // Mapped, so page-aligned: no slot straddles a cache line.
          mapped_(std::max(lines_ * 64, mapped_threshold)),
          base_(static_cast<unsigned char*>(big_alloc(mapped_))),
          mask_(width >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * width)) - 1),
          hash_shift_(4 * width + 1), top_shift_(8 * width - 32) {}
    key_table(key_table&& o) noexcept { swap(o); }
    key_table& operator=(key_table&& o) noexcept {
        key_table t(std::move(o));
        swap(t);
        return *this;
    }
    key_table(const key_table&) = delete;
    key_table& operator=(const key_table&) = delete;
    ~key_table() { big_free(base_, mapped_); }

    [[nodiscard]] unsigned width() const noexcept { return width_; }
    /// The slot value of a key of at most width * 8 bits: mix_bijective_bits at this width.
    [[nodiscard, gnu::always_inline]] std::uint64_t hash(std::uint64_t key) const noexcept {
        return mix_bijective_masked(key, hash_shift_, mask_);
    }
    [[nodiscard]] std::size_t slots() const noexcept { return lines_ * per_line_; }
    [[nodiscard]] std::size_t bytes() const noexcept { return lines_ * 64; }

    /// A position on a probe path.
    struct cursor {
        unsigned char* at;
        unsigned char* row_end;  // the end of the slots of at's line
    };
    /// Where the probe path of hash `h` (width * 8 bits, not 0) starts: the line from the
    /// hash's top 32 bits (so the line is monotone in the hash), the slot in it from the low bits.
    [[nodiscard, gnu::always_inline]] cursor home(std::uint64_t h) const noexcept {
        const std::uint64_t top = h >> top_shift_;
        const std::size_t line = static_cast<std::size_t>((top * lines_) >> 32);
        const std::size_t j = static_cast<std::size_t>(((h & 0xffff) * per_line_) >> 16);
        unsigned char* row = base_ + line * 64;
        return {row + j * width_, row + row_bytes_};
    }
    /// The next slot on the path (after a line's last slot, the next line's first; after the
    /// table's last, its first).
    [[gnu::always_inline]] void next(cursor& c) const noexcept {
        c.at += width_;
        if (c.at == c.row_end) [[unlikely]] {
            c.at += 64 - row_bytes_;
            if (c.at == base_ + bytes()) c.at = base_;
            c.row_end = c.at + row_bytes_;
        }
    }
    /// The cache line where the path of `h` starts.
    [[nodiscard]] const void* home_line(std::uint64_t h) const noexcept { return home(h).at; }

    /// The slot's value (0: empty), read atomically.
    [[nodiscard, gnu::always_inline]] std::uint64_t load(const cursor& c) const noexcept { return load8(c.at) & mask_; }
    /// Puts `value` (not 0) in the slot if it is still empty; false if it is taken, or if a
    /// neighbour's claim raced with this one (the caller reads the slot again).
    [[nodiscard]] bool try_claim(const cursor& c, std::uint64_t value) const noexcept {
        return claim_from(c, word_at(c), value);
    }
    /// The 8 bytes a claim of the slot compares: the slot and the start of its neighbour.
    [[nodiscard]] std::uint64_t word_at(const cursor& c) const noexcept { return load8(c.at); }
    /// try_claim's second half: puts `value` in the slot if its 8 bytes still read `word` and
    /// the slot is empty in it. (Apart so that a test can change a neighbour in between.)
    [[nodiscard]] bool claim_from(const cursor& c, std::uint64_t word, std::uint64_t value) const noexcept {
        if ((word & mask_) != 0) return false;
        return cas8(c.at, word, word | value);
    }
    /// Puts `value` in an empty slot with a plain store (growing: no other thread runs).
    void put(const cursor& c, std::uint64_t value) noexcept {
        const std::uint64_t word = load8(c.at);
        store8(c.at, (word & ~mask_) | value);
    }

    /// Puts `value` (not 0, on the path of its own hash) in the first empty slot of its path,
    /// with plain stores (growing, one thread).
    void put_on_path(std::uint64_t value) noexcept {
        cursor c = home(value);
        while (load(c) != 0) next(c);
        put(c, value);
    }
    /// put_on_path, if the value's path starts within lines [lo, hi) and reaches an empty slot
    /// before line hi; otherwise false, and nothing is written. Threads given disjoint line
    /// ranges write disjoint lines, so they may place at once with plain stores (a slot's
    /// 8-byte store stays within its line).
    [[nodiscard]] bool put_within(std::uint64_t value, std::size_t lo, std::size_t hi) noexcept {
        cursor c = home(value);
        const unsigned char* const end = base_ + hi * 64;
        if (c.at < base_ + lo * 64 || c.at >= end) return false;
        while (load(c) != 0) {
            next(c);
            if (c.at == end || c.at == base_) return false;  // line hi, or past the table's last line
        }
        put(c, value);
        return true;
    }

    [[nodiscard]] std::size_t lines() const noexcept { return lines_; }
    /// Commits the pages of lines [lo, hi) ahead of their first probe (big_prefault), without
    /// changing any slot: safe while other threads write those lines.
    void prefault(std::size_t lo, std::size_t hi) noexcept { big_prefault(base_, lo * 64, hi * 64); }

    /// The table is drained in chunks of 256 KiB of lines (whole 4 KiB pages, given back as
    /// each is read): drain_chunk(c, f) calls f(value) for each occupied slot of chunk c's
    /// lines, [chunk_lines(c).first, chunk_lines(c).second), in order. (Growing reads the old
    /// table once, then frees it, so the two tables are never both resident in full.)
    static constexpr std::size_t lines_per_chunk = (std::size_t{256} << 10) / 64;
    [[nodiscard]] std::size_t chunks() const noexcept { return (lines_ + lines_per_chunk - 1) / lines_per_chunk; }
    [[nodiscard]] std::pair<std::size_t, std::size_t> chunk_lines(std::size_t c) const noexcept {
        return {c * lines_per_chunk, std::min(lines_, (c + 1) * lines_per_chunk)};
    }
    template <class F>
    void drain_chunk(std::size_t c, F&& f) {
        const auto [first, last] = chunk_lines(c);
        for (std::size_t line = first * 64; line < last * 64; line += 64)
            for (unsigned j = 0; j < per_line_; ++j)
                if (const std::uint64_t v = load8(base_ + line + j * width_) & mask_) f(v);
        big_discard(base_, mapped_, first * 64, last * 64);
    }
    /// Every chunk in order.
    template <class F>
    void drain(F&& f) {
        for (std::size_t c = 0; c < chunks(); ++c) drain_chunk(c, f);
    }

private:
    static std::uint64_t load8(const unsigned char* p) noexcept {
#if TCPV_PACKED_KEY_SLOTS
        std::uint64_t v;
        // A byte-array operand: the compiler learns which bytes are read, and no misaligned
        // 8-byte object is ever formed in C++.
        asm volatile("movq %1, %0" : "=r"(v) : "m"(*reinterpret_cast<const unsigned char(*)[8]>(p)));
        return v;
#else
        return std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(const_cast<unsigned char*>(p)))
            .load(std::memory_order_relaxed);
#endif
    }
    static void store8(unsigned char* p, std::uint64_t v) noexcept {
#if TCPV_PACKED_KEY_SLOTS
        asm volatile("movq %1, %0" : "=m"(*reinterpret_cast<unsigned char(*)[8]>(p)) : "r"(v));
#else
        std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(p)).store(v, std::memory_order_relaxed);
#endif
    }
    static bool cas8(unsigned char* p, std::uint64_t expected, std::uint64_t desired) noexcept {
#if TCPV_PACKED_KEY_SLOTS
        bool done;
        asm volatile("lock cmpxchgq %3, %1"
                     : "=@ccz"(done), "+m"(*reinterpret_cast<unsigned char(*)[8]>(p)), "+a"(expected)
                     : "r"(desired)
                     : "memory");
        return done;
#else
        return std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(p))
            .compare_exchange_strong(expected, desired, std::memory_order_relaxed);
#endif
    }
    void swap(key_table& o) noexcept {
        std::swap(width_, o.width_);
        std::swap(per_line_, o.per_line_);
        std::swap(row_bytes_, o.row_bytes_);
        std::swap(lines_, o.lines_);
        std::swap(mapped_, o.mapped_);
        std::swap(base_, o.base_);
        std::swap(mask_, o.mask_);
        std::swap(hash_shift_, o.hash_shift_);
        std::swap(top_shift_, o.top_shift_);
    }

    unsigned width_ = 8, per_line_ = 8, row_bytes_ = 64;
    std::size_t lines_ = 0, mapped_ = 0;
    unsigned char* base_ = nullptr;
    std::uint64_t mask_ = ~std::uint64_t{0};
    unsigned hash_shift_ = 33, top_shift_ = 32;
};

}  // namespace tcpv::detail
