#!/usr/bin/env bash
# Runs fuzz targets under libFuzzer with ASan+UBSan, each for RUNS executions
# or SECONDS, whichever comes first, and prints one line per target:
#   target  executions  seconds  exec/s  crashes
# Usage: tests/fuzz/run-libfuzzer.sh [-r RUNS] [-t SECONDS] [TARGET...]
# Crash inputs land in $WORK/artifacts/<target>/; copy each into
# tests/fuzz/regressions/<target>/ with a descriptive name and fix the bug.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
runs=10000000
secs=900
while getopts r:t: opt; do
  case $opt in
    r) runs=$OPTARG ;;
    t) secs=$OPTARG ;;
    *) echo "usage: $0 [-r RUNS] [-t SECONDS] [TARGET...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))

work=${WORK:-/tmp/netsend-fuzz}
build=$work/build
mkdir -p "$work"
if [ ! -d "$build" ]; then
  CC=clang meson setup "$build" "$src" -Dfuzzing=true -Db_sanitize=address,undefined \
    -Db_lundef=false -Dbuildtype=debug -Dtests=enabled >/dev/null
fi
ninja -C "$build" >/dev/null

targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  for f in "$src"/tests/fuzz/fuzz-*.c; do
    t=$(basename "$f" .c)
    targets+=("${t#fuzz-}")
  done
fi

export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
printf '%-14s %12s %8s %9s %8s\n' target executions seconds exec/s crashes
for t in "${targets[@]}"; do
  corpus=$work/corpus/$t
  art=$work/artifacts/$t
  mkdir -p "$corpus" "$art"
  [ -d "$src/tests/fuzz/corpus/$t" ] && cp -n "$src/tests/fuzz/corpus/$t"/* "$corpus"/ 2>/dev/null || true
  log=$work/$t.log
  start=$(date +%s)
  "$build/tests/fuzz/fuzz-$t" -runs="$runs" -max_total_time="$secs" -max_len=4096 \
    -print_final_stats=1 -artifact_prefix="$art/" "$corpus" >"$log" 2>&1 || true
  end=$(date +%s)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  crashes=$(find "$art" -type f | wc -l)
  printf '%-14s %12s %8s %9s %8s\n' "$t" "${execs:-?}" "$((end - start))" "${rate:-?}" "$crashes"
done
