/* The C runtime's entry: stack, gp, tp, FPU on, .tbss and .bss cleared,
 * main, exit. Only hart 0 runs the program; the others wait in WFI until
 * it calls smp_start (runtime.c), which sets smp_entry and sends each an
 * IPI: a hart then runs smp_entry(hartid) on a 16 KiB stack of its own
 * (below __smp_stacks), and waits again when it returns. */
    .section .text.init
    .globl _start
_start:
    csrr    t0, mhartid
    bnez    t0, park
    la      sp, __stack
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    la      tp, __tls_base
    li      t0, (1 << 13)       /* mstatus.FS = Initial: the FPU is usable */
    csrs    mstatus, t0
    csrwi   fcsr, 0
    la      t0, __tdata_end
    la      t1, __tls_end
    call    zero_range
    la      t0, __bss_start
    la      t1, __bss_end
    call    zero_range
    call    main
    call    exit
park:
    li      t0, 8               /* mie.MSIE: an IPI ends WFI (mstatus.MIE stays off) */
    csrs    mie, t0
1:  wfi
    csrr    a0, mhartid
    slli    t0, a0, 2           /* clear this hart's msip (CLINT 0x2000000 + 4 * hart) */
    li      t1, 0x2000000
    add     t0, t0, t1
    sw      zero, 0(t0)
    la      t0, smp_entry
    ld      t1, 0(t0)
    beqz    t1, 1b
    la      sp, __smp_stacks
    addi    t2, a0, -1
    slli    t2, t2, 14
    sub     sp, sp, t2
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    li      t0, (1 << 13)
    csrs    mstatus, t0
    jalr    t1
    j       1b

    .section .data
    .balign 8
    .globl smp_entry
smp_entry:                      /* void (*)(unsigned long hartid), set by smp_start */
    .dword  0
    .text

zero_range:                     /* [t0, t1), byte by byte */
    bgeu    t0, t1, 1f
    sb      zero, 0(t0)
    addi    t0, t0, 1
    j       zero_range
1:  ret
