// edu (docs/specs/edu.rst, ../shared/specs/devices.md) through its BAR, as
// a driver sees it: registers, the factorial worker, interrupts through INTx
// to the PLIC, and the DMA engine on the stepped virtual clock.
#include "tests/machine/virt_fixture.h"

#include "core/qdev/qdev.h"

#include <gmock/gmock.h>

#include <numeric>

using namespace mq;
using namespace mq::test;
using ::testing::HasSubstr;

namespace {

constexpr hwaddr EDU_ID = 0x00;
constexpr hwaddr EDU_LIVENESS = 0x04;
constexpr hwaddr EDU_FACTORIAL = 0x08;
constexpr hwaddr EDU_STATUS = 0x20;
constexpr hwaddr EDU_IRQ_STATUS = 0x24;
constexpr hwaddr EDU_IRQ_RAISE = 0x60;
constexpr hwaddr EDU_IRQ_ACK = 0x64;
constexpr hwaddr EDU_DMA_SRC = 0x80;
constexpr hwaddr EDU_DMA_DST = 0x88;
constexpr hwaddr EDU_DMA_COUNT = 0x90;
constexpr hwaddr EDU_DMA_CMD = 0x98;
constexpr uint64_t EDU_BUFFER = 0x40000;

// edu is in slot 1 with INTA: PLIC source 32 + (1 + 1 - 1) % 4.
constexpr int kEduSlot = 1;
constexpr int kEduPlicSource = 33;

class EduTest : public VirtTest {
protected:
    void SetUp() override {
        VirtTest::SetUp();
        if (HasFatalFailure()) return;
        bar = m_edu->bars[0].cpu_addr();
        // Interrupt state is not part of edu's reset (as in QEMU): start clean.
        (void)wr32(bar + EDU_IRQ_ACK, 0xffffffff);
        (void)wr32(bar + EDU_STATUS, 0);
    }

    uint32_t reg(hwaddr offset) { return rd32(bar + offset); }
    void set_reg(hwaddr offset, uint32_t value) { ASSERT_EQ(wr32(bar + offset, value), MEMTX_OK); }

    bool computing() { return reg(EDU_STATUS) & 0x01; }
    // Starts a factorial and polls the status register until the worker is
    // done, letting go of the big lock in between.
    uint32_t factorial(uint32_t n) {
        set_reg(EDU_FACTORIAL, n);
        EXPECT_TRUE(wait_for([&] { return !computing(); })) << "the factorial of " << n;
        return reg(EDU_FACTORIAL);
    }

    void start_dma(uint64_t src, uint64_t dst, uint64_t count, uint64_t cmd) {
        ASSERT_EQ(wr64(bar + EDU_DMA_SRC, src), MEMTX_OK);
        ASSERT_EQ(wr64(bar + EDU_DMA_DST, dst), MEMTX_OK);
        ASSERT_EQ(wr64(bar + EDU_DMA_COUNT, count), MEMTX_OK);
        ASSERT_EQ(wr64(bar + EDU_DMA_CMD, cmd), MEMTX_OK);
    }
    uint64_t dma_cmd() { return rd64(bar + EDU_DMA_CMD); }
    // A whole transfer: start it and let 100 ms of virtual time pass.
    void dma(uint64_t src, uint64_t dst, uint64_t count, uint64_t cmd) {
        start_dma(src, dst, count, cmd);
        step_ms(100);
        EXPECT_EQ(dma_cmd() & 1, 0u) << "the transfer did not complete";
    }

    static void ram_write(hwaddr addr, const std::vector<uint8_t>& data) {
        ASSERT_EQ(address_space_write(sys(), addr, data.data(), data.size()), MEMTX_OK);
    }
    static std::vector<uint8_t> ram_read(hwaddr addr, size_t len) {
        std::vector<uint8_t> data(len);
        EXPECT_EQ(address_space_read(sys(), addr, data.data(), len), MEMTX_OK);
        return data;
    }
    static std::vector<uint8_t> pattern(size_t len, uint8_t seed) {
        std::vector<uint8_t> p(len);
        for (size_t i = 0; i < len; i++)
            p[i] = static_cast<uint8_t>(seed + i * 7 + (i >> 8));
        return p;
    }
    // What the device buffer holds, read back by a device -> RAM transfer.
    std::vector<uint8_t> device_buffer(size_t len = 4096) {
        const hwaddr scratch = kRamBase + 0x0f00000;
        ram_write(scratch, std::vector<uint8_t>(len, 0xee));
        dma(EDU_BUFFER, scratch, len, 0x3);
        return ram_read(scratch, len);
    }

    hwaddr bar = 0;
};

// --- Registers ---

TEST_F(EduTest, IdentificationIsVersionOneZero) {
    EXPECT_EQ(reg(EDU_ID), 0x010000edu);
    set_reg(EDU_ID, 0x12345678);
    EXPECT_EQ(reg(EDU_ID), 0x010000edu) << "read-only";
}

TEST_F(EduTest, LivenessReadsZeroBeforeAnyWrite) {
    // Read by the fixture right after the machine was built.
    EXPECT_EQ(machine().edu_liveness_at_start(), 0u);
}

TEST_F(EduTest, LivenessStoresTheBitwiseNot) {
    set_reg(EDU_LIVENESS, 0x12345678);
    EXPECT_EQ(reg(EDU_LIVENESS), 0xedcba987u);
    set_reg(EDU_LIVENESS, 0);
    EXPECT_EQ(reg(EDU_LIVENESS), 0xffffffffu);
    set_reg(EDU_LIVENESS, 0xffffffff);
    EXPECT_EQ(reg(EDU_LIVENESS), 0u);
}

TEST_F(EduTest, UnknownOffsetsReadAllOnesAndIgnoreWrites) {
    for (hwaddr off : {0x0cu, 0x10u, 0x1cu, 0x28u, 0x60u, 0x64u, 0x7cu, 0xa0u, 0x1000u, 0xffffcu}) {
        SCOPED_TRACE(off);
        MemTxResult r = MEMTX_ERROR;
        EXPECT_EQ(rd32(bar + off, &r), 0xffffffffu);
        EXPECT_EQ(r, MEMTX_OK);
    }
    set_reg(0x0c, 0x5);
    set_reg(0x28, 0x5);
    EXPECT_EQ(reg(0x0c), 0xffffffffu);
    EXPECT_EQ(reg(EDU_ID), 0x010000edu);
}

TEST_F(EduTest, StatusKeepsOnlyTheInterruptEnableBit) {
    EXPECT_EQ(reg(EDU_STATUS), 0u);
    set_reg(EDU_STATUS, 0xffffffff);
    EXPECT_EQ(reg(EDU_STATUS), 0x80u) << "0x01 (computing) is read-only";
    set_reg(EDU_STATUS, 0x01);
    EXPECT_EQ(reg(EDU_STATUS), 0x00u);
}

TEST_F(EduTest, ValidAccessSizes) {
    // From 0x80 on, 8-byte accesses work; a 4-byte write zero-extends.
    EXPECT_EQ(wr64(bar + EDU_DMA_SRC, 0x1122334455667788), MEMTX_OK);
    EXPECT_EQ(rd64(bar + EDU_DMA_SRC), 0x1122334455667788u);
    EXPECT_EQ(rd32(bar + EDU_DMA_SRC), 0x55667788u);
    EXPECT_EQ(wr32(bar + EDU_DMA_SRC, 0xaabbccdd), MEMTX_OK);
    EXPECT_EQ(rd64(bar + EDU_DMA_SRC), 0x00000000aabbccddu);
    EXPECT_EQ(rd32(bar + EDU_DMA_SRC + 4), 0xffffffffu) << "0x84 is not a register";
    // Below 0x80 an 8-byte access is valid but means nothing: all-ones.
    MemTxResult r = MEMTX_ERROR;
    EXPECT_EQ(rd64(bar + EDU_ID, &r), ~0ull);
    EXPECT_EQ(r, MEMTX_OK);
}

TEST_F(EduTest, NarrowAccessesAreRefused) {
    for (hwaddr off : {EDU_ID, EDU_LIVENESS, EDU_DMA_SRC, EDU_DMA_CMD}) {
        SCOPED_TRACE(off);
        MemTxResult r = MEMTX_OK;
        EXPECT_EQ(rd8(bar + off, &r), 0u);
        EXPECT_EQ(r, MEMTX_DECODE_ERROR);
        EXPECT_EQ(rd16(bar + off, &r), 0u);
        EXPECT_EQ(r, MEMTX_DECODE_ERROR);
        EXPECT_EQ(wr8(bar + off, 1), MEMTX_DECODE_ERROR);
        EXPECT_EQ(wr16(bar + off, 1), MEMTX_DECODE_ERROR);
    }
    // Nor may a 4-byte access be unaligned.
    MemTxResult r = MEMTX_OK;
    (void)rd32(bar + 2, &r);
    EXPECT_EQ(r, MEMTX_DECODE_ERROR);
    // Refused writes never reached the device.
    set_reg(EDU_LIVENESS, 0x0f0f0f0f);
    EXPECT_EQ(wr16(bar + EDU_LIVENESS, 0x1), MEMTX_DECODE_ERROR);
    EXPECT_EQ(reg(EDU_LIVENESS), 0xf0f0f0f0u);
    auto errors = machine().take_guest_errors();
    ASSERT_FALSE(errors.empty());
    EXPECT_THAT(errors.front(), HasSubstr("region 'edu-mmio'"));
    EXPECT_THAT(errors.front(), HasSubstr("invalid size"));
}

TEST_F(EduTest, DmaMaskIsAUint64PropertyDefaulting28Bits) {
    auto help = qdev_device_help("edu");
    ASSERT_TRUE(help);
    EXPECT_THAT(*help, HasSubstr("dma_mask=<uint64>"));
    EXPECT_THAT(*help, HasSubstr("(default: 268435455)"));
    Object* edu = object_resolve_path("/machine/peripheral/edu1");
    ASSERT_NE(edu, nullptr);
    auto mask = object_property_get_str(edu, "dma_mask");
    ASSERT_TRUE(mask);
    EXPECT_EQ(*mask, "4294967295");
}

// --- The factorial worker ---

TEST_F(EduTest, FactorialByPolling) {
    EXPECT_EQ(factorial(0), 1u);
    EXPECT_EQ(factorial(1), 1u);
    EXPECT_EQ(factorial(5), 120u);
    EXPECT_EQ(factorial(10), 3628800u);
    EXPECT_EQ(factorial(12), 479001600u);
    // 13! = 0x17328cc00 wraps to 32 bits.
    EXPECT_EQ(factorial(13), 1932053504u);
    EXPECT_EQ(factorial(20), uint32_t(2432902008176640000ull));
}

TEST_F(EduTest, FactorialWritesAreIgnoredWhileComputing) {
    // A big n keeps the worker busy for a long while (it multiplies n times).
    constexpr uint32_t kBig = 300000000;
    set_reg(EDU_FACTORIAL, kBig);
    ASSERT_TRUE(computing());
    set_reg(EDU_FACTORIAL, 3);
    EXPECT_EQ(reg(EDU_FACTORIAL), kBig) << "the write of 3 must be ignored";
    EXPECT_TRUE(computing());
    EXPECT_TRUE(wait_for([&] { return !computing(); }, std::chrono::seconds(60)));
    EXPECT_EQ(reg(EDU_FACTORIAL), 0u) << "n! of a big n has more than 32 factors of two";
    EXPECT_EQ(factorial(4), 24u) << "and it takes writes again";
}

TEST_F(EduTest, FactorialRaisesInterruptOneWhenAsked) {
    ASSERT_FALSE(plic_pending(kEduPlicSource));
    set_reg(EDU_STATUS, 0x80);
    set_reg(EDU_FACTORIAL, 5);
    // The worker clears "computing" first and then takes the big lock to
    // raise the interrupt: wait for the interrupt itself.
    ASSERT_TRUE(wait_for([&] { return reg(EDU_IRQ_STATUS) != 0; }));
    EXPECT_EQ(reg(EDU_IRQ_STATUS), 0x1u);
    EXPECT_EQ(reg(EDU_FACTORIAL), 120u);
    EXPECT_EQ(reg(EDU_STATUS), 0x80u);
    EXPECT_TRUE(plic_pending(kEduPlicSource)) << "INTA of slot 1 is PLIC source 33";
    EXPECT_TRUE(pci_cfg_read16(kEduSlot, 0, 0x06) & 0x08) << "Status.Interrupt";
    set_reg(EDU_IRQ_ACK, 0x1);
    EXPECT_EQ(reg(EDU_IRQ_STATUS), 0u);
    EXPECT_FALSE(pci_cfg_read16(kEduSlot, 0, 0x06) & 0x08);

    // Without 0x80, no interrupt.
    set_reg(EDU_STATUS, 0);
    EXPECT_EQ(factorial(6), 720u);
    EXPECT_EQ(reg(EDU_IRQ_STATUS), 0u);
}

// --- Interrupts ---

TEST_F(EduTest, RaiseAndAcknowledge) {
    ASSERT_FALSE(plic_pending(kEduPlicSource));
    set_reg(EDU_IRQ_RAISE, 0x1000);
    EXPECT_EQ(reg(EDU_IRQ_STATUS), 0x1000u);
    EXPECT_TRUE(plic_pending(kEduPlicSource));
    EXPECT_FALSE(plic_pending(kEduPlicSource - 1));
    EXPECT_FALSE(plic_pending(kEduPlicSource + 1));
    EXPECT_TRUE(pci_cfg_read16(kEduSlot, 0, 0x06) & 0x08);

    set_reg(EDU_IRQ_RAISE, 0x3);
    EXPECT_EQ(reg(EDU_IRQ_STATUS), 0x1003u) << "raise ORs";
    set_reg(EDU_IRQ_ACK, 0x1001);
    EXPECT_EQ(reg(EDU_IRQ_STATUS), 0x2u) << "ack clears only those bits";
    EXPECT_TRUE(pci_cfg_read16(kEduSlot, 0, 0x06) & 0x08) << "INTx stays up while bits remain";
    set_reg(EDU_IRQ_ACK, 0x2);
    EXPECT_EQ(reg(EDU_IRQ_STATUS), 0u);
    EXPECT_FALSE(pci_cfg_read16(kEduSlot, 0, 0x06) & 0x08) << "INTx drops at 0";

    // The PLIC latched the request: a driver claims and completes it.
    ASSERT_EQ(wr32(plic_priority(kEduPlicSource), 1), MEMTX_OK);
    ASSERT_EQ(wr32(plic_enable_word(0, kEduPlicSource), 1u << (kEduPlicSource % 32)), MEMTX_OK);
    EXPECT_EQ(rd32(plic_claim(0)), uint32_t(kEduPlicSource));
    EXPECT_EQ(wr32(plic_claim(0), kEduPlicSource), MEMTX_OK);
    EXPECT_FALSE(plic_pending(kEduPlicSource)) << "the line was low at completion";
    EXPECT_EQ(rd32(plic_claim(0)), 0u);
}

TEST_F(EduTest, IntxDisableMasksTheLineButNotTheStatusBit) {
    ASSERT_FALSE(plic_pending(kEduPlicSource));
    pci_set_command(kEduSlot, 0, 0x0407); // + INTx disable
    set_reg(EDU_IRQ_RAISE, 0x1);
    EXPECT_TRUE(pci_cfg_read16(kEduSlot, 0, 0x06) & 0x08) << "the pin still shows";
    EXPECT_FALSE(plic_pending(kEduPlicSource)) << "but does not reach the PLIC";

    pci_set_command(kEduSlot, 0, 0x0007); // unmask: the held line arrives
    EXPECT_TRUE(plic_pending(kEduPlicSource));
    set_reg(EDU_IRQ_ACK, 0x1);
    EXPECT_FALSE(pci_cfg_read16(kEduSlot, 0, 0x06) & 0x08);
}

TEST_F(EduTest, RaiseSendsAnMsiWhenMsiIsEnabled) {
    // No MSI controller on this virt: the message is a plain DMA write that
    // lands where the driver pointed it, here in RAM.
    const hwaddr target = kRamBase + 0x10000;
    ASSERT_EQ(wr32(target, 0), MEMTX_OK);
    set_reg(EDU_IRQ_RAISE, 0x1); // INTx first
    ASSERT_TRUE(pci_cfg_read16(kEduSlot, 0, 0x06) & 0x08);
    pci_cfg_write32(kEduSlot, 0, 0x44, static_cast<uint32_t>(target));
    pci_cfg_write32(kEduSlot, 0, 0x48, static_cast<uint32_t>(target >> 32));
    pci_cfg_write32(kEduSlot, 0, 0x4c, 0x4321);
    pci_cfg_write32(kEduSlot, 0, 0x40, 0x00010000); // message control: enable
    EXPECT_EQ(pci_cfg_read16(kEduSlot, 0, 0x42), 0x0081);
    EXPECT_FALSE(pci_cfg_read16(kEduSlot, 0, 0x06) & 0x08) << "enabling MSI drops INTx";
    EXPECT_EQ(rd32(target), 0u);

    set_reg(EDU_IRQ_RAISE, 0x2);
    EXPECT_EQ(rd32(target), 0x4321u) << "the message was written";
    EXPECT_EQ(reg(EDU_IRQ_STATUS), 0x3u);
    EXPECT_FALSE(pci_cfg_read16(kEduSlot, 0, 0x06) & 0x08) << "no INTx with MSI";
    set_reg(EDU_IRQ_ACK, 0x3);

    // Without bus mastering the message goes nowhere.
    ASSERT_EQ(wr32(target, 0), MEMTX_OK);
    pci_set_command(kEduSlot, 0, 0x0002);
    set_reg(EDU_IRQ_RAISE, 0x1);
    EXPECT_EQ(rd32(target), 0u);
    set_reg(EDU_IRQ_ACK, 0x1);

    // A reset turns MSI off again.
    machine().vm().reset();
    EXPECT_EQ(pci_cfg_read16(kEduSlot, 0, 0x42), 0x0080);
}

// A guest points edu's MSI at edu's own IRQ_RAISE register: the message
// would raise again, and again. The memory API refuses the re-entry (QEMU's
// MemReentrancyGuard) and logs it; the host stack is safe.
TEST_F(EduTest, AnMsiAimedAtEdusOwnRegistersIsBlocked) {
    (void)machine().take_guest_errors();
    const hwaddr target = bar + EDU_IRQ_RAISE;
    pci_cfg_write32(kEduSlot, 0, 0x44, static_cast<uint32_t>(target));
    pci_cfg_write32(kEduSlot, 0, 0x48, static_cast<uint32_t>(target >> 32));
    pci_cfg_write32(kEduSlot, 0, 0x4c, 0x0004);
    pci_cfg_write32(kEduSlot, 0, 0x40, 0x00010000); // message control: enable
    set_reg(EDU_IRQ_RAISE, 0x2);
    EXPECT_EQ(reg(EDU_IRQ_STATUS), 0x2u) << "the message did not raise bit 2";
    EXPECT_THAT(machine().take_guest_errors(),
                ::testing::Contains(HasSubstr("Blocked re-entrant IO on MemoryRegion: edu-mmio at "
                                              "addr: 0x60")));
    // The same write from outside the device still works.
    set_reg(EDU_IRQ_RAISE, 0x4);
    EXPECT_EQ(reg(EDU_IRQ_STATUS), 0x6u);
    set_reg(EDU_IRQ_ACK, 0x6);
    machine().vm().reset();
}

// A level the device no longer drives must not stay pending across a system
// reset: the PLIC latches requests, so this holds only because the PCI bus
// (newer on the system bus) resets before the PLIC, which then sees INTx low.
TEST_F(EduTest, SystemResetLeavesNoStalePlicRequest) {
    set_reg(EDU_IRQ_RAISE, 0x1);
    ASSERT_TRUE(plic_pending(kEduPlicSource));
    machine().vm().reset();
    EXPECT_FALSE(pci_cfg_read16(kEduSlot, 0, 0x06) & 0x08) << "the bus reset lowered INTx";
    EXPECT_FALSE(plic_pending(kEduPlicSource));
    set_reg(EDU_IRQ_ACK, 0xffffffff);
}

// --- DMA ---

TEST_F(EduTest, DmaRamToDeviceToRamTakes100msEachWay) {
    const hwaddr src = kRamBase + 0x100000, dst = kRamBase + 0x200000;
    const auto data = pattern(256, 0x11);
    ram_write(src, data);
    ram_write(dst, std::vector<uint8_t>(256, 0));

    start_dma(src, EDU_BUFFER, 256, 0x1);
    EXPECT_EQ(dma_cmd(), 0x1u);
    step_ms(99);
    EXPECT_EQ(dma_cmd(), 0x1u) << "not before 100 ms";
    step_ms(1);
    EXPECT_EQ(dma_cmd(), 0x0u);

    start_dma(EDU_BUFFER, dst, 256, 0x3);
    step_ms(99);
    EXPECT_EQ(ram_read(dst, 256), std::vector<uint8_t>(256, 0)) << "nothing moved yet";
    EXPECT_EQ(dma_cmd(), 0x3u);
    step_ms(1);
    EXPECT_EQ(dma_cmd(), 0x2u) << "bit 0 clears, the rest stays";
    EXPECT_EQ(ram_read(dst, 256), data);
    EXPECT_EQ(reg(EDU_IRQ_STATUS), 0u) << "no interrupt without bit 2";
}

TEST_F(EduTest, DmaInterruptWhenAsked) {
    ASSERT_FALSE(plic_pending(kEduPlicSource));
    const hwaddr src = kRamBase + 0x100000;
    ram_write(src, pattern(64, 0x22));
    start_dma(src, EDU_BUFFER + 64, 64, 0x1 | 0x4);
    step_ms(99);
    EXPECT_EQ(reg(EDU_IRQ_STATUS), 0u);
    EXPECT_FALSE(plic_pending(kEduPlicSource));
    step_ms(1);
    EXPECT_EQ(reg(EDU_IRQ_STATUS), 0x100u);
    EXPECT_TRUE(plic_pending(kEduPlicSource));
    set_reg(EDU_IRQ_ACK, 0x100);
    EXPECT_EQ(reg(EDU_IRQ_STATUS), 0u);
}

TEST_F(EduTest, DmaRegistersAreIgnoredWhileATransferRuns) {
    const hwaddr src = kRamBase + 0x100000;
    start_dma(src, EDU_BUFFER, 16, 0x1);
    EXPECT_EQ(wr64(bar + EDU_DMA_SRC, 0x1234), MEMTX_OK);
    EXPECT_EQ(wr64(bar + EDU_DMA_DST, 0x5678), MEMTX_OK);
    EXPECT_EQ(wr64(bar + EDU_DMA_COUNT, 0x9), MEMTX_OK);
    EXPECT_EQ(wr64(bar + EDU_DMA_CMD, 0x7), MEMTX_OK);
    EXPECT_EQ(rd64(bar + EDU_DMA_SRC), src);
    EXPECT_EQ(rd64(bar + EDU_DMA_DST), EDU_BUFFER);
    EXPECT_EQ(rd64(bar + EDU_DMA_COUNT), 16u);
    EXPECT_EQ(dma_cmd(), 0x1u);
    step_ms(100);
    EXPECT_EQ(dma_cmd(), 0x0u);
    EXPECT_EQ(reg(EDU_IRQ_STATUS), 0u) << "the ignored command had asked for an interrupt";
    EXPECT_EQ(wr64(bar + EDU_DMA_SRC, 0x1234), MEMTX_OK);
    EXPECT_EQ(rd64(bar + EDU_DMA_SRC), 0x1234u);
}

TEST_F(EduTest, DmaCommandWithoutTheStartBitIsIgnored) {
    // The command register keeps its last value (edu has no reset): set it.
    dma(kRamBase + 0x100000, EDU_BUFFER, 16, 0x3);
    ASSERT_EQ(dma_cmd(), 0x2u);
    EXPECT_EQ(wr64(bar + EDU_DMA_CMD, 0x0), MEMTX_OK);
    EXPECT_EQ(dma_cmd(), 0x2u);
    EXPECT_EQ(wr64(bar + EDU_DMA_CMD, 0x4), MEMTX_OK);
    EXPECT_EQ(dma_cmd(), 0x2u);
    step_ms(200);
    EXPECT_EQ(reg(EDU_IRQ_STATUS), 0u) << "nothing ran";
}

TEST_F(EduTest, DmaOfTheWholeBufferWorks) {
    const hwaddr src = kRamBase + 0x300000, dst = kRamBase + 0x400000;
    const auto data = pattern(4096, 0x33);
    ram_write(src, data);
    ram_write(dst, std::vector<uint8_t>(4096, 0));
    dma(src, EDU_BUFFER, 4096, 0x1);
    dma(EDU_BUFFER, dst, 4096, 0x3);
    EXPECT_EQ(ram_read(dst, 4096), data);
    EXPECT_TRUE(machine().take_guest_errors().empty());

    // And a piece at the very end of the buffer.
    ram_write(dst, std::vector<uint8_t>(16, 0));
    dma(EDU_BUFFER + 4080, dst, 16, 0x3);
    EXPECT_EQ(ram_read(dst, 16), std::vector<uint8_t>(data.end() - 16, data.end()));
}

TEST_F(EduTest, DmaOutsideTheBufferMovesNothingAndCompletes) {
    const hwaddr a = kRamBase + 0x500000, b = kRamBase + 0x600000, out = kRamBase + 0x700000;
    const auto first = pattern(4096, 0x44);
    ram_write(a, first);
    ram_write(b, pattern(8192, 0x99));
    dma(a, EDU_BUFFER, 4096, 0x1);
    (void)machine().take_guest_errors();

    struct Bad {
        uint64_t dev;
        uint64_t count;
    };
    for (Bad bad : {Bad{EDU_BUFFER, 4097}, Bad{EDU_BUFFER + 4000, 200}, Bad{EDU_BUFFER - 16, 16},
                    Bad{EDU_BUFFER + 4096, 1}, Bad{EDU_BUFFER, ~0ull}, Bad{~0ull - 0x10, 0x100},
                    Bad{0, 0x100}}) {
        SCOPED_TRACE(::testing::Message()
                     << std::hex << "device 0x" << bad.dev << " count 0x" << bad.count);
        dma(b, bad.dev, bad.count, 0x1); // RAM -> device
        ram_write(out, std::vector<uint8_t>(256, 0x5a));
        dma(bad.dev, out, bad.count, 0x3); // device -> RAM
        EXPECT_EQ(ram_read(out, 256), std::vector<uint8_t>(256, 0x5a)) << "RAM was written";
        auto errors = machine().take_guest_errors();
        ASSERT_EQ(errors.size(), 2u);
        EXPECT_THAT(errors[0], HasSubstr("out of bounds"));
    }
    EXPECT_EQ(device_buffer(), first) << "the buffer was written";
    EXPECT_EQ(reg(EDU_ID), 0x010000edu) << "the device still works";
}

TEST_F(EduTest, DmaWithoutBusMasteringReadsZerosAndWritesNothing) {
    const hwaddr src = kRamBase + 0x100000, dst = kRamBase + 0x200000;
    ram_write(src, pattern(128, 0x55));
    dma(src, EDU_BUFFER, 128, 0x1);

    pci_set_command(kEduSlot, 0, 0x0002); // memory decode, no bus master
    ram_write(dst, std::vector<uint8_t>(128, 0x5a));
    dma(EDU_BUFFER, dst, 128, 0x3);
    EXPECT_EQ(ram_read(dst, 128), std::vector<uint8_t>(128, 0x5a)) << "the write reached RAM";
    dma(src, EDU_BUFFER, 128, 0x1);
    pci_set_command(kEduSlot, 0, 0x0006);
    EXPECT_EQ(device_buffer(128), std::vector<uint8_t>(128, 0)) << "the read came back as zeros";
}

TEST_F(EduTest, DmaAddressesAreClampedByDmaMask) {
    // dma_mask is 0xffffffff here: 0x1_8040_0000 becomes 0x8040_0000.
    const hwaddr ram = kRamBase + 0x400000, back = kRamBase + 0x480000;
    const auto data = pattern(64, 0x66);
    ram_write(ram, data);
    ram_write(back, std::vector<uint8_t>(64, 0));
    dma(0x100000000ull | ram, EDU_BUFFER, 64, 0x1);
    auto errors = machine().take_guest_errors();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_THAT(errors[0], HasSubstr("clamping DMA 0x0000000180400000 to 0x0000000080400000"));
    dma(EDU_BUFFER, 0xffffffff00000000ull | back, 64, 0x3);
    EXPECT_EQ(ram_read(back, 64), data);
}

} // namespace
