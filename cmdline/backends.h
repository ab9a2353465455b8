// The back ends that devices find by id: -object (rng sources), -drive,
// -netdev/-nic/-net. vl.cpp sets them up after the chardevs and before the
// machine; what they add to the machine comes back as -device texts, which
// vl creates after the user's own -device options, as QEMU does.
#pragma once

#include "cmdline/options.h"

#include <optional>
#include <string>
#include <vector>

namespace mq {

// -object TYPE,id=ID,...: user-creatable objects (object-options.cpp).
Status setup_objects(const VmOptions& opts);

// -drive (drive-options.cpp). Returns a -device text for each if=virtio
// drive ("virtio-blk-pci,drive=virtio0"), as QEMU plugs one per drive.
Result<std::vector<std::string>> setup_drives(const VmOptions& opts);

// -netdev, -nic and -net (net-options.cpp). Returns the NIC devices that
// -nic and -net nic ask for.
Result<std::vector<std::string>> setup_networks(const VmOptions& opts);
// -netdev help and -nic/-net nic,model=help: the text to print, if asked.
std::optional<std::string> net_help(const VmOptions& opts);

} // namespace mq
