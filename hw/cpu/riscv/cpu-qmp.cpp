// The hart's QMP commands (QEMU: softmmu/cpus.c, hw/core/machine-qmp-cmds.c):
// query-target and query-cpus-fast, and `info cpus`, which shows the latter.
// (memsave is the core's: it reads through the CPU's debug interface.)
#include "core/module.h"
#include "core/monitor.h"
#include "core/qdev/sysbus.h"
#include "core/qmp/qmp.h"
#include "hw/cpu/riscv/riscv-cpu.h"

namespace mq {

namespace {

constexpr const char* kTarget = "riscv64";

QmpResult query_cpus_fast(const QmpArgs&) {
    Json list = Json::array();
    const auto& cpus = riscv_cpus();
    for (size_t i = 0; i < cpus.size(); i++) {
        list.push_back(Json{{"thread-id", riscv_vcpu_thread_id(i)},
                            {"props", {{"core-id", i}}},
                            {"qom-path", object_get_canonical_path(cpus[i])},
                            {"cpu-index", i},
                            {"target", kTarget}});
    }
    return list;
}

// QEMU's hmp_info_cpus: the monitor's current CPU, always CPU 0 here, has the '*'.
void hmp_info_cpus(Monitor& mon, const HmpArgs&) {
    const Json no_args = Json::object();
    QmpResult cpus = query_cpus_fast(QmpArgs(no_args));
    for (const Json& cpu : cpus.value()) {
        int64_t index = cpu["cpu-index"].get<int64_t>();
        mon.printf("{} CPU #{}: thread_id={}\n", index == 0 ? '*' : ' ', index,
                   cpu["thread-id"].get<int64_t>());
    }
}

void register_riscv_cpu_qmp() {
    hmp_register_info({"cpus", "", "", "show infos for each CPU", hmp_info_cpus});
    qmp_register_command({"query-target", {}, [](const QmpArgs&) -> QmpResult {
                              return Json{{"arch", kTarget}};
                          }});
    qmp_register_command({"query-cpus-fast", {}, query_cpus_fast});
}

} // namespace

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_riscv_cpu_qmp);
