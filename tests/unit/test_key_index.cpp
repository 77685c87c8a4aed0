// The key index (checker::keep_explored(false), and `tcpv check` without --keep-states or
// --dot): exact storage that keeps each state as its packed key (hashed) in the hash table and only the
// newest level's states. It must find the same states, transitions, verdicts and shortest
// counterexamples as the store that keeps every state, for every thread count and across the
// table's growth; it must say plainly what it cannot do, and step aside where it cannot apply.
#include <doctest/doctest.h>

#include <tcpv/bench/teardown.hpp>
#include <tcpv/checker.hpp>
#include <tcpv/detail/state_store.hpp>
#include <tcpv/report.hpp>

#include <algorithm>
#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "teardown_storage.hpp"

using teardown_storage::text_of;
using teardown_storage::with_tw;

namespace {

tcpv::bench::teardown larger(int tw) {
    tcpv::bench::teardown m;  // 8,000-odd states at tw 6: the table grows several times from 4,096 slots
    m.cap = 3;
    m.msl = 3;
    m.rto = 2;
    m.maxretx = 2;
    m.tw = tw;
    return m;
}

tcpv::bench::teardown several_chunks() {
    tcpv::bench::teardown m;  // 682,921 states, the property holds: records in many arena chunks, old ones freed
    m.cap = 3;
    m.msl = 4;
    m.rto = 2;
    m.maxretx = 3;
    m.tw = 8;
    return m;
}

// The inverse of mix_bijective (the MurmurHash3 finalizer): undo each xorshift and multiply by
// the inverse multipliers modulo 2^64.
std::uint64_t unmix(std::uint64_t x) {
    x ^= x >> 33;
    x *= 0x9cb4b2f8129337dbULL;
    x ^= x >> 33;
    x *= 0x4f74430c22a54005ULL;
    x ^= x >> 33;
    return x;
}

// A model whose state is not packed (two ints, byte-hashable): the key index does not apply.
struct counter_pair {
    struct state {
        int a = 0, b = 0;
        bool operator==(const state&) const = default;
    };
    struct action {
        int which = 0;
        bool operator==(const action&) const = default;
    };
    void init(auto&& emit) const { emit(action{0}, state{}); }
    void next(const state& s, auto&& emit) const {
        if (s.a < 20) emit(action{1}, state{s.a + 1, s.b});
        if (s.b < 20) emit(action{2}, state{s.a, s.b + 1});
    }
    void print(std::ostream& os, const state& s) const { os << s.a << ',' << s.b; }
    void print(std::ostream& os, const action& a) const { os << a.which; }
};

}  // namespace

TEST_CASE("key index: the hash it compares is a bijection of the key") {
    // Equal hashes must mean equal keys: mix_bijective has an inverse.
    std::uint64_t x = 0x243f6a8885a308d3ULL;
    for (int i = 0; i < 100000; ++i) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        REQUIRE(unmix(tcpv::detail::mix_bijective(x)) == x);
    }
    CHECK(tcpv::detail::mix_bijective(0) == 0);  // the all-zero key: the flag of its own (teardown's initial state)
    CHECK(tcpv::detail::mix_bijective(1) != 0);
}

TEST_CASE("key index: same counts, verdicts and shortest counterexample as keeping every state") {
    for (const int tw : {6, 1}) {  // holds; violated
        CAPTURE(tw);
        const auto kept = tcpv::checker(larger(tw)).run();
        CHECK_FALSE(kept.stats.key_index);
        for (const unsigned threads : {1u, 2u, 3u}) {
            CAPTURE(threads);
            const auto keys = tcpv::checker(larger(tw)).threads(threads).keep_explored(false).run();
            CHECK(keys.stats.key_index);
            CHECK(keys.stats.states == kept.stats.states);
            CHECK(keys.stats.transitions == kept.stats.transitions);
            CHECK(keys.stats.depth == kept.stats.depth);
            CHECK(keys.verdict_of("no-reset-after-graceful-close") == kept.verdict_of("no-reset-after-graceful-close"));
            CHECK(text_of(keys, "no-reset-after-graceful-close") == text_of(kept, "no-reset-after-graceful-close"));
            CHECK(keys.stats.omission_probability == 0);
            CHECK(tcpv::to_json(keys.summary()).find("\"storage\":\"key-index\"") != std::string::npos);
        }
    }
    // The benchmark's two sets as well, the larger one with a table that grew 9 times.
    const auto small_kept = tcpv::checker(with_tw(4)).run();
    const auto small_keys = tcpv::checker(with_tw(4)).keep_explored(false).threads(2).run();
    CHECK(small_keys.stats.states == 12410);
    CHECK(small_keys.stats.states == small_kept.stats.states);
    CHECK(small_keys.stats.transitions == small_kept.stats.transitions);
}

TEST_CASE("key index: growing in parallel parts keeps every key on its path") {
    // The store alone, as a search's workers drive it: keys go in until the index wants to grow,
    // then three threads move the old table's chunks into the new one at once and one places
    // the slots left over. Every key must still be found (a lookup stops at the first empty
    // slot of the key's path, so a key placed past a hole would look new), and no key twice.
    const tcpv::bench::teardown m = several_chunks();
    constexpr unsigned parts = 3;
    tcpv::detail::state_store<tcpv::bench::teardown> store(m, parts, tcpv::detail::max_stored_states, 0, 0, 3, true);
    REQUIRE(store.key_index());
    using store_t = decltype(store);
    const unsigned bits = static_cast<unsigned>(store.codec_of().record_bytes * 8);
    const std::uint64_t mask = bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
    std::vector<std::uint64_t> keys;
    std::uint64_t seed = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 600000; ++i) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        keys.push_back((seed ^ (seed >> 29)) & mask);
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    auto insert = [&](std::uint64_t word) {
        const store_t::key k{word};
        tcpv::detail::state_id id = 0;
        return store.insert(k, store.hash(k), 0, id);
    };
    int growths = 0;
    std::size_t stored_at_last_growth = 0, added = 0;
    for (const std::uint64_t word : keys) {
        if (store.wants_growth()) {
            stored_at_last_growth = store.size();
            store.begin_growth(parts);
            std::vector<std::thread> threads;
            for (unsigned i = 0; i < parts; ++i) threads.emplace_back([&, i] { store.rehash_part(i, parts); });
            for (auto& t : threads) t.join();
            store.finish_growth();
            ++growths;
        }
        added += insert(word) == store_t::outcome::added;
    }
    CHECK(added == keys.size());
    CHECK(growths >= 6);
    // The last old table was at least 85% full of these: 9 chunks of 256 KiB or more to share.
    CHECK(stored_at_last_growth * 100 / 85 / (64 / 5) > 9 * tcpv::detail::key_table::lines_per_chunk);
    std::size_t found = 0;
    for (const std::uint64_t word : keys) found += insert(word) == store_t::outcome::existing;
    CHECK(found == keys.size());
}

TEST_CASE("an expected state count makes the index for them at the start; the counts stay the same") {
    const auto plain = tcpv::checker(larger(6)).keep_explored(false).run();
    const std::uint64_t n = plain.stats.states;
    REQUIRE(n > 10000);
    for (const bool keep : {false, true}) {
        CAPTURE(keep);
        // Too few (it grows past them), exactly, and too many.
        for (const std::uint64_t expected : {n / 10, n, 4 * n}) {
            CAPTURE(expected);
            for (const unsigned threads : {1u, 2u}) {
                const auto r = tcpv::checker(larger(6)).keep_explored(keep).threads(threads).expect_states(expected).run();
                CHECK(r.stats.key_index == !keep);
                CHECK(r.stats.states == n);
                CHECK(r.stats.transitions == plain.stats.transitions);
                CHECK(r.stats.depth == plain.stats.depth);
                // Told at least the states there are, the index has room for them at 84%
                // (slots of 4 bytes, ids; or 5, keys of at most 40 bits, 12 to a cache line).
                const std::uint64_t slot_bytes = keep ? 4 : 5;
                if (expected >= n) CHECK(r.stats.stored_bytes >= expected * 100 / 84 * slot_bytes);
                // The report says how often the index grew, and for how long: never when told
                // enough, and fewer times than unsized when told too few.
                if (expected >= n) {
                    CHECK(r.stats.index_growths == 0);
                    CHECK(r.stats.growth_seconds == 0.0);
                } else {
                    CHECK(r.stats.index_growths > 0);
                    CHECK(r.stats.index_growths < plain.stats.index_growths);
                    CHECK(r.stats.growth_seconds > 0.0);
                }
                const std::string json = tcpv::to_json(r.summary());
                CHECK(json.find(",\"index_growths\":" + std::to_string(r.stats.index_growths) + ",") != std::string::npos);
            }
        }
    }
    // Unsized, the index starts small and grows by half until the states fit.
    CHECK(plain.stats.index_growths >= 5);
    CHECK(plain.stats.growth_seconds > 0.0);
    CHECK(plain.stats.growth_seconds < plain.stats.seconds);
    const auto violated = tcpv::checker(larger(1)).keep_explored(false).expect_states(n).run();
    CHECK(text_of(violated, "no-reset-after-graceful-close") ==
          text_of(tcpv::checker(larger(1)).run(), "no-reset-after-graceful-close"));
}

TEST_CASE("key index: at most 16 bytes a state, the newest level's records included") {
    const auto keys = tcpv::checker(several_chunks()).keep_explored(false).run();
    CHECK(keys.stats.states == 682921);
    CHECK(keys.verdict_of("no-reset-after-graceful-close") == tcpv::verdict::holds);
    // 7-byte slots (9 to a cache line) at a load of 57% to 85%, and two levels' 7-byte records.
    CHECK(double(keys.stats.stored_bytes) / double(keys.stats.states) < 16.0);
}

TEST_CASE("key index: a states limit stops it exactly, as it stops the full store") {
    for (const unsigned threads : {1u, 2u}) {
        CAPTURE(threads);
        const auto r = tcpv::checker(larger(6)).keep_explored(false).threads(threads).max_states(5000).run();
        CHECK(r.stats.key_index);
        CHECK(r.stats.states == 5000);
        CHECK(r.stats.limit == tcpv::limit_kind::states);
        CHECK(r.verdict_of("no-reset-after-graceful-close") == tcpv::verdict::unknown);
    }
}

TEST_CASE("key index: what it does not keep is refused by name, not guessed") {
    const auto r = tcpv::checker(several_chunks()).keep_explored(false).run();
    REQUIRE(r.stats.key_index);
    REQUIRE(r.explored);
    try {
        (void)r.explored->find(tcpv::bench::teardown::state{});
        FAIL("find() answered without ids");
    } catch (const std::logic_error& e) {
        CHECK(std::string(e.what()).find("key index keeps no ids") != std::string::npos);
    }
    try {
        (void)(*r.explored)[0];
        FAIL("an old state was read");
    } catch (const std::logic_error& e) {
        CHECK(std::string(e.what()).find("with the key index only the newest levels' states are kept") !=
              std::string::npos);
    }
}

TEST_CASE("key index: steps aside where it cannot apply") {
    // Keeping every state is the default of the library.
    CHECK_FALSE(tcpv::checker(with_tw(4)).run().stats.key_index);
    // Depth-first search numbers states and keeps parents.
    CHECK_FALSE(tcpv::checker(with_tw(4)).keep_explored(false).dfs().run().stats.key_index);
    // Liveness needs the whole graph: the full store, and a real verdict.
    const auto live = tcpv::checker(with_tw(4)).keep_explored(false).check(teardown_storage::both_closed()).run();
    CHECK_FALSE(live.stats.key_index);
    CHECK(live.verdict_of("both-closed") != tcpv::verdict::unknown);
    // A state that does not pack into 64 bits.
    const auto pair = tcpv::checker(counter_pair{}).keep_explored(false).run();
    CHECK_FALSE(pair.stats.key_index);
    CHECK(pair.stats.states == 21 * 21);
}

TEST_CASE("key index: tcpv check uses it unless the states are wanted") {
    using teardown_storage::run_tcpv;
    const auto plain = run_tcpv({"check", "teardown", "--json"});
    CHECK(plain.status == 0);
    CHECK(plain.out.find("\"storage\":\"key-index\"") != std::string::npos);
    CHECK(plain.out.find("\"states\":12410") != std::string::npos);
    const auto kept = run_tcpv({"check", "teardown", "--json", "--keep-states"});
    CHECK(kept.status == 0);
    CHECK(kept.out.find("\"storage\"") == std::string::npos);
    CHECK(kept.out.find("\"states\":12410") != std::string::npos);
}
