#pragma once
// Runs a program with arguments (no shell), capturing its exit status, stdout and stderr.
// Bounded in time: the child is killed after `timeout_seconds`.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace tcpv_test {

struct program_output {
    int status = -1;  // exit status, or -1 when killed / not started
    std::string out, err;
};

inline std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

inline program_output run_program(const std::vector<std::string>& argv, double timeout_seconds = 120) {
    char out_tmpl[] = "/tmp/tcpv-test-out-XXXXXX";
    char err_tmpl[] = "/tmp/tcpv-test-err-XXXXXX";
    ::close(mkstemp(out_tmpl));
    ::close(mkstemp(err_tmpl));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_tmpl, O_WRONLY | O_TRUNC, 0);
    posix_spawn_file_actions_addopen(&fa, 2, err_tmpl, O_WRONLY | O_TRUNC, 0);
    pid_t pid = 0;
    program_output r;
    if (posix_spawn(&pid, args[0], &fa, nullptr, args.data(), ::environ) == 0) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
        int st = 0;
        for (;;) {
            const pid_t w = waitpid(pid, &st, WNOHANG);
            if (w == pid) break;
            if (std::chrono::steady_clock::now() > deadline) {
                kill(pid, SIGKILL);
                waitpid(pid, &st, 0);
                st = -1;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        if (st != -1 && WIFEXITED(st)) r.status = WEXITSTATUS(st);
    }
    posix_spawn_file_actions_destroy(&fa);
    r.out = slurp(out_tmpl);
    r.err = slurp(err_tmpl);
    std::remove(out_tmpl);
    std::remove(err_tmpl);
    return r;
}

}  // namespace tcpv_test
