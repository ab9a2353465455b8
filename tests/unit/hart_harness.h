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
// itself; S_TRAP, stvec, another), DATA (two pages for loads and stores),
// PAGES (free pages, for page tables). Everything else is unassigned, so an
// access there faults. Construct a harness inside a test, never at
// static-initialization time: a Hart registers itself with the global block
// cache.
//
// The rv namespace below is a small assembler, so that tests can spell the
// instructions they run: t.run({rv::addi(rv::a0, rv::a0, 1)}).
#pragma once

#include "core/memory.h"
#include "hw/cpu/riscv/cpu.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <initializer_list>

namespace mq::test {

class HartHarness {
public:
    static constexpr uint64_t RAM_BASE = 0x80000000;
    static constexpr uint64_t RAM_SIZE = 0x20000;
    static constexpr uint64_t CODE = RAM_BASE;
    static constexpr uint64_t TRAP = RAM_BASE + 0x1000;
    static constexpr uint64_t S_TRAP = TRAP + 0x100;
    static constexpr uint64_t DATA = RAM_BASE + 0x2000;
    static constexpr uint64_t DATA_SIZE = 0x2000;
    static constexpr uint64_t PAGES = RAM_BASE + 0x4000;
    static constexpr uint64_t PAGES_SIZE = RAM_SIZE - 0x4000;
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
        hart.stvec = S_TRAP;
        // Vectored interrupts land at base + 4 * cause: jumps to themselves too.
        for (uint64_t i = 0; i < 16; i++) {
            poke32(TRAP + 4 * i, JAL_SELF);
            poke32(S_TRAP + 4 * i, JAL_SELF);
        }
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
        start(addr, insns.size());
    }

    // The same for compressed code: 16-bit parcels (a 32-bit instruction
    // among them is two parcels, low half first).
    void run16(std::initializer_list<uint16_t> parcels) {
        uint64_t addr = CODE;
        for (uint16_t p : parcels) {
            poke16(addr, p);
            addr += 2;
        }
        start(addr, parcels.size());
    }

    // run(), starting in privilege `p`.
    void run_in(riscv::PrivLevel p, std::initializer_list<uint32_t> insns) {
        set_priv(p);
        run(insns);
    }

    // Whether the last run() ended in a trap to M (or S), with these cause,
    // epc and tval: EXPECT_TRUE(t.trapped_to_m(EXCP_BREAKPOINT, CODE, CODE)).
    ::testing::AssertionResult trapped_to_m(uint64_t cause, uint64_t epc, uint64_t tval) const {
        return trap_was(riscv::PRV_M, TRAP, {hart.mcause, hart.mepc, hart.mtval},
                        {cause, epc, tval});
    }
    ::testing::AssertionResult trapped_to_s(uint64_t cause, uint64_t epc, uint64_t tval) const {
        auto r = trap_was(riscv::PRV_S, S_TRAP, {hart.scause, hart.sepc, hart.stval},
                          {cause, epc, tval});
        if (r && hart.mcause) return ::testing::AssertionFailure() << "M saw a trap too";
        return r;
    }

    // Goes on from wherever the hart is, for about `budget` instructions
    // (hart_run counts them a block at a time).
    void resume(uint64_t budget) {
        std::atomic<bool> stop{false};
        riscv::hart_run(hart, budget, stop);
    }

    // The privilege the next run() starts in.
    void set_priv(riscv::PrivLevel p) {
        hart.priv = p;
        riscv::hart_update_data_priv(hart);
    }

    // S and U reach memory only through a PMP entry (as the spec says and
    // QEMU does): this one, the last and weakest, grants them everything.
    void pmp_allow_all() {
        EXPECT_EQ(riscv::csr_write(hart, 0x3ef, ~0ull), riscv::CsrResult::Ok);         // pmpaddr63
        EXPECT_EQ(riscv::csr_write(hart, 0x3ae, 0x1full << 56), riscv::CsrResult::Ok); // NAPOT RWX
    }

    // Maps a device region at `addr` (outside RAM), for tests whose
    // devices act while the hart runs.
    void map_io(uint64_t addr, MemoryRegion* mr) { memory_region_add_subregion(&m_root, addr, mr); }
    void unmap_io(MemoryRegion* mr) { memory_region_del_subregion(&m_root, mr); }

    // Where the jump to itself after the last run()'s code is.
    uint64_t end() const { return m_end; }

    // Whether the last run() ended in a trap rather than after its code.
    bool trapped() const { return hart.pc != m_end; }

    uint8_t* host(uint64_t addr) { return m_ram.ram_ptr() + (addr - RAM_BASE); }
    void poke16(uint64_t addr, uint16_t v) { std::memcpy(host(addr), &v, 2); }
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
    struct Trap {
        uint64_t cause, epc, tval;
    };
    ::testing::AssertionResult trap_was(riscv::PrivLevel priv, uint64_t vector, Trap got,
                                        Trap want) const {
        if (hart.priv == priv && (hart.pc & ~0xffull) == vector && got.cause == want.cause &&
            got.epc == want.epc && got.tval == want.tval) {
            return ::testing::AssertionSuccess();
        }
        return ::testing::AssertionFailure() << fmt::format(
                   "priv {} pc 0x{:x} cause 0x{:x} epc 0x{:x} tval 0x{:x}; wanted priv {} cause "
                   "0x{:x} epc 0x{:x} tval 0x{:x}",
                   int(hart.priv), hart.pc, got.cause, got.epc, got.tval, int(priv), want.cause,
                   want.epc, want.tval);
    }

    void start(uint64_t end, size_t count) {
        poke32(end, JAL_SELF);
        m_end = end;
        riscv::hart_invalidate_code(hart, host(CODE), end + 4 - CODE);
        hart.pc = CODE;
        hart.mcause = hart.mepc = hart.mtval = 0;
        hart.scause = hart.sepc = hart.stval = 0;
        // The test may have changed mie, mip or the privilege behind the
        // hart's back: look for interrupts before the first instruction.
        hart.irq_check.store(true);
        resume(count + 1);
    }

    MemoryRegion m_root;
    MemoryRegion m_ram;
    AddressSpace m_as;
    uint64_t m_end = 0;

public:
    riscv::Hart hart; // declared last: goes before the memory it uses
};

// A small RV64 assembler: one function per instruction, operands in the
// order assembly writes them (lw(rd, imm, rs1) is "lw rd, imm(rs1)").
namespace rv {

// clang-format off
enum Reg : uint32_t {
    zero, ra, sp, gp, tp, t0, t1, t2, s0, s1, a0, a1, a2, a3, a4, a5,
    a6, a7, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, t3, t4, t5, t6,
};

// The base formats.
constexpr uint32_t r_type(uint32_t f7, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t rd,
                          uint32_t op) {
    return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}
constexpr uint32_t i_type(int32_t imm, uint32_t rs1, uint32_t f3, uint32_t rd, uint32_t op) {
    return (uint32_t(imm) & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}
constexpr uint32_t s_type(int32_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t op) {
    uint32_t u = uint32_t(imm) & 0xfff;
    return (u >> 5) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (u & 0x1f) << 7 | op;
}
constexpr uint32_t b_type(int32_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3) {
    uint32_t u = uint32_t(imm);
    return ((u >> 12) & 1) << 31 | ((u >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
           ((u >> 1) & 0xf) << 8 | ((u >> 11) & 1) << 7 | 0x63;
}
constexpr uint32_t u_type(uint32_t imm20, uint32_t rd, uint32_t op) {
    return (imm20 & 0xfffff) << 12 | rd << 7 | op;
}
constexpr uint32_t j_type(int32_t imm, uint32_t rd) {
    uint32_t u = uint32_t(imm);
    return ((u >> 20) & 1) << 31 | ((u >> 1) & 0x3ff) << 21 | ((u >> 11) & 1) << 20 |
           ((u >> 12) & 0xff) << 12 | rd << 7 | 0x6f;
}

constexpr uint32_t LOAD = 0x03, MISC_MEM = 0x0f, OP_IMM = 0x13, AUIPC = 0x17, OP_IMM_32 = 0x1b,
                   STORE = 0x23, AMO = 0x2f, OP = 0x33, LUI = 0x37, OP_32 = 0x3b, JALR = 0x67,
                   SYSTEM = 0x73;

// RV64I
constexpr uint32_t lui(Reg rd, uint32_t imm20) { return u_type(imm20, rd, LUI); }
constexpr uint32_t auipc(Reg rd, uint32_t imm20) { return u_type(imm20, rd, AUIPC); }
constexpr uint32_t jal(Reg rd, int32_t off) { return j_type(off, rd); }
constexpr uint32_t jalr(Reg rd, int32_t imm, Reg rs1) { return i_type(imm, rs1, 0, rd, JALR); }
constexpr uint32_t beq(Reg rs1, Reg rs2, int32_t off) { return b_type(off, rs2, rs1, 0); }
constexpr uint32_t bne(Reg rs1, Reg rs2, int32_t off) { return b_type(off, rs2, rs1, 1); }
constexpr uint32_t blt(Reg rs1, Reg rs2, int32_t off) { return b_type(off, rs2, rs1, 4); }
constexpr uint32_t bge(Reg rs1, Reg rs2, int32_t off) { return b_type(off, rs2, rs1, 5); }
constexpr uint32_t bltu(Reg rs1, Reg rs2, int32_t off) { return b_type(off, rs2, rs1, 6); }
constexpr uint32_t bgeu(Reg rs1, Reg rs2, int32_t off) { return b_type(off, rs2, rs1, 7); }
constexpr uint32_t lb(Reg rd, int32_t imm, Reg rs1) { return i_type(imm, rs1, 0, rd, LOAD); }
constexpr uint32_t lh(Reg rd, int32_t imm, Reg rs1) { return i_type(imm, rs1, 1, rd, LOAD); }
constexpr uint32_t lw(Reg rd, int32_t imm, Reg rs1) { return i_type(imm, rs1, 2, rd, LOAD); }
constexpr uint32_t ld(Reg rd, int32_t imm, Reg rs1) { return i_type(imm, rs1, 3, rd, LOAD); }
constexpr uint32_t lbu(Reg rd, int32_t imm, Reg rs1) { return i_type(imm, rs1, 4, rd, LOAD); }
constexpr uint32_t lhu(Reg rd, int32_t imm, Reg rs1) { return i_type(imm, rs1, 5, rd, LOAD); }
constexpr uint32_t lwu(Reg rd, int32_t imm, Reg rs1) { return i_type(imm, rs1, 6, rd, LOAD); }
constexpr uint32_t sb(Reg rs2, int32_t imm, Reg rs1) { return s_type(imm, rs2, rs1, 0, STORE); }
constexpr uint32_t sh(Reg rs2, int32_t imm, Reg rs1) { return s_type(imm, rs2, rs1, 1, STORE); }
constexpr uint32_t sw(Reg rs2, int32_t imm, Reg rs1) { return s_type(imm, rs2, rs1, 2, STORE); }
constexpr uint32_t sd(Reg rs2, int32_t imm, Reg rs1) { return s_type(imm, rs2, rs1, 3, STORE); }
constexpr uint32_t addi(Reg rd, Reg rs1, int32_t imm) { return i_type(imm, rs1, 0, rd, OP_IMM); }
constexpr uint32_t slti(Reg rd, Reg rs1, int32_t imm) { return i_type(imm, rs1, 2, rd, OP_IMM); }
constexpr uint32_t sltiu(Reg rd, Reg rs1, int32_t imm) { return i_type(imm, rs1, 3, rd, OP_IMM); }
constexpr uint32_t xori(Reg rd, Reg rs1, int32_t imm) { return i_type(imm, rs1, 4, rd, OP_IMM); }
constexpr uint32_t ori(Reg rd, Reg rs1, int32_t imm) { return i_type(imm, rs1, 6, rd, OP_IMM); }
constexpr uint32_t andi(Reg rd, Reg rs1, int32_t imm) { return i_type(imm, rs1, 7, rd, OP_IMM); }
constexpr uint32_t slli(Reg rd, Reg rs1, int32_t sh) { return i_type(sh, rs1, 1, rd, OP_IMM); }
constexpr uint32_t srli(Reg rd, Reg rs1, int32_t sh) { return i_type(sh, rs1, 5, rd, OP_IMM); }
constexpr uint32_t srai(Reg rd, Reg rs1, int32_t sh) {
    return i_type(0x400 | sh, rs1, 5, rd, OP_IMM);
}
constexpr uint32_t add(Reg rd, Reg rs1, Reg rs2) { return r_type(0, rs2, rs1, 0, rd, OP); }
constexpr uint32_t sub(Reg rd, Reg rs1, Reg rs2) { return r_type(0x20, rs2, rs1, 0, rd, OP); }
constexpr uint32_t sll(Reg rd, Reg rs1, Reg rs2) { return r_type(0, rs2, rs1, 1, rd, OP); }
constexpr uint32_t slt(Reg rd, Reg rs1, Reg rs2) { return r_type(0, rs2, rs1, 2, rd, OP); }
constexpr uint32_t sltu(Reg rd, Reg rs1, Reg rs2) { return r_type(0, rs2, rs1, 3, rd, OP); }
constexpr uint32_t xor_(Reg rd, Reg rs1, Reg rs2) { return r_type(0, rs2, rs1, 4, rd, OP); }
constexpr uint32_t srl(Reg rd, Reg rs1, Reg rs2) { return r_type(0, rs2, rs1, 5, rd, OP); }
constexpr uint32_t sra(Reg rd, Reg rs1, Reg rs2) { return r_type(0x20, rs2, rs1, 5, rd, OP); }
constexpr uint32_t or_(Reg rd, Reg rs1, Reg rs2) { return r_type(0, rs2, rs1, 6, rd, OP); }
constexpr uint32_t and_(Reg rd, Reg rs1, Reg rs2) { return r_type(0, rs2, rs1, 7, rd, OP); }
constexpr uint32_t addiw(Reg rd, Reg rs1, int32_t imm) {
    return i_type(imm, rs1, 0, rd, OP_IMM_32);
}
constexpr uint32_t slliw(Reg rd, Reg rs1, int32_t sh) { return i_type(sh, rs1, 1, rd, OP_IMM_32); }
constexpr uint32_t srliw(Reg rd, Reg rs1, int32_t sh) { return i_type(sh, rs1, 5, rd, OP_IMM_32); }
constexpr uint32_t sraiw(Reg rd, Reg rs1, int32_t sh) {
    return i_type(0x400 | sh, rs1, 5, rd, OP_IMM_32);
}
constexpr uint32_t addw(Reg rd, Reg rs1, Reg rs2) { return r_type(0, rs2, rs1, 0, rd, OP_32); }
constexpr uint32_t subw(Reg rd, Reg rs1, Reg rs2) { return r_type(0x20, rs2, rs1, 0, rd, OP_32); }
constexpr uint32_t sllw(Reg rd, Reg rs1, Reg rs2) { return r_type(0, rs2, rs1, 1, rd, OP_32); }
constexpr uint32_t srlw(Reg rd, Reg rs1, Reg rs2) { return r_type(0, rs2, rs1, 5, rd, OP_32); }
constexpr uint32_t sraw(Reg rd, Reg rs1, Reg rs2) { return r_type(0x20, rs2, rs1, 5, rd, OP_32); }
constexpr uint32_t fence() { return 0x0ff0000f; } // fence iorw, iorw
constexpr uint32_t fence_i() { return 0x0000100f; }
constexpr uint32_t ecall() { return 0x00000073; }
constexpr uint32_t ebreak() { return 0x00100073; }
constexpr uint32_t nop() { return addi(zero, zero, 0); }

// M
constexpr uint32_t muldiv(uint32_t f3, Reg rd, Reg rs1, Reg rs2, uint32_t op = OP) {
    return r_type(1, rs2, rs1, f3, rd, op);
}
constexpr uint32_t mul(Reg rd, Reg rs1, Reg rs2) { return muldiv(0, rd, rs1, rs2); }
constexpr uint32_t mulh(Reg rd, Reg rs1, Reg rs2) { return muldiv(1, rd, rs1, rs2); }
constexpr uint32_t mulhsu(Reg rd, Reg rs1, Reg rs2) { return muldiv(2, rd, rs1, rs2); }
constexpr uint32_t mulhu(Reg rd, Reg rs1, Reg rs2) { return muldiv(3, rd, rs1, rs2); }
constexpr uint32_t div(Reg rd, Reg rs1, Reg rs2) { return muldiv(4, rd, rs1, rs2); }
constexpr uint32_t divu(Reg rd, Reg rs1, Reg rs2) { return muldiv(5, rd, rs1, rs2); }
constexpr uint32_t rem(Reg rd, Reg rs1, Reg rs2) { return muldiv(6, rd, rs1, rs2); }
constexpr uint32_t remu(Reg rd, Reg rs1, Reg rs2) { return muldiv(7, rd, rs1, rs2); }
constexpr uint32_t mulw(Reg rd, Reg rs1, Reg rs2) { return muldiv(0, rd, rs1, rs2, OP_32); }
constexpr uint32_t divw(Reg rd, Reg rs1, Reg rs2) { return muldiv(4, rd, rs1, rs2, OP_32); }
constexpr uint32_t divuw(Reg rd, Reg rs1, Reg rs2) { return muldiv(5, rd, rs1, rs2, OP_32); }
constexpr uint32_t remw(Reg rd, Reg rs1, Reg rs2) { return muldiv(6, rd, rs1, rs2, OP_32); }
constexpr uint32_t remuw(Reg rd, Reg rs1, Reg rs2) { return muldiv(7, rd, rs1, rs2, OP_32); }

// A: amo(funct5, width, ...) is "amo<op>.<w|d> rd, rs2, (rs1)"; width 2 is .w, 3 is .d.
enum AmoOp : uint32_t {
    AMOADD = 0x00, AMOSWAP = 0x01, LR = 0x02, SC = 0x03, AMOXOR = 0x04,
    AMOOR = 0x08, AMOAND = 0x0c, AMOMIN = 0x10, AMOMAX = 0x14, AMOMINU = 0x18, AMOMAXU = 0x1c,
};
constexpr uint32_t amo(AmoOp f5, uint32_t width, Reg rd, Reg rs2, Reg rs1) {
    return r_type(f5 << 2, rs2, rs1, width, rd, AMO);
}
constexpr uint32_t lr_w(Reg rd, Reg rs1) { return amo(LR, 2, rd, zero, rs1); }
constexpr uint32_t lr_d(Reg rd, Reg rs1) { return amo(LR, 3, rd, zero, rs1); }
constexpr uint32_t sc_w(Reg rd, Reg rs2, Reg rs1) { return amo(SC, 2, rd, rs2, rs1); }
constexpr uint32_t sc_d(Reg rd, Reg rs2, Reg rs1) { return amo(SC, 3, rd, rs2, rs1); }

// Zicsr and the privileged instructions.
constexpr uint32_t csr_op(uint32_t f3, Reg rd, uint32_t csr, uint32_t rs1) {
    return csr << 20 | rs1 << 15 | f3 << 12 | uint32_t(rd) << 7 | SYSTEM;
}
constexpr uint32_t csrrw(Reg rd, uint32_t csr, Reg rs1) { return csr_op(1, rd, csr, rs1); }
constexpr uint32_t csrrs(Reg rd, uint32_t csr, Reg rs1) { return csr_op(2, rd, csr, rs1); }
constexpr uint32_t csrrc(Reg rd, uint32_t csr, Reg rs1) { return csr_op(3, rd, csr, rs1); }
constexpr uint32_t csrrwi(Reg rd, uint32_t csr, uint32_t uimm) { return csr_op(5, rd, csr, uimm); }
constexpr uint32_t csrrsi(Reg rd, uint32_t csr, uint32_t uimm) { return csr_op(6, rd, csr, uimm); }
constexpr uint32_t csrrci(Reg rd, uint32_t csr, uint32_t uimm) { return csr_op(7, rd, csr, uimm); }
constexpr uint32_t csrr(Reg rd, uint32_t csr) { return csrrs(rd, csr, zero); }
constexpr uint32_t csrw(uint32_t csr, Reg rs1) { return csrrw(zero, csr, rs1); }
constexpr uint32_t sret() { return 0x10200073; }
constexpr uint32_t mret() { return 0x30200073; }
constexpr uint32_t wfi() { return 0x10500073; }
constexpr uint32_t sfence_vma(Reg rs1, Reg rs2) { return r_type(0x09, rs2, rs1, 0, 0, SYSTEM); }

// CSR numbers, for csrr(a0, MSTATUS) and the like.
enum Csr : uint32_t {
    CYCLE = 0xc00, TIME = 0xc01, INSTRET = 0xc02,
    SSTATUS = 0x100, SIE = 0x104, STVEC = 0x105, SCOUNTEREN = 0x106, SSCRATCH = 0x140,
    SEPC = 0x141, SCAUSE = 0x142, STVAL = 0x143, SIP = 0x144, SATP = 0x180,
    MVENDORID = 0xf11, MHARTID = 0xf14,
    MSTATUS = 0x300, MISA = 0x301, MEDELEG = 0x302, MIDELEG = 0x303, MIE = 0x304, MTVEC = 0x305,
    MCOUNTEREN = 0x306, MSTATUSH = 0x310, MSCRATCH = 0x340, MEPC = 0x341, MCAUSE = 0x342,
    MTVAL = 0x343, MIP = 0x344, MCYCLE = 0xb00, MINSTRET = 0xb02,
    PMPCFG0 = 0x3a0, PMPCFG1 = 0x3a1, PMPCFG2 = 0x3a2, PMPCFG3 = 0x3a3, PMPCFG14 = 0x3ae,
    PMPADDR0 = 0x3b0,
};

// clang-format on

} // namespace rv

// Page tables (Sv39 with 3 levels, Sv48 with 4) in the harness's PAGES.
class PageTables {
public:
    static constexpr uint64_t V = 1, R = 2, W = 4, X = 8, U = 16, A = 64, D = 128;

    // The tables take pages from `first` on.
    PageTables(HartHarness& t, int levels, uint64_t first = HartHarness::PAGES)
        : m_t(t), m_levels(levels), m_next(first) {
        m_root = alloc();
    }

    // The satp value that selects these tables.
    uint64_t satp() const { return uint64_t(m_levels == 3 ? 8 : 9) << 60 | m_root >> 12; }

    // Maps the page at `va` (a superpage when level > 0) to `pa` with the
    // PTE bits `flags`; returns the address of its PTE.
    uint64_t map(uint64_t va, uint64_t pa, uint64_t flags, int level = 0) {
        uint64_t table = m_root;
        for (int l = m_levels - 1; l > level; l--) {
            uint64_t slot = table + index(va, l) * 8;
            if (!(m_t.peek64(slot) & V)) m_t.poke64(slot, alloc() >> 12 << 10 | V);
            table = m_t.peek64(slot) >> 10 << 12;
        }
        uint64_t slot = table + index(va, level) * 8;
        m_t.poke64(slot, pa >> 12 << 10 | flags);
        return slot;
    }

private:
    static uint64_t index(uint64_t va, int level) { return (va >> (12 + 9 * level)) & 0x1ff; }
    uint64_t alloc() {
        uint64_t page = m_next;
        m_next += 0x1000;
        EXPECT_LE(m_next, HartHarness::PAGES + HartHarness::PAGES_SIZE) << "out of pages";
        std::memset(m_t.host(page), 0, 0x1000);
        return page;
    }

    HartHarness& m_t;
    int m_levels;
    uint64_t m_next;
    uint64_t m_root = 0;
};

} // namespace mq::test
