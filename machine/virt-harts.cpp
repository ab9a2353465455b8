// The harts of the virt board and their wiring: each hart's local interrupt
// inputs take MEIP/SEIP from the PLIC contexts 2h and 2h+1, MSIP from the
// ACLINT SWI and MTIP from the ACLINT MTIMER; the `time` CSR reads mtime.
#include "hw/cpu/riscv/riscv-cpu.h"
#include "machine/virt.h"

namespace mq {

Status virt_create_harts(RISCVVirtState& s) {
    auto array = qdev_new(TYPE_RISCV_HART_ARRAY);
    if (!array) return array.take_error();
    auto& harts = object_check<RISCVHartArrayState>(array->get());
    harts.num_harts = s.smp_cpus;
    harts.resetvec = virt_memmap[VIRT_MROM].base;
    object_property_add_child(&s, "soc0", &harts);
    if (auto st = qdev_realize(&harts, nullptr); !st) return st;
    for (RISCVCPU* cpu : harts.harts)
        s.harts.push_back(cpu);
    return {};
}

void virt_connect_harts(RISCVVirtState& s) {
    for (size_t i = 0; i < s.harts.size(); i++) {
        auto* cpu = static_cast<RISCVCPU*>(s.harts[i]);
        int h = static_cast<int>(i);
        qdev_connect_gpio_out(s.plic, 2 * h, qdev_get_gpio_in(cpu, riscv::IRQ_M_EXT));
        qdev_connect_gpio_out(s.plic, 2 * h + 1, qdev_get_gpio_in(cpu, riscv::IRQ_S_EXT));
        qdev_connect_gpio_out(s.swi, h, qdev_get_gpio_in(cpu, riscv::IRQ_M_SOFT));
        qdev_connect_gpio_out(s.mtimer, h, qdev_get_gpio_in(cpu, riscv::IRQ_M_TIMER));
        RISCVAclintMTimerState* mtimer = s.mtimer;
        cpu->hart.rdtime = [mtimer] { return riscv_aclint_mtimer_read_mtime(*mtimer); };
    }
}

std::string virt_hart_isa_string() { return riscv::isa_string(); }

} // namespace mq
