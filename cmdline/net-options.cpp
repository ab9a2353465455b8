#include "cmdline/backends.h"

namespace mq {

Result<std::vector<std::string>> setup_networks(const VmOptions& opts) {
    for (const auto* list : {&opts.netdevs, &opts.nics, &opts.nets}) {
        if (!list->empty()) {
            return make_error("networking is not supported yet").at(list->front().location());
        }
    }
    return std::vector<std::string>{};
}

} // namespace mq
