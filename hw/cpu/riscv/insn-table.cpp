// The instruction table: RV64I, M, A, Zicsr, Zifencei and the privileged
// instructions. One row per instruction: name, encoding, operand format, and
// what it does, as briefly as the spec's pseudo-code. F and D are in
// insn-table-fp.cpp. The decoder, the disassembler and the table tests are
// all generated from these rows.
#include "hw/cpu/riscv/insn-table.h"

#include "core/log.h"
#include "hw/cpu/riscv/insn-mem.h"
#include "hw/cpu/riscv/mem.h"

#include <sched.h>

namespace mq::riscv {

namespace {

using u64 = uint64_t;
using i64 = int64_t;
using u32 = uint32_t;
using i32 = int32_t;
using u128 = unsigned __int128;
using i128 = __int128;

constexpr u32 kPauseEncoding = 0x0100000f; // fence w, 0 (Zihintpause)

constexpr u64 sx32(u64 v) { return static_cast<u64>(static_cast<i64>(static_cast<i32>(v))); }

// --- handler shapes (op_rr and op_ri are in insn-table.h) ---

// Without C, a jump must land on a 4-byte boundary, or it faults at the jump.
[[gnu::noinline]] const DecodedInsn* jump_misaligned(Hart& h, const DecodedInsn* i, u64 target) {
    return h.raise(i, EXCP_INST_ADDR_MIS, target);
}
inline bool target_misaligned(const Hart& h, u64 target) {
    return (target & 2) && !(h.isa.exts & ext_bit(Ext::C));
}

// A branch taken back to the start of its block (SelfLoop, known when the
// block is decoded: pc_off + imm == 0) goes round at once; its target was
// fetched, so it is aligned.
template <auto F, Fwd S, bool SelfLoop>
const DecodedInsn* exec_branch(Hart& h, const DecodedInsn* i, uint64_t fwd) {
    const Operands o = operands(i);
    if (F(src1<S>(h, o, fwd), src2<S>(h, o, fwd))) {
        if constexpr (SelfLoop) return h.loop_back(i);
        u64 target = h.pc_of(i) + o.imm();
        if (target == h.block_pc) return h.loop_back(i);
        if (target_misaligned(h, target)) [[unlikely]]
            return jump_misaligned(h, i, target);
        return h.jump(i, target);
    }
    return next_insn(h, i);
}
template <auto F>
constexpr Handlers op_branch_self_loop{
    exec_branch<F, Fwd::None, true>, exec_branch<F, Fwd::Rs1, true>, exec_branch<F, Fwd::Rs2, true>,
    exec_branch<F, Fwd::Both, true>, false};
template <auto F>
constexpr Handlers op_branch{exec_branch<F, Fwd::None, false>,
                             exec_branch<F, Fwd::Rs1, false>,
                             exec_branch<F, Fwd::Rs2, false>,
                             exec_branch<F, Fwd::Both, false>,
                             false,
                             &op_branch_self_loop<F>};

// Loads and stores: the soft-TLB hit inline; everything else in a slow path
// (load_slow, store_slow: insn-mem.h) reached by a tail call, so that the
// fast path needs no stack frame. A load forwards what it loaded; a variant
// takes its base (rs1), and for a store its data (rs2), from the instruction
// before it.
template <typename T, Fwd S>
const DecodedInsn* exec_load(Hart& h, const DecodedInsn* i, uint64_t fwd) {
    const Operands o = operands(i);
    return load_at<T>(h, i, o.rd(), src1<S>(h, o, fwd) + o.imm());
}
// A load has one register operand: no rs2 or both variants.
template <typename T>
constexpr Handlers op_load{exec_load<T, Fwd::None>, exec_load<T, Fwd::Rs1>, nullptr, nullptr, true};

template <typename T, Fwd S>
const DecodedInsn* exec_store(Hart& h, const DecodedInsn* i, uint64_t fwd) {
    const Operands o = operands(i);
    return store_at<T>(h, i, src1<S>(h, o, fwd) + o.imm(), src2<S>(h, o, fwd));
}
template <typename T>
constexpr Handlers op_store{exec_store<T, Fwd::None>, exec_store<T, Fwd::Rs1>,
                            exec_store<T, Fwd::Rs2>, exec_store<T, Fwd::Both>, false};

// --- control transfer ---

const DecodedInsn* exec_lui(Hart& h, const DecodedInsn* i, uint64_t) {
    const u64 v = static_cast<u64>(i->imm);
    h.x.set_rd(i->rd, v);
    return next_insn(h, i, v);
}
constexpr Handlers op_lui{exec_lui, nullptr, nullptr, nullptr, true};

const DecodedInsn* exec_auipc(Hart& h, const DecodedInsn* i, uint64_t) {
    const u64 v = h.pc_of(i) + i->imm;
    h.x.set_rd(i->rd, v);
    return next_insn(h, i, v);
}
constexpr Handlers op_auipc{exec_auipc, nullptr, nullptr, nullptr, true};

const DecodedInsn* exec_jal(Hart& h, const DecodedInsn* i, uint64_t) {
    u64 pc = h.pc_of(i);
    if (target_misaligned(h, pc + i->imm)) [[unlikely]]
        return jump_misaligned(h, i, pc + i->imm);
    h.x.set_rd(i->rd, pc + i->len);
    if (pc + i->imm == h.block_pc) return h.loop_back(i);
    return h.jump(i, pc + i->imm);
}

const DecodedInsn* exec_jalr(Hart& h, const DecodedInsn* i, uint64_t) {
    u64 target = (h.x[i->rs1] + i->imm) & ~1ull;
    if (target_misaligned(h, target)) [[unlikely]]
        return jump_misaligned(h, i, target);
    h.x.set_rd(i->rd, h.pc_of(i) + i->len);
    return h.jump(i, target);
}

// --- M ---

constexpr u64 div_s(u64 a, u64 b) {
    if (b == 0) return ~0ull;
    if (static_cast<i64>(a) == INT64_MIN && static_cast<i64>(b) == -1) return a;
    return static_cast<u64>(static_cast<i64>(a) / static_cast<i64>(b));
}
constexpr u64 rem_s(u64 a, u64 b) {
    if (b == 0) return a;
    if (static_cast<i64>(a) == INT64_MIN && static_cast<i64>(b) == -1) return 0;
    return static_cast<u64>(static_cast<i64>(a) % static_cast<i64>(b));
}
constexpr u64 div_sw(u64 a, u64 b) {
    i32 x = static_cast<i32>(a), y = static_cast<i32>(b);
    if (y == 0) return ~0ull;
    if (x == INT32_MIN && y == -1) return sx32(static_cast<u32>(x));
    return sx32(static_cast<u32>(x / y));
}
constexpr u64 rem_sw(u64 a, u64 b) {
    i32 x = static_cast<i32>(a), y = static_cast<i32>(b);
    if (y == 0) return sx32(static_cast<u32>(x));
    if (x == INT32_MIN && y == -1) return 0;
    return sx32(static_cast<u32>(x % y));
}

// --- A ---

template <typename T>
const DecodedInsn* exec_lr(Hart& h, const DecodedInsn* i, uint64_t) {
    u64 addr = h.x[i->rs1];
    if (addr % sizeof(T)) return h.raise(i, EXCP_LOAD_ADDR_MIS, addr);
    T v;
    u64 cause;
    if (!mem_load(h, addr, &v, &cause)) return h.raise(i, cause, h.mem_fault_va);
    h.reservation = addr;
    h.reservation_value = static_cast<u64>(static_cast<i64>(v));
    h.x.set_rd(i->rd, static_cast<u64>(static_cast<i64>(v)));
    return next_insn(h, i);
}

// SC succeeds while the reservation holds and memory still has the value LR
// read: QEMU's rule, which also notices other harts' stores in between.
template <typename T>
const DecodedInsn* exec_sc(Hart& h, const DecodedInsn* i, uint64_t) {
    u64 addr = h.x[i->rs1];
    if (addr % sizeof(T)) return h.raise(i, EXCP_STORE_AMO_ADDR_MIS, addr);
    bool reserved = h.reservation == addr;
    h.reservation = ~0ull;
    if (!reserved) {
        h.x.set_rd(i->rd, 1);
        return next_insn(h, i);
    }
    T expected = static_cast<T>(h.reservation_value);
    T desired = static_cast<T>(h.x[i->rs2]);
    bool stored = false;
    T old;
    u64 cause = 0;
    auto op = [&](T cur) -> std::optional<T> {
        stored = cur == expected;
        if (!stored) return std::nullopt;
        return desired;
    };
    if (!mem_amo(h, addr, &old, op, &cause)) return h.raise(i, cause, h.mem_fault_va);
    h.x.set_rd(i->rd, stored ? 0 : 1);
    return next_insn(h, i);
}

template <typename T, auto F>
const DecodedInsn* exec_amo(Hart& h, const DecodedInsn* i, uint64_t) {
    u64 addr = h.x[i->rs1];
    T src = static_cast<T>(h.x[i->rs2]);
    T old;
    u64 cause = 0;
    if (!mem_amo(
            h, addr, &old, [&](T cur) -> std::optional<T> { return F(cur, src); }, &cause)) {
        return h.raise(i, cause, h.mem_fault_va);
    }
    h.x.set_rd(i->rd, static_cast<u64>(static_cast<i64>(std::make_signed_t<T>(old))));
    return next_insn(h, i);
}

template <typename T>
constexpr T amo_min(T a, T b) {
    using S = std::make_signed_t<T>;
    return static_cast<S>(a) < static_cast<S>(b) ? a : b;
}
template <typename T>
constexpr T amo_max(T a, T b) {
    using S = std::make_signed_t<T>;
    return static_cast<S>(a) > static_cast<S>(b) ? a : b;
}

// --- Zicsr: csrrw/csrrs/csrrc and their immediate forms ---

enum class CsrOp { Write, Set, Clear };

template <CsrOp Op, bool Imm>
const DecodedInsn* exec_csr(Hart& h, const DecodedInsn* i, uint64_t) {
    // Counters read here must include what retired earlier in this block.
    h.instret += i->index;
    auto illegal = [&] {
        h.instret -= i->index;
        return h.raise(i, EXCP_ILLEGAL_INST, i->raw);
    };
    u64 src = Imm ? i->rs1 : h.x[i->rs1];
    // csrrw with rd=x0 does not read; csrrs/c with a zero source do not write.
    bool do_read = Op != CsrOp::Write || (i->rd != 0 && i->rd != kXSink);
    bool do_write = Op == CsrOp::Write || i->rs1 != 0;
    u64 old = 0;
    if (do_read && csr_read(h, i->csr, &old,
                            do_write ? CsrAccess::ReadWrite : CsrAccess::ReadOnly) != CsrResult::Ok)
        return illegal();
    if (do_write) {
        u64 base = old;
        if (Op != CsrOp::Write && csr_read_modify_base(h, i->csr, &base) != CsrResult::Ok)
            return illegal();
        u64 value = Op == CsrOp::Write ? src : Op == CsrOp::Set ? (base | src) : (base & ~src);
        if (csr_write(h, i->csr, value) != CsrResult::Ok) return illegal();
    }
    h.x.set_rd(i->rd, old);
    // A CSR write may change translation, interrupts or the FPU state: leave
    // the block so that the next one starts from the new state.
    h.pc = h.pc_of(i) + i->len;
    h.instret += 1;
    return nullptr;
}

// --- system ---

const DecodedInsn* exec_ecall(Hart& h, const DecodedInsn* i, uint64_t) {
    static constexpr u64 cause[] = {EXCP_U_ECALL, EXCP_S_ECALL, 0, EXCP_M_ECALL};
    return h.raise(i, cause[h.priv], 0);
}

const DecodedInsn* exec_ebreak(Hart& h, const DecodedInsn* i, uint64_t) {
    return h.raise(i, EXCP_BREAKPOINT, h.pc_of(i));
}

// xRET: what retired up to and including it counts in the privilege it ran
// in, so it is counted before the privilege changes (pmu.cpp).
const DecodedInsn* leave_changing_priv(Hart& h, const DecodedInsn* i, u64 (*xret)(Hart&)) {
    h.instret += i->index + 1u;
    u64 target = xret(h);
    return h.leave(i, target, 0);
}

const DecodedInsn* exec_mret(Hart& h, const DecodedInsn* i, uint64_t) {
    if (h.priv < PRV_M) return h.raise(i, EXCP_ILLEGAL_INST, i->raw);
    return leave_changing_priv(h, i, hart_mret);
}

const DecodedInsn* exec_sret(Hart& h, const DecodedInsn* i, uint64_t) {
    if (h.priv < PRV_S || (h.priv == PRV_S && (h.mstatus & MSTATUS_TSR))) {
        return h.raise(i, EXCP_ILLEGAL_INST, i->raw);
    }
    return leave_changing_priv(h, i, hart_sret);
}

// WFI: with nothing pending, the hart halts until an interrupt is.
const DecodedInsn* exec_wfi(Hart& h, const DecodedInsn* i, uint64_t) {
    if (h.priv == PRV_U || (h.priv == PRV_S && (h.mstatus & MSTATUS_TW))) {
        return h.raise(i, EXCP_ILLEGAL_INST, i->raw);
    }
    if (!hart_has_work(h)) {
        h.halted = true;
        h.chain_left = 1; // no chaining on: back to the loop, which sleeps
    }
    return h.jump(i, h.pc_of(i) + i->len);
}

const DecodedInsn* exec_sfence_vma(Hart& h, const DecodedInsn* i, uint64_t) {
    if (h.priv == PRV_U || (h.priv == PRV_S && (h.mstatus & MSTATUS_TVM))) {
        return h.raise(i, EXCP_ILLEGAL_INST, i->raw);
    }
    tlb_flush_vma(h, i->rs1);
    return h.jump(i, h.pc_of(i) + i->len);
}

// x86-64 keeps every order a RISC-V fence asks for but one: a store followed
// by a load. A fence with W among its predecessors and R among its
// successors (not fence.tso, which leaves that pair out) needs the host's
// full fence, when other harts run on other threads.
const DecodedInsn* exec_fence(Hart& h, const DecodedInsn* i, uint64_t) {
    const bool pred_w = (i->raw >> 24) & 1, succ_r = (i->raw >> 21) & 1;
    const bool tso = (i->raw >> 28) == 0b1000;
    if (g_harts_parallel && pred_w && succ_r && !tso)
        std::atomic_thread_fence(std::memory_order_seq_cst);
    // pause (Zihintpause, the encoding of fence w,0) is what a spin-wait
    // runs each round: Linux's cpu_relax(). With harts on threads of their
    // own, the hart this one waits for may be off the host CPU (more harts
    // than host cores), waiting for this thread's time slice to end: give
    // the CPU up instead of spinning through it. With a core to spare, the
    // yield returns at once.
    if (g_harts_parallel && i->raw == kPauseEncoding) sched_yield();
    return next_insn(h, i);
}

const DecodedInsn* exec_fence_i(Hart& h, const DecodedInsn* i, uint64_t) {
    hart_sync_code(h);
    return h.jump(i, h.pc_of(i) + i->len);
}

} // namespace

const DecodedInsn* exec_illegal(Hart& h, const DecodedInsn* i, uint64_t) {
    qemu_log_mask(LOG_UNIMP, "riscv: illegal instruction 0x{:08x} at 0x{:016x}", i->raw,
                  h.pc_of(i));
    return h.raise(i, EXCP_ILLEGAL_INST, i->raw);
}

// clang-format off
constexpr auto kBase = in_ext(0, {
    // RV64I
    insn("lui",    ".........................0110111", Format::U, op_lui),
    insn("auipc",  ".........................0010111", Format::U, op_auipc),
    insn("jal",    ".........................1101111", Format::J, exec_jal, END_BLOCK),
    insn("jalr",   ".................000.....1100111", Format::I, exec_jalr, END_BLOCK),
    insn("beq",    ".................000.....1100011", Format::B, op_branch<([](u64 a, u64 b) { return a == b; })>),
    insn("bne",    ".................001.....1100011", Format::B, op_branch<([](u64 a, u64 b) { return a != b; })>),
    insn("blt",    ".................100.....1100011", Format::B, op_branch<([](u64 a, u64 b) { return i64(a) < i64(b); })>),
    insn("bge",    ".................101.....1100011", Format::B, op_branch<([](u64 a, u64 b) { return i64(a) >= i64(b); })>),
    insn("bltu",   ".................110.....1100011", Format::B, op_branch<([](u64 a, u64 b) { return a < b; })>),
    insn("bgeu",   ".................111.....1100011", Format::B, op_branch<([](u64 a, u64 b) { return a >= b; })>),
    insn("lb",     ".................000.....0000011", Format::LOAD, op_load<int8_t>),
    insn("lh",     ".................001.....0000011", Format::LOAD, op_load<int16_t>),
    insn("lw",     ".................010.....0000011", Format::LOAD, op_load<int32_t>),
    insn("ld",     ".................011.....0000011", Format::LOAD, op_load<int64_t>),
    insn("lbu",    ".................100.....0000011", Format::LOAD, op_load<uint8_t>),
    insn("lhu",    ".................101.....0000011", Format::LOAD, op_load<uint16_t>),
    insn("lwu",    ".................110.....0000011", Format::LOAD, op_load<uint32_t>),
    insn("sb",     ".................000.....0100011", Format::S, op_store<uint8_t>),
    insn("sh",     ".................001.....0100011", Format::S, op_store<uint16_t>),
    insn("sw",     ".................010.....0100011", Format::S, op_store<uint32_t>),
    insn("sd",     ".................011.....0100011", Format::S, op_store<uint64_t>),
    insn("addi",   ".................000.....0010011", Format::I, op_ri<([](u64 a, u64 b) { return a + b; })>),
    insn("slti",   ".................010.....0010011", Format::I, op_ri<([](u64 a, u64 b) -> u64 { return i64(a) < i64(b); })>),
    insn("sltiu",  ".................011.....0010011", Format::I, op_ri<([](u64 a, u64 b) -> u64 { return a < b; })>),
    insn("xori",   ".................100.....0010011", Format::I, op_ri<([](u64 a, u64 b) { return a ^ b; })>),
    insn("ori",    ".................110.....0010011", Format::I, op_ri<([](u64 a, u64 b) { return a | b; })>),
    insn("andi",   ".................111.....0010011", Format::I, op_ri<([](u64 a, u64 b) { return a & b; })>),
    insn("slli",   "000000...........001.....0010011", Format::I_SHIFT, op_ri<([](u64 a, u64 b) { return a << (b & 63); })>),
    insn("srli",   "000000...........101.....0010011", Format::I_SHIFT, op_ri<([](u64 a, u64 b) { return a >> (b & 63); })>),
    insn("srai",   "010000...........101.....0010011", Format::I_SHIFT, op_ri<([](u64 a, u64 b) { return u64(i64(a) >> (b & 63)); })>),
    insn("add",    "0000000..........000.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return a + b; })>),
    insn("sub",    "0100000..........000.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return a - b; })>),
    insn("sll",    "0000000..........001.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return a << (b & 63); })>),
    insn("slt",    "0000000..........010.....0110011", Format::R, op_rr<([](u64 a, u64 b) -> u64 { return i64(a) < i64(b); })>),
    insn("sltu",   "0000000..........011.....0110011", Format::R, op_rr<([](u64 a, u64 b) -> u64 { return a < b; })>),
    insn("xor",    "0000000..........100.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return a ^ b; })>),
    insn("srl",    "0000000..........101.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return a >> (b & 63); })>),
    insn("sra",    "0100000..........101.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return u64(i64(a) >> (b & 63)); })>),
    insn("or",     "0000000..........110.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return a | b; })>),
    insn("and",    "0000000..........111.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return a & b; })>),
    insn("addiw",  ".................000.....0011011", Format::I, op_ri<([](u64 a, u64 b) { return sx32(a + b); })>),
    insn("slliw",  "0000000..........001.....0011011", Format::I_SHIFTW, op_ri<([](u64 a, u64 b) { return sx32(a << (b & 31)); })>),
    insn("srliw",  "0000000..........101.....0011011", Format::I_SHIFTW, op_ri<([](u64 a, u64 b) { return sx32(u32(a) >> (b & 31)); })>),
    insn("sraiw",  "0100000..........101.....0011011", Format::I_SHIFTW, op_ri<([](u64 a, u64 b) { return sx32(u32(i32(a) >> (b & 31))); })>),
    insn("addw",   "0000000..........000.....0111011", Format::R, op_rr<([](u64 a, u64 b) { return sx32(a + b); })>),
    insn("subw",   "0100000..........000.....0111011", Format::R, op_rr<([](u64 a, u64 b) { return sx32(a - b); })>),
    insn("sllw",   "0000000..........001.....0111011", Format::R, op_rr<([](u64 a, u64 b) { return sx32(a << (b & 31)); })>),
    insn("srlw",   "0000000..........101.....0111011", Format::R, op_rr<([](u64 a, u64 b) { return sx32(u32(a) >> (b & 31)); })>),
    insn("sraw",   "0100000..........101.....0111011", Format::R, op_rr<([](u64 a, u64 b) { return sx32(u32(i32(a) >> (b & 31))); })>),
    insn("fence",  ".................000.....0001111", Format::FENCE, exec_fence),
    insn("ecall",  "00000000000000000000000001110011", Format::NONE, exec_ecall, END_BLOCK),
    insn("ebreak", "00000000000100000000000001110011", Format::NONE, exec_ebreak, END_BLOCK),
});

constexpr auto kZifencei = in_ext(ext_bit(Ext::Zifencei), {
    insn("fence.i",".................001.....0001111", Format::NONE, exec_fence_i, END_BLOCK),
});

constexpr auto kM = in_ext(ext_bit(Ext::M), {
    insn("mul",    "0000001..........000.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return a * b; })>),
    insn("mulh",   "0000001..........001.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return u64((i128(i64(a)) * i128(i64(b))) >> 64); })>),
    insn("mulhsu", "0000001..........010.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return u64((i128(i64(a)) * i128(u128(b))) >> 64); })>),
    insn("mulhu",  "0000001..........011.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return u64((u128(a) * u128(b)) >> 64); })>),
    insn("div",    "0000001..........100.....0110011", Format::R, op_rr<div_s>),
    insn("divu",   "0000001..........101.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return b ? a / b : ~0ull; })>),
    insn("rem",    "0000001..........110.....0110011", Format::R, op_rr<rem_s>),
    insn("remu",   "0000001..........111.....0110011", Format::R, op_rr<([](u64 a, u64 b) { return b ? a % b : a; })>),
    insn("mulw",   "0000001..........000.....0111011", Format::R, op_rr<([](u64 a, u64 b) { return sx32(a * b); })>),
    insn("divw",   "0000001..........100.....0111011", Format::R, op_rr<div_sw>),
    insn("divuw",  "0000001..........101.....0111011", Format::R, op_rr<([](u64 a, u64 b) { return u32(b) ? sx32(u32(a) / u32(b)) : ~0ull; })>),
    insn("remw",   "0000001..........110.....0111011", Format::R, op_rr<rem_sw>),
    insn("remuw",  "0000001..........111.....0111011", Format::R, op_rr<([](u64 a, u64 b) { return u32(b) ? sx32(u32(a) % u32(b)) : sx32(a); })>),
});

constexpr auto kA = in_ext(ext_bit(Ext::A), {
    insn("lr.w",      "00010..00000.....010.....0101111", Format::LR, exec_lr<int32_t>),
    insn("sc.w",      "00011............010.....0101111", Format::AMO, exec_sc<uint32_t>),
    insn("amoswap.w", "00001............010.....0101111", Format::AMO, exec_amo<uint32_t, ([](u32, u32 b) { return b; })>),
    insn("amoadd.w",  "00000............010.....0101111", Format::AMO, exec_amo<uint32_t, ([](u32 a, u32 b) { return a + b; })>),
    insn("amoxor.w",  "00100............010.....0101111", Format::AMO, exec_amo<uint32_t, ([](u32 a, u32 b) { return a ^ b; })>),
    insn("amoand.w",  "01100............010.....0101111", Format::AMO, exec_amo<uint32_t, ([](u32 a, u32 b) { return a & b; })>),
    insn("amoor.w",   "01000............010.....0101111", Format::AMO, exec_amo<uint32_t, ([](u32 a, u32 b) { return a | b; })>),
    insn("amomin.w",  "10000............010.....0101111", Format::AMO, exec_amo<uint32_t, amo_min<u32>>),
    insn("amomax.w",  "10100............010.....0101111", Format::AMO, exec_amo<uint32_t, amo_max<u32>>),
    insn("amominu.w", "11000............010.....0101111", Format::AMO, exec_amo<uint32_t, ([](u32 a, u32 b) { return a < b ? a : b; })>),
    insn("amomaxu.w", "11100............010.....0101111", Format::AMO, exec_amo<uint32_t, ([](u32 a, u32 b) { return a > b ? a : b; })>),
    insn("lr.d",      "00010..00000.....011.....0101111", Format::LR, exec_lr<int64_t>),
    insn("sc.d",      "00011............011.....0101111", Format::AMO, exec_sc<uint64_t>),
    insn("amoswap.d", "00001............011.....0101111", Format::AMO, exec_amo<uint64_t, ([](u64, u64 b) { return b; })>),
    insn("amoadd.d",  "00000............011.....0101111", Format::AMO, exec_amo<uint64_t, ([](u64 a, u64 b) { return a + b; })>),
    insn("amoxor.d",  "00100............011.....0101111", Format::AMO, exec_amo<uint64_t, ([](u64 a, u64 b) { return a ^ b; })>),
    insn("amoand.d",  "01100............011.....0101111", Format::AMO, exec_amo<uint64_t, ([](u64 a, u64 b) { return a & b; })>),
    insn("amoor.d",   "01000............011.....0101111", Format::AMO, exec_amo<uint64_t, ([](u64 a, u64 b) { return a | b; })>),
    insn("amomin.d",  "10000............011.....0101111", Format::AMO, exec_amo<uint64_t, amo_min<u64>>),
    insn("amomax.d",  "10100............011.....0101111", Format::AMO, exec_amo<uint64_t, amo_max<u64>>),
    insn("amominu.d", "11000............011.....0101111", Format::AMO, exec_amo<uint64_t, ([](u64 a, u64 b) { return a < b ? a : b; })>),
    insn("amomaxu.d", "11100............011.....0101111", Format::AMO, exec_amo<uint64_t, ([](u64 a, u64 b) { return a > b ? a : b; })>),
});

constexpr auto kZicsr = in_ext(ext_bit(Ext::Zicsr), {
    insn("csrrw",  ".................001.....1110011", Format::CSR, exec_csr<CsrOp::Write, false>, END_BLOCK),
    insn("csrrs",  ".................010.....1110011", Format::CSR, exec_csr<CsrOp::Set, false>, END_BLOCK),
    insn("csrrc",  ".................011.....1110011", Format::CSR, exec_csr<CsrOp::Clear, false>, END_BLOCK),
    insn("csrrwi", ".................101.....1110011", Format::CSRI, exec_csr<CsrOp::Write, true>, END_BLOCK),
    insn("csrrsi", ".................110.....1110011", Format::CSRI, exec_csr<CsrOp::Set, true>, END_BLOCK),
    insn("csrrci", ".................111.....1110011", Format::CSRI, exec_csr<CsrOp::Clear, true>, END_BLOCK),
});

// The privileged instructions (sret and sfence.vma check for S themselves).
constexpr auto kPrivileged = in_ext(0, {
    insn("sret",       "00010000001000000000000001110011", Format::NONE, exec_sret, END_BLOCK),
    insn("mret",       "00110000001000000000000001110011", Format::NONE, exec_mret, END_BLOCK),
    insn("wfi",        "00010000010100000000000001110011", Format::NONE, exec_wfi, END_BLOCK),
    insn("sfence.vma", "0001001..........000000001110011", Format::SFENCE, exec_sfence_vma, END_BLOCK),
});

constexpr auto kIntegerTable = concat(kBase, kZifencei, kM, kA, kZicsr, kPrivileged);
// clang-format on

std::span<const InsnDesc> insn_table_integer() { return kIntegerTable; }

} // namespace mq::riscv
