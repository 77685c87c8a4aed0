#pragma once
/// \file tcpv/detail/search.hpp
/// The exploration engines: level-synchronous parallel breadth-first search and sequential
/// depth-first search over a state_store, with limits, progress, and the safety properties
/// (always, sometimes, deadlock_free) decided on the fly.
///
/// Breadth-first search runs each level in four phases, so that the result does not depend on
/// the thread count or on timing:
///   1. expand: the level's states are cut into chunks; workers call `next` on each state and
///      keep the successors of a chunk in emission order, bucketed by index shard;
///   2. claim: workers take whole shards; a shard's candidates are looked up in the order
///      (chunk, emission), and the first copy of each new state claims a provisional entry;
///   3. number: new states get consecutive ids in (parent id, emission) order, which is
///      exactly the order a sequential breadth-first search would give them; state
///      properties are evaluated on them in parallel;
///   4. commit: each shard turns its provisional entries into ids.
/// The first violation of a safety property is the violating state with the smallest id,
/// which is a shortest counterexample and the same one for every thread count.

#include <algorithm>
#include <atomic>
#include <chrono>
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
};

/// Runs `fn(task, worker)` for task in [0, tasks) on `threads` threads (the caller is one).
template <class Fn>
void parallel_for(unsigned threads, std::size_t tasks, const Fn& fn) {
    if (threads <= 1 || tasks <= 1) {
        for (std::size_t t = 0; t < tasks; ++t) fn(t, 0u);
        return;
    }
    std::atomic<std::size_t> next{0};
    std::exception_ptr error;
    std::mutex error_mutex;
    auto body = [&](unsigned worker) {
        try {
            for (std::size_t t; (t = next.fetch_add(1, std::memory_order_relaxed)) < tasks;) fn(t, worker);
        } catch (...) {
            const std::lock_guard lock(error_mutex);
            if (!error) error = std::current_exception();
            next.store(tasks);
        }
    };
    std::vector<std::thread> pool;
    const unsigned n = static_cast<unsigned>(std::min<std::size_t>(threads, tasks));
    for (unsigned w = 1; w < n; ++w) pool.emplace_back(body, w);
    body(0);
    for (auto& t : pool) t.join();
    if (error) std::rethrow_exception(error);
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

/// The raw outcome of a search: the store, the figures, and per property the id of its first
/// hit (the violating state of always/deadlock_free, the example state of sometimes), or no_id.
template <class S>
struct search_outcome {
    using id_type = typename state_store<S>::id_type;
    std::shared_ptr<state_store<S>> store = std::make_shared<state_store<S>>();
    search_stats stats;
    std::vector<id_type> first_hit;
    std::uint64_t initial_count = 0;  ///< ids [0, initial_count) are the initial states
};

template <model M>
class search {
public:
    using state = typename M::state;
    using action = typename M::action;
    using store_t = state_store<state>;
    using id_type = typename store_t::id_type;
    static constexpr id_type no_id = store_t::no_id;

    search(const M& m, const std::vector<property<M>>& props, const search_options& opt)
        : m_(m), props_(props), opt_(opt) {}

    search_outcome<state> run() {
        out_.first_hit.assign(props_.size(), no_id);
        hits_ = std::make_unique<std::atomic<id_type>[]>(props_.size());
        for (std::size_t i = 0; i < props_.size(); ++i) hits_[i].store(no_id);
        out_.stats.order = opt_.order;
        out_.stats.threads = opt_.order == search_order::bfs ? std::max(1u, opt_.threads) : 1u;
        store_cap_ = store_t::max_states;
        if (opt_.max_states > 0) store_cap_ = std::min<std::uint64_t>(store_cap_, opt_.max_states);
        {
            monitor mon(opt_, stop_, states_seen_, frontier_, depth_now_);
            add_initial_states();
            if (opt_.order == search_order::bfs)
                run_bfs();
            else
                run_dfs();
            out_.stats.seconds = mon.elapsed();
        }
        out_.stats.states = out_.store->size();
        out_.stats.transitions = transitions_.load();
        out_.stats.initial_states = out_.initial_count;
        out_.stats.stored_bytes = out_.store->bytes();
        if (out_.stats.limit == limit_kind::none && stop_.load() != 0)
            out_.stats.limit = static_cast<limit_kind>(stop_.load());
        for (std::size_t i = 0; i < props_.size(); ++i) out_.first_hit[i] = hits_[i].load();
        return std::move(out_);
    }

private:
    struct candidate {
        state st;
        std::uint64_t hash;
        id_type parent;
    };
    struct chunk {
        std::vector<candidate> cands;
        std::vector<std::uint32_t> by_shard;  // candidate positions, stable-sorted by shard
        std::uint32_t shard_begin[store_t::shard_count + 1] = {};
        std::vector<char> fresh;
        std::vector<id_type> new_id;
        std::uint64_t base = 0;  // global candidate number of cands[0] within the level
    };

    // Safety properties decided on a state when it is first stored.
    void check_state(id_type id, const state& s) {
        for (std::size_t i = 0; i < props_.size(); ++i) {
            const auto& p = props_[i];
            if (p.kind != property_kind::always && p.kind != property_kind::sometimes) continue;
            if (hits_[i].load(std::memory_order_relaxed) < level_first_id_) continue;  // decided earlier
            const bool hit = p.kind == property_kind::always ? !p.p(s) : p.p(s);
            if (hit) atomic_min(hits_[i], id);
        }
    }
    void check_deadlock(id_type id, const state& s) {
        for (std::size_t i = 0; i < props_.size(); ++i)
            if (props_[i].kind == property_kind::deadlock_free && !props_[i].p(s)) atomic_min(hits_[i], id);
    }
    static void atomic_min(std::atomic<id_type>& a, id_type v) {
        id_type cur = a.load(std::memory_order_relaxed);
        while (v < cur && !a.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
        }
    }

    void add_initial_states() {
        level_first_id_ = 0;
        m_.init([&](const action&, const state& s) {
            if (out_.store->size() >= store_cap_ && !out_.store->find(s)) {
                out_.stats.limit = limit_kind::states;
                return;
            }
            const auto [id, fresh] = out_.store->insert(s, no_id);
            if (fresh) check_state(id, s);
        });
        out_.initial_count = out_.store->size();
        states_seen_ = out_.store->size();
    }

    bool stopped() const { return stop_.load(std::memory_order_relaxed) != 0 || out_.stats.limit != limit_kind::none; }

    void run_bfs() {
        auto& store = *out_.store;
        const unsigned threads = out_.stats.threads;
        std::uint64_t lo = 0, hi = store.size();
        std::uint64_t depth = 0;
        std::vector<chunk> chunks;
        while (lo < hi && !stopped()) {
            frontier_ = hi - lo;
            const std::uint64_t per = std::clamp<std::uint64_t>((hi - lo) / (threads * 16ull), 1, 512);
            const std::size_t nchunks = static_cast<std::size_t>((hi - lo + per - 1) / per);
            chunks.resize(nchunks);
            // 1. expand
            parallel_for(threads, nchunks, [&](std::size_t c, unsigned) {
                chunk& ch = chunks[c];
                ch.cands.clear();
                if (stop_.load(std::memory_order_relaxed)) return;
                const std::uint64_t first = lo + c * per, last = std::min(hi, first + per);
                std::uint64_t emitted = 0;
                for (std::uint64_t id = first; id < last; ++id) {
                    const state& s = store[static_cast<id_type>(id)];
                    const std::size_t before = ch.cands.size();
                    m_.next(s, [&](const action&, const state& t) {
                        ch.cands.push_back({t, state_hash(t), static_cast<id_type>(id)});
                    });
                    emitted += ch.cands.size() - before;
                    if (ch.cands.size() == before) check_deadlock(static_cast<id_type>(id), s);
                }
                transitions_.fetch_add(emitted, std::memory_order_relaxed);
                bucket(ch);
            });
            if (stop_.load()) break;  // the level is incomplete: keep what was stored before it
            std::uint64_t total = 0;
            for (auto& ch : chunks) {
                ch.base = total;
                total += ch.cands.size();
            }
            if (total >= (1ull << 31)) throw std::length_error("tcpv: one breadth-first level has more than 2^31 transitions");
            // 2. claim, shard by shard
            auto provisional = [&](std::uint32_t ref) -> const state& {
                const auto it = std::upper_bound(chunks.begin(), chunks.end(), std::uint64_t{ref},
                                                 [](std::uint64_t r, const chunk& ch) { return r < ch.base; });
                const chunk& ch = *(it - 1);
                return ch.cands[ref - ch.base].st;
            };
            parallel_for(threads, store_t::shard_count, [&](std::size_t k, unsigned) {
                for (auto& ch : chunks)
                    for (std::uint32_t j = ch.shard_begin[k]; j < ch.shard_begin[k + 1]; ++j) {
                        const std::uint32_t i = ch.by_shard[j];
                        const candidate& cd = ch.cands[i];
                        ch.fresh[i] = store.claim(static_cast<unsigned>(k), cd.hash, cd.st,
                                                  static_cast<std::uint32_t>(ch.base + i), provisional);
                    }
            });
            // 3. number in (parent, emission) order; evaluate state properties
            std::vector<std::uint64_t> fresh_before(nchunks + 1, 0);
            for (std::size_t c = 0; c < nchunks; ++c)
                fresh_before[c + 1] = fresh_before[c] + static_cast<std::uint64_t>(std::count(
                                                            chunks[c].fresh.begin(), chunks[c].fresh.end(), 1));
            std::uint64_t fresh_total = fresh_before[nchunks];
            const std::uint64_t room = store_cap_ - store.size();
            if (fresh_total > room) {
                fresh_total = room;
                out_.stats.limit = limit_kind::states;
            }
            const id_type first_new = store.grow(static_cast<std::size_t>(fresh_total));
            level_first_id_ = first_new;
            parallel_for(threads, nchunks, [&](std::size_t c, unsigned) {
                chunk& ch = chunks[c];
                ch.new_id.assign(ch.cands.size(), no_id);
                std::uint64_t n = fresh_before[c];
                for (std::size_t i = 0; i < ch.cands.size(); ++i) {
                    if (!ch.fresh[i]) continue;
                    if (n < fresh_total) {
                        const auto id = static_cast<id_type>(first_new + n);
                        ch.new_id[i] = id;
                        store.set(id, ch.cands[i].st, ch.cands[i].parent);
                        check_state(id, ch.cands[i].st);
                    }
                    ++n;
                }
            });
            // 4. commit
            parallel_for(threads, store_t::shard_count, [&](std::size_t k, unsigned) {
                for (auto& ch : chunks)
                    for (std::uint32_t j = ch.shard_begin[k]; j < ch.shard_begin[k + 1]; ++j) {
                        const std::uint32_t i = ch.by_shard[j];
                        if (ch.fresh[i])
                            store.commit(static_cast<unsigned>(k), ch.cands[i].hash,
                                         static_cast<std::uint32_t>(ch.base + i), ch.new_id[i]);
                    }
            });
            states_seen_ = store.size();
            if (fresh_total > 0) depth_now_ = ++depth;
            lo = hi;
            hi = store.size();
        }
        out_.stats.depth = depth;
        if (lo < hi && out_.stats.limit == limit_kind::none && stop_.load() == 0) out_.stats.limit = limit_kind::states;
    }

    static void bucket(chunk& ch) {
        const std::size_t n = ch.cands.size();
        std::uint32_t count[store_t::shard_count + 1] = {};
        for (const auto& cd : ch.cands) ++count[store_t::shard_of(cd.hash) + 1];
        for (unsigned k = 0; k < store_t::shard_count; ++k) count[k + 1] += count[k];
        std::copy(std::begin(count), std::end(count), std::begin(ch.shard_begin));
        ch.by_shard.resize(n);
        for (std::uint32_t i = 0; i < n; ++i) ch.by_shard[count[store_t::shard_of(ch.cands[i].hash)]++] = i;
        ch.fresh.assign(n, 0);
    }

    void run_dfs() {
        auto& store = *out_.store;
        std::vector<std::uint32_t> depth(store.size(), 0);
        std::vector<id_type> stack;
        for (id_type id = static_cast<id_type>(store.size()); id-- > 0;) stack.push_back(id);
        std::vector<state> succ;
        std::uint64_t max_depth = 0, steps = 0;
        level_first_id_ = 0;
        while (!stack.empty()) {
            if ((++steps & 1023) == 0 && stop_.load(std::memory_order_relaxed)) return finish_dfs(max_depth);
            const id_type id = stack.back();
            stack.pop_back();
            succ.clear();
            const state s = store[id];
            m_.next(s, [&](const action&, const state& t) { succ.push_back(t); });
            transitions_ += succ.size();
            if (succ.empty()) check_deadlock(id, s);
            // Push in reverse so that the first emitted successor is explored first.
            for (std::size_t i = succ.size(); i-- > 0;) {
                if (store.size() >= store_cap_) {
                    if (store.find(succ[i])) continue;  // known: the full store is no obstacle
                    out_.stats.limit = limit_kind::states;
                    return finish_dfs(max_depth);
                }
                const auto [nid, fresh] = store.insert(succ[i], id);
                if (!fresh) continue;
                depth.push_back(depth[id] + 1);
                max_depth = std::max<std::uint64_t>(max_depth, depth.back());
                check_state(nid, succ[i]);
                stack.push_back(nid);
            }
            frontier_ = stack.size();
            states_seen_ = store.size();
            depth_now_ = max_depth;
        }
        finish_dfs(max_depth);
    }
    void finish_dfs(std::uint64_t max_depth) { out_.stats.depth = max_depth; }

    const M& m_;
    const std::vector<property<M>>& props_;
    search_options opt_;
    search_outcome<state> out_;
    std::unique_ptr<std::atomic<id_type>[]> hits_;
    id_type level_first_id_ = 0;
    std::uint64_t store_cap_ = 0;
    std::atomic<int> stop_{0};
    std::atomic<std::uint64_t> transitions_{0}, states_seen_{0}, frontier_{0}, depth_now_{0};
};

}  // namespace tcpv::detail
