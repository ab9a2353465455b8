// The memory API's regions and the tree they make, on small trees of our own
// (every test builds its regions and its own AddressSpace, and never touches
// the global system memory): RAM, ROM and unassigned addresses, overlap and
// priority, aliases and containers, and changes to the tree.
#include "core/memory.h"
#include "tests/unit/memory_fixture.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

using namespace mq;
using namespace mq::test::mem;
using ::testing::ElementsAre;

namespace {

// --- RAM, ROM and unassigned addresses ---

TEST(MemoryRam, RoundTripsBytesAndWordsLittleEndian) {
    Root root;
    MemoryRegion ram;
    ASSERT_TRUE(memory_region_init_ram(&ram, nullptr, "t-ram", 0x1000));
    memory_region_add_subregion(&root.mr, 0x10000, &ram);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");

    const uint8_t bytes[] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
    EXPECT_EQ(address_space_write(&as, 0x10100, bytes, sizeof bytes), MEMTX_OK);
    uint8_t back[8] = {};
    EXPECT_EQ(address_space_read(&as, 0x10100, back, sizeof back), MEMTX_OK);
    EXPECT_EQ(std::memcmp(back, bytes, sizeof bytes), 0);
    EXPECT_EQ(std::memcmp(ram.ram_ptr() + 0x100, bytes, sizeof bytes), 0) << "host memory";

    MemTxResult r = MEMTX_ERROR;
    EXPECT_EQ(address_space_ldq(&as, 0x10100, &r), 0x8877665544332211u);
    EXPECT_EQ(r, MEMTX_OK);
    EXPECT_EQ(address_space_ldl(&as, 0x10102), 0x66554433u);
    EXPECT_EQ(address_space_lduw(&as, 0x10107), 0x88u) << "only the last byte is set";
    EXPECT_EQ(address_space_stl(&as, 0x10ffc, 0xcafef00d), MEMTX_OK);
    EXPECT_EQ(address_space_ldub(&as, 0x10ffc), 0x0d);
    EXPECT_EQ(address_space_ldub(&as, 0x10fff), 0xca);
    EXPECT_EQ(address_space_stq(&as, 0x10008, 0x0102030405060708), MEMTX_OK);
    EXPECT_EQ(ram.ram_ptr()[8], 0x08);
    EXPECT_EQ(ram.ram_ptr()[15], 0x01);
}

TEST(MemoryUnassigned, ReadsZeroFailsAndDropsWrites) {
    Root root;
    MemoryRegion low, high;
    ASSERT_TRUE(memory_region_init_ram(&low, nullptr, "t-low", 0x100));
    ASSERT_TRUE(memory_region_init_ram(&high, nullptr, "t-high", 0x100));
    memory_region_add_subregion(&root.mr, 0x0, &low);
    memory_region_add_subregion(&root.mr, 0x200, &high);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");
    std::memset(low.ram_ptr(), 0xaa, 0x100);
    std::memset(high.ram_ptr(), 0xbb, 0x100);

    MemTxResult r = MEMTX_OK;
    EXPECT_EQ(address_space_ldl(&as, 0x180, &r), 0u);
    EXPECT_EQ(r, MEMTX_DECODE_ERROR);
    EXPECT_EQ(address_space_ldq(&as, 0xdead0000, &r), 0u);
    EXPECT_EQ(r, MEMTX_DECODE_ERROR);

    // A write that is all gap fails and changes nothing on either side.
    EXPECT_EQ(address_space_stl(&as, 0x100, 0x12345678), MEMTX_DECODE_ERROR);
    std::vector<uint8_t> gap(0x100, 0x5a);
    EXPECT_EQ(address_space_write(&as, 0x100, gap.data(), gap.size()), MEMTX_DECODE_ERROR);
    EXPECT_EQ(low.ram_ptr()[0xff], 0xaa);
    EXPECT_EQ(high.ram_ptr()[0], 0xbb);
    EXPECT_EQ(address_space_ldl(&as, 0x100), 0u);

    // A bulk read across RAM, gap, RAM: the gap reads zero, the rest is real,
    // and the whole transfer reports the decode error.
    std::vector<uint8_t> buf(0x10, 0xff);
    EXPECT_EQ(address_space_read(&as, 0xf8, buf.data(), buf.size()), MEMTX_DECODE_ERROR);
    EXPECT_THAT(
        buf, ElementsAre(0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0, 0, 0, 0, 0, 0, 0, 0));
    // A write straddling RAM and the gap lands in the RAM part.
    const uint8_t two[] = {0x01, 0x02};
    EXPECT_EQ(address_space_write(&as, 0xff, two, 2), MEMTX_DECODE_ERROR);
    EXPECT_EQ(low.ram_ptr()[0xff], 0x01);
}

TEST(MemoryRom, IgnoresGuestWritesButTakesLoaderWrites) {
    Root root;
    MemoryRegion rom;
    ASSERT_TRUE(memory_region_init_rom(&rom, nullptr, "t-rom", 0x1000));
    memory_region_add_subregion(&root.mr, 0x1000, &rom);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");

    const uint8_t image[] = {0x13, 0x00, 0x00, 0x00, 0x6f, 0x00, 0x00, 0x00};
    EXPECT_EQ(address_space_write_rom(&as, 0x1010, image, sizeof image), MEMTX_OK);
    EXPECT_EQ(address_space_ldq(&as, 0x1010), 0x0000006f00000013u);

    const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff};
    (void)address_space_write(&as, 0x1010, junk, sizeof junk);
    (void)address_space_stl(&as, 0x1014, 0xdeadbeef);
    EXPECT_EQ(address_space_ldq(&as, 0x1010), 0x0000006f00000013u) << "ROM changed by a store";
    EXPECT_EQ(rom.ram_ptr()[0x10], 0x13);

    auto view = as.flatview();
    ASSERT_EQ(view->ranges().size(), 1u);
    EXPECT_TRUE(view->ranges()[0].readonly);
}

TEST(MemoryRom, LoaderWritesLeaveDevicesAlone) {
    Root root;
    MemoryRegion rom;
    ASSERT_TRUE(memory_region_init_rom(&rom, nullptr, "t-rom", 0x100));
    LoggingIo dev("t-dev", 0x100, 0x1);
    memory_region_add_subregion(&root.mr, 0x0, &rom);
    memory_region_add_subregion(&root.mr, 0x100, &dev.mr);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");

    std::vector<uint8_t> image(0x200, 0xab);
    (void)address_space_write_rom(&as, 0x0, image.data(), image.size());
    EXPECT_EQ(rom.ram_ptr()[0xff], 0xab);
    EXPECT_TRUE(dev.log.empty()) << "a loader does not write to devices";
}

// --- Overlap and priority ---

TEST(MemoryPriority, HigherPriorityWinsWhereRegionsOverlap) {
    Root root;
    LoggingIo low("t-low", 0x1000, 0xa0);
    LoggingIo high("t-high", 0x100, 0xb0);
    memory_region_add_subregion_overlap(&root.mr, 0x0, &low.mr, 0);
    // Added first, but of higher priority.
    memory_region_add_subregion_overlap(&root.mr, 0x800, &high.mr, 2);
    // Added last with a lower priority than `high`: still hidden under it.
    LoggingIo middle("t-middle", 0x100, 0xc0);
    memory_region_add_subregion_overlap(&root.mr, 0x880, &middle.mr, 1);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");

    EXPECT_EQ(ldl(as, 0x7fc), 0xa00007fcu);
    EXPECT_EQ(ldl(as, 0x800), uint32_t(high.value_at(0)));
    EXPECT_EQ(ldl(as, 0x8f8), uint32_t(high.value_at(0xf8)));
    EXPECT_EQ(ldl(as, 0x900), uint32_t(middle.value_at(0x80))) << "middle beyond high";
    EXPECT_EQ(ldl(as, 0x980), uint32_t(low.value_at(0x980)));
    EXPECT_EQ(ldl(as, 0x880), uint32_t(high.value_at(0x80)));
}

TEST(MemoryPriority, LaterAddedWinsAmongEqualPriorities) {
    Root root;
    LoggingIo first("t-first", 0x100, 0x01);
    LoggingIo second("t-second", 0x100, 0x02);
    memory_region_add_subregion_overlap(&root.mr, 0x1000, &first.mr, 1);
    memory_region_add_subregion_overlap(&root.mr, 0x1080, &second.mr, 1);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");

    EXPECT_EQ(ldl(as, 0x1000), uint32_t(first.value_at(0)));
    EXPECT_EQ(ldl(as, 0x1080), uint32_t(second.value_at(0)));
    EXPECT_EQ(ldl(as, 0x10f8), uint32_t(second.value_at(0x78)));
    EXPECT_EQ(ldl(as, 0x1100), uint32_t(second.value_at(0x80)));

    // Re-adding `first` makes it the later one.
    memory_region_del_subregion(&root.mr, &first.mr);
    memory_region_add_subregion_overlap(&root.mr, 0x1000, &first.mr, 1);
    EXPECT_EQ(ldl(as, 0x1080), uint32_t(first.value_at(0x80)));
    EXPECT_EQ(ldl(as, 0x1100), uint32_t(second.value_at(0x80)));
}

// --- Aliases and containers ---

TEST(MemoryAlias, ShowsAWindowAtAnOffset) {
    Root root;
    MemoryRegion ram;
    ASSERT_TRUE(memory_region_init_ram(&ram, nullptr, "t-ram", 0x1000));
    for (int i = 0; i < 0x1000; i++)
        ram.ram_ptr()[i] = static_cast<uint8_t>(i * 7);
    memory_region_add_subregion(&root.mr, 0x0, &ram);
    MemoryRegion window;
    memory_region_init_alias(&window, nullptr, "t-window", &ram, 0x100, 0x200);
    memory_region_add_subregion(&root.mr, 0x5000, &window);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");

    EXPECT_EQ(address_space_ldub(&as, 0x5000), uint8_t(0x100 * 7));
    EXPECT_EQ(address_space_ldub(&as, 0x51ff), uint8_t(0x2ff * 7));
    EXPECT_EQ(address_space_stl(&as, 0x5010, 0xa1b2c3d4), MEMTX_OK);
    EXPECT_EQ(address_space_ldl(&as, 0x110), 0xa1b2c3d4u) << "the write went through the alias";
    MemTxResult r = MEMTX_OK;
    EXPECT_EQ(address_space_ldub(&as, 0x5200, &r), 0);
    EXPECT_EQ(r, MEMTX_DECODE_ERROR) << "the window is only 0x200 bytes";

    // Moving the window's offset changes what it shows at once.
    memory_region_set_alias_offset(&window, 0x800);
    EXPECT_EQ(address_space_ldub(&as, 0x5001), uint8_t(0x801 * 7));
}

TEST(MemoryAlias, OfAnIoRegionPassesTheOffsetToTheCallbacks) {
    Root root;
    LoggingIo io("t-io", 0x1000, 0x42);
    MemoryRegion window;
    memory_region_init_alias(&window, nullptr, "t-io-window", &io.mr, 0x400, 0x100);
    memory_region_add_subregion(&root.mr, 0x20000, &window);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");

    EXPECT_EQ(ldl(as, 0x20010), uint32_t(io.value_at(0x410)));
    EXPECT_EQ(address_space_stw(&as, 0x200fe, 0xbeef), MEMTX_OK);
    EXPECT_THAT(io.log, ElementsAre(rd(0x410, 4, io.value_at(0x410)), wr(0x4fe, 2, 0xbeef)));
    // Only the window is mapped, not the whole region.
    MemTxResult r = MEMTX_OK;
    (void)ldl(as, 0x20100, &r);
    EXPECT_EQ(r, MEMTX_DECODE_ERROR);
    EXPECT_EQ(io.log.size(), 2u);
}

TEST(MemoryContainer, NestedContainersAddTheirOffsets) {
    Root root;
    MemoryRegion outer, inner;
    memory_region_init(&outer, nullptr, "t-outer", 0x100000);
    memory_region_init(&inner, nullptr, "t-inner", 0x10000);
    LoggingIo dev("t-dev", 0x100, 0x7);
    memory_region_add_subregion(&inner, 0x20, &dev.mr);
    memory_region_add_subregion(&outer, 0x1000, &inner);
    memory_region_add_subregion(&root.mr, 0x40000000, &outer);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");

    EXPECT_EQ(ldl(as, 0x40001024), uint32_t(dev.value_at(4)));
    EXPECT_THAT(dev.log, ElementsAre(rd(4, 4, dev.value_at(4))));
    auto view = as.flatview();
    ASSERT_EQ(view->ranges().size(), 1u);
    EXPECT_EQ(view->ranges()[0].start, 0x40001020u);
    EXPECT_EQ(static_cast<uint64_t>(view->ranges()[0].end), 0x40001120u);
    EXPECT_EQ(view->ranges()[0].mr, &dev.mr);

    // A container clips what it holds to its own size.
    LoggingIo spill("t-spill", 0x100, 0x8);
    memory_region_add_subregion(&inner, 0xff80, &spill.mr);
    MemTxResult r = MEMTX_OK;
    EXPECT_EQ(ldl(as, 0x40010f80), uint32_t(spill.value_at(0)));
    (void)ldl(as, 0x40011000, &r);
    EXPECT_EQ(r, MEMTX_DECODE_ERROR) << "past the end of t-inner";
}

// --- Changing the tree: each change takes effect at once ---

TEST(MemoryTopology, EnableAndDisable) {
    Root root;
    LoggingIo under("t-under", 0x1000, 0x1);
    LoggingIo over("t-over", 0x100, 0x2);
    memory_region_add_subregion(&root.mr, 0x0, &under.mr);
    memory_region_add_subregion_overlap(&root.mr, 0x100, &over.mr, 1);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");

    EXPECT_EQ(ldl(as, 0x100), uint32_t(over.value_at(0)));
    memory_region_set_enabled(&over.mr, false);
    EXPECT_FALSE(over.mr.enabled());
    EXPECT_EQ(ldl(as, 0x100), uint32_t(under.value_at(0x100))) << "what was hidden shows";
    memory_region_set_enabled(&under.mr, false);
    MemTxResult r = MEMTX_OK;
    EXPECT_EQ(ldl(as, 0x100, &r), 0u);
    EXPECT_EQ(r, MEMTX_DECODE_ERROR);
    memory_region_set_enabled(&over.mr, true);
    EXPECT_EQ(ldl(as, 0x100), uint32_t(over.value_at(0)));
    EXPECT_EQ(ldl(as, 0x200, &r), 0u);
    EXPECT_EQ(r, MEMTX_DECODE_ERROR);
}

TEST(MemoryTopology, SetAddressMovesTheRegion) {
    Root root;
    LoggingIo dev("t-dev", 0x100, 0x3);
    memory_region_add_subregion_overlap(&root.mr, 0x1000, &dev.mr, 3);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");
    int changes = 0;
    int id = as.add_listener([&] { changes++; });

    memory_region_set_address(&dev.mr, 0x8000);
    EXPECT_EQ(changes, 1);
    EXPECT_EQ(dev.mr.addr(), 0x8000u);
    EXPECT_EQ(dev.mr.priority(), 3) << "the move keeps the priority";
    MemTxResult r = MEMTX_OK;
    (void)ldl(as, 0x1000, &r);
    EXPECT_EQ(r, MEMTX_DECODE_ERROR);
    EXPECT_EQ(ldl(as, 0x8004, &r), uint32_t(dev.value_at(4)));
    EXPECT_EQ(r, MEMTX_OK);
    auto view = as.flatview();
    ASSERT_EQ(view->ranges().size(), 1u);
    EXPECT_EQ(view->ranges()[0].start, 0x8000u);
    // Moving it to where it is changes nothing.
    memory_region_set_address(&dev.mr, 0x8000);
    EXPECT_EQ(changes, 1);
    as.remove_listener(id);
}

TEST(MemoryTopology, DelSubregionUnmaps) {
    Root root;
    MemoryRegion ram;
    ASSERT_TRUE(memory_region_init_ram(&ram, nullptr, "t-ram", 0x1000));
    memory_region_add_subregion(&root.mr, 0x3000, &ram);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");
    ASSERT_EQ(address_space_stl(&as, 0x3000, 0x600dcafe), MEMTX_OK);

    memory_region_del_subregion(&root.mr, &ram);
    EXPECT_EQ(ram.container(), nullptr);
    EXPECT_TRUE(as.flatview()->ranges().empty());
    MemTxResult r = MEMTX_OK;
    EXPECT_EQ(ldl(as, 0x3000, &r), 0u);
    EXPECT_EQ(r, MEMTX_DECODE_ERROR);

    memory_region_add_subregion(&root.mr, 0x9000, &ram);
    EXPECT_EQ(ldl(as, 0x9000, &r), 0x600dcafeu) << "the contents survive";
    EXPECT_EQ(r, MEMTX_OK);
}

TEST(MemoryTopology, TransactionsPublishOnceAtTheEnd) {
    Root root;
    LoggingIo a("t-a", 0x100, 0xa), b("t-b", 0x100, 0xb);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");
    int changes = 0;
    int id = as.add_listener([&] { changes++; });

    memory_region_transaction_begin();
    memory_region_add_subregion(&root.mr, 0x0, &a.mr);
    memory_region_add_subregion(&root.mr, 0x100, &b.mr);
    EXPECT_TRUE(as.flatview()->ranges().empty()) << "not published before the commit";
    memory_region_transaction_commit();
    EXPECT_EQ(changes, 1);
    EXPECT_EQ(as.flatview()->ranges().size(), 2u);
    as.remove_listener(id);
}

} // namespace
