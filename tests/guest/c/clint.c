/* The CLINT: mtime (0x200bff8) counting and matching the time CSR, the
 * reset state (mtimecmp 0, so MTIP pending), mtimecmp (0x2004000) raising
 * MTIP exactly when mtime reaches it and clearing it when moved ahead, the
 * timer interrupt (mcause 1<<63|7), msip (0x2000000) raising MSIP, the
 * priority of MSI over MTI, WFI waking on a pending interrupt with MIE
 * clear, and vectored mtvec. Prints one line per group; the exit status is
 * the number of failed checks. */
#include "priv.h"

#define MSIP (CLINT_BASE + 0x0)
#define MTIMECMP (CLINT_BASE + 0x4000)
#define MTIME (CLINT_BASE + 0xbff8)
#define MIP_MSIP (1ul << IRQ_MSI)
#define MIP_MTIP (1ul << IRQ_MTI)

static inline uint64_t mtime(void) { return mmio_read64(MTIME); }

static volatile int irq_count;
static volatile uint64_t irq_causes[8];
static volatile uint64_t irq_time, irq_cmp, irq_epc, irq_vector;
static volatile int irq_flag;

static uint64_t handler(struct trap_frame* f) {
    if (f->mcause & CAUSE_IRQ) {
        if (irq_count < 8) irq_causes[irq_count] = f->mcause;
        irq_count++;
        irq_epc = f->mepc;
        if (f->mcause == (CAUSE_IRQ | IRQ_MTI)) {
            irq_time = mtime();
            irq_cmp = mmio_read64(MTIMECMP);
            mmio_write64(MTIMECMP, ~0ul); /* clears MTIP */
        } else if (f->mcause == (CAUSE_IRQ | IRQ_MSI)) {
            mmio_write32(MSIP, 0);
        }
        irq_flag = 1;
        return f->mepc;
    }
    return record_m_trap(f);
}

/* Vectored mode: entry i jumps to a stub that stores i in mscratch and goes
 * on to the normal trap entry. */
__asm__(".section .text\n"
        ".option push\n .option norvc\n"
        ".balign 256\n"
        "vector_table:\n"
        " j vec0\n j vec1\n j vec2\n j vec3\n j vec4\n j vec5\n j vec6\n j vec7\n"
        " j vec8\n j vec9\n j vec10\n j vec11\n"
        ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11\n"
        "vec\\n: csrwi mscratch, \\n\n j trap_entry\n"
        ".endr\n"
        ".option pop\n");
extern char vector_table[], trap_entry[];

static void reset_irqs(void) {
    irq_count = 0;
    irq_flag = 0;
    for (int i = 0; i < 8; i++)
        irq_causes[i] = 0;
}

static void test_reset_state(void) {
    /* QEMU resets mtimecmp to 0, so the timer is already due: MTIP pending. */
    CHECK_EQ(mmio_read64(MTIMECMP), 0);
    CHECK((csr_read(mip) & MIP_MTIP) != 0,
          "MTIP not pending at reset although mtime %lu >= mtimecmp 0 (mip 0x%lx)",
          (unsigned long)mtime(), (unsigned long)csr_read(mip));
    CHECK_EQ(mmio_read32(MSIP), 0);
    CHECK_EQ(csr_read(mip) & MIP_MSIP, 0);
    report("reset: mtimecmp 0, MTIP pending, msip 0");
}

static void test_mtime(void) {
    uint64_t a = mtime();
    for (volatile int i = 0; i < 20000; i++) {
    }
    uint64_t b = mtime();
    CHECK(b > a, "mtime did not advance: %lu then %lu", (unsigned long)a, (unsigned long)b);
    uint64_t t1 = mtime();
    uint64_t t2 = csr_read(time);
    uint64_t t3 = mtime();
    CHECK(t1 <= t2 && t2 <= t3, "time CSR %lu not between mtime reads %lu and %lu",
          (unsigned long)t2, (unsigned long)t1, (unsigned long)t3);
    /* 32-bit halves read the same counter. */
    uint64_t hi = mmio_read32(MTIME + 4);
    CHECK(hi == (mtime() >> 32), "mtime high half 0x%lx", (unsigned long)hi);
    report("mtime advances; the time CSR reads it");

    /* mtime is writable, and the time CSR follows. */
    mmio_write64(MTIME, 0x100000000ul);
    uint64_t t = mtime();
    CHECK(t >= 0x100000000ul && t < 0x100000000ul + 10000000,
          "mtime 0x%lx after writing 0x100000000", (unsigned long)t);
    t = csr_read(time);
    CHECK(t >= 0x100000000ul && t < 0x100000000ul + 10000000, "time CSR 0x%lx after writing mtime",
          (unsigned long)t);
    mmio_write32(MTIME + 4, 0);
    CHECK(mtime() < 0x100000000ul, "mtime 0x%lx after writing the high half with 0",
          (unsigned long)mtime());
    report("mtime writable, also by halves");
}

static void test_mtimecmp_polled(void) {
    csr_write(mie, 0);
    mmio_write64(MTIMECMP, ~0ul);
    CHECK_EQ(csr_read(mip) & MIP_MTIP, 0);
    CHECK_EQ(mmio_read64(MTIMECMP), ~0ul);
    /* Write by halves: low word first, then high. (Not too far in the
     * future: QEMU 7.2 mishandles some huge mtimecmp values and raises MTIP
     * spuriously a little later.) */
    mmio_write32(MTIMECMP, 0x89abcdef);
    mmio_write32(MTIMECMP + 4, 0x00000012);
    CHECK_EQ(mmio_read64(MTIMECMP), 0x0000001289abcdefull);
    CHECK_EQ(mmio_read32(MTIMECMP + 4), 0x00000012);
    CHECK_EQ(mmio_read32(MTIMECMP), 0x89abcdef);
    CHECK_EQ(csr_read(mip) & MIP_MTIP, 0);
    mmio_write64(MTIMECMP, ~0ul);

    uint64_t cmp = mtime() + 20000; /* 2 ms */
    mmio_write64(MTIMECMP, cmp);
    CHECK_EQ(csr_read(mip) & MIP_MTIP, 0);
    /* Poll: MTIP must not come before mtime reaches mtimecmp, and must
     * come soon after. How soon depends on the host (a timer thread has to
     * run: on a loaded host both QEMU and miniqemu are a few ms late at
     * times), so only a 100 ms delay counts as a failure. */
    uint64_t before = 0, now;
    for (;;) {
        uint64_t t = mtime();
        uint64_t pending = csr_read(mip) & MIP_MTIP;
        now = mtime();
        if (pending) break;
        before = t;                      /* the last time MTIP was seen clear */
        if (now > cmp + 10000000) break; /* 1 s: give up */
    }
    CHECK((csr_read(mip) & MIP_MTIP) != 0, "MTIP never came (mtime %lu, mtimecmp %lu)",
          (unsigned long)now, (unsigned long)cmp);
    CHECK(now >= cmp, "MTIP at mtime %lu, before mtimecmp %lu", (unsigned long)now,
          (unsigned long)cmp);
    CHECK(before < cmp + 1000000,
          "MTIP late: still clear at mtime %lu, %lu ticks after mtimecmp %lu",
          (unsigned long)before, (unsigned long)(before - cmp), (unsigned long)cmp);
    /* Moving mtimecmp ahead clears it; moving it back sets it again. */
    mmio_write64(MTIMECMP, mtime() + 100000000);
    CHECK_EQ(csr_read(mip) & MIP_MTIP, 0);
    mmio_write64(MTIMECMP, 0);
    CHECK_EQ(csr_read(mip) & MIP_MTIP, MIP_MTIP);
    mmio_write64(MTIMECMP, ~0ul);
    CHECK_EQ(csr_read(mip) & MIP_MTIP, 0);
    /* mip.MTIP is read-only: a CSR write does not set or clear it. */
    csr_set(mip, MIP_MTIP);
    CHECK_EQ(csr_read(mip) & MIP_MTIP, 0);
    report("mtimecmp: MTIP set when mtime >= mtimecmp, cleared when moved ahead");
}

static void test_timer_interrupt(void) {
    reset_irqs();
    uint64_t cmp = mtime() + 10000; /* 1 ms */
    mmio_write64(MTIMECMP, cmp);
    csr_write(mie, MIP_MTIP);
    wait_for_flag(&irq_flag);
    csr_write(mie, 0);
    CHECK_EQ(irq_count, 1);
    CHECK_EQ(irq_causes[0], CAUSE_IRQ | IRQ_MTI);
    CHECK_EQ(irq_cmp, cmp);
    CHECK(irq_time >= cmp, "timer interrupt at mtime %lu, before mtimecmp %lu",
          (unsigned long)irq_time, (unsigned long)cmp);
    CHECK_EQ(csr_read(mip) & MIP_MTIP, 0);
    report("timer interrupt: mcause 1<<63|7 when due, cleared by writing mtimecmp");

    /* A timer already due when interrupts are enabled fires at once, and
     * mepc is the instruction that was about to run. */
    reset_irqs();
    mmio_write64(MTIMECMP, 0);
    csr_write(mie, MIP_MTIP);
    uintptr_t pc;
    __asm__ volatile("lla %0, 1f\n csrs mstatus, %1\n 1: csrc mstatus, %1"
                     : "=&r"(pc)
                     : "r"(MSTATUS_MIE)
                     : "memory");
    csr_write(mie, 0);
    CHECK_EQ(irq_count, 1);
    CHECK_EQ(irq_epc, pc);
    report("a due timer interrupts right after MIE is set; mepc = next instruction");
}

static void test_msip(void) {
    csr_write(mie, 0);
    mmio_write32(MSIP, 1);
    CHECK_EQ(mmio_read32(MSIP), 1);
    CHECK_EQ(csr_read(mip) & MIP_MSIP, MIP_MSIP);
    mmio_write32(MSIP, 0);
    CHECK_EQ(mmio_read32(MSIP), 0);
    CHECK_EQ(csr_read(mip) & MIP_MSIP, 0);
    mmio_write32(MSIP, 0xfffffffe); /* only bit 0 counts */
    CHECK_EQ(mmio_read32(MSIP), 0);
    CHECK_EQ(csr_read(mip) & MIP_MSIP, 0);
    mmio_write32(MSIP, 0xffffffff);
    CHECK_EQ(mmio_read32(MSIP), 1);
    mmio_write32(MSIP, 0);
    /* mip.MSIP is read-only to CSR writes. */
    csr_set(mip, MIP_MSIP);
    CHECK_EQ(csr_read(mip) & MIP_MSIP, 0);
    report("msip: bit 0 drives mip.MSIP");

    reset_irqs();
    csr_write(mie, MIP_MSIP);
    mmio_write32(MSIP, 1);
    wait_for_flag(&irq_flag);
    csr_write(mie, 0);
    CHECK_EQ(irq_count, 1);
    CHECK_EQ(irq_causes[0], CAUSE_IRQ | IRQ_MSI);
    CHECK_EQ(mmio_read32(MSIP), 0);
    report("software interrupt: mcause 1<<63|3");

    /* MSI and MTI both pending: MSI first (priority MEI > MSI > MTI). */
    reset_irqs();
    mmio_write32(MSIP, 1);
    mmio_write64(MTIMECMP, 0);
    csr_write(mie, MIP_MSIP | MIP_MTIP);
    csr_set(mstatus, MSTATUS_MIE);
    __asm__ volatile("nop\n nop\n nop");
    csr_clear(mstatus, MSTATUS_MIE);
    csr_write(mie, 0);
    CHECK_EQ(irq_count, 2);
    CHECK_EQ(irq_causes[0], CAUSE_IRQ | IRQ_MSI);
    CHECK_EQ(irq_causes[1], CAUSE_IRQ | IRQ_MTI);
    report("MSI is taken before MTI");
}

static void test_wfi(void) {
    /* MIE clear, MTIE set: WFI returns once the timer is due, no trap. */
    reset_irqs();
    csr_clear(mstatus, MSTATUS_MIE);
    uint64_t cmp = mtime() + 50000; /* 5 ms */
    mmio_write64(MTIMECMP, cmp);
    csr_write(mie, MIP_MTIP);
    __asm__ volatile("wfi" ::: "memory");
    uint64_t now = mtime();
    CHECK(now >= cmp, "wfi returned at mtime %lu, before the timer at %lu", (unsigned long)now,
          (unsigned long)cmp);
    CHECK_EQ(csr_read(mip) & MIP_MTIP, MIP_MTIP);
    CHECK_EQ(irq_count, 0);
    /* With the interrupt still pending, WFI returns at once. */
    __asm__ volatile("wfi" ::: "memory");
    CHECK_EQ(irq_count, 0);
    mmio_write64(MTIMECMP, ~0ul);
    csr_write(mie, 0);
    report("wfi with MIE clear wakes when an enabled interrupt is pending");

    /* The race-free sleep: the interrupt is taken in the window. */
    reset_irqs();
    cmp = mtime() + 30000;
    mmio_write64(MTIMECMP, cmp);
    csr_write(mie, MIP_MTIP);
    wait_for_flag(&irq_flag);
    csr_write(mie, 0);
    CHECK_EQ(irq_count, 1);
    CHECK(irq_time >= cmp, "woke at %lu, before %lu", (unsigned long)irq_time, (unsigned long)cmp);
    report("wfi sleep until a timer interrupt");

    /* A software interrupt wakes WFI too. */
    reset_irqs();
    csr_write(mie, MIP_MSIP);
    mmio_write32(MSIP, 1);
    wait_for_flag(&irq_flag);
    csr_write(mie, 0);
    CHECK_EQ(irq_count, 1);
    CHECK_EQ(irq_causes[0], CAUSE_IRQ | IRQ_MSI);
    report("wfi sleep until a software interrupt");
}

static void test_vectored(void) {
    csr_write(mtvec, (uintptr_t)vector_table | 1);
    CHECK_EQ(csr_read(mtvec), (uintptr_t)vector_table | 1);
    /* Interrupts go to base + 4 * cause. */
    reset_irqs();
    csr_write(mscratch, 99);
    csr_write(mie, MIP_MSIP);
    mmio_write32(MSIP, 1);
    wait_for_flag(&irq_flag);
    CHECK_EQ(irq_causes[0], CAUSE_IRQ | IRQ_MSI);
    CHECK_EQ(csr_read(mscratch), 3);
    reset_irqs();
    csr_write(mscratch, 99);
    csr_write(mie, MIP_MTIP);
    mmio_write64(MTIMECMP, mtime() + 1000);
    wait_for_flag(&irq_flag);
    CHECK_EQ(irq_causes[0], CAUSE_IRQ | IRQ_MTI);
    CHECK_EQ(csr_read(mscratch), 7);
    csr_write(mie, 0);
    /* Exceptions go to the base. */
    trap_records_reset();
    csr_write(mscratch, 99);
    __asm__ volatile("li a7, 0\n ecall" ::: "a7", "memory");
    CHECK_EQ(m_rec.cause, 11);
    CHECK_EQ(csr_read(mscratch), 0);
    csr_write(mtvec, (uintptr_t)trap_entry);
    report("vectored mtvec: interrupts at base + 4*cause, exceptions at base");
}

int main(void) {
    test_reset_state();
    priv_install(handler);
    test_mtime();
    test_mtimecmp_polled();
    test_timer_interrupt();
    test_msip();
    test_wfi();
    test_vectored();
    printf("clint: %d failures\n", guest_failures);
    return guest_failures;
}
