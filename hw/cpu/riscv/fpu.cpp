// F and D arithmetic (see fpu.h). The rounded operations run on the host FPU
// in the four modes C has (MXCSR on x86-64, <cfenv> elsewhere); RMM, and the
// operations the host does not do the RISC-V way, go to the software
// implementation in fpu-soft.h. x86 detects tininess after rounding too, so
// its flags are RISC-V's. This file is compiled with -frounding-math
// -fsignaling-nans, and every host operation reads and writes volatile
// locals, so that the compiler can neither fold it nor move it across the
// mode switch and the flag read.
#include "hw/cpu/riscv/fpu.h"

#include "hw/cpu/riscv/fpu-soft.h"

#include <bit>
#include <cfenv>
#include <cmath>

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

namespace mq::riscv::fpu {

namespace {

using namespace detail;

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
struct HostType;
template <>
struct HostType<uint32_t> {
    using type = float;
};
template <>
struct HostType<uint64_t> {
    using type = double;
};
template <typename U>
using Host = typename HostType<U>::type;

template <typename U>
Host<U> host(U v) {
    return std::bit_cast<Host<U>>(v);
}

template <typename U>
U bits_of(Host<U> v) {
    return std::bit_cast<U>(v);
}

} // namespace

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

uint64_t f32_to_f64(uint32_t a, uint32_t& flags) {
    return convert<uint64_t>(a, Rounding::RNE, flags); // exact
}

uint32_t f64_to_f32(uint64_t a, Rounding rm, uint32_t& flags) {
    return convert<uint32_t>(a, rm, flags);
}

// --- the instantiations the instruction table uses ---

#define MQ_FPU_INSTANTIATE(U)                                                                      \
    template U add<U>(U, U, Rounding, uint32_t&);                                                  \
    template U sub<U>(U, U, Rounding, uint32_t&);                                                  \
    template U mul<U>(U, U, Rounding, uint32_t&);                                                  \
    template U div<U>(U, U, Rounding, uint32_t&);                                                  \
    template U sqrt<U>(U, Rounding, uint32_t&);                                                    \
    template U muladd<U>(U, U, U, Rounding, uint32_t&);                                            \
    MQ_FPU_INSTANTIATE_SOFT(U)

MQ_FPU_INSTANTIATE(uint32_t)
MQ_FPU_INSTANTIATE(uint64_t)

#undef MQ_FPU_INSTANTIATE

} // namespace mq::riscv::fpu
