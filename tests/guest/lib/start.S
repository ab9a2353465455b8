/* The C runtime's entry: stack, gp, tp, FPU on, .tbss and .bss cleared,
 * main, exit. Only hart 0 runs the program; others wait. */
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
    wfi
    j       park

zero_range:                     /* [t0, t1), byte by byte */
    bgeu    t0, t1, 1f
    sb      zero, 0(t0)
    addi    t0, t0, 1
    j       zero_range
1:  ret
