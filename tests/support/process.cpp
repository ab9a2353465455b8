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

BackgroundProcess::BackgroundProcess(const std::string& program,
                                     const std::vector<std::string>& args) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) return;
    signal(SIGPIPE, SIG_IGN);
    m_pid = fork();
    if (m_pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(program.c_str()));
        for (auto& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(program.c_str(), argv.data());
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    m_out_fd = out[0];
    m_err_fd = err[0];
    fcntl(m_out_fd, F_SETFL, O_NONBLOCK);
    fcntl(m_err_fd, F_SETFL, O_NONBLOCK);
}

BackgroundProcess::~BackgroundProcess() {
    if (m_pid > 0 && !m_status) {
        ::kill(m_pid, SIGKILL);
        reap(true);
    }
    if (m_out_fd >= 0) close(m_out_fd);
    if (m_err_fd >= 0) close(m_err_fd);
}

// Reads what the child wrote, waiting at most `timeout_ms` for something.
void BackgroundProcess::pump(int timeout_ms) {
    std::vector<pollfd> fds;
    for (int fd : {m_out_fd, m_err_fd}) {
        if (fd >= 0) fds.push_back({fd, POLLIN, 0});
    }
    if (fds.empty()) return;
    if (poll(fds.data(), fds.size(), timeout_ms) <= 0) return;
    for (auto& p : fds) {
        if (!p.revents) continue;
        char buf[65536];
        for (;;) {
            ssize_t n = read(p.fd, buf, sizeof buf);
            if (n > 0) {
                (p.fd == m_out_fd ? m_out : m_err).append(buf, n);
                continue;
            }
            if (n == 0) { // the child (and whoever shares its pipes) closed it
                int& fd = p.fd == m_out_fd ? m_out_fd : m_err_fd;
                close(fd);
                fd = -1;
            }
            break;
        }
    }
}

bool BackgroundProcess::reap(bool block) {
    if (m_status) return true;
    if (m_pid <= 0) return false;
    int status = 0;
    rusage usage{};
    pid_t r;
    while ((r = wait4(m_pid, &status, block ? 0 : WNOHANG, &usage)) < 0 && errno == EINTR) {
    }
    if (r != m_pid) return false;
    m_max_rss = static_cast<uint64_t>(usage.ru_maxrss) * 1024;
    m_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return true;
}

const std::string& BackgroundProcess::out() {
    pump(0);
    return m_out;
}

const std::string& BackgroundProcess::err() {
    pump(0);
    return m_err;
}

bool BackgroundProcess::wait_for(
    const std::function<bool(const std::string&, const std::string&)>& pred,
    std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        pump(0);
        if (pred(m_out, m_err)) return true;
        if (reap(false)) {
            pump(0);
            return pred(m_out, m_err);
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        // Output wakes us at once; an exit within 20 ms.
        pump(static_cast<int>(std::min<int64_t>(left.count(), 20)));
    }
}

bool BackgroundProcess::wait_for_out(const std::string& needle, std::chrono::milliseconds timeout) {
    return wait_for(
        [&](const std::string& o, const std::string&) { return o.find(needle) != o.npos; },
        timeout);
}

bool BackgroundProcess::wait_for_err(const std::string& needle, std::chrono::milliseconds timeout) {
    return wait_for(
        [&](const std::string&, const std::string& e) { return e.find(needle) != e.npos; },
        timeout);
}

std::optional<int> BackgroundProcess::wait(std::chrono::milliseconds timeout) {
    wait_for([](const std::string&, const std::string&) { return false; }, timeout);
    if (!reap(false)) return std::nullopt;
    // What is still in the pipes (not waiting for EOF: a daemon may hold them).
    pump(50);
    pump(0);
    return m_status;
}

bool BackgroundProcess::running() { return !reap(false); }

void BackgroundProcess::kill(int signal) {
    if (m_pid > 0 && !m_status) ::kill(m_pid, signal);
}

} // namespace mq::test
