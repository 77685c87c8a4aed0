// Self-test of the compile-fail machinery (tests/compile_fail/CMakeLists.txt): with
// TCPV_COMPILE_FAIL defined, calling a constrained function with a type that does not satisfy
// the concept must fail with a diagnostic naming the concept; without it, the twin compiles.
#include <tcpv/version.hpp>   // proves the include roots are passed to the compiler

#include <concepts>
#include <cstddef>

template <typename T>
concept has_size = requires(const T& t) {
    { t.size() } -> std::convertible_to<std::size_t>;
};

template <has_size T>
std::size_t size_of(const T& t) { return t.size(); }

struct with_size {
    std::size_t size() const { return 3; }
};
struct without_size {};

int main() {
#ifdef TCPV_COMPILE_FAIL
    return static_cast<int>(size_of(without_size{}));
#else
    return tcpv::version_string[0] != '\0' && size_of(with_size{}) == 3 ? 0 : 1;
#endif
}
