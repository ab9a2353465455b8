// The real binary's monitor on stdio, fed one line at a time: what came
// back after each line's echo, up to the next prompt, against QEMU 7.2's
// answers (with its "\r\n" line endings).
#pragma once

#include "tests/support/process.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mq::test {

struct Exchange {
    std::string command;
    std::string answer; // with QEMU's "\r\n" line endings
};

// virt with no firmware, stopped (-S), the monitor alone on stdio.
inline const std::vector<std::string> kVirt = {"-M", "virt",     "-bios", "none",    "-nographic",
                                               "-S", "-monitor", "stdio", "-serial", "none"};

// Types each command and then `quit`; returns what came back after each
// command's echo, up to the next prompt (the last one is quit's).
inline std::vector<std::string> monitor_answers(const std::vector<std::string>& args,
                                                const std::vector<std::string>& commands,
                                                ProcessResult& r) {
    std::string in;
    for (const auto& c : commands)
        in += c + "\n";
    in += "quit\n";
    r = run_process(MINIQEMU_BINARY, args, in, ProcessLimits{.timeout = std::chrono::seconds(30)});
    std::vector<std::string> out;
    const std::string prompt = "(qemu) ";
    size_t at = r.out.find(prompt);
    while (at != std::string::npos) {
        size_t next = r.out.find(prompt, at + prompt.size());
        std::string chunk = r.out.substr(at + prompt.size(), next - at - prompt.size());
        size_t echo_end = chunk.find("\r\n");
        out.push_back(echo_end == std::string::npos ? chunk : chunk.substr(echo_end + 2));
        at = next;
    }
    return out;
}

// Every command gets exactly its answer; the process then quits normally,
// with nothing on stderr.
inline void expect_answers(const std::vector<std::string>& args,
                           const std::vector<Exchange>& exchanges) {
    std::vector<std::string> commands;
    for (const auto& e : exchanges)
        commands.push_back(e.command);
    ProcessResult r;
    auto got = monitor_answers(args, commands, r);
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_status, 0) << "quit ends the process normally\n" << r.err;
    EXPECT_EQ(r.err, "");
    ASSERT_EQ(got.size(), exchanges.size() + 1) << r.out; // the last one is quit's
    for (size_t i = 0; i < exchanges.size(); i++)
        EXPECT_EQ(got[i], exchanges[i].answer) << "command: " << exchanges[i].command;
    EXPECT_EQ(got.back(), "") << "quit";
}

inline std::string try_help(const std::string& what) {
    return "Try \"help " + what + "\" for more information\r\n";
}

} // namespace mq::test
