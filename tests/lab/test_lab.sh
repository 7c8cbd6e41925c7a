#!/usr/bin/env bash
# The ML lab end to end, on a synthetic market (always) and the real recordings (when present):
#   volt replay --label -> volt-lab train (tracked on a real `mlflow server` on loopback, sqlite
#   backend) -> runs and the champion alias read back through MLflow's API -> every exported model
#   scored by the C engine equals the Python model on every row (<= 1e-6) -> time splits purged ->
#   PDF report, model card and Evidently drift report written.
# Usage: test_lab.sh BUILD_DIR
set -uo pipefail
BUILD=$(cd "${1:?build dir}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=$ROOT/.venv/bin/python
export MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR=false PYTHONWARNINGS=ignore
LAB=$ROOT/tools/lab/volt-lab
VOLT=$BUILD/engine/volt
DATA=${VOLT_DATA:-$ROOT/../shared/data}
T=$(mktemp -d)
fails=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
srv=""
cleanup() {
  [ -n "$srv" ] && kill -- -"$srv" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
[ -x "$PY" ] || { echo "FAIL $PY missing: run tools/bootstrap"; exit 1; }

# parity MODEL_DIR NAME RECORDING... : C engine vs Python on every row
parity() {
  local run=$1 name=$2; shift 2
  "$VOLT" replay --quiet --model "$run/models/$name.volt" --out "$T/c_$name.csv" "$@" >/dev/null 2>"$T/err" ||
    { fail "volt replay --model $name: $(tail -1 "$T/err")"; return; }
  "$LAB" predict --run "$run" --model "$name" --all-rows --out "$T/py_$name.csv" "$T/c_$name.csv" ||
    { fail "volt-lab predict $name"; return; }
  "$PY" - "$T/c_$name.csv" "$T/py_$name.csv" "$name" <<'PYEOF'
import sys
import numpy as np, pandas as pd
c = pd.read_csv(sys.argv[1], low_memory=False); p = pd.read_csv(sys.argv[2])
assert len(c) == len(p) and len(c) > 1000, (len(c), len(p))
a, b = c["p_spike"].to_numpy(float), p["p"].to_numpy(float)
assert (np.isnan(a) == np.isnan(b)).all(), "NaN in one and not the other"
d = np.nanmax(np.abs(a - b))
assert np.isfinite(a).sum() > 1000
print(f"parity {sys.argv[3]}: {len(a)} rows, largest |p_C - p_Python| {d:.3g}")
sys.exit(0 if d <= 1e-6 else 1)
PYEOF
  [ $? -eq 0 ] && pass "C scorer equals Python for $name on every row" || fail "parity $name"
}

# ---- synthetic market: 6 hours of BTC-USD ---------------------------------------------------------
"$BUILD/tools/volt-synth" --minutes 360 --seed 5 --out "$T/syn.ndjson" >/dev/null || fail "volt-synth"
"$VOLT" replay --label --quiet --out "$T/syn.csv" "$T/syn.ndjson" >/dev/null || fail "replay --label"

# a real MLflow tracking server on a free loopback port
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
setsid "$ROOT/.venv/bin/mlflow" server --host 127.0.0.1 --port "$port" --workers 1 \
  --backend-store-uri "sqlite:///$T/mlflow.db" --artifacts-destination "$T/mlartifacts" \
  >"$T/mlflow.log" 2>&1 &
srv=$!
up=0
for _ in $(seq 1 120); do
  if "$PY" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/health', timeout=2)" 2>/dev/null; then up=1; break; fi
  kill -0 "$srv" 2>/dev/null || break
  sleep 1
done
if [ $up -ne 1 ]; then
  fail "mlflow server did not come up on 127.0.0.1:$port"; tail -20 "$T/mlflow.log"
  exit 1
fi
pass "mlflow server serving on 127.0.0.1:$port"

# The issue's ECE gate (0.03) is loosened here so the champion path (registry, alias) runs on
# synthetic data; the real-data run below uses the default gate.
if "$LAB" train "$T/syn.csv" --out "$T/run" --mlflow-uri "http://127.0.0.1:$port" --ece-gate 0.2 >"$T/train.log" 2>&1; then
  pass "volt-lab train on the synthetic market"
else
  fail "volt-lab train"; tail -30 "$T/train.log"
fi
grep -E '^(model|zscore|persistence|har|logreg|xgboost|best|champion|no champion)' "$T/train.log"

MLFLOW_TRACKING_URI="http://127.0.0.1:$port" "$PY" - "$T/run" <<'PYEOF' && pass "runs, metrics, artifacts and the champion alias read back through MLflow's API" || fail "mlflow read-back"
import json, os, sys
from mlflow.tracking import MlflowClient
run = sys.argv[1]
s = json.load(open(os.path.join(run, "metrics.json")))
c = MlflowClient()
exp = c.get_experiment_by_name("crypto-volatility-detection")
assert exp is not None, "experiment missing"
runs = c.search_runs([exp.experiment_id])
names = sorted(r.data.tags.get("mlflow.runName") for r in runs)
assert names == sorted(s["models"]), names
for r in runs:
    n = r.data.tags["mlflow.runName"]
    m = s["models"][n]
    assert abs(r.data.metrics["pr_auc"] - m["pr_auc"]) < 1e-12, (n, r.data.metrics["pr_auc"])
    for k in ("roc_auc", "f1", "brier", "ece", "positive_rate"):
        assert k in r.data.metrics, (n, k)
    assert r.data.params["tau_mode"] == s["tau_mode"] and r.data.params["test_start"]
    arts = {a.path for a in c.list_artifacts(r.info.run_id)}
    assert {"pr_curve.png", "roc_curve.png", "confusion_matrix.png", "features.json", "model"} <= arts, arts
    model_arts = {a.path for a in c.list_artifacts(r.info.run_id, "model")}
    if n != "zscore":
        assert f"model/{n}.volt" in model_arts, model_arts
    feats = json.load(open(c.download_artifacts(r.info.run_id, "features.json", os.path.dirname(run))))
    assert feats == m["features"]
champ = s["champion"]
assert champ, f"no champion on synthetic data: {s['failed_gates']}"
mv = c.get_model_version_by_alias("volt-volatility", "champion")
cr = c.get_run(mv.run_id)
assert cr.data.tags["mlflow.runName"] == champ and cr.data.tags["volt.champion"] == "True"
print(f"mlflow: {len(runs)} runs; champion {champ} = volt-volatility v{mv.version}")
PYEOF

for m in persistence har logreg xgboost; do parity "$T/run" "$m" "$T/syn.ndjson"; done

"$PY" - "$T/run" <<'PYEOF' && pass "time splits: every test and validation time later than the earlier sets' plus horizon and look-back" || fail "split check"
import sys, pandas as pd, json, os
run = sys.argv[1]
tr = pd.read_parquet(os.path.join(run, "train.parquet")); te = pd.read_parquet(os.path.join(run, "test.parquet"))
gap = (te["event_ns"].min() - tr["event_ns"].max()) / 1e9
assert gap > 60 + 1800, gap
s = json.load(open(os.path.join(run, "metrics.json")))
assert s["splits"]["purge_s"] == 1860
print(f"splits: first test row {gap:.0f} s after the last training row")
PYEOF

if "$LAB" report --run "$T/run" --pdf "$T/model_eval.pdf" --card "$T/model_card.md" >/dev/null 2>&1 &&
   head -c 4 "$T/model_eval.pdf" | grep -q '%PDF' &&
   "$PY" -c "import json,sys; s=json.load(open('$T/run/metrics.json')); b=s['champion'] or s['best']; t=open('$T/model_card.md').read(); sys.exit(0 if f\"{s['models'][b]['pr_auc']:.4f}\" in t and '## Intended use' in t else 1)"; then
  pass "PDF report and model card (with the run's PR-AUC) written"
else
  fail "report"
fi
if "$LAB" drift --run "$T/run" --html "$T/drift.html" >"$T/drift.log" 2>&1 && grep -q 'rv_60s' "$T/drift.html" &&
   grep -q '"drifted"' "$T/run/drift.json"; then
  pass "Evidently drift report written ($(grep -o '[0-9]* of [0-9]* features drifted' "$T/drift.log"))"
else
  fail "drift report"
fi

# a missing or broken model file: a clear error, no run
echo "volt-model 1" > "$T/bad.volt"
if "$VOLT" replay --quiet --model "$T/bad.volt" "$T/syn.ndjson" >/dev/null 2>"$T/err"; then
  fail "a broken model file was accepted"
else
  grep -q 'bad.volt' "$T/err" && pass "a broken model file is refused: $(head -1 "$T/err")" || fail "error message: $(cat "$T/err")"
fi

# ---- the real recordings ------------------------------------------------------------------------
REAL=$DATA/coinbase-advanced-btcusd-2025-12
if [ -d "$REAL" ]; then
  "$VOLT" replay --label --quiet --out "$T/real.csv" "$REAL"/*.ndjson >/dev/null || fail "replay real"
  if "$LAB" train "$T/real.csv" --out "$T/real" --no-mlflow >"$T/real.log" 2>&1; then
    pass "volt-lab train on the real December recordings"
    grep -E '^(model|zscore|persistence|har|logreg|xgboost|best|champion|no champion)' "$T/real.log"
  else
    fail "train real"; tail -20 "$T/real.log"
  fi
  for m in logreg xgboost; do parity "$T/real" "$m" "$REAL"/*.ndjson; done
else
  echo "SKIP real recordings: $REAL not found (set VOLT_DATA to the folder of ../shared/data)"
fi

echo "$fails failed"
[ $fails -eq 0 ]
