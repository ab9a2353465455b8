// Declaring table rows: insn("add", "0000000..........000.....0110011", Format::R, handler).
// The pattern is checked and turned into mask/match at compile time.
#pragma once

#include "hw/cpu/riscv/cpu.h"

#include <algorithm>
#include <array>
#include <span>

namespace mq::riscv {

consteval InsnDesc insn(const char* name, const char* pattern, Format format, Handlers exec,
                        uint8_t flags = 0) {
    size_t len = 0;
    while (pattern[len])
        len++;
    if (!pattern_valid(std::string_view(pattern, len), 32)) {
        throw "an instruction pattern must be 32 characters of 0, 1 or .";
    }
    std::string_view p(pattern, len);
    return InsnDesc{name, pattern, format,          exec.plain,
                    exec, flags,   pattern_mask(p), pattern_match(p)};
}

// The same rows, each marked as provided by `ext` (any one of them):
//     constexpr auto kM = in_ext(ext_bit(Ext::M), {insn(...), ...});
template <size_t N>
consteval std::array<InsnDesc, N> in_ext(IsaExts ext, const InsnDesc (&rows)[N]) {
    std::array<InsnDesc, N> out{};
    for (size_t i = 0; i < N; i++) {
        out[i] = rows[i];
        out[i].ext = ext;
    }
    return out;
}

// One table from several: concat(kBase, kM, kA).
template <size_t... N>
consteval std::array<InsnDesc, (N + ...)> concat(const std::array<InsnDesc, N>&... parts) {
    std::array<InsnDesc, (N + ...)> out{};
    size_t k = 0;
    ((std::copy(parts.begin(), parts.end(), out.begin() + k), k += N), ...);
    return out;
}

// Which operands a handler variant takes from `fwd` (see Handlers).
enum class Fwd : uint8_t { None, Rs1, Rs2, Both };

// The operands of a variant. Without threaded dispatch nothing is handed
// over (the loop calls each handler), and the register file is read.
template <Fwd S>
uint64_t src1(const Hart& h, Operands o, uint64_t fwd) {
    if constexpr (kThreadedDispatch && (S == Fwd::Rs1 || S == Fwd::Both)) return fwd;
    return h.x[o.rs1()];
}
template <Fwd S>
uint64_t src2(const Hart& h, Operands o, uint64_t fwd) {
    if constexpr (kThreadedDispatch && (S == Fwd::Rs2 || S == Fwd::Both)) return fwd;
    return h.x[o.rs2()];
}

// The common handler shapes: rd = F(rs1, rs2), and rd = F(rs1, imm) (the
// immediate, shift amount or rnum the row's format extracts). Both forward.
template <auto F, Fwd S>
const DecodedInsn* exec_rr(Hart& h, const DecodedInsn* i, uint64_t fwd) {
    const Operands o = operands(i);
    const uint64_t v = F(src1<S>(h, o, fwd), src2<S>(h, o, fwd));
    h.x.set_rd(o.rd(), v);
    return next_insn(h, i, v);
}
template <auto F>
inline constexpr Handlers op_rr{exec_rr<F, Fwd::None>, exec_rr<F, Fwd::Rs1>, exec_rr<F, Fwd::Rs2>,
                                exec_rr<F, Fwd::Both>, true};

// One register operand: no rs2 or both variants.
template <auto F, Fwd S>
const DecodedInsn* exec_ri(Hart& h, const DecodedInsn* i, uint64_t fwd) {
    const Operands o = operands(i);
    const uint64_t v = F(src1<S>(h, o, fwd), static_cast<uint64_t>(o.imm()));
    h.x.set_rd(o.rd(), v);
    return next_insn(h, i, v);
}
template <auto F>
inline constexpr Handlers op_ri{exec_ri<F, Fwd::None>, exec_ri<F, Fwd::Rs1>, nullptr, nullptr,
                                true};

// The handler that runs `a` and `b`, neighbours in a block in that order,
// as one (insn-fused.cpp), or null when they are not a pair it knows.
InsnHandler fused_handler(const DecodedInsn& a, const DecodedInsn& b);

std::span<const InsnDesc> insn_table_integer();
std::span<const InsnDesc> insn_table_fp();
// Zba, Zbb, Zbc, Zbs and Zicond, with the rows Zbkb/Zbkc share with them.
std::span<const InsnDesc> insn_table_bitmanip();
// Zbkb's and Zbkx's own rows, Zknd, Zkne and Zknh (RV64).
std::span<const InsnDesc> insn_table_crypto();
// Zfhmin's and Zfh's rows (half precision).
std::span<const InsnDesc> insn_table_zfh();
std::span<const InsnDesc> insn_table_cbo();     // Zicbom, Zicboz, Zicbop
std::span<const InsnDesc> insn_table_svinval(); // Svinval

} // namespace mq::riscv
