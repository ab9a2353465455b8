// virtio: a hostile virtio driver. The input is a sequence of operations on
// four virtio devices of a virt machine whose CPUs never run: virtio-blk and
// virtio-rng behind virtio-mmio (slots 7 and 6) and behind virtio-pci.
// Operations write and read their registers (any offset and size), write
// descriptors (anywhere: RAM, past its end, MMIO, the device's own
// registers), offer heads, move the available index, kick, write block
// request headers, set up a queue the way a driver would, and let the main
// loop run (virtio-blk completes there). virtio-mmio is legacy unless
// MQ_FUZZ_VIRTIO_MMIO=modern; virtio-pci is always modern.
//
// The disk is a 64 KiB memfd, so that nothing touches the host's files. Each
// input starts from a system reset (which drains the disk's I/O thread)
// with a zeroed RAM window and the BARs placed again, runs at most kMaxOps
// operations and ends by running what the main loop was handed.
#include "tests/fuzz/targets/fuzz_vm.h"

#include "core/main-loop.h"
#include "core/memory.h"
#include "core/qdev/sysbus.h"

#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace mq::fuzz {
namespace {

constexpr hwaddr kEcamBase = 0x30000000;
constexpr hwaddr kPciMmioHighBase = 0x400000000;
constexpr hwaddr kRamBase = 0x80000000;
constexpr uint64_t kRamSize = 256ull << 20;
constexpr hwaddr kMmioSlot0 = 0x10001000;
constexpr uint64_t kDiskSize = 64 * 1024;

// Each device has 128 KiB of the window: rings, an indirect table, a
// request header, then data.
constexpr hwaddr kWindow = kRamBase;
constexpr uint64_t kAreaSize = 0x20000;
constexpr uint64_t kWindowSize = 4 * kAreaSize;
constexpr hwaddr kIndirectOff = 0x4000, kHeaderOff = 0x5000, kDataOff = 0x8000;

constexpr int kMaxOps = 512;

AddressSpace* sys() { return address_space_memory(); }

enum class Kind { Mmio, Pci };

struct Dev {
    Kind kind;
    hwaddr base = 0; // the MMIO slot, or BAR 4 once placed
    int pci_devfn = -1;
    hwaddr area = 0;
    uint16_t num = 8;
    uint16_t avail_idx = 0;

    hwaddr desc() const { return area; }
    hwaddr avail() const { return area + 16 * hwaddr(num); }
    hwaddr used() const { return (avail() + 6 + 2 * hwaddr(num) + 0xfff) & ~hwaddr(0xfff); }
};

struct State {
    Vm* vm = nullptr;
    bool modern_mmio = false;
    std::array<Dev, 4> devs{};
};

std::string disk_path() {
    int fd = memfd_create("virtio-fuzz-disk", 0);
    if (fd < 0 || ftruncate(fd, kDiskSize) != 0) {
        std::perror("virtio fuzz: memfd");
        std::abort();
    }
    return "file=/proc/self/fd/" + std::to_string(fd) + ",if=none,format=raw,id=hd0";
}

uint32_t cfg_read(int devfn, unsigned reg) {
    return address_space_ldl(sys(), kEcamBase + (hwaddr(devfn) << 12 | reg));
}
void cfg_write(int devfn, unsigned reg, uint32_t v) {
    (void)address_space_stl(sys(), kEcamBase + (hwaddr(devfn) << 12 | reg), v);
}

State& state() {
    static State* s = [] {
        auto* st = new State();
        const char* mode = std::getenv("MQ_FUZZ_VIRTIO_MMIO");
        st->modern_mmio = mode && std::string(mode) == "modern";
        std::string drive0 = disk_path();
        std::string drive1 = disk_path();
        drive1.replace(drive1.find("id=hd0"), 6, "id=hd1");
        const char* legacy =
            st->modern_mmio ? "virtio-mmio.force-legacy=false" : "virtio-mmio.force-legacy=true";
        Vm& vm = fuzz_vm({"miniqemu",
                          "-M",
                          "virt",
                          "-m",
                          "256M",
                          "-bios",
                          "none",
                          "-serial",
                          "none",
                          "-monitor",
                          "none",
                          "-global",
                          legacy,
                          "-drive",
                          drive0.c_str(),
                          "-drive",
                          drive1.c_str(),
                          "-object",
                          "rng-builtin,id=rng0",
                          "-object",
                          "rng-builtin,id=rng1",
                          "-device",
                          "virtio-blk-device,drive=hd0",
                          "-device",
                          "virtio-rng-device,rng=rng0",
                          "-device",
                          "virtio-blk-pci,drive=hd1",
                          "-device",
                          "virtio-rng-pci,rng=rng1"});
        st->vm = &vm;
        st->devs[0] = Dev{Kind::Mmio, kMmioSlot0 + 0x1000 * 7};
        st->devs[1] = Dev{Kind::Mmio, kMmioSlot0 + 0x1000 * 6};
        st->devs[2] = Dev{Kind::Pci};
        st->devs[3] = Dev{Kind::Pci};
        BqlGuard bql;
        for (int devfn = 0; devfn < 256; devfn += 8) {
            uint32_t id = cfg_read(devfn, 0);
            if (id == 0x10421af4) st->devs[2].pci_devfn = devfn;
            if (id == 0x10441af4) st->devs[3].pci_devfn = devfn;
        }
        if (st->devs[2].pci_devfn < 0 || st->devs[3].pci_devfn < 0) {
            std::fprintf(stderr, "virtio fuzz: the virtio-pci functions are missing\n");
            std::abort();
        }
        for (int i = 0; i < 4; i++)
            st->devs[i].area = kWindow + kAreaSize * hwaddr(i);
        return st;
    }();
    return *s;
}

// The reset, then what firmware would do: BAR 4 placed, memory decode and
// bus mastering on.
void reset(State& s) {
    s.vm->reset();
    std::vector<uint8_t> zero(kWindowSize, 0);
    address_space_write(sys(), kWindow, zero.data(), zero.size());
    for (int i = 2; i < 4; i++) {
        Dev& d = s.devs[i];
        d.base = kPciMmioHighBase + 0x4000 * hwaddr(i - 2);
        cfg_write(d.pci_devfn, 0x20, uint32_t(d.base));
        cfg_write(d.pci_devfn, 0x24, uint32_t(d.base >> 32));
        cfg_write(d.pci_devfn, 0x04, 0x0006);
    }
    for (Dev& d : s.devs) {
        d.num = 8;
        d.avail_idx = 0;
    }
}

class Input {
public:
    Input(const uint8_t* data, size_t size) : m_data(data), m_size(size) {}
    bool empty() const { return m_pos >= m_size; }
    uint8_t u8() { return m_pos < m_size ? m_data[m_pos++] : 0; }
    uint16_t u16() { return uint16_t(u8() | u8() << 8); }
    uint32_t u32() { return uint32_t(u16()) | uint32_t(u16()) << 16; }
    uint64_t u64() { return uint64_t(u32()) | uint64_t(u32()) << 32; }

private:
    const uint8_t* m_data;
    size_t m_size;
    size_t m_pos = 0;
};

uint32_t rd(hwaddr a, unsigned size) {
    switch (size) {
    case 1: return address_space_ldub(sys(), a);
    case 2: return address_space_lduw(sys(), a);
    default: return address_space_ldl(sys(), a);
    }
}
void wr(hwaddr a, uint32_t v, unsigned size) {
    switch (size) {
    case 1: (void)address_space_stb(sys(), a, uint8_t(v)); break;
    case 2: (void)address_space_stw(sys(), a, uint16_t(v)); break;
    default: (void)address_space_stl(sys(), a, v); break;
    }
}

hwaddr reg_span(const Dev& d) { return d.kind == Kind::Mmio ? 0x200 : 0x4000; }

// The driver's side of the registers, for INIT.
void set_status(const Dev& d, uint8_t v) {
    if (d.kind == Kind::Pci) {
        wr(d.base + 0x14, v, 1);
    } else {
        wr(d.base + 0x70, v, 4);
    }
}

void notify(const Dev& d, uint32_t queue) {
    if (d.kind == Kind::Pci) {
        wr(d.base + 0x3000 + 4 * hwaddr(queue), queue, 2);
    } else {
        wr(d.base + 0x50, queue, 4);
    }
}

// A whole driver initialization of queue 0, with `features` (or all the
// device offers) and `num` entries.
void init(State& s, Dev& d, bool all_features, uint64_t features, uint16_t num) {
    bool modern = d.kind == Kind::Pci || s.modern_mmio;
    set_status(d, 0);
    set_status(d, 1);
    set_status(d, 3);
    d.num = num;
    d.avail_idx = 0;
    std::vector<uint8_t> zero(0x3000, 0);
    address_space_write(sys(), d.area, zero.data(), zero.size());
    if (d.kind == Kind::Pci) {
        hwaddr b = d.base;
        if (all_features) {
            wr(b + 0x00, 0, 4);
            features = rd(b + 0x04, 4);
            wr(b + 0x00, 1, 4);
            features |= uint64_t(rd(b + 0x04, 4)) << 32;
        }
        for (uint32_t sel = 0; sel < 2; sel++) {
            wr(b + 0x08, sel, 4);
            wr(b + 0x0c, uint32_t(features >> (32 * sel)), 4);
        }
        set_status(d, 0xb);
        wr(b + 0x16, 0, 2);
        wr(b + 0x18, num, 2);
        wr(b + 0x20, uint32_t(d.desc()), 4);
        wr(b + 0x24, uint32_t(d.desc() >> 32), 4);
        wr(b + 0x28, uint32_t(d.avail()), 4);
        wr(b + 0x2c, uint32_t(d.avail() >> 32), 4);
        wr(b + 0x30, uint32_t(d.used()), 4);
        wr(b + 0x34, uint32_t(d.used() >> 32), 4);
        wr(b + 0x1c, 1, 2);
        set_status(d, 0xf);
        return;
    }
    hwaddr b = d.base;
    if (all_features) {
        wr(b + 0x14, 0, 4);
        features = rd(b + 0x10, 4);
        wr(b + 0x14, 1, 4);
        features |= uint64_t(rd(b + 0x10, 4)) << 32;
    }
    for (uint32_t sel = 0; sel < (modern ? 2 : 1); sel++) {
        wr(b + 0x24, sel, 4);
        wr(b + 0x20, uint32_t(features >> (32 * sel)), 4);
    }
    wr(b + 0x30, 0, 4);
    wr(b + 0x38, num, 4);
    if (modern) {
        set_status(d, 0xb);
        wr(b + 0x80, uint32_t(d.desc()), 4);
        wr(b + 0x84, uint32_t(d.desc() >> 32), 4);
        wr(b + 0x90, uint32_t(d.avail()), 4);
        wr(b + 0x94, uint32_t(d.avail() >> 32), 4);
        wr(b + 0xa0, uint32_t(d.used()), 4);
        wr(b + 0xa4, uint32_t(d.used() >> 32), 4);
        wr(b + 0x44, 1, 4);
        set_status(d, 0xf);
    } else {
        wr(b + 0x28, 4096, 4);
        wr(b + 0x3c, 4096, 4);
        wr(b + 0x40, uint32_t(d.desc() >> 12), 4);
        set_status(d, 0x7);
    }
}

hwaddr pick_address(Input& in, const Dev& d) {
    switch (in.u8() % 6) {
    case 0: return kWindow + in.u32() % kWindowSize;
    case 1: return in.u64();
    case 2: return kRamBase + kRamSize - in.u8();
    case 3: return d.base + in.u16() % reg_span(d);
    default: return d.area + kDataOff + in.u16();
    }
}

void drain() {
    BqlUnlockGuard unlocked;
    fuzz_drain_main_loop();
}

void run_op(State& s, Input& in) {
    uint8_t op = in.u8();
    Dev& d = s.devs[in.u8() % 4];
    switch (op % 13) {
    case 0: { // register write
        hwaddr off = in.u16() % reg_span(d);
        unsigned size = 1u << (in.u8() % 3);
        wr(d.base + off, in.u32(), size);
        break;
    }
    case 1: { // register read
        hwaddr off = in.u16() % reg_span(d);
        (void)rd(d.base + off, 1u << (in.u8() % 3));
        break;
    }
    case 2: { // bytes into the window
        hwaddr a = kWindow + in.u32() % kWindowSize;
        uint8_t n = in.u8();
        for (unsigned i = 0; i < n && !in.empty(); i++)
            (void)address_space_stb(sys(), a + i, in.u8());
        break;
    }
    case 3: { // a descriptor, in the ring's table or the indirect one
        uint8_t where = in.u8();
        hwaddr table = where & 1 ? d.area + kIndirectOff : d.desc();
        unsigned index = (where >> 1) % (where & 1 ? 256 : d.num);
        hwaddr a = table + 16 * hwaddr(index);
        (void)address_space_stq(sys(), a, pick_address(in, d));
        (void)address_space_stl(sys(), a + 8, in.u32());
        (void)address_space_stw(sys(), a + 12, in.u16());
        (void)address_space_stw(sys(), a + 14, in.u16());
        break;
    }
    case 4: { // offer a head
        uint16_t head = in.u16();
        (void)address_space_stw(sys(), d.avail() + 4 + 2 * hwaddr(d.avail_idx % d.num), head);
        d.avail_idx++;
        (void)address_space_stw(sys(), d.avail() + 2, d.avail_idx);
        break;
    }
    case 5: // the available index, anywhere
        d.avail_idx = in.u16();
        (void)address_space_stw(sys(), d.avail() + 2, d.avail_idx);
        break;
    case 6: notify(d, in.u8() % 4 == 3 ? in.u8() : 0); break;
    case 7: {
        uint8_t how = in.u8();
        uint64_t features = how & 1 ? in.u64() : 0;
        init(s, d, !(how & 1), features, uint16_t(1 + in.u8() % 256));
        break;
    }
    case 8: { // a block request header (sectors mostly inside the disk)
        hwaddr h = d.area + kHeaderOff;
        (void)address_space_stl(sys(), h, in.u32());
        uint8_t sec = in.u8();
        (void)address_space_stq(sys(), h + 8, sec & 0x80 ? in.u64() : sec);
        break;
    }
    case 9: drain(); break;
    case 10: { // avail flags and used_event
        (void)address_space_stw(sys(), d.avail(), in.u16());
        (void)address_space_stw(sys(), d.avail() + 4 + 2 * hwaddr(d.num), in.u16());
        break;
    }
    case 11: // a good three-part chain at descriptor 0: header, data, status
        for (unsigned i = 0; i < 3 && i < d.num; i++) {
            hwaddr a = d.desc() + 16 * hwaddr(i);
            hwaddr buf = i == 0 ? d.area + kHeaderOff : d.area + kDataOff + 0x1000 * hwaddr(i);
            uint32_t len = i == 0 ? 16 : i == 1 ? 512 * (1 + in.u8() % 8) : 1;
            uint16_t flags = uint16_t((i < 2 ? 1 : 0) | (i > 0 && (i == 2 || in.u8() & 1) ? 2 : 0));
            (void)address_space_stq(sys(), a, buf);
            (void)address_space_stl(sys(), a + 8, len);
            (void)address_space_stw(sys(), a + 12, flags);
            (void)address_space_stw(sys(), a + 14, uint16_t(i + 1));
        }
        break;
    default: set_status(d, in.u8() % 4 ? 0 : in.u8()); break;
    }
}

} // namespace
} // namespace mq::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace mq::fuzz;
    State& s = state();
    {
        mq::BqlGuard bql;
        reset(s);
        Input in(data, size);
        for (int ops = 0; ops < kMaxOps && !in.empty(); ops++)
            run_op(s, in);
    }
    // The disk's completions (and anything else posted) run now.
    fuzz_drain_main_loop();
    return 0;
}
