// virtio-net: an Ethernet card (QEMU: hw/net/virtio-net.c; spec 5.1).
//
// Two queues: receive (0), where the driver leaves empty buffers for
// frames from the network, and transmit (1), where it puts frames to send.
// Every frame travels behind a small header (struct virtio_net_hdr: no
// checksum offload or segmentation is offered, so it is all zeroes here,
// except num_buffers: how many receive buffers the frame took, with
// mergeable receive buffers, or 1 in the 12-byte modern form). The NIC is one end of
// a link whose other end is the -netdev back end (libslirp's user-mode
// network): core/net/net.h.
#include "core/log.h"
#include "core/module.h"
#include "core/net/net.h"
#include "hw/virtio/virtio-pci.h"
#include "hw/virtio/virtio.h"

#include <cstring>

namespace mq {

namespace {

enum : unsigned {
    VIRTIO_NET_F_MAC = 5,
    VIRTIO_NET_F_MRG_RXBUF = 15,
    VIRTIO_NET_F_STATUS = 16,
};
constexpr uint16_t VIRTIO_NET_S_LINK_UP = 1;
// The config space: mac[6], le16 status.
constexpr size_t CFG_MAC = 0, CFG_STATUS = 6, CFG_SIZE = 8;
// The largest frame accepted from the driver (a 64 KiB IP packet plus the
// Ethernet header); anything longer is the guest's mistake.
constexpr size_t kMaxFrame = 65535 + 14;
constexpr uint16_t kQueueSize = 256;

inline constexpr const char* TYPE_VIRTIO_NET = "virtio-net-device";

struct VirtIONet;

// The NIC's end of the link.
class VirtioNetClient : public NetClientState {
public:
    VirtIONet* n = nullptr;
    bool can_receive() override;
    size_t receive(const uint8_t* buf, size_t len) override;
};

struct VirtIONet : VirtIODevice {
    static constexpr const char* type = TYPE_VIRTIO_NET;
    std::string netdev; // property: the back end's id
    std::string mac_str;
    MacAddr mac{};
    VirtioNetClient nic;
    bool registered = false;

    unsigned hdr_len() const {
        return has_feature(VIRTIO_F_VERSION_1) || has_feature(VIRTIO_NET_F_MRG_RXBUF) ? 12 : 10;
    }
    VirtQueue& rx() { return vq[0]; }
    VirtQueue& tx() { return vq[1]; }
};

bool VirtioNetClient::can_receive() {
    return (n->status & VIRTIO_CONFIG_S_DRIVER_OK) && !n->broken && virtio_queue_ready(n->rx()) &&
           !virtio_queue_empty(*n, n->rx());
}

// With mergeable receive buffers the frame may take several buffers; the
// first one's header says how many. Either all are there or none is taken.
size_t receive_mergeable(VirtIONet& n, const uint8_t* buf, size_t len) {
    const unsigned hdr_len = n.hdr_len();
    std::vector<VirtQueueElement> elems;
    uint64_t room = 0;
    while (room < hdr_len + len) {
        auto elem = virtqueue_pop(n, n.rx());
        if (!elem || elem->in.empty()) {
            if (elem) virtio_error(n, "virtio-net receive queue contains no in buffers");
            for (auto it = elems.rbegin(); it != elems.rend(); ++it)
                virtqueue_unpop(n.rx(), *it);
            return elem ? len : 0; // a broken device drops it; else wait for buffers
        }
        room += elem->in_len();
        elems.push_back(std::move(*elem));
    }
    uint8_t hdr[12] = {};
    virtio_stw(hdr + 10, uint16_t(elems.size())); // num_buffers
    size_t offset = 0;                            // into the frame
    for (unsigned i = 0; i < elems.size(); i++) {
        const auto& e = elems[i];
        size_t at = 0;
        if (i == 0) {
            iov_from_buf(n, e.in, 0, hdr, hdr_len);
            at = hdr_len;
        }
        size_t n_bytes = size_t(std::min<uint64_t>(e.in_len() - at, len - offset));
        iov_from_buf(n, e.in, at, buf + offset, n_bytes);
        offset += n_bytes;
        virtqueue_fill(n, n.rx(), e, uint32_t(at + n_bytes), i);
    }
    virtqueue_flush(n, n.rx(), unsigned(elems.size()));
    virtio_notify(n, n.rx());
    return len;
}

size_t VirtioNetClient::receive(const uint8_t* buf, size_t len) {
    if (!can_receive()) return 0;
    if (n->has_feature(VIRTIO_NET_F_MRG_RXBUF)) return receive_mergeable(*n, buf, len);
    auto elem = virtqueue_pop(*n, n->rx());
    if (!elem) return 0;
    unsigned hdr_len = n->hdr_len();
    uint64_t room = elem->in_len();
    if (room < hdr_len) {
        virtio_error(*n, "virtio-net receive queue contains no in buffers");
        return len;
    }
    uint8_t hdr[12] = {};
    if (hdr_len == 12) hdr[10] = 1; // num_buffers: the frame is in this one buffer
    iov_from_buf(*n, elem->in, 0, hdr, hdr_len);
    size_t copied = size_t(std::min<uint64_t>(len, room - hdr_len));
    if (copied < len) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "virtio-net: a {}-byte frame does not fit a {}-byte receive buffer; "
                      "truncated",
                      len, room);
    }
    iov_from_buf(*n, elem->in, hdr_len, buf, copied);
    virtqueue_push(*n, n->rx(), *elem, uint32_t(hdr_len + copied));
    virtio_notify(*n, n->rx());
    return len;
}

// The driver added receive buffers: frames that waited can go in now.
void net_handle_rx(VirtIODevice& vdev, VirtQueue&) {
    auto& n = static_cast<VirtIONet&>(vdev);
    qemu_flush_queued_packets(&n.nic);
}

void net_handle_tx(VirtIODevice& vdev, VirtQueue& vq) {
    auto& n = static_cast<VirtIONet&>(vdev);
    std::vector<uint8_t> frame;
    unsigned hdr_len = n.hdr_len();
    while (auto elem = virtqueue_pop(vdev, vq)) {
        uint64_t out = elem->out_len();
        if (out < hdr_len) {
            virtio_error(vdev, "virtio-net header not in first element");
            return;
        }
        if (out - hdr_len > kMaxFrame) {
            qemu_log_mask(LOG_GUEST_ERROR, "virtio-net: dropping a {}-byte frame (over {})",
                          out - hdr_len, kMaxFrame);
        } else {
            frame.resize(out - hdr_len);
            iov_to_buf(vdev, elem->out, hdr_len, frame.data(), frame.size());
            if (n.nic.peer) qemu_send_packet(&n.nic, frame.data(), frame.size());
        }
        virtqueue_push(vdev, vq, *elem, 0);
    }
    virtio_notify(vdev, vq);
}

uint64_t net_get_features(VirtIODevice&, uint64_t f) {
    return f | virtio_bit(VIRTIO_NET_F_MAC) | virtio_bit(VIRTIO_NET_F_STATUS) |
           virtio_bit(VIRTIO_NET_F_MRG_RXBUF);
}

void net_get_config(VirtIODevice& vdev, uint8_t* c) {
    auto& n = static_cast<VirtIONet&>(vdev);
    std::memcpy(c + CFG_MAC, n.mac.data(), 6);
    virtio_stw(c + CFG_STATUS, VIRTIO_NET_S_LINK_UP);
}

void net_set_config(VirtIODevice& vdev, const uint8_t* c) {
    // A legacy driver without CTRL_MAC_ADDR may write the MAC here.
    auto& n = static_cast<VirtIONet&>(vdev);
    if (!n.has_feature(VIRTIO_F_VERSION_1)) std::memcpy(n.mac.data(), c + CFG_MAC, 6);
}

Status net_realize(VirtIODevice& vdev) {
    auto& n = static_cast<VirtIONet&>(vdev);
    std::string tname = virtio_user_type_name(vdev);
    NetClientState* peer = nullptr;
    if (!n.netdev.empty()) {
        peer = qemu_find_netdev(n.netdev);
        if (!peer) {
            return make_error("Property '{}.netdev' can't find value '{}'", tname, n.netdev);
        }
        if (peer->peer) {
            return make_error("Property '{}.netdev' can't use value '{}', it's in use", tname,
                              n.netdev);
        }
    }
    if (!n.mac_str.empty()) {
        auto mac = qemu_parse_macaddr(n.mac_str);
        if (!mac) return make_error("Property '{}.mac' doesn't take value '{}'", tname, n.mac_str);
        n.mac = *mac;
    } else {
        n.mac = qemu_macaddr_default_if_unset();
    }
    n.name = "virtio-net";
    virtio_init(n, VIRTIO_ID_NET, CFG_SIZE);
    virtio_add_queue(n, kQueueSize, net_handle_rx);
    virtio_add_queue(n, kQueueSize, net_handle_tx);

    n.nic.n = &n;
    n.nic.is_nic = true;
    n.nic.model = tname;
    n.nic.name = n.id.empty() ? tname + ".0" : n.id;
    n.nic.info_str = fmt::format("model={},macaddr={:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
                                 tname, n.mac[0], n.mac[1], n.mac[2], n.mac[3], n.mac[4], n.mac[5]);
    if (peer) {
        n.nic.peer = peer;
        peer->peer = &n.nic;
    }
    qemu_net_register(&n.nic);
    n.registered = true;
    return {};
}

void net_unrealize(VirtIODevice& vdev) {
    auto& n = static_cast<VirtIONet&>(vdev);
    if (n.nic.peer) n.nic.peer->peer = nullptr;
    n.nic.peer = nullptr;
    if (n.registered) qemu_net_unregister(&n.nic);
    n.registered = false;
}

void net_class_init(ObjectClass& klass) {
    auto& k = class_cast<VirtioDeviceClass>(klass);
    k.realize = net_realize;
    k.unrealize = net_unrealize;
    k.get_features = net_get_features;
    k.get_config = net_get_config;
    k.set_config = net_set_config;
    k.reset = [](VirtIODevice& vdev) { static_cast<VirtIONet&>(vdev).nic.queue.clear(); };
    k.desc = "Virtio network device";
    device_class_set_category(k, DEVICE_CATEGORY_NETWORK);
    device_class_set_props(
        k, {qdev_prop_string("netdev", &VirtIONet::netdev, "ID of a netdev to use as a backend"),
            qdev_prop_string("mac", &VirtIONet::mac_str, "Ethernet 6-byte MAC Address")});
}

void register_virtio_net_types() {
    type_register_static(TypeInfo{
        .name = VirtIONet::type,
        .parent = TYPE_VIRTIO_DEVICE,
        .instance_new = new_instance<VirtIONet>,
        .class_init = net_class_init,
    });
    virtio_pci_register_proxy({"virtio-net-pci", TYPE_VIRTIO_NET, 0x0200, DEVICE_CATEGORY_NETWORK,
                               "Virtio network device"});
}

} // namespace

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_virtio_net_types);
