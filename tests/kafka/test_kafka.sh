#!/usr/bin/env bash
# tests/kafka/test_kafka.sh BUILD_DIR — volt against a real Kafka broker (tools/kafka/kafka-local):
# the broker starts, volt-kafka-topics creates volt's topics, kcat (an independent client) writes and
# reads back keyed records; then volt replays a recording with --kafka-brokers and every topic must
# hold exactly the engine's output, keyed by product, which volt-kcheck also confirms. Prints
# "N passed, N failed".
set -u
B=${1:?usage: test_kafka.sh BUILD_DIR}
T=$(mktemp -d /tmp/volt_kafka_XXXXXX)
HERE=$(cd "$(dirname "$0")/../.." && pwd)
KL=$HERE/tools/kafka/kafka-local
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# a free pair (broker, controller), so concurrent runs on one machine do not collide
PORT=${VOLT_TEST_KAFKA_PORT:-}
if [ -z "$PORT" ]; then
  for _ in $(seq 50); do
    p=$((20000 + (RANDOM % 20000) * 2))
    if port_free "$p" && port_free $((p + 1)); then PORT=$p; break; fi
  done
fi
pass=0; fail=0
check() { if [ "$2" -eq 0 ]; then echo "PASS $1"; pass=$((pass+1)); else echo "FAIL $1: $3"; fail=$((fail+1)); fi; }
trap '"$KL" stop --port $PORT >/dev/null 2>&1; rm -rf "$T"' EXIT

addr=$(timeout 600 "$KL" start --port "$PORT" 2>/tmp/volt_kafka_start.err); rc=$?
check "kafka-local start prints the bootstrap address" $([ $rc -eq 0 ] && [ "$addr" = "127.0.0.1:$PORT" ] && echo 0 || echo 1) "rc=$rc addr=$addr $(tail -3 /tmp/volt_kafka_start.err)"
if [ $rc -ne 0 ]; then echo "$pass passed, $fail failed"; exit 1; fi

out=$("$B/tools/volt-kafka-topics" --brokers "$addr" 2>&1); rc=$?
parts=$(kcat -b "$addr" -L -t ticks.raw 2>/dev/null | grep -c "partition ")
check "volt-kafka-topics creates ticks.raw, ticks.features, volatility.alerts (ticks.raw: $parts partitions)" \
  $([ $rc -eq 0 ] && [ "$parts" = 3 ] && echo 0 || echo 1) "$out"
out2=$("$B/tools/volt-kafka-topics" --brokers "$addr" 2>&1); rc=$?
check "volt-kafka-topics is idempotent (existing topics are fine)" $([ $rc -eq 0 ] && echo "$out2" | grep -q exists && echo 0 || echo 1) "$out2"

"$B/tools/volt-kafka-topics" --brokers "$addr" volt.probe >/dev/null 2>&1
for i in $(seq 100); do echo "BTC-USD:{\"n\":$i}"; done | kcat -b "$addr" -t volt.probe -P -K: 2>/dev/null
got=$(timeout 60 kcat -b "$addr" -t volt.probe -C -e -o beginning -f '%k %s\n' 2>/dev/null | grep -c '^BTC-USD {"n":')
check "kcat writes and reads back 100 keyed records ($got)" $([ "$got" = 100 ] && echo 0 || echo 1) "got=$got"

# volt publishes a replay: 30 synthetic minutes of two products plus the mixed fixture (bad lines,
# a duplicate, an out-of-order tick, an error message).
"$B/tools/volt-synth" --minutes 30 --seed 5 --rate-mult 3 --product BTC-USD --product ETH-USD --out "$T/syn.ndjson"
printf 'brokers=%s\n# a librdkafka setting passes through:\nlinger.ms=2\n' "$addr" > "$T/kafka.conf"
"$B/engine/volt" replay --kafka-config "$T/kafka.conf" --format ndjson --out "$T/rows.ndjson" \
  "$T/syn.ndjson" "$HERE/tests/fixtures/replay/mixed.ndjson" > "$T/replay.log" 2>&1; rc=$?
read_n=$(grep -E "^ +messages read" "$T/replay.log" | awk '{print $3}')
rows=$(grep -E "^ +feature rows" "$T/replay.log" | awk '{print $3}')
alerts=$(grep -E "^ +alerts" "$T/replay.log" | awk '{print $2}')
consume() { timeout 120 kcat -b "$addr" -t "$1" -C -e -o beginning -f "$2" 2>/dev/null; }
raw_n=$(consume ticks.raw '%o\n' | wc -l)
consume ticks.features '%s\n' | sort > "$T/topic_rows.sorted"
sort "$T/rows.ndjson" > "$T/file_rows.sorted"
feat_n=$(wc -l < "$T/topic_rows.sorted")
badkeys=$(consume ticks.features '%k %s\n' | awk '{ if (index($0, "\"product\":\"" $1 "\"") == 0) bad++ } END {print bad+0}')
alert_n=$(consume volatility.alerts '%s\n' | grep -c '"p_spike"')
check "replay published with exit 0 ($read_n messages, $rows rows, $alerts alerts)" $([ $rc -eq 0 ] && [ "${rows:-0}" -gt 1000 ] && [ "${alerts:-0}" -gt 0 ] && echo 0 || echo 1) "$(tail -25 "$T/replay.log")"
check "ticks.raw holds every message read ($raw_n of $read_n)" $([ "$raw_n" = "$read_n" ] && echo 0 || echo 1) "raw=$raw_n read=$read_n"
check "ticks.features holds exactly the rows file's lines ($feat_n of $rows)" $([ "$feat_n" = "$rows" ] && cmp -s "$T/topic_rows.sorted" "$T/file_rows.sorted" && echo 0 || echo 1) "$(diff "$T/topic_rows.sorted" "$T/file_rows.sorted" | head -3)"
check "every feature record is keyed by its product" $([ "$badkeys" = 0 ] && echo 0 || echo 1) "badkeys=$badkeys"
check "volatility.alerts holds every alert ($alert_n of $alerts)" $([ "$alert_n" = "$alerts" ] && echo 0 || echo 1) "alerts topic=$alert_n summary=$alerts"
# the records as a consumer gets them, against the published schemas (docs/kafka.md)
consume volatility.alerts '%s\n' > "$T/alerts.ndjson"
VR() { "$HERE/.venv/bin/python" "$HERE/tests/tools/validate_records.py" "$@" 2>&1; }
out_a=$(VR "$HERE/docs/schemas/volatility.alerts.schema.json" "$T/alerts.ndjson"); ra=$?
out_f=$(VR "$HERE/docs/schemas/ticks.features.schema.json" "$T/topic_rows.sorted" --min 1000); rf=$?
check "the alerts and features records on the broker are valid against docs/schemas" $([ $ra -eq 0 ] && [ $rf -eq 0 ] && echo 0 || echo 1) "$out_a / $out_f"
"$B/tools/volt-kcheck" --brokers "$addr" --topic ticks.features --min "$rows" --from-beginning --timeout 60 > "$T/kc1.log" 2>&1; rc1=$?
"$B/tools/volt-kcheck" --brokers "$addr" --topic ticks.features --min $((rows + 1)) --from-beginning --timeout 5 > "$T/kc2.log" 2>&1; rc2=$?
check "volt-kcheck passes at --min $rows and fails at --min $((rows + 1))" $([ $rc1 -eq 0 ] && [ $rc2 -eq 1 ] && echo 0 || echo 1) "$(tail -1 "$T/kc1.log"); $(tail -1 "$T/kc2.log")"

# two hot agents: the source's router publishes the raw messages, the sink the rows of both
"$B/engine/volt" replay --hot-threads 2 --kafka-brokers "$addr" --kafka-topics hot2.raw,hot2.features,hot2.alerts \
  --format ndjson --out "$T/rows2.ndjson" "$T/syn.ndjson" > "$T/replay2.log" 2>&1; rc=$?
read2=$(grep -E "^ +messages read" "$T/replay2.log" | awk '{print $3}')
raw2=$(consume hot2.raw '%o\n' | wc -l)
consume hot2.features '%s\n' | sort > "$T/topic_rows2.sorted"
sort "$T/rows2.ndjson" > "$T/file_rows2.sorted"
check "--hot-threads 2: ticks.raw holds every message read ($raw2 of $read2), ticks.features every row" \
  $([ $rc -eq 0 ] && [ "$raw2" = "$read2" ] && [ -s "$T/file_rows2.sorted" ] && cmp -s "$T/topic_rows2.sorted" "$T/file_rows2.sorted" && echo 0 || echo 1) \
  "rc=$rc raw=$raw2 read=$read2 $(tail -5 "$T/replay2.log")"

# the pipeline bench publishes too (bench/kafka-onoff's "on" arm): 1 000 messages offered at
# 2 000/s, every one delivered to ticks.raw and ticks.features, none dropped (a light load)
"$B/engine/volt" bench-pipeline --rates 2000 --seconds 0.5 --kafka-brokers "$addr" \
  --kafka-topics bench.raw,bench.features,bench.alerts "$T/syn.ndjson" > "$T/bench.log" 2>&1; rc=$?
braw=$(grep -E "kafka bench.raw .* delivered 1000, failed 0, dropped 0" -c "$T/bench.log")
bfeat=$(grep -E "kafka bench.features .* delivered 1000, failed 0, dropped 0" -c "$T/bench.log")
bn=$(consume bench.features '%s\n' | grep -c '"product"')
check "bench-pipeline --kafka-brokers delivers its 1000 raw and 1000 feature records ($bn on the topic)" \
  $([ $rc -eq 0 ] && [ "$braw" = 1 ] && [ "$bfeat" = 1 ] && [ "$bn" = 1000 ] && echo 0 || echo 1) "rc=$rc bn=$bn $(cat "$T/bench.log")"

"$KL" stop --port "$PORT" >/dev/null 2>&1
# the fact, not a time: the broker answers no more (at most 30 s)
for _ in $(seq 60); do "$KL" status --port "$PORT" >/dev/null 2>&1 || break; sleep 0.5; done
"$KL" status --port "$PORT" >/dev/null 2>&1; rc=$?
check "kafka-local stop stops the broker" $([ $rc -ne 0 ] && echo 0 || echo 1) "still serving"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
