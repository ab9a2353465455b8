// QOM, the QEMU Object Model, in C++ (QEMU: include/qom/object.h, qom/object.c).
//
// Three layers, as in QEMU:
//   TypeInfo     what a device file declares: name, parent, and callbacks.
//   TypeImpl     the registered type in the type table, keyed by name.
//   ObjectClass  one per type, built lazily by type_initialize(): it starts as
//                a copy of the parent's class (so it inherits the parent's
//                "virtual methods"), then each ancestor's class_base_init and
//                the type's own class_init run on it.
//   Object       an instance: object_new() runs instance_init root to leaf,
//                then post-init; the last object_unref() runs finalize leaf
//                to root.
//
// What C++ changes: a class struct or instance struct is a real C++ struct
// deriving from its parent's struct, allocated by a factory in TypeInfo
// (new_class<T> / new_instance<T>) instead of by class_size/instance_size.
// Class "methods" stay plain data (std::function members), so a child class
// can save its parent's method and chain to it, exactly as in QEMU.
//
// Properties are read and written as strings. That is how the command line
// reaches them; typed helpers sit on top.
#pragma once

#include "core/error.h"
#include "core/log.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mq {

struct Object;
struct ObjectClass;
struct TypeImpl;
struct InterfaceClass;

inline constexpr const char* TYPE_OBJECT = "object";
inline constexpr const char* TYPE_INTERFACE = "interface";
inline constexpr const char* TYPE_CONTAINER = "container";

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

using PropertyGetter = std::function<Result<std::string>(Object&)>;
using PropertySetter = std::function<Status(Object&, std::string_view)>;

// One named property. Its `type` string is QOM's: "bool", "uint32", "str",
// "size", "child<edu>", "link<PCI>".
struct ObjectProperty {
    std::string name;
    std::string type;
    std::string description;
    PropertyGetter get; // empty: write-only
    PropertySetter set; // empty: read-only
    std::function<void(Object&)> release;
    // For class properties: puts the default into a new instance, before
    // its instance_init runs (QEMU's ObjectProperty.init).
    std::function<void(Object&)> init;
    std::optional<std::string> default_value; // as `-device x,help` shows it
    Object* child = nullptr;                  // the target of a child<> property
    std::function<Object*(Object&)> resolve;  // the target of a link<> property

    bool is_child() const { return type.starts_with("child<"); }
    bool is_link() const { return type.starts_with("link<"); }
};

// ---------------------------------------------------------------------------
// Types and classes
// ---------------------------------------------------------------------------

struct TypeInfo {
    std::string name;
    std::string parent;
    bool abstract = false;
    // Allocate the instance / class struct. Inherited from the parent when
    // empty, like instance_size and class_size.
    Object* (*instance_new)() = nullptr;
    ObjectClass* (*class_new)() = nullptr;
    std::function<void(ObjectClass&)> class_init;
    // Runs for every descendant class, before the descendant's class_init.
    std::function<void(ObjectClass&)> class_base_init;
    std::function<void(Object&)> instance_init;
    std::function<void(Object&)> instance_post_init;
    std::function<void(Object&)> instance_finalize;
    std::vector<std::string> interfaces;
};

template <typename T>
Object* new_instance() {
    return new T();
}
template <typename T>
ObjectClass* new_class() {
    return new T();
}

struct ObjectClass {
    ObjectClass() = default;
    ObjectClass(const ObjectClass&) = delete;
    // Copying a parent class into a child copies the inherited "methods" and
    // data of the derived structs, but never the class's own identity.
    ObjectClass& operator=(const ObjectClass&) { return *this; }
    virtual ~ObjectClass() = default;

    // Copies this class's struct (its whole C++ type) into `child`, whose
    // struct derives from ours. See DerivedClass.
    virtual void copy_into(ObjectClass& child) const {}

    TypeImpl* type = nullptr;
    std::vector<std::unique_ptr<InterfaceClass>> interfaces;
    // Properties this class declares; lookups walk up to the ancestors.
    std::map<std::string, ObjectProperty> properties;
};

// Class structs derive through this helper so that type_initialize() can
// copy a parent class into its child:
//     struct DeviceClass : DerivedClass<DeviceClass, ObjectClass> { ... };
template <typename Self, typename Parent>
struct DerivedClass : Parent {
    void copy_into(ObjectClass& child) const override;
};

struct InterfaceClass : DerivedClass<InterfaceClass, ObjectClass> {
    ObjectClass* concrete_class = nullptr;
    TypeImpl* interface_type = nullptr;
};

// Registers a type. A duplicate or invalid name is an error, also kept for
// type_registration_status(), which module_call_init() reports: it returns
// the problems found since it was last called, and any unknown parent.
Result<TypeImpl*> type_register(TypeInfo info);
void type_register_static(const TypeInfo& info);
Status type_registration_status();

TypeImpl* type_get_by_name(std::string_view name);
void type_initialize(TypeImpl* type);
const std::string& type_name(const TypeImpl* type);
bool type_is_abstract(const TypeImpl* type);
TypeImpl* type_parent(const TypeImpl* type);

ObjectClass* object_class_by_name(std::string_view name);
const std::string& object_class_get_name(const ObjectClass* klass);
ObjectClass* object_class_get_parent(const ObjectClass* klass);
bool object_class_is_abstract(const ObjectClass* klass);
// The class itself when it is `name` or derives from it, the interface class
// when it implements interface `name`, else null.
ObjectClass* object_class_dynamic_cast(ObjectClass* klass, std::string_view name);
// All classes that are `implements_type` (or implement it), sorted by name.
std::vector<ObjectClass*> object_class_get_list(std::string_view implements_type,
                                                bool include_abstract);

// C++ view of a class struct; aborts with both type names if it is not one.
template <typename C>
C& class_cast(ObjectClass& klass);

// ---------------------------------------------------------------------------
// Objects
// ---------------------------------------------------------------------------

struct Object {
    Object() = default;
    Object(const Object&) = delete;
    Object& operator=(const Object&) = delete;
    virtual ~Object() = default;

    ObjectClass* klass = nullptr;
    std::map<std::string, std::unique_ptr<ObjectProperty>> properties;
    std::atomic<uint32_t> ref{0};
    Object* parent = nullptr; // in the composition tree; the parent owns us
};

void object_ref(Object* obj);
void object_unref(Object* obj);

// Holds one reference: RAII for object_ref/object_unref.
template <typename T = Object>
class ObjectPtr {
public:
    ObjectPtr() = default;
    // Adopts a reference the caller already holds (as object_new returns).
    static ObjectPtr adopt(T* obj) {
        ObjectPtr p;
        p.m_obj = obj;
        return p;
    }
    explicit ObjectPtr(T* obj) : m_obj(obj) {
        if (m_obj) object_ref(m_obj);
    }
    ObjectPtr(const ObjectPtr& o) : ObjectPtr(o.m_obj) {}
    ObjectPtr(ObjectPtr&& o) noexcept : m_obj(std::exchange(o.m_obj, nullptr)) {}
    ObjectPtr& operator=(ObjectPtr o) noexcept {
        std::swap(m_obj, o.m_obj);
        return *this;
    }
    ~ObjectPtr() {
        if (m_obj) object_unref(m_obj);
    }
    T* get() const { return m_obj; }
    T* operator->() const { return m_obj; }
    T& operator*() const { return *m_obj; }
    explicit operator bool() const { return m_obj != nullptr; }
    T* release() { return std::exchange(m_obj, nullptr); }

private:
    T* m_obj = nullptr;
};

// Creates an instance of `type_name`. Unknown and abstract types are errors.
Result<ObjectPtr<Object>> object_new(std::string_view type_name);

const std::string& object_get_typename(const Object* obj);
ObjectClass* object_get_class(const Object* obj);
// `obj` itself if it is of type `name` (or implements it), else null.
Object* object_dynamic_cast(Object* obj, std::string_view name);
// As above, but aborts naming both types: a programming error, not a user's.
Object* object_dynamic_cast_assert(Object* obj, std::string_view name);

// Typed casts. T names its QOM type in `T::type`.
template <typename T>
T* object_dynamic_cast(Object* obj) {
    return static_cast<T*>(object_dynamic_cast(obj, T::type));
}
template <typename T>
T& object_check(Object* obj) {
    return *static_cast<T*>(object_dynamic_cast_assert(obj, T::type));
}
template <typename T>
Result<ObjectPtr<T>> object_new_as(std::string_view type_name = T::type) {
    auto obj = object_new(type_name);
    if (!obj) return obj.take_error();
    object_check<T>(obj->get());
    return ObjectPtr<T>::adopt(static_cast<T*>(obj->release()));
}

// --- properties on objects ---

ObjectProperty& object_property_add(Object* obj, std::string_view name, std::string_view type,
                                    PropertyGetter get, PropertySetter set,
                                    std::function<void(Object&)> release = {});
ObjectProperty& object_class_property_add(ObjectClass* klass, std::string_view name,
                                          std::string_view type, PropertyGetter get,
                                          PropertySetter set);
void object_property_del(Object* obj, std::string_view name);
// Instance properties first, then the class's, then each ancestor class's.
ObjectProperty* object_property_find(Object* obj, std::string_view name);
Result<ObjectProperty*> object_property_find_err(Object* obj, std::string_view name);
ObjectProperty* object_class_property_find(ObjectClass* klass, std::string_view name);
// Every property of the object, instance ones first, then class ones.
std::vector<ObjectProperty*> object_property_list(Object* obj);

// The string interface, which everything else is built on.
Status object_property_set_str(Object* obj, std::string_view name, std::string_view value);
Result<std::string> object_property_get_str(Object* obj, std::string_view name);
Status object_property_set_bool(Object* obj, std::string_view name, bool value);
Result<bool> object_property_get_bool(Object* obj, std::string_view name);
Status object_property_set_int(Object* obj, std::string_view name, int64_t value);
Result<int64_t> object_property_get_int(Object* obj, std::string_view name);
Status object_property_set_uint(Object* obj, std::string_view name, uint64_t value);
Result<uint64_t> object_property_get_uint(Object* obj, std::string_view name);
Status object_property_set_link(Object* obj, std::string_view name, Object* target);

// child<>: the parent takes a reference and `child` joins the composition
// tree under `name`. A name ending in "[*]" gets the first free index.
ObjectProperty& object_property_add_child(Object* obj, std::string_view name, Object* child);
// Removes `obj` from its parent, dropping the parent's reference.
void object_unparent(Object* obj);

// link<>: points at an object of `type` without owning it. `check` may veto
// a new target (for instance, after realize).
using LinkCheck = std::function<Status(Object& owner, std::string_view name, Object* target)>;
template <typename T>
ObjectProperty& object_property_add_link(Object* obj, std::string_view name, std::string_view type,
                                         T*& target, LinkCheck check = {});

// Typed fields exposed as properties, with range checks. T is bool, an
// integer type, std::string, or Size.
struct Size {
    uint64_t bytes = 0;
    auto operator<=>(const Size&) const = default;
};

template <typename T>
struct PropertyTraits; // name, parse, format; defined in property-types.h

template <typename T>
ObjectProperty& object_property_add_field(Object* obj, std::string_view name, T* field,
                                          bool read_only = false);
template <typename Obj, typename T>
ObjectProperty& object_class_property_add_field(ObjectClass* klass, std::string_view name,
                                                T Obj::*field, std::optional<T> default_value = {});

// --- the composition tree ---

Object* object_get_root();
// Walks child<> and link<> properties. Absolute paths start at the root; a
// partial path matches anywhere if it matches exactly one object.
Object* object_resolve_path(std::string_view path, bool* ambiguous = nullptr);
Object* object_resolve_path_type(std::string_view path, std::string_view type,
                                 bool* ambiguous = nullptr);
std::string object_get_canonical_path(const Object* obj);
std::string object_get_canonical_path_component(const Object* obj);
// Finds or creates the containers along `path`, relative to `root`.
Object* container_get(Object* root, std::string_view path);
// The children of `obj` in name order.
std::vector<std::pair<std::string, Object*>> object_get_children(Object* obj);

// `info qom-tree`: the composition tree below `obj`, QEMU's format.
std::string qom_tree_string(Object* obj);

} // namespace mq

#include "core/qom/object-inl.h"
