#!/usr/bin/env bash
# send-loop.sh COUNT DEADLINE_NS MSGFILE OUT FAIL_RE CMD...: one benchmark
# sender, run by bench_send_workers inside a namespace. Runs CMD (stdin =
# MSGFILE, 20 s cap each) up to COUNT times or until the clock passes
# DEADLINE_NS; appends "t0_ns t1_ns ok(1|0)" per send to OUT. A send failed
# when CMD exits non-zero or its output matches FAIL_RE (empty: exit code
# only) — smbclient -M exits 0 after NT_STATUS_* errors.
set -u
count=$1 deadline=$2 msg=$3 out=$4 fre=$5
shift 5
[ "$count" -ge 1 ] && [ "$count" -le 100000 ] || { echo "bad COUNT $count" >&2; exit 2; }
for _ in $(seq 1 "$count"); do
  t0=$(date +%s%N)
  [ "$t0" -lt "$deadline" ] || break
  res=$(timeout 20 "$@" < "$msg" 2>&1); rc=$?
  t1=$(date +%s%N)
  ok=1
  if [ $rc -ne 0 ]; then ok=0
  elif [ -n "$fre" ] && grep -qE "$fre" <<<"$res"; then ok=0; fi
  echo "$t0 $t1 $ok" >> "$out"
done
