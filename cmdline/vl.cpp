// From argv to a running machine, in the order QEMU's qemu_init() follows:
// options, logging, type registration, the machine, its devices, run.
#include "cmdline/vl.h"

#include "cmdline/backends.h"
#include "cmdline/cpu-option.h"
#include "cmdline/host-options.h"
#include "cmdline/options.h"
#include "core/block/block.h"
#include "core/chardev.h"
#include "core/cpus.h"
#include "core/gdbstub/gdbstub.h"
#include "core/log.h"
#include "core/machine.h"
#include "core/main-loop.h"
#include "core/module.h"
#include "core/monitor.h"
#include "core/net/net.h"
#include "core/qdev/qdev.h"
#include "core/timer.h"
#include "hw/virtio/worker.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace mq {

namespace {

void print_stdout(const std::string& text) {
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
}

Status setup_logging(const VmOptions& opts, bool* help_only) {
    if (opts.log_items) {
        if (is_help_option(opts.log_items->value)) {
            print_stdout(qemu_log_help());
            *help_only = true;
            return {};
        }
        auto mask = qemu_str_to_log_mask(opts.log_items->value);
        if (!mask) return mask.take_error().at(opts.log_items->location());
        qemu_set_log(*mask);
    }
    if (opts.log_file) {
        if (auto st = qemu_set_log_filename(*opts.log_file); !st) return st;
    }
    return {};
}

// -m: the RAM size in bytes, or 0 for the machine's default.
Result<uint64_t> parse_memory_option(const OptionArg& arg) {
    auto bag = keyval_parse(arg.value, "size");
    if (!bag) return bag.take_error().at(arg.location());
    for (const auto& [key, value] : *bag) {
        if (key != "size") return make_error("Invalid parameter '{}'", key).at(arg.location());
    }
    const std::string* size = bag->get("size");
    if (!size) return 0; // -m '': the machine's default, as QEMU
    // A bare number means MiB, as in QEMU.
    auto bytes = parse_size(*size, 'M');
    if (!bytes) {
        return make_error("Parameter 'size' expects a non-negative number below 2^64")
            .with_hint("Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, "
                       "peta-\nand exabytes, respectively.\n")
            .at(arg.location());
    }
    return *bytes;
}

Result<unsigned> parse_smp_option(const OptionArg& arg, const MachineClass& mc) {
    auto bag = keyval_parse(arg.value, "cpus");
    if (!bag) return bag.take_error().at(arg.location());
    uint64_t cpus = 0;
    uint64_t topology = 1;
    bool has_topology = false;
    for (const auto& [key, value] : *bag) {
        auto v = PropertyTraits<uint32_t>::parse(key, value);
        if (!v) return v.take_error().at(arg.location());
        if (key == "cpus") {
            cpus = *v;
        } else if (key == "sockets" || key == "dies" || key == "clusters" || key == "cores" ||
                   key == "threads") {
            topology *= *v;
            has_topology = true;
        } else if (key != "maxcpus") {
            return make_error("Invalid parameter '{}'", key).at(arg.location());
        }
    }
    if (cpus == 0) cpus = has_topology ? topology : 1;
    if (cpus > mc.max_cpus) {
        return make_error("Invalid SMP CPUs {}. The max CPUs supported by machine '{}' is {}", cpus,
                          mc.name, mc.max_cpus);
    }
    return static_cast<unsigned>(cpus);
}

// The bundled guest: next to the binary, or in ../share/miniqemu.
Result<std::string> find_default_guest() {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    std::vector<fs::path> candidates;
    if (!ec) {
        candidates.push_back(exe.parent_path() / "miniqemu-default-guest.elf");
        candidates.push_back(exe.parent_path().parent_path() /
                             "share/miniqemu/miniqemu-default-guest.elf");
    }
    for (const auto& c : candidates) {
        if (fs::exists(c, ec)) return c.string();
    }
    return make_error("no -kernel or -bios given, and the bundled default guest "
                      "(miniqemu-default-guest.elf) is not next to the binary");
}

// -icount [shift=]N[,sleep=on|off][,align=off]: virtual time advances 2^N ns
// per instruction, so runs are repeatable.
Status configure_icount(const OptionArg& arg) {
    auto bag = keyval_parse(arg.value, "shift");
    if (!bag) return bag.take_error().at(arg.location());
    for (const auto& [key, value] : *bag) {
        if (key != "shift" && key != "sleep" && key != "align") {
            return make_error("Invalid parameter '{}'", key).at(arg.location());
        }
    }
    const std::string* shift = bag->get("shift");
    if (!shift) {
        // QEMU's icount_configure: no shift (-icount ''), no icount.
        if (bag->get("align")) {
            return make_error("Please specify shift option when using align").at(arg.location());
        }
        return {};
    }
    if (*shift == "auto") {
        return make_error("shift=auto is not supported; give a number of bits").at(arg.location());
    }
    auto n = PropertyTraits<uint8_t>::parse("shift", *shift);
    if (!n || *n > 10) {
        return make_error("icount: shift must be a number between 0 and 10").at(arg.location());
    }
    icount_configure(*n);
    return {};
}

} // namespace

namespace {

InitResult qemu_init_inner(int argc, const char* const* argv);

} // namespace

InitResult qemu_init(int argc, const char* const* argv) {
    InitResult init = qemu_init_inner(argc, argv);
    // -daemonize: the waiting parent exits with this.
    daemonize_ready(init.vm ? 0 : init.exit_status);
    return init;
}

namespace {

InitResult qemu_init_inner(int argc, const char* const* argv) {
    error_set_progname(argc > 0 ? argv[0] : "miniqemu");
    auto parsed = parse_command_line(argc, argv);
    if (!parsed) {
        error_report_err(parsed.error());
        return InitResult{nullptr, 1};
    }
    VmOptions& opts = *parsed;
    if (opts.show_help) {
        print_stdout(command_line_help(error_get_progname()));
        return InitResult{nullptr, 0};
    }
    if (opts.show_version) {
        print_stdout(version_text());
        return InitResult{nullptr, 0};
    }
    if (auto help = accel_help(opts)) {
        print_stdout(*help);
        return InitResult{nullptr, 0};
    }
    if (auto help = net_help(opts)) {
        print_stdout(*help);
        return InitResult{nullptr, 0};
    }
    if (auto parent_status = daemonize_start(opts)) return InitResult{nullptr, *parent_status};
    main_loop_setup_signals();

    // Logging comes before type registration, so that -d qom narrates it.
    bool help_only = false;
    if (auto st = setup_logging(opts, &help_only); !st) {
        error_report_err(st.error());
        return InitResult{nullptr, 1};
    }
    if (help_only) return InitResult{nullptr, 0};

    if (auto st = module_call_init(MODULE_INIT_QOM); !st) {
        error_report_err(st.error());
        return InitResult{nullptr, 1};
    }

    // -machine: all occurrences merge, the last value of a key wins.
    PropertyBag machine_opts;
    bool machine_help_wanted = false;
    for (const auto& arg : opts.machine) {
        auto bag = keyval_parse(arg.value, "type");
        if (!bag) {
            error_report_err(bag.take_error().at(arg.location()));
            return InitResult{nullptr, 1};
        }
        machine_help_wanted |= bag->help;
        for (const auto& [k, v] : *bag)
            machine_opts.set(k, v);
    }
    // QEMU's qemu_validate_options: even an empty -append needs a -kernel.
    bool linux_boot = opts.kernel || machine_opts.get("kernel");
    if (!linux_boot && (opts.append || machine_opts.get("append"))) {
        error_report_err(make_error("-append only allowed with -kernel option"));
        return InitResult{nullptr, 1};
    }
    if (!linux_boot && (opts.initrd || machine_opts.get("initrd"))) {
        error_report_err(make_error("-initrd only allowed with -kernel option"));
        return InitResult{nullptr, 1};
    }
    std::optional<std::string> machine_type = machine_opts.take("type");
    if (machine_help_wanted || (machine_type && is_help_option(*machine_type))) {
        MachineClass* mc = machine_type ? find_machine(*machine_type) : nullptr;
        print_stdout(mc ? machine_help(*mc) : machine_help_list());
        return InitResult{nullptr, 0};
    }

    if (opts.cpu && cpu_option_is_help(*opts.cpu)) {
        print_stdout(cpu_model_list());
        return InitResult{nullptr, 0};
    }

    // -device help and -device NAME,help are answered before anything is built.
    std::vector<PropertyBag> device_opts;
    for (const auto& arg : opts.devices) {
        auto bag = keyval_parse(arg.value, "driver");
        if (!bag) {
            error_report_err(bag.take_error().at(arg.location()));
            return InitResult{nullptr, 1};
        }
        const std::string* driver = bag->get("driver");
        if (bag->help || (driver && is_help_option(*driver))) {
            if (!driver || is_help_option(*driver)) {
                print_stdout(qdev_device_help_list());
                return InitResult{nullptr, 0};
            }
            auto help = qdev_device_help(*driver);
            if (!help) {
                error_report_err(help.take_error().at(arg.location()));
                return InitResult{nullptr, 1};
            }
            print_stdout(*help);
            return InitResult{nullptr, 0};
        }
        for (const auto& w : bag->warnings)
            error_report_err(Error{w, {}, arg.location()});
        device_opts.push_back(std::move(*bag));
    }

    MachineClass* mc = machine_type ? find_machine(*machine_type) : find_default_machine();
    if (!mc) {
        error_report_err(make_error("unsupported machine type")
                             .with_hint("Use -machine help to list supported machines\n"));
        return InitResult{nullptr, 1};
    }

    for (auto st : {configure_accel(opts, machine_opts), apply_host_options(opts)}) {
        if (!st) {
            error_report_err(st.error());
            return InitResult{nullptr, 1};
        }
    }
    if (opts.icount) {
        if (auto st = configure_icount(*opts.icount); !st) {
            error_report_err(st.error());
            return InitResult{nullptr, 1};
        }
    }
    for (auto* step : {setup_chardevs, setup_qtest}) {
        if (auto st = step(opts); !st) {
            error_report_err(st.error());
            return InitResult{nullptr, 1};
        }
    }
    qemu_set_no_reboot(opts.no_reboot);

    // The back ends devices find by id; -drive if=virtio and -nic add
    // devices of their own after the user's.
    if (auto st = setup_objects(opts); !st) {
        error_report_err(st.error());
        return InitResult{nullptr, 1};
    }
    std::vector<OptionArg> implied_devices;
    for (auto* step : {setup_drives, setup_networks}) {
        auto more = step(opts);
        if (!more) {
            error_report_err(more.error());
            return InitResult{nullptr, 1};
        }
        for (auto& text : *more) {
            auto bag = keyval_parse(text, "driver");
            if (!bag) {
                error_report_err(bag.take_error());
                return InitResult{nullptr, 1};
            }
            implied_devices.push_back(OptionArg{"-device", text});
            device_opts.push_back(std::move(*bag));
        }
    }

    auto vm = Vm::create(*mc, opts, machine_opts);
    if (!vm) {
        error_report_err(vm.error());
        return InitResult{nullptr, 1};
    }
    for (size_t i = 0; i < device_opts.size(); i++) {
        auto dev = qdev_device_add(device_opts[i]);
        if (!dev) {
            const OptionArg& arg = i < opts.devices.size()
                                       ? opts.devices[i]
                                       : implied_devices[i - opts.devices.size()];
            error_report_err(dev.take_error().at(arg.location()));
            return InitResult{nullptr, 1};
        }
    }
    MachineState& ms = (*vm)->machine();
    if (auto& done = machine_get_class(ms).done) {
        if (auto st = done(ms); !st) {
            error_report_err(st.error());
            return InitResult{nullptr, 1};
        }
    }
    if (!ms.dumpdtb.empty()) return InitResult{nullptr, (*vm)->dump_dtb()};
    // QEMU's net_check_clients: a back end that no NIC took, and the reverse.
    for (const std::string& warning : net_check_clients())
        error_report_err(Error{warning, {}, {}});
    // The gdb stub, once the CPUs exist (QEMU: qemu_machine_creation_done).
    gdbserver_register_hmp();
    if (opts.gdb) {
        if (auto st = gdbserver_start(*opts.gdb); !st) {
            Error e = st.error();
            error_report_err(e.at("-gdb " + *opts.gdb));
            return InitResult{nullptr, 1};
        }
    }
    return InitResult{std::move(*vm), 0};
}

} // namespace

int qemu_main(int argc, const char* const* argv) {
    InitResult init = qemu_init(argc, argv);
    if (!init.vm) {
        // Back ends made before a later option failed stop their threads.
        net_cleanup();
        return init.exit_status;
    }
    return init.vm->run();
}

Result<std::unique_ptr<Vm>> Vm::create(MachineClass& mc, const VmOptions& opts,
                                       const PropertyBag& machine_opts) {
    auto vm = std::unique_ptr<Vm>(new Vm());
    vm->m_opts = opts;

    auto obj = object_new_as<MachineState>(object_class_get_name(&mc));
    if (!obj) return obj.take_error();
    vm->m_machine = obj->get();
    object_property_add_child(object_get_root(), "machine", vm->m_machine);
    MachineState& ms = *vm->m_machine;

    if (opts.memory) {
        auto size = parse_memory_option(*opts.memory);
        if (!size) return size.take_error();
        if (*size) ms.ram_size = *size;
    }
    if (opts.smp) {
        auto cpus = parse_smp_option(*opts.smp, mc);
        if (!cpus) return cpus.take_error();
        ms.smp_cpus = *cpus;
    }
    for (const OptionArg& g : opts.globals) {
        if (auto st = apply_global_option(g); !st) return st.take_error();
    }
    if (opts.cpu) {
        auto type = apply_cpu_option(*opts.cpu);
        if (!type) return type.take_error();
        ms.cpu_type = *type;
    }
    // -kernel and friends are machine properties, as in QEMU.
    auto set = [&](const char* name, const std::optional<std::string>& v) -> Status {
        if (!v) return {};
        return object_property_set_str(&ms, name, *v);
    };
    for (auto [name, value] : {std::pair{"kernel", &opts.kernel},
                               {"append", &opts.append},
                               {"initrd", &opts.initrd},
                               {"dtb", &opts.dtb},
                               {"firmware", &opts.bios}}) {
        if (auto st = set(name, *value); !st) return st.take_error();
    }
    for (const auto& [key, value] : machine_opts) {
        if (auto st = object_property_set_str(&ms, key, value); !st) return st.take_error();
    }
    if (mc.boots_default_guest && !ms.kernel_filename && ms.firmware.empty()) {
        auto guest = find_default_guest();
        if (!guest) return guest.take_error();
        ms.kernel_filename = *guest;
        ms.firmware = "none";
    }

    qdev_get_peripheral();
    qdev_get_peripheral_anon();
    container_get(&ms, "/unattached");
    if (mc.init) {
        if (auto st = mc.init(ms); !st) return st.take_error();
    }
    return vm;
}

int Vm::dump_dtb() {
    const std::string& path = m_machine->dumpdtb;
    const std::vector<uint8_t>* fdt = machine_get_fdt(*m_machine);
    if (!fdt) {
        error_report_err(make_error("this machine has no device tree to dump"));
        return 1;
    }
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(fdt->data()),
              static_cast<std::streamsize>(fdt->size()));
    if (!out) {
        error_report_err(make_error("Failed to write dtb to '{}'", path));
        return 1;
    }
    std::fprintf(stderr, "%s: info: dtb dumped to %s. Exiting.\n", error_get_progname().c_str(),
                 path.c_str());
    return 0;
}

void Vm::reset() { qemu_system_reset(); }

int Vm::run() {
    {
        BqlGuard bql;
        reset();
        // A guest reset (the finisher's 0x7777, monitor system_reset): the
        // vCPUs stop at a block boundary, everything resets, they go on.
        qemu_set_reset_handler([] {
            bool running = runstate_is_running();
            vm_stop(VmEventPolicy::Quiet);
            qemu_system_reset();
            runstate_reset_done();
            if (running) vm_start(VmEventPolicy::Quiet);
        });
        qemu_chr_open_all();
        // -S: wait for the monitor's `cont`.
        if (!m_opts.start_stopped) vm_start();
    }
    int status = main_loop_run();
    vm_stop(VmEventPolicy::Quiet);
    cpus_shutdown();
    // Disk I/O in flight ends, and every drive is flushed, as QEMU closes them.
    VirtioWorker::stop_all();
    blk_flush_all();
    net_cleanup();
    {
        BqlGuard bql;
        qemu_chr_drain_all();
    }
    qemu_log_flush();
    return status;
}

} // namespace mq
