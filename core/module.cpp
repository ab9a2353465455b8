#include "core/module.h"

#include "core/qom/object.h"

#include <array>
#include <vector>

namespace mq {

namespace {

struct ModuleQueue {
    std::vector<ModuleInitFunction> functions;
    bool done = false;
};

// A function-local static, so that static initialisers in any translation
// unit can queue into it regardless of initialisation order.
std::array<ModuleQueue, MODULE_INIT_TYPE_COUNT>& queues() {
    static std::array<ModuleQueue, MODULE_INIT_TYPE_COUNT> q;
    return q;
}

} // namespace

bool module_init(ModuleInitFunction fn, ModuleInitType type) {
    queues()[type].functions.push_back(fn);
    return true;
}

Status module_call_init(ModuleInitType type) {
    auto& queue = queues()[type];
    if (queue.done) return {};
    queue.done = true;
    for (auto fn : queue.functions)
        fn();
    if (type == MODULE_INIT_QOM) return type_registration_status();
    return {};
}

} // namespace mq
