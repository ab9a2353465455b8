/* Macros for ISA tests in assembly, riscv-tests style: each TEST_* case
 * computes a value, compares it with the expected one, and on a mismatch
 * ends the program with the case number as the exit status (HTIF tohost,
 * so riscv-tests' conventions apply; the finisher works as well).
 *
 *   #include "test.h"
 *   TEST_START
 *   TEST_RR_OP(2, add, 3, 1, 2)
 *   TEST_PASS
 */
#ifndef ASM_TEST_H
#define ASM_TEST_H

#define TESTNUM gp

/* Entry: M-mode, traps go to `trap_vector` (which fails the test unless a
 * test installed its own handler in mtvec). */
#define TEST_START                                  \
    .section .text.init;                            \
    .globl _start;                                  \
_start:                                             \
    csrr t0, mhartid;                               \
    bnez t0, 99f;                                   \
    la t0, trap_vector;                             \
    csrw mtvec, t0;                                 \
    li t0, (1 << 13);                               \
    csrs mstatus, t0;                               \
    csrwi fcsr, 0;                                  \
    li TESTNUM, 0;                                  \
    j 98f;                                          \
99: wfi;                                            \
    j 99b;                                          \
    .align 2;                                       \
trap_vector:                                        \
    li TESTNUM, 1337;                               \
    j fail;                                         \
98:

/* tohost <- (code << 1) | 1, as two 32-bit stores, low word first. */
#define TEST_EXIT(reg)                              \
    slli reg, reg, 1;                               \
    ori reg, reg, 1;                                \
    la t5, tohost;                                  \
    sw reg, 0(t5);                                  \
    srli reg, reg, 32;                              \
    sw reg, 4(t5);                                  \
1:  j 1b

#define TEST_PASS                                   \
pass:                                               \
    li a0, 0;                                       \
    TEST_EXIT(a0);                                  \
fail:                                               \
    mv a0, TESTNUM;                                 \
    TEST_EXIT(a0);                                  \
    .section .tohost, "aw", @progbits;              \
    .align 6;                                       \
    .globl tohost;                                  \
    .type tohost, @object;                          \
    .size tohost, 8;                                \
tohost: .dword 0;                                   \
    .align 6;                                       \
    .globl fromhost;                                \
    .type fromhost, @object;                        \
    .size fromhost, 8;                              \
fromhost: .dword 0;                                 \
    .text

#define TEST_CASE(n, testreg, correctval, code...)  \
test_##n:                                           \
    li TESTNUM, n;                                  \
    code;                                           \
    li x29, correctval;                             \
    bne testreg, x29, fail

#define TEST_RR_OP(n, inst, result, val1, val2)     \
    TEST_CASE(n, x14, result,                       \
        li x1, val1;                                \
        li x2, val2;                                \
        inst x14, x1, x2)

#define TEST_IMM_OP(n, inst, result, val1, imm)     \
    TEST_CASE(n, x14, result,                       \
        li x1, val1;                                \
        inst x14, x1, imm)

#endif
