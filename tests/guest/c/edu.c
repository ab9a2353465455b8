/* A driver's view of QEMU's edu device (run with -device
 * edu,id=edu1,dma_mask=0xffffffff): PCI enumeration and BAR assignment, the
 * configuration header and MSI capability, every register (identification,
 * liveness, factorial by polling and by interrupt through the PLIC, status
 * bits, raise/acknowledge and the interrupt status), unknown offsets and
 * invalid access sizes, and DMA both ways with the data checked, with and
 * without the completion interrupt, DMA registers locked while a transfer
 * runs, and DMA with bus mastering off. The full 4096-byte transfer and
 * out-of-range transfers are in edu-limits.c (they abort QEMU 7.2). Prints
 * what it finds; the exit status is the number of failed checks. */
#include "edu.h"
#include "pci.h"
#include "priv.h"

static uintptr_t bar;
static unsigned source;
static struct pci_device* edu;

static volatile int irq_flag, irq_count;
static volatile unsigned irq_claimed;
static volatile uint32_t irq_status_seen;

static uint32_t rd(unsigned off) { return mmio_read32(bar + off); }
static void wr(unsigned off, uint32_t v) { mmio_write32(bar + off, v); }
static uint64_t rd64(unsigned off) { return mmio_read64(bar + off); }
static void wr64(unsigned off, uint64_t v) { mmio_write64(bar + off, v); }

static uint64_t handler(struct trap_frame* f) {
    if (f->mcause == (CAUSE_IRQ | IRQ_MEI)) {
        unsigned src = plic_claim();
        irq_claimed = src;
        irq_count++;
        if (src == source) {
            irq_status_seen = rd(EDU_IRQ_STATUS);
            wr(EDU_IRQ_ACK, irq_status_seen); /* the line drops */
        }
        plic_complete(src);
        irq_flag = 1;
        return f->mepc;
    }
    return record_m_trap(f);
}

static uint32_t factorial(uint32_t n) {
    uint32_t r = 1;
    while (n)
        r *= n--;
    return r;
}

static int enumerate(void) {
    static struct pci_device devs[16];
    int n = pci_enumerate(devs, 16);
    edu = pci_find(devs, n, EDU_VENDOR, EDU_DEVICE);
    CHECK(edu != 0, "no edu device (1234:11e8) on the bus");
    if (!edu) return 0;
    for (int i = 0; i < n; i++) {
        struct pci_device* d = &devs[i];
        printf("pci 00:%02x.%x %04x:%04x rev %02x class %04x pin %u\n", d->slot, d->fn, d->vendor,
               d->device, d->revision, d->class_code, d->irq_pin);
        for (int b = 0; b < 6; b++) {
            if (!d->bar[b].size) continue;
            printf("  BAR%d %s%s at 0x%lx size 0x%lx\n", b, d->bar[b].is_io ? "io" : "mem",
                   d->bar[b].is_io ? "" : (d->bar[b].is_64 ? "64" : "32"),
                   (unsigned long)d->bar[b].addr, (unsigned long)d->bar[b].size);
        }
    }
    printf("edu config space:\n");
    for (unsigned o = 0; o < 0x50; o += 4)
        printf("%08x%s", (unsigned)pci_cfg_read32(edu, o), (o % 32) == 28 ? "\n" : " ");
    printf("\n");

    CHECK_EQ(edu->revision, 0x10);
    CHECK_EQ(edu->class_code, 0x00ff);
    CHECK_EQ(edu->irq_pin, 1);
    CHECK_EQ(edu->bar[0].size, 1 << 20);
    CHECK_EQ(edu->bar[0].is_io, 0);
    CHECK_EQ(edu->bar[0].is_64, 0);
    CHECK_EQ(edu->bar[0].prefetch, 0);
    for (int b = 1; b < 6; b++)
        CHECK(edu->bar[b].size == 0, "edu BAR%d has size 0x%lx", b,
              (unsigned long)edu->bar[b].size);
    CHECK_EQ(pci_cfg_read8(edu, 0x0e) & 0x7f, 0);     /* header type 0 */
    CHECK_EQ(pci_cfg_read16(edu, 0x06) & 0x10, 0x10); /* capabilities list */
    uint8_t cap = pci_cfg_read8(edu, 0x34);
    CHECK_EQ(cap, 0x40);
    CHECK_EQ(pci_cfg_read8(edu, cap), 0x05);        /* MSI */
    CHECK_EQ(pci_cfg_read8(edu, cap + 1), 0);       /* the last capability */
    CHECK_EQ(pci_cfg_read16(edu, cap + 2), 0x0080); /* 64-bit, one vector, disabled */
    /* The BAR reads back its address; sizing it gives 1 MiB. */
    CHECK_EQ(pci_cfg_read32(edu, 0x10), edu->bar[0].addr);
    pci_cfg_write16(edu, 4, pci_cfg_read16(edu, 4) & ~2); /* memory decode off while sizing */
    pci_cfg_write32(edu, 0x10, 0xffffffff);
    CHECK_EQ(pci_cfg_read32(edu, 0x10), 0xfff00000);
    pci_cfg_write32(edu, 0x10, (uint32_t)edu->bar[0].addr);
    pci_cfg_write16(edu, 4, pci_cfg_read16(edu, 4) | 2);
    /* The interrupt line register is plain storage. */
    pci_cfg_write16(edu, 0x3c, 0x0121);
    CHECK_EQ(pci_cfg_read8(edu, 0x3c), 0x21);
    CHECK_EQ(pci_cfg_read8(edu, 0x3d), 1); /* the pin is read-only */
    bar = pci_bar_cpu(edu, 0);
    source = pci_plic_source(edu);
    printf("edu: BAR0 at 0x%lx, INTA on PLIC source %u\n", (unsigned long)bar, source);
    report("edu: enumeration, configuration header, MSI capability, BAR sizing");
    return 1;
}

static void test_registers(void) {
    CHECK_EQ(rd(EDU_ID), 0x010000ed);
    wr(EDU_ID, 0x12345678); /* read-only */
    CHECK_EQ(rd(EDU_ID), 0x010000ed);
    printf("edu: identification 0x%08x\n", (unsigned)rd(EDU_ID));
    report("edu: identification register");

    CHECK_EQ(rd(EDU_LIVENESS), 0);
    static const uint32_t values[] = {0x12345678, 0, 0xffffffff, 0x80000001};
    for (unsigned i = 0; i < 4; i++) {
        wr(EDU_LIVENESS, values[i]);
        CHECK_EQ(rd(EDU_LIVENESS), ~values[i]);
    }
    report("edu: liveness register stores the inverse");

    CHECK_EQ(rd(EDU_STATUS), 0);
    wr(EDU_STATUS, 0xffffffff);
    CHECK_EQ(rd(EDU_STATUS), 0x80); /* only the interrupt-enable bit sticks */
    wr(EDU_STATUS, 0);
    CHECK_EQ(rd(EDU_STATUS), 0);
    report("edu: status register bits");

    /* Unknown offsets read all-ones and ignore writes. */
    CHECK_EQ(rd(0x10), 0xffffffff);
    CHECK_EQ(rd(0x40), 0xffffffff);
    wr(0x10, 0);
    CHECK_EQ(rd(0x10), 0xffffffff);
    CHECK_EQ(rd64(0xa0), 0xffffffffffffffffull);
    CHECK_EQ(rd(0xffffc), 0xffffffff);
    report("edu: unknown offsets read all-ones");

    /* Invalid sizes fault: 1/2 bytes anywhere (the region is valid for 4 and
     * 8 bytes only). */
    trap_records_reset();
    (void)mmio_read8(bar + EDU_ID);
    CHECK_EQ(m_rec.count, 1);
    CHECK_EQ(m_rec.cause, 5);
    CHECK_EQ(m_rec.tval, bar + EDU_ID);
    trap_records_reset();
    (void)mmio_read16(bar + EDU_LIVENESS);
    CHECK_EQ(m_rec.count, 1);
    CHECK_EQ(m_rec.cause, 5);
    /* 8 bytes below 0x80: valid for the bus, refused by the device, which
     * reads all-ones and ignores writes. */
    trap_records_reset();
    CHECK_EQ(mmio_read64(bar + EDU_ID), 0xffffffffffffffffull);
    uint32_t fact = rd(EDU_FACTORIAL);
    mmio_write64(bar + EDU_FACTORIAL, 5);
    CHECK_EQ(m_rec.count, 0);
    CHECK_EQ(rd(EDU_STATUS), 0);
    CHECK_EQ(rd(EDU_FACTORIAL), fact);
    trap_records_reset();
    mmio_write8(bar + EDU_LIVENESS, 1);
    CHECK_EQ(m_rec.count, 1);
    CHECK_EQ(m_rec.cause, 7);
    CHECK_EQ(m_rec.tval, bar + EDU_LIVENESS);
    CHECK_EQ(rd(EDU_LIVENESS), ~0x80000001u); /* unchanged */
    trap_records_reset();
    (void)mmio_read16(bar + EDU_DMA_SRC);
    CHECK_EQ(m_rec.count, 1);
    CHECK_EQ(m_rec.cause, 5);
    trap_records_reset();
    (void)mmio_read32(bar + EDU_DMA_SRC);
    CHECK_EQ(m_rec.count, 0);
    report("edu: invalid access sizes give access faults");
}

static void test_factorial(void) {
    static const uint32_t ns[] = {0, 1, 5, 10, 12, 13, 20};
    for (unsigned i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        wr(EDU_FACTORIAL, ns[i]);
        int spins = 0;
        while (rd(EDU_STATUS) & 1) {
            if (++spins > 100000000) break;
        }
        CHECK((rd(EDU_STATUS) & 1) == 0, "factorial of %u never finished", (unsigned)ns[i]);
        uint32_t f = rd(EDU_FACTORIAL);
        CHECK(f == factorial(ns[i]), "%u! = %u, expected %u", (unsigned)ns[i], (unsigned)f,
              (unsigned)factorial(ns[i]));
        printf("edu: %u! = %u (polled)\n", (unsigned)ns[i], (unsigned)f);
    }
    CHECK_EQ(rd(EDU_IRQ_STATUS), 0); /* no interrupt without status bit 0x80 */
    report("edu: factorial by polling, with 32-bit wraparound");

    plic_enable(source, 1);
    csr_write(mie, 1ul << IRQ_MEI);
    wr(EDU_STATUS, 0x80);
    irq_flag = irq_count = 0;
    wr(EDU_FACTORIAL, 11);
    wait_for_flag(&irq_flag);
    uint32_t f = rd(EDU_FACTORIAL);
    CHECK_EQ(irq_count, 1);
    CHECK_EQ(irq_claimed, source);
    CHECK_EQ(irq_status_seen, 0x1);
    CHECK_EQ(f, factorial(11));
    CHECK_EQ(rd(EDU_IRQ_STATUS), 0);
    CHECK_EQ(rd(EDU_STATUS), 0x80);
    printf("edu: 11! = %u (interrupt: PLIC source %u, status 0x%x)\n", (unsigned)f, irq_claimed,
           (unsigned)irq_status_seen);
    wr(EDU_STATUS, 0);
    csr_write(mie, 0);
    report("edu: factorial by interrupt through the PLIC");
}

static void test_raise_ack(void) {
    csr_write(mie, 0);
    unsigned word = source / 32, bit = source % 32;
    uintptr_t pending = PLIC_BASE + 0x1000 + 4 * word;
    wr(EDU_IRQ_RAISE, 0x12340000);
    CHECK_EQ(rd(EDU_IRQ_STATUS), 0x12340000);
    wr(EDU_IRQ_RAISE, 0x00000005);
    CHECK_EQ(rd(EDU_IRQ_STATUS), 0x12340005); /* ORed in */
    CHECK_EQ((mmio_read32(pending) >> bit) & 1, 1);
    CHECK_EQ((csr_read(mip) >> IRQ_MEI) & 1, 1);
    unsigned claimed = plic_claim();
    CHECK_EQ(claimed, source);
    wr(EDU_IRQ_ACK, 0x02300004);
    CHECK_EQ(rd(EDU_IRQ_STATUS), 0x10040001);
    wr(EDU_IRQ_ACK, 0xffffffff);
    CHECK_EQ(rd(EDU_IRQ_STATUS), 0);
    plic_complete(claimed);
    CHECK_EQ((mmio_read32(pending) >> bit) & 1, 0);
    CHECK_EQ((csr_read(mip) >> IRQ_MEI) & 1, 0);
    CHECK_EQ(plic_claim(), 0);
    report("edu: raise ORs into the interrupt status, ack clears, INTx follows");

    /* Raised interrupts reach the CPU. */
    csr_write(mie, 1ul << IRQ_MEI);
    irq_flag = irq_count = 0;
    wr(EDU_IRQ_RAISE, 0x40);
    wait_for_flag(&irq_flag);
    csr_write(mie, 0);
    CHECK_EQ(irq_count, 1);
    CHECK_EQ(irq_claimed, source);
    CHECK_EQ(irq_status_seen, 0x40);
    CHECK_EQ(rd(EDU_IRQ_STATUS), 0);
    report("edu: a raised interrupt is taken (mcause 1<<63|11)");
}

static int dma(uint64_t src, uint64_t dst, uint64_t count, uint32_t cmd) {
    wr64(EDU_DMA_SRC, src);
    wr64(EDU_DMA_DST, dst);
    wr64(EDU_DMA_COUNT, count);
    wr64(EDU_DMA_CMD, cmd | DMA_RUN);
    uint64_t t0 = mmio_read64(CLINT_BASE + 0xbff8);
    while (rd64(EDU_DMA_CMD) & DMA_RUN) {
        if (mmio_read64(CLINT_BASE + 0xbff8) - t0 > 50000000) return 0; /* 5 s */
    }
    return 1;
}

static uint8_t out[512] __attribute__((aligned(64)));
static uint8_t back[512] __attribute__((aligned(64)));

static void test_dma(void) {
    for (int i = 0; i < 512; i++)
        out[i] = (uint8_t)(i * 13 + 7);
    for (int i = 0; i < 512; i++)
        back[i] = 0xee;

    /* The registers read back; a 32-bit write zero-extends. */
    wr64(EDU_DMA_SRC, 0xffffffffffffffffull);
    wr(EDU_DMA_SRC, 0x1234);
    CHECK_EQ(rd64(EDU_DMA_SRC), 0x1234);
    wr64(EDU_DMA_DST, 0x0123456789abcdefull);
    CHECK_EQ(rd64(EDU_DMA_DST), 0x0123456789abcdefull);
    CHECK_EQ(rd(EDU_DMA_DST), 0x89abcdef);
    wr64(EDU_DMA_COUNT, 77);
    CHECK_EQ(rd64(EDU_DMA_COUNT), 77);
    CHECK_EQ(rd64(EDU_DMA_CMD), 0);
    wr64(EDU_DMA_CMD, DMA_TO_RAM | DMA_IRQ); /* no start bit: ignored */
    CHECK_EQ(rd64(EDU_DMA_CMD), 0);
    report("edu: DMA registers");

    /* RAM -> device at offset 0x100, then device -> RAM. */
    CHECK(dma((uintptr_t)out, EDU_BUFFER + 0x100, 256, 0), "DMA to the device never finished");
    CHECK(dma(EDU_BUFFER + 0x100, (uintptr_t)back, 256, DMA_TO_RAM), "DMA to RAM never finished");
    int bad = 0;
    for (int i = 0; i < 256; i++)
        bad += back[i] != out[i];
    for (int i = 256; i < 512; i++)
        bad += back[i] != 0xee; /* nothing beyond the count */
    CHECK(bad == 0, "DMA round trip: %d bytes wrong", bad);
    /* A part of it, from another offset, into an unaligned RAM address. */
    for (int i = 0; i < 512; i++)
        back[i] = 0xee;
    CHECK(dma(EDU_BUFFER + 0x140, (uintptr_t)back + 3, 64, DMA_TO_RAM),
          "DMA to RAM never finished");
    bad = 0;
    for (int i = 0; i < 64; i++)
        bad += back[3 + i] != out[0x40 + i];
    bad += back[0] != 0xee || back[1] != 0xee || back[2] != 0xee || back[67] != 0xee;
    CHECK(bad == 0, "partial DMA: %d bytes wrong", bad);
    printf("edu: DMA device offset 0x140 -> RAM + 3, 64 bytes: %s\n", bad ? "wrong" : "correct");
    CHECK_EQ(rd(EDU_IRQ_STATUS), 0); /* no interrupt without bit 2 */
    printf("edu: DMA RAM -> device -> RAM, 256 bytes: %s\n", bad ? "wrong" : "correct");
    report("edu: DMA both ways, data checked");

    /* With the completion interrupt (0x100). */
    csr_write(mie, 1ul << IRQ_MEI);
    irq_flag = irq_count = 0;
    for (int i = 0; i < 512; i++)
        back[i] = 0;
    wr64(EDU_DMA_SRC, EDU_BUFFER + 0x100);
    wr64(EDU_DMA_DST, (uintptr_t)back);
    wr64(EDU_DMA_COUNT, 128);
    wr64(EDU_DMA_CMD, DMA_RUN | DMA_TO_RAM | DMA_IRQ);
    /* While it runs, the DMA registers ignore writes. */
    CHECK_EQ(rd64(EDU_DMA_CMD) & DMA_RUN, DMA_RUN);
    wr64(EDU_DMA_SRC, EDU_BUFFER);
    wr64(EDU_DMA_COUNT, 4);
    wr64(EDU_DMA_CMD, DMA_RUN);
    CHECK_EQ(rd64(EDU_DMA_SRC), EDU_BUFFER + 0x100);
    CHECK_EQ(rd64(EDU_DMA_COUNT), 128);
    wait_for_flag(&irq_flag);
    csr_write(mie, 0);
    CHECK_EQ(irq_count, 1);
    CHECK_EQ(irq_claimed, source);
    CHECK_EQ(irq_status_seen, 0x100);
    CHECK_EQ(rd64(EDU_DMA_CMD) & DMA_RUN, 0);
    bad = 0;
    for (int i = 0; i < 128; i++)
        bad += back[i] != out[i];
    CHECK(bad == 0, "DMA with interrupt: %d bytes wrong", bad);
    CHECK_EQ(back[128], 0);
    report("edu: DMA completion interrupt 0x100; registers locked while running");

    /* Without bus mastering the DMA does not reach RAM: reads give zeros,
     * writes are dropped. */
    uint16_t cmdreg = pci_cfg_read16(edu, 4);
    pci_cfg_write16(edu, 4, cmdreg & ~4);
    for (int i = 0; i < 512; i++)
        back[i] = 0x5a;
    CHECK(dma((uintptr_t)out, EDU_BUFFER + 0x100, 32, 0), "DMA never finished");
    CHECK(dma(EDU_BUFFER + 0x100, (uintptr_t)back, 32, DMA_TO_RAM), "DMA never finished");
    bad = 0;
    for (int i = 0; i < 32; i++)
        bad += back[i] != 0x5a;
    CHECK(bad == 0, "DMA without bus mastering wrote %d bytes to RAM", bad);
    pci_cfg_write16(edu, 4, cmdreg);
    CHECK(dma(EDU_BUFFER + 0x100, (uintptr_t)back, 32, DMA_TO_RAM), "DMA never finished");
    bad = 0;
    for (int i = 0; i < 32; i++)
        bad += back[i] != 0;
    CHECK(bad == 0, "with bus mastering off, the device read %d nonzero bytes from RAM", bad);
    report("edu: no DMA to or from RAM without bus mastering");
}

int main(void) {
    priv_install(handler);
    if (enumerate()) {
        test_registers();
        test_factorial();
        test_raise_ack();
        test_dma();
    }
    printf("edu: %d failures\n", guest_failures);
    return guest_failures;
}
