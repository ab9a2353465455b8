// pci-testdev (docs/specs/pci-testdev.rst, ../shared/specs/devices.md): the
// self-describing tests in BAR0 (MMIO) and BAR1 (I/O), and what write
// notifiers (ioeventfds) do to the writes they match.
#include "tests/machine/virt_fixture.h"

#include <gmock/gmock.h>

using namespace mq;
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

class PciTestdevTest : public VirtTest {
protected:
    hwaddr mmio() const { return m_testdev->bars[0].cpu_addr(); }
    hwaddr portio() const { return m_testdev->bars[1].cpu_addr(); }

    static void select(hwaddr base, uint8_t test) { ASSERT_EQ(wr8(base, test), MEMTX_OK); }
    static uint8_t width(hwaddr base) { return rd8(base + 1); }
    static uint32_t offset(hwaddr base) { return rd32(base + 4); }
    static uint32_t data(hwaddr base) { return rd32(base + 8); }
    static uint32_t count(hwaddr base) { return rd32(base + 12); }
    // The NUL-terminated name from offset 16, read a byte at a time.
    static std::string name(hwaddr base) {
        std::string s;
        for (hwaddr a = base + 16; s.size() < 64; a++) {
            uint8_t c = rd8(a);
            if (!c) break;
            s += static_cast<char>(c);
        }
        return s;
    }
};

TEST_F(PciTestdevTest, NothingSelectedReadsZero) {
    for (hwaddr base : {mmio(), portio()}) {
        EXPECT_EQ(rd8(base), 0);
        EXPECT_EQ(width(base), 0);
        EXPECT_EQ(offset(base), 0u);
        EXPECT_EQ(name(base), "");
    }
}

TEST_F(PciTestdevTest, MmioTestHeaders) {
    for (uint8_t i = 0; i < 3; i++) {
        SCOPED_TRACE(kMmioTests[i].name);
        select(mmio(), i);
        EXPECT_EQ(rd8(mmio()), i) << "the test's number";
        EXPECT_EQ(width(mmio()), 1);
        EXPECT_EQ(offset(mmio()), kMmioTests[i].offset);
        EXPECT_EQ(data(mmio()), kMmioTests[i].data);
        EXPECT_EQ(count(mmio()), 0u);
        EXPECT_EQ(name(mmio()), kMmioTests[i].name);
    }
}

TEST_F(PciTestdevTest, PortioTestHeaders) {
    for (uint8_t i = 0; i < 3; i++) {
        SCOPED_TRACE(kPortioTests[i].name);
        select(portio(), i);
        EXPECT_EQ(rd8(portio()), 3 + i) << "the I/O tests are numbers 3, 4 and 5";
        EXPECT_EQ(width(portio()), 1);
        EXPECT_EQ(offset(portio()), kPortioTests[i].offset);
        EXPECT_EQ(data(portio()), kPortioTests[i].data);
        EXPECT_EQ(name(portio()), kPortioTests[i].name);
    }
}

// What kvm-unit-tests' pci-testdev test does: walk the tests while the
// width is non-zero, write the data 16 times at the offset, read the count.
void run_like_kvm_unit_tests(hwaddr base, const TestInfo (&expected)[3]) {
    int t = 0;
    for (;; t++) {
        ASSERT_EQ(address_space_stb(address_space_memory(), base, uint8_t(t)), MEMTX_OK);
        uint8_t width = address_space_ldub(address_space_memory(), base + 1);
        if (width == 0) break;
        ASSERT_LT(t, 3);
        SCOPED_TRACE(expected[t].name);
        ASSERT_EQ(width, 1);
        uint32_t off = address_space_ldl(address_space_memory(), base + 4);
        uint8_t data = address_space_ldub(address_space_memory(), base + 8);
        for (int i = 0; i < 16; i++) {
            ASSERT_EQ(address_space_stb(address_space_memory(), base + off, data), MEMTX_OK);
        }
        uint32_t count = address_space_ldl(address_space_memory(), base + 12);
        // Writes an eventfd matches are consumed by it: the device counts none.
        EXPECT_EQ(count, expected[t].eventfd ? 0u : 16u);
        // A wider write at the offset is not the eventfd's size: it reaches
        // the device, whose first byte carries the data. (Only where the
        // offset is aligned for it: unaligned accesses are refused.)
        unsigned size = (off % 4 == 0) ? 4 : (off % 2 == 0) ? 2 : 1;
        if (size > 1) {
            ASSERT_EQ(address_space_st(address_space_memory(), base + off, data, size), MEMTX_OK);
            EXPECT_EQ(address_space_ldl(address_space_memory(), base + 12), count + 1);
        }
    }
    EXPECT_EQ(t, 3) << "three tests per BAR";
}

TEST_F(PciTestdevTest, MmioCounting) { run_like_kvm_unit_tests(mmio(), kMmioTests); }

TEST_F(PciTestdevTest, PortioCountingThroughTheIoWindow) {
    ASSERT_EQ(portio(), kPciIoBase + 0x1000);
    run_like_kvm_unit_tests(portio(), kPortioTests);
}

TEST_F(PciTestdevTest, DataMustMatchExceptForTheWildcard) {
    const hwaddr base = mmio();
    select(base, 0); // no eventfd, data 0xfa at 0x800
    EXPECT_EQ(wr8(base + 0x800, 0x11), MEMTX_OK);
    EXPECT_EQ(wr8(base + 0x801, 0xfa), MEMTX_OK) << "another offset";
    EXPECT_EQ(count(base), 0u);
    EXPECT_EQ(wr16(base + 0x800, 0x00fa), MEMTX_OK);
    EXPECT_EQ(count(base), 1u) << "the device sees the wider write a byte at a time";

    select(base, 2); // datamatch: 0xfa at 0x802
    EXPECT_EQ(wr8(base + 0x802, 0x11), MEMTX_OK);
    EXPECT_EQ(count(base), 0u) << "other data passes the eventfd, and the device ignores it";
    EXPECT_EQ(wr8(base + 0x802, 0xfa), MEMTX_OK);
    EXPECT_EQ(count(base), 0u) << "consumed by the eventfd";
    EXPECT_EQ(wr16(base + 0x802, 0x00fa), MEMTX_OK);
    EXPECT_EQ(count(base), 1u) << "a 2-byte write is not the eventfd's size";

    select(base, 1); // wildcard at 0x801: every byte written there is consumed
    EXPECT_EQ(wr8(base + 0x801, 0x00), MEMTX_OK);
    EXPECT_EQ(wr8(base + 0x801, 0xce), MEMTX_OK);
    EXPECT_EQ(count(base), 0u);
    EXPECT_EQ(wr16(base + 0x800, 0x3412), MEMTX_OK);
    EXPECT_EQ(count(base), 1u) << "a write covering the offset reaches the device, any data";
    EXPECT_EQ(wr16(base + 0x801, 0xce), MEMTX_DECODE_ERROR) << "unaligned";
    EXPECT_EQ(count(base), 1u);
}

TEST_F(PciTestdevTest, SelectingResetsTheCount) {
    const hwaddr base = mmio();
    select(base, 0);
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(wr8(base + 0x800, 0xfa), MEMTX_OK);
    EXPECT_EQ(count(base), 3u);
    select(base, 0);
    EXPECT_EQ(count(base), 0u);
    // Counting in one BAR leaves the other alone.
    select(portio(), 0);
    ASSERT_EQ(wr8(portio() + 0x83, 0xfa), MEMTX_OK);
    EXPECT_EQ(count(portio()), 1u);
    EXPECT_EQ(name(base), "portio-no-eventfd") << "one current test for the device";
}

TEST_F(PciTestdevTest, SelectingANumberAboveTwoReadsZero) {
    for (uint8_t n : {3, 4, 7, 0xff}) {
        SCOPED_TRACE(int(n));
        select(mmio(), 0);
        ASSERT_EQ(width(mmio()), 1);
        select(mmio(), n);
        EXPECT_EQ(width(mmio()), 0);
        EXPECT_EQ(offset(mmio()), 0u);
        EXPECT_EQ(name(mmio()), "");
        // Writes then go nowhere.
        EXPECT_EQ(wr8(mmio() + 0x800, 0xfa), MEMTX_OK);
    }
}

TEST_F(PciTestdevTest, SystemResetDeselects) {
    select(mmio(), 2);
    ASSERT_EQ(name(mmio()), "mmio-datamatch-eventfd");
    machine().vm().reset();
    pci_assign(m_pci);
    EXPECT_EQ(name(mmio()), "");
    select(mmio(), 0);
    EXPECT_EQ(name(mmio()), "mmio-no-eventfd");
}

} // namespace
