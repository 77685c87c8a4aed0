#pragma once
/// \file tcpv/detail/search.hpp
/// The exploration engines: level-synchronous parallel breadth-first search and sequential
/// depth-first search over a state_store, with limits, progress, and the safety properties
/// (always, sometimes, deadlock_free) decided on the fly.
///
/// Breadth-first search is level-synchronous. The states of one level are a contiguous range
/// of ids in the store; workers take chunks of it, expand each state with `next`, and insert
/// the successors straight into the shared store (a lock-free index, state_store.hpp) in
/// batches: the batch's index slots, then its candidate records, are prefetched before the
/// lookups, so the memory latency of one successor overlaps with the others'. With the key
/// index, each worker first asks a small cache of the states it met lately (recently_seen):
/// most successors are states that a neighbouring parent produced a moment before. A new state is
/// checked against the safety properties as it is added. When a level is done the store closes
/// it (ids stay dense) and the next level begins. Growing the index parks every worker at a
/// safe point between two inserts (the rendezvous below).
///
/// Within a level, ids depend on timing when several threads run; nothing reported does. The
/// counts are those of the set of states. A property is decided by the first depth at which a
/// state hits it, and its trace is rebuilt afterwards (trace_rebuild.hpp) as the least shortest
/// path in emission order: the trace a sequential breadth-first search reports, for every
/// thread count. Drawings and liveness lassos walk the states in that search's order
/// (canonical_order.hpp), not by id.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <concepts>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "../property.hpp"
#include "../report.hpp"
#include "memory.hpp"
#include "state_store.hpp"

namespace tcpv::detail {

/// Limits and knobs of a search.
struct search_options {
    search_order order = search_order::bfs;
    unsigned threads = 1;
    std::uint64_t max_states = 0;  ///< 0: no limit (beyond the store's own)
    std::uint64_t max_memory = 0;  ///< bytes of resident memory; 0: no limit
    double max_seconds = 0;        ///< 0: no limit
    bool progress = false;         ///< a line on stderr about once a second after the first second
    unsigned hash_compaction = 0;  ///< > 0: 32-bit fingerprints in a table of 2^this slots (state_store.hpp)
    unsigned bitstate = 0;         ///< > 0: bitstate, an array of 2^this bits (state_store.hpp)
    unsigned bitstate_hashes = 3;  ///< bitstate: bits set per state (k)
    std::uint64_t max_depth = 0;   ///< breadth-first: expand no state deeper than this (0: no bound)
    /// Breadth-first, exact: the index holds the states' keys and only the newest level's
    /// states are kept, where the model packs into 64 bits (state_store.hpp); else ignored.
    bool key_index = false;
    /// Exact storage: the index is made for this many states at the start (as SPIN's -w); it
    /// still grows past them. 0: it starts small and grows.
    std::uint64_t expected_states = 0;
};

/// Threads that run one job after another (the levels of a breadth-first search): started
/// once, so that what a thread keeps for itself, a model's per-thread tables and caches, lasts
/// from one level to the next. (Threads started for each level made the second worker build
/// teardown's table of channel moves, 512 KiB, anew on every level, from a cold cache.)
class worker_pool {
public:
    explicit worker_pool(unsigned threads) {
        for (unsigned w = 1; w < threads; ++w) threads_.emplace_back([this, w] { serve(w); });
    }
    ~worker_pool() {
        {
            const std::lock_guard lock(mutex_);
            quit_ = true;
            ++generation_;
        }
        wake_.notify_all();
        for (auto& t : threads_) t.join();
    }
    worker_pool(const worker_pool&) = delete;
    worker_pool& operator=(const worker_pool&) = delete;

    /// Runs fn(w) for w in [0, n) at once, n at most the pool's threads (w = 0 on the calling
    /// thread, w = i always on the pool's i-th thread); returns when every call has returned,
    /// and rethrows the first exception one threw.
    template <class Fn>
    void run(unsigned n, const Fn& fn) {
        n = std::min<unsigned>(n, static_cast<unsigned>(threads_.size()) + 1);
        if (n <= 1) return fn(0u);
        {
            const std::lock_guard lock(mutex_);
            call_ = [](const void* f, unsigned w) { (*static_cast<const Fn*>(f))(w); };
            fn_ = &fn;
            active_ = n;
            pending_ = n - 1;
            error_ = nullptr;
            ++generation_;
        }
        wake_.notify_all();
        run_one(0);
        std::unique_lock lock(mutex_);
        done_.wait(lock, [&] { return pending_ == 0; });
        if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
    }

private:
    void serve(unsigned w) {
        std::uint64_t served = 0;
        std::unique_lock lock(mutex_);
        for (;;) {
            wake_.wait(lock, [&] { return generation_ != served; });
            served = generation_;
            if (quit_) return;
            if (w >= active_) continue;
            lock.unlock();
            run_one(w);
            lock.lock();
            if (--pending_ == 0) done_.notify_one();
        }
    }
    void run_one(unsigned w) noexcept {
        try {
            call_(fn_, w);
        } catch (...) {
            const std::lock_guard lock(mutex_);
            if (!error_) error_ = std::current_exception();
        }
    }

    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    void (*call_)(const void*, unsigned) = nullptr;
    const void* fn_ = nullptr;
    unsigned active_ = 0, pending_ = 0;
    std::uint64_t generation_ = 0;
    bool quit_ = false;
    std::exception_ptr error_;
};

/// Runs `fn(task, worker)` for task in [0, tasks) on `threads` threads (the caller is one),
/// each thread taking the next task until none is left; after an exception no task is started
/// and the first exception is rethrown.
template <class Fn>
void parallel_for(unsigned threads, std::size_t tasks, const Fn& fn) {
    if (threads <= 1 || tasks <= 1) {
        for (std::size_t t = 0; t < tasks; ++t) fn(t, 0u);
        return;
    }
    const unsigned n = static_cast<unsigned>(std::min<std::size_t>(threads, tasks));
    worker_pool pool(n);
    std::atomic<std::size_t> next{0};
    pool.run(n, [&](unsigned worker) {
        try {
            for (std::size_t t; (t = next.fetch_add(1, std::memory_order_relaxed)) < tasks;) fn(t, worker);
        } catch (...) {
            next.store(tasks);
            throw;
        }
    });
}

/// Watches time and memory from its own thread; prints the progress line.
class monitor {
public:
    monitor(const search_options& opt, std::atomic<int>& stop, const std::atomic<std::uint64_t>& states,
            const std::atomic<std::uint64_t>& frontier, const std::atomic<std::uint64_t>& depth)
        : opt_(opt), stop_(stop), states_(states), frontier_(frontier), depth_(depth),
          start_(std::chrono::steady_clock::now()) {
        if (opt.max_seconds > 0 || opt.max_memory > 0 || opt.progress) thread_ = std::thread([this] { loop(); });
    }
    ~monitor() {
        {
            const std::lock_guard lock(mutex_);
            done_ = true;
        }
        cv_.notify_all();
        if (thread_.joinable()) thread_.join();
        if (printed_) std::fputc('\n', stderr);
    }
    monitor(const monitor&) = delete;
    monitor& operator=(const monitor&) = delete;

    [[nodiscard]] double elapsed() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }

private:
    void loop() {
        double next_print = 1.0;
        std::uint64_t last_states = 0;
        double last_time = 0;
        std::unique_lock lock(mutex_);
        while (!cv_.wait_for(lock, std::chrono::milliseconds(50), [this] { return done_; })) {
            const double t = elapsed();
            if (opt_.max_seconds > 0 && t >= opt_.max_seconds) {
                int expected = 0;
                stop_.compare_exchange_strong(expected, static_cast<int>(limit_kind::time));
            }
            const std::uint64_t rss = current_rss_bytes();
            if (opt_.max_memory > 0 && rss >= opt_.max_memory) {
                int expected = 0;
                stop_.compare_exchange_strong(expected, static_cast<int>(limit_kind::memory));
            }
            if (opt_.progress && t >= next_print) {
                const std::uint64_t s = states_.load();
                const double rate = (t > last_time) ? double(s - last_states) / (t - last_time) : 0.0;
                std::fprintf(stderr, "\rtcpv: %llu states, %.3g states/s, frontier %llu, depth %llu, %.1f MiB   ",
                             static_cast<unsigned long long>(s), rate,
                             static_cast<unsigned long long>(frontier_.load()),
                             static_cast<unsigned long long>(depth_.load()), double(rss) / (1 << 20));
                std::fflush(stderr);
                printed_ = true;
                last_states = s;
                last_time = t;
                next_print = t + 1.0;
            }
        }
    }

    const search_options& opt_;
    std::atomic<int>& stop_;
    const std::atomic<std::uint64_t>& states_;
    const std::atomic<std::uint64_t>& frontier_;
    const std::atomic<std::uint64_t>& depth_;
    std::chrono::steady_clock::time_point start_;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    bool printed_ = false;
};

/// The raw outcome of a search: the store, the figures, and per property where it was hit.
template <class M>
struct search_outcome {
    std::shared_ptr<state_store<M>> store;
    search_stats stats;
    /// Breadth-first: per property, the depth of the first states that hit it, or no_depth.
    std::vector<std::uint64_t> hit_depth;
    /// Depth-first: per property, the first state that hit it (smallest id), or no_state; and
    /// the id each state was first reached from.
    std::vector<state_id> first_hit;
    std::vector<state_id> parent;
    std::uint64_t initial_count = 0;  ///< ids [0, initial_count) are the initial states
    static constexpr std::uint64_t no_depth = ~std::uint64_t{0};
};

/// Parks every worker of a level at a safe point while they run a job together (growing the
/// index): the last to arrive calls job.prepare(), then every worker runs job.part(i, n) for
/// its own i, the last to end its part calls job.finish(), then the workers go on. A worker
/// that has run out of work takes part too, and waits until every worker has run out.
class rendezvous {
public:
    explicit rendezvous(unsigned workers) : workers_(workers) {}

    /// Called by a worker at a safe point when the job is wanted. Returns after the job.
    template <class Job>
    void park(Job& job) {
        std::unique_lock lock(mutex_);
        const std::uint64_t gen = generation_;
        std::uint64_t served = job_gen_;
        ++parked_;
        if (parked_ + finished_ == workers_) start(job);
        for (;;) {
            if (generation_ != gen) return;
            if (job_active_ && served != job_gen_) {
                served = job_gen_;
                work(lock, job);
                continue;
            }
            cv_.wait(lock);
        }
    }
    /// Called once by each worker when it has no more work; returns when all have finished.
    template <class Job>
    void finish(Job& job) {
        std::unique_lock lock(mutex_);
        ++finished_;
        std::uint64_t served = job_gen_;
        for (;;) {
            if (finished_ == workers_) {
                cv_.notify_all();
                return;
            }
            if (!job_active_ && parked_ > 0 && parked_ + finished_ == workers_) start(job);
            if (job_active_ && served != job_gen_) {
                served = job_gen_;
                work(lock, job);
                continue;
            }
            cv_.wait(lock);
        }
    }
    /// The first exception a job threw (the workers see `failed()` and stop).
    [[nodiscard]] std::exception_ptr error() const { return error_; }
    [[nodiscard]] bool failed() const noexcept { return failed_.load(std::memory_order_relaxed); }

private:
    template <class Job>
    void start(Job& job) {  // with the lock held; every worker is parked or finished
        try {
            job.prepare();
            prepared_ = true;
        } catch (...) {
            fail();
            prepared_ = false;
        }
        job_active_ = true;
        ++job_gen_;
        next_part_ = 0;
        done_parts_ = 0;
        cv_.notify_all();
    }
    template <class Job>
    void work(std::unique_lock<std::mutex>& lock, Job& job) {
        const unsigned part = next_part_++;
        if (prepared_) {
            lock.unlock();
            std::exception_ptr e;
            try {
                job.part(part, workers_);
            } catch (...) {
                e = std::current_exception();
            }
            lock.lock();
            if (e && !error_) error_ = e;
            if (e) failed_ = true;
        }
        if (++done_parts_ == workers_) {
            if (prepared_) {
                try {
                    job.finish();
                } catch (...) {
                    fail();
                }
            }
            job_active_ = false;
            parked_ = 0;
            ++generation_;
            cv_.notify_all();
        }
    }
    void fail() {
        if (!error_) error_ = std::current_exception();
        failed_ = true;
    }

    std::mutex mutex_;
    std::condition_variable cv_;
    unsigned workers_, parked_ = 0, finished_ = 0, next_part_ = 0, done_parts_ = 0;
    std::uint64_t generation_ = 0, job_gen_ = 0;
    bool job_active_ = false, prepared_ = false;
    std::exception_ptr error_;
    std::atomic<bool> failed_{false};
};

/// The parents of a level, handed out in chunks, and where each worker is reading: the
/// records below every worker's position are done with, and a frontier-only store frees them
/// as the level goes (worker 0 does, so one thread frees).
///
/// Each worker first expands the parents that its own id blocks hold (the states it stored in
/// the level before, in the order it stored them: state_store::level_runs), then helps with
/// the rest. A worker's own parents are the successors of neighbouring parents of its own, so
/// the successors they emit repeat the ones it emitted lately, and its recently-seen cache
/// meets them. Handed out in one sequence, the level interleaved the workers' blocks, and each
/// worker's cache saw two unrelated streams: on the medium set with two threads it met 45.4% of
/// the successors against 56.9% on one thread (16.6 million lookups in the index against 13.1
/// million); now 54.0% (14.0 million).
///
/// The bound below which every parent is done only rises: a worker goes through its own runs
/// in order, so an owner's untaken parents lie above its position, and a worker helping
/// elsewhere takes only untaken parents. A worker whose own parents run far ahead of that
/// bound helps the slowest one first, so that freeing does not wait for it.
class level_cursor {
public:
    /// Parents [lo, hi) for `workers` workers; `runs` (level_runs) are used if they cover
    /// [lo, hi) exactly, in order; otherwise the level is one run, shared.
    level_cursor(std::uint64_t lo, std::uint64_t hi, unsigned workers, const std::vector<id_run>& runs)
        : reading_(std::make_unique<std::atomic<std::uint64_t>[]>(workers)), workers_(workers), hi_(hi) {
        for (unsigned i = 0; i < workers; ++i) reading_[i].store(lo, std::memory_order_relaxed);
        bool cover = !runs.empty() && runs.front().first == lo && runs.back().last == hi;
        for (std::size_t i = 1; cover && i < runs.size(); ++i) cover = runs[i].first == runs[i - 1].last;
        runs_ = cover ? runs : std::vector<id_run>{{lo, hi, 0}};
        // A run whose owner has no worker in this level (fewer workers than in the level
        // before) goes to one that has: every run needs an owner that takes it in order.
        for (id_run& r : runs_) r.owner %= workers;
        next_ = std::make_unique<std::atomic<std::uint64_t>[]>(runs_.size());
        for (std::size_t i = 0; i < runs_.size(); ++i) next_[i].store(runs_[i].first, std::memory_order_relaxed);
    }
    /// A worker's place in the level: its next own run with parents left, and the first run
    /// of anyone's with parents left (both only move forward).
    struct place {
        std::size_t own = 0, low = 0;
    };
    /// Worker w's next chunk of at most `per` parents, [first, last), which it reads from now
    /// on; false when no parent is left (the worker then reads nothing).
    bool take(unsigned w, std::uint64_t per, place& at, std::uint64_t& first, std::uint64_t& last) {
        auto left = [&](std::size_t i) { return next_[i].load(std::memory_order_relaxed) < runs_[i].last; };
        for (;;) {
            while (at.own < runs_.size() && (runs_[at.own].owner != w || !left(at.own))) ++at.own;
            while (at.low < runs_.size() && !left(at.low)) ++at.low;
            if (at.low == runs_.size()) {
                leave(w);
                return false;
            }
            // Its own run, unless that is so far ahead of the slowest worker that the records
            // below would wait long to be freed: then the lowest parents left, whoever's.
            const bool own = at.own < runs_.size() &&
                             next_[at.own].load(std::memory_order_relaxed) - done_below() <= max_lead;
            const std::size_t i = own ? at.own : at.low;
            const std::uint64_t f = next_[i].fetch_add(per, std::memory_order_relaxed);
            if (f < runs_[i].last) {
                first = f;
                last = std::min(runs_[i].last, f + per);
                reading_[w].store(f, std::memory_order_relaxed);
                return true;
            }
        }
    }
    /// Worker w reads nothing more (its position is the level's end).
    void leave(unsigned w) noexcept { reading_[w].store(hi_, std::memory_order_relaxed); }
    /// Every parent below this is done with: its chunk is finished.
    [[nodiscard]] std::uint64_t done_below() const noexcept {
        std::uint64_t m = ~std::uint64_t{0};
        for (unsigned i = 0; i < workers_; ++i) m = std::min(m, reading_[i].load(std::memory_order_relaxed));
        return m;
    }

private:
    // How far ahead of the slowest worker's position a worker's own parents may be (ids), so
    // that records are freed in step. Medium set, two threads: the recently-seen cache meets
    // 54.0% of the successors at this lead, 54.6% unbounded, 52.3% at 4,096, 47.8% at 1,024.
    static constexpr std::uint64_t max_lead = 16384;
    std::vector<id_run> runs_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> next_;  // per run: its first parent not yet taken
    std::unique_ptr<std::atomic<std::uint64_t>[]> reading_;
    unsigned workers_;
    std::uint64_t hi_;
};

template <model M>
class search {
public:
    using state = typename M::state;
    using action = typename M::action;
    using store_t = state_store<M>;
    using key = typename store_t::key;
    using id_type = state_id;
    static constexpr id_type no_id = no_state;
    static constexpr std::uint64_t no_depth = search_outcome<M>::no_depth;

    search(const M& m, const std::vector<property<M>>& props, const search_options& opt)
        : m_(m), props_(props), opt_(opt) {}

    search_outcome<M> run() {
        out_.stats.order = opt_.order;
        out_.stats.threads = opt_.order == search_order::bfs ? std::max(1u, opt_.threads) : 1u;
        const std::uint64_t cap = opt_.max_states > 0 ? std::min(opt_.max_states, max_stored_states) : max_stored_states;
        if (opt_.hash_compaction && opt_.order != search_order::bfs)
            throw std::invalid_argument("tcpv: hash compaction needs breadth-first search");
        if (opt_.bitstate && opt_.order != search_order::bfs)
            throw std::invalid_argument("tcpv: bitstate needs breadth-first search");
        if (opt_.bitstate && opt_.hash_compaction)
            throw std::invalid_argument("tcpv: hash compaction and bitstate are two storage modes: choose one");
        out_.store = std::make_shared<store_t>(m_, out_.stats.threads, cap, opt_.hash_compaction, opt_.bitstate,
                                               opt_.bitstate_hashes,
                                               opt_.key_index && opt_.order == search_order::bfs,
                                               opt_.expected_states);
        hit_depth_ = std::make_unique<std::atomic<std::uint64_t>[]>(props_.size());
        hit_id_ = std::make_unique<std::atomic<id_type>[]>(props_.size());
        for (std::size_t i = 0; i < props_.size(); ++i) {
            hit_depth_[i].store(no_depth);
            hit_id_[i].store(no_id);
            if (props_[i].kind == property_kind::always || props_[i].kind == property_kind::sometimes)
                state_props_.push_back(i);
            if (props_[i].kind == property_kind::deadlock_free) deadlock_props_.push_back(i);
        }
        {
            monitor mon(opt_, stop_, states_seen_, frontier_, depth_now_);
            add_initial_states();
            if (opt_.order == search_order::bfs)
                run_bfs();
            else
                run_dfs();
            out_.stats.seconds = mon.elapsed();
        }
        if (error_) std::rethrow_exception(error_);
        out_.stats.states = out_.store->size();
        out_.stats.transitions = transitions_.load();
        out_.stats.initial_states = out_.initial_count;
        out_.stats.stored_bytes = out_.store->bytes();
        out_.stats.hash_compaction = opt_.hash_compaction > 0;
        out_.stats.key_index = out_.store->key_index();
        out_.stats.omission_probability = out_.store->omission_probability();
        if (opt_.bitstate) {
            out_.stats.bitstate = true;
            out_.stats.bitstate_bits = opt_.bitstate;
            out_.stats.bitstate_hashes = opt_.bitstate_hashes;
            out_.stats.expected_omissions = out_.store->expected_omissions();
            out_.stats.false_positive_rate = out_.store->false_positive_rate();
        }
        if (out_.stats.limit == limit_kind::none && stop_.load() != 0)
            out_.stats.limit = static_cast<limit_kind>(stop_.load());
        out_.hit_depth.resize(props_.size());
        out_.first_hit.resize(props_.size());
        for (std::size_t i = 0; i < props_.size(); ++i) {
            out_.hit_depth[i] = hit_depth_[i].load();
            out_.first_hit[i] = hit_id_[i].load();
        }
        return std::move(out_);
    }

private:
    static constexpr bool key_is_state = std::is_same_v<key, state>;
    // A successor waiting in a worker's batch; packed keys keep the state for the properties.
    struct pending_raw {
        key k;
        std::uint64_t h;
        const state& st() const noexcept { return k; }
    };
    struct pending_packed {
        key k;
        std::uint64_t h;
        state s;
        const state& st() const noexcept { return s; }
    };
    // A model that generates successors on packed states (packed_successors): its pending
    // successors are keys only; a new one is unpacked for the properties.
    static constexpr bool packed_next = packed_successors<M>;
    struct pending_key {
        key k;
        std::uint64_t h;
    };
    using pending = std::conditional_t<packed_next, pending_key, std::conditional_t<key_is_state, pending_raw, pending_packed>>;
    static constexpr std::size_t batch_size = 32, stage_size = 32;

    // A worker's cache of states it met lately, by their key index hash (a bijection of the
    // key, so a hash equal to a cached one is the same state), direct-mapped on the hash's low
    // bits; 0 marks an empty entry (the state whose hash is 0 is never cached). Every cached
    // state is in the index or in the worker's batches on its way there, so a hit is a state
    // seen before, with no lookup in the shared index. On the benchmark's medium set 66% of
    // the lookups hit with 2^15 entries (256 KiB, a quarter of an L2 cache of this machine's
    // cores); 2^14 hit 61%, 2^16 71%, 2^18 80%. Since the entries are prefetched (the stage,
    // expand_level), 2^16 and 2^17 entries run no faster on two threads, and cost 0.25 and
    // 0.75 MiB more per worker.
    class recently_seen {
    public:
        static constexpr std::size_t entries = std::size_t{1} << 15;
        /// Whether `h` was met lately; from now on it is remembered (without a branch: a hit
        /// writes what is there).
        bool met(std::uint64_t h) noexcept {
            std::uint64_t& e = hashes_[h & (entries - 1)];
            const bool hit = e == h && h != 0;
            e = h;
            return hit;
        }
        /// Asks for the entry of `h` ahead of met(h).
        void prefetch(std::uint64_t h) const noexcept { prefetch_line(&hashes_[h & (entries - 1)]); }

    private:
        std::unique_ptr<std::uint64_t[]> hashes_ = std::make_unique<std::uint64_t[]>(entries);  // zeroed
    };

    // Safety properties decided on a state when it is first stored (at `depth`).
    void check_state(id_type id, const state& s, std::uint64_t depth) {
        for (const std::size_t i : state_props_) {
            if (hit_depth_[i].load(std::memory_order_relaxed) <= depth) continue;  // decided at or before
            const auto& p = props_[i];
            const bool hit = p.kind == property_kind::always ? !p.p(s) : p.p(s);
            if (hit) {
                atomic_min(hit_depth_[i], depth);
                atomic_min(hit_id_[i], id);
            }
        }
    }
    void check_deadlock(id_type id, const state& s, std::uint64_t depth) {
        for (const std::size_t i : deadlock_props_)
            if (!props_[i].p(s)) {
                atomic_min(hit_depth_[i], depth);
                atomic_min(hit_id_[i], id);
            }
    }
    template <class T>
    static void atomic_min(std::atomic<T>& a, T v) {
        T cur = a.load(std::memory_order_relaxed);
        while (v < cur && !a.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
        }
    }

    void add_initial_states() {
        auto& store = *out_.store;
        const auto& codec = store.codec_of();
        m_.init([&](const action&, const state& s) {
            if (out_.stats.limit != limit_kind::none) return;
            const key k = codec.encode(s);
            id_type id = no_id;
            const auto r = store.insert(k, store.hash(k), 0, id);
            if (r == store_t::outcome::full) {
                out_.stats.limit = limit_kind::states;
                return;
            }
            if (r == store_t::outcome::added) {
                verify_codec(s, k);
                check_state(id, s, 0);
            }
        });
        store.close_level();
        out_.initial_count = store.size();
        states_seen_ = store.size();
    }

    // next_packed must be next, packed (packing.hpp): on the first parents the checker expands,
    // both are run and compared, action by action and successor by successor (and next's
    // successors go through verify_codec, which the search's own path no longer meets).
    void verify_packed_next(const key& parent) {
        if constexpr (packed_next) {
            if (packed_verified_.load(std::memory_order_relaxed) >= 4096) return;
            packed_verified_.fetch_add(1, std::memory_order_relaxed);
            const auto& codec = out_.store->codec_of();
            const state s = codec.decode(parent);
            std::vector<std::pair<action, key>> want, got;
            m_.next(s, [&](const action& a, const state& t) {
                want.emplace_back(a, codec.encode(t));
                verify_codec(t, want.back().second);
            });
            codec.packing().next_packed(parent[0], [&](const action& a, std::uint64_t w) { got.emplace_back(a, key{w}); });
            auto text = [&](const std::vector<std::pair<action, key>>& v, std::size_t i) {
                if (i >= v.size()) return std::string("nothing");
                return to_text(m_, v[i].first) + " -> " + to_text(m_, codec.decode(v[i].second));
            };
            for (std::size_t i = 0; i < std::max(want.size(), got.size()); ++i) {
                bool same = i < want.size() && i < got.size() && codec.same(want[i].second, got[i].second);
                if constexpr (std::equality_comparable<action>) same = same && want[i].first == got[i].first;
                if (!same)
                    throw packing_error("tcpv: next_packed disagrees with next in the state " + to_text(m_, s) +
                                        ": successor " + std::to_string(i + 1) + " is " + text(got, i) +
                                        ", but next gives " + text(want, i));
            }
        } else {
            (void)parent;
        }
    }

    // A packed encoding must be exact: the first stored states are unpacked and compared.
    void verify_codec(const state& s, const key& k) {
        if constexpr (!key_is_state) {
            if (verified_.load(std::memory_order_relaxed) >= 4096) return;
            verified_.fetch_add(1, std::memory_order_relaxed);
            if (!(out_.store->codec_of().decode(k) == s))
                throw packing_error("tcpv: unpack(pack(s)) != s for the state " + to_text(m_, s) +
                                    ": the model's packed encoding is not exact");
        } else {
            (void)s;
            (void)k;
        }
    }

    bool stopped() const {
        return stop_.load(std::memory_order_relaxed) != 0 || out_.stats.limit != limit_kind::none || full_.load();
    }

    void run_bfs() {
        auto& store = *out_.store;
        const unsigned threads = out_.stats.threads;
        if (store.key_index()) seen_.resize(threads);
        worker_pool pool(threads);
        std::uint64_t depth = 0;
        while (!stopped() && depth < store.level_count() && (opt_.max_depth == 0 || depth < opt_.max_depth)) {
            const std::uint64_t lo = store.level_begin(depth), hi = store.level_end(depth);
            if (lo == hi) break;
            frontier_ = hi - lo;
            depth_now_ = depth;
            const std::uint64_t per = std::clamp<std::uint64_t>((hi - lo) / (threads * 32ull), 1, 256);
            const unsigned workers = static_cast<unsigned>(std::min<std::uint64_t>(threads, (hi - lo + per - 1) / per));
            level_cursor cursor(lo, hi, workers, store.level_runs());
            rendezvous rv(workers);
            growth grow{store, false, workers};
            pool.run(workers, [&](unsigned w) { expand_level(w, cursor, per, depth, rv, grow); });
            out_.stats.index_growths += grow.growths;
            out_.stats.growth_seconds += grow.seconds;
            if (rv.error()) std::rethrow_exception(rv.error());
            if (error_) std::rethrow_exception(error_);
            const std::uint64_t added = store.close_level();
            states_seen_ = store.size();
            if (added > 0) ++depth;
            if (added == 0) break;
        }
        store.drop_empty_last_level();
        out_.stats.depth = depth;
        if (full_.load() && out_.stats.limit == limit_kind::none)
            out_.stats.limit = store.table_full() ? limit_kind::table : limit_kind::states;
    }

    // Growing the index, as a job of the rendezvous (one per level, shared by its workers).
    // Counts the growths and their wall time, from the last worker parked to the last part done.
    struct growth {
        store_t& store;
        bool wanted = false;
        unsigned parts = 1;
        std::uint64_t growths = 0;
        double seconds = 0;
        std::chrono::steady_clock::time_point started{};
        void prepare() {
            wanted = store.wants_growth();
            if (!wanted) return;
            started = std::chrono::steady_clock::now();
            store.begin_growth(parts);
        }
        void part(unsigned i, unsigned n) {
            if (wanted) store.rehash_part(i, n);
        }
        void finish() {
            if (!wanted) return;
            store.finish_growth();
            ++growths;
            seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        }
    };

    // One worker's share of a level: chunks of parents (level_cursor) until none is left.
    void expand_level(unsigned w, level_cursor& cursor, std::uint64_t per,
                      std::uint64_t depth, rendezvous& rv, growth& grow) {
        auto& store = *out_.store;
        const auto& codec = store.codec_of();

        // Successors are staged first: a successor's entry in the recently-seen cache is
        // prefetched when it is emitted and read when the stage is full (stage_size successors
        // later), so that the cache's misses of the L1 overlap; those it has not met go on.
        // (Read at once, the entry's load was 15% of the samples of a one-thread run; staged,
        // the run is 13% faster on one thread and 18% on two.)
        //
        // Then a three-stage pipeline of batches: when a batch is full, its index slots are
        // prefetched, the batch before it has its candidate records prefetched, and the one
        // before that is inserted. Each stage gets a batch's worth of work to let its
        // prefetches arrive.
        pending stage[stage_size];
        pending* staged = stage;  // the next free entry of the stage
        pending ring[3][batch_size];
        std::size_t count[3] = {0, 0, 0};
        unsigned head = 0;  // the batch being filled; head+2 is the middle one, head+1 the oldest
        pending* fill = ring[0];  // the next free entry of the head batch
        // The successor staged last, if it is still staged: a successor equal to it (a lost
        // segment and the same segment delivered but ignored, say) is a transition, not a new
        // lookup.
        const pending* previous = nullptr;
        std::uint64_t transitions = 0;
        const bool check_states = !state_props_.empty();
        recently_seen* const seen = seen_.empty() ? nullptr : &seen_[w];
        // The lambdas below say whether to inline them: GCC's choice depends on the size of
        // the whole program, and in tcpv check (every model in one program) it left the batch
        // insert and the stage flush out of line: the same search ran 20% slower there.
        auto insert_batch = [&](unsigned b) __attribute__((always_inline)) {
            for (std::size_t i = 0; i < count[b]; ++i) {
                if (store.wants_growth()) rv.park(grow);
                pending& p = ring[b][i];
                id_type id = no_id;
                const auto r = store.insert(p.k, p.h, w, id);
                if (r == store_t::outcome::added) {
                    if constexpr (packed_next) {
                        if (check_states) check_state(id, codec.decode(p.k), depth + 1);
                    } else {
                        if constexpr (!key_is_state) verify_codec(p.st(), p.k);
                        if (check_states) check_state(id, p.st(), depth + 1);
                    }
                } else if (r == store_t::outcome::full) {
                    full_ = true;
                }
            }
            count[b] = 0;
        };
        auto advance = [&]() __attribute__((noinline)) {
            count[head] = static_cast<std::size_t>(fill - ring[head]);
            const unsigned oldest = (head + 1) % 3, middle = (head + 2) % 3;
            for (std::size_t i = 0; i < count[head]; ++i) store.prefetch(ring[head][i].h);
            for (std::size_t i = 0; i < count[middle]; ++i) store.prefetch_record(ring[middle][i].h);
            insert_batch(oldest);
            head = oldest;
            fill = ring[head];
        };
        // Each staged successor is copied to the head batch, which keeps it unless the cache
        // met it (no branch on that: it is the least predictable test of the search).
        auto flush_stage = [&]() __attribute__((always_inline)) {
            for (pending* q = stage; q != staged; ++q) {
                const bool met = seen && seen->met(q->h);
                *fill = *q;
                fill += !met;
                if (fill == ring[head] + batch_size) advance();
            }
            staged = stage;
            previous = nullptr;
        };
        auto drain = [&] {
            flush_stage();
            for (int i = 0; i < 3; ++i) advance();
        };
        level_cursor::place at;  // this worker's place in the level
        try {
            for (;;) {
                if (stop_.load(std::memory_order_relaxed) != 0 || full_.load(std::memory_order_relaxed) || rv.failed())
                    break;
                if (store.wants_growth()) rv.park(grow);
                std::uint64_t first = 0, last = 0;
                const bool took = cursor.take(w, per, at, first, last);
                if (w == 0 && store.frontier_only()) store.release_records_below(cursor.done_below());
                if (!took) break;
                for (std::uint64_t id = first; id < last; ++id) {
                    std::uint64_t emitted = 0;
                    previous = nullptr;
                    // A successor whose key is in p.k (the next free entry of the stage): staged
                    // unless it is the one staged last.
                    auto keep = [&](pending& p) {
                        if (previous && store_t::codec::same(p.k, previous->k)) return false;
                        p.h = store.hash(p.k);
                        if (seen) seen->prefetch(p.h);
                        previous = &p;
                        return true;
                    };
                    // The parents are read in order, but their records were written by other
                    // workers' lookups a level ago: asking for them 16 ahead takes 9% off one
                    // thread's run (medium set).
                    if (id + 16 < last) store.prefetch_record_of(static_cast<id_type>(id + 16));
                    if constexpr (packed_next) {
                        const key parent = store.key_of(static_cast<id_type>(id));
                        verify_packed_next(parent);
                        codec.packing().next_packed(parent[0], [&](const action&, std::uint64_t word) {
                            ++emitted;
                            pending& p = *staged;
                            p.k = key{word};
                            if (keep(p) && ++staged == stage + stage_size) flush_stage();
                        });
                        if (emitted == 0) check_deadlock(static_cast<id_type>(id), codec.decode(parent), depth);
                    } else {
                        const state s = store[static_cast<id_type>(id)];
                        m_.next(s, [&](const action&, const state& t) {
                            ++emitted;
                            pending& p = *staged;
                            p.k = codec.encode(t);
                            if (!keep(p)) return;
                            if constexpr (!key_is_state) p.s = t;
                            if (++staged == stage + stage_size) flush_stage();
                        });
                        if (emitted == 0) check_deadlock(static_cast<id_type>(id), s, depth);
                    }
                    transitions += emitted;
                }
                drain();
                if (w == 0) states_seen_.store(store.size(), std::memory_order_relaxed);
            }
        } catch (...) {
            const std::lock_guard lock(error_mutex_);
            if (!error_) error_ = std::current_exception();
            stop_.store(static_cast<int>(limit_kind::none) + 100);  // not a limit: an error
        }
        cursor.leave(w);
        transitions_.fetch_add(transitions, std::memory_order_relaxed);
        rv.finish(grow);
    }

    void run_dfs() {
        auto& store = *out_.store;
        const auto& codec = store.codec_of();
        auto& parent = out_.parent;
        parent.assign(store.size(), no_id);
        std::vector<std::uint32_t> depth(store.size(), 0);
        std::vector<id_type> stack;
        for (id_type id = static_cast<id_type>(store.size()); id-- > 0;) stack.push_back(id);
        std::vector<state> succ;
        std::uint64_t max_depth = 0, steps = 0;
        while (!stack.empty()) {
            if ((++steps & 1023) == 0 && stop_.load(std::memory_order_relaxed)) break;
            const id_type id = stack.back();
            stack.pop_back();
            succ.clear();
            const state s = store[id];
            m_.next(s, [&](const action&, const state& t) { succ.push_back(t); });
            transitions_ += succ.size();
            if (succ.empty()) check_deadlock(id, s, depth[id]);
            // Push in reverse so that the first emitted successor is explored first.
            bool full = false;
            for (std::size_t i = succ.size(); i-- > 0;) {
                if (store.wants_growth()) store.grow();
                const key k = codec.encode(succ[i]);
                id_type nid = no_id;
                const auto r = store.insert(k, store.hash(k), 0, nid);
                if (r == store_t::outcome::full) {
                    full = true;
                    break;
                }
                if (r != store_t::outcome::added) continue;
                verify_codec(succ[i], k);
                parent.push_back(id);
                depth.push_back(depth[id] + 1);
                max_depth = std::max<std::uint64_t>(max_depth, depth.back());
                check_state(nid, succ[i], depth.back());
                stack.push_back(nid);
            }
            if (full) {
                out_.stats.limit = limit_kind::states;
                break;
            }
            frontier_ = stack.size();
            states_seen_ = store.size();
            depth_now_ = max_depth;
        }
        store.close_level();
        out_.stats.depth = max_depth;
    }

    const M& m_;
    const std::vector<property<M>>& props_;
    search_options opt_;
    search_outcome<M> out_;
    std::vector<std::size_t> state_props_, deadlock_props_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> hit_depth_;
    std::unique_ptr<std::atomic<id_type>[]> hit_id_;
    std::atomic<std::uint64_t> verified_{0}, packed_verified_{0};
    std::atomic<bool> full_{false};
    std::mutex error_mutex_;
    std::exception_ptr error_;
    std::atomic<int> stop_{0};
    std::atomic<std::uint64_t> transitions_{0}, states_seen_{0}, frontier_{0}, depth_now_{0};
    std::vector<recently_seen> seen_;  // one per worker, with the key index
};

}  // namespace tcpv::detail
