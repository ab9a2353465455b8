# RV64M: multiplication and division, including the high halves with every
# signedness, division by zero (quotient all ones, remainder the dividend),
# signed overflow (-2^63 / -1), and the W forms, which read only the low 32
# bits of their sources and sign-extend a 32-bit result. A failing case ends
# the run with its number as the exit status (HTIF tohost).
#include "test.h"

TEST_START

# mul
    TEST_RR_OP(2, mul, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000)
    TEST_RR_OP(3, mul, 0x0000000000000015, 0x0000000000000003, 0x0000000000000007)
    TEST_RR_OP(4, mul, 0xffffffffffffffeb, 0xfffffffffffffffd, 0x0000000000000007)
    TEST_RR_OP(5, mul, 0x0000000000000001, 0xffffffffffffffff, 0xffffffffffffffff)
    TEST_RR_OP(6, mul, 0x8000000000000000, 0x8000000000000000, 0xffffffffffffffff)
    TEST_RR_OP(7, mul, 0x236d88fe5618cf00, 0x123456789abcdef0, 0xfedcba9876543210)
    TEST_RR_OP(8, mul, 0xfffffffffffffffe, 0x7fffffffffffffff, 0x0000000000000002)
    TEST_RR_OP(9, mul, 0x0000000000000000, 0x0000000100000000, 0x0000000100000000)

# mulh
    TEST_RR_OP(10, mulh, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000)
    TEST_RR_OP(11, mulh, 0x0000000000000000, 0x0000000000000003, 0x0000000000000007)
    TEST_RR_OP(12, mulh, 0x0000000000000000, 0xffffffffffffffff, 0xffffffffffffffff)
    TEST_RR_OP(13, mulh, 0xffffffffffffffff, 0xffffffffffffffff, 0x0000000000000001)
    TEST_RR_OP(14, mulh, 0x4000000000000000, 0x8000000000000000, 0x8000000000000000)
    TEST_RR_OP(15, mulh, 0x0000000000000000, 0x8000000000000000, 0xffffffffffffffff)
    TEST_RR_OP(16, mulh, 0x3fffffffffffffff, 0x7fffffffffffffff, 0x7fffffffffffffff)
    TEST_RR_OP(17, mulh, 0xffeb49923cc09532, 0x123456789abcdef0, 0xfedcba9876543210)
    TEST_RR_OP(18, mulh, 0xffffffffffffffff, 0xfffffffffffffffe, 0x0000000000000003)

# mulhsu
    TEST_RR_OP(19, mulhsu, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000)
    TEST_RR_OP(20, mulhsu, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff)
    TEST_RR_OP(21, mulhsu, 0xffffffffffffffff, 0xffffffffffffffff, 0x0000000000000001)
    TEST_RR_OP(22, mulhsu, 0x0000000000000000, 0x0000000000000001, 0xffffffffffffffff)
    TEST_RR_OP(23, mulhsu, 0x8000000000000000, 0x8000000000000000, 0xffffffffffffffff)
    TEST_RR_OP(24, mulhsu, 0x7ffffffffffffffe, 0x7fffffffffffffff, 0xffffffffffffffff)
    TEST_RR_OP(25, mulhsu, 0xffffffffffffffff, 0xfffffffffffffffe, 0x0000000000000003)
    TEST_RR_OP(26, mulhsu, 0x121fa00ad77d7422, 0x123456789abcdef0, 0xfedcba9876543210)

# mulhu
    TEST_RR_OP(27, mulhu, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000)
    TEST_RR_OP(28, mulhu, 0xfffffffffffffffe, 0xffffffffffffffff, 0xffffffffffffffff)
    TEST_RR_OP(29, mulhu, 0x0000000000000001, 0xffffffffffffffff, 0x0000000000000002)
    TEST_RR_OP(30, mulhu, 0x4000000000000000, 0x8000000000000000, 0x8000000000000000)
    TEST_RR_OP(31, mulhu, 0x121fa00ad77d7422, 0x123456789abcdef0, 0xfedcba9876543210)
    TEST_RR_OP(32, mulhu, 0x0000000000000000, 0x00000000ffffffff, 0x00000000ffffffff)

# div
    TEST_RR_OP(33, div, 0x0000000000000003, 0x0000000000000014, 0x0000000000000006)
    TEST_RR_OP(34, div, 0xfffffffffffffffd, 0xffffffffffffffec, 0x0000000000000006)
    TEST_RR_OP(35, div, 0xfffffffffffffffd, 0x0000000000000014, 0xfffffffffffffffa)
    TEST_RR_OP(36, div, 0x0000000000000003, 0xffffffffffffffec, 0xfffffffffffffffa)
    TEST_RR_OP(37, div, 0x8000000000000000, 0x8000000000000000, 0x0000000000000001)
    TEST_RR_OP(38, div, 0x8000000000000000, 0x8000000000000000, 0xffffffffffffffff)
    TEST_RR_OP(39, div, 0xffffffffffffffff, 0xffffffffffffffff, 0x0000000000000000)
    TEST_RR_OP(40, div, 0xffffffffffffffff, 0x0000000000000001, 0x0000000000000000)
    TEST_RR_OP(41, div, 0xffffffffffffffff, 0x0000000000000000, 0x0000000000000000)
    TEST_RR_OP(42, div, 0x8000000000000001, 0x7fffffffffffffff, 0xffffffffffffffff)
    TEST_RR_OP(43, div, 0x0000000000000000, 0x0000000000000005, 0x0000000000000007)
    TEST_RR_OP(44, div, 0x0000000000000000, 0xfffffffffffffffb, 0x0000000000000007)

# divu
    TEST_RR_OP(45, divu, 0x0000000000000003, 0x0000000000000014, 0x0000000000000006)
    TEST_RR_OP(46, divu, 0x2aaaaaaaaaaaaaa7, 0xffffffffffffffec, 0x0000000000000006)
    TEST_RR_OP(47, divu, 0x0000000000000000, 0x0000000000000014, 0xfffffffffffffffa)
    TEST_RR_OP(48, divu, 0x0000000000000000, 0x8000000000000000, 0xffffffffffffffff)
    TEST_RR_OP(49, divu, 0xffffffffffffffff, 0xffffffffffffffff, 0x0000000000000000)
    TEST_RR_OP(50, divu, 0xffffffffffffffff, 0x0000000000000000, 0x0000000000000000)
    TEST_RR_OP(51, divu, 0xffffffffffffffff, 0xffffffffffffffff, 0x0000000000000001)
    TEST_RR_OP(52, divu, 0x4000000000000000, 0x8000000000000000, 0x0000000000000002)

# rem
    TEST_RR_OP(53, rem, 0x0000000000000002, 0x0000000000000014, 0x0000000000000006)
    TEST_RR_OP(54, rem, 0xfffffffffffffffe, 0xffffffffffffffec, 0x0000000000000006)
    TEST_RR_OP(55, rem, 0x0000000000000002, 0x0000000000000014, 0xfffffffffffffffa)
    TEST_RR_OP(56, rem, 0xfffffffffffffffe, 0xffffffffffffffec, 0xfffffffffffffffa)
    TEST_RR_OP(57, rem, 0x0000000000000000, 0x8000000000000000, 0x0000000000000001)
    TEST_RR_OP(58, rem, 0x0000000000000000, 0x8000000000000000, 0xffffffffffffffff)
    TEST_RR_OP(59, rem, 0xffffffffffffffff, 0xffffffffffffffff, 0x0000000000000000)
    TEST_RR_OP(60, rem, 0x0000000123456789, 0x0000000123456789, 0x0000000000000000)
    TEST_RR_OP(61, rem, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000)
    TEST_RR_OP(62, rem, 0xfffffffffffffffb, 0xfffffffffffffffb, 0x0000000000000007)

# remu
    TEST_RR_OP(63, remu, 0x0000000000000002, 0x0000000000000014, 0x0000000000000006)
    TEST_RR_OP(64, remu, 0x0000000000000002, 0xffffffffffffffec, 0x0000000000000006)
    TEST_RR_OP(65, remu, 0x0000000000000014, 0x0000000000000014, 0xfffffffffffffffa)
    TEST_RR_OP(66, remu, 0x8000000000000000, 0x8000000000000000, 0xffffffffffffffff)
    TEST_RR_OP(67, remu, 0xffffffffffffffff, 0xffffffffffffffff, 0x0000000000000000)
    TEST_RR_OP(68, remu, 0x0000000123456789, 0x0000000123456789, 0x0000000000000000)
    TEST_RR_OP(69, remu, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000)

# mulw
    TEST_RR_OP(70, mulw, 0x0000000000000015, 0x0000000000000003, 0x0000000000000007)
    TEST_RR_OP(71, mulw, 0xffffffffffffffeb, 0xfffffffffffffffd, 0x0000000000000007)
    TEST_RR_OP(72, mulw, 0xfffffffffffffffe, 0x000000007fffffff, 0x0000000000000002)
    TEST_RR_OP(73, mulw, 0x000000000000000f, 0x0000000100000003, 0x0000000000000005)
    TEST_RR_OP(74, mulw, 0xffffffff80000000, 0x0000000080000000, 0x0000000000000001)
    TEST_RR_OP(75, mulw, 0x0000000000000001, 0x00000000ffffffff, 0x00000000ffffffff)
    TEST_RR_OP(76, mulw, 0x00000000242d2080, 0x0000000012345678, 0x000000009abcdef0)
    TEST_RR_OP(77, mulw, 0x0000000000000000, 0x0000000000010000, 0x0000000000010000)

# divw
    TEST_RR_OP(78, divw, 0x0000000000000003, 0x0000000000000014, 0x0000000000000006)
    TEST_RR_OP(79, divw, 0xfffffffffffffffd, 0xffffffffffffffec, 0x0000000000000006)
    TEST_RR_OP(80, divw, 0xfffffffffffffffd, 0x0000000000000014, 0xfffffffffffffffa)
    TEST_RR_OP(81, divw, 0x0000000000000003, 0xffffffffffffffec, 0xfffffffffffffffa)
    TEST_RR_OP(82, divw, 0xffffffff80000000, 0xffffffff80000000, 0xffffffffffffffff)
    TEST_RR_OP(83, divw, 0xffffffff80000000, 0x0000000080000000, 0xffffffffffffffff)
    TEST_RR_OP(84, divw, 0xffffffffffffffff, 0xffffffffffffffff, 0x0000000000000000)
    TEST_RR_OP(85, divw, 0xffffffffffffffff, 0x0000000123456789, 0x0000000000000000)
    TEST_RR_OP(86, divw, 0x0000000000000003, 0x0000000100000014, 0xffffffff00000006)
    TEST_RR_OP(87, divw, 0x000000007fffffff, 0x000000007fffffff, 0x0000000000000001)

# divuw
    TEST_RR_OP(88, divuw, 0x0000000000000003, 0x0000000000000014, 0x0000000000000006)
    TEST_RR_OP(89, divuw, 0x000000002aaaaaa7, 0xffffffffffffffec, 0x0000000000000006)
    TEST_RR_OP(90, divuw, 0x0000000000000000, 0x0000000080000000, 0xffffffffffffffff)
    TEST_RR_OP(91, divuw, 0xffffffffffffffff, 0x00000000ffffffff, 0x0000000000000001)
    TEST_RR_OP(92, divuw, 0xffffffffffffffff, 0xffffffffffffffff, 0x0000000000000000)
    TEST_RR_OP(93, divuw, 0xffffffffffffffff, 0x0000000000000000, 0x0000000000000000)
    TEST_RR_OP(94, divuw, 0x0000000000000003, 0x0000000100000014, 0x0000000200000006)
    TEST_RR_OP(95, divuw, 0x000000007fffffff, 0x00000000fffffffe, 0x0000000000000002)

# remw
    TEST_RR_OP(96, remw, 0x0000000000000002, 0x0000000000000014, 0x0000000000000006)
    TEST_RR_OP(97, remw, 0xfffffffffffffffe, 0xffffffffffffffec, 0x0000000000000006)
    TEST_RR_OP(98, remw, 0x0000000000000002, 0x0000000000000014, 0xfffffffffffffffa)
    TEST_RR_OP(99, remw, 0xfffffffffffffffe, 0xffffffffffffffec, 0xfffffffffffffffa)
    TEST_RR_OP(100, remw, 0x0000000000000000, 0xffffffff80000000, 0xffffffffffffffff)
    TEST_RR_OP(101, remw, 0xffffffffffffffff, 0xffffffffffffffff, 0x0000000000000000)
    TEST_RR_OP(102, remw, 0xffffffff80000000, 0x0000000080000000, 0x0000000000000000)
    TEST_RR_OP(103, remw, 0x0000000023456789, 0x0000000123456789, 0x0000000000000000)
    TEST_RR_OP(104, remw, 0x0000000000000002, 0x0000000100000014, 0xffffffff00000006)

# remuw
    TEST_RR_OP(105, remuw, 0x0000000000000002, 0x0000000000000014, 0x0000000000000006)
    TEST_RR_OP(106, remuw, 0x0000000000000002, 0xffffffffffffffec, 0x0000000000000006)
    TEST_RR_OP(107, remuw, 0xffffffff80000000, 0x0000000080000000, 0x0000000000000000)
    TEST_RR_OP(108, remuw, 0xffffffffffffffff, 0x00000000ffffffff, 0x0000000000000000)
    TEST_RR_OP(109, remuw, 0x0000000023456789, 0x0000000123456789, 0x0000000000000000)
    TEST_RR_OP(110, remuw, 0x0000000000000002, 0x0000000100000014, 0x0000000200000006)
    TEST_RR_OP(111, remuw, 0xfffffffffffffffe, 0x00000000fffffffe, 0x00000000ffffffff)

# destination is a source, and x0 as the destination
    TEST_RR_DEST_SRC1(112, mul, 0x000000000000008f, 13, 11)
    TEST_RR_DEST_SRC2(113, div, 0xfffffffffffffff2, 0xffffffffffffff9c, 7)
    TEST_RR_DEST_SRC1(114, remw, 0xfffffffffffffffe, 0xffffffffffffff9c, 7)
    TEST_RR_ZERODEST(115, mulhu, 0xffffffffffffffff, 0xffffffffffffffff)
    TEST_RR_ZERODEST(116, div, 1, 0)

test_200:                               # a dependent chain: mul feeding div feeding rem
    li TESTNUM, 200
    li x1, 123456789
    li x2, 987654321
    mul x5, x1, x2
    div x6, x5, x2
    bne x6, x1, fail
    rem x7, x5, x1
    bnez x7, fail

    j pass
TEST_PASS
