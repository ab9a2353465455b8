#include "cmdline/host-options.h"

#include "core/chardev.h"
#include "core/cpus.h"
#include "core/machine.h"
#include "core/main-loop.h"
#include "core/monitor.h"
#include "core/qmp/qmp.h"
#include "core/qtest/qtest.h"
#include "core/timer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace mq {

namespace {

int g_ready_fd = -1; // the child's end of the pipe its parent waits on
std::string g_pidfile;

Status check_only_keys(const PropertyBag& bag, std::initializer_list<std::string_view> keys,
                       const OptionArg& arg) {
    for (const auto& [key, value] : bag) {
        if (std::ranges::find(keys, key) == keys.end())
            return make_error("Invalid parameter '{}'", key).at(arg.location());
    }
    return {};
}

Status accel_named(std::string_view name, std::optional<std::string> location) {
    auto at = [&](Error e) { return location ? e.at(*location) : e; };
    if (name == "tcg") return {};
    if (name == "qtest") {
        qtest_accel_enable();
        return {};
    }
    return at(make_error("invalid accelerator {}", name));
}

// -rtc base=utc|localtime|DATE,clock=host|rt|vm
Status configure_rtc(const OptionArg& arg) {
    auto bag = keyval_parse(arg.value, "base");
    if (!bag) return bag.take_error().at(arg.location());
    if (auto st = check_only_keys(*bag, {"base", "clock", "driftfix"}, arg); !st) return st;
    QEMUClockType clock = QEMU_CLOCK_HOST;
    if (const std::string* c = bag->get("clock")) {
        if (*c == "host") {
            clock = QEMU_CLOCK_HOST;
        } else if (*c == "rt") {
            clock = QEMU_CLOCK_REALTIME;
        } else if (*c == "vm") {
            clock = QEMU_CLOCK_VIRTUAL;
        } else {
            return make_error("invalid option value '{}'", *c);
        }
    }
    RtcBase base{};
    if (const std::string* b = bag->get("base")) {
        if (*b == "localtime") {
            base.localtime = true;
        } else if (*b != "utc") {
            struct tm tm {};
            const char* end = strptime(b->c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
            if (!end || *end) {
                tm = {};
                end = strptime(b->c_str(), "%Y-%m-%d", &tm);
            }
            if (!end || *end || tm.tm_year < 0) {
                return make_error("invalid datetime format")
                    .with_hint("valid formats: '2006-06-17T16:01:21' or '2006-06-17'\n");
            }
            base.date_s = timegm(&tm);
        }
    }
    rtc_configure(clock, base);
    return {};
}

Status write_pidfile(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        return make_error("cannot create PID file: Could not create '{}': {}", path,
                          std::strerror(errno));
    }
    // Held until exit: a second instance with the same file fails.
    if (lockf(fd, F_TLOCK, 0) != 0) {
        ::close(fd);
        return make_error("cannot create PID file: Cannot lock pid file: {}", std::strerror(errno));
    }
    std::string pid = fmt::format("{}\n", getpid());
    if (ftruncate(fd, 0) != 0 || ::write(fd, pid.data(), pid.size()) != ssize_t(pid.size())) {
        ::close(fd);
        return make_error("cannot create PID file: Failed to write PID file: {}",
                          std::strerror(errno));
    }
    g_pidfile = path;
    std::atexit([] { ::unlink(g_pidfile.c_str()); });
    return {};
}

} // namespace

std::optional<int> daemonize_start(const VmOptions& opts) {
    if (!opts.daemonize) return std::nullopt;
    int fds[2];
    if (pipe(fds) != 0) return std::nullopt;
    pid_t pid = fork();
    if (pid < 0) {
        error_report_err(make_error("failed to daemonize: {}", std::strerror(errno)));
        return 1;
    }
    if (pid > 0) {
        // The parent: the child's start-up status becomes ours.
        ::close(fds[1]);
        uint8_t status = 1;
        ssize_t n;
        do {
            n = ::read(fds[0], &status, 1);
        } while (n < 0 && errno == EINTR);
        return n == 1 ? status : 1;
    }
    ::close(fds[0]);
    g_ready_fd = fds[1];
    setsid();
    qemu_set_daemonized(true);
    return std::nullopt;
}

void daemonize_ready(int status) {
    if (g_ready_fd < 0) return;
    uint8_t byte = static_cast<uint8_t>(status);
    (void)!::write(g_ready_fd, &byte, 1);
    ::close(g_ready_fd);
    g_ready_fd = -1;
    if (status != 0) return;
    // Nobody is at the terminal any more.
    int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        if (null > 2) ::close(null);
    }
}

std::optional<std::string> accel_help(const VmOptions& opts) {
    for (const auto& arg : opts.accel) {
        auto bag = keyval_parse(arg.value, "accel");
        if (!bag) continue; // configure_accel reports it
        const std::string* name = bag->get("accel");
        // QEMU leaves qtest out of the list: it is for tests only.
        if (!name || is_help_option(*name)) return "Accelerators supported in QEMU binary:\ntcg\n";
    }
    return std::nullopt;
}

Status configure_accel(const VmOptions& opts, PropertyBag& machine_opts) {
    if (auto accel = machine_opts.take("accel")) {
        // "kvm:tcg" is a list to try in order; only tcg is here.
        std::string_view list = *accel;
        bool found = false;
        while (!list.empty() && !found) {
            std::string_view name = list.substr(0, list.find(':'));
            found = name == "tcg";
            list.remove_prefix(std::min(list.size(), name.size() + 1));
            if (!found && list.empty()) return accel_named(name, std::nullopt);
        }
    }
    if (opts.enable_kvm) return accel_named("kvm", std::nullopt);
    // -qtest implies -accel qtest, as in QEMU.
    if (opts.qtest && opts.accel.empty()) return accel_named("qtest", std::nullopt);
    for (const auto& arg : opts.accel) {
        auto bag = keyval_parse(arg.value, "accel");
        if (!bag) return bag.take_error().at(arg.location());
        const std::string* name = bag->get("accel");
        if (!name) return make_error("Parameter 'accel' is missing").at(arg.location());
        if (auto st = accel_named(*name, arg.location()); !st) return st;
        if (auto st = check_only_keys(*bag, {"accel", "thread", "tb-size", "one-insn-per-tb"}, arg);
            !st)
            return st;
        if (const std::string* t = bag->get("thread")) {
            if (*t == "single") {
                tcg_set_threads(TcgThreads::Single);
            } else if (*t == "multi") {
                if (opts.icount)
                    return make_error("No MTTCG when icount is enabled").at(arg.location());
                tcg_set_threads(TcgThreads::Multi);
            } else {
                return make_error("Invalid 'thread' setting {}", *t).at(arg.location());
            }
        }
    }
    return {};
}

Status apply_host_options(const VmOptions& opts) {
    if (opts.daemonize && opts.nographic)
        return make_error("-nographic cannot be used with -daemonize");
    if (opts.name) {
        auto bag = keyval_parse(opts.name->value, "guest");
        if (!bag) return bag.take_error().at(opts.name->location());
        if (auto st = check_only_keys(*bag, {"guest", "process", "debug-threads"}, *opts.name); !st)
            return st;
        if (const std::string* guest = bag->get("guest")) qemu_set_name(*guest);
    }
    if (opts.display && opts.display->value != "none" &&
        !opts.display->value.starts_with("none,")) {
        std::string kind = opts.display->value.substr(0, opts.display->value.find(','));
        if (is_help_option(kind)) return make_error("Available display backend types:\nnone");
        return make_error("Display '{}' is not available.", kind);
    }
    if (opts.vga && opts.vga->value != "none") {
        std::fprintf(stderr,
                     "%s: warning: A -vga option was passed but this machine type does not use "
                     "that option; No VGA device has been created\n",
                     error_get_progname().c_str());
    }
    if (opts.rtc) {
        if (auto st = configure_rtc(*opts.rtc); !st) return st;
    }
    qemu_set_no_shutdown(opts.no_shutdown);
    if (opts.pidfile) {
        if (auto st = write_pidfile(opts.pidfile->value); !st) return st;
    }
    return {};
}

Status setup_qtest(const VmOptions& opts) {
    if (!opts.qtest) return {};
    std::string where = "-qtest " + *opts.qtest;
    auto chr = qemu_chr_new("qtest", *opts.qtest, where);
    if (!chr || !*chr) {
        if (!chr) error_report_err(chr.take_error().at(where));
        return make_error("Failed to initialize device for qtest: \"{}\"", *opts.qtest);
    }
    return qtest_server_init(*chr, opts.qtest_log.value_or(""));
}

Status setup_chardevs(const VmOptions& opts) {
    for (const auto& arg : opts.chardevs) {
        auto bag = keyval_parse(arg.value, "backend");
        if (!bag) return bag.take_error().at(arg.location());
        for (const auto& w : bag->warnings)
            error_report_err(Error{w, {}, arg.location()});
        auto chr = qemu_chr_new_from_opts(*bag, arg.location());
        if (!chr) return chr.take_error().at(arg.location());
    }

    // QEMU's defaults. Without a display the serial port and the monitor
    // go to QEMU's "vc", which nothing shows: here, nowhere.
    bool default_serial = opts.serial.empty() && !opts.nodefaults;
    bool default_monitor =
        opts.monitor.empty() && opts.mons.empty() && opts.qmp.empty() && !opts.nodefaults;
    // Under qtest too: -qtest stdio may want stdio.
    bool invisible = !opts.nographic && (opts.daemonize || opts.display || opts.qtest);
    // Each with the option that asked for it; QEMU names none for a default.
    struct Spec {
        std::string spec, where;
    };
    std::vector<Spec> serials_wanted, monitors_wanted;
    for (const auto& s : opts.serial)
        serials_wanted.push_back({s, "-serial " + s});
    for (const auto& m : opts.monitor) {
        if (m != "none") monitors_wanted.push_back({m, "-monitor " + m});
    }
    if (!invisible) {
        if (default_serial && default_monitor) {
            serials_wanted.push_back({"mon:stdio", ""});
        } else {
            if (default_serial) serials_wanted.push_back({"stdio", ""});
            if (default_monitor) monitors_wanted.push_back({"stdio", ""});
        }
    }

    for (size_t i = 0; i < monitors_wanted.size(); i++) {
        const auto& [spec, where] = monitors_wanted[i];
        auto chr = qemu_chr_new(fmt::format("compat_monitor{}", i), spec, where);
        if (!chr) {
            // QEMU: a spec that does not parse gets a second line; a chardev
            // that fails to open, only its own error.
            if (qemu_chr_spec_parses(spec)) return chr.take_error().at(where);
            error_report_err(chr.take_error().at(where));
            return make_error("parse error: {}", spec).at(where);
        }
        if (*chr) monitor_init_hmp(*chr);
    }
    // -qmp: numbered after the -monitor ones.
    for (size_t i = 0; i < opts.qmp.size(); i++) {
        const std::string& spec = opts.qmp[i];
        std::string where = "-qmp " + spec;
        auto chr =
            qemu_chr_new(fmt::format("compat_monitor{}", monitors_wanted.size() + i), spec, where);
        if (!chr) {
            error_report_err(chr.take_error().at(where));
            return make_error("parse error: {}", spec).at(where);
        }
        if (*chr) {
            if (auto st = qmp_monitor_init(*chr); !st) return st.take_error().at(where);
        }
    }
    for (const auto& arg : opts.mons) {
        auto bag = keyval_parse(arg.value, "chardev");
        if (!bag) return bag.take_error().at(arg.location());
        if (auto st = check_only_keys(*bag, {"chardev", "mode", "pretty"}, arg); !st) return st;
        const std::string* id = bag->get("chardev");
        if (!id) return make_error("Parameter 'chardev' is missing").at(arg.location());
        Chardev* chr = qemu_chr_find(*id);
        if (!chr) return make_error("chardev \"{}\" not found", *id).at(arg.location());
        const std::string* mode = bag->get("mode");
        if (!mode || *mode == "readline") {
            monitor_init_hmp(chr);
        } else if (*mode == "control") {
            if (auto st = qmp_monitor_init(chr); !st) return st.take_error().at(arg.location());
        } else {
            return make_error("Parameter 'mode' does not accept value '{}'", *mode)
                .at(arg.location());
        }
    }
    std::vector<Chardev*> serials;
    for (size_t i = 0; i < serials_wanted.size(); i++) {
        const auto& [spec, where] = serials_wanted[i];
        auto chr = qemu_chr_new(fmt::format("serial{}", i), spec, where);
        if (!chr) {
            error_report_err(chr.take_error().at(where));
            return make_error("could not connect serial device to character backend '{}'", spec)
                .at(where);
        }
        // "mon:" puts a monitor on the same mux as the serial port.
        if (*chr && spec.starts_with("mon:")) monitor_init_hmp(*chr);
        serials.push_back(*chr);
    }
    serial_hds_set(std::move(serials));
    return {};
}

} // namespace mq
