// The human monitor, HMP (QEMU: monitor/hmp.c, hmp-commands.hx).
//
// Commands are rows in one table: name, parameters, help, handler. `info`
// has a table of its own. Subsystems add rows with hmp_register_command and
// hmp_register_info (the PCI code adds `info pci`, the CPU `info registers`).
//
// The monitor reads lines from a chardev, echoes what is typed (the terminal
// is raw), and answers with QEMU's "\r\n" line endings after a "(qemu) "
// prompt, so that scripts written for QEMU's monitor work here.
#pragma once

#include "core/chardev.h"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mq {

class Monitor;

struct HmpCommand {
    std::string name;   // "info", or "cont|c" for an alias
    std::string params; // "[subcommand]", shown by help
    std::string help;
    std::function<void(Monitor&, std::string_view args)> handler;
};

void hmp_register_command(HmpCommand cmd);
void hmp_register_info(HmpCommand cmd);

class Monitor {
public:
    // Attaches to `chr`. The banner and first prompt appear when the monitor
    // is opened or first gets the input focus.
    explicit Monitor(Chardev* chr);

    void printf_raw(std::string_view text); // no line-ending translation
    void print(std::string_view text);      // "\n" becomes "\r\n"
    template <typename... Args>
    void printf(fmt::format_string<Args...> f, Args&&... args) {
        print(fmt::format(f, std::forward<Args>(args)...));
    }
    // Runs one command line, as if typed.
    void handle_command(std::string_view line);

private:
    void receive(const uint8_t* buf, size_t len);
    void event(ChrEvent e);
    void show_prompt();
    Chardev* m_chr;
    std::string m_line;
    bool m_banner_shown = false;
    bool m_last_was_cr = false;
};

// Creates the monitor on `chr` (QEMU's monitor_init_hmp).
Monitor* monitor_init_hmp(Chardev* chr);
// Parses "0x1000", "4096", "0x10+8": QEMU's expressions, the simple ones.
std::optional<uint64_t> hmp_parse_number(std::string_view text);

} // namespace mq
