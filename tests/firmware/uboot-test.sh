#!/usr/bin/env bash
# Boots Debian's OpenSBI (fw_jump) and U-Boot on miniqemu's virt with edu and
# pci-testdev, stops autoboot, and drives the U-Boot prompt over stdin:
#   pci            must list 1b36:0008, 1234:11e8 and 1b36:0005
#   pci bar 0.1.0  gives edu's BAR0
#   md.l BAR0 1    must show 010000ed, edu's identification register
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
  local before
  before=$(prompts)
  printf '%s\r' "$1" >&3
  for ((i = 0; i < 100; i++)); do
    (( $(prompts) > before )) && return 0
    sleep 0.1
  done
  fail "no prompt after '$1'"
}

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
echo "ok: OpenSBI and U-Boot booted; pci lists the devices; edu BAR0 at $bar reads 010000ed"
