// The RISC-V "virt" board (QEMU: hw/riscv/virt.c).
//
// A guest or firmware built for QEMU's virt finds the same memory map, the
// same interrupt wiring and the same device tree here. Reading order:
//   1. the memory map: one table;
//   2. virt_machine_init: harts, interrupt controllers, RAM and ROM, the
//      UART, finisher and RTC, and the PCIe host bridge, each placed from
//      the table;
//   3. virt_machine_done (after the -device options): firmware and kernel
//      loading, the device tree and the reset vector;
//   4. the device tree itself is in virt-fdt.cpp.
#include "machine/virt.h"

#include "core/chardev.h"
#include "core/log.h"
#include "core/module.h"
#include "hw/char/riscv_htif.h"
#include "machine/fdt.h"
#include "machine/riscv-boot.h"

#include <filesystem>
#include <fstream>

namespace mq {

namespace {

// The 64-bit PCI window: 16 GiB above RAM, aligned to its size.
constexpr uint64_t VIRT64_HIGH_PCIE_MMIO_SIZE = 16ull << 30;

// Creates, configures and realizes a board device on the system bus. A
// failure here is a bug in the board, not the user's doing.
template <typename T>
T* create_board_device(std::string_view type, const std::function<void(T&)>& configure = {}) {
    auto dev = qdev_new(type);
    if (!dev) qom_abort(dev.error().message);
    auto& d = object_check<T>(dev->get());
    if (configure) configure(d);
    if (auto st = qdev_realize(&d, sysbus_get_default()); !st) qom_abort(st.error().message);
    return &d; // the composition tree holds it, at /machine/unattached
}

std::string plic_hart_config(unsigned harts) {
    std::string s;
    for (unsigned i = 0; i < harts; i++)
        s += i ? ",MS" : "MS";
    return s;
}

QemuIrq plic_irq(RISCVVirtState& s, int source) { return qdev_get_gpio_in(s.plic, source); }

Status virt_machine_init(MachineState& ms) {
    auto& s = static_cast<RISCVVirtState&>(ms);
    MemoryRegion* system_memory = get_system_memory();
    const auto& map = virt_memmap;

    // The harts, then the interrupt controllers wired to them.
    if (auto st = virt_create_harts(s); !st) return st;
    s.plic = create_board_device<SiFivePLICState>(TYPE_SIFIVE_PLIC, [&](SiFivePLICState& p) {
        p.hart_config = plic_hart_config(ms.smp_cpus);
        p.num_sources = VIRT_IRQCHIP_NUM_SOURCES;
        p.aperture_size = static_cast<uint32_t>(map[VIRT_PLIC].size);
    });
    sysbus_mmio_map(s.plic, 0, map[VIRT_PLIC].base);
    s.swi = create_board_device<RISCVAclintSwiState>(
        TYPE_RISCV_ACLINT_SWI, [&](RISCVAclintSwiState& d) { d.num_harts = ms.smp_cpus; });
    sysbus_mmio_map(s.swi, 0, map[VIRT_CLINT].base);
    s.mtimer = create_board_device<RISCVAclintMTimerState>(
        TYPE_RISCV_ACLINT_MTIMER, [&](RISCVAclintMTimerState& d) { d.num_harts = ms.smp_cpus; });
    sysbus_mmio_map(s.mtimer, 0, map[VIRT_CLINT].base + RISCV_ACLINT_SWI_SIZE);
    virt_connect_harts(s);

    // RAM and the reset ROM.
    if (auto st = memory_region_init_ram(&s.ram, &s, "riscv_virt_board.ram", ms.ram_size); !st) {
        return st;
    }
    memory_region_add_subregion(system_memory, map[VIRT_DRAM].base, &s.ram);
    if (auto st = memory_region_init_rom(&s.mrom, &s, "riscv_virt_board.mrom", map[VIRT_MROM].size);
        !st) {
        return st;
    }
    memory_region_add_subregion(system_memory, map[VIRT_MROM].base, &s.mrom);

    // The finisher, the RTC and the UART.
    sysbus_create_simple("riscv.sifive.test", map[VIRT_TEST].base);
    sysbus_create_simple("goldfish_rtc", map[VIRT_RTC].base, plic_irq(s, RTC_IRQ));
    s.uart =
        create_board_device<SerialMM>(TYPE_SERIAL_MM, [](SerialMM& u) { u.chr = serial_hd(0); });
    sysbus_mmio_map(s.uart, 0, map[VIRT_UART0].base);
    sysbus_connect_irq(s.uart, 0, plic_irq(s, UART0_IRQ));

    // The virtio-mmio slots. Each is a transport with an empty virtio bus;
    // -device virtio-*-device fills the first free one, which is the last
    // created (buses are searched newest first), as in QEMU.
    for (int i = 0; i < VIRTIO_COUNT; i++) {
        sysbus_create_simple("virtio-mmio",
                             map[VIRT_VIRTIO].base + hwaddr(i) * map[VIRT_VIRTIO].size,
                             plic_irq(s, VIRTIO_IRQ + i));
    }

    // The PCIe host bridge: ECAM, the two MMIO windows, the I/O window, INTx.
    s.gpex = create_board_device<GPEXHost>(TYPE_GPEX_HOST);
    s.pcie_mmio_high_size = VIRT64_HIGH_PCIE_MMIO_SIZE;
    s.pcie_mmio_high_base = (map[VIRT_DRAM].base + ms.ram_size + VIRT64_HIGH_PCIE_MMIO_SIZE - 1) &
                            ~(VIRT64_HIGH_PCIE_MMIO_SIZE - 1);
    memory_region_init_alias(&s.pcie_ecam_alias, s.gpex, "pcie-ecam",
                             sysbus_mmio_get_region(s.gpex, 0), 0, map[VIRT_PCIE_ECAM].size);
    memory_region_add_subregion(system_memory, map[VIRT_PCIE_ECAM].base, &s.pcie_ecam_alias);
    MemoryRegion* mmio_window = sysbus_mmio_get_region(s.gpex, 1);
    memory_region_init_alias(&s.pcie_mmio_alias, s.gpex, "pcie-mmio", mmio_window,
                             map[VIRT_PCIE_MMIO].base, map[VIRT_PCIE_MMIO].size);
    memory_region_add_subregion(system_memory, map[VIRT_PCIE_MMIO].base, &s.pcie_mmio_alias);
    memory_region_init_alias(&s.pcie_mmio_high_alias, s.gpex, "pcie-mmio-high", mmio_window,
                             s.pcie_mmio_high_base, s.pcie_mmio_high_size);
    memory_region_add_subregion(system_memory, s.pcie_mmio_high_base, &s.pcie_mmio_high_alias);
    sysbus_mmio_map(s.gpex, 2, map[VIRT_PCIE_PIO].base);
    for (int i = 0; i < GPEX_NUM_IRQS; i++)
        sysbus_connect_irq(s.gpex, i, plic_irq(s, PCIE_IRQ + i));

    qemu_register_reset([] { rom_reset(address_space_memory()); });
    return {};
}

// An ELF that has both talks to the host through HTIF (hw/char/riscv_htif.h).
constexpr std::string_view htif_symbols[] = {"tohost", "fromhost"};

// After -device: load what the command line names, then build the device
// tree and the reset vector around it, as QEMU's virt_machine_done.
Status virt_machine_done(MachineState& ms) {
    auto& s = static_cast<RISCVVirtState&>(ms);
    const hwaddr dram = virt_memmap[VIRT_DRAM].base;
    hwaddr firmware_end = dram;
    s.start_addr = dram;

    std::optional<std::string> firmware;
    if (ms.firmware.empty() || ms.firmware == "default") {
        // No -bios: with a kernel, QEMU's default firmware (OpenSBI
        // fw_dynamic) starts it in S-mode.
        if (ms.kernel_filename) {
            auto found = riscv_find_firmware("opensbi-riscv64-generic-fw_dynamic.bin");
            if (!found) return found.take_error();
            firmware = *found;
        }
    } else if (ms.firmware != "none") {
        auto found = riscv_find_firmware(ms.firmware);
        if (!found) return found.take_error();
        firmware = *found;
    }
    if (firmware) {
        auto fw = riscv_load_image(*firmware, "firmware", dram, dram, ms.ram_size, htif_symbols);
        if (!fw) return fw.take_error();
        firmware_end = fw->end;
        s.start_addr = fw->entry;
        if (fw->elf) {
            auto tohost = fw->elf->symbol("tohost");
            auto fromhost = fw->elf->symbol("fromhost");
            if (tohost && fromhost) s.htif = std::pair{*tohost, *fromhost};
        }
    }
    if (ms.kernel_filename) {
        hwaddr kernel_start = firmware ? riscv_calc_kernel_start_addr(firmware_end) : dram;
        auto kernel = riscv_load_image(*ms.kernel_filename, "kernel", kernel_start, dram,
                                       ms.ram_size, htif_symbols);
        if (!kernel) return kernel.take_error();
        s.kernel_entry = kernel->entry;
        // Without firmware the reset vector jumps straight to the kernel.
        if (!firmware) s.start_addr = kernel->entry;
        if (kernel->elf) {
            auto tohost = kernel->elf->symbol("tohost");
            auto fromhost = kernel->elf->symbol("fromhost");
            if (tohost && fromhost) s.htif = std::pair{*tohost, *fromhost};
        }
        if (!ms.initrd_filename.empty()) {
            auto initrd = riscv_load_initrd(ms.initrd_filename, s.kernel_entry, dram, ms.ram_size);
            if (!initrd) return initrd.take_error();
            s.initrd = *initrd;
        }
    }

    if (s.htif) {
        htif_mm_init(get_system_memory(), address_space_memory(), serial_hd(0), s.htif->first,
                     s.htif->second);
    }

    if (!ms.dtb.empty()) {
        auto blob = load_device_tree(ms.dtb, riscv_fdt_max_size(dram, ms.ram_size));
        if (!blob) {
            // As QEMU: what went wrong, then that loading failed.
            error_report_err(blob.error());
            return make_error("load_device_tree() failed");
        }
        s.fdt = std::move(*blob);
    } else {
        s.fdt = virt_create_fdt(s);
    }
    s.fdt_addr = riscv_compute_fdt_addr(dram, ms.ram_size, s.fdt.size());
    if (!ms.dumpdtb.empty()) return {}; // vl writes it and exits
    rom_add_blob_fixed("fdt", s.fdt, s.fdt_addr);
    riscv_setup_rom_reset_vec(s.start_addr, virt_memmap[VIRT_MROM].base,
                              virt_memmap[VIRT_MROM].size, s.kernel_entry, s.fdt_addr);
    return rom_check(address_space_memory());
}

void virt_machine_class_init(ObjectClass& klass) {
    auto& mc = class_cast<MachineClass>(klass);
    mc.name = "virt";
    mc.desc = "RISC-V VirtIO board";
    mc.is_default = true;
    mc.boots_default_guest = true;
    mc.max_cpus = VIRT_CPUS_MAX;
    mc.default_cpu_type = "rv64-riscv-cpu";
    mc.default_ram_id = "riscv_virt_board.ram";
    mc.default_ram_size = 128 * MiB;
    mc.init = virt_machine_init;
    mc.done = virt_machine_done;
    mc.pio_base = virt_memmap[VIRT_PCIE_PIO].base;
    mc.pio_size = virt_memmap[VIRT_PCIE_PIO].size;
    mc.get_fdt = [](MachineState& ms) { return &static_cast<RISCVVirtState&>(ms).fdt; };
}

void register_virt_machine() {
    type_register_static(TypeInfo{
        .name = TYPE_RISCV_VIRT_MACHINE,
        .parent = TYPE_MACHINE,
        .instance_new = new_instance<RISCVVirtState>,
        .class_init = virt_machine_class_init,
    });
}

} // namespace

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_virt_machine);
