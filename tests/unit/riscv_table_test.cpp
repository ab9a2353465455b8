// The instruction tables themselves (insn-table.cpp, insn-table-fp.cpp and
// the RVC table in decode.cpp): every row is well formed, no two rows claim
// the same encoding, the spec's encodings decode to the rows they name, the
// RVC expansions are the ones the spec gives, and the disassembler prints
// what in_asm shows.
#include "hw/cpu/riscv/insn-table.h"
#include "tests/unit/hart_harness.h"
#include "tests/unit/riscv_bitmanip_asm.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace mq::riscv;
using namespace mq::test::rv;

namespace {

std::vector<const InsnDesc*> all_rows() {
    std::vector<const InsnDesc*> rows;
    for (auto table : insn_tables()) {
        for (const InsnDesc& d : table)
            rows.push_back(&d);
    }
    return rows;
}

// The row an encoding decodes to, or null.
const InsnDesc* decoded_row(uint32_t raw) {
    DecodedInsn d{};
    return decode32(raw, d) ? d.desc : nullptr;
}

std::string name_of(uint32_t raw) {
    const InsnDesc* d = decoded_row(raw);
    return d ? d->name : "(illegal)";
}

// The rows that are a special case of another (the first of each pair): the
// decoder tries the more specific row first and takes the first enabled row
// that matches, so each stays reachable when the other's extension is off.
const std::set<std::pair<std::string, std::string>> kSpecialCases = {
    {"zext.h", "packw"},   // packw rd, rs1, x0: Zbb's zext.h, Zbkb's packw
    {"prefetch.i", "ori"}, // ori x0, rs1, imm with imm[4:0] = 0..3: Zicbop's hints
    {"prefetch.r", "ori"},
    {"prefetch.w", "ori"},
};

bool special_case_of(const InsnDesc& special, const InsnDesc& general) {
    return kSpecialCases.count({special.name, general.name}) &&
           (special.mask & general.mask) == general.mask &&
           (special.match & general.mask) == general.match;
}

} // namespace

// --- the rows ---

TEST(RiscvTable, EveryRowIsWellFormed) {
    std::set<std::string> names;
    for (const InsnDesc* d : all_rows()) {
        SCOPED_TRACE(d->name);
        ASSERT_NE(d->pattern, nullptr);
        std::string_view p(d->pattern);
        EXPECT_TRUE(pattern_valid(p, 32)) << p;
        EXPECT_NE(d->exec, nullptr);
        EXPECT_EQ(d->mask, pattern_mask(p));
        EXPECT_EQ(d->match, pattern_match(p));
        EXPECT_EQ(d->match & ~d->mask, 0u);
        EXPECT_EQ(d->match & 3, 3u) << "a 32-bit encoding ends in 11";
        EXPECT_EQ(d->mask & 0x7f, 0x7fu) << "the major opcode is always fixed";
        EXPECT_TRUE(names.insert(d->name).second) << "two rows named " << d->name;
    }
}

// Spike's test: for every pair of rows there is a bit both fix, to
// different values; otherwise some encoding would match both. The
// exceptions are the special cases listed above: the decoder prefers them.
TEST(RiscvTable, NoTwoRowsOverlap) {
    auto rows = all_rows();
    for (size_t a = 0; a < rows.size(); a++) {
        for (size_t b = a + 1; b < rows.size(); b++) {
            if (special_case_of(*rows[a], *rows[b]) || special_case_of(*rows[b], *rows[a]))
                continue;
            uint32_t both = rows[a]->mask & rows[b]->mask;
            EXPECT_NE((rows[a]->match ^ rows[b]->match) & both, 0u)
                << rows[a]->name << " and " << rows[b]->name << " overlap";
        }
    }
}

// An encoding a special case claims decodes to the general row when only
// the general row's extensions are on.
const InsnDesc* decoded_row_of(uint32_t raw, const InsnDesc& d) {
    const InsnDesc* got = decoded_row(raw);
    if (!got || got == &d || !special_case_of(*got, d)) return got;
    DecodedInsn out{};
    return decode32(raw, out, d.ext) ? out.desc : nullptr;
}

TEST(RiscvTable, EveryRowDecodesToItself) {
    std::mt19937 rng(1234);
    for (const InsnDesc* d : all_rows()) {
        EXPECT_EQ(decoded_row_of(d->match, *d), d) << d->name;
        // Whatever the operand bits hold.
        for (int n = 0; n < 64; n++) {
            uint32_t raw = d->match | (rng() & ~d->mask);
            EXPECT_EQ(decoded_row_of(raw, *d), d) << d->name << fmt::format(" 0x{:08x}", raw);
        }
    }
}

TEST(RiscvTable, ARefiningRowWinsOnlyWhileItsExtensionIsOn) {
    uint32_t prefetch_r = 0x0015e013; // ori x0, a1, 1
    DecodedInsn d{};
    ASSERT_TRUE(decode32(prefetch_r, d));
    EXPECT_STREQ(d.desc->name, "prefetch.r");
    ASSERT_TRUE(decode32(prefetch_r, d, isa_default_exts() & ~ext_bit(Ext::Zicbop)));
    EXPECT_STREQ(d.desc->name, "ori");
}

TEST(RiscvTable, EveryRowDisassemblesToItsName) {
    std::mt19937 rng(99);
    for (const InsnDesc* d : all_rows()) {
        uint32_t raw = d->match | (rng() & ~d->mask) | (1u << 7 & ~d->mask); // rd != 0: no "nop"
        std::string text = disassemble(raw, 0x80000000);
        std::string name = d->name;
        EXPECT_TRUE(text == name || text.starts_with(name + " ")) << name << ": " << text;
    }
}

// Every instruction RV64GC has, and nothing else.
TEST(RiscvTable, HoldsExactlyRv64g) {
    const std::set<std::string> integer = {
        "lui",      "auipc",    "jal",       "jalr",      "beq",      "bne",       "blt",
        "bge",      "bltu",     "bgeu",      "lb",        "lh",       "lw",        "ld",
        "lbu",      "lhu",      "lwu",       "sb",        "sh",       "sw",        "sd",
        "addi",     "slti",     "sltiu",     "xori",      "ori",      "andi",      "slli",
        "srli",     "srai",     "add",       "sub",       "sll",      "slt",       "sltu",
        "xor",      "srl",      "sra",       "or",        "and",      "addiw",     "slliw",
        "srliw",    "sraiw",    "addw",      "subw",      "sllw",     "srlw",      "sraw",
        "fence",    "fence.i",  "ecall",     "ebreak",    "mul",      "mulh",      "mulhsu",
        "mulhu",    "div",      "divu",      "rem",       "remu",     "mulw",      "divw",
        "divuw",    "remw",     "remuw",     "lr.w",      "sc.w",     "amoswap.w", "amoadd.w",
        "amoxor.w", "amoand.w", "amoor.w",   "amomin.w",  "amomax.w", "amominu.w", "amomaxu.w",
        "lr.d",     "sc.d",     "amoswap.d", "amoadd.d",  "amoxor.d", "amoand.d",  "amoor.d",
        "amomin.d", "amomax.d", "amominu.d", "amomaxu.d", "csrrw",    "csrrs",     "csrrc",
        "csrrwi",   "csrrsi",   "csrrci",    "sret",      "mret",     "wfi",       "sfence.vma"};
    std::set<std::string> fp;
    for (const char* p : {"s", "d"}) {
        for (const char* op :
             {"fmadd", "fmsub",  "fnmsub", "fnmadd",  "fadd",   "fsub",   "fmul", "fdiv",
              "fsqrt", "fsgnj",  "fsgnjn", "fsgnjx",  "fmin",   "fmax",   "feq",  "flt",
              "fle",   "fclass", "fcvt.w", "fcvt.wu", "fcvt.l", "fcvt.lu"}) {
            fp.insert(fmt::format("{}.{}", op, p));
        }
        for (const char* from : {"w", "wu", "l", "lu"})
            fp.insert(fmt::format("fcvt.{}.{}", p, from));
    }
    for (const char* n : {"flw", "fsw", "fld", "fsd", "fmv.x.w", "fmv.w.x", "fmv.x.d", "fmv.d.x",
                          "fcvt.s.d", "fcvt.d.s"}) {
        fp.insert(n);
    }
    std::set<std::string> have_integer, have_fp;
    for (const InsnDesc& d : insn_table_integer())
        have_integer.insert(d.name);
    for (const InsnDesc& d : insn_table_fp())
        have_fp.insert(d.name);
    EXPECT_EQ(have_integer, integer);
    EXPECT_EQ(have_fp, fp);
}

std::set<std::string> names_in(std::span<const InsnDesc> table) {
    std::set<std::string> names;
    for (const InsnDesc& d : table)
        names.insert(d.name);
    return names;
}

// Zba, Zbb, Zbc, Zbs (RV64) and Zicond.
TEST(RiscvTable, HoldsTheBitmanipInstructions) {
    const std::set<std::string> want = {
        "sh1add", "sh2add", "sh3add", "add.uw",    "sh1add.uw", "sh2add.uw", "sh3add.uw", "slli.uw",
        "andn",   "orn",    "xnor",   "clz",       "clzw",      "ctz",       "ctzw",      "cpop",
        "cpopw",  "max",    "maxu",   "min",       "minu",      "sext.b",    "sext.h",    "zext.h",
        "rol",    "rolw",   "ror",    "rori",      "roriw",     "rorw",      "orc.b",     "rev8",
        "clmul",  "clmulh", "clmulr", "bclr",      "bclri",     "bext",      "bexti",     "binv",
        "binvi",  "bset",   "bseti",  "czero.eqz", "czero.nez"};
    EXPECT_EQ(names_in(insn_table_bitmanip()), want);
}

// What RV64 scalar crypto adds beyond the rows it shares with Zbb/Zbc.
TEST(RiscvTable, HoldsTheScalarCryptoInstructions) {
    const std::set<std::string> want = {
        "pack",       "packh",      "packw",      "brev8",      "xperm4",     "xperm8",
        "aes64es",    "aes64esm",   "aes64ds",    "aes64dsm",   "aes64im",    "aes64ks1i",
        "aes64ks2",   "sha256sig0", "sha256sig1", "sha256sum0", "sha256sum1", "sha512sig0",
        "sha512sig1", "sha512sum0", "sha512sum1"};
    EXPECT_EQ(names_in(insn_table_crypto()), want);
}

// Each bitmanip and crypto row names the extensions the specs put it in.
TEST(RiscvTable, SharedRowsNameBothExtensions) {
    auto ext_of = [](const char* name) -> IsaExts {
        for (const InsnDesc* d : all_rows()) {
            if (std::string_view(d->name) == name) return d->ext;
        }
        return 0;
    };
    for (const char* n :
         {"andn", "orn", "xnor", "rol", "ror", "rori", "rolw", "rorw", "roriw", "rev8"}) {
        EXPECT_EQ(ext_of(n), ext_bits(Ext::Zbb, Ext::Zbkb)) << n;
    }
    EXPECT_EQ(ext_of("clmul"), ext_bits(Ext::Zbc, Ext::Zbkc));
    EXPECT_EQ(ext_of("clmulh"), ext_bits(Ext::Zbc, Ext::Zbkc));
    EXPECT_EQ(ext_of("clmulr"), ext_bit(Ext::Zbc));
    EXPECT_EQ(ext_of("clz"), ext_bit(Ext::Zbb));
    EXPECT_EQ(ext_of("zext.h"), ext_bit(Ext::Zbb));
    EXPECT_EQ(ext_of("packw"), ext_bit(Ext::Zbkb));
    EXPECT_EQ(ext_of("aes64ks1i"), ext_bits(Ext::Zkne, Ext::Zknd));
    EXPECT_EQ(ext_of("aes64ks2"), ext_bits(Ext::Zkne, Ext::Zknd));
    EXPECT_EQ(ext_of("aes64im"), ext_bit(Ext::Zknd));
    EXPECT_EQ(ext_of("aes64esm"), ext_bit(Ext::Zkne));
    EXPECT_EQ(ext_of("sha512sum0"), ext_bit(Ext::Zknh));
    EXPECT_EQ(ext_of("xperm4"), ext_bit(Ext::Zbkx));
    EXPECT_EQ(ext_of("czero.eqz"), ext_bit(Ext::Zicond));
}

// Zfhmin's moves and conversions, and the rest of F's instructions in half
// precision for Zfh.
TEST(RiscvTable, HoldsExactlyZfh) {
    std::set<std::string> want = {"flh",      "fsh",      "fmv.x.h",  "fmv.h.x",
                                  "fcvt.s.h", "fcvt.h.s", "fcvt.d.h", "fcvt.h.d"};
    for (const char* op :
         {"fmadd", "fmsub",  "fnmsub", "fnmadd",  "fadd",   "fsub",   "fmul", "fdiv",
          "fsqrt", "fsgnj",  "fsgnjn", "fsgnjx",  "fmin",   "fmax",   "feq",  "flt",
          "fle",   "fclass", "fcvt.w", "fcvt.wu", "fcvt.l", "fcvt.lu"}) {
        want.insert(fmt::format("{}.h", op));
    }
    for (const char* from : {"w", "wu", "l", "lu"})
        want.insert(fmt::format("fcvt.h.{}", from));
    std::set<std::string> have, zfhmin;
    for (const InsnDesc& d : insn_table_zfh()) {
        have.insert(d.name);
        EXPECT_NE(d.ext & ext_bit(Ext::Zfh), 0u) << d.name;
        if (d.ext & ext_bit(Ext::Zfhmin)) zfhmin.insert(d.name);
    }
    EXPECT_EQ(have, want);
    EXPECT_EQ(zfhmin, (std::set<std::string>{"flh", "fsh", "fmv.x.h", "fmv.h.x", "fcvt.s.h",
                                             "fcvt.h.s", "fcvt.d.h", "fcvt.h.d"}));
    EXPECT_EQ(disassemble(0x04b57553, 0), "fadd.h fa0,fa0,fa1");
    EXPECT_EQ(disassemble(0x00251507, 0), "flh fa0,2(a0)");
    EXPECT_EQ(disassemble(0x44057553, 0), "fcvt.h.s fa0,fa0");
}

// The hints of Zihintpause and Zihintntl are encodings of fence and add
// (c.add): they run as those (no-ops) and disassemble by their names.
TEST(RiscvTable, HintsDisassembleByName) {
    EXPECT_EQ(name_of(0x0100000f), "fence");
    EXPECT_EQ(disassemble(0x0100000f, 0), "pause");
    EXPECT_EQ(disassemble(0x0ff0000f, 0), "fence");
    EXPECT_EQ(disassemble(0x00200033, 0), "ntl.p1");
    EXPECT_EQ(disassemble(0x00300033, 0), "ntl.pall");
    EXPECT_EQ(disassemble(0x00400033, 0), "ntl.s1");
    EXPECT_EQ(disassemble(0x00500033, 0), "ntl.all");
    EXPECT_EQ(disassemble(0x00600033, 0), "add zero,zero,t1");
    EXPECT_EQ(disassemble(0x002000b3, 0), "add ra,zero,sp");
    EXPECT_EQ(disassemble(0x900a, 0), "c.ntl.p1");
    EXPECT_EQ(disassemble(0x900e, 0), "c.ntl.pall");
    EXPECT_EQ(disassemble(0x9012, 0), "c.ntl.s1");
    EXPECT_EQ(disassemble(0x9016, 0), "c.ntl.all");

    mq::test::HartHarness t;
    for (unsigned r = 0; r < 32; r++)
        t.hart.x.set(r, r * 0x1111);
    t.run({0x0100000f, 0x00200033, 0x00300033, 0x00400033, 0x00500033});
    EXPECT_FALSE(t.trapped());
    t.run16({0x900a, 0x900e, 0x9012, 0x9016});
    EXPECT_FALSE(t.trapped());
    for (unsigned r = 0; r < 32; r++)
        EXPECT_EQ(t.hart.x[r], r * 0x1111u) << r;
}

TEST(RiscvTable, HoldsTheCacheBlockAndSvinvalInstructions) {
    const std::set<std::string> cbo = {"cbo.inval",  "cbo.clean",  "cbo.flush", "cbo.zero",
                                       "prefetch.i", "prefetch.r", "prefetch.w"};
    const std::set<std::string> svinval = {"sinval.vma", "sfence.w.inval", "sfence.inval.ir"};
    std::set<std::string> have_cbo, have_svinval;
    for (const InsnDesc& d : insn_table_cbo())
        have_cbo.insert(d.name);
    for (const InsnDesc& d : insn_table_svinval())
        have_svinval.insert(d.name);
    EXPECT_EQ(have_cbo, cbo);
    EXPECT_EQ(have_svinval, svinval);
}

// The encodings the spec gives (through the test assembler, whose formats
// are the spec's drawings) decode to the rows they name.
TEST(RiscvTable, SpecEncodingsDecodeToTheirRows) {
    const std::vector<std::pair<uint32_t, const char*>> cases = {
        {lui(a0, 0x12345), "lui"},
        {auipc(a0, 1), "auipc"},
        {jal(ra, -8), "jal"},
        {jalr(ra, 4, a0), "jalr"},
        {beq(a0, a1, 8), "beq"},
        {bne(a0, a1, 8), "bne"},
        {blt(a0, a1, 8), "blt"},
        {bge(a0, a1, 8), "bge"},
        {bltu(a0, a1, 8), "bltu"},
        {bgeu(a0, a1, 8), "bgeu"},
        {lb(a0, 1, a1), "lb"},
        {lh(a0, 2, a1), "lh"},
        {lw(a0, 4, a1), "lw"},
        {ld(a0, 8, a1), "ld"},
        {lbu(a0, 1, a1), "lbu"},
        {lhu(a0, 2, a1), "lhu"},
        {lwu(a0, 4, a1), "lwu"},
        {sb(a0, 1, a1), "sb"},
        {sh(a0, 2, a1), "sh"},
        {sw(a0, 4, a1), "sw"},
        {sd(a0, 8, a1), "sd"},
        {addi(a0, a1, -1), "addi"},
        {slti(a0, a1, 1), "slti"},
        {sltiu(a0, a1, 1), "sltiu"},
        {xori(a0, a1, 1), "xori"},
        {ori(a0, a1, 1), "ori"},
        {andi(a0, a1, 1), "andi"},
        {slli(a0, a1, 63), "slli"},
        {srli(a0, a1, 63), "srli"},
        {srai(a0, a1, 63), "srai"},
        {add(a0, a1, a2), "add"},
        {sub(a0, a1, a2), "sub"},
        {sll(a0, a1, a2), "sll"},
        {slt(a0, a1, a2), "slt"},
        {sltu(a0, a1, a2), "sltu"},
        {xor_(a0, a1, a2), "xor"},
        {srl(a0, a1, a2), "srl"},
        {sra(a0, a1, a2), "sra"},
        {or_(a0, a1, a2), "or"},
        {and_(a0, a1, a2), "and"},
        {addiw(a0, a1, 1), "addiw"},
        {slliw(a0, a1, 31), "slliw"},
        {srliw(a0, a1, 31), "srliw"},
        {sraiw(a0, a1, 31), "sraiw"},
        {addw(a0, a1, a2), "addw"},
        {subw(a0, a1, a2), "subw"},
        {sllw(a0, a1, a2), "sllw"},
        {srlw(a0, a1, a2), "srlw"},
        {sraw(a0, a1, a2), "sraw"},
        {fence(), "fence"},
        {fence_i(), "fence.i"},
        {ecall(), "ecall"},
        {ebreak(), "ebreak"},
        {mul(a0, a1, a2), "mul"},
        {mulh(a0, a1, a2), "mulh"},
        {mulhsu(a0, a1, a2), "mulhsu"},
        {mulhu(a0, a1, a2), "mulhu"},
        {div(a0, a1, a2), "div"},
        {divu(a0, a1, a2), "divu"},
        {rem(a0, a1, a2), "rem"},
        {remu(a0, a1, a2), "remu"},
        {mulw(a0, a1, a2), "mulw"},
        {divw(a0, a1, a2), "divw"},
        {divuw(a0, a1, a2), "divuw"},
        {remw(a0, a1, a2), "remw"},
        {remuw(a0, a1, a2), "remuw"},
        {lr_w(a0, a1), "lr.w"},
        {sc_w(a0, a2, a1), "sc.w"},
        {lr_d(a0, a1), "lr.d"},
        {sc_d(a0, a2, a1), "sc.d"},
        {amo(AMOSWAP, 2, a0, a2, a1), "amoswap.w"},
        {amo(AMOADD, 3, a0, a2, a1), "amoadd.d"},
        {amo(AMOXOR, 2, a0, a2, a1), "amoxor.w"},
        {amo(AMOAND, 3, a0, a2, a1), "amoand.d"},
        {amo(AMOOR, 2, a0, a2, a1), "amoor.w"},
        {amo(AMOMIN, 3, a0, a2, a1), "amomin.d"},
        {amo(AMOMAX, 2, a0, a2, a1), "amomax.w"},
        {amo(AMOMINU, 3, a0, a2, a1), "amominu.d"},
        {amo(AMOMAXU, 2, a0, a2, a1), "amomaxu.w"},
        // aq and rl do not change what an AMO is.
        {amo(AMOADD, 2, a0, a2, a1) | 3u << 25, "amoadd.w"},
        {lr_d(a0, a1) | 1u << 26, "lr.d"},
        {csrrw(a0, 0x300, a1), "csrrw"},
        {csrrs(a0, 0x300, a1), "csrrs"},
        {csrrc(a0, 0x300, a1), "csrrc"},
        {csrrwi(a0, 0x300, 1), "csrrwi"},
        {csrrsi(a0, 0x300, 1), "csrrsi"},
        {csrrci(a0, 0x300, 1), "csrrci"},
        {sret(), "sret"},
        {mret(), "mret"},
        {wfi(), "wfi"},
        {sfence_vma(a0, a1), "sfence.vma"},
        {sh1add(a0, a1, a2), "sh1add"},
        {sh3add_uw(a0, a1, a2), "sh3add.uw"},
        {add_uw(a0, a1, zero), "add.uw"}, // zext.w
        {slli_uw(a0, a1, 63), "slli.uw"},
        {andn(a0, a1, a2), "andn"},
        {clz(a0, a1), "clz"},
        {cpopw(a0, a1), "cpopw"},
        {sext_h(a0, a1), "sext.h"},
        {zext_h(a0, a1), "zext.h"},
        {packw(a0, a1, a2), "packw"},
        {rori(a0, a1, 63), "rori"},
        {roriw(a0, a1, 31), "roriw"},
        {orc_b(a0, a1), "orc.b"},
        {rev8(a0, a1), "rev8"},
        {brev8(a0, a1), "brev8"},
        {minu(a0, a1, a2), "minu"},
        {clmulr(a0, a1, a2), "clmulr"},
        {bexti(a0, a1, 63), "bexti"},
        {binv(a0, a1, a2), "binv"},
        {czero_nez(a0, a1, a2), "czero.nez"},
        {xperm4(a0, a1, a2), "xperm4"},
        {aes64ks1i(a0, a1, 10), "aes64ks1i"},
        {aes64im(a0, a1), "aes64im"},
        {aes64dsm(a0, a1, a2), "aes64dsm"},
        {sha512sig1(a0, a1), "sha512sig1"},
        // Literal encodings, as GNU as assembles them.
        {0x00150513, "addi"},
        {0x0000100f, "fence.i"},
        {0x30529073, "csrrw"},
        {0x02b50533, "mul"},
        {0x100525af, "lr.w"},
        {0x02b5302f, "amoadd.d"},
        {0x00b57553, "fadd.s"},
        {0x02b57553, "fadd.d"},
        {0x12000073, "sfence.vma"},
        {0x20c5a533, "sh1add"},     // sh1add a0,a1,a2
        {0x60059513, "clz"},        // clz a0,a1
        {0x6b85d513, "rev8"},       // rev8 a0,a1
        {0x0805c53b, "zext.h"},     // zext.h a0,a1
        {0x0ac59533, "clmul"},      // clmul a0,a1,a2
        {0x31a59513, "aes64ks1i"},  // aes64ks1i a0,a1,10
        {0x10259513, "sha256sig0"}, // sha256sig0 a0,a1
    };
    for (auto [raw, name] : cases) {
        EXPECT_EQ(name_of(raw), name) << fmt::format("0x{:08x}", raw);
    }
}

TEST(RiscvTable, ReservedEncodingsAreIllegal) {
    for (uint32_t raw : {
             0x00000000u,
             0xffffffffu,
             slliw(a0, a0, 31) | 1u << 25,    // shamt[5] of a W shift
             srliw(a0, a0, 31) | 1u << 25,    //
             sraiw(a0, a0, 31) | 1u << 25,    //
             slli(a0, a0, 1) | 1u << 26,      // funct6 other than 000000
             srai(a0, a0, 1) | 1u << 28,      // funct6 other than 010000 (and Zb*'s)
             i_type(0, a1, 7, a0, LOAD),      // no load with funct3 7
             s_type(0, a0, a1, 4, STORE),     // nor a store with funct3 4
             b_type(8, a0, a1, 2),            // nor a branch with funct3 2
             i_type(0, a1, 1, a0, JALR),      // jalr wants funct3 0
             r_type(2, a2, a1, 0, a0, OP),    // funct7 2
             r_type(0x20, a2, a1, 1, a0, OP), // sub's funct7 with sll's funct3
             i_type(0, a1, 2, a0, OP_IMM_32), // OP-IMM-32 funct3 2
             amo(AMOADD, 1, a0, a2, a1),      // no .h AMOs
             amo(LR, 2, a0, a1, a1),          // lr.w with rs2 != 0
             amo(AmoOp(0x05), 2, a0, a2, a1), // an unassigned funct5
             ecall() | 1u << 7,               // ecall with rd != 0
             mret() | 1u << 15,               // mret with rs1 != 0
             wfi() | 1u << 7,                 //
             csr_op(4, a0, 0x300, a1),        // SYSTEM funct3 4 (the hypervisor's)
             0x0000007fu,                     // a 64-bit encoding's start
         }) {
        EXPECT_EQ(name_of(raw), "(illegal)") << fmt::format("0x{:08x}", raw);
    }
}

// --- RVC ---

namespace {

// Whether the spec calls a 16-bit encoding reserved on RV64C (with D; F's
// c.flw family is RV32-only and its encodings are c.ld's). HINTs (c.nop with
// an immediate, c.li/c.lui/c.slli/c.mv/c.add to x0, shifts by zero) are
// legal instructions.
bool rvc_reserved(uint16_t c) {
    unsigned quadrant = c & 3, f3 = c >> 13, rd = (c >> 7) & 31, rs2 = (c >> 2) & 31;
    unsigned bit12 = (c >> 12) & 1;
    switch (quadrant) {
    case 0:
        if (f3 == 0) return ((c >> 5) & 0xff) == 0; // c.addi4spn with nzuimm 0 (and 0x0000)
        return f3 == 4;                             // reserved (Zcb)
    case 1:
        if (f3 == 1) return rd == 0;                // c.addiw x0
        if (f3 == 3) return bit12 == 0 && rs2 == 0; // c.lui/c.addi16sp, 0
        if (f3 == 4 && ((c >> 10) & 3) == 3 && bit12) return ((c >> 5) & 3) >= 2; // subw/addw's
        return false;
    case 2:
        if (f3 == 2 || f3 == 3) return rd == 0;                // c.lwsp/c.ldsp x0
        if (f3 == 4) return bit12 == 0 && rd == 0 && rs2 == 0; // c.jr x0
        return false;
    }
    return false;
}

// What each RVC instruction expands to.
const std::map<std::string, std::string> kExpandsTo = {
    {"c.addi4spn", "addi"}, {"c.fld", "fld"},   {"c.lw", "lw"},         {"c.ld", "ld"},
    {"c.fsd", "fsd"},       {"c.sw", "sw"},     {"c.sd", "sd"},         {"c.addi", "addi"},
    {"c.addiw", "addiw"},   {"c.li", "addi"},   {"c.addi16sp", "addi"}, {"c.lui", "lui"},
    {"c.srli", "srli"},     {"c.srai", "srai"}, {"c.andi", "andi"},     {"c.sub", "sub"},
    {"c.xor", "xor"},       {"c.or", "or"},     {"c.and", "and"},       {"c.subw", "subw"},
    {"c.addw", "addw"},     {"c.j", "jal"},     {"c.beqz", "beq"},      {"c.bnez", "bne"},
    {"c.slli", "slli"},     {"c.fldsp", "fld"}, {"c.lwsp", "lw"},       {"c.ldsp", "ld"},
    {"c.jr", "jalr"},       {"c.mv", "add"},    {"c.ebreak", "ebreak"}, {"c.jalr", "jalr"},
    {"c.add", "add"},       {"c.fsdsp", "fsd"}, {"c.swsp", "sw"},       {"c.sdsp", "sd"},
};

} // namespace

TEST(RiscvRvc, EveryEncodingExpandsOnceOrIsReserved) {
    std::set<std::string> seen;
    for (uint32_t x = 0; x < 0x10000; x++) {
        auto c = static_cast<uint16_t>(x);
        if ((c & 3) == 3) continue;
        SCOPED_TRACE(fmt::format("0x{:04x}", c));
        uint32_t expanded = rvc_expand(c);
        EXPECT_LE(rvc_match_count(c), 1);
        EXPECT_EQ(rvc_match_count(c), expanded ? 1 : 0);
        EXPECT_EQ(expanded == 0, rvc_reserved(c)) << rvc_name(c);
        if (!expanded) {
            EXPECT_EQ(rvc_name(c), nullptr);
            continue;
        }
        ASSERT_NE(rvc_name(c), nullptr);
        std::string name = rvc_name(c);
        seen.insert(name);
        ASSERT_TRUE(kExpandsTo.count(name)) << name;
        EXPECT_EQ(name_of(expanded), kExpandsTo.at(name)) << fmt::format("0x{:08x}", expanded);
    }
    EXPECT_EQ(seen.size(), kExpandsTo.size()) << "every RVC row is reachable";
}

TEST(RiscvRvc, ReservedEncodings) {
    EXPECT_NE(rvc_expand(0x0001), 0u) << "c.nop";
    for (uint16_t c : {
             0x0000, // the all-zero parcel
             0x0008, // c.addi4spn a0, sp, 0
             0x6101, // c.addi16sp sp, 0
             0x6501, // c.lui a0, 0
             0x8002, // c.jr x0
             0x4002, // c.lwsp x0, 0(sp)
             0x6002, // c.ldsp x0, 0(sp)
             0x2001, // c.addiw x0, 0
             0x9d4d, // 100111 ... 10: reserved
             0x8000, // quadrant 0, funct3 100
         }) {
        EXPECT_EQ(rvc_expand(c), 0u) << fmt::format("0x{:04x}", c);
    }
}

// Encodings as the assembler (llvm-mc -mattr=+c,+d) makes them, and the
// 32-bit instructions the RVC chapter says they stand for.
TEST(RiscvRvc, ExpandsAsTheSpecSays) {
    const std::vector<std::pair<uint16_t, uint32_t>> cases = {
        {0x1141, 0xff010113},        // c.addi sp, -16
        {0x1141, addi(sp, sp, -16)}, //
        {0x0001, nop()},             // c.nop
        {0x4515, addi(a0, zero, 5)}, // c.li a0, 5
        {0x41c8, lw(a0, 4, a1)},     // c.lw a0, 4(a1)
        {0x6a90, ld(a2, 16, a3)},    // c.ld a2, 16(a3)
        {0xca90, sw(a2, 16, a3)},    // c.sw a2, 16(a3)
        {0xe588, sd(a0, 8, a1)},     // c.sd a0, 8(a1)
        {0x2588, 0x0085b507},        // c.fld fa0, 8(a1)
        {0xa001, jal(zero, 0)},      // c.j 0
        {0xa011, jal(zero, 4)},      // c.j 4
        {0xbffd, jal(zero, -2)},     // c.j -2
        {0xc501, beq(a0, zero, 8)},  // c.beqz a0, 8
        {0xfdf5, bne(a1, zero, -4)}, // c.bnez a1, -4
        {0x9502, jalr(ra, 0, a0)},   // c.jalr a0
        {0x8082, jalr(zero, 0, ra)}, // c.jr ra
        {0x9002, ebreak()},          // c.ebreak
        {0x852e, add(a0, zero, a1)}, // c.mv a0, a1
        {0x952e, add(a0, a0, a1)},   // c.add a0, a1
        {0x050e, slli(a0, a0, 3)},   // c.slli a0, 3
        {0x8185, srli(a1, a1, 1)},   // c.srli a1, 1
        {0x957d, srai(a0, a0, 63)},  // c.srai a0, 63
        {0x997d, andi(a0, a0, -1)},  // c.andi a0, -1
        {0x8d0d, sub(a0, a0, a1)},   // c.sub a0, a1
        {0x8d2d, xor_(a0, a0, a1)},  // c.xor
        {0x8d4d, or_(a0, a0, a1)},   // c.or
        {0x8d6d, and_(a0, a0, a1)},  // c.and
        {0x9d0d, subw(a0, a0, a1)},  // c.subw
        {0x9d2d, addw(a0, a0, a1)},  // c.addw
        {0x357d, addiw(a0, a0, -1)}, // c.addiw a0, -1
        {0x4532, lw(a0, 12, sp)},    // c.lwsp a0, 12(sp)
        {0x6522, ld(a0, 8, sp)},     // c.ldsp a0, 8(sp)
        {0xc22e, sw(a1, 4, sp)},     // c.swsp a1, 4(sp)
        {0xe82a, sd(a0, 16, sp)},    // c.sdsp a0, 16(sp)
        {0xac2e, 0x00b13c27},        // c.fsdsp fa1, 24(sp)
        {0x0808, addi(a0, sp, 16)},  // c.addi4spn a0, sp, 16
        {0x6105, addi(sp, sp, 32)},  // c.addi16sp sp, 32
        {0x6505, lui(a0, 1)},        // c.lui a0, 1
        {0x757d, lui(a0, 0xfffff)},  // c.lui a0, 0xfffff (sign-extended nzimm)
    };
    for (auto [c, want] : cases) {
        EXPECT_EQ(rvc_expand(c), want) << fmt::format(
            "0x{:04x}: {} / want {}", c, disassemble(rvc_expand(c), 0), disassemble(want, 0));
    }
}

// --- the disassembler (in_asm) ---

TEST(RiscvDisassemble, PrintsLikeInAsm) {
    constexpr uint64_t pc = 0x80000000;
    const std::vector<std::pair<uint32_t, const char*>> cases = {
        {0x00150513, "addi a0,a0,1"},
        {addi(sp, sp, -16), "addi sp,sp,-16"},
        {nop(), "nop"},
        {jal(ra, 16), "jal ra,0x80000010"},
        {jal(zero, -4), "jal zero,0x7ffffffc"},
        {jalr(ra, 8, a0), "jalr ra,a0,8"},
        {0x30529073, "csrrw zero,mtvec,t0"},
        {csrrs(a0, 0x300, zero), "csrrs a0,mstatus,zero"},
        {csrrsi(a0, 0x344, 8), "csrrsi a0,mip,8"},
        {csrrs(a0, 0x7c0, zero), "csrrs a0,0x7c0,zero"},
        {csrrw(zero, 0x3a2, t0), "csrrw zero,pmpcfg2,t0"},
        {csrrw(zero, 0x3b5, t0), "csrrw zero,pmpaddr5,t0"},
        {lw(a0, 4, a1), "lw a0,4(a1)"},
        {sd(a0, -8, sp), "sd a0,-8(sp)"},
        {beq(a0, zero, -4), "beq a0,zero,0x7ffffffc"},
        {bgeu(t0, t6, 0x100), "bgeu t0,t6,0x80000100"},
        {lui(a0, 0x12345), "lui a0,0x12345"},
        {auipc(t1, 0xfffff), "auipc t1,0xfffff"},
        {slli(a0, a0, 63), "slli a0,a0,63"},
        {sraiw(s11, s10, 31), "sraiw s11,s10,31"},
        {lr_w(a0, a1), "lr.w a0,(a1)"},
        {ecall(), "ecall"},
        {mret(), "mret"},
        {wfi(), "wfi"},
        {sfence_vma(zero, zero), "sfence.vma zero,zero"},
        {0x0045200f, "cbo.zero 0(a0)"},
        {0x0015a00f, "cbo.clean 0(a1)"},
        {0x0435e013, "prefetch.w 64(a1)"},
        {0x16b50073, "sinval.vma a0,a1"},
        {0x18000073, "sfence.w.inval"},
        {0x02b57553, "fadd.d fa0,fa0,fa1"},
        {0x02b50553, "fadd.d fa0,fa0,fa1,rne"},
        {0x0085b507, "fld fa0,8(a1)"},
        {clz(a0, a1), "clz a0,a1"},
        {rev8(t0, t1), "rev8 t0,t1"},
        {sha256sum0(a0, a0), "sha256sum0 a0,a0"},
        {aes64ks1i(a0, a1, 10), "aes64ks1i a0,a1,10"},
        {rori(a0, a1, 63), "rori a0,a1,63"},
        {sh2add_uw(a0, a1, a2), "sh2add.uw a0,a1,a2"},
        {zext_h(a0, a1), "zext.h a0,a1"},
        {packw(a0, a1, a2), "packw a0,a1,a2"},
        {0x00000000, "illegal"},
        {0xffffffff, "illegal"},
    };
    for (auto [raw, text] : cases) {
        EXPECT_EQ(disassemble(raw, pc), text) << fmt::format("0x{:08x}", raw);
    }
}

// AMOs print as the assembler writes them: rd, rs2, (rs1).
TEST(RiscvDisassemble, AmoOperandsInAssemblerOrder) {
    EXPECT_EQ(disassemble(amo(AMOADD, 2, a0, a2, a1), 0), "amoadd.w a0,a2,(a1)");
    EXPECT_EQ(disassemble(sc_d(t0, t1, t2), 0), "sc.d t0,t1,(t2)");
}

TEST(RiscvDisassemble, CompressedPrintsTheExpansion) {
    EXPECT_EQ(disassemble(0x1141, 0x80000000), "addi sp,sp,-16");
    EXPECT_EQ(disassemble(0x852e, 0x80000000), "add a0,zero,a1");
    EXPECT_EQ(disassemble(0xa011, 0x80000000), "jal zero,0x80000004");
    EXPECT_EQ(disassemble(0x9002, 0x80000000), "ebreak");
    EXPECT_EQ(disassemble(0x0000, 0x80000000), "illegal");
    EXPECT_EQ(disassemble(0x8002, 0x80000000), "illegal");
}
