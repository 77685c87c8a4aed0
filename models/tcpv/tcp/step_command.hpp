#pragma once
/// \file tcpv/tcp/step_command.hpp
/// `tcpv step`: what the reference endpoint (endpoint.hpp) does in one state on one event, and
/// `tcpv step --table`: every row of THE TABLE (rfc9293.hpp), one line each. The table a reader
/// holds against RFC 9293.
///
/// ```
/// tcpv step [--profile rfc9293|linux] [--rfc1337] [--linger-abort] [--unread-data] [--passive]
///           STATE EVENT [QUALIFIER]...
/// tcpv step --table
/// ```
/// STATE is an RFC name or an identifier (FIN-WAIT-1, fin_wait_1). EVENT is a user call, a timer
/// expiry, or a segment given by its control bits (`SYN`, `SYN,ACK`, `FIN+ACK`, `RST`) and
/// qualifiers that say where its numbers fall: `seq=next|in-window|old|outside|N`,
/// `ack=of-fin|new|dup|ahead|N`, `data`. The command builds a representative TCB for STATE (the
/// sequence variables of the models: our ISS 0, the peer's ISS 8, RCV.WND 4, nothing sent but
/// SYN and FIN), builds the segment, runs classify and step, and prints the classified event,
/// what is sent in RFC notation, the next state, the timers, what the user is told, the row and
/// its citation (and its guard, and any guarded row that did not apply).
///
/// Decisions (also in `tcpv step --help`):
/// - A segment with both SYN and RST is allowed: RFC 9293 checks RST before SYN in every state
///   (§3.10.7), so it is handled as a RST; a note says so.
/// - Word qualifiers for SEG.SEQ mean nothing in CLOSED, LISTEN and SYN-SENT (no RCV.NXT, or it
///   is not checked), nor for SEG.ACK in CLOSED and LISTEN: they are ignored with a note. A number
///   (`seq=5`) is used as given.
/// - `ack=` without the ACK bit, `ack=of-fin` when no FIN was sent and `ack=new` when nothing is
///   unacknowledged contradict the state or the segment: exit status 2.
/// - A timer that has no row in STATE (RTO in ESTABLISHED) is not an error: the answer is "no
///   row, nothing happens", exit status 0.
///
/// The command lives here, not in the protocol-agnostic core: all_models.hpp registers it with
/// `registry::add_command`, and the core front end (tcpv/cli.hpp) dispatches it.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "endpoint.hpp"
#include "events.hpp"
#include "rfc9293.hpp"
#include "segment.hpp"
#include "states.hpp"
#include "table.hpp"

namespace tcpv::tcp {

namespace step_detail {

/// A usage error of `tcpv step`: exit status 2, nothing on stdout.
struct bad_input : std::runtime_error {
    using std::runtime_error::runtime_error;
};

inline constexpr std::string_view usage_text =
    R"(usage:
  tcpv step [options] STATE EVENT [QUALIFIER]...
                       what the reference endpoint does in STATE on EVENT
  tcpv step --table    every row of the RFC 9293 table, one line each

STATE   CLOSED LISTEN SYN-SENT SYN-RECEIVED ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 CLOSE-WAIT
        CLOSING LAST-ACK TIME-WAIT (or fin_wait_1, FIN_WAIT_1)
EVENT   a user call:   OPEN (= OPEN-ACTIVE), OPEN-PASSIVE, SEND, CLOSE, SHUTDOWN, ABORT
        a timer:       RTO, RTO-EXHAUSTED, TIME-WAIT-TIMEOUT, FIN-WAIT-2-TIMEOUT, USER-TIMEOUT
        a segment:     its control bits, joined by ',' or '+': SYN, SYN,ACK, ACK, FIN,ACK, RST,
                       RST,ACK, FIN (SYN,RST is allowed and handled as a RST: RFC 9293 checks
                       RST first)
QUALIFIER (segments only)
  seq=next       SEG.SEQ = RCV.NXT (the default)
  seq=in-window  SEG.SEQ = RCV.NXT+1: in the window, not the next
  seq=old        SEG.SEQ = RCV.NXT-1: below RCV.NXT, an old duplicate (a FIN there, after
                 the peer's FIN was taken, is that FIN retransmitted)
  seq=outside    SEG.SEQ = RCV.NXT+RCV.WND: beyond the window
  ack=of-fin     SEG.ACK = SND.NXT, acknowledging our FIN (only after our FIN was sent)
  ack=new        a new acceptable ACK: SND.UNA < SEG.ACK =< SND.NXT, not of our FIN
  ack=dup        SEG.ACK = SND.UNA: an old duplicate ACK, acknowledging nothing new
  ack=ahead      SEG.ACK = SND.NXT+1: acknowledging something not yet sent
  seq=N, ack=N   a number 0..15 (the models' sequence space)
  data           one byte of payload
  Without ack=, SEG.ACK = SND.NXT (everything sent is acknowledged). In CLOSED, LISTEN and
  SYN-SENT the words of seq= (and in CLOSED and LISTEN those of ack=) are ignored with a note:
  there is no RCV.NXT to relate them to.

options
  --profile P     rfc9293 (RFC 9293 as written; the default) or linux (tcp_rfc1337=0, RST on
                  CLOSE with unread data, a FIN-WAIT-2 limit: tcp_fin_timeout)
  --rfc1337       ignore RST in TIME-WAIT (RFC 1337; Linux net.ipv4.tcp_rfc1337=1)
  --linger-abort  SO_LINGER {on, 0}: CLOSE aborts with RST
  --unread-data   the TCB holds received data the user has not read
  --passive       SYN-RECEIVED was reached from LISTEN (a passive OPEN); the default is active
  The options add to the profile.

The TCB: our ISS 0, the peer's ISS 8, RCV.WND 4, sequence numbers modulo 16; only SYN and FIN
occupy sequence space (the models send no payload). Row numbers are those of --table.
exit status: 0 done, 2 bad usage (the message names the problem and what is allowed)
)";

// --- profiles ----------------------------------------------------------------------------------

struct profile_def {
    std::string_view name;
    std::string_view summary;
    endpoint_config config;
    std::string_view time_wait;   ///< the 2*MSL timer's real length, for the output
    std::string_view fin_wait_2;  ///< the FIN-WAIT-2 limit's real length, or empty for none
};

inline profile_def rfc9293_profile() {
    endpoint_config c;
    return {"rfc9293", "RFC 9293 as written: RST in TIME-WAIT accepted, no FIN-WAIT-2 limit, CLOSE sends FIN", c,
            "2*MSL = 240 s", ""};
}

inline profile_def linux_profile() {
    endpoint_config c;
    c.rfc1337 = false;
    c.rst_on_unread = true;
    c.fin_wait_2 = c.time_wait;
    return {"linux",
            "Linux: tcp_rfc1337=0, CLOSE with unread data sends RST (tcp_close), FIN-WAIT-2 limit "
            "(tcp_fin_timeout)",
            c, "TCP_TIMEWAIT_LEN = 60 s", "tcp_fin_timeout = 60 s"};
}

// --- text helpers --------------------------------------------------------------------------------

/// Upper case, '_' as '-': the spelling the tables use.
inline std::string normalized(std::string_view text) {
    std::string s(text);
    for (char& c : s) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if (c == '_') c = '-';
    }
    return s;
}

inline std::string lowercase(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

inline std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string s;
    for (std::size_t i = 0; i < parts.size(); ++i) s += (i ? std::string(sep) : "") + parts[i];
    return s;
}

inline std::string state_names() {
    std::vector<std::string> v;
    for (std::size_t i = 0; i < state_count; ++i) v.emplace_back(rfc_name(state_id(i)));
    return join(v, ", ");
}

/// "<SEQ=9><ACK=2><CTL=FIN,ACK>", "<SEQ=9><CTL=RST>", "<SEQ=9><ACK=2><CTL=ACK><DATA>".
inline std::string rfc_segment(const segment& s) {
    std::vector<std::string> ctl;
    if (s.has(SYN)) ctl.emplace_back("SYN");
    if (s.has(FIN)) ctl.emplace_back("FIN");
    if (s.has(RST)) ctl.emplace_back("RST");
    if (s.has(ACK)) ctl.emplace_back("ACK");
    std::string r = "<SEQ=" + std::to_string(s.seq) + ">";
    if (s.has(ACK)) r += "<ACK=" + std::to_string(s.ack) + ">";
    r += "<CTL=" + join(ctl, ",") + ">";
    if (s.len) r += "<DATA>";
    return r;
}

/// A row's citation: RFC 9293 section numbers get the RFC's name; other sources stand as written.
inline std::string citation(std::string_view cite) {
    if (!cite.empty() && cite.front() >= '0' && cite.front() <= '9') return "RFC 9293 " + std::string(cite);
    return std::string(cite);
}

/// "when rfc1337", "unless passive OPEN", or "" for an unconditional row.
inline std::string guard_text(const row_data& r) {
    if (r.unconditional()) return "";
    return std::string(r.negate ? "unless " : "when ") + std::string(guard_name(r.guard));
}

inline std::string actions_text(const row_data& r) {
    std::vector<std::string> v;
    for (std::uint8_t k = 0; k < r.action_count; ++k) v.emplace_back(action_name(r.actions[k]));
    return join(v, ", ");
}

/// The states of a row: a list, or "any but ..." when that is shorter, or "any state".
inline std::string states_text(std::uint16_t mask) {
    std::vector<std::string> in, out;
    for (std::size_t i = 0; i < state_count; ++i)
        ((mask >> i) & 1u ? in : out).emplace_back(rfc_name(state_id(i)));
    if (out.empty()) return "any state";
    if (in.size() > 4 && out.size() < in.size()) return "any but " + join(out, ", ");
    return join(in, ", ");
}

/// The events of a row: "CLOSE, SHUTDOWN", "rcv FIN, FIN+ACK of our FIN", "any segment".
inline std::string events_text(std::uint32_t mask) {
    std::uint32_t segments = 0, rsts = 0;
    for (std::size_t i = 0; i < event_count; ++i)
        if (is_segment_arrival(event_id(i))) segments |= 1u << i;
    rsts = (1u << unsigned(event_id::rcv_rst)) | (1u << unsigned(event_id::rcv_rst_unacceptable)) |
           (1u << unsigned(event_id::rcv_rst_in_window));
    if (mask == segments) return "any segment";
    if (mask == (segments & ~rsts)) return "any segment but RST";
    std::vector<std::string> v;
    bool after_rcv = false;
    for (std::size_t i = 0; i < event_count; ++i) {
        if (!((mask >> i) & 1u)) continue;
        std::string name(event_name(event_id(i)));
        const bool rcv = name.starts_with("rcv ");
        if (rcv && after_rcv) name = name.substr(4);
        after_rcv = rcv;
        v.push_back(name);
    }
    return join(v, ", ");
}

// --- the table -------------------------------------------------------------------------------------

/// Every row of THE TABLE, one line each, in columns: number, from-states, events, guard,
/// actions, target, citation. Deterministic; nothing is wrapped.
template <class T = rfc9293_table>
void print_table(std::ostream& out) {
    struct line {
        std::string cols[6];
    };
    std::vector<line> lines;
    for (std::size_t i = 0; i < T::size; ++i) {
        const row_data& r = T::rows[i];
        line l;
        l.cols[0] = std::to_string(i + 1);
        l.cols[1] = states_text(r.from);
        l.cols[2] = events_text(r.events);
        l.cols[3] = r.unconditional() ? "-" : guard_text(r);
        l.cols[4] = r.action_count ? actions_text(r) : "-";
        l.cols[5] = "-> " + (r.same ? std::string("same") : std::string(rfc_name(r.to)));
        lines.push_back(l);
    }
    std::size_t width[6] = {};
    for (const auto& l : lines)
        for (std::size_t c = 0; c < 6; ++c) width[c] = std::max(width[c], l.cols[c].size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto& l = lines[i];
        std::string s(width[0] - l.cols[0].size(), ' ');
        s += l.cols[0];
        for (std::size_t c = 1; c < 6; ++c) s += "  " + l.cols[c] + std::string(width[c] - l.cols[c].size(), ' ');
        s += "  " + citation(T::rows[i].cite);
        out << s << '\n';
    }
}

// --- the representative TCB ------------------------------------------------------------------------

inline constexpr seq_t our_iss = 0;
inline constexpr seq_t peer_iss = 8;
inline constexpr seq_t stray_ack = 1;  ///< SEG.ACK of a segment that meets no TCB (CLOSED, LISTEN)

/// A TCB in state `st` with the models' sequence variables: our SYN sent at ISS 0, the peer's at
/// 8, our FIN and the peer's FIN where the state implies them, the timers that run there.
inline tcb representative_tcb(state_id st, const endpoint_config& c) {
    tcb t;
    t.st = st;
    const seq_t clock = seq_add(our_iss, -int(c.iss_step));  // choose_iss then gives ISS 0
    switch (st) {
        case state_id::closed: t.iss = clock; return t;
        case state_id::listen:
            t.iss = clock;
            t.passive = true;
            return t;
        default: break;
    }
    t.iss = our_iss;
    t.snd_una = our_iss;
    t.snd_nxt = seq_add(our_iss, 1);
    if (st == state_id::syn_sent) {
        t.rtx_timer = c.rto;
        return t;
    }
    t.irs = peer_iss;
    t.rcv_nxt = seq_add(peer_iss, 1);
    if (st == state_id::syn_received) {
        t.rtx_timer = c.rto;
        return t;
    }
    t.snd_una = t.snd_nxt;  // our SYN is acknowledged
    const bool our_fin = st == state_id::fin_wait_1 || st == state_id::fin_wait_2 || st == state_id::closing ||
                         st == state_id::last_ack || st == state_id::time_wait;
    const bool their_fin = st == state_id::close_wait || st == state_id::closing || st == state_id::last_ack ||
                           st == state_id::time_wait;
    if (our_fin) {
        t.fin_sent = true;
        t.user_closed = true;
        t.orphaned = true;  // the FIN came from CLOSE (as a SHUTDOWN it would not bound FIN-WAIT-2)
        t.snd_nxt = seq_add(t.snd_nxt, 1);
        if (st == state_id::fin_wait_2 || st == state_id::time_wait) t.snd_una = t.snd_nxt;  // FIN acknowledged
    }
    if (their_fin) {
        t.fin_received = true;
        t.rcv_nxt = seq_add(t.rcv_nxt, 1);
    }
    if (st == state_id::fin_wait_1 || st == state_id::closing || st == state_id::last_ack) t.rtx_timer = c.rto;
    if (st == state_id::fin_wait_2) t.wait_timer = c.fin_wait_2;
    if (st == state_id::time_wait) {
        t.wait_timer = c.time_wait;
        t.time_wait_from = state_id::fin_wait_2;
    }
    return t;
}

/// "ISS=0 SND.UNA=1 SND.NXT=2 IRS=8 RCV.NXT=9 RCV.WND=4; our FIN is SEQ=1; ..." for the output.
inline std::string describe_tcb(const tcb& t, const endpoint_config& c) {
    std::string s(rfc_name(t.st));
    if (t.st == state_id::closed) return s + "  (no TCB)";
    if (t.st == state_id::listen) return s + "  (passive OPEN; no sequence variables yet)";
    s += "  ISS=" + std::to_string(t.iss) + " SND.UNA=" + std::to_string(t.snd_una) +
         " SND.NXT=" + std::to_string(t.snd_nxt);
    if (t.st != state_id::syn_sent)
        s += " IRS=" + std::to_string(t.irs) + " RCV.NXT=" + std::to_string(t.rcv_nxt) +
             " RCV.WND=" + std::to_string(c.window);
    std::vector<std::string> facts;
    if (t.fin_sent)
        facts.push_back("our FIN is SEQ=" + std::to_string(seq_add(t.snd_nxt, -1)) +
                        (t.snd_una == t.snd_nxt ? " (acknowledged)" : " (unacknowledged)"));
    if (t.fin_received) facts.push_back("the peer's FIN was SEQ=" + std::to_string(seq_add(t.rcv_nxt, -1)));
    if (t.st == state_id::syn_received) facts.emplace_back(t.passive ? "from a passive OPEN" : "from an active OPEN");
    if (t.unread_data) facts.emplace_back("unread data");
    if (t.rtx_timer) facts.emplace_back("retransmission timer running");
    if (t.wait_timer)
        facts.emplace_back(t.st == state_id::time_wait ? "TIME-WAIT timer running" : "FIN-WAIT-2 timer running");
    if (!facts.empty()) s += "; " + join(facts, "; ");
    return s;
}

// --- the event ---------------------------------------------------------------------------------------

struct named_event {
    std::string_view name;
    event_id id;
};
inline constexpr named_event user_calls[] = {
    {"OPEN", event_id::open_active},   {"OPEN-ACTIVE", event_id::open_active}, {"OPEN-PASSIVE", event_id::open_passive},
    {"SEND", event_id::send},          {"CLOSE", event_id::close},             {"SHUTDOWN", event_id::shutdown},
    {"ABORT", event_id::abort}};
inline constexpr named_event timers[] = {{"RTO", event_id::retransmission_timeout},
                                         {"RTO-EXHAUSTED", event_id::retries_exhausted},
                                         {"TIME-WAIT-TIMEOUT", event_id::time_wait_timeout},
                                         {"FIN-WAIT-2-TIMEOUT", event_id::fin_wait_2_timeout},
                                         {"USER-TIMEOUT", event_id::user_timeout}};

inline std::string event_help() {
    return "the events are user calls (OPEN, OPEN-PASSIVE, SEND, CLOSE, SHUTDOWN, ABORT), timers (RTO, "
           "RTO-EXHAUSTED, TIME-WAIT-TIMEOUT, FIN-WAIT-2-TIMEOUT, USER-TIMEOUT) and segments given by their "
           "control bits SYN, ACK, FIN, RST joined by ',' (SYN,ACK)";
}
inline constexpr std::string_view qualifier_help =
    "the qualifiers are seq=next|in-window|old|outside|N, ack=of-fin|new|dup|ahead|N (N from 0 to 15) and data";

/// What the command line asked for.
struct request {
    profile_def profile = rfc9293_profile();
    bool rfc1337 = false, linger_abort = false, unread_data = false, passive = false;
    bool table = false, help = false;
    std::vector<std::string_view> positional;  ///< STATE EVENT QUALIFIER...
    std::vector<std::string> table_conflicts;  ///< arguments given with --table
};

inline request parse_request(const std::vector<std::string_view>& args) {
    request q;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view a = args[i];
        if (a == "--table") {
            q.table = true;
            continue;
        }
        if (a == "--help" || a == "-h") {
            q.help = true;
            continue;
        }
        q.table_conflicts.emplace_back(a);
        if (a == "--profile" || a.starts_with("--profile=")) {
            std::string_view v;
            if (a == "--profile") {
                if (i + 1 >= args.size()) throw bad_input("--profile needs a value: rfc9293 or linux");
                v = args[++i];
            } else {
                v = a.substr(10);
            }
            if (v == "rfc9293") q.profile = rfc9293_profile();
            else if (v == "linux") q.profile = linux_profile();
            else throw bad_input("unknown profile '" + std::string(v) + "'; the profiles are rfc9293 and linux");
        } else if (a == "--rfc1337") {
            q.rfc1337 = true;
        } else if (a == "--linger-abort") {
            q.linger_abort = true;
        } else if (a == "--unread-data") {
            q.unread_data = true;
        } else if (a == "--passive") {
            q.passive = true;
        } else if (a.starts_with("-") && a.size() > 1) {
            throw bad_input("unknown option '" + std::string(a) +
                            "' for step; the options are --profile rfc9293|linux, --rfc1337, --linger-abort, "
                            "--unread-data, --passive, --table, --help");
        } else {
            q.positional.push_back(a);
        }
    }
    return q;
}

/// A segment as described on the command line, resolved against the TCB.
struct described_segment {
    segment seg;
    std::string seq_text, ack_text;
    std::vector<std::string> notes;
};

/// Parses "SYN,ACK" into flags.
inline std::uint8_t parse_flags(std::string_view text) {
    std::uint8_t flags = 0;
    std::size_t start = 0;
    const std::string t = normalized(text);
    for (;;) {
        const std::size_t end = t.find_first_of(",+", start);
        const std::string part = t.substr(start, end == std::string::npos ? std::string::npos : end - start);
        std::uint8_t f = 0;
        if (part == "SYN") f = SYN;
        else if (part == "ACK") f = ACK;
        else if (part == "FIN") f = FIN;
        else if (part == "RST") f = RST;
        if (f == 0)
            throw bad_input("unknown event '" + std::string(text) + "'" +
                            (part.empty() || part == t ? std::string() : " (no control bit '" + part + "')") + "; " +
                            event_help());
        if (flags & f) throw bad_input("segment '" + std::string(text) + "' names " + part + " twice");
        flags |= f;
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return flags;
}

/// A number 0..15 for seq=N / ack=N, or nothing.
inline std::optional<seq_t> parse_number(std::string_view v) {
    if (v.empty() || v.size() > 2) return std::nullopt;
    unsigned n = 0;
    for (const char ch : v) {
        if (ch < '0' || ch > '9') return std::nullopt;
        n = n * 10 + unsigned(ch - '0');
    }
    if (n >= seq_modulus) return std::nullopt;
    return seq_t(n);
}

/// Whether some SEG.ACK acknowledges something new that is not our FIN.
inline bool new_ack_possible(const tcb& t) {
    return seq_lt(t.snd_una, t.fin_sent ? seq_add(t.snd_nxt, -1) : t.snd_nxt);
}

/// The ack= words that make sense for this TCB.
inline std::string allowed_acks(const tcb& t) {
    std::vector<std::string> v;
    if (t.fin_sent) v.emplace_back("of-fin");
    if (new_ack_possible(t)) v.emplace_back("new");
    v.emplace_back("dup");
    v.emplace_back("ahead");
    return join(v, ", ") + " or a number from 0 to 15";
}

inline described_segment describe_segment(std::string_view flags_text, const std::vector<std::string_view>& quals,
                                          const tcb& t, const endpoint_config& c) {
    described_segment d;
    segment& s = d.seg;
    s.flags = parse_flags(flags_text);
    std::optional<std::string> seq_q, ack_q;
    bool data = false;
    for (const std::string_view q : quals) {
        const std::string n = normalized(q);
        if (n == "DATA") {
            if (data) throw bad_input("'data' is given twice");
            data = true;
        } else if (n.starts_with("SEQ=") || n.starts_with("ACK=")) {
            auto& slot = n.starts_with("SEQ=") ? seq_q : ack_q;
            if (slot) throw bad_input("'" + std::string(q.substr(0, 3)) + "=' is given twice");
            slot = n.substr(4);
        } else {
            throw bad_input("unknown qualifier '" + std::string(q) + "'; " + std::string(qualifier_help));
        }
    }
    if (data) s.len = 1;

    // SEG.SEQ
    const bool has_rcv = t.st != state_id::closed && t.st != state_id::listen && t.st != state_id::syn_sent;
    const seq_t base_seq = s.has(SYN) ? peer_iss : seq_add(peer_iss, 1);
    s.seq = has_rcv ? t.rcv_nxt : base_seq;
    d.seq_text = has_rcv ? "SEG.SEQ = RCV.NXT" : (s.has(SYN) ? "SEG.SEQ = the peer's ISS" : "SEG.SEQ = the peer's ISS+1");
    if (seq_q) {
        const std::string& v = *seq_q;
        if (const auto num = parse_number(v)) {
            s.seq = *num;
            d.seq_text = "SEG.SEQ as given";
        } else if (v != "NEXT" && v != "IN-WINDOW" && v != "OLD" && v != "OUTSIDE") {
            throw bad_input("unknown qualifier value 'seq=" + lowercase(v) +
                            "'; seq= takes next, in-window, old, outside or a number from 0 to 15");
        } else if (!has_rcv) {
            d.notes.push_back("seq=" + lowercase(v) + " ignored: " + std::string(rfc_name(t.st)) +
                              (t.st == state_id::syn_sent ? " does not check SEG.SEQ (RFC 9293 3.10.7.3)"
                                                          : " has no RCV.NXT to relate SEG.SEQ to"));
        } else if (v == "IN-WINDOW") {
            s.seq = seq_add(t.rcv_nxt, 1);
            d.seq_text = "SEG.SEQ = RCV.NXT+1, in the window but not the next";
        } else if (v == "OLD") {
            s.seq = seq_add(t.rcv_nxt, -1);
            d.seq_text = "SEG.SEQ = RCV.NXT-1, below RCV.NXT (an old duplicate)";
        } else if (v == "OUTSIDE") {
            s.seq = seq_add(t.rcv_nxt, int(c.window));
            d.seq_text = "SEG.SEQ = RCV.NXT+RCV.WND, beyond the window";
        }
    }

    // SEG.ACK
    const bool has_snd = t.st != state_id::closed && t.st != state_id::listen;
    if (ack_q && !s.has(ACK))
        throw bad_input("ack= contradicts the segment '" + std::string(flags_text) +
                        "': it has no ACK bit (add it: " + std::string(flags_text) + ",ACK)");
    if (s.has(ACK)) {
        s.ack = has_snd ? t.snd_nxt : stray_ack;
        d.ack_text = has_snd ? (t.fin_sent ? "SEG.ACK = SND.NXT, acknowledging everything, our FIN included"
                                           : "SEG.ACK = SND.NXT, acknowledging everything sent")
                             : "SEG.ACK = 1 (there is no TCB to acknowledge)";
        if (ack_q) {
            const std::string& v = *ack_q;
            const std::string st(rfc_name(t.st));
            if (const auto num = parse_number(v)) {
                s.ack = *num;
                d.ack_text = "SEG.ACK as given";
            } else if (v != "OF-FIN" && v != "NEW" && v != "DUP" && v != "AHEAD") {
                throw bad_input("unknown qualifier value 'ack=" + lowercase(v) +
                                "'; ack= takes of-fin, new, dup, ahead or a number from 0 to 15");
            } else if (!has_snd) {
                d.notes.push_back("ack=" + lowercase(v) + " ignored: " + st + " has no send sequence variables to relate SEG.ACK to");
            } else if (v == "OF-FIN") {
                if (!t.fin_sent)
                    throw bad_input("ack=of-fin contradicts the state: " + st + " has sent no FIN; here ack= may be " +
                                    allowed_acks(t));
                s.ack = t.snd_nxt;
                d.ack_text = "SEG.ACK = SND.NXT, acknowledging our FIN";
            } else if (v == "NEW") {
                if (!new_ack_possible(t))
                    throw bad_input("ack=new contradicts the state: in " + st +
                                    (t.fin_sent ? " nothing but our FIN can be unacknowledged"
                                                : " nothing is unacknowledged") +
                                    " (SND.UNA=" + std::to_string(t.snd_una) +
                                    ", SND.NXT=" + std::to_string(t.snd_nxt) +
                                    "; only SYN and FIN occupy sequence space in the models); here ack= may be " +
                                    allowed_acks(t));
                const seq_t top = t.fin_sent ? seq_add(t.snd_nxt, -1) : t.snd_nxt;  // below our FIN
                s.ack = top;
                d.ack_text = "SEG.ACK = " + std::string(t.fin_sent ? "SND.NXT-1" : "SND.NXT") +
                             ", a new acceptable ACK (SND.UNA < SEG.ACK =< SND.NXT)";
            } else if (v == "DUP") {
                s.ack = t.snd_una;
                d.ack_text = "SEG.ACK = SND.UNA, an old duplicate ACK";
            } else {
                s.ack = seq_add(t.snd_nxt, 1);
                d.ack_text = "SEG.ACK = SND.NXT+1, acknowledging something not yet sent";
            }
        }
    }
    if (s.has(SYN) && s.has(RST))
        d.notes.emplace_back("SYN,RST: RFC 9293 checks the RST bit before the SYN bit (3.10.7), so this is a RST");
    return d;
}

// --- running and printing one step -----------------------------------------------------------------

/// The row of T that applies, and the guarded rows before it whose guards did not hold.
template <class T>
std::vector<std::size_t> skipped_rows(const tcb& t, event_id e, const endpoint_config& c, const row_data* applied) {
    std::vector<std::size_t> v;
    for (const std::uint8_t i : T::candidates[std::size_t(t.st) * event_count + std::size_t(e)]) {
        if (i >= T::size || &T::rows[i] == applied) break;
        if (!guard_holds(T::rows[i], t, c)) v.push_back(i);
    }
    return v;
}

inline std::string_view guard_hint(guard_id g) {
    switch (g) {
        case guard_id::passive_open: return "--passive";
        case guard_id::rfc1337: return "--rfc1337";
        case guard_id::linger_abort: return "--linger-abort";
        case guard_id::unread_data: return "--unread-data with --profile linux";
        default: return "";
    }
}

/// "connection closing" out of "3.10.4 connection closing; never a second FIN".
inline std::string error_of(std::string_view cite) {
    const auto p = cite.find("connection ");
    if (p == std::string_view::npos) return "\"error\"";
    std::string_view rest = cite.substr(p);
    rest = rest.substr(0, std::min(rest.find(';'), rest.size()));
    return "\"error: " + std::string(rest) + "\"";
}

template <class T>
std::string row_label(const row_data* r) {
    return std::to_string(std::size_t(r - T::rows.data()) + 1);
}

template <class T = rfc9293_table>
int run_step(const request& q, std::ostream& out) {
    if (q.positional.empty()) throw bad_input("step needs a STATE and an EVENT, or --table");
    state_id st{};
    if (!parse_state(q.positional[0], st))
        throw bad_input("unknown state '" + std::string(q.positional[0]) + "'; the states are " + state_names() +
                        " (or identifiers such as fin_wait_1)");
    if (q.positional.size() < 2)
        throw bad_input("step needs an EVENT after the state " + std::string(rfc_name(st)) + "; " + event_help());
    const std::string_view event_text = q.positional[1];
    const std::vector<std::string_view> quals(q.positional.begin() + 2, q.positional.end());

    endpoint_config c = q.profile.config;
    if (q.rfc1337) c.rfc1337 = true;
    if (q.linger_abort) c.linger_abort = true;
    std::vector<std::string> notes;
    tcb t = representative_tcb(st, c);
    if (q.passive) {
        if (st == state_id::syn_received) t.passive = true;
        else notes.emplace_back("--passive ignored: it says how SYN-RECEIVED was reached");
    }
    if (q.unread_data) {
        if (is_synchronized(st)) t.unread_data = true;
        else notes.push_back("--unread-data ignored: no data can have arrived in " + std::string(rfc_name(st)));
    }

    // The event.
    const std::string ev = normalized(event_text);
    std::optional<event_id> fixed;
    std::string kind;
    for (const auto& u : user_calls)
        if (ev == u.name) fixed = u.id, kind = "user call";
    for (const auto& m : timers)
        if (ev == m.name) fixed = m.id, kind = "timer expiry";
    if (fixed && !quals.empty())
        throw bad_input(ev + " is a " + kind + " and takes no qualifiers (not '" + std::string(quals.front()) +
                        "'); qualifiers describe a segment");
    segment seg{};
    std::string seg_line;
    event_id e{};
    if (fixed) {
        e = *fixed;
        if (e == event_id::retries_exhausted) t.retries = c.max_retries;
        if (e == event_id::fin_wait_2_timeout && c.fin_wait_2 == 0)
            notes.push_back("profile " + std::string(q.profile.name) +
                            " sets no FIN-WAIT-2 limit, so this timer never runs; the row is Linux's "
                            "(--profile linux)");
    } else {
        const described_segment d = describe_segment(event_text, quals, t, c);
        seg = d.seg;
        for (const auto& n : d.notes) notes.push_back(n);
        seg_line = rfc_segment(seg) + "  (" + d.seq_text + (d.ack_text.empty() ? "" : "; " + d.ack_text) + ")";
        e = classify(t, seg, c);
        if (t.fin_received && seg.has(FIN) && !seg.has(RST) && seq_add(seg.seq, int(seg.seg_len())) == t.rcv_nxt)
            notes.emplace_back("the FIN ends at RCV.NXT: a retransmission of the peer's FIN, taken as a FIN, not as "
                               "unacceptable (a decision recorded in rfc9293.hpp)");
        if (e == event_id::rcv_no_ack && seg.has(ACK))
            notes.emplace_back("the segment has an ACK but neither SYN nor RST: in " + std::string(rfc_name(st)) +
                               " the table names this case 'segment without ACK' (RFC 9293 3.10.7.3: drop)");
        if (e == event_id::rcv_rst_unacceptable && is_synchronized(st) && seq_in_window(seg.seq, t.rcv_nxt, c.window))
            notes.emplace_back("SEG.SEQ is in the window but not RCV.NXT: this table drops the RST; RFC 9293 "
                               "3.10.7.4 second sends a challenge ACK here with RFC 5961's checks, and resets "
                               "without them");
    }

    const tcb before = t;
    const step_result r = step<T>(t, e, seg, c);
    const auto label = [&](std::string_view l) { out << l << std::string(11 - l.size(), ' '); };

    label("profile");
    out << q.profile.name << " (" << q.profile.summary << ")";
    std::vector<std::string> knobs;
    if (q.rfc1337) knobs.emplace_back("--rfc1337");
    if (q.linger_abort) knobs.emplace_back("--linger-abort");
    if (!knobs.empty()) out << " with " << join(knobs, ", ");
    out << '\n';
    label("state");
    out << describe_tcb(before, c) << '\n';
    label("event");
    if (fixed) out << ev << " (" << kind << ")\n";
    else out << seg_line << '\n';
    label("classified");
    out << event_name(e) << '\n';

    if (!r.row) {
        label("row");
        out << "none: the table has no row for " << event_name(e) << " in " << rfc_name(st)
            << (is_timer_expiry(e) ? " (that timer does not run there)" : "") << "; nothing happens\n";
        for (const auto& n : notes) {
            label("note");
            out << n << '\n';
        }
        return 0;
    }
    const row_data& row = *r.row;
    label("row");
    out << row_label<T>(r.row) << ": " << states_text(row.from) << " | " << events_text(row.events);
    if (!row.unconditional()) out << " | " << guard_text(row);
    out << " -> " << (row.same ? std::string("same") : std::string(rfc_name(row.to))) << '\n';
    label("actions");
    out << (row.action_count ? actions_text(row) : "none") << '\n';
    label("sends");
    if (r.sent_count == 0) out << "nothing";
    for (std::uint8_t i = 0; i < r.sent_count; ++i) out << (i ? "  then  " : "") << rfc_segment(r.sent[i]);
    out << '\n';

    label("next");
    const state_id to = row.target(st);
    if (to == st && t == before) {
        out << rfc_name(st) << "  (stays; the TCB is unchanged)";
    } else if (to == st) {
        out << describe_tcb(t, c) << "  (stays)";
    } else if (st != state_id::closed && st != state_id::listen && t.st == state_id::listen) {
        out << "LISTEN  (the half-open connection is gone; listening again)";
    } else if (st != state_id::closed && st != state_id::listen && t.st == state_id::closed) {
        out << "CLOSED  (the TCB is deleted; the connection ended: " << ending_name(t.how) << ")";
    } else {
        out << describe_tcb(t, c);
    }
    out << '\n';

    // Timers: what the row did to them, and what deleting the TCB stopped.
    std::vector<std::string> timer_lines;
    bool rtx_handled = false, wait_handled = false;
    if (e == event_id::retransmission_timeout || e == event_id::retries_exhausted) {
        timer_lines.emplace_back("retransmission timer expired");
        rtx_handled = true;
    }
    if (e == event_id::user_timeout) timer_lines.emplace_back("user timer expired");
    if (e == event_id::time_wait_timeout || e == event_id::fin_wait_2_timeout) {
        timer_lines.push_back(std::string(e == event_id::time_wait_timeout ? "TIME-WAIT" : "FIN-WAIT-2") +
                              " timer expired");
        wait_handled = true;
    }
    for (std::uint8_t k = 0; k < row.action_count; ++k) {
        switch (row.actions[k]) {
            case action_id::arm_retransmission:
                timer_lines.emplace_back("retransmission timer started (RTO)");
                rtx_handled = true;
                break;
            case action_id::stop_retransmission:
                if (before.rtx_timer) timer_lines.emplace_back("retransmission timer stopped");
                rtx_handled = true;
                break;
            case action_id::retransmit:
                timer_lines.push_back("restarted for retransmission " + std::to_string(t.retries) + " of " +
                                      std::to_string(c.max_retries));
                rtx_handled = true;
                break;
            case action_id::arm_time_wait:
                if (before.rtx_timer && !rtx_handled) timer_lines.emplace_back("retransmission timer stopped");
                rtx_handled = true;
                timer_lines.push_back(std::string(st == state_id::time_wait ? "TIME-WAIT timer restarted ("
                                                                              : "TIME-WAIT timer started (") +
                                      std::string(q.profile.time_wait) + ")");
                wait_handled = true;
                break;
            case action_id::arm_fin_wait_2:
                if (c.fin_wait_2)
                    timer_lines.push_back("FIN-WAIT-2 timer started (" + std::string(q.profile.fin_wait_2) + ")");
                else
                    timer_lines.push_back("no FIN-WAIT-2 timer (profile " + std::string(q.profile.name) +
                                          " sets no limit, as RFC 9293)");
                wait_handled = true;
                break;
            default: break;
        }
    }
    if (to == state_id::closed || to == state_id::listen) {
        std::vector<std::string> running;
        if (to != st && before.rtx_timer && !rtx_handled) running.emplace_back("retransmission timer");
        if (to != st && before.wait_timer && !wait_handled)
            running.emplace_back(st == state_id::time_wait ? "TIME-WAIT timer" : "FIN-WAIT-2 timer");
        if (!running.empty())
            timer_lines.push_back(join(running, " and ") + " stopped: " +
                                  (to == state_id::closed ? "the TCB is deleted" : "back to LISTEN"));
    } else {
        if (before.rtx_timer && !rtx_handled && !t.rtx_timer) timer_lines.emplace_back("retransmission timer stopped");
    }
    label("timers");
    out << (timer_lines.empty() ? std::string("no change") : join(timer_lines, "; ")) << '\n';

    // What the user is told.
    std::vector<std::string> told;
    for (std::uint8_t k = 0; k < row.action_count; ++k) {
        switch (row.actions[k]) {
            case action_id::report_reset: told.emplace_back("\"connection reset\""); break;
            case action_id::report_refused: told.emplace_back("\"connection refused\""); break;
            case action_id::report_closing: told.emplace_back("\"connection closing\" (the peer's FIN)"); break;
            case action_id::report_timeout:
                told.emplace_back(e == event_id::user_timeout ? "\"connection aborted due to user timeout\""
                                                              : "\"connection timed out\" (retries exhausted)");
                break;
            case action_id::report_error: told.push_back("the call fails: " + error_of(row.cite)); break;
            default: break;
        }
    }
    label("user");
    out << (told.empty() ? std::string("nothing") : join(told, "; ")) << '\n';

    label("cite");
    out << citation(row.cite) << '\n';
    if (!row.unconditional()) {
        label("guard");
        out << guard_text(row) << ": holds";
        if (const auto h = guard_hint(row.guard); !h.empty()) out << " (" << h << ")";
        out << '\n';
    }
    for (const std::size_t i : skipped_rows<T>(before, e, c, r.row)) {
        label("skipped");
        out << "row " << i + 1 << " (" << guard_text(T::rows[i]) << ", " << citation(T::rows[i].cite)
            << "): the guard does not hold";
        if (const auto h = guard_hint(T::rows[i].guard); !h.empty()) out << "; " << h << " makes it apply";
        out << '\n';
    }
    for (const auto& n : notes) {
        label("note");
        out << n << '\n';
    }
    return 0;
}

}  // namespace step_detail

/// Prints THE TABLE, one row per line (`tcpv step --table`).
inline void print_step_table(std::ostream& out) { step_detail::print_table<rfc9293_table>(out); }

/// `tcpv step ARGS...`: exit status 0, or 2 with a message on `err` and nothing on `out`.
inline int step_command(const std::vector<std::string_view>& args, std::ostream& out, std::ostream& err) {
    try {
        const step_detail::request q = step_detail::parse_request(args);
        if (q.help) {
            out << step_detail::usage_text;
            return 0;
        }
        if (q.table) {
            if (!q.table_conflicts.empty())
                throw step_detail::bad_input("--table prints every row and takes no other arguments (not '" +
                                             q.table_conflicts.front() + "')");
            print_step_table(out);
            return 0;
        }
        // Build the whole answer first, so that an error leaves stdout empty.
        std::ostringstream text;
        const int status = step_detail::run_step<rfc9293_table>(q, text);
        out << text.str();
        return status;
    } catch (const step_detail::bad_input& e) {
        err << "tcpv step: " << e.what() << "\n(see `tcpv step --help`)\n";
        return 2;
    }
}

}  // namespace tcpv::tcp
