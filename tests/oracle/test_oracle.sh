#!/usr/bin/env bash
# tests/oracle/test_oracle.sh BUILD_DIR — the Python oracle (tests/oracle/oracle.py) against the
# engine: every feature and label of every row, on a synthetic market always and on the real
# recordings in VOLT_DATA (default ../shared/data) when they are there; and the whole run with
# the scalar kernels equals the run with the SIMD kernels (the sliding sums are bit-identical; the
# seed volatility's periodic re-sum adds in a different order: the z-score, a ratio of differences,
# moves by up to 2e-10 relative, so the bar is the oracle's 1e-9).
set -u
B=${1:?usage: test_oracle.sh BUILD_DIR}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/lib.sh" oracle
PY=$SRC/.venv/bin/python
VOLT=$B/engine/volt

if ! "$PY" -c 'import numpy, pandas' 2>/dev/null; then
  echo "FAIL the oracle needs $SRC/.venv with numpy and pandas: run tools/bootstrap"; exit 1
fi

# an hour of a synthetic market with two products: long enough for every window and tau
"$B/tools/volt-synth" --minutes 60 --seed 11 --product BTC-USD --product ETH-USD --out "$T/syn.ndjson" >/dev/null
"$PY" "$SRC/tests/oracle/oracle.py" --volt "$VOLT" "$T/syn.ndjson" > "$T/syn.log" 2>&1; rc=$?
check "oracle agrees with every synthetic row ($(grep -o '[0-9]* rows of [0-9]* products' "$T/syn.log"))" $rc
grep -E "labelled|DISAGREE|oracle: [A-Z]+-" "$T/syn.log" | head -8

# half an hour of a synthetic market with its trades (market_trades after every ticker): the
# trade-flow features (count, volume, taker imbalance) are defined, not missing, and must agree
"$B/tools/volt-synth" --minutes 30 --seed 12 --trades --out "$T/trades.ndjson" >/dev/null
"$PY" "$SRC/tests/oracle/oracle.py" --volt "$VOLT" "$T/trades.ndjson" > "$T/trades.log" 2>&1; rc=$?
check "oracle agrees with every synthetic row with trades ($(grep -o '[0-9]* rows of [0-9]* products' "$T/trades.log"))" $rc
grep -E "labelled|DISAGREE|oracle: [A-Z]+-" "$T/trades.log" | head -8
"$VOLT" replay --quiet --out "$T/trades.csv" "$T/trades.ndjson" >/dev/null
"$PY" - "$T/trades.csv" <<'PY'; check "trade features are defined on the trades market" $?
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
late = rows[len(rows) // 2:]
ok = all(r["trade_count_60s"] not in ("", "nan") and float(r["trade_count_60s"]) > 0 for r in late)
imb = [float(r["taker_imbalance_60s"]) for r in late]
sys.exit(0 if ok and all(-1 <= x <= 1 for x in imb) and len(set(imb)) > 10 else 1)
PY

VOLT_SIMD=scalar "$VOLT" replay --label --quiet --out "$T/scalar.csv" "$T/syn.ndjson" >/dev/null
"$VOLT" replay --label --quiet --out "$T/simd.csv" "$T/syn.ndjson" >/dev/null
"$PY" "$SRC/tests/oracle/same_rows.py" "$T/scalar.csv" "$T/simd.csv" --rel 1e-9; rc=$?
check "scalar and SIMD kernels write the same rows ($("$VOLT" version | sed 's/.*simd: //;s/)//'))" $rc

DATA=${VOLT_DATA:-$SRC/../shared/data}
if [ -d "$DATA" ]; then
  for d in "$DATA"/*/; do
    ls "$d"*.ndjson >/dev/null 2>&1 || continue
    n=$(basename "$d")
    "$PY" "$SRC/tests/oracle/oracle.py" --volt "$VOLT" "$d"*.ndjson > "$T/$n.log" 2>&1
    rc=$?
    check "oracle agrees on $n ($(grep -o '[0-9]* rows of [0-9]* products' "$T/$n.log"))" $rc
    grep -E "DISAGREE|oracle: [A-Z]+-" "$T/$n.log" | head -5
    VOLT_SIMD=scalar "$VOLT" replay --label --quiet --out "$T/a.csv" "$d"*.ndjson >/dev/null
    "$VOLT" replay --label --quiet --out "$T/b.csv" "$d"*.ndjson >/dev/null
    "$PY" "$SRC/tests/oracle/same_rows.py" "$T/a.csv" "$T/b.csv" --rel 1e-9
    check "scalar and SIMD kernels write the same rows on $n" $?
  done
else
  echo "SKIP real recordings: $DATA is absent (set VOLT_DATA to the folder of ../shared/data)"
fi
finish
