// The instruction table for F and D: one row per instruction, as in
// insn-table.cpp. The handlers (insn-fp.h) run the arithmetic of fpu.cpp
// with the ISA's rules around it: FS, rounding modes, NaN-boxing.
#include "hw/cpu/riscv/insn-fp.h"

namespace mq::riscv {

namespace {

using namespace fpinsn;

// fcvt.d.s is exact: it has an rm field, but no use for it.
u64 widen(u32 a, Rounding, uint32_t& flags) { return fpu::f32_to_f64(a, flags); }

} // namespace

// clang-format off
constexpr auto kF = in_ext(ext_bit(Ext::F), {
    insn("flw",       ".................010.....0000111", Format::F_LOAD, op_fload<u32>, FP),
    insn("fsw",       ".................010.....0100111", Format::F_STORE, op_fstore<u32>, FP),
    insn("fmadd.s",   ".....00..................1000011", Format::F_FFFF_RM, op_fma<u32, false, false>, FP),
    insn("fmsub.s",   ".....00..................1000111", Format::F_FFFF_RM, op_fma<u32, false, true>, FP),
    insn("fnmsub.s",  ".....00..................1001011", Format::F_FFFF_RM, op_fma<u32, true, false>, FP),
    insn("fnmadd.s",  ".....00..................1001111", Format::F_FFFF_RM, op_fma<u32, true, true>, FP),
    insn("fadd.s",    "0000000..................1010011", Format::F_FFF_RM, op_fff_rm<u32, fpu::add<u32>>, FP),
    insn("fsub.s",    "0000100..................1010011", Format::F_FFF_RM, op_fff_rm<u32, fpu::sub<u32>>, FP),
    insn("fmul.s",    "0001000..................1010011", Format::F_FFF_RM, op_fff_rm<u32, fpu::mul<u32>>, FP),
    insn("fdiv.s",    "0001100..................1010011", Format::F_FFF_RM, op_fff_rm<u32, fpu::div<u32>>, FP),
    insn("fsqrt.s",   "010110000000.............1010011", Format::F_FF_RM, op_ff_rm<u32, u32, fpu::sqrt<u32>>, FP),
    insn("fsgnj.s",   "0010000..........000.....1010011", Format::F_FFF, op_fff<u32, fsgnj<u32>>, FP),
    insn("fsgnjn.s",  "0010000..........001.....1010011", Format::F_FFF, op_fff<u32, fsgnjn<u32>>, FP),
    insn("fsgnjx.s",  "0010000..........010.....1010011", Format::F_FFF, op_fff<u32, fsgnjx<u32>>, FP),
    insn("fmin.s",    "0010100..........000.....1010011", Format::F_FFF, op_fff<u32, fpu::min<u32>>, FP),
    insn("fmax.s",    "0010100..........001.....1010011", Format::F_FFF, op_fff<u32, fpu::max<u32>>, FP),
    insn("fcvt.w.s",  "110000000000.............1010011", Format::F_XF_RM, op_fcvt_to_int<u32, i32>, FP),
    insn("fcvt.wu.s", "110000000001.............1010011", Format::F_XF_RM, op_fcvt_to_int<u32, u32>, FP),
    insn("fcvt.l.s",  "110000000010.............1010011", Format::F_XF_RM, op_fcvt_to_int<u32, i64>, FP),
    insn("fcvt.lu.s", "110000000011.............1010011", Format::F_XF_RM, op_fcvt_to_int<u32, u64>, FP),
    insn("fmv.x.w",   "111000000000.....000.....1010011", Format::F_XF, exec_fmv_to_x<u32>, FP),
    insn("fclass.s",  "111000000000.....001.....1010011", Format::F_XF, exec_fclass<u32>, FP),
    insn("feq.s",     "1010000..........010.....1010011", Format::F_XFF, op_fcmp<u32, fpu::eq<u32>>, FP),
    insn("flt.s",     "1010000..........001.....1010011", Format::F_XFF, op_fcmp<u32, fpu::lt<u32>>, FP),
    insn("fle.s",     "1010000..........000.....1010011", Format::F_XFF, op_fcmp<u32, fpu::le<u32>>, FP),
    insn("fcvt.s.w",  "110100000000.............1010011", Format::F_FX_RM, op_fcvt_from_int<u32, i32>, FP),
    insn("fcvt.s.wu", "110100000001.............1010011", Format::F_FX_RM, op_fcvt_from_int<u32, u32>, FP),
    insn("fcvt.s.l",  "110100000010.............1010011", Format::F_FX_RM, op_fcvt_from_int<u32, i64>, FP),
    insn("fcvt.s.lu", "110100000011.............1010011", Format::F_FX_RM, op_fcvt_from_int<u32, u64>, FP),
    insn("fmv.w.x",   "111100000000.....000.....1010011", Format::F_FX, exec_fmv_from_x<u32>, FP),
});

constexpr auto kD = in_ext(ext_bit(Ext::D), {
    insn("fld",       ".................011.....0000111", Format::F_LOAD, op_fload<u64>, FP),
    insn("fsd",       ".................011.....0100111", Format::F_STORE, op_fstore<u64>, FP),
    insn("fmadd.d",   ".....01..................1000011", Format::F_FFFF_RM, op_fma<u64, false, false>, FP),
    insn("fmsub.d",   ".....01..................1000111", Format::F_FFFF_RM, op_fma<u64, false, true>, FP),
    insn("fnmsub.d",  ".....01..................1001011", Format::F_FFFF_RM, op_fma<u64, true, false>, FP),
    insn("fnmadd.d",  ".....01..................1001111", Format::F_FFFF_RM, op_fma<u64, true, true>, FP),
    insn("fadd.d",    "0000001..................1010011", Format::F_FFF_RM, op_fff_rm<u64, fpu::add<u64>>, FP),
    insn("fsub.d",    "0000101..................1010011", Format::F_FFF_RM, op_fff_rm<u64, fpu::sub<u64>>, FP),
    insn("fmul.d",    "0001001..................1010011", Format::F_FFF_RM, op_fff_rm<u64, fpu::mul<u64>>, FP),
    insn("fdiv.d",    "0001101..................1010011", Format::F_FFF_RM, op_fff_rm<u64, fpu::div<u64>>, FP),
    insn("fsqrt.d",   "010110100000.............1010011", Format::F_FF_RM, op_ff_rm<u64, u64, fpu::sqrt<u64>>, FP),
    insn("fsgnj.d",   "0010001..........000.....1010011", Format::F_FFF, op_fff<u64, fsgnj<u64>>, FP),
    insn("fsgnjn.d",  "0010001..........001.....1010011", Format::F_FFF, op_fff<u64, fsgnjn<u64>>, FP),
    insn("fsgnjx.d",  "0010001..........010.....1010011", Format::F_FFF, op_fff<u64, fsgnjx<u64>>, FP),
    insn("fmin.d",    "0010101..........000.....1010011", Format::F_FFF, op_fff<u64, fpu::min<u64>>, FP),
    insn("fmax.d",    "0010101..........001.....1010011", Format::F_FFF, op_fff<u64, fpu::max<u64>>, FP),
    insn("fcvt.s.d",  "010000000001.............1010011", Format::F_FF_RM, op_ff_rm<u32, u64, fpu::f64_to_f32>, FP),
    insn("fcvt.d.s",  "010000100000.............1010011", Format::F_FF_RM, op_ff_rm<u64, u32, widen>, FP),
    insn("feq.d",     "1010001..........010.....1010011", Format::F_XFF, op_fcmp<u64, fpu::eq<u64>>, FP),
    insn("flt.d",     "1010001..........001.....1010011", Format::F_XFF, op_fcmp<u64, fpu::lt<u64>>, FP),
    insn("fle.d",     "1010001..........000.....1010011", Format::F_XFF, op_fcmp<u64, fpu::le<u64>>, FP),
    insn("fclass.d",  "111000100000.....001.....1010011", Format::F_XF, exec_fclass<u64>, FP),
    insn("fcvt.w.d",  "110000100000.............1010011", Format::F_XF_RM, op_fcvt_to_int<u64, i32>, FP),
    insn("fcvt.wu.d", "110000100001.............1010011", Format::F_XF_RM, op_fcvt_to_int<u64, u32>, FP),
    insn("fcvt.l.d",  "110000100010.............1010011", Format::F_XF_RM, op_fcvt_to_int<u64, i64>, FP),
    insn("fcvt.lu.d", "110000100011.............1010011", Format::F_XF_RM, op_fcvt_to_int<u64, u64>, FP),
    insn("fcvt.d.w",  "110100100000.............1010011", Format::F_FX_RM, op_fcvt_from_int<u64, i32>, FP),
    insn("fcvt.d.wu", "110100100001.............1010011", Format::F_FX_RM, op_fcvt_from_int<u64, u32>, FP),
    insn("fcvt.d.l",  "110100100010.............1010011", Format::F_FX_RM, op_fcvt_from_int<u64, i64>, FP),
    insn("fcvt.d.lu", "110100100011.............1010011", Format::F_FX_RM, op_fcvt_from_int<u64, u64>, FP),
    insn("fmv.x.d",   "111000100000.....000.....1010011", Format::F_XF, exec_fmv_to_x<u64>, FP),
    insn("fmv.d.x",   "111100100000.....000.....1010011", Format::F_FX, exec_fmv_from_x<u64>, FP),
});

constexpr auto kFpTable = concat(kF, kD);
// clang-format on

std::span<const InsnDesc> insn_table_fp() { return kFpTable; }

} // namespace mq::riscv
