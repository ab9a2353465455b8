// What the memory API tests (memory_region_test.cpp, address_space_test.cpp)
// share: an I/O region that logs its callback calls, the root container of a
// test's own tree, and a short 32-bit load.
#pragma once

#include "core/memory.h"

#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace mq::test::mem {

// One callback call as an I/O region saw it.
struct Access {
    bool write;
    hwaddr addr;
    unsigned size;
    uint64_t value;
    bool operator==(const Access&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Access& a) {
    return os << (a.write ? "write" : "read") << "(0x" << std::hex << a.addr << ", " << std::dec
              << a.size << ", 0x" << std::hex << a.value << ")";
}

inline Access rd(hwaddr addr, unsigned size, uint64_t value) { return {false, addr, size, value}; }
inline Access wr(hwaddr addr, unsigned size, uint64_t value) { return {true, addr, size, value}; }

// An I/O region that logs its callback calls. A read at offset a returns
// `tag` in bytes 7 and 3 and a in the low bytes, so that both halves of a
// read say which region answered, and where.
class LoggingIo {
public:
    LoggingIo(std::string name, uint64_t size, uint8_t tag,
              const std::function<void(MemoryRegionOps&)>& tweak = {})
        : m_tag(tag) {
        MemoryRegionOps ops;
        ops.read = [this](hwaddr addr, unsigned size) {
            uint64_t v = value_at(addr);
            log.push_back(rd(addr, size, v));
            return v;
        };
        ops.write = [this](hwaddr addr, uint64_t value, unsigned size) {
            log.push_back(wr(addr, size, value));
        };
        if (tweak) tweak(ops);
        memory_region_init_io(&mr, nullptr, std::move(ops), std::move(name), size);
    }
    uint64_t value_at(hwaddr addr) const {
        return (uint64_t(m_tag) << 56) | (uint64_t(m_tag) << 24) | (addr & 0xffffff);
    }

    MemoryRegion mr;
    std::vector<Access> log;

private:
    uint8_t m_tag;
};

// The root of a test's tree: a container the size of the whole address space.
struct Root {
    explicit Root(const char* name = "test-root") {
        memory_region_init(&mr, nullptr, name, UINT64_MAX);
    }
    MemoryRegion mr;
};

inline uint32_t ldl(AddressSpace& as, hwaddr addr, MemTxResult* r = nullptr) {
    return address_space_ldl(&as, addr, r);
}

} // namespace mq::test::mem
