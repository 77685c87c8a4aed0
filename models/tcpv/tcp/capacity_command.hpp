#pragma once
/// \file tcpv/tcp/capacity_command.hpp
/// `tcpv capacity`: the highest sustained rate of new actively-closed connections from one
/// client address before its ephemeral ports run out (capacity.hpp), for a stack's defaults
/// and for the changes that raise it: tcp_tw_reuse, a wider range, more destinations.

#include <tcpv/tcp/capacity.hpp>

#include <charconv>
#include <cstdio>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tcpv::tcp {

namespace capacity_detail {

inline constexpr std::string_view usage_text =
    R"(usage: tcpv capacity [--profile NAME] [--range LOW-HIGH] [--time-wait SECONDS]
                     [--destinations N] [--tw-reuse on|off] [--json]

The highest sustained rate of new connections that one client address can open to one
server (address, port) and close first, before connect() fails with EADDRNOTAVAIL:
    rate = ports in the ephemeral range * destinations / how long each 4-tuple is held
A 4-tuple is held for the TIME-WAIT length, or with tcp_tw_reuse (Linux, timestamps on)
for tcp_tw_reuse_delay (1 s). Also prints how tw_reuse, the widest range and more
destination addresses change it.

  --profile NAME      linux (default), windows, freebsd, bsd-classic, rfc9293
  --range LOW-HIGH    the ephemeral range (default: the profile's)
  --time-wait SECONDS TIME-WAIT length (default: the profile's)
  --destinations N    distinct server (address, port) pairs (default 1)
  --tw-reuse on|off   take TIME-WAIT entries over after the reuse delay (linux only; default off)
  --json              one JSON object instead of the table
)";

struct bad_input : std::runtime_error {
    using std::runtime_error::runtime_error;
};

inline long long whole(std::string_view what, std::string_view text, long long lo, long long hi) {
    long long v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size())
        throw bad_input(std::string(what) + " needs a whole number, not '" + std::string(text) + "'");
    if (v < lo || v > hi)
        throw bad_input(std::string(what) + " " + std::string(text) + " is out of range: allowed " +
                        std::to_string(lo) + " to " + std::to_string(hi));
    return v;
}

struct request {
    const port_profile* profile = &port_profiles::linux_6;
    std::optional<ephemeral_range> range;
    std::optional<std::chrono::milliseconds> time_wait;
    unsigned destinations = 1;
    bool tw_reuse = false, json = false, help = false;
};

inline request parse(const std::vector<std::string_view>& args) {
    request q;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view a = args[i];
        auto value = [&]() -> std::string_view {
            if (i + 1 >= args.size()) throw bad_input(std::string(a) + " needs a value");
            return args[++i];
        };
        if (a == "--help" || a == "-h") q.help = true;
        else if (a == "--json") q.json = true;
        else if (a == "--profile") {
            try {
                q.profile = &port_profiles::by_name(value());
            } catch (const std::invalid_argument& e) {
                throw bad_input(e.what());
            }
        } else if (a == "--range") {
            const std::string_view v = value();
            const auto dash = v.find('-');
            if (dash == std::string_view::npos) throw bad_input("--range needs LOW-HIGH, not '" + std::string(v) + "'");
            const long long lo = whole("--range LOW", v.substr(0, dash), 1, 65535);
            const long long hi = whole("--range HIGH", v.substr(dash + 1), 1, 65535);
            try {
                q.range = ephemeral_range::checked(lo, hi, "given");
            } catch (const std::invalid_argument& e) {
                throw bad_input(e.what());
            }
        } else if (a == "--time-wait") {
            q.time_wait = std::chrono::seconds(whole("--time-wait", value(), 1, 86400));
        } else if (a == "--destinations") {
            q.destinations = unsigned(whole("--destinations", value(), 1, 1 << 20));
        } else if (a == "--tw-reuse") {
            const std::string_view v = value();
            if (v != "on" && v != "off") throw bad_input("--tw-reuse needs on or off, not '" + std::string(v) + "'");
            q.tw_reuse = v == "on";
        } else {
            throw bad_input("unknown argument '" + std::string(a) + "'");
        }
    }
    if (q.tw_reuse && !q.profile->has_tw_reuse)
        throw bad_input("--tw-reuse is a Linux mechanism; profile " + std::string(q.profile->name) + " has none");
    return q;
}

inline std::string rate_text(double r) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", r);
    return buf;
}
inline std::string seconds_text(std::chrono::milliseconds d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, d.count() % 1000 ? "%.3f s" : "%.0f s", double(d.count()) / 1000.0);
    return buf;
}

struct variant_row {
    std::string what;
    capacity_question q;
    capacity_answer a;
};

}  // namespace capacity_detail

/// `tcpv capacity ARGS...`: exit 0, or 2 with a message naming the bad argument.
inline int capacity_command(const std::vector<std::string_view>& args, std::ostream& out, std::ostream& err) {
    using namespace capacity_detail;
    try {
        const request q = parse(args);
        if (q.help) {
            out << usage_text;
            return 0;
        }
        const ephemeral_range range = q.range.value_or(q.profile->range);
        capacity_question base{range.size(), q.time_wait.value_or(q.profile->time_wait), q.destinations, q.tw_reuse,
                               q.profile->tw_reuse_delay};
        std::vector<variant_row> rows;
        rows.push_back({"as given", base, capacity(base)});
        if (q.profile->has_tw_reuse && !q.tw_reuse) {
            capacity_question v = base;
            v.tw_reuse = true;
            rows.push_back({"with tcp_tw_reuse (" + seconds_text(v.reuse_delay) + " delay, timestamps on)", v, capacity(v)});
        }
        if (range.size() < 64512) {
            capacity_question v = base;
            v.ports = 64512;
            rows.push_back({"widest range 1024-65535", v, capacity(v)});
        }
        {
            capacity_question v = base;
            v.destinations = base.destinations * 4;
            rows.push_back({std::to_string(v.destinations) + " destinations (addresses or ports)", v, capacity(v)});
        }
        std::ostringstream text;
        if (q.json) {
            text << "{\"profile\":\"" << q.profile->name << "\",\"range\":[" << range.low << ',' << range.high
                 << "],\"ports\":" << range.size() << ",\"time_wait_seconds\":" << double(base.time_wait.count()) / 1000
                 << ",\"destinations\":" << base.destinations << ",\"tw_reuse\":" << (q.tw_reuse ? "true" : "false")
                 << ",\"connections_per_second\":" << rate_text(rows[0].a.connections_per_second) << ",\"variants\":[";
            for (std::size_t i = 1; i < rows.size(); ++i)
                text << (i > 1 ? "," : "") << "{\"what\":\"" << rows[i].what << "\",\"tuples\":" << rows[i].a.tuples
                     << ",\"hold_seconds\":" << double(rows[i].a.hold.count()) / 1000
                     << ",\"connections_per_second\":" << rate_text(rows[i].a.connections_per_second) << '}';
            text << "]}\n";
        } else {
            text << "profile " << q.profile->name << ": ephemeral range " << range.low << '-' << range.high << " ("
                 << range.size() << " ports), TIME-WAIT " << seconds_text(base.time_wait)
                 << (q.tw_reuse ? ", tcp_tw_reuse on" : "") << "\n";
            text << "highest sustained rate of actively closed connections to " << base.destinations
                 << (base.destinations == 1 ? " destination: " : " destinations: ")
                 << rate_text(rows[0].a.connections_per_second) << "/s  (" << rows[0].a.tuples << " 4-tuples / "
                 << seconds_text(rows[0].a.hold) << ")\n\n";
            char line[160];
            std::snprintf(line, sizeof line, "%-48s %10s %10s %14s\n", "variant", "4-tuples", "held for", "connections/s");
            text << line;
            for (const auto& r : rows) {
                std::snprintf(line, sizeof line, "%-48s %10u %10s %14s\n", r.what.c_str(), r.a.tuples,
                              seconds_text(r.a.hold).c_str(), rate_text(r.a.connections_per_second).c_str());
                text << line;
            }
            text << "(source: " << q.profile->sources << ")\n";
        }
        out << text.str();
        return 0;
    } catch (const bad_input& e) {
        err << "tcpv capacity: " << e.what() << "\n(see `tcpv capacity --help`)\n";
        return 2;
    } catch (const std::invalid_argument& e) {
        err << "tcpv capacity: " << e.what() << '\n';
        return 2;
    }
}

}  // namespace tcpv::tcp
