// Memory as a hart sees it: virtual-memory translation (Sv39, Sv48), physical
// memory protection, the soft TLB, and the slow paths of loads, stores and
// fetches (privileged spec, "Supervisor-Level ISA" and "Physical Memory
// Protection").
//
// The soft TLB holds, per effective privilege (S with mstatus.SUM apart: see
// Hart::data_tlb) and access type, pages that are plain RAM reachable with a
// host pointer; loads and stores that hit it never come here. Everything
// else does: TLB misses, pages PMP does not grant whole, pages holding
// decoded code (for stores), MMIO, faults.
#include "core/log.h"
#include "core/main-loop.h"
#include "hw/cpu/riscv/cpu.h"
#include "hw/cpu/riscv/mem.h"

#include <bit>

namespace mq::riscv {

namespace {

constexpr uint64_t PTE_V = 1, PTE_R = 2, PTE_W = 4, PTE_X = 8, PTE_U = 16, PTE_A = 64, PTE_D = 128;
constexpr uint64_t PTE_RESERVED = 0x7full << 54; // bits 60:54
constexpr uint64_t PTE_PBMT = 3ull << 61;        // Svpbmt: the page's memory type
constexpr uint64_t PTE_N = 1ull << 63;           // Svnapot: part of a NAPOT range
constexpr uint64_t PPN_MASK = (1ull << 44) - 1;
constexpr uint8_t PMP_R = 1, PMP_W = 2, PMP_X = 4, PMP_LOCK = 0x80;

uint64_t page_fault(Access a) {
    return a == Access::Fetch  ? EXCP_INST_PAGE_FAULT
           : a == Access::Load ? EXCP_LOAD_PAGE_FAULT
                               : EXCP_STORE_PAGE_FAULT;
}

uint64_t access_fault(Access a) {
    return a == Access::Fetch  ? EXCP_INST_ACCESS_FAULT
           : a == Access::Load ? EXCP_LOAD_ACCESS_FAULT
                               : EXCP_STORE_AMO_ACCESS_FAULT;
}

const char* access_name(Access a) {
    return a == Access::Fetch ? "fetch" : a == Access::Load ? "load" : "store";
}

// Whether a PTE sets bits reserved for this hart: 60:54 always; PBMT
// unless Svpbmt is on (menvcfg.PBMTE, which only Svpbmt can set), and its
// reserved value 3; N without Svnapot.
bool pte_reserved(const Hart& h, uint64_t pte) {
    if (pte & PTE_RESERVED) return true;
    uint64_t pbmt = (pte & PTE_PBMT) >> 61;
    if (pbmt == 3 || (pbmt && !(h.menvcfg & MENVCFG_PBMTE))) return true;
    return (pte & PTE_N) && !h.isa.has(Ext::Svnapot);
}

// A PTE, as the walk reads it: from RAM through the hart's view (another
// hart may swap it meanwhile, so it is one 8-byte load); anything else
// through the address space.
uint64_t pte_load(Hart& h, hwaddr pte_addr, MemTxResult* r) {
    const FlatRange* fr = hart_flatview(h).lookup(pte_addr);
    if (fr && fr->mr->is_ram() && pte_addr % 8 == 0 && Int128(pte_addr) + 8 <= fr->end) {
        *r = MEMTX_OK;
        return ram_read<uint64_t>(fr->mr->ram_ptr() + fr->offset_in_region +
                                  (pte_addr - fr->start));
    }
    return address_space_ldq(h.as, pte_addr, r);
}

// The page walk. `update` sets A/D in the PTE, as QEMU does in hardware.
// Sets A (and D) in a leaf PTE the walk read as `old`. Other harts may
// change the PTE meanwhile (Linux clears one with amoswap), so in RAM it is
// a compare-and-swap, as QEMU's MTTCG does it: Changed means the walk must
// be done again with what is there now.
enum class PteUpdate { Done, Changed, Fault };
PteUpdate pte_update(Hart& h, hwaddr pte_addr, uint64_t old, uint64_t want) {
    if (!pmp_check(h, pte_addr, 8, Access::Store, PRV_S)) return PteUpdate::Fault;
    const FlatView* view = &hart_flatview(h);
    const FlatRange* fr = view->lookup(pte_addr);
    if (fr && fr->mr->is_ram() && !fr->readonly && pte_addr % 8 == 0 &&
        Int128(pte_addr) + 8 <= fr->end) {
        hwaddr off = fr->offset_in_region + (pte_addr - fr->start);
        uint8_t* host = fr->mr->ram_ptr() + off;
        if (!std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(host))
                 .compare_exchange_strong(old, want))
            return PteUpdate::Changed;
        if (fr->mr->has_code(off)) cpu_code_written(host, 8);
        return PteUpdate::Done;
    }
    // Page tables in a device: a plain write.
    return address_space_stq(h.as, pte_addr, want) == MEMTX_OK ? PteUpdate::Done : PteUpdate::Fault;
}

// A translation of a page larger than 4 KiB: widen the range that a flush of
// one address inside it flushes whole, until it holds this page too.
void note_large_page(Hart& h, uint64_t va, uint64_t size) {
    uint64_t mask = ~(size - 1);
    if (h.tlb_large_addr != ~0ull) {
        mask &= h.tlb_large_mask;
        while ((h.tlb_large_addr ^ va) & mask)
            mask <<= 1;
    }
    h.tlb_large_mask = mask;
    h.tlb_large_addr = va & mask;
}

bool translate(Hart& h, uint64_t va, Access access, PrivLevel priv, hwaddr* pa, uint64_t* cause,
               bool update) {
    uint64_t mode = h.satp >> 60;
    if (priv == PRV_M || mode == 0) {
        *pa = va;
        return true;
    }
    int levels = mode == 8 ? 3 : 4;
    int va_bits = 12 + 9 * levels;
    // The upper bits must copy the top bit of the virtual address.
    if (static_cast<uint64_t>(sext(va, va_bits)) != va) {
        *cause = page_fault(access);
        return false;
    }
    bool sum = h.mstatus & MSTATUS_SUM;
    bool mxr = h.mstatus & MSTATUS_MXR;
    int walks = 0;
walk:
    hwaddr table = (h.satp & PPN_MASK) << 12;
    for (int level = levels - 1; level >= 0; level--) {
        hwaddr pte_addr = table + ((va >> (12 + 9 * level)) & 0x1ff) * 8;
        if (!pmp_check(h, pte_addr, 8, Access::Load, PRV_S)) {
            *cause = access_fault(access);
            return false;
        }
        MemTxResult r;
        uint64_t pte = pte_load(h, pte_addr, &r);
        qemu_log_mask(LOG_MMU, "mmu: hart {} {} va 0x{:x} level {} pte@0x{:x} = 0x{:016x}",
                      h.hartid, access_name(access), va, level, pte_addr, pte);
        if (r != MEMTX_OK) {
            *cause = access_fault(access);
            return false;
        }
        // Invalid, W without R, or reserved bits.
        if (!(pte & PTE_V) || ((pte & (PTE_R | PTE_W)) == PTE_W) || pte_reserved(h, pte)) break;
        uint64_t ppn = (pte >> 10) & PPN_MASK;
        if (!(pte & (PTE_R | PTE_X))) {
            if (pte & (PTE_N | PTE_PBMT)) break; // reserved in a pointer to the next level
            table = ppn << 12;
            continue;
        }
        // Svnapot: N marks a 64 KiB page, a level-0 leaf with ppn[3:0] = 1000
        // (the only size defined); any other use is reserved. The 4 KiB page
        // within it comes from the virtual address.
        if (pte & PTE_N) {
            if (level != 0 || (ppn & 0xf) != 0x8) break;
            ppn = (ppn & ~0xfull) | ((va >> 12) & 0xf);
        }
        // A leaf: permissions first.
        bool user_page = pte & PTE_U;
        if (priv == PRV_U && !user_page) break;
        if (priv == PRV_S && user_page && (access == Access::Fetch || !sum)) break;
        bool allowed = access == Access::Fetch  ? (pte & PTE_X)
                       : access == Access::Load ? ((pte & PTE_R) || (mxr && (pte & PTE_X)))
                                                : (pte & PTE_W);
        if (!allowed) break;
        if (level > 0 && (ppn & ((1ull << (9 * level)) - 1))) break; // misaligned superpage
        uint64_t want = pte | PTE_A | (access == Access::Store ? PTE_D : 0);
        if (update && want != pte) {
            PteUpdate u = pte_update(h, pte_addr, pte, want);
            if (u == PteUpdate::Fault) {
                *cause = access_fault(access);
                return false;
            }
            // Another hart changed the PTE: walk again, a bounded number of
            // times; then a page fault, which the guest's handler retries.
            if (u == PteUpdate::Changed) {
                if (++walks < 64) goto walk;
                break;
            }
        }
        int shift = 12 + 9 * level;
        if (level > 0) {
            note_large_page(h, va, 1ull << shift);
        } else if (pte & PTE_N) {
            note_large_page(h, va, 0x10000);
        }
        *pa = ((ppn >> (9 * level)) << shift) | (va & ((1ull << shift) - 1));
        qemu_log_mask(LOG_MMU, "mmu: hart {} {} va 0x{:x} -> pa 0x{:x}", h.hartid,
                      access_name(access), va, *pa);
        return true;
    }
    qemu_log_mask(LOG_MMU, "mmu: hart {} {} va 0x{:x}: page fault", h.hartid, access_name(access),
                  va);
    *cause = page_fault(access);
    return false;
}

// The physical range of PMP entry `i`, as [lo, hi).
std::pair<uint64_t, uint64_t> pmp_range(const Hart& h, unsigned i) {
    uint64_t addr = h.pmpaddr[i];
    switch ((h.pmpcfg[i] >> 3) & 3) {
    case 1: return {i ? h.pmpaddr[i - 1] << 2 : 0, addr << 2}; // TOR
    case 2: return {addr << 2, (addr << 2) + 4};               // NA4
    default: {                                                 // NAPOT
        int ones = std::countr_one(addr);
        if (ones >= 54) return {0, ~0ull};
        uint64_t size = 1ull << (ones + 3);
        uint64_t base = (addr << 2) & ~(size - 1);
        return {base, base + size};
    }
    }
}

PrivLevel fetch_priv(const Hart& h) { return h.priv; }

void fill(Tlb& tlb, uint64_t va, uint8_t* host) {
    TlbEntry& e = tlb[(va >> 12) & (TLB_SIZE - 1)];
    e.tag = va & PAGE_MASK;
    e.addend = reinterpret_cast<uintptr_t>(host - (va & 0xfff)) - (va & PAGE_MASK);
}

// MMIO runs under the big lock. Taking it and dropping it are an atomic
// instruction each, a third of an edu register round trip; so a hart that
// has taken it for an access keeps it (bql_keep) until its chain of blocks
// ends, where hart_run drops it (hart_bql_drop): a driver polling a device
// locks once per chain, not twice per access. A thread that comes to wait
// for the lock ends the chain at the next block (it sets irq_check), or the
// next access sees it waiting; either way, once someone has waited, the
// hart takes the lock access by access until its slice ends, as the waiter
// would otherwise lose the race for it to a hart that never lets go long.
bool dispatch_io(Hart& h, MemoryRegion* mr, hwaddr off, unsigned size, Access access,
                 uint64_t* value, uint64_t* cause) {
    if (h.bql_kept && bql_waited_for()) hart_bql_drop(h);
    const bool kept = h.bql_kept;
    if (!kept) bql_lock();
    MemTxResult r = access == Access::Load ? memory_region_dispatch_read(mr, off, value, size)
                                           : memory_region_dispatch_write(mr, off, *value, size);
    if (!kept) {
        if (h.bql_keep_ok) {
            h.bql_kept = true;
            bql_keep(&h.irq_check);
        } else {
            bql_unlock();
        }
    }
    if (r != MEMTX_OK) {
        *cause = access_fault(access);
        return false;
    }
    return true;
}

bool whole_page_in(const FlatRange* fr, hwaddr pa) {
    hwaddr page = pa & PAGE_MASK;
    return page >= fr->start && Int128(page) + 0x1000 <= fr->end;
}

// Can `size` bytes at `va` (all on one page) be reached? Translates (setting
// A/D as the access will), checks PMP and that something is mapped there,
// without touching the bytes themselves.
bool probe(Hart& h, uint64_t va, unsigned size, Access access, uint64_t* cause) {
    hwaddr pa;
    if (!translate(h, va, access, h.data_priv, &pa, cause, true)) return false;
    if (!pmp_check(h, pa, size, access, h.data_priv)) {
        *cause = access_fault(access);
        return false;
    }
    const FlatView* view = &hart_flatview(h);
    const FlatRange* fr = view->lookup(pa);
    if (!fr || Int128(pa) + size > fr->end) {
        *cause = access_fault(access);
        return false;
    }
    return true;
}

bool access_one(Hart& h, uint64_t va, unsigned size, Access access, uint64_t* value,
                uint64_t* cause);

// An access a device cannot take whole: one byte at a time, in ascending
// order, as QEMU's TCG splits a misaligned I/O access.
bool access_bytes(Hart& h, uint64_t va, unsigned size, Access access, uint64_t* value,
                  uint64_t* cause) {
    uint64_t v = access == Access::Store ? *value : 0;
    for (unsigned b = 0; b < size; b++) {
        uint64_t byte = (v >> (8 * b)) & 0xff;
        if (!access_one(h, va + b, 1, access, &byte, cause)) {
            h.mem_fault_va = va + b;
            return false;
        }
        if (access == Access::Load) v |= (byte & 0xff) << (8 * b);
    }
    if (access == Access::Load) *value = v;
    return true;
}

// One access of `size` bytes that does not cross a page.
bool access_one(Hart& h, uint64_t va, unsigned size, Access access, uint64_t* value,
                uint64_t* cause) {
    PrivLevel priv = h.data_priv;
    hwaddr pa;
    if (!translate(h, va, access, priv, &pa, cause, true)) return false;
    if (!pmp_check(h, pa, size, access, priv)) {
        *cause = access_fault(access);
        return false;
    }
    const FlatView* view = &hart_flatview(h);
    const FlatRange* fr = view->lookup(pa);
    if (!fr) {
        *cause = access_fault(access);
        return false;
    }
    MemoryRegion* mr = fr->mr;
    if (!mr->is_ram() && size > 1 && (pa & (size - 1))) {       // sizes are powers of 2
        return access_bytes(h, va, size, access, value, cause); // misaligned MMIO
    }
    if (Int128(pa) + size > fr->end) {
        *cause = access_fault(access);
        return false;
    }
    hwaddr off = fr->offset_in_region + (pa - fr->start);
    if (mr->is_ram()) {
        uint8_t* host = mr->ram_ptr() + off;
        // A watched page stays out of the soft TLB: its accesses come here.
        bool page_ok = whole_page_in(fr, pa) &&
                       pmp_check(h, pa & PAGE_MASK, 0x1000, access, priv) &&
                       !(g_debug_watchpoints && debug_page_watched(va)) &&
                       !(h.trig.mem && trigger_page_watched(h, va));
        if (access == Access::Load) {
            *value = ram_read_sized(host, size);
            if (page_ok) fill(h.tlb_load[h.data_tlb], va, host);
        } else if (!fr->readonly) {
            ram_write_sized(host, size, *value);
            if (uint64_t owners = mr->code_owners(off)) {
                hart_code_written(h, host, size, owners); // a store into code: decode it again
            } else if (page_ok) {
                fill(h.tlb_store[h.data_tlb], va, host);
            }
        }
        return true; // a store to ROM is ignored, as on QEMU
    }
    if (whole_page_in(fr, pa) && pmp_check(h, pa & PAGE_MASK, 0x1000, access, priv)) {
        IoTlbEntry& e =
            (access == Access::Load ? h.iotlb_load
                                    : h.iotlb_store)[h.data_tlb][(va >> 12) & (TLB_SIZE - 1)];
        e = IoTlbEntry{va & PAGE_MASK, mr, off & PAGE_MASK};
    }
    return dispatch_io(h, mr, off, size, access, value, cause);
}

bool access_slow(Hart& h, uint64_t va, unsigned size, Access access, uint64_t* value,
                 uint64_t* cause) {
    h.mem_fault_va = va;
    if (g_debug_watchpoints && debug_watch_check(h, va, size, access)) {
        *cause = EXCP_DEBUG_WATCH;
        return false;
    }
    if (h.trig.mem && trigger_mem_check(h, va, size, access)) {
        *cause = EXCP_BREAKPOINT; // Sdtrig: before the access, tval = its address
        return false;
    }
    // An MMIO page seen before: straight to the device.
    const IoTlbEntry& io =
        (access == Access::Load ? h.iotlb_load
                                : h.iotlb_store)[h.data_tlb][(va >> 12) & (TLB_SIZE - 1)];
    if (io.tag == (va & PAGE_MASK) && (va & 0xfff) + size <= 0x1000 &&
        !(va & (size - 1))) { // aligned (sizes are powers of 2; a division is slow)
        return dispatch_io(h, io.mr, io.base + (va & 0xfff), size, access, value, cause);
    }
    uint64_t first = 0x1000 - (va & 0xfff); // bytes on the first page
    if (first < size) {
        // Misaligned across a page. Both pages must be reachable before a
        // byte moves, so a fault leaves memory untouched and reports the
        // part that faulted: the next page when the first one is fine.
        if (!probe(h, va, first, access, cause)) return false;
        if (!probe(h, va + first, size - first, access, cause)) {
            h.mem_fault_va = va + first;
            return false;
        }
        return access_bytes(h, va, size, access, value, cause);
    }
    uint64_t v = access == Access::Store ? *value : 0;
    if (!access_one(h, va, size, access, &v, cause)) return false;
    if (access == Access::Load) *value = v;
    return true;
}

} // namespace

void hart_bql_drop(Hart& h) {
    if (!h.bql_kept) return;
    h.bql_kept = false;
    if (bql_keep_end()) h.bql_keep_ok = false; // someone waited: no keeping this slice
}

void tlb_flush(Hart& h) {
    for (auto* set : {&h.tlb_load, &h.tlb_store, &h.tlb_exec}) {
        for (Tlb& t : *set)
            t.fill(TlbEntry{});
    }
    for (auto* set : {&h.iotlb_load, &h.iotlb_store}) {
        for (IoTlb& t : *set)
            t.fill(IoTlbEntry{});
    }
    h.tlb_large_addr = ~0ull;
    h.tlb_large_mask = 0;
    translation_epoch_bump(h);
}

void tlb_flush_vma(Hart& h, unsigned rs1) {
    // rs2, an address space, does not matter: the soft TLB does not tell
    // them apart, and a satp write flushes it whole.
    const uint64_t va = h.x[rs1];
    if (rs1 == 0 || (va & h.tlb_large_mask) == h.tlb_large_addr) return tlb_flush(h);
    const unsigned index = (va >> 12) & (TLB_SIZE - 1);
    const uint64_t tag = va & PAGE_MASK;
    for (auto* set : {&h.tlb_load, &h.tlb_store, &h.tlb_exec}) {
        for (Tlb& t : *set) {
            if (t[index].tag == tag) t[index] = TlbEntry{};
        }
    }
    for (auto* set : {&h.iotlb_load, &h.iotlb_store}) {
        for (IoTlb& t : *set) {
            if (t[index].tag == tag) t[index] = IoTlbEntry{};
        }
    }
    // Blocks linked under the old translation of the page must not be
    // followed: when a link may touch the page, every link is dropped, as
    // after a full flush. Linux mostly flushes data pages one at a time
    // (thousands of them in a boot), which no link touches.
    if (hart_links_page(h, va)) translation_epoch_bump(h);
}

void hart_update_data_priv(Hart& h) {
    h.data_priv = (h.priv == PRV_M && (h.mstatus & MSTATUS_MPRV))
                      ? static_cast<PrivLevel>((h.mstatus & MSTATUS_MPP) >> 11)
                      : h.priv;
    h.data_tlb =
        h.data_priv == PRV_S && (h.mstatus & MSTATUS_SUM) ? 2 : static_cast<uint8_t>(h.data_priv);
    h.data_load_tlb = h.tlb_load[h.data_tlb].data();
    h.data_store_tlb = h.tlb_store[h.data_tlb].data();
    hart_update_link_key(h);
    pmu_priv_changed(h);
}

const FlatView& hart_flatview(Hart& h) {
    const uint64_t generation = h.as->generation();
    if (generation != h.view_generation) [[unlikely]] {
        h.view = h.as->flatview();
        h.view_generation = generation;
    }
    return *h.view;
}

bool pmp_check(const Hart& h, hwaddr addr, unsigned size, Access access, PrivLevel priv) {
    // No entry matches: M is allowed, S and U are not, even when every
    // entry is off (privileged spec, "Priority and Matching Logic"; QEMU
    // 7.2 does the same, so firmware grants S/U memory before an mret).
    if (!h.pmp_active) return priv == PRV_M;
    for (unsigned i = 0; i < 64; i++) {
        uint8_t cfg = h.pmpcfg[i];
        if (!((cfg >> 3) & 3)) continue;
        auto [lo, hi] = pmp_range(h, i);
        uint64_t end = addr + size;
        if (end <= lo || addr >= hi) continue;
        if (addr < lo || end > hi) return false; // only part of the access matches
        if (priv == PRV_M && !(cfg & PMP_LOCK)) return true;
        uint8_t need = access == Access::Fetch ? PMP_X : access == Access::Load ? PMP_R : PMP_W;
        return cfg & need;
    }
    return priv == PRV_M;
}

bool mem_load_slow(Hart& h, uint64_t va, unsigned size, uint64_t* value, uint64_t* cause) {
    return access_slow(h, va, size, Access::Load, value, cause);
}

bool mem_store_slow(Hart& h, uint64_t va, unsigned size, uint64_t value, uint64_t* cause) {
    return access_slow(h, va, size, Access::Store, &value, cause);
}

uint8_t* mem_rmw_host(Hart& h, uint64_t va, unsigned size, uint64_t* cause) {
    *cause = 0;
    TlbEntry& e = h.tlb_store[h.data_tlb][(va >> 12) & (TLB_SIZE - 1)];
    if (e.tag == (va & PAGE_MASK)) return reinterpret_cast<uint8_t*>(va + e.addend);
    if (g_debug_watchpoints && (debug_watch_check(h, va, size, Access::Load) ||
                                debug_watch_check(h, va, size, Access::Store))) {
        *cause = EXCP_DEBUG_WATCH;
        return nullptr;
    }
    if (h.trig.mem && (trigger_mem_check(h, va, size, Access::Load) ||
                       trigger_mem_check(h, va, size, Access::Store))) {
        h.mem_fault_va = va;
        *cause = EXCP_BREAKPOINT;
        return nullptr;
    }
    hwaddr pa;
    PrivLevel priv = h.data_priv;
    if (!translate(h, va, Access::Store, priv, &pa, cause, true)) return nullptr;
    if (!pmp_check(h, pa, size, Access::Store, priv) ||
        !pmp_check(h, pa, size, Access::Load, priv)) {
        *cause = EXCP_STORE_AMO_ACCESS_FAULT;
        return nullptr;
    }
    const FlatView* view = &hart_flatview(h);
    const FlatRange* fr = view->lookup(pa);
    if (!fr) {
        *cause = EXCP_STORE_AMO_ACCESS_FAULT;
        return nullptr;
    }
    if (!fr->mr->is_ram() || fr->readonly) return nullptr; // a device: the caller does read + write
    hwaddr off = fr->offset_in_region + (pa - fr->start);
    uint8_t* host = fr->mr->ram_ptr() + off;
    if (uint64_t owners = fr->mr->code_owners(off)) {
        hart_code_written(h, host, size, owners);
    } else if (whole_page_in(fr, pa) && pmp_check(h, pa & PAGE_MASK, 0x1000, Access::Store, priv) &&
               !(g_debug_watchpoints && debug_page_watched(va)) &&
               !(h.trig.mem && trigger_page_watched(h, va))) {
        fill(h.tlb_store[h.data_tlb], va, host);
    }
    return host;
}

bool mem_cbo_zero(Hart& h, uint64_t va, unsigned size, uint64_t* cause) {
    h.mem_fault_va = va;
    if (g_debug_watchpoints && debug_watch_check(h, va, size, Access::Store)) {
        *cause = EXCP_DEBUG_WATCH;
        return false;
    }
    PrivLevel priv = h.data_priv;
    hwaddr pa;
    if (!translate(h, va, Access::Store, priv, &pa, cause, true)) return false;
    const FlatView* view = &hart_flatview(h);
    const FlatRange* fr = view->lookup(pa);
    if (!pmp_check(h, pa, size, Access::Store, priv) || !fr || Int128(pa) + size > fr->end) {
        *cause = EXCP_STORE_AMO_ACCESS_FAULT;
        return false;
    }
    hwaddr off = fr->offset_in_region + (pa - fr->start);
    if (!fr->mr->is_ram()) {
        // A device gets byte stores, as QEMU's fallback does.
        for (unsigned b = 0; b < size; b++) {
            uint64_t zero = 0;
            if (!dispatch_io(h, fr->mr, off + b, 1, Access::Store, &zero, cause)) return false;
        }
        return true;
    }
    if (fr->readonly) return true; // a store to ROM is ignored, as on QEMU
    uint8_t* host = fr->mr->ram_ptr() + off;
    unsigned k = 0;
    for (; k + 8 <= size; k += 8)
        ram_write<uint64_t>(host + k, 0);
    for (; k < size; k++)
        ram_write<uint8_t>(host + k, 0);
    if (uint64_t owners = fr->mr->code_owners(off)) hart_code_written(h, host, size, owners);
    return true;
}

bool mem_cbo_check(Hart& h, uint64_t va, unsigned size, uint64_t* cause) {
    h.mem_fault_va = va;
    PrivLevel priv = h.data_priv;
    hwaddr pa;
    // A load's translation (which sets A, not D) grants any access a
    // writable page would, since W without R is reserved.
    if (!translate(h, va, Access::Load, priv, &pa, cause, true)) {
        *cause =
            *cause == EXCP_LOAD_PAGE_FAULT ? EXCP_STORE_PAGE_FAULT : EXCP_STORE_AMO_ACCESS_FAULT;
        return false;
    }
    const FlatView* view = &hart_flatview(h);
    const FlatRange* fr = view->lookup(pa);
    bool pmp_ok =
        pmp_check(h, pa, size, Access::Load, priv) || pmp_check(h, pa, size, Access::Store, priv);
    if (!pmp_ok || !fr || Int128(pa) + size > fr->end) {
        *cause = EXCP_STORE_AMO_ACCESS_FAULT;
        return false;
    }
    return true;
}

const uint8_t* mem_fetch_ptr(Hart& h, uint64_t va, uint64_t* cause) {
    PrivLevel priv = fetch_priv(h);
    const TlbEntry& e = h.tlb_exec[priv][(va >> 12) & (TLB_SIZE - 1)];
    if (e.tag == (va & PAGE_MASK)) return reinterpret_cast<const uint8_t*>(va + e.addend);
    h.mem_fault_va = va;
    hwaddr pa;
    if (!translate(h, va, Access::Fetch, priv, &pa, cause, true)) return nullptr;
    const FlatView* view = &hart_flatview(h);
    const FlatRange* fr = view->lookup(pa);
    // Code runs from RAM or ROM only; anything else is an access fault.
    if (!fr || !fr->mr->is_ram() || !pmp_check(h, pa, 2, Access::Fetch, priv)) {
        *cause = EXCP_INST_ACCESS_FAULT;
        return nullptr;
    }
    uint8_t* host = fr->mr->ram_ptr() + fr->offset_in_region + (pa - fr->start);
    // A 32-bit instruction on this page must be granted whole; a fault on
    // its second half reports that half's address (privileged spec, mtval).
    if ((host[0] & 3) == 3 && (va & 0xfff) != 0xffe && !pmp_check(h, pa, 4, Access::Fetch, priv)) {
        *cause = EXCP_INST_ACCESS_FAULT;
        h.mem_fault_va = va + 2;
        return nullptr;
    }
    if (whole_page_in(fr, pa) && pmp_check(h, pa & PAGE_MASK, 0x1000, Access::Fetch, priv)) {
        fill(h.tlb_exec[priv], va, host);
    }
    return host;
}

std::optional<hwaddr> hart_translate(Hart& h, uint64_t va, Access access) {
    hwaddr pa;
    uint64_t cause;
    PrivLevel priv = access == Access::Fetch ? h.priv : h.data_priv;
    if (!translate(h, va, access, priv, &pa, &cause, false)) return std::nullopt;
    return pa;
}

} // namespace mq::riscv
