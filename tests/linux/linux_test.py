#!/usr/bin/env python3
"""End-to-end tests: boot the Linux kit (scripts/linux-kit) on an emulator and drive its console.

    linux_test.py [--emulator PATH] [--kit DIR] TEST
    TEST: kit | boot-mmio | boot-pci | persist | net | rng | edu | smp4

MINIQEMU_LINUX_EMULATOR, when set, overrides --emulator (to run the tests on
qemu-system-riscv64, say). `kit` builds the kit (the ctest fixture); the others only look it up
with `scripts/linux-kit --print-dir`. Exit status: 0 pass, 1 fail, 77 skip.
Each run leaves the console transcript in linux-TEST.log in the working directory.
"""

import argparse
import http.server
import os
import re
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
KIT_SCRIPT = os.path.join(REPO, "scripts", "linux-kit")
FIRMWARE = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf"
REFERENCE = "qemu-system-riscv64"
SKIP = 77

BOOT_WAIT = 120  # seconds to the shell prompt
COMMAND_WAIT = 60  # seconds for one command
EXIT_WAIT = 60  # seconds from poweroff to the emulator's exit

PROMPT = "@@42@@ "  # what PS1="@@$((6*7))@@ " prints; the typed command never contains it


def die_with_parent():
    """A prefix that has the kernel SIGKILL the emulator if the harness dies, however it dies."""
    setpriv = shutil.which("setpriv")  # util-linux; PR_SET_PDEATHSIG survives its exec
    return [setpriv, "--pdeathsig", "KILL", "--"] if setpriv else []


class Failure(Exception):
    pass


class Skip(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Guest:
    """One emulator process with the serial console on its stdin/stdout."""

    def __init__(self, emulator, kit, workdir, *, smp=2, blk="pci", extra=(), log=None):
        self.image = os.path.join(workdir, "rootfs.ext4")
        if not os.path.exists(self.image):
            shutil.copyfile(os.path.join(kit, "rootfs.ext4"), self.image)
        blk_device = {"mmio": "virtio-blk-device", "pci": "virtio-blk-pci"}[blk]
        self.argv = [
            emulator, "-M", "virt", "-m", "512M", "-smp", str(smp), "-nographic",
            "-bios", FIRMWARE, "-kernel", os.path.join(kit, "Image"),
            # earlycon: a boot that stops before the UART driver still says where.
            "-append", "root=/dev/vda rw console=ttyS0 earlycon",
            "-drive", f"file={self.image},if=none,format=raw,id=hd0",
            "-device", f"{blk_device},drive=hd0", *extra,
        ]
        self.log = log
        self.buffer = ""
        self.seen = 0  # what expect() has consumed
        self.stderr = tempfile.TemporaryFile()
        if log:
            log.write("$ " + " ".join(self.argv) + "\n")
        self.proc = subprocess.Popen(die_with_parent() + self.argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr,
                                     start_new_session=True)

    # --- the console ---

    def _read(self, until):
        """Reads what the console has, waiting at most until the deadline; False on EOF."""
        left = until - time.monotonic()
        if left <= 0:
            return True
        ready, _, _ = select.select([self.proc.stdout], [], [], min(left, 1.0))
        if not ready:
            return True
        data = os.read(self.proc.stdout.fileno(), 65536)
        if not data:
            return False
        text = data.decode("utf-8", "replace").replace("\r", "")
        self.buffer += text
        if self.log:
            self.log.write(text)
            self.log.flush()
        return True

    def expect(self, pattern, timeout, what=None):
        """Waits for the regex after what was consumed; consumes through the match."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = regex.search(self.buffer, self.seen)
            if m:
                self.seen = m.end()
                return m
            if time.monotonic() >= deadline:
                raise Failure(f"timed out after {timeout} s waiting for {what or pattern!r}; "
                              f"console tail:\n{self.tail()}")
            if not self._read(deadline):
                raise Failure(f"the emulator exited (status {self.proc.wait()}) while waiting "
                              f"for {what or pattern!r}; console tail:\n{self.tail()}"
                              f"{self.stderr_text()}")

    def send(self, line):
        try:
            self.proc.stdin.write(line.encode() + b"\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise Failure(f"the emulator is gone; console tail:\n{self.tail()}")

    def tail(self, n=3000):
        return self.buffer[-n:]

    def stderr_text(self):
        self.stderr.seek(0)
        text = self.stderr.read().decode("utf-8", "replace").strip()
        return f"\nemulator stderr:\n{text}" if text else ""

    # --- the shell ---

    def boot(self, timeout=BOOT_WAIT):
        self.expect(r"linux-kit: up", timeout, "the end of rcS")
        self.expect(r"\]# ", timeout, "the shell prompt")
        # No echo and a prompt that typed text cannot contain: output is then exactly what
        # lies between the command and its end marker.
        self.send('stty -echo; PS1="@@$((6*7))@@ "')
        self.expect(re.escape(PROMPT), COMMAND_WAIT, "the test prompt")

    def run(self, command, timeout=COMMAND_WAIT, check=True):
        """Runs a shell command; returns (status, output)."""
        start = self.seen
        self.send(f'{command}; echo "__rc=$?__"')
        m = self.expect(r"__rc=(\d+)__\n", timeout, f"the end of `{command}`")
        output = self.buffer[start:m.start()]
        self.expect(re.escape(PROMPT), timeout, "the prompt")
        status = int(m.group(1))
        if check and status != 0:
            raise Failure(f"`{command}` exited with {status}:\n{output}")
        return status, output

    def poweroff(self):
        self.send("poweroff -f")
        return self.wait_exit()

    def wait_exit(self, timeout=EXIT_WAIT):
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read(deadline)
        if self.proc.poll() is None:
            raise Failure(f"the emulator did not exit within {timeout} s; console tail:\n"
                          f"{self.tail()}")
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        self.stderr.close()


class Session:
    """Boots a guest and always kills it at the end, whatever happened."""

    def __init__(self, ctx, **kw):
        self.guest = Guest(ctx.emulator, ctx.kit, ctx.workdir, log=ctx.log, **kw)

    def __enter__(self):
        try:
            self.guest.boot()
        except BaseException:
            self.guest.kill()  # __exit__ does not run when __enter__ fails
            raise
        return self.guest

    def __exit__(self, *exc):
        self.guest.kill()
        return False


def expect_equal(what, got, want):
    if got != want:
        raise Failure(f"{what}: got {got!r}, want {want!r}")


def poweroff_cleanly(guest):
    status = guest.poweroff()
    if status != 0:
        # A sanitizer's report (exit status 66 under TSan) is on stderr.
        raise Failure(f"the emulator's exit status after poweroff -f: got {status!r}, want 0"
                      f"{guest.stderr_text()}")


# --- the tests -----------------------------------------------------------------------------


def test_boot(ctx, blk):
    with Session(ctx, blk=blk, smp=2) as g:
        _, release = g.run("uname -r")
        if not release.strip().startswith("6.1"):
            raise Failure(f"uname -r says {release.strip()!r}")
        _, cpus = g.run("grep -c processor /proc/cpuinfo")
        expect_equal("processors in /proc/cpuinfo", cpus.strip(), "2")
        _, root = g.run("grep ' / ' /proc/mounts")
        if "ext4" not in root or "rw" not in root:
            raise Failure(f"the root is not a writable ext4: {root.strip()!r}")
        _, path = g.run("readlink -f /sys/block/vda")
        transport = "virtio_mmio" if blk == "mmio" else "/pci0000:00/"
        if transport not in path:
            raise Failure(f"vda is not on {blk}: {path.strip()}")
        poweroff_cleanly(g)


def read_back(image, path, workdir):
    """Reads a file from the image as the next mount would see it: journal replayed."""
    copy = os.path.join(workdir, "fsck.ext4")
    shutil.copyfile(image, copy)
    fsck = subprocess.run(["e2fsck", "-fy", copy], capture_output=True, text=True, timeout=60)
    if fsck.returncode not in (0, 1):  # 1: errors corrected (a journal replay counts)
        raise Failure(f"e2fsck -fy exits {fsck.returncode}:\n{fsck.stdout}{fsck.stderr}")
    got = subprocess.run(["debugfs", "-R", f"cat {path}", copy], capture_output=True,
                         text=True, timeout=60)
    os.unlink(copy)
    return got.stdout


def test_persist(ctx):
    token = secrets.token_hex(8)
    with Session(ctx, blk="pci") as g:
        g.run(f"echo persist-{token} > /root/persist.txt && sync")
        poweroff_cleanly(g)
        expect_equal("/root/persist.txt after poweroff", read_back(g.image, "/root/persist.txt",
                                                                   ctx.workdir),
                     f"persist-{token}\n")
    with Session(ctx, blk="pci") as g:
        _, before = g.run("cat /root/persist.txt")
        expect_equal("/root/persist.txt on the next boot", before, f"persist-{token}\n")
        g.run(f"echo killed-{token} > /root/killed.txt && sync")
        os.killpg(g.proc.pid, signal.SIGKILL)
        g.proc.wait()
        expect_equal("/root/killed.txt after SIGKILL", read_back(g.image, "/root/killed.txt",
                                                                 ctx.workdir),
                     f"killed-{token}\n")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_net(ctx):
    token = secrets.token_hex(8)
    www = tempfile.mkdtemp(dir=ctx.workdir)
    with open(os.path.join(www, "file.txt"), "w") as f:
        f.write(f"from-host-{token}\n")
    handler = lambda *a, **kw: QuietHandler(*a, directory=www, **kw)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.timeout = 1
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fwd = free_port()
    try:
        nic = ["-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{fwd}-:7777",
               "-device", "virtio-net-pci,netdev=n0"]
        with Session(ctx, extra=nic) as g:
            _, addr = g.run("ip -4 addr show dev eth0")
            if "inet 10.0.2.15/" not in addr:
                raise Failure(f"eth0 did not get 10.0.2.15 by DHCP:\n{addr}")
            _, route = g.run("ip route show default")
            if "via 10.0.2.2" not in route:
                raise Failure(f"no default route through 10.0.2.2:\n{route}")
            port = server.server_address[1]
            _, got = g.run(f"wget -q -T 20 -O - http://10.0.2.2:{port}/file.txt")
            expect_equal("the file the guest fetched from the host", got, f"from-host-{token}\n")

            g.run(f"mkdir -p /tmp/www && echo from-guest-{token} > /tmp/www/hello.txt")
            g.run("httpd -p 7777 -h /tmp/www")
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{fwd}/hello.txt",
                                                timeout=10) as r:
                        reply = r.read().decode()
                    break
                except OSError as e:  # the forward may answer before httpd listens
                    if time.monotonic() > deadline:
                        raise Failure(f"no answer through hostfwd 127.0.0.1:{fwd}: {e}")
                    time.sleep(0.5)
            expect_equal("what the guest's server sent through hostfwd", reply,
                         f"from-guest-{token}\n")
            poweroff_cleanly(g)
    finally:
        server.shutdown()
        server.server_close()


def test_rng(ctx):
    rng = ["-object", "rng-random,id=rng0,filename=/dev/urandom",
           "-device", "virtio-rng-pci,rng=rng0"]
    with Session(ctx, extra=rng) as g:
        _, current = g.run("cat /sys/class/misc/hw_random/rng_current")
        if "virtio" not in current:
            raise Failure(f"rng_current is {current.strip()!r}, not virtio")
        samples = []
        for _ in range(2):
            _, out = g.run("dd if=/dev/hwrng bs=16 count=1 2>/dev/null | od -An -tx1")
            hex_bytes = out.split()
            if len(hex_bytes) != 16:
                raise Failure(f"/dev/hwrng gave {len(hex_bytes)} bytes, not 16:\n{out}")
            samples.append(hex_bytes)
        if samples[0] == samples[1] or all(b == "00" for b in samples[0]):
            raise Failure(f"/dev/hwrng does not look random: {samples}")
        poweroff_cleanly(g)


def edu_lines(ctx, emulator):
    """Loads the driver and runs edu-test on EMULATOR; returns its PASS/FAIL lines."""
    # edu's DMA addresses are 28 bits unless widened; virt's RAM is at 2 GiB.
    dev = ["-device", "edu,dma_mask=0xffffffff"]
    sub = Context(emulator, ctx.kit, tempfile.mkdtemp(dir=ctx.workdir), ctx.log)
    with Session(sub, extra=dev) as g:
        g.run("insmod /lib/modules/edu.ko dma_bits=32")
        g.run("test -c /dev/edu")
        _, out = g.run("edu-test", timeout=COMMAND_WAIT * 2, check=False)
        poweroff_cleanly(g)
    lines = [l for l in out.splitlines() if l.startswith(("PASS ", "FAIL "))]
    if not lines:
        raise Failure(f"edu-test printed no results:\n{out}")
    return lines


def test_edu(ctx):
    lines = edu_lines(ctx, ctx.emulator)
    print("\n".join(lines))
    failed = [l for l in lines if l.startswith("FAIL")]
    if failed:
        raise Failure("edu-test failed:\n" + "\n".join(failed))
    reference = shutil.which(REFERENCE)
    if not reference:
        print(f"{REFERENCE} is not installed: no comparison")
        return
    if os.path.realpath(reference) == os.path.realpath(ctx.emulator):
        print(f"the emulator is {REFERENCE}: no comparison")
        return
    want = edu_lines(ctx, reference)
    if lines != want:
        raise Failure("edu-test differs from " + REFERENCE + ":\n  got:  " +
                      "\n        ".join(lines) + "\n  want: " + "\n        ".join(want))
    print(f"the same {len(lines)} lines as on {REFERENCE}")


def test_smp4(ctx):
    with Session(ctx, smp=4) as g:
        _, n = g.run("nproc")
        expect_equal("nproc", n.strip(), "4")
        poweroff_cleanly(g)


TESTS = {
    "boot-mmio": lambda ctx: test_boot(ctx, "mmio"),
    "boot-pci": lambda ctx: test_boot(ctx, "pci"),
    "persist": test_persist,
    "net": test_net,
    "rng": test_rng,
    "edu": test_edu,
    "smp4": test_smp4,
}


class Context:
    def __init__(self, emulator, kit, workdir, log):
        self.emulator, self.kit, self.workdir, self.log = emulator, kit, workdir, log


def build_kit():
    deps = subprocess.run([os.path.join(REPO, "scripts", "install-deps"), "--linux"])
    if deps.returncode != 0:
        raise Skip("the kit's packages are missing and could not be installed "
                   "(scripts/install-deps --linux)")
    if subprocess.run([KIT_SCRIPT]).returncode != 0:
        raise Failure("scripts/linux-kit failed")


def find_kit():
    r = subprocess.run([KIT_SCRIPT, "--print-dir"], capture_output=True, text=True)
    if r.returncode != 0:
        raise Skip(f"no Linux kit ({r.stderr.strip()}); scripts/linux-kit builds it")
    return r.stdout.strip().splitlines()[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--emulator", default=REFERENCE)
    parser.add_argument("--kit", help="the kit's directory (default: scripts/linux-kit's)")
    parser.add_argument("test", choices=["kit", *TESTS])
    args = parser.parse_args()
    # A timeout's SIGTERM unwinds like a failure, so that the emulator is killed on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    emulator = os.environ.get("MINIQEMU_LINUX_EMULATOR") or args.emulator
    start = time.monotonic()
    try:
        if args.test == "kit":
            build_kit()
        else:
            if not os.path.exists(FIRMWARE):
                raise Skip(f"{FIRMWARE} is missing (the opensbi package)")
            if not shutil.which(emulator):
                raise Failure(f"no emulator {emulator}")
            kit = args.kit or find_kit()
            with tempfile.TemporaryDirectory(prefix="linux-test-") as workdir, \
                    open(f"linux-{args.test}.log", "w") as log:
                print(f"linux.{args.test} on {emulator} with the kit in {kit}", flush=True)
                TESTS[args.test](Context(shutil.which(emulator), kit, workdir, log))
    except Skip as e:
        print(f"SKIP linux.{args.test}: {e}")
        return SKIP
    except Failure as e:
        print(f"FAIL linux.{args.test}: {e}")
        return 1
    print(f"PASS linux.{args.test} ({time.monotonic() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
