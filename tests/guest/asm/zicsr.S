# Zicsr: csrrw/csrrs/csrrc and their immediate forms on mscratch (old value
# in rd, new value in the CSR), the x0 rules (csrrs/csrrc with rs1 = x0 and
# csrrsi/csrrci with uimm = 0 do not write, so they may read a read-only
# CSR; csrrw always writes), writes to read-only CSRs and accesses to a
# CSR that does not exist (0x7c0) raising an illegal-instruction exception
# with mcause 2, mepc at the instruction and mtval = its 32 bits, mhartid,
# misa, the fcsr/frm/fflags views, WARL fields of mepc and mtvec, and the
# counters. A failing case ends the run with its number as the exit status
# (HTIF tohost).
#include "test.h"

#define CHECK_REG(reg, val)                         \
    li x29, val;                                    \
    bne reg, x29, fail

/* The instruction `insn` (32 bits, given as `bits` too) must trap with an
 * illegal-instruction exception: mcause 2, mepc at it, mtval = bits or 0.
 * The privileged spec lets mtval be either the faulting instruction or
 * zero; QEMU 7.2 writes 0 when the CSR access itself is what is illegal
 * (the exception is raised at run time, where it no longer knows the
 * instruction bits), and the bits for instructions it cannot decode. */
#define TEST_ILLEGAL(n, bits, insn...)              \
test_##n:                                           \
    li TESTNUM, n;                                  \
    la x5, trap_record;                             \
    li x6, -1;                                      \
    sd x6, 0(x5);                                   \
    sd x6, 8(x5);                                   \
    sd x6, 16(x5);                                  \
1:  insn;                                           \
    la x5, trap_record;                             \
    ld x14, 0(x5);                                  \
    CHECK_REG(x14, 2);                              \
    ld x14, 8(x5);                                  \
    la x15, 1b;                                     \
    bne x14, x15, fail;                             \
    ld x14, 16(x5);                                 \
    beqz x14, 2f;                                   \
    CHECK_REG(x14, bits);                           \
2:

TEST_START
    .option push
    .option norvc
    la t0, csr_trap
    csrw mtvec, t0

# ---------------------------------------------------------------- register forms on mscratch
test_2:                                 # csrrw: rd = old, csr = rs1 (all 64 bits)
    li TESTNUM, 2
    li x1, 0x0123456789abcdef
    csrw mscratch, x1
    li x2, 0xfedcba9876543210
    csrrw x14, mscratch, x2
    bne x14, x1, fail
    csrr x15, mscratch
    bne x15, x2, fail
test_3:                                 # csrrs: rd = old, csr |= rs1
    li TESTNUM, 3
    li x1, 0xff00
    csrw mscratch, x1
    li x2, 0x00ff000000000f0f
    csrrs x14, mscratch, x2
    CHECK_REG(x14, 0xff00)
    csrr x15, mscratch
    CHECK_REG(x15, 0x00ff00000000ff0f)
test_4:                                 # csrrc: rd = old, csr &= ~rs1
    li TESTNUM, 4
    li x2, 0x00f0000000000f00
    csrrc x14, mscratch, x2
    CHECK_REG(x14, 0x00ff00000000ff0f)
    csrr x15, mscratch
    CHECK_REG(x15, 0x000f00000000f00f)
test_5:                                 # rd = rs1: the old value of rs1 is written
    li TESTNUM, 5
    li x1, 0x1111
    csrw mscratch, x1
    li x5, 0x2222
    csrrw x5, mscratch, x5
    CHECK_REG(x5, 0x1111)
    csrr x15, mscratch
    CHECK_REG(x15, 0x2222)
test_6:                                 # rd = x0 still writes (csrw, csrs, csrc)
    li TESTNUM, 6
    li x1, 0x30
    csrrw x0, mscratch, x1
    li x1, 0x0c
    csrrs x0, mscratch, x1
    li x1, 0x10
    csrrc x0, mscratch, x1
    csrr x15, mscratch
    CHECK_REG(x15, 0x2c)
test_7:                                 # rs1 = x0: csrrs/csrrc read without writing; csrrw x0 writes 0
    li TESTNUM, 7
    li x1, 0x5a5a
    csrw mscratch, x1
    csrrs x14, mscratch, x0
    CHECK_REG(x14, 0x5a5a)
    csrrc x14, mscratch, x0
    CHECK_REG(x14, 0x5a5a)
    csrr x15, mscratch
    CHECK_REG(x15, 0x5a5a)
    csrrw x14, mscratch, x0
    CHECK_REG(x14, 0x5a5a)
    csrr x15, mscratch
    CHECK_REG(x15, 0)

# ---------------------------------------------------------------- immediate forms
test_10:                                # csrrwi: the 5-bit immediate is zero-extended
    li TESTNUM, 10
    li x1, -1
    csrw mscratch, x1
    csrrwi x14, mscratch, 31
    CHECK_REG(x14, -1)
    csrr x15, mscratch
    CHECK_REG(x15, 31)
test_11:                                # csrrsi
    li TESTNUM, 11
    li x1, 0x100
    csrw mscratch, x1
    csrrsi x14, mscratch, 0x15
    CHECK_REG(x14, 0x100)
    csrr x15, mscratch
    CHECK_REG(x15, 0x115)
test_12:                                # csrrci
    li TESTNUM, 12
    csrrci x14, mscratch, 0x05
    CHECK_REG(x14, 0x115)
    csrr x15, mscratch
    CHECK_REG(x15, 0x110)
test_13:                                # uimm = 0: csrrsi/csrrci do not write; csrrwi writes 0
    li TESTNUM, 13
    csrrsi x14, mscratch, 0
    CHECK_REG(x14, 0x110)
    csrrci x14, mscratch, 0
    CHECK_REG(x14, 0x110)
    csrrwi x14, mscratch, 0
    CHECK_REG(x14, 0x110)
    csrr x15, mscratch
    CHECK_REG(x15, 0)

# ---------------------------------------------------------------- read-only CSRs
test_20:                                # mhartid is 0 on hart 0
    li TESTNUM, 20
    csrr x14, mhartid
    CHECK_REG(x14, 0)
test_21:                                # reading read-only CSRs without a write does not trap
    li TESTNUM, 21
    la x5, trap_record
    sd x0, 0(x5)
    csrrs x14, mhartid, x0
    csrrc x14, mhartid, x0
    csrrsi x14, mhartid, 0
    csrrci x14, mhartid, 0
    csrrs x14, mvendorid, x0
    csrrs x14, cycle, x0
    csrrsi x14, instret, 0
    ld x14, 0(x5)
    CHECK_REG(x14, 0)
    # The encodings below: csrrw x0, mhartid, x1 = 0xf1409073;
    # csrrwi x0, mhartid, 0 = 0xf1405073; csrrs x14, mhartid, x1 = 0xf140a773;
    # csrrci x14, mvendorid, 1 = 0xf110f773; csrrw x0, cycle, x0 = 0xc0001073
    # (the canonical "unimp"); csrrs x14, time, x1 = 0xc010a773.
    li x1, 1
    TEST_ILLEGAL(22, 0xf1409073, csrrw x0, mhartid, x1)
    TEST_ILLEGAL(23, 0xf1405073, csrrwi x0, mhartid, 0)  # csrrwi writes even a zero
    li x1, 1
    TEST_ILLEGAL(24, 0xf140a773, csrrs x14, mhartid, x1)
    TEST_ILLEGAL(25, 0xf110f773, csrrci x14, mvendorid, 1)
    TEST_ILLEGAL(26, 0xc0001073, csrrw x0, cycle, x0)
    li x1, 1
    TEST_ILLEGAL(27, 0xc010a773, csrrs x14, time, x1)
test_28:                                # a trapping CSR instruction does not write rd
    li TESTNUM, 28
    li x14, 0x1234
    li x1, 1
    csrrs x14, mhartid, x1
    CHECK_REG(x14, 0x1234)

# ---------------------------------------------------------------- CSRs that do not exist
    # csrr x14, 0x7c0 = 0x7c002773; csrw 0x7c0, x1 = 0x7c009073; csrrwi x0, 0x7c0, 5 = 0x7c02d073;
    # csrr x14, 0x8ff = 0x8ff02773 (custom, unprivileged)
    TEST_ILLEGAL(30, 0x7c002773, csrr x14, 0x7c0)
    TEST_ILLEGAL(31, 0x7c009073, csrw 0x7c0, x1)
    TEST_ILLEGAL(32, 0x7c02d073, csrrwi x0, 0x7c0, 5)
    TEST_ILLEGAL(33, 0x8ff02773, csrr x14, 0x8ff)

# ---------------------------------------------------------------- misa
test_40:                                # RV64 (MXL = 2) with I, M, A, F, D, C, S and U; QEMU
    li TESTNUM, 40                      # also sets H (bit 7), which we do not have
    csrr x14, misa
    li x15, ~(1 << 7)
    and x14, x14, x15
    CHECK_REG(x14, 0x800000000014112d)

# ---------------------------------------------------------------- fcsr, frm, fflags
test_50:                                # fcsr = frm << 5 | fflags
    li TESTNUM, 50
    li x1, 0xff
    csrw fcsr, x1
    csrr x14, frm
    CHECK_REG(x14, 7)
    csrr x14, fflags
    CHECK_REG(x14, 0x1f)
    csrwi frm, 2
    csrr x14, fcsr
    CHECK_REG(x14, 0x5f)
    csrwi fflags, 0x01
    csrr x14, fcsr
    CHECK_REG(x14, 0x41)
    csrrsi x14, fflags, 0x10
    CHECK_REG(x14, 0x01)
    csrr x14, fcsr
    CHECK_REG(x14, 0x51)
test_51:                                # bits above 8 of fcsr are not kept
    li TESTNUM, 51
    li x1, 0xffffffff
    csrw fcsr, x1
    csrr x14, fcsr
    CHECK_REG(x14, 0xff)
    li x1, 0xff
    csrw fflags, x1
    csrr x14, fflags
    CHECK_REG(x14, 0x1f)
    csrwi fcsr, 0

# ---------------------------------------------------------------- WARL fields
test_60:                                # mepc holds a 2-byte-aligned address (with C).
    li TESTNUM, 60                      # (Its bit 0 should read 0, but QEMU 7.2 keeps it.)
    li x1, 0x80001236
    csrw mepc, x1
    csrr x14, mepc
    CHECK_REG(x14, 0x80001236)
test_61:                                # mtvec: direct and vectored modes are kept
    li TESTNUM, 61
    csrr x6, mtvec
    li x1, 0x80000101
    csrw mtvec, x1
    csrr x14, mtvec
    csrw mtvec, x6
    CHECK_REG(x14, 0x80000101)
test_62:                                # sscratch is accessible from M-mode and separate
    li TESTNUM, 62
    li x1, 0xabc
    csrw sscratch, x1
    li x1, 0xdef
    csrw mscratch, x1
    csrr x14, sscratch
    CHECK_REG(x14, 0xabc)

# ---------------------------------------------------------------- counters
test_70:                                # mcycle and minstret advance
    li TESTNUM, 70
    csrr x5, minstret
    csrr x6, mcycle
    li x7, 1000
1:  addi x7, x7, -1
    bnez x7, 1b
    csrr x8, minstret
    csrr x9, mcycle
    bleu x8, x5, fail
    bleu x9, x6, fail
test_71:                                # the user views (rdcycle, rdinstret) read the same counters
    li TESTNUM, 71
    csrr x5, minstret
    rdinstret x6
    bltu x6, x5, fail
    csrr x5, mcycle
    rdcycle x6
    bltu x6, x5, fail

    j pass

/* Records mcause, mepc and mtval, and resumes after the 4-byte instruction. */
    .align 2
csr_trap:
    csrr t0, mcause
    la t1, trap_record
    sd t0, 0(t1)
    csrr t0, mepc
    sd t0, 8(t1)
    csrr t0, mtval
    sd t0, 16(t1)
    csrr t0, mepc
    addi t0, t0, 4
    csrw mepc, t0
    mret
    .option pop

    .data
    .align 3
trap_record:
    .dword 0, 0, 0

TEST_PASS
