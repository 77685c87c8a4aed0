#pragma once
/// \file tcpv/tcp/projection.hpp
/// The TCP models' hook for projected state graphs (include/tcpv/projection.hpp, `tcpv dot
/// MODEL --graph endpoints`): a state of two endpoints projected onto their RFC 9293 states,
/// "A state / B state". Covers every model whose state is a `pair_state` or holds one (as
/// `pair`, `p` or `net`): close, handshake, incarnations, time-wait-assassination.

#include <tcpv/tcp/pair.hpp>

#include <string>

namespace tcpv::tcp {

namespace detail {
template <class S>
const pair_state& pair_of(const S& s) {
    if constexpr (std::same_as<S, pair_state>) return s;
    else if constexpr (requires { s.pair; }) return s.pair;
    else if constexpr (requires { s.p; }) return s.p;
    else return s.net;
}
template <class S>
concept holds_pair = std::same_as<S, pair_state> || requires(const S& s) {
    { s.pair } -> std::convertible_to<const pair_state&>;
} || requires(const S& s) {
    { s.p } -> std::convertible_to<const pair_state&>;
} || requires(const S& s) {
    { s.net } -> std::convertible_to<const pair_state&>;
};
}  // namespace detail

namespace models {
/// "A: FIN-WAIT-1 / B: CLOSE-WAIT" for any state of two TCP endpoints.
template <class M>
    requires detail::holds_pair<typename M::state>
std::string state_projection(const M&, const typename M::state& s) {
    const pair_state& p = detail::pair_of(s);
    return "A: " + std::string(rfc_name(p.ep[0].st)) + " / B: " + std::string(rfc_name(p.ep[1].st));
}
}  // namespace models

}  // namespace tcpv::tcp
