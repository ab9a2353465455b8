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
};

// Every table of CSRs, in order: a later row for the same number replaces
// an earlier one (an extension's full counter replaces the base's
// read-as-zero one). Add an extension's table to the list in csr.cpp.
const std::vector<std::span<const CsrDef>>& csr_tables();

// Extension tables (one file each).
std::span<const CsrDef> csr_table_envcfg(); // menvcfg, senvcfg, stimecmp

// The counters as the base CSRs read them (csr.cpp).
uint64_t csr_instret_now(const Hart& h);

} // namespace mq::riscv
