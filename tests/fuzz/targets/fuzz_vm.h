// What the machine-level fuzz targets share: one virt machine per process,
// built in-process by qemu_init (as tests/machine/virt_fixture does) and
// reused by every input, and a way to run what devices posted to the main
// loop, which no thread runs here.
#pragma once

#include "cmdline/vl.h"

#include <initializer_list>
#include <string_view>

namespace mq::fuzz {

// Builds the machine on the first call, from a miniqemu command line; aborts
// when it cannot. The CPUs never run: the virtual clock moves only when the
// target steps it.
Vm& fuzz_vm(std::initializer_list<const char*> argv);

// Runs the handlers posted to the main loop (main_loop_post, reset
// requests), even after a shutdown request stopped it. Call without the big
// lock: the handlers take it.
void fuzz_drain_main_loop();

// MQ_FUZZ_TRACE=1 in the environment: targets print what they do or answer
// (to stderr), to make sense of a reproducer.
bool fuzz_tracing();
void fuzz_trace_output(std::string_view text);

// A monitor line the targets must not run: `quit` (it ends the process's
// main loop for good), `gdbserver`, `memsave`, `pmemsave` and `logfile` (they
// open sockets and files), `log` (it would log every later input),
// `qom-set` (it changes the machine for later inputs), and x or xp of more
// than 4096 units (slow, not wrong).
bool hmp_line_forbidden(std::string_view line);

} // namespace mq::fuzz
