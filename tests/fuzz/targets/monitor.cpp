// monitor: the human monitor's line parser and commands (core/monitor.cpp
// and the rows other subsystems register: info pci, info registers, ...)
// on a virt machine with edu, pci-testdev and strng under the qtest
// accelerator, so that `cont` never runs the CPUs.
//
// The input is typed into the monitor's chardev as it is, so line editing
// (backspace, CR LF) is fuzzed too. Inputs with a line that would leave the
// process, touch the host or just take long are dropped before they are
// typed (hmp_line_forbidden).
#include "tests/fuzz/targets/fuzz_vm.h"

#include "core/chardev.h"
#include "core/main-loop.h"
#include "core/monitor.h"

#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

// A ringbuf chardev that can say "a client opened me".
class FuzzChardev final : public mq::RingBufChardev {
public:
    using RingBufChardev::RingBufChardev;
    void connect() { m_frontend.event(mq::CHR_EVENT_OPENED); }
};

FuzzChardev& monitor_chr() {
    static FuzzChardev* chr = [] {
        mq::fuzz::fuzz_vm({"miniqemu", "-M",       "virt",        "-m",      "64M",   "-smp",
                           "2",        "-accel",   "qtest",       "-bios",   "none",  "-device",
                           "edu",      "-device",  "pci-testdev", "-device", "strng", "-serial",
                           "ringbuf",  "-monitor", "none"});
        auto* c = new FuzzChardev("fuzz-monitor");
        mq::BqlGuard bql;
        mq::monitor_init_hmp(c);
        c->connect();
        return c;
    }();
    return *chr;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    monitor_chr();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzChardev& chr = monitor_chr();
    std::string_view text(reinterpret_cast<const char*>(data), size);
    // Lines as the monitor will see them: only printable characters are
    // kept, and backspace edits; check what it would run.
    std::string line;
    for (char c : text) {
        if (c == '\r' || c == '\n') {
            if (mq::fuzz::hmp_line_forbidden(line)) return -1;
            line.clear();
        } else if (c == 0x7f || c == 0x08) {
            if (!line.empty()) line.pop_back();
        } else if (std::isprint(static_cast<unsigned char>(c))) {
            line += c;
        }
    }
    if (mq::fuzz::hmp_line_forbidden(line)) return -1;
    {
        mq::BqlGuard bql;
        chr.receive_from_host(data, size);
        chr.receive_from_host(reinterpret_cast<const uint8_t*>("\r"), 1); // the last line
        mq::fuzz::fuzz_trace_output(chr.take_output());
    }
    mq::fuzz::fuzz_drain_main_loop(); // system_reset's request
    return 0;
}
