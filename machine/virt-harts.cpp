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

void virt_fdt_pmu(const RISCVVirtState& s, FdtBuilder& fdt) {
    const riscv::IsaConfig& isa = static_cast<RISCVCPU*>(s.harts.at(0))->hart.isa;
    if (!isa.has(riscv::Ext::Zihpm)) return;
    // QEMU 7.2's map (riscv_pmu_generate_fdt_node): for each event, the
    // first and last code and the counters that may count it; the
    // programmable ones take any event, cycles and instructions also their
    // fixed counters. QEMU's array has room for 20 cells and fills 15.
    const uint32_t hpm = ((1u << isa.pmu_num) - 1) << 3;
    const uint32_t cycles = 0x1, instructions = 0x2, dtlb_read_miss = 0x10019,
                   dtlb_write_miss = 0x1001b, itlb_miss = 0x10021;
    std::vector<uint32_t> map = {
        cycles,         cycles,         hpm | 1, instructions,    instructions,    hpm | 4,
        dtlb_read_miss, dtlb_read_miss, hpm,     dtlb_write_miss, dtlb_write_miss, hpm,
        itlb_miss,      itlb_miss,      hpm};
    map.resize(20);
    fdt.add_subnode("/pmu");
    fdt.setprop_string("/pmu", "compatible", "riscv,pmu");
    fdt.setprop_cells("/pmu", "riscv,event-to-mhpmcounters", map);
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
