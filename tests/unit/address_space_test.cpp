// Accesses through an AddressSpace, on small trees of our own (every test
// builds its regions and its own AddressSpace, and never touches the global
// system memory): access sizes, bulk transfers, write notifiers (ioeventfds),
// flat views, `info mtree` and the list of address spaces.
#include "core/memory.h"
#include "tests/unit/memory_fixture.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

using namespace mq;
using namespace mq::test::mem;
using ::testing::ElementsAre;

namespace {

MemoryRegionOps plain_ops(uint64_t read_value) {
    MemoryRegionOps ops;
    ops.read = [read_value](hwaddr, unsigned) { return read_value; };
    ops.write = [](hwaddr, uint64_t, unsigned) {};
    return ops;
}

// The block of `mtree_info` output that starts with `first_line`: other
// address spaces of the process may be listed around ours.
std::string mtree_block(const std::string& text, const std::string& first_line) {
    size_t start = text.find(first_line + "\n");
    if (start == std::string::npos) return "<no block '" + first_line + "'>";
    size_t end = text.find("\n\n", start);
    return text.substr(start, end == std::string::npos ? std::string::npos : end - start + 1);
}

// The FlatView block that lists address space `as_name`, without its number.
std::string flatview_block(const std::string& text, const std::string& as_name) {
    size_t at = text.find(" AS \"" + as_name + "\"");
    if (at == std::string::npos) return "<no flat view for '" + as_name + "'>";
    size_t end = text.find("\n\n", at);
    return text.substr(at, end == std::string::npos ? std::string::npos : end - at + 1);
}

// --- Access sizes: .impl splits and widens, .valid refuses ---

TEST(MemoryAccessSize, WideAccessIsSplitLittleEndian) {
    Root root;
    LoggingIo dev("t-dev", 0x100, 0x5, [](MemoryRegionOps& ops) {
        ops.impl.min_access_size = 1;
        ops.impl.max_access_size = 4;
    });
    memory_region_add_subregion(&root.mr, 0x1000, &dev.mr);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");

    EXPECT_EQ(address_space_stq(&as, 0x1010, 0x1122334455667788), MEMTX_OK);
    EXPECT_THAT(dev.log, ElementsAre(wr(0x10, 4, 0x55667788), wr(0x14, 4, 0x11223344)));
    dev.log.clear();

    // Each half keeps its low 32 bits, the upper half above the lower.
    uint64_t lo = dev.value_at(0x20) & 0xffffffff, hi = dev.value_at(0x24) & 0xffffffff;
    EXPECT_EQ(address_space_ldq(&as, 0x1020), (hi << 32) | lo);
    EXPECT_THAT(dev.log,
                ElementsAre(rd(0x20, 4, dev.value_at(0x20)), rd(0x24, 4, dev.value_at(0x24))));
}

TEST(MemoryAccessSize, ImplMaxOneSplitsIntoBytes) {
    Root root;
    LoggingIo dev("t-dev", 0x100, 0x5, [](MemoryRegionOps& ops) { ops.impl.max_access_size = 1; });
    memory_region_add_subregion(&root.mr, 0x0, &dev.mr);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");

    EXPECT_EQ(address_space_stl(&as, 0x40, 0xa1b2c3d4), MEMTX_OK);
    EXPECT_THAT(dev.log, ElementsAre(wr(0x40, 1, 0xd4), wr(0x41, 1, 0xc3), wr(0x42, 1, 0xb2),
                                     wr(0x43, 1, 0xa1)));
    dev.log.clear();
    // Each byte read keeps only its low byte: 0x40 and 0x41 of the offsets.
    EXPECT_EQ(address_space_lduw(&as, 0x40), 0x4140u);
}

TEST(MemoryAccessSize, NarrowAccessIsWidenedToImplMin) {
    Root root;
    LoggingIo dev("t-dev", 0x100, 0x5, [](MemoryRegionOps& ops) {
        ops.impl.min_access_size = 4;
        ops.impl.max_access_size = 4;
    });
    memory_region_add_subregion(&root.mr, 0x0, &dev.mr);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");

    EXPECT_EQ(address_space_ldub(&as, 0x30), 0x30u) << "only the low byte of the wide read";
    EXPECT_EQ(address_space_stb(&as, 0x34, 0x9c), MEMTX_OK);
    EXPECT_EQ(address_space_stw(&as, 0x38, 0xabcd), MEMTX_OK);
    EXPECT_THAT(dev.log, ElementsAre(rd(0x30, 4, dev.value_at(0x30)), wr(0x34, 4, 0x9c),
                                     wr(0x38, 4, 0xabcd)));
}

TEST(MemoryAccessSize, DefaultImplIsOneToFourBytes) {
    Root root;
    LoggingIo dev("t-dev", 0x100, 0x5);
    memory_region_add_subregion(&root.mr, 0x0, &dev.mr);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");

    EXPECT_EQ(address_space_stq(&as, 0x8, 0x0000000200000001), MEMTX_OK);
    EXPECT_EQ(address_space_stb(&as, 0x3, 0x7f), MEMTX_OK);
    EXPECT_THAT(dev.log, ElementsAre(wr(0x8, 4, 1), wr(0xc, 4, 2), wr(0x3, 1, 0x7f)));
}

TEST(MemoryAccessSize, InvalidSizesAreRefusedWithoutCallingTheDevice) {
    Root root;
    LoggingIo dev("t-dev", 0x100, 0x5, [](MemoryRegionOps& ops) {
        ops.valid.min_access_size = 4;
        ops.valid.max_access_size = 4;
    });
    memory_region_add_subregion(&root.mr, 0x0, &dev.mr);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");

    MemTxResult r = MEMTX_OK;
    EXPECT_EQ(address_space_ldub(&as, 0x10, &r), 0u);
    EXPECT_EQ(r, MEMTX_DECODE_ERROR);
    EXPECT_EQ(address_space_lduw(&as, 0x10, &r), 0u);
    EXPECT_EQ(r, MEMTX_DECODE_ERROR);
    EXPECT_EQ(address_space_ldq(&as, 0x10, &r), 0u);
    EXPECT_EQ(r, MEMTX_DECODE_ERROR);
    EXPECT_EQ(address_space_stb(&as, 0x10, 1), MEMTX_DECODE_ERROR);
    EXPECT_EQ(address_space_stw(&as, 0x10, 1), MEMTX_DECODE_ERROR);
    EXPECT_EQ(address_space_stq(&as, 0x10, 1), MEMTX_DECODE_ERROR);
    EXPECT_TRUE(dev.log.empty()) << ::testing::PrintToString(dev.log);

    EXPECT_EQ(ldl(as, 0x10, &r), uint32_t(dev.value_at(0x10)));
    EXPECT_EQ(r, MEMTX_OK);
    EXPECT_EQ(address_space_stl(&as, 0x10, 0x1234), MEMTX_OK);
    EXPECT_EQ(dev.log.size(), 2u);
}

TEST(MemoryAccessSize, UnalignedAccessesNeedValidUnaligned) {
    Root root;
    LoggingIo strict("t-strict", 0x100, 0x1);
    LoggingIo lax("t-lax", 0x100, 0x2, [](MemoryRegionOps& ops) { ops.valid.unaligned = true; });
    memory_region_add_subregion(&root.mr, 0x0, &strict.mr);
    memory_region_add_subregion(&root.mr, 0x100, &lax.mr);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");

    MemTxResult r = MEMTX_OK;
    EXPECT_EQ(ldl(as, 0x2, &r), 0u);
    EXPECT_EQ(r, MEMTX_DECODE_ERROR);
    EXPECT_EQ(address_space_stw(&as, 0x1, 0xffff), MEMTX_DECODE_ERROR);
    EXPECT_TRUE(strict.log.empty());
    EXPECT_EQ(address_space_stb(&as, 0x1, 0x5), MEMTX_OK) << "a byte is always aligned";

    EXPECT_EQ(ldl(as, 0x102, &r), uint32_t(lax.value_at(2)));
    EXPECT_EQ(r, MEMTX_OK);
    EXPECT_THAT(lax.log, ElementsAre(rd(0x2, 4, lax.value_at(2))));
}

TEST(MemoryAccessSize, ValidAcceptsCanRefuseAnAccess) {
    Root root;
    LoggingIo dev("t-dev", 0x100, 0x1, [](MemoryRegionOps& ops) {
        ops.valid.accepts = [](hwaddr addr, unsigned, bool is_write) {
            return !(is_write && addr >= 0x80);
        };
    });
    memory_region_add_subregion(&root.mr, 0x0, &dev.mr);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");

    EXPECT_EQ(address_space_stl(&as, 0x80, 1), MEMTX_DECODE_ERROR);
    EXPECT_EQ(address_space_stl(&as, 0x7c, 2), MEMTX_OK);
    MemTxResult r = MEMTX_ERROR;
    (void)ldl(as, 0x80, &r);
    EXPECT_EQ(r, MEMTX_OK);
    EXPECT_THAT(dev.log, ElementsAre(wr(0x7c, 4, 2), rd(0x80, 4, dev.value_at(0x80))));
}

TEST(MemoryAccessSize, WithResultCallbacksReportDeviceErrors) {
    Root root;
    MemoryRegionOps ops;
    ops.read_with_result = [](hwaddr addr, uint64_t* value, unsigned) {
        *value = 0x77;
        return addr == 0x10 ? MEMTX_ERROR : MEMTX_OK;
    };
    ops.write_with_result = [](hwaddr addr, uint64_t, unsigned) {
        return addr == 0x10 ? MEMTX_ERROR : MEMTX_OK;
    };
    MemoryRegion dev;
    memory_region_init_io(&dev, nullptr, std::move(ops), "t-dev", 0x100);
    memory_region_add_subregion(&root.mr, 0x0, &dev);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");

    MemTxResult r = MEMTX_OK;
    EXPECT_EQ(ldl(as, 0x10, &r), 0x77u);
    EXPECT_EQ(r, MEMTX_ERROR);
    EXPECT_EQ(ldl(as, 0x14, &r), 0x77u);
    EXPECT_EQ(r, MEMTX_OK);
    EXPECT_EQ(address_space_stl(&as, 0x10, 0), MEMTX_ERROR);
    EXPECT_EQ(address_space_stl(&as, 0x14, 0), MEMTX_OK);
}

// --- Bulk transfers cut at region boundaries and by alignment ---

TEST(MemoryBulk, ReadAcrossRamAndIoUsesAlignedAccesses) {
    Root root;
    MemoryRegion ram;
    ASSERT_TRUE(memory_region_init_ram(&ram, nullptr, "t-ram", 0x10));
    for (int i = 0; i < 0x10; i++)
        ram.ram_ptr()[i] = static_cast<uint8_t>(0xa0 + i);
    LoggingIo dev("t-dev", 0x10, 0x0);
    memory_region_add_subregion(&root.mr, 0x0, &ram);
    memory_region_add_subregion(&root.mr, 0x10, &dev.mr);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");

    // 3 RAM bytes, then 7 device bytes from offset 0: 4 + 2 + 1.
    std::array<uint8_t, 10> buf{};
    EXPECT_EQ(address_space_read(&as, 0xd, buf.data(), buf.size()), MEMTX_OK);
    EXPECT_THAT(dev.log, ElementsAre(rd(0x0, 4, dev.value_at(0)), rd(0x4, 2, dev.value_at(4)),
                                     rd(0x6, 1, dev.value_at(6))));
    EXPECT_THAT(buf, ElementsAre(0xad, 0xae, 0xaf, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x06));
    dev.log.clear();

    // From an odd device offset the sizes grow with the alignment: 1, 2, 4, 1.
    std::array<uint8_t, 8> tail{};
    EXPECT_EQ(address_space_read(&as, 0x11, tail.data(), tail.size()), MEMTX_OK);
    EXPECT_THAT(dev.log, ElementsAre(rd(0x1, 1, dev.value_at(1)), rd(0x2, 2, dev.value_at(2)),
                                     rd(0x4, 4, dev.value_at(4)), rd(0x8, 1, dev.value_at(8))));
    EXPECT_THAT(tail, ElementsAre(0x01, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x08));
    dev.log.clear();

    // A write the same way, device first then RAM.
    const uint8_t data[] = {1, 2, 3, 4, 5, 6};
    LoggingIo low("t-low", 0x10, 0x0);
    memory_region_add_subregion(&root.mr, 0x100, &low.mr);
    MemoryRegion ram2;
    ASSERT_TRUE(memory_region_init_ram(&ram2, nullptr, "t-ram2", 0x10));
    memory_region_add_subregion(&root.mr, 0x110, &ram2);
    EXPECT_EQ(address_space_write(&as, 0x10c, data, sizeof data), MEMTX_OK);
    EXPECT_THAT(low.log, ElementsAre(wr(0xc, 4, 0x04030201)));
    EXPECT_EQ(ram2.ram_ptr()[0], 5);
    EXPECT_EQ(ram2.ram_ptr()[1], 6);
}

TEST(MemoryBulk, ValidMaxBoundsBulkAccessSizes) {
    Root root;
    LoggingIo dev("t-dev", 0x20, 0x0, [](MemoryRegionOps& ops) {
        ops.valid.max_access_size = 8;
        ops.impl.max_access_size = 8;
    });
    memory_region_add_subregion(&root.mr, 0x0, &dev.mr);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");

    std::array<uint8_t, 16> buf{};
    EXPECT_EQ(address_space_read(&as, 0x8, buf.data(), buf.size()), MEMTX_OK);
    EXPECT_THAT(dev.log, ElementsAre(rd(0x8, 8, dev.value_at(8)), rd(0x10, 8, dev.value_at(0x10))));
}

// --- Write notifiers (ioeventfds) ---

TEST(MemoryEventfd, DataMatchConsumesOnlyMatchingWritesOfItsSize) {
    Root root;
    LoggingIo dev("t-dev", 0x100, 0x1);
    memory_region_add_subregion(&root.mr, 0x1000, &dev.mr);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");
    EventNotifier n;
    int handled = 0;
    n.handler = [&] { handled++; };
    memory_region_add_eventfd(&dev.mr, 0x10, 1, true, 0xfa, &n);

    EXPECT_EQ(address_space_stb(&as, 0x1010, 0xfa), MEMTX_OK);
    EXPECT_EQ(address_space_stb(&as, 0x1010, 0xfa), MEMTX_OK);
    EXPECT_EQ(n.count(), 2u);
    EXPECT_EQ(handled, 2);
    EXPECT_TRUE(dev.log.empty()) << "a consumed write never reaches the device";

    EXPECT_EQ(address_space_stb(&as, 0x1010, 0xfb), MEMTX_OK);   // other data
    EXPECT_EQ(address_space_stw(&as, 0x1010, 0x00fa), MEMTX_OK); // other size
    EXPECT_EQ(address_space_stb(&as, 0x1011, 0xfa), MEMTX_OK);   // other address
    EXPECT_EQ(n.count(), 2u);
    EXPECT_THAT(dev.log, ElementsAre(wr(0x10, 1, 0xfb), wr(0x10, 2, 0xfa), wr(0x11, 1, 0xfa)));
    EXPECT_TRUE(n.test_and_clear());
    EXPECT_FALSE(n.test_and_clear());

    // Reads are not notified.
    dev.log.clear();
    (void)address_space_ldub(&as, 0x1010);
    EXPECT_EQ(dev.log.size(), 1u);
    EXPECT_EQ(n.count(), 0u);
}

TEST(MemoryEventfd, WildcardTakesAnyDataAndDelRestoresDelivery) {
    Root root;
    LoggingIo dev("t-dev", 0x100, 0x1);
    memory_region_add_subregion(&root.mr, 0x0, &dev.mr);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");
    EventNotifier n;
    memory_region_add_eventfd(&dev.mr, 0x20, 4, false, 0, &n);

    EXPECT_EQ(address_space_stl(&as, 0x20, 0x11111111), MEMTX_OK);
    EXPECT_EQ(address_space_stl(&as, 0x20, 0), MEMTX_OK);
    EXPECT_EQ(address_space_stb(&as, 0x20, 0x1), MEMTX_OK) << "a 1-byte write is not 4 bytes";
    EXPECT_EQ(n.count(), 2u);
    EXPECT_THAT(dev.log, ElementsAre(wr(0x20, 1, 1)));

    memory_region_del_eventfd(&dev.mr, 0x20, 4, false, 0, &n);
    EXPECT_EQ(address_space_stl(&as, 0x20, 0x22222222), MEMTX_OK);
    EXPECT_EQ(n.count(), 2u);
    EXPECT_THAT(dev.log, ElementsAre(wr(0x20, 1, 1), wr(0x20, 4, 0x22222222)));
}

TEST(MemoryEventfd, DelWithOtherDataKeepsTheNotifier) {
    Root root;
    LoggingIo dev("t-dev", 0x100, 0x1);
    memory_region_add_subregion(&root.mr, 0x0, &dev.mr);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");
    EventNotifier n;
    memory_region_add_eventfd(&dev.mr, 0x8, 1, true, 0x5, &n);
    memory_region_del_eventfd(&dev.mr, 0x8, 1, true, 0x6, &n);
    EXPECT_EQ(address_space_stb(&as, 0x8, 0x5), MEMTX_OK);
    EXPECT_EQ(n.count(), 1u);
    EXPECT_TRUE(dev.log.empty());
}

// --- Flat views ---

TEST(MemoryFlatView, RangesHaveExactBoundsAndOffsets) {
    Root root;
    MemoryRegion ram;
    ASSERT_TRUE(memory_region_init_ram(&ram, nullptr, "t-ram", 0x3000));
    LoggingIo hole("t-hole", 0x800, 0x1);
    MemoryRegion rom;
    ASSERT_TRUE(memory_region_init_rom(&rom, nullptr, "t-rom", 0x1000));
    MemoryRegion alias;
    memory_region_init_alias(&alias, nullptr, "t-alias", &ram, 0x2400, 0x400);
    memory_region_add_subregion(&root.mr, 0x1000, &ram);
    memory_region_add_subregion_overlap(&root.mr, 0x2000, &hole.mr, 1);
    memory_region_add_subregion(&root.mr, 0x10000, &rom);
    memory_region_add_subregion(&root.mr, 0x20000, &alias);
    AddressSpace as;
    address_space_init(&as, &root.mr, "t-as");

    struct Expect {
        hwaddr start;
        uint64_t end;
        const MemoryRegion* mr;
        hwaddr offset;
        bool readonly;
    };
    const Expect expected[] = {
        {0x1000, 0x2000, &ram, 0x0, false},      {0x2000, 0x2800, &hole.mr, 0x0, false},
        {0x2800, 0x4000, &ram, 0x1800, false},   {0x10000, 0x11000, &rom, 0x0, true},
        {0x20000, 0x20400, &ram, 0x2400, false},
    };
    for (const auto& view : {as.flatview(), generate_flat_view(&root.mr)}) {
        const auto& ranges = view->ranges();
        ASSERT_EQ(ranges.size(), std::size(expected));
        for (size_t i = 0; i < ranges.size(); i++) {
            SCOPED_TRACE(i);
            EXPECT_EQ(ranges[i].start, expected[i].start);
            EXPECT_EQ(static_cast<uint64_t>(ranges[i].end), expected[i].end);
            EXPECT_EQ(ranges[i].mr, expected[i].mr);
            EXPECT_EQ(ranges[i].offset_in_region, expected[i].offset);
            EXPECT_EQ(ranges[i].readonly, expected[i].readonly);
        }
        EXPECT_EQ(view->root(), &root.mr);
        EXPECT_EQ(view->lookup(0x27ff), &ranges[1]);
        EXPECT_EQ(view->lookup(0x2800), &ranges[2]);
        EXPECT_EQ(view->lookup(0x4000), nullptr);
        EXPECT_EQ(view->lookup(0xfff), nullptr);
    }

    // Without the hole, the two RAM pieces join into one range again.
    memory_region_del_subregion(&root.mr, &hole.mr);
    const auto& ranges = as.flatview()->ranges();
    ASSERT_EQ(ranges.size(), 3u);
    EXPECT_EQ(ranges[0].start, 0x1000u);
    EXPECT_EQ(static_cast<uint64_t>(ranges[0].end), 0x4000u);
    EXPECT_EQ(ranges[0].offset_in_region, 0u);
}

// Every view published has a generation of its own, in every address space:
// a reader that kept a view knows whether it is still the current one.
TEST(MemoryFlatView, EachPublishedViewHasAGenerationOfItsOwn) {
    Root root;
    MemoryRegion ram;
    ASSERT_TRUE(memory_region_init_ram(&ram, nullptr, "t-ram", 0x1000));
    AddressSpace as, other;
    address_space_init(&as, &root.mr, "t-as");
    const uint64_t first = as.generation();
    const auto view = as.flatview();
    EXPECT_EQ(as.generation(), first) << "reading does not publish";
    memory_region_add_subregion(&root.mr, 0x1000, &ram);
    EXPECT_GT(as.generation(), first);
    EXPECT_NE(as.flatview(), view);
    EXPECT_EQ(as.flatview()->lookup(0x1000)->mr, &ram);
    address_space_init(&other, &root.mr, "t-other");
    EXPECT_NE(other.generation(), as.generation()) << "two address spaces, one root";
    memory_region_del_subregion(&root.mr, &ram);
}

TEST(MemoryFlatView, AWholeAddressSpaceRegionEndsAt2To64) {
    MemoryRegion io;
    memory_region_init_io(&io, nullptr, plain_ops(0x5a), "t-everything", UINT64_MAX);
    EXPECT_TRUE(io.size() == kInt128_2_64);
    AddressSpace as;
    address_space_init(&as, &io, "t-as");
    const auto& ranges = as.flatview()->ranges();
    ASSERT_EQ(ranges.size(), 1u);
    EXPECT_EQ(ranges[0].start, 0u);
    EXPECT_TRUE(ranges[0].end == kInt128_2_64);
    EXPECT_EQ(address_space_ldub(&as, 0xffffffffffffffffull), 0x5au);
}

// --- info mtree ---

// A small tree with a RAM, an I/O region of higher priority, a ROM, an alias
// and a disabled region, seen through one address space.
struct MtreeTree {
    MemoryRegion root, ram, io, rom, alias, off, sub;
    AddressSpace as;
    MtreeTree() {
        memory_region_init(&root, nullptr, "mt-root", 0x10000);
        EXPECT_TRUE(memory_region_init_ram(&ram, nullptr, "mt-ram", 0x1000));
        memory_region_init_io(&io, nullptr, plain_ops(0), "mt-io", 0x100);
        EXPECT_TRUE(memory_region_init_rom(&rom, nullptr, "mt-rom", 0x800));
        memory_region_init_alias(&alias, nullptr, "mt-alias", &ram, 0x800, 0x400);
        memory_region_init(&off, nullptr, "mt-off", 0x200);
        memory_region_init_io(&sub, nullptr, plain_ops(0), "mt-sub", 0x10);
        memory_region_add_subregion(&root, 0x0, &ram);
        memory_region_add_subregion_overlap(&root, 0xf00, &io, 1);
        memory_region_add_subregion(&root, 0x3000, &rom);
        memory_region_add_subregion(&root, 0x4000, &alias);
        memory_region_add_subregion(&off, 0x10, &sub);
        memory_region_add_subregion(&root, 0x5000, &off);
        memory_region_set_enabled(&off, false);
        address_space_init(&as, &root, "mt-as");
    }
};

TEST(MemoryMtree, TreeOutputInQemusFormat) {
    MtreeTree t;
    std::string out = mtree_info(false);
    // A disabled region is left out, but not its subregions (as QEMU does).
    EXPECT_EQ(mtree_block(out, "address-space: mt-as"),
              "address-space: mt-as\n"
              "  0000000000000000-000000000000ffff (prio 0, i/o): mt-root\n"
              "    0000000000000000-0000000000000fff (prio 0, ram): mt-ram\n"
              "    0000000000000f00-0000000000000fff (prio 1, i/o): mt-io\n"
              "    0000000000003000-00000000000037ff (prio 0, rom): mt-rom\n"
              "    0000000000004000-00000000000043ff (prio 0, ram): alias mt-alias @mt-ram "
              "0000000000000800-0000000000000bff\n"
              "      0000000000005010-000000000000501f (prio 0, i/o): mt-sub\n");
    EXPECT_EQ(mtree_block(out, "memory-region: mt-ram"),
              "memory-region: mt-ram\n"
              "  0000000000000000-0000000000000fff (prio 0, ram): mt-ram\n");
}

TEST(MemoryMtree, ShowDisabledMarksDisabledRegions) {
    MtreeTree t;
    std::string out = mtree_info(false, true);
    EXPECT_EQ(mtree_block(out, "address-space: mt-as"),
              "address-space: mt-as\n"
              "  0000000000000000-000000000000ffff (prio 0, i/o): mt-root\n"
              "    0000000000000000-0000000000000fff (prio 0, ram): mt-ram\n"
              "    0000000000000f00-0000000000000fff (prio 1, i/o): mt-io\n"
              "    0000000000003000-00000000000037ff (prio 0, rom): mt-rom\n"
              "    0000000000004000-00000000000043ff (prio 0, ram): alias mt-alias @mt-ram "
              "0000000000000800-0000000000000bff\n"
              "    0000000000005000-00000000000051ff (prio 0, i/o): mt-off [disabled]\n"
              "      0000000000005010-000000000000501f (prio 0, i/o): mt-sub\n");
}

TEST(MemoryMtree, FlatViewOutputInQemusFormat) {
    MtreeTree t;
    std::string out = mtree_info(true);
    EXPECT_EQ(flatview_block(out, "mt-as"),
              " AS \"mt-as\", root: mt-root\n"
              " Root memory region: mt-root\n"
              "  0000000000000000-0000000000000eff (prio 0, ram): mt-ram\n"
              "  0000000000000f00-0000000000000fff (prio 1, i/o): mt-io\n"
              "  0000000000003000-00000000000037ff (prio 0, rom): mt-rom\n"
              "  0000000000004000-00000000000043ff (prio 0, ram): mt-ram @0000000000000800\n");
    // The block is numbered like every other one.
    size_t at = out.find(" AS \"mt-as\"");
    ASSERT_NE(at, std::string::npos);
    size_t header = out.rfind("FlatView #", at);
    ASSERT_NE(header, std::string::npos);
    EXPECT_EQ(out.find('\n', header) + 1, at);
}

TEST(MemoryMtree, AnEmptyAddressSpaceHasNoRenderedFlatView) {
    MemoryRegion root;
    memory_region_init(&root, nullptr, "mt-empty", 0x1000);
    AddressSpace as;
    address_space_init(&as, &root, "mt-empty-as");
    std::string out = mtree_info(true);
    EXPECT_EQ(flatview_block(out, "mt-empty-as"), " AS \"mt-empty-as\", root: mt-empty\n"
                                                  " Root memory region: (none)\n"
                                                  "  No rendered FlatView\n");
}

// Address spaces whose root is an alias: one that shows all of its target
// shares the target's flat view (QEMU's memory_region_get_flatview_root), a
// partial window has a view of its own.
TEST(MemoryMtree, AliasRootsShareTheViewOnlyWhenTheyShowTheWholeTarget) {
    MemoryRegion target, whole, partial;
    ASSERT_TRUE(memory_region_init_ram(&target, nullptr, "mt-target", 0x1000));
    memory_region_init_alias(&whole, nullptr, "mt-whole", &target, 0, 0x1000);
    memory_region_init_alias(&partial, nullptr, "mt-partial", &target, 0, 0x400);
    AddressSpace whole_as, target_as, partial_as;
    address_space_init(&whole_as, &whole, "mt-whole-as");
    address_space_init(&target_as, &target, "mt-target-as");
    address_space_init(&partial_as, &partial, "mt-partial-as");

    std::string out = mtree_info(true);
    EXPECT_EQ(flatview_block(out, "mt-whole-as"),
              " AS \"mt-whole-as\", root: mt-whole, alias mt-target\n"
              " AS \"mt-target-as\", root: mt-target\n"
              " Root memory region: mt-target\n"
              "  0000000000000000-0000000000000fff (prio 0, ram): mt-target\n");
    EXPECT_EQ(flatview_block(out, "mt-partial-as"),
              " AS \"mt-partial-as\", root: mt-partial, alias mt-target\n"
              " Root memory region: mt-partial\n"
              "  0000000000000000-00000000000003ff (prio 0, ram): mt-target\n");
}

TEST(MemoryAddressSpace, DestroyedSpacesLeaveTheList) {
    MemoryRegion root;
    memory_region_init(&root, nullptr, "t-root", 0x1000);
    size_t before = address_spaces().size();
    {
        AddressSpace as;
        address_space_init(&as, &root, "t-short-lived");
        EXPECT_EQ(address_spaces().size(), before + 1);
        EXPECT_EQ(address_spaces().back(), &as);
        EXPECT_EQ(as.name(), "t-short-lived");
        EXPECT_EQ(as.root(), &root);
    }
    EXPECT_EQ(address_spaces().size(), before);
}

} // namespace
