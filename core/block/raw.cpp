// The raw format: the disk is the file, byte for byte (QEMU: block/raw-format.c
// on block/file-posix.c).
#include "core/block/block-internal.h"

#include <cstring>

namespace mq {

namespace {

class RawBackend : public ImageBackend {
public:
    RawBackend(const DriveConfig& config, std::unique_ptr<HostFile> file, uint64_t size)
        : ImageBackend(config, std::move(file)), m_size(size) {}

    uint64_t size() const override { return m_size; }

    Status pread(uint64_t offset, void* buf, uint64_t len) override {
        if (auto st = check_request(offset, len, false); !st) return st;
        return m_file->pread(offset, buf, len);
    }

    Status pwrite(uint64_t offset, const void* buf, uint64_t len) override {
        if (auto st = check_request(offset, len, true); !st) return st;
        // A guessed raw format may not become another format: QEMU refuses
        // writes that would put an image header in block 0.
        if (m_probed && offset == 0 && qcow2_probe(static_cast<const uint8_t*>(buf), len))
            return make_error("Could not write image: {}", std::strerror(EPERM));
        return m_file->pwrite(offset, buf, len);
    }

    Status flush() override { return m_file->flush(); }

    Status discard(uint64_t offset, uint64_t len) override {
        if (auto st = check_request(offset, len, true); !st) return st;
        if (!m_discard_unmap) return {}; // discard=ignore, the default
        return m_file->discard(offset, len);
    }

    Status write_zeroes(uint64_t offset, uint64_t len, bool may_unmap) override {
        if (auto st = check_request(offset, len, true); !st) return st;
        // ZERO_RANGE may itself deallocate; either way the range reads as zeroes.
        (void)may_unmap;
        return m_file->write_zeroes(offset, len);
    }

private:
    uint64_t m_size;
};

} // namespace

Result<std::unique_ptr<ImageBackend>> raw_open(const DriveConfig& config,
                                               std::unique_ptr<HostFile> file) {
    auto len = file->length();
    if (!len) return len.take_error();
    return std::unique_ptr<ImageBackend>(new RawBackend(config, std::move(file), *len));
}

} // namespace mq
