// Template parts of qdev.h: typed device properties.
#pragma once

#include <fmt/format.h>

namespace mq {

// How `info qtree` prints a property value of type T.
template <typename T>
std::string qdev_print_value(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
        return v ? "true" : "false";
    } else if constexpr (std::is_same_v<T, std::string>) {
        return fmt::format("\"{}\"", v);
    } else if constexpr (std::is_same_v<T, Size>) {
        return fmt::format("{} ({})", v.bytes, format_size_human(v.bytes));
    } else {
        return fmt::format("{} ({:#x})", v, static_cast<std::make_unsigned_t<T>>(v));
    }
}

template <typename Dev, typename T>
DeviceProperty qdev_prop(std::string name, T Dev::*field, T default_value,
                         std::string description) {
    using Traits = PropertyTraits<T>;
    DeviceProperty p;
    p.name = name;
    p.type = Traits::type_name;
    p.description = std::move(description);
    p.default_value = Traits::format(default_value);
    p.set = [field, name](DeviceState& d, std::string_view s) -> Status {
        auto v = Traits::parse(name, s);
        if (!v) return v.take_error();
        static_cast<Dev&>(d).*field = std::move(*v);
        return {};
    };
    p.get = [field](DeviceState& d) { return Traits::format(static_cast<Dev&>(d).*field); };
    p.print = [field](DeviceState& d) { return qdev_print_value(static_cast<Dev&>(d).*field); };
    p.set_default = [field, default_value](DeviceState& d) {
        static_cast<Dev&>(d).*field = default_value;
    };
    return p;
}

template <typename Dev>
DeviceProperty qdev_prop_string(std::string name, std::string Dev::*field,
                                std::string description) {
    DeviceProperty p;
    p.name = std::move(name);
    p.type = "str";
    p.description = std::move(description);
    p.set = [field](DeviceState& d, std::string_view s) -> Status {
        static_cast<Dev&>(d).*field = std::string(s);
        return {};
    };
    p.get = [field](DeviceState& d) { return static_cast<Dev&>(d).*field; };
    p.print = [field](DeviceState& d) { return qdev_print_value(static_cast<Dev&>(d).*field); };
    return p;
}

} // namespace mq
