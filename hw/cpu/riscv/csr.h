// The CSR table's row type, for the files that add CSRs of their own
// extension (csr.cpp has the base set and the lookup).
#pragma once

#include "hw/cpu/riscv/cpu.h"

#include <span>

namespace mq::riscv {

struct CsrDef {
    using Read = uint64_t (*)(Hart&);
    using Write = void (*)(Hart&, uint64_t);
    // Extra access rule beyond the privilege level encoded in the number.
    using Check = bool (*)(const Hart&);

    uint16_t num;
    const char* name;
    Read read;
    Write write; // null: read-only
    Check check = nullptr;
    // What csrrs/csrrc modify, when it differs from what a read returns.
    Read modify_base = nullptr;
    // The extensions that provide it (any one); 0: always there. A CSR of a
    // disabled extension does not exist.
    IsaExts ext = 0;
    // Reading it without writing (csrrs/csrrc with x0) is illegal: seed.
    CsrAccess min_access = CsrAccess::ReadOnly;
};

// Every table of CSRs, in order: a later row for the same number replaces
// an earlier one. Add an extension's table to the list in csr.cpp.
const std::vector<std::span<const CsrDef>>& csr_tables();

// The tables of the extensions in files of their own.
std::span<const CsrDef> trigger_csrs();     // debug-trigger.cpp: Sdtrig
std::span<const CsrDef> pmu_csrs();         // pmu.cpp: the counters, Zihpm, Sscofpmf
std::span<const CsrDef> csr_table_zkr();    // csr-zkr.cpp: Zkr's seed and mseccfg
std::span<const CsrDef> csr_table_envcfg(); // csr-envcfg.cpp: menvcfg, senvcfg, stimecmp

} // namespace mq::riscv
