// Entropy back ends for virtio-rng (QEMU: backends/rng*.c): user-creatable
// objects made with -object and found by id under /objects.
//   rng-random,id=ID[,filename=/dev/urandom]  reads a host file or device;
//   rng-builtin,id=ID                         the host's getrandom().
#pragma once

#include "core/qom/object.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mq {

inline constexpr const char* TYPE_RNG_BACKEND = "rng-backend";
inline constexpr const char* TYPE_RNG_BUILTIN = "rng-builtin";
inline constexpr const char* TYPE_RNG_RANDOM = "rng-random";

struct RngBackend : Object {
    static constexpr const char* type = TYPE_RNG_BACKEND;
    // Fills `buf` with up to `len` random bytes; returns how many (0 on a
    // host failure, which is logged).
    virtual size_t fill(uint8_t* buf, size_t len) = 0;
    // Opens what it needs (QEMU's "complete" step); errors in QEMU's words.
    virtual Status open() { return {}; }
    bool in_use = false;
};

// The back end `-object ...,id=ID` made, or null.
RngBackend* rng_backend_find(std::string_view id);

// -object TYPE,id=ID,prop=value...: creates a user-creatable object under
// /objects. Errors carry QEMU's wording.
Status user_creatable_add(std::string_view spec);

} // namespace mq
