// The differential driver (include/tcpv/conformance.hpp) on TCP endpoints: the reference agrees
// with itself (copied or replayed), and every mutant of it (a realistic bug) is caught, with a
// shortest trace that shows both sides' outputs.
#include <doctest/doctest.h>

#include <tcpv/conformance.hpp>
#include <tcpv/graphviz.hpp>
#include <tcpv/tcp/conformance.hpp>

#include "../support/run_program.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <cstdio>
#include <string>

namespace cf = tcpv::tcp::conformance;

namespace {

// The reference behind an adapter that cannot be copied, as a C stack with global state:
// the driver must reset it and replay each path.
class uncopyable_endpoint {
public:
    using input = cf::input;
    using output = cf::output;
    using observation = cf::observation;
    uncopyable_endpoint() = default;
    uncopyable_endpoint(const uncopyable_endpoint&) = delete;
    uncopyable_endpoint& operator=(const uncopyable_endpoint&) = delete;
    void reset() { e_.reset(); }
    output apply(const input& in) { return e_.apply(in); }
    [[nodiscard]] observation observe() const { return e_.observe(); }

private:
    cf::reference_endpoint<> e_;
};
static_assert(tcpv::conformance::adapter<uncopyable_endpoint>);
static_assert(!std::copy_constructible<uncopyable_endpoint>);

constexpr std::size_t depth = 12;

}  // namespace

TEST_CASE("differential: the reference agrees with itself, copied or replayed") {
    cf::reference_endpoint<> impl;
    const auto copied = tcpv::conformance::explore(impl, cf::reference_endpoint<>{}, cf::peer_environment{}, depth);
    CHECK_FALSE(copied.found);
    CHECK(copied.stats.states > 100);
    CHECK(copied.stats.replayed == 0);
    uncopyable_endpoint replayed_impl;
    const auto replayed =
        tcpv::conformance::explore(replayed_impl, cf::reference_endpoint<>{}, cf::peer_environment{}, depth);
    CHECK_FALSE(replayed.found);
    CHECK(replayed.stats.states == copied.stats.states);
    CHECK(replayed.stats.steps == copied.stats.steps);
    CHECK(replayed.stats.replayed > 0);
    MESSAGE("reference states to depth ", depth, ": ", copied.stats.states, ", inputs ", copied.stats.steps);
}

TEST_CASE("differential: every mutant is caught, with a shortest trace") {
    for (const cf::bug b : cf::all_bugs) {
        CAPTURE(cf::bug_name(b));
        cf::mutant_endpoint<> impl(b);
        const auto start = std::chrono::steady_clock::now();
        const auto r = tcpv::conformance::explore(impl, cf::reference_endpoint<>{}, cf::peer_environment{}, depth);
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        REQUIRE(r.found);
        const auto& d = *r.found;
        CHECK_FALSE(d.steps.empty());
        CHECK((d.what == "outputs differ" || d.what == "observations differ"));
        // Shortest: one input fewer finds nothing.
        cf::mutant_endpoint<> again(b);
        CHECK_FALSE(tcpv::conformance::explore(again, cf::reference_endpoint<>{}, cf::peer_environment{},
                                               d.steps.size() - 1)
                        .found);
        const std::string text = d.text();
        CHECK(text.find("reference:") != std::string::npos);
        CHECK(text.find("implementation:") != std::string::npos);
        CHECK(text.find("<- " + d.what) != std::string::npos);
        MESSAGE(cf::bug_name(b), ": caught after ", d.steps.size(), " inputs (", r.stats.steps, " explored, ", ms,
                " ms), ", d.what, "\n", text);
    }
}

TEST_CASE("differential: the last step of a caught mutant is where the bug lives") {
    auto last_of = [](cf::bug b) {
        cf::mutant_endpoint<> impl(b);
        const auto r = tcpv::conformance::explore(impl, cf::reference_endpoint<>{}, cf::peer_environment{}, depth);
        REQUIRE(r.found);
        return r.found->steps.back();
    };
    const auto tw = last_of(cf::bug::no_time_wait);
    CHECK(tw.reference_observation == "TIME-WAIT");
    CHECK(tw.implementation_observation == "CLOSED");
    const auto rst = last_of(cf::bug::rst_from_time_wait);
    CHECK(rst.reference_observation == "TIME-WAIT");
    CHECK(rst.implementation_output.find("RST") != std::string::npos);
    const auto cw = last_of(cf::bug::close_wait_ignores_close);
    CHECK(cw.input == "CLOSE");
    CHECK(cw.implementation_output == "nothing");
    CHECK(cw.reference_output.find("FIN") != std::string::npos);
}

TEST_CASE("differential: a disagreement exported as JSON and as a regression test that compiles and replays") {
    cf::mutant_endpoint<> impl(cf::bug::close_wait_ignores_close);
    const auto r = tcpv::conformance::explore(impl, cf::reference_endpoint<>{}, cf::peer_environment{}, depth);
    REQUIRE(r.found);
    const auto& d = *r.found;
    CHECK(d.inputs.size() == d.steps.size());
    // JSON: parsed back by tcpv's own strict reader.
    const auto json = tcpv::detail::parse_json(d.json());  // throws on malformed JSON
    CHECK(json.kind == tcpv::detail::json_value::type::object);
    CHECK(d.json().find("\"what\":\"outputs differ\"") != std::string::npos);
    CHECK(d.json().find("\"implementation\":{\"output\":\"nothing\",\"state\":\"LAST-ACK\"}") != std::string::npos);
    // The regression test: fails on the buggy adapter, passes on the reference.
    const std::string dir = std::string(TCPV_BINARY_DIR) + "/conformance_regression";
    std::filesystem::create_directories(dir);
    const std::string source = dir + "/regression.cpp", program = dir + "/regression";
    {
        std::ofstream f(source);
        f << "#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN\n#include <doctest/doctest.h>\n"
          << "#include <tcpv/conformance.hpp>\n#include <tcpv/tcp/conformance.hpp>\n"
          << "struct buggy : tcpv::tcp::conformance::mutant_endpoint<> {\n"
          << "    buggy() : mutant_endpoint(tcpv::tcp::conformance::bug::close_wait_ignores_close) {}\n};\n"
          << cf::regression_test(d, "buggy", "regression: still buggy")
          << cf::regression_test(d, "reference_endpoint<>", "regression: fixed");
    }
    const auto compiled = tcpv_test::run_program({TCPV_CXX_COMPILER, "-std=c++20", "-I" + std::string(TCPV_SOURCE_DIR) + "/include",
                                                  "-I" + std::string(TCPV_SOURCE_DIR) + "/models", source, "-o", program},
                                                 300);
    CAPTURE(compiled.err);
    REQUIRE(compiled.status == 0);
    const auto ran = tcpv_test::run_program({program}, 60);
    CAPTURE(ran.out);
    CHECK(ran.status != 0);
    CHECK(ran.out.find("regression: still buggy") != std::string::npos);
    CHECK(ran.out.find("test cases: 2 | 1 passed | 1 failed") != std::string::npos);
}

TEST_CASE("differential: a disagreement as a message sequence chart that dot renders") {
    cf::mutant_endpoint<> impl(cf::bug::rst_from_time_wait);
    const auto r = tcpv::conformance::explore(impl, cf::reference_endpoint<>{}, cf::peer_environment{}, depth);
    REQUIRE(r.found);
    const std::string dot = tcpv::graphviz::message_sequence_chart(*r.found);
    CHECK(dot == tcpv::graphviz::message_sequence_chart(*r.found));  // deterministic
    CHECK(dot.find("first disagreement: outputs differ") != std::string::npos);
    CHECK(dot.find("color=red") != std::string::npos);
    CHECK(dot.find("TIME-WAIT") != std::string::npos);
    const std::string svg = std::string(TCPV_BINARY_DIR) + "/conformance_regression/chart.svg";
    std::filesystem::create_directories(std::string(TCPV_BINARY_DIR) + "/conformance_regression");
    CHECK(tcpv::graphviz::render(dot, svg).empty());
    std::ifstream in(svg);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text.find("<svg") != std::string::npos);
    CHECK(text.find("implementation") != std::string::npos);
}
