// The test-side virtio driver and fixtures shared by virtio_test.cpp (the
// devices' behaviour) and virtio_attack_test.cpp (hostile rings). See
// virtio_test.cpp for the machine they run on (virtio_machine.cpp).
#pragma once

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

// --- the machine (virtio_machine.cpp) ---

inline constexpr uint64_t kImageSize = 1 << 20;
inline constexpr uint64_t kSector = 512;
inline constexpr uint64_t kSectors = kImageSize / kSector;

bool mmio_modern();
uint8_t seed_byte(int image, size_t i);
// Reads `len` bytes at `offset` of image `image` from the host file.
std::vector<uint8_t> read_image(int image, uint64_t offset, size_t len);

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
        return rd(m_base + (pci() ? hwaddr(0x2000) : hwaddr(MMIO_CONFIG)) + off, size);
    }
    void config_w(hwaddr off, uint32_t v, unsigned size) const {
        wr(m_base + (pci() ? hwaddr(0x2000) : hwaddr(MMIO_CONFIG)) + off, v, size);
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

inline const char* transport_name(Transport t) {
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

inline std::string bus_name(const ::testing::TestParamInfo<Bus>& info) {
    return info.param == Bus::Mmio ? "Mmio" : "Pci";
}

#define VIRTIO_BUSES(Suite)                                                                        \
    INSTANTIATE_TEST_SUITE_P(Buses, Suite, ::testing::Values(Bus::Mmio, Bus::Pci), bus_name)

} // namespace mq::test
