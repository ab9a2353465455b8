// PCI devices and buses (QEMU: include/hw/pci/pci.h, hw/pci/pci.c).
//
// A PCIDevice has a configuration space: 256 bytes (4096 for PCI Express)
// with three masks that say what the guest may change:
//   wmask   bits the guest may write;
//   w1cmask bits a guest write of 1 clears (status error bits);
//   cmask   bits that must not change across migration (kept for QEMU parity).
// Identity (vendor, device, class, interrupt pin) is therefore read-only.
//
// BARs: pci_register_bar() declares a MemoryRegion behind BAR n. The BAR is
// mapped into the bus's memory or I/O space only while the command register
// enables that kind of decode, at whatever address the guest wrote; every
// relevant config write remaps it (pci_update_mappings).
//
// Interrupts: pci_set_irq() drives the device's INTx pin; the bus maps the pin
// to a host-bridge line (the swizzle), unless Command.INTx-disable masks it.
// Status.INTx always shows the pin.
//
// DMA: pci_dma_read/write go through the device's bus-master address space,
// which shows system memory only while Command.Bus-Master is set.
#pragma once

#include "core/memory.h"
#include "core/qdev/qdev.h"

#include <array>
#include <cstdint>

namespace mq {

inline constexpr const char* TYPE_PCI_DEVICE = "pci-device";
inline constexpr const char* TYPE_PCI_BUS = "PCI";
inline constexpr const char* TYPE_PCIE_BUS = "PCIE";
inline constexpr const char* INTERFACE_CONVENTIONAL_PCI_DEVICE = "conventional-pci-device";
inline constexpr const char* INTERFACE_PCIE_DEVICE = "pci-express-device";

using pcibus_t = uint64_t;
inline constexpr pcibus_t PCI_BAR_UNMAPPED = ~pcibus_t(0);

// Configuration space layout (type 0 header).
enum : uint32_t {
    PCI_VENDOR_ID = 0x00,
    PCI_DEVICE_ID = 0x02,
    PCI_COMMAND = 0x04,
    PCI_STATUS = 0x06,
    PCI_REVISION_ID = 0x08,
    PCI_CLASS_PROG = 0x09,
    PCI_CLASS_DEVICE = 0x0a,
    PCI_CACHE_LINE_SIZE = 0x0c,
    PCI_LATENCY_TIMER = 0x0d,
    PCI_HEADER_TYPE = 0x0e,
    PCI_BASE_ADDRESS_0 = 0x10,
    PCI_SUBSYSTEM_VENDOR_ID = 0x2c,
    PCI_SUBSYSTEM_ID = 0x2e,
    PCI_ROM_ADDRESS = 0x30,
    PCI_CAPABILITY_LIST = 0x34,
    PCI_INTERRUPT_LINE = 0x3c,
    PCI_INTERRUPT_PIN = 0x3d,
    PCI_CONFIG_HEADER_SIZE = 0x40,
    PCI_CONFIG_SPACE_SIZE = 0x100,
    PCIE_CONFIG_SPACE_SIZE = 0x1000,
};

enum : uint16_t {
    PCI_COMMAND_IO = 0x1,
    PCI_COMMAND_MEMORY = 0x2,
    PCI_COMMAND_MASTER = 0x4,
    PCI_COMMAND_PARITY = 0x40,
    PCI_COMMAND_SERR = 0x100,
    PCI_COMMAND_INTX_DISABLE = 0x400,

    PCI_STATUS_INTERRUPT = 0x08,
    PCI_STATUS_CAP_LIST = 0x10,
    PCI_STATUS_PARITY = 0x100,
    PCI_STATUS_SIG_TARGET_ABORT = 0x800,
    PCI_STATUS_REC_TARGET_ABORT = 0x1000,
    PCI_STATUS_REC_MASTER_ABORT = 0x2000,
    PCI_STATUS_SIG_SYSTEM_ERROR = 0x4000,
    PCI_STATUS_DETECTED_PARITY = 0x8000,
};

enum : uint8_t {
    PCI_BASE_ADDRESS_SPACE_MEMORY = 0x00,
    PCI_BASE_ADDRESS_SPACE_IO = 0x01,
    PCI_BASE_ADDRESS_MEM_TYPE_64 = 0x04,
    PCI_BASE_ADDRESS_MEM_PREFETCH = 0x08,
    PCI_HEADER_TYPE_MULTI_FUNCTION = 0x80,
    PCI_CAP_ID_MSI = 0x05,
};

inline constexpr uint16_t PCI_VENDOR_ID_QEMU = 0x1234;
inline constexpr uint16_t PCI_VENDOR_ID_REDHAT = 0x1b36;
inline constexpr uint16_t PCI_SUBVENDOR_ID_REDHAT_QUMRANET = 0x1af4;
inline constexpr uint16_t PCI_SUBDEVICE_ID_QEMU = 0x1100;
inline constexpr uint16_t PCI_CLASS_OTHERS = 0x00ff;
inline constexpr uint16_t PCI_CLASS_BRIDGE_HOST = 0x0600;
inline constexpr int PCI_NUM_REGIONS = 7;
inline constexpr int PCI_ROM_SLOT = 6;

inline constexpr int PCI_SLOT(int devfn) { return (devfn >> 3) & 0x1f; }
inline constexpr int PCI_FUNC(int devfn) { return devfn & 7; }
inline constexpr int PCI_DEVFN(int slot, int fn) { return ((slot & 0x1f) << 3) | (fn & 7); }

struct PCIBus;
struct PCIDevice;

struct PCIIORegion {
    pcibus_t addr = PCI_BAR_UNMAPPED; // where it is mapped now
    pcibus_t size = 0;                // 0: no BAR here
    uint8_t type = 0;
    MemoryRegion* memory = nullptr;
    MemoryRegion* address_space = nullptr; // the bus space it maps into
};

struct PCIDeviceClass : DerivedClass<PCIDeviceClass, DeviceClass> {
    // The PCI device's own realize and exit; qdev's realize wraps them.
    std::function<Status(PCIDevice&)> realize;
    std::function<void(PCIDevice&)> exit;
    std::function<uint32_t(PCIDevice&, uint32_t addr, unsigned len)> config_read;
    std::function<void(PCIDevice&, uint32_t addr, uint32_t value, unsigned len)> config_write;
    uint16_t vendor_id = 0;
    uint16_t device_id = 0;
    uint8_t revision = 0;
    uint16_t class_id = 0;
    uint16_t subsystem_vendor_id = 0; // 0: QEMU's default, 1af4:1100
    uint16_t subsystem_id = 0;
};

struct PCIDevice : DeviceState {
    static constexpr const char* type = TYPE_PCI_DEVICE;

    std::vector<uint8_t> config;
    std::vector<uint8_t> wmask;
    std::vector<uint8_t> w1cmask;
    std::vector<uint8_t> cmask;
    std::vector<bool> used; // config bytes taken by capabilities

    int32_t devfn = -1; // the "addr" property: -1 picks the next free slot
    bool multifunction = false;
    std::string name;
    std::array<PCIIORegion, PCI_NUM_REGIONS> io_regions;

    // The device's view for DMA: a container holding an alias of system
    // memory, enabled only while Bus Master Enable is set.
    MemoryRegion bus_master_container_region;
    MemoryRegion bus_master_enable_region;
    AddressSpace bus_master_as;

    int irq_state = 0;   // one bit per INTx pin, as the device drives it
    uint8_t msi_cap = 0; // config offset of the MSI capability, or 0

    PCIBus* bus() const;
};

struct PCIBus : BusState {
    static constexpr const char* type = TYPE_PCI_BUS;
    std::array<PCIDevice*, 256> devices{};
    MemoryRegion* address_space_mem = nullptr;
    MemoryRegion* address_space_io = nullptr;
    uint8_t devfn_min = 0;
    int bus_num = 0;
    // The host bridge's interrupt routing.
    std::function<int(PCIDevice&, int pin)> map_irq;
    std::function<void(int irq, int level)> set_irq;
    std::vector<int> irq_count;
};

PCIDeviceClass& pci_device_get_class(PCIDevice& dev);

PCIBus* pci_root_bus_new(DeviceState* parent, std::string_view name,
                         MemoryRegion* address_space_mem, MemoryRegion* address_space_io,
                         uint8_t devfn_min, std::string_view type);
// The standard swizzle: INTx of slot s is line (s + pin) % 4 (pin 0 = INTA).
int pci_swizzle_map_irq_fn(PCIDevice& dev, int pin);
void pci_bus_irqs(PCIBus* bus, std::function<void(int, int)> set_irq,
                  std::function<int(PCIDevice&, int)> map_irq, int nirq);
PCIDevice* pci_find_device(PCIBus* bus, int bus_num, int devfn);

void pci_register_bar(PCIDevice* dev, int region_num, uint8_t type, MemoryRegion* memory);
pcibus_t pci_get_bar_addr(PCIDevice* dev, int region_num);

// Config space access as the host bridge performs it: `len` is 1, 2 or 4.
uint32_t pci_host_config_read_common(PCIDevice* dev, uint32_t addr, uint32_t limit, unsigned len);
void pci_host_config_write_common(PCIDevice* dev, uint32_t addr, uint32_t limit, uint32_t value,
                                  unsigned len);
uint32_t pci_default_read_config(PCIDevice& dev, uint32_t addr, unsigned len);
void pci_default_write_config(PCIDevice& dev, uint32_t addr, uint32_t value, unsigned len);
uint32_t pci_config_size(const PCIDevice* dev);

// Adds a capability; offset 0 picks the first free space from 0x40.
// Returns its offset.
Result<uint8_t> pci_add_capability(PCIDevice* dev, uint8_t cap_id, uint8_t offset, uint8_t size);

void pci_set_irq(PCIDevice* dev, int level);
MemTxResult pci_dma_read(PCIDevice* dev, hwaddr addr, void* buf, hwaddr len);
MemTxResult pci_dma_write(PCIDevice* dev, hwaddr addr, const void* buf, hwaddr len);

// MSI with one vector, 64-bit addresses, no per-vector mask.
Status msi_init(PCIDevice* dev, uint8_t offset, unsigned nr_vectors, bool msi64bit);
bool msi_enabled(const PCIDevice* dev);
void msi_notify(PCIDevice* dev, unsigned vector);

inline uint16_t pci_get_word(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }
inline uint32_t pci_get_long(const uint8_t* p) {
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
inline uint64_t pci_get_quad(const uint8_t* p) {
    return uint64_t(pci_get_long(p)) | uint64_t(pci_get_long(p + 4)) << 32;
}
inline void pci_set_byte(uint8_t* p, uint8_t v) { p[0] = v; }
inline void pci_set_word(uint8_t* p, uint16_t v) {
    p[0] = uint8_t(v);
    p[1] = uint8_t(v >> 8);
}
inline void pci_set_long(uint8_t* p, uint32_t v) {
    pci_set_word(p, uint16_t(v));
    pci_set_word(p + 2, uint16_t(v >> 16));
}
inline void pci_set_quad(uint8_t* p, uint64_t v) {
    pci_set_long(p, uint32_t(v));
    pci_set_long(p + 4, uint32_t(v >> 32));
}

// `info pci` for every PCI bus in the machine, in QEMU's format.
std::string pci_info_string();

} // namespace mq
