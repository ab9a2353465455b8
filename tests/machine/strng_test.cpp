// strng, the teaching PRNG device with the CTF bug fixed: its registers via
// MMIO and via the I/O address latch, and the escape pattern refused.
#include "tests/machine/virt_fixture.h"

#include <gmock/gmock.h>

using namespace mq;
using namespace mq::test;
using ::testing::HasSubstr;

namespace {

class StrngTest : public VirtTest {
protected:
    hwaddr mmio() const { return m_strng->bars[0].cpu_addr(); }
    hwaddr latch() const { return m_strng->bars[1].cpu_addr(); }
    hwaddr data() const { return m_strng->bars[1].cpu_addr() + 4; }

    uint32_t reg(int i) { return rd32(mmio() + 4 * i); }
    void set_reg(int i, uint32_t v) { ASSERT_EQ(wr32(mmio() + 4 * i, v), MEMTX_OK); }
    std::vector<uint32_t> all_regs() {
        std::vector<uint32_t> regs;
        for (int i = 0; i < 64; i++)
            regs.push_back(reg(i));
        return regs;
    }
    // Register 1 after seeding with `seed`, `n` times.
    std::vector<uint32_t> random_sequence(uint32_t seed, int n) {
        set_reg(0, seed);
        std::vector<uint32_t> seq;
        for (int i = 0; i < n; i++) {
            set_reg(1, 0);
            seq.push_back(reg(1));
        }
        return seq;
    }
};

TEST_F(StrngTest, RegistersStartAtZeroAndStoreValues) {
    EXPECT_EQ(all_regs(), std::vector<uint32_t>(64, 0));
    for (int i = 4; i < 64; i++)
        set_reg(i, 0x01010101u * i);
    for (int i = 4; i < 64; i++)
        EXPECT_EQ(reg(i), 0x01010101u * i) << i;
    EXPECT_EQ(reg(0), 0u) << "register 0 is the seed's input, not storage";
}

TEST_F(StrngTest, RegisterOneIsTheSeededSequence) {
    auto a = random_sequence(42, 4);
    auto b = random_sequence(42, 4);
    EXPECT_EQ(a, b) << "the same seed gives the same numbers";
    EXPECT_NE(a[0], a[1]);
    EXPECT_NE(random_sequence(43, 4), a);
    for (uint32_t v : a)
        EXPECT_EQ(v & 0x80000000u, 0u) << "rand() is at most RAND_MAX";
}

TEST_F(StrngTest, RegisterThreeStepsTheStateInRegisterTwo) {
    set_reg(2, 7);
    set_reg(3, 0);
    uint32_t first = reg(3);
    uint32_t state = reg(2);
    EXPECT_NE(state, 7u) << "the state moved on";
    set_reg(3, 0);
    EXPECT_NE(reg(3), first);
    set_reg(2, 7);
    set_reg(3, 0xffffffff);
    EXPECT_EQ(reg(3), first) << "reentrant: the same state gives the same number";
    EXPECT_EQ(reg(2), state);
}

TEST_F(StrngTest, TheIoLatchReachesTheSameRegisters) {
    ASSERT_EQ(wr32(latch(), 5 * 4), MEMTX_OK);
    EXPECT_EQ(rd32(latch()), 20u) << "the latch reads back";
    ASSERT_EQ(wr32(data(), 0xcafef00d), MEMTX_OK);
    EXPECT_EQ(reg(5), 0xcafef00du);
    set_reg(63, 0x600d);
    ASSERT_EQ(wr32(latch(), 63 * 4), MEMTX_OK);
    EXPECT_EQ(rd32(data()), 0x600du);
    // Seeding through the latch works like MMIO.
    ASSERT_EQ(wr32(latch(), 0), MEMTX_OK);
    ASSERT_EQ(wr32(data(), 42), MEMTX_OK);
    ASSERT_EQ(wr32(latch(), 4), MEMTX_OK);
    ASSERT_EQ(wr32(data(), 0), MEMTX_OK);
    uint32_t via_io = rd32(data());
    EXPECT_EQ(random_sequence(42, 1)[0], via_io);
}

TEST_F(StrngTest, TheEscapePatternIsRefused) {
    for (int i = 4; i < 64; i++)
        set_reg(i, 0xa0000000u + i);
    const auto before = all_regs();
    (void)machine().take_guest_errors();
    // Past the array (the CTF exploit used 0x104 and up), far past it,
    // negative as a signed index, and misaligned.
    for (uint32_t index : {0x100u, 0x104u, 0x108u, 0x400u, 0xfffffffcu, 0x80000000u, 0x2u, 0xffu}) {
        SCOPED_TRACE(::testing::Message() << std::hex << "latch 0x" << index);
        ASSERT_EQ(wr32(latch(), index), MEMTX_OK);
        EXPECT_EQ(rd32(latch()), index);
        MemTxResult r = MEMTX_ERROR;
        EXPECT_EQ(rd32(data(), &r), 0xffffffffu);
        EXPECT_EQ(r, MEMTX_OK) << "a guest error, not a bus error";
        EXPECT_EQ(wr32(data(), 0xdeadbeef), MEMTX_OK);
        EXPECT_EQ(all_regs(), before) << "nothing changed anywhere";
        auto errors = machine().take_guest_errors();
        ASSERT_EQ(errors.size(), 2u);
        EXPECT_THAT(errors[0], HasSubstr("refused"));
        EXPECT_THAT(errors[0], HasSubstr(index & 3 ? "misaligned" : "out of range"));
    }
    // The device still works.
    ASSERT_EQ(wr32(latch(), 8 * 4), MEMTX_OK);
    ASSERT_EQ(wr32(data(), 0x12345678), MEMTX_OK);
    EXPECT_EQ(reg(8), 0x12345678u);
    EXPECT_EQ(rd32(data()), 0x12345678u);
}

TEST_F(StrngTest, OnlyFourByteAccessesMeanAnything) {
    set_reg(9, 0x11223344);
    (void)machine().take_guest_errors();
    EXPECT_EQ(rd8(mmio() + 9 * 4), 0xff);
    EXPECT_EQ(wr16(mmio() + 9 * 4, 0), MEMTX_OK);
    EXPECT_EQ(reg(9), 0x11223344u);
    ASSERT_EQ(wr32(latch(), 9 * 4), MEMTX_OK);
    EXPECT_EQ(wr8(data(), 0), MEMTX_OK);
    EXPECT_EQ(wr16(latch(), 0), MEMTX_OK);
    EXPECT_EQ(reg(9), 0x11223344u);
    EXPECT_EQ(rd32(latch()), 9u * 4) << "a 2-byte write does not move the latch";
    auto errors = machine().take_guest_errors();
    ASSERT_EQ(errors.size(), 4u) << "each refusal is logged";
    for (const auto& e : errors)
        EXPECT_THAT(e, HasSubstr("refused: not 4 bytes"));
}

TEST_F(StrngTest, SystemResetClearsTheRegistersAndTheLatch) {
    set_reg(10, 1);
    ASSERT_EQ(wr32(latch(), 40), MEMTX_OK);
    machine().vm().reset();
    pci_assign(m_pci);
    EXPECT_EQ(reg(10), 0u);
    EXPECT_EQ(rd32(latch()), 0u);
}

} // namespace
