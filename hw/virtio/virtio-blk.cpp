// virtio-blk: a disk (QEMU: hw/block/virtio-blk.c; spec 5.2).
//
// One request is one descriptor chain: a 16-byte header the driver wrote
// (type, reserved, first sector), then data (read by the device for a
// write, written by it for a read), then one status byte the device
// writes last. Reads, writes, flushes, discards and write-zeroes go to the
// -drive back end on the device's I/O thread, so the vCPU never waits for
// the host disk; the completion comes back to the main loop, under the big
// lock, which fills in the status, hands the chain back and interrupts.
// A write is complete for the guest only once the back end has it (and,
// with cache=writethrough or the guest's write cache off, once it is on
// the disk); a flush puts everything before it on the disk.
#include "core/block/block.h"
#include "core/log.h"
#include "core/main-loop.h"
#include "core/module.h"
#include "hw/pci/pci.h"
#include "hw/virtio/virtio-pci.h"
#include "hw/virtio/virtio.h"
#include "hw/virtio/worker.h"

#include <cstring>
#include <memory>

namespace mq {

namespace {

// Feature bits.
enum : unsigned {
    VIRTIO_BLK_F_SEG_MAX = 2,
    VIRTIO_BLK_F_RO = 5,
    VIRTIO_BLK_F_BLK_SIZE = 6,
    VIRTIO_BLK_F_FLUSH = 9,
    VIRTIO_BLK_F_CONFIG_WCE = 11,
    VIRTIO_BLK_F_DISCARD = 13,
    VIRTIO_BLK_F_WRITE_ZEROES = 14,
};

// Request types and status values.
enum : uint32_t {
    VIRTIO_BLK_T_IN = 0,
    VIRTIO_BLK_T_OUT = 1,
    VIRTIO_BLK_T_FLUSH = 4,
    VIRTIO_BLK_T_GET_ID = 8,
    VIRTIO_BLK_T_DISCARD = 11,
    VIRTIO_BLK_T_WRITE_ZEROES = 13,
    VIRTIO_BLK_T_BARRIER = 0x80000000, // legacy; ignored
};
enum : uint8_t { VIRTIO_BLK_S_OK = 0, VIRTIO_BLK_S_IOERR = 1, VIRTIO_BLK_S_UNSUPP = 2 };
constexpr uint32_t VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP = 1;

constexpr uint64_t kSector = 512;
constexpr size_t kIdBytes = 20;
// The largest read or write one request may carry: Linux sends at most a
// few MiB; a chain claiming more is refused rather than buffered.
constexpr uint64_t kMaxRequestBytes = uint64_t(32) << 20;
// Reads and writes go through a host buffer each; together they hold at
// most this much (plus one request) at a time. Past it, requests wait in
// the ring until one completes: a ring of 32 MiB requests would otherwise
// hold up to 32 GiB of host memory. (The I/O thread works through them one
// by one: more in flight would not be faster.)
constexpr uint64_t kMaxInflightBytes = uint64_t(8) << 20;
// QEMU's BDRV_REQUEST_MAX_SECTORS: the discard/write-zeroes limit.
constexpr uint32_t kMaxDiscardSectors = 0x7fffffff >> 9;

// The config space (struct virtio_blk_config), as far as we fill it.
enum : size_t {
    CFG_CAPACITY = 0,    // le64, in 512-byte sectors
    CFG_SEG_MAX = 12,    // le32
    CFG_BLK_SIZE = 20,   // le32
    CFG_WCE = 32,        // u8 writeback
    CFG_NUM_QUEUES = 34, // le16
    CFG_MAX_DISCARD_SECTORS = 36,
    CFG_MAX_DISCARD_SEG = 40,
    CFG_DISCARD_ALIGN = 44,
    CFG_MAX_WZ_SECTORS = 48,
    CFG_MAX_WZ_SEG = 52,
    CFG_WZ_MAY_UNMAP = 56,
    CFG_SIZE = 60,
};

inline constexpr const char* TYPE_VIRTIO_BLK = "virtio-blk-device";

struct VirtIOBlock : VirtIODevice {
    static constexpr const char* type = TYPE_VIRTIO_BLK;
    // Properties.
    std::string drive;
    std::string serial;
    bool config_wce = true;
    bool discard = true;
    bool write_zeroes = true;
    uint16_t queue_size = 256;

    BlockBackend* blk = nullptr;
    bool wce = true; // the guest's view of the write cache
    VirtioWorker io;
    uint64_t inflight_bytes = 0; // host buffers of requests on the I/O thread
    bool throttled = false;      // requests wait in the ring for inflight_bytes
};

// One request in flight: its chain, and the bytes going to or from the disk.
struct BlockRequest {
    VirtQueueElement elem;
    unsigned queue = 0;
    uint64_t generation = 0;
    std::vector<uint8_t> data;
    uint8_t status = VIRTIO_BLK_S_OK;
    uint32_t in_written = 0; // bytes of data written to the chain, status excluded
};

// Back on the main loop: the status byte, the used ring, the interrupt.
void blk_complete(VirtIOBlock& s, BlockRequest& req) {
    if (req.generation != s.reset_generation) return; // the driver reset the device meanwhile
    VirtQueue& vq = s.vq[req.queue];
    if (req.status == VIRTIO_BLK_S_OK && !req.data.empty() && req.in_written) {
        iov_from_buf(s, req.elem.in, 0, req.data.data(), req.in_written);
    }
    iov_from_buf(s, req.elem.in, req.elem.in_len() - 1, &req.status, 1);
    virtqueue_push(s, vq, req.elem, req.in_written + 1);
    virtio_notify(s, vq);
}

void blk_complete_now(VirtIOBlock& s, std::shared_ptr<BlockRequest> req, uint8_t status) {
    req->status = status;
    req->in_written = 0;
    blk_complete(s, *req);
}

// Runs `work` on the I/O thread, then completes on the main loop.
// Its buffer counts against kMaxInflightBytes until then; the completion
// takes the requests that waited for room.
void blk_submit(VirtIOBlock& s, std::shared_ptr<BlockRequest> req,
                std::function<uint8_t(BlockRequest&)> work) {
    s.inflight_bytes += req->data.size();
    s.io.submit([&s, req, work = std::move(work)] {
        req->status = work(*req);
        s.io.complete([&s, req] {
            s.inflight_bytes -= req->data.size();
            blk_complete(s, *req);
            if (s.throttled && s.inflight_bytes < kMaxInflightBytes) {
                s.throttled = false;
                virtio_queue_notify(s, req->queue);
            }
        });
    });
}

bool sector_range_ok(VirtIOBlock& s, uint64_t sector, uint64_t bytes) {
    uint64_t size = s.blk->size();
    if (bytes % kSector) return false;
    if (sector > size / kSector) return false;
    return bytes <= size - sector * kSector;
}

uint8_t status_of(const Status& st, VirtIOBlock& s, const char* what) {
    if (st) return VIRTIO_BLK_S_OK;
    qemu_log_mask(LOG_GUEST_ERROR, "{}: {} failed: {}", s.name, what, st.error().message);
    return VIRTIO_BLK_S_IOERR;
}

void blk_handle_request(VirtIOBlock& s, unsigned queue, VirtQueueElement elem) {
    if (elem.out_len() < 16 || elem.in_len() < 1) {
        virtio_error(s, "virtio-blk missing headers");
        return;
    }
    uint8_t hdr[16];
    iov_to_buf(s, elem.out, 0, hdr, sizeof hdr);
    uint32_t type = virtio_ldl(hdr) & ~VIRTIO_BLK_T_BARRIER;
    uint64_t sector = virtio_ldq(hdr + 8);

    auto req = std::make_shared<BlockRequest>();
    req->queue = queue;
    req->generation = s.reset_generation;
    uint64_t data_in = elem.in_len() - 1;    // what the device may write before the status
    uint64_t data_out = elem.out_len() - 16; // what the driver wrote after the header
    req->elem = std::move(elem);

    switch (type) {
    case VIRTIO_BLK_T_IN: {
        if (!sector_range_ok(s, sector, data_in) || data_in > kMaxRequestBytes) {
            blk_complete_now(s, req, VIRTIO_BLK_S_IOERR);
            return;
        }
        req->data.resize(data_in);
        req->in_written = uint32_t(data_in);
        blk_submit(s, req, [&s, sector](BlockRequest& r) {
            return status_of(s.blk->pread(sector * kSector, r.data.data(), r.data.size()), s,
                             "read");
        });
        return;
    }
    case VIRTIO_BLK_T_OUT: {
        if (s.blk->read_only() || !sector_range_ok(s, sector, data_out) ||
            data_out > kMaxRequestBytes) {
            blk_complete_now(s, req, VIRTIO_BLK_S_IOERR);
            return;
        }
        req->data.resize(data_out);
        iov_to_buf(s, req->elem.out, 16, req->data.data(), data_out);
        bool through = !s.wce;
        blk_submit(s, req, [&s, sector, through](BlockRequest& r) {
            Status st = s.blk->pwrite(sector * kSector, r.data.data(), r.data.size());
            if (st && through) st = s.blk->flush();
            return status_of(st, s, "write");
        });
        return;
    }
    case VIRTIO_BLK_T_FLUSH:
        blk_submit(s, req, [&s](BlockRequest&) { return status_of(s.blk->flush(), s, "flush"); });
        return;
    case VIRTIO_BLK_T_GET_ID: {
        char id[kIdBytes] = {};
        std::memcpy(id, s.serial.data(), std::min(s.serial.size(), kIdBytes));
        req->data.assign(id, id + kIdBytes);
        req->in_written = uint32_t(std::min<uint64_t>(data_in, kIdBytes));
        req->status = VIRTIO_BLK_S_OK;
        blk_complete(s, *req);
        return;
    }
    case VIRTIO_BLK_T_DISCARD:
    case VIRTIO_BLK_T_WRITE_ZEROES: {
        bool is_discard = type == VIRTIO_BLK_T_DISCARD;
        if (!s.has_feature(is_discard ? VIRTIO_BLK_F_DISCARD : VIRTIO_BLK_F_WRITE_ZEROES) ||
            data_out != 16) {
            // One segment per request, as QEMU (max_discard_seg = 1).
            blk_complete_now(s, req, VIRTIO_BLK_S_UNSUPP);
            return;
        }
        uint8_t seg[16];
        iov_to_buf(s, req->elem.out, 16, seg, sizeof seg);
        uint64_t start = virtio_ldq(seg);
        uint32_t count = virtio_ldl(seg + 8);
        uint32_t flags = virtio_ldl(seg + 12);
        uint32_t allowed = is_discard ? 0 : VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP;
        if (flags & ~allowed) {
            blk_complete_now(s, req, VIRTIO_BLK_S_UNSUPP);
            return;
        }
        if (s.blk->read_only() || count > kMaxDiscardSectors ||
            !sector_range_ok(s, start, uint64_t(count) * kSector)) {
            blk_complete_now(s, req, VIRTIO_BLK_S_IOERR);
            return;
        }
        bool unmap = flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP;
        blk_submit(s, req, [&s, is_discard, start, count, unmap](BlockRequest&) {
            uint64_t off = start * kSector, len = uint64_t(count) * kSector;
            if (is_discard) return status_of(s.blk->discard(off, len), s, "discard");
            return status_of(s.blk->write_zeroes(off, len, unmap), s, "write zeroes");
        });
        return;
    }
    default: blk_complete_now(s, req, VIRTIO_BLK_S_UNSUPP); return;
    }
}

void blk_handle_output(VirtIODevice& vdev, VirtQueue& vq) {
    auto& s = static_cast<VirtIOBlock&>(vdev);
    unsigned queue = unsigned(&vq - vdev.vq.data());
    for (;;) {
        if (s.inflight_bytes >= kMaxInflightBytes) {
            s.throttled = true; // the next completion comes back for the rest
            return;
        }
        auto elem = virtqueue_pop(vdev, vq);
        if (!elem) return;
        blk_handle_request(s, queue, std::move(*elem));
    }
}

uint64_t blk_get_features(VirtIODevice& vdev, uint64_t f) {
    auto& s = static_cast<VirtIOBlock&>(vdev);
    f |= virtio_bit(VIRTIO_BLK_F_SEG_MAX) | virtio_bit(VIRTIO_BLK_F_BLK_SIZE) |
         virtio_bit(VIRTIO_BLK_F_FLUSH);
    if (s.config_wce) f |= virtio_bit(VIRTIO_BLK_F_CONFIG_WCE);
    if (s.discard) f |= virtio_bit(VIRTIO_BLK_F_DISCARD);
    if (s.write_zeroes) f |= virtio_bit(VIRTIO_BLK_F_WRITE_ZEROES);
    if (s.blk && s.blk->read_only()) f |= virtio_bit(VIRTIO_BLK_F_RO);
    return f;
}

void blk_get_config(VirtIODevice& vdev, uint8_t* c) {
    auto& s = static_cast<VirtIOBlock&>(vdev);
    std::memset(c, 0, CFG_SIZE);
    virtio_stq(c + CFG_CAPACITY, s.blk->size() / kSector);
    virtio_stl(c + CFG_SEG_MAX, s.queue_size - 2);
    virtio_stl(c + CFG_BLK_SIZE, kSector);
    c[CFG_WCE] = s.wce;
    virtio_stw(c + CFG_NUM_QUEUES, 1);
    virtio_stl(c + CFG_MAX_DISCARD_SECTORS, kMaxDiscardSectors);
    virtio_stl(c + CFG_MAX_DISCARD_SEG, 1);
    virtio_stl(c + CFG_DISCARD_ALIGN, 1);
    virtio_stl(c + CFG_MAX_WZ_SECTORS, kMaxDiscardSectors);
    virtio_stl(c + CFG_MAX_WZ_SEG, 1);
    c[CFG_WZ_MAY_UNMAP] = 1;
}

void blk_set_config(VirtIODevice& vdev, const uint8_t* c) {
    auto& s = static_cast<VirtIOBlock&>(vdev);
    // Only the write-cache byte is writable, and only with CONFIG_WCE.
    if (s.has_feature(VIRTIO_BLK_F_CONFIG_WCE)) s.wce = c[CFG_WCE] != 0;
}

void blk_set_features(VirtIODevice& vdev, uint64_t f) {
    auto& s = static_cast<VirtIOBlock&>(vdev);
    // Without FLUSH the driver cannot flush: every write must be on the disk.
    s.wce = s.blk->write_cache_enabled() && (f & virtio_bit(VIRTIO_BLK_F_FLUSH));
}

void blk_reset(VirtIODevice& vdev) {
    auto& s = static_cast<VirtIOBlock&>(vdev);
    // Requests in flight finish on the disk; their completions are dropped
    // (the reset generation changes).
    s.io.drain();
    s.throttled = false;
    s.wce = s.blk && s.blk->write_cache_enabled();
}

Status blk_realize(VirtIODevice& vdev) {
    auto& s = static_cast<VirtIOBlock&>(vdev);
    if (s.drive.empty()) return make_error("drive property not set");
    s.blk = blk_by_name(s.drive);
    if (!s.blk) {
        return make_error("Property '{}.drive' can't find value '{}'", virtio_user_type_name(vdev),
                          s.drive);
    }
    if (s.blk->size() < kSector) {
        return make_error("Drive '{}' is smaller than one 512-byte sector", s.drive);
    }
    if (auto st = s.blk->attach(&s); !st) return st;
    if (s.queue_size < 4 || s.queue_size > VIRTQUEUE_MAX_SIZE ||
        (s.queue_size & (s.queue_size - 1))) {
        s.blk->detach();
        return make_error("invalid queue-size property ({}), must be a power of 2 between 4 and {}",
                          s.queue_size, VIRTQUEUE_MAX_SIZE);
    }
    s.name = "virtio-blk";
    virtio_init(s, VIRTIO_ID_BLOCK, CFG_SIZE);
    virtio_add_queue(s, s.queue_size, blk_handle_output);
    s.wce = s.blk->write_cache_enabled();
    s.io.start("virtio-blk");
    return {};
}

void blk_unrealize(VirtIODevice& vdev) {
    auto& s = static_cast<VirtIOBlock&>(vdev);
    s.io.stop();
    if (s.blk) s.blk->detach();
    s.blk = nullptr;
}

void blk_class_init(ObjectClass& klass) {
    auto& k = class_cast<VirtioDeviceClass>(klass);
    k.realize = blk_realize;
    k.unrealize = blk_unrealize;
    k.get_features = blk_get_features;
    k.set_features = blk_set_features;
    k.get_config = blk_get_config;
    k.set_config = blk_set_config;
    k.reset = blk_reset;
    k.desc = "Virtio block device";
    device_class_set_category(k, DEVICE_CATEGORY_STORAGE);
    device_class_set_props(
        k,
        {qdev_prop_string("drive", &VirtIOBlock::drive,
                          "Node name or ID of a block device to use as a backend"),
         qdev_prop_string("serial", &VirtIOBlock::serial,
                          "the disk's ID for GET_ID (20 bytes at most)"),
         qdev_prop("config-wce", &VirtIOBlock::config_wce, true,
                   "on/off: the guest may switch the write cache"),
         qdev_prop("discard", &VirtIOBlock::discard, true, "on/off: offer VIRTIO_BLK_F_DISCARD"),
         qdev_prop("write-zeroes", &VirtIOBlock::write_zeroes, true,
                   "on/off: offer VIRTIO_BLK_F_WRITE_ZEROES"),
         qdev_prop("queue-size", &VirtIOBlock::queue_size, uint16_t{256}, "the virtqueue's size")});
}

void register_virtio_blk_types() {
    type_register_static(TypeInfo{
        .name = VirtIOBlock::type,
        .parent = TYPE_VIRTIO_DEVICE,
        .instance_new = new_instance<VirtIOBlock>,
        .class_init = blk_class_init,
    });
    virtio_pci_register_proxy({"virtio-blk-pci", TYPE_VIRTIO_BLK, 0x0100, DEVICE_CATEGORY_STORAGE,
                               "Virtio block device"});
}

} // namespace

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_virtio_blk_types);
