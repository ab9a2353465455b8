// elf: the image loader (core/loader.cpp, machine/riscv-boot.cpp) on an
// arbitrary file, as -kernel would load it into a 256 MiB virt machine: an
// ELF is parsed, checked against RAM and registered as ROM blobs (symbols
// tohost/fromhost looked up), anything else is loaded as a raw image.
//
// The loader takes a path, so the input goes into a memfd that is reopened
// through /proc/self/fd: no file system, no machine.
#include "machine/riscv-boot.h"

#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

constexpr mq::hwaddr kRamBase = 0x80000000;
constexpr uint64_t kRamSize = 256ull << 20;

int image_fd() {
    static const int fd = [] {
        int f = memfd_create("fuzz-elf", 0);
        if (f < 0) {
            std::perror("fuzz elf: memfd_create");
            std::abort();
        }
        return f;
    }();
    return fd;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    int fd = image_fd();
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) {
        std::perror("fuzz elf: writing the memfd");
        std::abort();
    }
    static const std::string path = "/proc/self/fd/" + std::to_string(fd);
    static constexpr std::array<std::string_view, 2> kSymbols = {"tohost", "fromhost"};
    auto loaded =
        mq::riscv_load_image(path, "kernel", kRamBase + 0x200000, kRamBase, kRamSize, kSymbols);
    if (loaded && loaded->elf) {
        for (auto name : kSymbols)
            (void)loaded->elf->symbol(name);
    }
    (void)mq::rom_list();
    mq::rom_clear();
    return 0;
}
