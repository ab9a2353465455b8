#!/usr/bin/env bash
# Boots Debian's OpenSBI (fw_jump) and U-Boot on miniqemu's virt with edu and
# pci-testdev, stops autoboot, and drives the U-Boot prompt over stdin:
#   pci            must list 1b36:0008, 1234:11e8 and 1b36:0005
#   pci bar 0.1.0  gives edu's BAR0
#   md.l BAR0 1    must show 010000ed, edu's identification register
# Before that, OpenSBI's "Boot HART ISA Extensions" line must be QEMU 7.2's
# for the same hart: our default rv64 has Sscofpmf, which QEMU 7.2's rv64
# gets with sscofpmf=on (sscofpmf,time,sstc; without sstc, sscofpmf,time).
# Exit 77 (ctest's skip) when the firmware is not installed.
set -u
bin=$1
fw=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf
uboot=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
if [[ ! -f $fw || ! -f $uboot ]]; then
  echo "SKIP: opensbi or u-boot-qemu is not installed"
  exit 77
fi

tmp=$(mktemp -d)
mkfifo "$tmp/in"
"$bin" -M virt -bios "$fw" -kernel "$uboot" -device edu -device pci-testdev -nographic \
  <"$tmp/in" >"$tmp/out" 2>"$tmp/err" &
pid=$!
exec 3>"$tmp/in"
cleanup() { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  echo "--- console ---"; cat "$tmp/out"; echo "--- stderr ---"; cat "$tmp/err"
  exit 1
}

# Waits until the console matches `pattern` (extended regex), up to `secs`.
wait_for() {
  local pattern=$1 secs=$2
  for ((i = 0; i < secs * 10; i++)); do
    grep -aqE "$pattern" "$tmp/out" && return 0
    kill -0 "$pid" 2>/dev/null || fail "miniqemu exited while waiting for '$pattern'"
    sleep 0.1
  done
  fail "timed out waiting for '$pattern'"
}

prompts() { grep -ao '=> ' "$tmp/out" | wc -l; }

# Sends a command and waits for the prompt after it.
command() {
  local before n
  # A slow run (a sanitizer build) may still be printing a prompt from the
  # key that stopped autoboot: wait until the count holds still for 1 s.
  before=$(prompts)
  for ((i = 0; i < 10; i++)); do
    sleep 0.1
    n=$(prompts)
    if ((n != before)); then before=$n; i=0; fi
  done
  printf '%s\r' "$1" >&3
  for ((i = 0; i < 100; i++)); do
    (( $(prompts) > before )) && return 0
    sleep 0.1
  done
  fail "no prompt after '$1'"
}

# OpenSBI's banner line naming the extensions it found, from emulator $1
# with -cpu $2: the firmware alone, stopped as soon as the line is out.
isa_banner() {
  local out=$tmp/banner-$RANDOM bpid line=""
  : >"$out"
  "$1" -M virt -cpu "$2" -bios "$fw" -nographic -monitor none </dev/null >"$out" 2>&1 &
  bpid=$!
  for ((i = 0; i < 100; i++)); do
    line=$(grep -a -m1 'Boot HART ISA Extensions' "$out") && break
    sleep 0.1
  done
  kill "$bpid" 2>/dev/null; wait "$bpid" 2>/dev/null
  echo "$line" | tr -d '\r'
}

# ours|QEMU 7.2's -cpu for the same hart|the line without QEMU
for row in 'rv64|rv64,sscofpmf=on|sscofpmf,time,sstc' \
  'rv64,sstc=off|rv64,sstc=off,sscofpmf=on|sscofpmf,time' \
  'rv64,sscofpmf=off|rv64|time,sstc'; do
  IFS='|' read -r cpu qemu_cpu exts <<<"$row"
  ours=$(isa_banner "$bin" "$cpu")
  if command -v qemu-system-riscv64 >/dev/null; then
    want=$(isa_banner qemu-system-riscv64 "$qemu_cpu")
  else
    want="Boot HART ISA Extensions  : $exts"
  fi
  [[ -n $ours && $ours == "$want" ]] || fail "-cpu $cpu: OpenSBI says '$ours', QEMU ($qemu_cpu) '$want'"
done

wait_for 'Hit any key to stop autoboot' 60
printf '\r' >&3
wait_for '=> ' 10

command "pci"
grep -aqE '00\.00\.00 +0x1b36 +0x0008' "$tmp/out" || fail "pci does not list the host bridge 1b36:0008"
grep -aqE '00\.01\.00 +0x1234 +0x11e8' "$tmp/out" || fail "pci does not list edu 1234:11e8"
grep -aqE '00\.02\.00 +0x1b36 +0x0005' "$tmp/out" || fail "pci does not list pci-testdev 1b36:0005"

command "pci bar 0.1.0"
bar=$(grep -aoE '^ *0 +0x[0-9a-f]+' "$tmp/out" | tail -1 | awk '{print $2}')
[[ -n $bar ]] || fail "no BAR0 for edu in 'pci bar 0.1.0'"

command "md.l $bar 1"
addr=$(printf '%08x' $((bar)))
grep -aqE "^$addr: 010000ed" "$tmp/out" || fail "md.l $bar does not show edu's 010000ed"

printf '\001x' >&3 # Ctrl-a x
for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
echo "ok: OpenSBI's ISA extensions are QEMU's (rv64, sstc=off); OpenSBI and U-Boot booted; pci lists the devices; edu BAR0 at $bar reads 010000ed"
