#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# bench/wins.sh — netsendd and the name engine with WINS, against Samba in
# the same run (root; network namespaces; see bench/README.md). Topology:
# two subnets joined by the router namespace "rt":
#   subnet A  h1 nmbd, "wins support = yes" (the WINS server)
#             h2 the sender / querier
#             h3 netsendd NSTRA + 100 aliases A001..A100 (H-node)
#   subnet B  h4 netsendd NSTRB + 100 aliases B001..B100 (H-node); also the
#                netsendd restarted for the registration time
#             h5 nmbd PEERC, a WINS client (Samba's registration time)
# Figures (bench_record; medians, the note has min/p90/max/n):
#   wins.netsendd.register_s   netsendd start -> NAME<03> answered by WINS
#   wins.nmbd.register_s       nmbd start -> PEERC<03> answered by WINS
#   wins.netsendd.register101_s  start with 100 aliases -> every name granted
#   wins.engine.resolve_ms     NbResolver query via WINS, in-process round trip
#   wins.engine.cached_ms      the same answered from the resolver's cache
#   wins.probe.resolve_ms      a bare UDP query/answer (python), the server's share
#   wins.engine.proc_ms        wins-resolve --count 1, process start -> exit
#   wins.nmblookup.proc_ms     nmblookup -U WINS --recursion, start -> exit
#   wins.deliver200.*          netsend --wins to 200 names on both subnets
# Bounded: every wait and loop; teardown by the harness on exit.
set -u -o pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ns_require_root nmbd nmblookup testparm python3 sqlite3
ns_require_netsend netsendd netname
unset G_DEBUG
RUNS=5 QUERIES=100 PROC_RUNS=20
[ "${BENCH_QUICK:-0}" = 1 ] && { RUNS=2 QUERIES=20 PROC_RUNS=5; }
RESOLVE_BIN="$NETSEND_BUILD_ROOT/bench/wins-resolve"
[ -x "$RESOLVE_BIN" ] || ns_skip "bench/wins-resolve not built"

bench_init
bench_record machine.load_start "$(cut -d' ' -f1 /proc/loadavg)" load info "1-min load average"
ns_lan_up 3
ns_add_router 2 || ns_fail "router"
A1=$(ns_addr h1) A2=$(ns_addr h2) A3=$(ns_addr h3) A4=$(ns_addr h4)

ns_samba_start h1 NSTWINS nosmbd wins loglevel=1 || ns_fail "WINS server"

# conf HOST NAME ALIASES: an H-node netsendd with WINS h1, receiving on 139
# from every subnet without rate limits (the delivery bench sends 200
# messages from one source).
conf() {
  ns_netsendd_conf "$1" "$2" netbios.aliases="$3" netbios.wins-server="$A1" \
    daemon.log-level=warning limits.per-source-rate=0 limits.global-rate=0 \
    limits.max-connections=256 limits.max-connections-per-source=64 >/dev/null
}
sock() { echo "$(ns_dir "$1")/run/control"; }

# The registration time, start -> answered by WINS: a probe in QHOST asks
# WINS for NAME<03> every 5 ms (unicast, RD) from before the start, so that
# its own start-up (python) is not counted. probe_start QHOST NAME LABEL,
# then start the daemon, then probe_ms LABEL T_START_NS prints the ms from
# T_START_NS to the first positive answer.
probe_start() {
  PROBE_T0=$(bench_now_ns)
  ns_bg "$1" "$3" "$BENCH_PY" "$BENCH_DIR/nbns_probe.py" ready "$2" --unicast --dest "$A1" \
    --t0-ns "$PROBE_T0" --interval 0.005 --timeout 30
  PROBE_PID=$NS_LAST_PID PROBE_HOST=$1
  sleep 0.5   # the interpreter is up and querying
}
probe_ms() {
  local ready
  ns_wait 35 eval "! kill -0 $PROBE_PID 2>/dev/null" || ns_kill "$PROBE_PID" "$(ns_name "$PROBE_HOST")" 2
  wait "$PROBE_PID" 2>/dev/null || true
  ready=$(sed -n 's/.*"ready_ms": \([0-9.]*\).*/\1/p' "$(ns_dir "$PROBE_HOST")/$1.log")
  [ -n "$ready" ] || return 0
  awk -v p="$PROBE_T0" -v r="$ready" -v s="$2" 'BEGIN { printf "%.1f\n", (p + r * 1e6 - s) / 1e6 }'
}

record_ms_as_s() { # NAME VALUES NOTE
  local st; st=$(tr ' ' '\n' <<<"$2" | grep . | bench_stats)
  [ "${st##* }" -gt 0 ] || { ns_log "$1: no value"; return 1; }
  bench_record "$1" "$(awk -v m="${st%% *}" 'BEGIN { printf "%.3f", m / 1000 }')" s lower \
    "$3, median of ${st##* } (ms:$2)"
}

# ---- registration time: netsendd (h4, subnet B) and nmbd (h5, subnet B)
ns_log "--- registration time with WINS"
conf h4 NSTRB ""
vals=""
for i in $(seq 1 "$RUNS"); do
  probe_start h2 NSTRB "probe-ours-$i"
  t0=$(bench_now_ns)
  ns_netsendd_start h4 "$(ns_dir h4)/netsendd.conf" "$(sock h4)" >/dev/null || ns_fail "netsendd h4"
  vals="$vals $(probe_ms "probe-ours-$i" "$t0")"
  ns_netsendd_stop h4   # SIGTERM: releases at WINS, so the next run registers afresh
done
record_ms_as_s wins.netsendd.register_s "$vals" "netsendd start -> NSTRB<03> answered by WINS"
vals=""
for i in $(seq 1 "$RUNS"); do
  probe_start h2 PEERC "probe-samba-$i"
  t0=$(bench_now_ns)
  ns_samba_start h5 PEERC nosmbd loglevel=1 "wins=$A1" >/dev/null || ns_fail "nmbd h5"
  vals="$vals $(probe_ms "probe-samba-$i" "$t0")"
  ns_samba_stop h5
done
record_ms_as_s wins.nmbd.register_s "$vals" "nmbd start -> PEERC<03> answered by WINS"
bench_compare wins-register wins.netsendd.register_s wins.nmbd.register_s

# ---- 101 names: NSTRB + 100 aliases, until every one is granted
aliases() { seq -f "$1%03g" 1 100 | paste -sd, -; }
conf h4 NSTRB "$(aliases B)"
conf h3 NSTRA "$(aliases A)"
t0=$(bench_now_ns)
ns_netsendd_start h4 "$(ns_dir h4)/netsendd.conf" "$(sock h4)" >/dev/null || ns_fail "netsendd h4"
all_granted() {
  local out
  out=$(ns_netsend_run h4 netname --socket "$(sock h4)" --all --quiet 2>/dev/null) || return 1
  [ "$(grep -c ' <03> .* registered .* wins' <<<"$out")" -eq 101 ]
}
if ns_wait 30 all_granted; then
  bench_record wins.netsendd.register101_s "$(bench_ms_since "$t0" | awk '{ printf "%.3f", $1 / 1000 }')" s lower \
    "start -> NSTRB<03> and 100 aliases granted by WINS (netname polled every 50 ms)"
else
  ns_log "not every name of h4 was granted within 30 s"
fi
ns_netsendd_start h3 "$(ns_dir h3)/netsendd.conf" "$(sock h3)" >/dev/null || ns_fail "netsendd h3"
ns_wait 30 eval "[ \"\$(ns_netsend_run h3 netname --socket '$(sock h3)' --all --quiet 2>/dev/null | grep -c ' <03> .* registered')\" -eq 101 ]" ||
  ns_log "h3's names did not all register"

# ---- resolution through WINS: the engine vs nmblookup -U
ns_log "--- resolution through WINS"
out=$(ns_exec h2 timeout 120 "$RESOLVE_BIN" --wins "$A1" --count "$QUERIES" 'B050#03')
st=$(sed -n 's/.*"rtt_ms": \[\([^]]*\)\].*/\1/p' <<<"$out" | tr ',' '\n' | tr -d ' ' | grep . | bench_stats)
bench_record wins.engine.resolve_ms "${st%% *}" ms lower "NbResolver via WINS, in-process (min p90 max n: ${st#* })"
out=$(ns_exec h2 timeout 120 "$RESOLVE_BIN" --wins "$A1" --count "$QUERIES" --cache 'B050#03')
st=$(sed -n 's/.*"cached_ms": \[\([^]]*\)\].*/\1/p' <<<"$out" | tr ',' '\n' | tr -d ' ' | grep . | bench_stats)
bench_record wins.engine.cached_ms "${st%% *}" ms lower "the same from the resolver cache (min p90 max n: ${st#* })"
out=$(ns_exec h2 "$BENCH_PY" "$BENCH_DIR/nbns_probe.py" latency B050 --unicast --dest "$A1" \
  --count "$QUERIES" --timeout 1 --linger 0)
st=$(sed -n 's/.*"rtt_ms": \[\(.*\)\].*/\1/p' <<<"$out" | tr ',' '\n' | tr -d ' ' | grep . | bench_stats)
bench_record wins.probe.resolve_ms "${st%% *}" ms lower "bare UDP query to WINS, python (min p90 max n: ${st#* })"
st=$(bench_cmd_ms h2 "$PROC_RUNS" "$RESOLVE_BIN" --wins "$A1" --count 1 'B050#03' | bench_stats) ||
  ns_log "wins-resolve failed in some runs"
bench_record wins.engine.proc_ms "${st%% *}" ms lower "wins-resolve --count 1, start -> exit (min p90 max n: ${st#* })"
st=$(bench_cmd_ms h2 "$PROC_RUNS" env SMB_CONF_PATH="$(ns_samba_conf h2)" nmblookup \
  -s "$(ns_samba_conf h2)" -U "$A1" --recursion 'B050#03' | bench_stats) ||
  ns_log "nmblookup failed in some runs"
bench_record wins.nmblookup.proc_ms "${st%% *}" ms lower "nmblookup -U WINS --recursion, start -> exit (min p90 max n: ${st#* })"
bench_compare wins-resolve-proc wins.engine.proc_ms wins.nmblookup.proc_ms

# ---- delivery to 200 names on two subnets, resolved through WINS
if ns_netsend_bin netsend >/dev/null; then
  ns_log "--- netsend to 200 names (100 in subnet A, 100 in subnet B)"
  list="$NS_STATE/names200.txt"
  { seq -f "A%03g" 1 100; seq -f "B%03g" 1 100; } > "$list"
  t0=$(bench_now_ns)
  rc=0
  NS_TOOL_TIMEOUT=120 ns_netsend_run h2 netsend --no-config -i "$A2" --wins "$A1" \
    --no-host-resolver --timeout 10 -f BENCH --json "@$list" "bench message" \
    > "$NS_STATE/deliver200.json" 2> "$NS_STATE/deliver200.err" || rc=$?
  wall_ms=$(bench_ms_since "$t0")
  inbox() { sqlite3 "$(ns_dir "$1")/store/inbox.db" "SELECT count(*) FROM messages WHERE sender = 'BENCH'" 2>/dev/null || echo 0; }
  ns_wait 10 eval "[ \$(( \$(inbox h3) + \$(inbox h4) )) -ge 200 ]" || true
  got=$(( $(inbox h3) + $(inbox h4) ))
  okres=$(grep -c '"result":"delivered"' "$NS_STATE/deliver200.json" || true)
  bench_record wins.deliver200.wall_s "$(awk -v m="$wall_ms" 'BEGIN { printf "%.3f", m / 1000 }')" s lower \
    "netsend --wins @200 names (parallel 32), start -> exit, exit status $rc"
  bench_record wins.deliver200.rate "$(awk -v n="$got" -v m="$wall_ms" 'BEGIN { printf "%.1f", n / (m / 1000) }')" \
    msg/s higher "stored in the two inboxes / wall time"
  bench_record wins.deliver200.stored "$got" msgs higher "in h3's and h4's inboxes (of 200); netsend reported $okres delivered"
else
  ns_log "netsend not built: no delivery figures"
fi

bench_record machine.load_end "$(cut -d' ' -f1 /proc/loadavg)" load info "1-min load average"
ns_log "--- figures"
bench_table
ns_down
