#!/usr/bin/env bash
# The engine's self-grade equals an offline computation: a recording is replayed with --label
# (the default model), and the summary's last-hour grade -- overall and per product: the model's
# and persistence's PR-AUC, precision, recall, alert rate, seconds and positive share -- is
# recomputed from the written rows with scikit-learn (one row per product per second, the hour
# before the newest labelled second, persistence = rv_60s / tau_trailing with missing ratios at
# the window's median). On a synthetic market always, and on real recordings when present.
# Usage: test_grade.sh BUILD_DIR
set -uo pipefail
BUILD=$(cd "${1:?build dir}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=$ROOT/.venv/bin/python
VOLT=$BUILD/engine/volt
DATA=${VOLT_DATA:-$ROOT/../shared/data}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
[ -x "$PY" ] || { echo "FAIL $PY missing: run tools/bootstrap"; exit 1; }

check() { # NAME RECORDING...
  local name=$1; shift
  if ! "$VOLT" replay --label --quiet --out "$T/$name.csv" "$@" >"$T/$name.sum" 2>&1; then
    echo "FAIL $name: volt replay: $(tail -1 "$T/$name.sum")"; fails=$((fails + 1)); return
  fi
  if "$PY" - "$T/$name.csv" "$T/$name.sum" "$name" <<'PYEOF'; then
import sys
import numpy as np, pandas as pd
from sklearn.metrics import average_precision_score as AP
rows, summary, name = sys.argv[1:4]
d = pd.read_csv(rows, low_memory=False)
d = d[d["volatility_spike"].isin([0, 1])].copy()
d["sec"] = d["event_ns"] // 1_000_000_000
d = d.groupby(["product", "sec"], sort=False).tail(1)
d = d[d["sec"] > d["sec"].max() - 3600]
lines = open(summary).read().splitlines()
i = next(k for k, l in enumerate(lines) if "self-grade" in l)
got = {}
for l in lines[i + 1:]:
    f = l.split()
    if len(f) != 9 or f[2] != "/":
        break
    got[f[0]] = [float(x) for x in (f[1], f[3], f[4], f[5], f[6], f[7], f[8])]
def grade(g):
    y = g["volatility_spike"].to_numpy().astype(int)
    p = np.nan_to_num(g["p_spike"].to_numpy(float), nan=0.0)
    r = (g["rv_60s"] / g["tau_trailing"]).to_numpy(float)
    r = np.where(np.isfinite(r), r, np.nan)
    r = np.where(np.isnan(r), np.nanmedian(r) if np.isfinite(r).any() else 0.0, r)
    pred = g["prediction"].to_numpy(int)
    both = 0 < y.sum() < len(y)
    return [AP(y, p) if both else np.nan, AP(y, r) if both else np.nan,
            (y & pred).sum() / pred.sum() if pred.sum() else np.nan,
            (y & pred).sum() / y.sum() if y.sum() else np.nan,
            pred.mean(), len(y), y.mean()]
want = {"all": grade(d)}
for k, g in d.groupby("product"):
    want[k] = grade(g)
assert set(want) == set(got), (sorted(want), sorted(got))
tol = [6e-5, 6e-5, 6e-4, 6e-4, 6e-4, 0, 6e-5]
for k in want:
    for j, (a, b) in enumerate(zip(got[k], want[k])):
        assert (np.isnan(a) and np.isnan(b)) or abs(a - b) <= tol[j], (k, j, a, b)
print(f"{name}: " + "; ".join(f"{k} PR-AUC {v[0]:.4f} (persistence {v[1]:.4f}) over {v[5]:.0f} s"
                             for k, v in want.items()))
PYEOF
    echo "PASS $name: the summary's self-grade equals the offline computation from its rows"
  else
    echo "FAIL $name: self-grade differs from the offline computation"; fails=$((fails + 1))
  fi
}

"$BUILD/tools/volt-synth" --minutes 150 --seed 11 --out "$T/syn.ndjson" >/dev/null || { echo "FAIL volt-synth"; exit 1; }
check synthetic "$T/syn.ndjson"
EX3=$DATA/coinbase-exchange-3products-2025-11
if [ -d "$EX3" ]; then
  mapfile -t part < <(ls "$EX3"/*.zst | sort | tail -8)
  check real-three-products "${part[@]}"
else
  echo "SKIP real recordings: $EX3 not found (set VOLT_DATA to the folder of ../shared/data)"
fi
echo "$fails failed"
[ $fails -eq 0 ]
