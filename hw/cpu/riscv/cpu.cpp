// The hart as a QOM device ("rv64-riscv-cpu"), the hart array that boards
// instantiate ("riscv.hart_array"), and the vCPU threads that run them.
//
// With -accel tcg,thread=multi (the default with more than one hart) each
// hart has a host thread of its own, as QEMU's MTTCG; with thread=single or
// -icount one thread runs them all round-robin, a slice of instructions
// each. Either way a vCPU thread fires the virtual timers that are due
// between slices (under the big lock), and sleeps when its harts all wait
// in WFI, until an interrupt line changes or the next timer deadline; with
// -icount, virtual time jumps to that deadline instead, so runs repeat
// exactly. Interrupt lines from devices set bits in a hart's mip and kick
// the threads. Stopping the VM parks every thread at a block boundary; a
// debugger's stop on one hart parks all of them (all-stop) before gdb hears
// of it.
#include "hw/cpu/riscv/riscv-cpu.h"

#include "hw/cpu/riscv/gdb-target.h"

#include "core/cpus.h"
#include "core/log.h"
#include "core/machine.h"
#include "core/main-loop.h"
#include "core/module.h"
#include "core/qdev/sysbus.h"
#include "core/timer.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <condition_variable>
#include <list>
#include <thread>

namespace mq {

namespace {

using riscv::Hart;

class RiscvCpuRunner final : public CpuRunner {
public:
    void add(Hart* h) { m_harts.push_back(h); }

    void resume() override {
        {
            std::lock_guard g(m_lock);
            m_run = true;
            m_stop_slice = false;
            if (m_threads.empty()) start_threads();
            notify_all_locked();
        }
    }

    void pause() override {
        std::unique_lock g(m_lock);
        if (m_threads.empty()) return;
        m_run = false;
        m_stop_slice = true;
        notify_all_locked();
        m_cv.wait(g, [&] { return m_parked == m_threads.size() || m_exit; });
    }

    void shutdown() override {
        {
            std::lock_guard g(m_lock);
            m_exit = true;
            m_stop_slice = true;
            notify_all_locked();
        }
        auto join_all = [&] {
            for (VcpuThread& t : m_threads) {
                if (t.thread.joinable()) t.thread.join();
            }
        };
        if (bql_locked()) {
            BqlUnlockGuard unlocked;
            join_all();
        } else {
            join_all();
        }
    }

    void reset() override {
        for (Hart* h : m_harts)
            riscv::hart_reset(*h);
    }

    void kick() override {
        std::lock_guard g(m_lock);
        for (VcpuThread& t : m_threads) {
            t.kicked = true;
            t.idle_cv.notify_one();
        }
    }

    // Something changed for `h` alone (an interrupt line): wake only the
    // thread that runs it. Waking every idle thread for every IPI keeps a
    // 2-core host busy with threads that look and go back to sleep.
    void kick(const Hart* h) {
        std::lock_guard g(m_lock);
        for (VcpuThread& t : m_threads) {
            for (size_t i : t.harts) {
                if (m_harts[i] != h) continue;
                t.kicked = true;
                t.idle_cv.notify_one();
                return;
            }
        }
    }

    CpuDebug* debug() override { return &m_debug; }

    int cpu_count() const override { return static_cast<int>(m_harts.size()); }
    std::string dump_registers(int cpu_index) override {
        return riscv::hart_dump_registers(*m_harts.at(static_cast<size_t>(cpu_index)));
    }

    // The host thread id of the thread that runs hart `cpu_index` (the
    // process id before the threads start).
    int thread_id(size_t cpu_index) const {
        std::lock_guard g(m_lock);
        for (const VcpuThread& t : m_threads) {
            for (size_t i : t.harts) {
                if (i == cpu_index)
                    return t.tid.load() ? t.tid.load() : static_cast<int>(::getpid());
            }
        }
        return static_cast<int>(::getpid());
    }

private:
    static constexpr uint64_t kSlice = 20000;

    // One host thread and the harts it runs (their indexes in m_harts).
    struct VcpuThread {
        std::vector<size_t> harts;
        std::thread thread;
        std::atomic<int> tid{0};
        bool kicked = false;             // under m_lock: something changed, idle() looks again
        std::condition_variable idle_cv; // idle() waits here, with m_lock
    };

    // Under m_lock, before the first resume: one thread for all harts, or
    // one each.
    void start_threads() {
        const bool parallel = tcg_threads() == TcgThreads::Multi && m_harts.size() > 1;
        riscv::g_harts_parallel = parallel;
        if (parallel) {
            for (size_t i = 0; i < m_harts.size(); i++)
                m_threads.emplace_back().harts = {i};
        } else {
            VcpuThread& t = m_threads.emplace_back();
            for (size_t i = 0; i < m_harts.size(); i++)
                t.harts.push_back(i);
        }
        for (VcpuThread& t : m_threads)
            t.thread = std::thread([this, &t] { loop(t); });
    }

    // How many instructions the next slice may run: in icount mode, no
    // further than the next timer deadline, so that timers fire on time.
    uint64_t budget() const {
        if (virtual_clock_mode() != VirtualClockMode::Icount) return kSlice;
        int64_t deadline = virtual_clock_deadline_ns();
        if (deadline < 0) return kSlice;
        int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
        if (deadline <= now) return 1;
        uint64_t insns = static_cast<uint64_t>(deadline - now) >> icount_shift();
        return std::clamp<uint64_t>(insns, 1, kSlice);
    }

    // Stops the threads for a debugger's call, if they run; true if they did.
    bool pause_if_running() {
        {
            std::lock_guard g(m_lock);
            if (m_threads.empty() || (!m_run && m_parked == m_threads.size())) return false;
        }
        if (bql_locked()) {
            BqlUnlockGuard unlocked;
            pause();
        } else {
            pause();
        }
        return true;
    }

    bool all_halted(const VcpuThread& t) const {
        for (size_t i : t.harts) {
            const Hart* h = m_harts[i];
            if (h->dbg.frozen) continue; // a debugger holds it
            if (!h->halted || riscv::hart_has_work(*h)) return false;
        }
        return true;
    }

    void fire_timers() {
        int64_t deadline = virtual_clock_deadline_ns();
        if (deadline >= 0 && deadline <= qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL)) {
            BqlGuard bql;
            virtual_clock_run_timers();
        }
    }

    // Every hart of `t` is in WFI: wait for an interrupt or the next timer.
    void idle(VcpuThread& t) {
        int64_t deadline = virtual_clock_deadline_ns();
        if (virtual_clock_mode() == VirtualClockMode::Icount && deadline >= 0) {
            // Deterministic: time jumps straight to the deadline.
            int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
            if (deadline > now)
                icount_add((deadline - now + (1 << icount_shift()) - 1) >> icount_shift());
            return;
        }
        std::unique_lock g(m_lock);
        auto woken = [&] { return t.kicked || m_stop_slice || !all_halted(t); };
        if (deadline >= 0 && virtual_clock_mode() == VirtualClockMode::Realtime) {
            int64_t wait = deadline - qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
            if (wait > 0) t.idle_cv.wait_for(g, std::chrono::nanoseconds(wait), woken);
        } else {
            t.idle_cv.wait_for(g, std::chrono::milliseconds(100), woken);
        }
        t.kicked = false;
    }

    // Hart `cpu` stopped for the debugger: park every other thread, then
    // tell the debugger. If another thread is already doing so, this one's
    // stop stays pending in its hart and is reported after the next resume.
    void debug_all_stop(int cpu) {
        {
            std::unique_lock g(m_lock);
            if (m_debug_stopping) return;
            m_debug_stopping = true;
            m_run = false;
            m_stop_slice = true;
            notify_all_locked();
            m_cv.wait(g, [&] { return m_parked + 1 == m_threads.size() || m_exit; });
        }
        DebugStop stop = m_debug.take_stop(cpu);
        {
            std::lock_guard g(m_lock);
            m_debug_stopping = false;
        }
        m_debug.report_stop(stop);
    }

    // A hart of `t` with a debugger stop not yet reported, or -1.
    int pending_debug_stop(const VcpuThread& t) const {
        for (size_t i : t.harts) {
            const Hart* h = m_harts[i];
            if (!h->dbg.frozen && h->dbg.stop != riscv::DebugStopKind::None)
                return static_cast<int>(i);
        }
        return -1;
    }

    void loop(VcpuThread& t) {
        t.tid.store(static_cast<int>(::syscall(SYS_gettid)));
        for (;;) {
            {
                std::unique_lock g(m_lock);
                if (!m_run) {
                    m_parked++;
                    notify_all_locked();
                    m_cv.wait(g, [&] { return m_run || m_exit; });
                    m_parked--;
                }
                if (m_exit) return;
            }
            int debug_stop = pending_debug_stop(t);
            for (size_t k = 0; k < t.harts.size() && debug_stop < 0; k++) {
                Hart* h = m_harts[t.harts[k]];
                if (h->dbg.frozen) continue;
                uint64_t ran = riscv::hart_run(*h, budget(), m_stop_slice);
                if (virtual_clock_mode() == VirtualClockMode::Icount)
                    icount_add(static_cast<int64_t>(ran));
                if (h->dbg.stop != riscv::DebugStopKind::None)
                    debug_stop = static_cast<int>(t.harts[k]);
            }
            if (debug_stop >= 0) {
                debug_all_stop(debug_stop); // then parks at the top
                continue;
            }
            fire_timers();
            if (all_halted(t) && !m_stop_slice) idle(t);
        }
    }

    std::vector<Hart*> m_harts;
    riscv::GdbTarget m_debug{m_harts,
                             {[this] { return pause_if_running(); }, [this] { resume(); }}};
    std::list<VcpuThread> m_threads; // a list: each thread holds a reference to its entry
    mutable std::mutex m_lock;
    std::condition_variable m_cv;
    // Wakes everyone who waits on a state change: the parked threads and
    // the idle ones.
    void notify_all_locked() {
        m_cv.notify_all();
        for (VcpuThread& t : m_threads)
            t.idle_cv.notify_all();
    }
    std::atomic<bool> m_stop_slice{false};
    // Under m_lock: whether the threads should run, how many are parked.
    bool m_run = false;
    size_t m_parked = 0;
    bool m_exit = false;
    bool m_debug_stopping = false;
};

RiscvCpuRunner& runner() {
    static RiscvCpuRunner* r = [] {
        auto owned = std::make_unique<RiscvCpuRunner>();
        RiscvCpuRunner* raw = owned.get();
        cpus_register(std::move(owned));
        qemu_register_reset([raw] { raw->reset(); });
        virtual_clock_set_notifier([raw] { raw->kick(); });
        return raw;
    }();
    return *r;
}

std::vector<RISCVCPU*>& cpus_list() {
    static std::vector<RISCVCPU*> v;
    return v;
}

// --- the CPU device ---

Status riscv_cpu_realize(DeviceState& dev) {
    auto& cpu = static_cast<RISCVCPU&>(dev);
    Hart& h = cpu.hart;
    if (h.isa.has(riscv::Ext::Zfh))
        h.isa.exts |= riscv::ext_bit(riscv::Ext::Zfhmin); // as QEMU: Zfh includes Zfhmin
    if (auto st = riscv::isa_validate(h.isa); !st) return st;
    qemu_log_mask(LOG_CPU, "cpu: hart {}: misa 0x{:016x} {}", h.hartid, riscv::isa_misa(h.isa.exts),
                  riscv::isa_string(h.isa.exts));
    h.as = address_space_memory();
    // Local interrupt lines 0..15, numbered as the mip bits.
    qdev_init_gpio_in(
        &cpu,
        [&cpu](int irq, int level) {
            // Only a line that went up can wake the hart's thread.
            if (riscv::hart_set_irq(cpu.hart, static_cast<unsigned>(irq), level != 0))
                runner().kick(&cpu.hart);
        },
        16);
    // A change of the memory map (a BAR moved) voids the TLB: at once when
    // the change comes from this hart itself (a guest config write), else
    // before its next block.
    h.as->add_listener([&h] {
        if (riscv::current_hart() == &h) {
            riscv::tlb_flush(h);
        } else {
            h.tlb_flush_request.store(true);
        }
    });
    runner().add(&h);
    cpus_list().push_back(&cpu);
    riscv::hart_reset(h);
    return {};
}

void riscv_cpu_class_init(ObjectClass& klass) {
    auto& dc = class_cast<DeviceClass>(klass);
    dc.realize = riscv_cpu_realize;
    dc.user_creatable = false;
    device_class_set_category(dc, DEVICE_CATEGORY_CPU);
    dc.desc = "RISC-V RV64 hart (the RVA22 profile by default)";
    device_class_set_props(dc, riscv_cpu_isa_properties());
}

// --- the hart array: the board's cluster of harts ---

Status hart_array_realize(DeviceState& dev) {
    auto& s = static_cast<RISCVHartArrayState&>(dev);
    for (uint32_t i = 0; i < s.num_harts; i++) {
        auto cpu = object_new_as<RISCVCPU>(s.cpu_type);
        if (!cpu) return cpu.take_error();
        (*cpu)->hart.hartid = s.hartid_base + i;
        (*cpu)->hart.resetvec = s.resetvec;
        object_property_add_child(&s, fmt::format("harts[{}]", i), cpu->get());
        if (auto st = qdev_realize(cpu->get(), nullptr); !st) return st;
        s.harts.push_back(cpu->get());
    }
    return {};
}

void hart_array_class_init(ObjectClass& klass) {
    auto& dc = class_cast<DeviceClass>(klass);
    dc.realize = hart_array_realize;
    dc.user_creatable = false;
    using S = RISCVHartArrayState;
    device_class_set_props(dc, {qdev_prop("num-harts", &S::num_harts, 1u),
                                qdev_prop("hartid-base", &S::hartid_base, 0u),
                                qdev_prop("resetvec", &S::resetvec, uint64_t{0x1000}),
                                qdev_prop_string("cpu-type", &S::cpu_type)});
}

void register_riscv_cpu_types() {
    type_register_static(TypeInfo{
        .name = TYPE_RISCV_CPU_BASE64,
        .parent = TYPE_DEVICE,
        .instance_new = new_instance<RISCVCPU>,
        .class_init = riscv_cpu_class_init,
    });
    // max: every extension miniqemu implements.
    type_register_static(TypeInfo{
        .name = TYPE_RISCV_CPU_MAX,
        .parent = TYPE_RISCV_CPU_BASE64,
        .instance_init =
            [](Object& o) { static_cast<RISCVCPU&>(o).hart.isa.exts = riscv::isa_max_exts(); },
    });
    cpu_model_register({"rv64", TYPE_RISCV_CPU_BASE64});
    cpu_model_register({"max", TYPE_RISCV_CPU_MAX});
    type_register_static(TypeInfo{
        .name = TYPE_RISCV_HART_ARRAY,
        .parent = TYPE_DEVICE,
        .instance_new = new_instance<RISCVHartArrayState>,
        .class_init = hart_array_class_init,
    });
}

} // namespace

const std::vector<RISCVCPU*>& riscv_cpus() { return cpus_list(); }

int riscv_vcpu_thread_id(size_t cpu_index) { return runner().thread_id(cpu_index); }

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_riscv_cpu_types);
