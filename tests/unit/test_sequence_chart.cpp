// Message sequence charts of pair traces (models/tcpv/tcp/sequence_chart.hpp): the structure of
// the chart of the close model's lost-final-ACK counterexample (lifelines, arrows, lost marks,
// timer expiries, state changes), every chart rendered by the real `dot` without warnings, and
// `tcpv check --msc` / `tcpv dot --graph msc` run as a user runs them, errors included.
// The golden docs/diagrams/lost-final-ack.dot is compared in test_diagrams.cpp.
#include <doctest/doctest.h>

#include <tcpv/checker.hpp>
#include <tcpv/tcp/models/close.hpp>
#include <tcpv/tcp/sequence_chart.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../support/run_program.hpp"

namespace fs = std::filesystem;

namespace {

fs::path scratch() {
    const fs::path dir = fs::path(TCPV_BINARY_DIR) / "tests" / "scratch" / "test_sequence_chart";
    fs::create_directories(dir);
    return dir;
}

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

std::size_t count(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
    return n;
}

/// The line of the DOT text that draws segment arrow `id` ("seg3"), or "".
std::string arrow(const std::string& dot, const std::string& id) {
    const auto at = dot.find("[id=\"" + id + "\"");
    if (at == std::string::npos) return {};
    const auto begin = dot.rfind('\n', at) + 1;
    return dot.substr(begin, dot.find('\n', at) - begin);
}

/// Renders with the real dot: exit 0, no warnings, an SVG.
void renders(const std::string& dot_text, const std::string& name) {
    const fs::path in = scratch() / (name + ".dot"), out = scratch() / (name + ".svg");
    std::ofstream(in, std::ios::binary | std::ios::trunc) << dot_text;
    const auto r = tcpv_test::run_program({TCPV_DOT_PROGRAM, "-Tsvg", "-o", out.string(), in.string()}, 60);
    INFO("dot said: " << r.err);
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    CHECK(contains(tcpv_test::slurp(out.string()), "</svg>"));
}

tcpv_test::program_output run_tcpv(std::vector<std::string> args) {
    args.insert(args.begin(), TCPV_PROGRAM);
    return tcpv_test::run_program(args, 120);
}

const std::vector<std::string> lost_final_ack = {"close", "--set", "time_wait=1", "--set", "reordering=off"};

std::vector<std::string> with(std::vector<std::string> head, const std::vector<std::string>& tail) {
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
}

}  // namespace

TEST_CASE("msc: the lost-final-ACK counterexample of close as a chart") {
    tcpv::tcp::models::close m;
    m.time_wait = 1;
    m.reordering = false;
    const auto r = tcpv::checker(m).run();
    const auto t = r.counterexample("no-reset-after-graceful-close");
    REQUIRE(t);
    const std::string dot = sequence_chart(m, *t, "the title");
    // Lifelines labelled with the endpoint names and their first states, in heads of their own.
    CHECK(contains(dot, "ah [shape=box, style=\"filled,bold\", fillcolor=gray92, label=\"A\\nESTABLISHED\"]"));
    CHECK(contains(dot, "bh [shape=box, style=\"filled,bold\", fillcolor=gray92, label=\"B\\nESTABLISHED\"]"));
    CHECK(contains(dot, "label=\"the title\""));
    // One row per step: a point or a box on each lifeline, chained down.
    const std::string last = std::to_string(t->steps.size() - 1);
    CHECK(contains(dot, "a" + last + " [") );
    CHECK(contains(dot, "b" + last + " ["));
    CHECK(!contains(dot, "a" + std::to_string(t->steps.size()) + " ["));
    CHECK(contains(dot, "ah -> a0 [arrowhead=none"));
    // Every segment an arrow, numbered in sending order; the lost one dashed red into a cross.
    std::size_t lost = 0, delivered = 0;
    for (int k = 1;; ++k) {
        const std::string a = arrow(dot, "seg" + std::to_string(k));
        if (a.empty()) break;
        CHECK(contains(a, "xlabel=\"<SEQ="));
        CHECK(!contains(a, "#"));  // the ghost incarnation is not drawn
        CHECK(contains(a, "constraint=false"));
        if (contains(a, " lost\"")) {
            ++lost;
            CHECK(contains(a, "color=red"));
            CHECK(contains(a, "style=dashed"));
            CHECK(contains(a, " -> m"));  // ends in the network column
        } else if (contains(a, "color=black")) {
            ++delivered;
        }
    }
    CHECK(lost >= 1);
    CHECK(delivered >= 3);
    CHECK(contains(dot, "label=\"×\", fontcolor=red"));
    // The story of the counterexample on the lifelines: the users' CLOSE, TIME-WAIT ending too
    // soon, the FIN retransmitted, and the RST that ends the other side.
    CHECK(count(dot, "CLOSE\\n-> FIN-WAIT-1") == 2);
    CHECK(contains(dot, "TIME-WAIT timer expires\\n-> CLOSED (graceful)"));
    CHECK(contains(dot, "retransmission timeout"));
    CHECK(contains(dot, "-> CLOSED (reset)"));
    CHECK(contains(dot, "<CTL=RST>"));
    CHECK(contains(dot, "tick, t=1"));
    // Deterministic, and drawable.
    CHECK(sequence_chart(m, *t, "the title") == dot);
    renders(dot, "lost-final-ack");
}

TEST_CASE("msc: expired and still-in-flight segments are marked") {
    // A closes; its FIN and the retransmissions are never delivered: with MSL 1 the old copies
    // expire at ticks and the newest is still in flight at the end.
    tcpv::tcp::models::close m;
    m.msl = 1;
    const auto d = m.dynamics();
    struct step {
        tcpv::tcp::pair_action act;
        tcpv::tcp::pair_state st;
    };
    std::vector<step> steps;
    m.init([&](const auto& a, const auto& s) { steps.push_back({a, s}); });
    d.call(steps.back().st, 0, tcpv::tcp::event_id::close, [&](const auto& a, const auto& s) { steps.push_back({a, s}); });
    REQUIRE(steps.size() == 2);
    for (int i = 0; i < 3; ++i) steps.push_back({{tcpv::tcp::pair_action::kind::tick}, d.tick(steps.back().st)});
    const std::string dot = tcpv::tcp::msc::chart_of_pair_steps(steps);
    CHECK(contains(arrow(dot, "seg1"), "a1 -> m"));
    CHECK(contains(arrow(dot, "seg1"), "expired\""));
    CHECK(contains(arrow(dot, "seg1"), "style=dotted"));
    CHECK(contains(dot, "label=\"×\", fontcolor=gray50"));
    CHECK(contains(dot, " in flight\""));
    CHECK(contains(dot, "retransmission timeout"));
    CHECK(!contains(dot, "labelloc"));  // no title asked for
    renders(dot, "expired");
}

TEST_CASE("msc: tcpv check --msc and tcpv dot --graph msc write the same chart") {
    const fs::path file = scratch() / "cli.dot", svg = scratch() / "cli.svg";
    fs::remove(file);
    const auto check = run_tcpv(with({"check"}, with(lost_final_ack, {"--quiet", "--msc", file.string()})));
    CHECK(check.status == 1);
    CHECK(contains(check.out, "violated  always no-reset-after-graceful-close"));
    const std::string chart = tcpv_test::slurp(file.string());
    CHECK(contains(chart, "close: counterexample to no-reset-after-graceful-close"));
    CHECK(contains(chart, " lost\""));
    const auto dot = run_tcpv(with({"dot"}, with(lost_final_ack, {"--graph", "msc"})));
    CHECK(dot.status == 0);
    CHECK(dot.out == chart);
    renders(dot.out, "cli");
    // .svg goes through dot.
    fs::remove(svg);
    CHECK(run_tcpv(with({"check"}, with(lost_final_ack, {"--quiet", "--msc", svg.string()}))).status == 1);
    CHECK(contains(tcpv_test::slurp(svg.string()), "</svg>"));
    CHECK(contains(tcpv_test::slurp(svg.string()), "seg1"));
    fs::remove(svg);
    CHECK(run_tcpv(with({"dot"}, with(lost_final_ack, {"--graph", "msc", "-o", svg.string()}))).status == 0);
    CHECK(contains(tcpv_test::slurp(svg.string()), "</svg>"));
}

TEST_CASE("msc: models without charts, --all, no counterexample and bad usage are said clearly") {
    const fs::path file = scratch() / "none.dot";
    fs::remove(file);
    const auto mutex = run_tcpv({"check", "mutex", "--set", "variant=naive", "--msc", file.string()});
    CHECK(mutex.status == 2);
    CHECK(contains(mutex.err, "--msc: model 'mutex' cannot draw its traces as sequence charts"));
    CHECK(contains(mutex.err, "the models that can: close"));
    CHECK(!fs::exists(file));
    const auto all = run_tcpv({"check", "--all", "--msc", file.string()});
    CHECK(all.status == 2);
    CHECK(contains(all.err, "--msc applies to one model"));
    const auto empty = run_tcpv({"check", "close", "--msc"});
    CHECK(empty.status == 2);
    CHECK(contains(empty.err, "--msc"));
    // Every property holds (a long TIME-WAIT): nothing written, and said.
    const auto holds = run_tcpv({"check", "close", "--set", "time_wait=8", "--quiet", "--msc", file.string()});
    CHECK(holds.status == 0);
    CHECK(contains(holds.err, "no counterexample to draw"));
    CHECK(!fs::exists(file));

    const auto dot_mutex = run_tcpv({"dot", "mutex", "--graph", "msc", "--set", "variant=naive"});
    CHECK(dot_mutex.status == 2);
    CHECK(dot_mutex.out.empty());
    CHECK(contains(dot_mutex.err, "model 'mutex' cannot draw its traces as sequence charts"));
    CHECK(contains(dot_mutex.err, "--graph trace"));
    const auto dot_holds = run_tcpv({"dot", "close", "--graph", "msc", "--set", "time_wait=8"});
    CHECK(dot_holds.status == 1);
    CHECK(dot_holds.out.empty());
    CHECK(contains(dot_holds.err, "no counterexample"));
    CHECK(contains(run_tcpv({"dot", "close", "--graph", "pie"}).err, "table, states, endpoints, trace or msc"));
    CHECK(contains(run_tcpv({"dot", "--help"}).out, "--graph msc"));
    CHECK(contains(run_tcpv({"--help"}).out, "--msc FILE"));
}
