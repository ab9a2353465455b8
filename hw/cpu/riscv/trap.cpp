// Traps: exceptions and interrupts, delegation to S-mode, and MRET/SRET
// (the privileged spec, "Machine-Level ISA" and "Supervisor-Level ISA").
#include "core/log.h"
#include "hw/cpu/riscv/cpu.h"

namespace mq::riscv {

namespace {

const char* cause_name(uint64_t cause, bool interrupt) {
    if (interrupt) {
        switch (cause) {
        case IRQ_S_SOFT: return "supervisor software interrupt";
        case IRQ_M_SOFT: return "machine software interrupt";
        case IRQ_S_TIMER: return "supervisor timer interrupt";
        case IRQ_M_TIMER: return "machine timer interrupt";
        case IRQ_S_EXT: return "supervisor external interrupt";
        case IRQ_M_EXT: return "machine external interrupt";
        case IRQ_LCOF: return "local counter overflow interrupt";
        default: return "interrupt";
        }
    }
    static constexpr const char* names[] = {"instruction address misaligned",
                                            "instruction access fault",
                                            "illegal instruction",
                                            "breakpoint",
                                            "load address misaligned",
                                            "load access fault",
                                            "store/AMO address misaligned",
                                            "store/AMO access fault",
                                            "environment call from U-mode",
                                            "environment call from S-mode",
                                            "reserved",
                                            "environment call from M-mode",
                                            "instruction page fault",
                                            "load page fault",
                                            "reserved",
                                            "store/AMO page fault"};
    return cause < std::size(names) ? names[cause] : "reserved";
}

char priv_char(PrivLevel p) { return p == PRV_M ? 'M' : p == PRV_S ? 'S' : 'U'; }

uint64_t set_field(uint64_t reg, uint64_t mask, uint64_t value) {
    return (reg & ~mask) | ((value * (mask & ~(mask << 1))) & mask);
}

uint64_t get_field(uint64_t reg, uint64_t mask) { return (reg & mask) / (mask & ~(mask << 1)); }

} // namespace

void hart_take_trap(Hart& h, uint64_t cause, uint64_t tval, bool interrupt) {
    PrivLevel from = h.priv;
    uint64_t deleg = interrupt ? h.mideleg : h.medeleg;
    bool to_s = from <= PRV_S && ((deleg >> cause) & 1);
    uint64_t mcause = cause | (interrupt ? (1ull << 63) : 0);
    uint64_t epc = h.pc;
    h.reservation = ~0ull; // a trap breaks an LR/SC sequence
    if (to_s) {
        h.scause = mcause;
        h.sepc = epc;
        h.stval = tval;
        h.mstatus = set_field(h.mstatus, MSTATUS_SPIE, get_field(h.mstatus, MSTATUS_SIE));
        h.mstatus = set_field(h.mstatus, MSTATUS_SIE, 0);
        h.mstatus = set_field(h.mstatus, MSTATUS_SPP, from);
        h.priv = PRV_S;
        uint64_t base = h.stvec & ~3ull;
        h.pc = (interrupt && (h.stvec & 3) == 1) ? base + 4 * cause : base;
    } else {
        h.mcause = mcause;
        h.mepc = epc;
        h.mtval = tval;
        h.mstatus = set_field(h.mstatus, MSTATUS_MPIE, get_field(h.mstatus, MSTATUS_MIE));
        h.mstatus = set_field(h.mstatus, MSTATUS_MIE, 0);
        h.mstatus = set_field(h.mstatus, MSTATUS_MPP, from);
        h.priv = PRV_M;
        uint64_t base = h.mtvec & ~3ull;
        h.pc = (interrupt && (h.mtvec & 3) == 1) ? base + 4 * cause : base;
    }
    hart_update_data_priv(h);
    h.irq_check.store(true, std::memory_order_relaxed);
    qemu_log_mask(LOG_INT,
                  "riscv_cpu_do_interrupt: hart:{}, async:{}, cause:{:016x}, epc:0x{:016x}, "
                  "tval:0x{:016x}, desc={}, {}->{}",
                  h.hartid, interrupt ? 1 : 0, cause, epc, tval, cause_name(cause, interrupt),
                  priv_char(from), priv_char(h.priv));
}

// Interrupt priority: MEI, MSI, MTI, SEI, SSI, STI, LCOFI.
int hart_pending_interrupt(const Hart& h) {
    uint64_t pending = h.mip() & h.mie;
    if (!pending) return -1;
    bool m_enabled = h.priv < PRV_M || (h.mstatus & MSTATUS_MIE);
    bool s_enabled = h.priv < PRV_S || (h.priv == PRV_S && (h.mstatus & MSTATUS_SIE));
    uint64_t m_pending = pending & ~h.mideleg & (m_enabled ? ~0ull : 0);
    // Interrupts delegated to S-mode are never taken in M-mode.
    uint64_t s_pending = pending & h.mideleg & (s_enabled && h.priv <= PRV_S ? ~0ull : 0);
    static constexpr int order[] = {IRQ_M_EXT,  IRQ_M_SOFT,  IRQ_M_TIMER, IRQ_S_EXT,
                                    IRQ_S_SOFT, IRQ_S_TIMER, IRQ_LCOF};
    for (uint64_t set : {m_pending, s_pending}) {
        for (int irq : order) {
            if (set & (1ull << irq)) return irq;
        }
    }
    return -1;
}

bool hart_has_work(const Hart& h) { return (h.mip() & h.mie) != 0; }

uint64_t hart_mret(Hart& h) {
    auto mpp = static_cast<PrivLevel>(get_field(h.mstatus, MSTATUS_MPP));
    h.mstatus = set_field(h.mstatus, MSTATUS_MIE, get_field(h.mstatus, MSTATUS_MPIE));
    h.mstatus = set_field(h.mstatus, MSTATUS_MPIE, 1);
    h.mstatus = set_field(h.mstatus, MSTATUS_MPP, PRV_U);
    if (mpp != PRV_M) h.mstatus &= ~MSTATUS_MPRV;
    h.priv = mpp;
    hart_update_data_priv(h);
    h.irq_check.store(true, std::memory_order_relaxed);
    qemu_log_mask(LOG_INT, "mret: hart:{} M->{} pc:0x{:016x}", h.hartid, priv_char(mpp), h.mepc);
    return epc_read(h, h.mepc);
}

uint64_t hart_sret(Hart& h) {
    auto spp = static_cast<PrivLevel>(get_field(h.mstatus, MSTATUS_SPP));
    h.mstatus = set_field(h.mstatus, MSTATUS_SIE, get_field(h.mstatus, MSTATUS_SPIE));
    h.mstatus = set_field(h.mstatus, MSTATUS_SPIE, 1);
    h.mstatus = set_field(h.mstatus, MSTATUS_SPP, PRV_U);
    h.mstatus &= ~MSTATUS_MPRV;
    PrivLevel from = h.priv;
    h.priv = spp;
    hart_update_data_priv(h);
    h.irq_check.store(true, std::memory_order_relaxed);
    qemu_log_mask(LOG_INT, "sret: hart:{} {}->{} pc:0x{:016x}", h.hartid, priv_char(from),
                  priv_char(spp), h.sepc);
    return epc_read(h, h.sepc);
}

bool hart_set_irq(Hart& h, unsigned irq, bool level) {
    const uint64_t bit = 1ull << irq;
    if (!level) {
        h.mip_hw.fetch_and(~bit, std::memory_order_release);
        return false;
    }
    if (h.mip_hw.fetch_or(bit, std::memory_order_release) & bit) return false; // it was up
    h.irq_check.store(true, std::memory_order_release);
    return true;
}

} // namespace mq::riscv
