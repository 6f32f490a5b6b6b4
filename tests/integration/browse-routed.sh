#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# netsendd in the workgroup's browse list across a router (root; network
# namespaces; exit 77 otherwise). Topology (tests/integration/lib/netns.sh):
#   subnet 1  h1  Samba PEERDMB: nmbd as WINS server, domain master browser
#                 and local master browser of NSTLAN, and smbd
#   router    rt
#   subnet 2  h2  Samba PEERLMB: nmbd (WINS client of h1) as the local master
#                 browser of subnet 2, and smbd
#             h3  netsendd NSTFAR, an H-node with WINS h1
#             h4  netsendd NSTREMOTE, [browse] remote-announce = h1
# Checked (the whole run takes about 2.5 minutes, bounded by the nmbd
# election and browse-list sync timers, not by netsendd):
#   - remote-announce: with no master browser in subnet 2 yet, NSTREMOTE is
#     in the domain master browser's list (smbclient -L PEERDMB) within
#     seconds, NSTFAR is not;
#   - the domain master browser merge (MS-BRWS §3.4): once PEERLMB is the
#     master of subnet 2, NSTFAR answers its AnnouncementRequest and is in
#     PEERLMB's list; PEERLMB announces itself to PEERDMB (found through WINS
#     as NSTLAN<1b>), PEERDMB pulls PEERLMB's list (nmbd: 60-80 s later),
#     and NSTFAR shows in PEERDMB's list, seen from subnet 1.
# Everything is torn down by the harness's EXIT trap, also on failure.
set -u -o pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/netns.sh"

ns_require_root nmbd smbd smbclient nmblookup testparm
ns_require_netsend netsendd
getent passwd nobody >/dev/null || ns_skip "no 'nobody' user for netsendd to drop to"
unset G_DEBUG
# shellcheck disable=SC2034 # read by netns.sh
NS_WAIT_SECS=15

WG=$NS_WORKGROUP
FAILS=0
fail() { ns_log "FAIL: $*"; FAILS=$((FAILS + 1)); }
ok() { ns_log "ok: $*"; }
step() { ns_log "--- $*"; }
wait_secs() { # SECS CMD...: poll every 0.5 s, bounded
  local end=$(( $(date +%s) + $1 )); shift
  while :; do
    "$@" && return 0
    [ "$(date +%s)" -lt "$end" ] || return 1
    sleep 0.5
  done
}

ns_lan_up 1
ns_add_router 3 || ns_fail "router did not come up"
A1=$(ns_addr h1) A2=$(ns_addr h2) A3=$(ns_addr h3) A4=$(ns_addr h4)
# nmbd's browse-list sync runs the client side of SMB1 (NetServerEnum2).
BROWSER_OPTS=("local master = yes" "preferred master = yes" "os level = 65"
              "client min protocol = NT1")

# list HOST ADDRESS: the browse list smbd serves in HOST (see browse-samba.sh
# for the options); nudge: wake that nmbd so it rewrites browse.dat soon.
list() {
  NS_TOOL_TIMEOUT=3 ns_samba_tool "$1" nmblookup -U "$2" "$(cat "$(ns_dir "$1")/netbios-name")" \
    >/dev/null 2>&1 || true
  ns_samba_tool "$1" smbclient -L "$2" -N -g -m NT1 --option='client min protocol = NT1' \
    --option='client use spnego = no' 2>/dev/null
}
listed() { grep -q "^Server|$3|" <<<"$(list "$1" "$2")"; }
master_of() { grep -q "is now a local master browser" "$(ns_dir "$1")/samba/log/log.nmbd"; }
dmb_of() { grep -q "is now a domain master browser" "$(ns_dir "$1")/samba/log/log.nmbd"; }

netsendd_conf() { # HOST NAME EXTRA-BROWSE-LINE
  local d; d=$(ns_dir "$1")
  mkdir -p "$d/run" "$d/store"; chown nobody "$d/store"; chmod 755 "$d/run"
  cat > "$d/netsendd.conf" <<EOF
[netbios]
name = $2
workgroup = $WG
interfaces = $(ns_addr "$1")
wins-server = $A1
[ports]
name-service = 137
datagram = 138
session = 0
rpc = 0
[control]
socket = $d/run/control
system-bus = no
[daemon]
user = nobody
log-level = debug
[store]
path = $d/store/inbox.db
[browse]
comment = far away
$3
EOF
  echo "$d/netsendd.conf"
}

step "Samba PEERDMB on h1: WINS, domain and local master browser"
ns_samba_start h1 PEERDMB wins loglevel=3 "${BROWSER_OPTS[@]}" "domain master = yes" ||
  ns_fail "samba did not start on h1"
T0=$(date +%s)
wait_secs 60 master_of h1 && wait_secs 10 dmb_of h1 ||
  ns_fail "PEERDMB did not become local and domain master browser within 70 s"
ok "PEERDMB is the domain master browser after $(( $(date +%s) - T0 )) s"

step "netsendd NSTFAR on h3 and NSTREMOTE on h4 (subnet 2, no master browser there yet)"
ns_netsendd_start h3 "$(netsendd_conf h3 NSTFAR "")" "$(ns_dir h3)/run/control" ||
  ns_fail "netsendd did not start on h3"
ns_netsendd_start h4 "$(netsendd_conf h4 NSTREMOTE "remote-announce = $A1")" \
  "$(ns_dir h4)/run/control" || ns_fail "netsendd did not start on h4"
T0=$(date +%s)
if wait_secs 20 listed h1 "$A1" NSTREMOTE; then
  ok "remote-announce: NSTREMOTE in PEERDMB's list after $(( $(date +%s) - T0 )) s"
else
  fail "NSTREMOTE not in PEERDMB's list within 20 s"
  list h1 "$A1" >&2
fi
listed h1 "$A1" NSTFAR && fail "NSTFAR in PEERDMB's list without a master browser in subnet 2"

step "Samba PEERLMB on h2: local master browser of subnet 2"
ns_samba_start h2 PEERLMB "wins=$A1" loglevel=3 "${BROWSER_OPTS[@]}" "domain master = no" ||
  ns_fail "samba did not start on h2"
T0=$(date +%s)
wait_secs 60 master_of h2 || ns_fail "PEERLMB did not become the local master browser within 60 s"
ok "PEERLMB is the local master browser after $(( $(date +%s) - T0 )) s"
T0=$(date +%s)
if wait_secs 45 listed h2 "$A2" NSTFAR; then
  ok "NSTFAR in PEERLMB's list after $(( $(date +%s) - T0 )) s (AnnouncementRequest answered)"
else
  fail "NSTFAR not in PEERLMB's list within 45 s"
  list h2 "$A2" >&2
fi
if wait_secs 120 listed h1 "$A1" NSTFAR; then
  ok "domain master browser merge: NSTFAR in PEERDMB's list $(( $(date +%s) - T0 )) s after PEERLMB became master"
else
  fail "NSTFAR not in PEERDMB's list within 120 s"
  list h1 "$A1" >&2
  grep -E "sync_with_lmb|announce_local_master_browser_to_domain|find_domain_master" \
    "$(ns_dir h1)/samba/log/log.nmbd" "$(ns_dir h2)/samba/log/log.nmbd" | tail -n 20 >&2
fi
list h1 "$A1" | sed 's/^/    PEERDMB: /' >&2

ns_netsendd_stop h3
ns_netsendd_stop h4
[ "$FAILS" -eq 0 ] || { ns_log "$FAILS failure(s)"; exit 1; }
ns_log "all passed"
