// The TCP sockets of the current network namespace, as the kernel lists them in /proc/net/tcp
// and /proc/net/tcp6 (net/ipv4/tcp_ipv4.c get_tcp4_sock / get_timewait4_sock / get_openreq4,
// net/ipv6/tcp_ipv6.c). TIME_WAIT entries have no file descriptor; this table (or inet_diag) is
// the only place to see them. Also: the per-namespace counters of /proc/net/netstat.
//
// Line format (whitespace-separated; IPv4 lines are padded with trailing blanks):
//   sl: LLLLLLLL:PPPP RRRRRRRR:PPPP ST TX_QUEUE:RX_QUEUE TR:WHEN RETRNSMT UID TIMEOUT INODE REF PTR ...
// Addresses are the raw network-order words printed as host integers (%08X; IPv6: four of them),
// ports are host-order %04X. TR is the pending timer (0 none, 1 retransmit, 2 keepalive/FIN_WAIT2,
// 3 TIME_WAIT, 4 zero-window probe) and WHEN its remaining time, converted by the kernel with
// jiffies_delta_to_clock_t(): the unit is USER_HZ clock ticks (sysconf(_SC_CLK_TCK), 100 on
// Linux), not jiffies. Parsing is strict: a malformed line throws TcpTableError naming it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tcpv::linux_probe {

// The kernel's numbering (include/net/tcp_states.h). Request sockets are listed as SYN_RECV.
enum class TcpState : std::uint8_t {
    Established = 0x01,
    SynSent = 0x02,
    SynRecv = 0x03,
    FinWait1 = 0x04,
    FinWait2 = 0x05,
    TimeWait = 0x06,
    Close = 0x07,
    CloseWait = 0x08,
    LastAck = 0x09,
    Listen = 0x0A,
    Closing = 0x0B,
};

inline const char* to_string(TcpState s) {
    switch (s) {
        case TcpState::Established: return "ESTABLISHED";
        case TcpState::SynSent: return "SYN_SENT";
        case TcpState::SynRecv: return "SYN_RECV";
        case TcpState::FinWait1: return "FIN_WAIT1";
        case TcpState::FinWait2: return "FIN_WAIT2";
        case TcpState::TimeWait: return "TIME_WAIT";
        case TcpState::Close: return "CLOSE";
        case TcpState::CloseWait: return "CLOSE_WAIT";
        case TcpState::LastAck: return "LAST_ACK";
        case TcpState::Listen: return "LISTEN";
        case TcpState::Closing: return "CLOSING";
    }
    return "?";
}

// Values of the TR column.
enum class TimerKind : std::uint8_t {
    None = 0,
    Retransmit = 1,
    Keepalive = 2,  // sk_timer: keepalive, or the FIN_WAIT2 timer of an orphan
    TimeWait = 3,   // a timewait mini-socket (TIME_WAIT, or FIN_WAIT2 substate)
    ZeroWindowProbe = 4,
};

struct TcpEntry {
    int family = AF_INET;
    std::string local_addr;  // "127.0.0.1", "::1", ...
    std::uint16_t local_port = 0;
    std::string remote_addr;
    std::uint16_t remote_port = 0;
    TcpState state = TcpState::Close;
    std::uint32_t tx_queue = 0;
    std::uint32_t rx_queue = 0;
    TimerKind timer = TimerKind::None;
    std::uint64_t timer_ticks = 0;  // WHEN, USER_HZ ticks
    std::uint32_t retransmits = 0;
    std::uint64_t uid = 0;
    std::uint64_t probes = 0;  // the "timeout" column
    std::uint64_t inode = 0;   // 0 for sockets without a descriptor (TIME_WAIT, orphans)

    std::chrono::milliseconds timer_remaining() const {
        static const long hz = ::sysconf(_SC_CLK_TCK);
        return std::chrono::milliseconds(
            static_cast<std::int64_t>(timer_ticks) * 1000 / (hz > 0 ? hz : 100));
    }

    std::string describe() const {
        std::ostringstream o;
        const bool v6 = family == AF_INET6;
        o << (v6 ? "[" : "") << local_addr << (v6 ? "]" : "") << ':' << local_port << " -> "
          << (v6 ? "[" : "") << remote_addr << (v6 ? "]" : "") << ':' << remote_port << ' '
          << to_string(state) << " tr=" << static_cast<int>(timer) << " when="
          << timer_remaining().count() << "ms inode=" << inode;
        return o.str();
    }
};

class TcpTableError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

namespace detail {

inline bool is_hex(std::string_view s) {
    if (s.empty()) return false;
    for (const char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f')))
            return false;
    return true;
}

inline bool is_dec(std::string_view s) {
    if (s.empty()) return false;
    for (const char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

inline std::uint64_t hex_value(std::string_view s) {
    std::uint64_t v = 0;
    for (const char c : s) {
        const int d = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
        v = v * 16 + static_cast<std::uint64_t>(d);
    }
    return v;
}

inline std::uint64_t dec_value(std::string_view s) {
    std::uint64_t v = 0;
    for (const char c : s) v = v * 10 + static_cast<std::uint64_t>(c - '0');
    return v;
}

inline std::vector<std::string_view> split_ws(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        const std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
        if (i > start) out.push_back(line.substr(start, i - start));
    }
    return out;
}

// "A:B" with exact hex widths for A and B (max_b > min_b allows a range for B).
inline bool split_hex_pair(std::string_view f, std::size_t a_len, std::size_t b_min,
                           std::size_t b_max, std::string_view& a, std::string_view& b) {
    const std::size_t colon = f.find(':');
    if (colon == std::string_view::npos) return false;
    a = f.substr(0, colon);
    b = f.substr(colon + 1);
    return a.size() == a_len && b.size() >= b_min && b.size() <= b_max && is_hex(a) && is_hex(b);
}

// An address column: the in-memory words of the address printed as host-order integers.
inline std::string address_string(int family, std::string_view hex) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (family == AF_INET6) {
        in6_addr a{};
        for (int w = 0; w < 4; ++w) {
            const auto word = static_cast<std::uint32_t>(hex_value(hex.substr(8 * w, 8)));
            std::memcpy(&a.s6_addr[4 * w], &word, 4);
        }
        ::inet_ntop(AF_INET6, &a, buf, sizeof buf);
    } else {
        in_addr a{};
        a.s_addr = static_cast<std::uint32_t>(hex_value(hex));
        ::inet_ntop(AF_INET, &a, buf, sizeof buf);
    }
    return buf;
}

}  // namespace detail

// Parses the whole text of /proc/net/tcp (family AF_INET) or /proc/net/tcp6 (AF_INET6).
// `source` names the file in error messages.
inline std::vector<TcpEntry> parse_tcp_table(std::string_view text, int family,
                                             std::string_view source) {
    using namespace detail;
    const std::size_t addr_len = family == AF_INET6 ? 32 : 8;
    std::vector<TcpEntry> out;
    std::size_t line_no = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        const std::string_view line = text.substr(pos, nl - pos);
        pos = nl + 1;
        ++line_no;
        const auto fail = [&](const std::string& why) {
            throw TcpTableError(std::string(source) + " line " + std::to_string(line_no) + ": " +
                                why + ": \"" + std::string(line) + "\"");
        };
        const std::vector<std::string_view> f = split_ws(line);
        if (line_no == 1) {
            if (f.size() < 2 || f[0] != "sl" || f[1] != "local_address")
                fail("expected the header line (sl local_address ...)");
            continue;
        }
        if (f.empty()) fail("empty line");
        if (f.size() < 12) fail("expected at least 12 fields, got " + std::to_string(f.size()));
        if (f[0].size() < 2 || f[0].back() != ':' || !is_dec(f[0].substr(0, f[0].size() - 1)))
            fail("bad slot number '" + std::string(f[0]) + "'");

        TcpEntry e;
        e.family = family;
        std::string_view a, b;
        if (!split_hex_pair(f[1], addr_len, 4, 4, a, b))
            fail("bad local address '" + std::string(f[1]) + "'");
        e.local_addr = address_string(family, a);
        e.local_port = static_cast<std::uint16_t>(hex_value(b));
        if (!split_hex_pair(f[2], addr_len, 4, 4, a, b))
            fail("bad remote address '" + std::string(f[2]) + "'");
        e.remote_addr = address_string(family, a);
        e.remote_port = static_cast<std::uint16_t>(hex_value(b));

        if (f[3].size() != 2 || !is_hex(f[3])) fail("bad state '" + std::string(f[3]) + "'");
        const auto st = hex_value(f[3]);
        if (st < 0x01 || st > 0x0B) fail("unknown state " + std::string(f[3]));
        e.state = static_cast<TcpState>(st);

        if (!split_hex_pair(f[4], 8, 8, 8, a, b))
            fail("bad tx_queue:rx_queue '" + std::string(f[4]) + "'");
        e.tx_queue = static_cast<std::uint32_t>(hex_value(a));
        e.rx_queue = static_cast<std::uint32_t>(hex_value(b));

        if (!split_hex_pair(f[5], 2, 8, 16, a, b))
            fail("bad tr:tm->when '" + std::string(f[5]) + "'");
        const auto tr = hex_value(a);
        if (tr > 4) fail("unknown timer kind " + std::string(a));
        e.timer = static_cast<TimerKind>(tr);
        e.timer_ticks = hex_value(b);

        if (f[6].size() != 8 || !is_hex(f[6])) fail("bad retrnsmt '" + std::string(f[6]) + "'");
        e.retransmits = static_cast<std::uint32_t>(hex_value(f[6]));
        if (!is_dec(f[7])) fail("bad uid '" + std::string(f[7]) + "'");
        e.uid = dec_value(f[7]);
        if (!is_dec(f[8])) fail("bad timeout '" + std::string(f[8]) + "'");
        e.probes = dec_value(f[8]);
        if (!is_dec(f[9])) fail("bad inode '" + std::string(f[9]) + "'");
        e.inode = dec_value(f[9]);
        if (!is_dec(f[10])) fail("bad refcount '" + std::string(f[10]) + "'");
        if (!is_hex(f[11])) fail("bad socket pointer '" + std::string(f[11]) + "'");
        out.push_back(std::move(e));
    }
    if (line_no == 0) throw TcpTableError(std::string(source) + ": empty (no header line)");
    return out;
}

inline std::string read_whole_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw TcpTableError("cannot open " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// All TCP sockets of the current namespace: /proc/net/tcp, then /proc/net/tcp6 (when present).
inline std::vector<TcpEntry> read_tcp_table() {
    std::vector<TcpEntry> all =
        parse_tcp_table(read_whole_file("/proc/net/tcp"), AF_INET, "/proc/net/tcp");
    if (std::ifstream probe("/proc/net/tcp6"); probe) {
        probe.close();
        auto v6 = parse_tcp_table(read_whole_file("/proc/net/tcp6"), AF_INET6, "/proc/net/tcp6");
        all.insert(all.end(), v6.begin(), v6.end());
    }
    return all;
}

// The entry for one loopback 4-tuple, seen from its local end.
struct Tuple {
    std::uint16_t local_port = 0;
    std::uint16_t remote_port = 0;
    int family = AF_INET;

    Tuple reversed() const { return {remote_port, local_port, family}; }
};

inline const char* loopback_string(int family) { return family == AF_INET6 ? "::1" : "127.0.0.1"; }

inline std::optional<TcpEntry> find_entry(const std::vector<TcpEntry>& table, const Tuple& t) {
    const char* lo = loopback_string(t.family);
    for (const TcpEntry& e : table)
        if (e.family == t.family && e.local_port == t.local_port &&
            e.remote_port == t.remote_port && e.local_addr == lo && e.remote_addr == lo)
            return e;
    return std::nullopt;
}

inline std::optional<TcpEntry> find_entry(const Tuple& t) { return find_entry(read_tcp_table(), t); }

inline std::optional<TcpState> state_of(const Tuple& t) {
    if (auto e = find_entry(t)) return e->state;
    return std::nullopt;
}

// Every entry that involves `port` (either end), one per line: for failure messages.
inline std::string describe_port(std::uint16_t port) {
    std::string out;
    for (const TcpEntry& e : read_tcp_table())
        if (e.local_port == port || e.remote_port == port) out += "  " + e.describe() + "\n";
    return out.empty() ? "  (no entries)\n" : out;
}

// One counter of /proc/net/netstat or /proc/net/snmp (pairs of "Group: names" / "Group: values"
// lines), e.g. netstat_counter("TcpExt", "TCPAbortOnClose"). Per network namespace.
inline std::optional<std::uint64_t> netstat_counter(std::string_view group, std::string_view name,
                                                    const std::string& path = "/proc/net/netstat") {
    std::istringstream in(read_whole_file(path));
    std::string names, values;
    std::size_t line_no = 0;
    while (std::getline(in, names)) {
        ++line_no;
        if (!std::getline(in, values))
            throw TcpTableError(path + " line " + std::to_string(line_no) + ": header without values");
        ++line_no;
        const auto n = detail::split_ws(names);
        const auto v = detail::split_ws(values);
        if (n.empty() || v.empty() || n[0] != v[0] || n.size() != v.size())
            throw TcpTableError(path + " line " + std::to_string(line_no) +
                                ": names and values do not match");
        if (n[0].substr(0, n[0].size() - 1) != group) continue;
        for (std::size_t i = 1; i < n.size(); ++i)
            if (n[i] == name) {
                if (!detail::is_dec(v[i]))
                    throw TcpTableError(path + " line " + std::to_string(line_no) + ": bad value '" +
                                        std::string(v[i]) + "' for " + std::string(name));
                return detail::dec_value(v[i]);
            }
    }
    return std::nullopt;
}

}  // namespace tcpv::linux_probe
