#pragma once
/// \file tcpv/detail/json.hpp
/// Minimal JSON output helpers (tcpv writes JSON; it reads it only in the trace tools).

#include <cstdio>
#include <string>
#include <string_view>

namespace tcpv::detail {

/// `s` as a JSON string literal, quotes included. Control characters are escaped as \uXXXX.
inline std::string json_quote(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    out.push_back('"');
    for (const char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
                    out += buf;
                } else {
                    out.push_back(c);
                }
        }
    }
    out.push_back('"');
    return out;
}

/// A double as JSON (finite; shortest form that round-trips well enough for reports).
inline std::string json_number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

}  // namespace tcpv::detail
