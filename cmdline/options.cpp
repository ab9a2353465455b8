#include "cmdline/options.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <array>
#include <functional>
#include <map>

namespace mq {

namespace {

enum class Arg { None, Required };

// The option table: every name QEMU users know, its synopsis and help for
// `-h`, and where CLI11 stores the value. Aliases share one entry.
struct OptionDef {
    std::vector<const char*> names; // without dashes: {"M", "machine"}
    Arg arg;
    const char* synopsis; // "-machine [type=]name[,prop[=value][,...]]"
    const char* help;
    const char* section;
};

const std::vector<OptionDef>& option_table() {
    static const std::vector<OptionDef> table{
        {{"h", "help"}, Arg::None, "-h or -help", "display this help and exit", "Standard options"},
        {{"version"},
         Arg::None,
         "-version",
         "display version information and exit",
         "Standard options"},
        {{"M", "machine"},
         Arg::Required,
         "-machine [type=]name[,prop[=value][,...]]",
         "selects emulated machine ('-machine help' for list)\n"
         "property dumpdtb=file dumps the device tree and exits",
         "Standard options"},
        {{"smp"},
         Arg::Required,
         "-smp [[cpus=]n]",
         "set the number of initial CPUs to 'n' [default=1]",
         "Standard options"},
        {{"cpu"},
         Arg::Required,
         "-cpu cpu",
         "select CPU ('-cpu help' for list)\n"
         "extensions are properties: -cpu rv64,zba=on,zbb=off",
         "Standard options"},
        {{"global"},
         Arg::Required,
         "-global driver.property=value",
         "set a global default for a driver property",
         "Standard options"},
        {{"m"},
         Arg::Required,
         "-m [size=]megs[M|G]",
         "configure guest RAM\nsize: initial amount of guest memory",
         "Standard options"},
        {{"device"},
         Arg::Required,
         "-device driver[,prop[=value][,...]]",
         "add device (based on driver)\nprop=value,... sets driver properties\n"
         "use '-device help' to print all possible drivers\n"
         "use '-device driver,help' to print all possible properties",
         "Standard options"},
        {{"kernel"},
         Arg::Required,
         "-kernel bzImage",
         "use 'bzImage' as kernel image",
         "Boot Image or Kernel specific"},
        {{"append"},
         Arg::Required,
         "-append cmdline",
         "use 'cmdline' as kernel command line",
         "Boot Image or Kernel specific"},
        {{"initrd"},
         Arg::Required,
         "-initrd file",
         "use 'file' as initial ram disk",
         "Boot Image or Kernel specific"},
        {{"dtb"},
         Arg::Required,
         "-dtb file",
         "use 'file' as device tree image",
         "Boot Image or Kernel specific"},
        {{"bios"},
         Arg::Required,
         "-bios file",
         "set the filename for the BIOS ('none' for none)",
         "Debug/Expert options"},
        {{"nographic"},
         Arg::None,
         "-nographic",
         "disable graphical output and redirect serial I/Os to console",
         "Display options"},
        {{"serial"},
         Arg::Required,
         "-serial dev",
         "redirect the serial port to char device 'dev'",
         "Debug/Expert options"},
        {{"monitor"},
         Arg::Required,
         "-monitor dev",
         "redirect the monitor to char device 'dev'",
         "Debug/Expert options"},
        {{"qmp"},
         Arg::Required,
         "-qmp dev",
         "like -monitor but opens in 'control' mode",
         "Debug/Expert options"},
        {{"S"},
         Arg::None,
         "-S",
         "freeze CPU at startup (use 'c' to start execution)",
         "Debug/Expert options"},
        {{"s"}, Arg::None, "-s", "shorthand for -gdb tcp::1234", "Debug/Expert options"},
        {{"gdb"},
         Arg::Required,
         "-gdb dev",
         "accept gdb connection on 'dev'",
         "Debug/Expert options"},
        {{"d"},
         Arg::Required,
         "-d item1,...",
         "enable logging of specified items (use '-d help' for a list)",
         "Debug/Expert options"},
        {{"D"},
         Arg::Required,
         "-D logfile",
         "output log to logfile (default stderr)",
         "Debug/Expert options"},
        {{"icount"},
         Arg::Required,
         "-icount [shift=N]",
         "enable virtual instruction counter with 2^N clock ticks per\ninstruction",
         "Debug/Expert options"},
        {{"accel"},
         Arg::Required,
         "-accel [accel=]accelerator[,thread=single|multi]",
         "select accelerator (tcg, or qtest: the CPUs never run; 'help' for a list)",
         "Debug/Expert options"},
        {{"qtest"},
         Arg::Required,
         "-qtest dev",
         "serve the qtest protocol on char device 'dev' (implies -accel qtest)",
         "Debug/Expert options"},
        {{"qtest-log"},
         Arg::Required,
         "-qtest-log file",
         "write the qtest transcript to 'file' ('none': nowhere; default stderr)",
         "Debug/Expert options"},
        {{"no-reboot"},
         Arg::None,
         "-no-reboot",
         "exit instead of rebooting",
         "Debug/Expert options"},
        {{"no-shutdown"},
         Arg::None,
         "-no-shutdown",
         "stop before shutdown",
         "Debug/Expert options"},
        {{"name"},
         Arg::Required,
         "-name string1[,process=string2][,debug-threads=on|off]",
         "set the name of the guest\nstring1 sets the window title and string2 the process name",
         "Standard options"},
        {{"enable-kvm"},
         Arg::None,
         "-enable-kvm",
         "enable KVM full virtualization support",
         "Standard options"},
        {{"chardev"},
         Arg::Required,
         "-chardev backend,id=id[,mux=on|off][,...]",
         "null, stdio, file,path=, pipe,path=, pty,\n"
         "socket,path=|host=,port=[,server=on|off][,wait=on|off][,nodelay=on|off]"
         "[,reconnect=seconds], ringbuf",
         "Character device options"},
        {{"mon"},
         Arg::Required,
         "-mon [chardev=]name[,mode=readline|control][,pretty=on|off]",
         "a monitor on chardev 'name'",
         "Debug/Expert options"},
        {{"display"},
         Arg::Required,
         "-display none",
         "select display backend type (only 'none' exists here)",
         "Display options"},
        {{"vga"},
         Arg::Required,
         "-vga [none]",
         "select video card type (virt has none)",
         "Display options"},
        {{"drive"},
         Arg::Required,
         "-drive [file=file][,if=type][,index=i][,format=f][,id=name][,readonly=on|off]\n"
         "       [,cache=writethrough|writeback|none|directsync|unsafe]",
         "use 'file' as a drive image (if=virtio: a virtio-blk disk; if=none: for -device)",
         "Block device options"},
        {{"netdev"},
         Arg::Required,
         "-netdev user,id=str[,net=addr[/mask]][,restrict=on|off][,hostfwd=rule]",
         "configure a user mode network backend with ID 'str'\n"
         "hostfwd=tcp::HOSTPORT-:GUESTPORT redirects a host port into the guest",
         "Network options"},
        {{"nic"},
         Arg::Required,
         "-nic user[,model=type][,mac=addr][,...]",
         "initialize an on-board / default host NIC and a back end in one go\n"
         "(model=help lists the NIC models)",
         "Network options"},
        {{"net"},
         Arg::Required,
         "-net nic[,model=type][,macaddr=mac] | -net user[,...]",
         "configure or create an on-board (or machine default) NIC and\n"
         "connect it to a back end (legacy form)",
         "Network options"},
        {{"object"},
         Arg::Required,
         "-object TYPENAME[,PROP1=VALUE1,...]",
         "create a new object of type TYPENAME setting properties\n"
         "rng-random,id=id,filename=/dev/urandom | rng-builtin,id=id",
         "Generic object creation"},
        {{"nodefaults"},
         Arg::None,
         "-nodefaults",
         "don't create default devices",
         "Standard options"},
        {{"rtc"},
         Arg::Required,
         "-rtc [base=utc|localtime|datetime][,clock=host|rt|vm]",
         "set the RTC base and clock",
         "Standard options"},
        {{"pidfile"}, Arg::Required, "-pidfile file", "write PID to 'file'", "Standard options"},
        {{"daemonize"},
         Arg::None,
         "-daemonize",
         "daemonize QEMU after initializing",
         "Standard options"},
    };
    return table;
}

// CLI11's name for an option: its longest QEMU name with two dashes.
std::string cli_name(const OptionDef& def) {
    std::string names;
    for (const char* n : def.names) {
        if (!names.empty()) names += ",";
        names += fmt::format("--{}", n);
    }
    return names;
}

const OptionDef* find_option(std::string_view name) {
    for (const auto& def : option_table()) {
        for (const char* n : def.names) {
            if (name == n) return &def;
        }
    }
    return nullptr;
}

} // namespace

Result<VmOptions> parse_command_line(int argc, const char* const* argv) {
    // Pass 1, QEMU's lookup_opt(): one dash or two, then the name; an option
    // that takes an argument takes the next word whatever it looks like,
    // the empty word too. Each occurrence becomes "--name" and its value as
    // two words for CLI11, which then takes the value as it is ("--name="
    // with an empty value would make CLI11 take the word after it instead).
    std::vector<std::string> words;
    std::vector<OptionArg> occurrences; // the same, as the user wrote them
    for (int i = 1; i < argc; i++) {
        std::string_view word = argv[i];
        if (word.size() < 2 || word[0] != '-') {
            return make_error("Could not open '{}': disk images are not supported", word)
                .at(std::string(word));
        }
        std::string_view name = word.substr(word.starts_with("--") ? 2 : 1);
        const OptionDef* def = find_option(name);
        if (!def) return make_error("invalid option").at(std::string(word));
        std::string canonical = fmt::format("--{}", def->names.back());
        if (def->arg == Arg::Required) {
            if (i + 1 >= argc) return make_error("requires an argument").at(std::string(word));
            std::string value = argv[++i];
            words.push_back(canonical);
            words.push_back(value);
            occurrences.push_back({std::string(word), value});
        } else {
            words.push_back(canonical);
            occurrences.push_back({std::string(word), {}});
        }
    }

    // Pass 2: CLI11 stores the values.
    CLI::App app{"miniqemu"};
    app.set_help_flag();
    VmOptions opts;
    std::vector<std::string> machine, devices, memory, smp, bios, kernel, append, initrd, dtb,
        serial, monitor, qmp, gdb, log_items, log_file, icount, qtest, qtest_log;
    std::map<const OptionDef*, std::vector<std::string>*> stores;
    std::map<const OptionDef*, bool*> flags;
    bool help = false, version = false, nographic = false, stopped = false, gdb_default = false,
         no_reboot = false;
    auto bind = [&](std::string_view name, std::vector<std::string>* store) {
        stores[find_option(name)] = store;
    };
    bind("machine", &machine);
    bind("device", &devices);
    bind("m", &memory);
    bind("smp", &smp);
    bind("bios", &bios);
    bind("kernel", &kernel);
    bind("append", &append);
    bind("initrd", &initrd);
    bind("dtb", &dtb);
    bind("serial", &serial);
    bind("monitor", &monitor);
    bind("qmp", &qmp);
    bind("gdb", &gdb);
    bind("d", &log_items);
    bind("D", &log_file);
    bind("icount", &icount);
    bind("qtest", &qtest);
    bind("qtest-log", &qtest_log);
    flags[find_option("help")] = &help;
    flags[find_option("version")] = &version;
    flags[find_option("nographic")] = &nographic;
    flags[find_option("S")] = &stopped;
    flags[find_option("s")] = &gdb_default;
    flags[find_option("no-reboot")] = &no_reboot;
    // Options read back from `occurrences` below need no store of their own.
    std::map<const OptionDef*, std::vector<std::string>> other_values;
    std::map<const OptionDef*, bool> other_flags;
    for (const auto& def : option_table()) {
        if (def.arg == Arg::Required) {
            auto it = stores.find(&def);
            auto* store = it != stores.end() ? it->second : &other_values[&def];
            app.add_option(cli_name(def), *store, def.help)->allow_extra_args(false);
        } else {
            auto it = flags.find(&def);
            bool* flag = it != flags.end() ? it->second : &other_flags[&def];
            app.add_flag(cli_name(def), *flag, def.help)
                ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
        }
    }
    try {
        std::vector<std::string> reversed(words.rbegin(), words.rend());
        app.parse(reversed);
    } catch (const CLI::ParseError& e) {
        return make_error("{}", e.what());
    }

    // Keep each option's text for error locations.
    auto args_of = [&](std::string_view name) {
        const OptionDef* def = find_option(name);
        std::vector<OptionArg> out;
        for (auto& occ : occurrences) {
            std::string_view n = occ.option;
            n.remove_prefix(n.starts_with("--") ? 2 : 1);
            if (find_option(n) == def) out.push_back(occ);
        }
        return out;
    };
    auto last = [&](std::string_view name) -> std::optional<OptionArg> {
        auto all = args_of(name);
        if (all.empty()) return std::nullopt;
        return all.back();
    };
    auto last_value = [](const std::vector<std::string>& v) -> std::optional<std::string> {
        if (v.empty()) return std::nullopt;
        return v.back();
    };

    opts.machine = args_of("machine");
    opts.devices = args_of("device");
    opts.memory = last("m");
    opts.smp = last("smp");
    opts.cpu = last("cpu");
    opts.globals = args_of("global");
    opts.bios = last_value(bios);
    opts.kernel = last_value(kernel);
    opts.append = last_value(append);
    opts.initrd = last_value(initrd);
    opts.dtb = last_value(dtb);
    opts.serial = serial;
    opts.monitor = monitor;
    opts.qmp = qmp;
    opts.gdb = last_value(gdb);
    if (gdb_default && !opts.gdb) opts.gdb = "tcp::1234";
    opts.log_items = last("d");
    opts.log_file = last_value(log_file);
    opts.icount = last("icount");
    opts.qtest = last_value(qtest);
    opts.qtest_log = last_value(qtest_log);
    opts.nographic = nographic;
    opts.start_stopped = stopped;
    opts.no_reboot = no_reboot;
    opts.show_help = help;
    opts.show_version = version;
    opts.chardevs = args_of("chardev");
    opts.drives = args_of("drive");
    opts.netdevs = args_of("netdev");
    opts.nics = args_of("nic");
    opts.nets = args_of("net");
    opts.objects = args_of("object");
    opts.mons = args_of("mon");
    opts.accel = args_of("accel");
    opts.name = last("name");
    opts.display = last("display");
    opts.vga = last("vga");
    opts.rtc = last("rtc");
    opts.pidfile = last("pidfile");
    auto given = [&](std::string_view name) { return !args_of(name).empty(); };
    opts.no_shutdown = given("no-shutdown");
    opts.enable_kvm = given("enable-kvm");
    opts.nodefaults = given("nodefaults");
    opts.daemonize = given("daemonize");
    return opts;
}

std::string version_text() {
    return fmt::format("miniqemu emulator version {} (a RISC-V virt emulator with QEMU's "
                       "command line)\n",
                       MINIQEMU_VERSION);
}

std::string command_line_help(const std::string& program) {
    std::string out = version_text();
    out += fmt::format("usage: {} [options]\n", program);
    std::string section;
    for (const auto& def : option_table()) {
        if (section != def.section) {
            section = def.section;
            out += fmt::format("\n{}:\n", section);
        }
        std::string synopsis = def.synopsis;
        std::string help = def.help;
        // QEMU's layout: the synopsis, then the help from column 16.
        std::string first_line = help.substr(0, help.find('\n'));
        if (synopsis.size() < 16) {
            out += fmt::format("{:<16}{}\n", synopsis, first_line);
        } else {
            out += fmt::format("{}\n{:16}{}\n", synopsis, "", first_line);
        }
        for (size_t pos = help.find('\n'); pos != std::string::npos;) {
            size_t next = help.find('\n', pos + 1);
            out += fmt::format("{:16}{}\n", "", help.substr(pos + 1, next - pos - 1));
            pos = next;
        }
    }
    out += "\nDuring emulation, the following keys are useful:\n"
           "ctrl-a h    print this help\n"
           "ctrl-a x    exit emulator\n"
           "ctrl-a c    switch between console and monitor\n";
    return out;
}

} // namespace mq
