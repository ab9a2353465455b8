// The stream generator: seeded, biased toward valid encodings with operands
// that find bugs (0, -1, INT_MIN, NaNs, subnormals, values around 2^31 and
// 2^63), loads and stores near the data page (and sometimes away from it),
// and branches that land on instructions later in the stream.
//
// Valid 32-bit encodings come from our own instruction table's patterns
// (the rows, with their operand fields filled in); compressed ones and
// random words (that our table may not know) add what the table does not
// say. Every encoding the table lacks is therefore reached only at random.
//
// f registers come in two lanes: single precision only in f0-f7 and
// f16-f23, double precision only in f8-f15 and f24-f31 (where the
// compressed FP loads and stores reach). Unicorn 2.0.1 neither NaN-boxes
// single results nor checks the boxes of single operands, so a single value
// read as a double (or the reverse) would differ for that reason alone.
#include "tests/fuzz/stream.h"

#include "hw/cpu/riscv/insn-table.h"

#include <fmt/format.h>

#include <cstring>

namespace mq::fuzz {

namespace {

using riscv::Format;
using riscv::InsnDesc;

class Rng {
public:
    explicit Rng(uint64_t seed) : m_s(seed) {}
    uint64_t next() {
        uint64_t z = (m_s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }
    bool chance(unsigned percent) { return below(100) < percent; }
    template <typename T, size_t N>
    T pick(const T (&a)[N]) {
        return a[below(N)];
    }

private:
    uint64_t m_s;
};

// clang-format off
constexpr uint64_t kInts[] = {
    0, 1, 2, 3, ~0ull, ~1ull, 31, 32, 63, 64,
    0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0xffffffff80000000, 0xffffffff7fffffff,
    0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000001, 0x7ffffffffffffffe,
    0x00000000ffff8000, 0x0000000000007fff, 0x5555555555555555, 0xaaaaaaaaaaaaaaaa,
};
constexpr uint32_t kSingles[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3f000000, 0x3fc00000, 0x40200000,
    0xc0200000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0x7fa00000,
    0x7fc12345, 0x00000001, 0x80000001, 0x007fffff, 0x00800000, 0x7f7fffff, 0xff7fffff,
    0x4f000000, 0xcf000000, 0x4effffff, 0x4f800000, 0x5f000000, 0xdf000000, 0x5f800000,
    0xcf000001, 0x4b000000, 0x3effffff, 0x3f000001,
};
constexpr uint64_t kDoubles[] = {
    0x0000000000000000, 0x8000000000000000, 0x3ff0000000000000, 0xbff0000000000000,
    0x3fe0000000000000, 0x3ff8000000000000, 0x4004000000000000, 0xc004000000000000,
    0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000, 0xfff8000000000000,
    0x7ff0000000000001, 0x7ff4000000000000, 0x7ff8000000012345, 0x0000000000000001,
    0x800fffffffffffff, 0x000fffffffffffff, 0x0010000000000000, 0x7fefffffffffffff,
    0x41e0000000000000, 0x41dfffffffc00000, 0xc1e0000000000000, 0xc1e0000000200000,
    0x41efffffffe00000, 0x41f0000000000000, 0x43e0000000000000, 0xc3e0000000000000,
    0x43f0000000000000, 0x36a0000000000000, 0x3810000000000000, 0x380fffffffffffff,
    0x47efffffe0000000, 0x47efffffffffffff, 0x3fdfffffffffffff, 0x4330000000000001,
};
// clang-format on

// f registers: which lane a register of the given precision comes from.
unsigned single_reg(Rng& r) { return (r.below(8)) + (r.chance(50) ? 0 : 16); }
unsigned double_reg(Rng& r) { return (r.below(8)) + (r.chance(50) ? 8 : 24); }

// x registers: x2 (sp), x8 and x9 (reachable from RVC) start as pointers
// into the data page; results mostly go elsewhere.
constexpr unsigned kPointers[] = {2, 8, 9};
unsigned any_x(Rng& r) { return r.chance(70) ? 5 + r.below(11) : r.below(32); }
unsigned dest_x(Rng& r) {
    static constexpr unsigned pool[] = {1, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 28, 29, 30, 31};
    return r.chance(90) ? r.pick(pool) : r.below(32);
}
unsigned pointer_x(Rng& r, unsigned percent = 93) {
    return r.chance(percent) ? r.pick(kPointers) : r.below(32);
}

uint64_t int_value(Rng& r) {
    switch (r.below(6)) {
    case 0: return r.next();
    case 1: return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(r.next())));
    case 2: return static_cast<uint64_t>(static_cast<int64_t>(r.below(33)) - 16);
    case 3: return DATA + r.below(DATA_SIZE);
    default: return r.pick(kInts) + (r.chance(20) ? r.below(3) - 1 : 0);
    }
}
uint64_t single_value(Rng& r) {
    uint32_t v = r.chance(75) ? r.pick(kSingles) : static_cast<uint32_t>(r.next());
    return 0xffffffff00000000ull | v;
}
uint64_t double_value(Rng& r) { return r.chance(75) ? r.pick(kDoubles) : r.next(); }

uint32_t set_field(uint32_t w, int lo, int width, uint32_t v) {
    uint32_t m = ((1u << width) - 1) << lo;
    return (w & ~m) | ((v << lo) & m);
}

// The rounding mode: mostly a valid one or dyn, sometimes a reserved one.
uint32_t rounding(Rng& r, bool dirty) {
    static constexpr uint32_t valid[] = {0, 1, 2, 3, 4, 7};
    return !dirty || r.chance(90) ? r.pick(valid) : 5 + r.below(2);
}

int32_t mem_offset(Rng& r, unsigned size) {
    if (r.chance(5)) return static_cast<int32_t>(r.below(4096)) - 2048;
    int32_t off = (static_cast<int32_t>(r.below(64)) - 32) * static_cast<int32_t>(size);
    return r.chance(15) ? off + static_cast<int32_t>(r.below(size)) : off;
}
uint32_t set_imm_i(uint32_t w, int32_t imm) { return set_field(w, 20, 12, uint32_t(imm)); }
uint32_t set_imm_s(uint32_t w, int32_t imm) {
    return set_field(set_field(w, 7, 5, uint32_t(imm)), 25, 7, uint32_t(imm) >> 5);
}

// The precision of an F/D row: the fmt field, or the width of a load/store.
bool is_double_row(const InsnDesc& d) {
    uint32_t op = d.match & 0x7f;
    if (op == 0x07 || op == 0x27) return ((d.match >> 12) & 7) == 3;
    return ((d.match >> 25) & 3) == 1;
}

// The rows we draw from: everything but the CSR and privileged
// instructions (CSRs are drawn apart; mret, sret and wfi change the
// privilege or stop the hart, which is beyond this fuzzer).
const std::vector<const InsnDesc*>& rows() {
    static const std::vector<const InsnDesc*> all = [] {
        std::vector<const InsnDesc*> v;
        for (auto table : riscv::insn_tables()) {
            for (const InsnDesc& d : table) {
                std::string_view n = d.name;
                if (n.starts_with("csr") || n == "mret" || n == "sret" || n == "wfi" ||
                    n == "ecall" || n == "ebreak")
                    continue;
                if (d.ext != 0 && (d.ext & kUnicornExts) == 0) continue;
                v.push_back(&d);
            }
        }
        return v;
    }();
    return all;
}

// A row with its operands chosen.
Insn from_row(Rng& r, const InsnDesc& d, bool dirty) {
    uint32_t w = d.match | (static_cast<uint32_t>(r.next()) & ~d.mask);
    Insn in;
    std::string_view n = d.name;
    bool dbl = is_double_row(d);
    auto f = [&](bool is_double) { return is_double ? double_reg(r) : single_reg(r); };
    // Conversions between the precisions: rd and rs1 in different lanes.
    bool rs1_double = n == "fcvt.s.d" ? true : n == "fcvt.d.s" ? false : dbl;
    bool rd_double = n == "fcvt.s.d" ? false : n == "fcvt.d.s" ? true : dbl;
    switch (d.format) {
    case Format::R:
    case Format::R1:
    case Format::I_RNUM:
    case Format::I:
    case Format::I_SHIFT:
    case Format::I_SHIFTW:
    case Format::U:
        w = set_field(w, 7, 5, dest_x(r));
        w = set_field(w, 15, 5, any_x(r));
        w = set_field(w, 20, 5, d.format == Format::R ? any_x(r) : (w >> 20) & 31);
        if (d.format == Format::I && r.chance(50))
            w = set_imm_i(w, static_cast<int32_t>(int_value(r) & 0xfff));
        break;
    case Format::LOAD: {
        unsigned size = 1u << ((w >> 12) & 3);
        w = set_imm_i(set_field(set_field(w, 7, 5, dest_x(r)), 15, 5, pointer_x(r)),
                      mem_offset(r, size));
        break;
    }
    case Format::S: {
        unsigned size = 1u << ((w >> 12) & 3);
        w = set_imm_s(set_field(set_field(w, 20, 5, any_x(r)), 15, 5, pointer_x(r)),
                      mem_offset(r, size));
        break;
    }
    case Format::F_LOAD:
        w = set_imm_i(set_field(set_field(w, 7, 5, f(dbl)), 15, 5, pointer_x(r)),
                      mem_offset(r, dbl ? 8 : 4));
        break;
    case Format::F_STORE:
        w = set_imm_s(set_field(set_field(w, 20, 5, f(dbl)), 15, 5, pointer_x(r)),
                      mem_offset(r, dbl ? 8 : 4));
        break;
    case Format::AMO:
    case Format::LR:
        w = set_field(set_field(w, 7, 5, dest_x(r)), 15, 5, pointer_x(r, 97));
        if (d.format == Format::AMO) w = set_field(w, 20, 5, any_x(r));
        break;
    case Format::B:
    case Format::J:
        if (d.format == Format::J)
            w = set_field(w, 7, 5, r.chance(50) ? 0 : dest_x(r));
        else
            w = set_field(set_field(w, 15, 5, any_x(r)), 20, 5, any_x(r));
        if (r.chance(85)) in.target = 0; // chosen by the caller
        break;
    case Format::F_FFF_RM:
    case Format::F_FFF:
    case Format::F_FFFF_RM:
    case Format::F_FF_RM:
        w = set_field(w, 7, 5, f(rd_double));
        w = set_field(w, 15, 5, f(rs1_double));
        if (d.format != Format::F_FF_RM) w = set_field(w, 20, 5, f(dbl));
        if (d.format == Format::F_FFFF_RM) w = set_field(w, 27, 5, f(dbl));
        break;
    case Format::F_XF_RM:
    case Format::F_XF:
    case Format::F_XFF:
        w = set_field(set_field(w, 7, 5, dest_x(r)), 15, 5, f(dbl));
        if (d.format == Format::F_XFF) w = set_field(w, 20, 5, f(dbl));
        break;
    case Format::F_FX_RM:
    case Format::F_FX: w = set_field(set_field(w, 7, 5, f(dbl)), 15, 5, any_x(r)); break;
    default: break;
    }
    switch (d.format) {
    case Format::F_FFF_RM:
    case Format::F_FFFF_RM:
    case Format::F_FF_RM:
    case Format::F_XF_RM:
    case Format::F_FX_RM: w = set_field(w, 12, 3, rounding(r, dirty)); break;
    default: break;
    }
    in.raw = w;
    return in;
}

// A CSR instruction: mostly the FP CSRs, sometimes a CSR that exists on
// neither side.
uint32_t csr_insn(Rng& r, bool dirty) {
    static constexpr uint32_t f3s[] = {1, 2, 3, 5, 6, 7};
    uint32_t csr = !dirty || r.chance(70) ? 1 + r.below(3)
                   : r.chance(50)         ? 0x004 + r.below(0x3c)
                                          : 0x800 + r.below(0x100);
    uint32_t f3 = r.pick(f3s);
    uint32_t src = f3 >= 5 ? r.below(32) : any_x(r);
    return csr << 20 | src << 15 | f3 << 12 | (r.chance(80) ? dest_x(r) : 0) << 7 | 0x73;
}

// A random 32-bit word, kept away from the privileged instructions and from
// CSRs whose values are the implementation's own (misa, mhartid, counters).
Insn random_word(Rng& r) {
    Insn in;
    in.raw = static_cast<uint32_t>(r.next()) | 3;
    uint32_t op = in.raw & 0x7f;
    if (op == 0x73) {
        uint32_t f3 = (in.raw >> 12) & 7;
        if (f3 != 0 && f3 != 4) in.raw = csr_insn(r, true);
        if (in.raw == 0x30200073 || in.raw == 0x10200073 || in.raw == 0x10500073)
            in.raw = 0x00000073;
    }
    in.mixes_fp_widths = is_fp_encoding(in.raw);
    return in;
}

// A compressed instruction: a random parcel in one of the three quadrants,
// shaped like the 32-bit ones (pointers for memory, lanes for FP, targets
// for branches). `shaped` false leaves it as drawn.
Insn compressed(Rng& r, bool shaped) {
    Insn in;
    in.len = 2;
    uint16_t p;
    do {
        p = static_cast<uint16_t>(r.next());
        // Shaped ones are valid: our expansion knows them (and Unicorn's
        // reserved-encoding bug, in the allow-list, stays out of the way).
    } while ((p & 3) == 3 || (shaped && !riscv::rvc_expand(p)));
    if (!shaped) {
        in.raw = p;
        in.mixes_fp_widths = is_fp_encoding(p);
        return in;
    }
    uint32_t q = p & 3, f3 = p >> 13;
    auto set = [&](int lo, int width, uint32_t v) {
        p = static_cast<uint16_t>(set_field(p, lo, width, v));
    };
    // Results mostly go to x10-x15 (or beyond), not to the pointers.
    auto rd_prime = [&](int lo) { set(lo, 3, r.chance(90) ? 2 + r.below(6) : r.below(8)); };
    auto rd_full = [&](int lo) { set(lo, 5, dest_x(r)); };
    if (q == 0) {
        if (f3 != 0 && f3 != 4) set(7, 3, r.chance(85) ? r.below(2) : r.below(8)); // rs1': x8/x9
        if (f3 == 1 || f3 == 5)
            set(2, 3, r.below(8)); // fd': f8-f15, the double lane
        else if (f3 == 0 || f3 == 2 || f3 == 3)
            rd_prime(2);
    } else if (q == 1 && f3 <= 3 && !(f3 == 3 && ((p >> 7) & 31) == 2 && r.chance(30))) {
        if (((p >> 7) & 31) != 0) rd_full(7); // c.addi, c.addiw, c.li, c.lui (c.addi16sp rarely)
    } else if (q == 1 && f3 == 4) {
        rd_prime(7);
    } else if (q == 2 && (f3 == 0 || f3 == 2 || f3 == 3) && ((p >> 7) & 31) != 0) {
        rd_full(7);
    } else if (q == 2 && (f3 == 1 || f3 == 5)) {
        set(f3 == 1 ? 7 : 2, 5, double_reg(r)); // c.fldsp / c.fsdsp
    } else if (q == 1 && (f3 == 5 || f3 == 6 || f3 == 7)) {
        if (r.chance(85)) in.target = 0;
    } else if (q == 2 && f3 == 4 && ((p >> 2) & 31) == 0 && r.chance(70)) {
        // c.jr / c.jalr / c.ebreak: mostly turned into c.mv / c.add.
        set(2, 5, 1 + r.below(31));
        rd_full(7);
    } else if (q == 2 && f3 == 4 && ((p >> 7) & 31) != 0) {
        rd_full(7); // c.mv, c.add
    }
    in.raw = p;
    return in;
}

uint32_t cj_offset(uint32_t p, int32_t off) {
    uint32_t o = static_cast<uint32_t>(off);
    uint32_t enc = ((o >> 11) & 1) << 12 | ((o >> 4) & 1) << 11 | ((o >> 8) & 3) << 9 |
                   ((o >> 10) & 1) << 8 | ((o >> 6) & 1) << 7 | ((o >> 7) & 1) << 6 |
                   ((o >> 1) & 7) << 3 | ((o >> 5) & 1) << 2;
    return (p & ~0x1ffcu) | enc;
}
uint32_t cb_offset(uint32_t p, int32_t off) {
    uint32_t o = static_cast<uint32_t>(off);
    uint32_t enc = ((o >> 8) & 1) << 12 | ((o >> 3) & 3) << 10 | ((o >> 6) & 3) << 5 |
                   ((o >> 1) & 3) << 3 | ((o >> 5) & 1) << 2;
    return (p & ~0x1c7cu) | enc;
}
uint32_t b_offset(uint32_t w, int32_t off) {
    uint32_t u = static_cast<uint32_t>(off);
    uint32_t enc = ((u >> 12) & 1) << 31 | ((u >> 5) & 0x3f) << 25 | ((u >> 1) & 0xf) << 8 |
                   ((u >> 11) & 1) << 7;
    return (w & 0x01fff07f) | enc;
}
uint32_t j_offset(uint32_t w, int32_t off) {
    uint32_t u = static_cast<uint32_t>(off);
    uint32_t enc = ((u >> 20) & 1) << 31 | ((u >> 1) & 0x3ff) << 21 | ((u >> 11) & 1) << 20 |
                   ((u >> 12) & 0xff) << 12;
    return (w & 0xfff) | enc;
}

// Writes `off` into the branch or jump `raw`.
uint32_t with_offset(uint32_t raw, uint8_t len, int32_t off) {
    if (len == 2) return ((raw >> 13) == 5) ? cj_offset(raw, off) : cb_offset(raw, off);
    return (raw & 0x7f) == 0x6f ? j_offset(raw, off) : b_offset(raw, off);
}

} // namespace

Stream generate_stream(uint64_t seed, uint64_t index, unsigned length) {
    Rng r(seed * 0x2545f4914f6cdd1dull ^ (index + 1) * 0x9e3779b97f4a7c15ull);
    Stream s;
    for (unsigned i = 1; i < 32; i++)
        s.x[i] = int_value(r);
    // Half the streams are clean: valid encodings in a valid setting, to
    // go deep; the others add invalid ones and reserved rounding modes.
    bool dirty = r.chance(50);
    for (unsigned p : kPointers) {
        if (r.chance(90)) s.x[p] = DATA + 0x100 + (r.below(0xe00) & (r.chance(95) ? ~7u : ~0u));
    }
    for (unsigned i = 0; i < 32; i++)
        s.f[i] = (i & 8) ? double_value(r) : single_value(r);
    uint32_t frm = !dirty || r.chance(85) ? r.below(5) : 5 + r.below(3);
    s.fcsr = frm << 5 | (r.chance(30) ? r.below(32) : 0);
    for (size_t off = 0; off < DATA_SIZE; off += 8) {
        uint64_t v = r.chance(40)   ? int_value(r)
                     : r.chance(50) ? double_value(r)
                                    : (single_value(r) << 32 | (single_value(r) & 0xffffffff));
        std::memcpy(&s.data[off], &v, 8);
    }

    const auto& table = rows();
    for (unsigned i = 0; i < length; i++) {
        unsigned kind = r.below(dirty ? 100 : 93);
        Insn in;
        if (kind < 70) {
            in = from_row(r, *table[r.below(static_cast<uint32_t>(table.size()))], dirty);
        } else if (kind < 88) {
            in = compressed(r, true);
        } else if (kind < 93) {
            in.raw = csr_insn(r, dirty);
        } else if (kind < 97) {
            in = random_word(r);
        } else if (kind < 99) {
            in = compressed(r, false);
        } else {
            static constexpr uint32_t traps[] = {0x00000073, 0x00100073, 0x9002};
            in.raw = r.pick(traps);
            in.len = in.raw == 0x9002 ? 2 : 4;
        }
        // Forward, within reach of the shortest branch (c.beqz: 256 bytes).
        if (in.target == 0)
            in.target = static_cast<int>(i + 1 + r.below(std::min(length - i, 16u)));
        s.insns.push_back(in);
    }
    return s;
}

bool is_fp_encoding(uint32_t raw) {
    if ((raw & 3) != 3) {
        uint32_t q = raw & 3, f3 = (raw >> 13) & 7;
        return (q == 0 || q == 2) && (f3 == 1 || f3 == 5);
    }
    uint32_t op = raw & 0x7f;
    return op == 0x07 || op == 0x27 || op == 0x43 || op == 0x47 || op == 0x4b || op == 0x4f ||
           op == 0x53;
}

bool Stream::starts_insn(uint64_t pc) const {
    uint64_t a = CODE;
    for (const Insn& in : insns) {
        if (a == pc) return true;
        a += in.len;
    }
    return a == pc;
}

uint64_t Stream::end() const {
    uint64_t a = CODE;
    for (const Insn& in : insns)
        a += in.len;
    return a;
}

std::vector<uint8_t> Stream::code_page() const {
    std::vector<uint8_t> page(CODE_SIZE);
    std::vector<uint64_t> addr;
    uint64_t a = CODE;
    for (const Insn& in : insns) {
        addr.push_back(a);
        a += in.len;
    }
    addr.push_back(a);
    for (size_t i = 0; i < insns.size(); i++) {
        const Insn& in = insns[i];
        uint32_t raw = in.raw;
        if (in.target >= 0)
            raw = with_offset(raw, in.len, static_cast<int32_t>(addr[in.target] - addr[i]));
        std::memcpy(&page[addr[i] - CODE], &raw, in.len);
    }
    std::memcpy(&page[a - CODE], &JAL_SELF, 4);
    std::memcpy(&page[TRAP_VECTOR - CODE], &JAL_SELF, 4);
    return page;
}

Stream Stream::without(size_t i) const {
    Stream s = *this;
    Insn& in = s.insns[i];
    in = Insn{in.len == 2 ? 0x0001u : 0x00000013u, in.len};
    return s;
}

std::string Stream::listing() const {
    std::vector<uint8_t> page = code_page();
    std::string out;
    uint64_t a = CODE;
    for (const Insn& in : insns) {
        uint32_t raw = 0;
        std::memcpy(&raw, &page[a - CODE], in.len);
        if (raw != 0x13 && raw != 0x1) {
            out += fmt::format("  0x{:x}: {} {}\n", a,
                               in.len == 2 ? fmt::format("{:04x}    ", raw)
                                           : fmt::format("{:08x}", raw),
                               riscv::disassemble(raw, a));
        }
        a += in.len;
    }
    return out;
}

} // namespace mq::fuzz
