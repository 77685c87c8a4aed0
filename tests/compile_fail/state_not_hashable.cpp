// A state type with padding (so its bytes are not its value) and no std::hash: with
// TCPV_COMPILE_FAIL, tcpv::checker fails with the readable "must be hashable" static_assert;
// the twin adds a std::hash specialisation and compiles.
#include <tcpv/checker.hpp>

#include <cstddef>
#include <functional>
#include <ostream>
#include <string_view>

struct padded_state {
    char phase = 0;  // followed by padding bytes
    int count = 0;
    bool operator==(const padded_state&) const = default;
    friend std::ostream& operator<<(std::ostream& os, const padded_state& s) {
        return os << s.phase << s.count;
    }
};
static_assert(!tcpv::byte_hashable<padded_state>);

#ifndef TCPV_COMPILE_FAIL
template <>
struct std::hash<padded_state> {
    std::size_t operator()(const padded_state& s) const noexcept {
        return std::hash<int>{}(s.count) * 31u + static_cast<unsigned char>(s.phase);
    }
};
#endif

struct phases {
    using state = padded_state;
    using action = std::string_view;
    void init(auto&& emit) const { emit(action("start"), state{'a', 0}); }
    void next(const state& s, auto&& emit) const {
        if (s.count < 3) emit(action("step"), state{s.phase, s.count + 1});
    }
};

int main() {
    auto check = tcpv::checker(phases{});
#ifdef TCPV_COMPILE_FAIL
    (void)check;  // only the static_assert should speak
    return 0;
#else
    static_assert(tcpv::model<phases>);
    return check.run().stats.states == 4 ? 0 : 1;
#endif
}
