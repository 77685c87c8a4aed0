#pragma once
/// \file tcpv/model.hpp
/// The `model` concept: what the checker needs from a system to explore it.
///
/// A model is a value (its parameters) with two nested types and two functions:
///
/// ```cpp
/// struct counter {
///     int limit = 3;                                   // a parameter
///     using state  = int;                              // regular, hashable, printable
///     using action = std::string_view;                 // equality-comparable, printable
///     void init(auto&& emit) const { emit("start", 0); }
///     void next(const state& s, auto&& emit) const {
///         if (s < limit) emit("inc", s + 1);
///     }
/// };
/// static_assert(tcpv::model<counter>);
/// ```
///
/// Determinism contract. `init` and `next` are pure functions of the model's parameters and
/// their arguments: called twice with equal arguments they emit equal (action, state) pairs in
/// the same order. The checker relies on it: it stores no edges, and rebuilds traces and the
/// liveness graph by calling `next` again. `next` must not keep state between calls and may be
/// called from several threads at once (on distinct or equal states). The order of emission is
/// part of the contract: it decides which of several shortest counterexamples is reported, so
/// the same model always yields the same report.
///
/// Every state the checker is handed came from `init` or `next`; a model never sees a state it
/// did not make.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace tcpv {

namespace detail {

/// 64-bit hash of raw bytes (a wyhash-style multiply-mix; fast and well distributed).
inline std::uint64_t mix64(std::uint64_t a, std::uint64_t b) noexcept {
    const __uint128_t r = static_cast<__uint128_t>(a) * b;
    return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}

inline std::uint64_t hash_bytes(const void* data, std::size_t n) noexcept {
    constexpr std::uint64_t k0 = 0xa0761d6478bd642fULL, k1 = 0xe7037ed1a0b428dbULL,
                            k2 = 0x8ebc6af09c88c6e3ULL;
    const auto* p = static_cast<const unsigned char*>(data);
    std::uint64_t h = k0 ^ (n * k1);
    while (n >= 8) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        h = mix64(h ^ w, k1);
        p += 8;
        n -= 8;
    }
    if (n > 0) {
        std::uint64_t w = 0;
        std::memcpy(&w, p, n);
        h = mix64(h ^ w, k2);
    }
    return mix64(h, k2 ^ k0);
}

}  // namespace detail

/// A state type whose bytes are its value: trivially copyable with no padding. The checker
/// hashes such states as raw bytes (the fast path), so its `==` must compare every byte: an
/// `==` that ignores a field would make the counts depend on hash collisions. Use
/// `bool operator==(const state&) const = default;`.
template <class S>
concept byte_hashable = std::is_trivially_copyable_v<S> && std::has_unique_object_representations_v<S>;

/// A state type the checker can hash: either byte_hashable, or with a std::hash specialisation.
template <class S>
concept hashable = byte_hashable<S> || requires(const S& s) {
    { std::hash<S>{}(s) } -> std::convertible_to<std::size_t>;
};

/// The hash the checker uses for states (bytes for byte_hashable types, else std::hash).
template <hashable S>
std::uint64_t state_hash(const S& s) noexcept {
    if constexpr (byte_hashable<S>) {
        return detail::hash_bytes(&s, sizeof(S));
    } else {
        // std::hash of integers is the identity in libstdc++: mix it so buckets spread.
        return detail::mix64(static_cast<std::uint64_t>(std::hash<S>{}(s)), 0x9e3779b97f4a7c15ULL);
    }
}

/// Whether `m` can print `x` (member `print(ostream&, x)` or `ostream << x`).
template <class M, class T>
concept printable_by = requires(const M& m, std::ostream& os, const T& x) { m.print(os, x); } ||
                       requires(std::ostream& os, const T& x) { os << x; };

/// Prints a state or action: the model's `print` member when it has one, else `operator<<`.
template <class M, class T>
    requires printable_by<M, T>
void print_to(std::ostream& os, const M& m, const T& x) {
    if constexpr (requires { m.print(os, x); })
        m.print(os, x);
    else
        os << x;
}

/// The printable form of a state or action of model `m`, as a string.
template <class M, class T>
    requires printable_by<M, T>
std::string to_text(const M& m, const T& x) {
    std::ostringstream os;
    print_to(os, m, x);
    return std::move(os).str();
}

namespace detail {
/// The emitter the concept checks `init` and `next` with: a callable taking (action, state).
/// Real emitters are lambdas of the checker; a model must accept any such callable (take it as
/// `auto&& emit` or as a template parameter).
template <class A, class S>
struct emitter_archetype {
    void operator()(const A&, const S&) const {}
};
}  // namespace detail

/// A system the checker can explore. See the file comment for the determinism contract.
template <class M>
concept model = requires { typename M::state; typename M::action; } &&
                std::regular<typename M::state> && hashable<typename M::state> &&
                std::copy_constructible<typename M::action> &&
                std::equality_comparable<typename M::action> &&
                printable_by<M, typename M::state> && printable_by<M, typename M::action> &&
                requires(const M& m, const typename M::state& s,
                         detail::emitter_archetype<typename M::action, typename M::state> emit) {
                    m.init(emit);
                    m.next(s, emit);
                };

/// Throws std::invalid_argument "MODEL: NAME = V is outside LO..HI" when a model parameter is
/// out of range: the one message every model's `validate()` gives.
inline void require_in_range(std::string_view model_name, std::string_view name, long long v, long long lo,
                             long long hi) {
    if (v < lo || v > hi)
        throw std::invalid_argument(std::string(model_name) + ": " + std::string(name) + " = " + std::to_string(v) +
                                    " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
}

/// Number of bytes of one state as stored by the checker.
template <model M>
inline constexpr std::size_t state_bytes = sizeof(typename M::state);

}  // namespace tcpv
