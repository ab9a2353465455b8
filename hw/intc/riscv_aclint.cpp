#include "hw/intc/riscv_aclint.h"

#include "core/log.h"
#include "core/module.h"

namespace mq {

namespace {

uint64_t muldiv64(uint64_t a, uint64_t b, uint64_t c) {
    return static_cast<uint64_t>(static_cast<unsigned __int128>(a) * b / c);
}

// --- SWI: machine software interrupts ---

uint64_t swi_read(RISCVAclintSwiState& s, hwaddr addr) {
    if (addr < s.num_harts * 4u && (addr & 3) == 0) return s.msip[addr >> 2];
    qemu_log_mask(LOG_UNIMP, "aclint-swi: invalid read: {:08x}", addr);
    return 0;
}

void swi_write(RISCVAclintSwiState& s, hwaddr addr, uint64_t value) {
    if (addr < s.num_harts * 4u && (addr & 3) == 0) {
        uint32_t h = static_cast<uint32_t>(addr >> 2);
        s.msip[h] = value & 1;
        qemu_set_irq(s.soft_irqs[h], s.msip[h]);
        return;
    }
    qemu_log_mask(LOG_UNIMP, "aclint-swi: invalid write: {:08x}", addr);
}

Status swi_realize(DeviceState& dev) {
    auto& s = static_cast<RISCVAclintSwiState&>(dev);
    s.msip.assign(s.num_harts, 0);
    s.soft_irqs.assign(s.num_harts, QemuIrq());
    MemoryRegionOps ops;
    ops.read = [&s](hwaddr a, unsigned) { return swi_read(s, a); };
    ops.write = [&s](hwaddr a, uint64_t v, unsigned) { swi_write(s, a, v); };
    ops.valid.min_access_size = 4;
    ops.valid.max_access_size = 4;
    memory_region_init_io(&s.mmio, &s, std::move(ops), TYPE_RISCV_ACLINT_SWI,
                          RISCV_ACLINT_SWI_SIZE);
    sysbus_init_mmio(&s, &s.mmio);
    qdev_init_gpio_out(&s, s.soft_irqs.data(), static_cast<int>(s.num_harts));
    return {};
}

void swi_reset(DeviceState& dev) {
    auto& s = static_cast<RISCVAclintSwiState&>(dev);
    for (uint32_t h = 0; h < s.num_harts; h++) {
        s.msip[h] = 0;
        qemu_irq_lower(s.soft_irqs[h]);
    }
}

// --- MTIMER: mtime and mtimecmp ---

// Compares mtimecmp[h] with mtime now: raises MTIP, or lowers it and sets a
// timer for the moment mtime gets there.
void mtimer_update(RISCVAclintMTimerState& s, uint32_t h) {
    uint64_t now = riscv_aclint_mtimer_read_mtime(s);
    if (s.timecmp[h] <= now) {
        s.timers[h]->del();
        qemu_irq_raise(s.timer_irqs[h]);
        return;
    }
    qemu_irq_lower(s.timer_irqs[h]);
    uint64_t ticks = s.timecmp[h] - now;
    // Round up, so that mtime has reached mtimecmp when the timer fires.
    unsigned __int128 ns =
        (static_cast<unsigned __int128>(ticks) * NANOSECONDS_PER_SECOND + s.timebase_freq - 1) /
        s.timebase_freq;
    int64_t vnow = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    // QEMU clamps a deadline past the virtual clock's range to INT64_MAX,
    // which the clock never reaches. Here it is no timer at all, so that
    // nothing (icount's jump to the next deadline, the idle wait) computes
    // with the end of time.
    if (ns > static_cast<unsigned __int128>(INT64_MAX - vnow)) {
        s.timers[h]->del();
        return;
    }
    s.timers[h]->mod_ns(vnow + static_cast<int64_t>(ns));
}

uint64_t mtimer_read(RISCVAclintMTimerState& s, hwaddr addr, unsigned size) {
    if (addr >= s.timecmp_base && addr < s.timecmp_base + s.num_harts * 8ull) {
        uint32_t h = static_cast<uint32_t>((addr - s.timecmp_base) >> 3);
        uint64_t cmp = s.timecmp[h];
        if ((addr & 7) == 0) return size == 4 ? (cmp & 0xffffffff) : cmp;
        if ((addr & 7) == 4 && size == 4) return cmp >> 32;
    } else if (addr == s.time_base) {
        uint64_t t = riscv_aclint_mtimer_read_mtime(s);
        return size == 4 ? (t & 0xffffffff) : t;
    } else if (addr == s.time_base + 4 && size == 4) {
        return riscv_aclint_mtimer_read_mtime(s) >> 32;
    }
    qemu_log_mask(LOG_UNIMP, "aclint-mtimer: invalid read: {:08x}", addr);
    return 0;
}

void mtimer_write(RISCVAclintMTimerState& s, hwaddr addr, uint64_t value, unsigned size) {
    if (addr >= s.timecmp_base && addr < s.timecmp_base + s.num_harts * 8ull) {
        uint32_t h = static_cast<uint32_t>((addr - s.timecmp_base) >> 3);
        uint64_t& cmp = s.timecmp[h];
        if ((addr & 7) == 0) {
            cmp = size == 4 ? ((cmp & ~0xffffffffull) | (value & 0xffffffff)) : value;
        } else if ((addr & 7) == 4 && size == 4) {
            cmp = (cmp & 0xffffffff) | (value << 32);
        } else {
            qemu_log_mask(LOG_UNIMP, "aclint-mtimer: invalid timecmp write: {:08x}", addr);
            return;
        }
        mtimer_update(s, h);
        return;
    }
    if (addr == s.time_base || (addr == s.time_base + 4 && size == 4)) {
        uint64_t now = riscv_aclint_mtimer_read_mtime(s);
        uint64_t target =
            addr == s.time_base
                ? (size == 4 ? ((now & ~0xffffffffull) | (value & 0xffffffff)) : value)
                : ((now & 0xffffffff) | (value << 32));
        s.time_delta += target - now;
        for (uint32_t h = 0; h < s.num_harts; h++)
            mtimer_update(s, h);
        for (const auto& notify : s.time_written)
            notify();
        return;
    }
    qemu_log_mask(LOG_UNIMP, "aclint-mtimer: invalid write: {:08x}", addr);
}

Status mtimer_realize(DeviceState& dev) {
    auto& s = static_cast<RISCVAclintMTimerState&>(dev);
    if (s.timebase_freq == 0) return make_error("aclint-mtimer: timebase-freq must not be 0");
    s.timecmp.assign(s.num_harts, 0);
    s.timer_irqs.assign(s.num_harts, QemuIrq());
    s.timers.clear();
    for (uint32_t h = 0; h < s.num_harts; h++) {
        s.timers.push_back(std::make_unique<QEMUTimer>(SCALE_NS, [&s, h] { mtimer_update(s, h); }));
    }
    MemoryRegionOps ops;
    ops.read = [&s](hwaddr a, unsigned size) { return mtimer_read(s, a, size); };
    ops.write = [&s](hwaddr a, uint64_t v, unsigned size) { mtimer_write(s, a, v, size); };
    ops.valid.min_access_size = 4;
    ops.valid.max_access_size = 8;
    ops.impl.min_access_size = 4;
    ops.impl.max_access_size = 8;
    memory_region_init_io(&s.mmio, &s, std::move(ops), TYPE_RISCV_ACLINT_MTIMER, s.aperture_size);
    sysbus_init_mmio(&s, &s.mmio);
    qdev_init_gpio_out(&s, s.timer_irqs.data(), static_cast<int>(s.num_harts));
    return {};
}

void mtimer_reset(DeviceState& dev) {
    auto& s = static_cast<RISCVAclintMTimerState&>(dev);
    // The ACLINT spec (and QEMU since 7.1): a reset clears mtime to zero.
    uint64_t ticks = muldiv64(static_cast<uint64_t>(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL)),
                              s.timebase_freq, NANOSECONDS_PER_SECOND);
    s.time_delta = 0 - ticks;
    // mtimecmp resets to 0, which mtime has already reached: MTIP is pending
    // from the first instruction on, as on QEMU, until the guest sets a
    // deadline.
    for (uint32_t h = 0; h < s.num_harts; h++) {
        s.timecmp[h] = 0;
        mtimer_update(s, h);
    }
}

void swi_class_init(ObjectClass& klass) {
    auto& dc = class_cast<DeviceClass>(klass);
    dc.realize = swi_realize;
    dc.reset = swi_reset;
    using S = RISCVAclintSwiState;
    device_class_set_props(dc, {qdev_prop("hartid-base", &S::hartid_base, 0u),
                                qdev_prop("num-harts", &S::num_harts, 1u),
                                qdev_prop("sswi", &S::sswi, 0u)});
}

void mtimer_class_init(ObjectClass& klass) {
    auto& dc = class_cast<DeviceClass>(klass);
    dc.realize = mtimer_realize;
    dc.reset = mtimer_reset;
    using S = RISCVAclintMTimerState;
    device_class_set_props(
        dc,
        {qdev_prop("hartid-base", &S::hartid_base, 0u), qdev_prop("num-harts", &S::num_harts, 1u),
         qdev_prop("timecmp-base", &S::timecmp_base, 0u),
         qdev_prop("time-base", &S::time_base, uint32_t(RISCV_ACLINT_DEFAULT_MTIME)),
         qdev_prop("aperture-size", &S::aperture_size, uint32_t(RISCV_ACLINT_DEFAULT_MTIMER_SIZE)),
         qdev_prop("timebase-freq", &S::timebase_freq, RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ)});
}

void register_aclint_types() {
    type_register_static(TypeInfo{
        .name = TYPE_RISCV_ACLINT_SWI,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_new = new_instance<RISCVAclintSwiState>,
        .class_init = swi_class_init,
    });
    type_register_static(TypeInfo{
        .name = TYPE_RISCV_ACLINT_MTIMER,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_new = new_instance<RISCVAclintMTimerState>,
        .class_init = mtimer_class_init,
    });
}

} // namespace

uint64_t riscv_aclint_mtimer_read_mtime(const RISCVAclintMTimerState& s) {
    return muldiv64(static_cast<uint64_t>(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL)), s.timebase_freq,
                    NANOSECONDS_PER_SECOND) +
           s.time_delta;
}

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_aclint_types);
