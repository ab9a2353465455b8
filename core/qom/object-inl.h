// Template parts of object.h: class copying, casts and typed properties.
#pragma once

#include <cstdlib>
#include <limits>
#include <type_traits>

namespace mq {

[[noreturn]] void qom_abort(const std::string& message);

template <typename Self, typename Parent>
void DerivedClass<Self, Parent>::copy_into(ObjectClass& child) const {
    auto* target = dynamic_cast<Self*>(&child);
    if (!target) {
        qom_abort("class struct of a child type does not derive from its parent's class struct");
    }
    // Slicing assignment on purpose: copies every member of Self (and of
    // its bases, down to ObjectClass, whose operator= keeps identity).
    *target = static_cast<const Self&>(*this);
}

template <typename C>
C& class_cast(ObjectClass& klass) {
    auto* c = dynamic_cast<C*>(&klass);
    if (!c) qom_abort("class '" + object_class_get_name(&klass) + "' has the wrong class struct");
    return *c;
}

// --- typed property values ---

// Parses an integer the way QEMU's qemu_strtoi64/qemu_strtou64 do: decimal,
// 0x hex or 0 octal, the whole string.
std::optional<int64_t> parse_int64(std::string_view s);
std::optional<uint64_t> parse_uint64(std::string_view s);
// Parses a size with an optional suffix (B, K, M, G, T, P, E), as qemu_strtosz.
std::optional<uint64_t> parse_size(std::string_view s);
// As above, with the suffix that a bare number implies ('M' for -m).
std::optional<uint64_t> parse_size(std::string_view s, char default_suffix);
std::optional<bool> parse_bool(std::string_view s);
std::string format_size_human(uint64_t bytes); // "128 MiB", as QEMU's size_to_str

template <>
struct PropertyTraits<bool> {
    static constexpr const char* type_name = "bool";
    static Result<bool> parse(std::string_view name, std::string_view s) {
        if (auto v = parse_bool(s)) return *v;
        return make_error("Parameter '{}' expects 'on' or 'off'", name);
    }
    static std::string format(bool v) { return v ? "true" : "false"; }
};

template <typename T>
requires std::is_integral_v<T> &&(!std::is_same_v<T, bool>)struct PropertyTraits<T> {
    static constexpr bool is_signed = std::is_signed_v<T>;
    static constexpr int bits = sizeof(T) * 8;
    static constexpr const char* type_name = is_signed ? (bits == 8    ? "int8"
                                                          : bits == 16 ? "int16"
                                                          : bits == 32 ? "int32"
                                                                       : "int64")
                                                       : (bits == 8    ? "uint8"
                                                          : bits == 16 ? "uint16"
                                                          : bits == 32 ? "uint32"
                                                                       : "uint64");
    static constexpr const char* c_name = is_signed ? (bits == 8    ? "int8_t"
                                                       : bits == 16 ? "int16_t"
                                                       : bits == 32 ? "int32_t"
                                                                    : "int64_t")
                                                    : (bits == 8    ? "uint8_t"
                                                       : bits == 16 ? "uint16_t"
                                                       : bits == 32 ? "uint32_t"
                                                                    : "uint64_t");
    static Result<T> parse(std::string_view name, std::string_view s) {
        if constexpr (is_signed) {
            auto v = parse_int64(s);
            if (!v) return make_error("Parameter '{}' expects integer", name);
            if (*v < std::numeric_limits<T>::min() || *v > std::numeric_limits<T>::max()) {
                return make_error("Parameter '{}' expects {}", name, c_name);
            }
            return static_cast<T>(*v);
        } else {
            auto v = parse_uint64(s);
            if (!v) return make_error("Parameter '{}' expects integer", name);
            if (*v > std::numeric_limits<T>::max()) {
                return make_error("Parameter '{}' expects {}", name, c_name);
            }
            return static_cast<T>(*v);
        }
    }
    static std::string format(T v) { return std::to_string(v); }
};

template <>
struct PropertyTraits<std::string> {
    static constexpr const char* type_name = "str";
    static Result<std::string> parse(std::string_view, std::string_view s) {
        return std::string(s);
    }
    static std::string format(const std::string& v) { return v; }
};

template <>
struct PropertyTraits<Size> {
    static constexpr const char* type_name = "size";
    static Result<Size> parse(std::string_view name, std::string_view s) {
        if (auto v = parse_size(s)) return Size{*v};
        return make_error("Parameter '{}' expects size", name);
    }
    static std::string format(Size v) { return std::to_string(v.bytes); }
};

template <typename T>
ObjectProperty& object_property_add_field(Object* obj, std::string_view name, T* field,
                                          bool read_only) {
    using Traits = PropertyTraits<T>;
    PropertySetter set;
    if (!read_only) {
        set = [field, pname = std::string(name)](Object&, std::string_view s) -> Status {
            auto v = Traits::parse(pname, s);
            if (!v) return v.take_error();
            *field = std::move(*v);
            return {};
        };
    }
    return object_property_add(
        obj, name, Traits::type_name,
        [field](Object&) -> Result<std::string> { return Traits::format(*field); }, std::move(set));
}

template <typename Obj, typename T>
ObjectProperty& object_class_property_add_field(ObjectClass* klass, std::string_view name,
                                                T Obj::*field, std::optional<T> default_value) {
    using Traits = PropertyTraits<T>;
    auto& prop = object_class_property_add(
        klass, name, Traits::type_name,
        [field](Object& o) -> Result<std::string> {
            return Traits::format(static_cast<Obj&>(o).*field);
        },
        [field, pname = std::string(name)](Object& o, std::string_view s) -> Status {
            auto v = Traits::parse(pname, s);
            if (!v) return v.take_error();
            static_cast<Obj&>(o).*field = std::move(*v);
            return {};
        });
    if (default_value) {
        prop.default_value = Traits::format(*default_value);
        prop.init = [field, value = *default_value](Object& o) {
            static_cast<Obj&>(o).*field = value;
        };
    }
    return prop;
}

// Implemented in object.cpp; the template only adapts the typed field.
ObjectProperty& object_property_add_link_impl(Object* obj, std::string_view name,
                                              std::string_view type,
                                              std::function<Object*()> get_target,
                                              std::function<void(Object*)> set_target,
                                              LinkCheck check);

template <typename T>
ObjectProperty& object_property_add_link(Object* obj, std::string_view name, std::string_view type,
                                         T*& target, LinkCheck check) {
    return object_property_add_link_impl(
        obj, name, type, [&target]() -> Object* { return target; },
        [&target](Object* o) { target = static_cast<T*>(o); }, std::move(check));
}

} // namespace mq
