// The human monitor, HMP (QEMU: monitor/hmp.c, hmp-commands.hx).
//
// Commands are rows in one table: name, argument grammar, parameters shown
// by help, help, handler. `info` has a table of its own. Subsystems add rows
// with hmp_register_command and hmp_register_info (the PCI code adds
// `info pci`, the CPU `info registers`).
//
// The argument grammar is QEMU's args_type (monitor/monitor-internal.h):
// comma-separated "key:type" entries, parsed in order by
// hmp_parse_arguments, which prints QEMU's message when a line does not
// parse, so that handlers only ever see well-formed arguments:
//   s   a word, or a "quoted string" with \n \r \\ \' \" escapes
//   F   a file name: a string, with "filename expected" when there is none
//   O   options in -device syntax ("edu,id=e1"), checked as they are read;
//       the key names the option list (only "device")
//   S   the rest of the line
//   l   an expression (numbers, + - * / % & | ^ ~, parentheses, 'c')
//   i   an expression that must fit in 32 bits
//   /   a format /[count][format letter][size letter], for xp (keys count,
//       format, size)
//   -x  a flag, true when "-x" is given
// A trailing '?' makes s, S, l and i optional.
//
// The monitor reads lines from a chardev, echoes what is typed (the terminal
// is raw), and answers with QEMU's "\r\n" line endings after a "(qemu) "
// prompt, so that scripts written for QEMU's monitor work here.
#pragma once

#include "core/chardev.h"
#include "core/keyval.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mq {

class Monitor;

// A command's parsed arguments by key (QEMU's QDict): a missing optional
// argument has no entry.
class HmpArgs {
public:
    void put(std::string key, std::variant<bool, int64_t, std::string> value) {
        m_values[std::move(key)] = std::move(value);
    }
    std::optional<std::string> get_str(std::string_view key) const;
    std::optional<int64_t> get_int(std::string_view key) const;
    bool get_bool(std::string_view key) const;

private:
    std::map<std::string, std::variant<bool, int64_t, std::string>, std::less<>> m_values;
};

struct HmpCommand {
    std::string name;      // "info", or "cont|c" for an alias
    std::string args_type; // the argument grammar above: "fmt:/,addr:l"
    std::string params;    // "[subcommand]", shown by help
    std::string help;
    std::function<void(Monitor&, const HmpArgs&)> handler;
    // The subcommands (`info`'s table): "info status" runs the row "status".
    const std::vector<HmpCommand>* sub_table = nullptr;
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

    // What xp uses when its /fmt leaves out the format or the size: the last
    // ones given (QEMU's default_fmt_format and default_fmt_size).
    char last_format = 'x';
    int last_size = 4;

private:
    void receive(const uint8_t* buf, size_t len);
    void event(ChrEvent e);
    void show_prompt();
    const HmpCommand* parse_command(const char* start, const char*& p,
                                    const std::vector<HmpCommand>& table);
    Chardev* m_chr;
    std::string m_line;
    bool m_banner_shown = false;
    bool m_last_was_cr = false;
};

// Creates the monitor on `chr` (QEMU's monitor_init_hmp).
Monitor* monitor_init_hmp(Chardev* chr);

// Parses the arguments at `args` by `cmd.args_type`. On failure prints
// QEMU's message (but not the "Try help" line) and returns nullopt.
std::optional<HmpArgs> hmp_parse_arguments(Monitor& mon, const HmpCommand& cmd,
                                           std::string_view args);
// The pieces, on a NUL-terminated line: a word or quoted string, and an
// expression. On success `p` moves past what was read; on failure they have
// printed QEMU's message.
std::optional<std::string> hmp_get_str(Monitor& mon, const char*& p);
std::optional<int64_t> hmp_get_expr(Monitor& mon, const char*& p);
// Parses "driver,key=value,..." as QEMU's monitor parses an 'O' argument,
// printing QEMU's message (and the deprecation warnings) in the monitor.
std::optional<PropertyBag> hmp_parse_options(Monitor& mon, std::string_view text,
                                             std::string_view implied_key);

} // namespace mq
