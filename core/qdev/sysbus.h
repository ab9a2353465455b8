// The system bus: the root of the qdev tree, where board devices that are
// not on any real bus (UART, PLIC, the PCI host bridge) hang
// (QEMU: hw/core/sysbus.c).
//
// A sysbus device declares its MMIO regions and interrupt outputs; the board
// maps the regions into system memory and connects the outputs.
#pragma once

#include "core/memory.h"
#include "core/qdev/qdev.h"

namespace mq {

inline constexpr const char* TYPE_SYSTEM_BUS = "System";
inline constexpr const char* TYPE_SYS_BUS_DEVICE = "sys-bus-device";

struct SysBusDevice : DeviceState {
    static constexpr const char* type = TYPE_SYS_BUS_DEVICE;
    struct Mmio {
        MemoryRegion* memory;
        hwaddr addr = ~hwaddr(0); // where the board mapped it, or -1
    };
    std::vector<Mmio> mmio;
};

// "main-system-bus", created on first use at /machine/unattached/sysbus.
BusState* sysbus_get_default();

void sysbus_init_mmio(SysBusDevice* dev, MemoryRegion* memory);
MemoryRegion* sysbus_mmio_get_region(SysBusDevice* dev, int n);
// Maps region `n` into system memory at `addr`.
void sysbus_mmio_map(SysBusDevice* dev, int n, hwaddr addr);
void sysbus_mmio_map_overlap(SysBusDevice* dev, int n, hwaddr addr, int priority);
void sysbus_init_irq(SysBusDevice* dev, QemuIrq* irq);
void sysbus_connect_irq(SysBusDevice* dev, int n, QemuIrq irq);
// qdev_new + realize on the main system bus; a failure is a board bug.
DeviceState* sysbus_create_simple(std::string_view type, hwaddr addr, QemuIrq irq = {});

// The machine's two address spaces and their root regions (QEMU's
// address_space_memory / address_space_io).
MemoryRegion* get_system_memory();
MemoryRegion* get_system_io();
AddressSpace* address_space_memory();
AddressSpace* address_space_io();

} // namespace mq
