// Result forwarding (insn.h, Handlers): when an instruction reads the
// register the one before it in the block wrote, the block builder gives it
// a variant of its handler that takes the value from the previous handler,
// in a host register, instead of from the register file. The variant must
// compute exactly what the row's own handler computes.
//
// Every row that has variants runs after each kind of instruction that
// forwards, once with the two side by side (the variant) and once with a
// nop between them (the row's own handler). Registers, memory, the branch
// taken or not and any trap must be the same. Only builds with threaded
// dispatch hand values over (insn-table.h, src1): in the others (-O0, the
// sanitizers) the variants read the register file, and this checks only
// that the variants are chosen.
#include "hw/cpu/riscv/insn-table.h"
#include "tests/unit/hart_harness.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <array>
#include <vector>

using namespace mq;
using namespace mq::riscv;
using namespace mq::test::rv;

namespace {

constexpr uint64_t CODE = test::HartHarness::CODE;
constexpr uint64_t DATA = test::HartHarness::DATA;

// Which operands the consumer reads from the register the producer wrote (a2).
enum class Mode { Rs1, Rs2, Both };

// Sets bits hi..lo of an encoding.
constexpr uint32_t with_field(uint32_t raw, int hi, int lo, uint32_t v) {
    const uint32_t mask = ((1u << (hi - lo + 1)) - 1) << lo;
    return (raw & ~mask) | ((v << lo) & mask);
}

// The row's encoding with rd = a4 (where it has one), and rs1 and rs2 = a2
// (forwarded) or a3 (not). Loads and stores get offset 0; branches jump 8
// bytes ahead, over the instruction after them. Zero when the test does not
// know the format.
uint32_t consumer(const InsnDesc& d, Mode m) {
    const uint32_t r1 = m == Mode::Rs2 ? a3 : a2;
    const uint32_t r2 = m == Mode::Rs1 ? a3 : a2;
    uint32_t raw = d.match | (0x1234a678u & ~d.mask);
    raw = with_field(raw, 19, 15, r1);
    switch (d.format) {
    case Format::R: return with_field(with_field(raw, 11, 7, a4), 24, 20, r2);
    case Format::I:
    case Format::I_SHIFT:
    case Format::I_SHIFTW:
    case Format::I_RNUM:
    case Format::R1: return with_field(raw, 11, 7, a4);
    case Format::LOAD: return with_field(with_field(raw, 11, 7, a4), 31, 20, 0);
    case Format::S: return with_field(with_field(with_field(raw, 24, 20, r2), 31, 25, 0), 11, 7, 0);
    case Format::B: return (d.match & d.mask) | (b_type(8, r2, r1, 0) & ~d.mask);
    default: return 0;
    }
}

// Instructions that forward what they write to a2. a5 holds DATA and a7
// 16; the doubleword at DATA holds DATA + 16. Most leave an address in
// a2, so that loads and stores based on it reach memory; lui's value is
// outside RAM, and they fault.
struct Producer {
    const char* name;
    uint32_t raw;
};
const Producer kProducers[] = {
    {"addi", addi(a2, a5, 16)}, {"add", add(a2, a5, a7)}, {"ld", ld(a2, 0, a5)},
    {"lw", lw(a2, 0, a5)},      {"auipc", auipc(a2, 2)}, // at CODE: DATA
    {"lui", lui(a2, 0x12345)},
};

struct Outcome {
    std::array<uint64_t, 32> x{};
    std::array<uint64_t, 8> data{};
    bool trapped = false;
    uint64_t mcause = 0;
    InsnHandler consumer_fn = nullptr; // the handler the block builder chose
};

// Runs `code` twice on one hart, from the same registers and memory: the
// first time its loads and stores miss the soft TLB (the slow path), the
// second time they hit it. The state after each run.
std::array<Outcome, 2> run(const std::vector<uint32_t>& code, size_t consumer_index) {
    test::HartHarness t;
    Hart& h = t.hart;
    h.isa.exts = isa_max_exts();
    std::array<Outcome, 2> out;
    for (Outcome& o : out) {
        for (unsigned r = 1; r < 32; r++)
            h.x.set(r, 0x9e3779b97f4a7c15ull * r);
        h.x.set(a3, DATA + 32);
        h.x.set(a5, DATA);
        h.x.set(a7, 16);
        for (unsigned k = 0; k < 8; k++)
            t.poke64(DATA + 8 * k, 0x0123456789abcdefull * (k + 1));
        t.poke64(DATA, DATA + 16);
        if (code.size() == 3)
            t.run({code[0], code[1], code[2]});
        else
            t.run({code[0], code[1], code[2], code[3]});
        const Block* b = hart_cached_block(h, t.host(CODE));
        if (b && b->insns.size() > consumer_index) o.consumer_fn = b->insns[consumer_index].fn;
        for (unsigned r = 0; r < 32; r++)
            o.x[r] = h.x[r];
        for (unsigned k = 0; k < 8; k++)
            o.data[k] = t.peek64(DATA + 8 * k);
        o.trapped = t.trapped();
        o.mcause = h.mcause;
    }
    return out;
}

TEST(RiscvForward, EveryVariantComputesWhatItsRowDoes) {
    int variants = 0;
    for (const auto& table : insn_tables()) {
        for (const InsnDesc& d : table) {
            const Handlers& v = d.handlers;
            for (Mode m : {Mode::Rs1, Mode::Rs2, Mode::Both}) {
                InsnHandler want = m == Mode::Rs1   ? v.rs1
                                   : m == Mode::Rs2 ? v.rs2
                                                    : (v.both ? v.both : v.rs1);
                if (!want) continue;
                // R1 rows (rev8, clz) have their rs2 field in the opcode.
                if (d.format == Format::R1 && m != Mode::Rs1) continue;
                const uint32_t c = consumer(d, m);
                ASSERT_NE(c, 0u) << d.name << ": a format this test does not cover has variants";
                variants++;
                for (const Producer& p : kProducers) {
                    const std::string what =
                        fmt::format("{} after {} ({})", disassemble(c, 0), p.name, int(m));
                    // The marker (a6 = 1) runs unless a branch jumps over it.
                    const uint32_t marker = addi(a6, zero, 1);
                    const auto fwd = run({p.raw, c, marker}, 1);
                    const auto plain = run({p.raw, addi(zero, zero, 0), c, marker}, 2);
                    for (int pass = 0; pass < 2; pass++) {
                        const std::string when = what + (pass ? ", TLB hit" : ", TLB miss");
                        const Outcome &f = fwd[pass], &q = plain[pass];
                        EXPECT_EQ(f.consumer_fn, want) << when << ": the variant was not chosen";
                        EXPECT_EQ(q.consumer_fn, d.exec) << when << ": a nop does not forward";
                        EXPECT_EQ(f.x, q.x) << when;
                        EXPECT_EQ(f.data, q.data) << when;
                        EXPECT_EQ(f.trapped, q.trapped) << when;
                        EXPECT_EQ(f.mcause, q.mcause) << when;
                    }
                }
            }
        }
    }
    // RV64I and M alone: 13 register-immediate rows and 7 loads with one
    // variant; 6 branches, 4 stores and 28 register-register rows with three.
    EXPECT_GE(variants, 20 + 3 * (6 + 4 + 28));
}

// Forwarding is only from the instruction just before: one in between, or
// a producer whose rd is x0, hands nothing on.
TEST(RiscvForward, OnlyTheInstructionJustBeforeForwards) {
    test::HartHarness t;
    Hart& h = t.hart;
    const InsnHandler plain_add = [] {
        for (const auto& table : insn_tables()) {
            for (const InsnDesc& d : table) {
                if (std::string_view(d.name) == "add") return d.exec;
            }
        }
        return InsnHandler{nullptr};
    }();
    h.x.set(a1, 5);
    t.run(
        {addi(a2, a1, 1), addi(a3, a1, 2), add(a4, a2, a2), addi(zero, a2, 7), add(a5, zero, a2)});
    const Block* b = hart_cached_block(h, t.host(CODE));
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->insns[2].fn, plain_add) << "a2 was written two instructions before";
    EXPECT_EQ(b->insns[4].fn, plain_add) << "x0 is never forwarded";
    EXPECT_EQ(h.x[a4], 12u);
    EXPECT_EQ(h.x[a5], 6u);
    EXPECT_EQ(h.x[zero], 0u);
}

} // namespace
