// Registration before main(), as in QEMU's include/qemu/module.h.
//
// A device file ends with one line that queues its registration function:
//
//     [[maybe_unused]] static const bool registered = type_init(edu_register_types);
//
// Static initialisers only queue; nothing is registered until main() calls
// module_call_init(MODULE_INIT_QOM), which runs the queue exactly once. That
// keeps start-up order explicit and lets -d qom narrate registration.
#pragma once

#include "core/error.h"

namespace mq {

enum ModuleInitType {
    MODULE_INIT_QOM,
    MODULE_INIT_TYPE_COUNT,
};

using ModuleInitFunction = void (*)();

// Queues `fn`; returns true so that it can initialise a static.
bool module_init(ModuleInitFunction fn, ModuleInitType type);
inline bool type_init(ModuleInitFunction fn) { return module_init(fn, MODULE_INIT_QOM); }

// Runs every queued function of `type`, once. Registration problems (a
// duplicate or invalid type name) are collected and returned together.
Status module_call_init(ModuleInitType type);

} // namespace mq
