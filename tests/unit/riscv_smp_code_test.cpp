// Code caches per hart (hw/cpu/riscv/exec.cpp): each hart decodes into its
// own cache, and code that one hart decoded is decoded again after another
// hart's store, or a DMA write, changed it: the writer invalidates its own
// blocks at once and queues the range for the other harts, which apply the
// queue before their next block.
#include "hart_harness.h"

namespace mq {
namespace {

using test::HartHarness;
namespace rv = test::rv;

constexpr uint64_t CODE = HartHarness::CODE;
constexpr uint64_t OTHER_CODE = HartHarness::PAGES;           // where hart B runs
constexpr uint64_t SHARED_PAGE = HartHarness::PAGES + 0x1000; // code both write

// A second hart on the harness's memory.
struct SecondHart {
    riscv::Hart hart;
    explicit SecondHart(HartHarness& t) {
        hart.as = t.hart.as;
        riscv::hart_reset(hart);
        riscv::hart_flush_code(hart);
    }
    ~SecondHart() { riscv::hart_flush_code(hart); }
    void run_at(uint64_t pc, uint64_t steps) {
        std::atomic<bool> stop{false};
        hart.pc = pc;
        riscv::hart_run(hart, steps, stop);
    }
};

// Runs `addi a0, ...; jal self` at `pc` on the harness's hart; returns a0.
uint64_t run_a0(HartHarness& t, uint64_t pc) {
    t.hart.x.set(rv::a0, 0);
    t.hart.pc = pc;
    t.resume(2);
    return t.hart.x[rv::a0];
}

// Hart A stores to the shared page, so that its soft TLB keeps a store
// shortcut to it, then the page is given code that sets a0 to 1.
void store_shortcut_then_code(HartHarness& a) {
    a.hart.x.set(rv::t0, SHARED_PAGE + 0x100);
    a.run({rv::sw(rv::zero, 0, rv::t0)});
    a.poke32(SHARED_PAGE, rv::addi(rv::a0, rv::zero, 1));
    a.poke32(SHARED_PAGE + 4, HartHarness::JAL_SELF);
}

TEST(SmpCode, StoreByAnotherHartReachesTheDecodedCode) {
    HartHarness t;
    t.poke32(CODE, rv::addi(rv::a0, rv::zero, 1));
    t.poke32(CODE + 4, HartHarness::JAL_SELF);
    ASSERT_EQ(run_a0(t, CODE), 1u); // decoded and cached by hart A
    SecondHart b(t);
    b.hart.x.set(rv::t0, CODE);
    b.hart.x.set(rv::t1, rv::addi(rv::a0, rv::zero, 2));
    t.poke32(OTHER_CODE, rv::sw(rv::t1, 0, rv::t0));
    t.poke32(OTHER_CODE + 4, HartHarness::JAL_SELF);
    b.run_at(OTHER_CODE, 1);
    ASSERT_EQ(t.peek32(CODE), rv::addi(rv::a0, rv::zero, 2));
    EXPECT_EQ(run_a0(t, CODE), 2u) << "hart A ran its stale block";
}

TEST(SmpCode, DmaWriteReachesEveryHart) {
    HartHarness t;
    SecondHart b(t);
    t.poke32(CODE, rv::addi(rv::a0, rv::zero, 1));
    t.poke32(CODE + 4, HartHarness::JAL_SELF);
    ASSERT_EQ(run_a0(t, CODE), 1u);
    b.run_at(CODE, 2);
    ASSERT_EQ(b.hart.x[rv::a0], 1u);
    // A device (any thread but a hart's) writes through the memory API.
    uint32_t insn = rv::addi(rv::a0, rv::zero, 3);
    ASSERT_EQ(address_space_write(t.hart.as, CODE, &insn, 4), MEMTX_OK);
    EXPECT_EQ(run_a0(t, CODE), 3u);
    b.hart.x.set(rv::a0, 0);
    b.run_at(CODE, 2);
    EXPECT_EQ(b.hart.x[rv::a0], 3u);
}

TEST(SmpCode, AStoreShortcutMadeBeforeAnotherHartDecodedIsDropped) {
    HartHarness t;
    SecondHart b(t);
    // Hart A holds a store shortcut to the page; hart B then runs code there.
    store_shortcut_then_code(t);
    b.run_at(SHARED_PAGE, 2);
    ASSERT_EQ(b.hart.x[rv::a0], 1u);
    // Hart A rewrites that code: its store must not take the old shortcut.
    t.hart.x.set(rv::t0, SHARED_PAGE);
    t.hart.x.set(rv::t1, rv::addi(rv::a0, rv::zero, 4));
    t.run({rv::sw(rv::t1, 0, rv::t0)});
    b.hart.x.set(rv::a0, 0);
    b.run_at(SHARED_PAGE, 2);
    EXPECT_EQ(b.hart.x[rv::a0], 4u) << "hart B ran its stale block";
}

// The window fence.i closes: hart B decodes a page while hart A, in the
// middle of its run, still holds a store shortcut to it (it applies B's
// request to forget it only between blocks), and A rewrites the code
// through that shortcut. Nothing invalidates B's block then; B's fence.i
// must still make it run the new code, as RISC-V promises.
TEST(SmpCode, FenceIAfterAStoreThroughAStaleShortcutRunsTheNewCode) {
    HartHarness t;
    SecondHart b(t);
    store_shortcut_then_code(t);
    // A device whose register, when hart A writes it, lets hart B run the
    // page: B decodes it while A is between two instructions of a block.
    MemoryRegionOps ops;
    ops.read = [](hwaddr, unsigned) -> uint64_t { return 0; };
    ops.write = [&](hwaddr, uint64_t, unsigned) { b.run_at(SHARED_PAGE, 2); };
    MemoryRegion dev;
    memory_region_init_io(&dev, nullptr, std::move(ops), "t-doorbell", 0x1000);
    constexpr uint64_t DOORBELL = 0x10000000;
    t.map_io(DOORBELL, &dev);
    t.hart.x.set(rv::t0, SHARED_PAGE);
    t.hart.x.set(rv::t1, rv::addi(rv::a0, rv::zero, 5));
    t.hart.x.set(rv::t2, DOORBELL);
    t.run({rv::sw(rv::zero, 0, rv::t2), rv::sw(rv::t1, 0, rv::t0)});
    ASSERT_FALSE(t.trapped());
    ASSERT_EQ(b.hart.x[rv::a0], 1u) << "hart B did not run the page";
    ASSERT_EQ(t.peek32(SHARED_PAGE), rv::addi(rv::a0, rv::zero, 5));
    // Hart B: fence.i, then jump to the rewritten code.
    t.poke32(OTHER_CODE, rv::fence_i());
    t.poke32(OTHER_CODE + 4, rv::jal(rv::zero, static_cast<int32_t>(SHARED_PAGE - OTHER_CODE - 4)));
    b.hart.x.set(rv::a0, 0);
    b.run_at(OTHER_CODE, 4);
    EXPECT_EQ(b.hart.x[rv::a0], 5u) << "hart B ran its stale block after fence.i";
    t.unmap_io(&dev);
}

} // namespace
} // namespace mq
