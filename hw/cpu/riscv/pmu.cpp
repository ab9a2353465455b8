// The counters: mcycle and minstret (Zicntr), mhpmcounter3..31 with their
// mhpmevent selectors (Zihpm), and Sscofpmf's overflow interrupt and
// per-mode inhibit bits (QEMU: target/riscv/pmu.c and csr.c).
//
// What is counted, truthfully: instructions retired. A cycle is an
// instruction here (as in QEMU without -icount's shift), so mcycle and the
// event "cycles" count the same thing. QEMU's event codes: 1 cycles, 2
// instructions; any other event counts nothing.
//
// Nothing is added to the per-instruction path. The hart counts what
// retired per block (h.instret); privilege changes (every one goes through
// hart_update_data_priv) settle the count of the privilege being left, so
// that per-mode counts are exact. A counter is `value + (source - base)`,
// its source the instructions retired in the modes it counts; a write
// rebases it. Overflow (Sscofpmf) is looked for between blocks, once
// h.instret reaches h.pmu.deadline: no counter can wrap before it, and near
// it hart_run stops chaining blocks, so OF and LCOFI come at most one
// block (128 instructions) late.
//
// A CSR write takes effect after the writing instruction: `csrw minstret`
// does not count itself, and the next instruction reads what was written.
#include "hw/cpu/riscv/csr.h"

#include <array>

namespace mq::riscv {

namespace {

constexpr unsigned CYCLE = 0, INSTRET = 2, HPM_FIRST = 3;

// mhpmevent: Sscofpmf's bits, and the event code below them.
constexpr uint64_t EVT_OF = 1ull << 63, EVT_MINH = 1ull << 62, EVT_SINH = 1ull << 61,
                   EVT_UINH = 1ull << 60;
constexpr uint64_t EVT_SSCOF_BITS = 0xfcull << 56; // OF, MINH, SINH, UINH, VSINH, VUINH
constexpr uint64_t EVT_CODE = (1ull << 56) - 1;
constexpr uint64_t EVENT_CYCLES = 1, EVENT_INSTRUCTIONS = 2;

bool implemented(const Hart& h, unsigned n) {
    if (n == CYCLE || n == INSTRET) return true;
    return h.isa.has(Ext::Zihpm) && n >= HPM_FIRST && n < HPM_FIRST + h.isa.pmu_num;
}

// Whether counter n counts what retires in `priv`.
bool counts_in(const Hart& h, unsigned n, PrivLevel priv) {
    if (!implemented(h, n) || ((h.mcountinhibit >> n) & 1)) return false;
    if (n < HPM_FIRST) return true;
    uint64_t e = h.pmu.event[n];
    uint64_t code = e & EVT_CODE;
    if (code != EVENT_CYCLES && code != EVENT_INSTRUCTIONS) return false;
    if (!h.isa.has(Ext::Sscofpmf)) return true;
    uint64_t inhibit = priv == PRV_M ? EVT_MINH : priv == PRV_S ? EVT_SINH : EVT_UINH;
    return !(e & inhibit);
}

uint64_t retired_in(const Hart& h, PrivLevel priv) {
    return h.pmu.retired[priv] + (priv == h.pmu.mark_priv ? h.instret - h.pmu.mark : 0);
}

uint64_t source(const Hart& h, unsigned n) {
    uint64_t s = 0;
    for (PrivLevel p : {PRV_U, PRV_S, PRV_M}) {
        if (counts_in(h, n, p)) s += retired_in(h, p);
    }
    return s;
}

// 1 when the CSR instruction being executed will count in counter n once it
// retires: a write made now must not see it.
uint64_t own(const Hart& h, unsigned n) { return counts_in(h, n, h.priv) ? 1 : 0; }

void raise_lcofi(Hart& h) {
    h.mip_sw |= MIP_LCOFIP;
    h.irq_check.store(true, std::memory_order_relaxed);
}

// Brings value up to date (base = source), noting an overflow on the way.
void settle(Hart& h, unsigned n) {
    uint64_t delta = source(h, n) - h.pmu.base[n];
    bool wrapped = delta > ~h.pmu.value[n];
    h.pmu.value[n] += delta;
    h.pmu.base[n] += delta;
    if (wrapped && n >= HPM_FIRST && h.isa.has(Ext::Sscofpmf) && !(h.pmu.event[n] & EVT_OF)) {
        h.pmu.event[n] |= EVT_OF;
        raise_lcofi(h);
    }
}

// The earliest h.instret at which a counter that may overflow could wrap.
void update_deadline(Hart& h) {
    h.pmu.deadline = ~0ull;
    if (!h.isa.has(Ext::Sscofpmf)) return;
    for (unsigned n = HPM_FIRST; n < HPM_FIRST + h.isa.pmu_num; n++) {
        if (h.pmu.event[n] & EVT_OF) continue;
        if (!counts_in(h, n, PRV_M) && !counts_in(h, n, PRV_S) && !counts_in(h, n, PRV_U)) continue;
        uint64_t now = h.pmu.value[n] + (source(h, n) - h.pmu.base[n]);
        uint64_t left = -now; // increments until it wraps; 0 means 2^64
        if (left != 0 && left < h.pmu.deadline - h.instret) h.pmu.deadline = h.instret + left;
    }
}

// A change to what counter n counts: it counts the writing instruction
// under the old rule, and goes on under the new one.
template <typename Change>
void reconfigure(Hart& h, unsigned n, Change change) {
    settle(h, n);
    h.pmu.value[n] += own(h, n);
    change();
    h.pmu.base[n] = source(h, n) + own(h, n);
    update_deadline(h);
}

template <unsigned N>
uint64_t counter_read(Hart& h) {
    if (!implemented(h, N)) return 0;
    return h.pmu.value[N] + (source(h, N) - h.pmu.base[N]);
}

template <unsigned N>
void counter_write(Hart& h, uint64_t v) {
    if (!implemented(h, N)) return; // read-only zero
    h.pmu.value[N] = v;
    h.pmu.base[N] = source(h, N) + own(h, N);
    update_deadline(h);
}

template <unsigned N>
uint64_t event_read(Hart& h) {
    return implemented(h, N) ? h.pmu.event[N] : 0;
}

template <unsigned N>
void event_write(Hart& h, uint64_t v) {
    if (!implemented(h, N)) return;
    if (!h.isa.has(Ext::Sscofpmf)) v &= ~EVT_SSCOF_BITS;
    reconfigure(h, N, [&] { h.pmu.event[N] = v; });
}

void mcountinhibit_write(Hart& h, uint64_t v) {
    uint64_t nv = v & 0xfffffffd; // TM does not exist
    for (unsigned n = 0; n < 32; n++) {
        if (!implemented(h, n)) continue;
        settle(h, n);
        h.pmu.value[n] += own(h, n);
    }
    h.mcountinhibit = nv;
    for (unsigned n = 0; n < 32; n++) {
        if (implemented(h, n)) h.pmu.base[n] = source(h, n) + own(h, n);
    }
    update_deadline(h);
}

// scountovf: the OF bits; S-mode sees those mcounteren lets it see.
uint64_t scountovf_read(Hart& h) {
    uint64_t v = 0;
    for (unsigned n = HPM_FIRST; n < 32; n++) {
        if (h.pmu.event[n] & EVT_OF) v |= 1ull << n;
    }
    return h.priv == PRV_M ? v : v & h.mcounteren;
}

template <unsigned Bit>
bool counter_allowed(const Hart& h) {
    if (h.priv < PRV_M && !((h.mcounteren >> Bit) & 1)) return false;
    if (h.priv == PRV_U && !((h.scounteren >> Bit) & 1)) return false;
    return true;
}

constexpr IsaExts kZihpm = ext_bit(Ext::Zihpm);

template <size_t... I>
constexpr auto hpm_rows(std::index_sequence<I...>) {
    constexpr unsigned F = HPM_FIRST;
    return std::array<CsrDef, 3 * sizeof...(I)>{
        CsrDef{uint16_t(0xb00 + F + I), "mhpmcounter", counter_read<F + I>,
               counter_write<F + I>}...,
        CsrDef{uint16_t(0xc00 + F + I), "hpmcounter", counter_read<F + I>, nullptr,
               counter_allowed<F + I>, nullptr, kZihpm}...,
        CsrDef{uint16_t(0x320 + F + I), "mhpmevent", event_read<F + I>, event_write<F + I>}...};
}

const auto kHpmRows = hpm_rows(std::make_index_sequence<32 - HPM_FIRST>());

// clang-format off
const CsrDef kCounterRows[] = {
    {0xb00, "mcycle",        counter_read<CYCLE>, counter_write<CYCLE>},
    {0xb02, "minstret",      counter_read<INSTRET>, counter_write<INSTRET>},
    {0xc00, "cycle",         counter_read<CYCLE>, nullptr, counter_allowed<CYCLE>},
    {0xc02, "instret",       counter_read<INSTRET>, nullptr, counter_allowed<INSTRET>},
    {0x320, "mcountinhibit", [](Hart& h) { return h.mcountinhibit; }, mcountinhibit_write},
    {0xda0, "scountovf",     scountovf_read, nullptr, nullptr, nullptr, ext_bit(Ext::Sscofpmf)},
};
// clang-format on

struct Tables {
    std::array<CsrDef, std::size(kCounterRows) + kHpmRows.size()> rows{};
    Tables() {
        auto it = std::copy(std::begin(kCounterRows), std::end(kCounterRows), rows.begin());
        std::copy(kHpmRows.begin(), kHpmRows.end(), it);
    }
};

} // namespace

std::span<const CsrDef> pmu_csrs() {
    static const Tables t;
    return t.rows;
}

void pmu_priv_changed(Hart& h) {
    if (h.pmu.mark_priv == h.priv) return;
    h.pmu.retired[h.pmu.mark_priv] += h.instret - h.pmu.mark;
    h.pmu.mark = h.instret;
    h.pmu.mark_priv = h.priv;
}

void pmu_check_overflow(Hart& h) {
    for (unsigned n = HPM_FIRST; n < HPM_FIRST + h.isa.pmu_num; n++)
        settle(h, n);
    update_deadline(h);
}

void pmu_reset(Hart& h) {
    h.pmu = Hart::Pmu{};
    h.pmu.mark = h.instret;
    h.pmu.mark_priv = h.priv;
    for (unsigned n = 0; n < 32; n++)
        h.pmu.base[n] = source(h, n);
}

} // namespace mq::riscv
