// A test stream for the differential instruction fuzzer: the instructions,
// and the state both harts start from.
//
// Memory is the same on both sides: one code page and one data page with
// an unmapped page between them and after them, so that loads and stores
// that stray fault in the same way.
#pragma once

#include "hw/cpu/riscv/isa-ext.h"

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mq::fuzz {

inline constexpr uint64_t CODE = 0x80000000;
inline constexpr uint64_t CODE_SIZE = 0x1000;
inline constexpr uint64_t DATA = 0x80002000;
inline constexpr uint64_t DATA_SIZE = 0x1000;

// Our hart's trap vector, in the code page: a jump to itself, so that after
// a trap the hart stays put with mcause telling what happened.
inline constexpr uint64_t TRAP_VECTOR = CODE + CODE_SIZE - 0x10;
inline constexpr uint32_t JAL_SELF = 0x0000006f;

// The extensions Unicorn 2.0.1 (QEMU 5.0) implements: our hart runs with
// these alone, and streams draw only their rows, so that an instruction of a
// newer extension (Zba, Zbb, the crypto ones) is illegal on both sides.
inline constexpr riscv::IsaExts kUnicornExts = riscv::ext_bits(
    riscv::Ext::I, riscv::Ext::M, riscv::Ext::A, riscv::Ext::F, riscv::Ext::D, riscv::Ext::C,
    riscv::Ext::S, riscv::Ext::U, riscv::Ext::Zicsr, riscv::Ext::Zifencei, riscv::Ext::Zicntr);

// One instruction of a stream. `target` >= 0 makes it a branch or jump to
// the start of instruction `target` (the stream's length means its end);
// its offset field is filled in when the stream is laid out.
struct Insn {
    uint32_t raw = 0;
    uint8_t len = 4;
    int target = -1;
    // An encoding that may mix single and double precision in one f
    // register (see the allow-list in compare.cpp: Unicorn does not NaN-box).
    bool mixes_fp_widths = false;
};

// Whether the instruction `raw` (32-bit, or a 16-bit parcel) touches the f
// registers: LOAD-FP, STORE-FP, the fused ops, OP-FP, c.fld(sp), c.fsd(sp).
// Its registers being random, such an encoding may mix the two widths.
bool is_fp_encoding(uint32_t raw);

struct Stream {
    std::vector<Insn> insns;
    std::array<uint64_t, 32> x{};
    std::array<uint64_t, 32> f{};
    uint32_t fcsr = 0; // frm << 5 | fflags
    std::vector<uint8_t> data = std::vector<uint8_t>(DATA_SIZE);

    // The code page: the stream at CODE, followed by the end marker (a jump
    // to itself, where our hart waits and Unicorn's run stops), and the trap
    // vector. Zeros elsewhere (an illegal instruction).
    std::vector<uint8_t> code_page() const;
    uint64_t end() const;
    // Whether `pc` is where one of the stream's instructions starts (or its
    // end); elsewhere in the stream a jump lands inside an instruction.
    bool starts_insn(uint64_t pc) const;
    // The same stream with instruction `i` replaced by a no-op of its size.
    Stream without(size_t i) const;
    std::string listing() const;
};

// What a run ended with.
struct Outcome {
    enum class End { Completed, Trapped, Looped } end = End::Completed;
    uint64_t cause = 0; // when Trapped
    uint64_t epc = 0;   // where (ours only: Unicorn's hook sees pc past it)
    uint64_t tval = 0;  // ours only
    std::array<uint64_t, 32> x{};
    std::array<uint64_t, 32> f{};
    uint32_t fcsr = 0;
    std::vector<uint8_t> code;
    std::vector<uint8_t> data;
    // Unicorn's only: the translation blocks it entered, as start and size.
    std::vector<std::pair<uint64_t, uint32_t>> blocks;
};

// Makes the stream number `index` of the campaign `seed`: the same pair
// always gives the same stream.
Stream generate_stream(uint64_t seed, uint64_t index, unsigned length);

} // namespace mq::fuzz
