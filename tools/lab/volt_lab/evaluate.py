"""volt-lab evaluate --model FILE RECORDING...: a model judged on recordings, the engine's way.

The recordings are replayed through the C engine (`volt replay --label --model FILE`), so the
probabilities are the ones the engine serves and the labels are the engine's (future 60-s realized
volatility of 1-s mids >= the trailing tau). One row per product per second is kept, and the model
is printed beside persistence, the ratio rv_60s / tau ranked as it is.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score

from . import data as D
from . import metrics as M

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def engine() -> str:
    path = os.environ.get("VOLT_BIN") or os.path.join(ROOT, "build", "engine", "volt")
    if not os.access(path, os.X_OK):
        raise D.DataError(f"the engine {path} is not built: run 'make build' (or set VOLT_BIN)")
    return path


def replay(model: str, recordings: list[str], out_csv: str) -> None:
    cmd = [engine(), "replay", "--label", "--quiet", "--model", model, "--out", out_csv, *recordings]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise D.DataError(f"volt replay failed ({r.returncode}): {r.stderr.strip()}")


def table(df: pd.DataFrame, log=print) -> dict:
    y = df[D.LABEL].to_numpy()
    p = df["p_spike"].to_numpy(dtype="float64")
    p = np.where(np.isfinite(p), p, 0.0)  # not scorable yet (z-score warm-up): no alert
    alert = df["prediction"].to_numpy(dtype="float64") > 0
    ref = M.persistence_score(df)
    r = M.evaluate(df, p, alert.astype(int), float(y.mean()))
    point, lo, hi, nb = M.block_bootstrap_ap_diff(df, p, ref)
    out = {"rows": int(len(df)), "positive_rate": float(y.mean()), "model": r,
           "persistence_pr_auc": float(average_precision_score(y, ref)),
           "vs_persistence": {"diff": point, "lo": lo, "hi": hi, "blocks": nb}, "per_product": {}}
    log(f"{len(df)} evaluated seconds (one row per product per second), positive rate "
        f"{y.mean():.4f}")
    log(f"{'':<14} {'PR-AUC':>7} {'persist.':>8} {'pos.rate':>8} {'prec':>6} {'recall':>6} "
        f"{'alerts':>6} {'ECE':>6} {'rows':>7}")
    groups = [("all", np.ones(len(df), bool))] + [
        (k, (df["product"] == k).to_numpy()) for k in sorted(df["product"].unique())]
    for name, sel in groups:
        if len(np.unique(y[sel])) < 2:
            log(f"{name:<14} (one class only: no PR-AUC)")
            continue
        rr = M.evaluate(df[sel], p[sel], alert[sel].astype(int), float(y.mean()))
        ap_ref = float(average_precision_score(y[sel], ref[sel]))
        out["per_product"][name] = {"pr_auc": rr["pr_auc"], "persistence": ap_ref,
                                    "positive_rate": rr["positive_rate"], "rows": rr["rows"]}
        log(f"{name:<14} {rr['pr_auc']:>7.4f} {ap_ref:>8.4f} {rr['positive_rate']:>8.4f} "
            f"{rr['precision']:>6.3f} {rr['recall']:>6.3f} {rr['alert_rate']:>6.3f} "
            f"{rr['ece']:>6.3f} {rr['rows']:>7}")
    log(f"PR-AUC minus persistence {point:+.4f}, 95% block-bootstrap interval [{lo:+.4f}, "
        f"{hi:+.4f}] over {nb} blocks of {M.BLOCK_S / 60:.0f} min"
        + (" (fewer than 30 blocks: too few for the interval to mean much)" if nb < 30 else ""))
    return out


def run(model: str, recordings: list[str], cadence_s: float = 1.0, log=print) -> dict:
    with tempfile.TemporaryDirectory() as td:
        csv = os.path.join(td, "rows.csv")
        replay(model, recordings, csv)
        df = D.load([csv], cadence_s)
    log(f"volt-lab evaluate: {model} on {len(recordings)} recording(s)")
    return table(df, log)


def main(model: str, recordings: list[str], cadence_s: float) -> int:
    try:
        run(model, recordings, cadence_s)
    except D.DataError as exc:
        print(f"volt-lab: {exc}", file=sys.stderr)
        return 2
    return 0
