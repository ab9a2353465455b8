// The main loop and the big lock (QEMU: include/qemu/main-loop.h).
//
// THE LOCKING RULE. Device state, the memory map, timers and interrupt lines
// are touched only while holding the big lock (QEMU's BQL). Every device
// callback -- MMIO/PIO dispatch, timer callbacks, character-device input,
// monitor commands -- runs with the lock held, so devices never lock on
// their own, with one exception: a device's private worker thread (edu's
// factorial thread) takes the big lock before it touches shared state.
//
// Who holds it when:
//   - the main thread, around every handler the io_context runs;
//   - the vCPU thread, around MMIO dispatch, interrupt delivery and timers
//     (after an MMIO access a hart keeps it to the end of its chain of
//     blocks, or until someone waits: bql_keep); plain RAM accesses through
//     the soft TLB take no lock.
//
// The main loop is a Boost.Asio io_context on the main thread. Other threads
// hand it work with main_loop_post().
#pragma once

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <functional>
#include <mutex>

namespace mq {

// The big lock is a futex word, not a std::mutex: a hart takes and drops
// it around every MMIO access, and inline, uncontended, that is one atomic
// instruction each way instead of two calls into libc (a quarter of an edu
// register access's time). 0: free; 1: held; 2: held, and someone may be
// asleep waiting for it (U. Drepper, "Futexes Are Tricky", mutex 2).
namespace detail {
extern std::atomic<int> g_bql_word;
extern thread_local constinit bool t_bql_held;
// The flag of the thread that keeps the lock (bql_keep), or null.
extern std::atomic<std::atomic<bool>*> g_bql_let_go;
void bql_lock_contended();
void bql_wake_waiter();
} // namespace detail

inline void bql_lock() {
    int expected = 0;
    if (!detail::g_bql_word.compare_exchange_strong(expected, 1, std::memory_order_acquire,
                                                    std::memory_order_relaxed))
        detail::bql_lock_contended();
    detail::t_bql_held = true;
}

// Returns whether someone was waiting for the lock (and was woken).
inline bool bql_unlock() {
    detail::t_bql_held = false;
    if (detail::g_bql_word.exchange(0, std::memory_order_release) != 2) return false;
    detail::bql_wake_waiter();
    return true;
}

inline bool bql_locked() { return detail::t_bql_held; } // by the calling thread

// Keeping the lock between critical sections. A thread that takes it for
// many short ones in a row (a hart polling a device register, where the two
// atomic instructions are a third of a round trip) may hold it from one to
// the next. While it does, `let_go` names a flag of its own that a thread
// about to sleep on the lock sets, asking the keeper to drop it soon (a
// hart looks at its irq_check between blocks). Called with the lock held;
// bql_keep_end() forgets the flag and unlocks. The flag is a hint: a waiter
// may read it a moment too early and set nothing, so a keeper also checks
// bql_waited_for() now and then, and never keeps the lock for long.
inline void bql_keep(std::atomic<bool>* let_go) {
    detail::g_bql_let_go.store(let_go, std::memory_order_release);
}

inline bool bql_keep_end() {
    detail::g_bql_let_go.store(nullptr, std::memory_order_relaxed);
    return bql_unlock();
}

// Whether a thread is waiting for the lock (a hint: it may be about to).
inline bool bql_waited_for() { return detail::g_bql_word.load(std::memory_order_relaxed) == 2; }

// Holds the big lock for a scope.
class BqlGuard {
public:
    BqlGuard() { bql_lock(); }
    ~BqlGuard() { bql_unlock(); }
    BqlGuard(const BqlGuard&) = delete;
    BqlGuard& operator=(const BqlGuard&) = delete;
};

// Releases the big lock for a scope (around a blocking wait).
class BqlUnlockGuard {
public:
    BqlUnlockGuard() { bql_unlock(); }
    ~BqlUnlockGuard() { bql_lock(); }
    BqlUnlockGuard(const BqlUnlockGuard&) = delete;
    BqlUnlockGuard& operator=(const BqlUnlockGuard&) = delete;
};

boost::asio::io_context& main_loop_context();
// Runs `fn` on the main thread, under the big lock.
void main_loop_post(std::function<void()> fn);

// QEMU's ShutdownCause (qapi/run-state.json): why the VM shuts down or resets.
enum class ShutdownCause {
    None,
    HostError,
    HostQmpQuit,
    HostQmpSystemReset,
    HostSignal,
    HostUi,
    GuestShutdown,
    GuestReset,
    GuestPanic,
};

// Asks the main loop to end with `exit_code`. Safe from any thread. The
// first request sends the SHUTDOWN event (core/vm-events.h).
void qemu_system_shutdown_request(ShutdownCause cause, int exit_code = 0);
// A reset (the guest's by default); with -no-reboot it becomes a shutdown.
// Sends the RESET event.
void qemu_system_reset_request(ShutdownCause cause = ShutdownCause::GuestReset);
// The power button (QMP system_powerdown): sends POWERDOWN; virt has no
// ACPI, so the guest is not told.
void qemu_system_powerdown_request();
ShutdownCause qemu_shutdown_requested();
int qemu_shutdown_exit_code();
void qemu_set_no_reboot(bool no_reboot);
// -no-shutdown: a shutdown (a reset that -no-reboot turned into one, a
// panic) stops the VM in the "shutdown" state instead of ending the process;
// a monitor client can still look at it. The finisher and HTIF end the
// process all the same: QEMU 7.2 calls exit() there.
void qemu_set_no_shutdown(bool no_shutdown);
// -daemonize: stdio belongs to nobody.
void qemu_set_daemonized(bool daemonized);
bool is_daemonized();
// Called by the main loop when a reset was requested (set by the machine).
void qemu_set_reset_handler(std::function<void()> handler);

// SIGINT, SIGTERM and SIGHUP are caught from start-up on (as QEMU's
// os_setup_signal_handling); the main loop reports them and shuts down.
void main_loop_setup_signals();
// For a wait before the main loop runs (a socket server's wait=on): a
// signal that came ends the process now, as it would have in the loop.
void main_loop_exit_if_signalled();

// Runs the io_context until a shutdown is requested; returns the exit code.
// SIGINT, SIGTERM and SIGHUP end it too. Work posted before the request
// (events for QMP clients) still runs before it returns.
int main_loop_run();

// Whether the main loop fires expired virtual-clock timers. It does so while
// no vCPU thread does (a machine without a CPU, or the realtime clock while
// the CPUs are stopped); the vCPU thread takes over when it runs.
void main_loop_set_drives_timers(bool drive);

} // namespace mq
