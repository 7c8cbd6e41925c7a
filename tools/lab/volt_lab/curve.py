"""volt-lab curve: how the best model's lead over persistence grows with the number of training
sessions -- the evidence for (or against) "more data would help".

For each size k, every session is held out in turn (purged, as in training) and the model is fitted
on k sessions drawn at random from the others (`--repeats` draws, fixed seed); the pooled
out-of-fold scores are calibrated as in training and compared with rv_60s / tau."""
from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score

from . import data as D
from . import metrics as M
from . import models as MD


def run(run_dir: str, name: str, sizes: list[int], repeats: int = 1, seed: int = 0, log=print):
    rows = pd.read_parquet(os.path.join(run_dir, "rows.parquet"))
    groups = rows["cv_group"].to_numpy()
    y = rows[D.LABEL].to_numpy()
    ref = M.persistence_score(rows)
    ref_ap = average_precision_score(y, ref)
    t = rows["t_s"].to_numpy()
    rng = np.random.default_rng(seed)
    out = []
    log(f"volt-lab curve: {name} on {len(rows)} rows, {len(pd.unique(groups))} sessions; "
        f"rv_60s/tau PR-AUC {ref_ap:.4f}")
    for k in sizes:
        diffs = []
        for _ in range(repeats):
            raw = np.full(len(rows), np.nan)
            for g, tr, te in D.cv_folds(rows, groups):
                others = [h for h in pd.unique(groups[tr])]
                if len(others) < k:
                    continue
                pick = set(rng.choice(others, size=k, replace=False))
                sel = tr & np.isin(groups, list(pick))
                if len(np.unique(y[sel])) < 2:
                    continue
                D.check_purge(t, sel, te)
                raw[te] = MD.make(name).fit(rows[sel]).score(rows[te])
            ok = np.isfinite(raw)
            m = MD.make(name)
            a, c = MD.fit_platt(raw[ok], y[ok], m.link)
            p = m._link(a * raw[ok] + c)
            diffs.append(average_precision_score(y[ok], p) - average_precision_score(y[ok], ref[ok]))
        row = {"sessions": k, "diff_mean": float(np.mean(diffs)), "diffs": [float(d) for d in diffs]}
        out.append(row)
        log(f"  trained on {k:>2} sessions: PR-AUC minus rv_60s/tau {row['diff_mean']:+.4f} "
            f"({', '.join(f'{d:+.4f}' for d in diffs)})")
    with open(os.path.join(run_dir, f"curve_{name}.json"), "w") as fh:
        json.dump(out, fh, indent=1)
    return out
