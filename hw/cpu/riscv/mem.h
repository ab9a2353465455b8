// Loads and stores as instructions perform them: a soft-TLB probe that hits
// RAM directly through a host pointer, and a slow path (mmu.cpp) for
// everything else: page walks, PMP, MMIO under the big lock, faults.
#pragma once

#include "hw/cpu/riscv/cpu.h"

#include <atomic>
#include <cstring>
#include <optional>

namespace mq::riscv {

// Guest RAM, which harts on other host threads read and write at the same
// time. A hart's access is one host load or store (an aligned one is a
// single-copy atomic mov on x86-64, as RVWMO asks); the guest orders its
// accesses with fences and AMOs (exec_fence, mem_amo). ThreadSanitizer
// builds make the accesses relaxed atomics instead, so that races the guest
// makes on purpose, which RVWMO defines, are not taken for the emulator's.
template <typename T>
inline T ram_read(const uint8_t* p) {
    T v;
#if defined(__SANITIZE_THREAD__)
    if (reinterpret_cast<uintptr_t>(p) % sizeof(T) == 0) {
        return std::atomic_ref<T>(*reinterpret_cast<T*>(const_cast<uint8_t*>(p)))
            .load(std::memory_order_relaxed);
    }
    uint8_t bytes[sizeof(T)];
    for (size_t k = 0; k < sizeof(T); k++)
        bytes[k] =
            std::atomic_ref<uint8_t>(const_cast<uint8_t&>(p[k])).load(std::memory_order_relaxed);
    std::memcpy(&v, bytes, sizeof(T));
#else
    std::memcpy(&v, p, sizeof(T));
#endif
    return v;
}

template <typename T>
inline void ram_write(uint8_t* p, T v) {
#if defined(__SANITIZE_THREAD__)
    if (reinterpret_cast<uintptr_t>(p) % sizeof(T) == 0) {
        std::atomic_ref<T>(*reinterpret_cast<T*>(p)).store(v, std::memory_order_relaxed);
        return;
    }
    uint8_t bytes[sizeof(T)];
    std::memcpy(bytes, &v, sizeof(T));
    for (size_t k = 0; k < sizeof(T); k++)
        std::atomic_ref<uint8_t>(p[k]).store(bytes[k], std::memory_order_relaxed);
#else
    std::memcpy(p, &v, sizeof(T));
#endif
}

// The same for an access size known only at run time.
inline uint64_t ram_read_sized(const uint8_t* p, unsigned size) {
    switch (size) {
    case 1: return ram_read<uint8_t>(p);
    case 2: return ram_read<uint16_t>(p);
    case 4: return ram_read<uint32_t>(p);
    default: return ram_read<uint64_t>(p);
    }
}

inline void ram_write_sized(uint8_t* p, unsigned size, uint64_t v) {
    switch (size) {
    case 1: ram_write<uint8_t>(p, static_cast<uint8_t>(v)); break;
    case 2: ram_write<uint16_t>(p, static_cast<uint16_t>(v)); break;
    case 4: ram_write<uint32_t>(p, static_cast<uint32_t>(v)); break;
    default: ram_write<uint64_t>(p, v); break;
    }
}

// The soft-TLB entry for `va` in `tlb` (a hart's data_load_tlb or
// data_store_tlb).
inline const TlbEntry& tlb_entry(const TlbEntry* tlb, uint64_t va) {
    return tlb[(va >> 12) & (TLB_SIZE - 1)];
}
// Whether `e` serves an access of sizeof(T) bytes at `va` straight from host
// memory (at va + e.addend): it holds va's page, and the access does not
// cross into the next one. Everything else takes the slow path.
template <typename T>
inline bool tlb_serves(const TlbEntry& e, uint64_t va) {
    return __builtin_expect(e.tag == (va & PAGE_MASK) && (va & 0xfff) <= 0x1000 - sizeof(T), 1);
}

template <typename T>
inline bool mem_load(Hart& h, uint64_t va, T* out, uint64_t* cause) {
    const TlbEntry& e = tlb_entry(h.data_load_tlb, va);
    if (tlb_serves<T>(e, va)) [[likely]] {
        *out = ram_read<T>(reinterpret_cast<const uint8_t*>(va + e.addend));
        return true;
    }
    uint64_t v;
    if (!mem_load_slow(h, va, sizeof(T), &v, cause)) return false;
    *out = static_cast<T>(v);
    return true;
}

template <typename T>
inline bool mem_store(Hart& h, uint64_t va, T value, uint64_t* cause) {
    const TlbEntry& e = tlb_entry(h.data_store_tlb, va);
    if (tlb_serves<T>(e, va)) [[likely]] {
        ram_write<T>(reinterpret_cast<uint8_t*>(va + e.addend), value);
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
// store, or nullopt to store nothing; it may be called again when another
// hart changed the value in between. Misaligned is a store/AMO misaligned
// fault. On RAM it is a host compare-and-swap, atomic with respect to harts
// on other threads and a full fence on x86-64, so .aq and .rl need nothing
// more.
template <typename T, typename Op>
bool mem_amo(Hart& h, uint64_t va, T* old, Op op, uint64_t* cause) {
    h.mem_fault_va = va;
    if (va % sizeof(T)) {
        *cause = EXCP_STORE_AMO_ADDR_MIS;
        return false;
    }
    if (uint8_t* host = mem_rmw_host(h, va, sizeof(T), cause)) {
        std::atomic_ref<T> ram(*reinterpret_cast<T*>(host));
        T cur = ram.load(std::memory_order_relaxed);
        for (;;) {
            std::optional<T> v = op(cur);
            if (!v || ram.compare_exchange_weak(cur, *v, std::memory_order_seq_cst,
                                                std::memory_order_relaxed))
                break;
        }
        *old = cur;
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
