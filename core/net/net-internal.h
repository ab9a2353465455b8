// What net.cpp (the registry and the option front ends) and slirp.cpp (the
// "user" back end) share. Not for devices: they use core/net/net.h.
#pragma once

#include "core/net/net.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mq::net_internal {

// A back end's options in the order given. A list, not a map: hostfwd= may
// repeat, and every occurrence counts (QEMU's QemuOpts keep them all).
using NetOpts = std::vector<std::pair<std::string, std::string>>;

// Creates a "user" back end called `name`. `opts` holds only the user
// options (the front end took type, id, model, mac... out); an unknown key
// is an error in QEMU's wording.
Result<std::unique_ptr<NetClientState>> net_init_slirp(const std::string& name,
                                                       const NetOpts& opts);

} // namespace mq::net_internal
