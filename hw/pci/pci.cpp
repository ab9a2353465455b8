#include "hw/pci/pci.h"

#include "core/log.h"
#include "core/module.h"
#include "core/monitor.h"
#include "core/qdev/sysbus.h"
#include "core/qmp/qmp.h"

#include <algorithm>
#include <bit>

namespace mq {

PCIDeviceClass& pci_device_get_class(PCIDevice& dev) {
    return class_cast<PCIDeviceClass>(*dev.klass);
}

PCIBus* PCIDevice::bus() const { return static_cast<PCIBus*>(parent_bus); }

namespace {

bool ranges_overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen) {
    return a < b + blen && b < a + alen;
}

int pci_bar_offset(int region_num) {
    return region_num == PCI_ROM_SLOT ? PCI_ROM_ADDRESS : PCI_BASE_ADDRESS_0 + region_num * 4;
}

bool pci_irq_disabled(const PCIDevice& d) {
    return pci_get_word(&d.config[PCI_COMMAND]) & PCI_COMMAND_INTX_DISABLE;
}

void pci_change_irq_level(PCIDevice& d, int pin, int change) {
    PCIBus* bus = d.bus();
    if (!bus || !bus->map_irq || !bus->set_irq) return;
    int irq = bus->map_irq(d, pin);
    bus->irq_count[irq] += change;
    bus->set_irq(irq, bus->irq_count[irq] != 0);
}

void pci_update_irq_status(PCIDevice& d) {
    uint16_t status = pci_get_word(&d.config[PCI_STATUS]);
    status = d.irq_state ? (status | PCI_STATUS_INTERRUPT) : (status & ~PCI_STATUS_INTERRUPT);
    pci_set_word(&d.config[PCI_STATUS], status);
}

void pci_irq_handler(PCIDevice& d, int pin, int level) {
    int old = (d.irq_state >> pin) & 1;
    int change = level - old;
    if (!change) return;
    d.irq_state = level ? (d.irq_state | (1 << pin)) : (d.irq_state & ~(1 << pin));
    pci_update_irq_status(d);
    if (pci_irq_disabled(d)) return;
    pci_change_irq_level(d, pin, change);
}

// The address BAR `reg` decodes at now, or PCI_BAR_UNMAPPED (QEMU's
// pci_bar_address): decode must be enabled and the address sane.
pcibus_t pci_bar_address(const PCIDevice& d, int reg, uint8_t type, pcibus_t size) {
    int bar = pci_bar_offset(reg);
    uint16_t cmd = pci_get_word(&d.config[PCI_COMMAND]);
    if (type & PCI_BASE_ADDRESS_SPACE_IO) {
        if (!(cmd & PCI_COMMAND_IO)) return PCI_BAR_UNMAPPED;
        pcibus_t addr = pci_get_long(&d.config[bar]) & ~(size - 1);
        pcibus_t last = addr + size - 1;
        if (last <= addr || last >= UINT32_MAX || addr == 0) return PCI_BAR_UNMAPPED;
        return addr;
    }
    if (!(cmd & PCI_COMMAND_MEMORY)) return PCI_BAR_UNMAPPED;
    pcibus_t addr = (type & PCI_BASE_ADDRESS_MEM_TYPE_64) ? pci_get_quad(&d.config[bar])
                                                          : pci_get_long(&d.config[bar]);
    addr &= ~(size - 1);
    pcibus_t last = addr + size - 1;
    if (last <= addr || last == PCI_BAR_UNMAPPED || addr == 0) return PCI_BAR_UNMAPPED;
    if (!(type & PCI_BASE_ADDRESS_MEM_TYPE_64) && last >= UINT32_MAX) return PCI_BAR_UNMAPPED;
    return addr;
}

void pci_update_mappings(PCIDevice& d) {
    memory_region_transaction_begin();
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        PCIIORegion& r = d.io_regions[i];
        if (!r.size) continue;
        pcibus_t addr = pci_bar_address(d, i, r.type, r.size);
        if (addr == r.addr) continue;
        if (r.addr != PCI_BAR_UNMAPPED) memory_region_del_subregion(r.address_space, r.memory);
        r.addr = addr;
        if (r.addr != PCI_BAR_UNMAPPED) {
            memory_region_add_subregion_overlap(r.address_space, r.addr, r.memory, 1);
            qemu_log_mask(LOG_PCI, "pci: {} BAR{} mapped at 0x{:x}", d.name, i, r.addr);
        } else {
            qemu_log_mask(LOG_PCI, "pci: {} BAR{} unmapped", d.name, i);
        }
    }
    memory_region_transaction_commit();
}

void msi_write_config(PCIDevice& d, uint32_t addr, unsigned len, bool was_enabled) {
    if (!d.msi_cap || !ranges_overlap(addr, len, d.msi_cap, 0xe)) return;
    if (!was_enabled && msi_enabled(&d)) {
        // Enabling MSI deasserts INTx, as in QEMU.
        for (int pin = 0; pin < 4; pin++)
            pci_irq_handler(d, pin, 0);
    }
}

} // namespace

uint32_t pci_config_size(const PCIDevice* dev) { return static_cast<uint32_t>(dev->config.size()); }

uint32_t pci_default_read_config(PCIDevice& d, uint32_t addr, unsigned len) {
    uint32_t v = 0;
    for (unsigned i = 0; i < len; i++)
        v |= uint32_t(d.config[addr + i]) << (8 * i);
    return v;
}

void pci_default_write_config(PCIDevice& d, uint32_t addr, uint32_t value, unsigned len) {
    bool was_intx_disabled = pci_irq_disabled(d);
    bool was_msi = msi_enabled(&d);
    uint32_t v = value;
    for (unsigned i = 0; i < len; i++, v >>= 8) {
        uint8_t wmask = d.wmask[addr + i];
        uint8_t w1c = d.w1cmask[addr + i];
        d.config[addr + i] = (d.config[addr + i] & ~wmask) | (uint8_t(v) & wmask);
        d.config[addr + i] &= ~(uint8_t(v) & w1c); // write 1 to clear
    }
    bool command = ranges_overlap(addr, len, PCI_COMMAND, 1);
    if (ranges_overlap(addr, len, PCI_BASE_ADDRESS_0, 24) ||
        ranges_overlap(addr, len, PCI_ROM_ADDRESS, 4) || command) {
        pci_update_mappings(d);
    }
    if (command) {
        bool disabled = pci_irq_disabled(d);
        if (disabled != was_intx_disabled) {
            // INTx-disable masks the pins towards the bridge; status still shows them.
            for (int pin = 0; pin < 4; pin++) {
                if (d.irq_state & (1 << pin)) pci_change_irq_level(d, pin, disabled ? -1 : 1);
            }
        }
        bool master = pci_get_word(&d.config[PCI_COMMAND]) & PCI_COMMAND_MASTER;
        memory_region_set_enabled(&d.bus_master_enable_region, master);
    }
    msi_write_config(d, addr, len, was_msi);
}

uint32_t pci_host_config_read_common(PCIDevice* dev, uint32_t addr, uint32_t limit, unsigned len) {
    if (addr >= limit) return ~0u;
    len = std::min(len, limit - addr);
    auto& pc = pci_device_get_class(*dev);
    return pc.config_read ? pc.config_read(*dev, addr, len)
                          : pci_default_read_config(*dev, addr, len);
}

void pci_host_config_write_common(PCIDevice* dev, uint32_t addr, uint32_t limit, uint32_t value,
                                  unsigned len) {
    if (addr >= limit) return;
    len = std::min(len, limit - addr);
    auto& pc = pci_device_get_class(*dev);
    if (pc.config_write) {
        pc.config_write(*dev, addr, value, len);
    } else {
        pci_default_write_config(*dev, addr, value, len);
    }
}

Result<uint8_t> pci_add_capability(PCIDevice* dev, uint8_t cap_id, uint8_t offset, uint8_t size) {
    if (offset == 0) {
        for (uint32_t o = PCI_CONFIG_HEADER_SIZE; o + size <= PCI_CONFIG_SPACE_SIZE; o++) {
            if (std::none_of(dev->used.begin() + o, dev->used.begin() + o + size,
                             [](bool u) { return u; })) {
                offset = static_cast<uint8_t>(o);
                break;
            }
        }
        if (offset == 0) return make_error("no space for PCI capability 0x{:x}", cap_id);
    }
    uint8_t* config = dev->config.data();
    config[offset] = cap_id;
    config[offset + 1] = config[PCI_CAPABILITY_LIST];
    config[PCI_CAPABILITY_LIST] = offset;
    pci_set_word(&config[PCI_STATUS], pci_get_word(&config[PCI_STATUS]) | PCI_STATUS_CAP_LIST);
    std::fill_n(dev->wmask.begin() + offset, size, 0);
    std::fill_n(dev->cmask.begin() + offset, size, 0xff);
    std::fill_n(dev->used.begin() + offset, size, true);
    return offset;
}

// ---------------------------------------------------------------------------
// MSI
// ---------------------------------------------------------------------------

namespace {
constexpr uint16_t PCI_MSI_FLAGS_ENABLE = 0x0001;
constexpr uint16_t PCI_MSI_FLAGS_QSIZE = 0x0070;
constexpr uint16_t PCI_MSI_FLAGS_64BIT = 0x0080;
constexpr uint8_t PCI_MSI_64_SIZEOF = 0x0e;
} // namespace

Status msi_init(PCIDevice* dev, uint8_t offset, unsigned nr_vectors, bool msi64bit) {
    unsigned log2 = std::countr_zero(std::bit_ceil(nr_vectors));
    auto cap = pci_add_capability(dev, PCI_CAP_ID_MSI, offset, msi64bit ? PCI_MSI_64_SIZEOF : 0x0a);
    if (!cap) return cap.take_error();
    dev->msi_cap = *cap;
    uint8_t* c = dev->config.data() + *cap;
    uint8_t* w = dev->wmask.data() + *cap;
    pci_set_word(c + 2, uint16_t((msi64bit ? PCI_MSI_FLAGS_64BIT : 0) | (log2 << 1)));
    pci_set_word(w + 2, PCI_MSI_FLAGS_QSIZE | PCI_MSI_FLAGS_ENABLE);
    pci_set_long(w + 4, 0xfffffffc);
    if (msi64bit) {
        pci_set_long(w + 8, 0xffffffff);
        pci_set_word(w + 0xc, 0xffff);
    } else {
        pci_set_word(w + 8, 0xffff);
    }
    return {};
}

bool msi_enabled(const PCIDevice* dev) {
    return dev->msi_cap && (pci_get_word(&dev->config[dev->msi_cap + 2]) & PCI_MSI_FLAGS_ENABLE);
}

void msi_notify(PCIDevice* dev, unsigned vector) {
    if (!msi_enabled(dev)) return;
    const uint8_t* c = dev->config.data() + dev->msi_cap;
    bool is64 = pci_get_word(c + 2) & PCI_MSI_FLAGS_64BIT;
    uint64_t address = pci_get_long(c + 4) | (is64 ? uint64_t(pci_get_long(c + 8)) << 32 : 0);
    uint32_t data = pci_get_word(c + (is64 ? 0xc : 8)) | vector;
    qemu_log_mask(LOG_PCI, "pci: {} MSI write 0x{:x} to 0x{:x}", dev->name, data, address);
    // The message is a DMA write; without an MSI controller it lands wherever
    // the guest pointed it, as on QEMU's default virt.
    address_space_stl(&dev->bus_master_as, address, data);
}

// ---------------------------------------------------------------------------
// Interrupts, BARs, DMA
// ---------------------------------------------------------------------------

void pci_set_irq(PCIDevice* dev, int level) {
    int pin = dev->config[PCI_INTERRUPT_PIN] - 1;
    if (pin < 0 || pin > 3) return;
    pci_irq_handler(*dev, pin, level != 0);
}

void pci_register_bar(PCIDevice* dev, int region_num, uint8_t type, MemoryRegion* memory) {
    auto size = static_cast<pcibus_t>(memory->size());
    if (!std::has_single_bit(size))
        qom_abort(fmt::format("BAR{} of {} is not a power of two", region_num, dev->name));
    PCIIORegion& r = dev->io_regions[region_num];
    r.addr = PCI_BAR_UNMAPPED;
    r.size = size;
    r.type = type;
    r.memory = memory;
    r.address_space = (type & PCI_BASE_ADDRESS_SPACE_IO) ? dev->bus()->address_space_io
                                                         : dev->bus()->address_space_mem;
    uint64_t wmask = ~(size - 1);
    int bar = pci_bar_offset(region_num);
    pci_set_long(&dev->config[bar], type);
    if (!(type & PCI_BASE_ADDRESS_SPACE_IO) && (type & PCI_BASE_ADDRESS_MEM_TYPE_64)) {
        pci_set_quad(&dev->wmask[bar], wmask);
        pci_set_quad(&dev->cmask[bar], ~0ull);
    } else {
        pci_set_long(&dev->wmask[bar], static_cast<uint32_t>(wmask));
        pci_set_long(&dev->cmask[bar], 0xffffffff);
    }
}

pcibus_t pci_get_bar_addr(PCIDevice* dev, int region_num) {
    return dev->io_regions[region_num].addr;
}

MemTxResult pci_dma_read(PCIDevice* dev, hwaddr addr, void* buf, hwaddr len) {
    return address_space_read(&dev->bus_master_as, addr, buf, len);
}

MemTxResult pci_dma_write(PCIDevice* dev, hwaddr addr, const void* buf, hwaddr len) {
    return address_space_write(&dev->bus_master_as, addr, buf, len);
}

// ---------------------------------------------------------------------------
// Buses
// ---------------------------------------------------------------------------

PCIBus* pci_root_bus_new(DeviceState* parent, std::string_view name,
                         MemoryRegion* address_space_mem, MemoryRegion* address_space_io,
                         uint8_t devfn_min, std::string_view type) {
    auto* bus = static_cast<PCIBus*>(qbus_new(type, parent, name));
    bus->address_space_mem = address_space_mem;
    bus->address_space_io = address_space_io;
    bus->devfn_min = devfn_min;
    return bus;
}

int pci_swizzle_map_irq_fn(PCIDevice& dev, int pin) { return (PCI_SLOT(dev.devfn) + pin) % 4; }

void pci_bus_irqs(PCIBus* bus, std::function<void(int, int)> set_irq,
                  std::function<int(PCIDevice&, int)> map_irq, int nirq) {
    bus->set_irq = std::move(set_irq);
    bus->map_irq = std::move(map_irq);
    bus->irq_count.assign(nirq, 0);
}

PCIDevice* pci_find_device(PCIBus* bus, int bus_num, int devfn) {
    if (!bus || bus_num != bus->bus_num || devfn < 0 || devfn > 255) return nullptr;
    return bus->devices[devfn];
}

// ---------------------------------------------------------------------------
// The device type
// ---------------------------------------------------------------------------

namespace {

void pci_init_masks(PCIDevice& d) {
    uint32_t size = pci_config_size(&d);
    d.wmask.assign(size, 0);
    d.w1cmask.assign(size, 0);
    d.cmask.assign(size, 0);
    d.used.assign(size, false);
    std::fill_n(d.used.begin(), PCI_CONFIG_HEADER_SIZE, true);
    // What a guest may write in the header (QEMU's pci_init_wmask): the
    // latency timer and Command.Parity stay read-only 0, as on QEMU.
    d.wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    d.wmask[PCI_INTERRUPT_LINE] = 0xff;
    pci_set_word(&d.wmask[PCI_COMMAND], PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                                            PCI_COMMAND_INTX_DISABLE | PCI_COMMAND_SERR);
    std::fill(d.wmask.begin() + PCI_CONFIG_HEADER_SIZE, d.wmask.end(), 0xff);
    pci_set_word(&d.w1cmask[PCI_STATUS],
                 PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT | PCI_STATUS_REC_TARGET_ABORT |
                     PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_SIG_SYSTEM_ERROR |
                     PCI_STATUS_DETECTED_PARITY);
    // Identity must not change.
    std::fill_n(d.cmask.begin(), 0x10, 0xff);
}

Status pci_check_devfn(PCIBus& bus, PCIDevice& d) {
    if (d.devfn < 0) {
        for (int devfn = bus.devfn_min; devfn < 256; devfn += 8) {
            if (!bus.devices[devfn]) {
                d.devfn = devfn;
                return {};
            }
        }
        return make_error("PCI: no slot/function available for {}, all in use or reserved", d.name);
    }
    if (PCIDevice* other = bus.devices[d.devfn]) {
        return make_error("PCI: slot {} function {} not available for {}, in use by {},id={}",
                          PCI_SLOT(d.devfn), PCI_FUNC(d.devfn), d.name, other->name,
                          other->id.empty() ? "(null)" : other->id);
    }
    PCIDevice* fn0 = bus.devices[PCI_DEVFN(PCI_SLOT(d.devfn), 0)];
    if (PCI_FUNC(d.devfn) && fn0 && !fn0->multifunction) {
        return make_error("PCI: single function device can't be populated in function {:x}.{:x}",
                          PCI_SLOT(d.devfn), PCI_FUNC(d.devfn));
    }
    if (!PCI_FUNC(d.devfn) && !d.multifunction) {
        for (int fn = 1; fn < 8; fn++) {
            if (bus.devices[PCI_DEVFN(PCI_SLOT(d.devfn), fn)]) {
                return make_error("PCI: {:x}.0 indicates single function, but {:x}.{:x} is already "
                                  "populated.",
                                  PCI_SLOT(d.devfn), PCI_SLOT(d.devfn), fn);
            }
        }
    }
    return {};
}

void pci_teardown(PCIDevice& d) {
    memory_region_transaction_begin();
    for (auto& r : d.io_regions) {
        if (r.size && r.addr != PCI_BAR_UNMAPPED)
            memory_region_del_subregion(r.address_space, r.memory);
        r = PCIIORegion{};
    }
    memory_region_transaction_commit();
    for (int pin = 0; pin < 4; pin++)
        pci_irq_handler(d, pin, 0);
    address_space_destroy(&d.bus_master_as);
}

Status pci_qdev_realize(DeviceState& dev) {
    auto& d = static_cast<PCIDevice&>(dev);
    auto& pc = pci_device_get_class(d);
    auto* bus = object_dynamic_cast<PCIBus>(d.parent_bus);
    if (!bus) return make_error("{} must be plugged into a PCI bus", object_get_typename(&d));
    d.name = object_get_typename(&d);
    if (auto st = pci_check_devfn(*bus, d); !st) return st;

    bool is_pcie = object_class_dynamic_cast(d.klass, INTERFACE_PCIE_DEVICE) &&
                   object_dynamic_cast(bus, TYPE_PCIE_BUS);
    d.config.assign(is_pcie ? PCIE_CONFIG_SPACE_SIZE : PCI_CONFIG_SPACE_SIZE, 0);
    pci_init_masks(d);
    uint8_t* c = d.config.data();
    pci_set_word(c + PCI_VENDOR_ID, pc.vendor_id);
    pci_set_word(c + PCI_DEVICE_ID, pc.device_id);
    c[PCI_REVISION_ID] = pc.revision;
    pci_set_word(c + PCI_CLASS_DEVICE, pc.class_id);
    pci_set_word(c + PCI_SUBSYSTEM_VENDOR_ID, pc.subsystem_vendor_id
                                                  ? pc.subsystem_vendor_id
                                                  : PCI_SUBVENDOR_ID_REDHAT_QUMRANET);
    pci_set_word(c + PCI_SUBSYSTEM_ID, pc.subsystem_id ? pc.subsystem_id : PCI_SUBDEVICE_ID_QEMU);
    c[PCI_HEADER_TYPE] = d.multifunction ? PCI_HEADER_TYPE_MULTI_FUNCTION : 0;

    memory_region_init(&d.bus_master_container_region, &d, "bus master container", UINT64_MAX);
    memory_region_init_alias(&d.bus_master_enable_region, &d, "bus master", get_system_memory(), 0,
                             UINT64_MAX);
    memory_region_set_enabled(&d.bus_master_enable_region, false);
    memory_region_add_subregion(&d.bus_master_container_region, 0, &d.bus_master_enable_region);
    address_space_init(&d.bus_master_as, &d.bus_master_container_region, d.name);

    bus->devices[d.devfn] = &d;
    if (pc.realize) {
        if (auto st = pc.realize(d); !st) {
            bus->devices[d.devfn] = nullptr;
            pci_teardown(d);
            return st;
        }
    }
    qemu_log_mask(LOG_PCI, "pci: {} at {:02x}:{:02x}.{:x}", d.name, bus->bus_num, PCI_SLOT(d.devfn),
                  PCI_FUNC(d.devfn));
    return {};
}

void pci_qdev_unrealize(DeviceState& dev) {
    auto& d = static_cast<PCIDevice&>(dev);
    auto& pc = pci_device_get_class(d);
    if (pc.exit) pc.exit(d);
    pci_teardown(d);
    if (d.bus() && d.bus()->devices[d.devfn] == &d) d.bus()->devices[d.devfn] = nullptr;
}

// The "addr" property: "SLOT[.FN]" in hex, QEMU's pci-devfn.
DeviceProperty pci_devfn_property() {
    DeviceProperty p;
    p.name = "addr";
    p.type = "int32";
    p.description = "Slot and optional function number, example: 06.0 or 06";
    p.default_value = "-1";
    p.set = [](DeviceState& dev, std::string_view s) -> Status {
        auto& d = static_cast<PCIDevice&>(dev);
        auto invalid = [&] {
            return make_error("Property '{}.addr' doesn't take value '{}'", object_get_typename(&d),
                              s);
        };
        std::string str(s);
        char* end = nullptr;
        unsigned long slot = std::strtoul(str.c_str(), &end, 16);
        if (end == str.c_str() || slot > 31) return invalid();
        unsigned long fn = 0;
        if (*end == '.') {
            const char* p = end + 1;
            fn = std::strtoul(p, &end, 16);
            if (end == p || fn > 7) return invalid();
        }
        if (*end) return invalid();
        d.devfn = PCI_DEVFN(static_cast<int>(slot), static_cast<int>(fn));
        return {};
    };
    p.get = [](DeviceState& dev) { return std::to_string(static_cast<PCIDevice&>(dev).devfn); };
    p.print = [](DeviceState& dev) {
        int devfn = static_cast<PCIDevice&>(dev).devfn;
        return devfn < 0 ? std::string("<unset>")
                         : fmt::format("{:02x}.{:x}", PCI_SLOT(devfn), PCI_FUNC(devfn));
    };
    p.set_default = [](DeviceState& dev) { static_cast<PCIDevice&>(dev).devfn = -1; };
    return p;
}

void pci_device_class_init(ObjectClass& klass) {
    auto& dc = class_cast<DeviceClass>(klass);
    dc.bus_type = TYPE_PCI_BUS;
    dc.realize = pci_qdev_realize;
    dc.unrealize = pci_qdev_unrealize;
    device_class_set_props(
        dc, {pci_devfn_property(),
             qdev_prop("multifunction", &PCIDevice::multifunction, false, "on/off")});
}

// --- info pci and info qtree ---

const char* pci_class_desc(uint16_t class_id) {
    switch (class_id) {
    case 0x0100: return "SCSI controller";
    case 0x0106: return "SATA controller";
    case 0x0200: return "Ethernet controller";
    case 0x0300: return "VGA controller";
    case 0x0403: return "Audio controller";
    case 0x0580: return "RAM controller";
    case 0x0600: return "Host bridge";
    case 0x0604: return "PCI bridge";
    case 0x0700: return "Serial port";
    case 0x0c03: return "USB controller";
    default: return nullptr;
    }
}

std::string pcibus_dev_print(DeviceState& dev, int indent) {
    auto& d = static_cast<PCIDevice&>(dev);
    const uint8_t* c = d.config.data();
    uint16_t cls = pci_get_word(c + PCI_CLASS_DEVICE);
    const char* desc = pci_class_desc(cls);
    std::string out = fmt::format(
        "{:{}}class {}, addr {:02x}:{:02x}.{:x}, pci id {:04x}:{:04x} (sub {:04x}:{:04x})\n", "",
        indent, desc ? desc : fmt::format("Class {:04x}", cls), d.bus()->bus_num, PCI_SLOT(d.devfn),
        PCI_FUNC(d.devfn), pci_get_word(c + PCI_VENDOR_ID), pci_get_word(c + PCI_DEVICE_ID),
        pci_get_word(c + PCI_SUBSYSTEM_VENDOR_ID), pci_get_word(c + PCI_SUBSYSTEM_ID));
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        const PCIIORegion& r = d.io_regions[i];
        if (!r.size) continue;
        out += fmt::format("{:{}}bar {}: {} at 0x{:x} [0x{:x}]\n", "", indent, i,
                           (r.type & PCI_BASE_ADDRESS_SPACE_IO) ? "i/o" : "mem", r.addr,
                           r.addr + r.size - 1);
    }
    return out;
}

void pci_info_device(std::string& out, PCIDevice& d) {
    const uint8_t* c = d.config.data();
    out += fmt::format("  Bus {:2}, device {:3}, function {}:\n", d.bus()->bus_num,
                       PCI_SLOT(d.devfn), PCI_FUNC(d.devfn));
    uint16_t cls = pci_get_word(c + PCI_CLASS_DEVICE);
    const char* desc = pci_class_desc(cls);
    out += "    ";
    out += desc ? std::string(desc) : fmt::format("Class {:04}", cls);
    out += fmt::format(": PCI device {:04x}:{:04x}\n", pci_get_word(c + PCI_VENDOR_ID),
                       pci_get_word(c + PCI_DEVICE_ID));
    out +=
        fmt::format("      PCI subsystem {:04x}:{:04x}\n",
                    pci_get_word(c + PCI_SUBSYSTEM_VENDOR_ID), pci_get_word(c + PCI_SUBSYSTEM_ID));
    if (c[PCI_INTERRUPT_PIN]) {
        out += fmt::format("      IRQ {}, pin {}\n", c[PCI_INTERRUPT_LINE],
                           char('A' + c[PCI_INTERRUPT_PIN] - 1));
    }
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        const PCIIORegion& r = d.io_regions[i];
        if (!r.size) continue;
        out += fmt::format("      BAR{}: ", i);
        if (r.type & PCI_BASE_ADDRESS_SPACE_IO) {
            out += fmt::format("I/O at 0x{:04x} [0x{:04x}].\n", r.addr, r.addr + r.size - 1);
        } else {
            out += fmt::format("{} bit{} memory at 0x{:08x} [0x{:08x}].\n",
                               (r.type & PCI_BASE_ADDRESS_MEM_TYPE_64) ? 64 : 32,
                               (r.type & PCI_BASE_ADDRESS_MEM_PREFETCH) ? " prefetchable" : "",
                               r.addr, r.addr + r.size - 1);
        }
    }
    out += fmt::format("      id \"{}\"\n", d.id);
}

void collect_pci_buses(BusState* bus, std::vector<PCIBus*>& out) {
    if (auto* pb = object_dynamic_cast<PCIBus>(bus)) out.push_back(pb);
    for (DeviceState* dev : bus->children) {
        for (BusState* child : dev->child_bus)
            collect_pci_buses(child, out);
    }
}

// What a bus reset does to every PCI device (QEMU's pci_do_device_reset):
// writable command, status and interrupt-line bits clear, BARs return to
// their type bits and unmap, INTx drops and MSI turns off.
void pci_device_bus_reset(DeviceState& dev) {
    auto& d = static_cast<PCIDevice&>(dev);
    if (d.config.empty()) return;
    for (int pin = 0; pin < 4; pin++)
        pci_irq_handler(d, pin, 0);
    uint8_t* c = d.config.data();
    auto clear = [&](uint32_t off, uint16_t mask) {
        pci_set_word(c + off, pci_get_word(c + off) & ~mask);
    };
    clear(PCI_COMMAND, pci_get_word(&d.wmask[PCI_COMMAND]) | pci_get_word(&d.w1cmask[PCI_COMMAND]));
    clear(PCI_STATUS, pci_get_word(&d.wmask[PCI_STATUS]) | pci_get_word(&d.w1cmask[PCI_STATUS]));
    c[PCI_INTERRUPT_LINE] &= ~d.wmask[PCI_INTERRUPT_LINE];
    c[PCI_CACHE_LINE_SIZE] = 0;
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        const PCIIORegion& r = d.io_regions[i];
        if (!r.size) continue;
        if (!(r.type & PCI_BASE_ADDRESS_SPACE_IO) && (r.type & PCI_BASE_ADDRESS_MEM_TYPE_64)) {
            pci_set_quad(c + pci_bar_offset(i), r.type);
        } else {
            pci_set_long(c + pci_bar_offset(i), r.type);
        }
    }
    pci_update_mappings(d);
    memory_region_set_enabled(&d.bus_master_enable_region, false);
    if (d.msi_cap) {
        uint8_t* m = c + d.msi_cap;
        bool is64 = pci_get_word(m + 2) & PCI_MSI_FLAGS_64BIT;
        pci_set_word(m + 2, pci_get_word(m + 2) & ~(PCI_MSI_FLAGS_QSIZE | PCI_MSI_FLAGS_ENABLE));
        std::fill(m + 4, m + (is64 ? PCI_MSI_64_SIZEOF : 0x0a), 0);
    }
}

// query-pci: the shape of QEMU's qapi/pci.json (PciInfo, PciDeviceInfo).
Json pci_device_json(PCIDevice& d) {
    const uint8_t* c = d.config.data();
    uint16_t cls = pci_get_word(c + PCI_CLASS_DEVICE);
    Json class_info = Json::object();
    if (const char* desc = pci_class_desc(cls)) class_info["desc"] = desc;
    class_info["class"] = cls;
    Json info{{"bus", d.bus()->bus_num},
              {"slot", PCI_SLOT(d.devfn)},
              {"function", PCI_FUNC(d.devfn)},
              {"class_info", class_info},
              {"id",
               {{"device", pci_get_word(c + PCI_DEVICE_ID)},
                {"vendor", pci_get_word(c + PCI_VENDOR_ID)},
                {"subsystem", pci_get_word(c + PCI_SUBSYSTEM_ID)},
                {"subsystem-vendor", pci_get_word(c + PCI_SUBSYSTEM_VENDOR_ID)}}}};
    if (c[PCI_INTERRUPT_PIN]) info["irq"] = c[PCI_INTERRUPT_LINE];
    info["irq_pin"] = c[PCI_INTERRUPT_PIN];
    info["qdev_id"] = d.id;
    Json regions = Json::array();
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        const PCIIORegion& r = d.io_regions[i];
        if (!r.size) continue;
        Json region{{"bar", i}};
        if (r.type & PCI_BASE_ADDRESS_SPACE_IO) {
            region["type"] = "io";
        } else {
            region["type"] = "memory";
            region["prefetch"] = (r.type & PCI_BASE_ADDRESS_MEM_PREFETCH) != 0;
            region["mem_type_64"] = (r.type & PCI_BASE_ADDRESS_MEM_TYPE_64) != 0;
        }
        region["address"] = static_cast<int64_t>(r.addr); // unmapped: -1
        region["size"] = r.size;
        regions.push_back(std::move(region));
    }
    info["regions"] = std::move(regions);
    return info;
}

QmpResult qmp_query_pci(const QmpArgs&) {
    std::vector<PCIBus*> buses;
    collect_pci_buses(sysbus_get_default(), buses);
    Json list = Json::array();
    for (PCIBus* bus : buses) {
        Json devices = Json::array();
        for (PCIDevice* d : bus->devices) {
            if (d) devices.push_back(pci_device_json(*d));
        }
        list.push_back(Json{{"bus", bus->bus_num}, {"devices", std::move(devices)}});
    }
    return list;
}

void pci_bus_class_init(ObjectClass& klass) {
    auto& bc = class_cast<BusClass>(klass);
    bc.print_dev = pcibus_dev_print;
    bc.reset_dev = pci_device_bus_reset;
}

void register_pci_types() {
    hmp_register_info({"pci", "", "", "show PCI info",
                       [](Monitor& mon, const HmpArgs&) { mon.print(pci_info_string()); }});
    qmp_register_command({"query-pci", {}, qmp_query_pci});
    type_register_static(TypeInfo{
        .name = TYPE_PCI_BUS,
        .parent = TYPE_BUS,
        .instance_new = new_instance<PCIBus>,
        .class_init = pci_bus_class_init,
    });
    type_register_static(TypeInfo{.name = TYPE_PCIE_BUS, .parent = TYPE_PCI_BUS});
    type_register_static(
        TypeInfo{.name = INTERFACE_CONVENTIONAL_PCI_DEVICE, .parent = TYPE_INTERFACE});
    type_register_static(TypeInfo{.name = INTERFACE_PCIE_DEVICE, .parent = TYPE_INTERFACE});
    type_register_static(TypeInfo{
        .name = TYPE_PCI_DEVICE,
        .parent = TYPE_DEVICE,
        .abstract = true,
        .instance_new = new_instance<PCIDevice>,
        .class_new = new_class<PCIDeviceClass>,
        .class_init = pci_device_class_init,
    });
}

} // namespace

std::string pci_info_string() {
    std::vector<PCIBus*> buses;
    collect_pci_buses(sysbus_get_default(), buses);
    std::string out;
    for (PCIBus* bus : buses) {
        for (PCIDevice* d : bus->devices) {
            if (d) pci_info_device(out, *d);
        }
    }
    return out;
}

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_pci_types);
