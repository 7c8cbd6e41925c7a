#!/usr/bin/env bash
# tests/oracle/test_flow_oracle.sh BUILD_DIR — the book and trade-flow columns of `volt replay`
# against the independent recomputation of tests/oracle/flow_oracle.py: on a synthetic level-2
# market always (long enough for every window, with its faults: a sequence gap, a crossed update, a
# stale snapshot), and on the real level-2 sample and an hour of the real Exchange feed in VOLT_DATA
# (default ../shared/data) when they are there.
set -u
B=${1:?usage: test_flow_oracle.sh BUILD_DIR}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/lib.sh" flow
PY=$SRC/.venv/bin/python
if ! "$PY" -c 'import numpy, pandas' 2>/dev/null; then
  echo "FAIL the oracle needs $SRC/.venv with numpy and pandas: run tools/bootstrap"; exit 1
fi
run() { # name, files...
  local name=$1; shift
  "$PY" "$SRC/tests/oracle/flow_oracle.py" --volt "$B/engine/volt" "$@" > "$T/log" 2>&1; local rc=$?
  check "flow oracle agrees on $name ($(grep -o '[0-9]* rows of [0-9]* products' "$T/log"))" $rc
  grep -E "DISAGREE|flow oracle: [A-Z]+-|defined values" -A1 "$T/log" | head -6
}

"$B/tools/volt-synth" --minutes 10 --seed 21 --product BTC-USD --product ETH-USD --trades --level2 \
  --l2-faults --out "$T/l2.ndjson" >/dev/null
run "a synthetic level-2 market with faults" "$T/l2.ndjson"
# every book column is defined somewhere (the windows warm up), and the faults show as flagged rows
"$PY" - "$T/l2.ndjson" "$B/engine/volt" <<'PY'; check "every flow column is defined and the faults flag rows" $?
import csv, subprocess, sys, tempfile, os
out = os.path.join(tempfile.mkdtemp(), "rows.csv")
subprocess.run([sys.argv[2], "replay", "--quiet", "--out", out, sys.argv[1]], check=True, stdout=subprocess.DEVNULL)
rows = list(csv.DictReader(open(out)))
cols = ["ofi_1s", "ofi_10s", "ofi_60s", "depth_imb_5", "depth_imb_10bps", "microprice_dev_bps", "book_slope_10",
        "depth_change_10s", "signed_volume_60s", "vwap_dist_60s_bps", "large_trade_share_60s"]
missing = [c for c in cols if not any(r[c] not in ("", "nan") for r in rows)]
flagged = sum(1 for r in rows if int(r["flags"]) & 64)
print(f"  {len(rows)} rows; never defined: {missing or 'none'}; rows with an invalid book: {flagged}")
sys.exit(0 if not missing and 0 < flagged < len(rows) // 2 else 1)
PY

DATA=${VOLT_DATA:-$SRC/../shared/data}
L2=$DATA/coinbase-advanced-l2-sample-2026-08/COINBASE.jsonl.zst
EX=$DATA/coinbase-exchange-3products-2025-11/coinbase_exchange_ticker_2025-11-24_18.ndjson.zst
if [ -f "$L2" ] && command -v zstd >/dev/null; then
  run "the real level-2 sample" "$L2"
  "$B/engine/volt" replay --quiet --out "$T/s.csv" "$L2" 2>"$T/err" >/dev/null
  "$B/engine/volt" replay --out "$T/s.csv" "$L2" 2>&1 | grep -q "rejected               0"
  check "the real level-2 sample replays with 0 rejects" $?
else
  echo "SKIP the real level-2 sample: $L2 is absent (or no zstd); set VOLT_DATA to the folder of real recordings"
fi
if [ -f "$EX" ] && command -v zstd >/dev/null; then
  run "an hour of the real Exchange feed (trades, no level 2)" "$EX"
else
  echo "SKIP the Exchange-feed hour: $EX is absent (or no zstd)"
fi
finish
