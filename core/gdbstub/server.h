// The stub's session: connection state, packet I/O, and running and stopping
// the CPUs for the client. The packets themselves are rows in commands.cpp.
#pragma once

#include "core/chardev.h"
#include "core/cpu-debug.h"
#include "core/gdbstub/packet.h"

#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mq {
class Monitor;
}

namespace mq::gdb {

class GdbServer;

// One row per packet: its name and handler, which gets what follows the
// name (for a multi-letter name, after the ':', ',' or ';' that ends it).
struct GdbPacket {
    std::string_view name;
    void (*handler)(GdbServer& s, std::string_view args);
};
std::span<const GdbPacket> gdb_packet_table();

// A thread id as the client writes it: "p1.2", "p1.-1", "p0.0", "2", "-1".
struct ThreadId {
    enum class Kind : uint8_t { One, All, Error } kind = Kind::Error;
    int cpu = 0; // for One: the CPU (thread 0 means any: the first)
};

class GdbServer {
public:
    GdbServer(Chardev* chr, CpuDebug* cpu);
    ~GdbServer();
    GdbServer(const GdbServer&) = delete;
    GdbServer& operator=(const GdbServer&) = delete;

    CpuDebug& cpu() { return *m_cpu; }
    void put_packet(std::string_view payload);

    // --- what handlers read and change ---
    bool multiprocess = false; // negotiated in qSupported
    bool has_xml = false;      // the client read the target description: p/P work
    int c_cpu = 0;             // Hc: the CPU that continues and steps
    int g_cpu = 0;             // Hg: the CPU registers and memory are read from
    int next_thread = 0;       // qfThreadInfo/qsThreadInfo iteration

    std::string thread_id(int cpu) const;
    ThreadId parse_thread_id(std::string_view text) const;

    // Runs the CPUs as `actions` say; the stop reply follows when one stops.
    void resume(std::vector<DebugResume> actions);
    // D: breakpoints go, the VM runs on.
    void detach();
    // k and vKill: `reply` (W00, OK), then the emulator exits.
    void kill(std::string_view reply);
    // qRcmd: runs a monitor command, its output in O packets.
    void monitor_command(std::string_view line);

private:
    class MonitorChardev;
    void receive(const uint8_t* buf, size_t len);
    void event(ChrEvent e);
    void handle_packet(std::string_view payload);
    void interrupt();
    void on_debug_stop(const DebugStop& stop, uint64_t generation);
    void stopped(); // the VM stopped: nobody steps any more

    Chardev* m_chr;
    CpuDebug* m_cpu;
    RspReader m_reader;
    std::string m_last_sent;
    bool m_waiting = false; // the client waits for a stop reply
    // Bumped at each resume and interrupt: a stop the vCPU thread reported
    // for an earlier run is stale.
    std::atomic<uint64_t> m_generation{0};
    std::unique_ptr<MonitorChardev> m_mon_chr;
    Monitor* m_monitor = nullptr;
};

} // namespace mq::gdb
