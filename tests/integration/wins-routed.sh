#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# netsendd with WINS across a router, against Samba's nmbd as the WINS
# server (root; network namespaces; exit 77 otherwise). Topology
# (tests/integration/lib/netns.sh): two bridged subnets joined by the router
# namespace "rt" (ip forwarding, no NAT, broadcasts not forwarded):
#   subnet A  h1  nmbd with "wins support = yes" (max wins ttl 20 s, so
#                 that refreshes are seen within the run)
#             h2  netsendd NSTALPHA, H-node, wins-server = h1 (the sender)
#             h3  netsendd NSTBEE, B-node (no WINS)
#   subnet B  h4  netsendd NSTREMOTE, H-node, wins-server = h1, receiving
#                 messages on 139 into its inbox
#             h5  Samba PEERC (nmbd + smbd with a message command), a
#                 WINS client of h1
# Checked with Samba's tools and ours:
#   - nmblookup -U WINS --recursion NAME#03 finds our names (both subnets),
#     and netname --all / --json say they are registered with WINS (h1);
#   - netname X /add on h4 puts X<03> in WINS, /delete takes it out;
#   - a name PEERC owns (registered with WINS from subnet B) is refused for
#     us: netname PEERC /add exits 2 with NERR 2297, the daemon logs the
#     refusal, and PEERC<03> still resolves to h5 in WINS;
#   - refresh keeps the names alive past the short TTL: after more than
#     twice the TTL they still resolve, and the capture has our refreshes
#     (opcode 8) answered positively; a daemon killed with SIGKILL (no
#     release, no refresh) loses its name at WINS once the TTL runs out;
#   - an nmbd in subnet A started with our name NSTREMOTE: WINS asks h4,
#     h4 confirms, keeps its name and logs no conflict (nmbd's WINS then
#     lists both addresses, its multi-homed rule; logged as a note), and
#     h4's next refresh makes h4 the only owner again;
#   - stopping a daemon (SIGTERM) releases its names: they vanish from WINS
#     at once;
#   - B-node vs H-node: NSTREMOTE is not found by broadcast from subnet A
#     (netsend from the B-node h3 fails to resolve it), NSTBEE is not in
#     WINS; from the H-node h2, netsend --wins resolves NSTREMOTE through
#     WINS and delivers messages by name across the router into h4's inbox
#     and to Samba's message command on h5;
#   - tshark decodes the capture of subnet A without malformed packets or
#     error-level expert info.
# Every wait is bounded; the harness tears everything down, also on failure.
set -u -o pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/netns.sh"

ns_require_root nmbd nmblookup testparm dumpcap tshark python3 sqlite3
ns_require_netsend netsendd netname
getent passwd nobody >/dev/null || ns_skip "no 'nobody' user for netsendd to drop to"
# netsendd logs the refused name as a warning on purpose.
unset G_DEBUG
NS_WAIT_SECS=20
WINS_TTL=20


ns_lan_up 3
ns_add_router 2 || ns_fail "router and subnet B did not come up"
OUT="$NS_STATE/out"
mkdir -p "$OUT"
A1=$(ns_addr h1) A2=$(ns_addr h2) A3=$(ns_addr h3) A4=$(ns_addr h4) A5=$(ns_addr h5)
WG=$NS_WORKGROUP

# wins_query QHOST NAME#TT: addresses WINS (h1) gives for the name, as
# nmblookup -U WINS --recursion prints them.
wins_query() {
  local n=${2%#*} t=${2#*#}
  NS_TOOL_TIMEOUT=5 ns_nmblookup "$1" -U "$A1" --recursion "$2" 2>/dev/null |
    awk -v n="$n" -v t="$t" 'toupper($2) == n "<" toupper(t) ">" { print $1 }' | sort -u
}
in_wins() { [ "$(wins_query h3 "$1")" = "$2" ]; }
not_in_wins() { [ -z "$(wins_query h3 "$1")" ]; }
bcast_query() { NS_TOOL_TIMEOUT=5 ns_nmb_query "$1" "$2"; }

# ---- capture subnet A (every WINS packet crosses it)
PCAP="$NS_STATE/wins-routed.pcap"
ns_capture_start br "$PCAP" "udp port 137 or tcp port 139" || ns_fail "capture did not start"

# ---- WINS server h1, Samba WINS client h5 (subnet B)
step "nmbd WINS server on h1, Samba PEERC on h5"
ns_samba_start h1 NSTWINS nosmbd wins loglevel=2 \
  "max wins ttl = $WINS_TTL" "min wins ttl = 10" || ns_fail "WINS server did not start"
ns_samba_start h5 PEERC "wins=$A1" || ns_fail "Samba did not start on h5"
ns_samba_wait_wins h3 'PEERC#03' "$A1" 30 || ns_fail "PEERC<03> never reached WINS"

# ---- netsendd on h2, h3, h4
sock() { echo "$(ns_dir "$1")/run/control"; }
nn() { # HOST WANT_RC LABEL ARGS...
  local h=$1 want=$2 label=$3 rc=0
  shift 3
  ns_netsend_run "$h" netname --socket "$(sock "$h")" "$@" > "$OUT/$label.out" 2> "$OUT/$label.err" || rc=$?
  if [ "$rc" -ne "$want" ]; then
    fail "$label: netname $* on $h exited $rc, wanted $want"
    sed 's/^/    /' "$OUT/$label.out" "$OUT/$label.err" >&2
    return 1
  fi
}
has() { # LABEL out|err REGEX
  grep -Eq -- "$3" "$OUT/$1.$2" && return 0
  fail "$1: .$2 lacks /$3/"; sed 's/^/    /' "$OUT/$1.$2" >&2; return 1
}
lacks() {
  ! grep -Eq -- "$3" "$OUT/$1.$2" && return 0
  fail "$1: .$2 has /$3/"; sed 's/^/    /' "$OUT/$1.$2" >&2; return 1
}
settled() { # HOST: no name of the daemon is still registering
  local out
  out=$(ns_netsend_run "$1" netname --socket "$(sock "$1")" --all --quiet 2>/dev/null) &&
    [ -n "$out" ] && ! grep -q registering <<<"$out"
}

step "netsendd: NSTALPHA (h2, H), NSTBEE (h3, B), NSTREMOTE (h4, H, subnet B)"
# (ns_netsendd_conf's [policy] allow takes every subnet of the run: by
# default netsendd takes messages from its own subnets only, and a receiver
# reached through WINS must also allow the others.)
ns_netsendd_conf h2 NSTALPHA netbios.wins-server="$A1" ports.session=0 >/dev/null
ns_netsendd_conf h3 NSTBEE ports.session=0 >/dev/null
ns_netsendd_conf h4 NSTREMOTE netbios.wins-server="$A1" netbios.node-type=h >/dev/null
T_START=$(date +%s%N)
for h in h2 h3 h4; do
  ns_netsendd_start "$h" "$(ns_dir "$h")/netsendd.conf" "$(sock "$h")" || ns_fail "netsendd did not start on $h"
done
for h in h2 h3 h4; do
  ns_wait 15 settled "$h" || fail "$h: names still registering after 15 s"
done
ns_log "all names settled $(( ($(date +%s%N) - T_START) / 1000000 )) ms after the start"

# ---- registered with WINS, found through WINS
step "names in WINS"
check "WINS resolves NSTALPHA<03> to h2 (subnet A)" in_wins 'NSTALPHA#03' "$A2"
check "WINS resolves NSTREMOTE<03> to h4 (across the router)" in_wins 'NSTREMOTE#03' "$A4"
check "WINS resolves NSTREMOTE<00> to h4" in_wins 'NSTREMOTE#00' "$A4"
# (The group $WG<00> is granted too, see the capture; nmbd 4.17 answers a
# query for an ordinary group with 0.0.0.0, which nmblookup reports as
# "failed to find name".)
check "the B-node's NSTBEE<03> is not in WINS" not_in_wins 'NSTBEE#03'
nn h4 0 list4 --all && has list4 out "^NSTREMOTE +<03> +unique +registered +[^ ]+ +wins \($A1\)" &&
  has list4 out "^$WG +<00> +group +registered +[^ ]+ +wins"
nn h3 0 list3 --all && has list3 out "^NSTBEE +<03> +unique +registered +[^ ]+ +broadcast$"
nn h4 0 list4-json --all --json &&
  python3 - "$OUT/list4-json.out" "$A1" <<'EOF' || fail "list4-json: registered-by/wins-servers/ttl"
import json, sys
names = {(n["name"], n["suffix"]): n for n in json.load(open(sys.argv[1]))["names"]}
n = names[("NSTREMOTE", 3)]
assert n["registered-by"] == "wins", n
assert n["wins-servers"] == [sys.argv[2]], n
assert 0 < n["ttl"] <= 20, n
assert 0 <= n["refresh-in"] <= n["ttl"], n
EOF
ns_netsend_run h4 netname --socket "$(sock h4)" --status > "$OUT/status4.out" 2>&1
check "netname --status: node-type h, wins-servers $A1" \
  eval "grep -Eq '^node-type +h$' '$OUT/status4.out' && grep -Eq '^wins-servers +$A1$' '$OUT/status4.out'"

# ---- a name Samba owns (registered with WINS) is refused for us
step "PEERC (Samba, registered with WINS from subnet B) is refused"
T0=$(date +%s%N)
nn h4 2 dup PEERC /add && has dup err 'NERR 2297' && has dup err "WINS server $A1"
ns_log "refusal took $(( ($(date +%s%N) - T0) / 1000000 )) ms (nmbd challenges PEERC first)"
nn h4 0 list-after-dup --all && lacks list-after-dup out '^PEERC '
check "netsendd on h4 logged the refusal" \
  grep -q "PEERC<03> is in conflict on veth0: negative-response by WINS server $A1: ACT_ERR" \
  "$(ns_dir h4)/netsendd.log"
check "PEERC<03> still resolves to h5 in WINS" in_wins 'PEERC#03' "$A5"

# ---- /add and /delete through WINS
step "netname /add and /delete on h4"
nn h4 0 add NSTADDED /add && has add out 'completed successfully'
check "after /add, WINS resolves NSTADDED<03> to h4" in_wins 'NSTADDED#03' "$A4"
nn h4 0 del NSTADDED /delete && has del out 'completed successfully'
check "after /delete, NSTADDED<03> is gone from WINS (bounded: 5 s)" ns_wait 5 not_in_wins 'NSTADDED#03'

# ---- B-node vs H-node across the router
step "B-node vs H-node across the router"
check "broadcast from subnet A does not find NSTREMOTE<03>" test -z "$(bcast_query h3 'NSTREMOTE#03')"
check "broadcast in subnet A finds the B-node NSTBEE<03>" test "$(bcast_query h2 'NSTBEE#03')" = "$A3"
if ns_netsend_bin netsend >/dev/null; then
  rc=0
  ns_netsend_run h3 netsend --no-config -i "$A3" --no-host-resolver --timeout 4 -f NSTBEE \
    NSTREMOTE "from the B-node" > "$OUT/send-b.out" 2>&1 || rc=$?
  check "netsend from the B-node h3 cannot resolve NSTREMOTE (exit $rc)" \
    eval "[ $rc -ne 0 ] && grep -qi 'not found' '$OUT/send-b.out'"
  rc=0
  ns_netsend_run h2 netsend --no-config -i "$A2" --wins "$A1" --no-host-resolver --timeout 8 \
    -f NSTALPHA NSTREMOTE "across the router via WINS" > "$OUT/send-h.out" 2>&1 || rc=$?
  check "netsend from the H-node h2 delivers to NSTREMOTE by name (exit $rc)" test "$rc" = 0
  [ "$rc" = 0 ] || sed 's/^/    /' "$OUT/send-h.out" >&2
  DB4="$(ns_dir h4)/store/inbox.db"
  check "h4's inbox has the message from NSTALPHA" \
    ns_wait 5 eval "[ \"\$(sqlite3 '$DB4' \"SELECT count(*) FROM messages WHERE sender = 'NSTALPHA' AND text = 'across the router via WINS' AND source = '$A2'\" 2>/dev/null)\" = 1 ]"
  rc=0
  ns_netsend_run h2 netsend --no-config -i "$A2" --wins "$A1" --no-host-resolver --timeout 8 \
    -f NSTALPHA PEERC "to Samba across the router" > "$OUT/send-samba.out" 2>&1 || rc=$?
  check "netsend from h2 delivers to Samba PEERC (subnet B) by name (exit $rc)" test "$rc" = 0
  [ "$rc" = 0 ] || sed 's/^/    /' "$OUT/send-samba.out" >&2
  check "PEERC's message command got it" \
    eval "ns_samba_wait_messages h5 1 10 && ns_samba_messages h5 | grep -q 'to Samba across the router'"
else
  ns_log "netsend not built: resolution checked with nmblookup only"
fi

# ---- refresh keeps the names alive past the TTL
step "refresh (TTL $WINS_TTL s): names alive after $((2 * WINS_TTL + 5)) s"
sleep $((2 * WINS_TTL + 5))
check "NSTALPHA<03> still in WINS" in_wins 'NSTALPHA#03' "$A2"
check "NSTREMOTE<03> still in WINS" in_wins 'NSTREMOTE#03' "$A4"

# ---- SIGKILL: no release, no refresh: the name runs out at WINS
step "SIGKILL h2's netsendd: NSTALPHA runs out at WINS"
kill -KILL "$(ns_netsendd_pid h2)" 2>/dev/null
T0=$(date +%s)
check "NSTALPHA<03> still in WINS right after the kill (no release was sent)" \
  in_wins 'NSTALPHA#03' "$A2"
check "NSTALPHA<03> gone from WINS once the TTL ran out (bounded: $((WINS_TTL + 25)) s)" \
  ns_wait $((WINS_TTL + 25)) not_in_wins 'NSTALPHA#03'
ns_log "NSTALPHA left WINS $(( $(date +%s) - T0 )) s after the kill"

# ---- a Samba host in subnet A started with our name: WINS asks h4
step "nmbd named NSTREMOTE in subnet A (h6): WINS challenges h4, h4 keeps its name"
ns_add_host 1 >/dev/null || ns_fail "h6"
A6=$(ns_addr h6)
ns_samba_start h6 NSTREMOTE nosmbd loglevel=2 "wins=$A1" || ns_fail "nmbd did not start on h6"
if ns_wait 15 eval "grep -qxF '$A6' <<<\"\$(wins_query h3 'NSTREMOTE#03')\""; then
  # nmbd registers its unique names with WINS as multi-homed (errata 15);
  # nmbd's WINS asks the current owner, and when h4 confirms it *adds* h6
  # to the name (wins_multihomed_register_query_success) rather than
  # refusing it. Samba's behaviour, recorded here, not ours.
  ns_log "note: WINS now lists NSTREMOTE<03> at $(wins_query h3 'NSTREMOTE#03' | paste -sd' ')"
fi
nn h4 0 list-rogue --all && has list-rogue out "^NSTREMOTE +<03> +unique +registered +[^ ]+ +wins"
check "h4 logged no conflict for NSTREMOTE<03>" \
  eval "! grep -q 'NSTREMOTE<03> is in conflict' '$(ns_dir h4)/netsendd.log'"
ns_samba_stop h6
check "h4's refresh puts NSTREMOTE<03> back in WINS as h4 alone (bounded: $((WINS_TTL / 2 + 5)) s)" \
  ns_wait $((WINS_TTL / 2 + 5)) in_wins 'NSTREMOTE#03' "$A4"

# ---- SIGTERM releases at once
step "SIGTERM h4's netsendd: its names leave WINS at once"
ns_netsendd_stop h4
check "NSTREMOTE<03> gone from WINS (bounded: 3 s)" ns_wait 3 not_in_wins 'NSTREMOTE#03'
check "NSTREMOTE<00> gone from WINS" not_in_wins 'NSTREMOTE#00'
ns_netsendd_stop h3

# ---- the capture
step "capture"
ns_capture_stop br
check "tshark: subnet A's capture decodes without malformed or error expert info" \
  ns_tshark_check "$PCAP" 20
nbns() { tshark -r "$PCAP" -Y "$1" -T fields -e frame.number 2>/dev/null | wc -l; }
check "capture: unicast registrations from h4 to WINS (opcode 5, RD, not broadcast)" \
  test "$(nbns "ip.src == $A4 && ip.dst == $A1 && nbns.flags.opcode == 5 && nbns.flags.response == 0 && nbns.flags.recdesired == 1 && nbns.flags.broadcast == 0")" -ge 3
check "capture: refreshes (opcode 8) from h2 and h4" \
  eval "[ \"\$(nbns 'ip.src == $A2 && nbns.flags.opcode == 8')\" -ge 2 ] && [ \"\$(nbns 'ip.src == $A4 && nbns.flags.opcode == 8')\" -ge 2 ]"
check "capture: WINS granted the group $WG<00> to h4" \
  test "$(nbns "ip.dst == $A4 && nbns.flags.response == 1 && nbns.flags.opcode == 5 && nbns.flags.rcode == 0 && nbns.name contains \"$WG\"")" -ge 1
check "capture: WINS granted h4's refreshes" \
  test "$(nbns "ip.src == $A1 && ip.dst == $A4 && nbns.flags.response == 1 && nbns.flags.opcode == 5 && nbns.flags.rcode == 0")" -ge 5
check "capture: WINS refused PEERC (ACT_ERR) after a WACK" \
  eval "[ \"\$(nbns 'ip.dst == $A4 && nbns.flags.opcode == 7')\" -ge 1 ] && [ \"\$(nbns 'ip.dst == $A4 && nbns.flags.rcode == 6')\" -ge 1 ]"
check "capture: WINS asked h4 about NSTREMOTE<03> and h4 confirmed (the challenge)" \
  eval "[ \"\$(nbns 'ip.src == $A1 && ip.dst == $A4 && nbns.flags.response == 0 && nbns.flags.opcode == 0 && nbns.name contains \"NSTREMOTE\"')\" -ge 1 ] && [ \"\$(nbns 'ip.src == $A4 && ip.dst == $A1 && nbns.flags.response == 1 && nbns.flags.opcode == 0 && nbns.flags.rcode == 0 && nbns.name contains \"NSTREMOTE\"')\" -ge 1 ]"
check "capture: unicast releases from h4 to WINS" \
  test "$(nbns "ip.src == $A4 && ip.dst == $A1 && nbns.flags.opcode == 6")" -ge 4
check "capture: h2 (H-node, WINS answering) never broadcast a registration" \
  test "$(nbns "ip.src == $A2 && nbns.flags.broadcast == 1 && nbns.flags.opcode == 5")" = 0
check "capture: h3's netsendd (B-node) never talked to WINS" test "$(nbns "ip.src == $A3 && ip.dst == $A1 && udp.srcport == 137")" = 0

ns_checks_end
