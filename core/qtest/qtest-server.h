// The qtest server's insides, shared by server.cpp (lines in, replies out,
// interrupt interception) and commands.cpp (the command table).
#pragma once

#include "core/chardev.h"
#include "core/error.h"
#include "core/irq.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mq {

struct DeviceState;

// Bounds that keep a client from making the server allocate without limit.
// The longest line is a `write` of the largest bulk size, in hex.
inline constexpr uint64_t kQtestMaxBulk = 1u << 20;
inline constexpr size_t kQtestMaxLine = 2 * kQtestMaxBulk + 256;

class QtestServer;

// words[0] is the command; the reply is the text after "OK" (or nothing),
// or an Error whose message follows "FAIL ".
using QtestWords = std::vector<std::string_view>;
using QtestReply = Result<std::string>;

struct QtestCommand {
    const char* name;
    const char* args; // for the README and error messages: "ADDR VAL"
    size_t min_args;  // words after the command
    QtestReply (*handler)(QtestServer& server, const QtestWords& words);
};

// The table, in commands.cpp.
const std::vector<QtestCommand>& qtest_commands();

enum class IrqDirection { In, Out };

class QtestServer {
public:
    QtestServer(Chardev* chr, std::FILE* log);

    // Chardev frontend callbacks.
    void receive(const uint8_t* buf, size_t len);
    void event(ChrEvent event);

    // Runs one request line (without its newline) and sends the reply.
    void process_line(std::string_view line);

    // irq_intercept_in/out: one device at a time, for the rest of the run,
    // as in QEMU. `list_name` selects one GPIO list (empty: the unnamed
    // one, as QEMU intercepts).
    QtestReply intercept(DeviceState* dev, IrqDirection dir, std::string_view list_name);

private:
    void send_line(std::string_view text);
    void report_irq(int n, int level);
    void log(char kind, std::string_view text);

    Chardev* m_chr;
    std::FILE* m_log;
    std::chrono::steady_clock::time_point m_opened_at = std::chrono::steady_clock::now();
    std::string m_inbuf;
    bool m_discarding = false; // skipping the rest of an overlong line

    DeviceState* m_intercepted = nullptr;
    std::map<int, int> m_irq_levels;
    // Stand-ins for intercepted outputs; they forward to the old targets.
    std::vector<std::unique_ptr<IRQState>> m_out_stubs;
};

// Number parsing as QEMU's qemu_strtou64(..., 0, ...): decimal, 0x hex or
// leading-0 octal, the whole word, no overflow.
Result<uint64_t> qtest_parse_u64(std::string_view word);
Result<int64_t> qtest_parse_i64(std::string_view word);

} // namespace mq
