// The virtio device core: status, features, config space, and the split
// virtqueue with its checks (QEMU: hw/virtio/virtio.c). See virtio.h.
#include "hw/virtio/virtio.h"

#include "core/log.h"
#include "core/module.h"
#include "core/qdev/sysbus.h"
#include "hw/virtio/virtio-pci.h"

#include <atomic>

namespace mq {

namespace {

// The split ring's layout in guest memory (spec 2.7).
constexpr uint16_t VRING_DESC_F_NEXT = 1;     // the chain continues at `next`
constexpr uint16_t VRING_DESC_F_WRITE = 2;    // the device writes this buffer
constexpr uint16_t VRING_DESC_F_INDIRECT = 4; // the buffer is a table of descriptors
constexpr uint16_t VRING_AVAIL_F_NO_INTERRUPT = 1;
constexpr hwaddr kDescSize = 16; // le64 addr, le32 len, le16 flags, le16 next

struct VRingDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

// Whether [addr, addr+len) is guest RAM in `as` (and writable, for the
// device's writes). Buffers anywhere else are the guest's mistake.
bool dma_range_is_ram(AddressSpace* as, hwaddr addr, uint64_t len, bool write) {
    if (len == 0) return true;
    if (addr + len < addr) return false;
    auto view = as->flatview();
    while (len) {
        const FlatRange* fr = view->lookup(addr);
        if (!fr || !fr->mr->is_ram() || (write && fr->readonly)) return false;
        Int128 room = fr->end - addr;
        uint64_t chunk = room < len ? static_cast<uint64_t>(room) : len;
        addr += chunk;
        len -= chunk;
    }
    return true;
}

uint16_t ring_lduw(VirtIODevice& vdev, hwaddr addr) {
    return address_space_lduw(vdev.dma_as(), addr);
}
void ring_stw(VirtIODevice& vdev, hwaddr addr, uint16_t v) {
    address_space_stw(vdev.dma_as(), addr, v);
}

// avail: le16 flags, le16 idx, le16 ring[num], le16 used_event.
hwaddr avail_flags(const VirtQueue& vq) { return vq.avail; }
hwaddr avail_idx(const VirtQueue& vq) { return vq.avail + 2; }
hwaddr avail_ring(const VirtQueue& vq, unsigned i) { return vq.avail + 4 + 2 * i; }
hwaddr used_event(const VirtQueue& vq) { return vq.avail + 4 + 2 * hwaddr(vq.num); }
// used: le16 flags, le16 idx, {le32 id, le32 len} ring[num], le16 avail_event.
hwaddr used_idx(const VirtQueue& vq) { return vq.used + 2; }
hwaddr used_ring(const VirtQueue& vq, unsigned i) { return vq.used + 4 + 8 * hwaddr(i); }
hwaddr avail_event(const VirtQueue& vq) { return vq.used + 4 + 8 * hwaddr(vq.num); }

VRingDesc read_desc(VirtIODevice& vdev, hwaddr table, unsigned i) {
    uint8_t raw[kDescSize];
    address_space_read(vdev.dma_as(), table + kDescSize * i, raw, sizeof raw);
    return VRingDesc{virtio_ldq(raw), virtio_ldl(raw + 8), uint16_t(raw[12] | raw[13] << 8),
                     uint16_t(raw[14] | raw[15] << 8)};
}

// Ring index fences. ThreadSanitizer does not model fences (and guest RAM is
// exempt from it anyway: DEVELOPERS.md), so its builds go without.
void ring_fence(std::memory_order order) {
#ifndef __SANITIZE_THREAD__
    std::atomic_thread_fence(order);
#else
    (void)order;
#endif
}

// The spec's vring_need_event: has the used index passed the point where
// the driver asked to be interrupted, since we last did?
bool vring_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx) {
    return uint16_t(new_idx - event - 1) < uint16_t(new_idx - old_idx);
}

} // namespace

uint64_t VirtQueueElement::out_len() const {
    uint64_t n = 0;
    for (const auto& s : out)
        n += s.len;
    return n;
}
uint64_t VirtQueueElement::in_len() const {
    uint64_t n = 0;
    for (const auto& s : in)
        n += s.len;
    return n;
}

void VirtQueue::reset() {
    num = num_max;
    desc = avail = used = 0;
    ready = false;
    vector = VIRTIO_NO_VECTOR;
    legacy_pfn = 0;
    legacy_align = 4096;
    last_avail_idx = used_idx = signalled_used = 0;
    signalled_used_valid = false;
    inuse = 0;
}

VirtioBusState* VirtIODevice::virtio_bus() const {
    return parent_bus ? object_dynamic_cast<VirtioBusState>(parent_bus) : nullptr;
}

AddressSpace* VirtIODevice::dma_as() const {
    auto* bus = virtio_bus();
    return bus && bus->dma_as ? bus->dma_as() : address_space_memory();
}

VirtioDeviceClass& virtio_device_get_class(VirtIODevice& vdev) {
    return class_cast<VirtioDeviceClass>(*object_get_class(&vdev));
}

void virtio_init(VirtIODevice& vdev, uint16_t device_id, size_t config_size) {
    vdev.device_id = device_id;
    vdev.config.assign(config_size, 0);
    vdev.vq.clear();
    vdev.vq.reserve(64); // queues are referenced by address: never reallocate
}

VirtQueue* virtio_add_queue(VirtIODevice& vdev, uint16_t queue_size,
                            std::function<void(VirtIODevice&, VirtQueue&)> handler) {
    if (vdev.vq.size() == vdev.vq.capacity()) qom_abort("virtio: too many queues");
    VirtQueue& vq = vdev.vq.emplace_back();
    vq.num_max = queue_size;
    vq.handle_output = std::move(handler);
    vq.reset();
    return &vq;
}

uint64_t virtio_host_features(VirtIODevice& vdev, bool legacy) {
    uint64_t f = virtio_bit(VIRTIO_F_NOTIFY_ON_EMPTY) | virtio_bit(VIRTIO_F_ANY_LAYOUT);
    if (vdev.indirect_desc) f |= virtio_bit(VIRTIO_RING_F_INDIRECT_DESC);
    if (vdev.event_idx) f |= virtio_bit(VIRTIO_RING_F_EVENT_IDX);
    if (!legacy) f |= virtio_bit(VIRTIO_F_VERSION_1);
    auto& k = virtio_device_get_class(vdev);
    if (k.get_features) f = k.get_features(vdev, f);
    if (!legacy) f &= ~virtio_bit(VIRTIO_F_NOTIFY_ON_EMPTY) & ~virtio_bit(VIRTIO_F_ANY_LAYOUT);
    return f;
}

bool virtio_set_features(VirtIODevice& vdev, uint64_t features) {
    // Once FEATURES_OK is set the features are fixed (spec 3.1.1).
    if (vdev.status & VIRTIO_CONFIG_S_FEATURES_OK) return false;
    bool bad = features & ~vdev.host_features;
    vdev.guest_features = features & vdev.host_features;
    auto& k = virtio_device_get_class(vdev);
    if (k.set_features) k.set_features(vdev, vdev.guest_features);
    return !bad;
}

void virtio_reset(VirtIODevice& vdev) {
    auto& k = virtio_device_get_class(vdev);
    vdev.reset_generation++;
    if (k.reset) k.reset(vdev);
    vdev.status = 0;
    vdev.isr = 0;
    vdev.guest_features = 0;
    vdev.config_vector = VIRTIO_NO_VECTOR;
    vdev.broken = false;
    for (auto& vq : vdev.vq)
        vq.reset();
    if (auto* bus = vdev.virtio_bus(); bus && bus->update_irq) bus->update_irq(vdev);
}

void virtio_set_status(VirtIODevice& vdev, uint8_t status) {
    auto& k = virtio_device_get_class(vdev);
    vdev.status = status;
    if (k.set_status) k.set_status(vdev, status);
}

void virtio_queue_set_legacy_pfn(VirtIODevice& vdev, unsigned n, uint32_t pfn, uint32_t page_size) {
    if (n >= vdev.vq.size()) return;
    VirtQueue& vq = vdev.vq[n];
    vq.legacy_pfn = pfn;
    if (!pfn) {
        vq.desc = vq.avail = vq.used = 0;
        vq.ready = false;
        return;
    }
    // Legacy layout: the descriptors, then the available ring, then the
    // used ring at the next `align` boundary.
    hwaddr align = vq.legacy_align ? vq.legacy_align : 4096;
    vq.desc = hwaddr(pfn) * (page_size ? page_size : 4096);
    vq.avail = vq.desc + kDescSize * vq.num;
    hwaddr avail_end = vq.avail + 6 + 2 * hwaddr(vq.num);
    vq.used = (avail_end + align - 1) & ~(align - 1);
    vq.ready = true;
}

void virtio_queue_notify(VirtIODevice& vdev, unsigned n) {
    if (n >= vdev.vq.size()) {
        qemu_log_mask(LOG_GUEST_ERROR, "{}: notify for queue {}, which does not exist", vdev.name,
                      n);
        return;
    }
    VirtQueue& vq = vdev.vq[n];
    if (vdev.broken || !virtio_queue_ready(vq) || !vq.handle_output) return;
    vq.handle_output(vdev, vq);
}

uint32_t virtio_config_read(VirtIODevice& vdev, uint32_t addr, unsigned size) {
    if (uint64_t(addr) + size > vdev.config.size()) return ~uint32_t(0);
    auto& k = virtio_device_get_class(vdev);
    if (k.get_config) k.get_config(vdev, vdev.config.data());
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= uint32_t(vdev.config[addr + i]) << (8 * i);
    return v;
}

void virtio_config_write(VirtIODevice& vdev, uint32_t addr, uint32_t value, unsigned size) {
    if (uint64_t(addr) + size > vdev.config.size()) return;
    auto& k = virtio_device_get_class(vdev);
    if (k.get_config) k.get_config(vdev, vdev.config.data());
    for (unsigned i = 0; i < size; i++)
        vdev.config[addr + i] = uint8_t(value >> (8 * i));
    if (k.set_config) k.set_config(vdev, vdev.config.data());
}

uint8_t virtio_isr_read_and_clear(VirtIODevice& vdev) {
    uint8_t isr = vdev.isr;
    vdev.isr = 0;
    if (auto* bus = vdev.virtio_bus(); bus && bus->update_irq) bus->update_irq(vdev);
    return isr;
}

void virtio_error_str(VirtIODevice& vdev, const std::string& message) {
    qemu_log_mask(LOG_GUEST_ERROR, "{}: {}", vdev.name, message);
    vdev.broken = true;
    if (vdev.guest_features & virtio_bit(VIRTIO_F_VERSION_1)) {
        vdev.status |= VIRTIO_CONFIG_S_NEEDS_RESET;
        virtio_notify_config(vdev);
    }
}

bool virtio_queue_empty(VirtIODevice& vdev, VirtQueue& vq) {
    if (!virtio_queue_ready(vq)) return true;
    return ring_lduw(vdev, avail_idx(vq)) == vq.last_avail_idx;
}

std::optional<VirtQueueElement> virtqueue_pop(VirtIODevice& vdev, VirtQueue& vq) {
    if (vdev.broken || !virtio_queue_ready(vq)) return std::nullopt;
    uint16_t idx = ring_lduw(vdev, avail_idx(vq));
    uint16_t pending = uint16_t(idx - vq.last_avail_idx);
    if (pending > vq.num) {
        virtio_error(vdev, "Guest moved used index from {} to {}", vq.last_avail_idx, idx);
        return std::nullopt;
    }
    if (pending == 0) return std::nullopt;
    // Every element handed out and not yet handed back holds a ring slot: a
    // driver that makes more available than the ring holds would otherwise
    // have the device take on requests without bound.
    if (vq.inuse >= vq.num) {
        virtio_error(vdev, "Virtqueue size exceeded");
        return std::nullopt;
    }
    // Read the ring entries only after the index that published them.
    ring_fence(std::memory_order_acquire);

    unsigned head = ring_lduw(vdev, avail_ring(vq, vq.last_avail_idx % vq.num));
    vq.last_avail_idx++;
    // With EVENT_IDX, tell the driver up to where we have looked, so it
    // kicks again only for newer buffers.
    if (vdev.has_feature(VIRTIO_RING_F_EVENT_IDX)) {
        ring_stw(vdev, avail_event(vq), vq.last_avail_idx);
    }
    if (head >= vq.num) {
        virtio_error(vdev, "Guest says index {} is available", head);
        return std::nullopt;
    }

    VirtQueueElement elem;
    elem.index = head;
    hwaddr table = vq.desc;
    unsigned max = vq.num;
    unsigned i = head;
    VRingDesc desc = read_desc(vdev, table, i);
    if (desc.flags & VRING_DESC_F_INDIRECT) {
        // The head points at a table of descriptors; the chain lives there.
        if (!desc.len || desc.len % kDescSize || desc.len / kDescSize > VIRTQUEUE_MAX_SIZE ||
            !dma_range_is_ram(vdev.dma_as(), desc.addr, desc.len, false)) {
            virtio_error(vdev, "Invalid size for indirect buffer table");
            return std::nullopt;
        }
        table = desc.addr;
        max = desc.len / kDescSize;
        i = 0;
        desc = read_desc(vdev, table, i);
    }
    for (unsigned count = 0;;) {
        if (desc.flags & VRING_DESC_F_INDIRECT) {
            virtio_error(vdev, "{}",
                         table == vq.desc ? "Indirect buffer table in a chain"
                                          : "Nested indirect descriptor");
            return std::nullopt;
        }
        bool write = desc.flags & VRING_DESC_F_WRITE;
        if (!desc.len) {
            virtio_error(vdev, "virtio: zero sized buffers are not allowed");
            return std::nullopt;
        }
        if (!dma_range_is_ram(vdev.dma_as(), desc.addr, desc.len, write)) {
            virtio_error(vdev, "virtio: bogus descriptor or out of resources");
            return std::nullopt;
        }
        if (write) {
            elem.in.push_back({desc.addr, desc.len});
        } else {
            if (!elem.in.empty()) {
                virtio_error(vdev, "Incorrect order for descriptors");
                return std::nullopt;
            }
            elem.out.push_back({desc.addr, desc.len});
        }
        if (++count >= max && (desc.flags & VRING_DESC_F_NEXT)) {
            virtio_error(vdev, "Looped descriptor");
            return std::nullopt;
        }
        if (!(desc.flags & VRING_DESC_F_NEXT)) break;
        if (desc.next >= max) {
            virtio_error(vdev, "Desc next is {}", desc.next);
            return std::nullopt;
        }
        desc = read_desc(vdev, table, desc.next);
    }
    vq.inuse++;
    return elem;
}

void virtqueue_unpop(VirtQueue& vq, const VirtQueueElement&) {
    vq.last_avail_idx--;
    vq.inuse--;
}

void virtqueue_fill(VirtIODevice& vdev, VirtQueue& vq, const VirtQueueElement& elem, uint32_t len,
                    unsigned offset) {
    if (vdev.broken || !virtio_queue_ready(vq)) return;
    hwaddr slot = used_ring(vq, uint16_t(vq.used_idx + offset) % vq.num);
    address_space_stl(vdev.dma_as(), slot, elem.index);
    address_space_stl(vdev.dma_as(), slot + 4, len);
}

void virtqueue_flush(VirtIODevice& vdev, VirtQueue& vq, unsigned count) {
    if (vdev.broken || !virtio_queue_ready(vq)) return;
    // The harts run while a device works: the entries must be visible
    // before the index that publishes them.
    ring_fence(std::memory_order_release);
    vq.used_idx = uint16_t(vq.used_idx + count);
    ring_stw(vdev, used_idx(vq), vq.used_idx);
    vq.inuse = vq.inuse > count ? vq.inuse - count : 0;
}

void virtqueue_push(VirtIODevice& vdev, VirtQueue& vq, const VirtQueueElement& elem, uint32_t len) {
    virtqueue_fill(vdev, vq, elem, len, 0);
    virtqueue_flush(vdev, vq, 1);
}

void virtio_notify(VirtIODevice& vdev, VirtQueue& vq) {
    // A broken device hands nothing back (virtqueue_fill), so it has nothing
    // to interrupt for: a request that completes after the break stays quiet.
    if (vdev.broken || !virtio_queue_ready(vq)) return;
    bool notify;
    if (vdev.has_feature(VIRTIO_RING_F_EVENT_IDX)) {
        uint16_t old_idx = vq.signalled_used;
        bool valid = vq.signalled_used_valid;
        vq.signalled_used = vq.used_idx;
        vq.signalled_used_valid = true;
        notify = !valid || vring_need_event(ring_lduw(vdev, used_event(vq)), vq.used_idx, old_idx);
    } else {
        notify = !(ring_lduw(vdev, avail_flags(vq)) & VRING_AVAIL_F_NO_INTERRUPT) ||
                 (vdev.has_feature(VIRTIO_F_NOTIFY_ON_EMPTY) && !vq.inuse &&
                  virtio_queue_empty(vdev, vq));
    }
    if (!notify) return;
    vdev.isr |= VIRTIO_ISR_QUEUE;
    if (auto* bus = vdev.virtio_bus(); bus && bus->notify) bus->notify(vdev, vq.vector);
}

void virtio_notify_config(VirtIODevice& vdev) {
    if (!(vdev.status & VIRTIO_CONFIG_S_DRIVER_OK)) return;
    vdev.isr |= VIRTIO_ISR_CONFIG;
    vdev.generation++;
    if (auto* bus = vdev.virtio_bus(); bus && bus->notify) bus->notify(vdev, vdev.config_vector);
}

size_t iov_to_buf(VirtIODevice& vdev, const std::vector<VirtioSeg>& sg, size_t offset, void* buf,
                  size_t len) {
    auto* out = static_cast<uint8_t*>(buf);
    size_t done = 0;
    for (const auto& s : sg) {
        if (done == len) break;
        if (offset >= s.len) {
            offset -= s.len;
            continue;
        }
        size_t n = std::min<size_t>(s.len - offset, len - done);
        address_space_read(vdev.dma_as(), s.addr + offset, out + done, n);
        done += n;
        offset = 0;
    }
    return done;
}

size_t iov_from_buf(VirtIODevice& vdev, const std::vector<VirtioSeg>& sg, size_t offset,
                    const void* buf, size_t len) {
    const auto* in = static_cast<const uint8_t*>(buf);
    size_t done = 0;
    for (const auto& s : sg) {
        if (done == len) break;
        if (offset >= s.len) {
            offset -= s.len;
            continue;
        }
        size_t n = std::min<size_t>(s.len - offset, len - done);
        address_space_write(vdev.dma_as(), s.addr + offset, in + done, n);
        done += n;
        offset = 0;
    }
    return done;
}

std::string virtio_user_type_name(VirtIODevice& vdev) {
    Object* proxy = vdev.parent_bus ? vdev.parent_bus->parent : nullptr;
    if (proxy && object_dynamic_cast(proxy, TYPE_VIRTIO_PCI)) return object_get_typename(proxy);
    return object_get_typename(&vdev);
}

std::vector<DeviceProperty> virtio_proxy_props(std::string_view backend_type,
                                               std::function<VirtIODevice*(DeviceState&)> child) {
    std::vector<DeviceProperty> out;
    // The backend's class, and its parents' (for indirect_desc, event_idx).
    for (auto* k = object_class_by_name(backend_type); k; k = object_class_get_parent(k)) {
        if (!object_class_dynamic_cast(k, TYPE_DEVICE)) break;
        auto* dc = static_cast<DeviceClass*>(k);
        for (const auto& p : dc->props) {
            DeviceProperty q = p;
            q.set = [set = p.set, child](DeviceState& d, std::string_view v) {
                return set(*child(d), v);
            };
            q.get = [get = p.get, child](DeviceState& d) { return get(*child(d)); };
            q.print = [print = p.print, child](DeviceState& d) { return print(*child(d)); };
            q.set_default = nullptr; // the child sets its own defaults
            out.push_back(std::move(q));
        }
    }
    return out;
}

namespace {

Status virtio_device_realize(DeviceState& dev) {
    auto& vdev = static_cast<VirtIODevice&>(dev);
    auto& k = virtio_device_get_class(vdev);
    if (k.realize) {
        if (auto st = k.realize(vdev); !st) return st;
    }
    auto* bus = vdev.virtio_bus();
    vdev.host_features = virtio_host_features(vdev, bus && bus->legacy && bus->legacy());
    if (bus && bus->device_plugged) {
        if (auto st = bus->device_plugged(vdev); !st) {
            if (k.unrealize) k.unrealize(vdev);
            return st;
        }
    }
    return {};
}

void virtio_device_unrealize(DeviceState& dev) {
    auto& vdev = static_cast<VirtIODevice&>(dev);
    auto& k = virtio_device_get_class(vdev);
    if (k.unrealize) k.unrealize(vdev);
}

void virtio_device_class_init(ObjectClass& klass) {
    auto& dc = class_cast<DeviceClass>(klass);
    dc.realize = virtio_device_realize;
    dc.unrealize = virtio_device_unrealize;
    dc.reset = [](DeviceState& d) { virtio_reset(static_cast<VirtIODevice&>(d)); };
    dc.bus_type = TYPE_VIRTIO_BUS;
    device_class_set_props(
        dc, {qdev_prop("indirect_desc", &VirtIODevice::indirect_desc, true,
                       "on/off: offer VIRTIO_RING_F_INDIRECT_DESC (descriptor tables)"),
             qdev_prop("event_idx", &VirtIODevice::event_idx, true,
                       "on/off: offer VIRTIO_RING_F_EVENT_IDX (interrupt suppression)")});
}

void register_virtio_types() {
    type_register_static(TypeInfo{
        .name = TYPE_VIRTIO_DEVICE,
        .parent = TYPE_DEVICE,
        .abstract = true,
        .instance_new = new_instance<VirtIODevice>,
        .class_new = new_class<VirtioDeviceClass>,
        .class_init = virtio_device_class_init,
    });
    type_register_static(TypeInfo{
        .name = TYPE_VIRTIO_BUS,
        .parent = TYPE_BUS,
        .instance_new = new_instance<VirtioBusState>,
        .class_init = [](ObjectClass& k) { class_cast<BusClass>(k).max_dev = 1; },
    });
}

} // namespace

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_virtio_types);
