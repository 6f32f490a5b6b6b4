#!/usr/bin/env bash
# samba-baseline.sh — Samba 4.x figures that netsend is compared against,
# measured in network namespaces (root only; see bench/README.md).
#
#   sudo bench/samba-baseline.sh            # full run, ~1-2 min
#   BENCH_QUICK=1 sudo bench/samba-baseline.sh
#   BENCH_RESULTS=/tmp/r.tsv ...            # keep/append figures for ratios
#   sudo bench/samba-baseline.sh nmbd       # only the nmbd phase (or: smbd)
#
# Sourced (". bench/samba-baseline.sh") it only defines the functions, so a
# script measuring netsendd can run the Samba side in the same run and print
# bench_compare ratios.
#
# Topology: h1 = the Samba peer (PEERA), h2 and h3 = senders/queriers.
# (a) nmbd start -> PEERA<03> answerable     samba.nmbd.ready_s
# (b) name query answer time on the wire     samba.nmbd.query_wire_us (+ answers/query, rtt)
# (c) idle memory                            samba.{nmbd,smbd}.{rss,pss,anon}_kib
# (d) smbd receive rate: 1 sequential smbclient, 16 concurrent smbclients,
#     and the same with an in-process client  samba.smbd.recv_*
# (e) smbclient -M one send start->exit and sequential send rate
#                                             samba.smbclient.send_ms, .send_seq_rate

BENCH_SELF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$BENCH_SELF_DIR/lib.sh"

SB_HOST=h1
SB_NAME=PEERA
SB_QUICK=${BENCH_QUICK:-0}
SB_SMBD_COMM='^(smbd|smbd-.*|cleanupd|rpcd_.*|samba-.*)$'

sb_runs() { if [ "$SB_QUICK" = 1 ]; then echo "$2"; else echo "$1"; fi; }

# responder callbacks for bench_name_ready (quiet, return once listening)
samba_nmbd_start() { ns_samba_start "$SB_HOST" "$SB_NAME" nosmbd loglevel=1 >/dev/null 2>&1; }
samba_stop() { ns_samba_stop "$SB_HOST"; }

sb_smbclient_cmd() { # [FROMHOST] -> smbclient -M command line, one word per line
  printf '%s\n' smbclient -s "${1:-@CONF@}" -M "$SB_NAME" -I "$(ns_addr "$SB_HOST")" -N -U BENCH
}

samba_measure_nmbd() {
  ns_log "=== nmbd: (a) start -> answerable, (b) query time, (c) idle memory"
  bench_name_ready samba.nmbd h2 "$SB_NAME" "$(sb_runs 5 2)" samba_nmbd_start samba_stop || return 1
  samba_nmbd_start || return 1
  ns_samba_wait_name h2 "$SB_NAME#03" 15 || return 1
  bench_query_wire samba.nmbd h2 "$SB_NAME" "$(sb_runs 50 20)"
  local st
  st=$(bench_cmd_ms h2 "$(sb_runs 20 5)" nmblookup -s "$(ns_samba_conf h2)" -B "$(ns_bcast h2)" "$SB_NAME#03" | bench_stats)
  bench_record samba.nmblookup.proc_ms "${st%% *}" ms lower "nmblookup -B process start->exit (min p90 max n: ${st#* })"
  sleep 2   # idle
  bench_record_mem samba.nmbd "$SB_HOST" '^nmbd$' "nmbd idle after registration"
  samba_stop
}

# sb_send_phase NAME WORKERS PER HOSTS: smbclient senders; records the
# client-side send rate, per-send times and the server's receive rate.
sb_send_phase() {
  local name=$1 workers=$2 per=$3 hosts=$4 msg res ok bad start end cmd
  msg="$NS_STATE/bench-msg.txt"; printf 'benchmark message from smbclient\n' > "$msg"
  mapfile -t cmd < <(sb_smbclient_cmd)
  res=$(bench_send_workers "$hosts" "$workers" "$per" 60 "$msg" 'NT_STATUS_|failed|[Ee]rror' -- "${cmd[@]}")
  read -r ok bad start end <<<"$res"
  bench_record "samba.smbclient.$name.send_rate" \
    "$(awk -v n="$ok" -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", n / ((e - s) / 1e9) }')" msg/s higher \
    "$workers sender(s): $ok sent OK, $bad failed"
  local st; st=$(bench_send_ms | bench_stats)
  bench_record "samba.smbclient.$name.send_ms" "${st%% *}" ms lower "per smbclient -M start->exit (min p90 max n: ${st#* })"
  bench_recv_rate "samba.smbd.recv_$name" "$ok" "$start" bench_samba_deliveries "$SB_HOST" 20
}

# sb_raw_phase NAME COUNT CONCURRENCY: in-process client (no process start
# per message): the server-side receive rate.
sb_raw_phase() {
  local name=$1 count=$2 conc=$3 out sent start
  out=$(ns_exec h2 "$BENCH_PY" "$BENCH_DIR/smb_msg_client.py" --host "$(ns_addr "$SB_HOST")" \
    --to "$SB_NAME" --count "$count" --concurrency "$conc" --deadline 60)
  sent=$(sed -n 's/.*"sent": \([0-9]*\).*/\1/p' <<<"$out")
  start=$(sed -n 's/.*"t_start_ns": \([0-9]*\).*/\1/p' <<<"$out")
  bench_record "samba.raw.$name.lat_ms" "$(sed -n 's/.*"median": \([0-9.]*\).*/\1/p' <<<"$out" | awk '{ printf "%.1f", $1 }')" \
    ms lower "in-process client, per message connect->SMBsendend reply, median"
  bench_recv_rate "samba.smbd.recv_raw_$name" "${sent:-0}" "${start:-0}" bench_samba_deliveries "$SB_HOST" 20
}

samba_measure_smbd() {
  ns_log "=== smbd: (c) idle memory, (e) smbclient -M sends, (d) receive rates"
  ns_samba_start "$SB_HOST" "$SB_NAME" loglevel=1 >/dev/null 2>&1 || return 1
  sleep 2
  bench_record_mem samba.smbd "$SB_HOST" "$SB_SMBD_COMM" "smbd family idle (nmbd running too)"
  local st
  st=$(bench_cmd_ms h2 "$(sb_runs 20 5)" smbclient --version | bench_stats)
  bench_record samba.smbclient.version_ms "${st%% *}" ms lower "smbclient --version start->exit: fixed process cost (min p90 max n: ${st#* })"
  local cmd hf; mapfile -t cmd < <(sb_smbclient_cmd "$(ns_samba_conf h2)")
  printf 'hyperfine message\n' > "$NS_STATE/hf-msg.txt"
  if hf=$(bench_hyperfine h2 "$(sb_runs 20 5)" "$NS_STATE/hf.json" "${cmd[*]} < $NS_STATE/hf-msg.txt"); then
    bench_record samba.smbclient.send_ms_hyperfine "${hf%% *}" ms lower "hyperfine mean (stddev median: ${hf#* })"
  fi
  sb_send_phase seq 1 "$(sb_runs 200 40)" "h2"
  sb_send_phase conc16 16 "$(sb_runs 13 3)" "h2 h3"
  sb_raw_phase seq "$(sb_runs 200 40)" 1
  sb_raw_phase conc16 "$(sb_runs 400 80)" 16
  samba_stop
}

# samba_baseline_main [nmbd] [smbd]: the phases to run (default both).
samba_baseline_main() {
  local phases=${*:-nmbd smbd} p
  ns_require_root nmbd smbd nmblookup smbclient testparm dumpcap tshark
  bench_init
  ns_lan_up 3
  bench_record machine.load_start "$(cut -d' ' -f1 /proc/loadavg)" loadavg info "1-min load average at start ($(nproc) CPUs)"
  for p in $phases; do
    case "$p" in
      nmbd) samba_measure_nmbd || ns_fail "nmbd measurements failed" ;;
      smbd) samba_measure_smbd || ns_fail "smbd measurements failed" ;;
      *) ns_fail "unknown phase '$p' (nmbd, smbd)" ;;
    esac
  done
  bench_record machine.load_end "$(cut -d' ' -f1 /proc/loadavg)" loadavg info "1-min load average at the end"
  echo
  echo "Samba baseline ($(smbd --version); $(nproc) CPUs; $(date -u +%Y-%m-%dT%H:%MZ))"
  bench_table | grep -v '^ratio\.'
  echo "(figures: $BENCH_RESULTS)"
  ns_down
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -u -o pipefail
  samba_baseline_main "$@"
fi
