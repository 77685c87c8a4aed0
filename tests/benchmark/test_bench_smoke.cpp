// The Promela twin of `teardown` (promela_teardown.hpp) against tcpv's own checker, and the
// benchmark program's --smoke run. SPIN is a CI dependency of this test: apt-get install spin.
//
// For each parameter set the Promela text is written into a scratch directory under the build
// tree, `spin -o2 -a` makes pan.c, gcc compiles it (-DSAFETY -DNOREDUCE, as the benchmark
// does) and pan searches with -c0 (on past assertion violations, so that a failing property
// still covers the whole state space, as tcpv does). Expected: pan's stored states equal tcpv's
// states, pan's transitions are tcpv's + 1 (pan counts the initial state as stored + matched
// although no transition reached it), and pan reports a violation exactly when tcpv does; a
// second pan run without -c0 must stop at that violation, as SPIN is normally run.
#include <doctest/doctest.h>

#include <tcpv/bench/teardown.hpp>
#include <tcpv/checker.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <system_error>
#include <unistd.h>

#include "../support/run_program.hpp"
#include "pan_output.hpp"
#include "promela_teardown.hpp"

#ifndef TCPV_BENCH_PROGRAM
#error "TCPV_BENCH_PROGRAM (the path of tcpv_bench_teardown) must be defined by the build"
#endif

namespace {

namespace fs = std::filesystem;

std::optional<std::string> find_in_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= dirs.size()) {
        std::size_t end = dirs.find(':', start);
        if (end == std::string::npos) end = dirs.size();
        const fs::path p = fs::path(end == start ? "." : dirs.substr(start, end - start)) / name;
        if (::access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p)) return fs::absolute(p).string();
        start = end + 1;
    }
    return std::nullopt;
}

/// The current directory is `dir` for the lifetime of the guard: spin -a writes pan.* into the
/// current directory, and pan writes its trail there (run_program does not change directory).
struct working_directory {
    fs::path previous = fs::current_path();
    explicit working_directory(const fs::path& dir) { fs::current_path(dir); }
    ~working_directory() {
        std::error_code ec;
        fs::current_path(previous, ec);
    }
    working_directory(const working_directory&) = delete;
    working_directory& operator=(const working_directory&) = delete;
};

std::string require_spin() {
    const auto spin = find_in_path("spin");
    if (!spin) FAIL("SPIN is not installed: apt-get install spin (a CI dependency of the benchmark test)");
    return *spin;
}

struct parameters {
    int cap, msl, rto, maxretx, tw;
};

// The small benchmark set, two quick ones, one with TW < 2*MSL and one without TIME_WAIT
// (both violate the property).
constexpr parameters sets[] = {
    {2, 2, 1, 2, 4},  // "small": holds
    {1, 1, 1, 1, 2},  // holds
    {2, 1, 1, 1, 2},  // holds
    {2, 2, 1, 2, 1},  // TW < 2*MSL: violated
    {1, 1, 1, 1, 0},  // TW = 0: violated
};

}  // namespace

TEST_CASE("teardown in Promela: SPIN finds the states and transitions of tcpv, and the same verdict") {
    const std::string spin = require_spin();
    const auto gcc = find_in_path("gcc");
    REQUIRE_MESSAGE(gcc.has_value(), "gcc is not installed: apt-get install gcc");

    for (const auto& s : sets) {
        CAPTURE(s.cap);
        CAPTURE(s.msl);
        CAPTURE(s.rto);
        CAPTURE(s.maxretx);
        CAPTURE(s.tw);
        const tcpv::bench::teardown model{s.cap, s.msl, s.rto, s.maxretx, s.tw};
        const auto expected = tcpv::checker(model).run();
        const bool violated = expected.verdict_of("no-reset-after-graceful-close") == tcpv::verdict::violated;

        const fs::path dir = fs::path(TCPV_BINARY_DIR) / "test_bench_smoke" /
                             ("teardown-" + std::to_string(s.cap) + "-" + std::to_string(s.msl) + "-" +
                              std::to_string(s.rto) + "-" + std::to_string(s.maxretx) + "-" + std::to_string(s.tw));
        fs::remove_all(dir);
        fs::create_directories(dir);
        const working_directory in(dir);
        {
            std::ofstream f("teardown.pml");
            f << tcpv_bench::promela_teardown(s.cap, s.msl, s.rto, s.maxretx, s.tw);
        }
        const auto spin_a = tcpv_test::run_program({spin, "-o2", "-a", "teardown.pml"}, 60);
        REQUIRE_MESSAGE(spin_a.status == 0, (spin_a.out + spin_a.err));
        const auto cc = tcpv_test::run_program({*gcc, "-O2", "-DSAFETY", "-DNOREDUCE", "-o", "pan", "pan.c"}, 120);
        REQUIRE_MESSAGE(cc.status == 0, cc.err);

        const std::string pan = (dir / "pan").string();
        const auto full = tcpv_test::run_program({pan, "-m10000", "-w20", "-c0"}, 60);
        REQUIRE_MESSAGE(full.status == 0, (full.out + full.err));
        const auto r = tcpv_bench::parse_pan_output(full.out);
        INFO(full.out);
        REQUIRE(r.has_summary);
        CHECK_FALSE(r.depth_too_small);
        CHECK_FALSE(r.incomplete);
        CHECK(r.stored.matches(expected.stats.states));
        CHECK(r.transitions.matches(expected.stats.transitions + 1));
        CHECK((r.errors > 0) == violated);

        if (violated) {  // SPIN as normally run: stops at the first violation and says so
            const auto first = tcpv_test::run_program({pan, "-m10000", "-w20"}, 60);
            REQUIRE(first.status == 0);
            const auto f = tcpv_bench::parse_pan_output(first.out);
            CHECK(f.assertion_violated);
            CHECK(f.errors == 1);
            CHECK(f.stored.value < double(expected.stats.states));
        }
    }
}

TEST_CASE("pan's figures are read exactly, or within the precision of its exponent notation") {
    const std::string out =
        "State-vector 60 byte, depth reached 35, errors: 0\n"
        "  3411649 states, stored\n"
        " 31764611 states, matched\n"
        "3.5176259e+08 transitions (= stored+matched)\n"
        "pan: elapsed time 6.16 seconds\n";
    const auto r = tcpv_bench::parse_pan_output(out);
    CHECK(r.has_summary);
    CHECK(r.stored.matches(3411649));
    CHECK_FALSE(r.stored.matches(3411648));
    CHECK(r.matched.matches(31764611));
    CHECK(r.transitions.matches(351762594));
    CHECK(r.transitions.matches(351762585));
    CHECK_FALSE(r.transitions.matches(351762600));
    CHECK(r.state_vector_bytes == 60);
    CHECK(r.depth_reached == 35);
    REQUIRE(r.pan_seconds.has_value());
    CHECK(*r.pan_seconds == doctest::Approx(6.16));
}

TEST_CASE("the Promela generator refuses parameters outside the model's ranges") {
    CHECK_THROWS_AS(tcpv_bench::promela_teardown(7, 2, 1, 2, 4), std::invalid_argument);
    CHECK_THROWS_AS(tcpv_bench::promela_teardown(2, 2, 1, 2, 16), std::invalid_argument);
}

TEST_CASE("tcpv_bench_teardown --smoke: counts agree and the table is printed") {
    require_spin();
    const fs::path work = fs::path(TCPV_BINARY_DIR) / "test_bench_smoke" / "smoke";
    fs::remove_all(work);
    const auto r = tcpv_test::run_program({TCPV_BENCH_PROGRAM, "--smoke", "--work", work.string()}, 240);
    INFO(r.out);
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(r.out.find("| tool / config") != std::string::npos);
    CHECK(r.out.find("| tcpv BFS") != std::string::npos);
    CHECK(r.out.find("| SPIN DFS") != std::string::npos);
    CHECK(r.out.find("counts agree: 12,410 states, 70,486 transitions") != std::string::npos);
}

TEST_CASE("tcpv_bench_teardown: thread counts take turns and the scaling is printed from best and median runs") {
    require_spin();
    const fs::path work = fs::path(TCPV_BINARY_DIR) / "test_bench_smoke" / "scaling";
    fs::remove_all(work);
    const auto r = tcpv_test::run_program({TCPV_BENCH_PROGRAM, "--set", "small", "--threads", "1,2", "--repeat", "2",
                                           "--spin-configs", "dfs", "--work", work.string()},
                                          240);
    INFO(r.out);
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("best of 2 run(s), tcpv's thread counts taking turns") != std::string::npos);
    // Rows in thread order, each configuration's 1-thread row first.
    const auto one = r.out.find("| tcpv BFS, key index        |             1 |");
    const auto two = r.out.find("| tcpv BFS, key index        |             2 |");
    CHECK(one != std::string::npos);
    CHECK(two != std::string::npos);
    CHECK(one < two);
    // Run in turns: the 1-thread run 2 was written after the 2-thread run 1.
    CHECK(fs::last_write_time(work / "tcpv-t1-2.out") >= fs::last_write_time(work / "tcpv-t2-1.out"));
    const auto scaling = r.out.find("scaling (states/s against the same configuration on 1 thread):");
    REQUIRE(scaling != std::string::npos);
    for (const std::string config : {"tcpv BFS, key index, 2 threads: ", "tcpv BFS, key index, sized, 2 threads: "}) {
        const auto at = r.out.find(config, scaling);
        REQUIRE_MESSAGE(at != std::string::npos, config);
        const std::string line = r.out.substr(at, r.out.find('\n', at) - at);
        CHECK_MESSAGE(line.find("x the 1-thread rate (best runs), ") != std::string::npos, line);
        CHECK_MESSAGE(line.find("x (median runs)") != std::string::npos, line);
        CHECK(std::stod(line.substr(config.size())) > 0);
    }
}

TEST_CASE("tcpv_bench_teardown refuses bad parameters with exit status 2 and a message") {
    const auto r = tcpv_test::run_program({TCPV_BENCH_PROGRAM, "--set", "9,2,1,2,4", "--work",
                                           (fs::path(TCPV_BINARY_DIR) / "test_bench_smoke" / "bad").string()},
                                          60);
    CHECK(r.status == 2);
    CHECK(r.err.find("cap = 9 is outside 1..6") != std::string::npos);
}
