/* Trap delegation to S-mode: the writable bits of medeleg/mideleg, delegated
 * exceptions from U- and S-mode arriving in the S-mode handler with the
 * right scause/sepc/stval and SPP/SPIE, sret restoring SIE and the mode,
 * exceptions raised in M-mode never being delegated, the sstatus/sie/sip
 * views of mstatus/mie/mip, delegated and non-delegated software
 * interrupts, a supervisor timer interrupt posted by M-mode, machine
 * interrupts preempting S-mode, and the TSR/TVM/TW traps. Prints one line per group; the
 * exit status is the number of failed checks. */
#include "priv.h"

#define SSTATUS_VISIBLE                                                                            \
    (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR | (3ul << 13))
#define M_ONLY                                                                                     \
    (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_TVM | MSTATUS_TW |          \
     MSTATUS_TSR)

static volatile uintptr_t lower_pc;
static volatile uint64_t lower_status;

/* M-mode: record; for a machine software interrupt also clear msip. */
static uint64_t m_handler(struct trap_frame* f) {
    if (f->mcause == (CAUSE_IRQ | IRQ_MSI)) {
        mmio_write32(CLINT_BASE, 0);
        m_rec.count++;
        m_rec.cause = f->mcause;
        m_rec.epc = f->mepc;
        m_rec.status = csr_read(mstatus);
        return f->mepc;
    }
    if (f->mcause == (CAUSE_IRQ | IRQ_SSI)) {
        csr_clear(mip, 1 << IRQ_SSI);
        m_rec.count++;
        m_rec.cause = f->mcause;
        m_rec.epc = f->mepc;
        m_rec.status = csr_read(mstatus);
        return f->mepc;
    }
    return record_m_trap(f);
}

/* S-mode: record; for a supervisor software interrupt clear sip.SSIP, for
 * a supervisor timer interrupt (which only M-mode can clear) disable it. */
static uint64_t s_handler(struct trap_frame* f) {
    if (f->mcause == (CAUSE_IRQ | IRQ_STI)) {
        csr_clear(sie, 1 << IRQ_STI);
        s_rec.count++;
        s_rec.cause = f->mcause;
        s_rec.epc = f->mepc;
        s_rec.status = csr_read(sstatus);
        return f->mepc;
    }
    if (f->mcause == (CAUSE_IRQ | IRQ_SSI)) {
        csr_clear(sip, 1 << IRQ_SSI);
        s_rec.count++;
        s_rec.cause = f->mcause;
        s_rec.epc = f->mepc;
        s_rec.status = csr_read(sstatus);
        return f->mepc;
    }
    return record_s_trap(f);
}

static uint64_t do_ecall(uint64_t arg) {
    uintptr_t pc;
    __asm__ volatile("li a7, 0\n lla %0, 1f\n 1: ecall" : "=r"(pc) : : "a7", "memory");
    lower_pc = pc;
    lower_status = csr_read(sstatus); /* only meaningful in S-mode */
    return arg;
}

static uint64_t do_ecall_u(uint64_t arg) {
    uintptr_t pc;
    __asm__ volatile("li a7, 0\n lla %0, 1f\n 1: ecall" : "=r"(pc) : : "a7", "memory");
    lower_pc = pc;
    return arg;
}

static uint64_t do_ebreak(uint64_t arg) {
    uintptr_t pc;
    __asm__ volatile(".option push\n .option norvc\n lla %0, 1f\n 1: ebreak\n .option pop"
                     : "=r"(pc)
                     :
                     : "memory");
    lower_pc = pc;
    return arg;
}

static uint64_t do_load(uint64_t addr) {
    uint64_t v;
    __asm__ volatile("ld %0, 0(%1)" : "=r"(v) : "r"(addr) : "memory");
    return v;
}

/* In S-mode: SIE on, ecall (delegated), then report sstatus after sret. */
static uint64_t s_ecall_with_sie(uint64_t arg) {
    csr_set(sstatus, MSTATUS_SIE);
    do_ecall(0);
    uint64_t after = csr_read(sstatus);
    csr_clear(sstatus, MSTATUS_SIE);
    return after;
}

/* In U-mode after a delegated ecall came back with sret: still in U-mode? */
static uint64_t u_ecall_then_csr(uint64_t arg) {
    do_ecall_u(0);
    uint64_t v = 0x5555;
    __asm__ volatile("csrr %0, sscratch" : "+r"(v) : : "memory"); /* illegal in U: to M */
    return v;
}

static uint64_t s_read_csrs(uint64_t arg) {
    csr_write(sscratch, arg);
    return csr_read(sscratch) + csr_read(sie);
}

static uint64_t s_enable_ssi(uint64_t arg) {
    csr_set(sie, 1 << IRQ_SSI);
    csr_set(sstatus, MSTATUS_SIE);
    __asm__ volatile("nop");
    csr_clear(sstatus, MSTATUS_SIE);
    return 0;
}

static uint64_t s_enable_sti(uint64_t arg) {
    csr_set(sstatus, MSTATUS_SIE);
    __asm__ volatile("nop");
    csr_clear(sstatus, MSTATUS_SIE);
    return 0;
}

/* SSIP pending and enabled in sie, but sstatus.SIE = 0: nothing happens
 * until SIE is set, then the interrupt is taken in S-mode. */
static uint64_t s_self_ipi(uint64_t arg) {
    csr_set(sie, 1 << IRQ_SSI);
    csr_set(sip, 1 << IRQ_SSI);
    int before = s_rec.count;
    uintptr_t pc;
    __asm__ volatile("lla %0, 1f\n csrs sstatus, %1\n 1: nop"
                     : "=&r"(pc)
                     : "r"(MSTATUS_SIE)
                     : "memory");
    lower_pc = pc;
    csr_clear(sstatus, MSTATUS_SIE);
    csr_clear(sie, 1 << IRQ_SSI);
    return before;
}

static uint64_t s_nop(uint64_t arg) {
    __asm__ volatile("nop");
    return arg;
}

static uint64_t s_sret(uint64_t arg) {
    uintptr_t pc;
    __asm__ volatile("lla %0, 1f\n 1: sret" : "=r"(pc) : : "memory");
    lower_pc = pc;
    return arg;
}

static uint64_t s_satp(uint64_t arg) {
    uintptr_t pc;
    uint64_t v = 0x77;
    __asm__ volatile("lla %0, 1f\n 1: csrr %1, satp" : "=r"(pc), "+r"(v) : : "memory");
    lower_pc = pc;
    return v;
}

static uint64_t s_sfence(uint64_t arg) {
    uintptr_t pc;
    __asm__ volatile("lla %0, 1f\n 1: sfence.vma" : "=r"(pc) : : "memory");
    lower_pc = pc;
    return arg;
}

static uint64_t s_wfi(uint64_t arg) {
    uintptr_t pc;
    __asm__ volatile("lla %0, 1f\n 1: wfi" : "=r"(pc) : : "memory");
    lower_pc = pc;
    return arg;
}

static void test_deleg_registers(void) {
    /* Bits 0-9, 12, 13 and 15 are delegable. (The spec makes bit 11, ecall
     * from M-mode, read-only 0; QEMU 7.2 lets it be set, so it is not
     * checked here.) */
    csr_write(medeleg, ~0ul);
    uint64_t m = csr_read(medeleg);
    CHECK((m & 0xb3ff) == 0xb3ff, "medeleg 0x%lx: bits 0-9, 12, 13, 15 must be writable",
          (unsigned long)m);
    csr_write(medeleg, 0);
    CHECK_EQ(csr_read(medeleg), 0);

    csr_write(mideleg, 0xaaa);
    CHECK_EQ(csr_read(mideleg) & 0xaaa, 0x222); /* the M-level bits are not delegable */
    csr_write(mideleg, 0);
    CHECK_EQ(csr_read(mideleg) & 0xaaa, 0);
    report("medeleg/mideleg: writable bits");
}

static void test_delegated_exceptions(void) {
    /* ecall from U, delegated. */
    csr_write(medeleg, 1 << 8);
    trap_records_reset();
    run_lower(PRV_U, do_ecall_u, 0);
    CHECK_EQ(s_rec.count, 1);
    CHECK_EQ(s_rec.cause, 8);
    CHECK_EQ(s_rec.epc, lower_pc);
    CHECK_EQ(s_rec.tval, 0);
    CHECK_EQ(s_rec.status & MSTATUS_SPP, 0);
    CHECK_EQ(m_rec.count, 0);
    report("ecall from U delegated: scause 8, sepc, SPP=U, M not involved");

    /* ecall from S, delegated (bit 9), with SIE set: SIE -> SPIE, SPP=S. */
    csr_write(medeleg, 1 << 9);
    trap_records_reset();
    uint64_t after = run_lower(PRV_S, s_ecall_with_sie, 0);
    CHECK_EQ(s_rec.count, 1);
    CHECK_EQ(s_rec.cause, 9);
    CHECK_EQ(s_rec.epc, lower_pc);
    CHECK_EQ(s_rec.status & (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP), MSTATUS_SPIE | MSTATUS_SPP);
    /* sret: SIE = SPIE, SPIE = 1, SPP = U, back in S-mode. */
    CHECK_EQ(after & (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP), MSTATUS_SIE | MSTATUS_SPIE);
    CHECK_EQ(m_rec.count, 0);
    report("ecall from S delegated: scause 9, SIE->SPIE, SPP=S; sret restores SIE, SPP=U");

    /* sret back to U-mode: the U code is still unprivileged afterwards. */
    csr_write(medeleg, 1 << 8);
    trap_records_reset();
    uint64_t v = run_lower(PRV_U, u_ecall_then_csr, 0);
    CHECK_EQ(s_rec.count, 1);
    CHECK_EQ(m_rec.count, 1); /* the csrr sscratch, not delegated */
    CHECK_EQ(m_rec.cause, 2);
    CHECK_EQ((m_rec.status & MSTATUS_MPP) >> 11, PRV_U);
    CHECK_EQ(v, 0x5555);
    report("sret with SPP=U returns to U-mode");

    /* Breakpoints and load access faults, delegated. */
    csr_write(medeleg, (1 << 3) | (1 << 5));
    trap_records_reset();
    run_lower(PRV_U, do_ebreak, 0);
    CHECK_EQ(s_rec.count, 1);
    CHECK_EQ(s_rec.cause, 3);
    CHECK_EQ(s_rec.epc, lower_pc);
    CHECK_EQ(m_rec.count, 0);
    trap_records_reset();
    run_lower(PRV_S, do_load, 0x18);
    CHECK_EQ(s_rec.count, 1);
    CHECK_EQ(s_rec.cause, 5);
    CHECK_EQ(s_rec.tval, 0x18);
    CHECK_EQ(s_rec.status & MSTATUS_SPP, MSTATUS_SPP);
    CHECK_EQ(m_rec.count, 0);
    report("ebreak and load access fault delegated: scause 3/5, stval");

    /* The same exceptions raised in M-mode still go to M-mode. */
    trap_records_reset();
    __asm__ volatile("ebreak");
    CHECK_EQ(m_rec.count, 1);
    CHECK_EQ(m_rec.cause, 3);
    trap_records_reset();
    do_load(0x18);
    CHECK_EQ(m_rec.count, 1);
    CHECK_EQ(m_rec.cause, 5);
    CHECK_EQ(m_rec.tval, 0x18);
    CHECK_EQ(s_rec.count, 0);
    report("exceptions in M-mode are never delegated");

    /* Not delegated: to M even from U. */
    csr_write(medeleg, 0);
    trap_records_reset();
    run_lower(PRV_U, do_ebreak, 0);
    CHECK_EQ(m_rec.count, 1);
    CHECK_EQ(s_rec.count, 0);
    report("without delegation, U-mode exceptions go to M-mode");
}

static void test_views(void) {
    /* sstatus shows only the S-level fields of mstatus. */
    uint64_t saved = csr_read(mstatus);
    csr_set(mstatus, MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_TW);
    uint64_t s = csr_read(sstatus);
    CHECK((s & M_ONLY) == 0, "sstatus 0x%lx shows M-only fields", (unsigned long)s);
    CHECK_EQ((s >> 32) & 3, 2);                     /* UXL = 64 bits */
    CHECK_EQ((csr_read(mstatus) >> 32) & 0xf, 0xa); /* SXL = UXL = 64 bits */
    csr_clear(mstatus, MSTATUS_MPRV | MSTATUS_TW);
    /* Writing sstatus changes only its fields. */
    uint64_t m_before = csr_read(mstatus);
    csr_write(sstatus,
              MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR | (3ul << 13));
    uint64_t m_after = csr_read(mstatus);
    CHECK_EQ(m_after & M_ONLY, m_before & M_ONLY);
    CHECK_EQ(m_after & SSTATUS_VISIBLE, SSTATUS_VISIBLE);
    csr_write(sstatus, 3ul << 13);
    CHECK_EQ(csr_read(mstatus) &
                 (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR),
             0);
    CHECK_EQ(csr_read(mstatus) & M_ONLY, m_before & M_ONLY);
    csr_write(sstatus, ~0ul);
    CHECK_EQ(csr_read(mstatus) & M_ONLY, m_before & M_ONLY);
    csr_write(mstatus, saved);
    report("sstatus: a view of the S-level fields of mstatus");

    /* sie = mie & mideleg; writes through sie reach only delegated bits. */
    csr_write(mideleg, 0x222);
    csr_write(mie, 0xaaa);
    CHECK_EQ(csr_read(sie), 0x222);
    csr_write(mideleg, 1 << IRQ_SSI);
    CHECK_EQ(csr_read(sie), 1 << IRQ_SSI);
    csr_write(sie, 0);
    CHECK_EQ(csr_read(mie) & 0xaaa, 0xaa8);
    csr_write(sie, ~0ul);
    CHECK_EQ(csr_read(mie) & 0xaaa, 0xaaa);
    csr_write(mie, 0);
    csr_write(sie, ~0ul);
    CHECK_EQ(csr_read(mie) & 0xaaa, 1 << IRQ_SSI);
    csr_write(mie, 0);
    report("sie: mie masked by mideleg");

    /* sip = mip & mideleg; SSIP writable through sip, STIP not. */
    csr_write(mideleg, 0x222);
    csr_set(mip, 1 << IRQ_SSI);
    CHECK_EQ(csr_read(sip) & 0x222, 1 << IRQ_SSI);
    csr_clear(sip, 1 << IRQ_SSI);
    CHECK_EQ(csr_read(mip) & (1 << IRQ_SSI), 0);
    csr_set(sip, 1 << IRQ_SSI);
    CHECK_EQ(csr_read(mip) & (1 << IRQ_SSI), 1 << IRQ_SSI);
    csr_write(mideleg, 0);
    CHECK_EQ(csr_read(sip) & 0x222, 0); /* not delegated: invisible */
    csr_clear(sip, 1 << IRQ_SSI);
    CHECK_EQ(csr_read(mip) & (1 << IRQ_SSI), 1 << IRQ_SSI); /* ... and not writable */
    csr_clear(mip, 1 << IRQ_SSI);
    csr_write(mideleg, 0x222);
    csr_set(mip, 1 << IRQ_STI);
    CHECK_EQ(csr_read(sip) & 0x222, 1 << IRQ_STI);
    csr_clear(sip, 1 << IRQ_STI);
    CHECK_EQ(csr_read(mip) & (1 << IRQ_STI), 1 << IRQ_STI); /* read-only in sip */
    csr_clear(mip, 1 << IRQ_STI);
    CHECK_EQ(csr_read(sip) & 0x222, 0);
    csr_write(mideleg, 0);
    report("sip: mip masked by mideleg, SSIP writable, STIP read-only");

    /* S-mode can use its own CSRs. */
    trap_records_reset();
    csr_write(mideleg, 0x222);
    csr_write(mie, 0x20);
    uint64_t r = run_lower(PRV_S, s_read_csrs, 0x1000);
    CHECK_EQ(r, 0x1020);
    CHECK_EQ(m_rec.count, 0);
    csr_write(mie, 0);
    csr_write(mideleg, 0);
    report("S-mode CSR access: sscratch, sie");
}

static void test_interrupts(void) {
    /* A delegated SSIP is not taken in M-mode, even with every enable set. */
    csr_write(mideleg, 1 << IRQ_SSI);
    csr_write(mie, 1 << IRQ_SSI);
    trap_records_reset();
    csr_set(mstatus, MSTATUS_SIE | MSTATUS_MIE);
    csr_set(mip, 1 << IRQ_SSI);
    __asm__ volatile("nop\n nop");
    csr_clear(mstatus, MSTATUS_SIE | MSTATUS_MIE);
    CHECK_EQ(m_rec.count, 0);
    CHECK_EQ(s_rec.count, 0);
    /* In S-mode with SIE set it is taken there at once. */
    run_lower(PRV_S, s_enable_ssi, 0);
    CHECK_EQ(s_rec.count, 1);
    CHECK_EQ(s_rec.cause, CAUSE_IRQ | IRQ_SSI);
    CHECK_EQ(m_rec.count, 0);
    CHECK_EQ(csr_read(mip) & (1 << IRQ_SSI), 0);
    report("delegated SSIP: ignored in M-mode, taken in S-mode (scause 1<<63|1)");

    /* S-mode raising its own software interrupt: taken when SIE goes on. */
    trap_records_reset();
    uint64_t before = run_lower(PRV_S, s_self_ipi, 0);
    CHECK_EQ(before, 0);
    CHECK_EQ(s_rec.count, 1);
    CHECK_EQ(s_rec.cause, CAUSE_IRQ | IRQ_SSI);
    CHECK_EQ(s_rec.epc, lower_pc); /* taken right after the csrs that enabled it */
    CHECK_EQ(s_rec.status & (MSTATUS_SPIE | MSTATUS_SPP), MSTATUS_SPIE | MSTATUS_SPP);
    report("S-mode software interrupt via sip.SSIP, sepc after the enabling csrs");

    /* A supervisor timer interrupt posted by M-mode (mip.STIP), delegated. */
    csr_write(mideleg, 1 << IRQ_STI);
    csr_write(mie, 1 << IRQ_STI);
    csr_set(mip, 1 << IRQ_STI);
    trap_records_reset();
    run_lower(PRV_S, s_enable_sti, 0);
    csr_clear(mip, 1 << IRQ_STI);
    csr_write(mie, 0);
    CHECK_EQ(s_rec.count, 1);
    CHECK_EQ(s_rec.cause, CAUSE_IRQ | IRQ_STI);
    CHECK_EQ(m_rec.count, 0);
    report("STIP set by M-mode and delegated: taken in S-mode (scause 1<<63|5)");

    /* Not delegated: SSIP goes to M-mode, from S-mode even with MIE clear. */
    csr_write(mideleg, 0);
    csr_write(mie, 1 << IRQ_SSI);
    trap_records_reset();
    csr_set(mip, 1 << IRQ_SSI);
    run_lower(PRV_S, s_nop, 0);
    CHECK_EQ(m_rec.count, 1);
    CHECK_EQ(m_rec.cause, CAUSE_IRQ | IRQ_SSI);
    CHECK_EQ((m_rec.status & MSTATUS_MPP) >> 11, PRV_S);
    CHECK_EQ(s_rec.count, 0);
    csr_write(mie, 0);
    report("non-delegated SSIP from S-mode goes to M-mode although MIE=0");

    /* A machine software interrupt (CLINT msip) preempts S-mode. */
    csr_write(mie, 1 << IRQ_MSI);
    trap_records_reset();
    mmio_write32(CLINT_BASE, 1);
    run_lower(PRV_S, s_nop, 0);
    CHECK_EQ(m_rec.count, 1);
    CHECK_EQ(m_rec.cause, CAUSE_IRQ | IRQ_MSI);
    CHECK_EQ((m_rec.status & MSTATUS_MPP) >> 11, PRV_S);
    CHECK_EQ(mmio_read32(CLINT_BASE), 0);
    csr_write(mie, 0);
    report("machine software interrupt taken from S-mode with MIE=0");
}

static void test_trap_virtualization(void) {
    /* TSR: sret in S-mode is illegal. */
    csr_set(mstatus, MSTATUS_TSR);
    trap_records_reset();
    run_lower(PRV_S, s_sret, 0);
    CHECK_EQ(m_rec.count, 1);
    CHECK_EQ(m_rec.cause, 2);
    CHECK_EQ(m_rec.epc, lower_pc);
    csr_clear(mstatus, MSTATUS_TSR);
    report("mstatus.TSR: sret in S-mode is illegal");

    /* TVM: satp and sfence.vma in S-mode are illegal. */
    csr_set(mstatus, MSTATUS_TVM);
    trap_records_reset();
    uint64_t v = run_lower(PRV_S, s_satp, 0);
    CHECK_EQ(m_rec.count, 1);
    CHECK_EQ(m_rec.cause, 2);
    CHECK_EQ(m_rec.epc, lower_pc);
    CHECK_EQ(v, 0x77);
    trap_records_reset();
    run_lower(PRV_S, s_sfence, 0);
    CHECK_EQ(m_rec.count, 1);
    CHECK_EQ(m_rec.cause, 2);
    CHECK_EQ(m_rec.epc, lower_pc);
    csr_clear(mstatus, MSTATUS_TVM);
    trap_records_reset();
    v = run_lower(PRV_S, s_satp, 0);
    CHECK_EQ(m_rec.count, 0);
    CHECK_EQ(v, 0);
    report("mstatus.TVM: satp and sfence.vma in S-mode are illegal");

    /* TW: wfi in S-mode is illegal. */
    csr_set(mstatus, MSTATUS_TW);
    trap_records_reset();
    run_lower(PRV_S, s_wfi, 0);
    CHECK_EQ(m_rec.count, 1);
    CHECK_EQ(m_rec.cause, 2);
    CHECK_EQ(m_rec.epc, lower_pc);
    csr_clear(mstatus, MSTATUS_TW);
    report("mstatus.TW: wfi in S-mode is illegal");
}

int main(void) {
    priv_install(m_handler);
    s_trap_install(s_handler);
    test_deleg_registers();
    test_delegated_exceptions();
    test_views();
    test_interrupts();
    test_trap_virtualization();
    printf("deleg: %d failures\n", guest_failures);
    return guest_failures;
}
