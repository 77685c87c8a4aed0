#pragma once
/// \file lwip_adapter.hpp
/// A conformance adapter for lwIP 2.1.3 (Debian's liblwip-dev), driven single-threaded through
/// its raw API: tcpv gives it user calls, hand-built IPv4/TCP segments (through `ip4_input`)
/// and ticks (through `tcp_tmr`), and reads back the segments lwIP sends (captured by a netif
/// whose output function records them) and the state of its pcb.
///
/// Abstract and real values:
/// - Sequence numbers. The model's are modulo 16. lwIP's own sequence numbers are mapped so
///   that its ISN of each connection becomes the model's ISS of that connection (the k-th
///   connection since reset() has ISS k * iss_step, as the reference chooses them). The peer's
///   real sequence numbers are chosen congruent to the abstract ones modulo 16, so the mapping
///   back is `real & 15`; from abstract to real, the real value nearest to the connection's
///   current RCV.NXT (or SND.NXT) is taken.
/// - Time. One tick is `slow_timer_runs_per_tick` runs of lwIP's slow timer (500 ms each,
///   TCP_SLOW_INTERVAL), i.e. twice as many calls of tcp_tmr() (TCP_TMR_INTERVAL 250 ms). The
///   default, 6 (3 s), is lwIP's initial RTO (tcp.c tcp_alloc: rto = 3000 / TCP_SLOW_INTERVAL),
///   so that a first retransmission is one tick away, as in the reference.
/// - Delayed ACKs. lwIP may delay an ACK of data to the next fast timer (tcp_ack sets
///   TF_ACK_DELAY; tcp_fasttmr sends it within 250 ms). After each arriving segment the adapter
///   runs the fast timer once, so such an ACK is an answer to the segment that caused it (the
///   reference has no delayed ACK; RFC 9293 §3.8.6.3 allows up to 0.5 s). tcp_fasttmr moves no
///   clock (tcp_ticks counts slow timer runs only).
/// - User calls. The application holds at most one handle, as lwIP's raw API gives it: OPEN
///   (active) = tcp_new + tcp_bind + tcp_connect; OPEN (passive) = tcp_new + tcp_bind +
///   tcp_listen + tcp_accept, and on accept the listener is closed (one connection, like the
///   RFC's single TCB); CLOSE = tcp_close; ABORT = tcp_abort (tcp_close for a listener). After
///   tcp_close, or before a connection is accepted, the application has no handle to it
///   (lwIP frees such a pcb by itself: doc/rawapi.txt), so a call then does nothing.
/// - Observation: the state of the pcb of the connection (found by its ports in
///   tcp_active_pcbs or tcp_tw_pcbs), else LISTEN if a listener has the port, else CLOSED.
///
/// lwIP keeps global state, so this adapter cannot be copied (the explorer replays paths) and
/// only one may exist at a time. reset() makes runs deterministic and replayable: it aborts
/// every pcb (active, TIME-WAIT, listening, bound), discards what that sent, and sets lwIP's
/// clock tcp_ticks to 0. lwIP's ISN (tcp.c tcp_next_iss: a static counter plus tcp_ticks)
/// cannot be reset, which is why the mapping above is relative to the ISN lwIP chose.
///
/// The bytes on the wire (IPv4/TCP encoding, checksums, decoding what lwIP sends) are in
/// lwip_packets.hpp; this file maps them to and from the model's segments.

extern "C" {
#include <lwip/init.h>
#include <lwip/ip4.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/priv/tcp_priv.h>
#include <lwip/tcp.h>
}

#include <tcpv/tcp/conformance.hpp>

#include "lwip_packets.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace lwip_conformance {

namespace cf = tcpv::tcp::conformance;

namespace detail {

/// lwIP, initialised once per process, with one netif (10.0.0.1/24) whose output records
/// every IPv4/TCP packet to the peer.
class lwip_host {
public:
    static lwip_host& instance() {
        static lwip_host host;
        return host;
    }
    std::vector<wire_segment> sent;  ///< what lwIP sent since the last clear
    netif& interface() { return netif_; }

private:
    lwip_host() {
        lwip_init();  // no tcpip_init(): single-threaded raw API, timers driven by the adapter
        ip4_addr_t address, mask, gateway;
        IP4_ADDR(&address, local_address[0], local_address[1], local_address[2], local_address[3]);
        IP4_ADDR(&mask, 255, 255, 255, 0);
        IP4_ADDR(&gateway, 10, 0, 0, 254);
        if (!netif_add(&netif_, &address, &mask, &gateway, this, &lwip_host::init_netif, ip4_input))
            throw std::runtime_error("lwIP: netif_add failed");
        netif_set_default(&netif_);
        netif_set_up(&netif_);
        netif_set_link_up(&netif_);
    }
    static err_t init_netif(netif* n) {
        n->output = &lwip_host::capture;
        n->mtu = 1500;
        n->flags = NETIF_FLAG_UP | NETIF_FLAG_LINK_UP;
        return ERR_OK;
    }
    static err_t capture(netif* n, pbuf* p, const ip4_addr_t*) {
        auto* host = static_cast<lwip_host*>(n->state);
        sent_prefix buf{};
        const std::uint16_t got = pbuf_copy_partial(p, buf.data(), std::uint16_t(buf.size()), 0);
        if (const auto s = decode_sent(buf, got, p->tot_len)) host->sent.push_back(*s);
        return ERR_OK;
    }
    netif netif_{};
};

}  // namespace detail

/// The adapter (see the file comment). Not copyable; one at a time.
class lwip_adapter {
public:
    using input = cf::input;
    using output = cf::output;
    using observation = cf::observation;

    /// `slow_timer_runs_per_tick`: lwIP slow-timer runs (500 ms) per model tick; `iss_step`:
    /// how far the reference's ISS moves per connection (endpoint_config::iss_step).
    explicit lwip_adapter(unsigned slow_timer_runs_per_tick = 6, unsigned iss_step = tcpv::tcp::endpoint_config{}.iss_step)
        : runs_per_tick_(slow_timer_runs_per_tick), iss_step_(iss_step) {
        if (runs_per_tick_ == 0) throw std::invalid_argument("lwip_adapter: slow_timer_runs_per_tick must be at least 1");
        if (alive()) throw std::logic_error("lwip_adapter: lwIP has global state; only one adapter may exist at a time");
        alive() = true;
        (void)detail::lwip_host::instance();
        reset();
    }
    lwip_adapter(const lwip_adapter&) = delete;
    lwip_adapter& operator=(const lwip_adapter&) = delete;
    ~lwip_adapter() {
        clear_lwip();
        alive() = false;
    }

    /// A fresh lwIP: no pcb at all, clock at 0.
    void reset() {
        clear_lwip();
        connections_ = 0;
        our_offset_ = 0;
        our_anchor_ = 0x10000u;
        have_connection_ = false;
    }

    output apply(const input& in) {
        auto& host = detail::lwip_host::instance();
        host.sent.clear();
        switch (in.what) {
            case input::kind::call: call(in.call); break;
            case input::kind::arrival:
                deliver(in.seg);
                tcp_fasttmr();  // a delayed ACK belongs to this segment (see the file comment)
                break;
            case input::kind::tick:
                for (unsigned i = 0; i < 2 * runs_per_tick_; ++i) tcp_tmr();
                break;
        }
        if (accepted_) {  // closed here, not inside lwIP's accept callback
            accepted_ = false;
            if (listener_) tcp_close(listener_);
            listener_ = nullptr;
        }
        return abstract_output(host.sent);
    }

    [[nodiscard]] observation observe() const {
        if (const tcp_pcb* p = connection()) return {state_of(p->state)};
        for (const tcp_pcb_listen* l = tcp_listen_pcbs.listen_pcbs; l; l = l->next)
            if (l->local_port == detail::local_port) return {tcpv::tcp::state_id::listen};
        return {tcpv::tcp::state_id::closed};
    }

    /// What lwIP keeps of the connection that can change what it does later: its state, timers
    /// (retransmission, RTT estimate, the age of pcb->tmr that TIME-WAIT, FIN-WAIT-2 and
    /// SYN-RECEIVED limits are measured from), sequence variables (abstracted) and the handles
    /// the application holds. With it the explorer follows runs whose insides have drifted
    /// apart while the reference sees one state.
    [[nodiscard]] std::string key() const {
        std::string k;
        auto add = [&k](long v) { k += std::to_string(v) + ','; };
        add(user_ != nullptr);
        add(listener_ != nullptr);
        if (const tcp_pcb* p = connection()) {
            add(p->state);
            add(p->rtime);
            add(p->rto);
            add(p->nrtx);
            add(p->sa);
            add(p->sv);
            add(p->rttest != 0);
            add(long(std::min<std::uint32_t>(tcp_ticks - p->tmr, 1000)));
            add(long((p->snd_nxt - our_offset_) & 15u));
            add(long((p->lastack - our_offset_) & 15u));
            add(long(p->rcv_nxt & 15u));
            add(long(p->flags));
        }
        add(long(std::min<std::uint32_t>(tcp_ticks, 1000)));  // ISN and RTT samples depend on it
        return k;
    }

    /// The real segments lwIP sent in answer to the last input (for diagnostics).
    [[nodiscard]] const std::vector<wire_segment>& last_sent() const { return detail::lwip_host::instance().sent; }

private:
    static bool& alive() {
        static bool a = false;
        return a;
    }

    // Aborts every pcb; what that sends is discarded.
    void clear_lwip() {
        user_ = nullptr;
        listener_ = nullptr;
        accepted_ = false;
        while (tcp_active_pcbs) tcp_abort(tcp_active_pcbs);
        while (tcp_tw_pcbs) tcp_abort(tcp_tw_pcbs);
        while (tcp_bound_pcbs) tcp_abort(tcp_bound_pcbs);
        while (tcp_listen_pcbs.pcbs) tcp_close(tcp_listen_pcbs.pcbs);
        tcp_ticks = 0;
        detail::lwip_host::instance().sent.clear();
    }

    static tcpv::tcp::state_id state_of(tcp_state s) {
        using tcpv::tcp::state_id;
        switch (s) {
            case CLOSED: return state_id::closed;
            case LISTEN: return state_id::listen;
            case SYN_SENT: return state_id::syn_sent;
            case SYN_RCVD: return state_id::syn_received;
            case ESTABLISHED: return state_id::established;
            case FIN_WAIT_1: return state_id::fin_wait_1;
            case FIN_WAIT_2: return state_id::fin_wait_2;
            case CLOSE_WAIT: return state_id::close_wait;
            case CLOSING: return state_id::closing;
            case LAST_ACK: return state_id::last_ack;
            case TIME_WAIT: return state_id::time_wait;
        }
        throw std::runtime_error("lwIP: a pcb in an unknown state " + std::to_string(int(s)));
    }

    // The pcb of the connection under test (by its ports), or nullptr.
    static tcp_pcb* connection() {
        for (tcp_pcb* list : {tcp_active_pcbs, tcp_tw_pcbs})
            for (tcp_pcb* p = list; p; p = p->next)
                if (p->local_port == detail::local_port && p->remote_port == detail::peer_port) return p;
        return nullptr;
    }

    // ---- user calls --------------------------------------------------------------------------
    void call(tcpv::tcp::event_id c) {
        using tcpv::tcp::event_id;
        switch (c) {
            case event_id::open_active:
            case event_id::open_passive: {
                if (user_ || listener_) return;  // the application holds a connection already
                tcp_pcb* p = tcp_new();
                if (!p) throw std::runtime_error("lwIP: tcp_new failed");
                if (tcp_bind(p, IP4_ADDR_ANY, detail::local_port) != ERR_OK) {
                    tcp_abort(p);  // the port is taken (a pcb of the last connection lives on)
                    return;
                }
                tcp_arg(p, this);
                if (c == event_id::open_active) {
                    tcp_err(p, &lwip_adapter::on_error);
                    tcp_recv(p, &lwip_adapter::on_receive);
                    ip_addr_t peer;
                    IP_ADDR4(&peer, detail::peer_address[0], detail::peer_address[1], detail::peer_address[2],
                             detail::peer_address[3]);
                    if (tcp_connect(p, &peer, detail::peer_port, &lwip_adapter::on_connected) != ERR_OK) {
                        tcp_abort(p);
                        return;
                    }
                    user_ = p;
                } else {
                    tcp_pcb* l = tcp_listen_with_backlog(p, 1);
                    if (!l) {
                        tcp_abort(p);
                        return;
                    }
                    tcp_accept(l, &lwip_adapter::on_accept);
                    listener_ = l;
                }
                return;
            }
            case event_id::close:
                if (user_) {
                    tcp_pcb* p = user_;
                    user_ = nullptr;  // lwIP owns it from now on (doc/rawapi.txt, tcp_close)
                    if (tcp_close(p) != ERR_OK) throw std::runtime_error("lwIP: tcp_close failed");
                } else if (listener_) {
                    tcp_close(listener_);
                    listener_ = nullptr;
                }
                return;
            case event_id::abort:
                if (user_) {
                    tcp_pcb* p = user_;
                    user_ = nullptr;
                    tcp_abort(p);
                } else if (listener_) {
                    tcp_close(listener_);  // tcp_abort does not take a listener (tcp.c tcp_abandon)
                    listener_ = nullptr;
                }
                return;
            default: throw std::invalid_argument("lwip_adapter: no lwIP call for " + std::string(tcpv::tcp::event_name(c)));
        }
    }

    static err_t on_connected(void*, tcp_pcb*, err_t) { return ERR_OK; }
    static err_t on_receive(void*, tcp_pcb* p, pbuf* data, err_t) {
        if (data) {  // data is taken and read at once (the models have no receive buffer)
            tcp_recved(p, data->tot_len);
            pbuf_free(data);
        }
        return ERR_OK;  // data == nullptr: the peer's FIN; the connection stays (no tcp_close)
    }
    static void on_error(void* arg, err_t) { static_cast<lwip_adapter*>(arg)->user_ = nullptr; }  // pcb freed
    static err_t on_accept(void* arg, tcp_pcb* p, err_t e) {
        auto* self = static_cast<lwip_adapter*>(arg);
        if (e != ERR_OK || !p) return ERR_VAL;
        self->user_ = p;
        self->accepted_ = true;
        tcp_arg(p, self);
        tcp_err(p, &lwip_adapter::on_error);
        tcp_recv(p, &lwip_adapter::on_receive);
        return ERR_OK;
    }

    // ---- segments ----------------------------------------------------------------------------
    // The real value congruent to `abstract` (modulo 16, after `offset`) nearest to `anchor`.
    static std::uint32_t nearest(std::uint32_t anchor, std::uint32_t offset, tcpv::tcp::seq_t abstract) {
        const int diff = int((abstract + 32u - ((anchor - offset) & 15u)) & 15u);
        return anchor + std::uint32_t(diff < 8 ? diff : diff - 16);
    }
    // The peer's real sequence number for an abstract one.
    static std::uint32_t peer_real(tcpv::tcp::seq_t abstract) {
        const tcp_pcb* p = connection();
        const bool synchronized = p && p->state != SYN_SENT;
        return nearest(synchronized ? p->rcv_nxt : detail::peer_base + 8, 0, abstract);
    }
    // lwIP's real sequence number (as the peer acknowledges it) for an abstract one.
    std::uint32_t our_real(tcpv::tcp::seq_t abstract) const {
        const tcp_pcb* p = connection();
        return nearest(p && have_connection_ ? p->snd_nxt : our_anchor_, our_offset_, abstract);
    }

    void deliver(const tcpv::tcp::segment& s) {
        using tcpv::tcp::flag;
        detail::peer_packet b{};
        const std::uint8_t flags = std::uint8_t((s.has(flag::SYN) ? TCP_SYN : 0) | (s.has(flag::ACK) ? TCP_ACK : 0) |
                                                (s.has(flag::FIN) ? TCP_FIN : 0) | (s.has(flag::RST) ? TCP_RST : 0));
        const std::size_t length = detail::encode_from_peer(b, peer_real(s.seq), our_real(s.ack), flags, s.len != 0);
        pbuf* p = pbuf_alloc(PBUF_RAW, std::uint16_t(length), PBUF_RAM);
        if (!p) throw std::runtime_error("lwIP: pbuf_alloc failed");
        if (pbuf_take(p, b.data(), std::uint16_t(length)) != ERR_OK) throw std::runtime_error("lwIP: pbuf_take failed");
        ip4_input(p, &detail::lwip_host::instance().interface());  // takes p
    }

    // What lwIP sent, abstracted; notes the ISN of a new connection first.
    output abstract_output(const std::vector<wire_segment>& sent) {
        const tcp_pcb* p = connection();
        for (const wire_segment& w : sent) {
            const bool syn = (w.flags & TCP_SYN) != 0;
            if (syn && !have_connection_) {  // the first SYN or SYN+ACK of a new connection
                ++connections_;
                our_offset_ = w.seq - std::uint32_t(connections_ * iss_step_);
                have_connection_ = true;
            }
        }
        if (sent.size() > 2)
            throw std::runtime_error("lwIP sent " + std::to_string(sent.size()) + " segments in answer to one input");
        output o;
        for (const wire_segment& w : sent) {
            tcpv::tcp::segment s;
            s.flags = std::uint8_t(((w.flags & TCP_SYN) ? tcpv::tcp::SYN : 0) | ((w.flags & TCP_ACK) ? tcpv::tcp::ACK : 0) |
                                   ((w.flags & TCP_FIN) ? tcpv::tcp::FIN : 0) | ((w.flags & TCP_RST) ? tcpv::tcp::RST : 0));
            s.seq = tcpv::tcp::seq_t((w.seq - our_offset_) & 15u);
            s.ack = (w.flags & TCP_ACK) ? tcpv::tcp::seq_t(w.ack & 15u) : 0;
            s.len = w.payload ? 1 : 0;
            o.sent[o.count++] = s;
        }
        if (p && have_connection_) our_anchor_ = p->snd_nxt;
        if (!p) have_connection_ = false;  // the next SYN or SYN+ACK starts a new connection
        return o;
    }

    unsigned runs_per_tick_;
    unsigned iss_step_;
    tcp_pcb* user_ = nullptr;      // the connection the application holds
    tcp_pcb* listener_ = nullptr;  // the listener the application holds
    bool accepted_ = false;        // a connection was accepted during this input
    unsigned connections_ = 0;     // connections since reset (for the ISS mapping)
    std::uint32_t our_offset_ = 0;  // real = abstract + offset (mod 16) for lwIP's numbers
    std::uint32_t our_anchor_ = 0;  // a recent real SND.NXT, for the nearest mapping
    bool have_connection_ = false;
};

}  // namespace lwip_conformance
