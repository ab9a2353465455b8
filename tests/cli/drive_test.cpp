// -drive on the real binary: QEMU 7.2's error wording for each option, image
// locking against a second miniqemu-held or QEMU-held image, and the
// monitor's view (info block, query-block).
#include "tests/support/process.h"
#include "tests/support/temp_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace mq::test;
using ::testing::HasSubstr;

namespace {

// A raw image of `size` zero bytes, removed when the test ends.
struct Image : TempFile {
    Image(const std::string& name, size_t size) : TempFile(name) {
        std::ofstream(path(), std::ios::binary) << std::string(size, '\0');
    }
};

ProcessResult run_drive(const std::string& drive, const std::string& in = {},
                        std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"-M", "virt", "-S", "-serial", "none", "-drive", drive};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_process(MINIQEMU_BINARY, args, in);
}

// Each row's "IMG" is a real 1 MiB image, so that only the option is wrong.
struct DriveError {
    std::string drive;
    std::string message; // after "miniqemu: -drive <drive>: "
};

class DriveErrors : public ::testing::TestWithParam<DriveError> {};

TEST_P(DriveErrors, PrintQemusMessage) {
    Image img_image("drive-errors.img", 1 << 20);
    const std::string& img = img_image.path();
    auto subst = [&](std::string s) {
        for (size_t at; (at = s.find("IMG")) != std::string::npos;)
            s.replace(at, 3, img);
        return s;
    };
    std::string drive = subst(GetParam().drive);
    auto r = run_drive(drive);
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_EQ(r.err, "miniqemu: -drive " + drive + ": " + subst(GetParam().message) + "\n");
    EXPECT_EQ(r.out, "");
}

INSTANTIATE_TEST_SUITE_P(
    Qemu72, DriveErrors,
    ::testing::Values(
        DriveError{"file=/nonexistent/nope.img,format=raw,if=none,id=d0",
                   "Could not open '/nonexistent/nope.img': No such file or directory"},
        DriveError{"file=/tmp,format=raw,if=none,id=d0",
                   "'file' driver requires '/tmp' to be a regular file"},
        DriveError{"file=IMG,format=raw,if=ide",
                   "machine type does not support if=ide,bus=0,unit=0"},
        DriveError{"file=IMG,format=raw,if=ide,index=3",
                   "machine type does not support if=ide,bus=1,unit=1"},
        DriveError{"file=IMG,format=raw,if=scsi",
                   "machine type does not support if=scsi,bus=0,unit=0"},
        DriveError{"file=IMG,format=raw,if=mtd,index=3",
                   "machine type does not support if=mtd,bus=0,unit=3"},
        DriveError{"file=/nonexistent/x,format=raw,if=ide",
                   "Could not open '/nonexistent/x': No such file or directory"},
        DriveError{"file=IMG,format=raw,if=bogus", "unsupported bus type 'bogus'"},
        DriveError{"file=IMG,format=bogus,if=none,id=x", "Unknown driver 'bogus'"},
        DriveError{"file=IMG,format=raw,if=none,id=x,foo=bar",
                   "Block format 'raw' does not support the option 'foo'"},
        DriveError{"file=IMG,format=raw,cache=bogus", "invalid cache option"},
        DriveError{"file=IMG,format=raw,aio=native",
                   "aio=native was specified, but it requires cache.direct=on, which was not "
                   "specified."},
        DriveError{"file=IMG,format=raw,aio=bogus", "invalid aio option"},
        DriveError{"file=IMG,format=raw,media=bogus", "'bogus' invalid media"},
        DriveError{"file=IMG,format=raw,discard=bogus", "Invalid discard option"},
        DriveError{"file=IMG,format=raw,readonly=maybe",
                   "Parameter 'read-only' expects 'on' or 'off'"},
        DriveError{"file=IMG,format=raw,snapshot=maybe",
                   "Parameter 'snapshot' expects 'on' or 'off'"},
        DriveError{"file=IMG,format=raw,werror=bogus", "'bogus' invalid write error action"},
        DriveError{"file=IMG,format=raw,rerror=enospc", "'enospc' invalid read error action"},
        DriveError{"file=IMG,format=raw,index=abc", "Parameter 'index' expects a number"},
        DriveError{"format=raw,if=none,id=x", "A block device must be specified for \"file\""},
        DriveError{"file=IMG,format=raw,id=1x",
                   "Parameter 'id' expects an identifier\nIdentifiers consist of letters, "
                   "digits, '-', '.', '_', starting with a letter."},
        // Where miniqemu does less than QEMU, it says so in QEMU's shape.
        DriveError{"file=IMG,format=qcow2", "Image is not in qcow2 format"},
        DriveError{"file=IMG,format=vmdk",
                   "Unsupported format 'vmdk': miniqemu opens raw and qcow2 images only"},
        DriveError{"file=IMG,format=raw,snapshot=on", "snapshot=on is not supported by miniqemu"}));

TEST(Drive, DuplicateIdsAndIndexes) {
    Image img_image("drive-dup.img", 4096);
    const std::string& img = img_image.path();
    std::string a = "file=" + img + ",format=raw,if=none,id=x,readonly=on";
    auto r = run_drive(a, {}, {"-drive", a});
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_EQ(r.err, "miniqemu: -drive " + a + ": Duplicate ID 'x' for drive\n");
    std::string b = "file=" + img + ",format=raw,readonly=on,index=1";
    r = run_drive(b, {}, {"-drive", b});
    EXPECT_EQ(r.err, "miniqemu: -drive " + b + ": drive with bus=0, unit=1 (index=1) exists\n");
}

TEST(Drive, ProbingWarnsAsQemuDoes) {
    Image img_image("drive-probe.img", 4096);
    const std::string& img = img_image.path();
    auto r = run_drive("file=" + img + ",if=none,id=p", "quit\n", {"-monitor", "stdio"});
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_EQ(r.err, "WARNING: Image format was not specified for '" + img +
                         "' and probing guessed raw.\n"
                         "         Automatically detecting the format is dangerous for raw "
                         "images, write operations on block 0 will be restricted.\n"
                         "         Specify the 'raw' format explicitly to remove the "
                         "restrictions.\n");
}

TEST(Drive, PermissionDeniedWhenNotRoot) {
    if (geteuid() == 0) GTEST_SKIP() << "root may open any file";
    Image img_image("drive-noperm.img", 4096);
    const std::string& img = img_image.path();
    chmod(img.c_str(), 0);
    auto r = run_drive("file=" + img + ",format=raw,if=none,id=d");
    EXPECT_THAT(r.err, HasSubstr(": Could not open '" + img + "': Permission denied\n"));
}

TEST(Drive, InfoBlockAndQueryBlock) {
    Image a_image("drive-info-a.img", 1 << 20);
    const std::string& a = a_image.path();
    Image b_image("drive-info-b.img", 2 << 20);
    const std::string& b = b_image.path();
    auto r = run_drive("file=" + a + ",format=raw",
                       "info block\ninfo block nd\ninfo block -v nd\nquit\n",
                       {"-drive", "file=" + b + ",format=raw,if=none,id=nd,cache=none,readonly=on",
                        "-monitor", "stdio"});
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_THAT(r.out, ::testing::MatchesRegex(
                           ".*\\(qemu\\) info block\r\nnone0 \\(#block1[0-9][0-9]\\): " + a +
                           " \\(raw\\)\r\n    Removable device: not locked, tray closed\r\n"
                           "    Cache mode:       writeback\r\n\r\nnd \\(#block3[0-9][0-9]\\): " +
                           b + " \\(raw, read-only\\)\r\n.*"));
    // The default drives of virt, empty.
    EXPECT_THAT(r.out, HasSubstr("\r\n\r\nnone2: [not inserted]\r\n    Removable device: not "
                                 "locked, tray closed\r\n\r\nfloppy0: [not inserted]\r\n"));
    EXPECT_THAT(r.out,
                HasSubstr("    Cache mode:       writeback, direct\r\n(qemu) info block -v"));
    EXPECT_THAT(r.out, HasSubstr("virtual size: 2 MiB (2097152 bytes)\r\n"));

    auto q = run_drive("file=" + a + ",format=raw,if=none,id=d0,cache=writethrough",
                       "{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"query-block\"}\n"
                       "{\"execute\":\"quit\"}\n",
                       {"-qmp", "stdio", "-nodefaults"});
    EXPECT_THAT(q.out, HasSubstr("{\"return\": [{\"device\": \"d0\", \"locked\": false, "
                                 "\"removable\": true, \"inserted\": {\"iops_rd\": 0, "
                                 "\"detect_zeroes\": \"off\", \"image\": {\"virtual-size\": "
                                 "1048576, \"filename\": \"" +
                                 a + "\", \"format\": \"raw\", \"actual-size\": "));
    EXPECT_THAT(q.out, HasSubstr("\"cache\": {\"no-flush\": false, \"direct\": false, "
                                 "\"writeback\": false}, \"file\": \"" +
                                 a + "\"}, \"type\": \"unknown\"}]}"));
}

TEST(Drive, Qcow2InfoBlockShowsTheBackingFile) {
    if (std::system("qemu-img --version >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "qemu-img (qemu-utils) is not installed";
    Image base_image("drive-base.img", 1 << 20);
    const std::string& base = base_image.path();
    TempFile top_file("drive-top.qcow2");
    const std::string& top = top_file.path();
    ASSERT_EQ(
        std::system(("qemu-img create -q -f qcow2 -b " + base + " -F raw " + top + " 1M").c_str()),
        0);
    auto r = run_drive("file=" + top + ",format=qcow2,if=none,id=q", "info block -v q\nquit\n",
                       {"-monitor", "stdio", "-nodefaults"});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr(" (qcow2)\r\n"));
    EXPECT_THAT(r.out, HasSubstr("    Backing file:     " + base + " (chain depth: 1)\r\n"));
    EXPECT_THAT(r.out, HasSubstr("file format: qcow2\r\n"));
    EXPECT_THAT(r.out, HasSubstr("cluster_size: 65536\r\nbacking file: " + base +
                                 " (actual path: " + base +
                                 ")\r\nbacking file format: raw\r\nFormat specific "
                                 "information:\r\n    compat: 1.1\r\n"));
    EXPECT_THAT(r.out,
                HasSubstr("    extended l2: false\r\nimage: " + base + "\r\nfile format: raw\r\n"));
}

// QEMU holds the image for a virtio disk: miniqemu may not write it, nor
// even read it through a device that would not share writing.
TEST(Drive, QemuAndMiniqemuSeeEachOthersLocks) {
    const char* qemu = "/usr/bin/qemu-system-riscv64";
    if (access(qemu, X_OK) != 0) GTEST_SKIP() << "qemu-system-riscv64 is not installed";
    Image img_image("drive-qemu-lock.img", 1 << 20);
    const std::string& img = img_image.path();
    BackgroundProcess held(qemu, {"-M", "virt", "-S", "-display", "none", "-monitor", "none",
                                  "-serial", "none", "-qmp", "stdio", "-drive",
                                  "file=" + img + ",format=raw,if=virtio"});
    // QEMU's virtio-blk takes the lock on byte 201 ("nobody else writes")
    // when it is realized; wait for it.
    int fd = ::open(img.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    bool locked = false;
    for (int i = 0; i < 400 && !locked && held.running(); i++) {
        struct flock fl {};
        fl.l_type = F_WRLCK;
        fl.l_whence = SEEK_SET;
        fl.l_start = 201;
        fl.l_len = 1;
        locked = fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
        if (!locked) usleep(50 * 1000);
    }
    ::close(fd);
    ASSERT_TRUE(locked) << "QEMU did not lock the image";
    for (const char* extra : {"", ",readonly=on"}) {
        std::string drive = "file=" + img + ",format=raw,if=virtio" + extra;
        auto r = run_drive(drive);
        EXPECT_EQ(r.exit_status, 1);
        EXPECT_EQ(r.err, "miniqemu: -drive " + drive + ": Failed to get " +
                             (*extra ? "shared " : "") +
                             "\"write\" lock\nIs another process using "
                             "the image [" +
                             img + "]?\n");
    }
    held.kill(SIGKILL);
}

} // namespace
