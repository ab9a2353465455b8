// The privileged memory and timer extensions, on the privileged fixture
// (riscv_priv_fixture.h): Svpbmt and Svnapot PTEs, Svinval's fences, the
// cache-block operations (Zicbom, Zicboz, Zicbop) with their envcfg gates,
// and Sstc's stimecmp. Each test runs a few instructions in the privilege
// under test and checks what they did or the trap they took.
#include "core/timer.h"
#include "tests/unit/riscv_priv_fixture.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace mq;
using namespace mq::riscv;
using namespace mq::riscv::privtest;
using namespace mq::test::rv;

namespace {

using PT = test::PageTables;
constexpr uint64_t RX = PT::V | PT::R | PT::X | PT::A;
constexpr uint64_t RW = PT::V | PT::R | PT::W | PT::A | PT::D;
constexpr uint64_t RO = PT::V | PT::R | PT::A;
constexpr uint64_t XO = PT::V | PT::X | PT::A;
constexpr uint64_t PBMT_NC = 1ull << 61, PBMT_IO = 2ull << 61, PBMT_RSV = 3ull << 61;
constexpr uint64_t PTE_N = 1ull << 63;
constexpr uint32_t MENVCFG = 0x30a, SENVCFG = 0x10a, STIMECMP = 0x14d;
constexpr uint64_t VA = 0x10000000;
constexpr int64_t OK = -1;

// The cache-block instructions.
constexpr uint32_t cbo(uint32_t op, Reg rs1) { return i_type(int32_t(op), rs1, 2, 0, MISC_MEM); }
constexpr uint32_t cbo_inval(Reg rs1) { return cbo(0, rs1); }
constexpr uint32_t cbo_clean(Reg rs1) { return cbo(1, rs1); }
constexpr uint32_t cbo_flush(Reg rs1) { return cbo(2, rs1); }
constexpr uint32_t cbo_zero(Reg rs1) { return cbo(4, rs1); }
constexpr uint32_t prefetch(uint32_t kind, int32_t off, Reg rs1) {
    return i_type(off | int32_t(kind), rs1, 6, 0, OP_IMM);
}
// Svinval.
constexpr uint32_t sinval_vma(Reg rs1, Reg rs2) { return r_type(0x0b, rs2, rs1, 0, 0, SYSTEM); }
constexpr uint32_t sfence_w_inval() { return 0x18000073; }
constexpr uint32_t sfence_inval_ir() { return 0x18100073; }

// Sv39 tables with the code page mapped for S; satp still Bare.
class RiscvPrivMem : public RiscvPriv {
protected:
    RiscvPrivMem() { pt.map(CODE, CODE, RX); }

    // Runs `insn` (a1 = va) in S with translation on: the cause it trapped
    // with to M, checking mtval = va, or OK.
    int64_t in_s(uint64_t va, uint32_t insn = ld(a0, 0, a1)) {
        write(SATP, pt.satp());
        tlb_flush(h);
        h.x.set(a1, va);
        run_in(PRV_S, {insn});
        if (!t.trapped()) return OK;
        EXPECT_EQ(h.mtval, va);
        return static_cast<int64_t>(h.mcause);
    }

    // The level-2 PTE on the way to `va`: a pointer to the next table.
    uint64_t root_pte(uint64_t va) {
        return ((pt.satp() & ((1ull << 44) - 1)) << 12) + (va >> 30) * 8;
    }

    void disable(Ext e) {
        h.isa.exts &= ~ext_bit(e);
        hart_flush_code(h);
    }

    test::PageTables pt{t, 3};
};

} // namespace

// --- Svpbmt ---

TEST_F(RiscvPrivMem, PbmtNeedsMenvcfgPbmte) {
    uint64_t slot = pt.map(VA, DATA, RW | PBMT_NC);
    t.poke64(DATA, 42);
    EXPECT_EQ(in_s(VA), EXCP_LOAD_PAGE_FAULT);
    write(MENVCFG, MENVCFG_PBMTE);
    EXPECT_EQ(read(MENVCFG), MENVCFG_PBMTE);
    EXPECT_EQ(in_s(VA), OK);
    EXPECT_EQ(h.x[a0], 42u);
    t.poke64(slot, DATA >> 12 << 10 | RW | PBMT_IO);
    EXPECT_EQ(in_s(VA), OK);
    t.poke64(slot, DATA >> 12 << 10 | RW | PBMT_RSV); // 3 is reserved
    EXPECT_EQ(in_s(VA), EXCP_LOAD_PAGE_FAULT);
    EXPECT_EQ(in_s(VA, sd(a0, 0, a1)), EXCP_STORE_PAGE_FAULT);
}

TEST_F(RiscvPrivMem, PbmtOnAPointerFaults) {
    pt.map(VA, DATA, RW);
    write(MENVCFG, MENVCFG_PBMTE);
    EXPECT_EQ(in_s(VA), OK);
    t.poke64(root_pte(VA), t.peek64(root_pte(VA)) | PBMT_NC);
    EXPECT_EQ(in_s(VA), EXCP_LOAD_PAGE_FAULT);
}

TEST_F(RiscvPrivMem, PbmteIsNotWritableWithoutSvpbmt) {
    disable(Ext::Svpbmt);
    write(MENVCFG, MENVCFG_PBMTE);
    EXPECT_EQ(read(MENVCFG), 0u);
    pt.map(VA, DATA, RW | PBMT_NC);
    EXPECT_EQ(in_s(VA), EXCP_LOAD_PAGE_FAULT);
}

TEST_F(RiscvPrivMem, ReservedPteBitsFault) {
    for (int bit = 54; bit <= 60; bit++) {
        pt.map(VA, DATA, RW | (1ull << bit));
        EXPECT_EQ(in_s(VA), EXCP_LOAD_PAGE_FAULT) << bit;
    }
}

// --- Svnapot ---

TEST_F(RiscvPrivMem, NapotPteMaps64KiB) {
    constexpr uint64_t PA = test::HartHarness::RAM_BASE + 0x10000; // 64 KiB aligned
    // Software writes the same PTE in all 16 slots; ppn[3:0] = 1000.
    for (uint64_t k = 0; k < 16; k++)
        pt.map(VA + k * 0x1000, PA | 0x8000, RW | PTE_N);
    write(SATP, pt.satp());
    t.set_priv(PRV_S);
    for (uint64_t k = 0; k < 16; k++) {
        uint64_t off = k * 0x1000 + 0x123;
        EXPECT_EQ(hart_translate(h, VA + off, Access::Load), PA + off) << k;
    }
    t.set_priv(PRV_M);
    t.poke64(PA + 0x5008, 77);
    EXPECT_EQ(in_s(VA + 0x5008), OK);
    EXPECT_EQ(h.x[a0], 77u);
}

TEST_F(RiscvPrivMem, OtherUsesOfNFault) {
    constexpr uint64_t PA = test::HartHarness::RAM_BASE + 0x10000;
    uint64_t slot = pt.map(VA, PA | 0x8000, RW | PTE_N);
    EXPECT_EQ(in_s(VA), OK);
    for (uint64_t low : {0x0ull, 0x4ull, 0xcull, 0x9ull}) { // other sizes are reserved
        t.poke64(slot, ((PA >> 12) | low) << 10 | RW | PTE_N);
        EXPECT_EQ(in_s(VA), EXCP_LOAD_PAGE_FAULT) << low;
    }
    // N on a 2 MiB leaf, and on a pointer.
    pt.map(0x40000000, 0x80000000, RW | PTE_N, 1);
    EXPECT_EQ(in_s(0x40000000), EXCP_LOAD_PAGE_FAULT);
    t.poke64(slot, (PA >> 12 | 0x8) << 10 | RW | PTE_N);
    t.poke64(root_pte(VA), t.peek64(root_pte(VA)) | PTE_N);
    EXPECT_EQ(in_s(VA), EXCP_LOAD_PAGE_FAULT);
}

TEST_F(RiscvPrivMem, NIsReservedWithoutSvnapot) {
    constexpr uint64_t PA = test::HartHarness::RAM_BASE + 0x10000;
    pt.map(VA, PA | 0x8000, RW | PTE_N);
    disable(Ext::Svnapot);
    EXPECT_EQ(in_s(VA), EXCP_LOAD_PAGE_FAULT);
}

// --- Svinval ---

TEST_F(RiscvPrivMem, SinvalVmaHasSfenceVmasPrivilegeRules) {
    for (uint32_t insn : {sinval_vma(zero, zero), sfence_w_inval(), sfence_inval_ir()}) {
        run_in(PRV_M, {insn});
        EXPECT_FALSE(t.trapped());
        run_in(PRV_S, {insn});
        EXPECT_FALSE(t.trapped());
        run_in(PRV_U, {insn});
        EXPECT_TRUE(t.trapped_to_m(EXCP_ILLEGAL_INST, CODE, insn));
    }
    // mstatus.TVM traps sinval.vma in S, as it does sfence.vma; not the fences.
    write(MSTATUS, MSTATUS_TVM);
    run_in(PRV_S, {sinval_vma(a0, a1)});
    EXPECT_TRUE(t.trapped_to_m(EXCP_ILLEGAL_INST, CODE, sinval_vma(a0, a1)));
    run_in(PRV_S, {sfence_w_inval(), sfence_inval_ir()});
    EXPECT_FALSE(t.trapped());
}

TEST_F(RiscvPrivMem, SinvalVmaForgetsOldTranslations) {
    uint64_t slot = pt.map(VA, DATA, RW);
    t.poke64(DATA, 1);
    t.poke64(DATA + 0x1000, 2);
    EXPECT_EQ(in_s(VA), OK);
    EXPECT_EQ(h.x[a0], 1u);
    t.poke64(slot, (DATA + 0x1000) >> 12 << 10 | RW);
    h.x.set(a1, VA);
    run_in(PRV_S, {sfence_w_inval(), sinval_vma(a1, zero), sfence_inval_ir(), ld(a0, 0, a1)});
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(h.x[a0], 2u);
}

TEST_F(RiscvPrivMem, SvinvalOffIsIllegal) {
    disable(Ext::Svinval);
    for (uint32_t insn : {sinval_vma(zero, zero), sfence_w_inval(), sfence_inval_ir()}) {
        run_in(PRV_M, {insn});
        EXPECT_TRUE(t.trapped_to_m(EXCP_ILLEGAL_INST, CODE, insn));
    }
}

// --- cache-block operations ---

TEST_F(RiscvPrivMem, CboZeroZeroesTheBlockHoldingRs1) {
    std::memset(t.host(DATA), 0xff, 0x100);
    h.x.set(a0, DATA + 0x48 + 3);
    run_in(PRV_M, {cbo_zero(a0)});
    EXPECT_FALSE(t.trapped());
    for (uint64_t off = 0; off < 0x100; off += 8) {
        bool in_block = off >= 0x40 && off < 0x80;
        EXPECT_EQ(t.peek64(DATA + off), in_block ? 0 : ~0ull) << off;
    }
}

TEST_F(RiscvPrivMem, CboZeroFaultsAsAStoreWithRs1InTval) {
    write(MENVCFG, ENVCFG_CBZE);
    pt.map(VA, DATA, RO);
    t.poke64(DATA + 0x40, 5);
    EXPECT_EQ(in_s(VA + 0x47, cbo_zero(a1)), EXCP_STORE_PAGE_FAULT); // mtval: rs1, unaligned
    pt.map(VA, DATA, RW);
    EXPECT_EQ(in_s(VA + 0x47, cbo_zero(a1)), OK);
    EXPECT_EQ(t.peek64(DATA + 0x40), 0u);
    // Unmapped physical memory, and a PMP entry that only lets S read.
    pt.map(VA, 0x1000000, RW);
    EXPECT_EQ(in_s(VA + 8, cbo_zero(a1)), EXCP_STORE_AMO_ACCESS_FAULT);
    pt.map(VA, DATA, RW);
    write(PMPADDR0, (DATA >> 2) | 0x1ff); // NAPOT, 4 KiB
    write(PMPCFG0, 0x19);                 // NAPOT, R
    t.poke64(DATA + 0x80, 6);
    EXPECT_EQ(in_s(VA + 0x80, cbo_zero(a1)), EXCP_STORE_AMO_ACCESS_FAULT);
    EXPECT_EQ(t.peek64(DATA + 0x80), 6u);
}

TEST_F(RiscvPrivMem, CboManagementNeedsALoadOrAStore) {
    write(MENVCFG, ENVCFG_CBIE | ENVCFG_CBCFE);
    pt.map(VA, DATA, RO);
    for (uint32_t insn : {cbo_clean(a1), cbo_flush(a1), cbo_inval(a1)}) {
        EXPECT_EQ(in_s(VA + 0x10, insn), OK);
        // No translation for any access: a store page fault, whatever the operation.
        EXPECT_EQ(in_s(VA + 0x201000, insn), EXCP_STORE_PAGE_FAULT);
    }
    pt.map(VA, DATA, XO); // execute-only is neither
    EXPECT_EQ(in_s(VA + 0x10, cbo_flush(a1)), EXCP_STORE_PAGE_FAULT);
    pt.map(VA, DATA, RW);
    write(PMPADDR0, (DATA >> 2) | 0x1ff);
    write(PMPCFG0, 0x1c); // NAPOT, X only
    EXPECT_EQ(in_s(VA + 0x10, cbo_clean(a1)), EXCP_STORE_AMO_ACCESS_FAULT);
}

TEST_F(RiscvPrivMem, EnvcfgGatesCboPerPrivilege) {
    h.x.set(a0, DATA);
    const uint32_t insns[] = {cbo_inval(a0), cbo_clean(a0), cbo_flush(a0), cbo_zero(a0)};
    const uint64_t fields[] = {ENVCFG_CBIE, ENVCFG_CBCFE, ENVCFG_CBCFE, ENVCFG_CBZE};
    for (size_t k = 0; k < 4; k++) {
        SCOPED_TRACE(k);
        write(MENVCFG, 0);
        write(SENVCFG, 0);
        run_in(PRV_M, {insns[k]});
        EXPECT_FALSE(t.trapped()) << "M is never gated";
        run_in(PRV_S, {insns[k]});
        EXPECT_TRUE(t.trapped_to_m(EXCP_ILLEGAL_INST, CODE, insns[k]));
        write(MENVCFG, fields[k]);
        run_in(PRV_S, {insns[k]});
        EXPECT_FALSE(t.trapped());
        run_in(PRV_U, {insns[k]});
        EXPECT_TRUE(t.trapped_to_m(EXCP_ILLEGAL_INST, CODE, insns[k]));
        write(SENVCFG, fields[k]);
        run_in(PRV_U, {insns[k]});
        EXPECT_FALSE(t.trapped());
    }
    // CBIE's reserved value 10 leaves the field as it was.
    write(MENVCFG, 1ull << 4);
    write(MENVCFG, 2ull << 4);
    EXPECT_EQ(read(MENVCFG) & ENVCFG_CBIE, 1ull << 4);
}

TEST_F(RiscvPrivMem, PrefetchIsAHintThatNeverTraps) {
    write(MENVCFG, 0);
    h.x.set(a0, 0x1000000); // unmapped
    h.x.set(a1, 5);
    run_in(PRV_U, {prefetch(0, 64, a0), prefetch(1, -32, a0), prefetch(3, 0, a0)});
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(disassemble(prefetch(1, -32, a0), 0), "prefetch.r -32(a0)");
    EXPECT_EQ(disassemble(cbo_zero(a0), 0), "cbo.zero 0(a0)");
    // Without Zicbop the same encodings are ori x0: still nothing.
    disable(Ext::Zicbop);
    EXPECT_EQ(disassemble(prefetch(1, -32, a0), 0), "prefetch.r -32(a0)")
        << "the disassembler knows every row";
    run_in(PRV_U, {prefetch(1, -32, a0)});
    EXPECT_FALSE(t.trapped());
}

TEST_F(RiscvPrivMem, CboOffIsIllegalAndEnvcfgFieldsStayZero) {
    disable(Ext::Zicbom);
    disable(Ext::Zicboz);
    write(MENVCFG, ~0ull);
    write(SENVCFG, ~0ull);
    EXPECT_EQ(read(MENVCFG) & (ENVCFG_CBIE | ENVCFG_CBCFE | ENVCFG_CBZE), 0u);
    EXPECT_EQ(read(SENVCFG), ENVCFG_FIOM);
    h.x.set(a0, DATA);
    for (uint32_t insn : {cbo_inval(a0), cbo_clean(a0), cbo_flush(a0), cbo_zero(a0)}) {
        run_in(PRV_M, {insn});
        EXPECT_TRUE(t.trapped_to_m(EXCP_ILLEGAL_INST, CODE, insn));
    }
}

TEST_F(RiscvPrivMem, CboZeroInvalidatesDecodedCode) {
    t.poke32(CODE + 0x40, addi(a2, a2, 1));
    t.poke32(CODE + 0x44, JAL_SELF);
    h.x.set(a2, 0);
    t.run({jal(zero, 0x40)}); // decodes the block at +0x40
    EXPECT_EQ(h.x[a2], 1u);
    h.x.set(a1, CODE + 0x40);
    t.run({cbo_zero(a1), jal(zero, 0x3c)});
    EXPECT_TRUE(t.trapped_to_m(EXCP_ILLEGAL_INST, CODE + 0x40, 0));
}

// --- Sstc ---

namespace {

// A hart whose `time` follows the stepped virtual clock at 10 MHz.
class RiscvSstc : public RiscvPriv {
protected:
    RiscvSstc() {
        virtual_clock_set_mode(VirtualClockMode::Stepped);
        h.rdtime = [] { return uint64_t(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) / 100); };
        h.timebase_freq = 10'000'000;
    }
    ~RiscvSstc() override {
        h.menvcfg = 0;
        sstc_update(h); // the timer goes before the hart
        virtual_clock_set_mode(VirtualClockMode::Realtime);
    }
    static uint64_t now() { return uint64_t(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) / 100); }
    static void advance(uint64_t ticks) {
        virtual_clock_step_to(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + int64_t(ticks) * 100);
    }
};

} // namespace

TEST_F(RiscvSstc, StimecmpAccessFollowsStceAndTm) {
    EXPECT_TRUE(read_in(PRV_M, STIMECMP).has_value());
    EXPECT_FALSE(read_in(PRV_S, STIMECMP).has_value());
    write(MENVCFG, MENVCFG_STCE);
    EXPECT_FALSE(read_in(PRV_S, STIMECMP).has_value()) << "mcounteren.TM is clear";
    write(MCOUNTEREN, 2);
    EXPECT_TRUE(write_in(PRV_S, STIMECMP, 1234));
    EXPECT_EQ(read_in(PRV_S, STIMECMP), 1234u);
    EXPECT_FALSE(read_in(PRV_U, STIMECMP).has_value());
    write(MENVCFG, 0);
    EXPECT_FALSE(read_in(PRV_S, STIMECMP).has_value());
}

TEST_F(RiscvSstc, WithoutSstcThereIsNoStimecmpNorStce) {
    h.isa.exts &= ~ext_bit(Ext::Sstc);
    EXPECT_FALSE(read_in(PRV_M, STIMECMP).has_value());
    write(MENVCFG, MENVCFG_STCE);
    EXPECT_EQ(read(MENVCFG), 0u);
}

TEST_F(RiscvSstc, StipFollowsStimecmpAndIsReadOnly) {
    write(MENVCFG, MENVCFG_STCE);
    write(STIMECMP, now() + 100);
    EXPECT_EQ(read(MIP) & MIP_STIP, 0u);
    h.x.set(a1, MIP_STIP);
    run_in(PRV_M, {csrrs(zero, MIP, a1)}); // software cannot raise it
    EXPECT_EQ(read(MIP) & MIP_STIP, 0u);
    advance(99);
    EXPECT_EQ(read(MIP) & MIP_STIP, 0u);
    advance(1); // the timer fires when time reaches stimecmp
    EXPECT_EQ(read(MIP) & MIP_STIP, MIP_STIP);
    run_in(PRV_M, {csrrc(zero, MIP, a1)}); // nor lower it
    EXPECT_EQ(read(MIP) & MIP_STIP, MIP_STIP);
    write(STIMECMP, ~0ull);
    EXPECT_EQ(read(MIP) & MIP_STIP, 0u);
    // STCE off: STIP is software's again.
    write(MENVCFG, 0);
    h.x.set(a1, MIP_STIP);
    run_in(PRV_M, {csrrs(zero, MIP, a1)});
    EXPECT_EQ(read(MIP) & MIP_STIP, MIP_STIP);
    write(STIMECMP, 0); // no effect without STCE
    h.x.set(a1, MIP_STIP);
    run_in(PRV_M, {csrrc(zero, MIP, a1)});
    EXPECT_EQ(read(MIP) & MIP_STIP, 0u);
}

TEST_F(RiscvSstc, TimerInterruptWakesSFromWfi) {
    write(STIMECMP, ~0ull); // else 0: time has passed it, STIP would be pending at once
    write(MENVCFG, MENVCFG_STCE);
    write(MCOUNTEREN, 2);
    write(MIDELEG, MIP_STIP);
    write(MIE, MIP_STIP);
    write(MSTATUS, MSTATUS_SIE);
    h.x.set(a1, now() + 50);
    // S sets its own deadline and waits.
    run_in(PRV_S, {csrw(STIMECMP, a1), wfi()});
    EXPECT_TRUE(h.halted);
    EXPECT_EQ(h.pc, CODE + 8);
    advance(50);
    EXPECT_TRUE(hart_has_work(h));
    h.halted = false;
    t.resume(4);
    EXPECT_EQ(h.priv, PRV_S);
    EXPECT_EQ(h.scause, INTR | IRQ_S_TIMER);
    EXPECT_EQ(h.sepc, CODE + 8);
    EXPECT_EQ(h.pc, S_TRAP);
    EXPECT_EQ(h.mcause, 0u);
}
