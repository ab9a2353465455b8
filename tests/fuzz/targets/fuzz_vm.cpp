#include "tests/fuzz/targets/fuzz_vm.h"

#include "core/main-loop.h"
#include "core/timer.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace mq::fuzz {

Vm& fuzz_vm(std::initializer_list<const char*> argv) {
    static Vm* vm = [&] {
        virtual_clock_set_mode(VirtualClockMode::Stepped);
        std::vector<const char*> args(argv);
        InitResult init = qemu_init(static_cast<int>(args.size()), args.data());
        if (!init.vm) {
            std::fprintf(stderr, "fuzz: cannot build the machine (exit status %d)\n",
                         init.exit_status);
            std::abort();
        }
        // Never destroyed: the machine belongs to the composition tree, and
        // edu's worker thread lives as long as the process.
        return init.vm.release();
    }();
    return *vm;
}

void fuzz_drain_main_loop() {
    auto& ctx = main_loop_context();
    ctx.restart();
    ctx.poll();
}

} // namespace mq::fuzz
