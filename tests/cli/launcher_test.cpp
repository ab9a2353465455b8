// The options launchers and harnesses pass (-display, -nodefaults, -vga,
// -name, -pidfile, -daemonize, -no-shutdown, -accel, -rtc), driven through the
// real binary and compared with qemu-system-riscv64 7.2.
#include "tests/cli/chardev_fixture.h"

namespace {

// Its own suite (gtest wants one fixture class per suite name).
class CliLauncher : public CliChardev {};
// ---------------------------------------------------------------------------
// The options launchers pass (compared with qemu-system-riscv64 7.2)
// ---------------------------------------------------------------------------

TEST_F(CliLauncher, DisplayAndDefaults) {
    auto r = run(guest_args(kHello) + std::vector<std::string>{"-display", "none"});
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "");

    r = run(guest_args(kHello) + std::vector<std::string>{"-display", "gtk"});
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_EQ(r.err, "miniqemu: Display 'gtk' is not available.\n");
    EXPECT_EQ(r.out, "");

    r = run(guest_args(kHello) + std::vector<std::string>{"-nodefaults"});
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_EQ(r.out, "");

    r = run(guest_args(kHello) + std::vector<std::string>{"-nographic", "-vga", "none"});
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_EQ(r.out, kHelloLine);
    EXPECT_EQ(r.err, "");

    r = run(guest_args(kHello) + std::vector<std::string>{"-nographic", "-vga", "std"});
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_EQ(r.out, kHelloLine);
    EXPECT_EQ(r.err, "miniqemu: warning: A -vga option was passed but this machine type does not "
                     "use that option; No VGA device has been created\n");

    r = run(guest_args(kHello) + std::vector<std::string>{"-nographic", "-name", "foo"});
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_EQ(r.out, kHelloLine);
    EXPECT_EQ(r.err, "");
}

TEST_F(CliLauncher, Accelerators) {
    for (auto args : std::vector<std::vector<std::string>>{
             {"-accel", "tcg"}, {"-accel", "tcg,thread=multi"}, {"-machine", "virt,accel=tcg"}}) {
        SCOPED_TRACE(args.back());
        auto r = run(guest_args(kHello) + std::vector<std::string>{"-nographic"} + args);
        EXPECT_EQ(r.exit_status, 0);
        EXPECT_EQ(r.out, kHelloLine);
        EXPECT_EQ(r.err, "");
    }
    struct Bad {
        std::vector<std::string> args;
        std::string err;
    };
    for (const auto& [args, err] : std::vector<Bad>{
             {{"-accel", "kvm"}, "miniqemu: -accel kvm: invalid accelerator kvm\n"},
             {{"-enable-kvm"}, "miniqemu: invalid accelerator kvm\n"},
             {{"-machine", "accel=kvm"}, "miniqemu: invalid accelerator kvm\n"},
             {{"-accel", "nosuch"}, "miniqemu: -accel nosuch: invalid accelerator nosuch\n"}}) {
        SCOPED_TRACE(args.back());
        auto r = run(guest_args(kHello) + std::vector<std::string>{"-nographic"} + args);
        EXPECT_EQ(r.exit_status, 1);
        EXPECT_EQ(r.out, "");
        EXPECT_EQ(r.err, err);
    }
}

TEST_F(CliLauncher, Rtc) {
    for (std::string base : {"base=utc", "base=2006-06-17T16:01:21"}) {
        auto r = run(guest_args(kHello) + std::vector<std::string>{"-nographic", "-rtc", base});
        EXPECT_EQ(r.exit_status, 0) << base;
        EXPECT_EQ(r.out, kHelloLine);
        EXPECT_EQ(r.err, "");
    }
    auto r = run(guest_args(kHello) + std::vector<std::string>{"-nographic", "-rtc", "base=bogus"});
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_EQ(r.err, "miniqemu: invalid datetime format\n"
                     "valid formats: '2006-06-17T16:01:21' or '2006-06-17'\n");
    r = run(guest_args(kHello) + std::vector<std::string>{"-nographic", "-rtc", "clock=foo"});
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_EQ(r.err, "miniqemu: invalid option value 'foo'\n");
}

std::string read_file(const std::string& p) {
    std::ifstream f(p);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

TEST_F(CliLauncher, Pidfile) {
    std::string pidfile = path("vm.pid"), sock = path("m.sock");
    BackgroundProcess p(
        kBinary, guest_args(kHello) +
                     std::vector<std::string>{"-S", "-display", "none", "-pidfile", pidfile,
                                              "-monitor", "unix:" + sock + ",server=on,wait=off"});
    Conn c = Conn::unix_path(sock);
    ASSERT_TRUE(c.ok()) << p.err();
    EXPECT_EQ(read_file(pidfile), std::to_string(p.pid()) + "\n");
    // A second instance with the same file: QEMU's lock message.
    auto r =
        run(guest_args(kHello) + std::vector<std::string>{"-display", "none", "-pidfile", pidfile});
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_EQ(r.err, "miniqemu: cannot create PID file: Cannot lock pid file: Resource "
                     "temporarily unavailable\n");
    ASSERT_TRUE(c.send("cont\r\n"));
    EXPECT_EQ(p.wait(5s), 0);
    EXPECT_FALSE(fs::exists(pidfile));

    r = run(guest_args(kHello) +
            std::vector<std::string>{"-nographic", "-pidfile", "/nonexistent/dir/p.pid"});
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_EQ(r.err, "miniqemu: cannot create PID file: Could not create '/nonexistent/dir/p.pid': "
                     "No such file or directory\n");
}

TEST_F(CliLauncher, Daemonize) {
    std::string pidfile = path("d.pid"), sock = path("d.sock"), serial = path("serial.txt");
    auto r =
        run(guest_args(kHello) + std::vector<std::string>{"-S", "-daemonize", "-pidfile", pidfile,
                                                          "-serial", "file:" + serial, "-monitor",
                                                          "unix:" + sock + ",server=on,wait=off"});
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "");
    // The child runs on, and wrote its own pid.
    std::string pid = read_file(pidfile);
    ASSERT_FALSE(pid.empty());
    pid_t child = std::stoi(pid);
    EXPECT_EQ(kill(child, 0), 0);
    Conn c = Conn::unix_path(sock);
    ASSERT_TRUE(c.ok());
    c.read_until("(qemu) ");
    ASSERT_TRUE(c.send("cont\r\n"));
    bool eof = false;
    c.read_to_eof(5s, &eof);
    EXPECT_TRUE(eof);
    // It ends with the guest: the pidfile goes, the serial file stays.
    for (int i = 0; i < 250 && fs::exists(pidfile); i++)
        std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(fs::exists(pidfile));
    EXPECT_EQ(read_file(serial), kHelloLine);

    r = run(guest_args(kHello) + std::vector<std::string>{"-daemonize", "-nographic"});
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_EQ(r.err, "miniqemu: -nographic cannot be used with -daemonize\n");
}

// QEMU 7.2's finisher calls exit(): -no-shutdown does not hold the pass.
// The finisher's pass is a guest power-off: under -no-shutdown the VM stops
// and waits (QEMU 8 does this; 7.2 called exit() from the finisher).
TEST_F(CliLauncher, NoShutdownStopsAtTheFinishersPass) {
    std::string sock = path("m.sock");
    BackgroundProcess p(
        kBinary, guest_args(kHello) +
                     std::vector<std::string>{"-display", "none", "-serial", "null", "-no-shutdown",
                                              "-monitor", "unix:" + sock + ",server=on,wait=off"});
    Conn c = Conn::unix_path(sock);
    ASSERT_TRUE(c.ok()) << p.err();
    c.read_until("(qemu) ");
    std::string status;
    for (int i = 0; i < 100; i++) {
        ASSERT_TRUE(c.send("info status\r\n"));
        status = c.read_until("(qemu) ");
        if (status.find("shutdown") != std::string::npos) break;
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_NE(status.find("VM status: paused (shutdown)\r\n"), std::string::npos) << status;
    EXPECT_TRUE(p.running());
    ASSERT_TRUE(c.send("quit\r\n"));
    EXPECT_EQ(p.wait(5s), 0);
}

// -no-reboot turns a reset into a shutdown, and -no-shutdown then stops the
// VM instead of ending the process: QEMU's "paused (shutdown)", which `cont`
// refuses to leave; `quit` ends it.
TEST_F(CliLauncher, NoShutdownStopsOnShutdown) {
    std::string sock = path("m.sock");
    BackgroundProcess p(kBinary, guest_args(kEcho) + std::vector<std::string>{
                                                         "-display", "none", "-serial", "null",
                                                         "-no-reboot", "-no-shutdown", "-monitor",
                                                         "unix:" + sock + ",server=on,wait=off"});
    Conn c = Conn::unix_path(sock);
    ASSERT_TRUE(c.ok()) << p.err();
    c.read_until("(qemu) ");
    auto cmd = [&](const std::string& line) {
        return c.send(line + "\r\n") ? c.read_until("(qemu) ") : std::string("<closed>");
    };
    EXPECT_NE(cmd("info status").find("VM status: running\r\n"), std::string::npos);
    cmd("system_reset");
    std::string status;
    for (int i = 0; i < 50; i++) {
        status = cmd("info status");
        if (status.find("shutdown") != std::string::npos || status == "<closed>") break;
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_NE(status.find("VM status: paused (shutdown)\r\n"), std::string::npos) << status;
    EXPECT_NE(cmd("cont").find("Error: Resetting the Virtual Machine is required\r\n"),
              std::string::npos);
    EXPECT_TRUE(p.running());
    ASSERT_TRUE(c.send("quit\r\n"));
    EXPECT_EQ(p.wait(5s), 0);
}

} // namespace
