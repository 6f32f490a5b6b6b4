#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Durability of the inbox under kill -9 (issue 4: "an acknowledged message
# is never lost, also on kill -9"). Two writer processes insert into one
# store, each printing a line per message only after its batch committed;
# both are killed with SIGKILL at a random moment; then every acknowledged
# message must be in the store, which must pass its integrity check. The
# store is reopened (WAL recovery) for the next round.
#
# What this does not test: power loss. A process kill keeps the page
# cache; surviving power loss rests on synchronous=FULL (fsync of the WAL
# at every commit), see daemon/store.c.
#
# Bounded: ROUNDS rounds of at most ~1.5 s each. No network, no root.

set -euo pipefail

ROUNDS=${STORE_KILL9_ROUNDS:-8}
TOOL=${NETSEND_BUILD_ROOT:-}/tests/integration/store-tool
if [ ! -x "$TOOL" ]; then
  echo "SKIP: store-tool not built ($TOOL)"
  exit 77
fi

WORK=$(mktemp -d /tmp/store-kill9.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do
    kill -9 "$p" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

DB=$WORK/inbox.db
ACKS=$WORK/acks
: >"$ACKS"

for round in $(seq 1 "$ROUNDS"); do
  PIDS=()
  for w in a b; do
    # COUNT is far more than fits in the time before the kill.
    "$TOOL" write "$DB" 1000000 $(( (RANDOM % 8) + 1 )) "r${round}$w" >"$WORK/acks.$round.$w" 2>"$WORK/err.$round.$w" &
    PIDS+=($!)
  done
  # Between 0.2 and 1.2 s: lands at a random point of a commit.
  sleep "0.$(( (RANDOM % 10) + 2 ))"
  if [ $(( RANDOM % 5 )) -eq 0 ]; then sleep 0.$(( RANDOM % 10 )); fi
  for p in "${PIDS[@]}"; do
    kill -9 "$p" 2>/dev/null || true
  done
  for p in "${PIDS[@]}"; do
    wait "$p" 2>/dev/null || true
  done
  PIDS=()
  for w in a b; do
    if [ -s "$WORK/err.$round.$w" ]; then
      echo "writer $round$w failed:"; cat "$WORK/err.$round.$w"; exit 1
    fi
    # Keep only complete lines: a line cut by the kill was not acknowledged.
    f=$WORK/acks.$round.$w
    if [ -s "$f" ] && [ -n "$(tail -c1 "$f")" ]; then
      head -n -1 "$f" >"$f.complete"
    else
      cp "$f" "$f.complete"
    fi
    grep -E '^[0-9]+ [a-z0-9]+ [0-9]+$' "$f.complete" >>"$ACKS" || true
  done
  printf 'round %d: ' "$round"
  "$TOOL" check "$DB" "$ACKS"
done

total=$(wc -l <"$ACKS")
if [ "$total" -lt 100 ]; then
  echo "FAIL: only $total messages acknowledged; the test exercised too little"
  exit 1
fi
echo "PASS: $total acknowledged messages over $ROUNDS kill -9 rounds, none lost"
