// PCI on virt as firmware sees it through ECAM: who sits where, what the
// configuration headers say, which bits a driver may change, BAR sizing,
// and BARs that decode only while the command register lets them.
#include "tests/machine/virt_fixture.h"

#include <gmock/gmock.h>

using namespace mq;
using namespace mq::test;

namespace {

using PciTest = VirtTest;

constexpr int kEduSlot = 1;
constexpr int kTestdevSlot = 2;
constexpr int kStrngSlot = 3;

TEST_F(PciTest, BusZeroHoldsTheHostBridgeThenTheDevicesInCommandLineOrder) {
    ASSERT_EQ(m_pci.size(), 4u);
    EXPECT_EQ(m_pci[0].slot, 0);
    EXPECT_EQ(m_pci[0].vendor, 0x1b36);
    EXPECT_EQ(m_pci[0].device, 0x0008);
    EXPECT_EQ(m_pci[1].slot, kEduSlot);
    EXPECT_EQ(m_pci[1].device, 0x11e8);
    EXPECT_EQ(m_pci[2].slot, kTestdevSlot);
    EXPECT_EQ(m_pci[2].device, 0x0005);
    EXPECT_EQ(m_pci[3].slot, kStrngSlot);
    EXPECT_EQ(m_pci[3].device, 0x11e9);
    for (const auto& f : m_pci)
        EXPECT_EQ(f.fn, 0);
}

TEST_F(PciTest, HostBridgeIsARedHatHostBridge) {
    EXPECT_EQ(pci_cfg_read32(0, 0, 0x00), 0x00081b36u);
    EXPECT_EQ(m_host->class_code, 0x060000u) << "host bridge, class 0x0600";
    EXPECT_EQ(m_host->revision, 0);
    EXPECT_EQ(m_host->header_type, 0);
    EXPECT_EQ(m_host->interrupt_pin, 0);
    EXPECT_EQ(pci_cfg_read32(0, 0, 0x2c), 0x11001af4u) << "subsystem 1af4:1100";
    for (const auto& b : m_host->bars)
        EXPECT_FALSE(b.present);
}

TEST_F(PciTest, EduIdentity) {
    EXPECT_EQ(pci_cfg_read32(kEduSlot, 0, 0x00), 0x11e81234u);
    EXPECT_EQ(pci_cfg_read32(kEduSlot, 0, 0x08), 0x00ff0010u) << "class 0x00ff, revision 0x10";
    EXPECT_EQ(m_edu->header_type, 0);
    EXPECT_EQ(pci_cfg_read8(kEduSlot, 0, 0x3d), 1) << "INTA";
    EXPECT_EQ(pci_cfg_read32(kEduSlot, 0, 0x2c), 0x11001af4u);
}

TEST_F(PciTest, EduHasAnMsiCapabilityAt0x40) {
    EXPECT_TRUE(pci_cfg_read16(kEduSlot, 0, 0x06) & 0x10) << "Status.Capabilities";
    EXPECT_EQ(pci_cfg_read8(kEduSlot, 0, 0x34), 0x40);
    uint32_t cap = pci_cfg_read32(kEduSlot, 0, 0x40);
    EXPECT_EQ(cap & 0xff, 0x05u) << "MSI";
    EXPECT_EQ((cap >> 8) & 0xff, 0x00u) << "the last capability";
    EXPECT_EQ(cap >> 16, 0x0080u) << "message control: 64-bit, one vector, disabled";
    // The message address and data are writable, the capability id is not.
    pci_cfg_write32(kEduSlot, 0, 0x44, 0xfee00004);
    pci_cfg_write32(kEduSlot, 0, 0x48, 0x00000001);
    pci_cfg_write32(kEduSlot, 0, 0x4c, 0x0000abcd);
    EXPECT_EQ(pci_cfg_read32(kEduSlot, 0, 0x44), 0xfee00004u);
    EXPECT_EQ(pci_cfg_read32(kEduSlot, 0, 0x48), 0x00000001u);
    EXPECT_EQ(pci_cfg_read16(kEduSlot, 0, 0x4c), 0xabcd);
    pci_cfg_write32(kEduSlot, 0, 0x40, 0x00000011);
    EXPECT_EQ(pci_cfg_read32(kEduSlot, 0, 0x40), 0x00800005u);
}

TEST_F(PciTest, PciTestdevIdentity) {
    EXPECT_EQ(pci_cfg_read32(kTestdevSlot, 0, 0x00), 0x00051b36u);
    EXPECT_EQ(pci_cfg_read32(kTestdevSlot, 0, 0x08), 0x00ff0000u);
    EXPECT_EQ(m_testdev->interrupt_pin, 0) << "no interrupt pin";
    EXPECT_FALSE(pci_cfg_read16(kTestdevSlot, 0, 0x06) & 0x10) << "no capabilities";
}

TEST_F(PciTest, StrngIdentity) {
    EXPECT_EQ(pci_cfg_read32(kStrngSlot, 0, 0x00), 0x11e91234u);
    EXPECT_EQ(pci_cfg_read32(kStrngSlot, 0, 0x08), 0x00ff0000u);
}

TEST_F(PciTest, NobodyHomeReadsAllOnes) {
    EXPECT_EQ(pci_cfg_read32(4, 0, 0x00), 0xffffffffu);
    EXPECT_EQ(pci_cfg_read32(31, 0, 0x00), 0xffffffffu);
    EXPECT_EQ(pci_cfg_read32(kEduSlot, 1, 0x00), 0xffffffffu) << "edu has one function";
    EXPECT_EQ(address_space_ldl(sys(), ecam_address(1, 0, 0, 0)), 0xffffffffu) << "no bus 1";
    // And a write there goes nowhere.
    EXPECT_EQ(wr32(ecam_address(0, 5, 0, 0x04), 0x7), MEMTX_OK);
    EXPECT_EQ(pci_cfg_read32(5, 0, 0x04), 0xffffffffu);
}

TEST_F(PciTest, ConfigSpaceIsReachableWithNarrowAccesses) {
    const hwaddr edu = ecam_address(0, kEduSlot, 0, 0);
    EXPECT_EQ(rd8(edu + 0x00), 0x34);
    EXPECT_EQ(rd8(edu + 0x01), 0x12);
    EXPECT_EQ(rd16(edu + 0x02), 0x11e8);
    EXPECT_EQ(rd8(edu + 0x08), 0x10);
    EXPECT_EQ(rd16(edu + 0x0a), 0x00ff);
    EXPECT_EQ(wr8(edu + 0x3c, 0x21), MEMTX_OK);
    EXPECT_EQ(pci_cfg_read32(kEduSlot, 0, 0x3c), 0x00000121u) << "line 0x21, pin A";
}

TEST_F(PciTest, IdentityRegistersAreReadOnly) {
    for (int slot : {0, kEduSlot, kTestdevSlot}) {
        SCOPED_TRACE(slot);
        uint32_t id = pci_cfg_read32(slot, 0, 0x00);
        uint32_t class_rev = pci_cfg_read32(slot, 0, 0x08);
        uint32_t subsystem = pci_cfg_read32(slot, 0, 0x2c);
        uint32_t pin = pci_cfg_read8(slot, 0, 0x3d);
        pci_cfg_write32(slot, 0, 0x00, 0xdeadbeef);
        pci_cfg_write32(slot, 0, 0x08, 0xffffffff);
        pci_cfg_write32(slot, 0, 0x2c, 0x12345678);
        pci_cfg_write32(slot, 0, 0x3c, 0xffffffff);
        EXPECT_EQ(pci_cfg_read32(slot, 0, 0x00), id);
        EXPECT_EQ(pci_cfg_read32(slot, 0, 0x08), class_rev);
        EXPECT_EQ(pci_cfg_read32(slot, 0, 0x2c), subsystem);
        EXPECT_EQ(pci_cfg_read32(slot, 0, 0x3c), 0x000000ffu | pin << 8)
            << "only the interrupt line is writable";
    }
}

TEST_F(PciTest, WritableHeaderBitsAreQemus) {
    // Cache line size only: latency timer, header type and BIST are read-only 0.
    pci_cfg_write32(kEduSlot, 0, 0x0c, 0xffffffff);
    EXPECT_EQ(pci_cfg_read32(kEduSlot, 0, 0x0c), 0x000000ffu);
    // Command: I/O, memory, bus master, SERR, INTx disable.
    pci_cfg_write32(kEduSlot, 0, 0x04, 0x0000ffff);
    EXPECT_EQ(pci_cfg_read16(kEduSlot, 0, 0x04), 0x0507);
    // Status: the error bits are write-1-to-clear and all clear; the rest read-only.
    pci_cfg_write32(kEduSlot, 0, 0x04, 0xffff0000);
    EXPECT_EQ(pci_cfg_read16(kEduSlot, 0, 0x06), 0x0010) << "only the capability-list bit";
    EXPECT_EQ(pci_cfg_read16(kEduSlot, 0, 0x04), 0x0000);
}

TEST_F(PciTest, BarSizingReturnsTheSizeMasks) {
    const PciBar& edu0 = m_edu->bars[0];
    EXPECT_TRUE(edu0.present);
    EXPECT_EQ(edu0.sizing_mask, 0xfff00000u) << "1 MiB, 32-bit, not prefetchable";
    EXPECT_EQ(edu0.size, 1u << 20);
    for (int i = 1; i < 6; i++)
        EXPECT_FALSE(m_edu->bars[i].present) << i;

    const PciBar& td0 = m_testdev->bars[0];
    const PciBar& td1 = m_testdev->bars[1];
    const PciBar& td2 = m_testdev->bars[2];
    EXPECT_EQ(td0.sizing_mask, 0xfffff000u) << "4 KiB of 32-bit memory";
    EXPECT_EQ(td0.size, 4096u);
    EXPECT_EQ(td1.sizing_mask, 0xffffff01u) << "256 bytes of I/O";
    EXPECT_TRUE(td1.io);
    EXPECT_EQ(td1.size, 256u);
    EXPECT_EQ(td2.sizing_mask, 0xfff0000cu) << "membar: 64-bit prefetchable, 1 MiB";
    EXPECT_EQ(td2.sizing_mask_hi, 0xffffffffu);
    EXPECT_TRUE(td2.is64);
    EXPECT_TRUE(td2.prefetch);
    EXPECT_EQ(td2.size, 1u << 20);
    EXPECT_FALSE(m_testdev->bars[3].present) << "the upper half of BAR2";

    EXPECT_EQ(m_strng->bars[0].sizing_mask, 0xffffff00u);
    EXPECT_EQ(m_strng->bars[1].sizing_mask, 0xfffffff9u) << "8 bytes of I/O";

    // No expansion ROM anywhere.
    for (int slot : {kEduSlot, kTestdevSlot, kStrngSlot}) {
        pci_cfg_write32(slot, 0, 0x30, 0xfffff801);
        EXPECT_EQ(pci_cfg_read32(slot, 0, 0x30), 0u) << slot;
    }
}

TEST_F(PciTest, TheDriverPlacedTheBarsWhereExpected) {
    EXPECT_EQ(m_edu->bars[0].addr, 0x40000000u);
    EXPECT_EQ(m_testdev->bars[0].addr, 0x40100000u);
    EXPECT_EQ(m_testdev->bars[1].addr, 0x1000u);
    EXPECT_EQ(m_testdev->bars[2].addr, 0x400000000u);
    EXPECT_EQ(m_strng->bars[0].addr, 0x40101000u);
    EXPECT_EQ(m_strng->bars[1].addr, 0x1100u);
    EXPECT_EQ(pci_cfg_read32(kEduSlot, 0, 0x10), 0x40000000u);
    EXPECT_EQ(pci_cfg_read32(kTestdevSlot, 0, 0x14), 0x00001001u) << "I/O space indicator kept";
    EXPECT_EQ(pci_cfg_read32(kTestdevSlot, 0, 0x18), 0x0000000cu);
    EXPECT_EQ(pci_cfg_read32(kTestdevSlot, 0, 0x1c), 0x00000004u);
    EXPECT_EQ(pci_cfg_read16(kEduSlot, 0, 0x04), 0x0007);
}

TEST_F(PciTest, MemoryBarsDecodeOnlyWhileCommandEnablesThem) {
    const hwaddr bar = m_edu->bars[0].cpu_addr();
    ASSERT_EQ(rd32(bar), 0x010000edu);
    ASSERT_EQ(wr32(bar + 0x04, 0x55), MEMTX_OK);

    pci_set_command(kEduSlot, 0, 0x0004); // bus master only
    MemTxResult r = MEMTX_ERROR;
    EXPECT_EQ(rd32(bar, &r), 0xffffffffu) << "the empty PCI window reads all-ones";
    EXPECT_EQ(r, MEMTX_OK);
    EXPECT_EQ(wr32(bar + 0x04, 0x1234), MEMTX_OK);

    pci_set_command(kEduSlot, 0, 0x0002);
    EXPECT_EQ(rd32(bar), 0x010000edu);
    EXPECT_EQ(rd32(bar + 0x04), ~0x55u) << "the write while decode was off went nowhere";

    // A new address moves the decode at once.
    pci_cfg_write32(kEduSlot, 0, 0x10, 0x40800000);
    EXPECT_EQ(rd32(bar), 0xffffffffu);
    EXPECT_EQ(rd32(0x40800000), 0x010000edu);
}

TEST_F(PciTest, IoBarsDecodeOnlyWhileCommandEnablesThem) {
    const hwaddr io = m_testdev->bars[1].cpu_addr();
    ASSERT_EQ(io, 0x3001000u);
    ASSERT_EQ(wr8(io, 0), MEMTX_OK); // select the first I/O test
    EXPECT_EQ(rd8(io + 16), 'p') << "portio-no-eventfd";

    pci_set_command(kTestdevSlot, 0, 0x0002); // memory only
    EXPECT_EQ(rd32(io), 0xffffffffu) << "the empty I/O window reads all-ones";
    EXPECT_EQ(rd8(m_testdev->bars[0].cpu_addr() + 16), 'p') << "memory still decodes";
    pci_set_command(kTestdevSlot, 0, 0x0001);
    EXPECT_EQ(rd8(io + 16), 'p');
    EXPECT_EQ(rd32(m_testdev->bars[0].cpu_addr()), 0xffffffffu);
}

TEST_F(PciTest, SystemResetClearsCommandAndBars) {
    machine().vm().reset();
    EXPECT_EQ(pci_cfg_read16(kEduSlot, 0, 0x04), 0x0000);
    EXPECT_EQ(pci_cfg_read32(kEduSlot, 0, 0x10), 0x00000000u);
    EXPECT_EQ(pci_cfg_read32(kTestdevSlot, 0, 0x14), 0x00000001u);
    EXPECT_EQ(pci_cfg_read32(kTestdevSlot, 0, 0x18), 0x0000000cu);
    EXPECT_EQ(pci_cfg_read32(kTestdevSlot, 0, 0x1c), 0x00000000u);
    EXPECT_EQ(rd32(m_edu->bars[0].cpu_addr()), 0xffffffffu);
    EXPECT_EQ(pci_cfg_read8(kEduSlot, 0, 0x3c), 0) << "interrupt line";
}

TEST_F(PciTest, HighWindowReachesA64BitBar) {
    // The membar has nothing behind it: what shows there is gpex's window,
    // which reads all-ones and drops writes, like any unclaimed PCI address.
    // (devices.md says "reads 0"; QEMU 7.2's membar is the same empty
    // container over the same all-ones window.)
    const hwaddr membar = m_testdev->bars[2].cpu_addr();
    MemTxResult r = MEMTX_ERROR;
    EXPECT_EQ(rd64(membar, &r), ~0ull);
    EXPECT_EQ(r, MEMTX_OK);
    EXPECT_EQ(wr64(membar + 8, 0), MEMTX_OK);
    EXPECT_EQ(rd64(membar + 8), ~0ull);
    // That it is mapped shows in the memory tree: PCI bus address
    // 0x400000000 inside gpex's window, which the high alias shows 1:1.
    const std::string line =
        "0000000400000000-00000004000fffff (prio 1, i/o): pci-testdev-membar\n";
    EXPECT_THAT(mtree_info(false), ::testing::HasSubstr(line));
    pci_set_command(kTestdevSlot, 0, 0x0001);
    EXPECT_THAT(mtree_info(false), ::testing::Not(::testing::HasSubstr(line)));
}

} // namespace
