#include "core/timer.h"

#include <ctime>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <vector>

namespace mq {

namespace {

int64_t host_monotonic_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

struct VirtualClock {
    std::mutex lock; // guards the fields below and the timer list
    VirtualClockMode mode = VirtualClockMode::Realtime;
    // Realtime: virtual = host - offset while running; frozen while stopped.
    bool running = false;
    int64_t offset = 0;
    int64_t frozen = 0;
    // Stepped: the current time.
    int64_t stepped_now = 0;
    // Icount.
    int shift = 0;
    std::atomic<int64_t> icount{0};
    // Pending timers, soonest first.
    std::vector<QEMUTimer*> timers;
    std::function<void()> notify;

    int64_t now_locked() const {
        switch (mode) {
        case VirtualClockMode::Realtime: return running ? host_monotonic_ns() - offset : frozen;
        case VirtualClockMode::Icount: return icount.load(std::memory_order_relaxed) << shift;
        case VirtualClockMode::Stepped: return stepped_now;
        }
        return 0;
    }
};

VirtualClock& vclock() {
    static VirtualClock c;
    return c;
}

} // namespace

// The timer list lives in VirtualClock; this class is its friend interface.
class TimerList {
public:
    static void insert(QEMUTimer* t, int64_t expire_ns) {
        auto& c = vclock();
        std::function<void()> notify;
        {
            std::lock_guard g(c.lock);
            remove_locked(t);
            t->m_expire_ns = expire_ns;
            auto it = std::ranges::find_if(
                c.timers, [&](QEMUTimer* o) { return o->expire_time_ns() > expire_ns; });
            bool first = it == c.timers.begin();
            c.timers.insert(it, t);
            if (first) notify = c.notify;
        }
        if (notify) notify();
    }
    static void remove(QEMUTimer* t) {
        std::lock_guard g(vclock().lock);
        remove_locked(t);
    }
    static void remove_locked(QEMUTimer* t) {
        std::erase(vclock().timers, t);
        t->m_expire_ns = -1;
    }
    // Takes the first timer due at `now`, or null.
    static QEMUTimer* take_expired(int64_t now) {
        auto& c = vclock();
        std::lock_guard g(c.lock);
        if (c.timers.empty() || c.timers.front()->expire_time_ns() > now) return nullptr;
        QEMUTimer* t = c.timers.front();
        c.timers.erase(c.timers.begin());
        t->m_expire_ns = -1;
        return t;
    }
    static void fire(QEMUTimer* t) { t->m_callback(); }
};

QEMUTimer::QEMUTimer(int64_t scale, std::function<void()> callback)
    : m_scale(scale), m_callback(std::move(callback)) {}

QEMUTimer::~QEMUTimer() { del(); }

void QEMUTimer::mod(int64_t expire_time) { mod_ns(expire_time * m_scale); }
void QEMUTimer::mod_ns(int64_t expire_ns) {
    TimerList::insert(this, std::max<int64_t>(0, expire_ns));
}
void QEMUTimer::del() { TimerList::remove(this); }

bool QEMUTimer::pending() const {
    std::lock_guard g(vclock().lock);
    return m_expire_ns >= 0;
}

int64_t qemu_clock_get_ns(QEMUClockType type) {
    switch (type) {
    case QEMU_CLOCK_VIRTUAL: {
        auto& c = vclock();
        std::lock_guard g(c.lock);
        return c.now_locked();
    }
    case QEMU_CLOCK_HOST:
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    case QEMU_CLOCK_REALTIME:
    default: return host_monotonic_ns();
    }
}

namespace {
struct RtcSettings {
    QEMUClockType clock = QEMU_CLOCK_HOST;
    RtcBase base;
    int64_t ref_clock_ns = 0; // the rtc clock when -rtc was read
    int64_t ref_date_ns = 0;  // the date it stood for
    bool configured = false;
};
RtcSettings& rtc_settings() {
    static RtcSettings s;
    return s;
}
int64_t local_offset_ns(int64_t at_s) {
    time_t t = static_cast<time_t>(at_s);
    struct tm tm {};
    localtime_r(&t, &tm);
    return static_cast<int64_t>(tm.tm_gmtoff) * NANOSECONDS_PER_SECOND;
}
} // namespace

void rtc_configure(QEMUClockType clock, RtcBase base) {
    auto& r = rtc_settings();
    r.clock = clock;
    r.base = base;
    r.ref_clock_ns = qemu_clock_get_ns(clock);
    int64_t wall = qemu_clock_get_ns(QEMU_CLOCK_HOST);
    r.ref_date_ns = base.date_s      ? *base.date_s * NANOSECONDS_PER_SECOND
                    : base.localtime ? wall + local_offset_ns(wall / NANOSECONDS_PER_SECOND)
                                     : wall;
    r.configured = true;
}

QEMUClockType rtc_clock() { return rtc_settings().clock; }

int64_t qemu_rtc_date_ns() {
    auto& r = rtc_settings();
    if (!r.configured) return qemu_clock_get_ns(QEMU_CLOCK_HOST);
    // Wrapping arithmetic: a clock far off cannot overflow into UB.
    return static_cast<int64_t>(static_cast<uint64_t>(r.ref_date_ns) +
                                static_cast<uint64_t>(qemu_clock_get_ns(r.clock)) -
                                static_cast<uint64_t>(r.ref_clock_ns));
}

void virtual_clock_set_mode(VirtualClockMode mode) {
    auto& c = vclock();
    std::lock_guard g(c.lock);
    c.stepped_now = c.now_locked();
    c.mode = mode;
}

VirtualClockMode virtual_clock_mode() {
    std::lock_guard g(vclock().lock);
    return vclock().mode;
}

void icount_configure(int shift) {
    auto& c = vclock();
    std::lock_guard g(c.lock);
    c.shift = shift;
    c.mode = VirtualClockMode::Icount;
}

int icount_shift() { return vclock().shift; }
void icount_add(int64_t n) { vclock().icount.fetch_add(n, std::memory_order_relaxed); }
int64_t icount_get() { return vclock().icount.load(std::memory_order_relaxed); }

void virtual_clock_start() {
    auto& c = vclock();
    std::lock_guard g(c.lock);
    if (c.running) return;
    c.offset = host_monotonic_ns() - c.frozen;
    c.running = true;
}

void virtual_clock_stop() {
    auto& c = vclock();
    std::lock_guard g(c.lock);
    if (!c.running) return;
    c.frozen = host_monotonic_ns() - c.offset;
    c.running = false;
}

bool virtual_clock_running() {
    std::lock_guard g(vclock().lock);
    return vclock().running;
}

int64_t virtual_clock_deadline_ns() {
    auto& c = vclock();
    std::lock_guard g(c.lock);
    return c.timers.empty() ? -1 : c.timers.front()->expire_time_ns();
}

bool virtual_clock_run_timers() {
    bool ran = false;
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    while (QEMUTimer* t = TimerList::take_expired(now)) {
        TimerList::fire(t);
        ran = true;
    }
    return ran;
}

int64_t virtual_clock_step_to(int64_t target_ns) {
    auto& c = vclock();
    for (;;) {
        int64_t deadline = virtual_clock_deadline_ns();
        {
            std::lock_guard g(c.lock);
            if (deadline < 0 || deadline > target_ns) {
                c.stepped_now = std::max(c.stepped_now, target_ns);
                return c.stepped_now;
            }
            c.stepped_now = std::max(c.stepped_now, deadline);
        }
        virtual_clock_run_timers();
    }
}

void virtual_clock_set_notifier(std::function<void()> notify) {
    std::lock_guard g(vclock().lock);
    vclock().notify = std::move(notify);
}

} // namespace mq
