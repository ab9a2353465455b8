// gdbstub: the gdb stub's framing (core/gdbstub/packet.cpp) and packet
// handlers (commands.cpp, server.cpp) against the real harts of a two-hart
// virt machine under the qtest accelerator: continue and step only mark the
// VM running, the CPUs never execute.
//
// The input is the byte stream a client sends. Each input is a new client
// on a reset machine with no breakpoints. Inputs with packets that would end
// the process or touch the host are dropped: k, vKill, and qRcmd of the
// monitor lines the monitor target drops.
#include "tests/fuzz/targets/fuzz_vm.h"

#include "core/chardev.h"
#include "core/cpus.h"
#include "core/gdbstub/gdbstub.h"
#include "core/gdbstub/packet.h"
#include "core/machine.h"
#include "core/main-loop.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

class ClientChardev final : public mq::RingBufChardev {
public:
    using RingBufChardev::RingBufChardev;
    void connect() { m_frontend.event(mq::CHR_EVENT_OPENED); }
};

ClientChardev& client() {
    static ClientChardev* chr = [] {
        mq::fuzz::fuzz_vm({"miniqemu", "-M", "virt", "-m", "64M", "-smp", "2", "-accel", "qtest",
                           "-bios", "none", "-serial", "ringbuf", "-monitor", "none"});
        auto* c = new ClientChardev("fuzz-gdb");
        mq::BqlGuard bql;
        if (auto st = mq::gdbserver_start_on(c); !st) {
            std::fprintf(stderr, "fuzz gdbstub: %s\n", st.error().message.c_str());
            std::abort();
        }
        return c;
    }();
    return *chr;
}

// What the stub will see, framed as it frames it.
bool forbidden(const uint8_t* data, size_t size) {
    mq::gdb::RspReader reader;
    for (size_t i = 0; i < size; i++) {
        auto ev = reader.feed(data[i]);
        if (!ev || ev->kind != mq::gdb::RspEvent::Kind::Packet) continue;
        std::string_view p = ev->payload;
        if (p.starts_with('k') || p.starts_with("vKill")) return true;
        if (p.starts_with("qRcmd,")) {
            auto line = mq::gdb::hex_decode(p.substr(6));
            if (line && mq::fuzz::hmp_line_forbidden(std::string(line->begin(), line->end())))
                return true;
        }
    }
    return false;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    client();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (forbidden(data, size)) return -1;
    ClientChardev& chr = client();
    {
        mq::BqlGuard bql;
        mq::vm_stop();
        mq::cpus_runner()->debug()->remove_all_points();
        mq::qemu_system_reset();
        chr.connect();
        chr.receive_from_host(data, size);
        mq::fuzz::fuzz_trace_output(chr.take_output());
        mq::vm_stop();
    }
    mq::fuzz::fuzz_drain_main_loop();
    return 0;
}
