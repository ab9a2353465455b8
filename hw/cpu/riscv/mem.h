// Loads and stores as instructions perform them: a soft-TLB probe that hits
// RAM directly through a host pointer, and a slow path (mmu.cpp) for
// everything else: page walks, PMP, MMIO under the big lock, faults.
#pragma once

#include "hw/cpu/riscv/cpu.h"

#include <cstring>
#include <optional>

namespace mq::riscv {

template <typename T>
inline bool mem_load(Hart& h, uint64_t va, T* out, uint64_t* cause) {
    const TlbEntry& e = h.tlb_load[h.data_priv][(va >> 12) & (TLB_SIZE - 1)];
    if (e.tag == (va & PAGE_MASK) && (va & 0xfff) <= 0x1000 - sizeof(T)) [[likely]] {
        std::memcpy(out, reinterpret_cast<const void*>(va + e.addend), sizeof(T));
        return true;
    }
    uint64_t v;
    if (!mem_load_slow(h, va, sizeof(T), &v, cause)) return false;
    *out = static_cast<T>(v);
    return true;
}

template <typename T>
inline bool mem_store(Hart& h, uint64_t va, T value, uint64_t* cause) {
    const TlbEntry& e = h.tlb_store[h.data_priv][(va >> 12) & (TLB_SIZE - 1)];
    if (e.tag == (va & PAGE_MASK) && (va & 0xfff) <= 0x1000 - sizeof(T)) [[likely]] {
        std::memcpy(reinterpret_cast<void*>(va + e.addend), &value, sizeof(T));
        return true;
    }
    return mem_store_slow(h, va, sizeof(T), static_cast<uint64_t>(value), cause);
}

// The host pointer for a read-modify-write of `size` bytes at `va` (store
// permission, RAM). Null when it is not RAM: *cause is then 0 for MMIO, or
// the fault.
uint8_t* mem_rmw_host(Hart& h, uint64_t va, unsigned size, uint64_t* cause);

// Cache-block operations on the block of `size` bytes at `va` (aligned, so
// on one page). On a fault they return false with *cause set, always a
// store fault, as the CMO spec has it.
// cbo.zero: stores zeros, with a store's translation and PMP.
bool mem_cbo_zero(Hart& h, uint64_t va, unsigned size, uint64_t* cause);
// cbo.clean/flush/inval: checks that a load or a store may reach the block.
bool mem_cbo_check(Hart& h, uint64_t va, unsigned size, uint64_t* cause);

// An atomic read-modify-write (AMOs, SC): `op(old)` returns the value to
// store, or nullopt to store nothing. Misaligned is a store/AMO misaligned
// fault. All harts run on one thread, so a plain read-modify-write of RAM is
// atomic with respect to them.
template <typename T, typename Op>
bool mem_amo(Hart& h, uint64_t va, T* old, Op op, uint64_t* cause) {
    h.mem_fault_va = va;
    if (va % sizeof(T)) {
        *cause = EXCP_STORE_AMO_ADDR_MIS;
        return false;
    }
    if (uint8_t* host = mem_rmw_host(h, va, sizeof(T), cause)) {
        std::memcpy(old, host, sizeof(T));
        if (std::optional<T> v = op(*old)) std::memcpy(host, &*v, sizeof(T));
        return true;
    }
    if (*cause) return false;
    // An AMO to a device: a read, then a write.
    uint64_t v;
    if (!mem_load_slow(h, va, sizeof(T), &v, cause)) return false;
    *old = static_cast<T>(v);
    if (std::optional<T> nv = op(*old)) {
        if (!mem_store_slow(h, va, sizeof(T), static_cast<uint64_t>(*nv), cause)) {
            if (*cause == EXCP_LOAD_ACCESS_FAULT) *cause = EXCP_STORE_AMO_ACCESS_FAULT;
            return false;
        }
    }
    return true;
}

} // namespace mq::riscv
