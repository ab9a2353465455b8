// The cache-block operations (the CMO spec: Zicbom, Zicboz, Zicbop).
//
// Our memory is coherent and uncached, so cbo.clean, cbo.flush and
// cbo.inval only check that the block may be reached, and the prefetches do
// nothing. cbo.zero stores zeros over its block. menvcfg and senvcfg decide
// whether S and U may use them (an illegal instruction when not).
#include "hw/cpu/riscv/insn-table.h"
#include "hw/cpu/riscv/mem.h"

namespace mq::riscv {

namespace {

// Whether the envcfg field `Field` lets the current privilege run the
// instruction: M always; S when menvcfg has it; U when senvcfg has it too.
template <uint64_t Field>
bool cbo_enabled(const Hart& h) {
    if (h.priv != PRV_M && !(h.menvcfg & Field)) return false;
    if (h.priv == PRV_U && !(h.senvcfg & Field)) return false;
    return true;
}

// A fault reports the effective address, rs1 (not the block's start).
template <uint64_t Field, bool Zero>
const DecodedInsn* exec_cbo(Hart& h, const DecodedInsn* i, uint64_t) {
    if (!cbo_enabled<Field>(h)) return h.raise(i, EXCP_ILLEGAL_INST, i->raw);
    uint64_t ea = h.x[i->rs1];
    unsigned size = Zero ? h.isa.cboz_blocksize : h.isa.cbom_blocksize;
    uint64_t block = ea & ~uint64_t{size - 1};
    uint64_t cause;
    bool ok = Zero ? mem_cbo_zero(h, block, size, &cause) : mem_cbo_check(h, block, size, &cause);
    if (!ok) return h.raise(i, cause, ea);
    return next_insn(h, i);
}

// A hint: nothing to do, and never a fault.
const DecodedInsn* exec_prefetch(Hart& h, const DecodedInsn* i, uint64_t) {
    return next_insn(h, i);
}

// clang-format off
constexpr auto kZicbom = in_ext(ext_bit(Ext::Zicbom), {
    insn("cbo.inval", "000000000000.....010000000001111", Format::CBO, exec_cbo<ENVCFG_CBIE, false>),
    insn("cbo.clean", "000000000001.....010000000001111", Format::CBO, exec_cbo<ENVCFG_CBCFE, false>),
    insn("cbo.flush", "000000000010.....010000000001111", Format::CBO, exec_cbo<ENVCFG_CBCFE, false>),
});

constexpr auto kZicboz = in_ext(ext_bit(Ext::Zicboz), {
    insn("cbo.zero",  "000000000100.....010000000001111", Format::CBO, exec_cbo<ENVCFG_CBZE, true>),
});

// ori x0 encodings: without Zicbop they decode as ori, which does as little.
constexpr auto kZicbop = in_ext(ext_bit(Ext::Zicbop), {
    insn("prefetch.i", ".......00000.....110000000010011", Format::PREFETCH, exec_prefetch),
    insn("prefetch.r", ".......00001.....110000000010011", Format::PREFETCH, exec_prefetch),
    insn("prefetch.w", ".......00011.....110000000010011", Format::PREFETCH, exec_prefetch),
});

constexpr auto kCboTable = concat(kZicbom, kZicboz, kZicbop);
// clang-format on

} // namespace

std::span<const InsnDesc> insn_table_cbo() { return kCboTable; }

} // namespace mq::riscv
