// What the block back ends share inside core/block: the options a -drive
// opens with, the base class of every image format, and the formats' open
// functions. Nothing outside core/block includes this.
#pragma once

#include "core/block/block.h"
#include "core/block/file-posix.h"

#include <memory>

namespace mq {

// QEMU's cache= modes as the three flags it reports them by.
struct CacheMode {
    bool writeback = true; // the guest sees a volatile write cache
    bool direct = false;   // O_DIRECT asked for (see README: not used)
    bool no_flush = false; // cache=unsafe: flushes do nothing
};

struct DriveConfig {
    std::string id, filename, format;
    bool read_only = false;
    bool probed = false; // no format=: we guessed it
    bool discard_unmap = false;
    CacheMode cache;
    BlockInterfaceType if_type = BlockInterfaceType::None;
    int index = 0;
    int backing_depth = 0; // 0 for a -drive, 1 for its backing file...
};

// A drive backed by an image in a host file: raw or qcow2.
class ImageBackend : public BlockBackend {
public:
    ImageBackend(const DriveConfig& config, std::unique_ptr<HostFile> file);

    HostFile& file() const { return *m_file; }
    const CacheMode& cache() const { return m_cache; }
    const std::string& node_name() const { return m_node_name; }
    // query-block's "image" extras and `info block -v` (cluster size...).
    virtual uint32_t cluster_size() const { return 0; }
    // The backing file (qcow2): the open image, the name as the header has
    // it, its format, and the name resolved against the image's directory.
    virtual const ImageBackend* backing() const { return nullptr; }
    virtual const std::string& backing_file() const { return m_no_backing; }
    virtual const std::string& backing_format() const { return m_no_backing; }
    virtual std::string full_backing_file() const { return {}; }
    // The format's version (qcow2: 2 or 3), 0 when it has none.
    virtual int format_version() const { return 0; }
    // What this format asks of its file besides reading and writing.
    virtual uint32_t extra_write_perm() const { return 0; }
    // The permissions of the device that -drive if=virtio will plug.
    Status take_device_permissions() { return set_device_permissions(true); }

protected:
    Status set_device_permissions(bool attached) override;
    // Checks a guest request against the disk's size and read-only state.
    Status check_request(uint64_t offset, uint64_t len, bool write) const;

    std::unique_ptr<HostFile> m_file;
    CacheMode m_cache;
    bool m_discard_unmap = false;
    bool m_probed = false;
    std::string m_node_name;

private:
    static inline const std::string m_no_backing;
};

Result<std::unique_ptr<ImageBackend>> raw_open(const DriveConfig& config,
                                               std::unique_ptr<HostFile> file);
Result<std::unique_ptr<ImageBackend>> qcow2_open(const DriveConfig& config,
                                                 std::unique_ptr<HostFile> file);
// Opens a backing file read-only, in `format` ("" = probe), with the
// parent's cache mode (QEMU: bdrv_open_backing_file).
Result<std::unique_ptr<ImageBackend>>
image_open_backing(const DriveConfig& parent, const std::string& path, const std::string& format);
// The default drives without a medium (none2, floppy0, sd0).
const std::vector<std::string>& blk_empty_drive_names();

// True when the first bytes of a file are a qcow2 header.
bool qcow2_probe(const uint8_t* buf, size_t len);

} // namespace mq
