// The system bus: the root of the qdev tree, where board devices that are
// not on any real bus (UART, PLIC, the PCI host bridge) hang
// (QEMU: hw/core/sysbus.c).
#pragma once

#include "core/qdev/qdev.h"

namespace mq {

inline constexpr const char* TYPE_SYSTEM_BUS = "System";
inline constexpr const char* TYPE_SYS_BUS_DEVICE = "sys-bus-device";

struct SysBusDevice : DeviceState {
    static constexpr const char* type = TYPE_SYS_BUS_DEVICE;
};

// "main-system-bus", created on first use at /machine/unattached/sysbus.
BusState* sysbus_get_default();

} // namespace mq
