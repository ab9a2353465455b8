// scripts/bench: whole-emulator benchmarks on Google Benchmark.
//
// Each benchmark boots a guest on the virt machine, runs it to its exit and
// times it (manual time: the wall clock of the child process), on miniqemu
// and, when it is installed, on qemu-system-riscv64 in the same run:
//   compute   guest instructions per second on an integer workload
//   mmio      edu liveness-register accesses per second
//   startup   start-to-exit time of a guest that powers off at once
//   memory    peak resident memory of that trivial guest with -m 128M
//   parallel  the parallel compute guest (one loop per hart) with -smp 1
//             and -smp 2: how much more work two harts do in a second
// Guest work is measured net of start-up: each workload's time minus the
// trivial guest's, the best of its runs each. The runs of both emulators are
// interleaved at random (see main). At the end the ratios to QEMU are printed
// against the targets.
#include <benchmark/benchmark.h>

#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <map>
#include <optional>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Emulator {
    std::string name;
    std::string path;
};

struct RunResult {
    double seconds = 0;
    long max_rss_kb = 0;
    int status = -1;
};

// Runs `path args...` with stdout (to `out`, or discarded) and stderr
// discarded, timing it.
RunResult run_once(const std::string& path, const std::vector<std::string>& args,
                   const char* out = "/dev/null") {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(path.c_str()));
    for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    auto start = std::chrono::steady_clock::now();
    pid_t pid;
    RunResult r;
    if (posix_spawn(&pid, path.c_str(), &fa, nullptr, argv.data(), environ) != 0) return r;
    int status = 0;
    struct rusage ru {};
    wait4(pid, &status, 0, &ru);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.max_rss_kb = ru.ru_maxrss;
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    posix_spawn_file_actions_destroy(&fa);
    return r;
}

std::vector<std::string> guest_args(const std::string& elf, std::vector<std::string> extra = {}) {
    std::vector<std::string> a = {
        "-M",        "virt", "-m",      "128M",
        "-bios",     "none", "-kernel", std::string(GUEST_DIR) + "/" + elf,
        "-nographic"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}

// What each (benchmark, emulator) measured, for the summary.
std::map<std::string, std::vector<double>> g_seconds;
std::map<std::string, long> g_rss;

bool g_failed = false; // a guest did not run to a clean exit

void bench_guest(benchmark::State& state, const Emulator& emu, const std::string& what,
                 const std::vector<std::string>& args) {
    for (auto _ : state) {
        RunResult r = run_once(emu.path, args);
        if (r.status != 0) {
            g_failed = true;
            state.SkipWithError("the guest did not exit with status 0");
            return;
        }
        state.SetIterationTime(r.seconds);
        g_seconds[what + "/" + emu.name].push_back(r.seconds);
        g_rss[what + "/" + emu.name] = std::max(g_rss[what + "/" + emu.name], r.max_rss_kb);
    }
}

double best(const std::string& key) {
    auto& v = g_seconds[key];
    return v.empty() ? 0 : *std::min_element(v.begin(), v.end());
}

// The compute guest's instruction count, as miniqemu counts it (minstret):
// the guest prints it.
double g_compute_instructions = 0;

void calibrate(const Emulator& ours) {
    char path[] = "/tmp/miniqemu-bench-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return;
    close(fd);
    run_once(ours.path, guest_args("bench-compute.elf"), path);
    if (FILE* f = std::fopen(path, "r")) {
        char line[256];
        while (std::fgets(line, sizeof line, f)) {
            unsigned long n;
            if (std::sscanf(line, "instructions %lu", &n) == 1) g_compute_instructions = double(n);
        }
        std::fclose(f);
    }
    unlink(path);
}
constexpr double kMmioAccesses = 1000000; // 500000 writes and 500000 reads

void summary(const std::vector<Emulator>& emus) {
    std::printf("\n%-10s %-12s %14s %14s %12s %12s\n", "emulator", "", "compute MIPS", "MMIO M/s",
                "startup ms", "peak MiB");
    std::map<std::string, std::array<double, 4>> m;
    for (const auto& e : emus) {
        double startup = best("startup/" + e.name);
        double compute = best("compute/" + e.name) - startup;
        double mmio = best("mmio/" + e.name) - startup;
        double mips = compute > 0 ? g_compute_instructions / compute / 1e6 : 0;
        double mmios = mmio > 0 ? kMmioAccesses / mmio / 1e6 : 0;
        double rss = g_rss["startup/" + e.name] / 1024.0;
        m[e.name] = {mips, mmios, startup * 1000, rss};
        std::printf("%-10s %-12s %14.1f %14.2f %12.1f %12.1f\n", e.name.c_str(), "", mips, mmios,
                    startup * 1000, rss);
    }
    if (!m.count("qemu")) {
        std::printf("\nqemu-system-riscv64 is not installed: no ratios.\n");
        return;
    }
    auto& o = m["miniqemu"];
    auto& q = m["qemu"];
    // One ratio against its target; a benchmark that failed (a zero on
    // either side) is reported as not measured, never as met.
    auto line = [&](const char* what, int k, const char* target, bool higher_is_better,
                    double bound) {
        if (o[k] <= 0 || q[k] <= 0) {
            std::printf("  %-34s %9s   target %-8s NOT MEASURED\n", what, "-", target);
            return;
        }
        double ratio = o[k] / q[k];
        bool ok = higher_is_better ? ratio >= bound : ratio <= bound;
        std::printf("  %-34s %8.2fx   target %-8s %s\n", what, ratio, target,
                    ok ? "met" : "NOT MET");
    };
    std::printf("\nminiqemu / QEMU (measured in this run):\n");
    // The goals of the speed issue (11).
    line("compute speed", 0, ">= 0.45", true, 0.45);
    line("MMIO speed", 1, ">= 2", true, 2.0);
    line("start-to-exit time", 2, "<= 0.2", false, 0.2);
    line("peak memory (-m 128M)", 3, "<= 0.25", false, 0.25);
    // Harts on host threads: -smp 2 does twice the work; its throughput
    // over -smp 1's, on each emulator.
    std::printf("\nparallel compute, throughput of -smp 2 over -smp 1 (target >= 1.8):\n");
    for (const auto& e : emus) {
        double startup = best("startup/" + e.name);
        double one = best("parallel1/" + e.name) - startup;
        double two = best("parallel2/" + e.name) - startup;
        if (one <= 0 || two <= 0) {
            std::printf("  %-10s NOT MEASURED\n", e.name.c_str());
            continue;
        }
        double speedup = 2 * one / two;
        std::printf("  %-10s %6.2fx   (-smp 1 %.3f s, -smp 2 %.3f s)%s\n", e.name.c_str(), speedup,
                    one, two,
                    e.name == "miniqemu" ? (speedup >= 1.8 ? "   met" : "   NOT MET") : "");
    }
}

} // namespace

int main(int argc, char** argv) {
    std::vector<Emulator> emus = {{"miniqemu", MINIQEMU_BINARY}};
    for (const char* dir : {"/usr/bin/", "/usr/local/bin/"}) {
        std::string q = std::string(dir) + "qemu-system-riscv64";
        if (access(q.c_str(), X_OK) == 0) {
            emus.push_back({"qemu", q});
            break;
        }
    }
    for (const auto& e : emus) {
        benchmark::RegisterBenchmark(("startup/" + e.name).c_str(), bench_guest, e, "startup",
                                     guest_args("bench-trivial.elf"))
            ->UseManualTime()
            ->Unit(benchmark::kMillisecond)
            ->Iterations(1)
            ->Repetitions(10)
            ->DisplayAggregatesOnly(true);
        benchmark::RegisterBenchmark(("compute/" + e.name).c_str(), bench_guest, e, "compute",
                                     guest_args("bench-compute.elf"))
            ->UseManualTime()
            ->Unit(benchmark::kMillisecond)
            ->Iterations(1)
            ->Repetitions(5)
            ->DisplayAggregatesOnly(true);
        benchmark::RegisterBenchmark(("mmio/" + e.name).c_str(), bench_guest, e, "mmio",
                                     guest_args("bench-mmio.elf", {"-device", "edu"}))
            ->UseManualTime()
            ->Unit(benchmark::kMillisecond)
            ->Iterations(1)
            ->Repetitions(5)
            ->DisplayAggregatesOnly(true);
        for (int harts : {1, 2}) {
            std::string what = "parallel" + std::to_string(harts);
            benchmark::RegisterBenchmark(
                (what + "/" + e.name).c_str(), bench_guest, e, what,
                guest_args("bench-parallel.elf", {"-smp", std::to_string(harts)}))
                ->UseManualTime()
                ->Unit(benchmark::kMillisecond)
                ->Iterations(1)
                ->Repetitions(3)
                ->DisplayAggregatesOnly(true);
        }
    }
    calibrate(emus.front());
    std::printf("compute guest: %.0f instructions\n", g_compute_instructions);
    // Each run is a repetition of its own, and the repetitions of all
    // benchmarks go in a random order: miniqemu's runs and QEMU's are spread
    // over the same stretch of time, so a drift of the host's speed weighs on
    // both alike. An explicit flag on the command line comes later and wins.
    std::vector<char*> args(argv, argv + argc);
    char interleave[] = "--benchmark_enable_random_interleaving=true";
    args.insert(args.begin() + 1, interleave);
    int nargs = static_cast<int>(args.size());
    benchmark::Initialize(&nargs, args.data());
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    summary(emus);
    return g_failed ? 1 : 0;
}
