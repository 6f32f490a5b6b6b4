# shellcheck shell=bash
# bench/lib.sh — timing, memory and reporting helpers for the netsend
# benchmarks, on top of the namespace harness tests/integration/lib/netns.sh
# (same LAN, same Samba peers, same cleanup; see bench/README.md).
#
# Figures are recorded by name in a TSV ($BENCH_RESULTS):
#   name <TAB> value <TAB> unit <TAB> better(lower|higher|info) <TAB> note
# so a later script can measure netsendd/netsend with the same functions in
# the same run and print ratios with bench_compare.
#
# Every measurement function takes the peer-specific parts as arguments or
# callbacks (start a responder, count deliveries), never hard-codes Samba.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../tests/integration/lib/netns.sh
. "$BENCH_DIR/../tests/integration/lib/netns.sh"

BENCH_PY=/usr/bin/python3
BENCH_RESULTS=${BENCH_RESULTS:-}

bench_now_ns() { date +%s%N; }
bench_ms_since() { echo $(( ($(date +%s%N) - $1) / 1000 )) | awk '{printf "%.1f\n", $1 / 1000}'; }

# bench_init: results file (kept) and the namespace state (ns_init).
bench_init() {
  ns_init
  if [ -z "$BENCH_RESULTS" ]; then
    BENCH_RESULTS=$(mktemp "${TMPDIR:-/tmp}/netsend-bench-XXXXXX.tsv")
  fi
  [ -f "$BENCH_RESULTS" ] || : > "$BENCH_RESULTS"
  ns_log "results: $BENCH_RESULTS"
}

# bench_stats < numbers: "median min p90 max n" (nearest-rank), "- - - - 0" if none.
bench_stats() {
  sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "- - - - 0"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    p = int(0.9 * NR + 0.999); if (p < 1) p = 1
    printf "%.3f %.3f %.3f %.3f %d\n", m, v[1], v[p], v[NR], NR }'
}

# bench_record NAME VALUE UNIT BETTER [NOTE]: one figure (replaces NAME).
bench_record() {
  local name=$1 value=$2 unit=$3 better=$4 note=${5:-} tmp
  tmp=$(mktemp "$BENCH_RESULTS.XXXX")
  awk -F'\t' -v n="$name" '$1 != n' "$BENCH_RESULTS" > "$tmp"
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$value" "$unit" "$better" "$note" >> "$tmp"
  mv -f "$tmp" "$BENCH_RESULTS"
  ns_log "figure $name = $value $unit${note:+ ($note)}"
}

bench_get() { awk -F'\t' -v n="$1" '$1 == n { v = $2 } END { print v }' "${2:-$BENCH_RESULTS}"; }

# bench_compare LABEL OURS_NAME SAMBA_NAME: ratio ours/samba, worded by the
# figure's direction ("2.5x faster" / "0.4x the memory"); recorded as
# ratio.LABEL. Missing figures print "n/a".
bench_compare() {
  local label=$1 o s unit better ratio word
  o=$(bench_get "$2"); s=$(bench_get "$3")
  unit=$(awk -F'\t' -v n="$3" '$1 == n { u = $3 } END { print u }' "$BENCH_RESULTS")
  better=$(awk -F'\t' -v n="$3" '$1 == n { b = $4 } END { print b }' "$BENCH_RESULTS")
  if [ -z "$o" ] || [ -z "$s" ] || ! awk -v s="$s" 'BEGIN { exit !(s + 0 != 0) }'; then
    printf '%-24s ours %10s  samba %10s  ratio n/a\n' "$label" "${o:--}" "${s:--}"; return 0
  fi
  ratio=$(awk -v o="$o" -v s="$s" 'BEGIN { printf "%.2f", o / s }')
  case "$better" in
    lower) word=$(awk -v r="$ratio" 'BEGIN { if (r > 0) printf "%.2fx %s", (r < 1 ? 1 / r : r), (r < 1 ? "better" : "worse") }') ;;
    higher) word=$(awk -v r="$ratio" 'BEGIN { if (r > 0) printf "%.2fx %s", (r >= 1 ? r : 1 / r), (r >= 1 ? "better" : "worse") }') ;;
    *) word="" ;;
  esac
  printf '%-24s ours %10s  samba %10s %-8s ratio %s%s\n' "$label" "$o" "$s" "$unit" "$ratio" "${word:+ ($word)}"
  bench_record "ratio.$label" "$ratio" "ours/samba" info "$2 vs $3"
}

# bench_table [FILE]: the figures as an aligned table.
bench_table() {
  awk -F'\t' '{ printf "%-34s %12s %-10s %-6s %s\n", $1, $2, $3, $4, $5 }' "${1:-$BENCH_RESULTS}"
}

# ------------------------------------------------------------------ memory

bench_rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
bench_anon_kib() { awk '/^RssAnon:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
bench_pss_kib() { awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null; }

# bench_ns_mem HOST COMM_REGEX: "rss_kib pss_kib anon_kib nprocs" summed over
# the processes in HOST's namespace whose comm matches (e.g. '^nmbd$').
# VmRSS counts shared library pages in full; Pss shares them out; RssAnon is
# the process's own heap/stack, the fairest figure across implementations.
bench_ns_mem() {
  local p comm rss=0 pss=0 anon=0 n=0 r q a
  for p in $(ip netns pids "$(ns_name "$1")" 2>/dev/null); do
    comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
    [[ "$comm" =~ $2 ]] || continue
    r=$(bench_rss_kib "$p"); q=$(bench_pss_kib "$p"); a=$(bench_anon_kib "$p")
    rss=$((rss + ${r:-0})); pss=$((pss + ${q:-0})); anon=$((anon + ${a:-0})); n=$((n + 1))
  done
  echo "$rss $pss $anon $n"
}

# bench_record_mem PREFIX HOST COMM_REGEX WHAT: records PREFIX.{rss,pss,anon}_kib.
bench_record_mem() {
  local rss pss anon n
  read -r rss pss anon n <<<"$(bench_ns_mem "$2" "$3")"
  [ "$n" -gt 0 ] || { ns_log "$1: no process matching $3 in $2"; return 1; }
  bench_record "$1.rss_kib" "$rss" KiB lower "VmRSS, $4 ($n processes)"
  bench_record "$1.pss_kib" "$pss" KiB lower "Pss, $4"
  bench_record "$1.anon_kib" "$anon" KiB lower "RssAnon (private), $4"
}

# ------------------------------------------------------------- name service

# bench_name_ready NAME_PREFIX QHOST NBNAME RUNS START_FN STOP_FN
# Start the responder RUNS times (START_FN, which must return quickly, e.g.
# ns_samba_start) and measure from just before START_FN to the first positive
# answer to a broadcast query sent every 20 ms from QHOST. Records
# NAME_PREFIX.ready_s (median).
bench_name_ready() {
  local pfx=$1 qh=$2 name=$3 runs=$4 start=$5 stop=$6 t0 out vals=""
  for _ in $(seq 1 "$runs"); do
    t0=$(bench_now_ns)
    "$start" || { ns_log "$start failed"; return 1; }
    out=$(ns_exec "$qh" "$BENCH_PY" "$BENCH_DIR/nbns_probe.py" ready "$name" \
      --dest "$(ns_bcast "$qh")" --t0-ns "$t0" --timeout 30)
    vals="$vals $(sed -n 's/.*"ready_ms": \([0-9.]*\).*/\1/p' <<<"$out")"
    "$stop"
  done
  local st; st=$(tr ' ' '\n' <<<"$vals" | grep . | bench_stats)
  [ "${st##* }" -gt 0 ] || { ns_log "$pfx: never ready"; return 1; }
  bench_record "$pfx.ready_s" "$(awk -v m="${st%% *}" 'BEGIN { printf "%.3f", m / 1000 }')" s lower \
    "start -> NAME answerable, median of $runs (ms:$vals)"
}

# bench_query_wire NAME_PREFIX QHOST NBNAME COUNT: COUNT broadcast queries
# from QHOST (one after the other) under a capture; records the on-the-wire
# time query -> first response (capture timestamps), the responses per query
# and the in-process round trip.
bench_query_wire() {
  local pfx=$1 qh=$2 name=$3 count=$4 pcap out st
  pcap="$NS_STATE/$pfx-query.pcap"
  ns_capture_start "$qh" "$pcap" "udp port 137" || return 1
  out=$(ns_exec "$qh" "$BENCH_PY" "$BENCH_DIR/nbns_probe.py" latency "$name" \
    --dest "$(ns_bcast "$qh")" --count "$count" --timeout 1 --linger 0.05)
  ns_capture_stop "$qh"
  st=$(tshark -r "$pcap" -T fields -e frame.time_epoch -e nbns.id -e nbns.flags.response 2>/dev/null |
    awk '$3 == "0" || $3 == "False" { if (!($2 in q)) q[$2] = $1; next }
         { n[$2]++; if (($2 in q) && !($2 in r)) r[$2] = $1 }
         END { for (i in r) printf "%.1f %d\n", (r[i] - q[i]) * 1e6, n[i] }')
  local wire resp
  wire=$(awk '{ print $1 }' <<<"$st" | bench_stats)
  resp=$(awk '{ s += $2 } END { if (NR) printf "%.2f", s / NR }' <<<"$st")
  bench_record "$pfx.query_wire_us" "${wire%% *}" us lower \
    "query->first response on the wire, median (min p90 max n: ${wire#* })"
  bench_record "$pfx.query_answers" "${resp:-0}" "per query" info "positive responses per broadcast query"
  st=$(sed -n 's/.*"rtt_ms": \[\(.*\)\].*/\1/p' <<<"$out" | tr ',' '\n' | tr -d ' ' | grep . | bench_stats)
  bench_record "$pfx.query_rtt_ms" "${st%% *}" ms lower "in-process query round trip, median (min p90 max n: ${st#* })"
}

# ------------------------------------------------------------- processes

# bench_cmd_ms HOST RUNS CMD...: per-run start->exit times (ms) of CMD in
# HOST, one per line on stdout. Fails when any run exits non-zero.
bench_cmd_ms() {
  local h=$1 runs=$2 t0 bad=0; shift 2
  for _ in $(seq 1 "$runs"); do
    t0=$(bench_now_ns)
    ns_exec "$h" timeout 20 "$@" >/dev/null 2>&1 </dev/null || bad=$((bad + 1))
    bench_ms_since "$t0"
  done
  [ $bad -eq 0 ]
}

# bench_hyperfine HOST RUNS JSON CMDSTRING: hyperfine (if installed) inside
# HOST; CMDSTRING runs under sh (hyperfine subtracts the shell's own start).
# Prints "mean_ms stddev_ms median_ms" or fails when hyperfine is missing.
bench_hyperfine() {
  local h=$1 runs=$2 json=$3 cmd=$4
  command -v hyperfine >/dev/null || return 1
  ns_exec "$h" timeout 300 hyperfine --style none --runs "$runs" --warmup 2 --shell=sh \
    --export-json "$json" "$cmd" >/dev/null 2>&1 || return 1
  "$BENCH_PY" -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.1f %.1f %.1f" % (r["mean"]*1e3, r["stddev"]*1e3, r["median"]*1e3))' "$json"
}

# ------------------------------------------------------------- messages

# bench_send_workers HOSTS WORKERS PER_WORKER DEADLINE_S MSGFILE FAIL_RE -- CMD...
# WORKERS sender loops (spread round-robin over the space-separated HOSTS),
# each inside its namespace as a tracked process, each running CMD (stdin =
# MSGFILE) up to PER_WORKER times or until DEADLINE_S. A send failed if CMD
# exits non-zero or its output matches FAIL_RE (smbclient -M exits 0 on
# failure). An argument "@CONF@" becomes the worker host's smb.conf for the
# Samba client tools. Per-send lines "t0_ns t1_ns ok" go to $NS_STATE/send-*.tsv.
# Prints "sent_ok failed start_ns end_ns".
bench_send_workers() {
  local hosts workers=$2 per=$3 secs=$4 msg=$5 fre=$6 w h pids=() start end deadline
  read -r -a hosts <<<"$1"
  shift 6; [ "$1" = -- ] && shift
  rm -f "$NS_STATE"/send-*.tsv
  start=$(bench_now_ns); deadline=$(( start + secs * 1000000000 ))
  for w in $(seq 1 "$workers"); do
    h=${hosts[$(( (w - 1) % ${#hosts[@]} ))]}
    local a cmd=()
    for a in "$@"; do [ "$a" = @CONF@ ] && a=$(ns_samba_conf "$h"); cmd+=("$a"); done
    ns_bg "$h" "sender$w" bash "$BENCH_DIR/send-loop.sh" "$per" "$deadline" "$msg" \
      "$NS_STATE/send-$w.tsv" "$fre" "${cmd[@]}"
    pids+=("$NS_LAST_PID")
  done
  # bounded: each loop stops at the deadline; allow one last send (20 s cap)
  local p
  for p in "${pids[@]}"; do
    ns_wait $(( secs + 25 )) eval "! kill -0 $p 2>/dev/null" || ns_log "sender $p overran"
    wait "$p" 2>/dev/null || true
  done
  end=$(bench_now_ns)
  cat "$NS_STATE"/send-*.tsv 2>/dev/null |
    awk -v s="$start" -v e="$end" '{ if ($3 == 1) ok++; else bad++ } END { printf "%d %d %s %s\n", ok, bad, s, e }'
}

# bench_send_ms: per-send durations (ms) from the last bench_send_workers.
bench_send_ms() { cat "$NS_STATE"/send-*.tsv 2>/dev/null | awk '{ printf "%.3f\n", ($2 - $1) / 1e6 }'; }

# bench_samba_deliveries HOST SINCE_NS: "count last_ns" of hook runs logged
# in HOST's messages.log at or after SINCE_NS (the hook's own timestamp).
bench_samba_deliveries() {
  awk -v since="$2" '/^=== t=/ { t = substr($2, 3); split(t, a, "."); ns = a[1] * 1e9 + substr(a[2] "000000000", 1, 9)
    if (ns >= since) { n++; if (ns > last) last = ns } }
    END { printf "%d %.0f\n", n, last }' "$(ns_dir "$1")/samba/messages.log"
}

# bench_recv_rate NAME SENT START_NS DELIVERIES_FN RHOST [SECS]: wait
# (bounded) until RHOST delivered SENT messages since START_NS, then record
# NAME = delivered / (last delivery - start) in msg/s and NAME.lost.
bench_recv_rate() {
  local name=$1 sent=$2 start=$3 fn=$4 rh=$5 secs=${6:-20} d
  ns_wait "$secs" eval "[ \"\$($fn $rh $start | cut -d' ' -f1)\" -ge $sent ]" ||
    ns_log "$name: only $($fn "$rh" "$start" | cut -d' ' -f1) of $sent delivered after ${secs}s"
  d=$($fn "$rh" "$start")
  local n=${d%% *} last=${d#* }
  bench_record "$name" "$(awk -v n="$n" -v s="$start" -v l="$last" 'BEGIN { printf "%.1f", (l > s) ? n / ((l - s) / 1e9) : 0 }')" \
    msg/s higher "$n delivered of $sent sent, first send -> last delivery"
  bench_record "$name.lost" "$((sent - n))" msgs lower "sent OK but not delivered"
}
