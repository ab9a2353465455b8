// A virt machine for device tests, driven as QEMU's qtest drives one: no CPU
// runs; the tests read and write physical addresses through the system
// address space, step the virtual clock and look at interrupt lines.
//
// One machine serves the whole test binary (/machine and system memory are
// global), built by qemu_init from a command line. Each test starts from a
// system reset, after which a tiny firmware-like PCI driver (pci_scan and
// pci_assign below) has enumerated ECAM, sized and placed the BARs and
// enabled decode and bus mastering, as firmware would before an OS runs.
//
// Locking: a test body runs with the big lock held (VirtTest holds it), as a
// vCPU holds it around MMIO. Waiting for another thread (edu's factorial
// worker takes the lock to raise its interrupt) goes through wait_for(),
// which lets go of the lock while it sleeps.
#pragma once

#include "cmdline/vl.h"
#include "core/chardev.h"
#include "core/main-loop.h"
#include "core/memory.h"
#include "core/timer.h"
#include "machine/virt.h"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mq::test {

// The virt memory map as guests know it (../shared/specs/virt-machine.md),
// written out here rather than taken from machine/virt.h, so that a wrong
// table shows up as failing tests.
inline constexpr hwaddr kMromBase = 0x1000;
inline constexpr hwaddr kFinisherBase = 0x100000;
inline constexpr hwaddr kRtcBase = 0x101000;
inline constexpr hwaddr kClintBase = 0x2000000;
inline constexpr hwaddr kMtimecmp0 = kClintBase + 0x4000;
inline constexpr hwaddr kMtime = kClintBase + 0xbff8;
inline constexpr hwaddr kPciIoBase = 0x3000000;
inline constexpr hwaddr kPlicBase = 0xc000000;
inline constexpr hwaddr kUartBase = 0x10000000;
inline constexpr hwaddr kEcamBase = 0x30000000;
inline constexpr hwaddr kPciMmioBase = 0x40000000;
inline constexpr hwaddr kPciMmioHighBase = 0x400000000;
inline constexpr hwaddr kRamBase = 0x80000000;
inline constexpr uint64_t kRamSize = 256ull << 20;
// The first PCI I/O address the driver hands out: 0 would mean "unmapped".
inline constexpr uint64_t kPciIoFirst = 0x1000;

// PLIC register addresses.
inline constexpr hwaddr plic_priority(int source) { return kPlicBase + 4 * source; }
inline constexpr hwaddr plic_pending_word(int source) {
    return kPlicBase + 0x1000 + 4 * (source / 32);
}
inline constexpr hwaddr plic_enable_word(int context, int source) {
    return kPlicBase + 0x2000 + 0x80 * context + 4 * (source / 32);
}
inline constexpr hwaddr plic_threshold(int context) {
    return kPlicBase + 0x200000 + 0x1000 * context;
}
inline constexpr hwaddr plic_claim(int context) { return kPlicBase + 0x200004 + 0x1000 * context; }

// --- A firmware-like PCI driver, over ECAM with 32-bit accesses ---

inline constexpr hwaddr ecam_address(int bus, int slot, int fn, unsigned reg) {
    return kEcamBase + (hwaddr(bus) << 20 | hwaddr(slot) << 15 | hwaddr(fn) << 12 | reg);
}
uint32_t pci_cfg_read32(int slot, int fn, unsigned reg);
void pci_cfg_write32(int slot, int fn, unsigned reg, uint32_t value);
// Narrower fields, taken from the aligned 32-bit word.
uint16_t pci_cfg_read16(int slot, int fn, unsigned reg);
uint8_t pci_cfg_read8(int slot, int fn, unsigned reg);
// Writes the command register; the status half of the word is written as
// 0, which leaves its write-1-to-clear bits alone.
void pci_set_command(int slot, int fn, uint16_t command);

struct PciBar {
    bool present = false;
    bool io = false;
    bool is64 = false;
    bool prefetch = false;
    uint32_t sizing_mask = 0;    // the BAR's low word read back after writing all-ones
    uint32_t sizing_mask_hi = 0; // the upper word's, for a 64-bit BAR
    uint64_t size = 0;
    uint64_t addr = 0; // the bus address the driver gave it
    // Where the CPU reaches it: the I/O window maps PCI I/O address x at
    // 0x3000000 + x; memory BARs have bus address = CPU address.
    hwaddr cpu_addr() const { return io ? kPciIoBase + addr : addr; }
};

struct PciFunction {
    int slot = 0;
    int fn = 0;
    uint16_t vendor = 0;
    uint16_t device = 0;
    uint8_t revision = 0;
    uint32_t class_code = 0; // base class, subclass, programming interface
    uint8_t header_type = 0;
    uint8_t interrupt_pin = 0;
    std::array<PciBar, 6> bars{};
};

// Finds every function on bus 0 and sizes its BARs, with decode off; the
// BARs are left as they were.
std::vector<PciFunction> pci_scan();
// Places the BARs (32-bit memory from 0x40000000, 64-bit prefetchable memory
// from 0x400000000, I/O from 0x1000), each aligned to its size, then enables
// I/O, memory and bus mastering.
void pci_assign(std::vector<PciFunction>& functions);
const PciFunction* pci_find(const std::vector<PciFunction>& functions, uint16_t vendor,
                            uint16_t device);

// --- The machine ---

class VirtMachine {
public:
    // Builds the machine on first use.
    static VirtMachine& get();

    Vm& vm() { return *m_vm; }
    RISCVVirtState& board();
    RingBufChardev& serial();
    // The guest_errors lines logged since the last call.
    std::vector<std::string> take_guest_errors();
    // edu's liveness register as read right after the machine was built,
    // before any test wrote it.
    uint32_t edu_liveness_at_start() const { return m_edu_liveness_at_start; }
    // The command line the machine was built from: the common one, then
    // what extra_args() gave.
    static const std::vector<const char*>& command_line();
    // A test binary that needs more devices (virtio_test.cpp: drives on
    // temporary images) sets this before the first test runs; it is called
    // once, when the machine is built, so that files are made only then.
    static std::function<std::vector<std::string>()>& extra_args();

private:
    VirtMachine();
    std::unique_ptr<Vm> m_vm;
    uint32_t m_edu_liveness_at_start = 0;
};

// Every test: a reset machine, PCI set up, the big lock held.
class VirtTest : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;

    VirtMachine& machine() { return VirtMachine::get(); }
    static AddressSpace* sys() { return address_space_memory(); }

    static uint8_t rd8(hwaddr a, MemTxResult* r = nullptr) {
        return address_space_ldub(sys(), a, r);
    }
    static uint16_t rd16(hwaddr a, MemTxResult* r = nullptr) {
        return address_space_lduw(sys(), a, r);
    }
    static uint32_t rd32(hwaddr a, MemTxResult* r = nullptr) {
        return address_space_ldl(sys(), a, r);
    }
    static uint64_t rd64(hwaddr a, MemTxResult* r = nullptr) {
        return address_space_ldq(sys(), a, r);
    }
    static MemTxResult wr8(hwaddr a, uint8_t v) { return address_space_stb(sys(), a, v); }
    static MemTxResult wr16(hwaddr a, uint16_t v) { return address_space_stw(sys(), a, v); }
    static MemTxResult wr32(hwaddr a, uint32_t v) { return address_space_stl(sys(), a, v); }
    static MemTxResult wr64(hwaddr a, uint64_t v) { return address_space_stq(sys(), a, v); }

    static bool plic_pending(int source) {
        return (rd32(plic_pending_word(source)) >> (source % 32)) & 1;
    }

    static int64_t now_ns() { return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL); }
    // Advances the stepped virtual clock, firing the timers due on the way.
    static void step_ns(int64_t ns) { virtual_clock_step_to(now_ns() + ns); }
    static void step_ms(int64_t ms) { step_ns(ms * SCALE_MS); }

    // Polls `pred` (with the big lock held) until it holds, sleeping without
    // the lock in between. False on timeout. No thread runs the main loop
    // here, so what devices posted to it (virtio-blk's completions) runs in
    // between too, as the main loop would run it.
    static bool wait_for(const std::function<bool()>& pred,
                         std::chrono::milliseconds timeout = std::chrono::seconds(20));
    // Runs what was posted to the main loop (the handlers take the big lock,
    // so it is let go meanwhile).
    static void run_main_loop();

    std::vector<PciFunction> m_pci;
    const PciFunction* m_host = nullptr;
    const PciFunction* m_edu = nullptr;
    const PciFunction* m_testdev = nullptr;
    const PciFunction* m_strng = nullptr;

private:
    std::optional<BqlGuard> m_bql;
};

// Golden files under tests/golden. With MQ_UPDATE_GOLDEN=1 in the
// environment, the actual text is written instead (review the diff!).
std::string golden_path(const std::string& name);
std::string read_golden(const std::string& name);
void maybe_update_golden(const std::string& name, const std::string& actual);

} // namespace mq::test
