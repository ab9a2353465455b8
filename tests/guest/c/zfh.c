/* Zfh and Zfhmin, compared with QEMU 7.2 byte for byte: every half-precision
 * instruction on many operands, in every rounding mode, with the exception
 * flags. Results and flags are folded into hashes (one line per operand
 * group) so that the output stays readable; a mismatch names the operation,
 * the rounding mode and the group. Values go in and out through integer
 * moves (fmv.h.x, fmv.x.h), so nothing here depends on the compiler's idea
 * of half precision. Unary operations and conversions from half run over
 * all 65536 encodings. */
#include "guest.h"

#include <stdint.h>

enum { RNE, RTZ, RDN, RUP, RMM };
static const char* const kModeNames[] = {"rne", "rtz", "rdn", "rup", "rmm"};

static void set_rm(unsigned rm) { __asm__ volatile("fsrm %0" ::"r"(rm)); }

/* FNV-1a over 32-bit words. */
static uint32_t hash(uint32_t h, uint32_t v) {
    for (int i = 0; i < 4; i++) {
        h ^= (v >> (8 * i)) & 0xff;
        h *= 16777619u;
    }
    return h;
}
#define HASH_INIT 2166136261u

/* Each operation returns its result's bits and, above them, fflags. */
#define BINARY(fn, insn)                                                                           \
    static uint64_t fn(uint32_t a, uint32_t b) {                                                   \
        uint64_t r, fl;                                                                            \
        __asm__ volatile("fsflags zero\n fmv.h.x ft0, %2\n fmv.h.x ft1, %3\n " insn                \
                         " ft2, ft0, ft1\n fmv.x.h %0, ft2\n frflags %1"                           \
                         : "=&r"(r), "=&r"(fl)                                                     \
                         : "r"(a), "r"(b)                                                          \
                         : "ft0", "ft1", "ft2");                                                   \
        return (r & 0xffff) | fl << 16;                                                            \
    }
#define COMPARE(fn, insn)                                                                          \
    static uint64_t fn(uint32_t a, uint32_t b) {                                                   \
        uint64_t r, fl;                                                                            \
        __asm__ volatile("fsflags zero\n fmv.h.x ft0, %2\n fmv.h.x ft1, %3\n " insn                \
                         " %0, ft0, ft1\n frflags %1"                                              \
                         : "=&r"(r), "=&r"(fl)                                                     \
                         : "r"(a), "r"(b)                                                          \
                         : "ft0", "ft1");                                                          \
        return r | fl << 16;                                                                       \
    }
#define TERNARY(fn, insn)                                                                          \
    static uint64_t fn(uint32_t a, uint32_t b, uint32_t c) {                                       \
        uint64_t r, fl;                                                                            \
        __asm__ volatile(                                                                          \
            "fsflags zero\n fmv.h.x ft0, %2\n fmv.h.x ft1, %3\n fmv.h.x ft2, %4\n " insn           \
            " ft3, ft0, ft1, ft2\n fmv.x.h %0, ft3\n frflags %1"                                   \
            : "=&r"(r), "=&r"(fl)                                                                  \
            : "r"(a), "r"(b), "r"(c)                                                               \
            : "ft0", "ft1", "ft2", "ft3");                                                         \
        return (r & 0xffff) | fl << 16;                                                            \
    }
/* From a half in ft0 to whatever `out` moves into %0. */
#define UNARY(fn, insn, out)                                                                       \
    static uint64_t fn(uint32_t a) {                                                               \
        uint64_t r, fl;                                                                            \
        __asm__ volatile("fsflags zero\n fmv.h.x ft0, %2\n " insn "\n " out "\n frflags %1"        \
                         : "=&r"(r), "=&r"(fl)                                                     \
                         : "r"(a)                                                                  \
                         : "ft0", "ft1");                                                          \
        return r ^ fl << 59;                                                                       \
    }

BINARY(fadd_h, "fadd.h")
BINARY(fsub_h, "fsub.h")
BINARY(fmul_h, "fmul.h")
BINARY(fdiv_h, "fdiv.h")
BINARY(fmin_h, "fmin.h")
BINARY(fmax_h, "fmax.h")
BINARY(fsgnj_h, "fsgnj.h")
BINARY(fsgnjn_h, "fsgnjn.h")
BINARY(fsgnjx_h, "fsgnjx.h")
COMPARE(feq_h, "feq.h")
COMPARE(flt_h, "flt.h")
COMPARE(fle_h, "fle.h")
TERNARY(fmadd_h, "fmadd.h")
TERNARY(fmsub_h, "fmsub.h")
TERNARY(fnmadd_h, "fnmadd.h")
TERNARY(fnmsub_h, "fnmsub.h")
UNARY(fsqrt_h, "fsqrt.h ft1, ft0", "fmv.x.h %0, ft1")
UNARY(fclass_h, "fclass.h %0, ft0", "")
UNARY(fcvt_s_h, "fcvt.s.h ft1, ft0", "fmv.x.w %0, ft1")
UNARY(fcvt_d_h, "fcvt.d.h ft1, ft0", "fmv.x.d %0, ft1")
UNARY(fcvt_w_h, "fcvt.w.h %0, ft0", "")
UNARY(fcvt_wu_h, "fcvt.wu.h %0, ft0", "")
UNARY(fcvt_l_h, "fcvt.l.h %0, ft0", "")
UNARY(fcvt_lu_h, "fcvt.lu.h %0, ft0", "")
UNARY(fmv_x_h, "", "fmv.x.h %0, ft0")

/* To half from a single, a double or an integer register. */
#define TO_HALF(fn, type, in)                                                                      \
    static uint64_t fn(type a) {                                                                   \
        uint64_t r, fl;                                                                            \
        __asm__ volatile("fsflags zero\n " in "\n fmv.x.h %0, ft1\n frflags %1"                    \
                         : "=&r"(r), "=&r"(fl)                                                     \
                         : "r"(a)                                                                  \
                         : "ft0", "ft1");                                                          \
        return (r & 0xffff) | fl << 16;                                                            \
    }
TO_HALF(fcvt_h_s, uint32_t, "fmv.w.x ft0, %2\n fcvt.h.s ft1, ft0")
TO_HALF(fcvt_h_d, uint64_t, "fmv.d.x ft0, %2\n fcvt.h.d ft1, ft0")
TO_HALF(fcvt_h_w, uint64_t, "fcvt.h.w ft1, %2")
TO_HALF(fcvt_h_wu, uint64_t, "fcvt.h.wu ft1, %2")
TO_HALF(fcvt_h_l, uint64_t, "fcvt.h.l ft1, %2")
TO_HALF(fcvt_h_lu, uint64_t, "fcvt.h.lu ft1, %2")

/* The operands: the classes' edges, values whose sums, products and
 * quotients land on rounding ties, and pseudo-random ones. */
static const uint16_t kSpecial[] = {
    0x0000, 0x8000, 0x0001, 0x8001, 0x0002, 0x0003, 0x0100, 0x0200, 0x03ff, 0x83ff, 0x0400, 0x8400,
    0x0401, 0x07ff, 0x0800, 0x0c00, 0x1000, 0x1001, 0x1400, 0x2000, 0x2401, 0x3555, 0x37ff, 0x3800,
    0x3801, 0x3bff, 0x3c00, 0xbc00, 0x3c01, 0xbc01, 0x3c02, 0x3e00, 0x3fff, 0x4000, 0x4200, 0x4248,
    0x4400, 0x5640, 0x5bff, 0x6400, 0x6800, 0x6801, 0x6bff, 0xc880, 0x7800, 0x7bfe, 0x7bff, 0xfbff,
    0x7c00, 0xfc00, 0x7e00, 0xfe00, 0x7c01, 0x7d00, 0xfd55, 0x7fff, 0x7e55,
};
#define NSPECIAL (sizeof(kSpecial) / sizeof(kSpecial[0]))
#define NRANDOM 40
#define NVALUES (NSPECIAL + NRANDOM)
static uint16_t values[NVALUES];

static uint32_t rng_state = 12345;
static uint32_t rng(void) {
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

static void make_values(void) {
    for (unsigned i = 0; i < NSPECIAL; i++)
        values[i] = kSpecial[i];
    for (unsigned i = 0; i < NRANDOM; i++) {
        /* Mostly finite, with exponents near 1.0 so that sums round. */
        uint32_t r = rng();
        uint16_t exp = (uint16_t)(i < NRANDOM / 2 ? 12 + (r >> 16) % 8 : (r >> 16) % 31);
        values[NSPECIAL + i] = (uint16_t)((r & 0x8000) | exp << 10 | (r & 0x3ff));
    }
}

typedef uint64_t (*binary_fn)(uint32_t, uint32_t);

/* Every pair, in every rounding mode: one line per first operand. */
static void pairs(const char* name, binary_fn fn, int modes) {
    for (int rm = 0; rm < (modes ? 5 : 1); rm++) {
        set_rm((unsigned)rm);
        for (unsigned i = 0; i < NVALUES; i++) {
            uint32_t h = HASH_INIT;
            for (unsigned j = 0; j < NVALUES; j++)
                h = hash(h, (uint32_t)fn(values[i], values[j]));
            printf("%s %s %04x: %08lx\n", name, modes ? kModeNames[rm] : "-", values[i],
                   (unsigned long)h);
        }
    }
}

typedef uint64_t (*ternary_fn)(uint32_t, uint32_t, uint32_t);

/* fma on the first 32 special values and 16 random ones, all triples. */
static void triples(const char* name, ternary_fn fn) {
    static const unsigned idx[] = {0,  1,  2,  4,  7,  8,  10, 12, 13, 19, 21, 22, 23, 24, 25, 26,
                                   27, 28, 29, 31, 33, 34, 37, 42, 45, 46, 47, 48, 49, 50, 52, 53};
    unsigned n = sizeof(idx) / sizeof(idx[0]);
    for (int rm = 0; rm < 5; rm++) {
        set_rm((unsigned)rm);
        for (unsigned i = 0; i < n + 16; i++) {
            uint32_t a = i < n ? values[idx[i]] : values[NSPECIAL + i - n];
            uint32_t h = HASH_INIT;
            for (unsigned j = 0; j < n + 16; j++) {
                uint32_t b = j < n ? values[idx[j]] : values[NSPECIAL + j - n];
                for (unsigned k = 0; k < n + 16; k++) {
                    uint32_t c = k < n ? values[idx[k]] : values[NSPECIAL + k - n];
                    h = hash(h, (uint32_t)fn(a, b, c));
                }
            }
            printf("%s %s %04lx: %08lx\n", name, kModeNames[rm], (unsigned long)a,
                   (unsigned long)h);
        }
    }
}

typedef uint64_t (*unary_fn)(uint32_t);

/* Every half, in 16 groups of 4096. */
static void every_half(const char* name, unary_fn fn, int modes) {
    for (int rm = 0; rm < (modes ? 5 : 1); rm++) {
        set_rm((unsigned)rm);
        for (uint32_t group = 0; group < 16; group++) {
            uint32_t h = HASH_INIT;
            for (uint32_t x = group << 12; x < (group + 1) << 12; x++) {
                uint64_t r = fn(x);
                h = hash(hash(h, (uint32_t)r), (uint32_t)(r >> 32));
            }
            printf("%s %s %x***: %08lx\n", name, modes ? kModeNames[rm] : "-", group,
                   (unsigned long)h);
        }
    }
}

/* Narrowing: singles and doubles whose fractions put bits around half's
 * rounding point, at every exponent where a half result is not trivial. */
static const uint32_t kSingleFracs[] = {
    0,        1,        0x0fff,   0x1000,   0x1001,   0x1fff,   0x2000,   0x2001,
    0x3000,   0x5000,   0x6000,   0x7fe000, 0x7fefff, 0x7ff000, 0x7ff001, 0x7fffff,
    0x400000, 0x401000, 0x003000, 0x123456, 0x7fe001, 0x000800, 0x3ff000, 0x200000,
};
static const uint64_t kDoubleFracs[] = {
    0,
    1,
    0x3ffffffffffull,
    0x40000000000ull,
    0x40000000001ull,
    0x80000000000ull,
    0xc0000000000ull,
    0xbffffffffffull,
    0xfffc0000000000ull & 0xfffffffffffffull,
    0xffc0000000000ull,
    0xffbffffffffffull,
    0xfffffffffffffull,
    0x8000000000000ull,
    0x123456789abcdull,
};

static void narrowing(void) {
    for (int rm = 0; rm < 5; rm++) {
        set_rm((unsigned)rm);
        for (uint32_t exp = 96; exp <= 160; exp += 4) {
            uint32_t h = HASH_INIT;
            for (uint32_t e = exp; e < exp + 4; e++) {
                for (unsigned f = 0; f < sizeof(kSingleFracs) / 4; f++) {
                    for (uint32_t sign = 0; sign < 2; sign++)
                        h = hash(h, (uint32_t)fcvt_h_s(sign << 31 | e << 23 | kSingleFracs[f]));
                }
            }
            printf("fcvt.h.s %s exp %u: %08lx\n", kModeNames[rm], exp, (unsigned long)h);
        }
        uint32_t h = HASH_INIT;
        static const uint32_t kSingleEdges[] = {0, 1, 0xff};
        for (unsigned e = 0; e < 3; e++)
            for (unsigned f = 0; f < sizeof(kSingleFracs) / 4; f++)
                h = hash(h, (uint32_t)fcvt_h_s(kSingleEdges[e] << 23 | kSingleFracs[f]));
        printf("fcvt.h.s %s edges: %08lx\n", kModeNames[rm], (unsigned long)h);
        for (uint64_t exp = 1008; exp <= 1040; exp += 2) {
            uint32_t hd = HASH_INIT;
            for (uint64_t e = exp; e < exp + 2; e++) {
                for (unsigned f = 0; f < sizeof(kDoubleFracs) / 8; f++) {
                    for (uint64_t sign = 0; sign < 2; sign++)
                        hd = hash(hd, (uint32_t)fcvt_h_d(sign << 63 | e << 52 | kDoubleFracs[f]));
                }
            }
            printf("fcvt.h.d %s exp %lu: %08lx\n", kModeNames[rm], (unsigned long)exp,
                   (unsigned long)hd);
        }
        h = HASH_INIT;
        static const uint64_t kDoubleEdges[] = {0, 1, 900, 1100, 0x7ff};
        for (unsigned e = 0; e < 5; e++)
            for (unsigned f = 0; f < sizeof(kDoubleFracs) / 8; f++)
                h = hash(h, (uint32_t)fcvt_h_d(kDoubleEdges[e] << 52 | kDoubleFracs[f]));
        printf("fcvt.h.d %s edges: %08lx\n", kModeNames[rm], (unsigned long)h);
    }
}

static const uint64_t kInts[] = {
    0,
    1,
    2,
    3,
    2047,
    2048,
    2049,
    2050,
    2051,
    4095,
    4097,
    4098,
    4099,
    65504,
    65505,
    65519,
    65520,
    65535,
    65536,
    0x7fffffff,
    0x80000000,
    0xffffffff,
    0x100000000ull,
    ~0ull,
    ~1ull,
    ~2046ull,
    ~2048ull,
    ~65519ull,
    ~65520ull,
    0x8000000000000000ull,
    0x7fffffffffffffffull,
    0xffffffff80000000ull,
    0x00000000fffff000ull,
    0x1234,
    0x5555,
};

static void from_integers(void) {
    for (int rm = 0; rm < 5; rm++) {
        set_rm((unsigned)rm);
        for (unsigned i = 0; i < sizeof(kInts) / 8; i++) {
            uint64_t v = kInts[i];
            printf("fcvt.h.[w,wu,l,lu] %s %016lx: %06lx %06lx %06lx %06lx\n", kModeNames[rm],
                   (unsigned long)v, (unsigned long)fcvt_h_w(v), (unsigned long)fcvt_h_wu(v),
                   (unsigned long)fcvt_h_l(v), (unsigned long)fcvt_h_lu(v));
        }
    }
}

/* The instruction's own rounding mode wins over frm. */
static void static_modes(void) {
    set_rm(RUP);
    uint32_t a = 0x3c00, b = 0x0001; /* 1 + the smallest subnormal */
    uint64_t r[5];
#define STATIC(i, m)                                                                               \
    __asm__ volatile("fmv.h.x ft0, %1\n fmv.h.x ft1, %2\n fadd.h ft2, ft0, ft1, " m                \
                     "\n fmv.x.h %0, ft2"                                                          \
                     : "=r"(r[i])                                                                  \
                     : "r"(a), "r"(b)                                                              \
                     : "ft0", "ft1", "ft2")
    STATIC(0, "rne");
    STATIC(1, "rtz");
    STATIC(2, "rdn");
    STATIC(3, "rup");
    STATIC(4, "rmm");
    printf("fadd.h static modes: %lx %lx %lx %lx %lx\n", (unsigned long)r[0], (unsigned long)r[1],
           (unsigned long)r[2], (unsigned long)r[3], (unsigned long)r[4]);
}

/* NaN-boxing: what the registers hold around half values. */
static void boxing(void) {
    uint64_t boxed, unboxed_sum, moved, sgnj, cls;
    volatile uint16_t mem[2] = {0xbc00, 0};
    __asm__ volatile("flh ft0, 0(%1)\n fmv.x.d %0, ft0" : "=r"(boxed) : "r"(mem) : "ft0");
    /* A half operand whose upper bits are not all ones reads as 0x7e00. */
    __asm__ volatile("fmv.d.x ft0, %1\n fmv.h.x ft1, %2\n fadd.h ft2, ft0, ft1\n fmv.x.d %0, ft2"
                     : "=r"(unboxed_sum)
                     : "r"(0x000000003c00ull), "r"(0x3c00)
                     : "ft0", "ft1", "ft2");
    __asm__ volatile("fmv.d.x ft0, %1\n fmv.x.h %0, ft0"
                     : "=r"(moved)
                     : "r"(0x123456789abc8001ull)
                     : "ft0");
    __asm__ volatile("fmv.d.x ft0, %1\n fmv.h.x ft1, %2\n fsgnj.h ft2, ft1, ft0\n fmv.x.d %0, ft2"
                     : "=r"(sgnj)
                     : "r"(0xfffeffffffffbc00ull), "r"(0xbc00)
                     : "ft0", "ft1", "ft2");
    __asm__ volatile("fmv.d.x ft0, %1\n fclass.h %0, ft0"
                     : "=r"(cls)
                     : "r"(0x7fffffffffff3c00ull)
                     : "ft0");
    __asm__ volatile("fmv.h.x ft0, %0\n fsh ft0, 2(%1)" ::"r"(0xffff5a5a), "r"(mem)
                     : "ft0", "memory");
    printf("flh: %016lx\n", (unsigned long)boxed);
    printf("fadd.h of an unboxed operand: %016lx\n", (unsigned long)unboxed_sum);
    printf("fmv.x.h sign-extends: %016lx\n", (unsigned long)moved);
    printf("fsgnj.h with an unboxed sign source: %016lx\n", (unsigned long)sgnj);
    printf("fclass.h of an unboxed value: %lx\n", (unsigned long)cls);
    printf("fsh: %04x %04x\n", mem[0], mem[1]);
}

int main(void) {
    make_values();
    boxing();
    static_modes();
    pairs("fadd.h", fadd_h, 1);
    pairs("fsub.h", fsub_h, 1);
    pairs("fmul.h", fmul_h, 1);
    pairs("fdiv.h", fdiv_h, 1);
    pairs("fmin.h", fmin_h, 0);
    pairs("fmax.h", fmax_h, 0);
    pairs("fsgnj.h", fsgnj_h, 0);
    pairs("fsgnjn.h", fsgnjn_h, 0);
    pairs("fsgnjx.h", fsgnjx_h, 0);
    pairs("feq.h", feq_h, 0);
    pairs("flt.h", flt_h, 0);
    pairs("fle.h", fle_h, 0);
    triples("fmadd.h", fmadd_h);
    triples("fmsub.h", fmsub_h);
    triples("fnmadd.h", fnmadd_h);
    triples("fnmsub.h", fnmsub_h);
    every_half("fsqrt.h", fsqrt_h, 1);
    every_half("fclass.h", fclass_h, 0);
    every_half("fmv.x.h", fmv_x_h, 0);
    every_half("fcvt.s.h", fcvt_s_h, 0);
    every_half("fcvt.d.h", fcvt_d_h, 0);
    every_half("fcvt.w.h", fcvt_w_h, 1);
    every_half("fcvt.wu.h", fcvt_wu_h, 1);
    every_half("fcvt.l.h", fcvt_l_h, 1);
    every_half("fcvt.lu.h", fcvt_lu_h, 1);
    narrowing();
    from_integers();
    printf("done\n");
    return 0;
}
