#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# `netsend /domain:WG --reliable` across a router, with Samba's nmbd as the
# WINS server and domain master browser (root; network namespaces; exit 77
# otherwise).
#
# Samba's WINS keeps no member list for an ordinary group (it stores
# WG<00> as a broadcast group, MS-NBTE §3.2.5.1), so WINS alone cannot name
# the workgroup's hosts in other subnets. What does, on every Windows and
# Samba network, is the browse list: each host announces itself to its
# subnet's local master browser (MS-BRWS host announcements), each local
# master browser syncs with the domain master browser found through WINS,
# and the domain master browser's list covers every subnet. netsendd
# announces itself; `netsend --reliable` reads the browse list through
# libsmbclient, resolves each host through WINS and delivers to each.
#
# Topology (tests/integration/lib/netns.sh), two subnets and a router:
#   subnet A  h1  Samba NSTDMB: nmbd WINS server + domain master browser
#                 (and local master of A) + smbd with a message command
#             h2  netsendd NSTALPHA (H-node, WINS h1); the sender runs here
#   subnet B  h3  Samba PEERB: local master browser of B, WINS client of h1,
#                 smbd with a message command
#             h4  netsendd NSTREMOTE (H-node, WINS h1): announces to PEERB,
#                 whose list reaches NSTDMB at the next LMB->DMB sync
#             h5  netsendd NSTFAR (H-node, WINS h1) with
#                 "[browse] remote-announce = h1/WG": straight onto NSTDMB's
#                 list, no local master browser needed
# Checks (the browse list as Samba's smbclient -L sees it, and what
# netsend delivers):
#   1. NSTFAR is on the domain master browser's list within seconds; a
#      --reliable send from h2 delivers to NSTFAR (subnet B, by WINS), to
#      NSTALPHA and to NSTDMB, one JSON result each, exit 0.
#   2. after Samba's LMB->DMB sync (nmbd syncs a new local master 60-80 s
#      after it announced itself), NSTREMOTE and PEERB are on the list; a
#      --reliable send delivers to all five hosts across both subnets.
#   3. SIGTERM on NSTFAR: its last announcement (server type 0) takes it
#      off the list of its subnet's local master browser at once.
#   4. tshark decodes subnet B's browser datagrams without errors, and
#      shows NSTREMOTE's host announcements.
# Every wait is bounded; the harness tears everything down, also on failure.
set -u -o pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/netns.sh"

ns_require_root nmbd smbd smbclient nmblookup testparm dumpcap tshark sqlite3
ns_require_netsend netsendd netsend
getent passwd nobody >/dev/null || ns_skip "no 'nobody' user for netsendd to drop to"
unset G_DEBUG
NS_WAIT_SECS=20
# nmbd syncs a local master browser 60 s after its announcement, in a loop
# that runs every 20 s; the local master of B is elected ~30 s after start.
SYNC_SECS=${WINS_DOMAIN_SYNC_SECS:-200}


ns_lan_up 2
ns_add_router 3 || ns_fail "router and subnet B did not come up"
OUT="$NS_STATE/out"
mkdir -p "$OUT"
A1=$(ns_addr h1) A2=$(ns_addr h2) A4=$(ns_addr h4) A5=$(ns_addr h5)
WG=$NS_WORKGROUP

PCAP="$NS_STATE/wins-domain-b.pcap"
ns_capture_start br2 "$PCAP" "udp port 138" || ns_fail "capture did not start"

# ---- Samba: WINS + domain master browser on h1, local master of B on h3
step "Samba NSTDMB (WINS, domain master browser) on h1, PEERB (local master of B) on h3"
browser=("local master = yes" "preferred master = yes" "os level = 65")
ns_samba_start h1 NSTDMB wins loglevel=1 "domain master = yes" "${browser[@]}" ||
  ns_fail "Samba did not start on h1"
ns_samba_start h3 PEERB "wins=$A1" "${browser[@]}" || ns_fail "Samba did not start on h3"
# nmbd takes datagrams for NSTLAN<1d> only once it is the master browser:
# a remote announcement before that is dropped (the next one would come
# 3 minutes later). On a real network the browsers run long before.
nmbd_says() { grep -q "$2" "$(ns_dir "$1")/samba/log/log.nmbd"; }
T0=$(date +%s)
ns_wait 60 nmbd_says h1 "is now a domain master browser" &&
  ns_wait 30 nmbd_says h1 "is now a local master browser" ||
  ns_fail "NSTDMB did not become the domain and local master browser within 90 s"
ns_log "NSTDMB is the master browser $(( $(date +%s) - T0 )) s after its start"

# ---- netsendd on h2, h4, h5
step "netsendd NSTALPHA (h2), NSTREMOTE (h4), NSTFAR (h5, remote-announce to h1)"
wins=(netbios.wins-server="$A1" netbios.node-type=h)
ns_netsendd_conf h2 NSTALPHA "${wins[@]}" >/dev/null
ns_netsendd_conf h4 NSTREMOTE "${wins[@]}" >/dev/null
ns_netsendd_conf h5 NSTFAR "${wins[@]}" browse.remote-announce="$A1/$WG" >/dev/null
for h in h2 h4 h5; do
  ns_netsendd_start "$h" "$(ns_dir "$h")/netsendd.conf" || ns_fail "netsendd did not start on $h"
done

# dmb_list: the browse list NSTDMB's smbd serves (NetServerEnum2, SMB1),
# as Samba's smbclient sees it from h2 ("client use spnego = no": with
# NTLMSSP smbclient asks a standalone server for the list of the server's
# own name). The name query first wakes nmbd, which otherwise rewrites the
# list smbd serves (browse.dat) only when its main loop next runs.
browse_list() { # FROM-HOST MASTER-HOST
  local a; a=$(ns_addr "$2")
  NS_TOOL_TIMEOUT=3 ns_samba_tool "$1" nmblookup -U "$a" "$(cat "$(ns_dir "$2")/netbios-name")" \
    >/dev/null 2>&1 || true
  NS_TOOL_TIMEOUT=5 ns_samba_tool "$1" smbclient -L "$a" -N -g -m NT1 \
    --option='client min protocol = NT1' --option='client use spnego = no' 2>/dev/null
}
dmb_list() { browse_list h2 h1; }
# listed HOST...: every HOST is on the domain master browser's list.
listed() {
  local list h
  list=$(dmb_list)
  for h in "$@"; do grep -q "^Server|$h|" <<<"$list" || return 1; done
}
# The sender's libsmbclient reads $HOME/.smb/smb.conf instead of the
# machine's /etc/samba/smb.conf: h2's private Samba client config.
SENDER_HOME="$(ns_dir h2)/home"
mkdir -p "$SENDER_HOME/.smb"
ns_samba_conf h2 > /dev/null
cp "$(ns_dir h2)/client.conf" "$SENDER_HOME/.smb/smb.conf"
# reliable_send LABEL TEXT: netsend --reliable /domain:WG from h2, JSON out.
reliable_send() {
  local rc=0
  NS_TOOL_TIMEOUT=40 ns_exec h2 env -u NETSEND_NO_SMBCLIENT HOME="$SENDER_HOME" \
    timeout 40 "$(ns_netsend_bin netsend)" --no-config -W "$WG" -i "$A2" --wins "$A1" \
    --no-host-resolver --timeout 8 --reliable --json -f ADMIN "/domain:$WG" "$2" \
    > "$OUT/$1.json" 2> "$OUT/$1.err" || rc=$?
  echo "$rc" > "$OUT/$1.rc"
  ns_log "$1: netsend exited $rc, $(wc -l < "$OUT/$1.json") result(s)"
  sed 's/^/    /' "$OUT/$1.json" "$OUT/$1.err" >&2
}
# delivered LABEL NAME: the JSON results say NAME got it
delivered() {
  python3 - "$OUT/$1.json" "$2" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sys.exit(0 if any(r["recipient"].upper() == sys.argv[2] and r["result"] == "delivered"
                  for r in rows) else 1)
EOF
}
all_delivered() { # LABEL: every result delivered and exit status 0
  [ "$(cat "$OUT/$1.rc")" = 0 ] &&
    python3 -c 'import json,sys; sys.exit(any(json.loads(l)["result"] != "delivered" for l in open(sys.argv[1]) if l.strip()))' "$OUT/$1.json"
}
in_inbox() { # HOST TEXT: exactly one message with TEXT from ADMIN
  [ "$(sqlite3 "$(ns_dir "$1")/store/inbox.db" \
      "SELECT count(*) FROM messages WHERE sender = 'ADMIN' AND text = '$2'" 2>/dev/null)" = 1 ]
}
samba_got() { ns_samba_messages "$1" | grep -qxF "$2"; }

# ---- 1. remote-announce: NSTFAR on the list at once
step "1. NSTFAR (subnet B) announces straight to the domain master browser"
T0=$(date +%s)
check "NSTFAR and NSTALPHA are on NSTDMB's browse list (bounded: 30 s)" \
  ns_wait 30 listed NSTFAR NSTALPHA NSTDMB
ns_log "listed $(( $(date +%s) - T0 )) s after the daemons started"
reliable_send one "phase one: across the router"
check "phase one: netsend exit 0, every result delivered" all_delivered one
for n in NSTFAR NSTALPHA NSTDMB; do check "phase one: $n delivered" delivered one "$n"; done
check "phase one: NSTFAR's inbox (h5, subnet B) has it" ns_wait 5 in_inbox h5 "phase one: across the router"
check "phase one: NSTALPHA's inbox (h2) has it" ns_wait 5 in_inbox h2 "phase one: across the router"
check "phase one: NSTDMB's message command got it" ns_wait 5 samba_got h1 "phase one: across the router"

# ---- 2. the LMB -> DMB sync brings NSTREMOTE and PEERB
step "2. the local master of B syncs with the domain master browser"
T0=$(date +%s)
check "NSTREMOTE and PEERB reach NSTDMB's list (bounded: $SYNC_SECS s)" \
  ns_wait "$SYNC_SECS" listed NSTREMOTE PEERB
ns_log "synced $(( $(date +%s) - T0 )) s later"
reliable_send two "phase two: every subnet"
check "phase two: netsend exit 0, every result delivered" all_delivered two
for n in NSTREMOTE PEERB NSTFAR NSTALPHA NSTDMB; do check "phase two: $n delivered" delivered two "$n"; done
check "phase two: NSTREMOTE's inbox (h4, subnet B) has it" ns_wait 5 in_inbox h4 "phase two: every subnet"
check "phase two: NSTFAR's inbox (h5, subnet B) has it" ns_wait 5 in_inbox h5 "phase two: every subnet"
check "phase two: PEERB's message command (h3, subnet B) got it" ns_wait 5 samba_got h3 "phase two: every subnet"
check "phase two: NSTDMB's message command got it" ns_wait 5 samba_got h1 "phase two: every subnet"

# ---- 3. leaving the list
step "3. SIGTERM NSTFAR: its last announcement takes it off the local master's list"
check "NSTFAR is on PEERB's list (the local master of subnet B)" \
  eval "grep -q '^Server|NSTFAR|' <<<\"\$(browse_list h4 h3)\""
ns_netsendd_stop h5
gone() { # a listing that worked (PEERB lists itself) without NSTFAR
  local list; list=$(browse_list h4 h3)
  grep -q '^Server|PEERB|' <<<"$list" && ! grep -q '^Server|NSTFAR|' <<<"$list"
}
check "NSTFAR gone from PEERB's list (bounded: 20 s)" ns_wait 20 gone
# (The domain master browser drops it at its next sync with PEERB, 15
# minutes later in nmbd: MS-BRWS lets a host's entry live until then.)

# ---- 4. the capture of subnet B
step "4. capture"
ns_capture_stop br2
check "tshark: subnet B's datagrams decode without malformed or error expert info" \
  ns_tshark_check "$PCAP" 5
check "capture: NSTREMOTE's host announcements to $WG<1d>" \
  test "$(tshark -r "$PCAP" -Y "ip.src == $A4 && browser.command == 0x01 && browser.server == \"NSTREMOTE\"" \
          -T fields -e frame.number 2>/dev/null | wc -l)" -ge 1
check "capture: NSTFAR's unicast announcements to h1" \
  test "$(tshark -r "$PCAP" -Y "ip.src == $A5 && ip.dst == $A1 && browser.command == 0x01" \
          -T fields -e frame.number 2>/dev/null | wc -l)" -ge 1

ns_checks_end
