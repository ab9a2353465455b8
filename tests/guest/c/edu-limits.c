/* edu DMA at and beyond the edges of its 4096-byte buffer (run with -device
 * edu,id=edu1,dma_mask=0xffffffff). The whole buffer in one transfer must
 * work both ways; a transfer that does not fit (count 4097, a device
 * address below or past the buffer, a count that wraps around) must move
 * no data, complete, and leave the emulator running. QEMU 7.2 aborts on all
 * of these, the full 4096 bytes included (an off-by-one), so this test has
 * no QEMU reference: see shared/specs/devices.md. */
#include "edu.h"
#include "pci.h"
#include "priv.h"

static uintptr_t bar;
static uint8_t a[4200] __attribute__((aligned(64)));
static uint8_t b[4200] __attribute__((aligned(64)));
static uint8_t c[4200] __attribute__((aligned(64)));

static int dma(uint64_t src, uint64_t dst, uint64_t count, uint32_t cmd) {
    mmio_write64(bar + EDU_DMA_SRC, src);
    mmio_write64(bar + EDU_DMA_DST, dst);
    mmio_write64(bar + EDU_DMA_COUNT, count);
    mmio_write64(bar + EDU_DMA_CMD, cmd | DMA_RUN);
    uint64_t t0 = mmio_read64(CLINT_BASE + 0xbff8);
    while (mmio_read64(bar + EDU_DMA_CMD) & DMA_RUN) {
        if (mmio_read64(CLINT_BASE + 0xbff8) - t0 > 50000000) return 0; /* 5 s */
    }
    return 1;
}

static int count_diff(const uint8_t* x, const uint8_t* y, int n) {
    int d = 0;
    for (int i = 0; i < n; i++)
        d += x[i] != y[i];
    return d;
}

static void fill(uint8_t* p, int n, int seed) {
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 7 + seed + (i >> 8));
}

/* The device buffer, read back whole into c. */
static void read_buffer(void) {
    for (int i = 0; i < 4200; i++)
        c[i] = 0xcc;
    CHECK(dma(EDU_BUFFER, (uintptr_t)c, 4096, DMA_TO_RAM),
          "reading the buffer back never finished");
}

static void rejected(const char* what, uint64_t src, uint64_t dst, uint64_t count, uint32_t cmd) {
    /* RAM side: b, which must stay as it is; device side: must keep a. */
    int failures = guest_failures;
    fill(b, 4200, 99);
    static uint8_t b_copy[4200];
    for (int i = 0; i < 4200; i++)
        b_copy[i] = b[i];
    CHECK(dma(src, dst, count, cmd), "%s: the command never completed", what);
    CHECK(count_diff(b, b_copy, 4200) == 0, "%s: RAM changed", what);
    read_buffer();
    int d = count_diff(c, a, 4096);
    CHECK(d == 0, "%s: %d bytes of the device buffer changed", what, d);
    printf("edu: %s: %s\n", what, guest_failures == failures ? "rejected, no data moved" : "WRONG");
}

int main(void) {
    priv_install(0);
    static struct pci_device devs[16];
    int n = pci_enumerate(devs, 16);
    struct pci_device* edu = pci_find(devs, n, EDU_VENDOR, EDU_DEVICE);
    CHECK(edu != 0, "no edu device");
    if (!edu) return 1;
    bar = pci_bar_cpu(edu, 0);

    /* The whole buffer, both ways. */
    fill(a, 4200, 1);
    CHECK(dma((uintptr_t)a, EDU_BUFFER, 4096, 0), "4096 bytes to the device never finished");
    read_buffer();
    int d = count_diff(c, a, 4096);
    CHECK(d == 0, "4096-byte round trip: %d bytes wrong", d);
    CHECK(c[4096] == 0xcc, "the DMA wrote past 4096 bytes");
    printf("edu: DMA of the whole 4096-byte buffer both ways: %s\n", d ? "wrong" : "correct");
    report("edu: full 4096-byte transfers");

    /* The last bytes of the buffer, exactly up to its end. */
    fill(b, 96, 50);
    CHECK(dma((uintptr_t)b, EDU_BUFFER + 4000, 96, 0), "DMA to the buffer's end never finished");
    for (int i = 0; i < 96; i++)
        a[4000 + i] = b[i];
    read_buffer();
    CHECK(count_diff(c, a, 4096) == 0, "DMA up to the buffer's end: wrong data");
    for (int i = 0; i < 4200; i++)
        c[i] = 0;
    CHECK(dma(EDU_BUFFER + 4095, (uintptr_t)c, 1, DMA_TO_RAM),
          "DMA of the last byte never finished");
    CHECK_EQ(c[0], a[4095]);
    CHECK_EQ(c[1], 0);
    report("edu: transfers ending exactly at the buffer's end");

    rejected("4097 bytes RAM -> device", (uintptr_t)b, EDU_BUFFER, 4097, 0);
    rejected("4097 bytes device -> RAM", EDU_BUFFER, (uintptr_t)b, 4097, DMA_TO_RAM);
    rejected("16 bytes from 4090 -> RAM", EDU_BUFFER + 4090, (uintptr_t)b, 16, DMA_TO_RAM);
    rejected("16 bytes RAM -> 4090", (uintptr_t)b, EDU_BUFFER + 4090, 16, 0);
    rejected("2 bytes RAM -> 0x3ffff", (uintptr_t)b, EDU_BUFFER - 1, 2, 0);
    rejected("1 byte 0x41000 -> RAM", EDU_BUFFER + 4096, (uintptr_t)b, 1, DMA_TO_RAM);
    rejected("a count that wraps around, RAM -> device", (uintptr_t)b, EDU_BUFFER + 16,
             0xfffffffffffffff8ull, 0);
    rejected("a count that wraps around, device -> RAM", EDU_BUFFER + 16, (uintptr_t)b,
             0xfffffffffffffff8ull, DMA_TO_RAM);
    rejected("device address 2^64-1 -> RAM", 0xffffffffffffffffull, (uintptr_t)b, 2, DMA_TO_RAM);
    report("edu: out-of-range transfers complete without moving data");

    /* Still alive and working. */
    fill(b, 64, 77);
    CHECK(dma((uintptr_t)b, EDU_BUFFER + 64, 64, 0), "DMA after the rejected ones never finished");
    for (int i = 0; i < 64; i++)
        c[i] = 0;
    CHECK(dma(EDU_BUFFER + 64, (uintptr_t)c, 64, DMA_TO_RAM),
          "DMA after the rejected ones never finished");
    CHECK(count_diff(c, b, 64) == 0, "DMA after the rejected ones: wrong data");
    report("edu: DMA still works afterwards");
    printf("edu-limits: %d failures\n", guest_failures);
    return guest_failures;
}
