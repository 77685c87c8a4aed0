// The classic models through the registry, as `tcpv check --all` runs them.
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include <tcpv/classic/register.hpp>

using tcpv::verdict;

namespace {
tcpv::registry classic_registry() {
    tcpv::registry reg;
    tcpv::classic::register_classic_models(reg);
    return reg;
}
}  // namespace

TEST_CASE("registry: the four classic models, in order") {
    const auto reg = classic_registry();
    std::vector<std::string> names;
    for (const auto& e : reg.entries()) {
        names.push_back(e.name);
        CHECK_FALSE(e.summary.empty());
    }
    CHECK(names == std::vector<std::string>{"mutex", "abp", "philosophers", "lossy-link"});
}

TEST_CASE("registry: every classic model holds with its defaults") {
    const auto reg = classic_registry();
    for (const auto& e : reg.entries()) {
        INFO(e.name);
        for (const unsigned threads : {1u, 2u}) {
            tcpv::run_options o;
            o.threads = threads;
            const auto out = e.run(tcpv::parameter_values(e.params), o);
            CHECK(out.result.overall() == verdict::holds);
            CHECK(out.result.exit_status() == 0);
            CHECK(out.result.model == e.name);
        }
    }
}

TEST_CASE("registry: each broken variant is one --set away") {
    const auto reg = classic_registry();
    const std::vector<std::pair<std::string, std::pair<std::string, std::string>>> broken{
        {"mutex", {"variant", "naive"}},        {"abp", {"seqbits", "0"}},
        {"philosophers", {"variant", "naive"}}, {"lossy-link", {"fairness", "weak"}},
        {"lossy-link", {"fairness", "none"}},
    };
    for (const auto& [model, set] : broken) {
        INFO(model, " --set ", set.first, "=", set.second);
        const auto* e = reg.find(model);
        REQUIRE(e);
        tcpv::parameter_values values(e->params);
        values.set(set.first, set.second);
        const auto out = e->run(values, {});
        CHECK(out.result.overall() == verdict::violated);
        CHECK(out.result.exit_status() == 1);
    }
}

TEST_CASE("registry: parameters, defaults and the figures the program prints") {
    const auto reg = classic_registry();
    auto printed = [&](const char* model) {
        const auto* e = reg.find(model);
        REQUIRE(e);
        return tcpv::parameter_values(e->params).printed();
    };
    using params = std::vector<std::pair<std::string, std::string>>;
    CHECK(printed("mutex") == params{{"variant", "peterson"}});
    CHECK(printed("abp") == params{{"cap", "2"}, {"msgs", "3"}, {"seqbits", "1"}});
    CHECK(printed("philosophers") == params{{"n", "3"}, {"variant", "ordered"}});
    CHECK(printed("lossy-link") == params{{"fairness", "strong"}});

    // The same figures as the direct tests (by hand, mutex.py, abp.py, philosophers.py).
    const std::vector<std::pair<std::string, std::pair<std::uint64_t, std::uint64_t>>> figures{
        {"mutex", {20, 46}}, {"abp", {90, 373}}, {"philosophers", {12, 22}}, {"lossy-link", {3, 3}}};
    for (const auto& [model, want] : figures) {
        INFO(model);
        const auto* e = reg.find(model);
        const auto out = e->run(tcpv::parameter_values(e->params), {});
        CHECK(out.result.stats.states == want.first);
        CHECK(out.result.stats.transitions == want.second);
    }

    // Out-of-range values are refused with the parameter's name (the program exits 2).
    const auto* phil = reg.find("philosophers");
    tcpv::parameter_values values(phil->params);
    CHECK_THROWS_WITH_AS(values.set("n", "7"), doctest::Contains("'n'"), std::invalid_argument);
    CHECK_THROWS_AS(values.set("variant", "random"), std::invalid_argument);
}
