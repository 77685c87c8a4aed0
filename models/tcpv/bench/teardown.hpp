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
///
/// The rules are written per endpoint (close, receive, expire) and per channel (send, remove,
/// age); next composes them, and the packer's next_packed (tcpv/packing.hpp) makes its tables
/// from the same functions, so that the benchmark's search never unpacks a parent or packs a
/// successor.

#include <tcpv/packing.hpp>
#include <tcpv/property.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <iterator>
#include <memory>
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
            if (!can_close(s.ep[i])) continue;
            state t = s;
            send(t.ch[i], close(t.ep[i]));
            emit(action{op::close, i, 0}, t);
        }
        for (std::uint8_t i = 0; i < 2; ++i) {  // 2. lose and 3. deliver, per distinct segment
            const channel& c = s.ch[i];
            for (int k = 0; k < max_cap && c[k] != 0; ++k) {
                if (k > 0 && c[k] == c[k - 1]) continue;  // identical copies are one choice
                state t = s;
                remove(t.ch[i], k);
                emit(action{op::lose, i, c[k]}, t);
                send(t.ch[1 - i], receive(t.ep[1 - i], kind_of(c[k])));
                emit(action{op::deliver, i, c[k]}, t);
            }
        }
        state t = s;  // 4. tick
        for (auto& c : t.ch) age(c);
        for (int i = 0; i < 2; ++i) send(t.ch[i], expire(t.ep[i]));
        emit(action{op::tick, 0, 0}, t);
    }

    // ---- the rules, one endpoint or one channel at a time (next and the packer's tables) ----
    /// What an endpoint sends in reaction to an event: a segment kind, or nothing.
    static constexpr int nothing = -1;

    static constexpr bool can_close(const endpoint& e) { return e.st == ESTABLISHED || e.st == CLOSE_WAIT; }
    /// close(i) on an endpoint that can_close: the FIN it sends.
    int close(endpoint& e) const {
        const bool established = e.st == ESTABLISHED;
        e.st = established ? FIN_WAIT_1 : LAST_ACK;
        e.timer = static_cast<std::uint8_t>(rto);
        e.retx = 0;
        return established ? F : FA;
    }
    /// A segment of `kind` delivered to the endpoint: what it answers.
    int receive(endpoint& e, int kind) const {
        if (e.st == CLOSED) return kind != R ? R : nothing;
        if (kind == R) {
            if (e.st != TIME_WAIT) e.err = RST;
            become(e, CLOSED);
            return nothing;
        }
        if (kind == A) {
            if (e.st == FIN_WAIT_1) become(e, FIN_WAIT_2);
            else if (e.st == CLOSING) enter_time_wait(e);
            else if (e.st == LAST_ACK) become(e, CLOSED);
            return nothing;
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
                    return nothing;  // no answer
                }
                break;
            default: break;  // CLOSE_WAIT: no change
        }
        return A;
    }
    /// Step b of a tick for one endpoint: its timer runs down; what it sends when it expires.
    int expire(endpoint& e) const {
        if (e.timer == 0 || --e.timer != 0) return nothing;
        if (e.st == TIME_WAIT) {
            become(e, CLOSED);
            return nothing;
        }
        if (e.retx < maxretx) {
            const int fin = e.st == FIN_WAIT_1 ? F : FA;
            e.timer = static_cast<std::uint8_t>(rto);
            ++e.retx;
            return fin;
        }
        e.err = GIVEUP;
        become(e, CLOSED);
        return nothing;
    }
    /// "send k": add (k, age 0) if the channel holds fewer than cap segments, else drop it.
    void send(channel& c, int kind) const {
        if (kind == nothing) return;
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
    /// Removes the segment at position k; the ones after it move down. Byte by byte, without a
    /// branch on k: the bytes were just written one at a time, and a wider load of them would
    /// wait for those stores to land (a failed store-to-load forward).
    static void remove(channel& c, int k) {
        for (int j = 0; j + 1 < max_cap; ++j) c[j] = j < k ? c[j] : c[j + 1];
        c[max_cap - 1] = 0;
    }
    /// Step a of a tick for one channel: every segment ages; those older than msl disappear.
    /// Aging keeps the descending order within a kind, and kinds are in the high bits, so the
    /// order survives.
    void age(channel& c) const {
        channel out{};
        int n = 0;
        for (int k = 0; k < max_cap && c[k] != 0; ++k)
            if (age_of(c[k]) + 1 <= msl) out[n++] = static_cast<std::uint8_t>(c[k] + 1);
        c = out;
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
            : cap_(m.cap), msl_(m.msl), timers_(std::max(m.rto, m.tw) + 1), retries_(m.maxretx + 1),
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
            // next_packed's endpoint tables: the new code, and 1 + the kind sent (0: nothing)
            // in the bits from 16 on.
            close_.assign(codes_, cannot_close);
            receive_.assign(4 * codes_, 0);
            expire_.assign(codes_, 0);
            auto move = [&](const endpoint& to, int sent) { return std::uint32_t(code(to)) | std::uint32_t(sent + 1) << 16; };
            for (std::uint64_t c = 0; c < codes_; ++c) {
                const endpoint from = endpoints_[c];
                if (can_close(from)) {
                    endpoint to = from;
                    const int sent = m.close(to);
                    close_[c] = move(to, sent);
                }
                for (int kind = F; kind <= R; ++kind) {
                    endpoint to = from;
                    const int sent = m.receive(to, kind);
                    receive_[static_cast<std::size_t>(kind) * codes_ + c] = move(to, sent);
                }
                endpoint to = from;
                const int sent = m.expire(to);
                expire_[c] = move(to, sent);
            }
        }
        std::size_t packed_bits() const { return 2 * (ep_bits_ + ch_bits_); }

        /// The successors of the state packed as `word`, packed, in the order next() emits them
        /// (tcpv/packing.hpp, `packed_successors`). The rules are next()'s own: the endpoint
        /// reactions are tables made from close, receive and expire for every endpoint code, and
        /// a channel's moves (its ranks after losing each distinct segment, after aging, after a
        /// send of each kind) are computed from remove, age and send when first needed, and kept
        /// in a per-thread direct-mapped table by rank (channel_moves).
        template <class Emit>
        [[gnu::always_inline]] void next_packed(std::uint64_t word, Emit&& emit) const {
            const std::uint64_t ch_mask = (std::uint64_t{1} << ch_bits_) - 1, ep_mask = (std::uint64_t{1} << ep_bits_) - 1;
            const std::uint64_t r[2] = {(word >> ch_bits_) & ch_mask, word & ch_mask};
            const std::uint64_t e[2] = {word >> (2 * ch_bits_ + ep_bits_), (word >> 2 * ch_bits_) & ep_mask};
            const auto compose = [&](std::uint64_t e0, std::uint64_t e1, std::uint64_t r0, std::uint64_t r1) {
                return ((e0 << ep_bits_ | e1) << ch_bits_ | r0) << ch_bits_ | r1;
            };
            channel_moves* const cache = thread_table<channel_moves, moves_entries>();
            // The two channels' entries; if both ranks want the same entry, the second is
            // worked out beside the table.
            channel_moves spare;
            const channel_moves* m[2];
            m[0] = &moves_of(cache, r[0]);
            if (((r[0] ^ r[1]) & (moves_entries - 1)) == 0 && r[0] != r[1]) {
                fill_moves(spare, r[1]);
                m[1] = &spare;
            } else {
                m[1] = &moves_of(cache, r[1]);
            }
            for (std::uint8_t i = 0; i < 2; ++i) {  // 1. close(i)
                const std::uint32_t mv = close_[e[i]];
                if (mv == cannot_close) continue;
                const std::uint64_t ne = mv & 0xffff, nr = m[i]->sent[(mv >> 16) - 1];
                emit(action{op::close, i, 0}, i == 0 ? compose(ne, e[1], nr, r[1]) : compose(e[0], ne, r[0], nr));
            }
            for (std::uint8_t i = 0; i < 2; ++i) {  // 2. lose and 3. deliver, per distinct segment
                const channel_moves& mi = *m[i];
                const int j = 1 - i;
                for (int d = 0; d < mi.distinct; ++d) {
                    const std::uint8_t sg = mi.segment[d];
                    const std::uint64_t nr = mi.removed[d];
                    emit(action{op::lose, i, sg}, i == 0 ? compose(e[0], e[1], nr, r[1]) : compose(e[0], e[1], r[0], nr));
                    const std::uint32_t mv = receive_[static_cast<std::size_t>(kind_of(sg)) * codes_ + e[j]];
                    const std::uint64_t ne = mv & 0xffff, nrj = (mv >> 16) != 0 ? m[j]->sent[(mv >> 16) - 1] : r[j];
                    emit(action{op::deliver, i, sg}, i == 0 ? compose(e[0], ne, nr, nrj) : compose(ne, e[1], nrj, nr));
                }
            }
            // 4. tick: both channels age, then each endpoint's timer runs (a FIN it resends goes
            // into its aged channel).
            // (Both aged ranks are read before either lookup, which may evict m[0] or m[1].)
            const std::uint32_t mv[2] = {expire_[e[0]], expire_[e[1]]};
            std::uint64_t nr[2] = {m[0]->aged, m[1]->aged};
            for (int i = 0; i < 2; ++i)
                if (const std::uint32_t fin = mv[i] >> 16; fin != 0) nr[i] = moves_of(cache, nr[i]).sent[fin - 1];
            const std::uint64_t ne[2] = {mv[0] & 0xffff, mv[1] & 0xffff};
            emit(action{op::tick, 0, 0}, compose(ne[0], ne[1], nr[0], nr[1]));
        }

        [[gnu::always_inline]] void pack(const state& s, bit_writer& w) const {
            const std::uint64_t endpoints = code(s.ep[0]) << ep_bits_ | code(s.ep[1]);
            w.put(((endpoints << ch_bits_ | rank(s.ch[0])) << ch_bits_) | rank(s.ch[1]), packed_bits());
        }
        state unpack(bit_reader& r) const {
            state s;
            const std::uint64_t all = r.get(static_cast<unsigned>(packed_bits()));
            const std::uint64_t ch_mask = (std::uint64_t{1} << ch_bits_) - 1, ep_mask = (std::uint64_t{1} << ep_bits_) - 1;
            // Few of the possible channels occur, and they recur: each thread keeps the
            // channels it decoded lately in a direct-mapped table by rank (medium set: 98% of
            // the channels come from it). An entry is (rank + 1) << 30 | the six segment bytes,
            // 5 bits each; 0: empty.
            std::uint64_t* const recent = thread_table<std::uint64_t, decoded_entries>();
            for (int i = 0; i < 2; ++i) {
                const std::uint64_t rank = (all >> (i == 0 ? ch_bits_ : 0)) & ch_mask;
                std::uint64_t& e = recent[rank & (decoded_entries - 1)];
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

        // One channel's moves for next_packed: the ranks it goes to. 64 bytes, one cache line.
        struct alignas(64) channel_moves {
            std::uint32_t tag = 0;                // rank + 1; 0: an empty entry
            std::uint32_t aged = 0;               // after a tick's aging
            std::uint32_t sent[4] = {};           // after sending F, FA, A, R (the same rank when full)
            std::uint32_t removed[max_cap] = {};  // after losing its d-th distinct segment
            std::uint8_t segment[max_cap] = {};   // its d-th distinct segment
            std::uint8_t distinct = 0;            // how many distinct segments it holds
        };
        // 2^13 entries, 512 KiB a thread: on the medium set 98.7% of the lookups hit (2^12:
        // 97.5%, and the search 2 to 5% slower; 2^14: 99.4%, no faster).
        static constexpr std::size_t moves_entries = std::size_t{1} << 13;
        [[gnu::always_inline]] const channel_moves& moves_of(channel_moves* cache, std::uint64_t rank) const {
            channel_moves& e = cache[rank & (moves_entries - 1)];
            if (e.tag != rank + 1) [[unlikely]]
                fill_moves(e, rank);
            return e;
        }
        [[gnu::noinline]] void fill_moves(channel_moves& e, std::uint64_t rank) const {
            const teardown m{cap_, msl_, 1, 0, 0};  // send and age read only cap and msl
            channel c{};
            unrank(rank, c);
            e = channel_moves{};
            e.tag = static_cast<std::uint32_t>(rank + 1);
            channel t = c;
            m.age(t);
            e.aged = static_cast<std::uint32_t>(this->rank(t));
            for (int kind = F; kind <= R; ++kind) {
                t = c;
                m.send(t, kind);
                e.sent[kind] = static_cast<std::uint32_t>(this->rank(t));
            }
            for (int k = 0; k < max_cap && c[k] != 0; ++k) {
                if (k > 0 && c[k] == c[k - 1]) continue;  // as next(): identical copies are one choice
                t = c;
                remove(t, k);
                e.removed[e.distinct] = static_cast<std::uint32_t>(this->rank(t));
                e.segment[e.distinct++] = c[k];
            }
        }
        static constexpr std::uint32_t cannot_close = ~std::uint32_t{0};

        static constexpr std::size_t decoded_entries = std::size_t{1} << 13;  // 64 KiB a thread
        // The calling thread's direct-mapped table of n Entry for this packer (unpack's decoded
        // channels, next_packed's channel moves), emptied when the thread meets another packer:
        // the same rank means another channel under other parameters.
        template <class Entry, std::size_t n>
        Entry* thread_table() const {
            struct table {
                std::uint64_t packer = 0;
                std::unique_ptr<Entry[]> entries;
            };
            static thread_local table t;
            if (t.packer != id_) [[unlikely]] {
                if (!t.entries) t.entries = std::make_unique<Entry[]>(n);
                std::fill_n(t.entries.get(), n, Entry{});
                t.packer = id_;
            }
            return t.entries.get();
        }
        // Tells packers apart for the per-thread tables (copies are equal, and share them).
        static std::uint64_t next_id() {
            static std::atomic<std::uint64_t> ids{0};
            return ids.fetch_add(1, std::memory_order_relaxed) + 1;
        }
        std::uint64_t id_ = next_id();
        int cap_, msl_, timers_, retries_, symbols_;
        std::uint64_t codes_ = 0, multisets_ = 0;
        unsigned ep_bits_ = 0, ch_bits_ = 0;
        std::uint32_t st_[256], timer_[256], retx_[256], err_[256];
        std::vector<endpoint> endpoints_;                            // code -> endpoint
        // next_packed: endpoint code -> its move on close (cannot_close if not enabled), on
        // receiving each kind ([kind * codes_ + code]), on a tick's timer step.
        std::vector<std::uint32_t> close_, receive_, expire_;
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
};

}  // namespace tcpv::bench
