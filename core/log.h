// `-d` logging, on spdlog. Each QEMU log item ("guest_errors", "int",
// "in_asm", ...) is one spdlog logger; `-d a,b` switches them on and `-D file`
// sends them all to a file instead of stderr. stdout is never used: it belongs
// to the guest.
//
// The hot paths test a single atomic mask, so a disabled item costs one load:
//
//     qemu_log_mask(LOG_GUEST_ERROR, "edu: bad DMA size {}", size);
#pragma once

#include "core/error.h"

#include <fmt/format.h>

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
}

namespace mq {

enum LogMask : uint32_t {
    LOG_IN_ASM = 1u << 0,
    LOG_INT = 1u << 1,
    LOG_EXEC = 1u << 2,
    LOG_CPU = 1u << 3,
    LOG_FPU = 1u << 4,
    LOG_MMU = 1u << 5,
    LOG_CPU_RESET = 1u << 6,
    LOG_UNIMP = 1u << 7,
    LOG_GUEST_ERROR = 1u << 8,
    LOG_PAGE = 1u << 9,
    LOG_QOM = 1u << 10,
    LOG_PCI = 1u << 11,
};

struct LogItem {
    LogMask mask;
    const char* name;
    const char* help;
};

// Every item `-d` accepts, in the order `-d help` lists them.
std::span<const LogItem> log_items();

extern std::atomic<uint32_t> g_log_mask;

inline bool qemu_loglevel_mask(uint32_t mask) {
    return (g_log_mask.load(std::memory_order_relaxed) & mask) != 0;
}

// The spdlog logger behind one item (for tests that capture a log). Only
// core/log.cpp, and code that reaches into a logger, include spdlog: it is
// header-only here, since its shared library alone costs a fifth of a
// millisecond at every start.
spdlog::logger& qemu_logger(LogMask item);
// Writes one line to an item's log, whether or not the item is on.
void qemu_log_write(LogMask item, std::string_view line);

template <typename... Args>
void qemu_log_mask(LogMask item, fmt::format_string<Args...> format, Args&&... args) {
    if (qemu_loglevel_mask(item)) {
        qemu_log_write(item, fmt::format(format, std::forward<Args>(args)...));
    }
}

// Parses "int,guest_errors" into a mask. An unknown item is an error.
Result<uint32_t> qemu_str_to_log_mask(std::string_view items);
void qemu_set_log(uint32_t mask);
// Sends the log to `path` (-D); an empty path fails to open, as QEMU's.
Status qemu_set_log_filename(const std::string& path);
void qemu_log_flush();
// The text `-d help` prints.
std::string qemu_log_help();

} // namespace mq
