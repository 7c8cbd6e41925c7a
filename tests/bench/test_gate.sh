#!/usr/bin/env bash
# The bench regression gate (bench/compare, docs/bench.md), exercised for real:
#  - two runs of the same build are not flagged;
#  - volt-bench-slow (the same benches with a deliberate delay in the parse benches) is flagged on
#    the parse benches and on nothing else;
#  - the gate's own rules on made-up inputs: the noise check, rates (higher is better), the
#    pipeline format, too few repetitions and unreadable files.
# usage: test_gate.sh VOLT_BENCH VOLT_BENCH_SLOW COMPARE
set -euo pipefail
BENCH=$1 SLOW=$2 COMPARE=$3
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# Single-thread benches only: parse (slowed in the slow build) and two that the slowdown leaves.
FILTER='^(parse/advanced_ticker|parse/exchange_ticker|model/zscore_score|features/update_all_ticks_per_s/1000)$'
run() { "$1" --benchmark_filter="$FILTER" --benchmark_repetitions=1 --benchmark_min_time=0.05 \
          --benchmark_out="$2" --benchmark_out_format=json >/dev/null 2>&1; }
# Finely interleaved, as docs/bench.md recommends on shared machines: ten rounds of one
# repetition per build, A B slow then B A slow, so each same-build side runs as often first,
# second and right after the slow build: a drift of the machine's speed lands on both alike.
for i in 0 1 2 3 4 5 6 7 8 9; do
  if [ $((i % 2)) -eq 0 ]; then run "$BENCH" "$t/a$i.json"; run "$BENCH" "$t/b$i.json"
  else run "$BENCH" "$t/b$i.json"; run "$BENCH" "$t/a$i.json"; fi
  run "$SLOW" "$t/slow$i.json"
done
# On this VM a bench's time is bimodal from one process to the next (the process's memory
# placement: 16 runs of one build gave features/update_all_ticks_per_s/1000 at 55-65 or 75-89 ns,
# model/zscore_score at 15.5-17.6 or 21.8-24.0 ns, each bench drawing its mode on its own, with
# setarch -R too), and ten draws a side can give two medians a mode apart (CI, 2026-11-25: 60 vs
# 80 ns on the same build). So the real runs are compared by their best repetition, which both
# sides reach; threshold 25 %; the slowed parse benches are 2.8-4x worse, far past it.
GATE=(--threshold 0.25 --stat best)

echo "== same build twice =="
rc=0; python3 "$COMPARE" "${GATE[@]}" "$t"/a?.json -- "$t"/b?.json | tee "$t/same.txt" || rc=$?
[ "$rc" -eq 0 ] || fail "two runs of the same build were flagged (exit $rc)"
[ "$(grep -cE '  (same|noisy|faster)  ' "$t/same.txt")" -eq 4 ] || fail "expected 4 compared benches"

echo "== slowed build =="
rc=0; python3 "$COMPARE" "${GATE[@]}" --json "$t/cmp.json" "$t"/a?.json -- "$t"/slow?.json | tee "$t/slow.txt" || rc=$?
[ "$rc" -eq 1 ] || fail "the slowed build was not flagged (exit $rc)"
python3 - "$t/cmp.json" <<'PY' || fail "wrong benches flagged"
import json, sys
d = json.load(open(sys.argv[1]))
bad = sorted(d["regressions"])
assert bad == ["parse/advanced_ticker", "parse/exchange_ticker"], bad
for r in d["rows"]:
    if r["name"].startswith("parse/"):
        assert r["worse_ratio"] > 1.2, r
PY

echo "== the gate's rules on made-up inputs =="
gb() { # gb FILE NAME UNIT t1 t2 ... : Google Benchmark JSON, one repetition per time
  local f=$1 name=$2 unit=$3; shift 3
  python3 - "$f" "$name" "$unit" "$@" <<'PY'
import json, sys
f, name, unit, *ts = sys.argv[1:]
json.dump({"benchmarks": [{"name": name, "run_name": name, "run_type": "iteration",
                           "repetition_index": i, "real_time": float(x), "time_unit": unit}
                          for i, x in enumerate(ts)]}, open(f, "w"))
PY
}
gb "$t/a.json" x ns 100 101 99 100 102
gb "$t/b.json" x us 0.120 0.121 0.119 0.122 0.118       # +20 %, ranges apart, other unit
gb "$t/c.json" x ns 80 125 118 119 70                     # median +18 %, inside the spread
gb "$t/d.json" x ns 105 106 104 105 107                   # +5 %: under the threshold
rc=0; python3 "$COMPARE" "$t/a.json" "$t/b.json" >/dev/null || rc=$?; [ "$rc" -eq 1 ] || fail "+20% apart not flagged ($rc)"
rc=0; python3 "$COMPARE" "$t/a.json" "$t/c.json" > "$t/c.txt" || rc=$?; [ "$rc" -eq 0 ] || fail "a shift inside the spread failed ($rc)"
grep -q noisy "$t/c.txt" || fail "a shift inside the spread is not reported as noisy"
rc=0; python3 "$COMPARE" "$t/a.json" "$t/d.json" >/dev/null || rc=$?; [ "$rc" -eq 0 ] || fail "+5% flagged ($rc)"
# bimodal sides: medians a mode apart, best repetitions equal: --stat best passes, the medians
# (separated quartiles) fail
gb "$t/m1.json" x ns 60 61 62 60 81 59 60
gb "$t/m2.json" x ns 80 81 60 82 80 79 81
rc=0; python3 "$COMPARE" --stat best "$t/m1.json" "$t/m2.json" > "$t/m.txt" || rc=$?; [ "$rc" -eq 0 ] || fail "bimodal sides flagged by their best ($rc)"
grep -q '  same  ' "$t/m.txt" || fail "bimodal sides not reported as the same by their best"
rc=0; python3 "$COMPARE" "$t/m1.json" "$t/m2.json" >/dev/null || rc=$?; [ "$rc" -eq 1 ] || fail "medians a mode apart not flagged ($rc)"
gb "$t/m3.json" x ns 160 161 170 165 166 162 168
rc=0; python3 "$COMPARE" --stat best "$t/m1.json" "$t/m3.json" >/dev/null || rc=$?; [ "$rc" -eq 1 ] || fail "a 2.7x slower best not flagged ($rc)"
rc=0; python3 "$COMPARE" --threshold 0.03 "$t/a.json" "$t/d.json" >/dev/null || rc=$?; [ "$rc" -eq 1 ] || fail "+5% at a 3% threshold not flagged ($rc)"
# pooled repeat runs: two files a side
gb "$t/a2.json" x ns 100 98 103
rc=0; python3 "$COMPARE" "$t/a.json" "$t/a2.json" -- "$t/b.json" >/dev/null || rc=$?; [ "$rc" -eq 1 ] || fail "pooled runs ($rc)"
# rates: higher is better (bench-pipeline at saturation)
pl() { python3 -c "import json,sys; json.dump({'runs':[{'offered_per_s':None,'ticks':1,'achieved_per_s':float(sys.argv[2])},{'offered_per_s':10000,'ticks':1,'achieved_per_s':9990,'e2e_us':{'p50':float(sys.argv[3]),'p99':40.0}}]}, open(sys.argv[1],'w'))" "$@"; }
for i in 1 2 3; do pl "$t/p$i.json" $((1000000 + i * 1000)) 3.0; pl "$t/q$i.json" $((700000 + i * 1000)) 3.0; pl "$t/r$i.json" $((1300000 + i * 1000)) 3.0; done
rc=0; python3 "$COMPARE" "$t"/p?.json -- "$t"/q?.json > "$t/q.txt" || rc=$?; [ "$rc" -eq 1 ] || fail "a 30% lower saturation rate not flagged ($rc)"
grep -q 'pipeline/max/achieved_per_s.*REGRESSION' "$t/q.txt" || fail "the rate regression is not named"
rc=0; python3 "$COMPARE" "$t"/p?.json -- "$t"/r?.json > "$t/r.txt" || rc=$?; [ "$rc" -eq 0 ] || fail "a higher rate flagged ($rc)"
grep -q 'pipeline/max/achieved_per_s.*faster' "$t/r.txt" || fail "a higher rate is not reported as faster"
# too few repetitions, unreadable input
gb "$t/one.json" x ns 100
rc=0; python3 "$COMPARE" "$t/a.json" "$t/one.json" 2>/dev/null || rc=$?; [ "$rc" -eq 2 ] || fail "one repetition accepted ($rc)"
echo 'not json' > "$t/bad.json"
rc=0; python3 "$COMPARE" "$t/a.json" "$t/bad.json" 2>/dev/null || rc=$?; [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ] || fail "bad JSON gave $rc"
rc=0; python3 "$COMPARE" "$t/a.json" "$t/missing.json" 2>/dev/null || rc=$?; [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ] || fail "a missing file gave $rc"
echo "PASS: bench gate"
