// The privileged architecture, as a program sees it: CSR access rules and
// WARL fields, traps and their delegation to S-mode, xRET, interrupts and
// WFI. Each test sets the hart up (riscv_priv_fixture.h), runs a few
// instructions in the privilege under test, and checks the CSRs and where
// the hart went. Translation and PMP are in riscv_vm_test.cpp.
#include "hw/cpu/riscv/insn-table.h"
#include "tests/unit/riscv_priv_fixture.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <utility>

using namespace mq;
using namespace mq::riscv;
using namespace mq::riscv::privtest;
using namespace mq::test::rv;

// --- CSR access rules ---

TEST_F(RiscvPriv, CsrsAbovePrivilegeTrap) {
    EXPECT_FALSE(read_in(PRV_S, MSTATUS));
    EXPECT_EQ(h.mstatus & MSTATUS_MPP, 1ull << 11) << "the trap came from S";
    EXPECT_FALSE(read_in(PRV_S, MSCRATCH));
    EXPECT_TRUE(read_in(PRV_S, SSTATUS));
    EXPECT_TRUE(read_in(PRV_S, SSCRATCH));
    EXPECT_FALSE(read_in(PRV_U, SSTATUS));
    EXPECT_FALSE(read_in(PRV_U, SSCRATCH));
    EXPECT_FALSE(write_in(PRV_S, MEDELEG, 0));
    EXPECT_EQ(h.medeleg, 0u);
    EXPECT_TRUE(read_in(PRV_M, SSCRATCH)) << "M reaches S's CSRs";
}

TEST_F(RiscvPriv, CsrsThatDoNotExistTrap) {
    // mstatush and cycleh are RV32-only, as are the odd pmpcfg registers.
    for (uint32_t csr : {uint32_t(MSTATUSH), 0xc80u, uint32_t(PMPCFG1), uint32_t(PMPCFG3), 0x3afu,
                         0x7c0u, 0x5c0u, 0x102u}) {
        EXPECT_FALSE(read_in(PRV_M, csr)) << fmt::format("0x{:03x}", csr);
        EXPECT_FALSE(write_in(PRV_M, csr, 0)) << fmt::format("0x{:03x}", csr);
    }
    EXPECT_TRUE(read_in(PRV_M, PMPCFG2));
    EXPECT_TRUE(read_in(PRV_M, PMPADDR0 + 63));
}

TEST_F(RiscvPriv, MachineInformation) {
    h.hartid = 5;
    EXPECT_EQ(read(MHARTID), 5u);
    // RV64 (MXL 2) with A, C, D, F, I, M, S and U.
    EXPECT_EQ(read(MISA), 0x800000000014112du);
    write(MISA, 0); // WARL: the write is ignored, not trapped
    EXPECT_EQ(read(MISA), 0x800000000014112du);
    EXPECT_EQ(read(MVENDORID), 0u);
}

TEST_F(RiscvPriv, MstatusFields) {
    write(MSTATUS, ~0ull);
    // Every writable field, UXL = SXL = 64, and SD for the dirty FS.
    EXPECT_EQ(read(MSTATUS), 0x8000000a007e79aau);
    write(MSTATUS, 1ull << 11); // MPP = S
    EXPECT_EQ(read(MSTATUS) & MSTATUS_MPP, 1ull << 11);
    write(MSTATUS, 2ull << 11); // the reserved MPP keeps what was there
    EXPECT_EQ(read(MSTATUS) & MSTATUS_MPP, 1ull << 11);
    write(MSTATUS, 0);
    EXPECT_EQ(read(MSTATUS) & MSTATUS_MPP, 0u);
    // SD summarizes FS (and XS).
    for (uint64_t fs : {FS_OFF, FS_INITIAL, FS_CLEAN, FS_DIRTY}) {
        write(MSTATUS, fs << 13);
        EXPECT_EQ(read(MSTATUS) >> 63, fs == FS_DIRTY ? 1u : 0u) << fs;
        EXPECT_EQ(read(SSTATUS) >> 63, fs == FS_DIRTY ? 1u : 0u) << fs;
    }
}

TEST_F(RiscvPriv, SstatusIsAViewOfMstatus) {
    write(MSTATUS, ~0ull);
    // SIE, SPIE, SPP, FS, SUM, MXR, UXL and SD; none of M's fields.
    EXPECT_EQ(read(SSTATUS), 0x80000002000c6122u);
    write(SSTATUS, 0);
    EXPECT_EQ(read(MSTATUS), 0x0000000a00721888u) << "M's fields stay";
    write(SSTATUS, MSTATUS_MIE | MSTATUS_MPP | MSTATUS_SIE | MSTATUS_SUM);
    EXPECT_EQ(read(MSTATUS), 0x0000000a0076188au);
    write(MSTATUS, 0);
    write(SSTATUS, MSTATUS_MIE | MSTATUS_MPP);
    EXPECT_EQ(read(MSTATUS), 0x0000000a00000000u);
}

TEST_F(RiscvPriv, SieAndSipFollowMideleg) {
    write(MIE, ~0ull);
    EXPECT_EQ(read(MIE), 0x2aaau) << "the six interrupts of M and S, and Sscofpmf's LCOFI";
    write(MIE, MIP_MTIP);
    // Nothing delegated: sie and sip show nothing and write nothing.
    write(SIE, ~0ull);
    EXPECT_EQ(read(SIE), 0u);
    EXPECT_EQ(h.mie, MIP_MTIP);
    write(MIDELEG, ~0ull);
    EXPECT_EQ(read(MIDELEG), MIP_SSIP | MIP_STIP | MIP_SEIP | MIP_LCOFIP)
        << "only S's interrupts delegate";
    write(SIE, ~0ull);
    EXPECT_EQ(h.mie, MIP_MTIP | MIP_SSIP | MIP_STIP | MIP_SEIP | MIP_LCOFIP);
    EXPECT_EQ(read(SIE), MIP_SSIP | MIP_STIP | MIP_SEIP | MIP_LCOFIP);
    // sip: SSIP is writable, STIP and SEIP are not (from S's side).
    write(SIP, MIP_SSIP | MIP_STIP | MIP_SEIP);
    EXPECT_EQ(read(MIP), MIP_SSIP);
    EXPECT_EQ(read(SIP), MIP_SSIP);
    write(MIDELEG, MIP_STIP);
    EXPECT_EQ(read(SIP), 0u) << "SSIP is pending, but not S's any more";
    // mip: software sets S's bits; M's come from devices only.
    write(MIP, ~0ull);
    EXPECT_EQ(read(MIP), MIP_SSIP | MIP_STIP | MIP_SEIP | MIP_LCOFIP);
    write(MIP, 0);
    hart_set_irq(h, IRQ_M_EXT, true);
    EXPECT_EQ(read(MIP), MIP_MEIP);
    hart_set_irq(h, IRQ_M_EXT, false);
    // medeleg: ecall from M never delegates.
    write(MEDELEG, ~0ull);
    EXPECT_EQ(read(MEDELEG), 0xb3ffu);
}

TEST_F(RiscvPriv, TvecReservedModesAreIgnored) {
    write(MTVEC, TRAP | 1);
    EXPECT_EQ(read(MTVEC), TRAP | 1);
    write(MTVEC, 0x80008002);
    EXPECT_EQ(h.mtvec, TRAP | 1);
    write(MTVEC, 0x80008003);
    EXPECT_EQ(h.mtvec, TRAP | 1);
    write(STVEC, 0x80008003);
    EXPECT_EQ(h.stvec, S_TRAP);
}

TEST_F(RiscvPriv, CountersGatedByCounteren) {
    h.rdtime = [] { return uint64_t{12345}; };
    for (uint32_t csr : {CYCLE, TIME, INSTRET}) {
        unsigned bit = csr - CYCLE;
        h.mcounteren = h.scounteren = 0;
        EXPECT_TRUE(read_in(PRV_M, csr));
        EXPECT_FALSE(read_in(PRV_S, csr));
        EXPECT_FALSE(read_in(PRV_U, csr));
        h.mcounteren = 1u << bit;
        EXPECT_TRUE(read_in(PRV_S, csr));
        EXPECT_FALSE(read_in(PRV_U, csr)) << "U needs scounteren too";
        h.scounteren = 1u << bit;
        EXPECT_TRUE(read_in(PRV_U, csr));
        h.mcounteren = 0;
        EXPECT_FALSE(read_in(PRV_U, csr)) << "and mcounteren";
        h.mcounteren = 7 & ~(1u << bit);
        EXPECT_FALSE(read_in(PRV_S, csr)) << "the other bits do not count";
    }
    h.mcounteren = 7;
    EXPECT_EQ(read_in(PRV_S, TIME), 12345u);
    EXPECT_FALSE(read_in(PRV_S, MCYCLE));
}

TEST_F(RiscvPriv, SatpModes) {
    constexpr uint64_t ppn = (DATA >> 12) | (5ull << 44); // ASID 5
    write(SATP, 8ull << 60 | ppn);
    EXPECT_EQ(read(SATP), 8ull << 60 | ppn);
    write(SATP, 9ull << 60 | ppn);
    EXPECT_EQ(read(SATP), 9ull << 60 | ppn);
    for (uint64_t mode : {1, 7, 10, 11, 15}) { // Sv57, Sv64 and the reserved ones
        write(SATP, mode << 60 | ppn);
        EXPECT_EQ(read(SATP), 9ull << 60 | ppn) << mode;
    }
    write(SATP, 0);
    EXPECT_EQ(read(SATP), 0u);
}

TEST_F(RiscvPriv, TvmTrapsSatpAndSfenceInS) {
    EXPECT_TRUE(read_in(PRV_S, SATP));
    run_in(PRV_S, {sfence_vma(zero, zero)});
    EXPECT_FALSE(t.trapped());
    h.mstatus |= MSTATUS_TVM;
    EXPECT_FALSE(read_in(PRV_S, SATP));
    EXPECT_FALSE(write_in(PRV_S, SATP, 0));
    run_in(PRV_S, {sfence_vma(zero, zero)});
    EXPECT_TRUE(t.trapped_to_m(EXCP_ILLEGAL_INST, CODE, sfence_vma(zero, zero)));
    EXPECT_TRUE(read_in(PRV_M, SATP)) << "TVM is for S only";
    // sfence.vma is never allowed in U.
    h.mstatus &= ~MSTATUS_TVM;
    run_in(PRV_U, {sfence_vma(a0, zero)});
    EXPECT_TRUE(t.trapped_to_m(EXCP_ILLEGAL_INST, CODE, sfence_vma(a0, zero)));
}

// --- traps, delegation and xRET ---

TEST_F(RiscvPriv, EcallFromEachMode) {
    for (auto [p, cause] :
         {std::pair{PRV_U, EXCP_U_ECALL}, {PRV_S, EXCP_S_ECALL}, {PRV_M, EXCP_M_ECALL}}) {
        h.mstatus = MSTATUS_MIE;
        run_in(p, {nop(), ecall()});
        EXPECT_TRUE(t.trapped_to_m(cause, CODE + 4, 0));
        EXPECT_EQ((h.mstatus & MSTATUS_MPP) >> 11, uint64_t(p));
        EXPECT_EQ(h.mstatus & (MSTATUS_MIE | MSTATUS_MPIE), MSTATUS_MPIE) << "MPIE = old MIE";
    }
}

TEST_F(RiscvPriv, ExceptionsDelegateToS) {
    h.medeleg = 1u << EXCP_U_ECALL | 1u << EXCP_S_ECALL | 1u << EXCP_ILLEGAL_INST;
    h.mstatus = MSTATUS_SIE | MSTATUS_MIE;
    run_in(PRV_U, {ecall()});
    EXPECT_TRUE(t.trapped_to_s(EXCP_U_ECALL, CODE, 0));
    EXPECT_EQ(h.mstatus & (MSTATUS_SPP | MSTATUS_SIE | MSTATUS_SPIE), MSTATUS_SPIE);
    EXPECT_NE(h.mstatus & MSTATUS_MIE, 0u) << "M's fields are not touched";

    h.mstatus = 0;
    run_in(PRV_S, {nop(), ecall()});
    EXPECT_TRUE(t.trapped_to_s(EXCP_S_ECALL, CODE + 4, 0));
    EXPECT_EQ(h.mstatus & (MSTATUS_SPP | MSTATUS_SIE | MSTATUS_SPIE), MSTATUS_SPP);

    run_in(PRV_U, {0xffffffff});
    EXPECT_TRUE(t.trapped_to_s(EXCP_ILLEGAL_INST, CODE, 0xffffffff));

    // A trap in M stays in M, delegated or not.
    run_in(PRV_M, {0xffffffff});
    EXPECT_TRUE(t.trapped_to_m(EXCP_ILLEGAL_INST, CODE, 0xffffffff));
    EXPECT_EQ(h.scause, 0u);
    // Undelegated causes go to M from S too.
    run_in(PRV_S, {ebreak()});
    EXPECT_TRUE(t.trapped_to_m(EXCP_BREAKPOINT, CODE, CODE));
}

// (run() clears mepc and sepc, so the code sets them.)
TEST_F(RiscvPriv, MretRestoresThePreviousMode) {
    h.x.set(a1, CODE + 12);
    h.mstatus = 1ull << 11 | MSTATUS_MPIE; // MPP = S, MIE = 0
    t.run({csrw(MEPC, a1), mret(), JAL_SELF, JAL_SELF});
    EXPECT_EQ(h.pc, CODE + 12);
    EXPECT_EQ(h.priv, PRV_S);
    EXPECT_EQ(h.mstatus & (MSTATUS_MPP | MSTATUS_MIE | MSTATUS_MPIE), MSTATUS_MIE | MSTATUS_MPIE)
        << "MIE = MPIE, MPIE = 1, MPP = U";
    // Leaving M for U clears MPRV; staying in M keeps it.
    h.mstatus = MSTATUS_MPRV;
    run_in(PRV_M, {csrw(MEPC, a1), mret(), JAL_SELF, JAL_SELF});
    EXPECT_EQ(h.priv, PRV_U);
    EXPECT_EQ(h.mstatus & MSTATUS_MPRV, 0u);
    h.mstatus = MSTATUS_MPRV | MSTATUS_MPP;
    run_in(PRV_M, {csrw(MEPC, a1), mret(), JAL_SELF, JAL_SELF});
    EXPECT_EQ(h.priv, PRV_M);
    EXPECT_NE(h.mstatus & MSTATUS_MPRV, 0u);
    // mret below M is illegal.
    run_in(PRV_S, {mret()});
    EXPECT_TRUE(t.trapped_to_m(EXCP_ILLEGAL_INST, CODE, mret()));
}

TEST_F(RiscvPriv, SretRestoresThePreviousMode) {
    h.x.set(a1, CODE + 12);
    h.mstatus = MSTATUS_SPIE | MSTATUS_MPRV; // SPP = U, SIE = 0
    run_in(PRV_S, {csrw(SEPC, a1), sret(), JAL_SELF, JAL_SELF});
    EXPECT_EQ(h.pc, CODE + 12);
    EXPECT_EQ(h.priv, PRV_U);
    EXPECT_EQ(h.mstatus & (MSTATUS_SPP | MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_MPRV),
              MSTATUS_SIE | MSTATUS_SPIE);
    h.mstatus = MSTATUS_SPP;
    run_in(PRV_M, {csrw(SEPC, a1), sret(), JAL_SELF, JAL_SELF});
    EXPECT_EQ(h.priv, PRV_S) << "M may sret too";
    EXPECT_EQ(h.mstatus & MSTATUS_SPP, 0u);
    run_in(PRV_U, {sret()});
    EXPECT_TRUE(t.trapped_to_m(EXCP_ILLEGAL_INST, CODE, sret()));
    // TSR traps sret in S, not in M.
    h.mstatus = MSTATUS_TSR;
    run_in(PRV_S, {sret()});
    EXPECT_TRUE(t.trapped_to_m(EXCP_ILLEGAL_INST, CODE, sret()));
    run_in(PRV_M, {csrw(SEPC, a1), sret(), JAL_SELF, JAL_SELF});
    EXPECT_EQ(h.pc, CODE + 12);
}

TEST_F(RiscvPriv, WfiTraps) {
    // U-mode may not wait (S-mode exists); S may unless TW; M always may.
    run_in(PRV_U, {wfi()});
    EXPECT_TRUE(t.trapped_to_m(EXCP_ILLEGAL_INST, CODE, wfi()));
    h.mstatus = MSTATUS_TW;
    run_in(PRV_S, {wfi()});
    EXPECT_TRUE(t.trapped_to_m(EXCP_ILLEGAL_INST, CODE, wfi()));
    run_in(PRV_M, {wfi()});
    EXPECT_TRUE(h.halted);
    EXPECT_EQ(h.pc, CODE + 4);
    h.halted = false;
    h.mstatus = 0;
    run_in(PRV_S, {wfi()});
    EXPECT_TRUE(h.halted);
    EXPECT_EQ(h.priv, PRV_S);
}

// --- interrupts ---

TEST_F(RiscvPriv, InterruptPriority) {
    h.mie = 0xaaa;
    for (unsigned irq : {IRQ_M_EXT, IRQ_M_SOFT, IRQ_M_TIMER, IRQ_S_EXT, IRQ_S_SOFT, IRQ_S_TIMER}) {
        hart_set_irq(h, irq, true);
    }
    for (unsigned irq : {IRQ_M_EXT, IRQ_M_SOFT, IRQ_M_TIMER, IRQ_S_EXT, IRQ_S_SOFT, IRQ_S_TIMER}) {
        h.mstatus = MSTATUS_MIE;
        run_in(PRV_M, {nop()});
        EXPECT_TRUE(t.trapped_to_m(INTR | irq, CODE, 0));
        EXPECT_EQ(h.pc, TRAP) << "direct mode: one entry";
        hart_set_irq(h, irq, false);
    }
    h.mstatus = MSTATUS_MIE;
    run_in(PRV_M, {nop()});
    EXPECT_FALSE(t.trapped());
}

// Only a line that goes up is news for the hart (and wakes its thread): a
// line driven again at its level, or lowered, leaves irq_check alone. A line
// that stayed up while masked is still taken once a write of mie unmasks it.
TEST_F(RiscvPriv, OnlyALineThatGoesUpIsNews) {
    h.irq_check = false;
    EXPECT_TRUE(hart_set_irq(h, IRQ_M_EXT, true)) << "it went up";
    EXPECT_TRUE(h.irq_check.load());
    h.irq_check = false;
    EXPECT_FALSE(hart_set_irq(h, IRQ_M_EXT, true)) << "it was up";
    EXPECT_FALSE(h.irq_check.load());
    EXPECT_EQ(h.mip() & MIP_MEIP, MIP_MEIP);
    EXPECT_FALSE(hart_set_irq(h, IRQ_M_EXT, false)) << "down: nothing new to take";
    EXPECT_FALSE(h.irq_check.load());
    EXPECT_EQ(h.mip() & MIP_MEIP, 0u);

    h.mie = 0;
    h.mstatus = MSTATUS_MIE;
    EXPECT_TRUE(hart_set_irq(h, IRQ_M_EXT, true));
    h.x.set(a0, 0);
    run_in(PRV_M, {addi(a0, a0, 1)});
    EXPECT_FALSE(t.trapped()) << "masked by mie";
    EXPECT_FALSE(hart_set_irq(h, IRQ_M_EXT, true)) << "driven again: not news";
    h.x.set(a1, MIP_MEIP);
    h.mstatus = MSTATUS_MIE;
    run_in(PRV_M, {csrw(MIE, a1), addi(a0, a0, 1)});
    EXPECT_TRUE(t.trapped_to_m(INTR | IRQ_M_EXT, CODE + 4, 0)) << "taken after the csrw";
}

TEST_F(RiscvPriv, MachineInterruptsMaskedByMieOnlyInM) {
    h.mie = MIP_MTIP;
    hart_set_irq(h, IRQ_M_TIMER, true);
    h.x.set(a0, 0);
    run_in(PRV_M, {addi(a0, a0, 1)});
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(h.x[a0], 1u);
    // From S and U, M's interrupts are taken whatever MIE says.
    for (PrivLevel p : {PRV_S, PRV_U}) {
        h.mstatus = 0;
        run_in(p, {addi(a0, a0, 1)});
        EXPECT_TRUE(t.trapped_to_m(INTR | IRQ_M_TIMER, CODE, 0));
        EXPECT_EQ((h.mstatus & MSTATUS_MPP) >> 11, uint64_t(p));
    }
    EXPECT_EQ(h.x[a0], 1u);
    // But not when mie masks them.
    h.mie = 0;
    run_in(PRV_S, {addi(a0, a0, 1)});
    EXPECT_FALSE(t.trapped());
}

TEST_F(RiscvPriv, DelegatedInterruptsGoToS) {
    h.mideleg = MIP_STIP;
    h.mie = MIP_STIP;
    hart_set_irq(h, IRQ_S_TIMER, true);
    // Never taken in M, even with every enable set.
    h.mstatus = MSTATUS_MIE | MSTATUS_SIE;
    run_in(PRV_M, {nop()});
    EXPECT_FALSE(t.trapped());
    // In S, only with SIE.
    h.mstatus = 0;
    run_in(PRV_S, {nop()});
    EXPECT_FALSE(t.trapped());
    h.mstatus = MSTATUS_SIE;
    run_in(PRV_S, {nop()});
    EXPECT_TRUE(t.trapped_to_s(INTR | IRQ_S_TIMER, CODE, 0));
    EXPECT_EQ(h.mstatus & (MSTATUS_SPP | MSTATUS_SIE | MSTATUS_SPIE), MSTATUS_SPP | MSTATUS_SPIE);
    // In U, always.
    h.mstatus = 0;
    run_in(PRV_U, {nop()});
    EXPECT_TRUE(t.trapped_to_s(INTR | IRQ_S_TIMER, CODE, 0));
    EXPECT_EQ(h.mstatus & MSTATUS_SPP, 0u);
    // Vectored stvec.
    h.stvec = S_TRAP | 1;
    run_in(PRV_U, {nop()});
    EXPECT_EQ(h.pc, S_TRAP + 4 * IRQ_S_TIMER);
    // Interrupts for M go before those for S, whatever their causes.
    h.mie = MIP_STIP | MIP_SSIP;
    h.mideleg = MIP_STIP;
    hart_set_irq(h, IRQ_S_SOFT, true); // not delegated: M's
    run_in(PRV_U, {nop()});
    EXPECT_TRUE(t.trapped_to_m(INTR | IRQ_S_SOFT, CODE, 0));
}

TEST_F(RiscvPriv, VectoredMtvec) {
    h.mtvec = TRAP | 1;
    h.mie = MIP_MTIP;
    hart_set_irq(h, IRQ_M_TIMER, true);
    run_in(PRV_S, {nop()});
    EXPECT_EQ(h.mcause, INTR | IRQ_M_TIMER);
    EXPECT_EQ(h.pc, TRAP + 4 * IRQ_M_TIMER);
    hart_set_irq(h, IRQ_M_TIMER, false);
    // Exceptions use the base.
    run_in(PRV_S, {ecall()});
    EXPECT_EQ(h.mcause, EXCP_S_ECALL);
    EXPECT_EQ(h.pc, TRAP);
}

TEST_F(RiscvPriv, WfiWaitsForAnEnabledInterrupt) {
    h.x.set(a0, 0);
    h.mie = MIP_MTIP;
    run_in(PRV_M, {wfi(), addi(a0, a0, 1)});
    EXPECT_TRUE(h.halted);
    EXPECT_EQ(h.pc, CODE + 4);
    EXPECT_EQ(h.x[a0], 0u);
    t.resume(10);
    EXPECT_TRUE(h.halted) << "nothing happened";
    // Pending but not enabled in mie: still waiting.
    hart_set_irq(h, IRQ_M_SOFT, true);
    t.resume(10);
    EXPECT_TRUE(h.halted);
    EXPECT_EQ(h.x[a0], 0u);
    // Enabled, though MIE is 0: WFI ends, and no trap is taken.
    hart_set_irq(h, IRQ_M_TIMER, true);
    t.resume(2);
    EXPECT_FALSE(h.halted);
    EXPECT_EQ(h.x[a0], 1u);
    EXPECT_EQ(h.pc, t.end());
    EXPECT_EQ(h.mcause, 0u);
    // With MIE, the interrupt is taken at the instruction after the wfi.
    hart_set_irq(h, IRQ_M_TIMER, false);
    h.mstatus = MSTATUS_MIE;
    run_in(PRV_M, {wfi(), addi(a0, a0, 1)});
    ASSERT_TRUE(h.halted);
    hart_set_irq(h, IRQ_M_TIMER, true);
    t.resume(2);
    EXPECT_FALSE(h.halted);
    EXPECT_TRUE(t.trapped_to_m(INTR | IRQ_M_TIMER, CODE + 4, 0));
    // An interrupt already pending: wfi does not wait.
    run_in(PRV_M, {wfi(), addi(a0, a0, 1)});
    EXPECT_FALSE(h.halted);
}

TEST_F(RiscvPriv, AWaitingWfiLeavesAtOnceThoughItsBlockIsLinked) {
    // A loop through a wfi: while an interrupt is pending the wfi does not
    // wait, and the loop's blocks get linked to each other.
    h.mie = MIP_MTIP;
    hart_set_irq(h, IRQ_M_TIMER, true);
    run_in(PRV_M, {wfi(), addi(a0, a0, 1), jal(zero, -8)});
    t.resume(300);
    ASSERT_GT(h.x[a0], 50u) << "the loop ran";
    // No interrupt: the next wfi waits, and nothing after it may run.
    hart_set_irq(h, IRQ_M_TIMER, false);
    t.resume(1000);
    ASSERT_TRUE(h.halted);
    uint64_t count = h.x[a0];
    EXPECT_EQ(h.pc, CODE + 4);
    t.resume(1000);
    EXPECT_EQ(h.x[a0], count) << "the hart went on past a waiting wfi";
}

// The privileged spec: csrrs/csrrc on mip modify the software-writable SEIP
// bit only, never the PLIC's line that a read ORs in. OpenSBI sets and
// clears STIP this way; a kernel hung once the live SEIP got latched.
TEST_F(RiscvPriv, CsrsOnMipDoesNotLatchThePlicsSeip) {
    hart_set_irq(h, IRQ_S_EXT, true);
    h.x.set(a1, MIP_STIP);
    run_in(PRV_M, {csrrs(a0, 0x344, a1), csrrc(a2, 0x344, a1), csrrsi(a3, 0x344, 2)});
    ASSERT_FALSE(t.trapped());
    EXPECT_EQ(h.x[a0], MIP_SEIP) << "a read shows the line";
    EXPECT_EQ(h.x[a2], MIP_SEIP | MIP_STIP);
    EXPECT_EQ(h.x[a3], MIP_SEIP);
    EXPECT_EQ(read(MIP), MIP_SEIP | MIP_SSIP);
    hart_set_irq(h, IRQ_S_EXT, false);
    EXPECT_EQ(read(MIP), MIP_SSIP) << "SEIP went with the line";
    // The software bit is still the guest's to set and clear.
    h.x.set(a1, MIP_SEIP);
    run_in(PRV_M, {csrrs(zero, 0x344, a1)});
    EXPECT_EQ(read(MIP), MIP_SSIP | MIP_SEIP);
    hart_set_irq(h, IRQ_S_EXT, true);
    run_in(PRV_M, {csrrc(zero, 0x344, a1)});
    EXPECT_EQ(read(MIP), MIP_SSIP | MIP_SEIP) << "the line still drives it";
    hart_set_irq(h, IRQ_S_EXT, false);
    EXPECT_EQ(read(MIP), MIP_SSIP);
}

// A trap loop retires nothing; hart_run must still return within its budget,
// so that the vCPU loop fires timers and notices interrupts between slices.
TEST_F(RiscvPriv, ATrapLoopThatRetiresNothingEndsTheSlice) {
    // The fetch at the trap vector faults again and again: stvec points at
    // memory that does not exist, and the fault is delegated to S.
    write(MEDELEG, 1ull << EXCP_INST_ACCESS_FAULT);
    h.stvec = 0x1000;
    t.pmp_allow_all();
    t.set_priv(PRV_S);
    h.pc = 0x1000;
    uint64_t before = h.instret;
    t.resume(1000);
    EXPECT_EQ(h.instret, before) << "nothing retired";
    EXPECT_EQ(h.scause, EXCP_INST_ACCESS_FAULT);
    EXPECT_EQ(h.pc, 0x1000u);
}
