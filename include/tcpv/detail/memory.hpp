#pragma once
/// \file tcpv/detail/memory.hpp
/// Resident memory of this process (Linux: /proc/self/statm, getrusage).

#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>

namespace tcpv::detail {

/// Current resident set size in bytes (0 if it cannot be read).
inline std::uint64_t current_rss_bytes() noexcept {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f) return 0;
    unsigned long size = 0, resident = 0;
    const int n = std::fscanf(f, "%lu %lu", &size, &resident);
    std::fclose(f);
    if (n != 2) return 0;
    return static_cast<std::uint64_t>(resident) * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

/// Peak resident set size of this process so far, in bytes.
inline std::uint64_t peak_rss_bytes() noexcept {
    rusage ru{};
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
    return static_cast<std::uint64_t>(ru.ru_maxrss) * 1024u;  // Linux reports KiB
}

}  // namespace tcpv::detail
