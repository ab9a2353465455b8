// Running and stopping the CPUs (QEMU: softmmu/cpus.c, runstate).
//
// A machine with CPUs registers one CpuRunner: the vCPU thread that runs
// its harts. The rest of the emulator (the main loop, the monitor's stop and
// cont, -S) talks to it only through these calls.
#pragma once

#include "core/cpu-debug.h"

#include <memory>
#include <string>
#include <vector>

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
    // `info registers`: how many CPUs there are, and one's registers.
    virtual int cpu_count() const = 0;
    virtual std::string dump_registers(int cpu_index) = 0;
    // The debugger's view of the CPUs (the gdb stub), if they have one.
    virtual CpuDebug* debug() { return nullptr; }
};

void cpus_register(std::unique_ptr<CpuRunner> runner);

// -accel tcg,thread=single|multi (QEMU's MTTCG): whether each vCPU runs on
// a host thread of its own, or all of them round-robin on one. Multi is the
// default, as in QEMU for RISC-V; -icount makes it single (QEMU refuses an
// explicit thread=multi with -icount). Decided before the CPUs first start.
enum class TcgThreads { Single, Multi };
void tcg_set_threads(TcgThreads mode);
TcgThreads tcg_threads();

// The CPU models -cpu accepts (QEMU: cpu_class_by_name, `-cpu help`): a
// model name and the QOM type that implements it ("rv64", "rv64-riscv-cpu").
struct CpuModel {
    std::string name;
    std::string type;
};
void cpu_model_register(CpuModel model);
// In registration order.
const std::vector<CpuModel>& cpu_models();
const CpuModel* cpu_model_find(std::string_view name);
CpuRunner* cpus_runner();

// The run state (QEMU's RunState, the states this emulator has): prelaunch
// until the CPUs first start, then running or paused (or shutdown, under
// -no-shutdown, until a reset). vm_start and vm_stop
// send the RESUME and STOP events when the state changes.
// A reset or the exit pauses the CPUs quietly: that is no STOP for clients.
enum class RunState { Prelaunch, Running, Paused, Shutdown };
enum class VmEventPolicy { Send, Quiet };
void vm_start(VmEventPolicy events = VmEventPolicy::Send);
void vm_stop(VmEventPolicy events = VmEventPolicy::Send);
bool runstate_is_running();
RunState runstate_get();
const char* runstate_name(RunState state); // "prelaunch", "running", "paused", "shutdown"

// Holds the vCPUs still for its lifetime without a run-state change anyone
// sees (no STOP or RESUME event), so that the monitor can read a hart's
// translation and memory as one consistent picture. Main thread, big lock.
class VcpuPauseGuard {
public:
    VcpuPauseGuard();
    ~VcpuPauseGuard();
    VcpuPauseGuard(const VcpuPauseGuard&) = delete;
    VcpuPauseGuard& operator=(const VcpuPauseGuard&) = delete;

private:
    bool m_was_running;
};
// -no-shutdown: a shutdown stops the VM in QEMU's "shutdown" state, which
// only a reset leaves (`cont` refuses).
void vm_stop_shutdown();
void runstate_reset_done();
// Stops the vCPU thread at exit.
void cpus_shutdown();

} // namespace mq
