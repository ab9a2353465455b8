/* Two ways a hostile or unlucky guest once froze the hart, both from the
 * robustness issue:
 *
 * 1. csrrs/csrrc on mip while the PLIC drives SEIP. A read of mip ORs the
 *    PLIC's line into SEIP, but csrrs/csrrc modify only the software bit
 *    (privileged spec, "Machine Interrupt Registers"). OpenSBI sets STIP with
 *    `csrs mip`; when that wrote the live SEIP back as a software bit, SEIP
 *    stayed pending after the PLIC had nothing left, and Linux took the
 *    same supervisor external interrupt forever.
 *
 * 2. A trap loop that retires nothing: an S-mode instruction fetch fault,
 *    delegated to S, with stvec pointing at memory that cannot execute.
 *    Every fault raises the next one. The M-mode timer interrupt must still
 *    arrive and end it.
 *
 * Prints one line per group; the exit status is the number of failed
 * checks. */
#include "priv.h"

#define UART_IER (UART0_BASE + 1)
#define UART_SRC 10
#define S_CONTEXT 1
#define PLIC_PRIORITY(s) (PLIC_BASE + 4 * (s))
#define PLIC_ENABLE(c) (PLIC_BASE + 0x2000 + 0x80 * (c))
#define PLIC_THRESHOLD(c) (PLIC_BASE + 0x200000 + 0x1000 * (c))
#define PLIC_CLAIM(c) (PLIC_BASE + 0x200004 + 0x1000 * (c))
#define MIP_SSIP (1ul << IRQ_SSI)
#define MIP_STIP (1ul << IRQ_STI)
#define MIP_SEIP (1ul << IRQ_SEI)
#define MTIMECMP (CLINT_BASE + 0x4000)
#define MTIME (CLINT_BASE + 0xbff8)

static void csrs_on_mip_keeps_the_plics_seip_out(void) {
    /* The UART's THR-empty interrupt, routed to hart 0's S context. */
    mmio_write32(PLIC_PRIORITY(UART_SRC), 1);
    mmio_write32(PLIC_ENABLE(S_CONTEXT), 1u << UART_SRC);
    mmio_write32(PLIC_THRESHOLD(S_CONTEXT), 0);
    mmio_write8(UART_IER, 0x02);
    CHECK((csr_read(mip) & MIP_SEIP) != 0, "the PLIC drives SEIP");

    /* What OpenSBI does for the supervisor timer and IPIs. */
    csr_set(mip, MIP_STIP);
    csr_set(mip, MIP_SSIP);
    csr_clear(mip, MIP_STIP);

    /* The source goes quiet and its claim takes it off the PLIC. */
    mmio_write8(UART_IER, 0);
    unsigned src = mmio_read32(PLIC_CLAIM(S_CONTEXT));
    CHECK_EQ(src, UART_SRC);
    mmio_write32(PLIC_CLAIM(S_CONTEXT), src);
    CHECK_EQ(csr_read(mip) & (MIP_SEIP | MIP_STIP | MIP_SSIP), MIP_SSIP);
    csr_clear(mip, MIP_SSIP);

    /* The software SEIP bit is still the guest's to set and clear. */
    csr_set(mip, MIP_SEIP);
    CHECK_EQ(csr_read(mip) & MIP_SEIP, MIP_SEIP);
    csr_clear(mip, MIP_SEIP);
    CHECK_EQ(csr_read(mip) & MIP_SEIP, 0);
    mmio_write32(PLIC_ENABLE(S_CONTEXT), 0);
    report("csrs/csrc on mip leave the PLIC's SEIP alone");
}

static volatile int preempted;

static uint64_t m_handler(struct trap_frame* f) {
    if (f->mcause == (CAUSE_IRQ | IRQ_MTI)) {
        mmio_write64(MTIMECMP, ~0ull);
        preempted = 1;
        CHECK_EQ((csr_read(mstatus) & MSTATUS_MPP) >> 11, PRV_S);
        CHECK_EQ(f->mepc, 0);
        CHECK_EQ(csr_read(scause), 1); /* instruction access fault */
        report("the M-mode timer preempts an S-mode fetch-fault loop");
        finisher_exit(guest_failures);
    }
    return record_m_trap(f);
}

int main(void) {
    priv_install(m_handler);
    csrs_on_mip_keeps_the_plics_seip_out();

    /* Address 0 on virt is no memory: fetching there faults, and the
     * delegated fault vectors to 0 again. */
    csr_write(medeleg, 1ul << 1);
    csr_write(stvec, 0);
    mmio_write64(MTIMECMP, mmio_read64(MTIME) + 100000); /* 10 ms */
    csr_write(mie, 1ul << IRQ_MTI);
    run_lower_at(PRV_S, 0, 0, 0, lower_stack_top());
    printf("the fetch-fault loop returned\n");
    return 99;
}
