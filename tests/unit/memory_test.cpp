// The memory API on small trees of our own: every test builds its regions and
// its own AddressSpace, and never touches the global system memory.
#include "core/memory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <sstream>

using namespace mq;
using ::testing::ElementsAre;

namespace {

// One callback call as an I/O region saw it.
struct Access {
    bool write;
    hwaddr addr;
    unsigned size;
    uint64_t value;
    bool operator==(const Access&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Access& a) {
    return os << (a.write ? "write" : "read") << "(0x" << std::hex << a.addr << ", " << std::dec
              << a.size << ", 0x" << std::hex << a.value << ")";
}

Access rd(hwaddr addr, unsigned size, uint64_t value) { return {false, addr, size, value}; }
Access wr(hwaddr addr, unsigned size, uint64_t value) { return {true, addr, size, value}; }

// An I/O region that logs its callback calls. A read at offset a returns
// `tag` in bytes 7 and 3 and a in the low bytes, so that both halves of a
// read say which region answered, and where.
class LoggingIo {
public:
    LoggingIo(std::string name, uint64_t size, uint8_t tag,
              const std::function<void(MemoryRegionOps&)>& tweak = {})
        : m_tag(tag) {
        MemoryRegionOps ops;
        ops.read = [this](hwaddr addr, unsigned size) {
            uint64_t v = value_at(addr);
            log.push_back(rd(addr, size, v));
            return v;
        };
        ops.write = [this](hwaddr addr, uint64_t value, unsigned size) {
            log.push_back(wr(addr, size, value));
        };
        if (tweak) tweak(ops);
        memory_region_init_io(&mr, nullptr, std::move(ops), std::move(name), size);
    }
    uint64_t value_at(hwaddr addr) const {
        return (uint64_t(m_tag) << 56) | (uint64_t(m_tag) << 24) | (addr & 0xffffff);
    }

    MemoryRegion mr;
    std::vector<Access> log;

private:
    uint8_t m_tag;
};

MemoryRegionOps plain_ops(uint64_t read_value) {
    MemoryRegionOps ops;
    ops.read = [read_value](hwaddr, unsigned) { return read_value; };
    ops.write = [](hwaddr, uint64_t, unsigned) {};
    return ops;
}

// The root of a test's tree: a container the size of the whole address space.
struct Root {
    explicit Root(const char* name = "test-root") {
        memory_region_init(&mr, nullptr, name, UINT64_MAX);
    }
    MemoryRegion mr;
};

uint32_t ldl(AddressSpace& as, hwaddr addr, MemTxResult* r = nullptr) {
    return address_space_ldl(&as, addr, r);
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
