// -netdev, -nic and -net (QEMU: net_init_clients in net/net.c). The back
// ends themselves are core/net; this file walks the options in QEMU's order
// (every -netdev, then every -nic, then the -net pairs) and puts the option
// text on any error.
#include "cmdline/backends.h"

#include "core/net/net.h"

namespace mq {

namespace {

// The first element of an option string: "user" in "user,id=n0".
std::string_view type_of(std::string_view spec) { return spec.substr(0, spec.find(',')); }

// Whether a -nic or -net nic asks for the NIC models with model=help.
bool asks_model_help(std::string_view spec) {
    for (std::string_view rest = spec; !rest.empty();) {
        std::string_view element = rest.substr(0, rest.find(','));
        if (element == "model=help" || element == "model=?") return true;
        rest.remove_prefix(std::min(rest.size(), element.size() + 1));
    }
    return false;
}

} // namespace

std::optional<std::string> net_help(const VmOptions& opts) {
    for (const auto& arg : opts.netdevs) {
        std::string_view type = type_of(arg.value);
        if (is_help_option(type) || type == "type=help" || type == "type=?")
            return std::string("Available netdev backend types:\nuser\n");
    }
    for (const auto* list : {&opts.nics, &opts.nets}) {
        for (const auto& arg : *list) {
            // The PCI NICs that this build can plug into virt.
            if (asks_model_help(arg.value))
                return std::string("Available NIC models:\nvirtio-net-pci\n");
        }
    }
    return std::nullopt;
}

Result<std::vector<std::string>> setup_networks(const VmOptions& opts) {
    std::vector<std::string> devices;
    for (const auto& arg : opts.netdevs) {
        if (auto st = netdev_add(arg.value); !st) return st.take_error().at(arg.location());
    }
    for (const auto& arg : opts.nics) {
        auto device = nic_add(arg.value);
        if (!device) return device.take_error().at(arg.location());
        if (!device->empty()) devices.push_back(std::move(*device));
    }
    if (!opts.nets.empty()) {
        std::vector<std::string> specs;
        for (const auto& arg : opts.nets)
            specs.push_back(arg.value);
        // net_legacy_add names the -net option that failed itself.
        auto more = net_legacy_add(specs);
        if (!more) return more.take_error();
        for (auto& text : *more)
            devices.push_back(std::move(text));
    }
    return devices;
}

} // namespace mq
