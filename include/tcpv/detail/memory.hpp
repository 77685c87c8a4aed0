#pragma once
/// \file tcpv/detail/memory.hpp
/// Resident memory of this process (Linux: /proc/self/statm, getrusage).

#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>

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

/// Zeroed memory for the big tables (index, arena chunks). Large blocks are mapped directly and
/// marked for transparent huge pages: the checker's accesses are random, and with 4 KiB pages
/// most of them would also miss the TLB. Pages are committed only when first touched.
inline void* big_alloc(std::size_t bytes) {
    if (bytes >= (std::size_t{2} << 20)) {
        void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
        ::madvise(p, bytes, MADV_HUGEPAGE);
#endif
        return p;
    }
    void* p = std::calloc(1, bytes);
    if (!p) throw std::bad_alloc();
    return p;
}
/// Frees what big_alloc(bytes) returned.
inline void big_free(void* p, std::size_t bytes) noexcept {
    if (!p) return;
    if (bytes >= (std::size_t{2} << 20))
        ::munmap(p, bytes);
    else
        std::free(p);
}

}  // namespace tcpv::detail
