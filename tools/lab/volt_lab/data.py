"""Labelled feature rows from `volt replay --label --out FILE.csv`, and time-based splits.

The rows are the engine's own output, so training and serving read the same feature code path.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

# The engine's feature columns, in its order (engine/features.h; docs/features.md).
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


def load(paths: list[str], cadence_s: float = 0.0) -> pd.DataFrame:
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
    return df


def time_splits(df: pd.DataFrame, fractions=(0.6, 0.2, 0.2), purge_s: float = PURGE_S):
    """Train / validation / test by event time, never shuffled: the first fractions[0] of rows
    train, the next fractions[1] validate, the rest test, and rows within purge_s after each
    boundary are dropped so that no look-back or label window straddles two sets."""
    t = df["t_s"].to_numpy()
    n = len(t)
    c1 = t[min(n - 1, int(n * fractions[0]))]
    c2 = t[min(n - 1, int(n * (fractions[0] + fractions[1])))]
    train = df[t < c1]
    val = df[(t >= c1 + purge_s) & (t < c2)]
    test = df[t >= c2 + purge_s]
    for name, part in (("train", train), ("validation", val), ("test", test)):
        if len(part) == 0 or part[LABEL].nunique() < 2:
            raise DataError(
                f"the {name} split has {len(part)} rows and {part[LABEL].nunique() if len(part) else 0} "
                f"label classes: the data span ({(t[-1] - t[0]) / 3600:.2f} h) is too short for a "
                f"{purge_s:.0f}-s purge between splits; give more recordings")
    check_splits(train, val, test, purge_s)
    return train, val, test


def check_splits(train, val, test, purge_s: float = PURGE_S) -> None:
    """Every validation/test timestamp is later than every earlier set's by more than the purge."""
    if val["t_s"].min() <= train["t_s"].max() + purge_s:
        raise DataError("validation overlaps training plus the purge")
    if test["t_s"].min() <= val["t_s"].max() + purge_s:
        raise DataError("test overlaps validation plus the purge")
    if test["t_s"].min() <= train["t_s"].max() + purge_s:
        raise DataError("test overlaps training plus the purge")


def walk_forward(df: pd.DataFrame, folds: int = 4, purge_s: float = PURGE_S):
    """Expanding-window folds: fold k trains on the first k/(folds+1) of rows and tests on the
    next 1/(folds+1), purged. Yields (k, train, test); folds without both classes are skipped."""
    t = df["t_s"].to_numpy()
    n = len(t)
    for k in range(1, folds + 1):
        a = t[int(n * k / (folds + 1)) - 1]
        b = t[min(n - 1, int(n * (k + 1) / (folds + 1)) - 1)]
        tr = df[t <= a]
        te = df[(t > a + purge_s) & (t <= b)]
        if len(te) and tr[LABEL].nunique() == 2 and te[LABEL].nunique() == 2:
            yield k, tr, te


def fixed_tau(train: pd.DataFrame, q: float = 0.9) -> float:
    """The seed's fixed threshold: the q-quantile of future 60-s realized volatility over the
    training rows (fitted on training data only)."""
    v = train[LABEL_RV].dropna().to_numpy()
    if len(v) == 0:
        raise DataError("no future realized volatility in the training rows")
    return float(np.quantile(v, q))


def relabel_fixed(df: pd.DataFrame, tau: float) -> pd.DataFrame:
    d = df[df[LABEL_RV].notna()].copy()
    d[LABEL] = (d[LABEL_RV] >= tau).astype(int)
    d[LABEL_TAU] = tau
    return d
