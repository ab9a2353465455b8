/* M-mode trap entry: saves every register into a trap_frame on the stack,
 * calls trap_dispatch(frame), and returns to the pc it gives back. */
    .section .text
    .globl trap_entry
    .align 4
trap_entry:
    addi    sp, sp, -(35 * 8)
    .irp r, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\r, (\r * 8)(sp)
    .endr
    addi    t0, sp, 35 * 8
    sd      t0, (2 * 8)(sp)     /* the sp at the trap */
    csrr    t0, mepc
    sd      t0, (32 * 8)(sp)
    csrr    t0, mcause
    sd      t0, (33 * 8)(sp)
    csrr    t0, mtval
    sd      t0, (34 * 8)(sp)
    mv      a0, sp
    call    trap_dispatch
    csrw    mepc, a0
    .irp r, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld      x\r, (\r * 8)(sp)
    .endr
    addi    sp, sp, 35 * 8
    mret
