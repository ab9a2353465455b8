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
/* These are assembler macros, not C: */
/* clang-format off */
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

/* rd == rs1, and rd == x0 (the result is dropped). */
#define TEST_RR_DEST_SRC1(n, inst, result, val1, val2) \
    TEST_CASE(n, x1, result,                        \
        li x1, val1;                                \
        li x2, val2;                                \
        inst x1, x1, x2)

#define TEST_RR_DEST_SRC2(n, inst, result, val1, val2) \
    TEST_CASE(n, x2, result,                        \
        li x1, val1;                                \
        li x2, val2;                                \
        inst x2, x1, x2)

#define TEST_RR_ZERODEST(n, inst, val1, val2)       \
    TEST_CASE(n, x0, 0,                             \
        li x1, val1;                                \
        li x2, val2;                                \
        inst x0, x1, x2)

/* x0 as a source reads 0. */
#define TEST_RR_ZEROSRC1(n, inst, result, val2)     \
    TEST_CASE(n, x14, result,                       \
        li x2, val2;                                \
        inst x14, x0, x2)

/* Branches: the taken case must reach the label, the not-taken case must
 * fall through. */
#define TEST_BR_TAKEN(n, inst, val1, val2)          \
test_##n:                                           \
    li TESTNUM, n;                                  \
    li x1, val1;                                    \
    li x2, val2;                                    \
    inst x1, x2, 1f;                                \
    j fail;                                         \
1:

#define TEST_BR_NOT_TAKEN(n, inst, val1, val2)      \
test_##n:                                           \
    li TESTNUM, n;                                  \
    li x1, val1;                                    \
    li x2, val2;                                    \
    inst x1, x2, 1f;                                \
    j 2f;                                           \
1:  j fail;                                         \
2:

/* A load from `base + offset`. */
#define TEST_LD_OP(n, inst, result, offset, base)   \
    TEST_CASE(n, x14, result,                       \
        la x1, base;                                \
        inst x14, offset(x1))

/* A store of `value`, read back with `ldinst` (which gives `result`); the
 * whole 8-byte-aligned word around it then must equal `word`. */
#define TEST_ST_OP(n, stinst, ldinst, result, value, offset, base, word) \
    TEST_CASE(n, x14, result,                       \
        la x1, base;                                \
        li x2, value;                               \
        stinst x2, offset(x1);                      \
        ldinst x14, offset(x1));                    \
    la x1, base;                                    \
    ld x15, ((offset) & ~7)(x1);                    \
    li x29, word;                                   \
    bne x15, x29, fail

/* Floating point, compared bit for bit. Operands and results are given as
 * the bits of the values; a single-precision result must also come back
 * NaN-boxed. Each case clears fflags first and checks it afterwards.
 * The code under test reads f1, f2, f3 (or integer a1) and writes f10 (or
 * integer a0), e.g.
 *   TEST_FP_S(2, 0, 0x40700000, 0x3fc00000, 0x40100000, 0, fadd.s f10, f1, f2)
 */
#define FP_LOAD_S(freg, bits)                       \
    li t0, bits;                                    \
    fmv.w.x freg, t0

#define FP_LOAD_D(freg, bits)                       \
    li t0, bits;                                    \
    fmv.d.x freg, t0

#define FP_CHECK_FLAGS(flags)                       \
    csrr t1, fflags;                                \
    li t2, flags;                                   \
    bne t1, t2, fail

#define TEST_FP_S(n, flags, result, a, b, c, code...) \
test_##n:                                           \
    li TESTNUM, n;                                  \
    FP_LOAD_S(f1, a);                               \
    FP_LOAD_S(f2, b);                               \
    FP_LOAD_S(f3, c);                               \
    csrwi fflags, 0;                                \
    code;                                           \
    fmv.x.d t1, f10;                                \
    li t2, 0xffffffff00000000 | (result);           \
    bne t1, t2, fail;                               \
    FP_CHECK_FLAGS(flags)

#define TEST_FP_D(n, flags, result, a, b, c, code...) \
test_##n:                                           \
    li TESTNUM, n;                                  \
    FP_LOAD_D(f1, a);                               \
    FP_LOAD_D(f2, b);                               \
    FP_LOAD_D(f3, c);                               \
    csrwi fflags, 0;                                \
    code;                                           \
    fmv.x.d t1, f10;                                \
    li t2, result;                                  \
    bne t1, t2, fail;                               \
    FP_CHECK_FLAGS(flags)

/* An integer result in a0 from singles or doubles in f1, f2. */
#define TEST_FP_X_S(n, flags, result, a, b, code...) \
test_##n:                                           \
    li TESTNUM, n;                                  \
    FP_LOAD_S(f1, a);                               \
    FP_LOAD_S(f2, b);                               \
    csrwi fflags, 0;                                \
    code;                                           \
    li t2, result;                                  \
    bne a0, t2, fail;                               \
    FP_CHECK_FLAGS(flags)

#define TEST_FP_X_D(n, flags, result, a, b, code...) \
test_##n:                                           \
    li TESTNUM, n;                                  \
    FP_LOAD_D(f1, a);                               \
    FP_LOAD_D(f2, b);                               \
    csrwi fflags, 0;                                \
    code;                                           \
    li t2, result;                                  \
    bne a0, t2, fail;                               \
    FP_CHECK_FLAGS(flags)

/* Converting integer a1 = val. */
#define TEST_FP_FROM_X_S(n, flags, result, val, code...) \
    TEST_FP_S(n, flags, result, 0, 0, 0, li a1, val; code)
#define TEST_FP_FROM_X_D(n, flags, result, val, code...) \
    TEST_FP_D(n, flags, result, 0, 0, 0, li a1, val; code)

#endif
