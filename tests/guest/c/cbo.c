/* The cache-block operations (Zicbom, Zicboz) as a program sees them:
 * cbo.zero zeroes the 64-byte block around its address; menvcfg/senvcfg
 * gate the instructions for S and U (illegal instruction when off); a PMP
 * entry that only lets S read makes cbo.zero a store access fault with the
 * address in mtval, while cbo.clean, which needs a load or a store, goes
 * through; with no access at all cbo.clean faults too. REFERENCE none: QEMU
 * 7.2 has no Zicbom or Zicboz. */
#include "priv.h"

#include <string.h>

#define ENVCFG_CBIE (1ul << 4) /* 01: cbo.inval flushes */
#define ENVCFG_CBCFE (1ul << 6)
#define ENVCFG_CBZE (1ul << 7)
#define PMP_R 1
#define PMP_NAPOT 0x18

static uint8_t page[4096] __attribute__((aligned(4096)));

static uint64_t do_zero(uint64_t addr) {
    __asm__ volatile("cbo.zero (%0)" : : "r"(addr) : "memory");
    return 0;
}

static uint64_t do_clean(uint64_t addr) {
    __asm__ volatile("cbo.clean (%0)" : : "r"(addr) : "memory");
    return 0;
}

static uint64_t do_all(uint64_t addr) {
    __asm__ volatile("cbo.inval (%0)\n cbo.clean (%0)\n cbo.flush (%0)\n cbo.zero (%0)"
                     :
                     : "r"(addr)
                     : "memory");
    return 0;
}

/* PMP entry 0 over `page` with permissions `perm`; 0 switches it off. */
static void pmp_page(unsigned perm) {
    csr_write(pmpaddr0, ((uintptr_t)page >> 2) | 0x1ff);
    csr_write(pmpcfg0, perm ? (PMP_NAPOT | perm) : PMP_NAPOT | 0);
}

static int zeroed(unsigned from, unsigned to) {
    for (unsigned i = 0; i < sizeof(page); i++) {
        int in = i >= from && i < to;
        if (page[i] != (in ? 0 : 0xaa)) return 0;
    }
    return 1;
}

int main(void) {
    priv_install(record_m_trap);

    memset(page, 0xaa, sizeof(page));
    do_zero((uintptr_t)page + 70);
    CHECK(zeroed(64, 128), "cbo.zero must clear bytes 64..127 only");
    report("cbo.zero clears the aligned 64-byte block around its address");

    trap_records_reset();
    csr_write(menvcfg, 0);
    csr_write(senvcfg, 0);
    run_lower(PRV_S, do_zero, (uintptr_t)page);
    CHECK_EQ(m_rec.count, 1);
    CHECK_EQ(m_rec.cause, 2);
    csr_write(menvcfg, ENVCFG_CBIE | ENVCFG_CBCFE | ENVCFG_CBZE);
    run_lower(PRV_S, do_all, (uintptr_t)page);
    CHECK_EQ(m_rec.count, 1);
    run_lower(PRV_U, do_zero, (uintptr_t)page);
    CHECK_EQ(m_rec.count, 2);
    CHECK_EQ(m_rec.cause, 2);
    csr_write(senvcfg, ENVCFG_CBZE);
    memset(page, 0xaa, sizeof(page));
    run_lower(PRV_U, do_zero, (uintptr_t)page + 4095);
    CHECK_EQ(m_rec.count, 2);
    CHECK(zeroed(4032, 4096), "cbo.zero from U must clear the last block");
    report("menvcfg and senvcfg gate cbo.* for S and U");

    trap_records_reset();
    memset(page, 0xaa, sizeof(page));
    pmp_page(PMP_R);
    run_lower(PRV_S, do_zero, (uintptr_t)page + 130);
    CHECK_EQ(m_rec.count, 1);
    CHECK_EQ(m_rec.cause, 7);
    CHECK_EQ(m_rec.tval, (uintptr_t)page + 130);
    CHECK(zeroed(0, 0), "a faulting cbo.zero must store nothing");
    run_lower(PRV_S, do_clean, (uintptr_t)page + 130);
    CHECK_EQ(m_rec.count, 1);
    pmp_page(0);
    run_lower(PRV_S, do_clean, (uintptr_t)page + 200);
    CHECK_EQ(m_rec.count, 2);
    CHECK_EQ(m_rec.cause, 7);
    CHECK_EQ(m_rec.tval, (uintptr_t)page + 200);
    csr_write(pmpcfg0, 0);
    report("PMP: cbo.zero needs write, cbo.clean read or write; faults report rs1");

    csr_write(menvcfg, 0);
    csr_write(senvcfg, 0);
    return guest_failures;
}
