"""volt-lab train: leave-one-session-out cross-validation of every model, pooled metrics, the
export guard, the champion rule, the final fit and export, MLflow tracking (docs/models.md)."""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import time

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score

from . import data as D
from . import metrics as M
from . import models as MD

ECE_GATE = 0.05
PRODUCTS_SLACK = 0.0  # a champion may not fall below persistence on any product


class ExportRefused(Exception):
    pass


def _version(name: str, df: pd.DataFrame, m=None) -> str:
    """NAME-DATE-HASH; the hash covers the data, the inputs and the hyperparameters, so two
    different models never share a version."""
    h = hashlib.sha1(f"{name}{len(df)}{df['t_s'].iloc[0]}{df['t_s'].iloc[-1]}"
                     f"{list(getattr(m, 'features', []))}{getattr(m, 'params', '')}"
                     .encode()).hexdigest()[:8]
    return f"{name}-{time.strftime('%Y%m%d', time.gmtime())}-{h}"


def _span(d: pd.DataFrame) -> dict:
    f = lambda s: pd.Timestamp(s, unit="s", tz="UTC").isoformat()
    return {"start": f(d["t_s"].min()), "end": f(d["t_s"].max()), "rows": int(len(d)),
            "positive_rate": float(d[D.LABEL].mean()),
            "products": sorted(d["product"].unique().tolist())}


def cross_validate(df: pd.DataFrame, groups: np.ndarray, name: str):
    """Out-of-fold raw scores of `name` for every row: each group scored by a model fitted without
    it (purged). Returns the raw scores (NaN in a group no fold could score)."""
    raw = np.full(len(df), np.nan)
    for g, tr, te in D.cv_folds(df, groups):
        D.check_purge(df["t_s"].to_numpy(), tr, te)
        m = MD.make(name).fit(df[tr])
        # the z-score baseline has no raw score before warm-up: its probability (0 there) serves
        raw[te] = m.predict(df[te]) if name == "zscore" else m.score(df[te])
    return raw


def guard(name: str, y: np.ndarray, raw: np.ndarray, calib: tuple, link, p_persistence: np.ndarray):
    """The export guard: a model whose calibrated ranking is worse than its raw one, or whose
    out-of-fold ranking is worse than persistence's (p_persistence: the reference's scores), is not
    exported. Returns the reason or None."""
    a, c = calib
    ap_raw = average_precision_score(y, raw)
    ap_cal = average_precision_score(y, link(a * raw + c))
    if not a > 0 or ap_cal < ap_raw - 1e-9:
        return (f"its calibration (slope {a:.3g}) would make its ranking worse "
                f"(PR-AUC {ap_raw:.4f} raw, {ap_cal:.4f} calibrated)")
    if p_persistence is not None:
        ap_p = average_precision_score(y, p_persistence)
        if ap_raw < ap_p:
            return f"it ranks worse than persistence out of sample (PR-AUC {ap_raw:.4f} < {ap_p:.4f})"
    return None


def breakdown(df: pd.DataFrame, p: np.ndarray, p_pers: np.ndarray, key: str) -> dict:
    out = {}
    y = df[D.LABEL].to_numpy()
    for k in pd.unique(df[key]):
        sel = (df[key] == k).to_numpy()
        if len(np.unique(y[sel])) < 2:
            continue
        out[str(k)] = {"rows": int(sel.sum()), "positive_rate": float(y[sel].mean()),
                       "pr_auc": float(average_precision_score(y[sel], p[sel])),
                       "persistence": float(average_precision_score(y[sel], p_pers[sel]))}
    return out


def run(paths, out_dir, model_names=None, cadence_s=1.0, mlflow_uri=None, log=print,
        ece_gate=ECE_GATE) -> dict:
    model_names = model_names or MD.ALL_MODELS
    if "persistence" not in model_names:
        model_names = ["persistence"] + list(model_names)  # every comparison needs it
    os.makedirs(os.path.join(out_dir, "models"), exist_ok=True)
    df = D.load(paths, cadence_s)
    groups = D.cv_groups(df)
    df["cv_group"] = groups
    y = df[D.LABEL].to_numpy()
    log(f"volt-lab: {len(df)} labelled rows (one per product per {cadence_s:g} s) from "
        f"{len(paths)} file(s), {df['session'].nunique()} session(s), products "
        f"{', '.join(sorted(df['product'].unique()))}; positive rate {y.mean():.4f}")
    if df["session"].nunique() < D.MIN_FOLDS:
        log(f"  fewer than {D.MIN_FOLDS} sessions: cross-validating over {D.MIN_FOLDS} equal-time "
            f"blocks instead")
    log(f"  cross-validation: leave one of {len(pd.unique(groups))} groups out, purged "
        f"{D.PURGE_S} s (label horizon {D.HORIZON_S} s + look-back {D.LOOKBACK_S} s)")

    results, preds, refused = {}, {}, {}
    raws = {}
    for name in ["persistence"] + [n for n in model_names if n != "persistence"]:
        raws[name] = cross_validate(df, groups, name)
    # every model's metrics on the rows every model scored
    ok = np.logical_and.reduce([np.isfinite(v) for v in raws.values()])
    if not ok.all():
        log(f"  {int((~ok).sum())} rows in groups without a usable fold are left out")
    ev = df[ok].reset_index(drop=True)
    y_ev = ev[D.LABEL].to_numpy()
    base_rate = float(y_ev.mean())
    finals = {}
    for name, raw in raws.items():
        # the final model: fitted on every row; its calibration (slope >= 0) and alert threshold
        # fitted on the pooled out-of-fold scores, so the numbers below are its own
        m = MD.make(name).fit(df)
        if name != "zscore":
            m.calibrate(raw[ok], y_ev)
            preds[name] = m._link(m.calib[0] * raw[ok] + m.calib[1])
            m.threshold = M.best_f1_threshold(y_ev, preds[name])
        else:
            preds[name] = m.predict(ev)
        finals[name] = m
    # the reference every model is compared with: persistence as the rule states it, the ratio
    # rv_60s / tau (a segment's first minute, without rv_60s, at the median ratio) -- ranked as it
    # is, no model and no calibration in between
    p_pers = M.persistence_score(ev)
    ref_ap = float(average_precision_score(y_ev, p_pers))
    for name, m in finals.items():
        p = preds[name]
        r = M.evaluate(ev, p, m.threshold, base_rate)
        r["per_product"] = breakdown(ev, p, p_pers, "product")
        r["per_session"] = breakdown(ev, p, p_pers, "cv_group")
        why = None if name == "zscore" else guard(
            name, y_ev, raws[name][ok], m.calib, m._link, None if name == "persistence" else p_pers)
        r["calibration"] = list(m.calib)
        r["features"] = list(m.features)
        r["version"] = _version(name, df, m) if name != "zscore" else "zscore-v0"
        r["refused"] = why
        if why:
            refused[name] = why
            log(f"  REFUSED {name}: not exported: {why}")
        elif name != "zscore":
            path = os.path.join(out_dir, "models", f"{name}.volt")
            with open(path, "w") as fh:
                fh.write(m.export(r["version"], check_rows=df.iloc[:2000]))
            r["model_file"] = path
        with open(os.path.join(out_dir, "models", f"{name}.pkl"), "wb") as fh:
            pickle.dump(m, fh)
        results[name] = r
        log(f"  {name:<12} pooled out-of-fold PR-AUC {r['pr_auc']:.4f} (rv_60s/tau as it is "
            f"{ref_ap:.4f}, positive rate {r['positive_rate']:.4f})")

    # champion: the best learned model, if it passes every gate
    learned = [n for n in results if n in MD.LEARNED and not results[n]["refused"]]
    best = max(learned, key=lambda n: results[n]["pr_auc"]) if learned else None
    gates = {}
    if best:
        point, lo, hi, nb = M.block_bootstrap_ap_diff(ev, preds[best], p_pers)
        results[best]["vs_persistence"] = {"diff": point, "lo": lo, "hi": hi, "blocks": nb,
                                           "block_s": M.BLOCK_S}
        gates["beats_persistence"] = bool(lo > 0)
        gates["ece"] = bool(results[best]["ece"] <= ece_gate)
        gates["every_product"] = all(v["pr_auc"] >= v["persistence"] - PRODUCTS_SLACK
                                     for v in results[best]["per_product"].values())
        gates["leakage"] = True  # cv_folds/check_purge raised otherwise
    champion = best if gates and all(gates.values()) else None
    failed = [g for g, v in gates.items() if not v] if gates else ["no learned model exported"]
    # The default model: the champion; else the best learned model if it wins across held-out
    # sessions (one-sided sign test over the sessions with both classes, p < 0.05), on every
    # product and within the ECE gate -- pooling sessions of different positive rates blurs the
    # pooled interval, while each session is a comparison on data the model never saw; else
    # calibrated persistence.
    default, sessions = champion, None
    if best:
        ps = results[best]["per_session"]
        wins = sum(v["pr_auc"] > v["persistence"] for v in ps.values())
        sessions = {"won": int(wins), "of": len(ps), "p_value": M.sign_test_p(wins, len(ps))}
        results[best]["sessions_won"] = sessions
        if not default and sessions["p_value"] < 0.05 and gates["every_product"] and gates["ece"]:
            default = best
    if not default:
        default = "persistence" if not results["persistence"]["refused"] else None
    summary = {
        "files": list(paths), "cadence_s": cadence_s, "tau_mode": "trailing",
        "rows": int(len(ev)), "positive_rate": base_rate, "span": _span(ev),
        "cv": {"kind": "leave-one-session-out" if df["session"].nunique() >= D.MIN_FOLDS
               else "leave-one-block-out", "purge_s": D.PURGE_S,
               "groups": {str(g): _span(ev[ev["cv_group"] == g])
                          for g in pd.unique(ev["cv_group"])}},
        "base_rate": base_rate, "reference_pr_auc": ref_ap, "models": results, "best": best, "champion": champion,
        "default": default, "gates": gates, "failed_gates": failed, "ece_gate": ece_gate,
        "refused": refused, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    with open(os.path.join(out_dir, "metrics.json"), "w") as fh:
        json.dump(summary, fh, indent=2)
    pd.DataFrame({"event_ns": ev["event_ns"].to_numpy(), "product": ev["product"].to_numpy(),
                  "group": ev["cv_group"].to_numpy(), "label": y_ev,
                  **{f"p_{k}": v for k, v in preds.items()}}
                 ).to_csv(os.path.join(out_dir, "cv_predictions.csv"), index=False)
    ev.to_parquet(os.path.join(out_dir, "rows.parquet"))
    print_table(summary, log)
    if mlflow_uri is not False:
        from . import track
        track.log_runs(summary, out_dir, mlflow_uri, log)
    return summary


def print_table(s: dict, log=print) -> None:
    log("")
    log(f"pooled out-of-fold ({s['cv']['kind']}, {len(s['cv']['groups'])} groups, "
        f"{s['rows']} rows, positive rate {s['positive_rate']:.4f}):")
    log(f"reference: persistence as the rule, rv_60s / tau ranked as it is: PR-AUC "
        f"{s['reference_pr_auc']:.4f}")
    log(f"{'model':<12} {'PR-AUC':>7} {'ROC-AUC':>7} {'F1':>6} {'prec':>6} {'recall':>6} "
        f"{'alerts':>6} {'Brier':>7} {'BSS':>7} {'ECE':>6} {'lead s':>6}")
    for n, r in s["models"].items():
        log(f"{n:<12} {r['pr_auc']:>7.4f} {r['roc_auc']:>7.4f} {r['f1']:>6.3f} "
            f"{r['precision']:>6.3f} {r['recall']:>6.3f} {r['alert_rate']:>6.3f} {r['brier']:>7.4f} "
            f"{r['brier_skill']:>7.3f} {r['ece']:>6.3f} {r['lead_time_s']:>6.1f}"
            + ("  REFUSED" if r.get("refused") else ""))
    b = s.get("best")
    if b:
        log("")
        log(f"per product, PR-AUC of {b} / rv_60s/tau:")
        for k, v in s["models"][b]["per_product"].items():
            log(f"  {k:<10} {v['pr_auc']:.4f} / {v['persistence']:.4f}  ({v['rows']} rows, "
                f"positive rate {v['positive_rate']:.4f})")
    if b and "vs_persistence" in s["models"][b]:
        v = s["models"][b]["vs_persistence"]
        log(f"best learned model: {b}; PR-AUC minus rv_60s/tau {v['diff']:+.4f}, 95% block-bootstrap "
            f"interval [{v['lo']:+.4f}, {v['hi']:+.4f}] over {v['blocks']} blocks of "
            f"{v['block_s'] / 60:.0f} min")
    if s["champion"]:
        log(f"champion: {s['champion']} (passes: beats persistence, ECE <= {s['ece_gate']}, "
            f"every product, leakage checks)")
    else:
        log(f"no champion: failed gate(s): {', '.join(s['failed_gates'])}")
    sw = s["models"][b].get("sessions_won") if b else None
    if sw:
        log(f"{b} beats rv_60s/tau in {sw['won']} of {sw['of']} held-out sessions (one-sided sign "
            f"test p = {sw['p_value']:.4f})")
    log(f"default model: {s['default']}")
