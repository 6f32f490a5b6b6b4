#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# WINS fail-over and fail-back (issue 6) against two Samba nmbd WINS
# servers (root; network namespaces; exit 77 otherwise). One subnet
# (tests/integration/lib/netns.sh):
#   h1  nmbd NSTWINS1, "wins support = yes": the primary WINS server
#   h2  nmbd NSTWINS2, "wins support = yes": the secondary
#       (both: max wins ttl 20 s, min wins ttl 10 s, so that refreshes,
#       at half the TTL, come every 10 s)
#   h3  netsendd NSTFO, H-node, wins-server = h1, h2, receiving on 139
#   h4  client: nmblookup, and netsend as a P-node with both servers
#   h5  netsendd NSTPNODE, P-node, started while no server runs
#   h6  netsendd NSTHSTART, H-node, started while no server runs
# Scenarios (netsendd.conf(5), "WINS AND ROUTED NETWORKS"):
#   1. both servers up: the names are registered at h1 only;
#   2. h1 silent (nmbd stopped with SIGSTOP: no answer, no ICMP):
#      netname NSTSILENT /add goes to h2 after 3 requests 1.5 s apart, and
#      a P-node netsend finds it through h2 after h1's 3 queries; then h1's
#      nmbd killed (SIGKILL: ICMP port unreachable): NSTNEW /add and the
#      query go to h2 at once; the existing names' next refresh (half the
#      TTL) goes to h2 as well;
#   3. h1's nmbd restarted (empty database): the next refresh of every
#      name asks h1 first, so the names are back at h1;
#   3'. netname NSTNEW /delete after the fail-back: released at h1 and
#      at h2, which still listed it from the fail-over;
#   4. both servers silent (SIGSTOP): an H-node starting registers by
#      broadcast after 2 x 3 unanswered requests (9.75 s); both killed
#      (ICMP): an H-node's /add falls back to broadcast at once (netname
#      says "broadcast"), the names h3 holds stay registered while their
#      refreshes find no server, and a P-node starting keeps its names
#      without broadcasting and offers them again in a minute.
# Every scenario is checked with nmblookup -U SERVER --recursion, netname
# --json (registered-by, wins-servers) and the capture of the subnet
# (tshark: opcodes, destinations, ICMP); the fail-over and fail-back times
# are measured on the wire and printed.
# Every wait is bounded; the harness tears everything down, also on failure.
set -u -o pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/netns.sh"

ns_require_root nmbd nmblookup testparm dumpcap tshark jq sqlite3
ns_require_netsend netsendd netname netsend
getent passwd nobody >/dev/null || ns_skip "no 'nobody' user for netsendd to drop to"
/usr/bin/python3 -c 'import gi' 2>/dev/null || ns_skip "/usr/bin/python3 without PyGObject (gi)"
unset G_DEBUG
WINS_TTL=20
T_RUN=$(date +%s%N)

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
now_epoch() { date +%s.%N; }

ns_lan_up 6
A1=$(ns_addr h1) A2=$(ns_addr h2) A3=$(ns_addr h3) A4=$(ns_addr h4) A5=$(ns_addr h5) A6=$(ns_addr h6)
WG=$NS_WORKGROUP
OUT="$NS_STATE/out"
mkdir -p "$OUT"

# wins_query SERVER NAME#TT: the addresses WINS server SERVER gives for the
# name (asked from h4), sorted, space-separated.
wins_query() {
  local n=${2%#*} t=${2#*#}
  NS_TOOL_TIMEOUT=5 ns_nmblookup h4 -U "$1" --recursion "$2" 2>/dev/null |
    awk -v n="$n" -v t="$t" 'toupper($2) == n "<" toupper(t) ">" { print $1 }' | sort -u | paste -sd' '
}
at_wins() { [ "$(wins_query "$1" "$2")" = "$3" ]; }     # SERVER NAME#TT ADDRS
not_at_wins() { [ -z "$(wins_query "$1" "$2")" ]; }

WINS_OPTS=(nosmbd wins loglevel=2 "max wins ttl = $WINS_TTL" "min wins ttl = 10")
wins_start() { # HOST NAME: nmbd as a WINS server, with an empty database
  rm -f "$(ns_dir "$1")"/samba/state/wins.* "$(ns_dir "$1")"/samba/lock/wins.*
  ns_samba_start "$1" "$2" "${WINS_OPTS[@]}"
}
nmbd_down() { # HOST: nothing listens on the name-service port any more
  [ -z "$(ns_exec "$1" ss -Hlun 'sport = :137' 2>/dev/null)" ]
}

# ---- capture the subnet: every request, answer and ICMP report
PCAP="$NS_STATE/wins-failover.pcap"
ns_capture_start br "$PCAP" "udp port 137 or icmp" || ns_fail "capture did not start"

step "WINS servers: nmbd on h1 (primary) and h2 (secondary)"
wins_start h1 NSTWINS1 || ns_fail "WINS h1 did not start"
wins_start h2 NSTWINS2 || ns_fail "WINS h2 did not start"

# ---- netsendd
sock() { echo "$(ns_dir "$1")/run/control"; }
nn() { # HOST WANT_RC LABEL ARGS...: netname, output in $OUT/LABEL.{out,err}
  local h=$1 want=$2 label=$3 rc=0
  shift 3
  ns_netsend_run "$h" netname --socket "$(sock "$h")" "$@" > "$OUT/$label.out" 2> "$OUT/$label.err" || rc=$?
  [ "$rc" -eq "$want" ] && return 0
  fail "$label: netname $* on $h exited $rc, wanted $want"
  sed 's/^/    /' "$OUT/$label.out" "$OUT/$label.err" >&2
  return 1
}
# where HOST NAME SUFFIX: "STATE REGISTERED-BY WINS,SERVERS" from netname --json
where() {
  ns_netsend_run "$1" netname --socket "$(sock "$1")" --all --json 2>/dev/null |
    jq -r --arg n "$2" --argjson s "$3" \
      '.names[] | select(.name == $n and .suffix == $s)
       | "\(.state) \(."registered-by") \(."wins-servers" | join(","))"'
}
is_where() { [ "$(where "$1" "$2" "$3")" = "$4" ]; }   # HOST NAME SUFFIX WANT
check_where() { # HOST NAME SUFFIX WANT
  local got; got=$(where "$1" "$2" "$3")
  if [ "$got" = "$4" ]; then ok "netname --json on $1: $2<$(printf %02x "$3")> is '$4'"
  else fail "netname --json on $1: $2<$(printf %02x "$3")> is '$got', wanted '$4'"; fi
}
settled() { # HOST: every name of the daemon has finished registering
  local out
  out=$(ns_netsend_run "$1" netname --socket "$(sock "$1")" --all --quiet 2>/dev/null) &&
    [ -n "$out" ] && ! grep -q registering <<<"$out"
}

# ---- 1. both servers up: h1 only
step "1. netsendd NSTFO on h3 (H-node, wins-server = $A1, $A2)"
ns_netsendd_conf h3 NSTFO netbios.wins-server="$A1, $A2" netbios.node-type=h ports.datagram=0 >/dev/null
T0=$(date +%s%N)
ns_netsendd_start h3 "$(ns_dir h3)/netsendd.conf" "$(sock h3)" || ns_fail "netsendd did not start on h3"
ns_wait 15 settled h3 || fail "h3: names still registering after 15 s"
ns_log "h3's names settled $(ms_since "$T0") ms after the start"
check "WINS h1 resolves NSTFO<03> to h3" at_wins "$A1" 'NSTFO#03' "$A3"
check "WINS h1 resolves NSTFO<00> to h3" at_wins "$A1" 'NSTFO#00' "$A3"
check "WINS h2 does not know NSTFO<03> (the secondary is not asked)" not_at_wins "$A2" 'NSTFO#03'
check_where h3 NSTFO 3 "registered wins $A1"
check_where h3 "$WG" 0 "registered wins $A1"
ns_netsend_run h3 netname --socket "$(sock h3)" --status > "$OUT/status.out" 2>&1
check "netname --status: node-type h, wins-servers $A1 and $A2" \
  eval "grep -Eq '^node-type +h$' '$OUT/status.out' && grep -Eq '^wins-servers +$A1,? +$A2$' '$OUT/status.out'"

# netsend on h4 as a P-node with both servers: only WINS resolves names.
D4=$(ns_dir h4)
cat > "$D4/netsend.conf" <<EOF
[netbios]
name = NSTCLIENT
workgroup = $WG
interfaces = $A4
wins-server = $A1, $A2
node-type = p
EOF
DB3="$(ns_dir h3)/store/inbox.db"
in_inbox() { [ "$(sqlite3 "$DB3" "SELECT count(*) FROM messages WHERE text = '$1'" 2>/dev/null)" = 1 ]; }
send_p() { # TARGET TEXT LABEL: netsend from h4, P-node; exit status in SEND_RC
  SEND_RC=0
  ns_netsend_run h4 netsend -C "$D4/netsend.conf" --no-host-resolver --timeout 10 \
    -f NSTCLIENT "$1" "$2" > "$OUT/$3.out" 2>&1 || SEND_RC=$?
  [ "$SEND_RC" = 0 ] || sed 's/^/    /' "$OUT/$3.out" >&2
}

# ---- 2. the primary silent, then gone
step "2a. h1's nmbd stopped with SIGSTOP: silent, no ICMP"
NMBD1=$(ns_samba_pid h1 nmbd)
ns__pid_in_ns "$NMBD1" "$(ns_name h1)" || ns_fail "h1's nmbd is not running"
T_STOP_EPOCH=$(now_epoch)
kill -STOP "$NMBD1"
T0=$(date +%s%N)
nn h3 0 add-silent NSTSILENT /add
T_ADD_SILENT=$(ms_since "$T0")
# Times are logged, not asserted; the capture (at the end) checks what was
# sent to whom, and the engine's unit tests the timers on a fake clock.
ns_log "netname NSTSILENT /add with h1 silent took $T_ADD_SILENT ms (3 x 1.5 s to h1, then h2)"
check "WINS h2 resolves NSTSILENT<03> to h3" at_wins "$A2" 'NSTSILENT#03' "$A3"
check_where h3 NSTSILENT 3 "registered wins $A2"
T_SEND1_EPOCH=$(now_epoch)
T0=$(date +%s%N)
send_p NSTSILENT "to NSTSILENT, h1 silent" send-silent
T_SEND_SILENT=$(ms_since "$T0")
T_SEND1_END=$(now_epoch)
check "netsend (P-node) to NSTSILENT with h1 silent: exit 0 (h1's 3 queries, then h2)" test "$SEND_RC" = 0
ns_log "netsend to NSTSILENT with h1 silent took $T_SEND_SILENT ms"
check "h3's inbox has it" ns_wait 5 in_inbox "to NSTSILENT, h1 silent"
# The refresh (every WINS_TTL/2 s) of the names h1 granted fails over too:
# 3 unanswered refreshes, then h2.
check "NSTFO<03>'s refresh moved it to h2 (bounded: $((WINS_TTL / 2 + 7)) s after the stop)" \
  ns_wait $((WINS_TTL / 2 + 7)) eval "at_wins '$A2' 'NSTFO#03' '$A3' && is_where h3 NSTFO 3 'registered wins $A2'"
check_where h3 NSTFO 0 "registered wins $A2"
check_where h3 "$WG" 0 "registered wins $A2"
ns_log "NSTFO at h2 $(awk -v a="$T_STOP_EPOCH" -v b="$(now_epoch)" 'BEGIN { printf "%.1f", b - a }') s after h1 went silent"

step "2b. h1's nmbd killed (SIGKILL): port 137 unreachable"
kill -KILL "$NMBD1"
wait "$NMBD1" 2>/dev/null   # reap it here: no "Killed" job notice
rm -f "$(ns_dir h1)/samba/nmbd.pid"
T_KILL_EPOCH=$(now_epoch)
LOG3="$(ns_dir h3)/netsendd.log"
LOG3_AT_KILL=$(wc -l < "$LOG3")
check "nothing listens on h1's port 137" ns_wait 5 nmbd_down h1
T0=$(date +%s%N)
nn h3 0 add-new NSTNEW /add
T_ADD_NEW=$(ms_since "$T0")
ns_log "netname NSTNEW /add with h1 unreachable took $T_ADD_NEW ms (ICMP: no 4.5 s wait)"
check "WINS h2 resolves NSTNEW<03> to h3" at_wins "$A2" 'NSTNEW#03' "$A3"
check_where h3 NSTNEW 3 "registered wins $A2"
T_SEND2_EPOCH=$(now_epoch)
T0=$(date +%s%N)
send_p NSTNEW "to NSTNEW, h1 unreachable" send-new
T_SEND_NEW=$(ms_since "$T0")
T_SEND2_END=$(now_epoch)
check "netsend (P-node) to NSTNEW with h1 unreachable: exit 0" test "$SEND_RC" = 0
ns_log "netsend to NSTNEW with h1 unreachable took $T_SEND_NEW ms"
check "h3's inbox has it" ns_wait 5 in_inbox "to NSTNEW, h1 unreachable"
refreshed_since_kill() {
  tail -n +"$((LOG3_AT_KILL + 1))" "$LOG3" | grep -q 'refreshing -> registered (granted)'
}
check "a refresh after the kill was granted (by h2; bounded: $((WINS_TTL / 2 + 2)) s)" \
  ns_wait $((WINS_TTL / 2 + 2)) refreshed_since_kill
for n in NSTFO NSTSILENT NSTNEW; do check_where h3 "$n" 3 "registered wins $A2"; done

# ---- 3. the primary back: every name returns at its next refresh
step "3. h1's nmbd restarted (empty database)"
T_BACK_EPOCH=$(now_epoch)
wins_start h1 NSTWINS1 || ns_fail "WINS h1 did not restart"
back_at_h1() {
  local n
  for n in NSTFO NSTSILENT NSTNEW; do
    at_wins "$A1" "$n#03" "$A3" && is_where h3 "$n" 3 "registered wins $A1" || return 1
  done
}
check "NSTFO, NSTSILENT, NSTNEW back at h1 (bounded: $((WINS_TTL / 2 + 5)) s)" \
  ns_wait $((WINS_TTL / 2 + 5)) back_at_h1
T_BACK_S=$(awk -v a="$T_BACK_EPOCH" -v b="$(now_epoch)" 'BEGIN { printf "%.1f", b - a }')
ns_log "every name back at h1 $T_BACK_S s after its nmbd was restarted"
check_where h3 NSTFO 0 "registered wins $A1"
check_where h3 "$WG" 0 "registered wins $A1"
# h2 still lists the names it granted during the fail-over (until their TTL
# runs out): a deletion must reach it too, or hosts asking h2 keep finding
# the name (netsendd.conf(5): "released at the WINS server, so other hosts
# stop finding it at once").
step "3. netname NSTNEW /delete after the fail-back"
check "h2 still lists NSTNEW<03> from the fail-over" at_wins "$A2" 'NSTNEW#03' "$A3"
nn h3 0 del-new NSTNEW /delete
check "NSTNEW<03> released at h1 (bounded: 3 s)" ns_wait 3 not_at_wins "$A1" 'NSTNEW#03'
check "NSTNEW<03> released at h2 too (bounded: 3 s)" ns_wait 3 not_at_wins "$A2" 'NSTNEW#03'
T_DEL_EPOCH=$(now_epoch)

# ---- 4. no server at all
step "4a. both WINS servers silent (SIGSTOP): an H-node (h6) starts"
NMBD1=$(ns_samba_pid h1 nmbd) NMBD2=$(ns_samba_pid h2 nmbd)
for p in "$NMBD1" "$NMBD2"; do
  ns__pid_in_ns "$p" "$(ns_name h1)" || ns__pid_in_ns "$p" "$(ns_name h2)" || ns_fail "nmbd $p is not running"
done
kill -STOP "$NMBD1" "$NMBD2"
ns_netsendd_conf h6 NSTHSTART netbios.wins-server="$A1, $A2" netbios.node-type=h ports.datagram=0 ports.session=0 >/dev/null
ns_netsendd_conf h5 NSTPNODE netbios.wins-server="$A1, $A2" netbios.node-type=p ports.datagram=0 ports.session=0 >/dev/null
T0=$(date +%s%N)
ns_netsendd_start h6 "$(ns_dir h6)/netsendd.conf" "$(sock h6)" || ns_fail "netsendd did not start on h6"
ns_wait 15 settled h6 || fail "h6: names still registering after 15 s"
T_H_START=$(ms_since "$T0")
ns_log "H-node h6 settled $T_H_START ms after its start (2 silent servers x 3 x 1.5 s, then 3 broadcasts)"
check_where h6 NSTHSTART 3 "registered broadcast "
check "a broadcast query from h4 finds NSTHSTART<03> at h6" \
  test "$(NS_TOOL_TIMEOUT=5 ns_nmb_query h4 'NSTHSTART#03')" = "$A6"

step "4b. both WINS servers killed (SIGKILL): port 137 unreachable"
kill -KILL "$NMBD1" "$NMBD2"
wait "$NMBD1" "$NMBD2" 2>/dev/null
rm -f "$(ns_dir h1)/samba/nmbd.pid" "$(ns_dir h2)/samba/nmbd.pid"
check "nothing listens on port 137 of h1 and h2" ns_wait 5 eval "nmbd_down h1 && nmbd_down h2"
T_DOWN_EPOCH=$(now_epoch)
LOG3_AT_DOWN=$(wc -l < "$LOG3")
T0=$(date +%s%N)
nn h3 0 add-bcast NSTBCAST /add
T_ADD_BCAST=$(ms_since "$T0")
ns_log "H-node: netname NSTBCAST /add took $T_ADD_BCAST ms (both unreachable, then 3 broadcasts)"
check_where h3 NSTBCAST 3 "registered broadcast "
check "a broadcast query from h4 finds NSTBCAST<03> at h3" \
  test "$(NS_TOOL_TIMEOUT=5 ns_nmb_query h4 'NSTBCAST#03')" = "$A3"

step "4b. a P-node (h5) starts with no server"
T0=$(date +%s%N)
ns_netsendd_start h5 "$(ns_dir h5)/netsendd.conf" "$(sock h5)" || ns_fail "netsendd did not start on h5"
ns_wait 10 settled h5 || fail "h5: names still registering after 10 s"
T_P_START=$(ms_since "$T0")
ns_log "P-node h5 settled $T_P_START ms after its start"
check_where h5 NSTPNODE 3 "registered none "
check "P-node: netsendd logs it holds the names and tries again later" \
  grep -q "NSTPNODE<03> on veth0: no WINS server answered (silent or unreachable); holding the name and trying again later" \
  "$(ns_dir h5)/netsendd.log"
# netname --json leaves out the daemon's refresh-in: ask ListNames2 itself
# (the control socket is peer-to-peer D-Bus).
REOFFER=$(/usr/bin/python3 - "$(sock h5)" NSTPNODE 3 <<'EOF' 2>/dev/null
import sys
import gi
gi.require_version("Gio", "2.0")
from gi.repository import Gio
sock, name, sfx = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = Gio.DBusConnection.new_for_address_sync(
    "unix:path=" + sock, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT, None, None)
r = c.call_sync(None, "/org/netsend/NetSend1", "org.netsend.NetSend1", "ListNames2",
                None, None, 0, 5000, None)
for d in r.unpack()[0]:
    if d["name"] == name and d["suffix"] == sfx:
        print(d.get("refresh-in", "none"))
EOF
)
REOFFER=${REOFFER:-none}
check "P-node: NSTPNODE<03> is offered again within a minute (refresh-in $REOFFER s)" \
  eval "[ '$REOFFER' != none ] && [ '$REOFFER' -ge 50 ] && [ '$REOFFER' -le 60 ]"
nn h5 0 add-p NSTPADD /add
check_where h5 NSTPADD 3 "registered none "
# h3's names granted by WINS: their refresh finds no server; they stay.
# (a refresh that found no server is tried again after half the TTL)
refresh_silent_since_down() {
  tail -n +"$((LOG3_AT_DOWN + 1))" "$LOG3" | grep -q 'NSTFO<03> on veth0: refreshing -> registered (wins-silent)'
}
check "h3's names refreshed with no server answering (bounded: $((WINS_TTL + 3)) s)" \
  ns_wait $((WINS_TTL + 3)) refresh_silent_since_down
check_where h3 NSTFO 3 "registered wins $A1"

for h in h3 h5 h6; do ns_netsendd_stop "$h"; done

# ---- the capture
step "capture"
ns_capture_stop br
check "tshark: the capture decodes without malformed packets or error expert info" \
  ns_tshark_check "$PCAP" 20
nbns() { tshark -r "$PCAP" -Y "$1" -T fields -e frame.number 2>/dev/null | wc -l; }
before() { echo "frame.time_epoch < $1"; }
after() { echo "frame.time_epoch >= $1"; }
REQ="!icmp && nbns.flags.response == 0"
# ---- fail-over and fail-back times on the wire, per transaction
# (NAME_TRN_ID, releases left out): h3's first request to h1 -> the
# positive answer from h2 (fail-over; "icmp" when h1's ICMP port
# unreachable cut it short), and h1's restart -> its first grant of each
# name (fail-back: the next refresh, half the TTL after the last grant).
tshark -r "$PCAP" -Y "nbns && (ip.src == $A3 || ip.dst == $A3)" \
  -T fields -E separator=';' -e frame.time_epoch -e ip.src -e ip.dst -e nbns.id \
  -e nbns.flags.response -e nbns.flags.opcode -e nbns.flags.rcode -e nbns.name -e icmp.type \
  2>/dev/null > "$OUT/nbns-h3.txt"
awk -F';' -v a1="$A1" -v a2="$A2" -v back="$T_BACK_EPOCH" -v down="$T_DOWN_EPOCH" '
  { n = $8; sub(/[ ,(].*$/, "", n); sub(/ *</, "<", n); if (n !~ /</) { n = $8; sub(/ *</, "<", n); sub(/>.*$/, ">", n) } }
  $9 != "" { icmp[$4] = 1; next }
  $5 == 0 && $3 == a1 && $6 != 6 && !($4 in first) { first[$4] = $1; op[$4] = $6 }
  $5 == 1 && $2 == a2 && $7 == 0 && ($4 in first) && !($4 in done) {
    done[$4] = 1
    printf "fail-over  %-14s opcode %-2s %6.0f ms %s\n", n, op[$4], ($1 - first[$4]) * 1000, ($4 in icmp) ? "icmp" : "silent" }
  $5 == 1 && $2 == a1 && $7 == 0 && $1 > back && $1 < down && !(n in fb) {
    fb[n] = 1; printf "fail-back  %-14s %6.1f s after the restart\n", n, $1 - back }
' "$OUT/nbns-h3.txt" | sort -k1,1 -k4,4 > "$OUT/times.txt"
ns_log "measured on the wire:"$'\n'"$(sed 's/^/    /' "$OUT/times.txt")"
check "1: before h1 stopped, h3 sent nothing to h2" \
  test "$(nbns "$(before "$T_STOP_EPOCH") && !icmp && ip.src == $A3 && ip.dst == $A2")" = 0
check "1: h3 registered with h1 (opcode 5, unicast, RD) and never broadcast" \
  eval "[ \"\$(nbns '$(before "$T_STOP_EPOCH") && $REQ && ip.src == $A3 && ip.dst == $A1 && nbns.flags.opcode == 5 && nbns.flags.broadcast == 0 && nbns.flags.recdesired == 1')\" -ge 3 ] && [ \"\$(nbns '$(before "$T_STOP_EPOCH") && $REQ && ip.src == $A3 && nbns.flags.broadcast == 1')\" = 0 ]"
check "2: NSTSILENT<03> asked of h1 3 times (same NAME_TRN_ID), then of h2" \
  eval "[ \"\$(nbns '$REQ && ip.dst == $A1 && nbns.flags.opcode == 5 && nbns.name matches \"NSTSILENT *<03>\"')\" = 3 ] && [ \"\$(nbns '$REQ && ip.dst == $A2 && nbns.flags.opcode == 5 && nbns.name matches \"NSTSILENT *<03>\"')\" -ge 1 ]"
check "2: h1 (killed) reported port 137 unreachable (ICMP) to h3" \
  test "$(nbns "icmp.type == 3 && icmp.code == 3 && ip.src == $A1 && ip.dst == $A3")" -ge 1
check "2: NSTNEW<03> asked of h1 once (ICMP), then of h2" \
  eval "[ \"\$(nbns '$REQ && ip.dst == $A1 && nbns.name matches \"NSTNEW *<03>\"')\" -ge 1 ] && [ \"\$(nbns '$REQ && ip.dst == $A1 && nbns.flags.opcode == 5 && nbns.name matches \"NSTNEW *<03>\"')\" -le 1 ] && [ \"\$(nbns '$REQ && ip.dst == $A2 && nbns.name matches \"NSTNEW *<03>\"')\" -ge 1 ]"
in_window() { echo "frame.time_epoch >= $1 && frame.time_epoch <= $2"; }
W1=$(in_window "$T_SEND1_EPOCH" "$T_SEND1_END") W2=$(in_window "$T_SEND2_EPOCH" "$T_SEND2_END")
check "2: netsend (P-node), h1 silent: 3 queries for NSTSILENT<03> to h1, then h2, no broadcast" \
  eval "[ \"\$(nbns '$W1 && $REQ && ip.src == $A4 && ip.dst == $A1 && nbns.flags.opcode == 0 && nbns.name matches \"NSTSILENT *<03>\"')\" = 3 ] && [ \"\$(nbns '$W1 && $REQ && ip.src == $A4 && ip.dst == $A2 && nbns.flags.opcode == 0 && nbns.name matches \"NSTSILENT *<03>\"')\" = 1 ] && [ \"\$(nbns '$W1 && $REQ && ip.src == $A4 && nbns.flags.broadcast == 1')\" = 0 ]"
check "2: netsend (P-node), h1 unreachable: 1 query for NSTNEW<03> to h1 (ICMP), then h2, no broadcast" \
  eval "[ \"\$(nbns '$W2 && $REQ && ip.src == $A4 && ip.dst == $A1 && nbns.name matches \"NSTNEW *<03>\"')\" = 1 ] && [ \"\$(nbns '$W2 && icmp.type == 3 && ip.src == $A1 && ip.dst == $A4')\" -ge 1 ] && [ \"\$(nbns '$W2 && $REQ && ip.src == $A4 && ip.dst == $A2 && nbns.name matches \"NSTNEW *<03>\"')\" = 1 ] && [ \"\$(nbns '$W2 && $REQ && ip.src == $A4 && nbns.flags.broadcast == 1')\" = 0 ]"
tshark -r "$PCAP" -Y "$W1 && $REQ && ip.src == $A4 && nbns.name matches \"NSTSILENT\"" -T fields \
  -e frame.time_epoch -e ip.dst 2>/dev/null |
  awk -v t0="$T_SEND1_EPOCH" '{ printf "%s%.2f s to %s", (NR > 1 ? ", " : ""), $1 - t0, $2 } END { print "" }' > "$OUT/send-silent-queries.txt"
ns_log "netsend's queries, h1 silent: $(cat "$OUT/send-silent-queries.txt")"
check "2: h1 silent: h3 refreshed NSTFO<03> at h1 3 times, then at h2 (opcode 8), which granted it" \
  eval "[ \"\$(nbns '$(after "$T_STOP_EPOCH") && $(before "$T_KILL_EPOCH") && $REQ && ip.src == $A3 && ip.dst == $A1 && nbns.flags.opcode == 8 && nbns.name matches \"NSTFO *<03>\"')\" = 3 ] && [ \"\$(nbns '$(before "$T_KILL_EPOCH") && $REQ && ip.src == $A3 && ip.dst == $A2 && nbns.flags.opcode == 8 && nbns.name matches \"NSTFO *<03>\"')\" = 1 ] && [ \"\$(nbns '$(before "$T_KILL_EPOCH") && !icmp && ip.src == $A2 && ip.dst == $A3 && nbns.flags.response == 1 && nbns.flags.rcode == 0 && nbns.name matches \"NSTFO *<03>\"')\" -ge 1 ]"
check "2: h1 unreachable: a refresh (opcode 8) to h1, ICMP, the same to h2, granted" \
  grep -q '^fail-over .* opcode 8 .* icmp$' "$OUT/times.txt"
check "3: after the restart h1 granted h3's refreshes again" \
  test "$(nbns "$(after "$T_BACK_EPOCH") && $(before "$T_DOWN_EPOCH") && !icmp && ip.src == $A1 && ip.dst == $A3 && nbns.flags.response == 1 && nbns.flags.rcode == 0")" -ge 3
REL=$(tshark -r "$PCAP" -Y "$(after "$T_BACK_EPOCH") && $(before "$T_DEL_EPOCH") && $REQ && ip.src == $A3 && nbns.flags.opcode == 6 && nbns.name matches \"NSTNEW *<03>\"" \
  -T fields -e ip.dst -e nbns.id 2>/dev/null | sort -u)
REL_DSTS=$(awk '{ print $1 }' <<<"$REL" | sort -u | paste -sd' ')
REL_TRNS=$(awk '{ print $2 }' <<<"$REL" | sort -u | grep -c .)
check "3: NSTNEW<03>'s release (opcode 6) went to $REL_DSTS under $REL_TRNS NAME_TRN_ID(s)" \
  test "$REL_DSTS" = "$(printf '%s\n' "$A1" "$A2" | sort | paste -sd' ')" -a "$REL_TRNS" = 1
check "4: h3 broadcast NSTBCAST<03> (opcode 5, B) after asking both servers" \
  eval "[ \"\$(nbns '$REQ && ip.src == $A3 && nbns.flags.broadcast == 1 && nbns.flags.opcode == 5 && nbns.name matches \"NSTBCAST *<03>\"')\" -ge 3 ] && [ \"\$(nbns '$REQ && ip.dst == $A1 && nbns.name matches \"NSTBCAST *<03>\"')\" -ge 1 ] && [ \"\$(nbns '$REQ && ip.dst == $A2 && nbns.name matches \"NSTBCAST *<03>\"')\" -ge 1 ]"
check "4: the H-node h6 asked h1 3 times, h2 3 times, then broadcast NSTHSTART<03>" \
  eval "[ \"\$(nbns '$REQ && ip.src == $A6 && ip.dst == $A1 && nbns.flags.opcode == 5 && nbns.name matches \"NSTHSTART *<03>\"')\" = 3 ] && [ \"\$(nbns '$REQ && ip.src == $A6 && ip.dst == $A2 && nbns.flags.opcode == 5 && nbns.name matches \"NSTHSTART *<03>\"')\" = 3 ] && [ \"\$(nbns '$REQ && ip.src == $A6 && nbns.flags.broadcast == 1 && nbns.flags.opcode == 5 && nbns.name matches \"NSTHSTART *<03>\"')\" -ge 3 ]"
check "4: the P-node h5 asked both servers and never broadcast" \
  eval "[ \"\$(nbns '$REQ && ip.src == $A5 && ip.dst == $A1')\" -ge 1 ] && [ \"\$(nbns '$REQ && ip.src == $A5 && ip.dst == $A2')\" -ge 1 ] && [ \"\$(nbns '$REQ && ip.src == $A5 && nbns.flags.broadcast == 1')\" = 0 ]"
check "4: h3 tried to refresh NSTFO<03> at h1 and h2 with both down" \
  eval "[ \"\$(nbns '$(after "$T_DOWN_EPOCH") && $REQ && ip.src == $A3 && ip.dst == $A1 && nbns.flags.opcode == 8 && nbns.name matches \"NSTFO *<03>\"')\" -ge 1 ] && [ \"\$(nbns '$(after "$T_DOWN_EPOCH") && $REQ && ip.src == $A3 && ip.dst == $A2 && nbns.flags.opcode == 8 && nbns.name matches \"NSTFO *<03>\"')\" -ge 1 ]"

check "capture: fail-back measured for NSTFO<03>, NSTSILENT<03>, NSTNEW<03>" \
  eval "[ \"\$(grep -cE '^fail-back +(NSTFO|NSTSILENT|NSTNEW)<03>' '$OUT/times.txt')\" = 3 ]"

ns_log "run took $(ms_since "$T_RUN") ms"
ns_checks_end
