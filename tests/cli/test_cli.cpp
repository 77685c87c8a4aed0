// The tcpv program, run as a user runs it (build/bin/tcpv): commands, exit statuses, the JSON
// report, DOT output, and bad input (a clear message, exit status 2, nothing else happens).
#include <doctest/doctest.h>

#include <tcpv/detail/json.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../support/run_program.hpp"

namespace {

tcpv_test::program_output run_tcpv(std::vector<std::string> args) {
    args.insert(args.begin(), TCPV_PROGRAM);
    return tcpv_test::run_program(args, 300);
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

std::filesystem::path scratch_dir() {
    const auto dir = std::filesystem::path(TCPV_BINARY_DIR) / "test_cli_scratch";
    std::filesystem::create_directories(dir);
    return dir;
}

}  // namespace

TEST_CASE("tcpv list shows every model with its parameters and defaults") {
    const auto r = run_tcpv({"list"});
    CHECK(r.status == 0);
    for (const char* name : {"mutex", "abp", "philosophers", "lossy-link"}) CHECK(contains(r.out, name));
    CHECK(contains(r.out, "variant=peterson"));
}

TEST_CASE("tcpv check --all verifies every model with its defaults") {
    const auto r = run_tcpv({"check", "--all", "--quiet"});
    INFO(r.out, r.err);
    CHECK(r.status == 0);
    CHECK(contains(r.out, "verdict"));
    for (const char* name : {"mutex", "abp", "philosophers", "lossy-link"}) CHECK(contains(r.out, name));
    CHECK_FALSE(contains(r.out, "violated"));
}

TEST_CASE("a violated property: exit 1 and the shortest trace") {
    const auto r = run_tcpv({"check", "mutex", "--set", "variant=naive", "--quiet"});
    INFO(r.out, r.err);
    CHECK(r.status == 1);
    CHECK(contains(r.out, "counterexample to always mutual-exclusion"));
    CHECK(contains(r.out, "   4  "));  // the known shortest trace has 4 steps
    CHECK_FALSE(contains(r.out, "   5  "));
}

TEST_CASE("--json prints one object in the documented format") {
    const auto r = run_tcpv({"check", "mutex", "--set", "variant=naive", "--json", "--quiet"});
    INFO(r.out, r.err);
    REQUIRE(r.status == 1);
    const auto v = tcpv::detail::parse_json(r.out);
    REQUIRE(v.kind == tcpv::detail::json_value::type::object);
    for (const char* key : {"model", "params", "states", "transitions", "depth", "seconds", "peak_rss_bytes", "properties"})
        CHECK_MESSAGE(v.get(key) != nullptr, key);
    CHECK(v.get("model")->text == "mutex");
    CHECK(v.get("params")->get("variant")->text == "naive");
    CHECK(v.get("states")->number == 9);
    CHECK(v.get("transitions")->number == 16);
    bool saw_violation = false;
    for (const auto& p : v.get("properties")->items) {
        for (const char* key : {"name", "kind", "verdict", "trace"}) CHECK_MESSAGE(p.get(key) != nullptr, key);
        if (p.get("name")->text != "mutual-exclusion") continue;
        saw_violation = true;
        CHECK(p.get("kind")->text == "always");
        CHECK(p.get("verdict")->text == "violated");
        const auto& steps = p.get("trace")->items;
        CHECK(steps.size() == 5);  // the initial state and 4 transitions
        for (const auto& s : steps) {
            CHECK(s.get("action") != nullptr);
            CHECK(s.get("state") != nullptr);
        }
    }
    CHECK(saw_violation);
}

TEST_CASE("a search limit gives exit 3 and says which limit") {
    const auto r = run_tcpv({"check", "abp", "--max-states", "5", "--quiet"});
    CHECK(r.status == 3);
    CHECK(contains(r.out, "max-states"));
    CHECK(contains(r.out, "unknown"));
}

TEST_CASE("--expect-states sizes the index and changes no figure") {
    const auto plain = run_tcpv({"check", "teardown", "--quiet"});
    const auto sized = run_tcpv({"check", "teardown", "--expect-states", "12410", "--quiet"});
    CHECK(plain.status == 0);
    CHECK(sized.status == 0);
    CHECK(contains(sized.out, "12410 states, 70486 transitions"));
    CHECK(contains(plain.out, "12410 states, 70486 transitions"));
}

TEST_CASE("the same model gives the same counts and trace for any thread count") {
    const auto one = run_tcpv({"check", "abp", "--set", "seqbits=0", "--json", "--quiet", "--threads", "1"});
    const auto two = run_tcpv({"check", "abp", "--set", "seqbits=0", "--json", "--quiet", "--threads", "2"});
    REQUIRE(one.status == 1);
    REQUIRE(two.status == 1);
    auto strip = [](const std::string& json) {  // drop the figures that depend on the run
        auto v = tcpv::detail::parse_json(json);
        std::string out;
        for (const auto& [k, val] : v.members)
            if (k != "seconds" && k != "peak_rss_bytes" && k != "threads") out += k + "=" + val.text + std::to_string(val.number) + ";";
        for (const auto& p : v.get("properties")->items)
            for (const auto& s : p.get("trace")->items) out += s.get("action")->text + "|" + s.get("state")->text + "\n";
        return out;
    };
    CHECK(strip(one.out) == strip(two.out));
}

TEST_CASE("--dot writes Graphviz that dot renders; FILE.svg is rendered directly") {
    const auto dir = scratch_dir();
    const auto dot_file = (dir / "mutex.dot").string();
    const auto svg_file = (dir / "mutex.svg").string();
    std::filesystem::remove(dot_file);
    std::filesystem::remove(svg_file);
    const auto r = run_tcpv({"check", "mutex", "--set", "variant=naive", "--quiet", "--dot", dot_file});
    CHECK(r.status == 1);
    const std::string dot = tcpv_test::slurp(dot_file);
    CHECK(dot.starts_with("digraph"));
    CHECK(contains(dot, "color=red"));
    const auto rendered = tcpv_test::run_program({TCPV_DOT_PROGRAM, "-Tsvg", dot_file});
    CHECK(rendered.status == 0);
    CHECK(contains(rendered.out, "<svg"));
    const auto s = run_tcpv({"check", "mutex", "--quiet", "--dot", svg_file});
    CHECK(s.status == 0);
    CHECK(contains(tcpv_test::slurp(svg_file), "<svg"));
}

TEST_CASE("bad input: a message that names the problem, exit 2, no report") {
    struct bad_case {
        std::vector<std::string> args;
        std::string message;
    };
    const std::vector<bad_case> cases = {
        {{}, "usage"},
        {{"frobnicate"}, "unknown command 'frobnicate'"},
        {{"list", "extra"}, "list takes no arguments"},
        {{"check"}, "check needs a model name"},
        {{"check", "nosuch"}, "unknown model 'nosuch'; the models are: "},
        {{"check", "mutex", "abp"}, "unexpected argument 'abp'"},
        {{"check", "mutex", "--bogus"}, "unknown option '--bogus'"},
        {{"check", "mutex", "--set"}, "--set needs a value"},
        {{"check", "mutex", "--set", "variant"}, "--set needs NAME=VALUE"},
        {{"check", "mutex", "--set", "=naive"}, "--set needs NAME=VALUE"},
        {{"check", "mutex", "--set", "colour=red"}, "unknown parameter 'colour'; the parameters are variant"},
        {{"check", "mutex", "--set", "variant=bakery"}, "'bakery' is not allowed; one of naive, peterson"},
        {{"check", "abp", "--set", "msgs=-1"}, "parameter 'msgs': -1 is out of range"},
        {{"check", "abp", "--set", "msgs=99999999999999999999999"}, "parameter 'msgs': 99999999999999999999999 is out of range"},
        {{"check", "abp", "--set", "msgs=3x"}, "'3x' is not an integer"},
        {{"check", "abp", "--set", "msgs="}, "'' is not an integer"},
        {{"check", "mutex", "--threads", "-1"}, "--threads needs a whole number"},
        {{"check", "mutex", "--threads", "99999999999"}, "--threads 99999999999 is out of range"},
        {{"check", "mutex", "--max-states", "0"}, "--max-states 0 is out of range"},
        {{"check", "mutex", "--max-states", "1e9"}, "--max-states needs a whole number"},
        {{"check", "mutex", "--expect-states", "0"}, "--expect-states 0 is out of range"},
        {{"check", "mutex", "--expect-states", "many"}, "--expect-states needs a whole number"},
        {{"check", "mutex", "--max-seconds", "-5"}, "--max-seconds needs a positive number"},
        {{"check", "mutex", "--max-memory", "lots"}, "--max-memory needs a whole number"},
        {{"check", "--all", "--set", "n=3"}, "--set applies to one model"},
        {{"check", "--all", "mutex"}, "not both"},
        {{"check", "mutex", "--dot", "/nonexistent-dir/x.dot"}, "cannot write --dot file"},
    };
    for (const auto& c : cases) {
        std::string shown;
        for (const auto& a : c.args) shown += a + " ";
        INFO("tcpv " << shown);
        const auto r = run_tcpv(c.args);
        CHECK(r.status == 2);
        CHECK(r.out.empty());  // no report, no partial work
        CHECK_MESSAGE(contains(r.err, c.message), r.err);
    }
}

TEST_CASE("--help and --version") {
    const auto h = run_tcpv({"--help"});
    CHECK(h.status == 0);
    CHECK(contains(h.out, "tcpv check MODEL"));
    const auto v = run_tcpv({"--version"});
    CHECK(v.status == 0);
    CHECK(contains(v.out, "tcpv 0."));
}
