#pragma once
/// \file tcpv/tcp/port_allocation.hpp
/// Ephemeral port selection: the five algorithms of RFC 6056 (BCP 156) §3.3, and Linux's
/// variant with its parity split between connect() and bind(port 0) (TCP-FACTS §4.2, §4.3).
///
/// An allocator draws a local port for a connection to (remote address, remote port) from an
/// `ephemeral_range`, asking `in_use(port)` whether the resulting 4-tuple is taken (by a live
/// connection or a TIME-WAIT entry: RFC 6056's check_suitable_port). It returns the port, or
/// EADDRNOTAVAIL when it gives up; it never hands out a port that `in_use` refused. Algorithms
/// 1, 3, 4 and Linux's try every port of the range before giving up; algorithms 2 and 5 draw
/// at random and may give up while a port is free, as RFC 6056 says of them.
///
/// Randomness and the keyed hashes F and G come from a 64-bit seed (`secret`), so runs are
/// reproducible. The mixing function is splitmix64: enough to model the algorithms'
/// behaviour, NOT a cryptographic hash — a stack must use a keyed PRF (RFC 6056 §3.3.3
/// suggests MD5; Linux uses SipHash).

#include <tcpv/tcp/ports.hpp>

#include <cerrno>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tcpv::tcp {

/// Which selection algorithm.
enum class port_algorithm : std::uint8_t {
    random_start = 1,       ///< RFC 6056 §3.3.1 Alg 1: random offset, then sequential probes
    random_pick = 2,        ///< §3.3.2 Alg 2: a fresh random port on every try
    hash = 3,               ///< §3.3.3 Alg 3: offset F(laddr, raddr, rport, secret) + one global counter
    double_hash = 4,        ///< §3.3.4 Alg 4: Alg 3 with a table of counters indexed by G(...)
    random_increments = 5,  ///< §3.3.5 Alg 5: the counter advances by a random 1..N
    linux_connect = 6,      ///< Linux __inet_hash_connect: Alg 4, ports of low's parity first
    linux_bind = 7,         ///< Linux inet_csk_find_open_port: bind(port 0), the other parity first
};

inline constexpr std::string_view algorithm_name(port_algorithm a) noexcept {
    switch (a) {
        case port_algorithm::random_start: return "rfc6056-1";
        case port_algorithm::random_pick: return "rfc6056-2";
        case port_algorithm::hash: return "rfc6056-3";
        case port_algorithm::double_hash: return "rfc6056-4";
        case port_algorithm::random_increments: return "rfc6056-5";
        case port_algorithm::linux_connect: return "linux-connect";
        case port_algorithm::linux_bind: return "linux-bind";
    }
    return "?";
}

/// The remote end (and local address) a port is drawn for: the inputs of F and G.
struct destination {
    std::uint32_t local_address = 0;
    std::uint32_t remote_address = 0;
    std::uint16_t remote_port = 0;
};

/// The outcome of one allocation: a port, or EADDRNOTAVAIL; and how many ports were tried.
struct port_allocation {
    std::uint16_t port = 0;  ///< 0 when none was found
    int error = 0;           ///< 0, or EADDRNOTAVAIL
    unsigned probes = 0;
    [[nodiscard]] bool ok() const noexcept { return error == 0; }
};

/// An allocator with its state (counters, random generator). Not thread-safe.
class port_allocator {
public:
    /// `table_size`: Alg 4's counters (RFC 6056 suggests 10; Linux has 65536).
    /// `max_increment`: Alg 5's N (RFC 6056 mentions 500 as a trade-off).
    /// `reuse_address`: linux_bind only: SO_REUSEADDR, which makes it try the lower half first.
    port_allocator(port_algorithm a, ephemeral_range r, std::uint64_t secret = 0x7463707600000001ull,
                   unsigned table_size = 10, unsigned max_increment = 500, bool reuse_address = false)
        : algorithm_(a), range_(r), rng_(secret), secret_(secret), table_(table_size, 0),
          max_increment_(max_increment), reuse_address_(reuse_address) {
        if (r.size() == 0) throw std::invalid_argument("port_allocator: the ephemeral range is empty");
        if (table_size == 0) throw std::invalid_argument("port_allocator: table_size must be at least 1");
        if (max_increment == 0) throw std::invalid_argument("port_allocator: max_increment must be at least 1");
        next_ephemeral_ = a == port_algorithm::random_increments ? next_random() : 0;
    }

    [[nodiscard]] port_algorithm algorithm() const noexcept { return algorithm_; }
    [[nodiscard]] const ephemeral_range& range() const noexcept { return range_; }

    /// Draws a port for `to`; `in_use(port)` says whether (local, port, remote, rport) is taken.
    port_allocation allocate(const destination& to, const std::function<bool(std::uint16_t)>& in_use) {
        const unsigned n = range_.size();
        port_allocation out;
        auto try_port = [&](unsigned offset) {
            const auto port = static_cast<std::uint16_t>(range_.low + offset % n);
            ++out.probes;
            if (in_use(port)) return false;
            out.port = port;
            return true;
        };
        switch (algorithm_) {
            case port_algorithm::random_start: {
                const auto offset = static_cast<unsigned>(next_random() % n);
                for (unsigned count = 0; count < n; ++count)
                    if (try_port(offset + count)) return out;
                break;
            }
            case port_algorithm::random_pick:
                for (unsigned count = 0; count < n; ++count)
                    if (try_port(static_cast<unsigned>(next_random() % n))) return out;
                break;
            case port_algorithm::hash:
            case port_algorithm::double_hash: {
                const std::uint64_t offset = keyed_hash(to, secret_);
                std::uint64_t& counter = algorithm_ == port_algorithm::hash
                                             ? next_ephemeral_
                                             : table_[keyed_hash(to, ~secret_) % table_.size()];
                for (unsigned count = 0; count < n; ++count) {
                    const auto at = static_cast<unsigned>((offset + counter) % n);
                    ++counter;
                    if (try_port(at)) return out;
                }
                break;
            }
            case port_algorithm::random_increments:
                for (unsigned count = 0; count < n; ++count) {
                    next_ephemeral_ += next_random() % max_increment_ + 1;
                    if (try_port(static_cast<unsigned>(next_ephemeral_ % n))) return out;
                }
                break;
            case port_algorithm::linux_connect: {
                // Alg 4's offset, then ports of low's parity (offset made even, step 2), then the
                // other parity: connect() leaves the other half to bind(port 0).
                std::uint64_t& counter = table_[keyed_hash(to, ~secret_) % table_.size()];
                const std::uint64_t offset = keyed_hash(to, secret_) + counter;
                if (scan_by_parity(offset & ~std::uint64_t{1}, 0, n, try_port)) {
                    counter += 2 * out.probes;  // Linux: table_perturb[index] += i + 2
                    return out;
                }
                break;
            }
            case port_algorithm::linux_bind: {
                // inet_csk_find_open_port: a random odd offset (the parity connect() does not
                // prefer); with SO_REUSEADDR the lower half of the range first.
                const std::uint64_t offset = next_random() | 1u;
                if (reuse_address_ && n >= 4) {
                    const unsigned half = n / 2;
                    if (scan_by_parity(offset, 0, half, try_port) || scan_by_parity(offset, half, n - half, try_port))
                        return out;
                } else if (scan_by_parity(offset, 0, n, try_port)) {
                    return out;
                }
                break;
            }
        }
        out.port = 0;
        out.error = EADDRNOTAVAIL;
        return out;
    }

private:
    // Ports base + (offset + i) % len for i = 0, 2, 4, ... (offset's parity first), then the
    // other parity; every port of [base, base + len) is tried once.
    template <class Try>
    static bool scan_by_parity(std::uint64_t offset, unsigned base, unsigned len, Try& try_port) {
        for (unsigned pass = 0; pass < 2; ++pass)
            for (unsigned i = pass; i < len; i += 2)
                if (try_port(base + static_cast<unsigned>((offset + i) % len))) return true;
        return false;
    }
    static std::uint64_t mix(std::uint64_t z) noexcept {
        z += 0x9e3779b97f4a7c15ull;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    static std::uint64_t keyed_hash(const destination& d, std::uint64_t key) noexcept {
        return mix(mix(mix(key ^ d.local_address) ^ d.remote_address) ^ d.remote_port);
    }
    std::uint64_t next_random() noexcept { return mix(rng_++); }

    port_algorithm algorithm_;
    ephemeral_range range_;
    std::uint64_t rng_, secret_;
    std::uint64_t next_ephemeral_ = 0;
    std::vector<std::uint64_t> table_;
    unsigned max_increment_;
    bool reuse_address_;
};

/// The algorithm named `name` (rfc6056-1 .. rfc6056-5, linux-connect, linux-bind).
inline port_algorithm port_algorithm_by_name(std::string_view name) {
    for (int i = 1; i <= 7; ++i)
        if (algorithm_name(port_algorithm(i)) == name) return port_algorithm(i);
    throw std::invalid_argument("unknown port selection algorithm '" + std::string(name) +
                                "'; the algorithms are rfc6056-1 .. rfc6056-5, linux-connect, linux-bind");
}

}  // namespace tcpv::tcp
