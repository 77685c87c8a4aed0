#pragma once
/// \file tcpv/detail/state_store.hpp
/// The visited set: every distinct state once, numbered densely in breadth-first level order.
///
/// Two parts, and nothing else per state:
///   - the arena: the states themselves, record after record in id order, in fixed-size chunks
///     that never move. A record is the model's packed encoding (packing.hpp) when it has one,
///     else the state's own bytes (byte_hashable states), else the state object. Ids of one
///     breadth-first level are contiguous, so the arena doubles as the search queue and the
///     level boundaries are all that is needed to rebuild a shortest trace (trace_rebuild.hpp).
///   - the index: open addressing with linear probing over 32-bit slots. A slot holds id + 1 in
///     its low k bits (2^k slots) and k-independent hash bits above them as a tag, so most
///     mismatches are rejected without touching the arena. No parent links are stored.
///
/// Concurrency. Any number of workers insert at once without a lock: an empty slot is claimed
/// with one compare-and-swap (as "busy"), the winner takes an id from its private block of ids,
/// writes the record, and publishes the id with a release store; a worker that meets a busy
/// slot with its tag waits for the id. Growing the index (at 85% load) and closing a level
/// (which fills the gaps that unused block ends leave, so ids stay dense) happen while every
/// worker is parked; the search arranges that (search.hpp).
///
/// The key index (exact, for models whose packed state fits one 64-bit word): the index holds
/// the states themselves, each as a bijective hash of its key in a slot as wide as the key
/// (5 to 8 bytes, packed into cache lines: key_table.hpp), so a lookup is one memory access
/// and a comparison, with no record to fetch; the arena keeps only the newest level's
/// records (the search queue). It keeps no ids for the states of older levels, so nothing can
/// be looked up by id afterwards: traces come from a second search (checker.hpp).
///
/// Two optional storage modes trade exactness for memory; both keep only the newest level's
/// records (the search queue) and drop the index of ids:
///   - hash compaction: a fixed table of 32-bit fingerprints (see the constructor);
///   - bitstate (supertrace, Holzmann): an array of 2^W bits and k bit positions per state,
///     derived from its one 64-bit hash by double hashing (h1 + i*h2 mod 2^W). A state counts
///     as seen when all its k bits are set. The omission probability is an estimate (see
///     omission_probability).

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../model.hpp"
#include "../packing.hpp"
#include "key_table.hpp"
#include "memory.hpp"

namespace tcpv::detail {

using state_id = std::uint32_t;
inline constexpr state_id no_state = 0xffffffffu;
/// The most states one search stores (the index addresses at most 2^32 slots at 85% load).
inline constexpr std::uint64_t max_stored_states = 3'000'000'000ull;

/// A bijection of 64-bit words with good mixing (the MurmurHash3 finalizer): distinct keys get
/// distinct hashes, so the key index compares hashes instead of keys.
inline constexpr std::uint64_t mix_bijective(std::uint64_t x) noexcept { return mix_bijective_bits(x, 64); }

inline std::uint64_t hash_words(const std::uint64_t* w, std::size_t n) noexcept {
    std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    for (std::size_t i = 0; i < n; ++i) h = mix64(h ^ w[i], 0xe7037ed1a0b428dbULL);
    return mix64(h, 0x8ebc6af09c88c6e3ULL);
}

// ---- codecs: how a state becomes a record ------------------------------------------------------

/// Models with a packed encoding: the key is the packing, a record its first record_bytes bytes.
template <class M>
struct packed_codec {
    using state = typename M::state;
    using packer = packer_of<M>;
    static constexpr std::size_t max_bits = packer::max_packed_bits;
    static constexpr std::size_t words = max_bits == 0 ? 1 : (max_bits + 63) / 64;
    using key = std::array<std::uint64_t, words>;
    static constexpr bool in_bytes = true;

    explicit packed_codec(const M& m) : p_(m.make_packer()) {
        const std::size_t bits = p_.packed_bits();
        if (bits > max_bits)
            throw packing_error("tcpv: packed_bits() = " + std::to_string(bits) + " exceeds max_packed_bits = " +
                                std::to_string(max_bits));
        record_bytes = std::max<std::size_t>(1, (bits + 7) / 8);
        for (std::size_t i = 0; i < words; ++i) {
            const std::size_t lo = i * 64, hi = std::min<std::size_t>(record_bytes * 8, lo + 64);
            mask_[i] = hi <= lo ? 0 : hi - lo == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << (hi - lo)) - 1;
        }
    }
    std::size_t record_bytes = 1;
    [[nodiscard]] const packer& packing() const noexcept { return p_; }

    [[gnu::always_inline]] key encode(const state& s) const {
        key k{};
        bit_writer w(k.data(), words);
        p_.pack(s, w);
        return k;
    }
    state decode(const key& k) const {
        bit_reader r(k.data(), words);
        return p_.unpack(r);
    }
    static std::uint64_t hash(const key& k) noexcept { return hash_words(k.data(), words); }
    // Word by word: std::array's == became a call to libc's memcmp (12% of a search's time).
    static bool same(const key& a, const key& b) noexcept {
        bool equal = true;
        for (std::size_t i = 0; i < words; ++i) equal &= a[i] == b[i];
        return equal;
    }
    void store(unsigned char* dst, const key& k) const noexcept {
        if constexpr (words == 1) {
            // Two overlapping copies of fixed size instead of a call to memcpy with a run-time
            // size; never a byte past the record (the next one may be a peer's).
            const auto* src = reinterpret_cast<const unsigned char*>(k.data());
            const std::size_t n = record_bytes;
            if (n >= 4) {
                std::memcpy(dst, src, 4);
                std::memcpy(dst + n - 4, src + n - 4, 4);
            } else if (n >= 2) {
                std::memcpy(dst, src, 2);
                std::memcpy(dst + n - 2, src + n - 2, 2);
            } else {
                dst[0] = src[0];
            }
        } else {
            std::memcpy(dst, k.data(), record_bytes);
        }
    }
    // Reads a whole key (chunks are padded, so reading past a short record is safe) and masks it.
    key load(const unsigned char* src) const noexcept {
        key k;
        std::memcpy(k.data(), src, sizeof(key));
        for (std::size_t i = 0; i < words; ++i) k[i] &= mask_[i];
        return k;
    }
    bool equals(const unsigned char* src, const key& k) const noexcept { return same(load(src), k); }

private:
    packer p_;
    std::array<std::uint64_t, words> mask_{};
};

/// byte_hashable states: the key is the state, a record its bytes.
template <class M>
struct raw_codec {
    using state = typename M::state;
    using key = state;
    static constexpr bool in_bytes = true;
    static constexpr std::size_t record_bytes = sizeof(state);
    explicit raw_codec(const M&) {}
    const key& encode(const state& s) const noexcept { return s; }
    const state& decode(const key& k) const noexcept { return k; }
    static std::uint64_t hash(const key& k) noexcept { return hash_bytes(&k, sizeof(key)); }
    static bool same(const key& a, const key& b) noexcept { return std::memcmp(&a, &b, sizeof(key)) == 0; }
    void store(unsigned char* dst, const key& k) const noexcept { std::memcpy(dst, &k, sizeof(key)); }
    key load(const unsigned char* src) const noexcept {
        key k;
        std::memcpy(static_cast<void*>(&k), src, sizeof(key));
        return k;
    }
    bool equals(const unsigned char* src, const key& k) const noexcept { return std::memcmp(src, &k, sizeof(key)) == 0; }
};

/// Other states (std::hash): the key is the state, records are state objects.
template <class M>
struct object_codec {
    using state = typename M::state;
    using key = state;
    static constexpr bool in_bytes = false;
    static constexpr std::size_t record_bytes = sizeof(state);
    explicit object_codec(const M&) {}
    const key& encode(const state& s) const noexcept { return s; }
    const state& decode(const key& k) const noexcept { return k; }
    static std::uint64_t hash(const key& k) noexcept { return state_hash(k); }
    static bool same(const key& a, const key& b) { return a == b; }
};

/// A run of ids [first, last) that one worker's blocks held in a level, in the order the
/// worker stored them (state_store::level_runs).
struct id_run {
    std::uint64_t first, last;
    unsigned owner;
};

/// A codec whose key is one 64-bit word (a packed state of at most 64 bits).
template <class Codec>
inline constexpr bool one_word_key = false;
template <class M>
inline constexpr bool one_word_key<packed_codec<M>> = packed_codec<M>::words == 1;

template <class M>
using codec_for = std::conditional_t<packable<M>, packed_codec<M>,
                                     std::conditional_t<byte_hashable<typename M::state>, raw_codec<M>, object_codec<M>>>;

// ---- the arena ------------------------------------------------------------------------------------

template <class Codec>
class arena {
public:
    using key = typename Codec::key;
    static constexpr unsigned min_chunk_bits = Codec::in_bytes ? 16 : 12;
    static constexpr std::size_t max_chunks = (std::size_t{1} << 32) >> min_chunk_bits;

    /// Chunks of 2^chunk_bits records (byte records: 16 to 20; objects: 12).
    arena(const Codec& c, unsigned chunk_bits)
        : codec_(c), chunk_bits_(Codec::in_bytes ? chunk_bits : 12), chunk_records_(std::size_t{1} << chunk_bits_),
          chunks_(static_cast<void**>(big_alloc(max_chunks * sizeof(void*)))) {}  // zero pages: all null
    ~arena() {
        for (std::size_t i = 0; i < max_chunks; ++i)
            if (void* p = slot(i).load(std::memory_order_relaxed)) release(p, chunk_bytes());
        big_free(chunks_, max_chunks * sizeof(void*));
    }
    /// Frees the chunks that hold only ids below `id` (the frontier-only stores keep the
    /// levels being read and written). One thread at a time; others may read ids >= `id`.
    void release_below(std::uint64_t id) {
        const std::uint64_t from = released_chunks_.load(std::memory_order_relaxed), to = id >> chunk_bits_;
        for (std::uint64_t c = from; c < to; ++c)
            if (void* p = slot(c).exchange(nullptr)) release(p, chunk_bytes());
        if (to > from) released_chunks_.store(to, std::memory_order_relaxed);
    }
    /// Whether the record of `id` is still kept.
    [[nodiscard]] bool kept(std::uint64_t id) const noexcept {
        return (id >> chunk_bits_) >= released_chunks_.load(std::memory_order_relaxed);
    }
    /// Bytes of the chunks allocated now.
    [[nodiscard]] std::uint64_t chunk_bytes_held(std::uint64_t end) const noexcept {
        const std::uint64_t used = (end + chunk_records_ - 1) >> chunk_bits_;
        const std::uint64_t chunks = used - std::min<std::uint64_t>(released_chunks_.load(std::memory_order_relaxed), used);
        return chunks * chunk_bytes();
    }
    arena(const arena&) = delete;
    arena& operator=(const arena&) = delete;

    /// Makes sure ids [first, end) have storage (any thread; chunks are created once, by CAS).
    void reserve(std::uint64_t first, std::uint64_t end) {
        for (std::uint64_t c = first >> chunk_bits_; c < (end + chunk_records_ - 1) >> chunk_bits_; ++c)
            if (!slot(c).load(std::memory_order_acquire)) create(static_cast<std::size_t>(c));
    }
    void put(state_id id, const key& k) {
        if constexpr (Codec::in_bytes)
            codec_.store(at(id), k);
        else
            object(id) = k;
    }
    key get(state_id id) const {
        if constexpr (Codec::in_bytes)
            return codec_.load(at(id));
        else
            return object(id);
    }
    bool equals(state_id id, const key& k) const {
        if constexpr (Codec::in_bytes)
            return codec_.equals(at(id), k);
        else
            return object(id) == k;
    }
    void prefetch(state_id id) const noexcept {
        if constexpr (Codec::in_bytes) prefetch_line(at(id));
    }
    /// Bytes of the records of ids [0, n).
    [[nodiscard]] std::uint64_t bytes(std::uint64_t n) const noexcept { return n * codec_.record_bytes; }

private:
    unsigned char* at(state_id id) const noexcept {
        auto* base = static_cast<unsigned char*>(slot(id >> chunk_bits_).load(std::memory_order_acquire));
        return base + (id & (chunk_records_ - 1)) * codec_.record_bytes;
    }
    typename Codec::key& object(state_id id) const noexcept {
        auto* base = static_cast<key*>(slot(id >> chunk_bits_).load(std::memory_order_acquire));
        return base[id & (chunk_records_ - 1)];
    }
    void create(std::size_t c) {
        void* p = nullptr;
        if constexpr (Codec::in_bytes) {
            // Padding: a key is read whole even when the record is shorter (packed_codec::load).
            p = big_alloc(chunk_bytes());
        } else {
            p = new key[chunk_records_];
        }
        void* expected = nullptr;
        if (!slot(c).compare_exchange_strong(expected, p, std::memory_order_acq_rel)) release(p, chunk_bytes());
    }
    // Padding: a key is read whole even when the record is shorter (packed_codec::load).
    std::size_t chunk_bytes() const noexcept { return chunk_records_ * codec_.record_bytes + sizeof(key) + 8; }
    static void release(void* p, std::size_t bytes) {
        if constexpr (Codec::in_bytes)
            big_free(p, bytes);
        else
            delete[] static_cast<key*>(p);
    }

    Codec codec_;
    unsigned chunk_bits_;
    std::size_t chunk_records_;
    // The chunk pointers, read and set atomically (slot); untouched entries cost no memory.
    std::atomic_ref<void*> slot(std::uint64_t c) const noexcept { return std::atomic_ref<void*>(chunks_[c]); }
    void** chunks_;
    std::atomic<std::uint64_t> released_chunks_{0};
};

// ---- the store ------------------------------------------------------------------------------------

template <class M>
class state_store {
public:
    using codec = codec_for<M>;
    using state = typename M::state;
    using key = typename codec::key;
    using id_type = state_id;
    static constexpr id_type no_id = no_state;

    /// A worker's private block of ids: [next, end).
    struct alignas(64) worker_ids {  // one cache line each: workers bump their own
        std::uint64_t next = 0, end = 0;
        std::uint64_t compared = 0;  ///< hash compaction: occupied slots passed by new states
        std::vector<std::pair<std::uint64_t, std::uint64_t>> blocks;  ///< taken in this level, merged
    };
    /// The last closed level as its workers' blocks held it: runs in id order that cover it
    /// exactly; empty when ids were taken one at a time (a states limit).
    [[nodiscard]] const std::vector<id_run>& level_runs() const noexcept { return level_runs_; }

    /// The store keeps its own copy of the model (a packed codec calls it). With hash
    /// compaction (`compact_bits` > 0) the index is a fixed table of 2^compact_bits slots that
    /// keeps a 32-bit fingerprint per state instead of its id (the fingerprint and the home
    /// slot come from independent hash bits), a state is "seen" when its fingerprint is met on
    /// its probe path, and only the records of the newest level are kept (the search queue).
    /// The table is filled to 90% at most; the search then stops (limit "hash-table-full").
    ///
    /// With bitstate (`bitstate_bits` > 0, `compact_bits` 0) there is no table of states at all:
    /// 2^bitstate_bits bits, `bitstate_hashes` of them set per state (bitstate_insert).
    ///
    /// With `key_index` (and neither of the two, and a model whose packing fits 64 bits:
    /// `can_index_keys`) the index holds the keys themselves (insert); otherwise the flag
    /// is ignored.
    ///
    /// Exact storage starts with an index for `expected_states` states (filled to 84% by
    /// them: no growth on the way there), or for a few thousand when it is 0; either way it
    /// grows when needed. Its pages are committed as the states touch them, not at once: an
    /// expected count far above what a run stores would otherwise commit memory that
    /// `max_memory` could not stop (a grown index is committed by the rehash, rehash_keys).
    state_store(const M& m, unsigned workers, std::uint64_t max_states, unsigned compact_bits = 0,
                unsigned bitstate_bits = 0, unsigned bitstate_hashes = 3, bool key_index = false,
                std::uint64_t expected_states = 0)
        : model_(m), codec_(model_),
          arena_(codec_, compact_bits || bitstate_bits || (key_index && can_index_keys) ? 16 : 20),
          workers_(std::max(1u, workers)), cap_(std::min(max_states, max_stored_states)), compact_(compact_bits > 0),
          keys_(can_index_keys && key_index && compact_bits == 0 && bitstate_bits == 0),
          bitstate_(compact_bits == 0 && bitstate_bits > 0) {
        if (keys_) {
            key_width_ = key_table::width_for(codec_.record_bytes * 8);
            reset_index(initial_slots(expected_states));
        } else if (bitstate_) {
            bit_log2_ = bitstate_bits;
            bit_hashes_ = std::max(1u, bitstate_hashes);
            bit_words_ = std::max<std::uint64_t>(1, (std::uint64_t{1} << bitstate_bits) / 64);
            bits_ = static_cast<std::uint64_t*>(big_alloc(static_cast<std::size_t>(bit_words_) * sizeof(std::uint64_t)));
            if (workers_ > 1) bit_locks_ = std::make_unique<std::atomic<std::uint8_t>[]>(bit_lock_count);
            reset_index(64);  // unused: only its size shapes the id blocks (update_block)
            grow_at_ = ~std::uint64_t{0};
        } else if (compact_) {
            const std::uint64_t slots = std::uint64_t{1} << compact_bits;
            table_cap_ = slots / 10 * 9;
            cap_ = std::min(cap_, table_cap_);
            reset_index(slots);
            grow_at_ = ~std::uint64_t{0};  // a fixed table: the fingerprints cannot be rehashed
        } else {
            reset_index(initial_slots(expected_states));
        }
        levels_.push_back(0);
    }
    /// Whether the stop at the states limit came from a full hash-compaction table.
    [[nodiscard]] bool table_full() const noexcept { return compact_ && next_id_.load() >= table_cap_; }
    ~state_store() {
        free_index();
        big_free(bits_, static_cast<std::size_t>(bit_words_) * sizeof(std::uint64_t));
    }

    /// Whether this model's keys fit the key index: a packed state of at most 64 bits.
    static constexpr bool can_index_keys = one_word_key<codec>;
    /// The key index (see the constructor).
    [[nodiscard]] bool key_index() const noexcept { return keys_; }
    /// Whether only the newest level's records are kept (key index, hash compaction, bitstate).
    [[nodiscard]] bool frontier_only() const noexcept { return keys_ || compact_ || bitstate_; }
    /// Frontier-only stores: frees the records below `id` (parents already expanded), from one
    /// thread at a time while the level goes on.
    void release_records_below(std::uint64_t id) {
        if (frontier_only()) arena_.release_below(id);
    }
    /// The one hash of a key that every lookup uses (the key index needs a bijection).
    [[nodiscard]] std::uint64_t hash(const key& k) const noexcept {
        if constexpr (can_index_keys) {
            if (keys_) return keys_table_.hash(k[0]);
        }
        return codec::hash(k);
    }

    /// Hash compaction (see the constructor).
    [[nodiscard]] bool hash_compaction() const noexcept { return compact_; }
    /// Bitstate (see the constructor).
    [[nodiscard]] bool bitstate() const noexcept { return bitstate_; }
    /// Either inexact mode: only fingerprints or bits of the states, and only the newest level's records.
    [[nodiscard]] bool inexact() const noexcept { return compact_ || bitstate_; }
    /// Bitstate: the expected number of new states taken for seen ones, E = sum over the n
    /// stored states of (1 - e^{-k i / m})^k, i = 0..n-1: the chance that a new state's k bits
    /// were all set already when i states had set theirs (m bits, k hashes; the standard Bloom
    /// filter estimate, treating the k positions as independent). Summed exactly up to 4096
    /// states, beyond that by the trapezoid rule over 4096 steps (the term is smooth and rising).
    [[nodiscard]] double expected_omissions() const noexcept {
        if (!bitstate_) return 0;
        const double n = double(size()), m = std::ldexp(1.0, int(bit_log2_)), k = double(bit_hashes_);
        auto p = [&](double i) { return std::pow(-std::expm1(-k * i / m), k); };
        if (n <= 4096) {
            double e = 0;
            for (double i = 0; i < n; ++i) e += p(i);
            return e;
        }
        const int steps = 4096;
        const double dx = (n - 1) / steps;
        double e = (p(0) + p(n - 1)) / 2;
        for (int j = 1; j < steps; ++j) e += p(j * dx);
        return e * dx + (p(0) + p(n - 1)) / 2;  // sum = integral + half the end terms (Euler-Maclaurin)
    }
    /// Bitstate: the chance that one more new state would be taken for a seen one now.
    [[nodiscard]] double false_positive_rate() const noexcept {
        if (!bitstate_) return 0;
        const double n = double(size()), m = std::ldexp(1.0, int(bit_log2_)), k = double(bit_hashes_);
        return std::pow(-std::expm1(-k * n / m), k);
    }
    /// Hash compaction: an upper bound on the probability that some new state was taken for a
    /// seen one. Each comparison of a new state's fingerprint with an occupied slot on its probe
    /// path matches by chance with probability 2^-32; summed over the comparisons made.
    /// Bitstate: an estimate, 1 - e^{-E} with E = expected_omissions() (the omissions taken as
    /// a Poisson count): the probability that at least one state was missed.
    [[nodiscard]] double omission_probability() const noexcept {
        if (bitstate_) return -std::expm1(-expected_omissions());
        if (!compact_) return 0;
        double compared = 0;
        for (const auto& w : ids_) compared += double(w.compared);
        return 1.0 - std::exp(-compared / 4294967296.0);
    }
    /// Whether state `id` can still be read (hash compaction drops all but the newest levels).
    [[nodiscard]] bool kept(id_type id) const noexcept { return arena_.kept(id); }
    state_store(const state_store&) = delete;
    state_store& operator=(const state_store&) = delete;

    [[nodiscard]] const codec& codec_of() const noexcept { return codec_; }

    /// Stored states (exact between levels; during a level, ids handed out so far).
    [[nodiscard]] std::size_t size() const noexcept { return static_cast<std::size_t>(std::min(next_id_.load(std::memory_order_relaxed), cap_)); }
    /// State `id`, decoded (a frontier-only store throws for the levels it no longer keeps).
    [[nodiscard]] state operator[](id_type id) const { return state(codec_.decode(key_of(id))); }

    /// Asks for the record of kept state `id` ahead of key_of(id).
    void prefetch_record_of(id_type id) const noexcept { arena_.prefetch(id); }
    /// The stored key of state `id` (operator[] without decoding it).
    [[nodiscard]] key key_of(id_type id) const {
        if (!arena_.kept(id)) [[unlikely]]
            throw std::logic_error(std::string("tcpv: with ") + mode_name() +
                                   " only the newest levels' states are kept (state " +
                                   std::to_string(id) + " is gone)");
        return arena_.get(id);
    }

    /// The id of a stored state, if it is stored (not during a parallel level).
    [[nodiscard]] std::optional<id_type> find(const state& s) const {
        if (keys_)
            throw std::logic_error("tcpv: a search with the key index keeps no ids of older states: "
                                   "looking a state up needs the states kept (keep_explored)");
        if (compact_)
            throw std::logic_error("tcpv: a search with hash compaction keeps fingerprints, not states: "
                                   "looking a state up needs exact storage");
        if (bitstate_)
            throw std::logic_error("tcpv: a search with bitstate keeps bits, not states: "
                                   "looking a state up needs exact storage");
        const key k = codec_.encode(s);
        const id_type id = find_key(k, codec::hash(k));
        if (id == no_id) return std::nullopt;
        return id;
    }
    [[nodiscard]] id_type find_key(const key& k, std::uint64_t h) const {
        const std::uint32_t t = tag_of(h);
        for (std::size_t i = home_of(h);; i = next_slot(i)) {
            const std::uint32_t v = slots_[i];
            if (v == 0) return no_id;
            if ((v & ~id_mask_) == t && (v & id_mask_) < dead_ && arena_.equals((v & id_mask_) - 1, k))
                return (v & id_mask_) - 1;
        }
    }

    // ---- levels: ids of depth d are [level_begin(d), level_begin(d + 1)) ----
    [[nodiscard]] std::size_t level_count() const noexcept { return levels_.size() - 1; }
    [[nodiscard]] id_type level_begin(std::size_t d) const noexcept { return levels_[d]; }
    [[nodiscard]] id_type level_end(std::size_t d) const noexcept { return levels_[d + 1]; }
    [[nodiscard]] std::size_t depth_of(id_type id) const noexcept {
        return static_cast<std::size_t>(std::upper_bound(levels_.begin(), levels_.end(), id) - levels_.begin()) - 1;
    }

    enum class outcome : std::uint8_t { existing, added, full };

    void prefetch(std::uint64_t h) const noexcept {
        if (keys_) {
            prefetch_line(keys_table_.home_line(h));
            return;
        }
        if (bitstate_) {
            const std::uint64_t h2 = bit_step(h), mask = (std::uint64_t{1} << bit_log2_) - 1;
            for (unsigned i = 0; i < bit_hashes_; ++i) prefetch_line(bits_ + (((h + i * h2) & mask) >> 6));
            return;
        }
        prefetch_line(slots_ + home_of(h));
    }
    /// Prefetches the record a lookup of `h` will compare first: the first slot of its probe
    /// run (at most 8 slots) whose tag matches.
    void prefetch_record(std::uint64_t h) const noexcept {
        if (bitstate_ || keys_) return;  // no records to compare
        const std::uint32_t t = tag_of(h);
        std::size_t i = home_of(h);
        for (int n = 0; n < 8; ++n, i = next_slot(i)) {
            const std::uint32_t v = std::atomic_ref<std::uint32_t>(slots_[i]).load(std::memory_order_relaxed);
            if (v == 0) return;
            if ((v & ~id_mask_) == t && (v & id_mask_) < dead_) return arena_.prefetch((v & id_mask_) - 1);
        }
    }

    /// Looks `k` (hash `h`) up and adds it if it is new, with an id from worker `w`'s block.
    /// Safe from many threads at once. `full`: the states limit is reached (nothing added).
    [[gnu::always_inline]] outcome insert(const key& k, std::uint64_t h, unsigned w, id_type& id) {
        if constexpr (can_index_keys) {
            // The key index's common case, a state seen before, inline in the caller's loop:
            // walk the probe path to the state's hash (seen) or an empty slot (claim it there).
            if (keys_ && h != 0) [[likely]] {
                for (auto c = keys_table_.home(h);; keys_table_.next(c)) {
                    const std::uint64_t v = keys_table_.load(c);
                    if (v == h) return outcome::existing;
                    if (v == 0) {
                        std::uint64_t passed = 0;
                        return claim(keys_table_, c, h, k, w, id, passed);
                    }
                }
            }
        }
        return insert_elsewhere(k, h, w, id);
    }

private:
    [[gnu::noinline]] outcome insert_elsewhere(const key& k, std::uint64_t h, unsigned w, id_type& id) {
        if (keys_) return insert_zero_key(k, w, id);  // (insert handles every other hash)
        if (bitstate_) return bitstate_insert(k, h, w, id);
        if (compact_) return insert_fingerprint(k, h, w, id);
        const std::uint32_t t = tag_of(h);
        for (std::size_t i = home_of(h);; i = next_slot(i)) {
            std::atomic_ref<std::uint32_t> slot(slots_[i]);
            std::uint32_t v = slot.load(std::memory_order_acquire);
            if (v == 0) {
                if (slot.compare_exchange_strong(v, t | busy_, std::memory_order_acquire)) {
                    if (!take_id(w, id)) {
                        // A tombstone, not an empty slot: others may have probed past it.
                        slot.store(t | dead_, std::memory_order_release);
                        return outcome::full;
                    }
                    arena_.put(id, k);
                    slot.store(t | (id + 1), std::memory_order_release);
                    return outcome::added;
                }
            }
            if ((v & ~id_mask_) != t) continue;
            while ((v & id_mask_) == busy_) v = slot.load(std::memory_order_acquire);  // a peer is writing
            if ((v & id_mask_) < dead_ && arena_.equals((v & id_mask_) - 1, k)) {
                id = (v & id_mask_) - 1;
                return outcome::existing;
            }
        }
    }

public:
    /// Whether the index should grow before more inserts (checked by workers at safe points).
    [[nodiscard]] bool wants_growth() const noexcept { return next_id_.load(std::memory_order_relaxed) >= grow_at_; }

    /// Grows the index by half (until the states fill less than 85% of it) and moves every
    /// state into it, on the calling thread. Every worker must be parked.
    void grow() {
        begin_growth(1);
        rehash_part(0, 1);
        finish_growth();
    }
    /// Growing in parallel, every worker parked: one calls begin_growth(n) (a new, larger,
    /// empty index), then each of the n calls rehash_part(i, n) (its share of the records),
    /// then one calls finish_growth.
    void begin_growth(unsigned parts) {
        growth_holes_ = unused_ids();
        std::uint64_t n = capacity_;
        while (static_cast<std::uint64_t>(double(n) * 0.85) <= next_id_.load()) n += n / 2;
        if (keys_) {
            old_keys_ = std::move(keys_table_);  // read by rehash_part, then freed
            growth_left_over_.assign(parts, {});
            growth_next_chunk_.store(0, std::memory_order_relaxed);
        }
        reset_index(n);
    }
    void rehash_part(unsigned part, unsigned parts) {
        if (keys_) return rehash_keys(part);
        const std::uint64_t total = std::min(next_id_.load(), cap_);
        const std::uint64_t first = total * part / parts, last = total * (part + 1) / parts;
        const auto& holes = growth_holes_;
        std::size_t hole = 0;
        constexpr std::size_t ahead = 16;
        std::uint64_t hashes[ahead];
        auto hash_of = [&](std::uint64_t id) { return codec::hash(arena_.get(static_cast<id_type>(id))); };
        for (std::uint64_t id = first; id < std::min(last, first + ahead); ++id) prefetch(hashes[id % ahead] = hash_of(id));
        for (std::uint64_t id = first; id < last; ++id) {
            const std::uint64_t h = hashes[id % ahead];
            if (id + ahead < last) prefetch(hashes[(id + ahead) % ahead] = hash_of(id + ahead));
            while (hole < holes.size() && holes[hole].second <= id) ++hole;
            if (hole < holes.size() && holes[hole].first <= id) continue;  // an id handed out but unused
            place(h, static_cast<id_type>(id));
        }
    }


    /// After every part: places the key index's slots that the parts left over (rehash_keys)
    /// and frees the old table.
    void finish_growth() {
        for (auto& part : growth_left_over_)
            for (const std::uint64_t h : part) keys_table_.put_on_path(h);
        growth_left_over_ = {};
        old_keys_ = key_table{};
    }

    /// Closes the level whose states were inserted since the last call: the unused ends of
    /// the workers' id blocks are filled with the level's last records (their index entries
    /// follow), so ids stay dense. Every worker must be parked. Returns the level's size.
    std::uint64_t close_level() {
        const auto holes = unused_ids();
        const std::uint64_t end = std::min(next_id_.load(), cap_);
        std::uint64_t unused = 0;
        for (const auto& [b, e] : holes) unused += std::min(e, end) - std::min(b, end);
        const std::uint64_t valid_end = end - unused;
        // The used ids at or above valid_end move into the holes below it (as many of each).
        std::vector<std::uint64_t> targets, sources;
        for (const auto& [b, e] : holes)
            for (std::uint64_t id = b; id < std::min(e, valid_end); ++id) targets.push_back(id);
        std::size_t h = 0;
        for (std::uint64_t id = valid_end; id < end; ++id) {
            while (h < holes.size() && holes[h].second <= id) ++h;
            if (h < holes.size() && holes[h].first <= id) continue;
            sources.push_back(id);
        }
        for (std::size_t i = 0; i < targets.size(); ++i) {
            if (frontier_only())  // no ids in the index: only the record moves
                arena_.put(static_cast<id_type>(targets[i]), arena_.get(static_cast<id_type>(sources[i])));
            else
                move(static_cast<id_type>(sources[i]), static_cast<id_type>(targets[i]));
        }
        next_id_.store(valid_end);
        // The level's runs: its ids by the block that held them (a hole filled above keeps
        // its block's owner), cut at the level's end.
        level_runs_.clear();
        for (unsigned w = 0; w < ids_.size(); ++w) {
            for (const auto& [b, e] : ids_[w].blocks)
                if (b < valid_end) level_runs_.push_back({b, std::min(e, valid_end), w});
            ids_[w].blocks.clear();
            ids_[w].next = ids_[w].end = 0;
        }
        std::sort(level_runs_.begin(), level_runs_.end(),
                  [](const id_run& a, const id_run& b) { return a.first < b.first; });
        const std::uint64_t size = valid_end - levels_.back();
        // Frontier-only stores keep only the records of the level just closed: the next parents.
        if (frontier_only()) arena_.release_below(levels_.back());
        levels_.push_back(static_cast<id_type>(valid_end));
        return size;
    }
    /// Forgets an empty last level (the search ended).
    void drop_empty_last_level() {
        while (levels_.size() > 2 && levels_[levels_.size() - 1] == levels_[levels_.size() - 2]) levels_.pop_back();
    }

    /// Bytes held by the records and the index.
    [[nodiscard]] std::uint64_t bytes() const noexcept {
        if (keys_) return arena_.chunk_bytes_held(size()) + keys_table_.bytes();
        if (bitstate_) return arena_.chunk_bytes_held(size()) + bit_words_ * sizeof(std::uint64_t);
        if (compact_) return arena_.chunk_bytes_held(size()) + capacity_ * sizeof(std::uint32_t);
        return arena_.bytes(size()) + capacity_ * sizeof(std::uint32_t);
    }

private:
    // Exact storage's first index: room for `expected` states (at most as many as the states
    // limit allows) at 84%, the densest table they do not make grow (growth comes at 85%).
    // Medium set, 2 threads: as fast as at 80%, and 1.3 MiB smaller. The growth test counts
    // the ids of the workers' blocks as taken, so their blocks are added: without them a run
    // told its exact size of 113,947 states still grew once on two threads.
    std::uint64_t initial_slots(std::uint64_t expected) const noexcept {
        if (expected == 0) return 4096;
        const std::uint64_t states = std::min(expected, cap_) + std::uint64_t{workers_} * max_block;
        return std::max<std::uint64_t>(4096, states * 100 / 84 + 64);
    }
    // A new, empty index of `n` slots (any n: the home slot is a multiply-shift, not a mask),
    // grown by half when 85% full, so it is 57% to 85% full.
    void reset_index(std::uint64_t n) {
        n = std::min<std::uint64_t>(n, std::uint64_t{1} << 32);
        free_index();
        if (keys_) {
            keys_table_ = key_table(static_cast<std::size_t>(n), key_width_);
            n = keys_table_.slots();
        } else {
            slots_ = static_cast<std::uint32_t*>(big_alloc(static_cast<std::size_t>(n) * sizeof(std::uint32_t)));
        }
        capacity_ = static_cast<std::size_t>(n);
        const unsigned id_bits = static_cast<unsigned>(std::bit_width(n - 1));  // ids (+1) < 85% of n
        id_mask_ = id_bits >= 32 ? 0xffffffffu : (std::uint32_t{1} << id_bits) - 1;
        busy_ = id_mask_;  // id + 1 never reaches these two
        dead_ = id_mask_ - 1;
        grow_at_ = std::min<std::uint64_t>(static_cast<std::uint64_t>(double(n) * 0.85), max_stored_states);
        if (n >= (std::uint64_t{1} << 32)) grow_at_ = ~std::uint64_t{0};
        if (ids_.empty()) ids_.assign(workers_, {});
        update_block();
    }
    void free_index() noexcept {
        big_free(slots_, capacity_ * sizeof(std::uint32_t));
        slots_ = nullptr;
        keys_table_ = key_table{};
    }
    const char* mode_name() const noexcept {
        return keys_ ? "the key index" : bitstate_ ? "bitstate" : "hash compaction";
    }
    static constexpr std::uint64_t max_block = 1024;
    void update_block() {
        // With a states limit every id is taken singly, so the limit is exact; otherwise a
        // worker's block is at most 1/32 of the index over all workers (bounded overshoot).
        const std::uint64_t span = bitstate_ ? std::uint64_t{1} << 16 : capacity_;  // bitstate: no index to size it
        block_ = cap_ < max_stored_states && !inexact() ? 1 : std::clamp<std::uint64_t>(span / 32 / workers_, 1, max_block);
    }
    // The home slot comes from the hash's high 32 bits, the tag from its low 32 bits.
    std::size_t home_of(std::uint64_t h) const noexcept {
        return static_cast<std::size_t>(((h >> 32) * static_cast<std::uint64_t>(capacity_)) >> 32);
    }
    std::size_t next_slot(std::size_t i) const noexcept { return i + 1 == capacity_ ? 0 : i + 1; }
    std::uint32_t tag_of(std::uint64_t h) const noexcept { return static_cast<std::uint32_t>(h) & ~id_mask_; }

    [[gnu::always_inline]] bool take_id(unsigned w, id_type& id) {
        worker_ids& b = ids_[w];
        if (b.next == b.end) [[unlikely]]
            if (!take_block(b)) return false;
        id = static_cast<id_type>(b.next++);
        return true;
    }
    [[gnu::noinline]] bool take_block(worker_ids& b) {
        const std::uint64_t first = next_id_.fetch_add(block_, std::memory_order_relaxed);
        if (first >= cap_) return false;
        b.next = first;
        b.end = std::min(first + block_, cap_);
        if (block_ > 1) {  // single ids (a states limit) would make a run per state
            if (!b.blocks.empty() && b.blocks.back().second == first)
                b.blocks.back().second = b.end;
            else
                b.blocks.emplace_back(first, b.end);
        }
        arena_.reserve(b.next, b.end);
        return true;
    }
    // The probe-and-claim loop that hash compaction and the key index share: a slot holds
    // `value` (a fingerprint, or the key's bijective hash) or 0 (empty). The state is seen when
    // `value` is met on its probe path; otherwise it claims the first empty slot with one
    // compare-and-swap, so no slot is ever "busy", and its record goes to the arena (the next
    // level's queue). `passed` counts the occupied slots of other values probed past. The walk
    // starts at `c`: the home slot, or a later one on the path when the slots before it are
    // known to hold other values. A table gives cursors, load, try_claim and next.
    template <class Table>
    outcome claim(const Table& table, typename Table::cursor c, std::uint64_t value, const key& k, unsigned w,
                  id_type& id, std::uint64_t& passed) {
        for (;; table.next(c)) {
            std::uint64_t v = table.load(c);
            while (v == 0) {  // (a claim may fail while the slot stays empty: key_table's neighbours)
                if (!take_id(w, id)) return outcome::full;  // the limit or a full table; nothing claimed
                if (table.try_claim(c, value)) {
                    arena_.put(id, k);
                    return outcome::added;
                }
                give_back_id(w);
                v = table.load(c);
            }
            if (v == value) return outcome::existing;
            ++passed;
        }
    }
    // Hash compaction's table of 32-bit fingerprints, as claim walks tables.
    struct fingerprint_slots {
        std::uint32_t* slots;
        std::size_t n;
        using cursor = std::size_t;
        std::uint64_t load(cursor i) const noexcept {
            return std::atomic_ref<std::uint32_t>(slots[i]).load(std::memory_order_relaxed);
        }
        bool try_claim(cursor i, std::uint64_t value) const noexcept {
            std::uint32_t expected = 0;
            return std::atomic_ref<std::uint32_t>(slots[i]).compare_exchange_strong(
                expected, static_cast<std::uint32_t>(value), std::memory_order_relaxed);
        }
        void next(cursor& i) const noexcept { i = i + 1 == n ? 0 : i + 1; }
    };
    // Hash compaction: the fingerprint is the hash's low 32 bits (never 0); the home slot
    // comes from its high 32 bits, so states on one probe path share a fingerprint only by
    // chance (2^-32 per comparison, counted for the report's bound).
    outcome insert_fingerprint(const key& k, std::uint64_t h, unsigned w, id_type& id) {
        const std::uint32_t fp = static_cast<std::uint32_t>(h) == 0 ? 1u : static_cast<std::uint32_t>(h);
        std::uint64_t compared = 0;
        const outcome r = claim(fingerprint_slots{slots_, capacity_}, home_of(h), fp, k, w, id, compared);
        if (r == outcome::added) ids_[w].compared += compared;
        return r;
    }
    // Bitstate: the k bit positions are (h1 + i*h2) mod 2^W, i = 0..k-1, with h1 the hash and
    // h2 an odd remix of it (double hashing; odd, so the k positions differ). A state is new
    // when one of its bits is still clear; its bits are then set with fetch_or, so states that
    // share bits never lose one another's. Two workers inserting the same new state at once
    // could each find a different bit clear and both add it, so a worker about to add a state
    // takes a lock from a small striped set, chosen by the hash, and looks again (one worker:
    // no lock). States whose bits are all set already, most lookups, take no lock: a peer
    // still setting them makes them look clear, never set.
    static std::uint64_t bit_step(std::uint64_t h) noexcept { return mix64(h, 0x94d049bb133111ebULL) | 1; }
    bool bits_all_set(std::uint64_t h, std::uint64_t h2, std::uint64_t mask) const noexcept {
        for (unsigned i = 0; i < bit_hashes_; ++i) {
            const std::uint64_t b = (h + i * h2) & mask;
            const std::uint64_t word = std::atomic_ref<std::uint64_t>(bits_[b >> 6]).load(std::memory_order_acquire);
            if (!((word >> (b & 63)) & 1)) return false;
        }
        return true;
    }
    outcome bitstate_insert(const key& k, std::uint64_t h, unsigned w, id_type& id) {
        const std::uint64_t mask = (std::uint64_t{1} << bit_log2_) - 1;
        const std::uint64_t h2 = bit_step(h);
        if (bits_all_set(h, h2, mask)) return outcome::existing;
        std::atomic<std::uint8_t>* lock = nullptr;
        if (bit_locks_) {
            lock = &bit_locks_[(h >> 40) & (bit_lock_count - 1)];
            while (lock->exchange(1, std::memory_order_acquire))
                while (lock->load(std::memory_order_relaxed)) {
                }
        }
        struct unlock_on_exit {
            std::atomic<std::uint8_t>* l;
            ~unlock_on_exit() {
                if (l) l->store(0, std::memory_order_release);
            }
        } unlock{lock};
        if (lock && bits_all_set(h, h2, mask)) return outcome::existing;  // a peer added it meanwhile
        if (!take_id(w, id)) return outcome::full;  // the states limit; no bit set
        for (unsigned i = 0; i < bit_hashes_; ++i) {
            const std::uint64_t b = (h + i * h2) & mask;
            std::atomic_ref<std::uint64_t>(bits_[b >> 6]).fetch_or(std::uint64_t{1} << (b & 63), std::memory_order_release);
        }
        arena_.put(id, k);
        return outcome::added;
    }
    // The key index (insert): a slot holds hash(key), a bijection of the key, so equal hashes
    // are equal keys and no record is read; 0 marks an empty slot, so the one key whose hash is
    // 0 has a flag of its own, here.
    outcome insert_zero_key(const key& k, unsigned w, id_type& id) {
        if (zero_key_.load(std::memory_order_acquire)) return outcome::existing;
        if (!take_id(w, id)) return outcome::full;
        if (zero_key_.exchange(true, std::memory_order_acq_rel)) {
            give_back_id(w);
            return outcome::existing;
        }
        arena_.put(id, k);
        return outcome::added;
    }
    // Growing the key index: moves the old table's slots into the new one. The home slot is
    // monotone in the hash (home_of), so the old table read in order is written in order, and
    // the old pages already read are given back as it goes: the two tables are never both
    // resident in full.
    //
    // The parts share the work a chunk of the old table at a time (key_table::drain_chunk),
    // taking the next chunk from a shared counter: they keep busy until the end, and work on
    // neighbouring chunks, so the new table is written at one front, as by one worker. (Parts
    // given a half of the table each had two fronts, each with a freshly touched 2 MiB page
    // ahead of what had been read: the peak grew by 1 to 2 MiB on two threads.) A chunk's
    // slots go, with plain stores, only into the new table's lines that its lines map to; the
    // few whose path would leave them (a path past the last line, or a slot carried over from
    // the chunk before) wait in the part's list for finish_growth, which places them when
    // every part is done. Linear probing does not mind the order: each slot still takes the
    // first empty slot of its path.
    void rehash_keys(unsigned part) {
        const std::size_t old_lines = old_keys_.lines(), new_lines = keys_table_.lines();
        auto& left_over = growth_left_over_[part];
        for (std::size_t c; (c = growth_next_chunk_.fetch_add(1, std::memory_order_relaxed)) < old_keys_.chunks();) {
            const auto [first, last] = old_keys_.chunk_lines(c);
            // A slot whose old home line is l >= first has a new home line >= first * new / old.
            const std::size_t lo = static_cast<std::size_t>(std::uint64_t{first} * new_lines / old_lines);
            const std::size_t hi = static_cast<std::size_t>(std::uint64_t{last} * new_lines / old_lines);
            keys_table_.prefault(lo, hi);  // written next: commit its pages without a read first
            old_keys_.drain_chunk(c, [&](std::uint64_t h) {
                if (!keys_table_.put_within(h, lo, hi)) left_over.push_back(h);
            });
        }
    }

    // Undoes the last take_id of worker w (its id was not used).
    void give_back_id(unsigned w) noexcept { --ids_[w].next; }

    // Inserts a known-new id (rehash; several parts may place at once).
    void place(std::uint64_t h, id_type id) {
        const std::uint32_t v = tag_of(h) | (id + 1);
        for (std::size_t i = home_of(h);; i = next_slot(i)) {
            std::uint32_t expected = 0;
            if (std::atomic_ref<std::uint32_t>(slots_[i]).compare_exchange_strong(expected, v, std::memory_order_relaxed))
                return;
        }
    }
    // Moves record `from` to id `to` and repoints its index entry (serial).
    void move(id_type from, id_type to) {
        const key k = arena_.get(from);
        const std::uint64_t h = codec::hash(k);
        arena_.put(to, k);
        const std::uint32_t want = tag_of(h) | (from + 1);
        for (std::size_t i = home_of(h);; i = next_slot(i))
            if (slots_[i] == want) {
                slots_[i] = tag_of(h) | (to + 1);
                return;
            }
    }
    // The ids handed out in blocks but not used, as sorted [begin, end) ranges.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> unused_ids() const {
        std::vector<std::pair<std::uint64_t, std::uint64_t>> r;
        for (const auto& b : ids_)
            if (b.next < b.end) r.emplace_back(b.next, b.end);
        std::sort(r.begin(), r.end());
        return r;
    }

    const M model_;
    codec codec_;
    arena<codec> arena_;
    unsigned workers_;
    std::uint64_t cap_;
    std::vector<worker_ids> ids_;
    std::uint64_t block_ = 1;
    std::atomic<std::uint64_t> next_id_{0};
    std::uint32_t* slots_ = nullptr;
    std::size_t capacity_ = 0;
    std::uint32_t id_mask_ = 0, busy_ = 0, dead_ = 0;
    std::uint64_t grow_at_ = 0;
    std::vector<id_type> levels_;
    std::vector<id_run> level_runs_;  // of the last closed level
    std::vector<std::pair<std::uint64_t, std::uint64_t>> growth_holes_;
    std::vector<std::vector<std::uint64_t>> growth_left_over_;  // the key index's, by part
    std::atomic<std::size_t> growth_next_chunk_{0};
    bool compact_ = false;
    // The key index: the table of hashes (capacity_ slots of key_width_ bytes), the old one
    // while growing, and the flag for the key whose hash is 0.
    bool keys_ = false;
    unsigned key_width_ = 8;
    key_table keys_table_, old_keys_;
    std::atomic<bool> zero_key_{false};
    std::uint64_t table_cap_ = 0;  // hash compaction: at most 90% of the fixed table
    // Bitstate: the bit array (2^bit_log2_ bits in bit_words_ words), k = bit_hashes_, and the
    // striped locks that serialize workers inserting the same state (more than one worker).
    static constexpr std::size_t bit_lock_count = 4096;
    bool bitstate_ = false;
    unsigned bit_log2_ = 0, bit_hashes_ = 0;
    std::uint64_t bit_words_ = 0;
    std::uint64_t* bits_ = nullptr;
    std::unique_ptr<std::atomic<std::uint8_t>[]> bit_locks_;
};

}  // namespace tcpv::detail
