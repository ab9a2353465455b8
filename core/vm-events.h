// What happens to the VM as a whole, for whoever wants to know: the QMP
// monitor turns these into its events (STOP, RESUME, RESET, SHUTDOWN,
// POWERDOWN, DEVICE_DELETED).
//
// The run state, the main loop and qdev emit them; listeners subscribe once
// at start-up. vm_event_emit may be called from any thread (the vCPU thread
// emits SHUTDOWN when the guest writes the finisher), so a listener must not
// assume it runs on the main thread.
#pragma once

#include "core/main-loop.h"

#include <functional>
#include <string>

namespace mq {

enum class VmEventKind { Stop, Resume, Reset, Shutdown, Powerdown, DeviceDeleted };

struct VmEvent {
    VmEventKind kind;
    // Reset and Shutdown: why (QEMU's ShutdownCause).
    ShutdownCause cause = ShutdownCause::None;
    // DeviceDeleted: the device's id (may be empty) and QOM path.
    std::string device_id;
    std::string path;
};

using VmEventListener = std::function<void(const VmEvent&)>;

void vm_event_add_listener(VmEventListener listener);
void vm_event_emit(const VmEvent& event);

// QAPI's ShutdownCause names ("guest-shutdown", "host-qmp-quit", ...).
const char* shutdown_cause_name(ShutdownCause cause);
// Whether the guest asked for it (QEMU's shutdown_caused_by_guest).
bool shutdown_caused_by_guest(ShutdownCause cause);

} // namespace mq
