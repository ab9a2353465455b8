/* Faults of atomic memory operations, as the spec has them: a misaligned
 * AMO or SC raises a store/AMO address-misaligned exception (mcause 6) and
 * an AMO at an unmapped address a store/AMO access fault (mcause 7), with
 * mtval = the address, and neither rd nor memory changes. QEMU 7.2 differs
 * (so this test has no QEMU reference): it reports a misaligned AMO as a
 * load address-misaligned exception (4), an AMO at an unmapped address as a
 * load access fault (5), and lets a misaligned SC fail without a trap. */
#include "priv.h"

static void check_fault(const char* what, uint64_t cause, uint64_t addr) {
    CHECK(m_rec.count == 1, "%s: %d traps", what, m_rec.count);
    CHECK(m_rec.cause == cause, "%s: mcause %lu, expected %lu", what, (unsigned long)m_rec.cause,
          (unsigned long)cause);
    CHECK(m_rec.tval == addr, "%s: mtval 0x%lx, expected 0x%lx", what, (unsigned long)m_rec.tval,
          (unsigned long)addr);
}

int main(void) {
    static uint64_t words[4] __attribute__((aligned(16)));
    uintptr_t base = (uintptr_t)words;
    uint64_t v = 1, rd;
    priv_install(record_m_trap);

#define AMO(insn, addr)                                                                            \
    do {                                                                                           \
        trap_records_reset();                                                                      \
        rd = 0x77;                                                                                 \
        __asm__ volatile(insn " %0, %1, (%2)" : "+r"(rd) : "r"(v), "r"(addr) : "memory");          \
        CHECK_EQ(rd, 0x77);                                                                        \
    } while (0)

    AMO("amoadd.w", base + 2);
    check_fault("amoadd.w at +2", 6, base + 2);
    AMO("amoswap.w", base + 1);
    check_fault("amoswap.w at +1", 6, base + 1);
    AMO("amoswap.d", base + 4);
    check_fault("amoswap.d at +4", 6, base + 4);
    AMO("amoor.d", base + 9);
    check_fault("amoor.d at +9", 6, base + 9);
    AMO("amomaxu.d", base + 14);
    check_fault("amomaxu.d at +14", 6, base + 14);
    CHECK_EQ(words[0], 0);
    CHECK_EQ(words[1], 0);
    report("misaligned AMO: store/AMO address misaligned (6), mtval = address");

    /* A misaligned SC, with and without a reservation on the aligned word. */
    AMO("sc.d", base + 4);
    check_fault("sc.d at +4 without a reservation", 6, base + 4);
    __asm__ volatile("lr.w %0, (%1)" : "=r"(rd) : "r"(base) : "memory");
    AMO("sc.w", base + 2);
    check_fault("sc.w at +2", 6, base + 2);
    CHECK_EQ(words[0], 0);
    report("misaligned SC: store/AMO address misaligned (6)");

    AMO("amoadd.d", 0x0ul);
    check_fault("amoadd.d at 0x0", 7, 0);
    AMO("amoswap.w", 0x10ul);
    check_fault("amoswap.w at 0x10", 7, 0x10);
    report("AMO at an unmapped address: store/AMO access fault (7)");

    printf("amo-faults: %d failures\n", guest_failures);
    return guest_failures;
}
