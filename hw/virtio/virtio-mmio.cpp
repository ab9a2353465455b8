// virtio-mmio: the memory-mapped virtio transport (QEMU: hw/virtio/virtio-mmio.c;
// spec 4.2). The virt board has eight of these slots at 0x10001000 +
// 0x1000*i; `-device virtio-blk-device` plugs a device into the first free
// one (the highest address, as QEMU's bus order gives).
//
// Two register layouts share the window. Version 1 ("legacy", QEMU 7.2's
// default through force-legacy=on) places each ring from one page number
// (QueuePFN); version 2 ("modern") takes the three ring addresses and a
// QueueReady bit, and 64 feature bits. Linux drives either.
#include "core/log.h"
#include "core/module.h"
#include "core/qdev/sysbus.h"
#include "hw/virtio/virtio.h"

namespace mq {

namespace {

// --- register map ---
constexpr hwaddr MMIO_MAGIC = 0x000; // "virt"
constexpr hwaddr MMIO_VERSION = 0x004;
constexpr hwaddr MMIO_DEVICE_ID = 0x008;
constexpr hwaddr MMIO_VENDOR_ID = 0x00c;
constexpr hwaddr MMIO_DEVICE_FEATURES = 0x010;
constexpr hwaddr MMIO_DEVICE_FEATURES_SEL = 0x014;
constexpr hwaddr MMIO_DRIVER_FEATURES = 0x020;
constexpr hwaddr MMIO_DRIVER_FEATURES_SEL = 0x024;
constexpr hwaddr MMIO_GUEST_PAGE_SIZE = 0x028; // legacy
constexpr hwaddr MMIO_QUEUE_SEL = 0x030;
constexpr hwaddr MMIO_QUEUE_NUM_MAX = 0x034;
constexpr hwaddr MMIO_QUEUE_NUM = 0x038;
constexpr hwaddr MMIO_QUEUE_ALIGN = 0x03c; // legacy
constexpr hwaddr MMIO_QUEUE_PFN = 0x040;   // legacy
constexpr hwaddr MMIO_QUEUE_READY = 0x044; // modern
constexpr hwaddr MMIO_QUEUE_NOTIFY = 0x050;
constexpr hwaddr MMIO_INTERRUPT_STATUS = 0x060;
constexpr hwaddr MMIO_INTERRUPT_ACK = 0x064;
constexpr hwaddr MMIO_STATUS = 0x070;
constexpr hwaddr MMIO_QUEUE_DESC_LOW = 0x080; // modern, and the five below
constexpr hwaddr MMIO_QUEUE_DESC_HIGH = 0x084;
constexpr hwaddr MMIO_QUEUE_AVAIL_LOW = 0x090;
constexpr hwaddr MMIO_QUEUE_AVAIL_HIGH = 0x094;
constexpr hwaddr MMIO_QUEUE_USED_LOW = 0x0a0;
constexpr hwaddr MMIO_QUEUE_USED_HIGH = 0x0a4;
constexpr hwaddr MMIO_CONFIG_GENERATION = 0x0fc;
constexpr hwaddr MMIO_CONFIG = 0x100;

constexpr uint32_t VIRT_MAGIC = 0x74726976;  // "virt", little-endian
constexpr uint32_t VIRT_VENDOR = 0x554d4551; // "QEMU"
constexpr hwaddr MMIO_SIZE = 0x200;

inline constexpr const char* TYPE_VIRTIO_MMIO = "virtio-mmio";
inline constexpr const char* TYPE_VIRTIO_MMIO_BUS = "virtio-mmio-bus";

struct VirtIOMMIOProxy : SysBusDevice {
    static constexpr const char* type = TYPE_VIRTIO_MMIO;
    MemoryRegion iomem;
    QemuIrq irq;
    VirtioBusState* bus = nullptr;
    bool legacy = true; // the "force-legacy" property

    uint32_t host_features_sel = 0;
    uint32_t guest_features_sel = 0;
    uint32_t guest_page_shift = 0;
    uint32_t queue_sel = 0;
    uint32_t guest_features[2] = {};

    VirtIODevice* vdev() const {
        return bus->children.empty() ? nullptr
                                     : object_dynamic_cast<VirtIODevice>(bus->children.front());
    }
};

void mmio_update_irq(VirtIOMMIOProxy& s) {
    VirtIODevice* vdev = s.vdev();
    qemu_set_irq(s.irq, vdev && vdev->isr ? 1 : 0);
}

VirtQueue* selected_queue(VirtIOMMIOProxy& s, VirtIODevice& vdev) {
    return s.queue_sel < vdev.vq.size() ? &vdev.vq[s.queue_sel] : nullptr;
}

uint64_t mmio_read(VirtIOMMIOProxy& s, hwaddr offset, unsigned size) {
    VirtIODevice* vdev = s.vdev();
    if (offset >= MMIO_CONFIG)
        return vdev ? virtio_config_read(*vdev, offset - MMIO_CONFIG, size) : 0;
    if (size != 4) {
        qemu_log_mask(LOG_GUEST_ERROR, "virtio_mmio_read: wrong size access to register!");
        return 0;
    }
    switch (offset) {
    case MMIO_MAGIC: return VIRT_MAGIC;
    case MMIO_VERSION: return s.legacy ? 1 : 2;
    case MMIO_DEVICE_ID: return vdev ? vdev->device_id : 0;
    case MMIO_VENDOR_ID: return VIRT_VENDOR;
    default: break;
    }
    if (!vdev) return 0; // an empty slot reads as zeroes past the identity
    VirtQueue* vq = selected_queue(s, *vdev);
    switch (offset) {
    case MMIO_DEVICE_FEATURES:
        if (s.legacy && s.host_features_sel) return 0;
        return s.host_features_sel > 1
                   ? 0
                   : uint32_t(vdev->host_features >> (32 * s.host_features_sel));
    case MMIO_QUEUE_NUM_MAX: return vq ? vq->num_max : 0;
    case MMIO_QUEUE_PFN:
        if (!s.legacy) break;
        return vq ? vq->legacy_pfn : 0;
    case MMIO_QUEUE_READY:
        if (s.legacy) break;
        return vq && vq->ready;
    case MMIO_INTERRUPT_STATUS: return vdev->isr;
    case MMIO_STATUS: return vdev->status;
    case MMIO_CONFIG_GENERATION:
        if (s.legacy) break;
        return vdev->generation;
    case MMIO_DEVICE_FEATURES_SEL:
    case MMIO_DRIVER_FEATURES:
    case MMIO_DRIVER_FEATURES_SEL:
    case MMIO_GUEST_PAGE_SIZE:
    case MMIO_QUEUE_SEL:
    case MMIO_QUEUE_NUM:
    case MMIO_QUEUE_ALIGN:
    case MMIO_QUEUE_NOTIFY:
    case MMIO_INTERRUPT_ACK:
    case MMIO_QUEUE_DESC_LOW:
    case MMIO_QUEUE_DESC_HIGH:
    case MMIO_QUEUE_AVAIL_LOW:
    case MMIO_QUEUE_AVAIL_HIGH:
    case MMIO_QUEUE_USED_LOW:
    case MMIO_QUEUE_USED_HIGH:
        qemu_log_mask(LOG_GUEST_ERROR, "virtio_mmio_read: read of write-only register (0x{:x})",
                      offset);
        return 0;
    default: break;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "virtio_mmio_read: bad register offset (0x{:x})", offset);
    return 0;
}

void mmio_write(VirtIOMMIOProxy& s, hwaddr offset, uint64_t value, unsigned size) {
    VirtIODevice* vdev = s.vdev();
    if (!vdev) return; // an empty slot ignores writes
    if (offset >= MMIO_CONFIG) {
        virtio_config_write(*vdev, uint32_t(offset - MMIO_CONFIG), uint32_t(value), size);
        return;
    }
    if (size != 4) {
        qemu_log_mask(LOG_GUEST_ERROR, "virtio_mmio_write: wrong size access to register!");
        return;
    }
    VirtQueue* vq = selected_queue(s, *vdev);
    auto modern_only = [&] {
        if (!s.legacy) return true;
        qemu_log_mask(LOG_GUEST_ERROR,
                      "virtio_mmio_write: write to non-legacy register (0x{:x}) in legacy mode",
                      offset);
        return false;
    };
    switch (offset) {
    case MMIO_DEVICE_FEATURES_SEL: s.host_features_sel = uint32_t(value); break;
    case MMIO_DRIVER_FEATURES:
        if (s.legacy) {
            // A legacy driver has 32 bits and applies them at once.
            if (s.guest_features_sel == 0) virtio_set_features(*vdev, value);
        } else if (s.guest_features_sel < 2) {
            s.guest_features[s.guest_features_sel] = uint32_t(value);
        }
        break;
    case MMIO_DRIVER_FEATURES_SEL: s.guest_features_sel = uint32_t(value); break;
    case MMIO_GUEST_PAGE_SIZE:
        if (!s.legacy) break;
        if (!value || (value & (value - 1))) {
            qemu_log_mask(LOG_GUEST_ERROR,
                          "virtio_mmio_write: guest page size 0x{:x} is not a power of 2", value);
            break;
        }
        s.guest_page_shift = uint32_t(__builtin_ctzll(value));
        break;
    case MMIO_QUEUE_SEL: s.queue_sel = uint32_t(value); break;
    case MMIO_QUEUE_NUM:
        if (!vq) break;
        if (value == 0 || value > vq->num_max) {
            qemu_log_mask(LOG_GUEST_ERROR, "{}: queue {} size {} is not between 1 and {}",
                          vdev->name, s.queue_sel, value, vq->num_max);
            break;
        }
        vq->num = uint16_t(value);
        if (s.legacy && vq->legacy_pfn) {
            virtio_queue_set_legacy_pfn(*vdev, s.queue_sel, vq->legacy_pfn,
                                        1u << s.guest_page_shift);
        }
        break;
    case MMIO_QUEUE_ALIGN:
        if (!s.legacy || !vq) break;
        if (!value || (value & (value - 1))) {
            qemu_log_mask(LOG_GUEST_ERROR,
                          "virtio_mmio_write: queue align 0x{:x} is not a power of 2", value);
            break;
        }
        vq->legacy_align = uint32_t(value);
        break;
    case MMIO_QUEUE_PFN:
        if (!s.legacy || !vq) break;
        virtio_queue_set_legacy_pfn(*vdev, s.queue_sel, uint32_t(value), 1u << s.guest_page_shift);
        break;
    case MMIO_QUEUE_READY:
        if (!modern_only() || !vq) break;
        vq->ready = value & 1;
        if (!vq->ready) vq->reset();
        break;
    case MMIO_QUEUE_NOTIFY: virtio_queue_notify(*vdev, uint32_t(value)); break;
    case MMIO_INTERRUPT_ACK:
        vdev->isr &= uint8_t(~value);
        mmio_update_irq(s);
        break;
    case MMIO_STATUS:
        if (value == 0) {
            virtio_reset(*vdev);
            s.guest_features[0] = s.guest_features[1] = 0;
            break;
        }
        if (!s.legacy && (value & VIRTIO_CONFIG_S_FEATURES_OK) &&
            !(vdev->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
            uint64_t f = s.guest_features[0] | uint64_t(s.guest_features[1]) << 32;
            // Bits the device did not offer: FEATURES_OK stays clear, and
            // the driver sees that it failed (spec 3.1.1).
            if (!virtio_set_features(*vdev, f)) value &= ~uint64_t(VIRTIO_CONFIG_S_FEATURES_OK);
        }
        virtio_set_status(*vdev, uint8_t(value));
        break;
    case MMIO_QUEUE_DESC_LOW:
    case MMIO_QUEUE_DESC_HIGH:
        if (modern_only() && vq) virtio_set_half(vq->desc, value, offset == MMIO_QUEUE_DESC_HIGH);
        break;
    case MMIO_QUEUE_AVAIL_LOW:
    case MMIO_QUEUE_AVAIL_HIGH:
        if (modern_only() && vq) virtio_set_half(vq->avail, value, offset == MMIO_QUEUE_AVAIL_HIGH);
        break;
    case MMIO_QUEUE_USED_LOW:
    case MMIO_QUEUE_USED_HIGH:
        if (modern_only() && vq) virtio_set_half(vq->used, value, offset == MMIO_QUEUE_USED_HIGH);
        break;
    case MMIO_MAGIC:
    case MMIO_VERSION:
    case MMIO_DEVICE_ID:
    case MMIO_VENDOR_ID:
    case MMIO_DEVICE_FEATURES:
    case MMIO_QUEUE_NUM_MAX:
    case MMIO_INTERRUPT_STATUS:
    case MMIO_CONFIG_GENERATION:
        qemu_log_mask(LOG_GUEST_ERROR, "virtio_mmio_write: write to read-only register (0x{:x})",
                      offset);
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "virtio_mmio_write: bad register offset (0x{:x})", offset);
    }
}

void mmio_instance_init(Object& obj) {
    auto& s = static_cast<VirtIOMMIOProxy&>(obj);
    MemoryRegionOps ops;
    ops.read = [&s](hwaddr a, unsigned size) { return mmio_read(s, a, size); };
    ops.write = [&s](hwaddr a, uint64_t v, unsigned size) { mmio_write(s, a, v, size); };
    ops.valid.min_access_size = 1;
    ops.valid.max_access_size = 4;
    ops.impl.min_access_size = 1;
    ops.impl.max_access_size = 4;
    memory_region_init_io(&s.iomem, &s, std::move(ops), TYPE_VIRTIO_MMIO, MMIO_SIZE);
    sysbus_init_mmio(&s, &s.iomem);
    sysbus_init_irq(&s, &s.irq);
}

Status mmio_realize(DeviceState& dev) {
    auto& s = static_cast<VirtIOMMIOProxy&>(dev);
    s.bus = static_cast<VirtioBusState*>(qbus_new(TYPE_VIRTIO_MMIO_BUS, &s, ""));
    s.bus->notify = [&s](VirtIODevice&, uint16_t) { mmio_update_irq(s); };
    s.bus->update_irq = [&s](VirtIODevice&) { mmio_update_irq(s); };
    s.bus->legacy = [&s] { return s.legacy; };
    return {};
}

void mmio_reset(DeviceState& dev) {
    auto& s = static_cast<VirtIOMMIOProxy&>(dev);
    s.host_features_sel = s.guest_features_sel = s.queue_sel = 0;
    s.guest_page_shift = 0;
    s.guest_features[0] = s.guest_features[1] = 0;
    // The plugged device resets with the bus (device_cold_reset recurses).
}

void mmio_class_init(ObjectClass& klass) {
    auto& dc = class_cast<DeviceClass>(klass);
    dc.realize = mmio_realize;
    dc.reset = mmio_reset;
    dc.desc = "virtio-mmio transport";
    dc.user_creatable = false;
    device_class_set_props(dc, {qdev_prop("force-legacy", &VirtIOMMIOProxy::legacy, true,
                                          "on: version 1 (legacy) registers; off: version 2")});
}

void register_virtio_mmio_types() {
    type_register_static(TypeInfo{
        .name = VirtIOMMIOProxy::type,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_new = new_instance<VirtIOMMIOProxy>,
        .class_init = mmio_class_init,
        .instance_init = mmio_instance_init,
    });
    type_register_static(TypeInfo{.name = TYPE_VIRTIO_MMIO_BUS, .parent = TYPE_VIRTIO_BUS});
}

} // namespace

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_virtio_mmio_types);
