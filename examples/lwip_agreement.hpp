#pragma once
/// \file lwip_agreement.hpp
/// The agreement table of lwIP against RFC 9293: for every reference state within a depth and
/// every input the environment offers there, does lwIP do what the RFC reference does? Where
/// it does not, which of lwIP's documented choices (lwip_profile.hpp), or its timer values,
/// explain it: the lwIP reference agrees with lwIP there, and stops agreeing when that choice
/// is switched off. A disagreement that no choice explains is "unexplained".

#include "lwip_profile.hpp"

#include <tcpv/conformance.hpp>

#include <array>
#include <sstream>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lwip_conformance {

/// The inputs of peer_environment, in its order.
inline constexpr std::array<std::string_view, 17> input_classes = {
    "OPEN(active)", "OPEN(passive)", "CLOSE", "ABORT", "tick", "SYN", "SYN+ACK of our SYN", "ACK of all",
    "FIN+ACK of all", "FIN+ACK of nothing new", "RST at RCV.NXT", "RST in window", "RST out of window",
    "old duplicate ACK", "FIN again", "old FIN", "ACK of unsent data"};

/// One cell: a state (the RFC reference's, before the input) and an input class.
struct agreement_cell {
    tcpv::tcp::state_id state{};
    std::size_t input_class = 0;
    bool reached = false;
    bool agrees = true;            ///< lwIP does what RFC 9293 does (wherever the cell was reached)
    bool timers = false;           ///< explained by lwIP's timer values
    std::uint32_t explained_by = 0;  ///< choices that explain a disagreement
    bool unexplained = false;
    std::string example;           ///< the shortest disagreeing trace, as text
};

/// The table: cells[state][input class], and how much was run.
struct agreement_table {
    std::array<std::array<agreement_cell, input_classes.size()>, tcpv::tcp::state_count> cells{};
    std::size_t paths = 0, replays = 0;  ///< states of the lwIP reference visited; lwIP runs
};

namespace detail {
// The RFC 9293 reference, started from a given control block.
class reference_at : public cf::reference_endpoint<> {
public:
    reference_at(const tcpv::tcp::tcb& t, tcpv::tcp::endpoint_config c) : cf::reference_endpoint<>(c) { t_ = t; }
};
}  // namespace detail

/// Builds the table for the states lwIP reaches within `depth` inputs of a fresh endpoint (the
/// shortest path to each state of the lwIP reference): from each, every input the environment
/// offers is given to lwIP and to the RFC reference started in that state. Where they differ,
/// the lwIP reference's answer must be lwIP's, and the choices that changed it are recorded;
/// "timers" are differences that lwIP's timer values and knobs (lwip_config) explain.
template <class Impl>
agreement_table agreement(Impl& impl, std::size_t depth, unsigned slow_timer_runs_per_tick = 6) {
    const cf::peer_environment env;
    const tcpv::tcp::endpoint_config lwip = lwip_config(slow_timer_runs_per_tick);
    agreement_table table;
    const auto paths = tcpv::conformance::reference_paths(lwip_reference(lwip), env, depth);
    table.paths = paths.size();
    for (const auto& p : paths) {
        lwip_reference at(lwip);
        at.reset();
        for (const auto& in : p) (void)at.apply(in);
        const auto offered = env.inputs(at);
        for (std::size_t k = 0; k < offered.size() && k < input_classes.size(); ++k) {
            agreement_cell& cell = table.cells[std::size_t(at.observe().st)][k];
            cell.state = at.observe().st;
            cell.input_class = k;
            impl.reset();
            for (const auto& in : p) (void)impl.apply(in);
            ++table.replays;
            if (!(impl.observe() == at.observe())) continue;  // lwIP left the profile earlier: the explorer reports it
            const auto impl_out = impl.apply(offered[k]);
            const auto impl_obs = impl.observe();
            cell.reached = true;
            detail::reference_at rfc(at.control_block(), tcpv::tcp::endpoint_config{});
            const auto rfc_out = rfc.apply(offered[k]);
            if (rfc_out == impl_out && rfc.observe() == impl_obs) continue;
            cell.agrees = false;
            if (cell.example.empty()) {
                std::ostringstream os;
                for (const auto& in : p) os << in << "; ";
                os << offered[k] << "\n  RFC 9293: " << rfc_out << " -> " << rfc.observe() << "\n  lwIP:     " << impl_out
                   << " -> " << impl_obs << "\n";
                cell.example = os.str();
            }
            lwip_reference profile = at;
            const auto profile_out = profile.apply(offered[k]);
            if (!(profile_out == impl_out && profile.observe() == impl_obs)) {
                cell.unexplained = true;
                continue;
            }
            cell.explained_by |= profile.fired();
            detail::reference_at timed(at.control_block(), lwip);
            const auto timed_out = timed.apply(offered[k]);
            if ((timed_out == impl_out && timed.observe() == impl_obs) || profile.fired() == 0) cell.timers = true;
        }
    }
    return table;
}

/// The letter of a choice in the printed table (A, B, ...), T for timers.
inline char choice_letter(choice c) {
    for (std::size_t i = 0; i < std::size(choices); ++i)
        if (choices[i].what == c) return char('A' + i);
    return '?';
}

/// The table as Markdown: one row per input class, one column per state; "=" agrees, letters
/// name the explaining choices (T: timer values), "!" is unexplained, "." not reached.
inline std::string to_markdown(const agreement_table& t) {
    std::string out = "| input \\ state |";
    for (std::size_t s = 0; s < tcpv::tcp::state_count; ++s)
        out += " " + std::string(tcpv::tcp::rfc_name(tcpv::tcp::state_id(s))) + " |";
    out += "\n|---|";
    for (std::size_t s = 0; s < tcpv::tcp::state_count; ++s) out += ":-:|";
    out += "\n";
    for (std::size_t k = 0; k < input_classes.size(); ++k) {
        out += "| " + std::string(input_classes[k]) + " |";
        for (std::size_t s = 0; s < tcpv::tcp::state_count; ++s) {
            const agreement_cell& c = t.cells[s][k];
            std::string mark;
            if (!c.reached) mark = ".";
            else if (c.agrees) mark = "=";
            else if (c.unexplained) mark = "!";
            else {
                if (c.timers) mark += 'T';
                for (const choice_info& ci : choices)
                    if (c.explained_by & std::uint32_t(ci.what)) mark += choice_letter(ci.what);
                if (mark.empty()) mark = "?";  // explained only by all choices together
            }
            out += " " + mark + " |";
        }
        out += "\n";
    }
    return out;
}

}  // namespace lwip_conformance
