// A hart on a few pages of RAM, for tests that run instructions from their
// encodings and check what they did (libriscv style):
//
//   test::HartHarness t;                 // M-mode, mtvec = TRAP
//   t.hart.x.set(1, 41);
//   t.run({0x00108093});                 // addi x1, x1, 1
//   EXPECT_FALSE(t.trapped());
//   EXPECT_EQ(t.hart.x[1], 42u);
//
// Memory: CODE (the instructions under test), TRAP (mtvec, a jump to
// itself), DATA (two pages for loads and stores). Everything else is
// unassigned, so an access there faults. Construct a harness inside a test,
// never at static-initialization time: a Hart registers itself with the
// global block cache.
#pragma once

#include "core/memory.h"
#include "hw/cpu/riscv/cpu.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <initializer_list>

namespace mq::test {

class HartHarness {
public:
    static constexpr uint64_t RAM_BASE = 0x80000000;
    static constexpr uint64_t RAM_SIZE = 0x4000;
    static constexpr uint64_t CODE = RAM_BASE;
    static constexpr uint64_t TRAP = RAM_BASE + 0x1000;
    static constexpr uint64_t DATA = RAM_BASE + 0x2000;
    static constexpr uint64_t DATA_SIZE = 0x2000;
    static constexpr uint32_t JAL_SELF = 0x0000006f; // jal x0, 0

    HartHarness() {
        memory_region_init(&m_root, nullptr, "harness-root", UINT64_MAX);
        EXPECT_TRUE(memory_region_init_ram(&m_ram, nullptr, "harness-ram", RAM_SIZE));
        memory_region_add_subregion(&m_root, RAM_BASE, &m_ram);
        address_space_init(&m_as, &m_root, "harness");
        hart.as = &m_as;
        riscv::hart_reset(hart);
        // Blocks are cached by host address: forget any that an earlier
        // harness left for memory that may now be ours.
        riscv::hart_flush_code(hart);
        hart.mtvec = TRAP;
        poke32(TRAP, JAL_SELF);
    }
    ~HartHarness() { riscv::hart_flush_code(hart); }
    HartHarness(const HartHarness&) = delete;
    HartHarness& operator=(const HartHarness&) = delete;

    // Writes `insns` at CODE, followed by a jump to itself, and runs from
    // CODE until they have retired or one of them traps (the hart then sits
    // at TRAP, with mcause, mepc and mtval telling what happened).
    void run(std::initializer_list<uint32_t> insns) {
        uint64_t addr = CODE;
        for (uint32_t insn : insns) {
            poke32(addr, insn);
            addr += 4;
        }
        poke32(addr, JAL_SELF);
        m_end = addr;
        riscv::hart_invalidate_code(hart, host(CODE), addr + 4 - CODE);
        hart.pc = CODE;
        hart.mcause = hart.mepc = hart.mtval = 0;
        std::atomic<bool> stop{false};
        riscv::hart_run(hart, insns.size() + 1, stop);
    }

    // Whether the last run() ended in a trap rather than after its code.
    bool trapped() const { return hart.pc != m_end; }

    uint8_t* host(uint64_t addr) { return m_ram.ram_ptr() + (addr - RAM_BASE); }
    void poke32(uint64_t addr, uint32_t v) { std::memcpy(host(addr), &v, 4); }
    void poke64(uint64_t addr, uint64_t v) { std::memcpy(host(addr), &v, 8); }
    uint32_t peek32(uint64_t addr) {
        uint32_t v;
        std::memcpy(&v, host(addr), 4);
        return v;
    }
    uint64_t peek64(uint64_t addr) {
        uint64_t v;
        std::memcpy(&v, host(addr), 8);
        return v;
    }

private:
    MemoryRegion m_root;
    MemoryRegion m_ram;
    AddressSpace m_as;
    uint64_t m_end = 0;

public:
    riscv::Hart hart; // declared last: goes before the memory it uses
};

} // namespace mq::test
