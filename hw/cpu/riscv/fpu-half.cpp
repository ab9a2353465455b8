// binary16 (Zfh, Zfhmin): the same software arithmetic as F and D's RMM
// path (fpu-soft.h). Every result is rounded once from the exact value, so
// halves get IEEE's correctly rounded results and RISC-V's flags in every
// mode; the host FPU has no binary16 to offer that.
#include "hw/cpu/riscv/fpu.h"

#include "hw/cpu/riscv/fpu-soft.h"

namespace mq::riscv::fpu {

using u16 = uint16_t;

template <>
u16 add(u16 a, u16 b, Rounding rm, uint32_t& flags) {
    return soft::add(a, b, rm, flags);
}

template <>
u16 sub(u16 a, u16 b, Rounding rm, uint32_t& flags) {
    return soft::add<u16>(a, b ^ F<u16>::SIGN, rm, flags);
}

template <>
u16 mul(u16 a, u16 b, Rounding rm, uint32_t& flags) {
    return soft::mul(a, b, rm, flags);
}

template <>
u16 div(u16 a, u16 b, Rounding rm, uint32_t& flags) {
    return soft::div(a, b, rm, flags);
}

template <>
u16 sqrt(u16 a, Rounding rm, uint32_t& flags) {
    return soft::sqrt(a, rm, flags);
}

template <>
u16 muladd(u16 a, u16 b, u16 c, Rounding rm, uint32_t& flags) {
    return soft::muladd(a, b, c, rm, flags);
}

uint32_t f16_to_f32(u16 a, uint32_t& flags) { return convert<uint32_t>(a, Rounding::RNE, flags); }

uint64_t f16_to_f64(u16 a, uint32_t& flags) { return convert<uint64_t>(a, Rounding::RNE, flags); }

u16 f32_to_f16(uint32_t a, Rounding rm, uint32_t& flags) { return convert<u16>(a, rm, flags); }

u16 f64_to_f16(uint64_t a, Rounding rm, uint32_t& flags) { return convert<u16>(a, rm, flags); }

MQ_FPU_INSTANTIATE_SOFT(u16)

} // namespace mq::riscv::fpu
