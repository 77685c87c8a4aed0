// The documentation cannot drift from the code: README.md and every docs/**/*.md are read and
//
// - every quoted snippet equals the lines of the file it names. In markdown:
//       <!-- snippet: examples/tutorial_first_model.cpp#model -->
//       ```cpp
//       ...the lines between the two `// [snippet model]` markers of that file...
//       ```
//   In the source, a marker is a line that is exactly `// [snippet NAME]` (or `# [snippet NAME]`),
//   once before and once after the lines. Marker lines of other snippets inside are left out
//   and the common indentation is removed, so a member function reads as at top level.
// - every quoted program output appears in what the program prints now:
//       <!-- output: tcpv check close --set time_wait=1 (exit 1) -->
//       ```
//       ...lines that appear, in this order and contiguously, in the program's stdout...
//       ```
//   The program is `tcpv` (build/bin/tcpv) or an example (`example_NAME`, build/bin). A line
//   `...` in the quote skips any number of output lines. Figures that change from run to run
//   (`0.09 s, 10.5 MiB peak`) are compared as `# s, # MiB peak`. `(exit N)` checks the status.
// - every relative link `[text](path)` and `[text](path#anchor)` names an existing file, and
//   an anchor into a markdown file names one of its headings (GitHub's heading ids).
// - the tutorial's picture docs/diagrams/tutorial-close-trace.dot is what `tcpv dot` draws
//   now (regenerate: `cmake --build build --target diagrams`, or TCPV_UPDATE_GOLDEN=1).
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../support/run_program.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path source_dir = TCPV_SOURCE_DIR;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
        out.push_back(line);
    }
    return out;
}

std::string trim(std::string s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::string join(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + '\n';
    return out;
}

/// Tracks fenced code blocks: a fence is a line of three or more backticks (then an info
/// string); it is closed by a line of at least as many backticks and nothing else.
struct fence_tracker {
    std::size_t open = 0;  // backticks of the open fence, 0 outside
    /// Feeds one line; true when the line is a fence or inside a fenced block.
    bool fenced(const std::string& raw) {
        const std::string line = trim(raw);
        const std::size_t ticks = line.find_first_not_of('`') == std::string::npos ? line.size() : line.find_first_not_of('`');
        if (open == 0) {
            if (ticks >= 3) open = ticks;
            return ticks >= 3;
        }
        if (ticks >= open && ticks == line.size()) open = 0;
        return true;
    }
};

/// The markdown files the checks read: README.md and docs/**/*.md, in a fixed order.
std::vector<fs::path> markdown_files() {
    std::vector<fs::path> files{source_dir / "README.md"};
    for (const auto& e : fs::recursive_directory_iterator(source_dir / "docs"))
        if (e.is_regular_file() && e.path().extension() == ".md") files.push_back(e.path());
    std::sort(files.begin() + 1, files.end());
    return files;
}

std::string where(const fs::path& file, std::size_t index) {
    return fs::relative(file, source_dir).string() + ":" + std::to_string(index + 1);
}

/// A directive `<!-- KIND: ARGUMENT -->` and the fenced block that must follow it.
struct quoted_block {
    std::string location;  // file:line of the directive
    std::string argument;
    std::vector<std::string> body;
};

std::vector<quoted_block> quoted_blocks(const std::string& kind) {
    std::vector<quoted_block> out;
    const std::string open = "<!-- " + kind + ":";
    for (const auto& file : markdown_files()) {
        const auto lines = lines_of(tcpv_test::slurp(file.string()));
        fence_tracker fence;
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (fence.fenced(lines[i])) continue;  // a directive shown as an example is not one
            const std::string line = trim(lines[i]);
            if (line.rfind(open, 0) != 0) continue;
            quoted_block q;
            q.location = where(file, i);
            INFO(q.location);
            REQUIRE_MESSAGE(line.size() >= open.size() + 4, "directive without an argument");
            REQUIRE_MESSAGE(line.substr(line.size() - 3) == "-->", "the directive must end on its line with -->");
            q.argument = trim(line.substr(open.size(), line.size() - 3 - open.size()));
            REQUIRE_MESSAGE(i + 1 < lines.size(), "the directive must be followed by a fenced block");
            REQUIRE_MESSAGE(trim(lines[i + 1]).rfind("```", 0) == 0, "the line after the directive must open a ``` block");
            std::size_t j = i + 2;
            for (; j < lines.size() && trim(lines[j]) != "```"; ++j) q.body.push_back(lines[j]);
            REQUIRE_MESSAGE(j < lines.size(), "the fenced block is not closed");
            out.push_back(std::move(q));
            i = j;
        }
    }
    return out;
}

/// The lines between the two `[snippet NAME]` markers of a source file, dedented.
std::vector<std::string> snippet(const fs::path& file, const std::string& name) {
    const auto lines = lines_of(tcpv_test::slurp(file.string()));
    const std::regex marker(R"(^\s*(//|#) \[snippet ([A-Za-z0-9_.-]+)\]$)");
    std::vector<std::size_t> at;
    std::vector<std::string> body;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::smatch m;
        if (std::regex_match(lines[i], m, marker)) {
            if (m[2] == name) at.push_back(i);
            continue;  // markers are never part of a snippet
        }
        if (at.size() == 1) body.push_back(lines[i]);
    }
    INFO("snippet '" << name << "' of " << fs::relative(file, source_dir).string());
    REQUIRE_MESSAGE(at.size() == 2, "needs exactly two marker lines `// [snippet " << name << "]`, found " << at.size());
    std::size_t indent = std::string::npos;
    for (const auto& l : body)
        if (!l.empty()) indent = std::min(indent, l.find_first_not_of(' '));
    for (auto& l : body)
        if (!l.empty()) l = l.substr(indent);
    return body;
}

std::string normalise_figures(std::string text) {
    static const std::regex figures(R"([0-9][0-9.e+-]* s, [0-9][0-9.e+-]* MiB peak)");
    return std::regex_replace(text, figures, "# s, # MiB peak");
}

/// Does `quote` (with `...` lines as gaps) appear in `output`, piece after piece?
bool quoted_in(const std::vector<std::string>& quote, const std::vector<std::string>& output, std::string& missing) {
    std::vector<std::vector<std::string>> pieces(1);
    for (const auto& l : quote) {
        if (trim(l) == "...") pieces.emplace_back();
        else pieces.back().push_back(l);
    }
    auto from = output.begin();
    for (const auto& piece : pieces) {
        if (piece.empty()) continue;
        const auto found = std::search(from, output.end(), piece.begin(), piece.end());
        if (found == output.end()) {
            missing = join(piece);
            return false;
        }
        from = found + static_cast<std::ptrdiff_t>(piece.size());
    }
    return true;
}

/// GitHub's id of a heading: lower case, punctuation other than - and _ dropped, spaces as -.
std::string heading_id(const std::string& heading) {
    std::string id;
    for (unsigned char c : heading) {
        if (std::isalnum(c) || c == '-' || c == '_') id += char(std::tolower(c));
        else if (c == ' ') id += '-';
        else if (c >= 0x80) id += char(c);  // letters outside ASCII are kept
    }
    return id;
}

std::set<std::string> heading_ids(const fs::path& file) {
    std::set<std::string> ids;
    std::map<std::string, int> seen;
    fence_tracker fence;
    for (const auto& line : lines_of(tcpv_test::slurp(file.string()))) {
        if (fence.fenced(line) || line.empty() || line[0] != '#') continue;
        const auto text = trim(line.substr(line.find_first_not_of('#')));
        std::string id = heading_id(text);
        const int n = seen[id]++;
        if (n > 0) id += "-" + std::to_string(n);
        ids.insert(id);
    }
    return ids;
}

}  // namespace

TEST_CASE("every quoted snippet equals the lines of the file it names") {
    const auto blocks = quoted_blocks("snippet");
    CHECK_MESSAGE(!blocks.empty(), "the docs quote no snippet at all: the directive format may have changed");
    for (const auto& q : blocks) {
        INFO(q.location << ": <!-- snippet: " << q.argument << " -->");
        const auto hash = q.argument.find('#');
        REQUIRE_MESSAGE(hash != std::string::npos, "the argument is PATH#NAME");
        const fs::path file = source_dir / q.argument.substr(0, hash);
        REQUIRE_MESSAGE(fs::is_regular_file(file), "no such file");
        const auto want = snippet(file, q.argument.substr(hash + 1));
        CHECK_MESSAGE(join(q.body) == join(want), "the quote differs from the source; the source has:\n" << join(want));
    }
}

TEST_CASE("every quoted program output appears in what the program prints now") {
    const auto blocks = quoted_blocks("output");
    CHECK_MESSAGE(!blocks.empty(), "the docs quote no program output at all");
    for (const auto& q : blocks) {
        INFO(q.location << ": <!-- output: " << q.argument << " -->");
        std::string command = q.argument;
        int want_status = -1;
        static const std::regex exit_suffix(R"(^(.*\S)\s+\(exit ([0-9]+)\)$)");
        std::smatch m;
        if (std::regex_match(command, m, exit_suffix)) {
            want_status = std::stoi(m[2]);
            command = m[1];
        }
        std::vector<std::string> argv;
        std::istringstream words(command);
        for (std::string w; words >> w;) argv.push_back(w);
        REQUIRE(!argv.empty());
        if (argv[0] == "tcpv") {
            argv[0] = TCPV_PROGRAM;
        } else if (argv[0].rfind("example_", 0) == 0) {
#ifndef TCPV_DOCS_EXAMPLES
            MESSAGE("skipped (configured with TCPV_BUILD_EXAMPLES=OFF): " << q.argument);
            continue;
#else
            argv[0] = (fs::path(TCPV_BINARY_DIR) / "bin" / argv[0]).string();
#endif
        } else {
            FAIL("the program is `tcpv` or `example_NAME`, not " << argv[0]);
        }
        const auto run = tcpv_test::run_program(argv, 300);
        INFO("stderr: " << run.err);
        if (want_status >= 0) CHECK(run.status == want_status);
        std::string missing;
        const bool found = quoted_in(lines_of(normalise_figures(join(q.body))), lines_of(normalise_figures(run.out)), missing);
        CHECK_MESSAGE(found, "these quoted lines are not in the output:\n" << missing << "\nthe output is:\n" << run.out);
    }
}

TEST_CASE("every relative link in README.md and docs/ resolves") {
    // [text](target) outside fenced blocks and code spans; target up to a space or ')'.
    const std::regex link(R"(\]\(([^)\s]+)(\s+"[^"]*")?\))");
    const std::regex code_span("`[^`]*`");
    std::size_t checked = 0;
    for (const auto& file : markdown_files()) {
        const auto lines = lines_of(tcpv_test::slurp(file.string()));
        fence_tracker fence;
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (fence.fenced(lines[i])) continue;
            const std::string text = std::regex_replace(lines[i], code_span, "``");
            for (auto it = std::sregex_iterator(text.begin(), text.end(), link); it != std::sregex_iterator(); ++it) {
                const std::string target = (*it)[1];
                if (target.find("://") != std::string::npos || target.rfind("mailto:", 0) == 0) continue;
                INFO(where(file, i) << ": link " << target);
                ++checked;
                const auto hash = target.find('#');
                const std::string path = target.substr(0, hash);
                const fs::path resolved = path.empty() ? file : (file.parent_path() / path).lexically_normal();
                CHECK_MESSAGE(fs::exists(resolved), "no such file or directory: " << resolved.string());
                if (hash == std::string::npos || !fs::exists(resolved) || resolved.extension() != ".md") continue;
                const std::string anchor = target.substr(hash + 1);
                CHECK_MESSAGE(heading_ids(resolved).count(anchor) == 1, "no heading with the id '" << anchor << "' in "
                                                                        << fs::relative(resolved, source_dir).string());
            }
        }
    }
    CHECK(checked > 0);
}

TEST_CASE("the tutorial's picture is what `tcpv dot` draws now") {
    const fs::path golden = source_dir / "docs" / "diagrams" / "tutorial-close-trace.dot";
    const auto run = tcpv_test::run_program({TCPV_PROGRAM, "dot", "close", "--set", "time_wait=1", "--graph", "trace"}, 120);
    REQUIRE(run.status == 0);
    const char* update = std::getenv("TCPV_UPDATE_GOLDEN");
    if (update && std::string(update) == "1") {
        std::ofstream(golden, std::ios::binary | std::ios::trunc) << run.out;
        MESSAGE("rewrote " << golden.string());
    }
    INFO("regenerate with `cmake --build build --target diagrams` (or TCPV_UPDATE_GOLDEN=1 build/bin/test_docs)");
    CHECK(tcpv_test::slurp(golden.string()) == run.out);
}
