// Bitstate (checker::bitstate, tcpv --bitstate W [--bitstate-hashes K]): the same counts,
// verdicts and traces as exact storage when the bit array is large, states missed and an
// estimated probability of that in the report when it is small, and the refusals of what it
// cannot do (depth-first search, liveness, drawing the explored graph, hash compaction at once).
#include <doctest/doctest.h>

#include <tcpv/bench/teardown.hpp>
#include <tcpv/checker.hpp>
#include <tcpv/report.hpp>

#include <cmath>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "teardown_storage.hpp"

namespace {

using teardown_storage::text_of;
using teardown_storage::with_tw;

std::string printed(const tcpv::result<tcpv::bench::teardown>& r) {
    std::ostringstream os;
    tcpv::print(os, r.summary("teardown"));
    return os.str();
}

}  // namespace

TEST_CASE("bitstate: a large bit array gives the exact counts, verdicts and shortest counterexample") {
    for (const int tw : {4, 1}) {  // holds; violated
        CAPTURE(tw);
        const auto exact = tcpv::checker(with_tw(tw)).run();
        for (const unsigned threads : {1u, 2u, 3u}) {
            CAPTURE(threads);
            const auto bs = tcpv::checker(with_tw(tw)).threads(threads).bitstate(24).run();
            CHECK(bs.stats.bitstate);
            CHECK_FALSE(bs.stats.hash_compaction);
            CHECK(bs.stats.bitstate_bits == 24);
            CHECK(bs.stats.bitstate_hashes == 3);
            CHECK(bs.stats.states == exact.stats.states);
            CHECK(bs.stats.transitions == exact.stats.transitions);
            CHECK(bs.stats.depth == exact.stats.depth);
            CHECK(bs.stats.limit == tcpv::limit_kind::none);
            CHECK(bs.verdict_of("no-reset-after-graceful-close") == exact.verdict_of("no-reset-after-graceful-close"));
            CHECK(text_of(bs, "no-reset-after-graceful-close") == text_of(exact, "no-reset-after-graceful-close"));
            // 12,410 states in 2^24 bits, 3 hashes: small but not zero, and reported.
            CHECK(bs.stats.omission_probability > 0);
            CHECK(bs.stats.omission_probability < 1e-3);
            CHECK(bs.stats.expected_omissions > 0);
            CHECK(bs.stats.false_positive_rate < 1e-6);
            CHECK(printed(bs).find("bitstate (2^24 bits, 3 hashes): probability of a missed state about") !=
                  std::string::npos);
            const std::string json = tcpv::to_json(bs.summary());
            CHECK(json.find("\"storage\":\"bitstate\",\"bitstate_bits\":24,\"bitstate_hashes\":3,"
                            "\"omission_probability\":") != std::string::npos);
            CHECK(json.find("\"expected_omissions\":") != std::string::npos);
            CHECK(json.find("\"false_positive_rate\":") != std::string::npos);
        }
    }
}

TEST_CASE("bitstate: every thread count finds the same states when nothing collides") {
    tcpv::bench::teardown m;
    m.cap = 3;
    m.msl = 3;
    const auto exact = tcpv::checker(m).run();
    for (const unsigned threads : {1u, 2u, 4u}) {
        CAPTURE(threads);
        const auto bs = tcpv::checker(m).threads(threads).bitstate(28, 4).run();
        CHECK(bs.stats.states == exact.stats.states);
        CHECK(bs.stats.transitions == exact.stats.transitions);
        CHECK(bs.stats.depth == exact.stats.depth);
    }
}

TEST_CASE("bitstate: a tiny bit array misses states, and the report says so with a probability") {
    const auto exact = tcpv::checker(with_tw(4)).run();
    for (const unsigned threads : {1u, 2u}) {
        CAPTURE(threads);
        const auto bs = tcpv::checker(with_tw(4)).threads(threads).bitstate(10).run();  // 1024 bits, 12,410 states
        CHECK(bs.stats.states < exact.stats.states);
        CHECK(bs.stats.limit == tcpv::limit_kind::none);  // no table to fill: it only misses more
        CHECK(bs.stats.expected_omissions > 1);
        CHECK(bs.stats.omission_probability > 0.99);
        CHECK(bs.stats.false_positive_rate > 0.1);
        const auto* p = bs.find("no-reset-after-graceful-close");
        REQUIRE(p);
        CHECK(p->note.find("bitstate: a state may have been missed with probability about") != std::string::npos);
        CHECK(p->note.find("missed states expected") != std::string::npos);
        CHECK(printed(bs).find("bitstate (2^10 bits, 3 hashes): probability of a missed state about 1") !=
              std::string::npos);
    }
    // Fewer hashes fill the array more slowly: with one hash, 1024 bits hold at most 1024 states.
    const auto one = tcpv::checker(with_tw(4)).bitstate(10, 1).run();
    CHECK(one.stats.states <= 1024);
    CHECK(one.stats.bitstate_hashes == 1);
}

TEST_CASE("bitstate: the estimate follows the formula (1 - e^{-kn/m})^k") {
    const auto bs = tcpv::checker(with_tw(4)).bitstate(20, 3).run();
    const double n = double(bs.stats.states), m = 1 << 20, k = 3;
    const double rate = std::pow(1 - std::exp(-k * n / m), k);
    CHECK(bs.stats.false_positive_rate == doctest::Approx(rate).epsilon(1e-9));
    // E = sum_{i<n} (1 - e^{-ki/m})^k lies between n * rate / (k + 1) / 2 and n * rate.
    CHECK(bs.stats.expected_omissions < n * rate);
    CHECK(bs.stats.expected_omissions > n * rate / (k + 1) / 2);
    CHECK(bs.stats.omission_probability == doctest::Approx(1 - std::exp(-bs.stats.expected_omissions)));
}

TEST_CASE("bitstate: less memory than exact storage on a larger set") {
    tcpv::bench::teardown m;
    m.cap = 4;
    m.msl = 3;
    m.rto = 2;
    m.maxretx = 3;
    m.tw = 6;
    const auto exact = tcpv::checker(m).run();
    // 2 MiB of bits for 344,867 states (exact storage: about 12 bytes a state here): about 6
    // bytes a state, at the price of a few missed states (estimated, and reported).
    const auto bs = tcpv::checker(m).bitstate(24).run();
    CHECK(bs.stats.states <= exact.stats.states);
    CHECK(bs.stats.states > exact.stats.states * 99 / 100);
    CHECK(bs.stats.expected_omissions > 1);
    CHECK(bs.stats.stored_bytes < exact.stats.stored_bytes);
}

TEST_CASE("bitstate: what it cannot do is refused or left unknown, with the reason") {
    CHECK_THROWS_WITH_AS((void)tcpv::checker(with_tw(4)).dfs().bitstate(20).run(),
                         "tcpv: bitstate needs breadth-first search", tcpv::model_error);
    CHECK_THROWS_WITH_AS((void)tcpv::checker(with_tw(4)).bitstate(20).hash_compaction(16).run(),
                         "tcpv: hash compaction and bitstate are two storage modes: choose one", tcpv::model_error);
    CHECK_THROWS_WITH_AS((void)tcpv::checker(with_tw(4)).bitstate(5),
                         "tcpv: bitstate takes 10 to 40 (log2 of the array's bits), not 5", tcpv::model_error);
    CHECK_THROWS_WITH_AS((void)tcpv::checker(with_tw(4)).bitstate(20, 0),
                         "tcpv: bitstate takes 1 to 16 hashes per state, not 0", tcpv::model_error);
    const auto r = tcpv::checker(with_tw(4))
                       .check(teardown_storage::both_closed())
                       .bitstate(20)
                       .run();
    const auto* p = r.find("both-closed");
    REQUIRE(p);
    CHECK(p->result == tcpv::verdict::unknown);
    CHECK(p->note == "liveness needs the whole graph: check it with exact storage (no bitstate)");
    CHECK_THROWS_AS((void)r.explored->find(tcpv::bench::teardown::state{}), std::logic_error);
    // Exact storage carries none of it.
    const auto exact = tcpv::checker(with_tw(4)).run();
    CHECK_FALSE(exact.stats.bitstate);
    CHECK(tcpv::to_json(exact.summary()).find("bitstate") == std::string::npos);
}

TEST_CASE("tcpv --bitstate W [--bitstate-hashes K]: the figures and the refusals") {
    const auto run = teardown_storage::run_tcpv;
    const auto ok = run({"check", "teardown", "--bitstate", "24", "--quiet"});
    CHECK(ok.status == 0);
    CHECK(ok.out.find("12410 states, 70486 transitions") != std::string::npos);
    CHECK(ok.out.find("bitstate (2^24 bits, 3 hashes): probability of a missed state about") != std::string::npos);
    const auto k5 = run({"check", "teardown", "--bitstate", "24", "--bitstate-hashes", "5", "--json", "--quiet"});
    CHECK(k5.status == 0);
    CHECK(k5.out.find("\"storage\":\"bitstate\",\"bitstate_bits\":24,\"bitstate_hashes\":5") != std::string::npos);
    const auto small = run({"check", "teardown", "--bitstate", "10", "--quiet"});
    CHECK(small.out.find("12410 states") == std::string::npos);
    CHECK(small.out.find("bitstate (2^10 bits, 3 hashes): probability of a missed state about 1") != std::string::npos);
    const struct {
        std::vector<std::string> args;
        std::string_view message;
    } bad[] = {
        {{"check", "teardown", "--bitstate", "41"}, "--bitstate 41 is out of range: allowed 10 to 40"},
        {{"check", "teardown", "--bitstate", "20", "--bitstate-hashes", "17"},
         "--bitstate-hashes 17 is out of range: allowed 1 to 16"},
        {{"check", "teardown", "--bitstate-hashes", "4"}, "--bitstate-hashes needs --bitstate W"},
        {{"check", "teardown", "--bitstate", "20", "--dfs"}, "--bitstate needs breadth-first search: drop --dfs"},
        {{"check", "teardown", "--bitstate", "20", "--dot", "x.dot"},
         "--dot draws the explored states, which --bitstate does not keep"},
        {{"check", "teardown", "--bitstate", "20", "--hash-compact", "16"},
         "--hash-compact and --bitstate are two storage modes: give one"},
        {{"sweep", "teardown", "--vary", "tw=1..2", "--bitstate", "20", "--hash-compact", "16"},
         "--hash-compact and --bitstate are two storage modes: give one"},
    };
    for (const auto& b : bad) {
        const auto r = run(b.args);
        CAPTURE(r.err);
        CHECK(r.status == 2);
        CHECK(r.err.find(b.message) != std::string::npos);
    }
}
