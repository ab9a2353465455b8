// The packets, one handler each, in one table (QEMU 7.2's gdbstub.c
// answers; rsp-session.txt in the reference transcripts has them all).
#include "core/gdbstub/server.h"

#include <fmt/format.h>

#include <array>
#include <charconv>

namespace mq::gdb {

namespace {

// Splits "a,b" or "a:b" at the first `sep`.
std::pair<std::string_view, std::string_view> split(std::string_view s, char sep) {
    size_t at = s.find(sep);
    if (at == std::string_view::npos) return {s, {}};
    return {s.substr(0, at), s.substr(at + 1)};
}

std::string stop_reply(GdbServer& s, int signal, int cpu) {
    return fmt::format("T{:02x}thread:{};", signal, s.thread_id(cpu));
}

// --- connection and queries ---

void handle_q_supported(GdbServer& s, std::string_view args) {
    if (args.find("multiprocess+") != std::string_view::npos) s.multiprocess = true;
    s.put_packet(fmt::format("PacketSize={:x};qXfer:features:read+;vContSupported+;multiprocess+",
                             kMaxPacket));
}

// qXfer:features:read:ANNEX:OFFSET,LENGTH
void handle_q_xfer_features(GdbServer& s, std::string_view args) {
    auto [annex, range] = split(args, ':');
    auto [offset_text, length_text] = split(range, ',');
    auto offset = parse_hex(offset_text);
    auto length = parse_hex(length_text);
    if (range.empty() || length_text.empty()) return s.put_packet("E22");
    if (!offset || !length) return s.put_packet("");
    s.has_xml = true;
    auto xml = s.cpu().feature_xml(annex);
    if (!xml || *offset > xml->size()) return s.put_packet("E00");
    // Escaping can double the data; QEMU caps a reply at (PacketSize - 5) / 2.
    uint64_t len = std::min<uint64_t>(*length, (kMaxPacket - 5) / 2);
    std::string_view rest = xml->substr(*offset);
    if (len < rest.size()) return s.put_packet("m" + binary_escape(rest.substr(0, len)));
    s.put_packet("l" + binary_escape(rest));
}

void handle_q_f_thread_info(GdbServer& s, std::string_view) {
    s.next_thread = 1;
    s.put_packet("m" + s.thread_id(0));
}

void handle_q_s_thread_info(GdbServer& s, std::string_view) {
    if (s.next_thread >= s.cpu().cpu_count()) return s.put_packet("l");
    s.put_packet("m" + s.thread_id(s.next_thread++));
}

void handle_q_c(GdbServer& s, std::string_view) { s.put_packet("QC" + s.thread_id(0)); }

void handle_q_attached(GdbServer& s, std::string_view) { s.put_packet("1"); }

void handle_q_thread_extra_info(GdbServer& s, std::string_view args) {
    ThreadId t = s.parse_thread_id(args);
    if (t.kind != ThreadId::Kind::One) return s.put_packet("E22");
    // QEMU's words, "halted " with its space.
    std::string text =
        fmt::format("CPU#{} [{}]", t.cpu, s.cpu().cpu_halted(t.cpu) ? "halted " : "running");
    s.put_packet(hex_encode(text));
}

void handle_q_rcmd(GdbServer& s, std::string_view args) {
    if (args.empty()) return s.put_packet("E22");
    auto bytes = hex_decode(args);
    if (!bytes) return s.put_packet("E01");
    s.monitor_command(std::string(bytes->begin(), bytes->end()));
}

// ?: why the target stopped. gdb asks when it connects, so breakpoints left
// by an earlier session go (as in QEMU).
void handle_stop_reason(GdbServer& s, std::string_view) {
    s.put_packet(stop_reply(s, 5, s.c_cpu));
    s.cpu().remove_all_points();
}

// --- threads ---

// Hg / Hc: the thread for registers and memory, or for continue and step.
void handle_set_thread(GdbServer& s, std::string_view args) {
    if (args.size() < 2) return s.put_packet("E22");
    ThreadId t = s.parse_thread_id(args.substr(1));
    if (t.kind == ThreadId::Kind::Error) return s.put_packet("E22");
    if (t.kind == ThreadId::Kind::All) return s.put_packet("OK");
    switch (args[0]) {
    case 'c': s.c_cpu = t.cpu; break;
    case 'g': s.g_cpu = t.cpu; break;
    default: return s.put_packet("E22");
    }
    s.put_packet("OK");
}

void handle_thread_alive(GdbServer& s, std::string_view args) {
    s.put_packet(s.parse_thread_id(args).kind == ThreadId::Kind::One ? "OK" : "E22");
}

// --- registers ---

void handle_read_registers(GdbServer& s, std::string_view) {
    std::string out;
    for (int r = 0; r < s.cpu().g_register_count(); r++)
        out += hex_encode(s.cpu().read_register(s.g_cpu, r));
    s.put_packet(out);
}

void handle_write_registers(GdbServer& s, std::string_view args) {
    auto bytes = hex_decode(args);
    if (!bytes) return s.put_packet("E01");
    std::span<const uint8_t> rest(*bytes);
    for (int r = 0; r < s.cpu().g_register_count() && !rest.empty(); r++) {
        size_t size = std::min<size_t>(s.cpu().read_register(s.g_cpu, r).size(), rest.size());
        s.cpu().write_register(s.g_cpu, r, rest.first(size));
        rest = rest.subspan(size);
    }
    s.put_packet("OK");
}

void handle_read_register(GdbServer& s, std::string_view args) {
    if (!s.has_xml) return s.put_packet(""); // as QEMU: only once target.xml was read
    auto regno = parse_hex(args);
    if (!regno) return s.put_packet("E14");
    auto bytes = *regno > 0xffff ? std::vector<uint8_t>{}
                                 : s.cpu().read_register(s.g_cpu, static_cast<int>(*regno));
    s.put_packet(bytes.empty() ? "E14" : hex_encode(bytes));
}

void handle_write_register(GdbServer& s, std::string_view args) {
    if (!s.has_xml) return s.put_packet("");
    auto [reg_text, value_text] = split(args, '=');
    auto regno = parse_hex(reg_text);
    auto bytes = hex_decode(value_text);
    if (!regno || !bytes || value_text.empty()) return s.put_packet("E22");
    if (*regno <= 0xffff) s.cpu().write_register(s.g_cpu, static_cast<int>(*regno), *bytes);
    s.put_packet("OK");
}

// --- memory, at virtual addresses ---

void handle_read_memory(GdbServer& s, std::string_view args) {
    auto [addr_text, len_text] = split(args, ',');
    auto addr = parse_hex(addr_text);
    auto len = parse_hex(len_text);
    if (!addr || !len) return s.put_packet("");
    if (*len > kMaxPacket / 2) return s.put_packet("E22");
    std::vector<uint8_t> buf(*len);
    if (!s.cpu().read_memory(s.g_cpu, *addr, buf)) return s.put_packet("E14");
    s.put_packet(hex_encode(buf));
}

void handle_write_memory(GdbServer& s, std::string_view args) {
    auto [head, data] = split(args, ':');
    auto [addr_text, len_text] = split(head, ',');
    auto addr = parse_hex(addr_text);
    auto len = parse_hex(len_text);
    if (!addr || !len) return s.put_packet("");
    auto bytes = hex_decode(data);
    if (!bytes || *len > bytes->size()) return s.put_packet("E22");
    bytes->resize(*len);
    if (!s.cpu().write_memory(s.g_cpu, *addr, *bytes)) return s.put_packet("E14");
    s.put_packet("OK");
}

// --- breakpoints and watchpoints: Z/z TYPE,ADDR,KIND ---

void handle_point(GdbServer& s, std::string_view args, bool insert) {
    auto [type_text, rest] = split(args, ',');
    auto [addr_text, kind_text] = split(rest, ',');
    auto type = parse_hex(type_text);
    auto addr = parse_hex(addr_text);
    auto kind = parse_hex(kind_text);
    if (!type || !addr || !kind) return s.put_packet("E22");
    if (*type > 4) return s.put_packet(""); // not a type we know
    auto t = static_cast<DebugPointType>(*type);
    bool ok =
        insert ? s.cpu().insert_point(t, *addr, *kind) : s.cpu().remove_point(t, *addr, *kind);
    s.put_packet(ok ? "OK" : "E22");
}

void handle_insert_point(GdbServer& s, std::string_view args) { handle_point(s, args, true); }
void handle_remove_point(GdbServer& s, std::string_view args) { handle_point(s, args, false); }

// --- running ---

// c [ADDR], s [ADDR], C SIG[;ADDR], S SIG[;ADDR]: c_cpu resumes at ADDR; a
// step steps c_cpu while the others run. Signals mean nothing to a machine.
void resume_at(GdbServer& s, std::string_view addr_text, bool step) {
    if (!addr_text.empty()) {
        auto addr = parse_hex(addr_text);
        if (!addr) return s.put_packet("E22");
        std::array<uint8_t, 8> pc{};
        for (int i = 0; i < 8; i++)
            pc[i] = static_cast<uint8_t>(*addr >> (8 * i));
        s.cpu().write_register(s.c_cpu, 32, pc);
    }
    std::vector<DebugResume> actions(static_cast<size_t>(s.cpu().cpu_count()),
                                     DebugResume::Continue);
    if (step) actions[static_cast<size_t>(s.c_cpu)] = DebugResume::Step;
    s.resume(std::move(actions));
}

void handle_continue(GdbServer& s, std::string_view args) { resume_at(s, args, false); }
void handle_step(GdbServer& s, std::string_view args) { resume_at(s, args, true); }
void handle_continue_signal(GdbServer& s, std::string_view args) {
    resume_at(s, split(args, ';').second, false);
}
void handle_step_signal(GdbServer& s, std::string_view args) {
    resume_at(s, split(args, ';').second, true);
}

void handle_vcont_query(GdbServer& s, std::string_view) { s.put_packet("vCont;c;C;s;S"); }

// vCont;ACTION[:THREAD];...: the leftmost action naming a thread is its
// action; a thread no action names stays stopped.
void handle_vcont(GdbServer& s, std::string_view args) {
    size_t n = static_cast<size_t>(s.cpu().cpu_count());
    std::vector<std::optional<DebugResume>> chosen(n);
    while (!args.empty()) {
        auto [item, rest] = split(args, ';');
        args = rest;
        auto [action, thread] = split(item, ':');
        if (action.empty()) return s.put_packet("E22");
        DebugResume what;
        switch (action[0]) {
        case 'c':
        case 'C': what = DebugResume::Continue; break;
        case 's':
        case 'S': what = DebugResume::Step; break;
        case 't': what = DebugResume::Stay; break;
        default: return s.put_packet(""); // not an action we offer
        }
        if ((action[0] == 'C' || action[0] == 'S') && !parse_hex(action.substr(1)))
            return s.put_packet("E22");
        ThreadId t = thread.empty() ? ThreadId{ThreadId::Kind::All, 0} : s.parse_thread_id(thread);
        if (t.kind == ThreadId::Kind::Error) return s.put_packet("E22");
        for (size_t i = 0; i < n; i++) {
            if (!chosen[i] && (t.kind == ThreadId::Kind::All || static_cast<size_t>(t.cpu) == i))
                chosen[i] = what;
        }
    }
    std::vector<DebugResume> actions(n);
    for (size_t i = 0; i < n; i++)
        actions[i] = chosen[i].value_or(DebugResume::Stay);
    s.resume(std::move(actions));
}

// D[;PID]: with multiprocess, the pid is required (QEMU answers E22).
void handle_detach(GdbServer& s, std::string_view args) {
    if (s.multiprocess && !args.starts_with(';')) return s.put_packet("E22");
    s.detach();
}

void handle_kill(GdbServer& s, std::string_view) { s.kill("W00"); }
// vKill;PID: what gdb sends for `kill` once multiprocess was negotiated.
void handle_v_kill(GdbServer& s, std::string_view) { s.kill("OK"); }

// Longer names before the shorter ones they start with.
constexpr GdbPacket kPackets[] = {
    {"qSupported", handle_q_supported},
    {"qXfer:features:read", handle_q_xfer_features},
    {"qfThreadInfo", handle_q_f_thread_info},
    {"qsThreadInfo", handle_q_s_thread_info},
    {"qThreadExtraInfo", handle_q_thread_extra_info},
    {"qAttached", handle_q_attached},
    {"qRcmd", handle_q_rcmd},
    {"qC", handle_q_c},
    {"vCont?", handle_vcont_query},
    {"vKill", handle_v_kill},
    {"vCont", handle_vcont},
    {"?", handle_stop_reason},
    {"H", handle_set_thread},
    {"T", handle_thread_alive},
    {"g", handle_read_registers},
    {"G", handle_write_registers},
    {"p", handle_read_register},
    {"P", handle_write_register},
    {"m", handle_read_memory},
    {"M", handle_write_memory},
    {"Z", handle_insert_point},
    {"z", handle_remove_point},
    {"c", handle_continue},
    {"s", handle_step},
    {"C", handle_continue_signal},
    {"S", handle_step_signal},
    {"D", handle_detach},
    {"k", handle_kill},
};

} // namespace

std::span<const GdbPacket> gdb_packet_table() { return kPackets; }

} // namespace mq::gdb
