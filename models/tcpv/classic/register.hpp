#pragma once
/// \file tcpv/classic/register.hpp
/// Registers the classic models with exactly known answers. Every default configuration
/// satisfies all its properties (so `tcpv check --all` passes); each broken variant is one
/// `--set` away: `mutex --set variant=naive`, `abp --set seqbits=0`,
/// `philosophers --set variant=naive`, `lossy-link --set fairness=weak`.

#include <tcpv/registry.hpp>

#include "alternating_bit.hpp"
#include "mutex.hpp"
#include "philosophers.hpp"
#include "retransmit.hpp"

namespace tcpv::classic {

/// Adds `mutex`, `abp`, `philosophers` and `lossy-link` to `reg`.
inline void register_classic_models(tcpv::registry& reg) {
    reg.add(tcpv::entry<mutex>(
        "mutex", "two processes, one critical section: Peterson's algorithm, or a naive flag protocol with a race",
        {tcpv::enum_parameter("variant", "the protocol", "peterson", {"naive", "peterson"})},
        [](const tcpv::parameter_values& v) { return mutex{static_cast<mutex_variant>(v["variant"])}; }));
    reg.add(tcpv::entry<alternating_bit>(
        "abp", "alternating-bit protocol over two lossy FIFO channels",
        {tcpv::int_parameter("cap", "capacity of each channel", 2, 1, alternating_bit::max_cap),
         tcpv::int_parameter("msgs", "messages to transfer", 3, 1, alternating_bit::max_msgs),
         tcpv::int_parameter("seqbits", "1: carry and check the alternating bit; 0: do not", 1, 0, 1)},
        [](const tcpv::parameter_values& v) {
            return alternating_bit{static_cast<int>(v["cap"]), static_cast<int>(v["msgs"]), static_cast<int>(v["seqbits"])};
        }));
    reg.add(tcpv::entry<philosophers>(
        "philosophers", "dining philosophers: the last one takes the right fork first, or everyone left first",
        {tcpv::int_parameter("n", "philosophers", 3, 2, philosophers::max_n),
         tcpv::enum_parameter("variant", "which fork each takes first", "ordered", {"ordered", "naive"})},
        [](const tcpv::parameter_values& v) {
            return philosophers{static_cast<int>(v["n"]), static_cast<fork_order>(v["variant"])};
        }));
    reg.add(tcpv::entry<lossy_link>(
        "lossy-link", "one message retransmitted over a lossy link: delivered only under strong fairness",
        {tcpv::enum_parameter("fairness", "fairness assumed for delivery", "strong", {"strong", "weak", "none"})},
        [](const tcpv::parameter_values& v) { return lossy_link{static_cast<lossy_link::assumption>(v["fairness"])}; }));
}

}  // namespace tcpv::classic
