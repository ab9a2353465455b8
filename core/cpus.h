// Running and stopping the CPUs (QEMU: softmmu/cpus.c, runstate).
//
// A machine with CPUs registers one CpuRunner: the vCPU thread that runs
// its harts. The rest of the emulator (the main loop, the monitor's stop and
// cont, -S) talks to it only through these calls.
#pragma once

#include <memory>
#include <string>

namespace mq {

class CpuRunner {
public:
    virtual ~CpuRunner() = default;
    // Starts or resumes the vCPUs.
    virtual void resume() = 0;
    // Stops them at the next block boundary and waits until they have.
    virtual void pause() = 0;
    // Ends the vCPU thread for good.
    virtual void shutdown() = 0;
    // Resets every CPU (under the big lock, with the CPUs paused).
    virtual void reset() = 0;
    // Wakes the vCPU thread: an interrupt line or a timer changed.
    virtual void kick() = 0;
    // `info registers`.
    virtual std::string dump_registers() = 0;
};

void cpus_register(std::unique_ptr<CpuRunner> runner);
CpuRunner* cpus_runner();

// The run state: QEMU's "running" and "paused".
void vm_start();
void vm_stop();
bool runstate_is_running();
// -no-shutdown: a shutdown stops the VM in QEMU's "shutdown" state, which
// only a reset leaves (`cont` refuses).
void vm_stop_shutdown();
void runstate_reset_done();
// Stops the vCPU thread at exit.
void cpus_shutdown();

} // namespace mq
