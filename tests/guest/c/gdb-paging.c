/* The program the gdb paging session (tests/gdbstub/sessions/paging.gdb)
 * debugs: Sv39 on, S-mode code running at an alias of its physical address,
 * and U-mode code at another alias, so that breakpoints, stepping and x/
 * have to go through the hart's translation and work in every mode.
 *
 *   VA 0x0000000000 -> PA 0x00000000   1 GiB, S RW   (the UART, the finisher)
 *   VA 0x0080000000 -> PA 0x80000000   1 GiB, S RWX  (RAM where it is linked)
 *   VA 0x1000000000 -> PA 0x80000000   1 GiB, U RWX  (RAM again, for U-mode)
 *   VA 0x2000000000 -> PA 0x80000000   1 GiB, S RWX  (RAM again, for S-mode)
 *
 * Built without optimisation (but u_work, which must not touch the stack),
 * so that gdb finds every variable. */
#pragma GCC optimize("O0")
#include "priv.h"

#define RAM 0x80000000ul
#define U_ALIAS 0x1000000000ul
#define S_ALIAS 0x2000000000ul
#define ALIAS(base, p) ((uintptr_t)(p)-RAM + (base))

#define PTE_V 0x001
#define PTE_R 0x002
#define PTE_W 0x004
#define PTE_X 0x008
#define PTE_U 0x010
#define PTE_A 0x040
#define PTE_D 0x080

static uint64_t root[512] __attribute__((aligned(4096)));
volatile long s_seen;
long marks[4] = {0x11, 0x22, 0x33, 0x44};

static uint64_t giga(uintptr_t pa, uint64_t flags) {
    return ((pa >> 12) << 10) | flags | PTE_A | PTE_D | PTE_V;
}

/* Runs in S-mode at its S_ALIAS address. */
long s_work(long x) {
    long y = x * 2 + marks[0] - 0x11;
    s_seen = y;
    return y + 1;
}

/* Runs in U-mode at its U_ALIAS address: a leaf that needs no stack. */
__attribute__((optimize("O2"), noinline)) long u_work(long x) { return x * 3 + 1; }

uint64_t s_main(uint64_t arg) {
    long (*aliased)(long) = (long (*)(long))ALIAS(S_ALIAS, s_work);
    return (uint64_t)aliased((long)arg);
}

int main(void) {
    priv_install(record_m_trap);
    root[0] = giga(0, PTE_R | PTE_W);
    root[RAM >> 30] = giga(RAM, PTE_R | PTE_W | PTE_X);
    root[U_ALIAS >> 30] = giga(RAM, PTE_R | PTE_W | PTE_X | PTE_U);
    root[S_ALIAS >> 30] = giga(RAM, PTE_R | PTE_W | PTE_X);
    csr_write(satp, (8ul << 60) | ((uintptr_t)root >> 12));
    __asm__ volatile("sfence.vma" ::: "memory");

    long s_result = (long)run_lower(PRV_S, s_main, 20);
    /* U-mode never touches its stack; M-mode's trap entry, which runs on
     * the interrupted sp untranslated, needs a physical one. */
    long u_result = (long)run_lower_at(PRV_U, ALIAS(U_ALIAS, lower_trampoline), 5,
                                       ALIAS(U_ALIAS, u_work), lower_stack_top());
    csr_write(satp, 0);
    __asm__ volatile("sfence.vma" ::: "memory");
    printf("gdb-paging: s %ld u %ld seen %ld\n", s_result, u_result, s_seen);
    return 0;
}
