// A qtest client in the spirit of QEMU's tests/qtest/libqtest.c: it listens
// on two unix sockets, starts the miniqemu binary with `-qtest unix:...` and
// `-qmp unix:...` pointing at them (the emulator connects as a client, as
// QEMU does to libqtest), and speaks both protocols: qtest line by line,
// keeping the level of every intercepted interrupt line from the
// `IRQ raise N` / `IRQ lower N` lines that arrive between replies, and QMP
// (capabilities negotiated; events collected on the way).
//
// The typed helpers (readl, clock_step, ...) expect `OK` and record a gtest
// failure otherwise; command() returns the raw reply for tests of the
// protocol itself. Every wait is bounded: a server that does not answer
// fails the test instead of hanging it.
#pragma once

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mq::test {

class QTestState {
public:
    // Starts `binary` with `-qtest unix:... -qtest-log none -qmp unix:...`
    // and `args`.
    QTestState(const std::string& binary, const std::vector<std::string>& args);
    ~QTestState(); // ends the process (SIGTERM, then SIGKILL)
    QTestState(const QTestState&) = delete;
    QTestState& operator=(const QTestState&) = delete;

    bool alive() const;

    // QMP: sends `command` and returns its reply (events on the way are
    // kept for take_qmp_events()). An empty object on timeout.
    nlohmann::json qmp(const nlohmann::json& command);
    std::vector<nlohmann::json> take_qmp_events() { return std::exchange(m_qmp_events, {}); }

    // Sends `line` plus a newline and returns the reply (IRQ lines are
    // consumed on the way). Empty on timeout or end of stream.
    std::string command(std::string_view line);
    // Sends raw bytes, no newline added.
    void send_raw(std::string_view bytes);
    // The next reply line (IRQ lines consumed).
    std::string receive_reply();

    // Memory.
    uint8_t readb(uint64_t addr) { return static_cast<uint8_t>(read_n("readb", addr)); }
    uint16_t readw(uint64_t addr) { return static_cast<uint16_t>(read_n("readw", addr)); }
    uint32_t readl(uint64_t addr) { return static_cast<uint32_t>(read_n("readl", addr)); }
    uint64_t readq(uint64_t addr) { return read_n("readq", addr); }
    void writeb(uint64_t addr, uint8_t v) { write_n("writeb", addr, v); }
    void writew(uint64_t addr, uint16_t v) { write_n("writew", addr, v); }
    void writel(uint64_t addr, uint32_t v) { write_n("writel", addr, v); }
    void writeq(uint64_t addr, uint64_t v) { write_n("writeq", addr, v); }
    std::vector<uint8_t> memread(uint64_t addr, size_t len);        // `read`
    void memwrite(uint64_t addr, const std::vector<uint8_t>& data); // `write`
    std::vector<uint8_t> bufread(uint64_t addr, size_t len);        // `b64read`
    void bufwrite(uint64_t addr, const std::vector<uint8_t>& data); // `b64write`
    void memset(uint64_t addr, size_t len, uint8_t pattern);

    // Port I/O.
    uint8_t inb(uint16_t port) { return static_cast<uint8_t>(in_n("inb", port)); }
    uint16_t inw(uint16_t port) { return static_cast<uint16_t>(in_n("inw", port)); }
    uint32_t inl(uint16_t port) { return in_n("inl", port); }
    void outb(uint16_t port, uint8_t v) { out_n("outb", port, v); }
    void outw(uint16_t port, uint16_t v) { out_n("outw", port, v); }
    void outl(uint16_t port, uint32_t v) { out_n("outl", port, v); }

    // The virtual clock; each returns the new time in ns.
    int64_t clock_step(int64_t ns);
    int64_t clock_step_next(); // to the next timer deadline
    int64_t clock_set(int64_t ns);

    // Interrupt lines.
    void irq_intercept_in(std::string_view qom_path);
    void irq_intercept_out(std::string_view qom_path, std::string_view list = {});
    void set_irq_in(std::string_view qom_path, std::string_view name, int n, int level);
    // The intercepted line's level as last reported.
    bool get_irq(int n) const;
    // The IRQ lines received since the last call, in order.
    std::vector<std::string> take_irq_lines() { return std::exchange(m_irq_lines, {}); }
    // Waits (in host time) for line n to reach `level`: for interrupts that
    // a device's worker thread raises on its own.
    bool wait_irq(int n, bool level, std::chrono::milliseconds timeout = std::chrono::seconds(10));

private:
    uint64_t read_n(const char* cmd, uint64_t addr);
    void write_n(const char* cmd, uint64_t addr, uint64_t value);
    uint32_t in_n(const char* cmd, uint16_t port);
    void out_n(const char* cmd, uint16_t port, uint32_t value);
    // The reply to `line`, which must start with "OK"; returns what follows.
    std::string expect_ok(const std::string& line);
    // One line from the server, or empty when `deadline` passes.
    bool read_line(std::string* line, std::chrono::steady_clock::time_point deadline) {
        return read_line_from(m_from_server, m_inbuf, line, deadline);
    }
    static bool read_line_from(int fd, std::string& buf, std::string* line,
                               std::chrono::steady_clock::time_point deadline);
    bool connect_sockets(int qtest_listen, int qmp_listen);
    void handle_irq_line(const std::string& line);

    pid_t m_pid = -1;
    int m_to_server = -1;
    int m_from_server = -1;
    std::string m_inbuf;
    int m_qmp = -1;
    std::string m_qmp_inbuf;
    std::vector<nlohmann::json> m_qmp_events;
    std::string m_dir; // holds the two sockets
    std::map<int, bool> m_irq_level;
    std::vector<std::string> m_irq_lines;
};

// The binary under test (MINIQEMU_BINARY at build time).
const std::string& miniqemu_binary();

} // namespace mq::test
