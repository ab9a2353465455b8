// Character devices and the options launchers pass, driven as a user would:
// the real binary, with sockets, ptys and fifos the test opens itself, and
// the guests the build makes (hello.elf prints a line and exits through the
// finisher; echo.elf echoes its input until '~'). Expected outputs are QEMU
// 7.2's (shared/specs/qemu-reference/chardev-errors.txt, and the installed
// qemu-system-riscv64 where the transcripts say nothing).
//
// Every port is picked free per test, every unix socket lives in the test's
// own temporary directory, and every wait is bounded.
#include "tests/support/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <thread>

using namespace mq::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string kBinary = MINIQEMU_BINARY;
const std::string kHello = std::string(GUEST_DIR) + "/hello.elf";
const std::string kEcho = std::string(GUEST_DIR) + "/echo.elf";
const std::string kHelloLine = "Hello from a C guest on virt!\n";

// QEMU's BASE in the transcripts, with -S.
std::vector<std::string> base_args() {
    return {"-M",      "virt",        "-m",      "128M",        "-nographic",
            "-device", "edu,id=edu1", "-device", "pci-testdev", "-S"};
}

// A guest run: hello.elf or echo.elf on virt, no firmware.
std::vector<std::string> guest_args(const std::string& elf) {
    return {"-M", "virt", "-m", "128M", "-bios", "none", "-kernel", elf};
}

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

int free_tcp_port() {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
        close(fd);
        return -1;
    }
    close(fd);
    return ntohs(sa.sin_port);
}

// A connected stream socket, with bounded reads.
class Conn {
public:
    Conn() = default;
    explicit Conn(int fd) : m_fd(fd) {}
    Conn(Conn&& o) noexcept : m_fd(std::exchange(o.m_fd, -1)), m_buf(std::move(o.m_buf)) {}
    Conn& operator=(Conn&& o) noexcept {
        std::swap(m_fd, o.m_fd);
        std::swap(m_buf, o.m_buf);
        return *this;
    }
    ~Conn() { close(); }
    bool ok() const { return m_fd >= 0; }
    int fd() const { return m_fd; }
    void close() {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = -1;
    }

    // Tries until `timeout`: the server may not listen yet.
    static Conn tcp(int port, std::chrono::milliseconds timeout = 5s) {
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(static_cast<uint16_t>(port));
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return connect_retry(AF_INET, reinterpret_cast<sockaddr*>(&sa), sizeof sa, timeout);
    }
    static Conn unix_path(const std::string& path, std::chrono::milliseconds timeout = 5s) {
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path.c_str());
        return connect_retry(AF_UNIX, reinterpret_cast<sockaddr*>(&sa), sizeof sa, timeout);
    }

    bool send(std::string_view s) {
        while (!s.empty()) {
            ssize_t n = ::send(m_fd, s.data(), s.size(), MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            s.remove_prefix(static_cast<size_t>(n));
        }
        return true;
    }

    // Everything read so far is kept: returns it once it holds `needle`
    // (and forgets it), or what came when the timeout or EOF hit first.
    std::string read_until(const std::string& needle, std::chrono::milliseconds timeout = 5s) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            if (size_t at = m_buf.find(needle); at != std::string::npos) {
                std::string got = m_buf.substr(0, at + needle.size());
                m_buf.erase(0, at + needle.size());
                return got;
            }
            if (!fill(deadline)) return std::exchange(m_buf, {});
        }
    }
    // Everything until the peer closes (or the timeout).
    std::string read_to_eof(std::chrono::milliseconds timeout = 5s, bool* eof = nullptr) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        bool closed = false;
        while (fill(deadline, &closed)) {
        }
        if (eof) *eof = closed;
        return std::exchange(m_buf, {});
    }

private:
    static Conn connect_retry(int family, const sockaddr* sa, socklen_t len,
                              std::chrono::milliseconds timeout) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (connect(fd, sa, len) == 0) return Conn(fd);
            ::close(fd);
            if (std::chrono::steady_clock::now() > deadline) return Conn();
            std::this_thread::sleep_for(20ms);
        }
    }
    bool fill(std::chrono::steady_clock::time_point deadline, bool* closed = nullptr) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || m_fd < 0) return false;
        pollfd p{m_fd, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
        char buf[65536];
        ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
        if (n <= 0) {
            if (closed) *closed = true;
            return false;
        }
        m_buf.append(buf, static_cast<size_t>(n));
        return true;
    }
    int m_fd = -1;
    std::string m_buf;
};

// A TCP server on loopback that the test runs (for miniqemu's client mode).
class Listener {
public:
    explicit Listener(int port = 0) {
        m_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        setsockopt(m_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(static_cast<uint16_t>(port));
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof sa;
        if (bind(m_fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || listen(m_fd, 4) != 0 ||
            getsockname(m_fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
            ::close(m_fd);
            m_fd = -1;
            return;
        }
        m_port = ntohs(sa.sin_port);
    }
    ~Listener() {
        if (m_fd >= 0) ::close(m_fd);
    }
    bool ok() const { return m_fd >= 0; }
    int port() const { return m_port; }
    Conn accept(std::chrono::milliseconds timeout = 5s) {
        pollfd p{m_fd, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return Conn();
        return Conn(::accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC));
    }

private:
    int m_fd = -1;
    int m_port = 0;
};

class CliChardev : public ::testing::Test {
protected:
    void SetUp() override {
        if (!fs::exists(kHello) || !fs::exists(kEcho))
            GTEST_SKIP() << "no guest programs (riscv64-unknown-elf-gcc missing)";
        char tmpl[] = "/tmp/mq-chr-XXXXXX"; // short: a unix socket path has 108 bytes
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
    }
    void TearDown() override {
        if (!dir.empty()) fs::remove_all(dir);
    }
    std::string path(const std::string& name) const { return dir + "/" + name; }

    ProcessResult run(const std::vector<std::string>& args,
                      std::chrono::milliseconds timeout = 10s) {
        return run_process(kBinary, args, {}, ProcessLimits{.timeout = timeout});
    }

    std::string dir;
};

// The guest's finisher pass: status 0, hello's line first.
std::string echo_summary(const std::string& input) {
    unsigned sum = 0;
    for (unsigned char c : input)
        sum += c;
    return "echo: " + std::to_string(input.size()) + " bytes, sum " + std::to_string(sum) + "\n";
}

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
        EXPECT_NE(c.read_until("(qemu) ").find("VM status: paused\r\n"), std::string::npos);
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
    Conn c = Conn::tcp(port);
    ASSERT_TRUE(c.ok()) << p.err();
    int small = 4096;
    setsockopt(c.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    std::string input(2 << 20, 'x');
    input += '~';
    std::atomic<bool> sent{false};
    std::thread writer([&] { sent = c.send(input); });
    auto status = p.wait(60s);
    writer.join();
    EXPECT_TRUE(sent);
    EXPECT_EQ(status, 0);
    EXPECT_LT(p.max_rss_bytes(), 256ull << 20);
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
        EXPECT_NE(c->read_until("(qemu) ").find("VM status: paused\r\n"), std::string::npos);
    }
    // `cont` on one: hello runs and ends the process.
    ASSERT_TRUE(ca.send("cont\r\n"));
    EXPECT_EQ(p.wait(5s), 0);
}

// ---------------------------------------------------------------------------
// The options launchers pass (compared with qemu-system-riscv64 7.2)
// ---------------------------------------------------------------------------

TEST_F(CliChardev, DisplayAndDefaults) {
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

TEST_F(CliChardev, Accelerators) {
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

TEST_F(CliChardev, Rtc) {
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

TEST_F(CliChardev, Pidfile) {
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

TEST_F(CliChardev, Daemonize) {
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
TEST_F(CliChardev, NoShutdownStopsAtTheFinishersPass) {
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
TEST_F(CliChardev, NoShutdownStopsOnShutdown) {
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
