#!/usr/bin/env bash
# Boots Debian's OpenSBI (fw_jump) and U-Boot with a given -cpu and waits
# for U-Boot's autoboot prompt: the firmware got through its hart probing
# (CSR probes, the banner) and handed over to S-mode with that ISA.
#   opensbi-cpu-test.sh MINIQEMU CPU     e.g. rv64,zk=on
# Exit 77 (ctest's skip) when the firmware is not installed.
set -u
bin=$1 cpu=$2
fw=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf
uboot=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
if [[ ! -f $fw || ! -f $uboot ]]; then
  echo "SKIP: opensbi or u-boot-qemu is not installed"
  exit 77
fi

tmp=$(mktemp -d)
"$bin" -M virt -cpu "$cpu" -bios "$fw" -kernel "$uboot" -nographic </dev/null \
  >"$tmp/out" 2>"$tmp/err" &
pid=$!
cleanup() { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

for ((i = 0; i < 600; i++)); do
  if grep -aq 'Hit any key to stop autoboot' "$tmp/out"; then
    grep -aE 'Boot HART (Base ISA|ISA Extensions)' "$tmp/out"
    echo "ok: OpenSBI and U-Boot boot with -cpu $cpu"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
echo "FAIL: no U-Boot autoboot prompt with -cpu $cpu"
echo "--- console ---"; cat "$tmp/out"; echo "--- stderr ---"; cat "$tmp/err"
exit 1
