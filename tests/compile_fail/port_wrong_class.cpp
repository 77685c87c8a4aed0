// A port literal of the wrong class does not compile: 8080 is a registered port, not a
// well-known one (RFC 6335 §6). The twin uses 80.
#include <tcpv/tcp/ports.hpp>

#ifdef TCPV_COMPILE_FAIL
constexpr tcpv::tcp::well_known_port http_alt = 8080;
#else
constexpr tcpv::tcp::well_known_port http_alt = 80;
#endif
static_assert(http_alt.value() != 0);

int main() { return 0; }
