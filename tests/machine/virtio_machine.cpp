// The machine the virtio device tests run on: temporary raw images and the
// devices on them (see virtio_test.cpp), added to the fixture's command line.
#include "tests/machine/virtio_driver.h"

namespace mq::test {

// --- the machine ---

bool mmio_modern() {
    const char* m = std::getenv("MQ_VIRTIO_MMIO");
    return m && std::string(m) == "modern";
}

std::vector<std::string>& image_paths() {
    static std::vector<std::string> paths;
    return paths;
}

uint8_t seed_byte(int image, size_t i) { return uint8_t(0x5a ^ (image * 17) ^ i); }

// A 1 MiB raw image with the seed pattern in sector 1; removed at exit.
std::string make_image(int image) {
    const char* dir = std::getenv("TMPDIR");
    std::string path = std::string(dir && *dir ? dir : "/tmp") + "/mq-virtio-XXXXXX";
    int fd = mkstemp(path.data());
    if (fd < 0 || ftruncate(fd, kImageSize) != 0) std::abort();
    uint8_t sector[kSector];
    for (size_t i = 0; i < kSector; i++)
        sector[i] = seed_byte(image, i);
    if (pwrite(fd, sector, kSector, kSector) != ssize_t(kSector)) std::abort();
    close(fd);
    if (image_paths().empty()) {
        std::atexit([] {
            for (const auto& p : image_paths())
                unlink(p.c_str());
        });
    }
    image_paths().push_back(path);
    return path;
}

std::vector<std::string> virtio_args() {
    std::string hd0 = make_image(0), hd1 = make_image(1), hd2 = make_image(2);
    std::vector<std::string> args = {
        "-drive",  "file=" + hd0 + ",if=none,format=raw,id=hd0",
        "-drive",  "file=" + hd1 + ",if=none,format=raw,id=hd1",
        "-drive",  "file=" + hd2 + ",if=none,format=raw,id=hd2,readonly=on",
        "-device", "virtio-blk-device,drive=hd0,serial=MQ-MMIO-DISK",
        "-device", "virtio-blk-device,drive=hd2",
        "-object", "rng-builtin,id=rng0",
        "-object", "rng-builtin,id=rng1",
        "-device", "virtio-rng-device,rng=rng0",
        "-device", "virtio-blk-pci,drive=hd1,serial=MQ-PCI-DISK",
        "-device", "virtio-rng-pci,rng=rng1",
    };
    if (mmio_modern()) {
        args.push_back("-global");
        args.push_back("virtio-mmio.force-legacy=false");
    }
    return args;
}

[[maybe_unused]] const bool hooked = [] {
    VirtMachine::extra_args() = virtio_args;
    return true;
}();

// Reads `len` bytes at `offset` of image `image` from the host file.
std::vector<uint8_t> read_image(int image, uint64_t offset, size_t len) {
    std::vector<uint8_t> out(len);
    int fd = open(image_paths().at(image).c_str(), O_RDONLY);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(pread(fd, out.data(), len, off_t(offset)), ssize_t(len));
    close(fd);
    return out;
}

} // namespace mq::test
