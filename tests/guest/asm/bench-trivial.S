# The trivial guest: power off at once, through the finisher.
    .section .text.init
    .globl _start
_start:
    li t0, 0x100000
    li t1, 0x5555
    sw t1, 0(t0)
1:  j 1b
