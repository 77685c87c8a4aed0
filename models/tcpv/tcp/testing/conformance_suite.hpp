#pragma once
/// \file tcpv/tcp/testing/conformance_suite.hpp
/// The TCP conformance suite for a stack author's CI: one line registers doctest cases that
/// check an adapter against the reference endpoint, by differential exploration to a depth and
/// by random input sequences (RapidCheck, shrunk to a minimal failing sequence, with the
/// RC_PARAMS line that replays it). Needs doctest and RapidCheck (tcpv::tcpv does not).
///
/// ```cpp
/// #include <tcpv/tcp/testing/conformance_suite.hpp>
/// TCPV_TCP_CONFORMANCE_SUITE("my stack", my_stack_adapter, (tcpv::tcp::conformance::suite_options{.depth = 10}))
/// ```

#include <tcpv/conformance.hpp>
#include <tcpv/tcp/conformance.hpp>
#include <tcpv/testing/doctest_rapidcheck.hpp>

#include <doctest/doctest.h>
#include <rapidcheck.h>

#include <string>
#include <vector>

namespace tcpv::tcp::conformance {

/// What the suite runs.
struct suite_options {
    endpoint_config config{};     ///< the reference's configuration (a profile's, or the RFC's)
    std::size_t depth = 10;       ///< differential exploration: inputs from a fresh endpoint
    int max_inputs = 40;          ///< random suite: the longest input sequence
    peer_environment environment{};
    /// Random runs let time pass. Off for a stack whose timers the reference cannot follow
    /// (lwIP's RTT estimator, say): the random inputs are then calls and segments only, while
    /// the differential exploration still lets time pass to `depth`.
    bool random_time = true;
    std::string adapter_name = "my_adapter";  ///< spelled in the regression tests the suite prints
};

/// The input that `choice` (a random number) selects for an endpoint in the reference's
/// condition: usually one the environment offers (so that the run gets somewhere), sometimes a
/// segment with any flags, sequence and acknowledgment numbers (odd combinations included),
/// sometimes a tick. Choices are plain numbers so that RapidCheck can shrink a run by removing
/// them.
template <class Ref>
input chosen_input(const Ref& ref, const peer_environment& env, unsigned choice) {
    const unsigned kind = choice % 10, rest = choice / 10;
    if (kind < 7) {
        const auto offered = env.inputs(ref);
        return offered[rest % offered.size()];
    }
    if (kind < 9) {
        segment s;
        s.flags = static_cast<std::uint8_t>(rest & 15u);  // SYN, ACK, FIN, RST in any combination
        s.seq = static_cast<seq_t>((rest >> 4) & 15u);
        s.ack = static_cast<seq_t>((rest >> 8) & 15u);
        return input::arrive(s);
    }
    return input::time();
}

/// Where random runs start: the shortest path to each reference state within `depth`.
/// `Reference` is the reference endpoint, built from `o.config` (reference_endpoint<> by
/// default; a stack's profile may derive from it, as examples/lwip_profile.hpp does).
template <class Reference = reference_endpoint<>>
std::vector<std::vector<input>> random_starts(const suite_options& o) {
    return tcpv::conformance::reference_paths(Reference(o.config), o.environment, o.depth);
}

/// The random suite's property: from a random start (a reference state reached by its shortest
/// path), random inputs on both sides; fails (RC_FAIL) with the trace of the first
/// disagreement. RapidCheck shrinks the start towards the initial state and the run by
/// removing inputs, to a minimal failing one.
template <class Impl, class Reference = reference_endpoint<>>
void random_run(Impl& impl, const suite_options& o, const std::vector<std::vector<input>>& starts) {
    Reference ref(o.config);
    impl.reset();
    ref.reset();
    std::vector<tcpv::conformance::step_text> trace;
    std::vector<input> given;
    auto one = [&](const input& in) {
        given.push_back(in);
        const std::string what = tcpv::conformance::step_both(impl, ref, in, trace);
        if (!what.empty()) {
            const tcpv::conformance::disagreement<input> d{given, trace, what};
            RC_FAIL("first disagreement (" + what + "):\n" + d.text() + "\nas a regression test:\n" +
                    regression_test(d, o.adapter_name, "regression: " + what));
        }
    };
    const auto start = static_cast<std::size_t>(*rc::gen::inRange<int>(0, static_cast<int>(starts.size())));
    for (const input& in : starts[start]) one(in);
    const auto choices = *rc::gen::resize(
        o.max_inputs, rc::gen::container<std::vector<unsigned>>(rc::gen::inRange<unsigned>(0, 1u << 16)));
    for (const unsigned c : choices) {
        const input in = chosen_input(ref, o.environment, c);
        if (o.random_time || in.what != input::kind::tick) one(in);
    }
}

/// Runs the differential exploration as a doctest check: fails with the shortest trace.
template <class Impl, class Reference = reference_endpoint<>>
void check_differential(Impl& impl, const suite_options& o) {
    const auto r = tcpv::conformance::explore(impl, Reference(o.config), o.environment, o.depth);
    if (r.found) DOCTEST_FAIL_CHECK("first disagreement (" << r.found->what << "):\n" << r.found->text());
    DOCTEST_MESSAGE("differential exploration to depth " << o.depth << ": " << r.stats.states << " states, "
                                                         << r.stats.steps << " inputs");
}

}  // namespace tcpv::tcp::conformance

#define TCPV_DETAIL_TCP_CONFORMANCE_SUITE(id, name, Adapter, Reference, options)                       \
    DOCTEST_TEST_CASE(name ": differential exploration against the reference") {                     \
        Adapter impl;                                                                                \
        ::tcpv::tcp::conformance::check_differential<Adapter, Reference>(impl, options);             \
    }                                                                                                \
    DOCTEST_TEST_CASE(name ": random inputs against the reference") {                                \
        Adapter impl;                                                                                \
        ::tcpv::tcp::conformance::suite_options id = options;                                        \
        id.adapter_name = #Adapter;                                                                  \
        const auto starts = ::tcpv::tcp::conformance::random_starts<Reference>(id);                  \
        ::tcpv::testing::check(name ": random inputs", [&] {                                         \
            ::tcpv::tcp::conformance::random_run<Adapter, Reference>(impl, id, starts);              \
        });                                                                                          \
    }

/// Registers the TCP conformance suite for `Adapter` (default-constructible) as two doctest
/// cases named after `name` (a string literal): differential exploration and random inputs,
/// against the RFC reference endpoint with `options.config`. `options` is a suite_options
/// value, in parentheses when it has commas.
#define TCPV_TCP_CONFORMANCE_SUITE(name, Adapter, options)                                             \
    TCPV_DETAIL_TCP_CONFORMANCE_SUITE(DOCTEST_ANONYMOUS(tcpv_conformance_options_), name, Adapter,     \
                                      ::tcpv::tcp::conformance::reference_endpoint<>, options)

/// The same suite against another reference (a stack's profile: a type constructible from an
/// endpoint_config, with reference_endpoint's interface, e.g. one derived from it).
#define TCPV_TCP_CONFORMANCE_SUITE_AGAINST(name, Adapter, Reference, options)                          \
    TCPV_DETAIL_TCP_CONFORMANCE_SUITE(DOCTEST_ANONYMOUS(tcpv_conformance_options_), name, Adapter,     \
                                      Reference, options)
