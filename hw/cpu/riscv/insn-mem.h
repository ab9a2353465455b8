// Loads and stores as instruction handlers perform them, shared by the
// table's rows (insn-table.cpp) and the fused pairs (insn-fused.cpp): the
// soft-TLB hit inline; everything else in a slow path reached by a tail
// call, so that the fast path needs no stack frame.
#pragma once

#include "hw/cpu/riscv/insn-table.h"
#include "hw/cpu/riscv/mem.h"

#include <type_traits>

namespace mq::riscv {

// What a load of T writes to rd: sign- or zero-extended to 64 bits.
template <typename T>
constexpr uint64_t load_extend(T v) {
    return std::is_signed_v<T> ? static_cast<uint64_t>(static_cast<int64_t>(v))
                               : static_cast<uint64_t>(v);
}

// The slow paths: the soft TLB did not serve `addr` (a miss, MMIO, a watched
// page, a fault). `i` is the load or store itself, for its rd, rs2 and pc.
template <typename T>
[[gnu::noinline]] const DecodedInsn* load_slow(Hart& h, const DecodedInsn* i, uint64_t addr) {
    uint64_t v;
    uint64_t cause;
    if (!mem_load_slow(h, addr, sizeof(T), &v, &cause)) return h.raise(i, cause, h.mem_fault_va);
    const uint64_t value = load_extend(static_cast<T>(v));
    h.x.set_rd(i->rd, value);
    return next_insn(h, i, value);
}

template <typename T>
[[gnu::noinline]] const DecodedInsn* store_slow(Hart& h, const DecodedInsn* i, uint64_t addr) {
    uint64_t cause;
    if (!mem_store_slow(h, addr, sizeof(T), static_cast<T>(h.x[i->rs2]), &cause)) {
        return h.raise(i, cause, h.mem_fault_va);
    }
    return next_insn(h, i);
}

// Load `i` (of T, into register rd) from `addr`, then the next instruction,
// with what it loaded forwarded.
template <typename T>
inline const DecodedInsn* load_at(Hart& h, const DecodedInsn* i, unsigned rd, uint64_t addr) {
    const TlbEntry& e = tlb_entry(h.data_load_tlb, addr);
    if (tlb_serves<T>(e, addr)) [[likely]] {
        const uint64_t value =
            load_extend(ram_read<T>(reinterpret_cast<const uint8_t*>(addr + e.addend)));
        h.x.set_rd(rd, value);
        return next_insn(h, i, value);
    }
    return load_slow<T>(h, i, addr);
}

// Store `i` (of T): `value` to `addr`, then the next instruction.
template <typename T>
inline const DecodedInsn* store_at(Hart& h, const DecodedInsn* i, uint64_t addr, uint64_t value) {
    const TlbEntry& e = tlb_entry(h.data_store_tlb, addr);
    if (tlb_serves<T>(e, addr)) [[likely]] {
        ram_write<T>(reinterpret_cast<uint8_t*>(addr + e.addend), static_cast<T>(value));
        return next_insn(h, i);
    }
    return store_slow<T>(h, i, addr);
}

} // namespace mq::riscv
