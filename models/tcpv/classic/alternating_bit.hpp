#pragma once
/// \file tcpv/classic/alternating_bit.hpp
/// The alternating-bit protocol over two lossy FIFO channels (registered as `abp`).
///
/// ```cpp
/// tcpv::checker(tcpv::classic::alternating_bit{.cap = 2, .msgs = 3}).run().all_hold();  // true
/// tcpv::checker(tcpv::classic::alternating_bit{.seqbits = 0}).run()
///     .verdict_of("in-order-delivery");                                  // violated in 4 steps
/// ```
///
/// The sender transfers messages 0..msgs-1, one at a time, tagged with its sequence bit; it
/// retransmits on a timeout that may fire whenever the data channel has room, and moves on
/// when an ack carrying its bit arrives. The receiver delivers a packet whose bit is the one
/// it expects, flips that bit, and acks the bit it received (a duplicate is acked again but
/// not delivered). Each channel holds at most `cap` messages and may lose any of them; an ack
/// sent into a full ack channel is lost. With `seqbits = 0` no bit is carried or checked:
/// every packet is delivered as new, and a retransmission is delivered twice.
///
/// Steps, in emission order: `send`, `deliver-ack`, `deliver-data`, `lose-data k`, `lose-ack k`
/// (k: position in the channel). Initial state: everything 0, both channels empty.
///
/// Properties: always "in-order-delivery" (what was delivered is 0, 1, 2, ... in that order);
/// sometimes "all-delivered" (some run delivers all, in order); eventually
/// "eventually-all-delivered" (every run does) under *strong* fairness of `deliver-data` and
/// of `deliver-ack`: a lossy channel delivers only now and then, so weak fairness admits
/// sending and losing forever (see `eventually_all_delivered`); deadlock_free "deadlock-free"
/// with the end states "every message delivered and acked". The receiver records only how
/// many messages it delivered in order and whether it ever delivered another one, which is
/// exactly what "the delivered sequence is a prefix of 0, 1, 2, ..." needs, and stays finite
/// when duplicates are delivered forever.
///
/// State counts: tests/model/reference/abp.py (cap=2 msgs=3: 90 states, 373 transitions).

#include <array>
#include <cstdint>
#include <ostream>
#include <vector>

#include <tcpv/property.hpp>

namespace tcpv::classic {

/// The alternating-bit protocol model (see the file comment).
struct alternating_bit {
    static constexpr int max_cap = 4;   ///< largest channel capacity
    static constexpr int max_msgs = 8;  ///< largest number of messages

    int cap = 2;      ///< capacity of each channel, 1..max_cap
    int msgs = 3;     ///< messages to transfer, 1..max_msgs
    int seqbits = 1;  ///< 1: the alternating bit is carried and checked; 0: it is not

    /// A packet on the data channel is `message * 2 + bit`; an ack is its bit.
    struct state {
        std::uint8_t next = 0;          // sender: the message being sent (msgs when done)
        std::uint8_t send_bit = 0;
        std::uint8_t expected = 0;      // receiver: how many were delivered in order
        std::uint8_t receive_bit = 0;
        std::uint8_t misdelivered = 0;  // something other than `expected` was delivered
        std::uint8_t data_len = 0;
        std::uint8_t ack_len = 0;
        std::array<std::uint8_t, max_cap> data{};  // slots past data_len stay 0 (one byte form per state)
        std::array<std::uint8_t, max_cap> ack{};
        friend bool operator==(const state&, const state&) = default;
    };

    enum class step : std::uint8_t { start, send, deliver_ack, deliver_data, lose_data, lose_ack };
    struct action {
        step what = step::start;
        std::uint8_t position = 0;  // lose_data, lose_ack: which message of the channel
        friend bool operator==(const action&, const action&) = default;
    };

    /// Whether every message was delivered, in order.
    static bool all_delivered(const alternating_bit& m, const state& s) {
        return !s.misdelivered && s.expected == m.msgs;
    }

    void init(auto&& emit) const { emit(action{}, state{}); }

    void next(const state& s, auto&& emit) const {
        if (s.next < msgs && s.data_len < cap) {  // a timeout: (re)transmit the current message
            state t = s;
            t.data[t.data_len++] = static_cast<std::uint8_t>(s.next * 2 + (seqbits ? s.send_bit : 0));
            emit(action{step::send}, t);
        }
        if (s.ack_len > 0) {
            state t = s;
            const std::uint8_t bit = pop(t.ack, t.ack_len, 0);
            if (s.next < msgs && (seqbits == 0 || bit == s.send_bit)) {
                ++t.next;
                t.send_bit ^= static_cast<std::uint8_t>(seqbits);
            }  // else: a stale ack, ignored
            emit(action{step::deliver_ack}, t);
        }
        if (s.data_len > 0) {
            state t = s;
            const std::uint8_t packet = pop(t.data, t.data_len, 0);
            const std::uint8_t bit = packet & 1, message = packet >> 1;
            if (seqbits == 0 || bit == s.receive_bit) {  // new: deliver it
                if (!s.misdelivered && message == s.expected)
                    ++t.expected;
                else
                    t.misdelivered = 1;
                t.receive_bit ^= static_cast<std::uint8_t>(seqbits);
            }
            if (t.ack_len < cap) t.ack[t.ack_len++] = bit;  // a full channel drops the ack
            emit(action{step::deliver_data}, t);
        }
        for (std::uint8_t k = 0; k < s.data_len; ++k) {
            state t = s;
            pop(t.data, t.data_len, k);
            emit(action{step::lose_data, k}, t);
        }
        for (std::uint8_t k = 0; k < s.ack_len; ++k) {
            state t = s;
            pop(t.ack, t.ack_len, k);
            emit(action{step::lose_ack, k}, t);
        }
    }

    void print(std::ostream& os, const state& s) const {
        os << "sender next=" << int(s.next) << " bit=" << int(s.send_bit) << " | data [";
        for (int k = 0; k < s.data_len; ++k)
            os << (k ? " " : "") << 'm' << (s.data[k] >> 1) << (seqbits ? ((s.data[k] & 1) ? "/1" : "/0") : "");
        os << "] | acks [";
        for (int k = 0; k < s.ack_len; ++k) os << (k ? " " : "") << int(s.ack[k]);
        os << "] | receiver delivered=" << int(s.expected) << " bit=" << int(s.receive_bit);
        if (s.misdelivered) os << " OUT-OF-ORDER";
    }
    void print(std::ostream& os, const action& a) const {
        static constexpr const char* names[] = {"start", "send", "deliver-ack", "deliver-data", "lose-data", "lose-ack"};
        os << names[static_cast<int>(a.what)];
        if (a.what == step::lose_data || a.what == step::lose_ack) os << ' ' << int(a.position);
    }

    /// Fairness of the two delivery steps (strong in the model's own property; see the file comment).
    static auto data_delivery(fairness_strength strength) {
        auto is = [](const action& a) { return a.what == step::deliver_data; };
        return strength == fairness_strength::weak ? tcpv::weak_fairness("deliver-data", is)
                                                   : tcpv::strong_fairness("deliver-data", is);
    }
    static auto ack_delivery(fairness_strength strength) {
        auto is = [](const action& a) { return a.what == step::deliver_ack; };
        return strength == fairness_strength::weak ? tcpv::weak_fairness("deliver-ack", is)
                                                   : tcpv::strong_fairness("deliver-ack", is);
    }

    /// eventually "all-delivered" under the given strength of delivery fairness.
    [[nodiscard]] property<alternating_bit> eventually_all_delivered(fairness_strength strength) const {
        return tcpv::eventually("eventually-all-delivered", [m = *this](const state& s) { return all_delivered(m, s); })
            .under(data_delivery(strength), ack_delivery(strength));
    }

    [[nodiscard]] std::vector<property<alternating_bit>> properties() const {
        const alternating_bit m = *this;
        return {
            tcpv::always("in-order-delivery", [](const state& s) { return !s.misdelivered; }),
            tcpv::sometimes("all-delivered", [m](const state& s) { return all_delivered(m, s); }),
            eventually_all_delivered(fairness_strength::strong),
            tcpv::deadlock_free("deadlock-free", [m](const state& s) { return s.next == m.msgs && s.expected == m.msgs; }),
        };
    }

private:
    // Removes position k of a channel; the freed last slot goes back to 0 so that equal
    // channel contents are equal bytes.
    static std::uint8_t pop(std::array<std::uint8_t, max_cap>& channel, std::uint8_t& len, int k) {
        const std::uint8_t removed = channel[k];
        for (int i = k; i + 1 < len; ++i) channel[i] = channel[i + 1];
        channel[--len] = 0;
        return removed;
    }
};

}  // namespace tcpv::classic
