#include "core/main-loop.h"

#include "core/cpus.h"
#include "core/error.h"
#include "core/timer.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>

namespace mq {

namespace {

std::mutex g_bql;
thread_local bool t_bql_held = false;

std::atomic<ShutdownCause> g_shutdown{ShutdownCause::None};
std::atomic<int> g_exit_code{0};
std::atomic<bool> g_no_reboot{false};
std::atomic<bool> g_no_shutdown{false};
bool g_daemonized = false;
std::function<void()> g_reset_handler;

} // namespace

void bql_lock() {
    g_bql.lock();
    t_bql_held = true;
}

void bql_unlock() {
    t_bql_held = false;
    g_bql.unlock();
}

bool bql_locked() { return t_bql_held; }

boost::asio::io_context& main_loop_context() {
    static boost::asio::io_context context;
    return context;
}

void main_loop_post(std::function<void()> fn) {
    boost::asio::post(main_loop_context(), [fn = std::move(fn)] {
        BqlGuard guard;
        fn();
    });
}

void qemu_system_shutdown_request(ShutdownCause cause, int exit_code) {
    // The finisher and HTIF (GuestShutdown) are QEMU 7.2's exit(): nothing
    // holds them. A host's signal or quit neither.
    if (g_no_shutdown.load() &&
        (cause == ShutdownCause::GuestReset || cause == ShutdownCause::GuestPanic)) {
        main_loop_post([] { vm_stop_shutdown(); });
        return;
    }
    ShutdownCause expected = ShutdownCause::None;
    if (g_shutdown.compare_exchange_strong(expected, cause)) {
        g_exit_code.store(exit_code);
        main_loop_context().stop();
    }
}

void qemu_set_no_reboot(bool no_reboot) { g_no_reboot.store(no_reboot); }
void qemu_set_no_shutdown(bool no_shutdown) { g_no_shutdown.store(no_shutdown); }
void qemu_set_daemonized(bool daemonized) { g_daemonized = daemonized; }
bool is_daemonized() { return g_daemonized; }
void qemu_set_reset_handler(std::function<void()> handler) { g_reset_handler = std::move(handler); }

void qemu_system_reset_request() {
    if (g_no_reboot.load()) {
        qemu_system_shutdown_request(ShutdownCause::GuestReset, 0);
        return;
    }
    main_loop_post([] {
        if (g_reset_handler) g_reset_handler();
    });
}

ShutdownCause qemu_shutdown_requested() { return g_shutdown.load(); }
int qemu_shutdown_exit_code() { return g_exit_code.load(); }

namespace {

// Fires the virtual clock's timers from the main loop: sleeps until the
// next deadline (in host time, since the realtime clock follows it) and
// re-arms whenever a timer moves earlier.
struct TimerDriver {
    boost::asio::steady_timer timer{main_loop_context()};
    std::atomic<bool> enabled{false};

    void arm() {
        if (!enabled.load()) return;
        int64_t deadline = virtual_clock_deadline_ns();
        if (deadline < 0) return;
        int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
        auto wait = std::chrono::nanoseconds(std::max<int64_t>(0, deadline - now));
        timer.expires_after(std::min<std::chrono::nanoseconds>(wait, std::chrono::seconds(1)));
        timer.async_wait([this](const boost::system::error_code& ec) {
            if (ec) return;
            {
                BqlGuard bql;
                if (enabled.load()) virtual_clock_run_timers();
            }
            arm();
        });
    }
};

TimerDriver& timer_driver() {
    static TimerDriver* d = new TimerDriver();
    return *d;
}

} // namespace

void main_loop_set_drives_timers(bool drive) {
    timer_driver().enabled.store(drive);
    if (drive) {
        virtual_clock_set_notifier(
            [] { boost::asio::post(main_loop_context(), [] { timer_driver().arm(); }); });
        boost::asio::post(main_loop_context(), [] { timer_driver().arm(); });
    }
}

int main_loop_run() {
    auto& ctx = main_loop_context();
    auto work = boost::asio::make_work_guard(ctx);
    boost::asio::signal_set signals(ctx, SIGINT, SIGTERM, SIGHUP);
    signals.async_wait([](const boost::system::error_code& ec, int signo) {
        if (ec) return;
        std::fprintf(stderr, "%s: terminating on signal %d\n", error_get_progname().c_str(), signo);
        qemu_system_shutdown_request(ShutdownCause::HostSignal, 0);
    });
    while (qemu_shutdown_requested() == ShutdownCause::None) {
        ctx.run();
        if (qemu_shutdown_requested() == ShutdownCause::None) ctx.restart();
    }
    return qemu_shutdown_exit_code();
}

} // namespace mq
