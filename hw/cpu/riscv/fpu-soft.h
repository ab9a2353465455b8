// The software half of the FPU (see fpu.h), shared by fpu.cpp (binary32 and
// binary64) and fpu-half.cpp (binary16): exact integer arithmetic on
// unpacked significands, and one rounding function (round_pack) that knows
// all five modes and raises NX/UF/OF the RISC-V way (tininess after
// rounding). Everything here is a template over the format's bits (U is
// uint16_t, uint32_t or uint64_t); each .cpp instantiates what it provides.
#pragma once

#include "hw/cpu/riscv/fpu.h"

#include <algorithm>
#include <bit>
#include <initializer_list>
#include <limits>
#include <type_traits>
#include <utility>

namespace mq::riscv::fpu {

namespace detail {

using u128 = unsigned __int128;

template <typename U>
struct Format;
template <>
struct Format<uint16_t> {
    static constexpr int EXP_BITS = 5, FRAC_BITS = 10;
    static constexpr uint16_t CANONICAL_NAN = F16_CANONICAL_NAN;
};
template <>
struct Format<uint32_t> {
    static constexpr int EXP_BITS = 8, FRAC_BITS = 23;
    static constexpr uint32_t CANONICAL_NAN = F32_CANONICAL_NAN;
};
template <>
struct Format<uint64_t> {
    static constexpr int EXP_BITS = 11, FRAC_BITS = 52;
    static constexpr uint64_t CANONICAL_NAN = F64_CANONICAL_NAN;
};

template <typename U>
struct F : Format<U> {
    using Format<U>::EXP_BITS;
    using Format<U>::FRAC_BITS;
    static constexpr int WIDTH = sizeof(U) * 8;
    static constexpr int PRECISION = FRAC_BITS + 1;
    static constexpr int BIAS = (1 << (EXP_BITS - 1)) - 1;
    static constexpr int EMIN = 1 - BIAS; // exponent of the smallest normal
    static constexpr int EMAX = BIAS;
    static constexpr U SIGN = U(1) << (WIDTH - 1);
    static constexpr U INF = ((U(1) << EXP_BITS) - 1) << FRAC_BITS;
    static constexpr U MAX_FINITE = INF - 1;
    static constexpr U FRAC_MASK = (U(1) << FRAC_BITS) - 1;
    static constexpr U QUIET = U(1) << (FRAC_BITS - 1);
};

template <typename U>
constexpr bool sign_of(U a) {
    return a >> (F<U>::WIDTH - 1);
}
template <typename U>
constexpr bool is_nan(U a) {
    return (a & ~F<U>::SIGN) > F<U>::INF;
}
template <typename U>
constexpr bool is_snan(U a) {
    return is_nan(a) && !(a & F<U>::QUIET);
}
template <typename U>
constexpr bool is_inf(U a) {
    return (a & ~F<U>::SIGN) == F<U>::INF;
}
template <typename U>
constexpr bool is_zero(U a) {
    return (a & ~F<U>::SIGN) == 0;
}
template <typename U>
constexpr U signed_inf(bool sign) {
    return (sign ? F<U>::SIGN : 0) | F<U>::INF;
}
template <typename U>
constexpr U signed_zero(bool sign) {
    return sign ? F<U>::SIGN : 0;
}

// A NaN result: the canonical NaN, and NV if an operand was signaling.
template <typename U>
U nan_result(uint32_t& flags, std::initializer_list<U> operands) {
    for (U x : operands) {
        if (is_snan(x)) flags |= FLAG_NV;
    }
    return F<U>::CANONICAL_NAN;
}

template <typename U>
U invalid(uint32_t& flags) {
    flags |= FLAG_NV;
    return F<U>::CANONICAL_NAN;
}

// An exact zero sum of opposite-signed operands is +0, or -0 rounding down.
template <typename U>
U exact_zero_sum(Rounding rm) {
    return signed_zero<U>(rm == Rounding::RDN);
}

// --- software: unpacked values ---

// A finite nonzero value: (-1)^sign * sig * 2^exp.
struct Unpacked {
    bool sign;
    int exp;
    uint64_t sig;
};

inline int msb(u128 x) {
    auto hi = static_cast<uint64_t>(x >> 64);
    return hi ? 127 - std::countl_zero(hi) : 63 - std::countl_zero(static_cast<uint64_t>(x));
}

template <typename U>
Unpacked unpack(U a) {
    using T = F<U>;
    int e = static_cast<int>((a & ~T::SIGN) >> T::FRAC_BITS);
    uint64_t frac = a & T::FRAC_MASK;
    if (e == 0) return {sign_of(a), T::EMIN - T::FRAC_BITS, frac};
    return {sign_of(a), e - T::BIAS - T::FRAC_BITS, frac | (uint64_t(1) << T::FRAC_BITS)};
}

// The same value with the leading bit of sig at FRAC_BITS (subnormals too).
template <typename U>
Unpacked unpack_normalized(U a) {
    Unpacked x = unpack(a);
    int s = F<U>::FRAC_BITS - msb(x.sig);
    return {x.sign, x.exp - s, x.sig << s};
}

// sig / 2^shift rounded to an integer by `rm` (sign is the value's sign, for
// the directed modes). A negative shift multiplies, exactly.
inline u128 round_shift(u128 sig, int shift, bool sign, Rounding rm, bool* inexact) {
    if (shift <= 0) {
        *inexact = false;
        return sig << -shift;
    }
    u128 q;
    bool round, sticky;
    if (shift > 128) {
        q = 0, round = false, sticky = sig != 0;
    } else if (shift == 128) {
        q = 0, round = (sig >> 127) & 1, sticky = (sig << 1) != 0;
    } else {
        q = sig >> shift;
        round = (sig >> (shift - 1)) & 1;
        sticky = (sig & ((u128(1) << (shift - 1)) - 1)) != 0;
    }
    *inexact = round || sticky;
    bool up = false;
    switch (rm) {
    case Rounding::RNE: up = round && (sticky || (q & 1)); break;
    case Rounding::RTZ: up = false; break;
    case Rounding::RDN: up = *inexact && sign; break;
    case Rounding::RUP: up = *inexact && !sign; break;
    case Rounding::RMM: up = round; break;
    }
    return q + up;
}

// v / 2^shift, with every bit shifted out ORed into the lowest bit.
inline u128 shift_right_jam(u128 v, int shift) {
    if (shift <= 0) return v;
    if (shift >= 128) return v != 0;
    return (v >> shift) | ((v & ((u128(1) << shift) - 1)) != 0);
}

// Rounds (-1)^sign * sig * 2^exp (sig != 0) to the format: the one place
// where results are rounded and NX, UF and OF raised.
template <typename U>
U round_pack(bool sign, int exp, u128 sig, Rounding rm, uint32_t& flags) {
    using T = F<U>;
    int e = exp + msb(sig); // exponent of the leading bit
    // The weight of the result's last bit: fewer bits for a subnormal.
    int lsb = std::max(e, T::EMIN) - T::FRAC_BITS;
    bool inexact;
    u128 m = round_shift(sig, lsb - exp, sign, rm, &inexact);
    // Tininess after rounding: rounded to full precision with an unbounded
    // exponent, is the value still below the smallest normal?
    bool tiny = false;
    if (e < T::EMIN) {
        bool unused;
        u128 full = round_shift(sig, e - T::FRAC_BITS - exp, sign, rm, &unused);
        tiny = !(e == T::EMIN - 1 && (full >> T::PRECISION));
    }
    if (inexact) flags |= FLAG_NX;
    if (inexact && tiny) flags |= FLAG_UF;
    if (m == 0) return signed_zero<U>(sign);
    if (m >> T::PRECISION) { // rounding carried into the next binade
        m >>= 1;
        lsb++;
    }
    if (lsb + msb(m) > T::EMAX) {
        flags |= FLAG_OF | FLAG_NX;
        bool to_inf = rm == Rounding::RNE || rm == Rounding::RMM || (rm == Rounding::RDN && sign) ||
                      (rm == Rounding::RUP && !sign);
        return to_inf ? signed_inf<U>(sign) : (signed_zero<U>(sign) | T::MAX_FINITE);
    }
    // A normal m carries the implicit bit into the exponent field; a
    // subnormal one has lsb = EMIN - FRAC_BITS, so the field stays 0 (or
    // becomes 1 when rounding reached the smallest normal).
    U bits = (static_cast<U>(lsb + T::FRAC_BITS + T::BIAS - 1) << T::FRAC_BITS) + static_cast<U>(m);
    return signed_zero<U>(sign) | bits;
}

// (-1)^sx * mx * 2^ex + (-1)^sy * my * 2^ey, both nonzero, mx and my below 2^125.
template <typename U>
U add_magnitudes(bool sx, int ex, u128 mx, bool sy, int ey, u128 my, Rounding rm, uint32_t& flags) {
    // Leading bits at 125, then the smaller exponent is shifted onto the
    // larger. Bits are jammed only when the operands are over 19 bits apart
    // (a significand has at most 106 bits), far below the rounding point.
    int nx = 125 - msb(mx), ny = 125 - msb(my);
    mx <<= nx, ex -= nx;
    my <<= ny, ey -= ny;
    if (ex < ey) {
        std::swap(sx, sy), std::swap(ex, ey), std::swap(mx, my);
    }
    my = shift_right_jam(my, ex - ey);
    if (sx == sy) return round_pack<U>(sx, ex, mx + my, rm, flags);
    if (mx == my) return exact_zero_sum<U>(rm);
    if (mx > my) return round_pack<U>(sx, ex, mx - my, rm, flags);
    return round_pack<U>(sy, ex, my - mx, rm, flags);
}

// The integer square root of n, and whether it is exact.
inline u128 isqrt(u128 n, bool* exact) {
    u128 root = 0, bit = u128(1) << 126;
    while (bit > n)
        bit >>= 2;
    while (bit) {
        if (n >= root + bit) {
            n -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    *exact = n == 0;
    return root;
}

// a < b, ordering -0 below +0 (neither is a NaN).
template <typename U>
bool less(U a, U b) {
    bool sa = sign_of(a), sb = sign_of(b);
    if (sa != sb) return sa;
    return sa ? a > b : a < b;
}

template <typename U>
bool both_zero(U a, U b) {
    return is_zero(a) && is_zero(b);
}

// A conversion between formats: NaNs become the canonical NaN (NV for a
// signaling one), everything else is rounded once.
template <typename D, typename S>
D convert(S a, Rounding rm, uint32_t& flags) {
    if (is_nan(a)) return is_snan(a) ? invalid<D>(flags) : F<D>::CANONICAL_NAN;
    if (is_inf(a)) return signed_inf<D>(sign_of(a));
    if (is_zero(a)) return signed_zero<D>(sign_of(a));
    Unpacked x = unpack(a);
    return round_pack<D>(x.sign, x.exp, x.sig, rm, flags);
}

} // namespace detail

// --- software arithmetic ---

namespace soft {

using namespace detail;

template <typename U>
U add(U a, U b, Rounding rm, uint32_t& flags) {
    if (is_nan(a) || is_nan(b)) return nan_result(flags, {a, b});
    if (is_inf(a)) return is_inf(b) && sign_of(a) != sign_of(b) ? invalid<U>(flags) : a;
    if (is_inf(b)) return b;
    if (is_zero(a) && is_zero(b)) return sign_of(a) == sign_of(b) ? a : exact_zero_sum<U>(rm);
    if (is_zero(a)) return b;
    if (is_zero(b)) return a;
    Unpacked x = unpack(a), y = unpack(b);
    return add_magnitudes<U>(x.sign, x.exp, x.sig, y.sign, y.exp, y.sig, rm, flags);
}

template <typename U>
U mul(U a, U b, Rounding rm, uint32_t& flags) {
    if (is_nan(a) || is_nan(b)) return nan_result(flags, {a, b});
    bool sign = sign_of(a) != sign_of(b);
    if (is_inf(a) || is_inf(b)) {
        return is_zero(a) || is_zero(b) ? invalid<U>(flags) : signed_inf<U>(sign);
    }
    if (is_zero(a) || is_zero(b)) return signed_zero<U>(sign);
    Unpacked x = unpack(a), y = unpack(b);
    return round_pack<U>(sign, x.exp + y.exp, u128(x.sig) * y.sig, rm, flags);
}

template <typename U>
U div(U a, U b, Rounding rm, uint32_t& flags) {
    if (is_nan(a) || is_nan(b)) return nan_result(flags, {a, b});
    bool sign = sign_of(a) != sign_of(b);
    if (is_inf(a)) return is_inf(b) ? invalid<U>(flags) : signed_inf<U>(sign);
    if (is_inf(b)) return signed_zero<U>(sign);
    if (is_zero(b)) {
        if (is_zero(a)) return invalid<U>(flags);
        flags |= FLAG_DZ;
        return signed_inf<U>(sign);
    }
    if (is_zero(a)) return signed_zero<U>(sign);
    // Both significands normalized: the quotient has at least 72 bits, and a
    // nonzero remainder becomes a sticky bit far below the rounding point.
    Unpacked x = unpack_normalized(a), y = unpack_normalized(b);
    u128 n = u128(x.sig) << 72;
    u128 q = n / y.sig;
    if (n % y.sig) q |= 1;
    return round_pack<U>(sign, x.exp - y.exp - 72, q, rm, flags);
}

template <typename U>
U sqrt(U a, Rounding rm, uint32_t& flags) {
    if (is_nan(a)) return nan_result(flags, {a});
    if (is_zero(a)) return a;
    if (sign_of(a)) return invalid<U>(flags);
    if (is_inf(a)) return a;
    Unpacked x = unpack_normalized(a);
    u128 m = x.sig;
    int e = x.exp;
    if (e & 1) m <<= 1, e -= 1;
    m <<= 72, e -= 72;
    bool exact;
    u128 root = isqrt(m, &exact);
    return round_pack<U>(false, e / 2, root | !exact, rm, flags);
}

template <typename U>
U muladd(U a, U b, U c, Rounding rm, uint32_t& flags) {
    bool inf_times_zero = (is_inf(a) && is_zero(b)) || (is_zero(a) && is_inf(b));
    if (is_nan(a) || is_nan(b) || is_nan(c)) {
        // The spec: inf * 0 is invalid even when the addend is a quiet NaN.
        if (inf_times_zero) flags |= FLAG_NV;
        return nan_result(flags, {a, b, c});
    }
    if (inf_times_zero) return invalid<U>(flags);
    bool sp = sign_of(a) != sign_of(b), sc = sign_of(c);
    if (is_inf(a) || is_inf(b)) {
        return is_inf(c) && sc != sp ? invalid<U>(flags) : signed_inf<U>(sp);
    }
    if (is_inf(c)) return c;
    if (is_zero(a) || is_zero(b)) {
        if (is_zero(c)) return sp == sc ? c : exact_zero_sum<U>(rm);
        return c;
    }
    Unpacked x = unpack(a), y = unpack(b);
    u128 product = u128(x.sig) * y.sig; // exact: at most 106 bits
    if (is_zero(c)) return round_pack<U>(sp, x.exp + y.exp, product, rm, flags);
    Unpacked z = unpack(c);
    return add_magnitudes<U>(sp, x.exp + y.exp, product, sc, z.exp, z.sig, rm, flags);
}

} // namespace soft

// --- the rest: software only, whatever the format ---

using namespace detail;

template <typename U>
U min(U a, U b, uint32_t& flags) {
    if (is_snan(a) || is_snan(b)) flags |= FLAG_NV;
    if (is_nan(a)) return is_nan(b) ? F<U>::CANONICAL_NAN : b;
    if (is_nan(b)) return a;
    return less(a, b) ? a : b;
}

template <typename U>
U max(U a, U b, uint32_t& flags) {
    if (is_snan(a) || is_snan(b)) flags |= FLAG_NV;
    if (is_nan(a)) return is_nan(b) ? F<U>::CANONICAL_NAN : b;
    if (is_nan(b)) return a;
    return less(a, b) ? b : a;
}

template <typename U>
bool eq(U a, U b, uint32_t& flags) {
    if (is_nan(a) || is_nan(b)) {
        if (is_snan(a) || is_snan(b)) flags |= FLAG_NV;
        return false;
    }
    return a == b || both_zero(a, b);
}

template <typename U>
bool lt(U a, U b, uint32_t& flags) {
    if (is_nan(a) || is_nan(b)) {
        flags |= FLAG_NV;
        return false;
    }
    return !both_zero(a, b) && less(a, b);
}

template <typename U>
bool le(U a, U b, uint32_t& flags) {
    if (is_nan(a) || is_nan(b)) {
        flags |= FLAG_NV;
        return false;
    }
    return a == b || both_zero(a, b) || less(a, b);
}

template <typename U>
uint32_t classify(U a) {
    if (is_nan(a)) return is_snan(a) ? 1u << 8 : 1u << 9;
    bool s = sign_of(a);
    if (is_inf(a)) return s ? 1u << 0 : 1u << 7;
    if (is_zero(a)) return s ? 1u << 3 : 1u << 4;
    bool subnormal = (a & F<U>::INF) == 0;
    if (subnormal) return s ? 1u << 2 : 1u << 5;
    return s ? 1u << 1 : 1u << 6;
}

template <typename I, typename U>
I to_int(U a, Rounding rm, uint32_t& flags) {
    constexpr I IMAX = std::numeric_limits<I>::max(), IMIN = std::numeric_limits<I>::min();
    if (is_nan(a)) {
        flags |= FLAG_NV;
        return IMAX;
    }
    bool sign = sign_of(a);
    auto out_of_range = [&] {
        flags |= FLAG_NV;
        return sign ? IMIN : IMAX;
    };
    if (is_inf(a)) return out_of_range();
    if (is_zero(a)) return 0;
    Unpacked x = unpack(a);
    if (x.exp > 64) return out_of_range();
    bool inexact;
    u128 m = round_shift(x.sig, -x.exp, sign, rm, &inexact);
    // The largest magnitude each sign may have.
    u128 limit = !sign ? u128(IMAX) : std::is_signed_v<I> ? u128(IMAX) + 1 : 0;
    if (m > limit) return out_of_range();
    if (inexact) flags |= FLAG_NX;
    using UI = std::make_unsigned_t<I>;
    auto v = static_cast<UI>(m);
    return static_cast<I>(sign ? UI(0) - v : v);
}

template <typename U, typename I>
U from_int(I v, Rounding rm, uint32_t& flags) {
    if (v == 0) return 0;
    bool sign = false;
    if constexpr (std::is_signed_v<I>) sign = v < 0;
    using UI = std::make_unsigned_t<I>;
    UI magnitude = sign ? UI(0) - static_cast<UI>(v) : static_cast<UI>(v);
    return round_pack<U>(sign, 0, magnitude, rm, flags);
}

} // namespace mq::riscv::fpu

// The explicit instantiations of everything above, for one format.
#define MQ_FPU_INSTANTIATE_SOFT(U)                                                                 \
    template U soft::add<U>(U, U, Rounding, uint32_t&);                                            \
    template U soft::mul<U>(U, U, Rounding, uint32_t&);                                            \
    template U soft::div<U>(U, U, Rounding, uint32_t&);                                            \
    template U soft::sqrt<U>(U, Rounding, uint32_t&);                                              \
    template U soft::muladd<U>(U, U, U, Rounding, uint32_t&);                                      \
    template U min<U>(U, U, uint32_t&);                                                            \
    template U max<U>(U, U, uint32_t&);                                                            \
    template bool eq<U>(U, U, uint32_t&);                                                          \
    template bool lt<U>(U, U, uint32_t&);                                                          \
    template bool le<U>(U, U, uint32_t&);                                                          \
    template uint32_t classify<U>(U);                                                              \
    template int32_t to_int<int32_t, U>(U, Rounding, uint32_t&);                                   \
    template uint32_t to_int<uint32_t, U>(U, Rounding, uint32_t&);                                 \
    template int64_t to_int<int64_t, U>(U, Rounding, uint32_t&);                                   \
    template uint64_t to_int<uint64_t, U>(U, Rounding, uint32_t&);                                 \
    template U from_int<U, int32_t>(int32_t, Rounding, uint32_t&);                                 \
    template U from_int<U, uint32_t>(uint32_t, Rounding, uint32_t&);                               \
    template U from_int<U, int64_t>(int64_t, Rounding, uint32_t&);                                 \
    template U from_int<U, uint64_t>(uint64_t, Rounding, uint32_t&);
