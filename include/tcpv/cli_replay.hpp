#pragma once
/// \file tcpv/cli_replay.hpp
/// `tcpv replay FILE.json [--model NAME] [--property NAME]`: reads back the JSON report of
/// `tcpv check --json` (or the array of `check --all --json` and `sweep --json`), rebuilds each
/// run's model through the registry with the recorded parameters, and replays every recorded
/// trace against it (trace.hpp, `replay`): each step must be a transition of the model whose
/// printed action and state are the recorded ones, and a lasso must close.
///
/// ```
/// tcpv check close --set time_wait=1 --json > close.json
/// tcpv replay close.json
/// replayed 9 steps of no-reset-after-close against close (time_wait=1 ...): the trace is a behaviour of the model
/// ```
/// Errors name the file and line: "close.json:14: property 'p' of close (...): step 7: no
/// successor of the state of step 6 has action '...' (the model offers: ...)".
/// Exit status: 0 every trace selected is a behaviour of its model (or there is none to
/// replay, which is said); 1 a trace is not; 2 bad usage, or a file that cannot be read, is not
/// JSON, is not a report, names an unknown model or parameter, or lacks the property asked for.
/// Part of the program's front end in cli.hpp, which includes this file; the shared option
/// parsers are in cli_options.hpp.

#include "cli_options.hpp"
#include "trace_json.hpp"

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace tcpv::cli::detail {

struct replay_args {
    std::string file;
    std::string model;     ///< --model: only the runs of this model
    std::string property;  ///< --property: only this property (it must have a trace)
};

inline replay_args parse_replay(const std::vector<std::string_view>& args) {
    replay_args a;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        if (arg == "--property") {
            a.property = std::string(option_value(args, i));
        } else if (arg == "--model") {
            a.model = std::string(option_value(args, i));
        } else if (arg.starts_with("-") && arg != "-") {
            throw usage_error("unknown option '" + std::string(arg) + "' for replay");
        } else if (a.file.empty()) {
            a.file = std::string(arg);
        } else {
            throw usage_error("unexpected argument '" + std::string(arg) + "': replay takes one file");
        }
    }
    if (a.file.empty()) throw usage_error("replay needs a JSON file (the output of `tcpv check MODEL --json`)");
    return a;
}

/// "name=value name=value", as the text report prints parameters.
inline std::string printed_params(const parameter_values& values) {
    std::string s;
    for (const auto& [k, v] : values.printed()) s += (s.empty() ? "" : " ") + k + '=' + v;
    return s;
}

inline int replay(const registry& reg, const std::vector<std::string_view>& args, std::ostream& out,
                  std::ostream& err) {
    const replay_args a = parse_replay(args);
    std::string text;
    {
        std::ifstream f(a.file, std::ios::binary);
        std::ostringstream ss;
        if (f) ss << f.rdbuf();
        if (!f) throw usage_error("cannot read '" + a.file + "'");
        text = std::move(ss).str();
    }
    const auto at = [&](std::size_t line, std::size_t column = 0) {
        return a.file + ':' + std::to_string(line) + (column ? ':' + std::to_string(column) : std::string()) + ": ";
    };
    std::vector<recorded_run> runs;
    try {
        runs = read_recorded_runs(text);
    } catch (const trace_file_error& e) {
        throw usage_error(at(e.line, e.column) + e.problem);
    }
    std::string models;
    std::size_t selected = 0;
    for (const auto& run : runs) {
        if (!a.model.empty() && run.model != a.model) {
            models += (models.empty() ? "" : ", ") + run.model;
            continue;
        }
        ++selected;
        const model_entry* e = reg.find(run.model);
        if (!e)
            throw usage_error(at(run.line) + "unknown model '" + run.model + "'; the models are: " + model_names(reg));
        if (!e->replay) throw usage_error(at(run.line) + "model '" + run.model + "' was registered without replay");
        if (!a.property.empty()) {
            const recorded_property* p = run.find(a.property);
            if (!p) {
                std::string names;
                for (const auto& q : run.properties) names += (names.empty() ? "" : ", ") + q.name;
                throw usage_error(at(run.line) + "the report of " + run.model + " has no property '" + a.property +
                                  "'; its properties are: " + (names.empty() ? "(none)" : names));
            }
            if (!p->trace) throw usage_error(at(p->line) + "property '" + a.property + "' has no trace");
        }
    }
    if (selected == 0)
        throw usage_error(a.file + ": no report of model '" + a.model + "'; the file has reports of: " + models);

    int status = exit_holds;
    std::size_t replayed = 0;
    for (const auto& run : runs) {
        if (!a.model.empty() && run.model != a.model) continue;
        const model_entry& e = *reg.find(run.model);
        parameter_values values(e.params);
        for (std::size_t i = 0; i < run.params.size(); ++i) {
            try {
                values.set(run.params[i].first, run.params[i].second);
            } catch (const std::invalid_argument& x) {
                throw usage_error(at(run.param_lines[i]) + x.what() + " (model " + run.model + ")");
            }
        }
        const std::string params = printed_params(values);
        const std::string against = run.model + (params.empty() ? "" : " (" + params + ")");
        for (const auto& p : run.properties) {
            if (!p.trace || (!a.property.empty() && p.name != a.property)) continue;
            ++replayed;
            if (const auto problem = e.replay(values, *p.trace)) {
                const std::size_t line = problem->step < p.step_lines.size() ? p.step_lines[problem->step] : p.line;
                err << at(line) << "property '" << p.name << "' of " << against << ": " << problem->message << '\n';
                status = exit_violated;
            } else {
                out << "replayed " << p.trace->length() << " steps of " << p.name << " against " << against
                    << ": the trace is a behaviour of the model\n";
            }
        }
    }
    if (replayed == 0) out << a.file << ": nothing to replay: no property has a trace\n";
    return status;
}

}  // namespace tcpv::cli::detail
