#!/usr/bin/env python3
"""tools/calibrate.py — measures the synthetic market's parameters on the real recordings.

Reads the seed-schema sessions in $VOLT_DATA/coinbase-advanced-btcusd-2025-12 (default
../shared/data) with the standard library only, and prints the numbers that tools/synth/synth.h
holds as constants: ticker rate, 1-second mid log-return volatility and its spread across files,
the share of ticks with an unchanged price, and the rate/volatility elasticity.
"""
import glob
import json
import math
import os
import statistics as st
import sys
from datetime import datetime


def main():
    root = os.environ.get("VOLT_DATA") or os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
    files = sorted(glob.glob(os.path.join(root, "coinbase-advanced-btcusd-2025-12", "*.ndjson")))
    if not files:
        print(f"calibrate: no recordings under {root} (set VOLT_DATA)", file=sys.stderr)
        return 2
    rates, sigmas, unchanged = [], [], []
    for f in files:
        ts, mid, px = [], [], []
        with open(f) as fh:
            for line in fh:
                d = json.loads(line)
                ts.append(datetime.fromisoformat(d["timestamp"]).timestamp())
                mid.append((float(d["best_bid"]) + float(d["best_ask"])) / 2)
                px.append(float(d["price"]))
        if len(ts) < 100 or ts[-1] <= ts[0]:
            continue
        grid = {}
        for t, m in zip(ts, mid):
            grid[int(t)] = m  # close of each second
        secs = sorted(grid)
        r = [math.log(grid[b] / grid[a]) for a, b in zip(secs, secs[1:]) if b == a + 1]
        if len(r) < 30:
            continue
        rates.append(len(ts) / (ts[-1] - ts[0]))
        sigmas.append(st.pstdev(r))
        unchanged.append(sum(1 for a, b in zip(px, px[1:]) if a == b) / len(px))
    logs = [math.log(s) for s in sigmas]
    lr = [math.log(x) for x in rates]
    mx, my = st.mean(logs), st.mean(lr)
    elasticity = sum((a - mx) * (b - my) for a, b in zip(logs, lr)) / sum((a - mx) ** 2 for a in logs)
    print(f"files                     {len(rates)}")
    print(f"VOLT_SYNTH_RATE_PER_S     {st.median(rates):.2f}   (range {min(rates):.2f}..{max(rates):.2f})")
    print(f"VOLT_SYNTH_SIGMA_1S       {st.median(sigmas):.3g}  (range {min(sigmas):.2g}..{max(sigmas):.2g})")
    print(f"VOLT_SYNTH_LOGSIGMA_SD    {st.pstdev(logs):.2f}")
    print(f"VOLT_SYNTH_P_UNCHANGED    {st.median(unchanged):.2f}")
    print(f"rate elasticity (OLS)     {elasticity:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
