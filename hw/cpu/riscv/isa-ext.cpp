// The extension table: names, defaults, and the strings printed from it.
#include "hw/cpu/riscv/isa-ext.h"

#include <array>
#include <cassert>

namespace mq::riscv {

namespace {

// clang-format off
constexpr std::array<ExtInfo, static_cast<size_t>(Ext::Count)> kExts = {{
    // ext            name           QEMU 7.2      default impl  what it is
    {Ext::I,          "i",           nullptr,      true,  true,  "base integer instructions"},
    {Ext::M,          "m",           nullptr,      true,  true,  "integer multiply and divide"},
    {Ext::A,          "a",           nullptr,      true,  true,  "atomic instructions"},
    {Ext::F,          "f",           nullptr,      true,  true,  "single-precision floating point"},
    {Ext::D,          "d",           nullptr,      true,  true,  "double-precision floating point"},
    {Ext::C,          "c",           nullptr,      true,  true,  "compressed instructions"},
    {Ext::S,          "s",           nullptr,      true,  true,  "supervisor mode"},
    {Ext::U,          "u",           nullptr,      true,  true,  "user mode"},
    {Ext::Zicbom,     "zicbom",      nullptr,      true,  true,  "cache-block management"},
    {Ext::Zicbop,     "zicbop",      nullptr,      true,  true,  "cache-block prefetch hints"},
    {Ext::Zicboz,     "zicboz",      nullptr,      true,  true,  "cache-block zero"},
    {Ext::Zicond,     "zicond",      nullptr,      true,  true,  "integer conditional operations"},
    {Ext::Zicntr,     "zicntr",      nullptr,      true,  true,  "base counters (cycle, time, instret)"},
    {Ext::Zicsr,      "zicsr",       "Zicsr",      true,  true,  "CSR instructions"},
    {Ext::Zifencei,   "zifencei",    "Zifencei",   true,  true,  "instruction-fetch fence"},
    {Ext::Zihintntl,  "zihintntl",   nullptr,      true,  true,  "non-temporal locality hints"},
    {Ext::Zihintpause,"zihintpause", "Zihintpause",true,  true,  "pause hint"},
    {Ext::Zihpm,      "zihpm",       nullptr,      true,  true,  "hardware performance counters"},
    {Ext::Zfa,        "zfa",         nullptr,      false, false, "additional floating-point instructions"},
    {Ext::Zfh,        "zfh",         "Zfh",        true,  true,  "half-precision floating point"},
    {Ext::Zfhmin,     "zfhmin",      "Zfhmin",     true,  true,  "minimal half-precision conversions"},
    {Ext::Zba,        "zba",         nullptr,      true,  true,  "address generation"},
    {Ext::Zbb,        "zbb",         nullptr,      true,  true,  "basic bit manipulation"},
    {Ext::Zbc,        "zbc",         nullptr,      true,  true,  "carry-less multiplication"},
    {Ext::Zbkb,       "zbkb",        nullptr,      false, true,  "bit manipulation for cryptography"},
    {Ext::Zbkc,       "zbkc",        nullptr,      false, true,  "carry-less multiplication for cryptography"},
    {Ext::Zbkx,       "zbkx",        nullptr,      false, true,  "crossbar permutations"},
    {Ext::Zbs,        "zbs",         nullptr,      true,  true,  "single-bit instructions"},
    {Ext::Zknd,       "zknd",        nullptr,      false, true,  "AES decryption"},
    {Ext::Zkne,       "zkne",        nullptr,      false, true,  "AES encryption"},
    {Ext::Zknh,       "zknh",        nullptr,      false, true,  "SHA-2 hash functions"},
    {Ext::Zkr,        "zkr",         nullptr,      false, true,  "entropy source (the seed CSR)"},
    {Ext::Zkt,        "zkt",         nullptr,      false, true,  "data-independent execution latency"},
    {Ext::Sdtrig,     "sdtrig",      nullptr,      true,  true,  "debug triggers"},
    {Ext::Sscofpmf,   "sscofpmf",    nullptr,      true,  true,  "counter overflow and mode filtering"},
    {Ext::Sstc,       "sstc",        nullptr,      true,  true,  "supervisor timer compare (stimecmp)"},
    {Ext::Svinval,    "svinval",     nullptr,      true,  true,  "fine-grained TLB invalidation"},
    {Ext::Svnapot,    "svnapot",     nullptr,      true,  true,  "NAPOT translation contiguity (64 KiB pages)"},
    {Ext::Svpbmt,     "svpbmt",      nullptr,      true,  true,  "page-based memory types"},
}};
// clang-format on

constexpr bool table_in_enum_order() {
    for (size_t i = 0; i < kExts.size(); i++) {
        if (static_cast<size_t>(kExts[i].ext) != i) return false;
    }
    return true;
}
static_assert(table_in_enum_order(), "kExts must list the extensions in Ext's order");

// A bundle: a name that stands for a set of extensions (QEMU's zkn, zk).
// The ISA string names it when every member is present.
struct Bundle {
    const char* name;
    IsaExts members;
    Ext after; // printed after this extension, where the canonical order puts it
};
constexpr IsaExts kZkn = ext_bits(Ext::Zbkb, Ext::Zbkc, Ext::Zbkx, Ext::Zkne, Ext::Zknd, Ext::Zknh);
constexpr std::array<Bundle, 2> kBundles = {{
    {"zk", kZkn | ext_bits(Ext::Zkr, Ext::Zkt), Ext::Zbs},
    {"zkn", kZkn, Ext::Zbs},
}};

bool is_single_letter(const ExtInfo& e) { return e.name[1] == '\0'; }

} // namespace

std::span<const ExtInfo> isa_ext_table() { return kExts; }

const ExtInfo& isa_ext_info(Ext e) { return kExts[static_cast<size_t>(e)]; }

IsaExts isa_default_exts() {
    IsaExts s = 0;
    for (const ExtInfo& e : kExts) {
        if (e.default_on) s |= ext_bit(e.ext);
    }
    return s;
}

IsaExts isa_max_exts() {
    IsaExts s = 0;
    for (const ExtInfo& e : kExts) {
        if (e.implemented) s |= ext_bit(e.ext);
    }
    return s;
}

Status isa_validate(const IsaConfig& cfg) {
    for (const ExtInfo& e : kExts) {
        if (cfg.has(e.ext) && !e.implemented) {
            return make_error("extension '{}' is not implemented", e.name);
        }
    }
    if (!cfg.has(Ext::I)) return make_error("Either I or E extension must be set");
    if (!cfg.has(Ext::S) || !cfg.has(Ext::U)) {
        return make_error("miniqemu's harts always have S and U modes: s=off and u=off are not "
                          "supported");
    }
    if (cfg.has(Ext::D) && !cfg.has(Ext::F)) return make_error("D extension requires F extension");
    if (cfg.has(Ext::F) && !cfg.has(Ext::Zicsr)) return make_error("F extension requires Zicsr");
    if ((cfg.has(Ext::Zfh) || cfg.has(Ext::Zfhmin)) && !cfg.has(Ext::F)) {
        return make_error("Zfh/Zfhmin extensions require F extension");
    }
    if (cfg.has(Ext::Zfa) && !cfg.has(Ext::F))
        return make_error("Zfa extension requires F extension");
    if (cfg.has(Ext::Zihpm) && !cfg.has(Ext::Zicsr)) return make_error("zihpm requires zicsr");
    if (cfg.has(Ext::Zicntr) && !cfg.has(Ext::Zicsr)) return make_error("zicntr requires zicsr");
    // seed is a CSR (QEMU 7.2 does not check this one).
    if (cfg.has(Ext::Zkr) && !cfg.has(Ext::Zicsr)) return make_error("zkr requires zicsr");
    if (cfg.has(Ext::Sstc) && !cfg.has(Ext::S)) return make_error("sstc requires the S extension");
    if (cfg.has(Ext::Zicbom) &&
        (cfg.cbom_blocksize == 0 || (cfg.cbom_blocksize & (cfg.cbom_blocksize - 1)) != 0 ||
         cfg.cbom_blocksize > 4096)) {
        return make_error("Zicbom block size must be a power of two between 1 and 4096, not {}",
                          cfg.cbom_blocksize);
    }
    if (cfg.has(Ext::Zicboz) &&
        (cfg.cboz_blocksize == 0 || (cfg.cboz_blocksize & (cfg.cboz_blocksize - 1)) != 0 ||
         cfg.cboz_blocksize > 4096)) {
        return make_error("Zicboz block size must be a power of two between 1 and 4096, not {}",
                          cfg.cboz_blocksize);
    }
    if (cfg.pmu_num > 29) return make_error("\"pmu-num\" property must be less than 29");
    return {};
}

uint64_t isa_misa(IsaExts exts) {
    uint64_t misa = 2ull << 62; // MXL: 64-bit
    for (const ExtInfo& e : kExts) {
        if (is_single_letter(e) && (exts & ext_bit(e.ext))) misa |= 1ull << (e.name[0] - 'a');
    }
    return misa;
}

std::vector<std::string> isa_extension_names(IsaExts exts) {
    std::vector<std::string> names;
    for (const ExtInfo& e : kExts) {
        // S and U are privilege modes: misa bits, but not in the ISA string.
        if (e.ext == Ext::S || e.ext == Ext::U) continue;
        if (exts & ext_bit(e.ext)) names.emplace_back(e.name);
        for (const Bundle& b : kBundles) {
            if (b.after == e.ext && (exts & b.members) == b.members) names.emplace_back(b.name);
        }
    }
    return names;
}

std::string isa_string(IsaExts exts) {
    std::string s = "rv64";
    for (const std::string& n : isa_extension_names(exts)) {
        if (n.size() > 1) s += '_';
        s += n;
    }
    return s;
}

} // namespace mq::riscv
