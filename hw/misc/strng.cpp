// strng: a teaching device after the "strng" CTF challenge (BlizzardCTF 2017).
//
// It shows QEMU's usual device pattern twice: BAR0 is 64 32-bit registers
// in 256 bytes of MMIO; BAR1 is 8 bytes of port I/O with an address latch at
// port 0 and a data window at port 4 that reaches the same registers.
//   register 0  write: seed the PRNG
//   register 1  write: store the PRNG's next value
//   register 2  the state of a reentrant PRNG
//   register 3  write: step register 2's state and store the result here
//   others      plain storage
//
// The original bug. In BlizzardCTF 2017's strng, the port I/O data path read
// and wrote regs[addr >> 2] with the latched addr checked only for alignment
// (addr & 3), and the device state held the host's srand, rand and rand_r
// function pointers right after regs[64]. In a published exploit, latching
// 0x104 and 0x108 reads srand's address (leaking libc's); latching 0x114
// points rand_r at system, which a write to register 3 then calls as
// rand_r(&regs[2]) with regs[2..] holding a command the guest wrote:
// system("cat /root/flag") on the host. (The MMIO path was safe only because
// the 256-byte BAR bounds the offset.)
//
// Why this one is not vulnerable:
//   - One checked function, strng_reg_index(), turns an offset into a
//     register for both paths: aligned and below 64, or refused.
//   - The state holds no pointers: the PRNGs are integers in the device, so
//     no write, stray or not, can redirect a host call.
//   - regs is a std::array, and .at() checks the index again: a slip would
//     throw, not reach past the array.
//   - Only 4-byte accesses reach a register or the latch, and only ports 0
//     and 4 exist.
// Every refusal is a guest error (-d guest_errors): reads see all-ones,
// writes are dropped. tests/guest/c/strng-escape.c tries the escape.
#include "core/log.h"
#include "core/module.h"
#include "hw/pci/pci.h"

#include <array>
#include <optional>

namespace mq {

namespace {

constexpr int STRNG_NUM_REGS = 64;
constexpr hwaddr STRNG_MMIO_SIZE = STRNG_NUM_REGS * 4;
constexpr hwaddr STRNG_PMIO_ADDR = 0;
constexpr hwaddr STRNG_PMIO_DATA = 4;
constexpr hwaddr STRNG_PMIO_SIZE = 8;

struct STRNGState : PCIDevice {
    static constexpr const char* type = "strng";
    MemoryRegion mmio;
    MemoryRegion pmio;
    uint32_t addr = 0; // the port I/O latch
    std::array<uint32_t, STRNG_NUM_REGS> regs{};
    uint32_t seed = 1; // the non-reentrant PRNG's state
};

// A small LCG per device (the original used the host's srand/rand, which
// would make every strng share one global state).
uint32_t prng_step(uint32_t& state) {
    state = state * 1103515245u + 12345u;
    return (state >> 1) & 0x7fffffff;
}

// The one place an offset becomes a register, for both paths: an aligned
// offset below the array, or a guest error and nothing.
std::optional<uint32_t> strng_reg_index(uint64_t offset, const char* path, bool is_write) {
    if ((offset & 3) == 0 && offset / 4 < STRNG_NUM_REGS) return static_cast<uint32_t>(offset / 4);
    qemu_log_mask(LOG_GUEST_ERROR, "strng: {} {} of register offset 0x{:x} refused: {}", path,
                  is_write ? "write" : "read", offset,
                  (offset & 3) ? "misaligned" : "out of range");
    return std::nullopt;
}

// Registers and the latch are 32-bit; the memory API splits an 8-byte access
// into two 4-byte ones, so what is left here is a 1- or 2-byte access.
bool strng_size_ok(unsigned size, const char* path, hwaddr addr, bool is_write) {
    if (size == 4) return true;
    qemu_log_mask(LOG_GUEST_ERROR,
                  "strng: {} {} of {} byte(s) at BAR offset 0x{:x} refused: not 4 bytes", path,
                  is_write ? "write" : "read", size, addr);
    return false;
}

uint64_t strng_reg_read(STRNGState& s, uint64_t offset, const char* path) {
    auto index = strng_reg_index(offset, path, false);
    return index ? s.regs.at(*index) : ~0ull;
}

void strng_reg_write(STRNGState& s, uint64_t offset, uint32_t val, const char* path) {
    auto index = strng_reg_index(offset, path, true);
    if (!index) return;
    switch (*index) {
    case 0: s.seed = val; break;
    case 1: s.regs[1] = prng_step(s.seed); break;
    case 3: s.regs[3] = prng_step(s.regs[2]); break;
    default: s.regs.at(*index) = val; break;
    }
}

MemoryRegionOps strng_mmio_ops(STRNGState& s) {
    MemoryRegionOps ops;
    ops.read = [&s](hwaddr addr, unsigned size) -> uint64_t {
        if (!strng_size_ok(size, "mmio", addr, false)) return ~0ull;
        return strng_reg_read(s, addr, "mmio");
    };
    ops.write = [&s](hwaddr addr, uint64_t val, unsigned size) {
        if (!strng_size_ok(size, "mmio", addr, true)) return;
        strng_reg_write(s, addr, static_cast<uint32_t>(val), "mmio");
    };
    return ops;
}

// Port 0 is the latch (any value may be latched: it is checked when used),
// port 4 the data. The memory API refuses (and logs) a misaligned access, so
// a 4-byte one reaches no other port; checked all the same.
bool strng_port_ok(hwaddr port, unsigned size, bool is_write) {
    if (!strng_size_ok(size, "pmio", port, is_write)) return false;
    if (port == STRNG_PMIO_ADDR || port == STRNG_PMIO_DATA) return true;
    qemu_log_mask(LOG_GUEST_ERROR, "strng: pmio {} of port 0x{:x} refused: no such port",
                  is_write ? "write" : "read", port);
    return false;
}

MemoryRegionOps strng_pmio_ops(STRNGState& s) {
    MemoryRegionOps ops;
    ops.read = [&s](hwaddr addr, unsigned size) -> uint64_t {
        if (!strng_port_ok(addr, size, false)) return ~0ull;
        if (addr == STRNG_PMIO_ADDR) return s.addr;
        return strng_reg_read(s, s.addr, "pmio");
    };
    ops.write = [&s](hwaddr addr, uint64_t val, unsigned size) {
        if (!strng_port_ok(addr, size, true)) return;
        if (addr == STRNG_PMIO_ADDR) {
            s.addr = static_cast<uint32_t>(val);
        } else {
            strng_reg_write(s, s.addr, static_cast<uint32_t>(val), "pmio");
        }
    };
    return ops;
}

Status strng_realize(PCIDevice& pdev) {
    auto& s = static_cast<STRNGState&>(pdev);
    memory_region_init_io(&s.mmio, &s, strng_mmio_ops(s), "strng-mmio", STRNG_MMIO_SIZE);
    memory_region_init_io(&s.pmio, &s, strng_pmio_ops(s), "strng-pmio", STRNG_PMIO_SIZE);
    pci_register_bar(&pdev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY, &s.mmio);
    pci_register_bar(&pdev, 1, PCI_BASE_ADDRESS_SPACE_IO, &s.pmio);
    return {};
}

void strng_class_init(ObjectClass& klass) {
    auto& k = class_cast<PCIDeviceClass>(klass);
    k.realize = strng_realize;
    k.vendor_id = PCI_VENDOR_ID_QEMU;
    k.device_id = 0x11e9;
    k.revision = 0;
    k.class_id = PCI_CLASS_OTHERS;
    k.desc = "Teaching PRNG device (the strng CTF device, with its index checks)";
    device_class_set_category(k, DEVICE_CATEGORY_MISC);
    static_cast<DeviceClass&>(k).reset = [](DeviceState& dev) {
        auto& s = static_cast<STRNGState&>(dev);
        s.addr = 0;
        s.regs.fill(0);
        s.seed = 1;
    };
}

void register_strng_type() {
    type_register_static(TypeInfo{
        .name = STRNGState::type,
        .parent = TYPE_PCI_DEVICE,
        .instance_new = new_instance<STRNGState>,
        .class_init = strng_class_init,
        .interfaces = {INTERFACE_CONVENTIONAL_PCI_DEVICE},
    });
}

} // namespace

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_strng_type);
