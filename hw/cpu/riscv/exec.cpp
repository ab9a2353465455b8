// Execution: decoded blocks and the loop that runs them.
//
// A block is a run of instructions from one page, decoded once, up to the
// first instruction that ends a block (a jump, a CSR access, a trap-causing
// instruction such as ecall) or the end of the page. Its entries point at
// their handlers; running a block is a loop of indirect calls, each handler
// returning the next entry or null when control leaves the block. PC and the
// retired-instruction count are settled once, when the block is left.
//
// Each hart has a cache of its own: its blocks keyed by the host address of
// their first byte (so the same code mapped at two virtual addresses decodes
// once), and a small jump cache from virtual pc to block. Only the thread
// that runs the hart touches its cache, so harts on parallel host threads
// (-accel tcg,thread=multi) decode, link and free blocks without locks. A
// write to a page holding code (a store, a loader, DMA) invalidates the
// blocks it overlaps: in the writer's own cache at once, in the other harts'
// through their queues, which they apply between blocks. fence.i drops the
// cache of the hart that executes it; RISC-V asks a hart that runs code
// another hart wrote to execute fence.i first (Linux sends a remote
// fence.i), which is what makes the queues' short delay sound: fence.i
// applies the hart's queue.
//
// One window remains. When a page first becomes code, the other harts may
// still hold store shortcuts to it (their soft TLBs skip the code check)
// until they apply the request to forget them; a store through one does
// not invalidate. Such a page is "young" until every other hart running
// blocks has applied that request, and the blocks decoded from a young page
// are dropped at the decoding hart's next fence.i. QEMU has the same window
// (it clears the other vCPUs' TLB entries after translating); this closes
// it.
#include "core/log.h"
#include "core/timer.h" // ~Hart ends the stimecmp timer
#include "hw/cpu/riscv/cpu.h"
#include "hw/cpu/riscv/insn-table.h"
#include "hw/cpu/riscv/mem.h"

#include <cstdlib>
#include <mutex>

namespace mq::riscv {

// The jump cache: virtual pc to block, direct-mapped. Linux's kernel and
// user code together enter more blocks than 4096 entries hold; at 16384 a
// boot misses in it 2.6 times less often (each miss is a hash lookup).
constexpr unsigned kJumpCacheSize = 16384;

// An entry with no block is empty. All zeros is empty: the cache comes
// zeroed from calloc, which for an allocation this size is fresh pages from
// the kernel that nothing touches until a block goes there (a quarter of a
// megabyte per hart that start-up does not write).
struct JumpCacheEntry {
    uint64_t vpc;
    Block* block;
};
struct FreeDeleter {
    void operator()(void* p) const { std::free(p); }
};

// What another thread asks a hart's cache to do, applied between its blocks.
struct CodeRequest {
    enum class Kind : uint8_t {
        Invalidate,     // code in [host, host+len) was written
        ForgetStoreTlb, // a page another hart decoded: no store shortcut to it
    } kind;
    const uint8_t* host;
    size_t len;
};

struct BlockCache {
    std::unique_ptr<JumpCacheEntry[], FreeDeleter> jc{
        static_cast<JumpCacheEntry*>(std::calloc(kJumpCacheSize, sizeof(JumpCacheEntry)))};
    std::unordered_map<const uint8_t*, std::unique_ptr<Block>> by_host;
    std::unordered_map<uintptr_t, std::vector<Block*>> by_page;
    // Invalidated blocks stay allocated until no jump cache or link can
    // name them, and until no block of theirs is still running.
    std::vector<std::unique_ptr<Block>> graveyard;
    bool want_gc = false;
    // Requests from other threads.
    std::mutex pending_lock;
    std::vector<CodeRequest> pending;
    std::atomic<bool> has_pending{false};
    // The registry's forget sequence up to which this hart has applied its
    // requests, or ~0 while it runs no blocks (it applies them before its
    // next block). See "young" pages above.
    std::atomic<uint64_t> forget_seen{~0ull};
    // Pages of this cache's blocks decoded while they were young.
    std::vector<uintptr_t> young_pages;
    // The virtual pages that block links made in this epoch leave from or
    // lead to, as a filter (a bit per page number modulo 4096). A one-page
    // sfence.vma of a page outside it leaves every link valid, and needs no
    // new epoch (tlb_flush_vma). Cleared when the epoch changes.
    std::array<uint64_t, 64> linked_pages{};
    static std::pair<unsigned, uint64_t> page_bit(uint64_t va) {
        const uint64_t vpn = va >> 12;
        return {(vpn >> 6) & 63, 1ull << (vpn & 63)};
    }

    void post(CodeRequest r) {
        std::lock_guard g(pending_lock);
        pending.push_back(r);
        has_pending.store(true, std::memory_order_release);
    }
};

bool g_harts_parallel = false;

void hart_update_link_key(Hart& h) {
    const uint64_t key = (h.code_epoch << 2) | h.priv;
    if (key == h.link_key) return;
    h.link_key = key;
    // A block running now may have been invalidated (a store over its own
    // code) or decoded under another translation or privilege: the chain
    // ends at the block's exit, which Hart::loop_back relies on.
    h.chain_left = 1;
}

bool hart_links_page(const Hart& h, uint64_t va) {
    auto [word, bit] = BlockCache::page_bit(va);
    return h.blocks->linked_pages[word] & bit;
}

void translation_epoch_bump(Hart& h) {
    h.code_epoch++;
    h.blocks->linked_pages.fill(0);
    hart_update_link_key(h);
}

namespace {

constexpr unsigned kMaxBlockInsns = 128;
// How many blocks a chain runs before hart_run looks again (stop requests,
// the slice's budget, timers).
constexpr unsigned kChainBlocks = 4096;
// More instructions than a chain of blocks can retire before hart_run looks again.
constexpr uint64_t kChainOverflowSlack = uint64_t{kChainBlocks} * kMaxBlockInsns;
// The owner bit that harts beyond the 63rd share; it is never cleared.
constexpr uint64_t kSharedOwner = 1ull << 63;

// A page that became code while other harts may hold store shortcuts to it.
struct YoungPage {
    uintptr_t page;
    uint64_t seq;       // the forget request's number
    const Hart* poster; // it forgot its own shortcuts at once
};

// Every hart, for code written by a loader or DMA, and the owner bits in use.
struct HartRegistry {
    std::mutex lock;
    std::vector<Hart*> harts;
    uint64_t owners_used = 0;
    // Numbers the requests to forget store shortcuts, after they are posted.
    std::atomic<uint64_t> forget_seq{0};
    std::vector<YoungPage> young;       // under `lock`
    std::atomic<size_t> young_count{0}; // young.size(), read without the lock
};

HartRegistry& registry() {
    static HartRegistry* r = new HartRegistry();
    return *r;
}

thread_local Hart* t_current_hart = nullptr;

uintptr_t page_of(const uint8_t* p) { return reinterpret_cast<uintptr_t>(p) & ~uintptr_t(0xfff); }

const DecodedInsn* exec_block_end(Hart& h, const DecodedInsn* i, uint64_t) {
    return h.leave(i, h.block_pc + i->pc_off, i->index);
}

// Decoding stopped on an instruction whose second half could not be fetched.
const DecodedInsn* exec_fetch_fault(Hart& h, const DecodedInsn* i, uint64_t) {
    return h.raise(i, static_cast<uint64_t>(i->imm), h.pc_of(i) + 2);
}

void release_code_page(Hart& h, MemoryRegion* mr, hwaddr offset) {
    if (mr && h.code_owner != kSharedOwner) mr->clear_code(offset, h.code_owner);
}

void remove_block(Hart& h, Block* b) {
    BlockCache& c = *h.blocks;
    b->valid = false;
    translation_epoch_bump(h); // links to it are void
    auto it = c.by_host.find(b->host);
    if (it != c.by_host.end() && it->second.get() == b) {
        c.graveyard.push_back(std::move(it->second));
        c.by_host.erase(it);
    }
}

void invalidate_range(Hart& h, const uint8_t* host, size_t len) {
    BlockCache& c = *h.blocks;
    for (uintptr_t page = page_of(host); page <= page_of(host + len - 1); page += 0x1000) {
        auto it = c.by_page.find(page);
        if (it == c.by_page.end()) continue;
        auto& blocks = it->second;
        MemoryRegion* mr = blocks.empty() ? nullptr : blocks.front()->mr;
        hwaddr mr_page = blocks.empty() ? 0 : (blocks.front()->mr_offset & PAGE_MASK);
        std::erase_if(blocks, [&](Block* b) {
            bool overlaps = b->host < host + len && host < b->host + b->bytes;
            if (overlaps) remove_block(h, b);
            return overlaps;
        });
        if (blocks.empty()) {
            release_code_page(h, mr, mr_page);
            c.by_page.erase(it);
        }
    }
    if (c.graveyard.size() > 4096) c.want_gc = true;
}

// Forgets every jump-cache entry, then frees the invalidated blocks. Only
// between blocks.
void collect_garbage(Hart& h) {
    BlockCache& c = *h.blocks;
    std::fill_n(c.jc.get(), kJumpCacheSize, JumpCacheEntry{});
    h.exit_insn = nullptr; // it may be in a block about to be freed
    c.graveyard.clear();
    c.want_gc = false;
    translation_epoch_bump(h); // no link may point into the freed blocks
}

// Drops the hart's store shortcuts into the page of `host`, so that its
// stores there take the slow path, which notices code.
void forget_store_tlb(Hart& h, const uint8_t* host) {
    uintptr_t page = page_of(host);
    for (Tlb& tlb : h.tlb_store) {
        for (TlbEntry& e : tlb) {
            if (e.tag != ~0ull && ((e.tag + e.addend) & ~uintptr_t(0xfff)) == page) e = TlbEntry{};
        }
    }
}

void apply_pending(Hart& h) {
    BlockCache& c = *h.blocks;
    // Every request numbered up to `seen` is in the queue by now.
    const uint64_t seen = registry().forget_seq.load(std::memory_order_acquire);
    std::vector<CodeRequest> work;
    {
        std::lock_guard g(c.pending_lock);
        work.swap(c.pending);
        c.has_pending.store(false, std::memory_order_relaxed);
    }
    for (const CodeRequest& r : work) {
        if (r.kind == CodeRequest::Kind::Invalidate) {
            invalidate_range(h, r.host, r.len);
        } else {
            forget_store_tlb(h, r.host);
        }
    }
    c.forget_seen.store(seen, std::memory_order_release);
}

// Whether `page` is young; retires the entries every other hart has seen.
// Under the registry's lock.
bool young_locked(HartRegistry& reg, uintptr_t page) {
    bool young = false;
    std::erase_if(reg.young, [&](const YoungPage& y) {
        for (const Hart* other : reg.harts) {
            if (other != y.poster &&
                other->blocks->forget_seen.load(std::memory_order_acquire) < y.seq) {
                young |= y.page == page;
                return false;
            }
        }
        return true;
    });
    reg.young_count.store(reg.young.size(), std::memory_order_relaxed);
    return young;
}

// Posts `r` to every hart but `self` whose owner bit is in `owners`.
void post_to_others(const Hart* self, uint64_t owners, CodeRequest r) {
    auto& reg = registry();
    std::lock_guard g(reg.lock);
    for (Hart* other : reg.harts) {
        if (other != self && (other->code_owner & owners)) other->blocks->post(r);
    }
}

// Marks the page as holding code, so that no hart keeps a store shortcut to
// it: this one at once, the others before their next block.
void track_code(Hart& h, Block& b) {
    // Once a page has an owner, no hart makes a new store shortcut to it.
    const uint64_t owners = b.mr->code_owners(b.mr_offset);
    bool first = owners == 0;
    b.mr->set_code(b.mr_offset, h.code_owner);
    // This hart's shortcuts into the page went when its bit was set (here,
    // at its first block there), and none has been made since: scanning the
    // store TLBs again for every block of the page would find nothing.
    if (!(owners & h.code_owner) || h.code_owner == kSharedOwner) forget_store_tlb(h, b.host);
    const uintptr_t page = page_of(b.host);
    auto& reg = registry();
    if (first) {
        std::lock_guard g(reg.lock);
        for (Hart* other : reg.harts) {
            if (other != &h) other->blocks->post({CodeRequest::Kind::ForgetStoreTlb, b.host, 1});
        }
        if (reg.harts.size() > 1) {
            uint64_t seq = reg.forget_seq.fetch_add(1, std::memory_order_acq_rel) + 1;
            reg.young.push_back({page, seq, &h});
            reg.young_count.store(reg.young.size(), std::memory_order_relaxed);
        }
    }
    if (reg.young_count.load(std::memory_order_relaxed) == 0) return;
    std::lock_guard g(reg.lock);
    if (young_locked(reg, page)) h.blocks->young_pages.push_back(page);
}

void log_block(const Hart& h, const Block& b) {
    std::string out = fmt::format("----------------\nIN: \nPriv: {}; Virt: 0\n", int(h.priv));
    for (const DecodedInsn& i : b.insns) {
        if (i.fn == exec_block_end) break;
        uint64_t pc = b.vpc + i.pc_off;
        std::string raw =
            i.len == 2 ? fmt::format("{:04x}    ", i.raw) : fmt::format("{:08x}", i.raw);
        out += fmt::format("0x{:016x}:  {}          {}\n", pc, raw, disassemble(i.raw, pc));
    }
    qemu_log_write(LOG_IN_ASM, out);
}

// Whether the format's rd field names an x register the instruction writes.
bool writes_x_rd(Format f) {
    switch (f) {
    case Format::R:
    case Format::R1:
    case Format::I_RNUM:
    case Format::I:
    case Format::I_SHIFT:
    case Format::I_SHIFTW:
    case Format::LOAD:
    case Format::U:
    case Format::J:
    case Format::CSR:
    case Format::CSRI:
    case Format::AMO:
    case Format::LR:
    case Format::F_XF_RM:
    case Format::F_XF:
    case Format::F_XFF: return true;
    default: return false;
    }
}

// The handler for `d`, which follows `prev` in a block: the variant of its
// row's handler that takes the value `prev` forwards, when it reads the
// register `prev` wrote (see Handlers). The sink (x0) is never read.
InsnHandler forwarding_handler(const DecodedInsn& prev, const DecodedInsn& d) {
    if (!prev.desc || !prev.desc->handlers.forwards || prev.rd == kXSink || !d.desc ||
        d.fn != d.desc->exec)
        return d.fn;
    const Handlers& v = d.desc->handlers;
    const bool rs1 = d.rs1 == prev.rd, rs2 = d.rs2 == prev.rd;
    if (rs1 && rs2 && v.both) return v.both;
    if (rs1 && v.rs1) return v.rs1;
    if (rs2 && v.rs2) return v.rs2;
    return d.fn;
}

// A branch back to the start of its own block takes the self-loop set's
// variant of the handler it was given (see Handlers::self_loop).
InsnHandler self_loop_handler(const DecodedInsn& d) {
    if (!d.desc || !d.desc->handlers.self_loop || d.pc_off + d.imm != 0) return d.fn;
    const Handlers& v = d.desc->handlers;
    const Handlers& loop = *v.self_loop;
    if (d.fn == v.plain) return loop.plain;
    if (d.fn == v.rs1) return loop.rs1;
    if (d.fn == v.rs2) return loop.rs2;
    if (d.fn == v.both) return loop.both;
    return d.fn;
}

// Where the block for the hart's pc lives. Null when fetching faults (the
// trap is then pending).
Block* build_block(Hart& h, const uint8_t* host, unsigned max_insns) {
    uint64_t pc = h.pc;
    const FlatView* view = &hart_flatview(h);
    auto b = std::make_unique<Block>();
    b->vpc = pc;
    b->host = host;
    // Find the region and offset behind `host`, for code tracking.
    for (const FlatRange& fr : view->ranges()) {
        MemoryRegion* mr = fr.mr;
        if (mr->is_ram() && host >= mr->ram_ptr() &&
            host < mr->ram_ptr() + static_cast<hwaddr>(mr->size())) {
            b->mr = mr;
            b->mr_offset = static_cast<hwaddr>(host - mr->ram_ptr());
            break;
        }
    }
    bool cacheable = b->mr != nullptr;
    uint32_t offset = 0;
    for (unsigned n = 0; n < max_insns; n++) {
        uint64_t va = pc + offset;
        if ((va & PAGE_MASK) != (pc & PAGE_MASK)) break;
        // A breakpoint starts a block of its own, so that the loop sees it.
        if (n > 0 && g_debug_breakpoints && debug_breakpoint_at(va)) break;
        DecodedInsn d{};
        uint16_t lo = ram_read<uint16_t>(host + offset);
        if ((lo & 3) != 3) {
            uint32_t expanded = h.isa.has(Ext::C) ? rvc_expand(lo) : 0;
            if (!expanded || !decode32(expanded, d, h.isa.exts)) {
                d.fn = exec_illegal;
                d.desc = nullptr;
            }
            d.raw = lo;
            d.len = 2;
        } else if ((va & 0xfff) == 0xffe) {
            // A 32-bit instruction across two pages: decoded alone, not kept.
            if (n > 0) break;
            uint64_t cause = 0;
            const uint8_t* hi_ptr = mem_fetch_ptr(h, va + 2, &cause);
            if (!hi_ptr) {
                d.fn = exec_fetch_fault;
                d.imm = static_cast<int64_t>(cause);
                d.len = 4;
            } else {
                uint16_t hi = ram_read<uint16_t>(hi_ptr);
                decode32(uint32_t(lo) | uint32_t(hi) << 16, d, h.isa.exts);
                d.len = 4;
            }
            cacheable = false;
        } else {
            uint32_t raw = ram_read<uint32_t>(host + offset);
            decode32(raw, d, h.isa.exts);
        }
        d.pc_off = static_cast<uint16_t>(offset);
        d.index = static_cast<uint16_t>(n);
        if (d.rd == 0 && d.desc && writes_x_rd(d.desc->format)) d.rd = kXSink;
        if (n > 0) d.fn = forwarding_handler(b->insns.back(), d);
        d.fn = self_loop_handler(d);
        b->insns.push_back(d);
        offset += d.len;
        bool ends = d.fn == exec_illegal || d.fn == exec_fetch_fault ||
                    (d.desc && (d.desc->flags & END_BLOCK));
        if (ends) break;
    }
    // Neighbours that run as one (insn-fused.cpp): the first one's handler
    // does both.
    for (size_t k = 0; k + 1 < b->insns.size(); k++) {
        if (InsnHandler fused = fused_handler(b->insns[k], b->insns[k + 1])) {
            b->insns[k].fn = fused;
            k++;
        }
    }
    DecodedInsn end{};
    end.fn = exec_block_end;
    end.pc_off = static_cast<uint16_t>(offset);
    end.index = static_cast<uint16_t>(b->insns.size());
    b->insns.push_back(end);
    b->bytes = offset;
    if (qemu_loglevel_mask(LOG_IN_ASM)) log_block(h, *b);

    BlockCache& c = *h.blocks;
    Block* raw = b.get();
    if (cacheable && max_insns > 1) {
        raw->cached = true;
        track_code(h, *b);
        c.by_page[page_of(host)].push_back(raw);
        c.by_host[host] = std::move(b);
    } else {
        c.graveyard.push_back(std::move(b)); // used once, freed later
        if (c.graveyard.size() > 1024) c.want_gc = true;
    }
    return raw;
}

Block* lookup_block(Hart& h, bool trace) {
    uint64_t cause = 0;
    const uint8_t* host = mem_fetch_ptr(h, h.pc, &cause);
    if (!host) {
        h.trap_pending = true;
        h.trap_cause = cause;
        h.trap_tval = h.mem_fault_va;
        return nullptr;
    }
    // A page that PMP grants only in part is kept out of the fetch TLB; run
    // it one instruction at a time, so that every fetch is checked.
    const TlbEntry& e = h.tlb_exec[h.priv][(h.pc >> 12) & (TLB_SIZE - 1)];
    if (trace || e.tag != (h.pc & PAGE_MASK)) return build_block(h, host, 1);
    // Folding in the higher bits spreads code that lies 32 KiB apart.
    auto& jc = h.blocks->jc[((h.pc >> 1) ^ (h.pc >> 15)) & (kJumpCacheSize - 1)];
    if (jc.vpc == h.pc && jc.block && jc.block->host == host && jc.block->valid) return jc.block;
    BlockCache& c = *h.blocks;
    auto it = c.by_host.find(host);
    Block* b = it != c.by_host.end() ? it->second.get() : build_block(h, host, kMaxBlockInsns);
    jc = {h.pc, b};
    return b;
}

// -d exec / -d cpu: one line per instruction, with what it wrote.
void log_trace(Hart& h, uint64_t pc, const DecodedInsn& i, const XRegs& before) {
    std::string line = fmt::format("core {}: {} 0x{:016x} (0x{:0{}x}) {}", h.hartid,
                                   h.priv == PRV_M   ? 'M'
                                   : h.priv == PRV_S ? 'S'
                                                     : 'U',
                                   pc, i.raw, i.len == 2 ? 4 : 8, disassemble(i.raw, pc));
    for (unsigned r = 1; r < 32; r++) {
        if (h.x[r] != before[r]) line += fmt::format("  x{} 0x{:016x}", r, h.x[r]);
    }
    if (qemu_loglevel_mask(LOG_EXEC)) qemu_log_write(LOG_EXEC, line);
    if (qemu_loglevel_mask(LOG_CPU)) qemu_log_write(LOG_CPU, hart_dump_registers(h));
}

} // namespace

Hart::Hart() : blocks(std::make_unique<BlockCache>()) {
    if (!blocks->jc) throw std::bad_alloc();
    auto& reg = registry();
    std::lock_guard g(reg.lock);
    // The first free owner bit; harts beyond 63 share the last one.
    uint64_t free = ~reg.owners_used & ~kSharedOwner;
    code_owner = free ? free & -free : kSharedOwner;
    reg.owners_used |= code_owner;
    reg.harts.push_back(this);
}

Hart::~Hart() {
    hart_flush_code(*this); // gives its owner bits back
    auto& reg = registry();
    std::lock_guard g(reg.lock);
    std::erase(reg.harts, this);
    if (code_owner != kSharedOwner) reg.owners_used &= ~code_owner;
}

const DecodedInsn* Hart::raise(const DecodedInsn* i, uint64_t cause, uint64_t tval) {
    pc = pc_of(i);
    instret += i->index;
    trap_pending = true;
    trap_cause = cause;
    trap_tval = tval;
    return nullptr;
}

void hart_reset(Hart& h) {
    h.x.clear();
    h.f.fill(0);
    h.pc = h.resetvec;
    h.priv = PRV_M;
    h.mstatus = 0;
    h.mie = 0;
    h.mip_sw = 0;
    h.medeleg = h.mideleg = 0;
    h.mtvec = h.stvec = 0;
    h.mepc = h.sepc = h.mcause = h.scause = h.mtval = h.stval = 0;
    h.mscratch = h.sscratch = 0;
    h.satp = 0;
    h.mcounteren = h.scounteren = h.mcountinhibit = 0;
    h.menvcfg = h.senvcfg = 0;
    h.mseccfg = 0;
    h.stimecmp = 0;
    sstc_update(h); // STCE is off: no stimecmp timer, STIP back to software
    h.fflags = h.frm = 0;
    h.pmpcfg.fill(0);
    h.pmpaddr.fill(0);
    h.pmp_active = false;
    h.reservation = ~0ull;
    h.halted = false;
    h.trap_pending = false;
    hart_update_data_priv(h);
    trigger_reset(h);
    pmu_reset(h);
    tlb_flush(h);
    h.irq_check.store(true);
    qemu_log_mask(LOG_CPU_RESET, "CPU Reset (CPU {}): pc 0x{:x}", h.hartid, h.pc);
}

const Block* hart_cached_block(const Hart& h, const uint8_t* host) {
    auto it = h.blocks->by_host.find(host);
    return it == h.blocks->by_host.end() ? nullptr : it->second.get();
}

Hart* current_hart() { return t_current_hart; }

uint64_t hart_run(Hart& h, uint64_t budget, const std::atomic<bool>& stop) {
    t_current_hart = &h;
    BlockCache& c = *h.blocks;
    // The queue is applied before the first block (has_pending below).
    c.forget_seen.store(registry().forget_seq.load(std::memory_order_acquire),
                        std::memory_order_release);
    const uint64_t start = h.instret;
    uint64_t traps = 0;
    auto spent = [&] { return h.instret - start + traps; };
    const bool logging = qemu_loglevel_mask(LOG_EXEC | LOG_CPU);
    // With breakpoints set, blocks are not chained: every block start passes
    // the breakpoint check below, and blocks end before a breakpoint.
    const bool breakpoints = g_debug_breakpoints;
    h.bql_keep_ok = true;
    while (spent() < budget && !stop.load(std::memory_order_relaxed)) {
        hart_bql_drop(h); // kept since an MMIO access of the chain that ended
        // A debugger's single step: one instruction, interrupts held off.
        const bool single = h.dbg.step;
        // An armed execute or icount trigger sees every instruction.
        const bool stepping = h.trig.step;
        const bool trace = logging || single || stepping;
        if (h.instret >= h.pmu.deadline) pmu_check_overflow(h);
        if (!single && h.irq_check.load(std::memory_order_acquire)) {
            h.irq_check.store(false, std::memory_order_relaxed);
            int irq = hart_pending_interrupt(h);
            if (irq >= 0) {
                h.halted = false;
                hart_take_trap(h, static_cast<uint64_t>(irq), 0, true);
                traps++;
            } else if (h.halted && hart_has_work(h)) {
                h.halted = false; // WFI ends even when the interrupt is masked
            }
        }
        if (h.halted) {
            if (single) { // nothing to step: the step ends where it is
                h.dbg.step = false;
                h.dbg.stop = DebugStopKind::Step;
            }
            break;
        }
        if (h.tlb_flush_request.load(std::memory_order_relaxed)) {
            h.tlb_flush_request.store(false, std::memory_order_relaxed);
            tlb_flush(h);
        }
        if (c.has_pending.load(std::memory_order_acquire)) apply_pending(h);
        if (c.want_gc) collect_garbage(h);
        if (breakpoints && !single && debug_breakpoint_at(h.pc)) {
            h.exit_insn = nullptr;
            h.dbg.stop = DebugStopKind::Breakpoint;
            break;
        }
        if (stepping && !single && trigger_before_insn(h)) {
            traps++;
            continue;
        }

        Block* b = lookup_block(h, trace);
        // The block we left last time continues here: link it, so that next
        // time it jumps straight in. Not when the block was decoded at
        // another virtual address of the same code (an alias): the link
        // would be followed there (Hart::leave), a page the filter of
        // linked pages need not name.
        if (h.exit_insn && b && b->cached && b->vpc == h.pc && !trace) {
            h.exit_insn->link = b;
            h.exit_insn->link_key = h.link_key;
            for (uint64_t va : {h.block_pc, h.pc}) { // where it leaves, where it leads
                auto [word, bit] = BlockCache::page_bit(va);
                c.linked_pages[word] |= bit;
            }
        }
        h.exit_insn = nullptr;
        const uint64_t retired_before = h.instret;
        const PrivLevel priv_before = h.priv;
        if (b) {
            h.block_pc = h.pc;
            h.block_insns = b->insns.data();
            // Near a counter's overflow, blocks are not chained: the
            // overflow is then seen within a block of where it happened.
            // A block decoded for one run is not chained out of either.
            // Each block retires at least one instruction: a chain is no
            // longer than what is left of the budget (under -icount, the
            // instructions until the next timer's deadline), and at least
            // one block: an interrupt taken above may have spent the budget
            // (the trap also sets irq_check, which ends the chain anyway).
            h.chain_left =
                trace || breakpoints || !b->cached ||
                        h.pmu.deadline - h.instret < kChainOverflowSlack
                    ? 1
                : budget > spent()
                    ? static_cast<uint32_t>(std::min<uint64_t>(budget - spent(), kChainBlocks))
                    : 1;
            if (logging) {
                XRegs before = h.x;
                uint64_t pc = h.pc;
                DecodedInsn first = b->insns.front(); // the block may be freed by what it does
                const DecodedInsn* i = b->insns.data();
                while ((i = i->fn(h, i, 0))) {
                }
                log_trace(h, pc, first, before);
            } else {
                const DecodedInsn* i = b->insns.data();
                do {
                    i = i->fn(h, i, 0);
                } while (i);
            }
        }
        if (h.trig.step && h.instret != retired_before) trigger_retired(h, priv_before);
        if (h.trap_pending) {
            h.trap_pending = false;
            h.exit_insn = nullptr;
            if (h.trap_cause == EXCP_DEBUG_WATCH) {
                // Stopped before the access, at the instruction, as QEMU's
                // stub stops: gdb (for which RISC-V watchpoints are not
                // steppable) removes the watchpoint and steps over it itself.
                h.dbg.stop = DebugStopKind::Watchpoint;
                h.dbg.step = false;
                break;
            }
            hart_take_trap(h, h.trap_cause, h.trap_tval, false);
            traps++;
        }
        if (single) {
            h.dbg.stop = DebugStopKind::Step;
            h.dbg.step = false;
            break;
        }
    }
    hart_bql_drop(h);
    c.forget_seen.store(~0ull, std::memory_order_release);
    t_current_hart = nullptr;
    return spent();
}

void hart_invalidate_code(Hart& h, const uint8_t* host, size_t len) {
    if (len) invalidate_range(h, host, len);
}

void hart_code_written(Hart& h, const uint8_t* host, size_t len, uint64_t owners) {
    if (!len) return;
    if (owners & h.code_owner) invalidate_range(h, host, len);
    if (owners & ~h.code_owner)
        post_to_others(&h, owners, {CodeRequest::Kind::Invalidate, host, len});
}

void hart_sync_code(Hart& h) {
    BlockCache& c = *h.blocks;
    if (c.has_pending.load(std::memory_order_acquire)) apply_pending(h);
    std::vector<uintptr_t> pages;
    pages.swap(c.young_pages);
    for (uintptr_t page : pages)
        invalidate_range(h, reinterpret_cast<const uint8_t*>(page), 0x1000);
}

void hart_flush_code(Hart& h) {
    BlockCache& c = *h.blocks;
    for (auto& [page, blocks] : c.by_page) {
        if (!blocks.empty())
            release_code_page(h, blocks.front()->mr, blocks.front()->mr_offset & PAGE_MASK);
    }
    for (auto& [host, b] : c.by_host) {
        b->valid = false;
        c.graveyard.push_back(std::move(b));
    }
    c.by_host.clear();
    c.by_page.clear();
    c.want_gc = true;
}

// The harts are stopped (memory.h): this thread edits their caches, epochs
// and filters of linked pages.
void cpu_code_region_freed(MemoryRegion* mr) {
    auto& reg = registry();
    std::lock_guard g(reg.lock);
    for (Hart* h : reg.harts) {
        BlockCache& c = *h->blocks;
        for (auto it = c.by_page.begin(); it != c.by_page.end();) {
            auto& blocks = it->second;
            std::erase_if(blocks, [&](Block* b) {
                if (b->mr != mr) return false;
                b->mr = nullptr; // the region is going away: never touch it again
                remove_block(*h, b);
                return true;
            });
            it = blocks.empty() ? c.by_page.erase(it) : std::next(it);
        }
        c.want_gc = true;
    }
}

void cpu_code_written(const uint8_t* host, size_t len) {
    if (!len) return;
    Hart* self = t_current_hart;
    if (self) invalidate_range(*self, host, len);
    post_to_others(self, ~0ull, {CodeRequest::Kind::Invalidate, host, len});
}

} // namespace mq::riscv

namespace {
// Writes into decoded code and freed code regions reach the block cache
// from the memory API, whoever makes them.
[[maybe_unused]] const bool code_hooks_installed = [] {
    mq::memory_set_code_write_hook(mq::riscv::cpu_code_written);
    mq::memory_set_code_free_hook(mq::riscv::cpu_code_region_freed);
    return true;
}();
} // namespace
