// The qcow2 format driver's state, shared by qcow2.cpp (the header, open)
// and qcow2-cluster.cpp (cluster mapping, allocation, refcounts).
// QEMU: block/qcow2.h; the layout is docs/interop/qcow2.txt.
//
// What miniqemu keeps of qcow2: versions 2 and 3, 16-bit refcounts, a
// backing file (raw or qcow2) and v3 zero clusters. Compressed clusters,
// encryption, internal snapshots, external data files and extended L2
// entries are refused. New clusters always go at the end of the file, and
// metadata is written in the order data, refcounts, L2, L1, so that a crash
// can leak clusters but never make a table point at garbage.
#pragma once

#include "core/block/block-internal.h"

#include <map>
#include <mutex>
#include <vector>

namespace mq {

namespace qcow2 {

constexpr uint32_t kMagic = 0x514649fb;                 // "QFI\xfb"
constexpr uint64_t kOffsetMask = 0x00fffffffffffe00ull; // L1, L2 and refcount table entries
constexpr uint64_t kCopied = 1ull << 63;                // refcount is exactly 1: may write in place
constexpr uint64_t kCompressed = 1ull << 62;            // L2 entries only
constexpr uint64_t kZero = 1ull;                        // v3 L2 entries: reads as zeroes
constexpr int kMinClusterBits = 9, kMaxClusterBits = 21;
// QEMU's limits on the tables it reads into memory (QCOW_MAX_L1_SIZE,
// QCOW_MAX_REFTABLE_SIZE): a hostile header cannot make us allocate more.
constexpr uint64_t kMaxL1Bytes = 32ull << 20;
constexpr uint64_t kMaxRefcountTableBytes = 8ull << 20;
// L2 tables kept in memory; a 64 KiB-cluster table maps 512 MiB.
constexpr size_t kL2CacheTables = 16;

// Header byte offsets (big-endian fields).
enum HeaderField : uint32_t {
    kHdrRefcountTableOffset = 48, // u64, followed by the u32 cluster count
    kHdrIncompatible = 72,
    kHdrAutoclear = 88,
};

} // namespace qcow2

class Qcow2Backend : public ImageBackend {
public:
    Qcow2Backend(const DriveConfig& config, std::unique_ptr<HostFile> file)
        : ImageBackend(config, std::move(file)) {}

    // Reads and checks the header and tables; opens the backing file.
    Status open(const DriveConfig& config);

    uint64_t size() const override { return m_size; }
    uint32_t cluster_size() const override { return m_cluster_size; }
    const ImageBackend* backing() const override { return m_backing.get(); }
    const std::string& backing_file() const override { return m_backing_name; }
    const std::string& backing_format() const override { return m_backing_format; }
    std::string full_backing_file() const override { return m_backing_path; }
    int format_version() const override { return m_version; }

    Status pread(uint64_t offset, void* buf, uint64_t len) override;
    Status pwrite(uint64_t offset, const void* buf, uint64_t len) override;
    Status flush() override;
    Status discard(uint64_t offset, uint64_t len) override;
    Status write_zeroes(uint64_t offset, uint64_t len, bool may_unmap) override;

private:
    // Where one guest cluster's data is.
    enum class ClusterKind { Unallocated, Zero, Normal, Compressed };
    struct Mapping {
        ClusterKind kind = ClusterKind::Unallocated;
        uint64_t host = 0; // the data cluster's host offset, when there is one
        bool copied = false;
    };

    // qcow2.cpp
    Status read_header_extensions(const std::vector<uint8_t>& cluster, uint32_t start);
    Status open_backing(const DriveConfig& config);
    Status load_tables(uint64_t file_len);

    // qcow2-cluster.cpp
    Result<Mapping> map_cluster(uint64_t guest);
    Result<std::vector<uint64_t>*> load_l2(uint64_t l2_offset);
    Status read_unallocated(uint64_t guest, uint8_t* buf, uint64_t len);
    Status write_cluster(uint64_t guest, const uint8_t* data, uint64_t len);
    Result<uint64_t> get_or_alloc_l2(uint64_t l1_index);
    Status set_l2_entry(uint64_t l2_offset, uint64_t index, uint64_t entry);
    uint64_t reserve_clusters(uint64_t n);
    Status set_refcount(uint64_t host, uint16_t refcount);
    Status new_refcount_block(uint64_t table_index);
    Status grow_refcount_table(uint64_t table_index);

    uint64_t cluster_offset(uint64_t x) const { return x & (m_cluster_size - 1); }

    std::mutex m_lock; // the tables and caches; every request holds it
    int m_version = 3;
    uint32_t m_cluster_bits = 16, m_cluster_size = 1u << 16;
    uint32_t m_l2_bits = 13; // log2 of the entries in an L2 table
    uint64_t m_size = 0;

    std::vector<uint64_t> m_l1; // host byte order, as on disk otherwise
    uint64_t m_l1_offset = 0;
    std::map<uint64_t, std::vector<uint64_t>> m_l2_cache; // by host offset

    std::vector<uint64_t> m_refcount_table;
    uint64_t m_refcount_table_offset = 0;
    uint64_t m_refcount_table_disk_entries = 0; // what the on-disk table holds
    uint32_t m_refcount_block_bits = 15;        // log2 of the refcounts in a block
    bool m_growing_refcount_table = false;
    uint64_t m_end = 0; // where the next cluster is allocated

    std::unique_ptr<ImageBackend> m_backing;
    std::string m_backing_name, m_backing_path, m_backing_format;
};

} // namespace mq
