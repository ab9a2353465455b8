// The privileged architecture, as a program sees it: CSR access rules and
// WARL fields, traps and their delegation to S-mode, xRET, interrupts and
// WFI, Sv39/Sv48 translation, MPRV and PMP. Each test sets the hart up, runs
// a few instructions (hart_harness.h) in the privilege under test, and
// checks the CSRs and where the hart went.
#include "hw/cpu/riscv/insn-table.h"
#include "tests/unit/hart_harness.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <optional>

using namespace mq;
using namespace mq::riscv;
using namespace mq::test::rv;

namespace {

constexpr uint64_t CODE = test::HartHarness::CODE;
constexpr uint64_t TRAP = test::HartHarness::TRAP;
constexpr uint64_t S_TRAP = test::HartHarness::S_TRAP;
constexpr uint64_t DATA = test::HartHarness::DATA;
constexpr uint32_t JAL_SELF = test::HartHarness::JAL_SELF;
constexpr uint64_t INTR = 1ull << 63;

using PT = test::PageTables;
constexpr uint64_t PTE_V = PT::V, PTE_R = PT::R, PTE_W = PT::W, PTE_X = PT::X, PTE_U = PT::U,
                   PTE_A = PT::A, PTE_D = PT::D;
constexpr uint64_t RX = PTE_V | PTE_R | PTE_X | PTE_A;
constexpr uint64_t RW = PTE_V | PTE_R | PTE_W | PTE_A | PTE_D;
constexpr uint64_t RO = PTE_V | PTE_R | PTE_A;

constexpr uint8_t PMP_R = 1, PMP_W = 2, PMP_X = 4, PMP_TOR = 0x08, PMP_NA4 = 0x10, PMP_NAPOT = 0x18,
                  PMP_L = 0x80;

class RiscvPriv : public ::testing::Test {
protected:
    RiscvPriv() { t.pmp_allow_all(); } // S and U may reach all memory

    void run_in(PrivLevel p, std::initializer_list<uint32_t> insns) { t.run_in(p, insns); }

    // What `csrr` of `csr` gives in privilege `p`; nullopt when it traps.
    std::optional<uint64_t> read_in(PrivLevel p, uint32_t csr) {
        h.x.set(a0, 0x5555);
        run_in(p, {csrr(a0, csr)});
        if (!t.trapped()) return h.x[a0];
        EXPECT_EQ(h.mcause, EXCP_ILLEGAL_INST);
        EXPECT_EQ(h.mtval, csrr(a0, csr));
        return std::nullopt;
    }
    // Whether `csrw` of `csr` works in privilege `p`.
    bool write_in(PrivLevel p, uint32_t csr, uint64_t v) {
        h.x.set(a1, v);
        run_in(p, {csrw(csr, a1)});
        return !t.trapped();
    }
    uint64_t read(uint32_t csr) { return read_in(PRV_M, csr).value_or(0xdead); }
    void write(uint32_t csr, uint64_t v) { EXPECT_TRUE(write_in(PRV_M, csr, v)) << csr; }

    test::HartHarness t;
    Hart& h = t.hart;
};

} // namespace

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
    EXPECT_EQ(read(MIE), 0xaaau) << "the six interrupts of M and S";
    write(MIE, MIP_MTIP);
    // Nothing delegated: sie and sip show nothing and write nothing.
    write(SIE, ~0ull);
    EXPECT_EQ(read(SIE), 0u);
    EXPECT_EQ(h.mie, MIP_MTIP);
    write(MIDELEG, ~0ull);
    EXPECT_EQ(read(MIDELEG), MIP_SSIP | MIP_STIP | MIP_SEIP) << "only S's interrupts delegate";
    write(SIE, ~0ull);
    EXPECT_EQ(h.mie, MIP_MTIP | MIP_SSIP | MIP_STIP | MIP_SEIP);
    EXPECT_EQ(read(SIE), MIP_SSIP | MIP_STIP | MIP_SEIP);
    // sip: SSIP is writable, STIP and SEIP are not (from S's side).
    write(SIP, MIP_SSIP | MIP_STIP | MIP_SEIP);
    EXPECT_EQ(read(MIP), MIP_SSIP);
    EXPECT_EQ(read(SIP), MIP_SSIP);
    write(MIDELEG, MIP_STIP);
    EXPECT_EQ(read(SIP), 0u) << "SSIP is pending, but not S's any more";
    // mip: software sets S's bits; M's come from devices only.
    write(MIP, ~0ull);
    EXPECT_EQ(read(MIP), MIP_SSIP | MIP_STIP | MIP_SEIP);
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

// --- virtual memory ---

namespace {

constexpr int64_t OK = -1;
constexpr uint32_t kLoad = ld(a0, 0, a1), kStore = sd(a2, 0, a1), kJump = jalr(zero, 0, a1);
constexpr uint64_t STORED = 0x1122334455667788;

// Sv39 tables with the code page mapped for S; satp still Bare.
class RiscvVm : public RiscvPriv {
protected:
    RiscvVm() { map_code(PRV_S); }

    // Identity-maps the code page, for S (or for U) to run it.
    void map_code(PrivLevel p) {
        pt.map(CODE, CODE, RX | (p == PRV_U ? PTE_U : 0));
        tlb_flush(h);
    }

    // Runs one load, store or jump (`insn`, with a1 = va) in privilege `p`:
    // the cause it trapped with (to M, with mtval = va), or OK.
    int64_t access(PrivLevel p, uint64_t va, uint32_t insn = kLoad) {
        h.x.set(a1, va);
        h.x.set(a2, STORED);
        h.x.set(a0, 0);
        run_in(p, {insn});
        if (insn == kJump && h.pc == va) return OK; // arrived at a jump to itself
        if (!t.trapped()) return OK;
        EXPECT_EQ(h.mtval, va) << fmt::format("0x{:x}", va);
        EXPECT_EQ(h.mepc, insn == kJump ? va : CODE) << fmt::format("0x{:x}", va);
        return static_cast<int64_t>(h.mcause);
    }

    // Where `va` translates for an access from privilege `p`.
    std::optional<hwaddr> translate(PrivLevel p, uint64_t va, Access a = Access::Load) {
        t.set_priv(p);
        auto pa = hart_translate(h, va, a);
        t.set_priv(PRV_M);
        return pa;
    }

    test::PageTables pt{t, 3};
};

} // namespace

TEST_F(RiscvVm, Sv39Pages) {
    pt.map(0x10000000, DATA, RW);
    pt.map(0x10001000, DATA + 0x1000, RO);
    write(SATP, pt.satp());
    t.poke64(DATA + 8, 0xabcdef);
    EXPECT_EQ(translate(PRV_S, 0x10000123), DATA + 0x123);
    EXPECT_EQ(translate(PRV_S, 0x10001123), DATA + 0x1123);
    EXPECT_EQ(translate(PRV_S, 0x10001123, Access::Store), std::nullopt);
    EXPECT_EQ(translate(PRV_S, 0x10002000), std::nullopt);
    EXPECT_EQ(translate(PRV_M, 0x10002000), 0x10002000u) << "M does not translate";
    EXPECT_EQ(access(PRV_S, 0x10000008), OK);
    EXPECT_EQ(h.x[a0], 0xabcdefu);
    EXPECT_EQ(access(PRV_S, 0x10000010, kStore), OK);
    EXPECT_EQ(t.peek64(DATA + 0x10), STORED);
    EXPECT_EQ(access(PRV_S, 0x10001010), OK);
    EXPECT_EQ(access(PRV_S, 0x10001010, kStore), EXCP_STORE_PAGE_FAULT);
    EXPECT_EQ(access(PRV_S, 0x10002000), EXCP_LOAD_PAGE_FAULT);
    EXPECT_EQ(access(PRV_S, 0x10002000, kStore), EXCP_STORE_PAGE_FAULT);
    EXPECT_EQ(access(PRV_S, 0x10000000, kJump), EXCP_INST_PAGE_FAULT) << "not executable";
    // A misaligned access across two pages: both must be mapped. When the
    // second is not, the fault names it, and nothing is stored.
    EXPECT_EQ(access(PRV_S, 0x10000ffc), OK);
    EXPECT_EQ(h.x[a0], t.peek64(DATA + 0xffc));
    pt.map(0x10003000, DATA, RW);
    h.x.set(a1, 0x10003ffc);
    run_in(PRV_S, {ld(a0, 0, a1), sd(a1, 0, a1)});
    EXPECT_TRUE(t.trapped_to_m(EXCP_LOAD_PAGE_FAULT, CODE, 0x10004000));
    run_in(PRV_S, {sd(a1, 0, a1)});
    EXPECT_TRUE(t.trapped_to_m(EXCP_STORE_PAGE_FAULT, CODE, 0x10004000));
    EXPECT_NE(t.peek32(DATA + 0xffc), 0x10003ffcu);
}

TEST_F(RiscvVm, Superpages) {
    pt.map(0x40200000, 0x80000000, RW, 1); // 2 MiB
    pt.map(0xc0000000, 0x80000000, RW, 2); // 1 GiB
    pt.map(0x40400000, 0x80001000, RW, 1); // a 2 MiB page at a 4 KiB boundary
    pt.map(0x00000000, 0x80200000, RW, 2); // a 1 GiB one at 2 MiB
    write(SATP, pt.satp());
    EXPECT_EQ(translate(PRV_S, 0x40202010), DATA + 0x10);
    EXPECT_EQ(translate(PRV_S, 0xc0002010), DATA + 0x10);
    t.poke64(DATA + 0x18, 42);
    EXPECT_EQ(access(PRV_S, 0x40202018), OK);
    EXPECT_EQ(h.x[a0], 42u);
    EXPECT_EQ(access(PRV_S, 0xc0002018), OK);
    EXPECT_EQ(h.x[a0], 42u);
    // Misaligned superpages fault.
    EXPECT_EQ(translate(PRV_S, 0x40400000), std::nullopt);
    EXPECT_EQ(access(PRV_S, 0x40401000), EXCP_LOAD_PAGE_FAULT);
    EXPECT_EQ(access(PRV_S, 0x00002000), EXCP_LOAD_PAGE_FAULT);
}

TEST_F(RiscvVm, UserPagesAndSum) {
    pt.map(0x10000000, DATA, RW);         // supervisor
    pt.map(0x10001000, DATA, RW | PTE_U); // user
    pt.map(0x10002000, CODE, RX | PTE_U); // user code: CODE + 4 is a jump to itself
    pt.map(0x10003000, CODE, RX);         // supervisor code
    write(SATP, pt.satp());
    EXPECT_EQ(access(PRV_S, 0x10001000), EXCP_LOAD_PAGE_FAULT) << "SUM = 0";
    h.mstatus |= MSTATUS_SUM;
    tlb_flush(h);
    EXPECT_EQ(access(PRV_S, 0x10001000), OK);
    EXPECT_EQ(access(PRV_S, 0x10001000, kStore), OK);
    EXPECT_EQ(access(PRV_S, 0x10002004, kJump), EXCP_INST_PAGE_FAULT) << "S never runs U code";
    EXPECT_EQ(access(PRV_S, 0x10003004, kJump), OK);
    map_code(PRV_U);
    EXPECT_EQ(access(PRV_U, 0x10001000), OK);
    EXPECT_EQ(access(PRV_U, 0x10000000), EXCP_LOAD_PAGE_FAULT);
    EXPECT_EQ(access(PRV_U, 0x10000000, kStore), EXCP_STORE_PAGE_FAULT);
    EXPECT_EQ(access(PRV_U, 0x10002004, kJump), OK);
    EXPECT_EQ(access(PRV_U, 0x10003004, kJump), EXCP_INST_PAGE_FAULT);
    map_code(PRV_S);
    run_in(PRV_U, {nop()});
    EXPECT_TRUE(t.trapped_to_m(EXCP_INST_PAGE_FAULT, CODE, CODE));
}

TEST_F(RiscvVm, MxrAndExecuteOnlyPages) {
    pt.map(0x10000000, CODE, PTE_V | PTE_X | PTE_A); // execute-only
    pt.map(0x10001000, CODE, RO);                    // read-only
    write(SATP, pt.satp());
    EXPECT_EQ(access(PRV_S, 0x10000004, kJump), OK);
    EXPECT_EQ(access(PRV_S, 0x10000000), EXCP_LOAD_PAGE_FAULT);
    EXPECT_EQ(access(PRV_S, 0x10001004, kJump), EXCP_INST_PAGE_FAULT);
    h.mstatus |= MSTATUS_MXR;
    tlb_flush(h);
    EXPECT_EQ(access(PRV_S, 0x10000000), OK) << "MXR: executable is readable";
    EXPECT_EQ(h.x[a0], t.peek64(CODE));
    EXPECT_EQ(access(PRV_S, 0x10000000, kStore), EXCP_STORE_PAGE_FAULT);
}

TEST_F(RiscvVm, ReservedPtesFault) {
    pt.map(0x10000000, DATA, PTE_V | PTE_W | PTE_A | PTE_D); // W without R
    pt.map(0x10001000, DATA, RW | 1ull << 54);               // a reserved bit
    pt.map(0x10002000, DATA, RW & ~PTE_V);                   // not valid
    pt.map(0x10003000, DATA, PTE_V);                         // a pointer at level 0
    write(SATP, pt.satp());
    for (uint64_t va : {0x10000000, 0x10001000, 0x10002000, 0x10003000}) {
        EXPECT_EQ(access(PRV_S, va), EXCP_LOAD_PAGE_FAULT) << std::hex << va;
        EXPECT_EQ(access(PRV_S, va, kStore), EXCP_STORE_PAGE_FAULT) << std::hex << va;
    }
}

TEST_F(RiscvVm, NonCanonicalAddressesFault) {
    pt.map(0x0, 0x80000000, RW, 2);                // the first GiB
    pt.map(0xffffffffc0000000, 0x80000000, RW, 2); // the last
    write(SATP, pt.satp());
    EXPECT_EQ(translate(PRV_S, 0x2000), DATA);
    EXPECT_EQ(translate(PRV_S, 0xffffffffc0002000), DATA);
    // Bits 63:39 must all equal bit 38.
    for (uint64_t va : {0x0000008000002000ull, 0x0000004000002000ull, 0x7fffffffc0002000ull,
                        0x8000000000002000ull}) {
        EXPECT_EQ(translate(PRV_S, va), std::nullopt) << std::hex << va;
        EXPECT_EQ(access(PRV_S, va), EXCP_LOAD_PAGE_FAULT) << std::hex << va;
        EXPECT_EQ(access(PRV_S, va, kStore), EXCP_STORE_PAGE_FAULT) << std::hex << va;
    }
}

TEST_F(RiscvVm, Sv48) {
    test::PageTables pt48(t, 4, test::HartHarness::PAGES + 0x8000); // apart from the Sv39 ones
    pt48.map(CODE, CODE, RX);
    pt48.map(0x00007ffffffff000, DATA, RW);          // the top of the lower half
    pt48.map(0xffff800000000000, DATA + 0x1000, RW); // the bottom of the upper half
    pt48.map(0x0000004000000000, 0x80000000, RW, 2); // 1 GiB, beyond Sv39's reach
    pt48.map(0x0000008000000000, 0x80000000, RW, 3); // 512 GiB, misaligned
    write(SATP, pt48.satp());
    EXPECT_EQ(translate(PRV_S, 0x00007ffffffff010), DATA + 0x10);
    EXPECT_EQ(translate(PRV_S, 0xffff800000000010), DATA + 0x1010);
    EXPECT_EQ(translate(PRV_S, 0x0000004000002010), DATA + 0x10);
    EXPECT_EQ(translate(PRV_S, 0x0000008000002010), std::nullopt);
    EXPECT_EQ(translate(PRV_S, 0x0000800000000000), std::nullopt) << "non-canonical";
    t.poke64(DATA + 0x1010, 7);
    EXPECT_EQ(access(PRV_S, 0xffff800000000010), OK);
    EXPECT_EQ(h.x[a0], 7u);
    EXPECT_EQ(access(PRV_S, 0x0000004000002010, kStore), OK);
    EXPECT_EQ(t.peek64(DATA + 0x10), STORED);
    EXPECT_EQ(access(PRV_S, 0x0000800000000000), EXCP_LOAD_PAGE_FAULT);
}

// The hart sets A on any access and D on a store (QEMU's choice; the spec
// allows raising a page fault instead). hart_translate leaves them alone.
TEST_F(RiscvVm, AccessedAndDirtyBits) {
    uint64_t code_pte = pt.map(CODE, CODE, PTE_V | PTE_R | PTE_X);
    uint64_t pte = pt.map(0x10000000, DATA, PTE_V | PTE_R | PTE_W);
    write(SATP, pt.satp());
    EXPECT_EQ(translate(PRV_S, 0x10000000, Access::Store), DATA);
    EXPECT_EQ(t.peek64(pte) & (PTE_A | PTE_D), 0u);
    EXPECT_EQ(access(PRV_S, 0x10000000), OK);
    EXPECT_EQ(t.peek64(pte) & (PTE_A | PTE_D), PTE_A);
    EXPECT_EQ(t.peek64(code_pte) & (PTE_A | PTE_D), PTE_A) << "fetching counts as access";
    EXPECT_EQ(access(PRV_S, 0x10000000, kStore), OK);
    EXPECT_EQ(t.peek64(pte) & (PTE_A | PTE_D), PTE_A | PTE_D);
}

TEST_F(RiscvVm, DelegatedPageFaultsUseStval) {
    pt.map(TRAP, TRAP, RX); // S's handler
    write(SATP, pt.satp());
    h.medeleg = 1u << EXCP_LOAD_PAGE_FAULT | 1u << EXCP_INST_PAGE_FAULT;
    h.x.set(a1, 0x10000040);
    run_in(PRV_S, {nop(), ld(a0, 0, a1)});
    EXPECT_TRUE(t.trapped_to_s(EXCP_LOAD_PAGE_FAULT, CODE + 4, 0x10000040));
    run_in(PRV_S, {jalr(zero, 0, a1)});
    EXPECT_TRUE(t.trapped_to_s(EXCP_INST_PAGE_FAULT, 0x10000040, 0x10000040));
}

// MPRV: M-mode loads and stores translate and check as MPP says; fetches do not.
TEST_F(RiscvVm, MprvUsesMppForData) {
    pt.map(0x10000000, DATA, RW);
    pt.map(0x10001000, DATA, RW | PTE_U);
    write(SATP, pt.satp());
    t.poke64(DATA, 99);
    auto with_mpp = [&](PrivLevel mpp, uint64_t extra = 0) {
        write(MSTATUS, MSTATUS_MPRV | uint64_t(mpp) << 11 | extra);
    };
    with_mpp(PRV_S);
    EXPECT_EQ(translate(PRV_M, 0x10000000), DATA);
    EXPECT_EQ(access(PRV_M, 0x10000000), OK) << "the code page is not mapped: fetch is M's";
    EXPECT_EQ(h.x[a0], 99u);
    with_mpp(PRV_S);
    EXPECT_EQ(access(PRV_M, 0x10002000), EXCP_LOAD_PAGE_FAULT);
    with_mpp(PRV_S);
    EXPECT_EQ(access(PRV_M, 0x10001000), EXCP_LOAD_PAGE_FAULT) << "SUM = 0";
    with_mpp(PRV_S, MSTATUS_SUM);
    EXPECT_EQ(access(PRV_M, 0x10001000, kStore), OK);
    with_mpp(PRV_U);
    EXPECT_EQ(access(PRV_M, 0x10000000), EXCP_LOAD_PAGE_FAULT);
    with_mpp(PRV_U);
    EXPECT_EQ(access(PRV_M, 0x10001000), OK);
    with_mpp(PRV_M);
    EXPECT_EQ(access(PRV_M, 0x10000000), EXCP_LOAD_ACCESS_FAULT) << "physical 0x10000000";
    write(MSTATUS, uint64_t(PRV_S) << 11);
    EXPECT_EQ(access(PRV_M, DATA), OK) << "without MPRV, M is physical";
}

// --- PMP ---

namespace {
constexpr uint64_t napot(uint64_t base, uint64_t size) { return base >> 2 | (size / 8 - 1); }
constexpr uint64_t cfg(unsigned entry, uint8_t bits) { return uint64_t(bits) << (8 * entry); }
constexpr uint8_t RWX_ = PMP_R | PMP_W | PMP_X;
} // namespace

TEST_F(RiscvVm, PmpTor) {
    write(PMPADDR0, DATA >> 2);
    write(PMPADDR0 + 1, (DATA + 0x1000) >> 2);
    write(PMPADDR0 + 2, ~0ull); // NAPOT: all of memory
    write(PMPCFG0, cfg(1, PMP_TOR | PMP_R) | cfg(2, PMP_NAPOT | RWX_));
    EXPECT_EQ(read(PMPCFG0), cfg(1, PMP_TOR | PMP_R) | cfg(2, PMP_NAPOT | RWX_));
    EXPECT_EQ(read(PMPADDR0 + 2), (1ull << 54) - 1) << "pmpaddr holds bits 55:2";
    EXPECT_EQ(access(PRV_S, DATA + 8), OK);
    EXPECT_EQ(access(PRV_S, DATA + 8, kStore), EXCP_STORE_AMO_ACCESS_FAULT);
    EXPECT_EQ(access(PRV_U, DATA + 0xff8, kStore), EXCP_STORE_AMO_ACCESS_FAULT);
    EXPECT_EQ(access(PRV_S, DATA + 0x1000, kStore), OK);
    EXPECT_EQ(access(PRV_S, DATA - 8, kStore), OK);
    EXPECT_EQ(access(PRV_M, DATA + 8, kStore), OK) << "unlocked entries do not bind M";
}

TEST_F(RiscvVm, PmpNa4AndNapot) {
    write(PMPADDR0, (DATA + 0x10) >> 2);      // NA4: nothing allowed
    write(PMPADDR0 + 1, napot(DATA, 0x1000)); // read-only
    write(PMPADDR0 + 2, napot(DATA + 0x1000, 8));
    write(PMPADDR0 + 3, ~0ull);
    write(PMPCFG0, cfg(0, PMP_NA4) | cfg(1, PMP_NAPOT | PMP_R) | cfg(2, PMP_NAPOT) |
                       cfg(3, PMP_NAPOT | RWX_));
    EXPECT_EQ(access(PRV_S, DATA + 0x10, lw(a0, 0, a1)), EXCP_LOAD_ACCESS_FAULT);
    EXPECT_EQ(access(PRV_S, DATA + 0x14, lw(a0, 0, a1)), OK);
    EXPECT_EQ(access(PRV_S, DATA + 0x0c, lw(a0, 0, a1)), OK);
    EXPECT_EQ(access(PRV_S, DATA + 0x0c, ld(a0, 0, a1)), EXCP_LOAD_ACCESS_FAULT)
        << "an access only partly in an entry fails";
    EXPECT_EQ(access(PRV_S, DATA + 0xff8), OK);
    EXPECT_EQ(access(PRV_S, DATA + 0x20, kStore), EXCP_STORE_AMO_ACCESS_FAULT);
    EXPECT_EQ(access(PRV_S, DATA + 0x1000), EXCP_LOAD_ACCESS_FAULT) << "the 8-byte NAPOT";
    EXPECT_EQ(access(PRV_S, DATA + 0x1008, kStore), OK);
}

TEST_F(RiscvVm, PmpExecute) {
    write(PMPADDR0, napot(CODE, 0x1000));
    write(PMPADDR0 + 1, ~0ull);
    write(PMPCFG0, cfg(0, PMP_NAPOT | PMP_R | PMP_W) | cfg(1, PMP_NAPOT | RWX_));
    run_in(PRV_S, {nop()});
    EXPECT_TRUE(t.trapped_to_m(EXCP_INST_ACCESS_FAULT, CODE, CODE));
    run_in(PRV_M, {nop()});
    EXPECT_FALSE(t.trapped());
}

// The check is per instruction: a region that ends inside a page ends
// execution there too.
TEST_F(RiscvVm, PmpExecuteRegionEndsMidPage) {
    write(PMPADDR0, napot(CODE, 8)); // the first two instructions
    write(PMPADDR0 + 1, ~0ull);
    write(PMPCFG0, cfg(0, PMP_NAPOT | PMP_X) | cfg(1, PMP_NAPOT | PMP_R | PMP_W));
    h.x.set(a0, 0);
    run_in(PRV_S, {addi(a0, a0, 1), addi(a0, a0, 1), addi(a0, a0, 1)});
    EXPECT_TRUE(t.trapped_to_m(EXCP_INST_ACCESS_FAULT, CODE + 8, CODE + 8));
    EXPECT_EQ(h.x[a0], 2u);
}

TEST_F(RiscvVm, PmpExecuteRegionEndsInsideAnInstruction) {
    write(PMPADDR0, napot(CODE, 8));
    write(PMPADDR0 + 1, ~0ull);
    write(PMPCFG0, cfg(0, PMP_NAPOT | PMP_X) | cfg(1, PMP_NAPOT | PMP_R | PMP_W));
    h.x.set(a0, 0);
    t.set_priv(PRV_S);
    // c.addi a0,1 at CODE, addi a0,a0,1 at CODE+2, and one more at CODE+6,
    // whose second half is past the region.
    t.run16({0x0505, 0x0513, 0x0015, 0x0513, 0x0015});
    EXPECT_TRUE(t.trapped_to_m(EXCP_INST_ACCESS_FAULT, CODE + 6, CODE + 8));
    EXPECT_EQ(h.x[a0], 2u);
}

TEST_F(RiscvVm, PmpNoMatchFailsBelowM) {
    write(PMPCFG14, 0); // the fixture's allow-all entry
    write(PMPADDR0, napot(CODE, 0x1000));
    write(PMPCFG0, cfg(0, PMP_NAPOT | RWX_));
    EXPECT_EQ(access(PRV_S, DATA), EXCP_LOAD_ACCESS_FAULT);
    EXPECT_EQ(access(PRV_U, DATA, kStore), EXCP_STORE_AMO_ACCESS_FAULT);
    EXPECT_EQ(access(PRV_M, DATA), OK);
    // With every entry off, nothing matches: S and U cannot even fetch.
    write(PMPCFG0, 0);
    run_in(PRV_S, {nop()});
    EXPECT_TRUE(t.trapped_to_m(EXCP_INST_ACCESS_FAULT, CODE, CODE));
    EXPECT_EQ(access(PRV_M, DATA), OK);
}

TEST_F(RiscvVm, PmpLockedEntries) {
    write(PMPADDR0, napot(DATA, 0x1000));
    write(PMPADDR0 + 1, (DATA + 0x1000) >> 2);
    write(PMPADDR0 + 2, (DATA + 0x1800) >> 2);
    write(PMPCFG0, cfg(0, PMP_L | PMP_NAPOT | PMP_R) | cfg(2, PMP_L | PMP_TOR | PMP_R));
    // M is bound by them.
    EXPECT_EQ(access(PRV_M, DATA), OK);
    EXPECT_EQ(access(PRV_M, DATA, kStore), EXCP_STORE_AMO_ACCESS_FAULT);
    EXPECT_EQ(access(PRV_M, DATA + 0x1000, kStore), EXCP_STORE_AMO_ACCESS_FAULT) << "TOR";
    EXPECT_EQ(access(PRV_M, DATA + 0x1800, kStore), OK);
    // And they stay as they are until reset: the config, the address, and
    // the address below a locked TOR entry.
    write(PMPCFG0, cfg(1, PMP_NAPOT | RWX_));
    EXPECT_EQ(read(PMPCFG0), cfg(0, PMP_L | PMP_NAPOT | PMP_R) | cfg(1, PMP_NAPOT | RWX_) |
                                 cfg(2, PMP_L | PMP_TOR | PMP_R));
    write(PMPADDR0, 0);
    EXPECT_EQ(read(PMPADDR0), napot(DATA, 0x1000));
    write(PMPADDR0 + 1, 0);
    EXPECT_EQ(read(PMPADDR0 + 1), (DATA + 0x1000) >> 2);
    write(PMPADDR0 + 2, 0);
    EXPECT_EQ(read(PMPADDR0 + 2), (DATA + 0x1800) >> 2);
}
