#pragma once
/// \file tcpv/tcp/ports.hpp
/// Port numbers as types, and the ephemeral ranges of real stacks (TCP-FACTS §4.1).
///
/// - `port_class`: RFC 6335 §6 divides the 16-bit space into System ("well-known", 0-1023),
///   User ("registered", 1024-49151) and Dynamic/Private (49152-65535) ports; 0 is reserved,
///   and to bind() it means "the system chooses".
/// - `well_known_port`, `registered_port`, `dynamic_port`: a port of one class. A literal of the
///   wrong class does not compile (`well_known_port{8080}` stops with "port_outside_its_class");
///   a value known only at run time goes through `checked()`, which throws naming both
///   classes, or `of()`, which returns nothing.
/// - `ephemeral_range`: where a stack draws automatic ports from, with the defaults of Linux,
///   Windows, 4.4BSD / Windows 2000-2003 and FreeBSD as named profiles.
/// The allocation algorithms that draw from a range are in port_allocation.hpp.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tcpv::tcp {

/// The classes of RFC 6335 §6, plus port 0.
enum class port_class : std::uint8_t {
    system_chooses,  ///< 0: reserved; to bind() it means "any free ephemeral port"
    well_known,      ///< 1-1023: System ports, assigned by IANA
    registered,      ///< 1024-49151: User ports, assigned by IANA
    dynamic,         ///< 49152-65535: Dynamic/Private ports, never assigned
};

/// The class of `port` (run time or compile time).
constexpr port_class classify(std::uint16_t port) noexcept {
    if (port == 0) return port_class::system_chooses;
    if (port <= 1023) return port_class::well_known;
    if (port <= 49151) return port_class::registered;
    return port_class::dynamic;
}

/// "well-known (1-1023)", as error messages and tables spell it.
constexpr std::string_view describe(port_class c) noexcept {
    switch (c) {
        case port_class::system_chooses: return "port 0 (the system chooses)";
        case port_class::well_known: return "well-known (1-1023)";
        case port_class::registered: return "registered (1024-49151)";
        case port_class::dynamic: return "dynamic/private (49152-65535)";
    }
    return "?";
}

namespace detail {
// Not constexpr on purpose: reaching it during constant evaluation stops the compilation, and
// the diagnostic names it.
inline void port_outside_its_class() {}
}  // namespace detail

/// A port number of class `C`. Constructing one from a constant checks the class at compile
/// time; `checked` and `of` check run-time values.
template <port_class C>
class port_of_class {
public:
    /// From a constant: a value of another class does not compile.
    consteval port_of_class(unsigned value) : value_(static_cast<std::uint16_t>(value)) {  // NOLINT: implicit on purpose
        if (value > 65535 || classify(static_cast<std::uint16_t>(value)) != C) detail::port_outside_its_class();
    }
    /// From a run-time value: throws std::invalid_argument naming the value, its class and C.
    static port_of_class checked(long long value) {
        if (auto p = of(value)) return *p;
        if (value < 0 || value > 65535)
            throw std::invalid_argument("port " + std::to_string(value) + " is not a port number (0-65535)");
        throw std::invalid_argument("port " + std::to_string(value) + " is " +
                                    std::string(describe(classify(static_cast<std::uint16_t>(value)))) + ", not " +
                                    std::string(describe(C)));
    }
    /// From a run-time value: nothing when it is not of class C.
    static constexpr std::optional<port_of_class> of(long long value) noexcept {
        if (value < 0 || value > 65535 || classify(static_cast<std::uint16_t>(value)) != C) return std::nullopt;
        port_of_class p{from_checked{}, static_cast<std::uint16_t>(value)};
        return p;
    }
    [[nodiscard]] constexpr std::uint16_t value() const noexcept { return value_; }
    constexpr operator std::uint16_t() const noexcept { return value_; }  // NOLINT: a port is a number
    static constexpr port_class port_class_of = C;

private:
    struct from_checked {};
    constexpr port_of_class(from_checked, std::uint16_t v) noexcept : value_(v) {}
    std::uint16_t value_;
};

using well_known_port = port_of_class<port_class::well_known>;
using registered_port = port_of_class<port_class::registered>;
using dynamic_port = port_of_class<port_class::dynamic>;

/// A port of any class, 0 included ("the system chooses").
struct port_number {
    std::uint16_t value = 0;
    static constexpr port_number any() noexcept { return {}; }
    [[nodiscard]] constexpr bool system_chooses() const noexcept { return value == 0; }
    [[nodiscard]] constexpr port_class cls() const noexcept { return classify(value); }
    constexpr bool operator==(const port_number&) const = default;
};

/// The automatic (ephemeral) port range of a stack: connect() and bind(port 0) draw from it.
struct ephemeral_range {
    std::string_view name;
    std::uint16_t low = 0, high = 0;  ///< inclusive
    std::string_view source;

    [[nodiscard]] constexpr unsigned size() const noexcept { return high >= low ? unsigned(high - low) + 1 : 0; }
    [[nodiscard]] constexpr bool contains(std::uint16_t p) const noexcept { return p >= low && p <= high; }
    /// A range [low, high] given at run time; throws naming what is wrong.
    static ephemeral_range checked(long long low, long long high, std::string_view name = "custom") {
        if (low < 1 || high > 65535 || low > high)
            throw std::invalid_argument("ephemeral range " + std::to_string(low) + "-" + std::to_string(high) +
                                        " is not a range of ports: need 1 <= low <= high <= 65535");
        return {name, static_cast<std::uint16_t>(low), static_cast<std::uint16_t>(high), "given"};
    }
};

namespace ephemeral_ranges {
/// Linux: net.ipv4.ip_local_port_range default 32768 60999 (ends of different parity).
inline constexpr ephemeral_range linux_default{"linux", 32768, 60999, "ip-sysctl.rst ip_local_port_range"};
/// Windows Vista / Server 2008 and later: the IANA dynamic range.
inline constexpr ephemeral_range windows{"windows", 49152, 65535, "KB929851 (secondary sources; TCP-FACTS 4.1)"};
/// Windows 2000/2003 (MaxUserPort 5000) and 4.4BSD (IPPORT_RESERVED..IPPORT_USERRESERVED).
inline constexpr ephemeral_range bsd_classic{"bsd-classic", 1024, 5000,
                                             "MS TechNet MaxUserPort; FreeBSD netinet/in.h IPPORT_USERRESERVED"};
/// FreeBSD today: net.inet.ip.portrange.first/last 10000-65535.
inline constexpr ephemeral_range freebsd{"freebsd", 10000, 65535, "FreeBSD netinet/in.h; in_pcb.c"};
/// RFC 6335 §6 / RFC 6056 §3.2: the dynamic range, which RFC 6056 recommends using whole.
inline constexpr ephemeral_range iana_dynamic{"iana", 49152, 65535, "RFC 6335 section 6; RFC 6056 section 3.2"};

inline constexpr const ephemeral_range* all[] = {&linux_default, &windows, &bsd_classic, &freebsd, &iana_dynamic};

/// The range named `name`; throws std::invalid_argument listing the names otherwise.
inline const ephemeral_range& by_name(std::string_view name) {
    for (const ephemeral_range* r : all)
        if (r->name == name) return *r;
    throw std::invalid_argument("unknown ephemeral range '" + std::string(name) +
                                "'; the ranges are linux, windows, bsd-classic, freebsd, iana");
}
}  // namespace ephemeral_ranges

}  // namespace tcpv::tcp
