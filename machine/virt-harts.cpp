// The harts of the virt board and their wiring: each hart's local interrupt
// inputs take MEIP/SEIP from the PLIC contexts 2h and 2h+1, MSIP from the
// ACLINT SWI and MTIP from the ACLINT MTIMER; the `time` CSR reads mtime
// (and Sstc's stimecmp compares with it).
#include "hw/cpu/riscv/riscv-cpu.h"
#include "machine/fdt.h"
#include "machine/virt.h"

namespace mq {

Status virt_create_harts(RISCVVirtState& s) {
    auto array = qdev_new(TYPE_RISCV_HART_ARRAY);
    if (!array) return array.take_error();
    auto& harts = object_check<RISCVHartArrayState>(array->get());
    harts.num_harts = s.smp_cpus;
    if (!s.cpu_type.empty()) harts.cpu_type = s.cpu_type;
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
        cpu->hart.timebase_freq = mtimer->timebase_freq; // Sstc's stimecmp counts in it
        mtimer->time_written.push_back([&hart = cpu->hart] { riscv::sstc_update(hart); });
    }
}

void virt_fdt_hart_isa(const RISCVVirtState& s, FdtBuilder& fdt, const std::string& cpu_node,
                       int cpu) {
    const riscv::IsaConfig& isa =
        static_cast<RISCVCPU*>(s.harts.at(static_cast<size_t>(cpu)))->hart.isa;
    fdt.setprop_string(cpu_node, "riscv,isa", riscv::isa_string(isa.exts));
    // QEMU 9's newer binding: the base, and the extensions one string each.
    fdt.setprop_string(cpu_node, "riscv,isa-base", "rv64i");
    std::string list;
    for (const std::string& name : riscv::isa_extension_names(isa.exts)) {
        list += name;
        list += '\0';
    }
    fdt.setprop(cpu_node, "riscv,isa-extensions", list.data(), list.size());
    // After the ISA, as QEMU 9 has them (Zicbop's block is Zicbom's here).
    if (isa.has(riscv::Ext::Zicbom))
        fdt.setprop_cell(cpu_node, "riscv,cbom-block-size", isa.cbom_blocksize);
    if (isa.has(riscv::Ext::Zicboz))
        fdt.setprop_cell(cpu_node, "riscv,cboz-block-size", isa.cboz_blocksize);
    if (isa.has(riscv::Ext::Zicbop))
        fdt.setprop_cell(cpu_node, "riscv,cbop-block-size", isa.cbom_blocksize);
}

} // namespace mq
