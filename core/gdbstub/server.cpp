// The session: bytes in and out through the chardev, acknowledgements, and
// the run/stop cycle. All of it runs on the main thread under the big lock;
// only the stop handler is called on the vCPU thread, and it just posts.
#include "core/gdbstub/server.h"

#include "core/cpus.h"
#include "core/gdbstub/gdbstub.h"
#include "core/main-loop.h"
#include "core/monitor.h"

#include <boost/asio/post.hpp>

#include <cstdio>

namespace mq::gdb {

// The monitor's output for qRcmd: each line becomes an O packet.
class GdbServer::MonitorChardev final : public Chardev {
public:
    MonitorChardev() : Chardev("gdb-monitor") {}
    void write(const uint8_t* buf, size_t len) override {
        m_output.append(reinterpret_cast<const char*>(buf), len);
    }
    std::string take() { return std::exchange(m_output, {}); }

private:
    std::string m_output;
};

GdbServer::GdbServer(Chardev* chr, CpuDebug* cpu)
    : m_chr(chr), m_cpu(cpu), m_mon_chr(std::make_unique<MonitorChardev>()) {
    m_chr->attach(CharFrontend{
        .can_receive = [] { return kMaxPacket; },
        .receive = [this](const uint8_t* buf, size_t len) { receive(buf, len); },
        .event = [this](ChrEvent e) { event(e); },
        .lossless = true,
    });
    m_cpu->set_stop_handler([this](const DebugStop& stop) {
        uint64_t generation = m_generation.load();
        main_loop_post([this, stop, generation] { on_debug_stop(stop, generation); });
    });
}

GdbServer::~GdbServer() = default;

void GdbServer::put_packet(std::string_view payload) {
    m_last_sent = rsp_frame(payload);
    m_chr->write(m_last_sent);
}

std::string GdbServer::thread_id(int cpu) const {
    return multiprocess ? fmt::format("p{:02x}.{:02x}", 1, cpu + 1)
                        : fmt::format("{:02x}", cpu + 1);
}

ThreadId GdbServer::parse_thread_id(std::string_view text) const {
    // One number: hex, or -1 for "all".
    auto number = [](std::string_view s) -> std::optional<int64_t> {
        if (s == "-1") return -1;
        auto v = parse_hex(s);
        if (!v || *v > 0xffff) return std::nullopt;
        return static_cast<int64_t>(*v);
    };
    int64_t pid = 1;
    std::string_view tid_text = text;
    if (text.starts_with('p')) {
        size_t dot = text.find('.');
        auto p = number(text.substr(1, dot == std::string_view::npos ? dot : dot - 1));
        if (!p) return {};
        if (*p == -1) return {ThreadId::Kind::All, 0};
        pid = *p;
        if (dot == std::string_view::npos) return {ThreadId::Kind::All, 0}; // every thread of it
        tid_text = text.substr(dot + 1);
    }
    auto tid = number(tid_text);
    if (!tid) return {};
    if (*tid == -1) return {ThreadId::Kind::All, 0};
    if (pid > 1) return {};
    if (*tid == 0) return {ThreadId::Kind::One, 0}; // any thread: the first
    if (*tid > m_cpu->cpu_count()) return {};
    return {ThreadId::Kind::One, static_cast<int>(*tid - 1)};
}

void GdbServer::receive(const uint8_t* buf, size_t len) {
    for (size_t i = 0; i < len; i++) {
        auto ev = m_reader.feed(buf[i]);
        if (!ev) continue;
        switch (ev->kind) {
        case RspEvent::Kind::Packet:
            m_chr->write("+");
            handle_packet(ev->payload);
            break;
        case RspEvent::Kind::BadChecksum: m_chr->write("-"); break;
        case RspEvent::Kind::Interrupt: interrupt(); break;
        case RspEvent::Kind::Nack:
            if (!m_last_sent.empty()) m_chr->write(m_last_sent);
            break;
        }
    }
}

void GdbServer::event(ChrEvent e) {
    if (e == CHR_EVENT_OPENED) {
        // A new client finds the VM stopped, and starts from scratch.
        m_reader = RspReader();
        m_last_sent.clear();
        multiprocess = has_xml = m_waiting = false;
        c_cpu = g_cpu = 0;
        m_generation++;
        vm_stop();
        stopped();
    } else if (e == CHR_EVENT_CLOSED) {
        m_waiting = false;
    }
}

void GdbServer::handle_packet(std::string_view payload) {
    for (const GdbPacket& row : gdb_packet_table()) {
        if (!payload.starts_with(row.name)) continue;
        std::string_view rest = payload.substr(row.name.size());
        if (row.name.size() == 1) {
            row.handler(*this, rest);
            return;
        }
        if (rest.empty() || rest[0] == ':' || rest[0] == ',' || rest[0] == ';') {
            row.handler(*this, rest.empty() ? rest : rest.substr(1));
            return;
        }
    }
    put_packet(""); // unknown: an empty reply says so
}

void GdbServer::stopped() {
    std::vector<DebugResume> all(static_cast<size_t>(m_cpu->cpu_count()), DebugResume::Continue);
    m_cpu->set_resume(all);
}

void GdbServer::resume(std::vector<DebugResume> actions) {
    m_cpu->set_resume(actions);
    m_waiting = true;
    m_generation++;
    vm_start();
}

void GdbServer::interrupt() {
    if (!runstate_is_running()) return; // already stopped: nothing to say
    m_generation++;
    vm_stop();
    stopped();
    m_waiting = false;
    put_packet(fmt::format("T02thread:{};", thread_id(c_cpu)));
}

void GdbServer::on_debug_stop(const DebugStop& stop, uint64_t generation) {
    if (generation != m_generation.load()) return; // stopped since, some other way
    vm_stop();
    stopped();
    c_cpu = g_cpu = stop.cpu;
    if (!m_waiting) return;
    m_waiting = false;
    std::string reply = fmt::format("T05thread:{};", thread_id(stop.cpu));
    if (stop.reason == DebugStop::Reason::Watchpoint) {
        std::string_view kind = stop.watch_type == DebugPointType::WatchRead     ? "r"
                                : stop.watch_type == DebugPointType::WatchAccess ? "a"
                                                                                 : "";
        reply += fmt::format("{}watch:{:016x};", kind, stop.watch_addr);
    }
    put_packet(reply);
}

void GdbServer::detach() {
    m_cpu->remove_all_points();
    m_waiting = false;
    m_generation++;
    stopped();
    put_packet("OK");
    vm_start();
}

void GdbServer::kill(std::string_view reply) {
    // The message first, as QEMU does: the client may end us once it has the reply.
    std::fprintf(stderr, "%s: QEMU: Terminated via GDBstub\n", error_get_progname().c_str());
    put_packet(reply);
    // After the W00 has gone out.
    boost::asio::post(main_loop_context(),
                      [] { qemu_system_shutdown_request(ShutdownCause::HostQmpQuit, 0); });
}

void GdbServer::monitor_command(std::string_view line) {
    if (!m_monitor) m_monitor = monitor_init_hmp(m_mon_chr.get());
    m_monitor->handle_command(line);
    std::string out = m_mon_chr->take();
    // One O packet a line, as QEMU's monitor flushes them; long lines in pieces.
    constexpr size_t kChunk = (kMaxPacket - 2) / 2;
    size_t pos = 0;
    while (pos < out.size()) {
        size_t nl = out.find('\n', pos);
        size_t end = nl == std::string::npos ? out.size() : nl + 1;
        end = std::min(end, pos + kChunk);
        put_packet("O" + hex_encode(std::string_view(out).substr(pos, end - pos)));
        pos = end;
    }
    put_packet("OK");
}

} // namespace mq::gdb

namespace mq {

namespace {

struct StubState {
    std::vector<std::unique_ptr<gdb::GdbServer>> servers; // kept: their chardev points at them
    gdb::GdbServer* active = nullptr;
};

StubState& stub() {
    static StubState* s = new StubState();
    return *s;
}

} // namespace

Status gdbserver_start_on(Chardev* chr) {
    CpuRunner* runner = cpus_runner();
    CpuDebug* debug = runner ? runner->debug() : nullptr;
    if (!debug || debug->cpu_count() == 0)
        return make_error("gdbstub: meaningless to attach gdb to a machine without any CPU");
    auto server = std::make_unique<gdb::GdbServer>(chr, debug);
    stub().active = server.get();
    stub().servers.push_back(std::move(server));
    return {};
}

Status gdbserver_start(std::string_view device) {
    if (device == "none") {
        stub().active = nullptr;
        return {};
    }
    std::string spec(device);
    // QEMU's -gdb tcp:... listens without waiting for the client.
    if (spec.starts_with("tcp:") && spec.find("server") == std::string::npos)
        spec += ",server=on,wait=off";
    auto chr = qemu_chr_new(fmt::format("gdb{}", stub().servers.size()), spec);
    if (!chr) return chr.take_error();
    if (!*chr) return {};
    return gdbserver_start_on(*chr);
}

void gdbserver_register_hmp() {
    static bool done = false;
    if (done) return;
    done = true;
    hmp_register_command({"gdbserver", "device:s?", "[device]",
                          "start gdbserver on given device (default 'tcp::1234'), stop with 'none'",
                          [](Monitor& mon, const HmpArgs& args) {
                              std::string device = args.get_str("device").value_or("tcp::1234");
                              if (auto st = gdbserver_start(device); !st) {
                                  mon.printf("{}\nCould not open gdbserver on device '{}'\n",
                                             st.error().message, device);
                              } else if (device == "none") {
                                  mon.print("Disabled gdbserver\n");
                              } else {
                                  mon.printf("Waiting for gdb connection on device '{}'\n", device);
                              }
                          }});
}

} // namespace mq
