// qmp: QMP's JSON input (core/qmp/json.cpp: the streamer that cuts the byte
// stream into messages, the parser) and everything behind it (negotiation,
// request checks, the dispatcher's argument checks, the commands) on a virt
// machine with edu, pci-testdev and strng under the qtest accelerator.
//
// The input is what a client sends; each input is a new connection, so it
// starts in negotiation mode. Inputs that would end the process, write
// files or change the machine for the inputs after them are dropped, as the
// streamer and parser would read them: quit, system_powerdown, pmemsave,
// memsave, device_add, device_del, qom-set, and human-monitor-command lines
// the monitor target drops.
#include "tests/fuzz/targets/fuzz_vm.h"

#include "core/chardev.h"
#include "core/machine.h"
#include "core/main-loop.h"
#include "core/qmp/json.h"
#include "core/qmp/qmp.h"

#include <array>
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
    void disconnect() { m_frontend.event(mq::CHR_EVENT_CLOSED); }
};

ClientChardev& client() {
    static ClientChardev* chr = [] {
        mq::fuzz::fuzz_vm({"miniqemu", "-M", "virt", "-m", "64M", "-accel", "qtest", "-bios",
                           "none", "-device", "edu,id=edu1", "-device", "pci-testdev", "-device",
                           "strng", "-serial", "ringbuf", "-monitor", "none"});
        auto* c = new ClientChardev("fuzz-qmp");
        mq::BqlGuard bql;
        if (auto st = mq::qmp_monitor_init(c); !st) {
            std::fprintf(stderr, "fuzz qmp: %s\n", st.error().message.c_str());
            std::abort();
        }
        return c;
    }();
    return *chr;
}

bool forbidden_request(const mq::Json& req) {
    if (!req.is_object()) return false;
    for (const char* key : {"execute", "exec-oob"}) {
        auto it = req.find(key);
        if (it == req.end() || !it->is_string()) continue;
        const std::string& name = it->get_ref<const std::string&>();
        static constexpr std::array<std::string_view, 7> kDropped = {
            "quit",       "system_powerdown", "pmemsave", "memsave",
            "device_add", "device_del",       "qom-set"};
        for (auto d : kDropped)
            if (name == d) return true;
        if (name == "human-monitor-command") {
            auto args = req.find("arguments");
            if (args == req.end() || !args->is_object()) continue;
            auto line = args->find("command-line");
            if (line != args->end() && line->is_string() &&
                mq::fuzz::hmp_line_forbidden(line->get_ref<const std::string&>()))
                return true;
        }
    }
    return false;
}

// The requests as the monitor will read them.
bool forbidden(const uint8_t* data, size_t size) {
    mq::JsonStreamer streamer;
    for (const auto& msg :
         streamer.feed(std::string_view(reinterpret_cast<const char*>(data), size))) {
        if (!msg.error.empty()) continue;
        auto parsed = mq::json_parse_message(msg.text);
        if (parsed.error.empty() && forbidden_request(parsed.value)) return true;
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
        mq::qemu_system_reset();
        chr.connect();
        chr.receive_from_host(data, size);
        chr.disconnect();
        mq::fuzz::fuzz_trace_output(chr.take_output());
    }
    mq::fuzz::fuzz_drain_main_loop(); // system_reset's request, events
    return 0;
}
