/* The bundled default guest: what miniqemu runs when given no -kernel and
 * no -bios. It walks the PCI bus, drives the edu device the way a driver
 * would (polling, then an interrupt through the PLIC, then DMA), and says
 * what it found. */
#include "edu.h"
#include "guest.h"
#include "pci.h"

static volatile int irq_seen;
static volatile unsigned irq_source;
static volatile uint32_t irq_why;
static uintptr_t edu_bar;

/* The interrupt handler: claim at the PLIC, acknowledge at the device (the
 * line is level-triggered: until edu drops it, the source stays pending),
 * then complete. */
static uint64_t on_trap(struct trap_frame* f) {
    if ((f->mcause >> 63) && (f->mcause & 0xff) == 11) { /* machine external interrupt */
        unsigned src = plic_claim();
        irq_why = mmio_read32(edu_bar + EDU_IRQ_STATUS);
        mmio_write32(edu_bar + EDU_IRQ_ACK, irq_why);
        irq_source = src;
        irq_seen = 1;
        plic_complete(src);
        return f->mepc;
    }
    printf("unexpected trap: mcause 0x%lx at 0x%lx\n", (unsigned long)f->mcause,
           (unsigned long)f->mepc);
    finisher_exit(3);
}

static const char* class_name(uint16_t c) {
    switch (c) {
    case 0x0600: return "host bridge";
    case 0x00ff: return "other";
    default: return "device";
    }
}

static const char* device_name(const struct pci_device* d) {
    if (d->vendor == EDU_VENDOR && d->device == EDU_DEVICE) return "edu";
    if (d->vendor == 0x1b36 && d->device == 0x0005) return "pci-testdev";
    if (d->vendor == 0x1b36 && d->device == 0x0008) return "gpex host bridge";
    if (d->vendor == 0x1234 && d->device == 0x11e9) return "strng";
    return "unknown";
}

static uint32_t factorial(uint32_t n) {
    uint32_t r = 1;
    while (n)
        r *= n--;
    return r;
}

static void edu_demo(struct pci_device* edu) {
    uintptr_t bar = pci_bar_cpu(edu, 0);
    edu_bar = bar;
    uint32_t id = mmio_read32(bar + EDU_ID);
    printf("edu: identification 0x%08x (version %u.%u)\n", (unsigned)id, (unsigned)(id >> 24),
           (unsigned)((id >> 16) & 0xff));

    mmio_write32(bar + EDU_LIVENESS, 0x12345678);
    uint32_t live = mmio_read32(bar + EDU_LIVENESS);
    printf("edu: liveness: wrote 0x12345678, read 0x%08x: %s\n", (unsigned)live,
           live == 0xedcba987 ? "inverted, as it should be" : "WRONG");

    mmio_write32(bar + EDU_FACTORIAL, 10);
    while (mmio_read32(bar + EDU_STATUS) & 1) {
    }
    uint32_t f10 = mmio_read32(bar + EDU_FACTORIAL);
    printf("edu: 10! = %u by polling the status register: %s\n", (unsigned)f10,
           f10 == factorial(10) ? "correct" : "WRONG");

    unsigned source = pci_plic_source(edu);
    trap_install(on_trap);
    plic_enable(source, 1);
    csr_set(mie, 1 << 11);
    mmio_write32(bar + EDU_STATUS, 0x80); /* interrupt when done */
    mmio_write32(bar + EDU_FACTORIAL, 12);
    wait_for_flag(&irq_seen);
    uint32_t f12 = mmio_read32(bar + EDU_FACTORIAL);
    uint32_t why = irq_why;
    printf("edu: 12! = %u by interrupt (PLIC source %u, edu status 0x%x): %s\n", (unsigned)f12,
           irq_source, (unsigned)why,
           f12 == factorial(12) && irq_source == source ? "correct" : "WRONG");
    mmio_write32(bar + EDU_STATUS, 0);

    static uint8_t out[64], back[64];
    for (int i = 0; i < 64; i++)
        out[i] = (uint8_t)(i * 7 + 1);
    mmio_write64(bar + EDU_DMA_SRC, (uintptr_t)out);
    mmio_write64(bar + EDU_DMA_DST, EDU_BUFFER);
    mmio_write64(bar + EDU_DMA_COUNT, sizeof out);
    mmio_write64(bar + EDU_DMA_CMD, DMA_RUN); /* RAM -> device */
    while (mmio_read64(bar + EDU_DMA_CMD) & DMA_RUN) {
    }
    mmio_write64(bar + EDU_DMA_SRC, EDU_BUFFER);
    mmio_write64(bar + EDU_DMA_DST, (uintptr_t)back);
    mmio_write64(bar + EDU_DMA_COUNT, sizeof back);
    mmio_write64(bar + EDU_DMA_CMD, DMA_RUN | DMA_TO_RAM); /* device -> RAM */
    while (mmio_read64(bar + EDU_DMA_CMD) & DMA_RUN) {
    }
    int same = 1;
    for (int i = 0; i < 64; i++)
        same &= back[i] == out[i];
    if (same) {
        printf("edu: DMA RAM -> device -> RAM of 64 bytes: correct\n");
    } else {
        printf("edu: DMA did not reach RAM: edu's dma_mask (0x0fffffff by default) cuts off "
               "virt's RAM at 0x80000000;\n     run with -device edu,dma_mask=0xffffffff\n");
    }
}

int main(void) {
    printf("miniqemu default guest: bare-metal RISC-V on the virt board\n");
    struct pci_device devs[32];
    int n = pci_enumerate(devs, 32);
    printf("PCI bus 0 (ECAM at 0x%lx):\n", (unsigned long)PCIE_ECAM_BASE);
    for (int i = 0; i < n; i++) {
        struct pci_device* d = &devs[i];
        printf("  00:%02x.%x %04x:%04x class %04x (%s) %s\n", d->slot, d->fn, d->vendor, d->device,
               d->class_code, class_name(d->class_code), device_name(d));
        for (int b = 0; b < 6; b++) {
            if (!d->bar[b].size) continue;
            printf("    BAR%d: %s at 0x%lx, %lu bytes\n", b, d->bar[b].is_io ? "I/O" : "memory",
                   (unsigned long)d->bar[b].addr, (unsigned long)d->bar[b].size);
        }
    }
    struct pci_device* edu = pci_find(devs, n, EDU_VENDOR, EDU_DEVICE);
    if (edu) {
        edu_demo(edu);
    } else {
        printf("no edu device: run with -device edu to meet it\n");
    }
    printf("done\n");
    return 0;
}
