// -cpu MODEL[,prop=value,...] and -global DRIVER.PROP=VALUE
// (QEMU: parse_cpu_option in cpu.c, qemu_global_option in qdev-properties-system.c).
//
// -cpu names a CPU model and turns its properties into global properties of
// the model's QOM type, which the harts pick up when they are realized:
// `-cpu rv64,zba=off` is `-global rv64-riscv-cpu.zba=off`.
#pragma once

#include "cmdline/options.h"
#include "core/error.h"

#include <string>

namespace mq {

// `-cpu help`: the models, one per line, as QEMU 7.2 lists them.
std::string cpu_model_list();
bool cpu_option_is_help(const OptionArg& arg);
// Registers the properties as globals; returns the model's QOM type.
Result<std::string> apply_cpu_option(const OptionArg& arg);
Status apply_global_option(const OptionArg& arg);

} // namespace mq
