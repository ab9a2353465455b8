/* The counters: a write to minstret is what the next instruction reads
 * (the writing instruction does not count itself), mhpmcounter3 with
 * QEMU's event 2 (instructions) counts exactly what minstret counts, the
 * Sscofpmf inhibit bits count U-mode alone, mcountinhibit freezes a
 * counter, and an overflow sets OF and raises the local counter-overflow
 * interrupt (mcause 1<<63|13), which scountovf shows. Only miniqemu counts
 * to the letter (QEMU 7.2 counts the write to minstret and has Sscofpmf
 * off by default), hence no reference run. Prints one line per group; the
 * exit status is the number of failed checks. */
#include "priv.h"

#define EV_INSTRUCTIONS 2ul
#define EV_OF (1ul << 63)
#define EV_MINH (1ul << 62)
#define EV_SINH (1ul << 61)
#define IRQ_LCOF 13
#define MIP_LCOFIP (1ul << IRQ_LCOF)

static volatile int lcof_count;
static volatile uint64_t lcof_scountovf, lcof_event;

static uint64_t handler(struct trap_frame* f) {
    if (f->mcause == (CAUSE_IRQ | IRQ_LCOF)) {
        lcof_count++;
        lcof_scountovf = csr_read(0xda0);
        lcof_event = csr_read(mhpmevent3);
        csr_clear(mhpmevent3, EV_OF);
        csr_clear(mip, MIP_LCOFIP);
        return f->mepc;
    }
    return record_m_trap(f);
}

static void spin(unsigned n) {
    for (volatile unsigned i = 0; i < n; i++) {
    }
}

static uint64_t spin_in_lower(uint64_t n) {
    spin((unsigned)n);
    return 0;
}

static void test_minstret_write(void) {
    uint64_t a, b;
    __asm__ volatile("li t0, 1000\n csrw minstret, t0\n csrr %0, minstret\n nop\n nop\n"
                     " csrr %1, minstret"
                     : "=r"(a), "=r"(b)
                     :
                     : "t0");
    CHECK_EQ(a, 1000);
    CHECK_EQ(b, 1003);
    __asm__ volatile("li t0, -1\n csrw minstret, t0\n nop\n csrr %0, minstret" : "=r"(a) : : "t0");
    CHECK_EQ(a, 0);
    report("csrw minstret: the next instruction reads what was written; it wraps at 2^64");
}

static void test_event_instructions(void) {
    csr_write(mhpmevent3, EV_INSTRUCTIONS);
    uint64_t i0 = csr_read(minstret), c0 = csr_read(mhpmcounter3);
    spin(1000);
    uint64_t i1 = csr_read(minstret), c1 = csr_read(mhpmcounter3);
    CHECK(i1 - i0 > 3000, "minstret counted %lu", (unsigned long)(i1 - i0));
    CHECK_EQ(c1 - c0, i1 - i0);
    report("mhpmevent3 = 2 (instructions): mhpmcounter3 counts what minstret counts");

    csr_write(mhpmevent3, EV_INSTRUCTIONS | EV_MINH | EV_SINH);
    c0 = csr_read(mhpmcounter3);
    spin(1000);
    c1 = csr_read(mhpmcounter3);
    CHECK_EQ(c1, c0);
    run_lower(PRV_U, spin_in_lower, 1000);
    uint64_t c2 = csr_read(mhpmcounter3);
    CHECK(c2 - c1 > 3000 && c2 - c1 < 20000, "U-mode counted %lu", (unsigned long)(c2 - c1));
    report("MINH and SINH: only U-mode instructions count");

    csr_write(mhpmevent3, EV_INSTRUCTIONS);
    csr_set(mcountinhibit, 1ul << 3);
    c0 = csr_read(mhpmcounter3);
    spin(100);
    CHECK_EQ(csr_read(mhpmcounter3), c0);
    csr_clear(mcountinhibit, 1ul << 3);
    spin(100);
    CHECK(csr_read(mhpmcounter3) > c0, "counting again");
    report("mcountinhibit freezes a counter");
}

static void test_overflow(void) {
    csr_write(mhpmevent3, EV_INSTRUCTIONS);
    csr_write(mhpmcounter3, -2000ul);
    csr_set(mie, MIP_LCOFIP);
    csr_set(mstatus, MSTATUS_MIE);
    for (unsigned i = 0; i < 100000 && !lcof_count; i++) {
    }
    csr_clear(mstatus, MSTATUS_MIE);
    csr_clear(mie, MIP_LCOFIP);
    CHECK_EQ(lcof_count, 1);
    CHECK_EQ(lcof_event, EV_OF | EV_INSTRUCTIONS);
    CHECK_EQ(lcof_scountovf & (1ul << 3), 1ul << 3);
    CHECK(csr_read(mhpmcounter3) < 100000, "wrapped: %lu", (unsigned long)csr_read(mhpmcounter3));
    CHECK_EQ(csr_read(0xda0) & (1ul << 3), 0);
    report("overflow: OF set, LCOFI taken, scountovf shows it");
}

int main(void) {
    priv_install(handler);
    test_minstret_write();
    test_event_instructions();
    test_overflow();
    printf("counters: %d failures\n", guest_failures);
    return guest_failures;
}
