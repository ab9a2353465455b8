/* The strng escape, attempted every way (run with -device strng -d
 * guest_errors). The original BlizzardCTF 2017 device indexed its registers
 * with the I/O latch checked only for alignment, so latching 0x104 read a
 * host function pointer and latching 0x114 overwrote one (see
 * hw/misc/strng.cpp). Here every attempt must be refused: a refused read
 * sees all-ones, a refused write changes no register (all 64 are read back
 * and compared after each group), nothing faults, and legal accesses keep
 * working. Each refusal is a guest_errors line on stderr, which the test
 * compares with expected/strng-escape.err: one line per refused access
 * (a misaligned access is performed byte by byte, so one line per byte).
 *
 * What lies past the BARs is not strng: BAR0 + 0x100 and up, and BAR1 + 8 and
 * up, are the PCI host's unmapped windows, which read all-ones and ignore
 * writes without a log line (as QEMU's gpex with allow-unmapped-accesses).
 * The test checks that they reach no register.
 *
 * QEMU has no strng: no reference run. Prints one line per group; the exit
 * status is the number of failed checks. */
#include "pci.h"
#include "priv.h"

static uintptr_t mmio; /* BAR0: 64 registers */
static uintptr_t pio;  /* BAR1: the latch at port 0, the data at port 4 */
static uint32_t snap[64];

static uint64_t ones(unsigned size) { return size == 8 ? ~0ull : (1ull << (8 * size)) - 1; }

static uint64_t rd(uintptr_t a, unsigned size) {
    switch (size) {
    case 1: return mmio_read8(a);
    case 2: return mmio_read16(a);
    case 4: return mmio_read32(a);
    default: return mmio_read64(a);
    }
}

static void wr(uintptr_t a, unsigned size, uint64_t v) {
    switch (size) {
    case 1: mmio_write8(a, v); break;
    case 2: mmio_write16(a, v); break;
    case 4: mmio_write32(a, v); break;
    default: mmio_write64(a, v); break;
    }
}

static uint32_t reg(int i) { return mmio_read32(mmio + 4 * i); }
static void latch(uint32_t v) { mmio_write32(pio, v); }
static uint32_t latched(void) { return mmio_read32(pio); }

static void take_snapshot(void) {
    for (int i = 0; i < 64; i++)
        snap[i] = reg(i);
}

/* Every register as it was at the snapshot, and nothing faulted. */
static void check_unchanged(const char* what) {
    for (int i = 0; i < 64; i++) {
        uint32_t now = reg(i);
        CHECK(now == snap[i], "%s: register %d changed: 0x%x -> 0x%x", what, i, (unsigned)snap[i],
              (unsigned)now);
    }
    CHECK(m_rec.count == 0, "%s: %d traps (mcause %lu)", what, m_rec.count,
          (unsigned long)m_rec.cause);
}

/* A read that must be refused (all-ones), then a write that must be. */
static void refused(uintptr_t a, unsigned size, uint64_t value, const char* what) {
    uint64_t got = rd(a, size);
    CHECK(got == ones(size), "%s: %u-byte read at 0x%lx gave 0x%llx", what, size, (unsigned long)a,
          (unsigned long long)got);
    wr(a, size, value);
}

/* The device's PRNG contract, observed: the same seed, the same numbers. */
static void check_seeded_sequence(void) {
    uint32_t a[3], b[3];
    mmio_write32(mmio + 0, 42);
    for (int i = 0; i < 3; i++) {
        mmio_write32(mmio + 4, 0);
        a[i] = reg(1);
    }
    latch(0); /* seed again through the latch */
    mmio_write32(pio + 4, 42);
    latch(4);
    for (int i = 0; i < 3; i++) {
        mmio_write32(pio + 4, 0);
        b[i] = mmio_read32(pio + 4);
    }
    for (int i = 0; i < 3; i++)
        CHECK(a[i] == b[i], "rand %d: 0x%x via MMIO, 0x%x via the latch", i, (unsigned)a[i],
              (unsigned)b[i]);
    CHECK(a[0] != a[1], "register 1 did not move on");
}

static void legal_accesses(void) {
    for (int i = 4; i < 64; i++)
        mmio_write32(mmio + 4 * i, 0x5a000000u | (i * 0x10101u));
    for (int i = 4; i < 64; i++)
        CHECK_EQ(reg(i), 0x5a000000u | (i * 0x10101u));
    /* The latch reaches the same registers. */
    latch(5 * 4);
    CHECK_EQ(latched(), 5 * 4);
    CHECK_EQ(mmio_read32(pio + 4), reg(5));
    mmio_write32(pio + 4, 0xcafef00d);
    CHECK_EQ(reg(5), 0xcafef00d);
    latch(63 * 4);
    CHECK_EQ(mmio_read32(pio + 4), reg(63));
    check_seeded_sequence();
    /* Register 3 steps the state in register 2. */
    mmio_write32(mmio + 8, 7);
    mmio_write32(mmio + 12, 0);
    uint32_t r3 = reg(3), state = reg(2);
    CHECK(state != 7, "register 2 did not move on");
    mmio_write32(mmio + 8, 7);
    mmio_write32(mmio + 12, 0xffffffff);
    CHECK_EQ(reg(3), r3);
    CHECK_EQ(reg(2), state);
    /* An aligned 8-byte access is two 4-byte ones: two registers, or the
     * latch and then the data. */
    CHECK_EQ(mmio_read64(mmio + 0xf8), ((uint64_t)reg(63) << 32) | reg(62));
    mmio_write64(mmio + 0x10, 0x4444444455555555ull);
    CHECK_EQ(reg(4), 0x55555555);
    CHECK_EQ(reg(5), 0x44444444);
    mmio_write64(pio, (0x66666666ull << 32) | (6 * 4));
    CHECK_EQ(latched(), 6 * 4);
    CHECK_EQ(reg(6), 0x66666666);
    CHECK_EQ(mmio_read64(pio), (0x66666666ull << 32) | (6 * 4));
    CHECK_EQ(m_rec.count, 0);
}

/* The published exploit: read the srand pointer behind regs[] (latch 0x104
 * and 0x108) and a heap pointer (0x1cc, 0x1d0), point rand_r (0x114) at
 * system, then trigger it with a write to register 3. */
static void ctf_exploit(void) {
    static const uint32_t leaks[] = {0x104, 0x108, 0x1cc, 0x1d0};
    for (unsigned i = 0; i < sizeof leaks / sizeof leaks[0]; i++) {
        latch(leaks[i]);
        CHECK_EQ(mmio_read32(pio + 4), 0xffffffff);
    }
    latch(0x114);
    mmio_write32(pio + 4, 0x41414141);
    check_unchanged("exploit");
    /* The trigger: register 3 still just steps the PRNG. */
    mmio_write32(mmio + 8, 7);
    mmio_write32(mmio + 12, 0);
    uint32_t r3 = reg(3);
    mmio_write32(mmio + 8, 7);
    latch(3 * 4);
    mmio_write32(pio + 4, 0);
    CHECK_EQ(reg(3), r3);
    CHECK_EQ(m_rec.count, 0);
}

static void latch_past_the_array(void) {
    static const uint32_t latches[] = {
        0x100, 0x104, 0x108,  0x10c,   0x110,      0x114,      0x118,      0x1cc,     0x1d0,
        0x200, 0x400, 0x1000, 0x10000, 0x7ffffffc, 0x80000000, 0xfffffff0, 0xfffffffc};
    for (unsigned i = 0; i < sizeof latches / sizeof latches[0]; i++) {
        latch(latches[i]);
        CHECK_EQ(latched(), latches[i]); /* latched as given, checked on use */
        CHECK_EQ(mmio_read32(pio + 4), 0xffffffff);
        mmio_write32(pio + 4, 0xdeadbeef);
    }
    check_unchanged("latch past the array");
}

static void latch_misaligned(void) {
    static const uint32_t latches[] = {1, 2, 3, 0x41, 0xfd, 0xfe, 0xff, 0x101, 0xffffffff};
    for (unsigned i = 0; i < sizeof latches / sizeof latches[0]; i++) {
        latch(latches[i]);
        CHECK_EQ(latched(), latches[i]);
        CHECK_EQ(mmio_read32(pio + 4), 0xffffffff);
        mmio_write32(pio + 4, 0xdeadbeef);
    }
    check_unchanged("misaligned latch");
}

/* Every size at every port but the aligned 4- and 8-byte ones: refused, and
 * neither the latch nor a register moves. Misaligned accesses go byte by
 * byte; the bytes past port 7 are the unmapped window (all-ones, silent). */
static void pmio_sizes(void) {
    static const unsigned sizes[] = {1, 2, 4, 8};
    latch(8 * 4);
    for (unsigned port = 0; port < 8; port++) {
        for (unsigned s = 0; s < 4; s++) {
            unsigned size = sizes[s];
            if (size >= 4 && port % 4 == 0 && (size == 4 || port == 0)) continue; /* legal */
            refused(pio + port, size, 0x0404040404040404ull, "pmio size");
        }
    }
    CHECK_EQ(latched(), 8 * 4);
    check_unchanged("pmio sizes");
}

/* An 8-byte access at port 0 is a 4-byte latch write and a 4-byte data
 * access: the latch is set, the data refused. */
static void pmio_wide(void) {
    mmio_write64(pio, (0xdeadbeefull << 32) | 0x104);
    CHECK_EQ(latched(), 0x104);
    CHECK_EQ(mmio_read64(pio), 0xffffffff00000104ull);
    mmio_write64(pio, (0xdeadbeefull << 32) | 0xfffffffc);
    CHECK_EQ(mmio_read64(pio), 0xfffffffffffffffcull);
    check_unchanged("pmio 8 bytes");
}

/* 1- and 2-byte accesses, and misaligned 4- and 8-byte ones, at the seed,
 * rand, rand_r and last registers: refused, every byte. */
static void mmio_sizes(void) {
    static const unsigned regs_at[] = {0x0, 0x4, 0xc, 0xf8};
    for (unsigned r = 0; r < sizeof regs_at / sizeof regs_at[0]; r++) {
        uintptr_t a = mmio + regs_at[r];
        for (unsigned off = 0; off < 4; off++)
            refused(a + off, 1, 0x11, "mmio 1 byte");
        for (unsigned off = 0; off < 4; off++)
            refused(a + off, 2, 0x2222, "mmio 2 bytes");
        for (unsigned off = 1; off < 4; off++)
            refused(a + off, 4, 0x44444444, "mmio 4 bytes");
        refused(a + 2, 8, 0x8888888888888888ull, "mmio 8 bytes");
    }
    check_unchanged("mmio sizes");
}

/* Past the 256-byte BAR: the PCI host's unmapped window, not strng. */
static void mmio_past_the_bar(void) {
    static const unsigned offs[] = {0x100, 0x104, 0x108, 0x114, 0x1d0, 0x800, 0xff8, 0x1000};
    static const unsigned sizes[] = {1, 2, 4, 8};
    for (unsigned i = 0; i < sizeof offs / sizeof offs[0]; i++)
        for (unsigned s = 0; s < 4; s++)
            refused(mmio + offs[i], sizes[s], 0x4141414141414141ull, "past BAR0");
    check_unchanged("past BAR0");
}

static void pio_past_the_bar(void) {
    static const unsigned ports[] = {8, 0xc, 0x10, 0x100};
    static const unsigned sizes[] = {1, 2, 4, 8};
    latch(9 * 4);
    for (unsigned i = 0; i < sizeof ports / sizeof ports[0]; i++)
        for (unsigned s = 0; s < 4; s++)
            refused(pio + ports[i], sizes[s], 0x4141414141414141ull, "past BAR1");
    CHECK_EQ(latched(), 9 * 4);
    check_unchanged("past BAR1");
}

int main(void) {
    priv_install(record_m_trap);
    static struct pci_device devs[16];
    int n = pci_enumerate(devs, 16);
    struct pci_device* d = pci_find(devs, n, 0x1234, 0x11e9);
    CHECK(d != 0, "no strng (1234:11e9) on the bus");
    if (!d) return guest_failures;
    CHECK_EQ(d->bar[0].size, 256);
    CHECK_EQ(d->bar[0].is_io, 0);
    CHECK_EQ(d->bar[1].size, 8);
    CHECK_EQ(d->bar[1].is_io, 1);
    mmio = pci_bar_cpu(d, 0);
    pio = pci_bar_cpu(d, 1);
    CHECK_EQ(pio, PCIE_PIO_BASE + d->bar[1].addr);
    printf("strng at 00:%02x.%x: BAR0 memory 0x%lx, BAR1 port 0x%lx\n", d->slot, d->fn,
           (unsigned long)d->bar[0].addr, (unsigned long)d->bar[1].addr);
    report("strng: BAR0 256 bytes of memory, BAR1 8 bytes of I/O");

    trap_records_reset();
    legal_accesses();
    report("legal: MMIO, the latch, 8-byte pairs and the PRNGs work");

    take_snapshot();
    ctf_exploit();
    report("the CTF exploit: no pointer leaks, rand_r cannot be overwritten");
    take_snapshot();
    latch_past_the_array();
    report("latches past the array (0x100 .. 0xfffffffc): refused");
    latch_misaligned();
    report("misaligned latches: refused");
    pmio_sizes();
    report("I/O: 1-, 2- and misaligned 4- and 8-byte accesses at every port: refused");
    pmio_wide();
    report("I/O: an 8-byte access at port 0 sets the latch, the data is refused");
    mmio_sizes();
    report("MMIO: 1-, 2- and misaligned 4- and 8-byte accesses: refused");
    mmio_past_the_bar();
    report("MMIO past the BAR (0x100 .. 0x1007): unmapped, no register reached");
    pio_past_the_bar();
    report("I/O past the BAR (ports 8 .. 0x107): unmapped, no register reached");

    /* Still a working device. */
    mmio_write32(mmio + 10 * 4, 0x1234abcd);
    latch(10 * 4);
    CHECK_EQ(mmio_read32(pio + 4), 0x1234abcd);
    mmio_write32(pio + 4, 0xabcd1234);
    CHECK_EQ(reg(10), 0xabcd1234);
    check_seeded_sequence();
    CHECK_EQ(m_rec.count, 0);
    report("afterwards: the registers and the PRNGs still work");
    printf("strng-escape: %d failures\n", guest_failures);
    return guest_failures;
}
