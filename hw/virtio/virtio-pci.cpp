// virtio-pci, modern (virtio 1.0) interface (QEMU: hw/virtio/virtio-pci.c;
// spec 4.1). See virtio-pci.h.
//
// The function's config space carries vendor-specific capabilities that
// point into BAR 4, a 16 KiB 64-bit memory BAR, one page per structure:
//   0x0000  common configuration: features, status, queue setup
//   0x1000  ISR status: read to learn why the interrupt came, and clear it
//   0x2000  the device's own config space
//   0x3000  notifications: a write at 0x3000 + 4*n kicks queue n
// The interrupt is INTx (INTA); the virt board has no MSI controller, so
// there is no MSI-X table and every vector reads as "none".
//
// The device ID is 0x1040 + the virtio device type, as for QEMU's devices
// with disable-legacy=on; there is no legacy I/O BAR.
#include "hw/virtio/virtio-pci.h"

#include "core/log.h"
#include "core/module.h"
#include "hw/pci/pci.h"
#include "hw/virtio/virtio.h"

#include <cstring>

namespace mq {

namespace {

constexpr uint8_t PCI_CAP_ID_VNDR = 0x09;
// Capability cfg_type values.
constexpr uint8_t VIRTIO_PCI_CAP_COMMON_CFG = 1;
constexpr uint8_t VIRTIO_PCI_CAP_NOTIFY_CFG = 2;
constexpr uint8_t VIRTIO_PCI_CAP_ISR_CFG = 3;
constexpr uint8_t VIRTIO_PCI_CAP_DEVICE_CFG = 4;

constexpr int kModernBar = 4;
constexpr hwaddr kCommonOff = 0x0000, kIsrOff = 0x1000, kDeviceOff = 0x2000, kNotifyOff = 0x3000;
constexpr hwaddr kRegionSize = 0x1000;
constexpr uint32_t kNotifyMultiplier = 4;
constexpr hwaddr kBarSize = 0x4000;

// The common configuration structure (struct virtio_pci_common_cfg).
enum : hwaddr {
    COMMON_DFSELECT = 0x00,      // le32 device_feature_select
    COMMON_DF = 0x04,            // le32 device_feature (RO)
    COMMON_GFSELECT = 0x08,      // le32 driver_feature_select
    COMMON_GF = 0x0c,            // le32 driver_feature
    COMMON_MSIX = 0x10,          // le16 config_msix_vector
    COMMON_NUMQ = 0x12,          // le16 num_queues (RO)
    COMMON_STATUS = 0x14,        // u8 device_status
    COMMON_CFGGENERATION = 0x15, // u8 config_generation (RO)
    COMMON_Q_SELECT = 0x16,      // le16 queue_select
    COMMON_Q_SIZE = 0x18,        // le16 queue_size
    COMMON_Q_MSIX = 0x1a,        // le16 queue_msix_vector
    COMMON_Q_ENABLE = 0x1c,      // le16 queue_enable
    COMMON_Q_NOFF = 0x1e,        // le16 queue_notify_off (RO)
    COMMON_Q_DESCLO = 0x20,      // le64 queue_desc
    COMMON_Q_DESCHI = 0x24,
    COMMON_Q_AVAILLO = 0x28, // le64 queue_driver
    COMMON_Q_AVAILHI = 0x2c,
    COMMON_Q_USEDLO = 0x30, // le64 queue_device
    COMMON_Q_USEDHI = 0x34,
    COMMON_SIZE = 0x38,
};

inline constexpr const char* TYPE_VIRTIO_PCI_BUS = "virtio-pci-bus";

struct VirtIOPCIProxy : PCIDevice {
    static constexpr const char* type = TYPE_VIRTIO_PCI;
    MemoryRegion modern_bar;
    VirtioBusState* bus = nullptr;
    VirtIODevice* backend = nullptr; // the child "virtio-backend"

    uint32_t dfselect = 0;
    uint32_t gfselect = 0;
    uint32_t guest_features[2] = {};
    uint16_t queue_sel = 0;
};

VirtIODevice* proxy_vdev(VirtIOPCIProxy& p) {
    return p.bus && !p.bus->children.empty()
               ? object_dynamic_cast<VirtIODevice>(p.bus->children.front())
               : nullptr;
}

void proxy_update_irq(VirtIOPCIProxy& p) {
    VirtIODevice* vdev = proxy_vdev(p);
    pci_set_irq(&p, vdev && vdev->isr ? 1 : 0);
}

uint32_t common_read(VirtIOPCIProxy& p, VirtIODevice& vdev, hwaddr off) {
    VirtQueue* vq = p.queue_sel < vdev.vq.size() ? &vdev.vq[p.queue_sel] : nullptr;
    switch (off) {
    case COMMON_DFSELECT: return p.dfselect;
    case COMMON_DF: return p.dfselect < 2 ? uint32_t(vdev.host_features >> (32 * p.dfselect)) : 0;
    case COMMON_GFSELECT: return p.gfselect;
    case COMMON_GF: return p.gfselect < 2 ? p.guest_features[p.gfselect] : 0;
    case COMMON_MSIX: return VIRTIO_NO_VECTOR;
    case COMMON_NUMQ: return uint32_t(vdev.vq.size());
    case COMMON_STATUS: return vdev.status;
    case COMMON_CFGGENERATION: return vdev.generation;
    case COMMON_Q_SELECT: return p.queue_sel;
    case COMMON_Q_SIZE: return vq ? vq->num : 0;
    case COMMON_Q_MSIX: return VIRTIO_NO_VECTOR;
    case COMMON_Q_ENABLE: return vq && vq->ready;
    case COMMON_Q_NOFF: return p.queue_sel; // notify at 0x3000 + 4 * index
    case COMMON_Q_DESCLO: return vq ? uint32_t(vq->desc) : 0;
    case COMMON_Q_DESCHI: return vq ? uint32_t(vq->desc >> 32) : 0;
    case COMMON_Q_AVAILLO: return vq ? uint32_t(vq->avail) : 0;
    case COMMON_Q_AVAILHI: return vq ? uint32_t(vq->avail >> 32) : 0;
    case COMMON_Q_USEDLO: return vq ? uint32_t(vq->used) : 0;
    case COMMON_Q_USEDHI: return vq ? uint32_t(vq->used >> 32) : 0;
    default: return 0;
    }
}

// The width each field of the common structure has.
unsigned common_field_size(hwaddr off) {
    switch (off) {
    case COMMON_STATUS:
    case COMMON_CFGGENERATION: return 1;
    case COMMON_MSIX:
    case COMMON_NUMQ:
    case COMMON_Q_SELECT:
    case COMMON_Q_SIZE:
    case COMMON_Q_MSIX:
    case COMMON_Q_ENABLE:
    case COMMON_Q_NOFF: return 2;
    default: return off < COMMON_SIZE && off % 4 == 0 ? 4 : 0;
    }
}

void common_write(VirtIOPCIProxy& p, VirtIODevice& vdev, hwaddr off, uint32_t val) {
    VirtQueue* vq = p.queue_sel < vdev.vq.size() ? &vdev.vq[p.queue_sel] : nullptr;
    switch (off) {
    case COMMON_DFSELECT: p.dfselect = val; break;
    case COMMON_GFSELECT: p.gfselect = val; break;
    case COMMON_GF:
        if (p.gfselect < 2) p.guest_features[p.gfselect] = val;
        break;
    case COMMON_MSIX: break; // no MSI-X: the vector stays "none"
    case COMMON_STATUS:
        if ((val & 0xff) == 0) {
            virtio_reset(vdev);
            p.guest_features[0] = p.guest_features[1] = 0;
            break;
        }
        if ((val & VIRTIO_CONFIG_S_FEATURES_OK) && !(vdev.status & VIRTIO_CONFIG_S_FEATURES_OK)) {
            uint64_t f = p.guest_features[0] | uint64_t(p.guest_features[1]) << 32;
            if (!virtio_set_features(vdev, f)) val &= ~uint32_t(VIRTIO_CONFIG_S_FEATURES_OK);
        }
        virtio_set_status(vdev, uint8_t(val));
        break;
    case COMMON_Q_SELECT: p.queue_sel = uint16_t(val); break;
    case COMMON_Q_SIZE:
        if (!vq) break;
        if (val == 0 || val > vq->num_max) {
            qemu_log_mask(LOG_GUEST_ERROR, "{}: queue {} size {} is not between 1 and {}",
                          vdev.name, p.queue_sel, val, vq->num_max);
            break;
        }
        vq->num = uint16_t(val);
        break;
    case COMMON_Q_MSIX: break;
    case COMMON_Q_ENABLE:
        if (vq && val == 1) vq->ready = true;
        break;
    case COMMON_Q_DESCLO:
    case COMMON_Q_DESCHI:
        if (vq) virtio_set_half(vq->desc, val, off == COMMON_Q_DESCHI);
        break;
    case COMMON_Q_AVAILLO:
    case COMMON_Q_AVAILHI:
        if (vq) virtio_set_half(vq->avail, val, off == COMMON_Q_AVAILHI);
        break;
    case COMMON_Q_USEDLO:
    case COMMON_Q_USEDHI:
        if (vq) virtio_set_half(vq->used, val, off == COMMON_Q_USEDHI);
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "{}: write to read-only common config field at 0x{:x}",
                      vdev.name, off);
    }
}

uint64_t bar_read(VirtIOPCIProxy& p, hwaddr addr, unsigned size) {
    VirtIODevice* vdev = proxy_vdev(p);
    if (!vdev) return 0;
    if (addr < kCommonOff + kRegionSize) {
        // Narrower reads of a field see its low bytes, as in QEMU; QEMU
        // switches on the offset, so a read that starts inside a field
        // (not at its first byte) matches nothing and reads as 0.
        hwaddr field = addr;
        if (!common_field_size(field) || size > common_field_size(field)) {
            qemu_log_mask(LOG_GUEST_ERROR, "{}: bad common config read at 0x{:x}, size {}",
                          vdev->name, addr, size);
            return 0;
        }
        uint32_t v = common_read(p, *vdev, field);
        return size == 4 ? v : v & ((1u << (8 * size)) - 1);
    }
    if (addr < kIsrOff + kRegionSize) {
        return addr == kIsrOff ? virtio_isr_read_and_clear(*vdev) : 0;
    }
    if (addr < kDeviceOff + kRegionSize) {
        return virtio_config_read(*vdev, uint32_t(addr - kDeviceOff), size);
    }
    return 0; // the notify area reads as zeroes
}

void bar_write(VirtIOPCIProxy& p, hwaddr addr, uint64_t value, unsigned size) {
    VirtIODevice* vdev = proxy_vdev(p);
    if (!vdev) return;
    if (addr < kCommonOff + kRegionSize) {
        if (common_field_size(addr) != size) {
            qemu_log_mask(LOG_GUEST_ERROR, "{}: bad common config write at 0x{:x}, size {}",
                          vdev->name, addr, size);
            return;
        }
        common_write(p, *vdev, addr, uint32_t(value));
    } else if (addr < kIsrOff + kRegionSize) {
        // The ISR is read-only.
    } else if (addr < kDeviceOff + kRegionSize) {
        virtio_config_write(*vdev, uint32_t(addr - kDeviceOff), uint32_t(value), size);
    } else {
        virtio_queue_notify(*vdev, unsigned((addr - kNotifyOff) / kNotifyMultiplier));
    }
}

// struct virtio_pci_cap (+ notify_off_multiplier for the notify one).
Status add_virtio_cap(PCIDevice& d, uint8_t cfg_type, hwaddr offset, uint32_t length) {
    uint8_t len = cfg_type == VIRTIO_PCI_CAP_NOTIFY_CFG ? 20 : 16;
    auto pos = pci_add_capability(&d, PCI_CAP_ID_VNDR, 0, len);
    if (!pos) return pos.take_error();
    uint8_t* c = d.config.data() + *pos;
    c[2] = len;
    c[3] = cfg_type;
    c[4] = kModernBar;
    pci_set_long(c + 8, uint32_t(offset));
    pci_set_long(c + 12, length);
    if (cfg_type == VIRTIO_PCI_CAP_NOTIFY_CFG) pci_set_long(c + 16, kNotifyMultiplier);
    return {};
}

Status proxy_realize(PCIDevice& d) {
    auto& p = static_cast<VirtIOPCIProxy&>(d);
    p.bus = static_cast<VirtioBusState*>(qbus_new(TYPE_VIRTIO_PCI_BUS, &p, ""));
    p.bus->notify = [&p](VirtIODevice&, uint16_t) { proxy_update_irq(p); };
    p.bus->update_irq = [&p](VirtIODevice&) { proxy_update_irq(p); };
    p.bus->dma_as = [&p] { return &p.bus_master_as; };
    p.bus->legacy = [] { return false; };
    if (auto st = qdev_realize(p.backend, p.bus); !st) return st;
    VirtIODevice& vdev = *p.backend;

    uint8_t* config = d.config.data();
    pci_set_word(config + PCI_DEVICE_ID, uint16_t(0x1040 + vdev.device_id));
    config[PCI_REVISION_ID] = 1;
    config[PCI_INTERRUPT_PIN] = 1; // INTA
    MemoryRegionOps ops;
    ops.read = [&p](hwaddr a, unsigned size) { return bar_read(p, a, size); };
    ops.write = [&p](hwaddr a, uint64_t v, unsigned size) { bar_write(p, a, v, size); };
    ops.valid.min_access_size = 1;
    ops.valid.max_access_size = 4;
    ops.impl.min_access_size = 1;
    ops.impl.max_access_size = 4;
    memory_region_init_io(&p.modern_bar, &p, std::move(ops), "virtio-pci", kBarSize);
    pci_register_bar(&d, kModernBar,
                     PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_PREFETCH |
                         PCI_BASE_ADDRESS_MEM_TYPE_64,
                     &p.modern_bar);
    for (auto [type, off, len] :
         {std::tuple{VIRTIO_PCI_CAP_COMMON_CFG, kCommonOff, uint32_t(kRegionSize)},
          {VIRTIO_PCI_CAP_ISR_CFG, kIsrOff, uint32_t(kRegionSize)},
          {VIRTIO_PCI_CAP_DEVICE_CFG, kDeviceOff, uint32_t(kRegionSize)},
          {VIRTIO_PCI_CAP_NOTIFY_CFG, kNotifyOff, uint32_t(kRegionSize)}}) {
        if (auto st = add_virtio_cap(d, type, off, len); !st) return st;
    }
    return {};
}

void proxy_exit(PCIDevice& d) {
    auto& p = static_cast<VirtIOPCIProxy&>(d);
    if (p.backend && p.backend->realized) qdev_unplug(p.backend);
}

void proxy_reset(DeviceState& dev) {
    auto& p = static_cast<VirtIOPCIProxy&>(dev);
    p.dfselect = p.gfselect = 0;
    p.guest_features[0] = p.guest_features[1] = 0;
    p.queue_sel = 0;
    if (VirtIODevice* vdev = proxy_vdev(p)) virtio_reset(*vdev);
    pci_set_irq(&p, 0);
}

void proxy_class_init(ObjectClass& klass) {
    auto& k = class_cast<PCIDeviceClass>(klass);
    k.realize = proxy_realize;
    k.exit = proxy_exit;
    k.vendor_id = PCI_SUBVENDOR_ID_REDHAT_QUMRANET;
    static_cast<DeviceClass&>(k).reset = proxy_reset;
}

void register_virtio_pci_types() {
    type_register_static(TypeInfo{
        .name = VirtIOPCIProxy::type,
        .parent = TYPE_PCI_DEVICE,
        .abstract = true,
        .instance_new = new_instance<VirtIOPCIProxy>,
        .class_init = proxy_class_init,
        .interfaces = {INTERFACE_CONVENTIONAL_PCI_DEVICE, INTERFACE_PCIE_DEVICE},
    });
    type_register_static(TypeInfo{.name = TYPE_VIRTIO_PCI_BUS, .parent = TYPE_VIRTIO_BUS});
}

} // namespace

void virtio_pci_register_proxy(const VirtioPciProxyInfo& info) {
    std::string backend = info.backend;
    type_register_static(TypeInfo{
        .name = info.name,
        .parent = TYPE_VIRTIO_PCI,
        .class_init =
            [info, backend](ObjectClass& klass) {
                auto& k = class_cast<PCIDeviceClass>(klass);
                k.class_id = info.class_id;
                k.desc = info.desc;
                device_class_set_category(k, info.category);
                device_class_set_props(k, virtio_proxy_props(backend, [](DeviceState& d) {
                                           return static_cast<VirtIOPCIProxy&>(d).backend;
                                       }));
            },
        .instance_init =
            [backend](Object& obj) {
                auto& p = static_cast<VirtIOPCIProxy&>(obj);
                auto dev = qdev_new(backend);
                if (!dev) qom_abort(dev.error().message);
                p.backend = &object_check<VirtIODevice>(dev->get());
                object_property_add_child(&p, "virtio-backend", p.backend);
            },
    });
}

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_virtio_pci_types);
