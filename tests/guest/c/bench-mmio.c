/* The MMIO benchmark: edu's liveness register, written and read back, the
 * cheapest device round trip there is. */
#include "edu.h"
#include "guest.h"
#include "pci.h"

int main(void) {
    struct pci_device devs[8];
    int n = pci_enumerate(devs, 8);
    struct pci_device* edu = pci_find(devs, n, EDU_VENDOR, EDU_DEVICE);
    if (!edu) {
        printf("no edu\n");
        return 1;
    }
    uintptr_t live = pci_bar_cpu(edu, 0) + EDU_LIVENESS;
    uint32_t bad = 0;
    for (uint32_t i = 0; i < 500000; i++) {
        mmio_write32(live, i);
        bad |= mmio_read32(live) ^ ~i;
    }
    printf("mmio %s\n", bad ? "WRONG" : "ok");
    return bad != 0;
}
