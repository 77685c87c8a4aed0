// What tcpv's Linux profile predicts for the connection-release scenarios that
// test_linux_profile.cpp runs against the real kernel.
//
// Two reference endpoints (models/tcpv/tcp/endpoint.hpp, driven by the RFC 9293 table) are
// configured from the Linux profile exactly as the verification models configure them:
// `scale(profiles::linux_6).config(profiles::linux_6)` (tick timing, rfc1337 off, rst_on_unread
// on, FIN-WAIT-2 limit = TIME-WAIT). The network between them is perfect: nothing is lost or
// duplicated, and the only reordering is the one a scenario asks for explicitly ("a FIN held
// behind data": on loopback the kernel keeps such a FIN in its send queue while later pure ACKs
// leave at once, so in the model the held FIN stays in the channel and the ACKs overtake it).
// No time passes during a scenario (loopback round trips are far below one tick); afterwards
// time runs until both endpoints are CLOSED, which measures TIME-WAIT in ticks.
//
// A is the endpoint that closes first (the kernel scenarios' client), B its peer (the server).
// Every function returns an `outcome`: the states after each step, each side's trail of
// states, its ending, the RSTs it sent, and which guarded CLOSE row aborted (if any).
#pragma once

#include <tcpv/tcp/endpoint.hpp>
#include <tcpv/tcp/profile.hpp>
#include <tcpv/tcp/rfc9293.hpp>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tcpv::linux_probe::predict {

namespace tcp = tcpv::tcp;
using tcp::ending;
using tcp::event_id;
using tcp::state_id;

// Which CLOSE row sent the abortive RST: the SO_LINGER {on, 0} row (Linux: tcp_disconnect,
// counted as TCPAbortOnData) or the unread-data row (Linux: __tcp_close, TCPAbortOnClose).
enum class abort_path { none, linger_zero, unread_data };

inline const char* to_string(abort_path p) {
    switch (p) {
        case abort_path::none: return "none";
        case abort_path::linger_zero: return "SO_LINGER {1,0} (TCPAbortOnData)";
        case abort_path::unread_data: return "unread data (TCPAbortOnClose)";
    }
    return "?";
}

// The states of both endpoints once a step (a user call and the deliveries it leads to) is over.
struct step_outcome {
    std::string what;
    state_id a = state_id::closed, b = state_id::closed;
    std::uint8_t a_wait_timer = 0, b_wait_timer = 0;  // TIME-WAIT / FIN-WAIT-2 timer, ticks left
};

struct side_outcome {
    std::vector<state_id> trail;  // every state it went through, from ESTABLISHED, no repeats
    state_id final_state = state_id::closed;  // when the last step is over (before time runs)
    ending how = ending::open;                // once time has run out every timer
    int rsts_sent = 0;
    int time_wait_ticks = 0;  // ticks spent in TIME-WAIT once time runs (0: never there)

    bool ever(state_id s) const { return std::find(trail.begin(), trail.end(), s) != trail.end(); }
};

struct outcome {
    std::vector<step_outcome> steps;
    side_outcome a, b;
    abort_path abort = abort_path::none;
    tcp::endpoint_config config_a, config_b;
    tcp::duration tick{};           // real time per tick of the scaled profile
    std::vector<std::string> log;  // every event, for failure messages

    const step_outcome& after(std::size_t i) const { return steps.at(i); }
    std::string trace() const {
        std::string out;
        for (const std::string& l : log) out += "  " + l + "\n";
        return out;
    }
};

// The Linux profile as the models use it: ticks and knobs.
inline tcp::tick_timing linux_timing() { return tcp::scale(tcp::profiles::linux_6); }
inline tcp::endpoint_config linux_config() { return linux_timing().config(tcp::profiles::linux_6); }

// Two endpoints and a perfect network; every method logs what happened.
class linux_pair {
public:
    explicit linux_pair(tcp::endpoint_config a = linux_config(), tcp::endpoint_config b = linux_config()) {
        cfg_[0] = a;
        cfg_[1] = b;
        out_.config_a = a;
        out_.config_b = b;
        out_.tick = linux_timing().tick;
    }

    // The three-way handshake through the table: B listens, A connects; both ESTABLISHED.
    void open() {
        call(1, event_id::open_passive);
        call(0, event_id::open_active);
        deliver_all();
        if (ep_[0].st != state_id::established || ep_[1].st != state_id::established)
            throw std::logic_error("handshake did not establish: " + tcp::to_string(ep_[0]) + " | " +
                                   tcp::to_string(ep_[1]) + "\n" + out_.trace());
        trail_[0] = {state_id::established};
        trail_[1] = {state_id::established};
        out_.log.push_back("--- ESTABLISHED ---");
    }

    // A user call by endpoint i; `hold_fin`: a FIN it sends stays in the network (held behind
    // data) until release(i).
    void call(int i, event_id e, bool hold_fin = false) {
        const tcp::step_result r = tcp::user_call(ep_[i], e, cfg_[i]);
        if (!r.row || r.error)
            throw std::logic_error(std::string(name(i)) + ": " + std::string(tcp::event_name(e)) +
                                   " refused in " + std::string(tcp::rfc_name(ep_[i].st)));
        if (r.row->guard == tcp::guard_id::linger_abort && !r.row->negate) out_.abort = abort_path::linger_zero;
        if (r.row->guard == tcp::guard_id::unread_data && !r.row->negate) out_.abort = abort_path::unread_data;
        note(i, std::string(tcp::event_name(e)), r, hold_fin);
    }

    // Endpoint i sends one byte. The table's SEND carries no payload (rfc9293.hpp), so the data
    // segment is made here as the endpoint would: <SEQ=SND.NXT><ACK=RCV.NXT>, SND.NXT advances.
    void send_byte(int i) {
        tcp::tcb& t = ep_[i];
        tcp::segment s;
        s.flags = tcp::ACK;
        s.seq = t.snd_nxt;
        s.ack = t.rcv_nxt;
        s.len = 1;
        s.tsval = t.ts_clock;
        s.incarnation = t.incarnation;
        t.snd_nxt = tcp::seq_add(t.snd_nxt, 1);
        wire_[i].push_back({s, false});
        out_.log.push_back(std::string(name(i)) + ": sends one byte " + tcp::to_string(s));
    }

    // Delivers the first segment of direction i (i -> 1-i) that matches `flags_all` (all of
    // these flags set; 0: any) and is not held. False when there is none.
    bool deliver(int i, std::uint8_t flags_all = 0) {
        for (std::size_t k = 0; k < wire_[i].size(); ++k) {
            const in_flight f = wire_[i][k];
            if (f.held || (f.seg.flags & flags_all) != flags_all) continue;
            wire_[i].erase(wire_[i].begin() + static_cast<std::ptrdiff_t>(k));
            const int j = 1 - i;
            const tcp::step_result r = tcp::receive(ep_[j], f.seg, cfg_[j]);
            note(j, "receives " + tcp::to_string(f.seg) + " (" + std::string(tcp::event_name(r.event)) + ")", r,
                 false);
            return true;
        }
        return false;
    }

    // Delivers everything not held, in order, A's direction first, until nothing is left.
    void deliver_all() {
        for (int guard = 0; guard < 64; ++guard)
            if (!deliver(0) && !deliver(1)) return;
        throw std::logic_error("deliver_all: no quiescence\n" + out_.trace());
    }

    void release(int i) {
        for (in_flight& f : wire_[i]) f.held = false;
        out_.log.push_back(std::string(name(i)) + ": held segments may go");
    }

    // Ends a step: records both states.
    void step(std::string what) {
        out_.log.push_back("=> after \"" + what + "\": " + tcp::to_string(ep_[0]) + " | " + tcp::to_string(ep_[1]));
        out_.steps.push_back({std::move(what), ep_[0].st, ep_[1].st, ep_[0].wait_timer, ep_[1].wait_timer});
    }

    // Runs time until both endpoints are CLOSED (bounded), then returns the outcome.
    outcome finish() {
        out_.a.final_state = ep_[0].st;
        out_.b.final_state = ep_[1].st;
        for (int t = 0; t < 256 && (ep_[0].st != state_id::closed || ep_[1].st != state_id::closed); ++t) {
            for (int i = 0; i < 2; ++i) {
                if (ep_[i].st == state_id::time_wait) ++side(i).time_wait_ticks;
                const tcp::step_result r = tcp::tick(ep_[i], cfg_[i]);
                if (r.row) note(i, "tick: " + std::string(tcp::event_name(r.event)), r, false);
            }
            deliver_all();
        }
        for (int i = 0; i < 2; ++i) {
            side(i).trail = trail_[i];
            side(i).how = ep_[i].how;
        }
        return out_;
    }

    const tcp::tcb& endpoint(int i) const { return ep_[i]; }
    tcp::tcb& endpoint(int i) { return ep_[i]; }

private:
    struct in_flight {
        tcp::segment seg;
        bool held = false;
    };

    static const char* name(int i) { return i == 0 ? "A" : "B"; }
    side_outcome& side(int i) { return i == 0 ? out_.a : out_.b; }

    void note(int i, const std::string& what, const tcp::step_result& r, bool hold_fin) {
        std::string line = std::string(name(i)) + ": " + what;
        for (std::uint8_t k = 0; k < r.sent_count; ++k) {
            const tcp::segment& s = r.sent[k];
            if (s.has(tcp::RST)) ++side(i).rsts_sent;
            const bool held = hold_fin && s.has(tcp::FIN);
            wire_[i].push_back({s, held});
            line += " -> sends " + tcp::to_string(s) + (held ? " (held behind data)" : "");
        }
        line += "; now " + tcp::to_string(ep_[i]);
        if (r.row) line += "  [" + std::string(r.row->cite) + "]";
        out_.log.push_back(line);
        if (trail_[i].empty() || trail_[i].back() != ep_[i].st) trail_[i].push_back(ep_[i].st);
    }

    tcp::endpoint_config cfg_[2];
    tcp::tcb ep_[2];
    std::vector<in_flight> wire_[2];
    std::vector<state_id> trail_[2];
    outcome out_;
};

// (a) Active close: A closes, the FIN and its ACK are delivered; then B closes.
//     A: FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT; B: CLOSE-WAIT -> LAST-ACK -> CLOSED.
inline outcome active_close() {
    linux_pair p;
    p.open();
    p.call(0, event_id::close);
    p.deliver_all();
    p.step("A: CLOSE");
    p.call(1, event_id::close);
    p.deliver_all();
    p.step("B: CLOSE");
    return p.finish();
}

// (b) SO_LINGER {1, 0} on A, then CLOSE: A sends RST and is CLOSED at once; B is reset.
inline outcome linger_zero_close() {
    tcp::endpoint_config a = linux_config();
    a.linger_abort = true;
    linux_pair p(a);
    p.open();
    p.call(0, event_id::close);
    p.deliver_all();
    p.step("A: CLOSE with SO_LINGER {1,0}");
    return p.finish();
}

// (c) A has taken data its user has not read (tcb.unread_data, through the table's take<data>),
//     then CLOSE: with the profile's rst_on_unread, RST, no TIME-WAIT, B reset.
//     `linger_zero` also sets SO_LINGER {1,0} on A: both abort rows apply.
inline outcome unread_data_close(bool linger_zero = false) {
    tcp::endpoint_config a = linux_config();
    a.linger_abort = linger_zero;
    linux_pair p(a);
    p.open();
    p.send_byte(1);
    p.deliver_all();
    if (!p.endpoint(0).unread_data) throw std::logic_error("A did not take the byte");
    p.step("B: sends one byte; A does not read it");
    p.call(0, event_id::close);
    p.deliver_all();
    p.step(linger_zero ? "A: CLOSE with unread data and SO_LINGER {1,0}" : "A: CLOSE with unread data");
    return p.finish();
}

// (d) Simultaneous close: both CLOSE before either FIN arrives.
enum class crossing {
    // Both FINs are in flight at once and both arrive before either ACK: both CLOSING, then both
    // TIME-WAIT (RFC 9293 Fig. 13). Loopback cannot hold both FINs on the wire while ACKs wait.
    fins_cross,
    // A's FIN is held behind data; B closes and its FIN arrives; A's ACK overtakes A's FIN.
    // (The kernel case "FINs cross, forced by a closed window".)
    a_fin_held,
    // Both FINs are held behind data (both FIN-WAIT-1); B reads first, so A's FIN arrives, and
    // B's ACK overtakes B's still-held FIN; then A reads and B's FIN arrives.
    both_fins_held,
};

inline outcome simultaneous_close(crossing how) {
    linux_pair p;
    p.open();
    switch (how) {
        case crossing::fins_cross:
            p.call(0, event_id::close);
            p.step("A: CLOSE (FIN in flight)");
            p.call(1, event_id::close);
            p.step("B: CLOSE before A's FIN arrives");
            p.deliver(0, tcp::FIN);
            p.deliver(1, tcp::FIN);
            p.step("both FINs arrive");
            p.deliver_all();
            p.step("both ACKs arrive");
            break;
        case crossing::a_fin_held:
            p.call(0, event_id::shutdown, /*hold_fin=*/true);
            p.deliver_all();
            p.step("A: SHUTDOWN, its FIN held behind data");
            p.call(1, event_id::shutdown);
            p.deliver_all();
            p.step("B: SHUTDOWN");
            p.release(0);
            p.deliver_all();
            p.step("B reads: A's FIN arrives");
            break;
        case crossing::both_fins_held:
            p.call(0, event_id::shutdown, /*hold_fin=*/true);
            p.deliver_all();
            p.step("A: SHUTDOWN, its FIN held behind data");
            p.call(1, event_id::shutdown, /*hold_fin=*/true);
            p.deliver_all();
            p.step("B: SHUTDOWN, its FIN held behind data");
            p.release(0);
            p.deliver_all();
            p.step("B reads: A's FIN arrives");
            p.release(1);
            p.deliver_all();
            p.step("A reads: B's FIN arrives");
            break;
    }
    return p.finish();
}

// (e) The passive closer: A shuts down (keeps reading); B closes with its FIN held behind data
//     that A has not read yet, so LAST-ACK lasts; A reads, B's FIN arrives.
//     B: CLOSE-WAIT -> LAST-ACK -> CLOSED, never TIME-WAIT; A ends in TIME-WAIT.
inline outcome passive_close() {
    linux_pair p;
    p.open();
    p.call(0, event_id::shutdown);
    p.deliver_all();
    p.step("A: SHUTDOWN");
    p.call(1, event_id::close, /*hold_fin=*/true);
    p.deliver_all();
    p.step("B: CLOSE, its FIN held behind data");
    p.release(1);
    p.deliver_all();
    p.step("A reads: B's FIN arrives");
    return p.finish();
}

// FIN-WAIT-2 timer after SHUTDOWN (A keeps its descriptor), then after CLOSE in FIN-WAIT-2.
inline outcome shutdown_then_close_in_fin_wait_2() {
    linux_pair p;
    p.open();
    p.call(0, event_id::shutdown);
    p.deliver_all();
    p.step("A: SHUTDOWN");
    // CLOSE in FIN-WAIT-2: the table answers "connection closing" (an error, nothing changes).
    const tcp::step_result r = tcp::user_call(p.endpoint(0), event_id::close, linux_config());
    p.step(r.error ? "A: CLOSE (refused: connection closing)" : "A: CLOSE");
    return p.finish();
}

}  // namespace tcpv::linux_probe::predict
