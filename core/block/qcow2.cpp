// qcow2: the header, its checks, and opening an image (QEMU: block/qcow2.c
// qcow2_do_open, docs/interop/qcow2.txt). Every size and offset read from
// the file is checked before it is used, so a corrupt or hostile image is
// an error, never a crash or a huge allocation.
#include "core/block/qcow2.h"

#include <cstring>
#include <filesystem>

namespace mq {

using namespace qcow2;

namespace {

uint32_t be32(const uint8_t* p) {
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
uint64_t be64(const uint8_t* p) { return uint64_t(be32(p)) << 32 | be32(p + 4); }

// Header extension types.
constexpr uint32_t kExtEnd = 0;
constexpr uint32_t kExtBackingFormat = 0xe2792aca;

// Incompatible feature bits: what each means, and whether we cope.
constexpr uint64_t kIncompatDirty = 1 << 0;
constexpr uint64_t kIncompatCorrupt = 1 << 1;
constexpr uint64_t kIncompatKnown = kIncompatDirty | kIncompatCorrupt;
constexpr const char* kIncompatNames[] = {"dirty bit", "corrupt bit", "external data file",
                                          "compression type", "extended L2 entries"};

// The fields of the fixed header (version 2 stops after nb_snapshots).
struct Header {
    uint32_t magic, version;
    uint64_t backing_file_offset;
    uint32_t backing_file_size, cluster_bits;
    uint64_t size;
    uint32_t crypt_method, l1_size;
    uint64_t l1_table_offset, refcount_table_offset;
    uint32_t refcount_table_clusters, nb_snapshots;
    uint64_t snapshots_offset;
    uint64_t incompatible = 0, compatible = 0, autoclear = 0;
    uint32_t refcount_order = 4, header_length = 72;
};

Header parse_header(const uint8_t* p) {
    Header h{};
    h.magic = be32(p);
    h.version = be32(p + 4);
    h.backing_file_offset = be64(p + 8);
    h.backing_file_size = be32(p + 16);
    h.cluster_bits = be32(p + 20);
    h.size = be64(p + 24);
    h.crypt_method = be32(p + 32);
    h.l1_size = be32(p + 36);
    h.l1_table_offset = be64(p + 40);
    h.refcount_table_offset = be64(p + 48);
    h.refcount_table_clusters = be32(p + 56);
    h.nb_snapshots = be32(p + 60);
    h.snapshots_offset = be64(p + 64);
    if (h.version >= 3) {
        h.incompatible = be64(p + 72);
        h.compatible = be64(p + 80);
        h.autoclear = be64(p + 88);
        h.refcount_order = be32(p + 96);
        h.header_length = be32(p + 100);
    }
    return h;
}

std::string feature_list(uint64_t bits) {
    std::string s;
    for (int i = 0; i < 64; i++) {
        if (!(bits & (1ull << i))) continue;
        if (!s.empty()) s += ", ";
        s += i < int(std::size(kIncompatNames))
                 ? std::string(kIncompatNames[i])
                 : fmt::format("Unknown incompatible feature: {:x}", 1ull << i);
    }
    return s;
}

// The checks QEMU makes before it trusts the header, in its words where
// it has some.
Status check_header(const Header& h, bool writable) {
    if (h.magic != kMagic) return make_error("Image is not in qcow2 format");
    if (h.version < 2 || h.version > 3)
        return make_error("Unsupported qcow2 version {}", h.version);
    if (h.cluster_bits < kMinClusterBits || h.cluster_bits > kMaxClusterBits)
        return make_error("Unsupported cluster size: 2^{}", h.cluster_bits);
    uint64_t cluster_size = 1ull << h.cluster_bits;
    if (h.version >= 3 && h.header_length < 104) return make_error("qcow2 header too short");
    if (h.header_length > cluster_size) return make_error("qcow2 header exceeds cluster size");
    if (uint64_t unknown = h.incompatible & ~kIncompatKnown)
        return make_error("Unsupported qcow2 feature(s): {}", feature_list(unknown));
    if ((h.incompatible & kIncompatCorrupt) && writable)
        return make_error("qcow2: Image is corrupt; cannot be opened read/write");
    // QEMU repairs the refcounts of a dirty (lazy-refcounts) image when it
    // opens it for writing; we leave that to qemu-img.
    if ((h.incompatible & kIncompatDirty) && writable)
        return make_error("qcow2 image is dirty (lazy refcounts); repair it with 'qemu-img check "
                          "-r all' or open it read-only");
    if (h.refcount_order != 4)
        return make_error("qcow2 refcount width {} bits is not supported by miniqemu (16 only)",
                          h.refcount_order < 32 ? 1u << h.refcount_order : 0);
    if (h.crypt_method != 0)
        return make_error("Encrypted qcow2 images are not supported by miniqemu");
    if (h.nb_snapshots != 0)
        return make_error("qcow2 internal snapshots are not supported by miniqemu (the image has "
                          "{}); delete them with 'qemu-img snapshot -d'",
                          h.nb_snapshots);
    if (h.backing_file_offset > cluster_size ||
        h.backing_file_size > cluster_size - h.backing_file_offset)
        return make_error("Invalid backing file offset");
    if (h.backing_file_size > 1023) return make_error("Backing file name too long");
    return {};
}

// Where `name` (as an image header gives it) is, seen from `image`.
std::string resolve_backing(const std::string& image, const std::string& name) {
    if (name.empty() || name[0] == '/') return name;
    return (std::filesystem::path(image).parent_path() / name).string();
}

} // namespace

bool qcow2_probe(const uint8_t* buf, size_t len) {
    // "QFI\xfb" followed by a big-endian version, 2 or 3.
    static const uint8_t magic[4] = {'Q', 'F', 'I', 0xfb};
    return len >= 4 && std::memcmp(buf, magic, 4) == 0;
}

Status Qcow2Backend::read_header_extensions(const std::vector<uint8_t>& cluster, uint32_t start) {
    // Extensions follow the header, each 8-byte aligned, inside the first
    // cluster. The only one we need is the backing file's format.
    for (uint64_t at = start; at + 8 <= cluster.size();) {
        uint32_t type = be32(&cluster[at]);
        uint32_t len = be32(&cluster[at + 4]);
        at += 8;
        if (type == kExtEnd) break;
        if (len > cluster.size() - at) return make_error("Invalid header extension length");
        if (type == kExtBackingFormat) {
            if (len >= 16) return make_error("ERROR: ext_backing_format: len={} too large", len);
            m_backing_format.assign(reinterpret_cast<const char*>(&cluster[at]), len);
        }
        at += (uint64_t(len) + 7) & ~7ull;
    }
    return {};
}

Status Qcow2Backend::open_backing(const DriveConfig& config) {
    m_backing_path = resolve_backing(config.filename, m_backing_name);
    std::string format = m_backing_format;
    if (!format.empty() && format != "raw" && format != "qcow2")
        return make_error("Could not open backing file '{}': format '{}' is not supported by "
                          "miniqemu (raw and qcow2 are)",
                          m_backing_path, format);
    auto backing = image_open_backing(config, m_backing_path, format);
    if (!backing) return make_error("Could not open backing file: {}", backing.error().message);
    m_backing = std::move(*backing);
    if (m_backing_format.empty()) m_backing_format = m_backing->format();
    return {};
}

Status Qcow2Backend::load_tables(uint64_t file_len) {
    // The L1 table: in the file, cluster-aligned, big enough for the disk.
    std::vector<uint8_t> raw(m_l1.size() * 8);
    if (cluster_offset(m_l1_offset) != 0) return make_error("Invalid L1 table offset");
    if (m_l1_offset > file_len || raw.size() > file_len - m_l1_offset)
        return make_error("L1 table (offset {:#x}, {} entries) is past the end of the file",
                          m_l1_offset, m_l1.size());
    if (auto st = m_file->pread(m_l1_offset, raw.data(), raw.size()); !st) return st;
    for (size_t i = 0; i < m_l1.size(); i++)
        m_l1[i] = be64(&raw[i * 8]);

    raw.assign(m_refcount_table.size() * 8, 0);
    if (cluster_offset(m_refcount_table_offset) != 0 || m_refcount_table_offset == 0)
        return make_error("Invalid reference count table offset");
    if (m_refcount_table_offset > file_len || raw.size() > file_len - m_refcount_table_offset)
        return make_error("Reference count table is past the end of the file");
    if (auto st = m_file->pread(m_refcount_table_offset, raw.data(), raw.size()); !st) return st;
    for (size_t i = 0; i < m_refcount_table.size(); i++)
        m_refcount_table[i] = be64(&raw[i * 8]);
    return {};
}

Status Qcow2Backend::open(const DriveConfig& config) {
    auto file_len = m_file->length();
    if (!file_len) return file_len.take_error();
    uint8_t head[104] = {};
    if (auto st = m_file->pread(0, head, sizeof head); !st) return st;
    Header h = parse_header(head);
    if (auto st = check_header(h, !config.read_only); !st) return st;

    m_version = int(h.version);
    m_cluster_bits = h.cluster_bits;
    m_cluster_size = 1u << h.cluster_bits;
    m_l2_bits = m_cluster_bits - 3;
    m_refcount_block_bits = m_cluster_bits - 1; // 16-bit refcounts
    m_size = h.size;

    // One L1 entry maps an L2 table's worth of clusters; the table must
    // cover the disk and stay within QEMU's bound.
    uint32_t l1_bits = m_cluster_bits + m_l2_bits;
    if (h.size > (1ull << 62)) return make_error("Image is too big");
    uint64_t l1_needed = (h.size + (1ull << l1_bits) - 1) >> l1_bits;
    if (uint64_t(h.l1_size) * 8 > kMaxL1Bytes) return make_error("Active L1 table too large");
    if (h.l1_size < l1_needed) return make_error("L1 table is too small");
    if (uint64_t(h.refcount_table_clusters) << m_cluster_bits > kMaxRefcountTableBytes)
        return make_error("Reference count table too large");
    m_l1.resize(h.l1_size);
    m_l1_offset = h.l1_table_offset;
    m_refcount_table_offset = h.refcount_table_offset;
    m_refcount_table_disk_entries = uint64_t(h.refcount_table_clusters) << (m_cluster_bits - 3);
    m_refcount_table.resize(m_refcount_table_disk_entries);
    if (auto st = load_tables(*file_len); !st) return st;

    std::vector<uint8_t> first(m_cluster_size);
    if (auto st = m_file->pread(0, first.data(), first.size()); !st) return st;
    if (auto st = read_header_extensions(first, h.header_length); !st) return st;
    if (h.backing_file_offset && h.backing_file_size) {
        m_backing_name.assign(reinterpret_cast<const char*>(&first[h.backing_file_offset]),
                              h.backing_file_size);
        if (auto st = open_backing(config); !st) return st;
    }

    // Autoclear bits say "this extension is consistent with the image";
    // we update none of them (bitmaps), so they go before the first write.
    if (h.autoclear && !config.read_only && m_file->writable()) {
        const uint8_t zero[8] = {};
        if (auto st = m_file->pwrite(kHdrAutoclear, zero, sizeof zero); !st) return st;
    }
    m_end = (*file_len + m_cluster_size - 1) & ~uint64_t(m_cluster_size - 1);
    return {};
}

Result<std::unique_ptr<ImageBackend>> qcow2_open(const DriveConfig& config,
                                                 std::unique_ptr<HostFile> file) {
    auto image = std::make_unique<Qcow2Backend>(config, std::move(file));
    if (auto st = image->open(config); !st) return st.take_error();
    return std::unique_ptr<ImageBackend>(std::move(image));
}

} // namespace mq
