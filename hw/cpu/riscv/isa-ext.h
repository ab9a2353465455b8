// The ISA extensions a hart may implement, and which of them it does.
//
// Every extension has a bit in a 64-bit set (IsaExts). The hart keeps the
// set it was configured with (-cpu rv64,zba=on,...); the decoder treats the
// rows of a disabled extension as illegal encodings, and misa, the device
// tree's riscv,isa and `-cpu help` are all printed from the same set.
//
// The table in isa-ext.cpp lists them in the canonical order of the ISA
// string (the unprivileged spec's "ISA Extension Naming Conventions"): the
// single letters, then the Z extensions grouped by the letter that follows
// Z (i, m, a, f, d, ..., b, k), then the S extensions, each group in
// alphabetical order.
#pragma once

#include "core/error.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mq::riscv {

// clang-format off
enum class Ext : uint8_t {
    // The single-letter extensions (misa bits).
    I, M, A, F, D, C, S, U,
    // Zi*: base-ISA additions.
    Zicbom, Zicbop, Zicboz, Zicond, Zicntr, Zicsr, Zifencei, Zihintntl, Zihintpause, Zihpm,
    // Zf*: floating point.
    Zfa, Zfh, Zfhmin,
    // Zb*: bit manipulation.
    Zba, Zbb, Zbc, Zbkb, Zbkc, Zbkx, Zbs,
    // Zk*: scalar crypto.
    Zknd, Zkne, Zknh, Zkr, Zkt,
    // S*: privileged-architecture extensions.
    Sdtrig, Sscofpmf, Sstc, Svinval, Svnapot, Svpbmt,
    Count
};
// clang-format on
static_assert(static_cast<unsigned>(Ext::Count) <= 64);

using IsaExts = uint64_t;
constexpr IsaExts ext_bit(Ext e) { return IsaExts{1} << static_cast<unsigned>(e); }
template <typename... E>
constexpr IsaExts ext_bits(E... e) {
    return (ext_bit(e) | ...);
}

struct ExtInfo {
    Ext ext;
    const char* name;   // as in the ISA string and the -cpu property: "zba"
    const char* qemu72; // QEMU 7.2's property spelling where it differs ("Zfh"), or null
    bool default_on;    // part of the default rv64 (the RVA22 set)
    bool implemented;   // false: the name is known, but switching it on is refused
    const char* desc;   // for -cpu help
};

// Every extension, in canonical order.
std::span<const ExtInfo> isa_ext_table();
const ExtInfo& isa_ext_info(Ext e);

// What the default CPU (rv64) implements, and what max does.
IsaExts isa_default_exts();
IsaExts isa_max_exts();

// A hart's configuration as -cpu sets it: the extensions, and the
// parameters some of them have.
struct IsaConfig {
    IsaExts exts = isa_default_exts();
    uint16_t cbom_blocksize = 64; // Zicbom/Zicbop: bytes per cache block
    uint16_t cboz_blocksize = 64; // Zicboz
    uint8_t pmu_num = 16;         // Zihpm: how many of mhpmcounter3..31 exist (QEMU: 16)
    bool has(Ext e) const { return (exts & ext_bit(e)) != 0; }
};

// Checks a configuration the way QEMU's realize does, with QEMU's wording
// ("D extension requires F extension").
Status isa_validate(const IsaConfig& cfg);

// misa: MXL=2 (64-bit) and a bit per single-letter extension.
uint64_t isa_misa(IsaExts exts);
// "rv64imafdc_zicsr_zifencei_zba_..._sstc": the device tree's riscv,isa.
std::string isa_string(IsaExts exts);
// The device tree's riscv,isa-extensions list: "i", "m", ..., "zba", ...
std::vector<std::string> isa_extension_names(IsaExts exts);

} // namespace mq::riscv
