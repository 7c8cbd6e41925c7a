"""Figures for MLflow artifacts and the PDF report (matplotlib, Agg)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import precision_recall_curve, roc_curve  # noqa: E402


def pr_curves(y, preds: dict, title="Precision-recall (test)"):
    fig, ax = plt.subplots(figsize=(6.5, 5))
    for name, p in preds.items():
        pr, rc, _ = precision_recall_curve(y, p)
        ax.plot(rc, pr, label=name)
    ax.axhline(np.mean(y), color="grey", ls=":", label=f"positive rate {np.mean(y):.3f}")
    ax.set(xlabel="recall", ylabel="precision", title=title, xlim=(0, 1), ylim=(0, 1.02))
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def roc_curves(y, preds: dict, title="ROC (test)"):
    fig, ax = plt.subplots(figsize=(6.5, 5))
    for name, p in preds.items():
        fpr, tpr, _ = roc_curve(y, p)
        ax.plot(fpr, tpr, label=name)
    ax.plot([0, 1], [0, 1], color="grey", ls=":")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title=title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def confusion(r: dict, name: str, ax=None):
    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(3.6, 3.2))
    m = np.array([[r["tn"], r["fp"]], [r["fn"], r["tp"]]])
    ax.imshow(m, cmap="Blues")
    for i in range(2):
        for j in range(2):
            ax.text(j, i, str(m[i, j]), ha="center", va="center",
                    color="white" if m[i, j] > m.max() / 2 else "black")
    ax.set(xticks=[0, 1], yticks=[0, 1], xticklabels=["no alert", "alert"],
           yticklabels=["calm", "spike"], title=f"{name} @ p >= {r['threshold']:.3f}")
    if own:
        fig.tight_layout()
        return fig
    return None


def importance(imp: dict, name: str, top=15, ax=None):
    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(6.5, 4.5))
    items = sorted(imp.items(), key=lambda kv: kv[1], reverse=True)[:top][::-1]
    ax.barh([k for k, _ in items], [v for _, v in items])
    ax.set(title=f"{name}: feature importance", xlabel="gain" if name == "xgboost" else "|coef| (scaled)")
    ax.tick_params(axis="y", labelsize=7)
    if own:
        fig.tight_layout()
        return fig
    return None
