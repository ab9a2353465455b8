// edu: QEMU's educational PCI device (QEMU: hw/misc/edu.c, docs/specs/edu.rst).
//
// A driver-writing exercise in one BAR: an identification register, a
// liveness check, a factorial computed by a real worker thread, interrupt
// raise/acknowledge, and a small DMA engine with a 4 KiB buffer.
//
// Where QEMU 7.2 aborts the whole process on a DMA transfer that does not fit
// the buffer (and refuses the full 4096 bytes by an off-by-one), this edu
// accepts every transfer inside the buffer and rejects the rest with a
// guest_errors line; the emulator keeps running.
#include "core/log.h"
#include "core/main-loop.h"
#include "core/module.h"
#include "core/timer.h"
#include "hw/pci/pci.h"

#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace mq {

namespace {

// --- register map (BAR0, 1 MiB) ---
constexpr hwaddr EDU_ID = 0x00;         // RO 0x010000ed: major 1, minor 0
constexpr hwaddr EDU_LIVENESS = 0x04;   // RW: stores the inverse of what is written
constexpr hwaddr EDU_FACTORIAL = 0x08;  // RW: n in, n! out
constexpr hwaddr EDU_STATUS = 0x20;     // RW: 0x01 computing (RO), 0x80 irq on completion
constexpr hwaddr EDU_IRQ_STATUS = 0x24; // RO
constexpr hwaddr EDU_IRQ_RAISE = 0x60;  // WO
constexpr hwaddr EDU_IRQ_ACK = 0x64;    // WO
constexpr hwaddr EDU_DMA_SRC = 0x80;
constexpr hwaddr EDU_DMA_DST = 0x88;
constexpr hwaddr EDU_DMA_COUNT = 0x90;
constexpr hwaddr EDU_DMA_CMD = 0x98;

constexpr uint32_t STATUS_COMPUTING = 0x01;
constexpr uint32_t STATUS_IRQFACT = 0x80;
constexpr uint32_t FACT_IRQ = 0x001;
constexpr uint32_t DMA_IRQ = 0x100;
constexpr uint64_t DMA_RUN = 0x1;
constexpr uint64_t DMA_TO_RAM = 0x2; // direction: device -> RAM when set
constexpr uint64_t DMA_IRQ_ON_DONE = 0x4;
constexpr hwaddr DMA_START = 0x40000; // the buffer's address as the device sees it
constexpr hwaddr DMA_SIZE = 4096;
constexpr uint64_t DMA_MASK_DEFAULT = (1ull << 28) - 1;

// --- state ---
struct EduState : PCIDevice {
    static constexpr const char* type = "edu";
    MemoryRegion mmio;

    // The factorial worker. `fact` is shared with it under thr_mutex;
    // `status` is atomic because the worker clears COMPUTING without the big lock.
    std::thread thread;
    std::mutex thr_mutex;
    std::condition_variable thr_cond;
    bool stopping = false;

    uint32_t addr4 = 0;
    uint32_t fact = 0;
    std::atomic<uint32_t> status{0};
    uint32_t irq_status = 0; // under the big lock

    struct {
        uint64_t src = 0, dst = 0, cnt = 0, cmd = 0;
    } dma;
    std::unique_ptr<QEMUTimer> dma_timer;
    std::array<uint8_t, DMA_SIZE> dma_buf{};
    uint64_t dma_mask = DMA_MASK_DEFAULT;

    void stop_worker();
    ~EduState() override { stop_worker(); }
};

void edu_raise_irq(EduState& edu, uint32_t val) {
    edu.irq_status |= val;
    if (!edu.irq_status) return;
    if (msi_enabled(&edu)) {
        msi_notify(&edu, 0);
    } else {
        pci_set_irq(&edu, 1);
    }
}

void edu_lower_irq(EduState& edu, uint32_t val) {
    edu.irq_status &= ~val;
    if (!edu.irq_status && !msi_enabled(&edu)) pci_set_irq(&edu, 0);
}

// Whether [start, start+size) lies inside the buffer; a transfer that does
// not is the guest's mistake, and is logged.
bool edu_check_range(uint64_t start, uint64_t size) {
    uint64_t end = start + size;
    if (end >= start && start >= DMA_START && end <= DMA_START + DMA_SIZE) return true;
    qemu_log_mask(LOG_GUEST_ERROR,
                  "edu: DMA range 0x{:016x}-0x{:016x} out of bounds (0x{:016x}-0x{:016x}), "
                  "transfer rejected",
                  start, end - 1, DMA_START, DMA_START + DMA_SIZE - 1);
    return false;
}

uint64_t edu_clamp_addr(const EduState& edu, uint64_t addr) {
    uint64_t res = addr & edu.dma_mask;
    if (addr != res) {
        qemu_log_mask(LOG_GUEST_ERROR, "edu: clamping DMA 0x{:016x} to 0x{:016x}", addr, res);
    }
    return res;
}

// 100 ms of virtual time after the start: move the data, finish the command.
void edu_dma_timer(EduState& edu) {
    if (!(edu.dma.cmd & DMA_RUN)) return;
    if (!(edu.dma.cmd & DMA_TO_RAM)) {
        if (edu_check_range(edu.dma.dst, edu.dma.cnt)) {
            pci_dma_read(&edu, edu_clamp_addr(edu, edu.dma.src),
                         edu.dma_buf.data() + (edu.dma.dst - DMA_START), edu.dma.cnt);
        }
    } else {
        if (edu_check_range(edu.dma.src, edu.dma.cnt)) {
            pci_dma_write(&edu, edu_clamp_addr(edu, edu.dma.dst),
                          edu.dma_buf.data() + (edu.dma.src - DMA_START), edu.dma.cnt);
        }
    }
    edu.dma.cmd &= ~DMA_RUN;
    if (edu.dma.cmd & DMA_IRQ_ON_DONE) edu_raise_irq(edu, DMA_IRQ);
}

// A DMA register write is ignored while a transfer runs.
void edu_dma_write(EduState& edu, uint64_t& reg, uint64_t val) {
    if (edu.dma.cmd & DMA_RUN) return;
    reg = val;
}

// --- MMIO ---
uint64_t edu_mmio_read(EduState& edu, hwaddr addr, unsigned size) {
    uint64_t val = ~0ull;
    // Below 0x80 only 32-bit accesses mean anything; from 0x80 on, 32 or 64.
    if (addr < 0x80 && size != 4) return val;
    if (addr >= 0x80 && size != 4 && size != 8) return val;
    switch (addr) {
    case EDU_ID: return 0x010000ed;
    case EDU_LIVENESS: return edu.addr4;
    case EDU_FACTORIAL: {
        std::lock_guard g(edu.thr_mutex);
        return edu.fact;
    }
    case EDU_STATUS: return edu.status.load();
    case EDU_IRQ_STATUS: return edu.irq_status;
    case EDU_DMA_SRC: return edu.dma.src;
    case EDU_DMA_DST: return edu.dma.dst;
    case EDU_DMA_COUNT: return edu.dma.cnt;
    case EDU_DMA_CMD: return edu.dma.cmd;
    default: return val;
    }
}

void edu_mmio_write(EduState& edu, hwaddr addr, uint64_t val, unsigned size) {
    if (addr < 0x80 && size != 4) return;
    if (addr >= 0x80 && size != 4 && size != 8) return;
    switch (addr) {
    case EDU_LIVENESS: edu.addr4 = static_cast<uint32_t>(~val); break;
    case EDU_FACTORIAL:
        if (edu.status.load() & STATUS_COMPUTING) break;
        {
            // COMPUTING only goes 0 -> 1 here, under the big lock.
            std::lock_guard g(edu.thr_mutex);
            edu.fact = static_cast<uint32_t>(val);
            edu.status.fetch_or(STATUS_COMPUTING);
        }
        edu.thr_cond.notify_one();
        break;
    case EDU_STATUS:
        if (val & STATUS_IRQFACT) {
            edu.status.fetch_or(STATUS_IRQFACT);
        } else {
            edu.status.fetch_and(~STATUS_IRQFACT);
        }
        break;
    case EDU_IRQ_RAISE: edu_raise_irq(edu, static_cast<uint32_t>(val)); break;
    case EDU_IRQ_ACK: edu_lower_irq(edu, static_cast<uint32_t>(val)); break;
    case EDU_DMA_SRC: edu_dma_write(edu, edu.dma.src, val); break;
    case EDU_DMA_DST: edu_dma_write(edu, edu.dma.dst, val); break;
    case EDU_DMA_COUNT: edu_dma_write(edu, edu.dma.cnt, val); break;
    case EDU_DMA_CMD:
        if (!(val & DMA_RUN) || (edu.dma.cmd & DMA_RUN)) break;
        edu.dma.cmd = val;
        edu.dma_timer->mod(qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) + 100);
        break;
    default: break;
    }
}

MemoryRegionOps edu_mmio_ops(EduState& edu) {
    MemoryRegionOps ops;
    ops.read = [&edu](hwaddr addr, unsigned size) { return edu_mmio_read(edu, addr, size); };
    ops.write = [&edu](hwaddr addr, uint64_t val, unsigned size) {
        edu_mmio_write(edu, addr, val, size);
    };
    ops.valid.min_access_size = 4;
    ops.valid.max_access_size = 8;
    ops.impl.min_access_size = 4;
    ops.impl.max_access_size = 8;
    return ops;
}

// The worker: waits for COMPUTING, computes n! (32-bit wraparound), clears
// COMPUTING and, if asked, raises the interrupt under the big lock. A thread
// on purpose: drivers must poll the status or take the interrupt.
void edu_fact_thread(EduState& edu) {
    for (;;) {
        uint32_t val;
        {
            std::unique_lock g(edu.thr_mutex);
            edu.thr_cond.wait(
                g, [&] { return (edu.status.load() & STATUS_COMPUTING) || edu.stopping; });
            if (edu.stopping) return;
            val = edu.fact;
        }
        uint32_t ret = 1;
        while (val > 0)
            ret *= val--;
        {
            std::lock_guard g(edu.thr_mutex);
            edu.fact = ret;
        }
        edu.status.fetch_and(~STATUS_COMPUTING);
        if (edu.status.load() & STATUS_IRQFACT) {
            BqlGuard bql;
            edu_raise_irq(edu, FACT_IRQ);
        }
    }
}

// --- class and life cycle ---
void EduState::stop_worker() {
    if (!thread.joinable()) return;
    {
        std::lock_guard g(thr_mutex);
        stopping = true;
    }
    thr_cond.notify_one();
    // The worker may be waiting for the big lock to raise its interrupt.
    if (bql_locked()) {
        BqlUnlockGuard unlocked;
        thread.join();
    } else {
        thread.join();
    }
}

Status edu_realize(PCIDevice& pdev) {
    auto& edu = static_cast<EduState&>(pdev);
    pdev.config[PCI_INTERRUPT_PIN] = 1; // INTA
    if (auto st = msi_init(&pdev, 0, 1, true); !st) return st;
    edu.dma_timer = std::make_unique<QEMUTimer>(SCALE_MS, [&edu] { edu_dma_timer(edu); });
    memory_region_init_io(&edu.mmio, &edu, edu_mmio_ops(edu), "edu-mmio", 1 << 20);
    pci_register_bar(&pdev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY, &edu.mmio);
    edu.thread = std::thread(edu_fact_thread, std::ref(edu));
    return {};
}

void edu_exit(PCIDevice& pdev) {
    auto& edu = static_cast<EduState&>(pdev);
    edu.stop_worker();
    edu.dma_timer.reset();
}

void edu_class_init(ObjectClass& klass) {
    auto& k = class_cast<PCIDeviceClass>(klass);
    k.realize = edu_realize;
    k.exit = edu_exit;
    k.vendor_id = PCI_VENDOR_ID_QEMU;
    k.device_id = 0x11e8;
    k.revision = 0x10;
    k.class_id = PCI_CLASS_OTHERS;
    device_class_set_category(k, DEVICE_CATEGORY_MISC);
    device_class_set_props(k, {qdev_prop("dma_mask", &EduState::dma_mask, DMA_MASK_DEFAULT,
                                         "mask ANDed with the RAM side of DMA addresses")});
}

void register_edu_type() {
    type_register_static(TypeInfo{
        .name = EduState::type,
        .parent = TYPE_PCI_DEVICE,
        .instance_new = new_instance<EduState>,
        .class_init = edu_class_init,
        .interfaces = {INTERFACE_CONVENTIONAL_PCI_DEVICE},
    });
}

} // namespace

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_edu_type);
