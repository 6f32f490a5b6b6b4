#!/usr/bin/env bash
# harness-selftest: proves tests/integration/lib/netns.sh against real Samba.
# As root: 3 hosts; Samba PEERA in h1; from h2 a broadcast name query finds
# PEERA<03> (nmbd's double answer de-duplicated), node status lists the names,
# an unknown name gets nothing, smbclient -M delivers "hello" (by IP and by
# broadcast name resolution) with sender and recipient in the message file, a
# send to a host without smbd is detected as failed, a host behind a router
# (second subnet) reaches smbd but not the broadcast name service, the capture
# passes the tshark check (and the check rejects a malformed packet); then teardown leaves no namespace and no process,
# and the root namespace never got a link. Exit 77 (skip) when not root.
set -u -o pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/netns.sh"

ns_require_root nmbd smbd nmblookup smbclient testparm dumpcap tshark

check() { # DESCRIPTION CMD...: fail the test unless CMD succeeds
  local what=$1; shift
  "$@" || ns_fail "$what"
  ns_log "ok: $what"
}

root_links_before=$(ip -o link show | awk -F': ' '{print $2}' | sort | tr '\n' ' ')
root_routes_before=$(ip route show table all | sort | md5sum)

step "LAN of 3 hosts"
ns_lan_up 3
check "h1/h2/h3 have their addresses" \
  test "$(ns_exec h2 ip -4 -o addr show dev veth0 | awk '{print $4}')" = "$(ns_addr h2)/24"
check "root namespace got no link" \
  test "$(ip -o link show | awk -F': ' '{print $2}' | sort | tr '\n' ' ')" = "$root_links_before"
check "root namespace got no route" test "$(ip route show table all | sort | md5sum)" = "$root_routes_before"
check "IPv6 is off in the hosts" \
  test "$(ns_exec h1 sysctl -n net.ipv6.conf.veth0.disable_ipv6 2>/dev/null || echo 1)" = 1

pcap="$NS_STATE/selftest.pcap"
ns_capture_start h2 "$pcap" || ns_fail "capture did not start"

step "Samba PEERA on h1"
ns_samba_start h1 PEERA || ns_fail "samba did not start"
ns_samba_wait_name h2 'PEERA#03' 15 || ns_fail "PEERA<03> never answered a broadcast query"

step "name service"
answers=$(ns_nmb_query h2 'PEERA#03')
check "broadcast query finds PEERA<03> at h1, once" test "$answers" = "$(ns_addr h1)"
names=$(ns_node_status h2 "$(ns_addr h1)")
for n in 'PEERA<00>' 'PEERA<03>' 'PEERA<20>' "$NS_WORKGROUP<00>"; do
  check "node status lists $n" grep -qxF "$n" <<<"$names"
done
check "an unknown name gets no answer" test -z "$(ns_nmb_query h2 'NOSUCHNAME#03')"

step "messages"
check "smbclient -M -I delivers" ns_smbclient_send h2 PEERA hello -I "$(ns_addr h1)"
check "smbclient -M by broadcast name resolution delivers" \
  ns_smbclient_send h3 PEERA 'second line' -U WHO
check "both hooks ran" ns_samba_wait_messages h1 2 10
msgs=$(ns_samba_messages h1)
check "message file has hello from H2 to PEERA" \
  grep -qE "^=== t=[0-9.]+ from=H2 to=PEERA ip=$(ns_addr h2) bytes=5\$" <<<"$msgs"
check "message file has the text" grep -qx hello <<<"$msgs"
check "message file has the second message from WHO" grep -qE "^=== .* from=WHO to=PEERA ip=$(ns_addr h3) " <<<"$msgs"
if ns_smbclient_send h2 NOBODY x -I "$(ns_addr h3)"; then ns_fail "send to a host without smbd reported success"; fi
check "failed send detected from smbclient's output" grep -q NT_STATUS <<<"$NS_SMBCLIENT_OUT"

step "routed subnet"
ns_add_router 1 || ns_fail "router topology did not come up"
check "h4 is on subnet 2" test "$(ns_addr h4)" = "$(ns_subnet 2).4"
check "routers do not forward broadcasts: h4 cannot resolve PEERA" test -z "$(ns_nmb_query h4 'PEERA#03')"
check "h4 reaches PEERA's smbd through the router" ns_smbclient_send h4 PEERA routed -I "$(ns_addr h1)"
check "routed message delivered" ns_samba_wait_messages h1 3 10

step "capture"
ns_capture_stop h2
check "capture passes the tshark check" ns_tshark_check "$pcap" 10
check "capture has the SMBsendstrt" test -n "$(tshark -r "$pcap" -Y 'smb.cmd == 0xd5' 2>/dev/null)"
# nmbd answers each broadcast query twice (0.0.0.0:137 and bcast:137 sockets)
dups=$(tshark -r "$pcap" -Y 'nbns.flags.response == 1 && nbns.count.answers > 0' \
  -T fields -e nbns.id 2>/dev/null | sort | uniq -c | awk '$1 >= 2' | wc -l)
check "nmbd's double answers are on the wire ($dups ids) and were de-duplicated" test "$dups" -ge 1

# the check must also catch what it is for: an NBNS query whose name is cut
# short (QDCOUNT 1, a 32-byte label with 10 bytes present) is malformed
bad="$NS_STATE/malformed.pcap"
/usr/bin/python3 - "$bad" <<'PY'
import struct, sys
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
nbns = struct.pack('!6H', 0x1234, 0x0110, 1, 0, 0, 0) + b'\x20' + b'EB' * 5
udp = struct.pack('!4H', 137, 137, 8 + len(nbns), 0) + nbns
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                 bytes([10, 1, 1, 2]), bytes([10, 1, 1, 255]))
ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
frame = b'\xff' * 6 + b'\x02\x00\x00\x00\x00\x02\x08\x00' + ip + udp
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    f.write(struct.pack('<4I', 1700000000, 0, len(frame), len(frame)) + frame)
PY
if ns_tshark_check "$bad" 1 2>/dev/null; then ns_fail "tshark check passed a malformed NBNS packet"; fi
ns_log "ok: tshark check rejects a malformed NBNS packet"

step "teardown"
# every process now inside our namespaces, as PID:STARTTIME (PID reuse)
procs=$(ns_procs)
check "Samba processes were running in the namespaces" test -n "$procs"
pfx=$NS_PFX
ns_down
check "no namespace of this run is left" test -z "$(ip netns list | grep "^$pfx" || true)"
for pp in $procs; do
  ns_proc_alive "$pp" && ns_fail "process ${pp%%:*} ($(cat "/proc/${pp%%:*}/comm" 2>/dev/null)) survived teardown"
done
ns_log "ok: none of the $(wc -w <<<"$procs") processes survived"
check "root namespace links unchanged" \
  test "$(ip -o link show | awk -F': ' '{print $2}' | sort | tr '\n' ' ')" = "$root_links_before"
ns_log "harness self-test passed"
