#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# netsendd in a real Samba browse list (root; network namespaces; exit 77
# otherwise). Topology (tests/integration/lib/netns.sh), one subnet:
#   h1  netsendd NSTBRWS in workgroup NSTLAN on the real ports 137/138,
#       [browse] comment "netsend browse test", user nobody
#   h2  Samba PEERM: nmbd as the local master browser (local master = yes,
#       preferred master = yes, os level = 65) and smbd (SMB1 for
#       NetServerEnum2)
# Checked:
#   - netsendd is started first and its start announcement finds no master
#     browser yet; when nmbd becomes the local master it broadcasts an
#     AnnouncementRequest (to NSTLAN<1e>), netsendd answers it within
#     30 s (MS-BRWS §3.2.5.1), and `smbclient -L PEERM -g` lists
#     "Server|NSTBRWS|netsend browse test" (bounded wait);
#   - SIGTERM: netsendd's ServerType 0 announcement removes it from the list
#     (bounded wait);
#   - netsendd started again while nmbd is master appears at once (its
#     start announcement), and its whole traffic decodes in tshark as Host
#     Announcements without malformed packets.
# Everything is torn down by the harness's EXIT trap, also on failure.
set -u -o pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/netns.sh"

ns_require_root nmbd smbd smbclient testparm
ns_require_netsend netsendd
getent passwd nobody >/dev/null || ns_skip "no 'nobody' user for netsendd to drop to"
unset G_DEBUG
# shellcheck disable=SC2034 # read by netns.sh
NS_WAIT_SECS=15

OURS=NSTBRWS
PEER=PEERM
WG=$NS_WORKGROUP
COMMENT="netsend browse test"

ns_lan_up 2
A1=$(ns_addr h1) A2=$(ns_addr h2)
CAPTURE=0
if command -v dumpcap >/dev/null && command -v tshark >/dev/null; then
  PCAP="$NS_STATE/browse-samba.pcap"
  ns_capture_start br "$PCAP" "udp port 138" && CAPTURE=1
fi

# ---- netsendd in h1
D1=$(ns_dir h1)
SOCK="$D1/run/control"
# (no [policy] allow: the default, its own subnet)
ns_netsendd_conf h1 "$OURS" ports.session=0 policy.allow= browse.comment="$COMMENT" >/dev/null

# browse_list: smbclient -L in h2 against smbd (NetServerEnum2 over SMB1).
# Without SPNEGO: smbclient asks for the servers of cli->server_domain,
# which NTLMSSP sets to a standalone server's own name (PEERM, no servers
# there); the plain NT1 session setup reply carries the workgroup.
browse_list() {
  ns_samba_tool h2 smbclient -L "$A2" -N -g -m NT1 --option='client min protocol = NT1' \
    --option='client use spnego = no' 2>/dev/null
}
# smbd serves the list nmbd writes to browse.dat; nmbd rewrites it from its
# main loop, at most every 5 s, and that loop sleeps up to 10 s without
# traffic (NMBD_SELECT_LOOP): a name query wakes it, so that a change shows
# within seconds rather than up to ~20.
nudge_nmbd() { NS_TOOL_TIMEOUT=3 ns_samba_tool h2 nmblookup -U "$A2" "$PEER" >/dev/null 2>&1 || true; }
listed() { nudge_nmbd; grep -qxF "Server|$OURS|$COMMENT" <<<"$(browse_list)"; }
not_listed() { nudge_nmbd; ! grep -qxF "Server|$OURS|$COMMENT" <<<"$(browse_list)"; }
# wait_secs SECS CMD...: poll every 0.5 s, bounded.
wait_secs() {
  local end=$(( $(date +%s) + $1 )); shift
  while :; do
    "$@" && return 0
    [ "$(date +%s)" -lt "$end" ] || return 1
    sleep 0.5
  done
}

step "netsendd $OURS on h1 (no master browser yet)"
ns_netsendd_start h1 "$D1/netsendd.conf" "$SOCK" || ns_fail "netsendd did not start"
ns_wait 15 grep -q "Browse list: announcing $OURS in $WG" "$D1/netsendd.log" ||
  fail "netsendd did not start announcing"

step "Samba $PEER on h2 as the local master browser"
ns_samba_start h2 "$PEER" loglevel=3 "local master = yes" "preferred master = yes" \
  "os level = 65" "domain master = no" || ns_fail "samba did not start on h2"
T_MASTER=$(date +%s)
if wait_secs 60 grep -q "is now a local master browser" "$(ns_dir h2)/samba/log/log.nmbd"; then
  ok "nmbd is the local master browser after $(( $(date +%s) - T_MASTER )) s"
else
  ns_fail "nmbd did not become the local master browser within 60 s"
fi

step "the AnnouncementRequest is answered; $OURS shows in smbclient -L"
T0=$(date +%s)
# MS-BRWS §3.2.5.1: the answer comes within 30 s; nmbd writes browse.dat
# every 5 s at most; smbclient needs a moment.
if wait_secs 45 listed; then
  ok "listed after $(( $(date +%s) - T0 )) s: Server|$OURS|$COMMENT"
else
  fail "$OURS not in the browse list within 45 s"
  browse_list >&2
  cat "$(ns_dir h2)/samba/cache/browse.dat" >&2
fi
grep -q "AnnouncementRequest from .*answering within" "$D1/netsendd.log" &&
  ok "netsendd answered nmbd's AnnouncementRequest" ||
  fail "netsendd logged no AnnouncementRequest"
grep -qE "process_host_announce: .*$OURS" "$(ns_dir h2)/samba/log/log.nmbd" &&
  ok "nmbd processed our HostAnnouncement" || fail "nmbd logged no HostAnnouncement from $OURS"

step "SIGTERM: $OURS leaves the browse list"
ns_netsendd_stop h1
grep -q "Browse list: telling the browsers $OURS is gone" "$D1/netsendd.log" ||
  fail "no goodbye announcement logged"
T0=$(date +%s)
if wait_secs 20 not_listed; then
  ok "gone from the browse list after $(( $(date +%s) - T0 )) s"
else
  fail "$OURS still in the browse list 20 s after SIGTERM"
  browse_list >&2
fi

step "netsendd again, the master known: listed from its start announcement"
: > "$D1/netsendd.log"
ns_netsendd_start h1 "$D1/netsendd.conf" "$SOCK" || ns_fail "netsendd did not restart"
T0=$(date +%s)
if wait_secs 20 listed; then
  ok "listed again after $(( $(date +%s) - T0 )) s"
else
  fail "$OURS not listed again within 20 s"
  browse_list >&2
fi
ns_netsendd_stop h1

if [ "$CAPTURE" = 1 ]; then
  ns_capture_stop br
  # Our packets only (from h1): Host Announcements, nothing malformed.
  n=$(tshark -r "$PCAP" -Y "ip.src == $A1 && browser.command == 0x01" 2>/dev/null | wc -l)
  all=$(tshark -r "$PCAP" -Y "ip.src == $A1 && udp.port == 138" 2>/dev/null | wc -l)
  bad=$(tshark -r "$PCAP" -Y "ip.src == $A1 && (_ws.malformed || _ws.expert.severity >= 0x00800000)" 2>/dev/null)
  if [ "$n" -ge 4 ] && [ "$n" -eq "$all" ] && [ -z "$bad" ]; then
    ok "tshark: $n Host Announcements from $OURS, nothing malformed"
  else
    fail "tshark: $n Host Announcements of $all datagrams from h1; malformed: ${bad:-none}"
  fi
  tshark -r "$PCAP" -Y "ip.src == $A1 && browser.command == 0x01" -T fields -e frame.time_relative \
    -e browser.period -e browser.server_type -e browser.comment 2>/dev/null | sed 's/^/    /' >&2
fi

ns_checks_end
