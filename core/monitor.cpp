#include "core/monitor.h"

#include "core/main-loop.h"
#include "core/memory.h"
#include "core/qdev/qdev.h"
#include "core/qdev/sysbus.h"

#include <algorithm>
#include <cctype>

namespace mq {

namespace {

struct Tables {
    std::vector<HmpCommand> commands;
    std::vector<HmpCommand> info;
};

Tables& tables() {
    static Tables t;
    return t;
}

std::vector<std::string> split_words(std::string_view s) {
    std::vector<std::string> words;
    std::string cur;
    for (char c : s) {
        if (std::isspace(static_cast<unsigned char>(c))) {
            if (!cur.empty()) words.push_back(std::exchange(cur, {}));
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) words.push_back(cur);
    return words;
}

// "cont|c" answers to both names.
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

void help_dump(Monitor& mon, const std::vector<HmpCommand>& table, std::string_view prefix) {
    std::vector<const HmpCommand*> sorted;
    for (const auto& c : table)
        sorted.push_back(&c);
    std::ranges::sort(sorted, {}, &HmpCommand::name);
    for (const auto* c : sorted)
        mon.printf("{}{} {} -- {}\n", prefix, c->name, c->params, c->help);
}

void hmp_help(Monitor& mon, std::string_view args) {
    auto words = split_words(args);
    if (words.empty()) {
        help_dump(mon, tables().commands, "");
        return;
    }
    if (words[0] == "info") {
        help_dump(mon, tables().info, "info ");
        return;
    }
    if (const HmpCommand* c = find(tables().commands, words[0])) {
        mon.printf("{} {} -- {}\n", c->name, c->params, c->help);
    } else {
        mon.printf("unknown command: '{}'\n", words[0]);
    }
}

void hmp_info(Monitor& mon, std::string_view args) {
    auto words = split_words(args);
    if (words.empty()) {
        help_dump(mon, tables().info, "info ");
        return;
    }
    const HmpCommand* c = find(tables().info, words[0]);
    if (!c) {
        mon.printf("unknown command: 'info {}'\n", words[0]);
        return;
    }
    std::string_view rest = args.substr(args.find(words[0]) + words[0].size());
    c->handler(mon, rest);
}

// xp /fmt addr: count, then x d u o c, then b h w g.
void hmp_xp(Monitor& mon, std::string_view args) {
    static char format = 'x';
    static unsigned size = 4;
    auto words = split_words(args);
    unsigned count = 1;
    size_t ai = 0;
    if (!words.empty() && words[0].starts_with('/')) {
        std::string_view f = std::string_view(words[0]).substr(1);
        size_t digits = 0;
        while (digits < f.size() && std::isdigit(static_cast<unsigned char>(f[digits])))
            digits++;
        if (digits) count = static_cast<unsigned>(std::stoul(std::string(f.substr(0, digits))));
        for (char c : f.substr(digits)) {
            switch (c) {
            case 'x':
            case 'd':
            case 'u':
            case 'o':
            case 'c': format = c; break;
            case 'b': size = 1; break;
            case 'h': size = 2; break;
            case 'w': size = 4; break;
            case 'g': size = 8; break;
            default: mon.printf("invalid char in format: '{}'\n", c); return;
            }
        }
        ai = 1;
    }
    if (ai >= words.size()) {
        mon.print("Parameter 'addr' is missing\n");
        return;
    }
    auto addr = hmp_parse_number(words[ai]);
    if (!addr) {
        mon.printf("invalid number: '{}'\n", words[ai]);
        return;
    }
    unsigned digits = format == 'x'   ? size * 2
                      : format == 'o' ? (size * 8 + 2) / 3
                                      : (size * 8 * 10 + 32) / 33;
    uint64_t a = *addr;
    uint64_t len = uint64_t(count) * size;
    unsigned line = size == 1 ? 8 : 16;
    while (len > 0) {
        std::string out = fmt::format("{:016x}:", a);
        unsigned l = static_cast<unsigned>(std::min<uint64_t>(len, line));
        std::vector<uint8_t> buf(l);
        (void)address_space_read(address_space_memory(), a, buf.data(), l);
        for (unsigned i = 0; i < l; i += size) {
            uint64_t v = 0;
            for (unsigned b = 0; b < size; b++)
                v |= uint64_t(buf[i + b]) << (8 * b);
            int64_t sv =
                size == 8 ? int64_t(v) : (int64_t(v << (64 - 8 * size)) >> (64 - 8 * size));
            switch (format) {
            case 'x': out += fmt::format(" 0x{:0{}x}", v, digits); break;
            case 'o': out += fmt::format(" {:#{}o}", v, digits); break;
            case 'u': out += fmt::format(" {:{}}", v, digits); break;
            case 'd': out += fmt::format(" {:{}}", sv, digits); break;
            case 'c':
                out += std::isprint(static_cast<int>(v)) ? fmt::format(" '{}'", char(v))
                                                         : fmt::format(" '\\x{:02x}'", v);
                break;
            }
        }
        mon.printf("{}\n", out);
        a += l;
        len -= l;
    }
}

void register_core_commands() {
    static bool done = false;
    if (done) return;
    done = true;
    hmp_register_command({"help|?", "[cmd]", "show the help", hmp_help});
    hmp_register_command(
        {"info", "[subcommand]", "show various information about the system state", hmp_info});
    hmp_register_command({"quit|q", "", "quit the emulator", [](Monitor&, std::string_view) {
                              qemu_system_shutdown_request(ShutdownCause::HostQmpQuit, 0);
                          }});
    hmp_register_command({"xp", "/fmt addr", "physical memory dump starting at 'addr'", hmp_xp});
    hmp_register_info({"mtree", "[-f][-D]",
                       "show memory tree (-f: dump flat view for address spaces; -D: dump "
                       "disabled regions)",
                       [](Monitor& mon, std::string_view args) {
                           auto words = split_words(args);
                           auto has = [&](const char* f) {
                               return std::ranges::find(words, f) != words.end();
                           };
                           mon.print(mtree_info(has("-f"), has("-D")));
                       }});
    hmp_register_info({"qtree", "", "show device tree",
                       [](Monitor& mon, std::string_view) { mon.print(qdev_qtree_string()); }});
    hmp_register_info(
        {"qom-tree", "[path]", "show QOM composition tree",
         [](Monitor& mon, std::string_view args) {
             auto words = split_words(args);
             std::string path = words.empty() ? "/machine" : words[0];
             bool ambiguous = false;
             Object* obj = object_resolve_path(path, &ambiguous);
             if (!obj) {
                 mon.printf("{}\n", ambiguous
                                        ? fmt::format("Path '{}' is ambiguous", path)
                                        : fmt::format("Path '{}' could not be resolved", path));
                 return;
             }
             mon.print(qom_tree_string(obj));
         }});
}

} // namespace

void hmp_register_command(HmpCommand cmd) { tables().commands.push_back(std::move(cmd)); }
void hmp_register_info(HmpCommand cmd) { tables().info.push_back(std::move(cmd)); }

std::optional<uint64_t> hmp_parse_number(std::string_view text) {
    uint64_t total = 0;
    int sign = 1;
    size_t pos = 0;
    bool any = false;
    while (pos < text.size()) {
        size_t end = text.find_first_of("+-", pos == 0 ? 0 : pos);
        if (end == pos) {
            sign = text[pos] == '-' ? -1 : 1;
            pos++;
            continue;
        }
        auto v = parse_uint64(text.substr(pos, end - pos));
        if (!v) return std::nullopt;
        total += sign > 0 ? *v : -*v;
        any = true;
        if (end == std::string_view::npos) break;
        pos = end;
    }
    return any ? std::optional(total) : std::nullopt;
}

Monitor::Monitor(Chardev* chr) : m_chr(chr) {
    register_core_commands();
    m_chr->attach(CharFrontend{
        .can_receive = [] { return size_t(4096); },
        .receive = [this](const uint8_t* buf, size_t len) { receive(buf, len); },
        .event = [this](ChrEvent e) { event(e); },
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
        } else if (std::isprint(static_cast<unsigned char>(c))) {
            m_line += c;
            printf_raw(std::string_view(&c, 1));
        }
    }
}

void Monitor::handle_command(std::string_view line) {
    register_core_commands();
    auto words = split_words(line);
    if (words.empty()) return;
    const HmpCommand* c = find(tables().commands, words[0]);
    if (!c) {
        printf("unknown command: '{}'\n", words[0]);
        return;
    }
    size_t at = line.find(words[0]) + words[0].size();
    c->handler(*this, line.substr(at));
}

} // namespace mq
