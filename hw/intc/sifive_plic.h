// The SiFive PLIC, RISC-V's platform-level interrupt controller
// (QEMU: hw/intc/sifive_plic.c; the RISC-V PLIC specification).
//
// Sources 1..num_sources-1 come in as gpio inputs (source 0 means "none").
// Each context (hart h in M-mode = 2h, in S-mode = 2h+1 on virt) has an
// enable bit per source, a priority threshold, and a claim/complete register;
// its gpio output drives the hart's MEIP or SEIP.
//
// The gateway is level-sensitive: a raised source becomes pending; claiming it
// clears pending until the driver writes complete, and if the device still
// holds the line high then, it is pending again.
#pragma once

#include "core/qdev/sysbus.h"

namespace mq {

inline constexpr const char* TYPE_SIFIVE_PLIC = "riscv.sifive.plic";

struct SiFivePLICState : SysBusDevice {
    static constexpr const char* type = TYPE_SIFIVE_PLIC;
    MemoryRegion mmio;

    // Configuration (properties).
    std::string hart_config = "MS"; // per hart, comma-separated: which modes get a context
    uint32_t hartid_base = 0;
    uint32_t num_sources = 96;
    uint32_t num_priorities = 7;
    uint32_t priority_base = 0x4;
    uint32_t pending_base = 0x1000;
    uint32_t enable_base = 0x2000;
    uint32_t enable_stride = 0x80;
    uint32_t context_base = 0x200000;
    uint32_t context_stride = 0x1000;
    uint32_t aperture_size = 0x600000;

    // State.
    struct Context {
        uint32_t hartid;
        char mode; // 'M' or 'S'
    };
    std::vector<Context> contexts;
    uint32_t bitfield_words = 0;
    std::vector<uint32_t> source_priority;
    std::vector<uint32_t> target_priority; // per context: the threshold
    std::vector<uint32_t> pending;
    std::vector<uint32_t> claimed;
    std::vector<uint32_t> level;  // what each source's line is now
    std::vector<uint32_t> enable; // per context, bitfield_words each
    std::vector<QemuIrq> context_irqs;
};

} // namespace mq
