// RV64I, M, A, C and Zicsr, instruction by instruction: each test assembles a few
// instructions (hart_harness.h), runs them on a hart in M-mode and checks
// the registers, memory, pc, and the traps the spec asks for.
#include "hw/cpu/riscv/insn-table.h"
#include "tests/unit/hart_harness.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <vector>

using namespace mq;
using namespace mq::riscv;
using namespace mq::test::rv;

namespace {

constexpr uint64_t CODE = test::HartHarness::CODE;
constexpr uint64_t TRAP = test::HartHarness::TRAP;
constexpr uint64_t DATA = test::HartHarness::DATA;
constexpr uint64_t RAM_END = test::HartHarness::RAM_BASE + test::HartHarness::RAM_SIZE;
constexpr uint32_t JAL_SELF = test::HartHarness::JAL_SELF;
constexpr uint64_t GARBAGE = 0x5555555555555555ull;
constexpr uint64_t MIN64 = 0x8000000000000000ull;

class RiscvInsn : public ::testing::Test {
protected:
    // One operation: a0 = op(a1, a2).
    struct Case {
        uint32_t insn;
        uint64_t a, b, want;
    };

    void check(std::initializer_list<Case> cases) {
        for (const Case& c : cases) {
            h.x.set(a1, c.a);
            h.x.set(a2, c.b);
            h.x.set(a0, GARBAGE);
            t.run({c.insn});
            std::string what =
                fmt::format("{} with a1=0x{:x} a2=0x{:x}", disassemble(c.insn, 0), c.a, c.b);
            EXPECT_FALSE(t.trapped()) << what << ": mcause " << h.mcause;
            EXPECT_EQ(h.x[a0], c.want) << what;
        }
    }

    // Runs `insns`: did the first trap have this cause, mepc and mtval?
    ::testing::AssertionResult traps(std::initializer_list<uint32_t> insns, uint64_t cause,
                                     uint64_t epc, uint64_t tval) {
        t.run(insns);
        return t.trapped_to_m(cause, epc, tval);
    }

    test::HartHarness t;
    Hart& h = t.hart;
};

uint64_t sx32(uint64_t v) {
    return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(v)));
}
uint64_t neg(int64_t v) { return static_cast<uint64_t>(v); }

} // namespace

// --- RV64I: arithmetic ---

TEST_F(RiscvInsn, RegisterRegister) {
    check({
        {add(a0, a1, a2), 1, 2, 3},
        {add(a0, a1, a2), ~0ull, 1, 0},
        {sub(a0, a1, a2), 1, 2, ~0ull},
        {sub(a0, a1, a2), MIN64, 1, MIN64 - 1},
        {sll(a0, a1, a2), 1, 63, MIN64},
        {sll(a0, a1, a2), 1, 64 + 3, 8},   // only rs2[5:0] counts
        {sll(a0, a1, a2), 1, neg(-63), 2}, //
        {srl(a0, a1, a2), MIN64, 63, 1},
        {srl(a0, a1, a2), MIN64, 65, MIN64 >> 1},
        {sra(a0, a1, a2), MIN64, 63, ~0ull},
        {sra(a0, a1, a2), MIN64, 0x100, MIN64},
        {sra(a0, a1, a2), 0x4000000000000000, 62, 1},
        {slt(a0, a1, a2), neg(-1), 1, 1},
        {slt(a0, a1, a2), 1, neg(-1), 0},
        {slt(a0, a1, a2), MIN64, MIN64 - 1, 1},
        {slt(a0, a1, a2), 5, 5, 0},
        {sltu(a0, a1, a2), neg(-1), 1, 0},
        {sltu(a0, a1, a2), 1, neg(-1), 1},
        {sltu(a0, a1, a2), 0, 0, 0},
        {xor_(a0, a1, a2), 0xff00ff00, 0x0ff00ff0, 0xf0f0f0f0},
        {or_(a0, a1, a2), 0xff00ff00, 0x0ff00ff0, 0xfff0fff0},
        {and_(a0, a1, a2), 0xff00ff00, 0x0ff00ff0, 0x0f000f00},
    });
}

TEST_F(RiscvInsn, RegisterImmediate) {
    check({
        {addi(a0, a1, -1), 0, 0, ~0ull},
        {addi(a0, a1, 2047), 1, 0, 2048},
        {addi(a0, a1, -2048), 0, 0, neg(-2048)},
        {slti(a0, a1, 0), neg(-1), 0, 1},
        {slti(a0, a1, -2048), neg(-2047), 0, 0},
        {slti(a0, a1, -1), neg(-2), 0, 1},
        {sltiu(a0, a1, -1), 5, 0, 1}, // the immediate is sign-extended, then unsigned
        {sltiu(a0, a1, -1), ~0ull, 0, 0},
        {sltiu(a0, a1, 1), 0, 0, 1},               // seqz
        {xori(a0, a1, -1), 0x1234, 0, ~0x1234ull}, // not
        {ori(a0, a1, -16), 1, 0, neg(-15)},
        {andi(a0, a1, -16), ~0ull, 0, neg(-16)},
        {andi(a0, a1, 0x7ff), ~0ull, 0, 0x7ff},
        {slli(a0, a1, 63), 3, 0, MIN64},
        {slli(a0, a1, 0), 3, 0, 3},
        {srli(a0, a1, 63), ~0ull, 0, 1},
        {srli(a0, a1, 32), ~0ull, 0, 0xffffffff},
        {srai(a0, a1, 63), MIN64, 0, ~0ull},
        {srai(a0, a1, 4), 0x8000000000000010, 0, 0xf800000000000001},
    });
}

// The W forms work on the low 32 bits and sign-extend their result.
TEST_F(RiscvInsn, WordOperationsSignExtend) {
    check({
        {addw(a0, a1, a2), 0x7fffffff, 1, 0xffffffff80000000},
        {addw(a0, a1, a2), 0x1234567800000001, 0xff00000000000000, 1},
        {subw(a0, a1, a2), 0, 1, ~0ull},
        {subw(a0, a1, a2), 0x80000000, 0, 0xffffffff80000000},
        {sllw(a0, a1, a2), 1, 31, 0xffffffff80000000},
        {sllw(a0, a1, a2), 1, 32, 1}, // only rs2[4:0] counts
        {sllw(a0, a1, a2), 1, 33, 2},
        {srlw(a0, a1, a2), 0xffffffff80000000, 31, 1},
        {srlw(a0, a1, a2), 0x80000000, 0, 0xffffffff80000000},
        {srlw(a0, a1, a2), ~0ull, 1, 0x7fffffff},
        {srlw(a0, a1, a2), ~0ull, 33, 0x7fffffff},
        {sraw(a0, a1, a2), 0x80000000, 31, ~0ull},
        {sraw(a0, a1, a2), 0x1234567800000010, 4, 1},
        {sraw(a0, a1, a2), 0x80000000, 36, 0xfffffffff8000000},
        {addiw(a0, a1, 1), 0x7fffffff, 0, 0xffffffff80000000},
        {addiw(a0, a1, 0), 0x123456789abcdef0, 0, 0xffffffff9abcdef0}, // sext.w
        {addiw(a0, a1, -1), 0, 0, ~0ull},
        {slliw(a0, a1, 31), 1, 0, 0xffffffff80000000},
        {slliw(a0, a1, 4), 0xf0000001, 0, 0x10},
        {srliw(a0, a1, 31), 0x80000000, 0, 1},
        {srliw(a0, a1, 0), 0x80000000, 0, 0xffffffff80000000},
        {srliw(a0, a1, 4), 0xffffffff00000000, 0, 0},
        {sraiw(a0, a1, 31), 0x80000000, 0, ~0ull},
        {sraiw(a0, a1, 4), 0x1234567880000000, 0, 0xfffffffff8000000},
    });
}

TEST_F(RiscvInsn, LuiAndAuipc) {
    t.run({lui(a0, 0x12345), lui(a1, 0x80000), auipc(a2, 0), auipc(a3, 0xfffff), auipc(a4, 1)});
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(h.x[a0], 0x12345000u);
    EXPECT_EQ(h.x[a1], 0xffffffff80000000) << "lui sign-extends on RV64";
    EXPECT_EQ(h.x[a2], CODE + 8);
    EXPECT_EQ(h.x[a3], CODE + 12 - 0x1000);
    EXPECT_EQ(h.x[a4], CODE + 16 + 0x1000);
}

TEST_F(RiscvInsn, ZeroRegisterStaysZero) {
    h.x.set(a1, 7);
    h.x.set(a2, DATA);
    t.run({addi(zero, a1, 5), lui(zero, 1), add(a0, zero, a1), jal(zero, 4), ld(zero, 0, a2),
           auipc(zero, 1), or_(a3, zero, zero)});
    EXPECT_EQ(h.x[zero], 0u);
    EXPECT_EQ(h.x[a0], 7u);
    EXPECT_EQ(h.x[a3], 0u);
}

// Every row of every table, with rd = x0 and its other fields from a fixed
// pattern: x0 reads as zero afterwards, whatever the row writes (the block
// builder turns a decoded x0 destination into a slot nothing reads).
TEST(RiscvInsnRows, NoRowWritesX0) {
    for (const auto& table : insn_tables()) {
        for (const InsnDesc& d : table) {
            test::HartHarness t;
            Hart& h = t.hart;
            h.isa.exts = isa_max_exts();
            h.mstatus |= MSTATUS_FS; // FS dirty: FP rows run
            for (unsigned r = 1; r < 32; r++)
                h.x.set(r, DATA + 8 * r);
            const uint32_t raw = (d.match | (0x1234a678u & ~d.mask)) & ~(0x1fu << 7 & ~d.mask);
            t.run({raw, add(a0, zero, zero), addi(a1, zero, 0)});
            EXPECT_EQ(h.x[zero], 0u) << d.name << " " << disassemble(raw, 0);
            if (!t.trapped()) {
                EXPECT_EQ(h.x[a1], 0u) << d.name << ": a later instruction read x0 as nonzero";
            }
        }
    }
}

// --- RV64I: control transfer ---

TEST_F(RiscvInsn, BranchesTakenAndNotTaken) {
    struct B {
        uint32_t (*op)(Reg, Reg, int32_t);
        const char* name;
        uint64_t a, b;
        bool taken;
    };
    const B cases[] = {
        {beq, "beq", 5, 5, true},         {beq, "beq", 5, 6, false},
        {bne, "bne", 5, 6, true},         {bne, "bne", 5, 5, false},
        {blt, "blt", neg(-1), 1, true},   {blt, "blt", 1, neg(-1), false},
        {blt, "blt", 3, 3, false},        {bge, "bge", 3, 3, true},
        {bge, "bge", neg(-1), 1, false},  {bge, "bge", 1, MIN64, true},
        {bltu, "bltu", 1, neg(-1), true}, {bltu, "bltu", neg(-1), 1, false},
        {bgeu, "bgeu", neg(-1), 1, true}, {bgeu, "bgeu", 0, 1, false},
        {bgeu, "bgeu", 0, 0, true},
    };
    for (const B& c : cases) {
        h.x.set(a1, c.a);
        h.x.set(a2, c.b);
        // Forward: to the second jump-to-self when taken, the first when not.
        t.run({c.op(a1, a2, 8), JAL_SELF, JAL_SELF});
        EXPECT_EQ(h.pc, c.taken ? CODE + 8 : CODE + 4) << c.name << " " << c.a << "," << c.b;
        // Backward.
        t.run({jal(zero, 8), JAL_SELF, c.op(a1, a2, -4), JAL_SELF});
        EXPECT_EQ(h.pc, c.taken ? CODE + 4 : CODE + 12) << c.name << " " << c.a << "," << c.b;
    }
}

TEST_F(RiscvInsn, JalLinksAndJumps) {
    t.run({jal(ra, 8), JAL_SELF, addi(a0, zero, 1)});
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(h.x[ra], CODE + 4);
    EXPECT_EQ(h.x[a0], 1u);
    // Backward, and with rd = x0 nothing is linked.
    h.x.set(ra, 0);
    t.run({jal(zero, 12), JAL_SELF, JAL_SELF, addi(a0, zero, 2), jal(zero, -12)});
    EXPECT_EQ(h.pc, CODE + 4);
    EXPECT_EQ(h.x[a0], 2u);
    EXPECT_EQ(h.x[ra], 0u);
}

TEST_F(RiscvInsn, JalrClearsBitZero) {
    h.x.set(a1, CODE + 8);
    t.run({jalr(ra, 1, a1), JAL_SELF, JAL_SELF});
    EXPECT_EQ(h.pc, CODE + 8) << "target (a1 + 1) & ~1";
    EXPECT_EQ(h.x[ra], CODE + 4);
    // rd == rs1: the target uses the old value.
    h.x.set(a1, CODE + 16);
    t.run({jalr(a1, -8, a1), JAL_SELF, JAL_SELF});
    EXPECT_EQ(h.pc, CODE + 8);
    EXPECT_EQ(h.x[a1], CODE + 4);
}

// --- RV64I: loads and stores ---

TEST_F(RiscvInsn, LoadsExtendByWidth) {
    t.poke64(DATA, 0xf0e0d0c0b0a09080);
    t.poke64(DATA + 8, 0x7060504030201000);
    h.x.set(a1, DATA + 16);
    check({
        {lb(a0, -16, a1), DATA + 16, 0, 0xffffffffffffff80},
        {lbu(a0, -16, a1), DATA + 16, 0, 0x80},
        {lh(a0, -16, a1), DATA + 16, 0, 0xffffffffffff9080},
        {lhu(a0, -16, a1), DATA + 16, 0, 0x9080},
        {lw(a0, -16, a1), DATA + 16, 0, 0xffffffffb0a09080},
        {lwu(a0, -16, a1), DATA + 16, 0, 0xb0a09080},
        {ld(a0, -16, a1), DATA + 16, 0, 0xf0e0d0c0b0a09080},
        {lb(a0, 9, a1), DATA, 0, 0x10},
        {lh(a0, 8, a1), DATA, 0, 0x1000},
        {lw(a0, 12, a1), DATA, 0, 0x70605040},
    });
}

// Misaligned loads and stores to RAM are done, not trapped (as QEMU does),
// also across a page boundary.
TEST_F(RiscvInsn, MisalignedAccessesInRam) {
    for (uint64_t i = 0; i < 16; i++)
        t.host(DATA + 0xff8)[i] = static_cast<uint8_t>(0x11 * i);
    check({
        {ld(a0, 1, a1), DATA + 0xff8, 0, 0x8877665544332211},
        {lw(a0, 3, a1), DATA + 0xff8, 0, 0x66554433},
        {lh(a0, 7, a1), DATA + 0xff8, 0, 0xffffffffffff8877},
        {ld(a0, 5, a1), DATA + 0xff8, 0, 0xccbbaa9988776655}, // crosses into the next page
        {lwu(a0, 6, a1), DATA + 0xff8, 0, 0x99887766},
    });
    h.x.set(a1, DATA + 0xffd);
    h.x.set(a2, 0x0102030405060708);
    t.run({sd(a2, 0, a1), sw(a2, 9, a1), sh(a2, -3, a1)});
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(t.peek64(DATA + 0xffd), 0x0102030405060708u);
    EXPECT_EQ(t.peek32(DATA + 0x1006), 0x05060708u);
    EXPECT_EQ(t.peek32(DATA + 0xffa) & 0xffff, 0x0708u);
}

TEST_F(RiscvInsn, StoresWriteOnlyTheirBytes) {
    h.x.set(a1, DATA);
    h.x.set(a2, 0x8877665544332211);
    for (auto [insn, want] : std::vector<std::pair<uint32_t, uint64_t>>{
             {sb(a2, 0, a1), 0xaaaaaaaaaaaaaa11},
             {sh(a2, 0, a1), 0xaaaaaaaaaaaa2211},
             {sw(a2, 0, a1), 0xaaaaaaaa44332211},
             {sd(a2, 0, a1), 0x8877665544332211},
             {sb(a2, 7, a1), 0x11aaaaaaaaaaaaaa},
             {sw(a2, 2, a1), 0xaaaa44332211aaaa},
         }) {
        t.poke64(DATA, 0xaaaaaaaaaaaaaaaa);
        t.run({insn});
        EXPECT_FALSE(t.trapped());
        EXPECT_EQ(t.peek64(DATA), want) << disassemble(insn, 0);
    }
    // And a load sees what a store wrote.
    t.run({sd(a2, 64, a1), ld(a0, 64, a1)});
    EXPECT_EQ(h.x[a0], 0x8877665544332211u);
}

// --- M ---

TEST_F(RiscvInsn, Multiply) {
    check({
        {mul(a0, a1, a2), neg(-2), 3, neg(-6)},
        {mul(a0, a1, a2), MIN64, 2, 0},
        {mul(a0, a1, a2), 0x100000001, 0x100000001, 0x200000001},
        {mulh(a0, a1, a2), neg(-2), 3, ~0ull},
        {mulh(a0, a1, a2), neg(-1), neg(-1), 0},
        {mulh(a0, a1, a2), MIN64, MIN64, 0x4000000000000000},
        {mulh(a0, a1, a2), MIN64, 1, ~0ull},
        {mulhsu(a0, a1, a2), neg(-1), ~0ull, ~0ull}, // -1 * (2^64 - 1)
        {mulhsu(a0, a1, a2), 2, ~0ull, 1},
        {mulhsu(a0, a1, a2), neg(-2), 3, ~0ull},
        {mulhsu(a0, a1, a2), MIN64, MIN64, 0xc000000000000000},
        {mulhu(a0, a1, a2), ~0ull, ~0ull, 0xfffffffffffffffe},
        {mulhu(a0, a1, a2), neg(-2), 3, 2},
        {mulhu(a0, a1, a2), MIN64, 2, 1},
        {mulw(a0, a1, a2), 0x7fffffff, 2, 0xfffffffffffffffe},
        {mulw(a0, a1, a2), 0x1234567800000003, 0xff00000000000005, 15},
        {mulw(a0, a1, a2), 0x10000, 0x10000, 0},
    });
}

// Division never traps: by zero and the one overflow have defined results.
TEST_F(RiscvInsn, Divide) {
    check({
        {div(a0, a1, a2), 7, neg(-2), neg(-3)}, // rounds toward zero
        {div(a0, a1, a2), neg(-7), 2, neg(-3)},
        {div(a0, a1, a2), 7, 0, ~0ull},
        {div(a0, a1, a2), MIN64, neg(-1), MIN64},
        {divu(a0, a1, a2), 7, 2, 3},
        {divu(a0, a1, a2), ~0ull, 2, 0x7fffffffffffffff},
        {divu(a0, a1, a2), 7, 0, ~0ull},
        {rem(a0, a1, a2), 7, neg(-2), 1}, // the sign of the dividend
        {rem(a0, a1, a2), neg(-7), 2, neg(-1)},
        {rem(a0, a1, a2), 7, 0, 7},
        {rem(a0, a1, a2), MIN64, neg(-1), 0},
        {remu(a0, a1, a2), 7, 2, 1},
        {remu(a0, a1, a2), neg(-7), 0, neg(-7)},
        {divw(a0, a1, a2), neg(-7), 2, neg(-3)},
        {divw(a0, a1, a2), 0x100000007, 2, 3},
        {divw(a0, a1, a2), 0x80000000, neg(-1), 0xffffffff80000000},
        {divw(a0, a1, a2), 5, 0x100000000, ~0ull}, // the divisor's low word is zero
        {divuw(a0, a1, a2), 0xffffffff, 1, ~0ull},
        {divuw(a0, a1, a2), 0x80000000, 1, 0xffffffff80000000},
        {divuw(a0, a1, a2), 7, 0, ~0ull},
        {divuw(a0, a1, a2), 0xffffffff00000008, 2, 4},
        {remw(a0, a1, a2), neg(-7), 2, neg(-1)},
        {remw(a0, a1, a2), 0x80000000, neg(-1), 0},
        {remw(a0, a1, a2), 0x80000000, 0, 0xffffffff80000000},
        {remw(a0, a1, a2), 0x100000007, 0x100000004, 3},
        {remuw(a0, a1, a2), 7, 2, 1},
        {remuw(a0, a1, a2), 0x180000000, 0, 0xffffffff80000000},
        {remuw(a0, a1, a2), 0xfffffffe, 0xffffffff, 0xfffffffffffffffe},
    });
}

// --- A ---

TEST_F(RiscvInsn, LoadReservedStoreConditional) {
    t.poke64(DATA, 0x00000000fffffff0);
    h.x.set(a1, DATA);
    h.x.set(a2, 0x1234);
    t.run({lr_w(a0, a1), sc_w(a3, a2, a1), sc_w(a4, zero, a1)});
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(h.x[a0], 0xfffffffffffffff0) << "lr.w sign-extends";
    EXPECT_EQ(h.x[a3], 0u) << "the first sc succeeds";
    EXPECT_EQ(h.x[a4], 1u) << "sc ends the reservation, so a second one fails";
    EXPECT_EQ(t.peek64(DATA), 0x1234u);

    // sc without lr fails and stores nothing.
    t.run({sc_d(a3, zero, a1)});
    EXPECT_EQ(h.x[a3], 1u);
    EXPECT_EQ(t.peek64(DATA), 0x1234u);

    // A reservation for another address.
    h.x.set(a5, DATA + 8);
    t.run({lr_d(a0, a5), sc_d(a3, a2, a1)});
    EXPECT_EQ(h.x[a3], 1u);

    // lr.d/sc.d.
    t.poke64(DATA + 8, MIN64);
    h.x.set(a2, 0x1122334455667788);
    t.run({lr_d(a0, a5), sc_d(a3, a2, a5)});
    EXPECT_EQ(h.x[a0], MIN64);
    EXPECT_EQ(h.x[a3], 0u);
    EXPECT_EQ(t.peek64(DATA + 8), 0x1122334455667788u);

    // A trap in between breaks the reservation.
    t.run({lr_d(a0, a5)});
    t.run({ecall()});
    t.run({sc_d(a3, zero, a5)});
    EXPECT_EQ(h.x[a3], 1u);
}

TEST_F(RiscvInsn, EveryAmoReturnsTheOldValueAndStoresTheNew) {
    struct A {
        AmoOp op;
        const char* name;
        uint64_t mem, src, stored; // for .d; .w uses the same in 32 bits
    };
    // Values where signed and unsigned order disagree.
    constexpr uint64_t NEG = 0x8000000000000001, POS = 5;
    const A cases[] = {
        {AMOSWAP, "swap", NEG, POS, POS},     {AMOADD, "add", NEG, POS, NEG + POS},
        {AMOXOR, "xor", 0xff0, 0x0ff, 0xf0f}, {AMOAND, "and", 0xff0, 0x0ff, 0x0f0},
        {AMOOR, "or", 0xff0, 0x0ff, 0xfff},   {AMOMIN, "min", NEG, POS, NEG},
        {AMOMAX, "max", NEG, POS, POS},       {AMOMINU, "minu", NEG, POS, POS},
        {AMOMAXU, "maxu", NEG, POS, NEG},
    };
    h.x.set(a1, DATA);
    for (const A& c : cases) {
        // .d
        t.poke64(DATA, c.mem);
        h.x.set(a2, c.src);
        t.run({amo(c.op, 3, a0, a2, a1)});
        EXPECT_FALSE(t.trapped()) << c.name;
        EXPECT_EQ(h.x[a0], c.mem) << "amo" << c.name << ".d";
        EXPECT_EQ(t.peek64(DATA), c.stored) << "amo" << c.name << ".d";
        // .w: the 32-bit versions of the same values; the word above is untouched.
        auto w = [](uint64_t v) { return (v >> 32 ? 0x80000000u : 0) | (v & 0x7fffffff); };
        t.poke64(DATA, 0xabcdef0000000000 | w(c.mem));
        h.x.set(a2, 0x5555555500000000 | w(c.src));
        t.run({amo(c.op, 2, a0, a2, a1)});
        EXPECT_EQ(h.x[a0], sx32(w(c.mem))) << "amo" << c.name << ".w sign-extends";
        EXPECT_EQ(t.peek32(DATA), w(c.stored)) << "amo" << c.name << ".w";
        EXPECT_EQ(t.peek32(DATA + 4), 0xabcdef00u) << "amo" << c.name << ".w";
    }
    // rd = x0 still does the store.
    t.poke64(DATA, 1);
    h.x.set(a2, 2);
    t.run({amo(AMOADD, 3, zero, a2, a1)});
    EXPECT_EQ(t.peek64(DATA), 3u);
    EXPECT_EQ(h.x[zero], 0u);
}

TEST_F(RiscvInsn, AmoFaults) {
    h.x.set(a1, DATA + 4);
    EXPECT_TRUE(traps({amo(AMOADD, 3, a0, a2, a1)}, EXCP_STORE_AMO_ADDR_MIS, CODE, DATA + 4));
    h.x.set(a1, DATA + 2);
    EXPECT_TRUE(traps({amo(AMOSWAP, 2, a0, a2, a1)}, EXCP_STORE_AMO_ADDR_MIS, CODE, DATA + 2));
    EXPECT_TRUE(traps({sc_w(a0, a2, a1)}, EXCP_STORE_AMO_ADDR_MIS, CODE, DATA + 2));
    EXPECT_TRUE(traps({lr_w(a0, a1)}, EXCP_LOAD_ADDR_MIS, CODE, DATA + 2));
    h.x.set(a1, 0x1000);
    EXPECT_TRUE(traps({amo(AMOOR, 2, a0, a2, a1)}, EXCP_STORE_AMO_ACCESS_FAULT, CODE, 0x1000));
    EXPECT_TRUE(traps({lr_d(a0, a1)}, EXCP_LOAD_ACCESS_FAULT, CODE, 0x1000));
}

// --- C, executed ---

TEST_F(RiscvInsn, CompressedArithmetic) {
    h.x.set(a1, 0x10);
    t.run16({
        0x4515, // c.li a0, 5
        0x0505, // c.addi a0, 1
        0x050a, // c.slli a0, 2          a0 = 24
        0x862a, // c.mv a2, a0
        0x962e, // c.add a2, a1          a2 = 40
        0x8d0d, // c.sub a0, a1          a0 = 8
        0x6685, // c.lui a3, 1           a3 = 0x1000
        0x36fd, // c.addiw a3, -1        a3 = 0xfff
        0x8ead, // c.xor a3, a1          a3 = 0xfef
        0x9a81, // c.andi a3, -32        a3 = 0xfe0
        0x8285, // c.srli a3, 1          a3 = 0x7f0
        0x5779, // c.li a4, -2
        0x8709, // c.srai a4, 2          a4 = -1
    });
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(h.x[a0], 8u);
    EXPECT_EQ(h.x[a2], 40u);
    EXPECT_EQ(h.x[a3], 0x7f0u);
    EXPECT_EQ(h.x[a4], ~0ull);
    EXPECT_EQ(h.pc, CODE + 26);
}

TEST_F(RiscvInsn, CompressedLoadsStoresAndJumps) {
    h.x.set(sp, DATA);
    h.x.set(a1, DATA + 0x100);
    h.x.set(a0, 0xfedcba9876543210);
    t.run16({
        0xe82a, // c.sdsp a0, 16(sp)
        0x6642, // c.ldsp a2, 16(sp)
        0xc188, // c.sw a0, 0(a1)
        0x4194, // c.lw a3, 0(a1)      sign-extends 0x76543210
        0x0818, // c.addi4spn a4, sp, 16
        0xa011, // c.j +4: skips the next parcel
        0x4781, // c.li a5, 0 (skipped)
        0xc111, // c.beqz a0, +4: not taken
        0x4785, // c.li a5, 1
    });
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(t.peek64(DATA + 16), 0xfedcba9876543210u);
    EXPECT_EQ(h.x[a2], 0xfedcba9876543210u);
    EXPECT_EQ(h.x[a3], 0x76543210u);
    EXPECT_EQ(h.x[a4], DATA + 16);
    EXPECT_EQ(h.x[a5], 1u);

    // c.jalr links to pc + 2; c.jr returns.
    h.x.set(a0, CODE + 6);
    t.run16({0x9502, 0x4601, 0xa011, 0x8082}); // c.jalr a0; c.li a2,0; c.j +4; c.jr ra
    EXPECT_EQ(h.x[ra], CODE + 2);
    EXPECT_EQ(h.pc, CODE + 8);
}

TEST_F(RiscvInsn, CompressedStackWordAndLogic) {
    h.x.set(sp, DATA + 0x100);
    h.x.set(a0, 0x7fffffff);
    h.x.set(a1, DATA);
    h.x.set(a4, 1);
    h.x.set(a5, 0xf0);
    t.run16({
        0x7139, // c.addi16sp sp, -64
        0xc22e, // c.swsp a1, 4(sp)
        0x4612, // c.lwsp a2, 4(sp)     sign-extends
        0xe588, // c.sd a0, 8(a1)
        0x6594, // c.ld a3, 8(a1)
        0x9d39, // c.addw a0, a4        0x7fffffff + 1, sign-extended
        0x9f15, // c.subw a4, a3
        0x8fd5, // c.or a5, a3
        0x8fed, // c.and a5, a1
        0xe391, // c.bnez a5, +4: taken
        0x4781, // c.li a5, 0 (skipped)
    });
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(h.x[sp], DATA + 0xc0);
    EXPECT_EQ(t.peek32(DATA + 0xc4), uint32_t(DATA));
    EXPECT_EQ(h.x[a2], 0xffffffff80002000);
    EXPECT_EQ(t.peek64(DATA + 8), 0x7fffffffu);
    EXPECT_EQ(h.x[a3], 0x7fffffffu);
    EXPECT_EQ(h.x[a0], 0xffffffff80000000);
    EXPECT_EQ(h.x[a4], 0xffffffff80000002);
    EXPECT_EQ(h.x[a5], 0x2000u);
}

TEST_F(RiscvInsn, CompressedTraps) {
    t.run16({0x0001, 0x9002}); // c.nop; c.ebreak
    EXPECT_EQ(h.mcause, EXCP_BREAKPOINT);
    EXPECT_EQ(h.mepc, CODE + 2);
    EXPECT_EQ(h.mtval, CODE + 2);
    // A reserved parcel is illegal; mtval holds its 16 bits.
    t.run16({0x0001, 0x8002});
    EXPECT_EQ(h.mcause, EXCP_ILLEGAL_INST);
    EXPECT_EQ(h.mepc, CODE + 2);
    EXPECT_EQ(h.mtval, 0x8002u);
    t.run16({0x0000});
    EXPECT_EQ(h.mcause, EXCP_ILLEGAL_INST);
    EXPECT_EQ(h.mepc, CODE);
    EXPECT_EQ(h.mtval, 0u);
}

// A 32-bit instruction at a 2-byte boundary, between compressed ones.
TEST_F(RiscvInsn, MixedWidths) {
    uint32_t addi7 = addi(a0, a0, 7);
    t.run16({0x4505, uint16_t(addi7), uint16_t(addi7 >> 16), 0x0505}); // c.li a0,1; addi; c.addi
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(h.x[a0], 9u);
}

// --- traps ---

TEST_F(RiscvInsn, IllegalInstruction) {
    EXPECT_TRUE(traps({0xffffffff}, EXCP_ILLEGAL_INST, CODE, 0xffffffff));
    h.x.set(a0, 0);
    EXPECT_TRUE(traps({addi(a0, a0, 1), slliw(a0, a0, 31) | 1u << 25}, EXCP_ILLEGAL_INST, CODE + 4,
                      slliw(a0, a0, 31) | 1u << 25));
    EXPECT_EQ(h.x[a0], 1u) << "what came before retired";
}

TEST_F(RiscvInsn, EcallAndEbreak) {
    EXPECT_TRUE(traps({nop(), ecall()}, EXCP_M_ECALL, CODE + 4, 0));
    EXPECT_TRUE(traps({nop(), ebreak()}, EXCP_BREAKPOINT, CODE + 4, CODE + 4));
    // The trap saved and cleared MIE, and came from M.
    h.mstatus |= MSTATUS_MIE;
    t.run({ecall()});
    EXPECT_EQ(h.mstatus & MSTATUS_MIE, 0u);
    EXPECT_NE(h.mstatus & MSTATUS_MPIE, 0u);
    EXPECT_EQ(h.mstatus & MSTATUS_MPP, MSTATUS_MPP);
}

TEST_F(RiscvInsn, AccessFaultsCarryTheAddress) {
    h.x.set(a1, 0x1000);
    EXPECT_TRUE(traps({lw(a0, 4, a1)}, EXCP_LOAD_ACCESS_FAULT, CODE, 0x1004));
    EXPECT_TRUE(traps({sd(a0, -8, a1)}, EXCP_STORE_AMO_ACCESS_FAULT, CODE, 0xff8));
    h.x.set(a1, RAM_END);
    EXPECT_TRUE(traps({lb(a0, 0, a1)}, EXCP_LOAD_ACCESS_FAULT, CODE, RAM_END));
    EXPECT_TRUE(traps({sb(a0, 0, a1)}, EXCP_STORE_AMO_ACCESS_FAULT, CODE, RAM_END));
    // The load's destination is not written.
    h.x.set(a0, GARBAGE);
    t.run({ld(a0, 0, a1)});
    EXPECT_EQ(h.x[a0], GARBAGE);
}

// A misaligned access that runs off the end of RAM faults on the part that
// is not there: mtval is "the virtual address of the portion of the access
// that caused the fault" (privileged spec, mtval), RAM_END here.
TEST_F(RiscvInsn, MisalignedAccessFaultNamesTheFaultingPart) {
    h.x.set(a1, RAM_END - 4);
    EXPECT_TRUE(traps({ld(a0, 0, a1)}, EXCP_LOAD_ACCESS_FAULT, CODE, RAM_END));
    EXPECT_TRUE(traps({sd(a0, 0, a1)}, EXCP_STORE_AMO_ACCESS_FAULT, CODE, RAM_END));
    EXPECT_EQ(t.peek32(RAM_END - 4), 0u) << "a faulting store writes nothing";
}

// --- Zicsr ---

TEST_F(RiscvInsn, CsrInstructionForms) {
    h.x.set(a1, 0xf0);
    h.x.set(a2, 0x0f);
    struct Case {
        uint32_t insn;
        uint64_t before, after;
    };
    for (Case c : {Case{csrrw(a0, MSCRATCH, a1), 0x0f, 0xf0},
                   {csrrs(a0, MSCRATCH, a2), 0xf0, 0xff},
                   {csrrc(a0, MSCRATCH, a1), 0xff, 0x0f},
                   {csrrwi(a0, MSCRATCH, 0x15), 0x0f, 0x15},
                   {csrrsi(a0, MSCRATCH, 0x0a), 0x15, 0x1f},
                   {csrrci(a0, MSCRATCH, 0x11), 0x1f, 0x0e},
                   {csrrw(zero, MSCRATCH, a1), 0x0e, 0xf0},
                   {csrrs(a0, MSCRATCH, zero), 0xf0, 0xf0}}) {
        h.mscratch = c.before;
        h.x.set(a0, 0x5555);
        t.run({c.insn});
        EXPECT_FALSE(t.trapped()) << disassemble(c.insn, 0);
        if (bits(c.insn, 11, 7) == a0) {
            EXPECT_EQ(h.x[a0], c.before) << disassemble(c.insn, 0);
        }
        EXPECT_EQ(h.mscratch, c.after) << disassemble(c.insn, 0);
    }
}

// csrrs/csrrc with rs1 = x0 (or uimm 0) do not write, so they may read a
// read-only CSR; any other source register writes, even holding zero.
TEST_F(RiscvInsn, ReadOnlyCsrsTrapOnlyOnWrites) {
    h.hartid = 3;
    h.x.set(a1, 0);
    for (uint32_t ok : {csrrs(a0, MHARTID, zero), csrrc(a0, MHARTID, zero), csrrsi(a0, MHARTID, 0),
                        csrrci(a0, MHARTID, 0)}) {
        t.run({ok});
        EXPECT_FALSE(t.trapped()) << disassemble(ok, 0);
        EXPECT_EQ(h.x[a0], 3u);
    }
    for (uint32_t bad : {csrrw(a0, MHARTID, a1), csrrw(zero, MHARTID, a1), csrrs(a0, MHARTID, a1),
                         csrrc(a0, MHARTID, a1), csrrwi(a0, MHARTID, 0), csrrsi(a0, MHARTID, 1),
                         csrrw(zero, CYCLE, a1), csrrs(a0, MVENDORID, a2)}) {
        h.x.set(a2, 0);
        t.run({bad});
        EXPECT_TRUE(t.trapped()) << disassemble(bad, 0);
        EXPECT_EQ(h.mcause, EXCP_ILLEGAL_INST);
        EXPECT_EQ(h.mtval, bad);
    }
}

// --- counters ---

TEST_F(RiscvInsn, InstretCountsRetiredInstructions) {
    t.run({csrr(a0, MINSTRET), nop(), nop(), nop(), csrr(a1, MINSTRET), csrr(a2, INSTRET)});
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(h.x[a1] - h.x[a0], 4u);
    EXPECT_EQ(h.x[a2] - h.x[a0], 5u);
    // Across blocks: a taken branch and a jump in between.
    t.run({csrr(a0, MINSTRET), beq(zero, zero, 8), nop(), jal(zero, 4), nop(), csrr(a1, MINSTRET)});
    EXPECT_EQ(h.x[a1] - h.x[a0], 4u);
    // A trapping instruction does not retire: the handler reads minstret.
    t.poke32(TRAP, csrr(a1, MINSTRET));
    t.poke32(TRAP + 4, JAL_SELF);
    riscv::hart_invalidate_code(h, t.host(TRAP), 8);
    t.run({csrr(a0, MINSTRET), nop(), nop(), ecall()});
    EXPECT_EQ(h.mcause, EXCP_M_ECALL);
    EXPECT_EQ(h.x[a1] - h.x[a0], 3u);
}

TEST_F(RiscvInsn, CycleCountsToo) {
    t.run({csrr(a0, MCYCLE), nop(), nop(), nop(), csrr(a1, MCYCLE), csrr(a2, CYCLE)});
    EXPECT_FALSE(t.trapped());
    EXPECT_GE(h.x[a1] - h.x[a0], 4u);
    EXPECT_GE(h.x[a2], h.x[a1]);
}
