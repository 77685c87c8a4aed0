// `tcpv replay`, run as a user runs it: the output of `tcpv check MODEL --json` (and of
// `check --all --json`) replays against the model; an edited, truncated or foreign file is
// rejected with the file, the line and the problem, and the documented exit status.
#include <doctest/doctest.h>

#include <tcpv/detail/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
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

/// Writes `text` to a scratch file and returns its path.
std::string scratch(const std::string& name, const std::string& text) {
    const auto dir = std::filesystem::path(TCPV_BINARY_DIR) / "test_replay_scratch";
    std::filesystem::create_directories(dir);
    const auto path = (dir / name).string();
    std::ofstream(path, std::ios::trunc) << text;
    return path;
}

/// The JSON report of `tcpv check ARGS... --json`, broken into one member or element per line
/// (a newline after each comma) so that errors have distinct lines to name.
std::string checked(std::vector<std::string> args) {
    args.insert(args.begin(), "check");
    args.insert(args.end(), {"--json", "--quiet"});
    const auto r = run_tcpv(args);
    INFO(r.err);
    REQUIRE((r.status == 0 || r.status == 1));
    std::string out;
    bool in_string = false, escaped = false;
    for (const char c : r.out) {
        out.push_back(c);
        if (in_string) {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
        } else if (c == '"') {
            in_string = true;
        } else if (c == ',') {
            out.push_back('\n');
        }
    }
    return out;
}

/// The line (1-based) of the first occurrence of `part` in `text`.
std::size_t line_of(const std::string& text, const std::string& part) {
    const auto at = text.find(part);
    REQUIRE(at != std::string::npos);
    return static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n')) + 1;
}

}  // namespace

TEST_CASE("tcpv replay: the traces of check --json are behaviours of the model (several models)") {
    const std::vector<std::vector<std::string>> checks = {
        {"close", "--set", "time_wait=1"},
        {"teardown", "--set", "tw=0"},
        {"mutex", "--set", "variant=naive"},
        {"philosophers", "--set", "variant=naive"},
        {"lossy-link", "--set", "fairness=weak"},
    };
    for (const auto& c : checks) {
        CAPTURE(c[0]);
        const auto file = scratch(c[0] + ".json", checked(c));
        const auto r = run_tcpv({"replay", file});
        INFO(r.out, r.err);
        CHECK(r.status == 0);
        CHECK(contains(r.out, " against " + c[0] + " ("));
        CHECK(contains(r.out, ": the trace is a behaviour of the model"));
        CHECK(r.err.empty());
    }
}

TEST_CASE("tcpv replay --property picks one trace; a property without a trace is an error") {
    const auto text = checked({"close", "--set", "time_wait=1"});
    const auto file = scratch("close-one.json", text);
    const auto one = run_tcpv({"replay", file, "--property", "no-reset-after-graceful-close"});
    INFO(one.out, one.err);
    CHECK(one.status == 0);
    CHECK(contains(one.out, "steps of no-reset-after-graceful-close against close (profile=small cap=2"));
    CHECK(std::count(one.out.begin(), one.out.end(), '\n') == 1);

    const auto holds = scratch("mutex-holds.json", checked({"mutex"}));
    const auto none = run_tcpv({"replay", holds, "--property", "mutual-exclusion"});
    CHECK(none.status == 2);
    CHECK(contains(none.err, "property 'mutual-exclusion' has no trace"));
    // mutex has examples of its `sometimes` properties; lossy-link (strong fairness) no trace.
    const auto examples = run_tcpv({"replay", holds});
    CHECK(examples.status == 0);
    CHECK(contains(examples.out, "steps of p0-enters against mutex (variant=peterson)"));
    const auto nothing = run_tcpv({"replay", scratch("lossy-link.json", checked({"lossy-link"}))});
    CHECK(nothing.status == 0);
    CHECK(contains(nothing.out, "nothing to replay: no property has a trace"));
    const auto missing = run_tcpv({"replay", holds, "--property", "nonesuch"});
    CHECK(missing.status == 2);
    CHECK(contains(missing.err, "has no property 'nonesuch'; its properties are: mutual-exclusion"));
}

TEST_CASE("tcpv replay: an edited state or action fails at its step and line, exit 1") {
    const auto text = checked({"close", "--set", "time_wait=1"});
    // The third step's state of the first trace: change one field's value.
    std::size_t step = 0;
    for (int k = 0; k < 3; ++k) step = text.find("{\"action\":", step + 1);
    REQUIRE(step != std::string::npos);
    const std::size_t una = text.find("una=", step);
    REQUIRE(una != std::string::npos);
    std::string edited = text;
    edited.replace(una, 4, "una=7");
    const auto line = line_of(text, text.substr(step, 60));
    const auto file = scratch("close-edited.json", edited);
    const auto r = run_tcpv({"replay", file, "--property", "no-reset-after-graceful-close"});
    INFO(r.out, r.err);
    CHECK(r.status == 1);
    CHECK(contains(r.err, file + ":" + std::to_string(line) + ": property 'no-reset-after-graceful-close' of close ("));
    CHECK(contains(r.err, "step 2: action matches but the state differs: expected '"));

    std::string renamed = text;
    const std::string action = "\"action\":\"A: CLOSE\"";
    REQUIRE(renamed.find(action) != std::string::npos);
    renamed.replace(renamed.find(action), action.size(), "\"action\":\"A: SHOUT\"");
    const auto r2 = run_tcpv({"replay", scratch("close-renamed.json", renamed)});
    INFO(r2.err);
    CHECK(r2.status == 1);
    CHECK(contains(r2.err, "step 1: no successor of the state of step 0 has action 'A: SHOUT' (the model offers: "));
    CHECK(contains(r2.err, "'A: CLOSE'"));
}

TEST_CASE("tcpv replay: truncated, foreign or wrong files are rejected with the line, exit 2") {
    const auto text = checked({"mutex", "--set", "variant=naive"});
    const auto cut = text.substr(0, text.size() / 2);
    const auto lines = static_cast<std::size_t>(std::count(cut.begin(), cut.end(), '\n')) + 1;
    const auto file = scratch("truncated.json", cut);
    const auto r = run_tcpv({"replay", file});
    INFO(r.err);
    CHECK(r.status == 2);
    CHECK(contains(r.err, "tcpv: " + file + ":" + std::to_string(lines) + ":"));
    CHECK(contains(r.err, "unexpected end of the document"));
    CHECK(r.out.empty());

    std::string foreign = text;
    foreign.replace(foreign.find("\"mutex\""), 7, "\"mutexx\"");
    const auto f = run_tcpv({"replay", scratch("foreign.json", foreign)});
    CHECK(f.status == 2);
    CHECK(contains(f.err, ":1: unknown model 'mutexx'; the models are: close, "));
    CHECK(contains(f.err, "mutex, abp"));

    std::string param = text;
    param.replace(param.find("\"naive\""), 7, "\"clever\"");
    const auto p = run_tcpv({"replay", scratch("param.json", param)});
    CHECK(p.status == 2);
    // (std::string(":") rather than ":" + ...: GCC 12 gives a false -Wrestrict on the latter.)
    std::string where = std::string(":") + std::to_string(line_of(param, "clever"));
    where += ": parameter 'variant': 'clever' is not allowed";
    CHECK(contains(p.err, where));

    CHECK(run_tcpv({"replay"}).status == 2);
    CHECK(contains(run_tcpv({"replay", "/nonexistent/x.json"}).err, "cannot read '/nonexistent/x.json'"));
    CHECK(contains(run_tcpv({"replay", file, "--frob"}).err, "unknown option '--frob' for replay"));
    CHECK(contains(run_tcpv({"--help"}).out, "tcpv replay FILE.json"));
}

TEST_CASE("tcpv replay of check --all --json: every run, or the one --model names") {
    const auto r = run_tcpv({"check", "--all", "--json", "--quiet", "--max-states", "200000"});
    REQUIRE((r.status == 0 || r.status == 1 || r.status == 3));
    const auto file = scratch("all.json", r.out);
    const auto all = run_tcpv({"replay", file});
    INFO(all.out, all.err);
    CHECK(all.status == 0);
    const auto one = run_tcpv({"replay", file, "--model", "lossy-link"});
    CHECK(one.status == 0);
    CHECK_FALSE(contains(one.out, " against mutex"));
    const auto none = run_tcpv({"replay", file, "--model", "nonesuch"});
    CHECK(none.status == 2);
    CHECK(contains(none.err, "no report of model 'nonesuch'; the file has reports of: close, "));
}
