// The "none" machine: no RAM, no CPU, no devices; QEMU's empty machine.
// Useful to list and poke at the object model.
#include "core/machine.h"
#include "core/module.h"

namespace mq {
namespace {

void none_machine_class_init(ObjectClass& klass) {
    auto& mc = class_cast<MachineClass>(klass);
    mc.name = "none";
    mc.desc = "empty machine";
    mc.default_ram_size = 0;
    mc.max_cpus = 1;
}

void register_none_machine() {
    type_register_static(TypeInfo{
        .name = "none-machine",
        .parent = TYPE_MACHINE,
        .class_init = none_machine_class_init,
    });
}

} // namespace
} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_none_machine);
