#include "pci.h"

#include "guest.h"

static uintptr_t cfg_addr(const struct pci_device* d, unsigned off) {
    return PCIE_ECAM_BASE + ((uintptr_t)d->slot << 15) + ((uintptr_t)d->fn << 12) + off;
}

uint32_t pci_cfg_read32(const struct pci_device* d, unsigned off) {
    return mmio_read32(cfg_addr(d, off));
}
uint16_t pci_cfg_read16(const struct pci_device* d, unsigned off) {
    return mmio_read16(cfg_addr(d, off));
}
uint8_t pci_cfg_read8(const struct pci_device* d, unsigned off) {
    return mmio_read8(cfg_addr(d, off));
}
void pci_cfg_write32(const struct pci_device* d, unsigned off, uint32_t v) {
    mmio_write32(cfg_addr(d, off), v);
}
void pci_cfg_write16(const struct pci_device* d, unsigned off, uint16_t v) {
    mmio_write16(cfg_addr(d, off), v);
}

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

int pci_enumerate(struct pci_device* devs, int max) {
    uint64_t mmio_next = PCIE_MMIO_BASE;
    uint64_t io_next = 0x1000; /* keep port 0 unused: address 0 means unmapped */
    int n = 0;
    for (int slot = 0; slot < 32 && n < max; slot++) {
        for (int fn = 0; fn < 8 && n < max; fn++) {
            struct pci_device* d = &devs[n];
            d->slot = slot;
            d->fn = fn;
            uint32_t id = pci_cfg_read32(d, 0);
            if ((id & 0xffff) == 0xffff) {
                if (fn == 0) break;
                continue;
            }
            d->vendor = id & 0xffff;
            d->device = id >> 16;
            uint32_t class_rev = pci_cfg_read32(d, 8);
            d->revision = class_rev & 0xff;
            d->class_code = class_rev >> 16;
            d->irq_pin = pci_cfg_read8(d, 0x3d);
            for (int i = 0; i < 6; i++) {
                struct pci_bar* b = &d->bar[i];
                b->size = 0;
                unsigned off = 0x10 + 4 * i;
                uint32_t orig = pci_cfg_read32(d, off);
                pci_cfg_write32(d, off, 0xffffffff);
                uint32_t mask = pci_cfg_read32(d, off);
                pci_cfg_write32(d, off, orig);
                if (mask == 0) continue;
                b->is_io = mask & 1;
                if (b->is_io) {
                    b->size = (~(mask & ~3u) + 1) & 0xffff;
                    b->addr = io_next = align_up(io_next, b->size);
                    io_next += b->size;
                    pci_cfg_write32(d, off, (uint32_t)b->addr);
                    continue;
                }
                b->is_64 = ((mask >> 1) & 3) == 2;
                b->prefetch = (mask >> 3) & 1;
                uint64_t full = mask & ~0xfu;
                if (b->is_64) {
                    uint32_t hi_orig = pci_cfg_read32(d, off + 4);
                    pci_cfg_write32(d, off + 4, 0xffffffff);
                    full |= (uint64_t)pci_cfg_read32(d, off + 4) << 32;
                    pci_cfg_write32(d, off + 4, hi_orig);
                } else {
                    full |= 0xffffffff00000000ull;
                }
                b->size = ~full + 1;
                b->addr = mmio_next = align_up(mmio_next, b->size);
                mmio_next += b->size;
                pci_cfg_write32(d, off, (uint32_t)b->addr);
                if (b->is_64) {
                    pci_cfg_write32(d, off + 4, (uint32_t)(b->addr >> 32));
                    i++;
                }
            }
            pci_cfg_write16(d, 4, pci_cfg_read16(d, 4) | 0x7); /* I/O, memory, bus master */
            n++;
            /* Only multifunction devices have functions beyond 0. */
            if (fn == 0 && !(pci_cfg_read8(d, 0x0e) & 0x80)) break;
        }
    }
    return n;
}

struct pci_device* pci_find(struct pci_device* devs, int n, uint16_t vendor, uint16_t device) {
    for (int i = 0; i < n; i++) {
        if (devs[i].vendor == vendor && devs[i].device == device) return &devs[i];
    }
    return 0;
}

uintptr_t pci_bar_cpu(const struct pci_device* d, int i) {
    return d->bar[i].is_io ? PCIE_PIO_BASE + d->bar[i].addr : d->bar[i].addr;
}

unsigned pci_plic_source(const struct pci_device* d) { return 32 + (d->slot + d->irq_pin - 1) % 4; }
