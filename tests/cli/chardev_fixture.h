// Shared by the chardev and launcher-option tests: the binary and guests,
// free ports, a socket client (Conn), a listening server (Listener) and the
// CliChardev fixture with its temporary directory. Test code: each test file
// gets its own copy of these helpers.
#pragma once

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
inline std::vector<std::string> base_args() {
    return {"-M",      "virt",        "-m",      "128M",        "-nographic",
            "-device", "edu,id=edu1", "-device", "pci-testdev", "-S"};
}

// A guest run: hello.elf or echo.elf on virt, no firmware.
inline std::vector<std::string> guest_args(const std::string& elf) {
    return {"-M", "virt", "-m", "128M", "-bios", "none", "-kernel", elf};
}

inline std::vector<std::string> operator+(std::vector<std::string> a,
                                          const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

inline int free_tcp_port() {
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
    static Conn tcp6(int port, std::chrono::milliseconds timeout = 5s) {
        sockaddr_in6 sa{};
        sa.sin6_family = AF_INET6;
        sa.sin6_port = htons(static_cast<uint16_t>(port));
        sa.sin6_addr = in6addr_loopback;
        return connect_retry(AF_INET6, reinterpret_cast<sockaddr*>(&sa), sizeof sa, timeout);
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
inline std::string echo_summary(const std::string& input) {
    unsigned sum = 0;
    for (unsigned char c : input)
        sum += c;
    return "echo: " + std::to_string(input.size()) + " bytes, sum " + std::to_string(sum) + "\n";
}

} // namespace
