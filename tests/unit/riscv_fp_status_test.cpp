// The hart's rules around the F and D arithmetic (see riscv_fp_fixture.h):
// reserved rounding modes are illegal, every F/D instruction traps with
// mstatus.FS Off and dirties FS when it writes FP state, and the F/D rows of
// the instruction table neither overlap nor fail to decode and disassemble.
#include "hw/cpu/riscv/fpu.h"
#include "hw/cpu/riscv/insn-table.h"
#include "tests/unit/riscv_fp_fixture.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

using namespace mq;
using namespace mq::riscv;
using namespace mq::riscv::fptest;
using fpu::FLAG_NV;

// --- reserved rounding modes ---

TYPED_TEST(RiscvFp, InvalidRoundingModeIsIllegal) {
    using T = TypeParam;
    for (uint32_t insn : {T::fadd(5), T::fsub(6), T::fmul(5), T::fdiv(6), T::fsqrt(5), T::fmadd(5),
                          T::fnmadd(6), T::fcvt_to_int(0, 5), T::fcvt_from_int(3, 6)}) {
        this->expect_illegal(insn);
    }
    for (uint32_t frm : {5u, 6u, 7u}) {
        this->expect_illegal(T::fadd(DYN), frm);
        this->expect_illegal(T::fcvt_to_int(2, DYN), frm);
        this->expect_illegal(T::fmsub(DYN), frm);
    }
    // A static mode does not look at frm.
    this->op(T::fadd(RTZ), T::num(1), T::num(2), 0, 5);
}

// --- mstatus.FS ---

namespace {

// The rows of every floating-point table: F and D, and Zfh.
std::vector<std::reference_wrapper<const InsnDesc>> fp_rows() {
    std::vector<std::reference_wrapper<const InsnDesc>> rows;
    for (auto table : {insn_table_fp(), insn_table_zfh()})
        rows.insert(rows.end(), table.begin(), table.end());
    return rows;
}

bool writes_f_register(Format f) {
    switch (f) {
    case Format::F_FFF_RM:
    case Format::F_FFF:
    case Format::F_FFFF_RM:
    case Format::F_FF_RM:
    case Format::F_FX_RM:
    case Format::F_FX:
    case Format::F_LOAD: return true;
    default: return false;
    }
}

bool has_rm(Format f) {
    return f == Format::F_FFF_RM || f == Format::F_FFFF_RM || f == Format::F_FF_RM ||
           f == Format::F_XF_RM || f == Format::F_FX_RM;
}

// A valid encoding of the row: its fixed bits, x5 as the base of a load or
// store (pointing at DATA), and rm = RNE.
uint32_t encoding_of(const InsnDesc& d) {
    uint32_t raw = d.match;
    if (d.format == Format::F_LOAD || d.format == Format::F_STORE) raw |= 5u << 15;
    return raw;
}

} // namespace

TEST(RiscvFpStatus, EveryInstructionIsIllegalWithFsOff) {
    ASSERT_GE(fp_rows().size(), 94u);
    FpHart fh;
    for (const InsnDesc& d : fp_rows()) {
        fh.h.mstatus &= ~kMstatusFs;
        fh.h.x.set(5, test::HartHarness::DATA);
        fh.h.f.fill(0x1234);
        fh.h.fflags = 0;
        fh.expect_illegal(encoding_of(d));
        EXPECT_EQ(fh.h.f[0], 0x1234u) << d.name;
        EXPECT_EQ(fh.h.fflags, 0u) << d.name;
        EXPECT_EQ(fh.h.mstatus & kMstatusFs, 0u) << d.name;
        EXPECT_NE(d.flags & FP, 0) << d.name;
    }
}

TEST(RiscvFpStatus, WritingFpStateMakesFsDirty) {
    FpHart fh;
    for (const InsnDesc& d : fp_rows()) {
        for (uint64_t fs : {FS_INITIAL, FS_CLEAN}) {
            fh.h.mstatus = (fh.h.mstatus & ~kMstatusFs) | fs_bits(fs);
            fh.h.x.set(5, test::HartHarness::DATA);
            // 1.0 in every register: no instruction raises a flag on it.
            std::string name = d.name;
            fh.h.f.fill(name.ends_with(".s")   ? 0xffffffff3f800000ull
                        : name.ends_with(".h") ? 0xffffffffffff3c00ull
                                               : 0x3ff0000000000000ull);
            fh.h.fflags = 0;
            fh.t.run({encoding_of(d)});
            ASSERT_FALSE(fh.t.trapped()) << d.name << " mcause " << fh.h.mcause;
            uint64_t expected = writes_f_register(d.format) ? FS_DIRTY : fs;
            EXPECT_EQ(fh.h.mstatus & kMstatusFs, fs_bits(expected)) << d.name;
            EXPECT_EQ(fh.h.fflags, 0u) << d.name;
        }
    }
    // Raising a flag dirties the state too, even without an f register write.
    fh.h.mstatus = (fh.h.mstatus & ~kMstatusFs) | fs_bits(FS_CLEAN);
    auto o = fh.exec(Double::flt(), fpu::F64_CANONICAL_NAN, 0);
    EXPECT_EQ(o.flags, FLAG_NV);
    EXPECT_EQ(fh.h.mstatus & kMstatusFs, fs_bits(FS_DIRTY));
    // A trapping load writes nothing.
    fh.h.mstatus = (fh.h.mstatus & ~kMstatusFs) | fs_bits(FS_CLEAN);
    fh.h.x.set(5, 0);
    fh.t.run({Double::fload(0)});
    EXPECT_TRUE(fh.t.trapped());
    EXPECT_EQ(fh.h.mstatus & kMstatusFs, fs_bits(FS_CLEAN));
}

TEST(RiscvFpStatus, ReservedRoundingModesInEveryRow) {
    FpHart fh;
    for (const InsnDesc& d : fp_rows()) {
        if (!has_rm(d.format)) continue;
        for (uint32_t rm : {5u, 6u})
            fh.expect_illegal(encoding_of(d) | rm << 12);
        for (uint32_t frm : {5u, 6u, 7u})
            fh.expect_illegal(encoding_of(d) | DYN << 12, frm);
        for (uint32_t frm = 0; frm < 5; frm++) {
            fh.h.frm = frm;
            fh.t.run({encoding_of(d) | DYN << 12});
            EXPECT_FALSE(fh.t.trapped()) << d.name << " frm " << frm;
        }
    }
}

// --- the table itself ---

TEST(RiscvFpTable, RowsOverlapNeitherEachOtherNorTheIntegerTable) {
    std::vector<const InsnDesc*> rows;
    for (auto table : insn_tables()) {
        for (const InsnDesc& d : table)
            rows.push_back(&d);
    }
    for (const InsnDesc& fp : fp_rows()) {
        for (const InsnDesc* other : rows) {
            if (other == &fp) continue;
            uint32_t common = fp.mask & other->mask;
            EXPECT_NE((fp.match ^ other->match) & common, 0u)
                << fp.name << " overlaps " << other->name;
        }
    }
}

TEST(RiscvFpTable, DecodesAndDisassemblesEveryRow) {
    for (const InsnDesc& d : fp_rows()) {
        DecodedInsn out{};
        ASSERT_TRUE(decode32(encoding_of(d), out)) << d.name;
        EXPECT_EQ(out.desc, &d);
        EXPECT_TRUE(disassemble(encoding_of(d), 0).starts_with(d.name)) << disassemble(d.match, 0);
    }
    EXPECT_EQ(disassemble(Double::fmadd(RMM), 0), "fmadd.d fa0,ft1,ft2,ft3,rmm");
    EXPECT_EQ(disassemble(Single::fload(-8), 0), "flw fa0,-8(t0)");
    EXPECT_EQ(disassemble(Single::fstore(16), 0), "fsw ft2,16(t0)");
    EXPECT_EQ(disassemble(Single::fcvt_to_int(1, RTZ), 0), "fcvt.wu.s a0,ft1,rtz");
    EXPECT_EQ(disassemble(fp(0x21, 0, DYN), 0), "fcvt.d.s fa0,ft1");
}

TEST(RiscvFpTable, CompressedFloatingPointLoadsAndStores) {
    FpHart fh;
    // c.fld fa0, 8(s0) = 0x2408; c.fsd fa0, 16(s0) = 0xa808
    fh.h.x.set(8, test::HartHarness::DATA);
    fh.t.poke64(test::HartHarness::DATA + 8, 0x400921fb54442d18ull);
    fh.t.run({0xa8082408});
    EXPECT_FALSE(fh.t.trapped());
    EXPECT_EQ(fh.h.f[10], 0x400921fb54442d18ull);
    EXPECT_EQ(fh.t.peek64(test::HartHarness::DATA + 16), 0x400921fb54442d18ull);
}
