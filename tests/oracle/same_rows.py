#!/usr/bin/env python3
"""same_rows.py A.csv B.csv [--rel 1e-12]: two row files agree column by column (text columns
exactly, numbers to the relative tolerance, missing values in the same places)."""
import sys

import numpy as np
import pandas as pd


def main():
    a, b = sys.argv[1], sys.argv[2]
    rel = float(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--rel" else 1e-12
    x = pd.read_csv(a, keep_default_na=False, na_values=[""], dtype={"product": str})
    y = pd.read_csv(b, keep_default_na=False, na_values=[""], dtype={"product": str})
    if list(x.columns) != list(y.columns) or len(x) != len(y):
        print(f"same_rows: shapes differ: {x.shape} vs {y.shape}")
        return 1
    worst = 0.0
    for c in x.columns:
        if x[c].dtype.kind in "fi" and y[c].dtype.kind in "fi":
            u, v = x[c].to_numpy(float), y[c].to_numpy(float)
            if (np.isnan(u) != np.isnan(v)).any():
                print(f"same_rows: {c}: missing values differ")
                return 1
            m = ~np.isnan(u)
            d = np.abs(u[m] - v[m]) / np.maximum(np.maximum(np.abs(u[m]), np.abs(v[m])), 1e-300)
            d[u[m] == v[m]] = 0
            if d.size and d.max() > rel:
                print(f"same_rows: {c}: relative difference {d.max():.3g} > {rel}")
                return 1
            worst = max(worst, float(d.max()) if d.size else 0.0)
        elif not (x[c].astype(str) == y[c].astype(str)).all():
            print(f"same_rows: {c}: text differs")
            return 1
    print(f"same_rows: {len(x)} rows agree (largest relative difference {worst:.3g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
