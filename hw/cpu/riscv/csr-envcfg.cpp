// The environment-configuration CSRs, menvcfg and senvcfg, with the fields
// of the extensions this hart has; and Sstc's stimecmp, with the timer that
// raises STIP when `time` reaches it (privileged spec, "Machine Environment
// Configuration Register", "Sstc"; QEMU: target/riscv/csr.c and
// time_helper.c).
//
// These rows replace csr.cpp's base menvcfg and senvcfg, which know FIOM only.
//
// Threads: stimecmp is written on the vCPU thread, the timer fires under the
// big lock (on the vCPU thread between slices, or on the main thread while
// the VM is stopped). STIP travels through the hart's atomic mip_hw, as a
// device's interrupt line would.
#include "core/main-loop.h"
#include "core/timer.h"
#include "hw/cpu/riscv/csr.h"

namespace mq::riscv {

namespace {

constexpr uint64_t CBIE_RESERVED = 2ull << 4;

// FIOM, and the cache-block controls where Zicbom/Zicboz exist.
uint64_t envcfg_cbo_fields(const Hart& h) {
    uint64_t mask = ENVCFG_FIOM;
    if (h.isa.has(Ext::Zicbom)) mask |= ENVCFG_CBIE | ENVCFG_CBCFE;
    if (h.isa.has(Ext::Zicboz)) mask |= ENVCFG_CBZE;
    return mask;
}

// The fields in `mask` take `v`, except a reserved CBIE (10), which leaves
// the field as it was (WARL).
uint64_t envcfg_merge(uint64_t old, uint64_t v, uint64_t mask) {
    if ((v & ENVCFG_CBIE) == CBIE_RESERVED) v = (v & ~ENVCFG_CBIE) | (old & ENVCFG_CBIE);
    return (old & ~mask) | (v & mask);
}

void menvcfg_write(Hart& h, uint64_t v) {
    uint64_t mask = envcfg_cbo_fields(h);
    if (h.isa.has(Ext::Svpbmt)) mask |= MENVCFG_PBMTE;
    if (h.isa.has(Ext::Sstc)) mask |= MENVCFG_STCE;
    uint64_t old = h.menvcfg;
    h.menvcfg = envcfg_merge(old, v, mask);
    uint64_t changed = old ^ h.menvcfg;
    if (changed & MENVCFG_PBMTE) tlb_flush(h); // PTEs with PBMT bits change meaning
    if (changed & MENVCFG_STCE) {
        sstc_update(h); // STIP now follows stimecmp, or software again
        h.irq_check.store(true, std::memory_order_relaxed);
    }
}

void senvcfg_write(Hart& h, uint64_t v) {
    h.senvcfg = envcfg_merge(h.senvcfg, v, envcfg_cbo_fields(h));
}

// M always; S when M lets it see time (mcounteren.TM) and enabled Sstc
// (menvcfg.STCE). Without a platform timer there is no stimecmp at all.
bool stimecmp_allowed(const Hart& h) {
    if (!h.rdtime) return false;
    if (h.priv == PRV_M) return true;
    return (h.mcounteren & 2) && (h.menvcfg & MENVCFG_STCE);
}

void stimecmp_write(Hart& h, uint64_t v) {
    h.stimecmp = v;
    sstc_update(h);
}

// Compares time with stimecmp (under the big lock): raises STIP, or lowers
// it and sets the timer for the moment time gets there.
void sstc_evaluate(Hart& h) {
    if (!(h.menvcfg & MENVCFG_STCE) || !h.rdtime) {
        if (h.stimer) h.stimer->del();
        hart_set_irq(h, IRQ_S_TIMER, false);
        return;
    }
    uint64_t now = h.rdtime();
    if (h.stimecmp <= now) {
        if (h.stimer) h.stimer->del();
        hart_set_irq(h, IRQ_S_TIMER, true);
        return;
    }
    hart_set_irq(h, IRQ_S_TIMER, false);
    if (!h.timebase_freq) return; // no clock rate: only a write re-evaluates
    // Round up, so that time has reached stimecmp when the timer fires.
    unsigned __int128 ns =
        (static_cast<unsigned __int128>(h.stimecmp - now) * NANOSECONDS_PER_SECOND +
         h.timebase_freq - 1) /
        h.timebase_freq;
    int64_t vnow = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    if (ns > static_cast<unsigned __int128>(INT64_MAX - vnow)) {
        if (h.stimer) h.stimer->del(); // beyond the clock's range: never
        return;
    }
    if (!h.stimer) h.stimer = std::make_unique<QEMUTimer>(SCALE_NS, [&h] { sstc_evaluate(h); });
    h.stimer->mod_ns(vnow + static_cast<int64_t>(ns));
}

// clang-format off
const CsrDef kEnvcfgCsrs[] = {
    {0x10a, "senvcfg",  [](Hart& h) { return h.senvcfg; }, senvcfg_write},
    {0x30a, "menvcfg",  [](Hart& h) -> uint64_t { return h.menvcfg; }, menvcfg_write},
    {0x14d, "stimecmp", [](Hart& h) -> uint64_t { return h.stimecmp; }, stimecmp_write, stimecmp_allowed,
                        nullptr, ext_bit(Ext::Sstc)},
};
// clang-format on

} // namespace

std::span<const CsrDef> csr_table_envcfg() { return kEnvcfgCsrs; }

void sstc_update(Hart& h) {
    if (bql_locked()) {
        sstc_evaluate(h);
    } else {
        BqlGuard bql;
        sstc_evaluate(h);
    }
}

} // namespace mq::riscv
