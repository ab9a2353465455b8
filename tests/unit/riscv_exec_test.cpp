// How the hart runs code, rather than what one instruction does: decoded
// blocks and their invalidation (fence.i, stores into code, loops that are
// one block), the memory map as it changes, and MMIO under the big lock.
// Each test assembles a few instructions (hart_harness.h) and runs them on a
// hart in M-mode.
#include "core/main-loop.h"
#include "tests/unit/hart_harness.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

using namespace mq;
using namespace mq::riscv;
using namespace mq::test::rv;

namespace {

constexpr uint64_t CODE = test::HartHarness::CODE;
constexpr uint64_t DATA = test::HartHarness::DATA;

// A page of device registers at DEV: reads return what `read` says, writes
// go nowhere.
constexpr uint64_t DEV = 0x10000000;
void init_test_device(MemoryRegion* dev, std::function<uint64_t(hwaddr, unsigned)> read) {
    MemoryRegionOps ops;
    ops.read = std::move(read);
    ops.write = [](hwaddr, uint64_t, unsigned) {};
    memory_region_init_io(dev, nullptr, std::move(ops), "t-dev", 0x1000);
}

class RiscvExec : public ::testing::Test {
protected:
    // Runs `insns`: did the first trap have this cause, mepc and mtval?
    ::testing::AssertionResult traps(std::initializer_list<uint32_t> insns, uint64_t cause,
                                     uint64_t epc, uint64_t tval) {
        t.run(insns);
        return t.trapped_to_m(cause, epc, tval);
    }

    test::HartHarness t;
    Hart& h = t.hart;
};

} // namespace

// A store into code followed by fence.i runs the new instruction.
TEST_F(RiscvExec, FenceIMakesStoresToCodeVisible) {
    h.x.set(a1, CODE);
    h.x.set(a2, addi(a0, zero, 42));
    t.run({sw(a2, 16, a1), fence(), fence_i(), jal(zero, 4), addi(a0, zero, 1)});
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(h.x[a0], 42u);
}

// The hart keeps the flat view it took, and takes the new one once the map
// changes: a device mapped after a load from its address faulted is reached
// by the next load.
TEST_F(RiscvExec, TheHartSeesTheMemoryMapAsItChanges) {
    MemoryRegion dev;
    init_test_device(&dev, [](hwaddr, unsigned) -> uint64_t { return 0x1234; });
    h.x.set(a1, DEV);
    EXPECT_TRUE(traps({lw(a0, 0, a1)}, EXCP_LOAD_ACCESS_FAULT, CODE, DEV)) << "nothing there yet";
    t.map_io(DEV, &dev);
    t.run({lw(a0, 0, a1)});
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(h.x[a0], 0x1234u);
    t.unmap_io(&dev);
}

// MMIO runs under the big lock, which the hart keeps from one access to the
// next (mmu.cpp, dispatch_io) but never past hart_run.
TEST_F(RiscvExec, MmioRunsUnderTheBigLockAndHartRunDropsIt) {
    int reads = 0, under_lock = 0;
    MemoryRegion dev;
    init_test_device(&dev, [&](hwaddr, unsigned) -> uint64_t {
        reads++;
        under_lock += bql_locked();
        return 7;
    });
    t.map_io(DEV, &dev);
    h.x.set(a1, DEV);
    t.run({lw(a0, 0, a1), lw(a2, 4, a1), addi(a3, a2, 1)});
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(h.x[a3], 8u);
    EXPECT_EQ(reads, 2);
    EXPECT_EQ(under_lock, 2);
    EXPECT_FALSE(bql_locked()) << "hart_run returned with the big lock";
    t.unmap_io(&dev);
}

// A hart polling a device register keeps the big lock between accesses; a
// thread that comes to wait for it gets it while the hart still polls, not
// only once the hart's slice is over.
TEST_F(RiscvExec, AThreadWaitingForTheBigLockGetsItFromAPollingHart) {
    MemoryRegion dev;
    init_test_device(&dev, [](hwaddr, unsigned) -> uint64_t { return 0; });
    t.map_io(DEV, &dev);
    h.x.set(a1, DEV);
    // Until the register reads non-zero: never. run() goes once round.
    t.run({lw(a0, 0, a1), beq(a0, zero, -4)});
    std::atomic<bool> stop{false}, polling{true};
    uint64_t spent = 0;
    constexpr uint64_t kBudget = 400'000'000; // many seconds of polling
    std::thread hart_thread([&] {
        spent = hart_run(h, kBudget, stop);
        polling = false;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    bool hart_still_polling;
    {
        BqlGuard bql;
        hart_still_polling = polling;
    }
    stop = true;
    hart_thread.join();
    EXPECT_TRUE(hart_still_polling);
    EXPECT_LT(spent, kBudget);
    EXPECT_EQ(h.pc & ~7ull, CODE);
    t.unmap_io(&dev);
}

// A loop that is one block goes round without leaving it (Hart::loop_back):
// each round still retires all of its instructions.
TEST_F(RiscvExec, ALoopThatIsOneBlockCountsEveryRound) {
    h.x.set(a1, 1000);
    t.run({csrr(a3, MINSTRET), addi(a0, a0, 1), addi(a1, a1, -1), bne(a1, zero, -8),
           csrr(a4, MINSTRET)});
    t.resume(4000);
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(h.x[a0], 1000u);
    EXPECT_EQ(h.x[a4] - h.x[a3], 1u + 3 * 1000);
}

// The same loop, rewriting its own first instruction in its first round:
// the second round runs the new one, though nothing but the store told.
TEST_F(RiscvExec, ALoopThatRewritesItselfRunsItsNewCode) {
    h.x.set(a1, 2);
    h.x.set(a2, addi(a0, a0, 100));
    h.x.set(a5, CODE);
    t.run({addi(a0, a0, 1), sw(a2, 0, a5), addi(a1, a1, -1), bne(a1, zero, -12)});
    t.resume(16);
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(h.x[a0], 101u) << "the second round ran the instruction it replaced";
}

// A page the hart stored to through its soft TLB (a store shortcut), and
// only then ran code from: the shortcut must go when the code is decoded, or
// later stores into that code would not reach the decoded copy.
TEST_F(RiscvExec, AStoreShortcutMadeBeforeCodeWasDecodedIsDropped) {
    const uint64_t fn = DATA + 0x100;
    t.poke32(fn, addi(a0, zero, 1));
    t.poke32(fn + 4, jalr(zero, 0, ra));
    h.x.set(a1, DATA);
    h.x.set(a2, addi(a0, zero, 2));
    t.run({sd(zero, 0x400, a1), // the shortcut to DATA's page
           jalr(ra, 0x100, a1), // runs fn (a0 = 1): its page is code now
           add(s1, a0, zero),   // keeps what fn returned
           sw(a2, 0x100, a1),   // fn now sets a0 = 2
           fence_i(), jalr(ra, 0x100, a1)});
    t.resume(32); // fn's instructions too: the jump to itself at the end waits
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(h.x[s1], 1u);
    EXPECT_EQ(h.x[a0], 2u) << "the store reached the decoded fn";
}
