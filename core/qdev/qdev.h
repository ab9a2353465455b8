// qdev: devices and buses on top of QOM (QEMU: hw/core/qdev.c, bus.c,
// qdev-properties.c, softmmu/qdev-monitor.c).
//
// A device is an Object with:
//   - typed properties that have defaults and freeze once it is realized;
//   - a `realized` property whose setter runs DeviceClass::realize, the only
//     step of a device's life that may fail;
//   - a parent bus, of the bus type its class names, and possibly child buses.
//
// qdev_device_add() turns a `-device` property bag into a realized device
// plugged into the composition tree at /machine/peripheral/<id>.
#pragma once

#include "core/irq.h"
#include "core/keyval.h"
#include "core/qom/object.h"

#include <bitset>
#include <functional>
#include <string>
#include <vector>

namespace mq {

inline constexpr const char* TYPE_DEVICE = "device";
inline constexpr const char* TYPE_BUS = "bus";

struct BusState;
struct DeviceState;

// The groups `-device help` lists, in QEMU's order.
enum DeviceCategory {
    DEVICE_CATEGORY_BRIDGE,
    DEVICE_CATEGORY_USB,
    DEVICE_CATEGORY_STORAGE,
    DEVICE_CATEGORY_NETWORK,
    DEVICE_CATEGORY_INPUT,
    DEVICE_CATEGORY_DISPLAY,
    DEVICE_CATEGORY_SOUND,
    DEVICE_CATEGORY_MISC,
    DEVICE_CATEGORY_CPU,
    DEVICE_CATEGORY_WATCHDOG,
    DEVICE_CATEGORY_MAX
};
const char* device_category_name(DeviceCategory category);

// A device property as a class declares it (QEMU's Property and
// DEFINE_PROP_*). Setting it after realize is refused.
struct DeviceProperty {
    std::string name;
    std::string type; // "uint32", "bool", "str", "size", "int32", "link<...>"
    std::string description;
    std::optional<std::string> default_value;
    std::function<Status(DeviceState&, std::string_view)> set;
    std::function<std::string(DeviceState&)> get;
    // The value as `info qtree` shows it: "268435455 (0xfffffff)".
    std::function<std::string(DeviceState&)> print;
    std::function<void(DeviceState&)> set_default;
};

// DEFINE_PROP_<TYPE>(name, State, field, default) becomes
// qdev_prop(name, &State::field, default).
template <typename Dev, typename T>
DeviceProperty qdev_prop(std::string name, T Dev::*field, T default_value,
                         std::string description = {});
// A string property without a default.
template <typename Dev>
DeviceProperty qdev_prop_string(std::string name, std::string Dev::*field,
                                std::string description = {});

// -global driver.property=value, and what -cpu model,prop=value becomes
// (QEMU: qdev_prop_register_global). Applied to every device of type
// `driver` (or a subtype) just before it is realized.
struct GlobalProperty {
    std::string driver, property, value;
};
void qdev_prop_register_global(GlobalProperty g);
void qdev_prop_clear_globals();
const std::vector<GlobalProperty>& qdev_globals();

struct DeviceClass : DerivedClass<DeviceClass, ObjectClass> {
    std::bitset<DEVICE_CATEGORY_MAX> categories;
    std::string desc;
    bool user_creatable = true;
    bool hotpluggable = true;
    std::string bus_type; // the bus this device plugs into, or empty
    // This class's own properties, in declaration order (for info qtree).
    std::vector<DeviceProperty> props;

    std::function<Status(DeviceState&)> realize;
    std::function<void(DeviceState&)> unrealize;
    std::function<void(DeviceState&)> reset;
};

// A device's named group of interrupt lines: inputs it owns, outputs it
// drives (pointers to its own QemuIrq fields).
struct NamedGPIOList {
    std::string name;
    std::vector<std::unique_ptr<IRQState>> in;
    std::vector<QemuIrq*> out;
};

struct DeviceState : Object {
    static constexpr const char* type = TYPE_DEVICE;
    std::string id;
    bool realized = false;
    bool hotplugged = false;
    BusState* parent_bus = nullptr;
    std::vector<BusState*> child_bus;
    std::vector<NamedGPIOList> gpios;
};

struct BusClass : DerivedClass<BusClass, ObjectClass> {
    int max_dev = 0; // 0: no limit
    // What resetting the bus does to each device on it, before the device's
    // own reset (the PCI bus clears the command register, BARs and MSI).
    std::function<void(DeviceState&)> reset_dev;
    // Extra lines `info qtree` prints for a device on this bus.
    std::function<std::string(DeviceState&, int indent)> print_dev;
};

struct BusState : Object {
    static constexpr const char* type = TYPE_BUS;
    DeviceState* parent = nullptr;
    std::string name;
    // Newest first, as QEMU keeps them.
    std::vector<DeviceState*> children;
    bool realized = false;
};

DeviceClass& device_get_class(DeviceState& dev);
BusClass& bus_get_class(BusState& bus);

// Adds `props` to the class as class properties (QEMU's device_class_set_props).
void device_class_set_props(DeviceClass& dc, std::vector<DeviceProperty> props);
void device_class_set_category(DeviceClass& dc, DeviceCategory category);

// A new, unrealized device of `type_name`.
Result<ObjectPtr<DeviceState>> qdev_new(std::string_view type_name);
// Plugs `dev` into `bus` (may be null for bus-less devices) and realizes it.
Status qdev_realize(DeviceState* dev, BusState* bus);
// Unrealizes `dev`, takes it off its bus and out of the composition tree.
void qdev_unplug(DeviceState* dev);
void qdev_set_parent_bus(DeviceState* dev, BusState* bus);
Status qdev_set_id(DeviceState* dev, std::string id);

BusState* qbus_new(std::string_view type_name, DeviceState* parent, std::string_view name);
bool qbus_is_full(BusState& bus);
// The first bus below `bus` (itself included) with `name` and/or of `type`,
// skipping full buses unless asked for by name.
BusState* qbus_find_recursive(BusState* bus, std::string_view name, std::string_view type);
// A bus by name ("pcie.0") or by QOM path.
Result<BusState*> qbus_find(std::string_view path);

// Interrupt lines of a device (QEMU's qdev GPIOs). Inputs call `handler`;
// outputs are the device's own QemuIrq fields, which board code connects.
void qdev_init_gpio_in_named(DeviceState* dev, std::function<void(int, int)> handler,
                             std::string_view name, int n);
inline void qdev_init_gpio_in(DeviceState* dev, std::function<void(int, int)> handler, int n) {
    qdev_init_gpio_in_named(dev, std::move(handler), "", n);
}
void qdev_init_gpio_out_named(DeviceState* dev, QemuIrq* pins, std::string_view name, int n);
inline void qdev_init_gpio_out(DeviceState* dev, QemuIrq* pins, int n) {
    qdev_init_gpio_out_named(dev, pins, "", n);
}
QemuIrq qdev_get_gpio_in_named(DeviceState* dev, std::string_view name, int n);
inline QemuIrq qdev_get_gpio_in(DeviceState* dev, int n) {
    return qdev_get_gpio_in_named(dev, "", n);
}
void qdev_connect_gpio_out_named(DeviceState* dev, std::string_view name, int n, QemuIrq irq);
inline void qdev_connect_gpio_out(DeviceState* dev, int n, QemuIrq irq) {
    qdev_connect_gpio_out_named(dev, "", n, irq);
}

// Cold reset of a device and everything on its buses.
void device_cold_reset(DeviceState& dev);

// The machine object, "/machine" (a container until a machine exists).
Object* qdev_get_machine();
Object* qdev_get_peripheral();
Object* qdev_get_peripheral_anon();

// A device alias ("virtio-blk") to its type ("virtio-blk-pci"); other names
// unchanged.
std::string qdev_resolve_alias(std::string_view driver);
// The class of a user-creatable device type (or alias), or QEMU's error for `driver`.
Result<DeviceClass*> qdev_get_device_class(const std::string& driver);
// `-device`: driver, bus, id, then the device's own properties.
Result<DeviceState*> qdev_device_add(const PropertyBag& opts);

// `-device help` and `-device NAME,help`.
std::string qdev_device_help_list();
Result<std::string> qdev_device_help(std::string_view driver);

// `info qtree`.
std::string qdev_qtree_string();

// The lines of `-device x,help` and `-M x,help`, in QEMU's format.
std::string object_property_help_line(const std::string& name, const std::string& type,
                                      const std::string& description,
                                      const std::optional<std::string>& default_value);

} // namespace mq

#include "core/qdev/qdev-inl.h"
