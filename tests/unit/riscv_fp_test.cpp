// F and D, instruction by instruction: each test writes encodings into a
// hart's RAM (hart_harness.h), runs them, and checks the f and x registers,
// fflags, mstatus.FS and traps. The typed tests run once for single and once
// for double precision. RiscvFpu checks fpu.cpp directly: the host-FPU path
// against the software one, on many random operands.
#include "hw/cpu/riscv/fpu.h"
#include "hw/cpu/riscv/insn-table.h"
#include "tests/unit/hart_harness.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <bit>
#include <cfenv>
#include <cfloat>
#include <cmath>
#include <random>
#include <string>

using namespace mq;
using namespace mq::riscv;
using fpu::FLAG_DZ;
using fpu::FLAG_NV;
using fpu::FLAG_NX;
using fpu::FLAG_OF;
using fpu::FLAG_UF;

namespace {

// --- encodings ---

enum Rm : uint32_t { RNE = 0, RTZ = 1, RDN = 2, RUP = 3, RMM = 4, DYN = 7 };
constexpr Rm kModes[] = {RNE, RTZ, RDN, RUP, RMM};

// Operands: f1, f2, f3 (and x1 for integer sources); results: f10 or x10.
constexpr uint32_t OP_FP = 0x53;
constexpr uint32_t fp(uint32_t funct7, uint32_t rs2, uint32_t rm) {
    return funct7 << 25 | rs2 << 20 | 1u << 15 | rm << 12 | 10u << 7 | OP_FP;
}
constexpr uint32_t fp4(uint32_t opcode, uint32_t fmt, uint32_t rm) {
    return 3u << 27 | fmt << 25 | 2u << 20 | 1u << 15 | rm << 12 | 10u << 7 | opcode;
}

// One precision: its encodings, and values built from its fields.
template <typename Bits, typename HostT, uint32_t Fmt, int FracBits>
struct Precision {
    using U = Bits;
    using Host = HostT;
    static constexpr uint32_t FMT = Fmt;
    static constexpr int FRAC = FracBits;
    static constexpr int BIAS = Fmt == 0 ? 127 : 1023;
    static constexpr U SIGN = U(1) << (sizeof(U) * 8 - 1);
    static constexpr U INF = (SIGN - 1) & ~((U(1) << FRAC) - 1);
    static constexpr U CANONICAL_NAN = INF | (U(1) << (FRAC - 1));
    static constexpr U QUIET_NAN = CANONICAL_NAN | 0x123; // a payload to lose
    static constexpr U SIGNALING_NAN = INF | 1;
    static constexpr U MAX = INF - 1;
    static constexpr U MIN_NORMAL = U(1) << FRAC;
    static constexpr U MAX_SUBNORMAL = MIN_NORMAL - 1;
    static constexpr U MIN_SUBNORMAL = 1;
    static constexpr U ULP1 = 1; // 1.0's last bit, as a fraction field

    // 2^e * (1 + frac / 2^FRAC)
    static constexpr U pow2(int e, U frac = 0) { return U(e + BIAS) << FRAC | frac; }
    static U num(double v) { return std::bit_cast<U>(static_cast<Host>(v)); }
    static U neg(U v) { return v ^ SIGN; }
    // How a value of this precision sits in an f register.
    static constexpr uint64_t reg(U v) { return sizeof(U) == 4 ? (0xffffffff00000000ull | v) : v; }

    static constexpr uint32_t fadd(uint32_t rm = DYN) { return fp(0x00 | FMT, 2, rm); }
    static constexpr uint32_t fsub(uint32_t rm = DYN) { return fp(0x04 | FMT, 2, rm); }
    static constexpr uint32_t fmul(uint32_t rm = DYN) { return fp(0x08 | FMT, 2, rm); }
    static constexpr uint32_t fdiv(uint32_t rm = DYN) { return fp(0x0c | FMT, 2, rm); }
    static constexpr uint32_t fsqrt(uint32_t rm = DYN) { return fp(0x2c | FMT, 0, rm); }
    static constexpr uint32_t fsgnj() { return fp(0x10 | FMT, 2, 0); }
    static constexpr uint32_t fsgnjn() { return fp(0x10 | FMT, 2, 1); }
    static constexpr uint32_t fsgnjx() { return fp(0x10 | FMT, 2, 2); }
    static constexpr uint32_t fmin() { return fp(0x14 | FMT, 2, 0); }
    static constexpr uint32_t fmax() { return fp(0x14 | FMT, 2, 1); }
    static constexpr uint32_t feq() { return fp(0x50 | FMT, 2, 2); }
    static constexpr uint32_t flt() { return fp(0x50 | FMT, 2, 1); }
    static constexpr uint32_t fle() { return fp(0x50 | FMT, 2, 0); }
    static constexpr uint32_t fclass() { return fp(0x70 | FMT, 0, 1); }
    static constexpr uint32_t fmv_to_x() { return fp(0x70 | FMT, 0, 0); }
    static constexpr uint32_t fmv_from_x() { return fp(0x78 | FMT, 0, 0); }
    // Integer types: 0 w, 1 wu, 2 l, 3 lu.
    static constexpr uint32_t fcvt_to_int(uint32_t type, uint32_t rm = DYN) {
        return fp(0x60 | FMT, type, rm);
    }
    static constexpr uint32_t fcvt_from_int(uint32_t type, uint32_t rm = DYN) {
        return fp(0x68 | FMT, type, rm);
    }
    static constexpr uint32_t fmadd(uint32_t rm = DYN) { return fp4(0x43, FMT, rm); }
    static constexpr uint32_t fmsub(uint32_t rm = DYN) { return fp4(0x47, FMT, rm); }
    static constexpr uint32_t fnmsub(uint32_t rm = DYN) { return fp4(0x4b, FMT, rm); }
    static constexpr uint32_t fnmadd(uint32_t rm = DYN) { return fp4(0x4f, FMT, rm); }
    // fl[wd] f10, imm(x5) and fs[wd] f2, imm(x5)
    static constexpr uint32_t fload(int32_t imm) {
        return uint32_t(imm & 0xfff) << 20 | 5u << 15 | (2 + FMT) << 12 | 10u << 7 | 0x07;
    }
    static constexpr uint32_t fstore(int32_t imm) {
        uint32_t u = imm & 0xfff;
        return (u >> 5) << 25 | 2u << 20 | 5u << 15 | (2 + FMT) << 12 | (u & 0x1f) << 7 | 0x27;
    }
};

using Single = Precision<uint32_t, float, 0, 23>;
using Double = Precision<uint64_t, double, 1, 52>;

constexpr uint32_t FCVT_S_D(uint32_t rm = DYN) { return fp(0x20, 1, rm); }
constexpr uint32_t FCVT_D_S(uint32_t rm = DYN) { return fp(0x21, 0, rm); }

constexpr uint64_t kMstatusFs = MSTATUS_FS;
constexpr uint64_t fs_bits(uint64_t fs) { return fs << 13; }

// --- the fixture: one hart, FS Initial ---

class FpHart {
public:
    FpHart() { h.mstatus = (h.mstatus & ~kMstatusFs) | fs_bits(FS_INITIAL); }

    struct Out {
        uint64_t f;     // f10
        uint64_t x;     // x10
        uint32_t flags; // fflags afterwards (cleared before)
    };

    // Runs `insn` with f1..f3 and x1 as given; fails the test on a trap.
    Out exec(uint32_t insn, uint64_t f1, uint64_t f2 = 0, uint64_t f3 = 0, uint64_t x1 = 0,
             uint32_t frm = 0) {
        h.f[1] = f1, h.f[2] = f2, h.f[3] = f3;
        h.x.set(1, x1);
        h.f[10] = 0x5555555555555555ull;
        h.x.set(10, 0x5555555555555555ull);
        h.fflags = 0;
        h.frm = frm;
        t.run({insn});
        EXPECT_FALSE(t.trapped()) << "0x" << std::hex << insn << ": " << disassemble(insn, 0)
                                  << " trapped with mcause " << h.mcause;
        return {h.f[10], h.x[10], h.fflags};
    }

    // Runs `insn` and expects an illegal-instruction trap.
    void expect_illegal(uint32_t insn, uint32_t frm = 0) {
        h.frm = frm;
        t.run({insn});
        EXPECT_TRUE(t.trapped()) << disassemble(insn, 0);
        EXPECT_EQ(h.mcause, EXCP_ILLEGAL_INST) << disassemble(insn, 0);
        EXPECT_EQ(h.mtval, insn);
        EXPECT_EQ(h.mepc, test::HartHarness::CODE);
    }

    test::HartHarness t;
    Hart& h = t.hart;
};

template <typename T>
class RiscvFp : public ::testing::Test, public FpHart {
protected:
    using U = typename T::U;

    struct R {
        U v;
        uint32_t flags;
        bool operator==(const R&) const = default;
        friend void PrintTo(const R& r, std::ostream* os) {
            *os << fmt::format("{{0x{:x}, flags 0x{:x}}}", r.v, r.flags);
        }
    };

    // f10 = insn(f1, f2, f3) in this precision; the result must be boxed.
    R op(uint32_t insn, U a, U b = 0, U c = 0, uint32_t frm = 0) {
        Out o = exec(insn, T::reg(a), T::reg(b), T::reg(c), 0, frm);
        if (sizeof(U) == 4) {
            EXPECT_EQ(o.f >> 32, 0xffffffffu) << "a single result is NaN-boxed";
        }
        return {static_cast<U>(o.f), o.flags};
    }
    // x10 = insn(f1, f2).
    std::pair<uint64_t, uint32_t> xop(uint32_t insn, U a, U b = 0) {
        Out o = exec(insn, T::reg(a), T::reg(b));
        return {o.x, o.flags};
    }
    // f10 = insn(x1).
    R from_x(uint32_t insn, uint64_t x, uint32_t frm = 0) {
        Out o = exec(insn, 0, 0, 0, x, frm);
        if (sizeof(U) == 4) {
            EXPECT_EQ(o.f >> 32, 0xffffffffu);
        }
        return {static_cast<U>(o.f), o.flags};
    }
};

} // namespace

using Precisions = ::testing::Types<Single, Double>;
class PrecisionNames {
public:
    template <typename T>
    static std::string GetName(int) {
        return sizeof(typename T::U) == 4 ? "S" : "D";
    }
};
TYPED_TEST_SUITE(RiscvFp, Precisions, PrecisionNames);

// --- arithmetic on ordinary values ---

TYPED_TEST(RiscvFp, ArithmeticOnNormalValues) {
    using T = TypeParam;
    using R = typename TestFixture::R;
    auto n = T::num;
    EXPECT_EQ(this->op(T::fadd(), n(1.5), n(2.25)), (R{n(3.75), 0}));
    EXPECT_EQ(this->op(T::fsub(), n(1.5), n(2.25)), (R{n(-0.75), 0}));
    EXPECT_EQ(this->op(T::fmul(), n(1.5), n(-2.25)), (R{n(-3.375), 0}));
    EXPECT_EQ(this->op(T::fdiv(), n(10), n(4)), (R{n(2.5), 0}));
    EXPECT_EQ(this->op(T::fsqrt(), n(2.25)), (R{n(1.5), 0}));
    EXPECT_EQ(this->op(T::fmadd(), n(2), n(3), n(1)), (R{n(7), 0}));
    EXPECT_EQ(this->op(T::fmsub(), n(2), n(3), n(1)), (R{n(5), 0}));
    EXPECT_EQ(this->op(T::fnmsub(), n(2), n(3), n(1)), (R{n(-5), 0}));
    EXPECT_EQ(this->op(T::fnmadd(), n(2), n(3), n(1)), (R{n(-7), 0}));
    // Inexact results, as the host rounds them to nearest.
    using H = typename T::Host;
    volatile H one = 1, three = 3, two = 2;
    EXPECT_EQ(this->op(T::fdiv(), n(1), n(3)),
              (R{std::bit_cast<typename T::U>(H(one / three)), FLAG_NX}));
    EXPECT_EQ(this->op(T::fsqrt(), n(2)),
              (R{std::bit_cast<typename T::U>(H(std::sqrt(H(two)))), FLAG_NX}));
    // x + (-x) is +0, but -0 rounding down.
    EXPECT_EQ(this->op(T::fadd(RNE), n(1), n(-1)), (R{0, 0}));
    EXPECT_EQ(this->op(T::fadd(RDN), n(1), n(-1)), (R{T::SIGN, 0}));
    EXPECT_EQ(this->op(T::fadd(), T::SIGN, T::SIGN), (R{T::SIGN, 0}));
    // fmadd rounds once: (1 + u)(1 - u) - 1 = -u^2, which a rounded product loses.
    const typename T::U one_plus_u = T::pow2(0, 1), one_minus_u = T::pow2(-1, T::MAX_SUBNORMAL - 1);
    EXPECT_EQ(this->op(T::fmadd(), one_plus_u, one_minus_u, n(-1)),
              (R{T::neg(T::pow2(-2 * T::FRAC)), 0}));
}

// --- rounding modes ---

// Each case gives the result for RNE, RTZ, RDN, RUP, RMM.
template <typename U>
struct RoundingCase {
    const char* what;
    uint32_t (*insn)(uint32_t);
    U a, b, c;
    U expected[5];
    uint32_t flags;
};

TYPED_TEST(RiscvFp, EveryRoundingMode) {
    using T = TypeParam;
    using U = typename T::U;
    const U one = T::pow2(0), one_u = T::pow2(0, 1), one_2u = T::pow2(0, 2);
    const U half_ulp = T::pow2(-T::FRAC - 1),
            three_quarter_ulp = T::pow2(-T::FRAC - 1, U(1) << (T::FRAC - 1));
    const U m_one = T::neg(one), m_one_u = T::neg(one_u), m_half_ulp = T::neg(half_ulp);
    const U one5 = T::pow2(0, U(1) << (T::FRAC - 1)); // 1.5
    const U one_3u = T::pow2(0, 3);
    auto at = [&](U base, U ulps) { return U(base + ulps); };
    const uint32_t x = FLAG_NX;
    // clang-format off
    const RoundingCase<U> cases[] = {
        // 1 + u/2: a tie whose even neighbour is below.
        {"tie, even below",  T::fadd,   one,   half_ulp,   0, {one, one, one, one_u, one_u}, x},
        {"negative tie",     T::fadd,   m_one, m_half_ulp, 0, {m_one, m_one, m_one_u, m_one, m_one_u}, x},
        // (1 + u) + u/2: the even neighbour is above.
        {"tie, even above",  T::fadd,   one_u, half_ulp,   0, {one_2u, one_u, one_u, one_2u, one_2u}, x},
        {"three quarters",   T::fadd,   one,   three_quarter_ulp, 0, {one_u, one, one, one_u, one_u}, x},
        {"sub tie",          T::fsub,   one,   T::neg(half_ulp), 0, {one, one, one, one_u, one_u}, x},
        // 1.5 * (1 + 3u) = 1.5 + 4.5u
        {"mul tie",          T::fmul,   one5,  one_3u, 0, {at(one5, 4), at(one5, 4), at(one5, 4), at(one5, 5), at(one5, 5)}, x},
        {"negative mul tie", T::fmul,   T::neg(one5), one_3u, 0,
         {T::neg(at(one5, 4)), T::neg(at(one5, 4)), T::neg(at(one5, 5)), T::neg(at(one5, 4)), T::neg(at(one5, 5))}, x},
        // 5 * min_subnormal / 2 = 2.5 min_subnormal: tiny and inexact.
        {"subnormal div tie", T::fdiv,  5,     T::num(2),  0, {2, 2, 2, 3, 3}, x | FLAG_UF},
        {"fmadd tie",        T::fmadd,  one,   one,   half_ulp, {one, one, one, one_u, one_u}, x},
        {"fnmadd tie",       T::fnmadd, one,   one,   half_ulp, {m_one, m_one, m_one_u, m_one, m_one_u}, x},
    };
    // clang-format on
    for (const auto& c : cases) {
        for (Rm rm : kModes) {
            auto r = this->op(c.insn(rm), c.a, c.b, c.c);
            EXPECT_EQ(r.v, c.expected[rm]) << c.what << " rm " << rm;
            EXPECT_EQ(r.flags, c.flags) << c.what << " rm " << rm;
            // The same through frm.
            auto d = this->op(c.insn(DYN), c.a, c.b, c.c, rm);
            EXPECT_EQ(d.v, c.expected[rm]) << c.what << " dynamic rm " << rm;
        }
    }
}

TYPED_TEST(RiscvFp, SqrtOfTwoInEveryMode) {
    using T = TypeParam;
    using U = typename T::U;
    const U nearest = this->op(T::fsqrt(RNE), T::num(2)).v;
    // sqrt(2) = 1.0110101000001001111001100110011111110011101111001100... (2^0):
    // the single rounds down to nearest, the double up.
    const U below = sizeof(U) == 4 ? nearest : nearest - 1;
    const U above = below + 1;
    EXPECT_EQ(this->op(T::fsqrt(RTZ), T::num(2)).v, below);
    EXPECT_EQ(this->op(T::fsqrt(RDN), T::num(2)).v, below);
    EXPECT_EQ(this->op(T::fsqrt(RUP), T::num(2)).v, above);
    EXPECT_EQ(this->op(T::fsqrt(RMM), T::num(2)).v, nearest);
    EXPECT_EQ(this->op(T::fsqrt(RMM), T::num(2)).flags, FLAG_NX);
}

// --- exception flags ---

TYPED_TEST(RiscvFp, ExceptionFlags) {
    using T = TypeParam;
    using R = typename TestFixture::R;
    auto n = T::num;
    // NX
    EXPECT_EQ(this->op(T::fadd(), n(1), T::pow2(-T::FRAC - 2)), (R{n(1), FLAG_NX}));
    // OF (with NX): to infinity or the largest finite value, by mode.
    EXPECT_EQ(this->op(T::fmul(RNE), T::MAX, n(2)), (R{T::INF, FLAG_OF | FLAG_NX}));
    EXPECT_EQ(this->op(T::fmul(RTZ), T::MAX, n(2)), (R{T::MAX, FLAG_OF | FLAG_NX}));
    EXPECT_EQ(this->op(T::fmul(RDN), T::MAX, n(2)), (R{T::MAX, FLAG_OF | FLAG_NX}));
    EXPECT_EQ(this->op(T::fmul(RUP), T::MAX, n(2)), (R{T::INF, FLAG_OF | FLAG_NX}));
    EXPECT_EQ(this->op(T::fmul(RMM), T::MAX, n(2)), (R{T::INF, FLAG_OF | FLAG_NX}));
    EXPECT_EQ(this->op(T::fmul(RDN), T::neg(T::MAX), n(2)), (R{T::neg(T::INF), FLAG_OF | FLAG_NX}));
    EXPECT_EQ(this->op(T::fadd(RMM), T::MAX, T::MAX), (R{T::INF, FLAG_OF | FLAG_NX}));
    // UF: tiny and inexact. An exact subnormal result raises nothing.
    EXPECT_EQ(this->op(T::fmul(), T::MIN_NORMAL, n(0.5)), (R{T::MIN_NORMAL / 2, 0}));
    EXPECT_EQ(this->op(T::fmul(), T::MIN_SUBNORMAL, n(0.5)), (R{0, FLAG_UF | FLAG_NX}));
    EXPECT_EQ(this->op(T::fmul(RUP), T::MIN_SUBNORMAL, n(0.5)), (R{1, FLAG_UF | FLAG_NX}));
    EXPECT_EQ(this->op(T::fmul(RMM), T::MIN_SUBNORMAL, n(0.5)), (R{1, FLAG_UF | FLAG_NX}));
    EXPECT_EQ(this->op(T::fmul(RMM), T::MIN_SUBNORMAL, n(0.25)), (R{0, FLAG_UF | FLAG_NX}));
    // Tininess is detected after rounding: (1 + u) * max_subnormal rounds to
    // the smallest normal, so it is not tiny: NX alone.
    EXPECT_EQ(this->op(T::fmul(), T::pow2(0, 1), T::MAX_SUBNORMAL), (R{T::MIN_NORMAL, FLAG_NX}));
    EXPECT_EQ(this->op(T::fmul(RMM), T::pow2(0, 1), T::MAX_SUBNORMAL), (R{T::MIN_NORMAL, FLAG_NX}));
    EXPECT_EQ(this->op(T::fmul(RTZ), T::pow2(0, 1), T::MAX_SUBNORMAL),
              (R{T::MAX_SUBNORMAL, FLAG_UF | FLAG_NX}));
    // DZ
    EXPECT_EQ(this->op(T::fdiv(), n(1), 0), (R{T::INF, FLAG_DZ}));
    EXPECT_EQ(this->op(T::fdiv(), n(-1), 0), (R{T::neg(T::INF), FLAG_DZ}));
    EXPECT_EQ(this->op(T::fdiv(), n(1), T::SIGN), (R{T::neg(T::INF), FLAG_DZ}));
    EXPECT_EQ(this->op(T::fdiv(), T::INF, 0), (R{T::INF, 0})) << "inf / 0 is exact";
    // NV: invalid operations give the canonical NaN.
    EXPECT_EQ(this->op(T::fdiv(), 0, 0), (R{T::CANONICAL_NAN, FLAG_NV}));
    EXPECT_EQ(this->op(T::fdiv(), T::INF, T::INF), (R{T::CANONICAL_NAN, FLAG_NV}));
    EXPECT_EQ(this->op(T::fsub(), T::INF, T::INF), (R{T::CANONICAL_NAN, FLAG_NV}));
    EXPECT_EQ(this->op(T::fadd(RMM), T::INF, T::neg(T::INF)), (R{T::CANONICAL_NAN, FLAG_NV}));
    EXPECT_EQ(this->op(T::fmul(), T::INF, 0), (R{T::CANONICAL_NAN, FLAG_NV}));
    EXPECT_EQ(this->op(T::fsqrt(), n(-1)), (R{T::CANONICAL_NAN, FLAG_NV}));
    EXPECT_EQ(this->op(T::fsqrt(), T::neg(T::INF)), (R{T::CANONICAL_NAN, FLAG_NV}));
    EXPECT_EQ(this->op(T::fsqrt(), T::SIGN), (R{T::SIGN, 0})) << "sqrt(-0) = -0";
    EXPECT_EQ(this->op(T::fmadd(), T::INF, 0, n(1)), (R{T::CANONICAL_NAN, FLAG_NV}));
    EXPECT_EQ(this->op(T::fmadd(), 0, T::INF, T::QUIET_NAN), (R{T::CANONICAL_NAN, FLAG_NV}))
        << "inf * 0 is invalid even with a quiet NaN addend";
    EXPECT_EQ(this->op(T::fmadd(), T::INF, n(1), T::neg(T::INF)), (R{T::CANONICAL_NAN, FLAG_NV}));
    EXPECT_EQ(this->op(T::fmsub(), T::INF, n(1), T::INF), (R{T::CANONICAL_NAN, FLAG_NV}));
    // Flags accrue: they are ORed into fflags, never cleared.
    this->h.fflags = FLAG_DZ;
    this->h.f[1] = T::reg(n(1)), this->h.f[2] = T::reg(n(3));
    this->t.run({T::fdiv(RNE)});
    EXPECT_EQ(this->h.fflags, FLAG_DZ | FLAG_NX);
}

// --- NaNs ---

TYPED_TEST(RiscvFp, NaNResultsAreCanonical) {
    using T = TypeParam;
    using R = typename TestFixture::R;
    auto n = T::num;
    const typename T::U negative_qnan = T::neg(T::QUIET_NAN);
    for (uint32_t insn : {T::fadd(), T::fsub(), T::fmul(), T::fdiv()}) {
        EXPECT_EQ(this->op(insn, T::QUIET_NAN, n(1)), (R{T::CANONICAL_NAN, 0}))
            << disassemble(insn, 0);
        EXPECT_EQ(this->op(insn, n(1), negative_qnan), (R{T::CANONICAL_NAN, 0}));
        EXPECT_EQ(this->op(insn, T::SIGNALING_NAN, n(1)), (R{T::CANONICAL_NAN, FLAG_NV}));
        EXPECT_EQ(this->op(insn, T::QUIET_NAN, T::SIGNALING_NAN), (R{T::CANONICAL_NAN, FLAG_NV}));
    }
    EXPECT_EQ(this->op(T::fsqrt(), T::QUIET_NAN), (R{T::CANONICAL_NAN, 0}));
    EXPECT_EQ(this->op(T::fsqrt(), T::SIGNALING_NAN), (R{T::CANONICAL_NAN, FLAG_NV}));
    for (uint32_t insn : {T::fmadd(), T::fmsub(), T::fnmsub(), T::fnmadd()}) {
        EXPECT_EQ(this->op(insn, n(1), n(2), T::QUIET_NAN), (R{T::CANONICAL_NAN, 0}));
        EXPECT_EQ(this->op(insn, negative_qnan, n(2), n(3)), (R{T::CANONICAL_NAN, 0}));
        EXPECT_EQ(this->op(insn, n(1), T::SIGNALING_NAN, n(3)), (R{T::CANONICAL_NAN, FLAG_NV}));
        for (Rm rm : kModes) {
            uint32_t with_rm = (insn & ~(7u << 12)) | rm << 12;
            EXPECT_EQ(this->op(with_rm, n(1), n(2), T::SIGNALING_NAN),
                      (R{T::CANONICAL_NAN, FLAG_NV}));
        }
    }
    for (Rm rm : kModes) {
        EXPECT_EQ(this->op(T::fadd(rm), T::SIGNALING_NAN, n(1)), (R{T::CANONICAL_NAN, FLAG_NV}));
        EXPECT_EQ(this->op(T::fmul(rm), T::QUIET_NAN, n(1)), (R{T::CANONICAL_NAN, 0}));
    }
    // Sign injection and moves keep NaN payloads.
    EXPECT_EQ(this->op(T::fsgnjn(), T::QUIET_NAN, n(1)), (R{negative_qnan, 0}));
    EXPECT_EQ(this->op(T::fsgnj(), T::SIGNALING_NAN, n(1)), (R{T::SIGNALING_NAN, 0}))
        << "no NV either";
}

TYPED_TEST(RiscvFp, MinMax) {
    using T = TypeParam;
    using R = typename TestFixture::R;
    auto n = T::num;
    const typename T::U pz = 0, nz = T::SIGN;
    EXPECT_EQ(this->op(T::fmin(), n(1), n(2)), (R{n(1), 0}));
    EXPECT_EQ(this->op(T::fmax(), n(1), n(2)), (R{n(2), 0}));
    EXPECT_EQ(this->op(T::fmin(), n(-3), n(2)), (R{n(-3), 0}));
    EXPECT_EQ(this->op(T::fmax(), T::neg(T::INF), n(-2)), (R{n(-2), 0}));
    // -0 < +0, in either order.
    EXPECT_EQ(this->op(T::fmin(), pz, nz), (R{nz, 0}));
    EXPECT_EQ(this->op(T::fmin(), nz, pz), (R{nz, 0}));
    EXPECT_EQ(this->op(T::fmax(), pz, nz), (R{pz, 0}));
    EXPECT_EQ(this->op(T::fmax(), nz, pz), (R{pz, 0}));
    // A NaN operand gives the other operand; two give the canonical NaN.
    EXPECT_EQ(this->op(T::fmin(), T::QUIET_NAN, n(1)), (R{n(1), 0}));
    EXPECT_EQ(this->op(T::fmax(), n(1), T::QUIET_NAN), (R{n(1), 0}));
    EXPECT_EQ(this->op(T::fmin(), T::QUIET_NAN, T::neg(T::QUIET_NAN)), (R{T::CANONICAL_NAN, 0}));
    EXPECT_EQ(this->op(T::fmax(), T::QUIET_NAN, T::QUIET_NAN), (R{T::CANONICAL_NAN, 0}));
    // A signaling NaN sets NV, and still loses to a number.
    EXPECT_EQ(this->op(T::fmin(), T::SIGNALING_NAN, n(1)), (R{n(1), FLAG_NV}));
    EXPECT_EQ(this->op(T::fmax(), n(-1), T::SIGNALING_NAN), (R{n(-1), FLAG_NV}));
    EXPECT_EQ(this->op(T::fmax(), T::SIGNALING_NAN, T::QUIET_NAN), (R{T::CANONICAL_NAN, FLAG_NV}));
}

TYPED_TEST(RiscvFp, Comparisons) {
    using T = TypeParam;
    using X = std::pair<uint64_t, uint32_t>;
    auto n = T::num;
    EXPECT_EQ(this->xop(T::feq(), n(1), n(1)), (X{1, 0}));
    EXPECT_EQ(this->xop(T::feq(), n(1), n(2)), (X{0, 0}));
    EXPECT_EQ(this->xop(T::flt(), n(1), n(2)), (X{1, 0}));
    EXPECT_EQ(this->xop(T::flt(), n(2), n(1)), (X{0, 0}));
    EXPECT_EQ(this->xop(T::fle(), n(2), n(2)), (X{1, 0}));
    EXPECT_EQ(this->xop(T::flt(), n(-2), n(-1)), (X{1, 0}));
    EXPECT_EQ(this->xop(T::fle(), T::neg(T::INF), n(-1)), (X{1, 0}));
    // -0 == +0
    EXPECT_EQ(this->xop(T::feq(), T::SIGN, 0), (X{1, 0}));
    EXPECT_EQ(this->xop(T::flt(), T::SIGN, 0), (X{0, 0}));
    EXPECT_EQ(this->xop(T::fle(), 0, T::SIGN), (X{1, 0}));
    // feq is quiet: NV for signaling NaNs only. flt and fle signal on any NaN.
    EXPECT_EQ(this->xop(T::feq(), T::QUIET_NAN, n(1)), (X{0, 0}));
    EXPECT_EQ(this->xop(T::feq(), T::QUIET_NAN, T::QUIET_NAN), (X{0, 0}));
    EXPECT_EQ(this->xop(T::feq(), n(1), T::SIGNALING_NAN), (X{0, FLAG_NV}));
    EXPECT_EQ(this->xop(T::flt(), T::QUIET_NAN, n(1)), (X{0, FLAG_NV}));
    EXPECT_EQ(this->xop(T::fle(), n(1), T::QUIET_NAN), (X{0, FLAG_NV}));
    EXPECT_EQ(this->xop(T::fle(), T::SIGNALING_NAN, n(1)), (X{0, FLAG_NV}));
}

TYPED_TEST(RiscvFp, SignInjection) {
    using T = TypeParam;
    using R = typename TestFixture::R;
    auto n = T::num;
    EXPECT_EQ(this->op(T::fsgnj(), n(1), n(-2)), (R{n(-1), 0}));
    EXPECT_EQ(this->op(T::fsgnj(), n(-1), n(2)), (R{n(1), 0}));
    EXPECT_EQ(this->op(T::fsgnjn(), n(1), n(-2)), (R{n(1), 0}));
    EXPECT_EQ(this->op(T::fsgnjn(), n(1), n(2)), (R{n(-1), 0}));
    EXPECT_EQ(this->op(T::fsgnjx(), n(-1), n(-2)), (R{n(1), 0}));
    EXPECT_EQ(this->op(T::fsgnjx(), n(-1), n(2)), (R{n(-1), 0}));
    EXPECT_EQ(this->op(T::fsgnjx(), T::INF, T::SIGN), (R{T::neg(T::INF), 0}));
}

TYPED_TEST(RiscvFp, ClassifiesAllTenClasses) {
    using T = TypeParam;
    auto n = T::num;
    const std::pair<typename T::U, uint64_t> cases[] = {
        {T::neg(T::INF), 1 << 0},
        {n(-1.5), 1 << 1},
        {T::neg(T::MIN_SUBNORMAL), 1 << 2},
        {T::SIGN, 1 << 3},
        {0, 1 << 4},
        {T::MAX_SUBNORMAL, 1 << 5},
        {T::MIN_NORMAL, 1 << 6},
        {T::INF, 1 << 7},
        {T::SIGNALING_NAN, 1 << 8},
        {T::CANONICAL_NAN, 1 << 9},
        {T::neg(T::QUIET_NAN), 1 << 9},
        {T::MAX, 1 << 6},
    };
    for (auto [value, mask] : cases) {
        EXPECT_EQ(this->xop(T::fclass(), value), (std::pair<uint64_t, uint32_t>{mask, 0}))
            << std::hex << value;
    }
}

// --- conversions ---

// Float to integer: a value, then the x register for w, wu, l, lu (32-bit
// results sign-extended), and the flags for each.
struct ToIntCase {
    double value;
    uint64_t x[4];
    uint32_t flags[4];
};

TYPED_TEST(RiscvFp, ConvertToIntegerSaturates) {
    using T = TypeParam;
    const uint64_t IMAX32 = 0x7fffffff, IMIN32 = 0xffffffff80000000, UMAX = ~0ull;
    const uint64_t IMAX64 = 0x7fffffffffffffff, IMIN64 = 0x8000000000000000;
    const uint32_t V = FLAG_NV, X = FLAG_NX;
    const ToIntCase cases[] = {
        {1.0, {1, 1, 1, 1}, {0, 0, 0, 0}},
        {-1.0, {~0ull, 0, ~0ull, 0}, {0, V, 0, V}},
        {1.5, {2, 2, 2, 2}, {X, X, X, X}},  // RNE
        {-0.5, {0, 0, 0, 0}, {X, X, X, X}}, // rounds to -0: not invalid for unsigned
        {-1.5, {~1ull, 0, ~1ull, 0}, {X, V, X, V}},
        {INFINITY, {IMAX32, UMAX, IMAX64, UMAX}, {V, V, V, V}},
        {-INFINITY, {IMIN32, 0, IMIN64, 0}, {V, V, V, V}},
        {NAN, {IMAX32, UMAX, IMAX64, UMAX}, {V, V, V, V}},
        {-NAN, {IMAX32, UMAX, IMAX64, UMAX}, {V, V, V, V}},
        {2147483648.0, {IMAX32, 0xffffffff80000000, 0x80000000, 0x80000000}, {V, 0, 0, 0}},
        {-2147483648.0, {IMIN32, 0, IMIN32, 0}, {0, V, 0, V}},
        {3e9, {IMAX32, 0xffffffffb2d05e00, 3000000000, 3000000000}, {V, 0, 0, 0}},
        {4294967296.0, {IMAX32, UMAX, 0x100000000, 0x100000000}, {V, V, 0, 0}},
        {9223372036854775808.0, {IMAX32, UMAX, IMAX64, IMIN64}, {V, V, V, 0}},
        {-9223372036854775808.0, {IMIN32, 0, IMIN64, 0}, {V, V, 0, V}},
        {18446744073709551616.0, {IMAX32, UMAX, IMAX64, UMAX}, {V, V, V, V}},
        {1e30, {IMAX32, UMAX, IMAX64, UMAX}, {V, V, V, V}},
        {-1e30, {IMIN32, 0, IMIN64, 0}, {V, V, V, V}},
    };
    for (const auto& c : cases) {
        for (uint32_t type = 0; type < 4; type++) {
            auto [x, flags] = this->xop(T::fcvt_to_int(type, RNE), T::num(c.value));
            EXPECT_EQ(x, c.x[type]) << c.value << " type " << type;
            EXPECT_EQ(flags, c.flags[type]) << c.value << " type " << type;
        }
    }
    if constexpr (sizeof(typename T::U) == 8) {
        // Only doubles hold these exactly.
        auto w = [&](double v, uint32_t type) {
            return this->xop(T::fcvt_to_int(type, RNE), T::num(v));
        };
        EXPECT_EQ(w(2147483647.0, 0), (std::pair<uint64_t, uint32_t>{IMAX32, 0}));
        EXPECT_EQ(w(2147483647.4, 0), (std::pair<uint64_t, uint32_t>{IMAX32, X}));
        EXPECT_EQ(w(2147483647.5, 0), (std::pair<uint64_t, uint32_t>{IMAX32, V}))
            << "rounds to 2^31";
        EXPECT_EQ(w(-2147483648.5, 0), (std::pair<uint64_t, uint32_t>{IMIN32, X}))
            << "ties to even";
        EXPECT_EQ(w(-2147483649.0, 0), (std::pair<uint64_t, uint32_t>{IMIN32, V}));
        EXPECT_EQ(w(4294967295.0, 1), (std::pair<uint64_t, uint32_t>{UMAX, 0}));
        EXPECT_EQ(w(4294967295.5, 1), (std::pair<uint64_t, uint32_t>{UMAX, V}));
    }
}

TYPED_TEST(RiscvFp, ConvertToIntegerInEveryMode) {
    using T = TypeParam;
    // value, then RNE, RTZ, RDN, RUP, RMM
    struct Case {
        double value;
        int64_t expected[5];
    };
    const Case cases[] = {
        {2.5, {2, 2, 2, 3, 3}},    {-2.5, {-2, -2, -3, -2, -3}}, {0.5, {0, 0, 0, 1, 1}},
        {-0.5, {0, 0, -1, 0, -1}}, {1.75, {2, 1, 1, 2, 2}},      {-1.25, {-1, -1, -2, -1, -1}},
        {3.5, {4, 3, 3, 4, 4}},    {7.0, {7, 7, 7, 7, 7}},
    };
    for (const auto& [value, expected] : cases) {
        for (Rm rm : kModes) {
            for (uint32_t type : {0u, 2u}) {
                auto [x, flags] = this->xop(T::fcvt_to_int(type, rm), T::num(value));
                EXPECT_EQ(int64_t(x), expected[rm]) << value << " rm " << rm;
                EXPECT_EQ(flags, value == 7.0 ? 0 : FLAG_NX) << value << " rm " << rm;
            }
        }
    }
    // -0.5 to unsigned: rounding to 0 is inexact, rounding to -1 is invalid.
    auto wu = [&](Rm rm) { return this->xop(T::fcvt_to_int(1, rm), T::num(-0.5)); };
    using X = std::pair<uint64_t, uint32_t>;
    EXPECT_EQ(wu(RNE), (X{0, FLAG_NX}));
    EXPECT_EQ(wu(RTZ), (X{0, FLAG_NX}));
    EXPECT_EQ(wu(RUP), (X{0, FLAG_NX}));
    EXPECT_EQ(wu(RDN), (X{0, FLAG_NV}));
    EXPECT_EQ(wu(RMM), (X{0, FLAG_NV}));
    // The tiniest values round to 0 or +-1.
    EXPECT_EQ(this->xop(T::fcvt_to_int(2, RUP), T::MIN_SUBNORMAL), (X{1, FLAG_NX}));
    EXPECT_EQ(this->xop(T::fcvt_to_int(2, RDN), T::neg(T::MIN_SUBNORMAL)), (X{~0ull, FLAG_NX}));
    EXPECT_EQ(this->xop(T::fcvt_to_int(3, RNE), T::neg(T::MIN_SUBNORMAL)), (X{0, FLAG_NX}));
}

TYPED_TEST(RiscvFp, ConvertFromInteger) {
    using T = TypeParam;
    using R = typename TestFixture::R;
    using U = typename T::U;
    auto n = T::num;
    const bool single = sizeof(U) == 4;
    EXPECT_EQ(this->from_x(T::fcvt_from_int(0), uint64_t(-5)), (R{n(-5), 0}));
    EXPECT_EQ(this->from_x(T::fcvt_from_int(0), 0x100000003ull), (R{n(3), 0})) << "w reads 32 bits";
    EXPECT_EQ(this->from_x(T::fcvt_from_int(1), 0xffffffffull),
              (R{n(4294967295.0), single ? FLAG_NX : 0}));
    EXPECT_EQ(this->from_x(T::fcvt_from_int(2), uint64_t(-1)), (R{n(-1), 0}));
    EXPECT_EQ(this->from_x(T::fcvt_from_int(3), ~0ull), (R{n(18446744073709551616.0), FLAG_NX}));
    EXPECT_EQ(this->from_x(T::fcvt_from_int(2), 0x8000000000000000ull),
              (R{n(-9223372036854775808.0), 0}));
    EXPECT_EQ(this->from_x(T::fcvt_from_int(0), 0), (R{0, 0})) << "+0";
    // 2^p + 1 (p = 24 or 53) is a tie: RMM rounds it up, RNE down.
    const uint64_t tie = (1ull << (T::FRAC + 1)) + 1;
    const U low = T::pow2(T::FRAC + 1), high = T::pow2(T::FRAC + 1, 1);
    const U expected[5] = {low, low, low, high, high};
    for (Rm rm : kModes) {
        EXPECT_EQ(this->from_x(T::fcvt_from_int(2, rm), tie), (R{expected[rm], FLAG_NX})) << rm;
        EXPECT_EQ(this->from_x(T::fcvt_from_int(3, DYN), tie, rm), (R{expected[rm], FLAG_NX}))
            << rm;
        EXPECT_EQ(this->from_x(T::fcvt_from_int(2, rm), -tie),
                  (R{T::neg(expected[rm == RDN   ? RUP
                                     : rm == RUP ? RDN
                                                 : rm]),
                     FLAG_NX}))
            << rm;
    }
}

TYPED_TEST(RiscvFp, MovesKeepBits) {
    using T = TypeParam;
    using U = typename T::U;
    // fmv.x.w sign-extends; fmv.x.d is the register.
    auto [x, flags] = this->xop(T::fmv_to_x(), T::num(-1));
    EXPECT_EQ(x, sizeof(U) == 4 ? 0xffffffffbf800000ull : 0xbff0000000000000ull);
    EXPECT_EQ(flags, 0u);
    EXPECT_EQ(this->xop(T::fmv_to_x(), T::SIGNALING_NAN).first,
              sizeof(U) == 4 ? uint64_t(T::SIGNALING_NAN) : T::SIGNALING_NAN);
    // fmv.w.x boxes the low 32 bits.
    auto o = this->exec(T::fmv_from_x(), 0, 0, 0, 0x123456787fc00001ull);
    EXPECT_EQ(o.f, sizeof(U) == 4 ? 0xffffffff7fc00001ull : 0x123456787fc00001ull);
    EXPECT_EQ(o.flags, 0u);
}

TYPED_TEST(RiscvFp, LoadsAndStores) {
    using T = TypeParam;
    using U = typename T::U;
    constexpr uint64_t DATA = test::HartHarness::DATA;
    auto& t = this->t;
    auto& h = this->h;
    h.x.set(5, DATA + 0x100);
    t.poke64(DATA + 0xf8, 0x1122334455667788ull);
    t.run({T::fload(-8)});
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(h.f[10], sizeof(U) == 4 ? 0xffffffff55667788ull : 0x1122334455667788ull);
    // Stores write the register's low bits, boxed or not.
    h.f[2] = 0x0123456789abcdefull;
    t.run({T::fstore(0x10)});
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(t.peek64(DATA + 0x110), sizeof(U) == 4 ? 0x89abcdefull : 0x0123456789abcdefull);
    // Faults carry the address.
    h.x.set(5, 0x1000);
    t.run({T::fload(4)});
    EXPECT_TRUE(t.trapped());
    EXPECT_EQ(h.mcause, EXCP_LOAD_ACCESS_FAULT);
    EXPECT_EQ(h.mtval, 0x1004u);
    t.run({T::fstore(-4)});
    EXPECT_TRUE(t.trapped());
    EXPECT_EQ(h.mcause, EXCP_STORE_AMO_ACCESS_FAULT);
    EXPECT_EQ(h.mtval, 0xffcu);
    EXPECT_EQ(h.mepc, test::HartHarness::CODE);
}

// --- the hart's rules around the arithmetic ---

TYPED_TEST(RiscvFp, InvalidRoundingModeIsIllegal) {
    using T = TypeParam;
    for (uint32_t insn : {T::fadd(5), T::fsub(6), T::fmul(5), T::fdiv(6), T::fsqrt(5), T::fmadd(5),
                          T::fnmadd(6), T::fcvt_to_int(0, 5), T::fcvt_from_int(3, 6)}) {
        this->expect_illegal(insn);
    }
    for (uint32_t frm : {5u, 6u, 7u}) {
        this->expect_illegal(T::fadd(DYN), frm);
        this->expect_illegal(T::fcvt_to_int(2, DYN), frm);
        this->expect_illegal(T::fmsub(DYN), frm);
    }
    // A static mode does not look at frm.
    this->op(T::fadd(RTZ), T::num(1), T::num(2), 0, 5);
}

TEST(RiscvFpNaNBoxing, SingleOperandsMustBeBoxed) {
    FpHart fh;
    const uint64_t unboxed_one = 0x000000003f800000ull, boxed_one = 0xffffffff3f800000ull;
    const uint64_t boxed_nan = 0xffffffff7fc00000ull;
    // Arithmetic sees the canonical NaN (a quiet one: no flags).
    auto o = fh.exec(Single::fadd(), unboxed_one, boxed_one);
    EXPECT_EQ(o.f, boxed_nan);
    EXPECT_EQ(o.flags, 0u);
    o = fh.exec(Single::fadd(), boxed_one, 0xfffffffe3f800000ull);
    EXPECT_EQ(o.f, boxed_nan) << "every upper bit must be 1";
    o = fh.exec(Single::fmadd(), boxed_one, boxed_one, unboxed_one);
    EXPECT_EQ(o.f, boxed_nan);
    // So do sign injection (on the canonical NaN), fclass, compares, min/max.
    EXPECT_EQ(fh.exec(Single::fsgnjn(), unboxed_one, boxed_one).f, 0xffffffffffc00000ull);
    EXPECT_EQ(fh.exec(Single::fsgnj(), boxed_one, 0x00000000bf800000ull).f, boxed_one)
        << "the sign of an unboxed operand is the canonical NaN's";
    EXPECT_EQ(fh.exec(Single::fclass(), unboxed_one).x, 1u << 9);
    EXPECT_EQ(fh.exec(Single::feq(), unboxed_one, unboxed_one).x, 0u);
    EXPECT_EQ(fh.exec(Single::fmin(), unboxed_one, 0xffffffff40000000ull).f, 0xffffffff40000000ull);
    EXPECT_EQ(fh.exec(Single::fcvt_to_int(0), unboxed_one).x, 0x7fffffffu);
    EXPECT_EQ(fh.exec(FCVT_D_S(), unboxed_one).f, fpu::F64_CANONICAL_NAN);
    // Moves and stores take the bits as they are.
    EXPECT_EQ(fh.exec(Single::fmv_to_x(), unboxed_one).x, 0x3f800000u);
    // A double operation reads a boxed single as the NaN it is.
    o = fh.exec(Double::fadd(), boxed_one, 0x3ff0000000000000ull);
    EXPECT_EQ(o.f, fpu::F64_CANONICAL_NAN);
    EXPECT_EQ(o.flags, 0u);
}

TEST(RiscvFpConvert, BetweenPrecisions) {
    FpHart fh;
    const uint64_t boxed_nan = 0xffffffff7fc00000ull;
    auto d = [](double v) { return std::bit_cast<uint64_t>(v); };
    auto s = [](float v) { return 0xffffffff00000000ull | std::bit_cast<uint32_t>(v); };
    // Widening is exact.
    auto o = fh.exec(FCVT_D_S(), s(1.5f));
    EXPECT_EQ(o.f, d(1.5));
    EXPECT_EQ(o.flags, 0u);
    EXPECT_EQ(fh.exec(FCVT_D_S(), s(-0.0f)).f, d(-0.0));
    EXPECT_EQ(fh.exec(FCVT_D_S(), 0xffffffff00000001ull).f, d(std::ldexp(1.0, -149)))
        << "subnormal";
    EXPECT_EQ(fh.exec(FCVT_D_S(), s(INFINITY)).f, d(INFINITY));
    o = fh.exec(FCVT_D_S(), 0xffffffff7f800001ull);
    EXPECT_EQ(o.f, fpu::F64_CANONICAL_NAN);
    EXPECT_EQ(o.flags, FLAG_NV);
    EXPECT_EQ(fh.exec(FCVT_D_S(), 0xffffffffffc12345ull).f, fpu::F64_CANONICAL_NAN);
    // Narrowing rounds, and may overflow or underflow.
    o = fh.exec(FCVT_S_D(), d(1.5));
    EXPECT_EQ(o.f, s(1.5f));
    EXPECT_EQ(o.flags, 0u);
    const uint64_t tie = d(1.0 + std::ldexp(1.0, -24));
    const uint64_t one = s(1.0f), one_u = s(std::nextafter(1.0f, 2.0f));
    const uint64_t expected[5] = {one, one, one, one_u, one_u};
    for (Rm rm : kModes) {
        o = fh.exec(FCVT_S_D(rm), tie);
        EXPECT_EQ(o.f, expected[rm]) << rm;
        EXPECT_EQ(o.flags, FLAG_NX) << rm;
    }
    o = fh.exec(FCVT_S_D(RNE), d(1e300));
    EXPECT_EQ(o.f, s(INFINITY));
    EXPECT_EQ(o.flags, FLAG_OF | FLAG_NX);
    EXPECT_EQ(fh.exec(FCVT_S_D(RTZ), d(-1e300)).f, s(-FLT_MAX));
    o = fh.exec(FCVT_S_D(RNE), d(1e-300));
    EXPECT_EQ(o.f, s(0.0f));
    EXPECT_EQ(o.flags, FLAG_UF | FLAG_NX);
    EXPECT_EQ(fh.exec(FCVT_S_D(RUP), d(1e-300)).f, 0xffffffff00000001ull);
    o = fh.exec(FCVT_S_D(), d(std::ldexp(1.0, -149)));
    EXPECT_EQ(o.f, 0xffffffff00000001ull);
    EXPECT_EQ(o.flags, 0u) << "exactly the smallest subnormal";
    o = fh.exec(FCVT_S_D(), 0x7ff0000000000001ull);
    EXPECT_EQ(o.f, boxed_nan);
    EXPECT_EQ(o.flags, FLAG_NV);
    EXPECT_EQ(fh.exec(FCVT_S_D(), 0xfff8000000012345ull).f, boxed_nan);
}

// --- mstatus.FS ---

namespace {

bool writes_f_register(Format f) {
    switch (f) {
    case Format::F_FFF_RM:
    case Format::F_FFF:
    case Format::F_FFFF_RM:
    case Format::F_FF_RM:
    case Format::F_FX_RM:
    case Format::F_FX:
    case Format::F_LOAD: return true;
    default: return false;
    }
}

bool has_rm(Format f) {
    return f == Format::F_FFF_RM || f == Format::F_FFFF_RM || f == Format::F_FF_RM ||
           f == Format::F_XF_RM || f == Format::F_FX_RM;
}

// A valid encoding of the row: its fixed bits, x5 as the base of a load or
// store (pointing at DATA), and rm = RNE.
uint32_t encoding_of(const InsnDesc& d) {
    uint32_t raw = d.match;
    if (d.format == Format::F_LOAD || d.format == Format::F_STORE) raw |= 5u << 15;
    return raw;
}

} // namespace

TEST(RiscvFpStatus, EveryInstructionIsIllegalWithFsOff) {
    ASSERT_GE(insn_table_fp().size(), 60u);
    FpHart fh;
    for (const InsnDesc& d : insn_table_fp()) {
        fh.h.mstatus &= ~kMstatusFs;
        fh.h.x.set(5, test::HartHarness::DATA);
        fh.h.f.fill(0x1234);
        fh.h.fflags = 0;
        fh.expect_illegal(encoding_of(d));
        EXPECT_EQ(fh.h.f[0], 0x1234u) << d.name;
        EXPECT_EQ(fh.h.fflags, 0u) << d.name;
        EXPECT_EQ(fh.h.mstatus & kMstatusFs, 0u) << d.name;
        EXPECT_NE(d.flags & FP, 0) << d.name;
    }
}

TEST(RiscvFpStatus, WritingFpStateMakesFsDirty) {
    FpHart fh;
    for (const InsnDesc& d : insn_table_fp()) {
        for (uint64_t fs : {FS_INITIAL, FS_CLEAN}) {
            fh.h.mstatus = (fh.h.mstatus & ~kMstatusFs) | fs_bits(fs);
            fh.h.x.set(5, test::HartHarness::DATA);
            // 1.0 in every register: no instruction raises a flag on it.
            bool single = std::string(d.name).ends_with(".s");
            fh.h.f.fill(single ? 0xffffffff3f800000ull : 0x3ff0000000000000ull);
            fh.h.fflags = 0;
            fh.t.run({encoding_of(d)});
            ASSERT_FALSE(fh.t.trapped()) << d.name << " mcause " << fh.h.mcause;
            uint64_t expected = writes_f_register(d.format) ? FS_DIRTY : fs;
            EXPECT_EQ(fh.h.mstatus & kMstatusFs, fs_bits(expected)) << d.name;
            EXPECT_EQ(fh.h.fflags, 0u) << d.name;
        }
    }
    // Raising a flag dirties the state too, even without an f register write.
    fh.h.mstatus = (fh.h.mstatus & ~kMstatusFs) | fs_bits(FS_CLEAN);
    auto o = fh.exec(Double::flt(), fpu::F64_CANONICAL_NAN, 0);
    EXPECT_EQ(o.flags, FLAG_NV);
    EXPECT_EQ(fh.h.mstatus & kMstatusFs, fs_bits(FS_DIRTY));
    // A trapping load writes nothing.
    fh.h.mstatus = (fh.h.mstatus & ~kMstatusFs) | fs_bits(FS_CLEAN);
    fh.h.x.set(5, 0);
    fh.t.run({Double::fload(0)});
    EXPECT_TRUE(fh.t.trapped());
    EXPECT_EQ(fh.h.mstatus & kMstatusFs, fs_bits(FS_CLEAN));
}

TEST(RiscvFpStatus, ReservedRoundingModesInEveryRow) {
    FpHart fh;
    for (const InsnDesc& d : insn_table_fp()) {
        if (!has_rm(d.format)) continue;
        for (uint32_t rm : {5u, 6u})
            fh.expect_illegal(encoding_of(d) | rm << 12);
        for (uint32_t frm : {5u, 6u, 7u})
            fh.expect_illegal(encoding_of(d) | DYN << 12, frm);
        for (uint32_t frm = 0; frm < 5; frm++) {
            fh.h.frm = frm;
            fh.t.run({encoding_of(d) | DYN << 12});
            EXPECT_FALSE(fh.t.trapped()) << d.name << " frm " << frm;
        }
    }
}

// --- the table itself ---

TEST(RiscvFpTable, RowsOverlapNeitherEachOtherNorTheIntegerTable) {
    std::vector<const InsnDesc*> rows;
    for (auto table : {insn_table_integer(), insn_table_fp()}) {
        for (const InsnDesc& d : table)
            rows.push_back(&d);
    }
    for (const InsnDesc& fp : insn_table_fp()) {
        for (const InsnDesc* other : rows) {
            if (other == &fp) continue;
            uint32_t common = fp.mask & other->mask;
            EXPECT_NE((fp.match ^ other->match) & common, 0u)
                << fp.name << " overlaps " << other->name;
        }
    }
}

TEST(RiscvFpTable, DecodesAndDisassemblesEveryRow) {
    for (const InsnDesc& d : insn_table_fp()) {
        DecodedInsn out{};
        ASSERT_TRUE(decode32(encoding_of(d), out)) << d.name;
        EXPECT_EQ(out.desc, &d);
        EXPECT_TRUE(disassemble(encoding_of(d), 0).starts_with(d.name)) << disassemble(d.match, 0);
    }
    EXPECT_EQ(disassemble(Double::fmadd(RMM), 0), "fmadd.d fa0,ft1,ft2,ft3,rmm");
    EXPECT_EQ(disassemble(Single::fload(-8), 0), "flw fa0,-8(t0)");
    EXPECT_EQ(disassemble(Single::fstore(16), 0), "fsw ft2,16(t0)");
    EXPECT_EQ(disassemble(Single::fcvt_to_int(1, RTZ), 0), "fcvt.wu.s a0,ft1,rtz");
    EXPECT_EQ(disassemble(fp(0x21, 0, DYN), 0), "fcvt.d.s fa0,ft1");
}

TEST(RiscvFpTable, CompressedFloatingPointLoadsAndStores) {
    FpHart fh;
    // c.fld fa0, 8(s0) = 0x2408; c.fsd fa0, 16(s0) = 0xa808
    fh.h.x.set(8, test::HartHarness::DATA);
    fh.t.poke64(test::HartHarness::DATA + 8, 0x400921fb54442d18ull);
    fh.t.run({0xa8082408});
    EXPECT_FALSE(fh.t.trapped());
    EXPECT_EQ(fh.h.f[10], 0x400921fb54442d18ull);
    EXPECT_EQ(fh.t.peek64(test::HartHarness::DATA + 16), 0x400921fb54442d18ull);
}

// --- fpu.cpp: the host against the software ---

namespace {

using fpu::Rounding;

// Operands that find the corners: specials, the edges of the exponent
// range, nearby exponents (cancellation) and random bits.
template <typename U>
class OperandGenerator {
public:
    using T = std::conditional_t<sizeof(U) == 4, Single, Double>;
    explicit OperandGenerator(uint64_t seed) : m_rng(seed) {}

    U next() {
        uint64_t r = m_rng();
        U sign = (r & 1) ? T::SIGN : 0;
        switch ((r >> 1) % 8) {
        case 0: {
            static constexpr U specials[] = {
                0,          T::INF,        T::QUIET_NAN,     T::SIGNALING_NAN,
                T::MAX,     T::MIN_NORMAL, T::MAX_SUBNORMAL, T::MIN_SUBNORMAL,
                T::pow2(0), T::pow2(0, 1), T::pow2(1)};
            return sign | specials[(r >> 8) % std::size(specials)];
        }
        case 1: return sign | U(m_rng() & T::MAX_SUBNORMAL); // subnormal
        case 2: return U(m_rng());                           // any bits
        case 3: { // near the top or the bottom of the range
            int e = (r >> 8) & 1 ? T::BIAS - int((r >> 9) % 4) : 1 - T::BIAS + int((r >> 9) % 4);
            return sign | T::pow2(e, U(m_rng()) & T::MAX_SUBNORMAL);
        }
        case 4: { // few significant bits: exact results and ties
            U frac = U(m_rng() & 0xf) << (T::FRAC - 4);
            return sign | T::pow2(int((r >> 8) % 8) - 4, frac);
        }
        case 5: { // few bits at the bottom: ties after a product
            U frac = U(m_rng() & 0xf) | (U(1) << (T::FRAC - 1));
            return sign | T::pow2(int((r >> 8) % 8) - 4, frac);
        }
        default: { // exponents near 0 so that operands interact
            int e = int((r >> 8) % 64) - 32;
            return sign | T::pow2(e, U(m_rng()) & T::MAX_SUBNORMAL);
        }
        }
    }

private:
    std::mt19937_64 m_rng;
};

template <typename U>
void expect_same(const char* op, Rounding rm, U a, U b, U c, U host, uint32_t hf, U soft,
                 uint32_t sf, int& failures) {
    if (host == soft && hf == sf) return;
    if (++failures > 20) return;
    ADD_FAILURE() << fmt::format("{} rm {} (0x{:x}, 0x{:x}, 0x{:x}): host 0x{:x} flags 0x{:x}, "
                                 "soft 0x{:x} flags 0x{:x}",
                                 op, int(rm), a, b, c, host, hf, soft, sf);
}

template <typename U>
void host_matches_soft(uint64_t seed, int n) {
    OperandGenerator<U> gen(seed);
    int failures = 0;
    for (int i = 0; i < n; i++) {
        U a = gen.next(), b = gen.next(), c = gen.next();
        // Sometimes an addend that nearly cancels the product.
        if (i % 4 == 0) {
            uint32_t unused = 0;
            c = fpu::soft::mul<U>(a, b, Rounding::RNE, unused) ^ (U(1) << (sizeof(U) * 8 - 1));
            c += U(i % 3) - 1;
        }
        for (Rounding rm : {Rounding::RNE, Rounding::RTZ, Rounding::RDN, Rounding::RUP}) {
            uint32_t hf = 0, sf = 0;
            U h = fpu::add<U>(a, b, rm, hf), s = fpu::soft::add<U>(a, b, rm, sf);
            expect_same("add", rm, a, b, U(0), h, hf, s, sf, failures);
            hf = sf = 0;
            h = fpu::sub<U>(a, c, rm, hf),
            s = fpu::soft::add<U>(a, c ^ (U(1) << (sizeof(U) * 8 - 1)), rm, sf);
            expect_same("sub", rm, a, c, U(0), h, hf, s, sf, failures);
            hf = sf = 0;
            h = fpu::mul<U>(a, b, rm, hf), s = fpu::soft::mul<U>(a, b, rm, sf);
            expect_same("mul", rm, a, b, U(0), h, hf, s, sf, failures);
            hf = sf = 0;
            h = fpu::div<U>(a, b, rm, hf), s = fpu::soft::div<U>(a, b, rm, sf);
            expect_same("div", rm, a, b, U(0), h, hf, s, sf, failures);
            hf = sf = 0;
            h = fpu::sqrt<U>(a, rm, hf), s = fpu::soft::sqrt<U>(a, rm, sf);
            expect_same("sqrt", rm, a, U(0), U(0), h, hf, s, sf, failures);
            hf = sf = 0;
            h = fpu::muladd<U>(a, b, c, rm, hf), s = fpu::soft::muladd<U>(a, b, c, rm, sf);
            expect_same("muladd", rm, a, b, c, h, hf, s, sf, failures);
        }
    }
    EXPECT_EQ(failures, 0);
}

} // namespace

TEST(RiscvFpu, HostMatchesSoftwareSingle) { host_matches_soft<uint32_t>(1, 100000); }
TEST(RiscvFpu, HostMatchesSoftwareDouble) { host_matches_soft<uint64_t>(2, 100000); }

TEST(RiscvFpu, HostRoundingModeIsRestored) {
    uint32_t flags = 0;
    fpu::add<uint64_t>(0x3ff0000000000000ull, 1, Rounding::RUP, flags);
    EXPECT_EQ(std::fegetround(), FE_TONEAREST);
    EXPECT_EQ(flags, FLAG_NX);
}

// RMM only differs from RNE on ties; away from ties they agree.
TEST(RiscvFpu, RoundToNearestMaxMagnitudeAgreesWithRneOffTies) {
    OperandGenerator<uint64_t> gen(3);
    int differ = 0;
    for (int i = 0; i < 50000; i++) {
        uint64_t a = gen.next(), b = gen.next();
        uint32_t f1 = 0, f2 = 0;
        uint64_t rne = fpu::mul<uint64_t>(a, b, Rounding::RNE, f1);
        uint64_t rmm = fpu::mul<uint64_t>(a, b, Rounding::RMM, f2);
        if (rne == rmm) {
            EXPECT_EQ(f1, f2) << std::hex << a << " " << b;
            continue;
        }
        // A tie: RMM is one step further from zero, RTZ's result is RNE's.
        differ++;
        uint32_t f3 = 0;
        EXPECT_EQ(rmm, rne + 1) << std::hex << a << " " << b;
        EXPECT_EQ(fpu::mul<uint64_t>(a, b, Rounding::RTZ, f3), rne);
    }
    EXPECT_GT(differ, 0) << "the generator makes ties";
}
