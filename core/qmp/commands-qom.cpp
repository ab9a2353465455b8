// QMP's object-model commands (QEMU: qom/qom-qmp-cmds.c,
// softmmu/qdev-monitor.c): qom-list, qom-get, qom-set, qom-list-types,
// device-list-properties, device_add, device_del.
//
// QOM properties are strings here; these commands turn them into JSON
// values by the property's type, as QEMU's visitors would.
#include "core/qdev/qdev.h"
#include "core/qdev/sysbus.h"
#include "core/qmp/qmp.h"

#include <array>
#include <set>

namespace mq {

namespace {

using A = QmpArg;
using T = QmpType;

enum class ValueKind { Bool, Signed, Unsigned, String };

ValueKind kind_of(std::string_view type) {
    static const std::set<std::string_view> is_signed{"int", "int8", "int16", "int32", "int64"};
    static const std::set<std::string_view> is_unsigned{"uint8",  "uint16", "uint32",
                                                        "uint64", "size",   "uint"};
    if (type == "bool") return ValueKind::Bool;
    if (is_signed.contains(type)) return ValueKind::Signed;
    if (is_unsigned.contains(type)) return ValueKind::Unsigned;
    return ValueKind::String;
}

// A property's string value as the JSON QEMU would send.
Json to_json(std::string_view type, const std::string& value) {
    switch (kind_of(type)) {
    case ValueKind::Bool:
        if (auto b = parse_bool(value)) return *b;
        break;
    case ValueKind::Signed:
        if (auto v = parse_int64(value)) return *v;
        break;
    case ValueKind::Unsigned:
        if (auto v = parse_uint64(value)) return *v;
        break;
    case ValueKind::String: break;
    }
    return value;
}

// A JSON value as the string a property setter takes, or QEMU's error.
Result<std::string> from_json(const ObjectProperty& prop, const Json& value) {
    switch (kind_of(prop.type)) {
    case ValueKind::Bool:
        if (value.is_boolean()) return std::string(value.get<bool>() ? "on" : "off");
        return make_error("Invalid parameter type for 'value', expected: boolean");
    case ValueKind::Signed:
    case ValueKind::Unsigned:
        if (value.is_number_integer()) return value.dump();
        return make_error("Parameter '{}' expects {}", prop.name, prop.type);
    case ValueKind::String:
        if (value.is_string()) return value.get<std::string>();
        return make_error("Invalid parameter type for 'value', expected: string");
    }
    return make_error("Invalid parameter type for 'value'");
}

// The object at `path`, or null with *error set as QEMU words it.
Object* resolve(const std::string& path, QmpError* error) {
    bool ambiguous = false;
    Object* obj = object_resolve_path(path, &ambiguous);
    if (obj) return obj;
    *error = ambiguous ? QmpError{{}, fmt::format("Path '{}' is ambiguous", path)}
                       : qmp_device_not_found(path);
    return nullptr;
}

} // namespace

QmpResult qmp_qom_list(const std::string& path) {
    QmpError error;
    Object* obj = resolve(path, &error);
    if (!obj) return error;
    Json list = Json::array();
    for (ObjectProperty* p : object_property_list(obj))
        list.push_back(Json{{"name", p->name}, {"type", p->type}});
    return list;
}

QmpResult qmp_qom_get(const std::string& path, const std::string& property) {
    QmpError error;
    Object* obj = resolve(path, &error);
    if (!obj) return error;
    auto prop = object_property_find_err(obj, property);
    if (!prop) return prop.error();
    if (!(*prop)->get) {
        return make_error("Property '{}.{}' is not readable", object_get_typename(obj),
                          (*prop)->name);
    }
    auto value = (*prop)->get(*obj);
    if (!value) return value.error();
    return to_json((*prop)->type, *value);
}

QmpResult qmp_qom_set(const std::string& path, const std::string& property, const Json& value) {
    QmpError error;
    Object* obj = resolve(path, &error);
    if (!obj) return error;
    auto prop = object_property_find_err(obj, property);
    if (!prop) return prop.error();
    if (!(*prop)->set) {
        return make_error("Property '{}.{}' is not writable", object_get_typename(obj),
                          (*prop)->name);
    }
    auto text = from_json(**prop, value);
    if (!text) return text.error();
    if (auto st = object_property_set_str(obj, (*prop)->name, *text); !st) return st.error();
    return Json::object();
}

namespace {

QmpResult qom_list_types(const QmpArgs& args) {
    std::string implements = args.str("implements", TYPE_OBJECT);
    Json list = Json::array();
    for (ObjectClass* oc : object_class_get_list(implements, args.boolean("abstract"))) {
        Json t{{"name", object_class_get_name(oc)}};
        if (object_class_is_abstract(oc)) t["abstract"] = true;
        if (ObjectClass* parent = object_class_get_parent(oc))
            t["parent"] = object_class_get_name(parent);
        list.push_back(std::move(t));
    }
    return list;
}

QmpResult device_list_properties(const QmpArgs& args) {
    std::string name = args.str("typename");
    ObjectClass* oc = object_class_by_name(name);
    if (!oc) return qmp_device_not_found(name);
    if (!object_class_dynamic_cast(oc, TYPE_DEVICE) || object_class_is_abstract(oc)) {
        return make_error("Parameter 'typename' expects a non-abstract device type");
    }
    auto obj = object_new(name);
    if (!obj) return obj.error();
    static constexpr std::array skip{"type", "realized", "hotpluggable", "hotplugged",
                                     "parent_bus"};
    Json list = Json::array();
    for (ObjectProperty* p : object_property_list(obj->get())) {
        if (std::ranges::find(skip, p->name) != skip.end() || p->is_child() || p->is_link())
            continue;
        Json info{{"name", p->name}, {"type", p->type}};
        if (!p->description.empty()) info["description"] = p->description;
        if (p->default_value) info["default-value"] = to_json(p->type, *p->default_value);
        list.push_back(std::move(info));
    }
    return list;
}

} // namespace

// QEMU's checks, in its order, up to the one every bus here fails: no bus
// of this emulator takes hot-plugged devices (virt's pcie.0 does not on
// QEMU either).
QmpResult qmp_device_add(const Json& a) {
    if (!a.contains("driver")) return make_error("Parameter 'driver' is missing");
    if (!a["driver"].is_string()) {
        return make_error("Invalid parameter type for 'driver', expected: string");
    }
    std::string driver = a["driver"].get<std::string>();
    auto dc = qdev_get_device_class(driver);
    if (!dc) return dc.error();
    BusState* bus = nullptr;
    if (a.contains("bus")) {
        if (!a["bus"].is_string()) {
            return make_error("Invalid parameter type for 'bus', expected: string");
        }
        auto found = qbus_find(a["bus"].get<std::string>());
        if (!found) return found.error();
        bus = *found;
        if ((*dc)->bus_type.empty() || !object_dynamic_cast(bus, (*dc)->bus_type)) {
            return make_error("Device '{}' can't go on {} bus", driver, object_get_typename(bus));
        }
    } else if (!(*dc)->bus_type.empty()) {
        bus = qbus_find_recursive(sysbus_get_default(), "", (*dc)->bus_type);
        if (!bus || qbus_is_full(*bus)) {
            return make_error("No '{}' bus found for device '{}'", (*dc)->bus_type, driver);
        }
    }
    if (bus) return make_error("Bus '{}' does not support hotplugging", bus->name);
    return make_error("Device '{}' can not be hotplugged on this machine", driver);
}

QmpResult qmp_device_del(const std::string& id) {
    Object* obj = id.starts_with('/')
                      ? object_resolve_path(id)
                      : object_resolve_path(fmt::format(
                            "{}/{}", object_get_canonical_path(qdev_get_peripheral()), id));
    if (!obj) return qmp_device_not_found(id);
    auto* dev = object_dynamic_cast<DeviceState>(obj);
    if (!dev) return make_error("{} is not a hotpluggable device", id);
    if (dev->parent_bus) {
        return make_error("Bus '{}' does not support hotplugging", dev->parent_bus->name);
    }
    return make_error("Device '{}' does not support hotplugging", object_get_typename(dev));
}

namespace {

// The table's handlers unpack the arguments.
QmpResult qom_list(const QmpArgs& args) { return qmp_qom_list(args.str("path")); }
QmpResult qom_get(const QmpArgs& args) {
    return qmp_qom_get(args.str("path"), args.str("property"));
}
QmpResult qom_set(const QmpArgs& args) {
    return qmp_qom_set(args.str("path"), args.str("property"), args["value"]);
}
QmpResult device_add(const QmpArgs& args) { return qmp_device_add(args.json()); }
QmpResult device_del(const QmpArgs& args) { return qmp_device_del(args.str("id")); }

} // namespace

void qmp_register_qom_commands() {
    const std::vector<QmpCommand> rows = {
        {"qom-list", {A{"path", T::Str}}, qom_list},
        {"qom-get", {A{"path", T::Str}, A{"property", T::Str}}, qom_get},
        {"qom-set", {A{"path", T::Str}, A{"property", T::Str}, A{"value", T::Any}}, qom_set},
        {"qom-list-types",
         {A{"implements", T::Str, true}, A{"abstract", T::Bool, true}},
         qom_list_types},
        {"device-list-properties", {A{"typename", T::Str}}, device_list_properties},
        {"device_add", {}, device_add, /*any_arguments=*/true},
        {"device_del", {A{"id", T::Str}}, device_del},
    };
    for (const auto& row : rows)
        qmp_register_command(row);
}

} // namespace mq
