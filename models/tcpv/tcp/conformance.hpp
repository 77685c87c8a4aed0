#pragma once
/// \file tcpv/tcp/conformance.hpp
/// TCP adapters for the conformance drivers (include/tcpv/conformance.hpp): the inputs an
/// endpoint can be given (a user call, an arriving segment, one tick of time), what it does in
/// answer (the segments it sends) and what can be seen of it (its RFC 9293 state).
///
/// - `reference_endpoint<Table>`: the reference, the endpoint of endpoint.hpp with one
///   configuration (a profile's, or the RFC's), checked row by row against TCP-FACTS.
/// - `peer_environment`: the inputs a peer and the network can produce next, derived from the
///   reference's control block: every user call, a tick, and segments that are acceptable,
///   old, out of window, acknowledging too much, with SYN, FIN and RST in the combinations
///   that select different rows of RFC 9293 §3.10.7.
/// - `mutant_endpoint`: the reference with one realistic bug (see `bug`), to prove that the
///   drivers catch such bugs and to measure how fast.

#include <tcpv/conformance.hpp>
#include <tcpv/tcp/endpoint.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tcpv::tcp::conformance {

/// One thing that happens to an endpoint.
struct input {
    enum class kind : std::uint8_t { call, arrival, tick };
    kind what = kind::tick;
    event_id call = event_id::close;  ///< kind::call: the user call
    segment seg{};                    ///< kind::arrival: the segment that arrives
    bool operator==(const input&) const = default;

    static input user(event_id c) { return {kind::call, c, {}}; }
    static input arrive(const segment& s) { return {kind::arrival, event_id::close, s}; }
    static input time() { return {}; }
};
inline std::ostream& operator<<(std::ostream& os, const input& in) {
    switch (in.what) {
        case input::kind::call: return os << event_name(in.call);
        case input::kind::arrival: return os << "arrives " << in.seg;
        case input::kind::tick: return os << "tick";
    }
    return os;
}

/// The segments an endpoint sent in answer to one input, in order.
struct output {
    std::array<segment, 2> sent{};
    std::uint8_t count = 0;
    bool operator==(const output&) const = default;
};
inline std::ostream& operator<<(std::ostream& os, const output& o) {
    if (o.count == 0) return os << "nothing";
    for (std::uint8_t i = 0; i < o.count; ++i) os << (i ? " " : "") << o.sent[i];
    return os;
}

/// The endpoint's RFC 9293 state.
struct observation {
    state_id st = state_id::closed;
    bool operator==(const observation&) const = default;
};
inline std::ostream& operator<<(std::ostream& os, const observation& o) { return os << rfc_name(o.st); }

/// The reference: endpoint.hpp's endpoint with one configuration.
template <class Table = rfc9293_table>
class reference_endpoint {
public:
    using input = conformance::input;
    using output = conformance::output;
    using observation = conformance::observation;

    explicit reference_endpoint(endpoint_config c = {}) : cfg_(c) { reset(); }

    /// A fresh TCB. With timestamps on, the host's timestamp clock starts at 1: 0 means "no
    /// option" (segment::tsval), and RFC 7323 §3.2 puts the option on every segment once the
    /// endpoint uses timestamps, the first SYN included.
    void reset() {
        t_ = tcb{};
        if (cfg_.timestamps) t_.ts_clock = 1;
    }
    output apply(const input& in) { return sent(step_once(in)); }
    [[nodiscard]] observation observe() const { return {t_.st}; }
    /// The whole control block, as bytes: states are told apart exactly.
    [[nodiscard]] std::string key() const { return std::string(reinterpret_cast<const char*>(&t_), sizeof(t_)); }
    [[nodiscard]] const tcb& control_block() const noexcept { return t_; }
    [[nodiscard]] const endpoint_config& config() const noexcept { return cfg_; }

protected:
    step_result step_once(const input& in) {
        switch (in.what) {
            case input::kind::call: return user_call<Table>(t_, in.call, cfg_);
            case input::kind::arrival: return receive<Table>(t_, in.seg, cfg_);
            case input::kind::tick: return tick<Table>(t_, cfg_);
        }
        return {};
    }
    static output sent(const step_result& r) {
        output o;
        o.count = r.sent_count;
        for (std::uint8_t i = 0; i < r.sent_count; ++i) o.sent[i] = r.sent[i];
        return o;
    }

    tcb t_;
    endpoint_config cfg_;
};
static_assert(tcpv::conformance::reference<reference_endpoint<>>);

/// What a peer and the network can make happen next, given the reference's control block.
struct peer_environment {
    seq_t peer_iss = 8;  ///< the peer's initial sequence number

    template <class Ref>
    std::vector<input> inputs(const Ref& ref) const {
        const tcb& t = ref.control_block();
        std::vector<input> in;
        for (const event_id c : {event_id::open_active, event_id::open_passive, event_id::close, event_id::abort})
            in.push_back(input::user(c));
        in.push_back(input::time());
        // Sequence numbers as the peer would use them once synchronized, else from its ISS.
        const bool synced = t.st != state_id::closed && t.st != state_id::listen && t.st != state_id::syn_sent;
        const seq_t seq = synced ? t.rcv_nxt : peer_iss;
        auto seg = [](std::uint8_t flags, seq_t s, seq_t a) {
            segment x;
            x.flags = flags;
            x.seq = s;
            x.ack = a;
            return x;
        };
        in.push_back(input::arrive(seg(SYN, peer_iss, 0)));                             // a connection request
        in.push_back(input::arrive(seg(SYN | ACK, peer_iss, t.snd_nxt)));               // accepts our SYN
        in.push_back(input::arrive(seg(ACK, seq, t.snd_nxt)));                          // acknowledges all we sent
        in.push_back(input::arrive(seg(FIN | ACK, seq, t.snd_nxt)));                    // FIN, acks all
        in.push_back(input::arrive(seg(FIN | ACK, seq, t.snd_una)));                    // FIN, acks nothing new
        in.push_back(input::arrive(seg(RST, seq, 0)));                                  // RST at RCV.NXT
        in.push_back(input::arrive(seg(RST, seq_add(seq, 1), 0)));                      // RST in window, not exact
        in.push_back(input::arrive(seg(RST, seq_add(seq, 8), 0)));                      // RST out of window
        in.push_back(input::arrive(seg(ACK, seq_add(seq, -2), t.snd_nxt)));             // an old duplicate
        in.push_back(input::arrive(seg(FIN | ACK, seq_add(seq, -1), t.snd_nxt)));       // its FIN again (retransmitted)
        in.push_back(input::arrive(seg(FIN | ACK, seq_add(seq, -2), t.snd_nxt)));       // an old FIN
        in.push_back(input::arrive(seg(ACK, seq, seq_add(t.snd_nxt, 2))));              // acks what was not sent
        return in;
    }
};

/// C++ that makes `in` again (regression tests written by regression_test()).
inline std::string to_cpp(const input& in) {
    static constexpr std::string_view calls[] = {"open_active", "open_passive", "send", "close", "shutdown", "abort"};
    switch (in.what) {
        case input::kind::call: {
            const auto c = static_cast<std::size_t>(in.call);
            return c < std::size(calls) ? "input::user(event_id::" + std::string(calls[c]) + ")"
                                        : "input::user(static_cast<event_id>(" + std::to_string(c) + "))";
        }
        case input::kind::arrival: {
            std::string flags;
            for (const auto& [bit, name] : {std::pair{SYN, "SYN"}, {ACK, "ACK"}, {FIN, "FIN"}, {RST, "RST"}})
                if (in.seg.has(bit)) flags += (flags.empty() ? "" : " | ") + std::string(name);
            if (flags.empty()) flags = "0";
            const segment& s = in.seg;
            return "input::arrive(segment{" + flags + ", " + std::to_string(s.seq) + ", " + std::to_string(s.ack) + ", " +
                   std::to_string(s.len) + ", " + std::to_string(s.tsval) + ", " + std::to_string(s.incarnation) + "})";
        }
        case input::kind::tick: return "input::time()";
    }
    return "input::time()";
}

/// The source of a doctest case that replays a disagreement's inputs on `adapter_type` and the
/// reference (default configuration) and fails while they still disagree: paste it into the
/// stack's test suite to keep the bug fixed.
template <class Disagreement>
std::string regression_test(const Disagreement& d, std::string_view adapter_type, std::string_view name) {
    std::string out = "// Found by tcpv (" + d.what + "). The reference's answers, step by step:\n";
    for (std::size_t i = 0; i < d.steps.size(); ++i)
        out += "//   " + std::to_string(i + 1) + ". " + d.steps[i].input + "  ->  " + d.steps[i].reference_output +
               ", " + d.steps[i].reference_observation + "\n";
    std::string quoted;
    for (const char c : name) quoted += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    out += "TEST_CASE(\"" + quoted + "\") {\n";
    out += "    using namespace tcpv::tcp;\n    using namespace tcpv::tcp::conformance;\n";
    out += "    " + std::string(adapter_type) + " impl;\n    reference_endpoint<> ref;\n";
    out += "    const std::vector<input> inputs = {\n";
    for (const auto& in : d.inputs) out += "        " + to_cpp(in) + ",\n";
    out += "    };\n    const auto d = tcpv::conformance::replay(impl, ref, inputs);\n";
    out += "    CHECK_MESSAGE(!d, (d ? d->text() : std::string()));\n}\n";
    return out;
}

/// Realistic bugs, one per mutant (what a stack author could get wrong in connection release).
enum class bug : std::uint8_t {
    no_time_wait,                ///< TIME-WAIT is skipped: CLOSED at once
    time_wait_not_restarted,     ///< a retransmitted FIN does not restart the TIME-WAIT timer
    rst_from_time_wait,          ///< TIME-WAIT answers segments with RST instead of ACK
    last_ack_closes_on_any_ack,  ///< LAST-ACK closes on an ACK that does not cover the FIN
    rst_accepted_out_of_window,  ///< any RST resets the connection (no RFC 5961 check)
    fin_wait_1_ignores_fin_ack,  ///< FIN-WAIT-1 drops a FIN+ACK that acknowledges its FIN
    no_challenge_ack,            ///< an in-window RST not at RCV.NXT is dropped silently
    close_wait_ignores_close,    ///< CLOSE in CLOSE-WAIT sends no FIN
    syn_in_time_wait_reopens,    ///< a SYN in TIME-WAIT is answered with SYN+ACK (no RFC 5961 challenge ACK)
    fin_wait_2_ignores_fin,      ///< FIN-WAIT-2 drops the peer's FIN (no ACK, no TIME-WAIT)
    closing_ignores_ack,         ///< CLOSING stays on the ACK of its FIN
    no_ack_for_old_segment,      ///< an unacceptable (old) segment is dropped without an ACK
    abort_sends_no_rst,          ///< ABORT of a synchronized connection sends no RST
    fin_wait_1_ignores_ack,      ///< FIN-WAIT-1 stays on the ACK of its FIN
};
inline constexpr bug all_bugs[] = {bug::no_time_wait,
                                   bug::time_wait_not_restarted,
                                   bug::rst_from_time_wait,
                                   bug::last_ack_closes_on_any_ack,
                                   bug::rst_accepted_out_of_window,
                                   bug::fin_wait_1_ignores_fin_ack,
                                   bug::no_challenge_ack,
                                   bug::close_wait_ignores_close,
                                   bug::syn_in_time_wait_reopens,
                                   bug::fin_wait_2_ignores_fin,
                                   bug::closing_ignores_ack,
                                   bug::no_ack_for_old_segment,
                                   bug::abort_sends_no_rst,
                                   bug::fin_wait_1_ignores_ack};
inline constexpr std::string_view bug_name(bug b) noexcept {
    constexpr std::string_view names[] = {"no TIME-WAIT",
                                          "TIME-WAIT not restarted by a retransmitted FIN",
                                          "RST sent from TIME-WAIT",
                                          "LAST-ACK closes on any ACK",
                                          "RST accepted out of window",
                                          "FIN-WAIT-1 ignores FIN+ACK",
                                          "no challenge ACK for an in-window RST",
                                          "CLOSE in CLOSE-WAIT sends no FIN",
                                          "SYN in TIME-WAIT reopens without a challenge ACK",
                                          "FIN-WAIT-2 ignores FIN",
                                          "CLOSING ignores the ACK of its FIN",
                                          "no ACK for an old segment",
                                          "ABORT sends no RST",
                                          "FIN-WAIT-1 ignores the ACK of its FIN"};
    return names[static_cast<std::size_t>(b)];
}

/// The reference with one bug: the reference's step, then the bug's deviation.
template <class Table = rfc9293_table>
class mutant_endpoint : public reference_endpoint<Table> {
    using base = reference_endpoint<Table>;

public:
    mutant_endpoint(bug b, endpoint_config c = {}) : base(c), bug_(b) {}

    output apply(const input& in) {
        tcb& t = this->t_;
        const auto& c = this->cfg_;
        const tcb before = t;
        const bool arrival = in.what == input::kind::arrival;
        // How the reference classifies an arriving segment (rcv_no_ack stands for "no segment").
        const event_id seen = arrival ? classify(before, in.seg, c) : event_id::rcv_no_ack;
        switch (bug_) {
            case bug::rst_from_time_wait:
                if (before.st == state_id::time_wait && arrival && !in.seg.has(RST)) {
                    output o;
                    o.count = 1;
                    o.sent[0] = tcp::detail::make(before, RST, in.seg.has(ACK) ? in.seg.ack : before.snd_nxt, 0);
                    return o;
                }
                break;
            case bug::last_ack_closes_on_any_ack:
                if (before.st == state_id::last_ack && arrival && in.seg.has(ACK) && !in.seg.has(RST) &&
                    !in.seg.has(SYN)) {
                    tcp::detail::clear_connection(t);
                    return {};
                }
                break;
            case bug::rst_accepted_out_of_window:
                if (arrival && in.seg.has(RST) && before.st != state_id::closed && before.st != state_id::listen &&
                    before.st != state_id::syn_sent)
                    return base::sent(step<Table>(t, event_id::rcv_rst, in.seg, c));
                break;
            case bug::fin_wait_1_ignores_fin_ack:
                if (before.st == state_id::fin_wait_1 && seen == event_id::rcv_fin_ack_of_fin)
                    return {};
                break;
            case bug::no_challenge_ack:
                if (seen == event_id::rcv_rst_in_window) return {};
                break;
            case bug::syn_in_time_wait_reopens:
                if (before.st == state_id::time_wait && arrival && in.seg.has(SYN) && !in.seg.has(ACK) &&
                    !in.seg.has(RST)) {
                    t.st = state_id::syn_received;
                    t.irs = in.seg.seq;
                    t.rcv_nxt = seq_add(in.seg.seq, 1);
                    output o;
                    o.count = 1;
                    o.sent[0] = tcp::detail::make(t, SYN | ACK, t.snd_nxt, t.rcv_nxt);
                    return o;
                }
                break;
            case bug::fin_wait_2_ignores_fin:
                if (before.st == state_id::fin_wait_2 && (seen == event_id::rcv_fin || seen == event_id::rcv_fin_ack_of_fin))
                    return {};
                break;
            case bug::closing_ignores_ack:
                if (before.st == state_id::closing && seen == event_id::rcv_ack_of_fin)
                    return {};
                break;
            case bug::no_ack_for_old_segment:
                if (seen == event_id::rcv_unacceptable) return {};
                break;
            case bug::abort_sends_no_rst:
                if (in.what == input::kind::call && in.call == event_id::abort) {
                    (void)base::apply(in);
                    return {};
                }
                break;
            case bug::fin_wait_1_ignores_ack:
                if (before.st == state_id::fin_wait_1 && seen == event_id::rcv_ack_of_fin)
                    return {};
                break;
            case bug::close_wait_ignores_close:
                if (before.st == state_id::close_wait && in.what == input::kind::call && in.call == event_id::close) {
                    t.st = state_id::last_ack;
                    return {};
                }
                break;
            default: break;
        }
        const output o = base::apply(in);
        switch (bug_) {
            case bug::no_time_wait:
                if (t.st == state_id::time_wait) tcp::detail::clear_connection(t);
                break;
            case bug::time_wait_not_restarted:
                if (before.st == state_id::time_wait && t.st == state_id::time_wait && arrival && in.seg.has(FIN))
                    t.wait_timer = before.wait_timer;
                break;
            default: break;
        }
        return o;
    }

private:
    bug bug_;
};

}  // namespace tcpv::tcp::conformance
