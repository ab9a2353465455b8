// core/net: the client registry and its queues, MAC addresses, `info
// network`, and the "user" back end on libslirp, driven by a fake NIC that
// sends hand-built Ethernet frames (ARP, DHCP, TCP) and looks at what comes
// back.
#include "core/main-loop.h"
#include "core/net/net.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

namespace mq {
namespace {

using Frame = std::vector<uint8_t>;
using namespace std::chrono_literals;

// A NIC that keeps what it receives. Slirp's poller thread delivers with the
// big lock held; the test thread waits on the NIC's own mutex.
class FakeNic : public NetClientState {
public:
    FakeNic() {
        name = "nic0";
        model = "virtio-net-pci";
        info_str = "model=virtio-net-pci,macaddr=52:54:00:12:34:56";
        is_nic = true;
    }
    bool can_receive() override { return accepting; }
    size_t receive(const uint8_t* buf, size_t len) override {
        std::lock_guard lock(m_mutex);
        m_frames.emplace_back(buf, buf + len);
        m_cv.notify_all();
        return len;
    }
    // The first frame (received from now on or earlier) that `match`es,
    // waiting at most `limit`.
    std::optional<Frame> wait_for(const std::function<bool(const Frame&)>& match,
                                  std::chrono::milliseconds limit = 5s) {
        std::unique_lock lock(m_mutex);
        std::optional<Frame> found;
        m_cv.wait_for(lock, limit, [&] {
            for (const Frame& f : m_frames) {
                if (match(f)) {
                    found = f;
                    return true;
                }
            }
            return false;
        });
        return found;
    }
    size_t count() {
        std::lock_guard lock(m_mutex);
        return m_frames.size();
    }
    std::vector<Frame> frames() {
        std::lock_guard lock(m_mutex);
        return m_frames;
    }
    bool accepting = true; // read under the big lock

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::vector<Frame> m_frames;
};

// ---------------------------------------------------------------------------
// Frame building (network byte order throughout)

constexpr uint8_t kGuestMac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
constexpr uint8_t kBroadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
constexpr uint32_t kGuestIp = 0x0a00020f; // 10.0.2.15
constexpr uint32_t kHostIp = 0x0a000202;  // 10.0.2.2

void put16(Frame& f, uint16_t v) {
    f.push_back(static_cast<uint8_t>(v >> 8));
    f.push_back(static_cast<uint8_t>(v));
}
void put32(Frame& f, uint32_t v) {
    put16(f, static_cast<uint16_t>(v >> 16));
    put16(f, static_cast<uint16_t>(v));
}
uint16_t get16(const Frame& f, size_t at) { return static_cast<uint16_t>(f[at] << 8 | f[at + 1]); }
uint32_t get32(const Frame& f, size_t at) {
    return static_cast<uint32_t>(get16(f, at)) << 16 | get16(f, at + 2);
}

// The Internet checksum (RFC 1071) over `len` bytes from `at`, plus `sum`.
uint16_t checksum(const Frame& f, size_t at, size_t len, uint32_t sum = 0) {
    for (size_t i = 0; i < len; i += 2)
        sum += static_cast<uint32_t>(f[at + i] << 8 | (i + 1 < len ? f[at + i + 1] : 0));
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

Frame ethernet(const uint8_t* dst, uint16_t type) {
    Frame f(dst, dst + 6);
    f.insert(f.end(), kGuestMac, kGuestMac + 6);
    put16(f, type);
    return f;
}

// An IPv4 packet around `payload`, with its header checksum.
Frame ipv4(const uint8_t* dst_mac, uint8_t proto, uint32_t src, uint32_t dst,
           const Frame& payload) {
    Frame f = ethernet(dst_mac, 0x0800);
    put16(f, 0x4500); // version 4, 5 words, no TOS
    put16(f, static_cast<uint16_t>(20 + payload.size()));
    put32(f, 0x00004000); // id 0, don't fragment
    f.push_back(64);      // TTL
    f.push_back(proto);
    put16(f, 0); // checksum, below
    put32(f, src);
    put32(f, dst);
    uint16_t sum = checksum(f, 14, 20);
    f[24] = static_cast<uint8_t>(sum >> 8);
    f[25] = static_cast<uint8_t>(sum);
    f.insert(f.end(), payload.begin(), payload.end());
    return f;
}

Frame arp_request(uint32_t target) {
    Frame f = ethernet(kBroadcast, 0x0806);
    put16(f, 1);      // Ethernet
    put16(f, 0x0800); // IPv4
    f.push_back(6);
    f.push_back(4);
    put16(f, 1); // request
    f.insert(f.end(), kGuestMac, kGuestMac + 6);
    put32(f, kGuestIp);
    f.insert(f.end(), 6, 0);
    put32(f, target);
    return f;
}

// DHCPDISCOVER from 0.0.0.0:68 to 255.255.255.255:67, UDP checksum left 0.
Frame dhcp_discover(uint32_t xid) {
    Frame bootp;
    bootp.push_back(1); // BOOTREQUEST
    bootp.push_back(1); // Ethernet
    bootp.push_back(6);
    bootp.push_back(0);
    put32(bootp, xid);
    put16(bootp, 0);                  // secs
    put16(bootp, 0x8000);             // broadcast reply
    bootp.insert(bootp.end(), 16, 0); // ciaddr yiaddr siaddr giaddr
    bootp.insert(bootp.end(), kGuestMac, kGuestMac + 6);
    bootp.insert(bootp.end(), 10 + 64 + 128, 0); // chaddr padding, sname, file
    put32(bootp, 0x63825363);                    // magic cookie
    for (uint8_t b : {53, 1, 1, 255})            // message type DISCOVER, end
        bootp.push_back(b);
    bootp.resize(548, 0);
    Frame udp;
    put16(udp, 68);
    put16(udp, 67);
    put16(udp, static_cast<uint16_t>(8 + bootp.size()));
    put16(udp, 0);
    udp.insert(udp.end(), bootp.begin(), bootp.end());
    return ipv4(kBroadcast, 17, 0, 0xffffffff, udp);
}

// A TCP segment with its checksum over the IPv4 pseudo-header.
Frame tcp_segment(const uint8_t* dst_mac, uint32_t src, uint16_t sport, uint32_t dst,
                  uint16_t dport, uint8_t flags, uint32_t seq) {
    Frame tcp;
    put16(tcp, sport);
    put16(tcp, dport);
    put32(tcp, seq);
    put32(tcp, 0);
    tcp.push_back(5 << 4); // 20-byte header
    tcp.push_back(flags);
    put16(tcp, 65535); // window
    put16(tcp, 0);     // checksum, below
    put16(tcp, 0);
    uint32_t pseudo = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 6 +
                      static_cast<uint32_t>(tcp.size());
    uint16_t sum = checksum(tcp, 0, tcp.size(), pseudo);
    tcp[16] = static_cast<uint8_t>(sum >> 8);
    tcp[17] = static_cast<uint8_t>(sum);
    return ipv4(dst_mac, 6, src, dst, tcp);
}

constexpr uint8_t kSyn = 0x02, kRst = 0x04, kAck = 0x10;

// Frame parsing: the offsets of an untagged IPv4 frame.
bool is_ipv4(const Frame& f, uint8_t proto) {
    return f.size() >= 34 && get16(f, 12) == 0x0800 && f[23] == proto;
}
size_t l4(const Frame& f) { return 14 + (f[14] & 0xf) * 4u; }

bool is_tcp_to(const Frame& f, uint32_t dst, uint16_t dport) {
    return is_ipv4(f, 6) && get32(f, 30) == dst && get16(f, l4(f) + 2) == dport;
}
uint8_t tcp_flags(const Frame& f) { return f[l4(f) + 13]; }

// A listening socket on 127.0.0.1 and a port the kernel chose.
struct Listener {
    int fd = -1;
    uint16_t port = 0;
    Listener() {
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 4) != 0 ||
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
            ADD_FAILURE() << "cannot listen on 127.0.0.1";
        }
        port = ntohs(a.sin_port);
    }
    ~Listener() { ::close(fd); }
    // Whether a connection arrives within `limit`.
    bool connection_within(std::chrono::milliseconds limit) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(limit.count())) != 1) return false;
        int c = ::accept(fd, nullptr, nullptr);
        if (c >= 0) ::close(c);
        return c >= 0;
    }
};

// A free TCP port on 127.0.0.1 (free when we looked).
uint16_t free_port() {
    Listener l;
    return l.port;
}

// ---------------------------------------------------------------------------

class NetTest : public ::testing::Test {
protected:
    void TearDown() override {
        {
            // The poller thread reads the peer pointers under the lock.
            BqlGuard bql;
            nic.reset();
        }
        net_cleanup();
    }
    // A user back end from `opts` with a fake NIC as its peer.
    NetClientState* connect(const std::string& opts) {
        auto st = netdev_add("user,id=n0" + opts);
        EXPECT_TRUE(st) << (st ? "" : st.error().message);
        NetClientState* backend = qemu_find_netdev("n0");
        if (!backend) return nullptr;
        BqlGuard bql;
        nic = std::make_unique<FakeNic>();
        nic->peer = backend;
        backend->peer = nic.get();
        qemu_net_register(nic.get());
        return backend;
    }
    void send(const Frame& f) {
        BqlGuard bql;
        qemu_send_packet(nic.get(), f.data(), f.size());
    }
    // ARP for 10.0.2.2; slirp also learns our MAC from it. Returns the reply.
    std::optional<Frame> arp_host(std::chrono::milliseconds limit = 5s) {
        send(arp_request(kHostIp));
        return nic->wait_for(
            [](const Frame& f) {
                return f.size() >= 42 && get16(f, 12) == 0x0806 && get16(f, 20) == 2;
            },
            limit);
    }
    std::unique_ptr<FakeNic> nic;
};

TEST_F(NetTest, DhcpDiscoverGetsAnOfferOfTheFirstLease) {
    ASSERT_TRUE(connect(""));
    send(dhcp_discover(0x1234abcd));
    auto offer = nic->wait_for([](const Frame& f) {
        return is_ipv4(f, 17) && get16(f, l4(f) + 2) == 68 && get32(f, l4(f) + 8 + 4) == 0x1234abcd;
    });
    ASSERT_TRUE(offer) << "no DHCP reply";
    const Frame& f = *offer;
    size_t bootp = l4(f) + 8;
    EXPECT_EQ(f[bootp], 2) << "BOOTREPLY";
    EXPECT_EQ(get32(f, bootp + 16), kGuestIp) << "yiaddr";
    // The options: message type, router and DNS server.
    std::map<uint8_t, Frame> options;
    ASSERT_EQ(get32(f, bootp + 236), 0x63825363u);
    for (size_t at = bootp + 240; at + 1 < f.size() && f[at] != 255;) {
        if (f[at] == 0) {
            at++;
            continue;
        }
        options[f[at]] = Frame(f.begin() + at + 2, f.begin() + at + 2 + f[at + 1]);
        at += 2 + f[at + 1];
    }
    EXPECT_EQ(options[53], Frame{2}) << "DHCPOFFER";
    EXPECT_EQ(options[3], (Frame{10, 0, 2, 2})) << "router";
    EXPECT_EQ(options[6], (Frame{10, 0, 2, 3})) << "DNS";
    EXPECT_EQ(options[1], (Frame{255, 255, 255, 0})) << "netmask";
}

TEST_F(NetTest, DhcpHonoursNetAndDhcpstart) {
    ASSERT_TRUE(connect(",net=192.168.76.0/24,dhcpstart=192.168.76.9"));
    send(dhcp_discover(7));
    auto offer = nic->wait_for([](const Frame& f) { return is_ipv4(f, 17); });
    ASSERT_TRUE(offer);
    size_t bootp = l4(*offer) + 8;
    EXPECT_EQ(get32(*offer, bootp + 16), 0xc0a84c09u) << "yiaddr 192.168.76.9";
}

TEST_F(NetTest, ArpForTheHostGetsAReply) {
    ASSERT_TRUE(connect(""));
    auto reply = arp_host();
    ASSERT_TRUE(reply);
    EXPECT_EQ(get32(*reply, 28), kHostIp) << "sender IP";
    EXPECT_EQ(get32(*reply, 38), kGuestIp) << "target IP";
    EXPECT_TRUE(std::equal(kGuestMac, kGuestMac + 6, reply->begin())) << "sent to us";
}

TEST_F(NetTest, TcpToTheHostAddressReachesAHostListener) {
    ASSERT_TRUE(connect(""));
    auto arp = arp_host();
    ASSERT_TRUE(arp);
    const uint8_t* host_mac = arp->data() + 22;
    Listener listener;
    send(tcp_segment(host_mac, kGuestIp, 40000, kHostIp, listener.port, kSyn, 1000));
    EXPECT_TRUE(listener.connection_within(5s)) << "slirp connects to 127.0.0.1";
    auto synack = nic->wait_for([](const Frame& f) {
        return is_tcp_to(f, kGuestIp, 40000) && (tcp_flags(f) & (kSyn | kAck)) == (kSyn | kAck);
    });
    ASSERT_TRUE(synack) << "no SYN-ACK back";
    EXPECT_EQ(get32(*synack, l4(*synack) + 8), 1001u) << "acknowledges our SYN";
}

TEST_F(NetTest, RestrictOnRefusesOutboundConnections) {
    ASSERT_TRUE(connect(",restrict=on"));
    auto arp = arp_host();
    ASSERT_TRUE(arp);
    Listener listener;
    send(tcp_segment(arp->data() + 22, kGuestIp, 40001, kHostIp, listener.port, kSyn, 1));
    auto reset = nic->wait_for([](const Frame& f) { return is_tcp_to(f, kGuestIp, 40001); });
    ASSERT_TRUE(reset);
    EXPECT_TRUE(tcp_flags(*reset) & kRst) << "the guest hears a reset";
    EXPECT_FALSE(listener.connection_within(200ms)) << "nothing reaches the host";
}

TEST_F(NetTest, HostfwdBringsAHostConnectionToTheGuest) {
    uint16_t host_port = free_port();
    ASSERT_TRUE(connect(fmt::format(",hostfwd=tcp:127.0.0.1:{}-:2222", host_port)));
    ASSERT_TRUE(arp_host()); // so slirp knows where 10.0.2.15 is
    int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(host_port);
    int rc = ::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a);
    EXPECT_TRUE(rc == 0 || errno == EINPROGRESS) << std::strerror(errno);
    auto syn = nic->wait_for([](const Frame& f) {
        return is_tcp_to(f, kGuestIp, 2222) && (tcp_flags(f) & (kSyn | kAck)) == kSyn;
    });
    ::close(c);
    ASSERT_TRUE(syn) << "no SYN for 10.0.2.15:2222";
    EXPECT_EQ(get32(*syn, 26), kHostIp) << "from the host's address";
}

TEST_F(NetTest, TheNicsQueueHoldsFramesUntilFlushed) {
    ASSERT_TRUE(connect(""));
    {
        BqlGuard bql;
        nic->accepting = false;
    }
    // Slirp answers within slirp_input(), into the NIC's queue.
    auto reply = arp_host(0ms);
    EXPECT_FALSE(reply);
    size_t queued;
    {
        BqlGuard bql;
        queued = nic->queue.size();
    }
    ASSERT_GE(queued, 1u);
    EXPECT_EQ(nic->count(), 0u);
    {
        BqlGuard bql;
        nic->accepting = true;
        qemu_flush_queued_packets(nic.get());
        EXPECT_TRUE(nic->queue.empty());
    }
    EXPECT_EQ(nic->count(), queued);
}

// Two plain clients: queueing order, the bound, frames without a peer.
TEST(NetQueue, FramesWaitInOrderAndBeyondTheLimitAreDropped) {
    FakeNic a, b;
    uint8_t frame[2] = {0, 0};
    qemu_send_packet(&a, frame, sizeof frame); // no peer: dropped, no crash
    a.peer = &b;
    b.peer = &a;
    b.accepting = false;
    for (int i = 0; i < 10005; i++) {
        frame[0] = static_cast<uint8_t>(i);
        frame[1] = static_cast<uint8_t>(i >> 8);
        qemu_send_packet(&a, frame, sizeof frame);
    }
    EXPECT_EQ(b.queue.size(), 10000u) << "QEMU's nq_maxlen";
    b.accepting = true;
    frame[0] = 0xaa;
    frame[1] = 0xbb;
    // Something older is still queued: a new frame goes behind it.
    qemu_send_packet(&a, frame, sizeof frame);
    EXPECT_EQ(b.count(), 0u);
    qemu_flush_queued_packets(&b);
    EXPECT_TRUE(b.queue.empty());
    ASSERT_EQ(b.count(), 10000u);
    EXPECT_FALSE(b.wait_for(
        [](const Frame& f) {
            return f == Frame{0xaa, 0xbb};
        },
        0ms))
        << "the last frame was dropped: the queue was full";
    std::vector<Frame> got = b.frames();
    bool in_order = true;
    for (size_t i = 0; i < got.size(); i++)
        in_order &= got[i] == Frame{static_cast<uint8_t>(i), static_cast<uint8_t>(i >> 8)};
    EXPECT_TRUE(in_order) << "delivered in the order sent";
    net_cleanup();
}

TEST(NetMac, ParsesQemuSpellings) {
    auto mac = qemu_parse_macaddr("52:54:00:ab:CD:0e");
    ASSERT_TRUE(mac);
    EXPECT_EQ(*mac, (MacAddr{0x52, 0x54, 0x00, 0xab, 0xcd, 0x0e}));
    EXPECT_EQ(*qemu_parse_macaddr("2-4-6-8-a-c"), (MacAddr{2, 4, 6, 8, 10, 12}));
    EXPECT_EQ(*qemu_parse_macaddr("0x123456"), (MacAddr{0, 0, 0, 0x12, 0x34, 0x56}));
    for (const char* bad : {"", "zz", "52:54:00:12:34", "52:54:00:12:34:56:78", "123:0:0:0:0:0",
                            "52:54:00:12:34:5g"}) {
        auto r = qemu_parse_macaddr(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().message, "invalid syntax for ethernet address");
    }
}

TEST(NetMac, DefaultsCountUpSkippingUsedOnes) {
    net_cleanup();
    EXPECT_EQ(qemu_mac_strdup_printf(qemu_macaddr_default_if_unset()), "52:54:00:12:34:56");
    qemu_macaddr_set_used(MacAddr{0x52, 0x54, 0x00, 0x12, 0x34, 0x57});
    EXPECT_EQ(qemu_mac_strdup_printf(qemu_macaddr_default_if_unset()), "52:54:00:12:34:58");
    net_cleanup();
    EXPECT_EQ(qemu_mac_strdup_printf(qemu_macaddr_default_if_unset()), "52:54:00:12:34:56");
    net_cleanup();
}

TEST_F(NetTest, InfoNetworkShowsTheBackEndUnderItsNic) {
    ASSERT_TRUE(netdev_add("user,id=lonely,net=192.168.9.0/24,restrict=on"));
    ASSERT_TRUE(connect(""));
    EXPECT_EQ(net_info_string(),
              "lonely: index=0,type=user,net=192.168.9.0,restrict=on\n"
              "nic0: index=0,type=nic,model=virtio-net-pci,macaddr=52:54:00:12:34:56\n"
              " \\ n0: index=0,type=user,net=10.0.2.0,restrict=off\n");
}

TEST_F(NetTest, NicAddMakesABackEndAndTheDeviceText) {
    auto first = nic_add("user,hostfwd=tcp::0-:22");
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(*first, "virtio-net-pci,netdev=__org.qemu.nic0,mac=52:54:00:12:34:56");
    auto second = nic_add("user,id=mine,model=virtio-net-pci,mac=52:54:00:12:34:99");
    ASSERT_TRUE(second);
    EXPECT_EQ(*second, "virtio-net-pci,netdev=mine,mac=52:54:00:12:34:99");
    EXPECT_EQ(*nic_add("none"), "");
    EXPECT_TRUE(qemu_find_netdev("__org.qemu.nic0"));
    EXPECT_TRUE(qemu_find_netdev("mine"));
    auto dup = nic_add("user,id=mine");
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().message, "Duplicate ID 'mine'");
}

TEST_F(NetTest, LegacyNetShowsQemusHub) {
    auto devices = net_legacy_add({"nic", "user,restrict=on"});
    ASSERT_TRUE(devices) << devices.error().message;
    ASSERT_EQ(devices->size(), 1u);
    EXPECT_EQ(devices->front(), "virtio-net-pci,netdev=#net0,mac=52:54:00:12:34:56");
    EXPECT_EQ(net_info_string(), "hub 0\n"
                                 " \\ hub0port1: #net0: index=0,type=user,net=10.0.2.0,"
                                 "restrict=on\n"
                                 " \\ hub0port0\n");
    // Once the NIC is there, it fills its port.
    NetClientState* backend = qemu_find_netdev("#net0");
    ASSERT_TRUE(backend);
    {
        BqlGuard bql;
        nic = std::make_unique<FakeNic>();
        nic->peer = backend;
        backend->peer = nic.get();
        qemu_net_register(nic.get());
    }
    EXPECT_EQ(net_info_string(), "hub 0\n"
                                 " \\ hub0port1: #net0: index=0,type=user,net=10.0.2.0,"
                                 "restrict=on\n"
                                 " \\ hub0port0: nic0: index=0,type=nic,model=virtio-net-pci,"
                                 "macaddr=52:54:00:12:34:56\n");
}

TEST_F(NetTest, UserOptionErrorsUseQemusWords) {
    struct Case {
        const char* spec;
        const char* message;
    } cases[] = {
        {"user", "Parameter 'id' is missing"},
        {"id=x", "Parameter 'type' is missing"},
        {"foo,id=x", "Parameter 'type' does not accept value 'foo'"},
        {"tap,id=x", "network backend 'tap' is not compiled into this binary"},
        {"user,id=x,bogus=1", "Invalid parameter 'bogus'"},
        {"user,id=x,hostfwd=foo", "Invalid host forwarding rule 'foo' (No : separators)"},
        {"user,id=x,hostfwd=xyz::1-:2",
         "Invalid host forwarding rule 'xyz::1-:2' (Bad protocol name)"},
        {"user,id=x,hostfwd=tcp:2222-:22",
         "Invalid host forwarding rule 'tcp:2222-:22' (Bad host address)"},
        {"user,id=x,hostfwd=tcp::2222",
         "Invalid host forwarding rule 'tcp::2222' (Bad host port separator)"},
        {"user,id=x,hostfwd=tcp::70000-:22",
         "Invalid host forwarding rule 'tcp::70000-:22' (Bad host port)"},
        {"user,id=x,hostfwd=tcp::1-:0",
         "Invalid host forwarding rule 'tcp::1-:0' (Bad guest port)"},
        {"user,id=x,net=10.0.2.0/33", "Invalid netmask provided (must be in range 4-32)"},
        {"user,id=x,net=nope", "Failed to parse netmask"},
        {"user,id=x,host=1.2.3.4", "Host doesn't belong to network"},
        {"user,id=x,dns=10.0.2.2", "DNS must be different from host"},
        {"user,id=x,restrict=on,dns=1.1.1.1", "DNS doesn't belong to network"},
        {"user,id=x,dhcpstart=10.0.2.2", "DHCP must be different from host and DNS"},
        {"user,id=x,dhcpstart=1.2.3.4", "DHCP doesn't belong to network"},
        {"user,id=x,restrict=maybe", "Parameter 'restrict' expects 'on' or 'off'"},
        {"user,id=x,ipv4=off,ipv6=off", "IPv4 and IPv6 disabled"},
    };
    for (const auto& c : cases) {
        auto st = netdev_add(c.spec);
        ASSERT_FALSE(st) << c.spec;
        EXPECT_EQ(st.error().message, c.message) << c.spec;
    }
    EXPECT_FALSE(qemu_find_netdev("x")) << "a failed back end is not kept";
}

TEST_F(NetTest, AHostPortInUseCannotBeForwarded) {
    Listener busy;
    std::string rule = fmt::format("tcp:127.0.0.1:{}-:22", busy.port);
    auto st = netdev_add("user,id=n1,hostfwd=" + rule);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message, "Could not set up host forwarding rule '" + rule + "'");
    ASSERT_TRUE(netdev_add("user,id=n1"));
    auto dup = netdev_add("user,id=n1");
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().message, "Duplicate ID 'n1' for netdev");
}

} // namespace
} // namespace mq
