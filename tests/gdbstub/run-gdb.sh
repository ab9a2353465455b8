#!/usr/bin/env bash
# Runs one scripted gdb-multiarch session against miniqemu's gdb stub and
# checks gdb's output: every line of the .expect file (an extended regular
# expression) must match a line of the output, in order.
#
#   run-gdb.sh EMULATOR ELF SESSION.gdb SESSION.expect
#
# miniqemu runs under gdb, as `target remote | miniqemu ... -gdb stdio`.
# Without gdb-multiarch the test is skipped (exit 77).
set -euo pipefail
emulator=$1 elf=$2 script=$3 expect=$4

if ! command -v gdb-multiarch >/dev/null; then
  echo "SKIP: gdb-multiarch is not installed (scripts/install-deps --all installs it)"
  exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed -e "s|@MINIQEMU@|$emulator|g" -e "s|@ELF@|$elf|g" "$script" > "$work/session.gdb"
# gdb ends the emulator it started; the timeout bounds a hung session.
timeout --kill-after=5 60 gdb-multiarch -nx -batch -x "$work/session.gdb" "$elf" \
  > "$work/out.txt" 2>&1 || true
cat "$work/out.txt"

line=0
mapfile -t out < "$work/out.txt"
while IFS= read -r pattern; do
  [[ -z "$pattern" || "$pattern" == \#* ]] && continue
  found=0
  while (( line < ${#out[@]} )); do
    if [[ "${out[line]}" =~ $pattern ]]; then found=1; line=$((line + 1)); break; fi
    line=$((line + 1))
  done
  if (( !found )); then
    echo "FAIL: no line matching: $pattern (after the lines above)" >&2
    exit 1
  fi
done < "$expect"
echo "PASS"
