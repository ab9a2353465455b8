// Character devices (QEMU: chardev/): the host end of a UART or a monitor.
//
// A backend (stdio, null, a file) moves bytes to and from the host. A
// frontend (the UART, the monitor) attaches with three callbacks: how much
// input it can take now, the input itself, and events. Input the frontend
// cannot take yet waits in the chardev until the frontend calls
// accept_input(): a UART whose FIFO is full never loses a byte.
//
// The mux ("mon:stdio", and -nographic) shares one backend between several
// frontends. Ctrl-a is the escape: Ctrl-a c switches the input focus between
// the serial port and the monitor, Ctrl-a x exits, Ctrl-a h prints help,
// Ctrl-a Ctrl-a sends a Ctrl-a.
//
// All callbacks run on the main thread, under the big lock.
#pragma once

#include "core/error.h"

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mq {

enum ChrEvent {
    CHR_EVENT_BREAK,
    CHR_EVENT_OPENED,
    CHR_EVENT_MUX_IN,  // this frontend got the input focus
    CHR_EVENT_MUX_OUT, // this frontend lost it
    CHR_EVENT_CLOSED,
};

struct CharFrontend {
    std::function<size_t()> can_receive;
    std::function<void(const uint8_t*, size_t)> receive;
    std::function<void(ChrEvent)> event;
    // A protocol (QMP, qtest, gdb, the monitor): its output is never dropped,
    // as QEMU's qemu_chr_fe_write_all; a socket buffers whatever the client
    // has not read yet. A UART's output may be dropped when nobody reads.
    bool lossless = false;
};

class Chardev {
public:
    explicit Chardev(std::string label) : m_label(std::move(label)) {}
    virtual ~Chardev() = default;
    Chardev(const Chardev&) = delete;
    Chardev& operator=(const Chardev&) = delete;

    const std::string& label() const { return m_label; }
    // What `info chardev` shows after the label (QEMU's chr->filename):
    // "stdio", "disconnected:unix:/tmp/s,server=on", ...
    virtual std::string filename() const { return m_label; }
    // Whether a frontend (a UART, a monitor) is attached.
    bool frontend_open() const { return m_attached; }

    // Frontend to host. `frontend` says who writes (for the mux).
    virtual void write(const uint8_t* buf, size_t len) = 0;
    void write(std::string_view s) { write(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

    // Attaches a frontend; returns its index (only the mux has more than one).
    virtual int attach(CharFrontend fe);
    // Host to frontend. Bytes the frontend cannot take yet are queued.
    virtual void receive_from_host(const uint8_t* buf, size_t len);
    // The frontend has room again.
    virtual void accept_input() { deliver(); }
    // Starts host I/O (for stdio: reading the terminal).
    virtual void open();
    // At exit: hands buffered output to the host, waiting at most `limit`.
    virtual void drain(std::chrono::milliseconds limit) {}
    // Set when a mux owns this chardev; the mux opens it.
    Chardev* mux_owner = nullptr;

protected:
    void deliver();
    std::string m_label;
    CharFrontend m_frontend;
    bool m_attached = false;
    std::deque<uint8_t> m_pending;
};

// Output to the process's stdout, input from its stdin. When stdin is a
// terminal, it is put in raw mode for the run and restored at exit.
class StdioChardev : public Chardev {
public:
    explicit StdioChardev(std::string label) : Chardev(std::move(label)) {}
    ~StdioChardev() override;
    void write(const uint8_t* buf, size_t len) override;
    void open() override;
    void accept_input() override;
    std::string filename() const override { return "stdio"; }

private:
    void start_read();
    struct Reader;
    std::shared_ptr<Reader> m_reader;
    bool m_reading = false;
};

class NullChardev : public Chardev {
public:
    using Chardev::Chardev;
    void write(const uint8_t*, size_t) override {}
    std::string filename() const override { return "null"; }
};

// Output appended to a file; no input.
class FileChardev : public Chardev {
public:
    FileChardev(std::string label, int fd) : Chardev(std::move(label)), m_fd(fd) {}
    ~FileChardev() override;
    void write(const uint8_t* buf, size_t len) override;
    std::string filename() const override { return "file"; }

private:
    int m_fd;
};

// Keeps what frontends write, and lets a test feed input: for tests.
class RingBufChardev : public Chardev {
public:
    using Chardev::Chardev;
    void write(const uint8_t* buf, size_t len) override { m_output.append(buf, buf + len); }
    std::string take_output() { return std::exchange(m_output, {}); }
    std::string filename() const override { return "ringbuf"; }

private:
    std::string m_output;
};

class MuxChardev : public Chardev {
public:
    MuxChardev(std::string label, Chardev* backend);
    void write(const uint8_t* buf, size_t len) override { m_backend->write(buf, len); }
    int attach(CharFrontend fe) override;
    void receive_from_host(const uint8_t* buf, size_t len) override;
    void accept_input() override;
    void open() override;
    void drain(std::chrono::milliseconds limit) override { m_backend->drain(limit); }
    std::string filename() const override { return m_backend->filename(); }
    int focus() const { return m_focus; }
    void set_focus(int index);

private:
    void deliver_focused();
    Chardev* m_backend;
    std::vector<CharFrontend> m_frontends;
    int m_focus = -1;
    bool m_opened = false;
    bool m_escape = false;
    std::deque<uint8_t> m_queue; // input for the focused frontend
};

class PropertyBag;

// -chardev BACKEND,id=ID[,mux=on][,...]: null, stdio, file (path, append),
// pipe (path), pty, socket (path | host+port, server, wait, nodelay,
// reconnect), ringbuf (keeps output in memory, for tests). `location` is the
// option, for the messages a socket server prints while it waits.
Result<Chardev*> qemu_chr_new_from_opts(const PropertyBag& opts, std::string_view location = {});
// Creates a chardev labelled `label` from the short form that -serial,
// -monitor, -qmp, -gdb and -qtest take: "stdio", "null", "pty", "ringbuf",
// "file:PATH", "pipe:PATH", "tcp:[HOST]:PORT[,server=on][,wait=off]...",
// "unix:PATH[,...]" (the old "server,nowait" spelling too, with QEMU's
// warning), "mon:SPEC" (a mux for a serial port and a monitor),
// "chardev:ID" (an existing one), or "none" (no chardev: returns null). The
// chardev lives until exit. Errors are in QEMU's words.
Result<Chardev*> qemu_chr_new(std::string_view label, std::string_view spec,
                              std::string_view location = {});
// Whether qemu_chr_new() understands `spec` (its backend and options parse).
bool qemu_chr_spec_parses(std::string_view spec);
// By label (a -chardev id).
Chardev* qemu_chr_find(std::string_view label);
// Every chardev, in the order they were made.
std::vector<Chardev*> qemu_chr_list();
// Starts every chardev's host I/O.
void qemu_chr_open_all();
// At exit: every chardev hands over the output it still buffers.
void qemu_chr_drain_all();

// The serial ports' chardevs (QEMU's serial_hd()): -serial, in order.
void serial_hds_set(std::vector<Chardev*> chardevs);
Chardev* serial_hd(int index);

} // namespace mq
