#include "core/vm-events.h"

#include <mutex>
#include <vector>

namespace mq {

namespace {

struct Listeners {
    std::mutex lock;
    std::vector<VmEventListener> list;
};

Listeners& listeners() {
    static Listeners* l = new Listeners(); // the vCPU thread may emit during exit
    return *l;
}

} // namespace

void vm_event_add_listener(VmEventListener listener) {
    auto& l = listeners();
    std::lock_guard g(l.lock);
    l.list.push_back(std::move(listener));
}

void vm_event_emit(const VmEvent& event) {
    std::vector<VmEventListener> list;
    {
        auto& l = listeners();
        std::lock_guard g(l.lock);
        list = l.list;
    }
    for (auto& fn : list)
        fn(event);
}

const char* shutdown_cause_name(ShutdownCause cause) {
    switch (cause) {
    case ShutdownCause::None: return "none";
    case ShutdownCause::HostError: return "host-error";
    case ShutdownCause::HostQmpQuit: return "host-qmp-quit";
    case ShutdownCause::HostQmpSystemReset: return "host-qmp-system-reset";
    case ShutdownCause::HostSignal: return "host-signal";
    case ShutdownCause::HostUi: return "host-ui";
    case ShutdownCause::GuestShutdown: return "guest-shutdown";
    case ShutdownCause::GuestReset: return "guest-reset";
    case ShutdownCause::GuestPanic: return "guest-panic";
    }
    return "none";
}

bool shutdown_caused_by_guest(ShutdownCause cause) {
    return cause == ShutdownCause::GuestShutdown || cause == ShutdownCause::GuestReset ||
           cause == ShutdownCause::GuestPanic;
}

} // namespace mq
