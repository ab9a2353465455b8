// Runs a program with arguments and optional stdin, capturing stdout,
// stderr and the exit status: how the tests drive the real binary.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mq::test {

struct ProcessResult {
    int exit_status = -1; // the exit code, or 128+signal when killed by a signal
    std::string out;
    std::string err;
    bool timed_out = false;
    uint64_t max_rss_bytes = 0; // the child's peak resident memory
};

// What the child may use before it is stopped.
struct ProcessLimits {
    std::chrono::milliseconds timeout = std::chrono::seconds(60); // then SIGKILL
    uint64_t address_space_bytes = 0; // RLIMIT_AS: allocations beyond it fail; 0 = no limit
};

ProcessResult run_process(const std::string& program, const std::vector<std::string>& args,
                          const std::string& stdin_text = {}, const ProcessLimits& limits = {});

// A child that runs while the test talks to it (over sockets, ptys, its
// files): stdin is /dev/null, stdout and stderr are captured as they come.
// Every wait is bounded. The destructor kills (SIGKILL) and reaps a child
// that is still running.
class BackgroundProcess {
public:
    BackgroundProcess(const std::string& program, const std::vector<std::string>& args);
    ~BackgroundProcess();
    BackgroundProcess(const BackgroundProcess&) = delete;
    BackgroundProcess& operator=(const BackgroundProcess&) = delete;

    pid_t pid() const { return m_pid; }
    // What the child wrote so far (reads what is waiting first).
    const std::string& out();
    const std::string& err();
    // Waits until `pred(stdout, stderr)` holds; false on timeout or when the
    // child ended first.
    bool wait_for(const std::function<bool(const std::string&, const std::string&)>& pred,
                  std::chrono::milliseconds timeout);
    bool wait_for_out(const std::string& needle, std::chrono::milliseconds timeout);
    bool wait_for_err(const std::string& needle, std::chrono::milliseconds timeout);
    // Waits for the exit; the status (as ProcessResult's), or nullopt on timeout.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    bool running();
    void kill(int signal);
    uint64_t max_rss_bytes() const { return m_max_rss; }

private:
    void pump(int timeout_ms);
    bool reap(bool block);
    pid_t m_pid = -1;
    int m_out_fd = -1, m_err_fd = -1;
    std::string m_out, m_err;
    std::optional<int> m_status;
    uint64_t m_max_rss = 0;
};

} // namespace mq::test
