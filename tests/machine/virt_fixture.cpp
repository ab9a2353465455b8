#include "tests/machine/virt_fixture.h"

#include "core/log.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

namespace mq::test {

// ---------------------------------------------------------------------------
// ECAM and the PCI driver
// ---------------------------------------------------------------------------

uint32_t pci_cfg_read32(int slot, int fn, unsigned reg) {
    return address_space_ldl(address_space_memory(), ecam_address(0, slot, fn, reg & ~3u));
}

void pci_cfg_write32(int slot, int fn, unsigned reg, uint32_t value) {
    (void)address_space_stl(address_space_memory(), ecam_address(0, slot, fn, reg & ~3u), value);
}

uint16_t pci_cfg_read16(int slot, int fn, unsigned reg) {
    return static_cast<uint16_t>(pci_cfg_read32(slot, fn, reg) >> (8 * (reg & 2)));
}

uint8_t pci_cfg_read8(int slot, int fn, unsigned reg) {
    return static_cast<uint8_t>(pci_cfg_read32(slot, fn, reg) >> (8 * (reg & 3)));
}

void pci_set_command(int slot, int fn, uint16_t command) {
    pci_cfg_write32(slot, fn, 0x04, command);
}

namespace {

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

void size_bars(PciFunction& f) {
    for (int i = 0; i < 6; i++) {
        unsigned reg = 0x10 + 4 * i;
        uint32_t orig = pci_cfg_read32(f.slot, f.fn, reg);
        pci_cfg_write32(f.slot, f.fn, reg, 0xffffffff);
        uint32_t mask = pci_cfg_read32(f.slot, f.fn, reg);
        pci_cfg_write32(f.slot, f.fn, reg, orig);
        if (mask == 0) continue;
        PciBar& b = f.bars[i];
        b.present = true;
        b.sizing_mask = mask;
        b.io = mask & 1;
        if (b.io) {
            b.size = (~(mask & ~3u) + 1) & 0xffff;
            continue;
        }
        b.is64 = ((mask >> 1) & 3) == 2;
        b.prefetch = (mask >> 3) & 1;
        uint64_t full = mask & ~0xfu;
        if (b.is64) {
            uint32_t hi_orig = pci_cfg_read32(f.slot, f.fn, reg + 4);
            pci_cfg_write32(f.slot, f.fn, reg + 4, 0xffffffff);
            b.sizing_mask_hi = pci_cfg_read32(f.slot, f.fn, reg + 4);
            pci_cfg_write32(f.slot, f.fn, reg + 4, hi_orig);
            full |= uint64_t(b.sizing_mask_hi) << 32;
        } else {
            full |= 0xffffffff00000000ull;
        }
        b.size = ~full + 1;
        if (b.is64) i++; // the upper half is not a BAR of its own
    }
}

} // namespace

std::vector<PciFunction> pci_scan() {
    std::vector<PciFunction> found;
    for (int slot = 0; slot < 32; slot++) {
        for (int fn = 0; fn < 8; fn++) {
            uint32_t id = pci_cfg_read32(slot, fn, 0x00);
            if ((id & 0xffff) == 0xffff) {
                if (fn == 0) break;
                continue;
            }
            PciFunction f;
            f.slot = slot;
            f.fn = fn;
            f.vendor = id & 0xffff;
            f.device = static_cast<uint16_t>(id >> 16);
            uint32_t class_rev = pci_cfg_read32(slot, fn, 0x08);
            f.revision = class_rev & 0xff;
            f.class_code = class_rev >> 8;
            f.header_type = pci_cfg_read8(slot, fn, 0x0e);
            f.interrupt_pin = pci_cfg_read8(slot, fn, 0x3d);
            // Size with decode off, so that all-ones never shows up as an address.
            uint16_t command = pci_cfg_read16(slot, fn, 0x04);
            pci_set_command(slot, fn, command & ~0x3);
            size_bars(f);
            pci_set_command(slot, fn, command);
            found.push_back(f);
            if (fn == 0 && !(f.header_type & 0x80)) break;
        }
    }
    return found;
}

void pci_assign(std::vector<PciFunction>& functions) {
    uint64_t mmio = kPciMmioBase;
    uint64_t mmio_high = kPciMmioHighBase;
    uint64_t io = kPciIoFirst;
    for (PciFunction& f : functions) {
        for (int i = 0; i < 6; i++) {
            PciBar& b = f.bars[i];
            if (!b.present) continue;
            unsigned reg = 0x10 + 4 * i;
            uint64_t& next = b.io ? io : (b.is64 && b.prefetch) ? mmio_high : mmio;
            b.addr = next = align_up(next, b.size);
            next += b.size;
            pci_cfg_write32(f.slot, f.fn, reg, static_cast<uint32_t>(b.addr));
            if (b.is64) pci_cfg_write32(f.slot, f.fn, reg + 4, static_cast<uint32_t>(b.addr >> 32));
        }
        pci_set_command(f.slot, f.fn, 0x0007); // I/O, memory, bus master
    }
}

const PciFunction* pci_find(const std::vector<PciFunction>& functions, uint16_t vendor,
                            uint16_t device) {
    for (const auto& f : functions) {
        if (f.vendor == vendor && f.device == device) return &f;
    }
    return nullptr;
}

// ---------------------------------------------------------------------------
// The machine
// ---------------------------------------------------------------------------

namespace {

// Keeps guest_errors lines in memory, for tests to look at.
class CaptureSink : public spdlog::sinks::base_sink<std::mutex> {
public:
    std::vector<std::string> take() {
        std::lock_guard g(mutex_);
        return std::exchange(m_lines, {});
    }

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        m_lines.emplace_back(msg.payload.data(), msg.payload.size());
    }
    void flush_() override {}

private:
    std::vector<std::string> m_lines;
};

std::shared_ptr<CaptureSink>& guest_error_sink() {
    static auto sink = std::make_shared<CaptureSink>();
    return sink;
}

} // namespace

std::function<std::vector<std::string>()>& VirtMachine::extra_args() {
    static std::function<std::vector<std::string>()> extra;
    return extra;
}

const std::vector<const char*>& VirtMachine::command_line() {
    static const std::vector<const char*> common = {
        "miniqemu", "-M",
        "virt",     "-m",
        "256M",     "-bios",
        "none", // no firmware and no default guest: nothing runs, the tests drive
        "-device",  "edu,id=edu1,dma_mask=0xffffffff",
        "-device",  "pci-testdev,id=testdev,membar=1M",
        "-device",  "strng,id=strng",
        "-serial",  "ringbuf",
        "-monitor", "none",
    };
    static const std::vector<std::string> extra =
        extra_args() ? extra_args()() : std::vector<std::string>{};
    static const std::vector<const char*> argv = [] {
        std::vector<const char*> all = common;
        for (const auto& a : extra)
            all.push_back(a.c_str());
        return all;
    }();
    return argv;
}

VirtMachine::VirtMachine() {
    // Virtual time moves only when a test steps it, as under qtest.
    virtual_clock_set_mode(VirtualClockMode::Stepped);
    const auto& argv = command_line();
    InitResult init = qemu_init(static_cast<int>(argv.size()), argv.data());
    if (!init.vm) {
        std::fprintf(stderr, "device tests: cannot build the virt machine (exit status %d)\n",
                     init.exit_status);
        std::abort();
    }
    m_vm = std::move(init.vm);

    qemu_logger(LOG_GUEST_ERROR).sinks() = {guest_error_sink()};
    qemu_set_log(LOG_GUEST_ERROR);

    BqlGuard bql;
    m_vm->reset();
    auto pci = pci_scan();
    pci_assign(pci);
    if (const PciFunction* edu = pci_find(pci, 0x1234, 0x11e8)) {
        m_edu_liveness_at_start =
            address_space_ldl(address_space_memory(), edu->bars[0].addr + 0x04);
    } else {
        m_edu_liveness_at_start = 0xbad;
    }
}

VirtMachine& VirtMachine::get() {
    // Never destroyed: the machine belongs to the composition tree, and
    // edu's worker thread lives as long as the process.
    static VirtMachine* machine = new VirtMachine();
    return *machine;
}

RISCVVirtState& VirtMachine::board() { return static_cast<RISCVVirtState&>(m_vm->machine()); }

RingBufChardev& VirtMachine::serial() {
    auto* chr = dynamic_cast<RingBufChardev*>(serial_hd(0));
    if (!chr) {
        std::fprintf(stderr, "device tests: serial0 is not a ringbuf chardev\n");
        std::abort();
    }
    return *chr;
}

std::vector<std::string> VirtMachine::take_guest_errors() { return guest_error_sink()->take(); }

// ---------------------------------------------------------------------------
// The per-test fixture
// ---------------------------------------------------------------------------

void VirtTest::SetUp() {
    VirtMachine& m = machine();
    m_bql.emplace();
    m.vm().reset();
    // Let whatever a previous test left scheduled fire now, on a reset
    // machine; then start from a whole millisecond, so that millisecond
    // timers (edu's DMA) fall exactly 100 ms after they are armed.
    int64_t next_ms = now_ns() / SCALE_MS + 1000;
    virtual_clock_step_to(next_ms * SCALE_MS);
    (void)m.serial().take_output();
    (void)m.take_guest_errors();

    m_pci = pci_scan();
    pci_assign(m_pci);
    m_host = pci_find(m_pci, 0x1b36, 0x0008);
    m_edu = pci_find(m_pci, 0x1234, 0x11e8);
    m_testdev = pci_find(m_pci, 0x1b36, 0x0005);
    m_strng = pci_find(m_pci, 0x1234, 0x11e9);
    ASSERT_NE(m_host, nullptr);
    ASSERT_NE(m_edu, nullptr);
    ASSERT_NE(m_testdev, nullptr);
    ASSERT_NE(m_strng, nullptr);
}

void VirtTest::TearDown() { m_bql.reset(); }

bool VirtTest::wait_for(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (pred()) return true;
        if (std::chrono::steady_clock::now() > deadline) return false;
        BqlUnlockGuard unlocked;
        auto& ctx = main_loop_context();
        ctx.restart();
        if (ctx.poll() == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
}

void VirtTest::run_main_loop() {
    BqlUnlockGuard unlocked;
    auto& ctx = main_loop_context();
    ctx.restart();
    ctx.poll();
}

// ---------------------------------------------------------------------------
// Golden files
// ---------------------------------------------------------------------------

std::string golden_path(const std::string& name) { return std::string(MQ_GOLDEN_DIR) + "/" + name; }

std::string read_golden(const std::string& name) {
    std::ifstream in(golden_path(name), std::ios::binary);
    if (!in) return "<missing golden file " + golden_path(name) + ">";
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void maybe_update_golden(const std::string& name, const std::string& actual) {
    const char* update = std::getenv("MQ_UPDATE_GOLDEN");
    if (!update || std::string(update) != "1") return;
    std::ofstream out(golden_path(name), std::ios::binary);
    out << actual;
}

} // namespace mq::test
