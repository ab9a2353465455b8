/* Privilege-mode helpers for the C guests: run a function in S- or U-mode
 * and come back to M-mode with its result, and take S-mode traps in C.
 *
 *   priv_install(my_m_handler);          // M-mode traps (replaces trap_install)
 *   s_trap_install(my_s_handler);        // S-mode traps (stvec), for delegated ones
 *   pmp_allow_all();                     // PMP entry 15: everything RWX for S/U
 *   uint64_t r = run_lower(PRV_S, fn, arg);
 *
 * The lower-mode function runs on its own stack and returns through an ECALL
 * that the M-mode wrapper recognises by the magic values in a6/a7 (code
 * elsewhere, say in a user page, may end with the same sequence). When that
 * ECALL is delegated to S-mode, the S-mode wrapper forwards it to M-mode
 * through an illegal instruction (csrr mstatus), so medeleg bit 2 must stay
 * clear while a lower-mode function returns. */
#ifndef GUEST_PRIV_H
#define GUEST_PRIV_H

#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

#define PRIV_MAGIC_A7 0x5e7u
#define PRIV_MAGIC_A6 0x7e57u

#define MSTATUS_SIE (1ul << 1)
#define MSTATUS_MIE (1ul << 3)
#define MSTATUS_SPIE (1ul << 5)
#define MSTATUS_MPIE (1ul << 7)
#define MSTATUS_SPP (1ul << 8)
#define MSTATUS_MPP (3ul << 11)
#define MSTATUS_MPRV (1ul << 17)
#define MSTATUS_SUM (1ul << 18)
#define MSTATUS_MXR (1ul << 19)
#define MSTATUS_TVM (1ul << 20)
#define MSTATUS_TW (1ul << 21)
#define MSTATUS_TSR (1ul << 22)

#define IRQ_SSI 1
#define IRQ_MSI 3
#define IRQ_STI 5
#define IRQ_MTI 7
#define IRQ_SEI 9
#define IRQ_MEI 11
#define CAUSE_IRQ (1ul << 63)

#ifndef __ASSEMBLER__
#include "guest.h"

typedef uint64_t (*lower_fn)(uint64_t arg);

/* Runs fn(arg) in `mode` (PRV_S or PRV_U) on the helper's stack. */
uint64_t run_lower(int mode, lower_fn fn, uint64_t arg);
/* Lower-level: mret to `pc` in `mode` with a0, a1 and sp as given. The code
 * there must end with the return sequence (see priv_return in priv.S). */
uint64_t run_lower_at(int mode, uintptr_t pc, uint64_t a0, uint64_t a1, uintptr_t sp);
/* The top of the helper's stack, for run_lower_at. */
uintptr_t lower_stack_top(void);

/* Also calls pmp_allow_all(): call it before run_lower. */
void priv_install(trap_handler m_handler);
void s_trap_install(trap_handler s_handler);
void pmp_allow_all(void);

/* The length (2 or 4) of the instruction at pc, read in the current mode. */
unsigned insn_len(uintptr_t pc);

/* Recording trap handlers, for tests that provoke exceptions: each counts
 * the trap, keeps its cause/epc/tval and the status register at the trap
 * (mstatus or sstatus), and resumes after the faulting instruction, or, for
 * an instruction fetch fault (causes 0, 1, 12), at the return address in ra:
 * use try_call() to jump to an address that may not execute. */
struct trap_record {
    volatile int count;
    volatile uint64_t cause, epc, tval, status;
};
extern struct trap_record m_rec, s_rec;
void trap_records_reset(void);
uint64_t record_m_trap(struct trap_frame* f);
uint64_t record_s_trap(struct trap_frame* f);
/* Calls target(arg) (asm, so that a fetch fault comes back here). */
uint64_t try_call(uintptr_t target, uint64_t arg);

/* Prints "NAME: ok" when no CHECK failed since the previous report, and
 * "NAME: FAILED" otherwise. */
void report(const char* name);

/* Asm helpers in priv.S. */
extern char lower_trampoline[], priv_return[], priv_return_ecall[], priv_return_illegal[],
    priv_return_csrr[], s_trap_entry[];
#endif

#endif
