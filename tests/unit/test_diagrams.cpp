// Diagrams of issue 7: the TCP transition table as a state diagram (models/tcpv/tcp/
// table_diagram.hpp) per profile, a counterexample as a path diagram (include/tcpv/
// trace_diagram.hpp), and `tcpv dot` run as a user runs it.
//
// Golden files: docs/diagrams/tcp-rfc9293.dot and tcp-linux.dot are compared byte for byte
// with what the table draws now, and docs/diagrams/lost-final-ack.dot (the README's chart)
// with what `tcpv dot close --graph msc` draws now, so the checked-in diagrams (and the SVGs rendered from them)
// cannot fall behind the table. After a deliberate change to the table or the drawing,
// regenerate them with either
//   TCPV_UPDATE_GOLDEN=1 build/bin/test_diagrams        (rewrites the .dot files), or
//   cmake --build build --target diagrams              (rewrites the .dot and the .svg files)
// and commit the result (the target is the one to use: it renders the SVGs as well).
//
// Every DOT text made here is rendered by the real Graphviz `dot` (TCPV_DOT_PROGRAM).
#include <doctest/doctest.h>

#include <tcpv/tcp/table_diagram.hpp>
#include <tcpv/trace_diagram.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../support/run_program.hpp"

namespace fs = std::filesystem;

namespace {

fs::path scratch() {
    const fs::path dir = fs::path(TCPV_BINARY_DIR) / "tests" / "scratch" / "test_diagrams";
    fs::create_directories(dir);
    return dir;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

/// Renders `dot_text` with the real dot; the SVG text, or "" when dot failed (reported).
std::string render_svg(const std::string& dot_text, const std::string& name) {
    const fs::path in = scratch() / (name + ".dot"), out = scratch() / (name + ".svg");
    std::ofstream(in, std::ios::binary | std::ios::trunc) << dot_text;
    const auto r = tcpv_test::run_program({TCPV_DOT_PROGRAM, "-Tsvg", "-o", out.string(), in.string()}, 60);
    INFO("dot said: " << r.err);
    CHECK(r.status == 0);
    // dot reports label problems as warnings and still exits 0: none are expected.
    CHECK(r.err.empty());
    const std::string svg = tcpv_test::slurp(out.string());
    CHECK(contains(svg, "</svg>"));
    return r.status == 0 ? svg : "";
}

/// The line that draws edge `from -> to` of path `path` (by its id), or "".
std::string edge_line(const std::string& dot, const std::string& from, const std::string& to, const std::string& path) {
    const std::string id = "[id=\"" + from + "__" + to + "__" + path + "\"";
    const auto at = dot.find(id);
    if (at == std::string::npos) return {};
    const auto begin = dot.rfind('\n', at) + 1;
    return dot.substr(begin, dot.find('\n', at) - begin);
}

tcpv_test::program_output run_tcpv(std::vector<std::string> args) {
    args.insert(args.begin(), TCPV_PROGRAM);
    return tcpv_test::run_program(args, 120);
}

}  // namespace

TEST_CASE("the table diagrams equal the checked-in golden files docs/diagrams/*.dot") {
    const bool update = std::getenv("TCPV_UPDATE_GOLDEN") && std::string(std::getenv("TCPV_UPDATE_GOLDEN")) == "1";
    for (const std::string profile : {"rfc9293", "linux"}) {
        CAPTURE(profile);
        const std::string now = tcpv::tcp::table_diagram(tcpv::tcp::table_profile(profile));
        const fs::path golden = fs::path(TCPV_SOURCE_DIR) / "docs" / "diagrams" / ("tcp-" + profile + ".dot");
        if (update) {
            std::ofstream(golden, std::ios::binary | std::ios::trunc) << now;
            MESSAGE("rewrote " << golden.string());
        }
        INFO("regenerate with `cmake --build build --target diagrams` (or TCPV_UPDATE_GOLDEN=1 build/bin/test_diagrams)");
        CHECK(tcpv_test::slurp(golden.string()) == now);
        // The same model gives the same bytes.
        CHECK(tcpv::tcp::table_diagram(tcpv::tcp::table_profile(profile)) == now);
        render_svg(now, "table-" + profile);
    }
}

TEST_CASE("the README's lost-final-ACK chart equals docs/diagrams/lost-final-ack.dot") {
    const bool update = std::getenv("TCPV_UPDATE_GOLDEN") && std::string(std::getenv("TCPV_UPDATE_GOLDEN")) == "1";
    // The same command as the `diagrams` target (models/CMakeLists.txt).
    const auto now = run_tcpv({"dot", "close", "--graph", "msc", "--set", "time_wait=1", "--set", "reordering=off"});
    REQUIRE(now.status == 0);
    const fs::path golden = fs::path(TCPV_SOURCE_DIR) / "docs" / "diagrams" / "lost-final-ack.dot";
    if (update) {
        std::ofstream(golden, std::ios::binary | std::ios::trunc) << now.out;
        MESSAGE("rewrote " << golden.string());
    }
    INFO("regenerate with `cmake --build build --target diagrams` (or TCPV_UPDATE_GOLDEN=1 build/bin/test_diagrams)");
    CHECK(tcpv_test::slurp(golden.string()) == now.out);
    // It tells the story the README tells: the final ACK lost, the FIN answered by RST.
    CHECK(now.out.find(" lost\"") != std::string::npos);
    CHECK(now.out.find("<CTL=RST>") != std::string::npos);
    CHECK(now.out.find("TIME-WAIT timer expires") != std::string::npos);
    render_svg(now.out, "lost-final-ack");
    CHECK(tcpv_test::slurp((fs::path(TCPV_SOURCE_DIR) / "docs" / "diagrams" / "lost-final-ack.svg").string()).find("</svg>") !=
          std::string::npos);
}

TEST_CASE("FIN-WAIT-1 -> TIME-WAIT (FIN+ACK of our FIN) is drawn and marked as absent from the RFC figure") {
    for (const std::string profile : {"rfc9293", "linux", "freebsd", "windows"}) {
        CAPTURE(profile);
        const std::string dot = tcpv::tcp::table_diagram(tcpv::tcp::table_profile(profile));
        const std::string e = edge_line(dot, "FIN_WAIT_1", "TIME_WAIT", "close");
        REQUIRE(!e.empty());
        CHECK(contains(e, "rcv FIN+ACK of our FIN / snd ACK"));
        CHECK(contains(e, "NOT IN RFC FIGURE 5"));
        CHECK(contains(e, "color=purple"));
        // The figure's own arcs are not marked.
        const std::string fw2 = edge_line(dot, "FIN_WAIT_2", "TIME_WAIT", "close");
        REQUIRE(!fw2.empty());
        CHECK(!contains(fw2, "NOT IN RFC FIGURE"));
        CHECK(!contains(edge_line(dot, "ESTABLISHED", "FIN_WAIT_1", "close"), "NOT IN RFC FIGURE"));
    }
}

TEST_CASE("profiles draw their own rows: FIN-WAIT-2 limit, RST on close with unread data, RFC 1337") {
    const std::string rfc = tcpv::tcp::table_diagram(tcpv::tcp::table_profile("rfc9293"));
    const std::string linux = tcpv::tcp::table_diagram(tcpv::tcp::table_profile("linux"));
    // Linux gives up on an orphaned FIN-WAIT-2 (tcp_fin_timeout); RFC 9293 has no such limit.
    CHECK(edge_line(rfc, "FIN_WAIT_2", "CLOSED", "give-up").empty());
    CHECK(contains(edge_line(linux, "FIN_WAIT_2", "CLOSED", "give-up"), "FIN-WAIT-2 timeout"));
    CHECK(!contains(edge_line(rfc, "ESTABLISHED", "CLOSED", "reset"), "unread data"));
    CHECK(contains(edge_line(linux, "ESTABLISHED", "CLOSED", "reset"), "[unread data] CLOSE / snd RST"));
    CHECK(contains(rfc, "rows off in this profile: unread data, SO_LINGER 0, rfc1337"));
    // RFC 1337 on: TIME-WAIT ignores a RST, so the reset edge out of TIME-WAIT disappears.
    auto p = tcpv::tcp::table_profile("rfc9293");
    CHECK(contains(edge_line(rfc, "TIME_WAIT", "CLOSED", "reset"), "rcv RST"));
    p.config.rfc1337 = true;
    const std::string r1337 = tcpv::tcp::table_diagram(p);
    CHECK(edge_line(r1337, "TIME_WAIT", "CLOSED", "reset").empty());
    // SO_LINGER 0: CLOSE always resets, so the graceful CLOSE edge out of ESTABLISHED goes too.
    p = tcpv::tcp::table_profile("rfc9293");
    p.config.linger_abort = true;
    const std::string linger = tcpv::tcp::table_diagram(p);
    CHECK(contains(edge_line(linger, "ESTABLISHED", "CLOSED", "reset"), "[SO_LINGER 0] CLOSE / snd RST"));
    CHECK(contains(edge_line(linger, "ESTABLISHED", "FIN_WAIT_1", "close"), "SHUTDOWN / snd FIN"));
    CHECK(!contains(edge_line(linger, "ESTABLISHED", "FIN_WAIT_1", "close"), "CLOSE,"));
    render_svg(r1337, "table-rfc1337");
    render_svg(linger, "table-linger");
}

TEST_CASE("a trace as a path diagram: steps, actions, a lasso's loop, awkward labels") {
    tcpv::text_trace t;
    t.steps = {{"init", "a=\"0\"\nb=\\1"}, {"send <SYN>", "a=1"}, {"lose", "a=2"}};
    const std::string path = tcpv::graphviz::trace_path(t, "title");
    CHECK(contains(path, "t0 -> t1 [label=\"send <SYN>\"]"));
    CHECK(contains(path, "t1 -> t2 [label=\"lose\"]"));
    CHECK(!contains(path, "loop"));
    render_svg(path, "trace-path");
    t.end = tcpv::trace_end::cycle;
    t.loop_start = 1;
    const std::string lasso = tcpv::graphviz::trace_path(t);
    CHECK(contains(lasso, "t2 -> t1 [style=dashed"));
    render_svg(lasso, "trace-lasso");
    t.end = tcpv::trace_end::deadlock;
    CHECK(contains(tcpv::graphviz::trace_path(t), "xlabel=\"deadlock\""));
}

TEST_CASE("tcpv dot: table, states and trace graphs render; output is deterministic") {
    const auto table = run_tcpv({"dot", "tcp", "--graph", "table", "--profile", "linux"});
    CHECK(table.status == 0);
    CHECK(table.out == tcpv::tcp::table_diagram(tcpv::tcp::table_profile("linux")));
    CHECK(run_tcpv({"dot", "close", "--graph", "table"}).out ==
          tcpv::tcp::table_diagram(tcpv::tcp::table_profile("rfc9293")));
    const auto knob = run_tcpv({"dot", "tcp", "--graph", "table", "--set", "rfc1337=1"});
    CHECK(knob.status == 0);
    CHECK(contains(knob.out, "profile rfc9293, rfc1337=1"));
    CHECK(edge_line(knob.out, "TIME_WAIT", "CLOSED", "reset").empty());

    const auto states = run_tcpv({"dot", "mutex", "--graph", "states", "--set", "variant=naive"});
    CHECK(states.status == 0);
    CHECK(contains(states.out, "color=red"));  // the counterexample highlighted
    CHECK(run_tcpv({"dot", "mutex", "--graph", "states", "--set", "variant=naive"}).out == states.out);
    render_svg(states.out, "cli-states");

    const auto trace = run_tcpv({"dot", "mutex", "--graph", "trace", "--set", "variant=naive"});
    CHECK(trace.status == 0);
    CHECK(contains(trace.out, "counterexample to"));
    CHECK(run_tcpv({"dot", "mutex", "--graph", "trace", "--set", "variant=naive"}).out == trace.out);
    render_svg(trace.out, "cli-trace");

    // A liveness counterexample is a lasso; a deadlock is marked.
    const auto lasso = run_tcpv({"dot", "lossy-link", "--graph", "trace", "--set", "fairness=none"});
    CHECK(lasso.status == 0);
    CHECK(contains(lasso.out, "label=\"loop (the same state)\""));
    render_svg(lasso.out, "cli-lasso");
    const auto deadlock = run_tcpv({"dot", "philosophers", "--graph", "trace", "--set", "variant=naive"});
    CHECK(deadlock.status == 0);
    CHECK(contains(deadlock.out, "xlabel=\"deadlock\""));
    render_svg(deadlock.out, "cli-deadlock");
}

TEST_CASE("tcpv dot -o: .svg is rendered, .dot is the DOT text, a missing dot is said") {
    const fs::path svg = scratch() / "cli.svg", dot = scratch() / "cli.dot";
    fs::remove(svg);
    const auto r = run_tcpv({"dot", "tcp", "--graph", "table", "-o", svg.string()});
    CHECK(r.status == 0);
    CHECK(r.out.empty());
    CHECK(contains(tcpv_test::slurp(svg.string()), "</svg>"));
    CHECK(contains(tcpv_test::slurp(svg.string()), "FIN_WAIT_1__TIME_WAIT__close"));
    CHECK(run_tcpv({"dot", "tcp", "--graph", "table", "-o", dot.string()}).status == 0);
    CHECK(tcpv_test::slurp(dot.string()) == tcpv::tcp::table_diagram(tcpv::tcp::table_profile("rfc9293")));

    ::setenv("TCPV_DOT", "/nonexistent/dot", 1);
    const auto missing = run_tcpv({"dot", "tcp", "--graph", "table", "-o", (scratch() / "missing.svg").string()});
    ::unsetenv("TCPV_DOT");
    CHECK(missing.status == 1);
    CHECK(contains(missing.err, "the Graphviz program `dot` was not found"));
}

TEST_CASE("tcpv dot: bad input is exit 2 with a message and nothing on stdout") {
    struct bad {
        std::vector<std::string> args;
        std::string says;
    };
    const std::vector<bad> cases = {
        {{"dot"}, "needs a MODEL"},
        {{"dot", "tcp"}, "needs --graph"},
        {{"dot", "tcp", "--graph"}, "--graph needs a value"},
        {{"dot", "tcp", "--graph", "pie"}, "unknown graph 'pie'"},
        {{"dot", "tcp", "--graph", "table", "--profile", "solaris"}, "unknown profile 'solaris'"},
        {{"dot", "tcp", "--graph", "table", "--set", "rfc1337=2"}, "takes 0 or 1"},
        {{"dot", "tcp", "--graph", "table", "--set", "window=3"}, "unknown table knob 'window'"},
        {{"dot", "tcp", "--graph", "table", "--set", "fin_wait_2=99"}, "ticks from 0 to 15"},
        {{"dot", "mutex", "--graph", "table"}, "MODEL is `tcp` or a TCP model"},
        {{"dot", "nosuch", "--graph", "states"}, "unknown model 'nosuch'"},
        {{"dot", "mutex", "--graph", "states", "--set", "nosuch=1"}, "unknown parameter 'nosuch'"},
        {{"dot", "mutex", "--graph", "states", "--profile", "linux"}, "--profile applies to --graph table"},
        {{"dot", "tcp", "--graph", "table", "--max-states", "5"}, "--max-states applies"},
        {{"dot", "mutex", "--graph", "states", "--max-states", "zero"}, "--max-states needs a count"},
        {{"dot", "close", "--graph", "states"}, "has more than 500 states"},
        {{"dot", "tcp", "--graph", "table", "--bogus"}, "unknown option '--bogus'"},
        {{"dot", "tcp", "extra", "--graph", "table"}, "unexpected argument 'extra'"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.says);
        const auto r = run_tcpv(c.args);
        CHECK(r.status == 2);
        CHECK(r.out.empty());
        CHECK(contains(r.err, c.says));
    }
    // No counterexample: said, exit 1, nothing written.
    const auto none = run_tcpv({"dot", "mutex", "--graph", "trace"});
    CHECK(none.status == 1);
    CHECK(none.out.empty());
    CHECK(contains(none.err, "no counterexample"));
    CHECK(run_tcpv({"dot", "--help"}).status == 0);
}

TEST_CASE("tcpv dot --graph endpoints: the close model projected onto the pair of endpoint states") {
    const auto r = run_tcpv({"dot", "close", "--graph", "endpoints", "--set", "time_wait=1"});
    REQUIRE(r.status == 0);
    const std::string& dot = r.out;
    // The 19,571 states become pairs of RFC states; the first is the initial pair.
    CHECK(contains(dot, "states projected onto"));
    CHECK(contains(dot, "p0 [label=\"A: ESTABLISHED / B: ESTABLISHED\\n(1 state)\""));
    CHECK(contains(dot, "A: CLOSED / B: CLOSED"));
    // The counterexample's projected path is red, and ends in a reset: its last pair is drawn red.
    CHECK(contains(dot, "color=red"));
    // No edge from a projection to itself, and the same bytes on a second run.
    for (std::size_t at = dot.find(" -> "); at != std::string::npos; at = dot.find(" -> ", at + 1)) {
        const auto begin = dot.rfind('\n', at) + 1;
        const std::string from = dot.substr(begin + 2, at - begin - 2);
        const auto to_end = dot.find(' ', at + 4);
        CHECK(from != dot.substr(at + 4, to_end - at - 4));
    }
    CHECK(run_tcpv({"dot", "close", "--graph", "endpoints", "--set", "time_wait=1"}).out == dot);
    CHECK_FALSE(render_svg(dot, "close-endpoints").empty());
    // A model without two endpoints is refused, naming the models that have a projection.
    const auto bad = run_tcpv({"dot", "port-reuse", "--graph", "endpoints"});
    CHECK(bad.status == 2);
    CHECK(bad.out.empty());
    CHECK(contains(bad.err, "model 'port-reuse' has no projection of its states; the models that have one: close"));
    // Larger models too: handshake's 32,904 states.
    const auto hs = run_tcpv({"dot", "handshake", "--graph", "endpoints"});
    CHECK(hs.status == 0);
    CHECK(contains(hs.out, "32904 states projected onto"));
}
