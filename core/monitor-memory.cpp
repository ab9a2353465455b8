// The monitor's memory commands (QEMU: monitor/misc.c, memory_dump and
// hmp_memsave): xp and x dump physical and virtual memory in one format
// code, memsave and pmemsave write it to a file through QMP's commands.
//
// Virtual addresses go through the current CPU's translation (CPU 0: this
// monitor has no `cpu` command), by way of its debug interface, as gdb's do.
#include "core/cpus.h"
#include "core/memory.h"
#include "core/monitor.h"
#include "core/qdev/sysbus.h"
#include "core/qmp/qmp.h"

#include <algorithm>
#include <span>

namespace mq {

namespace {

// The monitor's current CPU.
constexpr int kCurrentCpu = 0;

// Reads `buf.size()` bytes at `addr`; false when they cannot be read.
using MemoryReader = std::function<bool(uint64_t addr, std::span<uint8_t> buf)>;

void print_char(std::string& out, uint8_t c) {
    switch (c) {
    case '\'': out += "'\\''"; break;
    case '\\': out += "'\\\\'"; break;
    case '\n': out += "'\\n'"; break;
    case '\r': out += "'\\r'"; break;
    default:
        out += c >= 32 && c <= 126 ? fmt::format("'{}'", char(c)) : fmt::format("'\\x{:02x}'", c);
        break;
    }
}

// QEMU's memory_dump: `count` units of the /fmt's size, a line of 16 bytes
// (8 for bytes) at a time, until one cannot be read.
void memory_dump(Monitor& mon, const HmpArgs& args, const MemoryReader& read) {
    int count = static_cast<int>(args.get_int("count").value_or(1));
    int format = static_cast<int>(args.get_int("format").value_or('x'));
    int wsize = static_cast<int>(args.get_int("size").value_or(4));
    uint64_t addr = static_cast<uint64_t>(args.get_int("addr").value_or(0));

    // QEMU computes the length in an int: a count that makes it wrap to zero
    // or below dumps nothing.
    int32_t len = static_cast<int32_t>(static_cast<uint32_t>(wsize) * static_cast<uint32_t>(count));
    int line_size = wsize == 1 ? 8 : 16;
    int digits = 0;
    switch (format) {
    case 'o': digits = (wsize * 8 + 2) / 3; break;
    case 'u':
    case 'd': digits = (wsize * 8 * 10 + 32) / 33; break;
    case 'c': wsize = 1; break; // after line_size: /4cw shows 16 characters a line
    default: digits = wsize * 8 / 4; break;
    }
    while (len > 0) {
        std::string out = fmt::format("{:016x}:", addr);
        int l = std::min(len, line_size);
        uint8_t buf[16];
        if (!read(addr, std::span(buf, size_t(l)))) {
            mon.printf("{} Cannot access memory\n", out);
            return;
        }
        for (int i = 0; i < l; i += wsize) {
            uint64_t v = 0;
            for (int b = 0; b < wsize; b++)
                v |= uint64_t(buf[i + b]) << (8 * b);
            out += ' ';
            switch (format) {
            case 'o': out += fmt::format("{:#{}o}", v, digits); break;
            case 'u': out += fmt::format("{:{}}", v, digits); break;
            // Unsigned below 8 bytes: QEMU prints the zero-extended value.
            case 'd': out += fmt::format("{:{}}", static_cast<int64_t>(v), digits); break;
            case 'c': print_char(out, static_cast<uint8_t>(v)); break;
            default: out += fmt::format("0x{:0{}x}", v, digits); break;
            }
        }
        mon.printf("{}\n", out);
        addr += uint64_t(l);
        len -= l;
    }
}

CpuDebug* current_cpu() {
    CpuRunner* r = cpus_runner();
    CpuDebug* debug = r ? r->debug() : nullptr;
    return debug && debug->cpu_count() > kCurrentCpu ? debug : nullptr;
}

void hmp_xp(Monitor& mon, const HmpArgs& args) {
    memory_dump(mon, args, [](uint64_t addr, std::span<uint8_t> buf) {
        return address_space_read(address_space_memory(), addr, buf.data(), buf.size()) == MEMTX_OK;
    });
}

void hmp_x(Monitor& mon, const HmpArgs& args) {
    CpuDebug* cpu = current_cpu();
    if (!cpu) {
        mon.print("Can not dump without CPU\n");
        return;
    }
    VcpuPauseGuard paused;
    memory_dump(mon, args, [cpu](uint64_t addr, std::span<uint8_t> buf) {
        return cpu->read_memory(kCurrentCpu, addr, buf);
    });
}

// QEMU's hmp_handle_error.
void print_result(Monitor& mon, const QmpResult& r) {
    if (!r.ok()) mon.printf("Error: {}\n", r.error().desc);
}

void hmp_memsave(Monitor& mon, const HmpArgs& args) {
    if (!current_cpu()) {
        mon.print("No CPU available\n");
        return;
    }
    print_result(mon, qmp_memsave(static_cast<uint64_t>(*args.get_int("val")),
                                  *args.get_int("size"), *args.get_str("filename"), kCurrentCpu));
}

void hmp_pmemsave(Monitor& mon, const HmpArgs& args) {
    print_result(mon, qmp_pmemsave(static_cast<uint64_t>(*args.get_int("val")),
                                   *args.get_int("size"), *args.get_str("filename")));
}

} // namespace

void hmp_register_memory_commands() {
    hmp_register_command(
        {"x", "fmt:/,addr:l", "/fmt addr", "virtual memory dump starting at 'addr'", hmp_x});
    hmp_register_command(
        {"xp", "fmt:/,addr:l", "/fmt addr", "physical memory dump starting at 'addr'", hmp_xp});
    hmp_register_command({"memsave", "val:l,size:i,filename:s", "addr size file",
                          "save to disk virtual memory dump starting at 'addr' of size 'size'",
                          hmp_memsave});
    hmp_register_command({"pmemsave", "val:l,size:i,filename:s", "addr size file",
                          "save to disk physical memory dump starting at 'addr' of size 'size'",
                          hmp_pmemsave});
}

} // namespace mq
