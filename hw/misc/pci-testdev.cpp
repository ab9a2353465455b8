// pci-testdev: QEMU's PCI test device (QEMU: hw/misc/pci-testdev.c,
// docs/specs/pci-testdev.rst), used by kvm-unit-tests to check that MMIO and
// port I/O writes reach a device, with and without ioeventfds.
//
// BAR0 (4 KiB MMIO) and BAR1 (256 bytes I/O) both start with a header:
//   0  test number (write to select; selecting resets its count)
//   1  width of the access the test expects
//   4  offset the test writes to
//   8  data the test writes
//  12  count of writes that reached the device
//  16  the test's NUL-terminated name
// The "wildcard-eventfd" and "datamatch-eventfd" tests register a write
// notifier (an ioeventfd) at their offset. A write the notifier matches is
// consumed by it and never reaches the device, so its count stays 0.
// Optional BAR2 (`membar`) is 64-bit prefetchable memory with nothing behind it.
#include "core/log.h"
#include "core/module.h"
#include "hw/pci/pci.h"

#include <bit>
#include <cstring>

namespace mq {

namespace {

constexpr int IOTEST_MAX_TEST = 3; // per BAR
constexpr int IOTEST_MAX = IOTEST_MAX_TEST * 2;
constexpr hwaddr IOTEST_IOSIZE = 128;
constexpr hwaddr IOTEST_MEMSIZE = 2048;
constexpr uint8_t IOTEST_DATAMATCH = 0xfa;
constexpr uint8_t IOTEST_NOMATCH = 0xce;
constexpr unsigned IOTEST_ACCESS_WIDTH = 1;
constexpr const char* kTestNames[] = {"no-eventfd", "wildcard-eventfd", "datamatch-eventfd"};

enum class IoType { Mmio = 0, Portio = 1 };

struct IOTest {
    MemoryRegion* mr = nullptr;
    EventNotifier notifier;
    bool has_notifier = false;
    bool match_data = false;
    unsigned size = IOTEST_ACCESS_WIDTH;
    // The header exactly as the guest reads it, little-endian.
    std::vector<uint8_t> hdr;

    uint32_t offset() const {
        return uint32_t(hdr[4]) | hdr[5] << 8 | hdr[6] << 16 | uint32_t(hdr[7]) << 24;
    }
    uint8_t data() const { return hdr[8]; }
    uint32_t count() const {
        return uint32_t(hdr[12]) | hdr[13] << 8 | hdr[14] << 16 | uint32_t(hdr[15]) << 24;
    }
    void set_count(uint32_t c) {
        for (int i = 0; i < 4; i++)
            hdr[12 + i] = uint8_t(c >> (8 * i));
    }
};

struct PCITestDevState : PCIDevice {
    static constexpr const char* type = "pci-testdev";
    MemoryRegion mmio;
    MemoryRegion portio;
    MemoryRegion membar;
    std::array<IOTest, IOTEST_MAX> tests;
    int current = -1;
    Size membar_size;
};

void testdev_start(IOTest& t) {
    t.set_count(0);
    if (!t.has_notifier) return;
    t.notifier.test_and_clear();
    memory_region_add_eventfd(t.mr, t.offset(), t.size, t.match_data, t.data(), &t.notifier);
}

void testdev_stop(IOTest& t) {
    if (!t.has_notifier) return;
    memory_region_del_eventfd(t.mr, t.offset(), t.size, t.match_data, t.data(), &t.notifier);
}

void testdev_reset(PCITestDevState& d) {
    if (d.current == -1) return;
    testdev_stop(d.tests[d.current]);
    d.current = -1;
}

// The callbacks see one byte at a time (impl size 1); wider guest accesses
// arrive split, after the ioeventfd check on the whole access.
void testdev_write(PCITestDevState& d, hwaddr addr, uint64_t val, unsigned size, IoType type) {
    if (addr == 0) {
        testdev_reset(d);
        if (val >= IOTEST_MAX_TEST) return;
        int t = static_cast<int>(type) * IOTEST_MAX_TEST + static_cast<int>(val);
        testdev_start(d.tests[t]);
        d.current = t;
        return;
    }
    if (d.current < 0) return;
    IOTest& test = d.tests[d.current];
    if (addr != test.offset()) return;
    if (test.match_data && test.size != size) return;
    if (test.match_data && val != test.data()) return;
    test.set_count(test.count() + 1);
}

uint64_t testdev_read(PCITestDevState& d, hwaddr addr, unsigned size) {
    if (d.current < 0) return 0;
    IOTest& test = d.tests[d.current];
    if (addr + size >= test.hdr.size()) return 0;
    if (test.has_notifier) test.notifier.test_and_clear();
    return test.hdr[addr];
}

MemoryRegionOps testdev_ops(PCITestDevState& d, IoType type) {
    MemoryRegionOps ops;
    ops.read = [&d](hwaddr addr, unsigned size) { return testdev_read(d, addr, size); };
    ops.write = [&d, type](hwaddr addr, uint64_t val, unsigned size) {
        testdev_write(d, addr, val, size, type);
    };
    ops.impl.min_access_size = 1;
    ops.impl.max_access_size = 1;
    return ops;
}

Status testdev_realize(PCIDevice& pdev) {
    auto& d = static_cast<PCITestDevState&>(pdev);
    if (d.membar_size.bytes && !std::has_single_bit(d.membar_size.bytes)) {
        return make_error("membar size {} is not a power of two", d.membar_size.bytes);
    }
    pdev.config[PCI_INTERRUPT_PIN] = 0; // no interrupt pin
    memory_region_init_io(&d.mmio, &d, testdev_ops(d, IoType::Mmio), "pci-testdev-mmio",
                          IOTEST_MEMSIZE * 2);
    memory_region_init_io(&d.portio, &d, testdev_ops(d, IoType::Portio), "pci-testdev-portio",
                          IOTEST_IOSIZE * 2);
    pci_register_bar(&pdev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY, &d.mmio);
    pci_register_bar(&pdev, 1, PCI_BASE_ADDRESS_SPACE_IO, &d.portio);
    if (d.membar_size.bytes) {
        memory_region_init(&d.membar, &d, "pci-testdev-membar", d.membar_size.bytes);
        pci_register_bar(&pdev, 2,
                         PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_PREFETCH |
                             PCI_BASE_ADDRESS_MEM_TYPE_64,
                         &d.membar);
    }
    d.current = -1;
    for (int i = 0; i < IOTEST_MAX; i++) {
        IOTest& t = d.tests[i];
        bool is_mem = i < IOTEST_MAX_TEST;
        std::string name =
            fmt::format("{}-{}", is_mem ? "mmio" : "portio", kTestNames[i % IOTEST_MAX_TEST]);
        t.hdr.assign(16 + name.size() + 1, 0);
        std::memcpy(t.hdr.data() + 16, name.c_str(), name.size() + 1);
        uint32_t offset = static_cast<uint32_t>((is_mem ? IOTEST_MEMSIZE : IOTEST_IOSIZE) +
                                                i * IOTEST_ACCESS_WIDTH);
        for (int b = 0; b < 4; b++)
            t.hdr[4 + b] = uint8_t(offset >> (8 * b));
        t.size = IOTEST_ACCESS_WIDTH;
        t.match_data = i % IOTEST_MAX_TEST != 1; // all but the wildcard test
        t.hdr[0] = static_cast<uint8_t>(i);
        t.hdr[1] = IOTEST_ACCESS_WIDTH;
        t.hdr[8] = t.match_data ? IOTEST_DATAMATCH : IOTEST_NOMATCH;
        t.mr = is_mem ? &d.mmio : &d.portio;
        t.has_notifier = i % IOTEST_MAX_TEST != 0;
    }
    return {};
}

void testdev_exit(PCIDevice& pdev) { testdev_reset(static_cast<PCITestDevState&>(pdev)); }

void testdev_class_init(ObjectClass& klass) {
    auto& k = class_cast<PCIDeviceClass>(klass);
    k.realize = testdev_realize;
    k.exit = testdev_exit;
    k.vendor_id = PCI_VENDOR_ID_REDHAT;
    k.device_id = 0x0005; // PCI_DEVICE_ID_REDHAT_TEST
    k.revision = 0;
    k.class_id = PCI_CLASS_OTHERS;
    k.desc = "PCI Test Device";
    device_class_set_category(k, DEVICE_CATEGORY_MISC);
    static_cast<DeviceClass&>(k).reset = [](DeviceState& dev) {
        testdev_reset(static_cast<PCITestDevState&>(dev));
    };
    device_class_set_props(k, {qdev_prop("membar", &PCITestDevState::membar_size, Size{0},
                                         "size of the optional 64-bit BAR2 (a power of two)")});
}

void register_testdev_type() {
    type_register_static(TypeInfo{
        .name = PCITestDevState::type,
        .parent = TYPE_PCI_DEVICE,
        .instance_new = new_instance<PCITestDevState>,
        .class_init = testdev_class_init,
        .interfaces = {INTERFACE_CONVENTIONAL_PCI_DEVICE},
    });
}

} // namespace

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_testdev_type);
