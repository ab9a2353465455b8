// Fused pairs (insn-fused.cpp): neighbours the block builder runs with one
// handler must do exactly what the two instructions do one after the other:
// both registers written, memory as the second one leaves it, a fault in
// the second one reported at its own pc with the first one retired, and the
// instructions around them unaffected. Each test first checks that the
// pair was fused, so that it tests the fused handler and not the rows'.
#include "hw/cpu/riscv/insn-table.h"
#include "tests/unit/hart_harness.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace mq;
using namespace mq::riscv;
using namespace mq::test::rv;

namespace {

constexpr uint64_t CODE = test::HartHarness::CODE;
constexpr uint64_t DATA = test::HartHarness::DATA;
constexpr uint64_t RAM_END = test::HartHarness::RAM_BASE + test::HartHarness::RAM_SIZE;

class RiscvFused : public ::testing::Test {
protected:
    // Whether the instruction at `pc`, in the block that starts at `block`
    // (CODE by default), runs a fused handler (one that is none of its row's).
    bool fused_at(uint64_t pc, uint64_t block = CODE) {
        const Block* b = hart_cached_block(h, t.host(block));
        if (!b) return false;
        for (const DecodedInsn& i : b->insns) {
            if (b->vpc + i.pc_off != pc || !i.desc) continue;
            const Handlers& v = i.desc->handlers;
            return i.fn != v.plain && i.fn != v.rs1 && i.fn != v.rs2 && i.fn != v.both &&
                   (!v.self_loop || (i.fn != v.self_loop->plain && i.fn != v.self_loop->rs1 &&
                                     i.fn != v.self_loop->rs2 && i.fn != v.self_loop->both));
        }
        return false;
    }

    test::HartHarness t;
    Hart& h = t.hart;
};

TEST_F(RiscvFused, AddThenLoadFromTheSum) {
    t.poke64(DATA + 0x18, 0xfedcba9876543210);
    h.x.set(a1, DATA);
    h.x.set(a2, 0x10);
    t.run({add(a3, a1, a2), ld(a0, 8, a3), lbu(a4, 9, a3), lw(a5, 12, a3)});
    ASSERT_TRUE(fused_at(CODE));
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(h.x[a3], DATA + 0x10) << "the add's own result";
    EXPECT_EQ(h.x[a0], 0xfedcba9876543210u);
    EXPECT_EQ(h.x[a4], 0x32u) << "the load after the pair reads the add's rd too";
    EXPECT_EQ(h.x[a5], 0xfffffffffedcba98u) << "lw sign-extends";
}

TEST_F(RiscvFused, AddThenLoadIntoTheSameRegister) {
    // CRC's table lookup: the sum is the address and then the value.
    t.poke32(DATA + 0x40, 0x89abcdef);
    h.x.set(a5, 0x40);
    h.x.set(a1, DATA);
    t.run({add(a5, a5, a1), lwu(a5, 0, a5)});
    ASSERT_TRUE(fused_at(CODE));
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(h.x[a5], 0x89abcdefu);
}

TEST_F(RiscvFused, AddThenStoreOfTheSumItself) {
    t.poke64(DATA, 0);
    t.poke64(DATA + 8, 0);
    h.x.set(a1, DATA);
    h.x.set(a2, 8);
    h.x.set(a4, 0x11223344);
    t.run({add(a3, a1, a2), sd(a3, 0, a3), sw(a4, -8, a3)});
    ASSERT_TRUE(fused_at(CODE));
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(t.peek64(DATA + 8), DATA + 8) << "the data is the add's rd, read after the add";
    EXPECT_EQ(t.peek64(DATA), 0x11223344u);
}

// The load faults: it is reported at the load, and the add has retired.
TEST_F(RiscvFused, AFaultInTheSecondIsReportedThereWithTheFirstRetired) {
    h.x.set(a1, RAM_END);
    h.x.set(a2, 0x100);
    h.x.set(a3, 0);
    t.run({csrr(a4, MINSTRET), add(a3, a1, a2), lw(a0, 4, a3)});
    ASSERT_TRUE(fused_at(CODE + 4, CODE + 4)) << "csrr ends the first block";
    EXPECT_TRUE(t.trapped_to_m(EXCP_LOAD_ACCESS_FAULT, CODE + 8, RAM_END + 0x104));
    EXPECT_EQ(h.x[a3], RAM_END + 0x100) << "the add retired";
}

// A store across the end of RAM faults before a byte moves.
TEST_F(RiscvFused, AFaultingStoreLeavesMemoryAlone) {
    h.x.set(a1, RAM_END - 4);
    h.x.set(a2, 2);
    h.x.set(a4, ~0ull);
    t.poke32(RAM_END - 4, 0x01020304);
    t.run({add(a3, a1, a2), sw(a4, 0, a3)});
    ASSERT_TRUE(fused_at(CODE));
    EXPECT_TRUE(t.trapped_to_m(EXCP_STORE_AMO_ACCESS_FAULT, CODE + 4, RAM_END));
    EXPECT_EQ(t.peek32(RAM_END - 4), 0x01020304u);
    EXPECT_EQ(h.x[a3], RAM_END - 2);
}

TEST_F(RiscvFused, ShiftPairZeroExtends) {
    h.x.set(a1, 0xfedcba9876543210);
    h.x.set(a2, 0xfedcba9876543210);
    t.run({slli(a0, a1, 32), srli(a0, a0, 32), slli(a2, a2, 8), srli(a2, a2, 8), add(a3, a0, a2)});
    ASSERT_TRUE(fused_at(CODE));
    ASSERT_TRUE(fused_at(CODE + 8));
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(h.x[a0], 0x76543210u);
    EXPECT_EQ(h.x[a2], 0x00dcba9876543210u);
    EXPECT_EQ(h.x[a3], 0x00dcba98eca86420u) << "the value after the pair is forwarded right";
}

// Pairs that do not match run as two: other shift amounts, another register.
TEST_F(RiscvFused, NearMissesAreNotFused) {
    h.x.set(a1, 0xfedcba9876543210);
    h.x.set(a6, DATA);
    t.run({slli(a0, a1, 32), srli(a0, a0, 16), slli(a2, a1, 32), srli(a3, a2, 32), add(a4, a1, a1),
           ld(a5, 0, a6)});
    EXPECT_FALSE(fused_at(CODE));
    EXPECT_FALSE(fused_at(CODE + 8));
    EXPECT_FALSE(fused_at(CODE + 16)) << "the load's base is not the add's rd";
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(h.x[a0], 0x7654321000000000u >> 16);
    EXPECT_EQ(h.x[a3], 0x76543210u);
}

// The sieve's inner loop, one block round and round: both pairs in it.
TEST_F(RiscvFused, ALoopOfPairsCountsEveryInstruction) {
    std::memset(t.host(DATA), 0, 64);
    h.x.set(a5, 3);  // j
    h.x.set(a0, 5);  // the stride
    h.x.set(s2, 60); // the end
    h.x.set(s3, DATA);
    h.x.set(a1, 1);
    t.run({csrr(a6, MINSTRET), slli(a4, a5, 32), srli(a4, a4, 32), add(a4, a4, s3), sb(a1, 0, a4),
           addw(a5, a5, a0), bgeu(s2, a5, -20), csrr(a7, MINSTRET)});
    t.resume(200);
    ASSERT_TRUE(fused_at(CODE + 4, CODE + 4)) << "the loop is a block of its own";
    ASSERT_TRUE(fused_at(CODE + 12, CODE + 4));
    EXPECT_FALSE(t.trapped());
    for (uint64_t k = 0; k < 64; k++)
        EXPECT_EQ(*t.host(DATA + k), (k >= 3 && k <= 60 && (k - 3) % 5 == 0) ? 1u : 0u) << k;
    EXPECT_EQ(h.x[a7] - h.x[a6], 1u + 6 * 12) << "12 rounds of 6";
}

} // namespace
