#!/usr/bin/env bash
# netsend-vs-samba.sh — netsendd against nmbd in one run, as ratios
# (root; network namespaces; see bench/README.md).
#
#   sudo NETSEND_BUILD_ROOT=build bench/netsend-vs-samba.sh
#
# Name service only for now: (a) start -> NAME<03> answerable, (b) query
# answer time on the wire and answers per query, (c) idle memory. The message
# phases (smbd receive rates against netsendd's session service) belong here
# once the daemon's SMB receiver and a way to count its deliveries exist; use
# bench_send_workers / smb_msg_client.py and bench_recv_rate with a
# deliveries function for netsendd, as samba-baseline.sh does for smbd.

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

vs_main() {
  ns_require_root nmbd smbd nmblookup smbclient testparm dumpcap tshark
  ns_require_netsend netsendd
  bench_init
  ns_lan_up 3
  bench_record machine.load_start "$(cut -d' ' -f1 /proc/loadavg)" loadavg info "1-min load average at start ($(nproc) CPUs)"
  samba_measure_nmbd || ns_fail "nmbd measurements failed"
  ours_measure_names || ns_fail "netsendd measurements failed"
  bench_record machine.load_end "$(cut -d' ' -f1 /proc/loadavg)" loadavg info "1-min load average at the end"
  echo
  echo "netsendd vs nmbd ($(smbd --version); $(nproc) CPUs; load $(bench_get machine.load_start) -> $(bench_get machine.load_end))"
  bench_compare ready_s ours.netsendd.ready_s samba.nmbd.ready_s
  bench_compare query_wire_us ours.netsendd.query_wire_us samba.nmbd.query_wire_us
  bench_compare query_answers ours.netsendd.query_answers samba.nmbd.query_answers
  bench_compare query_rtt_ms ours.netsendd.query_rtt_ms samba.nmbd.query_rtt_ms
  bench_compare rss_kib ours.netsendd.rss_kib samba.nmbd.rss_kib
  bench_compare pss_kib ours.netsendd.pss_kib samba.nmbd.pss_kib
  bench_compare anon_kib ours.netsendd.anon_kib samba.nmbd.anon_kib
  echo "(figures: $BENCH_RESULTS)"
  ns_down
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -u -o pipefail
  vs_main "$@"
fi
