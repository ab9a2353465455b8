// pci-testdev through the qtest protocol: BAR0 with readb/writeb, BAR1 with
// inb/outb through the PCI I/O window, and the eventfd rules for counting.
#include "tests/qtest/libqpci.h"

#include <gtest/gtest.h>

using namespace mq::test;

namespace {

struct TestInfo {
    const char* name;
    uint32_t offset;
    uint8_t data;
    bool eventfd;
};

constexpr TestInfo kMmioTests[] = {
    {"mmio-no-eventfd", 0x800, 0xfa, false},
    {"mmio-wildcard-eventfd", 0x801, 0xce, true},
    {"mmio-datamatch-eventfd", 0x802, 0xfa, true},
};
constexpr TestInfo kPortioTests[] = {
    {"portio-no-eventfd", 0x83, 0xfa, false},
    {"portio-wildcard-eventfd", 0x84, 0xce, true},
    {"portio-datamatch-eventfd", 0x85, 0xfa, true},
};

class PciTestdevQtest : public ::testing::Test {
protected:
    void SetUp() override {
        auto dev = qpci_find(m_bus, 0x1b36, 0x0005);
        ASSERT_TRUE(dev) << "pci-testdev not found on bus 0";
        m_dev.emplace(*dev);
        m_mmio = m_dev->iomap(0);
        m_io = m_dev->iomap(1);
        m_dev->enable();
    }

    std::string name(const QPCIBar& bar) {
        std::string s;
        for (uint64_t off = 16; s.size() < 64; off++) {
            uint8_t c = m_dev->readb(bar, off);
            if (!c) break;
            s += static_cast<char>(c);
        }
        return s;
    }

    // kvm-unit-tests' walk: select, read the header, write 16 times, count.
    void walk(const QPCIBar& bar, const TestInfo (&expected)[3], uint8_t first_number) {
        int t = 0;
        for (;; t++) {
            m_dev->writeb(bar, 0, static_cast<uint8_t>(t));
            uint8_t width = m_dev->readb(bar, 1);
            if (width == 0) break;
            ASSERT_LT(t, 3);
            SCOPED_TRACE(expected[t].name);
            EXPECT_EQ(m_dev->readb(bar, 0), first_number + t);
            EXPECT_EQ(width, 1);
            uint32_t off = m_dev->readl(bar, 4);
            uint32_t data = m_dev->readl(bar, 8);
            EXPECT_EQ(off, expected[t].offset);
            EXPECT_EQ(data, expected[t].data);
            EXPECT_EQ(m_dev->readl(bar, 12), 0u);
            EXPECT_EQ(name(bar), expected[t].name);
            for (int i = 0; i < 16; i++)
                m_dev->writeb(bar, off, static_cast<uint8_t>(data));
            uint32_t count = m_dev->readl(bar, 12);
            EXPECT_EQ(count, expected[t].eventfd ? 0u : 16u)
                << "a write an eventfd matches is consumed by it";
            if (off % 2 == 0) {
                m_dev->writew(bar, off, static_cast<uint16_t>(data));
                EXPECT_EQ(m_dev->readl(bar, 12), count + 1) << "a wider write reaches the device";
            }
        }
        EXPECT_EQ(t, 3);
    }

    QTestState m_qts{miniqemu_binary(),
                     {"-M", "virt", "-bios", "none", "-device", "edu", "-device", "pci-testdev"}};
    QPCIBus m_bus{m_qts};
    std::optional<QPCIDevice> m_dev;
    QPCIBar m_mmio, m_io;
};

TEST_F(PciTestdevQtest, ConfigSpaceAndBars) {
    EXPECT_EQ(m_dev->config_readl(0), 0x00051b36u);
    EXPECT_EQ(m_dev->config_readb(0x3d), 0) << "no interrupt pin";
    EXPECT_FALSE(m_mmio.io);
    EXPECT_EQ(m_mmio.size, 4096u);
    EXPECT_TRUE(m_io.io);
    EXPECT_EQ(m_io.size, 256u);
    EXPECT_EQ(m_io.addr, kVirtPciIoFirst);
    EXPECT_EQ(m_dev->config_readl(0x14), kVirtPciIoFirst | 1) << "I/O BAR";
}

TEST_F(PciTestdevQtest, NothingSelectedReadsZero) {
    for (const QPCIBar* bar : {&m_mmio, &m_io}) {
        EXPECT_EQ(m_dev->readb(*bar, 0), 0);
        EXPECT_EQ(m_dev->readb(*bar, 1), 0);
        EXPECT_EQ(m_dev->readl(*bar, 4), 0u);
        EXPECT_EQ(name(*bar), "");
    }
}

TEST_F(PciTestdevQtest, MmioTests) { walk(m_mmio, kMmioTests, 0); }

TEST_F(PciTestdevQtest, PortioTestsWithInOut) { walk(m_io, kPortioTests, 3); }

TEST_F(PciTestdevQtest, PortsAreTheIoWindow) {
    m_qts.outb(static_cast<uint16_t>(m_io.addr), 0);
    EXPECT_EQ(m_qts.readb(0x3000000 + m_io.addr), 3) << "port p is 0x3000000 + p";
    EXPECT_EQ(m_qts.inl(0xf000), 0xffffffffu) << "an unclaimed port reads all-ones";
}

TEST_F(PciTestdevQtest, SelectingResetsTheCountAndHighNumbersReadZero) {
    m_dev->writeb(m_mmio, 0, 0);
    for (int i = 0; i < 3; i++)
        m_dev->writeb(m_mmio, 0x800, 0xfa);
    EXPECT_EQ(m_dev->readl(m_mmio, 12), 3u);
    m_dev->writeb(m_mmio, 0, 0);
    EXPECT_EQ(m_dev->readl(m_mmio, 12), 0u);
    m_dev->writeb(m_mmio, 0, 7);
    EXPECT_EQ(m_dev->readb(m_mmio, 1), 0);
    EXPECT_EQ(name(m_mmio), "");
}

} // namespace
