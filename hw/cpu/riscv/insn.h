// The instruction table's building blocks (dynarmic-style).
//
// Each instruction is described once, by a 32-character bit pattern such as
//     "0000000..........000.....0110011"   (add)
// where '0'/'1' are fixed bits and anything else is an operand bit. constexpr
// code turns the pattern into mask/match values. The operand layout is one
// of a few formats (R, I, S, B, U, J, ...), which says how to extract the
// fields and how to print them; the executor and the disassembler are both
// driven by the same table rows (insn-table.cpp).
//
// Compressed (RVC) instructions have a table of their own with 16-bit
// patterns; each row says which 32-bit instruction it expands to.
#pragma once

#include "hw/cpu/riscv/isa-ext.h"

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mq::riscv {

struct Hart;
struct DecodedInsn;

// Executes one decoded instruction. Returns the next instruction of the
// block, or null to leave the block (taken branch, trap, end of block); a
// handler that leaves has set the hart's pc and counted what retired.
//
// `fwd` is the value the previous instruction of the block wrote to its rd,
// handed over in a host register, when that instruction forwards (see
// Handlers); otherwise it means nothing.
using InsnHandler = const DecodedInsn* (*)(Hart& h, const DecodedInsn* i, uint64_t fwd);

// A row's handler, and the variants of it the block builder may put in its
// place when the instruction before it in the block forwards, and wrote the
// register that this one reads as rs1, rs2 or both.
//
// Result forwarding: an instruction that reads what the previous one wrote
// would read it from the register file in memory, just after the previous
// handler stored it there. The host then has to pass the value from the
// store to the load (store-to-load forwarding), which takes several cycles:
// in a chain of dependent instructions, that is most of the time each one
// takes. A forwarding handler also hands its result to the next handler as
// an argument, in a host register, and the variant uses that instead of
// loading. The register file is written as always, so a variant computes
// exactly what the row's handler would.
struct Handlers {
    InsnHandler plain;
    // The variants: rs1 comes as `fwd`; rs2 does; both are the register
    // `fwd` holds. Null when the row has none.
    InsnHandler rs1 = nullptr;
    InsnHandler rs2 = nullptr;
    InsnHandler both = nullptr;
    bool forwards = false; // hands the value it wrote to rd on as `fwd`
    // A branch's set for when it jumps back to the start of its own block
    // (a loop that is one block): the same variants, which go round without
    // working out the target. Null when the row has none.
    const Handlers* self_loop = nullptr;
    // A plain handler is a set of one (rows name a handler or a set alike).
    constexpr Handlers(InsnHandler f) : plain(f) {}
    constexpr Handlers(InsnHandler f, InsnHandler r1, InsnHandler r2, InsnHandler b, bool fw,
                       const Handlers* loop = nullptr)
        : plain(f), rs1(r1), rs2(r2), both(b), forwards(fw), self_loop(loop) {}
};

// Operand formats: how fields are extracted, and how they print.
enum class Format : uint8_t {
    R,        // rd, rs1, rs2
    R1,       // rd, rs1                  clz, rev8, sha256sum0 (rs2 is part of the opcode)
    I_RNUM,   // rd, rs1, rnum[3:0]       aes64ks1i
    I,        // rd, rs1, imm[11:0]
    I_SHIFT,  // rd, rs1, shamt[5:0]
    I_SHIFTW, // rd, rs1, shamt[4:0]
    LOAD,     // rd, imm(rs1)
    S,        // rs2, imm(rs1)
    B,        // rs1, rs2, pc-relative target
    U,        // rd, imm[31:12]
    J,        // rd, pc-relative target
    CSR,      // rd, csr, rs1
    CSRI,     // rd, csr, uimm[4:0]
    AMO,      // rd, rs2, (rs1)
    LR,       // rd, (rs1)
    FENCE,    // pred, succ
    NONE,     // no operands (ecall, mret, wfi)
    SFENCE,   // rs1, rs2
    CBO,      // 0(rs1)                   cbo.zero
    PREFETCH, // imm(rs1), imm[4:0] = 0   prefetch.r
    // Floating point: f for an FP register, x for an integer one; _RM when
    // the instruction has a rounding-mode field.
    F_FFF_RM,  // fd, fs1, fs2, rm         fadd.s
    F_FFF,     // fd, fs1, fs2             fsgnj.s, fmin.s
    F_FFFF_RM, // fd, fs1, fs2, fs3, rm    fmadd.s
    F_FF_RM,   // fd, fs1, rm              fsqrt.s, fcvt.s.d
    F_XF_RM,   // xd, fs1, rm              fcvt.w.s
    F_XF,      // xd, fs1                  fmv.x.w, fclass.s
    F_FX_RM,   // fd, xs1, rm              fcvt.s.w
    F_FX,      // fd, xs1                  fmv.w.x
    F_XFF,     // xd, fs1, fs2             feq.s
    F_LOAD,    // fd, imm(xs1)
    F_STORE,   // fs2, imm(xs1)
};

enum InsnFlags : uint8_t {
    END_BLOCK = 1, // control leaves, or the hart's state changes: ends a decoded block
    FP = 2,        // needs the FPU enabled (mstatus.FS != Off)
};

struct InsnDesc {
    const char* name;
    const char* pattern; // 32 chars, most significant bit first
    Format format;
    InsnHandler exec;
    Handlers handlers = exec; // exec, and its forwarding variants
    uint8_t flags = 0;
    uint32_t mask = 0;
    uint32_t match = 0;
    // The extensions that provide it: any one of them enabled makes the row
    // decode (andn is in both Zbb and Zbkb). 0: the base ISA, always there.
    IsaExts ext = 0;
};

// The mask/match of a pattern, at compile time.
constexpr uint32_t pattern_mask(std::string_view p) {
    uint32_t m = 0;
    for (char c : p)
        m = (m << 1) | ((c == '0' || c == '1') ? 1u : 0u);
    return m;
}
constexpr uint32_t pattern_match(std::string_view p) {
    uint32_t m = 0;
    for (char c : p)
        m = (m << 1) | (c == '1' ? 1u : 0u);
    return m;
}
constexpr bool pattern_valid(std::string_view p, size_t bits) {
    if (p.size() != bits) return false;
    for (char c : p) {
        if (c != '0' && c != '1' && c != '.') return false;
    }
    return true;
}

struct Block;

// One decoded instruction, as the block cache keeps it.
struct DecodedInsn {
    InsnHandler fn;
    // The operands, in one 8-byte word (see Operands).
    uint8_t rd, rs1, rs2, rs3;
    int32_t imm;
    uint32_t raw;    // the encoding (the 16-bit one for RVC), for tval and in_asm
    uint16_t pc_off; // byte offset from the block's start
    uint16_t index;  // position in the block: how many retired before it
    uint8_t rm;      // rounding mode (FP), or fence bits
    uint8_t len;     // 2 or 4
    uint16_t csr;
    const InsnDesc* desc;
    // Block chaining: where control went the last time it left the block
    // through this instruction. Valid while the hart's link key (translation
    // epoch and privilege) is the one it was made under (exec.cpp).
    mutable Block* link = nullptr;
    mutable uint64_t link_key = 0;
};

// The operands of a decoded instruction, read with one host load; the
// fields are then taken out of a host register. Read one by one, they cost
// a load each, and a handler's loads (operands, registers, the next
// handler's address) are much of what the host can issue per cycle.
// Hot handlers read them this way (insn-table.h); others use the fields.
struct Operands {
    uint64_t w;
    unsigned rd() const { return w & 0xff; }
    unsigned rs1() const { return (w >> 8) & 0xff; }
    unsigned rs2() const { return (w >> 16) & 0xff; }
    int64_t imm() const { return static_cast<int32_t>(w >> 32); }
};
static_assert(offsetof(DecodedInsn, imm) == offsetof(DecodedInsn, rd) + 4);
static_assert(std::endian::native == std::endian::little, "Operands takes rd from the low byte");
inline Operands operands(const DecodedInsn* i) {
    uint64_t w;
    std::memcpy(&w, &i->rd, sizeof w);
    asm("" : "+r"(w)); // keeps the compiler from splitting it into byte loads
    return {w};
}

// Field extraction, as the spec draws the formats.
constexpr uint32_t bits(uint32_t insn, int hi, int lo) {
    return (insn >> lo) & ((1u << (hi - lo + 1)) - 1);
}
constexpr int64_t sext(uint64_t v, int width) {
    return static_cast<int64_t>(v << (64 - width)) >> (64 - width);
}
constexpr int64_t imm_i(uint32_t x) { return sext(bits(x, 31, 20), 12); }
constexpr int64_t imm_s(uint32_t x) { return sext((bits(x, 31, 25) << 5) | bits(x, 11, 7), 12); }
constexpr int64_t imm_b(uint32_t x) {
    return sext((bits(x, 31, 31) << 12) | (bits(x, 7, 7) << 11) | (bits(x, 30, 25) << 5) |
                    (bits(x, 11, 8) << 1),
                13);
}
constexpr int64_t imm_u(uint32_t x) { return sext(x & 0xfffff000u, 32); }
constexpr int64_t imm_j(uint32_t x) {
    return sext((bits(x, 31, 31) << 20) | (bits(x, 19, 12) << 12) | (bits(x, 20, 20) << 11) |
                    (bits(x, 30, 21) << 1),
                21);
}

// The tables and the decoder (decode.cpp).
// Every table of rows (integer, FP, and one per extension family).
const std::vector<std::span<const InsnDesc>>& insn_tables();
// Decodes a 32-bit encoding into `out` (everything but pc_off/index), with
// the rows of the extensions in `enabled`. Returns false for an illegal
// instruction.
inline constexpr IsaExts ALL_EXTS = ~IsaExts{0};
bool decode32(uint32_t raw, DecodedInsn& out, IsaExts enabled = ALL_EXTS);
// Expands a 16-bit RVC encoding to its 32-bit equivalent, or 0 if illegal.
uint32_t rvc_expand(uint16_t raw);
// Name of the RVC instruction (for in_asm), or null.
const char* rvc_name(uint16_t raw);
// How many RVC rows accept `raw` (the table test wants at most one).
int rvc_match_count(uint16_t raw);
// "addi a0, a0, 1": the same table, printed (every extension enabled).
std::string disassemble(uint32_t raw, uint64_t pc);

// The handler for encodings the table does not know.
const DecodedInsn* exec_illegal(Hart& h, const DecodedInsn* i, uint64_t);

} // namespace mq::riscv
