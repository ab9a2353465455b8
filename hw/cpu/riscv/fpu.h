// F, D and Zfh arithmetic on raw IEEE 754 bits: binary16 values are
// uint16_t, binary32 values are uint32_t, binary64 values are uint64_t. Every operation takes the
// rounding mode explicitly and ORs the exceptions it raises into `flags` (the fflags bits).
//
// RISC-V's rules are built in: every NaN an operation produces is the
// canonical NaN, tininess is detected after rounding, and conversions to
// integers saturate as the spec's table says.
//
// add/sub/mul/div/sqrt/muladd run on the host FPU (MXCSR on x86-64, <cfenv>
// elsewhere) for the four rounding modes C knows. RMM has no host
// equivalent: those go to a software implementation (namespace soft), exact
// integer arithmetic that handles every mode, so the tests can also check the
// host path against it. Conversions, comparisons and the rest are software
// only: they are cheap. binary16 is software only (fpu-half.cpp): no host
// arithmetic rounds to it.
#pragma once

#include <cstdint>

namespace mq::riscv::fpu {

enum class Rounding : uint8_t { RNE = 0, RTZ = 1, RDN = 2, RUP = 3, RMM = 4 };

// The fflags bits.
inline constexpr uint32_t FLAG_NX = 1, FLAG_UF = 2, FLAG_OF = 4, FLAG_DZ = 8, FLAG_NV = 16;

inline constexpr uint16_t F16_CANONICAL_NAN = 0x7e00u;
inline constexpr uint32_t F32_CANONICAL_NAN = 0x7fc00000u;
inline constexpr uint64_t F64_CANONICAL_NAN = 0x7ff8000000000000ull;

// U is uint16_t (binary16), uint32_t (binary32) or uint64_t (binary64)
// throughout.
template <typename U>
U add(U a, U b, Rounding rm, uint32_t& flags);
template <typename U>
U sub(U a, U b, Rounding rm, uint32_t& flags);
template <typename U>
U mul(U a, U b, Rounding rm, uint32_t& flags);
template <typename U>
U div(U a, U b, Rounding rm, uint32_t& flags);
template <typename U>
U sqrt(U a, Rounding rm, uint32_t& flags);
// a*b + c with a single rounding. fmsub/fnmsub/fnmadd negate a and/or c first.
template <typename U>
U muladd(U a, U b, U c, Rounding rm, uint32_t& flags);

// IEEE 754-2019 minimumNumber/maximumNumber, with -0 < +0: a NaN operand
// gives the other one, two NaNs give the canonical NaN, a signaling NaN sets NV.
template <typename U>
U min(U a, U b, uint32_t& flags);
template <typename U>
U max(U a, U b, uint32_t& flags);

// feq is quiet (NV for signaling NaNs only); flt and fle signal on any NaN.
template <typename U>
bool eq(U a, U b, uint32_t& flags);
template <typename U>
bool lt(U a, U b, uint32_t& flags);
template <typename U>
bool le(U a, U b, uint32_t& flags);

// fclass: one of ten bits (-inf, -normal, -subnormal, -0, +0, +subnormal,
// +normal, +inf, sNaN, qNaN).
template <typename U>
uint32_t classify(U a);

// Float to integer: I is int32_t, uint32_t, int64_t or uint64_t. Out of range
// and NaN saturate and set NV (NaN gives the largest positive value).
template <typename I, typename U>
I to_int(U a, Rounding rm, uint32_t& flags);
// Integer to float.
template <typename U, typename I>
U from_int(I v, Rounding rm, uint32_t& flags);

// Between the two formats.
uint64_t f32_to_f64(uint32_t a, uint32_t& flags);
uint32_t f64_to_f32(uint64_t a, Rounding rm, uint32_t& flags);
// To and from binary16 (Zfhmin). Widening is exact; rm is for narrowing.
uint32_t f16_to_f32(uint16_t a, uint32_t& flags);
uint64_t f16_to_f64(uint16_t a, uint32_t& flags);
uint16_t f32_to_f16(uint32_t a, Rounding rm, uint32_t& flags);
uint16_t f64_to_f16(uint64_t a, Rounding rm, uint32_t& flags);

// binary16's rounded arithmetic is the software one (fpu-half.cpp).
template <>
uint16_t add(uint16_t a, uint16_t b, Rounding rm, uint32_t& flags);
template <>
uint16_t sub(uint16_t a, uint16_t b, Rounding rm, uint32_t& flags);
template <>
uint16_t mul(uint16_t a, uint16_t b, Rounding rm, uint32_t& flags);
template <>
uint16_t div(uint16_t a, uint16_t b, Rounding rm, uint32_t& flags);
template <>
uint16_t sqrt(uint16_t a, Rounding rm, uint32_t& flags);
template <>
uint16_t muladd(uint16_t a, uint16_t b, uint16_t c, Rounding rm, uint32_t& flags);

// The software implementation of the rounded arithmetic, for every mode.
namespace soft {
template <typename U>
U add(U a, U b, Rounding rm, uint32_t& flags);
template <typename U>
U mul(U a, U b, Rounding rm, uint32_t& flags);
template <typename U>
U div(U a, U b, Rounding rm, uint32_t& flags);
template <typename U>
U sqrt(U a, Rounding rm, uint32_t& flags);
template <typename U>
U muladd(U a, U b, U c, Rounding rm, uint32_t& flags);
} // namespace soft

} // namespace mq::riscv::fpu
