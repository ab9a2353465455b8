// The memory API (QEMU: include/exec/memory.h, softmmu/memory.c,
// docs/devel/memory.rst).
//
// A MemoryRegion is one of:
//   - RAM: host memory the guest reads and writes directly;
//   - ROM: like RAM for reads; guest writes are ignored, loaders may write;
//   - I/O: every access calls the device's read/write callbacks, after the
//     access-size rules in MemoryRegionOps have been applied;
//   - a container: holds subregions at offsets, with priorities;
//   - an alias: a window onto part of another region.
//
// An AddressSpace is the view from one root region. Whenever the tree
// changes, each address space flattens it into a FlatView: a sorted list of
// non-overlapping ranges, each pointing at the one terminal region that is
// visible there. Lookups binary-search that list; nothing walks the tree on
// an access.
//
// Locking: the region tree changes only under the big lock (core/main-loop.h).
// A FlatView, once published, is immutable; readers take a reference to the
// current one and may keep using it without the lock.
#pragma once

#include "core/error.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mq {

struct Object;

using hwaddr = uint64_t;
// Region sizes run up to 2^64, which needs one more bit than uint64_t.
using Int128 = unsigned __int128;
inline constexpr Int128 kInt128_2_64 = Int128(1) << 64;

enum MemTxResult : uint32_t {
    MEMTX_OK = 0,
    MEMTX_ERROR = 1u << 0,        // the device reported an error
    MEMTX_DECODE_ERROR = 1u << 1, // nothing there, or an access the region refuses
};

// What a device offers for an I/O region.
struct MemoryRegionOps {
    // The plain callbacks; accesses through them always succeed.
    std::function<uint64_t(hwaddr addr, unsigned size)> read;
    std::function<void(hwaddr addr, uint64_t value, unsigned size)> write;
    // Or callbacks that may fail the access (taking precedence when set).
    std::function<MemTxResult(hwaddr addr, uint64_t* value, unsigned size)> read_with_result;
    std::function<MemTxResult(hwaddr addr, uint64_t value, unsigned size)> write_with_result;

    // What the guest may do. 0 means no limit. Anything else fails the
    // access with MEMTX_DECODE_ERROR and a guest_errors log line.
    struct {
        unsigned min_access_size = 0;
        unsigned max_access_size = 0;
        bool unaligned = false;
        std::function<bool(hwaddr addr, unsigned size, bool is_write)> accepts;
    } valid;
    // What the callbacks implement. The memory API splits a wider access into
    // several, or widens a narrower one. 0 means 1 (min) and 4 (max).
    struct {
        unsigned min_access_size = 0;
        unsigned max_access_size = 0;
    } impl;
};

// Reads all-ones and ignores writes, successfully: what PC-style software
// expects of unclaimed I/O (QEMU's unassigned_io_ops).
MemoryRegionOps unassigned_io_ops();

// A write notifier, as QEMU's EventNotifier behind an ioeventfd: setting it
// counts, and an optional handler runs.
class EventNotifier {
public:
    void set();
    // Returns whether it was set since the last call, and clears it.
    bool test_and_clear() { return m_count.exchange(0) != 0; }
    uint64_t count() const { return m_count.load(); }
    std::function<void()> handler;

private:
    std::atomic<uint64_t> m_count{0};
};

class MemoryRegion {
public:
    enum class Kind { Container, Ram, Rom, Io, Alias };

    MemoryRegion() = default;
    MemoryRegion(const MemoryRegion&) = delete;
    MemoryRegion& operator=(const MemoryRegion&) = delete;
    // Leaves its container, and lets go of its subregions.
    ~MemoryRegion();

    const std::string& name() const { return m_name; }
    Kind kind() const { return m_kind; }
    Object* owner() const { return m_owner; }
    Int128 size() const { return m_size; }
    hwaddr addr() const { return m_addr; }
    int priority() const { return m_priority; }
    bool enabled() const { return m_enabled; }
    MemoryRegion* container() const { return m_container; }
    MemoryRegion* alias() const { return m_alias; }
    hwaddr alias_offset() const { return m_alias_offset; }
    const std::vector<MemoryRegion*>& subregions() const { return m_subregions; }
    const MemoryRegionOps& ops() const { return m_ops; }
    // The device whose callbacks serve this I/O region, when the owner is a
    // device: the unit that must not be re-entered (see DeviceIoScope).
    Object* io_device() const { return m_io_device; }
    bool is_ram() const { return m_kind == Kind::Ram || m_kind == Kind::Rom; }
    bool is_rom() const { return m_kind == Kind::Rom; }
    // "ram", "rom" or "i/o", as `info mtree` says.
    const char* type_name() const;

    uint8_t* ram_ptr() const { return m_ram; }

    // Pages of this RAM region that hold decoded CPU code. A write to such
    // a page (by a store, a loader or DMA) must invalidate that code. Each
    // page keeps one bit per code cache (`owner`, a single bit: harts decode
    // on their own threads, each into its own cache); any thread may call these.
    void set_code(hwaddr offset, uint64_t owner);
    void clear_code(hwaddr offset, uint64_t owner);
    bool has_code(hwaddr offset) const {
        const std::atomic<uint64_t>* bits = m_code.load(std::memory_order_acquire);
        return bits && bits[offset >> 12].load(std::memory_order_relaxed);
    }
    // The code caches with code in the page at `offset` (their bits).
    uint64_t code_owners(hwaddr offset) const {
        const std::atomic<uint64_t>* bits = m_code.load(std::memory_order_acquire);
        return bits ? bits[offset >> 12].load(std::memory_order_relaxed) : 0;
    }
    bool has_code_in(hwaddr offset, hwaddr len) const;

private:
    friend void memory_region_init(MemoryRegion*, Object*, std::string, uint64_t);
    friend Status memory_region_init_ram(MemoryRegion*, Object*, std::string, uint64_t);
    friend Status memory_region_init_rom(MemoryRegion*, Object*, std::string, uint64_t);
    friend void memory_region_init_io(MemoryRegion*, Object*, MemoryRegionOps, std::string,
                                      uint64_t);
    friend void memory_region_init_alias(MemoryRegion*, Object*, std::string, MemoryRegion*, hwaddr,
                                         uint64_t);
    friend void memory_region_add_subregion_common(MemoryRegion*, hwaddr, MemoryRegion*, int);
    friend void memory_region_del_subregion(MemoryRegion*, MemoryRegion*);
    friend void memory_region_set_enabled(MemoryRegion*, bool);
    friend void memory_region_set_address(MemoryRegion*, hwaddr);
    friend void memory_region_set_alias_offset(MemoryRegion*, hwaddr);
    friend void memory_region_set_size(MemoryRegion*, uint64_t);
    friend void memory_region_add_eventfd(MemoryRegion*, hwaddr, unsigned, bool, uint64_t,
                                          EventNotifier*);
    friend void memory_region_del_eventfd(MemoryRegion*, hwaddr, unsigned, bool, uint64_t,
                                          EventNotifier*);
    friend MemTxResult memory_region_dispatch_write(MemoryRegion*, hwaddr, uint64_t, unsigned);

    void init_common(Object* owner, std::string name, uint64_t size, Kind kind);
    void free_ram();

    std::string m_name;
    Kind m_kind = Kind::Container;
    Object* m_owner = nullptr;
    Int128 m_size = 0;
    hwaddr m_addr = 0;
    int m_priority = 0;
    bool m_enabled = true;
    MemoryRegion* m_container = nullptr;
    // Highest priority first; among equals, the most recently added first.
    std::vector<MemoryRegion*> m_subregions;
    MemoryRegion* m_alias = nullptr;
    hwaddr m_alias_offset = 0;
    MemoryRegionOps m_ops;
    Object* m_io_device = nullptr;
    uint8_t* m_ram = nullptr;
    size_t m_ram_mapped = 0;
    // One word of owner bits per 4 KiB page, made on first use by whichever
    // thread decodes first (hence the atomic pointer).
    std::atomic<std::atomic<uint64_t>*> m_code{nullptr};

    struct IoEventFd {
        hwaddr addr;
        unsigned size; // 0 matches any size
        bool match_data;
        uint64_t data;
        EventNotifier* notifier;
    };
    std::vector<IoEventFd> m_ioeventfds;
};

// A size of UINT64_MAX means 2^64, the whole address space (as in QEMU).
void memory_region_init(MemoryRegion* mr, Object* owner, std::string name, uint64_t size);
// Guest RAM is reserved, not touched: pages cost host memory once used.
Status memory_region_init_ram(MemoryRegion* mr, Object* owner, std::string name, uint64_t size);
Status memory_region_init_rom(MemoryRegion* mr, Object* owner, std::string name, uint64_t size);
void memory_region_init_io(MemoryRegion* mr, Object* owner, MemoryRegionOps ops, std::string name,
                           uint64_t size);
void memory_region_init_alias(MemoryRegion* mr, Object* owner, std::string name, MemoryRegion* orig,
                              hwaddr offset, uint64_t size);

void memory_region_add_subregion(MemoryRegion* mr, hwaddr offset, MemoryRegion* subregion);
void memory_region_add_subregion_overlap(MemoryRegion* mr, hwaddr offset, MemoryRegion* subregion,
                                         int priority);
void memory_region_del_subregion(MemoryRegion* mr, MemoryRegion* subregion);
void memory_region_set_enabled(MemoryRegion* mr, bool enabled);
// Moves the region within its container.
void memory_region_set_address(MemoryRegion* mr, hwaddr addr);
void memory_region_set_alias_offset(MemoryRegion* mr, hwaddr offset);
void memory_region_set_size(MemoryRegion* mr, uint64_t size);

// Who to tell when a write through an address space lands on RAM that holds
// decoded code (the CPU's block cache). Called on the writing thread.
void memory_set_code_write_hook(std::function<void(const uint8_t* host, size_t len)> hook);
// Who to tell when a RAM region that holds decoded code goes away (with the
// CPUs stopped): nothing decoded from it may be used again.
void memory_set_code_free_hook(std::function<void(MemoryRegion* mr)> hook);

// A write of `size` bytes at `addr` (with `data`, if `match_data`) is
// consumed by `notifier` and does not reach the device.
void memory_region_add_eventfd(MemoryRegion* mr, hwaddr addr, unsigned size, bool match_data,
                               uint64_t data, EventNotifier* notifier);
void memory_region_del_eventfd(MemoryRegion* mr, hwaddr addr, unsigned size, bool match_data,
                               uint64_t data, EventNotifier* notifier);

// One access of `size` bytes (1, 2, 4 or 8) at `addr` within an I/O region,
// with the access-size rules applied.
MemTxResult memory_region_dispatch_read(MemoryRegion* mr, hwaddr addr, uint64_t* value,
                                        unsigned size);
MemTxResult memory_region_dispatch_write(MemoryRegion* mr, hwaddr addr, uint64_t value,
                                         unsigned size);

// Batches tree changes: the flat views are rebuilt once, at the outermost
// commit. Every change above runs in a transaction of its own.
void memory_region_transaction_begin();
void memory_region_transaction_commit();

// ---------------------------------------------------------------------------

// One range of a FlatView: [start, end) shows `mr` from `offset_in_region`.
struct FlatRange {
    hwaddr start;
    Int128 end;
    MemoryRegion* mr;
    hwaddr offset_in_region;
    bool readonly; // a ROM, or RAM seen through a read-only path

    Int128 size() const { return end - start; }
};

class FlatView {
public:
    explicit FlatView(std::vector<FlatRange> ranges, MemoryRegion* root)
        : m_ranges(std::move(ranges)), m_root(root) {}
    // The range containing `addr`, by binary search, or null.
    const FlatRange* lookup(hwaddr addr) const;
    const std::vector<FlatRange>& ranges() const { return m_ranges; }
    MemoryRegion* root() const { return m_root; }

private:
    std::vector<FlatRange> m_ranges;
    MemoryRegion* m_root;
};

// Renders the tree below `root` into a flat view.
std::shared_ptr<const FlatView> generate_flat_view(MemoryRegion* root);

class AddressSpace {
public:
    AddressSpace() = default;
    AddressSpace(const AddressSpace&) = delete;
    AddressSpace& operator=(const AddressSpace&) = delete;
    ~AddressSpace();

    const std::string& name() const { return m_name; }
    MemoryRegion* root() const { return m_root; }
    // The published view, for any thread. Taken under a lock rather than
    // through std::atomic<std::shared_ptr>: libstdc++ 12 ends that atomic's
    // load with a relaxed unlock, so nothing orders a reader's access before
    // the next store, and ThreadSanitizer reports it (harts on parallel
    // threads read the view while one of them moves a BAR).
    std::shared_ptr<const FlatView> flatview() const {
        std::lock_guard g(m_flatview_lock);
        return m_flatview;
    }
    // Names the published view: a number no other view of any address space
    // has had. A reader on a hot path (a hart) keeps the view it took and
    // takes it again only when this has moved: one load of a word that
    // rarely changes, where flatview() takes a lock and moves a reference
    // count that every hart's thread writes. Read it before taking the view:
    // the view is then at least as new as the number.
    uint64_t generation() const { return m_generation.load(std::memory_order_acquire); }

    // Called after every change of the flat view (the CPU flushes its TLB).
    int add_listener(std::function<void()> on_change);
    void remove_listener(int id);

private:
    friend void address_space_init(AddressSpace*, MemoryRegion*, std::string);
    friend void address_space_destroy(AddressSpace*);
    friend void address_space_update_all();

    void update();

    std::string m_name;
    MemoryRegion* m_root = nullptr;
    // Replaces the published view; the old one goes when its last reader
    // lets go of it.
    void publish(std::shared_ptr<const FlatView> view) {
        std::lock_guard g(m_flatview_lock);
        m_flatview.swap(view);
        static std::atomic<uint64_t> s_published{0};
        m_generation.store(s_published.fetch_add(1, std::memory_order_relaxed) + 1,
                           std::memory_order_release);
    }
    mutable std::mutex m_flatview_lock;
    std::shared_ptr<const FlatView> m_flatview;
    std::atomic<uint64_t> m_generation{0};
    std::vector<std::pair<int, std::function<void()>>> m_listeners;
    int m_next_listener = 0;
};

void address_space_init(AddressSpace* as, MemoryRegion* root, std::string name);
void address_space_destroy(AddressSpace* as);
// Every live address space, in creation order.
std::vector<AddressSpace*> address_spaces();

// Bulk access. Unassigned bytes read as 0 and ignore writes; the result
// says so (MEMTX_DECODE_ERROR) so that callers can fault or log.
MemTxResult address_space_read(AddressSpace* as, hwaddr addr, void* buf, hwaddr len);
MemTxResult address_space_write(AddressSpace* as, hwaddr addr, const void* buf, hwaddr len);
MemTxResult address_space_rw(AddressSpace* as, hwaddr addr, void* buf, hwaddr len, bool is_write);
// Writes even into ROM: how loaders put firmware in place.
MemTxResult address_space_write_rom(AddressSpace* as, hwaddr addr, const void* buf, hwaddr len);

// Single little-endian accesses of 1, 2, 4 or 8 bytes.
uint64_t address_space_ld(AddressSpace* as, hwaddr addr, unsigned size, MemTxResult* result);
MemTxResult address_space_st(AddressSpace* as, hwaddr addr, uint64_t value, unsigned size);
inline uint8_t address_space_ldub(AddressSpace* as, hwaddr a, MemTxResult* r = nullptr) {
    return static_cast<uint8_t>(address_space_ld(as, a, 1, r));
}
inline uint16_t address_space_lduw(AddressSpace* as, hwaddr a, MemTxResult* r = nullptr) {
    return static_cast<uint16_t>(address_space_ld(as, a, 2, r));
}
inline uint32_t address_space_ldl(AddressSpace* as, hwaddr a, MemTxResult* r = nullptr) {
    return static_cast<uint32_t>(address_space_ld(as, a, 4, r));
}
inline uint64_t address_space_ldq(AddressSpace* as, hwaddr a, MemTxResult* r = nullptr) {
    return address_space_ld(as, a, 8, r);
}
inline MemTxResult address_space_stb(AddressSpace* as, hwaddr a, uint8_t v) {
    return address_space_st(as, a, v, 1);
}
inline MemTxResult address_space_stw(AddressSpace* as, hwaddr a, uint16_t v) {
    return address_space_st(as, a, v, 2);
}
inline MemTxResult address_space_stl(AddressSpace* as, hwaddr a, uint32_t v) {
    return address_space_st(as, a, v, 4);
}
inline MemTxResult address_space_stq(AddressSpace* as, hwaddr a, uint64_t v) {
    return address_space_st(as, a, v, 8);
}

// `info mtree` and `info mtree -f` (and -D for disabled regions), in QEMU's format.
std::string mtree_info(bool flatview, bool show_disabled = false);

} // namespace mq
