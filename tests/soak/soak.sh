#!/usr/bin/env bash
# tests/soak/soak.sh BUILD_DIR [MINUTES] [RATE] — the soak (docs/reliability.md, "Soak"): volt live
# for MINUTES (default 60) against volt-exchange's synthetic market at RATE times the calibrated
# rate (default 200, about 4 400 messages/s), journaling, writing rows, publishing to a real Kafka
# broker and serving metrics, with faults every 12 minutes (five malformed frames, five duplicated
# messages, a dropped connection) and the broker killed (kill -9) for a minute at 20 and 40 minutes.
# Samples the engine's resident memory every 10 s and its metrics every minute; at the end
# tests/soak/soak_report.py checks memory flat, latency stable, and every message accounted for in
# the journal, the rows and Kafka. Not part of `make test` (an hour); its figures are in
# docs/reliability.md. Files stay in ${VOLT_SOAK_DIR:-/tmp/volt-soak}; VOLT_SOAK_KAFKA_PORT (default
# 19192) and VOLT_SOAK_EXCHANGE (another build's volt-exchange, e.g. a release one beside an ASan volt).
set -u
B=${1:?usage: soak.sh BUILD_DIR [MINUTES] [RATE]}
MIN=${2:-60}
RATE=${3:-200}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${VOLT_SOAK_DIR:-/tmp/volt-soak}
KPORT=${VOLT_SOAK_KAFKA_PORT:-19192}
rm -rf "$OUT" && mkdir -p "$OUT/scrapes"
cleanup() { kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; "$SRC/tools/kafka/kafka-local" stop --port "$KPORT" >/dev/null 2>&1; }
trap cleanup EXIT

"$SRC/tools/kafka/kafka-local" start --port "$KPORT" > "$OUT/kafka.out" 2>&1 || { echo "soak: no Kafka broker: $(tail -3 "$OUT/kafka.out")"; exit 1; }

# faults, per connection (volt-exchange counts each connection's messages): a cycle of 12 minutes
per_s=$((22 * RATE))
cyc=$((per_s * 720))
faults=()
for k in 0 1 2 3 4; do
  a=$((cyc / 3)); faults+=(--fault "malformed@$a" --fault "malformed@$((a + 1))" --fault "malformed@$((a + 2))" \
                           --fault "malformed@$((a + 3))" --fault "malformed@$((a + 4))")
  faults+=(--fault "dup@$((2 * cyc / 3)):5" --fault "drop@$cyc")
done
"${VOLT_SOAK_EXCHANGE:-$B/tools/volt-exchange}" --port 0 --synthetic --trades --seed 9 --rate "$RATE" "${faults[@]}" > "$OUT/vx.out" 2> "$OUT/vx.err" &
for _ in $(seq 600); do grep -q ready "$OUT/vx.out" 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/^ready //p' "$OUT/vx.out")
[ -n "$URL" ] || { echo "soak: volt-exchange is not ready: $(tail -3 "$OUT/vx.err")"; exit 1; }

"$B/engine/volt" live --url "$URL" --pair BTC-USD --pair ETH-USD --seconds $((MIN * 60)) --quiet \
  --save-disk "$OUT/journal" --rotate-minutes 10 --out "$OUT/rows.csv" \
  --kafka-brokers "127.0.0.1:$KPORT" --kafka-flush-seconds 60 --metrics 127.0.0.1:0 > "$OUT/volt.log" 2>&1 &
VPID=$!
PORT=""
for _ in $(seq 300); do
  PORT=$(sed -n 's|^volt: metrics on http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$OUT/volt.log")
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || { echo "soak: volt serves no metrics: $(tail -5 "$OUT/volt.log")"; exit 1; }
echo "soak: $MIN min at rate x$RATE; volt pid $VPID, metrics on 127.0.0.1:$PORT, files in $OUT"

t0=$(date +%s)
( # the broker killed for a minute at 20 and 40 minutes, then revived on its data
  for at in 20 40; do
    [ "$MIN" -gt "$at" ] || continue
    while [ $(( $(date +%s) - t0 )) -lt $((at * 60)) ]; do sleep 1; done
    echo "soak: $(( $(date +%s) - t0 )) s: Kafka killed" >> "$OUT/events.log"
    "$SRC/tools/kafka/kafka-local" crash --port "$KPORT" >> "$OUT/kafka.out" 2>&1
    sleep 60
    "$SRC/tools/kafka/kafka-local" revive --port "$KPORT" >> "$OUT/kafka.out" 2>&1
    echo "soak: $(( $(date +%s) - t0 )) s: Kafka revived" >> "$OUT/events.log"
  done
) &
echo -e "t_s\trss_kb" > "$OUT/rss.tsv"
while kill -0 $VPID 2>/dev/null; do
  t=$(( $(date +%s) - t0 ))
  rss=$(awk '/^VmRSS/{print $2}' "/proc/$VPID/status" 2>/dev/null)
  [ -n "$rss" ] && echo -e "$t\t$rss" >> "$OUT/rss.tsv"
  if [ $((t % 60)) -lt 10 ]; then
    curl -sf --max-time 5 "http://127.0.0.1:$PORT/metrics" > "$OUT/scrapes/$(printf %05d "$t").prom" 2>/dev/null
  fi
  sleep 10
done
wait $VPID
echo "volt exit $?" >> "$OUT/volt.log"
python3 "$SRC/tests/soak/soak_report.py" "$OUT" "$KPORT"
