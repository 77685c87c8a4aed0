#pragma once
/// \file tcpv/tcp/network.hpp
/// One direction of the network between two endpoints, with independent knobs: capacity,
/// loss, duplication, reordering, and a maximum segment lifetime after which a segment is gone.
///
/// A channel holds at most `max_capacity` segments, each packed with its age into 32 bits
/// (0 marks an empty slot; a segment always has a control bit, so it is never 0). With
/// reordering the channel is a multiset kept sorted, so that two channels holding the same
/// segments in another order are the same bytes; without it, a FIFO queue whose head alone
/// can be delivered.

#include <algorithm>
#include <array>
#include <cstdint>

#include "segment.hpp"

namespace tcpv::tcp {

/// The knobs of one direction.
struct network_config {
    std::uint8_t capacity = 2;   ///< segments in flight; a segment sent into a full channel is lost
    std::uint8_t msl = 2;        ///< ticks a segment may live (it is gone after msl ticks); 1..15
    bool loss = true;            ///< any segment in flight may be lost
    bool duplication = false;    ///< any segment in flight may be duplicated (if there is room)
    bool reordering = true;      ///< any segment may be delivered, not only the oldest
};

template <std::size_t MaxCapacity = 4>
struct channel {
    static constexpr std::size_t max_capacity = MaxCapacity;
    std::array<std::uint32_t, MaxCapacity> slot{};

    bool operator==(const channel&) const = default;

    static constexpr std::uint32_t age_shift = 24;
    static constexpr std::uint32_t payload_mask = (1u << age_shift) - 1;
    [[nodiscard]] static constexpr segment segment_of(std::uint32_t v) noexcept { return segment::unpack(v & payload_mask); }
    [[nodiscard]] static constexpr unsigned age_of(std::uint32_t v) noexcept { return v >> age_shift; }

    [[nodiscard]] std::size_t size() const noexcept {
        std::size_t n = 0;
        while (n < MaxCapacity && slot[n] != 0) ++n;
        return n;
    }
    [[nodiscard]] bool empty() const noexcept { return slot[0] == 0; }

    /// Sends `s` (age 0); returns false when the channel is full and the segment is dropped.
    bool send(const segment& s, const network_config& c) {
        const std::size_t n = size();
        if (n >= MaxCapacity || n >= c.capacity) return false;
        slot[n] = s.pack();
        if (c.reordering) normalize();
        return true;
    }

    /// Calls f(position, packed) for each distinct segment that may be taken now: every
    /// distinct one with reordering, else only the head. Identical copies are one choice.
    template <class F>
    void for_each_deliverable(const network_config& c, F&& f) const {
        for (std::size_t k = 0; k < MaxCapacity && slot[k] != 0; ++k) {
            if (!c.reordering && k > 0) break;
            if (k > 0 && slot[k] == slot[k - 1]) continue;
            f(k, slot[k]);
        }
    }
    /// Calls f(position, packed) for each distinct segment in flight (loss and duplication
    /// may hit any of them).
    template <class F>
    void for_each_distinct(F&& f) const {
        for (std::size_t k = 0; k < MaxCapacity && slot[k] != 0; ++k) {
            bool seen = false;
            for (std::size_t j = 0; j < k && !seen; ++j) seen = slot[j] == slot[k];
            if (!seen) f(k, slot[k]);
        }
    }

    void remove(std::size_t k) {
        for (; k + 1 < MaxCapacity; ++k) slot[k] = slot[k + 1];
        slot[MaxCapacity - 1] = 0;
    }
    /// Adds a copy of the segment at k (same age); false if the channel is full.
    bool duplicate(std::size_t k, const network_config& c) {
        const std::size_t n = size();
        if (n >= MaxCapacity || n >= c.capacity || k >= MaxCapacity) return false;
        slot[n] = slot[k];
        if (c.reordering) normalize();
        return true;
    }
    /// One tick: every segment ages; one older than msl is gone.
    void age(const network_config& c) {
        std::array<std::uint32_t, MaxCapacity> out{};
        std::size_t n = 0;
        for (std::size_t k = 0; k < MaxCapacity && slot[k] != 0; ++k) {
            const unsigned a = age_of(slot[k]) + 1;
            if (a <= c.msl) out[n++] = (slot[k] & payload_mask) | (a << age_shift);
        }
        slot = out;
        if (c.reordering) normalize();
    }

private:
    // Descending order, empty slots last (an insertion sort: at most four elements).
    void normalize() {
        for (std::size_t i = 1; i < MaxCapacity && slot[i] != 0; ++i) {
            const std::uint32_t v = slot[i];
            std::size_t j = i;
            for (; j > 0 && slot[j - 1] < v; --j) slot[j] = slot[j - 1];
            slot[j] = v;
        }
    }
};

}  // namespace tcpv::tcp
