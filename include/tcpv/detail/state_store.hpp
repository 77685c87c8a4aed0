#pragma once
/// \file tcpv/detail/state_store.hpp
/// The visited set: every distinct state once, numbered densely in discovery order, with the
/// number of the state it was first reached from (enough to rebuild a shortest trace).
///
/// The index is split into 64 shards by the top bits of the hash. During a parallel
/// breadth-first level each shard is owned by one worker at a time, so inserts need no lock
/// and no atomic; new states first get a *provisional* entry that refers to the candidate
/// that found them, and their final numbers are committed once the level's order is known.
/// That is what keeps counts and counterexamples identical for every thread count.

#include <cstdint>
#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "../model.hpp"

namespace tcpv::detail {

template <class S>
class state_store {
public:
    using id_type = std::uint32_t;
    static constexpr id_type no_id = 0xffffffffu;
    static constexpr unsigned shard_bits = 6;
    static constexpr unsigned shard_count = 1u << shard_bits;
    /// Largest number of states (ids use 31 bits; the top bit marks provisional entries).
    static constexpr std::uint64_t max_states = (1ull << 31) - 2;

    static unsigned shard_of(std::uint64_t h) noexcept { return static_cast<unsigned>(h >> (64 - shard_bits)); }

    [[nodiscard]] std::size_t size() const noexcept { return states_.size(); }
    [[nodiscard]] const S& operator[](id_type id) const noexcept { return states_[id]; }
    [[nodiscard]] id_type parent(id_type id) const noexcept { return parent_[id]; }

    /// The number of a stored state, if it is stored.
    [[nodiscard]] std::optional<id_type> find(const S& s) const noexcept {
        const std::uint64_t h = state_hash(s);
        const shard& sh = shards_[shard_of(h)];
        if (sh.slots.empty()) return std::nullopt;
        const std::uint64_t tag = tag_of(h);
        for (std::size_t i = tag_of(h) & sh.mask;; i = (i + 1) & sh.mask) {
            const std::uint64_t slot = sh.slots[i];
            if (slot == 0) return std::nullopt;
            if ((slot >> 32) == tag && is_committed(slot)) {
                const id_type id = committed_id(slot);
                if (states_[id] == s) return id;
            }
        }
    }

    /// Serial insert (initial states, depth-first search): {id, true} if `s` is new.
    std::pair<id_type, bool> insert(const S& s, id_type parent_id) {
        const std::uint64_t h = state_hash(s);
        shard& sh = shards_[shard_of(h)];
        reserve_one(sh);
        const std::uint64_t tag = tag_of(h);
        for (std::size_t i = tag_of(h) & sh.mask;; i = (i + 1) & sh.mask) {
            const std::uint64_t slot = sh.slots[i];
            if (slot == 0) {
                const auto id = static_cast<id_type>(states_.size());
                states_.push_back(s);
                parent_.push_back(parent_id);
                sh.slots[i] = (tag << 32) | (id + 1u);
                ++sh.count;
                return {id, true};
            }
            if ((slot >> 32) == tag && is_committed(slot) && states_[committed_id(slot)] == s)
                return {committed_id(slot), false};
        }
    }

    /// Parallel phase, shard-owned: looks `s` up; if it is neither stored nor already claimed in
    /// this level, claims it with provisional reference `ref` and returns true.
    /// `provisional(ref)` returns the state of an earlier claim of this level.
    template <class Provisional>
    bool claim(unsigned shard_index, std::uint64_t h, const S& s, std::uint32_t ref, const Provisional& provisional) {
        shard& sh = shards_[shard_index];
        reserve_one(sh);
        const std::uint64_t tag = tag_of(h);
        for (std::size_t i = tag_of(h) & sh.mask;; i = (i + 1) & sh.mask) {
            const std::uint64_t slot = sh.slots[i];
            if (slot == 0) {
                sh.slots[i] = (tag << 32) | provisional_bit | ref;
                ++sh.count;
                return true;
            }
            if ((slot >> 32) != tag) continue;
            if (is_committed(slot) ? states_[committed_id(slot)] == s
                                   : provisional(static_cast<std::uint32_t>(slot & ref_mask)) == s)
                return false;
        }
    }

    /// Parallel phase, shard-owned: turns the provisional entry `ref` (hash `h`) into id `id`,
    /// or removes it from view (`id == no_id`: the state was cut by a limit; lookups then miss it).
    void commit(unsigned shard_index, std::uint64_t h, std::uint32_t ref, id_type id) noexcept {
        shard& sh = shards_[shard_index];
        const std::uint64_t want = (tag_of(h) << 32) | provisional_bit | ref;
        for (std::size_t i = tag_of(h) & sh.mask;; i = (i + 1) & sh.mask) {
            if (sh.slots[i] == want) {
                // A dropped state keeps its slot (linear probing needs no holes) with a value
                // that matches no state: committed-looking id `dropped`, never returned by find.
                sh.slots[i] = (tag_of(h) << 32) | (id == no_id ? dropped_value : id + 1u);
                return;
            }
        }
    }

    /// Serial phase: appends the states of a level; returns the first new id.
    id_type grow(std::size_t n) {
        const auto first = static_cast<id_type>(states_.size());
        if (states_.capacity() < states_.size() + n) {
            const std::size_t want = std::max(states_.size() + n, states_.capacity() * 3 / 2);
            states_.reserve(want);
            parent_.reserve(want);
        }
        states_.resize(states_.size() + n);
        parent_.resize(parent_.size() + n);
        return first;
    }
    /// Parallel phase: fills a slot made by grow (distinct ids from distinct threads).
    void set(id_type id, const S& s, id_type parent_id) noexcept {
        states_[id] = s;
        parent_[id] = parent_id;
    }

    /// Bytes held by the states, the parent numbers and the index.
    [[nodiscard]] std::uint64_t bytes() const noexcept {
        std::uint64_t b = states_.capacity() * sizeof(S) + parent_.capacity() * sizeof(id_type);
        for (const auto& sh : shards_) b += sh.slots.capacity() * sizeof(std::uint64_t);
        return b;
    }

private:
    static constexpr std::uint64_t provisional_bit = 1ull << 31;
    static constexpr std::uint64_t ref_mask = provisional_bit - 1;
    static constexpr std::uint64_t dropped_value = 0x7fffffffull;  // id + 1 never reaches it

    struct shard {
        std::vector<std::uint64_t> slots;  // 0 = empty, else (tag << 32) | value
        std::size_t mask = 0;
        std::size_t count = 0;
    };

    // 32 hash bits below the shard bits. The home slot is `tag & mask`; entries are told
    // apart by the whole tag before any state comparison.
    static std::uint64_t tag_of(std::uint64_t h) noexcept { return (h >> 26) & 0xffffffffull; }
    static bool is_committed(std::uint64_t slot) noexcept {
        return (slot & provisional_bit) == 0 && (slot & ref_mask) != dropped_value;
    }
    static id_type committed_id(std::uint64_t slot) noexcept { return static_cast<id_type>((slot & ref_mask) - 1); }

    // Keeps the load factor at most 3/4. Called only by the shard's owner.
    static void reserve_one(shard& sh) {
        if ((sh.count + 1) * 4 <= sh.slots.size() * 3) return;
        const std::size_t n = sh.slots.empty() ? 1024 : sh.slots.size() * 2;
        std::vector<std::uint64_t> old = std::move(sh.slots);
        sh.slots.assign(n, 0);
        sh.mask = n - 1;
        // The home slot is a function of the stored tag, so growing needs no state and no hash.
        for (const std::uint64_t slot : old) {
            if (slot == 0) continue;
            std::size_t i = (slot >> 32) & sh.mask;
            while (sh.slots[i] != 0) i = (i + 1) & sh.mask;
            sh.slots[i] = slot;
        }
    }

    std::vector<S> states_;
    std::vector<id_type> parent_;
    shard shards_[shard_count];
};

}  // namespace tcpv::detail
