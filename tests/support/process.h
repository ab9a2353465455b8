// Runs a program with arguments and optional stdin, capturing stdout,
// stderr and the exit status: how the tests drive the real binary.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace mq::test {

struct ProcessResult {
    int exit_status = -1; // the exit code, or 128+signal when killed by a signal
    std::string out;
    std::string err;
    bool timed_out = false;
};

ProcessResult run_process(const std::string& program, const std::vector<std::string>& args,
                          const std::string& stdin_text = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(60));

} // namespace mq::test
