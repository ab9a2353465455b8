// The hart's QMP commands (QEMU: softmmu/cpus.c, hw/core/machine-qmp-cmds.c):
// query-target, query-cpus-fast, and memsave, which reads memory through a
// hart's current translation.
#include "core/cpus.h"
#include "core/module.h"
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
        list.push_back(Json{{"thread-id", riscv_vcpu_thread_id()},
                            {"props", {{"core-id", i}}},
                            {"qom-path", object_get_canonical_path(cpus[i])},
                            {"cpu-index", i},
                            {"target", kTarget}});
    }
    return list;
}

// Reads virtual memory as the hart sees it now, page by page. The vCPUs
// are paused meanwhile, so that the hart's translation state holds still.
QmpResult memsave(const QmpArgs& args) {
    const auto& cpus = riscv_cpus();
    int64_t index = args.integer("cpu-index", 0);
    if (index < 0 || index >= static_cast<int64_t>(cpus.size())) {
        return QmpError{{}, "Parameter 'cpu-index' expects a CPU number"};
    }
    riscv::Hart& hart = cpus[index]->hart;
    uint64_t addr = static_cast<uint64_t>(args.integer("val"));
    int64_t size = args.integer("size");
    bool running = runstate_is_running();
    if (running) vm_stop(VmEventPolicy::Quiet);
    bool mapped = true;
    QmpResult r =
        qmp_save_memory(args.str("filename"), size, [&](uint64_t off, uint8_t* buf, size_t n) {
            for (size_t done = 0; done < n;) {
                uint64_t va = addr + off + done;
                size_t in_page = std::min<size_t>(n - done, 0x1000 - (va & 0xfff));
                auto pa = riscv::hart_translate(hart, va, riscv::Access::Load);
                if (pa) {
                    (void)address_space_read(address_space_memory(), *pa, buf + done, in_page);
                } else {
                    mapped = false;
                }
                done += in_page;
            }
        });
    if (running) vm_start(VmEventPolicy::Quiet);
    if (r.ok() && !mapped) {
        return QmpError{{}, fmt::format("Invalid addr 0x{:016x}/size {} specified", addr, size)};
    }
    return r;
}

void register_riscv_cpu_qmp() {
    qmp_register_command({"query-target", {}, [](const QmpArgs&) -> QmpResult {
                              return Json{{"arch", kTarget}};
                          }});
    qmp_register_command({"query-cpus-fast", {}, query_cpus_fast});
    qmp_register_command(
        {"memsave",
         {QmpArg{"val", QmpType::Int}, QmpArg{"size", QmpType::Int},
          QmpArg{"filename", QmpType::Str}, QmpArg{"cpu-index", QmpType::Int, true}},
         memsave});
}

} // namespace

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_riscv_cpu_qmp);
