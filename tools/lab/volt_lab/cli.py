"""volt-lab: train | evaluate | predict | report | drift (docs/models.md)."""
from __future__ import annotations

import argparse
import json
import os
import pickle
import sys

import pandas as pd

from . import data as D


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="volt-lab", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="split by time, train every model, evaluate, export, track")
    t.add_argument("files", nargs="+", help="CSV files from 'volt replay --label --out FILE'")
    t.add_argument("--out", default="out/lab", help="run directory (models/, metrics.json, ...)")
    t.add_argument("--tau", choices=["trailing", "fixed"], default="trailing")
    t.add_argument("--models", default=",".join(["zscore", "persistence", "har", "logreg", "xgboost"]))
    t.add_argument("--cadence", type=float, default=0.0,
                   help="keep one row per product per CADENCE seconds (0: every tick row)")
    t.add_argument("--mlflow-uri", default=None,
                   help="tracking server; default: a local store, sqlite:///RUN_DIR/mlflow.db")
    t.add_argument("--no-mlflow", action="store_true", help="do not track the run")
    t.add_argument("--ece-gate", type=float, default=0.03,
                   help="champion gate on expected calibration error (default 0.03, the issue's)")
    e = sub.add_parser("evaluate", help="print a run's test metrics and walk-forward folds")
    e.add_argument("--run", default="out/lab")
    p = sub.add_parser("predict", help="the Python model's probability for every labelled row")
    p.add_argument("--run", default="out/lab")
    p.add_argument("--model", required=True)
    p.add_argument("files", nargs="+")
    p.add_argument("--out", required=True)
    p.add_argument("--all-rows", action="store_true", help="score unlabelled rows too")
    r = sub.add_parser("report", help="PDF evaluation report and the model card")
    r.add_argument("--run", default="out/lab")
    r.add_argument("--pdf", default="reports/model_eval.pdf")
    r.add_argument("--card", default="docs/model_card.md")
    d = sub.add_parser("drift", help="Evidently data-drift report, train vs test, as HTML")
    d.add_argument("--run", default="out/lab")
    d.add_argument("--html", default="reports/drift_report.html")
    a = ap.parse_args(argv)
    try:
        if a.cmd == "train":
            from . import train
            train.run(a.files, a.out, a.tau, [m for m in a.models.split(",") if m], a.cadence,
                      False if a.no_mlflow else a.mlflow_uri, ece_gate=a.ece_gate)
        elif a.cmd == "evaluate":
            from . import train
            with open(os.path.join(a.run, "metrics.json")) as fh:
                s = json.load(fh)
            train.print_table(s)
            for row in s["walk_forward"]:
                print("walk-forward", json.dumps(row))
        elif a.cmd == "predict":
            with open(os.path.join(a.run, "models", f"{a.model}.pkl"), "rb") as fh:
                m = pickle.load(fh)
            rows = load_rows(a.files, a.all_rows)
            pd.DataFrame({"event_ns": rows["event_ns"], "p": m.predict(rows)}).to_csv(
                a.out, index=False, float_format="%.17g")
        elif a.cmd == "report":
            from . import report
            report.write(a.run, a.pdf, a.card)
        elif a.cmd == "drift":
            from . import report
            report.drift(a.run, a.html)
    except (D.DataError, FileNotFoundError) as exc:
        print(f"volt-lab: {exc}", file=sys.stderr)
        return 2
    return 0


def load_rows(files, all_rows: bool) -> pd.DataFrame:
    df = D.numeric(pd.concat([pd.read_csv(f, low_memory=False) for f in files], ignore_index=True),
                   D.FEATURES + [D.LABEL])
    if not all_rows and D.LABEL in df.columns:
        df = df[df[D.LABEL].notna()]
    return df
