// F and D arithmetic, instruction by instruction: each test writes encodings
// into a hart's RAM (riscv_fp_fixture.h), runs them, and checks the f and x
// registers and fflags. The typed tests run once for single and once for
// double precision. Covered: the operations on ordinary values, every
// rounding mode, the exception flags, NaNs, min/max, comparisons, sign
// injection and fclass. RiscvFpu checks fpu.cpp directly: the host-FPU path
// against the software one, on many random operands.
#include "hw/cpu/riscv/fpu.h"
#include "tests/unit/riscv_fp_fixture.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <bit>
#include <cfenv>
#include <cmath>
#include <random>
#include <utility>

using namespace mq;
using namespace mq::riscv;
using namespace mq::riscv::fptest;
using fpu::FLAG_DZ;
using fpu::FLAG_NV;
using fpu::FLAG_NX;
using fpu::FLAG_OF;
using fpu::FLAG_UF;

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
