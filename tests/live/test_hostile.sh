#!/usr/bin/env bash
# tests/live/test_hostile.sh BUILD_DIR — the engine against tests/live/hostile_server.py, a
# Coinbase-protocol server that misbehaves one way per run (a 64 MiB frame, fragments, binary
# frames, ping floods, a close mid-frame, a flood, sequence numbers going back, refused
# subscriptions, a stall). For each: volt survives (exit 0), its counts balance (read = accepted +
# rejected), it counts and logs what it saw, reconnects within its backoff bound when the
# connection goes, and its peak resident memory stays under a bound. Every wait is for a fact.
set -u
B=${1:?usage: test_hostile.sh BUILD_DIR}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/lib.sh" hostile
VOLT=$B/engine/volt
# the memory bound: a release build holds well under 100 MiB here; sanitizer builds carry their
# shadow memory and quarantine, so theirs is the bound times four
BOUND_MIB=${VOLT_HOSTILE_RSS_MIB:-160}
case "$B" in *asan*|*tsan*) BOUND_MIB=$((BOUND_MIB * 4)) ;; esac

num() { grep -E "^ +$1 " "$2" | head -1 | sed -E "s/^ +$1 +([0-9.]+).*/\1/"; }

start_hs() { # SCENARIO: the server, URL set when it is ready
  python3 "$SRC/tests/live/hostile_server.py" "$1" > "$T/hs.out" 2> "$T/hs.err" &
  HSPID=$!
  URL=""
  for _ in $(seq 600); do
    URL=$(sed -n 's/^ready //p' "$T/hs.out")
    [ -n "$URL" ] && break
    kill -0 $HSPID 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$URL" ] || { check "$1: the hostile server is ready" 1 "$(cat "$T/hs.err")"; return 1; }
}
stop_hs() { kill -TERM $HSPID 2>/dev/null; wait $HSPID 2>/dev/null; }

run() { # SCENARIO SECONDS [volt args...]: volt live against the scenario; the log in $T/SCENARIO.log
  local sc=$1 secs=$2; shift 2
  start_hs "$sc" || return 1
  timeout $((secs + 60)) "$VOLT" live --url "$URL" --pair BTC-USD --seconds "$secs" --metrics off \
    --watchdog-seconds 1 --backoff-min 0.05 --backoff-max 0.5 --max-notices 3 "$@" > "$T/$sc.log" 2>&1
  RC=$?
  stop_hs
  cat "$T/hs.err" >> "$T/$sc.log"
}

common() { # SCENARIO: exit 0, read = accepted + rejected, memory under the bound
  local sc=$1 f=$T/$1.log
  local read acc rej mem
  read=$(num "messages read" "$f"); acc=$(num accepted "$f"); rej=$(num rejected "$f")
  mem=$(num "peak memory" "$f")
  local ok=1
  [ "$RC" = 0 ] && [ -n "$read" ] && [ "$read" = $((acc + rej)) ] && ok=0
  check "$sc: exit 0, read $read = accepted $acc + rejected $rej" $ok "exit $RC; $(tail -25 "$f")"
  awk -v m="${mem:-99999}" -v b="$BOUND_MIB" 'BEGIN{exit !(m < b)}'
  check "$sc: peak memory ${mem:-?} MiB < $BOUND_MIB MiB" $? "$(tail -5 "$f")"
}

run huge 6
common huge
ok=1; [ "$(num "frames" "$T/huge.log" >/dev/null; grep -c 'too large 1,' "$T/huge.log")" = 1 ] &&
  grep -q "rejected (too_large)" "$T/huge.log" && [ "$(num connections "$T/huge.log")" = 1 ] &&
  [ "$(num accepted "$T/huge.log")" -ge 100 ] && ok=0
check "huge: the 64 MiB frame read off the wire as too_large (logged), the connection kept, tickers after it accepted" $ok "$(grep -E 'frames|connections|accepted|too_large' "$T/huge.log")"

run fragments 4
common fragments
ok=1; [ "$(num rejected "$T/fragments.log")" = 0 ] && [ "$(num "sequence gaps" "$T/fragments.log")" = 0 ] &&
  [ "$(num accepted "$T/fragments.log")" -ge 100 ] && [ "$(num connections "$T/fragments.log")" = 1 ] && ok=0
check "fragments: every ticker reassembled from 1..16-byte fragments (pings between them): none rejected, no gap" $ok "$(tail -30 "$T/fragments.log")"

run binary 4
common binary
rej=$(num rejected "$T/binary.log"); acc=$(num accepted "$T/binary.log")
ok=1; [ "${rej:-0}" -ge 50 ] && [ "${acc:-0}" -ge 50 ] && grep -qE "rejected \((not_object|malformed)\)" "$T/binary.log" && ok=0
check "binary: the binary frames rejected and logged ($rej), the text ones accepted ($acc)" $ok "$(tail -30 "$T/binary.log")"

run pings 4
common pings
ok=1; [ "$(num accepted "$T/pings.log")" -ge 50 ] && [ "$(num connections "$T/pings.log")" = 1 ] &&
  [ "$(num "watchdog reconnects" "$T/pings.log")" = 0 ] && ok=0
check "pings: 2 000 pings before each ticker answered, the tickers accepted, the connection kept" $ok "$(tail -30 "$T/pings.log")"

run midclose 4
common midclose
conns=$(num connections "$T/midclose.log")
rt=$(grep "reconnect time" "$T/midclose.log" | sed -E 's/.*last ([0-9.]+) ms.*/\1/')
ok=1; [ "${conns:-0}" -ge 2 ] && awk -v r="${rt:-99999}" 'BEGIN{exit !(r < 1000)}' &&
  grep -q "connection to .* lost; reconnecting" "$T/midclose.log" && ok=0
check "midclose: a close mid-frame is a lost connection, logged, reconnected in ${rt:-?} ms (backoff max 0.5 s)" $ok "$(tail -30 "$T/midclose.log")"

# the limit well under what even a sanitizer build reads on a loaded machine (about 25 000/s in the
# TSan build under stress-ng), so the flood always arrives faster than the limit
FLOOD_RATE=5000
run flood 4 --max-rate $FLOOD_RATE
common flood
lim=$(grep -E "^ +frames " "$T/flood.log" | sed -E 's/.*over the rate limit ([0-9]+).*/\1/')
read=$(num "messages read" "$T/flood.log")
ok=1; [ "${lim:-0}" -gt 0 ] && [ "$(grep -c 'sends more than --max-rate' "$T/flood.log")" = 1 ] &&
  awk -v r="${read:-0}" -v m=$FLOOD_RATE 'BEGIN{exit !(r >= 2 * m && r <= 4 * m + m + 2000)}' && ok=0
check "flood at socket speed with --max-rate $FLOOD_RATE: $read read (at most the rate and a second's burst), $lim over the limit dropped, said once" $ok "$(tail -30 "$T/flood.log")"

run backwards 3
common backwards
dups=$(num "dropped duplicates" "$T/backwards.log"); gaps=$(num "sequence gaps" "$T/backwards.log")
ok=1; [ "${dups:-0}" -ge 10 ] && [ "${gaps:-0}" -ge 5 ] && grep -q "duplicate message" "$T/backwards.log" &&
  grep -q "sequence gap" "$T/backwards.log" && ok=0
check "backwards: numbers seen again dropped as duplicates ($dups) and skips counted as gaps ($gaps), both logged" $ok "$(tail -30 "$T/backwards.log")"

run refuse 4
common refuse
fe=$(num "feed error messages" "$T/refuse.log"); att=$(grep -E "^ +connections" "$T/refuse.log" | sed -E 's/.*attempts ([0-9]+).*/\1/')
ok=1; [ "${fe:-0}" -ge 2 ] && grep -q "the feed sent an error message" "$T/refuse.log" &&
  [ "$(num "watchdog reconnects" "$T/refuse.log")" -ge 2 ] && [ "${att:-99}" -le 20 ] && ok=0
check "refuse: each refusal counted ($fe) and logged; the watchdog retries within the backoff ($att attempts in 4 s)" $ok "$(tail -30 "$T/refuse.log")"

run stall 4
common stall
ok=1; [ "$(num "watchdog reconnects" "$T/stall.log")" -ge 1 ] && [ "$(num connections "$T/stall.log")" -ge 2 ] &&
  grep -q "no data from" "$T/stall.log" && ok=0
check "stall: no frame, no heartbeat: the watchdog fires, logs and reconnects" $ok "$(tail -30 "$T/stall.log")"
finish
