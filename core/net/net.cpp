// The network client registry, packet delivery between peers, MAC
// addresses, `info network`, and the -netdev / -nic / -net front ends
// (QEMU: net/net.c, net/queue.c, net/hub.c).
//
// Everything here runs with the big lock held, or during start-up before any
// other thread exists.
#include "core/net/net-internal.h"

#include "core/keyval.h"
#include "core/module.h"
#include "core/monitor.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <optional>

namespace mq {

using net_internal::NetOpts;

namespace {

// QEMU's net/queue.c drops frames beyond this many queued for one receiver
// (nq_maxlen); the sender's protocol (TCP) recovers.
constexpr size_t kMaxQueuedFrames = 10000;

// The legacy -net form's single hub (QEMU: net/hub.c), kept only so that
// `info network` can show it the way QEMU does. The NIC and the back end are
// connected directly; the ports are names.
struct LegacyHub {
    struct Port {
        std::string name;                  // "hub0port0"
        NetClientState* backend = nullptr; // null for the NIC's port
    };
    std::vector<Port> ports; // in creation order
};

struct NetState {
    std::vector<NetClientState*> clients;                  // every registered client, in order
    std::vector<std::unique_ptr<NetClientState>> backends; // the ones we own
    std::array<bool, 256> mac_used{};                      // last byte of 52:54:00:12:34:xx
    int nic_slots = 0;                                     // -nic / -net nic seen (QEMU's nd_table)
    int anonymous = 0; // "#net0", "#net1", ... for -net back ends
    std::optional<LegacyHub> hub;
};

NetState& net_state() {
    // Leaked on purpose: back ends own threads, which net_cleanup() stops
    // while the rest of the process still exists.
    static NetState* state = new NetState();
    return *state;
}

} // namespace

NetClientState::~NetClientState() {
    if (peer && peer->peer == this) peer->peer = nullptr;
    qemu_net_unregister(this);
}

void qemu_net_register(NetClientState* nc) {
    auto& clients = net_state().clients;
    if (std::ranges::find(clients, nc) == clients.end()) clients.push_back(nc);
}

void qemu_net_unregister(NetClientState* nc) {
    auto& clients = net_state().clients;
    std::erase(clients, nc);
    // A back end whose NIC went away (device_del) has no peer any more.
    for (NetClientState* other : clients) {
        if (other->peer == nc) other->peer = nullptr;
    }
}

NetClientState* qemu_find_netdev(std::string_view id) {
    for (NetClientState* nc : net_state().clients) {
        if (!nc->is_nic && nc->name == id) return nc;
    }
    return nullptr;
}

// As QEMU's qemu_net_queue_send(): deliver now if the peer can take it and
// nothing older is waiting (frames stay in order), else queue it.
void qemu_send_packet(NetClientState* sender, const uint8_t* buf, size_t len) {
    NetClientState* peer = sender->peer;
    if (!peer) return;
    if (peer->queue.empty() && peer->can_receive() && peer->receive(buf, len) > 0) return;
    if (peer->queue.size() >= kMaxQueuedFrames) return;
    peer->queue.emplace_back(buf, buf + len);
}

void qemu_flush_queued_packets(NetClientState* receiver) {
    auto& queue = receiver->queue;
    size_t delivered = 0;
    while (delivered < queue.size() && receiver->can_receive()) {
        // Moved out first: receive() may queue more for this receiver, and
        // the vector may move under us.
        std::vector<uint8_t> frame = std::move(queue[delivered]);
        if (receiver->receive(frame.data(), frame.size()) == 0) {
            queue[delivered] = std::move(frame);
            break;
        }
        delivered++;
    }
    queue.erase(queue.begin(), queue.begin() + static_cast<ptrdiff_t>(delivered));
}

// QEMU's net_parse_macaddr: six hex fields separated by ':' or '-', or a
// single number for the low three bytes (the rest stay zero).
Result<MacAddr> qemu_parse_macaddr(std::string_view text) {
    MacAddr mac{};
    std::string s(text);
    auto bad = [] { return make_error("invalid syntax for ethernet address"); };
    if (s.empty()) return bad();
    char* end = nullptr;
    errno = 0;
    long offset = std::strtol(s.c_str(), &end, 0);
    if (errno == 0 && *end == '\0' && offset >= 0 && offset <= 0xffffff) {
        mac[3] = static_cast<uint8_t>(offset >> 16);
        mac[4] = static_cast<uint8_t>(offset >> 8);
        mac[5] = static_cast<uint8_t>(offset);
        return mac;
    }
    const char* p = s.c_str();
    for (size_t i = 0; i < mac.size(); i++) {
        if (!std::isxdigit(static_cast<unsigned char>(*p))) return bad();
        mac[i] = static_cast<uint8_t>(std::strtol(p, &end, 16));
        if (end - p > 2) return bad();
        p = end;
        if (i == 5) {
            if (*p != '\0') return bad();
        } else {
            if (*p != ':' && *p != '-') return bad();
            p++;
        }
    }
    return mac;
}

// The first free 52:54:00:12:34:xx from :56 on (QEMU's qemu_macaddr_get_free).
MacAddr qemu_macaddr_default_if_unset() {
    auto& used = net_state().mac_used;
    size_t last = 0x56;
    while (last < 0xff && used[last])
        last++;
    used[last] = true;
    return MacAddr{0x52, 0x54, 0x00, 0x12, 0x34, static_cast<uint8_t>(last)};
}

void qemu_macaddr_set_used(const MacAddr& mac) {
    if (mac[0] == 0x52 && mac[1] == 0x54 && mac[2] == 0 && mac[3] == 0x12 && mac[4] == 0x34)
        net_state().mac_used[mac[5]] = true;
}

std::string qemu_mac_strdup_printf(const MacAddr& mac) {
    return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", mac[0], mac[1], mac[2], mac[3],
                       mac[4], mac[5]);
}

// ---------------------------------------------------------------------------
// `info network` (QEMU: hmp_info_network, net_hub_info, print_net_client)

namespace {

std::string client_line(const NetClientState& nc) {
    return fmt::format("{}: index=0,type={},{}\n", nc.name, nc.is_nic ? "nic" : nc.model,
                       nc.info_str);
}

// The NIC connected to `backend`, whichever side set the peer pointer.
NetClientState* nic_of(const NetClientState* backend) {
    if (backend->peer) return backend->peer;
    for (NetClientState* nc : net_state().clients) {
        if (nc->is_nic && nc->peer == backend) return nc;
    }
    return nullptr;
}

} // namespace

std::string net_info_string() {
    NetState& st = net_state();
    std::string out;
    std::vector<const NetClientState*> in_hub;
    if (st.hub) {
        out += "hub 0\n";
        // QEMU lists a hub's ports newest first.
        NetClientState* hub_nic = nullptr;
        for (const auto& port : st.hub->ports) {
            if (port.backend) hub_nic = nic_of(port.backend);
        }
        for (auto it = st.hub->ports.rbegin(); it != st.hub->ports.rend(); ++it) {
            const NetClientState* member = it->backend ? it->backend : hub_nic;
            if (member) {
                out += fmt::format(" \\ {}: {}", it->name, client_line(*member));
                in_hub.push_back(member);
            } else {
                out += fmt::format(" \\ {}\n", it->name);
            }
        }
    }
    for (const NetClientState* nc : st.clients) {
        if (std::ranges::find(in_hub, nc) != in_hub.end()) continue;
        NetClientState* peer = nc->is_nic ? nc->peer : nic_of(nc);
        // A back end with a NIC is printed under that NIC.
        if (!peer || nc->is_nic) out += client_line(*nc);
        if (peer && nc->is_nic) out += " \\ " + client_line(*peer);
    }
    return out;
}

std::vector<std::string> net_check_clients() {
    std::vector<std::string> warnings;
    for (const NetClientState* nc : net_state().clients) {
        if (!(nc->is_nic ? nc->peer : nic_of(nc))) {
            warnings.push_back(
                fmt::format("warning: {} {} has no peer", nc->is_nic ? "nic" : "netdev", nc->name));
        }
    }
    return warnings;
}

namespace {

void register_net_commands() {
    hmp_register_info({"network", "", "", "show the network state",
                       [](Monitor& mon, const HmpArgs&) { mon.print(net_info_string()); }});
}

[[maybe_unused]] const bool registered = type_init(register_net_commands);

// ---------------------------------------------------------------------------
// Option strings. QEMU's QemuOpts rules: the first element may omit its key
// (the type), ",," is a literal comma, and a key may repeat.

struct SplitOpts {
    std::string type;
    NetOpts opts;
};

std::string read_element(std::string_view spec, size_t& pos) {
    std::string out;
    while (pos < spec.size()) {
        if (spec[pos] == ',') {
            if (pos + 1 < spec.size() && spec[pos + 1] == ',') {
                out += ',';
                pos += 2;
                continue;
            }
            break;
        }
        out += spec[pos++];
    }
    return out;
}

SplitOpts split_opts(std::string_view spec) {
    SplitOpts out;
    size_t pos = 0;
    bool first = true;
    while (pos < spec.size()) {
        std::string element = read_element(spec, pos);
        pos++; // the separating comma
        size_t eq = element.find('=');
        if (eq == std::string::npos) {
            if (first) {
                out.type = element;
            } else if (!element.empty()) {
                out.opts.emplace_back(element, "on"); // QEMU's short-form boolean
            }
        } else {
            out.opts.emplace_back(element.substr(0, eq), element.substr(eq + 1));
        }
        first = false;
    }
    // "type=user" may be spelt out, too.
    if (auto it = std::ranges::find_if(out.opts, [](auto& kv) { return kv.first == "type"; });
        it != out.opts.end()) {
        out.type = it->second;
        out.opts.erase(it);
    }
    return out;
}

// Removes every `key` and returns the last value, as QemuOpts' qemu_opt_get_del.
std::optional<std::string> take(NetOpts& opts, std::string_view key) {
    std::optional<std::string> value;
    std::erase_if(opts, [&](auto& kv) {
        if (kv.first != key) return false;
        value = kv.second;
        return true;
    });
    return value;
}

// The types QEMU 7.2 knows (qapi/net.json NetClientDriver) that are not
// built here. QEMU says the same for a type left out of its build.
bool is_known_type(std::string_view type) {
    static const char* const known[] = {"none",    "nic",    "user",       "tap",       "l2tpv3",
                                        "socket",  "stream", "dgram",      "vde",       "bridge",
                                        "hubport", "netmap", "vhost-user", "vhost-vdpa"};
    return std::ranges::find(known, type) != std::end(known);
}

Error type_error(const std::string& type) {
    if (type.empty()) return make_error("Parameter 'type' is missing");
    if (is_known_type(type))
        return make_error("network backend '{}' is not compiled into this binary", type);
    return make_error("Parameter 'type' does not accept value '{}'", type);
}

Status check_id(const std::string& id) {
    if (!id_wellformed(id)) return id_malformed_error();
    return {};
}

// Creates and registers a back end of `type` called `name`.
Result<NetClientState*> create_backend(const std::string& type, const std::string& name,
                                       const NetOpts& opts) {
    if (type != "user") return type_error(type);
    auto backend = net_internal::net_init_slirp(name, opts);
    if (!backend) return backend.take_error();
    NetClientState* nc = backend->get();
    net_state().backends.push_back(std::move(*backend));
    qemu_net_register(nc);
    return nc;
}

// -nic mac= and -net nic,macaddr=: the address, or the next default.
Result<MacAddr> nic_macaddr(const std::optional<std::string>& text) {
    if (!text) return qemu_macaddr_default_if_unset();
    auto mac = qemu_parse_macaddr(*text);
    if (!mac) return mac;
    if ((*mac)[0] & 1) return make_error("NIC cannot have multicast MAC address");
    qemu_macaddr_set_used(*mac);
    return mac;
}

constexpr const char* kDefaultNicModel = "virtio-net-pci";

} // namespace

Status netdev_add(std::string_view spec) {
    SplitOpts s = split_opts(spec);
    std::optional<std::string> id = take(s.opts, "id");
    if (id) {
        if (auto st = check_id(*id); !st) return st;
        if (qemu_find_netdev(*id)) return make_error("Duplicate ID '{}' for netdev", *id);
    } else {
        return make_error("Parameter 'id' is missing");
    }
    auto nc = create_backend(s.type, *id, s.opts);
    if (!nc) return nc.take_error();
    return {};
}

Result<std::string> nic_add(std::string_view spec) {
    SplitOpts s = split_opts(spec);
    if (s.type == "none") return std::string{};
    if (s.type.empty()) s.type = "user";
    if (s.type != "user") return type_error(s.type);
    std::string model = take(s.opts, "model").value_or(kDefaultNicModel);
    auto mac = nic_macaddr(take(s.opts, "mac"));
    if (!mac) return mac.take_error();
    int slot = net_state().nic_slots++;
    std::string id = take(s.opts, "id").value_or(fmt::format("__org.qemu.nic{}", slot));
    if (!id.starts_with("__org.qemu.")) {
        if (auto st = check_id(id); !st) return st.take_error();
    }
    if (qemu_find_netdev(id)) return make_error("Duplicate ID '{}'", id);
    auto nc = create_backend(s.type, id, s.opts);
    if (!nc) return nc.take_error();
    return fmt::format("{},netdev={},mac={}", model, id, qemu_mac_strdup_printf(*mac));
}

// The hub form, as far as it goes here: at most one NIC and one back end,
// connected to each other directly. `info network` still shows QEMU's hub.
Result<std::vector<std::string>> net_legacy_add(const std::vector<std::string>& specs) {
    NetState& st = net_state();
    std::optional<std::string> nic_model;
    std::optional<MacAddr> nic_mac;
    NetClientState* backend = nullptr;
    LegacyHub hub;
    for (const std::string& spec : specs) {
        std::string where = "-net " + spec;
        SplitOpts s = split_opts(spec);
        if (s.type == "none") continue;
        if (s.type != "nic" && s.type != "user") return type_error(s.type).at(where);
        std::optional<std::string> name = take(s.opts, "name");
        if (auto id = take(s.opts, "id")) {
            if (auto ok = check_id(*id); !ok) return ok.take_error().at(where);
            name = id;
        }
        bool is_nic = s.type == "nic";
        if ((is_nic && nic_model) || (!is_nic && backend)) {
            return make_error("only one -net nic and one -net back end are supported here")
                .with_hint("Use -netdev and -device for more.\n")
                .at(where);
        }
        std::string port = fmt::format("hub0port{}", hub.ports.size());
        if (is_nic) {
            nic_model = take(s.opts, "model").value_or(kDefaultNicModel);
            auto mac = nic_macaddr(take(s.opts, "macaddr"));
            if (!mac) return mac.take_error().at(where);
            nic_mac = *mac;
            st.nic_slots++;
            if (!s.opts.empty())
                return make_error("Invalid parameter '{}'", s.opts.front().first).at(where);
            hub.ports.push_back({port, nullptr});
        } else {
            std::string backend_name = name.value_or(fmt::format("#net{}", st.anonymous++));
            if (qemu_find_netdev(backend_name))
                return make_error("Duplicate ID '{}'", backend_name).at(where);
            auto nc = create_backend(s.type, backend_name, s.opts);
            if (!nc) return nc.take_error().at(where);
            backend = *nc;
            hub.ports.push_back({port, backend});
        }
    }
    std::vector<std::string> devices;
    if (hub.ports.empty()) return devices;
    st.hub = std::move(hub);
    if (nic_model) {
        std::string text = *nic_model;
        if (backend) text += ",netdev=" + backend->name;
        text += ",mac=" + qemu_mac_strdup_printf(*nic_mac);
        devices.push_back(std::move(text));
    }
    return devices;
}

void net_cleanup() {
    NetState& st = net_state();
    // Back ends stop their threads in their destructors; the clients list
    // forgets them as they go.
    while (!st.backends.empty())
        st.backends.pop_back();
    st.clients.clear();
    st.mac_used = {};
    st.nic_slots = 0;
    st.anonymous = 0;
    st.hub.reset();
}

} // namespace mq
