#include "machine/riscv-boot.h"

#include <array>
#include <filesystem>

namespace mq {

namespace {

Status check_fits(const char* what, const std::string& path, hwaddr addr, uint64_t size,
                  hwaddr ram_base, uint64_t ram_size) {
    if (addr < ram_base || addr - ram_base > ram_size || size > ram_size - (addr - ram_base)) {
        return make_error("could not load {} '{}': 0x{:x}-0x{:x} does not fit in RAM "
                          "(0x{:x}-0x{:x})",
                          what, path, addr, addr + size - 1, ram_base, ram_base + ram_size - 1);
    }
    return {};
}

// What QEMU loads of a segment that starts below RAM: at reset, the bytes
// that land on no memory are dropped. A program linked at RAM's base
// (-Ttext=0x80000000) has such a first segment, its ELF headers one page
// below the text. Only that end is forgiven. A segment that misses RAM
// altogether is refused, where QEMU silently drops it; one that runs past
// the end of RAM is refused, where QEMU usually trips over the device tree
// it put there.
ElfImage::Segment drop_below_ram(const ElfImage::Segment& seg, hwaddr ram_base) {
    if (seg.paddr >= ram_base || seg.memsz <= ram_base - seg.paddr) return seg;
    uint64_t drop = ram_base - seg.paddr;
    uint64_t from_file = std::min(drop, seg.filesz);
    ElfImage::Segment kept = seg;
    kept.paddr = ram_base;
    kept.offset += from_file;
    kept.filesz -= from_file;
    kept.memsz -= drop;
    return kept;
}

// QEMU's wording when a file is there but cannot be loaded: no reason given.
Error could_not_load(const char* what, const std::string& path) {
    return make_error("could not load {} '{}'", what, path);
}

} // namespace

Result<LoadedImage> riscv_load_image(const std::string& path, const char* what, hwaddr load_addr,
                                     hwaddr ram_base, uint64_t ram_size,
                                     std::span<const std::string_view> symbols) {
    auto file = ImageFile::open(path);
    // Like QEMU's load_elf(), which perror()s, the one case with the OS's reason.
    if (!file) return make_error("could not load {} '{}': {}", what, path, file.error().message);
    // A directory, a pipe, /proc/self/mem, an empty file or /dev/zero: QEMU refuses them all.
    if (file->size().value_or(0) == 0) return could_not_load(what, path);

    ElfStatus status;
    auto elf = elf_parse(*file, symbols, &status);
    LoadedImage loaded;
    if (elf) {
        for (auto& seg : elf->segments) {
            seg = drop_below_ram(seg, ram_base);
            if (auto st = check_fits(what, path, seg.paddr, seg.memsz, ram_base, ram_size); !st) {
                return st.take_error();
            }
        }
        if (auto st = rom_add_elf(*file, *elf, path); !st) return st.take_error();
        loaded.entry = elf->entry;
        loaded.end = elf->high;
        loaded.elf = std::move(*elf);
        return loaded;
    }
    if (status != ElfStatus::NotElf) {
        return make_error("could not load {} '{}': {}", what, path, elf.error().message);
    }
    uint64_t size = *file->size();
    if (auto st = check_fits(what, path, load_addr, size, ram_base, ram_size); !st) {
        return st.take_error();
    }
    auto raw = file->read(0, size);
    if (!raw) return could_not_load(what, path);
    rom_add_blob_fixed(path, std::move(*raw), load_addr);
    loaded.entry = load_addr;
    loaded.end = load_addr + size;
    return loaded;
}

hwaddr riscv_calc_kernel_start_addr(hwaddr firmware_end) {
    return (firmware_end + 2 * MiB - 1) & ~(2 * MiB - 1);
}

Result<std::pair<hwaddr, hwaddr>> riscv_load_initrd(const std::string& path, hwaddr kernel_entry,
                                                    hwaddr ram_base, uint64_t ram_size) {
    hwaddr start = kernel_entry + std::min<uint64_t>(ram_size / 2, 128 * MiB);
    // Unlike a kernel, an empty initrd (or /dev/null) is fine, as on QEMU.
    auto file = ImageFile::open(path);
    if (!file || !file->size()) return could_not_load("ramdisk", path);
    uint64_t size = *file->size();
    if (auto st = check_fits("ramdisk", path, start, size, ram_base, ram_size); !st) {
        return st.take_error();
    }
    auto data = file->read(0, size);
    if (!data) return could_not_load("ramdisk", path);
    rom_add_blob_fixed(path, std::move(*data), start);
    return std::pair{start, start + size};
}

namespace {
// Within reach of 32-bit code: below 3 GiB when DRAM starts below it.
hwaddr fdt_top(hwaddr dram_base, uint64_t mem_size) {
    hwaddr dram_end = dram_base + mem_size;
    return dram_base < 3072 * MiB ? std::min<hwaddr>(dram_end, 3072 * MiB) : dram_end;
}
} // namespace

hwaddr riscv_compute_fdt_addr(hwaddr dram_base, uint64_t mem_size, size_t fdt_size) {
    return (fdt_top(dram_base, mem_size) - fdt_size) & ~(2 * MiB - 1);
}

uint64_t riscv_fdt_max_size(hwaddr dram_base, uint64_t mem_size) {
    return fdt_top(dram_base, mem_size) - dram_base;
}

void riscv_setup_rom_reset_vec(hwaddr start_addr, hwaddr rom_base, hwaddr rom_size,
                               uint64_t kernel_entry, hwaddr fdt_addr) {
    const std::array<uint32_t, 10> reset_vec = {
        0x00000297,                        // 1: auipc t0, %pcrel_hi(fw_dyn)
        0x02828613,                        //    addi  a2, t0, %pcrel_lo(1b)
        0xf1402573,                        //    csrr  a0, mhartid
        0x0202b583,                        //    ld    a1, 32(t0)
        0x0182b283,                        //    ld    t0, 24(t0)
        0x00028067,                        //    jr    t0
        static_cast<uint32_t>(start_addr), // start: .dword
        static_cast<uint32_t>(start_addr >> 32),
        static_cast<uint32_t>(fdt_addr), // fdt_laddr: .dword
        static_cast<uint32_t>(fdt_addr >> 32),
    };
    std::vector<uint8_t> code(reset_vec.size() * 4);
    for (size_t i = 0; i < reset_vec.size(); i++) {
        for (int b = 0; b < 4; b++)
            code[i * 4 + b] = static_cast<uint8_t>(reset_vec[i] >> (8 * b));
    }
    rom_add_blob_fixed("mrom.reset", code, rom_base);

    // fw_dynamic_info, for OpenSBI's fw_dynamic: magic, version, next_addr,
    // next_mode (1 = S-mode), options, boot_hart; each 64 bits.
    const std::array<uint64_t, 6> info = {0x4942534f, 2, kernel_entry, 1, 0, 0};
    std::vector<uint8_t> blob(info.size() * 8);
    for (size_t i = 0; i < info.size(); i++) {
        for (int b = 0; b < 8; b++)
            blob[i * 8 + b] = static_cast<uint8_t>(info[i] >> (8 * b));
    }
    if (code.size() + blob.size() <= rom_size) {
        rom_add_blob_fixed("mrom.finfo", blob, rom_base + code.size());
    }
}

Result<std::string> riscv_find_firmware(const std::string& name) {
    // Without an error_code, exists() throws on a name too long to look up.
    auto exists = [](const std::string& path) {
        std::error_code ec;
        return std::filesystem::exists(path, ec);
    };
    if (exists(name)) return name;
    for (const char* dir : {"/usr/share/qemu/", "/usr/lib/riscv64-linux-gnu/opensbi/generic/"}) {
        if (exists(std::string(dir) + name)) return std::string(dir) + name;
    }
    // Debian's opensbi package names it differently.
    std::string debian = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin";
    if (name == "opensbi-riscv64-generic-fw_dynamic.bin" && exists(debian)) return debian;
    return make_error("Unable to load the RISC-V firmware \"{}\"", name);
}

} // namespace mq
