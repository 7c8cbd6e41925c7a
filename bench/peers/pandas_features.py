#!/usr/bin/env python3
"""The feature peer (issue 5; docs/bench.md): volt's feature set computed the way a pandas user
would, with vectorized time-based rolling windows over a whole recording, timed on the same data
as volt-bench's `features/update_all_recording`.

    pandas_features.py RECORDING [--repeat N] [--json OUT]

Parsing is outside the timing on both sides (volt parses before its timed loop too). The peer
computes every column family of docs/features.md -- the seed's v0 set, realized volatility on a
1-second mid grid at 10/30/60/300/900 s, EWMA volatility, volatility of volatility, log returns,
trade count/volume/taker imbalance, spread change, mid-last deviation, inter-arrival time,
ranges, time of day and the trailing 90th-percentile threshold -- with pandas idioms (resample,
rolling, ewm, merge_asof). It is a cost peer: its window edges follow pandas' conventions rather
than volt's exact ones, and the oracle in tests/oracle (not this file) is what proves volt's
values right."""
import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ticks import read_lines, report, ticks_of_lines  # noqa: E402


GAP_NS = 10_000_000_000


def features(df):
    """df: one product's ticks, DatetimeIndex (event time), columns kind, price, bid, ask,
    vol24, size, side. Returns one feature row per tick."""
    out = pd.DataFrame(index=df.index)
    tk = df[df["kind"] == "ticker"]
    price = tk["price"]
    # the seed's v0 set
    close = price.resample("1s").last().ffill()
    out["price_return_1min"] = pd.merge_asof(
        out, (close.shift(60)).rename("c").to_frame(), left_index=True, right_index=True)["c"]
    out["price_return_1min"] = price.reindex(out.index, method="ffill") / out["price_return_1min"] - 1
    c300 = pd.merge_asof(out[[]], close.shift(300).rename("c").to_frame(),
                         left_index=True, right_index=True)["c"]
    out["price_return_5min"] = price.reindex(out.index, method="ffill") / c300 - 1
    lr = np.log(price).diff()
    out["price_volatility_5min"] = lr.rolling("300s").std().reindex(out.index, method="ffill")
    spread = (tk["ask"] - tk["bid"])
    mid_t = (tk["ask"] + tk["bid"]) / 2
    out["bid_ask_spread"] = spread.reindex(out.index, method="ffill")
    out["bid_ask_spread_bps"] = (spread / mid_t * 1e4).reindex(out.index, method="ffill")
    v24 = tk["vol24"].resample("1s").last().ffill()
    v60 = pd.merge_asof(out[[]], v24.shift(60).rename("v").to_frame(),
                        left_index=True, right_index=True)["v"]
    out["volume_24h_pct_change"] = 100 * (tk["vol24"].reindex(out.index, method="ffill") / v60 - 1)
    out["trade_intensity"] = price.rolling("60s").count().reindex(out.index, method="ffill")
    vol5_close = out["price_volatility_5min"].resample("1s").last().ffill()
    zmean = vol5_close.rolling(900, min_periods=120).mean().shift(1)
    zstd = vol5_close.rolling(900, min_periods=120).std().shift(1)
    out["volatility_zscore_15min"] = (
        (out["price_volatility_5min"] - zmean.reindex(out.index, method="ffill"))
        / zstd.reindex(out.index, method="ffill"))
    # v1: realized volatility of the 1-second log-mid grid
    lmid = np.log(mid_t).resample("1s").last().ffill()
    r = lmid.diff()
    r2 = r * r
    for w in (10, 30, 60, 300, 900):
        out[f"rv_{w}s"] = np.sqrt(r2.rolling(w, min_periods=w).sum()).reindex(out.index, method="ffill")
    ew = r2.ewm(halflife=60, adjust=True).mean()
    out["ewma_rv_60s"] = np.sqrt(60 * ew).reindex(out.index, method="ffill")
    rv60 = np.sqrt(r2.rolling(60, min_periods=60).sum())
    out["vol_of_vol_300s"] = rv60.rolling(300, min_periods=300).std().shift(1).reindex(
        out.index, method="ffill")
    lmid_t = np.log(mid_t).reindex(out.index, method="ffill")
    for w in (10, 60):
        lag = pd.merge_asof(out[[]], lmid.shift(w).rename("l").to_frame(),
                            left_index=True, right_index=True)["l"]
        out[f"logret_{w}s"] = lmid_t - lag
        out[f"abs_logret_{w}s"] = out[f"logret_{w}s"].abs()
    # trades (missing when the recording has none)
    tr = df[df["size"] > 0]
    if len(tr):
        signed = tr["size"].where(tr["side"] == "buy", -tr["size"])
        cnt = tr["size"].rolling("60s").count()
        vol = tr["size"].rolling("60s").sum()
        out["trade_count_60s"] = cnt.reindex(out.index, method="ffill")
        out["trade_volume_60s"] = vol.reindex(out.index, method="ffill")
        out["taker_imbalance_60s"] = (signed.rolling("60s").sum() / vol).reindex(out.index, method="ffill")
    else:
        out["trade_count_60s"] = out["trade_volume_60s"] = out["taker_imbalance_60s"] = np.nan
    sbps = (spread / mid_t * 1e4).resample("1s").last().ffill()
    lag = pd.merge_asof(out[[]], sbps.shift(10).rename("s").to_frame(), left_index=True, right_index=True)["s"]
    out["spread_change_10s_bps"] = out["bid_ask_spread_bps"] - lag
    out["mid_last_dev_bps"] = ((price - mid_t) / mid_t * 1e4).reindex(out.index, method="ffill")
    tsec = pd.Series(df.index.asi8, index=df.index)
    out["secs_since_prev_tick"] = tsec.diff() / 1e9
    mid_grid = np.exp(lmid)
    mid_now = mid_t.reindex(out.index, method="ffill")
    for w in (60, 300):
        hi = mid_grid.rolling(w, min_periods=w).max().shift(1).reindex(out.index, method="ffill")
        lo = mid_grid.rolling(w, min_periods=w).min().shift(1).reindex(out.index, method="ffill")
        out[f"range_{w}s_bps"] = (np.maximum(hi, mid_now) - np.minimum(lo, mid_now)) / mid_now * 1e4
    out["secs_since_gap"] = np.minimum((tsec - tsec.iloc[0]) / 1e9, 3600)
    sod = (tsec // 1_000_000_000) % 86400
    out["tod_sin"] = np.sin(2 * np.pi * sod / 86400)
    out["tod_cos"] = np.cos(2 * np.pi * sod / 86400)
    out["tau_trailing"] = rv60.rolling(1800, min_periods=300).quantile(0.9).shift(1).reindex(
        out.index, method="ffill")
    return out


def frames(ticks):
    df = pd.DataFrame(ticks)
    df.index = pd.to_datetime(df["t"], unit="ns", utc=True)
    df = df.sort_index(kind="stable")
    df = df[~df.index.duplicated(keep="last")]  # ffill reindexing needs unique times
    parts = []
    for _, g in df.groupby("product"):
        # like volt, windows restart after a silence of more than 10 s (a recorder gap)
        seg = (g["t"].diff() > GAP_NS).cumsum()
        parts.extend(s.drop(columns=["product", "t"]) for _, s in g.groupby(seg))
    return parts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("recording")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes; the median is reported")
    ap.add_argument("--limit", type=int, default=None, help="read at most this many lines")
    ap.add_argument("--json")
    a = ap.parse_args()
    ticks = ticks_of_lines(read_lines(a.recording, a.limit))
    parts = frames(ticks)
    n = sum(len(p) for p in parts)
    times = []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        res = [features(p) for p in parts]
        times.append(time.perf_counter() - t0)
    cols = len(res[0].columns) if res else 0
    med = float(np.median(times))
    rep = {"peer": "pandas rolling (batch)", "recording": a.recording, "ticks": n,
           "columns": cols, "seconds": times, "ns_per_tick": med / n * 1e9,
           "pandas": pd.__version__, "numpy": np.__version__}
    report(rep, a.json, f"pandas_features: {n} ticks, {cols} columns, {rep['ns_per_tick']:.0f} ns/tick "
           f"(median of {a.repeat} passes: {med:.3f} s)")


if __name__ == "__main__":
    main()
