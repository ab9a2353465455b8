#include "hw/intc/sifive_plic.h"

#include "core/log.h"
#include "core/module.h"

#include <bit>

namespace mq {

namespace {

bool bit(const std::vector<uint32_t>& v, uint32_t irq) { return (v[irq >> 5] >> (irq & 31)) & 1; }
void set_bit(std::vector<uint32_t>& v, uint32_t irq, bool on) {
    uint32_t mask = 1u << (irq & 31);
    v[irq >> 5] = on ? (v[irq >> 5] | mask) : (v[irq >> 5] & ~mask);
}

// The best source context `ctx` could claim now, or 0: pending, enabled, not
// claimed, priority above the threshold; the lowest id wins a tie.
uint32_t plic_best(const SiFivePLICState& s, uint32_t ctx) {
    uint32_t best = 0;
    uint32_t best_prio = s.target_priority[ctx];
    for (uint32_t w = 0; w < s.bitfield_words; w++) {
        uint32_t candidates = s.pending[w] & ~s.claimed[w] & s.enable[ctx * s.bitfield_words + w];
        while (candidates) {
            uint32_t irq = w * 32 + std::countr_zero(candidates);
            candidates &= candidates - 1;
            if (irq < s.num_sources && s.source_priority[irq] > best_prio) {
                best = irq;
                best_prio = s.source_priority[irq];
            }
        }
    }
    return best;
}

void plic_update(SiFivePLICState& s) {
    for (uint32_t ctx = 0; ctx < s.contexts.size(); ctx++) {
        qemu_set_irq(s.context_irqs[ctx], plic_best(s, ctx) != 0);
    }
}

// A source line from a device.
void plic_irq_request(SiFivePLICState& s, int irq, int level) {
    if (irq <= 0 || static_cast<uint32_t>(irq) >= s.num_sources) return;
    set_bit(s.level, irq, level);
    if (level && !bit(s.claimed, irq)) set_bit(s.pending, irq, true);
    plic_update(s);
}

uint32_t clamp_priority(const SiFivePLICState& s, uint32_t value, uint32_t old) {
    // QEMU's rule: mask when num_priorities is 2^n-1, else refuse values above it.
    if (((s.num_priorities + 1) & s.num_priorities) == 0) return value & s.num_priorities;
    return value <= s.num_priorities ? value : old;
}

bool in_range(hwaddr addr, hwaddr base, hwaddr size) { return addr >= base && addr < base + size; }

uint64_t plic_read(SiFivePLICState& s, hwaddr addr) {
    uint32_t nctx = static_cast<uint32_t>(s.contexts.size());
    if (in_range(addr, s.priority_base, (s.num_sources - 1) * 4)) {
        return s.source_priority[((addr - s.priority_base) >> 2) + 1];
    }
    if (in_range(addr, s.pending_base, s.bitfield_words * 4)) {
        return s.pending[(addr - s.pending_base) >> 2];
    }
    if (in_range(addr, s.enable_base, nctx * s.enable_stride)) {
        uint32_t ctx = static_cast<uint32_t>((addr - s.enable_base) / s.enable_stride);
        uint32_t word = static_cast<uint32_t>((addr - s.enable_base) % s.enable_stride) >> 2;
        if (word < s.bitfield_words) return s.enable[ctx * s.bitfield_words + word];
    } else if (in_range(addr, s.context_base, nctx * s.context_stride)) {
        uint32_t ctx = static_cast<uint32_t>((addr - s.context_base) / s.context_stride);
        hwaddr reg = (addr - s.context_base) % s.context_stride;
        if (reg == 0) return s.target_priority[ctx];
        if (reg == 4) {
            uint32_t irq = plic_best(s, ctx);
            if (irq) {
                set_bit(s.pending, irq, false);
                set_bit(s.claimed, irq, true);
            }
            plic_update(s);
            return irq;
        }
    }
    qemu_log_mask(LOG_GUEST_ERROR, "sifive_plic_read: Invalid register read 0x{:x}", addr);
    return 0;
}

void plic_write(SiFivePLICState& s, hwaddr addr, uint32_t value) {
    uint32_t nctx = static_cast<uint32_t>(s.contexts.size());
    if (in_range(addr, s.priority_base, (s.num_sources - 1) * 4)) {
        uint32_t irq = static_cast<uint32_t>((addr - s.priority_base) >> 2) + 1;
        s.source_priority[irq] = clamp_priority(s, value, s.source_priority[irq]);
        plic_update(s);
        return;
    }
    if (in_range(addr, s.pending_base, s.bitfield_words * 4)) {
        qemu_log_mask(LOG_GUEST_ERROR, "sifive_plic_write: invalid pending write: 0x{:x}", addr);
        return;
    }
    if (in_range(addr, s.enable_base, nctx * s.enable_stride)) {
        uint32_t ctx = static_cast<uint32_t>((addr - s.enable_base) / s.enable_stride);
        uint32_t word = static_cast<uint32_t>((addr - s.enable_base) % s.enable_stride) >> 2;
        if (word < s.bitfield_words) {
            s.enable[ctx * s.bitfield_words + word] = value;
            plic_update(s);
            return;
        }
    } else if (in_range(addr, s.context_base, nctx * s.context_stride)) {
        uint32_t ctx = static_cast<uint32_t>((addr - s.context_base) / s.context_stride);
        hwaddr reg = (addr - s.context_base) % s.context_stride;
        if (reg == 0) {
            s.target_priority[ctx] = clamp_priority(s, value, s.target_priority[ctx]);
            plic_update(s);
            return;
        }
        if (reg == 4) {
            // Complete: the source may interrupt again; if its line is
            // still high, it is pending at once.
            if (value > 0 && value < s.num_sources && bit(s.claimed, value)) {
                set_bit(s.claimed, value, false);
                if (bit(s.level, value)) set_bit(s.pending, value, true);
                plic_update(s);
            }
            return;
        }
    }
    qemu_log_mask(LOG_GUEST_ERROR, "sifive_plic_write: Invalid register write 0x{:x}", addr);
}

Result<std::vector<SiFivePLICState::Context>> parse_hart_config(const SiFivePLICState& s) {
    std::vector<SiFivePLICState::Context> contexts;
    uint32_t hart = s.hartid_base;
    size_t start = 0;
    for (;;) {
        size_t comma = s.hart_config.find(',', start);
        std::string modes = s.hart_config.substr(start, comma - start);
        for (char m : modes) {
            if (m != 'M' && m != 'S' && m != 'U') {
                return make_error("plic: invalid hart-config mode '{}'", m);
            }
            if (m != 'U') contexts.push_back({hart, m});
        }
        hart++;
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return contexts;
}

Status plic_realize(DeviceState& dev) {
    auto& s = static_cast<SiFivePLICState&>(dev);
    if (s.num_sources < 2 || s.num_sources > 1024) {
        return make_error("plic: num-sources must be between 2 and 1024");
    }
    auto contexts = parse_hart_config(s);
    if (!contexts) return contexts.take_error();
    s.contexts = std::move(*contexts);
    s.bitfield_words = (s.num_sources + 31) / 32;
    s.source_priority.assign(s.num_sources, 0);
    s.target_priority.assign(s.contexts.size(), 0);
    s.pending.assign(s.bitfield_words, 0);
    s.claimed.assign(s.bitfield_words, 0);
    s.level.assign(s.bitfield_words, 0);
    s.enable.assign(s.contexts.size() * s.bitfield_words, 0);
    s.context_irqs.assign(s.contexts.size(), QemuIrq());

    MemoryRegionOps ops;
    ops.read = [&s](hwaddr addr, unsigned) { return plic_read(s, addr); };
    ops.write = [&s](hwaddr addr, uint64_t v, unsigned) { plic_write(s, addr, uint32_t(v)); };
    ops.valid.min_access_size = 4;
    ops.valid.max_access_size = 4;
    memory_region_init_io(&s.mmio, &s, std::move(ops), TYPE_SIFIVE_PLIC, s.aperture_size);
    sysbus_init_mmio(&s, &s.mmio);
    qdev_init_gpio_in(
        &s, [&s](int irq, int level) { plic_irq_request(s, irq, level); },
        static_cast<int>(s.num_sources));
    qdev_init_gpio_out(&s, s.context_irqs.data(), static_cast<int>(s.context_irqs.size()));
    return {};
}

void plic_reset(DeviceState& dev) {
    auto& s = static_cast<SiFivePLICState&>(dev);
    std::ranges::fill(s.source_priority, 0);
    std::ranges::fill(s.target_priority, 0);
    std::ranges::fill(s.pending, 0);
    std::ranges::fill(s.claimed, 0);
    std::ranges::fill(s.enable, 0);
    // Lines that are still high become pending again.
    s.pending = s.level;
    plic_update(s);
}

void plic_class_init(ObjectClass& klass) {
    auto& dc = class_cast<DeviceClass>(klass);
    dc.realize = plic_realize;
    dc.reset = plic_reset;
    using S = SiFivePLICState;
    device_class_set_props(dc, {
                                   qdev_prop_string("hart-config", &S::hart_config),
                                   qdev_prop("hartid-base", &S::hartid_base, 0u),
                                   qdev_prop("num-sources", &S::num_sources, 96u),
                                   qdev_prop("num-priorities", &S::num_priorities, 7u),
                                   qdev_prop("priority-base", &S::priority_base, 0x4u),
                                   qdev_prop("pending-base", &S::pending_base, 0x1000u),
                                   qdev_prop("enable-base", &S::enable_base, 0x2000u),
                                   qdev_prop("enable-stride", &S::enable_stride, 0x80u),
                                   qdev_prop("context-base", &S::context_base, 0x200000u),
                                   qdev_prop("context-stride", &S::context_stride, 0x1000u),
                                   qdev_prop("aperture-size", &S::aperture_size, 0x600000u),
                               });
}

void register_plic_type() {
    type_register_static(TypeInfo{
        .name = TYPE_SIFIVE_PLIC,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_new = new_instance<SiFivePLICState>,
        .class_init = plic_class_init,
    });
}

} // namespace

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_plic_type);
