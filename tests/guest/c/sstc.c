/* Sstc in S-mode under this program's own M-mode. M turns on menvcfg.STCE
 * and mcounteren.TM and delegates the supervisor timer interrupt; S then
 * owns stimecmp. Checks that stimecmp is illegal in S while STCE or TM is
 * off, that STIP follows time >= stimecmp and software cannot write it
 * under STCE, and that S takes the timer interrupts it programs itself,
 * waking from WFI each time. Compared with QEMU 7.2, whose rv64 has sstc. */
#include "priv.h"

#define MENVCFG_STCE (1ul << 63)
#define COUNTEREN_TM (1ul << 1)
#define STIP (1ul << IRQ_STI)

static uint64_t rd_stimecmp(void) {
    uint64_t v;
    __asm__ volatile("csrr %0, 0x14d" : "=r"(v) : : "memory");
    return v;
}

static void wr_stimecmp(uint64_t v) { __asm__ volatile("csrw 0x14d, %0" : : "r"(v) : "memory"); }

static volatile int ticks;

/* S-mode: a timer interrupt; pushing stimecmp away lowers STIP. */
static uint64_t s_handler(struct trap_frame* f) {
    if (f->mcause == (CAUSE_IRQ | IRQ_STI)) {
        ticks++;
        wr_stimecmp(~0ul);
        return f->mepc;
    }
    return record_s_trap(f);
}

static uint64_t s_read_stimecmp(uint64_t arg) { return rd_stimecmp() + arg; }

/* S-mode: `arg` timer interrupts, each 1000 ticks ahead. WFI waits with
 * SIE off (a pending enabled interrupt still wakes it), then SIE on lets
 * the interrupt in: no window where it could be missed. */
static uint64_t s_timer_loop(uint64_t arg) {
    csr_set(sie, STIP);
    for (uint64_t n = 0; n < arg; n++) {
        uint64_t deadline = csr_read(time) + 1000;
        wr_stimecmp(deadline);
        while (!(csr_read(sip) & STIP))
            __asm__ volatile("wfi");
        if (csr_read(time) < deadline) return 1000 + n; /* woke too early */
        csr_set(sstatus, MSTATUS_SIE);
        csr_clear(sstatus, MSTATUS_SIE);
    }
    csr_clear(sie, STIP);
    return ticks;
}

int main(void) {
    priv_install(record_m_trap);
    s_trap_install(s_handler);

    trap_records_reset();
    csr_write(menvcfg, 0);
    csr_write(mcounteren, COUNTEREN_TM);
    run_lower(PRV_S, s_read_stimecmp, 0);
    CHECK_EQ(m_rec.count, 1);
    CHECK_EQ(m_rec.cause, 2);
    csr_write(menvcfg, MENVCFG_STCE);
    csr_write(mcounteren, 0);
    run_lower(PRV_S, s_read_stimecmp, 0);
    CHECK_EQ(m_rec.count, 2);
    CHECK_EQ(m_rec.cause, 2);
    csr_write(mcounteren, COUNTEREN_TM);
    wr_stimecmp(12345);
    CHECK_EQ(run_lower(PRV_S, s_read_stimecmp, 1), 12346);
    CHECK_EQ(m_rec.count, 2);
    report("stimecmp from S needs menvcfg.STCE and mcounteren.TM");

    wr_stimecmp(~0ul);
    CHECK_EQ(csr_read(mip) & STIP, 0);
    csr_set(mip, STIP);
    CHECK_EQ(csr_read(mip) & STIP, 0);
    wr_stimecmp(0);
    CHECK_EQ(csr_read(mip) & STIP, STIP);
    csr_clear(mip, STIP);
    CHECK_EQ(csr_read(mip) & STIP, STIP);
    wr_stimecmp(csr_read(time) + 100000000);
    CHECK_EQ(csr_read(mip) & STIP, 0);
    report("mip.STIP follows time >= stimecmp and is read-only under STCE");

    csr_write(mideleg, STIP);
    ticks = 0;
    CHECK_EQ(run_lower(PRV_S, s_timer_loop, 3), 3);
    CHECK_EQ(ticks, 3);
    CHECK_EQ(s_rec.count, 0);
    CHECK_EQ(m_rec.count, 2);
    CHECK_EQ(csr_read(mip) & STIP, 0);
    report("S takes the timer interrupts it programs, waking from WFI");

    csr_write(menvcfg, 0);
    csr_clear(mip, STIP);
    csr_write(mideleg, 0);
    return guest_failures;
}
