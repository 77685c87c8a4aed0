#pragma once
/// \file tcpv/tcp/wire.hpp
/// The segments a trace of a pair of endpoints put on the wire, in order, each with the
/// model time at which it was sent and what became of it (delivered, lost, expired, or still
/// in flight when the trace ends). This is what a packet capture of the run would show;
/// pcap.hpp writes it as a pcap file.
///
/// The actions of a pair (pair.hpp) name what the network did (deliver, lose, duplicate, tick)
/// but not what the endpoints sent in reply: a send is only visible as a new segment in a
/// channel. So the events are recovered by comparing the channels of consecutive states:
/// whatever is in a channel after a step and was not there before (once the step's own
/// removal, duplication or ageing is accounted for) was sent in that step. This needs nothing
/// from the model but its states and actions, so every model whose state holds a `pair_state`
/// can use it. One limit follows: a segment sent into a full channel is dropped at once and
/// leaves no trace in any state, so it is not an event either.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "pair.hpp"

namespace tcpv::tcp::wire {

/// What became of a segment on the wire.
enum class fate : std::uint8_t {
    in_flight,  ///< still in its channel when the trace ends
    delivered,  ///< taken by the receiver (a `deliver` step)
    lost,       ///< removed by a `lose` step
    expired,    ///< older than MSL at a tick: gone without reaching the receiver
};

inline const char* to_string(fate f) noexcept {
    switch (f) {
        case fate::in_flight: return "in flight";
        case fate::delivered: return "delivered";
        case fate::lost: return "lost";
        case fate::expired: return "expired";
    }
    return "?";
}

/// One copy of a segment on the wire.
struct event {
    std::size_t step = 0;       ///< the trace step that sent it (or duplicated it)
    unsigned clock = 0;         ///< model time when sent: the number of ticks up to and including `step`
    unsigned order = 0;         ///< 0, 1, ... among the events with the same clock, in trace order
    std::uint8_t from = 0;      ///< sender: 0 = A, 1 = B
    segment seg;
    bool duplicate = false;     ///< a copy made by the network (a `duplicate` step), not by the sender
    fate end = fate::in_flight;
    std::size_t end_step = 0;   ///< the step that delivered, lost or expired it (0 when in flight)
};

/// The wire events of a sequence of (action, pair state) steps, step 0 being the initial state.
/// `steps` has `count` entries; `action_of(i)` and `state_of(i)` give step i's pair action and
/// pair state (so a model that wraps a pair in a larger state or action can pass projections).
/// Segments already in flight in the initial state are events of step 0.
inline std::vector<event> events(std::size_t count, const std::function<const pair_action&(std::size_t)>& action_of,
                                 const std::function<const pair_state&(std::size_t)>& state_of) {
    using ch_t = channel<4>;
    std::vector<event> out;
    if (count == 0) return out;
    struct live {
        std::size_t index;  // into out
        std::uint32_t packed;  // segment and current age, as in the channel
    };
    std::vector<live> flying[2];
    unsigned clock = 0;
    unsigned order = 0;
    auto send = [&](std::size_t step, int from, std::uint32_t packed, bool dup) {
        event e;
        e.step = step;
        e.clock = clock;
        e.order = order++;
        e.from = std::uint8_t(from);
        e.seg = ch_t::segment_of(packed);
        e.duplicate = dup;
        flying[from].push_back({out.size(), packed});
        out.push_back(e);
    };
    // The oldest copy in flight on channel c equal to `packed` (segment and age), or none.
    auto find = [&](int c, std::uint32_t packed) -> live* {
        for (auto& l : flying[c])
            if (l.packed == packed) return &l;
        return nullptr;
    };
    auto finish = [&](int c, live* l, fate f, std::size_t step) {
        out[l->index].end = f;
        out[l->index].end_step = step;
        flying[c].erase(flying[c].begin() + (l - flying[c].data()));
    };
    // New copies in channel c of `now`: what it holds beyond the copies known to be in flight.
    // Copies known in flight but missing from `now` are gone (`gone` says how).
    auto reconcile = [&](std::size_t step, int c, const ch_t& now, fate gone) {
        std::vector<std::uint32_t> present;
        for (const std::uint32_t v : now.slot)
            if (v) present.push_back(v);
        for (std::size_t k = 0; k < flying[c].size();) {
            bool matched = false;
            for (auto& v : present)
                if (v == flying[c][k].packed) {
                    v = 0;
                    matched = true;
                    break;
                }
            if (matched) ++k;
            else finish(c, &flying[c][k], gone, step);
        }
        for (const std::uint32_t v : present)
            if (v) send(step, c, v, false);
    };
    for (int c = 0; c < 2; ++c) reconcile(0, c, state_of(0).ch[c], fate::expired);
    for (std::size_t i = 1; i < count; ++i) {
        const pair_action& a = action_of(i);
        const int side = a.side & 1;
        using k = pair_action::kind;
        if (a.what == k::tick) {
            ++clock;
            order = 0;
            for (auto& ch : flying)
                for (auto& l : ch) l.packed = (l.packed & ch_t::payload_mask) | ((ch_t::age_of(l.packed) + 1) << ch_t::age_shift);
        } else if (a.what == k::deliver || a.what == k::lose) {
            if (live* l = find(side, a.segment)) finish(side, l, a.what == k::deliver ? fate::delivered : fate::lost, i);
        } else if (a.what == k::duplicate) {
            if (find(side, a.segment)) send(i, side, a.segment, true);
        }
        // Only a tick makes segments vanish without an action naming them (expiry); anything
        // else that vanished was dropped in a way the actions do not show, which we call lost.
        for (int c = 0; c < 2; ++c) reconcile(i, c, state_of(i).ch[c], a.what == k::tick ? fate::expired : fate::lost);
    }
    return out;
}

/// The wire events of steps that hold a pair directly (a model with `state = pair_state` and
/// `action = pair_action`, such as `close`).
template <class Steps>
std::vector<event> events_of_pair_steps(const Steps& steps) {
    return events(
        steps.size(), [&](std::size_t i) -> const pair_action& { return steps[i].act; },
        [&](std::size_t i) -> const pair_state& { return steps[i].st; });
}

}  // namespace tcpv::tcp::wire
