// The monitor's commands through the real binary, against QEMU 7.2's
// answers (../shared/specs/qemu-reference/hmp-outputs.txt): the info rows,
// x, memsave and pmemsave, log and logfile, qom-list/get/set, device_add and
// device_del, with the bad input each refuses. `info mem` with paging on is
// tested in process (tests/qmp/hmp_paging_test.cpp), where a test can set
// up page tables.
#include "tests/cli/monitor_fixture.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace mq::test;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

namespace {

std::string temp_path(const std::string& name) {
    return ::testing::TempDir() + "/miniqemu-hmp-" + std::to_string(::getpid()) + "-" + name;
}

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
}

// A raw kernel of 16 known bytes: -bios none loads it at 0x80000000.
const std::string kKernelBytes("\x13\x05\x10\x00\x93\x05\x20\x00miniqemu", 16);

// The kernel's file, removed when the test is done with it.
struct KernelFile {
    std::string path = temp_path("kernel.bin");
    KernelFile() { std::ofstream(path, std::ios::binary) << kKernelBytes; }
    ~KernelFile() { std::filesystem::remove(path); }
    KernelFile(const KernelFile&) = delete;
    KernelFile& operator=(const KernelFile&) = delete;
};

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

TEST(MonitorCmds, HelpLinesAreQemus) {
    expect_answers(
        kVirt,
        {
            {"help x", "x /fmt addr -- virtual memory dump starting at 'addr'\r\n"},
            {"help memsave", "memsave addr size file -- save to disk virtual memory dump "
                             "starting at 'addr' of size 'size'\r\n"},
            {"help pmemsave", "pmemsave addr size file -- save to disk physical memory dump "
                              "starting at 'addr' of size 'size'\r\n"},
            {"help log", "log item1[,...] -- activate logging of the specified items\r\n"},
            {"help logfile", "logfile filename -- output logs to 'filename'\r\n"},
            {"help qom-list", "qom-list path -- list QOM properties\r\n"},
            {"help qom-get", "qom-get path property -- print QOM property\r\n"},
            {"help qom-set", "qom-set [-j] path property value -- set QOM property.\r\n"
                             "\t\t\t-j: the value is specified in json format.\r\n"},
            {"help device_add", "device_add driver[,prop=value][,...] -- add device, like "
                                "-device on the command line\r\n"},
            {"help device_del", "device_del device -- remove device\r\n"},
            {"help info chardev", "info chardev  -- show the character devices\r\n"},
            {"help info cpus", "info cpus  -- show infos for each CPU\r\n"},
            {"help info irq", "info irq  -- show the interrupts statistics (if available)\r\n"},
            {"help info mem", "info mem  -- show the active virtual memory mappings\r\n"},
            {"help info roms", "info roms  -- show roms\r\n"},
            {"help info version", "info version  -- show the version of QEMU\r\n"},
            {"help stop", "stop|s  -- stop emulation\r\n"},
        });
}

TEST(MonitorCmds, InfoRows) {
    KernelFile kernel_file;
    const std::string& kernel = kernel_file.path;
    expect_answers(with(kVirt, {"-kernel", kernel}),
                   {
                       {"info status", "VM status: paused (prelaunch)\r\n"},
                       {"info version", MINIQEMU_VERSION_STRING "miniqemu\r\n"},
                       {"info chardev", "compat_monitor0: filename=stdio\r\n"},
                       // RISC-V's interrupt controllers keep no statistics.
                       {"info irq", ""},
                       // satp is 0 at reset: no paging.
                       {"info mem", "No translation or protection\r\n"},
                       // QEMU 7.2 has no `info tlb` for RISC-V.
                       {"info tlb", "unknown command: 'info tlb'\r\n"},
                       {"info version x", "version: extraneous characters at the end of line\r\n" +
                                              try_help("info version")},
                   });
}

// What the loader placed, in address order; "mem=rom" for the blobs in the
// mask ROM. The device tree's size is the packed tree's.
TEST(MonitorCmds, InfoRomsListsTheLoadedImages) {
    KernelFile kernel_file;
    const std::string& kernel = kernel_file.path;
    ProcessResult r;
    auto got = monitor_answers(with(kVirt, {"-kernel", kernel}), {"info roms", "info roms x"}, r);
    ASSERT_EQ(got.size(), 3u) << r.out;
    EXPECT_THAT(got[0],
                MatchesRegex("addr=0000000000001000 size=0x000028 mem=rom name=\"mrom.reset\"\r\n"
                             "addr=0000000000001028 size=0x000030 mem=rom name=\"mrom.finfo\"\r\n"
                             "addr=0000000080000000 size=0x000010 mem=ram name=\"" +
                             kernel +
                             "\"\r\n"
                             "addr=0000000087e00000 size=0x[0-9a-f]{6} mem=ram name=\"fdt\"\r\n"));
    EXPECT_EQ(got[1], "roms: extraneous characters at the end of line\r\n" + try_help("info roms"));
}

// An ELF's blobs are named after the program header they come from, as
// QEMU names them ("fw_jump.elf ELF program header segment 1").
TEST(MonitorCmds, InfoRomsNamesElfSegmentsByProgramHeader) {
    std::string elf = std::string(GUEST_DIR) + "/hello.elf";
    if (!std::filesystem::exists(elf)) GTEST_SKIP() << "no guest programs built";
    ProcessResult r;
    auto got = monitor_answers(with(kVirt, {"-kernel", elf}), {"info roms"}, r);
    ASSERT_EQ(got.size(), 2u) << r.out;
    EXPECT_THAT(got[0], MatchesRegex(".*\r\naddr=0000000080000000 size=0x[0-9a-f]{6} mem=ram "
                                     "name=\"" +
                                     elf + " ELF program header segment [0-9]+\"\r\n.*"));
}

TEST(MonitorCmds, InfoCpusMarksTheCurrentCpu) {
    ProcessResult r;
    auto got = monitor_answers(with(kVirt, {"-smp", "2"}), {"info cpus", "info cpus x"}, r);
    ASSERT_EQ(got.size(), 3u) << r.out;
    EXPECT_THAT(got[0],
                MatchesRegex("\\* CPU #0: thread_id=[0-9]+\r\n  CPU #1: thread_id=[0-9]+\r\n"));
    EXPECT_EQ(got[1], "cpus: extraneous characters at the end of line\r\n" + try_help("info cpus"));
}

TEST(MonitorCmds, XReadsThroughTheCurrentCpu) {
    KernelFile kernel_file;
    const std::string& kernel = kernel_file.path;
    expect_answers(
        with(kVirt, {"-kernel", kernel}),
        {
            // No paging: virtual is physical.
            {"x /4xw 0x80000000",
             "0000000080000000: 0x00100513 0x00200593 0x696e696d 0x756d6571\r\n"},
            {"xp /4xw 0x80000000",
             "0000000080000000: 0x00100513 0x00200593 0x696e696d 0x756d6571\r\n"},
            {"x /8cb 0x80000008", "0000000080000008: 'm' 'i' 'n' 'i' 'q' 'e' 'm' 'u'\r\n"},
            // The format sticks: x and xp share it.
            {"x 0x80000000", "0000000080000000: '\\x13'\r\n"},
            {"x /2xg 0", "0000000000000000: Cannot access memory\r\n"},
            {"x", "unexpected end of expression\r\n" + try_help("x")},
            {"x /4z 0x80000000", "invalid char in format: 'z'\r\n" + try_help("x")},
            {"x /4xg 0x80000000 extra",
             "x: extraneous characters at the end of line\r\n" + try_help("x")},
        });
}

TEST(MonitorCmds, MemsaveAndPmemsaveWriteFiles) {
    KernelFile kernel_file;
    const std::string& kernel = kernel_file.path;
    std::string v = temp_path("mem.bin"), p = temp_path("pmem.bin"), z = temp_path("zero.bin"),
                bad = temp_path("bad.bin");
    expect_answers(
        with(kVirt, {"-kernel", kernel}),
        {
            // The file name is quoted: after a number, "/tmp" would be a division.
            {"memsave 0x80000000 16 \"" + v + "\"", ""},
            {"pmemsave 0x80000000 16 \"" + p + "\"", ""},
            // Physical memory that is not there reads as zeros; virtual
            // memory that cannot be read is refused.
            {"pmemsave 0 16 \"" + z + "\"", ""},
            {"memsave 0 16 \"" + bad + "\"",
             "Error: Invalid addr 0x0000000000000000/size 16 specified\r\n"},
            {"pmemsave 0x80000000 16 \"/nonexistent/dir/x.bin\"",
             "Error: Could not open '/nonexistent/dir/x.bin': No such file or directory\r\n"},
            {"memsave 0x80000000 16 \"/nonexistent/dir/x.bin\"",
             "Error: Could not open '/nonexistent/dir/x.bin': No such file or directory\r\n"},
            {"pmemsave 0 16 /nonexistent/x",
             "invalid char 'n' in expression\r\n" + try_help("pmemsave")},
            {"memsave 0x80000000 16", "memsave: string expected\r\n" + try_help("memsave")},
            {"pmemsave 0 0x100000000 \"" + p + "\"",
             "'pmemsave' has failed: integer is for 32-bit values\r\n" + try_help("pmemsave")},
        });
    EXPECT_EQ(read_file(v), kKernelBytes);
    EXPECT_EQ(read_file(p), kKernelBytes);
    EXPECT_EQ(read_file(z), std::string(16, '\0'));
    for (const auto& f : {v, p, z, bad})
        std::filesystem::remove(f);
}

TEST(MonitorCmds, LogAndLogfile) {
    std::string log = temp_path("log.txt");
    expect_answers(
        kVirt,
        {
            {"logfile \"" + log + "\"", ""},
            {"log qom", ""},
            {"qom-set /machine append first", ""},
            {"log none", ""},
            {"qom-set /machine append second", ""},
            {"log nosuch", "log item1[,...] -- activate logging of the specified items\r\n"},
            {"log int,nosuch", "log item1[,...] -- activate logging of the specified items\r\n"},
            {"log", "log: string expected\r\n" + try_help("log")},
            {"logfile \"/nonexistent/dir/log.txt\"",
             "Error opening logfile /nonexistent/dir/log.txt: No such file or "
             "directory\r\n"},
            {"logfile", "logfile: filename expected\r\n" + try_help("logfile")},
        });
    std::string text = read_file(log);
    EXPECT_THAT(text, HasSubstr("append = first"));
    EXPECT_THAT(text, Not(HasSubstr("second"))) << "log none turns logging off";
    std::filesystem::remove(log);
}

TEST(MonitorCmds, QomListGetSet) {
    ProcessResult r;
    auto args = with(kVirt, {"-device", "edu,id=edu1"});
    auto got = monitor_answers(args, {"qom-list /machine/peripheral/edu1"}, r);
    ASSERT_EQ(got.size(), 2u) << r.out;
    EXPECT_THAT(got[0], HasSubstr("type (string)\r\n"));
    EXPECT_THAT(got[0], HasSubstr("dma_mask (uint64)\r\n"));
    EXPECT_THAT(got[0], HasSubstr("realized (bool)\r\n"));

    expect_answers(
        args,
        {
            {"qom-list", "/\r\n"},
            {"qom-list /nosuch", "Error: Device '/nosuch' not found\r\n"},
            {"qom-list a b",
             "qom-list: extraneous characters at the end of line\r\n" + try_help("qom-list")},
            {"qom-get /machine/peripheral/edu1 dma_mask", "268435455\r\n"},
            {"qom-get /machine/peripheral/edu1 multifunction", "false\r\n"},
            {"qom-get /machine/peripheral/edu1 nosuch",
             "Error: Property 'edu.nosuch' not found\r\n"},
            {"qom-get /nosuch dma_mask", "Error: Device '/nosuch' not found\r\n"},
            {"qom-get /machine/peripheral/edu1",
             "qom-get: string expected\r\n" + try_help("qom-get")},
            // Without -j the value is the rest of the line, parsed as the
            // property's type parses a string.
            {"qom-set /machine append console=ttyS0 earlycon", ""},
            {"qom-get /machine append", "\"console=ttyS0 earlycon\"\r\n"},
            {"qom-set -j /machine append \"quoted\"", ""},
            {"qom-get /machine append", "\"quoted\"\r\n"},
            {"qom-set -j /machine append nonsense",
             "Error: JSON parse error, invalid keyword 'nonsense'\r\n"},
            {"qom-set -j /machine append 1",
             "Error: Invalid parameter type for 'value', expected: string\r\n"},
            {"qom-set /machine/peripheral/edu1 addr 5",
             "Error: Attempt to set property 'addr' on device 'edu1' (type 'edu') after it "
             "was realized\r\n"},
            {"qom-set /machine nosuch 1", "Error: Property 'virt-machine.nosuch' not found\r\n"},
            {"qom-set /machine type x",
             "Error: Insufficient permission to perform this operation\r\n"},
            {"qom-set /nosuch a b", "Error: Device '/nosuch' not found\r\n"},
            {"qom-set /machine append", "qom-set: string expected\r\n" + try_help("qom-set")},
            {"qom-set -x /machine append a",
             "qom-set: unsupported option -x\r\n" + try_help("qom-set")},
        });
}

// virt's pcie.0 takes no hot-plugged device, and QEMU checks that before
// the id or the properties (hmp-outputs.txt, session H1b).
TEST(MonitorCmds, DeviceAddAndDelRefuseAsQemusVirtDoes) {
    expect_answers(
        with(kVirt, {"-device", "edu,id=edu1"}),
        {
            {"device_del edu1", "Error: Bus 'pcie.0' does not support hotplugging\r\n"},
            {"device_del /machine/peripheral/edu1",
             "Error: Bus 'pcie.0' does not support hotplugging\r\n"},
            {"device_del nosuch", "Error: Device 'nosuch' not found\r\n"},
            {"device_del", "device_del: string expected\r\n" + try_help("device_del")},
            {"device_add edu,id=x2", "Error: Bus 'pcie.0' does not support hotplugging\r\n"},
            {"device_add edu,id=edu1", "Error: Bus 'pcie.0' does not support hotplugging\r\n"},
            {"device_add edu,id=x2,nosuch=1",
             "Error: Bus 'pcie.0' does not support hotplugging\r\n"},
            {"device_add nosuch", "Error: 'nosuch' is not a valid device model name\r\n"},
            {"device_add", "Error: Parameter 'driver' is missing\r\n"},
            {"device_add edu,bus=nosuch", "Error: Bus 'nosuch' not found\r\n"},
            {"device_add edu,id=1x",
             "Parameter 'id' expects an identifier\r\nIdentifiers consist of letters, digits, "
             "'-', '.', '_', starting with a letter.\r\n" +
                 try_help("device_add")},
            {"device_add edu,flag", "warning: short-form boolean option 'flag' deprecated\r\n"
                                    "Please use flag=on instead\r\n"
                                    "Error: Bus 'pcie.0' does not support hotplugging\r\n"},
        });
    ProcessResult r;
    auto got = monitor_answers(kVirt, {"device_add help", "device_add edu,help"}, r);
    ASSERT_EQ(got.size(), 3u) << r.out;
    EXPECT_THAT(got[0], HasSubstr("name \"edu\", bus PCI\r\n"));
    EXPECT_THAT(got[1], HasSubstr("edu options:\r\n"));
    EXPECT_THAT(got[1], HasSubstr("  dma_mask=<uint64>"));
}

// Back ends without a NIC, as QEMU 7.2 lists them (-netdev user,id=n0
// -netdev user,id=n1,net=192.168.5.7/24,restrict=on on qemu-system-riscv64),
// with its warning for each at start-up.
TEST(MonitorCmds, InfoNetworkListsTheBackEnds) {
    ProcessResult r;
    auto got = monitor_answers(with(kVirt, {"-netdev", "user,id=n0", "-netdev",
                                            "user,id=n1,net=192.168.5.7/24,restrict=on"}),
                               {"info network", "help info network"}, r);
    ASSERT_EQ(got.size(), 3u) << r.out;
    EXPECT_EQ(got[0], "n0: index=0,type=user,net=10.0.2.0,restrict=off\r\n"
                      "n1: index=0,type=user,net=192.168.5.0,restrict=on\r\n");
    EXPECT_EQ(got[1], "info network  -- show the network state\r\n");
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_EQ(r.err, "miniqemu: warning: netdev n0 has no peer\n"
                     "miniqemu: warning: netdev n1 has no peer\n");
}

} // namespace
