// The RISC-V ACLINT, in its CLINT-compatible layout (QEMU:
// hw/intc/riscv_aclint.c; the RISC-V ACLINT specification).
//
//   riscv.aclint.swi     msip[h] at +4h: bit 0 drives hart h's MSIP.
//   riscv.aclint.mtimer  mtimecmp[h] at +8h, mtime at +0x7ff8. MTIP of hart h
//                        is high while mtime >= mtimecmp[h].
// mtime counts at timebase-freq (10 MHz on virt) from the virtual clock, so
// it stops while the VM is stopped and follows -icount when given.
#pragma once

#include "core/qdev/sysbus.h"
#include "core/timer.h"

#include <functional>

namespace mq {

inline constexpr const char* TYPE_RISCV_ACLINT_SWI = "riscv.aclint.swi";
inline constexpr const char* TYPE_RISCV_ACLINT_MTIMER = "riscv.aclint.mtimer";
inline constexpr hwaddr RISCV_ACLINT_SWI_SIZE = 0x4000;
inline constexpr hwaddr RISCV_ACLINT_DEFAULT_MTIMER_SIZE = 0x8000;
inline constexpr hwaddr RISCV_ACLINT_DEFAULT_MTIME = 0x7ff8;
inline constexpr uint32_t RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ = 10000000;

struct RISCVAclintSwiState : SysBusDevice {
    static constexpr const char* type = TYPE_RISCV_ACLINT_SWI;
    MemoryRegion mmio;
    uint32_t hartid_base = 0;
    uint32_t num_harts = 1;
    uint32_t sswi = 0;
    std::vector<uint32_t> msip;
    std::vector<QemuIrq> soft_irqs;
};

struct RISCVAclintMTimerState : SysBusDevice {
    static constexpr const char* type = TYPE_RISCV_ACLINT_MTIMER;
    MemoryRegion mmio;
    uint32_t hartid_base = 0;
    uint32_t num_harts = 1;
    uint32_t timecmp_base = 0;
    uint32_t time_base = RISCV_ACLINT_DEFAULT_MTIME;
    uint32_t aperture_size = RISCV_ACLINT_DEFAULT_MTIMER_SIZE;
    uint32_t timebase_freq = RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ;
    // mtime minus the virtual clock's ticks, modulo 2^64 (mtime wraps, as
    // the 64-bit counter it models; QEMU's time_delta is unsigned too).
    uint64_t time_delta = 0;
    std::vector<uint64_t> timecmp;
    std::vector<std::unique_ptr<QEMUTimer>> timers;
    std::vector<QemuIrq> timer_irqs;
    // Called (under the big lock) after a write moved mtime, for whoever
    // compares with mtime on its own: a hart's Sstc stimecmp.
    std::vector<std::function<void()>> time_written;
};

// mtime now: the virtual clock in timebase ticks. The harts' `time` CSR reads this.
uint64_t riscv_aclint_mtimer_read_mtime(const RISCVAclintMTimerState& s);

} // namespace mq
