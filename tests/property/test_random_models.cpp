// Properties over random small explicit graphs (at most 8 states, labels a/b/c, random initial
// states and predicates): tcpv's figures, safety verdicts, shortest-counterexample lengths,
// deadlocks and liveness verdicts (without fairness and under random weak/strong, per-class and
// per-action fairness) agree with independent references computed here:
// - figures and distances: a plain breadth-first search;
// - liveness: brute force over state subsets instead of Tarjan + Emerson-Lei. A fair
//   counterexample exists iff the pending region (reachable from a trigger through non-goal
//   states) holds a deadlock, or a subset S of it that is strongly connected through its
//   internal edges (at least one) and fair when the loop takes every internal edge of S (a
//   closed walk can, and taking more only helps; "enabled" depends on S alone).
// Every counterexample is validated (tcpv::validate, and lasso_check.hpp for its loop), and
// results are the same for 1 and 2 threads.
#include <tcpv/testing/doctest_rapidcheck.hpp>

#include <tcpv/checker.hpp>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "../unit/graph_model.hpp"
#include "../unit/lasso_check.hpp"

namespace {

using tcpv_test::graph_model;
using mask = std::uint32_t;  // a set of nodes (bit v) or of labels (bit 0 = "a", 1 = "b", 2 = "c")

constexpr int label_count = 3;
std::string label_name(int l) { return std::string(1, static_cast<char>('a' + l)); }
int label_of(const std::string& a) { return a[0] - 'a'; }
bool has(mask m, std::uint32_t v) { return (m >> v) & 1u; }

// A random graph with up to 8 nodes; degrees 0..3 (so deadlocks, self-loops, duplicate edges
// and unreachable nodes all occur).
graph_model random_graph() {
    const auto n = *rc::gen::inRange<std::uint32_t>(1, 9);
    auto d = std::make_shared<tcpv_test::graph_data>();
    d->edges.resize(n);
    for (std::uint32_t v = 0; v < n; ++v) {
        const int degree = *rc::gen::inRange(0, 4);
        for (int k = 0; k < degree; ++k) {
            const int label = *rc::gen::inRange(0, label_count);
            d->edges[v].push_back({label_name(label), *rc::gen::inRange<std::uint32_t>(0, n)});
        }
    }
    const int inits = *rc::gen::inRange(1, 4);
    for (int k = 0; k < inits; ++k) d->initial.push_back(*rc::gen::inRange<std::uint32_t>(0, n));
    return graph_model{std::move(d)};
}

std::uint32_t size_of(const graph_model& m) { return static_cast<std::uint32_t>(m.g->edges.size()); }

mask random_set(const graph_model& m) { return *rc::gen::inRange<mask>(0, mask{1} << size_of(m)); }

std::string describe(const graph_model& m) {
    std::ostringstream os;
    os << "graph: init";
    for (const auto v : m.g->initial) os << ' ' << v;
    for (std::uint32_t v = 0; v < size_of(m); ++v) {
        os << "; " << v << ':';
        for (const auto& e : m.g->edges[v]) os << ' ' << e.act << "->" << e.to;
    }
    return os.str();
}

std::string set_text(mask s) {
    std::string out = "{";
    for (std::uint32_t v = 0; v < 32; ++v)
        if (has(s, v)) {
            if (out.size() > 1) out += ',';
            out += std::to_string(v);
        }
    return out + "}";
}

// --- references ----------------------------------------------------------------------------
constexpr int unreached = -1;

// Breadth-first distances from `from` (a node set), moving only into `allowed` nodes.
std::vector<int> distances(const graph_model& m, const std::vector<std::uint32_t>& from, mask allowed = ~mask{0}) {
    std::vector<int> dist(size_of(m), unreached);
    std::deque<std::uint32_t> queue;
    for (const auto v : from)
        if (has(allowed, v) && dist[v] == unreached) {
            dist[v] = 0;
            queue.push_back(v);
        }
    while (!queue.empty()) {
        const auto v = queue.front();
        queue.pop_front();
        for (const auto& e : m.g->edges[v])
            if (has(allowed, e.to) && dist[e.to] == unreached) {
                dist[e.to] = dist[v] + 1;
                queue.push_back(e.to);
            }
    }
    return dist;
}

// The smallest distance to a reached node of `targets`, or unreached.
int nearest(const std::vector<int>& dist, mask targets) {
    int best = unreached;
    for (std::uint32_t v = 0; v < dist.size(); ++v)
        if (dist[v] != unreached && has(targets, v) && (best == unreached || dist[v] < best)) best = dist[v];
    return best;
}

mask reached(const std::vector<int>& dist) {
    mask s = 0;
    for (std::uint32_t v = 0; v < dist.size(); ++v)
        if (dist[v] != unreached) s |= mask{1} << v;
    return s;
}

mask deadlocks(const graph_model& m) {
    mask s = 0;
    for (std::uint32_t v = 0; v < size_of(m); ++v)
        if (m.g->edges[v].empty()) s |= mask{1} << v;
    return s;
}

struct assumption {
    bool strong = false;
    bool each = false;
    mask labels = 0;  // the class
};

std::string describe(const std::vector<assumption>& fair) {
    std::string out;
    for (const auto& f : fair) {
        out += std::string(f.strong ? " strong" : " weak") + (f.each ? "_each" : "") + "{";
        for (int l = 0; l < label_count; ++l)
            if (has(f.labels, static_cast<std::uint32_t>(l))) out += label_name(l);
        out += "}";
    }
    return out.empty() ? " none" : out;
}

// Whether S is strongly connected through its internal edges and has at least one.
bool strongly_connected(const graph_model& m, mask s) {
    bool any_edge = false;
    for (std::uint32_t v = 0; v < size_of(m); ++v)
        if (has(s, v))
            for (const auto& e : m.g->edges[v]) any_edge = any_edge || has(s, e.to);
    if (!any_edge) return false;
    for (std::uint32_t v = 0; v < size_of(m); ++v)
        if (has(s, v) && (reached(distances(m, {v}, s)) & s) != s) return false;
    return true;
}

// Whether a loop that visits exactly S and takes all of S's internal edges is fair.
bool fair_set(const graph_model& m, mask s, const std::vector<assumption>& fair) {
    for (const auto& f : fair) {
        // The groups: the class as a whole, or each label of it.
        std::vector<mask> groups;
        if (f.each) {
            for (int l = 0; l < label_count; ++l)
                if (has(f.labels, static_cast<std::uint32_t>(l))) groups.push_back(mask{1} << l);
        } else {
            groups.push_back(f.labels);
        }
        for (const mask group : groups) {
            std::uint32_t members = 0, enabled_in = 0;
            bool taken = false;
            for (std::uint32_t v = 0; v < size_of(m); ++v) {
                if (!has(s, v)) continue;
                ++members;
                bool enabled = false;
                for (const auto& e : m.g->edges[v]) {
                    if (!has(group, static_cast<std::uint32_t>(label_of(e.act)))) continue;
                    enabled = true;
                    taken = taken || has(s, e.to);
                }
                enabled_in += enabled ? 1 : 0;
            }
            const bool applies = f.strong ? enabled_in > 0 : enabled_in == members;
            if (applies && !taken) return false;
        }
    }
    return true;
}

// Whether a fair counterexample starts at one of `triggers` (none of them in `goal`).
bool reference_violated(const graph_model& m, const std::vector<std::uint32_t>& triggers, mask goal,
                        const std::vector<assumption>& fair) {
    const mask pending = reached(distances(m, triggers, ~goal));
    if (pending & deadlocks(m)) return true;
    for (mask s = 1; s < (mask{1} << size_of(m)); ++s)
        if ((s & pending) == s && strongly_connected(m, s) && fair_set(m, s, fair)) return true;
    return false;
}

std::vector<tcpv::fairness<std::string>> to_tcpv(const std::vector<assumption>& fair) {
    std::vector<tcpv::fairness<std::string>> out;
    for (std::size_t i = 0; i < fair.size(); ++i) {
        const mask labels = fair[i].labels;
        out.push_back({"f" + std::to_string(i),
                       fair[i].strong ? tcpv::fairness_strength::strong : tcpv::fairness_strength::weak, fair[i].each,
                       [labels](const std::string& a) { return has(labels, static_cast<std::uint32_t>(label_of(a))); }});
    }
    return out;
}

std::vector<assumption> random_fairness() {
    std::vector<assumption> out(static_cast<std::size_t>(*rc::gen::inRange(0, 3)));
    for (auto& f : out) {
        f.strong = *rc::gen::arbitrary<bool>();
        f.each = *rc::gen::arbitrary<bool>();
        f.labels = *rc::gen::inRange<mask>(1, mask{1} << label_count);
    }
    return out;
}

auto in_set(mask s) {
    return [s](std::uint32_t v) { return has(s, v); };
}

// Everything a result says, printed: figures, verdicts, traces.
std::string fingerprint(const tcpv::result<graph_model>& r) {
    std::string out = std::to_string(r.stats.states) + " " + std::to_string(r.stats.transitions) + " " +
                      std::to_string(r.stats.depth) + " " + std::to_string(r.stats.initial_states);
    for (const auto& p : r.properties) {
        out += " | " + p.name + " " + std::string(to_string(p.result));
        if (p.trace) out += " " + tcpv_test::show(r.model, *p.trace);
    }
    return out;
}

}  // namespace

TCPV_PROPERTY("figures match a reference breadth-first search", ()) {
    const graph_model m = random_graph();
    RC_LOG() << describe(m) << '\n';
    const auto dist = distances(m, m.g->initial);
    std::uint64_t states = 0, transitions = 0, depth = 0, initial = 0;
    for (std::uint32_t v = 0; v < size_of(m); ++v) {
        if (dist[v] == unreached) continue;
        ++states;
        transitions += m.g->edges[v].size();
        depth = std::max<std::uint64_t>(depth, static_cast<std::uint64_t>(dist[v]));
        initial += dist[v] == 0 ? 1 : 0;
    }
    for (const unsigned threads : {1u, 2u}) {
        const auto r = tcpv::checker(m).threads(threads).run();
        RC_ASSERT(r.stats.states == states);
        RC_ASSERT(r.stats.transitions == transitions);
        RC_ASSERT(r.stats.depth == depth);
        RC_ASSERT(r.stats.initial_states == initial);
        RC_ASSERT(r.stats.limit == tcpv::limit_kind::none);
    }
    const auto d = tcpv::checker(m).dfs().run();
    RC_ASSERT(d.stats.states == states);
    RC_ASSERT(d.stats.transitions == transitions);
}

TCPV_PROPERTY("safety verdicts and shortest counterexample lengths match reference distances", ()) {
    const graph_model m = random_graph();
    const mask safe = random_set(m), wanted = random_set(m), end_ok = random_set(m);
    RC_LOG() << describe(m) << "\nsafe " << set_text(safe) << " wanted " << set_text(wanted) << " end_ok "
             << set_text(end_ok) << '\n';
    const auto dist = distances(m, m.g->initial);
    const mask all = (mask{1} << size_of(m)) - 1;
    const int to_unsafe = nearest(dist, all & ~safe);
    const int to_wanted = nearest(dist, wanted);
    const int to_deadlock = nearest(dist, deadlocks(m));
    const int to_bad_deadlock = nearest(dist, deadlocks(m) & ~end_ok);

    auto run = [&](auto c) {
        return c.check(tcpv::always("safe", in_set(safe)))
            .check(tcpv::sometimes("wanted", in_set(wanted)))
            .check(tcpv::deadlock_free("no-deadlock"))
            .check(tcpv::deadlock_free("no-bad-deadlock", in_set(end_ok)))
            .run();
    };
    const auto r = run(tcpv::checker(m));
    // A violation (or the example) has exactly the reference length and is a real behaviour.
    auto expect = [&](const char* name, int length, tcpv::verdict if_found, tcpv::verdict if_not) {
        const auto* p = r.find(name);
        RC_ASSERT(p != nullptr);
        RC_ASSERT(p->result == (length == unreached ? if_not : if_found));
        RC_ASSERT(p->trace.has_value() == (length != unreached));
        if (!p->trace) return;
        RC_ASSERT(p->trace->length() == static_cast<std::size_t>(length));
        RC_ASSERT(!tcpv::validate(m, *p->trace));
    };
    expect("safe", to_unsafe, tcpv::verdict::violated, tcpv::verdict::holds);
    expect("wanted", to_wanted, tcpv::verdict::holds, tcpv::verdict::violated);
    expect("no-deadlock", to_deadlock, tcpv::verdict::violated, tcpv::verdict::holds);
    expect("no-bad-deadlock", to_bad_deadlock, tcpv::verdict::violated, tcpv::verdict::holds);
    if (to_unsafe != unreached) RC_ASSERT(!has(safe, r.counterexample("safe")->last_state()));
    if (to_wanted != unreached) RC_ASSERT(has(wanted, r.find("wanted")->trace->last_state()));
    if (to_bad_deadlock != unreached) {
        const auto t = *r.counterexample("no-bad-deadlock");
        RC_ASSERT(t.end == tcpv::trace_end::deadlock);
        RC_ASSERT(!has(end_ok, t.last_state()));
    }

    RC_ASSERT(fingerprint(run(tcpv::checker(m).threads(2))) == fingerprint(r));
    const auto d = run(tcpv::checker(m).dfs());
    for (const auto& p : r.properties) {
        const auto* q = d.find(p.name);
        RC_ASSERT(q->result == p.result);
        if (q->trace) {
            RC_ASSERT(!tcpv::validate(m, *q->trace));
            RC_ASSERT(q->trace->length() >= p.trace->length());
        }
    }
}

namespace {

// Checks eventually(goal) and leads_to(trigger, goal) under `fair` against the reference.
void check_liveness(const graph_model& m, mask goal, mask trigger, const std::vector<assumption>& fair) {
    RC_LOG() << describe(m) << "\ngoal " << set_text(goal) << " trigger " << set_text(trigger) << " fairness"
             << describe(fair) << '\n';
    tcpv::property<graph_model> ev = tcpv::eventually("eventually", in_set(goal));
    tcpv::property<graph_model> lt = tcpv::leads_to("leads_to", in_set(trigger), in_set(goal));
    ev.fairness_assumptions = lt.fairness_assumptions = to_tcpv(fair);

    const auto dist = distances(m, m.g->initial);
    std::vector<std::uint32_t> ev_triggers, lt_triggers;
    for (const auto v : m.g->initial)
        if (!has(goal, v)) ev_triggers.push_back(v);
    for (std::uint32_t v = 0; v < size_of(m); ++v)
        if (dist[v] != unreached && has(trigger, v) && !has(goal, v)) lt_triggers.push_back(v);
    const bool ev_violated = reference_violated(m, ev_triggers, goal, fair);
    const bool lt_violated = reference_violated(m, lt_triggers, goal, fair);

    const auto r = tcpv::checker(m).check(ev).check(lt).run();
    auto verdict = [&](const char* name) { return std::string(to_string(r.verdict_of(name))); };
    RC_ASSERT(verdict("eventually") == std::string(ev_violated ? "violated" : "holds"));
    RC_ASSERT(verdict("leads_to") == std::string(lt_violated ? "violated" : "holds"));
    for (const auto& p : r.properties) {
        if (!p.trace) {
            RC_ASSERT(p.result == tcpv::verdict::holds);
            continue;
        }
        const auto& t = *p.trace;
        RC_LOG() << p.name << ": " << tcpv_test::show(m, t) << '\n';
        RC_ASSERT(!tcpv::validate(m, t));
        // From the (last) trigger on, the goal never holds.
        std::size_t from = 0;
        if (p.kind == tcpv::property_kind::leads_to) {
            from = t.steps.size();
            for (std::size_t i = t.steps.size(); i-- > 0;)
                if (has(trigger, t.steps[i].st)) {
                    from = i;
                    break;
                }
            RC_ASSERT(from < t.steps.size());
        }
        for (std::size_t i = from; i < t.steps.size(); ++i) RC_ASSERT(!has(goal, t.steps[i].st));
        if (t.end == tcpv::trace_end::cycle)
            RC_ASSERT(tcpv_test::lasso_problem(m, t, ev.fairness_assumptions) == std::string());
        else
            RC_ASSERT(t.end == tcpv::trace_end::deadlock);
    }
    RC_ASSERT(fingerprint(tcpv::checker(m).threads(2).check(ev).check(lt).run()) == fingerprint(r));
    const auto d = tcpv::checker(m).dfs().check(ev).check(lt).run();
    RC_ASSERT(d.verdict_of("eventually") == r.verdict_of("eventually"));
    RC_ASSERT(d.verdict_of("leads_to") == r.verdict_of("leads_to"));
}

}  // namespace

TCPV_PROPERTY("liveness without fairness matches brute force over state subsets", ()) {
    const graph_model m = random_graph();
    for (int round = 0; round < 4; ++round) check_liveness(m, random_set(m), random_set(m), {});
}

TCPV_PROPERTY("liveness under weak and strong fairness matches brute force over state subsets", ()) {
    const graph_model m = random_graph();
    for (int round = 0; round < 10; ++round) check_liveness(m, random_set(m), random_set(m), random_fairness());
}

TEST_CASE("the brute-force reference agrees with hand-derived answers") {
    // 0 -a-> 1 -b-> 0, 1 -c-> 2 (goal): the loop is unfair under strong fairness on c only.
    const auto m = tcpv_test::graph(3, {0}, {{0, "a", 1}, {1, "b", 0}, {1, "c", 2}});
    const mask goal = 1u << 2;
    CHECK(reference_violated(m, {0}, goal, {}));
    CHECK(reference_violated(m, {0}, goal, {{false, false, 1u << 2}}));
    CHECK_FALSE(reference_violated(m, {0}, goal, {{true, false, 1u << 2}}));
    CHECK_FALSE(reference_violated(m, {0}, goal, {{true, true, 0b111}}));
    CHECK(reference_violated(m, {0}, goal, {{true, false, 0b111}}));  // a taken: the class is served
    CHECK(strongly_connected(m, 0b011));
    CHECK_FALSE(strongly_connected(m, 0b110));
    CHECK_FALSE(strongly_connected(m, 0b001));
    // A deadlock in the pending region.
    const auto stuck = tcpv_test::graph(2, {0}, {{0, "a", 1}});
    CHECK(reference_violated(stuck, {0}, 0, {}));
    CHECK_FALSE(reference_violated(stuck, {0}, 1u << 1, {}));
}
