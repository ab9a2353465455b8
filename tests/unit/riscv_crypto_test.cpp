// Scalar crypto, run from the encodings: Zbkb/Zbkx's permutations, the AES
// instructions against FIPS-197's vectors (the AES-128 key expansion of
// appendix A.1, the block of appendix C.1 encrypted and decrypted), the
// SHA-2 functions against FIPS 180-4's formulas, and Zkr's seed CSR with
// mseccfg's gating.
#include "tests/unit/riscv_bitmanip_asm.h"

#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <string_view>

using namespace mq;
using namespace mq::riscv;
using namespace mq::test::rv;

namespace {

constexpr uint64_t CODE = test::HartHarness::CODE;

class Crypto : public test::OneInsnTest {
public:
    Crypto() {
        t.hart.isa.exts |=
            ext_bits(Ext::Zbkb, Ext::Zbkc, Ext::Zbkx, Ext::Zkne, Ext::Zknd, Ext::Zknh, Ext::Zkr);
    }
};

// 16 bytes from hex, as two little-endian doublewords: the AES state and
// key as the RV64 instructions hold them (bytes 0-7 in the first).
std::array<uint64_t, 2> block(std::string_view hex) {
    std::array<uint64_t, 2> b{};
    for (unsigned k = 0; k < 16; k++) {
        uint64_t byte = std::stoul(std::string(hex.substr(2 * k, 2)), nullptr, 16);
        b[k / 8] |= byte << (8 * (k % 8));
    }
    return b;
}

TEST_F(Crypto, ZbkbPackAndBitReverse) {
    EXPECT_EQ(exec(pack(a0, a1, a2), 0xffffffff12345678, 0xaaaaaaaa9abcdef0), 0x9abcdef012345678u);
    EXPECT_EQ(exec(packh(a0, a1, a2), 0xffff12, 0xffff34), 0x3412u);
    EXPECT_EQ(exec(packw(a0, a1, a2), 0xffff1234, 0xffff5678), 0x56781234u);
    EXPECT_EQ(exec(packw(a0, a1, a2), 0x1234, 0x8765), 0xffffffff87651234u);
    EXPECT_EQ(exec(brev8(a0, a1), 0x0102040810204080), 0x8040201008040201u);
    EXPECT_EQ(exec(brev8(a0, a1), 0x00000000000000f1), 0x8fu);
}

TEST_F(Crypto, ZbkxCrossbarPermutations) {
    uint64_t nibbles = 0xfedcba9876543210; // nibble k holds k
    EXPECT_EQ(exec(xperm4(a0, a1, a2), nibbles, 0x0123456789abcdef), 0x0123456789abcdefu);
    EXPECT_EQ(exec(xperm4(a0, a1, a2), 0x00000000000000a5, 0x1010101010101010),
              0xa5a5a5a5a5a5a5a5u);
    uint64_t bytes = 0x0807060504030201;
    EXPECT_EQ(exec(xperm8(a0, a1, a2), bytes, 0x0001020304050607), 0x0102030405060708u);
    // Indices past the eighth byte select zero.
    EXPECT_EQ(exec(xperm8(a0, a1, a2), bytes, 0xff08100700090a0b), 0x0000000801000000u);
}

// FIPS-197 appendix A.1: the AES-128 key schedule, two words per step,
// with aes64ks1i (SubWord(RotWord(w3)) ^ Rcon) and aes64ks2.
std::array<std::array<uint64_t, 2>, 11> expand_key(Crypto& c, std::array<uint64_t, 2> key) {
    std::array<std::array<uint64_t, 2>, 11> rk{};
    rk[0] = key;
    for (unsigned r = 0; r < 10; r++) {
        uint64_t tmp = c.exec(aes64ks1i(a0, a1, r), rk[r][1]);
        rk[r + 1][0] = c.exec(aes64ks2(a0, a1, a2), tmp, rk[r][0]);
        rk[r + 1][1] = c.exec(aes64ks2(a0, a1, a2), rk[r + 1][0], rk[r][1]);
    }
    return rk;
}

TEST_F(Crypto, Aes128KeyExpansionFips197A1) {
    auto rk = expand_key(*this, block("2b7e151628aed2a6abf7158809cf4f3c"));
    EXPECT_EQ(rk[1], block("a0fafe1788542cb123a339392a6c7605"));
    EXPECT_EQ(rk[2], block("f2c295f27a96b9435935807a7359f67f"));
    EXPECT_EQ(rk[10], block("d014f9a8c9ee2589e13f0cc8b6630ca6"));
}

// FIPS-197 appendix C.1: AES-128, one block each way.
TEST_F(Crypto, Aes128EncryptAndDecryptFips197C1) {
    auto rk = expand_key(*this, block("000102030405060708090a0b0c0d0e0f"));
    auto plain = block("00112233445566778899aabbccddeeff");
    auto cipher = block("69c4e0d86a7b0430d8cdb78070b4c55a");

    std::array<uint64_t, 2> s = {plain[0] ^ rk[0][0], plain[1] ^ rk[0][1]};
    for (unsigned r = 1; r <= 10; r++) {
        uint32_t round = r < 10 ? aes64esm(a0, a1, a2) : aes64es(a0, a1, a2);
        std::array<uint64_t, 2> n = {exec(round, s[0], s[1]), exec(round, s[1], s[0])};
        s = {n[0] ^ rk[r][0], n[1] ^ rk[r][1]};
    }
    EXPECT_EQ(s, cipher);

    // The equivalent inverse cipher: the middle round keys go through
    // InvMixColumns (aes64im), since aes64dsm mixes before the key is added.
    s = {cipher[0] ^ rk[10][0], cipher[1] ^ rk[10][1]};
    for (int r = 9; r >= 0; r--) {
        uint32_t round = r > 0 ? aes64dsm(a0, a1, a2) : aes64ds(a0, a1, a2);
        std::array<uint64_t, 2> n = {exec(round, s[0], s[1]), exec(round, s[1], s[0])};
        std::array<uint64_t, 2> k = rk[r];
        if (r > 0) k = {exec(aes64im(a0, a1), k[0]), exec(aes64im(a0, a1), k[1])};
        s = {n[0] ^ k[0], n[1] ^ k[1]};
    }
    EXPECT_EQ(s, plain);
}

// FIPS-197 5.1.3's example column: MixColumns(db 13 53 45) = 8e 4d a1 bc,
// and InvMixColumns undoes it; aes64im applies it to both columns.
TEST_F(Crypto, Aes64ImIsInvMixColumns) {
    EXPECT_EQ(exec(aes64im(a0, a1), 0xbca14d8ebca14d8e), 0x455313db455313dbu);
    EXPECT_EQ(exec(aes64im(a0, a1), 0), 0u);
    EXPECT_EQ(exec(aes64im(a0, a1), 0x0101010101010101), 0x0101010101010101u);
}

TEST_F(Crypto, Aes64Ks1iRoundTenSkipsRotationAndRcon) {
    // SubWord alone of 0x00000000 is 0x63636363 in both halves.
    EXPECT_EQ(exec(aes64ks1i(a0, a1, 10), 0x12345678), 0x6363636363636363u);
    // Round 0 rotates and adds 0x01: SubWord(RotWord(00 00 00 00)) ^ 01.
    EXPECT_EQ(exec(aes64ks1i(a0, a1, 0), 0), 0x6363636263636362u);
    // rnum 0xB-0xF are reserved: illegal.
    for (uint32_t rnum = 11; rnum < 16; rnum++)
        EXPECT_TRUE(illegal(aes64ks1i(a0, a1, rnum))) << rnum;
}

// FIPS 180-4 4.1.2 and 4.1.3, written out plainly.
uint32_t ror32(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
uint64_t ror64(uint64_t x, int n) { return (x >> n) | (x << (64 - n)); }
uint64_t sx(uint32_t v) {
    return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(v)));
}

TEST_F(Crypto, Sha256FunctionsMatchTheStandard) {
    for (uint64_t v : {0x0ull, ~0ull, 0x6a09e667ull, 0xffffffff80000001ull, 0x123456789abcdef0ull,
                       0x00000000bb67ae85ull, 0x5555555555555555ull}) {
        SCOPED_TRACE(fmt::format("0x{:x}", v));
        uint32_t x = static_cast<uint32_t>(v);
        EXPECT_EQ(exec(sha256sum0(a0, a1), v), sx(ror32(x, 2) ^ ror32(x, 13) ^ ror32(x, 22)));
        EXPECT_EQ(exec(sha256sum1(a0, a1), v), sx(ror32(x, 6) ^ ror32(x, 11) ^ ror32(x, 25)));
        EXPECT_EQ(exec(sha256sig0(a0, a1), v), sx(ror32(x, 7) ^ ror32(x, 18) ^ (x >> 3)));
        EXPECT_EQ(exec(sha256sig1(a0, a1), v), sx(ror32(x, 17) ^ ror32(x, 19) ^ (x >> 10)));
    }
}

TEST_F(Crypto, Sha512FunctionsMatchTheStandard) {
    for (uint64_t x : {0x0ull, ~0ull, 0x6a09e667f3bcc908ull, 0x8000000000000001ull,
                       0x123456789abcdef0ull, 0x5555555555555555ull}) {
        SCOPED_TRACE(fmt::format("0x{:x}", x));
        EXPECT_EQ(exec(sha512sum0(a0, a1), x), ror64(x, 28) ^ ror64(x, 34) ^ ror64(x, 39));
        EXPECT_EQ(exec(sha512sum1(a0, a1), x), ror64(x, 14) ^ ror64(x, 18) ^ ror64(x, 41));
        EXPECT_EQ(exec(sha512sig0(a0, a1), x), ror64(x, 1) ^ ror64(x, 8) ^ (x >> 7));
        EXPECT_EQ(exec(sha512sig1(a0, a1), x), ror64(x, 19) ^ ror64(x, 61) ^ (x >> 6));
    }
}

TEST_F(Crypto, EachExtensionGatesItsRows) {
    t.hart.isa.exts &= ~ext_bits(Ext::Zkne, Ext::Zknh, Ext::Zbkx);
    EXPECT_TRUE(illegal(aes64es(a0, a1, a2)));
    EXPECT_TRUE(illegal(aes64esm(a0, a1, a2)));
    EXPECT_TRUE(illegal(sha256sig0(a0, a1)));
    EXPECT_TRUE(illegal(sha512sum1(a0, a1)));
    EXPECT_TRUE(illegal(xperm8(a0, a1, a2)));
    // The key schedule is Zknd's too; aes64im is Zknd's alone.
    EXPECT_EQ(exec(aes64ks1i(a0, a1, 10), 0), 0x6363636363636363u);
    EXPECT_EQ(exec(aes64im(a0, a1), 0), 0u);
    t.hart.isa.exts &= ~ext_bits(Ext::Zknd, Ext::Zbkb);
    EXPECT_TRUE(illegal(aes64ks1i(a0, a1, 1)));
    EXPECT_TRUE(illegal(aes64ks2(a0, a1, a2)));
    EXPECT_TRUE(illegal(aes64ds(a0, a1, a2)));
    EXPECT_TRUE(illegal(aes64im(a0, a1)));
    EXPECT_TRUE(illegal(pack(a0, a1, a2)));
    EXPECT_TRUE(illegal(brev8(a0, a1)));
}

// --- Zkr ---

constexpr uint64_t OPST_MASK = 3ull << 30, OPST_ES16 = 2ull << 30;

TEST_F(Crypto, SeedGivesSixteenFreshBitsWithEs16) {
    // Reading through a write (csrrw, csrrwi) is the way to read seed.
    uint64_t seen = 0;
    for (int n = 0; n < 8; n++) {
        t.run({csrrw(a0, SEED, zero)});
        ASSERT_FALSE(t.trapped());
        uint64_t v = t.hart.x[a0];
        EXPECT_EQ(v & OPST_MASK, OPST_ES16);
        EXPECT_EQ(v & ~(OPST_MASK | 0xffff), 0u) << "reserved bits read as zero";
        seen |= v & 0xffff;
    }
    EXPECT_NE(seen, 0u) << "eight draws of 16 random bits, all zero";
    t.run({csrrwi(a0, SEED, 5)});
    EXPECT_EQ(t.hart.x[a0] & OPST_MASK, OPST_ES16);
    t.hart.x.set(a1, 1);
    t.run({csrrs(a0, SEED, a1)});
    EXPECT_EQ(t.hart.x[a0] & OPST_MASK, OPST_ES16);
}

TEST_F(Crypto, SeedReadWithoutWriteIsIllegal) {
    EXPECT_TRUE(illegal(csrrs(a0, SEED, zero)));
    EXPECT_TRUE(illegal(csrrc(a0, SEED, zero)));
    EXPECT_TRUE(illegal(csrrsi(a0, SEED, 0)));
    EXPECT_TRUE(illegal(csrrci(a0, SEED, 0)));
}

TEST_F(Crypto, MseccfgGatesSeedBelowM) {
    t.pmp_allow_all();
    uint32_t read_seed = csrrw(a0, SEED, zero);
    t.run_in(PRV_S, {read_seed});
    EXPECT_TRUE(t.trapped_to_m(EXCP_ILLEGAL_INST, CODE, read_seed));
    t.run_in(PRV_U, {read_seed});
    EXPECT_TRUE(t.trapped_to_m(EXCP_ILLEGAL_INST, CODE, read_seed));

    // Only USEED (bit 8) and SSEED (bit 9) are writable.
    t.hart.x.set(a1, ~0ull);
    t.run_in(PRV_M, {csrrw(zero, MSECCFG, a1), csrrs(a0, MSECCFG, zero)});
    EXPECT_EQ(t.hart.x[a0], 0x300u);
    t.run_in(PRV_S, {read_seed});
    EXPECT_FALSE(t.trapped());
    EXPECT_EQ(t.hart.x[a0] & OPST_MASK, OPST_ES16);
    t.run_in(PRV_U, {read_seed});
    EXPECT_FALSE(t.trapped());

    // SSEED alone: U is refused again; mseccfg itself is M-only.
    t.hart.x.set(a1, 0x200);
    t.run_in(PRV_M, {csrrw(zero, MSECCFG, a1)});
    t.run_in(PRV_U, {read_seed});
    EXPECT_TRUE(t.trapped_to_m(EXCP_ILLEGAL_INST, CODE, read_seed));
    uint32_t read_mseccfg = csrrs(a0, MSECCFG, zero);
    t.run_in(PRV_S, {read_mseccfg});
    EXPECT_TRUE(t.trapped_to_m(EXCP_ILLEGAL_INST, CODE, read_mseccfg));
}

TEST_F(Crypto, WithoutZkrSeedAndMseccfgDoNotExist) {
    t.hart.isa.exts &= ~ext_bit(Ext::Zkr);
    EXPECT_TRUE(illegal(csrrw(a0, SEED, zero)));
    EXPECT_TRUE(illegal(csrrs(a0, MSECCFG, zero)));
}

} // namespace
