#pragma once
/// \file tcpv/testing/doctest_rapidcheck.hpp
/// The doctest <-> RapidCheck bridge: a RapidCheck property that fails, fails the enclosing
/// doctest case, and the doctest output carries RapidCheck's whole report: the shrunk
/// counterexample and the RC_PARAMS setting that reproduces exactly that counterexample.
///
/// Debian's librapidcheck-dev ships bridges for Catch, Google Test and Boost.Test, not for
/// doctest; this header is that missing piece. It needs doctest and RapidCheck (link the
/// `rapidcheck` target); tcpv::tcpv itself never depends on either.
///
/// \code
///   TCPV_PROPERTY("reversing twice is the identity", (const std::vector<int>& v)) {
///       auto r = v;
///       std::reverse(r.begin(), r.end());
///       std::reverse(r.begin(), r.end());
///       RC_ASSERT(r == v);
///   }
///
///   TEST_CASE("several properties in one case") {
///       tcpv::testing::check("sum is commutative", [](int a, int b) { RC_ASSERT(a + b == b + a); });
///   }
/// \endcode
///
/// Reproducing: a failure prints `RC_PARAMS="... reproduce=..."`; run the same test binary
/// with that environment variable to replay the shrunk counterexample directly. The property is
/// identified by its description, so descriptions must be unique within one test binary.

#include <doctest/doctest.h>
#include <rapidcheck.h>

#include <optional>
#include <ostream>
#include <version>
#if defined(__cpp_lib_source_location)
#include <source_location>
#endif
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>

namespace tcpv::testing {

/// Where a check was called from: std::source_location, or (clang 14 with libstdc++ has no
/// std::source_location) the same built-ins it is made of.
#if defined(__cpp_lib_source_location)
using source_location = std::source_location;
#else
struct source_location {
    static constexpr source_location current(const char* file = __builtin_FILE(), unsigned line = __builtin_LINE()) noexcept {
        return {file, line};
    }
    [[nodiscard]] constexpr const char* file_name() const noexcept { return file_; }
    [[nodiscard]] constexpr unsigned line() const noexcept { return line_; }
    const char* file_ = "";
    unsigned line_ = 0;
};
#endif

namespace detail {

/// Ignores RapidCheck's progress events. The bridge reports a failure (with its reproduce
/// string) itself; RapidCheck's own global listener would repeat it in an at-exit banner.
class silent_listener final : public rc::detail::TestListener {
public:
    void onTestCaseFinished(const rc::detail::CaseDescription&) override {}
    void onShrinkTried(const rc::detail::CaseDescription&, bool) override {}
    void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}
};

/// The RC_PARAMS value that replays `failure` of the property identified by `id`: the current
/// configuration (seed, sizes, ...) minus defaults, plus `reproduce=` for this one property.
inline std::string reproduce_params(const std::string& id, const rc::detail::Reproduce& failure) {
    rc::detail::Configuration config = rc::detail::configuration();
    config.reproduce.clear();
    config.reproduce.emplace(id, failure);
    return rc::detail::configToMinimalString(config);
}

}  // namespace detail

namespace detail {

/// run_property() with explicit test parameters and reproduce map (the tests of this bridge
/// replay a printed RC_PARAMS string through it).
template <typename Testable>
std::optional<std::string> run_property_with(
    const std::string& description, Testable&& testable, const rc::detail::TestParams& params,
    const std::unordered_map<std::string, rc::detail::Reproduce>& reproduce) {
    namespace rcd = rc::detail;
    rcd::TestMetadata metadata;
    metadata.id = description.empty() ? std::string("tcpv property") : description;
    metadata.description = metadata.id;

    silent_listener listener;
    const rcd::TestResult result = rcd::checkProperty(
        rcd::toProperty(std::forward<Testable>(testable)), metadata, params, listener, reproduce);
    if (result.template is<rcd::SuccessResult>())
        return std::nullopt;

    std::ostringstream out;
    out << "property \"" << metadata.description << "\": ";
    rcd::printResultMessage(result, out);
    rcd::FailureResult failure;
    if (result.match(failure)) {
        out << "\n\nTo reproduce this counterexample, run this test program with\n"
            << "  RC_PARAMS=\"" << reproduce_params(metadata.id, failure.reproduce) << "\"\n"
            << "(seed of this run: " << params.seed << ")";
    } else {
        out << "\n(seed of this run: " << params.seed << ")";
    }
    return out.str();
}

}  // namespace detail

/// Runs the RapidCheck property `testable` (a callable taking generated arguments and using
/// RC_ASSERT & co.) under the global RapidCheck configuration (environment variable RC_PARAMS).
/// Returns std::nullopt when it holds, otherwise the full report: the outcome, the shrunk
/// counterexample, the failed assertion, and a line `RC_PARAMS="..."` that reproduces it.
/// Reports nothing to doctest; see check() for that.
template <typename Testable>
std::optional<std::string> run_property(const std::string& description, Testable&& testable) {
    const rc::detail::Configuration& config = rc::detail::configuration();
    return detail::run_property_with(description, std::forward<Testable>(testable),
                                     config.testParams, config.reproduce);
}

/// run_property() with explicit parameters (more tests for a property expected to fail,
/// another seed).
template <typename Testable>
std::optional<std::string> run_property(const std::string& description, Testable&& testable,
                                        const rc::detail::TestParams& params) {
    return detail::run_property_with(description, std::forward<Testable>(testable), params,
                                     rc::detail::configuration().reproduce);
}

/// Runs the property as run_property() does and, when it does not hold, fails the current
/// doctest case (a non-fatal check failure at `where`) with the full RapidCheck report.
/// Use inside a doctest TEST_CASE. Returns whether the property held.
template <typename Testable>
bool check(const std::string& description, Testable&& testable,
           source_location where = source_location::current()) {
    const std::optional<std::string> failure =
        run_property(description, std::forward<Testable>(testable));
    if (failure)
        DOCTEST_ADD_FAIL_CHECK_AT(where.file_name(), static_cast<int>(where.line()), *failure);
    return !failure;
}

}  // namespace tcpv::testing

#define TCPV_DETAIL_PROPERTY(function, description, parameters)                                    \
    static void function parameters;                                                               \
    DOCTEST_TEST_CASE(description) { ::tcpv::testing::check(description, &function); }             \
    static void function parameters

/// Defines a doctest case that checks a RapidCheck property; the braces after it are the
/// property's body, `parameters` its parenthesised parameter list (the generated inputs):
///   TCPV_PROPERTY("addition commutes", (int a, int b)) { RC_ASSERT(a + b == b + a); }
/// `description` must be a string literal, unique within the test program.
#define TCPV_PROPERTY(description, parameters)                                                     \
    TCPV_DETAIL_PROPERTY(DOCTEST_ANONYMOUS(tcpv_property_), description, parameters)
