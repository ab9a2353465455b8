// The instruction table for F and D: one row per instruction, as in
// insn-table.cpp. The arithmetic itself is in fpu.cpp; the handlers here add
// what the ISA says around it:
//   - with mstatus.FS Off, every F/D instruction is illegal;
//   - the rounding mode is the instruction's rm, or frm when rm is 7 (dyn);
//     5, 6 and a dynamic frm of 5..7 are illegal;
//   - single-precision values are NaN-boxed in the 64-bit f registers: a
//     single operand that is not boxed reads as the canonical NaN, and single
//     results are boxed (loads, stores and fmv move bits unchanged);
//   - writing an f register or raising an exception flag makes FS Dirty.
#include "hw/cpu/riscv/insn-table.h"

#include "hw/cpu/riscv/fpu.h"
#include "hw/cpu/riscv/mem.h"

namespace mq::riscv {

namespace {

using u32 = uint32_t;
using u64 = uint64_t;
using i32 = int32_t;
using i64 = int64_t;
using fpu::Rounding;

constexpr u64 sx32(u64 v) { return static_cast<u64>(static_cast<i64>(static_cast<i32>(v))); }

// --- the f registers ---

template <typename U>
U freg(const Hart& h, unsigned r) {
    if constexpr (sizeof(U) == 4) {
        u64 v = h.f[r];
        return (v >> 32) == 0xffffffffu ? static_cast<u32>(v) : fpu::F32_CANONICAL_NAN;
    } else {
        return h.f[r];
    }
}

void fs_dirty(Hart& h) { h.mstatus |= MSTATUS_FS; }

template <typename U>
void set_freg(Hart& h, unsigned r, U v) {
    h.f[r] = sizeof(U) == 4 ? (0xffffffff00000000ull | v) : v;
    fs_dirty(h);
}

void accrue(Hart& h, uint32_t flags) {
    if (flags) {
        h.fflags |= flags;
        fs_dirty(h);
    }
}

bool fpu_off(const Hart& h) { return h.fs() == FS_OFF; }

const DecodedInsn* illegal(Hart& h, const DecodedInsn* i) {
    return h.raise(i, EXCP_ILLEGAL_INST, i->raw);
}

// The instruction's rounding mode, or false when it is reserved.
bool rounding(const Hart& h, const DecodedInsn* i, Rounding* rm) {
    unsigned m = i->rm == 7 ? h.frm : i->rm;
    *rm = static_cast<Rounding>(m);
    return m <= 4;
}

// --- handler shapes, by operand format ---

// fd = F(fs1, fs2, rm): fadd, fsub, fmul, fdiv.
template <typename U, U (*F)(U, U, Rounding, uint32_t&)>
const DecodedInsn* op_fff_rm(Hart& h, const DecodedInsn* i) {
    Rounding rm;
    if (fpu_off(h) || !rounding(h, i, &rm)) return illegal(h, i);
    uint32_t flags = 0;
    set_freg(h, i->rd, F(freg<U>(h, i->rs1), freg<U>(h, i->rs2), rm, flags));
    accrue(h, flags);
    return next_insn(h, i);
}

// fd = F(fs1, fs2): sign injection, fmin, fmax.
template <typename U, U (*F)(U, U, uint32_t&)>
const DecodedInsn* op_fff(Hart& h, const DecodedInsn* i) {
    if (fpu_off(h)) return illegal(h, i);
    uint32_t flags = 0;
    set_freg(h, i->rd, F(freg<U>(h, i->rs1), freg<U>(h, i->rs2), flags));
    accrue(h, flags);
    return next_insn(h, i);
}

// fd = (-)(fs1 * fs2) (+/-) fs3, rounded once.
template <typename U, bool NegProduct, bool NegAddend>
const DecodedInsn* op_fma(Hart& h, const DecodedInsn* i) {
    Rounding rm;
    if (fpu_off(h) || !rounding(h, i, &rm)) return illegal(h, i);
    constexpr U sign = U(1) << (sizeof(U) * 8 - 1);
    U a = freg<U>(h, i->rs1), b = freg<U>(h, i->rs2), c = freg<U>(h, i->rs3);
    uint32_t flags = 0;
    set_freg(h, i->rd,
             fpu::muladd<U>(NegProduct ? a ^ sign : a, b, NegAddend ? c ^ sign : c, rm, flags));
    accrue(h, flags);
    return next_insn(h, i);
}

// fd = F(fs1, rm), between any two formats: fsqrt, fcvt.s.d, fcvt.d.s.
template <typename D, typename S, D (*F)(S, Rounding, uint32_t&)>
const DecodedInsn* op_ff_rm(Hart& h, const DecodedInsn* i) {
    Rounding rm;
    if (fpu_off(h) || !rounding(h, i, &rm)) return illegal(h, i);
    uint32_t flags = 0;
    set_freg(h, i->rd, F(freg<S>(h, i->rs1), rm, flags));
    accrue(h, flags);
    return next_insn(h, i);
}

// xd = fs1 converted to integer type I; 32-bit results are sign-extended.
template <typename U, typename I>
const DecodedInsn* op_fcvt_to_int(Hart& h, const DecodedInsn* i) {
    Rounding rm;
    if (fpu_off(h) || !rounding(h, i, &rm)) return illegal(h, i);
    uint32_t flags = 0;
    I v = fpu::to_int<I>(freg<U>(h, i->rs1), rm, flags);
    h.x.set(i->rd, sizeof(I) == 4 ? sx32(static_cast<u64>(v)) : static_cast<u64>(v));
    accrue(h, flags);
    return next_insn(h, i);
}

// fd = xs1 (as integer type I) converted.
template <typename U, typename I>
const DecodedInsn* op_fcvt_from_int(Hart& h, const DecodedInsn* i) {
    Rounding rm;
    if (fpu_off(h) || !rounding(h, i, &rm)) return illegal(h, i);
    uint32_t flags = 0;
    set_freg(h, i->rd, fpu::from_int<U>(static_cast<I>(h.x[i->rs1]), rm, flags));
    accrue(h, flags);
    return next_insn(h, i);
}

// xd = F(fs1, fs2): feq, flt, fle.
template <typename U, bool (*F)(U, U, uint32_t&)>
const DecodedInsn* op_fcmp(Hart& h, const DecodedInsn* i) {
    if (fpu_off(h)) return illegal(h, i);
    uint32_t flags = 0;
    h.x.set(i->rd, F(freg<U>(h, i->rs1), freg<U>(h, i->rs2), flags));
    accrue(h, flags);
    return next_insn(h, i);
}

template <typename U>
const DecodedInsn* exec_fclass(Hart& h, const DecodedInsn* i) {
    if (fpu_off(h)) return illegal(h, i);
    h.x.set(i->rd, fpu::classify(freg<U>(h, i->rs1)));
    return next_insn(h, i);
}

// fmv.x.w / fmv.x.d: the register's bits, boxed or not.
template <typename U>
const DecodedInsn* exec_fmv_to_x(Hart& h, const DecodedInsn* i) {
    if (fpu_off(h)) return illegal(h, i);
    u64 v = h.f[i->rs1];
    h.x.set(i->rd, sizeof(U) == 4 ? sx32(v) : v);
    return next_insn(h, i);
}

template <typename U>
const DecodedInsn* exec_fmv_from_x(Hart& h, const DecodedInsn* i) {
    if (fpu_off(h)) return illegal(h, i);
    set_freg(h, i->rd, static_cast<U>(h.x[i->rs1]));
    return next_insn(h, i);
}

template <typename U>
const DecodedInsn* op_fload(Hart& h, const DecodedInsn* i) {
    if (fpu_off(h)) return illegal(h, i);
    u64 addr = h.x[i->rs1] + i->imm;
    U v;
    u64 cause;
    if (!mem_load(h, addr, &v, &cause)) [[unlikely]]
        return h.raise(i, cause, h.mem_fault_va);
    set_freg(h, i->rd, v);
    return next_insn(h, i);
}

template <typename U>
const DecodedInsn* op_fstore(Hart& h, const DecodedInsn* i) {
    if (fpu_off(h)) return illegal(h, i);
    u64 addr = h.x[i->rs1] + i->imm;
    u64 cause;
    if (!mem_store(h, addr, static_cast<U>(h.f[i->rs2]), &cause)) [[unlikely]] {
        return h.raise(i, cause, h.mem_fault_va);
    }
    return next_insn(h, i);
}

// --- sign injection: the magnitude of a, a sign from b ---

template <typename U>
constexpr U SIGN = U(1) << (sizeof(U) * 8 - 1);

template <typename U>
U fsgnj(U a, U b, uint32_t&) {
    return (a & ~SIGN<U>) | (b & SIGN<U>);
}
template <typename U>
U fsgnjn(U a, U b, uint32_t&) {
    return (a & ~SIGN<U>) | (~b & SIGN<U>);
}
template <typename U>
U fsgnjx(U a, U b, uint32_t&) {
    return a ^ (b & SIGN<U>);
}

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
