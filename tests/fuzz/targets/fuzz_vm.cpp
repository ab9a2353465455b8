#include "tests/fuzz/targets/fuzz_vm.h"

#include "core/main-loop.h"
#include "core/timer.h"

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace mq::fuzz {

namespace {

// The command's name, as the monitor splits it: "logfile/tmp/x" runs
// logfile on "/tmp/x".
std::string_view first_word(std::string_view line) {
    size_t b = 0;
    while (b < line.size() && std::isspace(static_cast<unsigned char>(line[b])))
        b++;
    size_t e = b;
    while (e < line.size() && line[e] != '/' && !std::isspace(static_cast<unsigned char>(line[e])))
        e++;
    return line.substr(b, e - b);
}

// x and xp dump as many units as it is asked for, at some microseconds a line:
// a big count is a slow input, not a bug. That includes counts too big for
// any integer type, which QEMU (and so xp) reads wrapped: what they wrap to
// can be as slow. (The monitor's own tests check that they do not crash.)
bool big_dump(std::string_view line) {
    size_t slash = line.find('/');
    if (slash == std::string_view::npos) return false;
    uint64_t count = 0;
    for (size_t i = slash + 1; i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]));
         i++)
        count = std::min<uint64_t>(count * 10 + static_cast<uint64_t>(line[i] - '0'), 1u << 20);
    return count > 4096;
}

} // namespace

bool fuzz_tracing() {
    static const bool on = [] {
        const char* t = std::getenv("MQ_FUZZ_TRACE");
        return t && *t && *t != '0';
    }();
    return on;
}

void fuzz_trace_output(std::string_view text) {
    if (fuzz_tracing()) std::fwrite(text.data(), 1, text.size(), stderr);
}

bool hmp_line_forbidden(std::string_view line) {
    std::string_view w = first_word(line);
    if (w.starts_with("x") && big_dump(line)) return true; // x and xp
    for (std::string_view bad :
         {"quit", "q", "gdbserver", "memsave", "pmemsave", "logfile", "log", "qom-set"}) {
        if (w == bad) return true;
    }
    return false;
}

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
