// The device tree of the virt board (QEMU: create_fdt() in hw/riscv/virt.c).
//
// libfdt's read-write API puts each new property and subnode first, so the
// calls below follow QEMU's order exactly, and the result decompiles to the
// same tree as QEMU's (../shared/specs/qemu-virt-256M.dts) for everything
// modelled. PCI devices are not listed: firmware finds them in ECAM.
#include "machine/fdt.h"
#include "machine/virt.h"

#include <random>

namespace mq {

namespace {
constexpr uint32_t IRQ_M_SOFT = 3;
constexpr uint32_t IRQ_M_TIMER = 7;
constexpr uint32_t IRQ_S_EXT = 9;
constexpr uint32_t IRQ_M_EXT = 11;
constexpr uint32_t UART_CLOCK_FREQ = 3686400;
constexpr uint32_t FDT_PCI_RANGE_IOPORT = 0x01000000;
constexpr uint32_t FDT_PCI_RANGE_MMIO = 0x02000000;
constexpr uint32_t FDT_PCI_RANGE_MMIO_64BIT = 0x03000000;

std::vector<uint32_t> reg_cells(hwaddr base, uint64_t size) {
    return {static_cast<uint32_t>(base >> 32), static_cast<uint32_t>(base),
            static_cast<uint32_t>(size >> 32), static_cast<uint32_t>(size)};
}

std::string node(const char* name, hwaddr base) { return fmt::format("{}@{:x}", name, base); }
} // namespace

std::vector<uint8_t> virt_create_fdt(const RISCVVirtState& s) {
    const auto& map = virt_memmap;
    const unsigned harts = s.smp_cpus;
    FdtBuilder fdt;
    uint32_t phandle = 1;

    fdt.setprop_string("/", "model", "riscv-virtio,qemu");
    fdt.setprop_string("/", "compatible", "riscv-virtio");
    fdt.setprop_cell("/", "#size-cells", 2);
    fdt.setprop_cell("/", "#address-cells", 2);

    fdt.add_subnode("/soc");
    fdt.setprop_empty("/soc", "ranges");
    fdt.setprop_string("/soc", "compatible", "simple-bus");
    fdt.setprop_cell("/soc", "#size-cells", 2);
    fdt.setprop_cell("/soc", "#address-cells", 2);

    // The harts, each with its local interrupt controller, last hart first.
    fdt.add_subnode("/cpus");
    fdt.setprop_cell("/cpus", "timebase-frequency", RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ);
    fdt.setprop_cell("/cpus", "#size-cells", 0);
    fdt.setprop_cell("/cpus", "#address-cells", 1);
    fdt.add_subnode("/cpus/cpu-map");
    fdt.add_subnode("/cpus/cpu-map/cluster0");
    std::vector<uint32_t> intc(harts);
    for (int cpu = static_cast<int>(harts) - 1; cpu >= 0; cpu--) {
        uint32_t cpu_phandle = phandle++;
        std::string cpu_name = fmt::format("/cpus/cpu@{}", cpu);
        fdt.add_subnode(cpu_name);
        fdt.setprop_string(cpu_name, "mmu-type", "riscv,sv48");
        virt_fdt_hart_isa(s, fdt, cpu_name, cpu);
        fdt.setprop_string(cpu_name, "compatible", "riscv");
        fdt.setprop_string(cpu_name, "status", "okay");
        fdt.setprop_cell(cpu_name, "reg", cpu);
        fdt.setprop_string(cpu_name, "device_type", "cpu");
        fdt.setprop_cell(cpu_name, "phandle", cpu_phandle);
        intc[cpu] = phandle++;
        std::string intc_name = cpu_name + "/interrupt-controller";
        fdt.add_subnode(intc_name);
        fdt.setprop_cell(intc_name, "phandle", intc[cpu]);
        fdt.setprop_string(intc_name, "compatible", "riscv,cpu-intc");
        fdt.setprop_empty(intc_name, "interrupt-controller");
        fdt.setprop_cell(intc_name, "#interrupt-cells", 1);
        std::string core = fmt::format("/cpus/cpu-map/cluster0/core{}", cpu);
        fdt.add_subnode(core);
        fdt.setprop_cell(core, "cpu", cpu_phandle);
    }

    std::string mem = "/" + node("memory", map[VIRT_DRAM].base);
    fdt.add_subnode(mem);
    fdt.setprop_cells(mem, "reg", reg_cells(map[VIRT_DRAM].base, s.ram_size));
    fdt.setprop_string(mem, "device_type", "memory");

    std::string clint = "/soc/" + node("clint", map[VIRT_CLINT].base);
    std::vector<uint32_t> clint_cells;
    for (unsigned cpu = 0; cpu < harts; cpu++) {
        clint_cells.insert(clint_cells.end(), {intc[cpu], IRQ_M_SOFT, intc[cpu], IRQ_M_TIMER});
    }
    fdt.add_subnode(clint);
    fdt.setprop_strings(clint, "compatible", {"sifive,clint0", "riscv,clint0"});
    fdt.setprop_cells(clint, "reg", reg_cells(map[VIRT_CLINT].base, map[VIRT_CLINT].size));
    fdt.setprop_cells(clint, "interrupts-extended", clint_cells);

    uint32_t plic_phandle = phandle++;
    std::string plic = "/soc/" + node("plic", map[VIRT_PLIC].base);
    std::vector<uint32_t> plic_cells;
    for (unsigned cpu = 0; cpu < harts; cpu++) {
        plic_cells.insert(plic_cells.end(), {intc[cpu], IRQ_M_EXT, intc[cpu], IRQ_S_EXT});
    }
    fdt.add_subnode(plic);
    fdt.setprop_cell(plic, "#interrupt-cells", 1);
    fdt.setprop_cell(plic, "#address-cells", 0);
    fdt.setprop_strings(plic, "compatible", {"sifive,plic-1.0.0", "riscv,plic0"});
    fdt.setprop_empty(plic, "interrupt-controller");
    fdt.setprop_cells(plic, "interrupts-extended", plic_cells);
    fdt.setprop_cells(plic, "reg", reg_cells(map[VIRT_PLIC].base, map[VIRT_PLIC].size));
    fdt.setprop_cell(plic, "riscv,ndev", VIRT_IRQCHIP_NUM_SOURCES);
    fdt.setprop_cell(plic, "phandle", plic_phandle);

    // PCIe: the ECAM window, the three ranges, and the INTx swizzle.
    // The virtio-mmio slots, empty or not: Linux probes each and skips the
    // ones whose device ID reads 0.
    for (int i = 0; i < VIRTIO_COUNT; i++) {
        hwaddr base = map[VIRT_VIRTIO].base + hwaddr(i) * map[VIRT_VIRTIO].size;
        std::string vnode = "/soc/" + node("virtio_mmio", base);
        fdt.add_subnode(vnode);
        fdt.setprop_string(vnode, "compatible", "virtio,mmio");
        fdt.setprop_cells(vnode, "reg", reg_cells(base, map[VIRT_VIRTIO].size));
        fdt.setprop_cell(vnode, "interrupt-parent", plic_phandle);
        fdt.setprop_cell(vnode, "interrupts", VIRTIO_IRQ + i);
    }

    std::string pci = "/soc/" + node("pci", map[VIRT_PCIE_ECAM].base);
    fdt.add_subnode(pci);
    fdt.setprop_cell(pci, "#address-cells", 3);
    fdt.setprop_cell(pci, "#interrupt-cells", 1);
    fdt.setprop_cell(pci, "#size-cells", 2);
    fdt.setprop_string(pci, "compatible", "pci-host-ecam-generic");
    fdt.setprop_string(pci, "device_type", "pci");
    fdt.setprop_cell(pci, "linux,pci-domain", 0);
    fdt.setprop_cells(pci, "bus-range",
                      {0, static_cast<uint32_t>(map[VIRT_PCIE_ECAM].size / (1 << 20)) - 1});
    fdt.setprop_empty(pci, "dma-coherent");
    fdt.setprop_cells(pci, "reg", reg_cells(map[VIRT_PCIE_ECAM].base, map[VIRT_PCIE_ECAM].size));
    auto hi = [](uint64_t v) { return static_cast<uint32_t>(v >> 32); };
    auto lo = [](uint64_t v) { return static_cast<uint32_t>(v); };
    fdt.setprop_cells(pci, "ranges",
                      {FDT_PCI_RANGE_IOPORT,
                       0,
                       0,
                       hi(map[VIRT_PCIE_PIO].base),
                       lo(map[VIRT_PCIE_PIO].base),
                       hi(map[VIRT_PCIE_PIO].size),
                       lo(map[VIRT_PCIE_PIO].size),
                       FDT_PCI_RANGE_MMIO,
                       hi(map[VIRT_PCIE_MMIO].base),
                       lo(map[VIRT_PCIE_MMIO].base),
                       hi(map[VIRT_PCIE_MMIO].base),
                       lo(map[VIRT_PCIE_MMIO].base),
                       hi(map[VIRT_PCIE_MMIO].size),
                       lo(map[VIRT_PCIE_MMIO].size),
                       FDT_PCI_RANGE_MMIO_64BIT,
                       hi(s.pcie_mmio_high_base),
                       lo(s.pcie_mmio_high_base),
                       hi(s.pcie_mmio_high_base),
                       lo(s.pcie_mmio_high_base),
                       hi(s.pcie_mmio_high_size),
                       lo(s.pcie_mmio_high_size)});
    std::vector<uint32_t> imap;
    for (uint32_t slot = 0; slot < 4; slot++) {
        for (uint32_t pin = 1; pin <= 4; pin++) {
            uint32_t irq = PCIE_IRQ + (pin - 1 + slot) % 4;
            imap.insert(imap.end(), {slot << 11, 0, 0, pin, plic_phandle, irq});
        }
    }
    fdt.setprop_cells(pci, "interrupt-map", imap);
    fdt.setprop_cells(pci, "interrupt-map-mask", {0x1800, 0, 0, 7});

    // The finisher, and the syscon poweroff/reboot nodes that use it.
    uint32_t test_phandle = phandle++;
    std::string test = "/soc/" + node("test", map[VIRT_TEST].base);
    fdt.add_subnode(test);
    fdt.setprop_strings(test, "compatible", {"sifive,test1", "sifive,test0", "syscon"});
    fdt.setprop_cells(test, "reg", reg_cells(map[VIRT_TEST].base, map[VIRT_TEST].size));
    fdt.setprop_cell(test, "phandle", test_phandle);
    for (auto [name, compatible, value] : {std::tuple{"/reboot", "syscon-reboot", 0x7777u},
                                           std::tuple{"/poweroff", "syscon-poweroff", 0x5555u}}) {
        fdt.add_subnode(name);
        fdt.setprop_string(name, "compatible", compatible);
        fdt.setprop_cell(name, "regmap", test_phandle);
        fdt.setprop_cell(name, "offset", 0);
        fdt.setprop_cell(name, "value", value);
    }

    std::string uart = "/soc/" + node("serial", map[VIRT_UART0].base);
    fdt.add_subnode(uart);
    fdt.setprop_string(uart, "compatible", "ns16550a");
    fdt.setprop_cells(uart, "reg", reg_cells(map[VIRT_UART0].base, map[VIRT_UART0].size));
    fdt.setprop_cell(uart, "clock-frequency", UART_CLOCK_FREQ);
    fdt.setprop_cell(uart, "interrupt-parent", plic_phandle);
    fdt.setprop_cell(uart, "interrupts", UART0_IRQ);
    fdt.add_subnode("/chosen");
    fdt.setprop_string("/chosen", "stdout-path", uart);

    std::string rtc = "/soc/" + node("rtc", map[VIRT_RTC].base);
    fdt.add_subnode(rtc);
    fdt.setprop_string(rtc, "compatible", "google,goldfish-rtc");
    fdt.setprop_cells(rtc, "reg", reg_cells(map[VIRT_RTC].base, map[VIRT_RTC].size));
    fdt.setprop_cell(rtc, "interrupt-parent", plic_phandle);
    fdt.setprop_cell(rtc, "interrupts", RTC_IRQ);

    virt_fdt_pmu(s, fdt);

    // Entropy for the guest's RNG, fresh each run, as QEMU's.
    std::random_device rd;
    std::vector<uint32_t> seed(8);
    for (auto& w : seed)
        w = rd();
    fdt.setprop_cells("/chosen", "rng-seed", seed);

    if (s.initrd) {
        fdt.setprop_cell("/chosen", "linux,initrd-start", static_cast<uint32_t>(s.initrd->first));
        fdt.setprop_cell("/chosen", "linux,initrd-end", static_cast<uint32_t>(s.initrd->second));
    }
    if (!s.kernel_cmdline.empty()) fdt.setprop_string("/chosen", "bootargs", s.kernel_cmdline);
    return fdt.finish();
}

} // namespace mq
