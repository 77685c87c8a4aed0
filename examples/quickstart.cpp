// Quick start: include the checker, define a model (lost_final_ack.hpp), check it, and read
// the counterexample. README.md quotes this file (test_docs keeps the quote current).
//
// The peer resends its FIN every 2 ticks, twice. With TIME_WAIT at 5 ticks, longer than that
// whole span (4 ticks), the close is reliable. With 4 ticks, a lost final ACK and a lost first
// resent FIN let the second resent FIN meet a closed endpoint, which answers with a reset.
// The shortest counterexample has 7 steps, derived by hand: A closes only after 4 ticks
// without a FIN, so the ACK and the FIN sent at tick 2 must both be lost: lose ACK, tick, tick
// (FIN resent), lose FIN, tick, tick (A closes; FIN resent), deliver FIN (RST).
#include <tcpv/checker.hpp>
#include <tcpv/graphviz.hpp>

#include <iostream>

#include "lost_final_ack.hpp"

int main() {
    int failures = 0;
    auto expect = [&](bool ok, const char* what) {
        if (!ok) {
            std::cerr << "example failed: " << what << '\n';
            ++failures;
        }
    };

    // 1. A correct configuration: every property holds.
    const auto good = tcpv::checker(example::lost_final_ack{.time_wait = 5}).run();
    tcpv::print(std::cout, good.summary("lost-final-ack"));
    expect(good.all_hold(), "time_wait=5 should satisfy every property");

    // 2. TIME_WAIT too short: the checker finds the reset, with a shortest trace.
    // [snippet check]
    const example::lost_final_ack short_wait{.time_wait = 4};
    const auto bad = tcpv::checker(short_wait).run();
    tcpv::print(std::cout, bad.summary("lost-final-ack"));  // the verdicts and the counterexample
    const auto trace = bad.counterexample("no-reset-after-graceful-close");  // the typed trace
    // [snippet check]
    expect(trace.has_value(), "time_wait=4 should violate no-reset-after-graceful-close");
    if (trace) {
        expect(trace->length() == 7, "the shortest counterexample has 7 steps");
        expect(!tcpv::validate(short_wait, *trace), "the counterexample replays on the model");
        // 3. The explored graph with the counterexample in red, for Graphviz.
        const std::string dot = tcpv::graphviz::state_graph(bad, &*trace);
        expect(dot.find("color=red") != std::string::npos, "the DOT output highlights the trace");
    }
    return failures == 0 ? 0 : 1;
}
