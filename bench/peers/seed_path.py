#!/usr/bin/env python3
"""The whole-path peer (issue 7; docs/bench.md): the seed's approach, message by message, in
Python -- json.loads of each raw message, a per-product buffer of recent ticks from which the
seed's features (returns over 1 and 5 minutes, 5-minute volatility of tick log returns, spread,
spread in bps, 24 h volume change, trade intensity) are recomputed with pandas for every tick, as
the seed's featurizer.py did, then scikit-learn's per-row predict_proba, as its infer.py did.

    seed_path.py RECORDING [--limit N] [--seconds S] [--json OUT]

It reports messages per second and the per-message latency (json.loads to probability)
percentiles, to set beside `volt bench-pipeline` on the same recording (bench/perf). The model is a
logistic regression on those seven features, fitted before the timing on the first rows
(label: 5-minute volatility above its median); what it predicts does not matter for the cost."""
import argparse
import collections
import json
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ticks import read_lines, report, ticks_of_message  # noqa: E402

COLS = ["price_return_1min", "price_return_5min", "price_volatility_5min", "bid_ask_spread",
        "bid_ask_spread_bps", "volume_24h_pct_change", "trade_intensity"]
WINDOW_NS = 300 * 1_000_000_000


class SeedFeaturizer:
    """A rolling buffer per product; features recomputed over the buffer for each tick."""

    def __init__(self):
        self.buf = collections.defaultdict(collections.deque)

    def update(self, t):
        q = self.buf[t["product"]]
        q.append((t["t"], t["price"], t["bid"], t["ask"], t["vol24"]))
        while q and q[0][0] < t["t"] - WINDOW_NS:
            q.popleft()
        df = pd.DataFrame(list(q), columns=["ts", "price", "bid", "ask", "vol24"])
        df["ts"] = pd.to_datetime(df["ts"], unit="ns")
        df = df.set_index("ts")
        now = df.index[-1]
        p = df["price"]
        last = p.iloc[-1]
        p60 = p[p.index >= now - pd.Timedelta(seconds=60)]
        lr = np.log(p).diff().dropna()
        spread = df["ask"].iloc[-1] - df["bid"].iloc[-1]
        mid = (df["ask"].iloc[-1] + df["bid"].iloc[-1]) / 2
        v = df["vol24"]
        v60 = v[v.index >= now - pd.Timedelta(seconds=60)]
        return {
            "price_return_1min": last / p60.iloc[0] - 1,
            "price_return_5min": last / p.iloc[0] - 1,
            "price_volatility_5min": lr.std() if len(lr) > 1 else 0.0,
            "bid_ask_spread": spread,
            "bid_ask_spread_bps": spread / mid * 1e4 if mid else 0.0,
            "volume_24h_pct_change": 100 * (v.iloc[-1] / v60.iloc[0] - 1) if v60.iloc[0] else 0.0,
            "trade_intensity": float(len(p60)),
        }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("recording")
    ap.add_argument("--limit", type=int, default=20000, help="messages to read (default 20000)")
    ap.add_argument("--seconds", type=float, default=20.0,
                    help="stop the timed run after this long (default 20)")
    ap.add_argument("--train", type=int, default=2000, help="rows to fit the model on first")
    ap.add_argument("--json")
    a = ap.parse_args()
    warnings.filterwarnings("ignore")
    lines = read_lines(a.recording, a.limit)

    # Fit the model on the featurizer's own rows (untimed).
    fz = SeedFeaturizer()
    rows = []
    for line in lines[: a.train]:
        for t in ticks_of_message(json.loads(line)):
            if t["kind"] == "ticker":
                rows.append(fz.update(t))
    X = pd.DataFrame(rows, columns=COLS).fillna(0.0)
    y = (X["price_volatility_5min"] > X["price_volatility_5min"].median()).astype(int)
    if y.nunique() < 2:
        y.iloc[0] = 1 - y.iloc[0]
    model = LogisticRegression(max_iter=200).fit(X, y)

    # The timed run: every message through parse -> features -> predict, as the seed's consumer.
    fz = SeedFeaturizer()
    lat = []
    msgs = 0
    t_start = time.perf_counter()
    for line in lines:
        t0 = time.perf_counter_ns()
        for t in ticks_of_message(json.loads(line)):
            if t["kind"] != "ticker":
                continue
            f = fz.update(t)
            model.predict_proba(pd.DataFrame([f], columns=COLS).fillna(0.0))[0, 1]
        lat.append(time.perf_counter_ns() - t0)
        msgs += 1
        if time.perf_counter() - t_start > a.seconds:
            break
    wall = time.perf_counter() - t_start
    lat_us = np.array(lat) / 1e3
    rep = {"peer": "seed path: json + pandas window features + sklearn predict_proba per row",
           "recording": a.recording, "messages": msgs, "seconds": wall,
           "msgs_per_s": msgs / wall,
           "latency_us": {k: float(np.percentile(lat_us, q)) for k, q in
                          (("p50", 50), ("p90", 90), ("p99", 99), ("p999", 99.9))},
           "pandas": pd.__version__}
    rep["latency_us"]["max"] = float(lat_us.max())
    report(rep, a.json, f"seed_path: {msgs} messages in {wall:.2f} s = {rep['msgs_per_s']:.0f} msg/s; "
           f"per message p50 {rep['latency_us']['p50']:.0f} us, p99 {rep['latency_us']['p99']:.0f} us")


if __name__ == "__main__":
    main()
