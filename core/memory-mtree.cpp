// `info mtree` (QEMU: mtree_info in softmmu/memory.c): the region tree of
// every address space, or with -f the flat views the harts and devices
// really see. Read-only; it uses nothing but the memory API.
#include "core/memory.h"

#include <algorithm>

namespace mq {

namespace {

std::string range_text(Int128 start, Int128 size) {
    Int128 last = start + size - 1;
    return fmt::format("{:016x}-{:016x}", static_cast<uint64_t>(start),
                       static_cast<uint64_t>(last));
}

void mtree_print_mr(std::string& out, MemoryRegion* mr, int level, Int128 base,
                    std::vector<MemoryRegion*>& aliases, bool show_disabled) {
    Int128 start = base + mr->addr();
    if (mr->alias() && std::ranges::find(aliases, mr->alias()) == aliases.end()) {
        aliases.push_back(mr->alias());
    }
    // Disabled regions only with -D, as in QEMU.
    if (mr->enabled() || show_disabled) {
        out += fmt::format("{:{}}{} (prio {}, {}): ", "", level * 2, range_text(start, mr->size()),
                           mr->priority(), mr->type_name());
        if (mr->alias()) {
            out += fmt::format("alias {} @{} {}", mr->name(), mr->alias()->name(),
                               range_text(mr->alias_offset(), mr->size()));
        } else {
            out += mr->name();
        }
        out += mr->enabled() ? "\n" : " [disabled]\n";
    }
    // By address, then by descending priority, as QEMU prints them.
    std::vector<MemoryRegion*> subs = mr->subregions();
    std::ranges::stable_sort(subs, [](MemoryRegion* a, MemoryRegion* b) {
        if (a->addr() != b->addr()) return a->addr() < b->addr();
        return a->priority() > b->priority();
    });
    for (MemoryRegion* sub : subs)
        mtree_print_mr(out, sub, level + 1, start, aliases, show_disabled);
}

// The region a flat view really starts from (QEMU's
// memory_region_get_flatview_root): through containers that hold a single
// enabled child covering them, and aliases of a whole region. Null when
// nothing is enabled: such address spaces share one empty view.
MemoryRegion* flatview_root(MemoryRegion* mr) {
    while (mr && mr->enabled()) {
        if (mr->alias()) {
            // The alias shows all of its target: share the target's view.
            if (!mr->alias_offset() && mr->size() >= mr->alias()->size()) {
                mr = mr->alias();
                continue;
            }
        } else if (mr->kind() == MemoryRegion::Kind::Container) {
            int found = 0;
            MemoryRegion* next = nullptr;
            for (MemoryRegion* child : mr->subregions()) {
                if (!child->enabled()) continue;
                if (++found > 1) {
                    next = nullptr;
                    break;
                }
                if (!child->addr() && mr->size() >= child->size()) next = child;
            }
            if (found == 0) return nullptr;
            if (next) {
                mr = next;
                continue;
            }
        }
        return mr;
    }
    return nullptr;
}

} // namespace

std::string mtree_info(bool flatview, bool show_disabled) {
    std::string out;
    auto spaces = address_spaces();
    // Address spaces that share a root print together.
    std::vector<MemoryRegion*> roots;
    for (AddressSpace* as : spaces) {
        if (std::ranges::find(roots, as->root()) == roots.end()) roots.push_back(as->root());
    }
    if (flatview) {
        // Address spaces that render from the same region share a view.
        std::vector<MemoryRegion*> view_roots;
        for (AddressSpace* as : spaces) {
            MemoryRegion* r = flatview_root(as->root());
            if (std::ranges::find(view_roots, r) == view_roots.end()) view_roots.push_back(r);
        }
        int n = 0;
        for (MemoryRegion* root : view_roots) {
            out += fmt::format("FlatView #{}\n", n++);
            std::shared_ptr<const FlatView> view;
            for (AddressSpace* as : spaces) {
                if (flatview_root(as->root()) != root) continue;
                out += fmt::format(" AS \"{}\", root: {}", as->name(), as->root()->name());
                if (as->root()->alias())
                    out += fmt::format(", alias {}", as->root()->alias()->name());
                out += "\n";
                view = as->flatview();
            }
            if (!root || !view || view->ranges().empty()) {
                out += " Root memory region: (none)\n  No rendered FlatView\n\n";
                continue;
            }
            out += fmt::format(" Root memory region: {}\n", root->name());
            for (const auto& r : view->ranges()) {
                out += fmt::format("  {} (prio {}, {}): {}", range_text(r.start, r.size()),
                                   r.mr->priority(), r.readonly ? "rom" : r.mr->type_name(),
                                   r.mr->name());
                if (r.offset_in_region) out += fmt::format(" @{:016x}", r.offset_in_region);
                out += "\n";
            }
            out += "\n";
        }
        return out;
    }
    std::vector<MemoryRegion*> aliases;
    for (MemoryRegion* root : roots) {
        for (AddressSpace* as : spaces) {
            if (as->root() == root) out += fmt::format("address-space: {}\n", as->name());
        }
        mtree_print_mr(out, root, 1, 0, aliases, show_disabled);
        out += "\n";
    }
    for (size_t i = 0; i < aliases.size(); i++) {
        out += fmt::format("memory-region: {}\n", aliases[i]->name());
        mtree_print_mr(out, aliases[i], 1, 0, aliases, show_disabled);
        out += "\n";
    }
    return out;
}

} // namespace mq
