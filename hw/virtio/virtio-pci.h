// virtio-pci: the PCI transport (QEMU: hw/virtio/virtio-pci.c; spec 4.1).
// Each `-device virtio-X-pci` is a PCI function that carries one
// virtio-X-device, its child "virtio-backend", and shows its properties.
#pragma once

#include "core/qdev/qdev.h"

#include <cstdint>

namespace mq {

inline constexpr const char* TYPE_VIRTIO_PCI = "virtio-pci";

struct VirtioPciProxyInfo {
    const char* name;    // "virtio-blk-pci"
    const char* backend; // "virtio-blk-device"
    uint16_t class_id;   // PCI class: 0x0100 storage, 0x0200 ethernet, ...
    DeviceCategory category;
    const char* desc;
};

// Registers a virtio-X-pci type for a virtio device type.
void virtio_pci_register_proxy(const VirtioPciProxyInfo& info);

} // namespace mq
