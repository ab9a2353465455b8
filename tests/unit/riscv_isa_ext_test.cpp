// The extension set: the ISA string and misa printed from it, the checks
// -cpu combinations go through, and a disabled extension's instructions
// decoding as illegal.
#include "hw/cpu/riscv/isa-ext.h"
#include "tests/unit/hart_harness.h"

#include <gtest/gtest.h>

using namespace mq;
using namespace mq::riscv;
using namespace mq::test::rv;

namespace {

constexpr uint64_t CODE = test::HartHarness::CODE;

TEST(RiscvIsaExt, StringIsInCanonicalOrderWithBundles) {
    IsaExts base = ext_bits(Ext::I, Ext::M, Ext::A, Ext::F, Ext::D, Ext::C, Ext::S, Ext::U,
                            Ext::Zicsr, Ext::Zifencei);
    EXPECT_EQ(isa_string(base), "rv64imafdc_zicsr_zifencei");
    // QEMU 7.2's string for zk=on names the bundles after zbs.
    IsaExts zk = ext_bits(Ext::Zbkb, Ext::Zbkc, Ext::Zbkx, Ext::Zknd, Ext::Zkne, Ext::Zknh,
                          Ext::Zkr, Ext::Zkt);
    EXPECT_EQ(isa_string(base | zk | ext_bits(Ext::Zba, Ext::Zbs, Ext::Sstc)),
              "rv64imafdc_zicsr_zifencei_zba_zbkb_zbkc_zbkx_zbs_zk_zkn_zknd_zkne_zknh_zkr_zkt_"
              "sstc");
    // Without zkr and zkt, only zkn is complete.
    EXPECT_EQ(isa_string(base | (zk & ~ext_bits(Ext::Zkr, Ext::Zkt))),
              "rv64imafdc_zicsr_zifencei_zbkb_zbkc_zbkx_zkn_zknd_zkne_zknh");
    std::vector<std::string> want = {"i", "m", "a", "f", "d", "c", "zicsr", "zifencei"};
    EXPECT_EQ(isa_extension_names(base), want);
}

TEST(RiscvIsaExt, MisaHasALetterPerSingleLetterExtension) {
    uint64_t letters = (1u << ('i' - 'a')) | (1u << ('m' - 'a')) | (1u << ('a' - 'a')) |
                       (1u << ('c' - 'a')) | (1u << ('s' - 'a')) | (1u << ('u' - 'a'));
    EXPECT_EQ(isa_misa(ext_bits(Ext::I, Ext::M, Ext::A, Ext::C, Ext::S, Ext::U, Ext::Zba)),
              (2ull << 62) | letters);
}

TEST(RiscvIsaExt, ValidationUsesQemusWording) {
    IsaConfig cfg;
    EXPECT_TRUE(isa_validate(cfg).ok());
    cfg.exts &= ~ext_bit(Ext::F);
    EXPECT_EQ(isa_validate(cfg).error().message, "D extension requires F extension");
    cfg = IsaConfig{};
    cfg.exts &= ~ext_bit(Ext::I);
    EXPECT_EQ(isa_validate(cfg).error().message, "Either I or E extension must be set");
    cfg = IsaConfig{};
    cfg.exts &= ~ext_bit(Ext::Zicsr);
    EXPECT_EQ(isa_validate(cfg).error().message, "F extension requires Zicsr");
}

// The default rv64 has QEMU's default bit manipulation (and Zicond); the
// scalar crypto is off by default, as in QEMU, and on in max.
TEST(RiscvIsaExt, DefaultHasBitmanipAndMaxHasCrypto) {
    IsaExts bitmanip = ext_bits(Ext::Zba, Ext::Zbb, Ext::Zbc, Ext::Zbs, Ext::Zicond);
    IsaExts crypto = ext_bits(Ext::Zbkb, Ext::Zbkc, Ext::Zbkx, Ext::Zknd, Ext::Zkne, Ext::Zknh,
                              Ext::Zkr, Ext::Zkt);
    EXPECT_EQ(isa_default_exts() & bitmanip, bitmanip);
    EXPECT_EQ(isa_default_exts() & crypto, 0u);
    EXPECT_EQ(isa_max_exts() & (bitmanip | crypto), bitmanip | crypto);
    IsaConfig cfg;
    cfg.exts |= crypto;
    EXPECT_TRUE(isa_validate(cfg).ok());
    cfg.exts &=
        ~ext_bits(Ext::F, Ext::D, Ext::Zfh, Ext::Zfhmin, Ext::Zicntr, Ext::Zihpm, Ext::Zicsr);
    EXPECT_EQ(isa_validate(cfg).error().message, "zkr requires zicsr");
}

TEST(RiscvIsaExt, DisabledExtensionDecodesAsIllegal) {
    test::HartHarness t;
    uint32_t mul_a0 = mul(a0, a1, a2);
    t.hart.x.set(a1, 6);
    t.hart.x.set(a2, 7);
    t.run({mul_a0});
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(t.hart.x[a0], 42u);

    t.hart.isa.exts &= ~ext_bit(Ext::M);
    hart_flush_code(t.hart);
    t.run({mul_a0});
    EXPECT_TRUE(t.trapped_to_m(EXCP_ILLEGAL_INST, CODE, mul_a0));
}

TEST(RiscvIsaExt, WithoutCCompressedIsIllegalAndJumpsNeedFourByteAlignment) {
    test::HartHarness t;
    t.hart.isa.exts &= ~ext_bit(Ext::C);
    hart_flush_code(t.hart);
    t.run16({0x0505}); // c.addi a0, 1
    EXPECT_TRUE(t.trapped_to_m(EXCP_ILLEGAL_INST, CODE, 0x0505));
    // jal to CODE+6: the jump itself faults, with the target in mtval.
    t.run({jal(zero, 6)});
    EXPECT_TRUE(t.trapped_to_m(EXCP_INST_ADDR_MIS, CODE, CODE + 6));
    // mepc's bit 1 reads as zero.
    t.hart.mepc = CODE + 6;
    EXPECT_EQ(epc_read(t.hart, t.hart.mepc), CODE + 4);
}

} // namespace
