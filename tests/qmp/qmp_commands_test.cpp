// QMP's commands in process, against the shapes of QEMU's replies in
// ../shared/specs/qemu-reference/qmp-session.txt, and the events that
// stop, cont, system_reset and system_powerdown send to every client.
#include "core/qdev/sysbus.h"
#include "tests/qmp/qmp_fixture.h"

#include <gmock/gmock.h>

#include <filesystem>
#include <fstream>
#include <iterator>

using namespace mq;
using namespace mq::test;
using ::testing::HasSubstr;

namespace {

const Json* find_by(const Json& list, const char* key, const Json& value) {
    for (const auto& e : list) {
        if (e.contains(key) && e[key] == value) return &e;
    }
    return nullptr;
}

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
}

std::string temp_path(const char* name) {
    return (std::filesystem::temp_directory_path() /
            fmt::format("miniqemu-qmp-{}-{}", ::getpid(), name))
        .string();
}

TEST_F(Qmp, Queries) {
    Json version = ret(R"({"execute":"query-version"})");
    EXPECT_TRUE(version["qemu"]["major"].is_number());
    EXPECT_EQ(version["package"], "miniqemu");
    EXPECT_EQ(plain(ret(R"({"execute":"query-status"})")),
              plain(Json{{"status", "prelaunch"}, {"singlestep", false}, {"running", false}}));
    EXPECT_EQ(ret(R"({"execute":"query-name"})"), Json::object());
    EXPECT_EQ(plain(ret(R"({"execute":"query-target"})")), plain(Json{{"arch", "riscv64"}}));
    EXPECT_EQ(plain(ret(R"({"execute":"query-kvm"})")),
              plain(Json{{"enabled", false}, {"present", false}}));

    Json machines = ret(R"({"execute":"query-machines"})");
    const Json* virt = find_by(machines, "name", "virt");
    ASSERT_TRUE(virt);
    EXPECT_EQ((*virt)["is-default"], true);
    EXPECT_EQ((*virt)["default-cpu-type"], "rv64-riscv-cpu");
    EXPECT_EQ((*virt)["default-ram-id"], "riscv_virt_board.ram");
    EXPECT_EQ((*virt)["hotpluggable-cpus"], false);
    EXPECT_TRUE((*virt)["cpu-max"].is_number());

    Json cpus = ret(R"({"execute":"query-cpus-fast"})");
    ASSERT_EQ(cpus.size(), 1u);
    EXPECT_EQ(cpus[0]["qom-path"], "/machine/soc0/harts[0]");
    EXPECT_EQ(cpus[0]["cpu-index"], 0);
    EXPECT_EQ(cpus[0]["target"], "riscv64");
    EXPECT_EQ(plain(cpus[0]["props"]), plain(Json{{"core-id", 0}}));
    EXPECT_TRUE(cpus[0]["thread-id"].is_number());

    Json commands = ret(R"({"execute":"query-commands"})");
    for (const char* name : {"qmp_capabilities",
                             "query-version",
                             "query-commands",
                             "query-status",
                             "query-name",
                             "query-target",
                             "query-machines",
                             "query-cpus-fast",
                             "query-pci",
                             "query-chardev",
                             "query-kvm",
                             "qom-list",
                             "qom-get",
                             "qom-set",
                             "qom-list-types",
                             "device-list-properties",
                             "stop",
                             "cont",
                             "system_reset",
                             "system_powerdown",
                             "quit",
                             "human-monitor-command",
                             "memsave",
                             "pmemsave",
                             "device_add",
                             "device_del",
                             "query-hotpluggable-cpus"}) {
        EXPECT_TRUE(find_by(commands, "name", name)) << name;
    }
}

TEST_F(Qmp, QueryPciHasQemusShape) {
    Json pci = ret(R"({"execute":"query-pci"})");
    ASSERT_EQ(pci.size(), 1u);
    EXPECT_EQ(pci[0]["bus"], 0);
    const Json& devices = pci[0]["devices"];
    ASSERT_EQ(devices.size(), 3u);
    EXPECT_EQ(plain(devices[0]),
              plain(Json::parse(R"({"irq_pin": 0, "bus": 0, "qdev_id": "", "slot": 0,
                  "class_info": {"class": 1536, "desc": "Host bridge"},
                  "id": {"device": 8, "subsystem-vendor": 6900, "vendor": 6966, "subsystem": 4352},
                  "function": 0, "regions": []})")));
    // After reset the BARs are unmapped (-1), as in the transcript.
    EXPECT_EQ(plain(devices[1]),
              plain(Json::parse(R"({"irq_pin": 1, "bus": 0, "qdev_id": "edu1", "irq": 0,
                  "slot": 1, "class_info": {"class": 255},
                  "id": {"device": 4584, "subsystem-vendor": 6900, "vendor": 4660, "subsystem": 4352},
                  "function": 0, "regions": [{"prefetch": false, "mem_type_64": false, "bar": 0,
                  "size": 1048576, "address": -1, "type": "memory"}]})")));
    EXPECT_EQ(plain(devices[2]["regions"]),
              plain(Json::parse(R"([{"prefetch": false, "mem_type_64": false, "bar": 0,
                  "size": 4096, "address": -1, "type": "memory"},
                  {"bar": 1, "size": 256, "address": -1, "type": "io"}])")));
}

TEST_F(Qmp, QueryChardevListsTheMonitorsAndTheSerialPort) {
    Json chardevs = ret(R"({"execute":"query-chardev"})");
    const Json* serial = find_by(chardevs, "label", "serial0");
    ASSERT_TRUE(serial);
    EXPECT_EQ((*serial)["filename"], "null");
    EXPECT_EQ((*serial)["frontend-open"], true);
}

TEST_F(Qmp, QomListGetSet) {
    Json props = ret(R"({"execute":"qom-list","arguments":{"path":"/machine/peripheral/edu1"}})");
    const Json* mask = find_by(props, "name", "dma_mask");
    ASSERT_TRUE(mask);
    EXPECT_EQ((*mask)["type"], "uint64");
    EXPECT_TRUE(find_by(props, "name", "type"));

    const char* get_mask =
        R"({"execute":"qom-get","arguments":{"path":"/machine/peripheral/edu1","property":"dma_mask"}})";
    EXPECT_EQ(ret(get_mask), 268435455);
    EXPECT_EQ(ret(R"({"execute":"qom-get","arguments":{"path":"/machine","property":"type"}})"),
              "virt-machine");
    EXPECT_EQ(
        ret(R"({"execute":"qom-get","arguments":{"path":"/machine/peripheral/edu1","property":"addr"}})"),
        8); // slot 1, function 0: devfn 8
    EXPECT_EQ(
        plain(run(
            R"({"execute":"qom-get","arguments":{"path":"/machine/peripheral/edu1","property":"nosuch"}})")),
        plain(gen("Property 'edu.nosuch' not found")));
    EXPECT_EQ(
        plain(run(
            R"({"execute":"qom-get","arguments":{"path":"/machine/nosuch","property":"type"}})")),
        plain(error_reply("DeviceNotFound", "Device '/machine/nosuch' not found")));

    // (QEMU's edu makes dma_mask a plain object property, writable after
    // realize; here it is a qdev property, so a string property of the
    // machine shows a successful set.)
    EXPECT_EQ(
        ret(R"({"execute":"qom-set","arguments":{"path":"/machine","property":"append","value":"console=ttyS0"}})"),
        Json::object());
    EXPECT_EQ(ret(R"({"execute":"qom-get","arguments":{"path":"/machine","property":"append"}})"),
              "console=ttyS0");
    EXPECT_EQ(
        plain(run(
            R"({"execute":"qom-set","arguments":{"path":"/machine/peripheral/edu1","property":"addr","value":5}})")),
        plain(gen("Attempt to set property 'addr' on device 'edu1' (type 'edu') after it was "
                  "realized")));
    EXPECT_EQ(
        plain(run(
            R"({"execute":"qom-set","arguments":{"path":"/machine/peripheral/edu1","property":"dma_mask","value":"x"}})")),
        plain(gen("Parameter 'dma_mask' expects uint64")));
    EXPECT_EQ(
        plain(run(
            R"({"execute":"qom-set","arguments":{"path":"/machine/peripheral/edu1","property":"type","value":"x"}})")),
        plain(gen("Property 'edu.type' is not writable")));
    EXPECT_EQ(
        plain(run(
            R"({"execute":"qom-set","arguments":{"path":"/machine","property":"append","value":1}})")),
        plain(gen("Invalid parameter type for 'value', expected: string")));
}

TEST_F(Qmp, TypesAndDeviceProperties) {
    Json types = ret(R"({"execute":"qom-list-types","arguments":{"implements":"pci-device"}})");
    const Json* edu = find_by(types, "name", "edu");
    ASSERT_TRUE(edu);
    EXPECT_EQ(plain(*edu), plain(Json{{"name", "edu"}, {"parent", "pci-device"}}));
    EXPECT_FALSE(find_by(types, "name", "pci-device")) << "abstract types only when asked";
    Json all = ret(
        R"({"execute":"qom-list-types","arguments":{"implements":"pci-device","abstract":true}})");
    const Json* base = find_by(all, "name", "pci-device");
    ASSERT_TRUE(base);
    EXPECT_EQ((*base)["abstract"], true);

    Json props = ret(R"({"execute":"device-list-properties","arguments":{"typename":"edu"}})");
    const Json* addr = find_by(props, "name", "addr");
    ASSERT_TRUE(addr);
    EXPECT_EQ((*addr)["type"], "int32");
    EXPECT_EQ((*addr)["default-value"], -1);
    EXPECT_EQ((*addr)["description"], "Slot and optional function number, example: 06.0 or 06");
    EXPECT_TRUE(find_by(props, "name", "dma_mask"));
    for (const char* hidden : {"type", "realized", "hotplugged", "hotpluggable", "parent_bus"})
        EXPECT_FALSE(find_by(props, "name", hidden)) << hidden;
    EXPECT_EQ(
        plain(run(R"({"execute":"device-list-properties","arguments":{"typename":"nosuch"}})")),
        plain(error_reply("DeviceNotFound", "Device 'nosuch' not found")));
}

TEST_F(Qmp, HotplugIsRefusedAsOnQemusVirt) {
    const std::string no_hotplug = "Bus 'pcie.0' does not support hotplugging";
    for (const char* req :
         {R"({"execute":"device_add","arguments":{"driver":"edu","id":"x1"}})",
          R"({"execute":"device_add","arguments":{"driver":"edu","id":"edu1"}})",
          R"({"execute":"device_add","arguments":{"driver":"edu","id":"x1","nosuchprop":1}})",
          R"({"execute":"device_del","arguments":{"id":"edu1"}})"}) {
        EXPECT_EQ(plain(run(req)), plain(gen(no_hotplug))) << req;
    }
    EXPECT_EQ(plain(run(R"({"execute":"device_add","arguments":{"driver":"nosuch","id":"x1"}})")),
              plain(gen("'nosuch' is not a valid device model name")));
    EXPECT_EQ(plain(run(R"({"execute":"device_add","arguments":{"id":"x1"}})")),
              plain(gen("Parameter 'driver' is missing")));
    EXPECT_EQ(plain(run(R"({"execute":"device_del","arguments":{"id":"nosuch"}})")),
              plain(error_reply("DeviceNotFound", "Device 'nosuch' not found")));
    EXPECT_TRUE(object_resolve_path("/machine/peripheral/edu1")) << "edu1 is still there";
}

TEST_F(Qmp, HumanMonitorCommandReturnsTheOutput) {
    Json pci =
        ret(R"({"execute":"human-monitor-command","arguments":{"command-line":"info pci"}})");
    ASSERT_TRUE(pci.is_string());
    EXPECT_THAT(pci.get<std::string>(), HasSubstr("Class 0255: PCI device 1234:11e8\r\n"));
    EXPECT_THAT(pci.get<std::string>(), HasSubstr("id \"edu1\"\r\n"));
    EXPECT_EQ(
        ret(R"({"execute":"human-monitor-command","arguments":{"command-line":"nosuchcmd"}})"),
        "unknown command: 'nosuchcmd'\r\n");
    EXPECT_EQ(
        ret(R"({"execute":"human-monitor-command","arguments":{"command-line":"info status"}})"),
        "VM status: paused (prelaunch)\r\n");
}

TEST_F(Qmp, MemsaveAndPmemsaveWriteGuestMemory) {
    uint8_t pattern[32];
    for (int i = 0; i < 32; i++)
        pattern[i] = static_cast<uint8_t>(i * 7 + 1);
    ASSERT_EQ(address_space_write(address_space_memory(), 0x80001000, pattern, sizeof pattern),
              MEMTX_OK);
    std::string p = temp_path("pmem.bin"), v = temp_path("mem.bin"), z = temp_path("zero.bin");
    EXPECT_EQ(ret(fmt::format(
                  R"({{"execute":"pmemsave","arguments":{{"val":{},"size":32,"filename":"{}"}}}})",
                  0x80001000, p)),
              Json::object());
    // With satp = 0 the hart's virtual addresses are physical.
    EXPECT_EQ(
        ret(fmt::format(
            R"({{"execute":"memsave","arguments":{{"val":{},"size":32,"filename":"{}","cpu-index":0}}}})",
            0x80001000, v)),
        Json::object());
    EXPECT_EQ(
        ret(fmt::format(
            R"({{"execute":"pmemsave","arguments":{{"val":0,"size":16,"filename":"{}"}}}})", z)),
        Json::object());
    std::string expected(reinterpret_cast<char*>(pattern), sizeof pattern);
    EXPECT_EQ(read_file(p), expected);
    EXPECT_EQ(read_file(v), expected);
    EXPECT_EQ(read_file(z), std::string(16, '\0')) << "nothing mapped at 0 reads as zeros";
    for (const auto& f : {p, v, z})
        std::filesystem::remove(f);

    EXPECT_EQ(
        plain(run(
            R"({"execute":"memsave","arguments":{"val":2147483648,"size":16,"filename":"/tmp/x","cpu-index":5}})")),
        plain(gen("Parameter 'cpu-index' expects a CPU number")));
    EXPECT_EQ(
        plain(run(
            R"({"execute":"pmemsave","arguments":{"val":2147483648,"size":16,"filename":"/nonexistent/dir/x.bin"}})")),
        plain(gen("Could not open '/nonexistent/dir/x.bin': No such file or directory")));
}

// Every client gets the event, with a timestamp; the one who asked gets it
// before its return.
void expect_event(const std::vector<Json>& events, const char* name, const Json& data = nullptr) {
    ASSERT_EQ(events.size(), 1u) << name;
    const Json& ev = events[0];
    EXPECT_EQ(ev["event"], name);
    EXPECT_TRUE(ev["timestamp"]["seconds"].is_number());
    EXPECT_TRUE(ev["timestamp"]["microseconds"].is_number());
    if (data.is_null()) {
        EXPECT_FALSE(ev.contains("data"));
    } else {
        EXPECT_EQ(plain(ev["data"]), plain(data));
    }
}

TEST_F(Qmp, StopContResetPowerdownSendEventsToEveryClient) {
    std::vector<Json> events;
    EXPECT_EQ(plain(run(R"({"execute":"cont","id":"c"})", &events)),
              plain(Json{{"return", Json::object()}, {"id", "c"}}));
    expect_event(events, "RESUME");
    expect_event(other()->take_messages(), "RESUME");
    EXPECT_EQ(ret(R"({"execute":"query-status"})")["status"], "running");

    events.clear();
    (void)run(R"({"execute":"cont"})", &events);
    EXPECT_TRUE(events.empty()) << "already running: no event";

    events.clear();
    (void)run(R"({"execute":"stop"})", &events);
    expect_event(events, "STOP");
    expect_event(other()->take_messages(), "STOP");
    EXPECT_EQ(plain(ret(R"({"execute":"query-status"})")),
              plain(Json{{"status", "paused"}, {"singlestep", false}, {"running", false}}));
    events.clear();
    (void)run(R"({"execute":"stop"})", &events);
    EXPECT_TRUE(events.empty()) << "already stopped: no event";

    events.clear();
    (void)run(R"({"execute":"system_reset"})", &events);
    expect_event(events, "RESET", Json{{"guest", false}, {"reason", "host-qmp-system-reset"}});
    expect_event(other()->take_messages(), "RESET",
                 Json{{"guest", false}, {"reason", "host-qmp-system-reset"}});
    {
        BqlUnlockGuard unlocked; // the reset itself runs on the main loop, under the lock
        main_loop_context().restart();
        main_loop_context().poll();
    }

    events.clear();
    (void)run(R"({"execute":"system_powerdown"})", &events);
    expect_event(events, "POWERDOWN");

    // A client that has not negotiated gets no events.
    other()->disconnect();
    other()->connect();
    other()->take_lines();
    events.clear();
    (void)run(R"({"execute":"cont"})", &events);
    expect_event(events, "RESUME");
    EXPECT_TRUE(other()->take_lines().empty());
}

} // namespace
