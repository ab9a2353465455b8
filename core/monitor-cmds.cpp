// The core's HMP commands beyond the basics of monitor.cpp (QEMU:
// monitor/hmp-cmds.c, monitor/misc.c, qom/qom-hmp-cmds.c,
// softmmu/qdev-monitor.c, chardev/char.c, hw/core/loader.c): the `info`
// rows that need only the core, logging, the object model and device_add.
//
// Where QEMU's HMP command calls its QMP twin, so does this one, and prints
// a failure as QEMU's hmp_handle_error does: "Error: " and the message.
#include "core/chardev.h"
#include "core/loader.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/monitor.h"
#include "core/qdev/qdev.h"
#include "core/qdev/sysbus.h"
#include "core/qmp/qmp.h"

namespace mq {

namespace {

// QEMU's hmp_handle_error.
void print_result(Monitor& mon, const QmpResult& r) {
    if (!r.ok()) mon.printf("Error: {}\n", r.error().desc);
}

// QEMU's error_report while a monitor command runs: the message and its
// hint, without the program's name.
void print_error(Monitor& mon, const Error& e) { mon.printf("{}\n{}", e.message, e.hint); }

// --- info ---

void hmp_info_chardev(Monitor& mon, const HmpArgs&) {
    for (Chardev* chr : qemu_chr_list())
        mon.printf("{}: filename={}\n", chr->label(), chr->filename());
}

// "7.2.22Debian 1:7.2+dfsg-7" on QEMU: the package follows the version
// without a space.
void hmp_info_version(Monitor& mon, const HmpArgs&) {
    Json v = qmp_query_version();
    const Json& q = v["qemu"];
    mon.printf("{}.{}.{}{}\n", q["major"].get<int64_t>(), q["minor"].get<int64_t>(),
               q["micro"].get<int64_t>(), v["package"].get<std::string>());
}

// --- logging ---

// An unknown item (or none at all) gets the command's help line, as QEMU's
// hmp_log answers.
void hmp_log(Monitor& mon, const HmpArgs& args) {
    std::string items = *args.get_str("items");
    uint32_t mask = 0;
    if (items != "none") {
        auto parsed = qemu_str_to_log_mask(items);
        if (!parsed || *parsed == 0) {
            mon.handle_command("help log");
            return;
        }
        mask = *parsed;
    }
    qemu_set_log(mask);
}

void hmp_logfile(Monitor& mon, const HmpArgs& args) {
    if (auto st = qemu_set_log_filename(*args.get_str("filename")); !st)
        print_error(mon, st.error());
}

// --- the object model ---

void hmp_qom_list(Monitor& mon, const HmpArgs& args) {
    auto path = args.get_str("path");
    if (!path) {
        mon.print("/\n");
        return;
    }
    QmpResult r = qmp_qom_list(*path);
    if (r.ok()) {
        for (const Json& p : r.value())
            mon.printf("{} ({})\n", p["name"].get<std::string>(), p["type"].get<std::string>());
    }
    print_result(mon, r);
}

void hmp_qom_get(Monitor& mon, const HmpArgs& args) {
    QmpResult r = qmp_qom_get(*args.get_str("path"), *args.get_str("property"));
    if (r.ok()) mon.printf("{}\n", qmp_json_dump(r.value()));
    print_result(mon, r);
}

// Without -j the value is parsed as the property's type parses a string
// (QEMU's object_property_parse); with -j it is JSON, as QMP's qom-set takes.
void hmp_qom_set(Monitor& mon, const HmpArgs& args) {
    std::string path = *args.get_str("path");
    std::string property = *args.get_str("property");
    std::string value = *args.get_str("value");
    if (args.get_bool("json")) {
        JsonParseResult json = json_parse_message(value);
        if (!json.error.empty()) {
            mon.printf("Error: {}\n", json.error);
            return;
        }
        print_result(mon, qmp_qom_set(path, property, json.value));
        return;
    }
    Object* obj = object_resolve_path(path, nullptr);
    if (!obj) {
        print_result(mon, qmp_device_not_found(path));
        return;
    }
    if (auto st = object_property_set_str(obj, property, value); !st) print_result(mon, st.error());
}

// --- devices ---

// "help" lists the devices and "DRIVER,help" a device's properties, as
// -device does (QEMU's qdev_device_help); anything else goes to QMP's
// device_add, its values as strings.
void hmp_device_add(Monitor& mon, const HmpArgs& args) {
    Json qmp_args = Json::object();
    if (auto text = args.get_str("device")) {
        // It parsed when the arguments were read.
        auto bag = keyval_parse(*text, "driver");
        if (!bag) return;
        const std::string* driver = bag->get("driver");
        if (driver ? is_help_option(*driver) : bag->help) {
            mon.print(qdev_device_help_list());
            return;
        }
        if (bag->help && driver) {
            auto help = qdev_device_help(*driver);
            if (help) {
                mon.print(*help);
            } else {
                print_result(mon, help.error());
            }
            return;
        }
        for (const auto& [key, value] : *bag)
            qmp_args[key] = value;
    }
    print_result(mon, qmp_device_add(qmp_args));
}

} // namespace

void hmp_register_info_commands() {
    hmp_register_info({"chardev", "", "", "show the character devices", hmp_info_chardev});
    hmp_register_info({"version", "", "", "show the version of QEMU", hmp_info_version});
    hmp_register_info({"roms", "", "", "show roms", [](Monitor& mon, const HmpArgs&) {
                           mon.print(rom_info_string(address_space_memory()));
                       }});
    // QEMU lists the interrupt statistics of the controllers that keep them;
    // RISC-V's keep none, so it prints nothing.
    hmp_register_info({"irq", "", "", "show the interrupts statistics (if available)",
                       [](Monitor&, const HmpArgs&) {}});
    hmp_register_command(
        {"log", "items:s", "item1[,...]", "activate logging of the specified items", hmp_log});
    hmp_register_command(
        {"logfile", "filename:F", "filename", "output logs to 'filename'", hmp_logfile});
    hmp_register_command({"qom-list", "path:s?", "path", "list QOM properties", hmp_qom_list});
    hmp_register_command(
        {"qom-get", "path:s,property:s", "path property", "print QOM property", hmp_qom_get});
    hmp_register_command(
        {"qom-set", "json:-j,path:s,property:s,value:S", "[-j] path property value",
         "set QOM property.\n\t\t\t-j: the value is specified in json format.", hmp_qom_set});
    hmp_register_command({"device_add", "device:O", "driver[,prop=value][,...]",
                          "add device, like -device on the command line", hmp_device_add});
    hmp_register_command(
        {"device_del", "id:s", "device", "remove device", [](Monitor& mon, const HmpArgs& args) {
             print_result(mon, qmp_device_del(*args.get_str("id")));
         }});
}

} // namespace mq
