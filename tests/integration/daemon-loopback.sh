#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# netsendd and netname on loopback, without root and without a bus daemon.
#
# Two daemons form a private "LAN" on loopback: A on 127.0.0.1, B on
# 127.0.0.2, both on the same unprivileged name-service port, so their
# broadcasts go to 127.255.255.255 (which never leaves the machine; see
# include/netsend/ns-net.h). Each has its control socket in a temp dir and
# system-bus = no. Checked: --check-config, list / add / delete and their
# NERR errors and exit codes, Windows switches, --json, NETSEND_CONTROL,
# --host (node status on the wire), a name owned by the other daemon
# (conflict, NERR 2297), SIGHUP reload of aliases, and a clean SIGTERM exit
# that releases the names. As root the daemons drop to "nobody".
set -euo pipefail

BUILD=${NETSEND_BUILD_ROOT:?run through meson test}
NETSENDD=$BUILD/daemon/netsendd
NETNAME=$BUILD/cli/netname
[ -x "$NETSENDD" ] && [ -x "$NETNAME" ] || { echo "SKIP: netsendd or netname not built"; exit 77; }
ip -4 addr show dev lo 2>/dev/null | grep -q 'inet 127\.' || { echo "SKIP: no IPv4 loopback"; exit 77; }
# The daemons log warnings on purpose (conflicts); G_DEBUG=fatal-warnings
# from the test environment would turn them into aborts.
unset G_DEBUG

TMP=$(mktemp -d /tmp/netsend-loopback.XXXXXX)
chmod 755 "$TMP"   # the daemons may run as nobody and must reach their sockets
PIDS=()
LB_LABEL=loopback
. "$(dirname "${BASH_SOURCE[0]}")/lib/loopback.sh"


cleanup() {
  local pid i
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || continue
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ "$FAILS" -ne 0 ]; then
    for f in "$TMP"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 40 "$f"; } >&2; done
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# A free UDP port on 127.0.0.1 (the daemons bind it and 127.255.255.255).
PORT=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
USER_LINE=""
ADMIN_GROUP=netsend-admin
if [ "$(id -u)" -eq 0 ]; then
  getent passwd nobody >/dev/null || { echo "SKIP: root without a 'nobody' user to drop to"; exit 77; }
  USER_LINE="user = nobody"
  # As root, A's socket goes to group nogroup, so that a stranger in that
  # group can connect (reads) but not change names (per-call check).
  getent group nogroup >/dev/null && ADMIN_GROUP=nogroup
fi

write_config() { # NAME ADDRESS ALIASES FILE [ADMIN-GROUP]
  cat > "$4" <<EOF
[netbios]
name = $1
workgroup = DLTEST
aliases = $3
interfaces = $2
[ports]
name-service = $PORT
datagram = 0
session = 0
rpc = 0
[control]
socket = $TMP/run-$1/control
admin-group = ${5:-netsend-admin}
system-bus = no
[daemon]
log-level = info
$USER_LINE
EOF
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

start_daemon() { # NAME CONFIG
  "$NETSENDD" --config "$2" > "$TMP/$1.log" 2>&1 &
  PIDS+=($!)
  eval "PID_$1=$!"
  local i out
  # Up when the control socket answers and no name is still registering.
  for i in $(seq 100); do
    if out=$("$NETNAME" --socket "$TMP/run-$1/control" --all --quiet 2>/dev/null) \
       && ! grep -q registering <<< "$out"; then
      return 0
    fi
    kill -0 "$!" 2>/dev/null || break
    sleep 0.1
  done
  fail "daemon $1 did not start"
  cat "$TMP/$1.log" >&2
  exit 1
}

A="$NETNAME --socket $TMP/run-ALPHA1/control"
B="$NETNAME --socket $TMP/run-BETA2/control"

# ---- configuration check
write_config ALPHA1 127.0.0.1 "bobx" "$TMP/a.conf" "$ADMIN_GROUP"
write_config BETA2 127.0.0.2 "bobx, carlx" "$TMP/b.conf"
run 0 check-ok "$NETSENDD" --check-config --config "$TMP/a.conf" && has check-ok out '^configuration OK$'
printf '[ports]\nrpc = 70000\n[netbios]\nname = A*B\n' > "$TMP/bad.conf"
run 1 check-bad "$NETSENDD" --check-config --config "$TMP/bad.conf" \
  && has check-bad err '\[ports\] rpc:' && has check-bad err '\[netbios\] name:'
run 64 daemon-usage "$NETSENDD" --no-such-option || true

# ---- one daemon: list, add, delete, errors
log "starting A on 127.0.0.1:$PORT"
start_daemon ALPHA1 "$TMP/a.conf"
run 0 list $A && {
  has list out '^Name$'; has list out '^-{79}$'; has list out '^ALPHA1$'; has list out '^BOBX$'
  has list out '^The command completed successfully\.$'; lacks list out 'DLTEST'; }
run 0 list-all $A --all && has list-all out '^DLTEST +<00> +group +registered +lo'
run 0 list-json $A --json && python3 - "$TMP/list-json.out" <<'EOF' || fail "list --json content"
import json, sys
d = json.load(open(sys.argv[1]))
names = {n["name"]: n for n in d["names"]}
assert set(names) == {"ALPHA1", "BOBX"}, names
assert names["BOBX"]["registered"] and names["BOBX"]["suffix"] == 3 and names["BOBX"]["interfaces"] == ["lo"]
EOF

# An add returns once the name is registered on the wire (B-node: three
# requests 250 ms apart), and the node status answer then lists it.
t=$(now_ms)
run 0 add $A carolx /add && has add out 'completed successfully'
elapsed=$(( $(now_ms) - t ))
[ "$elapsed" -ge 600 ] || fail "add returned after ${elapsed} ms, before the registration could finish"
run 0 host $A --host 127.0.0.1 --port "$PORT" && {
  has host out '^CAROLX +<03> +unique +registered'; has host out '^MAC Address = '; }
run 0 host-all $NETNAME --host 127.0.0.1 --port "$PORT" --all --json \
  && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert {"ALPHA1","DLTEST","BOBX","CAROLX"} <= {n["name"] for n in d["names"]}' "$TMP/host-all.out" \
  || fail "--host --all --json"
# Node status asks one host: these are refused before anything is sent.
for h in 0.0.0.0 224.0.0.1 255.255.255.255; do
  run 64 host-bad-$h $NETNAME --host $h --port "$PORT" && has host-bad-$h err 'not a unicast IPv4 address'
done
run 2 add-again $A CAROLX && has add-again err 'NERR 2276'
run 2 del-computer $A alpha1 /delete && has del-computer err 'NERR 2278'
run 2 del-unknown $A --delete zedx && has del-unknown err 'NERR 2285'
run 65 add-invalid $A 'a*b' /add && has add-invalid err 'error 123'
run 65 add-long $A --add abcdefghijklmnop
run 2 json-error $A --json zedx /d && python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["error"]; assert e["nerr"]==2285 and e["code"]=="org.netsend.Error.NotLocalName"' "$TMP/json-error.out" || fail "--json error"
# Windows switches are case-insensitive; a delete returns after the release.
run 0 del $A carolx /DeLeTe
run 0 list2 $A && lacks list2 out 'CAROLX'
run 0 host2 $A --host 127.0.0.1 --port "$PORT" && lacks host2 out 'CAROLX'
run 0 add-gnu $A --add davex
run 0 add-json $A --json --delete davex && has add-json out '"deleted" : "davex"'
NETSEND_CONTROL="$TMP/run-ALPHA1/control" run 0 env-list "$NETNAME" && has env-list out '^BOBX$'
run 69 no-daemon "$NETNAME" --socket "$TMP/nowhere" && has no-daemon err 'NERR 2284'
run 64 usage "$NETNAME" a b
run 64 usage2 "$NETNAME" /add
run 0 help "$NETNAME" '/?' && has help out 'Exit status'
run 0 status $A --status && {
  has status out '^name +ALPHA1$'; has status out '^interfaces +lo/127\.0\.0\.1$'
  has status out '^names +4$'; has status out '^packets-received +[1-9]'; }
run 0 status-json $A --status --json \
  && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ports"]["name-service"] > 0 and d["interface-version"] == 1' "$TMP/status-json.out" \
  || fail "--status --json"

# ---- access: reads for whoever gets through the socket, changes for admins
if [ "$ADMIN_GROUP" = nogroup ] && command -v setpriv > /dev/null; then
  STRANGER="setpriv --reuid=54321 --regid=$(getent group nogroup | cut -d: -f3) --clear-groups"
  run 0 stranger-list $STRANGER $A && has stranger-list out '^BOBX$'
  run 77 stranger-add $STRANGER $A eve /add && has stranger-add err 'error 5'
  run 77 outsider $(echo "$STRANGER" | sed 's/--regid=[0-9]*/--regid=54321/') $A \
    && has outsider err 'error 5'
else
  log "access checks skipped (need root, group nogroup and setpriv)"
fi

# ---- a second daemon: names owned by the other one
log "starting B on 127.0.0.2:$PORT"
start_daemon BETA2 "$TMP/b.conf"
run 0 b-list $B --all && {
  has b-list out '^BOBX +<03> +unique +conflict'; has b-list out '^CARLX +<03> +unique +registered'; }
run 0 b-list-win $B && has b-list-win out '^BOBX +\(conflict\)'
grep -q 'BOBX<03> is in conflict on lo' "$TMP/BETA2.log" || fail "B did not log the conflict"
run 0 a-add $A zoex
run 2 b-dup $B zoex /add && has b-dup err 'NERR 2297' && has b-dup err '127\.0\.0\.1'
run 0 b-list2 $B --all && lacks b-list2 out 'ZOEX'
run 2 a-dup $A carlx /add && has a-dup err 'NERR 2297'

# ---- SIGHUP: B gets a new alias from its file
write_config BETA2 127.0.0.2 "bobx, carlx, newx" "$TMP/b.conf"
kill -HUP "$PID_BETA2"
for i in $(seq 30); do
  $B --all 2>/dev/null | grep -Eq '^NEWX +<03> +unique +registered' && break
  sleep 0.1
done
run 0 b-list3 $B --all && has b-list3 out '^NEWX +<03> +unique +registered'

# ---- SIGTERM: A releases its names and exits 0; B may then take BOBX
log "stopping A"
kill -TERM "$PID_ALPHA1"
rc=0
wait "$PID_ALPHA1" || rc=$?
[ "$rc" -eq 0 ] || fail "A exited with $rc after SIGTERM"
grep -q 'Stopping: releasing the names' "$TMP/ALPHA1.log" || fail "A did not release its names"
grep -q 'Stopped' "$TMP/ALPHA1.log" || fail "A did not stop cleanly"
run 0 b-take $B bobx /add
run 0 b-list4 $B --all && has b-list4 out '^BOBX +<03> +unique +registered'
kill -TERM "$PID_BETA2"
rc=0
wait "$PID_BETA2" || rc=$?
[ "$rc" -eq 0 ] || fail "B exited with $rc after SIGTERM"

# ---- a P-node whose WINS server has nothing on the name-service port: the
# ICMP port unreachable reports end each registration at once (the names
# are held, offered again later) and GetStatus counts them.
log "starting C on 127.0.0.3:$PORT, WINS 127.0.0.4 (nothing there)"
write_config GAMMA3 127.0.0.3 "" "$TMP/c.conf"
sed -i 's/^interfaces = .*/&\nwins-server = 127.0.0.4\nnode-type = p/' "$TMP/c.conf"
start_daemon GAMMA3 "$TMP/c.conf"
C="$NETNAME --socket $TMP/run-GAMMA3/control"
run 0 c-status $C --status --json \
  && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["icmp-unreachable"] >= 1, d' "$TMP/c-status.out" \
  || fail "GetStatus icmp-unreachable"
grep -q 'no WINS server answered (silent or unreachable)' "$TMP/GAMMA3.log" || fail "C did not log the unreachable WINS server"
kill -TERM "$PID_GAMMA3"
rc=0
wait "$PID_GAMMA3" || rc=$?
[ "$rc" -eq 0 ] || fail "C exited with $rc after SIGTERM"

# ---- the system bus path: a private bus stands in for the system bus
if command -v dbus-daemon > /dev/null && [ ! -e /run/netsend/control ]; then
  cat > "$TMP/bus.conf" <<EOF
<busconfig>
  <type>system</type>
  <listen>unix:path=$TMP/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
EOF
  dbus-daemon --config-file="$TMP/bus.conf" --nofork --nopidfile > "$TMP/bus.log" 2>&1 &
  PIDS+=($!)
  for i in $(seq 50); do [ -S "$TMP/bus" ] && break; sleep 0.1; done
  export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$TMP/bus"
  write_config GAMMA3 127.0.0.3 "" "$TMP/c.conf"
  sed -i 's/^system-bus = no$/system-bus = yes/' "$TMP/c.conf"
  log "starting C on 127.0.0.3:$PORT, on the test bus"
  start_daemon GAMMA3 "$TMP/c.conf"
  for i in $(seq 50); do grep -q 'Owning org.netsend.NetSend1' "$TMP/GAMMA3.log" && break; sleep 0.1; done
  run 0 bus-list env -u NETSEND_CONTROL "$NETNAME" && has bus-list out '^GAMMA3$'
  run 0 bus-add env -u NETSEND_CONTROL "$NETNAME" busx /add
  run 0 bus-list2 env -u NETSEND_CONTROL "$NETNAME" && has bus-list2 out '^BUSX$'
  # dbus-daemon wants a caller it can look up: the stock user "daemon",
  # neither root nor nobody nor in nogroup.
  if [ -n "${STRANGER:-}" ] && getent passwd daemon > /dev/null; then
    BUS_STRANGER="setpriv --reuid=daemon --regid=daemon --clear-groups"
    run 0 bus-stranger-list env -u NETSEND_CONTROL $BUS_STRANGER "$NETNAME" \
      && has bus-stranger-list out '^GAMMA3$'
    run 77 bus-stranger-add env -u NETSEND_CONTROL $BUS_STRANGER "$NETNAME" mallory /add \
      && has bus-stranger-add err 'error 5'
  fi
  kill -TERM "$PID_GAMMA3"
  rc=0
  wait "$PID_GAMMA3" || rc=$?
  [ "$rc" -eq 0 ] || fail "C exited with $rc after SIGTERM"
  run 69 bus-gone env -u NETSEND_CONTROL "$NETNAME"
  unset DBUS_SYSTEM_BUS_ADDRESS
else
  log "system bus checks skipped (no dbus-daemon, or a netsendd owns /run/netsend/control)"
fi

if [ "$FAILS" -ne 0 ]; then
  log "$FAILS check(s) failed"
  exit 1
fi
log "all checks passed"
