// Sdtrig: the trigger module of the RISC-V Debug Specification, as a program
// running on the hart sees it (QEMU: target/riscv/debug.c). There is no
// debug mode here, so every trigger's action is 0: a breakpoint exception.
//
// Two triggers, selected by tselect, each with tdata1 (its type and
// configuration) and tdata2 (the address it compares):
//   type 2  mcontrol   (the Debug spec 0.13's, which QEMU 7.2 implements)
//   type 6  mcontrol6  (1.0's): execute, load and store by address
//   type 3  icount     fires after `count` instructions retired
//   type 15 disabled
// A write of anything else leaves the trigger disabled; unsupported field
// values (match, action, select, chain, timing, size) are WARL and read
// back as 0.
//
// What the hot paths pay: nothing while no trigger is armed. An armed
// execute or icount trigger (h.trig.step) makes hart_run run its hart one
// instruction at a time from freshly decoded single-instruction blocks, so
// no decoded block can run past a trigger; an armed load/store trigger
// (h.trig.mem) keeps the pages it may match out of the soft TLB, so that
// the slow path of loads and stores checks it (mmu.cpp).
//
// M-mode triggers follow the spec's second option for native triggers: a
// trigger with action 0 neither matches nor fires in M-mode while
// mstatus.MIE is 0, so the breakpoint handler does not trigger itself
// again (no tcontrol).
#include "hw/cpu/riscv/csr.h"

#include <array>

namespace mq::riscv {

namespace {

constexpr unsigned kTriggers = std::tuple_size_v<decltype(Hart::Triggers::t)>;

constexpr uint64_t TYPE_MCONTROL = 2, TYPE_ICOUNT = 3, TYPE_MCONTROL6 = 6, TYPE_DISABLED = 15;

// mcontrol and mcontrol6 share their low bits.
constexpr uint64_t MC_LOAD = 1u << 0, MC_STORE = 1u << 1, MC_EXECUTE = 1u << 2, MC_U = 1u << 3,
                   MC_S = 1u << 4, MC_M = 1u << 6;
constexpr unsigned MC_MATCH_SHIFT = 7;
constexpr uint64_t MC_MATCH = 0xfull << MC_MATCH_SHIFT;
constexpr uint64_t MATCH_EQUAL = 0, MATCH_GE = 2, MATCH_LT = 3;

// icount.
constexpr uint64_t IC_U = 1u << 6, IC_S = 1u << 7, IC_PENDING = 1u << 8, IC_M = 1u << 9;
constexpr unsigned IC_COUNT_SHIFT = 10;
constexpr uint64_t IC_COUNT = 0x3fffull << IC_COUNT_SHIFT;

uint64_t type_of(uint64_t tdata1) { return tdata1 >> 60; }
bool is_mcontrol(uint64_t tdata1) {
    return type_of(tdata1) == TYPE_MCONTROL || type_of(tdata1) == TYPE_MCONTROL6;
}

// Whether a trigger with these m/s/u bits is enabled in `priv`, under the
// M-mode rule above.
bool mode_enabled(const Hart& h, PrivLevel priv, uint64_t tdata1, uint64_t m, uint64_t s,
                  uint64_t u) {
    switch (priv) {
    case PRV_M: return (tdata1 & m) && (h.mstatus & MSTATUS_MIE);
    case PRV_S: return tdata1 & s;
    default: return tdata1 & u;
    }
}

bool mcontrol_enabled(const Hart& h, uint64_t tdata1) {
    return is_mcontrol(tdata1) && mode_enabled(h, h.priv, tdata1, MC_M, MC_S, MC_U);
}

// Whether any byte of [lo, hi] matches the trigger's address.
bool address_match(const Hart::Trigger& t, uint64_t lo, uint64_t hi) {
    switch ((t.tdata1 & MC_MATCH) >> MC_MATCH_SHIFT) {
    case MATCH_EQUAL: return lo <= t.tdata2 && t.tdata2 <= hi;
    case MATCH_GE: return hi >= t.tdata2;
    case MATCH_LT: return lo < t.tdata2;
    default: return false;
    }
}

// The legal value closest to what was written.
uint64_t legalize_tdata1(uint64_t v) {
    uint64_t type = type_of(v);
    if (type == TYPE_MCONTROL || type == TYPE_MCONTROL6) {
        uint64_t match = (v & MC_MATCH) >> MC_MATCH_SHIFT;
        if (match != MATCH_EQUAL && match != MATCH_GE && match != MATCH_LT) match = MATCH_EQUAL;
        return type << 60 | match << MC_MATCH_SHIFT |
               (v & (MC_M | MC_S | MC_U | MC_EXECUTE | MC_STORE | MC_LOAD));
    }
    if (type == TYPE_ICOUNT) return type << 60 | (v & (IC_COUNT | IC_M | IC_S | IC_U | IC_PENDING));
    return TYPE_DISABLED << 60;
}

// Recomputes what the hot paths test, after any change to the triggers.
void triggers_changed(Hart& h) {
    bool was_mem = h.trig.mem;
    h.trig.step = h.trig.mem = false;
    for (const Hart::Trigger& t : h.trig.t) {
        uint64_t d = t.tdata1;
        if (is_mcontrol(d) && (d & (MC_M | MC_S | MC_U))) {
            if (d & MC_EXECUTE) h.trig.step = true;
            if (d & (MC_LOAD | MC_STORE)) h.trig.mem = true;
        }
        if (type_of(d) == TYPE_ICOUNT && (d & (IC_M | IC_S | IC_U)) &&
            (d & (IC_COUNT | IC_PENDING))) {
            h.trig.step = true;
        }
    }
    // Newly watched pages must leave the soft TLB; unwatched ones may come back.
    if (was_mem || h.trig.mem) tlb_flush(h);
}

Hart::Trigger& selected(Hart& h) { return h.trig.t[h.trig.select]; }

void tdata1_write(Hart& h, uint64_t v) {
    uint64_t legal = legalize_tdata1(v);
    selected(h).tdata1 = legal;
    if (type_of(legal) == TYPE_ICOUNT) h.trig.icount_skip = true; // this write does not count
    triggers_changed(h);
}

void tdata2_write(Hart& h, uint64_t v) {
    selected(h).tdata2 = v;
    triggers_changed(h);
}

// The trigger types tinfo lists, and the spec version (1: Sdtrig 1.0).
constexpr uint64_t kTinfo = 1ull << 24 | 1u << TYPE_MCONTROL | 1u << TYPE_ICOUNT |
                            1u << TYPE_MCONTROL6 | 1u << TYPE_DISABLED;

constexpr IsaExts kSdtrig = ext_bit(Ext::Sdtrig);

// clang-format off
const CsrDef kTriggerCsrs[] = {
    {0x7a0, "tselect", [](Hart& h) -> uint64_t { return h.trig.select; },
                       [](Hart& h, uint64_t v) { if (v < kTriggers) h.trig.select = unsigned(v); },
                       nullptr, nullptr, kSdtrig},
    {0x7a1, "tdata1",  [](Hart& h) { return selected(h).tdata1; }, tdata1_write, nullptr, nullptr, kSdtrig},
    {0x7a2, "tdata2",  [](Hart& h) { return selected(h).tdata2; }, tdata2_write, nullptr, nullptr, kSdtrig},
    // textra: no context matching; every field reads as 0.
    {0x7a3, "tdata3",  [](Hart&) -> uint64_t { return 0; }, [](Hart&, uint64_t) {}, nullptr, nullptr, kSdtrig},
    {0x7a4, "tinfo",   [](Hart&) { return kTinfo; }, [](Hart&, uint64_t) {}, nullptr, nullptr, kSdtrig},
};
// clang-format on

} // namespace

std::span<const CsrDef> trigger_csrs() { return kTriggerCsrs; }

void trigger_reset(Hart& h) {
    h.trig.t.fill(Hart::Trigger{});
    h.trig.select = 0;
    h.trig.icount_skip = false;
    triggers_changed(h);
}

bool trigger_before_insn(Hart& h) {
    for (Hart::Trigger& t : h.trig.t) {
        uint64_t d = t.tdata1;
        if (type_of(d) == TYPE_ICOUNT && (d & IC_PENDING) &&
            mode_enabled(h, h.priv, d, IC_M, IC_S, IC_U)) {
            t.tdata1 &= ~IC_PENDING;
            triggers_changed(h);
            hart_take_trap(h, EXCP_BREAKPOINT, 0, false);
            return true;
        }
        if ((d & MC_EXECUTE) && mcontrol_enabled(h, d) && address_match(t, h.pc, h.pc)) {
            hart_take_trap(h, EXCP_BREAKPOINT, h.pc, false);
            return true;
        }
    }
    return false;
}

void trigger_retired(Hart& h, PrivLevel priv) {
    if (h.trig.icount_skip) {
        h.trig.icount_skip = false;
        return;
    }
    for (Hart::Trigger& t : h.trig.t) {
        uint64_t d = t.tdata1;
        uint64_t count = (d & IC_COUNT) >> IC_COUNT_SHIFT;
        if (type_of(d) != TYPE_ICOUNT || count == 0 || !mode_enabled(h, priv, d, IC_M, IC_S, IC_U))
            continue;
        // The last count makes it pending: it fires before the next
        // instruction in a mode where it is enabled.
        d = (d & ~IC_COUNT) | (count - 1) << IC_COUNT_SHIFT;
        if (count == 1) d |= IC_PENDING;
        t.tdata1 = d;
    }
}

bool trigger_mem_check(const Hart& h, uint64_t va, unsigned size, Access access) {
    uint64_t want = access == Access::Load ? MC_LOAD : MC_STORE;
    for (const Hart::Trigger& t : h.trig.t) {
        if ((t.tdata1 & want) && mcontrol_enabled(h, t.tdata1) &&
            address_match(t, va, va + size - 1)) {
            return true;
        }
    }
    return false;
}

bool trigger_page_watched(const Hart& h, uint64_t va) {
    for (const Hart::Trigger& t : h.trig.t) {
        if (is_mcontrol(t.tdata1) && (t.tdata1 & (MC_LOAD | MC_STORE)) &&
            address_match(t, va & PAGE_MASK, va | 0xfff)) {
            return true;
        }
    }
    return false;
}

} // namespace mq::riscv
