// The composition tree: the root container, paths to objects and back,
// and the listing behind "info qom-tree" (QEMU: qom/object.c, qom/container.c).
#include "core/qom/object.h"

#include <fmt/format.h>

#include <ranges>

namespace mq {

// ---------------------------------------------------------------------------
// The composition tree
// ---------------------------------------------------------------------------

Object* object_get_root() {
    // Never freed: the root lives as long as the process.
    static Object* root = [] {
        auto obj = object_new(TYPE_CONTAINER);
        if (!obj) qom_abort("the 'container' type is not registered");
        return obj->release();
    }();
    return root;
}

namespace {

// The object a child<> or link<> property points at, or null.
Object* property_resolve(Object& owner, ObjectProperty* prop) {
    if (prop->child) return prop->child;
    return prop->resolve ? prop->resolve(owner) : nullptr;
}

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> parts;
    // Not std::views::split: clang 14 (scripts/fuzz) cannot compile libstdc++ 12's views.
    for (size_t start = 0; start <= path.size();) {
        size_t slash = std::min(path.find('/', start), path.size());
        if (slash > start) parts.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return parts;
}

Object* resolve_relative(Object* obj, const std::vector<std::string_view>& parts, size_t from) {
    for (size_t i = from; obj && i < parts.size(); i++) {
        auto it = obj->properties.find(std::string(parts[i]));
        obj = it == obj->properties.end() ? nullptr : property_resolve(*obj, it->second.get());
    }
    return obj;
}

void resolve_partial(Object* obj, const std::vector<std::string_view>& parts, std::string_view type,
                     Object** found, bool* ambiguous) {
    if (*ambiguous) return;
    Object* match = resolve_relative(obj, parts, 0);
    if (match && (type.empty() || object_dynamic_cast(match, type))) {
        if (*found && *found != match) {
            *ambiguous = true;
            return;
        }
        *found = match;
    }
    for (auto& [name, prop] : obj->properties) {
        if (prop->child) resolve_partial(prop->child, parts, type, found, ambiguous);
    }
}

} // namespace

Object* object_resolve_path_type(std::string_view path, std::string_view type, bool* ambiguous) {
    bool local_ambiguous = false;
    bool& amb = ambiguous ? *ambiguous : local_ambiguous;
    amb = false;
    auto parts = split_path(path);
    if (path.starts_with('/')) {
        Object* obj = resolve_relative(object_get_root(), parts, 0);
        if (obj && !type.empty() && !object_dynamic_cast(obj, type)) return nullptr;
        return obj;
    }
    if (parts.empty()) return nullptr;
    Object* found = nullptr;
    resolve_partial(object_get_root(), parts, type, &found, &amb);
    return amb ? nullptr : found;
}

Object* object_resolve_path(std::string_view path, bool* ambiguous) {
    return object_resolve_path_type(path, "", ambiguous);
}

std::string object_get_canonical_path_component(const Object* obj) {
    if (!obj->parent) return {};
    for (auto& [name, prop] : obj->parent->properties) {
        if (prop->child == obj) return name;
    }
    return {};
}

std::string object_get_canonical_path(const Object* obj) {
    Object* root = object_get_root();
    if (obj == root) return "/";
    std::string path;
    for (const Object* o = obj; o != root; o = o->parent) {
        if (!o->parent) return {}; // not in the composition tree
        path = "/" + object_get_canonical_path_component(o) + path;
    }
    return path;
}

Object* container_get(Object* root, std::string_view path) {
    Object* obj = root;
    for (auto part : split_path(path)) {
        auto it = obj->properties.find(std::string(part));
        Object* child = it == obj->properties.end() ? nullptr : it->second->child;
        if (!child) {
            auto c = object_new(TYPE_CONTAINER);
            object_property_add_child(obj, part, c->get());
            child = c->get();
        }
        obj = child;
    }
    return obj;
}

std::vector<std::pair<std::string, Object*>> object_get_children(Object* obj) {
    std::vector<std::pair<std::string, Object*>> children;
    for (auto& [name, prop] : obj->properties) {
        if (prop->child) children.emplace_back(name, prop->child);
    }
    return children;
}

namespace {

void qom_tree_print(std::string& out, Object* obj, int indent) {
    std::string name = obj == object_get_root() ? "" : object_get_canonical_path_component(obj);
    out += fmt::format("{:{}}/{} ({})\n", "", indent, name, object_get_typename(obj));
    for (auto& [n, child] : object_get_children(obj))
        qom_tree_print(out, child, indent + 2);
}

} // namespace

std::string qom_tree_string(Object* obj) {
    std::string out;
    qom_tree_print(out, obj, 0);
    return out;
}

} // namespace mq
