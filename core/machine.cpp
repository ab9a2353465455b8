#include "core/machine.h"

#include "core/module.h"
#include "core/qdev/qdev.h"
#include "core/qdev/sysbus.h"

#include <algorithm>
#include <type_traits>

namespace mq {

MachineClass& machine_get_class(MachineState& ms) { return class_cast<MachineClass>(*ms.klass); }

const std::vector<uint8_t>* machine_get_fdt(MachineState& ms) {
    auto& mc = machine_get_class(ms);
    return mc.get_fdt ? mc.get_fdt(ms) : nullptr;
}

MachineClass* find_machine(std::string_view name) {
    for (ObjectClass* oc : object_class_get_list(TYPE_MACHINE, false)) {
        auto& mc = class_cast<MachineClass>(*oc);
        if (mc.name == name) return &mc;
    }
    return nullptr;
}

MachineClass* find_default_machine() {
    for (ObjectClass* oc : object_class_get_list(TYPE_MACHINE, false)) {
        auto& mc = class_cast<MachineClass>(*oc);
        if (mc.is_default) return &mc;
    }
    return nullptr;
}

std::string machine_help_list() {
    std::string out = "Supported machines are:\n";
    for (ObjectClass* oc : object_class_get_list(TYPE_MACHINE, false)) {
        auto& mc = class_cast<MachineClass>(*oc);
        out += fmt::format("{:<20} {}{}\n", mc.name, mc.desc, mc.is_default ? " (default)" : "");
    }
    return out;
}

std::string machine_help(MachineClass& mc) {
    std::vector<std::string> lines;
    for (ObjectClass* k = &mc; k; k = object_class_get_parent(k)) {
        for (auto& [name, prop] : k->properties) {
            if (name == "type" || !prop.set) continue;
            lines.push_back(
                object_property_help_line(name, prop.type, prop.description, prop.default_value));
        }
    }
    std::ranges::sort(lines);
    std::string out = fmt::format("{} options:\n", object_class_get_name(&mc));
    for (auto& l : lines)
        out += l + "\n";
    return out;
}

namespace {

std::vector<std::function<void()>>& reset_handlers() {
    static std::vector<std::function<void()>> h;
    return h;
}

void reset_bus(BusState* bus) {
    for (DeviceState* dev : bus->children)
        device_cold_reset(*dev);
}

} // namespace

void qemu_register_reset(std::function<void()> handler) {
    reset_handlers().push_back(std::move(handler));
}

void qemu_system_reset() {
    reset_bus(sysbus_get_default());
    for (auto& h : reset_handlers())
        h();
}

namespace {

// Machine string properties; QEMU types these "string". An optional one
// reads as "" while unset.
template <typename Field>
void add_string_prop(ObjectClass& klass, const char* name, Field MachineState::*field,
                     const char* description) {
    auto& prop = object_class_property_add(
        &klass, name, "string",
        [field](Object& o) -> Result<std::string> {
            const Field& v = static_cast<MachineState&>(o).*field;
            if constexpr (std::is_same_v<Field, std::string>) {
                return v;
            } else {
                return v.value_or("");
            }
        },
        [field](Object& o, std::string_view v) -> Status {
            static_cast<MachineState&>(o).*field = std::string(v);
            return {};
        });
    prop.description = description;
}

void machine_class_init(ObjectClass& klass) {
    add_string_prop(klass, "kernel", &MachineState::kernel_filename, "Linux kernel image file");
    add_string_prop(klass, "initrd", &MachineState::initrd_filename, "Linux initial ramdisk file");
    add_string_prop(klass, "append", &MachineState::kernel_cmdline, "Linux kernel command line");
    add_string_prop(klass, "dtb", &MachineState::dtb, "Linux kernel device tree file");
    add_string_prop(klass, "dumpdtb", &MachineState::dumpdtb,
                    "Dump current dtb to a file and quit");
    add_string_prop(klass, "firmware", &MachineState::firmware, "Firmware image");
}

void machine_instance_init(Object& obj) {
    auto& ms = static_cast<MachineState&>(obj);
    ms.ram_size = machine_get_class(ms).default_ram_size;
}

void register_machine_types() {
    type_register_static(TypeInfo{
        .name = TYPE_MACHINE,
        .parent = TYPE_OBJECT,
        .abstract = true,
        .instance_new = new_instance<MachineState>,
        .class_new = new_class<MachineClass>,
        .class_init = machine_class_init,
        .instance_init = machine_instance_init,
    });
}

} // namespace

namespace {
std::optional<std::string>& vm_name() {
    static std::optional<std::string> name;
    return name;
}
} // namespace

void qemu_set_name(std::string name) { vm_name() = std::move(name); }
const std::optional<std::string>& qemu_get_name() { return vm_name(); }

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_machine_types);
