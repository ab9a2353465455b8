/* Physical memory protection: regions denied to S/U-mode give access
 * faults (load 5, store 7, fetch 1, mtval = the address) while M-mode is
 * not restricted by unlocked entries; NAPOT, TOR and NA4 regions with their
 * exact bounds; the lowest-numbered matching entry wins; an access that
 * only partly matches fails; MPRV makes M-mode loads and stores use MPP's
 * permissions; locked entries bind M-mode too and ignore writes (including
 * the pmpaddr below a locked TOR entry). Prints one line per group; the
 * exit status is the number of failed checks. */
#include "priv.h"

#define PMP_R 0x01
#define PMP_W 0x02
#define PMP_X 0x04
#define PMP_TOR 0x08
#define PMP_NA4 0x10
#define PMP_NAPOT 0x18
#define PMP_L 0x80

#define PAGE 4096
static uint8_t pages[8][PAGE] __attribute__((aligned(PAGE * 8)));

static void write_pmpaddr(int i, uint64_t v) {
    switch (i) {
#define C(n)                                                                                       \
    case n: csr_write(pmpaddr##n, v); break;
        C(0) C(1) C(2) C(3) C(4) C(5) C(6) C(7) C(8) C(9) C(10) C(11) C(12) C(13) C(14) C(15)
#undef C
    }
}
static uint64_t read_pmpaddr(int i) {
    switch (i) {
#define C(n)                                                                                       \
    case n: return csr_read(pmpaddr##n);
        C(0) C(1) C(2) C(3) C(4) C(5) C(6) C(7) C(8) C(9) C(10) C(11) C(12) C(13) C(14) C(15)
#undef C
    }
    return 0;
}
static uint8_t read_cfg(int i) {
    uint64_t v = i < 8 ? csr_read(pmpcfg0) : csr_read(pmpcfg2);
    return (v >> (8 * (i % 8))) & 0xff;
}
static void write_cfg(int i, uint8_t cfg) {
    uint64_t v = i < 8 ? csr_read(pmpcfg0) : csr_read(pmpcfg2);
    v &= ~(0xfful << (8 * (i % 8)));
    v |= (uint64_t)cfg << (8 * (i % 8));
    if (i < 8)
        csr_write(pmpcfg0, v);
    else
        csr_write(pmpcfg2, v);
}
static void set_entry(int i, uint8_t cfg, uint64_t addr) {
    write_cfg(i, 0);
    write_pmpaddr(i, addr);
    write_cfg(i, cfg);
}
static uint64_t napot(uintptr_t base, uint64_t size) { return (base >> 2) | ((size >> 3) - 1); }

/* Lower-mode accesses. */
static uint64_t do_ld(uint64_t a) {
    uint64_t v = 0x77;
    __asm__ volatile("ld %0, 0(%1)" : "+r"(v) : "r"(a) : "memory");
    return v;
}
static uint64_t do_lw(uint64_t a) {
    uint64_t v = 0x77;
    __asm__ volatile("lw %0, 0(%1)" : "+r"(v) : "r"(a) : "memory");
    return v;
}
static uint64_t do_sd(uint64_t a) {
    __asm__ volatile("sd %0, 0(%1)" : : "r"(0x5a5aul), "r"(a) : "memory");
    return 0;
}
static uint64_t do_sw(uint64_t a) {
    __asm__ volatile("sw %0, 0(%1)" : : "r"(0x5a5aul), "r"(a) : "memory");
    return 0;
}
static uint64_t do_exec(uint64_t a) { return try_call(a, 0); }

/* Runs fn(addr) in `mode`: expects no trap (cause < 0) or that exception. */
static void expect(const char* what, int mode, lower_fn fn, uintptr_t addr, int cause) {
    trap_records_reset();
    run_lower(mode, fn, addr);
    if (cause < 0) {
        CHECK(m_rec.count == 0, "%s (%s, 0x%lx): unexpected trap, mcause %lu", what,
              mode == PRV_S ? "S" : "U", (unsigned long)addr, (unsigned long)m_rec.cause);
    } else {
        CHECK(m_rec.count == 1 && m_rec.cause == (uint64_t)cause && m_rec.tval == addr,
              "%s (%s, 0x%lx): %d traps, mcause %ld, mtval 0x%lx; expected mcause %d", what,
              mode == PRV_S ? "S" : "U", (unsigned long)addr, m_rec.count, (long)m_rec.cause,
              (unsigned long)m_rec.tval, cause);
    }
}

static void test_napot(void) {
    uintptr_t ro = (uintptr_t)pages[1], na = (uintptr_t)pages[2];
    set_entry(0, PMP_NAPOT | PMP_R, napot(ro, PAGE)); /* read-only */
    set_entry(1, PMP_NAPOT, napot(na, PAGE));         /* no access */
    CHECK_EQ(read_pmpaddr(0), napot(ro, PAGE));
    CHECK_EQ(read_cfg(0), PMP_NAPOT | PMP_R);
    CHECK_EQ(read_cfg(1), PMP_NAPOT);

    pages[1][8] = 0x11;
    for (int mode = PRV_U; mode <= PRV_S; mode++) {
        expect("load from a read-only region", mode, do_ld, ro + 8, -1);
        expect("store to a read-only region", mode, do_sd, ro + 8, 7);
        expect("store to a read-only region, last word", mode, do_sw, ro + PAGE - 4, 7);
        expect("load from a no-access region", mode, do_ld, na, 5);
        expect("load from a no-access region, last byte", mode, do_lw, na + PAGE - 4, 5);
        expect("store to a no-access region", mode, do_sd, na + 16, 7);
        expect("load just past a no-access region", mode, do_ld, na + PAGE, -1);
        expect("store just below a read-only region", mode, do_sd, ro - 8, -1);
    }
    CHECK_EQ(pages[1][8], 0x11); /* the failed stores did not happen */
    CHECK_EQ(run_lower(PRV_S, do_ld, ro + 8) & 0xff, 0x11);
    report("NAPOT: read-only and no-access 4 KiB regions from S and U");

    /* M-mode ignores unlocked entries. */
    trap_records_reset();
    do_sd(ro + 8);
    do_ld(na);
    CHECK_EQ(m_rec.count, 0);
    CHECK_EQ(pages[1][8], 0x5a);
    report("M-mode is not restricted by unlocked entries");

    /* A larger NAPOT region: 16 KiB over pages 4-7, read-only. */
    uintptr_t p4 = (uintptr_t)pages[4];
    set_entry(2, PMP_NAPOT | PMP_R, napot(p4, 4 * PAGE));
    expect("store into a 16 KiB region", PRV_S, do_sd, p4 + 3 * PAGE + 8, 7);
    expect("load from a 16 KiB region", PRV_S, do_ld, p4 + 3 * PAGE + 8, -1);
    expect("store past a 16 KiB region", PRV_S, do_sd, p4 + 4 * PAGE, -1);
    set_entry(2, 0, 0);
    set_entry(0, 0, 0);
    set_entry(1, 0, 0);
    report("NAPOT: a 16 KiB region");
}

static void test_tor_na4(void) {
    uintptr_t p1 = (uintptr_t)pages[1];
    /* TOR: [p1 + 64, p1 + 100) no access; entry 2 gives the bottom. */
    set_entry(2, 0, (p1 + 64) >> 2);
    set_entry(3, PMP_TOR, (p1 + 100) >> 2);
    expect("TOR: below the bottom", PRV_S, do_lw, p1 + 60, -1);
    expect("TOR: the bottom", PRV_S, do_lw, p1 + 64, 5);
    expect("TOR: the last word", PRV_S, do_lw, p1 + 96, 5);
    expect("TOR: the top (excluded)", PRV_S, do_lw, p1 + 100, -1);
    expect("TOR: store inside", PRV_U, do_sw, p1 + 80, 7);
    /* An 8-byte access that only partly lies in the region fails. */
    expect("TOR: partly inside (load)", PRV_S, do_ld, p1 + 96, 5);
    *(volatile uint64_t*)(p1 + 56) = 0x1111111111111111ul;
    expect("TOR: partly inside (store)", PRV_S, do_sd, p1 + 60, 7);
    CHECK(*(volatile uint64_t*)(p1 + 56) == 0x1111111111111111ul,
          "a store partly inside a no-access region changed memory: 0x%lx",
          (unsigned long)*(volatile uint64_t*)(p1 + 56));
    report("TOR: exact bounds; partial matches fail");

    /* NA4: the 4 bytes at p1 + 200, read-only. */
    set_entry(4, PMP_NA4 | PMP_R, (p1 + 200) >> 2);
    expect("NA4: load", PRV_S, do_lw, p1 + 200, -1);
    expect("NA4: store", PRV_S, do_sw, p1 + 200, 7);
    expect("NA4: store below", PRV_S, do_sw, p1 + 196, -1);
    expect("NA4: store above", PRV_S, do_sw, p1 + 204, -1);
    set_entry(4, 0, 0);
    set_entry(3, 0, 0);
    set_entry(2, 0, 0);
    report("NA4: a 4-byte region");
}

static void test_priority_exec(void) {
    uintptr_t p2 = (uintptr_t)pages[2];
    /* The lowest-numbered matching entry decides. */
    set_entry(5, PMP_NAPOT | PMP_R | PMP_W, napot(p2, PAGE));
    set_entry(6, PMP_NAPOT, napot(p2, PAGE));
    expect("entry 5 (RW) before entry 6 (none)", PRV_S, do_sd, p2 + 8, -1);
    set_entry(5, PMP_NAPOT, napot(p2, PAGE));
    set_entry(6, PMP_NAPOT | PMP_R | PMP_W, napot(p2, PAGE));
    expect("entry 5 (none) before entry 6 (RW)", PRV_S, do_sd, p2 + 8, 7);
    set_entry(6, 0, 0);
    report("the lowest-numbered matching entry wins");

    /* Execute permission: code in page 2 returning 42. */
    static const uint32_t code[] = {0x02a00513 /* li a0, 42 */, 0x00008067 /* ret */};
    for (unsigned i = 0; i < 2; i++)
        ((volatile uint32_t*)p2)[i] = code[i];
    __asm__ volatile("fence.i" ::: "memory");
    set_entry(5, PMP_NAPOT | PMP_R | PMP_W, napot(p2, PAGE));
    expect("fetch from a region without X", PRV_S, do_exec, p2, 1);
    expect("fetch from a region without X", PRV_U, do_exec, p2, 1);
    set_entry(5, PMP_NAPOT | PMP_X, napot(p2, PAGE));
    trap_records_reset();
    uint64_t r = run_lower(PRV_S, do_exec, p2);
    CHECK_EQ(m_rec.count, 0);
    CHECK_EQ(r, 42);
    expect("load from an execute-only region", PRV_S, do_ld, p2, 5);
    set_entry(5, 0, 0);
    report("X permission: instruction access fault (mcause 1, mtval = pc)");
}

static void test_mprv(void) {
    uintptr_t p0 = (uintptr_t)pages[0];
    set_entry(0, PMP_NAPOT | PMP_R, napot(p0, PAGE));
    /* MPRV with MPP = S: M-mode loads and stores are checked as S-mode. */
    trap_records_reset();
    uint64_t mpp_s = (uint64_t)PRV_S << 11;
    __asm__ volatile("csrc mstatus, %0\n csrs mstatus, %1\n csrs mstatus, %2\n"
                     "sd %3, 0(%4)\n"
                     "csrc mstatus, %2"
                     :
                     : "r"(MSTATUS_MPP), "r"(mpp_s), "r"(MSTATUS_MPRV), "r"(1ul), "r"(p0 + 24)
                     : "memory");
    CHECK_EQ(m_rec.count, 1);
    CHECK_EQ(m_rec.cause, 7);
    CHECK_EQ(m_rec.tval, p0 + 24);
    CHECK_EQ((m_rec.status & MSTATUS_MPP) >> 11, PRV_M); /* the trap came from M-mode */
    CHECK_EQ(pages[0][24], 0);
    /* MPRV with MPP = M: no restriction. */
    trap_records_reset();
    __asm__ volatile("csrs mstatus, %0\n csrs mstatus, %1\n"
                     "sd %2, 0(%3)\n"
                     "csrc mstatus, %1"
                     :
                     : "r"(MSTATUS_MPP), "r"(MSTATUS_MPRV), "r"(1ul), "r"(p0 + 24)
                     : "memory");
    CHECK_EQ(m_rec.count, 0);
    CHECK_EQ(pages[0][24], 1);
    /* MPRV does not apply to instruction fetch: M-mode still runs. */
    set_entry(0, 0, 0);
    report("MPRV: M-mode data accesses with MPP's privilege");
}

static void test_locked(void) {
    uintptr_t p3 = (uintptr_t)pages[3], p4 = (uintptr_t)pages[4];
    pages[3][0] = 0x33;
    set_entry(7, PMP_NAPOT | PMP_R | PMP_L, napot(p3, PAGE));
    /* It binds M-mode now. */
    trap_records_reset();
    uint64_t v = do_ld(p3);
    CHECK_EQ(m_rec.count, 0);
    CHECK_EQ(v & 0xff, 0x33);
    do_sd(p3 + 8);
    CHECK_EQ(m_rec.count, 1);
    CHECK_EQ(m_rec.cause, 7);
    CHECK_EQ(m_rec.tval, p3 + 8);
    expect("store to a locked read-only region", PRV_S, do_sd, p3 + 8, 7);
    /* Writes to a locked entry are ignored. */
    write_cfg(7, PMP_NAPOT | PMP_R | PMP_W | PMP_X);
    write_pmpaddr(7, napot(p4, PAGE));
    CHECK_EQ(read_cfg(7), PMP_NAPOT | PMP_R | PMP_L);
    CHECK_EQ(read_pmpaddr(7), napot(p3, PAGE));
    trap_records_reset();
    do_sd(p3 + 8);
    CHECK_EQ(m_rec.count, 1);
    report("locked entry: binds M-mode, ignores writes");

    /* A locked TOR entry also locks the pmpaddr below it. */
    set_entry(8, 0, p4 >> 2);
    set_entry(9, PMP_TOR | PMP_R | PMP_L, (p4 + PAGE) >> 2);
    write_pmpaddr(8, (p4 + 64) >> 2);
    CHECK_EQ(read_pmpaddr(8), p4 >> 2);
    trap_records_reset();
    do_sd(p4);
    CHECK_EQ(m_rec.count, 1);
    CHECK_EQ(m_rec.cause, 7);
    CHECK_EQ(m_rec.tval, p4);
    do_sd(p4 + PAGE); /* just past the top */
    CHECK_EQ(m_rec.count, 1);
    report("locked TOR entry: locks the pmpaddr below it too");
}

int main(void) {
    priv_install(record_m_trap);
    test_napot();
    test_tor_na4();
    test_priority_exec();
    test_mprv();
    test_locked();
    printf("pmp: %d failures\n", guest_failures);
    return guest_failures;
}
