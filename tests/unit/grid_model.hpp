#pragma once
// A side x side grid walked from (0,0) by right/left/up/down moves: side*side states, every state on a cycle, and wide
// breadth-first levels (up to `side` states), so that two threads interleave within a level and
// number its states differently. Used where a test needs reports to be the same for every
// thread count on a graph large enough to show it.
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

namespace tcpv_test {

struct grid {
    std::int32_t side = 60;
    struct state {
        std::int32_t x = 0, y = 0;
        bool operator==(const state&) const = default;
        friend std::ostream& operator<<(std::ostream& os, const state& s) { return os << '(' << s.x << ',' << s.y << ')'; }
    };
    using action = std::string_view;
    void init(auto&& emit) const { emit(action("init"), state{0, 0}); }
    void next(const state& s, auto&& emit) const {
        if (s.x + 1 < side) emit(action("right"), state{s.x + 1, s.y});
        if (s.x > 0) emit(action("left"), state{s.x - 1, s.y});
        if (s.y + 1 < side) emit(action("up"), state{s.x, s.y + 1});
        if (s.y > 0) emit(action("down"), state{s.x, s.y - 1});
    }
};

// Projects a grid state onto its block of 10x10 cells (tcpv/projection.hpp).
inline std::string state_projection(const grid&, const grid::state& s) {
    return "block " + std::to_string(s.x / 10) + "," + std::to_string(s.y / 10);
}

}  // namespace tcpv_test
