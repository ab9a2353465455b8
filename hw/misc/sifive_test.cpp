// The SiFive test finisher (QEMU: hw/misc/sifive_test.c): how a guest on
// virt powers off, reports a status, or resets. A 32-bit write to offset 0:
//   0x5555                  power off, exit status 0
//   (code << 16) | 0x3333   power off, exit status `code`
//   0x7777                  reset (an exit with -no-reboot)
#include "core/log.h"
#include "core/main-loop.h"
#include "core/module.h"
#include "core/qdev/sysbus.h"

namespace mq {

namespace {

constexpr uint32_t FINISHER_FAIL = 0x3333;
constexpr uint32_t FINISHER_PASS = 0x5555;
constexpr uint32_t FINISHER_RESET = 0x7777;

struct SiFiveTestState : SysBusDevice {
    static constexpr const char* type = "riscv.sifive.test";
    MemoryRegion mmio;
};

void sifive_test_write(hwaddr addr, uint64_t val) {
    if (addr == 0) {
        uint32_t status = val & 0xffff;
        int code = static_cast<int>((val >> 16) & 0xffff);
        switch (status) {
        case FINISHER_FAIL:
            qemu_system_shutdown_request(ShutdownCause::GuestShutdown, code);
            return;
        case FINISHER_PASS: qemu_system_shutdown_request(ShutdownCause::GuestShutdown, 0); return;
        case FINISHER_RESET: qemu_system_reset_request(); return;
        default: break;
        }
    }
    qemu_log_mask(LOG_GUEST_ERROR, "sifive_test_write: write: addr=0x{:x} val=0x{:016x}", addr,
                  val);
}

void sifive_test_instance_init(Object& obj) {
    auto& s = static_cast<SiFiveTestState&>(obj);
    MemoryRegionOps ops;
    ops.read = [](hwaddr, unsigned) -> uint64_t { return 0; };
    ops.write = [](hwaddr addr, uint64_t val, unsigned) { sifive_test_write(addr, val); };
    ops.valid.min_access_size = 2;
    ops.valid.max_access_size = 4;
    memory_region_init_io(&s.mmio, &s, std::move(ops), SiFiveTestState::type, 0x1000);
    sysbus_init_mmio(&s, &s.mmio);
}

void register_sifive_test_type() {
    type_register_static(TypeInfo{
        .name = SiFiveTestState::type,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_new = new_instance<SiFiveTestState>,
        .instance_init = sifive_test_instance_init,
    });
}

} // namespace

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_sifive_test_type);
