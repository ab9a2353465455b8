// The hart's debug interface (core/cpu-debug.h) for the gdb stub.
#pragma once

#include "core/cpu-debug.h"
#include "hw/cpu/riscv/cpu.h"

#include <mutex>
#include <utility>

namespace mq::riscv {

class GdbTarget final : public CpuDebug {
public:
    // What the vCPU runner lends: stopping its thread for the length of a
    // call (pause returns whether it was running), and letting it go on.
    struct Hooks {
        std::function<bool()> pause;
        std::function<void()> resume;
    };
    GdbTarget(const std::vector<Hart*>& harts, Hooks hooks);

    int cpu_count() const override;
    bool cpu_halted(int cpu) const override;
    std::optional<std::string_view> feature_xml(std::string_view annex) const override;
    int g_register_count() const override { return 33; }
    std::vector<uint8_t> read_register(int cpu, int regno) override;
    bool write_register(int cpu, int regno, std::span<const uint8_t> bytes) override;
    bool read_memory(int cpu, uint64_t addr, std::span<uint8_t> out) override;
    bool write_memory(int cpu, uint64_t addr, std::span<const uint8_t> bytes) override;
    bool insert_point(DebugPointType type, uint64_t addr, uint64_t len) override;
    bool remove_point(DebugPointType type, uint64_t addr, uint64_t len) override;
    void remove_all_points() override;
    void set_resume(std::span<const DebugResume> actions) override;
    void set_stop_handler(std::function<void(const DebugStop&)> handler) override;

    // The runner, on the vCPU thread: hart `cpu` stopped for the debugger
    // (its dbg.stop says why). take_stop before the thread pauses, then
    // report_stop once it has.
    DebugStop take_stop(int cpu);
    void report_stop(const DebugStop& stop);

private:
    class Paused;
    bool access_memory(int cpu, uint64_t addr, uint8_t* buf, size_t len, bool write);
    void points_changed();

    const std::vector<Hart*>& m_harts;
    Hooks m_hooks;
    std::vector<std::pair<std::string, std::string>> m_xml;
    std::mutex m_handler_lock;
    std::function<void(const DebugStop&)> m_handler;
};

} // namespace mq::riscv
