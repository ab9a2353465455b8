// The hart's -cpu properties: one bool per extension (zba=on), QEMU 7.2's
// capitalised spellings (Zfh=on), the bundles (zk, zkn, g), and the
// parameters (cbom_blocksize, pmu-num). `-cpu rv64,zba=off` sets them as
// global properties of the CPU type before the harts are realized; realize
// then checks the combination (isa_validate).
#include "hw/cpu/riscv/riscv-cpu.h"

#include "core/qdev/qdev-inl.h"

namespace mq {

namespace {

using riscv::Ext;
using riscv::IsaExts;

riscv::IsaConfig& isa_of(DeviceState& d) { return static_cast<RISCVCPU&>(d).hart.isa; }

// A bool property that is on when every extension of `members` is, and
// switches all of them.
DeviceProperty ext_prop(std::string name, IsaExts members, bool default_on, std::string desc) {
    DeviceProperty p;
    p.name = name;
    p.type = "bool";
    p.description = std::move(desc);
    p.default_value = default_on ? "true" : "false";
    p.set = [members, name](DeviceState& d, std::string_view s) -> Status {
        auto v = PropertyTraits<bool>::parse(name, s);
        if (!v) return v.take_error();
        IsaExts& exts = isa_of(d).exts;
        exts = *v ? exts | members : exts & ~members;
        return {};
    };
    p.get = [members](DeviceState& d) {
        return PropertyTraits<bool>::format((isa_of(d).exts & members) == members);
    };
    p.print = [members](DeviceState& d) {
        return qdev_print_value((isa_of(d).exts & members) == members);
    };
    return p;
}

// A property for something miniqemu does not implement: only "off" is accepted.
DeviceProperty absent_prop(std::string name, std::string what) {
    DeviceProperty p;
    p.name = name;
    p.type = "bool";
    p.description = what + " (not implemented: off only)";
    p.default_value = "false";
    p.set = [name, what](DeviceState&, std::string_view s) -> Status {
        auto v = PropertyTraits<bool>::parse(name, s);
        if (!v) return v.take_error();
        if (*v) return make_error("{} is not implemented by miniqemu", what);
        return {};
    };
    p.get = [](DeviceState&) { return std::string("false"); };
    p.print = [](DeviceState&) { return std::string("false"); };
    return p;
}

template <typename T>
DeviceProperty isa_param(std::string name, T riscv::IsaConfig::*field, T default_value,
                         std::string desc) {
    DeviceProperty p;
    p.name = name;
    p.type = PropertyTraits<T>::type_name;
    p.description = std::move(desc);
    p.default_value = PropertyTraits<T>::format(default_value);
    p.set = [name, field](DeviceState& d, std::string_view s) -> Status {
        auto v = PropertyTraits<T>::parse(name, s);
        if (!v) return v.take_error();
        isa_of(d).*field = *v;
        return {};
    };
    p.get = [field](DeviceState& d) { return PropertyTraits<T>::format(isa_of(d).*field); };
    p.print = [field](DeviceState& d) { return qdev_print_value(isa_of(d).*field); };
    return p;
}

} // namespace

std::vector<DeviceProperty> riscv_cpu_isa_properties() {
    std::vector<DeviceProperty> props;
    for (const riscv::ExtInfo& e : riscv::isa_ext_table()) {
        props.push_back(ext_prop(e.name, riscv::ext_bit(e.ext), e.default_on, e.desc));
        if (e.qemu72) {
            props.push_back(ext_prop(e.qemu72, riscv::ext_bit(e.ext), e.default_on,
                                     std::string(e.desc) + " (QEMU 7.2 spelling)"));
        }
    }
    const IsaExts zkn =
        riscv::ext_bits(Ext::Zbkb, Ext::Zbkc, Ext::Zbkx, Ext::Zkne, Ext::Zknd, Ext::Zknh);
    props.push_back(
        ext_prop("zkn", zkn, false, "the NIST crypto suite: zbkb zbkc zbkx zkne zknd zknh"));
    props.push_back(ext_prop("zk", zkn | riscv::ext_bits(Ext::Zkr, Ext::Zkt), false,
                             "the standard scalar crypto: zkn zkr zkt"));
    props.push_back(ext_prop(
        "g", riscv::ext_bits(Ext::I, Ext::M, Ext::A, Ext::F, Ext::D, Ext::Zicsr, Ext::Zifencei),
        false, "the general-purpose set: imafd zicsr zifencei"));
    props.push_back(ext_prop("debug", riscv::ext_bit(Ext::Sdtrig),
                             riscv::isa_ext_info(Ext::Sdtrig).default_on,
                             "debug triggers (QEMU's name for sdtrig)"));
    props.push_back(absent_prop("v", "the V extension"));
    props.push_back(absent_prop("h", "the H extension"));
    props.push_back(absent_prop("e", "the E base (RV64E)"));
    props.push_back(isa_param("cbom_blocksize", &riscv::IsaConfig::cbom_blocksize, uint16_t{64},
                              "Zicbom/Zicbop cache-block size in bytes"));
    props.push_back(isa_param("cboz_blocksize", &riscv::IsaConfig::cboz_blocksize, uint16_t{64},
                              "Zicboz cache-block size in bytes"));
    props.push_back(isa_param("pmu-num", &riscv::IsaConfig::pmu_num, uint8_t{16},
                              "how many programmable counters (mhpmcounter3..) exist"));
    return props;
}

} // namespace mq
