#!/usr/bin/env python3
"""Linux on miniqemu against qemu-system-riscv64, in the same run.

Boots the Linux kit (scripts/linux-kit) on each emulator with the same
kernel and a fresh copy of the same ext4 root disk on virtio-blk, and
measures:
  - boot: from start to the shell prompt;
  - dd read / write: sequential virtio-blk throughput in the guest
    (reading the raw disk, writing a file with conv=fsync);
  - power-off: from `poweroff -f` to the emulator's exit.
Each figure is the median of --runs boots. Ratios are QEMU's time over
ours (above 1: miniqemu is faster) and our throughput over QEMU's.

usage: linux_bench.py --miniqemu PATH --kit DIR [--runs N]
"""
import argparse
import os
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

PROMPT = b"# "
FW = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf"


class Guest:
    def __init__(self, cmd):
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        self.buf = b""

    def expect(self, pattern, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            ready, _, _ = select.select([self.p.stdout], [], [], 0.2)
            if ready:
                data = os.read(self.p.stdout.fileno(), 65536)
                if not data:
                    break
                self.buf += data
                i = self.buf.find(pattern)
                if i >= 0:
                    out, self.buf = self.buf[:i + len(pattern)], self.buf[i + len(pattern):]
                    return out.decode(errors="replace")
        raise RuntimeError("no %r within %ds; last output:\n%s" %
                           (pattern, timeout, self.buf[-1500:].decode(errors="replace")))

    def run(self, command, timeout=120):
        self.p.stdin.write(command.encode() + b"\n")
        self.p.stdin.flush()
        return self.expect(PROMPT, timeout)

    def wait_exit(self, timeout):
        """Waits for the emulator to exit, and kills it after `timeout` s.

        A blocking waitpid, so that the exit is seen at once: Popen.wait
        with a timeout polls with sleeps that grow to 50 ms, which made
        every power-off measure about 32 or 64 ms, whatever it took."""
        expired = threading.Event()

        def expire():
            expired.set()
            self.p.kill()

        watchdog = threading.Timer(timeout, expire)
        watchdog.start()
        try:
            self.p.wait()
        finally:
            watchdog.cancel()
        if expired.is_set():
            raise RuntimeError("no exit within %ds" % timeout)

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()


def mbps(output):
    m = re.search(r"([0-9.]+)\s*([KMG])B/s", output)
    if not m:
        raise RuntimeError("no throughput in dd's output:\n" + output)
    scale = {"K": 1 / 1024, "M": 1, "G": 1024}[m.group(2)]
    return float(m.group(1)) * scale


def one_run(emulator, kit, workdir, smp=1):
    disk = os.path.join(workdir, "rootfs.ext4")
    shutil.copyfile(os.path.join(kit, "rootfs.ext4"), disk)
    cmd = [emulator, "-M", "virt", "-m", "512M", "-smp", str(smp), "-nographic", "-bios", FW,
           "-kernel", os.path.join(kit, "Image"), "-append", "root=/dev/vda rw console=ttyS0",
           "-drive", "file=%s,if=virtio,format=raw" % disk]
    start = time.monotonic()
    g = Guest(cmd)
    try:
        g.expect(PROMPT, 300)
        boot = time.monotonic() - start
        if smp > 1:  # boot and power-off only
            g.p.stdin.write(b"poweroff -f\n")
            g.p.stdin.flush()
            g.wait_exit(60)
            return {"boot": boot, "total": time.monotonic() - start}
        read = mbps(g.run("dd if=/dev/vda of=/dev/null bs=1M count=48"))
        write = mbps(g.run("dd if=/dev/zero of=/root/dd.out bs=1M count=24 conv=fsync"))
        g.p.stdin.write(b"poweroff -f\n")
        g.p.stdin.flush()
        off_start = time.monotonic()
        g.wait_exit(60)
        off = time.monotonic() - off_start
        return {"boot": boot, "read": read, "write": write, "poweroff": off}
    finally:
        g.kill()


def measure(emulator, kit, runs, smp=1):
    results = []
    with tempfile.TemporaryDirectory() as workdir:
        for _ in range(runs):
            results.append(one_run(emulator, kit, workdir, smp))
    return {k: statistics.median(r[k] for r in results) for k in results[0]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--miniqemu", required=True)
    ap.add_argument("--kit", required=True)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    ours = measure(args.miniqemu, args.kit, args.runs)
    qemu_bin = shutil.which("qemu-system-riscv64")
    theirs = measure(qemu_bin, args.kit, args.runs) if qemu_bin else None
    print("Linux kit, median of %d boots (-smp 1, -m 512M, root on virtio-blk-pci)" % args.runs)
    print("%-22s %12s %12s %8s" % ("measure", "miniqemu", "qemu", "ratio"))
    rows = [("boot to prompt (s)", "boot", True), ("power-off (s)", "poweroff", True),
            ("dd read (MB/s)", "read", False), ("dd write+fsync (MB/s)", "write", False)]
    for label, key, is_time in rows:
        if theirs:
            ratio = theirs[key] / ours[key] if is_time else ours[key] / theirs[key]
            print("%-22s %12.2f %12.2f %7.2fx" % (label, ours[key], theirs[key], ratio))
        else:
            print("%-22s %12.2f %12s %8s" % (label, ours[key], "-", "-"))
    # Four harts: on host threads of their own (miniqemu's and QEMU's default).
    ours4 = measure(args.miniqemu, args.kit, args.runs, 4)
    theirs4 = measure(qemu_bin, args.kit, args.runs, 4) if qemu_bin else None
    print("-smp 4, median of %d: start to prompt, start to exit after poweroff -f" % args.runs)
    for label, key in [("boot to prompt (s)", "boot"), ("boot to power-off (s)", "total")]:
        if theirs4:
            ratio = theirs4[key] / ours4[key]
            # The goal: the 4-hart boot to power-off in no more than QEMU's time.
            verdict = ("   target >= 1   " + ("met" if ratio >= 1 else "NOT MET")
                       if key == "total" else "")
            print("%-22s %12.2f %12.2f %7.2fx%s" % (label, ours4[key], theirs4[key], ratio,
                                                    verdict))
        else:
            print("%-22s %12.2f %12s %8s" % (label, ours4[key], "-", "-"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
