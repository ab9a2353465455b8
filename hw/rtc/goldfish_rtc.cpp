// The Goldfish real-time clock (QEMU: hw/rtc/goldfish_rtc.c; Android's
// goldfish virtual platform): nanoseconds since the epoch, and one alarm.
//   0x00 TIME_LOW   reading it latches TIME_HIGH
//   0x04 TIME_HIGH  0x08 ALARM_LOW (writing it arms the alarm)  0x0c ALARM_HIGH
//   0x10 IRQ_ENABLED  0x14 CLEAR_ALARM  0x18 ALARM_STATUS  0x1c CLEAR_INTERRUPT
#include "core/log.h"
#include "core/module.h"
#include "core/qdev/sysbus.h"
#include "core/timer.h"

namespace mq {

namespace {

constexpr hwaddr RTC_TIME_LOW = 0x00;
constexpr hwaddr RTC_TIME_HIGH = 0x04;
constexpr hwaddr RTC_ALARM_LOW = 0x08;
constexpr hwaddr RTC_ALARM_HIGH = 0x0c;
constexpr hwaddr RTC_IRQ_ENABLED = 0x10;
constexpr hwaddr RTC_CLEAR_ALARM = 0x14;
constexpr hwaddr RTC_ALARM_STATUS = 0x18;
constexpr hwaddr RTC_CLEAR_INTERRUPT = 0x1c;

struct GoldfishRTCState : SysBusDevice {
    static constexpr const char* type = "goldfish_rtc";
    MemoryRegion iomem;
    QemuIrq irq;
    std::unique_ptr<QEMUTimer> timer;
    // The RTC's time minus its clock (-rtc clock=), modulo 2^64 (QEMU's tick_offset
    // is unsigned too): a guest may set any 64-bit time.
    uint64_t tick_offset = 0;
    uint64_t alarm_next = 0;
    uint32_t alarm_running = 0;
    uint32_t irq_pending = 0;
    uint32_t irq_enabled = 0;
    uint32_t time_high = 0;
};

uint64_t rtc_count(const GoldfishRTCState& s) {
    return static_cast<uint64_t>(qemu_clock_get_ns(rtc_clock())) + s.tick_offset;
}

void rtc_update(GoldfishRTCState& s) { qemu_set_irq(s.irq, s.irq_pending && s.irq_enabled); }

void rtc_raise_alarm(GoldfishRTCState& s) {
    s.alarm_running = 0;
    s.irq_pending = 1;
    rtc_update(s);
}

void rtc_clear_alarm(GoldfishRTCState& s) {
    s.timer->del();
    s.alarm_running = 0;
}

void rtc_set_alarm(GoldfishRTCState& s) {
    uint64_t now = rtc_count(s);
    if (s.alarm_next <= now) {
        rtc_clear_alarm(s);
        rtc_raise_alarm(s);
        return;
    }
    // Our timers run on the virtual clock: arm it for the same distance. An
    // alarm further away than the virtual clock can count never fires. (QEMU
    // arms its host-clock timer at alarm_next - tick_offset taken as an
    // int64: an alarm 2^63 ns or more past the offset is below zero there,
    // and fires at once.)
    s.alarm_running = 1;
    uint64_t distance = s.alarm_next - now;
    int64_t vnow = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    if (distance > static_cast<uint64_t>(INT64_MAX - vnow)) {
        s.timer->del();
        return;
    }
    s.timer->mod_ns(vnow + static_cast<int64_t>(distance));
}

uint64_t rtc_read(GoldfishRTCState& s, hwaddr addr) {
    switch (addr) {
    case RTC_TIME_LOW: {
        uint64_t t = rtc_count(s);
        s.time_high = static_cast<uint32_t>(t >> 32);
        return t & 0xffffffff;
    }
    case RTC_TIME_HIGH: return s.time_high;
    case RTC_ALARM_LOW: return s.alarm_next & 0xffffffff;
    case RTC_ALARM_HIGH: return s.alarm_next >> 32;
    case RTC_IRQ_ENABLED: return s.irq_enabled;
    case RTC_ALARM_STATUS: return s.alarm_running;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "goldfish_rtc_read: offset 0x{:x} is UNIMP.", addr);
        return 0;
    }
}

void rtc_write(GoldfishRTCState& s, hwaddr addr, uint64_t value) {
    switch (addr) {
    case RTC_TIME_LOW: {
        uint64_t now = rtc_count(s);
        uint64_t target = (now & ~0xffffffffull) | (value & 0xffffffff);
        s.tick_offset += target - now;
        break;
    }
    case RTC_TIME_HIGH: {
        uint64_t now = rtc_count(s);
        uint64_t target = (now & 0xffffffff) | (value << 32);
        s.tick_offset += target - now;
        break;
    }
    case RTC_ALARM_LOW:
        s.alarm_next = (s.alarm_next & ~0xffffffffull) | (value & 0xffffffff);
        rtc_set_alarm(s);
        break;
    case RTC_ALARM_HIGH: s.alarm_next = (s.alarm_next & 0xffffffff) | (value << 32); break;
    case RTC_IRQ_ENABLED:
        s.irq_enabled = value & 1;
        rtc_update(s);
        break;
    case RTC_CLEAR_ALARM: rtc_clear_alarm(s); break;
    case RTC_CLEAR_INTERRUPT:
        s.irq_pending = 0;
        rtc_update(s);
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "goldfish_rtc_write: offset 0x{:x} is UNIMP.", addr);
        break;
    }
}

void rtc_instance_init(Object& obj) {
    auto& s = static_cast<GoldfishRTCState&>(obj);
    MemoryRegionOps ops;
    ops.read = [&s](hwaddr a, unsigned) { return rtc_read(s, a); };
    ops.write = [&s](hwaddr a, uint64_t v, unsigned) { rtc_write(s, a, v); };
    ops.valid.min_access_size = 4;
    ops.valid.max_access_size = 4;
    memory_region_init_io(&s.iomem, &s, std::move(ops), GoldfishRTCState::type, 0x24);
    sysbus_init_mmio(&s, &s.iomem);
    sysbus_init_irq(&s, &s.irq);
    s.timer = std::make_unique<QEMUTimer>(SCALE_NS, [&s] { rtc_raise_alarm(s); });
}

void rtc_reset(DeviceState& dev) {
    auto& s = static_cast<GoldfishRTCState&>(dev);
    rtc_clear_alarm(s);
    // -rtc: the date it should show now, against the clock it follows
    // (the host's by default, or the VM's with clock=vm).
    s.tick_offset = static_cast<uint64_t>(qemu_rtc_date_ns()) -
                    static_cast<uint64_t>(qemu_clock_get_ns(rtc_clock()));
    s.alarm_next = 0;
    s.irq_pending = 0;
    s.irq_enabled = 0;
    s.time_high = 0;
    rtc_update(s);
}

void rtc_class_init(ObjectClass& klass) { class_cast<DeviceClass>(klass).reset = rtc_reset; }

void register_goldfish_rtc_type() {
    type_register_static(TypeInfo{
        .name = GoldfishRTCState::type,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_new = new_instance<GoldfishRTCState>,
        .class_init = rtc_class_init,
        .instance_init = rtc_instance_init,
    });
}

} // namespace

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_goldfish_rtc_type);
