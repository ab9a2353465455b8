// The monitor fed hostile lines. Every answer below is QEMU 7.2's, byte for
// byte (qemu-system-riscv64 given the same command line and lines), except
// where a comment says otherwise; and after all of them `quit` still ends
// the process normally.
#include "tests/cli/monitor_fixture.h"
#include "tests/support/temp_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

using namespace mq::test;

namespace {

TEST(MonitorArgs, XpRefusesBadFormatsAndAddresses) {
    expect_answers(
        kVirt, {
                   {"xp /-1x 0x80000000", "invalid char in format: '-'\r\n" + try_help("xp")},
                   {"xp /x4 0", "invalid char in format: '4'\r\n" + try_help("xp")},
                   {"xp /4z 0x80000000", "invalid char in format: 'z'\r\n" + try_help("xp")},
                   {"xp /4xq 0x80000000", "invalid char in format: 'q'\r\n" + try_help("xp")},
                   {"xp /1tw 0x80000000", "invalid char in format: 't'\r\n" + try_help("xp")},
                   {"xp", "unexpected end of expression\r\n" + try_help("xp")},
                   {"xp /", "unexpected end of expression\r\n" + try_help("xp")},
                   {"xp /x", "unexpected end of expression\r\n" + try_help("xp")},
                   {"xp /4xg nonsense", "invalid char 'n' in expression\r\n" + try_help("xp")},
                   {"xp /4xg 0x80000000 extra",
                    "xp: extraneous characters at the end of line\r\n" + try_help("xp")},
                   {"xp 0x80000000 /2x",
                    "xp: extraneous characters at the end of line\r\n" + try_help("xp")},
                   {"xp 99999999999999999999", "number too large\r\n" + try_help("xp")},
                   {"xp 1/0", "division by zero\r\n" + try_help("xp")},
                   {"xp 1%0", "division by zero\r\n" + try_help("xp")},
                   {"xp $pc", "unknown register\r\n" + try_help("xp")},
                   {"xp (1", "')' expected\r\n" + try_help("xp")},
                   {"xp 'a", "missing terminating ' character\r\n" + try_help("xp")},
                   {"xp '", "character constant expected\r\n" + try_help("xp")},
                   {"xp 0x", "xp: extraneous characters at the end of line\r\n" + try_help("xp")},
                   {"  xp  /4z 0  ", "invalid char in format: 'z'\r\n" + try_help("  xp")},
               });
}

TEST(MonitorArgs, XpHugeCountsAndAddresses) {
    expect_answers(kVirt,
                   {
                       // QEMU keeps count * size in an int: this one wraps below zero,
                       // and nothing is dumped.
                       {"xp /99999999999999999999x 0x80000000", ""},
                       {"xp /2147483648x 0x80000000", ""},
                       {"xp /1073741824x 0x80000000", ""},
                       // ... and this one wraps to 1.
                       {"xp /4294967297x 0x80000000", "0000000080000000: 0x00000000\r\n"},
                       {"xp /0x 0", ""},
                       {"xp 0xffffffffffffffff", "ffffffffffffffff: Cannot access memory\r\n"},
                       {"xp /2xg 0xfffffffffffffff8", "fffffffffffffff8: Cannot access memory\r\n"},
                       {"xp -1", "ffffffffffffffff: Cannot access memory\r\n"},
                       {"xp 18446744073709551615", "ffffffffffffffff: Cannot access memory\r\n"},
                       {"xp /2xg 0x0", "0000000000000000: Cannot access memory\r\n"},
                   });
}

TEST(MonitorArgs, XpArithmeticWrapsAt64Bits) {
    expect_answers(
        kVirt, {
                   {"xp 9223372036854775807+1", "8000000000000000: Cannot access memory\r\n"},
                   {"xp 0x8000000000000000*2", "0000000000000000: Cannot access memory\r\n"},
                   {"xp -7/2", "fffffffffffffffd: Cannot access memory\r\n"},
                   {"xp -7%2", "ffffffffffffffff: Cannot access memory\r\n"},
                   {"xp ~0", "ffffffffffffffff: Cannot access memory\r\n"},
                   {"xp 'a'", "0000000000000061: Cannot access memory\r\n"},
                   {"xp 010", "0000000000000008: Cannot access memory\r\n"},
                   {"xp (0x1000)", "0000000000001000: 0x00000297\r\n"},
                   {"xp 0x800 * 2", "0000000000001000: 0x00000297\r\n"},
                   // QEMU dies of SIGFPE on these two; here they wrap.
                   {"xp (-9223372036854775807-1)/-1", "8000000000000000: Cannot access memory\r\n"},
                   {"xp (-9223372036854775807-1)%-1", "0000000000000000: Cannot access memory\r\n"},
               });
}

TEST(MonitorArgs, XpCharacterFormatQuotesEachByte) {
    TempFile kernel_file("monitor-chars.bin");
    const std::string& kernel = kernel_file.path();
    FILE* f = std::fopen(kernel.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const char bytes[] = "A'\\\n\r\x7f~ \0\x80\xff\"z";
    std::fwrite(bytes, 1, sizeof(bytes) - 1, f);
    std::fclose(f);
    auto args = kVirt;
    args.insert(args.end(), {"-kernel", kernel});
    expect_answers(
        args,
        {
            {"xp /16cb 0x80000000",
             "0000000080000000: 'A' '\\'' '\\\\' '\\n' '\\r' '\\x7f' '~' ' '\r\n"
             "0000000080000008: '\\x00' '\\x80' '\\xff' '\"' 'z' '\\x00' '\\x00' '\\x00'\r\n"},
            // A 4- or 8-byte size still shows bytes: 16 a line, as QEMU.
            {"xp /2cw 0x80000000",
             "0000000080000000: 'A' '\\'' '\\\\' '\\n' '\\r' '\\x7f' '~' ' '\r\n"},
            {"xp /4cw 0x1000", "0000000000001000: '\\x97' '\\x02' '\\x00' '\\x00' '\\x13' "
                               "'\\x86' '\\x82' '\\x02' 's' '%' '@' '\\xf1' '\\x83' '\\xb5' "
                               "'\\x02' '\\x02'\r\n"},
            {"xp /2cg 0x80000008",
             "0000000080000008: '\\x00' '\\x80' '\\xff' '\"' 'z' '\\x00' '\\x00' '\\x00' "
             "'\\x00' '\\x00' '\\x00' '\\x00' '\\x00' '\\x00' '\\x00' '\\x00'\r\n"},
            {"xp /4cg 0x80000010",
             "0000000080000010: '\\x00' '\\x00' '\\x00' '\\x00' '\\x00' '\\x00' '\\x00' '\\x00' "
             "'\\x00' '\\x00' '\\x00' '\\x00' '\\x00' '\\x00' '\\x00' '\\x00'\r\n"
             "0000000080000020: '\\x00' '\\x00' '\\x00' '\\x00' '\\x00' '\\x00' '\\x00' '\\x00' "
             "'\\x00' '\\x00' '\\x00' '\\x00' '\\x00' '\\x00' '\\x00' '\\x00'\r\n"},
            // Only 8-byte values show a sign.
            {"xp /2dw 0x1008", "0000000000001008: 4047512947   33731971\r\n"},
            {"xp /1dg 0x80000008", "0000000080000008:         524573179904\r\n"},
            {"xp /2ow 0x80000010", "0000000080000010:           0           0\r\n"},
            // Without a format, xp uses the last one given.
            {"xp /2ub 0x80000008", "0000000080000008:   0 128\r\n"},
            {"xp 0x80000008", "0000000080000008:   0\r\n"},
            {"xp /h 0x80000008", "0000000080000008: 32768\r\n"},
            {"xp /x 0x80000008", "0000000080000008: 0x8000\r\n"},
        });
}

TEST(MonitorArgs, InfoArguments) {
    expect_answers(
        kVirt,
        {
            {"info garbage", "unknown command: 'info garbage'\r\n"},
            {"  info   nosuch", "unknown command: '  info   nosuch'\r\n"},
            {"info/x", "unknown command: 'info'\r\n"},
            {"info registers garbage",
             "invalid char 'g' in expression\r\n" + try_help("info registers")},
            {"info registers 99999999999",
             "'registers' has failed: integer is for 32-bit values\r\n" +
                 try_help("info registers")},
            {"info registers ~0", "'registers' has failed: integer is for 32-bit values\r\n" +
                                      try_help("info registers")},
            {"info registers 5", "CPU#5 not available\r\n"},
            {"info registers -1",
             "registers: unsupported option -1\r\n" + try_help("info registers")},
            {"info registers -x",
             "registers: unsupported option -x\r\n" + try_help("info registers")},
            // QEMU prints the missing option letter with %c: its NUL cuts
            // the message short, newline and all.
            {"info registers -", "registers: unsupported option -" + try_help("info registers")},
            {"info registers 0 -a",
             "invalid char 'a' in expression\r\n" + try_help("info registers")},
            {"info status extra",
             "status: extraneous characters at the end of line\r\n" + try_help("info status")},
            {"info mtree -x", "mtree: unsupported option -x\r\n" + try_help("info mtree")},
            {"info mtree garbage",
             "mtree: extraneous characters at the end of line\r\n" + try_help("info mtree")},
            {"info mtree -f -f", "mtree: unsupported option -f\r\n" + try_help("info mtree")},
            {"info mtree -D -f",
             "mtree: extraneous characters at the end of line\r\n" + try_help("info mtree")},
            {"info qom-tree a b",
             "qom-tree: extraneous characters at the end of line\r\n" + try_help("info qom-tree")},
            {"info qom-tree /nonexistent", "Path '/nonexistent' could not be resolved.\r\n"},
            {"info qom-tree \"\"", "Path '' could not be resolved.\r\n"},
            // QEMU prints these two to its stdout, with a bare "\n".
            {"info qom-tree \"/mach",
             "unterminated string\nqom-tree: string expected\r\n" + try_help("info qom-tree")},
            {"info qom-tree \"\\q\"", "unsupported escape code: '\\q'\nqom-tree: string "
                                      "expected\r\n" +
                                          try_help("info qom-tree")},
            {"info qtree x",
             "qtree: extraneous characters at the end of line\r\n" + try_help("info qtree")},
            {"info pci x",
             "pci: extraneous characters at the end of line\r\n" + try_help("info pci")},
            {"  info registers  junk  ",
             "invalid char 'j' in expression\r\n" + try_help("  info registers")},
        });
}

TEST(MonitorArgs, CommandsWithoutArgumentsRefuseExtraWords) {
    expect_answers(
        kVirt,
        {
            {"nosuch", "unknown command: 'nosuch'\r\n"},
            {" nosuch  x", "unknown command: ' nosuch'\r\n"},
            {"stop x", "stop|s: extraneous characters at the end of line\r\n" + try_help("stop")},
            {"s x", "stop|s: extraneous characters at the end of line\r\n" + try_help("s")},
            {"cont x", "cont|c: extraneous characters at the end of line\r\n" + try_help("cont")},
            {"c x", "cont|c: extraneous characters at the end of line\r\n" + try_help("c")},
            {"system_reset x", "system_reset: extraneous characters at the end of line\r\n" +
                                   try_help("system_reset")},
            {"quit x", "quit|q: extraneous characters at the end of line\r\n" + try_help("quit")},
            {"q x", "quit|q: extraneous characters at the end of line\r\n" + try_help("q")},
            {"system_powerdown x",
             "system_powerdown: extraneous characters at the end of line\r\n" +
                 try_help("system_powerdown")},
            {"gdbserver a b",
             "gdbserver: extraneous characters at the end of line\r\n" + try_help("gdbserver")},
            {"gdbserver \"tcp::1",
             "unterminated string\ngdbserver: string expected\r\n" + try_help("gdbserver")},
        });
}

TEST(MonitorArgs, HelpArguments) {
    expect_answers(
        kVirt,
        {
            {"help xp", "xp /fmt addr -- physical memory dump starting at 'addr'\r\n"},
            {"help xp extra", "xp /fmt addr -- physical memory dump starting at 'addr'\r\n"},
            {"? xp", "xp /fmt addr -- physical memory dump starting at 'addr'\r\n"},
            {"help q", "quit|q  -- quit the emulator\r\n"},
            {"help s", "stop|s  -- stop emulation\r\n"},
            {"help info status", "info status  -- show the current VM status (running|paused)\r\n"},
            {"help info nosuch", "unknown command: 'info nosuch'\r\n"},
            {"help nosuch more", "unknown command: 'nosuch'\r\n"},
            {"help \"xp", "unterminated string\n"},
            {"help \"x\\p\"", "unsupported escape code: '\\p'\n"},
            {"help \"\\", std::string("unsupported escape code: '\\") + '\0' + "'\n"},
            {"help a b c d e f g h i j k l m n o p q", ""},
        });
}

TEST(MonitorArgs, OverlongLinesAreCutAt4095Characters) {
    expect_answers(
        kVirt,
        {
            {"xp " + std::string(4090, '0') + " 1",
             "xp: extraneous characters at the end of line\r\n" + try_help("xp")},
            {"xp " + std::string(4091, '0') + " 1", "0000000000000000: Cannot access memory\r\n"},
            {"xp " + std::string(100000, '('), "unexpected end of expression\r\n" + try_help("xp")},
            {"xp " + std::string(100000, '-') + "1",
             "unexpected end of expression\r\n" + try_help("xp")},
            // Strings stop at 1023 characters.
            {"info qom-tree " + std::string(2000, 'a'),
             "Path '" + std::string(1023, 'a') + "' could not be resolved.\r\n"},
        });
}

} // namespace
