// One translation unit with every public tcpv header and one TCP model: the compile-time figure
// of docs/performance.md is the time to compile this file (and it proves the headers compose).
#include <tcpv/checker.hpp>
#include <tcpv/cli.hpp>
#include <tcpv/cli_check.hpp>
#include <tcpv/cli_msc.hpp>
#include <tcpv/cli_options.hpp>
#include <tcpv/cli_sweep.hpp>
#include <tcpv/cli_replay.hpp>
#include <tcpv/graphviz.hpp>
#include <tcpv/model.hpp>
#include <tcpv/packing.hpp>
#include <tcpv/property.hpp>
#include <tcpv/registry.hpp>
#include <tcpv/report.hpp>
#include <tcpv/trace.hpp>
#include <tcpv/projection.hpp>
#include <tcpv/trace_diagram.hpp>
#include <tcpv/trace_json.hpp>
#include <tcpv/version.hpp>
#include <tcpv/testing/doctest_rapidcheck.hpp>
#include <tcpv/tcp/models/close.hpp>
#include <doctest/doctest.h>
TEST_CASE("close model holds") {
    const auto r = tcpv::checker(tcpv::tcp::models::close{}).threads(2).run();
    CHECK(r.all_hold());
}
