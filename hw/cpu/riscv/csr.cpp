// The CSRs: one table row each, with the read and write rules of the
// privileged spec. A CSR that is not in the table does not exist: reading it
// raises illegal-instruction, which is how firmware probes for features.
#include "hw/cpu/riscv/csr.h"

#include "core/log.h"

#include <array>

namespace mq::riscv {

namespace {

constexpr uint64_t MSTATUS_WRITABLE =
    MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP | MSTATUS_MPP |
    MSTATUS_FS | MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR;
constexpr uint64_t SSTATUS_MASK = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS |
                                  MSTATUS_SUM | MSTATUS_MXR | MSTATUS_UXL | MSTATUS_SD;
// Changing these changes how loads and stores translate.
constexpr uint64_t MSTATUS_MMU_BITS = MSTATUS_MPRV | MSTATUS_MPP | MSTATUS_SUM | MSTATUS_MXR;

constexpr uint64_t S_INTERRUPTS = MIP_SSIP | MIP_STIP | MIP_SEIP;
constexpr uint64_t ALL_INTERRUPTS = S_INTERRUPTS | MIP_MSIP | MIP_MTIP | MIP_MEIP;
constexpr uint64_t DELEGABLE_EXCEPTIONS = 0xb3ff; // all but M-ecall and the reserved causes

// Sscofpmf's local counter-overflow interrupt, where the hart has it.
uint64_t lcof(const Hart& h) { return h.isa.has(Ext::Sscofpmf) ? MIP_LCOFIP : 0; }

uint64_t mstatus_read(Hart& h) {
    uint64_t v = h.mstatus | (2ull << 32) | (2ull << 34); // UXL = SXL = 64
    if (((v & MSTATUS_FS) == MSTATUS_FS) || ((v & MSTATUS_XS) == MSTATUS_XS)) v |= MSTATUS_SD;
    return v;
}

void mstatus_write(Hart& h, uint64_t v) {
    uint64_t old = h.mstatus;
    // MPP: M, S or U; the reserved value 2 keeps what was there.
    if (((v & MSTATUS_MPP) >> 11) == 2) v = (v & ~MSTATUS_MPP) | (old & MSTATUS_MPP);
    // Without F, FS stays Off: there is no FPU state to track.
    uint64_t writable = MSTATUS_WRITABLE & ~(h.isa.has(Ext::F) ? 0 : MSTATUS_FS);
    h.mstatus = (old & ~writable) | (v & writable);
    // MPRV, MPP and SUM choose which TLB loads and stores use (data_tlb):
    // no entry changes meaning. MXR does change what a load may read.
    if ((old ^ h.mstatus) & MSTATUS_MMU_BITS) hart_update_data_priv(h);
    if ((old ^ h.mstatus) & MSTATUS_MXR) tlb_flush(h);
    h.irq_check.store(true, std::memory_order_relaxed);
}

void sstatus_write(Hart& h, uint64_t v) {
    uint64_t mask = SSTATUS_MASK & MSTATUS_WRITABLE;
    mstatus_write(h, (h.mstatus & ~mask) | (v & mask));
}

void tvec_write(uint64_t& reg, uint64_t v) {
    // Direct (0) or vectored (1); other modes are reserved.
    if ((v & 3) < 2) reg = v;
}

// mip: devices drive MSIP/MTIP/MEIP (and SEIP); software sets SSIP, STIP, SEIP.
// A read shows SEIP as the OR of the software bit and the PLIC's line, but
// csrrs/csrrc modify the software bit alone: firmware that sets STIP with
// `csrs mip` must not latch the PLIC's live SEIP as a software interrupt.
uint64_t mip_modify_base(Hart& h) { return (h.mip() & ~MIP_SEIP) | (h.mip_sw & MIP_SEIP); }

void mip_write(Hart& h, uint64_t v) {
    // Sstc: with menvcfg.STCE, stimecmp drives STIP and software cannot.
    uint64_t mask = (S_INTERRUPTS | lcof(h)) & ~((h.menvcfg & MENVCFG_STCE) ? MIP_STIP : 0);
    h.mip_sw = (h.mip_sw & ~mask) | (v & mask);
    h.irq_check.store(true, std::memory_order_relaxed);
}

void sip_write(Hart& h, uint64_t v) {
    uint64_t mask = (MIP_SSIP | lcof(h)) & h.mideleg;
    h.mip_sw = (h.mip_sw & ~mask) | (v & mask);
    h.irq_check.store(true, std::memory_order_relaxed);
}

void satp_write(Hart& h, uint64_t v) {
    uint64_t mode = v >> 60;
    if (mode != 0 && mode != 8 && mode != 9) return; // Bare, Sv39, Sv48; others are ignored
    if (mode == 0) v = 0;
    h.satp = v;
    tlb_flush(h);
}

bool fpu_on(const Hart& h) { return h.fs() != FS_OFF; }
bool satp_allowed(const Hart& h) { return !(h.priv == PRV_S && (h.mstatus & MSTATUS_TVM)); }

template <unsigned Bit>
bool counter_allowed(const Hart& h) {
    if (h.priv < PRV_M && !((h.mcounteren >> Bit) & 1)) return false;
    if (h.priv == PRV_U && !((h.scounteren >> Bit) & 1)) return false;
    return true;
}

bool time_allowed(const Hart& h) { return counter_allowed<1>(h) && h.rdtime; }

void fs_dirty(Hart& h) { h.mstatus |= MSTATUS_FS; }

void pmp_changed(Hart& h) {
    h.pmp_active = false;
    for (uint8_t cfg : h.pmpcfg) {
        if (cfg & 0x18) h.pmp_active = true;
    }
    tlb_flush(h);
}

constexpr uint8_t PMP_LOCK = 0x80, PMP_A = 0x18, PMP_TOR = 0x08, PMP_R = 1, PMP_W = 2;

template <unsigned Reg>
uint64_t pmpcfg_read(Hart& h) {
    uint64_t v = 0;
    for (unsigned b = 0; b < 8; b++)
        v |= uint64_t(h.pmpcfg[Reg * 4 + b]) << (8 * b);
    return v;
}

template <unsigned Reg>
void pmpcfg_write(Hart& h, uint64_t v) {
    for (unsigned b = 0; b < 8; b++) {
        uint8_t& cfg = h.pmpcfg[Reg * 4 + b];
        if (cfg & PMP_LOCK) continue; // locked until reset
        uint8_t nv = static_cast<uint8_t>(v >> (8 * b)) & 0x9f;
        if ((nv & (PMP_R | PMP_W)) == PMP_W) nv &= ~PMP_W; // W without R is reserved
        cfg = nv;
    }
    pmp_changed(h);
}

template <unsigned N>
uint64_t pmpaddr_read(Hart& h) {
    return h.pmpaddr[N];
}

template <unsigned N>
void pmpaddr_write(Hart& h, uint64_t v) {
    if (h.pmpcfg[N] & PMP_LOCK) return;
    if (N + 1 < 64 && (h.pmpcfg[N + 1] & PMP_LOCK) && (h.pmpcfg[N + 1] & PMP_A) == PMP_TOR) return;
    h.pmpaddr[N] = v & ((1ull << 54) - 1);
    pmp_changed(h);
}

uint64_t zero(Hart&) { return 0; }
void ignore(Hart&, uint64_t) {}

template <size_t... I>
constexpr auto pmpaddr_rows(std::index_sequence<I...>) {
    return std::array<CsrDef, sizeof...(I)>{
        CsrDef{uint16_t(0x3b0 + I), "pmpaddr", pmpaddr_read<I>, pmpaddr_write<I>}...};
}

template <size_t... I>
constexpr auto pmpcfg_rows(std::index_sequence<I...>) {
    // RV64 has the even-numbered pmpcfg registers only.
    return std::array<CsrDef, sizeof...(I)>{
        CsrDef{uint16_t(0x3a0 + 2 * I), "pmpcfg", pmpcfg_read<2 * I>, pmpcfg_write<2 * I>}...};
}

// clang-format off
const CsrDef kCsrs[] = {
    // Floating point
    {0x001, "fflags", [](Hart& h) -> uint64_t { return h.fflags; },
                      [](Hart& h, uint64_t v) { h.fflags = v & 0x1f; fs_dirty(h); }, fpu_on},
    {0x002, "frm",    [](Hart& h) -> uint64_t { return h.frm; },
                      [](Hart& h, uint64_t v) { h.frm = v & 7; fs_dirty(h); }, fpu_on},
    {0x003, "fcsr",   [](Hart& h) -> uint64_t { return h.frm << 5 | h.fflags; },
                      [](Hart& h, uint64_t v) { h.frm = (v >> 5) & 7; h.fflags = v & 0x1f; fs_dirty(h); }, fpu_on},
    // Counters, as user mode sees them
    // (cycle, instret and the machine counters are in pmu.cpp)
    {0xc01, "time",    [](Hart& h) { return h.rdtime(); }, nullptr, time_allowed},
    // Supervisor
    {0x100, "sstatus",    [](Hart& h) { return mstatus_read(h) & SSTATUS_MASK; }, sstatus_write},
    {0x104, "sie",        [](Hart& h) { return h.mie & h.mideleg; },
                          [](Hart& h, uint64_t v) { h.mie = (h.mie & ~h.mideleg) | (v & h.mideleg); h.irq_check = true; }},
    {0x105, "stvec",      [](Hart& h) { return h.stvec; }, [](Hart& h, uint64_t v) { tvec_write(h.stvec, v); }},
    {0x106, "scounteren", [](Hart& h) { return h.scounteren; }, [](Hart& h, uint64_t v) { h.scounteren = v & 0xffffffff; }},
    {0x10a, "senvcfg",    [](Hart& h) { return h.senvcfg; }, [](Hart& h, uint64_t v) { h.senvcfg = v & 1; }},
    {0x140, "sscratch",   [](Hart& h) { return h.sscratch; }, [](Hart& h, uint64_t v) { h.sscratch = v; }},
    {0x141, "sepc",       [](Hart& h) { return epc_read(h, h.sepc); }, [](Hart& h, uint64_t v) { h.sepc = v & ~1ull; }},
    {0x142, "scause",     [](Hart& h) { return h.scause; }, [](Hart& h, uint64_t v) { h.scause = v; }},
    {0x143, "stval",      [](Hart& h) { return h.stval; }, [](Hart& h, uint64_t v) { h.stval = v; }},
    {0x144, "sip",        [](Hart& h) { return h.mip() & h.mideleg; }, sip_write},
    {0x180, "satp",       [](Hart& h) { return h.satp; }, satp_write, satp_allowed},
    // Machine information
    {0xf11, "mvendorid",  zero, nullptr},
    {0xf12, "marchid",    zero, nullptr},
    {0xf13, "mimpid",     zero, nullptr},
    {0xf14, "mhartid",    [](Hart& h) -> uint64_t { return h.hartid; }, nullptr},
    {0xf15, "mconfigptr", zero, nullptr},
    // Machine trap setup and handling
    {0x300, "mstatus",    mstatus_read, mstatus_write},
    {0x301, "misa",       [](Hart& h) { return isa_misa(h.isa.exts); }, ignore},
    {0x302, "medeleg",    [](Hart& h) { return h.medeleg; }, [](Hart& h, uint64_t v) { h.medeleg = v & DELEGABLE_EXCEPTIONS; }},
    {0x303, "mideleg",    [](Hart& h) { return h.mideleg; },
                          [](Hart& h, uint64_t v) { h.mideleg = v & (S_INTERRUPTS | lcof(h)); h.irq_check = true; }},
    {0x304, "mie",        [](Hart& h) { return h.mie; },
                          [](Hart& h, uint64_t v) { h.mie = v & (ALL_INTERRUPTS | lcof(h)); h.irq_check = true; }},
    {0x305, "mtvec",      [](Hart& h) { return h.mtvec; }, [](Hart& h, uint64_t v) { tvec_write(h.mtvec, v); }},
    {0x306, "mcounteren", [](Hart& h) { return h.mcounteren; }, [](Hart& h, uint64_t v) { h.mcounteren = v & 0xffffffff; }},
    {0x30a, "menvcfg",    [](Hart& h) -> uint64_t { return h.menvcfg; }, [](Hart& h, uint64_t v) { h.menvcfg = v & 1; }},
    {0x340, "mscratch",   [](Hart& h) { return h.mscratch; }, [](Hart& h, uint64_t v) { h.mscratch = v; }},
    {0x341, "mepc",       [](Hart& h) { return epc_read(h, h.mepc); }, [](Hart& h, uint64_t v) { h.mepc = v & ~1ull; }},
    {0x342, "mcause",     [](Hart& h) { return h.mcause; }, [](Hart& h, uint64_t v) { h.mcause = v; }},
    {0x343, "mtval",      [](Hart& h) { return h.mtval; }, [](Hart& h, uint64_t v) { h.mtval = v; }},
    {0x344, "mip",        [](Hart& h) { return h.mip(); }, mip_write, nullptr, mip_modify_base},
};
// clang-format on

const auto kPmpCfg = pmpcfg_rows(std::make_index_sequence<8>());
const auto kPmpAddr = pmpaddr_rows(std::make_index_sequence<64>());

// Every CSR number, with the row that defines it (later tables win).
struct Lookup {
    std::array<const CsrDef*, 4096> by_num{};
    Lookup() {
        for (std::span<const CsrDef> table : csr_tables()) {
            for (const CsrDef& d : table)
                by_num[d.num] = &d;
        }
    }
};

const Lookup& lookup() {
    static const Lookup l;
    return l;
}

// The privilege a CSR needs is in bits 9:8 of its number; read-only ones
// have 11 in bits 11:10.
bool accessible(const Hart& h, const CsrDef* d, unsigned csr) {
    if (!d || (d->ext && !(d->ext & h.isa.exts))) return false;
    if (h.priv < ((csr >> 8) & 3)) return false;
    return !d->check || d->check(h);
}

} // namespace

const std::vector<std::span<const CsrDef>>& csr_tables() {
    static const std::vector<std::span<const CsrDef>> tables = {
        kCsrs, kPmpCfg, kPmpAddr, pmu_csrs(), trigger_csrs(), csr_table_zkr(), csr_table_envcfg()};
    return tables;
}

CsrResult csr_read(Hart& h, unsigned csr, uint64_t* value, CsrAccess access) {
    const CsrDef* d = lookup().by_num[csr & 0xfff];
    if (!accessible(h, d, csr)) return CsrResult::Illegal;
    if (access == CsrAccess::ReadOnly && d->min_access == CsrAccess::ReadWrite)
        return CsrResult::Illegal;
    *value = d->read(h);
    return CsrResult::Ok;
}

CsrResult csr_read_modify_base(Hart& h, unsigned csr, uint64_t* value) {
    const CsrDef* d = lookup().by_num[csr & 0xfff];
    if (!accessible(h, d, csr)) return CsrResult::Illegal;
    *value = d->modify_base ? d->modify_base(h) : d->read(h);
    return CsrResult::Ok;
}

CsrResult csr_write(Hart& h, unsigned csr, uint64_t value) {
    const CsrDef* d = lookup().by_num[csr & 0xfff];
    if (!accessible(h, d, csr) || ((csr >> 10) & 3) == 3 || !d->write) return CsrResult::Illegal;
    d->write(h, value);
    return CsrResult::Ok;
}

CsrResult csr_read_debug(Hart& h, unsigned csr, uint64_t* value) {
    const CsrDef* d = lookup().by_num[csr & 0xfff];
    if (!d || (d->ext && !(d->ext & h.isa.exts))) return CsrResult::Illegal;
    *value = d->read(h);
    return CsrResult::Ok;
}

CsrResult csr_write_debug(Hart& h, unsigned csr, uint64_t value) {
    const CsrDef* d = lookup().by_num[csr & 0xfff];
    if (!d || !d->write || (d->ext && !(d->ext & h.isa.exts))) return CsrResult::Illegal;
    d->write(h, value);
    return CsrResult::Ok;
}

const char* csr_name(unsigned csr) {
    static thread_local std::string buf;
    const CsrDef* d = lookup().by_num[csr & 0xfff];
    if (!d) {
        buf = fmt::format("0x{:03x}", csr);
        return buf.c_str();
    }
    std::string_view n = d->name;
    if (n == "pmpaddr" || n == "pmpcfg" || n == "hpmcounter" || n == "mhpmcounter" ||
        n == "mhpmevent") {
        unsigned idx = n == "pmpaddr" ? csr - 0x3b0 : n == "pmpcfg" ? csr - 0x3a0 : csr & 0x1f;
        buf = fmt::format("{}{}", n, idx);
        return buf.c_str();
    }
    return d->name;
}

std::string hart_dump_registers(Hart& h) {
    static constexpr const char* abi[32] = {"zero", "ra", "sp",  "gp",  "tp", "t0", "t1", "t2",
                                            "s0",   "s1", "a0",  "a1",  "a2", "a3", "a4", "a5",
                                            "a6",   "a7", "s2",  "s3",  "s4", "s5", "s6", "s7",
                                            "s8",   "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
    std::string out = fmt::format("CPU#{}\n V      =   0\n pc       {:016x}\n", h.hartid, h.pc);
    for (unsigned csr : {0xf14u, 0x300u, 0x344u, 0x304u, 0x303u, 0x302u, 0x305u, 0x105u, 0x341u,
                         0x141u, 0x342u, 0x142u, 0x343u, 0x143u, 0x340u, 0x140u, 0x180u}) {
        uint64_t v = 0;
        PrivLevel saved = h.priv;
        h.priv = PRV_M; // the monitor sees everything
        (void)csr_read(h, csr, &v);
        h.priv = saved;
        out += fmt::format(" {:<8} {:016x}\n", csr_name(csr), v);
    }
    out += fmt::format(" priv     {}\n", h.priv == PRV_M ? "M" : h.priv == PRV_S ? "S" : "U");
    for (unsigned r = 0; r < 32; r++) {
        out += fmt::format(" x{:<2}/{:<4} {:016x}", r, abi[r], h.x[r]);
        if (r % 4 == 3) out += "\n";
    }
    return out;
}

} // namespace mq::riscv
