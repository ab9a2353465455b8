#include "hw/pci-host/gpex.h"

#include "core/module.h"

namespace mq {

namespace {

// ECAM: one 4 KiB page of config space per bus/device/function.
MemoryRegionOps mmcfg_ops(GPEXHost& s) {
    MemoryRegionOps ops;
    ops.read = [&s](hwaddr addr, unsigned size) -> uint64_t {
        PCIDevice* dev = pci_find_device(s.bus, int((addr >> 20) & 0xff), int((addr >> 12) & 0xff));
        // Nobody there: the bus master-aborts and the read sees all-ones.
        if (!dev) return ~0ull;
        return pci_host_config_read_common(dev, addr & 0xfff, pci_config_size(dev), size);
    };
    ops.write = [&s](hwaddr addr, uint64_t value, unsigned size) {
        PCIDevice* dev = pci_find_device(s.bus, int((addr >> 20) & 0xff), int((addr >> 12) & 0xff));
        if (!dev) return;
        pci_host_config_write_common(dev, addr & 0xfff, pci_config_size(dev),
                                     static_cast<uint32_t>(value), size);
    };
    return ops;
}

void gpex_host_instance_init(Object& obj) {
    auto& s = static_cast<GPEXHost&>(obj);
    memory_region_init_io(&s.mmcfg, &s, mmcfg_ops(s), "pcie-mmcfg-mmio", PCIE_MMCFG_SIZE_MAX);
    memory_region_init(&s.io_mmio, &s, "gpex_mmio", UINT64_MAX);
    memory_region_init(&s.io_ioport, &s, "gpex_ioport", 64 * 1024);
    memory_region_init_io(&s.io_mmio_window, &s, unassigned_io_ops(), "gpex_mmio_window",
                          UINT64_MAX);
    memory_region_init_io(&s.io_ioport_window, &s, unassigned_io_ops(), "gpex_ioport_window",
                          64 * 1024);
    memory_region_add_subregion(&s.io_mmio_window, 0, &s.io_mmio);
    memory_region_add_subregion(&s.io_ioport_window, 0, &s.io_ioport);
    sysbus_init_mmio(&s, &s.mmcfg);
    sysbus_init_mmio(&s, &s.io_mmio_window);
    sysbus_init_mmio(&s, &s.io_ioport_window);
    for (auto& irq : s.irq)
        sysbus_init_irq(&s, &irq);
}

Status gpex_host_realize(DeviceState& dev) {
    auto& s = static_cast<GPEXHost&>(dev);
    s.bus = pci_root_bus_new(&s, "pcie.0", &s.io_mmio, &s.io_ioport, 0, TYPE_PCIE_BUS);
    pci_bus_irqs(
        s.bus, [&s](int irq, int level) { qemu_set_irq(s.irq[irq], level); },
        pci_swizzle_map_irq_fn, GPEX_NUM_IRQS);
    // The bridge's own function, 00:00.0.
    auto root = qdev_new(TYPE_GPEX_ROOT_DEVICE);
    if (!root) return root.take_error();
    object_property_add_child(&s, "gpex_root", root->get());
    if (auto st = object_property_set_str(root->get(), "addr", "00.0"); !st) return st;
    return qdev_realize(root->get(), s.bus);
}

void gpex_host_class_init(ObjectClass& klass) {
    auto& dc = class_cast<DeviceClass>(klass);
    dc.realize = gpex_host_realize;
    dc.desc = "QEMU generic PCIe host bridge";
    device_class_set_category(dc, DEVICE_CATEGORY_BRIDGE);
}

void gpex_root_class_init(ObjectClass& klass) {
    auto& k = class_cast<PCIDeviceClass>(klass);
    k.vendor_id = PCI_VENDOR_ID_REDHAT;
    k.device_id = 0x0008; // PCI_DEVICE_ID_REDHAT_PCIE_HOST
    k.revision = 0;
    k.class_id = PCI_CLASS_BRIDGE_HOST;
    k.desc = "QEMU generic PCIe host bridge";
    k.user_creatable = false;
    device_class_set_category(k, DEVICE_CATEGORY_BRIDGE);
}

void register_gpex_types() {
    type_register_static(TypeInfo{
        .name = TYPE_GPEX_HOST,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_new = new_instance<GPEXHost>,
        .class_init = gpex_host_class_init,
        .instance_init = gpex_host_instance_init,
    });
    type_register_static(TypeInfo{
        .name = TYPE_GPEX_ROOT_DEVICE,
        .parent = TYPE_PCI_DEVICE,
        .class_init = gpex_root_class_init,
        .interfaces = {INTERFACE_CONVENTIONAL_PCI_DEVICE},
    });
}

} // namespace

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_gpex_types);
