// The socket chardev (QEMU: chardev/char-socket.c): TCP or a unix socket,
// as a server that one client at a time connects to, or as a client.
//
// A server with wait=on blocks start-up until the first client connects, as
// QEMU does. While a client is connected, others wait in the listen backlog;
// when it goes, the next one is accepted. A client with reconnect=N tries
// again every N seconds when the connection fails or closes.
//
// Output never stalls the guest: bytes for a slow client are buffered up to
// kMaxBuffered, beyond that dropped (and with no client at all, dropped at
// once). Input is never lost: reading pauses while the frontend has not
// taken what came before.
//
// Threads: write() may come from the vCPU thread (a UART store), always
// under the big lock; socket operations are started only on the main thread
// (write() posts there), and every completion handler takes the big lock.
#include "core/chardev-backends.h"
#include "core/log.h"
#include "core/main-loop.h"

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cstring>

namespace mq {

namespace {

namespace asio = boost::asio;
using Protocol = asio::generic::stream_protocol;

constexpr size_t kMaxBuffered = 1 << 20;
constexpr size_t kMaxPendingInput = 64 * 1024;

class SocketChardev final : public Chardev {
public:
    SocketChardev(std::string label, SocketOptions opts)
        : Chardev(std::move(label)), m_opts(std::move(opts)), m_acceptor(main_loop_context()),
          m_socket(main_loop_context()), m_retry(main_loop_context()) {}

    Status start(std::string_view location);
    void write(const uint8_t* buf, size_t len) override;
    void accept_input() override;
    void open() override;
    void drain(std::chrono::milliseconds limit) override;
    std::string filename() const override;

private:
    std::string address() const;
    Result<Protocol::endpoint> endpoint() const;
    Status listen();
    // Binds and listens on `ep`; false with *err set when it cannot.
    bool bind_and_listen(const Protocol::endpoint& ep, bool dual_stack,
                         boost::system::error_code* err);
    Status connect_now();
    void async_accept();
    void connect_later();
    void connected();
    void disconnected();
    void start_read();
    void flush();

    SocketOptions m_opts;
    asio::basic_socket_acceptor<Protocol> m_acceptor;
    Protocol::socket m_socket;
    asio::steady_timer m_retry;
    std::array<uint8_t, 4096> m_in{};
    std::string m_out; // not sent yet
    bool m_waiting_for_room = false;
    bool m_connected = false;
    bool m_opened = false;
    bool m_reading = false;
    std::string m_peer;
    uint64_t m_dropped = 0;
};

std::string SocketChardev::address() const {
    if (m_opts.no_address) return "fd:";
    if (!m_opts.path.empty()) return fmt::format("unix:{}", m_opts.path);
    return fmt::format("tcp:{}:{}", m_opts.host.empty() ? "0.0.0.0" : m_opts.host, m_opts.port);
}

std::string SocketChardev::filename() const {
    std::string s = address();
    if (m_opts.server) s += ",server=on";
    if (!m_connected) return "disconnected:" + s;
    if (!m_peer.empty()) s += " <-> " + m_peer;
    return s;
}

Result<Protocol::endpoint> SocketChardev::endpoint() const {
    if (!m_opts.path.empty()) {
        if (m_opts.path.size() >= sizeof(sockaddr_un::sun_path))
            return make_error("UNIX socket path '{}' is too long", m_opts.path);
        return Protocol::endpoint(asio::local::stream_protocol::endpoint(m_opts.path));
    }
    boost::system::error_code ec;
    asio::ip::tcp::resolver resolver(main_loop_context());
    std::string host = m_opts.host.empty() ? "0.0.0.0" : m_opts.host;
    auto results = resolver.resolve(host, m_opts.port, ec);
    if (ec || results.empty()) {
        return make_error("address resolution failed for {}:{}: {}", host, m_opts.port,
                          ec ? ec.message() : "no address");
    }
    return Protocol::endpoint(results.begin()->endpoint());
}

bool SocketChardev::bind_and_listen(const Protocol::endpoint& ep, bool dual_stack,
                                    boost::system::error_code* err) {
    boost::system::error_code& ec = *err;
    ec.clear();
    m_acceptor.open(ep.protocol(), ec);
    if (!ec && m_opts.path.empty()) m_acceptor.set_option(asio::socket_base::reuse_address(true));
    if (!ec && dual_stack) {
        int off = 0; // IPv4 clients too, as v4-mapped addresses
        if (::setsockopt(m_acceptor.native_handle(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off))
            ec.assign(errno, boost::system::system_category());
    }
    if (!ec) m_acceptor.bind(ep, ec);
    if (!ec) m_acceptor.listen(1, ec);
    if (ec) {
        boost::system::error_code ignored;
        m_acceptor.close(ignored);
    }
    return !ec;
}

Status SocketChardev::listen() {
    boost::system::error_code ec;
    if (m_opts.path.empty() && m_opts.host.empty()) {
        // No host: every address, IPv4 and IPv6, as QEMU listens. One
        // dual-stack socket serves both; a host without IPv6 gets IPv4 only.
        asio::ip::tcp::resolver resolver(main_loop_context());
        auto any6 = resolver.resolve(
            "::", m_opts.port,
            asio::ip::resolver_base::passive | asio::ip::resolver_base::numeric_host, ec);
        if (!ec && !any6.empty()) {
            if (bind_and_listen(Protocol::endpoint(any6.begin()->endpoint()), true, &ec)) return {};
            if (ec == asio::error::address_in_use)
                return make_error("Failed to find an available port: {}",
                                  std::strerror(ec.value()));
        }
    }
    auto ep = endpoint();
    if (!ep) return ep.take_error();
    if (!m_opts.path.empty()) ::unlink(m_opts.path.c_str()); // a stale socket from an earlier run
    if (!bind_and_listen(*ep, false, &ec)) {
        if (!m_opts.path.empty())
            return make_error("Failed to bind socket to {}: {}", m_opts.path,
                              std::strerror(ec.value()));
        return make_error("Failed to find an available port: {}", std::strerror(ec.value()));
    }
    return {};
}

Status SocketChardev::connect_now() {
    auto ep = endpoint();
    if (!ep) return ep.take_error();
    boost::system::error_code ec;
    m_socket.close(ec);
    m_socket.connect(*ep, ec);
    if (ec) {
        std::string what =
            m_opts.path.empty() ? fmt::format("{}:{}", m_opts.host, m_opts.port) : m_opts.path;
        return make_error("Failed to connect to '{}': {}", what, std::strerror(ec.value()));
    }
    connected();
    return {};
}

Status SocketChardev::start(std::string_view location) {
    if (!m_opts.server) {
        auto st = connect_now();
        if (!st && m_opts.reconnect <= 0) return st;
        if (!st) {
            // QEMU says it once, without the option, and keeps trying.
            error_report_err(Error{fmt::format("Unable to connect character device {}: {}", m_label,
                                               st.error().message),
                                   {},
                                   {}});
            connect_later();
        }
        return {};
    }
    if (m_opts.no_address) {
        if (m_opts.wait) {
            // QEMU waits here for good: no client can ever come.
            std::fprintf(stderr, "%s: %s%sinfo: QEMU waiting for connection on: %s\n",
                         error_get_progname().c_str(), std::string(location).c_str(),
                         location.empty() ? "" : ": ", filename().c_str());
            for (;;)
                pause();
        }
        return {};
    }
    if (auto st = listen(); !st) return st;
    if (m_opts.wait) {
        // QEMU's start-up wait: nothing runs until the first client is here.
        std::fprintf(stderr, "%s: %s%sinfo: QEMU waiting for connection on: %s\n",
                     error_get_progname().c_str(), std::string(location).c_str(),
                     location.empty() ? "" : ": ", filename().c_str());
        boost::system::error_code ec;
        for (;;) { // until a client comes, or a signal ends the process
            pollfd pfd{m_acceptor.native_handle(), POLLIN, 0};
            if (::poll(&pfd, 1, 100) > 0) break;
            main_loop_exit_if_signalled();
        }
        m_acceptor.accept(m_socket, ec);
        if (ec) return make_error("Failed to accept a connection: {}", ec.message());
        connected();
    }
    return {};
}

void SocketChardev::open() {
    m_opened = true;
    if (m_connected) {
        Chardev::open(); // CHR_EVENT_OPENED for a client that is already here
        start_read();
        flush();
    } else if (m_opts.server && !m_opts.no_address) {
        async_accept();
    }
}

void SocketChardev::async_accept() {
    m_acceptor.async_accept(m_socket, [this](const boost::system::error_code& ec) {
        if (ec == asio::error::operation_aborted) return;
        BqlGuard bql;
        if (ec) {
            qemu_log_mask(LOG_UNIMP, "chardev {}: accept failed: {}", m_label, ec.message());
            return;
        }
        connected();
        Chardev::open();
        start_read();
        flush();
    });
}

void SocketChardev::connect_later() {
    m_retry.expires_after(std::chrono::seconds(m_opts.reconnect));
    m_retry.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        BqlGuard bql;
        if (m_connected) return;
        if (!connect_now()) {
            connect_later();
            return;
        }
        if (m_opened) {
            Chardev::open();
            start_read();
            flush();
        }
    });
}

void SocketChardev::connected() {
    m_connected = true;
    boost::system::error_code ec;
    if (m_opts.path.empty()) {
        if (m_opts.nodelay) m_socket.set_option(asio::ip::tcp::no_delay(true), ec);
        auto peer = m_socket.remote_endpoint(ec);
        if (!ec) {
            auto* sa = reinterpret_cast<const sockaddr*>(peer.data());
            char host[64] = "";
            uint16_t port = 0;
            if (sa->sa_family == AF_INET) {
                auto* in = reinterpret_cast<const sockaddr_in*>(sa);
                inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
                port = ntohs(in->sin_port);
            } else if (sa->sa_family == AF_INET6) {
                auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
                inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
                port = ntohs(in6->sin6_port);
            }
            m_peer = fmt::format("{}:{}", host, port);
        }
    }
}

void SocketChardev::disconnected() {
    if (!m_connected) return;
    m_connected = false;
    m_reading = false;
    m_peer.clear();
    boost::system::error_code ec;
    m_socket.close(ec);
    // What the old client did not take is not for the next one. The wait
    // for room was cancelled by the close, and its handler touches nothing.
    m_out.clear();
    m_waiting_for_room = false;
    if (m_attached && m_frontend.event) m_frontend.event(CHR_EVENT_CLOSED);
    if (m_opts.server) {
        async_accept();
    } else if (m_opts.reconnect > 0) {
        connect_later();
    }
}

void SocketChardev::start_read() {
    if (!m_connected || m_reading) return;
    if (m_pending.size() >= kMaxPendingInput) return; // accept_input() resumes
    m_reading = true;
    m_socket.async_read_some(asio::buffer(m_in),
                             [this](const boost::system::error_code& ec, size_t n) {
                                 if (ec == asio::error::operation_aborted) return;
                                 BqlGuard bql;
                                 m_reading = false;
                                 if (ec) {
                                     disconnected();
                                     return;
                                 }
                                 receive_from_host(m_in.data(), n);
                                 start_read();
                             });
}

void SocketChardev::accept_input() {
    Chardev::accept_input();
    start_read();
}

void SocketChardev::write(const uint8_t* buf, size_t len) {
    if (!m_connected) return; // nobody to tell: dropped, as on QEMU
    size_t limit = m_frontend.lossless ? SIZE_MAX : kMaxBuffered;
    size_t room = limit - std::min(limit, m_out.size());
    if (len > room) {
        if (m_dropped == 0)
            qemu_log_mask(LOG_UNIMP, "chardev {}: the client is not reading; output dropped",
                          m_label);
        m_dropped += len - room;
        len = room;
    }
    bool idle = m_out.empty();
    if (idle) {
        // Straight to the socket when it has room, as QEMU does: the client
        // sees output at once, and little waits in the buffer.
        ssize_t n = ::send(m_socket.native_handle(), buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            buf += n;
            len -= static_cast<size_t>(n);
        }
        if (len == 0) return;
    }
    m_out.append(reinterpret_cast<const char*>(buf), len);
    if (idle)
        asio::post(main_loop_context(), [this] {
            BqlGuard bql;
            flush();
        });
}

void SocketChardev::drain(std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    size_t done = 0;
    while (m_connected && done < m_out.size() && std::chrono::steady_clock::now() < deadline) {
        pollfd pfd{m_socket.native_handle(), POLLOUT, 0};
        if (::poll(&pfd, 1, 50) <= 0) continue;
        ssize_t n = ::send(m_socket.native_handle(), m_out.data() + done, m_out.size() - done,
                           MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) break;
        if (n > 0) done += static_cast<size_t>(n);
    }
    m_out.erase(0, done);
}

// Sends what the socket takes now, and waits for room for the rest.
void SocketChardev::flush() {
    if (!m_connected || m_out.empty()) return;
    ssize_t n =
        ::send(m_socket.native_handle(), m_out.data(), m_out.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) m_out.erase(0, static_cast<size_t>(n));
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        disconnected();
        return;
    }
    if (m_out.empty() || m_waiting_for_room) return;
    m_waiting_for_room = true;
    m_socket.async_wait(asio::socket_base::wait_write, [this](const boost::system::error_code& ec) {
        if (ec == asio::error::operation_aborted) return;
        BqlGuard bql;
        m_waiting_for_room = false;
        if (ec) {
            disconnected();
            return;
        }
        flush();
    });
}

} // namespace

Result<std::unique_ptr<Chardev>> chardev_socket_open(const std::string& id, SocketOptions opts,
                                                     std::string_view location) {
    auto chr = std::make_unique<SocketChardev>(id, std::move(opts));
    if (auto st = chr->start(location); !st) return st.take_error();
    return std::unique_ptr<Chardev>(std::move(chr));
}

} // namespace mq
