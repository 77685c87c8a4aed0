#pragma once
/// \file tcpv/bench/teardown.hpp
/// The frozen benchmark model `teardown` (lossy connection release), exactly as
/// `shared/bench/teardown.md` specifies it: no more, no less, so that its state and transition
/// counts can be compared one to one with an independent implementation (the Promela twin in
/// the benchmark). It measures the exploration engine; the real TCP models are in tcp/.
///
/// Two endpoints start ESTABLISHED; channel i carries the segments sent by endpoint i, as a
/// multiset of (kind, age) pairs, kinds F (FIN), FA (FIN acking the peer's FIN), A (ACK of the
/// peer's FIN) and R (RST). Transitions: close(i), lose(i, seg), deliver(i, seg) (one per
/// distinct (kind, age) present) and tick (always enabled).

#include <tcpv/packing.hpp>
#include <tcpv/property.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <iterator>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tcpv::bench {

struct teardown {
    // Parameters (ticks). Ranges: cap 1..6, msl 1..5, rto 1..15, maxretx 0..7, tw 0..15 (wider
    // than the spec's typical values; chosen so that every state packs into 64 bits).
    int cap = 2;      ///< most segments in flight per direction
    int msl = 2;      ///< maximum segment lifetime
    int rto = 1;      ///< retransmission timeout
    int maxretx = 2;  ///< FIN retransmissions before giving up
    int tw = 4;       ///< TIME_WAIT duration; 0 = no TIME_WAIT (enter CLOSED at once)

    static constexpr int max_cap = 6;

    enum st_t : std::uint8_t { ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSING, TIME_WAIT, CLOSE_WAIT, LAST_ACK, CLOSED };
    enum err_t : std::uint8_t { NONE, RST, GIVEUP };
    enum kind_t : std::uint8_t { F, FA, A, R };

    struct endpoint {
        std::uint8_t st = ESTABLISHED, timer = 0, retx = 0, err = NONE;
        bool operator==(const endpoint&) const = default;
    };
    /// A segment is one byte: 1 + (kind << 3 | age); 0 is an empty slot. A channel keeps its
    /// segments sorted in descending order with the empty slots last, so that two states that
    /// differ only in the order of segments are the same bytes (the multiset semantics).
    using channel = std::array<std::uint8_t, max_cap>;
    struct state {
        endpoint ep[2];
        channel ch[2]{};
        bool operator==(const state&) const = default;
    };

    enum class op : std::uint8_t { init, close, lose, deliver, tick };
    struct action {
        op what = op::tick;
        std::uint8_t side = 0;     ///< the endpoint (close) or the channel (lose, deliver)
        std::uint8_t segment = 0;  ///< the segment byte (lose, deliver)
        bool operator==(const action&) const = default;
    };

    /// Throws std::invalid_argument naming a parameter outside its range.
    void validate() const {
        auto check = [](const char* name, int v, int lo, int hi) { require_in_range("teardown", name, v, lo, hi); };
        check("cap", cap, 1, max_cap);
        check("msl", msl, 1, 5);
        check("rto", rto, 1, 15);
        check("maxretx", maxretx, 0, 7);
        check("tw", tw, 0, 15);
    }

    static constexpr std::uint8_t seg(int kind, int age) { return static_cast<std::uint8_t>(1 + (kind << 3 | age)); }
    static constexpr int kind_of(std::uint8_t s) { return (s - 1) >> 3; }
    static constexpr int age_of(std::uint8_t s) { return (s - 1) & 7; }

    void init(auto&& emit) const {
        validate();
        emit(action{op::init, 0, 0}, state{});
    }

    void next(const state& s, auto&& emit) const {
        for (std::uint8_t i = 0; i < 2; ++i) {  // 1. close(i)
            const auto st = s.ep[i].st;
            if (st != ESTABLISHED && st != CLOSE_WAIT) continue;
            state t = s;
            endpoint& e = t.ep[i];
            e.st = st == ESTABLISHED ? FIN_WAIT_1 : LAST_ACK;
            e.timer = static_cast<std::uint8_t>(rto);
            e.retx = 0;
            send(t.ch[i], st == ESTABLISHED ? F : FA);
            emit(action{op::close, i, 0}, t);
        }
        for (std::uint8_t i = 0; i < 2; ++i) {  // 2. lose and 3. deliver, per distinct segment
            const channel& c = s.ch[i];
            for (int k = 0; k < max_cap && c[k] != 0; ++k) {
                if (k > 0 && c[k] == c[k - 1]) continue;  // identical copies are one choice
                state t = s;
                remove(t.ch[i], k);
                emit(action{op::lose, i, c[k]}, t);
                receive(t, 1 - i, kind_of(c[k]));
                emit(action{op::deliver, i, c[k]}, t);
            }
        }
        state t = s;  // 4. tick
        for (auto& c : t.ch) age(c);
        for (int i = 0; i < 2; ++i) expire(t, i);
        emit(action{op::tick, 0, 0}, t);
    }

    // ---- packed encoding (tcpv/packing.hpp) ----
    /// 56 bits for CAP=6 MSL=4 RTO=2 MAXRETX=3 TW=8 (7 stored bytes instead of the struct's 20):
    /// each endpoint as a mixed-radix code (st, timer, retx, err), the two side by side, and
    /// each channel as the rank of its multiset of segments (the combinatorial number system).
    /// Tables made once per run keep pack and unpack free of divisions and searches: pack adds
    /// one table entry per segment, unpack looks endpoints up and walks the rank tables down.
    class packer {
    public:
        // At the range limits: endpoints 8 * 16 * 8 * 3 = 3072 codes (12 bits each); channels
        // C(25 + 6 - 1, 6) = 593775 multisets of 25 symbols (20 bits each).
        static constexpr std::size_t max_packed_bits = 64;

        explicit packer(const teardown& m)
            : cap_(m.cap), timers_(std::max(m.rto, m.tw) + 1), retries_(m.maxretx + 1),
              symbols_(4 * (m.msl + 1) + 1) {
            m.validate();
            codes_ = 8ull * static_cast<std::uint64_t>(timers_ * retries_) * 3;
            ep_bits_ = bits_for(codes_);
            const multiset_codec channels(static_cast<unsigned>(cap_), static_cast<unsigned>(symbols_));
            multisets_ = channels.count();
            ch_bits_ = channels.bits();
            // Endpoint code = st_[st] + timer_[timer] + retx_[retx] + err_[err]; a field out of
            // range adds `too_big`, so one comparison checks them all.
            for (int v = 0; v < 256; ++v) {
                st_[v] = v <= CLOSED ? std::uint32_t(v * timers_ * retries_ * 3) : too_big;
                timer_[v] = v < timers_ ? std::uint32_t(v * retries_ * 3) : too_big;
                retx_[v] = v < retries_ ? std::uint32_t(v * 3) : too_big;
                err_[v] = v <= GIVEUP ? std::uint32_t(v) : too_big;
            }
            endpoints_.assign(std::size_t{1} << ep_bits_, endpoint{});
            for (std::uint8_t st = 0; st <= CLOSED; ++st)
                for (std::uint8_t t = 0; t < timers_; ++t)
                    for (std::uint8_t r = 0; r < retries_; ++r)
                        for (std::uint8_t e = 0; e <= GIVEUP; ++e) endpoints_[code({st, t, r, e})] = {st, t, r, e};
            // Channel rank = sum over positions k of the term of (k, segment byte), multiset_codec's
            // rank as table lookups; an empty slot adds 0, a segment past cap or with an
            // impossible age adds too_big.
            std::array<std::array<std::uint32_t, 32>, max_cap> term;  // [position][segment byte]
            for (auto& row : term) row.fill(too_big);
            for (int k = 0; k < max_cap; ++k) term[k][0] = 0;
            for (auto& row : terms32_) std::fill(std::begin(row), std::end(row), ~std::uint32_t{0});
            for (int k = 0; k < cap_; ++k) {
                for (int sym = 0; sym < symbols_; ++sym)
                    terms32_[k][sym] = static_cast<std::uint32_t>(channels.term(static_cast<unsigned>(k), static_cast<unsigned>(sym)));
                for (int kind = F; kind <= R; ++kind)
                    for (int age = 0; age <= m.msl; ++age) term[k][seg(kind, age)] = terms32_[k][symbol(kind, age, m.msl)];
            }
            // Positions are taken in pairs: pair_terms_[p][a | b << 5] is the two terms of the
            // bytes a, b at positions 2p, 2p + 1, or too_big if b > a (not in order), so a
            // rank is three lookups and the order within a pair needs no test.
            for (int p = 0; p < max_cap / 2; ++p)
                for (int a = 0; a < 32; ++a)
                    for (int b = 0; b < 32; ++b)
                        pair_terms_[p][a | b << 5] = b > a ? too_big : std::min(too_big, term[2 * p][a] + term[2 * p + 1][b]);
            for (int kind = F; kind <= R; ++kind)
                for (int age = 0; age <= m.msl; ++age) byte_of_[symbol(kind, age, m.msl)] = seg(kind, age);
        }
        std::size_t packed_bits() const { return 2 * (ep_bits_ + ch_bits_); }

        [[gnu::always_inline]] void pack(const state& s, bit_writer& w) const {
            const std::uint64_t endpoints = code(s.ep[0]) << ep_bits_ | code(s.ep[1]);
            w.put(((endpoints << ch_bits_ | rank(s.ch[0])) << ch_bits_) | rank(s.ch[1]), packed_bits());
        }
        state unpack(bit_reader& r) const {
            state s;
            const std::uint64_t all = r.get(static_cast<unsigned>(packed_bits()));
            const std::uint64_t ch_mask = (std::uint64_t{1} << ch_bits_) - 1, ep_mask = (std::uint64_t{1} << ep_bits_) - 1;
            // Few of the possible channels occur, and they recur: each thread keeps the
            // channels it decoded lately in a direct-mapped table by rank, for this packer
            // (medium set: 98% of the channels come from it).
            struct decoded_channels {
                std::uint64_t packer = 0;
                // (rank + 1) << 30 | the six segment bytes, 5 bits each; 0: empty.
                std::vector<std::uint64_t> entries;
            };
            static thread_local decoded_channels recent;
            if (recent.packer != id_) {
                recent.packer = id_;
                recent.entries.assign(decoded_entries, 0);
            }
            for (int i = 0; i < 2; ++i) {
                const std::uint64_t rank = (all >> (i == 0 ? ch_bits_ : 0)) & ch_mask;
                std::uint64_t& e = recent.entries[rank & (decoded_entries - 1)];
                if ((e >> 30) != rank + 1) {
                    channel c{};
                    unrank(rank, c);
                    std::uint64_t bytes = 0;
                    for (int k = 0; k < max_cap; ++k) bytes |= std::uint64_t{c[k]} << (5 * k);
                    e = (rank + 1) << 30 | bytes;
                }
                for (int k = 0; k < max_cap; ++k) s.ch[i][k] = static_cast<std::uint8_t>((e >> (5 * k)) & 31);
            }
            const std::uint64_t endpoints = all >> (2 * ch_bits_);
            s.ep[0] = endpoints_[endpoints >> ep_bits_];
            s.ep[1] = endpoints_[endpoints & ep_mask];
            return s;
        }

    private:
        // Added for a field out of range; 32-bit tables (codes and ranks are below 2^20, and
        // six too_big terms still fit) keep pack's lookups within a few KiB of cache.
        static constexpr std::uint32_t too_big = std::uint32_t{1} << 24;
        static constexpr int symbol(int kind, int age, int msl) { return 1 + kind * (msl + 1) + age; }

        [[gnu::always_inline]] std::uint64_t code(const endpoint& e) const {
            const std::uint64_t c = st_[e.st] + timer_[e.timer] + retx_[e.retx] + err_[e.err];
            if (c >= codes_) [[unlikely]]
                throw packing_error("teardown: endpoint field out of range");
            return c;
        }
        // A channel holds its segment bytes in non-increasing order, empty slots (0) last.
        // Segment bytes are below 32, so a pair of them is a 10-bit index (pair_terms_). The
        // bytes are read one at a time: next() has just written them so, and one wider load
        // would wait for those stores to land (a failed store-to-load forward).
        [[gnu::always_inline]] std::uint64_t rank(const channel& c) const {
            static_assert(max_cap == 6 && seg(R, 5) < 32, "rank reads three pairs of 5-bit segment bytes");
            const std::uint64_t r = std::uint64_t{pair_terms_[0][(c[0] | c[1] << 5) & 1023]} + pair_terms_[1][(c[2] | c[3] << 5) & 1023] +
                                    pair_terms_[2][(c[4] | c[5] << 5) & 1023];
            // Bytes of 32 or more, and the order between the pairs (bytes 1, 2 and 3, 4).
            const bool wrong = (c[0] | c[1] | c[2] | c[3] | c[4] | c[5]) >= 32 || c[2] > c[1] || c[4] > c[3];
            if (r >= multisets_ || wrong) [[unlikely]]
                throw packing_error("teardown: a channel that is not a sorted list of at most cap segments");
            return r;
        }
        void unrank(std::uint64_t rest, channel& c) const {
            for (int k = 0; k < cap_ && rest != 0; ++k) {
                // The largest symbol whose term fits in what is left (terms grow with it, and
                // the greedy choice never exceeds the previous symbol) is the number of symbols
                // 1..31 whose term fits: 31 independent comparisons that the compiler turns
                // into a few vector instructions, instead of a search of dependent steps.
                const auto r = static_cast<std::uint32_t>(rest);
                unsigned sym = 0;
                for (int x = 1; x < 32; ++x) sym += terms32_[k][x] <= r;
                c[k] = byte_of_[sym];
                rest -= terms32_[k][sym];
            }
        }

        static constexpr std::size_t decoded_entries = std::size_t{1} << 13;  // 64 KiB a thread
        // Tells packers apart for unpack's per-thread cache (copies are equal, and share it).
        static std::uint64_t next_id() {
            static std::atomic<std::uint64_t> ids{0};
            return ids.fetch_add(1, std::memory_order_relaxed) + 1;
        }
        std::uint64_t id_ = next_id();
        int cap_, timers_, retries_, symbols_;
        std::uint64_t codes_ = 0, multisets_ = 0;
        unsigned ep_bits_ = 0, ch_bits_ = 0;
        std::uint32_t st_[256], timer_[256], retx_[256], err_[256];
        std::vector<endpoint> endpoints_;                            // code -> endpoint
        // [pair of positions][byte | next byte << 5] -> their rank terms (rank).
        alignas(64) std::uint32_t pair_terms_[max_cap / 2][1024];
        // [position][dense symbol] -> rank term, padded to 32 symbols with terms that never fit.
        alignas(64) std::uint32_t terms32_[max_cap][32] = {};
        std::uint8_t byte_of_[33] = {};                              // dense symbol -> segment byte
    };
    packer make_packer() const { return packer(*this); }

    std::vector<property<teardown>> properties() const {
        return {always("no-reset-after-graceful-close", [](const state& s) {
            for (int i = 0; i < 2; ++i)
                if (s.ep[i].err == RST && s.ep[1 - i].err != GIVEUP) return false;
            return true;
        })};
    }

    void print(std::ostream& os, const state& s) const {
        static constexpr const char* st_names[] = {"ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSING",
                                                   "TIME_WAIT",   "CLOSE_WAIT", "LAST_ACK",   "CLOSED"};
        static constexpr const char* err_names[] = {"", " err=RST", " err=GIVEUP"};
        for (int i = 0; i < 2; ++i) {
            const endpoint& e = s.ep[i];
            os << (i ? " | " : "") << i << ':' << st_names[e.st];
            if (e.timer) os << " t=" << int(e.timer);
            if (e.retx) os << " retx=" << int(e.retx);
            os << err_names[e.err] << " [";
            for (int k = 0; k < max_cap && s.ch[i][k]; ++k) os << (k ? " " : "") << segment_name(s.ch[i][k]);
            os << ']';
        }
    }
    void print(std::ostream& os, const action& a) const {
        switch (a.what) {
            case op::close: os << "close(" << int(a.side) << ')'; break;
            case op::lose: os << "lose(" << int(a.side) << ", " << segment_name(a.segment) << ')'; break;
            case op::deliver: os << "deliver(" << int(a.side) << ", " << segment_name(a.segment) << ')'; break;
            case op::tick: os << "tick"; break;
            case op::init: os << "init"; break;
        }
    }
    static std::string segment_name(std::uint8_t s) {
        static constexpr const char* kinds[] = {"F", "FA", "A", "R"};
        return std::string(kinds[kind_of(s)]) + "@" + std::to_string(age_of(s));
    }

private:
    // "send k": add (k, age 0) if the channel holds fewer than cap segments, else drop it.
    void send(channel& c, int kind) const {
        int n = 0;
        while (n < max_cap && c[n] != 0) ++n;
        if (n >= cap) return;
        std::uint8_t v = seg(kind, 0);
        int k = n;  // insertion into descending order
        while (k > 0 && c[k - 1] < v) {
            c[k] = c[k - 1];
            --k;
        }
        c[k] = v;
    }
    // Removes the segment at position k; the ones after it move down. Byte by byte, without a
    // branch on k: the bytes were just written one at a time, and a wider load of them would
    // wait for those stores to land (a failed store-to-load forward).
    static void remove(channel& c, int k) {
        for (int j = 0; j + 1 < max_cap; ++j) c[j] = j < k ? c[j] : c[j + 1];
        c[max_cap - 1] = 0;
    }
    // Ages every segment; those older than msl disappear. Aging keeps the descending order
    // within a kind, and kinds are in the high bits, so the order survives.
    void age(channel& c) const {
        channel out{};
        int n = 0;
        for (int k = 0; k < max_cap && c[k] != 0; ++k)
            if (age_of(c[k]) + 1 <= msl) out[n++] = static_cast<std::uint8_t>(c[k] + 1);
        c = out;
    }
    void become(endpoint& e, std::uint8_t st) const {
        e.st = st;
        if (st == CLOSED || st == FIN_WAIT_2 || st == CLOSE_WAIT) e.timer = e.retx = 0;
    }
    void enter_time_wait(endpoint& e) const {
        if (tw == 0) {
            become(e, CLOSED);
        } else {
            e.st = TIME_WAIT;
            e.timer = static_cast<std::uint8_t>(tw);
            e.retx = 0;
        }
    }
    // Segment of `kind` delivered to endpoint j.
    void receive(state& t, int j, int kind) const {
        endpoint& e = t.ep[j];
        channel& out = t.ch[j];
        if (e.st == CLOSED) {
            if (kind != R) send(out, R);
            return;
        }
        if (kind == R) {
            if (e.st != TIME_WAIT) e.err = RST;
            become(e, CLOSED);
            return;
        }
        if (kind == A) {
            if (e.st == FIN_WAIT_1) become(e, FIN_WAIT_2);
            else if (e.st == CLOSING) enter_time_wait(e);
            else if (e.st == LAST_ACK) become(e, CLOSED);
            return;
        }
        // A FIN (F or FA).
        switch (e.st) {
            case ESTABLISHED: become(e, CLOSE_WAIT); break;
            case FIN_WAIT_1:
                if (kind == FA) enter_time_wait(e);
                else e.st = CLOSING;  // timer kept
                break;
            case FIN_WAIT_2: enter_time_wait(e); break;
            case CLOSING:
                if (kind == FA) enter_time_wait(e);
                break;
            case TIME_WAIT: enter_time_wait(e); break;
            case LAST_ACK:
                if (kind == FA) {
                    become(e, CLOSED);
                    return;  // no answer
                }
                break;
            default: break;  // CLOSE_WAIT: no change
        }
        send(out, A);
    }
    void expire(state& t, int i) const {
        endpoint& e = t.ep[i];
        if (e.timer == 0 || --e.timer != 0) return;
        if (e.st == TIME_WAIT) {
            become(e, CLOSED);
        } else if (e.retx < maxretx) {
            send(t.ch[i], e.st == FIN_WAIT_1 ? F : FA);
            e.timer = static_cast<std::uint8_t>(rto);
            ++e.retx;
        } else {
            e.err = GIVEUP;
            become(e, CLOSED);
        }
    }
};

}  // namespace tcpv::bench
