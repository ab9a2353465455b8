// The real binary with -qmp stdio: a whole session from a script on stdin,
// read back from stdout line by line (every line ends in CRLF), as in
// ../shared/specs/qemu-reference/qmp-session.txt.
#include "tests/support/process.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace mq::test;
using nlohmann::json;

namespace {

const std::string kGuests = MQ_GUEST_DIR;

std::string fmt_pid(const char* name) {
    return std::string("miniqemu-") + name + "-" + std::to_string(::getpid()) + ".sock";
}

std::vector<json> qmp_lines(const std::string& out) {
    std::vector<json> lines;
    size_t start = 0, end;
    while ((end = out.find("\r\n", start)) != std::string::npos) {
        lines.push_back(json::parse(out.substr(start, end - start)));
        start = end + 2;
    }
    EXPECT_EQ(start, out.size()) << "output after the last CRLF: " << out.substr(start);
    return lines;
}

std::string script(std::initializer_list<const char*> requests) {
    std::string s;
    for (const char* r : requests)
        s += std::string(r) + "\n";
    return s;
}

TEST(QmpSession, FullSessionOverStdio) {
    auto r = run_process(
        MINIQEMU_BINARY,
        {"-M", "virt", "-m", "128M", "-bios", "none", "-kernel", kGuests + "/echo.elf", "-serial",
         "null", "-device", "edu,id=edu1", "-device", "pci-testdev", "-qmp", "stdio"},
        script({R"({"execute":"query-status"})", R"({"execute":"qmp_capabilities"})",
                R"({"execute":"query-status"})", R"({"execute":"stop"})",
                R"({"execute":"query-status","id":"s"})", R"({"execute":"cont"})",
                "{\"execute\":\n\"query-name\"}", R"({"execute":"quit","id":"q"})"}));
    ASSERT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_EQ(r.err, "");
    auto lines = qmp_lines(r.out);
    ASSERT_EQ(lines.size(), 12u) << r.out; // nothing after quit's return
    EXPECT_EQ(lines[0]["QMP"]["capabilities"], json::array({"oob"}));
    EXPECT_EQ(lines[1]["error"]["desc"],
              "Expecting capabilities negotiation with 'qmp_capabilities'");
    EXPECT_EQ(lines[2], json::parse(R"({"return": {}})"));
    EXPECT_EQ(
        lines[3],
        json::parse(R"({"return": {"status": "running", "singlestep": false, "running": true}})"));
    EXPECT_EQ(lines[4]["event"], "STOP");
    EXPECT_EQ(lines[5], json::parse(R"({"return": {}})"));
    EXPECT_EQ(lines[6], json::parse(R"({"return": {"status": "paused", "singlestep": false,
                                         "running": false}, "id": "s"})"));
    EXPECT_EQ(lines[7]["event"], "RESUME");
    EXPECT_EQ(lines[8], json::parse(R"({"return": {}})"));
    EXPECT_EQ(lines[9], json::parse(R"({"return": {}})")); // query-name, across two lines
    // quit: SHUTDOWN before the return, as on QEMU.
    EXPECT_EQ(lines[10]["event"], "SHUTDOWN");
    EXPECT_EQ(lines[10]["data"], json::parse(R"({"guest": false, "reason": "host-qmp-quit"})"));
    EXPECT_TRUE(lines[10]["timestamp"]["seconds"].is_number());
    EXPECT_EQ(lines[11], json::parse(R"({"return": {}, "id": "q"})"));
    // Keys in QEMU's order for these lines.
    EXPECT_THAT(r.out, ::testing::HasSubstr("{\"return\": {}, \"id\": \"q\"}\r\n"));
}

TEST(QmpSession, GuestShutdownThroughTheFinisherIsAnEvent) {
    auto r = run_process(MINIQEMU_BINARY,
                         {"-M", "virt", "-S", "-bios", "none", "-kernel", kGuests + "/hello.elf",
                          "-serial", "null", "-qmp", "stdio"},
                         script({R"({"execute":"qmp_capabilities"})", R"({"execute":"cont"})"}));
    ASSERT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_status, 0);
    auto lines = qmp_lines(r.out);
    ASSERT_EQ(lines.size(), 5u) << r.out;
    EXPECT_EQ(lines[2]["event"], "RESUME");
    EXPECT_EQ(lines[3], json::parse(R"({"return": {}})"));
    EXPECT_EQ(lines[4]["event"], "SHUTDOWN");
    EXPECT_EQ(lines[4]["data"], json::parse(R"({"guest": true, "reason": "guest-shutdown"})"));
}

TEST(QmpSession, WithQmpNographicPutsNoMonitorOnStdio) {
    // The serial port alone takes stdio (no mux, no monitor), so a QMP on
    // stdio too is refused, as on QEMU.
    auto r = run_process(MINIQEMU_BINARY, {"-M", "virt", "-nographic", "-qmp", "stdio"}, "");
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_EQ(r.err, "miniqemu: cannot use stdio by multiple character devices\n"
                     "miniqemu: could not connect serial device to character backend 'stdio'\n");
    auto q = run_process(MINIQEMU_BINARY,
                         {"-M", "virt", "-nographic", "-S", "-qmp", "stdio", "-serial", "null"},
                         script({R"({"execute":"qmp_capabilities"})",
                                 R"({"execute":"query-chardev"})", R"({"execute":"quit"})"}));
    auto lines = qmp_lines(q.out);
    ASSERT_GE(lines.size(), 3u) << q.out;
    EXPECT_EQ(lines[2]["return"].size(), 2u) << lines[2].dump() << ": the QMP and serial0 only";
}

TEST(QmpSession, RefusedSpecNamesTheOption) {
    auto r = run_process(MINIQEMU_BINARY, {"-M", "virt", "-qmp", "nosuch:x"}, "");
    EXPECT_EQ(r.exit_status, 1);
    // QEMU 7.2's two lines (its monitor_parse adds the second).
    EXPECT_EQ(r.err, "miniqemu: -qmp nosuch:x: 'nosuch:x' is not a valid char driver\n"
                     "miniqemu: -qmp nosuch:x: parse error: nosuch:x\n");
}

// --- over unix sockets, with the binary running on its own ---

// A QMP client on a unix socket; every wait is bounded.
class SocketClient {
public:
    explicit SocketClient(const std::string& path) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline) {
            m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            sockaddr_un addr{};
            addr.sun_family = AF_UNIX;
            std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
            if (::connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return;
            ::close(m_fd);
            m_fd = -1;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        ADD_FAILURE() << "cannot connect to " << path;
    }
    ~SocketClient() { close(); }
    void close() {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = -1;
    }
    void send(const std::string& text) {
        ASSERT_EQ(::write(m_fd, text.data(), text.size()), ssize_t(text.size()));
    }
    // The next line as JSON; null on timeout or end of stream.
    json line() {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        for (;;) {
            size_t end = m_buf.find("\r\n");
            if (end != std::string::npos) {
                std::string l = m_buf.substr(0, end);
                m_buf.erase(0, end + 2);
                return json::parse(l);
            }
            if (!wait_readable(deadline)) return nullptr;
            char buf[4096];
            ssize_t n = ::read(m_fd, buf, sizeof buf);
            if (n <= 0) return nullptr;
            m_buf.append(buf, size_t(n));
        }
    }
    bool at_eof() {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        char c;
        return m_buf.empty() && wait_readable(deadline) && ::read(m_fd, &c, 1) == 0;
    }
    json execute(const std::string& request) {
        send(request + "\n");
        return line();
    }
    void negotiate() {
        EXPECT_TRUE(line().contains("QMP"));
        EXPECT_EQ(execute(R"({"execute":"qmp_capabilities"})"), json::parse(R"({"return": {}})"));
    }

private:
    bool wait_readable(std::chrono::steady_clock::time_point deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd p{m_fd, POLLIN, 0};
        return left.count() > 0 && ::poll(&p, 1, static_cast<int>(left.count())) > 0;
    }
    int m_fd = -1;
    std::string m_buf;
};

// The binary in the background, ended by its pid if the test did not end it.
class Running {
public:
    explicit Running(const std::vector<std::string>& args) {
        m_pid = ::fork();
        if (m_pid == 0) {
            std::vector<char*> argv{const_cast<char*>(MINIQEMU_BINARY)};
            for (const auto& a : args)
                argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            ::execv(MINIQEMU_BINARY, argv.data());
            ::_exit(127);
        }
    }
    ~Running() {
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
        }
    }
    // The exit status, or -1 if it does not exit within 10 s.
    int wait() {
        for (int i = 0; i < 1000; i++) {
            int status = 0;
            if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_pid = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return -1;
    }

private:
    pid_t m_pid = -1;
};

TEST(QmpSocket, TwoClientsEventsDisconnectAndQuit) {
    auto dir = std::filesystem::temp_directory_path();
    std::string a_path = (dir / fmt_pid("qmp-a")).string(),
                b_path = (dir / fmt_pid("qmp-b")).string();
    Running vm({"-M", "virt", "-S", "-bios", "none", "-kernel", kGuests + "/echo.elf", "-serial",
                "null", "-qmp", "unix:" + a_path + ",server=on,wait=off", "-qmp",
                "unix:" + b_path + ",server=on,wait=off"});
    SocketClient a(a_path), b(b_path);
    a.negotiate();
    b.negotiate();

    EXPECT_EQ(a.execute(R"({"execute":"cont","id":1})")["event"], "RESUME");
    EXPECT_EQ(a.line(), json::parse(R"({"return": {}, "id": 1})"));
    EXPECT_EQ(b.line()["event"], "RESUME");

    // A client that goes away mid-request; the next one starts over.
    a.send(R"({"execute":"query-)");
    a.close();
    SocketClient again(a_path);
    EXPECT_TRUE(again.line().contains("QMP"));
    EXPECT_EQ(again.execute(R"({"execute":"query-status"})")["error"]["class"], "CommandNotFound");
    EXPECT_EQ(again.execute(R"({"execute":"qmp_capabilities"})"), json::parse(R"({"return": {}})"));

    EXPECT_EQ(b.execute(R"({"execute":"stop"})")["event"], "STOP");
    EXPECT_EQ(b.line(), json::parse(R"({"return": {}})"));
    EXPECT_EQ(again.line()["event"], "STOP");

    json shutdown = again.execute(R"({"execute":"quit"})");
    EXPECT_EQ(shutdown["event"], "SHUTDOWN");
    EXPECT_EQ(shutdown["data"], json::parse(R"({"guest": false, "reason": "host-qmp-quit"})"));
    EXPECT_EQ(again.line(), json::parse(R"({"return": {}})"));
    EXPECT_EQ(b.line()["event"], "SHUTDOWN");
    EXPECT_TRUE(again.at_eof());
    EXPECT_TRUE(b.at_eof());
    EXPECT_EQ(vm.wait(), 0);
    std::filesystem::remove(a_path);
    std::filesystem::remove(b_path);
}

TEST(QmpSocket, MonModeControlOnAChardev) {
    std::string path = (std::filesystem::temp_directory_path() / fmt_pid("qmp-mon")).string();
    Running vm({"-M", "virt", "-S", "-bios", "none", "-kernel", kGuests + "/echo.elf", "-serial",
                "null", "-chardev", "socket,id=qmp0,path=" + path + ",server=on,wait=off", "-mon",
                "chardev=qmp0,mode=control"});
    SocketClient c(path);
    c.negotiate();
    EXPECT_EQ(c.execute(R"({"execute":"query-status"})"),
              json::parse(R"({"return": {"status": "prelaunch", "singlestep": false,
                              "running": false}})"));
    EXPECT_EQ(c.execute(R"({"execute":"quit"})")["event"], "SHUTDOWN");
    EXPECT_EQ(c.line(), json::parse(R"({"return": {}})"));
    EXPECT_EQ(vm.wait(), 0);
    std::filesystem::remove(path);
}

} // namespace
