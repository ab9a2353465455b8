#include "core/loader.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>

namespace mq {

namespace {
std::vector<Rom>& roms() {
    static std::vector<Rom> r;
    return r;
}

Error overlap_error(const Rom& a, const Rom& b) {
    return make_error("Some ROM regions are overlapping")
        .with_hint(fmt::format(
            "These ROM regions might have been loaded by direct user request or by "
            "default.\nThey could be BIOS/firmware images, a guest kernel, initrd or some "
            "other file loaded into guest memory.\nCheck whether you intended to load all "
            "this guest code, and whether it has been built to load to the correct "
            "addresses.\n\nThe following two regions overlap (in the memory address "
            "space):\n  {} (addresses 0x{:016x} - 0x{:016x})\n  {} (addresses 0x{:016x} - "
            "0x{:016x})\n",
            a.name, a.addr, a.addr + a.romsize, b.name, b.addr, b.addr + b.romsize));
}

// Blobs by address, without copying their bytes.
std::vector<const Rom*> by_address(const std::vector<Rom>& blobs) {
    std::vector<const Rom*> list;
    for (const Rom& rom : blobs)
        list.push_back(&rom);
    std::ranges::stable_sort(list, {}, &Rom::addr);
    return list;
}

// The first two blobs (in address order) that overlap, if any.
Status check_overlaps(const std::vector<Rom>& blobs) {
    auto list = by_address(blobs);
    for (size_t i = 1; i < list.size(); i++) {
        if (list[i - 1]->addr + list[i - 1]->romsize > list[i]->addr) {
            return overlap_error(*list[i - 1], *list[i]);
        }
    }
    return {};
}
} // namespace

void rom_add_blob_fixed(std::string name, std::vector<uint8_t> data, hwaddr addr) {
    uint64_t size = data.size();
    roms().push_back(Rom{std::move(name), addr, std::move(data), size});
}

std::vector<Rom> rom_list() {
    auto list = roms();
    std::ranges::stable_sort(list, {}, &Rom::addr);
    return list;
}

std::string rom_info_string(AddressSpace* as) {
    auto view = as->flatview();
    std::string out;
    for (const Rom* rom : by_address(roms())) {
        const FlatRange* fr = view->lookup(rom->addr);
        bool in_rom = fr && fr->mr->is_rom();
        out += fmt::format("addr={:016x} size=0x{:06x} mem={} name=\"{}\"\n", rom->addr,
                           rom->romsize, in_rom ? "rom" : "ram", rom->name);
    }
    return out;
}

Status rom_check(AddressSpace* as) {
    if (auto st = check_overlaps(roms()); !st) return st;
    for (const Rom* rom : by_address(roms())) {
        if (rom->romsize == 0) continue;
        auto view = as->flatview();
        for (hwaddr a = rom->addr; a < rom->addr + rom->romsize;) {
            const FlatRange* fr = view->lookup(a);
            if (!fr)
                return make_error("could not load '{}' at 0x{:x}: no memory there", rom->name, a);
            a = static_cast<hwaddr>(std::min<Int128>(fr->end, rom->addr + rom->romsize));
        }
    }
    return {};
}

void rom_reset(AddressSpace* as) {
    static const std::array<uint8_t, 64 * 1024> zeros{};
    for (const Rom& rom : roms()) {
        (void)address_space_write_rom(as, rom.addr, rom.data.data(), rom.data.size());
        for (uint64_t done = rom.data.size(); done < rom.romsize;) {
            uint64_t len = std::min<uint64_t>(zeros.size(), rom.romsize - done);
            (void)address_space_write_rom(as, rom.addr + done, zeros.data(), len);
            done += len;
        }
    }
}

void rom_clear() { roms().clear(); }

Result<ImageFile> ImageFile::open(const std::string& path) {
    // Non-blocking, or opening a FIFO would wait for a writer.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return make_error("{}", std::strerror(errno));
    std::optional<uint64_t> size;
    struct stat st;
    if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) {
        off_t end = lseek(fd, 0, SEEK_END);
        if (end >= 0) size = static_cast<uint64_t>(end);
    }
    return ImageFile(path, fd, size);
}

ImageFile::ImageFile(ImageFile&& other) noexcept
    : m_path(std::move(other.m_path)), m_fd(std::exchange(other.m_fd, -1)), m_size(other.m_size) {}

ImageFile& ImageFile::operator=(ImageFile&& other) noexcept {
    std::swap(m_path, other.m_path);
    std::swap(m_fd, other.m_fd);
    std::swap(m_size, other.m_size);
    return *this;
}

ImageFile::~ImageFile() {
    if (m_fd >= 0) close(m_fd);
}

bool ImageFile::read(uint64_t offset, void* buf, size_t len) const {
    auto* p = static_cast<uint8_t*>(buf);
    while (len > 0) {
        if (offset > uint64_t(std::numeric_limits<off_t>::max())) return false;
        ssize_t n = pread(m_fd, p, len, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        offset += n;
        len -= n;
    }
    return true;
}

std::optional<std::vector<uint8_t>> ImageFile::read(uint64_t offset, uint64_t len) const {
    std::vector<uint8_t> data(len);
    if (!read(offset, data.data(), data.size())) return std::nullopt;
    return data;
}

std::optional<uint64_t> ElfImage::symbol(std::string_view name) const {
    for (const auto& [n, v] : symbols) {
        if (n == name) return v;
    }
    return std::nullopt;
}

namespace {

template <typename T>
bool read_struct(const ImageFile& file, uint64_t offset, T* out) {
    return file.read(offset, out, sizeof(T));
}

// 11 million symbols: no real table comes near (a Linux vmlinux has a few
// MiB); past it, a crafted one would only cost time, a second or more per GiB.
constexpr uint64_t max_symtab_bytes = 256ull << 20;

// Looks up `wanted` in the symbol table. Its header's sizes are claims: the
// table is read only as far as the file goes (and max_symtab_bytes), in
// chunks, and a name only as far as the longest wanted one. The System V ABI
// allows one SHT_SYMTAB; only the first is read.
void elf_find_symbols(const ImageFile& file, const Elf64_Ehdr& eh,
                      std::span<const std::string_view> wanted, ElfImage* image) {
    const uint64_t file_size = file.size().value_or(0);
    if (eh.e_shentsize != sizeof(Elf64_Shdr)) return;
    Elf64_Shdr sh{};
    unsigned i = 0;
    for (; i < eh.e_shnum; i++) {
        if (!read_struct(file, eh.e_shoff + uint64_t(i) * sizeof sh, &sh)) return;
        if (sh.sh_type == SHT_SYMTAB) break;
    }
    Elf64_Shdr strtab;
    if (i == eh.e_shnum || sh.sh_link >= eh.e_shnum ||
        !read_struct(file, eh.e_shoff + uint64_t(sh.sh_link) * sizeof strtab, &strtab) ||
        sh.sh_offset >= file_size || strtab.sh_offset >= file_size) {
        return;
    }
    const uint64_t count =
        std::min({sh.sh_size, file_size - sh.sh_offset, max_symtab_bytes}) / sizeof(Elf64_Sym);
    const uint64_t strtab_size = std::min(strtab.sh_size, file_size - strtab.sh_offset);
    size_t longest = 0;
    for (auto w : wanted)
        longest = std::max(longest, w.size());
    std::vector<char> name(longest + 1);
    std::vector<Elf64_Sym> chunk(std::min<uint64_t>(count, 4096));
    for (uint64_t done = 0; done < count;) {
        size_t n = static_cast<size_t>(std::min<uint64_t>(chunk.size(), count - done));
        if (!file.read(sh.sh_offset + done * sizeof(Elf64_Sym), chunk.data(),
                       n * sizeof(Elf64_Sym))) {
            return;
        }
        done += n;
        for (const Elf64_Sym& sym : std::span(chunk).first(n)) {
            if (sym.st_name == 0 || sym.st_name >= strtab_size) continue;
            size_t len =
                static_cast<size_t>(std::min<uint64_t>(name.size(), strtab_size - sym.st_name));
            if (!file.read(strtab.sh_offset + sym.st_name, name.data(), len)) return;
            std::string_view found(name.data(), strnlen(name.data(), len));
            if (found.size() == len) continue; // longer than any wanted name, or unterminated
            if (std::ranges::find(wanted, found) != wanted.end()) {
                image->symbols.emplace_back(std::string(found), sym.st_value);
            }
        }
    }
}

} // namespace

Result<ElfImage> elf_parse(const ImageFile& file, std::span<const std::string_view> wanted_symbols,
                           ElfStatus* status) {
    *status = ElfStatus::Bad;
    const uint64_t file_size = file.size().value_or(0);
    Elf64_Ehdr eh;
    if (!read_struct(file, 0, &eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
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
        if (!read_struct(file, eh.e_phoff + uint64_t(i) * eh.e_phentsize, &ph)) {
            return make_error("truncated program header");
        }
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
        if (ph.p_filesz > ph.p_memsz || ph.p_offset > file_size ||
            file_size - ph.p_offset < ph.p_filesz) {
            return make_error("segment {} lies outside the file", i);
        }
        if (ph.p_memsz > ~hwaddr(0) - ph.p_paddr) {
            return make_error("segment {} wraps around the address space", i);
        }
        image.segments.push_back({ph.p_paddr, ph.p_offset, ph.p_filesz, ph.p_memsz, i});
        image.low = std::min(image.low, ph.p_paddr);
        image.high = std::max(image.high, ph.p_paddr + ph.p_memsz);
    }
    if (image.segments.empty()) return make_error("no loadable segments");
    if (!wanted_symbols.empty()) elf_find_symbols(file, eh, wanted_symbols, &image);
    *status = ElfStatus::Ok;
    return image;
}

Status rom_add_elf(const ImageFile& file, const ElfImage& image, const std::string& name) {
    std::vector<Rom> blobs;
    for (const auto& seg : image.segments) {
        std::string label = fmt::format("{} ELF program header segment {}", name, seg.phdr_index);
        blobs.push_back(Rom{std::move(label), seg.paddr, {}, seg.memsz});
    }
    if (auto st = check_overlaps(blobs); !st) return st;
    for (size_t i = 0; i < blobs.size(); i++) {
        auto data = file.read(image.segments[i].offset, image.segments[i].filesz);
        if (!data) return make_error("could not read '{}'", name);
        blobs[i].data = std::move(*data);
    }
    for (auto& blob : blobs)
        roms().push_back(std::move(blob));
    return {};
}

} // namespace mq
