// The gdb stub, packet by packet: the exchanges of QEMU 7.2's stub in the
// reference transcript (rsp-session.txt), replayed against a virt machine
// with two harts, stopped (-S), and compared byte for byte, checksums and
// acknowledgements included. The harts run round-robin on one thread
// (thread=single), so that which hart reaches a shared breakpoint first is
// the same in every run; tests/gdbstub/sessions drive real gdb against
// harts on threads of their own.
#include "cmdline/vl.h"
#include "core/chardev.h"
#include "core/cpus.h"
#include "core/gdbstub/gdbstub.h"
#include "core/gdbstub/packet.h"
#include "core/machine.h"
#include "core/main-loop.h"
#include "core/memory.h"
#include "core/qdev/sysbus.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace mq::test {

namespace {

// A chardev the test types into, which also plays the client connecting.
class ClientChardev final : public RingBufChardev {
public:
    using RingBufChardev::RingBufChardev;
    void connect() { m_frontend.event(CHR_EVENT_OPENED); }
};

struct Machine {
    std::unique_ptr<Vm> vm;
    ClientChardev* chr = nullptr;
};

Machine& machine() {
    static Machine* m = [] {
        static const char* argv[] = {"miniqemu", "-M",      "virt",    "-m",
                                     "128M",     "-smp",    "2",       "-bios",
                                     "none",     "-serial", "ringbuf", "-monitor",
                                     "none",     "-S",      "-accel",  "tcg,thread=single"};
        auto* mm = new Machine();
        InitResult init = qemu_init(static_cast<int>(std::size(argv)), argv);
        if (!init.vm) std::abort();
        mm->vm = std::move(init.vm);
        mm->chr = new ClientChardev("gdb-test");
        BqlGuard bql;
        if (!gdbserver_start_on(mm->chr)) std::abort();
        return mm;
    }();
    return *m;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

class GdbStubTest : public ::testing::Test {
protected:
    void SetUp() override {
        machine();
        m_bql.emplace();
        qemu_system_reset();
        chr().take_output();
        chr().connect();
    }
    void TearDown() override {
        vm_stop();
        m_bql.reset();
    }

    ClientChardev& chr() { return *machine().chr; }

    void type(std::string_view bytes) {
        chr().receive_from_host(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    }
    // Sends a packet; returns everything the stub wrote back.
    std::string send(std::string_view payload) {
        type(gdb::rsp_frame(payload));
        return chr().take_output();
    }
    // The payload of the one packet in a "+$...#cs" answer.
    std::string reply(std::string_view payload) {
        std::string out = send(payload);
        EXPECT_TRUE(out.starts_with("+$")) << out;
        size_t hash = out.rfind('#');
        if (!out.starts_with("+$") || hash == std::string::npos) return out;
        EXPECT_EQ(out, "+" + gdb::rsp_frame(out.substr(2, hash - 2))) << "checksum";
        return out.substr(2, hash - 2);
    }
    // Lets the vCPU thread run (the big lock released, the main loop served)
    // until the stub has written a stop reply; returns it.
    std::string wait_for_stop() {
        std::string out;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (std::chrono::steady_clock::now() < deadline) {
            {
                BqlUnlockGuard unlocked;
                main_loop_context().poll();
                main_loop_context().restart();
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            out += chr().take_output();
            if (out.find('#') != std::string::npos && out.size() >= out.find('#') + 3) break;
        }
        return out;
    }
    std::string handshake() {
        return reply("qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;"
                     "vfork-events+;exec-events+;vContSupported+;QThreadEvents+;no-resumed+;"
                     "memory-tagging+;xmlRegisters=i386");
    }
    // Reads a whole feature file as gdb does, 0xffb bytes a request.
    std::string read_feature(const std::string& annex, std::vector<size_t>* chunks = nullptr) {
        std::string all;
        for (int i = 0; i < 20; i++) {
            std::string r =
                reply(fmt::format("qXfer:features:read:{}:{:x},ffb", annex, all.size()));
            if (r.empty() || (r[0] != 'm' && r[0] != 'l')) return "bad reply " + r;
            all += r.substr(1);
            if (chunks) chunks->push_back(r.size() - 1);
            if (r[0] == 'l') return all;
        }
        return "no end";
    }
    void poke(hwaddr addr, uint32_t insn) { address_space_stl(address_space_memory(), addr, insn); }

    std::optional<BqlGuard> m_bql;
};

constexpr std::string_view kTargetXmlReply =
    "+$l<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\"><target><architecture>"
    "riscv:rv64</architecture><xi:include href=\"riscv-64bit-cpu.xml\"/><xi:include "
    "href=\"riscv-64bit-fpu.xml\"/><xi:include href=\"riscv-64bit-virtual.xml\"/><xi:include "
    "href=\"riscv-csr.xml\"/></target>#6e";

} // namespace

TEST_F(GdbStubTest, HandshakeAsGdb13) {
    EXPECT_EQ(send("qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;"
                   "vfork-events+;exec-events+;vContSupported+;QThreadEvents+;no-resumed+;"
                   "memory-tagging+;xmlRegisters=i386"),
              "+$PacketSize=1000;qXfer:features:read+;vContSupported+;multiprocess+#92");
    EXPECT_EQ(send("vMustReplyEmpty"), "+$#00");
    EXPECT_EQ(send("p20"), "+$#00") << "p answers empty until target.xml was read";
    EXPECT_EQ(send("Hgp0.0"), "+$OK#9a");
    EXPECT_EQ(send("qXfer:features:read:target.xml:0,ffb"), kTargetXmlReply);
    EXPECT_EQ(send("qTStatus"), "+$#00");
    EXPECT_EQ(send("?"), "+$T05thread:p01.01;#06");
    EXPECT_EQ(send("qAttached"), "+$1#31");
    EXPECT_EQ(send("qAttached:1"), "+$1#31");
    EXPECT_EQ(send("Hc-1"), "+$OK#9a");
    EXPECT_EQ(send("qOffsets"), "+$#00");
    EXPECT_EQ(send("vCont?"), "+$vCont;c;C;s;S#62");
    EXPECT_EQ(send("qSymbol::"), "+$#00");
    EXPECT_EQ(send("QStartNoAckMode"), "+$#00");
}

TEST_F(GdbStubTest, TargetDescriptionIsQemusByteForByte) {
    handshake();
    for (const char* annex : {"target.xml", "riscv-64bit-cpu.xml", "riscv-64bit-fpu.xml",
                              "riscv-64bit-virtual.xml", "riscv-csr.xml"}) {
        std::vector<size_t> chunks;
        EXPECT_EQ(read_feature(annex, &chunks),
                  read_file(std::string(MQ_GOLDEN_DIR "/gdb/") + annex))
            << annex;
        for (size_t i = 0; i + 1 < chunks.size(); i++)
            EXPECT_EQ(chunks[i], 0x7fdu) << annex << ": a reply carries at most 0x7fd bytes";
    }
    EXPECT_EQ(send("qXfer:features:read:nosuch.xml:0,ffb"), "+$E00#a5");
    EXPECT_EQ(send("qXfer:features:read:target.xml:10000,ffb"), "+$E00#a5");
    EXPECT_EQ(send("qXfer:features:read:target.xml:0"), "+$E22#a9");
}

TEST_F(GdbStubTest, ThreadsAreHarts) {
    handshake();
    EXPECT_EQ(send("qfThreadInfo"), "+$mp01.01#cd");
    EXPECT_EQ(send("qsThreadInfo"), "+$mp01.02#ce");
    EXPECT_EQ(send("qsThreadInfo"), "+$l#6c");
    EXPECT_EQ(send("qC"), "+$QCp01.01#f4");
    EXPECT_EQ(send("qThreadExtraInfo,p1.1"), "+$4350552330205b72756e6e696e675d#12");
    EXPECT_EQ(send("qThreadExtraInfo,p1.2"), "+$4350552331205b72756e6e696e675d#13");
    EXPECT_EQ(send("Tp1.2"), "+$OK#9a");
    EXPECT_EQ(send("Tp1.3"), "+$E22#a9");
    EXPECT_EQ(send("Hgp1.3"), "+$E22#a9");
    reply("qXfer:features:read:target.xml:0,ffb");
    EXPECT_EQ(send("Hgp1.2"), "+$OK#9a");
    EXPECT_EQ(reply("pf56"), "0100000000000000") << "mhartid of the second hart";
    EXPECT_EQ(send("Hgp1.1"), "+$OK#9a");
    EXPECT_EQ(reply("pf56"), "0000000000000000");
}

TEST_F(GdbStubTest, RegistersAtReset) {
    handshake();
    reply("qXfer:features:read:target.xml:0,ffb");
    EXPECT_EQ(reply("g"), std::string(32 * 16, '0') + "0010000000000000");
    EXPECT_EQ(send("p20"), "+$0010000000000000#01");
    EXPECT_EQ(send("p0"), "+$0000000000000000#00");
    EXPECT_EQ(send("p21"), "+$0000000000000000#00");
    EXPECT_EQ(send("p41"), "+$0300000000000000#03") << "priv: M";
    EXPECT_EQ(send("p42"), "+$E14#aa");
    EXPECT_EQ(send("p142"), "+$0000000002000000#02") << "sstatus: UXL";
    EXPECT_EQ(send("p1000"), "+$E14#aa");
    EXPECT_EQ(send("pffff"), "+$E14#aa");
    EXPECT_EQ(send("Pa=2a00000000000000"), "+$OK#9a");
    EXPECT_EQ(reply("pa"), "2a00000000000000");
    EXPECT_EQ(send("P0=2a00000000000000"), "+$OK#9a");
    EXPECT_EQ(reply("p0"), "0000000000000000") << "x0 stays zero";
}

TEST_F(GdbStubTest, Memory) {
    handshake();
    EXPECT_EQ(reply("m1000,4"), "97020000") << "the reset ROM: auipc t0, 0";
    EXPECT_EQ(send("m0,4"), "+$E14#aa");
    EXPECT_EQ(send("m80000000,0"), "+$#00");
    EXPECT_EQ(send("mzz,4"), "+$#00");
    EXPECT_EQ(send("M80100000,4:deadbeef"), "+$OK#9a");
    EXPECT_EQ(send("m80100000,4"), "+$deadbeef#20");
    EXPECT_EQ(address_space_ldl(address_space_memory(), 0x80100000, nullptr), 0xefbeaddeu);
    EXPECT_EQ(send("M0,4:deadbeef"), "+$E14#aa");
}

TEST_F(GdbStubTest, FramingErrors) {
    EXPECT_EQ(chr().take_output(), "");
    type("$g#00");
    EXPECT_EQ(chr().take_output(), "-") << "a bad checksum is refused";
    type("$qAttached#8f");
    EXPECT_EQ(chr().take_output(), "+$1#31") << "and the client's retransmission is served";
    type("-");
    EXPECT_EQ(chr().take_output(), "$1#31") << "a '-' from the client: the last packet again";
    type(gdb::rsp_frame(std::string(3 * gdb::kMaxPacket, 'x')));
    EXPECT_EQ(chr().take_output(), "") << "an overlong packet is dropped";
    EXPECT_EQ(send("qAttached"), "+$1#31") << "and the next one works";
    EXPECT_EQ(send("qNoSuchThing"), "+$#00");
    type("$q*%#00"); // run-length encoding with a bad checksum
    EXPECT_EQ(chr().take_output(), "-");
}

TEST_F(GdbStubTest, BreakpointAndWatchpointPackets) {
    handshake();
    for (int type = 0; type <= 4; type++) {
        EXPECT_EQ(send(fmt::format("Z{},80001000,8", type)), "+$OK#9a") << type;
        EXPECT_EQ(send(fmt::format("z{},80001000,8", type)), "+$OK#9a") << type;
    }
    EXPECT_EQ(send("Z5,80001000,8"), "+$#00");
    EXPECT_EQ(send("z0,80000020,2"), "+$E22#a9");
}

TEST_F(GdbStubTest, MonitorCommands) {
    handshake();
    EXPECT_EQ(send("qRcmd,6e6f73756368"),
              "+$O756e6b6e6f776e20636f6d6d616e643a20276e6f73756368270d0a#06$OK#9a");
    std::string out = send("qRcmd," + gdb::hex_encode(std::string_view("info status")));
    EXPECT_EQ(out, "+" +
                       gdb::rsp_frame("O" + gdb::hex_encode(std::string_view(
                                                "VM status: paused (prelaunch)\r\n"))) +
                       "$OK#9a");
}

TEST_F(GdbStubTest, StepFromTheResetVector) {
    handshake();
    reply("qXfer:features:read:target.xml:0,ffb");
    EXPECT_EQ(send("s"), "+");
    EXPECT_EQ(wait_for_stop(), "$T05thread:p01.01;#06");
    EXPECT_EQ(reply("p20"), "0410000000000000");
    EXPECT_EQ(send("vCont;s:p1.1"), "+");
    EXPECT_EQ(wait_for_stop(), "$T05thread:p01.01;#06");
    EXPECT_EQ(reply("p20"), "0810000000000000");
    EXPECT_EQ(send("Hgp1.2"), "+$OK#9a");
    EXPECT_EQ(reply("p20"), "0010000000000000") << "vCont;s:p1.1 left the other hart alone";
}

// auipc t0, 1; sd zero, 8(t0); ld t1, 16(t0); j .  at the reset vector's target.
constexpr uint32_t kProgram[] = {0x00001297, 0x0002b423, 0x0102b303, 0x0000006f};

TEST_F(GdbStubTest, BreakpointsWatchpointsAndInterrupt) {
    for (size_t i = 0; i < std::size(kProgram); i++)
        poke(0x80000000 + 4 * i, kProgram[i]);
    address_space_stq(address_space_memory(), 0x80001008, ~0ull);
    handshake();
    reply("qXfer:features:read:target.xml:0,ffb");
    EXPECT_EQ(send("Z0,80000000,4"), "+$OK#9a");
    EXPECT_EQ(send("vCont;c:p1.1"), "+");
    EXPECT_EQ(wait_for_stop(), "$T05thread:p01.01;#06");
    EXPECT_EQ(reply("p20"), "0000008000000000");
    EXPECT_EQ(send("z0,80000000,4"), "+$OK#9a");
    // A write watchpoint: the stop comes before the store, at the store, as
    // on QEMU (gdb removes the watchpoint and steps over it itself).
    EXPECT_EQ(send("Z2,80001008,8"), "+$OK#9a");
    EXPECT_EQ(send("vCont;c:p1.1"), "+");
    EXPECT_EQ(wait_for_stop(), gdb::rsp_frame("T05thread:p01.01;watch:0000000080001008;"));
    EXPECT_EQ(reply("p20"), "0400008000000000");
    EXPECT_EQ(reply("m80001008,8"), "ffffffffffffffff") << "the store is not done yet";
    EXPECT_EQ(send("z2,80001008,8"), "+$OK#9a");
    // A read watchpoint on the ld.
    EXPECT_EQ(send("Z3,80001010,8"), "+$OK#9a");
    EXPECT_EQ(send("vCont;c:p1.1"), "+");
    std::string stop = wait_for_stop();
    EXPECT_TRUE(stop.starts_with("$T05thread:p01.01;rwatch:0000000080001010;#")) << stop;
    EXPECT_EQ(reply("p20"), "0800008000000000");
    EXPECT_EQ(reply("m80001008,8"), "0000000000000000") << "the store was done on the way";
    EXPECT_EQ(send("z3,80001010,8"), "+$OK#9a");
    // The `j .` loop runs, decoded and chained to itself; Ctrl-C stops it.
    EXPECT_EQ(send("vCont;c:p1.1"), "+");
    {
        BqlUnlockGuard unlocked;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    type("\x03");
    EXPECT_EQ(chr().take_output(), "$T02thread:p01.01;#03");
    EXPECT_EQ(reply("p20"), "0c00008000000000");
    // A breakpoint in code that has already run as a block stops it too.
    EXPECT_EQ(send("Z1,8000000c,4"), "+$OK#9a");
    EXPECT_EQ(send("c"), "+");
    EXPECT_EQ(wait_for_stop(), "$T05thread:p01.01;#06");
    EXPECT_EQ(send("?"), "+$T05thread:p01.01;#06");
    EXPECT_EQ(send("z1,8000000c,4"), "+$E22#a9") << "? removed every breakpoint";
}

TEST_F(GdbStubTest, Detach) {
    handshake();
    EXPECT_EQ(send("D"), "+$E22#a9") << "multiprocess needs the pid";
    EXPECT_EQ(send("D;1"), "+$OK#9a");
    EXPECT_TRUE(runstate_is_running()) << "detach lets the VM run";
}

} // namespace mq::test
