// Character devices and the options launchers pass, driven as a user would:
// the real binary, with sockets, ptys and fifos the test opens itself, and
// the guests the build makes (hello.elf prints a line and exits through the
// finisher; echo.elf echoes its input until '~'). Expected outputs are QEMU
// 7.2's (shared/specs/qemu-reference/chardev-errors.txt, and the installed
// qemu-system-riscv64 where the transcripts say nothing).
//
// Every port is picked free per test, every unix socket lives in the test's
// own temporary directory, and every wait is bounded.
#include "tests/cli/chardev_fixture.h"

namespace {

// ---------------------------------------------------------------------------
// The error table (chardev-errors.txt): exact stderr and status
// ---------------------------------------------------------------------------

struct ErrorCase {
    std::vector<std::string> args;
    std::string err;
    bool stdout_empty = true; // QEMU printed its monitor banner there; ours differs
};

TEST_F(CliChardev, ErrorTable) {
    std::string nosuch = path("nosuch.sock");
    std::string xsock = path("x.sock");
    int refused = free_tcp_port();
    std::string p = std::to_string(refused);
    std::vector<ErrorCase> cases = {
        {{"-chardev", "socket,id=c0"},
         "miniqemu: -chardev socket,id=c0: Unable to parse FD number \n"},
        {{"-chardev", "socket,id=c0,path=" + nosuch},
         "miniqemu: -chardev socket,id=c0,path=" + nosuch + ": Failed to connect to '" + nosuch +
             "': No such file or directory\n"},
        {{"-chardev", "socket,id=c0,host=127.0.0.1,port=" + p},
         "miniqemu: -chardev socket,id=c0,host=127.0.0.1,port=" + p +
             ": Failed to connect to '127.0.0.1:" + p + "': Connection refused\n"},
        {{"-chardev", "null"}, "miniqemu: -chardev null: chardev: no id specified\n"},
        {{"-chardev", "foo,id=x"},
         "miniqemu: -chardev foo,id=x: 'foo' is not a valid char driver name\n"},
        {{"-mon", "chardev=nosuch"},
         "miniqemu: -mon chardev=nosuch: chardev \"nosuch\" not found\n"},
        // QEMU's case is -qmp; -monitor takes the same chardev and says the same.
        {{"-monitor", "unix:/nonexistent/dir/s,server=on"},
         "miniqemu: -monitor unix:/nonexistent/dir/s,server=on: Failed to bind socket to "
         "/nonexistent/dir/s: No such file or directory\n"},
        {{"-monitor", "unix:/nonexistent/dir/s,server=on,wait=off"},
         "miniqemu: -monitor unix:/nonexistent/dir/s,server=on,wait=off: Failed to bind socket to "
         "/nonexistent/dir/s: No such file or directory\n"},
        {{"-monitor", "nosuch:x"},
         "miniqemu: -monitor nosuch:x: 'nosuch:x' is not a valid char driver\n"
         "miniqemu: -monitor nosuch:x: parse error: nosuch:x\n"},
        {{"-chardev", "null,id=c0", "-chardev", "null,id=c0"},
         "miniqemu: -chardev null,id=c0: Duplicate ID 'c0' for chardev\n"},
        {{"-serial", "nosuch:x"},
         "miniqemu: -serial nosuch:x: 'nosuch:x' is not a valid char driver\n"
         "miniqemu: -serial nosuch:x: could not connect serial device to character backend "
         "'nosuch:x'\n",
         false},
        {{"-serial", "stdio"},
         "miniqemu: -serial stdio: cannot use stdio by multiple character devices\n"
         "miniqemu: -serial stdio: could not connect serial device to character backend 'stdio'\n",
         false},
        {{"-monitor", "stdio"},
         "miniqemu: cannot use stdio by multiple character devices\n"
         "miniqemu: could not connect serial device to character backend 'stdio'\n",
         false},
        {{"-chardev", "socket,id=c0,path=" + xsock + ",server=on,wait=off,nosuch=1"},
         "miniqemu: -chardev socket,id=c0,path=" + xsock +
             ",server=on,wait=off,nosuch=1: Invalid parameter 'nosuch'\n"},
        {{"-chardev", "socket,id=c0,port=" + p},
         "miniqemu: -chardev socket,id=c0,port=" + p + ": Unable to parse FD number \n"},
        {{"-chardev", "socket,id=c0,host=127.0.0.1"},
         "miniqemu: -chardev socket,id=c0,host=127.0.0.1: chardev: socket: no port given\n"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.args.back());
        auto r = run(base_args() + c.args);
        EXPECT_EQ(r.exit_status, 1);
        EXPECT_EQ(r.err, c.err);
        if (c.stdout_empty) {
            EXPECT_EQ(r.out, "");
        }
    }
}

// Cases QEMU starts: they run until a signal, silent.
TEST_F(CliChardev, ServerOnUnixPathStartsAndTerminatesOnSignal) {
    BackgroundProcess p(
        kBinary,
        base_args() + std::vector<std::string>{"-chardev", "socket,id=c0,path=" + path("ok.sock") +
                                                               ",server=on,wait=off"});
    ASSERT_TRUE(p.wait_for([&](auto&, auto&) { return fs::exists(path("ok.sock")); }, 5s));
    EXPECT_TRUE(p.running());
    p.kill(SIGTERM);
    EXPECT_EQ(p.wait(5s), 0);
    EXPECT_EQ(p.out(), "");
    // QEMU: "terminating on signal 15 from pid N (NAME)", NAME the sender's argv[0].
    std::regex want("miniqemu: terminating on signal 15 from pid " + std::to_string(getpid()) +
                    " \\(.+\\)\n");
    EXPECT_TRUE(std::regex_match(p.err(), want)) << p.err();
}

// QEMU reads socket,port=P without host= as a socket on an inherited fd:
// a server listens nowhere, so two of them do not collide.
TEST_F(CliChardev, PortWithoutHostListensNowhere) {
    int port = free_tcp_port();
    auto args = base_args() +
                std::vector<std::string>{"-chardev", "socket,id=c0,port=" + std::to_string(port) +
                                                         ",server=on,wait=off"};
    BackgroundProcess first(kBinary, args);
    BackgroundProcess second(kBinary, args);
    std::this_thread::sleep_for(1s);
    EXPECT_TRUE(first.running()) << first.err();
    EXPECT_TRUE(second.running()) << second.err();
    EXPECT_FALSE(Conn::tcp(port, 0ms).ok());
    first.kill(SIGTERM);
    second.kill(SIGTERM);
    EXPECT_EQ(first.wait(5s), 0);
    EXPECT_EQ(second.wait(5s), 0);
}

// ---------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------

TEST_F(CliChardev, PortInUse) {
    int port = free_tcp_port();
    std::string p = std::to_string(port);
    std::string opt = "socket,id=c0,host=127.0.0.1,port=" + p + ",server=on,wait=off";
    BackgroundProcess first(kBinary, base_args() + std::vector<std::string>{"-chardev", opt});
    ASSERT_TRUE(Conn::tcp(port).ok()) << first.err();
    auto r = run(base_args() + std::vector<std::string>{"-chardev", opt});
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_EQ(r.err, "miniqemu: -chardev " + opt +
                         ": Failed to find an available port: Address already in use\n");
    EXPECT_EQ(r.out, "");

    // The short form: the serial port's second line too.
    int port2 = free_tcp_port();
    std::string serial = "tcp::" + std::to_string(port2) + ",server=on,wait=off";
    BackgroundProcess third(kBinary, base_args() + std::vector<std::string>{"-serial", serial});
    ASSERT_TRUE(Conn::tcp(port2).ok()) << third.err();
    r = run(base_args() + std::vector<std::string>{"-serial", serial});
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_EQ(r.err, "miniqemu: -serial " + serial +
                         ": Failed to find an available port: Address already in use\n"
                         "miniqemu: -serial " +
                         serial + ": could not connect serial device to character backend '" +
                         serial + "'\n");
}

TEST_F(CliChardev, SerialTcpServerWaitsForClient) {
    int port = free_tcp_port();
    std::string spec = "tcp::" + std::to_string(port) + ",server=on,wait=on";
    BackgroundProcess p(kBinary, guest_args(kHello) +
                                     std::vector<std::string>{"-nographic", "-serial", spec});
    std::string line =
        "miniqemu: -serial " + spec +
        ": info: QEMU waiting for connection on: disconnected:tcp:0.0.0.0:" + std::to_string(port) +
        ",server=on\n";
    ASSERT_TRUE(p.wait_for_err(line, 5s)) << p.err();
    EXPECT_EQ(p.err(), line);
    // hello.elf ends as soon as it runs: it has not.
    std::this_thread::sleep_for(500ms);
    EXPECT_TRUE(p.running());
    Conn c = Conn::tcp(port);
    ASSERT_TRUE(c.ok());
    bool eof = false;
    EXPECT_EQ(c.read_to_eof(5s, &eof), kHelloLine);
    EXPECT_TRUE(eof);
    EXPECT_EQ(p.wait(5s), 0);
    EXPECT_EQ(p.err(), line);
}

// Without a host, a server listens on every address, IPv6 too, as QEMU's.
TEST_F(CliChardev, TcpServerWithoutHostTakesIpv6Clients) {
    int probe = socket(AF_INET6, SOCK_STREAM, 0);
    if (probe < 0) GTEST_SKIP() << "no IPv6 on this host";
    ::close(probe);
    int port = free_tcp_port();
    std::string spec = "tcp::" + std::to_string(port) + ",server=on,wait=on";
    BackgroundProcess p(kBinary, guest_args(kHello) +
                                     std::vector<std::string>{"-nographic", "-serial", spec});
    ASSERT_TRUE(p.wait_for_err("QEMU waiting for connection", 5s)) << p.err();
    Conn c = Conn::tcp6(port);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c.read_to_eof(5s), kHelloLine);
    EXPECT_EQ(p.wait(5s), 0);
}

// wait=off: the guest runs at once; what it says before a client comes is
// lost (as on QEMU); a client then talks to it.
TEST_F(CliChardev, SerialUnixServerNoWait) {
    std::string sock = path("serial.sock");
    BackgroundProcess p(kBinary, guest_args(kEcho) + std::vector<std::string>{
                                                         "-display", "none", "-serial",
                                                         "unix:" + sock + ",server=on,wait=off"});
    Conn c = Conn::unix_path(sock);
    ASSERT_TRUE(c.ok()) << p.err();
    ASSERT_TRUE(c.send("hello~"));
    std::string got = c.read_to_eof(5s);
    EXPECT_TRUE(got.ends_with("hello" + echo_summary("hello"))) << got;
    EXPECT_EQ(p.wait(5s), 0);
    EXPECT_EQ(p.err(), "");
}

// The old spelling: keyval warns for -chardev; QEMU's short forms do not.
TEST_F(CliChardev, ServerNowaitOldSpelling) {
    std::string sock = path("old.sock");
    std::string opt = "socket,id=s,path=" + sock + ",server,nowait";
    BackgroundProcess p(kBinary,
                        guest_args(kEcho) + std::vector<std::string>{"-display", "none", "-chardev",
                                                                     opt, "-serial", "chardev:s"});
    Conn c = Conn::unix_path(sock);
    ASSERT_TRUE(c.ok()) << p.err();
    ASSERT_TRUE(c.send("ab~"));
    EXPECT_TRUE(c.read_to_eof(5s).ends_with("ab" + echo_summary("ab")));
    EXPECT_EQ(p.wait(5s), 0);
    EXPECT_EQ(p.err(), "miniqemu: -chardev " + opt +
                           ": warning: short-form boolean option 'server' deprecated\n"
                           "Please use server=on instead\n"
                           "miniqemu: -chardev " +
                           opt +
                           ": warning: short-form boolean option 'nowait' deprecated\n"
                           "Please use wait=off instead\n");

    std::string sock2 = path("old2.sock");
    BackgroundProcess q(kBinary, guest_args(kEcho) +
                                     std::vector<std::string>{"-display", "none", "-serial",
                                                              "unix:" + sock2 + ",server,nowait"});
    Conn d = Conn::unix_path(sock2);
    ASSERT_TRUE(d.ok()) << q.err();
    ASSERT_TRUE(d.send("cd~"));
    EXPECT_TRUE(d.read_to_eof(5s).ends_with("cd" + echo_summary("cd")));
    EXPECT_EQ(q.wait(5s), 0);
    EXPECT_EQ(q.err(), "");
}

// A client leaves; the next one gets what the guest says later.
TEST_F(CliChardev, SecondSerialClientGetsLaterOutput) {
    std::string sock = path("s.sock");
    BackgroundProcess p(kBinary, guest_args(kEcho) +
                                     std::vector<std::string>{"-display", "none", "-serial",
                                                              "unix:" + sock + ",server=on"});
    Conn a = Conn::unix_path(sock);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a.read_until("echo: ready\n"), "echo: ready\n");
    ASSERT_TRUE(a.send("first"));
    EXPECT_EQ(a.read_until("first"), "first");
    a.close();
    Conn b = Conn::unix_path(sock);
    ASSERT_TRUE(b.ok());
    ASSERT_TRUE(b.send("second~"));
    EXPECT_EQ(b.read_to_eof(5s), "second" + echo_summary("firstsecond"));
    EXPECT_EQ(p.wait(5s), 0);
}

TEST_F(CliChardev, SecondMonitorClientIsGreetedAgain) {
    std::string sock = path("m.sock");
    BackgroundProcess p(kBinary, guest_args(kHello) + std::vector<std::string>{
                                                          "-S", "-display", "none", "-monitor",
                                                          "unix:" + sock + ",server=on,wait=off"});
    for (int client = 0; client < 2; client++) {
        SCOPED_TRACE(client);
        Conn c = Conn::unix_path(sock);
        ASSERT_TRUE(c.ok()) << p.err();
        EXPECT_TRUE(c.read_until("(qemu) ").ends_with("monitor - type 'help' for more "
                                                      "information\r\n(qemu) "));
        ASSERT_TRUE(c.send("info status\r\n"));
        EXPECT_NE(c.read_until("(qemu) ").find("VM status: paused (prelaunch)\r\n"),
                  std::string::npos);
        if (client == 1) {
            ASSERT_TRUE(c.send("quit\r\n"));
            c.read_to_eof(5s);
        }
    }
    EXPECT_EQ(p.wait(5s), 0);
    EXPECT_EQ(p.out(), "");
}

// 64 KiB of every byte value but the terminator, through a socket into the
// UART and back: none lost, none reordered.
TEST_F(CliChardev, LargeInputNoByteLost) {
    int port = free_tcp_port();
    BackgroundProcess p(kBinary, guest_args(kEcho) +
                                     std::vector<std::string>{
                                         "-display", "none", "-serial",
                                         "tcp:127.0.0.1:" + std::to_string(port) + ",server=on"});
    Conn c = Conn::tcp(port);
    ASSERT_TRUE(c.ok()) << p.err();
    std::string input;
    std::mt19937 rng(42);
    while (input.size() < 64 * 1024) {
        char ch = static_cast<char>(rng());
        if (ch != '~') input += ch;
    }
    std::thread writer([&] { c.send(input + "~"); });
    std::string got = c.read_to_eof(30s);
    writer.join();
    EXPECT_EQ(p.wait(5s), 0);
    std::string want = "echo: ready\n" + input + echo_summary(input);
    ASSERT_EQ(got.size(), want.size());
    EXPECT_TRUE(got == want) << "first difference at "
                             << std::mismatch(got.begin(), got.end(), want.begin()).first -
                                    got.begin();
}

// A client that never reads: the guest writes 2 MiB and ends anyway, and
// miniqemu's memory stays bounded.
TEST_F(CliChardev, SlowClientDoesNotStallGuest) {
    int port = free_tcp_port();
    BackgroundProcess p(kBinary, guest_args(kEcho) +
                                     std::vector<std::string>{
                                         "-display", "none", "-serial",
                                         "tcp:127.0.0.1:" + std::to_string(port) + ",server=on"});
    // Connect only once it listens: the port may have been taken meanwhile.
    ASSERT_TRUE(p.wait_for_err("QEMU waiting for connection", 5s)) << p.err();
    Conn c = Conn::tcp(port);
    ASSERT_TRUE(c.ok()) << p.err();
    int small = 4096;
    setsockopt(c.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    std::string input(2 << 20, 'x');
    input += '~';
    std::atomic<bool> sent{false};
    std::thread writer([&] { sent = c.send(input); });
    auto status = p.wait(120s);
    writer.join();
    EXPECT_TRUE(sent);
    EXPECT_EQ(status, 0) << p.err();
    EXPECT_LT(p.max_rss_bytes(), 256ull << 20);
}

// A guest that never reads its UART (-S), and an endless stdin: miniqemu
// reads stdin only as far as its buffers hold (-nographic: stdio, then the
// mux), and the rest stays in the pipe.
TEST_F(CliChardev, StdinIsReadOnlyAsFarAsTheGuestTakes) {
    std::string fifo = dir + "/stdin";
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    BackgroundProcess p("/bin/sh",
                        std::vector<std::string>{"-c", "exec \"$0\" \"$@\" <" + fifo, kBinary} +
                            base_args());
    int fd = open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
    const std::string chunk(4096, 'x');
    size_t written = 0;
    while (written < (16u << 20)) {
        ssize_t n = write(fd, chunk.data(), chunk.size());
        if (n > 0) {
            written += size_t(n);
            continue;
        }
        ASSERT_TRUE(n < 0 && errno == EAGAIN) << strerror(errno);
        pollfd pfd{fd, POLLOUT, 0};
        if (poll(&pfd, 1, 1000) == 0) break; // nobody reads any more
    }
    close(fd);
    EXPECT_LT(written, 1u << 20) << "bytes taken from stdin";
    EXPECT_TRUE(p.running()) << p.err();
}

// The same with a regular file as stdin (a thread reads it): the file's
// offset, shared with the process's stdin, stops early.
TEST_F(CliChardev, StdinFileIsReadOnlyAsFarAsTheGuestTakes) {
    std::string file = dir + "/stdin";
    std::ofstream(file).close();
    constexpr uint64_t kSize = 16u << 20;
    ASSERT_EQ(truncate(file.c_str(), kSize), 0); // zeroes, no escape characters
    BackgroundProcess p("/bin/sh",
                        std::vector<std::string>{"-c", "exec \"$0\" \"$@\" <" + file, kBinary} +
                            base_args());
    auto offset = [&]() -> uint64_t {
        std::ifstream info("/proc/" + std::to_string(p.pid()) + "/fdinfo/0");
        std::string key;
        uint64_t pos = 0;
        while (info >> key && key != "pos:") {
        }
        info >> pos;
        return pos;
    };
    // Until it has read everything, or has stopped reading for a second.
    uint64_t pos = 0;
    int still = 0;
    for (int i = 0; i < 200 && pos < kSize && still < 20; i++) {
        std::this_thread::sleep_for(50ms);
        uint64_t now = offset();
        still = now == pos && now > 0 ? still + 1 : 0;
        pos = now;
    }
    EXPECT_GT(pos, 0u) << p.err();
    EXPECT_LT(pos, 1u << 20) << "bytes taken from stdin";
    EXPECT_TRUE(p.running()) << p.err();
}

// ---------------------------------------------------------------------------
// Client mode
// ---------------------------------------------------------------------------

TEST_F(CliChardev, ClientConnectsToServer) {
    Listener server;
    ASSERT_TRUE(server.ok());
    BackgroundProcess p(kBinary, guest_args(kHello) +
                                     std::vector<std::string>{"-display", "none", "-chardev",
                                                              "socket,id=c,host=127.0.0.1,port=" +
                                                                  std::to_string(server.port()),
                                                              "-serial", "chardev:c"});
    Conn c = server.accept();
    ASSERT_TRUE(c.ok()) << p.err();
    EXPECT_EQ(c.read_to_eof(5s), kHelloLine);
    EXPECT_EQ(p.wait(5s), 0);
    EXPECT_EQ(p.err(), "");
}

TEST_F(CliChardev, ClientReconnectsToLateServer) {
    int port = free_tcp_port();
    std::string opt = "socket,id=c,host=127.0.0.1,port=" + std::to_string(port) + ",reconnect=1";
    BackgroundProcess p(kBinary,
                        guest_args(kEcho) + std::vector<std::string>{"-display", "none", "-chardev",
                                                                     opt, "-serial", "chardev:c"});
    // QEMU reports the first failure once, and goes on.
    std::string line = "miniqemu: Unable to connect character device c: Failed to connect to "
                       "'127.0.0.1:" +
                       std::to_string(port) + "': Connection refused\n";
    EXPECT_TRUE(p.wait_for_err(line, 3s)) << p.err();
    EXPECT_TRUE(p.running());
    std::this_thread::sleep_for(1500ms);
    Listener server(port);
    ASSERT_TRUE(server.ok());
    Conn c = server.accept(5s);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c.send("late~"));
    EXPECT_EQ(c.read_to_eof(5s), "late" + echo_summary("late"));
    EXPECT_EQ(p.wait(5s), 0);
    EXPECT_EQ(p.err(), line);
}

// ---------------------------------------------------------------------------
// pty and pipe
// ---------------------------------------------------------------------------

std::string read_fd_until(int fd, const std::string& needle, std::chrono::milliseconds timeout) {
    std::string got;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (got.find(needle) == std::string::npos) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        got.append(buf, static_cast<size_t>(n));
    }
    return got;
}

TEST_F(CliChardev, PtySerial) {
    BackgroundProcess p(kBinary, guest_args(kEcho) +
                                     std::vector<std::string>{"-display", "none", "-chardev",
                                                              "pty,id=p", "-serial", "chardev:p"});
    ASSERT_TRUE(p.wait_for_out(" (label p)\n", 5s)) << p.err();
    std::smatch m;
    std::string out = p.out();
    ASSERT_TRUE(std::regex_match(out, m,
                                 std::regex("char device redirected to (/dev/pts/[0-9]+) "
                                            "\\(label p\\)\n")))
        << out;
    int fd = open(m[1].str().c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    termios tty{};
    tcgetattr(fd, &tty);
    cfmakeraw(&tty);
    tcsetattr(fd, TCSANOW, &tty);
    EXPECT_EQ(read_fd_until(fd, "echo: ready\n", 5s), "echo: ready\n");
    ASSERT_EQ(write(fd, "pty", 3), 3);
    EXPECT_EQ(read_fd_until(fd, "pty", 5s), "pty");
    // The guest's last line may not reach us: when the process ends, the
    // pty hangs up and the kernel drops what the slave has not read (QEMU's
    // pty does the same).
    ASSERT_EQ(write(fd, "~", 1), 1);
    EXPECT_EQ(p.wait(5s), 0);
    close(fd);
}

TEST_F(CliChardev, PipeSerial) {
    std::string base = path("fifo");
    ASSERT_EQ(mkfifo((base + ".in").c_str(), 0600), 0);
    ASSERT_EQ(mkfifo((base + ".out").c_str(), 0600), 0);
    // O_RDWR: neither open blocks, whoever comes first.
    int in = open((base + ".in").c_str(), O_RDWR | O_CLOEXEC);
    int out = open((base + ".out").c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(in, 0);
    ASSERT_GE(out, 0);
    BackgroundProcess p(kBinary,
                        guest_args(kEcho) + std::vector<std::string>{"-display", "none", "-chardev",
                                                                     "pipe,id=p,path=" + base,
                                                                     "-serial", "chardev:p"});
    EXPECT_EQ(read_fd_until(out, "echo: ready\n", 5s), "echo: ready\n") << p.err();
    ASSERT_EQ(write(in, "fifo~", 5), 5);
    std::string want = "fifo" + echo_summary("fifo");
    EXPECT_EQ(read_fd_until(out, want, 5s), want);
    EXPECT_EQ(p.wait(5s), 0);
    close(in);
    close(out);
}

// ---------------------------------------------------------------------------
// Monitors
// ---------------------------------------------------------------------------

TEST_F(CliChardev, TwoMonitors) {
    std::string a = path("a.sock"), b = path("b.sock");
    BackgroundProcess p(
        kBinary,
        guest_args(kHello) +
            std::vector<std::string>{"-S", "-display", "none", "-chardev",
                                     "socket,id=m,path=" + a + ",server=on,wait=off", "-mon",
                                     "chardev=m", "-mon", "chardev=m2", "-chardev", "null,id=m2",
                                     "-monitor", "unix:" + b + ",server=on,wait=off"});
    // -mon chardev=m2 names a chardev made after it: QEMU makes every
    // -chardev first, so that works.
    Conn ca = Conn::unix_path(a);
    Conn cb = Conn::unix_path(b);
    ASSERT_TRUE(ca.ok()) << p.err();
    ASSERT_TRUE(cb.ok()) << p.err();
    for (Conn* c : {&ca, &cb}) {
        EXPECT_TRUE(c->read_until("(qemu) ").ends_with("(qemu) "));
        ASSERT_TRUE(c->send("info status\r\n"));
        EXPECT_NE(c->read_until("(qemu) ").find("VM status: paused (prelaunch)\r\n"),
                  std::string::npos);
    }
    // `cont` on one: hello runs and ends the process.
    ASSERT_TRUE(ca.send("cont\r\n"));
    EXPECT_EQ(p.wait(5s), 0);
}

} // namespace
