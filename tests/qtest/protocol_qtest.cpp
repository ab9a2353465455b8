// The qtest protocol itself: QEMU's replies (../shared/specs/qemu-reference/
// qtest-session.txt), interrupt interception, the clock, and a table of bad
// lines that QEMU 7.2 aborts on, each of which must get FAIL and leave the
// connection working.
#include "tests/qtest/libqpci.h"
#include "tests/support/process.h"
#include "tests/support/temp_file.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

using namespace mq::test;

namespace {

const std::vector<std::string> kVirt = {
    "-M",      "virt",       "-m",      "128M",
    "-bios",   "none",       "-device", "edu,id=edu1,dma_mask=0xffffffff",
    "-device", "pci-testdev"};

class ProtocolQtest : public ::testing::Test {
protected:
    // The connection still answers, and memory still works.
    void expect_alive() {
        EXPECT_EQ(m_qts.command("endianness"), "OK little");
        EXPECT_EQ(m_qts.command("writel 0x80000100 0x5a5a5a5a"), "OK");
        EXPECT_EQ(m_qts.command("readl 0x80000100"), "OK 0x000000005a5a5a5a");
    }
    QTestState m_qts{miniqemu_binary(), kVirt};
};

TEST_F(ProtocolQtest, RepliesAsQemu) {
    struct Exchange {
        const char* request;
        const char* reply;
    };
    const Exchange session[] = {
        {"endianness", "OK little"},
        {"readl 0x30000000", "OK 0x0000000000081b36"},
        {"readl 0x30008000", "OK 0x0000000011e81234"},
        {"readl 0x30018000", "OK 0x00000000ffffffff"},
        {"write 0x80000000 8 0x0123456789abcdef", "OK"},
        {"read 0x80000000 8", "OK 0x0123456789abcdef"},
        {"readq 0x80000000", "OK 0xefcdab8967452301"},
        {"readl 0x80000004", "OK 0x00000000efcdab89"},
        {"readw 0x80000002", "OK 0x0000000000006745"},
        {"readb 0x80000001", "OK 0x0000000000000023"},
        {"b64read 0x80000000 8", "OK ASNFZ4mrze8="},
        {"b64write 0x80000010 4 3q2+7w==", "OK"},
        {"read 0x80000010 4", "OK 0xdeadbeef"},
        {"memset 0x80000020 8 0xaa", "OK"},
        {"read 0x80000020 8", "OK 0xaaaaaaaaaaaaaaaa"},
        {"writeq 0x80000030 0x1122334455667788", "OK"},
        {"read 0x80000030 8", "OK 0x8877665544332211"},
        {"writeb 0x80000040 0x1ff", "OK"},
        {"read 0x80000040 2", "OK 0xff00"},
        {"inb 0x0", "OK 0x00ff"},
        {"inw 0x0", "OK 0xffff"},
        {"inl 0x0", "OK 0xffffffff"},
        {"outb 0x0 0x1", "OK"},
        {"readl 0x0 extra", "FAIL address 0x0 is outside every memory region"},
        {"readl 0x80000000 extra", "OK 0x0000000067452301"},
        {"nosuch", "FAIL Unknown command 'nosuch'"},
        {"READL 0x0", "FAIL Unknown command 'READL'"},
        {"   ", "FAIL Unknown command ''"},
        {"write 0x80000000 0 0x", "OK"},
        {"memset 0x80000000 0 0", "OK"},
        {"readl 010", "FAIL address 0x8 is outside every memory region"},
    };
    for (const auto& e : session)
        EXPECT_EQ(m_qts.command(e.request), e.reply) << e.request;
}

// Each of these made QEMU 7.2 abort, crash or allocate without bound.
TEST_F(ProtocolQtest, BadLinesGetFailAndTheConnectionGoesOn) {
    struct Bad {
        std::string line;
        std::string reply_prefix;
    };
    const std::vector<Bad> table = {
        {"", "FAIL Unknown command ''"},
        {"\x01\x02garbage\xff", "FAIL Unknown command '??garbage?'"},
        {std::string(200, 'x'), "FAIL Unknown command 'xxxx"},
        {"readl", "FAIL usage: readl ADDR"},
        {"readl zz", "FAIL invalid number 'zz'"},
        {"readl 0x1_0", "FAIL invalid number '0x1_0'"},
        {"readl 0x", "FAIL invalid number '0x'"},
        {"readl -1", "FAIL invalid number '-1'"},
        {"readl 0x10000000000000000", "FAIL invalid number"},
        {"readl  0x80000000", "FAIL invalid number ''"},
        {"writel 0x80000000", "FAIL usage: writel ADDR VAL"},
        {"writel 0x80000000 zz", "FAIL invalid number 'zz'"},
        {"read 0x80000000", "FAIL usage: read ADDR SIZE"},
        {"read 0x80000000 0", "FAIL zero-length read"},
        {"b64read 0x80000000 0", "FAIL zero-length b64read"},
        {"read 0x80000000 0xffffffffffffffff", "FAIL length"},
        {"b64read 0x80000000 0x100001", "FAIL length 1048577 is above the limit"},
        {"memset 0x80000000 4", "FAIL usage: memset ADDR SIZE BYTE"},
        {"memset 0x80000000 0x100000000 0", "FAIL length"},
        {"write 0x80000000 4 zz", "FAIL data must be 0x"},
        {"write 0x80000000 4 0xzz", "FAIL invalid hex data"},
        {"write 0x80000000 4 0x123", "FAIL odd number of hex digits"},
        {"write 0x80000000 0x200000 0x00", "FAIL length"},
        {"b64write 0x80000040 4 !!!", "FAIL invalid base64 data"},
        {"readl 0x0", "FAIL address 0x0 is outside every memory region"},
        {"writeq 0x0 1", "FAIL address 0x0 is outside every memory region"},
        {"read 0xffffffffffffffff 2", "FAIL 0x2 bytes at 0xffffffffffffffff wrap around"},
        {"read 0x87fffff0 0x20", "FAIL address 0x88000000 is outside every memory region"},
        {"memset 0x2fffff0 0x20 0", "FAIL address 0x2fffff0 is outside"},
        {"inb 0x10000", "FAIL port 0x10000 is above 0xffff"},
        {"inl 0xfffe", "FAIL port 0xfffe is outside"},
        {"outb 0x1", "FAIL usage: outb PORT VAL"},
        {"clock_step -1", "FAIL cannot step the clock backwards"},
        {"clock_step 1", "OK 1"},
        {"clock_step 0x7fffffffffffffff", "FAIL the clock would overflow"},
        {"clock_step 1x", "FAIL invalid number '1x'"},
        {"clock_set", "FAIL usage: clock_set NS"},
        {"clock_set 99999999999999999999", "FAIL invalid number"},
        {"clock_set 0x8000000000000000", "FAIL number out of range"},
        {"irq_intercept_in", "FAIL usage"},
        {"irq_intercept_in /machine", "FAIL Unknown device"},
        {"irq_intercept_in /machine/nosuch", "FAIL Unknown device"},
        {"irq_intercept_out /machine/peripheral/edu1", "FAIL No intercepts installed"},
        {"set_irq_in /machine/unattached/device[0] unnamed-gpio-in 1000 1", "FAIL no input line"},
        {"set_irq_in /machine/unattached/device[0] unnamed-gpio-in -1 1", "FAIL no input line"},
        {"set_irq_in /machine/unattached/device[0] nosuch 1 1", "FAIL no input line"},
        {"set_irq_in /machine/unattached/device[0] unnamed-gpio-in 1", "FAIL usage"},
        {"set_irq_in /machine unnamed-gpio-in 1 1", "FAIL Unknown device"},
    };
    for (const auto& bad : table) {
        std::string reply = m_qts.command(bad.line);
        EXPECT_TRUE(reply.starts_with(bad.reply_prefix))
            << "'" << bad.line << "' got '" << reply << "'";
    }
    expect_alive();
    EXPECT_TRUE(m_qts.alive());
}

TEST_F(ProtocolQtest, AnOverlongLineIsRefusedOnce) {
    // 3 MiB without a newline, sent in pieces, then the newline.
    std::string chunk(64 * 1024, 'a');
    m_qts.send_raw("write 0x80000000 8 0x");
    for (int i = 0; i < 48; i++)
        m_qts.send_raw(chunk);
    EXPECT_TRUE(m_qts.receive_reply().starts_with("FAIL line longer than"));
    m_qts.send_raw("\n");
    expect_alive();
}

TEST_F(ProtocolQtest, LinesMayArriveInPiecesOrTogether) {
    m_qts.send_raw("endi");
    m_qts.send_raw("anness\nreadl 0x3000");
    EXPECT_EQ(m_qts.receive_reply(), "OK little");
    m_qts.send_raw("0000\r\nendianness\nendianness\n");
    EXPECT_EQ(m_qts.receive_reply(), "OK 0x0000000000081b36") << "CRLF is accepted";
    EXPECT_EQ(m_qts.receive_reply(), "OK little");
    EXPECT_EQ(m_qts.receive_reply(), "OK little");
}

TEST_F(ProtocolQtest, LargestBulkTransfers) {
    std::vector<uint8_t> data(1 << 20);
    for (size_t i = 0; i < data.size(); i++)
        data[i] = static_cast<uint8_t>(i * 7);
    m_qts.memwrite(0x80000000, data);
    EXPECT_EQ(m_qts.bufread(0x80000000, data.size()), data);
    m_qts.memset(0x80000000, 128 << 20, 0x11);
    EXPECT_EQ(m_qts.readq(0x87fffff8), 0x1111111111111111u);
}

TEST_F(ProtocolQtest, Clock) {
    EXPECT_EQ(m_qts.clock_step_next(), 0) << "no timer pending: time stays";
    EXPECT_EQ(m_qts.clock_step(1000), 1000);
    EXPECT_EQ(m_qts.clock_set(5'000'000'000), 5'000'000'000);
    EXPECT_EQ(m_qts.clock_set(10), 5'000'000'000) << "time never runs backwards";
    EXPECT_EQ(m_qts.readq(0x0200bff8), 50'000'000u) << "mtime follows, at 10 MHz";
}

// Both protocols on one machine, as QEMU's qtest tests use them: QMP sees
// what qtest did (edu's registers through qom and query-pci), and qtest sees
// what QMP did (a device removed stops answering).
TEST_F(ProtocolQtest, QmpBesideQtest) {
    auto status = m_qts.qmp({{"execute", "query-status"}});
    EXPECT_EQ(status["return"]["status"], "running") << status.dump();
    auto edu = m_qts.qmp(
        {{"execute", "qom-get"},
         {"arguments", {{"path", "/machine/peripheral/edu1"}, {"property", "realized"}}}});
    EXPECT_EQ(edu["return"], true) << edu.dump();
    auto bad = m_qts.qmp(
        {{"execute", "qom-get"}, {"arguments", {{"path", "/nosuch"}, {"property", "realized"}}}});
    EXPECT_EQ(bad["error"]["class"], "DeviceNotFound") << bad.dump();
    // qtest's clock moves the virtual clock that QMP's stop/cont do not touch.
    EXPECT_TRUE(m_qts.qmp({{"execute", "stop"}}).contains("return"));
    EXPECT_EQ(m_qts.clock_step(1000), 1000);
    EXPECT_TRUE(m_qts.qmp({{"execute", "cont"}}).contains("return"));
    auto events = m_qts.take_qmp_events();
    ASSERT_EQ(events.size(), 2u) << nlohmann::json(events).dump();
    EXPECT_EQ(events[0]["event"], "STOP");
    EXPECT_EQ(events[1]["event"], "RESUME");
    expect_alive();
}

TEST_F(ProtocolQtest, InterceptThePlicInputs) {
    m_qts.irq_intercept_in(kVirtPlicPath);
    EXPECT_EQ(m_qts.command(std::string("irq_intercept_in ") + kVirtPlicPath), "OK")
        << "again on the same device";
    EXPECT_EQ(m_qts.command("irq_intercept_in /machine/soc0/harts[0]"),
              "FAIL IRQ intercept already enabled");
    m_qts.set_irq_in(kVirtPlicPath, "unnamed-gpio-in", 10, 1);
    EXPECT_TRUE(m_qts.get_irq(10));
    m_qts.set_irq_in(kVirtPlicPath, "unnamed-gpio-in", 10, 0);
    EXPECT_FALSE(m_qts.get_irq(10));
    EXPECT_EQ(m_qts.take_irq_lines(), (std::vector<std::string>{"IRQ raise 10", "IRQ lower 10"}));
    // Only a change is reported.
    m_qts.set_irq_in(kVirtPlicPath, "unnamed-gpio-in", 11, 1);
    m_qts.set_irq_in(kVirtPlicPath, "unnamed-gpio-in", 11, 1);
    EXPECT_EQ(m_qts.take_irq_lines(), (std::vector<std::string>{"IRQ raise 11"}));
    EXPECT_TRUE(m_qts.get_irq(11));
}

// The hart's inputs, with the PLIC routing edu to its M-mode external line.
TEST_F(ProtocolQtest, InterceptTheHartInputs) {
    m_qts.irq_intercept_in("/machine/soc0/harts[0]");
    QPCIBus bus(m_qts);
    auto edu = qpci_find(bus, 0x1234, 0x11e8);
    ASSERT_TRUE(edu);
    QPCIBar bar = edu->iomap(0);
    edu->enable();
    int source = kVirtPciIrqBase + edu->slot() % 4;
    m_qts.writel(0x0c000000 + 4 * source, 1);                          // priority
    m_qts.writel(0x0c002000 + 4 * (source / 32), 1u << (source % 32)); // context 0 enable
    m_qts.writel(0x0c200000, 0);                                       // threshold
    edu->writel(bar, 0x60, 1);
    EXPECT_TRUE(m_qts.get_irq(11)) << "MEIP";
    EXPECT_EQ(m_qts.readl(0x0c200004), uint32_t(source)) << "claim";
    EXPECT_FALSE(m_qts.get_irq(11));
    edu->writel(bar, 0x64, 1);
    m_qts.writel(0x0c200004, source);
    EXPECT_FALSE(m_qts.get_irq(11));
    // The CLINT's timer line: mtimecmp[0] at 1 ms, then step there.
    m_qts.writeq(0x02004000, 10'000);
    EXPECT_FALSE(m_qts.get_irq(7));
    m_qts.clock_step(1'000'000);
    EXPECT_TRUE(m_qts.get_irq(7)) << "MTIP";
}

// The host bridge's INTx outputs, by their GPIO list name.
TEST_F(ProtocolQtest, InterceptTheHostBridgeOutputs) {
    // device[6..13] are the eight virtio-mmio slots.
    m_qts.irq_intercept_out("/machine/unattached/device[14]", "sysbus-irq");
    QPCIBus bus(m_qts);
    auto edu = qpci_find(bus, 0x1234, 0x11e8);
    ASSERT_TRUE(edu);
    QPCIBar bar = edu->iomap(0);
    edu->enable();
    edu->writel(bar, 0x60, 1);
    EXPECT_TRUE(m_qts.get_irq(edu->slot() % 4));
    // The line still reaches the PLIC: its pending bit is set.
    int source = kVirtPciIrqBase + edu->slot() % 4;
    EXPECT_EQ((m_qts.readl(0x0c001000 + 4 * (source / 32)) >> (source % 32)) & 1, 1u);
    edu->writel(bar, 0x64, 1);
    EXPECT_FALSE(m_qts.get_irq(edu->slot() % 4));
}

TEST(QtestCommandLine, LogFileAndAccel) {
    TempFile log_file("qtest-log.txt");
    const std::string& log = log_file.path();
    auto r = run_process(miniqemu_binary(),
                         {"-M", "virt", "-bios", "none", "-qtest", "stdio", "-qtest-log", log},
                         "endianness\nnosuch\n", {.timeout = std::chrono::seconds(2)});
    EXPECT_EQ(r.out, "OK little\nFAIL Unknown command 'nosuch'\n");
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_NE(text.str().find("[I 0.000000] OPENED"), std::string::npos) << text.str();
    EXPECT_NE(text.str().find("] endianness\n"), std::string::npos) << text.str();
    EXPECT_NE(text.str().find("] OK little\n"), std::string::npos) << text.str();

    auto bad = run_process(miniqemu_binary(), {"-M", "virt", "-accel", "kvm"});
    EXPECT_EQ(bad.exit_status, 1);
    EXPECT_NE(bad.err.find("-accel kvm: invalid accelerator kvm"), std::string::npos) << bad.err;

    auto nodev = run_process(miniqemu_binary(), {"-M", "virt", "-qtest", "nosuch:x"});
    EXPECT_EQ(nodev.exit_status, 1);
    EXPECT_NE(nodev.err.find("Failed to initialize device for qtest: \"nosuch:x\""),
              std::string::npos)
        << nodev.err;
}

// -accel qtest alone: the default guest is loaded but never runs, so it
// prints nothing; the process waits for a signal.
TEST(QtestCommandLine, AccelQtestNeverRunsTheCpus) {
    auto r = run_process(miniqemu_binary(), {"-M", "virt", "-accel", "qtest", "-nographic"}, {},
                         {.timeout = std::chrono::milliseconds(1500)});
    EXPECT_TRUE(r.timed_out);
    EXPECT_EQ(r.out, "");
}

// -rtc base=DATE,clock=vm: the goldfish RTC starts at that date and follows
// the virtual clock, which under qtest moves only by clock_step: exact.
TEST(QtestCommandLine, RtcBaseAndVmClockReachTheGoldfishRtc) {
    auto r = run_process(miniqemu_binary(),
                         {"-M", "virt", "-bios", "none", "-qtest", "stdio", "-qtest-log", "none",
                          "-rtc", "base=2006-06-17T16:01:21,clock=vm"},
                         "readl 0x101000\nreadl 0x101004\nclock_step 1000000000\n"
                         "readl 0x101000\nreadl 0x101004\n",
                         {.timeout = std::chrono::seconds(2)});
    const uint64_t base = 1150560081ull * 1000000000ull; // 2006-06-17T16:01:21Z in ns
    const uint64_t later = base + 1000000000ull;
    std::string want = fmt::format("OK 0x{:016x}\nOK 0x{:016x}\nOK 1000000000\n"
                                   "OK 0x{:016x}\nOK 0x{:016x}\n",
                                   base & 0xffffffff, base >> 32, later & 0xffffffff, later >> 32);
    EXPECT_EQ(r.out, want);
}

} // namespace
