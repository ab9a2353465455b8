// How a RISC-V board boots, QEMU's way (QEMU: hw/riscv/boot.c).
//
// Every hart starts in the reset ROM, which sets a0 = mhartid, a1 = the FDT
// address, a2 = the fw_dynamic_info block after the code, and jumps to the
// start address: the firmware (-bios) if there is one, else the kernel.
#pragma once

#include "core/loader.h"

#include <optional>

namespace mq {

inline constexpr uint64_t MiB = 1ull << 20;

struct LoadedImage {
    uint64_t entry = 0;
    hwaddr end = 0;              // one past the last loaded byte
    std::optional<ElfImage> elf; // when it was an ELF (for its symbols)
};

// Loads `path` as an ELF at its physical addresses, or else as a raw image
// at `load_addr`. Everything must fall inside [ram_base, ram_base + ram_size),
// which is checked before the file is read; only the part of an ELF segment
// that starts below RAM is dropped, as QEMU does. `what` names it in errors:
// "kernel", "firmware". `symbols` are the ELF symbols to look up.
Result<LoadedImage> riscv_load_image(const std::string& path, const char* what, hwaddr load_addr,
                                     hwaddr ram_base, uint64_t ram_size,
                                     std::span<const std::string_view> symbols = {});
// Where a kernel goes after the firmware: the next 2 MiB boundary.
hwaddr riscv_calc_kernel_start_addr(hwaddr firmware_end);
// The initrd goes halfway into RAM, or 128 MiB in, whichever is lower.
Result<std::pair<hwaddr, hwaddr>> riscv_load_initrd(const std::string& path, hwaddr kernel_entry,
                                                    hwaddr ram_base, uint64_t ram_size);
// Near the top of RAM but below 3 GiB, 2 MiB aligned.
hwaddr riscv_compute_fdt_addr(hwaddr dram_base, uint64_t mem_size, size_t fdt_size);
// The largest FDT that riscv_compute_fdt_addr() can place in RAM.
uint64_t riscv_fdt_max_size(hwaddr dram_base, uint64_t mem_size);
// The reset vector and fw_dynamic_info, as ROM blobs at `rom_base`.
void riscv_setup_rom_reset_vec(hwaddr start_addr, hwaddr rom_base, hwaddr rom_size,
                               uint64_t kernel_entry, hwaddr fdt_addr);
// The default firmware file, looked up like QEMU's data directory, or an error.
Result<std::string> riscv_find_firmware(const std::string& name);

} // namespace mq
