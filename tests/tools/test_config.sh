#!/usr/bin/env bash
# tests/tools/test_config.sh BUILD_DIR — the configuration file (volt live --config FILE,
# volt check-config FILE): the commented example parses; a good file sets what it says; an unknown
# key, a bad value and a file that is not YAML are errors naming the key and the line; a flag wins
# over the file; check-config's output is itself a file giving the same settings; and a live run
# takes its settings from the file.
set -u
B=${1:?usage: test_config.sh BUILD_DIR}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/lib.sh" config
VOLT=$B/engine/volt

out=$("$VOLT" check-config "$SRC/docs/examples/volt.yaml" 2>&1); rc=$?
check "the commented example (docs/examples/volt.yaml) is a valid file" $rc "$out"

cat > "$T/good.yaml" <<'Y'
products: [SOL-USD, XRP-USD]
level2: [XRP-USD]
threads:
  cpus: [0, 1, 0]
  hot_threads: 2
  idle: spin
journal:
  dir: /tmp/volt-journal
  fsync_ms: 250
kafka:
  brokers: 127.0.0.1:9092
  topics: {raw: r, features: f, alerts: a}
  conf: {linger.ms: 20}
model:
  threshold: 0.3
output:
  format: ndjson
  quiet: true
run:
  seconds: 2
Y
"$VOLT" check-config "$T/good.yaml" > "$T/eff.yaml" 2>&1; rc=$?
want='products: \[SOL-USD, XRP-USD\]|level2: \[XRP-USD\]|  cpus: \[0, 1, 0\]|  hot_threads: 2|  idle: spin|  dir: /tmp/volt-journal|  fsync_ms: 250|  brokers: 127.0.0.1:9092|    raw: r|    linger.ms: 20|  threshold: 0.3|  format: ndjson|  quiet: true|  seconds: 2'
n=$(grep -cxE "$want" "$T/eff.yaml")
check "a good file sets what it says (14 of 14 settings: $n)" $([ $rc -eq 0 ] && [ "$n" = 14 ] && echo 0 || echo 1) "$(cat "$T/eff.yaml")"

"$VOLT" check-config "$T/eff.yaml" > "$T/eff2.yaml" 2>&1
check "check-config's output is a file that gives the same settings" $(cmp -s "$T/eff.yaml" "$T/eff2.yaml"; echo $?) "$(diff "$T/eff.yaml" "$T/eff2.yaml" | head -3)"

out=$("$VOLT" check-config "$T/good.yaml" --pair ADA-USD --pair XRP-USD --hot-threads 3 --alert-threshold 0.5 2>&1)
ok=1; echo "$out" | grep -qx 'products: \[ADA-USD, XRP-USD\]' && echo "$out" | grep -qx '  hot_threads: 3' \
  && echo "$out" | grep -qx '  threshold: 0.5' && echo "$out" | grep -qx '  fsync_ms: 250' && ok=0
check "flags win over the file (--pair replaces its list; the rest stays)" $ok "$out"

# refused (exit 2) with every one of the messages given: refused NAME FILE-TEXT MESSAGE...
refused() {
  local name=$1 text=$2; shift 2
  printf '%b' "$text" > "$T/$name.yaml"
  local out rc ok=0 m
  out=$("$VOLT" check-config "$T/$name.yaml" 2>&1); rc=$?
  [ $rc = 2 ] || ok=1
  for m in "$@"; do echo "$out" | grep -qF -- "$m" || ok=1; done
  check "$name: refused with the key and its line (exit $rc)" $ok "$out"
}
refused unknown 'products: [BTC-USD]\nfeed:\n  protocol: advanced\n  urll: ws://x\n' \
  "unknown.yaml:4: unknown key 'feed.urll'"
refused badvalue 'products: [BTC-USD]\nthreads:\n  idle: spin\n  hot_threads: 9\n' \
  "--hot-threads takes 1 to 4" "badvalue.yaml:4: in 'threads.hot_threads'"
refused shape 'products: BTC-USD\n' "shape.yaml:1: 'products' takes a list"
refused notyaml 'feed: [1, 2\n' "notyaml.yaml:2: not YAML"

# a live run takes its settings from the file
"$B/tools/volt-exchange" --port 0 --synthetic --rate 50 > "$T/vx.out" 2> "$T/vx.err" &
for _ in $(seq 600); do grep -q ready "$T/vx.out" 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/^ready //p' "$T/vx.out")
printf 'products: [ETH-USD]\nfeed:\n  url: %s\nrun:\n  seconds: 2\noutput:\n  rows: %s\n' "$URL" "$T/rows.csv" > "$T/live.yaml"
timeout 60 "$VOLT" live --config "$T/live.yaml" > "$T/live.log" 2>&1; rc=$?
ok=1; [ $rc = 0 ] && grep -q "1 product(s): ETH-USD.*settings from $T/live.yaml" "$T/live.log" \
  && [ "$(awk -F, 'NR > 1 {print $4}' "$T/rows.csv" | sort -u)" = ETH-USD ] && ok=0
check "volt live --config runs with the file's products, feed, output and duration (exit $rc)" $ok "$(tail -5 "$T/live.log")"
finish
