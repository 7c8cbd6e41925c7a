"""Labelled feature rows from `volt replay --label --out FILE.csv`, their recording sessions, and
the purged leave-one-session-out folds.

The rows are the engine's own output, so training and serving read the same feature code path.
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd

# The engine's feature columns, in its order (engine/features/features.h; docs/features.md).
FEATURES = [
    "price_return_1min", "price_return_5min", "price_volatility_5min", "bid_ask_spread",
    "bid_ask_spread_bps", "volume_24h_pct_change", "trade_intensity", "volatility_zscore_15min",
    "rv_10s", "rv_30s", "rv_60s", "rv_300s", "rv_900s", "ewma_rv_60s", "vol_of_vol_300s",
    "logret_10s", "logret_60s", "abs_logret_10s", "abs_logret_60s", "trade_count_60s",
    "trade_volume_60s", "taker_imbalance_60s", "spread_change_10s_bps", "mid_last_dev_bps",
    "secs_since_prev_tick", "range_60s_bps", "range_300s_bps", "secs_since_gap", "tod_sin",
    "tod_cos", "tau_trailing",
]
LABEL = "volatility_spike"
LABEL_RV = "label_future_rv_60s"
LABEL_TAU = "label_tau"
HORIZON_S = 60          # the label looks 60 s ahead
LOOKBACK_S = 1800       # the longest feature look-back (tau_trailing: 30 min of rv_60s closes)
PURGE_S = HORIZON_S + LOOKBACK_S


class DataError(Exception):
    pass


def numeric(df: pd.DataFrame, cols) -> pd.DataFrame:
    """The engine writes missing values as empty fields: these columns become float64 with NaN."""
    for c in cols:
        if c in df.columns:
            df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    return df


def load(paths: list[str], cadence_s: float = 1.0) -> pd.DataFrame:
    """Reads labelled rows (unlabelled ones dropped), sorted by event time.

    cadence_s > 0 keeps the last row of each product in each cadence_s bucket of event time
    (e.g. 1: one row per second per product), which thins the autocorrelated tick stream."""
    frames = []
    for p in paths:
        d = pd.read_csv(p, low_memory=False)
        missing = [c for c in FEATURES + ["event_ns", "product", LABEL, LABEL_RV, LABEL_TAU]
                   if c not in d.columns]
        if missing:
            raise DataError(f"{p}: not a labelled feature file from 'volt replay --label' "
                            f"(missing columns: {', '.join(missing[:5])})")
        d["source"] = p
        frames.append(d)
    df = numeric(pd.concat(frames, ignore_index=True), FEATURES + [LABEL, LABEL_RV, LABEL_TAU])
    df = df[df[LABEL].notna()].copy()
    df[LABEL] = df[LABEL].astype(int)
    df = df.sort_values("event_ns", kind="stable").reset_index(drop=True)
    if cadence_s > 0:
        bucket = (df["event_ns"] // int(cadence_s * 1e9)).astype("int64")
        df = df.groupby([df["product"], bucket], sort=False).tail(1)
        df = df.sort_values("event_ns", kind="stable").reset_index(drop=True)
    if len(df) == 0:
        raise DataError("no labelled rows: were the files written with 'volt replay --label'?")
    df["t_s"] = df["event_ns"].to_numpy(dtype="int64") / 1e9
    df["session"] = sessions(df)
    return df


SESSION_GAP_S = 1800    # a silence this long (every product) ends a recording session
MIN_FOLDS = 3           # fewer sessions than this: each is cut into equal-time blocks


def sessions(df: pd.DataFrame, gap_s: float = SESSION_GAP_S) -> pd.Series:
    """Names each row's recording session: per source file, a run of rows (any product) with no
    silence longer than gap_s. Sessions are the unit of cross-validation: a model is always scored
    on a session it was not fitted on."""
    out = pd.Series("", index=df.index, dtype=object)
    for src, g in df.groupby("source", sort=False):
        t = g["t_s"].to_numpy()
        order = np.argsort(t, kind="stable")
        ts = t[order]
        brk = np.concatenate([[0], np.flatnonzero(np.diff(ts) > gap_s) + 1])
        sid = np.searchsorted(ts[brk], t, side="right") - 1
        tag = os.path.splitext(os.path.basename(src))[0]
        names = [f"{tag}@{pd.Timestamp(ts[b], unit='s'):%Y-%m-%dT%H:%M}" for b in brk]
        out.loc[g.index] = [names[i] for i in sid]
    return out


def cv_groups(df: pd.DataFrame, min_folds: int = MIN_FOLDS) -> np.ndarray:
    """The cross-validation groups: the recording sessions, or, when there are fewer than
    min_folds of them (one long synthetic market), min_folds blocks of equal event time."""
    if df["session"].nunique() >= min_folds:
        return df["session"].to_numpy()
    t = df["t_s"].to_numpy()
    edges = np.linspace(t.min(), t.max(), min_folds + 1)
    k = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, min_folds - 1)
    return np.array([f"block{i + 1}of{min_folds}" for i in k], dtype=object)


def cv_folds(df: pd.DataFrame, groups: np.ndarray, purge_s: float = PURGE_S):
    """Leave one group out, purged: yields (name, train_mask, test_mask). Training rows within
    purge_s of the held-out group's time span (any product, any file) are dropped, so no look-back
    or label window straddles the two. A fold whose test or training rows lack a class is
    skipped."""
    t = df["t_s"].to_numpy()
    y = df[LABEL].to_numpy()
    for g in pd.unique(groups):
        te = groups == g
        lo, hi = t[te].min(), t[te].max()
        tr = ~te & ((t < lo - purge_s) | (t > hi + purge_s))
        if tr.sum() == 0 or len(np.unique(y[tr])) < 2:
            continue
        yield g, tr, te


def check_purge(t: np.ndarray, train: np.ndarray, test: np.ndarray, purge_s: float = PURGE_S) -> None:
    """No training time lies within purge_s of the held-out span."""
    lo, hi = t[test].min(), t[test].max()
    tt = t[train]
    if ((tt >= lo - purge_s) & (tt <= hi + purge_s)).any():
        raise DataError("a training row lies within the purge of its held-out session")
