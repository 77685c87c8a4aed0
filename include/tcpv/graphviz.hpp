#pragma once
/// \file tcpv/graphviz.hpp
/// Graphviz DOT output of an explored state graph, with a trace highlighted, and rendering
/// through the `dot` program.
///
/// Output is deterministic: nodes are numbered in discovery order and edges are written in
/// emission order, so the same model always gives the same bytes.

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fcntl.h>

#include "checker.hpp"
#include "conformance.hpp"
#include "detail/canonical_order.hpp"

namespace tcpv::graphviz {

/// `s` as a DOT double-quoted string (quotes, backslashes and newlines escaped; other control
/// characters shown as `\xNN`, since dot would copy them into SVG, which XML then rejects).
inline std::string quote(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        if (static_cast<unsigned char>(c) < 0x20) {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\\\x";
            out += hex[(c >> 4) & 0xf];
            out += hex[c & 0xf];
            continue;
        }
        out += c;
    }
    return out + '"';
}

/// Options of `state_graph`.
struct graph_options {
    std::size_t max_states = 200;  ///< larger graphs are cut (a note says so); 0: no cut
    std::string title;
};

/// The explored state graph of `r` as DOT. States are boxes labelled with their printed form;
/// edges carry the action. Initial states have a bold border. When `highlight` is given (a
/// trace of the same model), its states and steps are drawn red and thick, and a lasso's
/// returning step is marked "loop". States are numbered, and a cut keeps the first ones, in the
/// order of a one-thread breadth-first search (detail/canonical_order.hpp): the same text for
/// every thread count.
template <model M>
std::string state_graph(const result<M>& r, const std::type_identity_t<trace<M>>* highlight = nullptr,
                        const graph_options& opt = {}) {
    using state = typename M::state;
    using action = typename M::action;
    const auto& store = *r.explored;
    const std::size_t n = store.size();
    const std::size_t limit = (opt.max_states == 0) ? n : std::min(n, opt.max_states);
    std::set<std::uint32_t> hot_states;                             // store ids
    std::set<std::pair<std::uint32_t, std::string>> hot_edges;      // (source, "action\ntarget"), store ids
    std::optional<std::pair<std::uint32_t, std::string>> loop_edge;  // a lasso's returning step
    if (highlight) {
        std::optional<std::uint32_t> prev;
        for (std::size_t i = 0; i < highlight->steps.size(); ++i) {
            const auto& step = highlight->steps[i];
            const auto id = store.find(step.st);
            if (!id) break;
            hot_states.insert(*id);
            if (prev) {
                std::pair<std::uint32_t, std::string> key{*prev, to_text(r.model, step.act) + '\n' + std::to_string(*id)};
                if (highlight->end == trace_end::cycle && i + 1 == highlight->steps.size()) loop_edge = key;
                hot_edges.insert(std::move(key));
            }
            prev = id;
        }
    }
    // The edges are written while the walk numbers the states, the nodes after it.
    std::ostringstream edges;
    tcpv::detail::canonical_numbering c;
    auto add_edge = [&](std::uint32_t from, const state&, const action& a, std::uint32_t to) {
        if (to == tcpv::detail::no_state) return;  // beyond the cut
        const std::string label = to_text(r.model, a);
        const std::pair<std::uint32_t, std::string> key{c.order[from], label + '\n' + std::to_string(c.order[to])};
        edges << "  s" << from << " -> s" << to << " [label=" << quote(label);
        if (hot_edges.count(key) > 0) edges << ", color=red, fontcolor=red, penwidth=2.5";
        if (loop_edge && *loop_edge == key) edges << ", headlabel=\"loop\", style=dashed";
        edges << "];\n";
    };
    tcpv::detail::walk_canonically(r.model, store, limit, r.stats.threads == 1, c, add_edge);
    const std::size_t shown = c.order.size();
    std::ostringstream os;
    os << "digraph tcpv {\n"
       << "  graph [rankdir=TB, fontname=\"Helvetica\"" << (opt.title.empty() ? "" : ", labelloc=t, label=" + quote(opt.title))
       << "];\n"
       << "  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n"
       << "  edge [fontname=\"Helvetica\", fontsize=9];\n";
    for (std::uint32_t v = 0; v < shown; ++v) {
        const std::uint32_t id = c.order[v];
        os << "  s" << v << " [label=" << quote(to_text(r.model, store[id]));
        if (id < r.initial_states) os << ", penwidth=2";
        if (hot_states.count(id) > 0) os << ", color=red, fontcolor=red, penwidth=2.5";
        os << "];\n";
    }
    os << edges.str();
    if (shown < n)
        os << "  cut [shape=note, label=" << quote("showing " + std::to_string(shown) + " of " + std::to_string(n) + " states")
           << "];\n";
    os << "}\n";
    return os.str();
}

/// Path of the `dot` program: $TCPV_DOT if set, else "dot" from PATH.
inline std::string dot_program() {
    if (const char* p = std::getenv("TCPV_DOT"); p && *p) return p;
    return "dot";
}

namespace detail {
/// Runs `argv` (searched in PATH) with stdout/stderr sent to `out_path`/`err_path`; the exit
/// status, or -1 when the program cannot be started. No shell is involved, so paths are
/// passed through untouched whatever characters they hold.
inline int run_program(const std::vector<std::string>& argv, const char* out_path, const char* err_path) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), ::environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return -1;
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
}  // namespace detail

/// A conformance disagreement (conformance.hpp) as a message sequence chart: three lifelines
/// (the environment, the reference, the implementation), one row per input, each side's box
/// showing what it sent and the state it was then in; the row where they differ is red.
template <class Input>
std::string message_sequence_chart(const conformance::disagreement<Input>& d, const std::string& title = {}) {
    std::ostringstream os;
    os << "digraph msc {\n"
       << "  graph [rankdir=TB, nodesep=0.6, ranksep=0.25, fontname=\"Helvetica\", labelloc=t, label="
       << quote(title.empty() ? "first disagreement: " + d.what : title) << "];\n"
       << "  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n"
       << "  { rank=same; env [shape=plaintext, label=\"environment\"]; ref [shape=plaintext, label=\"reference\"];"
          " impl [shape=plaintext, label=\"implementation\"]; }\n";
    for (std::size_t i = 0; i < d.steps.size(); ++i) {
        const auto& s = d.steps[i];
        const bool last = i + 1 == d.steps.size();
        const std::string n = std::to_string(i);
        const std::string hot = last ? ", color=red, fontcolor=red, penwidth=2" : "";
        os << "  { rank=same; e" << n << " [shape=plaintext, label=" << quote(std::to_string(i + 1) + ". " + s.input)
           << "]; r" << n << " [shape=box, style=rounded, label=" << quote("sends " + s.reference_output + "\n" + s.reference_observation)
           << "]; m" << n << " [shape=box, style=rounded, label="
           << quote("sends " + s.implementation_output + "\n" + s.implementation_observation) << hot << "]; }\n";
        os << "  e" << n << " -> r" << n << " [arrowsize=0.6];\n";
        os << "  r" << n << " -> m" << n << " [style=dotted, arrowhead=none" << (last ? ", color=red, label=" + quote(d.what) : "")
           << "];\n";
        const std::string prev = i == 0 ? "" : std::to_string(i - 1);
        for (const char* lane : {"e", "r", "m"}) {  // the lifelines, top to bottom
            const std::string from = i == 0 ? std::string(lane[0] == 'e' ? "env" : lane[0] == 'r' ? "ref" : "impl")
                                            : std::string(lane) + prev;
            os << "  " << from << " -> " << lane << n << " [style=dashed, arrowhead=none, color=gray];\n";
        }
    }
    os << "}\n";
    return os.str();
}

/// Whether the `dot` program can be run.
inline bool dot_available() { return detail::run_program({dot_program(), "-V"}, "/dev/null", "/dev/null") == 0; }

/// Renders DOT text with `dot -T<format>` into `path`. Returns an empty string on success, else
/// a message that says what went wrong (no `dot` installed, or dot's complaint).
inline std::string render(const std::string& dot_text, const std::string& path, std::string_view format = "svg") {
    if (!dot_available())
        return "cannot render " + path + ": the Graphviz program `dot` was not found (apt-get install graphviz)";
    char tmpl[] = "/tmp/tcpv-dot-XXXXXX";
    const int fd = mkstemp(tmpl);
    if (fd < 0) return "cannot create a temporary file for dot";
    ::close(fd);
    {
        std::ofstream f(tmpl);
        f << dot_text;
    }
    const std::string err = std::string(tmpl) + ".err";
    const int rc = detail::run_program({dot_program(), "-T" + std::string(format), "-o", path, tmpl}, "/dev/null", err.c_str());
    std::string message;
    if (rc != 0) {
        std::ifstream e(err);
        std::stringstream ss;
        ss << e.rdbuf();
        message = "dot could not write " + path + ": " + (ss.str().empty() ? "exit status " + std::to_string(rc) : ss.str());
    }
    std::remove(tmpl);
    std::remove(err.c_str());
    return message;
}

}  // namespace tcpv::graphviz
