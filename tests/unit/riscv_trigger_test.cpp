// Sdtrig (debug-trigger.cpp): execute, load and store triggers by address,
// icount, the WARL rules of tdata1, and the CSRs' absence with debug=off.
#include "tests/unit/riscv_priv_fixture.h"

#include <gtest/gtest.h>

using namespace mq;
using namespace mq::riscv;
using namespace mq::riscv::privtest;
using namespace mq::test::rv;

namespace {

constexpr uint32_t TSELECT = 0x7a0, TDATA1 = 0x7a1, TDATA2 = 0x7a2, TDATA3 = 0x7a3, TINFO = 0x7a4;

constexpr uint64_t MCONTROL = 2ull << 60, ICOUNT = 3ull << 60, MCONTROL6 = 6ull << 60,
                   DISABLED = 15ull << 60;
constexpr uint64_t LOAD = 1, STORE = 2, EXEC = 4, U = 8, S = 16, M = 64;
constexpr uint64_t match(uint64_t m) { return m << 7; }
constexpr uint64_t ic_count(uint64_t n) { return n << 10; }
constexpr uint64_t IC_U = 1 << 6, IC_S = 1 << 7, IC_PENDING = 1 << 8, IC_M = 1 << 9;

class RiscvTrigger : public RiscvPriv {
protected:
    // Arms trigger `n` as a program does, with csrw in M-mode.
    void arm(unsigned n, uint64_t tdata1, uint64_t tdata2) {
        write(TSELECT, n);
        write(TDATA2, tdata2);
        write(TDATA1, tdata1);
    }
    // The same straight through the CSR functions, so that no decoded code
    // is touched on the way.
    void arm_now(unsigned n, uint64_t tdata1, uint64_t tdata2) {
        PrivLevel saved = h.priv;
        t.set_priv(PRV_M);
        ASSERT_EQ(csr_write(h, TSELECT, n), CsrResult::Ok);
        ASSERT_EQ(csr_write(h, TDATA2, tdata2), CsrResult::Ok);
        ASSERT_EQ(csr_write(h, TDATA1, tdata1), CsrResult::Ok);
        t.set_priv(saved);
    }
    uint64_t tdata1_of(unsigned n) {
        h.trig.select = n;
        uint64_t v = 0;
        EXPECT_EQ(csr_read_debug(h, TDATA1, &v), CsrResult::Ok);
        return v;
    }
};

TEST_F(RiscvTrigger, ExecuteInEveryMode) {
    for (PrivLevel p : {PRV_U, PRV_S, PRV_M}) {
        SCOPED_TRACE(int(p));
        h.mstatus = MSTATUS_MIE; // M-mode triggers fire only with MIE set
        uint64_t mode = p == PRV_M ? M : p == PRV_S ? S : U;
        arm(0, MCONTROL6 | EXEC | mode, CODE + 8);
        run_in(p, {nop(), nop(), nop(), nop()});
        EXPECT_TRUE(t.trapped_to_m(EXCP_BREAKPOINT, CODE + 8, CODE + 8));
        EXPECT_EQ((h.mstatus & MSTATUS_MPP) >> 11, uint64_t(p));
        // Enabled for the other modes only: it does not fire.
        arm(0, MCONTROL6 | EXEC | ((M | S | U) & ~mode), CODE + 8);
        h.mstatus = MSTATUS_MIE;
        run_in(p, {nop(), nop(), nop(), nop()});
        EXPECT_FALSE(t.trapped());
    }
}

TEST_F(RiscvTrigger, ExecuteDelegatedToS) {
    h.medeleg = 1u << EXCP_BREAKPOINT;
    arm(1, MCONTROL | EXEC | U, CODE + 4);
    run_in(PRV_U, {nop(), nop(), nop()});
    EXPECT_TRUE(t.trapped_to_s(EXCP_BREAKPOINT, CODE + 4, CODE + 4));
}

TEST_F(RiscvTrigger, NoMachineModeTriggerWhileMieIsClear) {
    h.mstatus = 0;
    arm(0, MCONTROL6 | EXEC | M, CODE + 4);
    run_in(PRV_M, {nop(), nop(), nop()});
    EXPECT_FALSE(t.trapped()) << "the breakpoint handler would trigger itself";
}

TEST_F(RiscvTrigger, ExecuteOnCodeAlreadyDecoded) {
    t.run({addi(a0, a0, 1), addi(a0, a0, 1), addi(a0, a0, 1), addi(a0, a0, 1)});
    ASSERT_FALSE(t.trapped());
    // The block from CODE is cached now; run it again with a trigger in its middle.
    arm_now(0, MCONTROL6 | EXEC | S, CODE + 12);
    h.x.set(a0, 0);
    t.set_priv(PRV_S);
    h.pc = CODE;
    t.resume(10);
    EXPECT_EQ(h.mcause, EXCP_BREAKPOINT);
    EXPECT_EQ(h.mepc, CODE + 12);
    EXPECT_EQ(h.mtval, CODE + 12);
    EXPECT_EQ(h.x[a0], 3u) << "the instructions before it ran, the one at it did not";
    // Disarmed, the same code runs through.
    arm_now(0, DISABLED, 0);
    EXPECT_FALSE(h.trig.step);
    h.x.set(a0, 0);
    t.set_priv(PRV_S);
    h.pc = CODE;
    t.resume(10);
    EXPECT_EQ(h.x[a0], 4u);
}

TEST_F(RiscvTrigger, ExecuteRanges) {
    arm(0, MCONTROL6 | EXEC | U | match(2), CODE + 8); // pc >= CODE + 8
    run_in(PRV_U, {nop(), nop(), nop(), nop()});
    EXPECT_TRUE(t.trapped_to_m(EXCP_BREAKPOINT, CODE + 8, CODE + 8));
    arm(0, MCONTROL6 | EXEC | U | match(3), CODE + 8); // pc < CODE + 8
    run_in(PRV_U, {nop(), nop(), nop(), nop()});
    EXPECT_TRUE(t.trapped_to_m(EXCP_BREAKPOINT, CODE, CODE));
}

TEST_F(RiscvTrigger, LoadAndStoreBeforeTheAccess) {
    t.poke64(DATA + 0x10, 0x1122334455667788);
    arm(0, MCONTROL6 | LOAD | S, DATA + 0x10);
    h.x.set(a1, DATA); // after arm(), which uses a1
    // Loads elsewhere on the page go on (through the slow path).
    h.x.set(a0, 0);
    run_in(PRV_S, {ld(a0, 0x18, a1)});
    EXPECT_FALSE(t.trapped());
    run_in(PRV_S, {ld(a0, 0x10, a1)});
    EXPECT_TRUE(t.trapped_to_m(EXCP_BREAKPOINT, CODE, DATA + 0x10));
    EXPECT_EQ(h.x[a0], 0u) << "the load did not happen";
    // An access that covers the address matches too; tval is where it starts.
    run_in(PRV_S, {nop(), lw(a0, 0xe, a1)});
    EXPECT_TRUE(t.trapped_to_m(EXCP_BREAKPOINT, CODE + 4, DATA + 0xe));
    // A store is not a load.
    h.x.set(a2, 7);
    run_in(PRV_S, {sd(a2, 0x10, a1)});
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(t.peek64(DATA + 0x10), 7u);

    arm(1, MCONTROL | STORE | U, DATA + 0x20);
    h.x.set(a1, DATA);
    h.x.set(a2, 9);
    run_in(PRV_U, {sd(a2, 0x20, a1)});
    EXPECT_TRUE(t.trapped_to_m(EXCP_BREAKPOINT, CODE, DATA + 0x20));
    EXPECT_EQ(t.peek64(DATA + 0x20), 0u) << "the store did not happen";
    // An AMO is a load and a store.
    h.x.set(a3, DATA + 0x20);
    run_in(PRV_U, {amo(AMOADD, 3, a0, a2, a3)});
    EXPECT_TRUE(t.trapped_to_m(EXCP_BREAKPOINT, CODE, DATA + 0x20));
    // Disarmed, the store goes through.
    arm(1, DISABLED, 0);
    h.x.set(a1, DATA);
    run_in(PRV_U, {sd(a2, 0x20, a1)});
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(t.peek64(DATA + 0x20), 9u);
}

TEST_F(RiscvTrigger, LoadRangeAboveAnAddress) {
    arm(0, MCONTROL6 | LOAD | U | match(2), DATA + 0x1000); // the second data page
    h.x.set(a1, DATA);
    run_in(PRV_U, {ld(a0, 0x7f8, a1), ld(a0, 0x7f8, a1)});
    EXPECT_FALSE(t.trapped());
    h.x.set(a1, DATA + 0x1000);
    run_in(PRV_U, {ld(a0, 0x8, a1)});
    EXPECT_TRUE(t.trapped_to_m(EXCP_BREAKPOINT, CODE, DATA + 0x1008));
}

TEST_F(RiscvTrigger, IcountFiresAfterCountInstructions) {
    arm(0, ICOUNT | IC_U | ic_count(3), 0);
    run_in(PRV_U, {nop(), nop(), nop(), nop(), nop(), nop()});
    EXPECT_TRUE(t.trapped_to_m(EXCP_BREAKPOINT, CODE + 12, 0));
    EXPECT_EQ(tdata1_of(0), ICOUNT | IC_U) << "count 0, no longer pending";
    EXPECT_FALSE(h.trig.step);
}

TEST_F(RiscvTrigger, IcountWrittenByTheProgramDoesNotCountItsWrite) {
    h.mstatus = MSTATUS_MIE;
    h.x.set(a1, ICOUNT | IC_M | ic_count(2));
    run_in(PRV_M, {csrw(TDATA1, a1), nop(), nop(), nop(), nop()});
    EXPECT_TRUE(t.trapped_to_m(EXCP_BREAKPOINT, CODE + 12, 0));
}

TEST_F(RiscvTrigger, IcountCountsOnlyInEnabledModes) {
    // Counted in U; the ecall's handler in M (where it is not enabled) counts nothing.
    arm(0, ICOUNT | IC_U | ic_count(2), 0);
    // The handler returns after an ecall from U, and stops on anything else.
    uint32_t handler[] = {csrr(t1, MCAUSE), addi(t2, zero, EXCP_U_ECALL),
                          bne(t1, t2, 20),  csrr(t0, MEPC),
                          addi(t0, t0, 4),  csrw(MEPC, t0),
                          mret(),           JAL_SELF};
    for (unsigned i = 0; i < std::size(handler); i++)
        t.poke32(TRAP + 4 * i, handler[i]);
    run_in(PRV_U, {nop(), ecall(), nop(), nop()});
    t.resume(20);
    EXPECT_EQ(h.pc, TRAP + 28);
    EXPECT_EQ(h.mcause, EXCP_BREAKPOINT);
    EXPECT_EQ(h.mepc, CODE + 12) << "the ecall did not retire, the handler was not counted";
    EXPECT_EQ((h.mstatus & MSTATUS_MPP) >> 11, uint64_t(PRV_U));
}

TEST_F(RiscvTrigger, Tdata1IsWarl) {
    write(TSELECT, 1);
    EXPECT_EQ(read(TSELECT), 1u);
    write(TSELECT, 2); // there are two triggers
    EXPECT_EQ(read(TSELECT), 1u);
    EXPECT_EQ(read(TDATA1), MCONTROL) << "QEMU's reset value";
    // Unsupported types (0, 1, 4, 5, ...) leave it disabled.
    for (uint64_t type : {0ull, 1ull, 4ull, 5ull, 7ull, 14ull, 15ull}) {
        write(TDATA1, type << 60 | EXEC | M);
        EXPECT_EQ(read(TDATA1), DISABLED) << type;
    }
    // Unsupported match, action, chain, select, timing, dmode: back to 0.
    write(TDATA1, MCONTROL6 | 1ull << 59 | 1 << 21 | 1 << 12 | 1 << 11 | match(1) | EXEC | U);
    EXPECT_EQ(read(TDATA1), MCONTROL6 | EXEC | U);
    write(TDATA1, MCONTROL | 1 << 19 | 1 << 18 | match(3) | LOAD | S);
    EXPECT_EQ(read(TDATA1), MCONTROL | match(3) | LOAD | S);
    write(TDATA1, ICOUNT | ic_count(0x3fff) | IC_M | IC_S | IC_U | 5);
    EXPECT_EQ(read(TDATA1), ICOUNT | ic_count(0x3fff) | IC_M | IC_S | IC_U) << "action 5 -> 0";
    write(TDATA2, 0x1234);
    EXPECT_EQ(read(TDATA2), 0x1234u);
    write(TDATA3, ~0ull);
    EXPECT_EQ(read(TDATA3), 0u);
    EXPECT_EQ(read(TINFO), 1ull << 24 | 1 << 2 | 1 << 3 | 1 << 6 | 1 << 15);
    write(TDATA1, 0);
    EXPECT_EQ(read(TDATA1), DISABLED);
}

TEST_F(RiscvTrigger, MachineModeOnly) {
    for (uint32_t csr : {TSELECT, TDATA1, TDATA2, TDATA3, TINFO}) {
        EXPECT_FALSE(read_in(PRV_S, csr)) << csr;
        EXPECT_FALSE(read_in(PRV_U, csr)) << csr;
    }
}

TEST_F(RiscvTrigger, AbsentWithDebugOff) {
    h.isa.exts &= ~ext_bit(Ext::Sdtrig);
    for (uint32_t csr : {TSELECT, TDATA1, TDATA2, TDATA3, TINFO}) {
        EXPECT_FALSE(read_in(PRV_M, csr)) << csr;
        EXPECT_FALSE(write_in(PRV_M, csr, 0)) << csr;
    }
}

TEST_F(RiscvTrigger, ResetDisarms) {
    arm(0, MCONTROL6 | EXEC | LOAD | U, CODE);
    EXPECT_TRUE(h.trig.step);
    EXPECT_TRUE(h.trig.mem);
    hart_reset(h);
    EXPECT_FALSE(h.trig.step);
    EXPECT_FALSE(h.trig.mem);
    EXPECT_EQ(tdata1_of(0), MCONTROL);
}

} // namespace
