#pragma once
/// \file tcpv/classic/mutex.hpp
/// Two processes competing for a critical section: a naive flag protocol with a known race,
/// and Peterson's algorithm.
///
/// ```cpp
/// auto r = tcpv::checker(tcpv::classic::mutex{tcpv::classic::mutex_variant::naive}).run();
/// r.verdict_of("mutual-exclusion");   // violated: p0 check, p1 check, p0 set, p1 set
/// ```
///
/// naive: pc 0 check (pass when the other's flag is 0), 1 set (own flag := 1, enter), 2
/// critical (flag := 0, back to 0). Both can pass the check before either sets its flag.
/// By hand: a flag is 1 exactly when its process is at pc 2, so a state is its pair of pcs
/// (9 pairs, all reachable). Process i has a step in a state unless it is at pc 0 while the
/// other is at pc 2: per process 2 + 3 + 3 = 8 enabled (pc, other pc) pairs, so 16
/// transitions, no deadlock. (2,2) is 2 + 2 steps away: the shortest race has 4 steps.
///
/// peterson: pc 0 idle (may `think` forever: a self-loop, or `want`: flag := 1), 1 `yield`
/// (turn := other), 2 waiting (`enter` when the other's flag is 0 or turn is ours; until then
/// the step is disabled), 3 critical (`exit`: flag := 0). Initial turn 0.
/// 20 states, 46 transitions, depth 6 (tests/model/reference/mutex.py).
///
/// Properties: always "mutual-exclusion"; sometimes "p0-enters", "p1-enters"; deadlock_free
/// "deadlock-free"; leads_to "p0-waiting-enters" and "p1-waiting-enters" (a process that has
/// set its flag reaches its critical section) under weak fairness on each process's steps.
/// Without fairness the waiting process may simply never be scheduled (see `waiting`).

#include <array>
#include <cstdint>
#include <ostream>
#include <vector>

#include <tcpv/property.hpp>

namespace tcpv::classic {

/// Which protocol the two processes run.
enum class mutex_variant : std::uint8_t { naive, peterson };

/// The two-process mutual-exclusion model (see the file comment).
struct mutex {
    mutex_variant variant = mutex_variant::peterson;

    /// The steps of a process; which ones exist depends on the variant.
    enum class step : std::uint8_t { start, check, set, clear, think, want, yield, enter, exit };

    struct state {
        std::array<std::uint8_t, 2> pc{};
        std::array<std::uint8_t, 2> flag{};
        std::uint8_t turn = 0;  // peterson only; stays 0 in naive
        friend bool operator==(const state&, const state&) = default;
    };
    struct action {
        std::uint8_t process = 0;
        step what = step::check;
        friend bool operator==(const action&, const action&) = default;
    };

    /// The pc of the critical section in this variant.
    [[nodiscard]] std::uint8_t critical_pc() const noexcept { return variant == mutex_variant::naive ? 2 : 3; }

    /// Whether process i is in its critical section.
    [[nodiscard]] bool critical(const state& s, int i) const noexcept { return s.pc[i] == critical_pc(); }

    /// Whether process i has committed to entering and not entered yet (naive: passed the
    /// check; peterson: flag set, before the critical section).
    [[nodiscard]] bool waiting(const state& s, int i) const noexcept {
        return variant == mutex_variant::naive ? s.pc[i] == 1 : s.pc[i] == 1 || s.pc[i] == 2;
    }

    void init(auto&& emit) const { emit(action{0, step::start}, state{}); }

    /// Steps of process 0, then of process 1, each in pc order.
    void next(const state& s, auto&& emit) const {
        for (std::uint8_t i = 0; i < 2; ++i) {
            const int j = 1 - i;
            auto go = [&](step what, std::uint8_t pc) {
                state t = s;
                t.pc[i] = pc;
                if (what == step::set || what == step::want) t.flag[i] = 1;
                if (what == step::clear || what == step::exit) t.flag[i] = 0;
                if (what == step::yield) t.turn = static_cast<std::uint8_t>(j);
                emit(action{i, what}, t);
            };
            if (variant == mutex_variant::naive) {
                // clang-format off
                switch (s.pc[i]) {
                    case 0: if (s.flag[j] == 0) go(step::check, 1); break;
                    case 1: go(step::set, 2);                       break;
                    case 2: go(step::clear, 0);                     break;
                }
                // clang-format on
            } else {
                // clang-format off
                switch (s.pc[i]) {
                    case 0: go(step::think, 0); go(step::want, 1);                  break;
                    case 1: go(step::yield, 2);                                     break;
                    case 2: if (s.flag[j] == 0 || s.turn == i) go(step::enter, 3); break;
                    case 3: go(step::exit, 0);                                      break;
                }
                // clang-format on
            }
        }
    }

    void print(std::ostream& os, const state& s) const {
        os << "pc=" << int(s.pc[0]) << ',' << int(s.pc[1]) << " flag=" << int(s.flag[0]) << ',' << int(s.flag[1]);
        if (variant == mutex_variant::peterson) os << " turn=" << int(s.turn);
    }
    void print(std::ostream& os, const action& a) const {
        static constexpr const char* names[] = {"start", "check", "set", "clear", "think", "want", "yield", "enter", "exit"};
        if (a.what != step::start) os << 'p' << int(a.process) << ' ';
        os << names[static_cast<int>(a.what)];
    }

    /// Weak fairness on every step of process i: a process that can always move does move.
    static auto process_fairness(std::uint8_t i) {
        return tcpv::weak_fairness(i == 0 ? "p0-steps" : "p1-steps", [i](const action& a) { return a.process == i; });
    }

    /// The leads_to property for process i, with or without the fairness assumptions.
    [[nodiscard]] property<mutex> waiting_enters(int i, bool fair) const {
        auto p = tcpv::leads_to(
            i == 0 ? "p0-waiting-enters" : "p1-waiting-enters", [m = *this, i](const state& s) { return m.waiting(s, i); },
            [m = *this, i](const state& s) { return m.critical(s, i); });
        if (!fair) return p;
        return std::move(p).under(process_fairness(0), process_fairness(1));
    }

    [[nodiscard]] std::vector<property<mutex>> properties() const {
        const mutex m = *this;
        return {
            tcpv::always("mutual-exclusion", [m](const state& s) { return !(m.critical(s, 0) && m.critical(s, 1)); }),
            tcpv::sometimes("p0-enters", [m](const state& s) { return m.critical(s, 0); }),
            tcpv::sometimes("p1-enters", [m](const state& s) { return m.critical(s, 1); }),
            tcpv::deadlock_free("deadlock-free"),
            waiting_enters(0, true),
            waiting_enters(1, true),
        };
    }
};

}  // namespace tcpv::classic
