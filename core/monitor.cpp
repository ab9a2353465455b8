#include "core/monitor.h"

#include "core/main-loop.h"
#include "core/memory.h"
#include "core/qdev/qdev.h"
#include "core/qdev/sysbus.h"

#include <algorithm>
#include <cctype>

namespace mq {

void hmp_register_memory_commands(); // monitor-memory.cpp
void hmp_register_info_commands();   // monitor-cmds.cpp

namespace {

struct Tables {
    std::vector<HmpCommand> commands;
    std::vector<HmpCommand> info;
};

// QEMU's line editor keeps 4095 characters and drops what is typed after.
constexpr size_t kMaxLineLength = 4095;

Tables& tables() {
    static Tables t;
    return t;
}

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// "cont|c" answers to both names (QEMU's hmp_compare_cmd).
bool name_matches(const std::string& names, std::string_view word) {
    size_t start = 0;
    for (;;) {
        size_t bar = names.find('|', start);
        if (std::string_view(names).substr(start, bar - start) == word) return true;
        if (bar == std::string::npos) return false;
        start = bar + 1;
    }
}

const HmpCommand* find(const std::vector<HmpCommand>& table, std::string_view word) {
    for (const auto& c : table) {
        if (name_matches(c.name, word)) return &c;
    }
    return nullptr;
}

// --- help (QEMU: help_cmd_dump) ---

// "help info status": the words are looked up table by table; the words
// that led there prefix the line.
void help_dump_one(Monitor& mon, const HmpCommand& c, const std::vector<std::string>& words,
                   size_t prefix) {
    std::string line;
    for (size_t i = 0; i < prefix; i++)
        line += words[i] + " ";
    mon.printf("{}{} {} -- {}\n", line, c.name, c.params, c.help);
}

void help_dump(Monitor& mon, const std::vector<HmpCommand>& table,
               const std::vector<std::string>& words, size_t index) {
    if (index >= words.size()) {
        std::vector<const HmpCommand*> sorted;
        for (const auto& c : table)
            sorted.push_back(&c);
        std::ranges::sort(sorted, {}, &HmpCommand::name);
        for (const auto* c : sorted)
            help_dump_one(mon, *c, words, index);
        return;
    }
    if (const HmpCommand* c = find(table, words[index])) {
        if (c->sub_table) {
            help_dump(mon, *c->sub_table, words, index + 1);
        } else {
            help_dump_one(mon, *c, words, index);
        }
        return;
    }
    std::string typed;
    for (size_t i = 0; i <= index; i++)
        typed += (i ? " " : "") + words[i];
    mon.printf("unknown command: '{}'\n", typed);
}

void hmp_help(Monitor& mon, const HmpArgs& args) {
    std::vector<std::string> words;
    if (auto name = args.get_str("name")) {
        // QEMU's parse_cmdline: at most 16 words, quoted or not; anything
        // else and help says nothing.
        constexpr size_t kMaxWords = 16;
        const char* p = name->c_str();
        for (;;) {
            while (is_space(*p))
                p++;
            if (*p == '\0') break;
            if (words.size() >= kMaxWords) return;
            auto word = hmp_get_str(mon, p);
            if (!word) return;
            words.push_back(std::move(*word));
        }
    }
    help_dump(mon, tables().commands, words, 0);
}

void register_core_commands() {
    static bool done = false;
    if (done) return;
    done = true;
    hmp_register_memory_commands();
    hmp_register_info_commands();
    hmp_register_command({"help|?", "name:S?", "[cmd]", "show the help", hmp_help});
    hmp_register_command(
        {"info", "item:s?", "[subcommand]", "show various information about the system state",
         [](Monitor& mon, const HmpArgs&) { help_dump(mon, tables().commands, {"info"}, 0); },
         &tables().info});
    hmp_register_command({"quit|q", "", "", "quit the emulator", [](Monitor&, const HmpArgs&) {
                              qemu_system_shutdown_request(ShutdownCause::HostQmpQuit, 0);
                          }});
    hmp_register_info({"mtree", "flatview:-f,disabled:-D", "[-f][-D]",
                       "show memory tree (-f: dump flat view for address spaces; -D: dump "
                       "disabled regions)",
                       [](Monitor& mon, const HmpArgs& args) {
                           mon.print(
                               mtree_info(args.get_bool("flatview"), args.get_bool("disabled")));
                       }});
    hmp_register_info({"qtree", "", "", "show device tree",
                       [](Monitor& mon, const HmpArgs&) { mon.print(qdev_qtree_string()); }});
    hmp_register_info({"qom-tree", "path:s?", "[path]", "show QOM composition tree",
                       [](Monitor& mon, const HmpArgs& args) {
                           auto path = args.get_str("path");
                           Object* obj = object_resolve_path(path.value_or("/machine"), nullptr);
                           if (!obj) {
                               // An ambiguous path resolves to nothing too.
                               mon.printf("Path '{}' could not be resolved.\n",
                                          path.value_or("/machine"));
                               return;
                           }
                           mon.print(qom_tree_string(obj));
                       }});
}

} // namespace

void hmp_register_command(HmpCommand cmd) { tables().commands.push_back(std::move(cmd)); }
void hmp_register_info(HmpCommand cmd) { tables().info.push_back(std::move(cmd)); }

Monitor::Monitor(Chardev* chr) : m_chr(chr) {
    register_core_commands();
    m_chr->attach(CharFrontend{
        .can_receive = [] { return size_t(4096); },
        .receive = [this](const uint8_t* buf, size_t len) { receive(buf, len); },
        .event = [this](ChrEvent e) { event(e); },
        .lossless = true,
    });
}

Monitor* monitor_init_hmp(Chardev* chr) {
    // Lives as long as the process; the chardev points at it.
    return new Monitor(chr);
}

void Monitor::printf_raw(std::string_view text) { m_chr->write(text); }

void Monitor::print(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\n') out += '\r';
        out += c;
    }
    m_chr->write(out);
}

void Monitor::show_prompt() { printf_raw("(qemu) "); }

void Monitor::event(ChrEvent e) {
    // QEMU greets every client that connects (OPENED), and a mux's monitor
    // once, when it first gets the focus.
    if (e == CHR_EVENT_OPENED) {
        m_banner_shown = false;
        m_line.clear();
    }
    if (e == CHR_EVENT_OPENED || e == CHR_EVENT_MUX_IN) {
        if (!m_banner_shown) {
            m_banner_shown = true;
            printf("miniqemu {} monitor - type 'help' for more information\n",
                   MINIQEMU_VERSION_STRING);
        }
        show_prompt();
    }
}

void Monitor::receive(const uint8_t* buf, size_t len) {
    for (size_t i = 0; i < len; i++) {
        char c = static_cast<char>(buf[i]);
        if (c == '\n' && m_last_was_cr) {
            m_last_was_cr = false;
            continue;
        }
        m_last_was_cr = c == '\r';
        if (c == '\r' || c == '\n') {
            printf_raw("\r\n");
            std::string line = std::exchange(m_line, {});
            handle_command(line);
            if (qemu_shutdown_requested() == ShutdownCause::None) show_prompt();
        } else if (c == 0x7f || c == 0x08) {
            if (!m_line.empty()) {
                m_line.pop_back();
                printf_raw("\b \b");
            }
        } else if (std::isprint(static_cast<unsigned char>(c)) && m_line.size() < kMaxLineLength) {
            m_line += c;
            printf_raw(std::string_view(&c, 1));
        }
    }
}

// QEMU's monitor_parse_command: the command's name ends at a space or a
// '/', and a table's subcommand follows its name ("info status").
const HmpCommand* Monitor::parse_command(const char* start, const char*& p,
                                         const std::vector<HmpCommand>& table) {
    const char* q = p;
    while (is_space(*q))
        q++;
    if (*q == '\0') return nullptr;
    const char* name = q;
    while (*q != '\0' && *q != '/' && !is_space(*q))
        q++;
    // QEMU reads the name into 256 bytes.
    std::string_view word(name, std::min<size_t>(size_t(q - name), 255));
    const HmpCommand* cmd = find(table, word);
    if (!cmd) {
        printf("unknown command: '{}'\n", std::string_view(start, size_t(q - start)));
        return nullptr;
    }
    while (is_space(*q))
        q++;
    p = q;
    if (cmd->sub_table && *p != '\0') return parse_command(start, p, *cmd->sub_table);
    return cmd;
}

void Monitor::handle_command(std::string_view text) {
    register_core_commands();
    const std::string line(text); // NUL-terminated, as the parsers expect
    const char* start = line.c_str();
    const char* p = start;
    const HmpCommand* cmd = parse_command(start, p, tables().commands);
    if (!cmd) return;
    auto args = hmp_parse_arguments(*this, *cmd, p);
    if (!args) {
        const char* end = p;
        while (end > start && is_space(end[-1]))
            end--;
        printf("Try \"help {}\" for more information\n",
               std::string_view(start, size_t(end - start)));
        return;
    }
    cmd->handler(*this, *args);
}

} // namespace mq
