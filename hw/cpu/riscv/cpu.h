// A RISC-V hart: RV64GC with M/S/U modes, Sv39/Sv48 and PMP
// (QEMU: target/riscv; the RISC-V unprivileged and privileged specs).
//
// The architectural state is plain data (struct Hart). What the hart does
// lives in separate files:
//   insn-table.cpp  every instruction: one table row and its meaning
//                   (insn-table-fp/-bitmanip/-crypto.cpp: F and D; Zb*
//                   and Zicond; scalar crypto; insn-table-cbo.cpp:
//                   Zicbom/Zicboz/Zicbop; insn-table-svinval.cpp: Svinval)
//   decode.cpp      the table turned into a decoder; RVC expansion; in_asm
//   exec.cpp        the block cache and the execution loop
//   mmu.cpp         the soft TLB, page walks (Svpbmt, Svnapot), PMP, loads,
//                   stores and cache-block operations
//   csr.cpp         the CSRs, one table row each (csr-zkr.cpp: seed, mseccfg;
//                   csr-envcfg.cpp: menvcfg, senvcfg, and Sstc's stimecmp)
//   trap.cpp        exceptions, interrupts, xRET
//   pmu.cpp         the counters: mcycle, minstret, Zihpm, Sscofpmf
//   debug-trigger.cpp  Sdtrig: execute, load/store and icount triggers
//   fpu.cpp         F and D arithmetic with IEEE flags (host FPU, or fpu-soft.h)
//   fpu-half.cpp    half-precision arithmetic (Zfh), in software (fpu-soft.h)
//   insn-table-fp.cpp, insn-table-zfh.cpp  the F/D and Zfh/Zfhmin rows (insn-fp.h)
// The hart reaches memory only through the memory API (an AddressSpace).
#pragma once

#include "core/memory.h"
#include "core/qdev/qdev.h"
#include "hw/cpu/riscv/insn.h"

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

namespace mq {
class QEMUTimer;
}

namespace mq::riscv {

enum PrivLevel : uint8_t { PRV_U = 0, PRV_S = 1, PRV_M = 3 };

// Exception causes (mcause with bit 63 clear).
enum Exception : uint64_t {
    EXCP_INST_ADDR_MIS = 0,
    EXCP_INST_ACCESS_FAULT = 1,
    EXCP_ILLEGAL_INST = 2,
    EXCP_BREAKPOINT = 3,
    EXCP_LOAD_ADDR_MIS = 4,
    EXCP_LOAD_ACCESS_FAULT = 5,
    EXCP_STORE_AMO_ADDR_MIS = 6,
    EXCP_STORE_AMO_ACCESS_FAULT = 7,
    EXCP_U_ECALL = 8,
    EXCP_S_ECALL = 9,
    EXCP_M_ECALL = 11,
    EXCP_INST_PAGE_FAULT = 12,
    EXCP_LOAD_PAGE_FAULT = 13,
    EXCP_STORE_PAGE_FAULT = 15,
};

// Interrupt numbers: bits of mip/mie, and the hart's gpio inputs.
enum Interrupt : unsigned {
    IRQ_S_SOFT = 1,
    IRQ_M_SOFT = 3,
    IRQ_S_TIMER = 5,
    IRQ_M_TIMER = 7,
    IRQ_S_EXT = 9,
    IRQ_M_EXT = 11,
    IRQ_LCOF = 13, // Sscofpmf: local counter overflow
};
inline constexpr uint64_t MIP_SSIP = 1u << IRQ_S_SOFT;
inline constexpr uint64_t MIP_MSIP = 1u << IRQ_M_SOFT;
inline constexpr uint64_t MIP_STIP = 1u << IRQ_S_TIMER;
inline constexpr uint64_t MIP_MTIP = 1u << IRQ_M_TIMER;
inline constexpr uint64_t MIP_SEIP = 1u << IRQ_S_EXT;
inline constexpr uint64_t MIP_MEIP = 1u << IRQ_M_EXT;
inline constexpr uint64_t MIP_LCOFIP = 1u << IRQ_LCOF;

// mstatus fields.
inline constexpr uint64_t MSTATUS_SIE = 1ull << 1;
inline constexpr uint64_t MSTATUS_MIE = 1ull << 3;
inline constexpr uint64_t MSTATUS_SPIE = 1ull << 5;
inline constexpr uint64_t MSTATUS_UBE = 1ull << 6;
inline constexpr uint64_t MSTATUS_MPIE = 1ull << 7;
inline constexpr uint64_t MSTATUS_SPP = 1ull << 8;
inline constexpr uint64_t MSTATUS_MPP = 3ull << 11;
inline constexpr uint64_t MSTATUS_FS = 3ull << 13;
inline constexpr uint64_t MSTATUS_XS = 3ull << 15;
inline constexpr uint64_t MSTATUS_MPRV = 1ull << 17;
inline constexpr uint64_t MSTATUS_SUM = 1ull << 18;
inline constexpr uint64_t MSTATUS_MXR = 1ull << 19;
inline constexpr uint64_t MSTATUS_TVM = 1ull << 20;
inline constexpr uint64_t MSTATUS_TW = 1ull << 21;
inline constexpr uint64_t MSTATUS_TSR = 1ull << 22;
inline constexpr uint64_t MSTATUS_UXL = 3ull << 32;
inline constexpr uint64_t MSTATUS_SXL = 3ull << 34;
inline constexpr uint64_t MSTATUS_SD = 1ull << 63;
inline constexpr uint64_t FS_OFF = 0, FS_INITIAL = 1, FS_CLEAN = 2, FS_DIRTY = 3;

// menvcfg/senvcfg fields (csr-envcfg.cpp).
inline constexpr uint64_t ENVCFG_FIOM = 1ull << 0;
inline constexpr uint64_t ENVCFG_CBIE = 3ull << 4;
inline constexpr uint64_t ENVCFG_CBCFE = 1ull << 6;
inline constexpr uint64_t ENVCFG_CBZE = 1ull << 7;
inline constexpr uint64_t MENVCFG_PBMTE = 1ull << 62;
inline constexpr uint64_t MENVCFG_STCE = 1ull << 63;

// Where a decoded instruction whose destination is x0 writes: a 33rd slot
// that nothing reads (the block builder puts it in DecodedInsn::rd).
inline constexpr uint8_t kXSink = 32;

// x0 is hard-wired to zero by its type: set() discards writes to it.
class XRegs {
public:
    uint64_t operator[](unsigned i) const { return m_r[i]; }
    void set(unsigned i, uint64_t v) {
        m_r[i] = v;
        m_r[0] = 0;
    }
    // A decoded instruction's write to its rd, which is never 0 (x0 is
    // kXSink there): one store, where set() takes two.
    void set_rd(unsigned rd, uint64_t v) { m_r[rd] = v; }
    void clear() { m_r.fill(0); }

private:
    std::array<uint64_t, 33> m_r{};
};

// One soft-TLB entry: a virtual page and where it lives in host memory.
struct TlbEntry {
    uint64_t tag = ~0ull; // the virtual page address, or ~0 when empty
    uintptr_t addend = 0; // host pointer = virtual address + addend
};
inline constexpr unsigned TLB_BITS = 8;
inline constexpr unsigned TLB_SIZE = 1u << TLB_BITS;
using Tlb = std::array<TlbEntry, TLB_SIZE>;
inline constexpr uint64_t PAGE_MASK = ~0xfffull;

enum class Access { Load, Store, Fetch };

// An MMIO page in the soft TLB: loads and stores to it go straight to the
// region, skipping the walk, PMP and the flat-view lookup.
struct IoTlbEntry {
    uint64_t tag = ~0ull;
    MemoryRegion* mr = nullptr;
    hwaddr base = 0; // the region offset of the page start
};
using IoTlb = std::array<IoTlbEntry, TLB_SIZE>;

// A run of decoded instructions from one page (exec.cpp).
struct Block {
    uint64_t vpc = 0;              // the virtual pc it was decoded at
    const uint8_t* host = nullptr; // where its bytes live: the cache key
    MemoryRegion* mr = nullptr;
    hwaddr mr_offset = 0;
    uint32_t bytes = 0;
    bool valid = true;
    // Kept in the cache, with its code tracked. A block that is not (code
    // outside RAM, an instruction across two pages) is decoded for one run
    // and never chained into.
    bool cached = false;
    std::vector<DecodedInsn> insns; // ends with the block-end sentinel
};

// Why a hart stopped for the debugger (gdb-target.cpp).
enum class DebugStopKind : uint8_t { None, Breakpoint, Step, Watchpoint };

// Not a RISC-V cause: a load or store hit a watchpoint. The hart stops at
// the instruction, before the access (as QEMU's stub does).
inline constexpr uint64_t EXCP_DEBUG_WATCH = 0x10000;

// Whether harts run on host threads of their own (-accel tcg,thread=multi):
// then fences order the host's memory accesses too. Set before they start.
extern bool g_harts_parallel;

struct Hart;
// A hart's decoded blocks and jump cache (exec.cpp).
struct BlockCache;
// Bumps the hart's translation epoch: whenever a translation may have
// changed (TLB flushes), and when its decoded code is invalidated or freed.
// Block links made under an older epoch are void.
void translation_epoch_bump(Hart& h);
// Whether a block link of this epoch may leave from or lead into the
// virtual page of `va` (false: certainly none does).
bool hart_links_page(const Hart& h, uint64_t va);

struct Hart {
    // --- the hot path: registers, pc, the soft TLBs ---
    XRegs x;
    uint64_t pc = 0;
    uint64_t block_pc = 0; // virtual pc of the block being executed
    // Its first instruction, where a loop that is one block goes round
    // (loop_back). Read from here rather than worked out from the branch's
    // own entry (i - i->index), the next pass's handlers do not wait for a
    // load that waits for the pass before: in a tight loop that chain, not
    // the work, was what each pass took.
    const DecodedInsn* block_insns = nullptr;
    std::array<uint64_t, 32> f{}; // NaN-boxed
    PrivLevel priv = PRV_M;
    PrivLevel data_priv = PRV_M; // priv for loads/stores (MPRV)
    // Which of the four TLBs loads and stores use: data_priv's, except that
    // S with mstatus.SUM, which may reach user pages, has the spare slot 2
    // (no privilege level uses it). Linux sets and clears SUM around every
    // access to user memory; switching TLBs keeps both halves warm.
    uint8_t data_tlb = PRV_M;
    // Indexed by effective privilege (U, S, S with SUM, M); the fetch TLB by
    // privilege alone.
    std::array<Tlb, 4> tlb_load{};
    std::array<Tlb, 4> tlb_store{};
    std::array<Tlb, 4> tlb_exec{};
    std::array<IoTlb, 4> iotlb_load{};
    std::array<IoTlb, 4> iotlb_store{};
    // tlb_load[data_tlb] and tlb_store[data_tlb], where loads and stores
    // look first (hart_update_data_priv keeps them in step with data_tlb).
    TlbEntry* data_load_tlb = tlb_load[PRV_M].data();
    TlbEntry* data_store_tlb = tlb_store[PRV_M].data();
    // The soft TLB keeps 4 KiB pages, also of a superpage or NAPOT range. An
    // sfence.vma of one address must drop the whole range the address's
    // translation covered: the one range (tlb_large_addr, under
    // tlb_large_mask) that holds every larger page filled since the last full
    // flush is flushed whole (QEMU's large-page tracking). ~0: none.
    uint64_t tlb_large_addr = ~0ull;
    uint64_t tlb_large_mask = 0;
    uint64_t instret = 0; // instructions retired, kept per block
    // Chaining: how many more blocks may run before returning to the loop,
    // and the instruction through which the last block left.
    uint32_t chain_left = 0;
    const DecodedInsn* exit_insn = nullptr;
    // The translation epoch and privilege in one word; a block link made
    // under another key is not followed.
    uint64_t link_key = 0;

    // --- a trap raised while executing ---
    bool trap_pending = false;
    uint64_t trap_cause = 0;
    uint64_t trap_tval = 0;
    // The address a failed load, store or fetch reports in mtval/stval:
    // where the access started, or the part of it that faulted.
    uint64_t mem_fault_va = 0;

    // --- CSRs ---
    uint64_t mstatus = 0;
    uint64_t misa = 0;
    uint64_t medeleg = 0, mideleg = 0;
    uint64_t mie = 0;
    uint64_t mip_sw = 0;             // SSIP, STIP, SEIP as software set them
    std::atomic<uint64_t> mip_hw{0}; // MSIP, MTIP, MEIP, SEIP driven by devices
    uint64_t mtvec = 0, stvec = 0;
    uint64_t mscratch = 0, sscratch = 0;
    uint64_t mepc = 0, sepc = 0;
    uint64_t mcause = 0, scause = 0;
    uint64_t mtval = 0, stval = 0;
    uint64_t satp = 0;
    uint64_t mcounteren = 0, scounteren = 0, mcountinhibit = 0;
    // menvcfg's STCE and stimecmp are read by the stimecmp timer, which
    // fires on whichever vCPU thread runs the timers: atomics.
    std::atomic<uint64_t> menvcfg{0};
    uint64_t senvcfg = 0;
    uint64_t mseccfg = 0; // Zkr: USEED, SSEED (csr-zkr.cpp)
    uint32_t fflags = 0, frm = 0;
    // What this hart implements (-cpu): the decoder's enabled rows, misa.
    IsaConfig isa;
    std::array<uint8_t, 64> pmpcfg{};
    std::array<uint64_t, 64> pmpaddr{};
    bool pmp_active = false; // any PMP entry not OFF

    // --- Sstc, envcfg (csr-envcfg.cpp) ---
    std::atomic<uint64_t> stimecmp{0};
    uint64_t timebase_freq = 0;        // ticks per second of `time` (the platform's)
    std::unique_ptr<QEMUTimer> stimer; // fires when time reaches stimecmp

    // LR/SC: the reserved address and the value LR saw (SC compares it).
    uint64_t reservation = ~0ull;
    uint64_t reservation_value = 0;

    // --- Sdtrig triggers (debug-trigger.cpp) and the Zihpm/Sscofpmf PMU (pmu.cpp) ---
    struct Trigger {
        uint64_t tdata1 = 2ull << 60; // QEMU's reset value: an mcontrol that matches nothing
        uint64_t tdata2 = 0;
    };
    struct Triggers {
        std::array<Trigger, 2> t{}; // QEMU's RV_MAX_TRIGGERS
        unsigned select = 0;
        // Derived from t on every write, so that the hot paths test one bool:
        bool step = false; // an execute or icount trigger is armed: one instruction at a time
        bool mem = false;  // a load/store trigger is armed: its pages stay out of the soft TLB
        bool icount_skip = false; // the instruction that wrote an icount trigger does not count
    } trig;
    struct Pmu {
        // Counter n (0 mcycle, 2 minstret, 3..31 mhpmcounter) reads as
        // value + (source now - base), its source the instructions retired
        // in the modes it counts (pmu.cpp).
        std::array<uint64_t, 32> value{};
        std::array<uint64_t, 32> base{};
        std::array<uint64_t, 32> event{}; // mhpmevent3..31 (0..2 unused)
        // Instructions retired in each privilege, up to `mark`; what came
        // after it belongs to mark_priv.
        std::array<uint64_t, 4> retired{};
        uint64_t mark = 0;
        PrivLevel mark_priv = PRV_M;
        // h.instret at or before which no counter can overflow: checked
        // between blocks.
        uint64_t deadline = ~0ull;
    } pmu;

    // --- wiring ---
    uint32_t hartid = 0;
    uint64_t resetvec = 0x1000;
    AddressSpace* as = nullptr;
    // The flat view of `as` this hart's thread took last, and the generation
    // it had then (hart_flatview).
    std::shared_ptr<const FlatView> view;
    uint64_t view_generation = ~0ull;
    std::function<uint64_t()> rdtime; // the platform's mtime
    bool halted = false;              // in WFI
    // Set by anyone who may have made an interrupt pending; checked between blocks.
    std::atomic<bool> irq_check{false};
    std::atomic<bool> tlb_flush_request{false};
    // The big lock, kept from an MMIO access to the end of the chain of
    // blocks (mmu.cpp, dispatch_io); keeping is off for the rest of the
    // slice once someone has waited for it.
    bool bql_kept = false;
    bool bql_keep_ok = true;

    // --- the debugger (gdb-target.cpp); set only while the vCPU thread is stopped ---
    struct Debug {
        bool step = false;   // run one instruction with interrupts held off, then stop
        bool frozen = false; // stays stopped while the other harts run
        DebugStopKind stop = DebugStopKind::None;
        uint64_t watch_addr = 0; // the watchpoint that fired
        uint8_t watch_type = 0;  // its DebugPointType
    } dbg;

    // --- this hart's decoded code (exec.cpp): blocks, the jump cache from
    // virtual pc to block, and what other threads asked it to invalidate.
    // Only the hart's own thread touches it while the hart runs. ---
    std::unique_ptr<BlockCache> blocks;
    uint64_t code_epoch = 1; // see translation_epoch_bump
    uint64_t code_owner = 0; // this cache's bit in MemoryRegion::set_code

    Hart();
    ~Hart();
    Hart(const Hart&) = delete;
    Hart& operator=(const Hart&) = delete;

    // With menvcfg.STCE, STIP is stimecmp's (in mip_hw), not software's.
    uint64_t mip() const {
        uint64_t sw = (menvcfg & MENVCFG_STCE) ? mip_sw & ~MIP_STIP : mip_sw;
        return mip_hw.load(std::memory_order_relaxed) | sw;
    }
    uint64_t fs() const { return (mstatus & MSTATUS_FS) >> 13; }

    // Leaves the block with an exception at instruction `i`.
    const DecodedInsn* raise(const DecodedInsn* i, uint64_t cause, uint64_t tval);
    // Leaves the block after `i`, continuing at `target`: straight into the
    // next block when `i` links to it, else back to the loop.
    const DecodedInsn* jump(const DecodedInsn* i, uint64_t target) {
        return leave(i, target, i->index + 1u);
    }
    const DecodedInsn* leave(const DecodedInsn* i, uint64_t target, unsigned retired);
    // Leaves the block through `i`, a jump back to the block's own start.
    const DecodedInsn* loop_back(const DecodedInsn* i);
    uint64_t pc_of(const DecodedInsn* i) const { return block_pc + i->pc_off; }
};

// Threaded dispatch. A handler that is done hands over to the next
// instruction with a tail call, which an optimising compiler turns into one
// indirect jump: every handler then has a jump of its own for the host to
// predict, and hart_run's loop is visited only when a chain of blocks ends.
// Without optimisation, or under ASan/TSan (whose frame bookkeeping forbids
// tail calls), the calls would nest, so there a handler returns the next
// instruction to the loop instead. Either way the depth is bounded by a
// block's length times chain_left.
#if defined(__OPTIMIZE__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
inline constexpr bool kThreadedDispatch = true;
#else
inline constexpr bool kThreadedDispatch = false;
#endif

// Goes on with the instruction after `i` in its block. A handler that
// forwards (see Handlers) passes the value it wrote to rd as `fwd`.
inline const DecodedInsn* next_insn(Hart& h, const DecodedInsn* i, uint64_t fwd = 0) {
    if constexpr (kThreadedDispatch) {
        // The empty asm statements shape the jump: `i` is stepped in its own
        // register (add $56, %rsi), not computed beside the old one and then
        // copied, and the handler's address is loaded into a register to
        // jump through (a jump through memory is slower on x86-64). One
        // host instruction fewer in every handler.
        ++i;
        asm("" : "+r"(i));
        InsnHandler fn = i->fn;
        asm("" : "+r"(fn));
        return fn(h, i, fwd);
    }
    return i + 1;
}

// Goes on at `i`, the first instruction of a chained block, or back to the
// loop when it is null.
inline const DecodedInsn* continue_at(Hart& h, const DecodedInsn* i) {
    if constexpr (kThreadedDispatch) return i ? i->fn(h, i, 0) : nullptr;
    return i;
}

inline const DecodedInsn* Hart::leave(const DecodedInsn* i, uint64_t target, unsigned retired) {
    pc = target;
    instret += retired;
    Block* next = i->link;
    if (i->link_key == link_key && next->vpc == target && --chain_left > 0 &&
        !irq_check.load(std::memory_order_relaxed)) {
        block_pc = target;
        block_insns = next->insns.data();
        return continue_at(*this, block_insns);
    }
    exit_insn = i;
    return nullptr;
}

// A loop that is one block goes round without a lookup or a link: the block
// is the one at block_pc, and nothing a link guards can have changed since
// it was entered, because a change of the link key ends the chain
// (hart_update_link_key). Only the chain's budget and interrupts are checked.
inline const DecodedInsn* Hart::loop_back(const DecodedInsn* i) {
    instret += i->index + 1u;
    if (--chain_left > 0 && !irq_check.load(std::memory_order_relaxed))
        return continue_at(*this, block_insns);
    pc = block_pc;
    exit_insn = i;
    return nullptr;
}

// --- behaviour (the files listed at the top) ---

void hart_reset(Hart& h);
// Runs blocks until `budget` steps are spent, the hart halts in WFI, or
// `stop` is set. A step is an instruction retired or a trap taken, so a trap
// loop that retires nothing still ends its slice and lets timers fire.
// Returns the steps spent (what -icount turns into time; on QEMU too a
// faulting instruction uses up its share of the instruction count).
uint64_t hart_run(Hart& h, uint64_t budget, const std::atomic<bool>& stop);
// Whether an enabled interrupt is pending (what ends WFI).
bool hart_has_work(const Hart& h);
// A device drives local interrupt line `irq` (MSIP, MTIP, MEIP, SEIP).
// Returns whether the line went up: only then may the hart have something
// new to take or to wake from WFI for, and only then does it look (a line
// that goes down, or is driven again at its level, changes nothing it has
// not seen; what unmasks a line, such as a write of mie, makes it look).
bool hart_set_irq(Hart& h, unsigned irq, bool level);

// mmu.cpp
// The current flat view of the hart's address space, for its own thread:
// the one it took last, unless a newer one was published since.
const FlatView& hart_flatview(Hart& h);
void tlb_flush(Hart& h);
// Drops the big lock if the hart kept it after MMIO (hart_run, at the end of
// each chain of blocks).
void hart_bql_drop(Hart& h);
// sfence.vma (and sinval.vma) with register rs1: x0 flushes everything;
// another names one virtual address, whose page goes (everything, when it
// may lie in a superpage the TLB holds).
void tlb_flush_vma(Hart& h, unsigned rs1);
// Called on every privilege change: the data privilege (MPRV) and the link key.
void hart_update_data_priv(Hart& h);
void hart_update_link_key(Hart& h);
// Loads and stores the soft TLB did not serve. On a fault they return false
// with *cause set and h.mem_fault_va the address to report.
bool mem_load_slow(Hart& h, uint64_t va, unsigned size, uint64_t* value, uint64_t* cause);
bool mem_store_slow(Hart& h, uint64_t va, unsigned size, uint64_t value, uint64_t* cause);
// The host pointer for executing at `va`, or null with *cause set (and
// h.mem_fault_va).
const uint8_t* mem_fetch_ptr(Hart& h, uint64_t va, uint64_t* cause);
// Translates `va` for `access` at the hart's privilege, without side
// effects on the TLB (for the monitor and for tests).
std::optional<hwaddr> hart_translate(Hart& h, uint64_t va, Access access);
bool pmp_check(const Hart& h, hwaddr addr, unsigned size, Access access, PrivLevel priv);

// trap.cpp
void hart_take_trap(Hart& h, uint64_t cause, uint64_t tval, bool interrupt);
// The highest-priority interrupt the hart should take now, or -1.
int hart_pending_interrupt(const Hart& h);
uint64_t hart_mret(Hart& h);
// mepc/sepc as read: without C (IALIGN=32), bit 1 reads as zero.
inline uint64_t epc_read(const Hart& h, uint64_t epc) {
    return h.isa.has(Ext::C) ? epc : epc & ~3ull;
}
uint64_t hart_sret(Hart& h);

// csr.cpp
enum class CsrResult { Ok, Illegal };
// Whether the instruction that reads also writes: Zkr's seed must be
// accessed with a read-write instruction, a read alone is illegal.
enum class CsrAccess : uint8_t { ReadWrite, ReadOnly };
CsrResult csr_read(Hart& h, unsigned csr, uint64_t* value, CsrAccess access = CsrAccess::ReadWrite);
CsrResult csr_write(Hart& h, unsigned csr, uint64_t value);
// The value csrrs/csrrc set or clear bits in: the read value, except for
// mip's SEIP, where only the software-writable bit takes part.
CsrResult csr_read_modify_base(Hart& h, unsigned csr, uint64_t* value);
// Whether `csr` exists at all, and its name, for info registers and in_asm.
const char* csr_name(unsigned csr);

// csr-envcfg.cpp: Sstc. Re-evaluates STIP against stimecmp and arms the
// timer for when time reaches it (any thread; takes the big lock if needed).
void sstc_update(Hart& h);

// Each hart decodes into a cache of its own (exec.cpp), used only by the
// thread that runs it. Invalidating another hart's code means queueing the
// range for it: it applies the queue between blocks, before it runs
// anything else.
//
// Invalidates the decoded code of `h` in [host, host+len), at once (h's own
// thread, or h stopped).
void hart_invalidate_code(Hart& h, const uint8_t* host, size_t len);
// A store by `h` (on its thread) wrote [host, host+len), in a page where
// the caches `owners` (MemoryRegion::code_owners) have code: h's at once,
// the others' queued.
void hart_code_written(Hart& h, const uint8_t* host, size_t len, uint64_t owners);
// fence.i: applies the invalidations other threads queued for `h`.
void hart_sync_code(Hart& h);
// Forgets every block of `h` (h's own thread, or h stopped).
void hart_flush_code(Hart& h);
// The block `h` keeps for the code at host address `host`, or null: what
// the decoder made of it (tests; h's own thread, or h stopped).
const Block* hart_cached_block(const Hart& h, const uint8_t* host);
// The hart whose slice this thread is running, or null off the vCPU threads.
Hart* current_hart();
// The memory API's code-write hook (a loader, DMA, the debugger): any
// thread; the caller's own hart at once, every other hart queued.
void cpu_code_written(const uint8_t* host, size_t len);
// The memory API's code-free hook: forgets every block decoded from `mr`,
// in every hart. The harts are stopped: it edits their block caches and
// translation epochs from the calling thread.
void cpu_code_region_freed(MemoryRegion* mr);

// Breakpoints and watchpoints (gdb-target.cpp), for every hart. The flags say
// whether there are any, so that the hot paths pay nothing when there are
// none; they change only while the vCPU thread is stopped.
extern bool g_debug_breakpoints;
extern bool g_debug_watchpoints;
bool debug_breakpoint_at(uint64_t pc);
// Whether some watchpoint covers the page of `va` (kept out of the soft TLB).
bool debug_page_watched(uint64_t va);
// A load or store of [va, va+size) that a watchpoint catches: records it in
// h.dbg and returns true.
bool debug_watch_check(Hart& h, uint64_t va, unsigned size, Access access);
// CSR access for the debugger: no privilege check, no side effects.
CsrResult csr_read_debug(Hart& h, unsigned csr, uint64_t* value);
CsrResult csr_write_debug(Hart& h, unsigned csr, uint64_t value);

// debug-trigger.cpp: Sdtrig. Called between blocks while h.trig.step: fires
// an armed execute or icount trigger before the instruction at h.pc (the
// trap is then taken) and returns true.
bool trigger_before_insn(Hart& h);
// An instruction retired in `priv` while an icount trigger was armed.
void trigger_retired(Hart& h, PrivLevel priv);
// A load or store (or both, for an AMO) of [va, va+size) that a trigger
// catches: the access must not happen, a breakpoint exception is due.
bool trigger_mem_check(const Hart& h, uint64_t va, unsigned size, Access access);
// Whether a load/store trigger may match on the page of `va`.
bool trigger_page_watched(const Hart& h, uint64_t va);
void trigger_reset(Hart& h);

// pmu.cpp: the counters. Privilege changes settle the per-mode counts;
// pmu_check_overflow runs between blocks once h.instret reaches
// h.pmu.deadline.
void pmu_priv_changed(Hart& h);
void pmu_check_overflow(Hart& h);
void pmu_reset(Hart& h);

// `info registers`.
std::string hart_dump_registers(Hart& h);

} // namespace mq::riscv
