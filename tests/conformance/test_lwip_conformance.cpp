// lwIP 2.1.3 (liblwip-dev) against the reference, through examples/lwip_adapter.hpp: what a stack
// author's CI runs. The lwIP profile (examples/lwip_profile.hpp) agrees with lwIP to depth 6;
// the one disagreement beyond it, and lwIP's TIME-WAIT bug, are pinned as documented in
// docs/conformance.md ("lwIP 2.1.3").
#include <doctest/doctest.h>

#include "lwip_adapter.hpp"
#include "lwip_agreement.hpp"
#include "lwip_profile.hpp"

#include <tcpv/conformance.hpp>

#include <string>
#include <vector>

namespace lc = lwip_conformance;
namespace cf = tcpv::tcp::conformance;
using namespace tcpv::tcp;

TEST_CASE("lwIP: the adapter is deterministic (a run replayed from reset gives the same answers)") {
    lc::lwip_adapter lwip;
    const std::vector<cf::input> run = {cf::input::user(event_id::open_passive), cf::input::arrive(segment{SYN, 8, 0, 0, 0, 0}),
                                        cf::input::time(), cf::input::arrive(segment{ACK, 9, 5, 0, 0, 0}),
                                        cf::input::user(event_id::close), cf::input::time()};
    std::vector<std::string> first, second;
    for (auto* out : {&first, &second}) {
        lwip.reset();
        for (const auto& in : run) out->push_back(tcpv::conformance::detail::text_of(lwip.apply(in)) + " " +
                                                  tcpv::conformance::detail::text_of(lwip.observe()));
    }
    CHECK(first == second);
    CHECK(lwip.observe() == cf::observation{state_id::fin_wait_1});
}

TEST_CASE("lwIP profile: differential exploration to depth 6 finds no disagreement") {
    lc::lwip_adapter lwip;
    const auto r = tcpv::conformance::explore(lwip, lc::lwip_reference{}, cf::peer_environment{}, 6);
    CHECK_MESSAGE(!r.found, (r.found ? r.found->text() : std::string()));
    CHECK(r.stats.states > 1000);
    MESSAGE("lwIP profile, depth 6: ", r.stats.states, " states, ", r.stats.steps, " inputs, ", r.stats.replayed,
            " replayed");
}

TEST_CASE("lwIP profile: at depth 7 the first disagreement is the RTT sample from a retransmitted SYN") {
    // Documented in docs/conformance.md, not modelled: the SYN's retransmission is timed
    // (rttest), SYN-SENT takes no sample, so the peer's FIN+ACK, two ticks later, is one (Karn's
    // algorithm, RFC 6298 section 3, says not to): RTO 11 runs, and the FIN is resent a tick late.
    lc::lwip_adapter lwip;
    const auto r = tcpv::conformance::explore(lwip, lc::lwip_reference{}, cf::peer_environment{}, 7);
    REQUIRE(r.found);
    const std::vector<cf::input> expected = {
        cf::input::user(event_id::open_active),          cf::input::time(),
        cf::input::arrive(segment{SYN | ACK, 8, 5, 0, 0, 0}), cf::input::time(),
        cf::input::user(event_id::close),                cf::input::arrive(segment{FIN | ACK, 9, 5, 0, 0, 0}),
        cf::input::time()};
    CHECK_MESSAGE(r.found->inputs == expected, r.found->text());
    CHECK(r.found->steps.back().implementation_output == "nothing");
}

TEST_CASE("lwIP against RFC 9293: every disagreement is a documented choice") {
    lc::lwip_adapter lwip;
    const auto table = lc::agreement(lwip, 7);
    std::uint32_t seen = 0;
    std::size_t reached = 0, differ = 0;
    for (const auto& row : table.cells)
        for (const auto& c : row) {
            if (!c.reached) continue;
            ++reached;
            CHECK_MESSAGE(!c.unexplained, c.example);
            if (!c.agrees) ++differ;
            seen |= c.explained_by;
        }
    MESSAGE(lc::to_markdown(table));
    CHECK(reached == tcpv::tcp::state_count * lc::input_classes.size());  // every state, every input
    CHECK(differ > 0);
    // Each documented choice shows in the table, except those only odd segments or deeper runs reach.
    for (const auto& c : lc::choices)
        if (c.what != lc::choice::rst_without_ack_in_syn_sent && c.what != lc::choice::rtt_sample_from_unsent_ack &&
            c.what != lc::choice::syn_retries_carried_over && c.what != lc::choice::syn_sent_constant_rto &&
            c.what != lc::choice::syn_fin_counted_once && c.what != lc::choice::syn_received_skips_sequence_check &&
            c.what != lc::choice::ack_ahead_acked_twice && c.what != lc::choice::segment_without_ack_taken)
            CHECK_MESSAGE((seen & std::uint32_t(c.what)) != 0, c.name);
}

TEST_CASE("lwIP bug: TIME-WAIT is measured from the last segment before close, not from entering it") {
    // tcp_process refreshes pcb->tmr only while the application has not closed (TF_RXCLOSED),
    // and tcp_slowtmr ends TIME-WAIT when tcp_ticks - tmr > 2*MSL: after 41 idle ticks (123 s)
    // TIME-WAIT lasts one tick instead of 41 (RFC 9293 MUST-13: 2*MSL).
    lc::lwip_adapter lwip;
    lc::lwip_reference profile;
    std::vector<cf::input> run = {cf::input::user(event_id::open_active), cf::input::arrive(segment{SYN | ACK, 8, 5, 0, 0, 0})};
    for (int i = 0; i < 41; ++i) run.push_back(cf::input::time());
    run.push_back(cf::input::user(event_id::close));
    run.push_back(cf::input::arrive(segment{FIN | ACK, 9, 6, 0, 0, 0}));  // acks our FIN: TIME-WAIT
    run.push_back(cf::input::time());
    const auto d = tcpv::conformance::replay(lwip, profile, run);
    REQUIRE(d);
    CHECK(d->inputs.size() == run.size());
    CHECK(d->steps[d->steps.size() - 2].implementation_observation == "TIME-WAIT");
    CHECK(d->steps.back().reference_observation == "TIME-WAIT");
    CHECK(d->steps.back().implementation_observation == "CLOSED");
}

TEST_CASE("lwIP adapter: bad use gives clear errors") {
    CHECK_THROWS_AS(lc::lwip_adapter(0), std::invalid_argument);
    lc::lwip_adapter lwip;
    CHECK_THROWS_WITH_AS(lc::lwip_adapter(), doctest::Contains("only one adapter"), std::logic_error);
    CHECK_THROWS_AS(lwip.apply(cf::input::user(event_id::send)), std::invalid_argument);
}

TEST_CASE("lwIP bug (found by the random suite): SEG.LEN of a segment with SYN and FIN is one short") {
    // tcp_input(): 'if (flags & (TCP_FIN | TCP_SYN)) tcplen++;' counts the two flags once; the RST
    // that answers <SEQ=11><ACK=2><CTL=SYN,FIN,ACK> at CLOSED acknowledges 12, not 13.
    lc::lwip_adapter lwip;
    const std::vector<cf::input> run = {cf::input::arrive(segment{SYN | FIN | ACK, 11, 2, 0, 0, 0})};
    lc::lwip_reference profile;
    CHECK_FALSE(tcpv::conformance::replay(lwip, profile, run).has_value());
    lc::lwip_reference without_choice(lc::lwip_config(),
                                      std::uint32_t(lc::all_choices & ~std::uint32_t(lc::choice::syn_fin_counted_once)));
    const auto without = tcpv::conformance::replay(lwip, without_choice, run);
    REQUIRE(without.has_value());
    CHECK(without->steps.back().implementation_output.find("<ACK=12>") != std::string::npos);
    CHECK(without->steps.back().reference_output.find("<ACK=13>") != std::string::npos);
}

TEST_CASE("lwIP profile (found by the random suite): the RST of an abort is not one short for SYN and FIN") {
    // SYN-RECEIVED after CLOSE (the listener is gone): the handshake's ACK comes with SYN and FIN
    // out of sequence, and lwIP aborts with <SEQ=SND.NXT><ACK=RCV.NXT> = <SEQ=5><ACK=9>. RCV.NXT
    // equals SEQ + SEG.LEN (7 + 2) by chance; the profile took that RST for one answering the
    // segment and made it one short (ACK=8). CI's random suite met it with seed
    // 1924875876488319050.
    lc::lwip_adapter lwip;
    const std::vector<cf::input> run = {cf::input::user(event_id::open_passive),
                                        cf::input::arrive(segment{SYN, 8, 0, 0, 0, 0}),
                                        cf::input::user(event_id::close),
                                        cf::input::arrive(segment{SYN | ACK | FIN, 7, 5, 0, 0, 0})};
    lc::lwip_reference profile;
    CHECK_FALSE(tcpv::conformance::replay(lwip, profile, run).has_value());
    lc::lwip_reference again;
    for (std::size_t i = 0; i + 1 < run.size(); ++i) (void)again.apply(run[i]);
    const auto last = again.apply(run.back());
    REQUIRE(last.count == 1);
    CHECK(last.sent[0].flags == (RST | ACK));
    CHECK(last.sent[0].seq == 5);
    CHECK(last.sent[0].ack == 9);
}

TEST_CASE("lwIP bugs (found by the random suite): SYN-RECEIVED skips the sequence check; an ACK ahead, twice") {
    lc::lwip_adapter lwip;
    const auto handshake = std::vector<cf::input>{cf::input::user(event_id::open_passive),
                                                  cf::input::arrive(segment{SYN, 8, 0, 0, 0, 0})};
    auto check_choice = [&](std::vector<cf::input> run, lc::choice c, const char* lwip_answer) {
        CAPTURE(lwip_answer);
        lc::lwip_reference profile;
        CHECK_FALSE(tcpv::conformance::replay(lwip, profile, run).has_value());
        lc::lwip_reference without(lc::lwip_config(), std::uint32_t(lc::all_choices & ~std::uint32_t(c)));
        const auto d = tcpv::conformance::replay(lwip, without, run);
        REQUIRE(d.has_value());
        CHECK(d->steps.size() == run.size());
        CHECK(d->steps.back().implementation_output == lwip_answer);
    };
    // SYN-RECEIVED (RCV.NXT 9, SND.NXT 5): outside the window with a wrong ack field: RST, not ACK.
    auto o1 = handshake;
    o1.push_back(cf::input::arrive(segment{ACK, 2, 7, 0, 0, 0}));
    check_choice(o1, lc::choice::syn_received_skips_sequence_check, "<SEQ=7><ACK=2><CTL=RST,ACK> #0");
    // ... and without ACK: nothing at all.
    auto o2 = handshake;
    o2.push_back(cf::input::arrive(segment{FIN, 2, 0, 0, 0, 0}));
    check_choice(o2, lc::choice::syn_received_skips_sequence_check, "nothing");
    // ESTABLISHED: outside the window, acknowledging data never sent: two ACKs.
    auto p = handshake;
    p.push_back(cf::input::arrive(segment{ACK, 9, 5, 0, 0, 0}));
    p.push_back(cf::input::arrive(segment{ACK, 2, 8, 0, 0, 0}));
    check_choice(p, lc::choice::ack_ahead_acked_twice, "<SEQ=5><ACK=9><CTL=ACK> #0 <SEQ=5><ACK=9><CTL=ACK> #0");
    // ESTABLISHED: a FIN without the ACK bit is taken (the RFC drops it).
    auto q = handshake;
    q.push_back(cf::input::arrive(segment{ACK, 9, 5, 0, 0, 0}));
    q.push_back(cf::input::arrive(segment{FIN, 9, 0, 0, 0, 0}));
    check_choice(q, lc::choice::segment_without_ack_taken, "<SEQ=5><ACK=10><CTL=ACK> #0");
    // SYN-RECEIVED completed by a SYN+ACK in sequence: the SYN occupies an octet the application
    // never takes, so CLOSE resets (tcp_close_shutdown sees rcv_wnd short of TCP_WND_MAX).
    auto f = handshake;
    f.push_back(cf::input::arrive(segment{SYN | ACK, 9, 5, 0, 0, 0}));
    f.push_back(cf::input::user(event_id::close));
    lc::lwip_reference profile;
    const auto d = tcpv::conformance::replay(lwip, profile, f);
    CHECK_MESSAGE(!d, (d ? d->text() : std::string()));
    CHECK(lwip.observe() == cf::observation{state_id::closed});
}
