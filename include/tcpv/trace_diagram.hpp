#pragma once
/// \file tcpv/trace_diagram.hpp
/// A trace of any model (its printed form, `text_trace`) as a Graphviz path diagram: one box per
/// step (the state after it), one arrow per transition labelled with its action. A lasso's
/// return to an earlier step is drawn as a dashed "loop" arrow; a deadlock's last state is
/// marked. Model-independent on purpose: every registered model has printed traces, so every
/// counterexample can be drawn without knowing what its states mean.

#include <cstddef>
#include <sstream>
#include <string>
#include <string_view>

#include "graphviz.hpp"
#include "trace.hpp"

namespace tcpv::graphviz {

/// `t` as a top-to-bottom path diagram with `title` above it. Deterministic (one node per
/// step, in order).
inline std::string trace_path(const text_trace& t, std::string_view title = {}) {
    std::ostringstream os;
    os << "digraph trace {\n"
       << "  graph [rankdir=TB, fontname=\"Helvetica\", labelloc=t"
       << (title.empty() ? std::string() : ", label=" + quote(title)) << "];\n"
       << "  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n"
       << "  edge [fontname=\"Helvetica\", fontsize=9];\n";
    for (std::size_t i = 0; i < t.steps.size(); ++i) {
        const bool last = i + 1 == t.steps.size();
        os << "  t" << i << " [label=" << quote(std::to_string(i) + ": " + t.steps[i].state);
        if (i == 0) os << ", penwidth=2";
        // The last state is where the property failed (or the search got stuck): red.
        if (last) os << ", color=red, fontcolor=red, penwidth=2.5";
        if (last && t.end == trace_end::deadlock) os << ", xlabel=\"deadlock\"";
        os << "];\n";
    }
    for (std::size_t i = 1; i < t.steps.size(); ++i)
        os << "  t" << (i - 1) << " -> t" << i << " [label=" << quote(t.steps[i].action) << "];\n";
    if (t.end == trace_end::cycle && !t.steps.empty() && t.loop_start < t.steps.size())
        os << "  t" << (t.steps.size() - 1) << " -> t" << t.loop_start
           << " [style=dashed, color=red, label=\"loop (the same state)\", constraint=false];\n";
    os << "}\n";
    return os.str();
}

}  // namespace tcpv::graphviz
