"""volt-lab: train | evaluate | predict | report | drift (docs/models.md)."""
from __future__ import annotations

import argparse
import json
import os
import pickle
import sys

import pandas as pd

from . import data as D

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="volt-lab", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="cross-validate every model by session, export, track")
    t.add_argument("files", nargs="+", help="CSV files from 'volt replay --label --out FILE', "
                   "one per recording (sessions are found within each file)")
    t.add_argument("--out", default="out/lab", help="run directory (models/, metrics.json, ...)")
    t.add_argument("--models", default=",".join(["zscore", "persistence", "har", "logreg", "xgboost"]))
    t.add_argument("--cadence", type=float, default=1.0,
                   help="keep one row per product per CADENCE seconds (0: every tick row)")
    t.add_argument("--mlflow-uri", default=None,
                   help="tracking server; default: a local store, sqlite:///RUN_DIR/mlflow.db")
    t.add_argument("--no-mlflow", action="store_true", help="do not track the run")
    t.add_argument("--ece-gate", type=float, default=0.05,
                   help="champion gate on expected calibration error (default 0.05)")
    e = sub.add_parser("evaluate", help="score a model file on recordings through the engine, "
                       "label them the engine's way, print its metrics beside persistence's "
                       "(or, with --run and no recordings, print a run's stored table)")
    e.add_argument("--model", help="model file (or 'default', 'zscore') to evaluate")
    e.add_argument("recordings", nargs="*", help="recordings (NDJSON, .zst) to replay")
    e.add_argument("--cadence", type=float, default=1.0,
                   help="keep one row per product per CADENCE seconds (default 1)")
    e.add_argument("--run", default=None, help="print this run's stored table instead")
    p = sub.add_parser("predict", help="the Python model's probability for every labelled row")
    p.add_argument("--run", default="out/lab")
    p.add_argument("--model", required=True)
    p.add_argument("files", nargs="+")
    p.add_argument("--out", required=True)
    p.add_argument("--all-rows", action="store_true", help="score unlabelled rows too")
    cv = sub.add_parser("curve", help="the best model's lead over persistence against the number "
                        "of training sessions (held-out sessions, purged)")
    cv.add_argument("--run", default="out/lab")
    cv.add_argument("--model", default="xgboost")
    cv.add_argument("--sizes", default="2,4,8,16,21")
    cv.add_argument("--repeats", type=int, default=2)
    r = sub.add_parser("report", help="PDF evaluation report and the model card (into the run "
                       "directory; with --update-docs into reports/, docs/ and models/default.volt)")
    r.add_argument("--run", default="out/lab")
    r.add_argument("--update-docs", action="store_true",
                   help="write the committed files: reports/model_eval.pdf, docs/model_card.md and "
                        "the default model, models/default.volt")
    d = sub.add_parser("drift", help="Evidently data-drift report (earlier sessions vs the newest)")
    d.add_argument("--run", default="out/lab")
    d.add_argument("--update-docs", action="store_true", help="write reports/drift_report.html")
    a = ap.parse_args(argv)
    try:
        if a.cmd == "train":
            from . import train
            train.run(a.files, a.out, [m for m in a.models.split(",") if m], a.cadence,
                      False if a.no_mlflow else a.mlflow_uri, ece_gate=a.ece_gate)
        elif a.cmd == "evaluate":
            if a.recordings:
                from . import evaluate
                return evaluate.main(a.model or "default", a.recordings, a.cadence)
            if not a.run:
                raise D.DataError("evaluate: give --model FILE RECORDING... (or --run DIR)")
            from . import train
            with open(os.path.join(a.run, "metrics.json")) as fh:
                train.print_table(json.load(fh))
        elif a.cmd == "predict":
            with open(os.path.join(a.run, "models", f"{a.model}.pkl"), "rb") as fh:
                m = pickle.load(fh)
            rows = load_rows(a.files, a.all_rows)
            pd.DataFrame({"event_ns": rows["event_ns"], "p": m.predict(rows)}).to_csv(
                a.out, index=False, float_format="%.17g")
        elif a.cmd == "curve":
            from . import curve
            curve.run(a.run, a.model, [int(x) for x in a.sizes.split(",")], a.repeats)
        elif a.cmd == "report":
            from . import report
            if a.update_docs:
                report.write(a.run, os.path.join(ROOT, "reports", "model_eval.pdf"),
                             os.path.join(ROOT, "docs", "model_card.md"))
                report.ship_default(a.run, os.path.join(ROOT, "models", "default.volt"))
            else:
                report.write(a.run, os.path.join(a.run, "model_eval.pdf"),
                             os.path.join(a.run, "model_card.md"))
        elif a.cmd == "drift":
            from . import report
            report.drift(a.run, os.path.join(ROOT, "reports", "drift_report.html") if a.update_docs
                         else os.path.join(a.run, "drift_report.html"))
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
