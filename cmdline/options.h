// The command line, QEMU's way (QEMU: softmmu/vl.c, qemu-options.hx).
//
// Every option works with one dash or two (-machine, --machine). The
// options themselves are one table (kOptions in options.cpp); CLI11 parses
// against it, and `-h` prints it.
#pragma once

#include "core/error.h"
#include "core/keyval.h"

#include <optional>
#include <string>
#include <vector>

namespace mq {

// One occurrence of an option with an argument, kept with its text so that
// errors can name it: "miniqemu: -device foo: ...".
struct OptionArg {
    std::string option; // "-device"
    std::string value;  // "edu,id=edu1"
    std::string location() const { return option + " " + value; }
};

struct VmOptions {
    std::vector<OptionArg> machine;  // -M/-machine, merged in order
    std::vector<OptionArg> devices;  // -device
    std::optional<OptionArg> memory; // -m
    std::optional<OptionArg> smp;
    std::optional<OptionArg> cpu;   // -cpu model[,prop=value...]
    std::vector<OptionArg> globals; // -global driver.prop=value
    std::optional<std::string> bios, kernel, append, initrd, dtb;
    bool nographic = false;
    bool start_stopped = false;     // -S
    std::optional<std::string> gdb; // -gdb, or tcp::1234 from -s
    std::vector<std::string> serial;
    std::vector<std::string> monitor;
    std::vector<std::string> qmp;
    std::optional<OptionArg> log_items;  // -d
    std::optional<std::string> log_file; // -D
    std::optional<OptionArg> icount;
    std::optional<std::string> qtest;     // -qtest DEV
    std::optional<std::string> qtest_log; // -qtest-log FILE|none
    bool no_reboot = false;
    // What harnesses and launchers pass (cmdline/host-options.cpp).
    std::vector<OptionArg> chardevs; // -chardev
    std::vector<OptionArg> mons;     // -mon
    std::vector<OptionArg> accel;    // -accel
    std::vector<OptionArg> drives;   // -drive
    std::vector<OptionArg> netdevs;  // -netdev
    std::vector<OptionArg> nics;     // -nic
    std::vector<OptionArg> nets;     // -net
    std::vector<OptionArg> objects;  // -object
    std::optional<OptionArg> name, display, vga, rtc, pidfile;
    bool no_shutdown = false;
    bool enable_kvm = false;
    bool nodefaults = false;
    bool daemonize = false;
    bool show_version = false;
    bool show_help = false;
};

// Parses argv. An unknown option or a missing argument is an error whose
// location is the option, in QEMU's wording.
Result<VmOptions> parse_command_line(int argc, const char* const* argv);

// `-h`.
std::string command_line_help(const std::string& program);
std::string version_text();

} // namespace mq
