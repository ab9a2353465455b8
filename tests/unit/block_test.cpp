// The block back ends (core/block): raw I/O on a host file, the cache
// modes, and QEMU's image locking between two opens of one image.
#include "core/block/block.h"
#include "core/block/file-posix.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

using namespace mq;
using ::testing::HasSubstr;

namespace {

class BlockTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/mq-block-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        m_dir = tmpl;
    }
    void TearDown() override {
        blk_remove_all();
        std::filesystem::remove_all(m_dir);
    }
    // A file of `size` bytes, every byte `fill`.
    std::string make_image(const std::string& name, size_t size, uint8_t fill = 0) {
        std::string path = m_dir + "/" + name;
        std::ofstream(path, std::ios::binary) << std::string(size, static_cast<char>(fill));
        return path;
    }
    BlockBackend* open_drive(const std::string& opts) {
        auto blk = drive_new(opts);
        EXPECT_TRUE(blk.ok()) << (blk.ok() ? "" : blk.error().message);
        return blk.ok() ? *blk : nullptr;
    }
    std::string m_dir;
};

// A stand-in for the device that attaches: attach() only remembers it.
DeviceState* fake_device(int n) {
    static char devices[4];
    return reinterpret_cast<DeviceState*>(&devices[n]);
}

TEST_F(BlockTest, RawReadsAndWritesTheFileByteForByte) {
    std::string path = make_image("a.img", 64 * 1024, 0xaa);
    BlockBackend* blk = open_drive("file=" + path + ",format=raw,if=none,id=d0");
    ASSERT_NE(blk, nullptr);
    EXPECT_EQ(blk->size(), 64u * 1024);
    EXPECT_EQ(blk->format(), "raw");
    EXPECT_EQ(blk_by_name("d0"), blk);

    std::vector<uint8_t> data(1000);
    for (size_t i = 0; i < data.size(); i++)
        data[i] = static_cast<uint8_t>(i * 7);
    ASSERT_TRUE(blk->pwrite(4097, data.data(), data.size()).ok());
    ASSERT_TRUE(blk->flush().ok());

    std::vector<uint8_t> back(data.size() + 2);
    ASSERT_TRUE(blk->pread(4096, back.data(), back.size()).ok());
    EXPECT_EQ(back.front(), 0xaa);
    EXPECT_EQ(back.back(), 0xaa);
    EXPECT_TRUE(std::equal(data.begin(), data.end(), back.begin() + 1));

    // The host file holds the same bytes.
    std::ifstream f(path, std::ios::binary);
    f.seekg(4097);
    std::vector<char> on_disk(data.size());
    f.read(on_disk.data(), on_disk.size());
    EXPECT_EQ(std::memcmp(on_disk.data(), data.data(), data.size()), 0);
}

TEST_F(BlockTest, RequestsOutsideTheDiskFail) {
    BlockBackend* blk = open_drive("file=" + make_image("a.img", 4096) + ",format=raw,id=d0");
    ASSERT_NE(blk, nullptr);
    uint8_t buf[16] = {};
    EXPECT_FALSE(blk->pread(4090, buf, sizeof buf).ok());
    EXPECT_FALSE(blk->pwrite(4096, buf, 1).ok());
    EXPECT_TRUE(blk->pread(4080, buf, sizeof buf).ok());
}

TEST_F(BlockTest, AFileShorterThanTheDiskReadsAsZeroesPastItsEnd) {
    std::string path = make_image("a.img", 8192, 0x55);
    BlockBackend* blk = open_drive("file=" + path + ",format=raw,id=d0");
    ASSERT_NE(blk, nullptr);
    ASSERT_EQ(truncate(path.c_str(), 4096 + 10), 0); // someone shrank it under us
    std::vector<uint8_t> buf(4096, 0xff);
    ASSERT_TRUE(blk->pread(4096, buf.data(), buf.size()).ok());
    EXPECT_EQ(buf[9], 0x55);
    for (size_t i = 10; i < buf.size(); i++)
        ASSERT_EQ(buf[i], 0) << i;
}

TEST_F(BlockTest, WriteZeroesAndDiscard) {
    std::string path = make_image("a.img", 1 << 20, 0x11);
    BlockBackend* blk = open_drive("file=" + path + ",format=raw,id=d0,discard=unmap");
    ASSERT_NE(blk, nullptr);
    ASSERT_TRUE(blk->write_zeroes(65536, 65536 + 512, false).ok());
    std::vector<uint8_t> buf(3 * 65536);
    ASSERT_TRUE(blk->pread(0, buf.data(), buf.size()).ok());
    EXPECT_EQ(buf[65535], 0x11);
    for (size_t i = 65536; i < 2 * 65536 + 512; i++)
        ASSERT_EQ(buf[i], 0) << i;
    EXPECT_EQ(buf[2 * 65536 + 512], 0x11);
    ASSERT_TRUE(blk->write_zeroes(0, 4096, true).ok());

    // Discard may free the range or do nothing; what is around it stays.
    ASSERT_TRUE(blk->discard(4 * 65536, 65536).ok());
    uint8_t edge[2];
    ASSERT_TRUE(blk->pread(4 * 65536 - 1, edge, 1).ok());
    ASSERT_TRUE(blk->pread(5 * 65536, edge + 1, 1).ok());
    EXPECT_EQ(edge[0], 0x11);
    EXPECT_EQ(edge[1], 0x11);
    EXPECT_EQ(std::filesystem::file_size(path), 1u << 20) << "discard keeps the size";
}

TEST_F(BlockTest, FlushAndTheCacheModes) {
    for (const char* mode : {"writeback", "writethrough", "none", "directsync", "unsafe"}) {
        SCOPED_TRACE(mode);
        std::string name = std::string(mode) + ".img";
        BlockBackend* blk = open_drive("file=" + make_image(name, 4096) + ",format=raw,id=c" +
                                       mode + ",cache=" + mode);
        ASSERT_NE(blk, nullptr);
        bool wce = std::string(mode) != "writethrough" && std::string(mode) != "directsync";
        EXPECT_EQ(blk->write_cache_enabled(), wce);
        uint8_t b = 0x42, r = 0;
        ASSERT_TRUE(blk->pwrite(100, &b, 1).ok());
        ASSERT_TRUE(blk->flush().ok());
        ASSERT_TRUE(blk->pread(100, &r, 1).ok());
        EXPECT_EQ(r, 0x42);
    }
}

TEST_F(BlockTest, ReadOnlyDrivesRefuseWrites) {
    BlockBackend* blk =
        open_drive("file=" + make_image("a.img", 4096) + ",format=raw,id=d0,readonly=on");
    ASSERT_NE(blk, nullptr);
    EXPECT_TRUE(blk->read_only());
    uint8_t b = 1;
    EXPECT_FALSE(blk->pwrite(0, &b, 1).ok());
    EXPECT_FALSE(blk->write_zeroes(0, 1, false).ok());
}

TEST_F(BlockTest, DefaultIdsAndIndexes) {
    std::string a = make_image("a.img", 4096), b = make_image("b.img", 4096);
    BlockBackend* n0 = open_drive("file=" + a + ",format=raw");
    BlockBackend* n1 = open_drive("file=" + b + ",format=raw,if=none,index=3");
    ASSERT_TRUE(n0 && n1);
    EXPECT_EQ(n0->id(), "none0");
    EXPECT_EQ(n1->id(), "none3");
    EXPECT_EQ(n0->if_type(), BlockInterfaceType::None);
    EXPECT_EQ(blk_all(), (std::vector<BlockBackend*>{n0, n1}));
    auto dup = drive_new("file=" + a + ",format=raw,index=3");
    ASSERT_FALSE(dup.ok());
    EXPECT_EQ(dup.error().message, "drive with bus=0, unit=3 (index=3) exists");
}

TEST_F(BlockTest, ADriveHasOneDevice) {
    BlockBackend* blk = open_drive("file=" + make_image("a.img", 4096) + ",format=raw,id=d0");
    ASSERT_NE(blk, nullptr);
    ASSERT_TRUE(blk->attach(fake_device(0)).ok());
    EXPECT_EQ(blk->device(), fake_device(0));
    auto st = blk->attach(fake_device(1));
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().message, "Drive 'd0' is already in use by another device");
    blk->detach();
    EXPECT_TRUE(blk->attach(fake_device(1)).ok());
}

// OFD locks conflict between two opens of one file even in one process,
// just as between two QEMUs.
TEST_F(BlockTest, ASecondWriterOfTheImageIsRefused) {
    std::string path = make_image("a.img", 4096);
    BlockBackend* first = open_drive("file=" + path + ",format=raw,id=d0");
    BlockBackend* second = open_drive("file=" + path + ",format=raw,id=d1");
    ASSERT_TRUE(first && second) << "opening without a device takes no write lock";
    ASSERT_TRUE(first->attach(fake_device(0)).ok());
    auto st = second->attach(fake_device(1));
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().message, "Failed to get \"write\" lock");
    EXPECT_EQ(st.error().hint, "Is another process using the image [" + path + "]?\n");
    EXPECT_EQ(second->device(), nullptr);

    // Once the first lets go, the second may write.
    first->detach();
    EXPECT_TRUE(second->attach(fake_device(1)).ok());
}

TEST_F(BlockTest, ReadersShareAndKeepWritersOut) {
    std::string path = make_image("a.img", 4096);
    BlockBackend* ro1 = open_drive("file=" + path + ",format=raw,id=r1,readonly=on");
    BlockBackend* ro2 = open_drive("file=" + path + ",format=raw,id=r2,readonly=on");
    BlockBackend* rw = open_drive("file=" + path + ",format=raw,id=w");
    ASSERT_TRUE(ro1 && ro2 && rw);
    ASSERT_TRUE(ro1->attach(fake_device(0)).ok());
    EXPECT_TRUE(ro2->attach(fake_device(1)).ok()) << "two read-only users";
    auto st = rw->attach(fake_device(2));
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().message, "Failed to get \"write\" lock");

    // And a writer already there keeps a read-only device out, which would
    // not share writing.
    ro1->detach();
    ro2->detach();
    ASSERT_TRUE(rw->attach(fake_device(2)).ok());
    st = ro1->attach(fake_device(0));
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().message, "Failed to get shared \"write\" lock");
}

TEST_F(BlockTest, TheLockBytesAreQemus) {
    std::string path = make_image("a.img", 4096);
    BlockBackend* blk = open_drive("file=" + path + ",format=raw,id=d0");
    ASSERT_TRUE(blk && blk->attach(fake_device(0)).ok());
    int fd = ::open(path.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    auto locked = [&](int byte) {
        struct flock fl {};
        fl.l_type = F_WRLCK;
        fl.l_whence = SEEK_SET;
        fl.l_start = byte;
        fl.l_len = 1;
        EXPECT_EQ(fcntl(fd, F_OFD_GETLK, &fl), 0);
        return fl.l_type != F_UNLCK;
    };
    // consistent read and write held, write not shared: QEMU 7.2's virtio-blk.
    for (int byte = 100; byte < 104; byte++)
        EXPECT_EQ(locked(byte), byte <= 101) << byte;
    for (int byte = 200; byte < 204; byte++)
        EXPECT_EQ(locked(byte), byte == 201) << byte;
    ::close(fd);
}

TEST_F(BlockTest, OpenErrorsInQemusWording) {
    auto missing = drive_new("file=" + m_dir + "/nope.img,format=raw");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message,
              "Could not open '" + m_dir + "/nope.img': No such file or directory");
    auto dir = drive_new("file=" + m_dir + ",format=raw");
    ASSERT_FALSE(dir.ok());
    EXPECT_EQ(dir.error().message, "'file' driver requires '" + m_dir + "' to be a regular file");
    EXPECT_TRUE(blk_all().empty());
}

TEST_F(BlockTest, ProbingTellsRawFromQcow2) {
    BlockBackend* blk = open_drive("file=" + make_image("a.img", 4096) + ",id=d0");
    ASSERT_NE(blk, nullptr);
    EXPECT_EQ(blk->format(), "raw");
    // A probed raw image may not be turned into a qcow2 header.
    const uint8_t magic[8] = {'Q', 'F', 'I', 0xfb, 0, 0, 0, 3};
    EXPECT_FALSE(blk->pwrite(0, magic, sizeof magic).ok());
    EXPECT_TRUE(blk->pwrite(512, magic, sizeof magic).ok());
}

} // namespace
