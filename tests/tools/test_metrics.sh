#!/usr/bin/env bash
# tests/tools/test_metrics.sh BUILD_DIR — the metrics endpoint, scraped over loopback during a
# replay and after it (docs/operations.md, "Metrics"): a synthetic market with level 2 and two bad
# lines is fed through a pipe in two parts; between them the scrape must show exactly the first
# part, and after the end it must equal the run's printed summary, number for number.
# prometheus_client's own parser reads every scrape.
set -u
B=${1:?usage: test_metrics.sh BUILD_DIR}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/lib.sh" metrics
need_py prometheus_client "the metrics test"
MC="$PY $SRC/tests/tools/metrics_check.py"

"$B/tools/volt-synth" --minutes 6 --seed 11 --products 3 --trades --level2 --out "$T/m.ndjson" >/dev/null
total=$(wc -l < "$T/m.ndjson")
half=$((total / 2))
head -n "$half" "$T/m.ndjson" > "$T/part1"
printf '{"type":"ticker"\n[1,2,3]\n' >> "$T/part1"
tail -n +"$((half + 1))" "$T/m.ndjson" > "$T/part2"
n1=$((half + 2))

mkfifo "$T/in"
"$B/engine/volt" replay --quiet --metrics 127.0.0.1:0 --metrics-linger 60 - < "$T/in" 2> "$T/err" &
vpid=$!
exec 3> "$T/in"
port=$(metrics_port "$T/err")
check "the server says where it listens" "$([ -n "$port" ]; echo $?)" "$(cat "$T/err")"
[ -n "$port" ] || { exec 3>&-; finish; exit 1; }
U=http://127.0.0.1:$port

scrape() { curl -sf --max-time 5 "$U/metrics" > "$1"; }
cat "$T/part1" >&3
ok=1
for _ in $(seq 200); do # until the first part is read and every message of it is through
  scrape "$T/mid.prom" || break
  r=$($MC get "$T/mid.prom" volt_messages_read_total 2>/dev/null)
  a=$($MC get "$T/mid.prom" volt_messages_accepted_total 2>/dev/null)
  if [ "$r" = "$n1" ] && [ "$a" = "$half" ]; then ok=0; break; fi
  sleep 0.1
done
check "mid-run: the scrape shows the first part exactly ($n1 read, $half accepted)" $ok "read ${r:-?}, accepted ${a:-?}"
out=$($MC parse "$T/mid.prom" 2>&1)
check "mid-run: prometheus_client parses the scrape; volt_ names, _total counters, _seconds histograms" $? "$out"
out=$($MC docs "$T/mid.prom" "$SRC/docs/operations.md" 2>&1)
check "every metric is described in docs/operations.md" $? "$out"
fin=$($MC get "$T/mid.prom" volt_run_finished)
rej=$(( $($MC get "$T/mid.prom" volt_messages_rejected_total reason=malformed) + $($MC get "$T/mid.prom" volt_messages_rejected_total reason=not_object) ))
check "mid-run: not finished, the two bad lines counted by reason" "$([ "$fin" = 0 ] && [ "$rej" = 2 ]; echo $?)" "finished $fin, rejected $rej"
curl -sf --max-time 5 "$U/status.json" > "$T/mid.json"
out=$("$PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); n=[p["product"] for p in s["products"]]; print(n); sys.exit(0 if sorted(n)==["BTC-USD","ETH-USD","SOL-USD"] and s["mode"]=="replay" and not s["finished"] else 1)' "$T/mid.json" 2>&1)
check "mid-run: status.json names the three products" $? "$out"
curl -sf --max-time 5 "$U/" | grep -q '<title>volt status</title>'
check "the status page is served at /" $?
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$U/nothing")
check "any other path is a 404" "$([ "$code" = 404 ]; echo $?)" "got $code"

cat "$T/part2" >&3
exec 3>&-
ok=1
for _ in $(seq 300); do
  scrape "$T/end.prom" && [ "$($MC get "$T/end.prom" volt_run_finished 2>/dev/null)" = 1 ] && { ok=0; break; }
  sleep 0.1
done
check "after the end: volt_run_finished 1 while it lingers" $ok
curl -sf --max-time 5 "$U/status.json" > "$T/end.json"
kill -INT $vpid
wait $vpid; rc=$?
check "SIGINT ends the linger; the replay exits 0" $rc "$(tail -3 "$T/err")"
out=$($MC summary "$T/end.prom" "$T/err" "$T/end.json" 2>&1)
check "the scrape after the end equals the printed summary ($(echo "$out" | head -1))" $? "$out"
finish
