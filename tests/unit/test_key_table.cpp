// The key index's table (tcpv/detail/key_table.hpp): slots of 5 to 8 bytes packed into cache
// lines, claimed with an 8-byte compare-and-swap that may cover a neighbour's first bytes. Its
// hash must be a bijection at every width, no slot may straddle a line, and threads claiming
// the same and neighbouring slots at once must neither lose nor duplicate a value.
#include <doctest/doctest.h>

#include <tcpv/detail/key_table.hpp>
#include <tcpv/detail/state_store.hpp>

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

using tcpv::detail::key_table;
using tcpv::detail::mix_bijective_bits;

namespace {

std::uint64_t next_random(std::uint64_t& x) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return x ^ (x >> 29);
}

// Looks v up and claims a slot for it if it is absent, as state_store::claim does.
bool insert(const key_table& t, std::uint64_t v) {
    for (auto c = t.home(v);; t.next(c)) {
        std::uint64_t seen = t.load(c);
        while (seen == 0) {
            if (t.try_claim(c, v)) return true;
            seen = t.load(c);
        }
        if (seen == v) return false;
    }
}

}  // namespace

TEST_CASE("key table: the hash is a bijection of the words of its width") {
    // Every 24-bit word (the same construction as at 40 to 64 bits, small enough to enumerate).
    std::vector<bool> hit(std::size_t{1} << 24);
    std::uint64_t outside = 0, repeated = 0;
    for (std::uint64_t x = 0; x < (std::uint64_t{1} << 24); ++x) {
        const std::uint64_t h = mix_bijective_bits(x, 24);
        if (h >= (std::uint64_t{1} << 24)) {
            ++outside;
            continue;
        }
        repeated += hit[h];
        hit[h] = true;
    }
    CHECK(outside == 0);
    CHECK(repeated == 0);
    for (const unsigned bits : {40u, 48u, 56u, 64u}) {
        CAPTURE(bits);
        std::vector<std::uint64_t> out;
        std::uint64_t seed = bits;
        const std::uint64_t mask = bits == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
        for (int i = 0; i < 200000; ++i) {
            const std::uint64_t h = mix_bijective_bits(next_random(seed) & mask, bits);
            CHECK((h & ~mask) == 0);
            out.push_back(h);
        }
        std::sort(out.begin(), out.end());
        CHECK(std::adjacent_find(out.begin(), out.end()) == out.end());
        CHECK(mix_bijective_bits(0, bits) == 0);  // the all-zero key: the store's flag of its own
    }
    CHECK(mix_bijective_bits(0x0123456789abcdefULL, 64) == tcpv::detail::mix_bijective(0x0123456789abcdefULL));
    // The table's own hash is the same function at its width.
    for (unsigned w = key_table::width_for(33); w <= 8; ++w) {
        const key_table t(100, w);
        const std::uint64_t mask = w == 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * w)) - 1;
        std::uint64_t seed = 99;
        for (int i = 0; i < 1000; ++i) {
            const std::uint64_t k = next_random(seed) & mask;
            REQUIRE(t.hash(k) == mix_bijective_bits(k, 8 * w));
        }
    }
}

TEST_CASE("key table: slots as wide as the key needs, never across a cache line") {
    for (std::size_t bits = 1; bits <= 64; ++bits) {
        const unsigned w = key_table::width_for(bits);
        CHECK(w * 8 >= bits);
        CHECK(w >= (TCPV_PACKED_KEY_SLOTS ? 5u : 8u));
        CHECK(w <= 8);
    }
    CHECK(key_table::width_for(56) == (TCPV_PACKED_KEY_SLOTS ? 7u : 8u));  // the benchmark's medium set
    for (unsigned w = key_table::width_for(33); w <= 8; ++w) {
        CAPTURE(w);
        const key_table t(1000, w);
        CHECK(t.slots() >= 1000);
        CHECK(t.slots() == t.bytes() / 64 * (64 / w));
        // One walk from a home slot visits every slot once and comes back.
        const auto start = t.home(std::uint64_t{1} << (8 * w - 1));
        auto c = start;
        std::size_t steps = 0;
        do {
            const auto offset = reinterpret_cast<std::uintptr_t>(c.at) % 64;
            REQUIRE(offset + 8 <= 64);  // the 8-byte access stays in the line
            t.next(c);
            ++steps;
        } while (c.at != start.at && steps <= t.slots());
        CHECK(steps == t.slots());
    }
}

TEST_CASE("key table: a claim that a neighbour's claim overtook fails and keeps the neighbour") {
    for (unsigned w = key_table::width_for(33); w < 8; ++w) {  // 8-byte slots have no shared bytes
        CAPTURE(w);
        const key_table t(4096, w);
        const std::uint64_t mask = (std::uint64_t{1} << (8 * w)) - 1;
        // A hash whose low 16 bits are 0 starts at the first slot of its line; the second slot
        // shares its first byte with the first slot's 8-byte word.
        const std::uint64_t mine = (std::uint64_t{0x5a5a5a5a} << 32 | 0x10000) & mask;
        const std::uint64_t neighbour = 0x00ff00ff00ff00ffULL & mask;  // low byte not 0
        auto first = t.home(mine), second = first;
        t.next(second);
        REQUIRE(second.at == first.at + w);
        const std::uint64_t seen = t.word_at(first);  // my claim reads the slot empty ...
        REQUIRE(t.try_claim(second, neighbour));     // ... the neighbour claims its slot ...
        CHECK_FALSE(t.claim_from(first, seen, mine));  // ... and my compare-and-swap fails
        CHECK(t.load(second) == neighbour);
        CHECK(t.load(first) == 0);
        CHECK(t.try_claim(first, mine));  // tried again, it holds
        CHECK(t.load(first) == mine);
        CHECK(t.load(second) == neighbour);
    }
}

TEST_CASE("key table: threads claiming the same and neighbouring slots lose nothing") {
    for (unsigned w = key_table::width_for(33); w <= 8; ++w) {
        CAPTURE(w);
        // 3,000 values in 4,096-odd slots (about 73% full): long runs, many neighbours.
        key_table t(4096, w);
        const std::uint64_t mask = w == 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * w)) - 1;
        std::vector<std::uint64_t> values;
        std::uint64_t seed = w;
        while (values.size() < 3000)
            if (const std::uint64_t v = next_random(seed) & mask) values.push_back(v);
        std::sort(values.begin(), values.end());
        values.erase(std::unique(values.begin(), values.end()), values.end());
        // Four threads insert all of them, each in its own order; each value is new exactly once.
        std::vector<std::vector<std::uint64_t>> added(4);
        std::vector<std::thread> threads;
        for (unsigned i = 0; i < 4; ++i)
            threads.emplace_back([&, i] {
                std::vector<std::uint64_t> order = values;
                std::uint64_t s = 77 + i;
                for (std::size_t k = order.size(); k > 1; --k) std::swap(order[k - 1], order[next_random(s) % k]);
                for (const std::uint64_t v : order)
                    if (insert(t, v)) added[i].push_back(v);
            });
        for (auto& th : threads) th.join();
        std::vector<std::uint64_t> all_added;
        for (const auto& a : added) all_added.insert(all_added.end(), a.begin(), a.end());
        std::sort(all_added.begin(), all_added.end());
        CHECK(all_added == values);
        // And the table holds each exactly once.
        std::vector<std::uint64_t> held;
        t.drain([&](std::uint64_t v) { held.push_back(v); });
        std::sort(held.begin(), held.end());
        CHECK(held == values);
    }
}

TEST_CASE("key table: prefault commits the pages for writing and changes no slot, even while threads claim") {
    // Committed for writing: the resident set grows by the table's size. (Pages only read
    // would map the shared zero page, which the resident set does not count.)
    {
        key_table t((std::size_t{16} << 20) / 64 * 10, 6);  // 16 MiB of lines
        REQUIRE(t.bytes() == (std::size_t{16} << 20));
        const std::uint64_t before = tcpv::detail::current_rss_bytes();
        t.prefault(0, t.lines());
        const std::uint64_t after = tcpv::detail::current_rss_bytes();
        REQUIRE(before > 0);
        CHECK(after >= before + (std::size_t{15} << 20));
        std::size_t occupied = 0;
        t.drain([&](std::uint64_t) { ++occupied; });
        CHECK(occupied == 0);
    }
    // No slot changes, while another thread claims slots in the same lines.
    key_table t(std::size_t{1} << 16, 6);
    std::vector<std::uint64_t> values;
    std::uint64_t seed = 5;
    while (values.size() < 40000)
        if (const std::uint64_t v = next_random(seed) & ((std::uint64_t{1} << 48) - 1)) values.push_back(v);
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    std::size_t added = 0;
    std::thread claimer([&] {
        for (const std::uint64_t v : values) added += insert(t, v);
    });
    for (int round = 0; round < 50; ++round) t.prefault(0, t.lines());
    claimer.join();
    CHECK(added == values.size());
    t.prefault(t.lines() / 3, t.lines() / 2);
    std::vector<std::uint64_t> held;
    t.drain([&](std::uint64_t v) { held.push_back(v); });
    std::sort(held.begin(), held.end());
    CHECK(held == values);
}
