// The breadth-first search's worker pool (tcpv/detail/search.hpp): the same threads run every
// level, so that a model's per-thread tables last from one level to the next; each worker
// index always runs on the same thread, the caller being worker 0; a job's exception reaches
// the caller once every worker has returned, and the pool goes on.
#include <doctest/doctest.h>

#include <tcpv/detail/search.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

using tcpv::detail::worker_pool;

TEST_CASE("worker pool: worker i runs on the same thread in every job, the caller is worker 0") {
    worker_pool pool(3);
    std::vector<std::thread::id> first(3), again(3);
    pool.run(3, [&](unsigned w) { first[w] = std::this_thread::get_id(); });
    for (int job = 0; job < 20; ++job) {
        pool.run(3, [&](unsigned w) { again[w] = std::this_thread::get_id(); });
        REQUIRE(again == first);
    }
    CHECK(first[0] == std::this_thread::get_id());
    CHECK(std::set<std::thread::id>(first.begin(), first.end()).size() == 3);
}

TEST_CASE("worker pool: a job for fewer workers runs only those; more is capped at the pool's size") {
    worker_pool pool(4);
    std::mutex m;
    std::multiset<unsigned> ran;
    auto record = [&](unsigned w) {
        const std::lock_guard lock(m);
        ran.insert(w);
    };
    pool.run(2, record);
    CHECK(ran == std::multiset<unsigned>{0, 1});
    ran.clear();
    pool.run(1, record);
    CHECK(ran == std::multiset<unsigned>{0});
    ran.clear();
    pool.run(9, record);
    CHECK(ran == std::multiset<unsigned>{0, 1, 2, 3});
    ran.clear();
    worker_pool alone(1);  // no threads of its own
    alone.run(3, record);
    CHECK(ran == std::multiset<unsigned>{0});
}

TEST_CASE("worker pool: a worker's exception reaches the caller after every worker has returned") {
    worker_pool pool(3);
    std::atomic<int> finished{0};
    CHECK_THROWS_WITH_AS(pool.run(3,
                                  [&](unsigned w) {
                                      if (w == 2) throw std::runtime_error("worker 2 failed");
                                      std::this_thread::sleep_for(std::chrono::milliseconds(20));
                                      ++finished;
                                  }),
                         "worker 2 failed", std::runtime_error);
    CHECK(finished == 2);  // workers 0 and 1 had returned when run() threw
    // The pool goes on, and forgets the exception.
    finished = 0;
    pool.run(3, [&](unsigned) { ++finished; });
    CHECK(finished == 3);
}
