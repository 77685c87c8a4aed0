#pragma once
/// \file tcpv/cli_msc.hpp
/// `tcpv check MODEL --msc FILE`: the first counterexample as a message sequence chart. Kept
/// apart from cli_check.hpp (which calls these) so that the check command stays readable.
///
/// FILE.svg, FILE.png or FILE.pdf is rendered through Graphviz `dot`; any other name gets the
/// DOT text. Only models that draw charts (`draws_msc`, registry.hpp) accept --msc; the error
/// for another model lists those that do, so the user knows where the option applies.

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "graphviz.hpp"
#include "registry.hpp"

namespace tcpv::cli::msc {

/// Why `e` cannot take --msc, naming the models of `reg` that can; empty when it can.
inline std::string unsupported(const registry& reg, const model_entry& e) {
    if (e.supports_msc) return {};
    std::string able;
    for (const auto& m : reg.entries())
        if (m.supports_msc) able += (able.empty() ? "" : ", ") + m.name;
    return "--msc: model '" + e.name + "' cannot draw its traces as sequence charts (it defines no " +
           "sequence_chart(model, trace, title)); the models that can: " + (able.empty() ? "none" : able);
}

/// The rendering format of an output file name: "svg", "png" or "pdf", or "" for DOT text.
inline std::string format_of(const std::string& file) {
    const auto dot = file.rfind('.');
    const std::string ext = dot == std::string::npos ? "" : file.substr(dot + 1);
    return ext == "svg" || ext == "png" || ext == "pdf" ? ext : "";
}

/// What became of writing the chart.
struct outcome {
    std::string error;  ///< non-empty: the file could not be written or rendered (exit 2)
    std::string note;   ///< non-empty: said on stderr, not an error (no counterexample)
};

/// Writes `chart` (DOT text; none when no property is violated) to `file`. With no chart the
/// file is removed again unless it `existed` before the run (the probe made it), so that no
/// file means no counterexample, as for --pcap. When `dot` cannot render, the DOT text is
/// written next to the file (FILE.dot) so the run is not lost.
inline outcome write(const std::string& file, const std::optional<std::string>& chart, bool existed) {
    if (!chart) {
        if (!existed) std::filesystem::remove(file);
        return {{}, "--msc: no property is violated, so there is no counterexample to draw in '" + file + "'"};
    }
    if (const std::string format = format_of(file); !format.empty()) {
        if (std::string msg = graphviz::render(*chart, file, format); !msg.empty()) {
            const std::string fallback = file.substr(0, file.rfind('.')) + ".dot";
            std::ofstream(fallback, std::ios::binary | std::ios::trunc) << *chart;
            return {msg + "; wrote the DOT text to " + fallback + " instead", {}};
        }
        return {};
    }
    std::ofstream f(file, std::ios::binary | std::ios::trunc);
    f << *chart;
    if (!f) return {"cannot write --msc file '" + file + "'", {}};
    return {};
}

}  // namespace tcpv::cli::msc
