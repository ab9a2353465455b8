// Chardevs on host file descriptors: a pseudo-terminal (QEMU:
// chardev/char-pty.c) and named pipes (chardev/char-pipe.c).
//
// Both read through Asio on the main thread and write without blocking: a
// reader that is not there, or not keeping up, loses output rather than
// stalling the guest. A pty whose other side is closed reads EIO; it is
// polled again every second until someone opens it, as QEMU does.
#include "core/chardev-backends.h"
#include "core/main-loop.h"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace mq {

namespace {

namespace asio = boost::asio;

constexpr size_t kMaxPendingInput = 64 * 1024;

// Reads one descriptor, writes another (often the same one).
class FdChardev : public Chardev {
public:
    FdChardev(std::string label, int in_fd, int out_fd, std::string filename)
        : Chardev(std::move(label)), m_in(main_loop_context()), m_out_fd(out_fd),
          m_poll(main_loop_context()), m_filename(std::move(filename)) {
        m_in.assign(in_fd);
    }
    ~FdChardev() override {
        if (m_out_fd != m_in.native_handle()) ::close(m_out_fd);
    }

    void write(const uint8_t* buf, size_t len) override {
        while (len > 0) {
            ssize_t n = ::write(m_out_fd, buf, len);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return; // nobody reading, or full: dropped
            buf += n;
            len -= static_cast<size_t>(n);
        }
    }
    void open() override {
        Chardev::open();
        start_read();
    }
    void accept_input() override {
        Chardev::accept_input();
        start_read();
    }
    std::string filename() const override { return m_filename; }

private:
    void start_read() {
        if (m_reading || m_pending.size() >= kMaxPendingInput) return;
        m_reading = true;
        m_in.async_read_some(asio::buffer(m_buf),
                             [this](const boost::system::error_code& ec, size_t n) {
                                 BqlGuard bql;
                                 m_reading = false;
                                 if (ec) {
                                     // A pty without a reader on the other side, or a pipe whose
                                     // writer left: look again later.
                                     m_poll.expires_after(std::chrono::seconds(1));
                                     m_poll.async_wait([this](const boost::system::error_code& e) {
                                         if (e) return;
                                         BqlGuard again;
                                         start_read();
                                     });
                                     return;
                                 }
                                 receive_from_host(m_buf.data(), n);
                                 start_read();
                             });
    }

    asio::posix::stream_descriptor m_in;
    int m_out_fd;
    asio::steady_timer m_poll;
    std::array<uint8_t, 4096> m_buf{};
    bool m_reading = false;
    std::string m_filename;
};

} // namespace

Result<std::unique_ptr<Chardev>> chardev_pty_open(const std::string& id) {
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
        int err = errno;
        if (master >= 0) ::close(master);
        return make_error("Failed to create PTY: {}", std::strerror(err));
    }
    const char* name = ptsname(master);
    std::string pty_name = name ? name : "";
    // The guest's bytes pass through untouched.
    struct termios tty;
    if (tcgetattr(master, &tty) == 0) {
        cfmakeraw(&tty);
        tcsetattr(master, TCSAFLUSH, &tty);
    }
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    // QEMU says this on stdout, and scripts look for it there.
    std::printf("char device redirected to %s (label %s)\n", pty_name.c_str(), id.c_str());
    std::fflush(stdout);
    return std::unique_ptr<Chardev>(
        std::make_unique<FdChardev>(id, master, master, "pty:" + pty_name));
}

Result<std::unique_ptr<Chardev>> chardev_pipe_open(const std::string& id, const std::string& path) {
    std::string in_path = path + ".in", out_path = path + ".out";
    int in_fd = ::open(in_path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    int out_fd = ::open(out_path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (in_fd < 0 || out_fd < 0) {
        if (in_fd >= 0) ::close(in_fd);
        if (out_fd >= 0) ::close(out_fd);
        in_fd = out_fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (in_fd < 0) return make_error("Could not open '{}': {}", path, std::strerror(errno));
    }
    return std::unique_ptr<Chardev>(std::make_unique<FdChardev>(id, in_fd, out_fd, "pipe:" + path));
}

} // namespace mq
