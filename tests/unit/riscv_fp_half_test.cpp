// Half precision (Zfh, Zfhmin), instruction by instruction from raw
// encodings on a hart (riscv_fp_fixture.h's FpHart): rounding ties in every
// mode, overflow to infinity or the largest finite value, subnormals and
// tininess, the flags, NaN-boxing of 16-bit values, canonical NaNs in the
// conversions, fclass of each class, the integer conversions' saturation,
// and the extensions' gating. RiscvFpHalfExhaustive checks fpu-half.cpp
// directly against the host's double arithmetic, which is exact (or rounds
// harmlessly) at half precision.
#include "hw/cpu/riscv/fpu.h"
#include "tests/unit/riscv_fp_fixture.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>

using namespace mq;
using namespace mq::riscv;
using namespace mq::riscv::fptest;
using fpu::FLAG_DZ;
using fpu::FLAG_NV;
using fpu::FLAG_NX;
using fpu::FLAG_OF;
using fpu::FLAG_UF;

namespace {

constexpr uint32_t H = 2; // the fmt field of half precision

// Encodings: operands f1, f2, f3 (x1 for integers), results f10 or x10.
constexpr uint32_t fadd_h(uint32_t rm = DYN) { return fp(0x00 | H, 2, rm); }
constexpr uint32_t fsub_h(uint32_t rm = DYN) { return fp(0x04 | H, 2, rm); }
constexpr uint32_t fmul_h(uint32_t rm = DYN) { return fp(0x08 | H, 2, rm); }
constexpr uint32_t fdiv_h(uint32_t rm = DYN) { return fp(0x0c | H, 2, rm); }
constexpr uint32_t fsqrt_h(uint32_t rm = DYN) { return fp(0x2c | H, 0, rm); }
constexpr uint32_t fsgnj_h(uint32_t kind) { return fp(0x10 | H, 2, kind); }
constexpr uint32_t fmin_h() { return fp(0x14 | H, 2, 0); }
constexpr uint32_t fmax_h() { return fp(0x14 | H, 2, 1); }
constexpr uint32_t feq_h() { return fp(0x50 | H, 2, 2); }
constexpr uint32_t flt_h() { return fp(0x50 | H, 2, 1); }
constexpr uint32_t fle_h() { return fp(0x50 | H, 2, 0); }
constexpr uint32_t fclass_h() { return fp(0x70 | H, 0, 1); }
constexpr uint32_t fmv_x_h() { return fp(0x70 | H, 0, 0); }
constexpr uint32_t fmv_h_x() { return fp(0x78 | H, 0, 0); }
constexpr uint32_t fcvt_to_int_h(uint32_t type, uint32_t rm = DYN) {
    return fp(0x60 | H, type, rm);
}
constexpr uint32_t fcvt_h_from_int(uint32_t type, uint32_t rm = DYN) {
    return fp(0x68 | H, type, rm);
}
constexpr uint32_t fcvt_s_h(uint32_t rm = DYN) { return fp(0x20, 2, rm); }
constexpr uint32_t fcvt_h_s(uint32_t rm = DYN) { return fp(0x22, 0, rm); }
constexpr uint32_t fcvt_d_h(uint32_t rm = DYN) { return fp(0x21, 2, rm); }
constexpr uint32_t fcvt_h_d(uint32_t rm = DYN) { return fp(0x22, 1, rm); }
constexpr uint32_t fmadd_h(uint32_t rm = DYN) { return fp4(0x43, H, rm); }
constexpr uint32_t fmsub_h(uint32_t rm = DYN) { return fp4(0x47, H, rm); }
constexpr uint32_t fnmsub_h(uint32_t rm = DYN) { return fp4(0x4b, H, rm); }
constexpr uint32_t fnmadd_h(uint32_t rm = DYN) { return fp4(0x4f, H, rm); }
// flh f10, imm(x5) and fsh f2, imm(x5)
constexpr uint32_t flh(int32_t imm) {
    return uint32_t(imm & 0xfff) << 20 | 5u << 15 | 1u << 12 | 10u << 7 | 0x07;
}
constexpr uint32_t fsh(int32_t imm) {
    uint32_t u = imm & 0xfff;
    return (u >> 5) << 25 | 2u << 20 | 5u << 15 | 1u << 12 | (u & 0x1f) << 7 | 0x27;
}

// Half values.
constexpr uint16_t ONE = 0x3c00, ONE_U = 0x3c01, ONE_2U = 0x3c02, TWO = 0x4000;
constexpr uint16_t HALF_ULP = 0x1000; // 2^-11: half of 1.0's last place
constexpr uint16_t MAX = 0x7bff, INF = 0x7c00, CANON_NAN = 0x7e00, SIG_NAN = 0x7d00;
constexpr uint16_t MIN_NORMAL = 0x0400, MAX_SUBNORMAL = 0x03ff, MIN_SUBNORMAL = 0x0001;
constexpr uint16_t neg(uint16_t v) { return v ^ 0x8000; }
constexpr uint64_t box(uint16_t v) { return 0xffffffffffff0000ull | v; }

struct R {
    uint16_t v;
    uint32_t flags;
    bool operator==(const R&) const = default;
    friend void PrintTo(const R& r, std::ostream* os) {
        *os << fmt::format("{{0x{:04x}, flags 0x{:x}}}", r.v, r.flags);
    }
};

class RiscvFpHalf : public ::testing::Test, public FpHart {
protected:
    // f10 = insn(f1, f2, f3), half operands boxed; the result must be boxed.
    R op(uint32_t insn, uint16_t a, uint16_t b = 0, uint16_t c = 0, uint32_t frm = 0) {
        return raw_op(insn, box(a), box(b), box(c), frm);
    }
    R raw_op(uint32_t insn, uint64_t a, uint64_t b = 0, uint64_t c = 0, uint32_t frm = 0) {
        Out o = exec(insn, a, b, c, 0, frm);
        EXPECT_EQ(o.f >> 16, 0xffffffffffffull) << "a half result is NaN-boxed";
        return {static_cast<uint16_t>(o.f), o.flags};
    }
    // x10 = insn(f1, f2).
    std::pair<uint64_t, uint32_t> xop(uint32_t insn, uint16_t a, uint16_t b = 0, uint32_t frm = 0) {
        Out o = exec(insn, box(a), box(b), 0, 0, frm);
        return {o.x, o.flags};
    }
    // f10 = insn(x1).
    R from_x(uint32_t insn, uint64_t x, uint32_t frm = 0) {
        Out o = exec(insn, 0, 0, 0, x, frm);
        EXPECT_EQ(o.f >> 16, 0xffffffffffffull);
        return {static_cast<uint16_t>(o.f), o.flags};
    }
    void without(IsaExts exts) {
        h.isa.exts &= ~exts;
        hart_flush_code(h);
    }
};

} // namespace

// --- arithmetic ---

TEST_F(RiscvFpHalf, ArithmeticOnNormalValues) {
    EXPECT_EQ(op(fadd_h(), 0x3e00, 0x4080), (R{0x4380, 0}));     // 1.5 + 2.25 = 3.75
    EXPECT_EQ(op(fsub_h(), 0x3e00, 0x4080), (R{0xba00, 0}));     // = -0.75
    EXPECT_EQ(op(fmul_h(), 0x3e00, 0xc080), (R{0xc2c0, 0}));     // 1.5 * -2.25 = -3.375
    EXPECT_EQ(op(fdiv_h(), 0x4900, 0x4400), (R{0x4100, 0}));     // 10 / 4 = 2.5
    EXPECT_EQ(op(fsqrt_h(), 0x4080), (R{0x3e00, 0}));            // sqrt(2.25) = 1.5
    EXPECT_EQ(op(fmadd_h(), TWO, 0x4200, ONE), (R{0x4700, 0}));  // 2*3 + 1 = 7
    EXPECT_EQ(op(fmsub_h(), TWO, 0x4200, ONE), (R{0x4500, 0}));  // 2*3 - 1 = 5
    EXPECT_EQ(op(fnmsub_h(), TWO, 0x4200, ONE), (R{0xc500, 0})); // -(2*3) + 1 = -5
    EXPECT_EQ(op(fnmadd_h(), TWO, 0x4200, ONE), (R{0xc700, 0})); // -(2*3) - 1 = -7
    EXPECT_EQ(op(fdiv_h(), ONE, 0x4200), (R{0x3555, FLAG_NX}));  // 1/3
    EXPECT_EQ(op(fsqrt_h(), TWO), (R{0x3da8, FLAG_NX}));         // sqrt(2)
    EXPECT_EQ(op(fadd_h(RNE), ONE, neg(ONE)), (R{0x0000, 0}));
    EXPECT_EQ(op(fadd_h(RDN), ONE, neg(ONE)), (R{0x8000, 0}));
    // fmadd rounds once: (1 + u)(1 - u/2) - 1 = u/2 - u^2/2, which a
    // rounded product would lose (u = 2^-10).
    EXPECT_EQ(op(fmadd_h(), ONE_U, 0x3bff, neg(ONE)), (R{0x0ffe, 0}));
}

// Each case gives the result for RNE, RTZ, RDN, RUP, RMM.
struct RoundingCase {
    const char* what;
    uint32_t (*insn)(uint32_t);
    uint16_t a, b, c;
    uint16_t expected[5];
    uint32_t flags;
};

TEST_F(RiscvFpHalf, HalfwayCasesInEveryMode) {
    const uint16_t m1 = neg(ONE), m1u = neg(ONE_U);
    const uint32_t x = FLAG_NX;
    // clang-format off
    const RoundingCase cases[] = {
        {"tie, even below",   fadd_h,   ONE,   HALF_ULP,      0, {ONE, ONE, ONE, ONE_U, ONE_U}, x},
        {"negative tie",      fadd_h,   m1,    neg(HALF_ULP), 0, {m1, m1, m1u, m1, m1u}, x},
        {"tie, even above",   fadd_h,   ONE_U, HALF_ULP,      0, {ONE_2U, ONE_U, ONE_U, ONE_2U, ONE_2U}, x},
        {"three quarters",    fadd_h,   ONE,   0x1200,        0, {ONE_U, ONE, ONE, ONE_U, ONE_U}, x},
        {"below the tie",     fadd_h,   ONE,   0x0fff,        0, {ONE, ONE, ONE, ONE_U, ONE}, x},
        {"sub tie",           fsub_h,   ONE,   neg(HALF_ULP), 0, {ONE, ONE, ONE, ONE_U, ONE_U}, x},
        // 1.5 * (1 + 3u) = 1.5 + 4.5u
        {"mul tie",           fmul_h,   0x3e00, 0x3c03,       0, {0x3e04, 0x3e04, 0x3e04, 0x3e05, 0x3e05}, x},
        // 5 * min_subnormal / 2 = 2.5 min_subnormal: tiny and inexact.
        {"subnormal div tie", fdiv_h,   0x0005, TWO,          0, {2, 2, 2, 3, 3}, x | FLAG_UF},
        {"subnormal sqrt",    fsqrt_h,  0x0002, 0,            0, {0x0da8, 0x0da8, 0x0da8, 0x0da9, 0x0da8}, x},
        {"fmadd tie",         fmadd_h,  ONE,   ONE,   HALF_ULP, {ONE, ONE, ONE, ONE_U, ONE_U}, x},
        {"fnmadd tie",        fnmadd_h, ONE,   ONE,   HALF_ULP, {m1, m1, m1u, m1, m1u}, x},
        // 2^-24 * 0.5 + 0: half the smallest subnormal.
        {"fmadd to zero",     fmadd_h,  MIN_SUBNORMAL, 0x3800, 0, {0, 0, 0, 1, 1}, x | FLAG_UF},
    };
    // clang-format on
    for (const auto& c : cases) {
        for (Rm rm : kModes) {
            EXPECT_EQ(op(c.insn(rm), c.a, c.b, c.c), (R{c.expected[rm], c.flags}))
                << c.what << " rm " << rm;
            EXPECT_EQ(op(c.insn(DYN), c.a, c.b, c.c, rm), (R{c.expected[rm], c.flags}))
                << c.what << " dynamic rm " << rm;
        }
    }
}

TEST_F(RiscvFpHalf, OverflowGoesToInfinityOrTheLargestFiniteValueByMode) {
    const uint32_t of = FLAG_OF | FLAG_NX;
    const uint16_t to_inf[5] = {INF, MAX, MAX, INF, INF};
    const uint16_t neg_to_inf[5] = {neg(INF), neg(MAX), neg(INF), neg(MAX), neg(INF)};
    for (Rm rm : kModes) {
        EXPECT_EQ(op(fmul_h(rm), MAX, TWO), (R{to_inf[rm], of})) << rm;
        EXPECT_EQ(op(fmul_h(rm), neg(MAX), TWO), (R{neg_to_inf[rm], of})) << rm;
        EXPECT_EQ(op(fadd_h(rm), MAX, MAX), (R{to_inf[rm], of})) << rm;
        EXPECT_EQ(op(fdiv_h(rm), MAX, 0x3800), (R{to_inf[rm], of})) << rm;
        // 65504 + 16 = 65520: halfway to 65536, which is out of range. The
        // modes that round it down give 65504, which is no overflow.
        const R tie[5] = {{INF, of}, {MAX, FLAG_NX}, {MAX, FLAG_NX}, {INF, of}, {INF, of}};
        EXPECT_EQ(op(fadd_h(rm), MAX, 0x4c00), tie[rm]) << rm;
        // 65504 + 8 rounds back to 65504 when the mode allows.
        const R below[5] = {
            {MAX, FLAG_NX}, {MAX, FLAG_NX}, {MAX, FLAG_NX}, {INF, of}, {MAX, FLAG_NX}};
        EXPECT_EQ(op(fadd_h(rm), MAX, 0x4800), below[rm]) << rm;
        EXPECT_EQ(from_x(fcvt_h_from_int(0, rm), 65520), tie[rm]) << rm;
        EXPECT_EQ(from_x(fcvt_h_from_int(2, rm), 0x8000000000000000ull), (R{neg_to_inf[rm], of}))
            << rm;
    }
}

TEST_F(RiscvFpHalf, SubnormalsAndTininessAfterRounding) {
    // Exact subnormal results raise nothing.
    EXPECT_EQ(op(fmul_h(), MIN_NORMAL, 0x3800), (R{0x0200, 0}));
    EXPECT_EQ(op(fadd_h(), MAX_SUBNORMAL, MIN_SUBNORMAL), (R{MIN_NORMAL, 0}));
    EXPECT_EQ(op(fsub_h(), MIN_NORMAL, MIN_SUBNORMAL), (R{MAX_SUBNORMAL, 0}));
    // Tiny and inexact: UF.
    EXPECT_EQ(op(fmul_h(RNE), MIN_SUBNORMAL, 0x3800), (R{0, FLAG_UF | FLAG_NX}));
    EXPECT_EQ(op(fmul_h(RUP), MIN_SUBNORMAL, 0x3800), (R{1, FLAG_UF | FLAG_NX}));
    EXPECT_EQ(op(fmul_h(RMM), MIN_SUBNORMAL, 0x3400), (R{0, FLAG_UF | FLAG_NX}));
    EXPECT_EQ(op(fmul_h(RNE), 0x0003, 0x3800), (R{2, FLAG_UF | FLAG_NX})); // 1.5 -> 2
    EXPECT_EQ(op(fmul_h(RTZ), 0x0003, 0x3800), (R{1, FLAG_UF | FLAG_NX}));
    // (1 + u) * max_subnormal rounds to the smallest normal: not tiny after
    // rounding, so NX alone; truncated, it stays subnormal and is tiny.
    EXPECT_EQ(op(fmul_h(RNE), ONE_U, MAX_SUBNORMAL), (R{MIN_NORMAL, FLAG_NX}));
    EXPECT_EQ(op(fmul_h(RMM), ONE_U, MAX_SUBNORMAL), (R{MIN_NORMAL, FLAG_NX}));
    EXPECT_EQ(op(fmul_h(RTZ), ONE_U, MAX_SUBNORMAL), (R{MAX_SUBNORMAL, FLAG_UF | FLAG_NX}));
    // Subnormal operands are values, not zeros.
    EXPECT_EQ(op(fdiv_h(), MIN_SUBNORMAL, MIN_SUBNORMAL), (R{ONE, 0}));
    EXPECT_EQ(op(fmul_h(), MAX_SUBNORMAL, 0x6400), (R{0x2bfe, 0})); // * 1024
    EXPECT_EQ(op(fsqrt_h(), 0x0100), (R{0x1c00, 0}));               // sqrt(2^-16) = 2^-8
}

TEST_F(RiscvFpHalf, ExceptionFlagsAndCanonicalNaNs) {
    EXPECT_EQ(op(fdiv_h(), ONE, 0), (R{INF, FLAG_DZ}));
    EXPECT_EQ(op(fdiv_h(), ONE, 0x8000), (R{neg(INF), FLAG_DZ}));
    EXPECT_EQ(op(fdiv_h(), 0, 0), (R{CANON_NAN, FLAG_NV}));
    EXPECT_EQ(op(fsub_h(), INF, INF), (R{CANON_NAN, FLAG_NV}));
    EXPECT_EQ(op(fmul_h(), INF, 0), (R{CANON_NAN, FLAG_NV}));
    EXPECT_EQ(op(fsqrt_h(), neg(ONE)), (R{CANON_NAN, FLAG_NV}));
    EXPECT_EQ(op(fsqrt_h(), 0x8000), (R{0x8000, 0}));
    EXPECT_EQ(op(fmadd_h(), 0, INF, 0x7e55), (R{CANON_NAN, FLAG_NV}))
        << "inf * 0 is invalid even with a quiet NaN addend";
    for (uint32_t insn : {fadd_h(), fsub_h(), fmul_h(), fdiv_h()}) {
        EXPECT_EQ(op(insn, 0x7e55, ONE), (R{CANON_NAN, 0})) << disassemble(insn, 0);
        EXPECT_EQ(op(insn, ONE, 0xfe01), (R{CANON_NAN, 0})) << disassemble(insn, 0);
        EXPECT_EQ(op(insn, SIG_NAN, ONE), (R{CANON_NAN, FLAG_NV})) << disassemble(insn, 0);
        EXPECT_EQ(op(insn, ONE, 0xfc01), (R{CANON_NAN, FLAG_NV})) << disassemble(insn, 0);
    }
    EXPECT_EQ(op(fmadd_h(), ONE, ONE, SIG_NAN), (R{CANON_NAN, FLAG_NV}));
    // Flags accrue.
    h.fflags = FLAG_DZ;
    h.f[1] = box(ONE), h.f[2] = box(0x4200);
    t.run({fdiv_h(RNE)});
    EXPECT_EQ(h.fflags, FLAG_DZ | FLAG_NX);
}

TEST_F(RiscvFpHalf, MinMaxSignInjectionAndComparisons) {
    EXPECT_EQ(op(fmin_h(), ONE, TWO), (R{ONE, 0}));
    EXPECT_EQ(op(fmax_h(), ONE, TWO), (R{TWO, 0}));
    EXPECT_EQ(op(fmin_h(), 0x0000, 0x8000), (R{0x8000, 0}));
    EXPECT_EQ(op(fmax_h(), 0x8000, 0x0000), (R{0x0000, 0}));
    EXPECT_EQ(op(fmin_h(), 0x7e55, ONE), (R{ONE, 0}));
    EXPECT_EQ(op(fmax_h(), SIG_NAN, ONE), (R{ONE, FLAG_NV}));
    EXPECT_EQ(op(fmin_h(), 0x7e55, SIG_NAN), (R{CANON_NAN, FLAG_NV}));
    EXPECT_EQ(op(fsgnj_h(0), 0x3c00, 0x8000), (R{0xbc00, 0}));
    EXPECT_EQ(op(fsgnj_h(1), 0x3c00, 0x8000), (R{0x3c00, 0}));
    EXPECT_EQ(op(fsgnj_h(2), 0xbc00, 0x8000), (R{0x3c00, 0}));
    EXPECT_EQ(op(fsgnj_h(0), SIG_NAN, 0x8000), (R{neg(SIG_NAN), 0})) << "no NaN rules: bits";
    EXPECT_EQ(xop(feq_h(), ONE, ONE), std::make_pair(uint64_t{1}, 0u));
    EXPECT_EQ(xop(feq_h(), 0x0000, 0x8000), std::make_pair(uint64_t{1}, 0u));
    EXPECT_EQ(xop(feq_h(), CANON_NAN, CANON_NAN), std::make_pair(uint64_t{0}, 0u));
    EXPECT_EQ(xop(feq_h(), SIG_NAN, ONE), std::make_pair(uint64_t{0}, FLAG_NV));
    EXPECT_EQ(xop(flt_h(), ONE, TWO), std::make_pair(uint64_t{1}, 0u));
    EXPECT_EQ(xop(flt_h(), 0x8000, 0x0000), std::make_pair(uint64_t{0}, 0u));
    EXPECT_EQ(xop(flt_h(), CANON_NAN, ONE), std::make_pair(uint64_t{0}, FLAG_NV));
    EXPECT_EQ(xop(fle_h(), 0x8000, 0x0000), std::make_pair(uint64_t{1}, 0u));
    EXPECT_EQ(xop(fle_h(), neg(INF), neg(MAX)), std::make_pair(uint64_t{1}, 0u));
}

TEST_F(RiscvFpHalf, FclassOfEachClass) {
    const std::pair<uint16_t, unsigned> cases[] = {
        {neg(INF), 0}, {neg(ONE), 1}, {0x8001, 2}, {0x8000, 3},  {0x0000, 4},
        {0x03ff, 5},   {MAX, 6},      {INF, 7},    {SIG_NAN, 8}, {0xfe00, 9},
    };
    for (auto [v, bit] : cases)
        EXPECT_EQ(xop(fclass_h(), v), std::make_pair(uint64_t{1} << bit, 0u)) << std::hex << v;
}

// --- NaN-boxing and data movement ---

TEST_F(RiscvFpHalf, ImproperlyBoxedOperandsReadAsTheCanonicalNaN) {
    for (uint64_t unboxed : {0x0000000000003c00ull, 0xffffffff00003c00ull, 0x7fffffffffff3c00ull,
                             0xfffeffffffff3c00ull}) {
        EXPECT_EQ(raw_op(fadd_h(), unboxed, box(ONE)), (R{CANON_NAN, 0})) << std::hex << unboxed;
        EXPECT_EQ(raw_op(fmul_h(), box(ONE), unboxed), (R{CANON_NAN, 0}));
        // Sign injection takes the canonical NaN's sign (+) and magnitude.
        EXPECT_EQ(raw_op(fsgnj_h(0), box(neg(ONE)), unboxed), (R{0x3c00, 0}));
        EXPECT_EQ(raw_op(fsgnj_h(0), unboxed, box(neg(ONE))), (R{neg(CANON_NAN), 0}));
        Out o = exec(fclass_h(), unboxed);
        EXPECT_EQ(o.x, 1u << 9);
        o = exec(fcvt_s_h(), unboxed);
        EXPECT_EQ(o.f, 0xffffffff7fc00000ull);
        EXPECT_EQ(o.flags, 0u);
        // fmv.x.h moves the bits, boxed or not, sign-extended.
        o = exec(fmv_x_h(), unboxed);
        EXPECT_EQ(o.x, 0x3c00u);
    }
    EXPECT_EQ(exec(fmv_x_h(), 0x123456789abc8001ull).x, 0xffffffffffff8001ull);
    // A single operand of fcvt.h.s is checked as a single.
    EXPECT_EQ(raw_op(fcvt_h_s(), 0x000000003f800000ull), (R{CANON_NAN, 0}));
    EXPECT_EQ(raw_op(fcvt_h_s(), 0xffffffff3f800000ull), (R{ONE, 0}));
    // fmv.h.x boxes the low 16 bits.
    EXPECT_EQ(exec(fmv_h_x(), 0, 0, 0, 0x123456789abcbc00ull).f, box(neg(ONE)));
}

TEST_F(RiscvFpHalf, LoadsBoxAndStoresWriteSixteenBits) {
    const uint64_t data = test::HartHarness::DATA;
    t.poke64(data, 0x1122334455667788ull);
    h.x.set(5, data);
    t.run({flh(2)});
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(h.f[10], 0xffffffffffff5566ull);
    h.f[2] = 0x0123456789abcdefull; // not boxed: the low 16 bits all the same
    t.run({fsh(4)});
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(t.peek64(data), 0x1122cdef55667788ull);
    // A misaligned half is emulated; an unmapped one faults with its address.
    t.run({flh(1)});
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(h.f[10], 0xffffffffffff6677ull);
    h.x.set(5, 0);
    t.run({flh(6)});
    EXPECT_TRUE(t.trapped());
    EXPECT_EQ(h.mtval, 6u);
}

// --- conversions ---

TEST_F(RiscvFpHalf, ConversionsBetweenPrecisionsCanonicaliseNaNs) {
    // Widening is exact, subnormal halves included.
    EXPECT_EQ(exec(fcvt_s_h(), box(MIN_SUBNORMAL)).f, 0xffffffff33800000ull); // 2^-24
    EXPECT_EQ(exec(fcvt_d_h(), box(neg(MAX))).f, 0xc0effc0000000000ull);      // -65504
    EXPECT_EQ(exec(fcvt_s_h(), box(neg(INF))).f, 0xffffffffff800000ull);
    // NaNs: canonical, NV for a signaling one.
    Out o = exec(fcvt_s_h(), box(SIG_NAN));
    EXPECT_EQ(o.f, 0xffffffff7fc00000ull);
    EXPECT_EQ(o.flags, FLAG_NV);
    o = exec(fcvt_d_h(), box(0xfe55));
    EXPECT_EQ(o.f, 0x7ff8000000000000ull);
    EXPECT_EQ(o.flags, 0u);
    EXPECT_EQ(raw_op(fcvt_h_s(), 0xffffffff7f800001ull), (R{CANON_NAN, FLAG_NV}));
    EXPECT_EQ(raw_op(fcvt_h_s(), 0xffffffffffc12345ull), (R{CANON_NAN, 0}));
    EXPECT_EQ(raw_op(fcvt_h_d(), 0x7ff0000000000001ull), (R{CANON_NAN, FLAG_NV}));
    EXPECT_EQ(raw_op(fcvt_h_d(), 0xfff8000000000123ull), (R{CANON_NAN, 0}));
    // Narrowing rounds once, in the instruction's mode.
    const uint16_t one_and_half_ulp[5] = {ONE, ONE, ONE, ONE_U, ONE_U};
    const uint32_t of = FLAG_OF | FLAG_NX;
    const R from_65520[5] = {{INF, of}, {MAX, FLAG_NX}, {MAX, FLAG_NX}, {INF, of}, {INF, of}};
    for (Rm rm : kModes) {
        EXPECT_EQ(raw_op(fcvt_h_s(rm), 0xffffffff3f801000ull), (R{one_and_half_ulp[rm], FLAG_NX}));
        EXPECT_EQ(raw_op(fcvt_h_d(rm), 0x3ff0020000000000ull), (R{one_and_half_ulp[rm], FLAG_NX}));
        EXPECT_EQ(raw_op(fcvt_h_s(rm), 0xffffffff477ff000ull), from_65520[rm]) << "65520";
        EXPECT_EQ(raw_op(fcvt_h_d(rm), 0x3e70000000000000ull).flags, 0u) << "2^-24 is exact";
    }
    // A single below half's range: zero or the smallest subnormal, tiny.
    EXPECT_EQ(raw_op(fcvt_h_s(RNE), 0xffffffff33000000ull), (R{0, FLAG_UF | FLAG_NX}));
    EXPECT_EQ(raw_op(fcvt_h_s(RUP), 0xffffffff00000001ull), (R{1, FLAG_UF | FLAG_NX}));
    EXPECT_EQ(raw_op(fcvt_h_d(RDN), 0x8000000000000001ull), (R{0x8001, FLAG_UF | FLAG_NX}));
}

TEST_F(RiscvFpHalf, ConvertToIntegerSaturates) {
    const uint64_t IMAX32 = 0x7fffffff, IMIN32 = 0xffffffff80000000ull, UMAX = ~0ull;
    const uint64_t IMAX64 = 0x7fffffffffffffffull, IMIN64 = 0x8000000000000000ull;
    struct Case {
        uint16_t v;
        uint64_t x[4]; // w, wu, l, lu
        uint32_t flags[4];
    };
    const uint32_t V = FLAG_NV, X = FLAG_NX;
    const Case cases[] = {
        {ONE, {1, 1, 1, 1}, {0, 0, 0, 0}},
        {neg(ONE), {UMAX, 0, UMAX, 0}, {0, V, 0, V}},
        {MAX, {65504, 65504, 65504, 65504}, {0, 0, 0, 0}},
        {neg(MAX), {~65503ull, 0, ~65503ull, 0}, {0, V, 0, V}},
        {INF, {IMAX32, UMAX, IMAX64, UMAX}, {V, V, V, V}},
        {neg(INF), {IMIN32, 0, IMIN64, 0}, {V, V, V, V}},
        {CANON_NAN, {IMAX32, UMAX, IMAX64, UMAX}, {V, V, V, V}},
        {0xfe00, {IMAX32, UMAX, IMAX64, UMAX}, {V, V, V, V}},
        {SIG_NAN, {IMAX32, UMAX, IMAX64, UMAX}, {V, V, V, V}},
        {0xb800, {0, 0, 0, 0}, {X, X, X, X}}, // -0.5 rounds to -0: no NV
        {MIN_SUBNORMAL, {0, 0, 0, 0}, {X, X, X, X}},
        {0x8000, {0, 0, 0, 0}, {0, 0, 0, 0}},
    };
    for (const Case& c : cases) {
        for (uint32_t type = 0; type < 4; type++) {
            EXPECT_EQ(xop(fcvt_to_int_h(type, RNE), c.v), std::make_pair(c.x[type], c.flags[type]))
                << std::hex << c.v << " type " << type;
        }
    }
    // 2.5 and -2.5 in every mode.
    const uint64_t up[5] = {2, 2, 2, 3, 3};
    const uint64_t down[5] = {~1ull, ~1ull, ~2ull, ~1ull, ~2ull};
    for (Rm rm : kModes) {
        EXPECT_EQ(xop(fcvt_to_int_h(0, rm), 0x4100), std::make_pair(up[rm], X)) << rm;
        EXPECT_EQ(xop(fcvt_to_int_h(2, DYN), 0xc100, 0, rm), std::make_pair(down[rm], X)) << rm;
    }
}

TEST_F(RiscvFpHalf, ConvertFromInteger) {
    const uint16_t tie2049[5] = {0x6800, 0x6800, 0x6800, 0x6801, 0x6801};
    const uint16_t tie2051[5] = {0x6802, 0x6801, 0x6801, 0x6802, 0x6802};
    for (Rm rm : kModes) {
        for (uint32_t type = 0; type < 4; type++) {
            EXPECT_EQ(from_x(fcvt_h_from_int(type, rm), 2049), (R{tie2049[rm], FLAG_NX}));
            EXPECT_EQ(from_x(fcvt_h_from_int(type, rm), 2051), (R{tie2051[rm], FLAG_NX}));
            EXPECT_EQ(from_x(fcvt_h_from_int(type, rm), 2048), (R{0x6800, 0}));
            EXPECT_EQ(from_x(fcvt_h_from_int(type, rm), 0), (R{0, 0}));
        }
    }
    // w and l are signed; w and wu read the low 32 bits only.
    EXPECT_EQ(from_x(fcvt_h_from_int(0), ~0ull), (R{neg(ONE), 0}));
    EXPECT_EQ(from_x(fcvt_h_from_int(0), 0xffffffff00000001ull), (R{ONE, 0}));
    EXPECT_EQ(from_x(fcvt_h_from_int(1), 0x5555555500000002ull), (R{TWO, 0}));
    EXPECT_EQ(from_x(fcvt_h_from_int(1, RTZ), 0xffffffffull), (R{MAX, FLAG_OF | FLAG_NX}));
    EXPECT_EQ(from_x(fcvt_h_from_int(3, RNE), ~0ull), (R{INF, FLAG_OF | FLAG_NX}));
    EXPECT_EQ(from_x(fcvt_h_from_int(2, RNE), ~0ull), (R{neg(ONE), 0}));
}

// --- gating ---

TEST_F(RiscvFpHalf, DisabledExtensionsAreIllegal) {
    h.x.set(5, test::HartHarness::DATA);
    // Zfhmin alone: moves and conversions, but no arithmetic.
    without(ext_bit(Ext::Zfh));
    for (uint32_t insn : {fadd_h(), fmadd_h(), fsqrt_h(), fmin_h(), feq_h(), fclass_h(),
                          fcvt_to_int_h(0), fcvt_h_from_int(3), fsgnj_h(0)}) {
        expect_illegal(insn);
    }
    for (uint32_t insn :
         {flh(0), fsh(0), fmv_x_h(), fmv_h_x(), fcvt_s_h(), fcvt_h_s(), fcvt_d_h(), fcvt_h_d()}) {
        t.run({insn});
        EXPECT_FALSE(t.trapped()) << disassemble(insn, 0);
    }
    // The conversions with double need D too.
    without(ext_bit(Ext::D));
    expect_illegal(fcvt_d_h());
    expect_illegal(fcvt_h_d());
    t.run({fcvt_s_h()});
    EXPECT_FALSE(t.trapped());
    // Neither: nothing of half precision is left.
    without(ext_bit(Ext::Zfhmin));
    for (uint32_t insn : {flh(0), fsh(0), fmv_x_h(), fmv_h_x(), fcvt_s_h(), fcvt_h_s()})
        expect_illegal(insn);
}

TEST_F(RiscvFpHalf, ReservedRoundingModesAreIllegal) {
    for (uint32_t insn : {fadd_h(5), fsqrt_h(6), fmadd_h(5), fcvt_to_int_h(1, 6),
                          fcvt_h_from_int(2, 5), fcvt_h_s(5), fcvt_s_h(6)}) {
        expect_illegal(insn);
    }
    for (uint32_t frm : {5u, 6u, 7u})
        expect_illegal(fmul_h(DYN), frm);
}

TEST(RiscvIsaExtHalf, ZfhAndZfhminRequireF) {
    IsaConfig cfg;
    ASSERT_TRUE(cfg.has(Ext::Zfh));
    cfg.exts &= ~ext_bits(Ext::F, Ext::D);
    EXPECT_EQ(isa_validate(cfg).error().message, "Zfh/Zfhmin extensions require F extension");
    cfg.exts &= ~ext_bit(Ext::Zfh);
    EXPECT_EQ(isa_validate(cfg).error().message, "Zfh/Zfhmin extensions require F extension");
    cfg.exts &= ~ext_bit(Ext::Zfhmin);
    EXPECT_TRUE(isa_validate(cfg).ok());
}

// --- fpu-half.cpp against the host's doubles ---

namespace {

double to_double(uint16_t v) {
    uint32_t flags = 0;
    return std::bit_cast<double>(fpu::f16_to_f64(v, flags));
}

bool is_nan16(uint16_t v) { return (v & 0x7fff) > 0x7c00; }

} // namespace

// Every half survives the trip through single and double exactly.
TEST(RiscvFpHalfExhaustive, WideningAndNarrowingBackIsExact) {
    for (uint32_t x = 0; x < 0x10000; x++) {
        auto v = static_cast<uint16_t>(x);
        if (is_nan16(v)) continue;
        uint32_t flags = 0;
        uint64_t d = fpu::f16_to_f64(v, flags);
        uint32_t s = fpu::f16_to_f32(v, flags);
        ASSERT_EQ(std::bit_cast<double>(d), double(std::bit_cast<float>(s)));
        for (int rm = 0; rm < 5; rm++) {
            ASSERT_EQ(fpu::f64_to_f16(d, fpu::Rounding(rm), flags), v);
            ASSERT_EQ(fpu::f32_to_f16(s, fpu::Rounding(rm), flags), v);
        }
        ASSERT_EQ(flags, 0u) << std::hex << x;
    }
}

// Sums and products of halves are exact in double; rounded to half from
// there (by f64_to_f16, checked above and through the instructions) they
// must be what fpu's own add and mul give, flags included. Quotients and
// square roots are correctly rounded through double in RNE (53 >= 2*11 + 2).
TEST(RiscvFpHalfExhaustive, ArithmeticAgreesWithExactDoubles) {
    std::mt19937 rng(2024);
    auto check = [](const char* what, uint16_t a, uint16_t b, fpu::Rounding rm, uint16_t got,
                    uint32_t got_flags, double exact) {
        uint32_t flags = 0;
        uint16_t want = fpu::f64_to_f16(std::bit_cast<uint64_t>(exact), rm, flags);
        if (is_nan16(want)) want = fpu::F16_CANONICAL_NAN;
        ASSERT_EQ(got, want) << what << fmt::format(" 0x{:04x} 0x{:04x} rm {}", a, b, int(rm));
        if (!std::isnan(exact)) {
            ASSERT_EQ(got_flags, flags)
                << what << fmt::format(" 0x{:04x} 0x{:04x} rm {}", a, b, int(rm));
        }
    };
    for (int n = 0; n < 200000; n++) {
        auto a = static_cast<uint16_t>(rng()), b = static_cast<uint16_t>(rng());
        if (n % 4 == 0) b = static_cast<uint16_t>((a & 0xfc00) ^ (rng() & 0x83ff)); // near a
        if (is_nan16(a) || is_nan16(b)) continue;
        double x = to_double(a), y = to_double(b);
        for (int m = 0; m < 5; m++) {
            auto rm = fpu::Rounding(m);
            uint32_t f = 0;
            uint16_t r = fpu::add(a, b, rm, f);
            if (x + y == 0) { // exact zeros: the sign rules, no flags
                bool same_zero = x == 0 && (a & 0x8000) == (b & 0x8000);
                uint16_t want = same_zero ? a : rm == fpu::Rounding::RDN ? 0x8000 : 0x0000;
                ASSERT_EQ(r, want) << fmt::format("0x{:04x} + 0x{:04x} rm {}", a, b, m);
                ASSERT_EQ(f, 0u);
            } else {
                check("add", a, b, rm, r, f, x + y);
            }
            f = 0;
            r = fpu::mul(a, b, rm, f);
            check("mul", a, b, rm, r, f, x * y);
        }
        uint32_t f = 0;
        uint16_t r = fpu::div(a, b, fpu::Rounding::RNE, f);
        if (y != 0 && !std::isnan(x / y)) check("div", a, b, fpu::Rounding::RNE, r, f, x / y);
    }
    for (uint32_t v = 0; v < 0x10000; v++) {
        auto a = static_cast<uint16_t>(v);
        if (is_nan16(a) || (a & 0x8000)) continue;
        uint32_t f = 0;
        uint16_t r = fpu::sqrt(a, fpu::Rounding::RNE, f);
        check("sqrt", a, 0, fpu::Rounding::RNE, r, f, std::sqrt(to_double(a)));
    }
}
