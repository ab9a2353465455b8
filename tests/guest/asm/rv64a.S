# RV64A: LR/SC (success, failure without a reservation, after the
# reservation was used, at another address) and every AMO in its .w and .d
# forms: rd gets the old value (sign-extended for .w), memory gets the
# result, a .w AMO reads only the low 32 bits of rs2 and leaves the other
# half of the doubleword alone, and amomin/amomax compare signed while
# amominu/amomaxu compare unsigned. A failing case ends the run with its
# number as the exit status (HTIF tohost).
#include "test.h"

/* mem(8 bytes at amo_word) = init; inst rd, rs2 = src, (amo_word + off);
 * rd must be ret and the doubleword must become mem. */
#define TEST_AMO_OFF(n, inst, init, src, off, ret, mem) \
test_##n:                                           \
    li TESTNUM, n;                                  \
    la x1, amo_word;                                \
    li x5, init;                                    \
    sd x5, 0(x1);                                   \
    li x2, src;                                     \
    addi x6, x1, off;                               \
    inst x14, x2, (x6);                             \
    li x29, ret;                                    \
    bne x14, x29, fail;                             \
    ld x15, 0(x1);                                  \
    li x29, mem;                                    \
    bne x15, x29, fail

#define TEST_AMO(n, inst, init, src, ret, mem) TEST_AMO_OFF(n, inst, init, src, 0, ret, mem)

TEST_START

# ---------------------------------------------------------------- LR/SC
test_2:                                 # SC without any reservation fails: rd = 1, memory unchanged
    li TESTNUM, 2
    la x1, amo_word
    li x5, 0x1111111122222222
    sd x5, 0(x1)
    li x2, 0x33333333
    sc.w x14, x2, (x1)
    li x29, 1
    bne x14, x29, fail
    ld x15, 0(x1)
    bne x15, x5, fail
    sc.d x14, x2, (x1)
    bne x14, x29, fail
    ld x15, 0(x1)
    bne x15, x5, fail
test_3:                                 # LR.W sign-extends; SC.W succeeds and writes 32 bits
    li TESTNUM, 3
    la x1, amo_word
    li x5, 0x5555555580000000
    sd x5, 0(x1)
    lr.w x14, (x1)
    li x29, 0xffffffff80000000
    bne x14, x29, fail
    li x2, 0xabcdef0112345678
    sc.w x15, x2, (x1)
    bnez x15, fail
    ld x16, 0(x1)
    li x29, 0x5555555512345678
    bne x16, x29, fail
test_4:                                 # a second SC without a new LR fails
    li TESTNUM, 4
    li x2, 0x99
    sc.w x15, x2, (x1)
    li x29, 1
    bne x15, x29, fail
    ld x16, 0(x1)
    li x29, 0x5555555512345678
    bne x16, x29, fail
test_5:                                 # LR.D / SC.D
    li TESTNUM, 5
    la x1, amo_word
    li x5, 0x8000000000000001
    sd x5, 0(x1)
    lr.d x14, (x1)
    bne x14, x5, fail
    li x2, 0x0123456789abcdef
    sc.d x15, x2, (x1)
    bnez x15, fail
    ld x16, 0(x1)
    bne x16, x2, fail
test_6:                                 # LR.W on the upper half of a doubleword
    li TESTNUM, 6
    la x1, amo_word
    li x5, 0x7fffffff00000000
    sd x5, 0(x1)
    addi x6, x1, 4
    lr.w x14, (x6)
    li x29, 0x7fffffff
    bne x14, x29, fail
    li x2, -1
    sc.w x15, x2, (x6)
    bnez x15, fail
    ld x16, 0(x1)
    li x29, 0xffffffff00000000
    bne x16, x29, fail
test_7:                                 # SC to an address other than the LR's fails...
    li TESTNUM, 7
    la x1, amo_word
    la x7, far_word
    li x5, 0x1234
    sd x5, 0(x1)
    sd x5, 0(x7)
    lr.d x14, (x1)
    li x2, 0x5678
    sc.d x15, x2, (x7)
    li x29, 1
    bne x15, x29, fail
    ld x16, 0(x7)
    bne x16, x5, fail
test_8:                                 # ... and invalidates the reservation
    li TESTNUM, 8
    sc.d x15, x2, (x1)
    li x29, 1
    bne x15, x29, fail
    ld x16, 0(x1)
    bne x16, x5, fail
test_9:                                 # an LR/SC increment loop, with aq/rl bits
    li TESTNUM, 9
    la x1, amo_word
    sd x0, 0(x1)
    li x7, 100
1:  lr.d.aq x14, (x1)
    addi x14, x14, 3
    sc.d.rl x15, x14, (x1)
    bnez x15, 1b
    addi x7, x7, -1
    bnez x7, 1b
    ld x16, 0(x1)
    li x29, 300
    bne x16, x29, fail
test_10:                                # a later LR replaces the reservation
    li TESTNUM, 10
    la x1, amo_word
    la x7, far_word
    lr.w x14, (x7)
    lr.w x14, (x1)
    li x2, 77
    sc.w x15, x2, (x1)
    bnez x15, fail
    lw x16, 0(x1)
    li x29, 77
    bne x16, x29, fail

# ---------------------------------------------------------------- AMO .w
    TEST_AMO(20, amoswap.w, 0xaaaaaaaa80000000, 0x1234567800000001, 0xffffffff80000000, 0xaaaaaaaa00000001)
    TEST_AMO(21, amoswap.w, 0xaaaaaaaa7fffffff, 0xfedcba9880000000, 0x000000007fffffff, 0xaaaaaaaa80000000)
    TEST_AMO(22, amoadd.w, 0xaaaaaaaa7fffffff, 0xffffffff00000001, 0x000000007fffffff, 0xaaaaaaaa80000000)
    TEST_AMO(23, amoadd.w, 0x55555555ffffffff, 0x0000000000000001, 0xffffffffffffffff, 0x5555555500000000) # no carry out
    TEST_AMO(24, amoxor.w, 0xaaaaaaaaf0f0f0f0, 0xffffffff000000ff, 0xfffffffff0f0f0f0, 0xaaaaaaaaf0f0f00f)
    TEST_AMO(25, amoand.w, 0xaaaaaaaaffff0000, 0x000000000ff00ff0, 0xffffffffffff0000, 0xaaaaaaaa0ff00000)
    TEST_AMO(26, amoor.w, 0xaaaaaaaa80000000, 0xffffffff00000001, 0xffffffff80000000, 0xaaaaaaaa80000001)
    TEST_AMO(27, amomin.w, 0xaaaaaaaa80000000, 0x0000000000000001, 0xffffffff80000000, 0xaaaaaaaa80000000) # signed
    TEST_AMO(28, amomin.w, 0xaaaaaaaa00000005, 0x00000000ffffffff, 0x0000000000000005, 0xaaaaaaaaffffffff) # rs2 low word is -1
    TEST_AMO(29, amomin.w, 0xaaaaaaaa00000005, 0x7fffffff00000007, 0x0000000000000005, 0xaaaaaaaa00000005)
    TEST_AMO(30, amomax.w, 0xaaaaaaaa80000000, 0x0000000000000001, 0xffffffff80000000, 0xaaaaaaaa00000001)
    TEST_AMO(31, amomax.w, 0xaaaaaaaa00000005, 0x00000000ffffffff, 0x0000000000000005, 0xaaaaaaaa00000005)
    TEST_AMO(32, amomax.w, 0xaaaaaaaafffffffe, 0x00000001ffffffff, 0xfffffffffffffffe, 0xaaaaaaaaffffffff)
    TEST_AMO(33, amominu.w, 0xaaaaaaaa80000000, 0x0000000000000001, 0xffffffff80000000, 0xaaaaaaaa00000001) # unsigned
    TEST_AMO(34, amominu.w, 0xaaaaaaaa00000005, 0x00000000ffffffff, 0x0000000000000005, 0xaaaaaaaa00000005)
    TEST_AMO(35, amominu.w, 0xaaaaaaaa00000005, 0xffffffff00000003, 0x0000000000000005, 0xaaaaaaaa00000003) # upper half of rs2 ignored
    TEST_AMO(36, amomaxu.w, 0xaaaaaaaa80000000, 0x0000000000000001, 0xffffffff80000000, 0xaaaaaaaa80000000)
    TEST_AMO(37, amomaxu.w, 0xaaaaaaaa00000005, 0x00000000ffffffff, 0x0000000000000005, 0xaaaaaaaaffffffff)
    TEST_AMO(38, amomaxu.w, 0xaaaaaaaa00000005, 0x0000000100000003, 0x0000000000000005, 0xaaaaaaaa00000005)
    TEST_AMO_OFF(39, amoadd.w, 0x7fffffff00000009, 0x0000000000000001, 4, 0x000000007fffffff, 0x8000000000000009) # upper word
    TEST_AMO_OFF(40, amoswap.w, 0x1111111122222222, 0x0000000080000000, 4, 0x0000000011111111, 0x8000000022222222)
    TEST_AMO(41, amoadd.w.aqrl, 0xaaaaaaaa00000010, 0x0000000000000020, 0x0000000000000010, 0xaaaaaaaa00000030)

# ---------------------------------------------------------------- AMO .d
    TEST_AMO(50, amoswap.d, 0x8000000000000000, 0x0123456789abcdef, 0x8000000000000000, 0x0123456789abcdef)
    TEST_AMO(51, amoadd.d, 0x7fffffffffffffff, 0x0000000000000001, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_AMO(52, amoadd.d, 0xffffffffffffffff, 0x0000000000000002, 0xffffffffffffffff, 0x0000000000000001)
    TEST_AMO(53, amoadd.d, 0x00000000ffffffff, 0x0000000000000001, 0x00000000ffffffff, 0x0000000100000000) # carry into the upper half
    TEST_AMO(54, amoxor.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0xf0f0f0f0f0f0f0f0)
    TEST_AMO(55, amoand.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0x0f000f000f000f00)
    TEST_AMO(56, amoor.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0xfff0fff0fff0fff0)
    TEST_AMO(57, amomin.d, 0x8000000000000000, 0x0000000000000001, 0x8000000000000000, 0x8000000000000000)
    TEST_AMO(58, amomin.d, 0x0000000000000001, 0xffffffffffffffff, 0x0000000000000001, 0xffffffffffffffff)
    TEST_AMO(59, amomin.d, 0x0000000100000000, 0x00000000ffffffff, 0x0000000100000000, 0x00000000ffffffff) # all 64 bits compared
    TEST_AMO(60, amomax.d, 0x8000000000000000, 0x0000000000000001, 0x8000000000000000, 0x0000000000000001)
    TEST_AMO(61, amomax.d, 0x0000000000000001, 0xffffffffffffffff, 0x0000000000000001, 0x0000000000000001)
    TEST_AMO(62, amomax.d, 0x0000000100000000, 0x00000000ffffffff, 0x0000000100000000, 0x0000000100000000)
    TEST_AMO(63, amominu.d, 0x8000000000000000, 0x0000000000000001, 0x8000000000000000, 0x0000000000000001)
    TEST_AMO(64, amominu.d, 0x0000000000000001, 0xffffffffffffffff, 0x0000000000000001, 0x0000000000000001)
    TEST_AMO(65, amomaxu.d, 0x8000000000000000, 0x0000000000000001, 0x8000000000000000, 0x8000000000000000)
    TEST_AMO(66, amomaxu.d, 0x0000000000000001, 0xffffffffffffffff, 0x0000000000000001, 0xffffffffffffffff)
    TEST_AMO(67, amomaxu.d, 0x0000000100000000, 0x00000000ffffffff, 0x0000000100000000, 0x0000000100000000)
    TEST_AMO(68, amoor.d.aq, 0x0000000000000001, 0x8000000000000000, 0x0000000000000001, 0x8000000000000001)

# ---------------------------------------------------------------- rd = x0, rd = rs2
test_70:                                # an AMO with rd = x0 still writes memory
    li TESTNUM, 70
    la x1, amo_word
    li x5, 40
    sd x5, 0(x1)
    li x2, 2
    amoadd.d x0, x2, (x1)
    ld x16, 0(x1)
    li x29, 42
    bne x16, x29, fail
test_71:                                # rd = rs2: memory gets the old rs2, rd the old memory
    li TESTNUM, 71
    la x1, amo_word
    li x5, 0x1111
    sd x5, 0(x1)
    li x2, 0x2222
    amoswap.d x2, x2, (x1)
    bne x2, x5, fail
    ld x16, 0(x1)
    li x29, 0x2222
    bne x16, x29, fail
test_72:                                # rd = rs1
    li TESTNUM, 72
    la x1, amo_word
    li x5, 5
    sd x5, 0(x1)
    li x2, 6
    mv x6, x1
    amoadd.d x6, x2, (x6)
    bne x6, x5, fail
    ld x16, 0(x1)
    li x29, 11
    bne x16, x29, fail

    j pass

    .data
    .align 6
amo_word:
    .dword 0
    .align 7
far_word:
    .dword 0

TEST_PASS
