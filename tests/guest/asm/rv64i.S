# RV64I arithmetic, as riscv-tests checks it.
#include "test.h"

TEST_START
    TEST_RR_OP(2, add, 0x00000003, 1, 2)
    TEST_RR_OP(3, add, 0xffffffff80000000, 0xffffffff80000000, 0)
    TEST_RR_OP(4, sub, 0xfffffffffffffffe, 1, 3)
    TEST_IMM_OP(5, addi, 0x7ff, 0, 0x7ff)
    TEST_IMM_OP(6, slli, 0x8000000000000000, 1, 63)
    TEST_IMM_OP(7, srai, 0xffffffffffffffff, 0x8000000000000000, 63)
    TEST_RR_OP(8, sltu, 1, 0, 0xffffffffffffffff)
    TEST_RR_OP(9, slt, 0, 0, 0xffffffffffffffff)
    TEST_RR_OP(10, addw, 0xffffffff80000000, 0x7fffffff, 1)
    TEST_IMM_OP(11, sraiw, 0xffffffffffffffff, 0x80000000, 31)
    j pass
TEST_PASS
