// `tcpv step`, run as a user runs it (build/bin/tcpv): what the reference endpoint does in one
// state on one event (segment sent, next state, timers, user, citation), `tcpv step --table`
// (one line per row of THE TABLE, deterministic), and bad input (exit 2, nothing on stdout).
#include <doctest/doctest.h>

#include <tcpv/tcp/rfc9293.hpp>

#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

#include "../support/run_program.hpp"

namespace {

tcpv_test::program_output run_tcpv(std::vector<std::string> args) {
    args.insert(args.begin(), TCPV_PROGRAM);
    return tcpv_test::run_program(args, 60);
}

tcpv_test::program_output step(std::vector<std::string> args) {
    args.insert(args.begin(), "step");
    return run_tcpv(args);
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

/// The text after the label of the first line that starts with `label` ("next", "sends", ...).
std::string field(const std::string& out, const std::string& label) {
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
        if (line.size() > label.size() && line.compare(0, label.size(), label) == 0 && line[label.size()] == ' ') {
            const auto start = line.find_first_not_of(' ', label.size());
            return start == std::string::npos ? "" : line.substr(start);
        }
    }
    return "<no " + label + " line>";
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> v;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) v.push_back(line);
    return v;
}

}  // namespace

TEST_CASE("FIN-WAIT-1 on FIN+ACK acknowledging our FIN: TIME-WAIT, an ACK, section 3.10.7.4") {
    const auto r = step({"FIN-WAIT-1", "FIN,ACK", "ack=of-fin"});
    INFO(r.out, r.err);
    REQUIRE(r.status == 0);
    CHECK(r.err.empty());
    CHECK(field(r.out, "event") == "<SEQ=9><ACK=2><CTL=FIN,ACK>  (SEG.SEQ = RCV.NXT; SEG.ACK = SND.NXT, acknowledging our FIN)");
    CHECK(field(r.out, "classified") == "rcv FIN+ACK of our FIN");
    CHECK(field(r.out, "sends") == "<SEQ=2><ACK=10><CTL=ACK>");
    CHECK(starts_with(field(r.out, "next"), "TIME-WAIT "));
    CHECK(contains(field(r.out, "timers"), "retransmission timer stopped"));
    CHECK(contains(field(r.out, "timers"), "TIME-WAIT timer started (2*MSL = 240 s)"));
    CHECK(field(r.out, "user") == "nothing");
    CHECK(starts_with(field(r.out, "cite"), "RFC 9293 3.10.7.4"));
    CHECK_FALSE(contains(r.out, "\nguard"));

    // The identifier spelling of the state gives the same answer.
    const auto same = step({"fin_wait_1", "fin+ack", "ack=of-fin"});
    CHECK(same.status == 0);
    CHECK(same.out == r.out);
}

TEST_CASE("TIME-WAIT on RST: CLOSED per RFC 9293; stays with --rfc1337, citing RFC 1337") {
    const auto rfc = step({"TIME-WAIT", "RST"});
    INFO(rfc.out, rfc.err);
    REQUIRE(rfc.status == 0);
    CHECK(field(rfc.out, "event") == "<SEQ=10><CTL=RST>  (SEG.SEQ = RCV.NXT)");
    CHECK(field(rfc.out, "classified") == "rcv RST");
    CHECK(field(rfc.out, "sends") == "nothing");
    CHECK(starts_with(field(rfc.out, "next"), "CLOSED "));
    CHECK(contains(field(rfc.out, "next"), "assassinated"));
    CHECK(field(rfc.out, "cite") == "RFC 9293 3.10.7.4 second");
    CHECK(contains(field(rfc.out, "skipped"), "when rfc1337"));
    CHECK(contains(field(rfc.out, "skipped"), "--rfc1337 makes it apply"));

    const auto r1337 = step({"TIME-WAIT", "RST", "--rfc1337"});
    INFO(r1337.out, r1337.err);
    REQUIRE(r1337.status == 0);
    CHECK(starts_with(field(r1337.out, "next"), "TIME-WAIT  (stays"));
    CHECK(contains(field(r1337.out, "cite"), "RFC 1337 section 3"));
    CHECK(field(r1337.out, "guard") == "when rfc1337: holds (--rfc1337)");

    // The Linux profile has tcp_rfc1337=0; the flag adds to the profile.
    CHECK(starts_with(field(step({"--profile", "linux", "TIME-WAIT", "RST"}).out, "next"), "CLOSED"));
    CHECK(starts_with(field(step({"--profile=linux", "--rfc1337", "TIME-WAIT", "RST"}).out, "next"), "TIME-WAIT"));
}

TEST_CASE("CLOSED answers with a RST in the RFC's two forms") {
    const auto syn = step({"CLOSED", "SYN"});  // no ACK bit: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
    INFO(syn.out, syn.err);
    REQUIRE(syn.status == 0);
    CHECK(field(syn.out, "event") == "<SEQ=8><CTL=SYN>  (SEG.SEQ = the peer's ISS)");
    CHECK(field(syn.out, "sends") == "<SEQ=0><ACK=9><CTL=RST,ACK>");
    CHECK(starts_with(field(syn.out, "next"), "CLOSED"));
    CHECK(field(syn.out, "cite") == "RFC 9293 3.10.7.1");

    const auto ack = step({"CLOSED", "ACK", "ack=5"});  // ACK bit: <SEQ=SEG.ACK><CTL=RST>
    INFO(ack.out);
    CHECK(field(ack.out, "sends") == "<SEQ=5><CTL=RST>");

    const auto rst = step({"CLOSED", "RST"});
    CHECK(field(rst.out, "sends") == "nothing");
    CHECK(field(rst.out, "cite") == "RFC 9293 3.10.7.1 RST: discard");

    // A word qualifier for SEG.SEQ means nothing without a TCB: ignored, with a note.
    const auto old = step({"CLOSED", "SYN", "seq=old"});
    CHECK(old.status == 0);
    CHECK(field(old.out, "sends") == "<SEQ=0><ACK=9><CTL=RST,ACK>");
    CHECK(contains(field(old.out, "note"), "seq=old ignored"));
}

TEST_CASE("LISTEN on SYN: SYN-RECEIVED with a SYN,ACK") {
    const auto r = step({"LISTEN", "SYN"});
    INFO(r.out, r.err);
    REQUIRE(r.status == 0);
    CHECK(field(r.out, "classified") == "rcv SYN");
    CHECK(field(r.out, "sends") == "<SEQ=0><ACK=9><CTL=SYN,ACK>");
    CHECK(starts_with(field(r.out, "next"), "SYN-RECEIVED  ISS=0 SND.UNA=0 SND.NXT=1 IRS=8 RCV.NXT=9"));
    CHECK(contains(field(r.out, "next"), "from a passive OPEN"));
    CHECK(field(r.out, "timers") == "retransmission timer started (RTO)");
    CHECK(field(r.out, "cite") == "RFC 9293 3.10.7.2");
}

TEST_CASE("CLOSE with unread data: RST under the Linux profile, FIN under RFC 9293") {
    const auto linux_rst = step({"ESTABLISHED", "CLOSE", "--profile", "linux", "--unread-data"});
    INFO(linux_rst.out, linux_rst.err);
    REQUIRE(linux_rst.status == 0);
    CHECK(field(linux_rst.out, "event") == "CLOSE (user call)");
    CHECK(field(linux_rst.out, "sends") == "<SEQ=1><CTL=RST>");
    CHECK(starts_with(field(linux_rst.out, "next"), "CLOSED"));
    CHECK(contains(field(linux_rst.out, "next"), "aborted"));
    CHECK(contains(field(linux_rst.out, "cite"), "Linux __tcp_close"));
    CHECK(starts_with(field(linux_rst.out, "guard"), "when unread data: holds"));

    const auto rfc = step({"ESTABLISHED", "CLOSE", "--unread-data"});
    INFO(rfc.out);
    CHECK(field(rfc.out, "sends") == "<SEQ=1><ACK=9><CTL=FIN,ACK>");
    CHECK(starts_with(field(rfc.out, "next"), "FIN-WAIT-1"));
    CHECK(field(rfc.out, "cite") == "RFC 9293 3.10.4");

    const auto linger = step({"ESTABLISHED", "CLOSE", "--linger-abort"});
    CHECK(field(linger.out, "sends") == "<SEQ=1><CTL=RST>");
    CHECK(contains(field(linger.out, "cite"), "SO_LINGER"));
}

TEST_CASE("row by row: state, event, reply, next state and citation") {
    struct expectation {
        std::vector<std::string> args;
        std::string classified, sends, next, cite, user = "nothing";
    };
    const std::vector<expectation> rows = {
        {{"CLOSED", "OPEN"}, "OPEN(active)", "<SEQ=0><CTL=SYN>", "SYN-SENT", "RFC 9293 3.10.1"},
        {{"CLOSED", "OPEN-PASSIVE"}, "OPEN(passive)", "nothing", "LISTEN", "RFC 9293 3.10.1"},
        {{"CLOSED", "SEND"}, "SEND", "nothing", "CLOSED", "RFC 9293 3.10.2",
         "the call fails: \"error: connection does not exist\""},
        {{"LISTEN", "ACK"}, "rcv bad ACK", "<SEQ=1><CTL=RST>", "LISTEN", "RFC 9293 3.10.7.2 ACK-bearing"},
        {{"LISTEN", "CLOSE"}, "CLOSE", "nothing", "CLOSED", "RFC 9293 3.10.4 delete TCB, no RST"},
        {{"SYN-SENT", "SYN,ACK"}, "rcv SYN+ACK", "<SEQ=1><ACK=9><CTL=ACK>", "ESTABLISHED", "RFC 9293 3.10.7.3"},
        {{"SYN-SENT", "SYN"}, "rcv SYN", "<SEQ=0><ACK=9><CTL=SYN,ACK>", "SYN-RECEIVED", "RFC 9293 3.10.7.3 simultaneous open"},
        {{"SYN-SENT", "SYN,ACK", "ack=ahead"}, "rcv bad ACK", "<SEQ=2><CTL=RST>", "SYN-SENT", "RFC 9293 3.10.7.3 unacceptable ACK"},
        {{"SYN-SENT", "RST,ACK"}, "rcv RST", "nothing", "CLOSED", "RFC 9293 3.10.7.3", "\"connection refused\""},
        {{"SYN-SENT", "RST"}, "rcv unacceptable RST", "nothing", "SYN-SENT", "RFC 9293 3.10.7.3 RST without acceptable ACK"},
        {{"SYN-RECEIVED", "ACK"}, "rcv ACK", "nothing", "ESTABLISHED", "RFC 9293 3.10.7.4 fifth"},
        {{"SYN-RECEIVED", "ACK", "ack=dup"}, "rcv bad ACK", "<SEQ=0><CTL=RST>", "SYN-RECEIVED", "RFC 9293 3.10.7.4 fifth"},
        {{"SYN-RECEIVED", "RST"}, "rcv RST", "nothing", "CLOSED", "RFC 9293 3.10.7.4 second: active OPEN",
         "\"connection refused\""},
        {{"SYN-RECEIVED", "RST", "--passive"}, "rcv RST", "nothing", "LISTEN", "RFC 9293 3.10.7.4 second: passive OPEN"},
        {{"ESTABLISHED", "FIN,ACK"}, "rcv FIN", "<SEQ=1><ACK=10><CTL=ACK>", "CLOSE-WAIT", "RFC 9293 3.10.7.4 eighth",
         "\"connection closing\" (the peer's FIN)"},
        {{"ESTABLISHED", "ACK", "seq=outside"}, "rcv unacceptable segment", "<SEQ=1><ACK=9><CTL=ACK>", "ESTABLISHED",
         "RFC 9293 3.10.7.4 first"},
        {{"ESTABLISHED", "ACK", "seq=old", "data"}, "rcv unacceptable segment", "<SEQ=1><ACK=9><CTL=ACK>", "ESTABLISHED",
         "RFC 9293 3.10.7.4 first"},
        {{"ESTABLISHED", "ACK", "data"}, "rcv data", "<SEQ=1><ACK=10><CTL=ACK>", "ESTABLISHED", "RFC 9293 3.10.7.4 seventh"},
        {{"ESTABLISHED", "ACK", "ack=ahead"}, "rcv bad ACK", "<SEQ=1><ACK=9><CTL=ACK>", "ESTABLISHED",
         "RFC 9293 3.10.7.4 fifth: ACK of something not yet sent"},
        {{"ESTABLISHED", "SYN"}, "rcv SYN", "<SEQ=1><ACK=9><CTL=ACK>", "ESTABLISHED", "RFC 9293 3.10.7.4 fourth: challenge ACK"},
        {{"ESTABLISHED", "RST"}, "rcv RST", "nothing", "CLOSED", "RFC 9293 3.10.7.4 second", "\"connection reset\""},
        {{"ESTABLISHED", "RST", "seq=outside"}, "rcv unacceptable RST", "nothing", "ESTABLISHED", "RFC 9293 3.10.7.4 second"},
        {{"ESTABLISHED", "SYN,RST"}, "rcv RST", "nothing", "CLOSED", "RFC 9293 3.10.7.4 second", "\"connection reset\""},
        {{"ESTABLISHED", "ABORT"}, "ABORT", "<SEQ=1><CTL=RST>", "CLOSED", "RFC 9293 3.10.5"},
        {{"FIN-WAIT-1", "ACK"}, "rcv ACK of our FIN", "nothing", "FIN-WAIT-2", "RFC 9293 3.10.7.4 fifth: FIN-WAIT-1"},
        {{"FIN-WAIT-1", "ACK", "ack=dup"}, "rcv ACK", "nothing", "FIN-WAIT-1", "RFC 9293 3.10.7.4 fifth"},
        {{"FIN-WAIT-1", "FIN,ACK", "ack=dup"}, "rcv FIN", "<SEQ=2><ACK=10><CTL=ACK>", "CLOSING",
         "RFC 9293 3.10.7.4 eighth: simultaneous close", "\"connection closing\" (the peer's FIN)"},
        {{"FIN-WAIT-1", "RTO"}, "retransmission timeout", "<SEQ=1><ACK=9><CTL=FIN,ACK>", "FIN-WAIT-1",
         "RFC 9293 3.10.8 retransmission timeout"},
        {{"FIN-WAIT-1", "RTO-EXHAUSTED"}, "retries exhausted", "nothing", "CLOSED", "RFC 9293 3.8.3 R2",
         "\"connection timed out\" (retries exhausted)"},
        {{"FIN-WAIT-1", "CLOSE"}, "CLOSE", "nothing", "FIN-WAIT-1", "RFC 9293 3.10.4 connection closing",
         "the call fails: \"error: connection closing\""},
        {{"FIN-WAIT-2", "FIN,ACK"}, "rcv FIN+ACK of our FIN", "<SEQ=2><ACK=10><CTL=ACK>", "TIME-WAIT", "RFC 9293 3.10.7.4 eighth"},
        {{"CLOSE-WAIT", "CLOSE"}, "CLOSE", "<SEQ=1><ACK=10><CTL=FIN,ACK>", "LAST-ACK", "RFC 9293 3.10.4"},
        {{"CLOSING", "ACK"}, "rcv ACK of our FIN", "nothing", "TIME-WAIT", "RFC 9293 3.10.7.4 fifth: CLOSING"},
        {{"LAST-ACK", "ACK"}, "rcv ACK of our FIN", "nothing", "CLOSED", "RFC 9293 3.10.7.4 fifth: LAST-ACK"},
        {{"LAST-ACK", "FIN,ACK", "seq=old", "ack=dup"}, "rcv FIN", "<SEQ=2><ACK=10><CTL=ACK>", "LAST-ACK",
         "RFC 9293 3.10.7.4 eighth: retransmitted FIN"},
        {{"TIME-WAIT", "FIN,ACK", "seq=old"}, "rcv FIN+ACK of our FIN", "<SEQ=2><ACK=10><CTL=ACK>", "TIME-WAIT",
         "RFC 9293 3.10.7.4 eighth: TIME-WAIT, ACK and restart 2 MSL"},
        {{"TIME-WAIT", "TIME-WAIT-TIMEOUT"}, "TIME-WAIT timeout", "nothing", "CLOSED", "RFC 9293 3.10.8 time-wait timeout"},
        {{"TIME-WAIT", "ABORT"}, "ABORT", "nothing", "CLOSED", "RFC 9293 3.10.5 delete TCB, no RST"},
        {{"FIN-WAIT-2", "FIN-WAIT-2-TIMEOUT", "--profile", "linux"}, "FIN-WAIT-2 timeout", "nothing", "CLOSED",
         "Linux tcp_fin_timeout"},
        {{"CLOSE-WAIT", "USER-TIMEOUT"}, "user timeout", "nothing", "CLOSED", "RFC 9293 3.10.8 user timeout",
         "\"connection aborted due to user timeout\""},
    };
    for (const auto& e : rows) {
        std::string shown;
        for (const auto& a : e.args) shown += a + " ";
        const auto r = step(e.args);
        INFO("tcpv step " << shown << "\n" << r.out << r.err);
        CHECK(r.status == 0);
        CHECK(r.err.empty());
        CHECK(field(r.out, "classified") == e.classified);
        CHECK(field(r.out, "sends") == e.sends);
        CHECK(starts_with(field(r.out, "next"), e.next + " "));
        CHECK(starts_with(field(r.out, "cite"), e.cite));
        CHECK(field(r.out, "user") == e.user);
    }
}

TEST_CASE("a timer with no row in the state: no row, nothing happens, exit 0") {
    const auto r = step({"ESTABLISHED", "RTO"});
    INFO(r.out, r.err);
    CHECK(r.status == 0);
    CHECK(contains(field(r.out, "row"), "none: the table has no row for retransmission timeout in ESTABLISHED"));
    CHECK_FALSE(contains(r.out, "\ncite"));
    // The FIN-WAIT-2 limit is Linux's: under RFC 9293 the row exists but the timer never runs.
    const auto fw2 = step({"FIN-WAIT-1", "ACK"});
    CHECK(contains(field(fw2.out, "timers"), "no FIN-WAIT-2 timer"));
    const auto fw2_linux = step({"FIN-WAIT-1", "ACK", "--profile", "linux"});
    CHECK(contains(field(fw2_linux.out, "timers"), "FIN-WAIT-2 timer started (tcp_fin_timeout = 60 s)"));
}

TEST_CASE("step --table: one line per row, deterministic, readable like the RFC") {
    const auto a = step({"--table"});
    const auto b = step({"--table"});
    REQUIRE(a.status == 0);
    CHECK(a.err.empty());
    CHECK(a.out == b.out);  // byte-identical across runs
    const auto lines = lines_of(a.out);
    REQUIRE(lines.size() == tcpv::tcp::rfc9293_table::size);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        INFO(lines[i]);
        const std::string number = std::to_string(i + 1);
        const auto first = lines[i].find_first_not_of(' ');
        CHECK(lines[i].compare(first, number.size() + 2, number + "  ") == 0);
        CHECK(contains(lines[i], "-> "));
        CHECK(contains(lines[i], std::string(tcpv::tcp::rfc9293_table::rows[i].cite)));
        CHECK(lines[i].back() != ' ');
    }
    // Columns are aligned: the "-> " of every line starts at the same offset.
    const auto arrow = lines[0].find("-> ");
    for (const auto& l : lines) CHECK(l.find("  -> ") + 2 == arrow);
    // A few rows as a reader finds them.
    CHECK(contains(a.out, "FIN-WAIT-1"));
    CHECK(contains(a.out, "when rfc1337"));
    CHECK(contains(a.out, "any segment but RST"));
    // The row numbers that `tcpv step` reports are those of the table.
    const auto s = step({"FIN-WAIT-1", "FIN,ACK", "ack=of-fin"});
    const std::string row = field(s.out, "row");
    const std::size_t n = std::stoul(row.substr(0, row.find(':')));
    REQUIRE(n >= 1);
    REQUIRE(n <= lines.size());
    CHECK(contains(lines[n - 1], "-> TIME-WAIT"));
    CHECK(contains(lines[n - 1], "FIN-WAIT-1 -> TIME-WAIT"));  // its citation
}

TEST_CASE("step: bad input names the problem and what is allowed, exit 2, nothing on stdout") {
    struct bad_case {
        std::vector<std::string> args;
        std::string message;
    };
    const std::vector<bad_case> cases = {
        {{}, "step needs a STATE and an EVENT, or --table"},
        {{"ESTABLISHED"}, "step needs an EVENT after the state ESTABLISHED; the events are user calls"},
        {{"FIN-WAIT-3", "ACK"}, "unknown state 'FIN-WAIT-3'; the states are CLOSED, LISTEN, SYN-SENT"},
        {{"ESTABLISHED", "PUSH"}, "unknown event 'PUSH'; the events are user calls (OPEN, OPEN-PASSIVE"},
        {{"ESTABLISHED", "SYN,URG"}, "no control bit 'URG'"},
        {{"ESTABLISHED", "ACK,ACK"}, "names ACK twice"},
        {{"ESTABLISHED", "ACK", "window=0"}, "unknown qualifier 'window=0'; the qualifiers are seq="},
        {{"ESTABLISHED", "ACK", "seq=later"}, "unknown qualifier value 'seq=later'; seq= takes next, in-window, old, outside"},
        {{"ESTABLISHED", "ACK", "ack=maybe"}, "unknown qualifier value 'ack=maybe'; ack= takes of-fin, new, dup, ahead"},
        {{"ESTABLISHED", "ACK", "seq=16"}, "number from 0 to 15"},
        {{"ESTABLISHED", "ACK", "seq=old", "seq=next"}, "'seq=' is given twice"},
        {{"ESTABLISHED", "ACK", "data", "data"}, "'data' is given twice"},
        {{"ESTABLISHED", "SYN", "ack=new"}, "ack= contradicts the segment 'SYN': it has no ACK bit"},
        {{"ESTABLISHED", "ACK", "ack=of-fin"}, "ack=of-fin contradicts the state: ESTABLISHED has sent no FIN; here ack= may be dup, ahead"},
        {{"ESTABLISHED", "ACK", "ack=new"}, "ack=new contradicts the state: in ESTABLISHED nothing is unacknowledged"},
        {{"TIME-WAIT", "ACK", "ack=new"}, "here ack= may be of-fin, dup, ahead"},
        {{"ESTABLISHED", "CLOSE", "data"}, "CLOSE is a user call and takes no qualifiers"},
        {{"TIME-WAIT", "RTO", "seq=old"}, "RTO is a timer expiry and takes no qualifiers"},
        {{"ESTABLISHED", "CLOSE", "--profile"}, "--profile needs a value: rfc9293 or linux"},
        {{"ESTABLISHED", "CLOSE", "--profile", "freebsd"}, "unknown profile 'freebsd'; the profiles are rfc9293 and linux"},
        {{"ESTABLISHED", "CLOSE", "--rfc-1337"}, "unknown option '--rfc-1337' for step; the options are --profile"},
        {{"--table", "--profile", "linux"}, "--table prints every row and takes no other arguments"},
        {{"--table", "ESTABLISHED"}, "--table prints every row and takes no other arguments"},
    };
    for (const auto& c : cases) {
        std::string shown;
        for (const auto& a : c.args) shown += a + " ";
        INFO("tcpv step " << shown);
        const auto r = step(c.args);
        CHECK(r.status == 2);
        CHECK(r.out.empty());
        CHECK_MESSAGE(contains(r.err, c.message), r.err);
        CHECK(contains(r.err, "(see `tcpv step --help`)"));
    }
}

TEST_CASE("step is listed by tcpv --help and documents itself") {
    const auto h = run_tcpv({"--help"});
    CHECK(h.status == 0);
    CHECK(contains(h.out, "more commands:\n  tcpv step ..."));
    const auto sh = step({"--help"});
    CHECK(sh.status == 0);
    CHECK(contains(sh.out, "tcpv step --table"));
    CHECK(contains(sh.out, "ack=of-fin"));
    CHECK(contains(sh.out, "--profile P"));
    const auto unknown = run_tcpv({"frobnicate"});
    CHECK(unknown.status == 2);
    CHECK(contains(unknown.err, "the commands are list, check, sweep and replay; also step"));
}
