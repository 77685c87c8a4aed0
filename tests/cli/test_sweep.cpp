// `tcpv sweep`, run as a user runs it (build/bin/tcpv): the table of verdicts, the summary
// lines, --json, exit statuses, and bad input (a clear message, exit status 2, no run started).
// The run-count limit and the non-monotone note cannot be reached with the shipped models'
// parameter ranges, so they are checked in-process through tcpv::cli::run with a toy model.
#include <doctest/doctest.h>

#include <tcpv/cli.hpp>
#include <tcpv/detail/json.hpp>

#include <cstdint>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
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

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::vector<std::string> words_of(const std::string& line) {
    std::vector<std::string> words;
    std::istringstream in(line);
    for (std::string w; in >> w;) words.push_back(w);
    return words;
}

// The configuration of the documented teardown sweep, with everything but tw fixed.
std::vector<std::string> teardown_sweep(std::vector<std::string> args) {
    args.insert(args.begin(), {"sweep", "teardown"});
    for (const char* a : {"--set", "cap=2", "--set", "msl=2", "--set", "rto=1", "--set", "maxretx=2", "--quiet"})
        args.emplace_back(a);
    return args;
}

// A toy model for what the shipped models cannot reach: states 0, 2, 4; property "fine" is
// s < n (variant below: violated for n <= 4) or s != n (variant avoid: violated for n = 0, 2, 4).
struct toy {
    std::int64_t n = 0;
    bool avoid = false;
    using state = int;
    using action = std::string_view;
    void init(auto&& emit) const { emit(action("start"), 0); }
    void next(const state& s, auto&& emit) const {
        if (s < 4) emit(action("add 2"), s + 2);
    }
    [[nodiscard]] std::vector<tcpv::property<toy>> properties() const {
        const std::int64_t limit = n;
        const bool avoid_it = avoid;
        return {tcpv::always("fine", [limit, avoid_it](const state& s) { return avoid_it ? s != limit : s < limit; })};
    }
};

tcpv::registry toy_registry() {
    tcpv::registry reg;
    reg.add(tcpv::entry<toy>("toy", "a toy with a wide parameter",
                             {tcpv::int_parameter("n", "the bound", 10, 0, 1'000'000),
                              tcpv::int_parameter("m", "unused", 0, 0, 1'000'000),
                              tcpv::enum_parameter("variant", "the property", "below", {"below", "avoid"})},
                             [](const tcpv::parameter_values& v) { return toy{v["n"], v["variant"] == 1}; }));
    return reg;
}

struct in_process_output {
    int status = -1;
    std::string out, err;
};

in_process_output run_toy(std::vector<std::string_view> args) {
    static const tcpv::registry reg = toy_registry();
    args.insert(args.begin(), "sweep");
    args.insert(args.begin() + 1, "toy");
    args.push_back("--quiet");
    std::ostringstream out, err;
    const int status = tcpv::cli::run(reg, args, out, err);
    return {status, out.str(), err.str()};
}

}  // namespace

TEST_CASE("sweep teardown over tw: one aligned row per value, verdicts as the independent reference gives") {
    const auto r = run_tcpv(teardown_sweep({"--vary", "tw=0..5"}));
    INFO(r.out, r.err);
    CHECK(r.status == 1);
    CHECK(r.err.empty());  // --quiet
    const auto lines = lines_of(r.out);
    REQUIRE(lines.size() == 12);
    CHECK(lines[0] == "sweep of teardown (cap=2 msl=2 rto=1 maxretx=2), varying tw");
    CHECK(words_of(lines[1]) ==
          std::vector<std::string>{"tw", "states", "transitions", "depth", "seconds", "no-reset-after-graceful-close"});
    // From tests/model/reference/teardown.py 2 2 1 2 TW (written from the specification):
    // states, transitions, and the BFS depth of the first violation = the counterexample's length.
    struct row {
        std::string tw, states, transitions, verdict;
    };
    const row expected[] = {{"0", "12250", "72550", "violated(len 6)"}, {"1", "12129", "70265", "violated(len 7)"},
                            {"2", "12423", "71131", "violated(len 8)"}, {"3", "12359", "70351", "holds"},
                            {"4", "12410", "70486", "holds"},           {"5", "12425", "70501", "holds"}};
    const auto verdict_column = lines[1].find("no-reset-after-graceful-close");
    const auto states_end = lines[1].find("states") + std::string("states").size();
    for (std::size_t i = 0; i < 6; ++i) {
        const std::string& line = lines[2 + i];
        INFO(line);
        const auto w = words_of(line);
        REQUIRE(w.size() >= 6);
        CHECK(w[0] == expected[i].tw);
        CHECK(w[1] == expected[i].states);
        CHECK(w[2] == expected[i].transitions);
        // Aligned: numbers end under their header, the verdict starts under its header.
        REQUIRE(line.size() > verdict_column);
        CHECK(line.substr(verdict_column) == expected[i].verdict);
        CHECK(line.substr(states_end - expected[i].states.size(), expected[i].states.size()) == expected[i].states);
    }
    CHECK(lines[8].empty());
    CHECK(lines[9] == "6 runs: every property holds in 3, some property is violated in 3");
    CHECK(lines[10] == "smallest tw for which every property holds: 3");
    CHECK(lines[11] == "largest tw for which some property is violated: 2");
}

TEST_CASE("sweep over an integer list keeps its order; the summary looks at the values") {
    const auto r = run_tcpv(teardown_sweep({"--vary", "tw=4,1,2"}));
    INFO(r.out, r.err);
    CHECK(r.status == 1);
    const auto lines = lines_of(r.out);
    REQUIRE(lines.size() == 9);
    CHECK(words_of(lines[2])[0] == "4");
    CHECK(words_of(lines[3])[0] == "1");
    CHECK(words_of(lines[4])[0] == "2");
    CHECK(lines[7] == "smallest tw for which every property holds: 4");
    CHECK(lines[8] == "largest tw for which some property is violated: 2");
}

TEST_CASE("sweep summaries when every value holds and when none does") {
    const auto good = run_tcpv(teardown_sweep({"--vary", "tw=3..4"}));
    INFO(good.out, good.err);
    CHECK(good.status == 0);
    CHECK(contains(good.out, "\nsmallest tw for which every property holds: 3 (every value holds)\n"));
    CHECK(contains(good.out, "\nlargest tw for which some property is violated: none (every value holds)\n"));
    CHECK_FALSE(contains(good.out, "violated("));

    const auto bad = run_tcpv(teardown_sweep({"--vary", "tw=0..1"}));
    INFO(bad.out, bad.err);
    CHECK(bad.status == 1);
    CHECK(contains(bad.out, "\nsmallest tw for which every property holds: none (no value holds)\n"));
    CHECK(contains(bad.out, "\nlargest tw for which some property is violated: 1 (no value holds)\n"));
}

TEST_CASE("sweep mutex over every variant (an enum parameter)") {
    const auto r = run_tcpv({"sweep", "mutex", "--vary", "variant=all", "--quiet"});
    INFO(r.out, r.err);
    CHECK(r.status == 1);
    const auto lines = lines_of(r.out);
    REQUIRE(lines.size() == 8);
    CHECK(lines[0] == "sweep of mutex, varying variant");
    const auto header = words_of(lines[1]);
    REQUIRE(header.size() >= 6);
    CHECK(header[0] == "variant");
    CHECK(header[5] == "mutual-exclusion");
    const auto naive = words_of(lines[2]);
    const auto peterson = words_of(lines[3]);
    REQUIRE(naive.size() >= 7);
    REQUIRE(peterson.size() >= 6);
    CHECK(naive[0] == "naive");
    CHECK(naive[1] == "9");  // the known state count (test_cli)
    CHECK(naive[5] + " " + naive[6] == "violated(len 4)");
    CHECK(peterson[0] == "peterson");
    CHECK(peterson[5] == "holds");
    CHECK_FALSE(contains(lines[3], "violated"));
    CHECK(lines[5] == "2 runs: every property holds in 1, some property is violated in 1");
    CHECK(lines[6] == "every property holds for variant = peterson");
    CHECK(lines[7] == "some property is violated for variant = naive");

    const auto one = run_tcpv({"sweep", "mutex", "--vary", "variant=peterson", "--quiet"});
    CHECK(one.status == 0);
    CHECK(contains(one.out, "1 run: every property holds in 1"));
    CHECK(contains(one.out, "no value of variant violates a property"));
}

TEST_CASE("sweep with two --vary: the cross product, summarized per value of the first") {
    const auto r = run_tcpv({"sweep", "teardown", "--vary", "msl=1..2", "--vary", "tw=2,3", "--set", "cap=2", "--set",
                             "rto=1", "--set", "maxretx=2", "--quiet"});
    INFO(r.out, r.err);
    CHECK(r.status == 1);
    const auto lines = lines_of(r.out);
    REQUIRE(lines.size() == 12);
    CHECK(lines[0] == "sweep of teardown (cap=2 rto=1 maxretx=2), varying msl and tw");
    const auto header = words_of(lines[1]);
    REQUIRE(header.size() == 7);
    CHECK(header[0] == "msl");
    CHECK(header[1] == "tw");
    const std::vector<std::pair<std::string, std::string>> points = {{"1", "2"}, {"1", "3"}, {"2", "2"}, {"2", "3"}};
    for (std::size_t i = 0; i < points.size(); ++i) {
        const auto w = words_of(lines[2 + i]);
        REQUIRE(w.size() >= 7);
        CHECK(w[0] == points[i].first);
        CHECK(w[1] == points[i].second);
        CHECK(w[6] == (points[i].second == "2" ? "violated(len" : "holds"));
    }
    CHECK(lines[7] == "4 runs: every property holds in 2, some property is violated in 2");
    CHECK(lines[8] == "msl=1: smallest tw for which every property holds: 3");
    CHECK(lines[9] == "msl=1: largest tw for which some property is violated: 2");
    CHECK(lines[10] == "msl=2: smallest tw for which every property holds: 3");
    CHECK(lines[11] == "msl=2: largest tw for which some property is violated: 2");
}

TEST_CASE("sweep --json prints one array of reports and nothing else") {
    // Without --quiet: progress goes to stderr, stdout stays pure JSON.
    const auto r = run_tcpv({"sweep", "teardown", "--vary", "tw=1..4", "--set", "cap=2", "--set", "msl=2", "--set",
                             "rto=1", "--set", "maxretx=2", "--json"});
    INFO(r.out, r.err);
    CHECK(r.status == 1);
    CHECK(contains(r.err, "sweep run 1 of 4: tw=1"));
    const auto v = tcpv::detail::parse_json(r.out);
    REQUIRE(v.kind == tcpv::detail::json_value::type::array);
    REQUIRE(v.items.size() == 4);
    const char* verdicts[] = {"violated", "violated", "holds", "holds"};
    const double states[] = {12129, 12423, 12359, 12410};
    for (std::size_t i = 0; i < 4; ++i) {
        const auto& o = v.items[i];
        REQUIRE(o.kind == tcpv::detail::json_value::type::object);
        for (const char* key : {"model", "params", "states", "transitions", "depth", "seconds", "verdict", "properties"})
            CHECK_MESSAGE(o.get(key) != nullptr, key);
        CHECK(o.get("model")->text == "teardown");
        CHECK(o.get("params")->get("tw")->number == double(i + 1));
        CHECK(o.get("params")->get("msl")->number == 2);
        CHECK(o.get("states")->number == states[i]);
        CHECK(o.get("verdict")->text == verdicts[i]);
        const auto& props = o.get("properties")->items;
        REQUIRE(props.size() == 1);
        CHECK(props[0].get("name")->text == "no-reset-after-graceful-close");
        CHECK(props[0].get("verdict")->text == verdicts[i]);
    }
    CHECK(v.items[0].get("properties")->items[0].get("trace")->items.size() == 8);  // tw=1: 7 steps
    CHECK(v.items[1].get("properties")->items[0].get("trace")->items.size() == 9);  // tw=2: 8 steps
}

TEST_CASE("sweep exit statuses: 0 all hold, 1 any violation, 3 a limit and no violation") {
    CHECK(run_tcpv(teardown_sweep({"--vary", "tw=3..5"})).status == 0);
    CHECK(run_tcpv(teardown_sweep({"--vary", "tw=2..3"})).status == 1);

    const auto limited = run_tcpv({"sweep", "abp", "--vary", "msgs=1..2", "--max-states", "5", "--quiet"});
    INFO(limited.out, limited.err);
    CHECK(limited.status == 3);
    CHECK(contains(limited.out, "stopped by"));
    CHECK(contains(limited.out, "max-states"));
    CHECK(contains(limited.out, "a search limit was reached first in 2"));
    CHECK(contains(limited.out, "unknown (a search limit was reached) for msgs = 1, 2"));

    // A violation found before the limit outweighs an unknown run.
    const auto mixed = run_tcpv(teardown_sweep({"--vary", "tw=0,5", "--max-states", "2000"}));
    INFO(mixed.out, mixed.err);
    CHECK(mixed.status == 1);
    CHECK(contains(mixed.out, "violated(len 6)"));
    CHECK(contains(mixed.out, "smallest tw for which every property holds: none found (a search limit was reached for tw = 5)"));
    CHECK(contains(mixed.out, "largest tw for which some property is violated: 0\n"));
}

TEST_CASE("sweep bad input: a message that names the problem and what is allowed, exit 2, no run") {
    struct bad_case {
        std::vector<std::string> args;
        std::string message;
    };
    const std::vector<bad_case> cases = {
        {{"sweep"}, "sweep needs a model name"},
        {{"sweep", "nosuch", "--vary", "tw=0..1"}, "unknown model 'nosuch'; the models are: "},
        {{"sweep", "teardown"}, "sweep needs --vary NAME=A..B"},
        {{"sweep", "teardown", "--vary"}, "--vary needs a value"},
        {{"sweep", "teardown", "--vary", "tw"}, "--vary needs NAME=A..B, NAME=x,y,z or NAME=all, not 'tw'"},
        {{"sweep", "teardown", "--vary", "=1..2"}, "--vary needs NAME=A..B"},
        {{"sweep", "teardown", "--vary", "colour=1..2"},
         "unknown parameter 'colour'; the parameters of teardown are cap, msl, rto, maxretx, tw"},
        {{"sweep", "teardown", "--vary", "tw=5..0"}, "--vary tw=5..0: malformed range A..B: B < A"},
        {{"sweep", "teardown", "--vary", "tw=a..3"}, "--vary tw=a..3: malformed range A..B: parameter 'tw': 'a' is not an integer; an integer from -1 to 15"},
        {{"sweep", "teardown", "--vary", "tw=0..b"}, "'b' is not an integer"},
        {{"sweep", "teardown", "--vary", "tw=0..99"}, "--vary tw=0..99: malformed range A..B: parameter 'tw': 99 is out of range; an integer from -1 to 15"},
        {{"sweep", "teardown", "--vary", "tw=-5..2"}, "-5 is out of range; an integer from -1 to 15"},
        {{"sweep", "teardown", "--vary", "tw=0...3"}, "'.3' is not an integer"},
        {{"sweep", "teardown", "--vary", "tw="}, "--vary tw=: no values; give A..B, a list x,y,z or all"},
        {{"sweep", "teardown", "--vary", "tw=1,,2"}, "'' is not an integer"},
        {{"sweep", "teardown", "--vary", "tw=1,x"}, "'x' is not an integer"},
        {{"sweep", "teardown", "--vary", "tw=1,16"}, "16 is out of range; an integer from -1 to 15"},
        {{"sweep", "teardown", "--vary", "tw=1,2,1"}, "the value 1 is listed twice"},
        {{"sweep", "teardown", "--vary", "tw=0..3", "--set", "tw=2"},
         "parameter 'tw' is given both in --vary and in --set"},
        {{"sweep", "teardown", "--set", "tw=2", "--vary", "tw=0..3"},
         "parameter 'tw' is given both in --vary and in --set"},
        {{"sweep", "teardown", "--vary", "tw=0..3", "--vary", "tw=4"}, "parameter 'tw' is varied twice"},
        {{"sweep", "teardown", "--vary", "tw=all", "--vary", "cap=all", "--vary", "msl=1"},
         "at most 2 --vary are allowed"},
        {{"sweep", "mutex", "--vary", "variant=naive..peterson"},
         "'variant' is an enum parameter, so a range A..B does not apply; give a list x,y,z or all (one of naive, peterson)"},
        {{"sweep", "mutex", "--vary", "variant=bakery"}, "'bakery' is not allowed; one of naive, peterson"},
        {{"sweep", "mutex", "--vary", "variant=naive,naive"}, "the value naive is listed twice"},
        {{"sweep", "teardown", "--vary", "tw=1", "--set", "cap=99"}, "parameter 'cap': 99 is out of range"},
        {{"sweep", "teardown", "--vary", "tw=1", "--set", "colour=red"}, "unknown parameter 'colour'"},
        {{"sweep", "teardown", "--vary", "tw=1", "--set", "cap"}, "--set needs NAME=VALUE"},
        {{"sweep", "teardown", "--vary", "tw=1", "--dfs"}, "unknown option '--dfs' for sweep; the options are --vary"},
        {{"sweep", "teardown", "mutex", "--vary", "tw=1"}, "unexpected argument 'mutex': sweep takes one model"},
        {{"sweep", "teardown", "--vary", "tw=1", "--threads", "x"}, "--threads needs a whole number"},
        {{"sweep", "teardown", "--vary", "tw=1", "--max-states", "0"}, "--max-states 0 is out of range"},
        {{"sweep", "teardown", "--vary", "tw=1", "--max-seconds", "-1"}, "--max-seconds needs a positive number"},
    };
    for (const auto& c : cases) {
        std::string shown;
        for (const auto& a : c.args) shown += a + " ";
        INFO("tcpv " << shown);
        const auto r = run_tcpv(c.args);  // without --quiet: a run would announce itself on stderr
        CHECK(r.status == 2);
        CHECK(r.out.empty());
        CHECK_MESSAGE(contains(r.err, c.message), r.err);
        CHECK_FALSE(contains(r.err, "sweep run"));
    }
}

TEST_CASE("sweep refuses more than 1000 runs before running any; 1000 are allowed") {
    const auto wide = run_toy({"--vary", "n=0..1000"});
    CHECK(wide.status == 2);
    CHECK(wide.out.empty());
    CHECK(contains(wide.err, "too many runs: 1001 values of n = 1001 runs; at most 1000 are allowed"));

    const auto product = run_toy({"--vary", "n=0..40", "--vary", "m=0..24"});
    CHECK(product.status == 2);
    CHECK(contains(product.err, "too many runs: 41 values of n x 25 values of m = 1025 runs; at most 1000"));

    const auto all = run_toy({"--vary", "n=all", "--vary", "m=all"});
    CHECK(all.status == 2);
    CHECK(contains(all.err, "too many runs: 1000001 values of n x 1000001 values of m"));

    const auto most = run_toy({"--vary", "n=0..39", "--vary", "m=0..24"});
    CHECK(most.status == 1);
    CHECK(contains(most.out, "1000 runs: every property holds in 875, some property is violated in 125"));
    CHECK(contains(most.out, "n=39: smallest m for which every property holds: 0 (every value holds)"));
}

TEST_CASE("sweep summary: the smallest safe value, and a warning when the verdict is not monotone") {
    const auto below = run_toy({"--vary", "n=0..8"});
    INFO(below.out);
    CHECK(below.status == 1);
    CHECK(contains(below.out, "\nsmallest n for which every property holds: 5\n"));
    CHECK(contains(below.out, "\nlargest n for which some property is violated: 4\n"));
    CHECK(contains(below.out, "violated(len 0)"));  // n=0: the initial state already violates it
    CHECK_FALSE(contains(below.out, "not monotone"));

    const auto avoid = run_toy({"--vary", "n=0..5", "--set", "variant=avoid"});
    INFO(avoid.out);
    CHECK(avoid.status == 1);
    CHECK(contains(avoid.out, "\nsmallest n for which every property holds: 1\n"));
    CHECK(contains(avoid.out, "\nlargest n for which some property is violated: 4\n"));
    CHECK(contains(avoid.out, "\nnote: not monotone in n: violated at 4 although every property holds at 1\n"));
}

TEST_CASE("the help text documents sweep") {
    const auto h = run_tcpv({"--help"});
    CHECK(h.status == 0);
    CHECK(contains(h.out, "tcpv sweep MODEL --vary NAME=VALUES"));
    CHECK(contains(h.out, "--vary NAME=A..B"));
    CHECK(contains(h.out, "at most two --vary"));
    const auto unknown = run_tcpv({"frobnicate"});
    CHECK(contains(unknown.err, "the commands are list, check, sweep and replay"));
}
