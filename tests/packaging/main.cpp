// The consumer program of both packaging tests (find_package/ and add_subdirectory/): it
// includes tcpv the way a user does — the checker and one shipped model — and exits 0 iff it
// got the expected headers and they work: the teardown benchmark's small instance has 487
// states and 1487 transitions (pinned in tests/model/test_teardown.cpp), and the property holds.
#include <tcpv/bench/teardown.hpp>
#include <tcpv/checker.hpp>
#include <tcpv/version.hpp>

#include <cstdio>
#include <cstring>

int main() {
    std::printf("tcpv %s (expected %s)\n", tcpv::version_string, TCPV_EXPECTED_VERSION);
    if (std::strcmp(tcpv::version_string, TCPV_EXPECTED_VERSION) != 0) return 1;
    const auto r = tcpv::checker(tcpv::bench::teardown{1, 1, 1, 1, 2}).threads(2).run();
    std::printf("teardown: %llu states, %llu transitions, all hold: %d\n",
                static_cast<unsigned long long>(r.stats.states), static_cast<unsigned long long>(r.stats.transitions),
                int(r.all_hold()));
    return (r.stats.states == 487 && r.stats.transitions == 1487 && r.all_hold()) ? 0 : 1;
}
