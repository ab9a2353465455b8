#include "core/main-loop.h"

#include "core/cpus.h"
#include "core/error.h"
#include "core/timer.h"
#include "core/vm-events.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fcntl.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace mq {

namespace {

std::atomic<ShutdownCause> g_shutdown{ShutdownCause::None};
std::atomic<int> g_exit_code{0};
std::atomic<bool> g_no_reboot{false};
std::atomic<bool> g_no_shutdown{false};
bool g_daemonized = false;
std::function<void()> g_reset_handler;

} // namespace

namespace detail {

std::atomic<int> g_bql_word{0};
thread_local constinit bool t_bql_held = false;
std::atomic<std::atomic<bool>*> g_bql_let_go{nullptr};
static_assert(std::atomic<int>::is_always_lock_free && sizeof(std::atomic<int>) == sizeof(int),
              "the futex is the atomic's own int");

// Marks the word "held, with waiters" and sleeps until a holder's unlock
// wakes it, then tries again; whoever takes it this way leaves it at 2, so
// that its own unlock wakes the next sleeper, if there is one.
void bql_lock_contended() {
    int c = g_bql_word.exchange(2, std::memory_order_acquire);
    // A thread that keeps the lock between critical sections: ask it to
    // let go (see bql_keep).
    if (c != 0) {
        if (std::atomic<bool>* let_go = g_bql_let_go.load(std::memory_order_acquire))
            let_go->store(true, std::memory_order_relaxed);
    }
    while (c != 0) {
        syscall(SYS_futex, reinterpret_cast<int*>(&g_bql_word), FUTEX_WAIT_PRIVATE, 2, nullptr,
                nullptr, 0);
        c = g_bql_word.exchange(2, std::memory_order_acquire);
    }
}

void bql_wake_waiter() {
    syscall(SYS_futex, reinterpret_cast<int*>(&g_bql_word), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr,
            0);
}

} // namespace detail

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
    // -no-shutdown: a guest power-off (the finisher's pass, as on QEMU 8;
    // 7.2 called exit() there) or a reset under -no-reboot pauses the VM in
    // the shutdown state instead of ending the process. Clients hear SHUTDOWN.
    // A failing exit code, a host signal or quit still end it.
    if (g_no_shutdown.load() && exit_code == 0 &&
        (cause == ShutdownCause::GuestShutdown || cause == ShutdownCause::GuestReset ||
         cause == ShutdownCause::GuestPanic || cause == ShutdownCause::HostQmpSystemReset)) {
        vm_event_emit(VmEvent{.kind = VmEventKind::Shutdown, .cause = cause});
        main_loop_post([] { vm_stop_shutdown(); });
        return;
    }
    ShutdownCause expected = ShutdownCause::None;
    if (g_shutdown.compare_exchange_strong(expected, cause)) {
        g_exit_code.store(exit_code);
        vm_event_emit(VmEvent{.kind = VmEventKind::Shutdown, .cause = cause});
        main_loop_context().stop();
    }
}

void qemu_set_no_reboot(bool no_reboot) { g_no_reboot.store(no_reboot); }
void qemu_set_no_shutdown(bool no_shutdown) { g_no_shutdown.store(no_shutdown); }
void qemu_set_daemonized(bool daemonized) { g_daemonized = daemonized; }
bool is_daemonized() { return g_daemonized; }
void qemu_set_reset_handler(std::function<void()> handler) { g_reset_handler = std::move(handler); }

void qemu_system_reset_request(ShutdownCause cause) {
    if (g_no_reboot.load()) {
        qemu_system_shutdown_request(cause, 0);
        return;
    }
    vm_event_emit(VmEvent{.kind = VmEventKind::Reset, .cause = cause});
    main_loop_post([] {
        if (g_reset_handler) g_reset_handler();
    });
}

void qemu_system_powerdown_request() { vm_event_emit(VmEvent{.kind = VmEventKind::Powerdown}); }

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

namespace {

// SIGINT, SIGTERM and SIGHUP: the handler notes the signal and its sender
// and wakes the main loop through a pipe (QEMU's qemu_system_killed).
int g_signal_pipe[2] = {-1, -1};
std::atomic<int> g_signal_number{0};
std::atomic<pid_t> g_signal_sender{0};

void on_terminating_signal(int signo, siginfo_t* info, void*) {
    int saved = errno;
    g_signal_number.store(signo);
    g_signal_sender.store(info ? info->si_pid : 0);
    (void)!::write(g_signal_pipe[1], "", 1);
    errno = saved;
}

// QEMU's qemu_get_pid_name: the sender's argv[0].
std::string pid_name(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/cmdline");
    std::string name;
    if (!std::getline(f, name, '\0') || name.empty()) return "<unknown process>";
    return name;
}

void report_terminating_signal() {
    int signo = g_signal_number.load();
    pid_t pid = g_signal_sender.load();
    if (pid == 0) {
        std::fprintf(stderr, "%s: terminating on signal %d\n", error_get_progname().c_str(), signo);
    } else {
        std::fprintf(stderr, "%s: terminating on signal %d from pid %d (%s)\n",
                     error_get_progname().c_str(), signo, static_cast<int>(pid),
                     pid_name(pid).c_str());
    }
}

} // namespace

void main_loop_setup_signals() {
    if (g_signal_pipe[0] >= 0) return;
    if (pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return;
    struct sigaction sa {};
    sa.sa_sigaction = on_terminating_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (int signo : {SIGINT, SIGTERM, SIGHUP})
        sigaction(signo, &sa, nullptr);
}

void main_loop_exit_if_signalled() {
    if (g_signal_number.load() == 0) return;
    report_terminating_signal();
    std::exit(0);
}

int main_loop_run() {
    auto& ctx = main_loop_context();
    auto work = boost::asio::make_work_guard(ctx);
    main_loop_setup_signals();
    if (g_signal_pipe[0] < 0) return 1;
    boost::asio::posix::stream_descriptor signal_reader(ctx, ::dup(g_signal_pipe[0]));
    char signal_byte = 0;
    signal_reader.async_read_some(boost::asio::buffer(&signal_byte, 1),
                                  [](const boost::system::error_code& ec, size_t) {
                                      if (ec) return;
                                      report_terminating_signal();
                                      qemu_system_shutdown_request(ShutdownCause::HostSignal, 0);
                                  });
    while (qemu_shutdown_requested() == ShutdownCause::None) {
        ctx.run();
        if (qemu_shutdown_requested() == ShutdownCause::None) ctx.restart();
    }
    // What was posted before the stop (a SHUTDOWN event on its way to the QMP
    // clients) runs now; the loop is not entered again.
    ctx.restart();
    ctx.poll();
    return qemu_shutdown_exit_code();
}

} // namespace mq
