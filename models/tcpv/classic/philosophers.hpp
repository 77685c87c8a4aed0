#pragma once
/// \file tcpv/classic/philosophers.hpp
/// Dining philosophers: N philosophers, N forks; the naive protocol deadlocks.
///
/// ```cpp
/// auto r = tcpv::checker(tcpv::classic::philosophers{.n = 4, .variant = tcpv::classic::fork_order::naive}).run();
/// r.counterexample("deadlock-free")->length();   // 4: everyone takes the left fork
/// ```
///
/// Philosopher i's left fork is fork i, the right one fork (i + 1) mod n. A philosopher
/// thinks, takes a first fork when it is on the table, takes the second when it is on the
/// table and eats, then puts both down. naive: everyone takes the left fork first, so all
/// can hold a left fork and wait forever. ordered: philosopher n - 1 takes the right fork
/// first, which breaks the cycle of waiting.
///
/// Steps, in emission order: philosopher 0, 1, ..., n - 1, each with its one enabled step
/// (`take-left`, `take-right` or `put-down`) if any.
///
/// naive deadlocks only when all n hold their first fork (an eating philosopher can put down;
/// a thinking philosopher's left fork could only be held by an eating neighbour), so the
/// shortest deadlock is exactly n steps: p0, p1, ..., p(n-1) take their left forks.
/// State counts: tests/model/reference/philosophers.py (n=3 ordered: 12 states, 22 transitions).
///
/// Properties: always "neighbours-never-eat-together"; deadlock_free "deadlock-free";
/// sometimes "p<i>-eats" for each philosopher.

#include <array>
#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <tcpv/property.hpp>

namespace tcpv::classic {

/// Which fork each philosopher takes first.
enum class fork_order : std::uint8_t { ordered, naive };

/// The dining philosophers model (see the file comment).
struct philosophers {
    static constexpr int max_n = 6;

    int n = 3;  ///< philosophers, 2..max_n
    fork_order variant = fork_order::ordered;

    enum phase : std::uint8_t { thinking, holding_first, eating };

    struct state {
        std::array<std::uint8_t, max_n> phase{};  // slots past n stay `thinking`
        std::uint8_t forks_taken = 0;             // bit f: fork f is off the table
        friend bool operator==(const state&, const state&) = default;
    };
    enum class step : std::uint8_t { start, take_left, take_right, put_down };
    struct action {
        std::uint8_t philosopher = 0;
        step what = step::start;
        friend bool operator==(const action&, const action&) = default;
    };

    [[nodiscard]] int left(int i) const noexcept { return i; }
    [[nodiscard]] int right(int i) const noexcept { return (i + 1) % n; }
    /// Whether philosopher i takes the right fork first.
    [[nodiscard]] bool right_first(int i) const noexcept { return variant == fork_order::ordered && i == n - 1; }

    void init(auto&& emit) const { emit(action{}, state{}); }

    void next(const state& s, auto&& emit) const {
        for (int i = 0; i < n; ++i) {
            const int first = right_first(i) ? right(i) : left(i);
            const int second = right_first(i) ? left(i) : right(i);
            const auto on_table = [&](int f) { return ((s.forks_taken >> f) & 1) == 0; };
            const auto take = [&](int f, std::uint8_t to) {
                state t = s;
                t.forks_taken = static_cast<std::uint8_t>(t.forks_taken | (1u << f));
                t.phase[i] = to;
                emit(action{static_cast<std::uint8_t>(i), f == left(i) ? step::take_left : step::take_right}, t);
            };
            switch (s.phase[i]) {
                case thinking:
                    if (on_table(first)) take(first, holding_first);
                    break;
                case holding_first:
                    if (on_table(second)) take(second, eating);
                    break;
                case eating: {
                    state t = s;
                    t.forks_taken = static_cast<std::uint8_t>(t.forks_taken & ~((1u << left(i)) | (1u << right(i))));
                    t.phase[i] = thinking;
                    emit(action{static_cast<std::uint8_t>(i), step::put_down}, t);
                    break;
                }
            }
        }
    }

    void print(std::ostream& os, const state& s) const {
        static constexpr char letters[] = {'T', 'H', 'E'};  // thinking, holding first fork, eating
        for (int i = 0; i < n; ++i) os << letters[s.phase[i]];
        os << " forks=";
        for (int f = 0; f < n; ++f) os << (((s.forks_taken >> f) & 1) ? 'x' : '-');
    }
    void print(std::ostream& os, const action& a) const {
        static constexpr const char* names[] = {"start", "take-left", "take-right", "put-down"};
        if (a.what != step::start) os << 'p' << int(a.philosopher) << ' ';
        os << names[static_cast<int>(a.what)];
    }

    [[nodiscard]] std::vector<property<philosophers>> properties() const {
        const int count = n;
        std::vector<property<philosophers>> out{
            tcpv::always("neighbours-never-eat-together",
                         [count](const state& s) {
                             for (int i = 0; i < count; ++i)
                                 if (s.phase[i] == eating && s.phase[(i + 1) % count] == eating) return false;
                             return true;
                         }),
            tcpv::deadlock_free("deadlock-free"),
        };
        for (int i = 0; i < n; ++i) {
            std::string name = "p";  // appended: GCC 12 warns falsely (-Wrestrict) on "p" + string
            name += std::to_string(i);
            name += "-eats";
            out.push_back(tcpv::sometimes(std::move(name), [i](const state& s) { return s.phase[i] == eating; }));
        }
        return out;
    }
};

}  // namespace tcpv::classic
