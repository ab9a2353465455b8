// The fixture of the privileged-architecture tests (riscv_priv_test.cpp,
// riscv_vm_test.cpp): a hart (hart_harness.h) whose S and U may reach all
// memory, and CSR reads and writes from a given privilege.
#pragma once

#include "tests/unit/hart_harness.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <optional>

namespace mq::riscv::privtest {

using namespace mq::test::rv;

constexpr uint64_t CODE = test::HartHarness::CODE;
constexpr uint64_t TRAP = test::HartHarness::TRAP;
constexpr uint64_t S_TRAP = test::HartHarness::S_TRAP;
constexpr uint64_t DATA = test::HartHarness::DATA;
constexpr uint32_t JAL_SELF = test::HartHarness::JAL_SELF;
constexpr uint64_t INTR = 1ull << 63;

class RiscvPriv : public ::testing::Test {
protected:
    RiscvPriv() { t.pmp_allow_all(); } // S and U may reach all memory

    void run_in(PrivLevel p, std::initializer_list<uint32_t> insns) { t.run_in(p, insns); }

    // What `csrr` of `csr` gives in privilege `p`; nullopt when it traps.
    std::optional<uint64_t> read_in(PrivLevel p, uint32_t csr) {
        h.x.set(a0, 0x5555);
        run_in(p, {csrr(a0, csr)});
        if (!t.trapped()) return h.x[a0];
        EXPECT_EQ(h.mcause, EXCP_ILLEGAL_INST);
        EXPECT_EQ(h.mtval, csrr(a0, csr));
        return std::nullopt;
    }
    // Whether `csrw` of `csr` works in privilege `p`.
    bool write_in(PrivLevel p, uint32_t csr, uint64_t v) {
        h.x.set(a1, v);
        run_in(p, {csrw(csr, a1)});
        return !t.trapped();
    }
    uint64_t read(uint32_t csr) { return read_in(PRV_M, csr).value_or(0xdead); }
    void write(uint32_t csr, uint64_t v) { EXPECT_TRUE(write_in(PRV_M, csr, v)) << csr; }

    test::HartHarness t;
    Hart& h = t.hart;
};

} // namespace mq::riscv::privtest
