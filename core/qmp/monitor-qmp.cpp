// The QMP monitor on a chardev (QEMU: monitor/qmp.c): the greeting,
// capabilities negotiation, one request at a time, and events.
//
// Each chardev carries one client at a time; a new connection
// (CHR_EVENT_OPENED) starts over in negotiation mode. Several chardevs make
// several clients, and every client that has negotiated gets every event.
#include "core/main-loop.h"
#include "core/qmp/qmp.h"
#include "core/vm-events.h"

#include <sys/time.h>

#include <deque>
#include <mutex>
#include <thread>

namespace mq {

namespace {

class QmpMonitor {
public:
    explicit QmpMonitor(Chardev* chr) : m_chr(chr) {
        m_chr->attach(CharFrontend{
            .can_receive = [] { return size_t(4096); },
            .receive = [this](const uint8_t* buf, size_t len) { receive(buf, len); },
            .event = [this](ChrEvent e) { event(e); },
            .lossless = true,
        });
    }

    bool negotiated() const { return m_connected && m_negotiated; }
    void send(const Json& message) { m_chr->write(qmp_json_dump(message) + "\r\n"); }

private:
    void event(ChrEvent e);
    void receive(const uint8_t* buf, size_t len);
    void handle_message(const JsonMessage& message);
    void handle_request(const Json& request);
    QmpResult dispatch(const Json& request, const std::string& name, bool oob);
    QmpResult negotiate(const Json& args);

    Chardev* m_chr;
    JsonStreamer m_streamer;
    bool m_connected = false;
    bool m_negotiated = false;
    bool m_oob = false;
};

struct Monitors {
    std::vector<QmpMonitor*> list;
    std::thread::id main_thread;
    // Events raised off the main thread (the vCPU thread, a signal), waiting
    // for the main loop; the vCPU thread appends under `lock`.
    std::mutex lock;
    std::deque<Json> pending;
};

Monitors& monitors() {
    static Monitors* m = new Monitors(); // clients may be written to during exit
    return *m;
}

Json greeting() {
    unsigned major = 0, minor = 0, micro = 0;
    std::sscanf(MINIQEMU_VERSION_STRING, "%u.%u.%u", &major, &minor, &micro);
    return Json{{"QMP",
                 {{"version",
                   {{"qemu", {{"micro", micro}, {"minor", minor}, {"major", major}}},
                    {"package", "miniqemu"}}},
                  {"capabilities", Json::array({"oob"})}}}};
}

Json error_json(const QmpError& e) {
    return Json{{"class", qmp_error_class_name(e.error_class)}, {"desc", e.desc}};
}

Json timestamp_now() {
    struct timeval tv;
    gettimeofday(&tv, nullptr);
    return Json{{"seconds", int64_t(tv.tv_sec)}, {"microseconds", int64_t(tv.tv_usec)}};
}

Json make_event(std::string_view name, const Json& data, Json timestamp) {
    Json ev{{"timestamp", std::move(timestamp)}, {"event", name}};
    if (!data.is_null()) ev["data"] = data;
    return ev;
}

void broadcast(const Json& event) {
    for (QmpMonitor* mon : monitors().list) {
        if (mon->negotiated()) mon->send(event);
    }
}

void flush_pending() {
    std::deque<Json> events;
    {
        std::lock_guard g(monitors().lock);
        events.swap(monitors().pending);
    }
    for (const auto& ev : events)
        broadcast(ev);
}

Json event_from(const VmEvent& e, std::string* name) {
    auto cause = [&] {
        return Json{{"guest", shutdown_caused_by_guest(e.cause)},
                    {"reason", shutdown_cause_name(e.cause)}};
    };
    switch (e.kind) {
    case VmEventKind::Stop: *name = "STOP"; return nullptr;
    case VmEventKind::Resume: *name = "RESUME"; return nullptr;
    case VmEventKind::Powerdown: *name = "POWERDOWN"; return nullptr;
    case VmEventKind::Reset: *name = "RESET"; return cause();
    case VmEventKind::Shutdown: *name = "SHUTDOWN"; return cause();
    case VmEventKind::DeviceDeleted: {
        *name = "DEVICE_DELETED";
        Json data = Json::object();
        if (!e.device_id.empty()) data["device"] = e.device_id;
        data["path"] = e.path;
        return data;
    }
    }
    return nullptr;
}

// VM events from any thread. On the main thread with the big lock held
// (a QMP or HMP command) they go out at once, so that `stop` answers STOP
// before its return; from elsewhere they wait for the main loop.
void on_vm_event(const VmEvent& e) {
    std::string name;
    Json data = event_from(e, &name);
    Json ev = make_event(name, data, timestamp_now());
    auto& m = monitors();
    if (std::this_thread::get_id() == m.main_thread && bql_locked()) {
        flush_pending();
        broadcast(ev);
        return;
    }
    {
        std::lock_guard g(m.lock);
        m.pending.push_back(std::move(ev));
    }
    main_loop_post(flush_pending);
}

} // namespace

void QmpMonitor::event(ChrEvent e) {
    if (e == CHR_EVENT_OPENED) {
        m_streamer.reset();
        m_connected = true;
        m_negotiated = false;
        m_oob = false;
        send(greeting());
    } else if (e == CHR_EVENT_CLOSED) {
        // A request cut short by the disconnect is dropped with the client.
        m_streamer.reset();
        m_connected = false;
        m_negotiated = false;
    }
}

void QmpMonitor::receive(const uint8_t* buf, size_t len) {
    auto messages = m_streamer.feed(std::string_view(reinterpret_cast<const char*>(buf), len));
    for (const auto& msg : messages)
        handle_message(msg);
}

void QmpMonitor::handle_message(const JsonMessage& message) {
    if (!message.error.empty()) {
        send(Json{{"error", error_json(QmpError{QmpErrorClass::GenericError, message.error})}});
        return;
    }
    auto parsed = json_parse_message(message.text);
    if (!parsed.error.empty()) {
        send(Json{{"error", error_json(QmpError{QmpErrorClass::GenericError, parsed.error})}});
        return;
    }
    handle_request(parsed.value);
}

// QEMU's qmp_dispatch_check_obj: the members of the request, in order.
std::optional<QmpError> check_request(const Json& request, std::string* name, bool* oob) {
    auto generic = [](std::string desc) {
        return QmpError{QmpErrorClass::GenericError, std::move(desc)};
    };
    if (!request.is_object()) return generic("QMP input must be a JSON object");
    bool has_exec = false, has_oob = false;
    for (const auto& [key, value] : request.items()) {
        if (key == "execute" || key == "exec-oob") {
            if (!value.is_string()) {
                return generic(fmt::format("QMP input member '{}' must be a string", key));
            }
            (key == "execute" ? has_exec : has_oob) = true;
            *name = value.get<std::string>();
        } else if (key == "arguments") {
            if (!value.is_object()) {
                return generic("QMP input member 'arguments' must be an object");
            }
        } else if (key != "id") {
            return generic(fmt::format("QMP input member '{}' is unexpected", key));
        }
    }
    if (has_exec && has_oob) {
        return generic("QMP input must not contain both 'execute' and 'exec-oob'");
    }
    if (!has_exec && !has_oob) return generic("QMP input lacks member 'execute'");
    *oob = has_oob;
    return std::nullopt;
}

void QmpMonitor::handle_request(const Json& request) {
    std::string name;
    bool oob = false;
    std::optional<QmpResult> result;
    if (auto err = check_request(request, &name, &oob)) {
        result.emplace(*err);
    } else {
        result.emplace(dispatch(request, name, oob));
    }
    // QEMU puts "id" after "return" but before "error".
    const Json* id = request.is_object() && request.contains("id") ? &request["id"] : nullptr;
    Json reply = Json::object();
    if (result->ok()) {
        reply["return"] = result->value();
        if (id) reply["id"] = *id;
    } else {
        if (id) reply["id"] = *id;
        reply["error"] = error_json(result->error());
    }
    send(reply);
}

QmpResult QmpMonitor::dispatch(const Json& request, const std::string& name, bool oob) {
    const Json& args = request.contains("arguments") ? request["arguments"] : Json();
    if (!m_negotiated) {
        if (name != "qmp_capabilities" || oob) {
            return QmpError{QmpErrorClass::CommandNotFound,
                            "Expecting capabilities negotiation with 'qmp_capabilities'"};
        }
        return negotiate(args);
    }
    const QmpCommand* cmd = qmp_find_command(name);
    if (!cmd) {
        return QmpError{QmpErrorClass::CommandNotFound,
                        fmt::format("The command {} has not been found", name)};
    }
    if (oob) {
        // No command here may jump the queue.
        if (!m_oob) return QmpError{{}, "QMP input member 'exec-oob' is unexpected"};
        return QmpError{{}, fmt::format("The command {} does not support OOB", name)};
    }
    if (auto err = qmp_check_arguments(*cmd, args)) return *err;
    static const Json empty = Json::object();
    return cmd->handler(QmpArgs(args.is_null() ? empty : args));
}

QmpResult QmpMonitor::negotiate(const Json& args) {
    const QmpCommand* cmd = qmp_find_command("qmp_capabilities");
    if (auto err = qmp_check_arguments(*cmd, args)) return *err;
    bool oob = false;
    if (args.is_object() && args.contains("enable")) {
        for (const auto& cap : args["enable"]) {
            // QEMU's own wording, 'null' included.
            if (cap != "oob") {
                return QmpError{{},
                                fmt::format("Parameter 'null' does not accept value '{}'",
                                            cap.get<std::string>())};
            }
            oob = true;
        }
    }
    m_oob = oob;
    m_negotiated = true;
    return Json::object();
}

Status qmp_monitor_init(Chardev* chr) {
    auto& m = monitors();
    if (m.list.empty()) {
        m.main_thread = std::this_thread::get_id();
        qmp_register_core_commands();
        vm_event_add_listener(on_vm_event);
    }
    m.list.push_back(new QmpMonitor(chr));
    return {};
}

void qmp_event_send(std::string_view name, const Json& data) {
    flush_pending();
    broadcast(make_event(name, data, timestamp_now()));
}

} // namespace mq
