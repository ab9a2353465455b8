// Block back ends: what -drive opens and a disk device reads and writes
// (QEMU: block/block-backend.c, blockdev.c, block/file-posix.c).
//
// A BlockBackend is one -drive: a host file opened once, in a format
// (raw; qcow2 if supported), found by its id. A device (virtio-blk) names it
// with its "drive" property and attaches to it; one drive, one device.
//
// I/O is synchronous and thread-safe: a device may call it from a worker
// thread without the big lock. Every call reports a host failure as an
// Error (the device turns it into an I/O error status for the guest).
//
// Persistence: pwrite() returns once the data is in the host file's page
// cache; with cache=writethrough (or directsync) also on the disk. flush()
// puts everything written so far on the disk in every mode except
// cache=unsafe, where it does nothing, as in QEMU.
#pragma once

#include "core/error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mq {

struct DeviceState;

enum class BlockInterfaceType { None, Virtio, Ide, Scsi, Floppy, Pflash, Mtd, Sd };

class BlockBackend {
public:
    virtual ~BlockBackend() = default;

    const std::string& id() const { return m_id; }
    const std::string& filename() const { return m_filename; }
    const std::string& format() const { return m_format; } // "raw", "qcow2"
    bool read_only() const { return m_read_only; }
    // cache=writeback, none and unsafe: the guest sees a volatile write
    // cache (virtio-blk's WCE); writethrough and directsync: it does not.
    bool write_cache_enabled() const { return m_write_cache; }
    BlockInterfaceType if_type() const { return m_if_type; }
    int index() const { return m_index; } // -drive index= (or its order on the bus)

    // The virtual disk's size in bytes.
    virtual uint64_t size() const = 0;
    virtual Status pread(uint64_t offset, void* buf, uint64_t len) = 0;
    virtual Status pwrite(uint64_t offset, const void* buf, uint64_t len) = 0;
    virtual Status flush() = 0;
    // Discard may do nothing; the range then still reads as before.
    virtual Status discard(uint64_t offset, uint64_t len) = 0;
    // Afterwards the range reads as zeroes.
    virtual Status write_zeroes(uint64_t offset, uint64_t len, bool may_unmap) = 0;

    // The device using it, or null. attach() fails, in QEMU's wording, when
    // another device already has it.
    DeviceState* device() const { return m_device; }
    Status attach(DeviceState* dev);
    void detach();

protected:
    // attach() takes the image permissions a disk device holds (write,
    // unless read-only, and nobody else writing: QEMU's image locking);
    // detach() gives them back. Back ends without a host file need none.
    virtual Status set_device_permissions(bool attached) {
        (void)attached;
        return {};
    }

    std::string m_id, m_filename, m_format;
    bool m_read_only = false;
    bool m_write_cache = true;
    BlockInterfaceType m_if_type = BlockInterfaceType::None;
    int m_index = 0;
    DeviceState* m_device = nullptr;
};

// -drive FILE-SPEC: parses the option's value, opens the file, and registers
// the drive. Errors carry QEMU's wording (the caller adds the location).
Result<BlockBackend*> drive_new(std::string_view spec);
// The drive with this id, or null.
BlockBackend* blk_by_name(std::string_view id);
// Every drive, in command-line order.
std::vector<BlockBackend*> blk_all();
// Closes every drive (at exit, after the devices are gone; also for tests).
void blk_remove_all();
// Flushes every writable drive (at exit, as QEMU's bdrv_close_all).
void blk_flush_all();
// QEMU's empty default drives (the CD-ROM none2, floppy0, sd0) that
// `info block` and query-block list on virt unless -nodefaults.
void blk_add_default_drives();

} // namespace mq
