// The real binary: QEMU's error wording, exit status 1, and stdout kept clean.
#include "tests/support/process.h"
#include "tests/support/temp_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

using namespace mq::test;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

ProcessResult miniqemu(const std::vector<std::string>& args, const std::string& in = {}) {
    return run_process(MINIQEMU_BINARY, args, in);
}

struct ErrorCase {
    std::vector<std::string> args;
    std::string stderr_text;
};

class CliErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(CliErrors, PrintQemusMessageAndExitWithOne) {
    auto r = miniqemu(GetParam().args);
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_EQ(r.err, GetParam().stderr_text);
    EXPECT_EQ(r.out, "") << "stdout belongs to the guest";
}

INSTANTIATE_TEST_SUITE_P(
    Foundation, CliErrors,
    ::testing::Values(
        ErrorCase{{"-foo"}, "miniqemu: -foo: invalid option\n"},
        ErrorCase{{"--foo"}, "miniqemu: --foo: invalid option\n"},
        ErrorCase{{"-M", "none", "disk.img"},
                  "miniqemu: disk.img: Could not open 'disk.img': disk images are not supported\n"},
        ErrorCase{{"-device"}, "miniqemu: -device: requires an argument\n"},
        ErrorCase{{"-M", "none", "-kernel"}, "miniqemu: -kernel: requires an argument\n"},
        ErrorCase{{"-M", "none", "-device", "foo"},
                  "miniqemu: -device foo: 'foo' is not a valid device model name\n"},
        ErrorCase{{"-M", "none", "--device", "foo,x=1"},
                  "miniqemu: --device foo,x=1: 'foo' is not a valid device model name\n"},
        ErrorCase{{"-M", "none", "-device", "id=x"},
                  "miniqemu: -device id=x: Parameter 'driver' is missing\n"},
        ErrorCase{{"-M", "none", "-device", "device"},
                  "miniqemu: -device device: Parameter 'driver' expects a non-abstract device "
                  "type\n"},
        ErrorCase{{"-M", "none", "-device", "foo,id=1x"},
                  "miniqemu: -device foo,id=1x: Parameter 'id' expects an identifier\n"
                  "Identifiers consist of letters, digits, '-', '.', '_', starting with a "
                  "letter.\n"},
        ErrorCase{{"-M", "nosuch"},
                  "miniqemu: unsupported machine type\nUse -machine help to list supported "
                  "machines\n"},
        ErrorCase{{"-M", "none,foo=1"}, "miniqemu: Property 'none-machine.foo' not found\n"},
        ErrorCase{{"-M", "none", "-d", "nosuch"},
                  "miniqemu: -d nosuch: unknown log item 'nosuch'\nUse -d help to list the log "
                  "items.\n"},
        ErrorCase{{"-M", "none", "-D", "/nonexistent/dir/log"},
                  "miniqemu: Error opening logfile /nonexistent/dir/log: No such file or "
                  "directory\n"},
        ErrorCase{{"-M", "none", "-m", "lots"},
                  "miniqemu: -m lots: Parameter 'size' expects a non-negative number below 2^64\n"
                  "Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\n"
                  "and exabytes, respectively.\n"},
        ErrorCase{{"-M", "none", "-m", "size=1G,slots=2"},
                  "miniqemu: -m size=1G,slots=2: Invalid parameter 'slots'\n"},
        ErrorCase{{"-M", "none", "-smp", "4"},
                  "miniqemu: Invalid SMP CPUs 4. The max CPUs supported by machine 'none' is "
                  "1\n"}));

// -netdev, -nic and -net, against qemu-system-riscv64 7.2's words.
INSTANTIATE_TEST_SUITE_P(
    Network, CliErrors,
    ::testing::Values(
        ErrorCase{{"-M", "none", "-netdev", "user"},
                  "miniqemu: -netdev user: Parameter 'id' is missing\n"},
        ErrorCase{{"-M", "none", "-netdev", "id=n0"},
                  "miniqemu: -netdev id=n0: Parameter 'type' is missing\n"},
        ErrorCase{{"-M", "none", "-netdev", "foo,id=n0"},
                  "miniqemu: -netdev foo,id=n0: Parameter 'type' does not accept value 'foo'\n"},
        ErrorCase{{"-M", "none", "-netdev", "socket,id=n0"},
                  "miniqemu: -netdev socket,id=n0: network backend 'socket' is not compiled "
                  "into this binary\n"},
        ErrorCase{{"-M", "none", "-netdev", "tap,id=n0"},
                  "miniqemu: -netdev tap,id=n0: network backend 'tap' is not compiled into this "
                  "binary\n"},
        ErrorCase{{"-M", "none", "-netdev", "user,id=n0,bogus=1"},
                  "miniqemu: -netdev user,id=n0,bogus=1: Invalid parameter 'bogus'\n"},
        ErrorCase{{"-M", "none", "-netdev", "user,id=1n"},
                  "miniqemu: -netdev user,id=1n: Parameter 'id' expects an identifier\n"
                  "Identifiers consist of letters, digits, '-', '.', '_', starting with a "
                  "letter.\n"},
        ErrorCase{{"-M", "none", "-netdev", "user,id=n0", "-netdev", "user,id=n0"},
                  "miniqemu: -netdev user,id=n0: Duplicate ID 'n0' for netdev\n"},
        ErrorCase{{"-M", "none", "-netdev", "user,id=n0,hostfwd=tcp::abc-:22"},
                  "miniqemu: -netdev user,id=n0,hostfwd=tcp::abc-:22: Invalid host forwarding "
                  "rule 'tcp::abc-:22' (Bad host port)\n"},
        ErrorCase{{"-M", "none", "-netdev", "user,id=n0,hostfwd=foo"},
                  "miniqemu: -netdev user,id=n0,hostfwd=foo: Invalid host forwarding rule 'foo' "
                  "(No : separators)\n"},
        ErrorCase{{"-M", "none", "-netdev", "user,id=n0,net=10.0.2.0/33"},
                  "miniqemu: -netdev user,id=n0,net=10.0.2.0/33: Invalid netmask provided (must "
                  "be in range 4-32)\n"},
        ErrorCase{{"-M", "none", "-netdev", "user,id=n0,restrict=maybe"},
                  "miniqemu: -netdev user,id=n0,restrict=maybe: Parameter 'restrict' expects "
                  "'on' or 'off'\n"},
        ErrorCase{{"-M", "none", "-nic", "help"},
                  "miniqemu: -nic help: Parameter 'type' does not accept value 'help'\n"},
        ErrorCase{{"-M", "none", "-nic", "foo"},
                  "miniqemu: -nic foo: Parameter 'type' does not accept value 'foo'\n"},
        ErrorCase{{"-M", "none", "-nic", "user,mac=zz"},
                  "miniqemu: -nic user,mac=zz: invalid syntax for ethernet address\n"},
        ErrorCase{{"-M", "none", "-nic", "user,mac=01:00:00:00:00:00"},
                  "miniqemu: -nic user,mac=01:00:00:00:00:00: NIC cannot have multicast MAC "
                  "address\n"},
        ErrorCase{{"-M", "none", "-nic", "user,bogus=1"},
                  "miniqemu: -nic user,bogus=1: Invalid parameter 'bogus'\n"},
        ErrorCase{{"-M", "none", "-netdev", "user,id=n0", "-nic", "user,id=n0"},
                  "miniqemu: -nic user,id=n0: Duplicate ID 'n0'\n"},
        ErrorCase{{"-M", "none", "-net", "foo"},
                  "miniqemu: -net foo: Parameter 'type' does not accept value 'foo'\n"},
        ErrorCase{{"-M", "none", "-net", "nic,macaddr=zz"},
                  "miniqemu: -net nic,macaddr=zz: invalid syntax for ethernet address\n"},
        ErrorCase{{"-M", "none", "-net", "nic,bogus=1"},
                  "miniqemu: -net nic,bogus=1: Invalid parameter 'bogus'\n"},
        ErrorCase{{"-M", "none", "-net", "user,bogus=1"},
                  "miniqemu: -net user,bogus=1: Invalid parameter 'bogus'\n"}));

// An empty word is a value like any other, as in QEMU: never a missing one,
// and the option after it stays an option.
INSTANTIATE_TEST_SUITE_P(
    EmptyValues, CliErrors,
    ::testing::Values(
        ErrorCase{{"-M", "virt", "-serial", ""},
                  "miniqemu: -serial : '' is not a valid char driver\n"
                  "miniqemu: -serial : could not connect serial device to character backend "
                  "''\n"},
        ErrorCase{{"-M", "virt", "-serial", "", "-monitor", "stdio"},
                  "miniqemu: -serial : '' is not a valid char driver\n"
                  "miniqemu: -serial : could not connect serial device to character backend "
                  "''\n"},
        ErrorCase{{"-M", "virt", "-monitor", ""},
                  "miniqemu: -monitor : '' is not a valid char driver\n"
                  "miniqemu: -monitor : parse error: \n"},
        ErrorCase{{"-M", "virt", "-qmp", ""},
                  "miniqemu: -qmp : '' is not a valid char driver\n"
                  "miniqemu: -qmp : parse error: \n"},
        ErrorCase{{"-M", "none", "-D", ""},
                  "miniqemu: Error opening logfile : No such file or directory\n"},
        ErrorCase{{"-D", "", "-M", "none"},
                  "miniqemu: Error opening logfile : No such file or directory\n"},
        ErrorCase{{"-M", "virt", "-bios", "none", "-kernel", ""},
                  "miniqemu: could not load kernel '': No such file or directory\n"},
        ErrorCase{{"-M", "none", "-device", ""},
                  "miniqemu: -device : Parameter 'driver' is missing\n"},
        ErrorCase{{"-M", "", "-device", "foo"},
                  "miniqemu: -device foo: 'foo' is not a valid device model name\n"},
        ErrorCase{{"-M", "virt", "-append", ""},
                  "miniqemu: -append only allowed with -kernel option\n"},
        ErrorCase{{"-M", "none", "-append", "console=ttyS0"},
                  "miniqemu: -append only allowed with -kernel option\n"},
        ErrorCase{{"-M", "virt", "-initrd", ""},
                  "miniqemu: -initrd only allowed with -kernel option\n"},
        ErrorCase{{"-M", "virt", "-icount", "align=on"},
                  "miniqemu: -icount align=on: Please specify shift option when using align\n"}));

INSTANTIATE_TEST_SUITE_P(
    Virt, CliErrors,
    ::testing::Values(
        ErrorCase{{"-M", "virt", "-device", "edu,foo=1"},
                  "miniqemu: -device edu,foo=1: Property 'edu.foo' not found\n"},
        ErrorCase{{"-M", "none", "-device", "edu"},
                  "miniqemu: -device edu: No 'PCI' bus found for device 'edu'\n"},
        ErrorCase{{"-M", "virt", "-device", "edu,bus=nope"},
                  "miniqemu: -device edu,bus=nope: Bus 'nope' not found\n"},
        ErrorCase{
            {"-M", "virt", "-device", "edu,bus=main-system-bus"},
            "miniqemu: -device edu,bus=main-system-bus: Device 'edu' can't go on System bus\n"},
        ErrorCase{{"-M", "virt", "-device", "edu,addr=zz"},
                  "miniqemu: -device edu,addr=zz: Property 'edu.addr' doesn't take value 'zz'\n"},
        ErrorCase{{"-M", "virt", "-device", "edu,addr=32"},
                  "miniqemu: -device edu,addr=32: Property 'edu.addr' doesn't take value '32'\n"},
        ErrorCase{{"-M", "virt", "-device", "edu,id=a", "-device", "edu,id=a"},
                  "miniqemu: -device edu,id=a: Duplicate ID 'a' for device\n"},
        ErrorCase{{"-M", "virt", "-device", "edu,addr=2", "-device", "pci-testdev,addr=2"},
                  "miniqemu: -device pci-testdev,addr=2: PCI: slot 2 function 0 not available for "
                  "pci-testdev, in use by edu,id=(null)\n"},
        ErrorCase{{"-M", "virt", "-device", "edu,dma_mask=abc"},
                  "miniqemu: -device edu,dma_mask=abc: Parameter 'dma_mask' expects integer\n"},
        ErrorCase{{"-M", "virt", "-device", "pci-testdev,membar=3"},
                  "miniqemu: -device pci-testdev,membar=3: membar size 3 is not a power of two\n"},
        ErrorCase{{"-M", "virt", "-device", "pci-device"},
                  "miniqemu: -device pci-device: Parameter 'driver' expects a non-abstract device "
                  "type\n"},
        ErrorCase{
            {"-M", "virt", "-device", "gpex-root"},
            "miniqemu: -device gpex-root: Parameter 'driver' expects a pluggable device type\n"},
        ErrorCase{{"-M", "virt", "-bios", "none", "-kernel", "/nonexistent/kernel.elf"},
                  "miniqemu: could not load kernel '/nonexistent/kernel.elf': No such file or "
                  "directory\n"},
        ErrorCase{{"-M", "virt", "-bios", "/nonexistent/fw.bin"},
                  "miniqemu: Unable to load the RISC-V firmware \"/nonexistent/fw.bin\"\n"},
        ErrorCase{{"-M", "virt", "-serial", "foo"},
                  "miniqemu: -serial foo: 'foo' is not a valid char driver\n"
                  "miniqemu: -serial foo: could not connect serial device to character backend "
                  "'foo'\n"},
        ErrorCase{{"-M", "virt", "-monitor", "foo"},
                  "miniqemu: -monitor foo: 'foo' is not a valid char driver\n"
                  "miniqemu: -monitor foo: parse error: foo\n"},
        ErrorCase{{"-M", "virt", "-nographic", "-serial", "stdio"},
                  "miniqemu: -serial stdio: cannot use stdio by multiple character devices\n"
                  "miniqemu: -serial stdio: could not connect serial device to character backend "
                  "'stdio'\n"},
        ErrorCase{{"-M", "virt", "-icount", "shift=auto"},
                  "miniqemu: -icount shift=auto: shift=auto is not supported; give a number of "
                  "bits\n"},
        // QMP takes stdio before the serial port's default does.
        ErrorCase{{"-M", "virt", "-qmp", "stdio"},
                  "miniqemu: cannot use stdio by multiple character devices\n"
                  "miniqemu: could not connect serial device to character backend 'stdio'\n"},
        ErrorCase{
            {"-M", "virt", "-smp", "9"},
            "miniqemu: Invalid SMP CPUs 9. The max CPUs supported by machine 'virt' is 8\n"}));

// -cpu: QEMU's wording for each kind of mistake (its realize messages for
// impossible combinations; "can't apply global" for a property).
INSTANTIATE_TEST_SUITE_P(
    CpuOption, CliErrors,
    ::testing::Values(
        ErrorCase{{"-M", "virt", "-cpu", "foo"}, "miniqemu: unable to find CPU model 'foo'\n"},
        ErrorCase{{"-M", "virt", "-cpu", ""}, "miniqemu: -cpu option cannot be empty\n"},
        ErrorCase{{"-M", "virt", "-cpu", "rv64,zba"},
                  "miniqemu: Expected key=value format, found zba.\n"},
        ErrorCase{{"-M", "virt", "-cpu", "rv64,foo=on"},
                  "miniqemu: can't apply global rv64-riscv-cpu.foo=on: Property "
                  "'rv64-riscv-cpu.foo' not found\n"},
        ErrorCase{{"-M", "virt", "-cpu", "rv64,m=maybe"},
                  "miniqemu: can't apply global rv64-riscv-cpu.m=maybe: Parameter 'm' expects "
                  "'on' or 'off'\n"},
        ErrorCase{{"-M", "virt", "-cpu", "rv64,f=off"},
                  "miniqemu: D extension requires F extension\n"},
        ErrorCase{{"-M", "virt", "-cpu", "rv64,f=off,d=off"},
                  "miniqemu: Zfh/Zfhmin extensions require F extension\n"},
        ErrorCase{{"-M", "virt", "-cpu", "rv64,f=off,d=off,Zfh=off"},
                  "miniqemu: Zfh/Zfhmin extensions require F extension\n"},
        ErrorCase{{"-M", "virt", "-cpu", "rv64,i=off"},
                  "miniqemu: Either I or E extension must be set\n"},
        ErrorCase{{"-M", "virt", "-cpu", "rv64,Zicsr=off"},
                  "miniqemu: F extension requires Zicsr\n"},
        ErrorCase{{"-M", "virt", "-cpu", "rv64,cbom_blocksize=63"},
                  "miniqemu: Zicbom block size must be a power of two between 1 and 4096, not "
                  "63\n"},
        ErrorCase{{"-M", "virt", "-cpu", "rv64,s=off"},
                  "miniqemu: miniqemu's harts always have S and U modes: s=off and u=off are "
                  "not supported\n"},
        ErrorCase{{"-M", "virt", "-cpu", "rv64,v=on"},
                  "miniqemu: can't apply global rv64-riscv-cpu.v=on: the V extension is not "
                  "implemented by miniqemu\n"},
        ErrorCase{{"-M", "virt", "-global", "foo"},
                  "miniqemu: -global foo: Invalid parameter 'foo'\n"},
        ErrorCase{{"-M", "virt", "-global", "rv64-riscv-cpu.f=off"},
                  "miniqemu: D extension requires F extension\n"}));

TEST(Cli, CpuHelpListsTheModels) {
    auto r = miniqemu({"-cpu", "help"});
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_EQ(r.out, "rv64\nmax\n");
    EXPECT_EQ(r.err, "");
}

// -d cpu says what each hart implements before it runs: misa and the ISA.
TEST(Cli, LogCpuShowsTheChosenIsa) {
    TempFile log_file("dcpu.log"), dtb_file("dcpu.dtb");
    const std::string &log = log_file.path(), &dtb = dtb_file.path();
    auto r = miniqemu({"-M", "virt,dumpdtb=" + dtb, "-cpu",
                       "rv64,zba=off,zbb=off,zbc=off,zbs=off,f=off,d=off,zfh=off,zfhmin=off", "-d",
                       "cpu", "-D", log});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    std::ifstream in(log);
    std::string first;
    std::getline(in, first);
    EXPECT_THAT(first, StartsWith("cpu: hart 0: misa 0x8000000000141105 rv64imac_zicbom_"));
    EXPECT_THAT(first, Not(HasSubstr("zba")));
}

TEST(Cli, DefaultGuestRunsWithoutKernelOrBios) {
    auto r = miniqemu({"-M", "virt", "-device", "edu,id=edu1,dma_mask=0xffffffff", "-nographic"});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    EXPECT_THAT(r.out, StartsWith("miniqemu default guest"));
    EXPECT_THAT(r.out, HasSubstr("edu: identification 0x010000ed (version 1.0)\n"));
    EXPECT_THAT(r.out, HasSubstr("edu: DMA RAM -> device -> RAM of 64 bytes: correct\n"));
    EXPECT_EQ(r.err, "");
}

TEST(Cli, DumpDtbWritesTheTreeAndExits) {
    TempFile dtb_file("virt.dtb");
    const std::string& dtb = dtb_file.path();
    auto r = miniqemu({"-M", "virt,dumpdtb=" + dtb, "-m", "256M"});
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "miniqemu: info: dtb dumped to " + dtb + ". Exiting.\n");
    FILE* f = fopen(dtb.c_str(), "rb");
    ASSERT_NE(f, nullptr);
    unsigned char magic[4] = {};
    EXPECT_EQ(fread(magic, 1, 4, f), 4u);
    fclose(f);
    EXPECT_EQ(magic[0], 0xd0); // FDT magic 0xd00dfeed, big-endian
    EXPECT_EQ(magic[3], 0xed);
}

TEST(Cli, MonitorOnStdioAnswersInfoCommands) {
    auto r = miniqemu(
        {"-M", "virt", "-device", "edu,id=edu1", "-S", "-monitor", "stdio", "-serial", "null"},
        "info status\ninfo pci\ninfo qom-tree\nquit\n");
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_THAT(r.out, HasSubstr("(qemu) info status\r\nVM status: paused (prelaunch)\r\n"));
    EXPECT_THAT(r.out, HasSubstr("    Class 0255: PCI device 1234:11e8\r\n"));
    EXPECT_THAT(r.out, HasSubstr("      id \"edu1\"\r\n"));
    EXPECT_THAT(r.out, HasSubstr("  /peripheral (container)\r\n    /edu1 (edu)\r\n"));
}

TEST(Cli, NographicMuxSwitchesToTheMonitorWithCtrlAC) {
    auto r = miniqemu({"-M", "virt", "-S", "-nographic"}, "\x01"
                                                          "cinfo status\nquit\n");
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_THAT(r.out, StartsWith("miniqemu " MINIQEMU_VERSION_STRING
                                  " monitor - type 'help' for more information\r\n(qemu) "));
    EXPECT_THAT(r.out, HasSubstr("VM status: paused (prelaunch)\r\n"));
    auto x = miniqemu({"-M", "virt", "-S", "-nographic"}, "\x01x");
    EXPECT_EQ(x.exit_status, 0);
    EXPECT_EQ(x.out, "QEMU: Terminated\n\r");
}

// What QEMU accepts empty: -M '' (no options: the machine given before, or
// the default), -m '', -smp '' and -icount '' (the defaults), and -append ''
// (an empty kernel command line: no bootargs).
TEST(Cli, EmptyValuesQemuAccepts) {
    const std::vector<std::string> monitor = {"-bios", "none",    "-S",  "-monitor",
                                              "stdio", "-serial", "none"};
    for (const auto& extra : std::vector<std::vector<std::string>>{{"-M", "virt", "-M", ""},
                                                                   {"-M", "", "-M", "virt"},
                                                                   {"-M", "virt", "-m", ""},
                                                                   {"-M", "virt", "-smp", ""},
                                                                   {"-M", "virt", "-icount", ""}}) {
        auto args = extra;
        args.insert(args.end(), monitor.begin(), monitor.end());
        auto r = miniqemu(args, "info qom-tree\ninfo status\nquit\n");
        SCOPED_TRACE(::testing::PrintToString(extra));
        EXPECT_EQ(r.exit_status, 0);
        EXPECT_EQ(r.err, "");
        EXPECT_THAT(r.out, HasSubstr("(qemu) info qom-tree\r\n/machine (virt-machine)\r\n"));
        EXPECT_THAT(r.out, HasSubstr("\r\nVM status: paused (prelaunch)\r\n"));
    }

    TempFile kernel_file("empty-append.bin");
    const std::string& kernel = kernel_file.path();
    FILE* f = fopen(kernel.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const unsigned char jump_to_self[] = {0x6f, 0x00, 0x00, 0x00};
    fwrite(jump_to_self, 1, sizeof(jump_to_self), f);
    fclose(f);
    auto has_bootargs = [&](const std::string& append) {
        TempFile dtb_file("empty-append.dtb");
        const std::string& dtb = dtb_file.path();
        auto r = miniqemu(
            {"-M", "virt,dumpdtb=" + dtb, "-bios", "none", "-kernel", kernel, "-append", append});
        EXPECT_EQ(r.exit_status, 0) << r.err;
        FILE* fp = fopen(dtb.c_str(), "rb");
        if (!fp) return false;
        std::string blob(1 << 20, '\0');
        blob.resize(fread(blob.data(), 1, blob.size(), fp));
        fclose(fp);
        return blob.find("bootargs") != std::string::npos;
    };
    EXPECT_FALSE(has_bootargs(""));
    EXPECT_TRUE(has_bootargs("console=ttyS0"));
}

TEST(Cli, DeviceHelpListsTheVirtDevices) {
    auto r = miniqemu({"-device", "help"});
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_THAT(r.out, HasSubstr("Misc devices:\nname \"edu\", bus PCI\nname \"pci-testdev\", "
                                 "bus PCI, desc \"PCI Test Device\"\n"));
    auto edu = miniqemu({"-device", "edu,help"});
    EXPECT_EQ(edu.exit_status, 0);
    EXPECT_THAT(edu.out, StartsWith("edu options:\n"));
    EXPECT_THAT(edu.out, HasSubstr("  addr=<int32>           - Slot and optional function number, "
                                   "example: 06.0 or 06 (default: -1)\n"));
    EXPECT_THAT(edu.out, HasSubstr("  dma_mask=<uint64>      - "));
}

TEST(Cli, OneOrTwoDashes) {
    // The empty machine waits for the monitor, on stdio as with -nographic.
    const std::string commands = "info qom-tree\nquit\n";
    auto one = miniqemu({"-machine", "none"}, commands);
    auto two = miniqemu({"--machine", "none"}, commands);
    auto shorthand = miniqemu({"-M", "none"}, commands);
    EXPECT_EQ(one.exit_status, 0);
    EXPECT_EQ(one.out, two.out);
    EXPECT_EQ(one.out, shorthand.out);
    EXPECT_THAT(one.out, HasSubstr("(qemu) info qom-tree\r\n/machine (none-machine)\r\n"));
}

TEST(Cli, MachineHelp) {
    for (const char* form : {"help", "?"}) {
        auto r = miniqemu({"-M", form});
        EXPECT_EQ(r.exit_status, 0);
        EXPECT_THAT(r.out, StartsWith("Supported machines are:\n"));
        EXPECT_THAT(r.out, HasSubstr("\nnone                 empty machine\n"));
    }
    auto props = miniqemu({"-M", "none,help"});
    EXPECT_EQ(props.exit_status, 0);
    EXPECT_THAT(props.out, StartsWith("none-machine options:\n"));
    EXPECT_THAT(props.out,
                HasSubstr("  dumpdtb=<string>       - Dump current dtb to a file and quit\n"));
}

TEST(Cli, LogHelpListsItems) {
    auto r = miniqemu({"-d", "help"});
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_THAT(r.out, StartsWith("Log items (comma separated):\n"));
    for (const char* item :
         {"in_asm ", "int ", "exec ", "cpu ", "mmu ", "unimp ", "guest_errors ", "page ", "qom "}) {
        EXPECT_THAT(r.out, HasSubstr(std::string("\n") + item)) << item;
    }
}

// QEMU prints the list on stdout and exits, leaving out qtest (for tests
// only); an -accel that names no accelerator asks for the list too.
TEST(Cli, AccelHelpListsTcg) {
    for (const auto& args :
         std::vector<std::vector<std::string>>{{"-accel", "help"},
                                               {"-accel", "?"},
                                               {"-M", "virt", "-accel", "thread=single"},
                                               {"-M", "nosuch", "-accel", "help"}}) {
        SCOPED_TRACE(::testing::PrintToString(args));
        auto r = miniqemu(args);
        EXPECT_EQ(r.exit_status, 0);
        EXPECT_EQ(r.out, "Accelerators supported in QEMU binary:\ntcg\n");
        EXPECT_EQ(r.err, "");
    }
}

// QEMU prints the back-end types it was built with; the NIC models are the
// PCI NICs that -nic and -net nic can plug into virt.
TEST(Cli, NetdevAndNicModelHelp) {
    struct Case {
        std::vector<std::string> args;
        std::string out;
    };
    for (const auto& c : std::vector<Case>{
             {{"-netdev", "help"}, "Available netdev backend types:\nuser\n"},
             {{"-netdev", "?"}, "Available netdev backend types:\nuser\n"},
             {{"-nic", "model=help"}, "Available NIC models:\nvirtio-net-pci\n"},
             {{"-nic", "user,model=?"}, "Available NIC models:\nvirtio-net-pci\n"},
             {{"-net", "nic,model=help"}, "Available NIC models:\nvirtio-net-pci\n"}}) {
        SCOPED_TRACE(::testing::PrintToString(c.args));
        auto r = miniqemu(c.args);
        EXPECT_EQ(r.exit_status, 0);
        EXPECT_EQ(r.out, c.out);
        EXPECT_EQ(r.err, "");
    }
}

// A host port that is taken: slirp cannot listen on it.
TEST(Cli, HostfwdOnABusyPortFails) {
    std::string rule = "tcp::2222-:22";
    auto first = std::vector<std::string>{"-M",      "none",
                                          "-netdev", "user,id=n0,hostfwd=" + rule,
                                          "-netdev", "user,id=n1,hostfwd=" + rule};
    auto r = miniqemu(first);
    EXPECT_EQ(r.exit_status, 1);
    // Port 2222 may be busy on the test machine already: then n0 fails.
    EXPECT_THAT(r.err,
                ::testing::EndsWith(": Could not set up host forwarding rule '" + rule + "'\n"));
}

// -nic builds a back end and asks for a NIC with the next default MAC; the
// board without PCI (none) cannot take it, whether or not the device model
// exists yet, and the error names the device text that -nic made.
TEST(Cli, NicUserAsksForAVirtioNetPci) {
    auto r = miniqemu({"-M", "none", "-nic", "user", "-nic", "user,mac=52:54:00:12:34:99"});
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_THAT(r.err, StartsWith("miniqemu: -device "
                                  "virtio-net-pci,netdev=__org.qemu.nic0,mac=52:54:00:12:34:56: "));
}

TEST(Cli, HelpAndVersion) {
    for (const char* flag : {"-h", "-help", "--help"}) {
        auto r = miniqemu({flag});
        EXPECT_EQ(r.exit_status, 0);
        EXPECT_THAT(r.out, HasSubstr("usage: miniqemu [options]\n"));
        EXPECT_THAT(r.out, HasSubstr("\n-device driver[,prop[=value][,...]]\n"
                                     "                add device (based on driver)\n"));
        EXPECT_THAT(r.out, HasSubstr("\n-nographic      disable graphical output"));
    }
    auto v = miniqemu({"-version"});
    EXPECT_EQ(v.exit_status, 0);
    EXPECT_THAT(v.out, StartsWith("miniqemu emulator version "));
}

TEST(Cli, QomNarrationGoesToStderrOrTheLogFile) {
    auto r = miniqemu({"-M", "none", "-d", "qom"}, "quit\n");
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_THAT(r.err, HasSubstr("qom: type_register 'device' (parent 'object') abstract\n"));
    EXPECT_THAT(r.err, HasSubstr("qom: class_init 'none-machine': object -> machine -> "
                                 "none-machine (class copied from 'machine')\n"));
    EXPECT_THAT(r.err, HasSubstr("qom: object_new 'none-machine': instance_init object -> "
                                 "machine -> none-machine\n"));
    EXPECT_THAT(r.out, ::testing::Not(HasSubstr("qom:")));

    TempFile log_file("qom.log");
    const std::string& log = log_file.path();
    auto f = miniqemu({"-M", "none", "-d", "qom", "-D", log}, "quit\n");
    EXPECT_EQ(f.exit_status, 0);
    EXPECT_EQ(f.err, "");
    FILE* fp = fopen(log.c_str(), "r");
    ASSERT_NE(fp, nullptr);
    std::string text(1 << 16, '\0');
    text.resize(fread(text.data(), 1, text.size(), fp));
    fclose(fp);
    EXPECT_THAT(text, HasSubstr("qom: add child /machine (none-machine)\n"));
}

} // namespace
