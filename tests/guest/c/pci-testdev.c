/* QEMU's pci-testdev (run with -device pci-testdev), driven the way
 * kvm-unit-tests does it: for BAR0 (memory) and BAR1 (I/O, at 0x3000000 +
 * port), select each test by writing its number to byte 0, read its header
 * (width, offset, data, count, name), do 16 writes of `width` bytes of
 * `data` at `offset`, read the count back, and print one line per test.
 * The eventfd tests count 0 (the ioeventfd consumes 1-byte writes), the
 * no-eventfd tests 16. Then the finer rules: wrong data or address does not
 * count, (aligned) wider writes get past the ioeventfd and count, selecting
 * resets the count, numbers >= 3 select nothing. Prints what it finds; the exit
 * status is the number of failed checks. */
#include "pci.h"
#include "priv.h"

#define HDR_TEST 0
#define HDR_WIDTH 1
#define HDR_OFFSET 4
#define HDR_DATA 8
#define HDR_COUNT 12
#define HDR_NAME 16

struct bar_ops {
    const char* kind;
    uintptr_t base;
};

static uint8_t rd8(const struct bar_ops* b, unsigned off) { return mmio_read8(b->base + off); }
static uint32_t rd32(const struct bar_ops* b, unsigned off) { return mmio_read32(b->base + off); }
static void wr8(const struct bar_ops* b, unsigned off, uint8_t v) { mmio_write8(b->base + off, v); }
static void select_test(const struct bar_ops* b, unsigned nr) { wr8(b, HDR_TEST, nr); }

static void read_name(const struct bar_ops* b, char* name, int max) {
    int i;
    for (i = 0; i < max - 1; i++) {
        name[i] = rd8(b, HDR_NAME + i);
        if (!name[i]) break;
    }
    name[i] = 0;
}

static int str_has(const char* s, const char* sub) {
    for (; *s; s++) {
        const char *a = s, *b = sub;
        while (*a && *b && *a == *b)
            a++, b++;
        if (!*b) return 1;
    }
    return 0;
}

/* kvm-unit-tests' pci_testdev_one(): select, 16 writes, count. */
static int run_tests(const struct bar_ops* b, unsigned first_id) {
    int n;
    for (n = 0; n < 8; n++) {
        select_test(b, n);
        uint8_t width = rd8(b, HDR_WIDTH);
        if (width == 0) break;
        uint32_t count0 = rd32(b, HDR_COUNT);
        uint32_t offset = rd32(b, HDR_OFFSET);
        uint32_t data = rd32(b, HDR_DATA);
        char name[64];
        read_name(b, name, sizeof name);
        for (int i = 0; i < 16; i++) {
            switch (width) {
            case 1: mmio_write8(b->base + offset, data); break;
            case 2: mmio_write16(b->base + offset, data); break;
            case 4: mmio_write32(b->base + offset, data); break;
            }
        }
        uint32_t count = rd32(b, HDR_COUNT);
        printf("pci-testdev %3s: test %u %s: width %u offset 0x%x data 0x%x: count %u\n", b->kind,
               (unsigned)rd8(b, HDR_TEST), name, width, (unsigned)offset, (unsigned)data,
               (unsigned)count);
        CHECK_EQ(rd8(b, HDR_TEST), first_id + n);
        CHECK_EQ(count0, 0);
        CHECK_EQ(width, 1);
        CHECK(count == 0 || count == 16, "%s: count %u, expected 0 or 16", name, (unsigned)count);
        /* The precise expectation: only the test without an eventfd sees
         * the 1-byte writes. */
        CHECK(count == (str_has(name, "no-eventfd") ? 16u : 0u), "%s: count %u", name,
              (unsigned)count);
    }
    return n;
}

/* The finer rules. Wider writes only where the offset is aligned for them:
 * a misaligned MMIO access is split into bytes by QEMU (and refused by
 * miniqemu: see mmio-misaligned.c). */
static void finer_rules(const struct bar_ops* b) {
    /* no-eventfd (test 0): only writes of the data at the offset count. */
    select_test(b, 0);
    uint32_t off = rd32(b, HDR_OFFSET), data = rd32(b, HDR_DATA);
    mmio_write8(b->base + off, data);
    mmio_write8(b->base + off, 0x12);     /* wrong data */
    mmio_write8(b->base + off + 1, data); /* wrong address */
    mmio_write8(b->base + off - 1, data);
    CHECK_EQ(rd32(b, HDR_COUNT), 1);
    if (off % 2 == 0) {
        mmio_write16(b->base + off, data); /* the byte at the offset is the data */
        CHECK_EQ(rd32(b, HDR_COUNT), 2);
        mmio_write16(b->base + off, data << 8); /* the data at offset + 1 */
        CHECK_EQ(rd32(b, HDR_COUNT), 2);
    }
    select_test(b, 0); /* selecting again resets the count */
    CHECK_EQ(rd32(b, HDR_COUNT), 0);

    /* wildcard-eventfd (test 1): 1-byte writes vanish into the eventfd,
     * whatever the data; wider writes get to the device, which takes any
     * data. */
    select_test(b, 1);
    off = rd32(b, HDR_OFFSET);
    CHECK_EQ(rd32(b, HDR_DATA), 0xce);
    mmio_write8(b->base + off, 0x00);
    mmio_write8(b->base + off, 0xce);
    mmio_write8(b->base + off, 0x99);
    CHECK_EQ(rd32(b, HDR_COUNT), 0);
    if (off % 4 == 0) {
        mmio_write32(b->base + off, 0x12345678);
        CHECK_EQ(rd32(b, HDR_COUNT), 1);
        mmio_write16(b->base + off, 0x4321);
        CHECK_EQ(rd32(b, HDR_COUNT), 2);
    }

    /* datamatch-eventfd (test 2): a 1-byte write of the data vanishes, one
     * of other data reaches the device but does not match. */
    select_test(b, 2);
    off = rd32(b, HDR_OFFSET);
    data = rd32(b, HDR_DATA);
    CHECK_EQ(data, 0xfa);
    mmio_write8(b->base + off, data);
    mmio_write8(b->base + off, 0x12);
    CHECK_EQ(rd32(b, HDR_COUNT), 0);

    /* Numbers >= 3 select nothing: the header reads 0. */
    select_test(b, 3);
    CHECK_EQ(rd32(b, HDR_TEST), 0);
    CHECK_EQ(rd32(b, HDR_COUNT), 0);
    CHECK_EQ(rd8(b, HDR_NAME), 0);
    printf("pci-testdev %3s: finer rules checked\n", b->kind);
}

int main(void) {
    priv_install(0);
    static struct pci_device devs[16];
    int n = pci_enumerate(devs, 16);
    struct pci_device* d = pci_find(devs, n, 0x1b36, 0x0005);
    CHECK(d != 0, "no pci-testdev (1b36:0005) on the bus");
    if (!d) return 1;
    printf("pci-testdev at 00:%02x.%x rev %02x class %04x pin %u\n", d->slot, d->fn, d->revision,
           d->class_code, d->irq_pin);
    for (int i = 0; i < 6; i++) {
        if (!d->bar[i].size) continue;
        printf("  BAR%d %s at 0x%lx size 0x%lx\n", i, d->bar[i].is_io ? "io" : "mem",
               (unsigned long)d->bar[i].addr, (unsigned long)d->bar[i].size);
    }
    CHECK_EQ(d->bar[0].size, 4096);
    CHECK_EQ(d->bar[0].is_io, 0);
    CHECK_EQ(d->bar[1].size, 256);
    CHECK_EQ(d->bar[1].is_io, 1);
    CHECK_EQ(d->irq_pin, 0);
    CHECK_EQ(d->class_code, 0x00ff);

    struct bar_ops mem = {"mem", pci_bar_cpu(d, 0)};
    struct bar_ops io = {"io", pci_bar_cpu(d, 1)};
    CHECK_EQ(io.base, PCIE_PIO_BASE + d->bar[1].addr);

    /* Before any selection the header reads 0. */
    CHECK_EQ(rd32(&mem, HDR_TEST), 0);
    CHECK_EQ(rd32(&mem, HDR_COUNT), 0);
    CHECK_EQ(rd32(&io, HDR_OFFSET), 0);

    int tests = run_tests(&mem, 0);
    tests += run_tests(&io, 3);
    CHECK_EQ(tests, 6);
    printf("pci-testdev: %d tests run\n", tests);
    finer_rules(&mem);
    finer_rules(&io);
    printf("pci-testdev: %d failures\n", guest_failures);
    return guest_failures;
}
