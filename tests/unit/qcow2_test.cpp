// The qcow2 format (core/block/qcow2*.cpp) against QEMU's own tools: images
// made by qemu-img, written by us at random offsets, then checked by
// `qemu-img check` and compared with `qemu-img convert -O raw`; images
// written by qemu-io read by us; backing files; corrupt headers.
#include "core/block/block.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

using namespace mq;
using ::testing::HasSubstr;

namespace {

struct Shell {
    int status;
    std::string out; // stdout and stderr
};

Shell sh(const std::string& cmd) {
    Shell r{-1, {}};
    FILE* p = popen((cmd + " 2>&1").c_str(), "r");
    if (!p) return r;
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;)
        r.out.append(buf, n);
    r.status = pclose(p);
    return r;
}

bool have_qemu_utils() {
    static const bool have = sh("qemu-img --version && qemu-io --version").status == 0;
    return have;
}

std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void patch_be(const std::string& path, uint64_t offset, uint64_t value, int bytes) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(offset));
    for (int i = bytes - 1; i >= 0; i--)
        f.put(static_cast<char>(value >> (8 * i)));
}

class Qcow2Test : public ::testing::Test {
protected:
    void SetUp() override {
        if (!have_qemu_utils()) GTEST_SKIP() << "qemu-img/qemu-io (qemu-utils) not installed";
        char tmpl[] = "/tmp/mq-qcow2-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        m_dir = tmpl;
    }
    void TearDown() override {
        blk_remove_all();
        if (!m_dir.empty()) std::filesystem::remove_all(m_dir);
    }
    std::string create(const std::string& name, const std::string& opts, uint64_t size) {
        std::string path = m_dir + "/" + name;
        auto r =
            sh("qemu-img create -q -f qcow2 " + opts + " " + path + " " + std::to_string(size));
        EXPECT_EQ(r.status, 0) << r.out;
        return path;
    }
    BlockBackend* open_drive(const std::string& opts) {
        auto blk = drive_new(opts);
        EXPECT_TRUE(blk.ok()) << (blk.ok() ? "" : blk.error().message);
        return blk.ok() ? *blk : nullptr;
    }
    std::string open_error(const std::string& opts) {
        auto blk = drive_new(opts);
        EXPECT_FALSE(blk.ok());
        return blk.ok() ? "" : blk.error().message;
    }
    // qemu-img's verdict and its view of the disk, once we closed it.
    void expect_qemu_agrees(const std::string& img, const std::vector<uint8_t>& disk) {
        blk_remove_all();
        auto check = sh("qemu-img check " + img);
        EXPECT_EQ(check.status, 0) << check.out;
        EXPECT_THAT(check.out, HasSubstr("No errors were found on the image."));
        std::string raw = img + ".raw";
        auto conv = sh("qemu-img convert -O raw " + img + " " + raw);
        ASSERT_EQ(conv.status, 0) << conv.out;
        EXPECT_TRUE(read_file(raw) == disk) << "qemu-img convert differs from what we wrote";
    }
    std::string m_dir;
};

// Random writes crossing clusters, mirrored in memory, read back.
void random_writes(BlockBackend* blk, std::vector<uint8_t>& disk, int count, uint32_t max_len) {
    std::mt19937_64 rng(count * 31 + max_len);
    for (int i = 0; i < count; i++) {
        uint64_t len = 1 + rng() % max_len;
        uint64_t off = rng() % (disk.size() - len);
        std::vector<uint8_t> data(len);
        for (auto& b : data)
            b = static_cast<uint8_t>(rng());
        ASSERT_TRUE(blk->pwrite(off, data.data(), len).ok());
        std::copy(data.begin(), data.end(), disk.begin() + off);
    }
    std::vector<uint8_t> back(disk.size());
    ASSERT_TRUE(blk->pread(0, back.data(), back.size()).ok());
    EXPECT_TRUE(back == disk);
    ASSERT_TRUE(blk->flush().ok());
}

struct Layout {
    const char* opts;
    uint64_t size;
};

class Qcow2Layouts : public Qcow2Test, public ::testing::WithParamInterface<Layout> {};

TEST_P(Qcow2Layouts, RandomWritesReadBackAndPassQemuImgCheck) {
    std::string img = create("a.qcow2", GetParam().opts, GetParam().size);
    BlockBackend* blk = open_drive("file=" + img + ",format=qcow2,if=none,id=d0");
    ASSERT_NE(blk, nullptr);
    EXPECT_EQ(blk->format(), "qcow2");
    EXPECT_EQ(blk->size(), GetParam().size);
    std::vector<uint8_t> disk(GetParam().size, 0);
    random_writes(blk, disk, 60, 200 * 1024);
    expect_qemu_agrees(img, disk);

    // Our own second look at it, read-only this time.
    blk = open_drive("file=" + img + ",format=qcow2,if=none,id=d1,readonly=on");
    ASSERT_NE(blk, nullptr);
    std::vector<uint8_t> back(disk.size());
    ASSERT_TRUE(blk->pread(0, back.data(), back.size()).ok());
    EXPECT_TRUE(back == disk);
}

INSTANTIATE_TEST_SUITE_P(Qcow2, Qcow2Layouts,
                         ::testing::Values(Layout{"", 8 << 20}, Layout{"-o compat=0.10", 8 << 20},
                                           Layout{"-o cluster_size=512", 4 << 20},
                                           Layout{"-o cluster_size=4096,compat=0.10",
                                                  (4 << 20) + 1536},
                                           Layout{"-o cluster_size=2M", 8 << 20}));

TEST_F(Qcow2Test, TheRefcountTableGrowsWhenTheFileOutgrowsIt) {
    // 512-byte clusters: one refcount table cluster covers 8 MiB of file.
    std::string img = create("grow.qcow2", "-o cluster_size=512", 24 << 20);
    auto refcount_table_offset = [&] {
        auto bytes = read_file(img);
        uint64_t v = 0;
        for (int i = 0; i < 8; i++)
            v = v << 8 | bytes[48 + i];
        return v;
    };
    uint64_t old_table = refcount_table_offset();
    BlockBackend* blk = open_drive("file=" + img + ",format=qcow2,if=none,id=d0");
    ASSERT_NE(blk, nullptr);
    std::vector<uint8_t> disk(24 << 20);
    for (size_t i = 0; i < disk.size(); i++)
        disk[i] = static_cast<uint8_t>(i * 13 + i / 4096);
    for (uint64_t off = 0; off < disk.size(); off += 1 << 20)
        ASSERT_TRUE(blk->pwrite(off, disk.data() + off, 1 << 20).ok());
    std::vector<uint8_t> back(disk.size());
    ASSERT_TRUE(blk->pread(0, back.data(), back.size()).ok());
    EXPECT_TRUE(back == disk);
    EXPECT_NE(refcount_table_offset(), old_table);
    expect_qemu_agrees(img, disk);
}

TEST_F(Qcow2Test, ReadsWhatQemuIoWrote) {
    std::string img = create("io.qcow2", "", 4 << 20);
    auto r = sh("qemu-io -f qcow2 -c 'write -P 0xab 0 1M' -c 'write -z 65536 4096' "
                "-c 'write -P 0xcd 3M 5000' " +
                img);
    ASSERT_EQ(r.status, 0) << r.out;
    BlockBackend* blk = open_drive("file=" + img + ",format=qcow2,if=none,id=d0");
    ASSERT_NE(blk, nullptr);
    std::vector<uint8_t> expect(4 << 20, 0);
    std::fill(expect.begin(), expect.begin() + (1 << 20), 0xab);
    std::fill(expect.begin() + 65536, expect.begin() + 65536 + 4096, 0);
    std::fill(expect.begin() + (3 << 20), expect.begin() + (3 << 20) + 5000, 0xcd);
    std::vector<uint8_t> back(expect.size());
    ASSERT_TRUE(blk->pread(0, back.data(), back.size()).ok());
    EXPECT_TRUE(back == expect);
    // Writing over QEMU's clusters and its zero cluster keeps the image sound.
    std::vector<uint8_t> data(70000, 0x5a);
    ASSERT_TRUE(blk->pwrite(60000, data.data(), data.size()).ok());
    std::copy(data.begin(), data.end(), expect.begin() + 60000);
    ASSERT_TRUE(blk->write_zeroes(2 << 20, 100000, false).ok());
    ASSERT_TRUE(blk->write_zeroes(100, 1000, true).ok());
    std::fill(expect.begin() + 100, expect.begin() + 1100, 0);
    expect_qemu_agrees(img, expect);
}

TEST_F(Qcow2Test, BackingFileShowsThroughWhereWeHaveNotWritten) {
    std::string base = m_dir + "/base.raw";
    std::vector<uint8_t> base_data(3 << 20);
    for (size_t i = 0; i < base_data.size(); i++)
        base_data[i] = static_cast<uint8_t>(i / 512 + 1);
    std::ofstream(base, std::ios::binary)
        .write(reinterpret_cast<const char*>(base_data.data()), base_data.size());
    // A relative name: resolved against the image's directory.
    std::string img = create("top.qcow2", "-b base.raw -F raw", 4 << 20);
    BlockBackend* blk = open_drive("file=" + img + ",format=qcow2,if=none,id=d0");
    ASSERT_NE(blk, nullptr);
    std::vector<uint8_t> disk(4 << 20, 0);
    std::copy(base_data.begin(), base_data.end(), disk.begin());
    random_writes(blk, disk, 30, 100000);
    EXPECT_TRUE(read_file(base) == base_data);
    // write_zeroes over backed clusters must hide the backing data.
    ASSERT_TRUE(blk->write_zeroes(1000, 70000, true).ok());
    std::fill(disk.begin() + 1000, disk.begin() + 71000, 0);
    std::vector<uint8_t> back(disk.size());
    ASSERT_TRUE(blk->pread(0, back.data(), back.size()).ok());
    EXPECT_TRUE(back == disk);
    expect_qemu_agrees(img, disk);
    EXPECT_TRUE(read_file(base) == base_data);
}

TEST_F(Qcow2Test, AQcow2BackingChain) {
    std::string base = create("base.qcow2", "", 2 << 20);
    ASSERT_EQ(sh("qemu-io -f qcow2 -c 'write -P 0x11 0 2M' " + base).status, 0);
    std::string mid = create("mid.qcow2", "-b " + base + " -F qcow2", 2 << 20);
    ASSERT_EQ(sh("qemu-io -f qcow2 -c 'write -P 0x22 1M 64k' " + mid).status, 0);
    // The top image's own format is probed.
    std::string top = create("top.qcow2", "-b " + mid + " -F qcow2", 2 << 20);
    BlockBackend* blk = open_drive("file=" + top + ",if=none,id=d0");
    ASSERT_NE(blk, nullptr);
    EXPECT_EQ(blk->format(), "qcow2");
    std::vector<uint8_t> disk(2 << 20, 0x11);
    std::fill(disk.begin() + (1 << 20), disk.begin() + (1 << 20) + 65536, 0x22);
    random_writes(blk, disk, 10, 9000);
    expect_qemu_agrees(top, disk);
}

TEST_F(Qcow2Test, CorruptHeadersAreErrors) {
    struct Case {
        uint64_t offset;
        uint64_t value;
        int bytes;
        const char* message;
    };
    const Case cases[] = {
        {40, 1ull << 40, 8, "L1 table (offset 0x10000000000"},
        {40, 0x30001, 8, "Invalid L1 table offset"},
        {36, 0x7fffffff, 4, "Active L1 table too large"},
        {36, 0, 4, "L1 table is too small"},
        {20, 40, 4, "Unsupported cluster size: 2^40"},
        {4, 4, 4, "Unsupported qcow2 version 4"},
        {0, 0x514649fc, 4, "Image is not in qcow2 format"},
        {72, 1 << 4, 8, "Unsupported qcow2 feature(s): extended L2 entries"},
        {72, 1ull << 40, 8, "Unsupported qcow2 feature(s): Unknown incompatible feature"},
        {96, 5, 4, "refcount width 32 bits is not supported"},
        {32, 1, 4, "Encrypted qcow2 images are not supported"},
        {60, 1, 4, "internal snapshots are not supported"},
        {56, 0x10000000, 4, "Reference count table too large"},
        {48, 1ull << 50, 8, "Reference count table is past the end of the file"},
        {24, ~0ull, 8, "Image is too big"},
        {8, 0x20000, 8, "Invalid backing file offset"},
    };
    for (const Case& c : cases) {
        std::string img = create("bad.qcow2", "", 1 << 20);
        patch_be(img, c.offset, c.value, c.bytes);
        EXPECT_THAT(open_error("file=" + img + ",format=qcow2,if=none"), HasSubstr(c.message))
            << "field at " << c.offset;
    }
    EXPECT_TRUE(blk_all().empty());
}

TEST_F(Qcow2Test, TheDirtyAndCorruptBitsAllowReadingOnly) {
    std::string img = create("dirty.qcow2", "", 1 << 20);
    patch_be(img, 72, 1, 8);
    EXPECT_THAT(open_error("file=" + img + ",format=qcow2,if=none"), HasSubstr("is dirty"));
    EXPECT_NE(open_drive("file=" + img + ",format=qcow2,if=none,readonly=on"), nullptr);
    patch_be(img, 72, 2, 8);
    EXPECT_THAT(open_error("file=" + img + ",format=qcow2,if=none"),
                HasSubstr("Image is corrupt; cannot be opened read/write"));
}

TEST_F(Qcow2Test, CompressedClustersAreRefusedWhenRead) {
    std::string raw = m_dir + "/data.raw";
    std::ofstream(raw, std::ios::binary) << std::string(1 << 20, 'x');
    std::string img = m_dir + "/c.qcow2";
    ASSERT_EQ(sh("qemu-img convert -c -O qcow2 " + raw + " " + img).status, 0);
    BlockBackend* blk = open_drive("file=" + img + ",format=qcow2,if=none");
    ASSERT_NE(blk, nullptr);
    uint8_t buf[512];
    auto st = blk->pread(0, buf, sizeof buf);
    ASSERT_FALSE(st.ok());
    EXPECT_THAT(st.error().message, HasSubstr("Compressed qcow2 clusters are not supported"));
}

TEST_F(Qcow2Test, AMissingBackingFileIsAnError) {
    std::string base = create("gone.qcow2", "", 1 << 20);
    std::string img = create("top.qcow2", "-b " + base + " -F qcow2", 1 << 20);
    std::filesystem::remove(base);
    EXPECT_THAT(open_error("file=" + img + ",format=qcow2,if=none"),
                HasSubstr("Could not open backing file: Could not open '" + base + "'"));
}

} // namespace
