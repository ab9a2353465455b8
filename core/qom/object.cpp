#include "core/qom/object.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ranges>

namespace mq {

// ---------------------------------------------------------------------------
// The type table
// ---------------------------------------------------------------------------

struct TypeImpl {
    TypeInfo info;
    TypeImpl* parent = nullptr; // resolved by type_initialize
    std::unique_ptr<ObjectClass> klass;
};

namespace {

struct TypeTable {
    std::map<std::string, std::unique_ptr<TypeImpl>, std::less<>> types;
    std::vector<Error> errors;
};

TypeTable& table() {
    static TypeTable t;
    return t;
}

bool type_name_is_valid(std::string_view name) {
    if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) return false;
    return std::ranges::all_of(name, [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
               c == ',' || c == ':';
    });
}

// The chain from the root type down to `type`, for narration and for the
// root-to-leaf walks.
std::vector<TypeImpl*> type_chain(TypeImpl* type) {
    std::vector<TypeImpl*> chain;
    for (TypeImpl* t = type; t; t = type_parent(t))
        chain.push_back(t);
    std::ranges::reverse(chain);
    return chain;
}

std::string chain_string(TypeImpl* type) {
    std::string s;
    for (TypeImpl* t : type_chain(type)) {
        if (!s.empty()) s += " -> ";
        s += t->info.name;
    }
    return s;
}

bool type_is_ancestor(const TypeImpl* type, const TypeImpl* ancestor) {
    for (const TypeImpl* t = type; t; t = type_parent(t)) {
        if (t == ancestor) return true;
    }
    return false;
}

} // namespace

void qom_abort(const std::string& message) {
    fmt::print(stderr, "miniqemu: qom: {}\n", message);
    std::fflush(stderr);
    std::abort();
}

Result<TypeImpl*> type_register(TypeInfo info) {
    auto& t = table();
    if (!type_name_is_valid(info.name)) {
        Error e = make_error("invalid type name '{}'", info.name);
        t.errors.push_back(e);
        return e;
    }
    if (t.types.contains(info.name)) {
        Error e = make_error("type '{}' is registered twice", info.name);
        t.errors.push_back(e);
        return e;
    }
    qemu_log_mask(LOG_QOM, "qom: type_register '{}'{}{}", info.name,
                  info.parent.empty() ? "" : fmt::format(" (parent '{}')", info.parent),
                  info.abstract ? " abstract" : "");
    auto impl = std::make_unique<TypeImpl>();
    impl->info = std::move(info);
    TypeImpl* raw = impl.get();
    t.types.emplace(raw->info.name, std::move(impl));
    return raw;
}

void type_register_static(const TypeInfo& info) { (void)type_register(info); }

Status type_registration_status() {
    auto& t = table();
    std::vector<Error> errors = std::exchange(t.errors, {});
    for (auto& [name, type] : t.types) {
        if (!type->info.parent.empty() && !type_get_by_name(type->info.parent)) {
            errors.push_back(
                make_error("type '{}' has unknown parent '{}'", name, type->info.parent));
        }
    }
    if (errors.empty()) return {};
    std::string joined;
    for (auto& e : errors)
        joined += (joined.empty() ? "" : "; ") + e.message;
    return Error{joined, {}};
}

TypeImpl* type_get_by_name(std::string_view name) {
    auto& types = table().types;
    auto it = types.find(name);
    return it == types.end() ? nullptr : it->second.get();
}

const std::string& type_name(const TypeImpl* type) { return type->info.name; }
bool type_is_abstract(const TypeImpl* type) { return type->info.abstract; }

TypeImpl* type_parent(const TypeImpl* type) {
    if (type->info.parent.empty()) return nullptr;
    if (type->parent) return type->parent;
    auto* parent = type_get_by_name(type->info.parent);
    if (!parent)
        qom_abort(
            fmt::format("type '{}' has unknown parent '{}'", type->info.name, type->info.parent));
    const_cast<TypeImpl*>(type)->parent = parent;
    return parent;
}

namespace {

// The nearest factory up the chain: a type that does not declare its own
// struct uses its parent's, like an unset instance_size.
template <typename F>
F inherited(TypeImpl* type, F TypeInfo::*member) {
    for (TypeImpl* t = type; t; t = type_parent(t)) {
        if (t->info.*member) return t->info.*member;
    }
    return nullptr;
}

void add_interface_class(ObjectClass* klass, TypeImpl* iface_type,
                         const InterfaceClass* inherited_from) {
    type_initialize(iface_type);
    auto* raw = inherited(iface_type, &TypeInfo::class_new)();
    std::unique_ptr<InterfaceClass> iface(dynamic_cast<InterfaceClass*>(raw));
    if (!iface)
        qom_abort(fmt::format("interface '{}' has no InterfaceClass", iface_type->info.name));
    // An inherited interface keeps the parent's overrides; a new one starts
    // from the interface type's own defaults.
    (inherited_from ? static_cast<const ObjectClass&>(*inherited_from) : *iface_type->klass)
        .copy_into(*iface);
    iface->type = iface_type;
    iface->interface_type = iface_type;
    iface->concrete_class = klass;
    klass->interfaces.push_back(std::move(iface));
}

} // namespace

void type_initialize(TypeImpl* type) {
    if (type->klass) return;
    TypeImpl* parent = type_parent(type);
    if (parent) type_initialize(parent);

    auto class_factory = inherited(type, &TypeInfo::class_new);
    if (!class_factory) qom_abort(fmt::format("type '{}' has no class struct", type->info.name));
    type->klass.reset(class_factory());
    type->klass->type = type;

    if (parent) {
        // The child class starts as a copy of the parent class.
        parent->klass->copy_into(*type->klass);
        for (auto& iface : parent->klass->interfaces) {
            add_interface_class(type->klass.get(), iface->interface_type, iface.get());
        }
    }
    for (const auto& name : type->info.interfaces) {
        TypeImpl* iface_type = type_get_by_name(name);
        if (!iface_type)
            qom_abort(
                fmt::format("type '{}' implements unknown interface '{}'", type->info.name, name));
        bool already = std::ranges::any_of(
            type->klass->interfaces, [&](auto& i) { return i->interface_type == iface_type; });
        if (!already) add_interface_class(type->klass.get(), iface_type, nullptr);
    }

    qemu_log_mask(LOG_QOM, "qom: class_init '{}': {}{}", type->info.name, chain_string(type),
                  parent ? fmt::format(" (class copied from '{}')", parent->info.name) : "");
    // Every ancestor's class_base_init, nearest first, then our class_init.
    for (TypeImpl* t = parent; t; t = type_parent(t)) {
        if (t->info.class_base_init) {
            qemu_log_mask(LOG_QOM, "qom:   class_base_init of '{}' on '{}'", t->info.name,
                          type->info.name);
            t->info.class_base_init(*type->klass);
        }
    }
    if (type->info.class_init) type->info.class_init(*type->klass);
}

ObjectClass* object_class_by_name(std::string_view name) {
    TypeImpl* type = type_get_by_name(name);
    if (!type) return nullptr;
    type_initialize(type);
    return type->klass.get();
}

const std::string& object_class_get_name(const ObjectClass* klass) {
    return klass->type->info.name;
}

ObjectClass* object_class_get_parent(const ObjectClass* klass) {
    TypeImpl* parent = type_parent(klass->type);
    if (!parent) return nullptr;
    type_initialize(parent);
    return parent->klass.get();
}

bool object_class_is_abstract(const ObjectClass* klass) { return klass->type->info.abstract; }

ObjectClass* object_class_dynamic_cast(ObjectClass* klass, std::string_view name) {
    if (!klass) return nullptr;
    TypeImpl* target = type_get_by_name(name);
    if (!target) return nullptr;
    if (type_is_ancestor(klass->type, target)) return klass;
    for (auto& iface : klass->interfaces) {
        if (type_is_ancestor(iface->interface_type, target)) return iface.get();
    }
    return nullptr;
}

namespace {

// Whether `type` is or implements `name`, decided from the names alone, so
// that listing classes does not initialise classes nobody uses.
bool type_matches(TypeImpl* type, std::string_view name) {
    for (TypeImpl* t = type; t;
         t = t->info.parent.empty() ? nullptr : type_get_by_name(t->info.parent)) {
        if (t->info.name == name) return true;
        for (const auto& iface : t->info.interfaces) {
            if (TypeImpl* i = type_get_by_name(iface); i && type_matches(i, name)) return true;
        }
    }
    return false;
}

} // namespace

std::vector<ObjectClass*> object_class_get_list(std::string_view implements_type,
                                                bool include_abstract) {
    std::vector<ObjectClass*> list;
    for (auto& [name, type] : table().types) {
        if (!include_abstract && type->info.abstract) continue;
        if (!type_matches(type.get(), implements_type)) continue;
        type_initialize(type.get());
        list.push_back(type->klass.get());
    }
    return list; // the table is a sorted map, so the list is sorted by name
}

// ---------------------------------------------------------------------------
// Objects
// ---------------------------------------------------------------------------

namespace {

void object_finalize(Object* obj) {
    TypeImpl* type = obj->klass->type;
    qemu_log_mask(LOG_QOM, "qom: finalize '{}': instance_finalize leaf to root", type->info.name);
    // Properties first: releasing a child<> drops our reference to the child.
    while (!obj->properties.empty()) {
        auto node = obj->properties.extract(obj->properties.begin());
        if (node.mapped()->release) node.mapped()->release(*obj);
    }
    for (TypeImpl* t = type; t; t = type_parent(t)) {
        if (t->info.instance_finalize) t->info.instance_finalize(*obj);
    }
    delete obj;
}

} // namespace

void object_ref(Object* obj) { obj->ref.fetch_add(1, std::memory_order_relaxed); }

void object_unref(Object* obj) {
    if (obj->ref.fetch_sub(1, std::memory_order_acq_rel) == 1) object_finalize(obj);
}

Result<ObjectPtr<Object>> object_new(std::string_view name) {
    TypeImpl* type = type_get_by_name(name);
    if (!type) return make_error("unknown type '{}'", name);
    type_initialize(type);
    if (type->info.abstract) return make_error("type '{}' is abstract", name);

    auto factory = inherited(type, &TypeInfo::instance_new);
    Object* obj = factory();
    obj->klass = type->klass.get();
    obj->ref.store(1, std::memory_order_relaxed);
    auto chain = type_chain(type);
    qemu_log_mask(LOG_QOM, "qom: object_new '{}': instance_init {}", type->info.name,
                  chain_string(type));
    // Class property defaults, then instance_init, root to leaf.
    for (TypeImpl* t : chain) {
        for (auto& [pname, prop] : t->klass->properties) {
            if (prop.init) prop.init(*obj);
        }
    }
    for (TypeImpl* t : chain) {
        if (t->info.instance_init) t->info.instance_init(*obj);
    }
    // Post-init runs leaf to root, as in QEMU.
    for (auto t = chain.rbegin(); t != chain.rend(); ++t) {
        if ((*t)->info.instance_post_init) (*t)->info.instance_post_init(*obj);
    }
    return ObjectPtr<Object>::adopt(obj);
}

const std::string& object_get_typename(const Object* obj) { return obj->klass->type->info.name; }
ObjectClass* object_get_class(const Object* obj) { return obj->klass; }

Object* object_dynamic_cast(Object* obj, std::string_view name) {
    if (!obj) return nullptr;
    return object_class_dynamic_cast(obj->klass, name) ? obj : nullptr;
}

Object* object_dynamic_cast_assert(Object* obj, std::string_view name) {
    if (Object* o = object_dynamic_cast(obj, name)) return o;
    qom_abort(fmt::format("Object {} (type '{}') is not an instance of type '{}'",
                          static_cast<void*>(obj), obj ? object_get_typename(obj) : "null", name));
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

ObjectProperty& object_property_add(Object* obj, std::string_view name, std::string_view type,
                                    PropertyGetter get, PropertySetter set,
                                    std::function<void(Object&)> release) {
    std::string pname(name);
    if (pname.ends_with("[*]")) {
        std::string base = pname.substr(0, pname.size() - 3);
        for (int i = 0;; i++) {
            std::string candidate = fmt::format("{}[{}]", base, i);
            if (!object_property_find(obj, candidate)) {
                pname = candidate;
                break;
            }
        }
    }
    if (object_property_find(obj, pname)) {
        qom_abort(fmt::format("attempt to add duplicate property '{}' to object (type '{}')", pname,
                              object_get_typename(obj)));
    }
    auto prop = std::make_unique<ObjectProperty>();
    prop->name = pname;
    prop->type = type;
    prop->get = std::move(get);
    prop->set = std::move(set);
    prop->release = std::move(release);
    auto& ref = *prop;
    obj->properties.emplace(pname, std::move(prop));
    return ref;
}

ObjectProperty& object_class_property_add(ObjectClass* klass, std::string_view name,
                                          std::string_view type, PropertyGetter get,
                                          PropertySetter set) {
    if (object_class_property_find(klass, name)) {
        qom_abort(fmt::format("attempt to add duplicate property '{}' to class '{}'", name,
                              object_class_get_name(klass)));
    }
    ObjectProperty prop;
    prop.name = name;
    prop.type = type;
    prop.get = std::move(get);
    prop.set = std::move(set);
    return klass->properties.insert_or_assign(std::string(name), std::move(prop)).first->second;
}

void object_property_del(Object* obj, std::string_view name) {
    auto it = obj->properties.find(std::string(name));
    if (it == obj->properties.end()) return;
    auto prop = std::move(it->second);
    obj->properties.erase(it);
    if (prop->release) prop->release(*obj);
}

ObjectProperty* object_class_property_find(ObjectClass* klass, std::string_view name) {
    for (ObjectClass* k = klass; k; k = object_class_get_parent(k)) {
        auto it = k->properties.find(std::string(name));
        if (it != k->properties.end()) return &it->second;
    }
    return nullptr;
}

ObjectProperty* object_property_find(Object* obj, std::string_view name) {
    auto it = obj->properties.find(std::string(name));
    if (it != obj->properties.end()) return it->second.get();
    return object_class_property_find(obj->klass, name);
}

Result<ObjectProperty*> object_property_find_err(Object* obj, std::string_view name) {
    if (auto* p = object_property_find(obj, name)) return p;
    return make_error("Property '{}.{}' not found", object_get_typename(obj), name);
}

std::vector<ObjectProperty*> object_property_list(Object* obj) {
    std::vector<ObjectProperty*> list;
    for (auto& [name, prop] : obj->properties)
        list.push_back(prop.get());
    for (ObjectClass* k = obj->klass; k; k = object_class_get_parent(k)) {
        for (auto& [name, prop] : k->properties)
            list.push_back(&prop);
    }
    return list;
}

namespace {

std::string describe(Object* obj) {
    std::string path = object_get_canonical_path(obj);
    return path.empty() ? fmt::format("<unattached {}>", object_get_typename(obj)) : path;
}

} // namespace

Status object_property_set_str(Object* obj, std::string_view name, std::string_view value) {
    auto prop = object_property_find_err(obj, name);
    if (!prop) return prop.take_error();
    if (!(*prop)->set) return make_error("Insufficient permission to perform this operation");
    qemu_log_mask(LOG_QOM, "qom: set {}.{} = {}", describe(obj), name, value);
    return (*prop)->set(*obj, value);
}

Result<std::string> object_property_get_str(Object* obj, std::string_view name) {
    auto prop = object_property_find_err(obj, name);
    if (!prop) return prop.take_error();
    if (!(*prop)->get) return make_error("Insufficient permission to perform this operation");
    return (*prop)->get(*obj);
}

Status object_property_set_bool(Object* obj, std::string_view name, bool value) {
    return object_property_set_str(obj, name, value ? "on" : "off");
}

Result<bool> object_property_get_bool(Object* obj, std::string_view name) {
    auto s = object_property_get_str(obj, name);
    if (!s) return s.take_error();
    return PropertyTraits<bool>::parse(name, *s);
}

Status object_property_set_int(Object* obj, std::string_view name, int64_t value) {
    return object_property_set_str(obj, name, std::to_string(value));
}

Result<int64_t> object_property_get_int(Object* obj, std::string_view name) {
    auto s = object_property_get_str(obj, name);
    if (!s) return s.take_error();
    return PropertyTraits<int64_t>::parse(name, *s);
}

Status object_property_set_uint(Object* obj, std::string_view name, uint64_t value) {
    return object_property_set_str(obj, name, std::to_string(value));
}

Result<uint64_t> object_property_get_uint(Object* obj, std::string_view name) {
    auto s = object_property_get_str(obj, name);
    if (!s) return s.take_error();
    return PropertyTraits<uint64_t>::parse(name, *s);
}

Status object_property_set_link(Object* obj, std::string_view name, Object* target) {
    std::string path;
    if (target) {
        path = object_get_canonical_path(target);
        if (path.empty())
            return make_error("link target of '{}' is not in the composition tree", name);
    }
    return object_property_set_str(obj, name, path);
}

ObjectProperty& object_property_add_child(Object* obj, std::string_view name, Object* child) {
    if (child->parent) {
        qom_abort(
            fmt::format("object of type '{}' already has a parent", object_get_typename(child)));
    }
    auto& prop = object_property_add(
        obj, name, fmt::format("child<{}>", object_get_typename(child)),
        [child](Object&) -> Result<std::string> { return object_get_canonical_path(child); }, {},
        [child](Object&) {
            child->parent = nullptr;
            object_unref(child);
        });
    prop.child = child;
    object_ref(child);
    child->parent = obj;
    qemu_log_mask(LOG_QOM, "qom: add child {} ({})", object_get_canonical_path(child),
                  object_get_typename(child));
    return prop;
}

void object_unparent(Object* obj) {
    Object* parent = obj->parent;
    if (!parent) return;
    for (auto& [name, prop] : parent->properties) {
        if (prop->child == obj) {
            std::string pname = name; // the erase invalidates `name`
            object_property_del(parent, pname);
            return;
        }
    }
}

ObjectProperty& object_property_add_link_impl(Object* obj, std::string_view name,
                                              std::string_view type,
                                              std::function<Object*()> get_target,
                                              std::function<void(Object*)> set_target,
                                              LinkCheck check) {
    std::string target_type(type);
    auto& prop = object_property_add(
        obj, name, fmt::format("link<{}>", type),
        [get_target](Object&) -> Result<std::string> {
            Object* t = get_target();
            return t ? object_get_canonical_path(t) : std::string();
        },
        [set_target, check, target_type,
         pname = std::string(name)](Object& owner, std::string_view path) -> Status {
            Object* target = nullptr;
            if (!path.empty()) {
                bool ambiguous = false;
                target = object_resolve_path_type(path, target_type, &ambiguous);
                if (ambiguous) {
                    return make_error("Path '{}' does not uniquely identify an object", path);
                }
                if (!target) {
                    if (object_resolve_path(path)) {
                        return make_error("Invalid parameter type for '{}', expected: {}", pname,
                                          target_type);
                    }
                    return make_error("Device '{}' not found", path);
                }
            }
            if (check) {
                if (auto st = check(owner, pname, target); !st) return st;
            }
            set_target(target);
            return {};
        },
        {});
    prop.resolve = [get_target](Object&) { return get_target(); };
    return prop;
}

// ---------------------------------------------------------------------------
// Parsing property values, with QEMU's rules
// ---------------------------------------------------------------------------

std::optional<int64_t> parse_int64(std::string_view s) {
    std::string str(s);
    if (str.empty() || std::isspace(static_cast<unsigned char>(str[0]))) return std::nullopt;
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(str.c_str(), &end, 0);
    if (errno || end != str.c_str() + str.size()) return std::nullopt;
    return v;
}

std::optional<uint64_t> parse_uint64(std::string_view s) {
    std::string str(s);
    if (str.empty() || std::isspace(static_cast<unsigned char>(str[0]))) return std::nullopt;
    errno = 0;
    char* end = nullptr;
    // Like qemu_strtou64, "-1" wraps to the largest value.
    unsigned long long v = std::strtoull(str.c_str(), &end, 0);
    if (errno || end != str.c_str() + str.size()) return std::nullopt;
    return v;
}

std::optional<uint64_t> parse_size(std::string_view s, char default_suffix) {
    std::string str(s);
    if (str.empty() || !std::isdigit(static_cast<unsigned char>(str[0]))) return std::nullopt;
    const char* p = str.c_str();
    char* end = nullptr;
    uint64_t whole = 0;
    double fraction = 0;
    if (str.starts_with("0x") || str.starts_with("0X")) {
        errno = 0;
        whole = std::strtoull(p, &end, 16);
        if (errno || end == p + 2) return std::nullopt;
    } else {
        errno = 0;
        whole = std::strtoull(p, &end, 10);
        if (errno) return std::nullopt;
        if (*end == '.') {
            char* fend = nullptr;
            fraction = std::strtod(end, &fend);
            if (fend == end + 1) return std::nullopt;
            end = fend;
        }
    }
    char suffix = *end ? *end++ : default_suffix;
    if (*end) return std::nullopt;
    int shift = 0;
    switch (std::toupper(static_cast<unsigned char>(suffix))) {
    case 'B': shift = 0; break;
    case 'K': shift = 10; break;
    case 'M': shift = 20; break;
    case 'G': shift = 30; break;
    case 'T': shift = 40; break;
    case 'P': shift = 50; break;
    case 'E': shift = 60; break;
    default: return std::nullopt;
    }
    if (fraction != 0 && shift == 0) return std::nullopt; // "1.5" bytes makes no sense
    if (shift && (whole >> (64 - shift)) != 0) return std::nullopt;
    uint64_t value = whole << shift;
    uint64_t extra = static_cast<uint64_t>(fraction * static_cast<double>(1ull << shift));
    if (value + extra < value) return std::nullopt;
    return value + extra;
}

std::optional<uint64_t> parse_size(std::string_view s) { return parse_size(s, 'B'); }

std::optional<bool> parse_bool(std::string_view s) {
    if (s == "on" || s == "yes" || s == "true" || s == "y") return true;
    if (s == "off" || s == "no" || s == "false" || s == "n") return false;
    return std::nullopt;
}

std::string format_size_human(uint64_t bytes) {
    static constexpr const char* suffixes[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    int exponent = 0;
    std::frexp(static_cast<double>(bytes) / (1000.0 / 1024.0), &exponent);
    int i = std::max(0, (exponent - 1) / 10);
    double div = static_cast<double>(1ull << (i * 10));
    return fmt::format("{} {}B", fmt::format("{:.3g}", static_cast<double>(bytes) / div),
                       suffixes[i]);
}

// ---------------------------------------------------------------------------
// The root types
// ---------------------------------------------------------------------------

namespace {

void object_class_init(ObjectClass& klass) {
    object_class_property_add(
        &klass, "type", "string",
        [](Object& o) -> Result<std::string> { return object_get_typename(&o); }, {});
}

void register_root_types() {
    type_register_static(TypeInfo{
        .name = TYPE_OBJECT,
        .instance_new = new_instance<Object>,
        .class_new = new_class<ObjectClass>,
        .class_init = object_class_init,
    });
    type_register_static(TypeInfo{
        .name = TYPE_INTERFACE,
        .abstract = true,
        .class_new = new_class<InterfaceClass>,
    });
    type_register_static(TypeInfo{.name = TYPE_CONTAINER, .parent = TYPE_OBJECT});
}

} // namespace

} // namespace mq

#include "core/module.h"
[[maybe_unused]] static const bool registered = mq::type_init(mq::register_root_types);
