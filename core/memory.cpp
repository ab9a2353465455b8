#include "core/memory.h"

#include "core/log.h"
#include "core/qdev/qdev.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>

namespace mq {

namespace {

struct MemoryState {
    std::vector<AddressSpace*> spaces;
    int transaction_depth = 0;
    bool update_pending = false;
};

MemoryState& state() {
    static MemoryState s;
    return s;
}

Int128 size_from_u64(uint64_t size) { return size == UINT64_MAX ? kInt128_2_64 : Int128(size); }

// Updates every address space now, or at the end of the current transaction.
void topology_changed() {
    auto& s = state();
    s.update_pending = true;
    if (s.transaction_depth == 0) {
        memory_region_transaction_begin();
        memory_region_transaction_commit();
    }
}

} // namespace

void address_space_update_all();

MemoryRegionOps unassigned_io_ops() {
    MemoryRegionOps ops;
    ops.read = [](hwaddr, unsigned) -> uint64_t { return ~0ull; };
    ops.write = [](hwaddr, uint64_t, unsigned) {};
    return ops;
}

void EventNotifier::set() {
    m_count.fetch_add(1);
    if (handler) handler();
}

// ---------------------------------------------------------------------------
// Regions
// ---------------------------------------------------------------------------

MemoryRegion::~MemoryRegion() {
    memory_region_transaction_begin();
    if (m_container) memory_region_del_subregion(m_container, this);
    for (MemoryRegion* sub : m_subregions)
        sub->m_container = nullptr;
    if (!m_subregions.empty()) topology_changed();
    m_subregions.clear();
    memory_region_transaction_commit();
    free_ram();
}

void MemoryRegion::init_common(Object* owner, std::string name, uint64_t size, Kind kind) {
    m_owner = owner;
    m_name = std::move(name);
    m_size = size_from_u64(size);
    m_kind = kind;
}

void MemoryRegion::set_code(hwaddr offset, uint64_t owner) {
    std::atomic<uint64_t>* bits = m_code.load(std::memory_order_acquire);
    if (!bits) {
        size_t pages = (m_ram_mapped + 0xfff) >> 12;
        auto* fresh = new std::atomic<uint64_t>[pages]();
        if (m_code.compare_exchange_strong(bits, fresh, std::memory_order_acq_rel)) {
            bits = fresh;
        } else {
            delete[] fresh; // another hart was first: `bits` is its array
        }
    }
    bits[offset >> 12].fetch_or(owner, std::memory_order_relaxed);
}

void MemoryRegion::clear_code(hwaddr offset, uint64_t owner) {
    if (auto* bits = m_code.load(std::memory_order_acquire))
        bits[offset >> 12].fetch_and(~owner, std::memory_order_relaxed);
}

bool MemoryRegion::has_code_in(hwaddr offset, hwaddr len) const {
    const std::atomic<uint64_t>* bits = m_code.load(std::memory_order_acquire);
    if (!bits || len == 0) return false;
    for (hwaddr p = offset >> 12; p <= (offset + len - 1) >> 12; p++) {
        if (bits[p].load(std::memory_order_relaxed)) return true;
    }
    return false;
}

namespace {
std::function<void(const uint8_t*, size_t)>& code_write_hook() {
    static std::function<void(const uint8_t*, size_t)> hook;
    return hook;
}
std::function<void(MemoryRegion*)>& code_free_hook() {
    static std::function<void(MemoryRegion*)> hook;
    return hook;
}
} // namespace

void memory_set_code_write_hook(std::function<void(const uint8_t* host, size_t len)> hook) {
    code_write_hook() = std::move(hook);
}

void memory_set_code_free_hook(std::function<void(MemoryRegion* mr)> hook) {
    code_free_hook() = std::move(hook);
}

void MemoryRegion::free_ram() {
    if (m_code.load() && code_free_hook()) code_free_hook()(this);
    delete[] m_code.exchange(nullptr);
    if (m_ram) munmap(m_ram, m_ram_mapped);
    m_ram = nullptr;
    m_ram_mapped = 0;
}

const char* MemoryRegion::type_name() const {
    if (m_alias) return m_alias->type_name();
    switch (m_kind) {
    case Kind::Ram: return "ram";
    case Kind::Rom: return "rom";
    default: return "i/o";
    }
}

void memory_region_init(MemoryRegion* mr, Object* owner, std::string name, uint64_t size) {
    mr->init_common(owner, std::move(name), size, MemoryRegion::Kind::Container);
}

namespace {

Status allocate_ram(MemoryRegion* mr, uint8_t** ram, size_t* mapped, uint64_t size) {
    // Anonymous and NORESERVE: the host commits a page only when the guest
    // (or a loader) first touches it.
    size_t len = std::max<uint64_t>(size, 1);
    void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        return make_error("cannot set up guest memory '{}': {}", mr->name(), std::strerror(errno));
    }
    *ram = static_cast<uint8_t*>(p);
    *mapped = len;
    return {};
}

} // namespace

Status memory_region_init_ram(MemoryRegion* mr, Object* owner, std::string name, uint64_t size) {
    mr->init_common(owner, std::move(name), size, MemoryRegion::Kind::Ram);
    return allocate_ram(mr, &mr->m_ram, &mr->m_ram_mapped, size);
}

Status memory_region_init_rom(MemoryRegion* mr, Object* owner, std::string name, uint64_t size) {
    mr->init_common(owner, std::move(name), size, MemoryRegion::Kind::Rom);
    return allocate_ram(mr, &mr->m_ram, &mr->m_ram_mapped, size);
}

void memory_region_init_io(MemoryRegion* mr, Object* owner, MemoryRegionOps ops, std::string name,
                           uint64_t size) {
    mr->init_common(owner, std::move(name), size, MemoryRegion::Kind::Io);
    mr->m_ops = std::move(ops);
    if (owner && object_dynamic_cast(owner, TYPE_DEVICE)) mr->m_io_device = owner;
}

void memory_region_init_alias(MemoryRegion* mr, Object* owner, std::string name, MemoryRegion* orig,
                              hwaddr offset, uint64_t size) {
    mr->init_common(owner, std::move(name), size, MemoryRegion::Kind::Alias);
    mr->m_alias = orig;
    mr->m_alias_offset = offset;
}

void memory_region_add_subregion_common(MemoryRegion* mr, hwaddr offset, MemoryRegion* subregion,
                                        int priority) {
    if (subregion->m_container) memory_region_del_subregion(subregion->m_container, subregion);
    subregion->m_container = mr;
    subregion->m_addr = offset;
    subregion->m_priority = priority;
    // Before the first region of equal or lower priority: a later region
    // wins over an earlier one of the same priority.
    auto it = std::ranges::find_if(
        mr->m_subregions, [&](MemoryRegion* other) { return priority >= other->m_priority; });
    mr->m_subregions.insert(it, subregion);
    topology_changed();
}

void memory_region_add_subregion(MemoryRegion* mr, hwaddr offset, MemoryRegion* subregion) {
    memory_region_add_subregion_common(mr, offset, subregion, 0);
}

void memory_region_add_subregion_overlap(MemoryRegion* mr, hwaddr offset, MemoryRegion* subregion,
                                         int priority) {
    memory_region_add_subregion_common(mr, offset, subregion, priority);
}

void memory_region_del_subregion(MemoryRegion* mr, MemoryRegion* subregion) {
    if (subregion->m_container != mr) return;
    std::erase(mr->m_subregions, subregion);
    subregion->m_container = nullptr;
    topology_changed();
}

void memory_region_set_enabled(MemoryRegion* mr, bool enabled) {
    if (mr->m_enabled == enabled) return;
    mr->m_enabled = enabled;
    topology_changed();
}

void memory_region_set_address(MemoryRegion* mr, hwaddr addr) {
    if (mr->m_addr == addr) return;
    MemoryRegion* container = mr->m_container;
    if (!container) {
        mr->m_addr = addr;
        return;
    }
    memory_region_transaction_begin();
    int priority = mr->m_priority;
    memory_region_del_subregion(container, mr);
    memory_region_add_subregion_common(container, addr, mr, priority);
    memory_region_transaction_commit();
}

void memory_region_set_alias_offset(MemoryRegion* mr, hwaddr offset) {
    if (mr->m_alias_offset == offset) return;
    mr->m_alias_offset = offset;
    topology_changed();
}

void memory_region_set_size(MemoryRegion* mr, uint64_t size) {
    mr->m_size = size_from_u64(size);
    topology_changed();
}

void memory_region_add_eventfd(MemoryRegion* mr, hwaddr addr, unsigned size, bool match_data,
                               uint64_t data, EventNotifier* notifier) {
    mr->m_ioeventfds.push_back({addr, size, match_data, data, notifier});
}

void memory_region_del_eventfd(MemoryRegion* mr, hwaddr addr, unsigned size, bool match_data,
                               uint64_t data, EventNotifier* notifier) {
    std::erase_if(mr->m_ioeventfds, [&](const MemoryRegion::IoEventFd& e) {
        return e.addr == addr && e.size == size && e.match_data == match_data &&
               (!match_data || e.data == data) && e.notifier == notifier;
    });
}

void memory_region_transaction_begin() { state().transaction_depth++; }

void memory_region_transaction_commit() {
    auto& s = state();
    if (--s.transaction_depth == 0 && s.update_pending) {
        s.update_pending = false;
        address_space_update_all();
    }
}

// ---------------------------------------------------------------------------
// Dispatch to I/O regions
// ---------------------------------------------------------------------------

namespace {

// Logs why an access was refused, as QEMU's memory_region_access_valid does.
[[gnu::noinline, gnu::cold]] void log_invalid_access(MemoryRegion* mr, hwaddr addr, unsigned size,
                                                     bool is_write, bool aligned, bool size_ok) {
    const auto& valid = mr->ops().valid;
    std::string reason = !aligned   ? std::string("unaligned")
                         : !size_ok ? fmt::format("invalid size (min:{} max:{})",
                                                  valid.min_access_size, valid.max_access_size)
                                    : std::string("rejected");
    qemu_log_mask(LOG_GUEST_ERROR, "Invalid {} at addr 0x{:X}, size {}, region '{}', reason: {}",
                  is_write ? "write" : "read", addr, size, mr->name(), reason);
}

// Whether the region's ops accept the access (QEMU's memory_region_access_valid).
inline bool access_valid(MemoryRegion* mr, hwaddr addr, unsigned size, bool is_write) {
    const auto& valid = mr->ops().valid;
    const bool size_ok = (!valid.max_access_size || size <= valid.max_access_size) &&
                         (!valid.min_access_size || size >= valid.min_access_size);
    const bool aligned = valid.unaligned || !(addr & (size - 1));
    if (aligned && size_ok && (!valid.accepts || valid.accepts(addr, size, is_write))) [[likely]]
        return true;
    log_invalid_access(mr, addr, size, is_write, aligned, size_ok);
    return false;
}

// QEMU's MemReentrancyGuard. A device inside one of its own MMIO callbacks
// may reach its registers again through DMA or an MSI write (a guest can
// point edu's MSI address at edu's IRQ_RAISE register): followed, that
// recursion would overflow the host stack. Such an access is refused and
// logged, as QEMU does since 8.0. A chain through several devices is
// bounded too: each device can be on the stack once.
class DeviceIoScope {
public:
    explicit DeviceIoScope(const MemoryRegion* mr, hwaddr addr) : m_device(mr->io_device()) {
        if (!m_device) return;
        bool again = std::find(t_in_io, t_in_io + t_depth, m_device) != t_in_io + t_depth;
        if (again || t_depth == kMaxDepth) {
            qemu_log_mask(LOG_GUEST_ERROR,
                          "Blocked re-entrant IO on MemoryRegion: {} at addr: 0x{:X}", mr->name(),
                          addr);
            m_blocked = true;
            return;
        }
        t_in_io[t_depth++] = m_device;
    }
    ~DeviceIoScope() {
        if (m_device && !m_blocked) t_depth--;
    }
    DeviceIoScope(const DeviceIoScope&) = delete;
    DeviceIoScope& operator=(const DeviceIoScope&) = delete;
    bool blocked() const { return m_blocked; }

private:
    // Per thread: a re-entry is a nested call on one stack. Plain arrays, so
    // that the MMIO path pays no thread_local initialisation check.
    static constexpr unsigned kMaxDepth = 16;
    static thread_local const Object* t_in_io[kMaxDepth];
    static thread_local unsigned t_depth;
    const Object* m_device;
    bool m_blocked = false;
};

thread_local const Object* DeviceIoScope::t_in_io[DeviceIoScope::kMaxDepth];
thread_local unsigned DeviceIoScope::t_depth = 0;

// Splits or widens an access to what the callbacks implement, little-endian
// (QEMU's access_with_adjusted_size).
template <typename Fn>
MemTxResult access_with_adjusted_size(MemoryRegion* mr, hwaddr addr, unsigned size, Fn&& fn) {
    unsigned min = mr->ops().impl.min_access_size ? mr->ops().impl.min_access_size : 1;
    unsigned max = mr->ops().impl.max_access_size ? mr->ops().impl.max_access_size : 4;
    unsigned access_size = std::max(std::min(size, max), min);
    MemTxResult r = MEMTX_OK;
    for (unsigned i = 0; i < size; i += access_size) {
        r = static_cast<MemTxResult>(r | fn(addr + i, access_size, i * 8));
    }
    return r;
}

uint64_t size_mask(unsigned size) { return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1; }

// Whether the callbacks take an access of `size` as it is, in one call:
// what access_with_adjusted_size would do with a single step.
bool one_call(const MemoryRegionOps& ops, unsigned size) {
    const unsigned min = ops.impl.min_access_size ? ops.impl.min_access_size : 1;
    const unsigned max = ops.impl.max_access_size ? ops.impl.max_access_size : 4;
    return size >= min && size <= max;
}

} // namespace

MemTxResult memory_region_dispatch_read(MemoryRegion* mr, hwaddr addr, uint64_t* value,
                                        unsigned size) {
    *value = 0;
    if (!access_valid(mr, addr, size, false)) return MEMTX_DECODE_ERROR;
    DeviceIoScope io(mr, addr);
    if (io.blocked()) return MEMTX_ERROR;
    const auto& ops = mr->ops();
    if (one_call(ops, size)) { // what a device register access usually is
        if (ops.read_with_result) {
            const MemTxResult r = ops.read_with_result(addr, value, size);
            *value &= size_mask(size);
            return r;
        }
        if (ops.read) *value = ops.read(addr, size) & size_mask(size);
        return MEMTX_OK;
    }
    MemTxResult r =
        access_with_adjusted_size(mr, addr, size, [&](hwaddr a, unsigned s, unsigned shift) {
            uint64_t v = 0;
            MemTxResult res = MEMTX_OK;
            if (ops.read_with_result) {
                res = ops.read_with_result(a, &v, s);
            } else if (ops.read) {
                v = ops.read(a, s);
            }
            *value |= (v & size_mask(s)) << shift;
            return res;
        });
    *value &= size_mask(size);
    return r;
}

MemTxResult memory_region_dispatch_write(MemoryRegion* mr, hwaddr addr, uint64_t value,
                                         unsigned size) {
    if (!access_valid(mr, addr, size, true)) return MEMTX_DECODE_ERROR;
    value &= size_mask(size);
    // A matching ioeventfd consumes the write; the device never sees it.
    for (const auto& e : mr->m_ioeventfds) {
        if (e.addr == addr && (e.size == 0 || e.size == size) &&
            (!e.match_data || e.data == value)) {
            e.notifier->set();
            return MEMTX_OK;
        }
    }
    DeviceIoScope io(mr, addr);
    if (io.blocked()) return MEMTX_ERROR;
    const auto& ops = mr->ops();
    if (one_call(ops, size)) {
        if (ops.write_with_result) return ops.write_with_result(addr, value, size);
        if (ops.write) ops.write(addr, value, size);
        return MEMTX_OK;
    }
    return access_with_adjusted_size(mr, addr, size, [&](hwaddr a, unsigned s, unsigned shift) {
        uint64_t v = (value >> shift) & size_mask(s);
        if (ops.write_with_result) return ops.write_with_result(a, v, s);
        if (ops.write) ops.write(a, v, s);
        return MEMTX_OK;
    });
}

// ---------------------------------------------------------------------------
// Flat views
// ---------------------------------------------------------------------------

namespace {

// Renders `mr` into `view` where nothing of higher precedence is yet
// (QEMU's render_memory_region). `base` is the container's address.
void render(std::vector<FlatRange>& view, MemoryRegion* mr, Int128 base, Int128 clip_start,
            Int128 clip_end, bool readonly) {
    if (!mr->enabled()) return;
    base += mr->addr();
    Int128 start = std::max(base, clip_start);
    Int128 end = std::min(base + mr->size(), clip_end);
    if (start >= end) return;

    if (mr->alias()) {
        Int128 alias_base = base - mr->alias()->addr() - mr->alias_offset();
        render(view, mr->alias(), alias_base, start, end, readonly);
        return;
    }
    for (MemoryRegion* sub : mr->subregions())
        render(view, sub, base, start, end, readonly);
    if (mr->kind() == MemoryRegion::Kind::Container) return;

    bool ro = readonly || mr->is_rom();
    hwaddr offset = static_cast<hwaddr>(start - base);
    Int128 pos = start;
    auto emit = [&](size_t index, Int128 upto) {
        FlatRange fr{static_cast<hwaddr>(pos), upto, mr, offset, ro};
        view.insert(view.begin() + static_cast<ptrdiff_t>(index), fr);
        offset += static_cast<hwaddr>(upto - pos);
        pos = upto;
    };
    // Fill the gaps between ranges already rendered.
    size_t i = std::ranges::lower_bound(view, pos, {}, [](const FlatRange& r) { return r.end; }) -
               view.begin();
    for (; i < view.size() && pos < end; i++) {
        if (pos < view[i].start) {
            emit(i, std::min(end, Int128(view[i].start)));
            i++;
        }
        Int128 skip_to = std::min(end, view[i].end);
        if (skip_to > pos) {
            offset += static_cast<hwaddr>(skip_to - pos);
            pos = skip_to;
        }
    }
    if (pos < end) emit(view.size(), end);
}

// Joins neighbours that continue the same region (QEMU's flatview_simplify).
void simplify(std::vector<FlatRange>& view) {
    std::vector<FlatRange> out;
    for (const auto& r : view) {
        if (!out.empty()) {
            FlatRange& last = out.back();
            if (last.mr == r.mr && last.end == r.start && last.readonly == r.readonly &&
                last.offset_in_region + static_cast<hwaddr>(last.size()) == r.offset_in_region) {
                last.end = r.end;
                continue;
            }
        }
        out.push_back(r);
    }
    view = std::move(out);
}

} // namespace

std::shared_ptr<const FlatView> generate_flat_view(MemoryRegion* root) {
    std::vector<FlatRange> ranges;
    if (root) render(ranges, root, 0, 0, kInt128_2_64, false);
    simplify(ranges);
    return std::make_shared<FlatView>(std::move(ranges), root);
}

const FlatRange* FlatView::lookup(hwaddr addr) const {
    auto it = std::upper_bound(m_ranges.begin(), m_ranges.end(), addr,
                               [](hwaddr a, const FlatRange& r) { return a < r.start; });
    if (it == m_ranges.begin()) return nullptr;
    --it;
    return Int128(addr) < it->end ? &*it : nullptr;
}

// ---------------------------------------------------------------------------
// Address spaces
// ---------------------------------------------------------------------------

void address_space_init(AddressSpace* as, MemoryRegion* root, std::string name) {
    as->m_name = std::move(name);
    as->m_root = root;
    state().spaces.push_back(as);
    as->update();
}

void address_space_destroy(AddressSpace* as) {
    std::erase(state().spaces, as);
    as->m_root = nullptr;
    as->publish(nullptr);
}

AddressSpace::~AddressSpace() {
    if (m_root) address_space_destroy(this);
}

void AddressSpace::update() {
    publish(generate_flat_view(m_root));
    for (auto& [id, fn] : m_listeners)
        fn();
}

int AddressSpace::add_listener(std::function<void()> on_change) {
    int id = m_next_listener++;
    m_listeners.emplace_back(id, std::move(on_change));
    return id;
}

void AddressSpace::remove_listener(int id) {
    std::erase_if(m_listeners, [id](auto& l) { return l.first == id; });
}

void address_space_update_all() {
    for (AddressSpace* as : std::vector<AddressSpace*>(state().spaces))
        as->update();
}

std::vector<AddressSpace*> address_spaces() { return state().spaces; }

namespace {

// The largest access a bulk transfer may use at `addr` (QEMU's memory_access_size).
unsigned bulk_access_size(MemoryRegion* mr, hwaddr len, hwaddr addr) {
    unsigned max = mr->ops().valid.max_access_size ? mr->ops().valid.max_access_size : 4;
    hwaddr align = addr & (~addr + 1);
    if (align != 0 && align < max) max = static_cast<unsigned>(align);
    unsigned l = static_cast<unsigned>(std::min<hwaddr>(len, max));
    while (l & (l - 1))
        l &= l - 1; // round down to a power of two
    return l;
}

// Every copy between a device (or a loader) and guest RAM. Guest RAM is
// shared with the harts, which load and store it without the big lock while
// a device on another thread copies, as real DMA does; the guest orders the
// two itself. tests/tsan.supp names this function, and only this one, for
// that reason.
[[gnu::noinline]] void guest_ram_copy(void* dst, const void* src, size_t len) {
    std::memcpy(dst, src, len);
}

enum class RomWrites { Ignore, Allow };

MemTxResult flat_rw(AddressSpace* as, hwaddr addr, uint8_t* buf, hwaddr len, bool is_write,
                    RomWrites rom) {
    auto view = as->flatview();
    MemTxResult result = MEMTX_OK;
    while (len > 0) {
        const FlatRange* fr = view ? view->lookup(addr) : nullptr;
        if (!fr) {
            // Unassigned up to the next range (or the end of the request).
            hwaddr l = len;
            if (view) {
                auto next =
                    std::upper_bound(view->ranges().begin(), view->ranges().end(), addr,
                                     [](hwaddr a, const FlatRange& r) { return a < r.start; });
                if (next != view->ranges().end()) l = std::min<hwaddr>(len, next->start - addr);
            }
            if (!is_write) std::memset(buf, 0, l);
            result = static_cast<MemTxResult>(result | MEMTX_DECODE_ERROR);
            addr += l;
            buf += l;
            len -= l;
            if (addr == 0) break; // wrapped around the top of the address space
            continue;
        }
        hwaddr in_range = static_cast<hwaddr>(std::min<Int128>(fr->end - addr, len));
        hwaddr mr_addr = fr->offset_in_region + (addr - fr->start);
        MemoryRegion* mr = fr->mr;
        if (!mr->is_ram() && rom == RomWrites::Allow) {
            // Loaders write RAM and ROM only; a device laid over them is left alone.
        } else if (mr->is_ram()) {
            uint8_t* host = mr->ram_ptr() + mr_addr;
            if (!is_write) {
                guest_ram_copy(buf, host, in_range);
            } else if (!fr->readonly || rom == RomWrites::Allow) {
                guest_ram_copy(host, buf, in_range);
                if (mr->has_code_in(mr_addr, in_range) && code_write_hook()) {
                    code_write_hook()(host, in_range);
                }
            }
        } else {
            for (hwaddr done = 0; done < in_range;) {
                unsigned l = bulk_access_size(mr, in_range - done, mr_addr + done);
                MemTxResult r;
                if (is_write) {
                    uint64_t v = 0;
                    std::memcpy(&v, buf + done, l);
                    r = memory_region_dispatch_write(mr, mr_addr + done, v, l);
                } else {
                    uint64_t v = 0;
                    r = memory_region_dispatch_read(mr, mr_addr + done, &v, l);
                    std::memcpy(buf + done, &v, l);
                }
                result = static_cast<MemTxResult>(result | r);
                done += l;
            }
        }
        addr += in_range;
        buf += in_range;
        len -= in_range;
    }
    return result;
}

} // namespace

MemTxResult address_space_rw(AddressSpace* as, hwaddr addr, void* buf, hwaddr len, bool is_write) {
    return flat_rw(as, addr, static_cast<uint8_t*>(buf), len, is_write, RomWrites::Ignore);
}

MemTxResult address_space_read(AddressSpace* as, hwaddr addr, void* buf, hwaddr len) {
    return address_space_rw(as, addr, buf, len, false);
}

MemTxResult address_space_write(AddressSpace* as, hwaddr addr, const void* buf, hwaddr len) {
    return address_space_rw(as, addr, const_cast<void*>(buf), len, true);
}

MemTxResult address_space_write_rom(AddressSpace* as, hwaddr addr, const void* buf, hwaddr len) {
    return flat_rw(as, addr, static_cast<uint8_t*>(const_cast<void*>(buf)), len, true,
                   RomWrites::Allow);
}

uint64_t address_space_ld(AddressSpace* as, hwaddr addr, unsigned size, MemTxResult* result) {
    auto view = as->flatview();
    const FlatRange* fr = view ? view->lookup(addr) : nullptr;
    uint64_t value = 0;
    MemTxResult r;
    if (fr && Int128(addr) + size <= fr->end) {
        hwaddr mr_addr = fr->offset_in_region + (addr - fr->start);
        if (fr->mr->is_ram()) {
            guest_ram_copy(&value, fr->mr->ram_ptr() + mr_addr, size);
            r = MEMTX_OK;
        } else {
            r = memory_region_dispatch_read(fr->mr, mr_addr, &value, size);
        }
    } else {
        r = address_space_read(as, addr, &value, size);
    }
    if (result) *result = r;
    return value;
}

MemTxResult address_space_st(AddressSpace* as, hwaddr addr, uint64_t value, unsigned size) {
    auto view = as->flatview();
    const FlatRange* fr = view ? view->lookup(addr) : nullptr;
    if (fr && !fr->mr->is_ram() && Int128(addr) + size <= fr->end) {
        return memory_region_dispatch_write(fr->mr, fr->offset_in_region + (addr - fr->start),
                                            value, size);
    }
    return address_space_write(as, addr, &value, size);
}

} // namespace mq
