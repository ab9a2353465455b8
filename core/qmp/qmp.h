// QMP, the QEMU Machine Protocol (QEMU: monitor/qmp.c, qapi/qmp-dispatch.c,
// docs/interop/qmp-spec.rst): JSON commands and events on a chardev.
//
// Commands are rows in one table: a name, the arguments' schema (names and
// QAPI types, in schema order) and a handler. The dispatcher checks the
// request and the arguments against the schema with QEMU's error wording,
// so a handler gets arguments that are present and of the right type.
// Subsystems add rows with qmp_register_command (the PCI code adds
// query-pci, the hart query-cpus-fast), as they add HMP `info` rows.
//
// Everything here runs on the main thread, under the big lock.
#pragma once

#include "core/chardev.h"
#include "core/error.h"
#include "core/qmp/json.h"

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace mq {

// QAPI's error classes that this emulator reports.
enum class QmpErrorClass { GenericError, CommandNotFound, DeviceNotFound };

struct QmpError {
    QmpErrorClass error_class = QmpErrorClass::GenericError;
    std::string desc;
};

const char* qmp_error_class_name(QmpErrorClass error_class);

// What a handler returns: the "return" value or an error. An mq::Error
// (from the object model, qdev...) becomes a GenericError.
class [[nodiscard]] QmpResult {
public:
    QmpResult(Json value) : m_value(std::move(value)) {}
    QmpResult(QmpError error) : m_value(std::move(error)) {}
    QmpResult(const Error& error) : m_value(QmpError{QmpErrorClass::GenericError, error.message}) {}

    bool ok() const { return m_value.index() == 0; }
    const Json& value() const { return std::get<0>(m_value); }
    const QmpError& error() const { return std::get<1>(m_value); }

private:
    std::variant<Json, QmpError> m_value;
};

inline QmpError qmp_device_not_found(std::string_view name) {
    return QmpError{QmpErrorClass::DeviceNotFound, fmt::format("Device '{}' not found", name)};
}

// QAPI types of arguments, as far as the commands here need them.
enum class QmpType { Str, Int, Bool, Number, Any, Object, StrList };

struct QmpArg {
    std::string name;
    QmpType type;
    bool optional = false;
};

// The checked arguments of one call.
class QmpArgs {
public:
    explicit QmpArgs(const Json& args) : m_args(args) {}
    bool has(std::string_view name) const { return m_args.contains(name); }
    const Json& operator[](std::string_view name) const { return m_args.at(name); }
    std::string str(std::string_view name, std::string fallback = {}) const;
    int64_t integer(std::string_view name, int64_t fallback = 0) const;
    bool boolean(std::string_view name, bool fallback = false) const;
    const Json& json() const { return m_args; }

private:
    const Json& m_args;
};

struct QmpCommand {
    std::string name;
    std::vector<QmpArg> args;
    std::function<QmpResult(const QmpArgs&)> handler;
    // The arguments are not checked against `args`: the handler takes any
    // members (device_add, whose properties depend on the driver).
    bool any_arguments = false;
};

void qmp_register_command(QmpCommand cmd);
const QmpCommand* qmp_find_command(std::string_view name);
// Every command, in registration order (query-commands).
std::vector<const QmpCommand*> qmp_command_list();

// Checks `args` (null when the request had none) against `cmd`'s schema.
std::optional<QmpError> qmp_check_arguments(const QmpCommand& cmd, const Json& args);

// Starts a QMP monitor on `chr` (QEMU's monitor_init_qmp): the greeting goes
// out when a client connects (CHR_EVENT_OPENED), and each connection starts
// in capabilities-negotiation mode. Lives as long as the process.
Status qmp_monitor_init(Chardev* chr);

// Sends an event to every QMP client that has finished negotiation. `data`
// may be null (no "data" member). Main thread, big lock held.
void qmp_event_send(std::string_view name, const Json& data = nullptr);

// The commands HMP reuses, as QEMU's hmp_* call their qmp_* twins.
// query-version's {major, minor, micro} and package.
Json qmp_query_version();
// memsave reads through CPU `cpu_index`'s current translation, pmemsave
// physical memory; both write `size` bytes to `filename`.
QmpResult qmp_memsave(uint64_t addr, int64_t size, const std::string& filename, int64_t cpu_index);
QmpResult qmp_pmemsave(uint64_t addr, int64_t size, const std::string& filename);
QmpResult qmp_qom_list(const std::string& path);
QmpResult qmp_qom_get(const std::string& path, const std::string& property);
QmpResult qmp_qom_set(const std::string& path, const std::string& property, const Json& value);
// device_add's arguments are the driver, bus, id and the device's properties.
QmpResult qmp_device_add(const Json& args);
QmpResult qmp_device_del(const std::string& id);

// The QMP commands of the core (query-*, qom-*, stop, cont, ...), added once.
void qmp_register_core_commands();

} // namespace mq
