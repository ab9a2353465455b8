// insn_diff_fuzz: runs seeded random instruction streams on our hart and on
// Unicorn from the same state, and reports where they end differently.
//
//   insn_diff_fuzz SEED COUNT [--stream-length N] [--seconds S] [--only INDEX] [--trace]
//
// COUNT streams (or as many as fit in S seconds), stream i being
// generate_stream(SEED, i). A difference that the allow-list (compare.cpp)
// does not explain is minimised (instructions that do not matter become
// no-ops) and printed with the starting registers; the exit status is then 1.
// --trace logs each instruction our hart runs, with the registers it wrote
// (-d exec, on stderr): with --only, how one stream went on our side.
#include "core/log.h"
#include "tests/fuzz/compare.h"
#include "tests/fuzz/harts.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

namespace {

using namespace mq::fuzz;

struct Options {
    uint64_t seed = 0;
    uint64_t count = 0;
    unsigned length = 32;
    double seconds = 0;
    int64_t only = -1;
    bool trace = false;
};

[[noreturn]] void usage() {
    std::fprintf(stderr, "usage: insn_diff_fuzz SEED COUNT [--stream-length N] [--seconds S] "
                         "[--only INDEX] [--trace]\n");
    std::exit(2);
}

Options parse(int argc, char** argv) {
    Options o;
    int positional = 0;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) usage();
            return argv[++i];
        };
        if (a == "--stream-length")
            o.length = static_cast<unsigned>(std::strtoul(value(), nullptr, 0));
        else if (a == "--seconds")
            o.seconds = std::strtod(value(), nullptr);
        else if (a == "--only")
            o.only = std::strtoll(value(), nullptr, 0);
        else if (a == "--trace")
            o.trace = true;
        else if (a.starts_with("--"))
            usage();
        else if (positional == 0 && ++positional)
            o.seed = std::strtoull(a.c_str(), nullptr, 0);
        else if (positional == 1 && ++positional)
            o.count = std::strtoull(a.c_str(), nullptr, 0);
        else
            usage();
    }
    if (positional < 2 || o.length == 0 || o.length > 200) usage();
    return o;
}

struct Runner {
    OurHart ours;
    UnicornHart theirs;

    // The unexplained differences of `s`, empty when none.
    std::vector<std::string> differences(const Stream& s, const Allowance** allowance, Outcome* o,
                                         Outcome* t) {
        *o = ours.run(s);
        *t = theirs.run(s);
        *allowance = nullptr;
        // Both ran away: nothing to compare (nor a reproducer to keep).
        if (o->end == Outcome::End::Looped && t->end == Outcome::End::Looped) return {};
        auto diff = compare(*o, *t);
        if (diff.empty()) return diff;
        *allowance = allowed(s, *o, *t);
        if (*allowance) return diff;
        // A known Unicorn bug on the way: does the stream agree without it?
        // All rewrites at once, then each alone (a rewrite may also change
        // what a jump into the middle of an instruction runs, and with it
        // what another bug's rewrite needs to hold still).
        auto agrees = [&](const Allowance* only) {
            const Allowance* by;
            Stream r = rewritten(s, &by, only);
            if (!by) return false;
            Outcome ro = ours.run(r), rt = theirs.run(r);
            if (!compare(ro, rt).empty() && !allowed(r, ro, rt)) return false;
            *allowance = by;
            return true;
        };
        if (agrees(nullptr)) return diff;
        for (const Allowance& a : allow_list()) {
            if (a.rewrite && agrees(&a)) break;
        }
        return diff;
    }

    // Turns every instruction whose absence keeps an unexplained difference
    // into a no-op.
    Stream minimise(Stream s) {
        for (size_t i = 0; i < s.insns.size(); i++) {
            Stream t = s.without(i);
            const Allowance* a;
            Outcome o, u;
            if (!differences(t, &a, &o, &u).empty() && !a) s = t;
        }
        return s;
    }
};

void report(Runner& r, const Options& opt, uint64_t index, const Stream& s) {
    Stream m = r.minimise(s);
    const Allowance* a;
    Outcome o, t;
    auto diff = r.differences(m, &a, &o, &t);
    fmt::print("DIFFERENCE seed {} stream {} (minimised; rerun with --only {}):\n{}", opt.seed,
               index, index, m.listing());
    fmt::print("  start:");
    for (unsigned i = 1; i < 32; i++)
        fmt::print("{}x{}=0x{:x}", i % 8 == 0 ? "\n        " : " ", i, m.x[i]);
    fmt::print("\n       ");
    for (unsigned i = 0; i < 32; i++)
        fmt::print("{}f{}=0x{:x}", i % 8 == 0 && i ? "\n        " : " ", i, m.f[i]);
    fmt::print("\n        fcsr=0x{:02x}\n", m.fcsr);
    for (const std::string& d : diff) {
        if (d.starts_with("f")) {
            unsigned reg = static_cast<unsigned>(std::atoi(d.c_str() + 1));
            if (d[1] >= '0' && d[1] <= '9')
                fmt::print("  (f{} started as 0x{:016x})\n", reg, m.f[reg]);
        }
        fmt::print("  {}\n", d);
    }
    if (o.end == Outcome::End::Trapped) fmt::print("  our trap at 0x{:x}\n", o.epc);
    // Where Unicorn went: shows the jumps into the middle of an instruction
    // (and what ran there) that the listing above does not.
    fmt::print("  unicorn's blocks (start+size):");
    for (size_t i = 0; i < t.blocks.size() && i < 24; i++)
        fmt::print(" 0x{:x}+{}", t.blocks[i].first, t.blocks[i].second);
    fmt::print("{}\n", t.blocks.size() > 24 ? " ..." : "");
}

} // namespace

int main(int argc, char** argv) {
    Options opt = parse(argc, argv);
    if (opt.trace) mq::qemu_set_log(mq::LOG_EXEC);
    Runner r;
    std::map<std::string, uint64_t> allowed_counts;
    std::map<std::string, uint64_t> ends;
    uint64_t executions = 0, insns = 0, unexplained = 0, loops = 0;
    constexpr uint64_t kMaxReports = 20;
    auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    uint64_t first = opt.only >= 0 ? static_cast<uint64_t>(opt.only) : 0;
    uint64_t last = opt.only >= 0 ? first + 1 : opt.count;
    for (uint64_t i = first; i < last; i++) {
        if (opt.seconds > 0 && (i & 255) == 0 && elapsed() > opt.seconds) break;
        Stream s = generate_stream(opt.seed, i, opt.length);
        const Allowance* a;
        Outcome o, t;
        auto diff = r.differences(s, &a, &o, &t);
        executions++;
        insns += s.insns.size();
        if (o.end == Outcome::End::Looped && t.end == Outcome::End::Looped) {
            loops++;
            continue;
        }
        ends[o.end == Outcome::End::Trapped ? fmt::format("trap {}", o.cause) : "completed"]++;
        if (diff.empty()) continue;
        if (a) {
            allowed_counts[a->name]++;
            continue;
        }
        if (++unexplained <= kMaxReports) report(r, opt, i, s);
    }
    double secs = elapsed();
    fmt::print("insn_diff_fuzz: seed {}, {} executions ({} instructions) in {:.1f} s: {:.0f} "
               "streams/s\n",
               opt.seed, executions, insns, secs, executions / secs);
    fmt::print("  ends:");
    for (auto& [k, v] : ends)
        fmt::print(" {}={}", k, v);
    fmt::print(" both-looped={}\n", loops);
    fmt::print("  differences: {} unexplained", unexplained);
    for (auto& [k, v] : allowed_counts)
        fmt::print(", {} allowed ({})", v, k);
    fmt::print("\n");
    return unexplained ? 1 : 0;
}
