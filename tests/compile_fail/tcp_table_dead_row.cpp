// A small TCP transition table with a row that can never apply: with TCPV_COMPILE_FAIL the
// RFC 1337 row (TIME-WAIT ignores RST when the knob is on) comes after the unconditional
// "RST -> CLOSED" row for every state, which shadows it entirely, so `no_dead_rows<T>()` fails
// with our message; the twin lists the guarded row first, as rfc9293.hpp does.
#include <tcpv/tcp/table.hpp>

namespace tcpv::tcp::compile_fail_case {

using every_state = any_of<closed, listen, syn_sent, syn_received, established, fin_wait_1, fin_wait_2, close_wait,
                           closing, last_ack, time_wait>;
using every_call = any_event<call<open_active>, call<open_passive>, call<send_call>, call<close>, call<shutdown>,
                             call<abort>>;
using rfc1337_row = row< time_wait, rcv<rst>, when<rfc1337_g>, cite<"RFC 1337">, same >;

// clang-format off
using small_table = table<
    row< closed      , call<open_active>        , send<syn>, arm<retransmission_timer>, syn_sent >,
    row< syn_sent    , rcv<syn_ack>             , send<ack>                           , established >,
    row< every_state , every_call               , report<error>                       , same >,
    row< every_state , any_but_rst              , send<ack>                           , same >,
    row< every_state , any_event<rcv<rst_unacceptable>, rcv<rst_in_window>>          , same >,
#ifndef TCPV_COMPILE_FAIL
    rfc1337_row,
#endif
    row< every_state , rcv<rst>                                                       , closed >
#ifdef TCPV_COMPILE_FAIL
  , rfc1337_row
#endif
>;
// clang-format on

static_assert(no_dead_rows<small_table>(), "tcp_table_dead_row: a row is shadowed by an earlier unconditional row");
// Only the dead row is wrong: the table is complete and every state reaches CLOSED.
static_assert(complete<small_table>());
static_assert(every_state_reaches_closed<small_table>());
static_assert(reaches<small_table>(state_id::closed, state_id::established));

}  // namespace tcpv::tcp::compile_fail_case

int main() { return 0; }
