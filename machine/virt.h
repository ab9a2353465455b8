// The RISC-V "virt" board.
#pragma once

#include "core/machine.h"
#include "core/qdev/sysbus.h"
#include "hw/char/serial.h"
#include "hw/intc/riscv_aclint.h"
#include "hw/intc/sifive_plic.h"
#include "hw/pci-host/gpex.h"

#include <array>
#include <vector>

namespace mq {

enum VirtRegion {
    VIRT_MROM,
    VIRT_TEST,
    VIRT_RTC,
    VIRT_CLINT,
    VIRT_PCIE_PIO,
    VIRT_PLIC,
    VIRT_UART0,
    VIRT_VIRTIO,
    VIRT_PCIE_ECAM,
    VIRT_PCIE_MMIO,
    VIRT_DRAM,
    VIRT_NUM_REGIONS
};

struct MemMapEntry {
    VirtRegion index;
    const char* what;
    hwaddr base;
    hwaddr size;
};

// The memory map, as QEMU's virt. Each row is one device window; `index`
// keeps the rows in enum order.
inline constexpr std::array<MemMapEntry, VIRT_NUM_REGIONS> virt_memmap{{
    {VIRT_MROM, "reset ROM", 0x1000, 0xf000},
    {VIRT_TEST, "sifive_test finisher", 0x100000, 0x1000},
    {VIRT_RTC, "goldfish RTC", 0x101000, 0x1000},
    {VIRT_CLINT, "CLINT (ACLINT SWI + MTIMER)", 0x2000000, 0x10000},
    {VIRT_PCIE_PIO, "PCI I/O window", 0x3000000, 0x10000},
    {VIRT_PLIC, "PLIC", 0xc000000, 0x600000},
    {VIRT_UART0, "NS16550A UART", 0x10000000, 0x100},
    {VIRT_VIRTIO, "virtio-mmio slots (8 of 0x1000)", 0x10001000, 0x1000},
    {VIRT_PCIE_ECAM, "PCIe ECAM", 0x30000000, 0x10000000},
    {VIRT_PCIE_MMIO, "PCI MMIO (32-bit)", 0x40000000, 0x40000000},
    {VIRT_DRAM, "DRAM (size from -m)", 0x80000000, 0x0},
}};

static_assert([] {
    for (size_t i = 0; i < virt_memmap.size(); i++) {
        if (virt_memmap[i].index != static_cast<VirtRegion>(i)) return false;
    }
    return true;
}());

// PLIC sources.
inline constexpr int VIRTIO_IRQ = 1; // slot i: source 1 + i
inline constexpr int VIRTIO_COUNT = 8;
inline constexpr int UART0_IRQ = 10;
inline constexpr int RTC_IRQ = 11;
inline constexpr int PCIE_IRQ = 0x20; // INTA..INTD of the host bridge: 32..35
inline constexpr uint32_t VIRT_IRQCHIP_NUM_SOURCES = 96;
inline constexpr unsigned VIRT_CPUS_MAX = 8;

inline constexpr const char* TYPE_RISCV_VIRT_MACHINE = "virt-machine";

struct RISCVVirtState : MachineState {
    static constexpr const char* type = TYPE_RISCV_VIRT_MACHINE;
    MemoryRegion ram;
    MemoryRegion mrom;
    MemoryRegion pcie_ecam_alias;
    MemoryRegion pcie_mmio_alias;
    MemoryRegion pcie_mmio_high_alias;

    SiFivePLICState* plic = nullptr;
    RISCVAclintSwiState* swi = nullptr;
    RISCVAclintMTimerState* mtimer = nullptr;
    SerialMM* uart = nullptr;
    GPEXHost* gpex = nullptr;
    std::vector<DeviceState*> harts;

    hwaddr pcie_mmio_high_base = 0;
    uint64_t pcie_mmio_high_size = 0;
    std::vector<uint8_t> fdt; // the final blob
    hwaddr fdt_addr = 0;
    uint64_t start_addr = 0; // where the reset ROM jumps
    uint64_t kernel_entry = 0;
    std::optional<std::pair<hwaddr, hwaddr>> initrd;
    // An ELF that has tohost/fromhost speaks HTIF (riscv-tests).
    std::optional<std::pair<hwaddr, hwaddr>> htif;
};

// The device tree for the machine as built (virt-fdt.cpp).
std::vector<uint8_t> virt_create_fdt(const RISCVVirtState& s);

// The harts: created before the interrupt controllers, connected after.
// Implemented by the CPU's board glue (machine/virt-harts.cpp).
Status virt_create_harts(RISCVVirtState& s);
void virt_connect_harts(RISCVVirtState& s);
// A hart's ISA in its device-tree node: riscv,isa, riscv,isa-base,
// riscv,isa-extensions, and the cache-block sizes of Zicbom/Zicboz.
class FdtBuilder;
void virt_fdt_hart_isa(const RISCVVirtState& s, FdtBuilder& fdt, const std::string& cpu_node,
                       int cpu);
// The pmu node: which counters OpenSBI's SBI PMU may give each event.
void virt_fdt_pmu(const RISCVVirtState& s, FdtBuilder& fdt);

} // namespace mq
