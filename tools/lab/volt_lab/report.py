"""The evaluation report (PDF), the model card (Markdown, from the run's real numbers) and the
Evidently data-drift report (HTML, train vs test)."""
from __future__ import annotations

import json
import os

import pandas as pd

from . import data as D


def _load(run: str):
    with open(os.path.join(run, "metrics.json")) as fh:
        s = json.load(fh)
    preds = pd.read_csv(os.path.join(run, "test_predictions.csv"))
    return s, preds


def _importance(run: str, name: str) -> dict:
    import pickle
    path = os.path.join(run, "models", f"{name}.pkl")
    if not os.path.exists(path):
        return {}
    with open(path, "rb") as fh:
        m = pickle.load(fh)
    return m.importance() if hasattr(m, "importance") else {}


def write(run: str, pdf_path: str, card_path: str) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    from . import plots

    s, preds = _load(run)
    y = preds["label"].to_numpy()
    ps = {n: preds[f"p_{n}"].to_numpy() for n in s["models"]}
    os.makedirs(os.path.dirname(os.path.abspath(pdf_path)), exist_ok=True)
    with PdfPages(pdf_path) as pdf:
        fig, ax = plt.subplots(figsize=(11, 5.5))
        ax.axis("off")
        cols = ["model", "PR-AUC", "pos. rate", "ROC-AUC", "F1", "precision", "recall", "alert rate",
                "Brier skill", "ECE", "lead s"]
        rows = [[n, f"{r['pr_auc']:.4f}", f"{r['positive_rate']:.4f}", f"{r['roc_auc']:.4f}",
                 f"{r['f1']:.3f}", f"{r['precision']:.3f}", f"{r['recall']:.3f}",
                 f"{r['alert_rate']:.3f}", f"{r['brier_skill']:.3f}", f"{r['ece']:.3f}",
                 f"{r['lead_time_s']:.1f}"] for n, r in s["models"].items()]
        tb = ax.table(cellText=rows, colLabels=cols, loc="upper center")
        tb.auto_set_font_size(False)
        tb.set_fontsize(8)
        tb.scale(1, 1.5)
        for i in range(len(rows) + 1):
            tb[i, 1].set_facecolor("#fff2a8")  # PR-AUC, the primary metric
        sp = s["splits"]
        txt = [f"volt model evaluation — tau {s['tau_mode']}"
               + (f" = {s['tau']:.6g}" if s["tau"] is not None else "")
               + f"; test {sp['test']['start'][:19]} .. {sp['test']['end'][:19]} UTC, "
               f"{sp['test']['rows']} rows, positive rate {sp['test']['positive_rate']:.4f}",
               f"train {sp['train']['rows']} rows ({sp['train']['start'][:19]} .. {sp['train']['end'][:19]}), "
               f"validation {sp['validation']['rows']} rows; purge {sp['purge_s']} s between splits"]
        b = s.get("best")
        if b and "vs_persistence" in s["models"][b]:
            v = s["models"][b]["vs_persistence"]
            txt.append(f"best learned: {b}; PR-AUC minus persistence {v['diff']:+.4f}, 95% block-bootstrap "
                       f"[{v['lo']:+.4f}, {v['hi']:+.4f}] ({v['blocks']} blocks of 30 min)")
        txt.append(f"champion: {s['champion']}" if s["champion"] else
                   f"no champion; failed gate(s): {', '.join(s['failed_gates'])}")
        txt.append("seed's target PR-AUC >= 0.70 (set without a persistence reference)")
        for i, t in enumerate(txt):
            fig.text(0.05, 0.30 - 0.05 * i, t, fontsize=9)
        pdf.savefig(fig)
        plt.close(fig)
        for fig in (plots.pr_curves(y, ps), plots.roc_curves(y, ps)):
            pdf.savefig(fig)
            plt.close(fig)
        names = list(s["models"])
        fig, axs = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3.4))
        for ax, n in zip(axs if len(names) > 1 else [axs], names):
            plots.confusion(s["models"][n], n, ax=ax)
        fig.tight_layout()
        pdf.savefig(fig)
        plt.close(fig)
        for n in ("xgboost", "logreg"):
            imp = _importance(run, n) if n in s["models"] else {}
            if imp:
                fig = plots.importance(imp, n)
                pdf.savefig(fig)
                plt.close(fig)
        if s["walk_forward"]:
            fig, ax = plt.subplots(figsize=(6.5, 4))
            wf = pd.DataFrame(s["walk_forward"])
            for c in wf.columns:
                if c not in ("fold", "test_rows", "positive_rate"):
                    ax.plot(wf["fold"], wf[c], marker="o", label=c)
            ax.plot(wf["fold"], wf["positive_rate"], ls=":", color="grey", label="positive rate")
            ax.set(xlabel="fold", ylabel="PR-AUC", title="walk-forward evaluation")
            ax.legend(fontsize=8)
            fig.tight_layout()
            pdf.savefig(fig)
            plt.close(fig)
    os.makedirs(os.path.dirname(os.path.abspath(card_path)), exist_ok=True)
    with open(card_path, "w") as fh:
        fh.write(card(s))
    print(f"volt-lab: wrote {pdf_path} and {card_path}")


def card(s: dict) -> str:
    b = s["champion"] or s["best"]
    r = s["models"][b]
    sp = s["splits"]
    per = s["models"].get("persistence")
    har = s["models"].get("har")
    v = r.get("vs_persistence")
    lines = [
        f"# Model card: volt volatility-spike model `{r['version']}`",
        "",
        f"*Generated by `volt-lab report` from the run of {s['created']}; every number below is that run's.*",
        "",
        "## Model details",
        f"- Model: **{b}** ({'the MLflow champion' if s['champion'] else 'best learned model; NOT a champion: failed ' + ', '.join(s['failed_gates'])}).",
        f"- Inputs: {len(r['features'])} engine features ({', '.join(r['features'])}), computed by the C engine (`volt replay --label`), the same code that serves live.",
        f"- Output: probability that realized volatility over the next 60 s is at or above tau ({s['tau_mode']} tau"
        + (f" = {s['tau']:.6g}" if s["tau"] is not None else ": the 90th percentile of 60-s realized volatility over the past 30 min") + ").",
        f"- Alert threshold p >= {r['threshold']:.4f}, chosen for the best F1 on validation{'; Platt-calibrated on validation' if r['calibrated'] else ''}.",
        f"- Served by the engine: `volt replay|live --model {os.path.basename(r.get('model_file', 'zscore'))}` (file format: docs/models.md).",
        "",
        "## Intended use",
        "- Early warning of unusually volatile minutes in BTC-USD (and other Coinbase products) for operators and downstream risk systems; a ranking signal with a probability attached.",
        "- Not for: trading decisions on its own, products or regimes far from the training data, or horizons other than 60 s.",
        "",
        "## Factors",
        "- Market regime (calm vs busy sessions), time of day (UTC), the feed (Advanced Trade ticker-only recordings carry no trade sizes: trade-flow features are missing there, and the model treats them as missing).",
        "",
        "## Metrics",
        "PR-AUC is primary (the positive class is rare); always read beside the test positive rate.",
        "",
        "| model | PR-AUC | positive rate | ROC-AUC | F1 | precision | recall | alert rate | Brier skill | ECE | lead time s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, m in s["models"].items():
        lines.append(f"| {'**' + n + '**' if n == b else n} | {m['pr_auc']:.4f} | {m['positive_rate']:.4f} | "
                     f"{m['roc_auc']:.4f} | {m['f1']:.3f} | {m['precision']:.3f} | {m['recall']:.3f} | "
                     f"{m['alert_rate']:.3f} | {m['brier_skill']:.3f} | {m['ece']:.3f} | {m['lead_time_s']:.1f} |")
    lines.append("")
    if v:
        lines.append(f"- {b} minus persistence, PR-AUC: {v['diff']:+.4f}, 95% block-bootstrap interval "
                     f"[{v['lo']:+.4f}, {v['hi']:+.4f}] over {v['blocks']} 30-minute blocks of the test period.")
    if per and har:
        lines.append(f"- Persistence (past 60-s RV vs tau) PR-AUC {per['pr_auc']:.4f}; HAR-style {har['pr_auc']:.4f}; "
                     f"{b} {r['pr_auc']:.4f}; the seed's target 0.70 (set without a persistence reference): "
                     f"{'met' if r['pr_auc'] >= 0.70 else 'not met'}.")
    if s["walk_forward"]:
        lines.append("- Walk-forward (expanding window, purged): " + "; ".join(
            f"fold {w['fold']}: " + ", ".join(f"{k} {w[k]:.3f}" for k in w if k not in ("fold", "test_rows", "positive_rate"))
            + f" (pos. {w['positive_rate']:.3f})" for w in s["walk_forward"]) + ".")
    lines += [
        "",
        "## Evaluation data",
        f"- Test: {sp['test']['rows']} rows, {sp['test']['start'][:19]} .. {sp['test']['end'][:19]} UTC, positive rate {sp['test']['positive_rate']:.4f}.",
        "",
        "## Training data",
        f"- Train: {sp['train']['rows']} rows, {sp['train']['start'][:19]} .. {sp['train']['end'][:19]} UTC (positive rate {sp['train']['positive_rate']:.4f}); validation {sp['validation']['rows']} rows.",
        f"- Splits by time only, never shuffled, with {sp['purge_s']} s purged between them (label horizon 60 s + longest look-back 1800 s); tau, imputation and scaling fitted on training rows only.",
        f"- Source files: {', '.join(os.path.basename(f) for f in s['files'])}.",
        "",
        "## Quantitative analyses",
        "- See `reports/model_eval.pdf` (PR and ROC curves, confusion matrices, feature importance, walk-forward) and the drift report (`reports/drift_report.html`).",
        "",
        "## Ethical considerations",
        "- Market data only; no personal data. A false sense of safety is the main risk: a quiet prediction is not a guarantee.",
        "",
        "## Caveats and recommendations",
        "- The recordings span hours, not months: the test period is short and one regime; the interval above says how much the ranking can be trusted.",
        "- Validation and test periods can have very different positive rates (regime shift): calibration fitted on validation may not hold on test (ECE above).",
        "- Retrain and re-run `volt-lab drift` when the drift report flags most features.",
        "",
    ]
    return "\n".join(lines)


def drift(run: str, html_path: str) -> None:
    from evidently import Report
    from evidently.presets import DataDriftPreset

    train = pd.read_parquet(os.path.join(run, "train.parquet"))
    test = pd.read_parquet(os.path.join(run, "test.parquet"))
    cols = [c for c in D.FEATURES if train[c].notna().any() and test[c].notna().any()]
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        snap = Report([DataDriftPreset()]).run(reference_data=train[cols], current_data=test[cols])
    os.makedirs(os.path.dirname(os.path.abspath(html_path)), exist_ok=True)
    snap.save_html(html_path)
    d = snap.dict()
    drifted = next((m["value"] for m in d["metrics"] if m["metric_name"].startswith("DriftedColumnsCount")), None)
    with open(os.path.join(run, "drift.json"), "w") as fh:
        json.dump({"columns": cols, "drifted": drifted}, fh, indent=1)
    print(f"volt-lab: wrote {html_path}: {drifted['count']:.0f} of {len(cols)} features drifted "
          f"(share {drifted['share']:.2f}) between train and test" if drifted else f"volt-lab: wrote {html_path}")
