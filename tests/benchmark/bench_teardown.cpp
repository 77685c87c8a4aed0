// tcpv_bench_teardown: tcpv against SPIN on the frozen benchmark model `teardown`
// (shared/bench/teardown.md), side by side on the same machine, measured the same way.
//
//   tcpv_bench_teardown [--set small|medium|CAP,MSL,RTO,MAXRETX[,TW]] [--threads 1,2]
//                       [--spin-configs all|dfs,bfs,ncore2,bfspar] [--tcpv PATH] [--work DIR]
//                       [--repeat N] [--timeout SECONDS] [--spin-depth N] [--smoke]
//
// tcpv runs first (`tcpv check teardown ... --json --quiet`, once per thread count): its state
// count sizes SPIN's hash table (pan -w), and tcpv's index in a second set of rows ("sized",
// `--expect-states`): both tools told the size of the run. Then the Promela twin of the model
// (promela_teardown.hpp) is written into the work directory, `spin -o2 -a` turns it into
// pan.c, and pan.c is compiled once per SPIN configuration (compile time reported apart from
// run time) and run.
// Every tool run is a child process; wall time is measured around fork()..wait4() and peak
// memory is wait4()'s ru_maxrss: the same method for both tools. Best of --repeat runs.
//
// Exit status: 0 the counts agree, 1 they disagree (the message names both numbers), 2 usage
// error, a missing tool, or a tool that failed, timed out or could not search the whole space.

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <tcpv/bench/teardown.hpp>

#include "pan_output.hpp"
#include "promela_teardown.hpp"

#ifndef TCPV_PROGRAM
#define TCPV_PROGRAM ""  // the tcpv program of this build tree (set by tests/CMakeLists.txt)
#endif
#ifndef TCPV_BENCH_CXX_FLAGS
#define TCPV_BENCH_CXX_FLAGS "flags unknown"  // build type and optimisation flags of this build
#endif

namespace {

namespace fs = std::filesystem;
using tcpv_bench::pan_result;

constexpr const char* usage_text =
    "usage: tcpv_bench_teardown [--set small|medium|CAP,MSL,RTO,MAXRETX[,TW]] [--threads 1,2]\n"
    "                           [--spin-configs all|dfs,bfs,ncore2,bfspar] [--tcpv PATH] [--work DIR]\n"
    "                           [--repeat N] [--timeout SECONDS] [--spin-depth N] [--hash-compact]\n"
    "                           [--keep-states] [--smoke]\n"
    "  --set           parameters of `teardown`: small = 2,2,1,2,4 (default), medium = 6,4,2,3,8;\n"
    "                  TW defaults to 2*MSL\n"
    "  --threads       tcpv thread counts, one tcpv run each (default 1,2)\n"
    "  --spin-configs  SPIN verifiers to build and run (default all):\n"
    "                    dfs     plain depth-first search\n"
    "                    bfs     breadth-first search (-DBFS)\n"
    "                    ncore2  multi-core depth-first search on 2 cores (-DNCORE=2, pan -z10)\n"
    "                    bfspar  parallel breadth-first search on 2 cores (-DBFS_PAR, pan -u2)\n"
    "  --tcpv          the tcpv program (default: `tcpv` next to this program)\n"
    "  --work          directory for the Promela model, pan and the outputs (default: a new\n"
    "                  directory under $TMPDIR or /tmp; it is kept)\n"
    "  --repeat        runs per configuration; the fastest counts, the median too in the\n"
    "                  scaling lines (default 1)\n"
    "  --timeout       seconds any one child process may run before it is stopped (default 600)\n"
    "  --spin-depth    pan's depth bound -m (default 10000); reaching it is an error\n"
    "  --keep-states   also run tcpv with every state kept (--keep-states), one row per thread\n"
    "                  count; tcpv's own rows use its default storage, the key index\n"
    "  --hash-compact  also run tcpv with hash compaction (--hash-compact W, W = SPIN's -w), one row\n"
    "                  per thread count (inexact storage, like SPIN's BFS_PAR default)\n"
    "  --smoke         small set, SPIN dfs and tcpv on 1 thread only; exit 0 when the counts agree\n"
    "exit status: 0 counts agree, 1 counts disagree, 2 usage error or a tool failed\n";

/// Exit status 2: missing tool, a tool that failed, timed out or could not finish its search.
struct fatal_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};
/// Exit status 2 as well, with a pointer to --help: the command line is wrong.
struct usage_error : fatal_error {
    using fatal_error::fatal_error;
};

// ---------------------------------------------------------------------------------------------
// Command line

struct parameter_set {
    std::string name;  ///< "small", "medium" or "custom"
    int cap = 2, msl = 2, rto = 1, maxretx = 2, tw = 4;

    [[nodiscard]] std::string text() const {
        return "CAP=" + std::to_string(cap) + " MSL=" + std::to_string(msl) + " RTO=" + std::to_string(rto) +
               " MAXRETX=" + std::to_string(maxretx) + " TW=" + std::to_string(tw);
    }
};

enum class spin_mode { dfs, bfs, ncore2, bfspar };
constexpr spin_mode all_spin_modes[] = {spin_mode::dfs, spin_mode::bfs, spin_mode::ncore2, spin_mode::bfspar};

const char* mode_name(spin_mode m) {
    switch (m) {
        case spin_mode::dfs: return "dfs";
        case spin_mode::bfs: return "bfs";
        case spin_mode::ncore2: return "ncore2";
        case spin_mode::bfspar: return "bfspar";
    }
    return "?";
}

struct options {
    parameter_set params{"small"};
    std::vector<unsigned> threads{1, 2};
    std::vector<spin_mode> spin_modes{std::begin(all_spin_modes), std::end(all_spin_modes)};
    std::string tcpv_path;
    std::string work_dir;
    int repeat = 1;
    double timeout_seconds = 600;
    long spin_depth = 10000;
    bool smoke = false;
    bool hash_compact = false;
    bool keep_states = false;
};

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream is(s);
    while (std::getline(is, part, sep)) parts.push_back(part);
    if (!s.empty() && s.back() == sep) parts.emplace_back();
    return parts;
}

long parse_integer(const std::string& option, const std::string& text, long lo, long hi) {
    std::size_t used = 0;
    long v = 0;
    try {
        v = std::stol(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (text.empty() || used != text.size())
        throw usage_error(option + " needs an integer, not '" + text + "'");
    if (v < lo || v > hi)
        throw usage_error(option + " " + text + " is out of range: allowed " + std::to_string(lo) + " to " +
                          std::to_string(hi));
    return v;
}

parameter_set parse_set(const std::string& text) {
    if (text == "small") return {"small", 2, 2, 1, 2, 4};
    if (text == "medium") return {"medium", 6, 4, 2, 3, 8};
    const auto parts = split(text, ',');
    if (parts.size() != 4 && parts.size() != 5)
        throw usage_error("--set needs small, medium or CAP,MSL,RTO,MAXRETX[,TW], not '" + text + "'");
    // Wide bounds here; the model's own validate() names the exact range of each parameter.
    auto value = [&](std::size_t i, const char* name) {
        return static_cast<int>(parse_integer(std::string("--set ") + name, parts[i], -1000, 1000));
    };
    parameter_set p{"custom"};
    p.cap = value(0, "CAP");
    p.msl = value(1, "MSL");
    p.rto = value(2, "RTO");
    p.maxretx = value(3, "MAXRETX");
    p.tw = parts.size() == 5 ? value(4, "TW") : 2 * p.msl;
    return p;
}

std::string option_value(int argc, char** argv, int& i) {
    if (i + 1 >= argc) throw usage_error(std::string(argv[i]) + " needs a value");
    return argv[++i];
}

options parse_options(int argc, char** argv) {
    options o;
    bool explicit_set = false, explicit_threads = false, explicit_configs = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--set") {
            o.params = parse_set(option_value(argc, argv, i));
            explicit_set = true;
        } else if (arg == "--threads") {
            o.threads.clear();
            for (const auto& t : split(option_value(argc, argv, i), ','))
                o.threads.push_back(static_cast<unsigned>(parse_integer("--threads", t, 1, 1024)));
            explicit_threads = true;
        } else if (arg == "--spin-configs") {
            const std::string v = option_value(argc, argv, i);
            std::vector<spin_mode> chosen;
            if (v != "all") {
                for (const auto& name : split(v, ',')) {
                    const auto* m = std::find_if(std::begin(all_spin_modes), std::end(all_spin_modes),
                                                 [&](spin_mode x) { return name == mode_name(x); });
                    if (m == std::end(all_spin_modes))
                        throw usage_error("--spin-configs: unknown configuration '" + name +
                                          "' (all, or a list of dfs, bfs, ncore2, bfspar)");
                    chosen.push_back(*m);
                }
            } else {
                chosen.assign(std::begin(all_spin_modes), std::end(all_spin_modes));
            }
            // Always in the canonical order: dfs first, whose state vector size tunes ncore2.
            o.spin_modes.clear();
            for (spin_mode m : all_spin_modes)
                if (std::find(chosen.begin(), chosen.end(), m) != chosen.end()) o.spin_modes.push_back(m);
            explicit_configs = true;
        } else if (arg == "--tcpv") {
            o.tcpv_path = option_value(argc, argv, i);
        } else if (arg == "--work") {
            o.work_dir = option_value(argc, argv, i);
        } else if (arg == "--repeat") {
            o.repeat = static_cast<int>(parse_integer("--repeat", option_value(argc, argv, i), 1, 100));
        } else if (arg == "--timeout") {
            o.timeout_seconds = static_cast<double>(parse_integer("--timeout", option_value(argc, argv, i), 1, 86400));
        } else if (arg == "--spin-depth") {
            o.spin_depth = parse_integer("--spin-depth", option_value(argc, argv, i), 10, 100000000);
        } else if (arg == "--smoke") {
            o.smoke = true;
        } else if (arg == "--hash-compact") {
            o.hash_compact = true;
        } else if (arg == "--keep-states") {
            o.keep_states = true;
        } else if (arg == "--help" || arg == "-h") {
            std::cout << usage_text;
            std::exit(0);
        } else {
            throw usage_error("unknown argument '" + arg + "'");
        }
    }
    if (o.smoke) {
        if (explicit_set || explicit_threads || explicit_configs)
            throw usage_error("--smoke runs the small set, SPIN dfs and tcpv on 1 thread: drop --set, --threads "
                              "and --spin-configs");
        o.params = parse_set("small");
        o.threads = {1};
        o.spin_modes = {spin_mode::dfs};
        o.repeat = 1;
    }
    try {
        tcpv::bench::teardown{o.params.cap, o.params.msl, o.params.rto, o.params.maxretx, o.params.tw}.validate();
    } catch (const std::invalid_argument& e) {
        throw usage_error(std::string("--set: ") + e.what());
    }
    return o;
}

// ---------------------------------------------------------------------------------------------
// Child processes, measured

struct child_run {
    std::vector<std::string> argv;
    std::string cwd;
    int exit_status = -1;  ///< -1 when killed by a signal
    int signal = 0;
    bool timed_out = false;
    double seconds = 0;               ///< wall time, fork() to wait4()
    std::uint64_t peak_rss_bytes = 0;  ///< ru_maxrss of the child (largest of it and its reaped children)
    std::string out, err;

    [[nodiscard]] bool ok() const { return !timed_out && signal == 0 && exit_status == 0; }
    [[nodiscard]] std::string status_text() const {
        if (timed_out) return "timed out";
        if (signal) return "killed by signal " + std::to_string(signal);
        return "exit status " + std::to_string(exit_status);
    }
};

std::string read_file(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::string shell_quote(const std::string& s) {
    if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=./,:@") ==
                          std::string::npos)
        return s;
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

// (Appends piece by piece: GCC 12's -Wrestrict misfires on `"literal" + std::string` here.)
std::string command_text(const std::vector<std::string>& argv, const std::string& cwd = {}) {
    std::string s;
    if (!cwd.empty()) {
        s += "cd ";
        s += shell_quote(cwd);
        s += " && ";
    }
    for (std::size_t i = 0; i < argv.size(); ++i) {
        if (i) s += ' ';
        s += shell_quote(argv[i]);
    }
    return s;
}

/// Runs argv[0] (a path) in `cwd`, stdout and stderr to `log_stem`.out/.err, stdin from
/// /dev/null, in a process group of its own (pan's multi-core modes fork workers). After
/// `timeout` seconds the group gets SIGINT (pan then releases its shared memory), and SIGKILL
/// 10 seconds later.
child_run run_child(std::vector<std::string> argv, const std::string& cwd, const fs::path& log_stem, double timeout) {
    child_run r;
    r.argv = std::move(argv);
    r.cwd = cwd;
    const std::string out_path = log_stem.string() + ".out", err_path = log_stem.string() + ".err";
    std::vector<char*> args;
    for (auto& a : r.argv) args.push_back(a.data());
    args.push_back(nullptr);
    const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int in_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out_fd < 0 || err_fd < 0 || in_fd < 0) throw fatal_error("cannot create " + out_path + " or " + err_path);

    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid < 0) throw fatal_error("fork failed");
    if (pid == 0) {  // the child: only async-signal-safe calls until exec
        ::setpgid(0, 0);
        if (::chdir(cwd.c_str()) != 0) ::_exit(126);
        ::dup2(in_fd, 0);
        ::dup2(out_fd, 1);
        ::dup2(err_fd, 2);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::setpgid(pid, pid);  // also here, so that the group exists before any kill below
    ::close(out_fd);
    ::close(err_fd);
    ::close(in_fd);

    std::mutex m;
    std::condition_variable cv;
    bool finished = false;
    bool timed_out = false;
    std::thread watchdog([&] {
        std::unique_lock lock(m);
        if (cv.wait_for(lock, std::chrono::duration<double>(timeout), [&] { return finished; })) return;
        timed_out = true;
        ::kill(-pid, SIGINT);
        if (cv.wait_for(lock, std::chrono::seconds(10), [&] { return finished; })) return;
        ::kill(-pid, SIGKILL);
    });
    int status = 0;
    rusage usage{};
    while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    const auto end = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(m);
        finished = true;
    }
    cv.notify_all();
    watchdog.join();
    if (timed_out) ::kill(-pid, SIGKILL);  // workers left behind by a stopped leader (our own group)

    r.timed_out = timed_out;
    r.seconds = std::chrono::duration<double>(end - start).count();
    r.peak_rss_bytes = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;  // Linux: kilobytes
    if (WIFEXITED(status)) r.exit_status = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
    r.out = read_file(out_path);
    r.err = read_file(err_path);
    if (r.exit_status == 127 && r.out.empty() && r.err.empty()) throw fatal_error("cannot run " + r.argv[0]);
    return r;
}

/// Tail of a tool's output for an error message.
std::string tail(const std::string& s, std::size_t lines = 15) {
    std::size_t pos = s.size();
    for (std::size_t n = 0; n <= lines && pos > 0; ++n) pos = s.rfind('\n', pos - 1);
    return pos == std::string::npos || pos == 0 ? s : s.substr(pos + 1);
}

void require_ok(const child_run& r, const std::string& what) {
    if (r.ok()) return;
    throw fatal_error(what + " failed (" + r.status_text() + "): " + command_text(r.argv, r.cwd) + "\n" +
                      tail(r.out) + tail(r.err));
}

std::optional<std::string> find_in_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    for (const auto& dir : split(path ? path : "/usr/bin:/bin", ':')) {
        const fs::path p = fs::path(dir.empty() ? "." : dir) / name;
        if (::access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p)) return fs::absolute(p).string();
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// The machine

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

/// The 1, 5 and 15 minute load averages from /proc/loadavg.
std::string load_average() {
    std::istringstream is(read_file("/proc/loadavg"));
    std::string one, five, fifteen;
    is >> one >> five >> fifteen;
    return one + " " + five + " " + fifteen;
}

std::string proc_field(const char* file, const std::string& key) {
    std::ifstream f(file);
    std::string line;
    while (std::getline(f, line))
        if (line.starts_with(key)) {
            const auto colon = line.find(':');
            if (colon == std::string::npos) continue;
            const auto begin = line.find_first_not_of(" \t", colon + 1);
            return begin == std::string::npos ? "" : line.substr(begin);
        }
    return "";
}

std::uint64_t mem_total_bytes() {
    const std::string kb = proc_field("/proc/meminfo", "MemTotal");  // "24684084 kB"
    try {
        return std::stoull(kb) * 1024;
    } catch (const std::exception&) {
        return 0;
    }
}

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

// ---------------------------------------------------------------------------------------------
// Results

struct measurement {
    std::string tool;    ///< "tcpv" or "SPIN"
    std::string config;  ///< e.g. "BFS", "DFS", "NCORE=2 DFS"
    unsigned cores = 1;
    std::uint64_t states = 0, transitions = 0;  ///< as the tool printed them (pan: rounded if huge)
    double seconds = 0;                         ///< best of the repeats
    std::vector<double> all_seconds;            ///< every repeat, in the order run
    std::uint64_t peak_rss_bytes = 0;           ///< of the fastest run
    std::string command;
    // SPIN only
    spin_mode mode = spin_mode::dfs;
    pan_result pan;
    double compile_seconds = 0;
    std::string compile_command;

    [[nodiscard]] double states_per_second() const { return seconds > 0 ? double(states) / seconds : 0; }
    [[nodiscard]] double median_seconds() const {
        std::vector<double> v = all_seconds;
        if (v.empty()) return seconds;
        std::sort(v.begin(), v.end());
        return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    }
    [[nodiscard]] std::string label() const { return tool + " " + config; }
};

struct tcpv_figures {
    std::uint64_t states = 0, transitions = 0;
    std::string verdict;
};

std::optional<std::string> json_raw(const std::string& json, const std::string& key) {
    const std::string k = "\"" + key + "\":";
    const auto at = json.find(k);  // first occurrence: the top-level key (properties come last)
    if (at == std::string::npos) return std::nullopt;
    std::size_t b = at + k.size();
    if (b < json.size() && json[b] == '"') {
        const auto e = json.find('"', b + 1);
        if (e == std::string::npos) return std::nullopt;
        return json.substr(b + 1, e - b - 1);
    }
    std::size_t e = b;
    while (e < json.size() && json[e] != ',' && json[e] != '}') ++e;
    return json.substr(b, e - b);
}

tcpv_figures parse_tcpv_json(const child_run& r) {
    auto number = [&](const char* key) -> std::uint64_t {
        const auto v = json_raw(r.out, key);
        try {
            if (v) return std::stoull(*v);
        } catch (const std::exception&) {
        }
        throw fatal_error(std::string("tcpv printed no \"") + key + "\" figure: " + command_text(r.argv) + "\n" +
                          tail(r.out) + tail(r.err));
    };
    tcpv_figures f;
    f.states = number("states");
    f.transitions = number("transitions");
    f.verdict = json_raw(r.out, "verdict").value_or("?");
    const auto limit = json_raw(r.out, "limit");
    if (limit && *limit != "null") throw fatal_error("tcpv stopped at a search limit (" + *limit + ")");
    return f;
}

std::string fixed(double v, int decimals) {
    std::ostringstream os;
    os << std::fixed << std::setprecision(decimals) << v;
    return os.str();
}

/// 3411649 -> "3,411,649"
std::string grouped(std::uint64_t v) {
    const std::string digits = std::to_string(v);
    std::string s;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
        s += digits[i];
    }
    return s;
}

std::string mib(std::uint64_t bytes) { return fixed(double(bytes) / (1 << 20), 1); }

std::string ratio(double a, double b) { return b > 0 ? fixed(a / b, 2) : "-"; }

void print_table(std::ostream& os, const std::vector<measurement>& rows) {
    const measurement* spin_dfs = nullptr;
    const measurement* fastest_spin = nullptr;
    for (const auto& r : rows) {
        if (r.tool != "SPIN") continue;
        if (r.mode == spin_mode::dfs) spin_dfs = &r;
        if (!fastest_spin || r.states_per_second() > fastest_spin->states_per_second()) fastest_spin = &r;
    }
    const std::vector<std::string> head = {"tool / config", "threads/cores", "distinct states", "transitions",
                                           "seconds", "states/s", "peak RSS MiB", "bytes/state",
                                           "states/s vs fastest SPIN", "states/s vs SPIN DFS", "RSS vs SPIN DFS"};
    std::vector<std::vector<std::string>> cells;
    for (const auto& r : rows) {
        cells.push_back({r.label(), std::to_string(r.cores), grouped(r.states), grouped(r.transitions),
                         fixed(r.seconds, 3), grouped(static_cast<std::uint64_t>(r.states_per_second())),
                         mib(r.peak_rss_bytes),
                         r.states ? fixed(double(r.peak_rss_bytes) / double(r.states), 1) : "-",
                         fastest_spin ? ratio(r.states_per_second(), fastest_spin->states_per_second()) : "-",
                         spin_dfs ? ratio(r.states_per_second(), spin_dfs->states_per_second()) : "-",
                         spin_dfs ? ratio(double(r.peak_rss_bytes), double(spin_dfs->peak_rss_bytes)) : "-"});
    }
    std::vector<std::size_t> width(head.size());
    for (std::size_t c = 0; c < head.size(); ++c) {
        width[c] = head[c].size();
        for (const auto& row : cells) width[c] = std::max(width[c], row[c].size());
    }
    auto print_row = [&](const std::vector<std::string>& row) {
        os << '|';
        for (std::size_t c = 0; c < row.size(); ++c) {
            // Names left-aligned, figures right-aligned.
            if (c == 0) os << ' ' << std::left << std::setw(static_cast<int>(width[c])) << row[c] << " |";
            else os << ' ' << std::right << std::setw(static_cast<int>(width[c])) << row[c] << " |";
        }
        os << '\n';
    };
    print_row(head);
    os << '|';
    for (std::size_t c = 0; c < head.size(); ++c)
        os << (c == 0 ? ":" : "-") << std::string(width[c], '-') << (c == 0 ? "-|" : ":|");
    os << '\n';
    for (const auto& row : cells) print_row(row);
}

// The rate of each tcpv configuration on N threads over its rate on 1 thread: from the best
// runs (the table's seconds) and, with more than one run, from the median runs, which one
// lucky or unlucky run moves less.
void print_scaling(std::ostream& os, const std::vector<measurement>& rows, int repeat) {
    std::vector<std::string> lines;
    for (const auto& one : rows) {
        if (one.tool != "tcpv" || one.cores != 1) continue;
        for (const auto& r : rows) {
            if (r.tool != "tcpv" || r.config != one.config || r.cores == 1) continue;
            std::string line = r.label() + ", " + std::to_string(r.cores) + " threads: " +
                               fixed(one.seconds / r.seconds, 2) + "x the 1-thread rate (best runs)";
            if (repeat > 1) line += ", " + fixed(one.median_seconds() / r.median_seconds(), 2) + "x (median runs)";
            lines.push_back(line);
        }
    }
    if (lines.empty()) return;
    os << "\nscaling (states/s against the same configuration on 1 thread):\n";
    for (const auto& l : lines) os << "  " << l << '\n';
}

// ---------------------------------------------------------------------------------------------
// The benchmark

struct spin_setup {
    std::vector<std::string> defines;  ///< -D flags for gcc, beyond the common ones
    std::vector<std::string> run_flags;
    unsigned cores = 1;
    std::string config;
};

spin_setup setup_for(spin_mode m, int state_vector_bytes) {
    switch (m) {
        case spin_mode::dfs: return {{}, {}, 1, "DFS"};
        case spin_mode::bfs: return {{"-DBFS"}, {}, 1, "BFS (-DBFS)"};
        case spin_mode::ncore2: {
            // Handoff depth -z10: states deeper than 10 below a core's starting point go to the
            // other core. pan's default -z20 leaves the second core nearly idle on this shallow
            // model (DFS depth ~35 on the medium set: 7.2 s against 4.0 s with -z10).
            // -DVMAX: the size of a handoff slot; pan's default is VECTORSZ (1024 bytes), and it
            // recommends the state vector size rounded up to 8, known from the dfs run.
            spin_setup s{{"-DNCORE=2"}, {"-z10"}, 2, "NCORE=2 DFS (-z10)"};
            if (state_vector_bytes > 0)
                s.defines.push_back("-DVMAX=" + std::to_string((state_vector_bytes + 7) / 8 * 8));
            return s;
        }
        case spin_mode::bfspar:
            // SPIN's default storage in this mode is hash-compact (a 4-byte signature per state,
            // probabilistic); -DNO_HC (full vectors) needs ~2 GB for -w23 and is slower, and
            // SPIN's documentation advises against it. -u2: two cores.
            return {{"-DBFS_PAR"}, {"-u2"}, 2, "BFS_PAR (-u2, hash-compact)"};
    }
    return {};
}

int run(const options& o) {
    // Tools
    const auto spin = find_in_path("spin");
    if (!spin) throw fatal_error("spin is not installed (not found in PATH): apt-get install spin");
    const auto gcc = find_in_path("gcc");
    if (!gcc) throw fatal_error("gcc is not installed (not found in PATH): apt-get install gcc");
    std::string tcpv = o.tcpv_path;
    if (tcpv.empty()) {
        std::error_code ec;
        const fs::path self = fs::read_symlink("/proc/self/exe", ec);
        const fs::path sibling = self.parent_path() / "tcpv";
        tcpv = !ec && ::access(sibling.c_str(), X_OK) == 0 ? sibling.string() : std::string(TCPV_PROGRAM);
    }
    if (tcpv.empty() || ::access(tcpv.c_str(), X_OK) != 0)
        throw fatal_error("the tcpv program '" + tcpv + "' is not an executable: build it or pass --tcpv PATH");
    tcpv = fs::absolute(tcpv).string();

    // Work directory
    fs::path work;
    if (o.work_dir.empty()) {
        const char* tmp = std::getenv("TMPDIR");
        std::string tmpl = (fs::path(tmp && *tmp ? tmp : "/tmp") / "tcpv-bench-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) throw fatal_error("cannot create a work directory " + tmpl);
        work = tmpl;
    } else {
        std::error_code ec;
        fs::create_directories(o.work_dir, ec);
        if (ec || !fs::is_directory(o.work_dir)) throw fatal_error("cannot create the work directory " + o.work_dir);
        work = fs::absolute(o.work_dir);
    }
    const std::string wd = work.string();

    // Machine. The load average at the start tells whether other work shared the CPUs.
    const std::string load_at_start = load_average();
    const std::uint64_t mem_total = mem_total_bytes();
    // pan's memory bound (MB): three quarters of the machine, at most 16 GiB. NCORE and
    // BFS_PAR reserve (not touch) shared memory of this size, so no larger than needed.
    const std::uint64_t memlim_mb = mem_total ? std::min<std::uint64_t>(mem_total / 4 * 3 >> 20, 16384) : 4096;
    const auto gcc_version = run_child({*gcc, "--version"}, wd, work / "gcc-version", o.timeout_seconds);
    const auto spin_version = run_child({*spin, "-V"}, wd, work / "spin-version", o.timeout_seconds);
    const auto tcpv_version = run_child({tcpv, "--version"}, wd, work / "tcpv-version", o.timeout_seconds);

    std::vector<std::string> commands;
    std::vector<measurement> rows;
    std::vector<std::string> disagreements;
    const auto& p = o.params;

    // One tcpv configuration, once per thread count (best of --repeat): `extra` are its own
    // options, `label` its name in the table. The first run is the reference for the counts.
    // The thread counts take turns (run k of each, then run k + 1 of each), so that a slow
    // spell of the shared machine falls on all of them and their ratio compares like with like.
    std::optional<tcpv_figures> reference;
    auto run_tcpv_rows = [&](const std::vector<std::string>& extra, const std::string& label, const std::string& tag,
                             bool exact) {
        std::vector<measurement> bests(o.threads.size());
        for (int k = 0; k < o.repeat; ++k) {
            for (std::size_t t = 0; t < o.threads.size(); ++t) {
                const unsigned threads = o.threads[t];
                measurement& best = bests[t];
                std::vector<std::string> argv = {tcpv, "check", "teardown", "--set", "cap=" + std::to_string(p.cap),
                                                 "--set", "msl=" + std::to_string(p.msl), "--set",
                                                 "rto=" + std::to_string(p.rto), "--set",
                                                 "maxretx=" + std::to_string(p.maxretx), "--set",
                                                 "tw=" + std::to_string(p.tw), "--threads", std::to_string(threads)};
                argv.insert(argv.end(), extra.begin(), extra.end());
                argv.insert(argv.end(), {"--json", "--quiet"});
                const fs::path log = work / ("tcpv" + tag + "-t" + std::to_string(threads) + "-" + std::to_string(k + 1));
                const auto r = run_child(argv, wd, log, o.timeout_seconds);
                if (r.timed_out || r.signal || (r.exit_status != 0 && r.exit_status != 1))  // 1: violated
                    require_ok(r, "tcpv");
                const auto f = parse_tcpv_json(r);
                if (!reference) reference = f;
                if (f.states != reference->states || f.transitions != reference->transitions ||
                    f.verdict != reference->verdict) {
                    const std::string what = "tcpv " + label + " with " + std::to_string(threads) + " threads found " +
                                             grouped(f.states) + " states, " + grouped(f.transitions) +
                                             " transitions (" + f.verdict + "), exact storage found " +
                                             grouped(reference->states) + ", " + grouped(reference->transitions) +
                                             " (" + reference->verdict + ")";
                    // Hash compaction may miss states (the report bounds the probability): shown,
                    // not counted as a disagreement.
                    if (exact)
                        disagreements.push_back(what);
                    else
                        commands.push_back("note: " + what);
                }
                best.all_seconds.push_back(r.seconds);
                if (k == 0 || r.seconds < best.seconds) {
                    best.tool = "tcpv";
                    best.config = label;
                    best.cores = threads;
                    best.states = f.states;
                    best.transitions = f.transitions;
                    best.seconds = r.seconds;
                    best.peak_rss_bytes = r.peak_rss_bytes;
                    best.command = command_text(argv);
                }
            }
        }
        for (const measurement& best : bests) {
            commands.push_back("tcpv " + label + ", " + std::to_string(best.cores) + " thread(s):  " + best.command);
            rows.push_back(best);
        }
    };
    // tcpv first: its state count sizes SPIN's hash table.
    // tcpv check's own choice of storage: the key index for this model (its state packs into
    // 56 bits), which keeps only the newest level's states.
    run_tcpv_rows({}, "BFS, key index", "", true);
    // Told the number of states, as pan's -w below is: the index is made for them at the
    // start and never grows (--expect-states).
    const std::string expected = std::to_string(reference->states);
    run_tcpv_rows({"--expect-states", expected}, "BFS, key index, sized", "-sized", true);
    // Every state kept and numbered (what drawing the state graph needs).
    if (o.keep_states) run_tcpv_rows({"--keep-states"}, "BFS, all states kept", "-keep", true);

    // SPIN: the Promela twin, pan.c, one pan per configuration.
    const fs::path pml = work / "teardown.pml";
    {
        std::ofstream f(pml);
        f << tcpv_bench::promela_teardown(p.cap, p.msl, p.rto, p.maxretx, p.tw);
        if (!f) throw fatal_error("cannot write " + pml.string());
    }
    const auto spin_a = run_child({*spin, "-o2", "-a", "teardown.pml"}, wd, work / "spin-a", o.timeout_seconds);
    require_ok(spin_a, "spin -a");
    if (!fs::exists(work / "pan.c"))
        throw fatal_error("spin -a wrote no pan.c:\n" + tail(spin_a.out) + tail(spin_a.err));
    commands.push_back("Promela (" + fixed(spin_a.seconds, 2) + " s):  " + command_text(spin_a.argv, wd));

    // Hash table: 2^w slots, twice the number of states (rounded up to a power of two).
    const double expected_states = double(std::max<std::uint64_t>(reference->states, 2));
    const int w = std::clamp(static_cast<int>(std::ceil(std::log2(expected_states))) + 1, 10, 40);

    // tcpv with hash compaction in a table of the same 2^w slots (optional rows).
    if (o.hash_compact) {
        const std::string hc_w = std::to_string(std::min(w, 32));
        run_tcpv_rows({"--hash-compact", hc_w}, "BFS hash-compact (-w" + hc_w + ")", "-hc", false);
    }
    int state_vector_bytes = 0;
    for (spin_mode mode : o.spin_modes) {
        const spin_setup s = setup_for(mode, state_vector_bytes);
        const std::string binary = std::string("pan_") + mode_name(mode);
        std::vector<std::string> cc = {*gcc, "-O3", "-DSAFETY", "-DNOREDUCE", "-DMEMLIM=" + std::to_string(memlim_mb)};
        cc.insert(cc.end(), s.defines.begin(), s.defines.end());
        cc.insert(cc.end(), {"-o", binary, "pan.c"});
        const auto compiled = run_child(cc, wd, work / ("gcc-" + binary), o.timeout_seconds);
        require_ok(compiled, "compiling " + binary);

        // -c0: keep searching after an assertion violation, so that a failing property still
        // yields the whole state space (tcpv explores it all too); a no-op when it holds.
        std::vector<std::string> argv = {"./" + binary, "-m" + std::to_string(o.spin_depth),
                                         "-w" + std::to_string(w), "-c0"};
        argv.insert(argv.end(), s.run_flags.begin(), s.run_flags.end());
        measurement best;
        for (int k = 0; k < o.repeat; ++k) {
            const auto r = run_child(argv, wd, work / (binary + "-" + std::to_string(k + 1)), o.timeout_seconds);
            require_ok(r, binary);
            const pan_result pr = tcpv_bench::parse_pan_output(r.out);
            const std::string cmd = command_text(argv, wd);
            if (!pr.has_summary)
                throw fatal_error(binary + " printed no state count: " + cmd + "\n" + tail(r.out) + tail(r.err));
            if (pr.depth_too_small)
                throw fatal_error(binary + ": max search depth too small (-m" + std::to_string(o.spin_depth) +
                                  "), states were cut off: raise --spin-depth");
            if (pr.out_of_memory)
                throw fatal_error(binary + " ran out of memory (MEMLIM " + std::to_string(memlim_mb) + " MB)");
            if (pr.incomplete) throw fatal_error(binary + ": search not completed:\n" + tail(r.out));
            if (state_vector_bytes == 0) state_vector_bytes = pr.state_vector_bytes;

            const bool spin_violated = pr.errors > 0;
            const bool tcpv_violated = reference->verdict == "violated";
            if (!pr.stored.matches(reference->states))
                disagreements.push_back("SPIN " + s.config + " stored " + pr.stored.text() + " states, tcpv " +
                                        std::to_string(reference->states) + " (they must be equal)");
            if (!pr.transitions.matches(reference->transitions + 1))
                disagreements.push_back("SPIN " + s.config + " counted " + pr.transitions.text() +
                                        " transitions, tcpv " + std::to_string(reference->transitions) +
                                        " (SPIN's must be tcpv's + 1)");
            if (spin_violated != tcpv_violated)
                disagreements.push_back("SPIN " + s.config + " reports " + std::to_string(pr.errors) +
                                        " assertion violation(s), tcpv's verdict is " + reference->verdict);
            if (k == 0 || r.seconds < best.seconds) {
                best.tool = "SPIN";
                best.config = s.config;
                best.mode = mode;
                best.cores = s.cores;
                best.states = static_cast<std::uint64_t>(std::llround(pr.stored.value));
                best.transitions = static_cast<std::uint64_t>(std::llround(pr.transitions.value));
                best.seconds = r.seconds;
                best.peak_rss_bytes = r.peak_rss_bytes;
                best.pan = pr;
                best.command = cmd;
                best.compile_seconds = compiled.seconds;
                best.compile_command = command_text(cc, wd);
            }
        }
        commands.push_back("compile " + binary + " (" + fixed(best.compile_seconds, 2) +
                           " s):  " + best.compile_command);
        commands.push_back("run " + binary + ":  " + best.command);
        rows.push_back(best);
    }

    // Report
    std::ostream& os = std::cout;
    os << "tcpv against SPIN on the frozen benchmark model `teardown` (shared/bench/teardown.md)\n\n";
    std::string cpu = proc_field("/proc/cpuinfo", "model name");
    os << "machine:    " << std::thread::hardware_concurrency() << " CPUs" << (cpu.empty() ? "" : " (" + cpu + ")")
       << ", " << fixed(double(mem_total) / (1ull << 30), 1) << " GiB memory (MemTotal)\n";
    os << "compilers:  this program (and the tcpv next to it) built by GCC " << __VERSION__ << ", "
       << TCPV_BENCH_CXX_FLAGS << "; pan by " << first_line(gcc_version.out) << "\n";
    os << "SPIN:       " << first_line(spin_version.out) << "\n";
    os << "tcpv:       " << first_line(tcpv_version.out) << " (" << tcpv << ")\n";
    os << "date:       " << utc_now() << "; load average at the start " << load_at_start << ", at the end "
       << load_average() << "\n";
    os << "parameters: " << p.name << " set, " << p.text() << "; property no-reset-after-graceful-close "
       << reference->verdict << " (tcpv)\n";
    os << "method:     each tool run is a child process: wall time from fork() to wait4(), peak memory = "
          "ru_maxrss from wait4(); best of "
       << o.repeat << " run(s)" << (o.repeat > 1 && o.threads.size() > 1 ? ", tcpv's thread counts taking turns" : "")
       << "\n";
    os << "work dir:   " << wd << "\n\ncommands:\n";
    for (const auto& c : commands) os << "  " << c << '\n';
    os << '\n';
    print_table(os, rows);
    print_scaling(os, rows, o.repeat);
    os << "\nnotes:\n"
          "  - SPIN's transitions (= stored + matched) count the initial state once more than tcpv's: pan counts\n"
          "    it as \"stored\" although no transition reached it. Expected: states equal, transitions + 1.\n"
          "  - states/s = distinct states / wall seconds; bytes/state = peak RSS / distinct states.\n"
          "  - SPIN NCORE and BFS_PAR run as several processes sharing memory; their peak RSS is what wait4()\n"
          "    reports: the largest of pan's first process (shared pages it touched included) and the workers\n"
          "    it waited for (BFS_PAR's first process does not wait for its workers).\n";
    const bool ran_bfspar = std::any_of(rows.begin(), rows.end(), [](const measurement& r) {
        return r.tool == "SPIN" && r.mode == spin_mode::bfspar;
    });
    if (ran_bfspar)
        os << "  - SPIN BFS_PAR: at the end, pan's first process polls for the other cores with sleep(1), so its\n"
              "    wall time includes up to 1 s of waiting; pan's own time is in the details below.\n";
    const bool any_spin = std::any_of(rows.begin(), rows.end(), [](const measurement& r) { return r.tool == "SPIN"; });
    if (any_spin) {
        os << "\nSPIN details:\n";
        for (const auto& r : rows) {
            if (r.tool != "SPIN") continue;
            os << "  " << std::left << std::setw(32) << r.config << " stored " << r.pan.stored.text() << ", matched "
               << r.pan.matched.text() << ", transitions " << r.pan.transitions.text() << ", errors " << r.pan.errors
               << ", state vector " << r.pan.state_vector_bytes << " B, depth " << r.pan.depth_reached
               << ", pan's own time " << (r.pan.pan_seconds ? fixed(*r.pan.pan_seconds, 2) + " s" : "-")
               << ", compile " << fixed(r.compile_seconds, 2) << " s\n";
        }
    }
    if (!disagreements.empty()) {
        os << "\nCOUNTS DISAGREE:\n";
        for (const auto& d : disagreements) os << "  " << d << '\n';
        std::cerr << "tcpv_bench_teardown: the counts of tcpv and SPIN disagree:\n";
        for (const auto& d : disagreements) std::cerr << "  " << d << '\n';
        return 1;
    }
    os << "\ncounts agree: " << grouped(reference->states) << " states, " << grouped(reference->transitions)
       << " transitions (tcpv) in every run\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parse_options(argc, argv));
    } catch (const usage_error& e) {
        std::cerr << "tcpv_bench_teardown: " << e.what() << "\n(see tcpv_bench_teardown --help)\n";
        return 2;
    } catch (const fatal_error& e) {
        std::cerr << "tcpv_bench_teardown: " << e.what() << '\n';
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "tcpv_bench_teardown: " << e.what() << '\n';
        return 2;
    }
}
