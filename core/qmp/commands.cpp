// The core's QMP commands: the run state, the queries that need nothing but
// the core, human-monitor-command, memsave and pmemsave (QEMU: monitor/qmp-cmds.c,
// softmmu/cpus.c, qapi/*.json for the shapes). The object-model commands are
// in commands-qom.cpp; query-pci and the CPU's commands are added by hw/.
#include "core/cpus.h"
#include "core/machine.h"
#include "core/main-loop.h"
#include "core/memory.h"
#include "core/monitor.h"
#include "core/qdev/sysbus.h"
#include "core/qmp/qmp.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>

namespace mq {

void qmp_register_qom_commands(); // commands-qom.cpp

namespace {

using A = QmpArg;
using T = QmpType;

Json ok() { return Json::object(); }

QmpResult query_version(const QmpArgs&) { return qmp_query_version(); }

QmpResult query_commands(const QmpArgs&) {
    Json list = Json::array();
    for (const QmpCommand* c : qmp_command_list())
        list.push_back(Json{{"name", c->name}});
    return list;
}

QmpResult query_status(const QmpArgs&) {
    return Json{{"status", runstate_name(runstate_get())},
                {"singlestep", false},
                {"running", runstate_is_running()}};
}

QmpResult query_machines(const QmpArgs&) {
    Json list = Json::array();
    for (ObjectClass* oc : object_class_get_list(TYPE_MACHINE, false)) {
        auto& mc = class_cast<MachineClass>(*oc);
        Json m{{"name", mc.name}};
        if (mc.is_default) m["is-default"] = true;
        m["cpu-max"] = mc.max_cpus;
        m["hotpluggable-cpus"] = false;
        m["numa-mem-supported"] = false;
        m["deprecated"] = false;
        if (!mc.default_cpu_type.empty()) m["default-cpu-type"] = mc.default_cpu_type;
        if (!mc.default_ram_id.empty()) m["default-ram-id"] = mc.default_ram_id;
        list.push_back(std::move(m));
    }
    return list;
}

QmpResult query_chardev(const QmpArgs&) {
    Json list = Json::array();
    for (Chardev* chr : qemu_chr_list()) {
        list.push_back(Json{{"label", chr->label()},
                            {"filename", chr->filename()},
                            {"frontend-open", chr->frontend_open()}});
    }
    return list;
}

// Runs the line on a monitor of its own whose chardev keeps the output.
QmpResult human_monitor_command(const QmpArgs& args) {
    RingBufChardev chr("hmp-capture");
    Monitor mon(&chr);
    mon.handle_command(args.str("command-line"));
    return Json(chr.take_output());
}

// Writes `size` bytes to `filename`, read a chunk at a time by `read`
// (false when the chunk cannot be read: the file then ends there, as on
// QEMU, and the error is `unreadable`). A huge size costs no memory.
QmpResult save_memory(const std::string& filename, int64_t size,
                      const std::function<bool(uint64_t offset, std::span<uint8_t>)>& read,
                      const std::string& unreadable) {
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(filename.c_str(), "wb"), std::fclose);
    if (!f) {
        return QmpError{{}, fmt::format("Could not open '{}': {}", filename, std::strerror(errno))};
    }
    uint8_t buf[1024];
    for (uint64_t done = 0; done < uint64_t(size);) {
        size_t n = static_cast<size_t>(std::min<uint64_t>(sizeof(buf), uint64_t(size) - done));
        std::memset(buf, 0, n);
        if (!read(done, std::span(buf, n))) return QmpError{{}, unreadable};
        if (std::fwrite(buf, 1, n, f.get()) != n) {
            return QmpError{{}, fmt::format("writing memory to '{}' failed", filename)};
        }
        done += n;
    }
    return ok();
}

QmpResult pmemsave(const QmpArgs& args) {
    return qmp_pmemsave(static_cast<uint64_t>(args.integer("val")), args.integer("size"),
                        args.str("filename"));
}

QmpResult memsave(const QmpArgs& args) {
    return qmp_memsave(static_cast<uint64_t>(args.integer("val")), args.integer("size"),
                       args.str("filename"), args.integer("cpu-index", 0));
}

} // namespace

Json qmp_query_version() {
    unsigned major = 0, minor = 0, micro = 0;
    std::sscanf(MINIQEMU_VERSION_STRING, "%u.%u.%u", &major, &minor, &micro);
    return Json{{"qemu", {{"micro", micro}, {"minor", minor}, {"major", major}}},
                {"package", "miniqemu"}};
}

QmpResult qmp_pmemsave(uint64_t addr, int64_t size, const std::string& filename) {
    return save_memory(filename, size,
                       [addr](uint64_t off, std::span<uint8_t> buf) {
                           // Unmapped addresses read as zeros, as on QEMU.
                           (void)address_space_read(address_space_memory(), addr + off, buf.data(),
                                                    buf.size());
                           return true;
                       },
                       {});
}

QmpResult qmp_memsave(uint64_t addr, int64_t size, const std::string& filename, int64_t cpu_index) {
    CpuDebug* debug = cpus_runner() ? cpus_runner()->debug() : nullptr;
    if (!debug || cpu_index < 0 || cpu_index >= debug->cpu_count()) {
        return QmpError{{}, "Parameter 'cpu-index' expects a CPU number"};
    }
    // One pause for the whole file rather than one for each chunk read.
    VcpuPauseGuard paused;
    return save_memory(
        filename, size,
        [&](uint64_t off, std::span<uint8_t> buf) {
            return debug->read_memory(static_cast<int>(cpu_index), addr + off, buf);
        },
        fmt::format("Invalid addr 0x{:016x}/size {} specified", addr, size));
}

void qmp_register_core_commands() {
    static bool done = false;
    if (done) return;
    done = true;
    const std::vector<QmpCommand> rows = {
        {"qmp_capabilities",
         {A{"enable", T::StrList, true}},
         [](const QmpArgs&) -> QmpResult {
             return QmpError{QmpErrorClass::CommandNotFound,
                             "Capabilities negotiation is already complete, command ignored"};
         }},
        {"query-version", {}, query_version},
        {"query-commands", {}, query_commands},
        {"query-status", {}, query_status},
        {"query-name", {}, [](const QmpArgs&) -> QmpResult { return ok(); }},
        {"query-kvm",
         {},
         [](const QmpArgs&) -> QmpResult {
             return Json{{"enabled", false}, {"present", false}};
         }},
        {"query-machines", {}, query_machines},
        {"query-chardev", {}, query_chardev},
        {"query-hotpluggable-cpus",
         {},
         [](const QmpArgs&) -> QmpResult {
             return QmpError{{}, "The feature 'query-hotpluggable-cpus' is not enabled"};
         }},
        {"stop", {}, [](const QmpArgs&) -> QmpResult { return vm_stop(), ok(); }},
        {"cont",
         {},
         [](const QmpArgs&) -> QmpResult {
             if (runstate_get() == RunState::Shutdown)
                 return make_error("Resetting the Virtual Machine is required");
             return vm_start(), ok();
         }},
        {"system_reset",
         {},
         [](const QmpArgs&) -> QmpResult {
             qemu_system_reset_request(ShutdownCause::HostQmpSystemReset);
             return ok();
         }},
        {"system_powerdown",
         {},
         [](const QmpArgs&) -> QmpResult { return qemu_system_powerdown_request(), ok(); }},
        {"quit",
         {},
         [](const QmpArgs&) -> QmpResult {
             qemu_system_shutdown_request(ShutdownCause::HostQmpQuit, 0);
             return ok();
         }},
        {"human-monitor-command",
         {A{"command-line", T::Str}, A{"cpu-index", T::Int, true}},
         human_monitor_command},
        {"memsave",
         {A{"val", T::Int}, A{"size", T::Int}, A{"filename", T::Str}, A{"cpu-index", T::Int, true}},
         memsave},
        {"pmemsave", {A{"val", T::Int}, A{"size", T::Int}, A{"filename", T::Str}}, pmemsave},
    };
    for (const auto& row : rows)
        qmp_register_command(row);
    qmp_register_qom_commands();
}

} // namespace mq
