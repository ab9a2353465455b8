// QMP in process: a virt machine built by qemu_init (-S, so that only the
// commands make it run), and a QMP monitor on two test chardevs. Each test
// starts with a fresh, negotiated connection on both, holding the big lock
// as the main loop would.
#pragma once

#include "cmdline/vl.h"
#include "core/cpus.h"
#include "core/main-loop.h"
#include "core/qmp/qmp.h"
#include "tests/qmp/qmp_client.h"

#include <gtest/gtest.h>

#include <optional>

namespace mq::test {

struct Machine {
    std::unique_ptr<Vm> vm;
    QmpTestChardev* a = nullptr; // two clients: both get every event
    QmpTestChardev* b = nullptr;

    static Machine& get() {
        static Machine* m = [] {
            static const std::vector<const char*> argv = {
                "miniqemu",    "-M",      "virt",       "-m",      "128M",
                "-S",          "-bios",   "none",       "-kernel", MQ_GUEST_DIR "/echo.elf",
                "-serial",     "null",    "-monitor",   "none",    "-device",
                "edu,id=edu1", "-device", "pci-testdev"};
            auto* m = new Machine();
            InitResult init = qemu_init(static_cast<int>(argv.size()), argv.data());
            if (!init.vm) std::abort();
            m->vm = std::move(init.vm);
            BqlGuard bql;
            m->vm->reset();
            m->a = new QmpTestChardev("qmp-a");
            m->b = new QmpTestChardev("qmp-b");
            if (!qmp_monitor_init(m->a) || !qmp_monitor_init(m->b)) std::abort();
            return m;
        }();
        return *m;
    }
};

class Qmp : public ::testing::Test {
protected:
    void SetUp() override {
        Machine::get();
        m_bql.emplace();
        // A fresh, negotiated connection on each chardev.
        for (QmpTestChardev* c : {client(), other()}) {
            c->disconnect();
            c->connect();
            c->take_lines();
            EXPECT_EQ(plain(c->execute(R"({"execute":"qmp_capabilities"})")),
                      plain(Json{{"return", Json::object()}}));
        }
    }
    void TearDown() override {
        vm_stop(VmEventPolicy::Quiet); // the guest's virtual time stays short
        m_bql.reset();
    }
    QmpTestChardev* client() { return Machine::get().a; }
    QmpTestChardev* other() { return Machine::get().b; }
    Json run(std::string_view request, std::vector<Json>* events = nullptr) {
        return client()->execute(request, events);
    }
    Json ret(std::string_view request) {
        Json r = run(request);
        EXPECT_TRUE(r.contains("return")) << request << " -> " << r.dump();
        return r.contains("return") ? r["return"] : Json();
    }

private:
    std::optional<BqlGuard> m_bql;
};

inline Json gen(const std::string& desc) { return error_reply("GenericError", desc); }

} // namespace mq::test
