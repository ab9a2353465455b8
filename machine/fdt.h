// Building a flattened device tree with libfdt, QEMU-style (QEMU:
// softmmu/device_tree.c). Nodes and properties are addressed by path. Like
// QEMU's, this uses libfdt's read-write API, in which a new property or
// subnode goes first: creating things in QEMU's order yields QEMU's tree.
#pragma once

#include "core/error.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace mq {

// Reads a device tree blob for -dtb, as QEMU's load_device_tree(), with
// QEMU's messages; the caller follows them with "load_device_tree() failed".
// The header is checked before the rest is read, and at most `max_size`
// bytes are: a garbage or huge file costs nothing.
Result<std::vector<uint8_t>> load_device_tree(const std::string& path, uint64_t max_size);

class FdtBuilder {
public:
    // The tree starts small (a virt board's is 4 to 10 KiB) and moves to a
    // buffer twice the size whenever an edit finds it full: QEMU's fixed
    // 1 MiB, zeroed, was a quarter of start-up's page faults.
    explicit FdtBuilder(size_t size = 8 << 10);

    void add_subnode(std::string_view path);
    void setprop(std::string_view path, std::string_view name, const void* data, size_t len);
    void setprop_empty(std::string_view path, std::string_view name) {
        setprop(path, name, nullptr, 0);
    }
    void setprop_string(std::string_view path, std::string_view name, std::string_view value);
    // Several strings, each NUL-terminated: "sifive,test1\0sifive,test0\0syscon".
    void setprop_strings(std::string_view path, std::string_view name,
                         std::initializer_list<std::string_view> values);
    void setprop_cell(std::string_view path, std::string_view name, uint32_t value);
    void setprop_cells(std::string_view path, std::string_view name,
                       const std::vector<uint32_t>& cells);
    // A 64-bit value as two cells, high first.
    void setprop_u64(std::string_view path, std::string_view name, uint64_t value);

    // Packs the tree and returns the blob.
    std::vector<uint8_t> finish();
    const void* data() const { return m_blob.data(); }

private:
    int offset(std::string_view path) const;
    template <typename Edit>
    int edit(Edit&& op);
    std::vector<uint8_t> m_blob;
};

} // namespace mq
