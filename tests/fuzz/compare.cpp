#include "tests/fuzz/compare.h"

#include "hw/cpu/riscv/insn.h"

#include <fmt/format.h>

#include <cstring>

namespace mq::fuzz {

namespace {

const char* end_name(Outcome::End e) {
    switch (e) {
    case Outcome::End::Completed: return "completed";
    case Outcome::End::Trapped: return "trapped";
    case Outcome::End::Looped: return "looped";
    }
    return "?";
}

// Unicorn 2.0.1 writes single-precision results unboxed (upper half zero,
// or for fmv.w.x the whole x register): in the single-precision lane (see
// stream.cpp), a boxed value of ours equals it when the low halves do.
bool f_equal(unsigned reg, uint64_t ours, uint64_t theirs) {
    if (ours == theirs) return true;
    return !(reg & 8) && (ours >> 32) == 0xffffffffu &&
           static_cast<uint32_t>(ours) == static_cast<uint32_t>(theirs);
}

void compare_page(std::vector<std::string>& out, const char* name, uint64_t base,
                  const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
    for (size_t off = 0; off < a.size(); off += 8) {
        uint64_t x, y;
        std::memcpy(&x, &a[off], 8);
        std::memcpy(&y, &b[off], 8);
        if (x != y)
            out.push_back(
                fmt::format("{} 0x{:x}: ours 0x{:016x} unicorn 0x{:016x}", name, base + off, x, y));
    }
}

// The instruction at `pc` in the stream's code page (0 when outside it).
uint32_t insn_at(const Stream& s, uint64_t pc) {
    if (pc < CODE || pc + 4 > CODE + CODE_SIZE) return 0;
    std::vector<uint8_t> page = s.code_page();
    uint32_t raw;
    std::memcpy(&raw, &page[pc - CODE], 4);
    return (raw & 3) == 3 ? raw : (raw & 0xffff);
}

bool is_amo_minmax_w(uint32_t raw) {
    return (raw & 0x707f) == 0x202f && (raw >> 27) >= 0x10 && ((raw >> 27) & 3) == 0;
}

// Whether Unicorn ran an encoding that `pred` picks and that is not one of
// the stream's instructions: one that a jump into the middle of a 4-byte
// instruction made of its upper half and what follows, which the generator
// did not shape. A block whose size Unicorn's hook gives as 0 (it ended in
// its first instruction) counts with that instruction.
bool ran_inside_insn(const Stream& s, const Outcome& theirs, bool (*pred)(uint32_t)) {
    std::vector<uint8_t> page;
    for (auto [start, size] : theirs.blocks) {
        if (start < CODE || start >= s.end() || s.starts_insn(start)) continue;
        if (page.empty()) page = s.code_page();
        uint64_t end = start + (size ? size : 2);
        for (uint64_t pc = start; pc < end && pc + 4 <= CODE + CODE_SIZE;) {
            uint32_t raw;
            std::memcpy(&raw, &page[pc - CODE], 4);
            if ((raw & 3) != 3) raw &= 0xffff;
            if (!s.starts_insn(pc) && pred(raw)) return true;
            pc += (raw & 3) == 3 ? 4 : 2;
        }
    }
    return false;
}

bool is_amo_not_lr(uint32_t raw) {
    return (raw & 0x7f) == 0x2f && (raw >> 27) != 0x02; // funct5 2 is lr
}
bool is_sc(uint32_t raw) { return (raw & 0x7f) == 0x2f && (raw >> 27) == 0x03; }

bool mapped(uint64_t a) {
    return (a >= CODE && a < CODE + CODE_SIZE) || (a >= DATA && a < DATA + DATA_SIZE);
}

// Only the trap cause differs (registers, flags and memory agree).
bool only_cause_differs(const Outcome& a, const Outcome& b) {
    Outcome c = b;
    c.cause = a.cause;
    return compare(a, c).empty();
}

const std::vector<Allowance> kAllowList = {
    {"unicorn-nanbox",
     "Unicorn 2.0.1 (QEMU 5.0's RISC-V) writes single-precision results without NaN-boxing "
     "them and reads single operands without checking their box (F spec 2.2: boxes are "
     "mandatory). The generator keeps single and double values in separate f registers; a "
     "random encoding that mixes the two in one register can differ for this reason alone.",
     [](const Stream& s, const Outcome&, const Outcome&) {
         for (const Insn& in : s.insns) {
             if (in.mixes_fp_widths) return true;
         }
         return false;
     }},
    {"unicorn-nanbox-inside",
     "The same NaN-boxing difference as unicorn-nanbox, from an f-register encoding that "
     "Unicorn ran at a jump target inside one of the stream's 4-byte instructions (its upper "
     "half and what follows: registers the generator did not keep in their lanes).",
     [](const Stream& s, const Outcome&, const Outcome& theirs) {
         return ran_inside_insn(s, theirs, is_fp_encoding);
     }},
    {"unicorn-amo-cause",
     "An AMO or SC that faults reports a load cause on Unicorn (QEMU 5.0): misaligned is "
     "cause 4 instead of the spec's store/AMO address misaligned (6), and unmapped stops it "
     "with UC_ERR_READ_UNMAPPED (load access fault, 5) instead of a store/AMO access fault "
     "(7). Ours are the spec's; which of misaligned and access fault wins when both apply is "
     "the implementation's choice (privileged spec, exception priority).",
     [](const Stream& s, const Outcome& ours, const Outcome& theirs) {
         return ours.end == Outcome::End::Trapped && (ours.cause == 6 || ours.cause == 7) &&
                (theirs.cause == 4 || theirs.cause == 5) && is_amo_not_lr(insn_at(s, ours.epc)) &&
                only_cause_differs(ours, theirs);
     }},
    {"unicorn-reserved-rvc",
     "Unicorn 2.0.1 (QEMU 5.0's fallback RVC decoder) runs some reserved compressed encodings "
     "as no-ops: quadrant 0 with funct3 100, and quadrant 1's reserved CA forms "
     "(100 1 11 .. 1x ..). The spec reserves them; we raise illegal instruction.",
     [](const Stream& s, const Outcome& ours, const Outcome&) {
         if (ours.end != Outcome::End::Trapped || ours.cause != 2) return false;
         uint32_t raw = insn_at(s, ours.epc);
         if ((raw & 3) == 3) return false;
         bool q0_100 = (raw & 3) == 0 && (raw >> 13) == 4;
         bool q1_ca = (raw & 3) == 1 && (raw >> 10) == 0x27 && ((raw >> 6) & 1);
         return q0_100 || q1_ca;
     }},
    {"unicorn-fminmax-snan",
     "fmin/fmax with a signalling NaN operand: Unicorn (QEMU 5.0) follows IEEE 754-2008 "
     "minNum/maxNum and returns the canonical NaN; the F extension (2.2 on) says minimumNumber: "
     "the other operand, with NV raised. Ours is the spec's. Explained when the stream agrees "
     "with every fmin/fmax turned into fsgnj.",
     nullptr,
     [](uint32_t raw) -> uint32_t {
         bool minmax = (raw & 0x7f) == 0x53 && (raw >> 27) == 0x05 && ((raw >> 12) & 7) < 2;
         return minmax ? (raw & ~(0x1fu << 27) & ~(7u << 12)) | (0x04u << 27) : raw;
     }},
    {"unicorn-amominmax-w",
     "amomin.w/amomax.w/amominu.w/amomaxu.w on Unicorn (QEMU 5.0's TCG, fixed in QEMU 5.1 by "
     "'tcg: Fix do_nonatomic_op_* vs signed operations') compare the memory word with all 64 "
     "bits of rs2 instead of its low 32. Explained when the stream agrees with each of them "
     "turned into amoor.w (same rd, so the same path).",
     nullptr,
     [](uint32_t raw) -> uint32_t {
         return is_amo_minmax_w(raw) ? (raw & ~(0x1fu << 27)) | (0x08u << 27) : raw;
     }},
    {"unicorn-amominmax-w-d",
     "The same bug where a jump into the middle of the amo runs its upper half as an "
     "instruction of its own, which the amoor.w rewrite would change: explained when the "
     "stream agrees with each of them turned into its .d form (funct3 only).",
     nullptr, [](uint32_t raw) -> uint32_t { return is_amo_minmax_w(raw) ? raw | 0x1000u : raw; }},
    {"unicorn-amominmax-w-inside",
     "The same bug from an amomin/max[u].w that Unicorn ran inside one of the stream's "
     "instructions (no rewrite can reach it).",
     [](const Stream& s, const Outcome&, const Outcome& theirs) {
         return ran_inside_insn(s, theirs, is_amo_minmax_w);
     }},
    {"lr-sc-width",
     "An SC paired with an LR of the other width: the A spec leaves its outcome to the "
     "implementation (we compare the low bits LR saw, Unicorn all 64). Explained when the "
     "stream agrees with every LR and SC made .w.",
     nullptr,
     [](uint32_t raw) -> uint32_t {
         bool lr_sc_d = (raw & 0xf000707f) == 0x1000302f; // lr.d and sc.d (funct5 0001x)
         return lr_sc_d ? (raw & ~0x7000u) | 0x2000u : raw;
     }},
    {"unicorn-fma-nv",
     "fmadd/fmsub/fnmadd/fnmsub of infinity times zero plus a quiet NaN: the F spec says the "
     "invalid flag is set even then; Unicorn (QEMU 5.0's softfloat) does not set it. Ours "
     "does. Explained when the stream agrees with every fused op turned into fadd.",
     nullptr,
     [](uint32_t raw) -> uint32_t {
         uint32_t op = raw & 0x7f;
         if (op != 0x43 && op != 0x47 && op != 0x4b && op != 0x4f) return raw;
         return (raw & (3u << 25 | 0x1fu << 20 | 0x1fu << 15 | 7u << 12 | 0x1fu << 7)) | 0x53;
     }},
    {"code-page-written",
     "The stream stored into its own code page. Without FENCE.I the spec does not say whether "
     "later fetches see the store (QEMU re-translates at once; we may run what was decoded), "
     "and a store over the end marker makes us run on where Unicorn stops.",
     [](const Stream& s, const Outcome& ours, const Outcome& theirs) {
         std::vector<uint8_t> page = s.code_page();
         return ours.code != page || theirs.code != page;
     }},
    {"misaligned-store-partial",
     "A misaligned store across the end of the data page into unmapped memory: Unicorn writes "
     "the bytes that are in the page before it faults, we write none. A misaligned access may "
     "be carried out in parts (unprivileged spec, misaligned accesses), so both are legal.",
     [](const Stream& s, const Outcome& ours, const Outcome& theirs) {
         if (ours.end != Outcome::End::Trapped || ours.cause != 7 || theirs.cause != 7)
             return false;
         Outcome t = theirs;
         std::memcpy(&t.data[DATA_SIZE - 8], &ours.data[DATA_SIZE - 8], 8);
         return compare(ours, t).empty();
     }},
    {"loop-limit",
     "A stream that loops ran out of its budget on one side only: ours counts instructions "
     "(checked between chains of blocks), Unicorn's block hook counts blocks, so the other "
     "side may reach an end or a trap first.",
     [](const Stream&, const Outcome& ours, const Outcome& theirs) {
         return (ours.end == Outcome::End::Looped) != (theirs.end == Outcome::End::Looped);
     }},
    {"data-page-as-code",
     "A computed jump landed in the data page and ran its random contents as code, where the "
     "Unicorn bugs above cannot be told apart from the stream's (the generator only shapes the "
     "code page). Applies when our hart trapped there, or Unicorn entered a block there.",
     [](const Stream&, const Outcome& ours, const Outcome& theirs) {
         auto in_data = [](uint64_t a) { return a >= DATA && a < DATA + DATA_SIZE; };
         if (ours.end == Outcome::End::Trapped && in_data(ours.epc)) return true;
         for (auto [start, size] : theirs.blocks) {
             if (in_data(start)) return true;
         }
         return false;
     }},
    {"misaligned-or-access-fault",
     "An access both misaligned and outside memory: we report address misaligned (4/6), "
     "Unicorn the unmapped access (5/7). The privileged spec lets misaligned exceptions be of "
     "higher or lower priority than access faults.",
     [](const Stream& s, const Outcome& ours, const Outcome& theirs) {
         bool pair =
             (ours.cause == 4 && theirs.cause == 5) || (ours.cause == 6 && theirs.cause == 7);
         return ours.end == Outcome::End::Trapped && pair &&
                !(mapped(ours.tval) && mapped(ours.tval + 7)) && only_cause_differs(ours, theirs);
     }},
    {"unicorn-sc-misaligned",
     "An SC to a misaligned address with no reservation: Unicorn (QEMU 5.0) fails it (rd = 1) "
     "without looking at the address; the A spec says a misaligned LR/SC raises an exception, "
     "which we do.",
     [](const Stream& s, const Outcome& ours, const Outcome&) {
         return ours.end == Outcome::End::Trapped && ours.cause == 6 && is_sc(insn_at(s, ours.epc));
     }},
};

} // namespace

std::vector<std::string> compare(const Outcome& ours, const Outcome& theirs) {
    std::vector<std::string> out;
    if (ours.end != theirs.end ||
        (ours.end == Outcome::End::Trapped && ours.cause != theirs.cause)) {
        out.push_back(fmt::format("end: ours {} (cause {}) unicorn {} (cause {})",
                                  end_name(ours.end), ours.cause, end_name(theirs.end),
                                  theirs.cause));
    }
    for (unsigned i = 1; i < 32; i++) {
        if (ours.x[i] != theirs.x[i])
            out.push_back(
                fmt::format("x{}: ours 0x{:016x} unicorn 0x{:016x}", i, ours.x[i], theirs.x[i]));
    }
    for (unsigned i = 0; i < 32; i++) {
        if (!f_equal(i, ours.f[i], theirs.f[i]))
            out.push_back(
                fmt::format("f{}: ours 0x{:016x} unicorn 0x{:016x}", i, ours.f[i], theirs.f[i]));
    }
    if (ours.fcsr != theirs.fcsr)
        out.push_back(fmt::format("fcsr: ours 0x{:02x} unicorn 0x{:02x}", ours.fcsr, theirs.fcsr));
    compare_page(out, "code", CODE, ours.code, theirs.code);
    compare_page(out, "data", DATA, ours.data, theirs.data);
    return out;
}

const Allowance* allowed(const Stream& s, const Outcome& ours, const Outcome& theirs) {
    for (const Allowance& a : kAllowList) {
        if (a.applies && a.applies(s, ours, theirs)) return &a;
    }
    return nullptr;
}

Stream rewritten(const Stream& s, const Allowance** first, const Allowance* only) {
    Stream r = s;
    *first = nullptr;
    for (const Allowance& a : kAllowList) {
        if (!a.rewrite || (only && &a != only)) continue;
        for (Insn& in : r.insns) {
            if (in.len != 4 || in.target >= 0) continue;
            uint32_t w = a.rewrite(in.raw);
            if (w != in.raw && !*first) *first = &a;
            in.raw = w;
        }
    }
    return r;
}

const std::vector<Allowance>& allow_list() { return kAllowList; }

} // namespace mq::fuzz
