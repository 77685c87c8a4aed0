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
#include <cstdint>
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
    // Both endpoints as one mixed-radix number (st, timer, retx, err), each channel as the rank
    // of its multiset of segments: 56 bits for CAP=6 MSL=4 RTO=2 MAXRETX=3 TW=8 instead of the
    // struct's 160, so the checker stores 7 bytes per state.
    // At the range limits: endpoints 8 * 16 * 8 * 3 = 3072 values (24 bits for the pair);
    // channels C(25 + 6 - 1, 6) = 593775 multisets of 25 symbols (20 bits each).
    static constexpr std::size_t max_packed_bits = 64;

    std::size_t packed_bits() const {
        validate();
        return 2 * channel_codec().bits() + bits_for(endpoint_values() * endpoint_values());
    }
    void pack(const state& s, bit_writer& w) const {
        const std::uint64_t e = endpoint_values();
        w.put(endpoint_code(s.ep[0]) * e + endpoint_code(s.ep[1]), bits_for(e * e));
        const multiset_codec c = channel_codec();
        for (const channel& ch : s.ch) {
            if (cap < max_cap && ch[cap] != 0) [[unlikely]]
                throw packing_error("teardown: a channel holds more than cap segments");
            std::uint8_t symbols[max_cap] = {};
            for (int k = 0; k < cap && ch[k] != 0; ++k)  // empty slots (symbol 0) are last
                symbols[k] = static_cast<std::uint8_t>(1 + kind_of(ch[k]) * (msl + 1) + age_of(ch[k]));
            w.put(c.rank(symbols), c.bits());
        }
    }
    state unpack(bit_reader& r) const {
        state s;
        const std::uint64_t e = endpoint_values();
        const std::uint64_t both = r.get(bits_for(e * e));
        s.ep[0] = endpoint_of(both / e);
        s.ep[1] = endpoint_of(both % e);
        const multiset_codec c = channel_codec();
        for (channel& ch : s.ch) {
            std::uint8_t symbols[max_cap] = {};
            c.unrank(r.get(c.bits()), symbols);
            for (int k = 0; k < cap && symbols[k] != 0; ++k)
                ch[k] = seg((symbols[k] - 1) / (msl + 1), (symbols[k] - 1) % (msl + 1));
        }
        return s;
    }

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
    int timer_values() const { return std::max(rto, tw) + 1; }
    std::uint64_t endpoint_values() const { return 8ull * timer_values() * (maxretx + 1) * 3; }
    multiset_codec channel_codec() const { return multiset_codec(static_cast<unsigned>(cap), 4u * (msl + 1) + 1); }
    std::uint64_t endpoint_code(const endpoint& e) const {
        if (e.st > CLOSED || e.timer >= timer_values() || e.retx > maxretx || e.err > GIVEUP) [[unlikely]]
            throw packing_error("teardown: endpoint field out of range");
        return ((std::uint64_t{e.st} * timer_values() + e.timer) * (maxretx + 1) + e.retx) * 3 + e.err;
    }
    endpoint endpoint_of(std::uint64_t code) const {
        endpoint e;
        e.err = static_cast<std::uint8_t>(code % 3);
        code /= 3;
        e.retx = static_cast<std::uint8_t>(code % (maxretx + 1));
        code /= (maxretx + 1);
        e.timer = static_cast<std::uint8_t>(code % timer_values());
        e.st = static_cast<std::uint8_t>(code / timer_values());
        return e;
    }

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
    static void remove(channel& c, int k) {
        for (; k + 1 < max_cap; ++k) c[k] = c[k + 1];
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
