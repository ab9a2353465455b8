# RV64C: every compressed instruction of RV64GC, written with explicit c.*
# mnemonics so that the assembler emits the 16-bit forms: immediates at
# their extremes (c.addi16sp -512/+496, c.addi4spn 1020, c.lui negative,
# c.lwsp 252, c.ldsp 504...), sign extension of c.lw/c.lwsp/c.addiw/c.addw/
# c.subw, c.jalr linking pc + 2, c.ebreak (mepc at the 2-byte instruction),
# the compressed FP loads and stores, and reserved encodings that must raise
# an illegal-instruction exception with mtval = the 16 instruction bits.
# RV64 has c.addiw where RV32 has c.jal. A failing case ends the run with its
# number as the exit status (HTIF tohost).
#include "test.h"

/* Compares a register with a constant (x29 is not a compressed register). */
#define CHECK_REG(reg, val)                         \
    li x29, val;                                    \
    bne reg, x29, fail

#define TEST_C(n, reg, val, code...)                \
test_##n:                                           \
    li TESTNUM, n;                                  \
    code;                                           \
    CHECK_REG(reg, val)

TEST_START
    .option push
    .option rvc
    la t0, c_trap
    csrw mtvec, t0
    la sp, stack_mid

# ---------------------------------------------------------------- quadrant 1: immediates
    TEST_C(2, a4, 0xffffffffffffffe0, c.li a4, -32)
    TEST_C(3, a4, 31, c.li a4, 31)
    TEST_C(4, s0, 0, li s0, 5; c.li s0, 0)
    TEST_C(5, a4, 0x0000000000000020, li a4, 1; c.addi a4, 31)
    TEST_C(6, a4, 0xffffffffffffffe1, li a4, 1; c.addi a4, -32)
    TEST_C(7, a4, 0x8000000000000000, li a4, 0x7fffffffffffffff; c.addi a4, 1)   # 64-bit wrap
    TEST_C(8, a4, 0x0000000080000000, li a4, 0x7fffffff; c.addi a4, 1)           # no sign extension
    TEST_C(9, a4, 0xffffffff80000000, li a4, 0x7fffffff; c.addiw a4, 1)          # sign extension
    TEST_C(10, a4, 0xffffffff87654321, li a4, 0x1234567887654321; c.addiw a4, 0) # sext.w
    TEST_C(11, a4, 0x000000007fffffff, li a4, 0x80000000; c.addiw a4, -1)
    TEST_C(12, a4, 0xffffffffffffffdf, li a4, 0x1ffffffff; c.addiw a4, -32)
    TEST_C(13, a4, 0x000000000001f000, c.lui a4, 0x1f)
    TEST_C(14, a4, 0xfffffffffffff000, c.lui a4, 0xfffff)                         # sign-extended
    TEST_C(15, a4, 0xfffffffffffe0000, c.lui a4, 0xfffe0)
    TEST_C(16, a4, 0x0000000000001000, c.lui a4, 1)
test_17:                                # c.addi16sp: sp +/- multiples of 16
    li TESTNUM, 17
    mv s1, sp
    c.addi16sp sp, -512
    sub a4, s1, sp
    CHECK_REG(a4, 512)
    c.addi16sp sp, 496
    sub a4, sp, s1
    CHECK_REG(a4, -16)
    c.addi16sp sp, 16
    bne sp, s1, fail
test_18:                                # c.addi4spn: rd' = sp + nzuimm
    li TESTNUM, 18
    c.addi4spn a0, sp, 1020
    sub a4, a0, sp
    CHECK_REG(a4, 1020)
    c.addi4spn s0, sp, 4
    sub a4, s0, sp
    CHECK_REG(a4, 4)

# ---------------------------------------------------------------- quadrant 1: shifts, logic, register ops
    TEST_C(20, a4, 0x0000000000000001, li a4, 0x8000000000000000; c.srli a4, 63)
    TEST_C(21, a4, 0x0000000080000000, li a4, 0x8000000000000000; c.srli a4, 32)
    TEST_C(22, a4, 0x4000000000000000, li a4, 0x8000000000000000; c.srli a4, 1)
    TEST_C(23, a4, 0xffffffffffffffff, li a4, 0x8000000000000000; c.srai a4, 63)
    TEST_C(24, a4, 0xffffffff80000000, li a4, 0x8000000000000000; c.srai a4, 32)
    TEST_C(25, a4, 0x0000000000000001, li a4, 0x7fffffffffffffff; c.srai a4, 62)
    TEST_C(26, a4, 0x8000000000000000, li a4, 1; c.slli a4, 63)
    TEST_C(27, a4, 0x0000000100000000, li a4, 1; c.slli a4, 32)
    TEST_C(28, a4, 0x89abcdef00000000, li a4, 0x0123456789abcdef; c.slli a4, 32)
    TEST_C(29, a4, 0x0000000000000002, li a4, 1; c.slli a4, 1)
    TEST_C(30, a4, 0x0123456789abcdef, li a4, 0x0123456789abcdef; c.andi a4, -1)
    TEST_C(31, a4, 0x0123456789abcde0, li a4, 0x0123456789abcdef; c.andi a4, -32) # sign-extended mask
    TEST_C(32, a4, 0x000000000000000f, li a4, 0x0123456789abcdef; c.andi a4, 31)
    TEST_C(33, a4, 0x0000000000000000, li a4, 0x0123456789abcdef; c.andi a4, 0)
    TEST_C(34, a4, 0xfffffffffffffffe, li a4, 1; li a5, 3; c.sub a4, a5)
    TEST_C(35, a4, 0xf00ff00ff00ff00f, li a4, 0xff00ff00ff00ff00; li a5, 0x0f0f0f0f0f0f0f0f; c.xor a4, a5)
    TEST_C(36, a4, 0xff0fff0fff0fff0f, li a4, 0xff00ff00ff00ff00; li a5, 0x0f0f0f0f0f0f0f0f; c.or a4, a5)
    TEST_C(37, a4, 0x0f000f000f000f00, li a4, 0xff00ff00ff00ff00; li a5, 0x0f0f0f0f0f0f0f0f; c.and a4, a5)
    TEST_C(38, a4, 0xffffffff80000000, li a4, 0x7fffffff; li a5, 1; c.addw a4, a5)
    TEST_C(39, a4, 0x0000000000000002, li a4, 0x100000001; li a5, 0xffffffff00000001; c.addw a4, a5)
    TEST_C(40, a4, 0x000000007fffffff, li a4, 0x80000000; li a5, 1; c.subw a4, a5)
    TEST_C(41, a4, 0xffffffffffffffff, li a4, 0; li a5, 1; c.subw a4, a5)
    TEST_C(42, a4, 0xffffffff80000000, li a4, 0x7fffffff; li a5, 0xffffffffffffffff; c.subw a4, a5)

# ---------------------------------------------------------------- quadrant 2: register ops
    TEST_C(50, a4, 0x0000000000000000, li a4, 1; c.slli a4, 63; c.slli a4, 1)
    TEST_C(51, t3, 0x0000000080000000, li t3, 1; c.slli t3, 31)            # any register
    TEST_C(52, t4, 0x0123456789abcdef, li t4, 0; li t6, 0x0123456789abcdef; c.mv t4, t6)
    TEST_C(53, t4, 0x0000000100000000, li t4, 0xffffffff; li t6, 1; c.add t4, t6)  # 64-bit add
    TEST_C(54, s2, 0x8000000000000000, li s2, 0x7fffffffffffffff; li t6, 1; c.add s2, t6)
test_55:                                # c.nop does nothing
    li TESTNUM, 55
    li a4, 9
    c.nop
    c.nop
    CHECK_REG(a4, 9)

# ---------------------------------------------------------------- jumps and branches
test_60:                                # c.j forward
    li TESTNUM, 60
    c.j 1f
    j fail
1:
test_61:                                # c.j backward
    li TESTNUM, 61
    li a4, 0
    c.j 2f
1:  c.addi a4, 1
    c.j 3f
2:  c.j 1b
3:  CHECK_REG(a4, 1)
test_62:                                # c.beqz taken / not taken
    li TESTNUM, 62
    li a4, 0
    c.beqz a4, 1f
    j fail
1:  li a4, 0x100000000                  # zero only in the low word: not zero
    c.beqz a4, 2f
    c.j 3f
2:  j fail
3:
test_63:                                # c.bnez taken / not taken
    li TESTNUM, 63
    li a4, 0x8000000000000000
    c.bnez a4, 1f
    j fail
1:  li a4, 0
    c.bnez a4, 2f
    c.j 3f
2:  j fail
3:
test_64:                                # c.beqz / c.bnez backward
    li TESTNUM, 64
    li a5, 4
    li a4, 0
1:  c.addi a4, 2
    c.addi a5, -1
    c.bnez a5, 1b
    CHECK_REG(a4, 8)
test_65:                                # c.jr: no link
    li TESTNUM, 65
    li ra, 0x55
    la a5, 1f
    c.jr a5
    j fail
1:  CHECK_REG(ra, 0x55)
test_66:                                # c.jalr links pc + 2
    li TESTNUM, 66
    la a5, 1f
2:  c.jalr a5
    j fail
1:  la a4, 2b
    addi a4, a4, 2
    bne ra, a4, fail
test_67:                                # c.jalr ra: the target is the old ra
    li TESTNUM, 67
    la ra, 1f
2:  c.jalr ra
    j fail
1:  la a4, 2b
    addi a4, a4, 2
    bne ra, a4, fail
test_68:                                # c.jr ra as a return
    li TESTNUM, 68
    li a4, 0
    jal ra, 3f
    CHECK_REG(a4, 77)
    c.j 4f
3:  li a4, 77
    c.jr ra
    j fail
4:

# ---------------------------------------------------------------- loads and stores
    TEST_C(70, a4, 0xffffffff80017f80, la a5, ldata; c.lw a4, 0(a5))              # sign-extended
    TEST_C(71, a4, 0x000000007fff0000, la a5, ldata; c.lw a4, 8(a5))
    TEST_C(72, a4, 0xffffffffdeadbeef, la a5, ldata; c.lw a4, 124(a5))            # largest offset
    TEST_C(73, a4, 0xff00000080017f80, la a5, ldata; c.ld a4, 0(a5))
    TEST_C(74, a4, 0x89abcdef01234567, la a5, ldata; c.ld a4, 248(a5))            # largest offset
test_75:                                # c.sw writes 32 bits, c.sd 64
    li TESTNUM, 75
    la a5, sdata
    li a4, -1
    sd a4, 0(a5)
    li a4, 0x1234567812345678
    c.sw a4, 0(a5)
    ld a3, 0(a5)
    CHECK_REG(a3, 0xffffffff12345678)
    li a4, 0x0a0b0c0d
    c.sw a4, 124(a5)
    lwu a3, 124(a5)
    CHECK_REG(a3, 0x0a0b0c0d)
    li a4, 0x1122334455667788
    c.sd a4, 8(a5)
    ld a3, 8(a5)
    CHECK_REG(a3, 0x1122334455667788)
    li a4, 0x8877665544332211
    c.sd a4, 248(a5)
    ld a3, 248(a5)
    CHECK_REG(a3, 0x8877665544332211)
test_76:                                # c.lwsp / c.ldsp at the largest offsets, sign extension
    li TESTNUM, 76
    la sp, ldata
    c.lwsp a4, 0(sp)
    CHECK_REG(a4, 0xffffffff80017f80)
    c.lwsp t3, 124(sp)
    CHECK_REG(t3, 0xffffffffdeadbeef)
    c.lwsp t4, 252(sp)
    CHECK_REG(t4, 0xffffffff89abcdef)
    c.ldsp t5, 8(sp)
    CHECK_REG(t5, 0x123456787fff0000)
    c.ldsp s3, 248(sp)
    CHECK_REG(s3, 0x89abcdef01234567)
    c.ldsp s4, 504(sp)
    CHECK_REG(s4, 0xa5a5a5a5c3c3c3c3)
test_77:                                # c.swsp / c.sdsp
    li TESTNUM, 77
    la sp, sdata
    li a4, -1
    sd a4, 248(sp)
    li t3, 0x8765432187654321
    c.swsp t3, 248(sp)
    ld a3, 248(sp)
    CHECK_REG(a3, 0xffffffff87654321)
    li t3, 0x0102030405060708
    c.swsp t3, 252(sp)
    lwu a3, 252(sp)
    CHECK_REG(a3, 0x05060708)
    li t4, 0x0f0e0d0c0b0a0908
    c.sdsp t4, 504(sp)
    ld a3, 504(sp)
    CHECK_REG(a3, 0x0f0e0d0c0b0a0908)
    c.sdsp t4, 0(sp)
    ld a3, 0(sp)
    CHECK_REG(a3, 0x0f0e0d0c0b0a0908)

# ---------------------------------------------------------------- c.ebreak and reserved encodings
test_90:                                # c.ebreak: breakpoint, mepc at the c.ebreak
    li TESTNUM, 90
    la a5, trap_record
    sd x0, 0(a5)
1:  c.ebreak
    la a5, trap_record
    ld a4, 0(a5)
    CHECK_REG(a4, 3)
    ld a4, 8(a5)
    la a3, 1b
    bne a4, a3, fail
/* A 16-bit encoding that must raise an illegal-instruction exception with
 * mtval = its bits; the handler resumes 2 bytes later. */
#define TEST_C_ILLEGAL(n, bits)                     \
test_##n:                                           \
    li TESTNUM, n;                                  \
    la a5, trap_record;                             \
    sd x0, 0(a5);                                   \
1:  .half bits;                                     \
    la a5, trap_record;                             \
    ld a4, 0(a5);                                   \
    CHECK_REG(a4, 2);                               \
    ld a4, 8(a5);                                   \
    la a3, 1b;                                      \
    bne a4, a3, fail;                               \
    ld a4, 16(a5);                                  \
    CHECK_REG(a4, bits)
    TEST_C_ILLEGAL(91, 0x0000)          # all zeros
    TEST_C_ILLEGAL(92, 0x6101)          # c.addi16sp with nzimm = 0
    TEST_C_ILLEGAL(93, 0x6701)          # c.lui with nzimm = 0
    TEST_C_ILLEGAL(94, 0x8002)          # c.jr with rs1 = x0
    TEST_C_ILLEGAL(95, 0x4002)          # c.lwsp with rd = x0
    TEST_C_ILLEGAL(96, 0x6002)          # c.ldsp with rd = x0
test_97:                                # what would be c.jal on RV32 is c.addiw on RV64
    li TESTNUM, 97
    li a4, 0x7fffffff
    .half 0x2705                        # c.addiw a4, 1
    CHECK_REG(a4, 0xffffffff80000000)

# ---------------------------------------------------------------- compressed FP loads and stores
# (last, because they need the D extension working as well)
test_98:                                # c.fld / c.fsd
    li TESTNUM, 98
    la a5, ldata
    c.fld fa4, 8(a5)
    fmv.x.d a4, fa4
    CHECK_REG(a4, 0x123456787fff0000)
    c.fld fs0, 248(a5)
    fmv.x.d a4, fs0
    CHECK_REG(a4, 0x89abcdef01234567)
    la a5, sdata
    c.fsd fa4, 16(a5)
    ld a4, 16(a5)
    CHECK_REG(a4, 0x123456787fff0000)
    c.fsd fs0, 248(a5)
    ld a4, 248(a5)
    CHECK_REG(a4, 0x89abcdef01234567)
test_99:                                # c.fldsp / c.fsdsp
    li TESTNUM, 99
    la sp, ldata
    c.fldsp ft1, 504(sp)
    fmv.x.d a4, ft1
    CHECK_REG(a4, 0xa5a5a5a5c3c3c3c3)
    c.fldsp fs11, 0(sp)
    fmv.x.d a4, fs11
    CHECK_REG(a4, 0xff00000080017f80)
    la sp, sdata
    c.fsdsp ft1, 504(sp)
    ld a4, 504(sp)
    CHECK_REG(a4, 0xa5a5a5a5c3c3c3c3)
    c.fsdsp fs11, 32(sp)
    ld a4, 32(sp)
    CHECK_REG(a4, 0xff00000080017f80)
    la sp, stack_mid

    j pass

/* Records mcause, mepc and mtval, and resumes after the 2-byte instruction. */
    .align 2
c_trap:
    csrr t0, mcause
    la t1, trap_record
    sd t0, 0(t1)
    csrr t0, mepc
    sd t0, 8(t1)
    csrr t0, mtval
    sd t0, 16(t1)
    csrr t0, mepc
    addi t0, t0, 2
    csrw mepc, t0
    mret
    .option pop

    .data
    .align 4
ldata:
    .byte 0x80, 0x7f, 0x01, 0x80, 0x00, 0x00, 0x00, 0xff
    .byte 0x00, 0x00, 0xff, 0x7f, 0x78, 0x56, 0x34, 0x12
    .fill 124 - 16, 1, 0
    .word 0xdeadbeef
    .fill 248 - 128, 1, 0
    .dword 0x89abcdef01234567
    .fill 504 - 256, 1, 0
    .dword 0xa5a5a5a5c3c3c3c3
    .align 4
sdata:
    .fill 512, 1, 0
trap_record:
    .dword 0, 0, 0
    .align 4
    .fill 2048, 1, 0
stack_mid:
    .fill 2048, 1, 0

TEST_PASS
