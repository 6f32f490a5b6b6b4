#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# netsendd's NetBIOS name service against real Samba peers, checked with
# Samba's own tools (root; network namespaces; exit 77 otherwise).
# Topology (tests/integration/lib/netns.sh), one subnet, bridge in "br":
#   h1  netsendd as NSTOURS (alias NSTALIAS, workgroup NSTLAN) on the real
#       ports 137/138 of its namespace, control socket in the state dir,
#       user nobody
#   h2  Samba nmbd PEERB (owns PEERB<00>/<03>/<20>, member of NSTLAN)
#   h3  the querier (nmblookup), later a rogue nmbd that calls itself NSTOURS
# Checked:
#   - nmblookup finds NSTOURS<03> by broadcast and by unicast (-U), NSTOURS<00>
#     and the group NSTLAN<00> (among the group's members);
#   - nmblookup -A lists all our names, ACTIVE, NSTLAN<00> as <GROUP>, none in
#     conflict, and h1's MAC address;
#   - netname X /add makes X<03> findable by broadcast, /delete makes it
#     vanish (nmblookup fails) and the release is on the wire;
#   - an nmbd started with our name is refused: its registration of
#     NSTOURS<00>/<03> gets negative responses from us, nmbd logs the failure,
#     and NSTOURS<03> still resolves to h1 only while netsendd keeps it
#     registered (not in conflict);
#   - a name Samba owns cannot be added: netname PEERB /add exits 2 with
#     NERR 2297, and netname --all has no PEERB afterwards;
#   - our node status parser reads nmbd's: netname --host lists PEERB's names,
#     the workgroup as a group and h2's MAC address;
#   - a second netsendd started in h3 as PEERB (Samba's name) gets PEERB<00>
#     and <03> refused by nmbd: "conflict" in its list and log, nmblookup -A
#     shows <CONFLICT>, PEERB<03> still resolves to h2 only, and it does not
#     release PEERB when it stops;
#   - tshark decodes every packet h1 sent during the whole run with no
#     malformed packet and no error-level expert info.
# Everything is torn down by the harness's EXIT trap, also on failure.
set -u -o pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/netns.sh"

ns_require_root nmbd nmblookup testparm dumpcap tshark python3
ns_require_netsend netsendd netname
getent passwd nobody >/dev/null || ns_skip "no 'nobody' user for netsendd to drop to"
# netsendd logs warnings on purpose (conflicts with Samba's names);
# G_DEBUG=fatal-warnings from the test environment would abort it.
unset G_DEBUG
# Bounded: every wait below is; the whole run takes about 30 s.
# shellcheck disable=SC2034 # read by netns.sh
NS_WAIT_SECS=15

OURS=NSTOURS
ALIAS=NSTALIAS
EXTRA=NSTEXTRA
PEER=PEERB
WG=$NS_WORKGROUP

ns_lan_up 3
OUT="$NS_STATE/out"
mkdir -p "$OUT"
A1=$(ns_addr h1) A2=$(ns_addr h2) A3=$(ns_addr h3)
mac_of() { # HOST -> MAC of its veth0 as nmblookup prints it (AA-BB-..., upper case)
  ns_exec "$1" cat /sys/class/net/veth0/address | tr 'a-f:' 'A-F-'
}

# nn WANT_RC LABEL ARGS...: netname in h1 against our daemon; output in
# $OUT/LABEL.out/.err.
nn() {
  local want=$1 label=$2 rc=0
  shift 2
  ns_netsend_run h1 netname --socket "$SOCK" "$@" > "$OUT/$label.out" 2> "$OUT/$label.err" || rc=$?
  if [ "$rc" -ne "$want" ]; then
    fail "$label: netname $* exited $rc, wanted $want"
    sed 's/^/    /' "$OUT/$label.out" "$OUT/$label.err" >&2
    return 1
  fi
  return 0
}
has() { # LABEL out|err REGEX
  grep -Eq -- "$3" "$OUT/$1.$2" && return 0
  fail "$1: .$2 lacks /$3/"; sed 's/^/    /' "$OUT/$1.$2" >&2; return 1
}
lacks() { # LABEL out|err REGEX
  ! grep -Eq -- "$3" "$OUT/$1.$2" && return 0
  fail "$1: .$2 has /$3/"; sed 's/^/    /' "$OUT/$1.$2" >&2; return 1
}
# is_only EXPECTED ACTUAL: ACTUAL (answer addresses, one per line) is exactly EXPECTED.
is_only() { [ "$2" = "$1" ]; }
# answers_from QHOST NAME#TT ADDRESS [bcast|IP]: ADDRESS is among the answers.
answers_from() { grep -qxF "$3" <<<"$(ns_nmb_query "$1" "$2" "${4:-bcast}")"; }
# unicast_query QHOST NAME#TT IP: nmblookup -U IP (unicast, no recursion).
unicast_query() {
  local n=${2%#*} t=${2#*#}
  ns_nmblookup "$1" -U "$3" "$2" 2>/dev/null |
    awk -v n="$n" -v t="$t" 'toupper($2) == n "<" toupper(t) ">" { print $1 }' | sort -u
}
not_in_status() { ! grep -Eq "^[[:space:]]+$3 " <<<"$(ns_nmblookup "$1" -A "$2")"; }
gone() { [ -z "$(NS_TOOL_TIMEOUT=5 ns_nmb_query "$1" "$2")" ]; }

# ---- the whole run is captured on the bridge
PCAP="$NS_STATE/names-samba.pcap"
ns_capture_start br "$PCAP" || ns_fail "capture did not start"

# ---- Samba PEERB in h2 (nmbd only: the name service is what is tested)
step "Samba $PEER on h2"
ns_samba_start h2 "$PEER" nosmbd loglevel=2 || ns_fail "nmbd did not start on h2"

# ---- netsendd in h1
step "netsendd $OURS on h1"
D1=$(ns_dir h1)
SOCK="$D1/run/control"
ns_netsendd_conf h1 "$OURS" netbios.aliases="$ALIAS" ports.session=0 daemon.log-level=info \
  policy.allow= >/dev/null
ns_netsendd_start h1 "$D1/netsendd.conf" "$SOCK" || ns_fail "netsendd did not start"
# Up when no name is still registering (B-node: 3 requests 250 ms apart).
ns_wait 10 eval "out=\$(ns_netsend_run h1 netname --socket '$SOCK' --all --quiet 2>/dev/null) && \
  grep -q '^$OURS ' <<<\"\$out\" && ! grep -q registering <<<\"\$out\"" ||
  ns_fail "netsendd's names did not leave 'registering' within 10 s"
nn 0 start-list --all && has start-list out "^$OURS +<03> +unique +registered +veth0"
check "netsendd runs as nobody" \
  test "$(ps -o user= -p "$(ns_netsendd_pid h1)" | tr -d ' ')" = nobody
ns_samba_wait_name h3 "$PEER#03" 15 || ns_fail "$PEER<03> never became answerable"

# ---- nmblookup finds our names
step "nmblookup finds our names"
check "broadcast query: $OURS<03> answered by h1 only" is_only "$A1" "$(ns_nmb_query h3 "$OURS#03")"
check "broadcast query: $ALIAS<03> answered by h1 only" is_only "$A1" "$(ns_nmb_query h3 "$ALIAS#03")"
check "broadcast query: $OURS<00> answered by h1 only" is_only "$A1" "$(ns_nmb_query h3 "$OURS#00")"
check "unicast query (-U): $OURS<03> at h1" is_only "$A1" "$(unicast_query h3 "$OURS#03" "$A1")"
check "unicast query (-U): $OURS<00> at h1" is_only "$A1" "$(unicast_query h3 "$OURS#00" "$A1")"
check "unicast query (-U) from the Samba host h2" is_only "$A1" "$(unicast_query h2 "$OURS#03" "$A1")"
check "group $WG<00> by broadcast: both members answer (h1 and h2)" \
  is_only "$(printf '%s\n%s' "$A1" "$A2")" "$(ns_nmb_query h3 "$WG#00")"
check "group $WG<00> by unicast to h1" is_only "$A1" "$(unicast_query h3 "$WG#00" "$A1")"
check "a name nobody has gets no answer" test -z "$(ns_nmb_query h3 'NSTNOBODY#03')"
# a unicast query for a name we lack gets a negative answer (NAM_ERR), seen
# in the capture below; nmblookup just fails
check "unicast query (-U) for a name h1 lacks fails" test -z "$(unicast_query h3 'NSTNOBODY#03' "$A1")"
check "$OURS<20> (no server service here) gets no answer" test -z "$(ns_nmb_query h3 "$OURS#20")"
# nmblookup -r / -S style: a status request by name goes through the same parser
ns_nmblookup h3 -A "$A1" > "$OUT/status.out" 2>&1
st=$OUT/status.out
for n in "$OURS <00>" "$OURS <03>" "$ALIAS <03>"; do
  check "nmblookup -A: ${n% *}${n#* } unique, B-node, ACTIVE" \
    grep -Eq "^[[:space:]]+${n% *} +${n#* } - +B <ACTIVE>" "$st"
done
check "nmblookup -A: $WG<00> is a group, ACTIVE" grep -Eq "^[[:space:]]+$WG +<00> - <GROUP> B <ACTIVE>" "$st"
check "nmblookup -A: exactly our 4 names" \
  test "$(grep -Ec '^[[:space:]]+[^[:space:]]+ +<[0-9a-f]{2}> ' "$st")" = 4
check "nmblookup -A: no name in conflict or deregistering" \
  eval "! grep -Eq '<CONFLICT>|<DEREGISTERING>' '$st'"
check "nmblookup -A: h1's MAC address ($(mac_of h1))" grep -q "MAC Address = $(mac_of h1)\$" "$st"
grep -q 'No reply from' "$st" && sed 's/^/    /' "$st" >&2

# ---- netname /add and /delete, seen by nmblookup
step "netname /add and /delete"
nn 0 add "$EXTRA" /add && has add out 'completed successfully'
check "after /add, $EXTRA<03> is answered by h1 (broadcast, at once)" \
  is_only "$A1" "$(ns_nmb_query h3 "$EXTRA#03")"
check "after /add, $EXTRA<03> is in h1's node status" \
  grep -Eq "^[[:space:]]+$EXTRA +<03> - +B <ACTIVE>" <<<"$(ns_nmblookup h3 -A "$A1")"
nn 0 del "$EXTRA" /delete && has del out 'completed successfully'
check "after /delete, nmblookup no longer finds $EXTRA<03> (bounded: 5 s)" ns_wait 5 gone h3 "$EXTRA#03"
rc=0; ns_nmblookup h3 -B "$(ns_bcast h3)" "$EXTRA#03" > "$OUT/gone.out" 2>&1 || rc=$?
check "nmblookup $EXTRA#03 fails (exit $rc) and says so" \
  eval "[ $rc -ne 0 ] || grep -q 'name_query failed to find name' '$OUT/gone.out'"
check "after /delete, $EXTRA<03> is no longer in h1's node status" \
  not_in_status h3 "$A1" "$EXTRA"
nn 0 list-after-del --all && lacks list-after-del out "^$EXTRA "

# ---- a name Samba owns cannot be added
step "a name Samba owns ($PEER) cannot be added"
nn 2 dup "$PEER" /add && has dup err 'NERR 2297' && has dup err "$A2"
nn 0 list-after-dup --all && lacks list-after-dup out "^$PEER "
nn 2 dup-json --json --add "$PEER" &&
  python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["error"]; assert e["nerr"]==2297, e' \
    "$OUT/dup-json.out" || fail "dup-json: NERR 2297 in JSON"
check "$PEER<03> still resolves to h2 only" is_only "$A2" "$(ns_nmb_query h3 "$PEER#03")"

# ---- our node status parser reads Samba's answer
step "netname --host $A2 (nmbd's node status)"
PEER_MAC=$(ns_nmblookup h3 -A "$A2" | sed -n 's/^[[:space:]]*MAC Address = //p')
check "nmblookup -A $A2 gives nmbd's MAC ($PEER_MAC)" test -n "$PEER_MAC"
if nn 0 host --host "$A2" --all; then
  for n in "$PEER +<00> +unique" "$PEER +<03> +unique" "$PEER +<20> +unique" "$WG +<00> +group"; do
    has host out "^$n +registered"
  done
  # nmbd sends a zero unit id ("we don't know our MAC"): whatever it is,
  # ours must read the same as Samba's own parser
  has host out "^MAC Address = $PEER_MAC\$"
fi
nn 0 host-msg --host "$A2" && has host-msg out "^$PEER +<03> +unique" && lacks host-msg out "^$WG "
nn 0 host-json --host "$A2" --all --json &&
  python3 - "$OUT/host-json.out" "$PEER" "$WG" "$PEER_MAC" <<'EOF' || fail "host-json content"
import json, sys
d = json.load(open(sys.argv[1]))
peer, wg, mac = sys.argv[2:5]
names = {(n["name"], n["suffix"]): n for n in d["names"]}
for key in [(peer, 0), (peer, 3), (peer, 0x20)]:
    assert names[key]["type"] == "unique" and names[key]["state"] == "registered", key
assert names[(wg, 0)]["type"] == "group", names
assert d["mac"] == mac, d["mac"]
EOF
# Nothing on its UDP 137: the ICMP port unreachable ends the request at
# once (exit 69, not 75 after 3 x 1.5 s of silence).
rc=0; ns_netsend_run h1 netname --host "$A3" > "$OUT/host-none.out" 2>&1 || rc=$?
check "netname --host on a host without a name service exits 69 (exit $rc)" test "$rc" = 69
check "netname --host says port 137 is unreachable" \
  grep -q "port 137 unreachable on $A3 (ICMP port unreachable" "$OUT/host-none.out"

# ---- an nmbd that calls itself by our name is refused
step "rogue nmbd named $OURS on h3"
ns_samba_start h3 "$OURS" nosmbd loglevel=2 || ns_fail "rogue nmbd did not start on h3"
LOG3="$(ns_dir h3)/samba/log/log.nmbd"
# nmbd sends 3 broadcast registrations per name; a negative answer ends it
# (nmbd_nameregister.c: register_name_response -> standard_fail_register).
check "rogue nmbd logs that $OURS<03> was refused (bounded: 10 s)" \
  ns_wait 10 grep -Eq "rejected our name registration of $OURS<03>|Failed to register.* $OURS<03>" "$LOG3"
check "rogue nmbd logs that $OURS<00> was refused" \
  ns_wait 5 grep -Eq "rejected our name registration of $OURS<00>|Failed to register.* $OURS<00>" "$LOG3"
# The rogue registered its other names (NSTOURS<20> is not ours): wait for
# its registration phase to be over before asking who answers.
ns_samba_wait_name h3 "$OURS#20" 15 || fail "rogue's $OURS<20> never registered"
check "$OURS<03> still resolves to h1 only" is_only "$A1" "$(ns_nmb_query h2 "$OURS#03")"
check "$OURS<00> still resolves to h1 only" is_only "$A1" "$(ns_nmb_query h2 "$OURS#00")"
nn 0 after-rogue --all && {
  has after-rogue out "^$OURS +<03> +unique +registered"
  has after-rogue out "^$OURS +<00> +unique +registered"; }
check "netsendd reported no conflict of its own names" \
  eval "! grep -Eq '$OURS<0[03]> is in conflict' '$D1/netsendd.log'"
ns_samba_stop h3
check "after the rogue stopped, $OURS<03> still resolves to h1" is_only "$A1" "$(ns_nmb_query h2 "$OURS#03")"

# ---- a second netsendd, started while Samba owns its name: conflict, no theft
step "netsendd named $PEER on h3 (Samba's name)"
D3=$(ns_dir h3)
mkdir -p "$D3/run" "$D3/store"; chown nobody "$D3/store"; chmod 755 "$D3/run"
SOCK3="$D3/run/control"
sed -e "s|^name = .*|name = $PEER|" -e "s|^aliases = .*|aliases = NSTTHREE|" \
  -e "s|^interfaces = .*|interfaces = $A3|" -e "s|$D1/|$D3/|" "$D1/netsendd.conf" > "$D3/netsendd.conf"
if ns_netsendd_start h3 "$D3/netsendd.conf" "$SOCK3"; then
  ns_wait 10 eval "! ns_netsend_run h3 netname --socket '$SOCK3' --all 2>/dev/null | grep -q registering" ||
    fail "h3's names did not leave 'registering' within 10 s"
  ns_netsend_run h3 netname --socket "$SOCK3" --all > "$OUT/h3-list.out" 2>&1
  has h3-list out "^$PEER +<03> +unique +conflict"
  has h3-list out "^$PEER +<00> +unique +conflict"
  has h3-list out "^NSTTHREE +<03> +unique +registered"
  has h3-list out "^$WG +<00> +group +registered"
  check "h3's netsendd logged the conflict naming h2" \
    grep -q "$PEER<03> is in conflict on veth0: negative-response by $A2" "$D3/netsendd.log"
  check "$PEER<03> still resolves to h2 only" is_only "$A2" "$(ns_nmb_query h1 "$PEER#03")"
  check "h3 does not answer a unicast query for $PEER<03>" test -z "$(unicast_query h1 "$PEER#03" "$A3")"
  ns_nmblookup h1 -A "$A3" > "$OUT/h3-status.out" 2>&1
  check "nmblookup -A h3: $PEER<03> shown in <CONFLICT>" \
    grep -Eq "^[[:space:]]+$PEER +<03> - +B <CONFLICT> <ACTIVE>" "$OUT/h3-status.out"
  check "nmblookup -A h3: NSTTHREE<03> ACTIVE" \
    grep -Eq "^[[:space:]]+NSTTHREE +<03> - +B <ACTIVE>" "$OUT/h3-status.out"
  ns_netsendd_stop h3
else
  fail "second netsendd did not start on h3"
fi

# ---- the capture: everything h1 sent decodes cleanly
step "capture"
ns_netsendd_stop h1   # SIGTERM: the name releases are part of the capture
ns_capture_stop br
OURS_PCAP="$NS_STATE/from-h1.pcap"
tshark -r "$PCAP" -Y "ip.src == $A1" -w "$OURS_PCAP" 2>/dev/null || fail "tshark could not filter the capture"
check "tshark: h1's packets decode without malformed or error expert info" ns_tshark_check "$OURS_PCAP" 10
check "tshark: the whole capture too" ns_tshark_check "$PCAP" 10
nbns() { tshark -r "$OURS_PCAP" -Y "$1" -T fields -e frame.number 2>/dev/null | wc -l; }
check "capture: h1's registrations (opcode 5)" test "$(nbns 'nbns.flags.opcode == 5 && nbns.flags.response == 0')" -ge 3
check "capture: h1's query answers" test "$(nbns 'nbns.flags.response == 1 && nbns.flags.opcode == 0 && nbns.count.answers > 0')" -ge 5
check "capture: h1's negative registration responses (ACT_ERR, rcode 6) to the rogue" \
  test "$(nbns "nbns.flags.response == 1 && nbns.flags.opcode == 5 && nbns.flags.rcode == 6 && ip.dst == $A3")" -ge 1
check "capture: h1 defended only its unique names (no ACT_ERR for the group $WG)" \
  test "$(nbns "nbns.flags.rcode == 6 && !(nbns.name contains \"$OURS\")")" = 0
check "capture: h1's negative query response (NAM_ERR, rcode 3) to the unicast query" \
  test "$(nbns "nbns.flags.response == 1 && nbns.flags.opcode == 0 && nbns.flags.rcode == 3 && ip.dst == $A3")" -ge 1
check "capture: h1 never answered a broadcast query negatively" \
  test "$(nbns "nbns.flags.response == 1 && nbns.flags.rcode != 0 && nbns.flags.opcode == 0 && ip.dst == $(ns_bcast h1)")" = 0
check "capture: h1's releases (opcode 6): /delete and shutdown" test "$(nbns 'nbns.flags.opcode == 6 && nbns.flags.response == 0')" -ge 2
# nmbd answers a broadcast query twice (two sockets); we answer once
check "capture: h1 answered every query once" \
  test "$(tshark -r "$OURS_PCAP" -Y 'nbns.flags.response == 1 && nbns.flags.opcode == 0' -T fields \
    -e nbns.id -e ip.dst 2>/dev/null | sort | uniq -d | wc -l)" = 0
check "capture: every UDP packet of h1 is NBNS or NBDS" \
  test "$(nbns 'udp && !(nbns || nbdgm)')" = 0
check "capture: h3's netsendd never released $PEER (it never owned it)" \
  test "$(tshark -r "$PCAP" -Y "ip.src == $A3 && nbns.flags.opcode == 6 && nbns.name contains \"$PEER\"" \
    -T fields -e frame.number 2>/dev/null | wc -l)" = 0
check "netsendd stopped cleanly" grep -q 'Stopped' "$D1/netsendd.log"
# meaningful in a -Db_sanitize build: the daemons ran through all of the above
check "no sanitizer report in the netsendd logs" \
  eval "! grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' '$D1/netsendd.log' '$D3/netsendd.log'"

ns_checks_end
