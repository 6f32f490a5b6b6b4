#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# netsendd's browser host announcements on loopback, without root.
#
# netsendd (NSTBRWS, workgroup BRTEST) runs on 127.0.0.1 with unprivileged
# ports; on loopback it broadcasts no HostAnnouncement (there is no browser
# there), so [browse] remote-announce points it at a listener that plays
# two remote master browsers: 127.0.0.9 (as "127.0.0.9/OTHERWG") and
# 127.0.0.10 (our own workgroup), both on the daemon's datagram port.
# Every datagram the listener gets is decoded by our parser (brws-dump) and,
# when tshark is installed, by Wireshark's (a pcap is written from the
# payloads: "Host Announcement" with our name, nothing malformed). Checked:
#   - the first announcements once NSTBRWS<00> is registered: DIRECT_GROUP
#     from NSTBRWS<00> (127.0.0.1, the datagram port) to OTHERWG<1d> and
#     BRTEST<1d>, ServerType 0x00000801, Periodicity 180000 (remote),
#     comment, OS 6.1, browser 15.1, signature 0xAA55, MS-BRWS §4.1 header;
#   - SIGHUP with a new comment and 127.0.0.10 dropped: ServerType 0 to
#     127.0.0.10, then the new comment to 127.0.0.9 at once;
#   - SIGHUP with announce = no: ServerType 0 to 127.0.0.9, then silence;
#     announce = yes again: announcements resume;
#   - SIGTERM: a last ServerType 0, Periodicity 0 announcement, clean exit.
set -euo pipefail

BUILD=${NETSEND_BUILD_ROOT:?run through meson test}
NETSENDD=$BUILD/daemon/netsendd
DUMP=$BUILD/tests/integration/brws-dump
[ -x "$NETSENDD" ] && [ -x "$DUMP" ] || { echo "SKIP: netsendd or brws-dump not built"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
ip -4 addr show dev lo 2>/dev/null | grep -q 'inet 127\.' || { echo "SKIP: no IPv4 loopback"; exit 77; }

TMP=$(mktemp -d /tmp/netsend-browse.XXXXXX)
chmod 755 "$TMP"
PIDS=()
LB_LABEL=browse
. "$(dirname "${BASH_SOURCE[0]}")/lib/loopback.sh"

cleanup() {
  local pid i
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || continue
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ "$FAILS" -ne 0 ]; then
    for f in "$TMP"/*.log "$TMP"/decoded.txt; do [ -f "$f" ] && { echo "--- $f"; tail -n 40 "$f"; } >&2; done
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() { # a UDP port free on 127.0.0.1, 127.0.0.9 and 127.0.0.10
  python3 - <<'EOF'
import socket
for _ in range(50):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    try:
        for a in ("127.0.0.9", "127.0.0.10", "127.255.255.255"):
            t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); t.bind((a, p)); t.close()
    except OSError:
        continue
    print(p); break
EOF
}
NSPORT=$(free_port)
DGPORT=$(free_port)
[ -n "$NSPORT" ] && [ -n "$DGPORT" ] && [ "$NSPORT" != "$DGPORT" ] || { echo "SKIP: no free ports"; exit 77; }
USER_LINE=""
if [ "$(id -u)" -eq 0 ]; then
  getent passwd nobody >/dev/null || { echo "SKIP: root without a 'nobody' user to drop to"; exit 77; }
  USER_LINE="user = nobody"
fi

# The listener: every datagram to 127.0.0.9/.10:DGPORT as "SECONDS DST HEX"
# in capture.txt; exits when $TMP/stop appears or after 120 s.
cat > "$TMP/listen.py" <<'EOF'
import os, select, socket, sys, time
port, out, stop = int(sys.argv[1]), sys.argv[2], sys.argv[3]
socks = {}
for a in ("127.0.0.9", "127.0.0.10"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((a, port)); socks[s] = a
open(out + ".ready", "w").close()
t0 = time.time()
with open(out, "a", buffering=1) as f:
    while time.time() - t0 < 120 and not os.path.exists(stop):
        r, _, _ = select.select(list(socks), [], [], 0.1)
        for s in r:
            data, src = s.recvfrom(65535)
            f.write("%.3f %s %s:%d %s\n" % (time.time(), socks[s], src[0], src[1], data.hex()))
EOF
python3 "$TMP/listen.py" "$DGPORT" "$TMP/capture.txt" "$TMP/stop" &
PIDS+=($!)
for i in $(seq 50); do [ -f "$TMP/capture.txt.ready" ] && break; sleep 0.1; done
[ -f "$TMP/capture.txt.ready" ] || { fail "listener did not start"; exit 1; }

write_config() { # ANNOUNCE COMMENT REMOTES
  cat > "$TMP/netsendd.conf" <<EOF
[netbios]
name = nstbrws
workgroup = brtest
interfaces = 127.0.0.1
[ports]
name-service = $NSPORT
datagram = $DGPORT
session = 0
rpc = 0
[store]
path = $TMP/store/inbox.db
[control]
socket = $TMP/run/control
system-bus = no
[daemon]
log-level = debug
$USER_LINE
[browse]
announce = $1
comment = $2
remote-announce = $3
EOF
}

# decoded: every captured datagram through brws-dump, "DST SRC <fields>".
decoded() {
  awk '{ print $2 "@" $1 " " $4 }' "$TMP/capture.txt" | "$DUMP" > "$TMP/decoded.txt" ||
    { fail "brws-dump could not decode every datagram"; cat "$TMP/decoded.txt" >&2; }
  cat "$TMP/decoded.txt"
}
count() { decoded | grep -cE -- "$1" || true; }
# wait_for N REGEX SECS: until at least N decoded lines match.
wait_for() {
  local n=$1 re=$2 secs=$3 i
  for i in $(seq $((secs * 10))); do
    [ "$(count "$re")" -ge "$n" ] && return 0
    kill -0 "$DPID" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}

COMMON="type=0x11 flags=0x02 src=NSTBRWS<00> .* ip=127\.0\.0\.1 port=$DGPORT timeout=1000 HostAnnouncement name=NSTBRWS"
TO9="^127\.0\.0\.9@\S+ $COMMON"
TO10="^127\.0\.0\.10@\S+ $COMMON"

log "--- start: remote-announce to 127.0.0.9/OTHERWG and 127.0.0.10"
write_config yes "loopback test" "127.0.0.9/otherwg, 127.0.0.10"
"$NETSENDD" --config "$TMP/netsendd.conf" > "$TMP/netsendd.log" 2>&1 &
DPID=$!
PIDS+=($DPID)
if wait_for 1 "$TO9 servertype=0x00000801 periodicity=180000 os=6\.1 browser=15\.1 sig=0xaa55 comment=loopback test" 20 &&
   wait_for 1 "$TO10 servertype=0x00000801 periodicity=180000 .*comment=loopback test" 5; then
  ok "first announcements: NSTBRWS<00> -> OTHERWG<1d> at .9, BRTEST<1d> at .10"
else
  fail "no first announcements"
fi
decoded | grep -q "127\.0\.0\.9@.* dst=OTHERWG<1d> " || fail "127.0.0.9 did not get OTHERWG<1d>"
decoded | grep -q "127\.0\.0\.10@.* dst=BRTEST<1d> " || fail "127.0.0.10 did not get BRTEST<1d>"
grep -q "Browse list: announcing NSTBRWS in BRTEST" "$TMP/netsendd.log" || fail "no 'announcing' log line"

log "--- SIGHUP: new comment, 127.0.0.10 dropped"
write_config yes "reloaded" "127.0.0.9/OTHERWG"
kill -HUP "$DPID"
if wait_for 1 "$TO10 servertype=0x00000000 periodicity=0 " 10; then
  ok "127.0.0.10 told we are gone (ServerType 0)"
else
  fail "no ServerType 0 to 127.0.0.10"
fi
if wait_for 1 "$TO9 servertype=0x00000801 .*comment=reloaded$" 10; then
  ok "new comment announced at once"
else
  fail "no announcement with the new comment"
fi

log "--- SIGHUP: announce = no, then yes"
write_config no "reloaded" "127.0.0.9/OTHERWG"
kill -HUP "$DPID"
if wait_for 1 "$TO9 servertype=0x00000000 periodicity=0 " 10; then
  ok "announce = no: ServerType 0 to 127.0.0.9"
else
  fail "announce = no sent no ServerType 0"
fi
before=$(count "servertype=0x00000801")
sleep 1.5
[ "$(count "servertype=0x00000801")" -eq "$before" ] || fail "announcements while announce = no"
write_config yes "reloaded" "127.0.0.9/OTHERWG"
kill -HUP "$DPID"
if wait_for $((before + 1)) "servertype=0x00000801" 10; then
  ok "announce = yes: announcing again"
else
  fail "announce = yes did not resume"
fi

log "--- SIGTERM"
gone_before=$(count "$TO9 servertype=0x00000000")
kill -TERM "$DPID"
for i in $(seq 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$DPID" 2>/dev/null; then
  fail "netsendd did not exit on SIGTERM"
else
  wait "$DPID" && ok "netsendd exited 0" || fail "netsendd exited $?"
fi
sleep 0.3
if [ "$(count "$TO9 servertype=0x00000000 periodicity=0 .*comment=reloaded$")" -gt "$gone_before" ]; then
  ok "shutdown: ServerType 0 to 127.0.0.9"
else
  fail "no ServerType 0 at shutdown"
fi
touch "$TMP/stop"
total=$(wc -l < "$TMP/capture.txt")
log "captured $total datagrams"
decoded > /dev/null

# Wireshark's view: a pcap (raw IPv4) of the payloads, decoded as NBDS.
if command -v tshark >/dev/null; then
  python3 - "$TMP/capture.txt" "$TMP/browse.pcap" <<'EOF'
import struct, sys
src, dst = sys.argv[1], sys.argv[2]
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def ip(a): return bytes(int(x) for x in a.split("."))
with open(dst, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))  # DLT_RAW
    for line in open(src):
        t, to, frm, hexs = line.split()
        sa, sp = frm.split(":")
        payload = bytes.fromhex(hexs)
        udp = struct.pack("!HHHH", int(sp), int(sp), 8 + len(payload), 0) + payload
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, ip(sa), ip(to))
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        pkt = hdr + udp
        sec = int(float(t)); usec = int((float(t) - sec) * 1e6)
        f.write(struct.pack("<IIII", sec, usec, len(pkt), len(pkt)) + pkt)
EOF
  tshark -r "$TMP/browse.pcap" -d "udp.port==$DGPORT,nbdgm" -V > "$TMP/tshark.txt" 2> "$TMP/tshark.err" || true
  n=$(grep -c "Command: Host Announcement (0x01)" "$TMP/tshark.txt" || true)
  if [ "$n" -eq "$total" ] && grep -q "Host Name: NSTBRWS" "$TMP/tshark.txt"; then
    ok "tshark: $n Host Announcements of NSTBRWS"
  else
    fail "tshark decoded $n Host Announcements of $total datagrams"
    head -n 80 "$TMP/tshark.txt" >&2
  fi
  bad=$(tshark -r "$TMP/browse.pcap" -d "udp.port==$DGPORT,nbdgm" \
          -Y '_ws.malformed || _ws.expert.severity >= 0x00800000' 2>/dev/null || true)
  [ -z "$bad" ] && ok "tshark: nothing malformed" || { fail "tshark: malformed packets"; echo "$bad" >&2; }
else
  log "tshark not installed: Wireshark's decode not checked"
fi

[ "$FAILS" -eq 0 ] || { log "$FAILS failure(s)"; exit 1; }
log "all passed"
