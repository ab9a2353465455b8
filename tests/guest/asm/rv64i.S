# RV64I: every instruction of the base ISA, riscv-tests style. A failing
# case ends the run with its number as the exit status (HTIF tohost).
#include "test.h"

TEST_START

# ---------------------------------------------------------------- add/sub
    TEST_RR_OP(2, add, 0x00000003, 1, 2)
    TEST_RR_OP(3, add, 0xffffffff80000000, 0xffffffff80000000, 0)
    TEST_RR_OP(4, add, 0x0000000080000000, 0x7fffffff, 1)          # no 32-bit wrap
    TEST_RR_OP(5, add, 0x8000000000000000, 0x7fffffffffffffff, 1)  # signed overflow wraps
    TEST_RR_OP(6, add, 0, 0xffffffffffffffff, 1)
    TEST_RR_OP(7, sub, 0xfffffffffffffffe, 1, 3)
    TEST_RR_OP(8, sub, 0x7fffffffffffffff, 0x8000000000000000, 1)
    TEST_RR_OP(9, sub, 0, 0x123456789abcdef0, 0x123456789abcdef0)
    TEST_RR_DEST_SRC1(10, add, 24, 13, 11)
    TEST_RR_DEST_SRC2(11, sub, 2, 13, 11)
    TEST_RR_ZERODEST(12, add, 1, 2)
    TEST_RR_ZEROSRC1(13, sub, 0xfffffffffffffff1, 15)

# ---------------------------------------------------------------- addi and immediates
    TEST_IMM_OP(14, addi, 0x7ff, 0, 0x7ff)
    TEST_IMM_OP(15, addi, 0xfffffffffffff800, 0, -2048)
    TEST_IMM_OP(16, addi, 0x7fffffffffffffff, 0x8000000000000000, -1)
    TEST_IMM_OP(17, addi, 0x8000000000000000, 0x7fffffffffffffff, 1)
    TEST_IMM_OP(18, addi, 0x00000000800007fe, 0x7fffffff, 0x7ff)
    TEST_IMM_OP(19, slti, 1, 0xffffffffffffffff, 0)
    TEST_IMM_OP(20, slti, 0, 0, -1)
    TEST_IMM_OP(21, slti, 1, 0x8000000000000000, -2048)
    TEST_IMM_OP(22, slti, 0, 0x7ff, 0x7ff)
    TEST_IMM_OP(23, sltiu, 1, 0, -1)          # -1 sign-extends to the largest unsigned
    TEST_IMM_OP(24, sltiu, 0, 0xffffffffffffffff, -1)
    TEST_IMM_OP(25, sltiu, 1, 0xfffffffffffff7ff, -2048)
    TEST_IMM_OP(26, sltiu, 1, 0, 1)           # seqz
    TEST_IMM_OP(27, sltiu, 0, 5, 1)
    TEST_IMM_OP(28, xori, 0xedcba9876543210f, 0x123456789abcdef0, -1) # not
    TEST_IMM_OP(29, xori, 0x123456789abcd90f, 0x123456789abcdef0, 0x7ff)
    TEST_IMM_OP(30, xori, 0xedcba9876543260f, 0x123456789abcdef0, -2048 + 0xff)
    TEST_IMM_OP(31, ori, 0xfffffffffffff8ff, 0x000000000000000f, -2048 + 0x0f0)
    TEST_IMM_OP(32, ori, 0x00ff00ff00ff07ff, 0x00ff00ff00ff00f0, 0x70f)
    TEST_IMM_OP(33, andi, 0x00ff00ff00ff0800, 0x00ff00ff00ff0ff0, -2048 + 0x00f) # sign-extended mask
    TEST_IMM_OP(34, andi, 0x00000000000000f0, 0x00ff00ff00ff0ff0, 0x0f0)
    TEST_IMM_OP(35, andi, 0x0000000000000700, 0xffffffffffffff00, 0x7ff)

# ---------------------------------------------------------------- logic and compares (register)
    TEST_RR_OP(36, xor, 0xf00ff00ff00ff00f, 0xff00ff00ff00ff00, 0x0f0f0f0f0f0f0f0f)
    TEST_RR_OP(37, or, 0xff0fff0fff0fff0f, 0xff00ff00ff00ff00, 0x0f0f0f0f0f0f0f0f)
    TEST_RR_OP(38, and, 0x0f000f000f000f00, 0xff00ff00ff00ff00, 0x0f0f0f0f0f0f0f0f)
    TEST_RR_OP(39, slt, 0, 0, 0xffffffffffffffff)
    TEST_RR_OP(40, slt, 1, 0xffffffffffffffff, 0)
    TEST_RR_OP(41, slt, 1, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_RR_OP(42, slt, 0, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_RR_OP(43, slt, 0, 5, 5)
    TEST_RR_OP(44, sltu, 1, 0, 0xffffffffffffffff)
    TEST_RR_OP(45, sltu, 0, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_RR_OP(46, sltu, 0, 5, 5)
    TEST_RR_ZEROSRC1(47, sltu, 1, 7)          # snez
    TEST_RR_ZEROSRC1(48, sltu, 0, 0)

# ---------------------------------------------------------------- shifts
    TEST_IMM_OP(49, slli, 0x0123456789abcdef, 0x0123456789abcdef, 0)
    TEST_IMM_OP(50, slli, 0x0000000080000000, 1, 31)
    TEST_IMM_OP(51, slli, 0x0000000100000000, 1, 32)
    TEST_IMM_OP(52, slli, 0x8000000000000000, 1, 63)
    TEST_IMM_OP(53, slli, 0x89abcdef00000000, 0x0123456789abcdef, 32)
    TEST_IMM_OP(54, srli, 0x8000000000000000, 0x8000000000000000, 0)
    TEST_IMM_OP(55, srli, 0x0000000100000000, 0x8000000000000000, 31)
    TEST_IMM_OP(56, srli, 0x0000000080000000, 0x8000000000000000, 32)
    TEST_IMM_OP(57, srli, 0x0000000000000001, 0x8000000000000000, 63)
    TEST_IMM_OP(58, srli, 0x00000000ffffffff, 0xffffffffffffffff, 32)
    TEST_IMM_OP(59, srai, 0x8000000000000000, 0x8000000000000000, 0)
    TEST_IMM_OP(60, srai, 0xffffffff00000000, 0x8000000000000000, 31)
    TEST_IMM_OP(61, srai, 0xffffffff80000000, 0x8000000000000000, 32)
    TEST_IMM_OP(62, srai, 0xffffffffffffffff, 0x8000000000000000, 63)
    TEST_IMM_OP(63, srai, 0x000000007fffffff, 0x7fffffffffffffff, 32)
    TEST_RR_OP(64, sll, 0x0123456789abcdef, 0x0123456789abcdef, 0)
    TEST_RR_OP(65, sll, 0x0000000080000000, 1, 31)
    TEST_RR_OP(66, sll, 0x0000000100000000, 1, 32)
    TEST_RR_OP(67, sll, 0x8000000000000000, 1, 63)
    TEST_RR_OP(68, sll, 0x0000000000000008, 1, 0xffffffffffffffc3) # only the low 6 bits count
    TEST_RR_OP(69, sll, 0x0000000000000001, 1, 64)
    TEST_RR_OP(70, srl, 0x8000000000000000, 0x8000000000000000, 0)
    TEST_RR_OP(71, srl, 0x0000000100000000, 0x8000000000000000, 31)
    TEST_RR_OP(72, srl, 0x0000000080000000, 0x8000000000000000, 32)
    TEST_RR_OP(73, srl, 0x0000000000000001, 0x8000000000000000, 63)
    TEST_RR_OP(74, srl, 0x0000000000000001, 0x8000000000000000, 0x7f)
    TEST_RR_OP(75, sra, 0x8000000000000000, 0x8000000000000000, 0)
    TEST_RR_OP(76, sra, 0xffffffff00000000, 0x8000000000000000, 31)
    TEST_RR_OP(77, sra, 0xffffffff80000000, 0x8000000000000000, 32)
    TEST_RR_OP(78, sra, 0xffffffffffffffff, 0x8000000000000000, 63)
    TEST_RR_OP(79, sra, 0xffffffffffffffff, 0x8000000000000000, 0xffffffffffffffff)
    TEST_RR_OP(80, sra, 0x0000000000000001, 0x7fffffffffffffff, 62)

# ---------------------------------------------------------------- 32-bit (W) operations
    TEST_RR_OP(81, addw, 0xffffffff80000000, 0x7fffffff, 1)      # result sign-extended
    TEST_RR_OP(82, addw, 0x0000000000000002, 0x100000001, 0xffffffff00000001) # upper halves ignored
    TEST_RR_OP(83, addw, 0x0000000000000000, 0xffffffff, 1)
    TEST_RR_OP(84, addw, 0x000000007fffffff, 0x80000000, 0xffffffff)
    TEST_RR_OP(85, subw, 0xffffffffffffffff, 0, 1)
    TEST_RR_OP(86, subw, 0x000000007fffffff, 0x80000000, 1)
    TEST_RR_OP(87, subw, 0xffffffff80000000, 0x7fffffff, 0xffffffffffffffff)
    TEST_RR_OP(88, subw, 0x0000000000000000, 0x1234567800000005, 0x8765432100000005)
    TEST_IMM_OP(89, addiw, 0xffffffff80000000, 0x7fffffff, 1)
    TEST_IMM_OP(90, addiw, 0x00000000000007ff, 0x1000000000000000, 0x7ff)
    TEST_IMM_OP(91, addiw, 0xfffffffffffff800, 0, -2048)
    TEST_IMM_OP(92, addiw, 0xffffffff87654321, 0x1234567887654321, 0) # sext.w
    TEST_IMM_OP(93, addiw, 0x000000007fffffff, 0x80000000, -1)
    TEST_IMM_OP(94, slliw, 0x0000000012345678, 0xffffffff12345678, 0)
    TEST_IMM_OP(95, slliw, 0xffffffff80000000, 1, 31)
    TEST_IMM_OP(96, slliw, 0x0000000000000000, 0x100000000, 31)
    TEST_IMM_OP(97, slliw, 0xffffffff80000000, 0x0000000100000001, 31)
    TEST_IMM_OP(98, slliw, 0xffffffffa0000000, 0x0000000000000005, 29)
    TEST_IMM_OP(99, srliw, 0xffffffff80000000, 0x80000000, 0)
    TEST_IMM_OP(100, srliw, 0x0000000000000001, 0x80000000, 31)
    TEST_IMM_OP(101, srliw, 0x0000000000000001, 0xffffffff80000000, 31)
    TEST_IMM_OP(102, srliw, 0x0000000040000000, 0xffffffff80000000, 1)
    TEST_IMM_OP(103, srliw, 0x0000000000ffffff, 0x12345678ffffffff, 8) # upper half ignored
    TEST_IMM_OP(104, sraiw, 0xffffffff80000000, 0x80000000, 0)
    TEST_IMM_OP(105, sraiw, 0xffffffffffffffff, 0x80000000, 31)
    TEST_IMM_OP(106, sraiw, 0xffffffffc0000000, 0x80000000, 1)
    TEST_IMM_OP(107, sraiw, 0x000000003fffffff, 0x800000007fffffff, 1)
    TEST_IMM_OP(108, sraiw, 0x0000000000000000, 0xffffffff00000001, 1)
    TEST_RR_OP(109, sllw, 0xffffffff80000000, 1, 31)
    TEST_RR_OP(110, sllw, 0x0000000000000001, 1, 32)                 # only the low 5 bits count
    TEST_RR_OP(111, sllw, 0xffffffff80000000, 1, 63)
    TEST_RR_OP(112, sllw, 0x0000000012345678, 0x12345678, 0)
    TEST_RR_OP(113, srlw, 0xffffffff80000000, 0x80000000, 0)         # 0-bit shift still sign-extends
    TEST_RR_OP(114, srlw, 0x0000000000000001, 0x80000000, 31)
    TEST_RR_OP(115, srlw, 0xffffffff80000000, 0x80000000, 32)
    TEST_RR_OP(116, srlw, 0x0000000000000001, 0xffffffff80000000, 63)
    TEST_RR_OP(117, srlw, 0x0000000000000fff, 0xfffffffffffffff0, 0x14)
    TEST_RR_OP(118, sraw, 0xffffffff80000000, 0x80000000, 0)
    TEST_RR_OP(119, sraw, 0xffffffffffffffff, 0x80000000, 31)
    TEST_RR_OP(120, sraw, 0xffffffff80000000, 0x80000000, 32)
    TEST_RR_OP(121, sraw, 0xffffffffffffffff, 0x80000000, 63)
    TEST_RR_OP(122, sraw, 0x000000000000ffff, 0xffffffff7fffffff, 15)
    TEST_RR_DEST_SRC1(123, addw, 0xffffffff80000001, 0x7fffffff, 2)
    TEST_RR_ZERODEST(124, sllw, 1, 3)

# ---------------------------------------------------------------- lui / auipc
    TEST_CASE(125, x14, 0x0000000000000000, lui x14, 0)
    TEST_CASE(126, x14, 0x000000007ffff000, lui x14, 0x7ffff)
    TEST_CASE(127, x14, 0xffffffff80000000, lui x14, 0x80000)       # sign-extended
    TEST_CASE(128, x14, 0xfffffffffffff000, lui x14, 0xfffff)
    TEST_CASE(129, x14, 0x0000000012345678, lui x14, 0x12345; addi x14, x14, 0x678)
    TEST_CASE(130, x0, 0, lui x0, 0x12345)
test_131:                               # auipc: pc + (imm << 12)
    li TESTNUM, 131
1:  auipc x14, 0x12
    lla x15, 1b
    li x16, 0x12000
    add x15, x15, x16
    bne x14, x15, fail
test_132:                               # auipc with a negative offset
    li TESTNUM, 132
1:  auipc x14, 0xfffff
    lla x15, 1b
    li x16, -4096
    add x15, x15, x16
    bne x14, x15, fail
test_133:
    li TESTNUM, 133
1:  auipc x14, 0x80000
    lla x15, 1b
    li x16, 0xffffffff80000000
    add x15, x15, x16
    bne x14, x15, fail
test_134:
    li TESTNUM, 134
1:  auipc x14, 0
    lla x15, 1b
    bne x14, x15, fail

# ---------------------------------------------------------------- branches
    TEST_BR_TAKEN(135, beq, 0, 0)
    TEST_BR_TAKEN(136, beq, 0xffffffffffffffff, 0xffffffffffffffff)
    TEST_BR_NOT_TAKEN(137, beq, 0, 1)
    TEST_BR_NOT_TAKEN(138, beq, 0x100000000, 0)                    # all 64 bits compared
    TEST_BR_TAKEN(139, bne, 0, 1)
    TEST_BR_TAKEN(140, bne, 0x100000000, 0)
    TEST_BR_NOT_TAKEN(141, bne, 7, 7)
    TEST_BR_TAKEN(142, blt, 0xffffffffffffffff, 0)
    TEST_BR_TAKEN(143, blt, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_BR_NOT_TAKEN(144, blt, 0, 0xffffffffffffffff)
    TEST_BR_NOT_TAKEN(145, blt, 5, 5)
    TEST_BR_TAKEN(146, bge, 5, 5)
    TEST_BR_TAKEN(147, bge, 0, 0xffffffffffffffff)
    TEST_BR_NOT_TAKEN(148, bge, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_BR_NOT_TAKEN(149, bge, 0xffffffffffffffff, 0)
    TEST_BR_TAKEN(150, bltu, 0, 0xffffffffffffffff)
    TEST_BR_TAKEN(151, bltu, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_BR_NOT_TAKEN(152, bltu, 0xffffffffffffffff, 0)
    TEST_BR_NOT_TAKEN(153, bltu, 5, 5)
    TEST_BR_TAKEN(154, bgeu, 5, 5)
    TEST_BR_TAKEN(155, bgeu, 0xffffffffffffffff, 0)
    TEST_BR_NOT_TAKEN(156, bgeu, 0, 0xffffffffffffffff)
    TEST_BR_NOT_TAKEN(157, bgeu, 0x7fffffffffffffff, 0x8000000000000000)
test_158:                               # a backward branch
    li TESTNUM, 158
    li x1, 3
    li x14, 0
1:  addi x14, x14, 1
    addi x1, x1, -1
    bnez x1, 1b
    li x29, 3
    bne x14, x29, fail

# ---------------------------------------------------------------- jal / jalr
test_159:                               # jal links the next instruction's address
    li TESTNUM, 159
    li x1, 0
    jal x1, 1f
2:  j fail
1:  lla x15, 2b
    bne x1, x15, fail
test_160:                               # jal x0 (j) does not link; backward jal
    li TESTNUM, 160
    li x5, 0
    j 2f
1:  addi x5, x5, 1
    j 3f
2:  jal x0, 1b
3:  li x29, 1
    bne x5, x29, fail
test_161:                               # jalr: target rs1 + imm, link pc + 4
    li TESTNUM, 161
    lla x5, 1f
    jalr x1, 0(x5)
2:  j fail
1:  lla x15, 2b
    bne x1, x15, fail
test_162:                               # jalr with positive and negative offsets
    li TESTNUM, 162
    lla x5, 1f - 16
    jalr x6, 16(x5)
    j fail
1:  lla x5, 2f + 32
    jalr x7, -32(x5)
    j fail
2:
test_163:                               # jalr clears bit 0 of the target
    li TESTNUM, 163
    lla x5, 1f
    addi x5, x5, 1
    jalr x1, 0(x5)
    j fail
    .align 2
1:
test_164:                               # jalr: odd immediate, bit 0 cleared
    li TESTNUM, 164
    lla x5, 1f - 2
    jalr x1, 3(x5)
    j fail
    .align 2
1:
test_165:                               # jalr with rd == rs1 uses the old rs1
    li TESTNUM, 165
    lla x5, 1f
    jalr x5, 0(x5)
2:  j fail
1:  lla x15, 2b
    bne x5, x15, fail
test_166:                               # a call and return
    li TESTNUM, 166
    li x14, 0
    jal x1, 3f
    li x29, 42
    bne x14, x29, fail
    j 4f
3:  li x14, 42
    jalr x0, 0(x1)
    j fail
4:

# ---------------------------------------------------------------- loads
    TEST_LD_OP(167, lb, 0xffffffffffffff80, 0, ldata)
    TEST_LD_OP(168, lb, 0x000000000000007f, 1, ldata)
    TEST_LD_OP(169, lbu, 0x0000000000000080, 0, ldata)
    TEST_LD_OP(170, lbu, 0x00000000000000ff, 7, ldata)
    TEST_LD_OP(171, lh, 0x0000000000007f80, 0, ldata)
    TEST_LD_OP(172, lh, 0xffffffffffff8001, 2, ldata)
    TEST_LD_OP(173, lhu, 0x0000000000008001, 2, ldata)
    TEST_LD_OP(174, lhu, 0x000000000000ff00, 6, ldata)
    TEST_LD_OP(175, lw, 0xffffffff80017f80, 0, ldata)
    TEST_LD_OP(176, lw, 0x000000007fff0000, 8, ldata)
    TEST_LD_OP(177, lwu, 0x0000000080017f80, 0, ldata)
    TEST_LD_OP(178, lwu, 0x00000000ff000000, 4, ldata)
    TEST_LD_OP(179, ld, 0xff00000080017f80, 0, ldata)
    TEST_LD_OP(180, ld, 0x123456787fff0000, 8, ldata)
    TEST_LD_OP(181, lw, 0xffffffffff000000, -12, ldata_end)      # negative offsets
    TEST_LD_OP(182, ld, 0x123456787fff0000, -8, ldata_end)
    TEST_LD_OP(183, lb, 0x0000000000000012, -1, ldata_end)
test_184:                               # rd == base register
    li TESTNUM, 184
    la x14, ldata
    ld x14, 8(x14)
    li x29, 0x123456787fff0000
    bne x14, x29, fail
    TEST_CASE(185, x0, 0, la x1, ldata; ld x0, 0(x1))            # a load to x0 is dropped

# ---------------------------------------------------------------- stores
    TEST_ST_OP(186, sb, lb, 0xffffffffffffffaa, 0xaa, 0, sdata, 0x55555555555555aa)
    TEST_ST_OP(187, sb, lbu, 0x00000000000000bb, 0x12345678bb, 5, sdata, 0x5555bb55555555aa)
    TEST_ST_OP(188, sh, lh, 0xffffffffffffbeef, 0xdeadbeef, 8, sdata, 0x555555555555beef)
    TEST_ST_OP(189, sh, lhu, 0x000000000000cafe, 0xcafe, 14, sdata, 0xcafe55555555beef)
    TEST_ST_OP(190, sw, lw, 0xffffffffdeadbeef, 0x12345678deadbeef, 16, sdata, 0x55555555deadbeef)
    TEST_ST_OP(191, sw, lwu, 0x00000000deadbeef, 0xdeadbeef, 20, sdata, 0xdeadbeefdeadbeef)
    TEST_ST_OP(192, sd, ld, 0x0123456789abcdef, 0x0123456789abcdef, 24, sdata, 0x0123456789abcdef)
    TEST_ST_OP(193, sd, ld, 0xfedcba9876543210, 0xfedcba9876543210, -8, sdata_end, 0xfedcba9876543210)
test_194:                               # a store of x0 stores zero
    li TESTNUM, 194
    la x1, sdata
    sd x0, 24(x1)
    ld x14, 24(x1)
    bnez x14, fail

# ---------------------------------------------------------------- misaligned loads and stores (allowed in RAM)
    TEST_LD_OP(195, lh, 0xffffffffffffff00, 9, ldata)
    TEST_LD_OP(196, lhu, 0x000000000000ff00, 9, ldata)
    TEST_LD_OP(197, lw, 0x0000000000ff8001, 10, mdata)             # crosses a 4-byte boundary
    TEST_LD_OP(198, lwu, 0x0000000000ff8001, 10, mdata)
    TEST_LD_OP(199, lw, 0xffffffffff800100, 9, mdata)
    TEST_LD_OP(200, ld, 0x9988776655443322, 1, mdata)
    TEST_LD_OP(201, ld, 0x0100998877665544, 3, mdata)              # crosses an 8-byte boundary
    TEST_LD_OP(202, lh, 0xffffffffffff9988, 7, mdata)
    TEST_LD_OP(203, ld, 0xddccbbaa11223344, -4, pagedata)          # crosses a 4 KiB page boundary
    TEST_LD_OP(204, lw, 0xffffffffbbaa1122, -2, pagedata)
    TEST_LD_OP(205, lwu, 0x00000000bbaa1122, -2, pagedata)
    TEST_LD_OP(206, lhu, 0x000000000000aa11, -1, pagedata)
    TEST_ST_OP(207, sh, lh, 0x0000000000001234, 0x1234, 1, msdata, 0x0000000000123400)
    TEST_ST_OP(208, sw, lw, 0xffffffffdeadbeef, 0xdeadbeef, 2, msdata + 8, 0x0000deadbeef0000)
    TEST_ST_OP(209, sd, ld, 0x0102030405060708, 0x0102030405060708, 3, msdata + 16, 0x0405060708000000)
test_210:                               # ... and its upper bytes landed in the next word
    li TESTNUM, 210
    la x1, msdata
    ld x14, 24(x1)
    li x29, 0x0000000000010203
    bne x14, x29, fail
test_211:                               # a misaligned store across a page boundary
    li TESTNUM, 211
    la x1, pagedata
    li x2, 0xa1a2a3a4a5a6a7a8
    sd x2, -3(x1)
    ld x14, -8(x1)
    li x29, 0xa6a7a84455667788
    bne x14, x29, fail
    ld x14, 0(x1)
    li x29, 0x0201ffa1a2a3a4a5
    bne x14, x29, fail

# ---------------------------------------------------------------- fence, fence.i, and the rest of the opcode space
test_212:
    li TESTNUM, 212
    fence
    fence rw, rw
    fence.tso
    fence.i
    li x14, 0
test_213:                               # fence.i makes a freshly stored instruction visible
    li TESTNUM, 213
    la x1, 1f
    li x2, 0x02a00713                   # addi x14, x0, 42
    sw x2, 0(x1)
    fence.i
    li x14, 0
    .align 2
    .option push
    .option norvc
1:  addi x14, x0, 7                     # replaced by the store above
    .option pop
    li x29, 42
    bne x14, x29, fail

    j pass

    .data
    .align 4
ldata:
    .byte 0x80, 0x7f, 0x01, 0x80, 0x00, 0x00, 0x00, 0xff
    .byte 0x00, 0x00, 0xff, 0x7f, 0x78, 0x56, 0x34, 0x12
ldata_end:
    .align 3
sdata:
    .fill 32, 1, 0x55
sdata_end:
    .align 3
    .dword 0
mdata:
    .byte 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88
    .byte 0x99, 0x00, 0x01, 0x80, 0xff, 0x00, 0xff, 0x00
msdata:
    .fill 48, 1, 0
    .align 12
    .fill 4096 - 8, 1, 0
    .byte 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11
pagedata:
    .byte 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x02

TEST_PASS
