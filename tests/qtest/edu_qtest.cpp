// edu through the qtest protocol, as QEMU's own device tests drive devices:
// a real miniqemu process, the CPUs never running, every register, DMA both
// ways timed by clock steps, and the INTx line seen at the PLIC.
#include "tests/qtest/libqpci.h"

#include <gtest/gtest.h>

#include <numeric>

using namespace mq::test;

namespace {

constexpr uint64_t kDmaNs = 100'000'000; // edu's DMA timer: 100 ms of virtual time
constexpr uint64_t kEduBuffer = 0x40000;

enum EduReg : uint64_t {
    ID = 0x00,
    LIVENESS = 0x04,
    FACTORIAL = 0x08,
    STATUS = 0x20,
    IRQ_STATUS = 0x24,
    IRQ_RAISE = 0x60,
    IRQ_ACK = 0x64,
    DMA_SRC = 0x80,
    DMA_DST = 0x88,
    DMA_CNT = 0x90,
    DMA_CMD = 0x98,
};
constexpr uint32_t DMA_START = 1, DMA_TO_RAM = 2, DMA_IRQ = 4;
constexpr uint32_t STATUS_COMPUTING = 0x01, STATUS_IRQFACT = 0x80;

class EduQtest : public ::testing::Test {
protected:
    void SetUp() override {
        auto edu = qpci_find(m_bus, 0x1234, 0x11e8);
        ASSERT_TRUE(edu) << "edu not found on bus 0";
        m_edu.emplace(*edu);
        m_bar = m_edu->iomap(0);
        m_edu->enable();
        // INTA of the slot, swizzled onto the host bridge's four lines.
        m_irq = kVirtPciIrqBase + m_edu->slot() % 4;
    }

    uint32_t rd(uint64_t reg) { return m_edu->readl(m_bar, reg); }
    void wr(uint64_t reg, uint32_t v) { m_edu->writel(m_bar, reg, v); }
    uint64_t rdq(uint64_t reg) { return m_edu->readq(m_bar, reg); }
    void wrq(uint64_t reg, uint64_t v) { m_edu->writeq(m_bar, reg, v); }

    void start_dma(uint64_t src, uint64_t dst, uint64_t count, uint32_t cmd) {
        wrq(DMA_SRC, src);
        wrq(DMA_DST, dst);
        wrq(DMA_CNT, count);
        wrq(DMA_CMD, cmd);
    }

    static std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
        std::vector<uint8_t> v(n);
        std::iota(v.begin(), v.end(), seed);
        return v;
    }

    QTestState m_qts{miniqemu_binary(),
                     {"-M", "virt", "-m", "128M", "-bios", "none", "-device",
                      "edu,id=edu1,dma_mask=0xffffffff", "-device", "pci-testdev"}};
    QPCIBus m_bus{m_qts};
    std::optional<QPCIDevice> m_edu;
    QPCIBar m_bar;
    int m_irq = 0;
};

TEST_F(EduQtest, ConfigSpace) {
    EXPECT_EQ(m_edu->config_readl(0x00), 0x11e81234u);
    EXPECT_EQ(m_edu->config_readb(0x08), 0x10) << "revision";
    EXPECT_EQ(m_edu->config_readw(0x0a), 0x00ff) << "class 'other'";
    EXPECT_EQ(m_edu->config_readb(0x3d), 1) << "INTx pin A";
    EXPECT_EQ(m_edu->config_readb(0x34), 0x40) << "capabilities at 0x40";
    EXPECT_EQ(m_edu->config_readb(0x40), 0x05) << "MSI";
    EXPECT_FALSE(m_bar.io);
    EXPECT_EQ(m_bar.size, 1u << 20);
    EXPECT_EQ(m_bar.addr, kVirtPciMmio);
}

TEST_F(EduQtest, Identification) {
    EXPECT_EQ(rd(ID), 0x010000edu);
    wr(ID, 0x12345678);
    EXPECT_EQ(rd(ID), 0x010000edu) << "read-only";
}

TEST_F(EduQtest, LivenessStoresTheInverse) {
    EXPECT_EQ(rd(LIVENESS), 0u) << "before any write";
    wr(LIVENESS, 0x12345678);
    EXPECT_EQ(rd(LIVENESS), 0xedcba987u);
    wr(LIVENESS, 0);
    EXPECT_EQ(rd(LIVENESS), 0xffffffffu);
}

TEST_F(EduQtest, OnlyFourByteAccessesBelow0x80) {
    wr(LIVENESS, 0);
    EXPECT_EQ(m_qts.readb(m_bar.addr + ID), 0) << "refused: reads as 0, as on QEMU";
    EXPECT_EQ(m_qts.readw(m_bar.addr + ID), 0);
    m_qts.writeb(m_bar.addr + LIVENESS, 0x55);
    EXPECT_EQ(rd(LIVENESS), 0xffffffffu) << "a 1-byte write is dropped";
    EXPECT_EQ(m_qts.readq(m_bar.addr + LIVENESS), 0u) << "8 bytes below 0x80 refused";
}

TEST_F(EduQtest, UnknownOffsetsReadAllOnes) {
    for (uint64_t reg : {0x0cu, 0x10u, 0x28u, 0x40u, 0x7cu}) {
        EXPECT_EQ(rd(reg), 0xffffffffu) << std::hex << reg;
        wr(reg, 0);
        EXPECT_EQ(rd(reg), 0xffffffffu) << "writes ignored at " << std::hex << reg;
    }
    EXPECT_EQ(rdq(0xa0), ~0ull);
}

TEST_F(EduQtest, FactorialOnTheWorkerThread) {
    wr(FACTORIAL, 5);
    // The worker is a host thread: poll in host time, as a driver would.
    for (int i = 0; i < 2000 && (rd(STATUS) & STATUS_COMPUTING); i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_EQ(rd(STATUS) & STATUS_COMPUTING, 0u);
    EXPECT_EQ(rd(FACTORIAL), 120u);
    wr(FACTORIAL, 13);
    for (int i = 0; i < 2000 && (rd(STATUS) & STATUS_COMPUTING); i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_EQ(rd(FACTORIAL), 1932053504u) << "13! wraps at 32 bits";
}

TEST_F(EduQtest, StatusKeepsOnlyTheInterruptBit) {
    EXPECT_EQ(rd(STATUS), 0u);
    wr(STATUS, 0xffffffff);
    EXPECT_EQ(rd(STATUS), STATUS_IRQFACT) << "bit 0 is read-only, the others read 0";
    wr(STATUS, 0);
    EXPECT_EQ(rd(STATUS), 0u);
}

TEST_F(EduQtest, FactorialInterruptArrivesAsynchronously) {
    m_qts.irq_intercept_in(kVirtPlicPath);
    wr(STATUS, STATUS_IRQFACT);
    wr(FACTORIAL, 4);
    ASSERT_TRUE(m_qts.wait_irq(m_irq, true)) << "IRQ raise " << m_irq << " from the worker";
    EXPECT_EQ(rd(FACTORIAL), 24u);
    EXPECT_EQ(rd(IRQ_STATUS), 0x1u);
    wr(IRQ_ACK, 0x1);
    EXPECT_FALSE(m_qts.get_irq(m_irq));
}

TEST_F(EduQtest, RaiseAndAcknowledgeDriveIntx) {
    m_qts.irq_intercept_in(kVirtPlicPath);
    EXPECT_EQ(rd(IRQ_STATUS), 0u);
    wr(IRQ_RAISE, 0x1);
    EXPECT_TRUE(m_qts.get_irq(m_irq));
    EXPECT_EQ(rd(IRQ_STATUS), 0x1u);
    wr(IRQ_RAISE, 0x4);
    EXPECT_EQ(rd(IRQ_STATUS), 0x5u) << "raise ORs";
    wr(IRQ_ACK, 0x1);
    EXPECT_TRUE(m_qts.get_irq(m_irq)) << "still 0x4 pending";
    EXPECT_EQ(rd(IRQ_STATUS), 0x4u);
    wr(IRQ_ACK, 0x4);
    EXPECT_FALSE(m_qts.get_irq(m_irq)) << "INTx lowers when the status reaches 0";
    EXPECT_EQ(rd(IRQ_STATUS), 0u);
    wr(IRQ_STATUS, 0x8);
    EXPECT_EQ(rd(IRQ_STATUS), 0u) << "0x24 is read-only";
    EXPECT_EQ(rd(IRQ_RAISE), 0xffffffffu) << "0x60 is write-only";
}

TEST_F(EduQtest, DmaRegisters) {
    wrq(DMA_SRC, 0x1122334455667788);
    EXPECT_EQ(rdq(DMA_SRC), 0x1122334455667788u);
    wr(DMA_SRC, 0xaabbccdd);
    EXPECT_EQ(rdq(DMA_SRC), 0xaabbccddu) << "a 32-bit write zero-extends";
    wrq(DMA_DST, 0x40000);
    EXPECT_EQ(rdq(DMA_DST), 0x40000u);
    wrq(DMA_CNT, 16);
    EXPECT_EQ(rdq(DMA_CNT), 16u);
    wrq(DMA_CMD, DMA_TO_RAM);
    EXPECT_EQ(rdq(DMA_CMD), 0u) << "a command without the start bit is ignored";
}

TEST_F(EduQtest, DmaBothWaysTimedByTheClock) {
    m_qts.irq_intercept_in(kVirtPlicPath);
    const auto data = pattern(64, 0x30);
    m_qts.memwrite(kVirtRam + 0x1000, data);

    // RAM -> device: completes exactly 100 ms of virtual time later.
    int64_t t0 = m_qts.clock_step(0);
    start_dma(kVirtRam + 0x1000, kEduBuffer, data.size(), DMA_START);
    EXPECT_EQ(rdq(DMA_CMD), DMA_START);
    wrq(DMA_CNT, 8);
    EXPECT_EQ(rdq(DMA_CNT), data.size()) << "DMA registers are ignored while it runs";
    EXPECT_EQ(m_qts.clock_step(kDmaNs - 1), t0 + int64_t(kDmaNs) - 1);
    EXPECT_EQ(rdq(DMA_CMD), DMA_START) << "1 ns early";
    m_qts.clock_step(1);
    EXPECT_EQ(rdq(DMA_CMD), 0u);
    EXPECT_FALSE(m_qts.get_irq(m_irq)) << "no interrupt asked for";

    // Device -> RAM, with the interrupt; clock_step without an argument
    // goes straight to the DMA timer's deadline.
    int64_t t1 = m_qts.clock_step(0);
    start_dma(kEduBuffer, kVirtRam + 0x2000, data.size(), DMA_START | DMA_TO_RAM | DMA_IRQ);
    EXPECT_EQ(m_qts.clock_step_next(), t1 + int64_t(kDmaNs));
    EXPECT_EQ(rdq(DMA_CMD), DMA_TO_RAM | DMA_IRQ) << "only the start bit clears";
    EXPECT_TRUE(m_qts.get_irq(m_irq)) << "IRQ raise at completion";
    EXPECT_EQ(m_qts.memread(kVirtRam + 0x2000, data.size()), data);
    EXPECT_EQ(m_qts.bufread(kVirtRam + 0x2000, data.size()), data);
    EXPECT_EQ(rd(IRQ_STATUS), 0x100u);
    wr(IRQ_ACK, 0x100);
    EXPECT_FALSE(m_qts.get_irq(m_irq));
}

TEST_F(EduQtest, DmaOfTheWholeBuffer) {
    const auto data = pattern(4096, 7);
    m_qts.bufwrite(kVirtRam + 0x10000, data);
    start_dma(kVirtRam + 0x10000, kEduBuffer, 4096, DMA_START);
    m_qts.clock_step_next();
    m_qts.memset(kVirtRam + 0x20000, 4096, 0);
    start_dma(kEduBuffer, kVirtRam + 0x20000, 4096, DMA_START | DMA_TO_RAM);
    m_qts.clock_step_next();
    EXPECT_EQ(m_qts.bufread(kVirtRam + 0x20000, 4096), data);
}

TEST_F(EduQtest, DmaOutsideTheBufferMovesNothing) {
    m_qts.memset(kVirtRam + 0x3000, 32, 0xaa);
    start_dma(kEduBuffer + 4090, kVirtRam + 0x3000, 32, DMA_START | DMA_TO_RAM);
    m_qts.clock_step(kDmaNs);
    EXPECT_EQ(rdq(DMA_CMD), DMA_TO_RAM) << "the command completes";
    EXPECT_EQ(m_qts.memread(kVirtRam + 0x3000, 32), std::vector<uint8_t>(32, 0xaa));
    EXPECT_TRUE(m_qts.alive());
}

TEST_F(EduQtest, DmaWithoutBusMasteringDoesNotReachRam) {
    m_qts.bufwrite(kVirtRam + 0x4000, pattern(16, 1));
    m_edu->config_writew(0x04, PCI_COMMAND_MEMORY); // master off
    start_dma(kVirtRam + 0x4000, kEduBuffer, 16, DMA_START);
    m_qts.clock_step_next();
    start_dma(kEduBuffer, kVirtRam + 0x5000, 16, DMA_START | DMA_TO_RAM);
    m_qts.clock_step_next();
    m_edu->enable();
    EXPECT_EQ(m_qts.memread(kVirtRam + 0x5000, 16), std::vector<uint8_t>(16, 0))
        << "writes dropped (RAM was zero)";
    start_dma(kEduBuffer, kVirtRam + 0x5000, 16, DMA_START | DMA_TO_RAM);
    m_qts.clock_step_next();
    EXPECT_EQ(m_qts.memread(kVirtRam + 0x5000, 16), std::vector<uint8_t>(16, 0))
        << "the reads without bus mastering came back as zeros";
}

TEST_F(EduQtest, NothingHappensWithoutClockSteps) {
    start_dma(kVirtRam, kEduBuffer, 16, DMA_START);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(rdq(DMA_CMD), DMA_START) << "host time does not move virtual time under qtest";
    EXPECT_EQ(m_qts.readq(0x0200bff8), 0u) << "mtime stands still too";
    m_qts.clock_step(kDmaNs);
    EXPECT_EQ(rdq(DMA_CMD), 0u);
    EXPECT_EQ(m_qts.readq(0x0200bff8), 1'000'000u) << "100 ms at 10 MHz";
}

} // namespace
