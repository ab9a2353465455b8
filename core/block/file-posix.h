// A host file holding a disk image (QEMU: block/file-posix.c): the loops
// around pread/pwrite, flush, hole punching, and QEMU's image locking.
//
// Image locking: QEMU takes shared OFD locks on single bytes of the image so
// that two QEMUs cannot both write it. Byte 100+i means "I hold permission
// i"; byte 200+i means "I do not let others hold permission i". Before
// taking a permission we test 200+i, before refusing to share one we test
// 100+i; any lock held there by another open file description (another
// process, or another open of the same file in this one) is a conflict.
// The offsets and bits are QEMU 7.2's, so miniqemu and QEMU see each other.
#pragma once

#include "core/error.h"

#include <cstdint>
#include <memory>
#include <string>

namespace mq {

// QEMU's BLK_PERM_* bits.
enum BlockPerm : uint32_t {
    BLK_PERM_CONSISTENT_READ = 0x01,
    BLK_PERM_WRITE = 0x02,
    BLK_PERM_WRITE_UNCHANGED = 0x04,
    BLK_PERM_RESIZE = 0x08,
    BLK_PERM_ALL = 0x0f,
};

enum class OpenMode { ReadOnly, ReadWrite };
enum class Sync { Never, AfterEachWrite };

class HostFile {
public:
    HostFile() = default;
    HostFile(const HostFile&) = delete;
    HostFile& operator=(const HostFile&) = delete;
    ~HostFile();

    // Opens `path` (a regular file). ReadWrite falls back to read-only when
    // the file may not be written (QEMU's auto-read-only for -drive): the
    // failure is reported only when write permission is asked for.
    static Result<std::unique_ptr<HostFile>> open(const std::string& path, OpenMode mode);

    const std::string& path() const { return m_path; }
    bool writable() const { return m_writable; }
    // The file's length in bytes (may change as a format grows it).
    Result<uint64_t> length() const;
    // Bytes the file occupies on the host disk (st_blocks).
    uint64_t allocated_bytes() const;

    // Reads past the end of the file read as zeroes.
    Status pread(uint64_t offset, void* buf, uint64_t len) const;
    Status pwrite(uint64_t offset, const void* buf, uint64_t len);
    Status flush();
    Status discard(uint64_t offset, uint64_t len);
    Status write_zeroes(uint64_t offset, uint64_t len);
    Status truncate(uint64_t len);

    // cache=writethrough/directsync: every write reaches the disk before it
    // returns. cache=unsafe: flush does nothing.
    void set_sync(Sync sync) { m_sync = sync; }
    void set_ignore_flush(bool ignore) { m_ignore_flush = ignore; }

    // Takes `perm` and refuses to share what is not in `shared`, or fails
    // with QEMU's "Failed to get ... lock" and changes nothing.
    Status set_perm(uint32_t perm, uint32_t shared);

private:
    Status write_all(uint64_t offset, const void* buf, uint64_t len);
    Status lock_byte(int byte, bool locked);
    bool byte_locked_by_other(int byte) const;

    int m_fd = -1;
    std::string m_path;
    bool m_writable = false;
    int m_rw_errno = 0; // why O_RDWR failed, when it did
    Sync m_sync = Sync::Never;
    bool m_ignore_flush = false;
    uint32_t m_perm = 0, m_shared = BLK_PERM_ALL;
};

} // namespace mq
