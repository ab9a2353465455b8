// F and D arithmetic (see fpu.h). Two halves:
//   - software: exact integer arithmetic on unpacked significands, and one
//     rounding function (round_pack) that knows all five modes and raises
//     NX/UF/OF the RISC-V way (tininess after rounding);
//   - the host FPU for the rounded operations in the four modes C has
//     (MXCSR on x86-64, <cfenv> elsewhere). x86 detects tininess after
//     rounding too, so its flags are RISC-V's. This file is compiled with
//     -frounding-math -fsignaling-nans, and every host operation reads and
//     writes volatile locals, so that the compiler can neither fold it nor
//     move it across the mode switch and the flag read.
#include "hw/cpu/riscv/fpu.h"

#include <algorithm>
#include <bit>
#include <cfenv>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

namespace mq::riscv::fpu {

namespace {

using u128 = unsigned __int128;

template <typename U>
struct Format;
template <>
struct Format<uint32_t> {
    using Host = float;
    static constexpr int EXP_BITS = 8, FRAC_BITS = 23;
    static constexpr uint32_t CANONICAL_NAN = F32_CANONICAL_NAN;
};
template <>
struct Format<uint64_t> {
    using Host = double;
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

int msb(u128 x) {
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
u128 round_shift(u128 sig, int shift, bool sign, Rounding rm, bool* inexact) {
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
u128 shift_right_jam(u128 v, int shift) {
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
u128 isqrt(u128 n, bool* exact) {
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

// --- the host FPU ---

#if defined(__SSE2__) && !defined(MQ_FPU_USE_CFENV)
// x86-64 does float and double arithmetic in SSE, whose rounding mode and
// exception flags are all in MXCSR: one store and one load around the
// operation. (<cfenv> does the same but also saves and reloads the x87
// environment each time, which makes it several times slower.) DAZ and FTZ
// are cleared: IEEE subnormals. The host's own MXCSR is put back afterwards.
class HostFpu {
public:
    explicit HostFpu(Rounding rm) : m_saved(_mm_getcsr()) {
        static constexpr unsigned kRc[] = {0x0000, 0x6000, 0x2000, 0x4000}; // RNE RTZ RDN RUP
        constexpr unsigned kMode = 0x6000 | 0x8000 | 0x0040;                // RC, FTZ, DAZ
        constexpr unsigned kFlags = 0x3f;
        _mm_setcsr((m_saved & ~(kMode | kFlags)) | kRc[static_cast<int>(rm)]);
    }
    ~HostFpu() { _mm_setcsr(m_saved); }
    HostFpu(const HostFpu&) = delete;
    HostFpu& operator=(const HostFpu&) = delete;

    uint32_t flags() const {
        unsigned s = _mm_getcsr();
        return (s & 0x01 ? FLAG_NV : 0) | (s & 0x04 ? FLAG_DZ : 0) | (s & 0x08 ? FLAG_OF : 0) |
               (s & 0x10 ? FLAG_UF : 0) | (s & 0x20 ? FLAG_NX : 0);
    }

private:
    unsigned m_saved;
};
#else
// Any other host: <cfenv>. The host stays in round-to-nearest otherwise.
class HostFpu {
public:
    explicit HostFpu(Rounding rm) : m_rm(rm) {
        if (rm != Rounding::RNE) std::fesetround(host_rounding(rm));
        std::feclearexcept(FE_ALL_EXCEPT);
    }
    ~HostFpu() {
        if (m_rm != Rounding::RNE) std::fesetround(FE_TONEAREST);
    }
    HostFpu(const HostFpu&) = delete;
    HostFpu& operator=(const HostFpu&) = delete;

    uint32_t flags() const {
        int ex = std::fetestexcept(FE_ALL_EXCEPT);
        return (ex & FE_INVALID ? FLAG_NV : 0) | (ex & FE_DIVBYZERO ? FLAG_DZ : 0) |
               (ex & FE_OVERFLOW ? FLAG_OF : 0) | (ex & FE_UNDERFLOW ? FLAG_UF : 0) |
               (ex & FE_INEXACT ? FLAG_NX : 0);
    }

private:
    static int host_rounding(Rounding rm) {
        switch (rm) {
        case Rounding::RTZ: return FE_TOWARDZERO;
        case Rounding::RDN: return FE_DOWNWARD;
        case Rounding::RUP: return FE_UPWARD;
        default: return FE_TONEAREST;
        }
    }
    Rounding m_rm;
};
#endif

// Runs `op` on the host in mode `rm` (not RMM) and accrues the exceptions it
// raised. `op` reads its operands from and writes its result to volatile
// locals, which keeps the arithmetic between the mode switch and the flag
// read.
template <typename U, typename Op>
U on_host(Rounding rm, uint32_t& flags, Op op) {
    U r;
    {
        HostFpu fpu(rm);
        r = op();
        flags |= fpu.flags();
    }
    return is_nan(r) ? F<U>::CANONICAL_NAN : r;
}

template <typename U>
using Host = typename F<U>::Host;

template <typename U>
Host<U> host(U v) {
    return std::bit_cast<Host<U>>(v);
}

template <typename U>
U bits_of(Host<U> v) {
    return std::bit_cast<U>(v);
}

} // namespace

// --- software arithmetic ---

namespace soft {

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

// --- rounded arithmetic: the host, or software for RMM ---

template <typename U>
U add(U a, U b, Rounding rm, uint32_t& flags) {
    if (rm == Rounding::RMM) return soft::add(a, b, rm, flags);
    return on_host<U>(rm, flags, [a, b] {
        volatile Host<U> x = host(a), y = host(b);
        volatile Host<U> r = x + y;
        return bits_of<U>(r);
    });
}

template <typename U>
U sub(U a, U b, Rounding rm, uint32_t& flags) {
    if (rm == Rounding::RMM) return soft::add<U>(a, b ^ F<U>::SIGN, rm, flags);
    return on_host<U>(rm, flags, [a, b] {
        volatile Host<U> x = host(a), y = host(b);
        volatile Host<U> r = x - y;
        return bits_of<U>(r);
    });
}

template <typename U>
U mul(U a, U b, Rounding rm, uint32_t& flags) {
    if (rm == Rounding::RMM) return soft::mul(a, b, rm, flags);
    return on_host<U>(rm, flags, [a, b] {
        volatile Host<U> x = host(a), y = host(b);
        volatile Host<U> r = x * y;
        return bits_of<U>(r);
    });
}

template <typename U>
U div(U a, U b, Rounding rm, uint32_t& flags) {
    if (rm == Rounding::RMM) return soft::div(a, b, rm, flags);
    return on_host<U>(rm, flags, [a, b] {
        volatile Host<U> x = host(a), y = host(b);
        volatile Host<U> r = x / y;
        return bits_of<U>(r);
    });
}

template <typename U>
U sqrt(U a, Rounding rm, uint32_t& flags) {
    if (rm == Rounding::RMM) return soft::sqrt(a, rm, flags);
    return on_host<U>(rm, flags, [a] {
        volatile Host<U> x = host(a);
        volatile Host<U> r = std::sqrt(static_cast<Host<U>>(x));
        return bits_of<U>(r);
    });
}

template <typename U>
U muladd(U a, U b, U c, Rounding rm, uint32_t& flags) {
    // NaN operands go to software: hosts differ on inf * 0 + qNaN.
    if (rm == Rounding::RMM || is_nan(a) || is_nan(b) || is_nan(c)) {
        return soft::muladd(a, b, c, rm, flags);
    }
    return on_host<U>(rm, flags, [a, b, c] {
        volatile Host<U> x = host(a), y = host(b), z = host(c);
        volatile Host<U> r =
            std::fma(static_cast<Host<U>>(x), static_cast<Host<U>>(y), static_cast<Host<U>>(z));
        return bits_of<U>(r);
    });
}

// --- the rest: software ---

namespace {

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

} // namespace

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

uint64_t f32_to_f64(uint32_t a, uint32_t& flags) {
    if (is_nan(a)) return is_snan(a) ? invalid<uint64_t>(flags) : F64_CANONICAL_NAN;
    if (is_inf(a)) return signed_inf<uint64_t>(sign_of(a));
    if (is_zero(a)) return signed_zero<uint64_t>(sign_of(a));
    Unpacked x = unpack(a);
    return round_pack<uint64_t>(x.sign, x.exp, x.sig, Rounding::RNE, flags); // exact
}

uint32_t f64_to_f32(uint64_t a, Rounding rm, uint32_t& flags) {
    if (is_nan(a)) return is_snan(a) ? invalid<uint32_t>(flags) : F32_CANONICAL_NAN;
    if (is_inf(a)) return signed_inf<uint32_t>(sign_of(a));
    if (is_zero(a)) return signed_zero<uint32_t>(sign_of(a));
    Unpacked x = unpack(a);
    return round_pack<uint32_t>(x.sign, x.exp, x.sig, rm, flags);
}

// --- the instantiations the instruction table uses ---

#define MQ_FPU_INSTANTIATE(U)                                                                      \
    template U add<U>(U, U, Rounding, uint32_t&);                                                  \
    template U sub<U>(U, U, Rounding, uint32_t&);                                                  \
    template U mul<U>(U, U, Rounding, uint32_t&);                                                  \
    template U div<U>(U, U, Rounding, uint32_t&);                                                  \
    template U sqrt<U>(U, Rounding, uint32_t&);                                                    \
    template U muladd<U>(U, U, U, Rounding, uint32_t&);                                            \
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

MQ_FPU_INSTANTIATE(uint32_t)
MQ_FPU_INSTANTIATE(uint64_t)

#undef MQ_FPU_INSTANTIATE

} // namespace mq::riscv::fpu
