// Scalar cryptography for RV64 (the scalar crypto spec, v1.0): the rows of
// Zbkb and Zbkx that Zbb does not have, the AES rounds (Zkne, Zknd) and the
// SHA-2 sigma and sum functions (Zknh). The rows Zbkb and Zbkc share with
// Zbb and Zbc are in insn-table-bitmanip.cpp. zip/unzip and the aes32*/
// sha512*r instructions are RV32's and have no rows here.
//
// The AES S-box is built at compile time from its definition (the
// multiplicative inverse in GF(2^8), then the affine map of FIPS-197 5.1.1),
// so there is no table of magic numbers to mistype.
#include "hw/cpu/riscv/insn-table.h"

#include <array>
#include <bit>

namespace mq::riscv {

namespace {

using u64 = uint64_t;
using u32 = uint32_t;
using u8 = uint8_t;

// --- Zbkb, Zbkx ---

constexpr u64 brev8(u64 a) {
    u64 r = 0;
    for (unsigned k = 0; k < 64; k++) {
        if ((a >> k) & 1) r |= u64{1} << ((k & ~7u) | (7 - (k & 7)));
    }
    return r;
}

// Each `width`-bit element of b indexes an element of a; an index past the
// end of a gives zero.
template <unsigned Width>
constexpr u64 xperm(u64 a, u64 b) {
    constexpr u64 mask = (u64{1} << Width) - 1;
    u64 r = 0;
    for (unsigned k = 0; k < 64; k += Width) {
        u64 idx = (b >> k) & mask;
        if (idx * Width < 64) r |= ((a >> (idx * Width)) & mask) << k;
    }
    return r;
}

// --- AES (FIPS-197) ---

// Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1.
constexpr u8 gf_mul(u8 a, u8 b) {
    u8 r = 0;
    while (b) {
        if (b & 1) r ^= a;
        a = static_cast<u8>((a << 1) ^ ((a & 0x80) ? 0x1b : 0));
        b >>= 1;
    }
    return r;
}

constexpr u8 rotl8(u8 v, int n) { return static_cast<u8>((v << n) | (v >> (8 - n))); }

struct Sboxes {
    std::array<u8, 256> fwd{}, inv{};
};

constexpr Sboxes make_sboxes() {
    Sboxes s;
    for (unsigned x = 0; x < 256; x++) {
        // The inverse is x^254 (the group has 255 elements); 0 maps to 0.
        // Square and multiply, so that compilers' constexpr step limits
        // (clang's is lower than gcc's) are far away.
        u8 b = 1, p = u8(x);
        for (unsigned e = 254; e; e >>= 1) {
            if (e & 1) b = gf_mul(b, p);
            p = gf_mul(p, p);
        }
        u8 v = b ^ rotl8(b, 1) ^ rotl8(b, 2) ^ rotl8(b, 3) ^ rotl8(b, 4) ^ 0x63;
        s.fwd[x] = v;
        s.inv[v] = u8(x);
    }
    return s;
}
constexpr Sboxes kSbox = make_sboxes();
static_assert(kSbox.fwd[0x00] == 0x63 && kSbox.fwd[0x53] == 0xed && kSbox.inv[0x63] == 0x00,
              "FIPS-197 figure 7");

constexpr u8 byte_of(u64 v, unsigned k) { return static_cast<u8>(v >> (8 * k)); }

template <typename Box>
constexpr u64 sub_bytes(u64 v, const Box& box) {
    u64 r = 0;
    for (unsigned k = 0; k < 8; k++)
        r |= u64{box[byte_of(v, k)]} << (8 * k);
    return r;
}

// The state is rs2:rs1, column-major: byte 4c+r is row r of column c, and
// rs1 holds columns 0 and 1. The instructions produce columns 0 and 1 of
// (Inv)ShiftRows, where row r turns by r columns.
template <bool Inverse>
constexpr u64 shift_rows_low(u64 rs1, u64 rs2) {
    u64 r = 0;
    for (unsigned c = 0; c < 2; c++) {
        for (unsigned row = 0; row < 4; row++) {
            unsigned from_col = Inverse ? (c + 4 - row) % 4 : (c + row) % 4;
            unsigned k = 4 * from_col + row;
            u8 b = k < 8 ? byte_of(rs1, k) : byte_of(rs2, k - 8);
            r |= u64{b} << (8 * (4 * c + row));
        }
    }
    return r;
}

// (Inv)MixColumns of each of the two 32-bit columns in v.
template <bool Inverse>
constexpr u64 mix_columns(u64 v) {
    constexpr u8 coef[4] = {Inverse ? u8(14) : u8(2), Inverse ? u8(11) : u8(3),
                            Inverse ? u8(13) : u8(1), Inverse ? u8(9) : u8(1)};
    u64 r = 0;
    for (unsigned c = 0; c < 2; c++) {
        for (unsigned row = 0; row < 4; row++) {
            u8 acc = 0;
            for (unsigned k = 0; k < 4; k++)
                acc ^= gf_mul(coef[(k + 4 - row) % 4], byte_of(v, 4 * c + k));
            r |= u64{acc} << (8 * (4 * c + row));
        }
    }
    return r;
}

constexpr u64 aes64es(u64 a, u64 b) { return sub_bytes(shift_rows_low<false>(a, b), kSbox.fwd); }
constexpr u64 aes64ds(u64 a, u64 b) { return sub_bytes(shift_rows_low<true>(a, b), kSbox.inv); }

// One step of the key schedule: SubWord(RotWord(w)) ^ Rcon, with w the
// high word of rs1; round number 10 skips the rotation and the constant
// (AES-256's extra step).
const DecodedInsn* exec_aes64ks1i(Hart& h, const DecodedInsn* i, uint64_t) {
    static constexpr u8 rcon[10] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36};
    unsigned rnum = static_cast<unsigned>(i->imm);
    if (rnum > 10) return h.raise(i, EXCP_ILLEGAL_INST, i->raw); // reserved
    u32 w = static_cast<u32>(h.x[i->rs1] >> 32);
    if (rnum != 10) w = std::rotr(w, 8);
    u32 t = static_cast<u32>(sub_bytes(w, kSbox.fwd));
    if (rnum != 10) t ^= rcon[rnum];
    h.x.set_rd(i->rd, u64{t} << 32 | t);
    return next_insn(h, i);
}

constexpr u64 aes64ks2(u64 a, u64 b) {
    u32 w0 = static_cast<u32>(a >> 32) ^ static_cast<u32>(b);
    u32 w1 = w0 ^ static_cast<u32>(b >> 32);
    return u64{w1} << 32 | w0;
}

// --- SHA-2 (FIPS 180-4, 4.1.2 and 4.1.3) ---

template <int R1, int R2, int S, bool ShiftLast = true>
constexpr u64 sha256_fn(u64 a) {
    u32 x = static_cast<u32>(a);
    u32 last = ShiftLast ? x >> S : std::rotr(x, S);
    return static_cast<u64>(sext(std::rotr(x, R1) ^ std::rotr(x, R2) ^ last, 32));
}

template <int R1, int R2, int S, bool ShiftLast = true>
constexpr u64 sha512_fn(u64 x) {
    return std::rotr(x, R1) ^ std::rotr(x, R2) ^ (ShiftLast ? x >> S : std::rotr(x, S));
}

// clang-format off
constexpr auto kZbkb = in_ext(ext_bit(Ext::Zbkb), {
    insn("pack",   "0000100..........100.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return (b << 32) | u32(a); })>),
    insn("packh",  "0000100..........111.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return (b & 0xff) << 8 | (a & 0xff); })>),
    insn("packw",  "0000100..........100.....0111011", Format::R, op_rr<([](u64 a, u64 b) { return u64(sext((b & 0xffff) << 16 | (a & 0xffff), 32)); })>),
    insn("brev8",  "011010000111.....101.....0010011", Format::R1, op_rr<([](u64 a, u64) { return brev8(a); })>),
});

constexpr auto kZbkx = in_ext(ext_bit(Ext::Zbkx), {
    insn("xperm4", "0010100..........010.....0110011", Format::R, op_rr<xperm<4>>),
    insn("xperm8", "0010100..........100.....0110011", Format::R, op_rr<xperm<8>>),
});

constexpr auto kZkne = in_ext(ext_bit(Ext::Zkne), {
    insn("aes64es",  "0011001..........000.....0110011", Format::R, op_rr<aes64es>),
    insn("aes64esm", "0011011..........000.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return mix_columns<false>(aes64es(a, b)); })>),
});

constexpr auto kZknd = in_ext(ext_bit(Ext::Zknd), {
    insn("aes64ds",  "0011101..........000.....0110011", Format::R, op_rr<aes64ds>),
    insn("aes64dsm", "0011111..........000.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return mix_columns<true>(aes64ds(a, b)); })>),
    insn("aes64im",  "001100000000.....001.....0010011", Format::R1, op_rr<([](u64 a, u64) { return mix_columns<true>(a); })>),
});

// The key schedule serves both directions.
constexpr auto kZkneZknd = in_ext(ext_bits(Ext::Zkne, Ext::Zknd), {
    insn("aes64ks1i", "00110001.........001.....0010011", Format::I_RNUM, exec_aes64ks1i),
    insn("aes64ks2",  "0111111..........000.....0110011", Format::R, op_rr<aes64ks2>),
});

constexpr auto kZknh = in_ext(ext_bit(Ext::Zknh), {
    insn("sha256sum0", "000100000000.....001.....0010011", Format::R1, op_rr<([](u64 a, u64) { return sha256_fn<2, 13, 22, false>(a); })>),
    insn("sha256sum1", "000100000001.....001.....0010011", Format::R1, op_rr<([](u64 a, u64) { return sha256_fn<6, 11, 25, false>(a); })>),
    insn("sha256sig0", "000100000010.....001.....0010011", Format::R1, op_rr<([](u64 a, u64) { return sha256_fn<7, 18, 3>(a); })>),
    insn("sha256sig1", "000100000011.....001.....0010011", Format::R1, op_rr<([](u64 a, u64) { return sha256_fn<17, 19, 10>(a); })>),
    insn("sha512sum0", "000100000100.....001.....0010011", Format::R1, op_rr<([](u64 a, u64) { return sha512_fn<28, 34, 39, false>(a); })>),
    insn("sha512sum1", "000100000101.....001.....0010011", Format::R1, op_rr<([](u64 a, u64) { return sha512_fn<14, 18, 41, false>(a); })>),
    insn("sha512sig0", "000100000110.....001.....0010011", Format::R1, op_rr<([](u64 a, u64) { return sha512_fn<1, 8, 7>(a); })>),
    insn("sha512sig1", "000100000111.....001.....0010011", Format::R1, op_rr<([](u64 a, u64) { return sha512_fn<19, 61, 6>(a); })>),
});

constexpr auto kCryptoTable = concat(kZbkb, kZbkx, kZkne, kZknd, kZkneZknd, kZknh);
// clang-format on

} // namespace

std::span<const InsnDesc> insn_table_crypto() { return kCryptoTable; }

} // namespace mq::riscv
