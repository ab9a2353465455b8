// Putting images into guest memory (QEMU: hw/core/loader.c).
//
// Loaders do not write guest memory directly: they register "ROM blobs"
// (name, address, bytes), and every system reset copies the blobs into place
// again. A guest that overwrote its kernel gets it back on reset, as on QEMU.
//
// Image files come from the user and may be anything: a directory, /dev/zero,
// a sparse file of many GiB, an ELF whose headers lie. So a loader learns a
// file's size before reading it, reads only what it has checked will fit, and
// never materialises zeros it can describe by a size.
#pragma once

#include "core/error.h"
#include "core/memory.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mq {

struct Rom {
    std::string name;
    hwaddr addr;
    std::vector<uint8_t> data;
    uint64_t romsize; // data.size(), or more: the rest is zeros (an ELF segment's .bss)
};

void rom_add_blob_fixed(std::string name, std::vector<uint8_t> data, hwaddr addr);

// An image file opened for loading, not yet read.
class ImageFile {
public:
    // Fails only when the file cannot be opened; the message is the OS's reason.
    static Result<ImageFile> open(const std::string& path);

    ImageFile(ImageFile&& other) noexcept;
    ImageFile& operator=(ImageFile&& other) noexcept;
    ~ImageFile();

    const std::string& path() const { return m_path; }
    // What seeking to the end says, as QEMU's get_image_size(): /dev/null and
    // /dev/zero are empty and a block device has its size. None for what has
    // no size: a directory, a pipe, /proc/self/mem.
    std::optional<uint64_t> size() const { return m_size; }
    // Exactly `len` bytes from `offset`, or false.
    [[nodiscard]] bool read(uint64_t offset, void* buf, size_t len) const;
    // `len` bytes from `offset`; the caller has checked that `len` is sensible.
    std::optional<std::vector<uint8_t>> read(uint64_t offset, uint64_t len) const;

private:
    ImageFile(std::string path, int fd, std::optional<uint64_t> size)
        : m_path(std::move(path)), m_fd(fd), m_size(size) {}

    std::string m_path;
    int m_fd = -1;
    std::optional<uint64_t> m_size;
};

// The headers of a 64-bit little-endian RISC-V ELF executable: where its
// loadable segments go (physical addresses), its entry point, and the symbols
// the caller asked for (HTIF's tohost/fromhost). Segment contents stay in the
// file until the caller has checked where they land.
struct ElfImage {
    struct Segment {
        hwaddr paddr;
        uint64_t offset; // in the file
        uint64_t filesz; // bytes from the file, then zeros up to memsz
        uint64_t memsz;
        unsigned phdr_index = 0; // which program header: part of the blob's name
    };
    std::vector<Segment> segments;
    uint64_t entry = 0;
    hwaddr low = 0;  // lowest and highest loaded address
    hwaddr high = 0; // one past the end
    std::vector<std::pair<std::string, uint64_t>> symbols;

    std::optional<uint64_t> symbol(std::string_view name) const;
};

// Not an ELF at all is reported as such, so callers can fall back to a raw
// image. Only the headers and the symbol table are read, each bounded by the
// file's size.
enum class ElfStatus { Ok, NotElf, Bad };
Result<ElfImage> elf_parse(const ImageFile& file, std::span<const std::string_view> wanted_symbols,
                           ElfStatus* status);
// Registers every segment of `image` as a ROM blob named, as QEMU names it,
// "NAME ELF program header segment N", reading its bytes from `file`. The caller has checked where
// the segments land; segments that overlap each other are refused before anything is read, so what
// is read is at most the memory they cover.
Status rom_add_elf(const ImageFile& file, const ElfImage& image, const std::string& name);
// The blobs registered so far, in address order.
std::vector<Rom> rom_list();
// `info roms`: one line a blob, in address order, in QEMU's format; "mem=rom"
// when the blob lies in a ROM region of `as`.
std::string rom_info_string(AddressSpace* as);
// Every blob must land on memory and none may overlap another.
Status rom_check(AddressSpace* as);
// Copies every blob into place (writing even into ROM regions).
void rom_reset(AddressSpace* as);
void rom_clear();

} // namespace mq
