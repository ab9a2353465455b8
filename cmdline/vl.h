// The program's main flow (QEMU: softmmu/vl.c).
#pragma once

#include "cmdline/options.h"
#include "core/machine.h"

#include <memory>

namespace mq {

class Vm;

// Parses argv, builds the machine and runs it. Returns the exit status.
int qemu_main(int argc, const char* const* argv);

// Everything before running: options, logging, types, chardevs, the
// machine and its devices. Without a Vm, the process should exit with
// `exit_status` (help was printed, or an error).
struct InitResult {
    std::unique_ptr<Vm> vm;
    int exit_status = 0;
};
InitResult qemu_init(int argc, const char* const* argv);

// One virtual machine: the machine object and what the command line asked of it.
class Vm {
public:
    static Result<std::unique_ptr<Vm>> create(MachineClass& mc, const VmOptions& opts,
                                              const PropertyBag& machine_opts);
    // Runs until the guest or the user ends it; returns the exit status.
    int run();
    // -M ...,dumpdtb=FILE: writes the device tree and reports it.
    int dump_dtb();
    // System reset: devices, ROM blobs, CPUs. The caller holds the big lock.
    void reset();
    MachineState& machine() { return *m_machine; }

private:
    Vm() = default;
    VmOptions m_opts;
    MachineState* m_machine = nullptr; // owned by the composition tree at /machine
};

} // namespace mq
