// The counters (pmu.cpp): minstret to the letter of the spec, the
// programmable counters with QEMU's events, Sscofpmf's mode filtering and
// overflow interrupt, scountovf and mcountinhibit.
#include "tests/unit/riscv_priv_fixture.h"

#include <gtest/gtest.h>

using namespace mq;
using namespace mq::riscv;
using namespace mq::riscv::privtest;
using namespace mq::test::rv;

namespace {

constexpr uint32_t MHPMCOUNTER3 = 0xb03, MHPMCOUNTER4 = 0xb04, HPMCOUNTER3 = 0xc03,
                   MHPMEVENT3 = 0x323, MHPMEVENT4 = 0x324, MCOUNTINHIBIT = 0x320, SCOUNTOVF = 0xda0;
constexpr uint64_t EV_CYCLES = 1, EV_INSTRUCTIONS = 2;
constexpr uint64_t OF = 1ull << 63, MINH = 1ull << 62, SINH = 1ull << 61, UINH = 1ull << 60;
constexpr uint64_t LCOFIP = 1u << 13;

using RiscvPmu = RiscvPriv;

TEST_F(RiscvPmu, MinstretWriteDoesNotCountItself) {
    h.x.set(a1, 100);
    run_in(PRV_M, {csrw(MINSTRET, a1), csrr(a0, MINSTRET), nop(), nop(), csrr(a2, MINSTRET)});
    EXPECT_EQ(h.x[a0], 100u) << "the next instruction reads what was written";
    EXPECT_EQ(h.x[a2], 103u);
    // In the middle of a block, after other instructions.
    run_in(PRV_M, {nop(), nop(), csrw(MCYCLE, a1), csrr(a0, MCYCLE)});
    EXPECT_EQ(h.x[a0], 100u);
}

TEST_F(RiscvPmu, MinstretWrapsAt64Bits) {
    h.x.set(a1, ~0ull);
    run_in(PRV_M, {csrw(MINSTRET, a1), nop(), csrr(a0, MINSTRET), csrr(a2, INSTRET)});
    EXPECT_EQ(h.x[a0], 0u);
    EXPECT_EQ(h.x[a2], 1u);
}

TEST_F(RiscvPmu, EventsCountLikeMinstretAndMcycle) {
    write(MHPMEVENT3, EV_INSTRUCTIONS);
    write(MHPMEVENT4, EV_CYCLES);
    run_in(PRV_M, {csrw(MHPMCOUNTER3, zero), csrw(MHPMCOUNTER4, zero), csrw(MINSTRET, zero),
                   csrw(MCYCLE, zero), nop(), nop(), nop(), csrr(a0, MINSTRET), csrr(a1, MCYCLE),
                   csrr(a2, MHPMCOUNTER3), csrr(a3, MHPMCOUNTER4)});
    EXPECT_EQ(h.x[a0], 4u) << "the write to mcycle, three nops";
    EXPECT_EQ(h.x[a1], 4u);
    EXPECT_EQ(h.x[a2], 8u) << "three writes after it, three nops, two reads";
    EXPECT_EQ(h.x[a3], 8u);
    // Any other event (QEMU's TLB misses, 0) counts nothing.
    for (uint64_t ev : {0ull, 0x10019ull, 0x1001bull, 0x10021ull}) {
        write(MHPMEVENT3, ev);
        run_in(PRV_M, {csrw(MHPMCOUNTER3, zero), nop(), nop(), csrr(a2, MHPMCOUNTER3)});
        EXPECT_EQ(h.x[a2], 0u) << ev;
    }
}

TEST_F(RiscvPmu, FilteringByMode) {
    write(MHPMEVENT3, EV_INSTRUCTIONS | MINH | SINH); // U only
    write(MHPMEVENT4, EV_INSTRUCTIONS | UINH | SINH); // M only
    h.mstatus = 0;                                    // MPP = U
    h.x.set(a5, CODE + 28);
    run_in(PRV_M, {csrw(MEPC, a5), csrw(MHPMCOUNTER3, zero), csrw(MHPMCOUNTER4, zero), nop(),
                   csrr(a2, MHPMCOUNTER4), csrr(a3, MHPMCOUNTER3), mret(),
                   // U from here
                   nop(), nop(), nop(), ecall()});
    EXPECT_EQ(h.mcause, EXCP_U_ECALL);
    EXPECT_EQ(h.x[a2], 1u);
    EXPECT_EQ(h.x[a3], 0u);
    uint64_t u_count = 0, m_count = 0;
    ASSERT_EQ(csr_read_debug(h, MHPMCOUNTER3, &u_count), CsrResult::Ok);
    ASSERT_EQ(csr_read_debug(h, MHPMCOUNTER4, &m_count), CsrResult::Ok);
    EXPECT_EQ(u_count, 3u) << "the ecall does not retire";
    EXPECT_GE(m_count, 4u) << "and goes on in M, at the trap handler";
}

TEST_F(RiscvPmu, Mcountinhibit) {
    write(MHPMEVENT3, EV_INSTRUCTIONS);
    h.x.set(a1, 1u << 3 | 1u << 2);
    run_in(PRV_M, {csrw(MHPMCOUNTER3, zero), csrw(MINSTRET, zero), csrw(MCOUNTINHIBIT, a1), nop(),
                   nop(), csrr(a2, MHPMCOUNTER3), csrr(a3, MINSTRET), csrw(MCOUNTINHIBIT, zero),
                   nop(), csrr(a4, MINSTRET)});
    EXPECT_EQ(h.x[a2], 2u) << "csrw minstret and the inhibiting write counted, no more";
    EXPECT_EQ(h.x[a3], 1u);
    EXPECT_EQ(h.x[a4], 2u) << "the write that resumes counts under the old rule";
    EXPECT_EQ(read(MCOUNTINHIBIT), 0u);
    write(MCOUNTINHIBIT, ~0ull);
    EXPECT_EQ(read(MCOUNTINHIBIT), 0xfffffffdu) << "TM does not exist";
}

TEST_F(RiscvPmu, OverflowSetsOfAndRaisesLcofi) {
    write(MHPMEVENT3, EV_INSTRUCTIONS);
    write(MIE, LCOFIP);
    EXPECT_EQ(read(MIE), LCOFIP);
    h.x.set(a1, uint64_t(-3));
    h.mstatus = MSTATUS_MIE;
    run_in(PRV_M, {csrw(MHPMCOUNTER3, a1), nop(), nop(), nop(), nop(), nop()});
    t.resume(5); // the interrupt comes between blocks
    EXPECT_EQ(h.mcause, INTR | 13);
    EXPECT_EQ(h.pc, TRAP);
    EXPECT_TRUE(h.mip() & LCOFIP);
    uint64_t ev = 0, count = ~0ull;
    ASSERT_EQ(csr_read_debug(h, MHPMEVENT3, &ev), CsrResult::Ok);
    ASSERT_EQ(csr_read_debug(h, MHPMCOUNTER3, &count), CsrResult::Ok);
    EXPECT_EQ(ev, OF | EV_INSTRUCTIONS);
    EXPECT_LT(count, 1u << 20) << "wrapped (and went on counting the handler's loop)";
    // With OF set, another wrap raises nothing.
    write(MIP, 0);
    EXPECT_EQ(h.mip() & LCOFIP, 0u);
    h.mstatus = MSTATUS_MIE;
    run_in(PRV_M, {csrw(MHPMCOUNTER3, a1), nop(), nop(), nop(), nop(), nop()});
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(h.mip() & LCOFIP, 0u);
}

TEST_F(RiscvPmu, OverflowDelegatedToS) {
    write(MHPMEVENT3, EV_INSTRUCTIONS | MINH); // counts in S and U
    write(MIDELEG, LCOFIP);
    EXPECT_EQ(read(MIDELEG), LCOFIP);
    write(MIE, LCOFIP);
    write(MHPMCOUNTER3, uint64_t(-2));
    h.mstatus = MSTATUS_SIE;
    run_in(PRV_S, {nop(), nop(), nop(), nop()});
    t.resume(5);
    EXPECT_EQ(h.priv, PRV_S);
    EXPECT_EQ(h.scause, INTR | 13);
    EXPECT_EQ(h.mcause, 0u);
    EXPECT_EQ(h.pc, S_TRAP);
    EXPECT_TRUE(read_in(PRV_S, SIP).value_or(0) & LCOFIP);
    // S clears it through sip.
    EXPECT_TRUE(write_in(PRV_S, SIP, 0));
    EXPECT_EQ(h.mip() & LCOFIP, 0u);
}

TEST_F(RiscvPmu, ScountovfShowsWhatMcounterenAllows) {
    write(MHPMEVENT3, OF | EV_INSTRUCTIONS);
    write(MHPMEVENT4, OF);
    EXPECT_EQ(read(SCOUNTOVF), 0x18u);
    write(MCOUNTEREN, 1u << 4);
    EXPECT_EQ(read_in(PRV_S, SCOUNTOVF), 0x10u);
    EXPECT_FALSE(read_in(PRV_U, SCOUNTOVF));
    EXPECT_FALSE(write_in(PRV_M, SCOUNTOVF, 0)) << "read-only";
}

TEST_F(RiscvPmu, UserCountersFollowCounteren) {
    write(MHPMEVENT3, EV_INSTRUCTIONS);
    EXPECT_FALSE(read_in(PRV_S, HPMCOUNTER3));
    write(MCOUNTEREN, 1u << 3);
    EXPECT_TRUE(read_in(PRV_S, HPMCOUNTER3));
    EXPECT_FALSE(read_in(PRV_U, HPMCOUNTER3));
    write(SCOUNTEREN, 1u << 3);
    EXPECT_TRUE(read_in(PRV_U, HPMCOUNTER3));
    EXPECT_FALSE(write_in(PRV_M, HPMCOUNTER3, 0)) << "read-only";
}

TEST_F(RiscvPmu, OnlyPmuNumCountersExist) {
    ASSERT_EQ(h.isa.pmu_num, 16) << "QEMU's default";
    write(0x323 + 15, EV_INSTRUCTIONS); // mhpmevent18: the last one
    EXPECT_EQ(read(0x323 + 15), EV_INSTRUCTIONS);
    write(0x323 + 16, EV_INSTRUCTIONS); // mhpmevent19: read-only zero
    EXPECT_EQ(read(0x323 + 16), 0u);
    write(0xb03 + 16, 5);
    EXPECT_EQ(read(0xb03 + 16), 0u);
}

TEST_F(RiscvPmu, WithoutSscofpmf) {
    h.isa.exts &= ~ext_bit(Ext::Sscofpmf);
    EXPECT_FALSE(read_in(PRV_M, SCOUNTOVF));
    write(MHPMEVENT3, OF | MINH | EV_INSTRUCTIONS);
    EXPECT_EQ(read(MHPMEVENT3), EV_INSTRUCTIONS) << "no OF or inhibit bits";
    write(MIE, ~0ull);
    EXPECT_EQ(read(MIE) & LCOFIP, 0u);
    write(MIDELEG, ~0ull);
    EXPECT_EQ(read(MIDELEG) & LCOFIP, 0u);
    // A wrap is silent.
    write(MHPMCOUNTER3, ~0ull);
    run_in(PRV_M, {nop(), nop()});
    EXPECT_EQ(h.mip() & LCOFIP, 0u);
}

TEST_F(RiscvPmu, WithoutZihpm) {
    h.isa.exts &= ~ext_bit(Ext::Zihpm);
    // The machine's counters exist (the privileged spec), read-only zero.
    write(MHPMEVENT3, EV_INSTRUCTIONS);
    EXPECT_EQ(read(MHPMEVENT3), 0u);
    write(MHPMCOUNTER3, 5);
    EXPECT_EQ(read(MHPMCOUNTER3), 0u);
    // Zihpm's user counters do not.
    write(MCOUNTEREN, ~0ull);
    EXPECT_FALSE(read_in(PRV_M, HPMCOUNTER3));
    EXPECT_FALSE(read_in(PRV_S, HPMCOUNTER3));
}

} // namespace
