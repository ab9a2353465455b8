// The CPU's debug interface: what a debugger (the gdb stub) may do to the
// harts, and nothing more (QEMU: the gdb_* hooks of CPUClass, cpu_breakpoint_*,
// cpu_watchpoint_*, cpu_single_step).
//
// core defines it, the CPU implements it (hw/cpu/riscv/gdb-target.cpp), and
// the machine's CpuRunner hands it out (cpus_runner()->debug()). Registers are
// numbered as gdb numbers them in the target description the CPU serves.
//
// Threads: every call but the stop handler is made on the main thread under
// the big lock; calls that touch a CPU's state stop the vCPU thread for their
// duration if the VM is running. The stop handler runs on the vCPU thread,
// after it has stopped every CPU at an instruction boundary.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mq {

// gdb's Z/z types 0..4.
enum class DebugPointType : uint8_t { Software, Hardware, WatchWrite, WatchRead, WatchAccess };

// What a CPU does when the VM next runs.
enum class DebugResume : uint8_t {
    Continue,
    Step, // one instruction, interrupts held off (QEMU's SSTEP_NOIRQ | SSTEP_NOTIMER)
    Stay, // stays stopped
};

struct DebugStop {
    enum class Reason : uint8_t { Breakpoint, Step, Watchpoint };
    Reason reason = Reason::Breakpoint;
    int cpu = 0;
    DebugPointType watch_type = DebugPointType::WatchWrite;
    uint64_t watch_addr = 0; // the watchpoint's address, as it was inserted
};

class CpuDebug {
public:
    virtual ~CpuDebug() = default;

    virtual int cpu_count() const = 0;
    // In WFI (qThreadExtraInfo says "halted").
    virtual bool cpu_halted(int cpu) const = 0;

    // The target description: "target.xml" and the files it includes.
    virtual std::optional<std::string_view> feature_xml(std::string_view annex) const = 0;
    // How many registers `g` carries (gdb numbers 0..n-1).
    virtual int g_register_count() const = 0;
    // A register's bytes in target order; empty when there is no such register.
    virtual std::vector<uint8_t> read_register(int cpu, int regno) = 0;
    // False when there is no such register.
    virtual bool write_register(int cpu, int regno, std::span<const uint8_t> bytes) = 0;

    // Memory at virtual addresses, through `cpu`'s current translation. False
    // when part of it is not mapped (nothing is then written).
    virtual bool read_memory(int cpu, uint64_t addr, std::span<uint8_t> out) = 0;
    virtual bool write_memory(int cpu, uint64_t addr, std::span<const uint8_t> bytes) = 0;

    // Breakpoints and watchpoints apply to every CPU. Removing one that was
    // never inserted fails.
    virtual bool insert_point(DebugPointType type, uint64_t addr, uint64_t len) = 0;
    virtual bool remove_point(DebugPointType type, uint64_t addr, uint64_t len) = 0;
    virtual void remove_all_points() = 0;

    // What each CPU does at the next vm_start(); one entry per CPU.
    virtual void set_resume(std::span<const DebugResume> actions) = 0;
    // Called on the vCPU thread when a CPU stopped for the debugger (a
    // breakpoint, a finished step, a watchpoint): every CPU is stopped, the
    // run state still says running until someone calls vm_stop().
    virtual void set_stop_handler(std::function<void(const DebugStop&)> handler) = 0;
};

} // namespace mq
