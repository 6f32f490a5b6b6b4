#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The three receive paths of netsendd on loopback, without root: SMB on an
# unprivileged session port (0xD0 first, D5/D7/D6, NEGOTIATE first, direct
# framing), mailslot datagrams (unicast to our name, broadcast to the
# workgroup, duplicates stored once), NetrSendMessage over UDP (response,
# reject, fault, fragments, ping/ack) from an independent client
# (msgr_client.py: hand-built frames, python3-impacket's NDR and UDP
# transport). Then malformed input on every port while valid senders keep
# working; policy refusals (deny-senders, allow, recipients), rate limits
# and verify-sender on all three paths, none of which may reach the inbox
# (checked in the store with sqlite3); a full store refuses with an error.
# Bounded: every client call has a timeout, every loop a count.
set -euo pipefail

BUILD=${NETSEND_BUILD_ROOT:?run through meson test}
SRC=${NETSEND_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
NETSENDD=$BUILD/daemon/netsendd
NETNAME=$BUILD/cli/netname
CLIENT=$SRC/tests/integration/msgr_client.py
PY=/usr/bin/python3
[ -x "$NETSENDD" ] && [ -x "$NETNAME" ] || { echo "SKIP: netsendd or netname not built"; exit 77; }
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 not installed"; exit 77; }
$PY -c 'import impacket.dcerpc.v5.transport' 2>/dev/null || { echo "SKIP: python3-impacket missing"; exit 77; }
ip -4 addr show dev lo 2>/dev/null | grep -q 'inet 127\.' || { echo "SKIP: no IPv4 loopback"; exit 77; }
# Refusals are logged as warnings on purpose.
unset G_DEBUG

TMP=$(mktemp -d /tmp/netsend-receive.XXXXXX)
chmod 755 "$TMP"
PID=""
LB_LABEL=receive
. "$(dirname "${BASH_SOURCE[0]}")/lib/loopback.sh"

cleanup() {
  local i
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null || true
    for i in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$PID" 2>/dev/null || true
  fi
  if [ "$FAILS" -ne 0 ]; then
    echo "--- daemon log (last 60 lines)" >&2; tail -n 60 "$TMP/d.log" >&2 || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

read -r P_NS P_DG P_SS P_RPC P_DIR <<<"$(free_ports 5)"
USER_LINE=""
if [ "$(id -u)" -eq 0 ]; then
  getent passwd nobody >/dev/null || { echo "SKIP: root without a 'nobody' user"; exit 77; }
  USER_LINE="user = nobody"
fi
DB=$TMP/state/inbox.db
CONF=$TMP/n.conf

write_config() { # extra lines for [policy], [limits], [store]
  cat > "$CONF" <<EOF
[netbios]
name = RECVONE
workgroup = RLTEST
aliases = alice, bob
interfaces = 127.0.0.1
[ports]
name-service = $P_NS
datagram = $P_DG
session = $P_SS
rpc = $P_RPC
direct-445 = $P_DIR
[control]
socket = $TMP/run/control
system-bus = no
[daemon]
log-level = info
$USER_LINE
[policy]
deny-senders = SPAM*
$1
[limits]
${2:-per-source-rate = 0
global-rate = 0}
max-connections-per-source = 32
[store]
path = $DB
$3
[rpc]
enabled = true
EOF
}

reloads() { grep -c 'Configuration reloaded' "$TMP/d.log" || true; }
reload() { # POLICY LIMITS STORE: rewrite, SIGHUP, wait until applied
  local before; before=$(reloads)
  write_config "$1" "$2" "$3"
  kill -HUP "$PID"
  for _ in $(seq 50); do [ "$(reloads)" -gt "$before" ] && return 0; sleep 0.1; done
  fail "reload not applied"
}

start_daemon() {
  "$NETSENDD" --config "$CONF" >> "$TMP/d.log" 2>&1 &
  PID=$!
  local out
  # Up when the control socket answers and no name is still registering.
  for _ in $(seq 100); do
    if out=$("$NETNAME" --socket "$TMP/run/control" --all --quiet 2>/dev/null) \
       && ! grep -q registering <<<"$out"; then
      return 0
    fi
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  fail "netsendd did not start"; exit 1
}

# client NAME ARGS...: msgr_client.py, JSON answer in $TMP/NAME.json
client() {
  local name=$1; shift
  timeout 30 $PY "$CLIENT" "$@" > "$TMP/$name.json" 2> "$TMP/$name.err" || true
}
# expect NAME PYTHON-EXPRESSION-OVER-d
expect() {
  $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
    "$TMP/$1.json" "$2" 2>/dev/null || { fail "$1: wanted $2, got $(cat "$TMP/$1.json" "$TMP/$1.err")"; }
}
sql() { sqlite3 -batch "$DB" "$1"; }
count() { sql "select count(*) from messages where $1"; }
# stored_hex TEXT-HEX WHERE: the newest matching message has exactly this text
stored_is() {
  local want=$1 where=$2 got
  got=$(sql "select hex(text) from messages where $where order by id desc limit 1")
  [ "$got" = "$want" ] || fail "stored text for [$where]: $got, wanted $want"
}
hex() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n' | tr a-f A-F; }
smb() { local n=$1; shift; client "$n" smb --port "$P_SS" "$@"; }
rpc() { local n=$1; shift; client "$n" rpc --port "$P_RPC" "$@"; }

write_config "" "" ""
log "netsendd on 127.0.0.1: ns $P_NS dgram $P_DG session $P_SS rpc $P_RPC direct $P_DIR"
start_daemon

# ---- SMB: Windows' single block first, Samba's multi-block, NEGOTIATE first, 445 framing
smb d0 --to alice --from WINXP --mode d0 --text 'single block 0xD0'
expect d0 'd["ok"]'
stored_is "$(hex 'single block 0xD0')" "sender='WINXP' and transport='smb'"
smb mb --to ALICE --from SAMBA --text 'line one\nline two äöü'
expect mb 'd["ok"] and d["group_id"] not in (0, None)'
stored_is "$(hex $'line one\nline two äöü')" "sender='SAMBA'"
[ "$(sql "select hex(raw) from messages where sender='SAMBA'")" = "6C696E65206F6E650D0A6C696E652074776F20849481" ] \
  || fail "raw bytes of the multi-block message"
smb neg --to recvone --from NEGO --mode negotiate --text 'after NEGOTIATE'
expect neg 'd["ok"]'
client direct smb --port "$P_DIR" --direct --to BOB --from DIRECT --text 'direct-hosted'
expect direct 'd["ok"]'
long=$(head -c 700 /dev/zero | tr '\0' L)
smb long --to bob --from LONG --text "$long"
expect long 'd["ok"]'
[ "$(count "sender='LONG' and length(text)=700")" = 1 ] || fail "700-byte message"
smb empty --to bob --from EMPTY --text ''
expect empty 'd["ok"]'
[ "$(count "sender='EMPTY' and text=''")" = 1 ] || fail "empty message"
smb notours --called alice --to NOBODY --from X --text 'to nobody'
expect notours 'not d["ok"] and d["class"] == 2 and d["code"] == 0x52'
smb badcalled --to NOBODY --from X --text 'x'
expect badcalled '"session refused (0x83 82)" in d["error"]'
# Samba's fallback *SMBSERVER<20>: refused unless [policy] accept-smbserver.
smb smbserver1 --called '*SMBSERVER' --called-suffix 32 --to RECVONE --from FALLBACK --text 'via *SMBSERVER'
expect smbserver1 '"session refused (0x83 82)" in d["error"]'
smb toolong --to bob --from BIG --text "$(head -c 5000 /dev/zero | tr '\0' B)"
expect toolong 'not d["ok"] and d["code"] == 0x53'

# ---- mailslot: to our name, to the workgroup (broadcast), twice = once
client ms1 mailslot --port "$P_DG" --dest RECVONE --to RECVONE --from CAROL --text 'mailslot unicast'
client ms2 mailslot --host 127.255.255.255 --port "$P_DG" --dest RLTEST --suffix 0 --type group \
  --to RLTEST --from CAROL --text 'net send * Grüße'
client ms3 mailslot --host 127.255.255.255 --port "$P_DG" --dest RLTEST --suffix 0 --type group \
  --to RLTEST --from CAROL --text 'net send * Grüße'
client ms4 mailslot --port "$P_DG" --dest OTHERHOST --to OTHERHOST --from CAROL --text 'not for us'
sleep 0.5
[ "$(count "sender='CAROL' and text='mailslot unicast'")" = 1 ] || fail "mailslot unicast"
[ "$(count "sender='CAROL' and recipient='RLTEST'")" = 1 ] || fail "mailslot broadcast stored once"
stored_is "$(hex 'net send * Grüße')" "sender='CAROL' and recipient='RLTEST'"
[ "$(count "text='not for us'")" = 0 ] || fail "a datagram to another name was stored"
# WORKGROUP<03> (errata 16) and the NetBIOS broadcast datagram type are ours too.
client ms5 mailslot --host 127.255.255.255 --port "$P_DG" --dest RLTEST --suffix 3 --type group \
  --to '' --from ERIN --text 'to the workgroup<03>'
client ms6 mailslot --host 127.255.255.255 --port "$P_DG" --type broadcast --to RLTEST --from ERIN \
  --text 'broadcast datagram'
sleep 0.3
[ "$(count "sender='ERIN' and text='to the workgroup<03>' and recipient='RLTEST'")" = 1 ] \
  || fail "WORKGROUP<03> datagram (empty To stored as the destination name)"
[ "$(count "sender='ERIN' and text='broadcast datagram'")" = 1 ] || fail "broadcast datagram"

# ---- NetrSendMessage over UDP (impacket transport + NDR)
rpc r1 --to ALICE --from DAVE --text 'rpc hello' --ping-after --ack
expect r1 'd["ptype"] == "response" and d["status"] == 0 and d["ping"] == "response" and d["ping_unknown"] == "nocall" and d["ping_after_ack"] == "nocall"'
rpc r2 --to ALICE --from DAVE --text 'rpc in three fragments' --fragments 3
expect r2 'd["ptype"] == "response" and d["status"] == 0 and d["facks"] == ["fack", "fack"]'
rpc r3 --to ALICE --from DAVE --text 'x' --opnum 2
expect r3 'd["ptype"] == "reject" and d["status"] == 0x1C010002'
rpc r4 --to ALICE --from DAVE --text 'x' --iface 17FDD703-1827-4E34-79D4-24A55C53BB37
expect r4 'd["ptype"] == "reject" and d["status"] == 0x1C010003'
rpc r5 --to NOBODY --from DAVE --text 'x'
expect r5 'd["ptype"] == "response" and d["status"] == 2273'
rpc r6 --to ALICE --from DAVE --text 'maybe call' --maybe
rpc r7 --to ALICE --from DAVE --text 'x' --bad-stub
expect r7 'd["ptype"] == "fault" and d["status"] == 0x6F7'
rpc r8 --to ALICE --from DAVE --text 'x' --boot 12345
expect r8 'd["ptype"] == "reject" and d["status"] == 0x1C010006'
sleep 0.3
[ "$(count "sender='DAVE' and transport='rpc'")" = 3 ] || fail "rpc messages stored: $(count "sender='DAVE'")"

# ---- malformed input on every port while valid senders keep working
log "malformed input"
timeout 60 $PY "$CLIENT" junk --tcp "$P_SS,$P_DIR" --udp "$P_DG,$P_RPC,$P_NS" --count 90 --seed 7 \
  > "$TMP/junk.json" 2>&1 &
JUNK=$!
for i in 1 2 3 4 5; do
  smb ok$i --to alice --from STEADY --text "steady $i" --mode "$([ $((i % 2)) = 0 ] && echo d0 || echo multi)"
  expect ok$i 'd["ok"]'
  client okm$i mailslot --port "$P_DG" --dest RECVONE --to RECVONE --from STEADY --text "steady ms $i"
  rpc okr$i --to ALICE --from STEADY --text "steady rpc $i"
  expect okr$i 'd["status"] == 0'
done
wait "$JUNK" || fail "junk sender: $(cat "$TMP/junk.json")"
kill -0 "$PID" || { fail "netsendd died on malformed input"; exit 1; }
smb after --to alice --from STEADY --text 'after the junk'
expect after 'd["ok"]'
sleep 0.3
[ "$(count "sender='STEADY'")" = 16 ] || fail "valid messages during the junk: $(count "sender='STEADY'") of 16"
"$NETNAME" --socket "$TMP/run/control" --status --json > "$TMP/status.json"
$PY - "$TMP/status.json" <<'EOF' || fail "status counters: $(cat "$TMP/status.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert all(d["malformed"][t] > 0 for t in ("smb", "mailslot", "rpc")), d["malformed"]
assert d["refused"]["too-large"] >= 1 and d["refused"]["recipient-not-accepting"] >= 2
assert d["messages-stored"] >= 27 and d["smb-connections-open"] >= 0
EOF

# ---- policy refusals on all three paths never reach the inbox
log "policy"
before=$(count 1)
smb deny1 --to alice --from SPAMMER --text 'buy now'
expect deny1 'd["code"] == 0x52'
client deny2 mailslot --port "$P_DG" --dest RECVONE --to RECVONE --from SPAMMER --text 'buy now'
rpc deny3 --to ALICE --from SPAMBOT --text 'buy now'
expect deny3 'd["status"] == 5'
reload "allow = 192.0.2.0/24" "" ""
smb allow1 --to alice --from FRIEND --text 'from outside the allow list'
expect allow1 'd["code"] == 0x52'
client allow2 mailslot --port "$P_DG" --dest RECVONE --to RECVONE --from FRIEND --text 'from outside'
rpc allow3 --to ALICE --from FRIEND --text 'from outside'
expect allow3 'd["status"] == 5'
reload "recipients = bob" "" ""
smb recip1 --to alice --from FRIEND --text 'alice does not accept'
expect recip1 'd["code"] == 0x52'
rpc recip2 --to ALICE --from FRIEND --text 'alice does not accept'
expect recip2 'd["status"] == 2273'
sleep 0.3
[ "$(count 1)" = "$before" ] || fail "refused messages reached the inbox: $(sql "select sender, text from messages where id > (select max(id) - 5 from messages)")"
[ "$(count "text like '%buy now%' or sender like 'FRIEND'")" = 0 ] || fail "refused text stored"

reload "accept-smbserver = true" "" ""
smb smbserver2 --called '*SMBSERVER' --called-suffix 32 --to RECVONE --from FALLBACK --text 'via *SMBSERVER'
expect smbserver2 'd["ok"]'
smb smbserver3 --called RECVONE --called-suffix 32 --to RECVONE --from FALLBACK --text 'via NAME<20>'
expect smbserver3 'd["ok"]'
[ "$(count "sender='FALLBACK'")" = 2 ] || fail "*SMBSERVER / NAME<20> sessions with accept-smbserver"
before=$(count 1)

# ---- rate limits: the burst passes, the rest is refused (SMB) or dropped (UDP)
log "rate limits"
reload "" "per-source-rate = 0.01
per-source-burst = 3" ""
for i in 1 2 3 4 5; do smb rl$i --to alice --from BURST --text "burst $i" --mode d0; done
expect rl3 'd["ok"]'
expect rl4 'not d["ok"] and d["code"] == 0x53'
expect rl5 'not d["ok"] and d["code"] == 0x53'
client rlm mailslot --port "$P_DG" --dest RECVONE --to RECVONE --from BURST --text 'burst ms'
rpc rlr --to ALICE --from BURST --text 'burst rpc'
sleep 0.3
expect rlr 'd["ptype"] == "timeout"'
[ "$(count "sender='BURST'")" = 3 ] || fail "rate limit: $(count "sender='BURST'") stored, wanted 3"

# ---- verify-sender: a node status request back to 127.0.0.1 (this daemon's own names)
log "verify-sender"
reload "verify-sender = true" "" ""
smb v1 --to alice --from RECVONE --text 'verified sender'
expect v1 'd["ok"]'
smb v2 --to alice --from MALLORY --text 'spoofed sender'
expect v2 'd["code"] == 0x52'
rpc v3 --to ALICE --from MALLORY --text 'spoofed rpc'
expect v3 'd["status"] == 5'
client v4 mailslot --port "$P_DG" --dest RECVONE --to RECVONE --from BOB --text 'verified mailslot'
sleep 0.5
[ "$(count "text='verified sender'")" = 1 ] || fail "verified SMB sender not stored"
[ "$(count "text='verified mailslot'")" = 1 ] || fail "verified mailslot sender not stored"
[ "$(count "sender='MALLORY'")" = 0 ] || fail "spoofed sender stored"

# ---- a full store refuses with an error and keeps what it has
log "full store"
kill -TERM "$PID"; wait "$PID" || true
stored=$(count 1)
# The cap cannot go below the file's size, so a message that needs new
# pages (text and raw bytes: 6000 bytes) finds the store full.
write_config "" "" "max-size = 1"
start_daemon
big=$(head -c 3000 /dev/zero | tr '\0' F)
smb full1 --to alice --from FULL --text "$big"
expect full1 'not d["ok"] and d["code"] == 0x53'
rpc full2 --to ALICE --from FULL --text "$big" --fragments 2
expect full2 'd["status"] == 0x8EA'
grep -q 'INBOX FAILURE' "$TMP/d.log" || fail "no loud log line for the full store"
kill -TERM "$PID"; wait "$PID" || true
[ "$(count 1)" = "$stored" ] || fail "the store changed while full"
[ "$(sqlite3 -batch "$DB" 'pragma integrity_check')" = ok ] || fail "integrity check"
PID=""

if [ "$FAILS" -ne 0 ]; then
  echo "FAIL: $FAILS check(s) failed"
  exit 1
fi
echo "PASS: SMB (0xD0, D5/D7/D6, NEGOTIATE, 445), mailslot, RPC, malformed input, policy, rate limits, verify-sender, full store"
