#include "tests/qtest/libqtest.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

namespace mq::test {

namespace {

constexpr auto kReplyTimeout = std::chrono::seconds(20);

std::string hex(const std::vector<uint8_t>& data) {
    std::string out = "0x";
    for (uint8_t b : data)
        out += fmt::format("{:02x}", b);
    return out;
}

constexpr std::string_view kB64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string b64(const std::vector<uint8_t>& data) {
    std::string out;
    for (size_t i = 0; i < data.size(); i += 3) {
        uint32_t v = uint32_t(data[i]) << 16;
        if (i + 1 < data.size()) v |= uint32_t(data[i + 1]) << 8;
        if (i + 2 < data.size()) v |= data[i + 2];
        out += kB64[v >> 18 & 63];
        out += kB64[v >> 12 & 63];
        out += i + 1 < data.size() ? kB64[v >> 6 & 63] : '=';
        out += i + 2 < data.size() ? kB64[v & 63] : '=';
    }
    return out;
}

std::vector<uint8_t> unb64(std::string_view text) {
    std::vector<uint8_t> out;
    uint32_t bits = 0;
    int n = 0;
    for (char c : text) {
        size_t v = kB64.find(c);
        if (v == std::string_view::npos) continue; // padding
        bits = bits << 6 | static_cast<uint32_t>(v);
        n += 6;
        if (n >= 8) {
            n -= 8;
            out.push_back(static_cast<uint8_t>(bits >> n));
        }
    }
    return out;
}

uint64_t parse_number(const std::string& text) {
    try {
        return std::stoull(text, nullptr, 0);
    } catch (...) {
        ADD_FAILURE() << "not a number: '" << text << "'";
        return ~0ull;
    }
}

} // namespace

const std::string& miniqemu_binary() {
    static const std::string path = MINIQEMU_BINARY;
    return path;
}

namespace {

int listen_unix(const std::string& path) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (fd < 0 || path.size() >= sizeof addr.sun_path) return -1;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 1) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int accept_within(int listen_fd, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return -1;
        pollfd pfd{listen_fd, POLLIN, 0};
        int r = poll(&pfd, 1, static_cast<int>(left.count()));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        return accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    }
}

} // namespace

QTestState::QTestState(const std::string& binary, const std::vector<std::string>& args) {
    signal(SIGPIPE, SIG_IGN);
    char tmpl[] = "/tmp/mq-qtest-XXXXXX";
    if (!mkdtemp(tmpl)) {
        ADD_FAILURE() << "mkdtemp failed";
        return;
    }
    m_dir = tmpl;
    std::string qtest_path = m_dir + "/qtest.sock", qmp_path = m_dir + "/qmp.sock";
    int qtest_listen = listen_unix(qtest_path), qmp_listen = listen_unix(qmp_path);
    if (qtest_listen < 0 || qmp_listen < 0) {
        ADD_FAILURE() << "cannot listen on " << m_dir;
        return;
    }
    std::vector<std::string> argv_s{binary, "-qtest", "unix:" + qtest_path, "-qtest-log",
                                    "none", "-qmp",   "unix:" + qmp_path};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    m_pid = fork();
    if (m_pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        std::vector<char*> argv;
        for (auto& a : argv_s)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(binary.c_str(), argv.data());
        _exit(127);
    }
    if (!connect_sockets(qtest_listen, qmp_listen)) ADD_FAILURE() << "miniqemu did not connect";
    close(qtest_listen);
    close(qmp_listen);
}

bool QTestState::connect_sockets(int qtest_listen, int qmp_listen) {
    auto deadline = std::chrono::steady_clock::now() + kReplyTimeout;
    m_to_server = m_from_server = accept_within(qtest_listen, deadline);
    m_qmp = accept_within(qmp_listen, deadline);
    if (m_from_server < 0 || m_qmp < 0) return false;
    // The greeting, then capabilities negotiation.
    std::string greeting;
    if (!read_line_from(m_qmp, m_qmp_inbuf, &greeting, deadline)) return false;
    auto hello = nlohmann::json::parse(greeting, nullptr, false);
    if (!hello.contains("QMP")) {
        ADD_FAILURE() << "QMP greeting: " << greeting;
        return false;
    }
    auto reply = qmp({{"execute", "qmp_capabilities"}});
    return reply.contains("return");
}

nlohmann::json QTestState::qmp(const nlohmann::json& command) {
    std::string text = command.dump() + "\n";
    if (::write(m_qmp, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        ADD_FAILURE() << "QMP write failed";
        return nlohmann::json::object();
    }
    auto deadline = std::chrono::steady_clock::now() + kReplyTimeout;
    std::string line;
    while (read_line_from(m_qmp, m_qmp_inbuf, &line, deadline)) {
        auto msg = nlohmann::json::parse(line, nullptr, false);
        if (msg.is_object() && msg.contains("event")) {
            m_qmp_events.push_back(msg);
            continue;
        }
        return msg;
    }
    ADD_FAILURE() << "no QMP reply to " << command.dump();
    return nlohmann::json::object();
}

QTestState::~QTestState() {
    // Ends the process the way QEMU's libqtest does: quit over QMP.
    if (m_qmp >= 0 && alive()) {
        std::string quit = "{\"execute\": \"quit\"}\n";
        [[maybe_unused]] ssize_t n = ::write(m_qmp, quit.data(), quit.size());
        for (int i = 0; i < 200 && m_pid > 0; i++) {
            if (waitpid(m_pid, nullptr, WNOHANG) == m_pid)
                m_pid = -1;
            else
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    if (m_qmp >= 0) close(m_qmp);
    if (m_to_server >= 0) close(m_to_server);
    m_from_server = -1;
    if (m_pid > 0) {
        kill(m_pid, SIGTERM);
        for (int i = 0; i < 200; i++) {
            if (waitpid(m_pid, nullptr, WNOHANG) == m_pid) {
                m_pid = -1;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (m_pid > 0) {
            kill(m_pid, SIGKILL);
            waitpid(m_pid, nullptr, 0);
        }
    }
    if (!m_dir.empty()) std::filesystem::remove_all(m_dir);
}

bool QTestState::alive() const { return m_pid > 0 && kill(m_pid, 0) == 0; }

void QTestState::send_raw(std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::write(m_to_server, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ADD_FAILURE() << "the server does not take input";
            return;
        }
        bytes.remove_prefix(static_cast<size_t>(n));
    }
}

bool QTestState::read_line_from(int fd, std::string& inbuf, std::string* line,
                                std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        size_t nl = inbuf.find('\n');
        if (nl != std::string::npos) {
            *line = inbuf.substr(0, nl);
            inbuf.erase(0, nl + 1);
            return true;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd pfd{fd, POLLIN, 0};
        int r = poll(&pfd, 1, static_cast<int>(left.count()));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        char buf[65536];
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false; // end of stream
        inbuf.append(buf, static_cast<size_t>(n));
    }
}

void QTestState::handle_irq_line(const std::string& line) {
    // "IRQ raise N" / "IRQ lower N"
    m_irq_lines.push_back(line);
    bool raise = line.compare(4, 5, "raise") == 0;
    m_irq_level[std::stoi(line.substr(10))] = raise;
}

std::string QTestState::receive_reply() {
    auto deadline = std::chrono::steady_clock::now() + kReplyTimeout;
    std::string line;
    while (read_line(&line, deadline)) {
        if (line.starts_with("IRQ ")) {
            handle_irq_line(line);
            continue;
        }
        return line;
    }
    ADD_FAILURE() << "no reply from the qtest server";
    return {};
}

std::string QTestState::command(std::string_view line) {
    send_raw(std::string(line) + "\n");
    return receive_reply();
}

std::string QTestState::expect_ok(const std::string& line) {
    std::string reply = command(line);
    if (reply == "OK") return {};
    if (!reply.starts_with("OK ")) {
        ADD_FAILURE() << "'" << line << "' got '" << reply << "'";
        return {};
    }
    return reply.substr(3);
}

uint64_t QTestState::read_n(const char* cmd, uint64_t addr) {
    return parse_number(expect_ok(fmt::format("{} 0x{:x}", cmd, addr)));
}

void QTestState::write_n(const char* cmd, uint64_t addr, uint64_t value) {
    expect_ok(fmt::format("{} 0x{:x} 0x{:x}", cmd, addr, value));
}

uint32_t QTestState::in_n(const char* cmd, uint16_t port) {
    return static_cast<uint32_t>(parse_number(expect_ok(fmt::format("{} 0x{:x}", cmd, port))));
}

void QTestState::out_n(const char* cmd, uint16_t port, uint32_t value) {
    expect_ok(fmt::format("{} 0x{:x} 0x{:x}", cmd, port, value));
}

std::vector<uint8_t> QTestState::memread(uint64_t addr, size_t len) {
    std::string text = expect_ok(fmt::format("read 0x{:x} 0x{:x}", addr, len));
    std::vector<uint8_t> out;
    for (size_t i = 2; i + 1 < text.size(); i += 2)
        out.push_back(static_cast<uint8_t>(std::stoul(text.substr(i, 2), nullptr, 16)));
    EXPECT_EQ(out.size(), len) << "read reply '" << text << "'";
    return out;
}

void QTestState::memwrite(uint64_t addr, const std::vector<uint8_t>& data) {
    expect_ok(fmt::format("write 0x{:x} 0x{:x} {}", addr, data.size(), hex(data)));
}

std::vector<uint8_t> QTestState::bufread(uint64_t addr, size_t len) {
    auto out = unb64(expect_ok(fmt::format("b64read 0x{:x} 0x{:x}", addr, len)));
    EXPECT_EQ(out.size(), len);
    return out;
}

void QTestState::bufwrite(uint64_t addr, const std::vector<uint8_t>& data) {
    expect_ok(fmt::format("b64write 0x{:x} 0x{:x} {}", addr, data.size(), b64(data)));
}

void QTestState::memset(uint64_t addr, size_t len, uint8_t pattern) {
    expect_ok(fmt::format("memset 0x{:x} 0x{:x} 0x{:02x}", addr, len, pattern));
}

int64_t QTestState::clock_step(int64_t ns) {
    return static_cast<int64_t>(parse_number(expect_ok(fmt::format("clock_step {}", ns))));
}

int64_t QTestState::clock_step_next() {
    return static_cast<int64_t>(parse_number(expect_ok("clock_step")));
}

int64_t QTestState::clock_set(int64_t ns) {
    return static_cast<int64_t>(parse_number(expect_ok(fmt::format("clock_set {}", ns))));
}

void QTestState::irq_intercept_in(std::string_view qom_path) {
    expect_ok(fmt::format("irq_intercept_in {}", qom_path));
}

void QTestState::irq_intercept_out(std::string_view qom_path, std::string_view list) {
    expect_ok(list.empty() ? fmt::format("irq_intercept_out {}", qom_path)
                           : fmt::format("irq_intercept_out {} {}", qom_path, list));
}

void QTestState::set_irq_in(std::string_view qom_path, std::string_view name, int n, int level) {
    expect_ok(fmt::format("set_irq_in {} {} {} {}", qom_path, name, n, level));
}

bool QTestState::get_irq(int n) const {
    auto it = m_irq_level.find(n);
    return it != m_irq_level.end() && it->second;
}

bool QTestState::wait_irq(int n, bool level, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string line;
    while (get_irq(n) != level) {
        if (!read_line(&line, deadline)) return false;
        if (line.starts_with("IRQ ")) {
            handle_irq_line(line);
        } else {
            ADD_FAILURE() << "unexpected line while waiting for IRQ " << n << ": '" << line << "'";
        }
    }
    return true;
}

} // namespace mq::test
