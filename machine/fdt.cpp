#include "machine/fdt.h"

#include "core/loader.h"
#include "core/qom/object.h"

extern "C" {
#include <libfdt.h>
}

#include <climits>

namespace mq {

namespace {
// A libfdt error while building our own tree is a bug in the board code.
void check(int err, std::string_view what) {
    if (err < 0) qom_abort(fmt::format("fdt: {}: {}", what, fdt_strerror(err)));
}
} // namespace

Result<std::vector<uint8_t>> load_device_tree(const std::string& path, uint64_t max_size) {
    auto unable_to_copy = [](int err) {
        return make_error("load_device_tree: Unable to copy device tree into memory: {}",
                          fdt_strerror(err));
    };
    auto file = ImageFile::open(path);
    if (!file || !file->size()) {
        return make_error("Unable to get size of device tree file '{}'", path);
    }
    uint64_t size = *file->size();
    // QEMU's bound: it doubles the size (plus slack) in an int.
    if (size > INT_MAX / 2 - 10000) return make_error("Device tree file '{}' is too large", path);
    // Zeros past the end of a short file, as QEMU's zeroed buffer.
    fdt_header header{};
    if (!file->read(0, &header, std::min<uint64_t>(size, sizeof header))) {
        return make_error("Unable to open device tree file '{}'", path);
    }
    if (int err = fdt_check_header(&header)) return unable_to_copy(err);
    uint64_t total = fdt_totalsize(&header);
    if (total > size) return unable_to_copy(-FDT_ERR_TRUNCATED);
    if (total > max_size) return make_error("Device tree file '{}' is too large", path);
    auto blob = file->read(0, total);
    if (!blob) return make_error("Unable to open device tree file '{}'", path);
    return std::move(*blob);
}

FdtBuilder::FdtBuilder(size_t size) : m_blob(size) {
    check(fdt_create_empty_tree(m_blob.data(), static_cast<int>(size)), "create");
}

int FdtBuilder::offset(std::string_view path) const {
    int off = fdt_path_offset_namelen(m_blob.data(), path.data(), static_cast<int>(path.size()));
    check(off, path);
    return off;
}

// Runs a libfdt edit; when the tree has no room left, moves it into a buffer
// twice the size (fdt_open_into keeps node offsets) and runs it again.
template <typename Edit>
int FdtBuilder::edit(Edit&& op) {
    constexpr size_t kMaxSize = 64 << 20;
    for (;;) {
        int err = op();
        if (err != -FDT_ERR_NOSPACE || m_blob.size() >= kMaxSize) return err;
        std::vector<uint8_t> bigger(m_blob.size() * 2);
        check(fdt_open_into(m_blob.data(), bigger.data(), static_cast<int>(bigger.size())), "grow");
        m_blob = std::move(bigger);
    }
}

void FdtBuilder::add_subnode(std::string_view path) {
    auto slash = path.rfind('/');
    std::string_view parent = slash == 0 ? std::string_view("/") : path.substr(0, slash);
    std::string name(path.substr(slash + 1));
    check(edit([&] { return fdt_add_subnode(m_blob.data(), offset(parent), name.c_str()); }), path);
}

void FdtBuilder::setprop(std::string_view path, std::string_view name, const void* data,
                         size_t len) {
    std::string n(name);
    check(edit([&] {
              return fdt_setprop(m_blob.data(), offset(path), n.c_str(), data,
                                 static_cast<int>(len));
          }),
          name);
}

void FdtBuilder::setprop_string(std::string_view path, std::string_view name,
                                std::string_view value) {
    std::string v(value);
    setprop(path, name, v.c_str(), v.size() + 1);
}

void FdtBuilder::setprop_strings(std::string_view path, std::string_view name,
                                 std::initializer_list<std::string_view> values) {
    std::string joined;
    for (auto v : values) {
        joined += v;
        joined += '\0';
    }
    setprop(path, name, joined.data(), joined.size());
}

void FdtBuilder::setprop_cell(std::string_view path, std::string_view name, uint32_t value) {
    setprop_cells(path, name, {value});
}

void FdtBuilder::setprop_cells(std::string_view path, std::string_view name,
                               const std::vector<uint32_t>& cells) {
    std::vector<fdt32_t> be;
    for (uint32_t c : cells)
        be.push_back(cpu_to_fdt32(c));
    setprop(path, name, be.data(), be.size() * sizeof(fdt32_t));
}

void FdtBuilder::setprop_u64(std::string_view path, std::string_view name, uint64_t value) {
    setprop_cells(path, name, {static_cast<uint32_t>(value >> 32), static_cast<uint32_t>(value)});
}

std::vector<uint8_t> FdtBuilder::finish() {
    check(fdt_pack(m_blob.data()), "pack");
    std::vector<uint8_t> out(m_blob.begin(), m_blob.begin() + fdt_totalsize(m_blob.data()));
    return out;
}

} // namespace mq
