# shellcheck shell=bash
# loopback.sh — what the loopback integration tests share: a log line with
# the run's clock, counted failures (the test goes on and reports them all)
# and run/has/lacks over captured output in $TMP. Set LB_LABEL (the log's
# tag) and TMP before sourcing; the test decides its exit status from FAILS.

T0=$(date +%s%N)
FAILS=0
NOTES=()

log() { printf '[%s %5.1fs] %s\n' "${LB_LABEL:-test}" "$(( ($(date +%s%N) - T0) / 100000000 ))e-1" "$*" >&2; }
fail() { log "FAIL: $*"; FAILS=$((FAILS + 1)); }
note() { log "NOTE: $*"; NOTES+=("$*"); }
ok() { log "ok: $*"; }

# run WANT_RC LABEL CMD...: CMD with no input, output in $TMP/LABEL.out / .err;
# a failure unless it exits WANT_RC.
run() {
  local want=$1 label=$2 rc=0
  shift 2
  "$@" < /dev/null > "$TMP/$label.out" 2> "$TMP/$label.err" || rc=$?
  if [ "$rc" -ne "$want" ]; then
    fail "$label: exit $rc, wanted $want: $*"
    sed 's/^/    /' "$TMP/$label.out" "$TMP/$label.err" >&2
    return 1
  fi
  return 0
}
has() { # LABEL out|err REGEX
  grep -Eq -- "$3" "$TMP/$1.$2" && return 0
  fail "$1: .$2 lacks /$3/"; sed 's/^/    /' "$TMP/$1.$2" >&2; return 1
}
lacks() {
  ! grep -Eq -- "$3" "$TMP/$1.$2" && return 0
  fail "$1: .$2 has /$3/"; sed 's/^/    /' "$TMP/$1.$2" >&2; return 1
}

# wait_for SECONDS CMD...: until CMD succeeds (checked every 0.1 s)
wait_for() {
  local n=$(( $1 * 10 )) i
  shift
  for i in $(seq "$n"); do "$@" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

free_port() { # udp|tcp: a port free on 127.0.0.1 now
  python3 -c 'import socket, sys
t = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, t); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' "$1"
}

free_ports() { # N -> N ports free on 127.0.0.1 for both TCP and UDP
  python3 - "$1" <<'PYEOF'
import socket, sys
out = []
while len(out) < int(sys.argv[1]):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); out.append(p)
    except OSError:
        pass
    t.close(); u.close()
print(" ".join(map(str, out)))
PYEOF
}
