// Clocks and timers (QEMU: include/qemu/timer.h).
//
// QEMU_CLOCK_VIRTUAL is guest time: mtime and every device timer follow it.
// It runs in one of three modes:
//   - Realtime: it follows the host's monotonic clock while the VM runs and
//     stands still while the VM is stopped;
//   - Icount (-icount shift=N): it is the number of executed instructions
//     times 2^N ns, so a run is deterministic;
//   - Stepped: it moves only when told to (clock_step), as under qtest and in
//     the device tests, which run without a CPU.
// QEMU_CLOCK_REALTIME and QEMU_CLOCK_HOST are the host's monotonic and
// wall-clock time.
//
// A timer callback always runs under the big lock.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

namespace mq {

enum QEMUClockType { QEMU_CLOCK_REALTIME, QEMU_CLOCK_VIRTUAL, QEMU_CLOCK_HOST };

inline constexpr int64_t SCALE_NS = 1;
inline constexpr int64_t SCALE_US = 1000;
inline constexpr int64_t SCALE_MS = 1000000;
inline constexpr int64_t NANOSECONDS_PER_SECOND = 1000000000;

int64_t qemu_clock_get_ns(QEMUClockType type);
inline int64_t qemu_clock_get_us(QEMUClockType type) { return qemu_clock_get_ns(type) / SCALE_US; }
inline int64_t qemu_clock_get_ms(QEMUClockType type) { return qemu_clock_get_ns(type) / SCALE_MS; }

// A timer on the virtual clock.
class QEMUTimer {
public:
    QEMUTimer(int64_t scale, std::function<void()> callback);
    ~QEMUTimer();
    QEMUTimer(const QEMUTimer&) = delete;
    QEMUTimer& operator=(const QEMUTimer&) = delete;

    // Fires at `expire_time` (in the timer's scale) of the virtual clock.
    void mod(int64_t expire_time);
    void mod_ns(int64_t expire_ns);
    void del();
    bool pending() const;
    int64_t expire_time_ns() const { return m_expire_ns; }

private:
    friend class TimerList;
    int64_t m_scale;
    std::function<void()> m_callback;
    int64_t m_expire_ns = -1;
};

inline void timer_mod(QEMUTimer* t, int64_t expire_time) { t->mod(expire_time); }
inline void timer_del(QEMUTimer* t) { t->del(); }
inline bool timer_pending(const QEMUTimer* t) { return t->pending(); }

// -rtc: the clock the guest's real-time clock follows (host by default; vm
// stops with the VM and obeys -icount), and the date it starts from.
struct RtcBase {
    std::optional<int64_t> date_s; // base=DATE, in seconds since the epoch
    bool localtime = false;        // base=localtime
};
void rtc_configure(QEMUClockType clock, RtcBase base);
QEMUClockType rtc_clock();
// The date an RTC should show now, in ns since the epoch, as -rtc asks.
int64_t qemu_rtc_date_ns();

enum class VirtualClockMode { Realtime, Icount, Stepped };

void virtual_clock_set_mode(VirtualClockMode mode);
VirtualClockMode virtual_clock_mode();
// -icount shift=N: each instruction is 2^N ns.
void icount_configure(int shift);
int icount_shift();
// The executed-instruction count the Icount clock is built on (the CPU adds).
void icount_add(int64_t instructions);
int64_t icount_get();
// Realtime mode: the clock runs only while the VM does.
void virtual_clock_start();
void virtual_clock_stop();
bool virtual_clock_running();

// The next virtual-clock deadline in ns, or -1 when no timer is pending.
int64_t virtual_clock_deadline_ns();
// Runs the expired virtual timers (caller holds the big lock). Returns
// whether any ran.
bool virtual_clock_run_timers();
// Stepped mode: advances time to `target_ns`, firing timers in order along
// the way. Returns the new time.
int64_t virtual_clock_step_to(int64_t target_ns);
// Called whenever a timer's deadline moves earlier, so that whoever sleeps
// until the next deadline (a halted vCPU, the main loop) can wake up.
void virtual_clock_set_notifier(std::function<void()> notify);

} // namespace mq
