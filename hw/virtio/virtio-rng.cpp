// virtio-rng: entropy for the guest (QEMU: hw/virtio/virtio-rng.c; spec 5.4).
// One queue: the driver offers empty buffers, the device fills them from
// its back end (`rng=ID`, an -object rng-random or rng-builtin; a builtin
// one when none is named) and hands them back. Linux shows it as
// /dev/hwrng.
#include "core/log.h"
#include "core/module.h"
#include "core/rng.h"
#include "hw/virtio/virtio-pci.h"
#include "hw/virtio/virtio.h"

#include <vector>

namespace mq {

namespace {

inline constexpr const char* TYPE_VIRTIO_RNG = "virtio-rng-device";
// The most one buffer gets at a time; the driver asks again for more.
constexpr size_t kMaxChunk = 64 * 1024;

struct VirtIORNG : VirtIODevice {
    static constexpr const char* type = TYPE_VIRTIO_RNG;
    std::string rng; // the back end's id
    RngBackend* backend = nullptr;
    ObjectPtr<Object> default_backend; // when no rng= is given
};

void rng_handle_output(VirtIODevice& vdev, VirtQueue& vq) {
    auto& s = static_cast<VirtIORNG&>(vdev);
    std::vector<uint8_t> buf;
    while (auto elem = virtqueue_pop(vdev, vq)) {
        size_t want = size_t(std::min<uint64_t>(elem->in_len(), kMaxChunk));
        buf.resize(want);
        size_t got = want ? s.backend->fill(buf.data(), want) : 0;
        iov_from_buf(vdev, elem->in, 0, buf.data(), got);
        virtqueue_push(vdev, vq, *elem, uint32_t(got));
    }
    virtio_notify(vdev, vq);
}

Status rng_realize(VirtIODevice& vdev) {
    auto& s = static_cast<VirtIORNG&>(vdev);
    if (s.rng.empty()) {
        auto obj = object_new_as<RngBackend>(TYPE_RNG_BUILTIN);
        if (!obj) return obj.take_error();
        s.backend = obj->get();
        s.default_backend = ObjectPtr<Object>(obj->get());
    } else {
        s.backend = rng_backend_find(s.rng);
        if (!s.backend) {
            return make_error("Property '{}.rng' can't find value '{}'",
                              virtio_user_type_name(vdev), s.rng);
        }
        if (s.backend->in_use) {
            return make_error("Property '{}.rng' can't take value '{}', it's in use",
                              virtio_user_type_name(vdev), s.rng);
        }
        s.backend->in_use = true;
    }
    s.name = "virtio-rng";
    virtio_init(s, VIRTIO_ID_RNG, 0);
    virtio_add_queue(s, 8, rng_handle_output);
    return {};
}

void rng_unrealize(VirtIODevice& vdev) {
    auto& s = static_cast<VirtIORNG&>(vdev);
    if (s.backend && !s.default_backend) s.backend->in_use = false;
    s.backend = nullptr;
    s.default_backend = {};
}

void rng_class_init(ObjectClass& klass) {
    auto& k = class_cast<VirtioDeviceClass>(klass);
    k.realize = rng_realize;
    k.unrealize = rng_unrealize;
    k.desc = "VirtIO RNG";
    device_class_set_category(k, DEVICE_CATEGORY_MISC);
    device_class_set_props(
        k, {qdev_prop_string("rng", &VirtIORNG::rng, "ID of an rng-random or rng-builtin object")});
}

void register_virtio_rng_types() {
    type_register_static(TypeInfo{
        .name = VirtIORNG::type,
        .parent = TYPE_VIRTIO_DEVICE,
        .instance_new = new_instance<VirtIORNG>,
        .class_init = rng_class_init,
    });
    virtio_pci_register_proxy(
        {"virtio-rng-pci", TYPE_VIRTIO_RNG, 0x00ff, DEVICE_CATEGORY_MISC, "VirtIO RNG"});
}

} // namespace

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_virtio_rng_types);
