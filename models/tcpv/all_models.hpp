#pragma once
/// \file tcpv/all_models.hpp
/// Every model that tcpv ships, registered under its name: what `tcpv list` shows and
/// `tcpv check --all` checks. Each family of models registers itself here, with any commands of
/// its own (`tcpv step`, the TCP reference endpoint one step at a time).

#include <tcpv/bench/register.hpp>
#include <tcpv/classic/register.hpp>
#include <tcpv/dot_command.hpp>
#include <tcpv/registry.hpp>
#include <tcpv/tcp/capacity_command.hpp>
#include <tcpv/tcp/register.hpp>
#include <tcpv/tcp/step_command.hpp>

namespace tcpv {

/// Adds every shipped model and command to `r`.
inline void register_all_models(registry& r) {
    tcp::register_tcp_models(r);
    r.add_command({"step",
                   "one step of the reference TCP endpoint, with its RFC section; --table prints "
                   "every row (`tcpv step --help`)",
                   tcp::step_command});
    r.add_command({"capacity",
                   "new actively-closed connections per second before the ephemeral ports run out "
                   "(`tcpv capacity --help`)",
                   tcp::capacity_command});
    // `tcpv dot` draws the models of this registry: it keeps a reference, so `r` must outlive
    // its commands (it owns them).
    r.add_command({"dot",
                   "Graphviz diagrams: the TCP table, a model's state graph or its counterexample "
                   "(`tcpv dot --help`)",
                   [&r](const std::vector<std::string_view>& args, std::ostream& out, std::ostream& err) {
                       return dot_command(r, args, out, err);
                   }});
    bench::register_bench_models(r);
    classic::register_classic_models(r);
}

}  // namespace tcpv
