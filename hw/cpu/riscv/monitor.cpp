// The hart's monitor commands (QEMU: target/riscv/monitor.c): `info mem`,
// the current hart's page-table mappings. QEMU 7.2 has no `info tlb` for
// RISC-V, and neither has this.
//
// The walk reads the page tables as they are in guest memory, from the root
// that satp names, and never changes them (no A/D updates, no TLB fill).
#include "core/monitor.h"
#include "core/cpus.h"
#include "core/module.h"
#include "hw/cpu/riscv/riscv-cpu.h"

namespace mq {

namespace {

// PTE bits (privileged spec, "Sv32/Sv39 page table entry").
constexpr uint64_t PTE_V = 1, PTE_R = 2, PTE_W = 4, PTE_X = 8, PTE_U = 16, PTE_G = 32, PTE_A = 64,
                   PTE_D = 128;
constexpr unsigned kPageShift = 12;
constexpr unsigned kPteIndexBits = 9;
constexpr uint64_t kPpnMask = (1ull << 44) - 1;

// The monitor's current CPU.
constexpr size_t kCurrentCpu = 0;

// How many tables one walk reads at most. A guest can point a table's
// entries back at the table itself, and then a walk would read 512^4 entries
// and take hours: the walk stops instead, and says so. QEMU has no limit; a
// real guest's tables stay far below this one (4096 tables map 8 GiB in
// 4 KiB pages).
constexpr unsigned kMaxTables = 4096;

// QEMU's walk_pte and print_pte: runs of leaves that are contiguous in both
// address spaces with the same attributes make one line. As in QEMU, a run
// never continues from one table into the next at the same level (each
// table's walk starts with no previous leaf), so a region of 4 KiB pages is
// printed in pieces of at most one table's reach.
class MemInfo {
public:
    MemInfo(Monitor& mon, AddressSpace* as, int levels)
        : m_mon(mon), m_as(as), m_levels(levels),
          m_va_bits(static_cast<int>(kPageShift + kPteIndexBits * levels)) {}

    void run(hwaddr root) {
        m_mon.print("vaddr            paddr            size             attr\n"
                    "---------------- ---------------- ---------------- -------\n");
        walk(root, 0, m_levels - 1);
        flush();
        if (m_tables > kMaxTables) {
            m_mon.printf("(stopped after {} page tables: the rest is not shown)\n", kMaxTables);
        }
    }

private:
    void walk(hwaddr table, uint64_t start, int level) {
        if (++m_tables > kMaxTables) return;
        uint64_t page_size = 1ull << (kPageShift + kPteIndexBits * level);
        uint64_t last_start = ~0ull;
        for (uint64_t i = 0; i < (1u << kPteIndexBits); i++, start += page_size) {
            uint64_t pte = address_space_ldq(m_as, table + i * 8);
            if (!(pte & PTE_V)) continue;
            // All the bits above the flags, as QEMU takes them.
            hwaddr pa = (pte >> 10) << kPageShift;
            if (!(pte & (PTE_R | PTE_W | PTE_X))) {
                if (level > 0) walk(pa, start, level - 1);
                continue;
            }
            unsigned attr = static_cast<unsigned>(pte & 0xff);
            if (attr != m_attr || m_last_pa + m_last_size != pa ||
                last_start + m_last_size != start) {
                flush();
                m_vbase = start;
                m_pbase = pa;
                m_attr = attr;
            }
            last_start = start;
            m_last_pa = pa;
            m_last_size = page_size;
        }
    }

    // Prints the run that has ended, if there is one.
    void flush() {
        uint64_t size = m_last_pa + m_last_size - m_pbase;
        if (m_vbase >= (1ull << m_va_bits) || size == 0) return;
        // The upper bits copy the top one, as the hart sees the address.
        uint64_t va = m_vbase;
        if (va & (1ull << (m_va_bits - 1))) va |= ~0ull << m_va_bits;
        auto bit = [&](uint64_t mask, char c) { return (m_attr & mask) ? c : '-'; };
        m_mon.printf("{:016x} {:016x} {:016x} {}{}{}{}{}{}{}\n", va, m_pbase, size, bit(PTE_R, 'r'),
                     bit(PTE_W, 'w'), bit(PTE_X, 'x'), bit(PTE_U, 'u'), bit(PTE_G, 'g'),
                     bit(PTE_A, 'a'), bit(PTE_D, 'd'));
    }

    Monitor& m_mon;
    AddressSpace* m_as;
    int m_levels;
    int m_va_bits;
    // The run being gathered: where it starts, and its last leaf.
    uint64_t m_vbase = ~0ull;
    hwaddr m_pbase = ~0ull;
    hwaddr m_last_pa = ~0ull;
    uint64_t m_last_size = 0;
    unsigned m_attr = 0;
    unsigned m_tables = 0; // walked so far
};

void hmp_info_mem(Monitor& mon, const HmpArgs&) {
    const auto& cpus = riscv_cpus();
    if (cpus.size() <= kCurrentCpu) {
        mon.print("No CPU available\n");
        return;
    }
    VcpuPauseGuard paused;
    const riscv::Hart& h = cpus[kCurrentCpu]->hart;
    uint64_t mode = h.satp >> 60;
    if (mode == 0) {
        mon.print("No translation or protection\n");
        return;
    }
    // satp accepts only Bare, Sv39 (8) and Sv48 (9).
    MemInfo(mon, h.as, mode == 8 ? 3 : 4).run((h.satp & kPpnMask) << kPageShift);
}

void register_riscv_monitor() {
    hmp_register_info({"mem", "", "", "show the active virtual memory mappings", hmp_info_mem});
}

} // namespace

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_riscv_monitor);
