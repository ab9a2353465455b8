// F and D: filled in by the FPU work.
#include "hw/cpu/riscv/insn-table.h"

namespace mq::riscv {

std::span<const InsnDesc> insn_table_fp() { return {}; }

} // namespace mq::riscv
