/* Svpbmt, Svnapot and Svinval on paging.h's Sv39 tables (its main is not
 * used): with menvcfg.PBMTE, NC and IO pages work, and PBMT on a pointer
 * to the next level faults (QEMU 7.2 maps PBMT pages without PBMTE too,
 * where the spec has a page fault: tests/unit/riscv_privmem_test.cpp checks
 * that, and the reserved PBMT value 3); a 64 KiB NAPOT PTE maps each
 * of its 16 pages, other N encodings and N on a 2 MiB page fault;
 * sinval.vma between sfence.w.inval and sfence.inval.ir makes a changed PTE
 * seen, and is illegal in U-mode. Compared with QEMU 7.2 with svpbmt,
 * svnapot and svinval on. */
#define LEVELS 3
#define main paging_main
#include "paging.h"
#undef main

#define PTE_N (1ul << 63)
#define PBMT_NC (1ul << 61)
#define PBMT_IO (2ul << 61)
#define MENVCFG_PBMTE (1ul << 62)
#define PBMT_VA VA(13)
#define NAPOT_VA (TV + 8 * MiB)
#define NAPOT_PA 0x80a00000ul /* unused RAM, 64 KiB aligned */
#define RW_AD (PTE_R | PTE_W | AD)

static void flush(void) { __asm__ volatile("sfence.vma" ::: "memory"); }

/* sfence.w.inval; sinval.vma a, zero; sfence.inval.ir; then the load. */
static uint64_t do_sinval_ld(uint64_t a) {
    __asm__ volatile(".insn r 0x73, 0, 0x0c, x0, x0, x0\n"
                     ".insn r 0x73, 0, 0x0b, x0, %0, x0\n"
                     ".insn r 0x73, 0, 0x0c, x0, x0, x1\n"
                     :
                     : "r"(a)
                     : "memory");
    return do_ld(a);
}

static uint64_t do_sinval(uint64_t a) {
    __asm__ volatile(".insn r 0x73, 0, 0x0b, x0, %0, x0" : : "r"(a) : "memory");
    return 0;
}

static void test_pbmt(void) {
    *(volatile uint64_t*)data[1] = 0x1212;
    *pte_at(root, PBMT_VA, 0) = pte_leaf((uintptr_t)data[1], RW_AD) | PBMT_NC;
    csr_write(menvcfg, MENVCFG_PBMTE);
    flush();
    CHECK_EQ(expect("PBMT=NC", do_ld, PBMT_VA, -1), 0x1212);
    *pte_at(root, PBMT_VA, 0) = pte_leaf((uintptr_t)data[1], RW_AD) | PBMT_IO;
    flush();
    CHECK_EQ(expect("PBMT=IO", do_ld, PBMT_VA, -1), 0x1212);
    volatile uint64_t* l1 = pte_at(root, PBMT_VA, 1);
    uint64_t saved = *l1;
    *l1 = saved | PBMT_NC;
    flush();
    expect("PBMT on a pointer", do_ld, PBMT_VA, 13);
    *l1 = saved;
    *pte_at(root, PBMT_VA, 0) = 0;
    csr_write(menvcfg, 0);
    flush();
    report("Svpbmt: NC and IO pages, and PBMT only on a leaf");
}

static void test_napot(void) {
    for (uintptr_t k = 0; k < 16; k++) {
        *(volatile uint64_t*)(NAPOT_PA + k * PAGE + 8) = 0xa000 + k;
        map(root, NAPOT_VA + k * PAGE, NAPOT_PA | 0x8000, 0, RW_AD | PTE_N);
    }
    flush();
    for (uintptr_t k = 0; k < 16; k++)
        CHECK_EQ(expect("NAPOT page", do_ld, NAPOT_VA + k * PAGE + 8, -1), 0xa000 + k);
    map(root, NAPOT_VA, NAPOT_PA | 0x4000, 0, RW_AD | PTE_N); /* a 32 KiB size: reserved */
    flush();
    expect("N with ppn[3:0] = 0100", do_ld, NAPOT_VA, 13);
    map(root, NAPOT_VA, NAPOT_PA, 0, RW_AD | PTE_N);
    flush();
    expect("N with ppn[3:0] = 0000", do_ld, NAPOT_VA, 13);
    map(root, NAPOT_VA + 2 * MiB, SUPER_PA, 1, RW_AD | PTE_N);
    flush();
    expect("N on a 2 MiB page", do_ld, NAPOT_VA + 2 * MiB, 13);
    report("Svnapot: 64 KiB pages, and nothing else");
}

static void test_svinval(void) {
    *(volatile uint64_t*)data[1] = 0x1111;
    *(volatile uint64_t*)data[2] = 0x2222;
    *pte_at(root, PBMT_VA, 0) = pte_leaf((uintptr_t)data[1], RW_AD);
    flush();
    CHECK_EQ(expect("load before the remap", do_ld, PBMT_VA, -1), 0x1111);
    *pte_at(root, PBMT_VA, 0) = pte_leaf((uintptr_t)data[2], RW_AD);
    CHECK_EQ(expect("load after sinval.vma", do_sinval_ld, PBMT_VA, -1), 0x2222);
    csr_write(satp, 0);
    flush();
    trap_records_reset();
    run_lower(PRV_U, do_sinval, 0);
    CHECK_EQ(m_rec.count, 1);
    CHECK_EQ(m_rec.cause, 2);
    csr_write(satp, satp_for(root));
    flush();
    report("Svinval: sinval.vma in S, illegal in U");
}

int main(void) {
    priv_install(record_m_trap);
    s_trap_install(record_s_trap);
    csr_write(medeleg, (1 << 12) | (1 << 13) | (1 << 15));
    build_tables();
    csr_write(satp, satp_for(root));
    flush();
    test_pbmt();
    test_napot();
    test_svinval();
    csr_write(satp, 0);
    flush();
    return guest_failures;
}
