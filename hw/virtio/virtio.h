// Virtio: the device side of the standard paravirtual interface
// (QEMU: include/hw/virtio/virtio.h, hw/virtio/virtio.c; the spec is
// "Virtual I/O Device (VIRTIO) Version 1.2").
//
// Three layers, as in QEMU:
//   - a transport (virtio-mmio.cpp, virtio-pci.cpp) is what the guest sees
//     on its bus: registers for feature negotiation, status, queue setup
//     and notification, and an interrupt line;
//   - the transport owns a virtio bus with one slot, where
//   - a VirtIODevice (virtio-blk, virtio-net, virtio-rng, virtio-serial)
//     plugs in: it has feature bits, a config space and virtqueues, and
//     never knows which transport carries it.
//
// A virtqueue (split ring) is three areas in guest RAM that the driver
// allocates: the descriptor table (buffers: address, length, flags, next),
// the available ring (heads of chains the driver offers) and the used ring
// (heads the device has finished, with how much it wrote). The device pops
// a chain from the available ring (virtqueue_pop), reads the buffers the
// driver filled ("out") and writes the ones it left for the device ("in"),
// then pushes it to the used ring (virtqueue_push) and interrupts
// (virtio_notify). Every descriptor is checked: a loop, a bad index or a
// buffer outside RAM marks the device broken (virtio_error), as in QEMU,
// with a guest_errors line; the host carries on.
#pragma once

#include "core/memory.h"
#include "core/qdev/qdev.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mq {

inline constexpr const char* TYPE_VIRTIO_DEVICE = "virtio-device";
inline constexpr const char* TYPE_VIRTIO_BUS = "virtio-bus";

// Device types (the spec's "Device ID").
enum : uint16_t {
    VIRTIO_ID_NET = 1,
    VIRTIO_ID_BLOCK = 2,
    VIRTIO_ID_CONSOLE = 3,
    VIRTIO_ID_RNG = 4,
};

// The device status register: the driver's progress through initialization.
enum : uint8_t {
    VIRTIO_CONFIG_S_ACKNOWLEDGE = 1,
    VIRTIO_CONFIG_S_DRIVER = 2,
    VIRTIO_CONFIG_S_DRIVER_OK = 4,
    VIRTIO_CONFIG_S_FEATURES_OK = 8,
    VIRTIO_CONFIG_S_NEEDS_RESET = 0x40,
    VIRTIO_CONFIG_S_FAILED = 0x80,
};

// Feature bits every device shares (the device-specific ones are 0..23).
enum : unsigned {
    VIRTIO_F_NOTIFY_ON_EMPTY = 24,
    VIRTIO_F_ANY_LAYOUT = 27,
    VIRTIO_RING_F_INDIRECT_DESC = 28,
    VIRTIO_RING_F_EVENT_IDX = 29,
    VIRTIO_F_VERSION_1 = 32,
    VIRTIO_F_ACCESS_PLATFORM = 33,
    VIRTIO_F_RING_PACKED = 34,
};

inline constexpr uint64_t virtio_bit(unsigned bit) { return uint64_t(1) << bit; }

// The interrupt status bits (ISR): a used buffer, or a config change.
enum : uint8_t { VIRTIO_ISR_QUEUE = 1, VIRTIO_ISR_CONFIG = 2 };

inline constexpr uint16_t VIRTIO_NO_VECTOR = 0xffff;
inline constexpr unsigned VIRTQUEUE_MAX_SIZE = 1024;

// One guest buffer: where it is and how long.
struct VirtioSeg {
    hwaddr addr;
    uint32_t len;
};

// A popped descriptor chain: what the driver wrote (out) and where the
// device may write (in), with the head index to push back.
struct VirtQueueElement {
    unsigned index = 0;
    std::vector<VirtioSeg> out;
    std::vector<VirtioSeg> in;

    uint64_t out_len() const;
    uint64_t in_len() const;
};

struct VirtIODevice;

struct VirtQueue {
    // Set by the driver through the transport.
    uint16_t num = 0; // ring size; 0 while unused
    hwaddr desc = 0, avail = 0, used = 0;
    bool ready = false; // modern: QueueReady / queue_enable
    uint16_t vector = VIRTIO_NO_VECTOR;
    // Legacy transports place the rings from one page number.
    uint32_t legacy_pfn = 0;
    uint32_t legacy_align = 4096;

    // The device's position in the rings.
    uint16_t num_max = 0; // the largest size the device accepts
    uint16_t last_avail_idx = 0;
    uint16_t used_idx = 0;
    uint16_t signalled_used = 0;
    bool signalled_used_valid = false;
    unsigned inuse = 0;

    std::function<void(VirtIODevice&, VirtQueue&)> handle_output;

    void reset();
};

// The transport's side of the bus: what a device needs from whoever
// carries it. Set by virtio-mmio or virtio-pci when they create the bus.
struct VirtioBusState : BusState {
    static constexpr const char* type = TYPE_VIRTIO_BUS;
    // Raise the interrupt for `vector` (the ISR bits are already set).
    std::function<void(VirtIODevice&, uint16_t vector)> notify;
    // The ISR was cleared (or the device reset): lower the line.
    std::function<void(VirtIODevice&)> update_irq;
    // The address space the device's DMA goes through.
    std::function<AddressSpace*()> dma_as;
    // Whether the transport speaks the legacy (pre-1.0) interface.
    std::function<bool()> legacy;
    // A device was plugged / is about to be unplugged.
    std::function<Status(VirtIODevice&)> device_plugged;
};

struct VirtioDeviceClass : DerivedClass<VirtioDeviceClass, DeviceClass> {
    // The device's realize: virtio_init(), its queues, its back end.
    std::function<Status(VirtIODevice&)> realize;
    std::function<void(VirtIODevice&)> unrealize;
    // The device's own feature bits, given those the transport offers.
    std::function<uint64_t(VirtIODevice&, uint64_t features)> get_features;
    std::function<void(VirtIODevice&, uint64_t features)> set_features;
    // Fill / take the config space (VirtIODevice::config).
    std::function<void(VirtIODevice&, uint8_t* config)> get_config;
    std::function<void(VirtIODevice&, const uint8_t* config)> set_config;
    std::function<void(VirtIODevice&)> reset;
    std::function<void(VirtIODevice&, uint8_t status)> set_status;
};

struct VirtIODevice : DeviceState {
    static constexpr const char* type = TYPE_VIRTIO_DEVICE;

    std::string name; // "virtio-blk"
    uint16_t device_id = 0;
    uint8_t status = 0;
    uint8_t isr = 0;
    uint16_t config_vector = VIRTIO_NO_VECTOR;
    uint8_t generation = 0;      // config generation, bumped on changes
    uint64_t host_features = 0;  // what the device offers
    uint64_t guest_features = 0; // what the driver accepted
    uint64_t backend_features = 0;
    std::vector<uint8_t> config; // the device-specific config space
    std::vector<VirtQueue> vq;
    bool broken = false;
    // Bumped by every reset: work a worker finishes for an older
    // generation is dropped.
    uint64_t reset_generation = 0;
    // Properties every virtio device has (QEMU: DEFINE_VIRTIO_COMMON_FEATURES).
    bool indirect_desc = true;
    bool event_idx = true;

    VirtioBusState* virtio_bus() const;
    AddressSpace* dma_as() const;
    bool has_feature(unsigned bit) const { return guest_features & virtio_bit(bit); }
};

VirtioDeviceClass& virtio_device_get_class(VirtIODevice& vdev);

// For a device's realize: its identity and config-space size, and queues.
void virtio_init(VirtIODevice& vdev, uint16_t device_id, size_t config_size);
VirtQueue* virtio_add_queue(VirtIODevice& vdev, uint16_t queue_size,
                            std::function<void(VirtIODevice&, VirtQueue&)> handler);

// --- for transports ---
void virtio_reset(VirtIODevice& vdev);
void virtio_set_status(VirtIODevice& vdev, uint8_t status);
// Returns false (and takes nothing) when the driver asks for bits the
// device did not offer.
bool virtio_set_features(VirtIODevice& vdev, uint64_t features);
// The features the transport offers: the device's, plus the ring ones.
uint64_t virtio_host_features(VirtIODevice& vdev, bool legacy);
void virtio_queue_notify(VirtIODevice& vdev, unsigned n);
// Legacy ring placement from a page frame number.
void virtio_queue_set_legacy_pfn(VirtIODevice& vdev, unsigned n, uint32_t pfn, uint32_t page_size);
// The config space, as the transport reads and writes it (little-endian).
uint32_t virtio_config_read(VirtIODevice& vdev, uint32_t addr, unsigned size);
void virtio_config_write(VirtIODevice& vdev, uint32_t addr, uint32_t value, unsigned size);
// Reads the ISR and clears it (lowering the line).
uint8_t virtio_isr_read_and_clear(VirtIODevice& vdev);

// --- for devices ---
// The next chain the driver offers, or nothing (none left, or broken).
std::optional<VirtQueueElement> virtqueue_pop(VirtIODevice& vdev, VirtQueue& vq);
// Hands an element back to the driver with `len` bytes written.
void virtqueue_push(VirtIODevice& vdev, VirtQueue& vq, const VirtQueueElement& elem, uint32_t len);
// The same in two steps, for several elements that must appear together
// (a frame spread over several receive buffers): fill writes used entry
// `offset` past the current index, flush publishes `count` of them.
void virtqueue_fill(VirtIODevice& vdev, VirtQueue& vq, const VirtQueueElement& elem, uint32_t len,
                    unsigned offset);
void virtqueue_flush(VirtIODevice& vdev, VirtQueue& vq, unsigned count);
// Gives back a popped element, unused, to be popped again.
void virtqueue_unpop(VirtQueue& vq, const VirtQueueElement& elem);
// Interrupts the driver for this queue, unless it asked not to be.
void virtio_notify(VirtIODevice& vdev, VirtQueue& vq);
void virtio_notify_config(VirtIODevice& vdev);
// Whether the driver has offered buffers the device has not taken.
bool virtio_queue_empty(VirtIODevice& vdev, VirtQueue& vq);
inline bool virtio_queue_ready(const VirtQueue& vq) { return vq.num && vq.desc && vq.ready; }
// The guest drove the device into an impossible state: log it, mark the
// device broken until reset, and tell a modern driver it needs a reset.
template <typename... Args>
void virtio_error(VirtIODevice& vdev, fmt::format_string<Args...> format, Args&&... args);
void virtio_error_str(VirtIODevice& vdev, const std::string& message);

// Copies between a chain's buffers and host memory, from `offset` into
// the chain. Returns the bytes copied.
size_t iov_to_buf(VirtIODevice& vdev, const std::vector<VirtioSeg>& sg, size_t offset, void* buf,
                  size_t len);
size_t iov_from_buf(VirtIODevice& vdev, const std::vector<VirtioSeg>& sg, size_t offset,
                    const void* buf, size_t len);

// Little-endian config-space helpers.
inline void virtio_stw(uint8_t* p, uint16_t v) {
    p[0] = uint8_t(v);
    p[1] = uint8_t(v >> 8);
}
inline void virtio_stl(uint8_t* p, uint32_t v) {
    virtio_stw(p, uint16_t(v));
    virtio_stw(p + 2, uint16_t(v >> 16));
}
inline void virtio_stq(uint8_t* p, uint64_t v) {
    virtio_stl(p, uint32_t(v));
    virtio_stl(p + 4, uint32_t(v >> 32));
}
inline uint32_t virtio_ldl(const uint8_t* p) {
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
inline uint64_t virtio_ldq(const uint8_t* p) {
    return uint64_t(virtio_ldl(p)) | uint64_t(virtio_ldl(p + 4)) << 32;
}

template <typename... Args>
void virtio_error(VirtIODevice& vdev, fmt::format_string<Args...> format, Args&&... args) {
    virtio_error_str(vdev, fmt::format(format, std::forward<Args>(args)...));
}

// The type name the user typed for this device, for errors about its
// properties: a virtio-X-pci's, when the device is its backend, as QEMU
// names the alias property ("Property 'virtio-blk-pci.drive' ...").
std::string virtio_user_type_name(VirtIODevice& vdev);

// A transport's 64-bit ring address written as two 32-bit halves.
inline void virtio_set_half(hwaddr& field, uint64_t value, bool high) {
    value &= 0xffffffffull;
    field = high ? (field & 0xffffffffull) | (value << 32) : (field & ~0xffffffffull) | value;
}

// Properties a transport proxy (virtio-blk-pci) shows for its backend
// device: each forwards to the same property of `child(proxy)`.
std::vector<DeviceProperty> virtio_proxy_props(std::string_view backend_type,
                                               std::function<VirtIODevice*(DeviceState&)> child);

} // namespace mq
