// What the F and D tests (riscv_fp_*_test.cpp) share: encodings of the F and D
// instructions, values built from each precision's fields, and a hart with FS
// Initial that runs one of them (FpHart). RiscvFp is the typed test over both
// precisions: its tests in every file make one suite, RiscvFp/S and RiscvFp/D.
#pragma once

#include "hw/cpu/riscv/insn-table.h"
#include "tests/unit/hart_harness.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <bit>
#include <ostream>
#include <string>
#include <utility>

namespace mq::riscv::fptest {

// --- encodings ---

enum Rm : uint32_t { RNE = 0, RTZ = 1, RDN = 2, RUP = 3, RMM = 4, DYN = 7 };
constexpr Rm kModes[] = {RNE, RTZ, RDN, RUP, RMM};

// Operands: f1, f2, f3 (and x1 for integer sources); results: f10 or x10.
constexpr uint32_t OP_FP = 0x53;
constexpr uint32_t fp(uint32_t funct7, uint32_t rs2, uint32_t rm) {
    return funct7 << 25 | rs2 << 20 | 1u << 15 | rm << 12 | 10u << 7 | OP_FP;
}
constexpr uint32_t fp4(uint32_t opcode, uint32_t fmt, uint32_t rm) {
    return 3u << 27 | fmt << 25 | 2u << 20 | 1u << 15 | rm << 12 | 10u << 7 | opcode;
}

// One precision: its encodings, and values built from its fields.
template <typename Bits, typename HostT, uint32_t Fmt, int FracBits>
struct Precision {
    using U = Bits;
    using Host = HostT;
    static constexpr uint32_t FMT = Fmt;
    static constexpr int FRAC = FracBits;
    static constexpr int BIAS = Fmt == 0 ? 127 : 1023;
    static constexpr U SIGN = U(1) << (sizeof(U) * 8 - 1);
    static constexpr U INF = (SIGN - 1) & ~((U(1) << FRAC) - 1);
    static constexpr U CANONICAL_NAN = INF | (U(1) << (FRAC - 1));
    static constexpr U QUIET_NAN = CANONICAL_NAN | 0x123; // a payload to lose
    static constexpr U SIGNALING_NAN = INF | 1;
    static constexpr U MAX = INF - 1;
    static constexpr U MIN_NORMAL = U(1) << FRAC;
    static constexpr U MAX_SUBNORMAL = MIN_NORMAL - 1;
    static constexpr U MIN_SUBNORMAL = 1;
    static constexpr U ULP1 = 1; // 1.0's last bit, as a fraction field

    // 2^e * (1 + frac / 2^FRAC)
    static constexpr U pow2(int e, U frac = 0) { return U(e + BIAS) << FRAC | frac; }
    static U num(double v) { return std::bit_cast<U>(static_cast<Host>(v)); }
    static U neg(U v) { return v ^ SIGN; }
    // How a value of this precision sits in an f register.
    static constexpr uint64_t reg(U v) { return sizeof(U) == 4 ? (0xffffffff00000000ull | v) : v; }

    static constexpr uint32_t fadd(uint32_t rm = DYN) { return fp(0x00 | FMT, 2, rm); }
    static constexpr uint32_t fsub(uint32_t rm = DYN) { return fp(0x04 | FMT, 2, rm); }
    static constexpr uint32_t fmul(uint32_t rm = DYN) { return fp(0x08 | FMT, 2, rm); }
    static constexpr uint32_t fdiv(uint32_t rm = DYN) { return fp(0x0c | FMT, 2, rm); }
    static constexpr uint32_t fsqrt(uint32_t rm = DYN) { return fp(0x2c | FMT, 0, rm); }
    static constexpr uint32_t fsgnj() { return fp(0x10 | FMT, 2, 0); }
    static constexpr uint32_t fsgnjn() { return fp(0x10 | FMT, 2, 1); }
    static constexpr uint32_t fsgnjx() { return fp(0x10 | FMT, 2, 2); }
    static constexpr uint32_t fmin() { return fp(0x14 | FMT, 2, 0); }
    static constexpr uint32_t fmax() { return fp(0x14 | FMT, 2, 1); }
    static constexpr uint32_t feq() { return fp(0x50 | FMT, 2, 2); }
    static constexpr uint32_t flt() { return fp(0x50 | FMT, 2, 1); }
    static constexpr uint32_t fle() { return fp(0x50 | FMT, 2, 0); }
    static constexpr uint32_t fclass() { return fp(0x70 | FMT, 0, 1); }
    static constexpr uint32_t fmv_to_x() { return fp(0x70 | FMT, 0, 0); }
    static constexpr uint32_t fmv_from_x() { return fp(0x78 | FMT, 0, 0); }
    // Integer types: 0 w, 1 wu, 2 l, 3 lu.
    static constexpr uint32_t fcvt_to_int(uint32_t type, uint32_t rm = DYN) {
        return fp(0x60 | FMT, type, rm);
    }
    static constexpr uint32_t fcvt_from_int(uint32_t type, uint32_t rm = DYN) {
        return fp(0x68 | FMT, type, rm);
    }
    static constexpr uint32_t fmadd(uint32_t rm = DYN) { return fp4(0x43, FMT, rm); }
    static constexpr uint32_t fmsub(uint32_t rm = DYN) { return fp4(0x47, FMT, rm); }
    static constexpr uint32_t fnmsub(uint32_t rm = DYN) { return fp4(0x4b, FMT, rm); }
    static constexpr uint32_t fnmadd(uint32_t rm = DYN) { return fp4(0x4f, FMT, rm); }
    // fl[wd] f10, imm(x5) and fs[wd] f2, imm(x5)
    static constexpr uint32_t fload(int32_t imm) {
        return uint32_t(imm & 0xfff) << 20 | 5u << 15 | (2 + FMT) << 12 | 10u << 7 | 0x07;
    }
    static constexpr uint32_t fstore(int32_t imm) {
        uint32_t u = imm & 0xfff;
        return (u >> 5) << 25 | 2u << 20 | 5u << 15 | (2 + FMT) << 12 | (u & 0x1f) << 7 | 0x27;
    }
};

using Single = Precision<uint32_t, float, 0, 23>;
using Double = Precision<uint64_t, double, 1, 52>;

constexpr uint32_t FCVT_S_D(uint32_t rm = DYN) { return fp(0x20, 1, rm); }
constexpr uint32_t FCVT_D_S(uint32_t rm = DYN) { return fp(0x21, 0, rm); }

constexpr uint64_t kMstatusFs = MSTATUS_FS;
constexpr uint64_t fs_bits(uint64_t fs) { return fs << 13; }

// --- the fixture: one hart, FS Initial ---

class FpHart {
public:
    FpHart() { h.mstatus = (h.mstatus & ~kMstatusFs) | fs_bits(FS_INITIAL); }

    struct Out {
        uint64_t f;     // f10
        uint64_t x;     // x10
        uint32_t flags; // fflags afterwards (cleared before)
    };

    // Runs `insn` with f1..f3 and x1 as given; fails the test on a trap.
    Out exec(uint32_t insn, uint64_t f1, uint64_t f2 = 0, uint64_t f3 = 0, uint64_t x1 = 0,
             uint32_t frm = 0) {
        h.f[1] = f1, h.f[2] = f2, h.f[3] = f3;
        h.x.set(1, x1);
        h.f[10] = 0x5555555555555555ull;
        h.x.set(10, 0x5555555555555555ull);
        h.fflags = 0;
        h.frm = frm;
        t.run({insn});
        EXPECT_FALSE(t.trapped()) << "0x" << std::hex << insn << ": " << disassemble(insn, 0)
                                  << " trapped with mcause " << h.mcause;
        return {h.f[10], h.x[10], h.fflags};
    }

    // Runs `insn` and expects an illegal-instruction trap.
    void expect_illegal(uint32_t insn, uint32_t frm = 0) {
        h.frm = frm;
        t.run({insn});
        EXPECT_TRUE(t.trapped()) << disassemble(insn, 0);
        EXPECT_EQ(h.mcause, EXCP_ILLEGAL_INST) << disassemble(insn, 0);
        EXPECT_EQ(h.mtval, insn);
        EXPECT_EQ(h.mepc, test::HartHarness::CODE);
    }

    test::HartHarness t;
    Hart& h = t.hart;
};

template <typename T>
class RiscvFp : public ::testing::Test, public FpHart {
protected:
    using U = typename T::U;

    struct R {
        U v;
        uint32_t flags;
        bool operator==(const R&) const = default;
        friend void PrintTo(const R& r, std::ostream* os) {
            *os << fmt::format("{{0x{:x}, flags 0x{:x}}}", r.v, r.flags);
        }
    };

    // f10 = insn(f1, f2, f3) in this precision; the result must be boxed.
    R op(uint32_t insn, U a, U b = 0, U c = 0, uint32_t frm = 0) {
        Out o = exec(insn, T::reg(a), T::reg(b), T::reg(c), 0, frm);
        if (sizeof(U) == 4) {
            EXPECT_EQ(o.f >> 32, 0xffffffffu) << "a single result is NaN-boxed";
        }
        return {static_cast<U>(o.f), o.flags};
    }
    // x10 = insn(f1, f2).
    std::pair<uint64_t, uint32_t> xop(uint32_t insn, U a, U b = 0) {
        Out o = exec(insn, T::reg(a), T::reg(b));
        return {o.x, o.flags};
    }
    // f10 = insn(x1).
    R from_x(uint32_t insn, uint64_t x, uint32_t frm = 0) {
        Out o = exec(insn, 0, 0, 0, x, frm);
        if (sizeof(U) == 4) {
            EXPECT_EQ(o.f >> 32, 0xffffffffu);
        }
        return {static_cast<U>(o.f), o.flags};
    }
};

using Precisions = ::testing::Types<Single, Double>;
class PrecisionNames {
public:
    template <typename T>
    static std::string GetName(int) {
        return sizeof(typename T::U) == 4 ? "S" : "D";
    }
};

} // namespace mq::riscv::fptest

// Declared once, here, so that the typed tests of every file join the one suite.
using mq::riscv::fptest::RiscvFp;
TYPED_TEST_SUITE(RiscvFp, mq::riscv::fptest::Precisions, mq::riscv::fptest::PrecisionNames);
