// A stack author's adapter, complete: tcpv drives "my_stack" (a C-style stack with one global
// connection, so it cannot be copied) and the reference endpoint with the same inputs, and
// reports the first disagreement as a shortest trace. my_stack has a classic bug: TIME-WAIT
// answers a retransmitted FIN, but forgets to restart its 2*MSL timer. Documented in
// docs/conformance.md; this program exits 0 when the bug is found as expected.
#include <tcpv/conformance.hpp>
#include <tcpv/tcp/conformance.hpp>

#include <cstdio>
#include <iostream>
#include <string>

namespace cf = tcpv::tcp::conformance;

// ---- "my_stack": stands for a real stack's C API (here: the reference, plus the bug) --------
namespace my_stack {
tcpv::tcp::tcb connection;            // one global connection, as in many embedded stacks
const tcpv::tcp::endpoint_config config;  // its timers and knobs
void init() { connection = {}; }
// Runs one event; writes what the stack sent into out[0..n).
int input(const cf::input& in, tcpv::tcp::segment out[2]) {
    const tcpv::tcp::tcb before = connection;
    tcpv::tcp::step_result r;
    switch (in.what) {
        case cf::input::kind::call: r = tcpv::tcp::user_call(connection, in.call, config); break;
        case cf::input::kind::arrival: r = tcpv::tcp::receive(connection, in.seg, config); break;
        case cf::input::kind::tick: r = tcpv::tcp::tick(connection, config); break;
    }
    // The bug: a FIN retransmitted into TIME-WAIT is acknowledged, but the timer keeps running.
    if (before.st == tcpv::tcp::state_id::time_wait && connection.st == tcpv::tcp::state_id::time_wait &&
        in.what == cf::input::kind::arrival && in.seg.has(tcpv::tcp::FIN))
        connection.wait_timer = before.wait_timer;
    for (int i = 0; i < r.sent_count; ++i) out[i] = r.sent[i];
    return r.sent_count;
}
tcpv::tcp::state_id state() { return connection.st; }
}  // namespace my_stack

// ---- the adapter: all a stack author writes -----------------------------------------------------
struct my_stack_adapter {
    using input = cf::input;              // a user call, an arriving segment, or a tick
    using output = cf::output;            // the segments sent in answer
    using observation = cf::observation;  // the RFC 9293 state, where the stack shows it

    my_stack_adapter() = default;
    my_stack_adapter(const my_stack_adapter&) = delete;  // global state: replayed, not copied

    void reset() { my_stack::init(); }
    output apply(const input& in) {
        output o;
        o.count = static_cast<std::uint8_t>(my_stack::input(in, o.sent.data()));
        return o;
    }
    observation observe() const { return {my_stack::state()}; }
    // Optional: the stack's whole connection state. With it the explorer tells apart two runs
    // that reach one reference state while the stack's insides differ (here: a timer), and
    // follows both; without it, such a drift is only found if it shows in an output first.
    std::string key() const {
        return std::string(reinterpret_cast<const char*>(&my_stack::connection), sizeof(my_stack::connection));
    }
};

int main() {
    my_stack_adapter stack;
    const auto r = tcpv::conformance::explore(stack, cf::reference_endpoint<>{}, cf::peer_environment{}, 12);
    std::printf("explored %llu states, %llu inputs (%llu replayed)\n", static_cast<unsigned long long>(r.stats.states),
                static_cast<unsigned long long>(r.stats.steps), static_cast<unsigned long long>(r.stats.replayed));
    if (!r.found) {
        std::puts("no disagreement found: the bug was expected to be caught");
        return 1;
    }
    std::cout << "first disagreement (" << r.found->what << "):\n" << r.found->text();
    // Expected: TIME-WAIT, the FIN again, and the timer runs out one tick early.
    const auto& last = r.found->steps.back();
    const bool as_expected = r.found->what == "observations differ" && last.input == "tick" &&
                             last.reference_observation == "TIME-WAIT" && last.implementation_observation == "CLOSED";
    std::puts(as_expected ? "caught as expected" : "caught, but not where expected");
    return as_expected ? 0 : 1;
}
