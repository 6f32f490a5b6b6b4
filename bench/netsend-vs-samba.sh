#!/usr/bin/env bash
# netsend-vs-samba.sh — netsendd against nmbd in one run, as ratios
# (root; network namespaces; see bench/README.md).
#
#   sudo NETSEND_BUILD_ROOT=build bench/netsend-vs-samba.sh
#
# Name service: (a) start -> NAME<03> answerable, (b) query answer time on
# the wire and answers per query, (c) idle memory.
# Receiving (smbd with a message command vs netsendd's inbox, same clients):
# (d) smbclient -M loops, 1 and 16 senders; the in-process Python client
# (smb_msg_client.py), 1 and 16 threads; (f) recv-load (bench/recv-load.c,
# C, one connection per message): sequential and 16 concurrent senders,
# the time from the last byte of the final request (0xD6 / 0xD0) to its
# response (netsendd answers only after the fsync'ed commit, so this is
# "last byte -> committed"; smbd answers after starting its message
# command), and RSS while under that load. Only netsendd takes Windows'
# first-SMB 0xD0 (PROTOCOL.md errata 3): its d0 rows have no Samba twin.
#
#   sudo NETSEND_BUILD_ROOT=build bench/netsend-vs-samba.sh [names] [recv]

BENCH_VS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=samba-baseline.sh
. "$BENCH_VS_DIR/samba-baseline.sh"

ours_conf() { # -> config for netsendd as $SB_NAME in $SB_HOST (name service only)
  local d; d=$(ns_dir "$SB_HOST")
  # the inbox in the state dir: the default /var/lib/netsend is the machine's
  mkdir -p "$d/run" "$d/store"; chmod 755 "$d/run"; chown nobody "$d/store"
  cat > "$d/netsendd.conf" <<EOF
[netbios]
name = $SB_NAME
workgroup = $NS_WORKGROUP
interfaces = $(ns_addr "$SB_HOST")
[ports]
session = 0
rpc = 0
[control]
socket = $d/run/control
system-bus = no
[daemon]
user = nobody
[store]
path = $d/store/inbox.db
EOF
  echo "$d/netsendd.conf"
}

ours_start() { ns_netsendd_start "$SB_HOST" "$(ours_conf)" >/dev/null 2>&1; }
ours_stop() { ns_netsendd_stop "$SB_HOST"; }

ours_measure_names() {
  ns_log "=== netsendd name service"
  bench_name_ready ours.netsendd h2 "$SB_NAME" "$(sb_runs 5 2)" ours_start ours_stop || return 1
  ours_start || return 1
  ns_samba_wait_name h2 "$SB_NAME#03" 15 || return 1
  bench_query_wire ours.netsendd h2 "$SB_NAME" "$(sb_runs 50 20)"
  sleep 2
  bench_record_mem ours.netsendd "$SB_HOST" '^netsendd$' "netsendd idle after registration"
  ours_stop
}

# ---------------------------------------------------------------- receiving

ours_recv_conf() { # -> netsendd receiving on 139 as $SB_NAME, limits opened for load
  rm -f "$(ns_dir "$SB_HOST")/store"/inbox.db*
  ns_netsendd_conf "$SB_HOST" "$SB_NAME" ports.name-service= ports.datagram= ports.session= \
    policy.allow= daemon.log-level=warning limits.per-source-rate=0 limits.global-rate=0 \
    limits.max-connections=256 limits.max-connections-per-source=64
}

ours_recv_start() {
  ns_netsendd_start "$SB_HOST" "$(ours_recv_conf)" >/dev/null 2>&1 && ns_wait_listen "$SB_HOST" tcp 139 10
}

# ours_deliveries HOST SINCE_NS: "count last_ns" of messages stored in
# netsendd's inbox at or after SINCE_NS (their receive time).
ours_deliveries() {
  sqlite3 -batch "$(ns_dir "$1")/store/inbox.db" \
    "select count(*), coalesce(max(received_us), 0) * 1000 from messages where received_us * 1000 >= $2" |
    tr '|' ' '
}

# ours_send_phase NAME WORKERS PER HOSTS: sb_send_phase against netsendd.
ours_send_phase() {
  local name=$1 workers=$2 per=$3 hosts=$4 msg res ok bad start end cmd st
  msg="$NS_STATE/bench-msg.txt"; printf 'benchmark message from smbclient\n' > "$msg"
  mapfile -t cmd < <(sb_smbclient_cmd)
  res=$(bench_send_workers "$hosts" "$workers" "$per" 60 "$msg" 'NT_STATUS_|failed|[Ee]rror' -- "${cmd[@]}")
  read -r ok bad start end <<<"$res"
  st=$(bench_send_ms | bench_stats)
  bench_record "ours.smbclient.$name.send_ms" "${st%% *}" ms lower "per smbclient -M start->exit to netsendd (min p90 max n: ${st#* })"
  bench_recv_rate "ours.netsendd.recv_$name" "$ok" "$start" ours_deliveries "$SB_HOST" 20
}

# ours_raw_phase NAME COUNT CONCURRENCY: sb_raw_phase against netsendd.
ours_raw_phase() {
  local name=$1 count=$2 conc=$3 out sent start
  out=$(ns_exec h2 "$BENCH_PY" "$BENCH_DIR/smb_msg_client.py" --host "$(ns_addr "$SB_HOST")" \
    --to "$SB_NAME" --count "$count" --concurrency "$conc" --deadline 60)
  sent=$(sed -n 's/.*"sent": \([0-9]*\).*/\1/p' <<<"$out")
  start=$(sed -n 's/.*"t_start_ns": \([0-9]*\).*/\1/p' <<<"$out")
  bench_record "ours.raw.$name.lat_ms" "$(sed -n 's/.*"median": \([0-9.]*\).*/\1/p' <<<"$out" | awk '{ printf "%.1f", $1 }')" \
    ms lower "in-process client, per message connect->SMBsendend reply, median"
  bench_recv_rate "ours.netsendd.recv_raw_$name" "${sent:-0}" "${start:-0}" ours_deliveries "$SB_HOST" 20
}

# vs_load_phase PREFIX MEM_REGEX NAME COUNT CONCURRENCY MODE: recv-load from
# h2 against whatever listens on h1:139; records PREFIX.NAME (acknowledged
# messages per second), PREFIX.NAME.commit_ms (median; p90/p99/max in the
# note: last byte of the final request -> its response) and
# PREFIX.NAME.rss_kib (the largest VmRSS sum of the MEM_REGEX processes
# sampled every 0.2 s during the run).
vs_load_phase() {
  local pfx=$1 re=$2 name=$3 count=$4 conc=$5 mode=$6 out pid rss max=0 j
  local rate sent failed med p90 p99 cmax
  local load=$NETSEND_BUILD_ROOT/bench/recv-load
  [ -x "$load" ] || { ns_log "recv-load not built"; return 1; }
  # One connection per message: tens of thousands of client ports sit in
  # TIME_WAIT for 60 s. Let h2 (our namespace only) reuse them and use the
  # whole port range, or the sender runs out of ports, not the receiver.
  ns_exec h2 sysctl -q -w net.ipv4.tcp_tw_reuse=1 "net.ipv4.ip_local_port_range=1024 65535" >/dev/null 2>&1 || true
  j="$NS_STATE/load-$pfx-$name.json"
  ns_exec h2 timeout 90 "$load" --host "$(ns_addr "$SB_HOST")" --to "$SB_NAME" --count "$count" \
    --concurrency "$conc" --mode "$mode" --deadline 60 > "$j" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    read -r rss _ <<<"$(bench_ns_mem "$SB_HOST" "$re")"
    [ "${rss:-0}" -gt "$max" ] && max=$rss
    sleep 0.2
  done
  wait "$pid" || true
  out=$("$BENCH_PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d["commit_ms"]; print(d["rate"], d["sent"], d["failed"], c["median"], c["p90"], c["p99"], c["max"])' "$j") ||
    { ns_log "$pfx $name: $(cat "$j")"; return 1; }
  read -r rate sent failed med p90 p99 cmax <<<"$out"
  bench_record "$pfx.$name" "$rate" msg/s higher "recv-load $mode, $conc sender(s): $sent acknowledged, $failed failed"
  bench_record "$pfx.$name.commit_ms" "$med" ms lower "last byte of the final request -> response, median (p90 $p90, p99 $p99, max $cmax)"
  bench_record "$pfx.$name.rss_kib" "$max" KiB lower "largest VmRSS sum during the run"
}

samba_measure_recv_load() {
  ns_log "=== smbd: recv-load"
  ns_samba_start "$SB_HOST" "$SB_NAME" loglevel=1 >/dev/null 2>&1 || return 1
  sleep 1
  vs_load_phase samba.smbd "$SB_SMBD_COMM" load_seq "$(sb_runs 200 40)" 1 multi
  vs_load_phase samba.smbd "$SB_SMBD_COMM" load_conc16 "$(sb_runs 400 80)" 16 multi
  samba_stop
}

ours_measure_recv() {
  local n
  ns_log "=== netsendd: receiving"
  ours_recv_start || return 1
  sleep 1
  bench_record_mem ours.netsendd.recv_idle "$SB_HOST" '^netsendd$' "netsendd idle, receivers up"
  ours_send_phase seq 1 "$(sb_runs 200 40)" "h2"
  ours_send_phase conc16 16 "$(sb_runs 13 3)" "h2 h3"
  ours_raw_phase seq "$(sb_runs 200 40)" 1
  ours_raw_phase conc16 "$(sb_runs 400 80)" 16
  vs_load_phase ours.netsendd '^netsendd$' load_seq "$(sb_runs 3000 1000)" 1 multi
  vs_load_phase ours.netsendd '^netsendd$' load_conc16 "$(sb_runs 30000 8000)" 16 multi
  vs_load_phase ours.netsendd '^netsendd$' load_seq_d0 "$(sb_runs 3000 1000)" 1 d0
  vs_load_phase ours.netsendd '^netsendd$' load_conc16_d0 "$(sb_runs 30000 8000)" 16 d0
  n=$(ours_deliveries "$SB_HOST" 0)
  bench_record ours.netsendd.stored "${n%% *}" msgs info "messages in the inbox after the receive phases"
  ours_stop
}

vs_main() {
  local phases=${*:-names recv} p
  ns_require_root nmbd smbd nmblookup smbclient testparm dumpcap tshark sqlite3
  ns_require_netsend netsendd
  bench_init
  ns_lan_up 3
  bench_record machine.load_start "$(cut -d' ' -f1 /proc/loadavg)" loadavg info "1-min load average at start ($(nproc) CPUs)"
  for p in $phases; do
    case "$p" in
      names)
        samba_measure_nmbd || ns_fail "nmbd measurements failed"
        ours_measure_names || ns_fail "netsendd measurements failed" ;;
      recv)
        samba_measure_smbd || ns_fail "smbd measurements failed"
        samba_measure_recv_load || ns_fail "smbd recv-load failed"
        ours_measure_recv || ns_fail "netsendd receive measurements failed" ;;
      *) ns_fail "unknown phase '$p' (names, recv)" ;;
    esac
  done
  bench_record machine.load_end "$(cut -d' ' -f1 /proc/loadavg)" loadavg info "1-min load average at the end"
  echo
  echo "netsendd vs Samba ($(smbd --version); $(nproc) CPUs; load $(bench_get machine.load_start) -> $(bench_get machine.load_end))"
  bench_compare ready_s ours.netsendd.ready_s samba.nmbd.ready_s
  bench_compare query_wire_us ours.netsendd.query_wire_us samba.nmbd.query_wire_us
  bench_compare query_answers ours.netsendd.query_answers samba.nmbd.query_answers
  bench_compare query_rtt_ms ours.netsendd.query_rtt_ms samba.nmbd.query_rtt_ms
  bench_compare rss_kib ours.netsendd.rss_kib samba.nmbd.rss_kib
  bench_compare pss_kib ours.netsendd.pss_kib samba.nmbd.pss_kib
  bench_compare anon_kib ours.netsendd.anon_kib samba.nmbd.anon_kib
  bench_compare recv_seq ours.netsendd.recv_seq samba.smbd.recv_seq
  bench_compare recv_conc16 ours.netsendd.recv_conc16 samba.smbd.recv_conc16
  bench_compare recv_raw_seq ours.netsendd.recv_raw_seq samba.smbd.recv_raw_seq
  bench_compare recv_raw_conc16 ours.netsendd.recv_raw_conc16 samba.smbd.recv_raw_conc16
  bench_compare load_seq ours.netsendd.load_seq samba.smbd.load_seq
  bench_compare load_conc16 ours.netsendd.load_conc16 samba.smbd.load_conc16
  bench_compare load_seq_commit_ms ours.netsendd.load_seq.commit_ms samba.smbd.load_seq.commit_ms
  bench_compare load_conc16_commit_ms ours.netsendd.load_conc16.commit_ms samba.smbd.load_conc16.commit_ms
  bench_compare load_conc16_rss_kib ours.netsendd.load_conc16.rss_kib samba.smbd.load_conc16.rss_kib
  echo "netsendd only (Windows' first-SMB 0xD0): load_seq_d0 $(bench_get ours.netsendd.load_seq_d0) msg/s," \
       "load_conc16_d0 $(bench_get ours.netsendd.load_conc16_d0) msg/s"
  echo "(figures: $BENCH_RESULTS)"
  ns_down
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -u -o pipefail
  vs_main "$@"
fi
