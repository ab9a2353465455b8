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
// The original checked the latched index only for alignment, so a guest could
// latch an index past the register array and read or write host memory: a
// VM escape. Here every index is checked against the array, in both paths;
// an out-of-range access is a guest error, reads see all-ones and writes are
// dropped.
#include "core/log.h"
#include "core/module.h"
#include "hw/pci/pci.h"

#include <array>

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

void strng_reg_write(STRNGState& s, uint32_t index, uint32_t val) {
    switch (index) {
    case 0: s.seed = val; break;
    case 1: s.regs[1] = prng_step(s.seed); break;
    case 3: s.regs[3] = prng_step(s.regs[2]); break;
    default: s.regs[index] = val; break;
    }
}

// The one place an index is turned into a register: checked.
bool strng_index_ok(uint32_t byte_addr, const char* path) {
    if ((byte_addr & 3) == 0 && (byte_addr >> 2) < STRNG_NUM_REGS) return true;
    qemu_log_mask(LOG_GUEST_ERROR, "strng: {} access to register offset 0x{:x} is out of range",
                  path, byte_addr);
    return false;
}

MemoryRegionOps strng_mmio_ops(STRNGState& s) {
    MemoryRegionOps ops;
    ops.read = [&s](hwaddr addr, unsigned size) -> uint64_t {
        if (size != 4 || !strng_index_ok(static_cast<uint32_t>(addr), "mmio")) return ~0ull;
        return s.regs[addr >> 2];
    };
    ops.write = [&s](hwaddr addr, uint64_t val, unsigned size) {
        if (size != 4 || !strng_index_ok(static_cast<uint32_t>(addr), "mmio")) return;
        strng_reg_write(s, static_cast<uint32_t>(addr >> 2), static_cast<uint32_t>(val));
    };
    return ops;
}

MemoryRegionOps strng_pmio_ops(STRNGState& s) {
    MemoryRegionOps ops;
    ops.read = [&s](hwaddr addr, unsigned size) -> uint64_t {
        if (size != 4) return ~0ull;
        if (addr == STRNG_PMIO_ADDR) return s.addr;
        if (addr == STRNG_PMIO_DATA && strng_index_ok(s.addr, "pmio")) return s.regs[s.addr >> 2];
        return ~0ull;
    };
    ops.write = [&s](hwaddr addr, uint64_t val, unsigned size) {
        if (size != 4) return;
        if (addr == STRNG_PMIO_ADDR) {
            s.addr = static_cast<uint32_t>(val);
        } else if (addr == STRNG_PMIO_DATA && strng_index_ok(s.addr, "pmio")) {
            strng_reg_write(s, s.addr >> 2, static_cast<uint32_t>(val));
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
