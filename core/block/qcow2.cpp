// qcow2 (QEMU: block/qcow2.c, docs/interop/qcow2.txt). Recognised by its
// magic so that probing does not mistake it for raw, but not opened yet.
#include "core/block/block-internal.h"

#include <cstring>

namespace mq {

bool qcow2_probe(const uint8_t* buf, size_t len) {
    // "QFI\xfb" followed by a big-endian version, 2 or 3.
    static const uint8_t magic[4] = {'Q', 'F', 'I', 0xfb};
    return len >= 4 && std::memcmp(buf, magic, 4) == 0;
}

Result<std::unique_ptr<ImageBackend>> qcow2_open(const DriveConfig& config,
                                                 std::unique_ptr<HostFile> file) {
    (void)file;
    return make_error("Unsupported format '{}': miniqemu opens raw images only; convert it "
                      "with 'qemu-img convert -O raw'",
                      config.format);
}

} // namespace mq
