// The gdb stub: -gdb DEV, -s, and the monitor's `gdbserver` (QEMU:
// gdbstub/gdbstub.c). See README.md in this folder.
#pragma once

#include "core/chardev.h"
#include "core/error.h"

#include <string_view>

namespace mq {

// Starts the stub on a chardev spec as -gdb takes it: "tcp::1234" (a TCP
// device defaults to server=on,wait=off, as in QEMU), "unix:PATH,...",
// "stdio", or "none" for no stub. Replaces a stub started before.
Status gdbserver_start(std::string_view device);
// Starts it on a chardev made by the caller (tests feed it packets).
Status gdbserver_start_on(Chardev* chr);
// Registers the monitor's `gdbserver [device]`.
void gdbserver_register_hmp();

} // namespace mq
