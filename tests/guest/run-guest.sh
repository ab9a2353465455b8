#!/usr/bin/env bash
# Runs one guest program under miniqemu and checks what it did: its exit
# status, and (when given) its console output and its stderr (say, the -d
# guest_errors log) byte for byte. When qemu-system-riscv64 is installed and a
# reference machine is named, runs the same program there too and requires
# the same output and status (MINIQEMU_NO_REFERENCE=1 skips that, as the
# sanitizer runs do); stderr is not compared with QEMU's.
#
#   run-guest.sh --emulator BIN --elf FILE [--exit N] [--expect FILE] [--expect-stderr FILE]
#                [--stdin FILE] [--reference virt|spike|none] [--timeout SECONDS]
#                [--ours-arg ARG]... [--qemu-arg ARG]... [-- EXTRA ARGS...]
# EXTRA ARGS go to both emulators; --ours-arg and --qemu-arg to one of them
# (a -cpu that QEMU 7.2 spells differently, or lacks an extension of).
set -uo pipefail

emulator= elf= exit_expected=0 expect= expect_stderr= stdin_file=/dev/null reference=virt
timeout_s=120 # generous: a loaded CI machine ran guests 10x slower than usual
ours_args=() qemu_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --emulator) emulator=$2; shift 2 ;;
    --elf) elf=$2; shift 2 ;;
    --exit) exit_expected=$2; shift 2 ;;
    --expect) expect=$2; shift 2 ;;
    --expect-stderr) expect_stderr=$2; shift 2 ;;
    --stdin) stdin_file=$2; shift 2 ;;
    --reference) reference=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --ours-arg) ours_args+=("$2"); shift 2 ;;
    --qemu-arg) qemu_args+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "run-guest.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
extra=("$@")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() { # run NAME MACHINE BINARY [ARGS...]
  local name=$1 machine=$2 bin=$3
  shift 3
  timeout -k 5 "$timeout_s" "$bin" -M "$machine" -bios none -kernel "$elf" -nographic \
    "${extra[@]}" "$@" <"$stdin_file" >"$tmp/$name.out" 2>"$tmp/$name.err"
  echo $? >"$tmp/$name.status"
}

run ours virt "$emulator" "${ours_args[@]}"
status=$(cat "$tmp/ours.status")
failed=0
if [[ $status -ne $exit_expected ]]; then
  echo "FAIL: miniqemu exited with $status, expected $exit_expected"
  failed=1
fi
if [[ -n $expect ]] && ! cmp -s "$expect" "$tmp/ours.out"; then
  echo "FAIL: console output differs from $expect:"
  diff <(od -c "$expect") <(od -c "$tmp/ours.out") | head -40
  failed=1
fi
if [[ -n $expect_stderr ]] && ! cmp -s "$expect_stderr" "$tmp/ours.err"; then
  echo "FAIL: stderr differs from $expect_stderr:"
  diff "$expect_stderr" "$tmp/ours.err" | head -40
  failed=1
fi
if [[ $failed -ne 0 ]]; then
  echo "--- stdout ---"; cat "$tmp/ours.out"; echo "--- stderr ---"; cat "$tmp/ours.err"
  exit 1
fi

qemu=$(command -v qemu-system-riscv64 || true)
[[ -n ${MINIQEMU_NO_REFERENCE:-} ]] && qemu=
if [[ $reference != none && -n $qemu ]]; then
  run qemu "$reference" "$qemu" "${qemu_args[@]}"
  qstatus=$(cat "$tmp/qemu.status")
  if [[ $qstatus -ne $status ]]; then
    echo "FAIL: QEMU ($reference) exited with $qstatus, miniqemu with $status"
    echo "--- QEMU stdout ---"; cat "$tmp/qemu.out"; echo "--- QEMU stderr ---"; cat "$tmp/qemu.err"
    exit 1
  fi
  if ! cmp -s "$tmp/qemu.out" "$tmp/ours.out"; then
    echo "FAIL: console output differs from QEMU's ($reference):"
    diff "$tmp/qemu.out" "$tmp/ours.out" | head -40
    exit 1
  fi
  echo "ok (matches QEMU $reference)"
else
  echo "ok"
fi
