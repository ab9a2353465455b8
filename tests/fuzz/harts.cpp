#include "tests/fuzz/harts.h"

#include <unicorn/unicorn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace mq::fuzz {

namespace {

// A value mcause never takes: still there after the run, no trap was taken.
constexpr uint64_t kNoTrap = 0xdead;

// How long a stream may run before it counts as a loop: a stream only
// branches forward, but a computed jump can land anywhere.
uint64_t step_limit(const Stream& s) { return 4 * s.insns.size() + 64; }

} // namespace

// --- ours ---

OurHart::OurHart() {
    memory_region_init(&m_root, nullptr, "fuzz-root", UINT64_MAX);
    if (!memory_region_init_ram(&m_code, nullptr, "fuzz-code", CODE_SIZE) ||
        !memory_region_init_ram(&m_data, nullptr, "fuzz-data", DATA_SIZE)) {
        std::fprintf(stderr, "insn_diff_fuzz: cannot allocate RAM\n");
        std::exit(2);
    }
    memory_region_add_subregion(&m_root, CODE, &m_code);
    memory_region_add_subregion(&m_root, DATA, &m_data);
    address_space_init(&m_as, &m_root, "fuzz");
    m_hart.as = &m_as;
    m_hart.isa.exts = kUnicornExts;
    riscv::hart_reset(m_hart);
    riscv::hart_flush_code(m_hart);
}

OurHart::~OurHart() { riscv::hart_flush_code(m_hart); }

Outcome OurHart::run(const Stream& s) {
    riscv::Hart& h = m_hart;
    std::vector<uint8_t> page = s.code_page();
    std::memcpy(m_code.ram_ptr(), page.data(), CODE_SIZE);
    riscv::hart_invalidate_code(h, m_code.ram_ptr(), CODE_SIZE);
    std::memcpy(m_data.ram_ptr(), s.data.data(), DATA_SIZE);
    for (unsigned i = 0; i < 32; i++)
        h.x.set(i, s.x[i]);
    h.f = s.f;
    h.fflags = s.fcsr & 0x1f;
    h.frm = (s.fcsr >> 5) & 7;
    h.priv = riscv::PRV_M;
    riscv::hart_update_data_priv(h);
    h.mstatus = riscv::MSTATUS_FS; // Dirty, as Unicorn's after set-up
    h.mtvec = TRAP_VECTOR;
    h.mcause = kNoTrap;
    h.reservation = ~0ull;
    h.halted = false;
    h.trap_pending = false;
    h.pc = CODE;
    h.irq_check.store(true);
    std::atomic<bool> stop{false};
    riscv::hart_run(h, step_limit(s), stop);

    Outcome o;
    if (h.mcause != kNoTrap) {
        o.end = Outcome::End::Trapped;
        o.cause = h.mcause;
        o.epc = h.mepc;
        o.tval = h.mtval;
    } else if (h.pc != s.end()) {
        o.end = Outcome::End::Looped;
    }
    for (unsigned i = 0; i < 32; i++)
        o.x[i] = h.x[i];
    o.f = h.f;
    o.fcsr = h.frm << 5 | h.fflags;
    o.code.assign(m_code.ram_ptr(), m_code.ram_ptr() + CODE_SIZE);
    o.data.assign(m_data.ram_ptr(), m_data.ram_ptr() + DATA_SIZE);
    return o;
}

// --- Unicorn ---

namespace {

void check(uc_err e, const char* what) {
    if (e != UC_ERR_OK) {
        std::fprintf(stderr, "insn_diff_fuzz: unicorn: %s: %s\n", what, uc_strerror(e));
        std::exit(2);
    }
}

// An exception: Unicorn calls this instead of taking the trap (and leaves
// pc past the instruction), so stop here.
void on_intr(uc_engine* uc, uint32_t intno, void* user) {
    static_cast<UnicornHart*>(user)->m_intno = static_cast<int>(intno);
    uc_emu_stop(uc);
}

void on_block(uc_engine* uc, uint64_t address, uint32_t size, void* user) {
    auto* u = static_cast<UnicornHart*>(user);
    u->m_entered.emplace_back(address, size);
    if (++u->m_blocks > u->m_block_limit) uc_emu_stop(uc);
}

struct RegTable {
    int ids[66];
    RegTable() {
        for (int i = 0; i < 32; i++) {
            ids[i] = UC_RISCV_REG_X0 + i;
            ids[32 + i] = UC_RISCV_REG_F0 + i;
        }
        ids[64] = UC_RISCV_REG_FCSR;
        ids[65] = UC_RISCV_REG_PC;
    }
};
const RegTable kRegs;

} // namespace

UnicornHart::UnicornHart() { open(); }

void UnicornHart::open() {
    check(uc_open(UC_ARCH_RISCV, UC_MODE_RISCV64, &m_uc), "uc_open");
    check(uc_mem_map(m_uc, CODE, CODE_SIZE, UC_PROT_ALL), "map code");
    check(uc_mem_map(m_uc, DATA, DATA_SIZE, UC_PROT_ALL), "map data");
    uc_hook h;
    check(uc_hook_add(m_uc, &h, UC_HOOK_INTR, reinterpret_cast<void*>(on_intr), this, 1, 0),
          "intr hook");
    check(uc_hook_add(m_uc, &h, UC_HOOK_BLOCK, reinterpret_cast<void*>(on_block), this, 1, 0),
          "block hook");
    // Unicorn starts in M-mode (QEMU's reset) with mstatus 0: FP off.
    uint64_t mstatus = 3ull << 13;
    check(uc_reg_write(m_uc, UC_RISCV_REG_MSTATUS, &mstatus), "mstatus");
    check(uc_context_alloc(m_uc, &m_ctx), "context");
    check(uc_context_save(m_uc, m_ctx), "context save");
}

UnicornHart::~UnicornHart() { close(); }

void UnicornHart::close() {
    uc_context_free(m_ctx);
    uc_close(m_uc);
}

Outcome UnicornHart::run(const Stream& s) {
    // Unicorn 2.0.1 crashes in its translation-block invalidation
    // (page_collection_lock) after some hundred thousand streams: start
    // afresh well before that.
    if (++m_runs % kRunsPerOpen == 0) {
        close();
        open();
    }
    check(uc_context_restore(m_uc, m_ctx), "context restore");
    std::vector<uint8_t> page = s.code_page();
    check(uc_mem_write(m_uc, CODE, page.data(), CODE_SIZE), "write code");
    check(uc_ctl_remove_cache(m_uc, CODE, CODE + CODE_SIZE), "flush code");
    check(uc_mem_write(m_uc, DATA, s.data.data(), DATA_SIZE), "write data");
    uint64_t vals[66];
    void* ptrs[66];
    for (int i = 0; i < 32; i++) {
        vals[i] = s.x[i];
        vals[32 + i] = s.f[i];
    }
    vals[64] = s.fcsr;
    vals[65] = CODE;
    for (int i = 0; i < 66; i++)
        ptrs[i] = &vals[i];
    check(uc_reg_write_batch(m_uc, const_cast<int*>(kRegs.ids), ptrs, 66), "write regs");

    m_intno = -1;
    m_blocks = 0;
    m_entered.clear();
    m_block_limit = step_limit(s);
    uc_err e = uc_emu_start(m_uc, CODE, s.end(), 0, 0);

    Outcome o;
    check(uc_reg_read_batch(m_uc, const_cast<int*>(kRegs.ids), ptrs, 65), "read regs");
    for (int i = 0; i < 32; i++) {
        o.x[i] = vals[i];
        o.f[i] = vals[32 + i];
    }
    o.fcsr = static_cast<uint32_t>(vals[64]);
    uint64_t pc = 0;
    uc_reg_read(m_uc, UC_RISCV_REG_PC, &pc);
    // Unicorn's ways of ending, as the RISC-V causes they stand for.
    switch (e) {
    case UC_ERR_OK:
        if (m_intno >= 0) {
            o.end = Outcome::End::Trapped;
            // The hook sees QEMU's raw cause: ecall is always U-mode's,
            // QEMU adds the privilege when it takes the trap. We run in M.
            o.cause = m_intno == 8 ? 11 : static_cast<uint64_t>(m_intno);
        } else if (pc != s.end()) {
            o.end = Outcome::End::Looped;
        }
        break;
    case UC_ERR_INSN_INVALID: // ebreak stops Unicorn without calling the hook
        o.end = Outcome::End::Trapped;
        o.cause = 3;
        break;
    case UC_ERR_READ_UNMAPPED:
        o.end = Outcome::End::Trapped;
        o.cause = 5;
        break;
    case UC_ERR_WRITE_UNMAPPED:
        o.end = Outcome::End::Trapped;
        o.cause = 7;
        break;
    case UC_ERR_FETCH_UNMAPPED:
        o.end = Outcome::End::Trapped;
        o.cause = 1;
        break;
    default:
        o.end = Outcome::End::Trapped;
        o.cause = 0x1000 + e; // no RISC-V cause: shows up as a difference
        break;
    }
    o.code.resize(CODE_SIZE);
    o.data.resize(DATA_SIZE);
    check(uc_mem_read(m_uc, CODE, o.code.data(), CODE_SIZE), "read code");
    check(uc_mem_read(m_uc, DATA, o.data.data(), DATA_SIZE), "read data");
    o.blocks = m_entered;
    return o;
}

} // namespace mq::fuzz
