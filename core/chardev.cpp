#include "core/chardev.h"

#include "core/main-loop.h"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read.hpp>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace mq {

namespace {
// Input read from stdin that no frontend has taken yet, and the mux's queue
// for its focused frontend, each stop growing here: reading waits until the
// guest takes some (as the pipe, pty and socket chardevs do).
constexpr size_t kMaxPendingInput = 64 * 1024;
} // namespace

// ---------------------------------------------------------------------------
// The base: one frontend, with queued input
// ---------------------------------------------------------------------------

int Chardev::attach(CharFrontend fe) {
    m_frontend = std::move(fe);
    m_attached = true;
    deliver();
    return 0;
}

void Chardev::receive_from_host(const uint8_t* buf, size_t len) {
    m_pending.insert(m_pending.end(), buf, buf + len);
    deliver();
}

void Chardev::open() {
    if (m_attached && m_frontend.event) m_frontend.event(CHR_EVENT_OPENED);
}

void Chardev::deliver() {
    if (!m_attached) return;
    while (!m_pending.empty()) {
        size_t room = m_frontend.can_receive ? m_frontend.can_receive() : m_pending.size();
        if (room == 0) return;
        size_t n = std::min(room, m_pending.size());
        std::vector<uint8_t> chunk(m_pending.begin(),
                                   m_pending.begin() + static_cast<ptrdiff_t>(n));
        m_pending.erase(m_pending.begin(), m_pending.begin() + static_cast<ptrdiff_t>(n));
        if (m_frontend.receive) m_frontend.receive(chunk.data(), chunk.size());
    }
}

// ---------------------------------------------------------------------------
// stdio
// ---------------------------------------------------------------------------

namespace {

struct termios g_saved_tty;
bool g_tty_modified = false;

void restore_tty() {
    if (g_tty_modified) tcsetattr(0, TCSANOW, &g_saved_tty);
}

// Raw mode as QEMU's stdio chardev sets it; signals still work (Ctrl-C).
void set_raw_tty() {
    if (!isatty(0) || g_tty_modified) return;
    struct termios tty;
    if (tcgetattr(0, &tty) != 0) return;
    g_saved_tty = tty;
    tty.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    tty.c_oflag |= OPOST;
    tty.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    tty.c_cflag &= ~(CSIZE | PARENB);
    tty.c_cflag |= CS8;
    tty.c_cc[VMIN] = 1;
    tty.c_cc[VTIME] = 0;
    if (tcsetattr(0, TCSANOW, &tty) == 0) {
        g_tty_modified = true;
        std::atexit(restore_tty);
    }
}

void write_all(int fd, const uint8_t* buf, size_t len) {
    while (len > 0) {
        ssize_t n = ::write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return; // the reader went away; the guest does not care
        }
        buf += n;
        len -= static_cast<size_t>(n);
    }
}

} // namespace

// Reads stdin through Asio when it can be polled (a terminal or a pipe); a
// regular file cannot, so then a small thread reads it and posts the bytes.
struct StdioChardev::Reader {
    explicit Reader(boost::asio::io_context& ctx) : descriptor(ctx) {}
    boost::asio::posix::stream_descriptor descriptor;
    std::array<uint8_t, 4096> buffer{};
};

StdioChardev::~StdioChardev() = default;

void StdioChardev::write(const uint8_t* buf, size_t len) { write_all(1, buf, len); }

void StdioChardev::open() {
    set_raw_tty();
    Chardev::open();
    int fd = dup(0);
    if (fd < 0) return;
    m_reader = std::make_shared<Reader>(main_loop_context());
    boost::system::error_code ec;
    m_reader->descriptor.assign(fd, ec);
    if (!ec) {
        start_read();
        return;
    }
    m_reader.reset();
    // A regular file: read it on a thread.
    std::thread([this, fd] {
        std::array<uint8_t, 4096> buf;
        for (;;) {
            ssize_t n = ::read(fd, buf.data(), buf.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            std::vector<uint8_t> bytes(buf.data(), buf.data() + n);
            main_loop_post([this, bytes = std::move(bytes)] {
                receive_from_host(bytes.data(), bytes.size());
            });
        }
        ::close(fd);
    }).detach();
}

// Reads while what the frontend has not taken stays below kMaxPendingInput;
// accept_input() resumes. The rest waits in the pipe or the terminal.
void StdioChardev::start_read() {
    auto reader = m_reader;
    if (!reader || m_reading || m_pending.size() >= kMaxPendingInput) return;
    m_reading = true;
    reader->descriptor.async_read_some(
        boost::asio::buffer(reader->buffer),
        [this, reader](const boost::system::error_code& ec, size_t n) {
            if (ec) return; // end of input: the guest keeps running
            BqlGuard bql;
            m_reading = false;
            receive_from_host(reader->buffer.data(), n);
            start_read();
        });
}

void StdioChardev::accept_input() {
    Chardev::accept_input();
    start_read();
}

FileChardev::~FileChardev() { ::close(m_fd); }

void FileChardev::write(const uint8_t* buf, size_t len) { write_all(m_fd, buf, len); }

// ---------------------------------------------------------------------------
// The mux
// ---------------------------------------------------------------------------

namespace {
constexpr uint8_t kEscapeChar = 0x01; // Ctrl-a
constexpr const char* kMuxHelp = "\n\r"
                                 "C-a h    print this help\n\r"
                                 "C-a x    exit emulator\n\r"
                                 "C-a s    save disk data back to file (if -snapshot)\n\r"
                                 "C-a t    toggle console timestamps\n\r"
                                 "C-a b    send break (magic sysrq)\n\r"
                                 "C-a c    switch between console and monitor\n\r"
                                 "C-a C-a  sends C-a\n\r";
} // namespace

MuxChardev::MuxChardev(std::string label, Chardev* backend)
    : Chardev(std::move(label)), m_backend(backend) {
    m_backend->mux_owner = this;
    m_backend->attach(CharFrontend{
        .can_receive =
            [this] {
                return m_queue.size() < kMaxPendingInput ? kMaxPendingInput - m_queue.size() : 0;
            },
        .receive = [this](const uint8_t* buf, size_t len) { receive_from_host(buf, len); },
        .event = [](ChrEvent) {},
    });
}

int MuxChardev::attach(CharFrontend fe) {
    m_frontends.push_back(std::move(fe));
    int index = static_cast<int>(m_frontends.size()) - 1;
    // As in QEMU, the newest frontend gets the focus: the serial port, which
    // attaches after the monitor.
    set_focus(index);
    return index;
}

void MuxChardev::set_focus(int index) {
    // Before the chardev is open, only remember the choice.
    if (m_opened && m_focus >= 0 && m_frontends[m_focus].event) {
        m_frontends[m_focus].event(CHR_EVENT_MUX_OUT);
    }
    m_focus = index;
    if (m_opened && m_focus >= 0 && m_frontends[m_focus].event) {
        m_frontends[m_focus].event(CHR_EVENT_MUX_IN);
    }
    deliver_focused();
}

void MuxChardev::open() {
    m_opened = true;
    if (m_focus >= 0 && m_frontends[m_focus].event) m_frontends[m_focus].event(CHR_EVENT_MUX_IN);
    m_backend->open();
}

void MuxChardev::receive_from_host(const uint8_t* buf, size_t len) {
    for (size_t i = 0; i < len; i++) {
        uint8_t ch = buf[i];
        if (m_escape) {
            m_escape = false;
            switch (ch) {
            case kEscapeChar: m_queue.push_back(ch); break;
            case 'h':
            case '?': m_backend->write(kMuxHelp); break;
            case 'x':
                m_backend->write("QEMU: Terminated\n\r");
                qemu_system_shutdown_request(ShutdownCause::HostSignal, 0);
                return;
            case 'b':
                if (m_focus >= 0 && m_frontends[m_focus].event) {
                    m_frontends[m_focus].event(CHR_EVENT_BREAK);
                }
                break;
            case 'c':
                if (!m_frontends.empty()) {
                    set_focus((m_focus + 1) % static_cast<int>(m_frontends.size()));
                }
                break;
            default: break; // 's' and 't' have nothing to act on here
            }
        } else if (ch == kEscapeChar) {
            m_escape = true;
        } else {
            m_queue.push_back(ch);
        }
    }
    deliver_focused();
}

// The focused frontend has room: its queue moves on, and the backend, which
// stopped reading while the queue was full, may read again.
void MuxChardev::accept_input() {
    deliver_focused();
    m_backend->accept_input();
}

void MuxChardev::deliver_focused() {
    if (m_focus < 0) return;
    auto& fe = m_frontends[m_focus];
    while (!m_queue.empty()) {
        size_t room = fe.can_receive ? fe.can_receive() : m_queue.size();
        if (room == 0) return;
        size_t n = std::min(room, m_queue.size());
        std::vector<uint8_t> chunk(m_queue.begin(), m_queue.begin() + static_cast<ptrdiff_t>(n));
        m_queue.erase(m_queue.begin(), m_queue.begin() + static_cast<ptrdiff_t>(n));
        if (fe.receive) fe.receive(chunk.data(), chunk.size());
    }
}

} // namespace mq
