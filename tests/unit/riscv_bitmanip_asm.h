// The test assembler (hart_harness.h's rv namespace) for bit manipulation,
// Zicond and scalar crypto: one function per instruction, the fields as
// the specs draw them (riscv-opcodes' rv_zb*, rv64_zk*, rv_zicond). And a
// fixture that runs one such instruction on operands.
#pragma once

#include "tests/unit/hart_harness.h"

namespace mq::test::rv {

// An R-type on OP (or OP-32), a unary one whose rs2 field is part of the
// opcode (funct12), and a shift-immediate one (funct6 and shamt[5:0]).
constexpr uint32_t op_r(uint32_t f7, uint32_t f3, Reg rd, Reg rs1, Reg rs2, uint32_t op = OP) {
    return r_type(f7, rs2, rs1, f3, rd, op);
}
constexpr uint32_t op_unary(uint32_t f12, uint32_t f3, Reg rd, Reg rs1, uint32_t op = OP_IMM) {
    return i_type(int32_t(f12), rs1, f3, rd, op);
}
constexpr uint32_t op_shift6(uint32_t f6, uint32_t f3, Reg rd, Reg rs1, uint32_t sh,
                             uint32_t op = OP_IMM) {
    return i_type(int32_t(f6 << 6 | (sh & 63)), rs1, f3, rd, op);
}

// clang-format off
// Zba
constexpr uint32_t sh1add(Reg rd, Reg rs1, Reg rs2) { return op_r(0x10, 2, rd, rs1, rs2); }
constexpr uint32_t sh2add(Reg rd, Reg rs1, Reg rs2) { return op_r(0x10, 4, rd, rs1, rs2); }
constexpr uint32_t sh3add(Reg rd, Reg rs1, Reg rs2) { return op_r(0x10, 6, rd, rs1, rs2); }
constexpr uint32_t add_uw(Reg rd, Reg rs1, Reg rs2) { return op_r(0x04, 0, rd, rs1, rs2, OP_32); }
constexpr uint32_t sh1add_uw(Reg rd, Reg rs1, Reg rs2) { return op_r(0x10, 2, rd, rs1, rs2, OP_32); }
constexpr uint32_t sh2add_uw(Reg rd, Reg rs1, Reg rs2) { return op_r(0x10, 4, rd, rs1, rs2, OP_32); }
constexpr uint32_t sh3add_uw(Reg rd, Reg rs1, Reg rs2) { return op_r(0x10, 6, rd, rs1, rs2, OP_32); }
constexpr uint32_t slli_uw(Reg rd, Reg rs1, uint32_t sh) { return op_shift6(0x02, 1, rd, rs1, sh, OP_IMM_32); }
// Zbb (andn .. rev8 are Zbkb's too)
constexpr uint32_t andn(Reg rd, Reg rs1, Reg rs2) { return op_r(0x20, 7, rd, rs1, rs2); }
constexpr uint32_t orn(Reg rd, Reg rs1, Reg rs2) { return op_r(0x20, 6, rd, rs1, rs2); }
constexpr uint32_t xnor(Reg rd, Reg rs1, Reg rs2) { return op_r(0x20, 4, rd, rs1, rs2); }
constexpr uint32_t rol(Reg rd, Reg rs1, Reg rs2) { return op_r(0x30, 1, rd, rs1, rs2); }
constexpr uint32_t ror(Reg rd, Reg rs1, Reg rs2) { return op_r(0x30, 5, rd, rs1, rs2); }
constexpr uint32_t rolw(Reg rd, Reg rs1, Reg rs2) { return op_r(0x30, 1, rd, rs1, rs2, OP_32); }
constexpr uint32_t rorw(Reg rd, Reg rs1, Reg rs2) { return op_r(0x30, 5, rd, rs1, rs2, OP_32); }
constexpr uint32_t rori(Reg rd, Reg rs1, uint32_t sh) { return op_shift6(0x18, 5, rd, rs1, sh); }
constexpr uint32_t roriw(Reg rd, Reg rs1, uint32_t sh) { return op_unary(0x600 | (sh & 31), 5, rd, rs1, OP_IMM_32); }
constexpr uint32_t rev8(Reg rd, Reg rs1) { return op_unary(0x6b8, 5, rd, rs1); }
constexpr uint32_t clz(Reg rd, Reg rs1) { return op_unary(0x600, 1, rd, rs1); }
constexpr uint32_t ctz(Reg rd, Reg rs1) { return op_unary(0x601, 1, rd, rs1); }
constexpr uint32_t cpop(Reg rd, Reg rs1) { return op_unary(0x602, 1, rd, rs1); }
constexpr uint32_t sext_b(Reg rd, Reg rs1) { return op_unary(0x604, 1, rd, rs1); }
constexpr uint32_t sext_h(Reg rd, Reg rs1) { return op_unary(0x605, 1, rd, rs1); }
constexpr uint32_t clzw(Reg rd, Reg rs1) { return op_unary(0x600, 1, rd, rs1, OP_IMM_32); }
constexpr uint32_t ctzw(Reg rd, Reg rs1) { return op_unary(0x601, 1, rd, rs1, OP_IMM_32); }
constexpr uint32_t cpopw(Reg rd, Reg rs1) { return op_unary(0x602, 1, rd, rs1, OP_IMM_32); }
constexpr uint32_t max(Reg rd, Reg rs1, Reg rs2) { return op_r(0x05, 6, rd, rs1, rs2); }
constexpr uint32_t maxu(Reg rd, Reg rs1, Reg rs2) { return op_r(0x05, 7, rd, rs1, rs2); }
constexpr uint32_t min(Reg rd, Reg rs1, Reg rs2) { return op_r(0x05, 4, rd, rs1, rs2); }
constexpr uint32_t minu(Reg rd, Reg rs1, Reg rs2) { return op_r(0x05, 5, rd, rs1, rs2); }
constexpr uint32_t orc_b(Reg rd, Reg rs1) { return op_unary(0x287, 5, rd, rs1); }
constexpr uint32_t zext_h(Reg rd, Reg rs1) { return op_unary(0x080, 4, rd, rs1, OP_32); }
// Zbc (clmul and clmulh are Zbkc's too)
constexpr uint32_t clmul(Reg rd, Reg rs1, Reg rs2) { return op_r(0x05, 1, rd, rs1, rs2); }
constexpr uint32_t clmulr(Reg rd, Reg rs1, Reg rs2) { return op_r(0x05, 2, rd, rs1, rs2); }
constexpr uint32_t clmulh(Reg rd, Reg rs1, Reg rs2) { return op_r(0x05, 3, rd, rs1, rs2); }
// Zbs
constexpr uint32_t bclr(Reg rd, Reg rs1, Reg rs2) { return op_r(0x24, 1, rd, rs1, rs2); }
constexpr uint32_t bext(Reg rd, Reg rs1, Reg rs2) { return op_r(0x24, 5, rd, rs1, rs2); }
constexpr uint32_t binv(Reg rd, Reg rs1, Reg rs2) { return op_r(0x34, 1, rd, rs1, rs2); }
constexpr uint32_t bset(Reg rd, Reg rs1, Reg rs2) { return op_r(0x14, 1, rd, rs1, rs2); }
constexpr uint32_t bclri(Reg rd, Reg rs1, uint32_t sh) { return op_shift6(0x12, 1, rd, rs1, sh); }
constexpr uint32_t bexti(Reg rd, Reg rs1, uint32_t sh) { return op_shift6(0x12, 5, rd, rs1, sh); }
constexpr uint32_t binvi(Reg rd, Reg rs1, uint32_t sh) { return op_shift6(0x1a, 1, rd, rs1, sh); }
constexpr uint32_t bseti(Reg rd, Reg rs1, uint32_t sh) { return op_shift6(0x0a, 1, rd, rs1, sh); }
// Zicond
constexpr uint32_t czero_eqz(Reg rd, Reg rs1, Reg rs2) { return op_r(0x07, 5, rd, rs1, rs2); }
constexpr uint32_t czero_nez(Reg rd, Reg rs1, Reg rs2) { return op_r(0x07, 7, rd, rs1, rs2); }
// Zbkb, Zbkx
constexpr uint32_t pack(Reg rd, Reg rs1, Reg rs2) { return op_r(0x04, 4, rd, rs1, rs2); }
constexpr uint32_t packh(Reg rd, Reg rs1, Reg rs2) { return op_r(0x04, 7, rd, rs1, rs2); }
constexpr uint32_t packw(Reg rd, Reg rs1, Reg rs2) { return op_r(0x04, 4, rd, rs1, rs2, OP_32); }
constexpr uint32_t brev8(Reg rd, Reg rs1) { return op_unary(0x687, 5, rd, rs1); }
constexpr uint32_t xperm4(Reg rd, Reg rs1, Reg rs2) { return op_r(0x14, 2, rd, rs1, rs2); }
constexpr uint32_t xperm8(Reg rd, Reg rs1, Reg rs2) { return op_r(0x14, 4, rd, rs1, rs2); }
// Zkne, Zknd
constexpr uint32_t aes64es(Reg rd, Reg rs1, Reg rs2) { return op_r(0x19, 0, rd, rs1, rs2); }
constexpr uint32_t aes64esm(Reg rd, Reg rs1, Reg rs2) { return op_r(0x1b, 0, rd, rs1, rs2); }
constexpr uint32_t aes64ds(Reg rd, Reg rs1, Reg rs2) { return op_r(0x1d, 0, rd, rs1, rs2); }
constexpr uint32_t aes64dsm(Reg rd, Reg rs1, Reg rs2) { return op_r(0x1f, 0, rd, rs1, rs2); }
constexpr uint32_t aes64ks2(Reg rd, Reg rs1, Reg rs2) { return op_r(0x3f, 0, rd, rs1, rs2); }
constexpr uint32_t aes64im(Reg rd, Reg rs1) { return op_unary(0x300, 1, rd, rs1); }
constexpr uint32_t aes64ks1i(Reg rd, Reg rs1, uint32_t rnum) { return op_unary(0x310 | (rnum & 15), 1, rd, rs1); }
// Zknh
constexpr uint32_t sha256sum0(Reg rd, Reg rs1) { return op_unary(0x100, 1, rd, rs1); }
constexpr uint32_t sha256sum1(Reg rd, Reg rs1) { return op_unary(0x101, 1, rd, rs1); }
constexpr uint32_t sha256sig0(Reg rd, Reg rs1) { return op_unary(0x102, 1, rd, rs1); }
constexpr uint32_t sha256sig1(Reg rd, Reg rs1) { return op_unary(0x103, 1, rd, rs1); }
constexpr uint32_t sha512sum0(Reg rd, Reg rs1) { return op_unary(0x104, 1, rd, rs1); }
constexpr uint32_t sha512sum1(Reg rd, Reg rs1) { return op_unary(0x105, 1, rd, rs1); }
constexpr uint32_t sha512sig0(Reg rd, Reg rs1) { return op_unary(0x106, 1, rd, rs1); }
constexpr uint32_t sha512sig1(Reg rd, Reg rs1) { return op_unary(0x107, 1, rd, rs1); }
// clang-format on

// Zkr
constexpr uint32_t SEED = 0x015, MSECCFG = 0x747;

} // namespace mq::test::rv

namespace mq::test {

// Runs one instruction with rd = a0, rs1 = a1, rs2 = a2:
//     EXPECT_EQ(exec(rv::clz(a0, a1), 0), 64u);
class OneInsnTest : public ::testing::Test {
public:
    uint64_t exec(uint32_t insn, uint64_t x, uint64_t y = 0) {
        t.hart.x.set(rv::a0, 0xdeadbeef);
        t.hart.x.set(rv::a1, x);
        t.hart.x.set(rv::a2, y);
        t.run({insn});
        EXPECT_FALSE(t.trapped()) << fmt::format("0x{:08x} trapped, mcause {}", insn,
                                                 t.hart.mcause);
        return t.hart.x[rv::a0];
    }
    // Whether `insn` raises illegal-instruction with the hart's extensions.
    ::testing::AssertionResult illegal(uint32_t insn) {
        riscv::hart_flush_code(t.hart);
        t.run({insn});
        return t.trapped_to_m(riscv::EXCP_ILLEGAL_INST, HartHarness::CODE, insn);
    }

    HartHarness t;
};

} // namespace mq::test
