// The consumer program of both packaging tests (find_package/ and add_subdirectory/): it
// includes tcpv the way a user does and exits 0 iff it got the expected headers.
#include <tcpv/version.hpp>

#include <cstdio>
#include <cstring>

int main() {
    std::printf("tcpv %s (expected %s)\n", tcpv::version_string, TCPV_EXPECTED_VERSION);
    if (std::strcmp(tcpv::version_string, TCPV_EXPECTED_VERSION) != 0)
        return 1;
    return 0;
}
