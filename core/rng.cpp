// Entropy back ends and -object (QEMU: backends/rng-random.c,
// backends/rng-builtin.c, qom/object_interfaces.c). See rng.h.
#include "core/rng.h"

#include "core/keyval.h"
#include "core/log.h"
#include "core/module.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

namespace mq {

namespace {

struct RngBuiltin : RngBackend {
    static constexpr const char* type = TYPE_RNG_BUILTIN;
    size_t fill(uint8_t* buf, size_t len) override {
        ssize_t n = getrandom(buf, len, 0);
        return n > 0 ? size_t(n) : 0;
    }
};

struct RngRandom : RngBackend {
    static constexpr const char* type = TYPE_RNG_RANDOM;
    std::string filename = "/dev/urandom";
    int fd = -1;

    ~RngRandom() override {
        if (fd >= 0) ::close(fd);
    }
    Status open() override {
        if (fd >= 0) return {};
        fd = ::open(filename.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
            return make_error("Could not open '{}': {}", filename, std::strerror(errno));
        }
        return {};
    }
    size_t fill(uint8_t* buf, size_t len) override {
        if (fd < 0) return 0;
        ssize_t n;
        do {
            n = ::read(fd, buf, len);
        } while (n < 0 && errno == EINTR);
        if (n < 0 && errno != EAGAIN) {
            qemu_log_mask(LOG_UNIMP, "rng-random: reading {}: {}", filename, std::strerror(errno));
        }
        return n > 0 ? size_t(n) : 0;
    }
};

Object* objects_container() { return container_get(object_get_root(), "/objects"); }

Object* find_object(std::string_view id) {
    for (auto& [name, child] : object_get_children(objects_container())) {
        if (name == id) return child;
    }
    return nullptr;
}

void register_rng_types() {
    type_register_static(TypeInfo{
        .name = TYPE_RNG_BACKEND,
        .parent = TYPE_OBJECT,
        .abstract = true,
    });
    type_register_static(TypeInfo{
        .name = RngBuiltin::type,
        .parent = TYPE_RNG_BACKEND,
        .instance_new = new_instance<RngBuiltin>,
    });
    type_register_static(TypeInfo{
        .name = RngRandom::type,
        .parent = TYPE_RNG_BACKEND,
        .instance_new = new_instance<RngRandom>,
        .class_init =
            [](ObjectClass& k) {
                object_class_property_add_field(&k, "filename", &RngRandom::filename,
                                                std::optional<std::string>("/dev/urandom"));
            },
    });
}

} // namespace

RngBackend* rng_backend_find(std::string_view id) {
    Object* obj = find_object(id);
    return obj ? object_dynamic_cast<RngBackend>(obj) : nullptr;
}

Status user_creatable_add(std::string_view spec) {
    auto bag = keyval_parse(spec, "qom-type");
    if (!bag) return bag.take_error();
    auto type = bag->take("qom-type");
    if (!type) return make_error("Parameter 'qom-type' is missing");
    ObjectClass* klass = object_class_by_name(*type);
    if (!klass || !object_class_dynamic_cast(klass, TYPE_RNG_BACKEND)) {
        return make_error("invalid object type: {}", *type);
    }
    auto id = bag->take("id");
    if (!id) return make_error("Parameter 'id' is missing");
    if (find_object(*id)) {
        return make_error("attempt to add duplicate property '{}' to object (type 'container')",
                          *id);
    }
    auto obj = object_new_as<RngBackend>(*type);
    if (!obj) return obj.take_error();
    for (const auto& [key, value] : *bag) {
        if (auto st = object_property_set_str(obj->get(), key, value); !st) return st;
    }
    if (auto st = (*obj)->open(); !st) return st;
    object_property_add_child(objects_container(), *id, obj->get());
    return {};
}

} // namespace mq

[[maybe_unused]] static const bool registered = mq::type_init(mq::register_rng_types);
