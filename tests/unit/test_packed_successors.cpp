// Successors on packed states (packing.hpp, `packed_successors`): teardown's next_packed emits
// exactly what next emits, packed, in the same order, on every reachable state of several
// parameter sets and on random states at the parameters' limits; the checker finds the same
// states, transitions and counterexample with it as without it; and a next_packed that
// disagrees with next is stopped with the state and the successor that differ.
#include <doctest/doctest.h>

#include <tcpv/bench/teardown.hpp>
#include <tcpv/checker.hpp>
#include <tcpv/packing.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace {

using td = tcpv::bench::teardown;

td params(int cap, int msl, int rto, int maxretx, int tw) {
    td m;
    m.cap = cap;
    m.msl = msl;
    m.rto = rto;
    m.maxretx = maxretx;
    m.tw = tw;
    return m;
}

std::uint64_t pack(const td::packer& p, const td::state& s) {
    std::uint64_t word = 0;
    tcpv::bit_writer w(&word, 1);
    p.pack(s, w);
    return word;
}

// The number of states of `m` (a packed word given) whose next_packed differs from next.
int differences(const td& m, const td::packer& p, const td::state& s) {
    std::vector<std::pair<td::action, std::uint64_t>> want, got;
    m.next(s, [&](const td::action& a, const td::state& t) { want.emplace_back(a, pack(p, t)); });
    p.next_packed(pack(p, s), [&](const td::action& a, std::uint64_t w) { got.emplace_back(a, w); });
    return want == got ? 0 : 1;
}

// teardown whose packer lacks next_packed: the checker packs every successor of next.
struct plain_teardown : td {
    struct packer {
        td::packer p;
        static constexpr std::size_t max_packed_bits = td::packer::max_packed_bits;
        std::size_t packed_bits() const { return p.packed_bits(); }
        void pack(const state& s, tcpv::bit_writer& w) const { p.pack(s, w); }
        state unpack(tcpv::bit_reader& r) const { return p.unpack(r); }
    };
    packer make_packer() const { return {td::packer(*this)}; }
    // (teardown's own are properties of teardown, not of this model.)
    std::vector<tcpv::property<plain_teardown>> properties() const {
        std::vector<tcpv::property<plain_teardown>> out;
        for (const auto& p : td::properties()) out.push_back({p.name, p.kind, p.p, p.q, p.fairness_assumptions});
        return out;
    }
};
static_assert(tcpv::packed_successors<td>);
static_assert(tcpv::packable<plain_teardown> && !tcpv::packed_successors<plain_teardown>);

// teardown whose next_packed is wrong: `mode` 0 makes the tick stay put, 1 leaves the tick out.
// (One type for both, so that the checker is compiled once for it.)
struct broken_teardown : td {
    int mode = 0;
    struct packer : td::packer {
        int mode;
        explicit packer(const broken_teardown& m) : td::packer(m), mode(m.mode) {}
        template <class Emit>
        void next_packed(std::uint64_t word, Emit&& emit) const {
            td::packer::next_packed(word, [&](const action& a, std::uint64_t w) {
                if (a.what != op::tick) emit(a, w);
                else if (mode == 0) emit(a, word);
            });
        }
    };
    packer make_packer() const { return packer(*this); }
};

broken_teardown broken(int mode) {
    broken_teardown m;
    m.mode = mode;
    return m;
}

}  // namespace

TEST_CASE("teardown: next_packed is next, packed, on every reachable state") {
    const td sets[] = {params(2, 2, 1, 2, 4),  params(1, 1, 1, 1, 2), params(3, 2, 2, 0, 0),
                       params(4, 3, 2, 3, 6),  params(2, 3, 1, 1, 3), params(5, 1, 2, 2, 2)};
    for (const td& m : sets) {
        CAPTURE(m.cap);
        CAPTURE(m.msl);
        CAPTURE(m.rto);
        CAPTURE(m.maxretx);
        CAPTURE(m.tw);
        const auto r = tcpv::checker(m).keep_explored(true).run();
        REQUIRE(r.explored);
        const auto p = m.make_packer();
        int wrong = 0;
        for (std::uint32_t id = 0; id < r.explored->size(); ++id) wrong += differences(m, p, (*r.explored)[id]);
        CHECK(r.stats.states > 100);
        CHECK(wrong == 0);
    }
}

TEST_CASE("teardown: next_packed is next, packed, on random states at the parameters' limits") {
    // Every field anywhere in its range, reachable or not: each endpoint code's row of the
    // tables and channels far apart in rank. 200,000 states: two channels share an entry of
    // the per-thread table of channel moves (1 in 8,192) about 25 times.
    for (const td& m : {params(6, 5, 15, 7, 15), params(6, 4, 2, 3, 8), params(3, 5, 1, 0, 0)}) {
        CAPTURE(m.cap);
        CAPTURE(m.msl);
        const auto p = m.make_packer();
        std::uint64_t x = 2024;
        auto random = [&x](int n) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            return static_cast<int>((x >> 33) % static_cast<std::uint64_t>(n));
        };
        int wrong = 0;
        for (int i = 0; i < 200000; ++i) {
            td::state s;
            for (auto& e : s.ep) {
                e.st = static_cast<std::uint8_t>(random(8));
                e.timer = static_cast<std::uint8_t>(random(std::max(m.rto, m.tw) + 1));
                e.retx = static_cast<std::uint8_t>(random(m.maxretx + 1));
                e.err = static_cast<std::uint8_t>(random(3));
            }
            for (auto& c : s.ch) {
                const int n = random(m.cap + 1);
                for (int k = 0; k < n; ++k) c[k] = td::seg(random(4), random(m.msl + 1));
                std::sort(c.begin(), c.begin() + n, [](auto a, auto b) { return a > b; });
            }
            wrong += differences(m, p, s);
        }
        CHECK(wrong == 0);
    }
}

TEST_CASE("teardown: two packers do not share their channel moves") {
    // Per thread, next_packed keeps the moves of the channels it met; msl 4 and 5 with cap 1
    // give one channel code two meanings (A@0 for msl 4 is FA@4 for msl 5), whose moves differ.
    const td four = params(1, 4, 1, 2, 8), five = params(1, 5, 1, 2, 10);
    const auto p4 = four.make_packer(), p5 = five.make_packer();
    REQUIRE(p4.packed_bits() == p5.packed_bits());
    td::state s;
    s.ch[0] = {td::seg(td::A, 0), 0, 0, 0, 0, 0};
    std::uint64_t word = pack(p4, s);
    tcpv::bit_reader r(&word, 1);
    const td::state t = p5.unpack(r);
    CHECK(t.ch[0][0] == td::seg(td::FA, 4));
    for (int round = 0; round < 2; ++round) {
        CHECK(differences(four, p4, s) == 0);
        CHECK(differences(five, p5, t) == 0);
    }
}

TEST_CASE("the checker finds the same states, transitions and counterexample with next_packed as without") {
    for (const int tw : {4, 1, 0}) {
        CAPTURE(tw);
        plain_teardown plain;
        plain.tw = tw;
        td packed = params(plain.cap, plain.msl, plain.rto, plain.maxretx, tw);
        for (const unsigned threads : {1u, 2u}) {
            const auto a = tcpv::checker(packed).threads(threads).keep_explored(false).run();
            const auto b = tcpv::checker(plain).threads(threads).keep_explored(false).run();
            CHECK(a.stats.key_index);
            CHECK(a.stats.states == b.stats.states);
            CHECK(a.stats.transitions == b.stats.transitions);
            CHECK(a.all_hold() == b.all_hold());
            CHECK(a.all_hold() == (tw == 4));  // small set: TW = 2 * MSL holds; 1 and 0 do not
            const auto ta = a.counterexample("no-reset-after-graceful-close");
            const auto tb = b.counterexample("no-reset-after-graceful-close");
            REQUIRE(ta.has_value() == tb.has_value());
            if (ta) {
                const auto sa = ta->text(a.model).steps, sb = tb->text(b.model).steps;
                REQUIRE(sa.size() == sb.size());
                for (std::size_t i = 0; i < sa.size(); ++i) {
                    CHECK(sa[i].action == sb[i].action);
                    CHECK(sa[i].state == sb[i].state);
                }
            }
        }
    }
}

TEST_CASE("the checker stops a next_packed that disagrees with next, naming the state and the successor") {
    const char* stays = "next_packed disagrees with next in the state 0:FIN_WAIT_1";
    CHECK_THROWS_WITH_AS(tcpv::checker(broken(0)).run(), doctest::Contains(stays), tcpv::packing_error);
    CHECK_THROWS_WITH_AS(tcpv::checker(broken(1)).run(), doctest::Contains("but next gives tick"), tcpv::packing_error);
    CHECK_THROWS_WITH_AS(tcpv::checker(broken(1)).threads(2).run(), doctest::Contains("is nothing"), tcpv::packing_error);
}
