/* Misaligned loads and stores to MMIO (run with -device pci-testdev). QEMU
 * 7.2 performs them as byte accesses (TCG splits an unaligned I/O access
 * into single bytes); the RISC-V spec would also allow an access fault,
 * but guests tested on QEMU may rely on it. Uses pci-testdev's
 * no-eventfd test, which counts 1-byte writes of 0xfa at offset 0x800, and
 * its header, which reads byte by byte. Prints what it finds; the exit
 * status is the number of failed checks. */
#include "pci.h"
#include "priv.h"

int main(void) {
    priv_install(record_m_trap);
    static struct pci_device devs[16];
    int n = pci_enumerate(devs, 16);
    struct pci_device* d = pci_find(devs, n, 0x1b36, 0x0005);
    CHECK(d != 0, "no pci-testdev (1b36:0005) on the bus");
    if (!d) return 1;
    uintptr_t bar = pci_bar_cpu(d, 0);

    mmio_write8(bar, 0); /* select mmio-no-eventfd */
    CHECK_EQ(mmio_read32(bar + 4), 0x800);
    trap_records_reset();
    mmio_write16(bar + 0x7ff, 0xfa00); /* 0x7ff <- 0x00, 0x800 <- 0xfa */
    CHECK_EQ(m_rec.count, 0);
    CHECK_EQ(mmio_read32(bar + 12), 1);
    trap_records_reset();
    mmio_write32(bar + 0x7fe, 0x1200fa00); /* 0x800 <- 0x00: no count */
    mmio_write32(bar + 0x7fd, 0x12fa0000); /* 0x7ff <- 0xfa: no count */
    mmio_write32(bar + 0x7fe, 0x00fa0000); /* 0x800 <- 0xfa */
    CHECK_EQ(m_rec.count, 0);
    CHECK_EQ(mmio_read32(bar + 12), 2);
    report("misaligned MMIO stores: performed as byte stores");

    /* The header: count 2 at 12..15, then the name "mmio-no-eventfd". */
    trap_records_reset();
    uint32_t v = mmio_read32(bar + 13);
    uint16_t h = mmio_read16(bar + 17);
    uint64_t q = mmio_read64(bar + 14);
    CHECK_EQ(m_rec.count, 0);
    CHECK_EQ(v, 0x6d000000);            /* 00 00 00 'm' */
    CHECK_EQ(h, 0x696d);                /* "mi" */
    CHECK_EQ(q, 0x6e2d6f696d6d0000ull); /* 00 00 "mmio-n" */
    report("misaligned MMIO loads: performed as byte loads");
    printf("mmio-misaligned: %d failures\n", guest_failures);
    return guest_failures;
}
