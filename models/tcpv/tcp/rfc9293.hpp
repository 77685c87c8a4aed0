#pragma once
/// \file tcpv/tcp/rfc9293.hpp
/// THE TABLE: the TCP state machine of RFC 9293, written once, one row per line.
///
/// Sources are cited per row (section numbers of RFC 9293 unless named otherwise; the facts and
/// their sources are collected in shared/TCP-FACTS.md §1). Rows that depend on a profile knob
/// carry a guard (`when<rfc1337_g>`) and cite the behaviour they copy. The endpoint
/// (endpoint.hpp) reads this table; `tcpv step --table` prints it; the diagrams draw it.
///
/// Decisions where the RFC leaves room (recorded in docs/models.md):
/// - No out-of-order queue: a FIN or data segment that does not start at RCV.NXT is treated as
///   not acceptable (answered with an ACK and dropped). With no payload in the models, only
///   stale segments of earlier incarnations arrive out of order. A RST is checked against the
///   window whatever else it carries (RST+FIN in the window draws the challenge ACK, §3.10.7.4
///   second check): lwIP does so, and the random conformance suite found the difference.
/// - A retransmitted FIN (SEG.SEQ = RCV.NXT - 1 after the peer's FIN was taken) is classified as
///   a FIN, not as unacceptable: §3.10.7.4 step 8 requires TIME-WAIT to acknowledge it and
///   restart 2*MSL, which the step-1 sequence check would forbid; Linux accepts it likewise
///   (tcp_sequence admits end_seq == rcv_wup) and processes its ACK.
/// - SEND carries no payload: it is accepted or refused, and data segments appear only as
///   injected (stale) segments.

#include "table.hpp"

namespace tcpv::tcp {

// clang-format off
using rfc9293_table = table<
//  from                      event                          elements (guard, actions)                                         to
// --- user calls: OPEN (§3.10.1) ---------------------------------------------------------------------------------------------------------
row< closed                 , call<open_active>            , remember_active, choose_iss, send<syn>, arm<retransmission_timer>, syn_sent   , cite<"3.10.1; ISS from the ISN clock, 3.4.1"> >,
row< closed                 , call<open_passive>           , remember_passive                                                 , listen       , cite<"3.10.1">   >,
row< listen                 , call<open_active>            , remember_active, choose_iss, send<syn>, arm<retransmission_timer>, syn_sent   , cite<"3.10.1">   >,
row< any_of<listen, syn_sent, syn_received, established, fin_wait_1, fin_wait_2, close_wait, closing, last_ack, time_wait>,
                              any_event<call<open_passive>, call<open_active>>, report<error>                                 , same         , cite<"3.10.1 connection already exists"> >,
// --- SEND (§3.10.2) ---------------------------------------------------------------------------------------------------------------------
row< closed                 , call<send_call>              , report<error>                                                    , same         , cite<"3.10.2 connection does not exist"> >,
row< listen                 , call<send_call>              , remember_active, choose_iss, send<syn>, arm<retransmission_timer>, syn_sent   , cite<"3.10.2">   >,
row< any_of<syn_sent, syn_received, established, close_wait>, call<send_call>                                               , same         , cite<"3.10.2 queued"> >,
row< any_of<fin_wait_1, fin_wait_2, closing, last_ack, time_wait>, call<send_call>, report<error>                              , same         , cite<"3.10.2 connection closing"> >,
// --- CLOSE and SHUTDOWN (§3.10.4) ----------------------------------------------------------------------------------------------------
row< any_of<syn_received, established, fin_wait_1, fin_wait_2, close_wait>, call<close>, when<unread_data_g>, send<rst_of_ours>  , closed      , cite<"Linux __tcp_close: unread data -> RST (TCPAbortOnClose); RFC 9293 SHLD-3; checked before SO_LINGER 0"> >,
row< any_of<syn_received, established, fin_wait_1, fin_wait_2, close_wait>, call<close>, when<linger_abort_g>, send<rst_of_ours> , closed      , cite<"Linux tcp_disconnect: SO_LINGER {on,0} sends RST in tcp_need_reset states"> >,
row< closed                 , any_event<call<close>, call<shutdown>>, report<error>                                           , same         , cite<"3.10.4 connection does not exist"> >,
row< any_of<listen, syn_sent>, any_event<call<close>, call<shutdown>>                                                         , closed       , cite<"3.10.4 delete TCB, no RST"> >,
row< any_of<syn_received, established>, any_event<call<close>, call<shutdown>>, send<fin>, arm<retransmission_timer>          , fin_wait_1   , cite<"3.10.4">   >,
row< close_wait             , any_event<call<close>, call<shutdown>>, send<fin>, arm<retransmission_timer>                    , last_ack     , cite<"3.10.4">   >,
row< fin_wait_2             , call<close>                  , unless<orphaned_g>, arm<fin_wait_2_timer>                         , same         , cite<"Linux __tcp_close: close() in FIN_WAIT2 starts tcp_fin_timeout"> >,
row< any_of<fin_wait_1, fin_wait_2, closing, last_ack, time_wait>, any_event<call<close>, call<shutdown>>, report<error>       , same         , cite<"3.10.4 connection closing; never a second FIN"> >,
// --- ABORT (§3.10.5) --------------------------------------------------------------------------------------------------------------------
row< closed                 , call<abort>                  , report<error>                                                    , same         , cite<"3.10.5 connection does not exist"> >,
row< any_of<listen, syn_sent, closing, last_ack, time_wait>, call<abort>                                                      , closed       , cite<"3.10.5 delete TCB, no RST"> >,
row< any_of<syn_received, established, fin_wait_1, fin_wait_2, close_wait>, call<abort>, send<rst_of_ours>                    , closed       , cite<"3.10.5">   >,
// --- segment arrives: CLOSED (§3.10.7.1) and LISTEN (§3.10.7.2) ------------------------------------------------------------------------
row< closed                 , any_event<rcv<rst>, rcv<rst_unacceptable>, rcv<rst_in_window>>                                  , same         , cite<"3.10.7.1 RST: discard"> >,
row< closed                 , any_but_rst                  , send<rst>                                                        , same         , cite<"3.10.7.1">   >,
row< listen                 , any_event<rcv<rst>, rcv<rst_unacceptable>, rcv<rst_in_window>>                                  , same         , cite<"3.10.7.2 RST: ignore"> >,
row< listen                 , any_event<rcv<bad_ack>, rcv<ack>, rcv<ack_of_fin>, rcv<syn_ack>, rcv<fin_ack_of_fin>, rcv<data>>, send<rst> , same    , cite<"3.10.7.2 ACK-bearing segment"> >,
row< listen                 , rcv<syn>                     , remember_passive, choose_iss, take<syn>, send<syn_ack>, arm<retransmission_timer>, syn_received, cite<"3.10.7.2"> >,
row< listen                 , any_event<rcv<fin>, rcv<unacceptable>, rcv<no_ack>>                                             , same         , cite<"3.10.7.2 anything else: drop"> >,
// --- SYN-SENT (§3.10.7.3) ---------------------------------------------------------------------------------------------------------------
row< syn_sent               , rcv<bad_ack>                 , send<rst>                                                        , same         , cite<"3.10.7.3 unacceptable ACK"> >,
row< syn_sent               , rcv<rst>                     , report<refused>                                                  , closed       , cite<"3.10.7.3 RST with acceptable ACK: connection reset (Linux: ECONNREFUSED)"> >,
row< syn_sent               , any_event<rcv<rst_unacceptable>, rcv<rst_in_window>>                                            , same         , cite<"3.10.7.3 RST without acceptable ACK: drop"> >,
row< syn_sent               , rcv<syn_ack>                 , take<syn>, take<ack>, stop<retransmission_timer>, send<ack>      , established  , cite<"3.10.7.3">   >,
row< syn_sent               , rcv<syn>                     , take<syn>, send<syn_ack>                                         , syn_received , cite<"3.10.7.3 simultaneous open"> >,
row< syn_sent               , any_event<rcv<ack>, rcv<ack_of_fin>, rcv<fin>, rcv<fin_ack_of_fin>, rcv<data>, rcv<unacceptable>, rcv<no_ack>>, same, cite<"3.10.7.3 neither SYN nor RST: drop"> >,
// --- SYN-RECEIVED and the synchronized states (§3.10.7.4) -------------------------------------------------------------------------------
row< with_sequence_numbers  , rcv<unacceptable>            , send<ack>                                                        , same         , cite<"3.10.7.4 first: not acceptable"> >,
row< with_sequence_numbers  , rcv<rst_unacceptable>                                                                           , same         , cite<"3.10.7.4 second: RST not in window"> >,
row< any_of<syn_received, established, fin_wait_1, fin_wait_2, close_wait, closing, last_ack, time_wait>, rcv<rst_in_window>, send<ack>, same, cite<"3.10.7.4 second: RST in window, not at RCV.NXT: challenge ACK (RFC 5961)"> >,
row< syn_received           , rcv<rst>                     , when<passive_open_g>                                             , listen       , cite<"3.10.7.4 second: passive OPEN"> >,
row< syn_received           , rcv<rst>                     , report<refused>                                                  , closed       , cite<"3.10.7.4 second: active OPEN"> >,
row< any_of<established, fin_wait_1, fin_wait_2, close_wait>, rcv<rst>, report<reset>                                         , closed       , cite<"3.10.7.4 second"> >,
row< time_wait              , rcv<rst>                     , when<rfc1337_g>                                                  , same         , cite<"RFC 1337 section 3; Linux net.ipv4.tcp_rfc1337=1"> >,
row< any_of<closing, last_ack, time_wait>, rcv<rst>                                                                           , closed       , cite<"3.10.7.4 second"> >,
row< syn_received           , any_event<rcv<syn>, rcv<syn_ack>>, when<passive_open_g>                                         , listen       , cite<"3.10.7.4 fourth: passive OPEN"> >,
row< any_of<syn_received, established, fin_wait_1, fin_wait_2, close_wait, closing, last_ack, time_wait>, any_event<rcv<syn>, rcv<syn_ack>>, when<challenge_ack_g>, send<ack>, same, cite<"3.10.7.4 fourth: challenge ACK (RFC 5961)"> >,
row< any_of<syn_received, established, fin_wait_1, fin_wait_2, close_wait, closing, last_ack, time_wait>, any_event<rcv<syn>, rcv<syn_ack>>, send<rst>, report<reset>, closed, cite<"3.10.7.4 fourth without RFC 5961 (RFC 793): in-window SYN, reset"> >,
row< syn_received           , rcv<bad_ack>                 , send<rst>                                                        , same         , cite<"3.10.7.4 fifth"> >,
row< synchronized           , rcv<bad_ack>                 , send<ack>                                                        , same         , cite<"3.10.7.4 fifth: ACK of something not yet sent"> >,
row< with_sequence_numbers  , rcv<no_ack>                                                                                     , same         , cite<"3.10.7.4 fifth: no ACK: drop"> >,
row< syn_received           , any_event<rcv<ack>, rcv<ack_of_fin>>, take<ack>, stop<retransmission_timer>                    , established  , cite<"3.10.7.4 fifth"> >,
row< syn_received           , rcv<data>                    , take<ack>, stop<retransmission_timer>, take<data>, send<ack>     , established  , cite<"3.10.7.4 fifth, seventh"> >,
row< syn_received           , any_event<rcv<fin>, rcv<fin_ack_of_fin>>, take<ack>, stop<retransmission_timer>, take<fin>, send<ack>, report<connection_closing>, close_wait, cite<"3.10.7.4 fifth, eighth"> >,
row< any_of<established, fin_wait_2, close_wait, time_wait>, any_event<rcv<ack>, rcv<ack_of_fin>>, take<ack>                 , same         , cite<"3.10.7.4 fifth"> >,
row< any_of<fin_wait_1, closing, last_ack>, rcv<ack>   , take<ack>                                                        , same         , cite<"3.10.7.4 fifth"> >,
row< fin_wait_1             , rcv<ack_of_fin>              , when<orphaned_g>, take<ack>, stop<retransmission_timer>, arm<fin_wait_2_timer>, take<data>, ack_data, fin_wait_2   , cite<"3.10.7.4 fifth: FIN-WAIT-1; the FIN-WAIT-2 limit is Linux's tcp_fin_timeout for an orphan (0 ticks: none, as in the RFC)"> >,
row< fin_wait_1             , rcv<ack_of_fin>              , take<ack>, stop<retransmission_timer>, take<data>, ack_data, fin_wait_2   , cite<"3.10.7.4 fifth: FIN-WAIT-1; after SHUTDOWN no limit (Linux: tcp_fin_timeout only once close() orphans the socket)"> >,
row< closing                , rcv<ack_of_fin>              , take<ack>, arm<time_wait_timer>                                  , time_wait    , cite<"3.10.7.4 fifth: CLOSING"> >,
row< last_ack               , rcv<ack_of_fin>              , take<ack>                                                        , closed       , cite<"3.10.7.4 fifth: LAST-ACK"> >,
row< any_of<established, fin_wait_1, fin_wait_2>, rcv<data>, take<ack>, take<data>, send<ack>                                  , same         , cite<"3.10.7.4 seventh"> >,
row< any_of<close_wait, closing, last_ack, time_wait>, rcv<data>, send<ack>                                                    , same         , cite<"3.10.7.4 seventh: FIN received, ignore the text"> >,
row< established            , any_event<rcv<fin>, rcv<fin_ack_of_fin>>, take<ack>, take<fin>, send<ack>, report<connection_closing>      , close_wait   , cite<"3.10.7.4 eighth"> >,
row< fin_wait_1             , rcv<fin>                     , take<ack>, take<fin>, send<ack>, report<connection_closing>                 , closing      , cite<"3.10.7.4 eighth: simultaneous close"> >,
row< fin_wait_1             , rcv<fin_ack_of_fin>          , take<ack>, take<fin>, send<ack>, arm<time_wait_timer>            , time_wait    , cite<"3.10.7.4 fifth then eighth: FIN-WAIT-1 -> TIME-WAIT"> >,
row< fin_wait_2             , any_event<rcv<fin>, rcv<fin_ack_of_fin>>, take<ack>, take<fin>, send<ack>, arm<time_wait_timer>, time_wait , cite<"3.10.7.4 eighth"> >,
row< closing                , rcv<fin_ack_of_fin>          , take<ack>, send<ack>, arm<time_wait_timer>                       , time_wait    , cite<"3.10.7.4 fifth and eighth: retransmitted FIN acking ours"> >,
row< last_ack               , rcv<fin_ack_of_fin>          , take<ack>                                                        , closed       , cite<"3.10.7.4 fifth: the ACK acknowledges our FIN (a retransmitted FIN, as Linux handles it)"> >,
row< any_of<close_wait, closing, last_ack>, any_event<rcv<fin>, rcv<fin_ack_of_fin>>, take<ack>, send<ack>                    , same         , cite<"3.10.7.4 eighth: retransmitted FIN, stay"> >,
row< time_wait              , any_event<rcv<fin>, rcv<fin_ack_of_fin>>, send<ack>, arm<time_wait_timer>                       , same         , cite<"3.10.7.4 eighth: TIME-WAIT, ACK and restart 2 MSL"> >,
// --- timers (§3.10.8, §3.8.3) ----------------------------------------------------------------------------------------------------------
row< any_of<syn_sent, syn_received, fin_wait_1, closing, last_ack>, expire<retransmission_timer>, retransmit                  , same         , cite<"3.10.8 retransmission timeout"> >,
row< syn_received           , expire<retries_exhausted>    , when<passive_open_g>                                             , listen       , cite<"3.8.3 R2; a passive open returns to LISTEN"> >,
row< any_of<syn_sent, syn_received, fin_wait_1, closing, last_ack>, expire<retries_exhausted>, report<timeout>                 , closed       , cite<"3.8.3 R2: close the connection"> >,
row< time_wait              , expire<time_wait_timer>                                                                         , closed       , cite<"3.10.8 time-wait timeout"> >,
row< fin_wait_2             , expire<fin_wait_2_timer>                                                                        , closed       , cite<"Linux tcp_fin_timeout (orphaned FIN-WAIT-2)"> >,
row< any_of<syn_sent, syn_received, established, fin_wait_1, fin_wait_2, close_wait, closing, last_ack, time_wait>, expire<user_timer>, report<timeout>, closed, cite<"3.10.8 user timeout"> >
>;
// clang-format on

static_assert(complete<rfc9293_table>(), "RFC 9293 table: a (state, segment or call) pair has no unconditional row");
static_assert(every_state_reaches_closed<rfc9293_table>(), "RFC 9293 table: a state cannot reach CLOSED");
static_assert(reaches<rfc9293_table>(state_id::closed, state_id::established), "RFC 9293 table: CLOSED cannot reach ESTABLISHED");
static_assert(reaches<rfc9293_table>(state_id::established, state_id::time_wait), "RFC 9293 table: ESTABLISHED cannot reach TIME-WAIT");
static_assert(no_dead_rows<rfc9293_table>(), "RFC 9293 table: a row is shadowed by earlier unconditional rows");

}  // namespace tcpv::tcp
