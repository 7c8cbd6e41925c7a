"""Evaluation metrics (docs/models.md defines each)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import (average_precision_score, brier_score_loss, confusion_matrix,
                             f1_score, precision_recall_curve, precision_score, recall_score,
                             roc_auc_score)

from .data import LABEL


def best_f1_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The probability threshold with the best F1 (chosen on validation, then frozen)."""
    prec, rec, thr = precision_recall_curve(y, p)
    f1 = np.where(prec + rec > 0, 2 * prec * rec / np.maximum(prec + rec, 1e-300), 0.0)[:-1]
    if len(thr) == 0:
        return 0.5
    return float(thr[int(np.argmax(f1))])


def ece(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over `bins` equal-size bins of predicted probability."""
    order = np.argsort(p, kind="stable")
    err = 0.0
    for part in np.array_split(order, bins):
        if len(part):
            err += len(part) / len(p) * abs(p[part].mean() - y[part].mean())
    return float(err)


def lead_time_s(df: pd.DataFrame, alert: np.ndarray) -> float:
    """Mean lead time of true alerts: for each rising edge of the prediction on a positive row, the
    seconds until the product's trailing 60-s realized volatility itself reaches that row's tau
    (when a backward-looking detector would see the spike), capped at the 60-s horizon."""
    leads = []
    for _, g in df.assign(_a=alert).groupby("product", sort=False):
        t = g["t_s"].to_numpy()
        a = g["_a"].to_numpy().astype(bool)
        y = g[LABEL].to_numpy()
        rv = g["rv_60s"].to_numpy()
        tau = g["label_tau"].to_numpy()
        prev = np.concatenate([[False], a[:-1]])
        for i in np.flatnonzero(a & ~prev & (y == 1)):
            j = i
            while j < len(t) and t[j] - t[i] <= 60 and not (rv[j] >= tau[i]):
                j += 1
            leads.append(min(60.0, t[j] - t[i]) if j < len(t) and t[j] - t[i] <= 60 else 60.0)
    return float(np.mean(leads)) if leads else float("nan")


def persistence_score(df: pd.DataFrame) -> np.ndarray:
    """Persistence as the rule states it: rv_60s / tau_trailing ranked as it is; a segment's first
    minute, without rv_60s, at the median ratio (the engine's self-grade does the same)."""
    ratio = (df["rv_60s"] / df["tau_trailing"]).to_numpy()
    return np.where(np.isfinite(ratio), ratio, np.nanmedian(ratio))


BLOCK_S = 900.0  # the block bootstrap's block: 15 min of event time, every product


def evaluate(df: pd.DataFrame, p: np.ndarray, threshold, base_rate_train: float) -> dict:
    """threshold: one probability, or an array of per-row alert decisions (0/1) when each row's
    threshold was chosen apart (cross-fitted)."""
    y = df[LABEL].to_numpy()
    if np.ndim(threshold) == 0:
        pred = (p >= threshold).astype(int)
    else:
        pred = np.asarray(threshold).astype(int)
        threshold = float("nan")
    brier = brier_score_loss(y, p)
    ref = brier_score_loss(y, np.full(len(y), base_rate_train))
    cm = confusion_matrix(y, pred, labels=[0, 1])
    return {
        "pr_auc": float(average_precision_score(y, p)),
        "roc_auc": float(roc_auc_score(y, p)),
        "positive_rate": float(y.mean()),
        "threshold": float(threshold),
        "f1": float(f1_score(y, pred, zero_division=0)),
        "precision": float(precision_score(y, pred, zero_division=0)),
        "recall": float(recall_score(y, pred, zero_division=0)),
        "alert_rate": float(pred.mean()),
        "brier": float(brier),
        "brier_skill": float(1.0 - brier / ref) if ref > 0 else float("nan"),
        "ece": ece(y, p),
        "lead_time_s": lead_time_s(df, pred),
        "rows": int(len(y)),
        "tn": int(cm[0, 0]), "fp": int(cm[0, 1]), "fn": int(cm[1, 0]), "tp": int(cm[1, 1]),
    }


def block_bootstrap_ap_diff(df: pd.DataFrame, p_a: np.ndarray, p_b: np.ndarray,
                            block_s: float = BLOCK_S, reps: int = 1000, seed: int = 0):
    """95% interval of PR-AUC(a) - PR-AUC(b) over a block bootstrap of the rows in blocks of
    block_s of event time, all products of a block together (keeps the serial and the
    cross-product dependence inside a block)."""
    y = df[LABEL].to_numpy()
    blocks = np.floor(df["t_s"].to_numpy() / block_s).astype(np.int64)
    ids, inv = np.unique(blocks, return_inverse=True)
    members = [np.flatnonzero(inv == k) for k in range(len(ids))]
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(reps):
        pick = rng.integers(0, len(ids), len(ids))
        idx = np.concatenate([members[k] for k in pick])
        if y[idx].min() == y[idx].max():
            continue
        diffs.append(average_precision_score(y[idx], p_a[idx]) -
                     average_precision_score(y[idx], p_b[idx]))
    point = average_precision_score(y, p_a) - average_precision_score(y, p_b)
    if not diffs:
        return float(point), float("nan"), float("nan"), len(ids)
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    return float(point), float(lo), float(hi), len(ids)


def sign_test_p(wins: int, n: int) -> float:
    """One-sided sign test: P(at least `wins` of `n` fair coin flips come up heads)."""
    from scipy.stats import binom
    return float(binom.sf(wins - 1, n, 0.5)) if n else 1.0
