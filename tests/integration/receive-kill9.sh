#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# "An acknowledged message is never lost, also on kill -9" (issue 4), end
# to end: netsendd on loopback receives from 8 concurrent SMB senders
# (msgr_client.py flood: 0xD0 and D5/D7/D6 alternately, one connection per
# message); each sender prints "ACK TAG N" only once the final response
# (0xD0 / 0xD6 reply) said success. netsendd is killed with SIGKILL at a
# random moment; after every round each acknowledged message must be in the
# store, which must pass its integrity check; the next round restarts the
# daemon on the same store (WAL recovery).
#
# Bounded: ROUNDS rounds, each sender at most COUNT messages or 15 s.
set -euo pipefail

BUILD=${NETSEND_BUILD_ROOT:?run through meson test}
SRC=${NETSEND_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
NETSENDD=$BUILD/daemon/netsendd
CLIENT=$SRC/tests/integration/msgr_client.py
PY=/usr/bin/python3
ROUNDS=${RECEIVE_KILL9_ROUNDS:-4}
[ -x "$NETSENDD" ] || { echo "SKIP: netsendd not built"; exit 77; }
ip -4 addr show dev lo 2>/dev/null | grep -q 'inet 127\.' || { echo "SKIP: no IPv4 loopback"; exit 77; }
unset G_DEBUG

TMP=$(mktemp -d /tmp/netsend-rkill9.XXXXXX)
chmod 755 "$TMP"
PID=""
CPID=""
cleanup() {
  [ -n "$CPID" ] && kill -TERM "$CPID" 2>/dev/null || true
  [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -n 30 "$TMP/d.log" 2>/dev/null; exit 1; }

PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
USER_LINE=""
[ "$(id -u)" -eq 0 ] && USER_LINE="user = nobody"
DB=$TMP/state/inbox.db
cat > "$TMP/n.conf" <<EOF
[netbios]
name = KILLNINE
workgroup = K9TEST
interfaces = 127.0.0.1
[ports]
name-service = 0
datagram = 0
session = $PORT
rpc = 0
[control]
socket = $TMP/run/control
system-bus = no
[daemon]
$USER_LINE
[limits]
per-source-rate = 0
global-rate = 0
max-connections = 64
max-connections-per-source = 32
[store]
path = $DB
EOF

start_daemon() {
  "$NETSENDD" --config "$TMP/n.conf" >> "$TMP/d.log" 2>&1 &
  PID=$!
  for _ in $(seq 100); do
    $PY -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1).close()" 2>/dev/null && return 0
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  fail "netsendd did not start"
}

: > "$TMP/acks"
for round in $(seq 1 "$ROUNDS"); do
  start_daemon
  timeout 40 $PY "$CLIENT" flood --port "$PORT" --to KILLNINE --count 20000 --concurrency 8 \
    --deadline 15 --tag "r$round" > "$TMP/acks.$round" 2> "$TMP/client.$round.err" &
  CPID=$!
  # 0.4 to 1.6 s: lands anywhere in a commit, a response or an accept.
  sleep "$(( RANDOM % 2 )).$(( (RANDOM % 6) + 4 ))"
  kill -KILL "$PID"
  wait "$PID" 2>/dev/null || true
  PID=""
  wait "$CPID" || true
  CPID=""
  grep -E '^ACK r[0-9]+ [0-9]+$' "$TMP/acks.$round" >> "$TMP/acks" || true
  n=$(grep -c . "$TMP/acks.$round" || true)
  $PY - "$DB" "$TMP/acks" <<'EOF' || fail "round $round: acknowledged messages missing"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("pragma integrity_check").fetchone()[0] == "ok", "integrity check"
stored = {row[0] for row in db.execute("select text from messages where sender = 'FLOOD'")}
missing = []
for line in open(sys.argv[2]):
    _, tag, n = line.split()
    if "kill9 probe %s #%s" % (tag, n) not in stored:
        missing.append(line.strip())
if missing:
    print("%d acknowledged but not stored, e.g. %s" % (len(missing), missing[:5]))
    sys.exit(1)
EOF
  echo "round $round: $n acknowledged in this round, all stored"
done

total=$(wc -l < "$TMP/acks")
[ "$total" -ge 100 ] || fail "only $total messages acknowledged over $ROUNDS rounds: too little exercised"
echo "PASS: $total acknowledged messages over $ROUNDS kill -9 rounds, none lost"
