// PCI on top of the qtest client, in the spirit of QEMU's libqos/pci.c, for
// the virt board: config space through ECAM at 0x30000000, memory BARs
// placed in the 32-bit MMIO window from 0x40000000, I/O BARs in the PCI I/O
// window from port 0x1000 (reached with inb/outb, or at 0x3000000 + port).
#pragma once

#include "tests/qtest/libqtest.h"

#include <optional>

namespace mq::test {

inline constexpr uint64_t kVirtEcam = 0x30000000;
inline constexpr uint64_t kVirtPciMmio = 0x40000000;
inline constexpr uint64_t kVirtPciIoFirst = 0x1000;
inline constexpr uint64_t kVirtRam = 0x80000000;
inline constexpr int kVirtPciIrqBase = 32; // PLIC sources of INTA..INTD
inline constexpr const char* kVirtPlicPath = "/machine/unattached/device[0]";

inline constexpr uint16_t PCI_COMMAND_IO = 0x1;
inline constexpr uint16_t PCI_COMMAND_MEMORY = 0x2;
inline constexpr uint16_t PCI_COMMAND_MASTER = 0x4;

// A mapped BAR: MMIO through readl/writel, I/O through inl/outl.
struct QPCIBar {
    bool io = false;
    uint64_t addr = 0; // CPU address, or port
    uint64_t size = 0;
};

class QPCIBus {
public:
    explicit QPCIBus(QTestState& qts) : m_qts(qts) {}
    QTestState& qts() { return m_qts; }
    // Resources handed out so far.
    uint64_t alloc(bool io, uint64_t size);

private:
    QTestState& m_qts;
    uint64_t m_next_mmio = kVirtPciMmio;
    uint64_t m_next_io = kVirtPciIoFirst;
};

class QPCIDevice {
public:
    QPCIDevice(QPCIBus& bus, int slot) : m_bus(bus), m_slot(slot) {}
    int slot() const { return m_slot; }

    uint8_t config_readb(unsigned off);
    uint16_t config_readw(unsigned off);
    uint32_t config_readl(unsigned off);
    void config_writeb(unsigned off, uint8_t v);
    void config_writew(unsigned off, uint16_t v);
    void config_writel(unsigned off, uint32_t v);

    // Sizes BAR `n`, gives it an address and returns it (QEMU's qpci_iomap).
    QPCIBar iomap(int n);
    // I/O and memory decode plus bus mastering (QEMU's qpci_device_enable).
    void enable();

    // Accesses through a mapped BAR, whichever kind it is.
    uint8_t readb(const QPCIBar& bar, uint64_t off);
    uint32_t readl(const QPCIBar& bar, uint64_t off);
    uint64_t readq(const QPCIBar& bar, uint64_t off);
    void writeb(const QPCIBar& bar, uint64_t off, uint8_t v);
    void writew(const QPCIBar& bar, uint64_t off, uint16_t v);
    void writel(const QPCIBar& bar, uint64_t off, uint32_t v);
    void writeq(const QPCIBar& bar, uint64_t off, uint64_t v);

private:
    uint64_t cfg(unsigned off) const { return kVirtEcam + (uint64_t(m_slot) << 15) + off; }
    QPCIBus& m_bus;
    int m_slot;
};

// The first function on bus 0 with this vendor and device id.
std::optional<QPCIDevice> qpci_find(QPCIBus& bus, uint16_t vendor, uint16_t device);

} // namespace mq::test
