// -object (QEMU: qom/object_interfaces.c user_creatable_add_qapi).
#include "cmdline/backends.h"
#include "core/rng.h"

namespace mq {

Status setup_objects(const VmOptions& opts) {
    for (const auto& arg : opts.objects) {
        if (auto st = user_creatable_add(arg.value); !st) return st.take_error().at(arg.location());
    }
    return {};
}

} // namespace mq
