// The qtest server: lines in, replies and interrupt reports out, the
// -qtest-log transcript, and interrupt interception. The commands
// themselves are rows in commands.cpp.
#include "core/qtest/qtest-server.h"
#include "core/qtest/qtest.h"

#include "core/main-loop.h"
#include "core/qdev/qdev.h"
#include "core/timer.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace mq {

namespace {

std::atomic<bool> g_qtest_enabled{false};
QtestServer* g_server = nullptr; // lives as long as the process

// QEMU splits on single spaces (g_strsplit), so "a  b" has an empty word.
QtestWords split_words(std::string_view line) {
    QtestWords words;
    size_t start = 0;
    for (;;) {
        size_t space = line.find(' ', start);
        words.push_back(line.substr(start, space - start));
        if (space == std::string_view::npos) break;
        start = space + 1;
    }
    return words;
}

// A client's garbage, made safe to echo on one line.
std::string printable(std::string_view word) {
    constexpr size_t kMax = 64;
    std::string out;
    for (char c : word.substr(0, kMax))
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (word.size() > kMax) out += "...";
    return out;
}

const QtestCommand* find_command(std::string_view name) {
    for (const auto& cmd : qtest_commands()) {
        if (name == cmd.name) return &cmd;
    }
    return nullptr;
}

} // namespace

void qtest_accel_enable() {
    g_qtest_enabled.store(true);
    virtual_clock_set_mode(VirtualClockMode::Stepped);
}

bool qtest_enabled() { return g_qtest_enabled.load(); }

Result<uint64_t> qtest_parse_u64(std::string_view word) {
    std::string_view digits = word;
    int base = 10;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        digits.remove_prefix(2);
        base = 16;
    } else if (digits.size() > 1 && digits[0] == '0') {
        digits.remove_prefix(1);
        base = 8;
    }
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
        return make_error("invalid number '{}'", printable(word));
    }
    return value;
}

Result<int64_t> qtest_parse_i64(std::string_view word) {
    bool negative = word.starts_with('-');
    auto magnitude = qtest_parse_u64(negative ? word.substr(1) : word);
    if (!magnitude) return make_error("invalid number '{}'", printable(word));
    uint64_t limit = negative ? uint64_t(INT64_MAX) + 1 : uint64_t(INT64_MAX);
    if (*magnitude > limit) return make_error("number out of range '{}'", printable(word));
    return negative ? static_cast<int64_t>(0 - *magnitude) : static_cast<int64_t>(*magnitude);
}

QtestServer::QtestServer(Chardev* chr, std::FILE* log) : m_chr(chr), m_log(log) {}

void QtestServer::log(char kind, std::string_view text) {
    if (!m_log) return;
    double t =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - m_opened_at).count();
    std::fprintf(m_log, "[%c +%.6f] %.*s\n", kind, t, static_cast<int>(text.size()), text.data());
    std::fflush(m_log);
}

void QtestServer::send_line(std::string_view text) {
    log('S', text);
    std::string line(text);
    line += '\n';
    m_chr->write(line);
}

void QtestServer::event(ChrEvent event) {
    switch (event) {
    case CHR_EVENT_OPENED:
        // A new client starts from "every intercepted line low", as in QEMU.
        m_irq_levels.clear();
        m_inbuf.clear();
        m_discarding = false;
        m_opened_at = std::chrono::steady_clock::now();
        if (m_log) std::fprintf(m_log, "[I 0.000000] OPENED\n");
        break;
    case CHR_EVENT_CLOSED: log('I', "CLOSED"); break;
    default: break;
    }
    if (m_log) std::fflush(m_log);
}

void QtestServer::receive(const uint8_t* buf, size_t len) {
    std::string_view in(reinterpret_cast<const char*>(buf), len);
    while (!in.empty()) {
        size_t nl = in.find('\n');
        std::string_view chunk = in.substr(0, nl);
        if (m_discarding) {
            // The rest of an overlong line: dropped, already answered.
        } else if (m_inbuf.size() + chunk.size() > kQtestMaxLine) {
            m_inbuf.clear();
            m_discarding = true;
            log('R', "(a line longer than the limit)");
            send_line(fmt::format("FAIL line longer than {} bytes", kQtestMaxLine));
        } else {
            m_inbuf.append(chunk);
        }
        if (nl == std::string_view::npos) return;
        in.remove_prefix(nl + 1);
        if (m_discarding) {
            m_discarding = false;
        } else {
            std::string line = std::exchange(m_inbuf, {});
            process_line(line);
        }
    }
}

void QtestServer::process_line(std::string_view line) {
    if (line.ends_with('\r')) line.remove_suffix(1);
    log('R', line);
    QtestWords words = split_words(line);
    QtestReply reply = std::string();
    const QtestCommand* cmd = find_command(words[0]);
    if (!cmd) {
        reply = make_error("Unknown command '{}'", printable(words[0]));
    } else if (words.size() - 1 < cmd->min_args) {
        reply = make_error("usage: {} {}", cmd->name, cmd->args);
    } else {
        reply = cmd->handler(*this, words);
    }
    if (!reply) {
        send_line("FAIL " + reply.error().message);
    } else {
        send_line(reply->empty() ? "OK" : "OK " + *reply);
    }
}

// Interception keeps every line working: the stand-in handler passes the
// level on to whoever listened before, then reports a change.
QtestReply QtestServer::intercept(DeviceState* dev, IrqDirection dir, std::string_view list_name) {
    if (m_intercepted) {
        if (m_intercepted != dev) return make_error("IRQ intercept already enabled");
        return std::string();
    }
    size_t count = 0;
    for (auto& list : dev->gpios) {
        if (list.name != list_name) continue;
        if (dir == IrqDirection::In) {
            for (auto& input : list.in) {
                auto old = std::move(input->handler);
                input->handler = [this, old = std::move(old)](int n, int level) {
                    if (old) old(n, level);
                    report_irq(n, level);
                };
                count++;
            }
        } else {
            for (size_t i = 0; i < list.out.size(); i++) {
                QemuIrq old = *list.out[i];
                m_out_stubs.push_back(
                    std::make_unique<IRQState>(IRQState{[this, old](int n, int level) {
                                                            old.set(level);
                                                            report_irq(n, level);
                                                        },
                                                        static_cast<int>(i)}));
                *list.out[i] = QemuIrq(m_out_stubs.back().get());
                count++;
            }
        }
    }
    if (count == 0) return make_error("No intercepts installed");
    m_intercepted = dev;
    return std::string();
}

// Runs on whichever thread changed the line, always under the big lock (a
// device's worker thread takes it), like a UART writing its chardev.
void QtestServer::report_irq(int n, int level) {
    level = level != 0;
    auto [it, inserted] = m_irq_levels.try_emplace(n, 0);
    if (it->second == level) return;
    it->second = level;
    send_line(fmt::format("IRQ {} {}", level ? "raise" : "lower", n));
}

Status qtest_server_init(Chardev* chr, std::string_view log) {
    if (g_server) return make_error("qtest is already running");
    if (!chr) return make_error("qtest needs a character device");
    std::FILE* log_fp = stderr;
    if (log == "none") {
        log_fp = nullptr;
    } else if (!log.empty()) {
        std::string path(log);
        log_fp = std::fopen(path.c_str(), "w");
        if (!log_fp) return make_error("Could not open '{}': {}", path, std::strerror(errno));
    }
    g_server = new QtestServer(chr, log_fp);
    chr->attach(CharFrontend{
        .can_receive = [] { return size_t(4096); },
        .receive = [](const uint8_t* buf, size_t len) { g_server->receive(buf, len); },
        .event = [](ChrEvent e) { g_server->event(e); },
        .lossless = true,
    });
    return {};
}

} // namespace mq
