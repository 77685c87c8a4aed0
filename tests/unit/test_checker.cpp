// The checker on small hand-made models whose figures are derived by hand: states, transitions
// (every emitted (action, successor) pair, duplicates and self-loops included; init emissions
// not), depth, shortest counterexamples, vacuity, deadlocks, set-up errors, limits, determinism
// across thread counts, and the determinism contract of models.
#include <doctest/doctest.h>

#include <tcpv/checker.hpp>
#include <tcpv/report.hpp>
#include <tcpv/trace.hpp>

#include <unistd.h>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <span>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "graph_model.hpp"
#include "grid_model.hpp"

using tcpv_test::graph;
using tcpv_test::show;
using tcpv_test::trace_of;

namespace {

// 0 -> 1 -> ... -> limit ("inc"); with self_loop, every state also emits ("stay", itself).
struct counter {
    std::uint64_t limit = 3;
    bool self_loop = false;
    using state = std::uint64_t;
    using action = std::string_view;
    void init(auto&& emit) const { emit(action("start"), state{0}); }
    void next(const state& s, auto&& emit) const {
        if (self_loop) emit(action("stay"), s);
        if (s < limit) emit(action("inc"), s + 1);
    }
};
static_assert(tcpv::model<counter>);

// The same counter declaring its own properties.
struct counter_with_properties : counter {
    std::vector<tcpv::property<counter_with_properties>> properties() const {
        return {
            tcpv::always("below-limit", [](const state& s) { return s < 3; }),
            tcpv::sometimes("reaches-2", [](const state& s) { return s == 2; }),
            tcpv::always("anything", [](const state&) { return true; }),
        };
    }
};

// n -> n+1 and n -> n+1000 up to 2^40: far too many states to finish; a wide frontier.
struct unbounded {
    using state = std::uint64_t;
    using action = std::string_view;
    void init(auto&& emit) const { emit(action("start"), state{0}); }
    void next(const state& s, auto&& emit) const {
        if (s + 1000 < (std::uint64_t{1} << 40)) {
            emit(action("one"), s + 1);
            emit(action("thousand"), s + 1000);
        }
    }
};

using tcpv_test::grid;
static_assert(tcpv::byte_hashable<grid::state>);

// Breaks the determinism contract on purpose: after three calls, next emits other successors.
struct flaky {
    using state = int;
    using action = std::string_view;
    mutable int calls = 0;
    void init(auto&& emit) const { emit(action("start"), 0); }
    void next(const state& s, auto&& emit) const {
        const int c = calls++;
        if (s < 3) emit(action("inc"), c < 3 ? s + 1 : s + 10);
    }
};

// Minimal archetypes of the model concept's parts: a state that is regular and hashable only
// through std::hash (not trivially copyable), an action that is only copy-constructible and
// equality-comparable (no default constructor, no assignment, no ordering, no hash, no
// operator<<), both printed by the model's print members.
struct named_state {
    std::string name;
    int n = 0;
    bool operator==(const named_state&) const = default;
};
}  // namespace
template <>
struct std::hash<named_state> {
    std::size_t operator()(const named_state& s) const noexcept {
        return std::hash<std::string>{}(s.name) ^ (static_cast<std::size_t>(s.n) * 0x9e3779b9u);
    }
};
namespace {
class bare_action {
public:
    explicit bare_action(int step) : step_(step) {}
    bare_action(const bare_action&) = default;
    bare_action& operator=(const bare_action&) = delete;
    bool operator==(const bare_action&) const = default;
    int step() const { return step_; }

private:
    int step_;
};
struct archetype_model {
    using state = named_state;
    using action = bare_action;
    void init(auto&& emit) const { emit(bare_action(0), named_state{"start", 0}); }
    void next(const state& s, auto&& emit) const {
        emit(bare_action(1), named_state{s.name, (s.n + 1) % 4});   // a ring of 4 states ...
        if (s.n == 3) emit(bare_action(2), named_state{"end", 0});  // ... with a way out
    }
    void print(std::ostream& os, const state& s) const { os << s.name << '/' << s.n; }
    void print(std::ostream& os, const action& a) const { os << "step" << a.step(); }
};
static_assert(tcpv::model<archetype_model>);
static_assert(!tcpv::byte_hashable<named_state>);
static_assert(!std::default_initializable<bare_action> && !std::copyable<bare_action>);

struct figures {
    std::uint64_t states, transitions, depth, initial_states;
    bool operator==(const figures&) const = default;
    friend std::ostream& operator<<(std::ostream& os, const figures& f) {
        return os << "{states " << f.states << ", transitions " << f.transitions << ", depth " << f.depth
                  << ", initial " << f.initial_states << '}';
    }
};

template <class M>
figures figures_of(const tcpv::result<M>& r) {
    return {r.stats.states, r.stats.transitions, r.stats.depth, r.stats.initial_states};
}

// The figures under breadth-first search with 1 and 3 threads, and depth-first search (whose
// depth is the depth of its own search tree, so only states and transitions are compared).
template <class M>
void check_figures(const M& m, figures want) {
    for (const unsigned threads : {1u, 3u}) {
        CAPTURE(threads);
        const auto r = tcpv::checker(m).threads(threads).run();
        CHECK(figures_of(r) == want);
        CHECK(r.stats.limit == tcpv::limit_kind::none);
    }
    const auto d = tcpv::checker(m).dfs().run();
    CHECK(d.stats.states == want.states);
    CHECK(d.stats.transitions == want.transitions);
    CHECK(d.stats.initial_states == want.initial_states);
    CHECK(d.stats.order == tcpv::search_order::dfs);
}

std::string error_of(const auto& run) {
    try {
        run();
    } catch (const tcpv::model_error& e) {
        return e.what();
    }
    return "(no tcpv::model_error thrown)";
}

}  // namespace

TEST_CASE("figures: a counter 0..3") {
    check_figures(counter{3, false}, {4, 3, 3, 1});
    check_figures(counter{0, false}, {1, 0, 0, 1});
}

TEST_CASE("figures: self-loops count as transitions") {
    // Every one of the 4 states emits "stay" to itself; 0..2 also emit "inc".
    check_figures(counter{3, true}, {4, 7, 3, 1});
}

TEST_CASE("figures: a diamond, and duplicate emissions") {
    const auto diamond = graph(4, {0}, {{0, "left", 1}, {0, "right", 2}, {1, "down", 3}, {2, "down", 3}});
    check_figures(diamond, {4, 4, 2, 1});
    // Node 0 emits three pairs to node 1 (two of them equal): all three are transitions.
    const auto dup = graph(2, {0}, {{0, "a", 1}, {0, "a", 1}, {0, "b", 1}});
    check_figures(dup, {2, 3, 1, 1});
}

TEST_CASE("figures: two initial states (one emitted twice), unreachable nodes not counted") {
    // 0 -> 1 -> 2 and 3 -> 4 -> 5 -> 3; node 6 is unreachable. init emits 0, 3, 0.
    const auto m = graph(7, {0, 3, 0},
                         {{0, "a", 1}, {1, "a", 2}, {3, "b", 4}, {4, "b", 5}, {5, "b", 3}, {6, "x", 0}});
    check_figures(m, {6, 5, 2, 2});
    // No initial state at all: nothing to explore, and no crash.
    const auto none = graph(2, {}, {{0, "a", 1}});
    check_figures(none, {0, 0, 0, 0});
    const auto r = tcpv::checker(none)
                       .check(tcpv::always("a", [](std::uint32_t) { return false; }))
                       .check(tcpv::sometimes("s", [](std::uint32_t) { return true; }))
                       .check(tcpv::eventually("e", [](std::uint32_t) { return false; }))
                       .run();
    CHECK(r.verdict_of("a") == tcpv::verdict::holds);
    CHECK(r.verdict_of("s") == tcpv::verdict::violated);  // vacuity is caught
    CHECK(r.verdict_of("e") == tcpv::verdict::holds);
}

TEST_CASE("always: a violation gives the shortest trace, exactly") {
    // 0 -long-> 1 -> 2 -> 3 and 0 -short-> 4 -> 3: the short way is reported.
    const auto m = graph(5, {0}, {{0, "long", 1}, {0, "short", 4}, {1, "l2", 2}, {2, "l3", 3}, {4, "s2", 3}});
    for (const unsigned threads : {1u, 2u}) {
        const auto r = tcpv::checker(m).threads(threads).check(tcpv::always("not-3", [](std::uint32_t s) { return s != 3; })).run();
        CHECK(r.verdict_of("not-3") == tcpv::verdict::violated);
        CHECK(trace_of(r, "not-3") == "init:0 short:4 s2:3");
        const auto t = r.counterexample("not-3");
        REQUIRE(t);
        CHECK(t->length() == 2);
        CHECK(t->end == tcpv::trace_end::path);
        CHECK_FALSE(tcpv::validate(r.model, *t));
        CHECK(r.summary().exit_status() == 1);
    }
}

TEST_CASE("always: among equally short counterexamples the emission order decides") {
    // 0 -> 1 -> 3 and 0 -> 2 -> 4; both 3 and 4 are bad, at depth 2.
    const auto a_first = graph(5, {0}, {{0, "a", 1}, {0, "b", 2}, {1, "c", 3}, {2, "d", 4}});
    const auto b_first = graph(5, {0}, {{0, "b", 2}, {0, "a", 1}, {1, "c", 3}, {2, "d", 4}});
    const auto bad = tcpv::always("small", [](std::uint32_t s) { return s < 3; });
    for (const unsigned threads : {1u, 2u, 4u}) {
        CHECK(trace_of(tcpv::checker(a_first).threads(threads).check(bad).run(), "small") == "init:0 a:1 c:3");
        CHECK(trace_of(tcpv::checker(b_first).threads(threads).check(bad).run(), "small") == "init:0 b:2 d:4");
    }
}

TEST_CASE("always: a violating initial state is a trace of length 0") {
    const auto r = tcpv::checker(counter{}).check(tcpv::always("positive", [](std::uint64_t s) { return s > 0; })).run();
    CHECK(trace_of(r, "positive") == "start:0");
    CHECK(r.counterexample("positive")->length() == 0);
}

TEST_CASE("always: holds on every reachable state") {
    const auto r = tcpv::checker(counter{5}).check(tcpv::always("bounded", [](std::uint64_t s) { return s <= 5; })).run();
    CHECK(r.verdict_of("bounded") == tcpv::verdict::holds);
    CHECK_FALSE(r.find("bounded")->trace);
    CHECK(r.all_hold());
    CHECK(r.summary().exit_status() == 0);
}

TEST_CASE("sometimes: not finding an example is a failure (vacuity); finding one holds with the example") {
    const auto m = graph(5, {0}, {{0, "long", 1}, {0, "short", 4}, {1, "l2", 2}, {2, "l3", 3}, {4, "s2", 3}});
    const auto r = tcpv::checker(m)
                       .check(tcpv::sometimes("reach-3", [](std::uint32_t s) { return s == 3; }))
                       .check(tcpv::sometimes("reach-9", [](std::uint32_t s) { return s == 9; }))
                       .run();
    CHECK(r.verdict_of("reach-3") == tcpv::verdict::holds);
    CHECK(trace_of(r, "reach-3") == "init:0 short:4 s2:3");
    CHECK_FALSE(r.counterexample("reach-3"));  // an example, not a counterexample
    CHECK(r.verdict_of("reach-9") == tcpv::verdict::violated);
    CHECK_FALSE(r.find("reach-9")->trace);
    CHECK(r.find("reach-9")->note.find("no reachable state") != std::string::npos);
    CHECK(r.summary().exit_status() == 1);
}

TEST_CASE("deadlock_free: the shortest path to a state without successor") {
    // 0 -> 1 -> 2 (stuck), 0 -> 3 -> 3 (spins), 3 -> 4 -> 5 (stuck, deeper).
    const auto m = graph(6, {0}, {{0, "a", 1}, {0, "c", 3}, {1, "b", 2}, {3, "spin", 3}, {3, "d", 4}, {4, "e", 5}});
    const auto r = tcpv::checker(m)
                       .check(tcpv::deadlock_free("no-deadlock"))
                       .check(tcpv::deadlock_free("ends-ok", [](std::uint32_t s) { return s == 2 || s == 5; }))
                       .check(tcpv::deadlock_free("only-2-ok", [](std::uint32_t s) { return s == 2; }))
                       .run();
    CHECK(r.verdict_of("no-deadlock") == tcpv::verdict::violated);
    CHECK(trace_of(r, "no-deadlock") == "init:0 a:1 b:2 |deadlock");
    CHECK_FALSE(tcpv::validate(r.model, *r.counterexample("no-deadlock")));
    CHECK(r.verdict_of("ends-ok") == tcpv::verdict::holds);
    CHECK(trace_of(r, "only-2-ok") == "init:0 c:3 d:4 e:5 |deadlock");
    // A self-loop is a successor: the spinning state is no deadlock.
    CHECK(tcpv::checker(counter{2, true}).check(tcpv::deadlock_free("x")).run().verdict_of("x") ==
          tcpv::verdict::holds);
}

TEST_CASE("set-up errors: duplicate property names, unknown names in only()") {
    const std::string dup = error_of([] {
        (void)tcpv::checker(counter{})
            .check(tcpv::always("twice", [](std::uint64_t) { return true; }))
            .check(tcpv::sometimes("twice", [](std::uint64_t) { return true; }))
            .run();
    });
    CHECK(dup.find("twice") != std::string::npos);
    CHECK(dup.find("two properties") != std::string::npos);

    // A model's own property and an added one may clash too.
    CHECK(error_of([] {
              (void)tcpv::checker(counter_with_properties{})
                  .check(tcpv::always("anything", [](std::uint64_t) { return true; }))
                  .run();
          }).find("anything") != std::string::npos);

    const std::string unknown = error_of([] { (void)tcpv::checker(counter_with_properties{}).only({"reaches-2", "nope"}); });
    CHECK(unknown.find("'nope'") != std::string::npos);
}

TEST_CASE("only(): checks just the named properties of the model, in the given order") {
    auto c = tcpv::checker(counter_with_properties{});
    CHECK(c.properties().size() == 3);
    const auto r = c.only({"reaches-2", "below-limit"}).run();
    REQUIRE(r.properties.size() == 2);
    CHECK(r.properties[0].name == "reaches-2");
    CHECK(r.properties[1].name == "below-limit");
    CHECK(r.verdict_of("below-limit") == tcpv::verdict::violated);
    CHECK(trace_of(r, "below-limit") == "start:0 inc:1 inc:2 inc:3");
    CHECK_THROWS_AS((void)r.verdict_of("anything"), std::out_of_range);
}

TEST_CASE("limits: max_states stops with max-states; undecided properties are unknown") {
    for (const auto order : {tcpv::search_order::bfs, tcpv::search_order::dfs}) {
        CAPTURE(order == tcpv::search_order::bfs);
        auto c = tcpv::checker(counter{100});
        if (order == tcpv::search_order::dfs) c.dfs();
        const auto r = c.max_states(10)
                           .check(tcpv::always("small", [](std::uint64_t s) { return s < 1000; }))
                           .check(tcpv::sometimes("reach-50", [](std::uint64_t s) { return s == 50; }))
                           .check(tcpv::deadlock_free("live"))
                           .check(tcpv::eventually("top", [](std::uint64_t s) { return s == 100; }))
                           .check(tcpv::sometimes("reach-3", [](std::uint64_t s) { return s == 3; }))
                           .run();
        CHECK(r.stats.states == 10);
        CHECK(r.stats.limit == tcpv::limit_kind::states);
        CHECK(r.verdict_of("small") == tcpv::verdict::unknown);
        CHECK(r.verdict_of("reach-50") == tcpv::verdict::unknown);
        CHECK(r.verdict_of("live") == tcpv::verdict::unknown);
        CHECK(r.verdict_of("top") == tcpv::verdict::unknown);
        CHECK(r.verdict_of("reach-3") == tcpv::verdict::holds);  // found before the limit
        CHECK(r.find("small")->note.find("max-states") != std::string::npos);
        const auto rep = r.summary();
        CHECK(rep.overall() == tcpv::verdict::unknown);
        CHECK(rep.exit_status() == 3);
        CHECK(to_string(rep.stats.limit) == "max-states");
    }
}

TEST_CASE("limits: a violation found before the limit is still violated") {
    const auto r = tcpv::checker(counter{100})
                       .max_states(10)
                       .check(tcpv::always("under-5", [](std::uint64_t s) { return s < 5; }))
                       .check(tcpv::always("small", [](std::uint64_t s) { return s < 1000; }))
                       .run();
    CHECK(r.stats.limit == tcpv::limit_kind::states);
    CHECK(r.verdict_of("under-5") == tcpv::verdict::violated);
    CHECK(trace_of(r, "under-5") == "start:0 inc:1 inc:2 inc:3 inc:4 inc:5");
    CHECK(r.verdict_of("small") == tcpv::verdict::unknown);
    CHECK(r.summary().exit_status() == 1);
}

TEST_CASE("limits: a search cut short is unknown even without properties") {
    const auto r = tcpv::checker(counter{100}).max_states(10).run();
    CHECK(r.summary().exit_status() == 3);
}

TEST_CASE("limits: max_states equal to the number of states is no limit (bfs and dfs)") {
    for (const bool self_loop : {false, true}) {
        CAPTURE(self_loop);
        const auto b = tcpv::checker(counter{9, self_loop}).max_states(10).run();
        CHECK(b.stats.states == 10);
        CHECK(b.stats.limit == tcpv::limit_kind::none);
        const auto d = tcpv::checker(counter{9, self_loop}).dfs().max_states(10).run();
        CHECK(d.stats.states == 10);
        CHECK(d.stats.limit == tcpv::limit_kind::none);
        CHECK(d.summary().exit_status() == 0);
    }
    // An initial state emitted twice is one state.
    for (const bool dfs : {false, true}) {
        CAPTURE(dfs);
        auto c = tcpv::checker(graph(2, {0, 0, 1, 1}, {}));
        if (dfs) c.dfs();
        const auto r = c.max_states(2).run();
        CHECK(r.stats.states == 2);
        CHECK(r.stats.limit == tcpv::limit_kind::none);
    }
}

TEST_CASE("limits: max_seconds stops an endless search in bounded time") {
    struct setup {
        const char* name;
        bool dfs;
        unsigned threads;
    };
    for (const auto& [name, dfs, threads] : {setup{"bfs", false, 1}, setup{"bfs-2-threads", false, 2}, setup{"dfs", true, 1}}) {
        CAPTURE(name);
        auto c = tcpv::checker(unbounded{});
        if (dfs) c.dfs();
        const auto start = std::chrono::steady_clock::now();
        const auto r = c.threads(threads)
                           .max_seconds(0.3)
                           .check(tcpv::always("anything", [](std::uint64_t) { return true; }))
                           .check(tcpv::eventually("never", [](std::uint64_t s) { return s == 1; }))
                           .run();
        const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        CHECK(r.stats.limit == tcpv::limit_kind::time);
        CHECK(to_string(r.stats.limit) == "max-seconds");
        CHECK(r.verdict_of("anything") == tcpv::verdict::unknown);
        CHECK(r.verdict_of("never") == tcpv::verdict::unknown);
        CHECK(r.stats.states > 1);
        CHECK(took < 10.0);
        CHECK(r.summary().exit_status() == 3);
    }
}

TEST_CASE("limits: max_memory stops with max-memory, never a crash") {
    const std::uint64_t budget = tcpv::detail::current_rss_bytes() + (64u << 20);
    const auto start = std::chrono::steady_clock::now();
    const auto r = tcpv::checker(unbounded{})
                       .max_memory(budget)
                       .check(tcpv::always("anything", [](std::uint64_t) { return true; }))
                       .run();
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(r.stats.limit == tcpv::limit_kind::memory);
    CHECK(to_string(r.stats.limit) == "max-memory");
    CHECK(r.verdict_of("anything") == tcpv::verdict::unknown);
    // The stop reads /proc/self/statm and the peak comes from getrusage; the kernel keeps RSS
    // in per-CPU counters that the two read at different moments, so the peak may lag the
    // reading that stopped the search by a few pages (seen: 128 KiB under ASan).
    CHECK(r.stats.peak_rss_bytes + (1u << 20) >= budget);
    CHECK(took < 60.0);
    CHECK(r.summary().exit_status() == 3);
}

TEST_CASE("determinism: identical figures and traces for 1..4 threads; dfs counts agree") {
    // 60 x 60 grid: 3600 states; 2 * (2 * 60 * 59) = 14160 moves; the far corner is 118 away.
    // Breadth-first levels list x+y = k in decreasing x, so the first state with x+y = 50 is
    // (50,0), reached by 50 moves right; the corner's example is the first path found to it.
    const auto props = [](auto c) {
        return c.check(tcpv::always("near", [](const grid::state& s) { return s.x + s.y < 50; }))
            .check(tcpv::sometimes("corner", [](const grid::state& s) { return s.x == 59 && s.y == 59; }))
            .check(tcpv::deadlock_free("live"))
            .check(tcpv::eventually("home", [](const grid::state& s) { return s.x == 5 && s.y == 5; }))
            .run();
    };
    const auto base = props(tcpv::checker(grid{}).threads(1));
    CHECK(figures_of(base) == figures{3600, 14160, 118, 1});
    CHECK(base.verdict_of("near") == tcpv::verdict::violated);
    std::string fifty_rights = "init:(0,0)";
    for (int i = 1; i <= 50; ++i) fifty_rights += " right:(" + std::to_string(i) + ",0)";
    CHECK(trace_of(base, "near") == fifty_rights);
    CHECK(base.find("corner")->trace->length() == 118);
    CHECK(base.verdict_of("live") == tcpv::verdict::holds);
    CHECK(base.verdict_of("home") == tcpv::verdict::violated);  // right, left, right, left, ...
    for (const unsigned threads : {2u, 3u, 4u}) {
        CAPTURE(threads);
        const auto r = props(tcpv::checker(grid{}).threads(threads));
        CHECK(r.stats.threads == threads);
        CHECK(figures_of(r) == figures_of(base));
        for (const auto& p : base.properties) {
            CAPTURE(p.name);
            CHECK(r.verdict_of(p.name) == p.result);
            CHECK(trace_of(r, p.name) == trace_of(base, p.name));
        }
        // The same states, level by level (ids within a level may differ between thread counts).
        CHECK(r.explored->size() == base.explored->size());
        REQUIRE(r.explored->level_count() == base.explored->level_count());
        bool same_levels = true;
        for (std::uint32_t i = 0; i < base.explored->size(); ++i) {
            const auto id = r.explored->find((*base.explored)[i]);
            same_levels = same_levels && id && r.explored->depth_of(*id) == base.explored->depth_of(i);
        }
        CHECK(same_levels);
    }
    const auto d1 = props(tcpv::checker(grid{}).dfs());
    const auto d2 = props(tcpv::checker(grid{}).dfs());
    CHECK(d1.stats.states == 3600);
    CHECK(d1.stats.transitions == 14160);
    CHECK(d1.verdict_of("near") == tcpv::verdict::violated);
    CHECK(d1.verdict_of("home") == tcpv::verdict::violated);
    CHECK_FALSE(tcpv::validate(d1.model, *d1.counterexample("near")));
    CHECK(trace_of(d1, "near") == trace_of(d2, "near"));
    CHECK(figures_of(d1) == figures_of(d2));
}

TEST_CASE("determinism contract: a model whose next changes between calls is reported, not trusted") {
    // During the search next(0..2) emit 1, 2, 3; when the trace to 3 is rebuilt (backwards from
    // depth 2), next(2) emits 12.
    const std::string safety = error_of([] {
        (void)tcpv::checker(flaky{}).check(tcpv::always("not-3", [](int s) { return s != 3; })).run();
    });
    CHECK(safety.find("not deterministic") != std::string::npos);
    CHECK(safety.find("from state 2") != std::string::npos);
    // Liveness rebuilds the graph by calling next again: the same contract breach is caught.
    const std::string liveness = error_of([] {
        (void)tcpv::checker(flaky{}).check(tcpv::eventually("never", [](int s) { return s == 100; })).run();
    });
    CHECK(liveness.find("not deterministic") != std::string::npos);
}

TEST_CASE("archetypes: the least a model may offer is enough for every facility") {
    // start/0 -> start/1 -> start/2 -> start/3 -> start/0 ..., start/3 -> end/0 -> end/1 -> ... end/3
    // (end/3 -> end/0 again): 8 states, 10 transitions, depth 7 (end/3 is 7 steps away).
    for (const unsigned threads : {1u, 2u}) {
        CAPTURE(threads);
        const auto r = tcpv::checker(archetype_model{})
                           .threads(threads)
                           .check(tcpv::always("no-end-3", [](const named_state& s) { return !(s.name == "end" && s.n == 3); }))
                           .check(tcpv::eventually("ends", [](const named_state& s) { return s.name == "end"; }))
                           .check(tcpv::eventually("ends-fairly", [](const named_state& s) { return s.name == "end"; })
                                      .under(tcpv::strong_fairness_each("exit", [](const bare_action& a) { return a.step() == 2; })))
                           .run();
        CHECK(figures_of(r) == figures{8, 10, 7, 1});
        CHECK(trace_of(r, "no-end-3") == "step0:start/0 step1:start/1 step1:start/2 step1:start/3 step2:end/0 step1:end/1 step1:end/2 step1:end/3");
        CHECK(trace_of(r, "ends") == "step0:start/0 step1:start/1 step1:start/2 step1:start/3 step1:start/0 |cycle@0");
        CHECK(r.verdict_of("ends-fairly") == tcpv::verdict::holds);
        const auto t = *r.counterexample("no-end-3");
        CHECK_FALSE(tcpv::validate(r.model, t));
        std::vector<bare_action> acts;
        for (const auto& step : t.steps) acts.push_back(step.act);
        const auto back = tcpv::replay(r.model, std::span<const bare_action>(acts));
        REQUIRE(back);
        CHECK(show(r.model, *back.ok) == show(r.model, t));
        CHECK(tcpv::to_json(r.summary()).find("\"step2\"") != std::string::npos);
    }
    const auto d = tcpv::checker(archetype_model{}).dfs().run();
    CHECK(d.stats.states == 8);
    CHECK(d.stats.transitions == 10);
}

TEST_CASE("limits: a search cut by max_states stores exactly that many states; complete levels agree") {
    // Which states of the last, partial level are kept depends on timing with several threads;
    // the levels before it are complete and identical.
    const auto base = tcpv::checker(grid{}).threads(1).max_states(1000).run();
    CHECK(base.stats.states == 1000);
    CHECK(base.stats.limit == tcpv::limit_kind::states);
    const auto& b = *base.explored;
    const std::uint32_t complete = b.level_begin(b.level_count() - 1);
    CHECK(complete > 500);
    for (const unsigned threads : {2u, 3u, 4u}) {
        CAPTURE(threads);
        const auto r = tcpv::checker(grid{}).threads(threads).max_states(1000).run();
        CHECK(r.stats.states == 1000);
        CHECK(r.stats.limit == tcpv::limit_kind::states);
        CHECK(r.summary().exit_status() == 3);
        bool same = true;
        for (std::uint32_t i = 0; i < complete; ++i) {
            const auto id = r.explored->find(b[i]);
            same = same && id && r.explored->depth_of(*id) == b.depth_of(i);
        }
        CHECK(same);
    }
}

TEST_CASE("progress: a long run prints states, states/s, frontier and memory on stderr") {
    // Capture file descriptor 2 for the duration of one run.
    std::fflush(stderr);
    char path[] = "/tmp/tcpv-progress-XXXXXX";
    const int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    const int saved = ::dup(2);
    ::dup2(fd, 2);
    const auto r = tcpv::checker(unbounded{}).progress().max_seconds(2.5).run();
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    ::close(fd);
    std::ifstream in(path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::remove(path);
    INFO(text);
    CHECK(r.stats.limit == tcpv::limit_kind::time);
    CHECK(text.find("tcpv: ") != std::string::npos);
    CHECK(text.find(" states, ") != std::string::npos);
    CHECK(text.find(" states/s") != std::string::npos);
    CHECK(text.find("frontier ") != std::string::npos);
    CHECK(text.find(" MiB") != std::string::npos);
    CHECK(text.ends_with("\n"));  // the line is closed when the search ends
}
