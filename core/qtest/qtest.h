// qtest: QEMU's device-test protocol (QEMU: softmmu/qtest.c, accel/qtest).
//
// A test program talks to the emulator over a chardev, one line per request:
// it reads and writes guest-physical memory and I/O ports, steps the virtual
// clock, and watches interrupt lines. The vCPUs never run under qtest, so
// what the devices do is a function of the requests alone: a DMA that takes
// 100 ms of virtual time completes exactly when the test steps past it.
//
// The protocol and its replies are QEMU's; where QEMU 7.2 aborts on a
// malformed line (a missing argument, a bad number, a zero-length read),
// this server answers `FAIL ...` and goes on.
#pragma once

#include "core/error.h"

#include <string>
#include <string_view>

namespace mq {

class Chardev;

// The qtest accelerator (`-accel qtest`; `-qtest` implies it): the vCPUs
// never run and the virtual clock moves only by clock_step and clock_set.
void qtest_accel_enable();
bool qtest_enabled();

// Serves the protocol on `chr` (QEMU's qtest_server_init). `log` is where the
// transcript goes (QEMU's -qtest-log): a file name, "none", or empty for
// stderr as in QEMU. Call once, under the big lock.
Status qtest_server_init(Chardev* chr, std::string_view log = {});

} // namespace mq
