"""The evaluation report (PDF), the model card (Markdown, from the run's real numbers) and the
Evidently data-drift report (HTML, the earlier sessions vs the newest one)."""
from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd

from . import data as D


def _load(run: str):
    with open(os.path.join(run, "metrics.json")) as fh:
        s = json.load(fh)
    preds = pd.read_csv(os.path.join(run, "cv_predictions.csv"))
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
        txt = [f"volt model evaluation: pooled out-of-fold predictions, {s['cv']['kind']} over "
               f"{len(s['cv']['groups'])} groups ({s['rows']} rows, one per product per "
               f"{s['cadence_s']:g} s, positive rate {s['positive_rate']:.4f}), purge {s['cv']['purge_s']} s",
               f"reference: rv_60s / tau ranked as it is, PR-AUC {s['reference_pr_auc']:.4f}"]
        b = s.get("best")
        if b and "vs_persistence" in s["models"][b]:
            v = s["models"][b]["vs_persistence"]
            txt.append(f"best learned: {b}; PR-AUC minus rv_60s/tau {v['diff']:+.4f}, 95% block-bootstrap "
                       f"[{v['lo']:+.4f}, {v['hi']:+.4f}] ({v['blocks']} blocks of {v['block_s'] / 60:.0f} min)")
        txt.append(f"champion: {s['champion']}" if s["champion"] else
                   f"no champion; failed gate(s): {', '.join(s['failed_gates'])}")
        txt.append(f"default model (models/default.volt): {s['default']}")
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
        if b:
            fig, ax = plt.subplots(figsize=(8, 4.5))
            ps = s["models"][b]["per_session"]
            ks = list(ps)
            ax.bar(np.arange(len(ks)) - 0.2, [ps[k]["pr_auc"] for k in ks], 0.4, label=b)
            ax.bar(np.arange(len(ks)) + 0.2, [ps[k]["persistence"] for k in ks], 0.4,
                   label="rv_60s/tau")
            ax.plot(np.arange(len(ks)), [ps[k]["positive_rate"] for k in ks], "k:", marker=".",
                    label="positive rate")
            ax.set_xticks(np.arange(len(ks)), [k.split("@")[-1] for k in ks], rotation=90, fontsize=6)
            ax.set(ylabel="PR-AUC", title="per held-out session")
            ax.legend(fontsize=8)
            fig.tight_layout()
            pdf.savefig(fig)
            plt.close(fig)
    os.makedirs(os.path.dirname(os.path.abspath(card_path)), exist_ok=True)
    with open(card_path, "w") as fh:
        fh.write(card(s))
    print(f"volt-lab: wrote {pdf_path} and {card_path}")


def _why_default(s: dict, b: str) -> str:
    if s["champion"] == b:
        return "the MLflow champion: it passed every gate"
    sw = s["models"][b].get("sessions_won")
    if sw:
        return (f"not the MLflow champion (failed: {', '.join(s['failed_gates'])}), but it beats "
                f"rv_60s/tau in {sw['won']} of {sw['of']} held-out sessions (one-sided sign test "
                f"p = {sw['p_value']:.4f}), on every product, within the ECE gate")
    return (f"no learned model passed the gates ({', '.join(s['failed_gates'])}), so the default "
            f"is calibrated persistence")


def card(s: dict) -> str:
    b = s["default"] or s["best"]
    r = s["models"][b]
    best = s.get("best")
    v = s["models"][best].get("vs_persistence") if best else None
    lines = [
        f"# Model card: volt volatility-spike model `{r['version']}`",
        "",
        f"*Generated by `volt-lab report` from the run of {s['created']}; every number below is that run's.*",
        "",
        "## Model details",
        f"- Model: **{b}**, shipped as `models/default.volt` and scored by `volt live|replay` when no "
        f"`--model` is given ({_why_default(s, b)}).",
        f"- Inputs: {', '.join(r['features'])} -- volatilities read relative to the product's own trailing tau, so the model reads the same numbers at any price level and on any product; computed by the C engine, the same code that serves live.",
        "- Output: probability that realized volatility of 1-s mids over the next 60 s is at or above tau, the 90th percentile of the product's 60-s realized volatility over the past 30 min.",
        f"- Calibration: Platt scaling with a non-negative slope (a = {r['calibration'][0]:.4g}, c = {r['calibration'][1]:.4g}), fitted on the pooled out-of-fold scores; it cannot reverse a ranking, and the lab refuses to export a model whose calibrated ranking is worse than its raw one or than persistence's.",
        f"- Alert threshold p >= {r['threshold']:.4f} (the best F1 on the pooled out-of-fold predictions).",
        "",
        "## Intended use",
        "- Early warning of unusually volatile minutes in Coinbase spot products for operators and downstream risk systems; a ranking signal with a probability attached.",
        "- Not for: trading decisions on its own, or horizons other than 60 s.",
        "",
        "## Metrics: cross-validated by session",
        f"Pooled out-of-fold predictions, {s['cv']['kind']} over {len(s['cv']['groups'])} groups "
        f"(purge {s['cv']['purge_s']} s), {s['rows']} rows (one per product per {s['cadence_s']:g} s), "
        f"positive rate {s['positive_rate']:.4f}. PR-AUC is primary; the reference is persistence as the "
        f"rule states it, rv_60s / tau ranked as it is: PR-AUC **{s['reference_pr_auc']:.4f}**.",
        "",
        "| model | PR-AUC | ROC-AUC | F1 | precision | recall | alert rate | Brier skill | ECE | lead time s | exported |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, m in s["models"].items():
        lines.append(f"| {'**' + n + '**' if n == b else n} | {m['pr_auc']:.4f} | {m['roc_auc']:.4f} | "
                     f"{m['f1']:.3f} | {m['precision']:.3f} | {m['recall']:.3f} | {m['alert_rate']:.3f} | "
                     f"{m['brier_skill']:.3f} | {m['ece']:.3f} | {m['lead_time_s']:.1f} | "
                     f"{'refused: ' + m['refused'] if m.get('refused') else ('built in' if n == 'zscore' else 'yes')} |")
    lines.append("")
    if v:
        lines.append(f"- Best learned model {best}: PR-AUC minus rv_60s/tau {v['diff']:+.4f}, 95% block-bootstrap "
                     f"interval [{v['lo']:+.4f}, {v['hi']:+.4f}] over {v['blocks']} blocks of "
                     f"{v['block_s'] / 60:.0f} min; the champion gate asks for an interval above 0.")
    for title, key in (("Per product", "per_product"), ("Per held-out session", "per_session")):
        lines += ["", f"### {title}: PR-AUC of {b}" + (f" and {best}" if best and best != b else "")
                  + " beside rv_60s/tau", "",
                  f"| {key.split('_')[1]} | rows | positive rate | rv_60s/tau | {b} |"
                  + (f" {best} |" if best and best != b else ""),
                  "|---|---|---|---|---|" + ("---|" if best and best != b else "")]
        for k, row in r[key].items():
            extra = ""
            if best and best != b:
                o = s["models"][best][key].get(k)
                extra = f" {o['pr_auc']:.4f} |" if o else " |"
            lines.append(f"| {k} | {row['rows']} | {row['positive_rate']:.4f} | {row['persistence']:.4f} | "
                         f"{row['pr_auc']:.4f} |{extra}")
    lines += [
        "",
        "## Training data",
        f"- {s['span']['rows']} rows, {s['span']['start'][:19]} .. {s['span']['end'][:19]} UTC, products {', '.join(s['span']['products'])}.",
        f"- Source files: {', '.join(os.path.basename(f) for f in s['files'])}.",
        "- Sessions are runs of a recording with no silence over 30 min; a model is always scored on a session it was not fitted on, with 1860 s purged around it (label horizon 60 s + longest look-back 1800 s).",
        "",
        "## Quantitative analyses",
        "- `reports/model_eval.pdf` (PR and ROC curves, confusion matrices, feature importance, per-session bars) and the drift report (`reports/drift_report.html`).",
        "",
        "## Ethical considerations",
        "- Market data only; no personal data. A false sense of safety is the main risk: a quiet prediction is not a guarantee.",
        "",
        "## Caveats and recommendations",
        "- The recordings span hours of late November and early December 2025 and one short April 2026 session: a few regimes, not months.",
        "- Judge any model on recordings it never saw with `volt-lab evaluate --model FILE RECORDING...`; the engine grades its own model live against persistence (docs/models.md).",
        "",
    ]
    return "\n".join(lines)


def ship_default(run: str, dest: str) -> None:
    """Copies the run's default model (the champion, else calibrated persistence) to dest."""
    import shutil
    with open(os.path.join(run, "metrics.json")) as fh:
        s = json.load(fh)
    name = s["default"]
    if not name:
        raise D.DataError("the run has no exportable default model (every model was refused)")
    shutil.copyfile(s["models"][name]["model_file"], dest)
    print(f"volt-lab: {dest} is now {name} ({s['models'][name]['version']})")


def drift(run: str, html_path: str) -> None:
    from evidently import Report
    from evidently.presets import DataDriftPreset

    rows = pd.read_parquet(os.path.join(run, "rows.parquet"))
    newest = rows.groupby("cv_group")["t_s"].max().idxmax()
    train, test = rows[rows["cv_group"] != newest], rows[rows["cv_group"] == newest]
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
          f"(share {drifted['share']:.2f}) between the earlier sessions and the newest ({newest})" if drifted else f"volt-lab: wrote {html_path}")
