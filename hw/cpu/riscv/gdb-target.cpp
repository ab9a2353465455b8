// The hart's side of the gdb stub: the target description gdb reads, registers
// by gdb number, memory through the hart's translation, breakpoints,
// watchpoints and single-step (QEMU: target/riscv/gdbstub.c, gdb-xml/riscv-*,
// and the breakpoint lists of cpu.c).
//
// Register numbers, as the target description gives them to gdb:
//   0-31 x0-x31, 32 pc        org.gnu.gdb.riscv.cpu (what `g` carries)
//   33-64 f0-f31              org.gnu.gdb.riscv.fpu
//   65 priv                   org.gnu.gdb.riscv.virtual
//   66 + n CSR n              org.gnu.gdb.riscv.csr (QEMU 7.2's list)
//
// Breakpoints are virtual pcs checked between blocks (blocks end before one
// and are not chained while any is set); watchpoints keep their pages out of
// the soft TLB, so that the slow path of a load or store checks them.
#include "hw/cpu/riscv/gdb-target.h"

#include "core/main-loop.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace mq::riscv {

// --- breakpoints and watchpoints ---

bool g_debug_breakpoints = false;
bool g_debug_watchpoints = false;

namespace {

struct Watchpoint {
    uint64_t addr;
    uint64_t len;
    DebugPointType type;
};

struct DebugPoints {
    std::vector<uint64_t> breakpoints; // a list: inserting twice needs removing twice
    std::vector<Watchpoint> watchpoints;
};

DebugPoints& points() {
    static DebugPoints* p = new DebugPoints();
    return *p;
}

bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen) {
    return a < b + blen && b < a + alen;
}

} // namespace

bool debug_breakpoint_at(uint64_t pc) {
    return std::ranges::find(points().breakpoints, pc) != points().breakpoints.end();
}

bool debug_page_watched(uint64_t va) {
    for (const Watchpoint& w : points().watchpoints) {
        if (overlaps(w.addr, w.len, va & PAGE_MASK, 0x1000)) return true;
    }
    return false;
}

bool debug_watch_check(Hart& h, uint64_t va, unsigned size, Access access) {
    for (const Watchpoint& w : points().watchpoints) {
        if (!overlaps(w.addr, w.len, va, size)) continue;
        bool hit = w.type == DebugPointType::WatchAccess ||
                   (w.type == DebugPointType::WatchWrite && access == Access::Store) ||
                   (w.type == DebugPointType::WatchRead && access == Access::Load);
        if (!hit) continue;
        h.dbg.watch_addr = w.addr;
        h.dbg.watch_type = static_cast<uint8_t>(w.type);
        return true;
    }
    return false;
}

// --- the target description (gdb's own feature files, as QEMU 7.2 serves them) ---

namespace {

constexpr std::string_view kFeatureHeader =
    "<?xml version=\"1.0\"?>\n"
    "<!-- Copyright (C) 2018-2019 Free Software Foundation, Inc.\n\n"
    "     Copying and distribution of this file, with or without modification,\n"
    "     are permitted in any medium without royalty provided the copyright\n"
    "     notice and this notice are preserved.  -->\n\n"
    "<!DOCTYPE feature SYSTEM \"gdb-target.dtd\">\n";

constexpr const char* kXNames[32] = {"zero", "ra", "sp",  "gp",  "tp", "t0", "t1", "t2",
                                     "fp",   "s1", "a0",  "a1",  "a2", "a3", "a4", "a5",
                                     "a6",   "a7", "s2",  "s3",  "s4", "s5", "s6", "s7",
                                     "s8",   "s9", "s10", "s11", "t3", "t4", "t5", "t6"};

constexpr const char* kFNames[32] = {"ft0", "ft1", "ft2",  "ft3",  "ft4", "ft5", "ft6",  "ft7",
                                     "fs0", "fs1", "fa0",  "fa1",  "fa2", "fa3", "fa4",  "fa5",
                                     "fa6", "fa7", "fs2",  "fs3",  "fs4", "fs5", "fs6",  "fs7",
                                     "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11"};

struct GdbCsr {
    const char* name;
    unsigned num;
};

// The CSRs QEMU 7.2's rv64 cpu lists for gdb, in its order.
constexpr GdbCsr kCsrs[] = {
    {"sstatus", 0x100},       {"sie", 0x104},           {"stvec", 0x105},
    {"scounteren", 0x106},    {"senvcfg", 0x10a},       {"sscratch", 0x140},
    {"sepc", 0x141},          {"scause", 0x142},        {"stval", 0x143},
    {"sip", 0x144},           {"satp", 0x180},          {"vsstatus", 0x200},
    {"vsie", 0x204},          {"vstvec", 0x205},        {"vsscratch", 0x240},
    {"vsepc", 0x241},         {"vscause", 0x242},       {"vstval", 0x243},
    {"vsip", 0x244},          {"vsatp", 0x280},         {"mstatus", 0x300},
    {"misa", 0x301},          {"medeleg", 0x302},       {"mideleg", 0x303},
    {"mie", 0x304},           {"mtvec", 0x305},         {"mcounteren", 0x306},
    {"menvcfg", 0x30a},       {"mcountinhibit", 0x320}, {"mhpmevent3", 0x323},
    {"mhpmevent4", 0x324},    {"mhpmevent5", 0x325},    {"mhpmevent6", 0x326},
    {"mhpmevent7", 0x327},    {"mhpmevent8", 0x328},    {"mhpmevent9", 0x329},
    {"mhpmevent10", 0x32a},   {"mhpmevent11", 0x32b},   {"mhpmevent12", 0x32c},
    {"mhpmevent13", 0x32d},   {"mhpmevent14", 0x32e},   {"mhpmevent15", 0x32f},
    {"mhpmevent16", 0x330},   {"mhpmevent17", 0x331},   {"mhpmevent18", 0x332},
    {"mhpmevent19", 0x333},   {"mhpmevent20", 0x334},   {"mhpmevent21", 0x335},
    {"mhpmevent22", 0x336},   {"mhpmevent23", 0x337},   {"mhpmevent24", 0x338},
    {"mhpmevent25", 0x339},   {"mhpmevent26", 0x33a},   {"mhpmevent27", 0x33b},
    {"mhpmevent28", 0x33c},   {"mhpmevent29", 0x33d},   {"mhpmevent30", 0x33e},
    {"mhpmevent31", 0x33f},   {"mscratch", 0x340},      {"mepc", 0x341},
    {"mcause", 0x342},        {"mtval", 0x343},         {"mip", 0x344},
    {"mtinst", 0x34a},        {"mtval2", 0x34b},        {"pmpcfg0", 0x3a0},
    {"pmpcfg1", 0x3a1},       {"pmpcfg2", 0x3a2},       {"pmpcfg3", 0x3a3},
    {"pmpaddr0", 0x3b0},      {"pmpaddr1", 0x3b1},      {"pmpaddr2", 0x3b2},
    {"pmpaddr3", 0x3b3},      {"pmpaddr4", 0x3b4},      {"pmpaddr5", 0x3b5},
    {"pmpaddr6", 0x3b6},      {"pmpaddr7", 0x3b7},      {"pmpaddr8", 0x3b8},
    {"pmpaddr9", 0x3b9},      {"pmpaddr10", 0x3ba},     {"pmpaddr11", 0x3bb},
    {"pmpaddr12", 0x3bc},     {"pmpaddr13", 0x3bd},     {"pmpaddr14", 0x3be},
    {"pmpaddr15", 0x3bf},     {"hstatus", 0x600},       {"hedeleg", 0x602},
    {"hideleg", 0x603},       {"hie", 0x604},           {"htimedelta", 0x605},
    {"hcounteren", 0x606},    {"hgeie", 0x607},         {"henvcfg", 0x60a},
    {"htval", 0x643},         {"hip", 0x644},           {"hvip", 0x645},
    {"htinst", 0x64a},        {"hgatp", 0x680},         {"tselect", 0x7a0},
    {"tdata1", 0x7a1},        {"tdata2", 0x7a2},        {"tdata3", 0x7a3},
    {"tinfo", 0x7a4},         {"mcycle", 0xb00},        {"minstret", 0xb02},
    {"mhpmcounter3", 0xb03},  {"mhpmcounter4", 0xb04},  {"mhpmcounter5", 0xb05},
    {"mhpmcounter6", 0xb06},  {"mhpmcounter7", 0xb07},  {"mhpmcounter8", 0xb08},
    {"mhpmcounter9", 0xb09},  {"mhpmcounter10", 0xb0a}, {"mhpmcounter11", 0xb0b},
    {"mhpmcounter12", 0xb0c}, {"mhpmcounter13", 0xb0d}, {"mhpmcounter14", 0xb0e},
    {"mhpmcounter15", 0xb0f}, {"mhpmcounter16", 0xb10}, {"mhpmcounter17", 0xb11},
    {"mhpmcounter18", 0xb12}, {"hgeip", 0xe12},         {"mvendorid", 0xf11},
    {"marchid", 0xf12},       {"mimpid", 0xf13},        {"mhartid", 0xf14},
    {"mconfigptr", 0xf15},
};

constexpr int kRegPc = 32, kRegF0 = 33, kRegPriv = 65, kRegCsr0 = 66;

std::string cpu_xml() {
    std::string s(kFeatureHeader);
    s += "<feature name=\"org.gnu.gdb.riscv.cpu\">\n";
    for (int i = 0; i < 32; i++) {
        std::string_view type = i == 1                         ? "code_ptr"
                                : (i >= 2 && i <= 4) || i == 8 ? "data_ptr"
                                                               : "int";
        s += fmt::format("  <reg name=\"{}\" bitsize=\"64\" type=\"{}\"/>\n", kXNames[i], type);
    }
    s += "  <reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\"/>\n</feature>\n";
    return s;
}

std::string fpu_xml() {
    std::string s(kFeatureHeader);
    s += "<feature name=\"org.gnu.gdb.riscv.fpu\">\n\n"
         "  <union id=\"riscv_double\">\n"
         "    <field name=\"float\" type=\"ieee_single\"/>\n"
         "    <field name=\"double\" type=\"ieee_double\"/>\n"
         "  </union>\n\n";
    for (const char* name : kFNames)
        s += fmt::format("  <reg name=\"{}\" bitsize=\"64\" type=\"riscv_double\"/>\n", name);
    s += "</feature>\n";
    return s;
}

std::string virtual_xml() {
    return std::string(kFeatureHeader) + "<feature name=\"org.gnu.gdb.riscv.virtual\">\n"
                                         "  <reg name=\"priv\" bitsize=\"64\"/>\n"
                                         "</feature>\n";
}

std::string csr_xml() {
    std::string s = "<?xml version=\"1.0\"?><!DOCTYPE feature SYSTEM \"gdb-target.dtd\">"
                    "<feature name=\"org.gnu.gdb.riscv.csr\">";
    for (const GdbCsr& c : kCsrs)
        s += fmt::format("<reg name=\"{}\" bitsize=\"64\" regnum=\"{}\"/>", c.name,
                         kRegCsr0 + c.num);
    return s + "</feature>";
}

std::string target_xml() {
    return "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\"><target>"
           "<architecture>riscv:rv64</architecture>"
           "<xi:include href=\"riscv-64bit-cpu.xml\"/><xi:include href=\"riscv-64bit-fpu.xml\"/>"
           "<xi:include href=\"riscv-64bit-virtual.xml\"/><xi:include href=\"riscv-csr.xml\"/>"
           "</target>";
}

bool listed_csr(unsigned num) {
    return std::ranges::any_of(kCsrs, [&](const GdbCsr& c) { return c.num == num; });
}

std::vector<uint8_t> le64(uint64_t v) {
    std::vector<uint8_t> out(8);
    std::memcpy(out.data(), &v, 8);
    return out;
}

} // namespace

// --- the CpuDebug the runner hands out ---

GdbTarget::GdbTarget(const std::vector<Hart*>& harts, Hooks hooks)
    : m_harts(harts), m_hooks(std::move(hooks)) {
    m_xml = {{"target.xml", target_xml()},
             {"riscv-64bit-cpu.xml", cpu_xml()},
             {"riscv-64bit-fpu.xml", fpu_xml()},
             {"riscv-64bit-virtual.xml", virtual_xml()},
             {"riscv-csr.xml", csr_xml()}};
}

// Stops the vCPU thread for the scope of a call that touches a hart while
// the VM runs (a client may ask while the guest runs).
class GdbTarget::Paused {
public:
    explicit Paused(GdbTarget& t) : m_t(t), m_was_running(t.m_hooks.pause()) {}
    ~Paused() {
        if (m_was_running) m_t.m_hooks.resume();
    }

private:
    GdbTarget& m_t;
    bool m_was_running;
};

int GdbTarget::cpu_count() const { return static_cast<int>(m_harts.size()); }

bool GdbTarget::cpu_halted(int cpu) const { return m_harts.at(cpu)->halted; }

std::optional<std::string_view> GdbTarget::feature_xml(std::string_view annex) const {
    for (const auto& [name, xml] : m_xml) {
        if (name == annex) return xml;
    }
    return std::nullopt;
}

std::vector<uint8_t> GdbTarget::read_register(int cpu, int regno) {
    Paused paused(*this);
    Hart& h = *m_harts.at(cpu);
    if (regno < 0) return {};
    if (regno < 32) return le64(h.x[regno]);
    if (regno == kRegPc) return le64(h.pc);
    if (regno < kRegPriv) return le64(h.f[regno - kRegF0]);
    if (regno == kRegPriv) return le64(h.priv);
    unsigned csr = static_cast<unsigned>(regno - kRegCsr0);
    if (csr >= 4096) return {};
    uint64_t v = 0;
    if (csr_read_debug(h, csr, &v) == CsrResult::Ok) return le64(v);
    // Listed in the description but not implemented here (the hypervisor's):
    // it reads as zero rather than failing `info all-registers`.
    if (listed_csr(csr)) return le64(0);
    return {};
}

bool GdbTarget::write_register(int cpu, int regno, std::span<const uint8_t> bytes) {
    Paused paused(*this);
    Hart& h = *m_harts.at(cpu);
    uint64_t v = 0;
    std::memcpy(&v, bytes.data(), std::min<size_t>(bytes.size(), 8));
    if (regno < 0) return false;
    if (regno < 32) {
        h.x.set(static_cast<unsigned>(regno), v);
    } else if (regno == kRegPc) {
        h.pc = v;
        h.exit_insn = nullptr; // no link from where it was to where it is now
    } else if (regno < kRegPriv) {
        h.f[regno - kRegF0] = v;
    } else if (regno == kRegPriv) {
        v &= 3;
        h.priv = static_cast<PrivLevel>(v == 2 ? uint64_t{PRV_S} : v);
        hart_update_data_priv(h);
    } else if (unsigned csr = static_cast<unsigned>(regno - kRegCsr0); csr < 4096) {
        if (csr_write_debug(h, csr, v) != CsrResult::Ok && !listed_csr(csr)) return false;
    } else {
        return false;
    }
    return true;
}

bool GdbTarget::access_memory(int cpu, uint64_t addr, uint8_t* buf, size_t len, bool write) {
    Paused paused(*this);
    Hart& h = *m_harts.at(cpu);
    // Translate every page first, so that a failure writes nothing.
    std::vector<std::pair<hwaddr, size_t>> pieces;
    for (size_t done = 0; done < len;) {
        uint64_t va = addr + done;
        size_t n = std::min<size_t>(len - done, 0x1000 - (va & 0xfff));
        auto pa = hart_translate(h, va, Access::Load);
        if (!pa) return false;
        pieces.emplace_back(*pa, n);
        done += n;
    }
    for (auto [pa, n] : pieces) {
        MemTxResult r = write ? address_space_write_rom(h.as, pa, buf, n)
                              : address_space_read(h.as, pa, buf, n);
        if (r != MEMTX_OK) return false;
        buf += n;
    }
    return true;
}

bool GdbTarget::read_memory(int cpu, uint64_t addr, std::span<uint8_t> out) {
    return access_memory(cpu, addr, out.data(), out.size(), false);
}

bool GdbTarget::write_memory(int cpu, uint64_t addr, std::span<const uint8_t> bytes) {
    std::vector<uint8_t> copy(bytes.begin(), bytes.end());
    return access_memory(cpu, addr, copy.data(), copy.size(), true);
}

void GdbTarget::points_changed() {
    auto& p = points();
    g_debug_breakpoints = !p.breakpoints.empty();
    g_debug_watchpoints = !p.watchpoints.empty();
    // Decoded blocks may run through a new breakpoint, and the soft TLB may
    // hold a newly watched page: both are rebuilt.
    for (Hart* h : m_harts) {
        tlb_flush(*h);
        h->exit_insn = nullptr;
        hart_flush_code(*h);
    }
}

bool GdbTarget::insert_point(DebugPointType type, uint64_t addr, uint64_t len) {
    Paused paused(*this);
    auto& p = points();
    if (type == DebugPointType::Software || type == DebugPointType::Hardware) {
        p.breakpoints.push_back(addr);
    } else {
        p.watchpoints.push_back({addr, std::max<uint64_t>(len, 1), type});
    }
    points_changed();
    return true;
}

bool GdbTarget::remove_point(DebugPointType type, uint64_t addr, uint64_t len) {
    Paused paused(*this);
    auto& p = points();
    if (type == DebugPointType::Software || type == DebugPointType::Hardware) {
        auto it = std::ranges::find(p.breakpoints, addr);
        if (it == p.breakpoints.end()) return false;
        p.breakpoints.erase(it);
    } else {
        auto it = std::ranges::find_if(p.watchpoints, [&](const Watchpoint& w) {
            return w.addr == addr && w.len == std::max<uint64_t>(len, 1) && w.type == type;
        });
        if (it == p.watchpoints.end()) return false;
        p.watchpoints.erase(it);
    }
    points_changed();
    return true;
}

void GdbTarget::remove_all_points() {
    Paused paused(*this);
    points().breakpoints.clear();
    points().watchpoints.clear();
    points_changed();
}

void GdbTarget::set_resume(std::span<const DebugResume> actions) {
    Paused paused(*this);
    for (size_t i = 0; i < m_harts.size(); i++) {
        DebugResume a = i < actions.size() ? actions[i] : DebugResume::Continue;
        Hart& h = *m_harts[i];
        h.dbg.step = a == DebugResume::Step;
        h.dbg.frozen = a == DebugResume::Stay;
        h.dbg.stop = DebugStopKind::None;
    }
}

void GdbTarget::set_stop_handler(std::function<void(const DebugStop&)> handler) {
    std::lock_guard g(m_handler_lock);
    m_handler = std::move(handler);
}

DebugStop GdbTarget::take_stop(int cpu) {
    Hart& h = *m_harts.at(cpu);
    DebugStop stop;
    stop.cpu = cpu;
    switch (h.dbg.stop) {
    case DebugStopKind::Watchpoint:
        stop.reason = DebugStop::Reason::Watchpoint;
        stop.watch_addr = h.dbg.watch_addr;
        stop.watch_type = static_cast<DebugPointType>(h.dbg.watch_type);
        break;
    case DebugStopKind::Step: stop.reason = DebugStop::Reason::Step; break;
    default: stop.reason = DebugStop::Reason::Breakpoint; break;
    }
    h.dbg.stop = DebugStopKind::None;
    // Nobody else steps or stays frozen once the VM has stopped.
    for (Hart* other : m_harts)
        other->dbg.step = other->dbg.frozen = false;
    return stop;
}

void GdbTarget::report_stop(const DebugStop& stop) {
    std::function<void(const DebugStop&)> handler;
    {
        std::lock_guard g(m_handler_lock);
        handler = m_handler;
    }
    if (handler) handler(stop);
}

} // namespace mq::riscv
