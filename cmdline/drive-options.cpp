// -drive: each option becomes a BlockBackend (core/block), and each
// if=virtio drive a virtio-blk-pci that vl creates after the user's
// -device options, as QEMU's riscv virt plugs one per drive.
#include "cmdline/backends.h"
#include "core/block/block.h"

namespace mq {

Result<std::vector<std::string>> setup_drives(const VmOptions& opts) {
    std::vector<std::string> devices;
    for (const OptionArg& arg : opts.drives) {
        auto blk = drive_new(arg.value);
        if (!blk) return blk.take_error().at(arg.location());
        if ((*blk)->if_type() == BlockInterfaceType::Virtio)
            devices.push_back(fmt::format("virtio-blk-pci,drive={}", (*blk)->id()));
    }
    if (!opts.nodefaults) blk_add_default_drives();
    return devices;
}

} // namespace mq
