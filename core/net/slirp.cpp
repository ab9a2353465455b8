// -netdev user: user-mode networking on libslirp (QEMU: net/slirp.c).
//
// libslirp is a TCP/IP stack in a library. The guest's Ethernet frames go in
// through slirp_input(); slirp answers ARP, DHCP and DNS itself and turns the
// guest's TCP/UDP flows into ordinary host sockets. Frames for the guest come
// out through the send_packet callback. Slirp never blocks and owns no
// thread: the embedder polls its sockets and fires its timers.
//
// How it is driven here:
//   - one poller thread per back end: it asks slirp which sockets to watch
//     (slirp_pollfds_fill), poll()s them without any lock, then lets slirp
//     handle what happened (slirp_pollfds_poll). Both slirp calls run with
//     the big lock held, so frames reach the NIC under the lock as the rule
//     in core/main-loop.h wants. An eventfd wakes the poll() when slirp's
//     socket set may have changed (a frame went in, slirp called notify);
//   - slirp's timers (IPv6 router advertisements) are Asio steady_timers on
//     the main loop, on host time, and fire under the big lock;
//   - the NIC's frames come in through receive() on whatever thread the NIC
//     runs on, with the big lock held.
// So every libslirp call happens with the big lock held: they are serialized.
#include "core/net/net-internal.h"

#include "core/log.h"
#include "core/main-loop.h"

#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <slirp/libslirp.h>

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>

namespace mq {

using net_internal::NetOpts;

namespace {

// ---------------------------------------------------------------------------
// Options (QEMU's net_init_slirp and net_slirp_init)

struct UserConfig {
    bool ipv4 = true, ipv6 = true, restricted = false;
    std::optional<std::string> net, host, dhcpstart, dns;
    std::optional<std::string> hostname, domainname, tftp, bootfile, tftp_server_name;
    std::vector<std::string> hostfwd;
};

// QEMU's qapi_bool_parse, with the opts visitor's message.
Result<bool> parse_bool(const std::string& key, const std::string& value) {
    if (value == "on" || value == "yes" || value == "true" || value == "y") return true;
    if (value == "off" || value == "no" || value == "false" || value == "n") return false;
    return make_error("Parameter '{}' expects 'on' or 'off'", key);
}

Result<UserConfig> parse_user_options(const NetOpts& opts) {
    UserConfig c;
    for (const auto& [key, value] : opts) {
        std::optional<std::string>* text = key == "net"                ? &c.net
                                           : key == "host"             ? &c.host
                                           : key == "dhcpstart"        ? &c.dhcpstart
                                           : key == "dns"              ? &c.dns
                                           : key == "hostname"         ? &c.hostname
                                           : key == "domainname"       ? &c.domainname
                                           : key == "tftp"             ? &c.tftp
                                           : key == "bootfile"         ? &c.bootfile
                                           : key == "tftp-server-name" ? &c.tftp_server_name
                                                                       : nullptr;
        bool* flag = key == "ipv4"       ? &c.ipv4
                     : key == "ipv6"     ? &c.ipv6
                     : key == "restrict" ? &c.restricted
                                         : nullptr;
        if (text) {
            *text = value;
        } else if (flag) {
            auto b = parse_bool(key, value);
            if (!b) return b.take_error();
            *flag = *b;
        } else if (key == "hostfwd") {
            c.hostfwd.push_back(value);
        } else {
            return make_error("Invalid parameter '{}'", key);
        }
    }
    return c;
}

// The addresses of the virtual network, as QEMU derives them.
struct Addresses {
    in_addr net{}, mask{}, host{}, dns{}, dhcp{};
};

// A host-order value as a network-order in_addr.
in_addr addr_of(uint32_t host_order) { return in_addr{htonl(host_order)}; }

// net=ADDR[/MASK]: MASK is a prefix length or a dotted mask; without one,
// the address's class decides (QEMU keeps that old rule).
Status parse_network(const std::string& text, Addresses& a) {
    size_t slash = text.find('/');
    std::string addr = text.substr(0, slash);
    if (!inet_aton(addr.c_str(), &a.net)) return make_error("Failed to parse netmask");
    if (slash == std::string::npos) {
        uint32_t n = ntohl(a.net.s_addr);
        uint32_t mask = !(n & 0x80000000)                ? 0xff000000  // class A
                        : (n & 0xfff00000) == 0xac100000 ? 0xfff00000  // 172.16/12
                        : (n & 0xc0000000) == 0x80000000 ? 0xffff0000  // class B
                        : (n & 0xffff0000) == 0xc0a80000 ? 0xffff0000  // 192.168/16
                        : (n & 0xffff0000) == 0xc6120000 ? 0xfffe0000  // 198.18/15
                        : (n & 0xe0000000) == 0xe0000000 ? 0xffffff00  // class C
                                                         : 0xfffffff0; // the rest
        a.mask = addr_of(mask);
    } else {
        std::string bits = text.substr(slash + 1);
        char* end = nullptr;
        long shift = std::strtol(bits.c_str(), &end, 10);
        if (*end != '\0') {
            if (!inet_aton(bits.c_str(), &a.mask))
                return make_error("Failed to parse netmask '{}'", bits);
        } else if (shift < 4 || shift > 32) {
            return make_error("Invalid netmask provided (must be in range 4-32)");
        } else {
            a.mask = addr_of(static_cast<uint32_t>(0xffffffffull << (32 - shift)));
        }
    }
    a.net.s_addr &= a.mask.s_addr;
    return {};
}

// The host (.2), DNS (.3) and first DHCP lease (.15) default to offsets in
// the network; each must lie in it and they must differ.
Result<Addresses> derive_addresses(const UserConfig& c) {
    Addresses a;
    a.net = addr_of(0x0a000200); // 10.0.2.0/24
    a.mask = addr_of(0xffffff00);
    if (c.net) {
        if (auto st = parse_network(*c.net, a); !st) return st.take_error();
    }
    auto in_net = [&](uint32_t offset) {
        return in_addr{a.net.s_addr | (htonl(offset) & ~a.mask.s_addr)};
    };
    auto belongs = [&](in_addr x) { return (x.s_addr & a.mask.s_addr) == a.net.s_addr; };
    a.host = in_net(0x0202);
    if (c.host && !inet_aton(c.host->c_str(), &a.host)) return make_error("Failed to parse host");
    if (!belongs(a.host)) return make_error("Host doesn't belong to network");
    a.dns = in_net(0x0203);
    if (c.dns && !inet_aton(c.dns->c_str(), &a.dns)) return make_error("Failed to parse DNS");
    if (c.restricted && !belongs(a.dns)) return make_error("DNS doesn't belong to network");
    if (a.dns.s_addr == a.host.s_addr) return make_error("DNS must be different from host");
    a.dhcp = in_net(0x020f);
    if (c.dhcpstart && !inet_aton(c.dhcpstart->c_str(), &a.dhcp))
        return make_error("Failed to parse DHCP start address");
    if (!belongs(a.dhcp)) return make_error("DHCP doesn't belong to network");
    if (a.dhcp.s_addr == a.host.s_addr || a.dhcp.s_addr == a.dns.s_addr)
        return make_error("DHCP must be different from host and DNS");
    return a;
}

// hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT, parsed as
// QEMU's slirp_hostfwd() does, field by field, so the reasons match.
struct HostFwd {
    bool udp = false;
    in_addr host_addr{INADDR_ANY}, guest_addr{0};
    int host_port = 0, guest_port = 0;
};

Result<HostFwd> parse_hostfwd(const std::string& rule) {
    HostFwd fwd;
    std::string_view rest = rule;
    auto fail = [&](const char* reason) {
        return make_error("Invalid host forwarding rule '{}' ({})", rule, reason);
    };
    // The text before `sep`, consumed with it; nothing when `sep` is absent.
    auto field = [&](char sep) -> std::optional<std::string> {
        size_t at = rest.find(sep);
        if (at == std::string_view::npos) return std::nullopt;
        std::string out(rest.substr(0, at));
        rest.remove_prefix(at + 1);
        return out;
    };
    auto port = [](const std::string& text, int low) -> std::optional<int> {
        char* end = nullptr;
        long v = std::strtol(text.c_str(), &end, 0);
        if (*end != '\0' || v < low || v > 65535) return std::nullopt;
        return static_cast<int>(v);
    };
    auto proto = field(':');
    if (!proto) return fail("No : separators");
    if (*proto == "udp") {
        fwd.udp = true;
    } else if (*proto != "tcp" && !proto->empty()) {
        return fail("Bad protocol name");
    }
    auto haddr = field(':');
    if (!haddr) return fail("Missing : separator");
    if (!haddr->empty() && !inet_aton(haddr->c_str(), &fwd.host_addr))
        return fail("Bad host address");
    auto hport = field('-');
    if (!hport) return fail("Bad host port separator");
    auto hp = port(*hport, 0);
    if (!hp) return fail("Bad host port");
    fwd.host_port = *hp;
    auto gaddr = field(':');
    if (!gaddr) return fail("Missing guest address");
    if (!gaddr->empty() && !inet_aton(gaddr->c_str(), &fwd.guest_addr))
        return fail("Bad guest address");
    auto gp = port(std::string(rest), 1);
    if (!gp) return fail("Bad guest port");
    fwd.guest_port = *gp;
    return fwd;
}

// ---------------------------------------------------------------------------
// Timers: an Asio steady_timer on the main loop per slirp timer. The state is
// shared with the pending wait, so that a wait that completes after
// timer_free() finds `freed` set instead of freed memory.

struct SlirpTimer {
    boost::asio::steady_timer timer{main_loop_context()};
    SlirpTimerCb cb = nullptr;
    void* cb_opaque = nullptr;
    uint64_t generation = 0; // a re-armed timer ignores its older waits
    bool freed = false;
};
using SlirpTimerHandle = std::shared_ptr<SlirpTimer>;

int64_t host_clock_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// ---------------------------------------------------------------------------
// The back end

class SlirpBackend final : public NetClientState {
public:
    ~SlirpBackend() override;
    static Result<std::unique_ptr<SlirpBackend>> create(const std::string& name,
                                                        const UserConfig& config);

    size_t receive(const uint8_t* buf, size_t len) override {
        slirp_input(m_slirp, buf, static_cast<int>(len));
        // The frame may have opened a socket or filled one: poll anew.
        wake();
        return len;
    }

private:
    SlirpBackend() = default;
    void wake();
    void poll_loop();
    static const SlirpCb callbacks;

    Slirp* m_slirp = nullptr;
    int m_wake_fd = -1;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_wake_pending{false};
    std::thread m_poller;
    std::vector<pollfd> m_pollfds; // the poller thread's
};

const SlirpCb SlirpBackend::callbacks = {
    .send_packet = [](const void* buf, size_t len, void* opaque) -> ssize_t {
        auto* self = static_cast<SlirpBackend*>(opaque);
        qemu_send_packet(self, static_cast<const uint8_t*>(buf), len);
        return static_cast<ssize_t>(len);
    },
    .guest_error = [](const char* msg, void*) { qemu_log_mask(LOG_GUEST_ERROR, "slirp: {}", msg); },
    .clock_get_ns = [](void*) { return host_clock_ns(); },
    .timer_new = [](SlirpTimerCb cb, void* cb_opaque, void*) -> void* {
        auto* handle = new SlirpTimerHandle(std::make_shared<SlirpTimer>());
        (*handle)->cb = cb;
        (*handle)->cb_opaque = cb_opaque;
        return handle;
    },
    .timer_free =
        [](void* timer, void*) {
            auto* handle = static_cast<SlirpTimerHandle*>(timer);
            (*handle)->freed = true;
            (*handle)->timer.cancel();
            delete handle;
        },
    // `expire_ms` is absolute, in clock_get_ns's time base, in milliseconds.
    .timer_mod =
        [](void* timer, int64_t expire_ms, void*) {
            SlirpTimerHandle t = *static_cast<SlirpTimerHandle*>(timer);
            uint64_t generation = ++t->generation;
            t->timer.expires_at(std::chrono::steady_clock::time_point(
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::milliseconds(expire_ms))));
            t->timer.async_wait([t, generation](const boost::system::error_code& ec) {
                if (ec) return;
                BqlGuard bql;
                if (t->freed || t->generation != generation) return;
                t->cb(t->cb_opaque);
            });
        },
    .register_poll_fd = [](int, void* opaque) { static_cast<SlirpBackend*>(opaque)->wake(); },
    .unregister_poll_fd = [](int, void* opaque) { static_cast<SlirpBackend*>(opaque)->wake(); },
    .notify = [](void* opaque) { static_cast<SlirpBackend*>(opaque)->wake(); },
    .init_completed = nullptr,
    .timer_new_opaque = nullptr,
};

Result<std::unique_ptr<SlirpBackend>> SlirpBackend::create(const std::string& name,
                                                           const UserConfig& c) {
    if (!c.ipv4 && (c.net || c.host || c.dns))
        return make_error("IPv4 disabled but netmask/host/dns provided");
    if (!c.ipv4 && !c.ipv6) return make_error("IPv4 and IPv6 disabled");
    auto addrs = derive_addresses(c);
    if (!addrs) return addrs.take_error();
    std::vector<HostFwd> forwards;
    for (const std::string& rule : c.hostfwd) {
        auto fwd = parse_hostfwd(rule);
        if (!fwd) return fwd.take_error();
        forwards.push_back(*fwd);
    }

    SlirpConfig cfg{};
    cfg.version = 4;
    cfg.restricted = c.restricted;
    cfg.in_enabled = c.ipv4;
    cfg.vnetwork = addrs->net;
    cfg.vnetmask = addrs->mask;
    cfg.vhost = addrs->host;
    cfg.vdhcp_start = addrs->dhcp;
    cfg.vnameserver = addrs->dns;
    // IPv6 as QEMU's defaults: fec0::/64, host fec0::2, DNS fec0::3.
    cfg.in6_enabled = c.ipv6;
    inet_pton(AF_INET6, "fec0::", &cfg.vprefix_addr6);
    cfg.vprefix_len = 64;
    inet_pton(AF_INET6, "fec0::2", &cfg.vhost6);
    inet_pton(AF_INET6, "fec0::3", &cfg.vnameserver6);
    auto c_str = [](const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; };
    cfg.vhostname = c_str(c.hostname);
    cfg.vdomainname = c_str(c.domainname);
    cfg.tftp_path = c_str(c.tftp);
    cfg.bootfile = c_str(c.bootfile);
    cfg.tftp_server_name = c_str(c.tftp_server_name);

    auto self = std::unique_ptr<SlirpBackend>(new SlirpBackend());
    self->name = name;
    self->model = "user";
    self->info_str =
        fmt::format("net={},restrict={}", inet_ntoa(addrs->net), c.restricted ? "on" : "off");
    self->m_wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (self->m_wake_fd < 0) return make_error("eventfd: {}", std::strerror(errno));
    {
        // Slirp is only ever called with the big lock held (see the top).
        std::optional<BqlGuard> bql;
        if (!bql_locked()) bql.emplace();
        self->m_slirp = slirp_new(&cfg, &callbacks, self.get());
        if (!self->m_slirp) return make_error("slirp initialization failed");
        for (size_t i = 0; i < forwards.size(); i++) {
            const HostFwd& f = forwards[i];
            if (slirp_add_hostfwd(self->m_slirp, f.udp, f.host_addr, f.host_port, f.guest_addr,
                                  f.guest_port) < 0)
                return make_error("Could not set up host forwarding rule '{}'", c.hostfwd[i]);
        }
    }
    self->m_poller = std::thread([p = self.get()] { p->poll_loop(); });
    return self;
}

SlirpBackend::~SlirpBackend() {
    m_stop.store(true);
    if (m_wake_fd >= 0) wake();
    // The poller takes the big lock: let go of it while waiting for it.
    if (m_poller.joinable()) {
        if (bql_locked()) {
            BqlUnlockGuard unlocked;
            m_poller.join();
        } else {
            m_poller.join();
        }
    }
    if (m_slirp) {
        std::optional<BqlGuard> bql;
        if (!bql_locked()) bql.emplace();
        slirp_cleanup(m_slirp);
    }
    if (m_wake_fd >= 0) ::close(m_wake_fd);
}

// Cheap to call per frame: only the first call after a poll() writes.
void SlirpBackend::wake() {
    if (m_wake_pending.exchange(true)) return;
    uint64_t one = 1;
    (void)!::write(m_wake_fd, &one, sizeof one);
}

void SlirpBackend::poll_loop() {
    // SLIRP_POLL_* and poll()'s bits, side by side.
    static constexpr std::pair<int, short> kBits[] = {{SLIRP_POLL_IN, POLLIN},
                                                      {SLIRP_POLL_OUT, POLLOUT},
                                                      {SLIRP_POLL_PRI, POLLPRI},
                                                      {SLIRP_POLL_ERR, POLLERR},
                                                      {SLIRP_POLL_HUP, POLLHUP}};
    auto add_poll = [](int fd, int events, void* opaque) -> int {
        auto& fds = static_cast<SlirpBackend*>(opaque)->m_pollfds;
        short bits = 0;
        for (auto [s, p] : kBits)
            if (events & s) bits |= p;
        fds.push_back(pollfd{fd, bits, 0});
        return static_cast<int>(fds.size() - 1);
    };
    auto get_revents = [](int idx, void* opaque) -> int {
        auto& fds = static_cast<SlirpBackend*>(opaque)->m_pollfds;
        int events = 0;
        for (auto [s, p] : kBits)
            if (fds[static_cast<size_t>(idx)].revents & p) events |= s;
        return events;
    };
    while (!m_stop.load()) {
        // Slirp caps the timeout at one second, shorter while TCP timers run.
        uint32_t timeout_ms = UINT32_MAX;
        m_pollfds.clear();
        m_pollfds.push_back(pollfd{m_wake_fd, POLLIN, 0});
        {
            BqlGuard bql;
            if (m_stop.load()) return;
            slirp_pollfds_fill(m_slirp, &timeout_ms, add_poll, this);
        }
        timeout_ms = std::min<uint32_t>(timeout_ms, 1000);
        int n = ::poll(m_pollfds.data(), m_pollfds.size(), static_cast<int>(timeout_ms));
        if (m_pollfds[0].revents & POLLIN) {
            uint64_t count;
            (void)!::read(m_wake_fd, &count, sizeof count);
        }
        m_wake_pending.store(false);
        {
            BqlGuard bql;
            if (m_stop.load()) return;
            slirp_pollfds_poll(m_slirp, n < 0, get_revents, this);
        }
    }
}

} // namespace

Result<std::unique_ptr<NetClientState>> net_internal::net_init_slirp(const std::string& name,
                                                                     const NetOpts& opts) {
    auto config = parse_user_options(opts);
    if (!config) return config.take_error();
    auto backend = SlirpBackend::create(name, *config);
    if (!backend) return backend.take_error();
    return std::unique_ptr<NetClientState>(std::move(*backend));
}

} // namespace mq
