// The handlers of the floating-point instruction tables (insn-table-fp.cpp
// for F and D, insn-table-zfh.cpp for Zfh), templates over the format's
// bits: U is uint16_t (half), uint32_t (single) or uint64_t (double). They
// add what the ISA says around the arithmetic of fpu.h:
//   - with mstatus.FS Off, every FP instruction is illegal;
//   - the rounding mode is the instruction's rm, or frm when rm is 7 (dyn);
//     5, 6 and a dynamic frm of 5..7 are illegal;
//   - values narrower than 64 bits are NaN-boxed in the f registers: an
//     operand that is not boxed reads as the canonical NaN, and results are
//     boxed (loads, stores and fmv move bits unchanged);
//   - writing an f register or raising an exception flag makes FS Dirty.
#pragma once

#include "hw/cpu/riscv/fpu.h"
#include "hw/cpu/riscv/insn-table.h"
#include "hw/cpu/riscv/mem.h"

#include <type_traits>

namespace mq::riscv::fpinsn {

using u16 = uint16_t;
using u32 = uint32_t;
using u64 = uint64_t;
using i32 = int32_t;
using i64 = int64_t;
using fpu::Rounding;

// Sign-extends a narrow value's bits to 64 (fmv.x.h, fmv.x.w, the .w conversions).
template <typename N>
constexpr u64 sign_extend(u64 v) {
    using S = std::make_signed_t<N>;
    return static_cast<u64>(static_cast<i64>(static_cast<S>(static_cast<N>(v))));
}

// The bits above a boxed value of type U: all ones.
template <typename U>
constexpr u64 BOX = sizeof(U) == 8 ? 0 : ~0ull << (8 * sizeof(U));

// --- the f registers ---

template <typename U>
U freg(const Hart& h, unsigned r) {
    u64 v = h.f[r];
    if ((v & BOX<U>) != BOX<U>)
        return sizeof(U) == 2 ? U(fpu::F16_CANONICAL_NAN) : U(fpu::F32_CANONICAL_NAN);
    return static_cast<U>(v);
}

inline void fs_dirty(Hart& h) { h.mstatus |= MSTATUS_FS; }

template <typename U>
void set_freg(Hart& h, unsigned r, U v) {
    h.f[r] = BOX<U> | v;
    fs_dirty(h);
}

inline void accrue(Hart& h, uint32_t flags) {
    if (flags) {
        h.fflags |= flags;
        fs_dirty(h);
    }
}

inline bool fpu_off(const Hart& h) { return h.fs() == FS_OFF; }

inline const DecodedInsn* illegal(Hart& h, const DecodedInsn* i) {
    return h.raise(i, EXCP_ILLEGAL_INST, i->raw);
}

// The instruction's rounding mode, or false when it is reserved.
inline bool rounding(const Hart& h, const DecodedInsn* i, Rounding* rm) {
    unsigned m = i->rm == 7 ? h.frm : i->rm;
    *rm = static_cast<Rounding>(m);
    return m <= 4;
}

// --- handler shapes, by operand format ---

// fd = F(fs1, fs2, rm): fadd, fsub, fmul, fdiv.
template <typename U, U (*F)(U, U, Rounding, uint32_t&)>
const DecodedInsn* op_fff_rm(Hart& h, const DecodedInsn* i, uint64_t) {
    Rounding rm;
    if (fpu_off(h) || !rounding(h, i, &rm)) return illegal(h, i);
    uint32_t flags = 0;
    set_freg(h, i->rd, F(freg<U>(h, i->rs1), freg<U>(h, i->rs2), rm, flags));
    accrue(h, flags);
    return next_insn(h, i);
}

// fd = F(fs1, fs2): sign injection, fmin, fmax.
template <typename U, U (*F)(U, U, uint32_t&)>
const DecodedInsn* op_fff(Hart& h, const DecodedInsn* i, uint64_t) {
    if (fpu_off(h)) return illegal(h, i);
    uint32_t flags = 0;
    set_freg(h, i->rd, F(freg<U>(h, i->rs1), freg<U>(h, i->rs2), flags));
    accrue(h, flags);
    return next_insn(h, i);
}

// fd = (-)(fs1 * fs2) (+/-) fs3, rounded once.
template <typename U, bool NegProduct, bool NegAddend>
const DecodedInsn* op_fma(Hart& h, const DecodedInsn* i, uint64_t) {
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
const DecodedInsn* op_ff_rm(Hart& h, const DecodedInsn* i, uint64_t) {
    Rounding rm;
    if (fpu_off(h) || !rounding(h, i, &rm)) return illegal(h, i);
    uint32_t flags = 0;
    set_freg(h, i->rd, F(freg<S>(h, i->rs1), rm, flags));
    accrue(h, flags);
    return next_insn(h, i);
}

// xd = fs1 converted to integer type I; 32-bit results are sign-extended.
template <typename U, typename I>
const DecodedInsn* op_fcvt_to_int(Hart& h, const DecodedInsn* i, uint64_t) {
    Rounding rm;
    if (fpu_off(h) || !rounding(h, i, &rm)) return illegal(h, i);
    uint32_t flags = 0;
    I v = fpu::to_int<I>(freg<U>(h, i->rs1), rm, flags);
    h.x.set_rd(i->rd, sign_extend<std::make_unsigned_t<I>>(static_cast<u64>(v)));
    accrue(h, flags);
    return next_insn(h, i);
}

// fd = xs1 (as integer type I) converted.
template <typename U, typename I>
const DecodedInsn* op_fcvt_from_int(Hart& h, const DecodedInsn* i, uint64_t) {
    Rounding rm;
    if (fpu_off(h) || !rounding(h, i, &rm)) return illegal(h, i);
    uint32_t flags = 0;
    set_freg(h, i->rd, fpu::from_int<U>(static_cast<I>(h.x[i->rs1]), rm, flags));
    accrue(h, flags);
    return next_insn(h, i);
}

// xd = F(fs1, fs2): feq, flt, fle.
template <typename U, bool (*F)(U, U, uint32_t&)>
const DecodedInsn* op_fcmp(Hart& h, const DecodedInsn* i, uint64_t) {
    if (fpu_off(h)) return illegal(h, i);
    uint32_t flags = 0;
    h.x.set_rd(i->rd, F(freg<U>(h, i->rs1), freg<U>(h, i->rs2), flags));
    accrue(h, flags);
    return next_insn(h, i);
}

template <typename U>
const DecodedInsn* exec_fclass(Hart& h, const DecodedInsn* i, uint64_t) {
    if (fpu_off(h)) return illegal(h, i);
    h.x.set_rd(i->rd, fpu::classify(freg<U>(h, i->rs1)));
    return next_insn(h, i);
}

// fmv.x.h / fmv.x.w / fmv.x.d: the register's bits, boxed or not, sign-extended.
template <typename U>
const DecodedInsn* exec_fmv_to_x(Hart& h, const DecodedInsn* i, uint64_t) {
    if (fpu_off(h)) return illegal(h, i);
    u64 v = h.f[i->rs1];
    h.x.set_rd(i->rd, sign_extend<U>(v));
    return next_insn(h, i);
}

template <typename U>
const DecodedInsn* exec_fmv_from_x(Hart& h, const DecodedInsn* i, uint64_t) {
    if (fpu_off(h)) return illegal(h, i);
    set_freg(h, i->rd, static_cast<U>(h.x[i->rs1]));
    return next_insn(h, i);
}

template <typename U>
const DecodedInsn* op_fload(Hart& h, const DecodedInsn* i, uint64_t) {
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
const DecodedInsn* op_fstore(Hart& h, const DecodedInsn* i, uint64_t) {
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

} // namespace mq::riscv::fpinsn
