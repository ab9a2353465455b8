#!/usr/bin/env python3
"""A/B timing of miniqemu builds on one guest, for a change's before and after.

    tests/bench/ab.py [--runs N] [--guest ELF] [--smp N] [--device D] BIN [BIN ...]

Runs the guest (by default the compute benchmark guest) under each binary
in turn, N times round, and prints each binary's median and minimum CPU time
(user + system, of all its threads). The host's speed drifts, by tens of
percent over minutes on a shared machine: only binaries timed in the same
call, turn by turn, can be compared. Copy a build's binary aside before
rebuilding, then time the copy against the new build.

scripts/bench is what measures the speed against QEMU; this compares two
versions of miniqemu with each other.
"""
import argparse
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_GUEST = os.path.join(HERE, "..", "..", "build-release", "tests", "guest",
                             "bench-compute.elf")


def cpu_seconds(binary, guest, smp, extra=()):
    """Runs one guest to its end; its CPU time, with its output discarded."""
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        try:
            os.execv(binary, [binary, "-M", "virt", "-m", "128M", "-smp", str(smp), "-bios",
                              "none", "-kernel", guest, "-nographic", *extra])
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        sys.exit("ab.py: %s exited with status %d" % (binary, status))
    return usage.ru_utime + usage.ru_stime


def main():
    p = argparse.ArgumentParser(description="A/B timing of miniqemu builds on one guest")
    p.add_argument("--runs", type=int, default=9, help="rounds (default 9)")
    p.add_argument("--guest", default=DEFAULT_GUEST, help="the guest ELF")
    p.add_argument("--smp", type=int, default=1)
    p.add_argument("--device", action="append", default=[],
                   help="a -device for the guest (repeatable), e.g. edu for bench-mmio.elf")
    p.add_argument("binaries", nargs="+")
    a = p.parse_args()
    times = {b: [] for b in a.binaries}
    for _ in range(a.runs):
        for b in a.binaries:
            extra = [arg for d in a.device for arg in ("-device", d)]
            times[b].append(cpu_seconds(b, a.guest, a.smp, extra))
    for b in a.binaries:
        t = times[b]
        print("%-40s median %.4f s  min %.4f s  (%d runs)" %
              (b, statistics.median(t), min(t), len(t)))


if __name__ == "__main__":
    main()
