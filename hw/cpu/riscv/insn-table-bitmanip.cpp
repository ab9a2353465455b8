// Bit manipulation (Zba, Zbb, Zbc, Zbs) and the conditional zeroing of
// Zicond, for RV64. The scalar-crypto bit manipulation (Zbkb, Zbkc) shares
// some of these rows: andn, orn, xnor, the rotates and rev8 are Zbb's and
// Zbkb's; clmul and clmulh are Zbc's and Zbkc's. A shared row names both
// extensions and decodes when either is on. The rows Zbkb and Zbkx have
// alone are in insn-table-crypto.cpp.
#include "hw/cpu/riscv/insn-table.h"

#include <bit>

namespace mq::riscv {

namespace {

using u64 = uint64_t;
using i64 = int64_t;
using u32 = uint32_t;

constexpr u64 sx32(u64 v) { return static_cast<u64>(sext(v, 32)); }

// The product of a and b as polynomials over GF(2): 128 bits.
constexpr unsigned __int128 clmul128(u64 a, u64 b) {
    unsigned __int128 x = 0;
    for (unsigned k = 0; k < 64; k++) {
        if ((b >> k) & 1) x ^= static_cast<unsigned __int128>(a) << k;
    }
    return x;
}

// Each byte: all ones if any of its bits is set, else zero.
constexpr u64 orc_b(u64 a) {
    u64 r = 0;
    for (unsigned k = 0; k < 64; k += 8) {
        if ((a >> k) & 0xff) r |= u64{0xff} << k;
    }
    return r;
}

// clang-format off
constexpr auto kZba = in_ext(ext_bit(Ext::Zba), {
    insn("sh1add",    "0010000..........010.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return (a << 1) + b; })>),
    insn("sh2add",    "0010000..........100.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return (a << 2) + b; })>),
    insn("sh3add",    "0010000..........110.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return (a << 3) + b; })>),
    insn("add.uw",    "0000100..........000.....0111011", Format::R, op_rr<([](u64 a, u64 b) { return u64(u32(a)) + b; })>),
    insn("sh1add.uw", "0010000..........010.....0111011", Format::R, op_rr<([](u64 a, u64 b) { return (u64(u32(a)) << 1) + b; })>),
    insn("sh2add.uw", "0010000..........100.....0111011", Format::R, op_rr<([](u64 a, u64 b) { return (u64(u32(a)) << 2) + b; })>),
    insn("sh3add.uw", "0010000..........110.....0111011", Format::R, op_rr<([](u64 a, u64 b) { return (u64(u32(a)) << 3) + b; })>),
    insn("slli.uw",   "000010...........001.....0011011", Format::I_SHIFT, op_ri<([](u64 a, u64 sh) { return u64(u32(a)) << (sh & 63); })>),
});

// In Zbb and in Zbkb.
constexpr auto kZbbZbkb = in_ext(ext_bits(Ext::Zbb, Ext::Zbkb), {
    insn("andn",   "0100000..........111.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return a & ~b; })>),
    insn("orn",    "0100000..........110.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return a | ~b; })>),
    insn("xnor",   "0100000..........100.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return ~(a ^ b); })>),
    insn("rol",    "0110000..........001.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return std::rotl(a, int(b & 63)); })>),
    insn("ror",    "0110000..........101.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return std::rotr(a, int(b & 63)); })>),
    insn("rori",   "011000...........101.....0010011", Format::I_SHIFT, op_ri<([](u64 a, u64 sh) { return std::rotr(a, int(sh & 63)); })>),
    insn("rolw",   "0110000..........001.....0111011", Format::R, op_rr<([](u64 a, u64 b) { return sx32(std::rotl(u32(a), int(b & 31))); })>),
    insn("rorw",   "0110000..........101.....0111011", Format::R, op_rr<([](u64 a, u64 b) { return sx32(std::rotr(u32(a), int(b & 31))); })>),
    insn("roriw",  "0110000..........101.....0011011", Format::I_SHIFTW, op_ri<([](u64 a, u64 sh) { return sx32(std::rotr(u32(a), int(sh & 31))); })>),
    insn("rev8",   "011010111000.....101.....0010011", Format::R1, op_rr<([](u64 a, u64) { return __builtin_bswap64(a); })>),
});

// Zbb alone.
constexpr auto kZbb = in_ext(ext_bit(Ext::Zbb), {
    insn("clz",    "011000000000.....001.....0010011", Format::R1, op_rr<([](u64 a, u64) -> u64 { return std::countl_zero(a); })>),
    insn("ctz",    "011000000001.....001.....0010011", Format::R1, op_rr<([](u64 a, u64) -> u64 { return std::countr_zero(a); })>),
    insn("cpop",   "011000000010.....001.....0010011", Format::R1, op_rr<([](u64 a, u64) -> u64 { return std::popcount(a); })>),
    insn("sext.b", "011000000100.....001.....0010011", Format::R1, op_rr<([](u64 a, u64) { return u64(sext(a, 8)); })>),
    insn("sext.h", "011000000101.....001.....0010011", Format::R1, op_rr<([](u64 a, u64) { return u64(sext(a, 16)); })>),
    insn("clzw",   "011000000000.....001.....0011011", Format::R1, op_rr<([](u64 a, u64) -> u64 { return std::countl_zero(u32(a)); })>),
    insn("ctzw",   "011000000001.....001.....0011011", Format::R1, op_rr<([](u64 a, u64) -> u64 { return std::countr_zero(u32(a)); })>),
    insn("cpopw",  "011000000010.....001.....0011011", Format::R1, op_rr<([](u64 a, u64) -> u64 { return std::popcount(u32(a)); })>),
    insn("max",    "0000101..........110.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return i64(a) > i64(b) ? a : b; })>),
    insn("maxu",   "0000101..........111.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return a > b ? a : b; })>),
    insn("min",    "0000101..........100.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return i64(a) < i64(b) ? a : b; })>),
    insn("minu",   "0000101..........101.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return a < b ? a : b; })>),
    insn("orc.b",  "001010000111.....101.....0010011", Format::R1, op_rr<([](u64 a, u64) { return orc_b(a); })>),
    // packw with rs2 = x0, which Zbkb decodes when Zbb is off (the tables
    // list this row before packw; the table test knows the pair).
    insn("zext.h", "000010000000.....100.....0111011", Format::R1, op_rr<([](u64 a, u64) { return a & 0xffff; })>),
});

// In Zbc and in Zbkc (clmulr is Zbc's alone).
constexpr auto kZbcZbkc = in_ext(ext_bits(Ext::Zbc, Ext::Zbkc), {
    insn("clmul",  "0000101..........001.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return u64(clmul128(a, b)); })>),
    insn("clmulh", "0000101..........011.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return u64(clmul128(a, b) >> 64); })>),
});

constexpr auto kZbc = in_ext(ext_bit(Ext::Zbc), {
    insn("clmulr", "0000101..........010.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return u64(clmul128(a, b) >> 63); })>),
});

// The bit index is the low six bits of rs2 or of the immediate.
constexpr auto kZbs = in_ext(ext_bit(Ext::Zbs), {
    insn("bclr",   "0100100..........001.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return a & ~(u64{1} << (b & 63)); })>),
    insn("bclri",  "010010...........001.....0010011", Format::I_SHIFT, op_ri<([](u64 a, u64 b) { return a & ~(u64{1} << (b & 63)); })>),
    insn("bext",   "0100100..........101.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return (a >> (b & 63)) & 1; })>),
    insn("bexti",  "010010...........101.....0010011", Format::I_SHIFT, op_ri<([](u64 a, u64 b) { return (a >> (b & 63)) & 1; })>),
    insn("binv",   "0110100..........001.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return a ^ (u64{1} << (b & 63)); })>),
    insn("binvi",  "011010...........001.....0010011", Format::I_SHIFT, op_ri<([](u64 a, u64 b) { return a ^ (u64{1} << (b & 63)); })>),
    insn("bset",   "0010100..........001.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return a | (u64{1} << (b & 63)); })>),
    insn("bseti",  "001010...........001.....0010011", Format::I_SHIFT, op_ri<([](u64 a, u64 b) { return a | (u64{1} << (b & 63)); })>),
});

constexpr auto kZicond = in_ext(ext_bit(Ext::Zicond), {
    insn("czero.eqz", "0000111..........101.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return b == 0 ? 0 : a; })>),
    insn("czero.nez", "0000111..........111.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return b != 0 ? 0 : a; })>),
});

constexpr auto kBitmanipTable = concat(kZba, kZbbZbkb, kZbb, kZbcZbkc, kZbc, kZbs, kZicond);
// clang-format on

} // namespace

std::span<const InsnDesc> insn_table_bitmanip() { return kBitmanipTable; }

} // namespace mq::riscv
