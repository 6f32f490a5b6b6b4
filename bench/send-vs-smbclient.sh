#!/usr/bin/env bash
# send-vs-smbclient.sh — the netsend command against `smbclient -M` in one
# run, as ratios (root; network namespaces; see bench/README.md).
#
#   sudo NETSEND_BUILD_ROOT=build bench/send-vs-smbclient.sh
#   BENCH_QUICK=1 ...             # fewer runs
#   BENCH_FANOUT=1000 ...         # recipients of the fan-out (at most 1000)
#   BENCH_FANOUT_SMBD=200 ...     # recipients of the fan-out to smbd
#   BENCH_FANOUT_PARALLEL=64 ...  # netsend --parallel for the fan-out
#   BENCH_FANOUT_ICMP_RATEMASK=6168 ... # h3's net.ipv4.icmp_ratemask during the
#                                 # smbd fan-out (default 6160: see sv_fanout)
#
# Topology: h1 = Samba PEERA (nmbd + smbd, message command hook, log level
# 1), h2 = the sender, h3 = Samba smbd for the fan-out with BENCH_FANOUT
# extra IPv4 addresses (one recipient each, called *SMBSERVER; h2 routes
# them via h3, so no ARP per address); then h3..h6 = netsendd with 250
# message names each, the fan-out by name (when netsendd has its SMB
# receiver).
#
# (1) one send start->exit, hyperfine (shell start subtracted): smbclient -M,
#     netsend (auto: 0xD0 first, which smbd drops, then multi-block),
#     netsend --blocks multi (the frames smbclient sends), and netsend to
#     netsendd (0xD0 accepted) when available; -I everywhere (no resolution)
# (2) sequential sends, one loop of at most 200 (60 s), exit status checked
#     per send (smbclient: output, it exits 0 on failure); deliveries
#     counted at the message command
# (3) fan-out: one netsend to BENCH_FANOUT recipients (@FILE of addresses
#     for smbd, of names for netsendd), a result per recipient (--json),
#     the whole run timed, netsendd's inboxes counted; smbclient has no
#     fan-out: its figure is BENCH_FANOUT sequential sends at its measured
#     rate (a projection, labelled so)
# Bounded: every loop by count and 60 s, every command by `timeout`.

BENCH_SV_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=samba-baseline.sh
. "$BENCH_SV_DIR/samba-baseline.sh"

SV_FANOUT=${BENCH_FANOUT:-1000}
# smbd forks a process per connection (two per recipient: it drops the first
# 0xD0): its fan-out is measured on fewer recipients to spare the machine.
SV_FANOUT_SMBD=${BENCH_FANOUT_SMBD:-200}
SV_PARALLEL=${BENCH_FANOUT_PARALLEL:-64}
# 6168 is the kernel default (destination unreachable, source quench, time
# exceeded and parameter problem rate-limited); 6160 leaves destination
# unreachable (bit 3) unlimited. See sv_fanout.
SV_ICMP_RATEMASK=${BENCH_FANOUT_ICMP_RATEMASK:-6160}
SV_MSG="benchmark message from the sender"
SV_FANOUT_MSG="fan-out benchmark message"

sv_netsend() { ns_netsend_bin netsend; }

# The netsend command line for h2 -> PEERA at h1 (one word per line).
sv_netsend_cmd() {
  printf '%s\n' "$(sv_netsend)" --no-config --no-host-resolver -I "$(ns_addr "$SB_HOST")" \
    --from BENCH "$@" "$SB_NAME"
}

sv_hyperfine() { # FIGURE LABEL CMDSTRING
  local hf
  if hf=$(bench_hyperfine h2 "$(sb_runs 30 8)" "$NS_STATE/hf-$1.json" "$3"); then
    bench_record "$1" "${hf%% *}" ms lower "$2: hyperfine mean (stddev median: ${hf#* })"
  else
    ns_log "$1: hyperfine failed (is it installed? did a run fail?)"
  fi
}

# (1) one send, and the fixed process cost of each program
sv_one_send() {
  local msg="$NS_STATE/one-msg.txt" cmd st
  ns_log "=== one send start->exit"
  printf '%s\n' "$SV_MSG" > "$msg"
  mapfile -t cmd < <(sb_smbclient_cmd "$(ns_samba_conf h2)")
  sv_hyperfine samba.smbclient.send_ms_hyperfine "smbclient -M -I" "${cmd[*]} < $msg"
  mapfile -t cmd < <(sv_netsend_cmd)
  sv_hyperfine ours.netsend.send_ms_hyperfine "netsend -I to smbd (auto)" "${cmd[*]} < $msg"
  mapfile -t cmd < <(sv_netsend_cmd --blocks multi)
  sv_hyperfine ours.netsend_multi.send_ms_hyperfine "netsend -I --blocks multi to smbd" "${cmd[*]} < $msg"
  st=$(bench_cmd_ms h2 "$(sb_runs 20 5)" smbclient --version | bench_stats)
  bench_record samba.smbclient.version_ms "${st%% *}" ms lower "smbclient --version start->exit (min p90 max n: ${st#* })"
  st=$(bench_cmd_ms h2 "$(sb_runs 20 5)" "$(sv_netsend)" --version | bench_stats)
  bench_record ours.netsend.version_ms "${st%% *}" ms lower "netsend --version start->exit (min p90 max n: ${st#* })"
  # What a start costs is mostly the shared libraries loaded: libsmbclient
  # (--reliable browsing) drags in ~120 of them, so it lives in a module
  # that only a browsing run loads (lib/net/ns-browse-module.h).
  bench_record ours.netsend.shared_libs "$(ldd "$(sv_netsend)" | grep -c '=>')" libs info \
    "libraries netsend loads ($(ldd "$(sv_netsend)" | grep -q libsmbclient && echo 'with' || echo 'without') libsmbclient)"
  bench_record samba.smbclient.shared_libs "$(ldd "$(command -v smbclient)" | grep -c '=>')" libs info "libraries smbclient loads"
}

# (2) sequential: NAME CMD... (same loop, message and receiver for both)
sv_seq() {
  local name=$1 msg res ok bad start end st; shift
  msg="$NS_STATE/seq-msg.txt"; printf '%s\n' "$SV_MSG" > "$msg"
  res=$(bench_send_workers h2 1 "$(sb_runs 200 40)" 60 "$msg" '' -- "$@")
  read -r ok bad start end <<<"$res"
  bench_record "$name.seq.send_rate" \
    "$(awk -v n="$ok" -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", n / ((e - s) / 1e9) }')" \
    msg/s higher "1 sender loop: $ok sent OK, $bad failed"
  st=$(bench_send_ms | bench_stats)
  bench_record "$name.seq.send_ms" "${st%% *}" ms lower "per send start->exit (min p90 max n: ${st#* })"
  bench_recv_rate "$name.seq.recv_rate" "$ok" "$start" bench_samba_deliveries "$SB_HOST" 20
}

sv_sequential() {
  local cmd
  ns_log "=== sequential sends"
  sb_send_phase seq 1 "$(sb_runs 200 40)" h2   # samba.smbclient.seq.*, samba.smbd.recv_seq
  mapfile -t cmd < <(sv_netsend_cmd)
  sv_seq ours.netsend "${cmd[@]}"
  mapfile -t cmd < <(sv_netsend_cmd --blocks multi)
  sv_seq ours.netsend_multi "${cmd[@]}"
}

# (3) fan-out: h3 answers on SV_FANOUT_SMBD extra addresses
sv_fanout_addrs() { # -> the addresses, one per line (10.B.16.1 ...)
  local i
  for ((i = 0; i < SV_FANOUT_SMBD; i++)); do
    echo "$NS_NET_BASE.$((16 + i / 250)).$((1 + i % 250))"
  done
}

sv_fanout_setup() { # HOST: the addresses on HOST's veth0, h2 routes them via HOST
  local h=$1 batch="$NS_STATE/fanout-addrs.batch"
  sv_fanout_addrs | awk '{ print "addr add " $1 "/32 dev veth0" }' > "$batch"
  ip -n "$(ns_name "$h")" -batch "$batch" || return 1
  ip -n "$(ns_name h2)" route replace "$NS_NET_BASE.16.0/20" via "$(ns_addr "$h")" || return 1
  sv_fanout_addrs > "$NS_STATE/fanout-list.txt"
}

# sv_fanout_run NAME N RECEIVER-NOTE [NETSEND-OPTION...]: one netsend to
# every recipient of fanout-list.txt; records NAME.fanout_s, .delivered,
# .failed and the per-host times.
sv_fanout_run() {
  local name=$1 count=$2 what=$3 t0 ms out="$NS_STATE/$1-fanout.json" rc=0
  shift 3
  t0=$(bench_now_ns)
  NS_TOOL_TIMEOUT=120 ns_netsend_run h2 netsend --no-config --no-host-resolver --json \
    --parallel "$SV_PARALLEL" --timeout 20 --from BENCH "$@" "@$NS_STATE/fanout-list.txt" \
    "$SV_FANOUT_MSG" > "$out" 2> "$out.err" || rc=$?
  ms=$(bench_ms_since "$t0")
  local counts; counts=$("$BENCH_PY" - "$out" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows = [r for r in rows if r.get("result") != "error"]  # a run-level error line
ok = sum(r["result"] == "delivered" for r in rows)
t = sorted(r["time_us"] / 1000 for r in rows) or [0]
print(len(rows), ok, len(rows) - ok, "%.1f" % t[len(t) // 2], "%.1f" % t[int(0.9 * (len(t) - 1))], "%.1f" % t[-1])
EOF
)
  local n ok bad med p90 max; read -r n ok bad med p90 max <<<"$counts"
  bench_record "$name.fanout_s" "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')" s lower \
    "netsend @FILE of $count recipients, --parallel $SV_PARALLEL, to $what; exit $rc; $n results"
  bench_record "$name.fanout_delivered" "$ok" hosts higher "of $count, per-host results from --json"
  bench_record "$name.fanout_failed" "$bad" hosts lower "$(head -c 200 "$out.err" | tr '\n' ' ')"
  bench_record "$name.fanout_host_ms" "$med" ms lower "per host (resolve+deliver), median (p90 $p90, max $max)"
}

sv_fanout() {
  ns_log "=== fan-out to $SV_FANOUT recipients"
  [ "$SV_FANOUT" -ge 1 ] && [ "$SV_FANOUT" -le 1000 ] || { ns_log "BENCH_FANOUT must be 1..1000"; return 1; }
  [ "$SV_FANOUT_SMBD" -ge 1 ] && [ "$SV_FANOUT_SMBD" -le 1000 ] || { ns_log "BENCH_FANOUT_SMBD must be 1..1000"; return 1; }
  # Samba on h3, bound to every address (0.0.0.0), a message command that
  # only removes the file: the receiver's cost stays small.
  ns_samba_start h3 FANOUT nonmbd loglevel=0 "bind interfaces only = no" \
    "message command = rm -f %s &" >/dev/null 2>&1 || return 1
  sv_fanout_setup h3 || return 1
  # h3 stands for SV_FANOUT_SMBD separate hosts, but one namespace has one
  # set of ICMP rate limiters: to each destination one message per second
  # after a burst of 6 (net.ipv4.icmp_ratelimit), and 1000/s with a burst
  # of 50 in all (icmp_msgs_per_sec). Without nmbd every "host" answers
  # netsend's node status request (UDP 137) with an ICMP port unreachable,
  # which ends that request at once; shared limiters would drop all but a
  # few of those answers, which separate hosts (each limiting only itself)
  # never do. So destination unreachable is left out of h3's ratemask.
  ip netns exec "$(ns_name h3)" sysctl -qw net.ipv4.icmp_ratemask="$SV_ICMP_RATEMASK" || return 1
  bench_record ours.fanout.h3_icmp_ratemask "$SV_ICMP_RATEMASK" mask info \
    "h3's net.ipv4.icmp_ratemask during the smbd fan-out (kernel default 6168; 6160: ICMP destination unreachable not rate-limited, as from $SV_FANOUT_SMBD separate hosts)"
  sv_fanout_run ours.netsend.smbd "$SV_FANOUT_SMBD" "Samba smbd on h3 (auto: 0xD0 dropped, so two connections per recipient)"
  sv_fanout_run ours.netsend_multi.smbd "$SV_FANOUT_SMBD" "Samba smbd on h3 (--blocks multi: one connection per recipient)" --blocks multi
  ns_samba_stop h3
  # smbclient has no fan-out: N sends at its sequential rate
  local rate; rate=$(bench_get samba.smbclient.seq.send_rate)
  if [ -n "$rate" ]; then
    bench_record samba.smbclient.fanout_s \
      "$(awk -v n="$SV_FANOUT" -v r="$rate" 'BEGIN { printf "%.1f", n / r }')" s lower \
      "PROJECTED: $SV_FANOUT sequential smbclient -M at samba.smbclient.seq.send_rate"
    bench_record samba.smbclient.fanout_smbd_s \
      "$(awk -v n="$SV_FANOUT_SMBD" -v r="$rate" 'BEGIN { printf "%.1f", n / r }')" s lower \
      "PROJECTED: $SV_FANOUT_SMBD sequential smbclient -M at samba.smbclient.seq.send_rate"
  fi
  sv_fanout_netsendd
}

# netsendd as the receiver (in-process, no fork per message), when this
# build has its SMB receiver: SV_NSD_HOSTS hosts with 250 message names each
# (netsendd keeps at most 256), so the fan-out is by NAME: every recipient
# is resolved by a broadcast query, then delivered to (0xD0 accepted).
SV_NSD_HOSTS="h3 h4 h5 h6"

sv_fanout_names() { # HOST-INDEX (0..3) -> its names, comma separated
  local k=$1 i first last
  first=$((k * 250 + 1)); last=$((k * 250 + 250))
  [ "$last" -le "$SV_FANOUT" ] || last=$SV_FANOUT
  for ((i = first; i <= last; i++)); do printf 'FO%04d,' "$i"; done | sed 's/,$//'
}

sv_netsendd_conf() { # HOST HOST-INDEX -> config path
  ns_netsendd_conf "$1" "NSD$2" netbios.aliases="$(sv_fanout_names "$2")" netbios.interfaces=veth0 \
    ports.name-service= ports.datagram= ports.session= policy.allow= daemon.log-level=warning \
    limits.per-source-rate=0 limits.global-rate=0 limits.max-connections=1024 \
    limits.max-connections-per-source=1024
}

sv_netsendd_ready() { # HOST: every name registered
  local out
  out=$(ns_netsend_run "$1" netname --socket "$(ns_dir "$1")/run/control" --all --quiet 2>/dev/null) &&
    ! grep -q registering <<<"$out"
}

sv_fanout_netsendd() {
  local h k=0 conf cmd msg n_hosts
  if ! ns_netsend_bin netsendd >/dev/null || ! grep -qs 'receiver-smb' "$NETSEND_BUILD_ROOT/build.ninja"; then
    ns_log "NOTE: netsendd has no SMB receiver in this build: netsend -> netsendd not measured"
    return 0
  fi
  n_hosts=$(( (SV_FANOUT + 249) / 250 ))
  for h in $SV_NSD_HOSTS; do
    [ "$k" -lt "$n_hosts" ] || break
    conf=$(sv_netsendd_conf "$h" "$k")
    if ! "$(ns_netsend_bin netsendd)" --check-config --config "$conf" >"$NS_STATE/$h-check.log" 2>&1; then
      ns_log "netsendd rejects the benchmark config: $(tr '\n' ' ' < "$NS_STATE/$h-check.log")"
      return 0
    fi
    ns_netsendd_start "$h" "$conf" >/dev/null 2>&1 || { ns_log "netsendd did not start on $h"; return 0; }
    k=$((k + 1))
  done
  for h in $SV_NSD_HOSTS; do
    [ -f "$(ns_dir "$h")/netsendd.pid" ] || continue
    ns_wait 60 sv_netsendd_ready "$h" || { ns_log "netsendd on $h did not register its names"; return 0; }
  done
  msg="$NS_STATE/one-msg.txt"
  cmd="$(sv_netsend) --no-config --no-host-resolver -I $(ns_addr h3) --from BENCH FO0001 < $msg"
  sv_hyperfine ours.netsend.to_netsendd.send_ms_hyperfine "netsend -I to netsendd (0xD0 accepted)" "$cmd"
  cmd="$(sv_netsend) --no-config --no-host-resolver --from BENCH FO0001 < $msg"
  sv_hyperfine ours.netsend.to_netsendd_byname.send_ms_hyperfine "netsend by name (broadcast query) to netsendd" "$cmd"
  for ((k = 1; k <= SV_FANOUT; k++)); do printf 'FO%04d\n' "$k"; done > "$NS_STATE/fanout-list.txt"
  sv_fanout_run ours.netsend.netsendd "$SV_FANOUT" "$n_hosts netsendd hosts x 250 names, each resolved by broadcast"
  for h in $SV_NSD_HOSTS; do ns_netsendd_stop "$h"; done
  # what the receivers committed to their inboxes (the hyperfine sends too)
  local stored=0 c
  for h in $SV_NSD_HOSTS; do
    [ -f "$(ns_dir "$h")/store/inbox.db" ] || continue
    c=$("$BENCH_PY" -c 'import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(db.execute("SELECT count(*) FROM messages WHERE verdict = ? AND text = ?", ("accepted", sys.argv[2])).fetchone()[0])' \
      "$(ns_dir "$h")/store/inbox.db" "$SV_FANOUT_MSG" 2>/dev/null) || c=0
    stored=$((stored + c))
  done
  bench_record ours.netsend.netsendd.fanout_stored "$stored" msgs higher \
    "fan-out messages found in the netsendd inboxes (of $SV_FANOUT)"
}

sv_main() {
  ns_require_root nmbd smbd smbclient testparm hyperfine
  ns_require_netsend netsend
  bench_init
  ns_lan_up 6
  bench_record machine.load_start "$(cut -d' ' -f1 /proc/loadavg)" loadavg info "1-min load average at start ($(nproc) CPUs)"
  ns_samba_start "$SB_HOST" "$SB_NAME" loglevel=1 >/dev/null 2>&1 || ns_fail "samba on h1"
  ns_samba_wait_name h2 "$SB_NAME#03" 20 || ns_fail "PEERA<03> not answerable"
  sv_one_send
  sv_sequential
  sv_fanout || ns_log "fan-out failed"
  bench_record machine.load_end "$(cut -d' ' -f1 /proc/loadavg)" loadavg info "1-min load average at the end"
  echo
  echo "netsend vs smbclient -M ($(smbd --version); $(nproc) CPUs; load $(bench_get machine.load_start) -> $(bench_get machine.load_end))"
  bench_compare send_ms ours.netsend.send_ms_hyperfine samba.smbclient.send_ms_hyperfine
  bench_compare send_ms_multi ours.netsend_multi.send_ms_hyperfine samba.smbclient.send_ms_hyperfine
  bench_compare send_ms_netsendd ours.netsend.to_netsendd.send_ms_hyperfine samba.smbclient.send_ms_hyperfine
  bench_compare version_ms ours.netsend.version_ms samba.smbclient.version_ms
  bench_compare seq_rate ours.netsend.seq.send_rate samba.smbclient.seq.send_rate
  bench_compare seq_rate_multi ours.netsend_multi.seq.send_rate samba.smbclient.seq.send_rate
  bench_compare seq_send_ms ours.netsend.seq.send_ms samba.smbclient.seq.send_ms
  bench_compare fanout_smbd_s ours.netsend.smbd.fanout_s samba.smbclient.fanout_smbd_s
  bench_compare fanout_smbd_multi_s ours.netsend_multi.smbd.fanout_s samba.smbclient.fanout_smbd_s
  bench_compare fanout_netsendd_s ours.netsend.netsendd.fanout_s samba.smbclient.fanout_s
  echo
  bench_table | grep -E '^(ours|samba)\.(netsend|smbclient|smbd\.recv_seq)' || true
  echo "(figures: $BENCH_RESULTS)"
  ns_down
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -u -o pipefail
  sv_main "$@"
fi
