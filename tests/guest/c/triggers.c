/* Debug triggers (Sdtrig) as a program uses them for breakpoints and
 * watchpoints: an mcontrol (type 2, the type QEMU 7.2 has) on execute, load
 * and store, enabled for U- or S-mode. A trigger fires before the
 * instruction: a breakpoint exception (mcause 3) with mepc at the
 * instruction, and the access not made. The handler disarms the trigger
 * and resumes at mepc, so the instruction then runs. Also: tselect holds
 * the number of a trigger that exists only, and a trigger not enabled in the
 * current mode does not fire. mtval is the pc or the address accessed, as
 * miniqemu gives it, or 0, which the privileged spec allows and QEMU 7.2
 * gives. Prints one line per group; the exit status is the number of failed
 * checks. */
#include "priv.h"

#define TYPE_MCONTROL (2ul << 60)
#define MC_LOAD 1ul
#define MC_STORE 2ul
#define MC_EXEC 4ul
#define MC_U 8ul
#define MC_S 16ul
#define MC_M 64ul

static volatile uintptr_t lower_pc;
static volatile uint64_t data[4];
static volatile uint64_t seen_at_trap;

static void arm(unsigned n, uint64_t tdata1, uint64_t tdata2) {
    csr_write(tselect, n);
    csr_write(tdata2, tdata2);
    csr_write(tdata1, TYPE_MCONTROL | tdata1);
}

static void disarm_all(void) {
    for (unsigned n = 0; n < 2; n++) {
        csr_write(tselect, n);
        csr_write(tdata1, TYPE_MCONTROL);
    }
}

/* Breakpoints retry the instruction once disarmed; everything else is
 * recorded and skipped. */
static uint64_t m_handler(struct trap_frame* f) {
    if (f->mcause != 3) return record_m_trap(f);
    m_rec.count++;
    m_rec.cause = f->mcause;
    m_rec.epc = f->mepc;
    m_rec.tval = f->mtval;
    seen_at_trap = data[1];
    disarm_all();
    return f->mepc;
}

static __attribute__((noinline, aligned(4))) uint64_t target(uint64_t arg) { return arg * 3; }

static uint64_t do_load(uint64_t addr) {
    uintptr_t pc;
    uint64_t v;
    __asm__ volatile(".option push\n .option norvc\n lla %0, 1f\n 1: ld %1, 0(%2)\n .option pop"
                     : "=&r"(pc), "=r"(v)
                     : "r"(addr)
                     : "memory");
    lower_pc = pc;
    return v;
}

static uint64_t do_store(uint64_t addr) {
    uintptr_t pc;
    __asm__ volatile(".option push\n .option norvc\n lla %0, 1f\n 1: sd %1, 0(%1)\n .option pop"
                     : "=&r"(pc)
                     : "r"(addr)
                     : "memory");
    lower_pc = pc;
    return 0;
}

static void test_tselect(void) {
    csr_write(tselect, 1);
    CHECK_EQ(csr_read(tselect), 1);
    csr_write(tselect, 0);
    CHECK_EQ(csr_read(tselect), 0);
    csr_write(tselect, 7); /* no such trigger: tselect keeps a valid one */
    CHECK(csr_read(tselect) < 2, "tselect %lu", (unsigned long)csr_read(tselect));
    arm(0, MC_EXEC | MC_U, 0x1234);
    CHECK_EQ(csr_read(tdata2), 0x1234);
    CHECK_EQ(csr_read(tdata1) >> 60, 2);
    disarm_all();
    report("tselect, tdata1 and tdata2 read back");
}

static void test_execute(void) {
    trap_records_reset();
    arm(0, MC_EXEC | MC_U, (uintptr_t)target);
    uint64_t r = run_lower(PRV_U, target, 14);
    CHECK_EQ(r, 42);
    CHECK_EQ(m_rec.count, 1);
    CHECK_EQ(m_rec.cause, 3);
    CHECK_EQ(m_rec.epc, (uintptr_t)target);
    CHECK(m_rec.tval == (uintptr_t)target || m_rec.tval == 0, "mtval 0x%lx", m_rec.tval);
    report("execute trigger in U-mode: mcause 3, mepc at the instruction, then it runs");

    trap_records_reset();
    arm(1, MC_EXEC | MC_S | MC_M, (uintptr_t)target);
    r = run_lower(PRV_U, target, 5);
    CHECK_EQ(r, 15);
    CHECK_EQ(m_rec.count, 0);
    disarm_all();
    report("a trigger for S and M does not fire in U-mode");
}

static void test_load_store(void) {
    trap_records_reset();
    data[1] = 77;
    arm(0, MC_LOAD | MC_U, (uintptr_t)&data[1]);
    uint64_t r = run_lower(PRV_U, do_load, (uintptr_t)&data[1]);
    CHECK_EQ(r, 77);
    CHECK_EQ(m_rec.count, 1);
    CHECK_EQ(m_rec.cause, 3);
    CHECK_EQ(m_rec.epc, lower_pc);
    CHECK(m_rec.tval == (uintptr_t)&data[1] || m_rec.tval == 0, "mtval 0x%lx", m_rec.tval);
    report("load trigger in U-mode: mcause 3, mepc at the load, before it");

    trap_records_reset();
    arm(1, MC_STORE | MC_S, (uintptr_t)&data[1]);
    run_lower(PRV_S, do_store, (uintptr_t)&data[1]);
    CHECK_EQ(m_rec.count, 1);
    CHECK_EQ(m_rec.cause, 3);
    CHECK_EQ(m_rec.epc, lower_pc);
    CHECK(m_rec.tval == (uintptr_t)&data[1] || m_rec.tval == 0, "mtval 0x%lx", m_rec.tval);
    CHECK_EQ(seen_at_trap, 77);
    CHECK_EQ(data[1], (uintptr_t)&data[1]);
    report("store trigger in S-mode: before the store, which runs once disarmed");

    trap_records_reset();
    arm(0, MC_STORE | MC_U, (uintptr_t)&data[1]);
    r = run_lower(PRV_U, do_load, (uintptr_t)&data[1]);
    run_lower(PRV_U, do_store, (uintptr_t)&data[2]);
    CHECK_EQ(m_rec.count, 0);
    CHECK_EQ(data[2], (uintptr_t)&data[2]);
    disarm_all();
    report("a store trigger ignores loads, and stores elsewhere");
}

int main(void) {
    priv_install(m_handler);
    test_tselect();
    test_execute();
    test_load_store();
    printf("triggers: %d failures\n", guest_failures);
    return guest_failures;
}
