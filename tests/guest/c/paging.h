/* Virtual memory, shared by paging-sv39.c (LEVELS 3) and paging-sv48.c
 * (LEVELS 4): page tables built in C, satp, sfence.vma, loads, stores and
 * fetches through 4 KiB pages, a 2 MiB superpage and (Sv48) a 512 GiB
 * page, page faults delegated to S-mode with the right scause (12 fetch,
 * 13 load, 15 store) and stval = the virtual address, for unmapped,
 * read-only, no-execute and reserved (W without R, bits 54-63) PTEs,
 * misaligned superpages, non-leaf PTEs at the last level and non-canonical
 * addresses; misaligned accesses and fetches across a page boundary into a
 * faulting page (stval = the faulting page, no partial store); U pages
 * from S-mode with and without SUM (never executable there), user code
 * using U pages and faulting on S pages, MXR, the A and D bits that QEMU
 * 7.2 sets in 4 KiB and 2 MiB PTEs (fetches set A too), sfence.vma after a
 * PTE change, and switching satp between two page tables. Prints one line
 * per group; the exit status is the number of failed checks. */
#include "priv.h"

#if LEVELS == 3
#define SATP_MODE 8ul
#define MODE_NAME "Sv39"
#else
#define SATP_MODE 9ul
#define MODE_NAME "Sv48"
#endif

#define PTE_V 0x001
#define PTE_R 0x002
#define PTE_W 0x004
#define PTE_X 0x008
#define PTE_U 0x010
#define PTE_G 0x020
#define PTE_A 0x040
#define PTE_D 0x080
#define AD (PTE_A | PTE_D)

#define PAGE 4096ul
#define MiB (1ul << 20)
#define GiB (1ul << 30)

/* The test area: VPN[2] = 64, so it needs its own tables in both modes. */
#define TV 0x1000000000ul
#define VA(i) (TV + (i)*PAGE)
/* The 2 MiB superpage and its physical memory (unused RAM, 8 MiB in). */
#define SUPER_VA (TV + 2 * MiB)
#define SUPER_PA 0x80800000ul
#define BAD_SUPER_VA (TV + 4 * MiB)
#define AD_SUPER_VA (TV + 6 * MiB)

static uint64_t pt_pool[24][512] __attribute__((aligned(4096)));
static int pt_used;
static uint8_t data[12][PAGE] __attribute__((aligned(4096)));
static uint64_t *root, *root2;

static uint64_t* new_table(void) {
    uint64_t* t = pt_pool[pt_used++];
    for (int i = 0; i < 512; i++)
        t[i] = 0;
    return t;
}
static uint64_t pte_table(const uint64_t* t) { return (((uintptr_t)t >> 12) << 10) | PTE_V; }
static uint64_t pte_leaf(uintptr_t pa, uint64_t flags) {
    return ((pa >> 12) << 10) | flags | PTE_V;
}
static unsigned vpn(uintptr_t va, int level) { return (va >> (12 + 9 * level)) & 0x1ff; }

/* The PTE that maps va at `level` (0: 4 KiB), making tables on the way. */
static volatile uint64_t* pte_at(uint64_t* table, uintptr_t va, int level) {
    for (int l = LEVELS - 1; l > level; l--) {
        uint64_t* e = &table[vpn(va, l)];
        if (!(*e & PTE_V)) *e = pte_table(new_table());
        table = (uint64_t*)((*e >> 10) << 12);
    }
    return &table[vpn(va, level)];
}

static void map(uint64_t* table, uintptr_t va, uintptr_t pa, int level, uint64_t flags) {
    *pte_at(table, va, level) = pte_leaf(pa, flags);
}

static uint64_t satp_for(uint64_t* table) { return (SATP_MODE << 60) | ((uintptr_t)table >> 12); }

/* User code, copied into a user page: loads from a0, stores a0 at a1 when
 * a1 is not 0, and returns to M-mode with priv_return's magic ECALL. */
__asm__(".section .text\n .option push\n .option norvc\n"
        ".globl user_code, user_code_end\n"
        "user_code:\n"
        " ld a0, 0(a0)\n"
        " beqz a1, 1f\n"
        " sd a0, 0(a1)\n"
        "1: li a7, "
        "0x5e7"
        "\n"
        " li a6, "
        "0x7e57"
        "\n"
        " ecall\n"
        "user_code_end:\n"
        " .option pop\n");
extern char user_code[], user_code_end[];

static void build_tables(void) {
    pt_used = 0;
    root = new_table();
    /* Identity: MMIO in the first GiB, RAM in the third; supervisor, global. */
    map(root, 0, 0, 2, PTE_R | PTE_W | AD | PTE_G);
    map(root, 0x80000000ul, 0x80000000ul, 2, PTE_R | PTE_W | PTE_X | AD | PTE_G);
    /* The test pages. */
    map(root, VA(0), (uintptr_t)data[0], 0, PTE_R | PTE_W | AD);
    map(root, VA(1), (uintptr_t)data[1], 0, PTE_R | PTE_A);
    *pte_at(root, VA(2), 0) = 0; /* unmapped */
    map(root, VA(3), (uintptr_t)data[3], 0, PTE_X | PTE_A);
    map(root, VA(4), (uintptr_t)data[4], 0, PTE_R | PTE_W | AD);
    map(root, VA(5), (uintptr_t)data[5], 0, PTE_R | PTE_W | PTE_U | AD);
    map(root, VA(6), (uintptr_t)data[6], 0, PTE_R | PTE_W);      /* A and D clear */
    map(root, VA(7), (uintptr_t)data[7], 0, PTE_W | AD);         /* reserved: W without R */
    map(root, VA(8), (uintptr_t)data[8], 0, PTE_R | PTE_W | AD); /* remapped later */
    map(root, VA(9), (uintptr_t)data[3], 0, PTE_R | PTE_X | PTE_U | PTE_A); /* user code */
    map(root, VA(10), (uintptr_t)data[10], 0, PTE_R | PTE_U | PTE_A);       /* user read-only */
    *pte_at(root, VA(11), 0) = pte_table(pt_pool[0]);                /* non-leaf at level 0 */
    map(root, VA(12), (uintptr_t)data[5], 0, PTE_X | PTE_U | PTE_A); /* user execute-only */
    map(root, SUPER_VA, SUPER_PA, 1, PTE_R | PTE_W | AD);
    map(root, BAD_SUPER_VA, SUPER_PA + PAGE, 1, PTE_R | PTE_W | AD); /* misaligned */
    map(root, AD_SUPER_VA, SUPER_PA, 1, PTE_R | PTE_W);              /* A and D clear */
    map(root, VA(14), (uintptr_t)data[9], 0, PTE_R | PTE_X);         /* code, A clear */
#if LEVELS == 4
    /* A 512 GiB page at VPN[3] = 1 over physical 0, and a misaligned one. */
    root[1] = pte_leaf(0, PTE_R | PTE_W | AD);
    root[2] = pte_leaf(GiB, PTE_R | PTE_W | AD);
#endif
    /* A second address space: the same, but VA(0) maps data[11]. */
    root2 = new_table();
    for (int i = 0; i < 512; i++)
        root2[i] = root[i];
    /* root2 shares the lower tables, so give VA(0) its own path. */
    uint64_t* l = root2;
    for (int lv = LEVELS - 1; lv > 0; lv--) {
        uint64_t* copy = new_table();
        uint64_t* orig = (uint64_t*)((l[vpn(VA(0), lv)] >> 10) << 12);
        for (int i = 0; i < 512; i++)
            copy[i] = orig[i];
        l[vpn(VA(0), lv)] = pte_table(copy);
        l = copy;
    }
    l[vpn(VA(0), 0)] = pte_leaf((uintptr_t)data[11], PTE_R | PTE_W | AD);
}

/* S-mode probes. */
static uint64_t do_ld(uint64_t a) {
    uint64_t v = 0x77;
    __asm__ volatile("ld %0, 0(%1)" : "+r"(v) : "r"(a) : "memory");
    return v;
}
static uint64_t do_sd(uint64_t a) {
    __asm__ volatile("sd %0, 0(%1)" : : "r"(0x5d5dul), "r"(a) : "memory");
    return 0;
}
static uint64_t do_exec(uint64_t a) { return try_call(a, 0); }
static uint64_t do_ld_sum(uint64_t a) {
    csr_set(sstatus, MSTATUS_SUM);
    uint64_t v = do_ld(a);
    csr_clear(sstatus, MSTATUS_SUM);
    return v;
}
static uint64_t do_sd_sum(uint64_t a) {
    csr_set(sstatus, MSTATUS_SUM);
    do_sd(a);
    csr_clear(sstatus, MSTATUS_SUM);
    return 0;
}
static uint64_t do_exec_sum(uint64_t a) {
    csr_set(sstatus, MSTATUS_SUM);
    uint64_t v = try_call(a, 0);
    csr_clear(sstatus, MSTATUS_SUM);
    return v;
}
static uint64_t do_ld_mxr(uint64_t a) {
    csr_set(sstatus, MSTATUS_MXR);
    uint64_t v = do_ld(a);
    csr_clear(sstatus, MSTATUS_MXR);
    return v;
}
static uint64_t do_sfence_ld(uint64_t a) {
    __asm__ volatile("sfence.vma %0, zero" : : "r"(a) : "memory");
    return do_ld(a);
}
static uint64_t do_sfence_all_ld(uint64_t a) {
    __asm__ volatile("sfence.vma" ::: "memory");
    return do_ld(a);
}

/* Runs fn(va) in S-mode: no fault (cause < 0), or that page fault in the
 * S-mode handler with stval = tval. Returns fn's result. */
static uint64_t expect_tval(const char* what, lower_fn fn, uintptr_t va, int cause,
                            uintptr_t tval) {
    trap_records_reset();
    uint64_t r = run_lower(PRV_S, fn, va);
    CHECK(m_rec.count == 0, "%s (0x%lx): trap to M-mode, mcause %lu mtval 0x%lx", what,
          (unsigned long)va, (unsigned long)m_rec.cause, (unsigned long)m_rec.tval);
    if (cause < 0) {
        CHECK(s_rec.count == 0, "%s (0x%lx): unexpected page fault, scause %lu", what,
              (unsigned long)va, (unsigned long)s_rec.cause);
    } else {
        CHECK(s_rec.count == 1 && s_rec.cause == (uint64_t)cause && s_rec.tval == tval,
              "%s (0x%lx): %d faults, scause %ld, stval 0x%lx; expected scause %d, stval 0x%lx",
              what, (unsigned long)va, s_rec.count, (long)s_rec.cause, (unsigned long)s_rec.tval,
              cause, (unsigned long)tval);
    }
    return r;
}

static uint64_t expect(const char* what, lower_fn fn, uintptr_t va, int cause) {
    return expect_tval(what, fn, va, cause, va);
}

/* Runs the user code at VA(9) with a0 = load address, a1 = store address. */
static uint64_t user_run(uintptr_t load, uintptr_t store) {
    trap_records_reset();
    return run_lower_at(PRV_U, VA(9), load, store, lower_stack_top());
}

static void test_basic(void) {
    *(volatile uint64_t*)data[0] = 0x1111111111111111ul;
    *(volatile uint64_t*)(data[0] + 0xff8) = 0x2222222222222222ul;
    CHECK_EQ(expect("load", do_ld, VA(0), -1), 0x1111111111111111ul);
    CHECK_EQ(expect("load at the end of the page", do_ld, VA(0) + 0xff8, -1), 0x2222222222222222ul);
    expect("store", do_sd, VA(0) + 16, -1);
    CHECK_EQ(*(volatile uint64_t*)(data[0] + 16), 0x5d5d);
    /* The identity mappings: RAM through the gigapage. */
    static volatile uint64_t ram_word = 0xabcdef;
    CHECK_EQ(expect("load through the RAM gigapage", do_ld, (uintptr_t)&ram_word, -1), 0xabcdef);
    report(MODE_NAME ": loads and stores through 4 KiB pages and a gigapage");

    /* Fetch: the code in data[3] is mapped execute-only at VA(3). */
    static const uint32_t code[] = {0x02a00513 /* li a0, 42 */, 0x00008067 /* ret */};
    for (int i = 0; i < 2; i++)
        ((volatile uint32_t*)data[3])[i] = code[i];
    __asm__ volatile("fence.i" ::: "memory");
    CHECK_EQ(expect("fetch from an X page", do_exec, VA(3), -1), 42);
    report(MODE_NAME ": instruction fetch through a mapping");
}

static void test_faults(void) {
    expect("store to a read-only page", do_sd, VA(1) + 8, 15);
    expect("load from an unmapped page", do_ld, VA(2) + 0x10, 13);
    expect("store to an unmapped page", do_sd, VA(2) + 0x18, 15);
    expect("fetch from an unmapped page", do_exec, VA(2), 12);
    expect("fetch from a no-execute page", do_exec, VA(4), 12);
    expect("fetch from a read-only page", do_exec, VA(1), 12);
    expect("load from an execute-only page", do_ld, VA(3), 13);
    expect("load from a W-without-R page", do_ld, VA(7), 13);
    expect("store to a W-without-R page", do_sd, VA(7), 15);
    expect("load through a non-leaf PTE at level 0", do_ld, VA(11), 13);
    expect("load from a misaligned superpage", do_ld, BAD_SUPER_VA + 0x100, 13);
    expect("store to a page with no PTE", do_sd, VA(13), 15);
#if LEVELS == 3
    expect("load from a non-canonical address", do_ld, 0x4000000000ul, 13);
    expect("load from a non-canonical address", do_ld, 0x8000000000ul + 0x80000000ul, 13);
#else
    expect("load from a non-canonical address", do_ld, 0x800000000000ul, 13);
    expect("load from a non-canonical address", do_ld, 0x1000000000000ul + 0x80000000ul, 13);
#endif
    report(MODE_NAME ": page faults: scause 12/13/15, stval = the address");

    /* A misaligned access across a page boundary into a page that faults:
     * stval is the address of the part that faulted, the start of the
     * second page (the spec's rule, and QEMU's), and a store does nothing
     * at all (QEMU checks both pages first). */
    expect_tval("load across into an unmapped page", do_ld, VA(1) + 0xffc, 13, VA(2));
    *(volatile uint64_t*)(data[0] + 0xff8) = 0x2222222222222222ul;
    expect_tval("store across into a read-only page", do_sd, VA(0) + 0xffc, 15, VA(1));
    CHECK(*(volatile uint64_t*)(data[0] + 0xff8) == 0x2222222222222222ul,
          "the faulting store changed the first page: 0x%lx",
          (unsigned long)*(volatile uint64_t*)(data[0] + 0xff8));
    CHECK_EQ(*(volatile uint64_t*)data[1], 0);
    report(MODE_NAME
           ": misaligned access across pages: stval = the faulting page, no partial store");

    /* A 4-byte instruction in the last 2 bytes of an executable page, with
     * a no-execute page after it: sepc at the instruction, stval = the
     * second page. */
    volatile uint16_t* half = (volatile uint16_t*)(data[3] + PAGE - 2);
    half[0] = 0x0513; /* li a0, 42 = 0x02a00513, split over the pages */
    ((volatile uint16_t*)data[4])[0] = 0x02a0;
    __asm__ volatile("fence.i" ::: "memory");
    expect_tval("fetch across into a no-execute page", do_exec, VA(3) + PAGE - 2, 12, VA(4));
    CHECK_EQ(s_rec.epc, VA(3) + PAGE - 2);
    report(MODE_NAME ": instruction fetch across pages: stval = the faulting page");

    /* PTE bits 54-63 are reserved (no Svpbmt, Svnapot): a page fault. */
    static const int reserved[] = {54, 60, 61, 62, 63};
    for (unsigned i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
        *pte_at(root, VA(0), 0) |= 1ul << reserved[i];
        expect("load through a PTE with a reserved bit set", do_sfence_ld, VA(0), 13);
        *pte_at(root, VA(0), 0) &= ~(1ul << reserved[i]);
    }
    __asm__ volatile("sfence.vma" ::: "memory");
    expect("load through the PTE with its reserved bits clear again", do_sfence_ld, VA(0), -1);
    report(MODE_NAME ": reserved PTE bits give page faults");
}

static void test_user_pages(void) {
    *(volatile uint64_t*)data[5] = 0x5555;
    expect("S load from a U page without SUM", do_ld, VA(5), 13);
    expect("S store to a U page without SUM", do_sd, VA(5) + 8, 15);
    CHECK_EQ(expect("S load from a U page with SUM", do_ld_sum, VA(5), -1), 0x5555);
    expect("S store to a U page with SUM", do_sd_sum, VA(5) + 8, -1);
    CHECK_EQ(*(volatile uint64_t*)(data[5] + 8), 0x5d5d);
    expect("S fetch from a U page, even with SUM", do_exec_sum, VA(9), 12);
    report(MODE_NAME ": U pages from S-mode: SUM for data, never for fetch");

    /* User code: the code page itself is U|R|X. */
    for (const char* p = user_code; p < user_code_end; p++)
        data[3][p - user_code] = *p;
    __asm__ volatile("fence.i" ::: "memory");
    *(volatile uint64_t*)data[10] = 0x1010;
    uint64_t r = user_run(VA(10), 0);
    CHECK_EQ(s_rec.count, 0);
    CHECK_EQ(m_rec.count, 0);
    CHECK_EQ(r, 0x1010);
    r = user_run(VA(10), VA(5) + 24); /* load a U page, store to a U RW page */
    CHECK_EQ(s_rec.count, 0);
    CHECK_EQ(*(volatile uint64_t*)(data[5] + 24), 0x1010);
    r = user_run(VA(0), 0); /* a supervisor page */
    CHECK_EQ(s_rec.count, 1);
    CHECK_EQ(s_rec.cause, 13);
    CHECK_EQ(s_rec.tval, VA(0));
    CHECK_EQ(s_rec.status & MSTATUS_SPP, 0); /* from U-mode */
    r = user_run(VA(10), VA(10) + 8);        /* store to a U read-only page */
    CHECK_EQ(s_rec.count, 1);
    CHECK_EQ(s_rec.cause, 15);
    CHECK_EQ(s_rec.tval, VA(10) + 8);
    /* MXR from U: U|X-only page readable only with MXR. */
    *(volatile uint64_t*)data[5] = 0x5151;
    r = user_run(VA(12), 0);
    CHECK_EQ(s_rec.count, 1);
    CHECK_EQ(s_rec.cause, 13);
    csr_set(mstatus, MSTATUS_MXR);
    r = user_run(VA(12), 0);
    csr_clear(mstatus, MSTATUS_MXR);
    CHECK_EQ(s_rec.count, 0);
    CHECK_EQ(r, 0x5151);
    report(MODE_NAME ": user code: U pages usable, S pages fault in U-mode");

    /* MXR from S. */
    CHECK_EQ(expect("S load from an X-only page with MXR", do_ld_mxr, VA(3), -1),
             *(volatile uint64_t*)data[3]);
    report(MODE_NAME ": MXR makes execute-only pages readable");
}

static void test_superpages(void) {
    volatile uint64_t* pa = (volatile uint64_t*)(SUPER_PA + 0x12340);
    *pa = 0x2020202020202020ul;
    CHECK_EQ(expect("load from the 2 MiB page", do_ld, SUPER_VA + 0x12340, -1),
             0x2020202020202020ul);
    expect("store to the 2 MiB page", do_sd, SUPER_VA + 0x1ffff8, -1);
    CHECK_EQ(*(volatile uint64_t*)(SUPER_PA + 0x1ffff8), 0x5d5d);
    expect("just past the 2 MiB page", do_ld, SUPER_VA + 2 * MiB, 13);
#if LEVELS == 4
    /* The 512 GiB page maps physical 0: RAM is at VA 0x80_8000_0000. */
    CHECK_EQ(
        expect("load through the 512 GiB page", do_ld, 0x8000000000ul + SUPER_PA + 0x12340, -1),
        0x2020202020202020ul);
    expect("load from a misaligned 512 GiB page", do_ld, 0x10000000000ul + 0x80000000ul, 13);
#endif
    report(MODE_NAME ": superpages");
}

static void test_accessed_dirty(void) {
    volatile uint64_t* pte = pte_at(root, VA(6), 0);
    CHECK_EQ(*pte & AD, 0);
    expect("load from a page with A clear", do_ld, VA(6), -1);
    uint64_t after_load = *pte;
    expect("store to a page with D clear", do_sd, VA(6) + 8, -1);
    uint64_t after_store = *pte;
    CHECK_EQ(after_load & AD, PTE_A);
    CHECK_EQ(after_store & AD, AD);
    CHECK_EQ(*(volatile uint64_t*)(data[6] + 8), 0x5d5d);
    /* The rest of the PTE is untouched. */
    CHECK_EQ(after_store & ~(uint64_t)AD, pte_leaf((uintptr_t)data[6], PTE_R | PTE_W));
    /* The same in a 2 MiB page's PTE. */
    pte = pte_at(root, AD_SUPER_VA, 1);
    CHECK_EQ(*pte & AD, 0);
    expect("load from a superpage with A clear", do_ld, AD_SUPER_VA + 0x1000, -1);
    CHECK_EQ(*pte & AD, PTE_A);
    expect("store to a superpage with D clear", do_sd, AD_SUPER_VA + 0x1ff000, -1);
    CHECK_EQ(*pte & AD, AD);
    /* An instruction fetch sets A. */
    static const uint32_t code[] = {0x02a00513 /* li a0, 42 */, 0x00008067 /* ret */};
    for (int i = 0; i < 2; i++)
        ((volatile uint32_t*)data[9])[i] = code[i];
    __asm__ volatile("fence.i" ::: "memory");
    pte = pte_at(root, VA(14), 0);
    CHECK_EQ(*pte & AD, 0);
    CHECK_EQ(expect("fetch from a page with A clear", do_exec, VA(14), -1), 42);
    CHECK_EQ(*pte & AD, PTE_A);
    report(MODE_NAME ": the A and D bits are set in the PTE");
}

static void test_sfence_satp(void) {
    *(volatile uint64_t*)data[8] = 0x8888;
    *(volatile uint64_t*)data[9] = 0x9999;
    CHECK_EQ(expect("load before the remap", do_ld, VA(8), -1), 0x8888);
    *pte_at(root, VA(8), 0) = pte_leaf((uintptr_t)data[9], PTE_R | PTE_W | AD);
    CHECK_EQ(expect("load after the remap and sfence.vma va", do_sfence_ld, VA(8), -1), 0x9999);
    *pte_at(root, VA(8), 0) = pte_leaf((uintptr_t)data[8], PTE_R | PTE_W | AD);
    CHECK_EQ(expect("load after the remap and sfence.vma", do_sfence_all_ld, VA(8), -1), 0x8888);
    /* Unmapping: after sfence.vma the page faults. */
    *pte_at(root, VA(8), 0) = 0;
    expect("load after unmapping", do_sfence_ld, VA(8), 13);
    report(MODE_NAME ": sfence.vma after changing a PTE");

    *(volatile uint64_t*)data[11] = 0xbbbb;
    csr_write(satp, satp_for(root2));
    __asm__ volatile("sfence.vma" ::: "memory");
    CHECK_EQ(expect("load through the second page table", do_ld, VA(0), -1), 0xbbbb);
    csr_write(satp, satp_for(root));
    __asm__ volatile("sfence.vma" ::: "memory");
    CHECK_EQ(expect("load through the first page table again", do_ld, VA(0), -1),
             0x1111111111111111ul);
    report(MODE_NAME ": switching satp");
}

int main(void) {
    priv_install(record_m_trap);
    s_trap_install(record_s_trap);
    csr_write(medeleg, (1 << 12) | (1 << 13) | (1 << 15));
    build_tables();
    csr_write(satp, satp_for(root));
    CHECK_EQ(csr_read(satp), satp_for(root));
    __asm__ volatile("sfence.vma" ::: "memory");
    report(MODE_NAME ": satp accepts the mode");
    test_basic();
    test_faults();
    test_user_pages();
    test_superpages();
    test_accessed_dirty();
    test_sfence_satp();
    csr_write(satp, 0);
    __asm__ volatile("sfence.vma" ::: "memory");
    printf("paging " MODE_NAME ": %d failures\n", guest_failures);
    return guest_failures;
}
