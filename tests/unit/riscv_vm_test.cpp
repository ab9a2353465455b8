// Virtual memory and physical memory protection, as a program sees them:
// Sv39/Sv48 translation, superpages, U pages and SUM, MXR, A and D, MPRV,
// and PMP's TOR, NA4 and NAPOT entries, execute checks and locking. Each test
// sets up page tables or PMP entries on the privileged fixture
// (riscv_priv_fixture.h), runs a load, store or jump in the privilege under
// test, and checks the cause it trapped with.
#include "hw/cpu/riscv/insn-table.h"
#include "tests/unit/riscv_priv_fixture.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <optional>

using namespace mq;
using namespace mq::riscv;
using namespace mq::riscv::privtest;
using namespace mq::test::rv;

// --- virtual memory ---

namespace {

using PT = test::PageTables;
constexpr uint64_t PTE_V = PT::V, PTE_R = PT::R, PTE_W = PT::W, PTE_X = PT::X, PTE_U = PT::U,
                   PTE_A = PT::A, PTE_D = PT::D;
constexpr uint64_t RX = PTE_V | PTE_R | PTE_X | PTE_A;
constexpr uint64_t RW = PTE_V | PTE_R | PTE_W | PTE_A | PTE_D;
constexpr uint64_t RO = PTE_V | PTE_R | PTE_A;

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

    // Two routines, which return 1 and 10 in a0 to ra: `va` maps routine 1,
    // and a program remaps it to routine 2 with sd t1, 0(t2), which writes
    // the PTE (t1 holds the new PTE, t2 the PTE's virtual address).
    static constexpr uint64_t kRoutine1 = DATA, kRoutine2 = DATA + 0x1000;
    void map_remappable_routine(uint64_t va) {
        constexpr uint64_t PTE_VA = 0x20000000;
        for (auto [routine, value] : {std::pair{kRoutine1, 1}, std::pair{kRoutine2, 10}}) {
            t.poke32(routine, addi(a0, zero, value));
            t.poke32(routine + 4, jalr(zero, 0, ra));
        }
        const uint64_t pte = pt.map(va, kRoutine1, RX);
        pt.map(PTE_VA, pte & ~0xfffull, RW);
        h.x.set(t1, kRoutine2 >> 12 << 10 | RX);
        h.x.set(t2, PTE_VA + (pte & 0xfff));
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

// csrs/csrc on sstatus.SUM in S, as Linux does around every user access:
// the TLB S uses with SUM (which may hold user pages) is not the one it
// uses without, so clearing SUM takes user pages away at once, with no flush.
TEST_F(RiscvVm, SumTakesEffectAtTheNextAccess) {
    pt.map(0x10001000, DATA, RW | PTE_U);
    write(SATP, pt.satp());
    t.poke64(DATA, 7);
    h.x.set(a1, 0x10001000);
    h.x.set(a3, MSTATUS_SUM);
    run_in(PRV_S, {ld(a0, 0, a1)});
    EXPECT_TRUE(t.trapped_to_m(EXCP_LOAD_PAGE_FAULT, CODE, 0x10001000)) << "SUM = 0";
    h.x.set(a0, 0);
    run_in(PRV_S,
           {csrrs(zero, SSTATUS, a3), ld(a0, 0, a1), csrrc(zero, SSTATUS, a3), ld(a2, 0, a1)});
    EXPECT_EQ(h.x[a0], 7u) << "SUM = 1: the user page is readable";
    EXPECT_TRUE(t.trapped_to_m(EXCP_LOAD_PAGE_FAULT, CODE + 12, 0x10001000)) << "SUM = 0 again";
    run_in(PRV_S,
           {csrrs(zero, SSTATUS, a3), sd(a3, 8, a1), csrrc(zero, SSTATUS, a3), sd(a3, 16, a1)});
    EXPECT_EQ(t.peek64(DATA + 8), MSTATUS_SUM);
    EXPECT_TRUE(t.trapped_to_m(EXCP_STORE_PAGE_FAULT, CODE + 12, 0x10001010));
}

// Loads and stores look in the TLBs of the privilege they run at: what M
// (bare) filled for an address must not serve S, which has it unmapped.
TEST_F(RiscvVm, EachPrivilegeHasDataTlbsOfItsOwn) {
    pt.map(0x10000000, DATA, RW);
    write(SATP, pt.satp());
    h.x.set(a1, DATA);
    t.run({sd(zero, 0, a1), ld(a0, 0, a1)});
    ASSERT_FALSE(t.trapped());
    run_in(PRV_S, {sd(zero, 0, a1)});
    EXPECT_TRUE(t.trapped_to_m(EXCP_STORE_PAGE_FAULT, CODE, DATA));
    run_in(PRV_S, {ld(a0, 0, a1)});
    EXPECT_TRUE(t.trapped_to_m(EXCP_LOAD_PAGE_FAULT, CODE, DATA));
}

// sfence.vma with an address drops that page's translation (the others may
// stay); with x0, all of them.
TEST_F(RiscvVm, SfenceVmaOfOnePage) {
    uint64_t pte = pt.map(0x10000000, DATA, RW);
    pt.map(0x10001000, DATA + 0x1000, RW);
    write(SATP, pt.satp());
    t.poke64(DATA, 1);
    t.poke64(DATA + 0x1000, 2);
    h.x.set(a1, 0x10000000);
    h.x.set(a4, 0x10001000);
    run_in(PRV_S, {ld(a0, 0, a1), ld(a2, 0, a4)});
    ASSERT_FALSE(t.trapped());
    EXPECT_EQ(h.x[a0], 1u);
    t.poke64(pte, (DATA + 0x1000) >> 12 << 10 | RW); // 0x10000000 moves to the second page
    run_in(PRV_S, {sfence_vma(a1, zero), ld(a0, 0, a1)});
    EXPECT_EQ(h.x[a0], 2u) << "the new translation";
    t.poke64(pte, 0); // and goes away
    run_in(PRV_S, {sfence_vma(a1, zero), ld(a0, 0, a1)});
    EXPECT_TRUE(t.trapped_to_m(EXCP_LOAD_PAGE_FAULT, CODE + 4, 0x10000000));
    t.poke64(pte, DATA >> 12 << 10 | RW);
    run_in(PRV_S, {sfence_vma(zero, zero), ld(a0, 0, a1), ld(a2, 0, a4)});
    EXPECT_EQ(h.x[a0], 1u);
    EXPECT_EQ(h.x[a2], 2u);
}

// Decoded blocks are linked by virtual address: a link into a page whose
// translation then changes must not be followed after an sfence.vma of that
// page. The same call goes twice to the routine at V: the first time V
// holds one routine, which returns 1, and the block link from the call to
// it is made; then the program remaps V to another routine, which returns
// 10, and fences V alone.
TEST_F(RiscvVm, SfenceVmaOfOnePageVoidsLinksIntoIt) {
    // Not the code page's bit in the filter of linked pages (page numbers
    // modulo 4096): the fence must find V itself there.
    constexpr uint64_t V = 0x10003000;
    map_remappable_routine(V);
    write(SATP, pt.satp());
    h.x.set(a1, V);
    h.x.set(t0, 2);
    h.x.set(s0, 0);
    run_in(PRV_S, {
                      jal(zero, 4),         // the loop's blocks start at CODE + 4
                      jalr(ra, 0, a1),      // call V
                      add(s0, s0, a0),      //
                      sd(t1, 0, t2),        // V now maps routine 2
                      sfence_vma(a1, zero), // for V alone
                      addi(t0, t0, -1),     //
                      bne(t0, zero, -20),   // twice round
                  });
    t.resume(100); // the rest of the loop
    ASSERT_FALSE(t.trapped());
    EXPECT_EQ(h.x[t0], 0u);
    EXPECT_EQ(h.x[s0], 11u) << "the second call must reach routine 2";
}

// A link marks the page it leads into, not only the one it leaves: the
// routine at V jumps to itself and makes no link of its own.
TEST_F(RiscvVm, ALinkMarksThePageItLeadsInto) {
    constexpr uint64_t V = 0x10003000; // a filter bit apart from the code page's
    t.poke32(DATA, jal(zero, 0));
    pt.map(V, DATA, RX);
    write(SATP, pt.satp());
    h.x.set(a1, V);
    EXPECT_FALSE(hart_links_page(h, V));
    run_in(PRV_S, {jalr(zero, 0, a1)}); // two instructions' budget: the jump, one round at V
    EXPECT_EQ(h.pc, V);
    EXPECT_TRUE(hart_links_page(h, V));
}

// A block is found by where its code lies in RAM, so a page mapped at two
// virtual addresses runs one block from both. A link is made only into a
// block decoded at the address the jump went to: a link made at the second
// address would be followed at the first one, while the filter of linked
// pages names the second (see SfenceVmaOfOnePageVoidsLinksIntoIt). The
// same tail jump reaches routine 1 at V1, then (after a full fence) at its
// alias V2, then at V1 again once V1 maps routine 2 and is fenced alone.
TEST_F(RiscvVm, LinksAreNotMadeThroughAnAlias) {
    // V1, V2 and the code page (0x80000000) each have a bit of their own in
    // the filter, which keeps a bit per virtual page number modulo 4096: a
    // link marked at V2 must not pass for one at V1.
    constexpr uint64_t V1 = 0x10003000, V2 = 0x10005000;
    map_remappable_routine(V1);
    pt.map(V2, kRoutine1, RX);
    write(SATP, pt.satp());
    h.x.set(a4, V1);
    h.x.set(a5, V2);
    h.x.set(s0, 0);
    run_in(PRV_S, {
                      jal(zero, 8),           // over the trampoline
                      jalr(zero, 0, a1),      // CODE + 4: the one tail jump
                      addi(a1, a4, 0),        //
                      jal(ra, -8),            // routine 1 at V1
                      add(s0, s0, a0),        //
                      sfence_vma(zero, zero), // every link void, the filter clear
                      addi(a1, a5, 0),        //
                      jal(ra, -24),           // routine 1 again, at V2
                      add(s0, s0, a0),        //
                      sd(t1, 0, t2),          // V1 now maps routine 2
                      sfence_vma(a4, zero),   // for V1 alone
                      addi(a1, a4, 0),        //
                      jal(ra, -44),           // routine 2 at V1
                      add(s0, s0, a0),        //
                  });
    t.resume(100);
    ASSERT_FALSE(t.trapped());
    EXPECT_EQ(h.x[s0], 12u) << "the last call must reach routine 2";
}

// A superpage's translation covers many 4 KiB pages the soft TLB keeps one
// by one: an sfence.vma of any address in it drops them all.
TEST_F(RiscvVm, SfenceVmaOfOneAddressDropsItsWholeSuperpage) {
    uint64_t pte = pt.map(0x40200000, 0x80000000, RW, 1); // 2 MiB over RAM
    write(SATP, pt.satp());
    t.poke64(DATA + 0x1008, 5);
    h.x.set(a1, 0x40200000);
    h.x.set(a4, 0x40200000 + (DATA + 0x1000 - 0x80000000));
    run_in(PRV_S, {ld(a0, 8, a4), sd(a0, 16, a4)});
    ASSERT_FALSE(t.trapped());
    EXPECT_EQ(h.x[a0], 5u);
    t.poke64(pte, 0x80000000 >> 12 << 10 | RO); // read-only now
    run_in(PRV_S, {sfence_vma(a1, zero), ld(a0, 8, a4), sd(a0, 16, a4)});
    EXPECT_TRUE(
        t.trapped_to_m(EXCP_STORE_PAGE_FAULT, CODE + 8, DATA + 0x1010 - 0x80000000 + 0x40200000));
    t.poke64(pte, 0); // unmapped
    run_in(PRV_S, {sfence_vma(a1, zero), ld(a0, 8, a4)});
    EXPECT_TRUE(
        t.trapped_to_m(EXCP_LOAD_PAGE_FAULT, CODE + 4, DATA + 0x1008 - 0x80000000 + 0x40200000));
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
constexpr uint8_t PMP_R = 1, PMP_W = 2, PMP_X = 4, PMP_TOR = 0x08, PMP_NA4 = 0x10, PMP_NAPOT = 0x18,
                  PMP_L = 0x80;
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
