// The instruction table for half precision: Zfhmin (loads, stores, moves
// and the conversions to and from single and double) and Zfh (everything
// else F has, in binary16). The handlers are F and D's (insn-fp.h) over
// uint16_t; the arithmetic is fpu-half.cpp's.
#include "hw/cpu/riscv/insn-fp.h"

namespace mq::riscv {

namespace {

using namespace fpinsn;

// fcvt.s.h and fcvt.d.h are exact: they have an rm field, but no use for it.
u32 half_to_single(u16 a, Rounding, uint32_t& flags) { return fpu::f16_to_f32(a, flags); }
u64 half_to_double(u16 a, Rounding, uint32_t& flags) { return fpu::f16_to_f64(a, flags); }

// The conversions with double need D as well.
template <InsnHandler Handler>
const DecodedInsn* with_d(Hart& h, const DecodedInsn* i, uint64_t) {
    if (!h.isa.has(Ext::D)) return illegal(h, i);
    return Handler(h, i, 0);
}

} // namespace

// clang-format off
constexpr auto kZfhmin = in_ext(ext_bits(Ext::Zfh, Ext::Zfhmin), {
    insn("flh",       ".................001.....0000111", Format::F_LOAD, op_fload<u16>, FP),
    insn("fsh",       ".................001.....0100111", Format::F_STORE, op_fstore<u16>, FP),
    insn("fmv.x.h",   "111001000000.....000.....1010011", Format::F_XF, exec_fmv_to_x<u16>, FP),
    insn("fmv.h.x",   "111101000000.....000.....1010011", Format::F_FX, exec_fmv_from_x<u16>, FP),
    insn("fcvt.s.h",  "010000000010.............1010011", Format::F_FF_RM, op_ff_rm<u32, u16, half_to_single>, FP),
    insn("fcvt.h.s",  "010001000000.............1010011", Format::F_FF_RM, op_ff_rm<u16, u32, fpu::f32_to_f16>, FP),
    insn("fcvt.d.h",  "010000100010.............1010011", Format::F_FF_RM, with_d<op_ff_rm<u64, u16, half_to_double>>, FP),
    insn("fcvt.h.d",  "010001000001.............1010011", Format::F_FF_RM, with_d<op_ff_rm<u16, u64, fpu::f64_to_f16>>, FP),
});

constexpr auto kZfh = in_ext(ext_bit(Ext::Zfh), {
    insn("fmadd.h",   ".....10..................1000011", Format::F_FFFF_RM, op_fma<u16, false, false>, FP),
    insn("fmsub.h",   ".....10..................1000111", Format::F_FFFF_RM, op_fma<u16, false, true>, FP),
    insn("fnmsub.h",  ".....10..................1001011", Format::F_FFFF_RM, op_fma<u16, true, false>, FP),
    insn("fnmadd.h",  ".....10..................1001111", Format::F_FFFF_RM, op_fma<u16, true, true>, FP),
    insn("fadd.h",    "0000010..................1010011", Format::F_FFF_RM, op_fff_rm<u16, fpu::add<u16>>, FP),
    insn("fsub.h",    "0000110..................1010011", Format::F_FFF_RM, op_fff_rm<u16, fpu::sub<u16>>, FP),
    insn("fmul.h",    "0001010..................1010011", Format::F_FFF_RM, op_fff_rm<u16, fpu::mul<u16>>, FP),
    insn("fdiv.h",    "0001110..................1010011", Format::F_FFF_RM, op_fff_rm<u16, fpu::div<u16>>, FP),
    insn("fsqrt.h",   "010111000000.............1010011", Format::F_FF_RM, op_ff_rm<u16, u16, fpu::sqrt<u16>>, FP),
    insn("fsgnj.h",   "0010010..........000.....1010011", Format::F_FFF, op_fff<u16, fsgnj<u16>>, FP),
    insn("fsgnjn.h",  "0010010..........001.....1010011", Format::F_FFF, op_fff<u16, fsgnjn<u16>>, FP),
    insn("fsgnjx.h",  "0010010..........010.....1010011", Format::F_FFF, op_fff<u16, fsgnjx<u16>>, FP),
    insn("fmin.h",    "0010110..........000.....1010011", Format::F_FFF, op_fff<u16, fpu::min<u16>>, FP),
    insn("fmax.h",    "0010110..........001.....1010011", Format::F_FFF, op_fff<u16, fpu::max<u16>>, FP),
    insn("feq.h",     "1010010..........010.....1010011", Format::F_XFF, op_fcmp<u16, fpu::eq<u16>>, FP),
    insn("flt.h",     "1010010..........001.....1010011", Format::F_XFF, op_fcmp<u16, fpu::lt<u16>>, FP),
    insn("fle.h",     "1010010..........000.....1010011", Format::F_XFF, op_fcmp<u16, fpu::le<u16>>, FP),
    insn("fclass.h",  "111001000000.....001.....1010011", Format::F_XF, exec_fclass<u16>, FP),
    insn("fcvt.w.h",  "110001000000.............1010011", Format::F_XF_RM, op_fcvt_to_int<u16, i32>, FP),
    insn("fcvt.wu.h", "110001000001.............1010011", Format::F_XF_RM, op_fcvt_to_int<u16, u32>, FP),
    insn("fcvt.l.h",  "110001000010.............1010011", Format::F_XF_RM, op_fcvt_to_int<u16, i64>, FP),
    insn("fcvt.lu.h", "110001000011.............1010011", Format::F_XF_RM, op_fcvt_to_int<u16, u64>, FP),
    insn("fcvt.h.w",  "110101000000.............1010011", Format::F_FX_RM, op_fcvt_from_int<u16, i32>, FP),
    insn("fcvt.h.wu", "110101000001.............1010011", Format::F_FX_RM, op_fcvt_from_int<u16, u32>, FP),
    insn("fcvt.h.l",  "110101000010.............1010011", Format::F_FX_RM, op_fcvt_from_int<u16, i64>, FP),
    insn("fcvt.h.lu", "110101000011.............1010011", Format::F_FX_RM, op_fcvt_from_int<u16, u64>, FP),
});

constexpr auto kZfhTable = concat(kZfhmin, kZfh);
// clang-format on

std::span<const InsnDesc> insn_table_zfh() { return kZfhTable; }

} // namespace mq::riscv
