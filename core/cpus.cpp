#include "core/cpus.h"

#include "core/main-loop.h"
#include "core/monitor.h"
#include "core/qtest/qtest.h"
#include "core/timer.h"
#include "core/vm-events.h"

namespace mq {

namespace {

struct CpusState {
    std::unique_ptr<CpuRunner> runner;
    bool running = false;
    bool started = false;  // once: prelaunch ends
    bool shutdown = false; // stopped by a shutdown under -no-shutdown
};

CpusState& state() {
    static CpusState* s = new CpusState(); // the vCPU thread may outlive static destruction
    return *s;
}

// QEMU's hmp_info_registers; the monitor's current CPU is always CPU 0.
void hmp_info_registers(Monitor& mon, const HmpArgs& args) {
    CpuRunner* r = state().runner.get();
    int count = r ? r->cpu_count() : 0;
    if (args.get_bool("cpustate_all")) {
        for (int i = 0; i < count; i++)
            mon.printf("\n{}", r->dump_registers(i));
        return;
    }
    // QEMU keeps the index in an int: 4294967295 is -1, the current CPU.
    int vcpu = static_cast<int>(static_cast<int32_t>(args.get_int("vcpu").value_or(-1)));
    int index = vcpu >= 0 ? vcpu : 0;
    if (index >= count) {
        if (vcpu >= 0) {
            mon.printf("CPU#{} not available\n", vcpu);
        } else {
            mon.print("No CPU available\n");
        }
        return;
    }
    mon.printf("\n{}", r->dump_registers(index));
}

// QEMU's hmp_info_status: a stopped VM names its state unless it is plainly
// paused ("paused (prelaunch)" under -S, "paused (shutdown)").
void hmp_info_status(Monitor& mon, const HmpArgs&) {
    RunState rs = runstate_get();
    if (rs == RunState::Running || rs == RunState::Paused) {
        mon.printf("VM status: {}\n", runstate_name(rs));
    } else {
        mon.printf("VM status: paused ({})\n", runstate_name(rs));
    }
}

void register_monitor_commands() {
    static bool done = false;
    if (done) return;
    done = true;
    hmp_register_command(
        {"stop|s", "", "", "stop emulation", [](Monitor&, const HmpArgs&) { vm_stop(); }});
    hmp_register_command({"cont|c", "", "", "resume emulation", [](Monitor& mon, const HmpArgs&) {
                              if (state().shutdown) {
                                  mon.printf("Error: Resetting the Virtual Machine is required\n");
                                  return;
                              }
                              vm_start();
                          }});
    hmp_register_command({"system_reset", "", "", "reset the system", [](Monitor&, const HmpArgs&) {
                              qemu_system_reset_request(ShutdownCause::HostQmpSystemReset);
                          }});
    hmp_register_command({"system_powerdown", "", "", "send system power down event",
                          [](Monitor&, const HmpArgs&) { qemu_system_powerdown_request(); }});
    hmp_register_info(
        {"status", "", "", "show the current VM status (running|paused)", hmp_info_status});
    hmp_register_info({"registers", "cpustate_all:-a,vcpu:i?", "[-a|vcpu]",
                       "show the cpu registers (-a: show register info for all cpus; vcpu: "
                       "specific vCPU to query; show the current CPU's registers if no argument "
                       "is specified)",
                       hmp_info_registers});
}

std::vector<CpuModel>& models() {
    static std::vector<CpuModel> m;
    return m;
}

} // namespace

namespace {
TcgThreads g_tcg_threads = TcgThreads::Multi;
} // namespace

void tcg_set_threads(TcgThreads mode) { g_tcg_threads = mode; }

TcgThreads tcg_threads() {
    if (virtual_clock_mode() == VirtualClockMode::Icount) return TcgThreads::Single;
    return g_tcg_threads;
}

void cpu_model_register(CpuModel model) { models().push_back(std::move(model)); }

const std::vector<CpuModel>& cpu_models() { return models(); }

const CpuModel* cpu_model_find(std::string_view name) {
    for (const CpuModel& m : models()) {
        if (m.name == name) return &m;
    }
    return nullptr;
}

void cpus_register(std::unique_ptr<CpuRunner> runner) {
    register_monitor_commands();
    state().runner = std::move(runner);
}

CpuRunner* cpus_runner() { return state().runner.get(); }

void vm_start(VmEventPolicy events) {
    auto& s = state();
    if (s.running) return;
    s.running = true;
    s.started = true;
    if (events == VmEventPolicy::Send) vm_event_emit(VmEvent{.kind = VmEventKind::Resume});
    // Under qtest the VM "runs" without its CPUs, and time moves only when
    // the test steps it: nobody else fires the timers.
    if (qtest_enabled()) return;
    virtual_clock_start();
    if (s.runner) {
        // The vCPU thread fires the virtual timers while it runs.
        main_loop_set_drives_timers(false);
        s.runner->resume();
    } else {
        main_loop_set_drives_timers(true);
    }
}

void vm_stop(VmEventPolicy events) {
    auto& s = state();
    if (!s.running) return;
    s.running = false;
    if (qtest_enabled()) {
        // Nothing runs under qtest, but clients still hear of the stop.
        if (events == VmEventPolicy::Send) vm_event_emit(VmEvent{.kind = VmEventKind::Stop});
        return;
    }
    if (s.runner) {
        // The vCPU thread takes the big lock for MMIO: let it finish its block.
        if (bql_locked()) {
            BqlUnlockGuard unlocked;
            s.runner->pause();
        } else {
            s.runner->pause();
        }
    }
    virtual_clock_stop();
    main_loop_set_drives_timers(false);
    if (events == VmEventPolicy::Send) vm_event_emit(VmEvent{.kind = VmEventKind::Stop});
}

bool runstate_is_running() { return state().running; }

RunState runstate_get() {
    auto& s = state();
    if (s.running) return RunState::Running;
    if (s.shutdown) return RunState::Shutdown;
    return s.started ? RunState::Paused : RunState::Prelaunch;
}

const char* runstate_name(RunState state) {
    switch (state) {
    case RunState::Prelaunch: return "prelaunch";
    case RunState::Running: return "running";
    case RunState::Paused: return "paused";
    case RunState::Shutdown: return "shutdown";
    }
    return "running";
}

VcpuPauseGuard::VcpuPauseGuard() : m_was_running(runstate_is_running()) {
    if (m_was_running) vm_stop(VmEventPolicy::Quiet);
}

VcpuPauseGuard::~VcpuPauseGuard() {
    if (m_was_running) vm_start(VmEventPolicy::Quiet);
}

void vm_stop_shutdown() {
    vm_stop();
    state().shutdown = true;
}

void runstate_reset_done() { state().shutdown = false; }

void cpus_shutdown() {
    auto& s = state();
    if (s.runner) s.runner->shutdown();
    s.running = false;
}

} // namespace mq
