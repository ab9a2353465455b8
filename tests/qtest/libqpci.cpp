#include "tests/qtest/libqpci.h"

#include <gtest/gtest.h>

namespace mq::test {

uint64_t QPCIBus::alloc(bool io, uint64_t size) {
    uint64_t& next = io ? m_next_io : m_next_mmio;
    uint64_t addr = (next + size - 1) & ~(size - 1); // a BAR is aligned to its size
    next = addr + size;
    return addr;
}

uint8_t QPCIDevice::config_readb(unsigned off) { return m_bus.qts().readb(cfg(off)); }
uint16_t QPCIDevice::config_readw(unsigned off) { return m_bus.qts().readw(cfg(off)); }
uint32_t QPCIDevice::config_readl(unsigned off) { return m_bus.qts().readl(cfg(off)); }
void QPCIDevice::config_writeb(unsigned off, uint8_t v) { m_bus.qts().writeb(cfg(off), v); }
void QPCIDevice::config_writew(unsigned off, uint16_t v) { m_bus.qts().writew(cfg(off), v); }
void QPCIDevice::config_writel(unsigned off, uint32_t v) { m_bus.qts().writel(cfg(off), v); }

QPCIBar QPCIDevice::iomap(int n) {
    unsigned reg = 0x10 + 4 * static_cast<unsigned>(n);
    uint32_t old = config_readl(reg);
    config_writel(reg, 0xffffffff);
    uint32_t mask = config_readl(reg);
    QPCIBar bar;
    bar.io = old & 1;
    bool is64 = !bar.io && ((old >> 1) & 3) == 2;
    EXPECT_NE(mask, 0u) << "BAR " << n << " is not implemented";
    if (bar.io) {
        // I/O BARs may leave the upper 16 bits zero.
        bar.size = uint32_t(~((mask | 0xffff0000u) & ~3u) + 1);
    } else {
        uint64_t full = 0xffffffff00000000ull | (mask & ~15u);
        if (is64) {
            config_writel(reg + 4, 0xffffffff);
            full = uint64_t(config_readl(reg + 4)) << 32 | (mask & ~15u);
        }
        bar.size = ~full + 1;
    }
    bar.addr = m_bus.alloc(bar.io, bar.size);
    config_writel(reg, static_cast<uint32_t>(bar.addr));
    if (is64) config_writel(reg + 4, static_cast<uint32_t>(bar.addr >> 32));
    return bar;
}

void QPCIDevice::enable() {
    uint16_t cmd = config_readw(0x04);
    config_writew(0x04, cmd | PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

uint8_t QPCIDevice::readb(const QPCIBar& bar, uint64_t off) {
    auto& q = m_bus.qts();
    return bar.io ? q.inb(static_cast<uint16_t>(bar.addr + off)) : q.readb(bar.addr + off);
}

uint32_t QPCIDevice::readl(const QPCIBar& bar, uint64_t off) {
    auto& q = m_bus.qts();
    return bar.io ? q.inl(static_cast<uint16_t>(bar.addr + off)) : q.readl(bar.addr + off);
}

uint64_t QPCIDevice::readq(const QPCIBar& bar, uint64_t off) {
    EXPECT_FALSE(bar.io) << "no 8-byte port I/O";
    return m_bus.qts().readq(bar.addr + off);
}

void QPCIDevice::writeb(const QPCIBar& bar, uint64_t off, uint8_t v) {
    auto& q = m_bus.qts();
    bar.io ? q.outb(static_cast<uint16_t>(bar.addr + off), v) : q.writeb(bar.addr + off, v);
}

void QPCIDevice::writew(const QPCIBar& bar, uint64_t off, uint16_t v) {
    auto& q = m_bus.qts();
    bar.io ? q.outw(static_cast<uint16_t>(bar.addr + off), v) : q.writew(bar.addr + off, v);
}

void QPCIDevice::writel(const QPCIBar& bar, uint64_t off, uint32_t v) {
    auto& q = m_bus.qts();
    bar.io ? q.outl(static_cast<uint16_t>(bar.addr + off), v) : q.writel(bar.addr + off, v);
}

void QPCIDevice::writeq(const QPCIBar& bar, uint64_t off, uint64_t v) {
    EXPECT_FALSE(bar.io) << "no 8-byte port I/O";
    m_bus.qts().writeq(bar.addr + off, v);
}

std::optional<QPCIDevice> qpci_find(QPCIBus& bus, uint16_t vendor, uint16_t device) {
    for (int slot = 0; slot < 32; slot++) {
        uint32_t id = bus.qts().readl(kVirtEcam + (uint64_t(slot) << 15));
        if (id == (uint32_t(device) << 16 | vendor)) return QPCIDevice(bus, slot);
    }
    return std::nullopt;
}

} // namespace mq::test
