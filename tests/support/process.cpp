#include "tests/support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mq::test {

ProcessResult run_process(const std::string& program, const std::vector<std::string>& args,
                          const std::string& stdin_text, const ProcessLimits& limits) {
    int in[2], out[2], err[2];
    if (pipe(in) || pipe(out) || pipe(err)) return {};
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]})
            close(fd);
        if (limits.address_space_bytes) {
            rlimit as{limits.address_space_bytes, limits.address_space_bytes};
            if (setrlimit(RLIMIT_AS, &as) != 0) _exit(127);
        }
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(program.c_str()));
        for (auto& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(program.c_str(), argv.data());
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    signal(SIGPIPE, SIG_IGN);
    size_t written = 0;
    if (stdin_text.empty()) {
        close(in[1]);
        in[1] = -1;
    } else {
        fcntl(in[1], F_SETFL, O_NONBLOCK);
    }
    ProcessResult result;
    auto deadline = std::chrono::steady_clock::now() + limits.timeout;
    bool out_open = true, err_open = true;
    while (out_open || err_open) {
        std::vector<pollfd> fds;
        if (out_open) fds.push_back({out[0], POLLIN, 0});
        if (err_open) fds.push_back({err[0], POLLIN, 0});
        if (in[1] >= 0) fds.push_back({in[1], POLLOUT, 0});
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            kill(pid, SIGKILL);
            result.timed_out = true;
            break;
        }
        if (poll(fds.data(), fds.size(), static_cast<int>(left.count())) < 0 && errno != EINTR)
            break;
        for (auto& p : fds) {
            if (!p.revents) continue;
            if (p.fd == in[1]) {
                ssize_t n = write(in[1], stdin_text.data() + written, stdin_text.size() - written);
                if (n > 0) written += n;
                if (n < 0 || written == stdin_text.size()) {
                    close(in[1]);
                    in[1] = -1;
                }
                continue;
            }
            char buf[4096];
            ssize_t n = read(p.fd, buf, sizeof buf);
            if (n <= 0) {
                (p.fd == out[0] ? out_open : err_open) = false;
                continue;
            }
            (p.fd == out[0] ? result.out : result.err).append(buf, n);
        }
    }
    if (in[1] >= 0) close(in[1]);
    close(out[0]);
    close(err[0]);
    int status = 0;
    rusage usage{};
    while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    result.max_rss_bytes = static_cast<uint64_t>(usage.ru_maxrss) * 1024; // Linux counts KiB
    if (WIFEXITED(status))
        result.exit_status = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        result.exit_status = 128 + WTERMSIG(status);
    return result;
}

} // namespace mq::test
