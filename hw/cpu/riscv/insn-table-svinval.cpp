// Svinval: fine-grained address-translation cache invalidation (the
// privileged spec, "Svinval"). sinval.vma invalidates like sfence.vma;
// sfence.w.inval and sfence.inval.ir order it against the stores to page
// tables before and the implicit accesses after.
//
// The soft TLB is flushed at once, so sinval.vma is sfence.vma (one page,
// or everything) and the two fences have nothing left to order. Their
// privilege rules are the spec's: none of them in U, and sinval.vma not in
// S under mstatus.TVM.
#include "hw/cpu/riscv/insn-table.h"

namespace mq::riscv {

namespace {

const DecodedInsn* exec_sinval_vma(Hart& h, const DecodedInsn* i, uint64_t) {
    if (h.priv == PRV_U || (h.priv == PRV_S && (h.mstatus & MSTATUS_TVM))) {
        return h.raise(i, EXCP_ILLEGAL_INST, i->raw);
    }
    tlb_flush_vma(h, i->rs1);
    return h.jump(i, h.pc_of(i) + i->len);
}

const DecodedInsn* exec_sfence_inval(Hart& h, const DecodedInsn* i, uint64_t) {
    if (h.priv == PRV_U) return h.raise(i, EXCP_ILLEGAL_INST, i->raw);
    return next_insn(h, i);
}

// clang-format off
constexpr auto kSvinvalTable = in_ext(ext_bit(Ext::Svinval), {
    insn("sinval.vma",      "0001011..........000000001110011", Format::SFENCE, exec_sinval_vma, END_BLOCK),
    insn("sfence.w.inval",  "00011000000000000000000001110011", Format::NONE, exec_sfence_inval),
    insn("sfence.inval.ir", "00011000000100000000000001110011", Format::NONE, exec_sfence_inval),
});
// clang-format on

} // namespace

std::span<const InsnDesc> insn_table_svinval() { return kSvinvalTable; }

} // namespace mq::riscv
