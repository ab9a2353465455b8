#include "cmdline/backends.h"

namespace mq {

Result<std::vector<std::string>> setup_drives(const VmOptions& opts) {
    if (!opts.drives.empty()) {
        return make_error("-drive is not supported yet").at(opts.drives.front().location());
    }
    return std::vector<std::string>{};
}

} // namespace mq
