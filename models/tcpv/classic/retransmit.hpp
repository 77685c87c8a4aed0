#pragma once
/// \file tcpv/classic/retransmit.hpp
/// The smallest liveness example: one message retransmitted over a lossy link with no retry
/// limit (registered as `lossy-link`).
///
/// ```cpp
/// using tcpv::classic::lossy_link;
/// tcpv::checker(lossy_link{lossy_link::assumption::strong}).run().all_hold();   // true
/// tcpv::checker(lossy_link{lossy_link::assumption::weak}).run()
///     .counterexample("delivered")->end;                                       // trace_end::cycle
/// ```
///
/// States (by hand): `idle` (nothing in flight, not delivered), `in-flight`, `delivered`.
/// Steps: idle --send--> in-flight; in-flight --lose--> idle; in-flight --deliver--> delivered.
/// So 3 states, 3 transitions, depth 2, and `delivered` is the only state without successor.
///
/// eventually "delivered" depends on the fairness assumed for `deliver` (the parameter):
/// - none: violated by the cycle send, lose, back to the start;
/// - weak: violated by the same cycle. `deliver` is disabled in `idle`, so it is not
///   continuously enabled and weak fairness does not force it;
/// - strong: holds. `deliver` is enabled infinitely often on the cycle, so it must be taken.
/// No path deadlocks before delivery: the cycle is the only counterexample. deadlock_free
/// "deadlock-free" (ending in `delivered` is intended) holds in every case.

#include <cstdint>
#include <ostream>
#include <string_view>
#include <vector>

#include <tcpv/property.hpp>

namespace tcpv::classic {

/// The lossy-link model (see the file comment).
struct lossy_link {
    /// The fairness assumed for the `deliver` step.
    enum class assumption : std::uint8_t { strong, weak, none };
    assumption fairness = assumption::strong;

    enum class state : std::uint8_t { idle, in_flight, delivered };
    enum class action : std::uint8_t { start, send, lose, deliver };

    void init(auto&& emit) const { emit(action::start, state::idle); }

    void next(const state& s, auto&& emit) const {
        // clang-format off
        switch (s) {
            case state::idle:      emit(action::send, state::in_flight);                                    break;
            case state::in_flight: emit(action::lose, state::idle); emit(action::deliver, state::delivered); break;
            case state::delivered:                                                                           break;
        }
        // clang-format on
    }

    void print(std::ostream& os, const state& s) const {
        static constexpr std::string_view names[] = {"idle", "in-flight", "delivered"};
        os << names[static_cast<int>(s)];
    }
    void print(std::ostream& os, const action& a) const {
        static constexpr std::string_view names[] = {"start", "send", "lose", "deliver"};
        os << names[static_cast<int>(a)];
    }

    [[nodiscard]] std::vector<property<lossy_link>> properties() const {
        auto is_delivered = [](const state& s) { return s == state::delivered; };
        auto is_deliver = [](const action& a) { return a == action::deliver; };
        auto delivered = tcpv::eventually("delivered", is_delivered);
        std::vector<property<lossy_link>> out;
        switch (fairness) {
            case assumption::strong: out.push_back(std::move(delivered).under(tcpv::strong_fairness("deliver", is_deliver))); break;
            case assumption::weak:   out.push_back(std::move(delivered).under(tcpv::weak_fairness("deliver", is_deliver)));   break;
            case assumption::none:   out.push_back(delivered);                                                              break;
        }
        out.push_back(tcpv::deadlock_free("deadlock-free", is_delivered));
        return out;
    }
};

}  // namespace tcpv::classic
