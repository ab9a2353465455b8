// virt's platform devices through the memory map: the PLIC, the ACLINT
// (CLINT) timer and software interrupts, the NS16550A UART, the goldfish RTC,
// and the RAM and reset ROM.
#include "tests/machine/virt_fixture.h"

#include "core/qdev/qdev.h"
#include "hw/cpu/riscv/riscv-cpu.h"

#include <gmock/gmock.h>

#include <chrono>

using namespace mq;
using namespace mq::test;

namespace {

constexpr uint64_t MIP_MSIP = 1u << 3;
constexpr uint64_t MIP_MTIP = 1u << 7;
constexpr uint64_t MIP_SEIP = 1u << 9;
constexpr uint64_t MIP_MEIP = 1u << 11;

class PlatformTest : public VirtTest {
protected:
    // What the devices drive into hart 0's mip.
    uint64_t hart0_mip() {
        auto* cpu = static_cast<RISCVCPU*>(machine().board().harts.at(0));
        return cpu->hart.mip_hw.load();
    }
};

// --- PLIC ---

// A PLIC source line driven by the test itself, lowered again at the end.
class SourceLine {
public:
    SourceLine(VirtMachine& m, int source) : m_irq(qdev_get_gpio_in(m.board().plic, source)) {}
    ~SourceLine() { m_irq.set(0); }
    void raise() { m_irq.set(1); }
    void lower() { m_irq.set(0); }

private:
    QemuIrq m_irq;
};

using PlicTest = PlatformTest;

TEST_F(PlicTest, PrioritiesHoldThreeBits) {
    EXPECT_EQ(rd32(plic_priority(5)), 0u) << "reset value";
    EXPECT_EQ(wr32(plic_priority(5), 3), MEMTX_OK);
    EXPECT_EQ(rd32(plic_priority(5)), 3u);
    EXPECT_EQ(wr32(plic_priority(5), 0xffffffff), MEMTX_OK);
    EXPECT_EQ(rd32(plic_priority(5)), 7u);
    EXPECT_EQ(wr32(plic_priority(95), 2), MEMTX_OK);
    EXPECT_EQ(rd32(plic_priority(95)), 2u) << "the last of 96 sources";
    EXPECT_EQ(rd32(plic_priority(0)), 0u) << "source 0 does not exist";
    EXPECT_EQ(wr32(plic_priority(0), 7), MEMTX_OK);
    EXPECT_EQ(rd32(plic_priority(0)), 0u);
    // 4-byte accesses only.
    MemTxResult r = MEMTX_OK;
    (void)rd8(plic_priority(5), &r);
    EXPECT_EQ(r, MEMTX_DECODE_ERROR);
    (void)rd64(plic_priority(4), &r);
    EXPECT_EQ(r, MEMTX_DECODE_ERROR);
}

TEST_F(PlicTest, PendingShowsRaisedSourcesAndIsReadOnly) {
    SourceLine five(machine(), 5), forty(machine(), 40);
    EXPECT_EQ(rd32(plic_pending_word(0)), 0u);
    five.raise();
    forty.raise();
    EXPECT_EQ(rd32(plic_pending_word(0)), 1u << 5);
    EXPECT_EQ(rd32(plic_pending_word(40)), 1u << 8);
    EXPECT_EQ(wr32(plic_pending_word(0), 0), MEMTX_OK);
    EXPECT_EQ(rd32(plic_pending_word(0)), 1u << 5);
}

TEST_F(PlicTest, EnableWordsCoverAllSourcesPerContext) {
    for (int ctx : {0, 1}) {
        for (int word = 0; word < 3; word++) {
            hwaddr a = plic_enable_word(ctx, word * 32);
            EXPECT_EQ(rd32(a), 0u);
            EXPECT_EQ(wr32(a, 0xa5a5a5a5 ^ word), MEMTX_OK);
            EXPECT_EQ(rd32(a), 0xa5a5a5a5u ^ word) << ctx << "/" << word;
        }
    }
    EXPECT_EQ(rd32(plic_enable_word(0, 96)), 0u) << "beyond 96 sources";
    EXPECT_EQ(rd32(plic_enable_word(2, 0)), 0u) << "one hart: two contexts";
}

TEST_F(PlicTest, ClaimTakesTheHighestPriorityThenTheLowestId) {
    SourceLine a(machine(), 5), b(machine(), 6), c(machine(), 7);
    ASSERT_EQ(wr32(plic_priority(5), 2), MEMTX_OK);
    ASSERT_EQ(wr32(plic_priority(6), 6), MEMTX_OK);
    ASSERT_EQ(wr32(plic_priority(7), 6), MEMTX_OK);
    ASSERT_EQ(wr32(plic_enable_word(0, 0), 0xe0), MEMTX_OK);
    EXPECT_EQ(rd32(plic_claim(0)), 0u) << "nothing pending";
    a.raise();
    b.raise();
    c.raise();
    EXPECT_EQ(rd32(plic_claim(0)), 6u);
    EXPECT_EQ(rd32(plic_pending_word(0)), 0xa0u) << "claiming clears pending";
    EXPECT_EQ(rd32(plic_claim(0)), 7u);
    EXPECT_EQ(rd32(plic_claim(0)), 5u);
    EXPECT_EQ(rd32(plic_claim(0)), 0u);
    a.lower();
    b.lower();
    c.lower();
    for (uint32_t s : {5u, 6u, 7u})
        EXPECT_EQ(wr32(plic_claim(0), s), MEMTX_OK);
    EXPECT_EQ(rd32(plic_pending_word(0)), 0u) << "completed with the lines low";
    EXPECT_EQ(rd32(plic_claim(0)), 0u);
}

TEST_F(PlicTest, ZeroPriorityAndTheThresholdMask) {
    SourceLine a(machine(), 5);
    ASSERT_EQ(wr32(plic_enable_word(0, 0), 1u << 5), MEMTX_OK);
    a.raise();
    EXPECT_EQ(rd32(plic_claim(0)), 0u) << "priority 0 never interrupts";
    ASSERT_EQ(wr32(plic_priority(5), 4), MEMTX_OK);
    ASSERT_EQ(wr32(plic_threshold(0), 4), MEMTX_OK);
    EXPECT_EQ(rd32(plic_threshold(0)), 4u);
    EXPECT_EQ(rd32(plic_claim(0)), 0u) << "the priority must exceed the threshold";
    EXPECT_TRUE(plic_pending(5));
    ASSERT_EQ(wr32(plic_threshold(0), 3), MEMTX_OK);
    EXPECT_EQ(rd32(plic_claim(0)), 5u);
    EXPECT_EQ(wr32(plic_threshold(0), 0xff), MEMTX_OK);
    EXPECT_EQ(rd32(plic_threshold(0)), 7u);
    a.lower();
    EXPECT_EQ(wr32(plic_claim(0), 5), MEMTX_OK);
}

TEST_F(PlicTest, ALevelStillHighIsPendingAgainAfterComplete) {
    SourceLine a(machine(), 5);
    ASSERT_EQ(wr32(plic_priority(5), 1), MEMTX_OK);
    ASSERT_EQ(wr32(plic_enable_word(0, 0), 1u << 5), MEMTX_OK);
    a.raise();
    EXPECT_EQ(rd32(plic_claim(0)), 5u);
    EXPECT_FALSE(plic_pending(5));
    a.raise(); // still high: nothing new while claimed
    EXPECT_FALSE(plic_pending(5));
    EXPECT_EQ(rd32(plic_claim(0)), 0u);
    EXPECT_EQ(wr32(plic_claim(0), 5), MEMTX_OK);
    EXPECT_TRUE(plic_pending(5)) << "the device still asks";
    EXPECT_EQ(rd32(plic_claim(0)), 5u);
    a.lower();
    EXPECT_EQ(wr32(plic_claim(0), 5), MEMTX_OK);
    EXPECT_FALSE(plic_pending(5));
    // Completing a source that was not claimed changes nothing.
    EXPECT_EQ(wr32(plic_claim(0), 5), MEMTX_OK);
    EXPECT_FALSE(plic_pending(5));
}

TEST_F(PlicTest, ContextZeroIsMachineModeAndOneIsSupervisorMode) {
    SourceLine a(machine(), 5);
    ASSERT_EQ(wr32(plic_priority(5), 1), MEMTX_OK);
    ASSERT_EQ(wr32(plic_enable_word(1, 0), 1u << 5), MEMTX_OK);
    EXPECT_EQ(hart0_mip() & (MIP_MEIP | MIP_SEIP), 0u);
    a.raise();
    EXPECT_EQ(hart0_mip() & (MIP_MEIP | MIP_SEIP), MIP_SEIP) << "context 1 drives SEIP";
    EXPECT_EQ(rd32(plic_claim(0)), 0u) << "not enabled for context 0";
    ASSERT_EQ(wr32(plic_threshold(1), 1), MEMTX_OK);
    EXPECT_EQ(hart0_mip() & MIP_SEIP, 0u) << "masked by context 1's threshold";
    ASSERT_EQ(wr32(plic_threshold(1), 0), MEMTX_OK);
    ASSERT_EQ(wr32(plic_enable_word(0, 0), 1u << 5), MEMTX_OK);
    EXPECT_EQ(hart0_mip() & (MIP_MEIP | MIP_SEIP), MIP_MEIP | MIP_SEIP);
    EXPECT_EQ(rd32(plic_claim(1)), 5u);
    EXPECT_EQ(hart0_mip() & (MIP_MEIP | MIP_SEIP), 0u) << "claimed for both";
    a.lower();
    EXPECT_EQ(wr32(plic_claim(1), 5), MEMTX_OK);
}

TEST_F(PlicTest, SystemResetClearsTheRegisters) {
    ASSERT_EQ(wr32(plic_priority(9), 5), MEMTX_OK);
    ASSERT_EQ(wr32(plic_enable_word(0, 0), 0xffffffff), MEMTX_OK);
    ASSERT_EQ(wr32(plic_threshold(1), 3), MEMTX_OK);
    machine().vm().reset();
    EXPECT_EQ(rd32(plic_priority(9)), 0u);
    EXPECT_EQ(rd32(plic_enable_word(0, 0)), 0u);
    EXPECT_EQ(rd32(plic_threshold(1)), 0u);
}

// --- CLINT: ACLINT MTIMER and SWI ---

using ClintTest = PlatformTest;

TEST_F(ClintTest, MtimeCountsAt10MHzFromZeroAfterReset) {
    machine().vm().reset();
    EXPECT_EQ(rd64(kMtime), 0u) << "a reset clears mtime";
    step_ms(1);
    EXPECT_EQ(rd64(kMtime), 10000u);
    step_ns(100);
    EXPECT_EQ(rd64(kMtime), 10001u) << "one tick is 100 ns";
    step_ns(99);
    EXPECT_EQ(rd64(kMtime), 10001u);
    step_ms(1000);
    EXPECT_EQ(rd64(kMtime), 10010001u);
    EXPECT_EQ(rd32(kMtime), 10010001u) << "low half";
    EXPECT_EQ(rd32(kMtime + 4), 0u) << "high half";
}

TEST_F(ClintTest, MtimeIsWritable) {
    ASSERT_EQ(wr64(kMtime, 0x100000000ull), MEMTX_OK);
    EXPECT_EQ(rd64(kMtime), 0x100000000ull);
    step_ms(1);
    EXPECT_EQ(rd64(kMtime), 0x100000000ull + 10000);
    EXPECT_EQ(rd32(kMtime + 4), 1u);
    ASSERT_EQ(wr32(kMtime + 4, 0), MEMTX_OK);
    EXPECT_EQ(rd64(kMtime), 10000u);
}

TEST_F(ClintTest, MtimecmpTakesEightByteAndTwoFourByteWrites) {
    EXPECT_EQ(rd64(kMtimecmp0), 0u);
    ASSERT_EQ(wr64(kMtimecmp0, 0x0123456789abcdefull), MEMTX_OK);
    EXPECT_EQ(rd64(kMtimecmp0), 0x0123456789abcdefull);
    EXPECT_EQ(rd32(kMtimecmp0), 0x89abcdefu);
    EXPECT_EQ(rd32(kMtimecmp0 + 4), 0x01234567u);
    ASSERT_EQ(wr32(kMtimecmp0 + 4, 0xfedcba98), MEMTX_OK);
    ASSERT_EQ(wr32(kMtimecmp0, 0x76543210), MEMTX_OK);
    EXPECT_EQ(rd64(kMtimecmp0), 0xfedcba9876543210ull);
    MemTxResult r = MEMTX_OK;
    (void)rd16(kMtimecmp0, &r);
    EXPECT_EQ(r, MEMTX_DECODE_ERROR);
}

TEST_F(ClintTest, MtipRisesWhenMtimeReachesMtimecmp) {
    machine().vm().reset();
    ASSERT_EQ(wr64(kMtimecmp0, ~0ull), MEMTX_OK);
    EXPECT_EQ(hart0_mip() & MIP_MTIP, 0u);
    ASSERT_EQ(wr64(kMtimecmp0, rd64(kMtime) + 10000), MEMTX_OK);
    step_ns(999900);
    EXPECT_EQ(hart0_mip() & MIP_MTIP, 0u);
    step_ns(100);
    EXPECT_EQ(hart0_mip() & MIP_MTIP, MIP_MTIP) << "mtime == mtimecmp";
    ASSERT_EQ(wr64(kMtimecmp0, rd64(kMtime) + 1), MEMTX_OK);
    EXPECT_EQ(hart0_mip() & MIP_MTIP, 0u) << "a later mtimecmp lowers it";
    step_ns(100);
    EXPECT_EQ(hart0_mip() & MIP_MTIP, MIP_MTIP);
    ASSERT_EQ(wr64(kMtimecmp0, ~0ull), MEMTX_OK);
}

// Sstc: a write that moves mtime past stimecmp raises STIP at once, and
// one that moves it back lowers it, as for MTIP.
TEST_F(ClintTest, MtimeWritesReachTheHartsStimecmp) {
    machine().vm().reset();
    auto& hart = static_cast<RISCVCPU*>(machine().board().harts.at(0))->hart;
    constexpr uint64_t MIP_STIP = 1u << 5;
    ASSERT_EQ(riscv::csr_write(hart, 0x30a, riscv::MENVCFG_STCE), riscv::CsrResult::Ok);
    ASSERT_EQ(riscv::csr_write(hart, 0x14d, 5000000), riscv::CsrResult::Ok); // stimecmp
    EXPECT_EQ(hart0_mip() & MIP_STIP, 0u);
    ASSERT_EQ(wr64(kMtime, 5000000), MEMTX_OK);
    EXPECT_EQ(hart0_mip() & MIP_STIP, MIP_STIP);
    ASSERT_EQ(wr64(kMtime, 0), MEMTX_OK);
    EXPECT_EQ(hart0_mip() & MIP_STIP, 0u);
    step_ms(500);
    EXPECT_EQ(hart0_mip() & MIP_STIP, MIP_STIP) << "the timer, re-armed from the new mtime";
    ASSERT_EQ(riscv::csr_write(hart, 0x30a, 0), riscv::CsrResult::Ok);
    EXPECT_EQ(hart0_mip() & MIP_STIP, 0u);
}

// Guest writes near the top of the 64-bit range: mtime wraps modulo 2^64,
// as the counter it models; nothing overflows on the way.
TEST_F(ClintTest, MtimeWritesNearTwoToThe64) {
    step_ms(1);
    machine().vm().reset(); // mtime 0 at a virtual time past 0
    ASSERT_EQ(wr64(kMtime, 0x8000000000000000ull), MEMTX_OK);
    EXPECT_EQ(rd64(kMtime), 0x8000000000000000ull);
    ASSERT_EQ(wr64(kMtime, ~0ull), MEMTX_OK);
    EXPECT_EQ(rd64(kMtime), ~0ull);
    step_ns(100);
    EXPECT_EQ(rd64(kMtime), 0u) << "one tick later mtime wraps to 0";
    ASSERT_EQ(wr32(kMtime + 4, 0x7fffffff), MEMTX_OK);
    EXPECT_EQ(rd64(kMtime), 0x7fffffff00000000ull);
    ASSERT_EQ(wr32(kMtime + 4, 0xffffffff), MEMTX_OK);
    ASSERT_EQ(wr32(kMtime, 0xffffffff), MEMTX_OK);
    EXPECT_EQ(rd64(kMtime), ~0ull);
    ASSERT_EQ(wr64(kMtime, 0x7fffffffffffffffull), MEMTX_OK);
    EXPECT_EQ(rd64(kMtime), 0x7fffffffffffffffull);
    step_ns(100);
    EXPECT_EQ(rd64(kMtime), 0x8000000000000000ull);
}

TEST_F(ClintTest, MtimecmpAtTheExtremes) {
    step_ms(1);
    machine().vm().reset();
    ASSERT_EQ(wr64(kMtime, 0x7fffffffffffff00ull), MEMTX_OK);
    ASSERT_EQ(wr64(kMtimecmp0, ~0ull), MEMTX_OK);
    EXPECT_EQ(hart0_mip() & MIP_MTIP, 0u);
    step_ms(1000);
    EXPECT_EQ(hart0_mip() & MIP_MTIP, 0u) << "2^64 - 1 is centuries away";
    ASSERT_EQ(wr64(kMtimecmp0, 0), MEMTX_OK);
    EXPECT_EQ(hart0_mip() & MIP_MTIP, MIP_MTIP) << "0 has passed: at once";

    // Past 2^63, reached by counting.
    ASSERT_EQ(wr64(kMtime, 0x7fffffffffffff00ull), MEMTX_OK);
    ASSERT_EQ(wr64(kMtimecmp0, 0x8000000000000000ull), MEMTX_OK);
    EXPECT_EQ(hart0_mip() & MIP_MTIP, 0u);
    step_ns(255 * 100);
    EXPECT_EQ(hart0_mip() & MIP_MTIP, 0u);
    step_ns(100);
    EXPECT_EQ(hart0_mip() & MIP_MTIP, MIP_MTIP) << "mtime reached 2^63";

    // mtimecmp 2^64 - 1 is reached when mtime is written close to it.
    ASSERT_EQ(wr64(kMtimecmp0, ~0ull), MEMTX_OK);
    EXPECT_EQ(hart0_mip() & MIP_MTIP, 0u);
    ASSERT_EQ(wr64(kMtime, ~0ull - 10), MEMTX_OK);
    EXPECT_EQ(hart0_mip() & MIP_MTIP, 0u);
    step_ns(10 * 100);
    EXPECT_EQ(hart0_mip() & MIP_MTIP, MIP_MTIP);
    // ... and moving mtime back lowers MTIP again.
    ASSERT_EQ(wr64(kMtime, 0), MEMTX_OK);
    EXPECT_EQ(hart0_mip() & MIP_MTIP, 0u);
    ASSERT_EQ(wr64(kMtime, ~0ull), MEMTX_OK);
    EXPECT_EQ(hart0_mip() & MIP_MTIP, MIP_MTIP);
}

TEST_F(ClintTest, MsipDrivesTheSoftwareInterrupt) {
    EXPECT_EQ(rd32(kClintBase), 0u);
    ASSERT_EQ(wr32(kClintBase, 0xffffffff), MEMTX_OK);
    EXPECT_EQ(rd32(kClintBase), 1u) << "only bit 0";
    EXPECT_EQ(hart0_mip() & MIP_MSIP, MIP_MSIP);
    ASSERT_EQ(wr32(kClintBase, 0), MEMTX_OK);
    EXPECT_EQ(hart0_mip() & MIP_MSIP, 0u);
    EXPECT_EQ(rd32(kClintBase + 4), 0u) << "no hart 1";
}

// --- The UART ---

class UartTest : public PlatformTest {
protected:
    static constexpr hwaddr RBR = kUartBase + 0, THR = kUartBase + 0, IER = kUartBase + 1,
                            IIR = kUartBase + 2, FCR = kUartBase + 2, LCR = kUartBase + 3,
                            MCR = kUartBase + 4, LSR = kUartBase + 5, MSR = kUartBase + 6,
                            SCR = kUartBase + 7;
    static constexpr int kUartPlicSource = 10;
    void receive(std::string_view s) {
        machine().serial().receive_from_host(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    }
};

TEST_F(UartTest, ResetValues) {
    EXPECT_EQ(rd8(LSR), 0x60) << "THR and transmitter empty";
    EXPECT_EQ(rd8(IIR), 0x01) << "no interrupt";
    EXPECT_EQ(rd8(IER), 0x00);
    EXPECT_EQ(rd8(LCR), 0x00);
    EXPECT_EQ(rd8(MCR), 0x08) << "OUT2";
    EXPECT_EQ(rd8(MSR), 0xb0) << "DCD, DSR, CTS";
}

TEST_F(UartTest, TransmittedBytesReachTheChardev) {
    for (char c : std::string("Hello, virt!\n"))
        ASSERT_EQ(wr8(THR, uint8_t(c)), MEMTX_OK);
    EXPECT_EQ(machine().serial().take_output(), "Hello, virt!\n");
    EXPECT_EQ(rd8(LSR), 0x60);
    ASSERT_EQ(wr8(SCR, 0x5a), MEMTX_OK);
    EXPECT_EQ(rd8(SCR), 0x5a);
}

TEST_F(UartTest, DivisorLatchBehindDlab) {
    ASSERT_EQ(wr8(LCR, 0x83), MEMTX_OK);
    ASSERT_EQ(wr8(kUartBase + 0, 0x01), MEMTX_OK);
    ASSERT_EQ(wr8(kUartBase + 1, 0x02), MEMTX_OK);
    EXPECT_EQ(rd8(kUartBase + 0), 0x01);
    EXPECT_EQ(rd8(kUartBase + 1), 0x02);
    ASSERT_EQ(wr8(LCR, 0x03), MEMTX_OK);
    EXPECT_EQ(rd8(IER), 0x00) << "IER again, untouched";
    ASSERT_EQ(wr8(THR, 'x'), MEMTX_OK);
    EXPECT_EQ(machine().serial().take_output(), "x") << "the latch writes were not output";
}

TEST_F(UartTest, ReceivedByteSetsDataReady) {
    receive("A");
    EXPECT_EQ(rd8(LSR), 0x61);
    EXPECT_EQ(rd8(RBR), 'A');
    EXPECT_EQ(rd8(LSR), 0x60);
    // Without FIFOs the chardev holds the next byte until RBR is read.
    receive("xy");
    EXPECT_EQ(rd8(RBR), 'x');
    EXPECT_EQ(rd8(LSR), 0x61) << "y arrived once x was read";
    EXPECT_EQ(rd8(RBR), 'y');
    EXPECT_EQ(rd8(LSR), 0x60);
}

TEST_F(UartTest, FifoModeQueuesSixteenBytes) {
    ASSERT_EQ(wr8(FCR, 0x01), MEMTX_OK);
    EXPECT_EQ(rd8(IIR), 0xc1) << "FIFOs enabled, no interrupt";
    receive("abc");
    EXPECT_EQ(rd8(LSR), 0x61);
    EXPECT_EQ(rd8(RBR), 'a');
    EXPECT_EQ(rd8(RBR), 'b');
    EXPECT_EQ(rd8(RBR), 'c');
    EXPECT_EQ(rd8(LSR), 0x60);
    // Twenty bytes: sixteen fit, the chardev keeps four for later.
    receive("0123456789abcdefghij");
    std::string got;
    while (rd8(LSR) & 0x01)
        got += static_cast<char>(rd8(RBR));
    EXPECT_EQ(got, "0123456789abcdefghij");
    EXPECT_EQ(rd8(LSR), 0x60) << "no overrun";
    // Resetting the receive FIFO drops what it holds.
    receive("zz");
    ASSERT_EQ(wr8(FCR, 0x03), MEMTX_OK);
    EXPECT_EQ(rd8(LSR), 0x60);
    ASSERT_EQ(wr8(FCR, 0x00), MEMTX_OK);
    EXPECT_EQ(rd8(IIR), 0x01);
}

TEST_F(UartTest, ReceiveInterruptReachesPlicSourceTen) {
    ASSERT_FALSE(plic_pending(kUartPlicSource));
    ASSERT_EQ(wr8(IER, 0x01), MEMTX_OK);
    EXPECT_EQ(rd8(IIR), 0x01);
    EXPECT_FALSE(plic_pending(kUartPlicSource));
    receive("k");
    EXPECT_EQ(rd8(IIR), 0x04) << "received data available";
    EXPECT_TRUE(plic_pending(kUartPlicSource));
    EXPECT_FALSE(plic_pending(kUartPlicSource + 1));
    ASSERT_EQ(wr32(plic_priority(kUartPlicSource), 1), MEMTX_OK);
    ASSERT_EQ(wr32(plic_enable_word(0, kUartPlicSource), 1u << kUartPlicSource), MEMTX_OK);
    EXPECT_EQ(rd32(plic_claim(0)), uint32_t(kUartPlicSource));
    EXPECT_EQ(rd8(RBR), 'k');
    EXPECT_EQ(rd8(IIR), 0x01);
    EXPECT_EQ(wr32(plic_claim(0), kUartPlicSource), MEMTX_OK);
    EXPECT_FALSE(plic_pending(kUartPlicSource)) << "the UART let go of the line";
}

TEST_F(UartTest, FifoTriggerLevelAndCharacterTimeout) {
    ASSERT_EQ(wr8(FCR, 0x41), MEMTX_OK); // FIFOs on, trigger at 4 bytes
    ASSERT_EQ(wr8(IER, 0x01), MEMTX_OK);
    receive("ab");
    EXPECT_EQ(rd8(IIR), 0xc1) << "below the trigger level";
    step_ms(10); // four character times without more data
    EXPECT_EQ(rd8(IIR), 0xcc) << "character timeout";
    EXPECT_EQ(rd8(RBR), 'a');
    EXPECT_EQ(rd8(IIR), 0xc1) << "reading clears the timeout";
    EXPECT_EQ(rd8(RBR), 'b');
    receive("wxyz");
    EXPECT_EQ(rd8(IIR), 0xc4) << "the trigger level is reached";
    for (int i = 0; i < 4; i++)
        (void)rd8(RBR);
    EXPECT_EQ(rd8(IIR), 0xc1);
}

TEST_F(UartTest, TransmitterEmptyInterrupt) {
    ASSERT_EQ(wr8(IER, 0x02), MEMTX_OK);
    EXPECT_EQ(rd8(IIR), 0x02) << "THR is empty";
    EXPECT_EQ(rd8(IIR), 0x01) << "reading IIR acknowledged it";
    ASSERT_EQ(wr8(THR, '.'), MEMTX_OK);
    EXPECT_EQ(rd8(IIR), 0x02) << "empty again after the byte went out";
    ASSERT_EQ(wr8(IER, 0x00), MEMTX_OK);
    EXPECT_EQ(machine().serial().take_output(), ".");
}

TEST_F(UartTest, LoopbackKeepsBytesInside) {
    ASSERT_EQ(wr8(MCR, 0x10), MEMTX_OK);
    ASSERT_EQ(wr8(THR, 'L'), MEMTX_OK);
    EXPECT_EQ(machine().serial().take_output(), "");
    EXPECT_EQ(rd8(LSR), 0x61);
    EXPECT_EQ(rd8(RBR), 'L');
    ASSERT_EQ(wr8(MCR, 0x00), MEMTX_OK);
}

// --- The goldfish RTC ---

using RtcTest = PlatformTest;

TEST_F(RtcTest, TimeIsNanosecondsSinceTheEpoch) {
    uint64_t low = rd32(kRtcBase + 0x00);
    uint64_t high = rd32(kRtcBase + 0x04);
    auto host = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
    int64_t rtc = static_cast<int64_t>(high << 32 | low);
    EXPECT_LT(std::abs(rtc - host), 5 * NANOSECONDS_PER_SECOND);
}

TEST_F(RtcTest, AlarmRaisesPlicSourceEleven) {
    ASSERT_FALSE(plic_pending(11));
    uint64_t now = rd32(kRtcBase + 0x00);
    now |= uint64_t(rd32(kRtcBase + 0x04)) << 32;
    uint64_t alarm = now + 2 * NANOSECONDS_PER_SECOND; // host time: leave a margin
    ASSERT_EQ(wr32(kRtcBase + 0x10, 1), MEMTX_OK);     // IRQ_ENABLED
    ASSERT_EQ(wr32(kRtcBase + 0x0c, uint32_t(alarm >> 32)), MEMTX_OK);
    ASSERT_EQ(wr32(kRtcBase + 0x08, uint32_t(alarm)), MEMTX_OK); // arms it
    EXPECT_EQ(rd32(kRtcBase + 0x18), 1u) << "alarm running";
    EXPECT_FALSE(plic_pending(11));
    step_ms(2500); // the alarm's distance, on the virtual clock
    EXPECT_EQ(rd32(kRtcBase + 0x18), 0u);
    EXPECT_TRUE(plic_pending(11));
    ASSERT_EQ(wr32(kRtcBase + 0x1c, 1), MEMTX_OK); // CLEAR_INTERRUPT
}

class RtcTimeTest : public PlatformTest {
protected:
    static constexpr hwaddr TIME_LOW = kRtcBase + 0x00, TIME_HIGH = kRtcBase + 0x04,
                            ALARM_LOW = kRtcBase + 0x08, ALARM_HIGH = kRtcBase + 0x0c,
                            IRQ_ENABLED = kRtcBase + 0x10, ALARM_STATUS = kRtcBase + 0x18,
                            CLEAR_INTERRUPT = kRtcBase + 0x1c;
    static uint64_t rtc_time() {
        uint64_t low = rd32(TIME_LOW); // latches the high half
        return uint64_t(rd32(TIME_HIGH)) << 32 | low;
    }
    // Sets the time as a guest does: the high half, then the low half.
    static void set_rtc_time(uint64_t t) {
        ASSERT_EQ(wr32(TIME_HIGH, uint32_t(t >> 32)), MEMTX_OK);
        ASSERT_EQ(wr32(TIME_LOW, uint32_t(t)), MEMTX_OK);
    }
    static void set_alarm(uint64_t t) {
        ASSERT_EQ(wr32(ALARM_HIGH, uint32_t(t >> 32)), MEMTX_OK);
        ASSERT_EQ(wr32(ALARM_LOW, uint32_t(t)), MEMTX_OK); // arms it
    }
    // The RTC's line lowered, takes source 11 off the PLIC: claimed and
    // completed on context 0.
    static void clear_rtc_interrupt() {
        ASSERT_EQ(wr32(CLEAR_INTERRUPT, 1), MEMTX_OK);
        ASSERT_EQ(wr32(plic_priority(11), 1), MEMTX_OK);
        ASSERT_EQ(wr32(plic_enable_word(0, 11), 1u << 11), MEMTX_OK);
        uint32_t claimed = rd32(plic_claim(0));
        EXPECT_EQ(claimed, 11u);
        ASSERT_EQ(wr32(plic_claim(0), claimed), MEMTX_OK);
        ASSERT_EQ(wr32(plic_enable_word(0, 11), 0), MEMTX_OK);
    }
    // The RTC follows the host clock: allow for the time the test takes.
    static constexpr uint64_t kSlack = 5 * uint64_t(NANOSECONDS_PER_SECOND);
};

TEST_F(RtcTimeTest, TimeWritesNearTheLimitsReadBack) {
    for (uint64_t t : {0x8000000000000000ull, 0xffffffff00000000ull, 0x7fffffffffffffffull,
                       0x0000000100000000ull, 0ull, 0xffffffffffffffffull}) {
        SCOPED_TRACE(t);
        set_rtc_time(t);
        // Modulo 2^64: the counter goes on from t, and may wrap past the top.
        uint64_t elapsed = rtc_time() - t;
        EXPECT_LT(elapsed, kSlack);
    }
    // The high half alone keeps the low half counting.
    set_rtc_time(0x123456789abcdef0ull);
    ASSERT_EQ(wr32(TIME_HIGH, 0xfffffffe), MEMTX_OK);
    EXPECT_EQ(rtc_time() >> 32, 0xfffffffeu);
}

TEST_F(RtcTimeTest, AlarmsAtTheLimits) {
    ASSERT_EQ(wr32(IRQ_ENABLED, 1), MEMTX_OK);
    // Far in the future, on either side of 2^63: armed, and it does not fire.
    for (uint64_t alarm : {0xffffffffffffffffull, 0x8000000000000000ull}) {
        SCOPED_TRACE(alarm);
        set_rtc_time(0x7000000000000000ull); // 2^63 is 36 years away
        set_alarm(alarm);
        EXPECT_EQ(rd32(ALARM_STATUS), 1u) << "armed";
        step_ms(10000);
        EXPECT_EQ(rd32(ALARM_STATUS), 1u);
        EXPECT_FALSE(plic_pending(11));
        ASSERT_EQ(wr32(kRtcBase + 0x14, 1), MEMTX_OK); // CLEAR_ALARM
    }
    // In the past, however far: fires at once.
    for (uint64_t now : {0xffffffff00000000ull, 0x8000000000000000ull}) {
        SCOPED_TRACE(now);
        set_rtc_time(now);
        set_alarm(0);
        EXPECT_EQ(rd32(ALARM_STATUS), 0u);
        EXPECT_TRUE(plic_pending(11));
        clear_rtc_interrupt();
        EXPECT_FALSE(plic_pending(11));
    }
    // Just past 2^63, reached by counting.
    set_rtc_time(0x7fffffffffffffffull - NANOSECONDS_PER_SECOND);
    set_alarm(0x8000000000000000ull);
    EXPECT_EQ(rd32(ALARM_STATUS), 1u);
    step_ms(3000);
    EXPECT_EQ(rd32(ALARM_STATUS), 0u);
    EXPECT_TRUE(plic_pending(11));
    clear_rtc_interrupt();
}

// --- Memory ---

using MemoryMapTest = PlatformTest;

TEST_F(MemoryMapTest, RamIsWhereTheMapSaysAndNoFurther) {
    ASSERT_EQ(wr64(kRamBase, 0x1122334455667788), MEMTX_OK);
    EXPECT_EQ(rd64(kRamBase), 0x1122334455667788u);
    ASSERT_EQ(wr32(kRamBase + kRamSize - 4, 0xcafe), MEMTX_OK);
    EXPECT_EQ(rd32(kRamBase + kRamSize - 4), 0xcafeu);
    MemTxResult r = MEMTX_OK;
    EXPECT_EQ(rd32(kRamBase + kRamSize, &r), 0u);
    EXPECT_EQ(r, MEMTX_DECODE_ERROR) << "256 MiB of RAM";
}

TEST_F(MemoryMapTest, TheResetRomIgnoresStores) {
    uint32_t first = rd32(kMromBase);
    EXPECT_NE(first, 0u) << "the reset vector is there";
    (void)wr32(kMromBase, ~first);
    EXPECT_EQ(rd32(kMromBase), first);
    MemTxResult r = MEMTX_OK;
    (void)rd32(kMromBase + 0xf000, &r);
    EXPECT_EQ(r, MEMTX_DECODE_ERROR) << "the ROM is 0xf000 bytes";
}

TEST_F(MemoryMapTest, UnmappedAddressesFail) {
    for (hwaddr a : {0x0ull, 0x102000ull, 0x2010000ull, 0x10000100ull, 0x20000000ull}) {
        SCOPED_TRACE(a);
        MemTxResult r = MEMTX_OK;
        EXPECT_EQ(rd32(a, &r), 0u);
        EXPECT_EQ(r, MEMTX_DECODE_ERROR);
    }
}

} // namespace
