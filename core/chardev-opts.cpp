// Making chardevs from options (QEMU: chardev/char.c): `-chardev
// BACKEND,id=ID,...`, and the short forms that -serial, -monitor, -qmp, -gdb
// and -qtest take ("tcp::4444,server=on,wait=off", "unix:PATH", "mon:stdio",
// "chardev:ID", ...), which become the same options. Every backend is a row
// of one table: its name, the parameters it takes, and how it opens.
//
// Chardevs live until the process ends: frontends may write during exit.
#include "core/chardev-backends.h"
#include "core/keyval.h"
#include "core/main-loop.h"
#include "core/qom/object.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace mq {

namespace {

struct Registry {
    std::vector<std::unique_ptr<Chardev>> chardevs;
    bool stdio_used = false;
};

Registry& registry() {
    static Registry* r = new Registry(); // leaked on purpose, see above
    return *r;
}

Chardev* add(std::unique_ptr<Chardev> chr) {
    registry().chardevs.push_back(std::move(chr));
    return registry().chardevs.back().get();
}

Result<bool> bool_param(const PropertyBag& opts, std::string_view key, bool fallback) {
    const std::string* v = opts.get(key);
    if (!v) return fallback;
    if (*v == "on" || *v == "yes" || *v == "true") return true;
    if (*v == "off" || *v == "no" || *v == "false") return false;
    return make_error("Parameter '{}' expects 'on' or 'off'", key);
}

std::string str_param(const PropertyBag& opts, std::string_view key) {
    const std::string* v = opts.get(key);
    return v ? *v : std::string();
}

using Opened = Result<std::unique_ptr<Chardev>>;

Opened open_null(const std::string& id, const PropertyBag&, std::string_view) {
    return std::unique_ptr<Chardev>(std::make_unique<NullChardev>(id));
}

Opened open_stdio(const std::string& id, const PropertyBag&, std::string_view) {
    if (is_daemonized()) return make_error("cannot use stdio with -daemonize");
    if (registry().stdio_used) return make_error("cannot use stdio by multiple character devices");
    registry().stdio_used = true;
    return std::unique_ptr<Chardev>(std::make_unique<StdioChardev>(id));
}

Opened open_file(const std::string& id, const PropertyBag& opts, std::string_view) {
    std::string path = str_param(opts, "path");
    if (path.empty()) return make_error("chardev: file: no filename given");
    auto append = bool_param(opts, "append", false);
    if (!append) return append.take_error();
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (*append ? O_APPEND : O_TRUNC);
    int fd = ::open(path.c_str(), flags, 0666);
    if (fd < 0) return make_error("Could not open '{}': {}", path, std::strerror(errno));
    return std::unique_ptr<Chardev>(std::make_unique<FileChardev>(id, fd));
}

Opened open_pipe(const std::string& id, const PropertyBag& opts, std::string_view) {
    std::string path = str_param(opts, "path");
    if (path.empty()) return make_error("chardev: pipe: no filename given");
    return chardev_pipe_open(id, path);
}

Opened open_pty(const std::string& id, const PropertyBag&, std::string_view) {
    return chardev_pty_open(id);
}

Opened open_ringbuf(const std::string& id, const PropertyBag&, std::string_view) {
    return std::unique_ptr<Chardev>(std::make_unique<RingBufChardev>(id));
}

Opened open_socket(const std::string& id, const PropertyBag& opts, std::string_view location) {
    SocketOptions so;
    so.path = str_param(opts, "path");
    so.host = str_param(opts, "host");
    so.port = str_param(opts, "port");
    if (opts.has("host") && so.port.empty()) return make_error("chardev: socket: no port given");
    // Without path= or host=, QEMU takes it for a socket on an inherited
    // descriptor (fd=), with none given: a client fails, a server listens
    // nowhere (port= alone does not make it TCP).
    so.no_address = so.path.empty() && !opts.has("host");
    if (!so.path.empty() && (!so.host.empty() || !so.port.empty()))
        return make_error("chardev: socket: give either path or host and port, not both");
    auto server = bool_param(opts, "server", false);
    auto wait = bool_param(opts, "wait", true);
    auto nodelay = bool_param(opts, "nodelay", false);
    for (auto* r : {&server, &wait, &nodelay}) {
        if (!*r) return r->take_error();
    }
    so.server = *server;
    so.wait = *wait;
    so.nodelay = *nodelay;
    if (so.no_address && !so.server) return make_error("Unable to parse FD number ");
    if (const std::string* rc = opts.get("reconnect")) {
        auto n = parse_uint64(*rc);
        if (!n || *n > 3600) return make_error("Parameter 'reconnect' expects a number of seconds");
        if (so.server) return make_error("'reconnect' option is incompatible with 'server' option");
        so.reconnect = static_cast<int>(*n);
    }
    if (!opts.has("server") && opts.has("wait"))
        return make_error("'wait' option is incompatible with socket in client connect mode");
    return chardev_socket_open(id, std::move(so), location);
}

struct BackendDef {
    const char* name;
    std::vector<std::string_view> params; // besides backend, id and mux
    Opened (*open)(const std::string& id, const PropertyBag& opts, std::string_view location);
};

const std::vector<BackendDef>& backends() {
    static const std::vector<BackendDef> table = {
        {"null", {}, open_null},
        {"stdio", {"signal"}, open_stdio},
        {"file", {"path", "append"}, open_file},
        {"pipe", {"path"}, open_pipe},
        {"pty", {}, open_pty},
        {"socket", {"path", "host", "port", "server", "wait", "nodelay", "reconnect"}, open_socket},
        {"ringbuf", {"size"}, open_ringbuf},
        {"memory", {"size"}, open_ringbuf},
    };
    return table;
}

// The short forms (QEMU's qemu_chr_parse_compat) as -chardev options.
Result<PropertyBag> parse_compat(std::string_view spec) {
    PropertyBag opts;
    auto with_options = [&](std::string_view backend, std::string_view rest,
                            std::string_view first_key) -> Result<PropertyBag> {
        size_t comma = rest.find(',');
        std::string_view first = rest.substr(0, comma);
        if (comma != std::string_view::npos) {
            auto more = keyval_parse(rest.substr(comma + 1), "");
            if (!more) return more.take_error();
            opts = std::move(*more);
        }
        opts.set("backend", backend);
        if (first_key == "host:port") {
            size_t colon = first.rfind(':');
            if (colon == std::string_view::npos)
                return make_error("'{}' is not a valid char driver", spec);
            opts.set("host", first.substr(0, colon));
            opts.set("port", first.substr(colon + 1));
        } else if (!first_key.empty()) {
            opts.set(first_key, first);
        }
        return std::move(opts);
    };
    for (std::string_view plain : {"null", "stdio", "pty", "ringbuf"}) {
        if (spec == plain) return with_options(plain, "", "");
    }
    if (spec.starts_with("file:")) return with_options("file", spec.substr(5), "path");
    if (spec.starts_with("pipe:")) return with_options("pipe", spec.substr(5), "path");
    if (spec.starts_with("unix:")) return with_options("socket", spec.substr(5), "path");
    if (spec.starts_with("tcp:")) return with_options("socket", spec.substr(4), "host:port");
    return make_error("'{}' is not a valid char driver", spec);
}

} // namespace

Result<Chardev*> qemu_chr_new_from_opts(const PropertyBag& opts, std::string_view location) {
    const std::string* backend = opts.get("backend");
    const std::string* id = opts.get("id");
    if (!backend || backend->empty()) return make_error("chardev: \"backend\" is missing");
    const BackendDef* def = nullptr;
    for (const auto& b : backends()) {
        if (*backend == b.name) def = &b;
    }
    if (!def) return make_error("'{}' is not a valid char driver name", *backend);
    if (!id) return make_error("chardev: no id specified");
    if (!id_wellformed(*id)) return id_malformed_error();
    if (qemu_chr_find(*id)) return make_error("Duplicate ID '{}' for chardev", *id);
    for (const auto& [key, value] : opts) {
        bool known = key == "backend" || key == "id" || key == "mux" ||
                     std::ranges::find(def->params, key) != def->params.end();
        if (!known) return make_error("Invalid parameter '{}'", key);
    }
    auto mux = bool_param(opts, "mux", false);
    if (!mux) return mux.take_error();
    auto chr = def->open(*mux ? *id + "-base" : *id, opts, location);
    if (!chr) return chr.take_error();
    Chardev* base = add(std::move(*chr));
    if (!*mux) return base;
    return add(std::make_unique<MuxChardev>(*id, base));
}

Result<Chardev*> qemu_chr_new(std::string_view label, std::string_view spec,
                              std::string_view location) {
    if (spec == "none") return static_cast<Chardev*>(nullptr);
    if (spec.starts_with("chardev:")) {
        std::string_view id = spec.substr(8);
        if (Chardev* chr = qemu_chr_find(id)) return chr;
        return make_error("chardev \"{}\" not found", id);
    }
    bool mon = spec.starts_with("mon:");
    auto opts = parse_compat(mon ? spec.substr(4) : spec);
    if (!opts) return opts.take_error();
    // QEMU parses the short forms without keyval's deprecation warnings.
    opts->set("id", label);
    if (mon) opts->set("mux", "on");
    return qemu_chr_new_from_opts(*opts, location);
}

bool qemu_chr_spec_parses(std::string_view spec) {
    if (spec == "none" || spec.starts_with("chardev:")) return true;
    if (spec.starts_with("mon:")) spec.remove_prefix(4);
    return static_cast<bool>(parse_compat(spec));
}

Chardev* qemu_chr_find(std::string_view label) {
    for (auto& c : registry().chardevs) {
        if (c->label() == label) return c.get();
    }
    return nullptr;
}

std::vector<Chardev*> qemu_chr_list() {
    std::vector<Chardev*> list;
    for (auto& c : registry().chardevs)
        list.push_back(c.get());
    return list;
}

namespace {
std::vector<Chardev*>& serial_hds() {
    static std::vector<Chardev*> v;
    return v;
}
} // namespace

void serial_hds_set(std::vector<Chardev*> chardevs) { serial_hds() = std::move(chardevs); }

Chardev* serial_hd(int index) {
    auto& v = serial_hds();
    return index >= 0 && index < static_cast<int>(v.size()) ? v[index] : nullptr;
}

void qemu_chr_open_all() {
    for (auto& c : registry().chardevs) {
        if (!c->mux_owner) c->open(); // a mux opens its backend itself
    }
}

void qemu_chr_drain_all() {
    // Half a second in all: a client that stopped reading does not hold up exit.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    for (auto& c : registry().chardevs) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (!c->mux_owner && left.count() > 0) c->drain(left);
    }
}

} // namespace mq
