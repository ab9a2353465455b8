// Declaring table rows: insn("add", "0000000..........000.....0110011", Format::R, handler).
// The pattern is checked and turned into mask/match at compile time.
#pragma once

#include "hw/cpu/riscv/cpu.h"

#include <algorithm>
#include <array>
#include <span>

namespace mq::riscv {

consteval InsnDesc insn(const char* name, const char* pattern, Format format, InsnHandler exec,
                        uint8_t flags = 0) {
    size_t len = 0;
    while (pattern[len])
        len++;
    if (!pattern_valid(std::string_view(pattern, len), 32)) {
        throw "an instruction pattern must be 32 characters of 0, 1 or .";
    }
    std::string_view p(pattern, len);
    return InsnDesc{name, pattern, format, exec, flags, pattern_mask(p), pattern_match(p)};
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

// The common handler shapes: rd = F(rs1, rs2), and rd = F(rs1, imm) (the
// immediate, shift amount or rnum the row's format extracts).
template <auto F>
const DecodedInsn* op_rr(Hart& h, const DecodedInsn* i) {
    h.x.set_rd(i->rd, F(h.x[i->rs1], h.x[i->rs2]));
    return next_insn(h, i);
}

template <auto F>
const DecodedInsn* op_ri(Hart& h, const DecodedInsn* i) {
    h.x.set_rd(i->rd, F(h.x[i->rs1], static_cast<uint64_t>(i->imm)));
    return next_insn(h, i);
}

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
