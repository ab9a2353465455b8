// The hart as a QOM device, and the hart array boards instantiate.
#pragma once

#include "core/qdev/qdev.h"
#include "hw/cpu/riscv/cpu.h"

namespace mq {

inline constexpr const char* TYPE_RISCV_CPU_BASE64 = "rv64-riscv-cpu";
inline constexpr const char* TYPE_RISCV_CPU_MAX = "max-riscv-cpu";
inline constexpr const char* TYPE_RISCV_HART_ARRAY = "riscv.hart_array";

struct RISCVCPU : DeviceState {
    static constexpr const char* type = TYPE_RISCV_CPU_BASE64;
    riscv::Hart hart;
};

struct RISCVHartArrayState : DeviceState {
    static constexpr const char* type = TYPE_RISCV_HART_ARRAY;
    uint32_t num_harts = 1;
    uint32_t hartid_base = 0;
    uint64_t resetvec = 0x1000;
    std::string cpu_type = TYPE_RISCV_CPU_BASE64; // -cpu's model
    std::vector<RISCVCPU*> harts;
};

// The -cpu properties of a hart (cpu-props.cpp).
std::vector<DeviceProperty> riscv_cpu_isa_properties();

// The harts in the order they were realized: index = QEMU's cpu-index.
const std::vector<RISCVCPU*>& riscv_cpus();
// The host thread id of the vCPU thread that runs hart `cpu_index` (the
// process id before the threads start).
int riscv_vcpu_thread_id(size_t cpu_index);

} // namespace mq
