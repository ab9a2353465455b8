#include "core/qdev/qdev.h"

#include "core/module.h"
#include "core/qdev/sysbus.h"
#include "core/vm-events.h"

#include <algorithm>
#include <array>
#include <map>

namespace mq {

const char* device_category_name(DeviceCategory category) {
    static constexpr std::array<const char*, DEVICE_CATEGORY_MAX + 1> names{"Controller/Bridge/Hub",
                                                                            "USB",
                                                                            "Storage",
                                                                            "Network",
                                                                            "Input",
                                                                            "Display",
                                                                            "Sound",
                                                                            "Misc",
                                                                            "CPU",
                                                                            "Watchdog",
                                                                            "Uncategorized"};
    return names[category];
}

DeviceClass& device_get_class(DeviceState& dev) { return class_cast<DeviceClass>(*dev.klass); }
BusClass& bus_get_class(BusState& bus) { return class_cast<BusClass>(*bus.klass); }

void device_class_set_category(DeviceClass& dc, DeviceCategory category) {
    dc.categories.set(category);
}

namespace {

Error set_after_realize_error(DeviceState& dev, std::string_view name) {
    if (!dev.id.empty()) {
        return make_error(
            "Attempt to set property '{}' on device '{}' (type '{}') after it was realized", name,
            dev.id, object_get_typename(&dev));
    }
    return make_error(
        "Attempt to set property '{}' on anonymous device (type '{}') after it was realized", name,
        object_get_typename(&dev));
}

// JSON, as QEMU prints defaults: strings quoted, everything else bare.
std::string default_as_json(const std::string& type, const std::string& value) {
    if (type == "str" || type == "string") return fmt::format("\"{}\"", value);
    return value;
}

} // namespace

void device_class_set_props(DeviceClass& dc, std::vector<DeviceProperty> props) {
    for (auto& p : props) {
        auto& prop = object_class_property_add(
            &dc, p.name, p.type,
            [get = p.get](Object& o) -> Result<std::string> {
                return get(static_cast<DeviceState&>(o));
            },
            [set = p.set, name = p.name](Object& o, std::string_view value) -> Status {
                auto& dev = static_cast<DeviceState&>(o);
                if (dev.realized) return set_after_realize_error(dev, name);
                return set(dev, value);
            });
        prop.description = p.description;
        if (p.default_value) prop.default_value = default_as_json(p.type, *p.default_value);
        if (p.set_default) {
            prop.init = [d = p.set_default](Object& o) { d(static_cast<DeviceState&>(o)); };
        }
        dc.props.push_back(std::move(p));
    }
}

// ---------------------------------------------------------------------------
// Realize
// ---------------------------------------------------------------------------

namespace {

std::vector<GlobalProperty>& globals() {
    static std::vector<GlobalProperty> g;
    return g;
}

Status apply_globals(DeviceState& dev) {
    for (const GlobalProperty& g : globals()) {
        if (!object_dynamic_cast(&dev, g.driver)) continue;
        if (auto st = object_property_set_str(&dev, g.property, g.value); !st) {
            return make_error("can't apply global {}.{}={}: {}", g.driver, g.property, g.value,
                              st.error().message);
        }
    }
    return {};
}

void bus_set_realized(BusState& bus, bool value);

Status device_set_realized(DeviceState& dev, bool value) {
    DeviceClass& dc = device_get_class(dev);
    if (value == dev.realized) return {};
    if (value) {
        if (!dev.parent) {
            // Devices nobody placed go to /machine/unattached, as in QEMU.
            object_property_add_child(container_get(qdev_get_machine(), "/unattached"), "device[*]",
                                      &dev);
        }
        qemu_log_mask(LOG_QOM, "qom: realize {} ({})", object_get_canonical_path(&dev),
                      object_get_typename(&dev));
        if (auto st = apply_globals(dev); !st) return st;
        if (dc.realize) {
            if (auto st = dc.realize(dev); !st) {
                qemu_log_mask(LOG_QOM, "qom: realize of {} failed: {}",
                              object_get_canonical_path(&dev), st.error().message);
                return st;
            }
        }
        dev.realized = true;
        for (BusState* bus : dev.child_bus)
            bus_set_realized(*bus, true);
        if (dev.hotplugged) device_cold_reset(dev);
    } else {
        qemu_log_mask(LOG_QOM, "qom: unrealize {} ({})", object_get_canonical_path(&dev),
                      object_get_typename(&dev));
        for (BusState* bus : dev.child_bus)
            bus_set_realized(*bus, false);
        if (dc.unrealize) dc.unrealize(dev);
        dev.realized = false;
    }
    return {};
}

void bus_set_realized(BusState& bus, bool value) {
    bus.realized = value;
    if (!value) {
        for (DeviceState* child : bus.children)
            (void)device_set_realized(*child, false);
    }
}

void device_class_init(ObjectClass& klass) {
    object_class_property_add(
        &klass, "realized", "bool",
        [](Object& o) -> Result<std::string> {
            return PropertyTraits<bool>::format(static_cast<DeviceState&>(o).realized);
        },
        [](Object& o, std::string_view s) -> Status {
            auto v = PropertyTraits<bool>::parse("realized", s);
            if (!v) return v.take_error();
            return device_set_realized(static_cast<DeviceState&>(o), *v);
        });
}

void device_finalize(Object& obj) {
    auto& dev = static_cast<DeviceState&>(obj);
    if (dev.parent_bus) {
        auto& kids = dev.parent_bus->children;
        std::erase(kids, &dev);
        dev.parent_bus = nullptr;
    }
}

void bus_finalize(Object& obj) {
    auto& bus = static_cast<BusState&>(obj);
    for (DeviceState* dev : bus.children) {
        dev->parent_bus = nullptr;
        object_unref(dev);
    }
    bus.children.clear();
    if (bus.parent) std::erase(bus.parent->child_bus, &bus);
}

} // namespace

void qdev_prop_register_global(GlobalProperty g) { globals().push_back(std::move(g)); }

void qdev_prop_clear_globals() { globals().clear(); }

const std::vector<GlobalProperty>& qdev_globals() { return globals(); }

Result<ObjectPtr<DeviceState>> qdev_new(std::string_view type_name) {
    return object_new_as<DeviceState>(type_name);
}

void qdev_set_parent_bus(DeviceState* dev, BusState* bus) {
    ObjectPtr<DeviceState> keep(dev);
    if (dev->parent_bus) {
        std::erase(dev->parent_bus->children, dev);
        object_unref(dev);
    }
    dev->parent_bus = bus;
    if (bus) {
        // The bus holds a reference on each device plugged into it.
        bus->children.insert(bus->children.begin(), dev);
        object_ref(dev);
    }
}

Status qdev_realize(DeviceState* dev, BusState* bus) {
    if (bus) qdev_set_parent_bus(dev, bus);
    auto st = object_property_set_bool(dev, "realized", true);
    if (!st && bus) qdev_set_parent_bus(dev, nullptr);
    return st;
}

void qdev_unplug(DeviceState* dev) {
    ObjectPtr<DeviceState> keep(dev);
    std::string path = object_get_canonical_path(dev);
    (void)device_set_realized(*dev, false);
    qdev_set_parent_bus(dev, nullptr);
    object_unparent(dev);
    if (!path.empty()) {
        vm_event_emit(
            VmEvent{.kind = VmEventKind::DeviceDeleted, .device_id = dev->id, .path = path});
    }
}

Status qdev_set_id(DeviceState* dev, std::string id) {
    if (!id.empty()) {
        Object* peripheral = qdev_get_peripheral();
        if (object_property_find(peripheral, id)) {
            return make_error("Duplicate ID '{}' for device", id);
        }
        dev->id = id;
        object_property_add_child(peripheral, id, dev);
    } else {
        object_property_add_child(qdev_get_peripheral_anon(), "device[*]", dev);
    }
    return {};
}

// ---------------------------------------------------------------------------
// Buses
// ---------------------------------------------------------------------------

BusState* qbus_new(std::string_view type_name, DeviceState* parent, std::string_view name) {
    static std::map<std::string, int, std::less<>> automatic_ids;
    auto obj = object_new_as<BusState>(type_name);
    if (!obj) qom_abort(obj.error().message);
    BusState* bus = obj->get();
    if (!name.empty()) {
        bus->name = name;
    } else if (parent && !parent->id.empty()) {
        bus->name = fmt::format("{}.{}", parent->id, parent->child_bus.size());
    } else {
        std::string lower(type_name);
        std::ranges::transform(lower, lower.begin(),
                               [](unsigned char c) { return std::tolower(c); });
        bus->name = fmt::format("{}.{}", lower, automatic_ids[std::string(type_name)]++);
    }
    if (parent) {
        bus->parent = parent;
        parent->child_bus.push_back(bus);
        object_property_add_child(parent, bus->name, bus);
        if (parent->realized) bus->realized = true;
        return bus; // the parent's child<> property owns it now
    }
    return obj->release(); // the caller owns the only reference
}

bool qbus_is_full(BusState& bus) {
    int max = bus_get_class(bus).max_dev;
    return max != 0 && static_cast<int>(bus.children.size()) >= max;
}

BusState* qbus_find_recursive(BusState* bus, std::string_view name, std::string_view type) {
    bool match = true;
    if (!name.empty() && bus->name != name) match = false;
    if (!type.empty() && !object_dynamic_cast(bus, type)) match = false;
    if (name.empty() && qbus_is_full(*bus)) match = false;
    if (match) return bus;
    // QEMU walks the children newest first; keep its order.
    for (DeviceState* dev : bus->children) {
        for (BusState* child : dev->child_bus) {
            if (BusState* found = qbus_find_recursive(child, name, type)) return found;
        }
    }
    return nullptr;
}

Result<BusState*> qbus_find(std::string_view path) {
    BusState* bus = nullptr;
    if (path.starts_with('/')) {
        bus = object_dynamic_cast<BusState>(object_resolve_path(path));
    } else {
        bus = qbus_find_recursive(sysbus_get_default(), path, "");
    }
    if (!bus) return make_error("Bus '{}' not found", path);
    return bus;
}

void device_cold_reset(DeviceState& dev) {
    DeviceClass& dc = device_get_class(dev);
    if (dev.parent_bus) {
        auto& bc = bus_get_class(*dev.parent_bus);
        if (bc.reset_dev) bc.reset_dev(dev);
    }
    if (dc.reset) dc.reset(dev);
    for (BusState* bus : dev.child_bus) {
        for (DeviceState* child : bus->children)
            device_cold_reset(*child);
    }
}

namespace {

NamedGPIOList& gpio_list(DeviceState* dev, std::string_view name) {
    for (auto& l : dev->gpios) {
        if (l.name == name) return l;
    }
    dev->gpios.push_back(NamedGPIOList{std::string(name), {}, {}});
    return dev->gpios.back();
}

} // namespace

void qdev_init_gpio_in_named(DeviceState* dev, std::function<void(int, int)> handler,
                             std::string_view name, int n) {
    auto& list = gpio_list(dev, name);
    int base = static_cast<int>(list.in.size());
    for (int i = 0; i < n; i++) {
        list.in.push_back(std::make_unique<IRQState>(IRQState{handler, base + i}));
    }
}

void qdev_init_gpio_out_named(DeviceState* dev, QemuIrq* pins, std::string_view name, int n) {
    auto& list = gpio_list(dev, name);
    for (int i = 0; i < n; i++)
        list.out.push_back(&pins[i]);
}

QemuIrq qdev_get_gpio_in_named(DeviceState* dev, std::string_view name, int n) {
    auto& list = gpio_list(dev, name);
    if (n < 0 || n >= static_cast<int>(list.in.size())) {
        qom_abort(fmt::format("{} has no input line {} '{}'", object_get_typename(dev), n, name));
    }
    return QemuIrq(list.in[n].get());
}

void qdev_connect_gpio_out_named(DeviceState* dev, std::string_view name, int n, QemuIrq irq) {
    auto& list = gpio_list(dev, name);
    if (n < 0 || n >= static_cast<int>(list.out.size())) {
        qom_abort(fmt::format("{} has no output line {} '{}'", object_get_typename(dev), n, name));
    }
    *list.out[n] = irq;
}

Object* qdev_get_machine() { return container_get(object_get_root(), "/machine"); }
Object* qdev_get_peripheral() { return container_get(qdev_get_machine(), "/peripheral"); }
Object* qdev_get_peripheral_anon() { return container_get(qdev_get_machine(), "/peripheral-anon"); }

// ---------------------------------------------------------------------------
// -device
// ---------------------------------------------------------------------------

namespace {} // namespace

namespace {

// Short names for devices, as QEMU's qdev_alias_table: on a machine with
// PCI, "virtio-blk" is the PCI one.
constexpr std::pair<std::string_view, std::string_view> kDeviceAliases[] = {
    {"virtio-blk-pci", "virtio-blk"},
    {"virtio-net-pci", "virtio-net"},
    {"virtio-rng-pci", "virtio-rng"},
    {"virtio-serial-pci", "virtio-serial"},
};

std::string_view device_alias_of(std::string_view type) {
    for (auto [name, alias] : kDeviceAliases)
        if (name == type) return alias;
    return {};
}

} // namespace

std::string qdev_resolve_alias(std::string_view driver) {
    for (auto [name, alias] : kDeviceAliases)
        if (alias == driver && object_class_by_name(name)) return std::string(name);
    return std::string(driver);
}

Result<DeviceClass*> qdev_get_device_class(const std::string& requested) {
    std::string driver = qdev_resolve_alias(requested);
    ObjectClass* oc = object_class_by_name(driver);
    if (!object_class_dynamic_cast(oc, TYPE_DEVICE)) {
        return make_error("'{}' is not a valid device model name", driver);
    }
    if (object_class_is_abstract(oc)) {
        return make_error("Parameter 'driver' expects a non-abstract device type");
    }
    auto& dc = class_cast<DeviceClass>(*oc);
    if (!dc.user_creatable) return make_error("Parameter 'driver' expects a pluggable device type");
    return &dc;
}

Result<DeviceState*> qdev_device_add(const PropertyBag& opts) {
    const std::string* id = opts.get("id");
    if (id && !id_wellformed(*id)) return id_malformed_error();
    const std::string* driver = opts.get("driver");
    if (!driver) return make_error("Parameter 'driver' is missing");
    auto dc = qdev_get_device_class(*driver);
    if (!dc) return dc.take_error();

    BusState* bus = nullptr;
    if (const std::string* path = opts.get("bus")) {
        auto found = qbus_find(*path);
        if (!found) return found.take_error();
        bus = *found;
        if ((*dc)->bus_type.empty() || !object_dynamic_cast(bus, (*dc)->bus_type)) {
            return make_error("Device '{}' can't go on {} bus", *driver, object_get_typename(bus));
        }
        if (qbus_is_full(*bus)) return make_error("Bus '{}' is full", bus->name);
    } else if (!(*dc)->bus_type.empty()) {
        bus = qbus_find_recursive(sysbus_get_default(), "", (*dc)->bus_type);
        if (!bus) {
            return make_error("No '{}' bus found for device '{}'", (*dc)->bus_type, *driver);
        }
    }

    auto dev = qdev_new(object_class_get_name(*dc));
    if (!dev) return dev.take_error();
    for (const auto& [key, value] : opts) {
        if (key == "driver" || key == "bus" || key == "id") continue;
        if (auto st = object_property_set_str(dev->get(), key, value); !st) return st.take_error();
    }
    if (auto st = qdev_set_id(dev->get(), id ? *id : ""); !st) return st.take_error();
    if (auto st = qdev_realize(dev->get(), bus); !st) {
        object_unparent(dev->get());
        return st.take_error();
    }
    return dev->get(); // the composition tree holds it now
}

std::string object_property_help_line(const std::string& name, const std::string& type,
                                      const std::string& description,
                                      const std::optional<std::string>& default_value) {
    std::string line = fmt::format("  {}=<{}>", name, type);
    if (!description.empty() || default_value) {
        if (line.size() < 24) line.append(24 - line.size(), ' ');
        line += " - ";
    }
    line += description;
    if (default_value) line += fmt::format(" (default: {})", *default_value);
    return line;
}

std::string qdev_device_help_list() {
    auto list = object_class_get_list(TYPE_DEVICE, false);
    std::string out;
    for (int cat = 0; cat <= DEVICE_CATEGORY_MAX; cat++) {
        bool printed = false;
        for (size_t i = 0; i < list.size(); i++) {
            auto& dc = class_cast<DeviceClass>(*list[i]);
            bool in_category =
                cat < DEVICE_CATEGORY_MAX ? dc.categories.test(cat) : dc.categories.none();
            if (!in_category || !dc.user_creatable) continue;
            if (!printed) {
                out += fmt::format("{}{} devices:\n", i ? "\n" : "",
                                   device_category_name(static_cast<DeviceCategory>(cat)));
                printed = true;
            }
            out += fmt::format("name \"{}\"", object_class_get_name(&dc));
            if (!dc.bus_type.empty()) out += fmt::format(", bus {}", dc.bus_type);
            if (auto alias = device_alias_of(object_class_get_name(&dc)); !alias.empty()) {
                out += fmt::format(", alias \"{}\"", alias);
            }
            if (!dc.desc.empty()) out += fmt::format(", desc \"{}\"", dc.desc);
            out += "\n";
        }
    }
    return out;
}

Result<std::string> qdev_device_help(std::string_view requested) {
    std::string driver = qdev_resolve_alias(requested);
    ObjectClass* oc = object_class_by_name(driver);
    if (!oc) return make_error("Device '{}' not found", driver);
    if (!object_class_dynamic_cast(oc, TYPE_DEVICE) || object_class_is_abstract(oc)) {
        return make_error("Parameter 'typename' expects a non-abstract device type");
    }
    auto obj = object_new(driver);
    if (!obj) return obj.take_error();
    std::vector<std::string> lines;
    for (ObjectProperty* prop : object_property_list(obj->get())) {
        static constexpr std::array skip{"type", "realized", "hotpluggable", "hotplugged",
                                         "parent_bus"};
        if (std::ranges::find(skip, prop->name) != skip.end() || prop->is_child()) continue;
        lines.push_back(object_property_help_line(prop->name, prop->type, prop->description,
                                                  prop->default_value));
    }
    if (lines.empty()) return fmt::format("There are no options for {}.\n", driver);
    std::ranges::sort(lines);
    std::string out = fmt::format("{} options:\n", driver);
    for (auto& l : lines)
        out += l + "\n";
    return out;
}

// ---------------------------------------------------------------------------
// info qtree
// ---------------------------------------------------------------------------

namespace {

void qbus_print(std::string& out, BusState& bus, int indent);

void qdev_print(std::string& out, DeviceState& dev, int indent) {
    out += fmt::format("{:{}}dev: {}, id \"{}\"\n", "", indent, object_get_typename(&dev), dev.id);
    indent += 2;
    for (const auto& l : dev.gpios) {
        if (!l.in.empty())
            out += fmt::format("{:{}}gpio-in \"{}\" {}\n", "", indent, l.name, l.in.size());
        if (!l.out.empty())
            out += fmt::format("{:{}}gpio-out \"{}\" {}\n", "", indent, l.name, l.out.size());
    }
    ObjectClass* device_class = object_class_by_name(TYPE_DEVICE);
    for (ObjectClass* k = dev.klass; k && k != device_class; k = object_class_get_parent(k)) {
        for (auto& p : class_cast<DeviceClass>(*k).props) {
            out += fmt::format("{:{}}{} = {}\n", "", indent, p.name, p.print(dev));
        }
    }
    if (dev.parent_bus) {
        auto& bc = bus_get_class(*dev.parent_bus);
        if (bc.print_dev) out += bc.print_dev(dev, indent);
    }
    for (BusState* child : dev.child_bus)
        qbus_print(out, *child, indent);
}

void qbus_print(std::string& out, BusState& bus, int indent) {
    out += fmt::format("{:{}}bus: {}\n", "", indent, bus.name);
    indent += 2;
    out += fmt::format("{:{}}type {}\n", "", indent, object_get_typename(&bus));
    for (DeviceState* dev : bus.children)
        qdev_print(out, *dev, indent);
}

} // namespace

std::string qdev_qtree_string() {
    std::string out;
    qbus_print(out, *sysbus_get_default(), 0);
    return out;
}

// ---------------------------------------------------------------------------

namespace {

void register_qdev_types() {
    type_register_static(TypeInfo{
        .name = TYPE_DEVICE,
        .parent = TYPE_OBJECT,
        .abstract = true,
        .instance_new = new_instance<DeviceState>,
        .class_new = new_class<DeviceClass>,
        .class_init = device_class_init,
        // Each class lists only the properties it declares itself.
        .class_base_init = [](ObjectClass& k) { class_cast<DeviceClass>(k).props.clear(); },
        .instance_finalize = device_finalize,
    });
    type_register_static(TypeInfo{
        .name = TYPE_BUS,
        .parent = TYPE_OBJECT,
        .abstract = true,
        .instance_new = new_instance<BusState>,
        .class_new = new_class<BusClass>,
        .instance_finalize = bus_finalize,
    });
}

} // namespace

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_qdev_types);
