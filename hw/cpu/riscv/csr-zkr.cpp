// Zkr, the entropy source (scalar crypto spec, chapter "Entropy Source"):
// the seed CSR, and mseccfg's bits that let S and U mode read it.
//
// Each read of seed returns 16 fresh bits from the host's random source
// with OPST = ES16; WAIT while the host's source is not ready, DEAD if it
// fails. seed must be
// accessed with a read-write instruction (csrrw, or csrrs/csrrc with a
// source other than x0): a plain read is illegal (CsrDef::min_access). What
// is written is ignored.
//
// mseccfg exists here because Zkr defines its USEED and SSEED bits (the
// spec; QEMU 7.2 only has mseccfg with ePMP, which miniqemu lacks).
#include "hw/cpu/riscv/csr.h"

#include <cerrno>

#include <sys/random.h>

namespace mq::riscv {

namespace {

constexpr uint64_t SEED_OPST_WAIT = 1ull << 30;
constexpr uint64_t SEED_OPST_ES16 = 2ull << 30;
constexpr uint64_t SEED_OPST_DEAD = 3ull << 30;
constexpr uint64_t MSECCFG_USEED = 1ull << 8;
constexpr uint64_t MSECCFG_SSEED = 1ull << 9;

uint64_t seed_read(Hart&) {
    uint16_t v = 0;
    ssize_t n = getrandom(&v, sizeof v, GRND_NONBLOCK);
    if (n == static_cast<ssize_t>(sizeof v)) return SEED_OPST_ES16 | v;
    // The host's pool is not ready yet, or a signal came: the guest polls
    // again, as it would for a real source warming up.
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return SEED_OPST_WAIT;
    return SEED_OPST_DEAD;
}

// M always; S and U when mseccfg lets them.
bool seed_allowed(const Hart& h) {
    switch (h.priv) {
    case PRV_M: return true;
    case PRV_S: return (h.mseccfg & MSECCFG_SSEED) != 0;
    default: return (h.mseccfg & MSECCFG_USEED) != 0;
    }
}

// clang-format off
constexpr CsrDef kZkr[] = {
    {0x015, "seed", seed_read, [](Hart&, uint64_t) {}, seed_allowed, nullptr, ext_bit(Ext::Zkr),
     CsrAccess::ReadWrite},
    {0x747, "mseccfg", [](Hart& h) { return h.mseccfg; },
     [](Hart& h, uint64_t v) { h.mseccfg = v & (MSECCFG_USEED | MSECCFG_SSEED); }, nullptr, nullptr,
     ext_bit(Ext::Zkr)},
};
// clang-format on

} // namespace

std::span<const CsrDef> csr_table_zkr() { return kZkr; }

} // namespace mq::riscv
