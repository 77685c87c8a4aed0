#pragma once
/// \file tcpv/tcp/states.hpp
/// The eleven TCP states of RFC 9293 §3.3.2, as types and as a compact run-time id.
///
/// Each state is a type (`tcp::fin_wait_1`) so that the transition table reads like the RFC and
/// can be checked at compile time; an endpoint stores the `state_id` (4 bits) so that a model
/// state stays small.

#include <array>
#include <cstdint>
#include <string_view>

namespace tcpv::tcp {

/// Run-time identity of a state. The order is RFC 9293's list.
enum class state_id : std::uint8_t {
    closed,
    listen,
    syn_sent,
    syn_received,
    established,
    fin_wait_1,
    fin_wait_2,
    close_wait,
    closing,
    last_ack,
    time_wait,
};
inline constexpr std::size_t state_count = 11;

/// The state's name as RFC 9293 spells it ("FIN-WAIT-1").
inline constexpr std::string_view rfc_name(state_id s) noexcept {
    constexpr std::array<std::string_view, state_count> names = {
        "CLOSED",     "LISTEN",     "SYN-SENT",   "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
        "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING",    "LAST-ACK",     "TIME-WAIT"};
    return names[static_cast<std::size_t>(s)];
}

/// Parses an RFC name or an identifier ("FIN-WAIT-1", "fin_wait_1", "FIN_WAIT_1"); returns
/// false when `text` names no state.
inline constexpr bool parse_state(std::string_view text, state_id& out) noexcept {
    for (std::size_t i = 0; i < state_count; ++i) {
        const std::string_view name = rfc_name(static_cast<state_id>(i));
        if (name.size() != text.size()) continue;
        bool same = true;
        for (std::size_t k = 0; k < name.size() && same; ++k) {
            char c = text[k];
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
            if (c == '_') c = '-';
            same = c == name[k];
        }
        if (same) {
            out = static_cast<state_id>(i);
            return true;
        }
    }
    return false;
}

/// RFC 9293 §3.5: the states after the handshake, where sequence numbers are validated.
inline constexpr bool is_synchronized(state_id s) noexcept {
    return s >= state_id::established;
}

/// A state as a type: `tcp::state<state_id::fin_wait_1>`; aliases below.
template <state_id S>
struct state {
    static constexpr state_id id = S;
    static constexpr std::string_view name = rfc_name(S);
};

using closed = state<state_id::closed>;
using listen = state<state_id::listen>;
using syn_sent = state<state_id::syn_sent>;
using syn_received = state<state_id::syn_received>;
using established = state<state_id::established>;
using fin_wait_1 = state<state_id::fin_wait_1>;
using fin_wait_2 = state<state_id::fin_wait_2>;
using close_wait = state<state_id::close_wait>;
using closing = state<state_id::closing>;
using last_ack = state<state_id::last_ack>;
using time_wait = state<state_id::time_wait>;

/// Several states in one table row: `any_of<fin_wait_1, fin_wait_2>`.
template <class... States>
struct any_of {
    static constexpr std::array<state_id, sizeof...(States)> ids = {States::id...};
};

/// Every state but CLOSED and LISTEN (a TCB with sequence variables exists).
using with_sequence_numbers =
    any_of<syn_sent, syn_received, established, fin_wait_1, fin_wait_2, close_wait, closing, last_ack, time_wait>;
/// The synchronized states (RFC 9293 §3.5).
using synchronized =
    any_of<established, fin_wait_1, fin_wait_2, close_wait, closing, last_ack, time_wait>;

}  // namespace tcpv::tcp
