// The abstract machine (QEMU: hw/core/machine.c, include/hw/boards.h).
//
// A board is a subclass of TYPE_MACHINE named "<name>-machine". `-M virt`
// finds "virt-machine", creates it at /machine, sets its properties from the
// bag, and runs MachineClass::init, which builds the memory map, the CPUs
// and the devices.
#pragma once

#include "core/keyval.h"
#include "core/qom/object.h"

#include <functional>
#include <optional>
#include <string>

namespace mq {

inline constexpr const char* TYPE_MACHINE = "machine";
inline constexpr const char* TYPE_MACHINE_SUFFIX = "-machine";

struct MachineState : Object {
    static constexpr const char* type = TYPE_MACHINE;
    uint64_t ram_size = 0;
    unsigned smp_cpus = 1;
    std::string cpu_type; // -cpu's model as a QOM type; empty: the machine's default
    // -kernel, "kernel". Unset without one; "" is a file name (that does not
    // load), as QEMU's NULL and "".
    std::optional<std::string> kernel_filename;
    std::string kernel_cmdline;  // -append, "append"
    std::string initrd_filename; // -initrd, "initrd"
    std::string firmware;        // -bios, "firmware"
    std::string dtb;             // -dtb, "dtb"
    std::string dumpdtb;         // "dumpdtb"
};

struct MachineClass : DerivedClass<MachineClass, ObjectClass> {
    std::string name; // "virt": the type name without "-machine"
    std::string desc;
    bool is_default = false;
    uint64_t default_ram_size = 128ull << 20;
    unsigned max_cpus = 1;
    std::string default_cpu_type; // for query-machines; empty: none
    std::string default_ram_id;   // the RAM region's name, for query-machines
    // Without -kernel and -bios, run the bundled default guest.
    bool boots_default_guest = false;
    std::function<Status(MachineState&)> init;
    // After the -device options: load images, finish the device tree.
    std::function<Status(MachineState&)> done;
    // The flattened device tree the machine built, if it builds one.
    std::function<const std::vector<uint8_t>*(MachineState&)> get_fdt;
    // Where port I/O appears in the system address space, for qtest's
    // in/out commands (virt: the PCI I/O window). Size 0: no port I/O.
    uint64_t pio_base = 0;
    uint64_t pio_size = 0;
};

const std::vector<uint8_t>* machine_get_fdt(MachineState& ms);

// -name: the guest's name (QMP's query-name), if it has one.
void qemu_set_name(std::string name);
const std::optional<std::string>& qemu_get_name();

// System reset: every device on the system bus tree, then the handlers
// registered here in order (ROM blobs back into memory, then the CPUs).
void qemu_register_reset(std::function<void()> handler);
void qemu_system_reset();

MachineClass& machine_get_class(MachineState& ms);
// The class of `-M name`, or null.
MachineClass* find_machine(std::string_view name);
MachineClass* find_default_machine();
// `-M help`.
std::string machine_help_list();
// `-M virt,help`.
std::string machine_help(MachineClass& mc);

} // namespace mq
