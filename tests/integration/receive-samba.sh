#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Samba's `smbclient -M` -> netsendd, in network namespaces (root; exit 77
# otherwise). h1 runs netsendd as NSRECV on the real ports (137/138/139, and
# 445 direct-hosted), h2 Samba's client tools. Checked, in the inbox (sqlite3):
#   - exact text: ASCII; CP850 umlauts (Samba's default dos charset); text
#     CP850 cannot hold, which smbclient sends as raw UTF-8 (errata 15);
#     CP866 Cyrillic with the matching [text] codepage (SIGHUP); empty;
#     127/128/129 bytes around Samba's 127-byte blocks; 1598 bytes (the
#     most smbclient sends); multi-line (smbclient's CR LF become "\n");
#   - the same over `-p 445` (direct-hosted framing, [ports] direct-445);
#   - a name that is not ours is refused at the session request (and at
#     Samba's *SMBSERVER retry) and nothing is stored;
#   - tshark decodes every frame netsendd sent without a malformed packet or
#     an error-level expert info (Samba's own pipelined 0xD7 requests are
#     flagged by Wireshark 3.6 and not judged here).
set -u -o pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/netns.sh"

ns_require_root smbclient testparm dumpcap tshark python3 sqlite3
ns_require_netsend netsendd
unset G_DEBUG


ns_lan_up 2
D=$(ns_dir h1)
mkdir -p "$D/run"
chmod 755 "$D" "$D/run"
DB=$D/state/inbox.db
IP=$(ns_addr h1)

write_conf() { # CODEPAGE
  cat > "$D/netsendd.conf" <<EOF
[netbios]
name = NSRECV
workgroup = $NS_WORKGROUP
interfaces = $IP
[ports]
direct-445 = 445
[control]
socket = $D/run/control
system-bus = no
[daemon]
user = nobody
log-level = info
[text]
codepage = $1
[limits]
per-source-burst = 100
[store]
path = $DB
EOF
}
write_conf CP850
ns_capture_start h1 "$D/recv.pcap" "tcp port 139 or tcp port 445" || ns_fail "capture"
ns_netsendd_start h1 "$D/netsendd.conf" || ns_fail "netsendd did not start"
ns_wait_listen h1 tcp 139 10 || ns_fail "netsendd does not listen on 139"
ns_wait_listen h1 tcp 445 10 || ns_fail "netsendd does not listen on 445"

EXPECT=$NS_STATE/expected.txt
: > "$EXPECT"
# send LABEL TEXT [smbclient options]: smbclient -M NSRECV from h2; the text
# is expected in the inbox exactly (recorded in order, hex-encoded).
send() {
  local label=$1 text=$2; shift 2
  if ns_smbclient_send h2 NSRECV "$text" -I "$IP" "$@"; then
    printf '%s %s\n' "$label" "$(printf '%s' "$text" | od -An -tx1 -v | tr -d ' \n')" >> "$EXPECT"
  else
    fail "$label: smbclient -M failed: $NS_SMBCLIENT_OUT"
  fi
}

pattern() { # N: N bytes of printable ASCII
  python3 -c 'import sys; n = int(sys.argv[1]); s = "".join(chr(0x21 + i % 90) for i in range(n)); sys.stdout.write(s)' "$1"
}

send ascii "Hello NSRECV from Samba's smbclient"
send cp850 "Grüße aus Köln: äöü ÄÖÜ ß é"
send utf8-fallback "Grüße Привет ✓"
send empty ""
send b127 "$(pattern 127)"
send b128 "$(pattern 128)"
send b129 "$(pattern 129)"
send b1598 "$(pattern 1598)"
send multiline "first line
second line

fourth line"
send port445 "over direct-hosted SMB on 445" -p 445
send port445-long "$(pattern 300) via 445" -p 445

# A name that is not ours: refused (also Samba's *SMBSERVER retry).
if printf 'not for us' | ns_samba_tool h2 smbclient -M NOBODYHERE -N -I "$IP" -U H2 > "$NS_STATE/nobody.out" 2>&1 &&
   ! grep -qiE 'NT_STATUS_|failed|error' "$NS_STATE/nobody.out"; then
  fail "a message to NOBODYHERE was accepted: $(cat "$NS_STATE/nobody.out")"
fi

# CP866 with the matching code page (a reload applies [text] codepage).
write_conf CP866
kill -HUP "$(ns_netsendd_pid h1)"
ns_wait 10 grep -q 'Configuration reloaded' "$D/netsendd.log" || fail "reload not applied"
send cp866 "Привет, мир! Сообщение в CP866" --option='dos charset=CP866'

sleep 1
ns_capture_stop h1
python3 - "$DB" "$EXPECT" <<'EOF' || fail "inbox contents differ"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("select sender, recipient, transport, text, verdict from messages order by id").fetchall()
want = [line.split(" ", 1) for line in open(sys.argv[2]).read().splitlines()]
bad = 0
if len(rows) != len(want):
    print("stored %d messages, expected %d" % (len(rows), len(want)))
    bad += 1
for (label, hexed), row in zip(want, rows):
    text = bytes.fromhex(hexed.strip()).decode("utf-8")
    sender, recipient, transport, got, verdict = row
    if got != text or sender != "H2" or recipient.upper() != "NSRECV" or transport != "smb":
        print("%s: stored %r from %r to %r via %s, expected %r" % (label, got, sender, recipient,
                                                                 transport, text))
        bad += 1
    else:
        print("ok %s (%d characters)" % (label, len(text)))
sys.exit(1 if bad else 0)
EOF
# Only our side is judged: Wireshark flags Samba's own 0xD7 requests (127-byte
# blocks of a pipelined multi-block message) as malformed, which is not ours
# to fix. Every frame netsendd sent must decode cleanly.
n=$(tshark -r "$D/recv.pcap" -Y "ip.src == $IP && tcp.len > 0" 2>/dev/null | wc -l)
[ "$n" -ge 20 ] || fail "only $n frames from netsendd in the capture"
bad=$(tshark -r "$D/recv.pcap" -Y "ip.src == $IP && (_ws.malformed || _ws.expert.severity >= 0x00800000)" 2>/dev/null)
[ -z "$bad" ] || fail "tshark finds malformed frames from netsendd: $bad"
# The capture must hold our answers: positive and negative session responses,
# START responses with a group id, and end-of-message responses.
tshark -r "$D/recv.pcap" -Y 'nbss.type == 0x83' 2>/dev/null | grep -q . || fail "no negative session response captured"
[ "$(tshark -r "$D/recv.pcap" -Y 'smb.cmd == 0xd6 && smb.flags.response == 1' 2>/dev/null | wc -l)" -ge 12 ] \
  || fail "fewer 0xD6 responses than messages in the capture"
tail -n 5 "$D/netsendd.log" >&2

if [ "$FAILS" -ne 0 ]; then
  echo "FAIL: $FAILS check(s) failed"
  exit 1
fi
ns_down
echo "PASS: smbclient -M -> netsendd: exact text (ASCII, CP850, UTF-8, CP866, empty, 127/128/129/1598 bytes, multi-line), port 445, refusal, tshark clean"
