#pragma once
/// \file tests/property/fault_schedule.hpp
/// Property-based tests of the TCP models at REAL profile durations: a discrete-event simulator
/// that runs two reference endpoints (models/tcpv/tcp/endpoint.hpp) in milliseconds, RapidCheck
/// generators for fault schedules, and the drivers of three scenarios (close, incarnations,
/// RFC 1337) that check the invariants of the verification models with the models' own
/// predicates.
///
/// Why a simulator. The endpoint keeps its timers as uint8 tick counts; a model checker scales
/// a profile down to at most 15 ticks (profile.hpp `scale`), keeping a few orders. Here nothing
/// is scaled: MSL 30 s or 2 min, RTO 200 ms or 1 s doubling up to 120 s, TIME-WAIT 60 s or 240 s
/// are std::chrono::milliseconds. The simulator OWNS the timers and drives the endpoint's table
/// with `tcp::step` / `tcp::receive` / `tcp::user_call`; `tcp::tick` is never called, so the
/// endpoint's own tick counters are only flags. After every step the simulator reads the actions
/// of the table row that applied and mirrors them in real time:
///   arm_retransmission      -> retransmission deadline = now + RTO, retries = 0
///   retransmit              -> deadline = now + RTO * 2^retries, the endpoint's
///                              `rtx_timer = rto << retries` (capped at the profile's 120 s,
///                              Linux TCP_RTO_MAX, where the endpoint caps at 15 ticks)
///   stop_retransmission     -> no deadline
///   arm_time_wait           -> no retransmission deadline; TIME-WAIT deadline = now + TIME-WAIT
///                              (restarted on every retransmitted FIN, as the row says)
///   arm_fin_wait_2          -> FIN-WAIT-2 deadline = now + limit (none when the profile has none)
///   entering CLOSED/LISTEN  -> no deadlines (the endpoint's clear_connection)
/// and then checks that it agrees with the TCB: a deadline is pending exactly when the endpoint's
/// counter is non-zero (`rtx_timer`, `wait_timer`); a disagreement throws std::logic_error. When a
/// deadline passes the simulator calls `step` with `retransmission_timeout` (or
/// `retries_exhausted` once `tcb.retries` reached the profile's limit for the state: SYN-SENT
/// syn_retries, SYN-RECEIVED synack_retries, otherwise fin_retries), `time_wait_timeout` or
/// `fin_wait_2_timeout`, as `tcp::tick` would.
///
/// Time and order. Times are integral milliseconds. Events at the same millisecond run in this
/// order: timer expiries (A's retransmission, A's TIME-WAIT/FIN-WAIT-2, then B's, like
/// pair_dynamics::tick), then user calls, then segment arrivals (in the order they were sent).
/// So a TIME-WAIT of length L armed at t covers [t, t+L): a FIN copy arriving exactly at t+L
/// finds the connection gone. Timers fire exactly at their profile durations; the freedom of the
/// adversary is in the network (what is lost, duplicated and delayed) and in the users' timing.
///
/// The network. A schedule gives each endpoint a fate plan: for each kind of segment (SYN,
/// SYN+ACK, ACK, FIN, RST) the fate of copy 0, 1, 2, ... of each distinct segment of that kind
/// (copy k of a FIN is its k-th retransmission; copy k of TIME-WAIT's ACK answers the k-th FIN copy
/// to arrive): delivered after a delay d, lost, or duplicated with two delays; copies beyond the
/// plan are delivered after 0 ms. Indexing fates by copy number keeps the schedules short and
/// makes loss bursts on one retransmitted segment likely. Delays are at most MSL (the network
/// enforces MSL: no copy arrives more than MSL after it was sent). Optionally the network is
/// *fair lossy*: at most `max_lost_copies` consecutive copies of the same segment (same sender,
/// flags, SEQ, ACK, incarnation) are lost; a fate that would lose one more is overridden (the copy
/// arrives after 0 ms, and the trace says so).
///
/// Sequence numbers stay in the endpoint's 16-value space (segment.hpp). Whether an old segment
/// passes a new incarnation's checks is therefore a matter of luck with odds of 1/16 to 1/4 (an
/// exact RCV.NXT match, or a window of 4), not 1 in 2^30: the incarnation properties are meant to
/// hold by TIMING (no old copy is alive when a new incarnation starts), and a small space only
/// makes a timing failure easier to find. (They do not always hold by timing alone: see
/// test_incarnation_schedules.cpp.)

#include <tcpv/tcp/endpoint.hpp>
#include <tcpv/tcp/models/close.hpp>
#include <tcpv/tcp/models/incarnations.hpp>
#include <tcpv/tcp/models/time_wait_assassination.hpp>
#include <tcpv/tcp/pair.hpp>
#include <tcpv/tcp/profile.hpp>

#include <rapidcheck.h>
#include <tcpv/testing/doctest_rapidcheck.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <queue>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tcpv_property {

namespace tcp = tcpv::tcp;
using ms = std::chrono::milliseconds;
using namespace std::chrono_literals;

/// "127.000s"
inline std::string show_time(ms t) {
    char buf[40];
    const long long v = t.count();
    std::snprintf(buf, sizeof buf, "%s%lld.%03llds", v < 0 ? "-" : "", (v < 0 ? -v : v) / 1000, (v < 0 ? -v : v) % 1000);
    return buf;
}

/// A property of model M, by name (the models define their invariants once; the tests reuse them).
template <class M>
std::function<bool(const typename M::state&)> predicate(const M& model, std::string_view name) {
    for (auto& p : model.properties())
        if (p.name == name) return p.p;
    throw std::logic_error("no property named " + std::string(name));
}

// ----------------------------------------------------------------------------------------------
// Real durations of one endpoint.

struct timing {
    std::string name;
    ms msl{};
    ms time_wait{};
    ms rto{};
    ms rto_max = 120s;  ///< Linux TCP_RTO_MAX; profile::retransmission_span caps at 120 s too
    ms fin_wait_2{};    ///< 0: no FIN-WAIT-2 limit
    bool backoff = true;
    int fin_retries = 0, syn_retries = 0, synack_retries = 0;
    bool rfc1337 = false;
    bool linger_abort = false;  ///< SO_LINGER {on, 0}

    static timing of(const tcp::profile& p) {
        timing t;
        t.name = std::string(p.name);
        t.msl = p.msl;
        t.time_wait = p.time_wait;
        t.rto = p.rto;
        t.fin_wait_2 = p.fin_wait_2;
        t.backoff = p.backoff;
        t.fin_retries = p.fin_retries;
        t.syn_retries = p.syn_retries;
        t.synack_retries = p.synack_retries;
        t.rfc1337 = p.rfc1337;
        return t;
    }

    /// The timeout after `retries` retransmissions (the endpoint's `rto << retries`).
    [[nodiscard]] ms rto_for(int retries) const {
        if (!backoff) return rto;
        ms r = rto;
        for (int k = 0; k < retries && r < rto_max; ++k) r *= 2;
        return std::min(r, rto_max);
    }
    /// When copy k of a retransmitted segment leaves, counted from the first (copy 0).
    [[nodiscard]] ms send_time(int k) const {
        ms t{0};
        for (int i = 0; i < k; ++i) t += rto_for(i);
        return t;
    }
    /// The retransmission limit for a state (retries_exhausted once tcb.retries reaches it).
    [[nodiscard]] int retry_limit(tcp::state_id st) const {
        if (st == tcp::state_id::syn_sent) return syn_retries;
        if (st == tcp::state_id::syn_received) return synack_retries;
        return fin_retries;
    }
    /// The endpoint's configuration: timers as flags only (1 tick = "armed"); tick() is never called.
    [[nodiscard]] tcp::endpoint_config config() const {
        tcp::endpoint_config c;
        c.rto = 1;
        c.max_retries = std::uint8_t(std::min(fin_retries, 255));  // (read by tcp::tick only, never called)
        c.syn_retries = std::uint8_t(std::min(syn_retries, 255));
        c.synack_retries = std::uint8_t(std::min(synack_retries, 255));
        c.backoff = false;
        c.time_wait = time_wait > 0ms ? 1 : 0;
        c.fin_wait_2 = fin_wait_2 > 0ms ? 1 : 0;
        c.rfc1337 = rfc1337;
        c.linger_abort = linger_abort;
        c.rst_on_unread = false;  // no payload in these runs
        c.timestamps = false;     // PAWS needs a real-time TS clock; off (RFC profile's default)
        return c;
    }
    /// The longest time between two consecutive arrivals of copies of one retransmitted FIN when
    /// at most `lost` consecutive copies are lost and each copy is delayed by 0..MSL:
    /// max over k of send_time(k + lost + 1) - send_time(k), plus MSL. With lost = -1 (no bound):
    /// the whole span plus MSL. TIME-WAIT, restarted by each copy, must be longer than this (the
    /// bound ignores that the peer may give up first, and the FIN-WAIT-2 limit).
    [[nodiscard]] ms worst_fin_gap(int lost, ms network_msl) const {
        const int n = fin_retries;  // copies 0..n
        const int step = lost < 0 ? n : std::min(lost + 1, n);
        ms worst{0};
        for (int k = 0; k + step <= n; ++k) worst = std::max(worst, send_time(k + step) - send_time(k));
        return worst + network_msl;
    }
};

// ----------------------------------------------------------------------------------------------
// Fates.

struct fate {
    enum class kind : std::uint8_t { deliver, drop, duplicate };
    kind what = kind::deliver;
    ms delay{0};   ///< deliver: the delay; duplicate: the first copy's
    ms delay2{0};  ///< duplicate: the second copy's
    bool operator==(const fate&) const = default;
};
inline std::ostream& operator<<(std::ostream& os, const fate& f) {
    switch (f.what) {
        case fate::kind::deliver: return os << "deliver after " << show_time(f.delay);
        case fate::kind::drop: return os << "lose";
        case fate::kind::duplicate:
            return os << "duplicate, copies after " << show_time(f.delay) << " and " << show_time(f.delay2);
    }
    return os;
}

/// What kind of segment a fate plan applies to.
enum class segment_kind : std::uint8_t { syn, syn_ack, ack, fin, rst, data };
inline constexpr std::size_t segment_kind_count = 6;
inline constexpr std::string_view kind_name(segment_kind k) {
    constexpr std::string_view names[] = {"SYN", "SYN+ACK", "ACK", "FIN", "RST", "data"};
    return names[std::size_t(k)];
}
inline segment_kind kind_of(const tcp::segment& s) {
    if (s.has(tcp::RST)) return segment_kind::rst;
    if (s.has(tcp::SYN)) return s.has(tcp::ACK) ? segment_kind::syn_ack : segment_kind::syn;
    if (s.has(tcp::FIN)) return segment_kind::fin;
    return s.len ? segment_kind::data : segment_kind::ack;
}

/// The fates of one endpoint's segments: for each kind of segment, the fate of copy 0, 1, 2, ...
/// of each distinct segment of that kind (copy k of a FIN is its k-th retransmission; copy k of
/// the ACK that TIME-WAIT sends is the ACK answering the k-th FIN copy to arrive). Copies after
/// the list are delivered after 0 ms.
struct fate_plan {
    std::array<std::vector<fate>, segment_kind_count> copies;
    [[nodiscard]] fate of(segment_kind k, int copy) const {
        const auto& v = copies[std::size_t(k)];
        return copy < int(v.size()) ? v[std::size_t(copy)] : fate{};
    }
    /// The faults: copies whose fate is not "delivered after 0".
    [[nodiscard]] std::size_t faults() const {
        std::size_t n = 0;
        for (const auto& v : copies)
            for (const fate& f : v) n += f != fate{};
        return n;
    }
    /// Drops trailing "delivered after 0" entries (they change nothing).
    void normalize() {
        for (auto& v : copies)
            while (!v.empty() && v.back() == fate{}) v.pop_back();
    }
    bool operator==(const fate_plan&) const = default;
};

/// "FIN: copy 0 deliver after 0.000s, copies 1-6 lose, copy 7 deliver after 120.000s; ..."
inline std::string describe(const fate_plan& plan) {
    std::ostringstream os;
    bool any = false;
    for (std::size_t k = 0; k < segment_kind_count; ++k) {
        const auto& v = plan.copies[k];
        if (std::all_of(v.begin(), v.end(), [](const fate& f) { return f == fate{}; })) continue;
        os << (any ? "; " : "") << kind_name(segment_kind(k)) << ": ";
        any = true;
        bool first = true;
        for (std::size_t i = 0; i < v.size();) {
            std::size_t j = i;
            while (j + 1 < v.size() && v[j + 1] == v[i]) ++j;
            if (v[i] != fate{}) {
                os << (first ? "" : ", ") << (j > i ? "copies " : "copy ") << i;
                if (j > i) os << '-' << j;
                os << ' ' << v[i];
                first = false;
            }
            i = j + 1;
        }
    }
    if (!any) return "every copy delivered after 0.000s";
    os << "; other copies delivered after 0.000s";
    return os.str();
}

// ----------------------------------------------------------------------------------------------
// Shrinking. RapidCheck shrinks a value through the choices that generated it, one element at a
// time; a fault schedule often fails only through a combination of faults and gets stuck in a
// local minimum with several irrelevant ones. The schedule generators therefore shrink with
// their own candidates, most radical first: keep only one fault, then only two, drop one fault,
// make one fault milder (a loss becomes a delivery, a duplicate a single copy, a delay shorter,
// by halving towards 0), move user events earlier. RapidCheck keeps the first candidate that
// still fails and starts again from it.

/// A position in a pair of fate plans: (endpoint, kind, copy).
struct fault_at {
    int side;
    std::size_t kind, copy;
};
inline std::vector<fault_at> faults_of(const fate_plan (&plans)[2]) {
    std::vector<fault_at> out;
    for (int i = 0; i < 2; ++i)
        for (std::size_t k = 0; k < segment_kind_count; ++k)
            for (std::size_t c = 0; c < plans[i].copies[k].size(); ++c)
                if (plans[i].copies[k][c] != fate{}) out.push_back({i, k, c});
    return out;
}

/// Values from `v` towards `target`: target, then halfway, a quarter of the way, ..., v - 1.
inline std::vector<long long> towards(long long v, long long target) {
    std::vector<long long> out;
    for (long long d = v - target; d != 0; d /= 2) out.push_back(v - d);
    return out;
}

/// Shrink candidates for the two fate plans of a schedule S (S has `fates[2]`); `with(S, plans)`
/// is applied by the caller.
template <class S>
void fate_candidates(const S& s, std::vector<S>& out) {
    const std::vector<fault_at> all = faults_of(s.fates);
    auto fate_at = [](S& x, const fault_at& p) -> fate& { return x.fates[p.side].copies[p.kind][p.copy]; };
    auto fate_of = [&s](const fault_at& p) { return s.fates[p.side].copies[p.kind][p.copy]; };
    auto keep_only = [&](std::initializer_list<const fault_at*> kept) {
        S x = s;
        for (auto& plan : x.fates)
            for (auto& v : plan.copies) std::fill(v.begin(), v.end(), fate{});
        for (const fault_at* p : kept) fate_at(x, *p) = fate_of(*p);
        out.push_back(x);
    };
    if (all.size() > 1)
        for (const auto& p : all) keep_only({&p});
    if (all.size() > 2)
        for (std::size_t a = 0; a < all.size(); ++a)
            for (std::size_t b = a + 1; b < all.size(); ++b) keep_only({&all[a], &all[b]});
    for (const auto& p : all) {  // drop one fault
        S x = s;
        fate_at(x, p) = fate{};
        out.push_back(x);
    }
    for (const auto& p : all) {  // make one fault milder
        const fate f = fate_of(p);
        auto put = [&](fate g) {
            S x = s;
            fate_at(x, p) = g;
            out.push_back(x);
        };
        switch (f.what) {
            case fate::kind::drop: break;  // "delivered after 0" is the dropped fault above
            case fate::kind::duplicate:
                put(fate{fate::kind::deliver, f.delay});
                put(fate{fate::kind::deliver, f.delay2});
                for (long long d : towards(f.delay.count(), 0)) put(fate{fate::kind::duplicate, ms{d}, f.delay2});
                for (long long d : towards(f.delay2.count(), 0)) put(fate{fate::kind::duplicate, f.delay, ms{d}});
                break;
            case fate::kind::deliver:
                for (long long d : towards(f.delay.count(), 0)) put(fate{fate::kind::deliver, ms{d}});
                break;
        }
    }
    for (auto& x : out)
        for (auto& plan : x.fates) plan.normalize();
}

/// A generator whose values come from `base` and shrink by `candidates(value)` (a vector).
template <class T, class Candidates>
rc::Gen<T> shrinking_with(rc::Gen<T> base, Candidates candidates) {
    return rc::Gen<T>([base, candidates](const rc::Random& random, int size) {
        return rc::shrinkable::shrinkRecur(base(random, size).value(),
                                           [candidates](const T& v) { return rc::seq::fromContainer(candidates(v)); });
    });
}

// ----------------------------------------------------------------------------------------------
// The simulator.

struct sim_options {
    timing side[2];
    ms msl{};                  ///< the network's lifetime bound (a copy arrives at most msl after it left)
    int max_lost_copies = -1;  ///< fair loss: at most this many consecutive copies of one segment lost (-1: no bound)
    /// Ghost: a LISTEN endpoint that takes a SYN adopts the SYN's incarnation *before* it answers
    /// (so its SYN+ACK belongs to the exchange it answers; see the incarnations driver).
    bool listener_adopts_incarnation = false;
    bool show_incarnations = false;  ///< traces print each endpoint's ghost incarnation
    bool record_trace = true;        ///< build the trace (the drivers run without, and again with it on a failure)
    std::size_t max_events = 200000;
    /// A livelock: this many events within one millisecond (two endpoints answering each other's
    /// segments at once, for ever: an ACK storm; the endpoint has no rate limit) stops the run.
    std::size_t max_events_per_ms = 2000;
};

/// What one event of the simulation was (for the drivers' checks).
struct step_record {
    enum class kind : std::uint8_t { timer, call, arrival, action } what = kind::action;
    ms at{};
    int side = 0;                          ///< the endpoint acted on (arrival: the receiver)
    tcp::event_id event = tcp::event_id::close;  ///< the (classified) event
    tcp::tcb before;                       ///< the endpoint before the event
    tcp::segment seg;                      ///< arrival: the segment
    bool injected = false;                 ///< arrival: an injected old duplicate
    const tcp::row_data* row = nullptr;
};

class simulator {
public:
    explicit simulator(sim_options o, fate_plan a = {}, fate_plan b = {}) : opt_(std::move(o)) {
        plan_[0] = std::move(a);
        plan_[1] = std::move(b);
        for (int i = 0; i < 2; ++i) cfg_[i] = opt_.side[i].config();
    }

    tcp::tcb ep[2];

    [[nodiscard]] ms now() const { return now_; }
    [[nodiscard]] const tcp::endpoint_config& config(int i) const { return cfg_[i]; }
    [[nodiscard]] const sim_options& options() const { return opt_; }
    [[nodiscard]] const std::vector<std::string>& trace() const { return trace_; }
    [[nodiscard]] std::size_t events() const { return events_; }
    /// The run stopped at max_events with events still pending.
    [[nodiscard]] bool truncated() const { return events_ >= opt_.max_events; }
    /// The run stopped in a livelock (see sim_options::max_events_per_ms).
    [[nodiscard]] bool livelock() const { return livelock_; }
    [[nodiscard]] std::optional<ms> rtx_deadline(int i) const { return timers_[i].rtx; }
    [[nodiscard]] std::optional<ms> wait_deadline(int i) const { return timers_[i].wait; }

    /// Sets endpoint i's timers for an initial TCB built directly (e.g. already in TIME-WAIT).
    void set_timers(int i, std::optional<ms> rtx, std::optional<ms> wait) {
        timers_[i].rtx = rtx;
        timers_[i].wait = wait;
        mirror_check(i, "initial state");
    }

    /// Runs `f` at time `t` (a user's action); `label` goes into the trace.
    void at(ms t, std::string label, std::function<void(simulator&)> f) {
        queued q;
        q.at = t;
        q.klass = 0;
        q.seq = seq_++;
        q.label = std::move(label);
        q.action = std::move(f);
        push(std::move(q));
    }

    /// A user call by endpoint i, now. Returns what the step did.
    tcp::step_result call(int i, tcp::event_id what, const std::string& note = {}) {
        step_record rec;
        rec.what = step_record::kind::call;
        rec.at = now_;
        rec.side = i;
        rec.event = what;
        rec.before = ep[i];
        const tcp::step_result r = tcp::user_call(ep[i], what, cfg_[i]);
        rec.row = r.row;
        after_step(i, r, rec, tracing() ? std::string(name(i)) + ": " + std::string(tcp::event_name(what)) + note : std::string());
        return r;
    }

    /// An old duplicate that arrives at endpoint `to` at time `arrive`, sent before the run.
    void inject(ms arrive, int to, const tcp::segment& s) {
        queued q;
        q.at = arrive;
        q.klass = 1;
        q.seq = seq_++;
        q.seg = s;
        q.from = 1 - to;
        q.injected = true;
        push(std::move(q));
    }

    /// Runs until nothing is pending, `hook` returns false, or max_events. `hook(sim, record)` is
    /// called after each event; it may schedule actions (with `at`) and inspect the endpoints.
    template <class Hook>
    void run(Hook&& hook) {
        while (events_ < opt_.max_events) {
            int tside = -1;
            bool is_wait = false;
            std::optional<ms> tt;
            for (int i = 0; i < 2; ++i) {
                if (timers_[i].rtx && (!tt || *timers_[i].rtx < *tt)) tt = timers_[i].rtx, tside = i, is_wait = false;
                if (timers_[i].wait && (!tt || *timers_[i].wait < *tt)) tt = timers_[i].wait, tside = i, is_wait = true;
            }
            if (!tt && queue_.empty()) break;
            step_record rec;
            if (tt && (queue_.empty() || *tt <= queue_.top().at)) {
                now_ = *tt;
                rec = fire(tside, is_wait);
            } else {
                queued q = queue_.top();
                queue_.pop();
                now_ = q.at;
                rec = process(q);
            }
            ++events_;
            same_ms_ = now_ == last_ms_ ? same_ms_ + 1 : 0;
            last_ms_ = now_;
            if (same_ms_ >= opt_.max_events_per_ms) {
                livelock_ = true;
                note("livelock: " + std::to_string(same_ms_) + " events at " + show_time(now_) + "; the run stops here");
                break;
            }
            if (!hook(*this, rec)) break;
        }
    }

    /// Appends a free-form line to the trace (drivers note what they check).
    void note(const std::string& text) {
        if (tracing()) trace_.push_back(std::string(12, ' ') + "  " + text);
    }
    [[nodiscard]] bool tracing() const { return opt_.record_trace; }

    [[nodiscard]] std::string states() const {
        std::string out;
        for (int i = 0; i < 2; ++i) {
            out += i ? "  " : "";
            out += name(i);
            out += '=';
            out += tcp::rfc_name(ep[i].st);
            if (ep[i].st == tcp::state_id::closed && ep[i].how != tcp::ending::open)
                out += "(" + std::string(tcp::ending_name(ep[i].how)) + ")";
            if (opt_.show_incarnations) out += "#" + std::to_string(ep[i].incarnation);
        }
        return out;
    }

    static std::string_view name(int i) { return i == 0 ? "A" : "B"; }

private:
    struct queued {
        ms at{};
        int klass = 0;  // 0 user action, 1 arrival
        std::uint64_t seq = 0;
        std::string label;
        std::function<void(simulator&)> action;
        tcp::segment seg;
        int from = 0;
        ms sent{};
        bool injected = false;
    };
    struct later {
        bool operator()(const queued& a, const queued& b) const {
            if (a.at != b.at) return a.at > b.at;
            if (a.klass != b.klass) return a.klass > b.klass;
            return a.seq > b.seq;
        }
    };
    struct deadlines {
        std::optional<ms> rtx, wait;
    };

    void push(queued q) { queue_.push(std::move(q)); }

    step_record fire(int i, bool is_wait) {
        step_record rec;
        rec.what = step_record::kind::timer;
        rec.at = now_;
        rec.side = i;
        rec.before = ep[i];
        tcp::event_id e = tcp::event_id::time_wait_timeout;
        if (is_wait) {
            timers_[i].wait.reset();
            if (ep[i].st == tcp::state_id::time_wait) e = tcp::event_id::time_wait_timeout;
            else if (ep[i].st == tcp::state_id::fin_wait_2) e = tcp::event_id::fin_wait_2_timeout;
            else throw std::logic_error("simulator: a TIME-WAIT/FIN-WAIT-2 deadline in " + std::string(tcp::rfc_name(ep[i].st)));
        } else {
            timers_[i].rtx.reset();
            e = ep[i].retries < opt_.side[i].retry_limit(ep[i].st) ? tcp::event_id::retransmission_timeout
                                                                   : tcp::event_id::retries_exhausted;
        }
        rec.event = e;
        const tcp::step_result r = tcp::step(ep[i], e, tcp::segment{}, cfg_[i]);
        rec.row = r.row;
        after_step(i, r, rec, tracing() ? std::string(name(i)) + ": " + std::string(tcp::event_name(e)) : std::string());
        return rec;
    }

    step_record process(const queued& q) {
        step_record rec;
        rec.at = now_;
        if (q.klass == 0) {
            rec.what = step_record::kind::action;
            rec.side = -1;
            if (tracing() && !q.label.empty()) trace_.push_back(line(q.label, {}));
            q.action(*this);
            return rec;
        }
        const int to = 1 - q.from;
        rec.what = step_record::kind::arrival;
        rec.side = to;
        rec.seg = q.seg;
        rec.injected = q.injected;
        rec.before = ep[to];
        rec.event = tcp::classify(ep[to], q.seg, cfg_[to]);
        if (opt_.listener_adopts_incarnation && ep[to].st == tcp::state_id::listen && rec.event == tcp::event_id::rcv_syn)
            ep[to].incarnation = q.seg.incarnation;
        const tcp::step_result r = tcp::receive(ep[to], q.seg, cfg_[to]);
        rec.row = r.row;
        std::string what;
        if (tracing()) {
            what = std::string(name(to)) + " <- " + tcp::to_string(q.seg);
            what += q.injected ? " (old duplicate)" : " (sent " + show_time(q.sent) + ")";
            what += ": " + std::string(tcp::event_name(rec.event));
        }
        after_step(to, r, rec, what);
        return rec;
    }

    void after_step(int i, const tcp::step_result& r, const step_record& rec, std::string what) {
        update_timers(i, r);
        mirror_check(i, what);
        if (!tracing()) {
            for (std::uint8_t k = 0; k < r.sent_count; ++k) transmit(i, r.sent[k]);
            return;
        }
        if (r.error) what += " (error)";
        if (!r.row) what += " (no row)";
        if (rec.before.st != ep[i].st)
            what += ", " + std::string(tcp::rfc_name(rec.before.st)) + " -> " + std::string(tcp::rfc_name(ep[i].st));
        std::string sends;
        for (std::uint8_t k = 0; k < r.sent_count; ++k) sends += transmit(i, r.sent[k]);
        trace_.push_back(line(what + sends, states()));
    }

    void update_timers(int i, const tcp::step_result& r) {
        if (!r.row) return;
        deadlines& d = timers_[i];
        const timing& tm = opt_.side[i];
        for (std::uint8_t k = 0; k < r.row->action_count; ++k) {
            switch (r.row->actions[k]) {
                case tcp::action_id::arm_retransmission: d.rtx = now_ + tm.rto_for(0); break;
                case tcp::action_id::retransmit: d.rtx = now_ + tm.rto_for(ep[i].retries); break;
                case tcp::action_id::stop_retransmission: d.rtx.reset(); break;
                case tcp::action_id::arm_time_wait:
                    d.rtx.reset();
                    d.wait = now_ + tm.time_wait;
                    break;
                case tcp::action_id::arm_fin_wait_2:
                    if (tm.fin_wait_2 > 0ms) d.wait = now_ + tm.fin_wait_2;
                    else d.wait.reset();
                    break;
                default: break;
            }
        }
        if (ep[i].st == tcp::state_id::closed || ep[i].st == tcp::state_id::listen) d = deadlines{};
    }

    void mirror_check(int i, const std::string& where) const {
        const bool rtx = ep[i].rtx_timer != 0, wait = ep[i].wait_timer != 0;
        if (rtx != timers_[i].rtx.has_value() || wait != timers_[i].wait.has_value())
            throw std::logic_error("simulator timers disagree with endpoint " + std::string(name(i)) + " after '" + where +
                                   "': tcb " + tcp::to_string(ep[i]));
    }

    std::string transmit(int from, const tcp::segment& s) {
        const std::uint64_t key = std::uint64_t(s.flags) | std::uint64_t(s.seq) << 8 | std::uint64_t(s.ack) << 16 |
                                  std::uint64_t(s.len) << 24 | std::uint64_t(s.incarnation) << 32;
        const segment_kind kind = kind_of(s);
        const int copy = copies_[from][key]++;
        fate f = plan_[from].of(kind, copy);
        const bool t = tracing();
        std::string out;
        if (t) out = "; sends " + tcp::to_string(s) + " [" + std::string(kind_name(kind)) + " copy " + std::to_string(copy) + "] ";
        int& lost = lost_[from][key];
        if (f.what == fate::kind::drop && opt_.max_lost_copies >= 0 && lost >= opt_.max_lost_copies) {
            f = fate{};
            if (t) out += "(fair loss: " + std::to_string(lost) + " copies already lost, so this one arrives) ";
        }
        auto send_copy = [&](ms d) {
            if (d < 0ms || d > opt_.msl)
                throw std::logic_error("fate delay " + show_time(d) + " outside 0..MSL " + show_time(opt_.msl));
            queued q;
            q.at = now_ + d;
            q.klass = 1;
            q.seq = seq_++;
            q.seg = s;
            q.from = from;
            q.sent = now_;
            push(std::move(q));
            return t ? show_time(now_ + d) : std::string();
        };
        switch (f.what) {
            case fate::kind::drop:
                ++lost;
                return out + (t ? "LOST" : "");
            case fate::kind::deliver: {
                lost = 0;
                const std::string at = send_copy(f.delay);
                return t ? out + "arrives " + at : out;
            }
            case fate::kind::duplicate: {
                lost = 0;
                const std::string a = send_copy(f.delay);
                const std::string b = send_copy(f.delay2);
                return t ? out + "DUPLICATED, arrives " + a + " and " + b : out;
            }
        }
        return out;
    }

    std::string line(const std::string& what, const std::string& st) const {
        std::string t = show_time(now_);
        if (t.size() < 12) t.insert(0, 12 - t.size(), ' ');
        return t + "  " + what + (st.empty() ? "" : "   | " + st);
    }

    sim_options opt_;
    tcp::endpoint_config cfg_[2];
    fate_plan plan_[2];
    deadlines timers_[2];
    std::priority_queue<queued, std::vector<queued>, later> queue_;
    std::map<std::uint64_t, int> lost_[2];    // consecutive lost copies per distinct segment
    std::map<std::uint64_t, int> copies_[2];  // copies sent per distinct segment
    ms now_{0};
    std::uint64_t seq_ = 0;
    std::size_t events_ = 0;
    std::size_t same_ms_ = 0;
    ms last_ms_{-1};
    bool livelock_ = false;
    std::vector<std::string> trace_;
};

/// The outcome of one simulated schedule.
struct run_result {
    bool violated = false;
    std::string property;  ///< the violated property
    std::string why;
    std::vector<std::string> trace;  ///< up to and including the violating event
    std::size_t events = 0;
    bool truncated = false;  ///< stopped at sim_options::max_events
    bool livelock = false;   ///< stopped in a livelock (an ACK storm; sim_options::max_events_per_ms)
    ms end{};
    int incarnations = 0;  ///< incarnations A opened (incarnations driver)
    std::string stop;      ///< incarnations driver: why no further incarnation was opened
    int stale_seen = 0;    ///< incarnations driver: segments of an earlier incarnation that reached a later one

    [[nodiscard]] std::string text(std::size_t last_lines = 0) const {
        std::ostringstream os;
        if (violated) os << "VIOLATED " << property << ": " << why << '\n';
        std::size_t from = 0;
        if (last_lines && trace.size() > last_lines) {
            from = trace.size() - last_lines;
            os << "  ... (" << from << " earlier events not shown)\n";
        }
        for (std::size_t i = from; i < trace.size(); ++i) os << trace[i] << '\n';
        return os.str();
    }
};

// ----------------------------------------------------------------------------------------------
// Generators (RapidCheck). The schedule generators (gen_close_schedule, gen_incarnation_schedule,
// gen_assassination_schedule) shrink with the fault-isolating candidates above; the element
// generators below shrink towards "nothing happens" (delays towards 0, fates towards delivered).

/// A delay in [0, msl], boundary values favoured: uniform, 0, exactly msl, within msl/8 of msl,
/// within msl/8 of 0 (a fifth each). Shrinks towards "uniform" and then towards 0.
inline rc::Gen<ms> gen_delay(ms msl) {
    const long long m = msl.count();
    return rc::gen::map(rc::gen::resize(100, rc::gen::tuple(rc::gen::inRange(0, 5), rc::gen::inRange<long long>(0, m + 1),
                                                            rc::gen::inRange<long long>(0, m / 8 + 1))),
                        [m](const std::tuple<int, long long, long long>& t) {
                            switch (std::get<0>(t)) {
                                case 1: return ms{0};
                                case 2: return ms{m};
                                case 3: return ms{m - std::get<2>(t)};
                                case 4: return ms{std::get<2>(t)};
                                default: return ms{std::get<1>(t)};
                            }
                        });
}

/// A time in [0, latest]: uniform, 0, or within the first 2 s; shrinks towards 0.
inline rc::Gen<ms> gen_time(ms latest) {
    const long long small = std::min<long long>(2000, latest.count());
    return rc::gen::map(rc::gen::resize(100, rc::gen::tuple(rc::gen::inRange(0, 3), rc::gen::inRange<long long>(0, latest.count() + 1),
                                                            rc::gen::inRange<long long>(0, small + 1))),
                        [](const std::tuple<int, long long, long long>& p) {
                            switch (std::get<0>(p)) {
                                case 1: return ms{0};
                                case 2: return ms{std::get<2>(p)};
                                default: return ms{std::get<1>(p)};
                            }
                        });
}

/// A fate when a fraction `loss_percent` of copies is lost: delivered, lost, or (a fifth of the
/// non-lost) duplicated; shrinks towards "delivered after 0".
inline rc::Gen<fate> gen_fate(ms msl, int loss_percent) {
    return rc::gen::map(rc::gen::tuple(rc::gen::resize(100, rc::gen::inRange(0, 100)), gen_delay(msl), gen_delay(msl)),
                        [loss_percent](const std::tuple<int, ms, ms>& t) {
                            fate f;
                            const int roll = std::get<0>(t);
                            const int kept = 100 - loss_percent;
                            f.what = roll >= kept ? fate::kind::drop
                                     : roll >= kept - kept / 5 ? fate::kind::duplicate
                                                               : fate::kind::deliver;
                            if (f.what != fate::kind::drop) f.delay = std::get<1>(t);
                            if (f.what == fate::kind::duplicate) f.delay2 = std::get<2>(t);
                            return f;
                        });
}

/// The fates of up to `max_copies` copies of each kind of segment in `kinds`. Each kind gets a loss
/// level (none, 30 %, 70 % or 95 % of its copies lost): retransmitted segments face bursts of loss
/// often enough for the adversarial cases to be found.
///
/// Kinds in `prompt` are never delayed or duplicated: each copy arrives at once or is lost.
inline rc::Gen<fate_plan> gen_fate_plan(ms msl, std::vector<segment_kind> kinds, int max_copies = 10,
                                        std::vector<segment_kind> prompt = {}) {
    // RapidCheck's size (0, 1, 2, ... over the first 100 tests, then cycling) bounds the number of
    // copies listed per kind: the first schedules are short, so a failure that needs little is
    // found small and shrinks well; from size 72 on, every kind may list `max_copies` copies.
    auto copies = [msl, max_copies] {
        return rc::gen::mapcat(rc::gen::resize(100, rc::gen::inRange(0, 4)), [msl, max_copies](int level) {
            static constexpr int loss[] = {0, 30, 70, 95};
            const int percent = loss[level];
            return rc::gen::withSize([msl, max_copies, percent](int size) {
                return rc::gen::resize(std::min(max_copies, 1 + size / 8),
                                       rc::gen::container<std::vector<fate>>(gen_fate(msl, percent)));
            });
        });
    };
    return rc::gen::map(rc::gen::container<std::vector<std::vector<fate>>>(kinds.size(), copies()),
                        [kinds, prompt](const std::vector<std::vector<fate>>& v) {
                            fate_plan p;
                            for (std::size_t i = 0; i < kinds.size(); ++i) {
                                auto& copies = p.copies[std::size_t(kinds[i])] = v[i];
                                if (std::find(prompt.begin(), prompt.end(), kinds[i]) == prompt.end()) continue;
                                for (fate& f : copies)
                                    if (f.what != fate::kind::drop) f = fate{};
                            }
                            return p;
                        });
}

inline const std::vector<segment_kind>& close_kinds() {
    static const std::vector<segment_kind> k = {segment_kind::ack, segment_kind::fin, segment_kind::rst};
    return k;
}
inline const std::vector<segment_kind>& all_kinds() {
    static const std::vector<segment_kind> k = {segment_kind::syn, segment_kind::syn_ack, segment_kind::ack,
                                                segment_kind::fin, segment_kind::rst};
    return k;
}

// ----------------------------------------------------------------------------------------------
// Scenario 1: close (models/tcpv/tcp/models/close.hpp), property no-reset-after-graceful-close.

struct close_schedule {
    ms close_at[2]{};  ///< when A's and B's users call CLOSE
    fate_plan fates[2];  ///< the fates of A's and of B's transmissions
    /// Events in the schedule: the two CLOSE calls and one per fault.
    [[nodiscard]] std::size_t length() const { return 2 + fates[0].faults() + fates[1].faults(); }
};
inline std::ostream& operator<<(std::ostream& os, const close_schedule& s) {
    os << "close schedule (" << s.length() << " events):\n"
       << "  A: CLOSE at " << show_time(s.close_at[0]) << "\n  B: CLOSE at " << show_time(s.close_at[1]) << '\n'
       << "  A's segments: " << describe(s.fates[0]) << "\n  B's segments: " << describe(s.fates[1]);
    return os;
}
inline void showValue(const close_schedule& s, std::ostream& os) { os << s; }

inline std::vector<close_schedule> shrink_candidates(const close_schedule& s) {
    std::vector<close_schedule> out;
    fate_candidates(s, out);
    for (int i = 0; i < 2; ++i)
        for (long long t : towards(s.close_at[i].count(), 0)) {
            close_schedule x = s;
            x.close_at[i] = ms{t};
            out.push_back(x);
        }
    return out;
}

/// `lose_answers`: the adversary of RFC 9293 3.6.1 (the final ACK is lost, and so is every ACK
/// answering a retransmitted FIN): every copy of every pure ACK of either side is lost, the rest of
/// the schedule is random. It makes the narrow windows of the reset likely enough to be found.
inline rc::Gen<close_schedule> gen_close_schedule(ms msl, ms latest_close, bool lose_answers = false, int max_copies = 10) {
    auto values = rc::gen::map(
        rc::gen::tuple(gen_time(latest_close), gen_time(latest_close), gen_fate_plan(msl, close_kinds(), max_copies),
                       gen_fate_plan(msl, close_kinds(), max_copies)),
        [lose_answers, max_copies](const std::tuple<ms, ms, fate_plan, fate_plan>& t) {
            close_schedule s;
            s.close_at[0] = std::get<0>(t);
            s.close_at[1] = std::get<1>(t);
            s.fates[0] = std::get<2>(t);
            s.fates[1] = std::get<3>(t);
            if (lose_answers)
                for (auto& f : s.fates)
                    f.copies[std::size_t(segment_kind::ack)].assign(std::size_t(max_copies), fate{fate::kind::drop});
            for (auto& f : s.fates) f.normalize();
            return s;
        });
    return shrinking_with<close_schedule>(values, [](const close_schedule& s) { return shrink_candidates(s); });
}

struct close_setup {
    timing side[2];
    ms msl{};  ///< the network's MSL (the larger of the two profiles' unless set)
    int max_lost_copies = -1;
};

/// Runs the `close` model's scenario (both ESTABLISHED, as close::init builds them; each user
/// calls CLOSE at its time if the connection is still ESTABLISHED or CLOSE-WAIT, as close::next
/// allows) and checks close's `no-reset-after-graceful-close` after every event.
/// `observe(sim, record)`, if given, sees every event (coverage statistics).
using observer = std::function<void(const simulator&, const step_record&)>;

inline run_result run_close_once(const close_setup& setup, const close_schedule& s, const observer& observe, bool record) {
    namespace models = tcp::models;
    const models::close model;
    const auto no_reset = predicate(model, "no-reset-after-graceful-close");
    tcp::pair_state init;
    model.init([&](const tcp::pair_action&, const tcp::pair_state& st) { init = st; });

    sim_options o;
    o.side[0] = setup.side[0];
    o.side[1] = setup.side[1];
    o.msl = setup.msl;
    o.max_lost_copies = setup.max_lost_copies;
    o.record_trace = record;
    simulator sim(o, s.fates[0], s.fates[1]);
    sim.ep[0] = init.ep[0];
    sim.ep[1] = init.ep[1];
    for (int i = 0; i < 2; ++i)
        sim.at(s.close_at[i], {}, [i](simulator& m) {
            const tcp::state_id st = m.ep[i].st;
            if ((st == tcp::state_id::established || st == tcp::state_id::close_wait) && !m.ep[i].user_closed)
                m.call(i, tcp::event_id::close);
            else
                m.note(std::string(simulator::name(i)) + ": user would CLOSE, but the connection is " +
                       std::string(tcp::rfc_name(st)));
        });
    run_result out;
    sim.run([&](simulator& m, const step_record& rec) {
        if (observe) observe(m, rec);
        tcp::pair_state ps;
        ps.ep[0] = m.ep[0];
        ps.ep[1] = m.ep[1];
        if (!no_reset(ps)) {
            out.violated = true;
            out.property = "no-reset-after-graceful-close";
            const int victim = models::close::reset_after_graceful_close(ps, 0) ? 0 : 1;
            out.why = std::string(simulator::name(victim)) + " closed gracefully and was reset by its peer at " +
                      show_time(m.now());
            return false;
        }
        return true;
    });
    out.trace = sim.trace();
    out.events = sim.events();
    out.truncated = sim.truncated();
    out.livelock = sim.livelock();
    out.end = sim.now();
    return out;
}

/// The simulation is deterministic: it runs without a trace and, if the property is violated or
/// the run did not end normally (or `always_trace`), again with one.
inline run_result run_close(const close_setup& setup, const close_schedule& s, const observer& observe = {},
                            bool always_trace = false) {
    run_result r = run_close_once(setup, s, observe, always_trace);
    return (r.violated || r.livelock || r.truncated) && !always_trace ? run_close_once(setup, s, {}, true) : r;
}

/// A family of close schedules built around the hazard of RFC 9293 3.6.1, with an independent
/// prediction of its outcome. A closes at 0 (its FIN and B's ACK arrive at once: A is in
/// FIN-WAIT-2), B closes at `b_close`. Every ACK of A is lost. Of B's FIN copies (copy k leaves at
/// b_close + send_time(k)) only copies `first` and `last` are delivered, after `d_first` and
/// `d_last`; A's RST (if any) arrives after `d_rst`.
struct gap_case {
    ms b_close{1};
    int first = 0, last = 1;
    ms d_first{}, d_last{}, d_rst{};
    bool operator==(const gap_case&) const = default;

    [[nodiscard]] close_schedule schedule(const timing& t) const {
        close_schedule s;
        s.close_at[0] = 0ms;
        s.close_at[1] = b_close;
        s.fates[0].copies[std::size_t(segment_kind::ack)].assign(std::size_t(t.fin_retries + 2), fate{fate::kind::drop});
        s.fates[0].copies[std::size_t(segment_kind::rst)] = {fate{fate::kind::deliver, d_rst}};
        auto& fin = s.fates[1].copies[std::size_t(segment_kind::fin)];
        fin.assign(std::size_t(t.fin_retries + 1), fate{fate::kind::drop});
        fin[std::size_t(first)] = fate{fate::kind::deliver, d_first};
        fin[std::size_t(last)] = fate{fate::kind::deliver, d_last};
        return s;
    }
    /// The prediction: A (in FIN-WAIT-2 since time 0) takes the earlier arrival unless its
    /// FIN-WAIT-2 limit ran out first (then A gave up, and the property excuses the reset); A's
    /// TIME-WAIT starts then; the later copy finds A CLOSED if it arrives a full TIME-WAIT later or
    /// more (an expiry runs before an arrival at the same millisecond), and A's RST resets B if it
    /// arrives before B gives up (rto_for(retries) after B's last copy; again the timer first).
    [[nodiscard]] bool predicts_reset(const timing& t) const {
        const ms a_first = b_close + t.send_time(first) + d_first;
        const ms a_last = b_close + t.send_time(last) + d_last;
        const ms early = std::min(a_first, a_last), late = std::max(a_first, a_last);
        const ms give_up = b_close + t.send_time(t.fin_retries) + t.rto_for(t.fin_retries);
        if (t.fin_wait_2 > 0ms && early >= t.fin_wait_2) return false;
        return late >= early + t.time_wait && late + d_rst < give_up;
    }
};
inline std::ostream& operator<<(std::ostream& os, const gap_case& g) {
    return os << "gap case: B closes at " << show_time(g.b_close) << "; of B's FIN copies only #" << g.first << " (after "
              << show_time(g.d_first) << ") and #" << g.last << " (after " << show_time(g.d_last)
              << ") arrive; every ACK of A is lost; A's RST arrives after " << show_time(g.d_rst);
}
inline void showValue(const gap_case& g, std::ostream& os) { os << g; }

inline rc::Gen<gap_case> gen_gap_case(const timing& t) {
    const int r = t.fin_retries;
    return rc::gen::map(rc::gen::tuple(gen_time(10s), rc::gen::resize(100, rc::gen::inRange(0, r)),
                                       rc::gen::resize(100, rc::gen::inRange(1, r + 1)), gen_delay(t.msl), gen_delay(t.msl),
                                       gen_delay(t.msl)),
                        [r](const std::tuple<ms, int, int, ms, ms, ms>& v) {
                            gap_case g;
                            g.b_close = 1ms + std::get<0>(v);
                            g.first = std::get<1>(v);
                            g.last = std::min(r, g.first + std::get<2>(v));  // last > first
                            g.d_first = std::get<3>(v);
                            g.d_last = std::get<4>(v);
                            g.d_rst = std::get<5>(v);
                            return g;
                        });
}

// ----------------------------------------------------------------------------------------------
// Scenario 2: incarnations (models/tcpv/tcp/models/incarnations.hpp), property
// no-stale-segment-accepted, over many incarnations of one 4-tuple.

/// One incarnation's user timing and initial sequence numbers.
struct incarnation_plan {
    ms hold{};   ///< A: ESTABLISHED -> CLOSE
    ms react{};  ///< B: CLOSE-WAIT -> CLOSE
    ms think{};  ///< A: allowed to reuse the 4-tuple -> OPEN of this incarnation (the first: at 0)
    std::uint8_t iss_a = 0, iss_b = 0;  ///< ISS of A's connection and of B's next listen (mod 16)
    bool operator==(const incarnation_plan&) const = default;
};

struct incarnation_schedule {
    std::vector<incarnation_plan> plans;  ///< one per incarnation A opens
    fate_plan fates[2];
    [[nodiscard]] std::size_t length() const { return plans.size() + fates[0].faults() + fates[1].faults(); }
};
inline std::ostream& operator<<(std::ostream& os, const incarnation_schedule& s) {
    os << "incarnation schedule (" << s.length() << " events):\n";
    for (std::size_t k = 0; k < s.plans.size(); ++k) {
        const auto& p = s.plans[k];
        os << "  incarnation " << k + 1 << ": A opens " << show_time(p.think) << " after the tuple is free, ISS "
           << int(p.iss_a) << "; B listens with ISS " << int(p.iss_b) << "; A closes " << show_time(p.hold)
           << " after ESTABLISHED; B closes " << show_time(p.react) << " after CLOSE-WAIT\n";
    }
    os << "  A's segments: " << describe(s.fates[0]) << "\n  B's segments: " << describe(s.fates[1]);
    return os;
}
inline void showValue(const incarnation_schedule& s, std::ostream& os) { os << s; }

/// `prompt_syn`: SYN copies arrive at once or are lost (never delayed, never duplicated); see
/// run_incarnations for why.
inline std::vector<incarnation_schedule> shrink_candidates(const incarnation_schedule& s) {
    std::vector<incarnation_schedule> out;
    for (std::size_t k = 1; k < s.plans.size(); ++k) {  // fewer incarnations: the first k
        incarnation_schedule x = s;
        x.plans.resize(k);
        out.push_back(x);
    }
    if (s.plans.size() > 1)
        for (std::size_t k = 0; k < s.plans.size(); ++k) {  // without incarnation k
            incarnation_schedule x = s;
            x.plans.erase(x.plans.begin() + std::ptrdiff_t(k));
            out.push_back(x);
        }
    fate_candidates(s, out);
    for (std::size_t k = 0; k < s.plans.size(); ++k) {
        auto put = [&](auto&& change) {
            incarnation_schedule x = s;
            change(x.plans[k]);
            out.push_back(x);
        };
        for (ms incarnation_plan::*field : {&incarnation_plan::hold, &incarnation_plan::react, &incarnation_plan::think})
            for (long long t : towards((s.plans[k].*field).count(), 0)) put([&](incarnation_plan& p) { p.*field = ms{t}; });
        for (std::uint8_t incarnation_plan::*field : {&incarnation_plan::iss_a, &incarnation_plan::iss_b})
            for (long long v : towards(s.plans[k].*field, 0)) put([&](incarnation_plan& p) { p.*field = std::uint8_t(v); });
    }
    return out;
}

/// Up to `max_incarnations` incarnations with user times in [0, latest] and any ISS (0..15), and
/// fate plans with delays up to `max_delay`. `prompt_syn`: SYN copies arrive at once or are lost
/// (never delayed, never duplicated); see test_incarnation_schedules.cpp for why.
inline rc::Gen<incarnation_schedule> gen_incarnation_schedule(ms max_delay, ms latest, int max_incarnations, bool prompt_syn,
                                                              int max_copies = 10) {
    auto plan = rc::gen::map(
        rc::gen::tuple(gen_time(latest), gen_time(latest), gen_time(latest), rc::gen::resize(100, rc::gen::inRange(0, 16)),
                       rc::gen::resize(100, rc::gen::inRange(0, 16))),
        [](const std::tuple<ms, ms, ms, int, int>& t) {
            incarnation_plan p;
            p.hold = std::get<0>(t);
            p.react = std::get<1>(t);
            p.think = std::get<2>(t);
            p.iss_a = std::uint8_t(std::get<3>(t));
            p.iss_b = std::uint8_t(std::get<4>(t));
            return p;
        });
    // As many as 1 + size/4 incarnations (all `max_incarnations` from size 76 on; see gen_fate_plan).
    auto plans = rc::gen::withSize([plan, max_incarnations](int size) {
        return rc::gen::map(rc::gen::resize(std::min(max_incarnations, 1 + size / 4),
                                            rc::gen::container<std::vector<incarnation_plan>>(plan)),
                            [plan](std::vector<incarnation_plan> v) {
                                if (v.empty()) v.push_back(incarnation_plan{});
                                return v;
                            });
    });
    std::vector<segment_kind> prompt;
    if (prompt_syn) prompt.push_back(segment_kind::syn);
    auto values = rc::gen::map(rc::gen::tuple(plans, gen_fate_plan(max_delay, all_kinds(), max_copies, prompt),
                                              gen_fate_plan(max_delay, all_kinds(), max_copies, prompt)),
                               [](const std::tuple<std::vector<incarnation_plan>, fate_plan, fate_plan>& t) {
                                   incarnation_schedule s;
                                   s.plans = std::get<0>(t);
                                   s.fates[0] = std::get<1>(t);
                                   s.fates[1] = std::get<2>(t);
                                   for (auto& f : s.fates) f.normalize();
                                   return s;
                               });
    return shrinking_with<incarnation_schedule>(values, [](const incarnation_schedule& s) { return shrink_candidates(s); });
}

struct incarnation_setup {
    timing side[2];  ///< A (client) and B (server)
    ms msl{};
    int max_lost_copies = -1;
    tcp::models::incarnations::reuse mode = tcp::models::incarnations::reuse::wait;  ///< wait or linger0
};

/// Runs incarnations 1..n of one 4-tuple: B listens (and listens again whenever its connection
/// is gone); A opens incarnation k, closes it `hold` after ESTABLISHED (active close; with
/// SO_LINGER 0 that is a RST), B closes `react` after CLOSE-WAIT; A opens incarnation k+1
/// `think` after the `incarnations` model's `may_reopen` allows it (mode `wait`: once TIME-WAIT
/// ran out, that is the connection ended gracefully; `linger0`: at once after the abort). A
/// connection of A that ends any other way (reset, gave up, refused) ends the run: the client
/// moves to another port, which the model does not follow either.
///
/// Ghost incarnations: A's connection k carries k; B's listener carries 0 and adopts the
/// incarnation of the SYN it takes (so an old duplicate SYN that reaches the listener makes a
/// connection of the OLD incarnation, whose segments are then old for A's new one). This differs
/// from the model, whose listener already carries the next incarnation (so that a listener
/// taking an old SYN counts as a stale acceptance; the model never delays a SYN): here the old
/// SYN is rejected, or not, by the handshake that follows, as in RFC 9293 3.5 (Figure 8). The check
/// is the model's: at every arrival, a segment of an earlier incarnation than the receiving
/// connection that passes its checks (incarnations::accepts on the classified event) and changes
/// the connection (its TCB differs afterwards) is a stale acceptance, and incarnations'
/// `no-stale-segment-accepted` is evaluated on that ghost. (`no-stale-data-accepted` cannot fail
/// here: the endpoints send no data.)
inline run_result run_incarnations_once(const incarnation_setup& setup, const incarnation_schedule& s, const observer& observe,
                                        bool record) {
    namespace models = tcp::models;
    using reuse = models::incarnations::reuse;
    models::incarnations model;
    model.mode = setup.mode;
    const auto no_stale = predicate(model, "no-stale-segment-accepted");

    sim_options o;
    o.side[0] = setup.side[0];
    o.side[0].linger_abort = setup.mode == reuse::linger0;
    o.side[1] = setup.side[1];
    o.msl = setup.msl;
    o.max_lost_copies = setup.max_lost_copies;
    o.listener_adopts_incarnation = true;
    o.show_incarnations = true;
    o.record_trace = record;
    simulator sim(o, s.fates[0], s.fates[1]);
    const int n = int(s.plans.size());
    const int iss_step = sim.config(0).iss_step;

    int opened = 0;              // incarnations A opened
    int close_scheduled = 0;     // A's CLOSE scheduled for incarnation <= this
    bool b_close_scheduled = false;
    bool b_listen_scheduled = true;  // the first LISTEN is scheduled below
    bool a_reopen_scheduled = false;
    int b_listens = 0;
    bool stopped = false;

    auto open_a = [&](simulator& m) {
        const incarnation_plan& p = s.plans[std::size_t(opened)];
        tcp::tcb fresh;
        fresh.incarnation = std::uint8_t(opened + 1);
        fresh.iss = tcp::seq_add(p.iss_a, -iss_step);  // OPEN's choose_iss lands on p.iss_a
        m.ep[0] = fresh;
        ++opened;
        a_reopen_scheduled = false;
        m.call(0, tcp::event_id::open_active, " (incarnation " + std::to_string(opened) + ", ISS " + std::to_string(p.iss_a) + ")");
    };
    auto listen_b = [&](simulator& m) {
        const incarnation_plan& p = s.plans[std::size_t(b_listens) % s.plans.size()];
        tcp::tcb fresh;
        fresh.incarnation = 0;  // a listener belongs to no incarnation until it takes a SYN
        fresh.iss = tcp::seq_add(p.iss_b, -iss_step);
        fresh.user_closed = false;
        m.ep[1] = fresh;
        ++b_listens;
        b_listen_scheduled = false;
        b_close_scheduled = false;
        m.call(1, tcp::event_id::open_passive, " (ISS " + std::to_string(p.iss_b) + ")");
    };
    sim.at(0ms, {}, listen_b);
    sim.at(s.plans[0].think, {}, open_a);

    run_result out;
    sim.run([&](simulator& m, const step_record& rec) {
        if (observe) observe(m, rec);
        // The model's check on arrivals.
        if (rec.what == step_record::kind::arrival && rec.seg.incarnation < rec.before.incarnation &&
            rec.before.st != tcp::state_id::closed)
            ++out.stale_seen;
        // As in the model: an old segment that passes the checks AND changes the connection (a
        // duplicate ACK below SND.UNA passes and changes nothing).
        if (rec.what == step_record::kind::arrival && rec.seg.incarnation < rec.before.incarnation &&
            rec.before.st != tcp::state_id::closed && models::incarnations::accepts(rec.event, rec.before.st) &&
            !(m.ep[rec.side] == rec.before)) {
            models::incarnations::state ghost;
            ghost.stale_accepted = true;
            ghost.stale_data_accepted = rec.seg.len != 0;
            if (!no_stale(ghost)) {
                out.violated = true;
                out.property = "no-stale-segment-accepted";
                out.why = std::string(simulator::name(rec.side)) + " (incarnation " + std::to_string(rec.before.incarnation) +
                          ", " + std::string(tcp::rfc_name(rec.before.st)) + ") accepted " + tcp::to_string(rec.seg) +
                          " of incarnation " + std::to_string(rec.seg.incarnation) + " at " + show_time(m.now()) + " (" +
                          std::string(tcp::event_name(rec.event)) + ")";
                return false;
            }
        }
        const tcp::tcb& a = m.ep[0];
        const tcp::tcb& b = m.ep[1];
        // A's user closes its connection `hold` after it is ESTABLISHED.
        if (a.st == tcp::state_id::established && a.incarnation == opened && close_scheduled < opened) {
            close_scheduled = opened;
            const int k = opened;
            m.at(m.now() + s.plans[std::size_t(k - 1)].hold, {}, [k](simulator& mm) {
                if (mm.ep[0].st == tcp::state_id::established && mm.ep[0].incarnation == k && !mm.ep[0].user_closed)
                    mm.call(0, tcp::event_id::close);
            });
        }
        // B's user closes `react` after CLOSE-WAIT; B listens again once its connection is gone.
        if (b.st == tcp::state_id::close_wait && !b.user_closed && !b_close_scheduled) {
            b_close_scheduled = true;
            const std::uint8_t inc = b.incarnation;
            const std::size_t k = std::size_t(std::max(1, int(inc)) - 1) % s.plans.size();
            m.at(m.now() + s.plans[k].react, {}, [inc](simulator& mm) {
                if (mm.ep[1].st == tcp::state_id::close_wait && mm.ep[1].incarnation == inc && !mm.ep[1].user_closed)
                    mm.call(1, tcp::event_id::close);
            });
        }
        if (b.st == tcp::state_id::closed && !b_listen_scheduled) {
            b_listen_scheduled = true;
            m.at(m.now(), {}, listen_b);
        }
        // A reuses the 4-tuple when the model's may_reopen allows it (asked as of incarnation 1).
        if (!stopped && !a_reopen_scheduled && opened >= 1 && a.incarnation == opened) {
            tcp::tcb probe = a;
            probe.incarnation = 1;
            if (model.may_reopen(probe) && a.st == tcp::state_id::closed) {
                if (opened >= n) {
                    stopped = true;
                    out.stop = "all incarnations done";
                } else {
                    a_reopen_scheduled = true;
                    m.at(m.now() + s.plans[std::size_t(opened)].think, {}, open_a);
                }
            } else if (a.st == tcp::state_id::closed) {
                stopped = true;
                out.stop = "A's connection " + std::string(tcp::ending_name(a.how));
                m.note("A's incarnation " + std::to_string(opened) + " ended (" + std::string(tcp::ending_name(a.how)) +
                       "): the 4-tuple is not reused (the client would move to another port); no more incarnations");
            }
        }
        return true;
    });
    out.trace = sim.trace();
    out.events = sim.events();
    out.truncated = sim.truncated();
    out.livelock = sim.livelock();
    out.end = sim.now();
    out.incarnations = opened;
    return out;
}

inline run_result run_incarnations(const incarnation_setup& setup, const incarnation_schedule& s, const observer& observe = {},
                                   bool always_trace = false) {
    run_result r = run_incarnations_once(setup, s, observe, always_trace);
    return (r.violated || r.livelock || r.truncated) && !always_trace ? run_incarnations_once(setup, s, {}, true) : r;
}

// ----------------------------------------------------------------------------------------------
// Scenario 3: RFC 1337 (models/tcpv/tcp/models/time_wait_assassination.hpp).

/// An old duplicate of incarnation 1 (time_wait_assassination::old_duplicates()[which]: 0 = B's
/// ACK of A's FIN, 1 = B's SYN+ACK) arriving at A at `arrive` (it was sent before A entered
/// TIME-WAIT at time 0, so it arrives within MSL).
struct old_duplicate {
    int which = 0;
    ms arrive{};
    bool operator==(const old_duplicate&) const = default;
};

struct assassination_schedule {
    std::vector<old_duplicate> duplicates;
    fate_plan fates[2];  ///< A's answers, B's answers
    [[nodiscard]] std::size_t length() const { return duplicates.size() + fates[0].faults() + fates[1].faults(); }
};
inline std::ostream& operator<<(std::ostream& os, const assassination_schedule& s) {
    os << "RFC 1337 schedule (" << s.length() << " events):\n";
    const auto dups = tcp::models::time_wait_assassination::old_duplicates();
    for (const auto& d : s.duplicates)
        os << "  old duplicate " << tcp::to_string(dups[std::size_t(d.which)]) << " reaches A at " << show_time(d.arrive)
           << '\n';
    os << "  A's segments: " << describe(s.fates[0]) << "\n  B's segments: " << describe(s.fates[1]);
    return os;
}
inline void showValue(const assassination_schedule& s, std::ostream& os) { os << s; }

inline std::vector<assassination_schedule> shrink_candidates(const assassination_schedule& s) {
    std::vector<assassination_schedule> out;
    if (s.duplicates.size() > 1)
        for (const auto& d : s.duplicates) {  // only one old duplicate
            assassination_schedule x = s;
            x.duplicates = {d};
            out.push_back(x);
        }
    for (std::size_t k = 0; k < s.duplicates.size(); ++k) {  // one fewer
        assassination_schedule x = s;
        x.duplicates.erase(x.duplicates.begin() + std::ptrdiff_t(k));
        out.push_back(x);
    }
    fate_candidates(s, out);
    for (std::size_t k = 0; k < s.duplicates.size(); ++k) {
        if (s.duplicates[k].which != 0) {
            assassination_schedule x = s;
            x.duplicates[k].which = 0;
            out.push_back(x);
        }
        for (long long t : towards(s.duplicates[k].arrive.count(), 0)) {
            assassination_schedule x = s;
            x.duplicates[k].arrive = ms{t};
            out.push_back(x);
        }
    }
    return out;
}

inline rc::Gen<assassination_schedule> gen_assassination_schedule(ms msl, int max_duplicates = 4, int max_copies = 4) {
    auto dup = rc::gen::map(rc::gen::pair(rc::gen::inRange(0, 2), gen_time(msl)), [](const std::pair<int, ms>& p) {
        return old_duplicate{p.first, p.second};
    });
    auto values = rc::gen::map(
        rc::gen::tuple(rc::gen::resize(max_duplicates, rc::gen::container<std::vector<old_duplicate>>(dup)),
                       gen_fate_plan(msl, close_kinds(), max_copies), gen_fate_plan(msl, close_kinds(), max_copies)),
        [](const std::tuple<std::vector<old_duplicate>, fate_plan, fate_plan>& t) {
            assassination_schedule s;
            s.duplicates = std::get<0>(t);
            s.fates[0] = std::get<1>(t);
            s.fates[1] = std::get<2>(t);
            for (auto& f : s.fates) f.normalize();
            return s;
        });
    return shrinking_with<assassination_schedule>(values, [](const assassination_schedule& s) { return shrink_candidates(s); });
}

/// Runs time_wait_assassination's scenario in real time: its initial state (A in TIME-WAIT since
/// time 0, B CLOSED), the old duplicates of the schedule, and the network. Checks the model's
/// `time-wait-not-assassinated` and `no-early-reuse-after-assassination` (its clock `now`, in
/// units of MSL: 1 while now <= MSL, 2 after; the model's property compares it with msl = 1),
/// and that A leaves TIME-WAIT only by its timer, a full TIME-WAIT after it was last (re)started.
inline run_result run_assassination_once(const timing& a_timing, const assassination_schedule& s, bool record) {
    namespace models = tcp::models;
    models::time_wait_assassination model;
    model.msl = 1;  // the ghost clock below counts MSLs
    model.time_wait = 2;
    model.rfc1337 = a_timing.rfc1337;
    const auto not_assassinated = predicate(model, "time-wait-not-assassinated");
    const auto no_early_reuse = predicate(model, "no-early-reuse-after-assassination");
    models::time_wait_assassination::state init;
    model.init([&](const models::time_wait_assassination::action&, const models::time_wait_assassination::state& st) {
        init = st;
    });

    sim_options o;
    o.side[0] = a_timing;
    o.side[1] = a_timing;
    o.msl = a_timing.msl;
    o.record_trace = record;
    simulator sim(o, s.fates[0], s.fates[1]);
    sim.ep[0] = init.net.ep[0];
    sim.ep[1] = init.net.ep[1];
    sim.set_timers(0, std::nullopt, a_timing.time_wait);
    const auto dups = models::time_wait_assassination::old_duplicates();
    for (const auto& d : s.duplicates) sim.inject(d.arrive, 0, dups[std::size_t(d.which)]);

    ms tw_started{0};
    run_result out;
    sim.run([&](simulator& m, const step_record& rec) {
        models::time_wait_assassination::state st = init;
        st.net.ep[0] = m.ep[0];
        st.net.ep[1] = m.ep[1];
        st.now = m.now() <= a_timing.msl ? 1 : 2;
        auto fail = [&](const char* prop, std::string why) {
            out.violated = true;
            out.property = prop;
            out.why = std::move(why);
            return false;
        };
        if (!not_assassinated(st))
            return fail("time-wait-not-assassinated", "A's TIME-WAIT was ended by a RST at " + show_time(m.now()));
        if (!no_early_reuse(st))
            return fail("no-early-reuse-after-assassination",
                        "A left TIME-WAIT at " + show_time(m.now()) + ", within MSL of the close");
        if (rec.side == 0 && rec.before.st == tcp::state_id::time_wait) {
            if (m.ep[0].st == tcp::state_id::time_wait && rec.row &&
                std::find(rec.row->actions.begin(), rec.row->actions.begin() + rec.row->action_count,
                          tcp::action_id::arm_time_wait) != rec.row->actions.begin() + rec.row->action_count)
                tw_started = m.now();
            if (m.ep[0].st != tcp::state_id::time_wait && m.now() - tw_started < a_timing.time_wait)
                return fail("time-wait-lasts-its-full-length",
                            "A left TIME-WAIT at " + show_time(m.now()) + ", " + show_time(m.now() - tw_started) +
                                " after it started (TIME-WAIT is " + show_time(a_timing.time_wait) + ")");
        }
        return true;
    });
    out.trace = sim.trace();
    out.events = sim.events();
    out.truncated = sim.truncated();
    out.livelock = sim.livelock();
    out.end = sim.now();
    return out;
}

inline run_result run_assassination(const timing& a_timing, const assassination_schedule& s, bool always_trace = false) {
    run_result r = run_assassination_once(a_timing, s, always_trace);
    return (r.violated || r.livelock || r.truncated) && !always_trace ? run_assassination_once(a_timing, s, true) : r;
}

// ----------------------------------------------------------------------------------------------

/// Runs a property that is expected to FAIL with at least `budget` tests (or RC_PARAMS'
/// max_success if larger); RapidCheck stops at the first failure and shrinks it. Returns the
/// report, as tcpv::testing::run_property does. (The bridge's run_property takes the global
/// configuration only; its detail::run_property_with takes explicit parameters.)
template <class Property>
std::optional<std::string> find_failure(const std::string& description, Property&& property, int budget,
                                        std::uint64_t seed_offset = 0) {
    rc::detail::TestParams params = rc::detail::configuration().testParams;
    params.maxSuccess = std::max(params.maxSuccess, budget);
    params.seed += seed_offset;
    return tcpv::testing::detail::run_property_with(description, std::forward<Property>(property), params,
                                                    rc::detail::configuration().reproduce);
}

/// A failure found by find_short_failure: RapidCheck's report and the shrunk schedule.
template <class Schedule>
struct shrunk_failure {
    std::string report;
    Schedule schedule;
    int searches = 0;  ///< how many searches it took
};

/// Searches for a failure of `make_property(&last)` (a property that stores each failing schedule
/// in `last`; after shrinking, the last one stored is the shrunk one) until the shrunk schedule
/// has at most `short_enough` events, at most `searches` times (seeds seed, seed+1, ... of the
/// RapidCheck configuration). Shrinking is greedy and may stop in a local minimum; an independent
/// search usually does not stop in the same one. Returns the shortest failure found, if any.
template <class Schedule, class MakeProperty>
std::optional<shrunk_failure<Schedule>> find_short_failure(const std::string& description, MakeProperty make_property,
                                                           int budget, std::size_t short_enough, int searches = 3) {
    std::optional<shrunk_failure<Schedule>> best;
    for (int k = 0; k < searches; ++k) {
        std::optional<Schedule> last;
        const auto report = find_failure(description, make_property(&last), budget, std::uint64_t(k));
        if (!report || !last) continue;
        if (!best || last->length() < best->schedule.length()) best = shrunk_failure<Schedule>{*report, *last, k + 1};
        if (best->schedule.length() <= short_enough) break;
    }
    return best;
}

}  // namespace tcpv_property
