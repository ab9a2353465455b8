// The two sides of the differential fuzzer: our hart, through its real
// decoder and block cache but without a machine (as tests/unit's
// HartHarness), and Unicorn's RISC-V 64 core. Each runs a Stream from the
// same state and reports an Outcome.
#pragma once

#include "core/memory.h"
#include "hw/cpu/riscv/cpu.h"
#include "tests/fuzz/stream.h"

#include <memory>

struct uc_struct;
struct uc_context;

namespace mq::fuzz {

class OurHart {
public:
    OurHart();
    ~OurHart();
    OurHart(const OurHart&) = delete;
    OurHart& operator=(const OurHart&) = delete;
    Outcome run(const Stream& s);

private:
    MemoryRegion m_root, m_code, m_data;
    AddressSpace m_as;
    riscv::Hart m_hart; // declared last: goes before the memory it uses
};

// Opened once (and again every kRunsPerOpen runs); every run restores the state saved after set-up
// (M-mode, mstatus.FS on, no LR reservation) before writing the stream's.
class UnicornHart {
public:
    UnicornHart();
    ~UnicornHart();
    UnicornHart(const UnicornHart&) = delete;
    UnicornHart& operator=(const UnicornHart&) = delete;
    Outcome run(const Stream& s);

    // Set by the hooks during a run.
    int m_intno = -1;
    uint64_t m_blocks = 0;
    uint64_t m_block_limit = 0;
    std::vector<std::pair<uint64_t, uint32_t>> m_entered; // start, size

private:
    static constexpr uint64_t kRunsPerOpen = 100000;
    void open();
    void close();
    uc_struct* m_uc = nullptr;
    uint64_t m_runs = 0;
    uc_context* m_ctx = nullptr;
};

} // namespace mq::fuzz
