// The qtest commands: one row each, as QEMU's qtest_process_command answers
// them, except that a malformed request gets `FAIL ...` instead of an abort.
//
// Memory goes through the system address space, as a CPU's would, with the
// big lock held (the chardev callback that brought the line holds it).
#include "core/qtest/qtest-server.h"
#include "core/qtest/qtest.h"

#include "core/machine.h"
#include "core/memory.h"
#include "core/qdev/qdev.h"
#include "core/qdev/sysbus.h"
#include "core/timer.h"

#include <array>

namespace mq {

namespace {

// memset writes in chunks, so its bound is about time, not memory.
constexpr uint64_t kMaxMemset = 256ull << 20;

AddressSpace* sysmem() { return address_space_memory(); }

unsigned width_of(std::string_view command) {
    switch (command.back()) {
    case 'b': return 1;
    case 'w': return 2;
    case 'l': return 4;
    default: return 8;
    }
}

// Every byte of [addr, addr + len) must belong to some memory region (even
// one that only reads all-ones); a hole in the map is the client's mistake.
Status check_mapped(hwaddr addr, uint64_t len) {
    if (len > 0 && addr + (len - 1) < addr) {
        return make_error("0x{:x} bytes at 0x{:x} wrap around the address space", len, addr);
    }
    auto view = sysmem()->flatview();
    hwaddr a = addr;
    Int128 left = std::max<uint64_t>(len, 1);
    for (;;) {
        const FlatRange* fr = view ? view->lookup(a) : nullptr;
        if (!fr) return make_error("address 0x{:x} is outside every memory region", a);
        Int128 here = fr->end - a;
        if (here >= left) return {};
        left -= here;
        a = static_cast<hwaddr>(fr->end);
    }
}

Result<uint64_t> parse_length(std::string_view word, uint64_t limit) {
    auto len = qtest_parse_u64(word);
    if (!len) return len;
    if (*len > limit) return make_error("length {} is above the limit of {}", *len, limit);
    return len;
}

// ADDR and LEN of read, b64read, write, b64write and memset.
struct Span {
    hwaddr addr;
    uint64_t len;
};
Result<Span> parse_span(const QtestWords& w, uint64_t limit, bool allow_empty) {
    auto addr = qtest_parse_u64(w[1]);
    if (!addr) return addr.take_error();
    auto len = parse_length(w[2], limit);
    if (!len) return len.take_error();
    if (*len == 0 && !allow_empty) return make_error("zero-length {}", w[0]);
    if (*len > 0) {
        if (auto st = check_mapped(*addr, *len); !st) return st.take_error();
    }
    return Span{*addr, *len};
}

// --- base64 (RFC 4648, with padding), as glib's g_base64_* ---

constexpr std::string_view kB64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(const std::vector<uint8_t>& data) {
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    for (size_t i = 0; i < data.size(); i += 3) {
        uint32_t chunk = uint32_t(data[i]) << 16;
        if (i + 1 < data.size()) chunk |= uint32_t(data[i + 1]) << 8;
        if (i + 2 < data.size()) chunk |= data[i + 2];
        out += kB64[(chunk >> 18) & 63];
        out += kB64[(chunk >> 12) & 63];
        out += i + 1 < data.size() ? kB64[(chunk >> 6) & 63] : '=';
        out += i + 2 < data.size() ? kB64[chunk & 63] : '=';
    }
    return out;
}

Result<std::vector<uint8_t>> base64_decode(std::string_view text) {
    std::vector<uint8_t> out;
    uint32_t bits = 0;
    int nbits = 0;
    size_t padding = 0;
    for (char c : text) {
        if (c == '=') {
            padding++;
            continue;
        }
        size_t v = kB64.find(c);
        if (v == std::string_view::npos || padding > 0) {
            return make_error("invalid base64 data");
        }
        bits = (bits << 6) | static_cast<uint32_t>(v);
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            out.push_back(static_cast<uint8_t>(bits >> nbits));
        }
    }
    if (padding > 2) return make_error("invalid base64 data");
    return out;
}

Result<std::vector<uint8_t>> hex_decode(std::string_view text) {
    if (!text.starts_with("0x") && !text.starts_with("0X")) {
        return make_error("data must be 0x followed by hex digits");
    }
    text.remove_prefix(2);
    if (text.size() % 2) return make_error("odd number of hex digits");
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::vector<uint8_t> out;
    for (size_t i = 0; i < text.size(); i += 2) {
        int hi = nibble(text[i]), lo = nibble(text[i + 1]);
        if (hi < 0 || lo < 0) return make_error("invalid hex data");
        out.push_back(static_cast<uint8_t>(hi << 4 | lo));
    }
    return out;
}

// --- Memory ---

QtestReply cmd_read_n(QtestServer&, const QtestWords& w) {
    unsigned size = width_of(w[0]);
    auto addr = qtest_parse_u64(w[1]);
    if (!addr) return addr.take_error();
    if (auto st = check_mapped(*addr, size); !st) return st.take_error();
    // A device may refuse the access size (edu below 0x80): like QEMU, the
    // reply is then the 0 the memory API read.
    return fmt::format("0x{:016x}", address_space_ld(sysmem(), *addr, size, nullptr));
}

QtestReply cmd_write_n(QtestServer&, const QtestWords& w) {
    unsigned size = width_of(w[0]);
    auto addr = qtest_parse_u64(w[1]);
    if (!addr) return addr.take_error();
    auto value = qtest_parse_u64(w[2]);
    if (!value) return value.take_error();
    if (auto st = check_mapped(*addr, size); !st) return st.take_error();
    uint64_t mask = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
    (void)address_space_st(sysmem(), *addr, *value & mask, size);
    return std::string();
}

QtestReply cmd_read(QtestServer&, const QtestWords& w) {
    auto span = parse_span(w, kQtestMaxBulk, false);
    if (!span) return span.take_error();
    std::vector<uint8_t> data(span->len);
    (void)address_space_read(sysmem(), span->addr, data.data(), data.size());
    std::string out = "0x";
    out.reserve(2 + 2 * data.size());
    for (uint8_t b : data)
        fmt::format_to(std::back_inserter(out), "{:02x}", b);
    return out;
}

QtestReply cmd_b64read(QtestServer&, const QtestWords& w) {
    auto span = parse_span(w, kQtestMaxBulk, false);
    if (!span) return span.take_error();
    std::vector<uint8_t> data(span->len);
    (void)address_space_read(sysmem(), span->addr, data.data(), data.size());
    return base64_encode(data);
}

// Data shorter than LEN is padded with zeros and longer data is cut, as QEMU does.
QtestReply write_bytes(const Span& span, std::vector<uint8_t> data) {
    data.resize(span.len);
    if (!data.empty()) (void)address_space_write(sysmem(), span.addr, data.data(), data.size());
    return std::string();
}

QtestReply cmd_write(QtestServer&, const QtestWords& w) {
    auto span = parse_span(w, kQtestMaxBulk, true);
    if (!span) return span.take_error();
    auto data = hex_decode(w[3]);
    if (!data) return data.take_error();
    return write_bytes(*span, std::move(*data));
}

QtestReply cmd_b64write(QtestServer&, const QtestWords& w) {
    auto span = parse_span(w, kQtestMaxBulk, true);
    if (!span) return span.take_error();
    auto data = base64_decode(w[3]);
    if (!data) return data.take_error();
    return write_bytes(*span, std::move(*data));
}

QtestReply cmd_memset(QtestServer&, const QtestWords& w) {
    auto span = parse_span(w, kMaxMemset, true);
    if (!span) return span.take_error();
    auto pattern = qtest_parse_u64(w[3]);
    if (!pattern) return pattern.take_error();
    std::array<uint8_t, 64 * 1024> chunk;
    chunk.fill(static_cast<uint8_t>(*pattern));
    for (uint64_t done = 0; done < span->len;) {
        uint64_t n = std::min<uint64_t>(chunk.size(), span->len - done);
        (void)address_space_write(sysmem(), span->addr + done, chunk.data(), n);
        done += n;
    }
    return std::string();
}

// --- Port I/O: through the machine's port window (virt: the PCI I/O window) ---

Result<hwaddr> port_address(std::string_view word, unsigned size) {
    auto port = qtest_parse_u64(word);
    if (!port) return port.take_error();
    if (*port > 0xffff) return make_error("port 0x{:x} is above 0xffff", *port);
    auto* ms = object_dynamic_cast<MachineState>(qdev_get_machine());
    const MachineClass* mc = ms ? &machine_get_class(*ms) : nullptr;
    if (!mc || mc->pio_size == 0) return make_error("this machine has no port I/O");
    if (*port + size > mc->pio_size) {
        return make_error("port 0x{:x} is outside the 0x{:x}-byte I/O window", *port, mc->pio_size);
    }
    return mc->pio_base + *port;
}

QtestReply cmd_in(QtestServer&, const QtestWords& w) {
    unsigned size = width_of(w[0]);
    auto addr = port_address(w[1], size);
    if (!addr) return addr.take_error();
    return fmt::format("0x{:04x}", address_space_ld(sysmem(), *addr, size, nullptr));
}

QtestReply cmd_out(QtestServer&, const QtestWords& w) {
    unsigned size = width_of(w[0]);
    auto addr = port_address(w[1], size);
    if (!addr) return addr.take_error();
    auto value = qtest_parse_u64(w[2]);
    if (!value) return value.take_error();
    (void)address_space_st(sysmem(), *addr, *value & ((1ull << (8 * size)) - 1), size);
    return std::string();
}

// --- The clock (only with the qtest accelerator, as in QEMU) ---

QtestReply clock_reply(int64_t target) {
    virtual_clock_step_to(target);
    return fmt::format("{}", qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL));
}

QtestReply cmd_clock_step(QtestServer&, const QtestWords& w) {
    if (!qtest_enabled()) return make_error("Unknown command '{}'", w[0]);
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    int64_t step = 0;
    if (w.size() > 1) {
        auto ns = qtest_parse_i64(w[1]);
        if (!ns) return ns.take_error();
        if (*ns < 0) return make_error("cannot step the clock backwards");
        step = *ns;
    } else if (int64_t deadline = virtual_clock_deadline_ns(); deadline >= 0) {
        step = std::max<int64_t>(0, deadline - now);
    }
    if (step > INT64_MAX - now) return make_error("the clock would overflow");
    return clock_reply(now + step);
}

QtestReply cmd_clock_set(QtestServer&, const QtestWords& w) {
    if (!qtest_enabled()) return make_error("Unknown command '{}'", w[0]);
    auto ns = qtest_parse_i64(w[1]);
    if (!ns) return ns.take_error();
    // Time never runs backwards: an earlier time leaves the clock alone.
    return clock_reply(*ns);
}

// --- Interrupt lines ---

Result<DeviceState*> find_device(std::string_view path) {
    Object* obj = object_resolve_path(path);
    auto* dev = obj ? object_dynamic_cast<DeviceState>(obj) : nullptr;
    if (!dev) return make_error("Unknown device");
    return dev;
}

// QEMU names the unnamed lists this way in set_irq_in.
std::string_view gpio_list_name(std::string_view word) {
    return word == "unnamed-gpio-in" || word == "unnamed-gpio-out" ? std::string_view() : word;
}

QtestReply cmd_irq_intercept(QtestServer& server, const QtestWords& w) {
    auto dev = find_device(w[1]);
    if (!dev) return dev.take_error();
    auto dir = w[0] == "irq_intercept_in" ? IrqDirection::In : IrqDirection::Out;
    return server.intercept(*dev, dir, w.size() > 2 ? gpio_list_name(w[2]) : std::string_view());
}

QtestReply cmd_set_irq_in(QtestServer&, const QtestWords& w) {
    auto dev = find_device(w[1]);
    if (!dev) return dev.take_error();
    std::string_view name = gpio_list_name(w[2]);
    auto n = qtest_parse_i64(w[3]);
    if (!n) return n.take_error();
    auto level = qtest_parse_i64(w[4]);
    if (!level) return level.take_error();
    if (*level < INT32_MIN || *level > INT32_MAX) return make_error("level out of range");
    for (auto& list : (*dev)->gpios) {
        if (list.name == name && *n >= 0 && *n < static_cast<int64_t>(list.in.size())) {
            QemuIrq(list.in[*n].get()).set(static_cast<int>(*level));
            return std::string();
        }
    }
    return make_error("no input line {} '{}'", *n, w[2]);
}

QtestReply cmd_endianness(QtestServer&, const QtestWords&) { return std::string("little"); }

} // namespace

const std::vector<QtestCommand>& qtest_commands() {
    static const std::vector<QtestCommand> table{
        {"readb", "ADDR", 1, cmd_read_n},
        {"readw", "ADDR", 1, cmd_read_n},
        {"readl", "ADDR", 1, cmd_read_n},
        {"readq", "ADDR", 1, cmd_read_n},
        {"writeb", "ADDR VAL", 2, cmd_write_n},
        {"writew", "ADDR VAL", 2, cmd_write_n},
        {"writel", "ADDR VAL", 2, cmd_write_n},
        {"writeq", "ADDR VAL", 2, cmd_write_n},
        {"read", "ADDR SIZE", 2, cmd_read},
        {"write", "ADDR SIZE 0xDATA", 3, cmd_write},
        {"b64read", "ADDR SIZE", 2, cmd_b64read},
        {"b64write", "ADDR SIZE B64DATA", 3, cmd_b64write},
        {"memset", "ADDR SIZE BYTE", 3, cmd_memset},
        {"inb", "PORT", 1, cmd_in},
        {"inw", "PORT", 1, cmd_in},
        {"inl", "PORT", 1, cmd_in},
        {"outb", "PORT VAL", 2, cmd_out},
        {"outw", "PORT VAL", 2, cmd_out},
        {"outl", "PORT VAL", 2, cmd_out},
        {"clock_step", "[NS]", 0, cmd_clock_step},
        {"clock_set", "NS", 1, cmd_clock_set},
        {"irq_intercept_in", "QOM-PATH [NAME]", 1, cmd_irq_intercept},
        {"irq_intercept_out", "QOM-PATH [NAME]", 1, cmd_irq_intercept},
        {"set_irq_in", "QOM-PATH NAME N LEVEL", 4, cmd_set_irq_in},
        {"endianness", "", 0, cmd_endianness},
    };
    return table;
}

} // namespace mq
