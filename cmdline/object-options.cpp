#include "cmdline/backends.h"

namespace mq {

Status setup_objects(const VmOptions& opts) {
    if (!opts.objects.empty()) {
        return make_error("-object is not supported yet").at(opts.objects.front().location());
    }
    return {};
}

} // namespace mq
