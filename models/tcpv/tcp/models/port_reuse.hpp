#pragma once
/// \file tcpv/tcp/models/port_reuse.hpp
/// The `port-reuse` model: a client host opens connections to one server address and port
/// (or to `destinations` of them) and closes them first, so TIME-WAIT entries pile up on its
/// ephemeral ports (TCP-FACTS §4.3, §2.5).
///
/// The range is scaled down to `ports` ports; each closed connection holds its 4-tuple for
/// `time_wait` ticks. connect() draws a port by scanning the range from any start (every start
/// is explored: this covers every algorithm that tries the whole range — RFC 6056 Algorithms
/// 1, 3 and 4, and Linux's) and takes the first port whose 4-tuple is free. With `tw_reuse`
/// (Linux tcp_tw_reuse) a TIME-WAIT 4-tuple counts as free once it has been in TIME-WAIT for
/// `reuse_delay` ticks, if the connections use timestamps (`tcp_twsk_unique`). When no port
/// is free, connect() fails with EADDRNOTAVAIL.
///
/// Two ways to run it:
/// - `rate = 0`: up to `clients` connections are open at once; each may be closed at any time;
///   time passes at any time. Every order of connects, closes and ticks is explored.
/// - `rate = k`: exactly k connections per tick, each closed at once (a short request): the
///   load the capacity formula (capacity.hpp) talks about. `keeps-up` then holds exactly when
///   k * hold <= ports * destinations.
///
/// Properties:
/// - `no-tuple-collision` (always): connect() never returns a port whose 4-tuple is held by a
///   live connection or a TIME-WAIT entry (except a TIME-WAIT entry that tw_reuse may take
///   over). Broken by `check=live-only`, an allocator that forgets TIME-WAIT entries.
/// - `exhaustion-reported` (always): when every port is held, connect() fails with
///   EADDRNOTAVAIL. Broken by `exhausted=reuse`, an allocator that silently hands out a held port.
/// - `keeps-up` (always, `rate > 0` only): no connect() fails.
/// - `ports-exhausted`, `time-wait-piles-up` (sometimes, `rate = 0` only): EADDRNOTAVAIL is
///   reachable, and so is a range full of TIME-WAIT entries (the properties above are not vacuous).

#include <tcpv/model.hpp>
#include <tcpv/property.hpp>

#include <array>
#include <cstdint>
#include <ostream>
#include <vector>

namespace tcpv::tcp::models {

struct port_reuse {
    static constexpr int max_tuples = 12;  ///< ports * destinations

    enum class check_mode : std::uint8_t { tuple, live_only };
    enum class exhausted_mode : std::uint8_t { error, reuse };

    int ports = 3;
    int destinations = 1;
    int time_wait = 3;     ///< ticks a closed 4-tuple stays in TIME-WAIT
    int clients = 2;       ///< rate = 0: connections open at once, at most
    int rate = 0;          ///< 0: free-running; k: k connections per tick
    bool tw_reuse = false;
    int reuse_delay = 1;   ///< ticks in TIME-WAIT before tw_reuse may take an entry over
    bool timestamps = true;
    check_mode check = check_mode::tuple;
    exhausted_mode exhausted = exhausted_mode::error;

    /// One byte per 4-tuple: 0 free, 1 live, 1 + n: TIME-WAIT with n ticks left.
    struct state {
        std::array<std::uint8_t, max_tuples> tuple{};
        std::uint8_t made = 0;              ///< rate > 0: connections made this tick
        std::uint8_t next_destination = 0;  ///< rate > 0: the destinations take turns
        std::uint8_t collision = 0;         ///< ghost: a held 4-tuple was handed out (sticky)
        std::uint8_t silent_reuse = 0;      ///< ghost: every port was held and no error came (sticky)
        std::uint8_t refused = 0;           ///< ghost: a connect() failed with EADDRNOTAVAIL (sticky)
        std::uint8_t piled_up = 0;          ///< ghost: some destination had every port in TIME-WAIT (sticky)
        std::uint8_t reserved[2] = {};
        bool operator==(const state&) const = default;
    };

    struct action {
        enum class kind : std::uint8_t { init, connect, close, tick } what = kind::init;
        std::uint8_t destination = 0, port = 0;  ///< connect: the port drawn (or refused); close: which
        bool refused = false;
        bool operator==(const action&) const = default;
    };

    friend std::ostream& operator<<(std::ostream& os, const state& s) {
        os << "ports";
        for (std::size_t i = 0; i < s.tuple.size(); ++i) {
            const int v = s.tuple[i];
            if (v == 0) continue;
            os << ' ' << i << (v == 1 ? ":live" : ":TW") ;
            if (v > 1) os << v - 1;
        }
        if (s.collision) os << " {collision}";
        if (s.silent_reuse) os << " {silent reuse}";
        if (s.refused) os << " {EADDRNOTAVAIL seen}";
        return os;
    }
    friend std::ostream& operator<<(std::ostream& os, const action& a) {
        switch (a.what) {
            case action::kind::connect:
                if (a.refused) return os << "connect() to destination " << int(a.destination) << ": EADDRNOTAVAIL";
                return os << "connect() to destination " << int(a.destination) << " gets port " << int(a.port);
            case action::kind::close: return os << "close port " << int(a.port) << " (to destination " << int(a.destination) << ")";
            case action::kind::tick: return os << "tick";
            case action::kind::init: return os << "init";
        }
        return os;
    }

    void validate() const {
        auto in = [](const char* n, int v, int lo, int hi) { require_in_range("port-reuse", n, v, lo, hi); };
        in("ports", ports, 1, 6);
        in("destinations", destinations, 1, 2);
        in("time_wait", time_wait, 1, 15);
        in("clients", clients, 1, 4);
        in("rate", rate, 0, 4);
        in("reuse_delay", reuse_delay, 1, 15);
    }

    void init(auto&& emit) const {
        validate();
        emit(action{}, state{});
    }

    [[nodiscard]] int index(int destination, int port) const { return destination * ports + port; }
    [[nodiscard]] bool in_time_wait(std::uint8_t v) const { return v >= 2; }
    /// tw_reuse may take this TIME-WAIT entry over (tcp_twsk_unique: a timestamp was recorded,
    /// and reuse_delay has passed since the entry entered TIME-WAIT).
    [[nodiscard]] bool reusable(std::uint8_t v) const {
        return tw_reuse && timestamps && in_time_wait(v) && time_wait - (v - 1) >= reuse_delay;
    }
    /// Whether this allocator takes the 4-tuple: free, reusable, or (broken) only "not live".
    [[nodiscard]] bool takes(std::uint8_t v) const {
        return v == 0 || reusable(v) || (check == check_mode::live_only && v != 1);
    }
    /// Whether the 4-tuple is really available: what the properties judge by.
    [[nodiscard]] bool available(std::uint8_t v) const { return v == 0 || reusable(v); }

    void next(const state& s, auto&& emit) const {
        const std::uint8_t closed_entry = static_cast<std::uint8_t>(1 + time_wait);
        const bool paced = rate > 0;
        auto connect = [&](int d) {
            int live = 0;
            for (int i = 0; i < destinations * ports; ++i) live += s.tuple[i] == 1;
            if (!paced && live >= clients) return;
            bool all_held = true;
            for (int p = 0; p < ports; ++p) all_held = all_held && !available(s.tuple[index(d, p)]);
            for (int start = 0; start < ports; ++start) {
                state t = s;
                action a{action::kind::connect, std::uint8_t(d), 0, false};
                int got = -1;
                for (int i = 0; i < ports && got < 0; ++i)
                    if (takes(s.tuple[index(d, (start + i) % ports)])) got = (start + i) % ports;
                if (got < 0 && exhausted == exhausted_mode::reuse) got = start;  // the broken allocator
                if (got < 0) {
                    a.refused = true;
                    t.refused = 1;
                } else {
                    a.port = std::uint8_t(got);
                    const std::uint8_t before = s.tuple[index(d, got)];
                    if (!available(before)) t.collision = 1;
                    if (all_held) t.silent_reuse = 1;
                    t.tuple[index(d, got)] = paced ? closed_entry : 1;  // paced: closed at once
                }
                if (paced) {
                    ++t.made;
                    t.next_destination = std::uint8_t((d + 1) % destinations);
                }
                note_pile_up(t);
                emit(a, t);
            }
        };
        if (paced) {
            if (s.made < rate) connect(s.next_destination);
        } else {
            for (int d = 0; d < destinations; ++d) connect(d);
            for (int d = 0; d < destinations; ++d)
                for (int p = 0; p < ports; ++p)
                    if (s.tuple[index(d, p)] == 1) {
                        state t = s;
                        t.tuple[index(d, p)] = closed_entry;
                        note_pile_up(t);
                        emit(action{action::kind::close, std::uint8_t(d), std::uint8_t(p), false}, t);
                    }
        }
        // Time passes: every TIME-WAIT entry ages; paced, only once this tick's connections are made.
        if (!paced || s.made == rate) {
            state t = s;
            bool changed = paced;
            for (auto& v : t.tuple)
                if (in_time_wait(v)) {
                    v = v == 2 ? 0 : std::uint8_t(v - 1);
                    changed = true;
                }
            t.made = 0;
            if (changed) emit(action{action::kind::tick}, t);
        }
    }

    void note_pile_up(state& t) const {
        for (int d = 0; d < destinations; ++d) {
            bool all = true;
            for (int p = 0; p < ports; ++p) all = all && in_time_wait(t.tuple[index(d, p)]);
            if (all) t.piled_up = 1;
        }
    }

    std::vector<property<port_reuse>> properties() const {
        std::vector<property<port_reuse>> ps{
            always("no-tuple-collision", [](const state& s) { return s.collision == 0; }),
            always("exhaustion-reported", [](const state& s) { return s.silent_reuse == 0; }),
        };
        if (rate > 0) {
            ps.push_back(always("keeps-up", [](const state& s) { return s.refused == 0; }));
        } else {
            ps.push_back(sometimes("ports-exhausted", [](const state& s) { return s.refused != 0; }));
            ps.push_back(sometimes("time-wait-piles-up", [](const state& s) { return s.piled_up != 0; }));
        }
        return ps;
    }
};

}  // namespace tcpv::tcp::models
