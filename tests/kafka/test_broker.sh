#!/usr/bin/env bash
# tests/kafka/test_broker.sh BUILD_DIR — the real Kafka broker from tools/kafka/kafka-local:
# starts, volt-kafka-topics creates volt's topics (3 partitions), kcat (an independent client)
# writes and reads back 100 keyed records, and the broker stops. Prints "N passed, N failed".
set -u
B=${1:?usage: test_broker.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
KL=$HERE/tools/kafka/kafka-local
PORT=${VOLT_TEST_KAFKA_PORT:-19292}
pass=0; fail=0
check() { if [ "$2" -eq 0 ]; then echo "PASS $1"; pass=$((pass+1)); else echo "FAIL $1: $3"; fail=$((fail+1)); fi; }
trap '"$KL" stop --port $PORT >/dev/null 2>&1' EXIT

addr=$(timeout 600 "$KL" start --port "$PORT" 2>/tmp/volt_kafka_start.err); rc=$?
check "kafka-local start prints the bootstrap address" $([ $rc -eq 0 ] && [ "$addr" = "127.0.0.1:$PORT" ] && echo 0 || echo 1) "rc=$rc addr=$addr $(tail -3 /tmp/volt_kafka_start.err)"
if [ $rc -ne 0 ]; then echo "$pass passed, $fail failed"; exit 1; fi

out=$("$B/tools/volt-kafka-topics" --brokers "$addr" 2>&1); rc=$?
parts=$(kcat -b "$addr" -L -t ticks.raw 2>/dev/null | grep -c "partition ")
check "volt-kafka-topics creates ticks.raw, ticks.features, volatility.alerts (ticks.raw: $parts partitions)" \
  $([ $rc -eq 0 ] && [ "$parts" = 3 ] && echo 0 || echo 1) "$out"
out2=$("$B/tools/volt-kafka-topics" --brokers "$addr" 2>&1); rc=$?
check "volt-kafka-topics is idempotent (existing topics are fine)" $([ $rc -eq 0 ] && echo "$out2" | grep -q exists && echo 0 || echo 1) "$out2"

for i in $(seq 100); do echo "BTC-USD:{\"n\":$i}"; done | kcat -b "$addr" -t ticks.raw -P -K: 2>/dev/null
got=$(timeout 60 kcat -b "$addr" -t ticks.raw -C -e -o beginning -f '%k %s\n' 2>/dev/null | grep -c '^BTC-USD {"n":')
check "kcat writes and reads back 100 keyed records ($got)" $([ "$got" = 100 ] && echo 0 || echo 1) "got=$got"

"$KL" stop --port "$PORT" >/dev/null 2>&1
sleep 1
"$KL" status --port "$PORT" >/dev/null 2>&1; rc=$?
check "kafka-local stop stops the broker" $([ $rc -ne 0 ] && echo 0 || echo 1) "still serving"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
