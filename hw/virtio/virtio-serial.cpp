// virtio-serial with one console port (QEMU: hw/char/virtio-serial-bus.c,
// hw/char/virtio-console.c; spec 5.3):
//   -device virtio-serial-pci -device virtconsole,chardev=ID
// gives the guest a second console, /dev/hvc0 in Linux, on any chardev.
//
// The device offers no MULTIPORT feature, so there is exactly one port,
// port 0, on two queues: receive (0) carries host input to the guest,
// transmit (1) carries the guest's output to the chardev. The port itself
// is a device, `virtconsole`, plugged into the serial device's own bus, as
// in QEMU; a second port on the same device is refused (its bus is full).
#include "core/chardev.h"
#include "core/log.h"
#include "core/module.h"
#include "hw/virtio/virtio-pci.h"
#include "hw/virtio/virtio.h"

namespace mq {

namespace {

inline constexpr const char* TYPE_VIRTIO_SERIAL = "virtio-serial-device";
inline constexpr const char* TYPE_VIRTIO_SERIAL_BUS = "virtio-serial-bus";
inline constexpr const char* TYPE_VIRTCONSOLE = "virtconsole";
// struct virtio_console_config: le16 cols, le16 rows, le32 max_nr_ports,
// le32 emerg_wr.
constexpr size_t CFG_MAX_NR_PORTS = 4, CFG_SIZE = 12;
// The most one transmit chain may carry to the chardev at once.
constexpr uint64_t kMaxChunk = 64 * 1024;

struct VirtConsole;

struct VirtIOSerial : VirtIODevice {
    static constexpr const char* type = TYPE_VIRTIO_SERIAL;
    BusState* bus = nullptr;
    VirtConsole* port() const;
    VirtQueue& rx() { return vq[0]; }
    VirtQueue& tx() { return vq[1]; }
};

struct VirtConsole : DeviceState {
    static constexpr const char* type = TYPE_VIRTCONSOLE;
    std::string chardev; // property
    Chardev* chr = nullptr;
    VirtIOSerial* serial() const {
        return parent_bus ? object_dynamic_cast<VirtIOSerial>(parent_bus->parent) : nullptr;
    }
};

VirtConsole* VirtIOSerial::port() const {
    return bus && !bus->children.empty() ? object_dynamic_cast<VirtConsole>(bus->children.front())
                                         : nullptr;
}

bool driver_ready(VirtIOSerial& s) {
    return (s.status & VIRTIO_CONFIG_S_DRIVER_OK) && !s.broken && virtio_queue_ready(s.rx());
}

// Host input: as much as the guest's receive buffers hold now.
size_t console_can_receive(VirtIOSerial& s) {
    if (!driver_ready(s) || virtio_queue_empty(s, s.rx())) return 0;
    return 4096;
}

void console_receive(VirtIOSerial& s, const uint8_t* buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        auto elem = virtqueue_pop(s, s.rx());
        if (!elem) break;
        size_t n = size_t(std::min<uint64_t>(elem->in_len(), len - done));
        iov_from_buf(s, elem->in, 0, buf + done, n);
        virtqueue_push(s, s.rx(), *elem, uint32_t(n));
        done += n;
    }
    if (done < len) {
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-serial: {} input bytes had no receive buffer",
                      len - done);
    }
    virtio_notify(s, s.rx());
}

void serial_handle_rx(VirtIODevice& vdev, VirtQueue&) {
    auto& s = static_cast<VirtIOSerial&>(vdev);
    if (VirtConsole* port = s.port(); port && port->chr) port->chr->accept_input();
}

void serial_handle_tx(VirtIODevice& vdev, VirtQueue& vq) {
    auto& s = static_cast<VirtIOSerial&>(vdev);
    VirtConsole* port = s.port();
    std::vector<uint8_t> data;
    while (auto elem = virtqueue_pop(vdev, vq)) {
        data.resize(size_t(std::min<uint64_t>(elem->out_len(), kMaxChunk)));
        iov_to_buf(vdev, elem->out, 0, data.data(), data.size());
        if (port && port->chr) port->chr->write(data.data(), data.size());
        virtqueue_push(vdev, vq, *elem, 0);
    }
    virtio_notify(vdev, vq);
}

void serial_get_config(VirtIODevice&, uint8_t* c) {
    std::fill_n(c, CFG_SIZE, 0);
    virtio_stl(c + CFG_MAX_NR_PORTS, 1);
}

Status serial_realize(VirtIODevice& vdev) {
    auto& s = static_cast<VirtIOSerial&>(vdev);
    s.name = "virtio-serial";
    virtio_init(s, VIRTIO_ID_CONSOLE, CFG_SIZE);
    virtio_add_queue(s, 128, serial_handle_rx);
    virtio_add_queue(s, 128, serial_handle_tx);
    if (!s.bus) s.bus = qbus_new(TYPE_VIRTIO_SERIAL_BUS, &s, "");
    return {};
}

Status console_realize(DeviceState& dev) {
    auto& p = static_cast<VirtConsole&>(dev);
    VirtIOSerial* s = p.serial();
    if (!s) return make_error("virtconsole needs a virtio-serial bus");
    if (!p.chardev.empty()) {
        p.chr = qemu_chr_find(p.chardev);
        if (!p.chr) {
            return make_error("Property 'virtconsole.chardev' can't find value '{}'", p.chardev);
        }
        if (p.chr->frontend_open()) {
            return make_error("Property 'virtconsole.chardev' can't take value '{}', it's in use",
                              p.chardev);
        }
        p.chr->attach(CharFrontend{
            .can_receive = [s] { return console_can_receive(*s); },
            .receive = [s](const uint8_t* buf, size_t len) { console_receive(*s, buf, len); },
            .event = [](ChrEvent) {},
        });
    }
    return {};
}

void serial_class_init(ObjectClass& klass) {
    auto& k = class_cast<VirtioDeviceClass>(klass);
    k.realize = serial_realize;
    k.get_config = serial_get_config;
    k.desc = "VirtIO serial (one console port: virtconsole)";
    device_class_set_category(k, DEVICE_CATEGORY_INPUT);
}

void console_class_init(ObjectClass& klass) {
    auto& dc = class_cast<DeviceClass>(klass);
    dc.realize = console_realize;
    dc.bus_type = TYPE_VIRTIO_SERIAL_BUS;
    dc.desc = "a virtio console port (/dev/hvc0) on a chardev";
    device_class_set_category(dc, DEVICE_CATEGORY_INPUT);
    device_class_set_props(dc, {qdev_prop_string("chardev", &VirtConsole::chardev,
                                                 "ID of a chardev to use as a backend")});
}

void register_virtio_serial_types() {
    type_register_static(TypeInfo{
        .name = TYPE_VIRTIO_SERIAL,
        .parent = TYPE_VIRTIO_DEVICE,
        .instance_new = new_instance<VirtIOSerial>,
        .class_init = serial_class_init,
    });
    type_register_static(TypeInfo{
        .name = TYPE_VIRTIO_SERIAL_BUS,
        .parent = TYPE_BUS,
        .class_init = [](ObjectClass& k) { class_cast<BusClass>(k).max_dev = 1; },
    });
    type_register_static(TypeInfo{
        .name = TYPE_VIRTCONSOLE,
        .parent = TYPE_DEVICE,
        .instance_new = new_instance<VirtConsole>,
        .class_init = console_class_init,
    });
    virtio_pci_register_proxy({"virtio-serial-pci", TYPE_VIRTIO_SERIAL, 0x0780,
                               DEVICE_CATEGORY_INPUT,
                               "VirtIO serial (one console port: virtconsole)"});
}

} // namespace

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_virtio_serial_types);
