// Putting images into guest memory (QEMU: hw/core/loader.c).
//
// Loaders do not write guest memory directly: they register "ROM blobs"
// (name, address, bytes), and every system reset copies the blobs into place
// again. A guest that overwrote its kernel gets it back on reset, as on QEMU.
#pragma once

#include "core/error.h"
#include "core/memory.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace mq {

struct Rom {
    std::string name;
    hwaddr addr;
    std::vector<uint8_t> data;
};

void rom_add_blob_fixed(std::string name, std::span<const uint8_t> data, hwaddr addr);

// A parsed ELF executable: its loadable segments (at their physical
// addresses), its entry point, and the symbols a board may look for
// (HTIF's tohost/fromhost).
struct ElfImage {
    struct Segment {
        hwaddr paddr;
        std::vector<uint8_t> bytes; // file bytes, then zeros up to p_memsz
    };
    std::vector<Segment> segments;
    uint64_t entry = 0;
    hwaddr low = 0;  // lowest and highest loaded address
    hwaddr high = 0; // one past the end
    std::vector<std::pair<std::string, uint64_t>> symbols;

    std::optional<uint64_t> symbol(std::string_view name) const;
};

// Reads `path` as a 64-bit little-endian RISC-V ELF executable. Not an ELF
// at all is reported as such, so callers can fall back to a raw image.
enum class ElfStatus { Ok, NotElf, Bad };
Result<ElfImage> elf_parse(const std::string& path, ElfStatus* status);
// The whole file.
Result<std::vector<uint8_t>> read_file(const std::string& path);
// Registers every segment of `image` as a ROM blob named after `what`.
void rom_add_elf(const ElfImage& image, const std::string& what);
// The blobs registered so far, in address order.
std::vector<Rom> rom_list();
// Every blob must land on memory and none may overlap another.
Status rom_check(AddressSpace* as);
// Copies every blob into place (writing even into ROM regions).
void rom_reset(AddressSpace* as);
void rom_clear();

} // namespace mq
