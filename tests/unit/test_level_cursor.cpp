// How a breadth-first level's parents are shared among workers (tcpv/detail/search.hpp,
// level_cursor; state_store::level_runs): each worker first takes the runs of ids that its own
// blocks held, in order, then the lowest parents left; every parent is taken exactly once; the
// bound below which every parent is done only rises and never passes a chunk in progress; and
// the store reports a closed level as its workers' runs.
#include <doctest/doctest.h>

#include <tcpv/bench/teardown.hpp>
#include <tcpv/detail/search.hpp>
#include <tcpv/detail/state_store.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

using tcpv::detail::id_run;
using tcpv::detail::level_cursor;

namespace {

struct chunk {
    std::uint64_t first, last;
};

std::vector<chunk> take_all(level_cursor& c, unsigned w, std::uint64_t per, level_cursor::place& at) {
    std::vector<chunk> out;
    for (std::uint64_t f = 0, l = 0; c.take(w, per, at, f, l);) out.push_back({f, l});
    return out;
}

std::uint64_t next_random(std::uint64_t& x) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return x ^ (x >> 29);
}

// Random runs covering [lo, hi) with owners among `workers`.
std::vector<id_run> random_runs(std::uint64_t lo, std::uint64_t hi, unsigned workers, std::uint64_t& seed) {
    std::vector<id_run> runs;
    for (std::uint64_t at = lo; at < hi;) {
        const std::uint64_t len = std::min<std::uint64_t>(hi - at, 1 + next_random(seed) % 3000);
        runs.push_back({at, at + len, static_cast<unsigned>(next_random(seed) % workers)});
        at += len;
    }
    return runs;
}

}  // namespace

TEST_CASE("level cursor: a worker takes its own runs in order, then the lowest parents left") {
    const std::vector<id_run> runs = {{0, 100, 0}, {100, 300, 1}, {300, 400, 0}, {400, 450, 1}};
    level_cursor c(0, 450, 2, runs);
    level_cursor::place at[2];
    // Each step: worker, chunk size, the chunk it must get ({0, 0}: none left).
    struct step {
        unsigned w;
        std::uint64_t per, first, last;
    };
    const std::vector<step> steps = {
        {0, 50, 0, 50}, {0, 50, 50, 100}, {0, 50, 300, 350}, {0, 50, 350, 400},  // worker 0's own runs, in order
        {1, 50, 100, 150},                                                       // worker 1 on its first run
        {0, 50, 150, 200},                     // worker 0 has none left: the lowest parents left
        {0, 80, 200, 280}, {0, 80, 280, 300},  // a chunk never crosses a run's end
        {1, 50, 400, 450},                     // worker 1 skips what was taken from its runs
        {1, 50, 0, 0},     {0, 50, 0, 0}};
    for (const step& e : steps) {
        CAPTURE(e.w);
        CAPTURE(e.first);
        std::uint64_t f = 0, l = 0;
        const bool took = c.take(e.w, e.per, at[e.w], f, l);
        CHECK(took == (e.last != 0));
        if (took) CHECK(std::pair(f, l) == std::pair(e.first, e.last));
    }
    CHECK(c.done_below() == 450);
}

TEST_CASE("level cursor: runs that do not cover the level make it one shared run") {
    for (const std::vector<id_run>& runs : {std::vector<id_run>{}, std::vector<id_run>{{10, 50, 1}},
                                            std::vector<id_run>{{10, 30, 1}, {31, 60, 0}},
                                            std::vector<id_run>{{10, 30, 1}, {30, 59, 0}}}) {
        level_cursor c(10, 60, 2, runs);
        level_cursor::place at;
        const auto chunks = take_all(c, 0, 20, at);  // worker 0 takes it all, in order
        REQUIRE(chunks.size() == 3);
        CHECK(chunks[0].first == 10);
        CHECK(chunks[1].first == 30);
        CHECK(chunks[2].first == 50);
        CHECK(chunks[2].last == 60);
    }
}

TEST_CASE("level cursor: a worker far ahead of the slowest helps it first") {
    // Worker 1's own run starts 100,000 ids above the level's start, where worker 0 has not
    // begun: freeing the records below would wait for worker 0, so worker 1 takes the lowest.
    const std::vector<id_run> runs = {{0, 100000, 0}, {100000, 200000, 1}};
    level_cursor c(0, 200000, 2, runs);
    level_cursor::place at0, at1;
    std::uint64_t f = 0, l = 0;
    REQUIRE(c.take(1, 1000, at1, f, l));
    CHECK(f == 0);
    REQUIRE(c.take(0, 1000, at0, f, l));
    CHECK(f == 1000);
    // Once worker 0 works near worker 1's run, worker 1 takes its own.
    level_cursor near(0, 20000, 2, {{0, 10000, 0}, {10000, 20000, 1}});
    level_cursor::place n0, n1;
    REQUIRE(near.take(1, 1000, n1, f, l));
    CHECK(f == 10000);
}

TEST_CASE("level cursor: every parent once, and the done bound only rises and never passes a chunk in progress") {
    // One thread plays the workers in a random order: each call finishes the worker's last
    // chunk and takes its next one.
    for (std::uint64_t seed = 1; seed <= 300; ++seed) {
        std::uint64_t s = seed;
        const unsigned workers = 1 + static_cast<unsigned>(next_random(s) % 4);
        const std::uint64_t lo = next_random(s) % 100000, hi = lo + next_random(s) % 60000;
        const auto runs = random_runs(lo, hi, workers + (seed % 3 == 0 ? 1 : 0), s);  // an owner with no worker, too
        level_cursor c(lo, hi, workers, runs);
        std::vector<level_cursor::place> at(workers);
        std::vector<chunk> reading(workers, chunk{lo, lo});  // the chunk each worker is on
        std::vector<bool> done(workers, false);
        std::vector<unsigned> taken_by(hi - lo, ~0u);
        std::uint64_t bound = lo;
        for (unsigned left = workers; left > 0;) {
            const unsigned w = static_cast<unsigned>(next_random(s) % workers);
            if (done[w]) continue;
            const std::uint64_t per = 1 + next_random(s) % 700;
            std::uint64_t f = 0, l = 0;
            if (c.take(w, per, at[w], f, l)) {
                REQUIRE(f < l);
                REQUIRE(l <= hi);
                for (std::uint64_t id = f; id < l; ++id) {
                    REQUIRE(taken_by[id - lo] == ~0u);
                    taken_by[id - lo] = w;
                }
                reading[w] = {f, l};
            } else {
                done[w] = true;
                reading[w] = {hi, hi};
                --left;
            }
            const std::uint64_t now = c.done_below();
            CHECK(now >= bound);
            bound = now;
            for (unsigned v = 0; v < workers; ++v)
                if (!done[v]) CHECK(bound <= reading[v].first);
            // Every parent below the bound was taken.
            for (std::uint64_t id = lo; id < std::min(bound, hi); id += 97) CHECK(taken_by[id - lo] != ~0u);
        }
        CHECK(std::all_of(taken_by.begin(), taken_by.end(), [](unsigned t) { return t != ~0u; }));
        CHECK(c.done_below() == hi);
    }
}

TEST_CASE("level cursor: threads taking at once take every parent exactly once") {
    std::uint64_t s = 99;
    const auto runs = random_runs(5000, 805000, 4, s);
    for (int round = 0; round < 5; ++round) {
        level_cursor c(5000, 805000, 4, runs);
        std::vector<std::vector<chunk>> got(4);
        std::vector<std::thread> threads;
        for (unsigned w = 0; w < 4; ++w)
            threads.emplace_back([&, w] {
                level_cursor::place at;
                got[w] = take_all(c, w, 64 + 61 * w, at);
            });
        for (auto& t : threads) t.join();
        std::vector<chunk> all;
        for (const auto& g : got) all.insert(all.end(), g.begin(), g.end());
        std::sort(all.begin(), all.end(), [](const chunk& a, const chunk& b) { return a.first < b.first; });
        REQUIRE(!all.empty());
        CHECK(all.front().first == 5000);
        CHECK(all.back().last == 805000);
        for (std::size_t i = 1; i < all.size(); ++i) CHECK(all[i].first == all[i - 1].last);
        CHECK(c.done_below() == 805000);
    }
}

TEST_CASE("state store: a closed level is reported as its workers' runs, in order, covering it") {
    tcpv::bench::teardown m;
    m.cap = 4;
    constexpr unsigned workers = 3;
    tcpv::detail::state_store<tcpv::bench::teardown> store(m, workers, tcpv::detail::max_stored_states, 0, 0, 3, true);
    using store_t = decltype(store);
    const unsigned bits = static_cast<unsigned>(store.codec_of().record_bytes * 8);
    const std::uint64_t mask = bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
    std::uint64_t s = 7;
    std::uint64_t level_start = 0;
    for (int level = 0; level < 4; ++level) {
        // Workers insert in turns of random length (one thread plays them), as a level does.
        std::vector<std::vector<tcpv::detail::state_id>> ids_of(workers);
        const int inserts = 500 + 3000 * level;
        for (int i = 0; i < inserts;) {
            const unsigned w = static_cast<unsigned>(next_random(s) % workers);
            for (std::uint64_t n = 1 + next_random(s) % 50; n > 0 && i < inserts; --n, ++i) {
                if (store.wants_growth()) store.grow();  // as a search's workers do between inserts
                const store_t::key k{next_random(s) & mask};
                tcpv::detail::state_id id = 0;
                if (store.insert(k, store.hash(k), w, id) == store_t::outcome::added) ids_of[w].push_back(id);
            }
        }
        const std::uint64_t size = store.close_level();
        const auto& runs = store.level_runs();
        REQUIRE(!runs.empty());
        CHECK(runs.front().first == level_start);
        CHECK(runs.back().last == level_start + size);
        for (std::size_t i = 1; i < runs.size(); ++i) CHECK(runs[i].first == runs[i - 1].last);
        // Each worker's ids lie in its own runs, except those that filled another block's hole
        // (at most the workers' unused block ends).
        std::size_t elsewhere = 0;
        for (unsigned w = 0; w < workers; ++w)
            for (const auto id : ids_of[w]) {
                const auto r = std::find_if(runs.begin(), runs.end(),
                                            [&](const id_run& x) { return id >= x.first && id < x.last; });
                if (r == runs.end() || r->owner != w) ++elsewhere;
            }
        CHECK(elsewhere <= std::size_t{workers} * 1024);
        CHECK(elsewhere < size / 2);
        level_start += size;
    }
}
