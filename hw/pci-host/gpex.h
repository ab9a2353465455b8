// The generic PCI Express host bridge, "gpex" (QEMU: hw/pci-host/gpex.c).
//
// Its sysbus regions, which the board maps:
//   0  the ECAM window: config space of every bus/device/function, at
//      base + (bus << 20 | device << 15 | function << 12 | register);
//   1  the MMIO window: PCI memory space. Addresses no BAR claims read as
//      all-ones and ignore writes, as PC-style software expects;
//   2  the I/O window: PCI I/O space, with the same background behaviour.
// Four interrupt outputs carry INTA..INTD after the slot swizzle.
// The bridge itself sits at 00:00.0 as "gpex-root" (1b36:0008, host bridge).
#pragma once

#include "core/qdev/sysbus.h"
#include "hw/pci/pci.h"

namespace mq {

inline constexpr const char* TYPE_GPEX_HOST = "gpex-pcihost";
inline constexpr const char* TYPE_GPEX_ROOT_DEVICE = "gpex-root";
inline constexpr int GPEX_NUM_IRQS = 4;
inline constexpr uint64_t PCIE_MMCFG_SIZE_MAX = 1ull << 28;

struct GPEXHost : SysBusDevice {
    static constexpr const char* type = TYPE_GPEX_HOST;
    MemoryRegion mmcfg;            // "pcie-mmcfg-mmio"
    MemoryRegion io_mmio;          // "gpex_mmio": where memory BARs map
    MemoryRegion io_ioport;        // "gpex_ioport": where I/O BARs map
    MemoryRegion io_mmio_window;   // "gpex_mmio_window": all-ones background
    MemoryRegion io_ioport_window; // "gpex_ioport_window"
    std::array<QemuIrq, GPEX_NUM_IRQS> irq;
    PCIBus* bus = nullptr;
};

} // namespace mq
