/* Zicond's czero.eqz and czero.nez, emitted with .insn (binutils 2.40 does
 * not know them), and a branchless select built from them. Run with
 * zicond=off too, where both are illegal instructions. QEMU 7.2 has no
 * Zicond: the output is checked against expected/ only. */
#include "guest.h"

typedef unsigned long u64;

static volatile u64 trap_cause, trap_tval;

static uint64_t on_trap(struct trap_frame* f) {
    trap_cause = f->mcause;
    trap_tval = f->mtval;
    f->regs[10] = 0xbad; /* a0: what the failed instruction "returns" */
    return f->mepc + 4;
}

/* czero.eqz rd, rs1, rs2: rd = rs2 == 0 ? 0 : rs1 */
static u64 czero_eqz(u64 v, u64 cond) {
    register u64 a0 __asm__("a0") = v;
    register u64 a1 __asm__("a1") = cond;
    __asm__ volatile(".insn r 0x33, 5, 7, a0, a0, a1" : "+r"(a0) : "r"(a1));
    return a0;
}

/* czero.nez rd, rs1, rs2: rd = rs2 != 0 ? 0 : rs1 */
static u64 czero_nez(u64 v, u64 cond) {
    register u64 a0 __asm__("a0") = v;
    register u64 a1 __asm__("a1") = cond;
    __asm__ volatile(".insn r 0x33, 7, 7, a0, a0, a1" : "+r"(a0) : "r"(a1));
    return a0;
}

static void report(const char* what, u64 v) {
    if (trap_cause) {
        printf("%-24s illegal: mcause %lu mtval %08lx\n", what, (u64)trap_cause, (u64)trap_tval);
        trap_cause = trap_tval = 0;
    } else {
        printf("%-24s %016lx\n", what, v);
    }
}

int main(void) {
    trap_install(on_trap);
    static const u64 conds[] = {0, 1, 0x8000000000000000ul, ~0ul};
    for (unsigned i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "czero.eqz cond=%lx", conds[i]);
        report(name, czero_eqz(0x1234567890abcdeful, conds[i]));
        snprintf(name, sizeof name, "czero.nez cond=%lx", conds[i]);
        report(name, czero_nez(0x1234567890abcdeful, conds[i]));
    }
    /* cond ? a : b, the way compilers use Zicond */
    for (u64 cond = 0; cond < 2; cond++) {
        u64 a = 111, b = 222;
        u64 r = czero_eqz(a, cond);
        if (!trap_cause) r |= czero_nez(b, cond);
        report(cond ? "select cond=1 (a=111)" : "select cond=0 (b=222)", r);
    }
    return 0;
}
