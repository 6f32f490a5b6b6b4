#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Delivery of stored messages and the netmsg reader, on loopback, without
# root (the terminal part needs root and is skipped otherwise):
#  - [delivery] hook: NETSEND_* environment and the text on stdin, exact;
#    who it runs as; hook-timeout kills it (and its children); a hook-user
#    the daemon cannot switch to is refused; both applied by SIGHUP;
#  - the journal record (MESSAGE_ID line) without the text at info level;
#  - netmsg: list, --json, --since, --from, --limit, --store, exit codes;
#  - netmsg --follow: existing messages, then new ones through the
#    MessageReceived signal, across a daemon restart;
#  - netmsg --follow --notify and --agent against a fake
#    org.freedesktop.Notifications on a private session bus
#    (dbus-run-session): summary, escaped body, urgency, category, the
#    "is it for me" rule, one agent per session;
#  - the system bus path (a private bus as the system bus): list and
#    --follow without --socket;
#  - as root: [delivery] terminals to ptys made here, with a utmp of our
#    own in a private mount namespace: the recipient's terminal gets the
#    Windows-like text, mesg n and someone else's terminal get nothing, a
#    terminal the daemon may not open gives one clear log line.
# Messages are injected with R1's independent SMB client (msgr_client.py).
# Every wait is bounded.
set -uo pipefail

BUILD=${NETSEND_BUILD_ROOT:?run through meson test}
SRC=${NETSEND_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
NETSENDD=$BUILD/daemon/netsendd
NETMSG=$BUILD/cli/netmsg
NETNAME=$BUILD/cli/netname
FAKE_NOTIFY=$BUILD/tests/integration/fake-notifications
CLIENT=$SRC/tests/integration/msgr_client.py
PY=/usr/bin/python3
for x in "$NETSENDD" "$NETMSG" "$NETNAME" "$FAKE_NOTIFY"; do
  [ -x "$x" ] || { echo "SKIP: $x not built"; exit 77; }
done
[ -x "$PY" ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
ip -4 addr show dev lo 2>/dev/null | grep -q 'inet 127\.' || { echo "SKIP: no IPv4 loopback"; exit 77; }
# The daemon logs warnings on purpose (hook failures).
unset G_DEBUG NETSEND_CONTROL

TMP=$(mktemp -d /tmp/netsend-deliver.XXXXXX)
chmod 755 "$TMP"
PIDS=()
LB_LABEL=deliver
. "$(dirname "${BASH_SOURCE[0]}")/lib/loopback.sh"

stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  if [ "$FAILS" -ne 0 ]; then
    for f in "$TMP"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 40 "$f"; } >&2; done
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# Conditions for wait_for (re-evaluated at each try).
lines_ge() { [ "$(grep -c . "$1" 2>/dev/null)" -ge "$2" ]; }
# py LABEL FILE EXPR: a Python assertion over the JSON lines of FILE (rows)
py() {
  $PY - "$2" "$3" <<'EOF' || { fail "$1: $3"; sed 's/^/    /' "$2" >&2; }
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert eval(sys.argv[2]), rows
EOF
}

read -r P_SS P_SS2 <<<"$(free_ports 2)"

ME=$(id -un)
USER_LINE=""
DAEMON_USER=$ME
if [ "$(id -u)" -eq 0 ]; then
  getent passwd nobody >/dev/null || { echo "SKIP: root without a 'nobody' user"; exit 77; }
  USER_LINE="user = nobody"
  DAEMON_USER=nobody
fi
# An account that is neither us nor the daemon's user nor an alias: its
# name as a recipient is "someone else's" for --notify.
OTHER=daemon
getent passwd "$OTHER" >/dev/null && [ "$OTHER" != "$ME" ] || OTHER=""

DB=$TMP/state/inbox.db
SOCK=$TMP/run/control
HOOKDIR=$TMP/hook
mkdir -p "$HOOKDIR" "$TMP/state"
chmod 1777 "$HOOKDIR"
[ "$(id -u)" -eq 0 ] && chown nobody "$TMP/state"

# The hook: environment and stdin per message id, then who ran it.
cat > "$TMP/hook.sh" <<EOF
#!/bin/sh
d=$HOOKDIR
env | grep '^NETSEND_' | LC_ALL=C sort > "\$d/\$NETSEND_ID.env.tmp"
cat > "\$d/\$NETSEND_ID.txt"
{ id -un; echo "HOME=\$HOME"; [ -n "\${PATH:-}" ] && echo PATH-set; } > "\$d/\$NETSEND_ID.who"
mv "\$d/\$NETSEND_ID.env.tmp" "\$d/\$NETSEND_ID.env"
EOF
# A hook that outlives hook-timeout, with a child of its own.
cat > "$TMP/slow-hook.sh" <<EOF
#!/bin/sh
sleep 37.5 &
echo \$! > $HOOKDIR/slow-child.pid
wait
echo finished > $HOOKDIR/slow-finished
EOF
chmod 755 "$TMP/hook.sh" "$TMP/slow-hook.sh"

# The system bus path needs a bus daemon and no real netsendd socket.
BUS_MODE=no
if command -v dbus-daemon > /dev/null && [ ! -e /run/netsend/control ]; then
  cat > "$TMP/bus.conf" <<EOF
<busconfig>
  <type>system</type>
  <listen>unix:path=$TMP/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
  dbus-daemon --config-file="$TMP/bus.conf" --nofork --nopidfile > "$TMP/bus.log" 2>&1 &
  PIDS+=($!)
  wait_for 5 test -S "$TMP/bus" && { export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$TMP/bus"; BUS_MODE=yes; }
fi
[ "$BUS_MODE" = yes ] || note "system bus checks skipped (no dbus-daemon, or a netsendd owns /run/netsend/control)"

write_config() { # DELIVERY-LINES
  cat > "$TMP/d.conf" <<EOF
[netbios]
name = RLHOST
workgroup = DLWG
aliases = alice${OTHER:+, $OTHER}
interfaces = 127.0.0.1
[ports]
name-service = 0
datagram = 0
session = $P_SS
rpc = 0
[control]
socket = $SOCK
system-bus = $BUS_MODE
[daemon]
log-level = info
$USER_LINE
[store]
path = $DB
[delivery]
$1
EOF
}
DELIVERY_DEFAULT="hook = $TMP/hook.sh
notify-urgency = normal"

DPID=""
start_daemon() {
  "$NETSENDD" --config "$TMP/d.conf" >> "$TMP/d.log" 2>&1 &
  DPID=$!
  PIDS+=($DPID)
  if ! wait_for 10 "$NETMSG" --socket "$SOCK" -n 1 -q; then
    fail "netsendd did not start"; exit 1
  fi
  if [ "$BUS_MODE" = yes ] && ! wait_for 5 grep -q 'Owning org.netsend.NetSend1' "$TMP/d.log"; then
    fail "netsendd did not get its bus name"
  fi
}
reloads() { grep -c 'Configuration reloaded' "$TMP/d.log" || true; }
reload() { # DELIVERY-LINES
  local before; before=$(reloads)
  write_config "$1"
  kill -HUP "$DPID"
  reloaded_since() { [ "$(reloads)" -gt "$1" ]; }
  wait_for 5 reloaded_since "$before" || fail "reload not applied"
}
# send FROM TO TEXT [PORT]: one SMB message (multi-block), via R1's client
send() {
  timeout 30 $PY "$CLIENT" smb --host 127.0.0.1 --port "${4:-$P_SS}" --mode multi \
    --from "$1" --to "$2" --text "$3" > "$TMP/send.json" 2> "$TMP/send.err" \
    || { fail "send $1 -> $2 failed"; cat "$TMP/send.json" "$TMP/send.err" >&2; }
}
status_value() { # KEY: from GetStatus (netname --status --json)
  "$NETNAME" --socket "$SOCK" --status --json 2>/dev/null \
    | $PY -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"
}

# ---- hook, journal ----------------------------------------------------------
write_config "$DELIVERY_DEFAULT"
run 0 check-config "$NETSENDD" --check-config --config "$TMP/d.conf" || exit 1
log "starting netsendd (session port $P_SS, system bus: $BUS_MODE)"
start_daemon
TEXT1=$'Power failure in room 2.\nShutdown in 5 minutes: save your work! \xc3\xa4\xc3\xb6\xc3\xbc'
send UPS-ROOM2 ALICE "$TEXT1"
if wait_for 10 test -f "$HOOKDIR/1.env"; then
  printf '%s' "$TEXT1" > "$TMP/expect1.txt"
  # The client may end the text with nothing else: stdin is the text, exact.
  cmp -s "$TMP/expect1.txt" "$HOOKDIR/1.txt" || { fail "hook stdin differs"; od -c "$HOOKDIR/1.txt" | head >&2; }
  cat > "$TMP/expect1.env" <<EOF
NETSEND_CODEPAGE=CP850
NETSEND_FROM=UPS-ROOM2
NETSEND_ID=1
NETSEND_PORT=@PORT@
NETSEND_SOURCE=127.0.0.1
NETSEND_TIME=@TIME@
NETSEND_TO=ALICE
NETSEND_TRANSPORT=smb
EOF
  sed -E -e 's/^NETSEND_PORT=[0-9]{1,5}$/NETSEND_PORT=@PORT@/' \
      -e 's/^NETSEND_TIME=20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{6}Z$/NETSEND_TIME=@TIME@/' \
      "$HOOKDIR/1.env" > "$TMP/got1.env"
  cmp -s "$TMP/expect1.env" "$TMP/got1.env" || { fail "hook environment"; diff "$TMP/expect1.env" "$HOOKDIR/1.env" >&2; }
  wait_for 5 test -s "$HOOKDIR/1.who" || true
  [ "$(head -n 1 "$HOOKDIR/1.who")" = "$DAEMON_USER" ] || fail "hook ran as $(head -n 1 "$HOOKDIR/1.who"), not $DAEMON_USER"
  grep -q '^PATH-set$' "$HOOKDIR/1.who" || fail "hook without PATH"
else
  fail "the hook did not run for message 1"
fi
wait_for 5 grep -q 'Message 1 from UPS-ROOM2 to ALICE (smb from 127.0.0.1)' "$TMP/d.log" \
  || fail "no journal record for message 1"
grep -q 'Power failure' "$TMP/d.log" && fail "the text is in the log at level info"

# ---- netmsg: listing ------------------------------------------------------------
send CAROL RLHOST $'second <b>bold</b> & more'
send UPS-ROOM3 ALICE 'third'
wait_for 10 test -f "$HOOKDIR/3.env" || fail "hook for message 3"
[ "$(status_value notify-urgency)" = normal ] || fail "GetStatus notify-urgency is not normal"
hooks_succeeded() { [ "$(status_value delivery-hooks-succeeded)" = "$1" ]; }
wait_for 5 hooks_succeeded 3 || fail "GetStatus delivery-hooks-succeeded is not 3"
M="$NETMSG --socket $SOCK"
run 0 list $M && {
  has list out '^Message from UPS-ROOM2 to ALICE on [0-9]{1,2}/[0-9]{1,2}/20[0-9]{2} [0-9]{1,2}:[0-9]{2}:[0-9]{2} [AP]M$'
  has list out '^Shutdown in 5 minutes: save your work! äöü$'
  [ "$(grep -c '^Message from' "$TMP/list.out")" -eq 3 ] || fail "list: not 3 messages"
  [ "$(grep '^Message from' "$TMP/list.out" | tail -n 1 | cut -d' ' -f3)" = UPS-ROOM3 ] || fail "list: newest not last"; }
run 0 json $M --json && py json "$TMP/json.out" \
  "[r['id'] for r in rows] == [1, 2, 3] and rows[0]['text'] == '''$TEXT1''' and rows[1]['text'] == 'second <b>bold</b> & more' and rows[0]['from'] == 'UPS-ROOM2' and rows[0]['to'] == 'ALICE' and rows[0]['transport'] == 'smb' and rows[0]['source'] == '127.0.0.1' and rows[0]['codepage'] == 'CP850' and rows[0]['verdict'] == 'accepted' and rows[0]['time'].endswith('Z')"
run 0 from $M --json --from 'ups-*' && py from "$TMP/from.out" "[r['id'] for r in rows] == [1, 3]"
run 0 from-none $M --from 'nobody-at-all' && [ ! -s "$TMP/from-none.out" ] || fail "from-none printed something"
run 0 limit $M --json -n 1 && py limit "$TMP/limit.out" "[r['id'] for r in rows] == [3]"
run 0 limit-all $M --json --limit 0 && py limit-all "$TMP/limit-all.out" "len(rows) == 3"
run 0 since-future $M --since 2099-01-01 && [ ! -s "$TMP/since-future.out" ] || fail "since-future printed something"
run 0 since-hour $M --json --since 1h && py since-hour "$TMP/since-hour.out" "len(rows) == 3"
run 0 store $NETMSG --store "$DB" --json --from 'UPS*' && py store "$TMP/store.out" "[r['id'] for r in rows] == [1, 3]"
run 0 help $NETMSG '/?' && has help out 'Exit status:'
run 64 bad-since $M --since yesterday && has bad-since err "--since 'yesterday'"
run 64 bad-limit $M --limit -1
run 64 notify-alone $M --notify && has notify-alone err 'works with --follow'
run 64 both $NETMSG --socket "$SOCK" --store "$DB"
run 64 bad-urgency $M -f --urgency panic
run 69 no-daemon $NETMSG --socket "$TMP/nowhere" && has no-daemon err 'NERR 2284' && has no-daemon err 'systemctl start netsendd'
run 66 no-store $NETMSG --store "$TMP/nowhere.db" && has no-store err 'cannot open store'
printf 'not a database at all, not even close.........................................................\n' > "$TMP/junk.db"
run 65 junk-store $NETMSG --store "$TMP/junk.db"

# ---- --follow: existing ones, then new ones, across a restart ----------------------------
$M --follow --json -n 0 > "$TMP/follow.out" 2> "$TMP/follow.err" &
FPID=$!
PIDS+=($FPID)
wait_for 10 lines_ge "$TMP/follow.out" 3 || fail "follow: the 3 existing messages"
send DAVE ALICE 'fourth, while following'
wait_for 10 grep -q '"id":4,' "$TMP/follow.out" || fail "follow: message 4 did not arrive"
stop_pid "$DPID"
start_daemon
send ERIN ALICE 'fifth, after a restart'
wait_for 15 grep -q '"id":5,' "$TMP/follow.out" || fail "follow: message 5 (after the restart) did not arrive"
has follow err 'netsendd went away; waiting'
stop_pid "$FPID"
py follow "$TMP/follow.out" "[r['id'] for r in rows] == [1, 2, 3, 4, 5]"

# ---- the system bus path ------------------------------------------------------------------
if [ "$BUS_MODE" = yes ]; then
  run 0 bus-list "$NETMSG" --json -n 2 && py bus-list "$TMP/bus-list.out" "[r['id'] for r in rows] == [4, 5]"
  "$NETMSG" --follow --json -n 0 > "$TMP/bus-follow.out" 2> "$TMP/bus-follow.err" &
  BPID=$!
  PIDS+=($BPID)
  wait_for 10 lines_ge "$TMP/bus-follow.out" 5 || fail "bus follow: existing messages"
  send FRANK ALICE 'sixth, on the bus'
  wait_for 10 grep -q '"id":6,' "$TMP/bus-follow.out" || fail "bus follow: message 6 did not arrive"
  stop_pid "$BPID"
else
  send FRANK ALICE 'sixth'
fi

# ---- hook-timeout and hook-user, by reload (meanwhile --follow on the store file) ----------------
"$NETMSG" --store "$DB" --follow --json -n 1 > "$TMP/store-follow.out" 2> "$TMP/store-follow.err" &
SPID=$!
PIDS+=($SPID)
wait_for 10 lines_ge "$TMP/store-follow.out" 1 || fail "store follow: the newest message"
reload "hook = $TMP/slow-hook.sh
hook-timeout = 1"
send GINA ALICE 'seventh: the slow hook'
wait_for 10 grep -q 'Hook for message 7 did not finish within 1 s and was killed' "$TMP/d.log" \
  || fail "slow hook not killed"
if wait_for 5 test -s "$HOOKDIR/slow-child.pid"; then
  CHILD=$(cat "$HOOKDIR/slow-child.pid")
  wait_for 5 sh -c "! kill -0 $CHILD" || fail "the slow hook's child survived its group kill"
fi
sleep 0.5
[ -e "$HOOKDIR/slow-finished" ] && fail "the slow hook finished instead of being killed"
[ "$(status_value delivery-hooks-timed-out)" = 1 ] || fail "GetStatus delivery-hooks-timed-out is not 1"
[ "$(status_value notify-urgency)" = critical ] || fail "GetStatus notify-urgency is not critical (the default)"
WRONG_USER=root
[ "$DAEMON_USER" = root ] && WRONG_USER=nobody
reload "hook = $TMP/hook.sh
hook-user = $WRONG_USER"
has_log_refusal() { grep -q "hook-user = $WRONG_USER, but netsendd runs as $DAEMON_USER and cannot switch users" "$TMP/d.log"; }
send HANK ALICE 'eighth: no hook for this one'
wait_for 5 has_log_refusal || fail "hook-user refusal not logged"
sleep 1
[ -e "$HOOKDIR/8.env" ] && fail "the hook ran as the wrong hook-user"
[ "$(status_value delivery-hooks-dropped)" = 1 ] || fail "GetStatus delivery-hooks-dropped is not 1"
reload "$DELIVERY_DEFAULT"
send IRIS ALICE 'ninth: hook back'
wait_for 10 test -f "$HOOKDIR/9.env" || fail "hook did not come back after the reload"
wait_for 5 grep -q '"id":9,' "$TMP/store-follow.out" || fail "store follow: message 9 did not arrive"
stop_pid "$SPID"
py store-follow "$TMP/store-follow.out" "[r['id'] for r in rows] == [6, 7, 8, 9]"
run 0 all-kept $M --json --limit 0 && py all-kept "$TMP/all-kept.out" "[r['id'] for r in rows] == list(range(1, 10))"

# ---- --notify and --agent on a private session bus ---------------------------------------------
if command -v dbus-run-session > /dev/null; then
  cat > "$TMP/notify.sh" <<'EOS'
set -u
"$FAKE_NOTIFY" "$TMP/notifications.jsonl" > "$TMP/fake.out" 2> "$TMP/fake.log" &
FN=$!
for i in $(seq 50); do grep -q ready "$TMP/fake.out" && break; sleep 0.1; done
"$NETMSG" --socket "$SOCK" --follow --notify --json -n 0 > "$TMP/nf.out" 2> "$TMP/nf.err" &
NF=$!
"$NETMSG" --socket "$SOCK" --agent --urgency low > "$TMP/agent.out" 2> "$TMP/agent.err" &
AG=$!
for i in $(seq 100); do [ "$(grep -c . "$TMP/nf.out")" -ge 9 ] && break; sleep 0.1; done
sleep 0.5
"$NETMSG" --socket "$SOCK" --agent > "$TMP/agent2.out" 2> "$TMP/agent2.err"
echo "$?" > "$TMP/agent2.rc"
"$SEND" CAROL RLHOST 'Lunch <now> & "then" coffee'
[ -n "$OTHER" ] && "$SEND" MALLORY "$OTHER" 'for someone else'
"$SEND" JOE ALICE 'for everybody (an alias)'
for i in $(seq 100); do [ "$(grep -c . "$TMP/notifications.jsonl" 2>/dev/null)" -ge 4 ] && break; sleep 0.1; done
sleep 1
kill -TERM "$NF" "$AG" "$FN"
wait
EOS
  cat > "$TMP/send.sh" <<EOF
#!/bin/sh
timeout 30 $PY "$CLIENT" smb --host 127.0.0.1 --port $P_SS --mode multi --from "\$1" --to "\$2" --text "\$3" > /dev/null
EOF
  chmod 755 "$TMP/send.sh"
  FAKE_NOTIFY=$FAKE_NOTIFY NETMSG=$NETMSG SOCK=$SOCK TMP=$TMP OTHER=$OTHER SEND=$TMP/send.sh \
    timeout 120 dbus-run-session -- bash "$TMP/notify.sh" > "$TMP/dbus-run.log" 2>&1 \
    || fail "dbus-run-session: $(tail -n 3 "$TMP/dbus-run.log")"
  [ "$(cat "$TMP/agent2.rc" 2>/dev/null)" = 0 ] || fail "second agent: exit $(cat "$TMP/agent2.rc" 2>/dev/null)"
  has agent2 err 'another netmsg --agent runs in this session'
  [ -s "$TMP/agent.out" ] && fail "the agent printed messages (it is --quiet)"
  # Printed: every message, those for others too; notified: only ours.
  N_SENT=$(( ${OTHER:+1} + 11 ))
  py nf "$TMP/nf.out" "len(rows) == $N_SENT"
  py notifications "$TMP/notifications.jsonl" "len(rows) == 4"
  py notify-fields "$TMP/notifications.jsonl" "all(r['app_name'] == 'Net Send' and r['hints']['category'] == 'im.received' and r['hints']['desktop-entry'] == 'netsend-agent' and r['expire_timeout'] == -1 and r['actions'] == 0 and r['replaces_id'] == 0 for r in rows)"
  # The follower (urgency from GetStatus: normal) and the agent (--urgency low).
  py notify-lunch "$TMP/notifications.jsonl" "sorted(r['hints']['urgency'] for r in rows if 'Lunch' in r['body']) == [0, 1]"
  py notify-markup "$TMP/notifications.jsonl" "all(r['body'] == 'Lunch &lt;now&gt; &amp; &quot;then&quot; coffee' for r in rows if 'Lunch' in r['body'])"
  py notify-summary "$TMP/notifications.jsonl" "all(r['summary'].startswith('Message from CAROL to RLHOST on ') for r in rows if 'Lunch' in r['body'])"
  py notify-alias "$TMP/notifications.jsonl" "len([r for r in rows if r['body'] == 'for everybody (an alias)']) == 2"
  py notify-other "$TMP/notifications.jsonl" "not [r for r in rows if 'someone else' in r['body']]"
  [ -n "$OTHER" ] || note "no second account: the 'someone else' notification rule was not checked"
else
  note "--notify checks skipped: no dbus-run-session"
fi

# A clean exit (under ASan: no leak, no error report).
kill -TERM "$DPID"
rc=0
wait "$DPID" || rc=$?
[ "$rc" -eq 0 ] || fail "netsendd exited with $rc after SIGTERM"
grep -q 'ERROR: .*Sanitizer' "$TMP/d.log" && fail "sanitizer report in the daemon's log"

# ---- terminals (root: ptys, a utmp of our own in a private mount namespace) ----------------------
if [ "$(id -u)" -eq 0 ] && command -v unshare > /dev/null; then
  cat > "$TMP/ptys.py" <<'EOF'
"""Makes four ptys, writes a utmp naming their users, copies what each
terminal receives to OUT/<name>.out; runs until killed."""
import os, pwd, select, struct, sys, time
out = sys.argv[1]
nobody = pwd.getpwnam("nobody").pw_uid
# name: (owner uid, mode, utmp user)
# "stolen" is writable by others, so the daemon can open it; it must still
# refuse it, as the owner is not the utmp user.
spec = {"mine": (nobody, 0o620, "nobody"), "mesg-n": (nobody, 0o600, "nobody"),
        "stolen": (0, 0o622, "nobody"), "root": (0, 0o620, "root")}
masters = {}
records = b""
for name, (uid, mode, user) in spec.items():
    m, s = os.openpty()
    path = os.ttyname(s)
    os.chown(path, uid, -1)
    os.chmod(path, mode)
    masters[m] = (name, s)
    line = path[len("/dev/"):].encode()
    # struct utmp (x86_64 glibc): type, pid, line[32], id[4], user[32],
    # host[256], exit, session, tv, addr_v6[4], reserved[20]
    records += struct.pack("<hxxi32s4s32s256shhiii16s20s", 7, os.getpid(), line, line[-4:],
                           user.encode(), b"test", 0, 0, 0, int(time.time()), 0, b"", b"")
    with open(os.path.join(out, name + ".tty"), "w") as f:
        f.write(path + "\n")
with open("/run/utmp", "wb") as f:
    f.write(records)
os.chmod("/run/utmp", 0o644)
with open(os.path.join(out, "ready"), "w") as f:
    f.write("ready\n")
while True:
    r, _, _ = select.select(list(masters), [], [], 1.0)
    for m in r:
        try:
            data = os.read(m, 65536)
        except OSError:
            continue
        with open(os.path.join(out, masters[m][0] + ".out"), "ab") as f:
            f.write(data)
EOF
  mkdir -p "$TMP/tty" "$TMP/tstate"
  chown nobody "$TMP/tstate"
  cat > "$TMP/t.conf" <<EOF
[netbios]
name = TTYHOST
workgroup = DLWG
aliases = nobody
interfaces = 127.0.0.1
[ports]
name-service = 0
datagram = 0
session = $P_SS2
rpc = 0
[control]
socket = $TMP/trun/control
system-bus = no
[daemon]
log-level = info
user = nobody
[store]
path = $TMP/tstate/inbox.db
[delivery]
terminals = yes
EOF
  cat > "$TMP/terminals.sh" <<'EOS'
set -u
mount -t tmpfs -o mode=0755 tmpfs /run || { echo "cannot mount /run" > "$TMP/tty/error"; exit 0; }
$PY "$TMP/ptys.py" "$TMP/tty" &
PT=$!
for i in $(seq 50); do [ -e "$TMP/tty/ready" ] && break; sleep 0.1; done
"$NETSENDD" --config "$TMP/t.conf" > "$TMP/t.log" 2>&1 &
TD=$!
for i in $(seq 100); do "$NETMSG" --socket "$TMP/trun/control" -q 2>/dev/null && break; sleep 0.1; done
$SEND2 BOB NOBODY $'Hello nobody\nsecond line \x1b[2J cleared?'
for i in $(seq 50); do [ -s "$TMP/tty/mine.out" ] && break; sleep 0.1; done
$SEND2 BOB TTYHOST 'to the whole computer'
for i in $(seq 50); do grep -q 'whole computer' "$TMP/tty/mine.out" 2>/dev/null && break; sleep 0.1; done
sleep 1
kill -TERM "$TD"; wait "$TD"; echo "$?" > "$TMP/tty/daemon.rc"
kill -TERM "$PT"; wait "$PT"
exit 0
EOS
  cat > "$TMP/send2.sh" <<EOF
#!/bin/sh
timeout 30 $PY "$CLIENT" smb --host 127.0.0.1 --port $P_SS2 --mode multi --from "\$1" --to "\$2" --text "\$3" > /dev/null
EOF
  chmod 755 "$TMP/send2.sh"
  if unshare -m --propagation private true 2>/dev/null; then
    TMP=$TMP PY=$PY NETSENDD=$NETSENDD NETMSG=$NETMSG SEND2=$TMP/send2.sh \
      timeout 120 unshare -m --propagation private bash "$TMP/terminals.sh" > "$TMP/unshare.log" 2>&1 \
      || fail "terminals: $(tail -n 3 "$TMP/unshare.log")"
    if [ -e "$TMP/tty/error" ]; then
      note "terminal checks skipped: $(cat "$TMP/tty/error")"
    else
      $PY - "$TMP/tty" <<'EOF' || fail "terminals: what the terminals received"
import os, re, sys
d = sys.argv[1]
def got(name):
    p = os.path.join(d, name + ".out")
    return open(p, "rb").read() if os.path.exists(p) else b""
mine = got("mine")
date = rb"[0-9]{1,2}/[0-9]{1,2}/20[0-9]{2} [0-9]{1,2}:[0-9]{2}:[0-9]{2} [AP]M"
# The pty's line discipline may add CRs (ONLCR): compare with CR LF folded.
norm = mine.replace(b"\r\r\n", b"\r\n")
first = rb"\r\n\x07Message from BOB to NOBODY on " + date + rb"\r\n\r\nHello nobody\r\nsecond line \xef\xbf\xbd cleared\?\r\n"
second = rb"\r\n\x07Message from BOB to TTYHOST on " + date + rb"\r\n\r\nto the whole computer\r\n"
assert re.fullmatch(first + second, norm), norm
assert b"\x1b" not in mine, mine
for other in ("mesg-n", "stolen", "root"):
    assert got(other) == b"", (other, got(other))
EOF
      [ "$(cat "$TMP/tty/daemon.rc" 2>/dev/null)" = 0 ] || fail "terminals: netsendd exited with $(cat "$TMP/tty/daemon.rc" 2>/dev/null)"
      grep -q 'Writing to terminals needs the tty group' "$TMP/t.log" \
        || fail "terminals: no log line for the terminal the daemon may not open"
      [ "$(grep -c 'needs the tty group' "$TMP/t.log")" -eq 1 ] || fail "terminals: the EACCES line is not logged once"
    fi
  else
    note "terminal checks skipped: unshare -m is not permitted here"
  fi
else
  note "terminal checks skipped: they need root (ptys owned by another user, a private /run/utmp)"
fi

for n in "${NOTES[@]}"; do log "note: $n"; done
if [ "$FAILS" -ne 0 ]; then
  log "$FAILS check(s) failed"
  exit 1
fi
log "all checks passed"
