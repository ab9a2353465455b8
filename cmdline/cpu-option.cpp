#include "cmdline/cpu-option.h"

#include "core/cpus.h"
#include "core/keyval.h"
#include "core/qdev/qdev.h"

namespace mq {

namespace {

// "rv64,zba=on" -> "rv64", "zba=on"
std::string_view model_of(std::string_view value) { return value.substr(0, value.find(',')); }

} // namespace

std::string cpu_model_list() {
    std::string out;
    for (const CpuModel& m : cpu_models())
        out += m.name + "\n";
    return out;
}

bool cpu_option_is_help(const OptionArg& arg) { return is_help_option(model_of(arg.value)); }

Result<std::string> apply_cpu_option(const OptionArg& arg) {
    std::string_view value = arg.value;
    if (value.empty()) return make_error("-cpu option cannot be empty");
    std::string model(model_of(value));
    const CpuModel* m = cpu_model_find(model);
    if (!m) return make_error("unable to find CPU model '{}'", model);
    std::string_view rest = value.size() > model.size() ? value.substr(model.size() + 1) : "";
    while (!rest.empty()) {
        std::string_view item = rest.substr(0, rest.find(','));
        rest = item.size() < rest.size() ? rest.substr(item.size() + 1) : "";
        size_t eq = item.find('=');
        if (eq == std::string_view::npos) {
            return make_error("Expected key=value format, found {}.", item);
        }
        qdev_prop_register_global(
            {m->type, std::string(item.substr(0, eq)), std::string(item.substr(eq + 1))});
    }
    return m->type;
}

Status apply_global_option(const OptionArg& arg) {
    std::string_view value = arg.value;
    size_t eq = value.find('=');
    size_t dot = value.substr(0, eq).find('.');
    if (eq == std::string_view::npos || dot == std::string_view::npos) {
        Error e = make_error("Invalid parameter '{}'", value.substr(0, eq));
        e.at(arg.location());
        return e;
    }
    qdev_prop_register_global({std::string(value.substr(0, dot)),
                               std::string(value.substr(dot + 1, eq - dot - 1)),
                               std::string(value.substr(eq + 1))});
    return {};
}

} // namespace mq
