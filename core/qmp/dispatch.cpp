// The command table and the argument checks (QEMU: qapi/qmp-registry.c and
// the QObject input visitor's errors).
#include "core/qmp/qmp.h"

#include <limits>

namespace mq {

namespace {

std::vector<QmpCommand>& table() {
    static std::vector<QmpCommand> t;
    return t;
}

const char* type_word(QmpType type) {
    switch (type) {
    case QmpType::Str: return "string";
    case QmpType::Int: return "integer";
    case QmpType::Bool: return "boolean";
    case QmpType::Number: return "number";
    case QmpType::Object: return "object";
    case QmpType::StrList: return "array";
    case QmpType::Any: return "any";
    }
    return "any";
}

bool fits_int64(const Json& v) {
    if (v.is_number_integer() && !v.is_number_unsigned()) return true;
    return v.is_number_unsigned() &&
           v.get<uint64_t>() <= uint64_t(std::numeric_limits<int64_t>::max());
}

bool has_type(const Json& v, QmpType type) {
    switch (type) {
    case QmpType::Str: return v.is_string();
    case QmpType::Int: return fits_int64(v);
    case QmpType::Bool: return v.is_boolean();
    case QmpType::Number: return v.is_number();
    case QmpType::Object: return v.is_object();
    case QmpType::StrList: return v.is_array();
    case QmpType::Any: return true;
    }
    return false;
}

QmpError invalid_type(const std::string& name, const char* expected) {
    return QmpError{QmpErrorClass::GenericError,
                    fmt::format("Invalid parameter type for '{}', expected: {}", name, expected)};
}

} // namespace

const char* qmp_error_class_name(QmpErrorClass error_class) {
    switch (error_class) {
    case QmpErrorClass::GenericError: return "GenericError";
    case QmpErrorClass::CommandNotFound: return "CommandNotFound";
    case QmpErrorClass::DeviceNotFound: return "DeviceNotFound";
    }
    return "GenericError";
}

std::string QmpArgs::str(std::string_view name, std::string fallback) const {
    return has(name) ? m_args.at(name).get<std::string>() : fallback;
}

int64_t QmpArgs::integer(std::string_view name, int64_t fallback) const {
    return has(name) ? m_args.at(name).get<int64_t>() : fallback;
}

bool QmpArgs::boolean(std::string_view name, bool fallback) const {
    return has(name) ? m_args.at(name).get<bool>() : fallback;
}

void qmp_register_command(QmpCommand cmd) {
    for (auto& c : table()) {
        if (c.name == cmd.name) {
            c = std::move(cmd); // a second registration replaces the first
            return;
        }
    }
    table().push_back(std::move(cmd));
}

const QmpCommand* qmp_find_command(std::string_view name) {
    for (const auto& c : table()) {
        if (c.name == name) return &c;
    }
    return nullptr;
}

std::vector<const QmpCommand*> qmp_command_list() {
    std::vector<const QmpCommand*> list;
    for (const auto& c : table())
        list.push_back(&c);
    return list;
}

// The members in schema order, as QEMU's visitor meets them, then anything
// left over.
std::optional<QmpError> qmp_check_arguments(const QmpCommand& cmd, const Json& args) {
    static const Json empty = Json::object();
    const Json& a = args.is_null() ? empty : args;
    if (cmd.any_arguments) return std::nullopt;
    for (const auto& arg : cmd.args) {
        auto it = a.find(arg.name);
        if (it == a.end()) {
            if (arg.optional) continue;
            return QmpError{QmpErrorClass::GenericError,
                            fmt::format("Parameter '{}' is missing", arg.name)};
        }
        if (!has_type(*it, arg.type)) return invalid_type(arg.name, type_word(arg.type));
        if (arg.type == QmpType::StrList) {
            for (size_t i = 0; i < it->size(); i++) {
                if (!(*it)[i].is_string()) {
                    return invalid_type(fmt::format("{}[{}]", arg.name, i), "string");
                }
            }
        }
    }
    for (const auto& [key, value] : a.items()) {
        bool known = false;
        for (const auto& arg : cmd.args)
            known |= arg.name == key;
        if (!known) {
            return QmpError{QmpErrorClass::GenericError,
                            fmt::format("Parameter '{}' is unexpected", key)};
        }
    }
    return std::nullopt;
}

} // namespace mq
