// The decoder and the disassembler, both generated from the instruction
// tables, and the RVC table that expands compressed instructions into their
// 32-bit equivalents.
#include "hw/cpu/riscv/insn-table.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <functional>
#include <vector>

namespace mq::riscv {

namespace {

// Rows grouped by major opcode (bits 6..0), so a decode scans a handful.
// A row may refine another, fixing more of its bits (prefetch.r is an ori
// with rd = x0): the more specific comes first and wins, while enabled.
struct DecodeIndex {
    std::array<std::vector<const InsnDesc*>, 128> by_opcode;
    DecodeIndex() {
        for (auto table : insn_tables()) {
            for (const InsnDesc& d : table)
                by_opcode[d.match & 0x7f].push_back(&d);
        }
        for (auto& rows : by_opcode) {
            std::ranges::stable_sort(rows, std::greater<>(),
                                     [](const InsnDesc* d) { return std::popcount(d->mask); });
        }
    }
};

const DecodeIndex& index() {
    static const DecodeIndex i;
    return i;
}

const InsnDesc* find_desc(uint32_t raw, IsaExts enabled) {
    for (const InsnDesc* d : index().by_opcode[raw & 0x7f]) {
        if ((raw & d->mask) == d->match && (d->ext == 0 || (d->ext & enabled) != 0)) return d;
    }
    return nullptr;
}

} // namespace

const std::vector<std::span<const InsnDesc>>& insn_tables() {
    // Where a row is a special case of another (zext.h is packw with rs2 =
    // x0, prefetch.r an ori with rd = x0), the decode index puts the more
    // specific row first, and it wins while its extension is enabled.
    static const std::vector<std::span<const InsnDesc>> tables = {
        insn_table_integer(), insn_table_fp(),  insn_table_bitmanip(), insn_table_crypto(),
        insn_table_zfh(),     insn_table_cbo(), insn_table_svinval()};
    return tables;
}

bool decode32(uint32_t raw, DecodedInsn& out, IsaExts enabled) {
    out.raw = raw;
    out.len = 4;
    out.rd = static_cast<uint8_t>(bits(raw, 11, 7));
    out.rs1 = static_cast<uint8_t>(bits(raw, 19, 15));
    out.rs2 = static_cast<uint8_t>(bits(raw, 24, 20));
    out.rs3 = static_cast<uint8_t>(bits(raw, 31, 27));
    out.rm = static_cast<uint8_t>(bits(raw, 14, 12));
    out.csr = static_cast<uint16_t>(bits(raw, 31, 20));
    out.imm = 0;
    const InsnDesc* d = find_desc(raw, enabled);
    out.desc = d;
    if (!d) {
        out.fn = exec_illegal;
        return false;
    }
    out.fn = d->exec;
    switch (d->format) {
    case Format::I:
    case Format::LOAD:
    case Format::F_LOAD: out.imm = imm_i(raw); break;
    case Format::PREFETCH: out.imm = imm_i(raw) & ~int64_t{0x1f}; break;
    case Format::I_SHIFT: out.imm = bits(raw, 25, 20); break;
    case Format::I_SHIFTW: out.imm = bits(raw, 24, 20); break;
    case Format::I_RNUM: out.imm = bits(raw, 23, 20); break;
    case Format::S:
    case Format::F_STORE: out.imm = imm_s(raw); break;
    case Format::B: out.imm = imm_b(raw); break;
    case Format::U: out.imm = imm_u(raw); break;
    case Format::J: out.imm = imm_j(raw); break;
    default: break;
    }
    return true;
}

// ---------------------------------------------------------------------------
// RVC: each row matches a 16-bit pattern and builds the 32-bit instruction
// it stands for (0 for a reserved encoding of that row).
// ---------------------------------------------------------------------------

namespace {

constexpr uint32_t enc_r(uint32_t f7, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t rd,
                         uint32_t op) {
    return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}
constexpr uint32_t enc_i(int64_t imm, uint32_t rs1, uint32_t f3, uint32_t rd, uint32_t op) {
    return (static_cast<uint32_t>(imm) & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}
constexpr uint32_t enc_s(int64_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t op) {
    uint32_t u = static_cast<uint32_t>(imm);
    return ((u >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (u & 0x1f) << 7 | op;
}
constexpr uint32_t enc_b(int64_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3) {
    uint32_t u = static_cast<uint32_t>(imm);
    return ((u >> 12) & 1) << 31 | ((u >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
           ((u >> 1) & 0xf) << 8 | ((u >> 11) & 1) << 7 | 0x63;
}
constexpr uint32_t enc_u(int64_t imm, uint32_t rd, uint32_t op) {
    return (static_cast<uint32_t>(imm) & 0xfffff000u) | rd << 7 | op;
}
constexpr uint32_t enc_j(int64_t imm, uint32_t rd) {
    uint32_t u = static_cast<uint32_t>(imm);
    return ((u >> 20) & 1) << 31 | ((u >> 1) & 0x3ff) << 21 | ((u >> 11) & 1) << 20 |
           ((u >> 12) & 0xff) << 12 | rd << 7 | 0x6f;
}

constexpr uint32_t OP_LOAD = 0x03, OP_LOAD_FP = 0x07, OP_IMM = 0x13, OP_IMM32 = 0x1b,
                   OP_STORE = 0x23, OP_STORE_FP = 0x27, OP = 0x33, OP32 = 0x3b, OP_LUI = 0x37,
                   OP_JALR = 0x67, OP_SYSTEM = 0x73;

// Register fields: full 5-bit ones, and the 3-bit x8..x15 ones.
constexpr uint32_t c_rd(uint16_t c) { return bits(c, 11, 7); }
constexpr uint32_t c_rs2(uint16_t c) { return bits(c, 6, 2); }
constexpr uint32_t c_rdp(uint16_t c) { return 8 + bits(c, 4, 2); }  // rd' / rs2'
constexpr uint32_t c_rs1p(uint16_t c) { return 8 + bits(c, 9, 7); } // rs1' / rd'

// Immediates, bit by bit as the RVC chapter draws them.
constexpr int64_t c_imm6(uint16_t c) { return sext((bits(c, 12, 12) << 5) | bits(c, 6, 2), 6); }
constexpr uint32_t c_uimm_w(uint16_t c) {
    return bits(c, 12, 10) << 3 | bits(c, 6, 6) << 2 | bits(c, 5, 5) << 6;
}
constexpr uint32_t c_uimm_d(uint16_t c) { return bits(c, 12, 10) << 3 | bits(c, 6, 5) << 6; }
constexpr uint32_t c_lwsp(uint16_t c) {
    return bits(c, 12, 12) << 5 | bits(c, 6, 4) << 2 | bits(c, 3, 2) << 6;
}
constexpr uint32_t c_ldsp(uint16_t c) {
    return bits(c, 12, 12) << 5 | bits(c, 6, 5) << 3 | bits(c, 4, 2) << 6;
}
constexpr uint32_t c_swsp(uint16_t c) { return bits(c, 12, 9) << 2 | bits(c, 8, 7) << 6; }
constexpr uint32_t c_sdsp(uint16_t c) { return bits(c, 12, 10) << 3 | bits(c, 9, 7) << 6; }
constexpr int64_t c_j(uint16_t c) {
    return sext(bits(c, 12, 12) << 11 | bits(c, 11, 11) << 4 | bits(c, 10, 9) << 8 |
                    bits(c, 8, 8) << 10 | bits(c, 7, 7) << 6 | bits(c, 6, 6) << 7 |
                    bits(c, 5, 3) << 1 | bits(c, 2, 2) << 5,
                12);
}
constexpr int64_t c_b(uint16_t c) {
    return sext(bits(c, 12, 12) << 8 | bits(c, 11, 10) << 3 | bits(c, 6, 5) << 6 |
                    bits(c, 4, 3) << 1 | bits(c, 2, 2) << 5,
                9);
}

struct RvcDesc {
    const char* name;
    const char* pattern; // 16 chars
    uint32_t (*expand)(uint16_t);
    uint16_t mask = 0, match = 0;
};

// constexpr, not consteval: clang 14 miscompiles a lambda's conversion to a
// function pointer inside a consteval call, and every expand then saw c == 0
// (each RVC parcel decoded as illegal). kRvcTable being constexpr still
// makes a bad pattern a compile-time error.
constexpr RvcDesc rvc(const char* name, const char* pattern, uint32_t (*expand)(uint16_t)) {
    size_t len = 0;
    while (pattern[len])
        len++;
    if (!pattern_valid(std::string_view(pattern, len), 16))
        throw "an RVC pattern must be 16 characters";
    std::string_view p(pattern, len);
    return RvcDesc{name, pattern, expand, static_cast<uint16_t>(pattern_mask(p)),
                   static_cast<uint16_t>(pattern_match(p))};
}

// clang-format off
constexpr RvcDesc kRvcTable[] = {
    // Quadrant 0
    rvc("c.addi4spn", "000...........00", [](uint16_t c) -> uint32_t {
        uint32_t imm = bits(c, 12, 11) << 4 | bits(c, 10, 7) << 6 | bits(c, 6, 6) << 2 | bits(c, 5, 5) << 3;
        return imm ? enc_i(imm, 2, 0, c_rdp(c), OP_IMM) : 0; }),
    rvc("c.fld",  "001...........00", [](uint16_t c) { return enc_i(c_uimm_d(c), c_rs1p(c), 3, c_rdp(c), OP_LOAD_FP); }),
    rvc("c.lw",   "010...........00", [](uint16_t c) { return enc_i(c_uimm_w(c), c_rs1p(c), 2, c_rdp(c), OP_LOAD); }),
    rvc("c.ld",   "011...........00", [](uint16_t c) { return enc_i(c_uimm_d(c), c_rs1p(c), 3, c_rdp(c), OP_LOAD); }),
    rvc("c.fsd",  "101...........00", [](uint16_t c) { return enc_s(c_uimm_d(c), c_rdp(c), c_rs1p(c), 3, OP_STORE_FP); }),
    rvc("c.sw",   "110...........00", [](uint16_t c) { return enc_s(c_uimm_w(c), c_rdp(c), c_rs1p(c), 2, OP_STORE); }),
    rvc("c.sd",   "111...........00", [](uint16_t c) { return enc_s(c_uimm_d(c), c_rdp(c), c_rs1p(c), 3, OP_STORE); }),
    // Quadrant 1
    rvc("c.addi", "000...........01", [](uint16_t c) { return enc_i(c_imm6(c), c_rd(c), 0, c_rd(c), OP_IMM); }),
    rvc("c.addiw","001...........01", [](uint16_t c) -> uint32_t {
        return c_rd(c) ? enc_i(c_imm6(c), c_rd(c), 0, c_rd(c), OP_IMM32) : 0; }),
    rvc("c.li",   "010...........01", [](uint16_t c) { return enc_i(c_imm6(c), 0, 0, c_rd(c), OP_IMM); }),
    rvc("c.addi16sp", "011.00010.....01", [](uint16_t c) -> uint32_t {
        int64_t imm = sext(bits(c, 12, 12) << 9 | bits(c, 6, 6) << 4 | bits(c, 5, 5) << 6 |
                           bits(c, 4, 3) << 7 | bits(c, 2, 2) << 5, 10);
        return imm ? enc_i(imm, 2, 0, 2, OP_IMM) : 0; }),
    rvc("c.lui",  "011...........01", [](uint16_t c) -> uint32_t {
        int64_t imm = sext(bits(c, 12, 12) << 17 | bits(c, 6, 2) << 12, 18);
        return (imm && c_rd(c) != 2) ? enc_u(imm, c_rd(c), OP_LUI) : 0; }),
    rvc("c.srli", "100.00........01", [](uint16_t c) {
        return enc_i(bits(c, 12, 12) << 5 | bits(c, 6, 2), c_rs1p(c), 5, c_rs1p(c), OP_IMM); }),
    rvc("c.srai", "100.01........01", [](uint16_t c) {
        return enc_i(0x400 | bits(c, 12, 12) << 5 | bits(c, 6, 2), c_rs1p(c), 5, c_rs1p(c), OP_IMM); }),
    rvc("c.andi", "100.10........01", [](uint16_t c) { return enc_i(c_imm6(c), c_rs1p(c), 7, c_rs1p(c), OP_IMM); }),
    rvc("c.sub",  "100011...00...01", [](uint16_t c) { return enc_r(0x20, c_rdp(c), c_rs1p(c), 0, c_rs1p(c), OP); }),
    rvc("c.xor",  "100011...01...01", [](uint16_t c) { return enc_r(0, c_rdp(c), c_rs1p(c), 4, c_rs1p(c), OP); }),
    rvc("c.or",   "100011...10...01", [](uint16_t c) { return enc_r(0, c_rdp(c), c_rs1p(c), 6, c_rs1p(c), OP); }),
    rvc("c.and",  "100011...11...01", [](uint16_t c) { return enc_r(0, c_rdp(c), c_rs1p(c), 7, c_rs1p(c), OP); }),
    rvc("c.subw", "100111...00...01", [](uint16_t c) { return enc_r(0x20, c_rdp(c), c_rs1p(c), 0, c_rs1p(c), OP32); }),
    rvc("c.addw", "100111...01...01", [](uint16_t c) { return enc_r(0, c_rdp(c), c_rs1p(c), 0, c_rs1p(c), OP32); }),
    rvc("c.j",    "101...........01", [](uint16_t c) { return enc_j(c_j(c), 0); }),
    rvc("c.beqz", "110...........01", [](uint16_t c) { return enc_b(c_b(c), 0, c_rs1p(c), 0); }),
    rvc("c.bnez", "111...........01", [](uint16_t c) { return enc_b(c_b(c), 0, c_rs1p(c), 1); }),
    // Quadrant 2
    rvc("c.slli", "000...........10", [](uint16_t c) {
        return enc_i(bits(c, 12, 12) << 5 | bits(c, 6, 2), c_rd(c), 1, c_rd(c), OP_IMM); }),
    rvc("c.fldsp","001...........10", [](uint16_t c) { return enc_i(c_ldsp(c), 2, 3, c_rd(c), OP_LOAD_FP); }),
    rvc("c.lwsp", "010...........10", [](uint16_t c) -> uint32_t {
        return c_rd(c) ? enc_i(c_lwsp(c), 2, 2, c_rd(c), OP_LOAD) : 0; }),
    rvc("c.ldsp", "011...........10", [](uint16_t c) -> uint32_t {
        return c_rd(c) ? enc_i(c_ldsp(c), 2, 3, c_rd(c), OP_LOAD) : 0; }),
    rvc("c.jr",   "1000.....0000010", [](uint16_t c) -> uint32_t {
        return c_rd(c) ? enc_i(0, c_rd(c), 0, 0, OP_JALR) : 0; }),
    rvc("c.mv",   "1000..........10", [](uint16_t c) -> uint32_t {
        return c_rs2(c) ? enc_r(0, c_rs2(c), 0, 0, c_rd(c), OP) : 0; }),
    rvc("c.ebreak","1001000000000010", [](uint16_t) -> uint32_t { return enc_i(1, 0, 0, 0, OP_SYSTEM); }),
    rvc("c.jalr", "1001.....0000010", [](uint16_t c) -> uint32_t {
        return c_rd(c) ? enc_i(0, c_rd(c), 0, 1, OP_JALR) : 0; }),
    rvc("c.add",  "1001..........10", [](uint16_t c) -> uint32_t {
        return c_rs2(c) ? enc_r(0, c_rs2(c), c_rd(c), 0, c_rd(c), OP) : 0; }),
    rvc("c.fsdsp","101...........10", [](uint16_t c) { return enc_s(c_sdsp(c), c_rs2(c), 2, 3, OP_STORE_FP); }),
    rvc("c.swsp", "110...........10", [](uint16_t c) { return enc_s(c_swsp(c), c_rs2(c), 2, 2, OP_STORE); }),
    rvc("c.sdsp", "111...........10", [](uint16_t c) { return enc_s(c_sdsp(c), c_rs2(c), 2, 3, OP_STORE); }),
};
// clang-format on

// The first row that matches and does not call the encoding reserved.
const RvcDesc* rvc_find(uint16_t raw, uint32_t* expanded) {
    for (const RvcDesc& d : kRvcTable) {
        if ((raw & d.mask) != d.match) continue;
        if (uint32_t x = d.expand(raw)) {
            *expanded = x;
            return &d;
        }
    }
    return nullptr;
}

constexpr const char* kXNames[32] = {"zero", "ra", "sp",  "gp",  "tp", "t0", "t1", "t2",
                                     "s0",   "s1", "a0",  "a1",  "a2", "a3", "a4", "a5",
                                     "a6",   "a7", "s2",  "s3",  "s4", "s5", "s6", "s7",
                                     "s8",   "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
constexpr const char* kFNames[32] = {"ft0", "ft1", "ft2",  "ft3",  "ft4", "ft5", "ft6",  "ft7",
                                     "fs0", "fs1", "fa0",  "fa1",  "fa2", "fa3", "fa4",  "fa5",
                                     "fa6", "fa7", "fs2",  "fs3",  "fs4", "fs5", "fs6",  "fs7",
                                     "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11"};

// HINTs with names of their own: encodings of ordinary instructions (pause
// is a fence, the ntl hints are adds to x0) that do nothing here but
// disassemble as the extension that gave them a meaning calls them.
struct HintName {
    uint32_t raw;
    const char* name;
};
constexpr HintName kHintNames[] = {
    {0x0100000f, "pause"},    // Zihintpause: fence w, 0
    {0x00200033, "ntl.p1"},   // Zihintntl: add x0, x0, x2
    {0x00300033, "ntl.pall"}, // add x0, x0, x3
    {0x00400033, "ntl.s1"},   // add x0, x0, x4
    {0x00500033, "ntl.all"},  // add x0, x0, x5
};

const char* hint_name(uint32_t raw) {
    for (const HintName& h : kHintNames) {
        if (h.raw == raw) return h.name;
    }
    return nullptr;
}

std::string rm_suffix(unsigned rm) {
    static constexpr const char* names[8] = {"rne", "rtz", "rdn", "rup",
                                             "rmm", "rm5", "rm6", "dyn"};
    return rm == 7 ? "" : fmt::format(",{}", names[rm]);
}

} // namespace

uint32_t rvc_expand(uint16_t raw) {
    uint32_t x = 0;
    return rvc_find(raw, &x) ? x : 0;
}

const char* rvc_name(uint16_t raw) {
    uint32_t x = 0;
    const RvcDesc* d = rvc_find(raw, &x);
    return d ? d->name : nullptr;
}

std::string disassemble(uint32_t raw, uint64_t pc) {
    bool compressed = (raw & 3) != 3;
    if (compressed) raw = rvc_expand(static_cast<uint16_t>(raw));
    DecodedInsn d{};
    if (!raw || !decode32(raw, d)) return "illegal";
    if (const char* hint = hint_name(raw)) return compressed ? fmt::format("c.{}", hint) : hint;
    const char* n = d.desc->name;
    auto X = [](unsigned r) { return kXNames[r]; };
    auto F = [](unsigned r) { return kFNames[r]; };
    switch (d.desc->format) {
    case Format::R: return fmt::format("{} {},{},{}", n, X(d.rd), X(d.rs1), X(d.rs2));
    case Format::R1: return fmt::format("{} {},{}", n, X(d.rd), X(d.rs1));
    case Format::AMO: return fmt::format("{} {},{},({})", n, X(d.rd), X(d.rs2), X(d.rs1));
    case Format::I:
        if (raw == 0x00000013) return "nop";
        return fmt::format("{} {},{},{}", n, X(d.rd), X(d.rs1), d.imm);
    case Format::I_SHIFT:
    case Format::I_SHIFTW:
    case Format::I_RNUM: return fmt::format("{} {},{},{}", n, X(d.rd), X(d.rs1), d.imm);
    case Format::LOAD: return fmt::format("{} {},{}({})", n, X(d.rd), d.imm, X(d.rs1));
    case Format::S: return fmt::format("{} {},{}({})", n, X(d.rs2), d.imm, X(d.rs1));
    case Format::B: return fmt::format("{} {},{},0x{:x}", n, X(d.rs1), X(d.rs2), pc + d.imm);
    case Format::U:
        return fmt::format("{} {},0x{:x}", n, X(d.rd),
                           (static_cast<uint64_t>(d.imm) >> 12) & 0xfffff);
    case Format::J: return fmt::format("{} {},0x{:x}", n, X(d.rd), pc + d.imm);
    case Format::CSR: return fmt::format("{} {},{},{}", n, X(d.rd), csr_name(d.csr), X(d.rs1));
    case Format::CSRI: return fmt::format("{} {},{},{}", n, X(d.rd), csr_name(d.csr), d.rs1);
    case Format::LR: return fmt::format("{} {},({})", n, X(d.rd), X(d.rs1));
    case Format::FENCE:
    case Format::NONE: return n;
    case Format::SFENCE: return fmt::format("{} {},{}", n, X(d.rs1), X(d.rs2));
    case Format::CBO: return fmt::format("{} 0({})", n, X(d.rs1));
    case Format::PREFETCH: return fmt::format("{} {}({})", n, d.imm, X(d.rs1));
    case Format::F_FFF_RM:
        return fmt::format("{} {},{},{}{}", n, F(d.rd), F(d.rs1), F(d.rs2), rm_suffix(d.rm));
    case Format::F_FFF: return fmt::format("{} {},{},{}", n, F(d.rd), F(d.rs1), F(d.rs2));
    case Format::F_FFFF_RM:
        return fmt::format("{} {},{},{},{}{}", n, F(d.rd), F(d.rs1), F(d.rs2), F(d.rs3),
                           rm_suffix(d.rm));
    case Format::F_FF_RM: return fmt::format("{} {},{}{}", n, F(d.rd), F(d.rs1), rm_suffix(d.rm));
    case Format::F_XF_RM: return fmt::format("{} {},{}{}", n, X(d.rd), F(d.rs1), rm_suffix(d.rm));
    case Format::F_XF: return fmt::format("{} {},{}", n, X(d.rd), F(d.rs1));
    case Format::F_FX_RM: return fmt::format("{} {},{}{}", n, F(d.rd), X(d.rs1), rm_suffix(d.rm));
    case Format::F_FX: return fmt::format("{} {},{}", n, F(d.rd), X(d.rs1));
    case Format::F_XFF: return fmt::format("{} {},{},{}", n, X(d.rd), F(d.rs1), F(d.rs2));
    case Format::F_LOAD: return fmt::format("{} {},{}({})", n, F(d.rd), d.imm, X(d.rs1));
    case Format::F_STORE: return fmt::format("{} {},{}({})", n, F(d.rs2), d.imm, X(d.rs1));
    }
    return n;
}

int rvc_match_count(uint16_t raw) {
    int n = 0;
    for (const RvcDesc& d : kRvcTable) {
        if ((raw & d.mask) == d.match && d.expand(raw)) n++;
    }
    return n;
}

} // namespace mq::riscv
