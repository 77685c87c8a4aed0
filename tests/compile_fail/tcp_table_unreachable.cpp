// A small TCP transition table in which TIME-WAIT cannot reach CLOSED: with TCPV_COMPILE_FAIL
// TIME-WAIT ignores RST (RFC 1337 written as an unconditional row) and has no 2*MSL timeout
// row, so `every_state_reaches_closed<T>()` fails with our message; the twin has the timeout.
#include <tcpv/tcp/table.hpp>

namespace tcpv::tcp::compile_fail_case {

using every_state = any_of<closed, listen, syn_sent, syn_received, established, fin_wait_1, fin_wait_2, close_wait,
                           closing, last_ack, time_wait>;
using all_but_time_wait = any_of<closed, listen, syn_sent, syn_received, established, fin_wait_1, fin_wait_2,
                                 close_wait, closing, last_ack>;
using every_call = any_event<call<open_active>, call<open_passive>, call<send_call>, call<close>, call<shutdown>,
                             call<abort>>;

// clang-format off
using small_table = table<
    row< closed           , call<open_active>                         , send<syn>, arm<retransmission_timer>, syn_sent >,
    row< syn_sent         , rcv<syn_ack>                              , send<ack>                           , established >,
    row< established      , rcv<fin>                                  , take<fin>, send<ack>, arm<time_wait_timer>, time_wait >,
    row< every_state      , every_call                                , report<error>                       , same >,
    row< every_state      , any_but_rst                               , send<ack>                           , same >,
    row< all_but_time_wait, any_event<rcv<rst>, rcv<rst_unacceptable>, rcv<rst_in_window>>                                      , closed >,
    row< time_wait        , any_event<rcv<rst>, rcv<rst_unacceptable>, rcv<rst_in_window>>, cite<"RFC 1337">                    , same >
#ifndef TCPV_COMPILE_FAIL
  , row< time_wait        , expire<time_wait_timer>                                                         , closed >
#endif
>;
// clang-format on

static_assert(every_state_reaches_closed<small_table>(), "tcp_table_unreachable: a state cannot reach CLOSED");
// Only reachability of CLOSED is broken; and it is TIME-WAIT that is stuck.
static_assert(complete<small_table>());
static_assert(no_dead_rows<small_table>());
static_assert(reaches<small_table>(state_id::closed, state_id::time_wait));
static_assert(reaches<small_table>(state_id::established, state_id::closed));
#ifdef TCPV_COMPILE_FAIL
static_assert(!reaches<small_table>(state_id::time_wait, state_id::closed));
#endif

}  // namespace tcpv::tcp::compile_fail_case

int main() { return 0; }
