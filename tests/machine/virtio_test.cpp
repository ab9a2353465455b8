// Virtio devices on the virt machine, driven by a tiny test-side driver
// (split rings in guest RAM, written through the system address space) over
// three transports: virtio-mmio version 1 (legacy) or version 2 (modern),
// and modern virtio-pci. One process sees one virtio-mmio version (the
// board's slots share `force-legacy`): ctest runs this binary twice, the
// second time with MQ_VIRTIO_MMIO=modern (`-global
// virtio-mmio.force-legacy=false`) and only the mmio tests.
//
// The machine adds, on temporary raw images made when it is built:
//   mmio slot 7 (PLIC 8): virtio-blk-device on hd0, serial MQ-MMIO-DISK
//   mmio slot 6 (PLIC 7): virtio-blk-device on hd2, readonly=on
//   mmio slot 5 (PLIC 6): virtio-rng-device
//   pci: virtio-blk-pci on hd1 (serial MQ-PCI-DISK), virtio-rng-pci
// Every image starts with sector 1 holding a known pattern.
//
// Beyond the happy paths, the ring-level attacks pin down QEMU's answer to
// a hostile driver: the device is marked broken with a guest_errors line,
// hands nothing back, a modern one sets NEEDS_RESET, and a reset makes it
// work again.
#include "tests/machine/virt_fixture.h"

#include "hw/intc/sifive_plic.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace mq::test {
namespace {

// --- the machine ---

constexpr uint64_t kImageSize = 1 << 20;
constexpr uint64_t kSector = 512;
constexpr uint64_t kSectors = kImageSize / kSector;

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

// --- virtio constants (spec 1.2) ---

constexpr hwaddr kMmioBase = 0x10001000;
constexpr int kMmioSlots = 8;
constexpr hwaddr mmio_slot(int i) { return kMmioBase + 0x1000 * hwaddr(i); }
constexpr int kBlkSlot = 7, kBlkRoSlot = 6, kRngSlot = 5;

enum : hwaddr {
    MMIO_MAGIC = 0x000,
    MMIO_VERSION = 0x004,
    MMIO_DEVICE_ID = 0x008,
    MMIO_VENDOR_ID = 0x00c,
    MMIO_DEVICE_FEATURES = 0x010,
    MMIO_DEVICE_FEATURES_SEL = 0x014,
    MMIO_DRIVER_FEATURES = 0x020,
    MMIO_DRIVER_FEATURES_SEL = 0x024,
    MMIO_GUEST_PAGE_SIZE = 0x028,
    MMIO_QUEUE_SEL = 0x030,
    MMIO_QUEUE_NUM_MAX = 0x034,
    MMIO_QUEUE_NUM = 0x038,
    MMIO_QUEUE_ALIGN = 0x03c,
    MMIO_QUEUE_PFN = 0x040,
    MMIO_QUEUE_READY = 0x044,
    MMIO_QUEUE_NOTIFY = 0x050,
    MMIO_INTERRUPT_STATUS = 0x060,
    MMIO_INTERRUPT_ACK = 0x064,
    MMIO_STATUS = 0x070,
    MMIO_QUEUE_DESC_LOW = 0x080,
    MMIO_QUEUE_DESC_HIGH = 0x084,
    MMIO_QUEUE_AVAIL_LOW = 0x090,
    MMIO_QUEUE_AVAIL_HIGH = 0x094,
    MMIO_QUEUE_USED_LOW = 0x0a0,
    MMIO_QUEUE_USED_HIGH = 0x0a4,
    MMIO_CONFIG_GENERATION = 0x0fc,
    MMIO_CONFIG = 0x100,
};

// struct virtio_pci_common_cfg.
enum : hwaddr {
    PCI_DFSELECT = 0x00,
    PCI_DF = 0x04,
    PCI_GFSELECT = 0x08,
    PCI_GF = 0x0c,
    PCI_NUMQ = 0x12,
    PCI_STATUS = 0x14,
    PCI_Q_SELECT = 0x16,
    PCI_Q_SIZE = 0x18,
    PCI_Q_ENABLE = 0x1c,
    PCI_Q_NOFF = 0x1e,
    PCI_Q_DESCLO = 0x20,
    PCI_Q_DESCHI = 0x24,
    PCI_Q_AVAILLO = 0x28,
    PCI_Q_AVAILHI = 0x2c,
    PCI_Q_USEDLO = 0x30,
    PCI_Q_USEDHI = 0x34,
};

enum : uint8_t {
    S_ACKNOWLEDGE = 1,
    S_DRIVER = 2,
    S_DRIVER_OK = 4,
    S_FEATURES_OK = 8,
    S_NEEDS_RESET = 0x40,
};

constexpr uint64_t bit(unsigned b) { return uint64_t(1) << b; }
constexpr uint64_t F_BLK_RO = bit(5), F_BLK_FLUSH = bit(9), F_BLK_DISCARD = bit(13),
                   F_BLK_WRITE_ZEROES = bit(14), F_INDIRECT = bit(28), F_EVENT_IDX = bit(29),
                   F_VERSION_1 = bit(32), F_RING_PACKED = bit(34);

constexpr uint16_t D_NEXT = 1, D_WRITE = 2, D_INDIRECT = 4;

enum : uint32_t {
    T_IN = 0,
    T_OUT = 1,
    T_FLUSH = 4,
    T_GET_ID = 8,
    T_DISCARD = 11,
    T_WRITE_ZEROES = 13,
};
enum : uint8_t { BLK_OK = 0, BLK_IOERR = 1, BLK_UNSUPP = 2, BLK_NOT_DONE = 0xee };

// --- the test-side driver ---

enum class Transport { MmioLegacy, MmioModern, Pci };

// One virtio device as a driver sees it: its registers, one split ring
// (queue 0) in guest RAM, laid out as legacy virtio-mmio wants it (the
// available ring after the descriptors, the used ring on the next page),
// and a scratch area for headers and data.
class VirtioDriver {
public:
    VirtioDriver(Transport t, hwaddr base, int irq, hwaddr area)
        : m_t(t), m_base(base), m_irq(irq), m_area(area) {}

    Transport transport() const { return m_t; }
    bool modern() const { return m_t != Transport::MmioLegacy; }
    bool pci() const { return m_t == Transport::Pci; }
    int irq() const { return m_irq; }
    hwaddr base() const { return m_base; }
    uint16_t num() const { return m_num; }
    // Scratch RAM past the rings, 64 KiB before data().
    hwaddr scratch(hwaddr off = 0) const { return m_area + 0x4000 + off; }
    hwaddr data(hwaddr off = 0) const { return m_area + 0x10000 + off; }

    static uint32_t rd(hwaddr a, unsigned size) {
        switch (size) {
        case 1: return address_space_ldub(address_space_memory(), a);
        case 2: return address_space_lduw(address_space_memory(), a);
        default: return address_space_ldl(address_space_memory(), a);
        }
    }
    static void wr(hwaddr a, uint32_t v, unsigned size) {
        switch (size) {
        case 1: (void)address_space_stb(address_space_memory(), a, uint8_t(v)); break;
        case 2: (void)address_space_stw(address_space_memory(), a, uint16_t(v)); break;
        default: (void)address_space_stl(address_space_memory(), a, v); break;
        }
    }
    uint32_t mmio(hwaddr off) const { return rd(m_base + off, 4); }
    void mmio_w(hwaddr off, uint32_t v) const { wr(m_base + off, v, 4); }
    uint32_t common(hwaddr off, unsigned size) const { return rd(m_base + off, size); }
    void common_w(hwaddr off, uint32_t v, unsigned size) const { wr(m_base + off, v, size); }

    // --- registers ---
    uint64_t device_features() const {
        if (pci()) {
            common_w(PCI_DFSELECT, 0, 4);
            uint64_t lo = common(PCI_DF, 4);
            common_w(PCI_DFSELECT, 1, 4);
            return lo | uint64_t(common(PCI_DF, 4)) << 32;
        }
        mmio_w(MMIO_DEVICE_FEATURES_SEL, 0);
        uint64_t lo = mmio(MMIO_DEVICE_FEATURES);
        mmio_w(MMIO_DEVICE_FEATURES_SEL, 1);
        return lo | uint64_t(mmio(MMIO_DEVICE_FEATURES)) << 32;
    }
    void write_driver_features(uint64_t f) const {
        for (uint32_t sel = 0; sel < (modern() ? 2 : 1); sel++) {
            if (pci()) {
                common_w(PCI_GFSELECT, sel, 4);
                common_w(PCI_GF, uint32_t(f >> (32 * sel)), 4);
            } else {
                mmio_w(MMIO_DRIVER_FEATURES_SEL, sel);
                mmio_w(MMIO_DRIVER_FEATURES, uint32_t(f >> (32 * sel)));
            }
        }
    }
    uint8_t status() const { return uint8_t(pci() ? common(PCI_STATUS, 1) : mmio(MMIO_STATUS)); }
    void set_status(uint8_t s) const {
        if (pci()) {
            common_w(PCI_STATUS, s, 1);
        } else {
            mmio_w(MMIO_STATUS, s);
        }
    }
    uint16_t queue_num_max() const {
        if (pci()) {
            common_w(PCI_Q_SELECT, 0, 2);
            return uint16_t(common(PCI_Q_SIZE, 2)); // the maximum until the driver writes it
        }
        mmio_w(MMIO_QUEUE_SEL, 0);
        return uint16_t(mmio(MMIO_QUEUE_NUM_MAX));
    }
    bool queue_ready() const {
        if (pci()) {
            common_w(PCI_Q_SELECT, 0, 2);
            return common(PCI_Q_ENABLE, 2);
        }
        mmio_w(MMIO_QUEUE_SEL, 0);
        return m_t == Transport::MmioLegacy ? mmio(MMIO_QUEUE_PFN) != 0
                                            : mmio(MMIO_QUEUE_READY) != 0;
    }
    void notify(uint32_t queue = 0) const {
        if (pci()) {
            wr(m_base + 0x3000 + 4 * queue, queue, 2);
        } else {
            mmio_w(MMIO_QUEUE_NOTIFY, queue);
        }
    }
    // Reads the interrupt status and acknowledges it (a read clears it on
    // PCI; MMIO needs the write to InterruptACK).
    uint8_t take_isr() const {
        if (pci()) return uint8_t(rd(m_base + 0x1000, 1));
        uint8_t isr = uint8_t(mmio(MMIO_INTERRUPT_STATUS));
        mmio_w(MMIO_INTERRUPT_ACK, isr);
        return isr;
    }
    // MMIO only: reading PCI's ISR clears it.
    uint8_t peek_isr() const { return uint8_t(mmio(MMIO_INTERRUPT_STATUS)); }
    uint32_t config(hwaddr off, unsigned size) const {
        return rd(m_base + (pci() ? 0x2000 : MMIO_CONFIG) + off, size);
    }
    void config_w(hwaddr off, uint32_t v, unsigned size) const {
        wr(m_base + (pci() ? 0x2000 : MMIO_CONFIG) + off, v, size);
    }

    // --- the ring ---
    hwaddr desc_addr() const { return m_area; }
    hwaddr avail_addr() const { return m_area + 16 * hwaddr(m_num); }
    hwaddr used_addr() const {
        return (avail_addr() + 6 + 2 * hwaddr(m_num) + 0xfff) & ~hwaddr(0xfff);
    }
    static void desc_at(hwaddr table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                        uint16_t next) {
        hwaddr d = table + 16 * hwaddr(i);
        (void)address_space_stq(address_space_memory(), d, addr);
        (void)address_space_stl(address_space_memory(), d + 8, len);
        (void)address_space_stw(address_space_memory(), d + 12, flags);
        (void)address_space_stw(address_space_memory(), d + 14, next);
    }
    void desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next = 0) const {
        desc_at(desc_addr(), i, addr, len, flags, next);
    }
    // Puts `head` in the available ring and publishes it.
    void offer(uint16_t head) {
        wr(avail_addr() + 4 + 2 * hwaddr(m_avail_idx % m_num), head, 2);
        m_avail_idx++;
        wr(avail_addr() + 2, m_avail_idx, 2);
    }
    void set_avail_idx(uint16_t idx) {
        m_avail_idx = idx;
        wr(avail_addr() + 2, idx, 2);
    }
    uint16_t avail_idx() const { return m_avail_idx; }
    void set_avail_flags(uint16_t f) const { wr(avail_addr(), f, 2); }
    void set_used_event(uint16_t e) const { wr(avail_addr() + 4 + 2 * hwaddr(m_num), e, 2); }
    uint16_t avail_event() const { return uint16_t(rd(used_addr() + 4 + 8 * hwaddr(m_num), 2)); }
    uint16_t used_idx() const { return uint16_t(rd(used_addr() + 2, 2)); }
    uint32_t used_id(uint16_t i) const { return rd(used_addr() + 4 + 8 * hwaddr(i % m_num), 4); }
    uint32_t used_len(uint16_t i) const { return rd(used_addr() + 8 + 8 * hwaddr(i % m_num), 4); }

    // The whole initialization (spec 3.1.1) with queue 0 of `num` entries.
    // Returns the status read back at the end.
    uint8_t init(uint64_t features, uint16_t num = 16) {
        set_status(0);
        set_status(S_ACKNOWLEDGE);
        set_status(S_ACKNOWLEDGE | S_DRIVER);
        write_driver_features(features);
        uint8_t st = S_ACKNOWLEDGE | S_DRIVER;
        if (modern()) {
            set_status(st | S_FEATURES_OK);
            if (!(status() & S_FEATURES_OK)) return status();
            st |= S_FEATURES_OK;
        }
        m_num = std::min(num, queue_num_max()); // virtio-rng has 8
        m_avail_idx = 0;
        std::vector<uint8_t> zero(0x4000 + 0x1000, 0);
        address_space_write(address_space_memory(), m_area, zero.data(), zero.size());
        switch (m_t) {
        case Transport::MmioLegacy:
            mmio_w(MMIO_GUEST_PAGE_SIZE, 4096);
            mmio_w(MMIO_QUEUE_SEL, 0);
            mmio_w(MMIO_QUEUE_NUM, m_num);
            mmio_w(MMIO_QUEUE_ALIGN, 4096);
            mmio_w(MMIO_QUEUE_PFN, uint32_t(desc_addr() >> 12));
            break;
        case Transport::MmioModern:
            mmio_w(MMIO_QUEUE_SEL, 0);
            mmio_w(MMIO_QUEUE_NUM, m_num);
            mmio_w(MMIO_QUEUE_DESC_LOW, uint32_t(desc_addr()));
            mmio_w(MMIO_QUEUE_DESC_HIGH, uint32_t(desc_addr() >> 32));
            mmio_w(MMIO_QUEUE_AVAIL_LOW, uint32_t(avail_addr()));
            mmio_w(MMIO_QUEUE_AVAIL_HIGH, uint32_t(avail_addr() >> 32));
            mmio_w(MMIO_QUEUE_USED_LOW, uint32_t(used_addr()));
            mmio_w(MMIO_QUEUE_USED_HIGH, uint32_t(used_addr() >> 32));
            mmio_w(MMIO_QUEUE_READY, 1);
            break;
        case Transport::Pci:
            common_w(PCI_Q_SELECT, 0, 2);
            common_w(PCI_Q_SIZE, m_num, 2);
            common_w(PCI_Q_DESCLO, uint32_t(desc_addr()), 4);
            common_w(PCI_Q_DESCHI, uint32_t(desc_addr() >> 32), 4);
            common_w(PCI_Q_AVAILLO, uint32_t(avail_addr()), 4);
            common_w(PCI_Q_AVAILHI, uint32_t(avail_addr() >> 32), 4);
            common_w(PCI_Q_USEDLO, uint32_t(used_addr()), 4);
            common_w(PCI_Q_USEDHI, uint32_t(used_addr() >> 32), 4);
            common_w(PCI_Q_ENABLE, 1, 2);
            break;
        }
        set_status(st | S_DRIVER_OK);
        return status();
    }

    // Features a driver takes: everything but packed rings, and VERSION_1
    // only where the transport is modern.
    uint64_t usual_features() const {
        uint64_t f = device_features() & ~F_RING_PACKED;
        return modern() ? f : f & 0xffffffff;
    }

private:
    Transport m_t;
    hwaddr m_base;
    int m_irq;
    hwaddr m_area;
    uint16_t m_num = 16;
    uint16_t m_avail_idx = 0;
};

const char* transport_name(Transport t) {
    switch (t) {
    case Transport::MmioLegacy: return "mmio-legacy";
    case Transport::MmioModern: return "mmio-modern";
    default: return "pci";
    }
}

// --- the fixture ---

enum class Bus { Mmio, Pci };

class VirtioTest : public VirtTest {
protected:
    void SetUp() override {
        VirtTest::SetUp();
        if (HasFatalFailure()) return;
        m_blk_pci = pci_find(m_pci, 0x1af4, 0x1042);
        m_rng_pci = pci_find(m_pci, 0x1af4, 0x1044);
        ASSERT_NE(m_blk_pci, nullptr);
        ASSERT_NE(m_rng_pci, nullptr);
    }

    static Transport mmio_transport() {
        return mmio_modern() ? Transport::MmioModern : Transport::MmioLegacy;
    }
    // Each device gets its own 1 MiB of RAM for rings and buffers.
    static hwaddr area(int n) { return kRamBase + 0x100000 * hwaddr(n + 1); }
    static VirtioDriver mmio_dev(int slot) {
        return VirtioDriver(mmio_transport(), mmio_slot(slot), 1 + slot, area(slot));
    }
    static int intx_source(const PciFunction& f) { return 32 + (f.slot + f.interrupt_pin - 1) % 4; }
    VirtioDriver pci_dev(const PciFunction& f, int n) const {
        return VirtioDriver(Transport::Pci, f.bars[4].cpu_addr(), intx_source(f), area(8 + n));
    }
    VirtioDriver blk(Bus b) const {
        return b == Bus::Mmio ? mmio_dev(kBlkSlot) : pci_dev(*m_blk_pci, 0);
    }
    VirtioDriver rng(Bus b) const {
        return b == Bus::Mmio ? mmio_dev(kRngSlot) : pci_dev(*m_rng_pci, 1);
    }
    // Which host image a bus's read-write disk is.
    static int image_of(Bus b) { return b == Bus::Mmio ? 0 : 1; }

    // The interrupt line as the PLIC sees it now (pending is latched).
    bool line(int source) {
        auto* plic = machine().board().plic;
        return (plic->level.at(source / 32) >> (source % 32)) & 1;
    }

    // Waits for the device to hand back `count` more chains than `before`.
    bool wait_used(const VirtioDriver& d, uint16_t before, uint16_t count = 1) {
        return wait_for([&] { return uint16_t(d.used_idx() - before) >= count; },
                        std::chrono::seconds(10));
    }

    struct BlkResult {
        bool done = false;
        uint8_t status = BLK_NOT_DONE;
        uint32_t len = 0;
    };

    // One request as a three-descriptor chain at `first`: header, data (if
    // `len`), status. `device_writes` makes the data buffer device-writable.
    BlkResult blk_request(VirtioDriver& d, uint32_t type, uint64_t sector, hwaddr data,
                          uint32_t len, bool device_writes, unsigned first = 0) {
        hwaddr hdr = d.scratch(0x100 * (first % 16));
        hwaddr status = hdr + 0x80;
        (void)wr32(hdr, type);
        (void)wr32(hdr + 4, 0);
        (void)wr64(hdr + 8, sector);
        (void)wr8(status, BLK_NOT_DONE);
        unsigned n = d.num();
        unsigned i0 = first % n, i1 = (first + 1) % n, i2 = (first + 2) % n;
        if (len) {
            d.desc(i0, hdr, 16, D_NEXT, uint16_t(i1));
            d.desc(i1, data, len, uint16_t(D_NEXT | (device_writes ? D_WRITE : 0)), uint16_t(i2));
            d.desc(i2, status, 1, D_WRITE);
        } else {
            d.desc(i0, hdr, 16, D_NEXT, uint16_t(i1));
            d.desc(i1, status, 1, D_WRITE);
        }
        uint16_t before = d.used_idx();
        d.offer(uint16_t(i0));
        d.notify();
        BlkResult r;
        r.done = wait_used(d, before);
        if (!r.done) return r;
        EXPECT_EQ(d.used_id(before), i0);
        r.len = d.used_len(before);
        r.status = rd8(status);
        return r;
    }

    // One good request: GET_ID for a disk, 16 bytes for an rng.
    bool works(VirtioDriver& d, bool is_blk) {
        if (is_blk) {
            BlkResult r = blk_request(d, T_GET_ID, 0, d.data(), 20, true);
            return r.done && r.status == BLK_OK;
        }
        uint16_t before = d.used_idx();
        d.desc(0, d.data(), 16, D_WRITE);
        d.offer(0);
        d.notify();
        return wait_used(d, before) && d.used_len(before) == 16;
    }

    void fill(hwaddr a, size_t len, uint8_t seed) {
        std::vector<uint8_t> b(len);
        for (size_t i = 0; i < len; i++)
            b[i] = uint8_t(seed + i * 7 + (i >> 8));
        address_space_write(sys(), a, b.data(), len);
    }
    std::vector<uint8_t> ram(hwaddr a, size_t len) {
        std::vector<uint8_t> b(len);
        address_space_read(sys(), a, b.data(), len);
        return b;
    }

    const PciFunction* m_blk_pci = nullptr;
    const PciFunction* m_rng_pci = nullptr;
};

class VirtioBusTest : public VirtioTest, public ::testing::WithParamInterface<Bus> {};

std::string bus_name(const ::testing::TestParamInfo<Bus>& info) {
    return info.param == Bus::Mmio ? "Mmio" : "Pci";
}

#define VIRTIO_BUSES(Suite)                                                                        \
    INSTANTIATE_TEST_SUITE_P(Buses, Suite, ::testing::Values(Bus::Mmio, Bus::Pci), bus_name)

// ---------------------------------------------------------------------------
// Identity
// ---------------------------------------------------------------------------

TEST_F(VirtioTest, MmioSlotsIdentifyThemselves) {
    for (int i = 0; i < kMmioSlots; i++) {
        SCOPED_TRACE(i);
        EXPECT_EQ(rd32(mmio_slot(i) + MMIO_MAGIC), 0x74726976u) << "\"virt\"";
        EXPECT_EQ(rd32(mmio_slot(i) + MMIO_VERSION), mmio_modern() ? 2u : 1u);
        EXPECT_EQ(rd32(mmio_slot(i) + MMIO_VENDOR_ID), 0x554d4551u) << "\"QEMU\"";
    }
    // -device fills the slots from the top, in command-line order.
    EXPECT_EQ(rd32(mmio_slot(kBlkSlot) + MMIO_DEVICE_ID), 2u);
    EXPECT_EQ(rd32(mmio_slot(kBlkRoSlot) + MMIO_DEVICE_ID), 2u);
    EXPECT_EQ(rd32(mmio_slot(kRngSlot) + MMIO_DEVICE_ID), 4u);
    for (int i = 0; i < kRngSlot; i++) {
        EXPECT_EQ(rd32(mmio_slot(i) + MMIO_DEVICE_ID), 0u) << "empty slot " << i;
        EXPECT_EQ(rd32(mmio_slot(i) + MMIO_STATUS), 0u);
        (void)wr32(mmio_slot(i) + MMIO_STATUS, 7); // ignored
        EXPECT_EQ(rd32(mmio_slot(i) + MMIO_STATUS), 0u);
    }
    EXPECT_EQ(rd32(mmio_slot(kBlkSlot) + MMIO_QUEUE_NUM_MAX), 256u);
    EXPECT_EQ(rd32(mmio_slot(kRngSlot) + MMIO_QUEUE_NUM_MAX), 8u);
    // The block config space: capacity in sectors, blk_size.
    EXPECT_EQ(rd32(mmio_slot(kBlkSlot) + MMIO_CONFIG), uint32_t(kSectors));
    EXPECT_EQ(rd32(mmio_slot(kBlkSlot) + MMIO_CONFIG + 4), 0u);
    EXPECT_EQ(rd32(mmio_slot(kBlkSlot) + MMIO_CONFIG + 20), 512u);
}

TEST_F(VirtioTest, PciIdentityAndCapabilities) {
    struct Want {
        const PciFunction* f;
        uint16_t device;
        uint32_t class_code;
    };
    for (auto [f, device, class_code] :
         {Want{m_blk_pci, 0x1042, 0x010000}, Want{m_rng_pci, 0x1044, 0x00ff00}}) {
        SCOPED_TRACE(device);
        EXPECT_EQ(f->vendor, 0x1af4);
        EXPECT_EQ(f->device, device);
        EXPECT_EQ(f->revision, 1);
        EXPECT_EQ(f->class_code, class_code);
        EXPECT_EQ(f->interrupt_pin, 1);
        EXPECT_EQ(pci_cfg_read16(f->slot, 0, 0x2c), 0x1af4) << "subsystem vendor";
        const PciBar& bar = f->bars[4];
        ASSERT_TRUE(bar.present);
        EXPECT_TRUE(bar.is64);
        EXPECT_TRUE(bar.prefetch);
        EXPECT_EQ(bar.size, 0x4000u);
        for (int i = 0; i < 4; i++)
            EXPECT_FALSE(f->bars[i].present) << "modern only: no legacy I/O BAR " << i;

        ASSERT_TRUE(pci_cfg_read16(f->slot, 0, 0x06) & 0x10) << "Status.CapabilitiesList";
        struct Cap {
            uint8_t len, bar;
            uint32_t offset, length, multiplier;
        };
        std::map<int, Cap> caps;
        int walked = 0;
        for (uint8_t pos = pci_cfg_read8(f->slot, 0, 0x34) & 0xfc; pos; walked++) {
            ASSERT_LT(walked, 48) << "capability list loops";
            ASSERT_GE(pos, 0x40);
            if (pci_cfg_read8(f->slot, 0, pos) == 0x09) {
                int type = pci_cfg_read8(f->slot, 0, pos + 3);
                EXPECT_EQ(caps.count(type), 0u) << "cfg_type " << type << " twice";
                caps[type] =
                    Cap{pci_cfg_read8(f->slot, 0, pos + 2), pci_cfg_read8(f->slot, 0, pos + 4),
                        pci_cfg_read32(f->slot, 0, pos + 8), pci_cfg_read32(f->slot, 0, pos + 12),
                        type == 2 ? pci_cfg_read32(f->slot, 0, pos + 16) : 0};
            }
            pos = pci_cfg_read8(f->slot, 0, pos + 1) & 0xfc;
        }
        ASSERT_EQ(caps.size(), 4u);
        const uint32_t offsets[] = {0, 0x0000, 0x3000, 0x1000, 0x2000};
        for (int type = 1; type <= 4; type++) {
            SCOPED_TRACE(type);
            ASSERT_EQ(caps.count(type), 1u);
            EXPECT_EQ(caps[type].bar, 4);
            EXPECT_EQ(caps[type].offset, offsets[type]);
            EXPECT_EQ(caps[type].length, 0x1000u);
            EXPECT_EQ(caps[type].len, type == 2 ? 20 : 16);
        }
        EXPECT_EQ(caps[2].multiplier, 4u) << "notify_off_multiplier";
        hwaddr b = bar.cpu_addr();
        EXPECT_EQ(rd16(b + PCI_NUMQ), 1u);
        (void)wr16(b + PCI_Q_SELECT, 0);
        EXPECT_EQ(rd16(b + PCI_Q_NOFF), 0u);
    }
}

TEST_F(VirtioTest, PciCommonConfigNarrowReads) {
    hwaddr b = m_blk_pci->bars[4].cpu_addr();
    (void)wr8(b + PCI_STATUS, S_ACKNOWLEDGE);
    (void)wr16(b + PCI_Q_SELECT, 0);
    // A field read from its start, narrower than it is: its low bytes.
    EXPECT_EQ(rd8(b + PCI_Q_SIZE), 0u) << "256 = 0x100";
    EXPECT_EQ(rd8(b + PCI_NUMQ), 1u);
    // Bytes in the middle of a field read as 0, as QEMU's switch on the
    // offset gives; they are not the bytes of some other register.
    EXPECT_EQ(rd8(b + PCI_Q_SELECT + 1), 0u);
    EXPECT_EQ(rd8(b + PCI_NUMQ + 1), 0u);
    EXPECT_EQ(rd8(b + PCI_Q_SIZE + 1), 0u);
    EXPECT_EQ(rd8(b + PCI_Q_ENABLE + 1), 0u);
    EXPECT_EQ(rd8(b + PCI_DF + 1), 0u);
    EXPECT_EQ(rd8(b + PCI_STATUS), S_ACKNOWLEDGE);
    (void)wr8(b + PCI_STATUS, 0);
}

TEST_F(VirtioTest, PciWithoutBusMasteringTheDeviceReachesNoMemory) {
    VirtioDriver d = pci_dev(*m_blk_pci, 0);
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    pci_set_command(m_blk_pci->slot, 0, 0x0002); // memory decode only
    fill(d.data(), 512, 9);
    hwaddr h = d.scratch(0x2000);
    (void)wr32(h, T_OUT);
    (void)wr64(h + 8, 50);
    d.desc(0, h, 16, D_NEXT, 1);
    d.desc(1, d.data(), 512, D_NEXT, 2);
    d.desc(2, d.data(0x800), 1, D_WRITE);
    d.offer(0);
    d.notify();
    for (int i = 0; i < 5; i++)
        run_main_loop();
    EXPECT_EQ(d.used_idx(), 0);
    EXPECT_EQ(read_image(1, 50 * kSector, 512), std::vector<uint8_t>(512, 0))
        << "nothing was read from guest memory";
    pci_set_command(m_blk_pci->slot, 0, 0x0007);
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    EXPECT_TRUE(works(d, true));
}

TEST_P(VirtioBusTest, BlkWriteCacheIsSwitchable) {
    VirtioDriver d = blk(GetParam());
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    constexpr hwaddr kWce = 32;
    EXPECT_EQ(d.config(kWce, 1), 1u) << "writeback by default";
    d.config_w(kWce, 0, 1);
    EXPECT_EQ(d.config(kWce, 1), 0u);
    fill(d.data(), 512, 5);
    EXPECT_EQ(blk_request(d, T_OUT, 60, d.data(), 512, false).status, BLK_OK);
    EXPECT_EQ(read_image(image_of(GetParam()), 60 * kSector, 512), ram(d.data(), 512));
    d.set_status(0);
    EXPECT_EQ(d.config(kWce, 1), 1u) << "a reset brings writeback back";
    // Without CONFIG_WCE the byte is read-only.
    ASSERT_TRUE(d.init(d.usual_features() & ~bit(11)) & S_DRIVER_OK);
    d.config_w(kWce, 0, 1);
    EXPECT_EQ(d.config(kWce, 1), 1u);
}

// ---------------------------------------------------------------------------
// Feature negotiation and status
// ---------------------------------------------------------------------------

TEST_P(VirtioBusTest, FeaturesOffered) {
    VirtioDriver d = blk(GetParam());
    uint64_t f = d.device_features();
    EXPECT_TRUE(f & F_INDIRECT);
    EXPECT_TRUE(f & F_EVENT_IDX);
    EXPECT_TRUE(f & F_BLK_FLUSH);
    EXPECT_TRUE(f & F_BLK_DISCARD);
    EXPECT_TRUE(f & F_BLK_WRITE_ZEROES);
    EXPECT_FALSE(f & F_BLK_RO) << "the drive is writable";
    EXPECT_FALSE(f & F_RING_PACKED);
    EXPECT_EQ(bool(f & F_VERSION_1), d.modern());
    if (!d.modern()) EXPECT_EQ(f >> 32, 0u) << "legacy has 32 feature bits";
}

TEST_P(VirtioBusTest, FeaturesOkRefusedForBitsNotOffered) {
    VirtioDriver d = blk(GetParam());
    if (!d.modern()) GTEST_SKIP() << "legacy virtio-mmio has no FEATURES_OK";
    d.set_status(0);
    d.set_status(S_ACKNOWLEDGE | S_DRIVER);
    d.write_driver_features(d.device_features() | F_RING_PACKED);
    d.set_status(S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
    EXPECT_EQ(d.status(), S_ACKNOWLEDGE | S_DRIVER) << "FEATURES_OK must not stick";
    // Without VERSION_1 on a modern transport the spec lets the device
    // refuse too, but QEMU takes it; only the unoffered bit is checked.
    d.set_status(0);
    EXPECT_EQ(d.status(), 0);
    EXPECT_EQ(d.init(d.usual_features()), S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    // Once FEATURES_OK is set, the features are fixed.
    d.write_driver_features(F_VERSION_1);
    EXPECT_EQ(blk_request(d, T_GET_ID, 0, d.data(), 20, true).status, BLK_OK);
}

TEST_P(VirtioBusTest, StatusZeroResets) {
    VirtioDriver d = blk(GetParam());
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    EXPECT_TRUE(d.queue_ready());
    d.set_status(0);
    EXPECT_EQ(d.status(), 0);
    EXPECT_FALSE(d.queue_ready());
    // The queue is gone: a kick does nothing.
    (void)wr32(d.scratch(), T_GET_ID);
    d.desc(0, d.scratch(), 16, D_NEXT, 1);
    d.desc(1, d.data(), 21, D_WRITE);
    d.offer(0);
    d.notify();
    run_main_loop();
    EXPECT_EQ(d.used_idx(), 0);
    // And it comes back.
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    EXPECT_EQ(blk_request(d, T_GET_ID, 0, d.data(), 20, true).status, BLK_OK);
}

// ---------------------------------------------------------------------------
// virtio-blk
// ---------------------------------------------------------------------------

TEST_P(VirtioBusTest, BlkReadsTheImage) {
    VirtioDriver d = blk(GetParam());
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    fill(d.data(), 1024, 0);
    BlkResult r = blk_request(d, T_IN, 1, d.data(), 512, true);
    ASSERT_TRUE(r.done);
    EXPECT_EQ(r.status, BLK_OK);
    EXPECT_EQ(r.len, 513u) << "data and status";
    auto got = ram(d.data(), 512);
    for (size_t i = 0; i < 512; i++)
        ASSERT_EQ(got[i], seed_byte(image_of(GetParam()), i)) << i;
}

TEST_P(VirtioBusTest, BlkWriteThenReadBack) {
    VirtioDriver d = blk(GetParam());
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    fill(d.data(), 2048, 0x31);
    auto written = ram(d.data(), 2048);
    BlkResult w = blk_request(d, T_OUT, 8, d.data(), 2048, false);
    ASSERT_TRUE(w.done);
    EXPECT_EQ(w.status, BLK_OK);
    EXPECT_EQ(w.len, 1u) << "only the status byte was written";
    EXPECT_EQ(blk_request(d, T_FLUSH, 0, 0, 0, false, 3).status, BLK_OK);
    EXPECT_EQ(read_image(image_of(GetParam()), 8 * kSector, 2048), written) << "on the host file";

    fill(d.data(0x1000), 2048, 0);
    BlkResult r = blk_request(d, T_IN, 8, d.data(0x1000), 2048, true, 6);
    ASSERT_TRUE(r.done);
    EXPECT_EQ(r.status, BLK_OK);
    EXPECT_EQ(ram(d.data(0x1000), 2048), written);
    EXPECT_EQ(d.used_idx(), 3);
}

TEST_P(VirtioBusTest, BlkGetId) {
    VirtioDriver d = blk(GetParam());
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    fill(d.data(), 32, 0xff);
    BlkResult r = blk_request(d, T_GET_ID, 0, d.data(), 20, true);
    EXPECT_EQ(r.status, BLK_OK);
    EXPECT_EQ(r.len, 21u);
    auto id = ram(d.data(), 20);
    std::string want = GetParam() == Bus::Mmio ? "MQ-MMIO-DISK" : "MQ-PCI-DISK";
    EXPECT_EQ(std::string(id.begin(), id.begin() + want.size()), want);
    for (size_t i = want.size(); i < 20; i++)
        EXPECT_EQ(id[i], 0) << "NUL-padded";
}

TEST_P(VirtioBusTest, BlkDiscardAndWriteZeroes) {
    VirtioDriver d = blk(GetParam());
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    fill(d.data(), 4 * kSector, 0x77);
    ASSERT_EQ(blk_request(d, T_OUT, 32, d.data(), 4 * kSector, false).status, BLK_OK);
    // One segment: sector, num_sectors, flags.
    hwaddr seg = d.scratch(0x2000);
    (void)wr64(seg, 33);
    (void)wr32(seg + 8, 2);
    (void)wr32(seg + 12, 0);
    EXPECT_EQ(blk_request(d, T_WRITE_ZEROES, 0, seg, 16, false, 3).status, BLK_OK);
    fill(d.data(0x1000), 4 * kSector, 0x11);
    ASSERT_EQ(blk_request(d, T_IN, 32, d.data(0x1000), 4 * kSector, true, 6).status, BLK_OK);
    auto back = ram(d.data(0x1000), 4 * kSector);
    auto orig = ram(d.data(), 4 * kSector);
    for (size_t i = 0; i < 4 * kSector; i++) {
        bool zeroed = i >= kSector && i < 3 * kSector;
        ASSERT_EQ(back[i], zeroed ? 0 : orig[i]) << i;
    }
    EXPECT_EQ(read_image(image_of(GetParam()), 33 * kSector, 2 * kSector),
              std::vector<uint8_t>(2 * kSector, 0));
    (void)wr32(seg + 12, 1); // UNMAP is allowed for write-zeroes
    EXPECT_EQ(blk_request(d, T_WRITE_ZEROES, 0, seg, 16, false, 9).status, BLK_OK);
    // Discard: done (whether the range reads as zeroes afterwards is not promised).
    (void)wr32(seg + 12, 0);
    EXPECT_EQ(blk_request(d, T_DISCARD, 0, seg, 16, false, 12).status, BLK_OK);
    // Flags discard does not know, a range past the end, two segments.
    (void)wr32(seg + 12, 1);
    EXPECT_EQ(blk_request(d, T_DISCARD, 0, seg, 16, false, 15).status, BLK_UNSUPP);
    (void)wr64(seg, kSectors - 1);
    (void)wr32(seg + 12, 0);
    EXPECT_EQ(blk_request(d, T_WRITE_ZEROES, 0, seg, 16, false, 18).status, BLK_IOERR);
    EXPECT_EQ(blk_request(d, T_DISCARD, 0, seg, 32, false, 21).status, BLK_UNSUPP);
}

TEST_P(VirtioBusTest, BlkOutOfRangeIsIoError) {
    VirtioDriver d = blk(GetParam());
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    EXPECT_EQ(blk_request(d, T_IN, kSectors, d.data(), 512, true).status, BLK_IOERR);
    EXPECT_EQ(blk_request(d, T_IN, kSectors - 1, d.data(), 1024, true, 3).status, BLK_IOERR);
    EXPECT_EQ(blk_request(d, T_OUT, kSectors, d.data(), 512, false, 6).status, BLK_IOERR);
    EXPECT_EQ(blk_request(d, T_IN, ~uint64_t(0), d.data(), 512, true, 9).status, BLK_IOERR);
    EXPECT_EQ(blk_request(d, T_IN, uint64_t(1) << 55, d.data(), 512, true, 12).status, BLK_IOERR);
    EXPECT_EQ(blk_request(d, T_IN, 0, d.data(), 100, true, 15).status, BLK_IOERR)
        << "not a whole sector";
    EXPECT_EQ(blk_request(d, T_IN, kSectors - 1, d.data(), 512, true, 18).status, BLK_OK);
    EXPECT_EQ(blk_request(d, 99, 0, d.data(), 512, true, 21).status, BLK_UNSUPP);
    EXPECT_EQ(blk_request(d, 0x7fffffff, 0, 0, 0, false, 24).status, BLK_UNSUPP);
    EXPECT_EQ(d.used_idx(), 9) << "each one handed back";
    EXPECT_EQ(d.status() & S_NEEDS_RESET, 0) << "an I/O error is not a broken device";
}

TEST_F(VirtioTest, MmioBlkReadOnlyDrive) {
    VirtioDriver d = mmio_dev(kBlkRoSlot);
    EXPECT_TRUE(d.device_features() & F_BLK_RO);
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    fill(d.data(), 512, 1);
    EXPECT_EQ(blk_request(d, T_OUT, 1, d.data(), 512, false).status, BLK_IOERR);
    hwaddr seg = d.scratch(0x2000);
    (void)wr64(seg, 1);
    (void)wr32(seg + 8, 1);
    (void)wr32(seg + 12, 0);
    EXPECT_EQ(blk_request(d, T_WRITE_ZEROES, 0, seg, 16, false, 3).status, BLK_IOERR);
    EXPECT_EQ(blk_request(d, T_DISCARD, 0, seg, 16, false, 6).status, BLK_IOERR);
    ASSERT_EQ(blk_request(d, T_IN, 1, d.data(), 512, true, 9).status, BLK_OK);
    auto got = ram(d.data(), 512);
    for (size_t i = 0; i < 512; i++)
        ASSERT_EQ(got[i], seed_byte(2, i)) << "untouched, byte " << i;
    EXPECT_EQ(read_image(2, kSector, 4), (std::vector<uint8_t>{seed_byte(2, 0), seed_byte(2, 1),
                                                               seed_byte(2, 2), seed_byte(2, 3)}));
}

TEST_P(VirtioBusTest, BlkIndirectDescriptors) {
    VirtioDriver d = blk(GetParam());
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    hwaddr table = d.scratch(0x3000);
    hwaddr hdr = d.scratch(0x2000), status = hdr + 0x40;
    fill(d.data(), 1024, 0x40);
    auto written = ram(d.data(), 1024);
    // A write in four pieces: header, two data halves, status.
    (void)wr32(hdr, T_OUT);
    (void)wr32(hdr + 4, 0);
    (void)wr64(hdr + 8, 40);
    (void)wr8(status, BLK_NOT_DONE);
    VirtioDriver::desc_at(table, 0, hdr, 16, D_NEXT, 1);
    VirtioDriver::desc_at(table, 1, d.data(), 512, D_NEXT, 2);
    VirtioDriver::desc_at(table, 2, d.data(512), 512, D_NEXT, 3);
    VirtioDriver::desc_at(table, 3, status, 1, D_WRITE, 0);
    d.desc(5, table, 4 * 16, D_INDIRECT);
    d.offer(5);
    d.notify();
    ASSERT_TRUE(wait_used(d, 0));
    EXPECT_EQ(d.used_id(0), 5u);
    EXPECT_EQ(rd8(status), BLK_OK);
    EXPECT_EQ(read_image(image_of(GetParam()), 40 * kSector, 1024), written);
    // And a read back, through a table whose chain (from entry 0) jumps about.
    (void)wr32(hdr, T_IN);
    (void)wr8(status, BLK_NOT_DONE);
    fill(d.data(0x1000), 1024, 0);
    VirtioDriver::desc_at(table, 0, hdr, 16, D_NEXT, 5);
    VirtioDriver::desc_at(table, 5, d.data(0x1000), 1024, D_NEXT | D_WRITE, 3);
    VirtioDriver::desc_at(table, 3, status, 1, D_WRITE, 0);
    d.desc(9, table, 8 * 16, D_INDIRECT);
    d.offer(9);
    d.notify();
    ASSERT_TRUE(wait_used(d, 1));
    EXPECT_EQ(d.used_id(1), 9u);
    EXPECT_EQ(d.used_len(1), 1025u);
    EXPECT_EQ(rd8(status), BLK_OK);
    EXPECT_EQ(ram(d.data(0x1000), 1024), written);
}

// ---------------------------------------------------------------------------
// Interrupts
// ---------------------------------------------------------------------------

TEST_P(VirtioBusTest, InterruptReachesThePlicAndIsrClearsIt) {
    VirtioDriver d = blk(GetParam());
    int src = d.irq();
    if (GetParam() == Bus::Mmio) EXPECT_EQ(src, 8) << "slot 7 is PLIC source 8";
    // Without NOTIFY_ON_EMPTY (legacy), which would interrupt on an empty
    // ring whatever the flags say.
    ASSERT_TRUE(d.init(d.usual_features() & ~F_EVENT_IDX & ~bit(24)) & S_DRIVER_OK);
    EXPECT_FALSE(line(src));
    EXPECT_FALSE(plic_pending(src));
    ASSERT_EQ(blk_request(d, T_IN, 1, d.data(), 512, true).status, BLK_OK);
    EXPECT_TRUE(line(src));
    EXPECT_TRUE(plic_pending(src));
    if (d.pci()) EXPECT_TRUE(pci_cfg_read16(m_blk_pci->slot, 0, 0x06) & 0x08) << "Status.Interrupt";
    EXPECT_EQ(d.take_isr(), 1) << "a used buffer";
    EXPECT_FALSE(line(src)) << "reading (PCI) or acknowledging (MMIO) the ISR lowers the line";
    if (d.pci()) EXPECT_FALSE(pci_cfg_read16(m_blk_pci->slot, 0, 0x06) & 0x08);
    EXPECT_EQ(d.take_isr(), 0);
    // The PLIC latched it; claim and complete.
    (void)wr32(plic_priority(src), 1);
    (void)wr32(plic_enable_word(0, src), 1u << (src % 32));
    EXPECT_EQ(rd32(plic_claim(0)), uint32_t(src));
    (void)wr32(plic_claim(0), src);
    EXPECT_FALSE(plic_pending(src));
    (void)wr32(plic_enable_word(0, src), 0);
    (void)wr32(plic_priority(src), 0);

    // VRING_AVAIL_F_NO_INTERRUPT: no interrupt for the next one.
    d.set_avail_flags(1);
    ASSERT_EQ(blk_request(d, T_IN, 1, d.data(), 512, true, 3).status, BLK_OK);
    EXPECT_FALSE(line(src));
    EXPECT_EQ(d.take_isr(), 0);
    // A reset lowers a raised line too.
    d.set_avail_flags(0);
    ASSERT_EQ(blk_request(d, T_IN, 1, d.data(), 512, true, 6).status, BLK_OK);
    EXPECT_TRUE(line(src));
    d.set_status(0);
    EXPECT_FALSE(line(src));
}

TEST_P(VirtioBusTest, EventIdxUsedEventIsRespected) {
    VirtioDriver d = blk(GetParam());
    ASSERT_TRUE(d.device_features() & F_EVENT_IDX);
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    int src = d.irq();
    // used_event = 0: the first completion (used idx 0 -> 1) interrupts.
    d.set_used_event(0);
    ASSERT_EQ(blk_request(d, T_GET_ID, 0, d.data(), 20, true).status, BLK_OK);
    EXPECT_EQ(d.avail_event(), 1) << "the device says how far it has read";
    EXPECT_TRUE(line(src));
    EXPECT_EQ(d.take_isr(), 1);
    // "Interrupt me once the used index passes 3": not at 2 or 3, at 4.
    d.set_used_event(3);
    for (uint16_t n = 2; n <= 4; n++) {
        SCOPED_TRACE(n);
        ASSERT_EQ(blk_request(d, T_IN, 1, d.data(), 512, true, 3 * n).status, BLK_OK);
        EXPECT_EQ(d.used_idx(), n);
        EXPECT_EQ(d.avail_event(), n);
        EXPECT_EQ(line(src), n == 4);
        if (!d.pci()) EXPECT_EQ(d.peek_isr(), n == 4 ? 1 : 0);
    }
    EXPECT_EQ(d.take_isr(), 1);
    // The flag is ignored with EVENT_IDX: used_event alone decides.
    d.set_avail_flags(1);
    d.set_used_event(4);
    ASSERT_EQ(blk_request(d, T_GET_ID, 0, d.data(), 20, true, 20).status, BLK_OK);
    EXPECT_TRUE(line(src));
    EXPECT_EQ(d.take_isr(), 1);
    // An event already passed is not signalled again.
    ASSERT_EQ(blk_request(d, T_GET_ID, 0, d.data(), 20, true, 23).status, BLK_OK);
    EXPECT_FALSE(line(src));
}

// ---------------------------------------------------------------------------
// virtio-rng
// ---------------------------------------------------------------------------

TEST_P(VirtioBusTest, RngFillsBuffers) {
    VirtioDriver d = rng(GetParam());
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    std::vector<std::vector<uint8_t>> reads;
    address_space_write(sys(), d.data(), std::vector<uint8_t>(256, 0).data(), 256);
    for (uint16_t i = 0; i < 3; i++) {
        d.desc(i, d.data(64 * i), 64, D_WRITE);
        d.offer(i);
        d.notify();
        ASSERT_TRUE(wait_used(d, i));
        EXPECT_EQ(d.used_id(i), i);
        EXPECT_EQ(d.used_len(i), 64u);
        reads.push_back(ram(d.data(64 * i), 64));
        EXPECT_NE(reads.back(), std::vector<uint8_t>(64, 0));
    }
    EXPECT_NE(reads[0], reads[1]);
    EXPECT_NE(reads[1], reads[2]);
    // A chain of two buffers is filled across both.
    d.desc(4, d.data(0x100), 8, D_WRITE | D_NEXT, 5);
    d.desc(5, d.data(0x108), 8, D_WRITE);
    d.offer(4);
    d.notify();
    ASSERT_TRUE(wait_used(d, 3));
    EXPECT_EQ(d.used_len(3), 16u);
    EXPECT_EQ(d.take_isr() & 1, 1);
}

// ---------------------------------------------------------------------------
// Ring-level attacks
// ---------------------------------------------------------------------------

struct Attack {
    const char* name;
    // Sets up the ring of a blk device (16 entries) and kicks it.
    std::function<void(VirtioTest&, VirtioDriver&)> run;
};

// A valid GET_ID request's pieces, for the attacks to break.
hwaddr good_hdr(VirtioDriver& d) {
    hwaddr h = d.scratch(0x2000);
    (void)address_space_stl(address_space_memory(), h, T_GET_ID);
    (void)address_space_stq(address_space_memory(), h + 8, 0);
    return h;
}

void kick(VirtioDriver& d, uint16_t head) {
    d.offer(head);
    d.notify();
}

const std::vector<Attack>& attacks() {
    constexpr hwaddr kRamEnd = kRamBase + kRamSize;
    static const std::vector<Attack> list = {
        {"loop",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, D_NEXT, 1);
             d.desc(1, d.data(), 64, D_NEXT | D_WRITE, 2);
             d.desc(2, d.data(64), 64, D_NEXT | D_WRITE, 1);
             kick(d, 0);
         }},
        {"self-loop",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(3, good_hdr(d), 16, D_NEXT, 3);
             kick(d, 3);
         }},
        {"next past the ring",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, D_NEXT, 16);
             kick(d, 0);
         }},
        {"next far past the ring",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, D_NEXT, 0xffff);
             kick(d, 0);
         }},
        {"head past the ring",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, 0);
             kick(d, 16);
         }},
        {"head 0xffff", [](VirtioTest&, VirtioDriver& d) { kick(d, 0xffff); }},
        {"avail idx jumps past the ring",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, D_NEXT, 1);
             d.desc(1, d.data(), 21, D_WRITE);
             d.set_avail_idx(17);
             d.notify();
         }},
        {"avail idx goes backwards",
         [](VirtioTest&, VirtioDriver& d) {
             d.set_avail_idx(0xffff);
             d.notify();
         }},
        {"zero-length descriptor",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, D_NEXT, 1);
             d.desc(1, d.data(), 0, D_WRITE | D_NEXT, 2);
             d.desc(2, d.data(), 21, D_WRITE);
             kick(d, 0);
         }},
        {"buffer outside RAM",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, 0x20000000, 16, D_NEXT, 1);
             d.desc(1, d.data(), 21, D_WRITE);
             kick(d, 0);
         }},
        {"buffer in MMIO",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, D_NEXT, 1);
             d.desc(1, kUartBase, 21, D_WRITE);
             kick(d, 0);
         }},
        {"device-writable buffer in ROM",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, D_NEXT, 1);
             d.desc(1, kMromBase, 21, D_WRITE);
             kick(d, 0);
         }},
        {"buffer crossing the end of RAM",
         [kRamEnd](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, D_NEXT, 1);
             d.desc(1, kRamEnd - 8, 21, D_WRITE);
             kick(d, 0);
         }},
        {"buffer address wraps",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, D_NEXT, 1);
             d.desc(1, ~uint64_t(0) - 4, 21, D_WRITE);
             kick(d, 0);
         }},
        {"huge length",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, D_NEXT, 1);
             d.desc(1, kRamBase, 0xffffffff, D_WRITE);
             kick(d, 0);
         }},
        {"indirect table of bad size",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, d.scratch(0x3000), 15, D_INDIRECT);
             kick(d, 0);
         }},
        {"empty indirect table",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, d.scratch(0x3000), 0, D_INDIRECT);
             kick(d, 0);
         }},
        {"indirect table too long",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, kRamBase, 16 * 1025, D_INDIRECT);
             kick(d, 0);
         }},
        {"indirect table outside RAM",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, 0x20000000, 64, D_INDIRECT);
             kick(d, 0);
         }},
        {"indirect in an indirect table",
         [](VirtioTest&, VirtioDriver& d) {
             hwaddr t = d.scratch(0x3000);
             VirtioDriver::desc_at(t, 0, good_hdr(d), 16, D_NEXT, 1);
             VirtioDriver::desc_at(t, 1, d.scratch(0x3800), 32, D_INDIRECT, 0);
             d.desc(0, t, 32, D_INDIRECT);
             kick(d, 0);
         }},
        {"indirect after a plain descriptor",
         [](VirtioTest&, VirtioDriver& d) {
             hwaddr t = d.scratch(0x3000);
             VirtioDriver::desc_at(t, 0, d.data(), 21, D_WRITE, 0);
             d.desc(0, good_hdr(d), 16, D_NEXT, 1);
             d.desc(1, t, 16, D_INDIRECT);
             kick(d, 0);
         }},
        {"loop in an indirect table",
         [](VirtioTest&, VirtioDriver& d) {
             hwaddr t = d.scratch(0x3000);
             VirtioDriver::desc_at(t, 0, good_hdr(d), 16, D_NEXT, 1);
             VirtioDriver::desc_at(t, 1, d.data(), 21, D_WRITE | D_NEXT, 0);
             d.desc(0, t, 32, D_INDIRECT);
             kick(d, 0);
         }},
        {"next past an indirect table",
         [](VirtioTest&, VirtioDriver& d) {
             hwaddr t = d.scratch(0x3000);
             VirtioDriver::desc_at(t, 0, good_hdr(d), 16, D_NEXT, 2);
             VirtioDriver::desc_at(t, 1, d.data(), 21, D_WRITE, 0);
             d.desc(0, t, 32, D_INDIRECT);
             kick(d, 0);
         }},
        {"writable before readable",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, d.data(), 21, D_WRITE | D_NEXT, 1);
             d.desc(1, good_hdr(d), 16, 0);
             kick(d, 0);
         }},
        {"no status byte",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 16, 0);
             kick(d, 0);
         }},
        {"header too short",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, good_hdr(d), 15, D_NEXT, 1);
             d.desc(1, d.data(), 21, D_WRITE);
             kick(d, 0);
         }},
        {"device-writable header only",
         [](VirtioTest&, VirtioDriver& d) {
             d.desc(0, d.data(), 64, D_WRITE);
             kick(d, 0);
         }},
    };
    return list;
}

class VirtioAttackTest : public VirtioTest,
                         public ::testing::WithParamInterface<std::tuple<Bus, size_t>> {};

TEST_P(VirtioAttackTest, DeviceBreaksAndResetRecovers) {
    auto [bus, index] = GetParam();
    const Attack& attack = attacks().at(index);
    SCOPED_TRACE(attack.name);
    VirtioDriver d = blk(bus);
    ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
    (void)machine().take_guest_errors();
    attack.run(*this, d);
    for (int i = 0; i < 5; i++)
        run_main_loop();
    EXPECT_EQ(d.used_idx(), 0) << "nothing comes back";
    auto errors = machine().take_guest_errors();
    bool named = false;
    for (const auto& e : errors)
        named |= e.starts_with("virtio-blk: ");
    EXPECT_TRUE(named) << "a guest_errors line from virtio-blk; got " << errors.size() << " lines";
    if (d.modern()) {
        EXPECT_TRUE(d.status() & S_NEEDS_RESET) << "modern: DEVICE_NEEDS_RESET";
        EXPECT_TRUE(line(d.irq())) << "with a config-change interrupt";
        EXPECT_EQ(d.take_isr(), 2);
    } else {
        EXPECT_EQ(d.status() & S_NEEDS_RESET, 0) << "legacy has no NEEDS_RESET";
    }
    // Broken: even a good request is ignored until a reset.
    d.desc(8, good_hdr(d), 16, D_NEXT, 9);
    d.desc(9, d.data(), 21, D_WRITE);
    d.offer(8);
    d.notify();
    run_main_loop();
    EXPECT_EQ(d.used_idx(), 0);

    ASSERT_EQ(d.init(d.usual_features()) & ~S_FEATURES_OK, S_ACKNOWLEDGE | S_DRIVER | S_DRIVER_OK);
    EXPECT_FALSE(line(d.irq()));
    BlkResult r = blk_request(d, T_GET_ID, 0, d.data(), 20, true);
    EXPECT_TRUE(r.done);
    EXPECT_EQ(r.status, BLK_OK);
    fill(d.data(), 512, 3);
    EXPECT_EQ(blk_request(d, T_IN, 1, d.data(), 512, true, 3).status, BLK_OK);
    EXPECT_EQ(ram(d.data(), 1)[0], seed_byte(image_of(bus), 0));
}

INSTANTIATE_TEST_SUITE_P(Attacks, VirtioAttackTest,
                         ::testing::Combine(::testing::Values(Bus::Mmio, Bus::Pci),
                                            ::testing::Range(size_t(0), attacks().size())),
                         [](const ::testing::TestParamInfo<std::tuple<Bus, size_t>>& info) {
                             std::string name = attacks().at(std::get<1>(info.param)).name;
                             for (char& c : name)
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             return std::string(std::get<0>(info.param) == Bus::Mmio ? "Mmio_"
                                                                                     : "Pci_") +
                                    name;
                         });

// Rings in places they should not be: the device must not crash or hang,
// and a reset brings it back. (These are not errors the device can see in
// every case: a used ring in MMIO just writes the registers.)
TEST_P(VirtioBusTest, RingsOnTheDevicesOwnRegisters) {
    for (bool is_blk : {true, false}) {
        VirtioDriver d = is_blk ? blk(GetParam()) : rng(GetParam());
        ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
        if (d.modern()) {
            // The used ring's first element (head 0, then the length) lands
            // on the status register (MMIO: a reset in the middle of the
            // push) or on queue_desc (PCI: the ring moves under the device).
            hwaddr used = d.base() + (d.pci() ? PCI_Q_DESCLO : MMIO_STATUS) - 4;
            if (d.pci()) {
                d.common_w(PCI_Q_SELECT, 0, 2);
                d.common_w(PCI_Q_USEDLO, uint32_t(used), 4);
                d.common_w(PCI_Q_USEDHI, uint32_t(used >> 32), 4);
            } else {
                d.mmio_w(MMIO_QUEUE_USED_LOW, uint32_t(used));
                d.mmio_w(MMIO_QUEUE_USED_HIGH, uint32_t(used >> 32));
            }
        }
        // A read completes on the main loop, outside any MMIO callback.
        hwaddr h = d.scratch(0x2000);
        (void)wr32(h, T_IN);
        (void)wr64(h + 8, 1);
        d.desc(0, h, 16, D_NEXT, 1);
        d.desc(1, d.data(), 513, D_WRITE);
        d.offer(0);
        d.notify();
        for (int i = 0; i < 20; i++) {
            run_main_loop();
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        // Descriptors read from the device's own registers.
        d.set_status(0);
        ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
        if (d.modern()) {
            if (d.pci()) {
                d.common_w(PCI_Q_DESCLO, uint32_t(d.base()), 4);
                d.common_w(PCI_Q_DESCHI, uint32_t(d.base() >> 32), 4);
            } else {
                d.mmio_w(MMIO_QUEUE_DESC_LOW, uint32_t(d.base()));
                d.mmio_w(MMIO_QUEUE_DESC_HIGH, uint32_t(d.base() >> 32));
            }
            d.offer(0);
            d.notify();
            run_main_loop();
        }
        ASSERT_EQ(d.init(d.usual_features()) & S_DRIVER_OK, S_DRIVER_OK);
        EXPECT_TRUE(works(d, is_blk));
    }
}

// ---------------------------------------------------------------------------
// A randomized ring and register fuzz
// ---------------------------------------------------------------------------

class RingFuzzer {
public:
    RingFuzzer(VirtioDriver& d, uint32_t seed) : m_d(d), m_rng(seed) {}

    uint64_t r(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(m_rng); }

    uint64_t address() {
        switch (r(8)) {
        case 0: return m_rng();                     // anywhere
        case 1: return kRamBase + kRamSize - r(64); // the end of RAM
        case 2: return m_d.base() + r(0x200);       // its own registers
        case 3: return kMromBase + r(0x100);        // ROM
        case 4: return m_d.desc_addr() + r(0x1000); // its own rings
        default: return m_d.data(r(0x8000));        // its buffers
        }
    }
    uint32_t length() {
        switch (r(6)) {
        case 0: return 0;
        case 1: return 0xffffffff;
        case 2: return uint32_t(m_rng());
        case 3: return 16 * uint32_t(r(70));
        default: return uint32_t(r(1100));
        }
    }

    void step() {
        switch (r(10)) {
        case 0:
        case 1:
        case 2:
            m_d.desc(unsigned(r(m_d.num())), address(), length(), uint16_t(r(8)),
                     uint16_t(r(4) ? r(m_d.num() + 2) : m_rng()));
            break;
        case 3:
            VirtioDriver::desc_at(m_d.scratch(0x3000), unsigned(r(70)), address(), length(),
                                  uint16_t(r(8)), uint16_t(r(72)));
            break;
        case 4: m_d.offer(uint16_t(r(5) ? r(m_d.num()) : m_rng())); break;
        case 5:
            if (r(4) == 0) m_d.set_avail_idx(uint16_t(m_rng()));
            m_d.notify(uint32_t(r(8) ? 0 : r(4)));
            break;
        case 6: {
            // A random header for whatever chain points at the scratch page.
            hwaddr h = m_d.scratch(0x2000);
            static const uint32_t types[] = {T_IN,      T_OUT,          T_FLUSH, T_GET_ID,
                                             T_DISCARD, T_WRITE_ZEROES, 7};
            (void)address_space_stl(address_space_memory(), h,
                                    r(8) ? types[r(7)] : uint32_t(m_rng()));
            (void)address_space_stq(address_space_memory(), h + 8, 1024 + r(kSectors));
            break;
        }
        case 7: register_write(); break;
        case 8:
            (void)VirtioDriver::rd(m_d.base() + r(0x4000 / (m_d.pci() ? 1 : 32)), 1u << r(3));
            break;
        default: drain_main_loop(); break;
        }
    }

    // VirtTest::run_main_loop, which this class cannot reach.
    static void drain_main_loop() {
        BqlUnlockGuard unlocked;
        auto& ctx = main_loop_context();
        ctx.restart();
        ctx.poll();
    }

private:
    void register_write() {
        uint32_t v = r(3) ? uint32_t(r(0x20)) : uint32_t(m_rng());
        if (r(50) == 0) {
            m_d.set_status(0);
            return;
        }
        if (m_d.pci()) {
            static const std::pair<hwaddr, unsigned> fields[] = {
                {PCI_DFSELECT, 4},  {PCI_GFSELECT, 4}, {PCI_GF, 4},       {0x10, 2},
                {PCI_STATUS, 1},    {PCI_Q_SELECT, 2}, {PCI_Q_SIZE, 2},   {0x1a, 2},
                {PCI_Q_ENABLE, 2},  {PCI_Q_DESCLO, 4}, {PCI_Q_DESCHI, 4}, {PCI_Q_AVAILLO, 4},
                {PCI_Q_AVAILHI, 4}, {PCI_Q_USEDLO, 4}, {PCI_Q_USEDHI, 4}, {0x2000, 1},
                {0x2020, 1},        {0x1000, 1},       {0x3000, 2},       {0x13, 1}};
            auto [off, size] = fields[r(std::size(fields))];
            if (r(10) == 0) size = 1u << r(3);
            VirtioDriver::wr(m_d.base() + off, v, size);
        } else {
            hwaddr off = r(10) ? 4 * r(0x44) : r(0x200);
            if (off == MMIO_STATUS && r(2)) v &= 0xf;
            VirtioDriver::wr(m_d.base() + off, v, r(10) ? 4 : 1u << r(2));
        }
    }

    VirtioDriver& m_d;
    std::mt19937_64 m_rng;
};

TEST_P(VirtioBusTest, RandomRingsLeaveTheDeviceRecoverable) {
    for (bool is_blk : {true, false}) {
        VirtioDriver d = is_blk ? blk(GetParam()) : rng(GetParam());
        SCOPED_TRACE(transport_name(d.transport()));
        ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
        RingFuzzer fuzz(d, 20240601);
        for (int i = 0; i < 2000; i++) {
            fuzz.step();
            if (i % 200 == 199) ASSERT_TRUE(d.init(d.usual_features()) & S_DRIVER_OK);
        }
        run_main_loop();
        ASSERT_EQ(d.init(d.usual_features()) & S_DRIVER_OK, S_DRIVER_OK);
        EXPECT_TRUE(works(d, is_blk));
        (void)machine().take_guest_errors();
    }
}

VIRTIO_BUSES(VirtioBusTest);

} // namespace
} // namespace mq::test
