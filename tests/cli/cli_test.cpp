// The real binary: QEMU's error wording, exit status 1, and stdout kept clean.
#include "tests/support/process.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
    for (const char* item : {"in_asm ", "int ", "exec ", "cpu ", "mmu ", "unimp ",
                             "guest_errors ", "page ", "qom "}) {
        EXPECT_THAT(r.out, HasSubstr(std::string("\n") + item)) << item;
    }
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

    std::string log = ::testing::TempDir() + "/miniqemu-qom.log";
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
