// The monitor's view of a hart with paging on: `info mem`, `x` and memsave
// through Sv39 page tables that the test writes into guest RAM, with the
// hart put in S-mode with satp pointing at them (as a stopped OS would
// leave it). Driven through human-monitor-command on the QMP fixture's
// machine, which never runs its CPU here.
#include "core/qdev/sysbus.h"
#include "hw/cpu/riscv/riscv-cpu.h"
#include "tests/qmp/qmp_fixture.h"

#include <gmock/gmock.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

using namespace mq;
using namespace mq::test;

namespace {

constexpr uint64_t V = 1, R = 2, W = 4, X = 8, U = 16, G = 32, A = 64, D = 128;
constexpr hwaddr kRoot = 0x80100000; // the tables, in RAM the guest does not use
constexpr hwaddr kL1 = 0x80101000, kL0a = 0x80102000, kL0b = 0x80103000, kL1High = 0x80104000;

uint64_t table_pte(hwaddr table) { return (table >> 12) << 10 | V; }
uint64_t leaf_pte(hwaddr pa, uint64_t flags) { return (pa >> 12) << 10 | flags | V; }

void set_pte(hwaddr table, unsigned index, uint64_t pte) {
    ASSERT_EQ(address_space_stq(address_space_memory(), table + index * 8, pte), MEMTX_OK);
}

class HmpPaging : public Qmp {
protected:
    void SetUp() override {
        Qmp::SetUp();
        std::vector<uint8_t> zeros(0x5000);
        ASSERT_EQ(address_space_write(address_space_memory(), kRoot, zeros.data(), zeros.size()),
                  MEMTX_OK);
        // Low addresses: 4 KiB pages in two level-0 tables, and a 2 MiB page.
        set_pte(kRoot, 0, table_pte(kL1));
        set_pte(kL1, 0, table_pte(kL0a));
        set_pte(kL0a, 0, leaf_pte(0x10000000, R | W | A | D));      // the UART
        set_pte(kL0a, 1, leaf_pte(0x80200000, R | U | A));          // two user pages,
        set_pte(kL0a, 2, leaf_pte(0x80201000, R | U | A));          // contiguous: one line
        set_pte(kL0a, 3, leaf_pte(0x80202000, R | W | A | D) & ~V); // not valid
        set_pte(kL0a, 4, table_pte(kL0b));                          // a table at level 0: ignored
        set_pte(kL0a, 511, leaf_pte(0x80300000, R | W | A | D));
        set_pte(kL1, 1, table_pte(kL0b));
        // Contiguous with kL0a[511] in both spaces, but in the next table:
        // QEMU starts a new line there, and so does this.
        set_pte(kL0b, 0, leaf_pte(0x80301000, R | W | A | D));
        set_pte(kL1, 2, leaf_pte(0x80400000, R | W | A | D));
        // A gigapage over RAM, and a 2 MiB page at the top of the space.
        set_pte(kRoot, 2, leaf_pte(0x80000000, R | W | X | G | A | D));
        set_pte(kRoot, 511, table_pte(kL1High));
        set_pte(kL1High, 510, leaf_pte(0x80600000, R | W | X | A | D));

        riscv::Hart& h = hart();
        m_saved = {h.satp, h.priv, h.data_priv, h.pmpcfg[0], h.pmpaddr[0], h.pmp_active};
        h.satp = (8ull << 60) | (kRoot >> 12);
        h.priv = h.data_priv = riscv::PRV_S;
        // What firmware does before it enters S-mode: PMP entry 0 grants
        // all of memory (NAPOT, RWX), or S-mode could not even read the tables.
        h.pmpcfg[0] = 0x1f;
        h.pmpaddr[0] = (1ull << 54) - 1;
        h.pmp_active = true;
    }
    void TearDown() override {
        riscv::Hart& h = hart();
        h.satp = m_saved.satp;
        h.priv = m_saved.priv;
        h.data_priv = m_saved.data_priv;
        h.pmpcfg[0] = m_saved.pmpcfg0;
        h.pmpaddr[0] = m_saved.pmpaddr0;
        h.pmp_active = m_saved.pmp_active;
        Qmp::TearDown();
    }

    static riscv::Hart& hart() { return riscv_cpus().at(0)->hart; }

    std::string hmp(const std::string& line) {
        Json out =
            ret(Json{{"execute", "human-monitor-command"}, {"arguments", {{"command-line", line}}}}
                    .dump());
        return out.is_string() ? out.get<std::string>() : "";
    }

private:
    struct {
        uint64_t satp;
        riscv::PrivLevel priv, data_priv;
        uint8_t pmpcfg0;
        uint64_t pmpaddr0;
        bool pmp_active;
    } m_saved{};
};

TEST_F(HmpPaging, InfoMemListsTheMappingsAsQemuDoes) {
    EXPECT_EQ(hmp("info mem"), "vaddr            paddr            size             attr\r\n"
                               "---------------- ---------------- ---------------- -------\r\n"
                               "0000000000000000 0000000010000000 0000000000001000 rw---ad\r\n"
                               "0000000000001000 0000000080200000 0000000000002000 r--u-a-\r\n"
                               "00000000001ff000 0000000080300000 0000000000001000 rw---ad\r\n"
                               "0000000000200000 0000000080301000 0000000000001000 rw---ad\r\n"
                               "0000000000400000 0000000080400000 0000000000200000 rw---ad\r\n"
                               "0000000080000000 0000000080000000 0000000040000000 rwx-gad\r\n"
                               "ffffffffffc00000 0000000080600000 0000000000200000 rwx--ad\r\n");
}

TEST_F(HmpPaging, InfoMemStopsOnATableThatPointsAtItself) {
    // Every root entry points back at the root: the walk would never end.
    for (unsigned i = 0; i < 512; i++)
        set_pte(kRoot, i, table_pte(kRoot));
    std::string out = hmp("info mem");
    EXPECT_THAT(out, ::testing::EndsWith("(stopped after 4096 page tables: the rest is not "
                                         "shown)\r\n"));
}

TEST_F(HmpPaging, XAndMemsaveTranslateLikeTheHart) {
    const uint8_t bytes[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
    ASSERT_EQ(address_space_write(address_space_memory(), 0x80301000, bytes, sizeof bytes),
              MEMTX_OK);
    EXPECT_EQ(hmp("x /2xw 0x200000"), "0000000000200000: 0x44332211 0x88776655\r\n");
    EXPECT_EQ(hmp("xp /2xw 0x80301000"), "0000000080301000: 0x44332211 0x88776655\r\n");
    // Unmapped, and a user page that S-mode may not read without SUM.
    EXPECT_EQ(hmp("x /2xw 0x3000"), "0000000000003000: Cannot access memory\r\n");
    EXPECT_EQ(hmp("x /2xw 0x1000"), "0000000000001000: Cannot access memory\r\n");
    // The top of the space, sign-extended.
    ASSERT_EQ(address_space_write(address_space_memory(), 0x80600000, bytes, 2), MEMTX_OK);
    EXPECT_EQ(hmp("x /2xb 0xffffffffffc00000"), "ffffffffffc00000: 0x11 0x22\r\n");

    std::string path = (std::filesystem::temp_directory_path() /
                        fmt::format("miniqemu-hmp-paging-{}.bin", ::getpid()))
                           .string();
    EXPECT_EQ(hmp(fmt::format("memsave 0x200000 8 \"{}\"", path)), "");
    std::ifstream f(path, std::ios::binary);
    std::string saved{std::istreambuf_iterator<char>(f), {}};
    EXPECT_EQ(saved, std::string(reinterpret_cast<const char*>(bytes), sizeof bytes));
    EXPECT_EQ(hmp(fmt::format("memsave 0x3000 8 \"{}\"", path)),
              "Error: Invalid addr 0x0000000000003000/size 8 specified\r\n");
    std::filesystem::remove(path);
}

} // namespace
