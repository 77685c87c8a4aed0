// Hash compaction (checker::hash_compaction, tcpv --hash-compact W): the same counts, verdicts
// and traces as exact storage when no fingerprint collides, a bounded and reported probability
// that one did, less memory, and clear refusals of what it cannot do (depth-first search,
// liveness, drawing the explored graph, a table that fills up).
#include <doctest/doctest.h>

#include <tcpv/bench/teardown.hpp>
#include <tcpv/checker.hpp>
#include <tcpv/report.hpp>

#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "teardown_storage.hpp"

using teardown_storage::text_of;
using teardown_storage::with_tw;

TEST_CASE("hash compaction: same counts, verdicts and shortest counterexample as exact storage") {
    for (const int tw : {4, 1}) {  // holds; violated
        CAPTURE(tw);
        const auto exact = tcpv::checker(with_tw(tw)).run();
        for (const unsigned threads : {1u, 2u}) {
            CAPTURE(threads);
            const auto hc = tcpv::checker(with_tw(tw)).threads(threads).hash_compaction(16).run();
            CHECK(hc.stats.hash_compaction);
            CHECK(hc.stats.states == exact.stats.states);
            CHECK(hc.stats.transitions == exact.stats.transitions);
            CHECK(hc.stats.depth == exact.stats.depth);
            CHECK(hc.verdict_of("no-reset-after-graceful-close") == exact.verdict_of("no-reset-after-graceful-close"));
            CHECK(text_of(hc, "no-reset-after-graceful-close") == text_of(exact, "no-reset-after-graceful-close"));
            // 12,410 states in 65,536 slots: the bound is small but not zero, and it is reported.
            CHECK(hc.stats.omission_probability > 0);
            CHECK(hc.stats.omission_probability < 1e-3);
            const std::string printed = [&] {
                std::ostringstream os;
                tcpv::print(os, hc.summary("teardown"));
                return os.str();
            }();
            CHECK(printed.find("hash compaction (32-bit fingerprints): probability of a missed state at most") !=
                  std::string::npos);
            CHECK(tcpv::to_json(hc.summary()).find("\"storage\":\"hash-compaction\",\"omission_probability\":") !=
                  std::string::npos);
        }
    }
}

TEST_CASE("hash compaction: the verdict 'holds' carries the probability; exact storage has none") {
    const auto hc = tcpv::checker(with_tw(4)).hash_compaction(16).run();
    const auto* p = hc.find("no-reset-after-graceful-close");
    REQUIRE(p);
    CHECK(p->result == tcpv::verdict::holds);
    CHECK(p->note.find("may have been missed with probability at most") != std::string::npos);
    const auto exact = tcpv::checker(with_tw(4)).run();
    CHECK_FALSE(exact.stats.hash_compaction);
    CHECK(exact.stats.omission_probability == 0);
    CHECK(exact.find("no-reset-after-graceful-close")->note.empty());
}

TEST_CASE("hash compaction: fewer stored bytes than exact storage on a larger set") {
    tcpv::bench::teardown m;
    m.cap = 4;
    m.msl = 3;
    m.rto = 2;
    m.maxretx = 3;
    m.tw = 6;
    const auto exact = tcpv::checker(m).run();
    const auto hc = tcpv::checker(m).hash_compaction(19).run();  // 524,288 slots for 344,867 states
    CHECK(hc.stats.states == exact.stats.states);
    CHECK(hc.stats.transitions == exact.stats.transitions);
    CHECK(hc.stats.stored_bytes < exact.stats.stored_bytes * 3 / 4);
}

TEST_CASE("hash compaction: a full table stops the search with its own limit, never a wrong verdict") {
    const auto hc = tcpv::checker(with_tw(4)).hash_compaction(12).run();  // 4096 slots < 12,410 states
    CHECK(hc.stats.limit == tcpv::limit_kind::table);
    CHECK(hc.stats.states <= 4096 * 9 / 10);
    CHECK(hc.verdict_of("no-reset-after-graceful-close") == tcpv::verdict::unknown);
    CHECK(hc.summary().exit_status() == 3);
    CHECK(tcpv::to_string(tcpv::limit_kind::table) == "hash-table-full");
}

TEST_CASE("hash compaction: what it cannot do is refused or left unknown, with the reason") {
    CHECK_THROWS_WITH_AS((void)tcpv::checker(with_tw(4)).dfs().hash_compaction(16).run(),
                         "tcpv: hash compaction needs breadth-first search", tcpv::model_error);
    CHECK_THROWS_WITH_AS((void)tcpv::checker(with_tw(4)).hash_compaction(5),
                         "tcpv: hash compaction takes 10 to 32 (log2 of the table's slots), not 5", tcpv::model_error);
    // Liveness needs the whole graph.
    const auto r = tcpv::checker(with_tw(4))
                       .check(teardown_storage::both_closed())
                       .hash_compaction(16)
                       .run();
    const auto* p = r.find("both-closed");
    REQUIRE(p);
    CHECK(p->result == tcpv::verdict::unknown);
    CHECK(p->note == "liveness needs the whole graph: check it with exact storage (no hash compaction)");
    // The states are not kept: looking one up says why.
    const auto hc = tcpv::checker(with_tw(4)).hash_compaction(16).run();
    CHECK_THROWS_AS((void)hc.explored->find(tcpv::bench::teardown::state{}), std::logic_error);
}

TEST_CASE("tcpv --hash-compact W: the figure and the refusals") {
    const auto run = teardown_storage::run_tcpv;
    const auto ok = run({"check", "teardown", "--hash-compact", "16", "--quiet"});
    CHECK(ok.status == 0);
    CHECK(ok.out.find("12410 states, 70486 transitions") != std::string::npos);
    CHECK(ok.out.find("hash compaction (32-bit fingerprints)") != std::string::npos);
    const auto full = run({"check", "teardown", "--hash-compact", "10", "--quiet"});
    CHECK(full.status == 3);
    CHECK(full.out.find("stopped by hash-table-full") != std::string::npos);
    const struct {
        std::vector<std::string> args;
        std::string_view message;
    } bad[] = {
        {{"check", "teardown", "--hash-compact", "40"}, "--hash-compact 40 is out of range: allowed 10 to 32"},
        {{"check", "teardown", "--hash-compact", "16", "--dfs"}, "--hash-compact needs breadth-first search: drop --dfs"},
        {{"check", "teardown", "--hash-compact", "16", "--dot", "x.dot"},
         "--dot draws the explored states, which --hash-compact does not keep"},
    };
    for (const auto& b : bad) {
        const auto r = run(b.args);
        CAPTURE(r.err);
        CHECK(r.status == 2);
        CHECK(r.err.find(b.message) != std::string::npos);
    }
}
