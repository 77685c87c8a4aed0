#pragma once
/// \file lwip_profile.hpp
/// The lwIP 2.1.3 profile: what lwIP does where it differs from RFC 9293, as a reference the
/// lwIP adapter (lwip_adapter.hpp) can be checked against. Needs no lwIP headers.
///
/// Two parts:
/// - `lwip_config()`: the endpoint_config of lwIP's timers and knobs, in ticks of
///   `slow_timer_runs_per_tick` * 500 ms (the adapter's tick);
/// - `lwip_reference`: the reference endpoint with that configuration, plus lwIP's choices that
///   a configuration cannot express, each one a `choice` that can be switched off (to show
///   which disagreement it explains). Sources are lwIP 2.1.3's (Debian lwip_2.1.3+dfsg1).

#include <tcpv/tcp/conformance.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

namespace lwip_conformance {

namespace cf = tcpv::tcp::conformance;

/// What lwIP 2.1.3 does differently from RFC 9293 (beyond timer values), one bit each.
enum class choice : std::uint32_t {
    rst_carries_ack = 1 << 0,               ///< every RST is <SEQ=s><ACK=a><CTL=RST,ACK>
    abort_in_syn_sent_sends_rst = 1 << 1,   ///< tcp_abort in SYN-SENT sends a RST
    no_handle_after_close = 1 << 2,         ///< raw API: no call after tcp_close, none before accept
    no_simultaneous_open = 1 << 3,          ///< a SYN in SYN-SENT is ignored
    ack_in_syn_sent_resets = 1 << 4,        ///< an ACK without SYN in SYN-SENT: RST, and the SYN again
    syn_received_syn_handling = 1 << 5,     ///< SYN-RECEIVED: SYN again -> SYN+ACK; SYN+ACK completes
    ignore_text_after_fin = 1 << 6,         ///< CLOSE-WAIT, CLOSING, LAST-ACK: in-window FIN/data unanswered
    time_wait_input = 1 << 7,               ///< TIME-WAIT: no sequence check; in-window SYN -> RST
    ack_of_unacceptable_segment = 1 << 8,   ///< bug: the ACK of a segment failing the sequence check is taken
    rst_without_ack_in_syn_sent = 1 << 9,   ///< bug: SYN-SENT takes a RST without ACK bit if its ack field fits
    syn_sent_constant_rto = 1 << 10,        ///< SYN retransmissions do not back off
    rtt_sample_from_unsent_ack = 1 << 11,   ///< bug: an ACK of unsent data is an RTT sample; the backoff is lost
    syn_retries_carried_over = 1 << 12,     ///< SYN retransmissions count on in the connection's backoff
    syn_fin_counted_once = 1 << 13,         ///< bug: a segment with SYN and FIN has SEG.LEN one short
    syn_received_skips_sequence_check = 1 << 14,  ///< bug: SYN-RECEIVED judges by the ack field alone
    ack_ahead_acked_twice = 1 << 15,        ///< an unacceptable segment acknowledging unsent data: two ACKs
    segment_without_ack_taken = 1 << 16,    ///< bug: text and FIN are taken from a segment without the ACK bit
};
inline constexpr std::uint32_t all_choices = (1u << 17) - 1u;

/// A choice, its name and where lwIP makes it (file and function, or macro).
struct choice_info {
    choice what;
    std::string_view name;
    bool bug;  ///< against a MUST or the RFC's procedure, not a permitted variant
    std::string_view source;
};
inline constexpr choice_info choices[] = {
    {choice::rst_carries_ack, "RST always carries ACK (<SEQ=SEG.ACK><ACK=SEG.SEQ+SEG.LEN>)", false,
     "core/tcp_out.c tcp_rst(): TCP_RST | TCP_ACK; callers pass (ackno, seqno + tcplen)"},
    {choice::abort_in_syn_sent_sends_rst, "ABORT in SYN-SENT sends RST", false,
     "core/tcp.c tcp_abandon(): RST in every state but CLOSED and TIME-WAIT"},
    {choice::no_handle_after_close, "no user call after CLOSE, none on a connection not yet accepted; no OPEN(active) on a listener",
     false, "doc/rawapi.txt tcp_close (pcb freed by lwIP); core/tcp_in.c tcp_process SYN_RCVD (accept callback); core/tcp.c tcp_connect (CLOSED only)"},
    {choice::no_simultaneous_open, "SYN in SYN-SENT ignored (no simultaneous open)", false,
     "core/tcp_in.c tcp_process() case SYN_SENT: only SYN+ACK or ACK handled"},
    {choice::ack_in_syn_sent_resets, "ACK without SYN in SYN-SENT: RST and immediate SYN retransmission", false,
     "core/tcp_in.c tcp_process() case SYN_SENT: 'possibly a half-open connection'"},
    {choice::syn_received_syn_handling, "SYN-RECEIVED: SYN at IRS -> SYN+ACK again; SYN+ACK acknowledging ours -> ESTABLISHED", false,
     "core/tcp_in.c tcp_process(): SYN check skips SYN_RCVD; case SYN_RCVD: tcp_rexmit on 'another copy of the SYN'"},
    {choice::ignore_text_after_fin, "CLOSE-WAIT, CLOSING, LAST-ACK: in-window FIN or data ignored, not acknowledged", false,
     "core/tcp_in.c tcp_receive(): 'if ((tcplen > 0) && (pcb->state < CLOSE_WAIT))' (RFC 793 'Ignore the segment text')"},
    {choice::time_wait_input, "TIME-WAIT: no sequence check; RST ignored; in-window SYN -> RST; FIN restarts 2*MSL; only segments with SYN/FIN/data are ACKed",
     false, "core/tcp_in.c tcp_timewait_input()"},
    {choice::ack_of_unacceptable_segment, "the ACK of a segment that fails the sequence check is processed (SYN-RECEIVED -> ESTABLISHED, FIN-WAIT-1 -> FIN-WAIT-2, CLOSING -> TIME-WAIT, LAST-ACK -> CLOSED)",
     true, "core/tcp_in.c tcp_process(): the state changes test ackno only; RFC 9293 3.10.7.4 first step drops the segment"},
    {choice::rst_without_ack_in_syn_sent, "SYN-SENT: a RST without the ACK bit resets when its ack field equals SND.NXT", true,
     "core/tcp_in.c tcp_process(): 'if (ackno == pcb->snd_nxt)' without TCP_ACK; RFC 9293 3.10.7.3: no ACK -> drop"},
    {choice::syn_sent_constant_rto, "SYN retransmitted every RTO, without backoff (RFC 6298 5.5 MUST back off)", false,
     "core/tcp.c tcp_slowtmr(): 'Double retransmission time-out unless we are trying to connect to somebody (i.e., we are in SYN_SENT)'"},
    {choice::rtt_sample_from_unsent_ack, "an ACK of data never sent is taken as an RTT sample: a backed-off RTO falls back to about 1 tick", true,
     "core/tcp_in.c tcp_receive(): the RTT estimation ('if (pcb->rttest && TCP_SEQ_LT(pcb->rtseq, ackno))') also runs after 'Out of sequence ACK'; RFC 9293 3.10.7.4: such an ACK is dropped"},
    {choice::syn_retries_carried_over, "after an active open whose SYN was retransmitted, the FIN's backoff starts where the SYN's ended", true,
     "core/tcp_in.c tcp_process() case SYN_SENT: nrtx = 0 only 'if (pcb->unacked != NULL)'; RFC 6298 5.7: RTO re-initialized after the handshake"},
    {choice::syn_fin_counted_once, "a segment carrying both SYN and FIN counts one, not two, in SEG.LEN: the RST answering it acknowledges one less",
     true, "core/tcp_in.c tcp_input(): 'if (flags & (TCP_FIN | TCP_SYN)) tcplen++;' (and TCP_TCPLEN in priv/tcp_priv.h); RFC 9293 3.4: SEG.LEN counts SYN and FIN. Found by the random suite (tests/conformance/test_lwip_suite.cpp)"},
    {choice::syn_received_skips_sequence_check, "SYN-RECEIVED: a segment outside the window is not answered with an ACK: with a wrong ack field it draws a RST, without ACK it is dropped silently",
     true, "core/tcp_in.c tcp_process() case SYN_RCVD: 'incorrect ACK number, send RST', no sequence check before it; RFC 9293 3.10.7.4 first check: an unacceptable segment gets an ACK. Found by the random suite"},
    {choice::segment_without_ack_taken, "a segment without the ACK bit is processed like one acknowledging nothing new (its FIN taken, an ACK if outside the window)",
     true, "core/tcp_in.c tcp_process()/tcp_receive(): the ACK bit is tested only for ACK processing; RFC 9293 3.10.7.4 fifth check: if the ACK bit is off, drop the segment. Found by the random suite"},
    {choice::ack_ahead_acked_twice, "an ACK of data never sent draws an immediate empty ACK, then the segment is processed as acknowledging nothing (outside the window: a second ACK)",
     true, "core/tcp_in.c tcp_receive(): 'Out of sequence ACK, didn't really ack anything' sends an empty ACK and goes on (the out-of-window test then calls tcp_ack_now again); RFC 9293 3.10.7.4 fifth check: one ACK, drop the segment, return. Found by the random suite"},
};

/// lwIP's timers and knobs in ticks of `slow_timer_runs_per_tick` slow-timer runs (500 ms).
/// Values from lwIP 2.1.3 with Debian's lwipopts.h:
/// - rto: tcp.c tcp_alloc, rto = 3000 / TCP_SLOW_INTERVAL = 6 runs (3 s);
/// - backoff: tcp.c tcp_slowtmr, rto << tcp_backoff[nrtx] (doubling; not in SYN-SENT);
/// - max_retries: TCP_MAXRTX 12 (opt.h); syn_retries: TCP_SYNMAXRTX 6 (opt.h);
/// - SYN-RECEIVED: removed after TCP_SYN_RCVD_TIMEOUT 20 s (tcp_priv.h), at the 41st run:
///   with 3 s ticks the reference's third expiry (1 + 2 + 4 ticks), so synack_retries = 2;
/// - time_wait: 2 * TCP_MSL (60 s, tcp_priv.h) / TCP_SLOW_INTERVAL = 240 runs, gone at the
///   241st ('>' in tcp_slowtmr);
/// - fin_wait_2: TCP_FIN_WAIT_TIMEOUT 20 s (tcp_priv.h), only once the application closed;
/// - window: TCP_WND 0xFFFF (lwipopts.h) covers every number the abstraction puts ahead of
///   RCV.NXT, i.e. 8 of 16;
/// - rfc1337: tcp_timewait_input ignores RST.
inline tcpv::tcp::endpoint_config lwip_config(unsigned slow_timer_runs_per_tick = 6) {
    const unsigned k = slow_timer_runs_per_tick;
    auto ticks = [k](unsigned runs) { return std::uint8_t(std::min(255u, (runs + k - 1) / k)); };
    tcpv::tcp::endpoint_config c;
    c.rto = ticks(6);
    c.backoff = true;
    c.max_retries = 12;
    c.syn_retries = 6;
    c.synack_retries = 2;
    c.time_wait = ticks(241);
    c.fin_wait_2 = ticks(41);
    c.window = 8;
    c.rfc1337 = true;
    return c;
}

/// The reference with lwIP's configuration and the choices in `enabled` (a mask of `choice`).
class lwip_reference : public cf::reference_endpoint<> {
    using base = cf::reference_endpoint<>;

public:
    explicit lwip_reference(tcpv::tcp::endpoint_config c = lwip_config(), std::uint32_t enabled = all_choices)
        : base(c), enabled_(enabled) {}

    void reset() {
        base::reset();
        closed_by_user_ = listener_closed_ = false;
        extra_backoff_ = 0;
        window_short_ = false;
    }
    output apply(const input& in);
    /// The control block and what the overlay remembers.
    [[nodiscard]] std::string key() const {
        return base::key() + char(closed_by_user_) + char(listener_closed_) + char(extra_backoff_) + char(window_short_);
    }
    /// The choices that changed the reference's answer to the last input (a mask).
    [[nodiscard]] std::uint32_t fired() const { return fired_; }

private:
    bool on(choice c) const { return (enabled_ & std::uint32_t(c)) != 0; }
    void use(choice c) { fired_ |= std::uint32_t(c); }
    static output one(const tcpv::tcp::segment& s) {
        output o;
        o.sent[0] = s;
        o.count = 1;
        return o;
    }

    std::uint32_t enabled_;
    std::uint32_t fired_ = 0;
    bool closed_by_user_ = false;   // the application called tcp_close: it has no handle
    bool listener_closed_ = false;  // CLOSE/ABORT in SYN-RECEIVED closed the listener
    std::uint8_t extra_backoff_ = 0;  // lwIP's nrtx ahead of the reference's retries (0..4)
    bool window_short_ = false;  // a SYN taken as an octet of data shrank rcv_wnd (see choice F)
};

inline cf::output lwip_reference::apply(const input& in) {
    using namespace tcpv::tcp;
    using tcpv::tcp::detail::make;
    const tcb before = t_;
    const endpoint_config& c = cfg_;
    fired_ = 0;
    auto restore = [&] { t_ = before; };
    auto close_now = [&] {
        tcpv::tcp::detail::clear_connection(t_);
        t_.st = state_id::closed;
    };
    // tcp_receive(): an ACK field beyond SND.NXT is answered at once with an empty ACK, and the
    // rest of the segment is then processed as if it acknowledged nothing new.
    const bool receiving = before.st == state_id::established || before.st == state_id::fin_wait_1 ||
                           before.st == state_id::fin_wait_2 || before.st == state_id::close_wait ||
                           before.st == state_id::closing || before.st == state_id::last_ack;
    // tcp_process()/tcp_receive() test the ACK bit only to process an acknowledgment: a segment
    // without it is otherwise handled like one that acknowledges nothing new.
    if (in.what == input::kind::arrival && on(choice::segment_without_ack_taken) &&
        receiving && !in.seg.has(ACK) && !in.seg.has(RST) && !in.seg.has(SYN)) {
        input as_ack = in;
        as_ack.seg.flags = std::uint8_t(in.seg.flags | ACK);
        as_ack.seg.ack = before.snd_una;
        const output answer = apply(as_ack);
        fired_ |= std::uint32_t(choice::segment_without_ack_taken);
        return answer;
    }
    if (in.what == input::kind::arrival && on(choice::ack_ahead_acked_twice) && receiving && in.seg.has(ACK) &&
        !in.seg.has(RST) && !in.seg.has(SYN) && seq_lt(before.snd_nxt, in.seg.ack)) {
        const event_id seen_here = classify(before, in.seg, c);
        input rest = in;
        rest.seg.ack = before.snd_una;
        const output later = apply(rest);  // every other choice applies to the rest
        output both = one(make(before, ACK, before.snd_nxt, before.rcv_nxt));
        if (later.count > 0) both.sent[both.count++] = later.sent[0];
        // The RTT sample of choice L is taken from this ACK too.
        if (on(choice::rtt_sample_from_unsent_ack) && seen_here == event_id::rcv_bad_ack && before.retries > 0 &&
            t_.rtx_timer > 1 && t_.rtx_timer == std::min(15, c.rto << std::min<int>(before.retries + extra_backoff_, 4)))
            t_.rtx_timer = 1;
        fired_ |= std::uint32_t(choice::ack_ahead_acked_twice);
        return both;
    }
    output o = base::apply(in);
    // An RST built from the pcb (tcp_abort: rcv_nxt), not from the segment's SEQ and SEG.LEN.
    bool rst_from_pcb = false;
    const output plain_answer = o;
    const tcb plain_after = t_;
    if (in.what == input::kind::call) {
        const bool close_or_abort = in.call == event_id::close || in.call == event_id::abort;
        if (on(choice::no_handle_after_close) &&
            ((in.call == event_id::open_active && before.st == state_id::listen) ||
             (close_or_abort && closed_by_user_) ||
             (close_or_abort && before.st == state_id::syn_received && before.passive))) {
            restore();
            o = {};
            if (close_or_abort && before.st == state_id::syn_received && !closed_by_user_) listener_closed_ = true;
            use(choice::no_handle_after_close);
        } else if (window_short_ && in.call == event_id::close &&
                   (before.st == state_id::established || before.st == state_id::close_wait)) {
            // tcp_close_shutdown(): 'rcv_wnd != TCP_WND_MAX(pcb)' means data the application has
            // not taken: RST instead of FIN (the octet the SYN occupied, choice F).
            o = one(make(before, RST | ACK, before.snd_nxt, before.rcv_nxt));
            close_now();
            use(choice::syn_received_syn_handling);
        } else if (on(choice::abort_in_syn_sent_sends_rst) && in.call == event_id::abort &&
                   before.st == state_id::syn_sent) {
            o = one(make(before, RST | ACK, before.snd_nxt, 0));
            use(choice::abort_in_syn_sent_sends_rst);
        } else if (on(choice::rst_carries_ack) && o.count == 1 && o.sent[0].has(RST)) {
            o.sent[0] = make(before, RST | ACK, o.sent[0].seq, before.rcv_nxt);
            use(choice::rst_carries_ack);
        }
        if (in.call == event_id::close && t_.st != state_id::closed && t_.st != state_id::listen &&
            !(before.st == state_id::syn_received && before.passive))
            closed_by_user_ = true;
    } else if (in.what == input::kind::tick) {
        if (on(choice::syn_sent_constant_rto) && before.st == state_id::syn_sent && t_.st == state_id::syn_sent &&
            o.count == 1 && o.sent[0].has(SYN)) {
            t_.rtx_timer = c.rto;
            use(choice::syn_sent_constant_rto);
        }
        // lwIP backs off by its retransmission count nrtx, which may be ahead of the reference's.
        if (before.st != state_id::syn_sent && t_.st == before.st && t_.retries == before.retries + 1 &&
            extra_backoff_ > 0) {
            t_.rtx_timer = std::uint8_t(std::min(15, c.rto << std::min<int>(t_.retries + extra_backoff_, 4)));
            use(before.st == state_id::syn_received ? choice::syn_received_syn_handling : choice::syn_retries_carried_over);
        }
    } else if (in.what == input::kind::arrival) {
        const segment& s = in.seg;
        const bool rst = s.has(RST), syn = s.has(SYN), ack = s.has(ACK);
        const segment rst_reply = make(before, RST | ACK, s.ack, seq_add(s.seq, int(s.seg_len())));
        const event_id seen = classify(before, s, c);
        if (before.st == state_id::syn_sent && on(choice::no_simultaneous_open) && syn && !ack && !rst) {
            restore();
            o = {};
            use(choice::no_simultaneous_open);
        } else if (before.st == state_id::syn_sent && on(choice::ack_in_syn_sent_resets) && ack && !rst &&
                   !(syn && s.ack == before.snd_nxt)) {
            restore();
            o = one(rst_reply);
            if (t_.retries < c.syn_retries) {  // tcp_rexmit_rto at once; the timer starts again
                o.sent[o.count++] = make(t_, SYN, t_.iss, 0);
                ++t_.retries;
                t_.rtx_timer = c.rto;
            }
            use(choice::ack_in_syn_sent_resets);
        } else if (before.st == state_id::syn_sent && on(choice::rst_without_ack_in_syn_sent) && rst && !ack &&
                   s.ack == before.snd_nxt) {
            restore();
            input as_if = in;
            as_if.seg.flags |= ACK;
            o = base::apply(as_if);
            use(choice::rst_without_ack_in_syn_sent);
        } else if (before.st == state_id::syn_received && on(choice::syn_received_syn_handling) && syn && !rst) {
            restore();
            o = {};
            if (!ack) {
                if (s.seq == before.irs) {  // tcp_rexmit: nrtx grows, so does the next backoff
                    o = one(make(t_, SYN | ACK, t_.iss, t_.rcv_nxt));
                    if (extra_backoff_ < 4) ++extra_backoff_;
                }
            } else if (seq_lt(before.snd_una, s.ack) && seq_le(s.ack, before.snd_nxt)) {
                input as_ack = in;  // taken as the handshake's ACK; the SYN is a duplicate
                as_ack.seg.flags = ACK;
                as_ack.seg.seq = before.rcv_nxt;
                as_ack.seg.len = 0;
                (void)base::apply(as_ack);
                // Then tcp_receive() takes the segment at its own SEQ, when in sequence, as one of
                // SEG.LEN = payload + 1 (SYN and FIN together counting once, bug N): the SYN
                // occupies an octet, or the FIN is taken.
                if (s.seq == before.rcv_nxt) {
                    if (s.has(FIN)) {
                        input fin = in;
                        fin.seg.flags = std::uint8_t(s.flags & ~SYN);
                        (void)base::apply(fin);
                    } else {
                        t_.rcv_nxt = seq_add(t_.rcv_nxt, 1 + s.len);
                        window_short_ = true;  // never given back by tcp_recved: CLOSE will reset
                    }
                }
                o = one(make(t_, ACK, t_.snd_nxt, t_.rcv_nxt));
            } else {
                o = one(rst_reply);
            }
            use(choice::syn_received_syn_handling);
        } else if (before.st == state_id::time_wait && on(choice::time_wait_input)) {
            restore();
            o = {};
            if (!rst) {
                if (syn && seq_in_window(s.seq, before.rcv_nxt, c.window)) {
                    o = one(rst_reply);
                } else {
                    if (s.has(FIN)) t_.wait_timer = c.time_wait;
                    if (s.seg_len() > 0) o = one(make(t_, ACK, t_.snd_nxt, t_.rcv_nxt));
                }
            }
            use(choice::time_wait_input);
        } else if (on(choice::syn_received_skips_sequence_check) && before.st == state_id::syn_received && !rst &&
                   !syn && seen == event_id::rcv_unacceptable &&
                   (!ack || !(seq_lt(before.snd_una, s.ack) && seq_le(s.ack, before.snd_nxt)))) {
            restore();
            o = ack ? one(rst_reply) : output{};
            use(choice::syn_received_skips_sequence_check);
        } else if (on(choice::ack_of_unacceptable_segment) && seen == event_id::rcv_unacceptable && ack && !syn &&
                   (before.st == state_id::syn_received || before.st == state_id::fin_wait_1 ||
                    before.st == state_id::closing || before.st == state_id::last_ack)) {
            const output answer = o;
            restore();
            input as_ack = in;  // what lwIP does with it: the ACK alone, as if in sequence
            as_ack.seg.flags = ACK;
            as_ack.seg.seq = before.rcv_nxt;
            as_ack.seg.len = 0;
            (void)base::apply(as_ack);
            o = t_.st == state_id::closed ? output{} : answer;
            use(choice::ack_of_unacceptable_segment);
        }
        // tcp_receive() skips the text and FIN of a segment in the window in CLOSE-WAIT, CLOSING
        // and LAST-ACK, and acknowledges only what falls outside it, whatever else happened.
        if (on(choice::ignore_text_after_fin) && !rst && !syn && s.seg_len() > 0 &&
            (before.st == state_id::close_wait || before.st == state_id::closing || before.st == state_id::last_ack) &&
            seq_in_window(s.seq, before.rcv_nxt, c.window)) {
            output kept;
            for (std::uint8_t i = 0; i < o.count; ++i)
                if (o.sent[i].flags != ACK) kept.sent[kept.count++] = o.sent[i];
            if (!(kept == o)) use(choice::ignore_text_after_fin);
            o = kept;
            t_.rcv_nxt = before.rcv_nxt;
        }
        // Right after a retransmission (the timer still at its backed-off value) the sample is
        // 0 and lwIP's RTO becomes 5 slow-timer runs: the next retransmission comes one tick on.
        if (on(choice::rtt_sample_from_unsent_ack) && seen == event_id::rcv_bad_ack && ack && !rst && !syn &&
            before.st != state_id::syn_received && before.retries > 0 && t_.rtx_timer > 1 &&
            t_.rtx_timer == std::min(15, c.rto << std::min<int>(before.retries + extra_backoff_, 4))) {
            t_.rtx_timer = 1;
            use(choice::rtt_sample_from_unsent_ack);
        }
        if (on(choice::rst_carries_ack))
            for (std::uint8_t i = 0; i < o.count; ++i)
                if (o.sent[i].flags == RST || o.sent[i].flags == (RST | ACK)) {
                    use(choice::rst_carries_ack);
                    o.sent[i] = rst_reply;
                }
        // The handshake completes without a listener: lwIP's accept fails and aborts it.
        if (on(choice::no_handle_after_close) && listener_closed_ && before.st == state_id::syn_received &&
            t_.st != state_id::syn_received && t_.st != state_id::listen && t_.st != state_id::closed) {
            t_ = before;
            o = one(make(before, RST | ACK, before.snd_nxt, before.rcv_nxt));
            rst_from_pcb = true;
            close_now();
            use(choice::no_handle_after_close);
        }
    }
    if (listener_closed_ && t_.st == state_id::listen) {  // no listener to return to
        close_now();
        use(choice::no_handle_after_close);
    }
    if (o == plain_answer && t_ == plain_after) fired_ = 0;  // no choice made a difference
    if (t_.st == state_id::closed || t_.st == state_id::listen) closed_by_user_ = listener_closed_ = false;
    if (before.st == state_id::syn_received && t_.st != state_id::syn_received) extra_backoff_ = 0;
    if (before.st == state_id::syn_sent && t_.st == state_id::established)  // nrtx is kept (see the choice)
        extra_backoff_ = on(choice::syn_retries_carried_over) ? std::uint8_t(std::min<int>(before.retries, 4)) : 0;
    if (t_.st == state_id::closed || t_.st == state_id::listen) {
        extra_backoff_ = 0;
        window_short_ = false;
    }
    // Only an RST computed from the segment counts its SYN and FIN once; tcp_abort's RST carries
    // rcv_nxt, which may equal SEQ + SEG.LEN by chance (found by the random suite: SYN-RECEIVED
    // after CLOSE, <SEQ=7><ACK=5><CTL=SYN,FIN,ACK> with RCV.NXT 9).
    if (in.what == input::kind::arrival && in.seg.has(SYN) && in.seg.has(FIN) && on(choice::syn_fin_counted_once) &&
        !rst_from_pcb)
        for (std::uint8_t k = 0; k < o.count; ++k)
            if (o.sent[k].has(RST) && o.sent[k].ack == seq_add(in.seg.seq, int(in.seg.seg_len()))) {
                o.sent[k].ack = seq_add(o.sent[k].ack, -1);
                use(choice::syn_fin_counted_once);
            }
    return o;
}

}  // namespace lwip_conformance
