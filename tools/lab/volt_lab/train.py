"""volt-lab train: time-based splits, every model, metrics, the champion gates, export."""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import time

import pandas as pd
from sklearn.metrics import average_precision_score

from . import data as D
from . import metrics as M
from . import models as MD

ECE_GATE = 0.03


def _version(name: str, tau_mode: str, train: pd.DataFrame) -> str:
    h = hashlib.sha1(f"{name}{tau_mode}{len(train)}{train['t_s'].iloc[0]}{train['t_s'].iloc[-1]}"
                     .encode()).hexdigest()[:8]
    return f"{name}-{time.strftime('%Y%m%d', time.gmtime())}-{h}"


def _span(d: pd.DataFrame) -> dict:
    f = lambda s: pd.Timestamp(s, unit="s", tz="UTC").isoformat()
    return {"start": f(d["t_s"].min()), "end": f(d["t_s"].max()), "rows": int(len(d)),
            "positive_rate": float(d[D.LABEL].mean())}


def run(paths, out_dir, tau_mode="trailing", model_names=None, cadence_s=0.0, mlflow_uri=None,
        log=print, ece_gate=ECE_GATE) -> dict:
    model_names = model_names or MD.ALL_MODELS
    os.makedirs(os.path.join(out_dir, "models"), exist_ok=True)
    df = D.load(paths, cadence_s)
    train, val, test = D.time_splits(df)
    tau = None
    if tau_mode == "fixed":
        tau = D.fixed_tau(train)
        train, val, test = (D.relabel_fixed(x, tau) for x in (train, val, test))
    elif tau_mode != "trailing":
        raise D.DataError("--tau must be trailing or fixed")
    D.check_splits(train, val, test)
    base_rate = float(train[D.LABEL].mean())
    log(f"volt-lab: {len(df)} labelled rows from {len(paths)} file(s); tau {tau_mode}"
        + (f" = {tau:.6g}" if tau is not None else ""))
    for nm, part in (("train", train), ("validation", val), ("test", test)):
        s = _span(part)
        log(f"  {nm:<10} {s['rows']:>8} rows  {s['start']} .. {s['end']}  positive {100 * s['positive_rate']:.2f}%")
    log(f"  purge between splits: {D.PURGE_S} s (label horizon {D.HORIZON_S} s + look-back {D.LOOKBACK_S} s)")

    results, fitted, preds = {}, {}, {}
    for name in model_names:
        m = MD.make(name, tau_mode)
        m.fit(train, val)
        pv = m.predict(val)
        if M.ece(val[D.LABEL].to_numpy(), pv) > ece_gate and name != "zscore":
            m.calibrate(val)
            pv = m.predict(val)
        if name != "zscore":
            m.threshold = M.best_f1_threshold(val[D.LABEL].to_numpy(), pv)
        pt = m.predict(test)
        r = M.evaluate(test, pt, m.threshold, base_rate)
        r["val_pr_auc"] = float(average_precision_score(val[D.LABEL].to_numpy(), pv))
        r["calibrated"] = m.calib != (1.0, 0.0)
        r["features"] = list(m.features)
        r["version"] = _version(name, tau_mode, train) if name != "zscore" else "zscore-v0"
        results[name], fitted[name], preds[name] = r, m, pt
        if name != "zscore":
            path = os.path.join(out_dir, "models", f"{name}.volt")
            with open(path, "w") as fh:
                fh.write(m.export(r["version"], check_rows=val.iloc[:2000]))
            r["model_file"] = path
        with open(os.path.join(out_dir, "models", f"{name}.pkl"), "wb") as fh:
            pickle.dump(m, fh)
        log(f"  trained {name:<12} test PR-AUC {r['pr_auc']:.4f}  (positive rate {r['positive_rate']:.4f})")

    # champion: the best PR-AUC among learned models, if it passes every gate
    learned = [n for n in results if n not in ("zscore", "persistence")]
    best = max(learned, key=lambda n: results[n]["pr_auc"]) if learned else None
    gates = {}
    if best and "persistence" in results:
        point, lo, hi, nb = M.block_bootstrap_ap_diff(test, preds[best], preds["persistence"])
        results[best]["vs_persistence"] = {"diff": point, "lo": lo, "hi": hi, "blocks": nb}
        gates["beats_persistence"] = bool(lo > 0)
        gates["ece"] = bool(results[best]["ece"] <= ece_gate)
        gates["leakage"] = True  # time_splits/check_splits raised otherwise
        if "har" in results:
            gates["beats_har"] = bool(results[best]["pr_auc"] > results["har"]["pr_auc"])
    champion = best if gates and all(gates[g] for g in ("beats_persistence", "ece", "leakage")) else None
    failed = [g for g, ok in gates.items() if not ok and g != "beats_har"]

    wf = walk_forward(df, tau_mode, [n for n in ("persistence", best) if n], log)
    summary = {
        "tau_mode": tau_mode, "tau": tau, "files": list(paths), "cadence_s": cadence_s,
        "splits": {"train": _span(train), "validation": _span(val), "test": _span(test),
                   "purge_s": D.PURGE_S},
        "base_rate_train": base_rate, "models": results, "best": best, "champion": champion,
        "gates": gates, "failed_gates": failed, "ece_gate": ece_gate, "walk_forward": wf,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    with open(os.path.join(out_dir, "metrics.json"), "w") as fh:
        json.dump(summary, fh, indent=2)
    pd.DataFrame({"event_ns": test["event_ns"].to_numpy(), "product": test["product"].to_numpy(),
                  "label": test[D.LABEL].to_numpy(), **{f"p_{k}": v for k, v in preds.items()}}
                 ).to_csv(os.path.join(out_dir, "test_predictions.csv"), index=False)
    train.to_parquet(os.path.join(out_dir, "train.parquet"))
    test.to_parquet(os.path.join(out_dir, "test.parquet"))
    print_table(summary, log)
    if mlflow_uri is not False:
        from . import track
        track.log_runs(summary, out_dir, mlflow_uri, log)
    return summary


def walk_forward(df, tau_mode, names, log) -> list:
    out = []
    for k, tr, te in D.walk_forward(df):
        va_cut = tr["t_s"].quantile(0.8)
        tr2, va = tr[tr["t_s"] < va_cut], tr[tr["t_s"] >= va_cut]
        if tau_mode == "fixed":
            tau = D.fixed_tau(tr2)
            tr2, va, te = (D.relabel_fixed(x, tau) for x in (tr2, va, te))
        if va[D.LABEL].nunique() < 2 or tr2[D.LABEL].nunique() < 2 or te[D.LABEL].nunique() < 2:
            continue
        row = {"fold": k, "test_rows": int(len(te)), "positive_rate": float(te[D.LABEL].mean())}
        for n in names:
            m = MD.make(n, tau_mode).fit(tr2, va)
            row[n] = float(average_precision_score(te[D.LABEL].to_numpy(), m.predict(te)))
        out.append(row)
        log("  walk-forward fold %d: %s" % (k, ", ".join(
            f"{n} PR-AUC {row[n]:.4f}" for n in names) + f" (positive rate {row['positive_rate']:.4f})"))
    return out


def print_table(s: dict, log=print) -> None:
    log("")
    log(f"{'model':<12} {'PR-AUC':>7} {'pos.rate':>8} {'ROC-AUC':>7} {'F1':>6} {'prec':>6} {'recall':>6} "
        f"{'alerts':>6} {'Brier':>7} {'BSS':>7} {'ECE':>6} {'lead s':>6}")
    for n, r in s["models"].items():
        log(f"{n:<12} {r['pr_auc']:>7.4f} {r['positive_rate']:>8.4f} {r['roc_auc']:>7.4f} {r['f1']:>6.3f} "
            f"{r['precision']:>6.3f} {r['recall']:>6.3f} {r['alert_rate']:>6.3f} {r['brier']:>7.4f} "
            f"{r['brier_skill']:>7.3f} {r['ece']:>6.3f} {r['lead_time_s']:>6.1f}")
    b = s.get("best")
    if b and "vs_persistence" in s["models"][b]:
        v = s["models"][b]["vs_persistence"]
        log(f"best learned model: {b}; PR-AUC minus persistence {v['diff']:+.4f}, 95% block-bootstrap "
            f"interval [{v['lo']:+.4f}, {v['hi']:+.4f}] over {v['blocks']} 30-min blocks")
    if s["champion"]:
        log(f"champion: {s['champion']} (passes: beats persistence, ECE <= {s['ece_gate']}, leakage checks)")
    else:
        log(f"no champion: failed gate(s): {', '.join(s['failed_gates']) or 'no learned model'}")
