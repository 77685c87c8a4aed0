// A small TCP transition table that forgets one (state, segment) pair: with TCPV_COMPILE_FAIL
// TIME-WAIT has no row for an unacceptable RST and `complete<T>()` fails with our message;
// the twin (the same table with the row for every state) passes every check.
#include <tcpv/tcp/table.hpp>

namespace tcpv::tcp::compile_fail_case {

using every_state = any_of<closed, listen, syn_sent, syn_received, established, fin_wait_1, fin_wait_2, close_wait,
                           closing, last_ack, time_wait>;
using every_call = any_event<call<open_active>, call<open_passive>, call<send_call>, call<close>, call<shutdown>,
                             call<abort>>;
#ifdef TCPV_COMPILE_FAIL
using drop_unacceptable_rst = any_of<closed, listen, syn_sent, syn_received, established, fin_wait_1, fin_wait_2,
                                     close_wait, closing, last_ack>;  // TIME-WAIT forgotten
#else
using drop_unacceptable_rst = every_state;
#endif

// clang-format off
using small_table = table<
    row< closed               , call<open_active>        , send<syn>, arm<retransmission_timer>, syn_sent , cite<"3.10.1"> >,
    row< syn_sent             , rcv<syn_ack>             , send<ack>                           , established >,
    row< every_state          , every_call               , report<error>                       , same >,
    row< every_state          , any_but_rst              , send<ack>                           , same >,
    row< every_state          , any_event<rcv<rst>, rcv<rst_in_window>>                        , closed >,
    row< drop_unacceptable_rst, rcv<rst_unacceptable>                                          , same >
>;
// clang-format on

static_assert(complete<small_table>(), "tcp_table_incomplete: a state has no row for some segment kind");
// Only completeness is broken: the table still reaches CLOSED and ESTABLISHED and has no dead
// row, and the missing pair is exactly the one left out.
static_assert(every_state_reaches_closed<small_table>());
static_assert(reaches<small_table>(state_id::closed, state_id::established));
static_assert(no_dead_rows<small_table>());
#ifdef TCPV_COMPILE_FAIL
static_assert(first_unhandled<small_table>() ==
              int(state_id::time_wait) * int(event_count) + int(event_id::rcv_rst_unacceptable));
#else
static_assert(first_unhandled<small_table>() == -1);
#endif

}  // namespace tcpv::tcp::compile_fail_case

int main() { return 0; }
