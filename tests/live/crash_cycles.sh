#!/usr/bin/env bash
# tests/live/crash_cycles.sh BUILD_DIR [CYCLES] [kafka] — kill -9 at random moments while journaling
# and writing rows (and with `kafka`, publishing to a real broker started by tools/kafka/kafka-local),
# CYCLES times (default 100), every run restarting on the same journal folder.
# After each kill: every byte the journal reported fdatasync'ed is still in its file. At the end
# (one more clean run recovers the last torn line): every journal file ends in a whole line, every
# line parses, and two replays of what survived write the same rows. Prints one line of figures and
# exits 0 when all of it holds. Loopback only; about 1-2 s a cycle. (docs/reliability.md)
set -u
B=${1:?usage: crash_cycles.sh BUILD_DIR [CYCLES] [kafka]}
N=${2:-100}
KAFKA=${3:-}
VOLT=$B/engine/volt VX=$B/tools/volt-exchange
SRC=$(cd "$(dirname "$0")/../.." && pwd)
KPORT=${VOLT_CYCLES_KAFKA_PORT:-19292}
T=$(mktemp -d /tmp/volt_cycles_XXXXXX)
cleanup() {
  kill $(jobs -p) 2>/dev/null; wait 2>/dev/null
  [ -n "$KAFKA" ] && "$SRC/tools/kafka/kafka-local" stop --port "$KPORT" >/dev/null 2>&1
  rm -rf "$T"
}
trap cleanup EXIT
KARGS=()
declare -A acked=()
if [ -n "$KAFKA" ]; then
  [ "$KAFKA" = kafka ] || { echo "usage: crash_cycles.sh BUILD_DIR [CYCLES] [kafka]"; exit 2; }
  command -v kcat >/dev/null || { echo "FAIL kcat is not installed (tools/bootstrap installs it)"; exit 1; }
  "$SRC/tools/kafka/kafka-local" start --port "$KPORT" > "$T/kafka.out" 2>&1 \
    || { echo "FAIL no Kafka broker: $(tail -3 "$T/kafka.out")"; exit 1; }
  KARGS=(--kafka-brokers "127.0.0.1:$KPORT")
  export VOLT_KAFKA_TRACE=1
fi
"$VX" --port 0 --synthetic --rate 200 --speed 20 > "$T/vx.out" 2> "$T/vx.err" &
for _ in $(seq 600); do grep -q ready "$T/vx.out" 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/^ready //p' "$T/vx.out")
[ -n "$URL" ] || { echo "FAIL volt-exchange did not start"; exit 1; }
lost=0 cut=0 kills=0
for i in $(seq "$N"); do
  VOLT_JOURNAL_TRACE=1 "$VOLT" live --url "$URL" --pair BTC-USD --pair ETH-USD --save-disk "$T/j" \
    --fsync-ms 50 --out "$T/rows.csv" "${KARGS[@]}" > "$T/run.log" 2> "$T/run.err" &
  pid=$!
  for _ in $(seq 300); do grep -q journal-synced "$T/run.err" 2>/dev/null && break; sleep 0.05; done
  if [ -n "$KAFKA" ]; then # publishing has begun: the broker acknowledged a record
    for _ in $(seq 600); do grep -q kafka-delivered "$T/run.err" 2>/dev/null && break; sleep 0.05; done
  fi
  sleep "0.$(( RANDOM % 10 ))$(( RANDOM % 10 ))" # a random moment, 0-0.99 s later
  kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  kills=$((kills + 1))
  c=$(grep -c "cut a torn last line" "$T/run.err" "$T/run.log" 2>/dev/null | awk -F: '{n += $NF} END {print n + 0}')
  cut=$((cut + c))
  # every synced offset of this run is still covered by its file
  while read -r _ file off; do
    size=$(stat -c %s "$file" 2>/dev/null || echo 0)
    [ "$size" -ge "$off" ] || lost=$((lost + 1))
  done < <(grep journal-synced "$T/run.err")
  # what the broker acknowledged before the kill, per topic (the run's last trace line)
  if [ -n "$KAFKA" ]; then
    set -- $(grep kafka-delivered "$T/run.err" | tail -1 | cut -d' ' -f2-)
    while [ $# -ge 2 ]; do acked[$1]=$(( ${acked[$1]:-0} + $2 )); shift 2; done
  fi
done
# one clean run recovers the last kill's torn line
timeout 60 "$VOLT" live --url "$URL" --pair BTC-USD --save-disk "$T/j" --seconds 1 > "$T/last.log" 2>&1
cut=$((cut + $(grep -c "cut a torn last line" "$T/last.log")))
torn=0
for f in "$T"/j/*.ndjson; do [ -s "$f" ] && [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" != '\n' ] && torn=$((torn + 1)); done
"$VOLT" replay --no-grade --out "$T/a.csv" "$T"/j/*.ndjson > "$T/ra.log" 2>&1
"$VOLT" replay --no-grade --out "$T/b.csv" "$T"/j/*.ndjson > "$T/rb.log" 2>&1
lines=$(grep -E "^ +messages read" "$T/ra.log" | awk '{print $3}')
rejected=$(grep -E "^ +rejected " "$T/ra.log" | head -1 | awk '{print $2}')
same=1; cmp -s "$T/a.csv" "$T/b.csv" && same=0
kafka_ok=0 kline=""
if [ -n "$KAFKA" ]; then
  klost=0
  for topic in "${!acked[@]}"; do
    held=$(timeout 300 kcat -b "127.0.0.1:$KPORT" -C -t "$topic" -e -q -f '\n' 2>/dev/null | wc -l)
    [ "$held" -ge "${acked[$topic]}" ] || klost=$((klost + acked[$topic] - held))
    kline="$kline; $topic ${acked[$topic]} acknowledged, $held held"
  done
  notjson=$(timeout 300 kcat -b "127.0.0.1:$KPORT" -C -t ticks.raw -e -q -f '%s\n' 2>/dev/null | python3 -c '
import json, sys
bad = 0
for line in sys.stdin:
    try:
        json.loads(line)
    except ValueError:
        bad += 1
print(bad)')
  [ "${#acked[@]}" -gt 0 ] && [ "${acked[ticks.raw]:-0}" -gt 0 ] && [ "$klost" = 0 ] && [ "$notjson" = 0 ] || kafka_ok=1
  kline="; Kafka$kline; $klost acknowledged records lost, $notjson ticks.raw records not whole JSON"
fi
echo "crash cycles: $kills kill -9, $(ls "$T"/j/*.ndjson | wc -l) journal files, $lines lines replayed, $rejected rejected, $cut torn lines cut at restart, $torn torn files left, $lost synced offsets lost, replays identical: $([ $same = 0 ] && echo yes || echo NO)$kline"
[ "$kafka_ok" = 0 ] && [ "$torn" = 0 ] && [ "$lost" = 0 ] && [ "${rejected:-1}" = 0 ] && [ "$same" = 0 ]
