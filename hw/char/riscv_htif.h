// HTIF: tohost/fromhost, for riscv-tests and Spike-style programs.
#pragma once

#include "core/chardev.h"
#include "core/memory.h"

namespace mq {

struct HTIFState {
    MemoryRegion mmio;
    Chardev* chr = nullptr;
    AddressSpace* as = nullptr;
    hwaddr tohost_offset = 0, fromhost_offset = 0;
    uint64_t tohost = 0, fromhost = 0;
    bool allow_tohost = false;
};

// Lays the HTIF words over `address_space` at the symbols' addresses.
HTIFState* htif_mm_init(MemoryRegion* address_space, AddressSpace* as, Chardev* chr, hwaddr tohost,
                        hwaddr fromhost);

} // namespace mq
