// Zba, Zbb, Zbc, Zbs and Zicond, run from their encodings: results and the
// edge cases the spec's pseudo-code has (zero and all-ones inputs, the W
// forms' sign extension, index masking), and each extension's rows being
// illegal when it is off (and legal through the other extension that
// shares them).
#include "tests/unit/riscv_bitmanip_asm.h"

#include <gtest/gtest.h>

using namespace mq;
using namespace mq::riscv;
using namespace mq::test::rv;

namespace {

constexpr uint64_t ONES = ~0ull;

class Bitmanip : public test::OneInsnTest {
protected:
    void turn_off(IsaExts exts) {
        t.hart.isa.exts &= ~exts;
        hart_flush_code(t.hart);
    }
};

TEST_F(Bitmanip, ZbaShiftAndAdd) {
    EXPECT_EQ(exec(sh1add(a0, a1, a2), 5, 100), 110u);
    EXPECT_EQ(exec(sh2add(a0, a1, a2), 5, 100), 120u);
    EXPECT_EQ(exec(sh3add(a0, a1, a2), 5, 100), 140u);
    // The shifted-out bits are lost; the sum wraps.
    EXPECT_EQ(exec(sh3add(a0, a1, a2), 0xe000000000000001, 1), 9u);
    // The .uw forms take the low word of rs1, zero-extended, whatever is above it.
    EXPECT_EQ(exec(add_uw(a0, a1, a2), 0xffffffff80000000, 1), 0x80000001u);
    EXPECT_EQ(exec(add_uw(a0, a1, zero), ONES), 0xffffffffu); // zext.w
    EXPECT_EQ(exec(sh1add_uw(a0, a1, a2), 0x12345678ffffffff, 0), 0x1fffffffeu);
    EXPECT_EQ(exec(sh2add_uw(a0, a1, a2), 0xabcdef0080000000, 4), 0x200000004u);
    EXPECT_EQ(exec(sh3add_uw(a0, a1, a2), 0xffffffff00000001, ONES), 7u);
    EXPECT_EQ(exec(slli_uw(a0, a1, 0), 0xdeadbeefcafef00d), 0xcafef00du);
    EXPECT_EQ(exec(slli_uw(a0, a1, 4), 0xffffffff87654321), 0x876543210u);
    EXPECT_EQ(exec(slli_uw(a0, a1, 63), 0x100000001), 1ull << 63);
    EXPECT_EQ(exec(slli_uw(a0, a1, 32), 0xffffffffffffffff), 0xffffffff00000000u);
}

TEST_F(Bitmanip, ZbbLogicWithNegate) {
    EXPECT_EQ(exec(andn(a0, a1, a2), 0xff00ff00ff00ff00, 0xf0f0f0f0f0f0f0f0), 0x0f000f000f000f00u);
    EXPECT_EQ(exec(orn(a0, a1, a2), 0, 0xf0f0f0f0f0f0f0f0), 0x0f0f0f0f0f0f0f0fu);
    EXPECT_EQ(exec(xnor(a0, a1, a2), 0x1234, 0x1234), ONES);
    EXPECT_EQ(exec(xnor(a0, a1, a2), 0, ONES), 0u);
}

TEST_F(Bitmanip, ZbbCounts) {
    EXPECT_EQ(exec(clz(a0, a1), 0), 64u);
    EXPECT_EQ(exec(clz(a0, a1), ONES), 0u);
    EXPECT_EQ(exec(clz(a0, a1), 1), 63u);
    EXPECT_EQ(exec(clz(a0, a1), 0x0000800000000000), 16u);
    EXPECT_EQ(exec(ctz(a0, a1), 0), 64u);
    EXPECT_EQ(exec(ctz(a0, a1), ONES), 0u);
    EXPECT_EQ(exec(ctz(a0, a1), 1ull << 63), 63u);
    EXPECT_EQ(exec(cpop(a0, a1), 0), 0u);
    EXPECT_EQ(exec(cpop(a0, a1), ONES), 64u);
    EXPECT_EQ(exec(cpop(a0, a1), 0x8000000000000001), 2u);
    // The W forms look at the low word only.
    EXPECT_EQ(exec(clzw(a0, a1), 0xffffffff00000000), 32u);
    EXPECT_EQ(exec(clzw(a0, a1), 0x00000000ffffffff), 0u);
    EXPECT_EQ(exec(clzw(a0, a1), 0x0000000000010000), 15u);
    EXPECT_EQ(exec(ctzw(a0, a1), 0xffffffff00000000), 32u);
    EXPECT_EQ(exec(ctzw(a0, a1), 0x0000000080000000), 31u);
    EXPECT_EQ(exec(cpopw(a0, a1), 0xffffffff00000000), 0u);
    EXPECT_EQ(exec(cpopw(a0, a1), ONES), 32u);
}

TEST_F(Bitmanip, ZbbMinMax) {
    uint64_t neg1 = ONES, int_min = 1ull << 63;
    EXPECT_EQ(exec(max(a0, a1, a2), neg1, 1), 1u);
    EXPECT_EQ(exec(maxu(a0, a1, a2), neg1, 1), neg1);
    EXPECT_EQ(exec(min(a0, a1, a2), neg1, 1), neg1);
    EXPECT_EQ(exec(minu(a0, a1, a2), neg1, 1), 1u);
    EXPECT_EQ(exec(min(a0, a1, a2), int_min, int_min - 1), int_min);
    EXPECT_EQ(exec(max(a0, a1, a2), int_min, int_min - 1), int_min - 1);
    EXPECT_EQ(exec(minu(a0, a1, a2), int_min, int_min - 1), int_min - 1);
    EXPECT_EQ(exec(maxu(a0, a1, a2), 7, 7), 7u);
}

TEST_F(Bitmanip, ZbbExtensions) {
    EXPECT_EQ(exec(sext_b(a0, a1), 0x1234567880), 0xffffffffffffff80u);
    EXPECT_EQ(exec(sext_b(a0, a1), 0xff7f), 0x7fu);
    EXPECT_EQ(exec(sext_h(a0, a1), 0x12348000), 0xffffffffffff8000u);
    EXPECT_EQ(exec(sext_h(a0, a1), 0xffff7fff), 0x7fffu);
    EXPECT_EQ(exec(zext_h(a0, a1), 0xffffffffffff8001), 0x8001u);
    EXPECT_EQ(exec(zext_h(a0, a1), 0), 0u);
}

TEST_F(Bitmanip, ZbbRotates) {
    uint64_t v = 0x8000000000000001;
    EXPECT_EQ(exec(rol(a0, a1, a2), v, 0), v);
    EXPECT_EQ(exec(rol(a0, a1, a2), v, 1), 3u);
    EXPECT_EQ(exec(rol(a0, a1, a2), v, 63), 0xc000000000000000u);
    EXPECT_EQ(exec(rol(a0, a1, a2), v, 64 + 1), 3u) << "the amount is rs2[5:0]";
    EXPECT_EQ(exec(ror(a0, a1, a2), v, 1), 0xc000000000000000u);
    EXPECT_EQ(exec(ror(a0, a1, a2), v, 63), 3u);
    EXPECT_EQ(exec(ror(a0, a1, a2), 0x1234, 0), 0x1234u);
    EXPECT_EQ(exec(rori(a0, a1, 0), 0x1234), 0x1234u);
    EXPECT_EQ(exec(rori(a0, a1, 4), 0x1234), 0x4000000000000123u);
    EXPECT_EQ(exec(rori(a0, a1, 63), v), 3u);
    // W forms: a 32-bit rotate of the low word, sign-extended.
    EXPECT_EQ(exec(rolw(a0, a1, a2), 0xffffffff40000000, 1), 0xffffffff80000000u);
    EXPECT_EQ(exec(rolw(a0, a1, a2), 0x80000001, 32 + 1), 3u) << "the amount is rs2[4:0]";
    EXPECT_EQ(exec(rorw(a0, a1, a2), 0x00000001, 1), 0xffffffff80000000u);
    EXPECT_EQ(exec(rorw(a0, a1, a2), 0x1234567800000001, 0), 1u);
    EXPECT_EQ(exec(roriw(a0, a1, 31), 0x80000001), 3u);
    EXPECT_EQ(exec(roriw(a0, a1, 0), 0x00000000f0000000), 0xfffffffff0000000u);
}

TEST_F(Bitmanip, ZbbBytes) {
    EXPECT_EQ(exec(rev8(a0, a1), 0x0102030405060708), 0x0807060504030201u);
    EXPECT_EQ(exec(rev8(a0, a1), 0xff), 0xff00000000000000u);
    EXPECT_EQ(exec(orc_b(a0, a1), 0x0001008000000100), 0x00ff00ff0000ff00u);
    EXPECT_EQ(exec(orc_b(a0, a1), 0), 0u);
    EXPECT_EQ(exec(orc_b(a0, a1), ONES), ONES);
}

TEST_F(Bitmanip, ZbcCarrylessMultiply) {
    // (x + 1)(x + 1) = x^2 + 1 over GF(2).
    EXPECT_EQ(exec(clmul(a0, a1, a2), 3, 3), 5u);
    EXPECT_EQ(exec(clmulh(a0, a1, a2), 3, 3), 0u);
    EXPECT_EQ(exec(clmul(a0, a1, a2), 0, ONES), 0u);
    // x^63 * x^63 = x^126: bit 62 of the high half, bit 63 of clmulr's.
    uint64_t top = 1ull << 63;
    EXPECT_EQ(exec(clmul(a0, a1, a2), top, top), 0u);
    EXPECT_EQ(exec(clmulh(a0, a1, a2), top, top), 1ull << 62);
    EXPECT_EQ(exec(clmulr(a0, a1, a2), top, top), 1ull << 63);
    // All ones squared: x^k survives when k is even (k + 1 or 127 - k terms).
    uint64_t even = 0x5555555555555555;
    EXPECT_EQ(exec(clmul(a0, a1, a2), ONES, ONES), even);
    EXPECT_EQ(exec(clmulh(a0, a1, a2), ONES, ONES), even);
    EXPECT_EQ(exec(clmulr(a0, a1, a2), ONES, ONES), even << 1);
    // clmulr is bits 126..63: clmulh << 1 | clmul >> 63.
    uint64_t x = 0x9abcdef012345678, y = 0xfedcba9876543210;
    uint64_t lo = exec(clmul(a0, a1, a2), x, y), hi = exec(clmulh(a0, a1, a2), x, y);
    EXPECT_EQ(exec(clmulr(a0, a1, a2), x, y), hi << 1 | lo >> 63);
    EXPECT_EQ(exec(clmul(a0, a1, a2), 0x8000000000000003, 2), 6u);
    EXPECT_EQ(exec(clmulh(a0, a1, a2), 0x8000000000000003, 2), 1u);
}

TEST_F(Bitmanip, ZbsSingleBits) {
    EXPECT_EQ(exec(bset(a0, a1, a2), 0, 63), 1ull << 63);
    EXPECT_EQ(exec(bset(a0, a1, a2), 0, 64 + 3), 8u) << "the index is rs2[5:0]";
    EXPECT_EQ(exec(bclr(a0, a1, a2), ONES, 0), ONES - 1);
    EXPECT_EQ(exec(bclr(a0, a1, a2), ONES, ONES), ONES >> 1);
    EXPECT_EQ(exec(binv(a0, a1, a2), 0x10, 4), 0u);
    EXPECT_EQ(exec(binv(a0, a1, a2), 0, 128 + 5), 0x20u);
    EXPECT_EQ(exec(bext(a0, a1, a2), 1ull << 63, 63), 1u);
    EXPECT_EQ(exec(bext(a0, a1, a2), 1ull << 63, 62), 0u);
    EXPECT_EQ(exec(bext(a0, a1, a2), 2, 64 + 1), 1u);
    EXPECT_EQ(exec(bseti(a0, a1, 0), 0), 1u);
    EXPECT_EQ(exec(bseti(a0, a1, 63), 0), 1ull << 63);
    EXPECT_EQ(exec(bclri(a0, a1, 63), ONES), ONES >> 1);
    EXPECT_EQ(exec(binvi(a0, a1, 32), 0), 1ull << 32);
    EXPECT_EQ(exec(bexti(a0, a1, 40), 1ull << 40), 1u);
    EXPECT_EQ(exec(bexti(a0, a1, 0), 0xfe), 0u);
}

TEST_F(Bitmanip, ZicondZeroes) {
    EXPECT_EQ(exec(czero_eqz(a0, a1, a2), 1234, 0), 0u);
    EXPECT_EQ(exec(czero_eqz(a0, a1, a2), 1234, 1ull << 63), 1234u);
    EXPECT_EQ(exec(czero_nez(a0, a1, a2), 1234, 0), 1234u);
    EXPECT_EQ(exec(czero_nez(a0, a1, a2), 1234, ONES), 0u);
    // rs2 = x0: eqz always zeroes, nez never does.
    EXPECT_EQ(exec(czero_eqz(a0, a1, zero), 99), 0u);
    EXPECT_EQ(exec(czero_nez(a0, a1, zero), 99), 99u);
}

TEST_F(Bitmanip, ResultToX0IsDiscarded) {
    exec(clz(zero, a1), 0);
    EXPECT_EQ(t.hart.x[zero], 0u);
}

TEST_F(Bitmanip, DisabledExtensionsAreIllegal) {
    turn_off(ext_bits(Ext::Zba, Ext::Zbs, Ext::Zicond));
    EXPECT_TRUE(illegal(sh1add(a0, a1, a2)));
    EXPECT_TRUE(illegal(add_uw(a0, a1, a2)));
    EXPECT_TRUE(illegal(slli_uw(a0, a1, 3)));
    EXPECT_TRUE(illegal(bset(a0, a1, a2)));
    EXPECT_TRUE(illegal(bexti(a0, a1, 3)));
    EXPECT_TRUE(illegal(czero_eqz(a0, a1, a2)));
    EXPECT_EQ(exec(cpop(a0, a1), 7), 3u) << "Zbb is still on";

    turn_off(ext_bit(Ext::Zbb));
    EXPECT_TRUE(illegal(cpop(a0, a1)));
    EXPECT_TRUE(illegal(clz(a0, a1)));
    EXPECT_TRUE(illegal(andn(a0, a1, a2)));
    EXPECT_TRUE(illegal(rev8(a0, a1)));
    EXPECT_TRUE(illegal(zext_h(a0, a1)));
    EXPECT_TRUE(illegal(min(a0, a1, a2)));

    turn_off(ext_bit(Ext::Zbc));
    EXPECT_TRUE(illegal(clmul(a0, a1, a2)));
    EXPECT_TRUE(illegal(clmulh(a0, a1, a2)));
    EXPECT_TRUE(illegal(clmulr(a0, a1, a2)));
}

// The rows Zbkb and Zbkc share with Zbb and Zbc work through either; what
// is Zbb's or Zbc's alone does not.
TEST_F(Bitmanip, SharedRowsDecodeThroughTheCryptoExtensions) {
    turn_off(ext_bits(Ext::Zbb, Ext::Zbc));
    t.hart.isa.exts |= ext_bits(Ext::Zbkb, Ext::Zbkc);
    EXPECT_EQ(exec(andn(a0, a1, a2), 0xff, 0x0f), 0xf0u);
    EXPECT_EQ(exec(rori(a0, a1, 8), 0xff), 0xff00000000000000u);
    EXPECT_EQ(exec(rev8(a0, a1), 0x11), 0x1100000000000000u);
    EXPECT_EQ(exec(clmul(a0, a1, a2), 3, 3), 5u);
    EXPECT_EQ(exec(clmulh(a0, a1, a2), 1ull << 63, 4), 2u);
    EXPECT_TRUE(illegal(clmulr(a0, a1, a2)));
    EXPECT_TRUE(illegal(clz(a0, a1)));
    EXPECT_TRUE(illegal(orc_b(a0, a1)));
    EXPECT_TRUE(illegal(max(a0, a1, a2)));
    // zext.h's encoding is packw rd, rs1, x0: the same result through Zbkb.
    EXPECT_EQ(exec(zext_h(a0, a1), 0xffffffffffff8001), 0x8001u);
    EXPECT_EQ(exec(packw(a0, a1, a2), 0x1111, 0x8000), 0xffffffff80001111u);
}

// With Zbb alone, packw is illegal except for its rs2 = x0 form, zext.h.
TEST_F(Bitmanip, ZextHWithoutZbkbIsNotPackw) {
    turn_off(ext_bit(Ext::Zbkb));
    EXPECT_EQ(exec(zext_h(a0, a1), 0x12345), 0x2345u);
    EXPECT_TRUE(illegal(packw(a0, a1, a2)));
    EXPECT_TRUE(illegal(pack(a0, a1, a2)));
}

} // namespace
