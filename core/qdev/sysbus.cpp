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

namespace {

void sysbus_device_class_init(ObjectClass& klass) {
    auto& dc = class_cast<DeviceClass>(klass);
    dc.bus_type = TYPE_SYSTEM_BUS;
    // Board code creates and wires these; a user cannot.
    dc.user_creatable = false;
}

void register_sysbus_types() {
    type_register_static(TypeInfo{.name = TYPE_SYSTEM_BUS, .parent = TYPE_BUS});
    type_register_static(TypeInfo{
        .name = TYPE_SYS_BUS_DEVICE,
        .parent = TYPE_DEVICE,
        .abstract = true,
        .instance_new = new_instance<SysBusDevice>,
        .class_init = sysbus_device_class_init,
    });
}

} // namespace

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_sysbus_types);
