#include "core/qdev/sysbus.h"

#include "core/module.h"

namespace mq {

BusState* sysbus_get_default() {
    static BusState* main_system_bus = nullptr;
    if (!main_system_bus) {
        main_system_bus = qbus_new(TYPE_SYSTEM_BUS, nullptr, "main-system-bus");
        main_system_bus->realized = true;
        object_property_add_child(container_get(qdev_get_machine(), "/unattached"), "sysbus",
                                  main_system_bus);
        object_unref(main_system_bus); // the composition tree holds it
    }
    return main_system_bus;
}

void sysbus_init_mmio(SysBusDevice* dev, MemoryRegion* memory) { dev->mmio.push_back({memory}); }

MemoryRegion* sysbus_mmio_get_region(SysBusDevice* dev, int n) { return dev->mmio.at(n).memory; }

void sysbus_mmio_map_overlap(SysBusDevice* dev, int n, hwaddr addr, int priority) {
    auto& m = dev->mmio.at(n);
    m.addr = addr;
    memory_region_add_subregion_overlap(get_system_memory(), addr, m.memory, priority);
}

void sysbus_mmio_map(SysBusDevice* dev, int n, hwaddr addr) {
    sysbus_mmio_map_overlap(dev, n, addr, 0);
}

void sysbus_init_irq(SysBusDevice* dev, QemuIrq* irq) {
    qdev_init_gpio_out_named(dev, irq, "sysbus-irq", 1);
}

void sysbus_connect_irq(SysBusDevice* dev, int n, QemuIrq irq) {
    qdev_connect_gpio_out_named(dev, "sysbus-irq", n, irq);
}

DeviceState* sysbus_create_simple(std::string_view type, hwaddr addr, QemuIrq irq) {
    auto dev = qdev_new(type);
    if (!dev) qom_abort(dev.error().message);
    if (auto st = qdev_realize(dev->get(), sysbus_get_default()); !st)
        qom_abort(st.error().message);
    auto* sbd = &object_check<SysBusDevice>(dev->get());
    sysbus_mmio_map(sbd, 0, addr);
    if (irq) sysbus_connect_irq(sbd, 0, irq);
    return sbd; // the composition tree holds it
}

namespace {

struct SystemMemory {
    MemoryRegion memory;
    MemoryRegion io;
    AddressSpace memory_as;
    AddressSpace io_as;
    SystemMemory() {
        memory_region_init(&memory, nullptr, "system", UINT64_MAX);
        // Port I/O nobody claims reads as all-ones, as on a PC.
        memory_region_init_io(&io, nullptr, unassigned_io_ops(), "io", 65536);
        address_space_init(&memory_as, &memory, "memory");
        address_space_init(&io_as, &io, "I/O");
    }
};

SystemMemory& system_memory() {
    // Never destroyed: devices may still point into it at exit.
    static SystemMemory* s = new SystemMemory();
    return *s;
}

std::string sysbus_print_dev(DeviceState& dev, int indent) {
    std::string out;
    auto& sbd = static_cast<SysBusDevice&>(dev);
    for (const auto& m : sbd.mmio) {
        Int128 size = m.memory->size();
        out += fmt::format("{:{}}mmio {:016x}/{:016x}\n", "", indent, m.addr,
                           size >= kInt128_2_64 ? UINT64_MAX : static_cast<uint64_t>(size));
    }
    return out;
}

void system_bus_class_init(ObjectClass& klass) {
    class_cast<BusClass>(klass).print_dev = sysbus_print_dev;
}

void sysbus_device_class_init(ObjectClass& klass) {
    auto& dc = class_cast<DeviceClass>(klass);
    dc.bus_type = TYPE_SYSTEM_BUS;
    // Board code creates and wires these; a user cannot.
    dc.user_creatable = false;
}

void register_sysbus_types() {
    type_register_static(TypeInfo{
        .name = TYPE_SYSTEM_BUS,
        .parent = TYPE_BUS,
        .class_init = system_bus_class_init,
    });
    type_register_static(TypeInfo{
        .name = TYPE_SYS_BUS_DEVICE,
        .parent = TYPE_DEVICE,
        .abstract = true,
        .instance_new = new_instance<SysBusDevice>,
        .class_init = sysbus_device_class_init,
    });
}

} // namespace

MemoryRegion* get_system_memory() { return &system_memory().memory; }
MemoryRegion* get_system_io() { return &system_memory().io; }
AddressSpace* address_space_memory() { return &system_memory().memory_as; }
AddressSpace* address_space_io() { return &system_memory().io_as; }

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_sysbus_types);
