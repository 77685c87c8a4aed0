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

/// Asks for the cache line at `p` ahead of its use. GCC 12 at -O2 deletes __builtin_prefetch
/// calls in loops that do nothing else (it takes them for side-effect free and the loops for
/// empty), which silently turned the search's prefetching off; on x86-64 the instruction is
/// written out instead.
inline void prefetch_line(const void* p) noexcept {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
    __builtin_prefetch(p);
#endif
}

/// Blocks from this size up are mapped directly, so that freeing one returns its memory at
/// once (the malloc heap would keep the freed frontier chunks of a frontier-only store, and
/// the peak would grow).
inline constexpr std::size_t mapped_threshold = std::size_t{256} << 10;

/// Zeroed memory for the big tables (index, arena chunks). Large blocks are mapped directly and
/// marked for transparent huge pages: the checker's accesses are random, and with 4 KiB pages
/// most of them would also miss the TLB. Pages are committed only when first touched.
inline void* big_alloc(std::size_t bytes) {
    constexpr std::size_t huge = std::size_t{2} << 20;
    if (bytes < mapped_threshold) {
        void* p = std::calloc(1, bytes);
        if (!p) throw std::bad_alloc();
        return p;
    }
    // Blocks of 2 MiB or more are mapped with a spare huge page and trimmed to start on a 2 MiB
    // boundary, so every huge page of them can be backed, and given back (big_discard), whole.
    const std::size_t spare = bytes >= huge ? huge : 0, mapped = bytes + spare;
    void* p = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    if (spare == 0) return p;
    const auto raw = reinterpret_cast<std::uintptr_t>(p);
    const std::uintptr_t start = (raw + huge - 1) & ~(std::uintptr_t{huge} - 1), end = start + bytes;
    if (start > raw) ::munmap(p, start - raw);
    if (raw + mapped > end) ::munmap(reinterpret_cast<void*>(end), raw + mapped - end);
#ifdef MADV_HUGEPAGE
    ::madvise(reinterpret_cast<void*>(start), bytes, MADV_HUGEPAGE);
#endif
    return reinterpret_cast<void*>(start);
}
/// Gives the whole 4 KiB pages within bytes [from, to) of a mapped big_alloc(total) block back
/// to the system (they read as zero afterwards); blocks from the malloc heap are left alone.
/// A huge page given back in part is split first, and its other pages stay.
inline void big_discard(void* p, std::size_t total, std::size_t from, std::size_t to) noexcept {
    constexpr std::uintptr_t page = 4096;
    if (!p || total < mapped_threshold || to <= from) return;
    const auto base = reinterpret_cast<std::uintptr_t>(p);
    const std::uintptr_t lo = (base + from + page - 1) & ~(page - 1), hi = (base + to) & ~(page - 1);
    if (hi > lo) ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);
}
/// Commits the pages of bytes [from, to) of a big_alloc block by writing to them, without
/// changing them: an atomic or of 0, once per 4 KiB page. A page first touched by a read is
/// mapped to the shared zero page, and the write that follows faults a second time to replace
/// it, which with two threads running also flushes the other core's TLB (an interrupt). The
/// index is probed (read) before a slot is claimed (written), so growing it commits the new
/// table's pages just ahead of the rehash that fills them.
/// Measured (Linux 6.18, KVM): committing 64 MiB of huge pages by a read and a write per 64
/// bytes took 40 to 136 ms, by the write alone 3 to 9 ms.
inline void big_prefault(void* p, std::size_t from, std::size_t to) noexcept {
    constexpr std::uintptr_t page = 4096;
    const auto base = reinterpret_cast<std::uintptr_t>(p);
    for (std::uintptr_t a = base + from; a < base + to; a = (a + page) & ~(page - 1))
        __atomic_fetch_or(reinterpret_cast<unsigned char*>(a), static_cast<unsigned char>(0), __ATOMIC_RELAXED);
}
/// Frees what big_alloc(bytes) returned.
inline void big_free(void* p, std::size_t bytes) noexcept {
    if (!p) return;
    if (bytes >= mapped_threshold)
        ::munmap(p, bytes);
    else
        std::free(p);
}

}  // namespace tcpv::detail
