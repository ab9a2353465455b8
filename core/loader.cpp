#include "core/loader.h"

#include <elf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace mq {

namespace {
std::vector<Rom>& roms() {
    static std::vector<Rom> r;
    return r;
}
} // namespace

void rom_add_blob_fixed(std::string name, std::span<const uint8_t> data, hwaddr addr) {
    roms().push_back(Rom{std::move(name), addr, std::vector<uint8_t>(data.begin(), data.end())});
}

std::vector<Rom> rom_list() {
    auto list = roms();
    std::ranges::stable_sort(list, {}, &Rom::addr);
    return list;
}

Status rom_check(AddressSpace* as) {
    auto list = rom_list();
    for (size_t i = 1; i < list.size(); i++) {
        const Rom& prev = list[i - 1];
        if (prev.addr + prev.data.size() > list[i].addr) {
            return make_error("Some ROM regions are overlapping")
                .with_hint(fmt::format(
                    "These ROM regions might have been loaded by direct user request or by "
                    "default.\nThey could be BIOS/firmware images, a guest kernel, initrd or some "
                    "other file loaded into guest memory.\nCheck whether you intended to load all "
                    "this guest code, and whether it has been built to load to the correct "
                    "addresses.\n\nThe following two regions overlap (in the memory address "
                    "space):\n  {} (addresses 0x{:016x} - 0x{:016x})\n  {} (addresses 0x{:016x} - "
                    "0x{:016x})\n",
                    prev.name, prev.addr, prev.addr + prev.data.size(), list[i].name, list[i].addr,
                    list[i].addr + list[i].data.size()));
        }
    }
    for (const Rom& rom : list) {
        if (rom.data.empty()) continue;
        auto view = as->flatview();
        for (hwaddr a = rom.addr; a < rom.addr + rom.data.size();) {
            const FlatRange* fr = view->lookup(a);
            if (!fr)
                return make_error("could not load '{}' at 0x{:x}: no memory there", rom.name, a);
            a = static_cast<hwaddr>(std::min<Int128>(fr->end, rom.addr + rom.data.size()));
        }
    }
    return {};
}

void rom_reset(AddressSpace* as) {
    for (const Rom& rom : roms()) {
        (void)address_space_write_rom(as, rom.addr, rom.data.data(), rom.data.size());
    }
}

void rom_clear() { roms().clear(); }

std::optional<uint64_t> ElfImage::symbol(std::string_view name) const {
    for (const auto& [n, v] : symbols) {
        if (n == name) return v;
    }
    return std::nullopt;
}

Result<std::vector<uint8_t>> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error("{}", std::strerror(errno));
    std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    return data;
}

namespace {

template <typename T>
bool read_at(const std::vector<uint8_t>& file, uint64_t offset, T* out) {
    if (offset > file.size() || file.size() - offset < sizeof(T)) return false;
    std::memcpy(out, file.data() + offset, sizeof(T));
    return true;
}

} // namespace

Result<ElfImage> elf_parse(const std::string& path, ElfStatus* status) {
    *status = ElfStatus::Bad;
    auto file = read_file(path);
    if (!file) return file.take_error();
    const auto& f = *file;
    Elf64_Ehdr eh;
    if (!read_at(f, 0, &eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
        *status = ElfStatus::NotElf;
        return make_error("not an ELF file");
    }
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB) {
        return make_error("not a 64-bit little-endian ELF file");
    }
    if (eh.e_machine != EM_RISCV) return make_error("not a RISC-V ELF file");
    if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) return make_error("not an executable");

    ElfImage image;
    image.entry = eh.e_entry;
    image.low = ~hwaddr(0);
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        if (!read_at(f, eh.e_phoff + uint64_t(i) * eh.e_phentsize, &ph)) {
            return make_error("truncated program header");
        }
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
        if (ph.p_filesz > ph.p_memsz || ph.p_offset > f.size() ||
            f.size() - ph.p_offset < ph.p_filesz) {
            return make_error("segment {} lies outside the file", i);
        }
        if (ph.p_memsz > (1ull << 32)) return make_error("segment {} is too large", i);
        ElfImage::Segment seg{ph.p_paddr, std::vector<uint8_t>(ph.p_memsz, 0)};
        std::memcpy(seg.bytes.data(), f.data() + ph.p_offset, ph.p_filesz);
        image.low = std::min(image.low, ph.p_paddr);
        image.high = std::max(image.high, ph.p_paddr + ph.p_memsz);
        image.segments.push_back(std::move(seg));
    }
    if (image.segments.empty()) return make_error("no loadable segments");

    // Symbols, for conventions such as HTIF's tohost/fromhost.
    for (unsigned i = 0; i < eh.e_shnum; i++) {
        Elf64_Shdr sh;
        if (!read_at(f, eh.e_shoff + uint64_t(i) * eh.e_shentsize, &sh) || sh.sh_type != SHT_SYMTAB)
            continue;
        Elf64_Shdr strtab;
        if (!read_at(f, eh.e_shoff + uint64_t(sh.sh_link) * eh.e_shentsize, &strtab)) continue;
        // The header's size is a claim: the table ends at the end of the file.
        if (sh.sh_offset > f.size()) continue;
        uint64_t size = std::min<uint64_t>(sh.sh_size, f.size() - sh.sh_offset);
        for (uint64_t off = 0; off + sizeof(Elf64_Sym) <= size; off += sizeof(Elf64_Sym)) {
            Elf64_Sym sym;
            if (!read_at(f, sh.sh_offset + off, &sym)) break;
            if (sym.st_name == 0) continue;
            uint64_t name_at = strtab.sh_offset + sym.st_name;
            if (name_at >= f.size()) continue;
            const char* name = reinterpret_cast<const char*>(f.data() + name_at);
            size_t max = f.size() - name_at;
            image.symbols.emplace_back(std::string(name, strnlen(name, max)), sym.st_value);
        }
    }
    *status = ElfStatus::Ok;
    return image;
}

void rom_add_elf(const ElfImage& image, const std::string& what) {
    for (const auto& seg : image.segments)
        rom_add_blob_fixed(what, seg.bytes, seg.paddr);
}

} // namespace mq
