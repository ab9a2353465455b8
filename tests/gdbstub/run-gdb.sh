#!/usr/bin/env bash
# Runs one scripted gdb-multiarch session against miniqemu's gdb stub and
# checks gdb's output: every line of the .expect file (an extended regular
# expression) must match a line of the output, in order.
#
#   run-gdb.sh EMULATOR ELF SESSION.gdb SESSION.expect [EMULATOR-ARGS...]
#
# Without EMULATOR-ARGS, miniqemu runs under gdb, as `target remote |
# miniqemu ... -gdb stdio` in the script. With them, it is started here with
# them and `-gdb tcp::PORT` on a free port (@PORT@ in the script), and must
# exit with status 0 once gdb is done.
# Without gdb-multiarch the test is skipped (exit 77).
set -euo pipefail
emulator=$1 elf=$2 script=$3 expect=$4
shift 4

if ! command -v gdb-multiarch >/dev/null; then
  echo "SKIP: gdb-multiarch is not installed (scripts/install-deps --all installs it)"
  exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
port=0 qpid=""
if (( $# )); then
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  timeout --kill-after=5 90 "$emulator" "$@" -gdb "tcp::$port" > "$work/emulator.txt" 2>&1 &
  qpid=$!
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05
  done
fi
sed -e "s|@MINIQEMU@|$emulator|g" -e "s|@ELF@|$elf|g" -e "s|@PORT@|$port|g" "$script" \
  > "$work/session.gdb"
# The timeout bounds a hung session.
timeout --kill-after=5 60 gdb-multiarch -nx -batch -x "$work/session.gdb" "$elf" \
  > "$work/out.txt" 2>&1 || true
if [[ -n "$qpid" ]]; then
  status=0
  wait "$qpid" || status=$?
  cat "$work/emulator.txt" >> "$work/out.txt"
  echo "emulator exit status $status" >> "$work/out.txt"
fi
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
