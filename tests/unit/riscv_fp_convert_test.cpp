// F and D conversions and data movement, instruction by instruction (see
// riscv_fp_fixture.h): float to integer and back in every rounding mode,
// fmv, loads and stores, NaN boxing of single operands, and fcvt between the
// two precisions. The typed tests run once for single and once for double.
#include "hw/cpu/riscv/fpu.h"
#include "tests/unit/riscv_fp_fixture.h"

#include <gtest/gtest.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <utility>

using namespace mq;
using namespace mq::riscv;
using namespace mq::riscv::fptest;
using fpu::FLAG_NV;
using fpu::FLAG_NX;
using fpu::FLAG_OF;
using fpu::FLAG_UF;

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

// --- NaN boxing, and conversions between the precisions ---

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
