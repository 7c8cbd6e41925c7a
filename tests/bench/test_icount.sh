#!/usr/bin/env bash
# The instruction-count gate (bench/icount, docs/bench.md), exercised for real:
#  - two counts of the same build agree within 0.5 % on every bench (the gate's threshold is 2 %);
#  - volt-bench-slow (the parse benches spend 1500 more dependent multiply-adds per message) is
#    flagged on the parse bench, by more than 1500 instructions per message, and on nothing else;
#  - --compare's verdicts and exit codes on made-up files; a bench filter matching nothing.
# usage: test_icount.sh VOLT_BENCH VOLT_BENCH_SLOW ICOUNT
set -euo pipefail
BENCH=$1 SLOW=$2 ICOUNT=$3
command -v valgrind >/dev/null || { echo "SKIP: valgrind is not installed (tools/bootstrap installs it)"; exit 0; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

FILTER='^(parse/advanced_ticker|model/zscore_score)$'
python3 "$ICOUNT" --bench "$BENCH" --filter "$FILTER" --json "$t/a.json"
python3 "$ICOUNT" --bench "$BENCH" --filter "$FILTER" --json "$t/b.json" >/dev/null
python3 "$ICOUNT" --bench "$SLOW" --filter "$FILTER" --json "$t/s.json" >/dev/null

echo "== same build twice =="
rc=0; python3 "$ICOUNT" --compare "$t/a.json" "$t/b.json" || rc=$?
[ "$rc" -eq 0 ] || fail "two counts of the same build were flagged (exit $rc)"
python3 - "$t/a.json" "$t/b.json" <<'PY' || fail "counts of one build differ"
import json, sys
a, b = ({r["name"]: r for r in json.load(open(p))["rows"]} for p in sys.argv[1:])
assert sorted(a) == ["model/zscore_score", "parse/advanced_ticker"], sorted(a)
for n in a:
    x, y = a[n]["Ir_per_iter"], b[n]["Ir_per_iter"]
    assert x > 50 and abs(x - y) <= 0.005 * x, (n, x, y)
PY

echo "== slowed build =="
rc=0; python3 "$ICOUNT" --compare "$t/a.json" "$t/s.json" --json "$t/cmp.json" || rc=$?
[ "$rc" -eq 1 ] || fail "the slowed build was not flagged (exit $rc)"
python3 - "$t/a.json" "$t/s.json" "$t/cmp.json" <<'PY' || fail "wrong benches flagged"
import json, sys
a, s = ({r["name"]: r for r in json.load(open(p))["rows"]} for p in sys.argv[1:3])
d = json.load(open(sys.argv[3]))
assert d["regressions"] == ["parse/advanced_ticker"], d["regressions"]
extra = s["parse/advanced_ticker"]["Ir_per_iter"] - a["parse/advanced_ticker"]["Ir_per_iter"]
assert extra > 1500, extra  # at least one instruction per added multiply-add
PY

echo "== --compare on made-up files =="
mk() { python3 -c 'import json, sys; json.dump({"rows": [{"name": n, "Ir_per_iter": float(v)} for n, v in zip(sys.argv[2::2], sys.argv[3::2])]}, open(sys.argv[1], "w"))' "$@"; }
mk "$t/x.json" a 1000 b 200
mk "$t/y.json" a 1019 b 150 c 7
rc=0; python3 "$ICOUNT" --compare "$t/x.json" "$t/y.json" >"$t/o.txt" || rc=$?
[ "$rc" -eq 0 ] || fail "1.9 % more is within the 2 % threshold (exit $rc)"
grep -q "c .*only in new" "$t/o.txt" || fail "a bench in one file only is not reported"
grep -qE "^b .*better" "$t/o.txt" || fail "fewer instructions are not reported as better"
mk "$t/y.json" a 1021 b 200
rc=0; python3 "$ICOUNT" --compare "$t/x.json" "$t/y.json" >/dev/null || rc=$?
[ "$rc" -eq 1 ] || fail "2.1 % more is past the 2 % threshold (exit $rc)"
rc=0; python3 "$ICOUNT" --compare "$t/x.json" "$t/y.json" --threshold 0.05 >/dev/null || rc=$?
[ "$rc" -eq 0 ] || fail "--threshold 0.05 is not applied (exit $rc)"
mk "$t/z.json" q 1
rc=0; python3 "$ICOUNT" --compare "$t/x.json" "$t/z.json" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "files with no bench in common are not an error (exit $rc)"
rc=0; python3 "$ICOUNT" --bench "$BENCH" --filter '^no/such/bench$' >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "a filter matching no bench is not an error (exit $rc)"
echo "icount gate: ok"
