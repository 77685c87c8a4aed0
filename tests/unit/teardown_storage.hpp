#pragma once
// Helpers shared by the tests of the inexact storage modes (test_hash_compaction.cpp,
// test_bitstate.cpp): the teardown model with a given TIME-WAIT, a counterexample as text to
// compare with exact storage's, a liveness property that needs the whole graph, and a run of
// the tcpv program.
#include <tcpv/bench/teardown.hpp>
#include <tcpv/checker.hpp>

#include <string>
#include <vector>

#include "../support/run_program.hpp"

namespace teardown_storage {

inline std::string text_of(const tcpv::result<tcpv::bench::teardown>& r, const char* name) {
    const auto t = r.counterexample(name);
    if (!t) return "none";
    std::string out;
    for (const auto& step : t->text(r.model).steps) out += step.action + " -> " + step.state + "\n";
    return out;
}

inline tcpv::bench::teardown with_tw(int tw) {
    tcpv::bench::teardown m;
    m.tw = tw;
    return m;
}

/// Liveness: both endpoints end CLOSED (inexact storage leaves it "unknown").
inline tcpv::property<tcpv::bench::teardown> both_closed() {
    return tcpv::eventually("both-closed", [](const tcpv::bench::teardown::state& s) {
        return s.ep[0].st == tcpv::bench::teardown::CLOSED && s.ep[1].st == tcpv::bench::teardown::CLOSED;
    });
}

/// Runs `tcpv ARGS...` (two minutes at most).
inline tcpv_test::program_output run_tcpv(std::vector<std::string> args) {
    args.insert(args.begin(), TCPV_PROGRAM);
    return tcpv_test::run_program(args, 120);
}

}  // namespace teardown_storage
