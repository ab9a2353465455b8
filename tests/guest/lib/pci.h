/* A small PCI driver core, as firmware does it: walk ECAM, size the BARs,
 * give them addresses from the host bridge's windows, enable decode. */
#ifndef GUEST_PCI_H
#define GUEST_PCI_H

#include <stdint.h>

struct pci_bar {
    uint64_t addr; /* bus address; for I/O, the port number */
    uint64_t size; /* 0: no BAR */
    int is_io;
    int is_64;
    int prefetch;
};

struct pci_device {
    int slot, fn;
    uint16_t vendor, device;
    uint8_t revision;
    uint16_t class_code;
    uint8_t irq_pin;
    struct pci_bar bar[6];
};

uint32_t pci_cfg_read32(const struct pci_device* d, unsigned off);
uint16_t pci_cfg_read16(const struct pci_device* d, unsigned off);
uint8_t pci_cfg_read8(const struct pci_device* d, unsigned off);
void pci_cfg_write32(const struct pci_device* d, unsigned off, uint32_t v);
void pci_cfg_write16(const struct pci_device* d, unsigned off, uint16_t v);

/* Finds every function on bus 0, assigns its BARs and sets the command
 * register's I/O, memory and bus-master bits. Returns how many. */
int pci_enumerate(struct pci_device* devs, int max);
/* The first device with these ids, or 0. */
struct pci_device* pci_find(struct pci_device* devs, int n, uint16_t vendor, uint16_t device);
/* Where the CPU reaches BAR `i`. */
uintptr_t pci_bar_cpu(const struct pci_device* d, int i);
/* The PLIC source of the device's INTx (QEMU virt's swizzle). */
unsigned pci_plic_source(const struct pci_device* d);

#endif
