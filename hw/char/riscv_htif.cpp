// HTIF, the host-target interface of Spike and riscv-tests (QEMU:
// hw/char/riscv_htif.c). A program that has `tohost` and `fromhost` symbols
// talks to the host by writing commands to tohost:
//   device 0, command 0, bit 0 set    exit with status (value >> 1)
//   device 0, command 0, bit 0 clear  syscall proxy; only SYS_write (64)
//   device 1, command 1               write the character in bits 7:0
// After a command the host clears tohost and answers in fromhost. The two
// words are an I/O region laid over RAM at the symbols' addresses.
#include "hw/char/riscv_htif.h"

#include "core/log.h"
#include "core/main-loop.h"
#include "core/module.h"

namespace mq {

namespace {

constexpr unsigned HTIF_DEV_SHIFT = 56;
constexpr unsigned HTIF_CMD_SHIFT = 48;
constexpr uint8_t HTIF_DEV_SYSTEM = 0;
constexpr uint8_t HTIF_DEV_CONSOLE = 1;
constexpr uint8_t HTIF_CONSOLE_CMD_GETC = 0;
constexpr uint8_t HTIF_CONSOLE_CMD_PUTC = 1;
constexpr uint64_t SYS_WRITE = 64;

void htif_console_write(HTIFState& s, const uint8_t* buf, size_t len) {
    if (s.chr) s.chr->write(buf, len);
}

void htif_handle_tohost_write(HTIFState& s, uint64_t value) {
    uint8_t device = value >> HTIF_DEV_SHIFT;
    uint8_t cmd = value >> HTIF_CMD_SHIFT;
    uint64_t payload = value & 0xffffffffffffull;
    uint64_t resp = 0;
    if (device == HTIF_DEV_SYSTEM && cmd == 0) {
        if (payload & 1) {
            qemu_system_shutdown_request(ShutdownCause::GuestShutdown,
                                         static_cast<int>(payload >> 1));
            return;
        }
        // The syscall proxy: payload points at uint64_t[8] {which, a0, a1, a2}.
        uint64_t call[4] = {};
        (void)address_space_read(s.as, payload, call, sizeof call);
        if (call[0] == SYS_WRITE && (call[1] == 1 || call[1] == 2)) {
            uint64_t len = std::min<uint64_t>(call[3], 1 << 20);
            std::vector<uint8_t> buf(len);
            (void)address_space_read(s.as, call[2], buf.data(), len);
            htif_console_write(s, buf.data(), buf.size());
            (void)address_space_stq(s.as, payload, len); // the syscall's return value
        } else {
            qemu_log_mask(LOG_UNIMP, "htif: syscall {} is not supported", call[0]);
        }
        resp = 1;
    } else if (device == HTIF_DEV_CONSOLE && cmd == HTIF_CONSOLE_CMD_PUTC) {
        uint8_t ch = static_cast<uint8_t>(payload);
        htif_console_write(s, &ch, 1);
        resp = 0x100 | ch;
    } else if (device == HTIF_DEV_CONSOLE && cmd == HTIF_CONSOLE_CMD_GETC) {
        s.tohost = 0; // no input queue: the guest sees nothing to read
        return;
    } else {
        qemu_log_mask(LOG_GUEST_ERROR, "htif: unknown device {} command {}", device, cmd);
    }
    s.fromhost = (value >> 48 << 48) | (resp & 0xffffffffffffull);
    s.tohost = 0;
}

uint64_t htif_read(HTIFState& s, hwaddr addr) {
    if (addr == s.tohost_offset) return s.tohost & 0xffffffff;
    if (addr == s.tohost_offset + 4) return s.tohost >> 32;
    if (addr == s.fromhost_offset) return s.fromhost & 0xffffffff;
    if (addr == s.fromhost_offset + 4) return s.fromhost >> 32;
    return 0;
}

// The guest writes 64-bit words as two 32-bit halves, low first.
void htif_write(HTIFState& s, hwaddr addr, uint64_t value) {
    if (addr == s.tohost_offset) {
        s.allow_tohost = s.tohost == 0;
        if (s.allow_tohost) s.tohost = value & 0xffffffff;
    } else if (addr == s.tohost_offset + 4) {
        if (s.allow_tohost) {
            s.tohost |= value << 32;
            htif_handle_tohost_write(s, s.tohost);
        }
    } else if (addr == s.fromhost_offset) {
        s.fromhost = value & 0xffffffff;
    } else if (addr == s.fromhost_offset + 4) {
        s.fromhost |= value << 32;
    }
}

} // namespace

HTIFState* htif_mm_init(MemoryRegion* address_space, AddressSpace* as, Chardev* chr, hwaddr tohost,
                        hwaddr fromhost) {
    auto* s = new HTIFState(); // lives as long as the machine
    hwaddr base = std::min(tohost, fromhost);
    hwaddr size = std::max(tohost, fromhost) + 8 - base;
    s->tohost_offset = tohost - base;
    s->fromhost_offset = fromhost - base;
    s->chr = chr;
    s->as = as;
    MemoryRegionOps ops;
    ops.read = [s](hwaddr a, unsigned) { return htif_read(*s, a); };
    ops.write = [s](hwaddr a, uint64_t v, unsigned) { htif_write(*s, a, v); };
    memory_region_init_io(&s->mmio, nullptr, std::move(ops), "riscv.htif.uart", size);
    memory_region_add_subregion_overlap(address_space, base, &s->mmio, 1);
    return s;
}

} // namespace mq
