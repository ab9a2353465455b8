// Fused pairs (superinstructions): two neighbouring instructions of a block
// that compilers emit together, run by one handler.
//
// Every handler ends with the dispatch to the next one: step the
// instruction pointer, load the next handler's address, jump through it.
// In a tight loop of short instructions that dispatch, and reading each
// instruction's operands, is most of what the host does. A pair run by one
// handler pays for them once.
//
// The block keeps both instructions as they were decoded. Only the first
// one's handler changes: it does the work of both and goes on after the
// second, whose entry is still there for its operands, its pc (a fault in
// it is reported at its own address, with the first one retired) and its
// place in the block's count of instructions. Nothing else can enter a
// block between the two (blocks are entered at their start), and
// interrupts are taken between blocks, so the pair is as atomic as it was.
//
// The pairs:
//   add  rd, rs1, rs2 ; l*/s* ..., imm(rd)    an indexed access (RISC-V has
//                                             no indexed addressing mode)
//   slli rd, rs, k    ; srli rd, rd, k        zero-extends rs's low 64-k bits
//                                             (zext.w when k = 32, without Zba)
#include "hw/cpu/riscv/insn-mem.h"

#include <cstring>

namespace mq::riscv {

namespace {

// The add of an add-then-access pair: writes rd, returns the sum. S: which
// of its operands come forwarded from the instruction before the pair (the
// variant the add had been given; see Handlers).
template <Fwd S>
uint64_t pair_add(Hart& h, Operands a, uint64_t fwd) {
    const uint64_t sum = src1<S>(h, a, fwd) + src2<S>(h, a, fwd);
    h.x.set_rd(a.rd(), sum);
    return sum;
}

// add rd, rs1, rs2 followed by a load from imm(rd).
template <typename T, Fwd S>
const DecodedInsn* exec_add_load(Hart& h, const DecodedInsn* i, uint64_t fwd) {
    const uint64_t base = pair_add<S>(h, operands(i), fwd);
    const DecodedInsn* load = i + 1;
    const Operands l = operands(load);
    return load_at<T>(h, load, l.rd(), base + l.imm());
}

// add rd, rs1, rs2 followed by a store to imm(rd). The stored register is
// read after the add wrote rd, as the second instruction would read it.
template <typename T, Fwd S>
const DecodedInsn* exec_add_store(Hart& h, const DecodedInsn* i, uint64_t fwd) {
    const uint64_t base = pair_add<S>(h, operands(i), fwd);
    const DecodedInsn* store = i + 1;
    const Operands s = operands(store);
    return store_at<T>(h, store, base + s.imm(), h.x[s.rs2()]);
}

// slli rd, rs, k; srli rd, rd, k: rd = rs with its top k bits cleared.
template <Fwd S>
const DecodedInsn* exec_shift_pair_zext(Hart& h, const DecodedInsn* i, uint64_t fwd) {
    const Operands a = operands(i);
    const unsigned k = static_cast<unsigned>(a.imm()) & 63;
    const uint64_t v = (src1<S>(h, a, fwd) << k) >> k;
    h.x.set_rd(a.rd(), v);
    return next_insn(h, i + 1, v);
}

bool named(const DecodedInsn& d, const char* name) {
    return d.desc && std::strcmp(d.desc->name, name) == 0;
}

// A fused handler in its four variants, as Handlers has a row's.
struct Variants {
    InsnHandler none, rs1, rs2, both;
};
template <template <Fwd> class H>
constexpr Variants variants() {
    return {H<Fwd::None>::fn, H<Fwd::Rs1>::fn, H<Fwd::Rs2>::fn, H<Fwd::Both>::fn};
}
template <typename T>
struct AddLoad {
    template <Fwd S>
    struct V {
        static constexpr InsnHandler fn = exec_add_load<T, S>;
    };
};
template <typename T>
struct AddStore {
    template <Fwd S>
    struct V {
        static constexpr InsnHandler fn = exec_add_store<T, S>;
    };
};
template <Fwd S>
struct ShiftPairZext {
    static constexpr InsnHandler fn = exec_shift_pair_zext<S>;
};

struct MemRow {
    const char* name;
    Variants fused; // with the add before it
};
constexpr MemRow kAddThenMem[] = {
    {"lb", variants<AddLoad<int8_t>::V>()},    {"lh", variants<AddLoad<int16_t>::V>()},
    {"lw", variants<AddLoad<int32_t>::V>()},   {"ld", variants<AddLoad<int64_t>::V>()},
    {"lbu", variants<AddLoad<uint8_t>::V>()},  {"lhu", variants<AddLoad<uint16_t>::V>()},
    {"lwu", variants<AddLoad<uint32_t>::V>()}, {"sb", variants<AddStore<uint8_t>::V>()},
    {"sh", variants<AddStore<uint16_t>::V>()}, {"sw", variants<AddStore<uint32_t>::V>()},
    {"sd", variants<AddStore<uint64_t>::V>()},
};

// The variant of `fused` that takes from `fwd` what `a`'s handler took: the
// block builder gave `a` the variant of its row's handler that suits the
// instruction before it, and the pair must read its operands the same way.
InsnHandler same_variant(const DecodedInsn& a, const Variants& fused) {
    const Handlers& v = a.desc->handlers;
    if (a.fn == v.plain) return fused.none;
    if (a.fn == v.rs1) return fused.rs1;
    if (a.fn == v.rs2) return fused.rs2;
    if (a.fn == v.both) return fused.both;
    return nullptr; // some other handler: leave the pair alone
}

} // namespace

InsnHandler fused_handler(const DecodedInsn& a, const DecodedInsn& b) {
    // The first one must write a register the second one reads (the sink,
    // x0's slot, is never read).
    if (!a.desc || !b.desc || a.rd == kXSink) return nullptr;
    if (named(a, "add") && b.rs1 == a.rd) {
        for (const MemRow& row : kAddThenMem) {
            if (named(b, row.name)) return same_variant(a, row.fused);
        }
    }
    if (named(a, "slli") && named(b, "srli") && b.rs1 == a.rd && b.rd == a.rd && a.imm == b.imm)
        return same_variant(a, variants<ShiftPairZext>());
    return nullptr;
}

} // namespace mq::riscv
