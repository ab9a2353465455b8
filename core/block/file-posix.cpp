#include "core/block/file-posix.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace mq {

namespace {

Error os_error(std::string_view what, int err) {
    return make_error("{}: {}", what, std::strerror(err));
}

// The names QEMU's messages use for the permission bits.
const char* perm_name(int bit) {
    static const char* const names[] = {"consistent read", "write", "write unchanged", "resize"};
    return names[bit];
}

constexpr int kPermLockBase = 100;   // "I hold permission i"
constexpr int kSharedLockBase = 200; // "nobody else may hold permission i"
constexpr int kPermBits = 4;

// The bytes a (perm, shared) pair keeps locked.
std::vector<int> lock_bytes_for(uint32_t perm, uint32_t shared) {
    std::vector<int> bytes;
    for (int i = 0; i < kPermBits; i++) {
        if (perm & (1u << i)) bytes.push_back(kPermLockBase + i);
        if (!(shared & (1u << i))) bytes.push_back(kSharedLockBase + i);
    }
    return bytes;
}

bool contains(const std::vector<int>& v, int x) {
    for (int y : v)
        if (y == x) return true;
    return false;
}

} // namespace

HostFile::~HostFile() {
    if (m_fd >= 0) ::close(m_fd); // closing drops every OFD lock too
}

Result<std::unique_ptr<HostFile>> HostFile::open(const std::string& path, OpenMode mode) {
    auto file = std::make_unique<HostFile>();
    file->m_path = path;
    int fd = -1;
    if (mode == OpenMode::ReadWrite) {
        fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
        if (fd >= 0) {
            file->m_writable = true;
        } else if (errno == EACCES || errno == EROFS || errno == EPERM || errno == EISDIR) {
            // Like QEMU's auto-read-only: open for reading, and fail only
            // if a device later asks to write.
            file->m_rw_errno = errno;
        } else {
            return make_error("Could not open '{}': {}", path, std::strerror(errno));
        }
    }
    if (fd < 0) {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return make_error("Could not open '{}': {}", path, std::strerror(errno));
    }
    file->m_fd = fd;
    struct stat st {};
    if (fstat(fd, &st) != 0) return os_error("Could not stat", errno);
    if (!S_ISREG(st.st_mode))
        return make_error("'file' driver requires '{}' to be a regular file", path);
    return file;
}

Result<uint64_t> HostFile::length() const {
    struct stat st {};
    if (fstat(m_fd, &st) != 0) return os_error("Could not stat", errno);
    return static_cast<uint64_t>(st.st_size);
}

uint64_t HostFile::allocated_bytes() const {
    struct stat st {};
    if (fstat(m_fd, &st) != 0) return 0;
    return static_cast<uint64_t>(st.st_blocks) * 512;
}

Status HostFile::pread(uint64_t offset, void* buf, uint64_t len) const {
    auto* p = static_cast<uint8_t*>(buf);
    while (len > 0) {
        ssize_t n = ::pread(m_fd, p, len, static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            return os_error("Could not read image", errno);
        }
        if (n == 0) {
            // The file is shorter than the disk: the rest is a hole.
            std::memset(p, 0, len);
            return {};
        }
        p += n;
        offset += n;
        len -= n;
    }
    return {};
}

Status HostFile::write_all(uint64_t offset, const void* buf, uint64_t len) {
    if (!m_writable) return os_error("Could not write image", EBADF);
    const auto* p = static_cast<const uint8_t*>(buf);
    while (len > 0) {
        ssize_t n = ::pwrite(m_fd, p, len, static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            return os_error("Could not write image", errno);
        }
        if (n == 0) return os_error("Could not write image", ENOSPC);
        p += n;
        offset += n;
        len -= n;
    }
    return {};
}

Status HostFile::pwrite(uint64_t offset, const void* buf, uint64_t len) {
    if (auto st = write_all(offset, buf, len); !st) return st;
    if (m_sync == Sync::AfterEachWrite) {
        while (fdatasync(m_fd) != 0) {
            if (errno != EINTR) return os_error("Could not flush image", errno);
        }
    }
    return {};
}

Status HostFile::flush() {
    if (m_ignore_flush) return {};
    while (fdatasync(m_fd) != 0) {
        if (errno != EINTR) return os_error("Could not flush image", errno);
    }
    return {};
}

Status HostFile::discard(uint64_t offset, uint64_t len) {
    if (!m_writable) return os_error("Could not discard", EBADF);
    if (fallocate(m_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                  static_cast<off_t>(len)) == 0) {
        return {};
    }
    // A file system without holes: discarding is only advice.
    if (errno == EOPNOTSUPP || errno == ENOSYS) return {};
    return os_error("Could not discard", errno);
}

Status HostFile::write_zeroes(uint64_t offset, uint64_t len) {
    if (!m_writable) return os_error("Could not write image", EBADF);
    if (fallocate(m_fd, FALLOC_FL_ZERO_RANGE, static_cast<off_t>(offset),
                  static_cast<off_t>(len)) == 0) {
        return m_sync == Sync::AfterEachWrite ? flush() : Status{};
    }
    if (errno != EOPNOTSUPP && errno != ENOSYS && errno != EINVAL)
        return os_error("Could not write zeroes", errno);
    // No ZERO_RANGE here (tmpfs before Linux 5.x, some network file
    // systems): write real zeroes, a chunk at a time.
    static const std::vector<uint8_t> zeroes(64 * 1024);
    while (len > 0) {
        uint64_t chunk = std::min<uint64_t>(len, zeroes.size());
        if (auto st = pwrite(offset, zeroes.data(), chunk); !st) return st;
        offset += chunk;
        len -= chunk;
    }
    return {};
}

Status HostFile::truncate(uint64_t len) {
    if (ftruncate(m_fd, static_cast<off_t>(len)) != 0) return os_error("Could not resize", errno);
    return {};
}

Status HostFile::lock_byte(int byte, bool locked) {
    struct flock fl {};
    fl.l_type = locked ? F_RDLCK : F_UNLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = byte;
    fl.l_len = 1;
    if (fcntl(m_fd, F_OFD_SETLK, &fl) != 0) return make_error("Failed to lock byte {}", byte);
    return {};
}

bool HostFile::byte_locked_by_other(int byte) const {
    // Asking about an exclusive lock finds any lock another open file
    // description holds on the byte; our own never conflict with us.
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = byte;
    fl.l_len = 1;
    if (fcntl(m_fd, F_OFD_GETLK, &fl) != 0) return false;
    return fl.l_type != F_UNLCK;
}

Status HostFile::set_perm(uint32_t perm, uint32_t shared) {
    if ((perm & (BLK_PERM_WRITE | BLK_PERM_RESIZE)) && !m_writable) {
        return make_error("Could not open '{}': {}", m_path,
                          std::strerror(m_rw_errno ? m_rw_errno : EACCES));
    }
    const std::vector<int> old_bytes = lock_bytes_for(m_perm, m_shared);
    const std::vector<int> new_bytes = lock_bytes_for(perm, shared);
    auto undo = [&] {
        for (int b : new_bytes)
            if (!contains(old_bytes, b)) (void)lock_byte(b, false);
    };
    // Lock first, then look for others: two processes racing both see
    // each other and both fail, rather than both succeeding.
    for (int b : new_bytes) {
        if (auto st = lock_byte(b, true); !st) {
            undo();
            return st;
        }
    }
    Error conflict;
    bool failed = false;
    for (int i = 0; i < kPermBits && !failed; i++) {
        if ((perm & (1u << i)) && byte_locked_by_other(kSharedLockBase + i)) {
            conflict = make_error("Failed to get \"{}\" lock", perm_name(i));
            failed = true;
        }
    }
    for (int i = 0; i < kPermBits && !failed; i++) {
        if (!(shared & (1u << i)) && byte_locked_by_other(kPermLockBase + i)) {
            conflict = make_error("Failed to get shared \"{}\" lock", perm_name(i));
            failed = true;
        }
    }
    if (failed) {
        undo();
        return conflict.with_hint(
            fmt::format("Is another process using the image [{}]?\n", m_path));
    }
    for (int b : old_bytes)
        if (!contains(new_bytes, b)) (void)lock_byte(b, false);
    m_perm = perm;
    m_shared = shared;
    return {};
}

} // namespace mq
