// The packing helpers (include/tcpv/packing.hpp): bit fields round-trip and refuse values that
// do not fit; multiset_codec is a bijection between non-increasing sequences and 0..count()-1;
// teardown's packer (built from multiset_codec's terms) is exact on every reachable state.
#include <doctest/doctest.h>

#include <tcpv/bench/teardown.hpp>
#include <tcpv/checker.hpp>
#include <tcpv/packing.hpp>

#include <algorithm>
#include <cstdint>
#include <set>
#include <vector>

TEST_CASE("bit_writer and bit_reader: fields round-trip across word boundaries; too wide is refused") {
    std::uint64_t words[2] = {0, 0};
    tcpv::bit_writer w(words, 2);
    w.put(5, 3);
    w.put(0x3ffffffffull, 34);
    w.put(0, 0);
    w.put(0xabcdefull, 24);  // crosses into the second word
    CHECK(w.bits_written() == 61);
    tcpv::bit_reader r(words, 2);
    CHECK(r.get(3) == 5);
    CHECK(r.get(34) == 0x3ffffffffull);
    CHECK(r.get(0) == 0);
    CHECK(r.get(24) == 0xabcdefull);
    CHECK_THROWS_WITH_AS(w.put(8, 3), "tcpv: packed value 8 does not fit in 3 bits", tcpv::packing_error);
    w.put(1, 64);                                       // bits 61..124: still within two words
    CHECK_THROWS_AS(w.put(1, 4), tcpv::packing_error);  // 129 bits: past the two words
    CHECK(tcpv::bits_for(1) == 0);
    CHECK(tcpv::bits_for(2) == 1);
    CHECK(tcpv::bits_for(864) == 10);
}

TEST_CASE("multiset_codec: every non-increasing sequence has its own rank below count(), and unrank inverts it") {
    const struct {
        unsigned size, symbols;
    } shapes[] = {{3, 5}, {6, 6}, {4, 9}, {1, 2}};
    for (const auto& shape : shapes) {
        const unsigned size = shape.size, symbols = shape.symbols;
        CAPTURE(size);
        CAPTURE(symbols);
        const tcpv::multiset_codec codec(size, symbols);
        std::set<std::uint64_t> ranks;
        std::vector<std::uint8_t> seq(size, 0), back(size, 0);
        // Every non-increasing sequence, by counting in base `symbols` and keeping the sorted ones.
        std::vector<unsigned> digits(size, 0);
        for (;;) {
            bool sorted = true;
            for (unsigned i = 1; i < size; ++i) sorted = sorted && digits[i] <= digits[i - 1];
            if (sorted) {
                for (unsigned i = 0; i < size; ++i) seq[i] = static_cast<std::uint8_t>(digits[i]);
                const std::uint64_t r = codec.rank(seq.data());
                CHECK(r < codec.count());
                ranks.insert(r);
                codec.unrank(r, back.data());
                CHECK(back == seq);
            }
            unsigned i = 0;
            while (i < size && ++digits[i] == symbols) digits[i++] = 0;
            if (i == size) break;
        }
        CHECK(ranks.size() == codec.count());  // a bijection onto 0..count()-1
        CHECK(codec.bits() == tcpv::bits_for(codec.count()));
    }
    const tcpv::multiset_codec codec(3, 5);
    const std::uint8_t unsorted[] = {1, 3, 0};
    CHECK_THROWS_AS((void)codec.rank(unsorted), tcpv::packing_error);
    const std::uint8_t out_of_range[] = {5, 0, 0};
    CHECK_THROWS_AS((void)codec.rank(out_of_range), tcpv::packing_error);
    CHECK_THROWS_AS(tcpv::multiset_codec(17, 5), tcpv::packing_error);
}

TEST_CASE("teardown's packer: exact on every reachable state, and distinct states pack differently") {
    tcpv::bench::teardown m;  // the small set
    const auto r = tcpv::checker(m).run();
    const auto packer = m.make_packer();
    REQUIRE(packer.packed_bits() <= 64);
    std::set<std::uint64_t> packed;
    for (std::uint32_t id = 0; id < r.explored->size(); ++id) {
        const auto s = (*r.explored)[id];
        std::uint64_t word = 0;
        tcpv::bit_writer w(&word, 1);
        packer.pack(s, w);
        tcpv::bit_reader rd(&word, 1);
        CHECK(packer.unpack(rd) == s);
        packed.insert(word);
    }
    CHECK(packed.size() == r.stats.states);
    // A state the model never makes is refused, not merged with another.
    tcpv::bench::teardown::state bad;
    bad.ch[0] = {1, 9, 0, 0, 0, 0};  // segments out of order
    std::uint64_t word = 0;
    tcpv::bit_writer w(&word, 1);
    CHECK_THROWS_AS(packer.pack(bad, w), tcpv::packing_error);
    // The rank reads the channel in pairs of positions: order is checked within and between
    // the pairs, and bytes that are no segment, a segment past cap, or an age past msl are
    // refused too (the small set: cap 2, msl 2).
    const auto f0 = tcpv::bench::teardown::seg(tcpv::bench::teardown::F, 0);
    const auto a1 = tcpv::bench::teardown::seg(tcpv::bench::teardown::A, 1);
    const auto a3 = tcpv::bench::teardown::seg(tcpv::bench::teardown::A, 3);
    for (const tcpv::bench::teardown::channel c : {tcpv::bench::teardown::channel{a1, f0, a1, 0, 0, 0},
                                                   tcpv::bench::teardown::channel{a1, a1, f0, 0, 0, 0},
                                                   tcpv::bench::teardown::channel{a3, 0, 0, 0, 0, 0},
                                                   tcpv::bench::teardown::channel{40, 0, 0, 0, 0, 0},
                                                   tcpv::bench::teardown::channel{0, a1, 0, 0, 0, 0},
                                                   tcpv::bench::teardown::channel{a1, f0, 0, 0, 0, 0}}) {
        tcpv::bench::teardown::state s;
        s.ch[1] = c;
        std::uint64_t out = 0;
        tcpv::bit_writer cw(&out, 1);
        if (c[0] == a1 && c[1] == f0 && c[2] == 0) {  // the last one is fine: in order, within cap
            CHECK_NOTHROW(packer.pack(s, cw));
        } else {
            CHECK_THROWS_AS(packer.pack(s, cw), tcpv::packing_error);
        }
    }
}

TEST_CASE("teardown: unpack's table of recent channels gives back each channel, collisions included") {
    // cap 6 and msl 4: 230,230 channel codes, far more than the table's entries, so many
    // codes share an entry; random sorted channels, each packed and unpacked in turn.
    using td = tcpv::bench::teardown;
    td m;
    m.cap = 6;
    m.msl = 4;
    m.tw = 8;
    const auto p = m.make_packer();
    std::uint64_t x = 12345;
    auto next_random = [&x] {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        return x >> 33;
    };
    int wrong = 0;
    for (int i = 0; i < 50000; ++i) {
        td::state s;
        for (auto& c : s.ch) {
            const int n = static_cast<int>(next_random() % 7);
            for (int k = 0; k < n; ++k) c[k] = td::seg(static_cast<int>(next_random() % 4), static_cast<int>(next_random() % 5));
            std::sort(c.begin(), c.begin() + n, [](auto a, auto b) { return a > b; });
        }
        std::uint64_t word = 0;
        tcpv::bit_writer w(&word, 1);
        p.pack(s, w);
        tcpv::bit_reader r(&word, 1);
        wrong += !(p.unpack(r) == s);
    }
    CHECK(wrong == 0);
}

TEST_CASE("teardown: a packer does not take another packer's channels from unpack's cache") {
    // unpack keeps the last channels it decoded, per thread. Two packers whose layouts agree
    // (cap 1; msl 4 and 5: 22 and 26 channel codes, 5 bits each) give one code two meanings:
    // the code of A@0 for msl 4 is that of FA@4 for msl 5.
    using td = tcpv::bench::teardown;
    td four, five;
    four.cap = five.cap = 1;
    four.msl = 4;
    five.msl = 5;
    const auto p4 = four.make_packer(), p5 = five.make_packer();
    REQUIRE(p4.packed_bits() == p5.packed_bits());
    td::state s;
    s.ch[0] = {td::seg(td::A, 0), 0, 0, 0, 0, 0};
    std::uint64_t word = 0;
    tcpv::bit_writer w(&word, 1);
    p4.pack(s, w);
    for (int round = 0; round < 2; ++round) {
        tcpv::bit_reader r4(&word, 1), r5(&word, 1);
        CHECK(p4.unpack(r4) == s);
        CHECK(p5.unpack(r5).ch[0][0] == td::seg(td::FA, 4));
    }
}
