#include "core/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <ranges>

namespace mq {

std::atomic<uint32_t> g_log_mask{0};

namespace {

constexpr std::array kItems{
    LogItem{LOG_IN_ASM, "in_asm", "show target assembly code for each executed block"},
    LogItem{LOG_INT, "int", "show interrupts/exceptions in short format"},
    LogItem{LOG_EXEC, "exec", "show trace of each executed instruction with register write-back"},
    LogItem{LOG_CPU, "cpu", "show CPU registers after each instruction (lots of logs)"},
    LogItem{LOG_FPU, "fpu", "include FPU registers in the 'cpu' logging"},
    LogItem{LOG_MMU, "mmu", "log MMU-related activities (page walks)"},
    LogItem{LOG_CPU_RESET, "cpu_reset", "show CPU state before CPU resets"},
    LogItem{LOG_UNIMP, "unimp", "log unimplemented functionality"},
    LogItem{LOG_GUEST_ERROR, "guest_errors",
            "log when the guest OS does something invalid (eg accessing a\n"
            "non-existent register)"},
    LogItem{LOG_PAGE, "page", "dump pages at beginning of user mode emulation"},
    LogItem{LOG_QOM, "qom",
            "narrate the object model: types, classes, objects, properties, realize"},
    LogItem{LOG_PCI, "pci", "log PCI configuration and BAR mapping"},
};

// All loggers write through one distributing sink, so that -D can swap the
// destination for every item at once.
struct LogState {
    std::shared_ptr<spdlog::sinks::dist_sink_mt> sink =
        std::make_shared<spdlog::sinks::dist_sink_mt>();
    std::array<std::shared_ptr<spdlog::logger>, kItems.size()> loggers;

    LogState() {
        sink->add_sink(std::make_shared<spdlog::sinks::stderr_sink_mt>());
        sink->set_pattern("%v");
        for (size_t i = 0; i < kItems.size(); i++) {
            loggers[i] = std::make_shared<spdlog::logger>(kItems[i].name, sink);
            loggers[i]->set_level(spdlog::level::trace);
            loggers[i]->flush_on(spdlog::level::trace);
        }
    }
};

LogState& state() {
    static LogState s;
    return s;
}

} // namespace

std::span<const LogItem> log_items() { return kItems; }

spdlog::logger& qemu_logger(LogMask item) {
    for (size_t i = 0; i < kItems.size(); i++) {
        if (kItems[i].mask == item) return *state().loggers[i];
    }
    return *state().loggers[0];
}

void qemu_log_write(LogMask item, std::string_view line) { qemu_logger(item).info("{}", line); }

Result<uint32_t> qemu_str_to_log_mask(std::string_view items) {
    uint32_t mask = 0;
    // A plain loop, not std::views::split: clang 14 (scripts/fuzz) cannot
    // compile libstdc++ 12's views.
    for (size_t start = 0; start <= items.size();) {
        size_t comma = std::min(items.find(',', start), items.size());
        std::string_view name = items.substr(start, comma - start);
        start = comma + 1;
        if (name.empty()) continue;
        if (name == "all") {
            for (const auto& item : kItems)
                mask |= item.mask;
            continue;
        }
        auto it = std::ranges::find_if(kItems, [&](const LogItem& i) { return name == i.name; });
        if (it == kItems.end()) {
            return make_error("unknown log item '{}'", name)
                .with_hint("Use -d help to list the log items.\n");
        }
        mask |= it->mask;
    }
    return mask;
}

void qemu_set_log(uint32_t mask) { g_log_mask.store(mask, std::memory_order_relaxed); }

Status qemu_set_log_filename(const std::string& path) {
    std::shared_ptr<spdlog::sinks::sink> target;
    // Open it ourselves first: spdlog would create missing directories.
    FILE* probe = std::fopen(path.c_str(), "w");
    if (!probe) return make_error("Error opening logfile {}: {}", path, std::strerror(errno));
    std::fclose(probe);
    try {
        target = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, true);
    } catch (const spdlog::spdlog_ex&) {
        return make_error("Error opening logfile {}: {}", path, std::strerror(errno));
    }
    target->set_pattern("%v");
    state().sink->set_sinks({target});
    return {};
}

void qemu_log_flush() { state().sink->flush(); }

std::string qemu_log_help() {
    std::string out = "Log items (comma separated):\n";
    for (const auto& item : kItems)
        out += fmt::format("{:<15} {}\n", item.name, item.help);
    return out;
}

} // namespace mq
