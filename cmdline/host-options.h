// The options that connect the VM to its host and to whoever launched it
// (QEMU: softmmu/vl.c, os-posix.c): character devices and monitors,
// accelerators, -name, -display, -vga, -rtc, -pidfile and -daemonize.
// vl.cpp calls these in order; each returns QEMU's error for a bad value.
#pragma once

#include "cmdline/options.h"

namespace mq {

// -daemonize: forks before anything else runs. The parent waits for the
// child to report that start-up ended and exits with its status; the child
// goes on. Returns the parent's exit status, or nullopt in the child (and
// without -daemonize). daemonize_ready() is the child's report.
std::optional<int> daemonize_start(const VmOptions& opts);
void daemonize_ready(int status);

// -accel help (or an -accel that names none): the list QEMU prints on
// stdout before it exits with 0; nullopt when no -accel asks for it.
std::optional<std::string> accel_help(const VmOptions& opts);
// -accel, -enable-kvm and -machine accel=: tcg is the only accelerator;
// removes "accel" from `machine_opts`.
Status configure_accel(const VmOptions& opts, PropertyBag& machine_opts);

// -name, -display, -vga, -rtc, -no-shutdown, -pidfile.
Status apply_host_options(const VmOptions& opts);

// -chardev, then -serial, -monitor and -mon, with QEMU's defaults: with
// -nographic (and here also without it, as there is no graphical console)
// the serial port and the monitor share stdio through the mux unless one of
// them was given; -display none and -daemonize send them nowhere, as QEMU's
// invisible "vc" does; -nodefaults makes neither.
Status setup_chardevs(const VmOptions& opts);
// -qtest DEV [-qtest-log FILE]: the qtest server on its own chardev.
Status setup_qtest(const VmOptions& opts);

} // namespace mq
