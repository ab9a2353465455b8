// qcow2 I/O: guest offset → L1 → L2 → data cluster, allocation at the end
// of the file with copy-on-write from the backing file, and 16-bit
// refcounts (QEMU: block/qcow2-cluster.c, block/qcow2-refcount.c).
#include "core/block/qcow2.h"

#include <algorithm>
#include <cstring>

namespace mq {

using namespace qcow2;

namespace {

void put_be16(uint8_t* p, uint16_t v) {
    p[0] = uint8_t(v >> 8);
    p[1] = uint8_t(v);
}
void put_be64(uint8_t* p, uint64_t v) {
    for (int i = 0; i < 8; i++)
        p[i] = uint8_t(v >> (56 - 8 * i));
}
uint64_t get_be64(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

Error corrupt(std::string_view what, uint64_t offset) {
    return make_error("qcow2: image is corrupt: {} (offset {:#x})", what, offset);
}

} // namespace

// --- Mapping ---------------------------------------------------------------

Result<std::vector<uint64_t>*> Qcow2Backend::load_l2(uint64_t l2_offset) {
    if (cluster_offset(l2_offset) != 0) return corrupt("L2 table not cluster-aligned", l2_offset);
    if (auto it = m_l2_cache.find(l2_offset); it != m_l2_cache.end()) return &it->second;
    std::vector<uint8_t> raw(m_cluster_size);
    if (auto st = m_file->pread(l2_offset, raw.data(), raw.size()); !st) return st.take_error();
    if (m_l2_cache.size() >= kL2CacheTables) m_l2_cache.clear();
    auto& table = m_l2_cache[l2_offset];
    table.resize(m_cluster_size / 8);
    for (size_t i = 0; i < table.size(); i++)
        table[i] = get_be64(&raw[i * 8]);
    return &table;
}

Result<Qcow2Backend::Mapping> Qcow2Backend::map_cluster(uint64_t guest) {
    uint64_t l1_index = guest >> (m_cluster_bits + m_l2_bits);
    uint64_t l2_offset = m_l1[l1_index] & kOffsetMask;
    if (!l2_offset) return Mapping{};
    auto table = load_l2(l2_offset);
    if (!table) return table.take_error();
    uint64_t entry = (**table)[(guest >> m_cluster_bits) & ((1u << m_l2_bits) - 1)];
    Mapping m;
    m.copied = entry & kCopied;
    if (entry & kCompressed) {
        m.kind = ClusterKind::Compressed;
        return m;
    }
    m.host = entry & kOffsetMask;
    if (m_version >= 3 && (entry & kZero))
        m.kind = ClusterKind::Zero;
    else if (m.host)
        m.kind = ClusterKind::Normal;
    if (m.host && cluster_offset(m.host) != 0)
        return corrupt("data cluster not cluster-aligned", m.host);
    return m;
}

// --- Reads -----------------------------------------------------------------

// A range no cluster of ours holds: the backing file's, or zeroes.
Status Qcow2Backend::read_unallocated(uint64_t guest, uint8_t* buf, uint64_t len) {
    uint64_t from_backing = 0;
    if (m_backing && guest < m_backing->size())
        from_backing = std::min(len, m_backing->size() - guest);
    if (from_backing) {
        if (auto st = m_backing->pread(guest, buf, from_backing); !st) return st;
    }
    std::memset(buf + from_backing, 0, len - from_backing);
    return {};
}

Status Qcow2Backend::pread(uint64_t offset, void* buf, uint64_t len) {
    if (auto st = check_request(offset, len, false); !st) return st;
    std::lock_guard lock(m_lock);
    auto* out = static_cast<uint8_t*>(buf);
    while (len) {
        uint64_t n = std::min<uint64_t>(len, m_cluster_size - cluster_offset(offset));
        auto m = map_cluster(offset);
        if (!m) return m.take_error();
        switch (m->kind) {
        case ClusterKind::Unallocated:
            if (auto st = read_unallocated(offset, out, n); !st) return st;
            break;
        case ClusterKind::Zero: std::memset(out, 0, n); break;
        case ClusterKind::Normal:
            if (auto st = m_file->pread(m->host + cluster_offset(offset), out, n); !st) return st;
            break;
        case ClusterKind::Compressed:
            return make_error("Compressed qcow2 clusters are not supported by miniqemu; "
                              "uncompress the image with 'qemu-img convert -O qcow2'");
        }
        offset += n;
        out += n;
        len -= n;
    }
    return {};
}

// --- Refcounts -------------------------------------------------------------

uint64_t Qcow2Backend::reserve_clusters(uint64_t n) {
    uint64_t at = m_end;
    m_end += n << m_cluster_bits;
    return at;
}

// The table grows to twice what the file needs, in a new place at the end
// of the file: written there with its own refcounts first, then the header
// points at it, then the old table's clusters are freed.
Status Qcow2Backend::grow_refcount_table(uint64_t table_index) {
    if (m_growing_refcount_table) return make_error("qcow2: refcount table keeps growing");
    uint64_t per_cluster = m_cluster_size / 8;
    uint64_t entries = std::max<uint64_t>(m_refcount_table.size() * 2, (table_index + 1) * 2);
    entries = (entries + per_cluster - 1) / per_cluster * per_cluster;
    if (entries * 8 > kMaxRefcountTableBytes)
        return make_error("qcow2: the image is too big for miniqemu's refcount table limit "
                          "({} MiB)",
                          kMaxRefcountTableBytes >> 20);
    uint64_t old_offset = m_refcount_table_offset;
    uint64_t old_clusters = m_refcount_table_disk_entries / per_cluster;
    uint64_t new_clusters = entries / per_cluster;
    uint64_t new_offset = reserve_clusters(new_clusters);

    m_growing_refcount_table = true;
    m_refcount_table.resize(entries, 0);
    Status st;
    for (uint64_t i = 0; i < new_clusters && st; i++)
        st = set_refcount(new_offset + (i << m_cluster_bits), 1);
    m_growing_refcount_table = false;
    if (!st) return st;

    std::vector<uint8_t> raw(entries * 8);
    for (uint64_t i = 0; i < entries; i++)
        put_be64(&raw[i * 8], m_refcount_table[i]);
    if (auto st2 = m_file->pwrite(new_offset, raw.data(), raw.size()); !st2) return st2;
    uint8_t hdr[12];
    put_be64(hdr, new_offset);
    hdr[8] = uint8_t(new_clusters >> 24);
    hdr[9] = uint8_t(new_clusters >> 16);
    hdr[10] = uint8_t(new_clusters >> 8);
    hdr[11] = uint8_t(new_clusters);
    if (auto st2 = m_file->pwrite(kHdrRefcountTableOffset, hdr, sizeof hdr); !st2) return st2;
    m_refcount_table_offset = new_offset;
    m_refcount_table_disk_entries = entries;
    for (uint64_t i = 0; i < old_clusters; i++) {
        if (auto st2 = set_refcount(old_offset + (i << m_cluster_bits), 0); !st2) return st2;
    }
    return {};
}

// A zeroed refcount block for table entry `table_index`, counted itself.
Status Qcow2Backend::new_refcount_block(uint64_t table_index) {
    uint64_t block = reserve_clusters(1);
    std::vector<uint8_t> raw(m_cluster_size, 0);
    uint64_t block_cluster = block >> m_cluster_bits;
    bool covers_itself = (block_cluster >> m_refcount_block_bits) == table_index;
    if (covers_itself) {
        uint64_t i = block_cluster & ((1ull << m_refcount_block_bits) - 1);
        put_be16(&raw[i * 2], 1);
    }
    if (auto st = m_file->pwrite(block, raw.data(), raw.size()); !st) return st;
    if (!covers_itself) {
        if (auto st = set_refcount(block, 1); !st) return st;
    }
    m_refcount_table[table_index] = block;
    // Past the on-disk table only while it grows: the new table is written
    // whole afterwards.
    if (table_index < m_refcount_table_disk_entries) {
        uint8_t entry[8];
        put_be64(entry, block);
        return m_file->pwrite(m_refcount_table_offset + table_index * 8, entry, sizeof entry);
    }
    return {};
}

Status Qcow2Backend::set_refcount(uint64_t host, uint16_t refcount) {
    uint64_t cluster = host >> m_cluster_bits;
    uint64_t table_index = cluster >> m_refcount_block_bits;
    if (table_index >= m_refcount_table.size()) {
        if (auto st = grow_refcount_table(table_index); !st) return st;
    }
    if (!(m_refcount_table[table_index] & kOffsetMask)) {
        if (auto st = new_refcount_block(table_index); !st) return st;
    }
    uint64_t block = m_refcount_table[table_index] & kOffsetMask;
    if (cluster_offset(block) != 0) return corrupt("refcount block not cluster-aligned", block);
    uint8_t raw[2];
    put_be16(raw, refcount);
    uint64_t index = cluster & ((1ull << m_refcount_block_bits) - 1);
    return m_file->pwrite(block + index * 2, raw, sizeof raw);
}

// --- Writes ----------------------------------------------------------------

// The L2 table for `l1_index`, allocated (zeroed, counted, then linked from
// L1) when there is none yet.
Result<uint64_t> Qcow2Backend::get_or_alloc_l2(uint64_t l1_index) {
    uint64_t entry = m_l1[l1_index];
    if (entry & kOffsetMask) {
        if (!(entry & kCopied))
            return make_error("qcow2: writing to a shared L2 table is not supported by miniqemu");
        return entry & kOffsetMask;
    }
    uint64_t l2 = reserve_clusters(1);
    std::vector<uint8_t> zero(m_cluster_size, 0);
    if (auto st = m_file->pwrite(l2, zero.data(), zero.size()); !st) return st.take_error();
    if (auto st = set_refcount(l2, 1); !st) return st.take_error();
    entry = l2 | kCopied;
    uint8_t raw[8];
    put_be64(raw, entry);
    if (auto st = m_file->pwrite(m_l1_offset + l1_index * 8, raw, sizeof raw); !st)
        return st.take_error();
    m_l1[l1_index] = entry;
    return l2;
}

Status Qcow2Backend::set_l2_entry(uint64_t l2_offset, uint64_t index, uint64_t entry) {
    auto table = load_l2(l2_offset);
    if (!table) return table.take_error();
    uint8_t raw[8];
    put_be64(raw, entry);
    if (auto st = m_file->pwrite(l2_offset + index * 8, raw, sizeof raw); !st) return st;
    (**table)[index] = entry;
    return {};
}

// Writes within one guest cluster.
Status Qcow2Backend::write_cluster(uint64_t guest, const uint8_t* data, uint64_t len) {
    auto m = map_cluster(guest);
    if (!m) return m.take_error();
    uint64_t in_cluster = cluster_offset(guest);
    if (m->kind == ClusterKind::Compressed)
        return make_error("Compressed qcow2 clusters are not supported by miniqemu; "
                          "uncompress the image with 'qemu-img convert -O qcow2'");
    if (m->kind == ClusterKind::Normal) {
        if (!m->copied)
            return make_error("qcow2: writing to a shared cluster is not supported by miniqemu");
        return m_file->pwrite(m->host + in_cluster, data, len);
    }
    if (m->host && !m->copied)
        return make_error("qcow2: writing to a shared cluster is not supported by miniqemu");

    // A new cluster (or a preallocated zero one): the whole cluster is
    // written, what the guest did not write coming from what it read before.
    uint64_t cluster_start = guest - in_cluster;
    std::vector<uint8_t> buf(m_cluster_size, 0);
    if (len < m_cluster_size && m->kind == ClusterKind::Unallocated) {
        if (auto st = read_unallocated(cluster_start, buf.data(), buf.size()); !st) return st;
    }
    std::memcpy(buf.data() + in_cluster, data, len);
    auto l2 = get_or_alloc_l2(guest >> (m_cluster_bits + m_l2_bits));
    if (!l2) return l2.take_error();
    uint64_t host = m->host;
    if (!host) host = reserve_clusters(1);
    if (auto st = m_file->pwrite(host, buf.data(), buf.size()); !st) return st;
    if (!m->host) {
        if (auto st = set_refcount(host, 1); !st) return st;
    }
    uint64_t l2_index = (guest >> m_cluster_bits) & ((1u << m_l2_bits) - 1);
    return set_l2_entry(*l2, l2_index, host | kCopied);
}

Status Qcow2Backend::pwrite(uint64_t offset, const void* buf, uint64_t len) {
    if (auto st = check_request(offset, len, true); !st) return st;
    std::lock_guard lock(m_lock);
    const auto* in = static_cast<const uint8_t*>(buf);
    while (len) {
        uint64_t n = std::min<uint64_t>(len, m_cluster_size - cluster_offset(offset));
        if (auto st = write_cluster(offset, in, n); !st) return st;
        offset += n;
        in += n;
        len -= n;
    }
    return {};
}

Status Qcow2Backend::flush() {
    // Every table write went straight to the file: one fdatasync covers
    // data and metadata alike.
    return m_file->flush();
}

Status Qcow2Backend::discard(uint64_t offset, uint64_t len) {
    // Discard may do nothing (block.h); freeing clusters would need
    // refcount decrements and holes, which miniqemu does not do.
    return check_request(offset, len, true);
}

Status Qcow2Backend::write_zeroes(uint64_t offset, uint64_t len, bool may_unmap) {
    (void)may_unmap;
    if (auto st = check_request(offset, len, true); !st) return st;
    std::lock_guard lock(m_lock);
    std::vector<uint8_t> zero(m_cluster_size, 0);
    while (len) {
        uint64_t n = std::min<uint64_t>(len, m_cluster_size - cluster_offset(offset));
        auto m = map_cluster(offset);
        if (!m) return m.take_error();
        // What already reads as zeroes needs no cluster.
        bool zero_already =
            m->kind == ClusterKind::Zero || (m->kind == ClusterKind::Unallocated && !m_backing);
        if (!zero_already) {
            if (auto st = write_cluster(offset, zero.data(), n); !st) return st;
        }
        offset += n;
        len -= n;
    }
    return {};
}

} // namespace mq
