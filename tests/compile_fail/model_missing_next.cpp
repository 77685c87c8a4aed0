// A type without `next` given to tcpv::checker: with TCPV_COMPILE_FAIL the compile fails with
// tcpv's readable static_assert naming the missing member; the twin (with `next`) compiles.
#include <tcpv/checker.hpp>

#include <string_view>

struct almost_a_counter {
    using state = int;
    using action = std::string_view;
    void init(auto&& emit) const { emit(action("start"), 0); }
#ifndef TCPV_COMPILE_FAIL
    void next(const state& s, auto&& emit) const {
        if (s < 3) emit(action("inc"), s + 1);
    }
#endif
};

int main() {
    auto check = tcpv::checker(almost_a_counter{});
#ifdef TCPV_COMPILE_FAIL
    (void)check;  // only the static_assert should speak
    return 0;
#else
    static_assert(tcpv::model<almost_a_counter>);
    return check.run().stats.states == 4 ? 0 : 1;
#endif
}
