// Runs a program with arguments and optional stdin, capturing stdout,
// stderr and the exit status: how the tests drive the real binary.
#pragma once

#include <chrono>
#include <cstdint>
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

} // namespace mq::test
