// device: QEMU's generic-fuzz for miniqemu. The input is a sequence of
// qtest-like operations on a virt machine with edu, pci-testdev and strng,
// whose CPUs never run: MMIO and port reads and writes of every size to the
// machine's I/O regions and the PCI BARs, config space through ECAM, virtual
// clock steps, and edu DMA between its buffer and a window of RAM.
//
// The machine is built once. Each input starts from a system reset, with
// the clock moved past whatever the previous input left armed, the DMA
// window zeroed and the BARs placed and enabled again, as firmware would.
//
// Each input is bounded: at most kMaxOps operations and kMaxClock of virtual
// time. MQ_FUZZ_TRACE=1 prints the operations as qtest requests, which
// `miniqemu -qtest stdio` with the same devices can replay.
#include "tests/fuzz/targets/fuzz_vm.h"

#include "core/machine.h"
#include "core/main-loop.h"
#include "core/memory.h"
#include "core/qdev/sysbus.h"
#include "core/timer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace mq::fuzz {
namespace {

constexpr hwaddr kPciIoBase = 0x3000000;
constexpr hwaddr kEcamBase = 0x30000000;
constexpr hwaddr kPciMmioBase = 0x40000000;
constexpr hwaddr kPciMmioHighBase = 0x400000000;
constexpr hwaddr kRamBase = 0x80000000;
// DMA lands in the first 64 KiB of RAM, zeroed before every input.
constexpr hwaddr kDmaWindow = kRamBase;
constexpr uint64_t kDmaWindowSize = 64 * 1024;
constexpr hwaddr kEduDmaBuffer = 0x40000; // the buffer as edu's DMA engine sees it

constexpr int kMaxOps = 256;
constexpr int64_t kMaxClock = 2000 * SCALE_MS; // virtual time per input

AddressSpace* sys() { return address_space_memory(); }

bool tracing() {
    static const bool on = [] {
        const char* t = std::getenv("MQ_FUZZ_TRACE");
        return t && *t && *t != '0';
    }();
    return on;
}

template <typename... Args>
void trace(fmt::format_string<Args...> f, Args&&... args) {
    if (tracing())
        std::fprintf(stderr, "%s\n", fmt::format(f, std::forward<Args>(args)...).c_str());
}

const char* suffix(unsigned size) {
    switch (size) {
    case 1: return "b";
    case 2: return "w";
    case 4: return "l";
    default: return "q";
    }
}

// --- the PCI setup, as virt_fixture's driver does it ---

hwaddr ecam(unsigned devfn, unsigned reg) { return kEcamBase + (hwaddr(devfn) << 12 | reg); }
uint32_t cfg_read(unsigned devfn, unsigned reg) {
    return address_space_ldl(sys(), ecam(devfn, reg));
}
void cfg_write(unsigned devfn, unsigned reg, uint32_t v) {
    (void)address_space_stl(sys(), ecam(devfn, reg), v);
}

struct Bar {
    unsigned devfn;
    unsigned reg;
    bool io;
    bool is64;
    uint64_t addr; // bus address
    uint64_t size;
};

struct Region {
    hwaddr base;
    uint64_t size;
};

struct Machine {
    Vm* vm = nullptr;
    std::vector<unsigned> functions; // devfn of every function on bus 0
    std::vector<Bar> bars;
    std::vector<Region> mmio; // the I/O regions of the map, BARs included
    std::vector<Region> pio;  // I/O BARs, as port ranges
    hwaddr edu = 0;           // edu's BAR0
};

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

// Sizes every BAR of every function and gives it an address.
void pci_plan(Machine& m) {
    uint64_t mmio = kPciMmioBase, mmio_high = kPciMmioHighBase, io = 0x1000;
    for (unsigned devfn = 0; devfn < 256; devfn++) {
        uint32_t id = cfg_read(devfn, 0);
        if ((id & 0xffff) == 0xffff) continue;
        m.functions.push_back(devfn);
        cfg_write(devfn, 0x04, 0);
        for (unsigned i = 0; i < 6; i++) {
            unsigned reg = 0x10 + 4 * i;
            cfg_write(devfn, reg, 0xffffffff);
            uint32_t mask = cfg_read(devfn, reg);
            if (mask == 0) continue;
            Bar b{devfn, reg, bool(mask & 1), ((mask >> 1) & 3) == 2, 0, 0};
            if (b.io) {
                b.size = (~(mask & ~3u) + 1) & 0xffff;
            } else {
                uint64_t full = mask & ~0xfu;
                if (b.is64) {
                    cfg_write(devfn, reg + 4, 0xffffffff);
                    full |= uint64_t(cfg_read(devfn, reg + 4)) << 32;
                    i++;
                } else {
                    full |= 0xffffffff00000000ull;
                }
                b.size = ~full + 1;
            }
            bool prefetch = (mask >> 3) & 1;
            uint64_t& next = b.io ? io : (b.is64 && prefetch) ? mmio_high : mmio;
            b.addr = next = align_up(next, b.size);
            next += b.size;
            m.bars.push_back(b);
            if (id == 0x11e81234 && reg == 0x10) m.edu = b.addr;
        }
    }
}

void pci_assign(const Machine& m) {
    for (const Bar& b : m.bars) {
        cfg_write(b.devfn, b.reg, static_cast<uint32_t>(b.addr));
        if (b.is64) cfg_write(b.devfn, b.reg + 4, static_cast<uint32_t>(b.addr >> 32));
    }
    for (unsigned devfn : m.functions)
        cfg_write(devfn, 0x04, 0x0007); // I/O, memory, bus master
}

// The regions of the memory map that are not RAM or ROM, as mapped now.
void list_regions(Machine& m) {
    for (const FlatRange& fr : sys()->flatview()->ranges()) {
        if (fr.mr->is_ram()) continue;
        m.mmio.push_back({fr.start, static_cast<uint64_t>(fr.size())});
    }
    for (const Bar& b : m.bars) {
        if (b.io) m.pio.push_back({b.addr, b.size});
    }
}

Machine& machine() {
    static Machine* m = [] {
        Vm& vm = fuzz_vm({"miniqemu", "-M", "virt", "-m", "256M", "-bios", "none", "-device",
                          "edu,id=edu1,dma_mask=0xffffffff", "-device",
                          "pci-testdev,id=testdev,membar=1M", "-device", "strng,id=strng",
                          "-serial", "ringbuf", "-monitor", "none"});
        auto* mm = new Machine();
        mm->vm = &vm;
        BqlGuard bql;
        vm.reset();
        pci_plan(*mm);
        pci_assign(*mm);
        list_regions(*mm);
        for (size_t i = 0; i < mm->mmio.size(); i++)
            trace("# region {}: 0x{:x} +0x{:x}", i, mm->mmio[i].base, mm->mmio[i].size);
        for (size_t i = 0; i < mm->pio.size(); i++)
            trace("# ports {}: 0x{:x} +0x{:x}", i, mm->pio[i].base, mm->pio[i].size);
        if (!mm->edu || mm->pio.empty()) {
            std::fprintf(stderr, "fuzz device: edu or an I/O BAR is missing\n");
            std::abort();
        }
        return mm;
    }();
    return *m;
}

// --- the input ---

class Input {
public:
    Input(const uint8_t* data, size_t size) : m_data(data), m_size(size) {}
    bool empty() const { return m_pos >= m_size; }
    template <typename T>
    T take() {
        T v{};
        size_t n = std::min(sizeof(T), m_size - std::min(m_pos, m_size));
        std::memcpy(&v, m_data + m_pos, n);
        m_pos += sizeof(T);
        return v;
    }
    unsigned size() { return 1u << (take<uint8_t>() & 3); } // 1, 2, 4, 8

private:
    const uint8_t* m_data;
    size_t m_size;
    size_t m_pos = 0;
};

enum Op : uint8_t {
    OP_MMIO_READ,
    OP_MMIO_WRITE,
    OP_PIO_READ,
    OP_PIO_WRITE,
    OP_CFG_READ,
    OP_CFG_WRITE,
    OP_CLOCK_STEP,
    OP_CLOCK_NEXT,
    OP_EDU_DMA,
    OP_RAM_WRITE,
    OP_COUNT
};

// An address of `r` at which `size` bytes fit (when the region is that big).
hwaddr pick(const Region& r, uint32_t offset, unsigned size) {
    uint64_t span = r.size > size ? r.size - size + 1 : 1;
    return r.base + offset % span;
}

struct Budget {
    int64_t clock_left = kMaxClock;
    void step(int64_t ns) {
        ns = std::clamp<int64_t>(ns, 0, clock_left);
        clock_left -= ns;
        int64_t to = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + ns;
        trace("clock_step {}", ns);
        virtual_clock_step_to(to);
    }
};

void run_op(Machine& m, Input& in, Budget& budget) {
    uint8_t op = in.take<uint8_t>() % OP_COUNT;
    switch (op) {
    case OP_MMIO_READ:
    case OP_MMIO_WRITE: {
        const Region& r = m.mmio[in.take<uint8_t>() % m.mmio.size()];
        unsigned size = in.size();
        hwaddr addr = pick(r, in.take<uint32_t>(), size);
        if (op == OP_MMIO_READ) {
            trace("read{} 0x{:x}", suffix(size), addr);
            (void)address_space_ld(sys(), addr, size, nullptr);
        } else {
            uint64_t v = in.take<uint64_t>();
            trace("write{} 0x{:x} 0x{:x}", suffix(size), addr, v & (~0ull >> (64 - 8 * size)));
            (void)address_space_st(sys(), addr, v, size);
        }
        break;
    }
    case OP_PIO_READ:
    case OP_PIO_WRITE: {
        // Ports through the PCI I/O window, as qtest's in/out do; 8 bytes
        // too, which qtest can only say as a readq/writeq of the window.
        const Region& r = m.pio[in.take<uint8_t>() % m.pio.size()];
        unsigned size = in.size();
        hwaddr port = pick(r, in.take<uint16_t>(), size);
        hwaddr addr = kPciIoBase + port;
        const char* dir = op == OP_PIO_READ ? "in" : "out";
        if (op == OP_PIO_READ) {
            if (size == 8)
                trace("readq 0x{:x}", addr);
            else
                trace("{}{} 0x{:x}", dir, suffix(size), port);
            (void)address_space_ld(sys(), addr, size, nullptr);
        } else {
            uint64_t v = in.take<uint64_t>() & (~0ull >> (64 - 8 * size));
            if (size == 8)
                trace("writeq 0x{:x} 0x{:x}", addr, v);
            else
                trace("{}{} 0x{:x} 0x{:x}", dir, suffix(size), port, v);
            (void)address_space_st(sys(), addr, v, size);
        }
        break;
    }
    case OP_CFG_READ:
    case OP_CFG_WRITE: {
        // Mostly the functions that exist; now and then any devfn.
        uint8_t sel = in.take<uint8_t>();
        unsigned devfn = sel & 0x80 ? sel & 0x7f : m.functions[sel % m.functions.size()];
        unsigned size = in.size();
        hwaddr addr = ecam(devfn, in.take<uint16_t>() % (0x1000 - size + 1));
        if (op == OP_CFG_READ) {
            trace("read{} 0x{:x}", suffix(size), addr);
            (void)address_space_ld(sys(), addr, size, nullptr);
        } else {
            uint64_t v = in.take<uint64_t>();
            trace("write{} 0x{:x} 0x{:x}", suffix(size), addr, v & (~0ull >> (64 - 8 * size)));
            (void)address_space_st(sys(), addr, v, size);
        }
        break;
    }
    case OP_CLOCK_STEP: budget.step(in.take<uint32_t>()); break; // up to ~4.3 s
    case OP_CLOCK_NEXT: {
        int64_t deadline = virtual_clock_deadline_ns();
        if (deadline >= 0) budget.step(deadline - qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL));
        break;
    }
    case OP_EDU_DMA: {
        // A transfer between edu's buffer and the DMA window; counts may run
        // past the buffer, which edu must refuse.
        uint8_t flags = in.take<uint8_t>();
        uint64_t ram = kDmaWindow + in.take<uint16_t>() % kDmaWindowSize;
        uint64_t buf = kEduDmaBuffer + in.take<uint16_t>() % 0x1100;
        uint64_t count = in.take<uint16_t>() % 0x1100;
        bool to_ram = flags & 2;
        uint64_t cmd = 1 | (flags & 6);
        std::pair<hwaddr, uint64_t> regs[] = {
            {0x80, to_ram ? buf : ram}, {0x88, to_ram ? ram : buf}, {0x90, count}, {0x98, cmd}};
        for (auto [reg, v] : regs) {
            trace("writeq 0x{:x} 0x{:x}", m.edu + reg, v);
            (void)address_space_stq(sys(), m.edu + reg, v);
        }
        if (flags & 8) budget.step(100 * SCALE_MS); // edu's DMA timer
        break;
    }
    case OP_RAM_WRITE: {
        // Data for DMA to carry: up to 64 bytes of the input into the window.
        uint64_t addr = kDmaWindow + in.take<uint16_t>() % kDmaWindowSize;
        uint8_t bytes[64];
        size_t n = std::min<size_t>(in.take<uint8_t>() % 65, kDmaWindow + kDmaWindowSize - addr);
        for (size_t i = 0; i < n; i++)
            bytes[i] = in.take<uint8_t>();
        if (tracing()) {
            std::string hex;
            for (size_t i = 0; i < n; i++)
                hex += fmt::format("{:02x}", bytes[i]);
            trace("write 0x{:x} {} 0x{}", addr, n, hex);
        }
        (void)address_space_write(sys(), addr, bytes, n);
        break;
    }
    default: break;
    }
}

// A reset machine, as firmware leaves it.
void reset(Vm& vm, const Machine& m) {
    // One flat view for the whole reset and BAR placement, not one per
    // BAR and command write: rendering it is most of an empty input's time.
    memory_region_transaction_begin();
    vm.reset();
    pci_assign(m);
    memory_region_transaction_commit();
    // Whatever the last input left armed (edu's DMA) fires now, on reset
    // devices; then time starts from a whole second.
    int64_t next = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) / (1000 * SCALE_MS) + 2;
    virtual_clock_step_to(next * 1000 * SCALE_MS);
    static const std::vector<uint8_t> zeros(kDmaWindowSize);
    (void)address_space_write(sys(), kDmaWindow, zeros.data(), zeros.size());
}

} // namespace
} // namespace mq::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    mq::fuzz::machine();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace mq::fuzz;
    Machine& m = machine();
    {
        mq::BqlGuard bql;
        reset(*m.vm, m);
        Input in(data, size);
        Budget budget;
        for (int ops = 0; ops < kMaxOps && !in.empty(); ops++)
            run_op(m, in, budget);
    }
    // edu's factorial worker and posted handlers get their turn.
    fuzz_drain_main_loop();
    return 0;
}
