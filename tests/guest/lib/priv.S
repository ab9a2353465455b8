/* Entering lower privilege modes and coming back; the S-mode trap entry. */
#include "priv.h"
    .section .text

/* Entered by mret in the lower mode: a0 = argument, a1 = function. */
    .globl lower_trampoline
    .align 2
lower_trampoline:
    jalr    a1
/* The way back to M-mode: a0 = result. */
    .globl priv_return
priv_return:
    li      a7, PRIV_MAGIC_A7
    li      a6, PRIV_MAGIC_A6
    .globl priv_return_ecall
priv_return_ecall:
    ecall
1:  j       1b

/* Used by the S-mode wrapper when the return ECALL was delegated to S:
 * reading mstatus from S-mode traps to M-mode as an illegal instruction. */
    .globl priv_return_illegal
priv_return_illegal:
    li      a7, PRIV_MAGIC_A7
    li      a6, PRIV_MAGIC_A6
    .globl priv_return_csrr
priv_return_csrr:
    csrr    zero, mstatus
1:  j       1b

/* uint64_t priv_enter(a0, a1, sp): mepc and mstatus.MPP are already set.
 * Saves the M-mode context, then mret's with a0, a1 and sp as given; it
 * "returns" when the M-mode trap handler calls priv_resume(result). (Not
 * setjmp: picolibc's saves FP registers with compressed FP stores, and these
 * helpers should need nothing but RV64I and Zicsr.) */
    .globl priv_enter
priv_enter:
    lla     t0, priv_context
    sd      ra, 0(t0)
    sd      sp, 8(t0)
    .irp r, 0,1,2,3,4,5,6,7,8,9,10,11
    sd      s\r, (16 + \r * 8)(t0)
    .endr
    mv      sp, a2
    li      a2, 0               /* no stale magic values in a6/a7 */
    li      a6, 0
    li      a7, 0
    mret

/* void priv_resume(uint64_t result): back to priv_enter's caller. */
    .globl priv_resume
priv_resume:
    lla     t0, priv_context
    ld      ra, 0(t0)
    ld      sp, 8(t0)
    .irp r, 0,1,2,3,4,5,6,7,8,9,10,11
    ld      s\r, (16 + \r * 8)(t0)
    .endr
    ret

/* uint64_t try_call(target, arg): calls target(arg). A fetch fault at the
 * target comes back to the instruction after the jalr (ra). */
    .globl try_call
try_call:
    addi    sp, sp, -16
    sd      ra, 8(sp)
    mv      t0, a0
    mv      a0, a1
    jalr    t0
    ld      ra, 8(sp)
    addi    sp, sp, 16
    ret

/* S-mode trap entry: switches to its own stack (the interrupted sp may be a
 * user address), builds a trap_frame with sepc/scause/stval, calls
 * s_trap_dispatch(frame) and sret's to the pc it returns. */
    .globl s_trap_entry
    .align 4
s_trap_entry:
    csrw    sscratch, sp
    lla     sp, s_trap_stack_top
    addi    sp, sp, -(35 * 8)
    .irp r, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\r, (\r * 8)(sp)
    .endr
    csrr    t0, sscratch
    sd      t0, (2 * 8)(sp)
    csrr    t0, sepc
    sd      t0, (32 * 8)(sp)
    csrr    t0, scause
    sd      t0, (33 * 8)(sp)
    csrr    t0, stval
    sd      t0, (34 * 8)(sp)
    mv      a0, sp
    call    s_trap_dispatch
    csrw    sepc, a0
    .irp r, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld      x\r, (\r * 8)(sp)
    .endr
    ld      sp, (2 * 8)(sp)
    sret

    .section .bss
    .align 4
priv_context:
    .space 14 * 8
s_trap_stack:
    .space 16384
s_trap_stack_top:
