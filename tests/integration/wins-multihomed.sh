#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A multi-homed netsendd (one address in each of two subnets) registering
# with Samba's nmbd as the WINS server: issue 6's multi-homed registration
# (NBNS opcode 0xF, MS-NBTE §3.1.4.1; PROTOCOL.md §1.4.7 and errata 15).
# Root; network namespaces; exit 77 otherwise. Topology
# (tests/integration/lib/netns.sh): two bridged subnets joined by the router
# namespace "rt" (forwarding, no NAT, broadcasts not forwarded):
#   subnet A  h1  nmbd with "wins support = yes" (its own nmbd:socket dir;
#                 max wins ttl 20 s, so that refreshes are seen in the run)
#             h2  netsendd NSTMULTI, H-node, wins-server = h1, on veth0 in
#                 subnet A AND veth1 in subnet B (a host with two
#                 interfaces, not a router), receiving on 139 into its inbox
#   subnet B  h3  nmbd PEERB (a WINS client of h1), Samba's client tools
#                 (nmblookup, smbclient) and netsend
# Checked:
#   - a single-homed predecessor on the subnet B address, killed without
#     releasing, leaves WINS listing that address alone;
#   - netsendd says it registers multi-homed; every unique name goes to
#     WINS from the first address (subnet A) as an ordinary registration
#     (opcode 5, so that WINS can refuse it), and from the second only once
#     that was granted, as a multi-homed one (opcode 0xF, flags 0x7900, as
#     nmbd); the group with opcode 5 from both. WINS asks the predecessor's
#     address (NAM_ERR: not held yet) before granting the first, and the
#     first address (confirmed) before adding the second;
#   - nmblookup -U WINS --recursion NSTMULTI#03 (and #00) lists BOTH
#     addresses; netname --all / --json on h2 say registered with WINS on
#     both interfaces; the daemon logs the grant per interface;
#   - smbclient -M and netsend from subnet B, resolving through WINS,
#     deliver into h2's inbox;
#   - netname NSTALIAS /add puts both addresses in WINS, /delete removes
#     the name; netname PEERB /add (Samba's name at WINS) fails with NERR
#     2297 and WINS still lists PEERB at h3 alone (a multi-homed
#     registration would have been added to it by nmbd);
#   - refresh: after more than twice the TTL WINS still lists both
#     addresses, and both addresses sent refreshes (opcode 8) that WINS
#     granted;
#   - WINS restarted without its database: the next refreshes put both
#     addresses back (the refused one is registered again with opcode 0xF)
#     and netsendd reports no conflict;
#   - SIGTERM: both addresses release (opcode 6), the daemon is gone
#     within 3 s and the name vanishes from WINS at once;
#   - tshark decodes the capture of subnet A without malformed packets.
# Every wait is bounded; the harness tears everything down, also on failure.
set -u -o pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/netns.sh"

ns_require_root nmbd nmblookup smbclient testparm dumpcap tshark python3 sqlite3
ns_require_netsend netsendd netname
getent passwd nobody >/dev/null || ns_skip "no 'nobody' user for netsendd to drop to"
unset G_DEBUG
WINS_TTL=20
NAME=NSTMULTI
T_RUN=$(date +%s%N)

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

ns_lan_up 2
ns_add_router 1 || ns_fail "router and subnet B did not come up"
MB=$(ns_add_link h2 2) || ns_fail "h2's second interface did not come up"
A1=$(ns_addr h1) MA=$(ns_addr h2) A3=$(ns_addr h3)
WG=$NS_WORKGROUP
OUT="$NS_STATE/out"
mkdir -p "$OUT"
ns_log "multi-homed h2: $MA (subnet A, veth0) and $MB (subnet B, veth1)"

# wins_query QHOST NAME#TT: addresses WINS gives for the name, sorted.
wins_query() {
  local n=${2%#*} t=${2#*#}
  NS_TOOL_TIMEOUT=5 ns_nmblookup "$1" -U "$A1" --recursion "$2" 2>/dev/null |
    awk -v n="$n" -v t="$t" 'toupper($2) == n "<" toupper(t) ">" { print $1 }' | sort -u | paste -sd' '
}
BOTH=$(printf '%s\n' "$MA" "$MB" | sort | paste -sd' ')
in_wins() { [ "$(wins_query h3 "$1")" = "$2" ]; }
not_in_wins() { [ -z "$(wins_query h3 "$1")" ]; }

step "nmbd WINS server on h1"
ns_samba_start h1 NSTWINS nosmbd wins loglevel=2 \
  "max wins ttl = $WINS_TTL" "min wins ttl = 10" || ns_fail "WINS server did not start"
# Samba PEERB in subnet B, a WINS client (its names are checked later).
ns_samba_start h3 PEERB nosmbd loglevel=2 "wins=$A1" || ns_fail "nmbd did not start on h3"

# ---- netsendd on h2
D2=$(ns_dir h2)
SOCK="$D2/run/control"
mkdir -p "$D2/run" "$D2/store"; chown nobody "$D2/store"; chmod 755 "$D2" "$D2/run"
conf() { # FILE INTERFACES SOCKET RECEIVE(yes|no)
  local rx=$4
  cat > "$1" <<EOF
[netbios]
name = $NAME
workgroup = $WG
interfaces = $2
wins-server = $A1
node-type = h
[ports]
name-service = 137
datagram = $([ "$rx" = yes ] && echo 138 || echo 0)
session = $([ "$rx" = yes ] && echo 139 || echo 0)
rpc = 0
[control]
socket = $3
system-bus = no
[daemon]
user = nobody
log-level = debug
[policy]
allow = $NS_NET_BASE.0.0/16
[store]
path = $D2/store/inbox.db
EOF
}
nn() { # WANT_RC LABEL ARGS...: netname on h2, output in $OUT/LABEL.{out,err}
  local want=$1 label=$2 rc=0
  shift 2
  ns_netsend_run h2 netname --socket "$SOCK" "$@" > "$OUT/$label.out" 2> "$OUT/$label.err" || rc=$?
  [ "$rc" -eq "$want" ] && return 0
  fail "$label: netname $* exited $rc, wanted $want"
  sed 's/^/    /' "$OUT/$label.out" "$OUT/$label.err" >&2
  return 1
}
settled() { # [SOCKET]
  local out
  out=$(ns_netsend_run h2 netname --socket "${1:-$SOCK}" --all --quiet 2>/dev/null) &&
    [ -n "$out" ] && ! grep -q registering <<<"$out"
}

# A predecessor that had only the subnet B address and died without
# releasing (SIGKILL): WINS still lists $NAME at $MB alone. The multi-homed
# daemon's registrations then race: $MA's asks WINS to add an address, so
# WINS queries $MB while $MB's own registration is still on its way.
step "single-homed predecessor on $MB, killed with SIGKILL"
conf "$D2/single.conf" "$MB" "$D2/run/control-single" no
ns_netsendd_start h2 "$D2/single.conf" "$D2/run/control-single" || ns_fail "netsendd (single) did not start"
ns_wait 15 settled "$D2/run/control-single" || fail "single: names still registering after 15 s"
kill -KILL "$(ns_netsendd_pid h2)"
ns_wait 5 eval "! kill -0 $(ns_netsendd_pid h2) 2>/dev/null" || fail "single: SIGKILL"
mv "$D2/netsendd.log" "$D2/netsendd-single.log"
check "WINS lists $NAME<03> at $MB alone (no release was sent)" in_wins "$NAME#03" "$MB"

# ---- capture subnet A: every packet to and from WINS crosses it
PCAP="$NS_STATE/wins-multihomed.pcap"
ns_capture_start br "$PCAP" "udp port 137" || ns_fail "capture did not start"

step "netsendd $NAME on h2 with $MA and $MB"
conf "$D2/netsendd.conf" "$MA $MB" "$SOCK" yes
T_START=$(date +%s%N)
ns_netsendd_start h2 "$D2/netsendd.conf" "$SOCK" || ns_fail "netsendd did not start"
ns_wait 15 settled || fail "names still registering after 15 s"
T_SETTLED=$(ms_since "$T_START")
ns_log "names settled $T_SETTLED ms after the start"
LOG2="$D2/netsendd.log"
check "netsendd logs multi-homed registrations with WINS $A1" \
  grep -qi "h-node with WINS server(s) $A1 (multi-homed registrations)" "$LOG2"

# ---- WINS lists both addresses
step "WINS lists both addresses"
check "WINS resolves $NAME<03> to $BOTH (from subnet B)" in_wins "$NAME#03" "$BOTH"
check "WINS resolves $NAME<00> to $BOTH (from subnet A)" \
  eval "[ \"\$(wins_query h1 '$NAME#00')\" = '$BOTH' ]"
for ifn in veth0 veth1; do
  check "netsendd logged $NAME<03> granted by WINS $A1 on $ifn" \
    grep -Eq "$NAME<03> registered with WINS server $A1 on $ifn for [0-9]+ s" "$LOG2"
done
check "netsendd logged no conflict for $NAME" eval "! grep -q '$NAME<[0-9a-f]*> is in conflict' '$LOG2'"
nn 0 list --all &&
  check "netname --all: $NAME<03> registered on veth0,veth1 by wins ($A1)" \
    grep -Eq "^$NAME +<03> +unique +registered +veth0,veth1 +wins \($A1\)$" "$OUT/list.out"
nn 0 list-json --all --json &&
  check "netname --all --json: registered-by wins, both interfaces, wins-servers [$A1]" \
    python3 - "$OUT/list-json.out" "$A1" "$NAME" "$WG" <<'EOF'
import json, sys
out, wins, name, wg = sys.argv[1:]
names = {(n["name"], n["suffix"]): n for n in json.load(open(out))["names"]}
for key in ((name, 3), (name, 0), (wg, 0)):
    n = names[key]
    assert n["state"] == "registered", n
    assert n["registered-by"] == "wins", n
    assert n["wins-servers"] == [wins], n
    assert n["interfaces"] == ["veth0", "veth1"], n
    assert 0 < n["ttl"] <= 20, n
EOF
ns_netsend_run h2 netname --socket "$SOCK" --status > "$OUT/status.out" 2>&1
check "netname --status: node-type h, wins-servers $A1" \
  eval "grep -Eq '^node-type +h$' '$OUT/status.out' && grep -Eq '^wins-servers +$A1$' '$OUT/status.out'"

# ---- messages by name from subnet B, resolved through WINS
step "messages from subnet B by name (WINS)"
DB2="$D2/store/inbox.db"
in_inbox() { # SENDER TEXT
  [ "$(sqlite3 "$DB2" "SELECT count(*) FROM messages WHERE sender = '$1' AND text = '$2'" 2>/dev/null)" = 1 ]
}
cat >> "$(ns_dir h3)/client.conf" <<EOF
   wins server = $A1
   name resolve order = wins
EOF
T0=$(date +%s%N)
if ns_smbclient_send h3 "$NAME" "smbclient via WINS" -U SAMBAB; then
  ok "smbclient -M $NAME from h3 ($(ms_since "$T0") ms)"
else
  fail "smbclient -M $NAME from h3: $NS_SMBCLIENT_OUT"
fi
check "h2's inbox has the smbclient message" ns_wait 5 in_inbox SAMBAB 'smbclient via WINS'
if ns_netsend_bin netsend >/dev/null; then
  rc=0
  T0=$(date +%s%N)
  ns_netsend_run h3 netsend --no-config -i "$A3" --wins "$A1" --no-host-resolver --timeout 8 \
    -f NETSENDB "$NAME" "netsend via WINS" > "$OUT/send.out" 2>&1 || rc=$?
  check "netsend $NAME from h3 (exit $rc, $(ms_since "$T0") ms)" test "$rc" = 0
  [ "$rc" = 0 ] || sed 's/^/    /' "$OUT/send.out" >&2
  check "h2's inbox has the netsend message" ns_wait 5 in_inbox NETSENDB 'netsend via WINS'
else
  ns_log "netsend not built: delivery checked with smbclient only"
fi

# ---- an alias added and deleted at run time
step "netname NSTALIAS /add and /delete"
T0=$(date +%s%N)
nn 0 add NSTALIAS /add && check "netname NSTALIAS /add completed ($(ms_since "$T0") ms)" \
  grep -q 'completed successfully' "$OUT/add.out"
check "WINS resolves NSTALIAS<03> to $BOTH" in_wins 'NSTALIAS#03' "$BOTH"
T0=$(date +%s%N)
nn 0 del NSTALIAS /delete && check "netname NSTALIAS /delete completed ($(ms_since "$T0") ms)" \
  grep -q 'completed successfully' "$OUT/del.out"
check "NSTALIAS<03> gone from WINS (bounded: 3 s)" ns_wait 3 not_in_wins 'NSTALIAS#03'

# ---- a name another host holds at WINS
step "PEERB (Samba on h3, registered with WINS) is refused"
ns_samba_wait_wins h1 'PEERB#03' "$A1" 15 || fail "PEERB<03> never reached WINS"
T0=$(date +%s%N)
nn 2 dup PEERB /add && check "netname PEERB /add: NERR 2297 from WINS $A1 ($(ms_since "$T0") ms)" \
  eval "grep -q 'NERR 2297' '$OUT/dup.err' && grep -q 'WINS server $A1' '$OUT/dup.err'"
check "WINS lists PEERB<03> at h3 alone" in_wins 'PEERB#03' "$A3"
check "netsendd logged the refusal" grep -q "Adding PEERB<03> failed" "$LOG2"
nn 0 list-dup --all && check "netname --all does not list PEERB" \
  eval "! grep -q '^PEERB ' '$OUT/list-dup.out'"

# ---- refresh
step "refresh (TTL $WINS_TTL s): both addresses after $((2 * WINS_TTL + 5)) s"
T_REG_DONE=$(date +%s)
sleep $((2 * WINS_TTL + 5))
check "WINS still resolves $NAME<03> to $BOTH" in_wins "$NAME#03" "$BOTH"
check "WINS still resolves $NAME<00> to $BOTH" in_wins "$NAME#00" "$BOTH"
nn 0 list-refreshed --all &&
  check "netname --all: $NAME<03> still registered on both interfaces" \
    grep -Eq "^$NAME +<03> +unique +registered +veth0,veth1 +wins \($A1\)$" "$OUT/list-refreshed.out"
check "netsendd logged no conflict for $NAME after the refreshes" eval "! grep -q '$NAME<[0-9a-f]*> is in conflict' '$LOG2'"
ns_log "refresh phase: $(( $(date +%s) - T_REG_DONE )) s"

# ---- WINS loses its database: the refreshes must bring both addresses back
# nmbd takes the first refresh of a name it does not know as a registration
# of that one address, and refuses the other address's refresh (RFS_ERR,
# "IP is not known to the name"); netsendd then registers that address
# again as multi-homed instead of calling the name a conflict.
step "WINS restarted without its database"
ns_samba_stop h1
rm -f "$(ns_dir h1)"/samba/state/wins.* "$(ns_dir h1)"/samba/lock/wins.*
ns_samba_start h1 NSTWINS nosmbd wins loglevel=2 \
  "max wins ttl = $WINS_TTL" "min wins ttl = 10" || ns_fail "WINS server did not restart"
T0=$(date +%s%N)
check "the restarted WINS does not know $NAME<03>" not_in_wins "$NAME#03"
check "the refreshes put both addresses back (bounded: $((WINS_TTL / 2 + 5)) s)" \
  ns_wait $((WINS_TTL / 2 + 5)) in_wins "$NAME#03" "$BOTH"
ns_log "both addresses back in WINS $(ms_since "$T0") ms after the restart"
check "WINS resolves $NAME<00> to $BOTH again" ns_wait 3 in_wins "$NAME#00" "$BOTH"
check "netsendd logged no conflict for $NAME after the WINS restart" eval "! grep -q '$NAME<[0-9a-f]*> is in conflict' '$LOG2'"
nn 0 list-restarted --all &&
  check "netname --all: $NAME<03> registered on both interfaces after the WINS restart" \
    grep -Eq "^$NAME +<03> +unique +registered +veth0,veth1 +wins \($A1\)$" "$OUT/list-restarted.out"

# ---- SIGTERM releases from both addresses
step "SIGTERM: $NAME leaves WINS"
T0=$(date +%s%N)
ns_netsendd_stop h2
T_STOP=$(ms_since "$T0")
# The first address's release makes nmbd drop the whole record, so the
# second one's gets NAM_ERR and that H-node interface also releases by
# broadcast (MS-NBTE §3.1.7): 3 x 250 ms.
ns_log "netsendd stopped $T_STOP ms after SIGTERM"
check "$NAME<03> gone from WINS (bounded: 3 s)" ns_wait 3 not_in_wins "$NAME#03"
check "$NAME<00> gone from WINS" not_in_wins "$NAME#00"

# ---- the capture
step "capture"
ns_capture_stop br
check "tshark: the capture decodes without malformed packets or error expert info" \
  ns_tshark_check "$PCAP" 20
nbns() { tshark -r "$PCAP" -Y "$1" -T fields -e frame.number 2>/dev/null | wc -l; }
req() { echo "nbns.flags.response == 0 && ip.dst == $A1 && nbns.name contains \"$2\" && nbns.flags.opcode == $1"; }
first_frame() { tshark -r "$PCAP" -Y "$1" -T fields -e frame.number 2>/dev/null | head -n 1; }
# The first address: ordinary registrations (WINS can refuse them); the
# second: multi-homed ones, only after the first address was granted.
for sfx in 00 03; do
  check "capture: $MA registered $NAME<$sfx> with an ordinary registration (opcode 5, flags 0x2900)" \
    test "$(nbns "$(req 5 "$NAME") && nbns.addr == $MA && ip.src == $MA && nbns.flags == 0x2900 && nbns.name matches \"<$sfx>\"")" -ge 1
  check "capture: $MB registered $NAME<$sfx> multi-homed (opcode 15, flags 0x7900)" \
    test "$(nbns "$(req 15 "$NAME") && nbns.addr == $MB && ip.src == $MB && nbns.flags == 0x7900 && nbns.name matches \"<$sfx>\"")" -ge 1
  G=$(first_frame "ip.src == $A1 && ip.dst == $MA && nbns.flags.response == 1 && nbns.flags.opcode == 5 && nbns.flags.rcode == 0 && nbns.name matches \"$NAME *<$sfx>\"")
  M=$(first_frame "$(req 15 "$NAME") && ip.src == $MB && nbns.name matches \"<$sfx>\"")
  check "capture: $MB's first registration of $NAME<$sfx> (frame ${M:-none}) after WINS granted it to $MA (frame ${G:-none})" \
    test "${M:-0}" -gt "${G:-999999}"
done
check "capture: no ordinary registration (opcode 5) of a unique $NAME name from $MB" \
  test "$(nbns "$(req 5 "$NAME") && ip.src == $MB")" = 0
for src in "$MA" "$MB"; do
  check "capture: $src registered the group $WG<00> with opcode 5" \
    test "$(nbns "$(req 5 "$WG") && ip.src == $src && nbns.nb_flags.group == 1")" -ge 1
  check "capture: WINS granted $NAME from $src (rcode 0)" \
    test "$(nbns "ip.src == $A1 && ip.dst == $src && nbns.flags.response == 1 && nbns.flags.opcode == 5 && nbns.flags.rcode == 0 && nbns.name contains \"$NAME\"")" -ge 2
  check "capture: $src refreshed $NAME (opcode 8) at least twice" \
    test "$(nbns "$(req 8 "$NAME") && ip.src == $src && nbns.addr == $src && nbns.name matches \"<03>\"")" -ge 2
  check "capture: $src released $NAME<03> (opcode 6)" \
    test "$(nbns "$(req 6 "$NAME") && ip.src == $src && nbns.addr == $src && nbns.name matches \"<03>\"")" -ge 1
done
# WINS listed the predecessor's $MB: it asked $MB about the name (a WACK
# to $MA first), $MB did not hold it yet (NAM_ERR), so WINS gave it to $MA;
# then $MB's multi-homed registration made WINS ask $MA, which confirmed
# (nmbd wins_process_multihomed_name_registration_request).
check "capture: WINS sent WACKs for $NAME" \
  test "$(nbns "ip.src == $A1 && nbns.flags.opcode == 7 && nbns.name contains \"$NAME\"")" -ge 2
check "capture: WINS asked $MB (the predecessor's address) about $NAME<03> and $MB said NAM_ERR" \
  eval "[ \"\$(nbns 'ip.src == $A1 && ip.dst == $MB && nbns.flags.response == 0 && nbns.flags.opcode == 0 && nbns.name matches \"$NAME *<03>\"')\" -ge 1 ] && [ \"\$(nbns 'ip.src == $MB && ip.dst == $A1 && nbns.flags.response == 1 && nbns.flags.opcode == 0 && nbns.flags.rcode == 3 && nbns.name matches \"$NAME *<03>\"')\" -ge 1 ]"
check "capture: WINS asked $MA about $NAME<03> and $MA confirmed" \
  eval "[ \"\$(nbns 'ip.src == $A1 && ip.dst == $MA && nbns.flags.response == 0 && nbns.flags.opcode == 0 && nbns.name matches \"$NAME *<03>\"')\" -ge 1 ] && [ \"\$(nbns 'ip.src == $MA && ip.dst == $A1 && nbns.flags.response == 1 && nbns.flags.opcode == 0 && nbns.flags.rcode == 0 && nbns.addr == $MA && nbns.name matches \"$NAME *<03>\"')\" -ge 1 ]"
check "capture: the restarted WINS refused one refresh (RFS_ERR), which was offered again as a multi-homed registration" \
  eval "[ \"\$(nbns 'ip.src == $A1 && nbns.flags.response == 1 && nbns.flags.rcode == 5 && nbns.name contains \"$NAME\"')\" -ge 1 ] && [ \"\$(nbns '$(req 15 "$NAME") && nbns.name matches \"<03>\"')\" -ge 2 ]"
check "capture: PEERB (Samba's) was asked for by $MA only, and refused" \
  eval "[ \"\$(nbns '$(req 5 PEERB) && ip.src == $MA')\" -ge 1 ] && [ \"\$(nbns 'ip.src == $MB && nbns.name contains \"PEERB\"')\" = 0 ] && [ \"\$(nbns 'ip.src == $A1 && ip.dst == $MA && nbns.flags.response == 1 && nbns.flags.opcode == 5 && nbns.flags.rcode != 0 && nbns.name contains \"PEERB\"')\" -ge 1 ]"
check "capture: h2 never broadcast a registration (H-node, WINS answering)" \
  test "$(nbns "nbns.flags.broadcast == 1 && nbns.flags.opcode == 5 && nbns.name contains \"$NAME\"")" = 0
tshark -r "$PCAP" -Y "nbns.name contains \"$NAME\" && nbns.name matches \"<03>\"" \
  -T fields -e frame.time_relative -e ip.src -e ip.dst -e nbns.flags -e nbns.flags.opcode \
  -e nbns.flags.rcode -e nbns.ttl 2>/dev/null > "$OUT/nbns-03.txt"
ns_debug "NSTMULTI<03> on the wire:"$'\n'"$(cat "$OUT/nbns-03.txt")"

ns_log "run took $(ms_since "$T_RUN") ms"
ns_checks_end
