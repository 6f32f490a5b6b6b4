# shellcheck shell=bash
# netns.sh — isolated LANs of network namespaces with real Samba peers, for the
# netsend integration tests and benchmarks. Source it from a bash script:
#
#   . "$NETSEND_SOURCE_ROOT/tests/integration/lib/netns.sh"
#   ns_require_root nmbd smbd smbclient nmblookup   # exit 77 (skip) with a reason
#   ns_lan_up 3                                      # nst-<pid>-br + h1..h3
#   ns_samba_start h1 PEERA
#   ns_samba_wait_name h2 'PEERA#03'
#   ns_smbclient_send h2 PEERA hello -I "$(ns_addr h1)"
#
# Network rule: every link, address and route lives inside namespaces made
# here; the root namespace gets nothing. The veth pairs are created INSIDE the
# host namespace with the peer end moved straight into the bridge namespace.
# Every process started here runs inside one of our namespaces, is recorded by
# PID and is killed by PID in ns_cleanup (installed as the EXIT trap), which
# then deletes every namespace of this run. Every wait is bounded.
#
# Host names: h1..hN (subnet 1, 10.B.1.I/24), more hosts from ns_add_router or
# ns_add_host 2 on subnet 2 (10.B.2.I/24); "br"/"br2" are the bridge
# namespaces (capture there to see a whole subnet), "rt" the router.
#
# Environment knobs: NS_NET_BASE ("10.B", default derived from the PID),
# NS_KEEP_STATE=1 (keep the state dir), NS_CAPTURE_DRAIN (s, default 1.5),
# NS_WAIT_SECS (default bound of the waits, 20), NS_VERBOSE=1.

[ -n "${NS_LIB_LOADED:-}" ] && return 0
NS_LIB_LOADED=1

NS_PFX=${NS_PFX:-"nst-$$-"}
NS_NET_BASE=${NS_NET_BASE:-"10.$(( 64 + $$ % 128 ))"}
NS_STATE=""
NS_IF=veth0
NS_WORKGROUP=${NS_WORKGROUP:-NSTLAN}
NS_WAIT_SECS=${NS_WAIT_SECS:-20}
NS_T0=$(date +%s%N)
NS_CLEANED=0
NS_SMBCLIENT_OUT=""
NS_LAST_PID=""
# nmbd, smbd, sysctl live in sbin, which a non-login PATH may lack
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac

# ---------------------------------------------------------------- basics

ns_log() {
  local now; now=$(date +%s%N)
  printf '[netns %6.2fs] %s\n' "$(( (now - NS_T0) / 10000000 ))e-2" "$*" >&2
}
ns_debug() { [ "${NS_VERBOSE:-0}" = 1 ] && ns_log "$@"; return 0; }
ns_fail() { ns_log "FAIL: $*"; exit 1; }
ns_skip() { echo "SKIP: $*" >&2; exit 77; }

# ns_require_root [TOOL...]: skip (77) unless we are root, ip netns works
# (really: a probe namespace can be created) and every TOOL is on PATH.
ns_require_root() {
  [ "$(id -u)" -eq 0 ] || ns_skip "needs root (network namespaces)"
  command -v ip >/dev/null || ns_skip "iproute2 'ip' not installed"
  ip netns list >/dev/null 2>&1 || ns_skip "'ip netns' unavailable"
  local t probe="${NS_PFX}probe"
  for t in sysctl timeout ss flock bridge "$@"; do
    command -v "$t" >/dev/null 2>&1 || ns_skip "required tool '$t' not installed"
  done
  ip netns add "$probe" 2>/dev/null || ns_skip "cannot create a network namespace (no CAP_SYS_ADMIN?)"
  ip netns del "$probe"
}

# ns_wait SECS CMD...: poll CMD every 0.05 s until it succeeds; 1 on timeout.
# SECS is a whole number.
ns_wait() {
  local secs=$1 end; shift
  end=$(( $(date +%s%N) + secs * 1000000000 ))
  while :; do
    "$@" && return 0
    [ "$(date +%s%N)" -lt "$end" ] || return 1
    sleep 0.05
  done
}

# ------------------------------------------------------ state and tracking

# ns_init: state dir + traps; called by ns_lan_up, idempotent. EXIT runs the
# cleanup; INT/TERM/HUP turn into an exit so the EXIT trap fires exactly once.
ns_init() {
  [ -n "$NS_STATE" ] && return 0
  local p=$NS_PFX
  # a leftover namespace of a dead run with our PID: pick another prefix
  # (here-strings, not "| grep -q": with pipefail an early grep exit can fail the pipe)
  if grep -q "^$p" <<<"$(ip netns list 2>/dev/null)"; then NS_PFX="${p}r$RANDOM-"; fi
  NS_STATE=$(mktemp -d "${TMPDIR:-/tmp}/${NS_PFX}XXXXXX")
  # smbd runs the message command as the guest user: the tree must be traversable
  chmod 755 "$NS_STATE"
  : > "$NS_STATE/procs"; : > "$NS_STATE/nslist"; : > "$NS_STATE/hosts"
  trap ns_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  ns_debug "state $NS_STATE prefix $NS_PFX net $NS_NET_BASE.0.0/16"
}

# ns_track PID LABEL NSNAME: remember a process we started (inside NSNAME).
ns_track() { echo "$1 $3 $2" >> "$NS_STATE/procs"; }

# ns_bg HOST LABEL CMD...: start CMD in HOST's namespace in the background,
# stdout+stderr to $(ns_dir HOST)/LABEL.log; its PID goes to NS_LAST_PID.
# `ip netns exec` execs CMD in the same process, so $! is CMD's own PID.
ns_bg() {
  local h=$1 label=$2 ns; shift 2
  ns=$(ns_name "$h") || return 1
  ip netns exec "$ns" "$@" </dev/null >>"$(ns_dir "$h")/$label.log" 2>&1 &
  NS_LAST_PID=$!
  ns_track "$NS_LAST_PID" "$label" "$ns"
  ns_debug "started $label pid $NS_LAST_PID in $ns: $*"
}

ns__pid_in_ns() { # PID NSNAME: true when PID is alive and still inside NSNAME
  [ -d "/proc/$1" ] || return 1
  [ "$(ip netns identify "$1" 2>/dev/null)" = "$2" ]
}

# ns_kill PID NSNAME [SECS]: TERM, wait (bounded), then KILL. Only a process
# still inside our namespace is signalled, so a recycled PID is never hit.
ns_kill() {
  local pid=$1 ns=$2 secs=${3:-5}
  ns__pid_in_ns "$pid" "$ns" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  ns_wait "$secs" eval "! ns__pid_in_ns $pid $ns" && return 0
  ns_log "pid $pid ignored SIGTERM for ${secs}s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  ns_wait 2 eval "! ns__pid_in_ns $pid $ns" || true
}

ns_proc_alive() { # "PID:STARTTIME" -> true while that very process runs
  local want=${1#*:} st
  st=$(sed 's/^.*) //' "/proc/${1%%:*}/stat" 2>/dev/null) || return 1
  # shellcheck disable=SC2086
  set -- $st   # after "pid (comm) ": state is $1, starttime (field 22) is $20
  case "$1" in Z|X) return 1 ;; esac
  [ "${20}" = "$want" ]
}

# ns_procs: "PID:STARTTIME" of every process inside this run's namespaces.
ns_procs() {
  local ns p st
  while read -r ns; do
    [ -n "$ns" ] || continue
    for p in $(ip netns pids "$ns" 2>/dev/null); do
      st=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
      # shellcheck disable=SC2086
      set -- $st
      case "$1" in Z|X) continue ;; esac
      echo "$p:${20}"
    done
  done < "$NS_STATE/nslist"
}

ns__all_gone() { local x; for x in "$@"; do ns_proc_alive "$x" && return 1; done; return 0; }

# ns_cleanup: stop captures, SIGTERM every recorded PID (newest first, each
# given a moment to exit gracefully), then everything they forked inside our
# namespaces; wait until all of them are really gone (SIGKILL after 5 s),
# then delete every namespace of this run. Idempotent; keeps the exit status.
ns_cleanup() {
  local rc=$? pid ns label snap x
  [ "$NS_CLEANED" = 1 ] && return "$rc"
  NS_CLEANED=1
  [ -n "$NS_STATE" ] && [ -d "$NS_STATE" ] || return "$rc"
  if [ -s "$NS_STATE/captures" ]; then NS_CAPTURE_DRAIN=0 ns_capture_stop all 2>/dev/null || true; fi
  snap=$(ns_procs)
  while read -r pid ns label; do
    [ -n "$pid" ] && ns_kill "$pid" "$ns" 3
  done < <(tac "$NS_STATE/procs")
  for x in $snap; do ns_proc_alive "$x" && kill -TERM "${x%%:*}" 2>/dev/null; done
  # shellcheck disable=SC2086
  if ! ns_wait 5 ns__all_gone $snap; then
    for x in $snap; do ns_proc_alive "$x" && { ns_log "SIGKILL ${x%%:*}"; kill -KILL "${x%%:*}" 2>/dev/null; }; done
    ns_wait 2 ns__all_gone $snap || ns_log "processes still alive: $snap"
  fi
  while read -r ns; do
    [ -n "$ns" ] || continue
    ip netns del "$ns" 2>/dev/null || ns_log "could not delete namespace $ns"
  done < <(tac "$NS_STATE/nslist")
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then ns__dump_logs; fi
  if [ "${NS_KEEP_STATE:-0}" = 1 ]; then ns_log "state kept in $NS_STATE"
  else rm -rf "$NS_STATE"; fi
  return "$rc"
}

ns__dump_logs() { # on failure: the tail of every log we have, for the test log
  local f
  for f in $(find "$NS_STATE" -name '*.log' -o -name 'log.nmbd' -o -name 'log.smbd' 2>/dev/null | sort); do
    [ -s "$f" ] || continue
    echo "----- ${f#"$NS_STATE"/} (last 15 lines)" >&2
    tail -n 15 "$f" >&2
  done
}

# ns_down: explicit teardown at the end of a test (status 0, logs not dumped).
ns_down() { true; ns_cleanup; }

# -------------------------------------------------------------- checks
# A test counts its failed checks and goes on, so that one run reports
# every failure: check DESCRIPTION CMD... logs "ok: ..." or "FAIL: ..."
# (FAILS counts the failures); fail/ok log one line; step a heading;
# ns_checks_end exits 1 if any check failed, else tears down (status 0).
FAILS=0
fail() { ns_log "FAIL: $*"; FAILS=$((FAILS + 1)); }
ok() { ns_log "ok: $*"; }
step() { ns_log "--- $*"; }
check() {
  local what=$1; shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}
ns_checks_end() {
  if [ "$FAILS" -ne 0 ]; then
    ns_log "$FAILS check(s) failed"
    exit 1
  fi
  ns_log "all checks passed"
  ns_down
}

# ------------------------------------------------------------ topology

ns_name() { # HOST -> namespace name
  case "$1" in
    br|br1) echo "${NS_PFX}br" ;;
    br2) echo "${NS_PFX}br2" ;;
    rt) echo "${NS_PFX}rt" ;;
    h[0-9]*) echo "${NS_PFX}$1" ;;
    [0-9]*) echo "${NS_PFX}h$1" ;;
    *) ns_log "unknown host '$1'"; return 1 ;;
  esac
}
ns__host() { case "$1" in [0-9]*) echo "h$1" ;; *) echo "$1" ;; esac; }
ns_dir() { echo "$NS_STATE/$(ns__host "$1")"; }           # per-host state dir
ns_addr() { cat "$(ns_dir "$1")/ip"; }                     # HOST -> IPv4
ns_bcast() { cat "$(ns_dir "${1:-h1}")/bcast"; }           # subnet broadcast of HOST
ns_hosts() { cat "$NS_STATE/hosts"; }                      # h1 h2 ... one per line
ns_subnet() { echo "$NS_NET_BASE.$1"; }                    # 1 -> 10.B.1
ns_exec() { local ns; ns=$(ns_name "$1") || return 1; shift; ip netns exec "$ns" "$@"; }

ns__mkns() { # NSNAME: new namespace, lo up, IPv6 off (no DAD/MLD noise)
  ip netns add "$1" || return 1
  echo "$1" >> "$NS_STATE/nslist"
  ip netns exec "$1" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1 || true
  ip -n "$1" link set lo up
}

ns__bridge_up() { # SUBNET: bridge namespace br/br2 with br0
  local s=$1 host=br ns
  [ "$s" = 2 ] && host=br2
  ns=$(ns_name "$host")
  [ -e "/run/netns/$ns" ] && return 0
  ns__mkns "$ns" || return 1
  mkdir -p "$NS_STATE/$host"
  ip -n "$ns" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0 || return 1
  ip -n "$ns" link set br0 up
}

# ns__link NSNAME IFNAME SUBNET PORTNAME IP: veth created INSIDE NSNAME, the
# peer moved into the subnet's bridge namespace as PORTNAME.
ns__link() {
  local ns=$1 ifn=$2 s=$3 port=$4 ip=$5 brns mac
  brns=$(ns_name "$([ "$s" = 2 ] && echo br2 || echo br)")
  mac=$(printf '02:4e:53:%02x:00:%02x' "$s" "${ip##*.}")
  ip -n "$ns" link add "$ifn" address "$mac" type veth peer name "$port" netns "$brns" || return 1
  ip -n "$brns" link set "$port" master br0 up || return 1
  ip -n "$ns" addr add "$ip/24" brd "$(ns_subnet "$s").255" dev "$ifn" || return 1
  ip -n "$ns" link set "$ifn" up
}

ns__link_ready() { # NSNAME IFNAME BRNS PORT
  grep -q ' UP ' <<<"$(ip -n "$1" -br link show "$2" 2>/dev/null)" &&
    grep -q 'state forwarding' <<<"$(bridge -n "$3" link show dev "$4" 2>/dev/null)"
}

# ns_add_host [SUBNET]: one more host (next index) on subnet 1 or 2; prints it.
ns_add_host() {
  local s=${1:-1} i h ns d brns
  # state lives in files, but NS_STATE and the traps must be set in the main
  # shell, not in a $(...) subshell
  [ -n "$NS_STATE" ] || { ns_log "ns_add_host: call ns_init or ns_lan_up first"; return 1; }
  ns__bridge_up "$s" || return 1
  i=$(( $(wc -l < "$NS_STATE/hosts") + 1 ))
  [ "$i" -le 250 ] || { ns_log "too many hosts"; return 1; }
  h="h$i"; ns=$(ns_name "$h"); d="$NS_STATE/$h"
  brns=$(ns_name "$([ "$s" = 2 ] && echo br2 || echo br)")
  mkdir -p "$d"; chmod 755 "$d"
  ns__mkns "$ns" || return 1
  ns__link "$ns" "$NS_IF" "$s" "$h" "$(ns_subnet "$s").$i" || return 1
  echo "$(ns_subnet "$s").$i" > "$d/ip"
  echo "$(ns_subnet "$s").255" > "$d/bcast"
  echo "$s" > "$d/subnet"
  echo "$h" >> "$NS_STATE/hosts"
  ns__client_conf "$h"
  ns_wait 5 ns__link_ready "$ns" "$NS_IF" "$brns" "$h" || { ns_log "$h: link not up in 5 s"; return 1; }
  if [ -e "/run/netns/$(ns_name rt)" ]; then
    ip -n "$ns" route add default via "$(ns_subnet "$s").254"
  fi
  echo "$h"
}

# ns_lan_up N: bridge namespace + N hosts h1..hN on subnet 1.
ns_lan_up() {
  local n=${1:?ns_lan_up N}
  ns_init
  for _ in $(seq 1 "$n"); do ns_add_host 1 >/dev/null || return 1; done
  ns_log "LAN up: $n hosts on $(ns_subnet 1).0/24 (prefix $NS_PFX)"
}

# ns_add_router [M]: subnet 2 (own bridge namespace br2) joined to subnet 1 by
# router namespace "rt" (.254 on both, ip_forward on, no NAT; broadcasts are
# not forwarded), plus M new hosts on subnet 2. Every host gets a default
# route via its subnet's router.
ns_add_router() {
  local m=${1:-1} rt h
  ns_init
  rt=$(ns_name rt)
  ns__bridge_up 1 && ns__bridge_up 2 || return 1
  ns__mkns "$rt" || return 1
  mkdir -p "$NS_STATE/rt"
  ns__link "$rt" veth0 1 rt "$(ns_subnet 1).254" || return 1
  ns__link "$rt" veth1 2 rt "$(ns_subnet 2).254" || return 1
  ip netns exec "$rt" sysctl -q -w net.ipv4.ip_forward=1 >/dev/null || return 1
  ns_wait 5 ns__link_ready "$rt" veth0 "$(ns_name br)" rt || return 1
  ns_wait 5 ns__link_ready "$rt" veth1 "$(ns_name br2)" rt || return 1
  for h in $(ns_hosts); do
    ip -n "$(ns_name "$h")" route replace default via "$(ns_subnet "$(cat "$(ns_dir "$h")/subnet")").254"
  done
  for _ in $(seq 1 "$m"); do ns_add_host 2 >/dev/null || return 1; done
  ns_log "router up: $(ns_subnet 1).0/24 <-> $(ns_subnet 2).0/24, $m host(s) on subnet 2"
}

# ns_add_link HOST SUBNET: one more interface for HOST (a multi-homed host,
# not a router: no forwarding), veth1, veth2, ... on subnet 1 or 2 with the
# address 10.B.SUBNET.I (I = the host's index, free on every subnet), its
# bridge port "hIvK"; prints the address. HOST's default route and ns_addr
# stay those of its first interface; "IFNAME ADDRESS SUBNET" of every
# interface is in $(ns_dir HOST)/links. One interface per subnet.
ns_add_link() {
  local h s=${2:?ns_add_link HOST SUBNET} d ns k addr ifn port brns
  h=$(ns__host "${1:?ns_add_link HOST SUBNET}"); d=$(ns_dir "$h")
  ns=$(ns_name "$h") || return 1
  [ -f "$d/ip" ] || { ns_log "ns_add_link: no host $h"; return 1; }
  [ -f "$d/links" ] || echo "$NS_IF $(cat "$d/ip") $(cat "$d/subnet")" > "$d/links"
  if awk -v s="$s" '$3 == s { f = 1 } END { exit !f }' "$d/links"; then
    ns_log "ns_add_link: $h already has an interface on subnet $s"; return 1
  fi
  k=$(wc -l < "$d/links"); ifn="veth$k"; port="${h}v$k"
  addr="$(ns_subnet "$s").${h#h}"
  brns=$(ns_name "$([ "$s" = 2 ] && echo br2 || echo br)")
  ns__bridge_up "$s" || return 1
  ns__link "$ns" "$ifn" "$s" "$port" "$addr" || return 1
  ns_wait 5 ns__link_ready "$ns" "$ifn" "$brns" "$port" || { ns_log "$h: $ifn not up in 5 s"; return 1; }
  echo "$ifn $addr $s" >> "$d/links"
  echo "$addr"
}

# ns_wait_listen HOST udp|tcp PORT [SECS]: until something listens there.
ns_wait_listen() {
  local h=$1 proto=$2 port=$3 secs=${4:-$NS_WAIT_SECS} opt=-Hltn
  [ "$proto" = udp ] && opt=-Hlun
  ns_wait "$secs" eval "[ -n \"\$(ns_exec $h ss $opt 'sport = :$port' 2>/dev/null)\" ]"
}

# ----------------------------------------------------------------- Samba

ns__client_conf() { # HOST: smb.conf for client tools run in HOST
  local d; d=$(ns_dir "$1")
  mkdir -p "$d/samba"/{nmbd,lock,state,cache,private}
  cat > "$d/client.conf" <<EOF
# netns.sh client config for $1: private dirs, so tools in different
# namespaces never share /run/samba or /var/lib/samba state.
[global]
   workgroup = $NS_WORKGROUP
   interfaces = $NS_IF
   bind interfaces only = yes
   disable netbios = no
   name resolve order = bcast wins host
   nmbd:socket dir = $d/samba/nmbd
   lock directory = $d/samba/lock
   state directory = $d/samba/state
   cache directory = $d/samba/cache
   private dir = $d/samba/private
   log level = 0
EOF
}

# ns_samba_conf HOST: the smb.conf client tools in HOST should use.
ns_samba_conf() {
  local d; d=$(ns_dir "$1")
  if [ -f "$d/samba/smb.conf" ]; then echo "$d/samba/smb.conf"; else echo "$d/client.conf"; fi
}

# ns_samba_tool HOST PROG ARGS...: run a Samba client tool with HOST's config.
ns_samba_tool() {
  local h=$1 prog=$2; shift 2
  ns_exec "$h" timeout "${NS_TOOL_TIMEOUT:-20}" "$prog" -s "$(ns_samba_conf "$h")" "$@"
}

ns__msg_hook() { # DIR: message command helper (runs as the guest user)
  cat > "$1/msg-hook.sh" <<'EOF'
#!/bin/sh
# smb.conf: message command = msg-hook.sh '%s' '%f' '%d' '%I' MSGFILE SMBDLOG &
# $1 temp file written by smbd (DOS->UNIX converted, CR stripped), $2 sender,
# $3 pid of the smbd child, $4 client IP, $5 messages file, $6 log.smbd.
# The recipient: Samba >= 4.12 expands %t to the DATE before msg_deliver()
# could substitute it (and sanitises '%' out of every substituted value, so it
# cannot be smuggled in). It is read back from log.smbd instead, where
# reply_sendstrt() logs "SMBsendstrt (from X to Y)" at level 3 under the
# child's pid ("debug pid = yes"); below level 3 it is "?".
f=$1
now=$(date +%s.%N)
n=$(wc -c < "$f" 2>/dev/null || echo -1)
to=$(awk -v pid="$3" '
  /^\[/ { cur = ""; if (match($0, /pid=[0-9]+/)) cur = substr($0, RSTART + 4, RLENGTH - 4) }
  /^  SMBsendstrt \(from / && cur == pid { t = $0; sub(/^.* to /, "", t); sub(/\)$/, "", t) }
  END { print (t == "" ? "?" : t) }' "$6" 2>/dev/null)
{
  flock -w 10 9
  printf '=== t=%s from=%s to=%s ip=%s bytes=%s\n' "$now" "$2" "${to:-?}" "$4" "$n" >> "$5"
  cat "$f" >> "$5"
  echo >> "$5"
} 9>>"$5.lock"
rm -f "$f"
EOF
  chmod 755 "$1/msg-hook.sh"
}

# ns__smb_conf HOST NAME WINSSUP WINSSRV LOGLEVEL EXTRA...
ns__smb_conf() {
  local h=$1 name=$2 winssup=$3 winssrv=$4 ll=$5 d s line; shift 5
  d=$(ns_dir "$h"); s="$d/samba"
  {
    cat <<EOF
# generated by netns.sh for $h ($(ns_addr "$h"))
[global]
   netbios name = $name
   workgroup = $NS_WORKGROUP
   server string = netns $h
   server role = standalone server
   interfaces = $NS_IF
   bind interfaces only = yes
   disable netbios = no
   smb ports = 445 139
   # smbd 4.17 drops SMB1 message packets unless SMB1 is enabled
   server min protocol = NT1
   # the hook must be backgrounded: smbd waits for it before answering SMBsendend
   message command = $s/msg-hook.sh '%s' '%f' '%d' '%I' '$s/messages.log' '$s/log/log.smbd' &
   lock directory = $s/lock
   state directory = $s/state
   cache directory = $s/cache
   private dir = $s/private
   pid directory = $s/pid
   ncalrpc dir = $s/ncalrpc
   usershare path = $s/usershares
   # default /run/samba/nmbd/unexpected would be shared by every namespace
   nmbd:socket dir = $s/nmbd
   logging = file
   log level = $ll
   debug hires timestamp = yes
   debug pid = yes
   max log size = 20000
   load printers = no
   printing = bsd
   printcap name = /dev/null
   disable spoolss = yes
   dns proxy = no
   map to guest = bad user
EOF
    if [ "$winssup" = yes ]; then echo "   wins support = yes"; fi
    if [ -n "$winssrv" ]; then
      printf '   wins server = %s\n   name resolve order = wins bcast host\n' "$winssrv"
    else
      echo "   name resolve order = bcast wins host"
    fi
    for line in "$@"; do echo "   $line"; done
  } > "$s/smb.conf"
}

# ns_samba_start HOST NAME [wins|wins=ADDR|nosmbd|nonmbd|loglevel=N|"key = value"...]
# loglevel defaults to 3 (needed for the recipient in messages.log, see the
# hook); benchmarks pass loglevel=1. "key = value" lines go into [global].
# nmbd and smbd in the foreground inside HOST's namespace, PIDs recorded.
# NOT --no-process-group: smbd signals its whole process group when it exits,
# which would kill the calling test script; with -F alone each daemon calls
# setsid() and so only signals its own children.
# returns when they listen on 137/udp, 138/udp and 139/tcp (names are NOT yet
# registered: use ns_samba_wait_name).
ns_samba_start() {
  local h=${1:?host} name=${2:?name} winssup=no winssrv="" nmbd=yes smbd=yes ll=3 a d s
  local extra=()
  shift 2
  name=${name^^}
  [[ "$name" =~ ^[A-Z0-9][A-Z0-9_-]{0,14}$ ]] || { ns_log "bad NetBIOS name '$name'"; return 1; }
  for a in "$@"; do
    case "$a" in
      wins) winssup=yes ;;
      wins=*) winssrv=${a#wins=} ;;
      nosmbd) smbd=no ;;
      nonmbd) nmbd=no ;;
      loglevel=*) ll=${a#loglevel=} ;;
      *=*) extra+=("$a") ;;
      *) ns_log "ns_samba_start: unknown option '$a'"; return 1 ;;
    esac
  done
  d=$(ns_dir "$h"); s="$d/samba"
  mkdir -p "$s"/{lock,state,cache,private,pid,ncalrpc,usershares,nmbd,log,tmp}
  chmod 755 "$d" "$s"; chmod 1777 "$s/tmp"
  : > "$s/messages.log"; : > "$s/messages.log.lock"
  chmod 666 "$s/messages.log" "$s/messages.log.lock"   # the hook runs as nobody
  ns__msg_hook "$s"
  ns__smb_conf "$h" "$name" "$winssup" "$winssrv" "$ll" "${extra[@]}"
  testparm -s "$s/smb.conf" >/dev/null 2>"$s/testparm.err" ||
    { cat "$s/testparm.err" >&2; ns_log "testparm rejected $s/smb.conf"; return 1; }
  echo "$name" > "$d/netbios-name"
  # TMPDIR: smbd creates the message temp file there
  local envv=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TMPDIR="$s/tmp")
  if [ "$nmbd" = yes ]; then
    date +%s%N > "$s/nmbd.start"
    ns_bg "$h" nmbd "${envv[@]}" nmbd -F -s "$s/smb.conf" -l "$s/log"
    echo "$NS_LAST_PID" > "$s/nmbd.pid"
  fi
  if [ "$smbd" = yes ]; then
    ns_bg "$h" smbd "${envv[@]}" smbd -F -s "$s/smb.conf" -l "$s/log"
    echo "$NS_LAST_PID" > "$s/smbd.pid"
  fi
  local ok=1
  if [ "$nmbd" = yes ]; then
    ns_wait_listen "$h" udp 137 10 && ns_wait_listen "$h" udp 138 10 || ok=0
  fi
  if [ "$smbd" = yes ]; then ns_wait_listen "$h" tcp 139 10 || ok=0; fi
  [ $ok = 1 ] || { tail -n 20 "$s"/log/log.* >&2 2>/dev/null; ns_log "samba did not come up on $h"; return 1; }
  ns_log "samba $name on $h ($(ns_addr "$h")) nmbd=$nmbd smbd=$smbd wins_support=$winssup wins_server=${winssrv:-none}"
}

# ns_samba_pid HOST nmbd|smbd: PID of the daemon parent we started.
ns_samba_pid() { cat "$(ns_dir "$1")/samba/$2.pid" 2>/dev/null; }

# ns_samba_stop HOST: graceful stop (nmbd sends its name releases on TERM).
ns_samba_stop() {
  local h=$1 ns p s; ns=$(ns_name "$h"); s="$(ns_dir "$h")/samba"
  for p in smbd nmbd; do
    [ -f "$s/$p.pid" ] || continue
    ns_kill "$(cat "$s/$p.pid")" "$ns" 5
    rm -f "$s/$p.pid"
  done
}

# ns_nmblookup HOST ARGS...: nmblookup from HOST; answer lines de-duplicated
# (nmbd answers every broadcast query twice: sockets on 0.0.0.0:137 and on
# the subnet broadcast address). Exit status is nmblookup's.
ns_nmblookup() {
  local h=$1 out rc; shift
  out=$(NS_TOOL_TIMEOUT=${NS_TOOL_TIMEOUT:-10} ns_samba_tool "$h" nmblookup "$@" 2>&1); rc=$?
  printf '%s\n' "$out" | awk '!seen[$0]++'
  return $rc
}

# ns_nmb_query HOST NAME#TT [bcast|IP]: addresses answering, one per line.
ns_nmb_query() {
  local h=$1 q=$2 to=${3:-bcast} n t
  n=${q%#*}; t=${q#*#}
  [ "$to" = bcast ] && to=$(ns_bcast "$h")
  ns_nmblookup "$h" -B "$to" "$q" 2>/dev/null |
    awk -v n="${n^^}" -v t="$t" 'toupper($2) == n "<" toupper(t) ">" { print $1 }' | sort -u
}

# ns_samba_wait_name HOST NAME#TT [SECS]: a broadcast query from HOST gets an
# answer. From the Samba host itself this is also a registration probe: nmbd
# answers a looped-back broadcast only once the name is registered on the
# subnet (a unicast query to its own IP is answered at once, so it is not).
ns_samba_wait_name() {
  local h=$1 q=$2 secs=${3:-$NS_WAIT_SECS}
  ns_wait "$secs" eval "[ -n \"\$(NS_TOOL_TIMEOUT=3 ns_nmb_query $h '$q')\" ]" ||
    { ns_log "$q not answerable from $h within ${secs}s"; return 1; }
}

# ns_samba_wait_wins HOST NAME#TT WINSIP [SECS]: WINS resolves the name.
ns_samba_wait_wins() {
  local h=$1 q=$2 wins=$3 secs=${4:-$NS_WAIT_SECS}
  ns_wait "$secs" eval "grep -qi '${q%#*}<${q#*#}>' <<<\"\$(NS_TOOL_TIMEOUT=3 ns_nmblookup $h -U $wins --recursion '$q')\"" ||
    { ns_log "$q not in WINS $wins within ${secs}s"; return 1; }
}

# ns_node_status HOST IP: the names table of IP (NAME<TT> per line, unique).
ns_node_status() {
  ns_nmblookup "$1" -A "$2" | awk '/<[0-9a-fA-F][0-9a-fA-F]>/ { sub(/^[ \t]+/, ""); print $1 "<" substr($0, index($0, "<") + 1, 2) ">" }' | sort -u
}

ns_samba_messages() { cat "$(ns_dir "$1")/samba/messages.log"; }
ns_samba_message_count() { grep -c '^=== t=' "$(ns_dir "$1")/samba/messages.log" 2>/dev/null || true; }

# ns_samba_wait_messages HOST COUNT [SECS]: the hook ran COUNT times (it is
# started with '&', so it can finish after smbclient exits).
ns_samba_wait_messages() {
  local h=$1 want=$2 secs=${3:-$NS_WAIT_SECS}
  ns_wait "$secs" eval "[ \"\$(ns_samba_message_count $h)\" -ge $want ]"
}

# ns_smbclient_send FROMHOST TARGET TEXT [smbclient options...]
# smbclient -M exits 0 even when the message was refused or the connection
# dropped after connecting, so success is judged from its output: any
# NT_STATUS_*, "failed", "Connection to ... failed" or "Error" is a failure.
# Default sender (-U) is the host label upper-cased. Output: NS_SMBCLIENT_OUT.
ns_smbclient_send() {
  local from=$1 target=$2 text=$3 rc; shift 3
  local args=("$@")
  [[ " $* " == *" -U "* || " $* " == *" -U"* ]] || args+=(-U "${NS_SMB_SENDER:-$(ns__host "$from" | tr a-z A-Z)}")
  NS_SMBCLIENT_OUT=$(printf '%s' "$text" | ns_samba_tool "$from" smbclient -M "$target" -N "${args[@]}" 2>&1); rc=$?
  if [ $rc -ne 0 ] || grep -qiE 'NT_STATUS_|failed|error|not sent|disabled' <<<"$NS_SMBCLIENT_OUT"; then
    ns_debug "smbclient -M $target from $from failed (rc $rc): $NS_SMBCLIENT_OUT"
    return 1
  fi
  return 0
}

# --------------------------------------------------------------- capture

# ns_capture_start HOST FILE [BPF FILTER]: dumpcap on HOST's veth0 (br0 for
# br/br2), bounded by NS_CAPTURE_MAX_SECS (300); returns once it captures.
ns_capture_start() {
  local h=$1 file=$2 filter=${3:-} dev=$NS_IF d err
  case "$h" in br|br1|br2) dev=br0 ;; rt) dev=any ;; esac
  d=$(ns_dir "$h"); mkdir -p "$d" "$(dirname "$file")"
  err="$d/dumpcap-$(basename "$file").err"
  rm -f "$file"
  local cmd=(dumpcap -q -P -i "$dev" -a "duration:${NS_CAPTURE_MAX_SECS:-300}" -w "$file")
  [ -n "$filter" ] && cmd+=(-f "$filter")
  ip netns exec "$(ns_name "$h")" "${cmd[@]}" </dev/null >/dev/null 2>"$err" &
  local pid=$!
  ns_track "$pid" dumpcap "$(ns_name "$h")"
  echo "$pid $(ns_name "$h") $file" >> "$NS_STATE/captures"
  if ! ns_wait 10 eval "grep -q 'Capturing on' '$err' 2>/dev/null || ! kill -0 $pid 2>/dev/null" ||
     ! kill -0 "$pid" 2>/dev/null; then
    cat "$err" >&2; ns_log "capture on $h did not start"; return 1
  fi
  sleep 0.2   # the socket is bound slightly after the banner
}

# ns_capture_stop [HOST|all]: stop captures (after NS_CAPTURE_DRAIN s: dumpcap
# has no immediate mode and loses the packets of a TPACKET_V3 block that has
# not timed out yet), make the files readable.
ns_capture_stop() {
  local which=${1:-all} pid ns file keep="" want
  [ -s "$NS_STATE/captures" ] || return 0
  [ "$which" = all ] || want=$(ns_name "$which")
  sleep "${NS_CAPTURE_DRAIN:-1.5}"
  while read -r pid ns file; do
    if [ "$which" != all ] && [ "$ns" != "$want" ]; then keep="$keep$pid $ns $file"$'\n'; continue; fi
    if ns__pid_in_ns "$pid" "$ns"; then
      kill -INT "$pid" 2>/dev/null
      ns_wait 5 eval "! ns__pid_in_ns $pid $ns" || ns_kill "$pid" "$ns" 2
    fi
    wait "$pid" 2>/dev/null || true
    [ -f "$file" ] && chmod a+r "$file"
  done < "$NS_STATE/captures"
  printf '%s' "$keep" > "$NS_STATE/captures"
}

# ns_tshark_check FILE [MIN_PACKETS]: fail when the capture is unreadable, has
# fewer than MIN_PACKETS (1) packets, or tshark finds any malformed packet or
# expert info of severity error.
ns_tshark_check() {
  local f=$1 min=${2:-1} n bad
  [ -s "$f" ] || { ns_log "tshark check: $f missing or empty"; return 1; }
  n=$(tshark -r "$f" -T fields -e frame.number 2>"$f.tshark.err" | wc -l)
  if grep -qiE 'cut short|appears to be damaged|corrupt' "$f.tshark.err"; then
    cat "$f.tshark.err" >&2; ns_log "tshark check: $f is damaged"; return 1
  fi
  [ "$n" -ge "$min" ] || { ns_log "tshark check: $f has $n packets (< $min)"; return 1; }
  bad=$(tshark -r "$f" -Y '_ws.malformed || _ws.expert.severity >= 0x00800000' 2>/dev/null)
  if [ -n "$bad" ]; then
    printf '%s\n' "$bad" >&2
    tshark -r "$f" -q -z expert,error 2>/dev/null >&2
    ns_log "tshark check: $f has malformed packets or expert errors"; return 1
  fi
  ns_debug "tshark check: $f ok ($n packets)"
}

# ---------------------------------------------------------------- netsend

ns_netsend_bin() { # NAME -> path of a built program, or empty
  local root=${NETSEND_BUILD_ROOT:-} p
  for p in "$root/daemon/$1" "$root/cli/$1"; do
    [ -n "$root" ] && [ -x "$p" ] && { echo "$p"; return 0; }
  done
  return 1
}

# ns_require_netsend PROG...: skip (77) unless the programs are built.
ns_require_netsend() {
  local p
  [ -n "${NETSEND_BUILD_ROOT:-}" ] || ns_skip "NETSEND_BUILD_ROOT not set (run through meson test)"
  for p in "$@"; do ns_netsend_bin "$p" >/dev/null || ns_skip "$p not built in $NETSEND_BUILD_ROOT"; done
}

# ns_netsendd_conf HOST NAME [SECTION.KEY=VALUE...]: writes HOST's
# netsendd.conf and prints its path. The defaults are what the namespace
# tests share: NAME in $NS_WORKGROUP on HOST's address, the standard ports
# (RPC off), a control socket and an inbox in HOST's state dir, the daemon
# dropping to nobody with debug logging, messages allowed from every
# subnet of the run. Each SECTION.KEY=VALUE sets a key (a new one goes to
# the end of its section); an empty VALUE drops the key.
ns_netsendd_conf() {
  local h=$1 name=$2 d kv key s out; shift 2
  d=$(ns_dir "$h")
  mkdir -p "$d/run" "$d/store"; chown nobody "$d/store"; chmod 755 "$d" "$d/run"
  local -A v=(
    [netbios.name]=$name [netbios.workgroup]=$NS_WORKGROUP [netbios.interfaces]=$(ns_addr "$h")
    [ports.name-service]=137 [ports.datagram]=138 [ports.session]=139 [ports.rpc]=0
    [control.socket]=$d/run/control [control.system-bus]=no
    [daemon.user]=nobody [daemon.log-level]=debug
    [policy.allow]=$NS_NET_BASE.0.0/16 [store.path]=$d/store/inbox.db)
  local keys=(netbios.name netbios.workgroup netbios.interfaces ports.name-service
              ports.datagram ports.session ports.rpc control.socket control.system-bus
              daemon.user daemon.log-level policy.allow store.path)
  for kv in "$@"; do
    key=${kv%%=*}
    [[ "$key" == *.* ]] || { ns_log "ns_netsendd_conf: '$kv' is not SECTION.KEY=VALUE"; return 1; }
    [ -n "${v[$key]+set}" ] || keys+=("$key")
    v[$key]=${kv#*=}
  done
  local sections=()
  for key in "${keys[@]}"; do
    s=${key%%.*}
    [[ " ${sections[*]} " == *" $s "* ]] || sections+=("$s")
  done
  out=$d/netsendd.conf
  for s in "${sections[@]}"; do
    echo "[$s]"
    for key in "${keys[@]}"; do
      [ "${key%%.*}" = "$s" ] && [ -n "${v[$key]}" ] && echo "${key#*.} = ${v[$key]}"
    done
  done > "$out"
  echo "$out"
}

ns__conf_socket() { # CONFIG -> control socket path: [control] socket = PATH
  awk '/^[[:space:]]*\[/ { g = $0; gsub(/[][[:space:]]/, "", g); next }
       g == "control" && /^[[:space:]]*socket[[:space:]]*=/ {
         v = $0; sub(/^[^=]*=[[:space:]]*/, "", v); sub(/[[:space:]]+$/, "", v); sub(/^unix:path=/, "", v); p = v }
       END { print p }' "$1"
}

# ns_netsendd_start HOST CONFIG [SOCKET]: netsendd --config CONFIG in the
# foreground inside HOST; waits (bounded) for its control socket (SOCKET,
# else $NS_NETSENDD_SOCKET, else "[control] socket =" in CONFIG; give every
# daemon its own path: the default /run/netsend/control is shared by all
# namespaces)
# and fails early if the daemon exits. PID in NS_LAST_PID and $(ns_dir)/netsendd.pid.
ns_netsendd_start() {
  local h=$1 conf=$2 sock=${3:-${NS_NETSENDD_SOCKET:-}} bin d pid
  bin=$(ns_netsend_bin netsendd) || { ns_log "netsendd not built (NETSEND_BUILD_ROOT=${NETSEND_BUILD_ROOT:-unset})"; return 1; }
  [ -n "$sock" ] || sock=$(ns__conf_socket "$conf")
  [ -n "$sock" ] || { ns_log "no control socket path (arg 3, NS_NETSENDD_SOCKET or the config)"; return 1; }
  d=$(ns_dir "$h")
  date +%s%N > "$d/netsendd.start"
  ns_bg "$h" netsendd env G_DEBUG="${G_DEBUG:-}" "$bin" --config "$conf"
  pid=$NS_LAST_PID; echo "$pid" > "$d/netsendd.pid"; echo "$sock" > "$d/netsendd.socket"
  if ! ns_wait "${NS_WAIT_SECS}" eval "[ -S '$sock' ] || ! kill -0 $pid 2>/dev/null" || ! kill -0 "$pid" 2>/dev/null; then
    tail -n 30 "$d/netsendd.log" >&2
    ns_log "netsendd on $h exited or its socket $sock did not appear"; return 1
  fi
  ns_log "netsendd on $h pid $pid socket $sock"
}

ns_netsendd_pid() { cat "$(ns_dir "$1")/netsendd.pid" 2>/dev/null; }

ns_netsendd_stop() { # HOST: SIGTERM (graceful: name releases), bounded
  local h=$1 f; f="$(ns_dir "$h")/netsendd.pid"
  [ -f "$f" ] || return 0
  ns_kill "$(cat "$f")" "$(ns_name "$h")" 5; rm -f "$f"
}

# ns_netsend_run HOST PROG ARGS...: a built CLI (netsend/netname/netmsg) in
# HOST with a timeout (NS_TOOL_TIMEOUT, 20 s); stdout/stderr pass through.
ns_netsend_run() {
  local h=$1 prog=$2 bin; shift 2
  bin=$(ns_netsend_bin "$prog") || { ns_log "$prog not built"; return 127; }
  ns_exec "$h" timeout "${NS_TOOL_TIMEOUT:-20}" "$bin" "$@"
}
